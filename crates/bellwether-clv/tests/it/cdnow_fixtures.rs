//! Loaders of the CDNOW reference files in `tests/data/cdnow` (see its README).

use std::path::PathBuf;

use bellwether_clv::summary::day_number;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cdnow")
}

fn read(name: &str) -> String {
    let path = data_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv_rows(name: &str) -> Vec<Vec<f64>> {
    read(name)
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|v| v.trim().parse::<f64>().unwrap())
                .collect()
        })
        .collect()
}

/// `cdnow_customers_summary.csv`: (ID, x, t_x, T) in weeks.
pub fn summary() -> Vec<(u64, f64, f64, f64)> {
    csv_rows("cdnow_customers_summary.csv")
        .into_iter()
        .map(|r| (r[0] as u64, r[1], r[2], r[3]))
        .collect()
}

/// `cdnow_customers_summary_with_transactions.csv`: (ID, x, t_x, T, zbar).
pub fn summary_with_spend() -> Vec<(u64, f64, f64, f64, f64)> {
    csv_rows("cdnow_customers_summary_with_transactions.csv")
        .into_iter()
        .map(|r| (r[0] as u64, r[1], r[2], r[3], r[4]))
        .collect()
}

/// `cdnow_holdout_xstar.csv`: (ID, x_star).
pub fn holdout() -> Vec<(u64, u32)> {
    csv_rows("cdnow_holdout_xstar.csv")
        .into_iter()
        .map(|r| (r[0] as u64, r[1] as u32))
        .collect()
}

/// `CDNOW_sample.txt`: (sample customer id, day number, dollar value).
pub fn transactions() -> Vec<(u64, i32, f64)> {
    read("CDNOW_sample.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let date: u32 = f[2].parse().unwrap();
            let day = day_number((date / 10_000) as i32, date / 100 % 100, date % 100).unwrap();
            (f[1].parse().unwrap(), day, f[4].parse().unwrap())
        })
        .collect()
}
