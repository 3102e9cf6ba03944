//! Small text helpers of scoring: case-insensitive keys and English number formatting.

use std::borrow::Cow;

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

/// Formats a number in English with thousands separators: `250000.0` → `"250,000"`.
///
/// Values of 100 or more are rounded to whole numbers; smaller ones keep up to two decimals.
pub(crate) fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.abs() >= 1e18 {
        return format!("{value:e}");
    }
    if value.abs() >= 100.0 || value.fract() == 0.0 {
        // Rounded to a whole number, which fits an i128 below 1e18.
        let whole = value.round() as i128;
        return group_thousands(whole);
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn group_thousands(whole: i128) -> String {
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if whole < 0 {
        grouped.push('-');
    }
    // Digits left before the next separator: the leading group has 1 to 3 of them.
    let mut left_in_group = (digits.len() - 1) % 3 + 1;
    for digit in digits.chars() {
        if left_in_group == 0 {
            grouped.push(',');
            left_in_group = 3;
        }
        grouped.push(digit);
        left_in_group -= 1;
    }
    grouped
}

/// Formats a share in [0, 1] as a whole percentage, never rounding a non-zero share to
/// "0%" nor a share below one to "100%".
pub(crate) fn format_percent(share: f64) -> String {
    let percent = (share * 100.0).round();
    if share > 0.0 && percent < 1.0 {
        "<1%".to_string()
    } else if share < 1.0 && percent >= 100.0 {
        ">99%".to_string()
    } else {
        format!("{}%", percent as i64)
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
    }

    #[test]
    fn percentages_never_hide_small_shares() {
        assert_eq!(format_percent(0.82), "82%");
        assert_eq!(format_percent(0.001), "<1%");
        assert_eq!(format_percent(0.999), ">99%");
        assert_eq!(format_percent(1.0), "100%");
        assert_eq!(format_percent(0.0), "0%");
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
