//! Random transactions written to CSV, in any delimiter, quoting, line ending and number or date
//! style the readers accept, read back to the same values.

use bellwether_core::Transaction;
use bellwether_import::ReadOptions;
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

/// Reads transactions with every customer known.
fn transactions_from(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<(Vec<Transaction>, bellwether_import::FileReport), bellwether_import::ImportError> {
    let mut rows = Vec::new();
    let report = bellwether_import::read_transactions_with(
        bytes,
        file_name,
        options,
        &|_| true,
        &mut |row| rows.push(row),
    )?;
    Ok((rows, report))
}

/// How one transaction's cells are written.
#[derive(Debug, Clone)]
struct Style {
    date_form: usize,
    grouping: bool,
    currency_symbol: bool,
    coupon_spelling: usize,
}

/// A transaction and how to write it; amounts are whole cents so the written text is exact.
#[derive(Debug, Clone)]
struct Case {
    customer_id: String,
    date: NaiveDate,
    amount_cents: u64,
    discount_cents: Option<u64>,
    /// 0: no coupon, 1: a used-coupon flag, 2: a code.
    coupon_kind: usize,
    code: String,
    currency: Option<String>,
    style: Style,
}

impl Case {
    fn expected(&self) -> Transaction {
        let coupon = match self.coupon_kind {
            0 => None,
            1 => Some("true".to_string()),
            _ => Some(self.code.clone()),
        };
        Transaction {
            customer_id: self.customer_id.clone(),
            date: self.date,
            amount: self.amount_cents as f64 / 100.0,
            discount: self.discount_cents.map(|cents| cents as f64 / 100.0),
            coupon,
            currency: self.currency.clone(),
        }
    }
}

/// Writes whole cents with the file's decimal mark and, optionally, digit grouping.
fn write_amount(cents: u64, delimiter: u8, grouping: bool, currency_symbol: bool) -> String {
    let decimal_comma = delimiter == b';';
    let (decimal_mark, group_mark) = if decimal_comma {
        (',', '.')
    } else {
        ('.', ',')
    };
    let integer = (cents / 100).to_string();
    let mut grouped = String::new();
    for (index, digit) in integer.chars().enumerate() {
        if grouping && index > 0 && (integer.len() - index) % 3 == 0 {
            grouped.push(group_mark);
        }
        grouped.push(digit);
    }
    let number = format!("{grouped}{decimal_mark}{:02}", cents % 100);
    if currency_symbol {
        format!("€ {number}")
    } else {
        number
    }
}

/// Writes a date in one of several accepted, unambiguous-under-detection forms.
fn write_date(date: NaiveDate, form: usize) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match form {
        0 => date.format("%Y-%m-%d").to_string(),
        1 => format!("{}T10:11:12.000+0000", date.format("%Y-%m-%d")),
        2 => date.format("%d.%m.%Y").to_string(),
        3 => date.format("%d/%m/%Y").to_string(),
        4 => format!(
            "{} {} {}",
            date.day(),
            MONTHS[date.month0() as usize],
            date.year()
        ),
        _ => date.format("%Y/%m/%d").to_string(),
    }
}

fn case_strategy() -> impl Strategy<Value = Case> {
    let style = (0..6_usize, any::<bool>(), any::<bool>(), 0..4_usize).prop_map(
        |(date_form, grouping, currency_symbol, coupon_spelling)| Style {
            date_form,
            grouping,
            currency_symbol,
            coupon_spelling,
        },
    );
    (
        "[A-Za-z0-9]([A-Za-z0-9 ,;\"\t\n_-]{0,12}[A-Za-z0-9])?",
        (1900_i32..2100, 1_u32..=12, 1_u32..=31),
        0_u64..10_000_000_000,
        proptest::option::of(0_u64..1_000_000),
        0..3_usize,
        "[A-Z]{3}[0-9]{2}",
        proptest::option::of(prop_oneof![
            Just("EUR".to_string()),
            Just("USD".to_string()),
            Just("GBP".to_string())
        ]),
        style,
    )
        .prop_filter_map(
            "not a date",
            |(
                customer_id,
                (year, month, day),
                amount_cents,
                discount_cents,
                coupon_kind,
                code,
                currency,
                style,
            )| {
                let date = NaiveDate::from_ymd_opt(year, month, day)?;
                Some(Case {
                    customer_id,
                    date,
                    amount_cents,
                    discount_cents,
                    coupon_kind,
                    code,
                    currency,
                    style,
                })
            },
        )
}

