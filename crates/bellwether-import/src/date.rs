//! Reading calendar dates in the forms exports use.
//!
//! Accepted forms, each optionally followed by a time of day (after `T` or a space), which is
//! checked for shape and then dropped: the date is the calendar date as written, so a timestamp
//! with an offset is not moved to UTC.
//!
//! - ISO `2024-03-05`, `2024-03-05T10:11:12Z`, `2024-03-05 10:11:12`, Salesforce
//!   `2024-03-05T10:11:12.000+0000`, and the same with `/` or `.` between the parts (`2024/03/05`);
//! - compact `20240305`;
//! - day-first `05/03/2024`, `5-3-2024`, `05.03.2024`; with `/` or `-` a column can be read
//!   month-first instead (see [`DateOrder`]), with `.` it is always day-first;
//! - two-digit years in those forms (`5/3/24`), read as 2000–2069 for `00`–`69` and 1970–1999
//!   for `70`–`99`, as POSIX `strptime` does;
//! - English month names or their three-letter abbreviations: `5 Mar 2024`, `05-Mar-2024`,
//!   `March 5, 2024`, `Mar 5 2024`, `Tuesday, March 5, 2024`.

use chrono::{Datelike, NaiveDate};

/// In which order the first two numbers of an all-numeric `/` or `-` date are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// `05/03/2024` is 5 March 2024: the default, and the reading of most of the world.
    #[default]
    DayFirst,
    /// `03/05/2024` is 5 March 2024, as in US exports.
    MonthFirst,
}

/// What one value says about the order of its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderEvidence {
    /// Not an all-numeric `/` or `-` date with the year last, or both readings are the same.
    Neutral,
    /// Both readings are valid dates, and different.
    Ambiguous,
    /// Only the day-first reading is a valid date (`25/12/2024`).
    DayFirstOnly,
    /// Only the month-first reading is a valid date (`12/25/2024`).
    MonthFirstOnly,
}

/// Why a text is not a date; the caller adds the field name and the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateProblem {
    /// Not in any accepted form.
    UnknownForm,
    /// In an accepted form, but no such day exists (`2024-02-30`, month 13), as read.
    NoSuchDay { year: u32, month: u32, day: u32 },
    /// Valid only in the other day/month order than the one chosen for the column.
    WrongOrder { order: DateOrder },
}

impl DateProblem {
    /// A sentence fragment explaining the problem, to append after the value.
    pub(crate) fn explanation(self) -> String {
        match self {
            DateProblem::UnknownForm => {
                " (expected a date such as 2024-03-05, 05/03/2024, 05.03.2024 or 5 Mar 2024)"
                    .to_string()
            }
            DateProblem::NoSuchDay { year, month, day } => {
                format!(" ({})", no_such_day_reason(year, month, day))
            }
            DateProblem::WrongOrder { order } => {
                let (chosen, other) = match order {
                    DateOrder::DayFirst => ("day-first", "month-first"),
                    DateOrder::MonthFirst => ("month-first", "day-first"),
                };
                format!(" (this column is read {chosen}, and the date is only valid {other})")
            }
        }
    }
}

/// Parses a date in any accepted form, reading ambiguous numeric dates in `order`.
pub(crate) fn parse_date(text: &str, order: DateOrder) -> Result<NaiveDate, DateProblem> {
    let bytes = text.as_bytes();
    // Fast path: ISO `YYYY-MM-DD`, possibly followed by a time.
    if bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        if let (Some(year), Some(month), Some(day)) = (
            digits(&bytes[0..4]),
            digits(&bytes[5..7]),
            digits(&bytes[8..10]),
        ) {
            if bytes.len() == 10 || is_time_suffix(&text[10..]) {
                return ymd(year, month, day);
            }
        }
    }
    parse_date_slow(text.trim(), order)
}

