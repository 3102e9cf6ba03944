//! `customers.csv`: one customer per row, read whole into memory.
//!
//! `customer_id` is required and unique; `name`, `industry`, `country`, `employees`,
//! `annual_revenue`, `created_at` and `domain` are optional. Salesforce Account and HubSpot
//! company exports are recognised by their headers (`Id`, `BillingCountry`, `Record ID`,
//! `Company Domain Name`, ...). Every other column with a header becomes an attribute, keyed by
//! its header as written: an empty cell is absent, `true`/`false`/`yes`/`no` is a boolean, a
//! number (read as amounts are, see [`crate::number`]) is a number unless it starts with a `0`
//! followed by a digit (postal codes, phone numbers), and anything else is text.
//! A bad optional value rejects the customer, like any other row problem.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use bellwether_core::{AttrValue, Customer};

use crate::diagnostic::{ImportError, Parsed};
use crate::header::FieldSpec;
use crate::number::parse_number;
use crate::source::{map_columns, open_source, quote, stream, Lookahead, ReadOptions, Row};

const CUSTOMER_ID: usize = 0;
const NAME: usize = 1;
const INDUSTRY: usize = 2;
const COUNTRY: usize = 3;
const EMPLOYEES: usize = 4;
const ANNUAL_REVENUE: usize = 5;
const CREATED_AT: usize = 6;
const DOMAIN: usize = 7;

/// The fields of `customers.csv`, indexed by the constants above.
const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "customer_id",
        aliases: &[
            "customerid",
            "id",
            "recordid",
            "accountid",
            "companyid",
            "clientid",
            "customernumber",
        ],
        required: true,
    },
    FieldSpec {
        name: "name",
        aliases: &[
            "name",
            "companyname",
            "accountname",
            "customername",
            "company",
        ],
        required: false,
    },
    FieldSpec {
        name: "industry",
        aliases: &["industry"],
        required: false,
    },
    FieldSpec {
        name: "country",
        aliases: &[
            "country",
            "countryregion",
            "billingcountry",
            "shippingcountry",
            "countrycode",
        ],
        required: false,
    },
    FieldSpec {
        name: "employees",
        aliases: &[
            "employees",
            "numberofemployees",
            "employeecount",
            "noofemployees",
            "headcount",
        ],
        required: false,
    },
    FieldSpec {
        name: "annual_revenue",
        aliases: &["annualrevenue", "revenue"],
        required: false,
    },
    FieldSpec {
        name: "created_at",
        aliases: &[
            "createdat",
            "createddate",
            "createdate",
            "created",
            "customersince",
        ],
        required: false,
    },
    FieldSpec {
        name: "domain",
        aliases: &[
            "domain",
            "companydomainname",
            "website",
            "websiteurl",
            "url",
        ],
        required: false,
    },
];

/// Reads `customers.csv` with default options; see [`read_customers_with`].
pub fn read_customers(reader: impl Read, file_name: &str) -> Result<Parsed<Customer>, ImportError> {
    read_customers_with(reader, file_name, &ReadOptions::default())
}

/// Reads all of `customers.csv`; a repeated `customer_id` is rejected, naming the first line.
///
/// The day/month order of `created_at` is detected from the whole column.
pub fn read_customers_with(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
) -> Result<Parsed<Customer>, ImportError> {
    let source = open_source(reader, file_name, options)?;
    let map = map_columns(&source, FIELDS)?;
    let attribute_columns: Vec<(usize, String)> = map
        .other_columns
        .iter()
        .filter(|&&column| !source.headers[column].is_empty())
        .map(|&column| (column, source.headers[column].clone()))
        .collect();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::new();
    let parse_row = |row: &mut Row<'_>| {
        let customer = parse_customer(row, &attribute_columns)?;
        if let Some(first_line) = first_line_of.get(&customer.customer_id) {
            let message = format!(
                "duplicate customer_id {} (first at line {first_line})",
                quote(&customer.customer_id)
            );
            row.problem(CUSTOMER_ID, message);
            return None;
        }
        first_line_of.insert(customer.customer_id.clone(), row.line);
        Some(customer)
    };
    let report = stream(
        source,
        &map,
        FIELDS,
        options,
        Lookahead::whole_file(CREATED_AT, Some(ANNUAL_REVENUE)),
        parse_row,
        |customer| rows.push(customer),
    )?;
    Ok(Parsed { rows, report })
}

