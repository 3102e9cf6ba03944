//! Reading numbers the way spreadsheets and CRMs export them.
//!
//! The accepted forms are, around a run of digits:
//!
//! - surrounding whitespace, including no-break and thin spaces;
//! - one sign, `-`, `+` or `−`, before or after a currency marker, or accounting parentheses `(12.50)`;
//! - one currency marker before or after the number: `$ € £ ¥ ₹ ₩ ₽ ₺ ₪ R$ US$ A$ C$ kr CHF`, or any
//!   three-letter upper-case code such as `EUR` or `USD`;
//! - digit grouping with `,`, `.`, `'`, a space, a no-break space or a thin space, where the first
//!   group has one to three digits (not starting with `0`) and every later group exactly three.
//!
//! The decimal mark is decided per value:
//!
//! - when both `.` and `,` appear, the last one is the decimal mark and the other groups digits
//!   (`1,234.56` and `1.234,56` are both read as 1234.56);
//! - when only `,` appears, it is the decimal mark in a decimal-comma file, and a grouping
//!   separator elsewhere; `"1234,56"` in a decimal-point file is refused as ambiguous;
//! - when only `.` appears, it is the decimal mark, except in a decimal-comma file where a valid
//!   grouping such as `1.234` or `1.234.567` is read as thousands.
//!
//! Scientific notation (`2.1e9`) is read; `inf`, `NaN` and percentages are refused.

/// Why a text is not a number; the caller adds the field name and the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberProblem {
    /// Something other than digits, separators, a sign and a currency marker.
    NotANumber,
    /// A percentage, where an amount is expected.
    Percentage,
    /// A `,` in a file whose decimal mark is `.`, and not a valid thousands grouping.
    AmbiguousComma,
    /// Separators that do not form groups of three digits.
    BadGrouping,
}

impl NumberProblem {
    /// A sentence fragment explaining the problem, to append after the value.
    pub(crate) fn explanation(self) -> &'static str {
        match self {
            NumberProblem::NotANumber => "",
            NumberProblem::Percentage => " (a percentage, not an amount)",
            NumberProblem::AmbiguousComma => {
                " (the decimal mark of this file is '.', and this ',' does not group thousands)"
            }
            NumberProblem::BadGrouping => {
                " (digit groups around the separators are not groups of three)"
            }
        }
    }
}

/// Currency markers accepted before or after a number, longest first so `US$` wins over `$`.
const CURRENCY_MARKERS: &[&str] = &[
    "US$", "CHF", "R$", "A$", "C$", "kr", "$", "€", "£", "¥", "₹", "₩", "₽", "₺", "₪",
];

/// The most bytes a normalised number may take; longer texts are refused.
const NORMALISED_CAPACITY: usize = 64;

/// Parses a number written as in an export; see the module documentation for the accepted forms.
pub(crate) fn parse_number(text: &str, decimal_comma: bool) -> Result<f64, NumberProblem> {
    if let Some(value) = parse_plain(text.as_bytes(), decimal_comma) {
        return Ok(value);
    }
    if let Some(value) = parse_scientific(text.trim(), decimal_comma) {
        return Ok(value);
    }
    parse_decorated(text, decimal_comma)
}

/// Scientific notation as spreadsheets and scripts write large figures: `2.1e9`, `1E+06`, `-3,5e2` (decimal comma).
fn parse_scientific(text: &str, decimal_comma: bool) -> Option<f64> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if exponent_digits.is_empty()
        || exponent_digits.len() > 3
        || !exponent_digits.bytes().all(|byte| byte.is_ascii_digit())
    {
        return None;
    }
    let value = parse_plain(mantissa.as_bytes(), decimal_comma)?;
    let value = format!("{value}e{exponent}").parse::<f64>().ok()?;
    value.is_finite().then_some(value)
}