/// Classifies a value by what it says about its column's day/month order.
pub(crate) fn order_evidence(text: &str) -> OrderEvidence {
    let Some(parts) = numeric_parts(text.trim()) else {
        return OrderEvidence::Neutral;
    };
    if parts.separator == '.' || parts.year_first {
        return OrderEvidence::Neutral;
    }
    let Some(year) = parts.full_year() else {
        return OrderEvidence::Neutral;
    };
    let day_first = NaiveDate::from_ymd_opt(year, parts.second, parts.first);
    let month_first = NaiveDate::from_ymd_opt(year, parts.first, parts.second);
    match (day_first, month_first) {
        (Some(a), Some(b)) if a == b => OrderEvidence::Neutral,
        (Some(_), Some(_)) => OrderEvidence::Ambiguous,
        (Some(_), None) => OrderEvidence::DayFirstOnly,
        (None, Some(_)) => OrderEvidence::MonthFirstOnly,
        (None, None) => OrderEvidence::Neutral,
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    let mut value = 0_u32;
    for &byte in bytes {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(byte - b'0');
    }
    Some(value)
}

/// Builds a date, or says the day does not exist.
fn ymd(year: u32, month: u32, day: u32) -> Result<NaiveDate, DateProblem> {
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or(DateProblem::NoSuchDay { year, month, day })
}

/// Why `year-month-day` is not a day: the month or the day out of range, said with the
/// month's length ("February 2023 has 28 days"), so the user sees what to fix.
pub fn no_such_day_reason(year: u32, month: u32, day: u32) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    if !(1..=12).contains(&month) {
        return format!("there is no month {month}; months run from 1 to 12");
    }
    let first = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, 1));
    let Some(first) = first else {
        return format!("year {year} is out of range");
    };
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), month + 1, 1)
    };
    match next {
        Some(next) if day != 0 => format!(
            "{} {year} has {} days",
            NAMES[month as usize - 1],
            (next - first).num_days()
        ),
        _ => "days run from 1".to_string(),
    }
}

/// Whether `rest` (what follows a date) is empty or a plausible time of day: `T` or spaces, then
/// `H:MM`, optional seconds and fraction, optional `AM`/`PM`, optional zone (`Z`, `+0000`,
/// `+00:00`, `UTC`, `GMT`).
fn is_time_suffix(rest: &str) -> bool {
    let rest = match rest.strip_prefix('T') {
        Some(after) => after,
        None if rest.starts_with(' ') => rest.trim_start(),
        None => return rest.is_empty(),
    };
    let bytes = rest.as_bytes();
    let mut index = 0;
    // Hours, then one or two `:MM` groups.
    let start = index;
    while index < bytes.len() && bytes[index].is_ascii_digit() {
        index += 1;
    }
    if !(1..=2).contains(&(index - start)) {
        return false;
    }
    let mut n_groups = 0;
    while index < bytes.len() && bytes[index] == b':' {
        if index + 2 >= bytes.len()
            || !bytes[index + 1].is_ascii_digit()
            || !bytes[index + 2].is_ascii_digit()
        {
            return false;
        }
        index += 3;
        n_groups += 1;
    }
    if n_groups == 0 || n_groups > 2 {
        return false;
    }
    // Fraction of a second.
    if index < bytes.len() && (bytes[index] == b'.' || bytes[index] == b',') {
        index += 1;
        let start = index;
        while index < bytes.len() && bytes[index].is_ascii_digit() {
            index += 1;
        }
        if index == start {
            return false;
        }
    }
    let mut tail = rest[index..].trim_start();
    for meridiem in ["AM", "PM", "am", "pm"] {
        if let Some(after) = tail.strip_prefix(meridiem) {
            tail = after.trim_start();
            break;
        }
    }
    is_zone(tail)
}

