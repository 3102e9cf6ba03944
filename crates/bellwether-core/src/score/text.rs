//! Small text helpers of scoring: case-insensitive keys and English number formatting.

use std::borrow::Cow;
use std::fmt;

/// The key under which a label is compared: trimmed and lowercased, `None` when empty.
///
/// Borrows when the label is already a key, so that scoring a million customers does not
/// allocate a string per label.
pub(crate) fn comparison_key(label: &str) -> Option<Cow<'_, str>> {
    let trimmed = label.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed
        .bytes()
        .all(|byte| byte.is_ascii() && !byte.is_ascii_uppercase())
    {
        Some(Cow::Borrowed(trimmed))
    } else {
        Some(Cow::Owned(trimmed.to_lowercase()))
    }
}

/// A label as shown in a reason: trimmed, `None` when empty.
pub(crate) fn display_label(label: Option<&str>) -> Option<&str> {
    label.map(str::trim).filter(|trimmed| !trimmed.is_empty())
}

/// Shows a number in English with thousands separators: `250000.0` → `"250,000"`.
///
/// Values of 100 or more are rounded to whole numbers; smaller ones keep up to two decimals.
/// Written straight into the output, so that reasons cost one allocation each.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thousands(pub(crate) f64);

impl fmt::Display for Thousands {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.0;
        if !value.is_finite() {
            return write!(formatter, "{value}");
        }
        if value.abs() >= 1e18 {
            return write!(formatter, "{value:e}");
        }
        if value.abs() >= 100.0 || value.fract() == 0.0 {
            // Rounded to a whole number, which fits an i128 below 1e18; digits are written from
            // the right, with a comma before every third one.
            let whole = value.round() as i128;
            let mut rest = whole.unsigned_abs();
            let mut buffer = [0u8; 48];
            let mut start = buffer.len();
            let mut in_group = 0;
            loop {
                if in_group == 3 {
                    start -= 1;
                    buffer[start] = b',';
                    in_group = 0;
                }
                start -= 1;
                buffer[start] = b'0' + (rest % 10) as u8;
                in_group += 1;
                rest /= 10;
                if rest == 0 {
                    break;
                }
            }
            if whole < 0 {
                start -= 1;
                buffer[start] = b'-';
            }
            return formatter
                .write_str(std::str::from_utf8(&buffer[start..]).map_err(|_| fmt::Error)?);
        }
        let text = format!("{value:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        formatter.write_str(if text == "-0" { "0" } else { text })
    }
}

/// Formats a number in English with thousands separators, as [`Thousands`] shows it.
pub(crate) fn format_number(value: f64) -> String {
    Thousands(value).to_string()
}

/// Shows a share in [0, 1] as a whole percentage, never rounding a non-zero share to "0%" nor
/// a share below one to "100%".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Percent(pub(crate) f64);

impl fmt::Display for Percent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let share = self.0;
        let percent = (share * 100.0).round();
        if share > 0.0 && percent < 1.0 {
            formatter.write_str("<1%")
        } else if share < 1.0 && percent >= 100.0 {
            formatter.write_str(">99%")
        } else {
            write!(formatter, "{}%", percent as i64)
        }
    }
}

/// Joins labels with commas, showing at most `limit` of them and an ellipsis after.
pub(crate) fn format_list<Label: AsRef<str>>(labels: &[Label], limit: usize) -> String {
    let mut text = labels
        .iter()
        .take(limit)
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(", ");
    if labels.len() > limit {
        text.push_str(", …");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(format_number(250_000.0), "250,000");
        assert_eq!(format_number(1_000.0), "1,000");
        assert_eq!(format_number(999.0), "999");
        assert_eq!(format_number(5e10), "50,000,000,000");
        assert_eq!(format_number(-1_234_567.4), "-1,234,567");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(3.5), "3.5");
        assert_eq!(format_number(4.25), "4.25");
        assert_eq!(format_number(-0.001), "0");
        assert_eq!(format_number(123.6), "124");
        assert_eq!(format_number(100.0), "100");
        assert_eq!(format_number(999_999.0), "999,999");
        assert_eq!(format_number(1_000_000.0), "1,000,000");
        assert_eq!(format_number(-100_000.0), "-100,000");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(2e18), "2e18");
    }

    #[test]
    fn percentages_never_hide_small_shares() {
        assert_eq!(Percent(0.82).to_string(), "82%");
        assert_eq!(Percent(0.001).to_string(), "<1%");
        assert_eq!(Percent(0.999).to_string(), ">99%");
        assert_eq!(Percent(1.0).to_string(), "100%");
        assert_eq!(Percent(0.0).to_string(), "0%");
    }

    #[test]
    fn keys_ignore_case_and_spaces() {
        assert_eq!(comparison_key("  Banking ").as_deref(), Some("banking"));
        assert_eq!(comparison_key("banking").as_deref(), Some("banking"));
        assert_eq!(comparison_key("ÉCOLE").as_deref(), Some("école"));
        assert_eq!(comparison_key("   "), None);
    }

    #[test]
    fn lists_are_cut_after_the_limit() {
        let labels = ["A".to_string(), "B".to_string(), "C".to_string()];
        assert_eq!(format_list(&labels, 3), "A, B, C");
        assert_eq!(format_list(&labels, 2), "A, B, …");
    }
}