/// Why negative counts and revenues are refused, appended to the diagnostic.
const NEGATIVE_REASON: &str = " (expected zero or more)";

/// Builds one customer, recording every problem of the row.
fn parse_customer(row: &mut Row<'_>, attribute_columns: &[(usize, String)]) -> Option<Customer> {
    let customer_id = row.required(CUSTOMER_ID);
    let name = row.non_empty(NAME).map(str::to_string);
    let industry = row.non_empty(INDUSTRY).map(str::to_string);
    let country = row.non_empty(COUNTRY).map(str::to_string);
    let employees = row.non_negative_number(EMPLOYEES, NEGATIVE_REASON);
    let annual_revenue = row.non_negative_number(ANNUAL_REVENUE, NEGATIVE_REASON);
    let created_at = row.date(CREATED_AT);
    let domain = row.non_empty(DOMAIN).and_then(normalise_domain);
    let mut attributes = BTreeMap::new();
    for (column, header) in attribute_columns {
        if let Some(value) = row
            .text_at(*column)
            .and_then(|text| attribute_value(text, row.decimal_comma))
        {
            attributes.insert(header.clone(), value);
        }
    }
    if row.has_problems() {
        return None;
    }
    Some(Customer {
        customer_id: customer_id?.to_string(),
        name,
        industry,
        country,
        employees,
        annual_revenue,
        created_at,
        domain,
        attributes,
    })
}

/// Reduces a website to its host: `https://www.Acme.com/about` becomes `acme.com`.
pub(crate) fn normalise_domain(text: &str) -> Option<String> {
    let lower = text.trim().to_lowercase();
    let without_scheme = lower
        .split_once("://")
        .map_or(lower.as_str(), |(_, rest)| rest);
    let host = without_scheme.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = host
        .strip_prefix("www.")
        .unwrap_or(host)
        .trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_string())
}

/// The typed value of an attribute cell; `None` for an empty one.
pub(crate) fn attribute_value(text: &str, decimal_comma: bool) -> Option<AttrValue> {
    if text.is_empty() {
        return None;
    }
    for (word, value) in [
        ("true", true),
        ("false", false),
        ("yes", true),
        ("no", false),
    ] {
        if text.eq_ignore_ascii_case(word) {
            return Some(AttrValue::Bool(value));
        }
    }
    let bytes = text.as_bytes();
    let looks_like_code = bytes.len() > 1 && bytes[0] == b'0' && bytes[1].is_ascii_digit();
    if !looks_like_code {
        if let Ok(value) = parse_number(text, decimal_comma) {
            return Some(AttrValue::Number(value));
        }
    }
    Some(AttrValue::Text(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            normalise_domain("https://www.Acme.com/about"),
            Some("acme.com".to_string())
        );
        assert_eq!(normalise_domain("acme.io"), Some("acme.io".to_string()));
        assert_eq!(
            normalise_domain("http://shop.acme.co.uk?x=1"),
            Some("shop.acme.co.uk".to_string())
        );
        assert_eq!(normalise_domain("https://"), None);
    }

    #[test]
    fn attribute_values() {
        assert_eq!(attribute_value("", false), None);
        assert_eq!(attribute_value("Yes", false), Some(AttrValue::Bool(true)));
        assert_eq!(
            attribute_value("false", false),
            Some(AttrValue::Bool(false))
        );
        assert_eq!(attribute_value("42", false), Some(AttrValue::Number(42.0)));
        assert_eq!(attribute_value("12,5", true), Some(AttrValue::Number(12.5)));
        assert_eq!(
            attribute_value("12,5", false),
            Some(AttrValue::Text("12,5".to_string()))
        );
        assert_eq!(
            attribute_value("02134", false),
            Some(AttrValue::Text("02134".to_string()))
        );
        assert_eq!(attribute_value("0.5", false), Some(AttrValue::Number(0.5)));
        assert_eq!(
            attribute_value("Enterprise", false),
            Some(AttrValue::Text("Enterprise".to_string()))
        );
    }
}
