//! `requests.csv`: one feature request or piece of feedback per row, streamed.
//!
//! Columns: `customer_id`, `date` and `text` are required; `request_id` and `language` are
//! optional; other columns are ignored (and listed in the report).

use std::io::Read;

use bellwether_core::Request;

use crate::diagnostic::{FileReport, ImportError};
use crate::header::FieldSpec;
use crate::source::{map_columns, open_source, stream, Lookahead, ReadOptions, Row};
use crate::transactions::CUSTOMER_REFERENCE_ALIASES;

const CUSTOMER_ID: usize = 0;
const DATE: usize = 1;
const TEXT: usize = 2;
const REQUEST_ID: usize = 3;
const LANGUAGE: usize = 4;

/// The fields of `requests.csv`, indexed by the constants above.
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
            "requestdate",
            "createdat",
            "createddate",
            "createdate",
            "submittedat",
            "timestamp",
        ],
        required: true,
    },
    FieldSpec {
        name: "text",
        aliases: &[
            "text",
            "request",
            "description",
            "body",
            "feedback",
            "message",
            "comment",
            "content",
            "subject",
        ],
        required: true,
    },
    FieldSpec {
        name: "request_id",
        aliases: &["requestid", "id", "ticketid", "feedbackid"],
        required: false,
    },
    FieldSpec {
        name: "language",
        aliases: &["language", "lang", "locale"],
        required: false,
    },
];

/// Reads `requests.csv` with default options; see [`read_requests_with`].
pub fn read_requests(
    reader: impl Read,
    file_name: &str,
    is_known_customer: &dyn Fn(&str) -> bool,
    on_row: &mut dyn FnMut(Request),
) -> Result<FileReport, ImportError> {
    read_requests_with(
        reader,
        file_name,
        &ReadOptions::default(),
        is_known_customer,
        on_row,
    )
}

/// Streams `requests.csv`, handing each valid row to `on_row` in file order.
///
/// A row whose `customer_id` fails `is_known_customer` is rejected.
pub fn read_requests_with(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
    is_known_customer: &dyn Fn(&str) -> bool,
    on_row: &mut dyn FnMut(Request),
) -> Result<FileReport, ImportError> {
    let source = open_source(reader, file_name, options)?;
    let map = map_columns(&source, FIELDS)?;
    let mut last_known = String::new();
    let parse_row = |row: &mut Row<'_>| parse_request(row, is_known_customer, &mut last_known);
    let lookahead = Lookahead::streaming(options, DATE, None);
    stream(source, &map, FIELDS, options, lookahead, parse_row, on_row)
}

/// Builds one request, recording every problem of the row.
///
/// `last_known` remembers the last customer found known, to skip the look-up on runs of rows of
/// one customer.
fn parse_request(
    row: &mut Row<'_>,
    is_known_customer: &dyn Fn(&str) -> bool,
    last_known: &mut String,
) -> Option<Request> {
    let customer_id = row.known_customer(CUSTOMER_ID, is_known_customer, last_known);
    let date = row.required_date(DATE);
    let text = row.required(TEXT);
    let request_id = row.non_empty(REQUEST_ID).map(str::to_string);
    let language = row.non_empty(LANGUAGE).map(str::to_string);
    if row.has_problems() {
        return None;
    }
    Some(Request {
        request_id,
        customer_id: customer_id?.to_string(),
        date: date?,
        text: text?.to_string(),
        language,
    })
}
