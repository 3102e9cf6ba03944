//! Good exports of several shapes, with their parsed values asserted.

use std::collections::BTreeMap;

use bellwether_core::{AttrValue, Customer, Request, Transaction};
use bellwether_import::{DateOrder, ImportError, ReadOptions};
use chrono::NaiveDate;

use crate::{customer_ids, customers_from, data_dir, read_bytes, requests_from, transactions_from};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| panic!("{year}-{month}-{day} is not a date"))
}

/// Reads a good transactions file, asserting it has no diagnostics.
fn good_transactions(file_name: &str) -> Vec<Transaction> {
    let bytes = read_bytes(&data_dir().join("good").join(file_name));
    let (rows, report) = transactions_from(&bytes, file_name, &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{file_name}: {error}"));
    let diagnostics: Vec<String> = report.diagnostics().map(ToString::to_string).collect();
    assert!(diagnostics.is_empty(), "{file_name}: {diagnostics:#?}");
    assert_eq!(report.n_rows, rows.len() as u64);
    rows
}

/// Reads a good customers file, asserting it has no diagnostics.
fn good_customers(file_name: &str) -> Vec<Customer> {
    let bytes = read_bytes(&data_dir().join("good").join(file_name));
    let parsed = customers_from(&bytes, file_name, &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{file_name}: {error}"));
    let diagnostics: Vec<String> = parsed
        .report
        .diagnostics()
        .map(ToString::to_string)
        .collect();
    assert!(diagnostics.is_empty(), "{file_name}: {diagnostics:#?}");
    parsed.rows
}

fn transaction(customer_id: &str, on: NaiveDate, amount: f64) -> Transaction {
    Transaction {
        customer_id: customer_id.to_string(),
        date: on,
        amount,
        discount: None,
        coupon: None,
        currency: None,
    }
}

fn text(value: &str) -> AttrValue {
    AttrValue::Text(value.to_string())
}

#[test]
fn salesforce_account_export() {
    let customers = good_customers("customers_salesforce.csv");
    assert_eq!(
        customer_ids(&customers),
        ["0011x000003DGb2AAG", "0011x000003DGb3AAG"]
    );
    let burlington = &customers[0];
    assert_eq!(
        burlington.name.as_deref(),
        Some("Burlington Textiles Corp of America")
    );
    assert_eq!(burlington.industry.as_deref(), Some("Apparel"));
    assert_eq!(burlington.country.as_deref(), Some("USA"));
    assert_eq!(burlington.employees, Some(9000.0));
    assert_eq!(burlington.annual_revenue, Some(350_000_000.0));
    assert_eq!(burlington.created_at, Some(date(2020, 11, 2)));
    assert_eq!(burlington.domain.as_deref(), Some("burlington.com"));
    let attributes = &burlington.attributes;
    assert_eq!(attributes.get("IsDeleted"), Some(&AttrValue::Bool(false)));
    assert_eq!(attributes.get("Type"), Some(&text("Customer - Direct")));
    assert_eq!(
        attributes.get("BillingPostalCode"),
        Some(&AttrValue::Number(27215.0))
    );
    assert_eq!(attributes.get("Phone"), Some(&text("(336) 222-7000")));
    assert_eq!(attributes.get("ShippingCountry"), Some(&text("USA")));
    assert_eq!(attributes.get("Active__c"), Some(&AttrValue::Bool(true)));
    assert_eq!(
        attributes.get("NumberofLocations__c"),
        Some(&AttrValue::Number(6.0))
    );
    assert_eq!(
        attributes.get("MasterRecordId"),
        None,
        "empty cells are absent"
    );
    assert!(
        !attributes.contains_key("Id") && !attributes.contains_key("Website"),
        "mapped columns are not attributes"
    );

    let pyramid = &customers[1];
    assert_eq!(pyramid.country.as_deref(), Some("France"));
    assert_eq!(pyramid.domain.as_deref(), Some("pyramid.example"));
    assert_eq!(pyramid.created_at, Some(date(2021, 3, 5)));
    assert_eq!(
        pyramid.attributes.get("BillingStreet"),
        Some(&text("2 Place Jussieu\nBâtiment B"))
    );
    assert_eq!(
        pyramid.attributes.get("Description"),
        Some(&text("Large \"tier 1\" builder"))
    );
    assert_eq!(
        pyramid.attributes.get("Active__c"),
        Some(&AttrValue::Bool(false))
    );
}

#[test]
fn hubspot_company_export() {
    let customers = good_customers("customers_hubspot.csv");
    assert_eq!(customer_ids(&customers), ["5001", "5002"]);
    let northwind = &customers[0];
    let expected_attributes: BTreeMap<String, AttrValue> = [
        ("Company owner", text("Jane Doe")),
        ("Phone Number", text("+1 206 555 0100")),
        ("Last Activity Date", text("2024-02-11 09:30")),
        ("City", text("Seattle")),
        ("Website URL", text("https://www.northwind.example")),
        ("Lifecycle Stage", text("customer")),
        ("Type", text("Partner")),
        ("Postal Code", text("02134")),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value))
    .collect();
    let expected = Customer {
        customer_id: "5001".to_string(),
        name: Some("Northwind Traders".to_string()),
        industry: Some("COMPUTER_SOFTWARE".to_string()),
        country: Some("United States".to_string()),
        employees: Some(250.0),
        annual_revenue: Some(12_500_000.0),
        created_at: Some(date(2023, 5, 10)),
        domain: Some("northwind.example".to_string()),
        attributes: expected_attributes,
    };
    assert_eq!(northwind, &expected);
    let contoso = &customers[1];
    assert_eq!(
        (
            contoso.employees,
            contoso.annual_revenue,
            contoso.industry.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(contoso.attributes.len(), 2, "{:?}", contoso.attributes);
}

#[test]
fn semicolon_file_with_decimal_commas() {
    let rows = good_transactions("transactions_semicolon.csv");
    let expected = [
        Transaction {
            discount: Some(10.0),
            currency: Some("EUR".to_string()),
            ..transaction("C1", date(2024, 3, 5), 1234.56)
        },
        Transaction {
            coupon: Some("SPRING24".to_string()),
            currency: Some("EUR".to_string()),
            ..transaction("C2", date(2023, 12, 31), 99.9)
        },
        Transaction {
            discount: Some(0.0),
            coupon: Some("true".to_string()),
            ..transaction("C3", date(2024, 2, 1), 2000.0)
        },
    ];
    assert_eq!(rows, expected);
}

#[test]
fn bom_and_crlf_with_german_headers() {
    let rows = good_transactions("transactions_bom_crlf.csv");
    let expected = [
        Transaction {
            discount: Some(10.0),
            currency: Some("EUR".to_string()),
            ..transaction("C1", date(2024, 3, 5), 1234.56)
        },
        Transaction {
            coupon: Some("SPRING24".to_string()),
            currency: Some("EUR".to_string()),
            ..transaction("C2", date(2023, 12, 31), 99.9)
        },
        Transaction {
            discount: Some(0.0),
            ..transaction("C3", date(2024, 2, 1), 2000.0)
        },
    ];
    assert_eq!(rows, expected);
}

#[test]
fn tab_file_with_aliases_and_thousands() {
    let bytes = read_bytes(&data_dir().join("good").join("transactions_tab.tsv"));
    let (rows, report) = transactions_from(&bytes, "transactions_tab.tsv", &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.dialect.delimiter, b'\t');
    let mapped: Vec<(&str, &str)> = report
        .columns
        .iter()
        .map(|used| (used.field, used.header.as_str()))
        .collect();
    assert_eq!(
        mapped,
        [
            ("customer_id", "Customer ID"),
            ("date", "Order Date"),
            ("amount", "Total"),
            ("coupon", "Coupon Code")
        ]
    );
    let expected = [
        Transaction {
            coupon: Some("WELCOME".to_string()),
            ..transaction("C1", date(2024, 3, 5), 1234.56)
        },
        transaction("C2", date(2024, 3, 6), 45.0),
        transaction("C3", date(2024, 3, 7), 7.5),
    ];
    assert_eq!(rows, expected);
}

#[test]
fn us_export_is_read_month_first() {
    let bytes = read_bytes(&data_dir().join("good").join("transactions_us_dates.csv"));
    let (rows, report) =
        transactions_from(&bytes, "transactions_us_dates.csv", &ReadOptions::default())
            .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.date_order, DateOrder::MonthFirst);
    let dates: Vec<NaiveDate> = rows.iter().map(|row| row.date).collect();
    assert_eq!(
        dates,
        [
            date(2024, 3, 5),
            date(2024, 12, 25),
            date(2024, 1, 2),
            date(2024, 3, 5)
        ]
    );
}

#[test]
fn day_first_by_default() {
    let bytes = read_bytes(&data_dir().join("good").join("transactions_day_first.csv"));
    let (rows, report) = transactions_from(
        &bytes,
        "transactions_day_first.csv",
        &ReadOptions::default(),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.date_order, DateOrder::DayFirst);
    let dates: Vec<NaiveDate> = rows.iter().map(|row| row.date).collect();
    assert_eq!(
        dates,
        [
            date(2024, 5, 3),
            date(2024, 12, 25),
            date(2024, 2, 1),
            date(2024, 3, 5)
        ]
    );
}

#[test]
fn explicit_date_order_overrides_detection() {
    let bytes = read_bytes(&data_dir().join("good").join("transactions_day_first.csv"));
    let options = ReadOptions {
        date_order: Some(DateOrder::MonthFirst),
        ..ReadOptions::default()
    };
    let (rows, report) = transactions_from(&bytes, "transactions_day_first.csv", &options)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(rows.len(), 3);
    let lines: Vec<String> = report.diagnostics().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["transactions_day_first.csv:3:2: cannot parse date \"25/12/2024\" (this column is read month-first, and the date is only valid day-first)"]
    );
}

#[test]
fn month_first_value_after_the_lookahead_is_rejected() {
    let mut csv = String::from("customer_id,date,amount\n");
    for _ in 0..5 {
        csv.push_str("C1,01/02/2024,1\n");
    }
    csv.push_str("C1,12/25/2024,1\n");
    let options = ReadOptions {
        date_order_lookahead_rows: 5,
        ..ReadOptions::default()
    };
    let (rows, report) = transactions_from(csv.as_bytes(), "t.csv", &options)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        (rows.len(), report.n_rejected, report.date_order),
        (5, 1, DateOrder::DayFirst)
    );
    assert_eq!(rows[0].date, date(2024, 2, 1));
    let options = ReadOptions {
        date_order_lookahead_rows: 6,
        ..ReadOptions::default()
    };
    let (rows, report) = transactions_from(csv.as_bytes(), "t.csv", &options)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        (rows.len(), report.n_rejected, report.date_order),
        (6, 0, DateOrder::MonthFirst)
    );
    assert_eq!(rows[0].date, date(2024, 1, 2));
}