/// Whether `text` is empty or a time-zone designator.
fn is_zone(text: &str) -> bool {
    if text.is_empty() || text == "Z" || text == "UTC" || text == "GMT" {
        return true;
    }
    let Some(offset) = text.strip_prefix('+').or_else(|| text.strip_prefix('-')) else {
        return false;
    };
    let offset = offset.as_bytes();
    match offset.len() {
        2 | 4 => offset.iter().all(u8::is_ascii_digit),
        5 => {
            offset[2] == b':'
                && offset[..2]
                    .iter()
                    .chain(&offset[3..])
                    .all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// An all-numeric date split into its three parts.
struct NumericParts {
    first: u32,
    second: u32,
    third: u32,
    /// Number of digits of the year part, to tell `24` from `0024`.
    year_digits: usize,
    separator: char,
    /// Whether the year comes first (`2024/03/05`).
    year_first: bool,
}

impl NumericParts {
    /// The year of a day-month-year or month-day-year date, with the two-digit rule applied.
    fn full_year(&self) -> Option<i32> {
        let year = i32::try_from(self.third).ok()?;
        match self.year_digits {
            4 => Some(year),
            2 if year < 70 => Some(2000 + year),
            2 => Some(1900 + year),
            _ => None,
        }
    }
}

/// Splits `D/M/Y`, `Y-M-D` and the like into numbers; `None` if the text has another shape.
fn numeric_parts(text: &str) -> Option<NumericParts> {
    let (date, rest) = match text.find([' ', 'T']) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    if !is_time_suffix(rest) {
        return None;
    }
    let separator = date.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let mut pieces = date.split(separator);
    let (Some(a), Some(b), Some(c), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return None;
    };
    let (first, second, third) = (
        digits(a.as_bytes())?,
        digits(b.as_bytes())?,
        digits(c.as_bytes())?,
    );
    if !(1..=2).contains(&b.len()) {
        return None;
    }
    if a.len() == 4 && (1..=2).contains(&c.len()) {
        return Some(NumericParts {
            first,
            second,
            third,
            year_digits: 4,
            separator,
            year_first: true,
        });
    }
    if (1..=2).contains(&a.len()) && (c.len() == 2 || c.len() == 4) {
        return Some(NumericParts {
            first,
            second,
            third,
            year_digits: c.len(),
            separator,
            year_first: false,
        });
    }
    None
}

/// Everything but the ISO fast path.
fn parse_date_slow(text: &str, order: DateOrder) -> Result<NaiveDate, DateProblem> {
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        let bytes = text.as_bytes();
        let (year, month, day) = (
            digits(&bytes[0..4]),
            digits(&bytes[4..6]),
            digits(&bytes[6..8]),
        );
        if let (Some(year), Some(month), Some(day)) = (year, month, day) {
            return ymd(year, month, day);
        }
    }
    if let Some(parts) = numeric_parts(text) {
        if parts.year_first {
            return ymd(parts.first, parts.second, parts.third);
        }
        let year = parts.full_year().ok_or(DateProblem::UnknownForm)?;
        let month_first = order == DateOrder::MonthFirst && parts.separator != '.';
        let (month, day) = if month_first {
            (parts.first, parts.second)
        } else {
            (parts.second, parts.first)
        };
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            return Ok(date);
        }
        if parts.separator != '.' && NaiveDate::from_ymd_opt(year, day, month).is_some() {
            return Err(DateProblem::WrongOrder { order });
        }
        return Err(DateProblem::NoSuchDay {
            year: year as u32,
            month,
            day,
        });
    }
    parse_month_name_date(text)
}

/// The month number of an English month name or abbreviation (`Mar`, `March`, `Sept`), any case.
fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 || word.len() > 9 {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    if lower == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|name| *name == lower || (lower.len() == 3 && name.starts_with(lower)))
        .and_then(|index| u32::try_from(index + 1).ok())
}

/// Whether a word is an English day name or abbreviation, which a date may start with.
fn is_weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let lower = word.to_ascii_lowercase();
    DAYS.iter()
        .any(|day| *day == lower || (lower.len() == 3 && day.starts_with(&lower)))
}