/// The fast path: an optional `-` then digits with at most one `.` (or `,` in a decimal-comma file).
fn parse_plain(bytes: &[u8], decimal_comma: bool) -> Option<f64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if digits.is_empty() || digits.len() > 30 {
        return None;
    }
    let decimal_mark = if decimal_comma { b',' } else { b'.' };
    let mut n_marks = 0;
    for &byte in digits {
        if byte == decimal_mark {
            n_marks += 1;
        } else if !byte.is_ascii_digit() {
            return None;
        }
    }
    if n_marks > 1 || digits == [decimal_mark] {
        return None;
    }
    if n_marks == 0 || !decimal_comma {
        return std::str::from_utf8(bytes).ok()?.parse().ok();
    }
    let mut buffer = [0_u8; NORMALISED_CAPACITY];
    for (slot, &byte) in buffer.iter_mut().zip(bytes) {
        *slot = if byte == b',' { b'.' } else { byte };
    }
    std::str::from_utf8(&buffer[..bytes.len()])
        .ok()?
        .parse()
        .ok()
}

/// Strips one currency marker from the start of `text`, if any.
fn strip_currency_prefix(text: &str) -> &str {
    for marker in CURRENCY_MARKERS {
        if let Some(rest) = text.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() > 3
        && bytes[..3].iter().all(u8::is_ascii_uppercase)
        && !bytes[3].is_ascii_alphabetic()
    {
        return text[3..].trim_start();
    }
    text
}

/// Strips one currency marker from the end of `text`, if any.
fn strip_currency_suffix(text: &str) -> &str {
    for marker in CURRENCY_MARKERS {
        if let Some(rest) = text.strip_suffix(marker) {
            return rest.trim_end();
        }
    }
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n > 3
        && bytes[n - 3..].iter().all(u8::is_ascii_uppercase)
        && !bytes[n - 4].is_ascii_alphabetic()
    {
        return text[..n - 3].trim_end();
    }
    text
}

/// Strips one leading sign; returns whether it was negative.
fn strip_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-').or_else(|| text.strip_prefix('−')) {
        (true, rest.trim_start())
    } else if let Some(rest) = text.strip_prefix('+') {
        (false, rest.trim_start())
    } else {
        (false, text)
    }
}

/// Whether a character groups digits whatever the decimal mark.
fn is_space_grouping(character: char) -> bool {
    matches!(
        character,
        ' ' | '\'' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '’'
    )
}

