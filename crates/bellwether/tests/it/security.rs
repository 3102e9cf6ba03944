//! Issue 14 (penetration test), the command line's share of the findings about data: each test
//! fails on the code before the fix.
//!
//! - finding 7: CSV exports wrote cells that spreadsheets run as formulas;
//! - finding 14: control characters in data reached the terminal through `rank` and `explain`;
//! - findings 1 and 10 for local files: a configuration's glossary and the CSV files are read
//!   within limits, and a broken limit is named.

use std::path::Path;

use super::{bellwether, import_ok, stderr, stdout};

const FORMULA_NAME: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";
const FORMULA_REQUIREMENT: &str = "+cmd|' /C calc'!A0";
const ESCAPE_NAME: &str = "\u{1b}]0;pwned\u{7}";

/// An import folder with hostile names in customers, collaborations and requirements.
fn write_hostile_folder(dir: &Path) {
    fs_err::create_dir_all(dir).unwrap();
    let mut customers = csv::Writer::from_path(dir.join("customers.csv")).unwrap();
    customers
        .write_record(["customer_id", "name", "industry", "country", "employees"])
        .unwrap();
    customers
        .write_record(["C1", FORMULA_NAME, "@SUM(1+1)", "US", "120"])
        .unwrap();
    customers
        .write_record(["C2", ESCAPE_NAME, "Banking", "US", "300"])
        .unwrap();
    customers
        .write_record(["C3", "Plain Ltd", "Retail", "FR", "40"])
        .unwrap();
    customers.flush().unwrap();
    let mut partners = csv::Writer::from_path(dir.join("collaborations.csv")).unwrap();
    partners
        .write_record(["collaboration_id", "customer_id", "name", "started"])
        .unwrap();
    partners
        .write_record(["COL1", "C1", "-2+3+cmd", "2024-01-15"])
        .unwrap();
    partners.flush().unwrap();
    let mut requirements = csv::Writer::from_path(dir.join("requirements.csv")).unwrap();
    requirements
        .write_record(["collaboration_id", "text", "language"])
        .unwrap();
    requirements
        .write_record(["COL1", FORMULA_REQUIREMENT, "en"])
        .unwrap();
    requirements.flush().unwrap();
}

/// The cells of a CSV text.
fn cells(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// No cell a spreadsheet would run: each begins with none of `= + - @`, tab or CR, unless it
/// is a plain number.
fn assert_no_formula(text: &str) {
    for row in cells(text) {
        for cell in row {
            let starts_badly = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !starts_badly || cell.parse::<f64>().is_ok(),
                "a formula cell {cell:?} in:\n{text}"
            );
        }
    }
}

#[test]
fn csv_exports_neutralise_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("hostile");
    write_hostile_folder(&folder);
    let db = dir.path().join("w.db");
    import_ok(&db, &folder);

    let rank = bellwether(&db, &["rank", "--format", "csv"]);
    assert!(rank.status.success(), "{}", stderr(&rank));
    let text = stdout(&rank);
    assert_no_formula(&text);
    let rows = cells(&text);
    let formula_row = rows.iter().find(|row| row[1] == "C1").unwrap();
    assert_eq!(formula_row[2], format!("'{FORMULA_NAME}"));
    assert_eq!(formula_row[3], "'@SUM(1+1)");

    let reach = bellwether(&db, &["reach", "COL1", "--format", "csv"]);
    assert!(reach.status.success(), "{}", stderr(&reach));
    assert_no_formula(&stdout(&reach));
    assert!(stdout(&reach).contains(&format!("'{FORMULA_REQUIREMENT}")));

    let show = bellwether(&db, &["collab", "show", "COL1", "--format", "csv"]);
    assert!(show.status.success(), "{}", stderr(&show));
    assert_no_formula(&stdout(&show));

    let export_dir = dir.path().join("export");
    let export = bellwether(&db, &["collab", "export", export_dir.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    for file in ["collaborations.csv", "requirements.csv"] {
        assert_no_formula(&fs_err::read_to_string(export_dir.join(file)).unwrap());
    }
    // The export imports back to the same values: the readers drop the quote they add.
    let copy = dir.path().join("copy");
    fs_err::create_dir_all(&copy).unwrap();
    fs_err::copy(folder.join("customers.csv"), copy.join("customers.csv")).unwrap();
    for file in ["collaborations.csv", "requirements.csv"] {
        fs_err::copy(export_dir.join(file), copy.join(file)).unwrap();
    }
    let db2 = dir.path().join("copy.db");
    import_ok(&db2, &copy);
    let show = bellwether(&db2, &["collab", "show", "COL1", "--format", "json"]);
    assert!(show.status.success(), "{}", stderr(&show));
    let json: serde_json::Value = serde_json::from_str(&stdout(&show)).unwrap();
    assert_eq!(json["name"], "-2+3+cmd", "{json}");
    assert_eq!(
        json["requirements"][0]["text"], FORMULA_REQUIREMENT,
        "{json}"
    );
}

#[test]
fn terminal_output_escapes_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("hostile");
    write_hostile_folder(&folder);
    let db = dir.path().join("w.db");
    import_ok(&db, &folder);
    for args in [
        &["rank"][..],
        &["explain", "C2"][..],
        &["collab", "show", "COL1"][..],
        &["partners"][..],
    ] {
        let output = bellwether(&db, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?} prints control characters: {text:?}"
        );
        if args[0] != "collab" {
            assert!(text.contains("\\u{1b}]0;pwned\\u{7}"), "{args:?}: {text}");
        }
    }
}