/// `5 Mar 2024`, `05-Mar-2024`, `March 5, 2024`, `Mar 5th 2024` and the like.
fn parse_month_name_date(text: &str) -> Result<NaiveDate, DateProblem> {
    let mut month = None;
    let mut numbers: Vec<&str> = Vec::with_capacity(2);
    for token in text
        .split([' ', '-', '/', ',', '.'])
        .filter(|token| !token.is_empty())
    {
        if token.bytes().all(|b| b.is_ascii_digit()) {
            numbers.push(token);
        } else if let Some(number) = month_number(token) {
            if month.replace(number).is_some() {
                return Err(DateProblem::UnknownForm);
            }
        } else if let Some(day) = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|suffix| token.strip_suffix(suffix))
        {
            if day.is_empty() || !day.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DateProblem::UnknownForm);
            }
            numbers.push(day);
        } else if !is_weekday(token) {
            return Err(DateProblem::UnknownForm);
        }
    }
    let Some(month) = month else {
        return Err(DateProblem::UnknownForm);
    };
    let [first, second] = numbers[..] else {
        return Err(DateProblem::UnknownForm);
    };
    let (day, year) = if first.len() == 4 {
        (second, first)
    } else {
        (first, second)
    };
    if day.len() > 2 || year.len() != 4 {
        return Err(DateProblem::UnknownForm);
    }
    let (Some(day), Some(year)) = (digits(day.as_bytes()), digits(year.as_bytes())) else {
        return Err(DateProblem::UnknownForm);
    };
    ymd(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` in `order` and renders the outcome as `YYYY-MM-DD` or the problem.
    fn check(text: &str, order: DateOrder, expect: &str) {
        let actual = match parse_date(text, order) {
            Ok(date) => date.to_string(),
            Err(problem) => format!("{problem:?}"),
        };
        assert_eq!(actual, expect, "parsing {text:?} in {order:?}");
    }

    use DateOrder::{DayFirst, MonthFirst};

    #[test]
    fn iso_forms() {
        check("2024-03-05", DayFirst, "2024-03-05");
        check("2024-03-05T10:11:12Z", DayFirst, "2024-03-05");
        check("2024-03-05 10:11:12", DayFirst, "2024-03-05");
        check("2024-03-05T10:11:12.000+0000", DayFirst, "2024-03-05");
        check("2024-03-05T23:30:00-05:00", DayFirst, "2024-03-05");
        check("2024-03-05 10:11", DayFirst, "2024-03-05");
        check(" 2024-03-05 ", DayFirst, "2024-03-05");
        check("2024/03/05", MonthFirst, "2024-03-05");
        check("2024.03.05", DayFirst, "2024-03-05");
        check("20240305", DayFirst, "2024-03-05");
        check(
            "2024-02-30",
            DayFirst,
            "NoSuchDay { year: 2024, month: 2, day: 30 }",
        );
        check(
            "2024-13-01",
            DayFirst,
            "NoSuchDay { year: 2024, month: 13, day: 1 }",
        );
        check("2024-03-05X", DayFirst, "UnknownForm");
        check("2024-03-05 lunchtime", DayFirst, "UnknownForm");
    }

    #[test]
    fn numeric_day_month_forms() {
        check("05/03/2024", DayFirst, "2024-03-05");
        check("05/03/2024", MonthFirst, "2024-05-03");
        check("5/3/2024", DayFirst, "2024-03-05");
        check("05.03.2024", MonthFirst, "2024-03-05");
        check("05-03-2024", DayFirst, "2024-03-05");
        check("5/3/24", DayFirst, "2024-03-05");
        check("5/3/99", DayFirst, "1999-03-05");
        check("5/3/69", DayFirst, "2069-03-05");
        check("3/5/2024 10:11:12 AM", MonthFirst, "2024-03-05");
        check("12/25/2024", DayFirst, "WrongOrder { order: DayFirst }");
        check("25/12/2024", MonthFirst, "WrongOrder { order: MonthFirst }");
        check(
            "31/02/2024",
            DayFirst,
            "NoSuchDay { year: 2024, month: 2, day: 31 }",
        );
        check("5/3/202", DayFirst, "UnknownForm");
    }

    /// The reasons name what is out of range, with month lengths from the calendar
    /// (leap years by the Gregorian rule: 2000 leap, 1900 not).
    #[test]
    fn no_such_day_reasons() {
        let reason = |y, m, d| no_such_day_reason(y, m, d);
        assert_eq!(
            reason(2024, 13, 1),
            "there is no month 13; months run from 1 to 12"
        );
        assert_eq!(
            reason(2024, 0, 1),
            "there is no month 0; months run from 1 to 12"
        );
        assert_eq!(reason(2023, 2, 29), "February 2023 has 28 days");
        assert_eq!(reason(2024, 2, 30), "February 2024 has 29 days");
        assert_eq!(reason(1900, 2, 29), "February 1900 has 28 days");
        assert_eq!(reason(2000, 2, 30), "February 2000 has 29 days");
        assert_eq!(reason(2024, 4, 31), "April 2024 has 30 days");
        assert_eq!(reason(2024, 12, 32), "December 2024 has 31 days");
        assert_eq!(reason(2024, 3, 0), "days run from 1");
        assert_eq!(
            DateProblem::NoSuchDay {
                year: 2024,
                month: 13,
                day: 1
            }
            .explanation(),
            " (there is no month 13; months run from 1 to 12)"
        );
    }

    #[test]
    fn month_names() {
        check("5 Mar 2024", DayFirst, "2024-03-05");
        check("05-Mar-2024", DayFirst, "2024-03-05");
        check("March 5, 2024", DayFirst, "2024-03-05");
        check("Mar 5 2024", DayFirst, "2024-03-05");
        check("5th March 2024", DayFirst, "2024-03-05");
        check("Tuesday, March 5, 2024", DayFirst, "2024-03-05");
        check("Sept 30, 2024", DayFirst, "2024-09-30");
        check("2024 Mar 5", DayFirst, "2024-03-05");
        check("Mar 2024", DayFirst, "UnknownForm");
        check("Foo 5 2024", DayFirst, "UnknownForm");
        check("", DayFirst, "UnknownForm");
        check("yesterday", DayFirst, "UnknownForm");
    }

    #[test]
    fn evidence() {
        assert_eq!(order_evidence("05/03/2024"), OrderEvidence::Ambiguous);
        assert_eq!(order_evidence("25/12/2024"), OrderEvidence::DayFirstOnly);
        assert_eq!(order_evidence("12/25/2024"), OrderEvidence::MonthFirstOnly);
        assert_eq!(order_evidence("12-25-2024"), OrderEvidence::MonthFirstOnly);
        assert_eq!(order_evidence("12.25.2024"), OrderEvidence::Neutral);
        assert_eq!(order_evidence("2024-12-25"), OrderEvidence::Neutral);
        assert_eq!(order_evidence("03/03/2024"), OrderEvidence::Neutral);
        assert_eq!(order_evidence("nonsense"), OrderEvidence::Neutral);
    }
}