#[test]
fn requests_with_quoted_newlines() {
    let bytes = read_bytes(&data_dir().join("good").join("requests_quoted.csv"));
    let (rows, report) = requests_from(&bytes, "requests_quoted.csv", &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.n_rejected, 0, "{:?}", report.rejected);
    let expected = [
        Request {
            request_id: Some("R-1".to_string()),
            customer_id: "C1".to_string(),
            date: date(2024, 3, 5),
            text: "Please add:\n- SSO\n- an audit log".to_string(),
            language: Some("en".to_string()),
        },
        Request {
            request_id: Some("R-2".to_string()),
            customer_id: "C2".to_string(),
            date: date(2024, 3, 6),
            text: "Export \"raw\" data, please".to_string(),
            language: Some("fr".to_string()),
        },
        Request {
            request_id: Some("R-3".to_string()),
            customer_id: "C3".to_string(),
            date: date(2024, 3, 7),
            text: "Plain text".to_string(),
            language: None,
        },
    ];
    assert_eq!(rows, expected);
}

#[test]
fn rejected_rows_are_capped_but_counted() {
    let mut csv = String::from("customer_id,date,amount\n");
    for _ in 0..25 {
        csv.push_str("C1,2024-03-05,oops\n");
    }
    csv.push_str("C1,2024-03-05,1\n");
    let options = ReadOptions {
        max_rejected_kept: 10,
        ..ReadOptions::default()
    };
    let (rows, report) = transactions_from(csv.as_bytes(), "t.csv", &options)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        (rows.len(), report.n_rejected, report.rejected.len()),
        (1, 25, 10)
    );
    assert!(report.is_truncated());
    assert_eq!(report.rejected[9].line, 11);
    assert_eq!(report.rejected[0].record, ["C1", "2024-03-05", "oops"]);
    assert_eq!(
        report.rejected[0].diagnostics[0].column_name.as_deref(),
        Some("amount")
    );
}