#[test]
fn local_configuration_and_files_are_read_within_limits() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("import");
    fs_err::create_dir_all(&folder).unwrap();
    fs_err::write(
        folder.join("customers.csv"),
        "customer_id,name\nC1,Short\nC2,A name longer than twenty bytes\n",
    )
    .unwrap();
    let db = dir.path().join("w.db");
    // A local configuration may name a local glossary, but a device is not read whole.
    if Path::new("/dev/zero").exists() {
        fs_err::write(
            folder.join("bellwether.toml"),
            "[collaboration]\nglossary = \"/dev/zero\"\n",
        )
        .unwrap();
        let started = std::time::Instant::now();
        let output = bellwether(&db, &["import", folder.to_str().unwrap()]);
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("is larger than 1024 KiB"),
            "{}",
            stderr(&output)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
    // `[import]` sets the field limit; the problem names the place and the setting.
    fs_err::write(
        folder.join("bellwether.toml"),
        "[import]\nmax_field_bytes = 20\n",
    )
    .unwrap();
    let output = bellwether(&db, &["import", folder.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("customers.csv:3:2: field is longer than the limit of 20 bytes")
            && message.contains("`max_field_bytes` in the `[import]` section of bellwether.toml"),
        "{message}"
    );
    fs_err::write(
        folder.join("bellwether.toml"),
        "[import]\nmax_field_bytes = 64\n",
    )
    .unwrap();
    import_ok(&db, &folder);
}

/// Finding 7: every CSV goes through `bellwether_import::CsvWriter`, which neutralises formulas;
/// a `csv` writer made anywhere else fails this test.
#[test]
fn csv_is_written_only_through_the_neutralising_writer() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // The writer itself; the rejects file, whose builder goes into `CsvWriter::from_builder`;
    // the demo, which writes synthetic files of its own making.
    let allowed = [
        "bellwether-import/src/spreadsheet.rs",
        "bellwether-import/src/diagnostic.rs",
        "bellwether-demo/src/",
    ];
    let mut offenders = Vec::new();
    let mut stack = vec![crates.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(crates)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                if !relative.contains("/tests") && !relative.ends_with("target") {
                    stack.push(path);
                }
                continue;
            }
            if !relative.ends_with(".rs") || !relative.contains("/src/") {
                continue;
            }
            if allowed.iter().any(|prefix| relative.starts_with(prefix)) {
                continue;
            }
            let text = fs_err::read_to_string(&path).unwrap();
            for pattern in ["csv::Writer::", "csv::WriterBuilder", "csv::Writer<"] {
                if text.contains(pattern) {
                    offenders.push(format!("{relative}: {pattern}"));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "CSV written without bellwether_import::CsvWriter: {offenders:?}"
    );
}