/// The slow path, for values with currency markers, parentheses, signs or digit grouping.
fn parse_decorated(text: &str, decimal_comma: bool) -> Result<f64, NumberProblem> {
    let mut rest = text.trim();
    if rest.ends_with('%') {
        return Err(NumberProblem::Percentage);
    }
    let mut negative = false;
    if let Some(inner) = rest
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'))
    {
        negative = true;
        rest = inner.trim();
    }
    let (sign_before, after_sign) = strip_sign(rest);
    let without_prefix = strip_currency_prefix(after_sign);
    let (sign_after, after_second_sign) = strip_sign(without_prefix);
    if (sign_before && sign_after) || (negative && (sign_before || sign_after)) {
        return Err(NumberProblem::NotANumber);
    }
    let had_prefix = without_prefix.len() != after_sign.len();
    let mut digits = after_second_sign;
    if !had_prefix {
        digits = strip_currency_suffix(digits);
    }
    negative = negative || sign_before || sign_after;
    let Some(first) = digits.chars().next() else {
        return Err(NumberProblem::NotANumber);
    };
    if !(first.is_ascii_digit() || first == '.' || first == ',')
        || !digits.ends_with(|c: char| c.is_ascii_digit())
    {
        return Err(NumberProblem::NotANumber);
    }

    let last_dot = digits.rfind('.');
    let last_comma = digits.rfind(',');
    let n_dots = digits.matches('.').count();
    let n_commas = digits.matches(',').count();
    // The decimal mark, if any, and the punctuation used for grouping, if any.
    let (decimal_mark, grouping_mark) = match (last_dot, last_comma) {
        (Some(dot), Some(comma)) => {
            if dot > comma {
                if n_dots > 1 {
                    return Err(NumberProblem::BadGrouping);
                }
                (Some('.'), Some(','))
            } else {
                if n_commas > 1 {
                    return Err(NumberProblem::BadGrouping);
                }
                (Some(','), Some('.'))
            }
        }
        (None, Some(_)) => {
            if decimal_comma {
                if n_commas > 1 {
                    return Err(NumberProblem::BadGrouping);
                }
                (Some(','), None)
            } else if has_valid_grouping(digits, ',') {
                (None, Some(','))
            } else {
                return Err(NumberProblem::AmbiguousComma);
            }
        }
        (Some(_), None) => {
            if decimal_comma && has_valid_grouping(digits, '.') {
                (None, Some('.'))
            } else if n_dots == 1 {
                (Some('.'), None)
            } else if has_valid_grouping(digits, '.') {
                (None, Some('.'))
            } else {
                return Err(NumberProblem::BadGrouping);
            }
        }
        (None, None) => (None, None),
    };

    let integer_part = match decimal_mark {
        Some(mark) => digits.split(mark).next().unwrap_or(""),
        None => digits,
    };
    let space_grouping = integer_part.chars().find(|&c| is_space_grouping(c));
    if let (Some(_), Some(_)) = (space_grouping, grouping_mark) {
        return Err(NumberProblem::BadGrouping);
    }
    if let Some(mark) = grouping_mark.or(space_grouping) {
        if !has_valid_grouping(integer_part, mark) {
            return Err(NumberProblem::BadGrouping);
        }
    }

    let mut buffer = [0_u8; NORMALISED_CAPACITY];
    let mut length = 0;
    let mut push = |byte: u8| -> Result<(), NumberProblem> {
        let slot = buffer.get_mut(length).ok_or(NumberProblem::NotANumber)?;
        *slot = byte;
        length += 1;
        Ok(())
    };
    if negative {
        push(b'-')?;
    }
    let mut seen_decimal = false;
    for character in digits.chars() {
        if character.is_ascii_digit() {
            push(character as u8)?;
        } else if Some(character) == decimal_mark {
            if seen_decimal {
                return Err(NumberProblem::NotANumber);
            }
            seen_decimal = true;
            push(b'.')?;
        } else if Some(character) == grouping_mark || Some(character) == space_grouping {
            if seen_decimal {
                return Err(NumberProblem::BadGrouping);
            }
        } else {
            return Err(NumberProblem::NotANumber);
        }
    }
    let normalised =
        std::str::from_utf8(&buffer[..length]).map_err(|_| NumberProblem::NotANumber)?;
    normalised.parse().map_err(|_| NumberProblem::NotANumber)
}