/// Writes the cases as a CSV file in the given dialect and quoting.
fn write_file(cases: &[Case], delimiter: u8, quote_style: csv::QuoteStyle, crlf: bool) -> Vec<u8> {
    let terminator = if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(quote_style)
        .terminator(terminator)
        .from_writer(Vec::new());
    let header = [
        "customer_id",
        "date",
        "amount",
        "discount",
        "coupon",
        "currency",
    ];
    writer
        .write_record(header)
        .unwrap_or_else(|error| panic!("{error}"));
    for case in cases {
        let style = &case.style;
        let coupon = match (case.coupon_kind, style.coupon_spelling) {
            (0, 0) => String::new(),
            (0, 1) => "no".to_string(),
            (0, 2) => "FALSE".to_string(),
            (0, _) => "0".to_string(),
            (1, 0) => "yes".to_string(),
            (1, 1) => "TRUE".to_string(),
            (1, _) => "1".to_string(),
            _ => case.code.clone(),
        };
        let record = [
            case.customer_id.clone(),
            write_date(case.date, style.date_form),
            write_amount(
                case.amount_cents,
                delimiter,
                style.grouping,
                style.currency_symbol,
            ),
            case.discount_cents
                .map(|cents| write_amount(cents, delimiter, false, false))
                .unwrap_or_default(),
            coupon,
            case.currency.clone().unwrap_or_default(),
        ];
        writer
            .write_record(&record)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    writer
        .into_inner()
        .unwrap_or_else(|error| panic!("{error}"))
}

proptest! {
    #[test]
    fn written_transactions_read_back(
        cases in proptest::collection::vec(case_strategy(), 1..12),
        delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        quote_style in prop_oneof![Just(csv::QuoteStyle::Necessary), Just(csv::QuoteStyle::Always), Just(csv::QuoteStyle::NonNumeric)],
        crlf in any::<bool>(),
    ) {
        let bytes = write_file(&cases, delimiter, quote_style, crlf);
        let (rows, report) = transactions_from(&bytes, "t.csv", &ReadOptions::default())
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        let diagnostics: Vec<String> = report.diagnostics().map(ToString::to_string).collect();
        prop_assert!(diagnostics.is_empty(), "{:?}\n{}", diagnostics, String::from_utf8_lossy(&bytes));
        prop_assert_eq!(report.dialect.delimiter, delimiter);
        let expected: Vec<Transaction> = cases.iter().map(Case::expected).collect();
        prop_assert_eq!(rows, expected, "{}", String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn the_round_trip_writer_can_fail_the_reader() {
    // A guard that the property above compares real values: a wrong amount is seen.
    let case = Case {
        customer_id: "C1".to_string(),
        date: NaiveDate::from_ymd_opt(2024, 3, 5).unwrap_or_default(),
        amount_cents: 123_456,
        discount_cents: None,
        coupon_kind: 0,
        code: String::new(),
        currency: None,
        style: Style {
            date_form: 0,
            grouping: true,
            currency_symbol: false,
            coupon_spelling: 0,
        },
    };
    let bytes = write_file(
        std::slice::from_ref(&case),
        b',',
        csv::QuoteStyle::Necessary,
        false,
    );
    let (rows, _) = transactions_from(&bytes, "t.csv", &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        "customer_id,date,amount,discount,coupon,currency\nC1,2024-03-05,\"1,234.56\",,,\n"
    );
    assert_eq!(rows[0].amount, 1234.56);
    assert_ne!(
        rows[0],
        Case {
            amount_cents: 123_457,
            ..case
        }
        .expected()
    );
}
