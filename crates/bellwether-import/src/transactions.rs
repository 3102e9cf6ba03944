//! `transactions.csv`: one purchase per row, streamed.
//!
//! Columns: `customer_id`, `date` and `amount` are required; `discount`, `coupon` and `currency`
//! are optional; other columns are ignored (and listed in the report).
//! Headers match case-, space- and punctuation-insensitively, through English aliases (`Order
//! Date`, `Total`, `Value`, `Revenue`, `Coupon Code`, `CurrencyIsoCode`) and a few German,
//! French and Italian ones (`Datum`, `Betrag`, `Montant`, `Importo`, `Rabatt`, `Remise`).
//! Amounts and discounts may not be negative: a refund is rejected with a diagnostic rather than
//! silently lowering a customer's spend, since the monetary models expect positive purchases.
//! A zero amount (a free order) is accepted.

use std::io::Read;

use bellwether_core::Transaction;

use crate::diagnostic::{FileReport, ImportError};
use crate::header::FieldSpec;
use crate::source::{map_columns, open_source, stream, Lookahead, ReadOptions, Row};

/// Aliases of a customer reference in files other than `customers.csv`.
pub(crate) const CUSTOMER_REFERENCE_ALIASES: &[&str] = &[
    "customerid",
    "accountid",
    "companyid",
    "clientid",
    "customernumber",
    "associatedcompanyid",
    "associatedcompanyids",
    "associatedcompanyidsprimary",
];

const CUSTOMER_ID: usize = 0;
const DATE: usize = 1;
const AMOUNT: usize = 2;
const DISCOUNT: usize = 3;
const COUPON: usize = 4;
const CURRENCY: usize = 5;

/// The fields of `transactions.csv`, indexed by the constants above.
const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "customer_id",
        aliases: CUSTOMER_REFERENCE_ALIASES,
        required: true,
    },
    FieldSpec {
        name: "date",
        aliases: &[
            "date",
            "transactiondate",
            "orderdate",
            "invoicedate",
            "purchasedate",
            "paymentdate",
            "closedate",
            "createdat",
            "createddate",
            "timestamp",
            "datum",
            "data",
        ],
        required: true,
    },
    FieldSpec {
        name: "amount",
        aliases: &[
            "amount",
            "netamount",
            "totalamount",
            "total",
            "ordertotal",
            "invoiceamount",
            "value",
            "revenue",
            "betrag",
            "montant",
            "importo",
        ],
        required: true,
    },
    FieldSpec {
        name: "discount",
        aliases: &[
            "discount",
            "discountamount",
            "totaldiscount",
            "rabatt",
            "remise",
            "sconto",
        ],
        required: false,
    },
    FieldSpec {
        name: "coupon",
        aliases: &[
            "coupon",
            "couponcode",
            "promocode",
            "promotioncode",
            "discountcode",
            "voucher",
            "vouchercode",
            "gutschein",
        ],
        required: false,
    },
    FieldSpec {
        name: "currency",
        aliases: &[
            "currency",
            "currencycode",
            "currencyisocode",
            "währung",
            "devise",
            "valuta",
        ],
        required: false,
    },
];

/// Why negative amounts are refused, appended to the diagnostic.
const NEGATIVE_AMOUNT_REASON: &str =
    " (refunds are not imported; leave them out or net them against their sale)";

/// Reads `transactions.csv` with default options; see [`read_transactions_with`].
pub fn read_transactions(
    reader: impl Read,
    file_name: &str,
    is_known_customer: &dyn Fn(&str) -> bool,
    on_row: &mut dyn FnMut(Transaction),
) -> Result<FileReport, ImportError> {
    read_transactions_with(
        reader,
        file_name,
        &ReadOptions::default(),
        is_known_customer,
        on_row,
    )
}

/// Streams `transactions.csv`, handing each valid row to `on_row` in file order.
///
/// A row whose `customer_id` fails `is_known_customer` is rejected. The file is read once; call
/// again with a new reader to read it again (for instance once to validate, once to write).
pub fn read_transactions_with(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
    is_known_customer: &dyn Fn(&str) -> bool,
    on_row: &mut dyn FnMut(Transaction),
) -> Result<FileReport, ImportError> {
    let source = open_source(reader, file_name, options)?;
    let map = map_columns(&source, FIELDS)?;
    let mut last_known = String::new();
    let parse_row = |row: &mut Row<'_>| parse_transaction(row, is_known_customer, &mut last_known);
    let lookahead = Lookahead::streaming(options, DATE, Some(AMOUNT));
    stream(source, &map, FIELDS, options, lookahead, parse_row, on_row)
}

/// Builds one transaction, recording every problem of the row.
///
/// `last_known` remembers the last customer found known, to skip the look-up on runs of rows of
/// one customer.
fn parse_transaction(
    row: &mut Row<'_>,
    is_known_customer: &dyn Fn(&str) -> bool,
    last_known: &mut String,
) -> Option<Transaction> {
    let customer_id = row.known_customer(CUSTOMER_ID, is_known_customer, last_known);
    let date = row.required_date(DATE);
    let amount = match row.required(AMOUNT) {
        Some(_) => row.non_negative_number(AMOUNT, NEGATIVE_AMOUNT_REASON),
        None => None,
    };
    let discount = row.non_negative_number(DISCOUNT, "");
    let coupon = row.non_empty(COUPON).and_then(parse_coupon);
    let currency = row.non_empty(CURRENCY).map(normalise_currency);
    if row.has_problems() {
        return None;
    }
    Some(Transaction {
        customer_id: customer_id?.to_string(),
        date: date?,
        amount: amount?,
        discount,
        coupon,
        currency,
    })
}

/// A coupon cell: a code, or a flag saying whether a coupon was used.
pub(crate) fn parse_coupon(text: &str) -> Option<String> {
    const NO: [&str; 5] = ["false", "no", "0", "n", "none"];
    const YES: [&str; 4] = ["true", "yes", "1", "y"];
    if NO.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        None
    } else if YES.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        Some("true".to_string())
    } else {
        Some(text.to_string())
    }
}

/// Upper-cases three-letter currency codes (`eur` becomes `EUR`); keeps anything else as written.
fn normalise_currency(text: &str) -> String {
    if text.len() == 3 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        text.to_ascii_uppercase()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coupon_cells() {
        assert_eq!(parse_coupon("FALSE"), None);
        assert_eq!(parse_coupon("no"), None);
        assert_eq!(parse_coupon("0"), None);
        assert_eq!(parse_coupon("Yes"), Some("true".to_string()));
        assert_eq!(parse_coupon("1"), Some("true".to_string()));
        assert_eq!(parse_coupon("SPRING24"), Some("SPRING24".to_string()));
    }

    #[test]
    fn currency_codes() {
        assert_eq!(normalise_currency("eur"), "EUR");
        assert_eq!(normalise_currency("€"), "€");
    }
}