/// What one value says about its column's decimal mark: `Some(',')` or `Some('.')` when it has a
/// single mark of that kind, not followed by exactly three digits (or the last of both kinds).
pub(crate) fn decimal_mark_evidence(text: &str) -> Option<char> {
    let last_dot = text.rfind('.');
    let last_comma = text.rfind(',');
    match (last_dot, last_comma) {
        (Some(dot), Some(comma)) => Some(if dot > comma { '.' } else { ',' }),
        (Some(at), None) | (None, Some(at)) => {
            let mark = char::from(text.as_bytes()[at]);
            let n_marks = text.matches(mark).count();
            let n_digits_after = text[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            (n_marks == 1 && n_digits_after != 3 && n_digits_after > 0).then_some(mark)
        }
        (None, None) => None,
    }
}

/// Whether `integer_part` is digit groups separated by `mark`: one to three digits not starting
/// with `0` (unless the group is `0` alone, which is then not grouping), then groups of exactly three.
fn has_valid_grouping(integer_part: &str, mark: char) -> bool {
    let mut groups = integer_part.split(mark);
    let Some(first) = groups.next() else {
        return false;
    };
    let first_ok = (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && !first.starts_with('0');
    let mut n_later = 0;
    for group in groups {
        if group.len() != 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        n_later += 1;
    }
    first_ok && n_later > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation() {
        assert_eq!(parse_number("2.1e9", false), Ok(2.1e9));
        assert_eq!(parse_number("1E+06", false), Ok(1e6));
        assert_eq!(parse_number("-3,5e2", true), Ok(-350.0));
        assert_eq!(parse_number("4e-2", false), Ok(0.04));
        assert!(parse_number("1e400", false).is_err());
        assert!(parse_number("e5", false).is_err());
        assert!(parse_number("1e", false).is_err());
    }

    /// Parses `text` and renders the outcome, so one table can hold both successes and failures.
    fn check(text: &str, decimal_comma: bool, expect: &str) {
        let actual = match parse_number(text, decimal_comma) {
            Ok(value) => format!("{value}"),
            Err(problem) => format!("{problem:?}"),
        };
        assert_eq!(
            actual, expect,
            "parsing {text:?} with decimal_comma={decimal_comma}"
        );
    }

    #[test]
    fn plain_numbers() {
        check("12", false, "12");
        check("12.5", false, "12.5");
        check("-3.25", false, "-3.25");
        check("0.125", true, "0.125");
        check("12,5", true, "12.5");
        check("1234,56", true, "1234.56");
    }

    #[test]
    fn grouping_and_decimal_marks() {
        check("1,234.56", false, "1234.56");
        check("1.234,56", true, "1234.56");
        check("1.234,56", false, "1234.56");
        check("1,234,567", false, "1234567");
        check("1.234", true, "1234");
        check("1.234.567", true, "1234567");
        check("1.234", false, "1.234");
        check("1 234,56", true, "1234.56");
        check("1\u{a0}234,56", true, "1234.56");
        check("1'234.50", false, "1234.5");
        check("1234,56", false, "AmbiguousComma");
        check("12,5", false, "AmbiguousComma");
        check("1,23,456.00", false, "BadGrouping");
        check("12 34", false, "BadGrouping");
        check("1.2.3", false, "BadGrouping");
    }

    #[test]
    fn currency_signs_and_parentheses() {
        check("$12.00", false, "12");
        check(" € 1.234,50 ", true, "1234.5");
        check("1.234,50 €", true, "1234.5");
        check("-$12.00", false, "-12");
        check("$-12.00", false, "-12");
        check("(12.00)", false, "-12");
        check("USD 99.90", false, "99.9");
        check("99.90 EUR", false, "99.9");
        check("CHF 1'000.00", false, "1000");
        check("+7", false, "7");
        check("−7", false, "-7");
    }

    #[test]
    fn decimal_mark_evidence_of_values() {
        assert_eq!(decimal_mark_evidence("12,50"), Some(','));
        assert_eq!(decimal_mark_evidence("12.5"), Some('.'));
        assert_eq!(decimal_mark_evidence("1.234,5 €"), Some(','));
        assert_eq!(decimal_mark_evidence("1,234.50"), Some('.'));
        assert_eq!(decimal_mark_evidence("1,234"), None);
        assert_eq!(decimal_mark_evidence("1.234.567"), None);
        assert_eq!(decimal_mark_evidence("1234"), None);
        assert_eq!(decimal_mark_evidence("12."), None);
    }

    #[test]
    fn refused_forms() {
        check("", false, "NotANumber");
        check("12,x", false, "NotANumber");
        check("abc", false, "NotANumber");
        check("inf", false, "NotANumber");
        check("NaN", false, "NotANumber");
        check("1e5", false, "100000");
        check("10%", false, "Percentage");
        check("--5", false, "NotANumber");
        check("-(5)", false, "NotANumber");
        check("$", false, "NotANumber");
        check("12 apples", false, "NotANumber");
    }
}