#[test]
fn unopenable_file_names_its_path() {
    let path = data_dir().join("no_such_file.csv");
    let error = bellwether_import::open_file(&path).expect_err("the file does not exist");
    assert!(matches!(error, ImportError::Open { .. }));
    assert_eq!(error.to_string(), format!("cannot open {}", path.display()));
}

#[test]
fn transactions_validate_against_parsed_customers() {
    let customers = good_customers("customers_hubspot.csv");
    let known = crate::id_set(&customers);
    let csv = "customer_id,date,amount\n5001,2024-01-01,10\n5003,2024-01-01,10\n";
    let mut rows = Vec::new();
    let report = bellwether_import::read_transactions(
        csv.as_bytes(),
        "t.csv",
        &|id| known.contains(id),
        &mut |row| rows.push(row),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(rows.len(), 1);
    let lines: Vec<String> = report.diagnostics().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["t.csv:3:1: unknown customer_id \"5003\" (not in the customers file)"]
    );
}

#[test]
fn semicolon_file_with_decimal_points_is_read_with_points() {
    let csv = "customer_id;date;amount\nC1;2024-03-05;12.50\nC2;2024-03-06;1.234\nC3;2024-03-07;\"1,234.00\"\n";
    let (rows, report) = transactions_from(csv.as_bytes(), "t.csv", &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.n_rejected, 0, "{:?}", report.rejected);
    assert!(!report.dialect.decimal_comma);
    let amounts: Vec<f64> = rows.iter().map(|row| row.amount).collect();
    assert_eq!(amounts, [12.5, 1.234, 1234.0]);
}

