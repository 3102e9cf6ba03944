//! Dates as stored: ISO `YYYY-MM-DD` text, written and read without chrono's formatter on the hot path.

use chrono::{Datelike, NaiveDate};

/// Formats a date as `YYYY-MM-DD` (years 0..=9999).
pub fn format_date(date: NaiveDate) -> String {
    DateBuffer::default().format(date).to_string()
}

/// A reusable buffer that formats dates without allocating, for bulk inserts.
#[derive(Debug, Default)]
pub(crate) struct DateBuffer([u8; 10]);

impl DateBuffer {
    /// Formats `date` as `YYYY-MM-DD` into the buffer and returns it.
    pub(crate) fn format(&mut self, date: NaiveDate) -> &str {
        self.0 = digits(date);
        // The buffer holds ASCII digits and dashes only.
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

fn digits(date: NaiveDate) -> [u8; 10] {
    let (year, month, day) = (date.year().clamp(0, 9999) as u32, date.month(), date.day());
    [
        b'0' + (year / 1000) as u8,
        b'0' + (year / 100 % 10) as u8,
        b'0' + (year / 10 % 10) as u8,
        b'0' + (year % 10) as u8,
        b'-',
        b'0' + (month / 10) as u8,
        b'0' + (month % 10) as u8,
        b'-',
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
    ]
}

/// Parses a stored `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes[range].iter().try_fold(0u32, |acc, &byte| {
            byte.is_ascii_digit()
                .then(|| acc * 10 + u32::from(byte - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (year, month, day) in [(1997, 1, 1), (2024, 2, 29), (9999, 12, 31), (1, 3, 4)] {
            let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
            assert_eq!(format_date(date), date.format("%Y-%m-%d").to_string());
            assert_eq!(parse_date(&format_date(date)), Some(date));
        }
    }

    #[test]
    fn rejects_malformed() {
        for text in ["2024-02-30", "2024/02/01", "24-02-01", "2024-1-01x", ""] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}
