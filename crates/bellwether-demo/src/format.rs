//! Fast, exact text formatting for the big files: integers, cents, ids and dates as bytes.
//!
//! Amounts are kept in integer cents, so "2 decimals" never depends on float formatting.

use chrono::{Datelike, NaiveDate};

/// Appends an unsigned integer in decimal.
pub(crate) fn push_u64(buffer: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut position = digits.len();
    loop {
        position -= 1;
        digits[position] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buffer.extend_from_slice(&digits[position..]);
}

/// Appends an amount in cents as `units.cc`.
pub(crate) fn push_cents(buffer: &mut Vec<u8>, cents: u64) {
    push_u64(buffer, cents / 100);
    buffer.push(b'.');
    let fraction = (cents % 100) as u8;
    buffer.push(b'0' + fraction / 10);
    buffer.push(b'0' + fraction % 10);
}

/// Appends a value in tenths as `units.t`.
pub(crate) fn push_tenths(buffer: &mut Vec<u8>, tenths: u64) {
    push_u64(buffer, tenths / 10);
    buffer.push(b'.');
    buffer.push(b'0' + (tenths % 10) as u8);
}

/// Number of digits of the customer ids: four at demo size (`C0001`), more when needed.
pub(crate) fn customer_id_width(n_customers: usize) -> usize {
    n_customers.to_string().len().max(4)
}

/// Appends the id of the customer at `customer_idx` (0-based): `C` and the zero-padded number.
pub(crate) fn push_customer_id(buffer: &mut Vec<u8>, customer_idx: usize, width: usize) {
    buffer.push(b'C');
    let number = (customer_idx + 1) as u64;
    let n_digits = number.to_string().len();
    buffer.extend(std::iter::repeat_n(b'0', width.saturating_sub(n_digits)));
    push_u64(buffer, number);
}

/// The id of the customer at `customer_idx` (0-based), e.g. `C0001`.
pub fn customer_id(customer_idx: usize, n_customers: usize) -> String {
    let mut buffer = Vec::with_capacity(12);
    push_customer_id(&mut buffer, customer_idx, customer_id_width(n_customers));
    String::from_utf8(buffer).expect("ids are ASCII")
}

/// `YYYY-MM-DD` of a date, as 10 bytes.
pub(crate) fn iso_date(date: NaiveDate) -> [u8; 10] {
    let mut text = [b'-'; 10];
    let year = date.year() as u32;
    text[0] = b'0' + (year / 1000 % 10) as u8;
    text[1] = b'0' + (year / 100 % 10) as u8;
    text[2] = b'0' + (year / 10 % 10) as u8;
    text[3] = b'0' + (year % 10) as u8;
    text[5] = b'0' + (date.month() / 10) as u8;
    text[6] = b'0' + (date.month() % 10) as u8;
    text[8] = b'0' + (date.day() / 10) as u8;
    text[9] = b'0' + (date.day() % 10) as u8;
    text
}

/// Appends a CSV field, quoted when it holds a comma, a quote or a line break.
pub(crate) fn push_field(buffer: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        buffer.push(b'"');
        buffer.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        buffer.push(b'"');
    } else {
        buffer.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buffer = Vec::new();
        write(&mut buffer);
        String::from_utf8(buffer).unwrap()
    }

    #[test]
    fn numbers_and_ids() {
        assert_eq!(text(|buffer| push_cents(buffer, 5)), "0.05");
        assert_eq!(text(|buffer| push_cents(buffer, 123456)), "1234.56");
        assert_eq!(text(|buffer| push_tenths(buffer, 49)), "4.9");
        assert_eq!(text(|buffer| push_u64(buffer, 0)), "0");
        assert_eq!(customer_id(0, 3000), "C0001");
        assert_eq!(customer_id(41, 1_000_000), "C0000042");
        assert_eq!(customer_id(99_999, 100_000), "C100000");
        assert_eq!(
            &iso_date(NaiveDate::from_ymd_opt(2023, 1, 9).unwrap()),
            b"2023-01-09"
        );
        assert_eq!(
            text(|buffer| push_field(buffer, "a, \"b\"")),
            "\"a, \"\"b\"\"\""
        );
    }
}