#[test]
fn comma_file_with_quoted_decimal_commas_is_read_with_commas() {
    let csv = "customer_id,date,amount\nC1,2024-03-05,\"12,50\"\nC2,2024-03-06,\"1.234,5\"\nC3,2024-03-07,7\n";
    let (rows, report) = transactions_from(csv.as_bytes(), "t.csv", &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.n_rejected, 0, "{:?}", report.rejected);
    assert!(report.dialect.decimal_comma);
    let amounts: Vec<f64> = rows.iter().map(|row| row.amount).collect();
    assert_eq!(amounts, [12.5, 1234.5, 7.0]);
}

#[test]
fn explicit_dialect_overrides_detection() {
    let csv = "customer_id;date;amount\nC1;2024-03-05;12.50\nC2;2024-03-06;1.234\n";
    let options = ReadOptions {
        dialect: Some(bellwether_import::Dialect {
            delimiter: b';',
            decimal_comma: true,
        }),
        ..ReadOptions::default()
    };
    let (rows, _) = transactions_from(csv.as_bytes(), "t.csv", &options)
        .unwrap_or_else(|error| panic!("{error}"));
    let amounts: Vec<f64> = rows.iter().map(|row| row.amount).collect();
    assert_eq!(amounts, [12.5, 1234.0]);
}

#[test]
fn rejects_file_keeps_the_columns_and_says_why() {
    let csv = "customer_id;date;amount\nC1;2024-03-05;12,50\nC9;2024-03-06;x\n";
    let (_, report) = transactions_from(csv.as_bytes(), "t.csv", &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    let mut written = Vec::new();
    bellwether_import::write_rejects(&report, &mut written)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        String::from_utf8_lossy(&written),
        "customer_id;date;amount;line;problems\n\
         C9;2024-03-06;x;3;\"customer_id: unknown customer_id \"\"C9\"\" (not in the customers file); amount: cannot parse amount \"\"x\"\" as a number\"\n"
    );
}
