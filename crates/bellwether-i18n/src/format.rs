//! Locale-aware formatting of numbers, percentages, amounts of money and dates.
//!
//! The symbols follow CLDR (v44) for the four locales:
//!
//! | locale | decimal | group | min. grouping digits | percent | currency |
//! |---|---|---|---|---|---|
//! | en | `.` | `,` | 1 | `12.5%` | `$1,234` |
//! | fr | `,` | U+202F | 1 | `12,5 %` (U+202F) | `1 234 $US` (U+00A0 before the symbol) |
//! | it | `,` | `.` | 1 | `12,5%` | `1.234 USD` |
//! | et | `,` | U+00A0 | 2 | `12,5%` | `1234 $` |
//!
//! Negative numbers use U+2212 (minus sign) in et, as CLDR does, and `-` elsewhere.

use serde::{Deserialize, Serialize};

use crate::Locale;

/// Narrow no-break space, French grouping and the space before `%`.
const NNBSP: char = '\u{202F}';
/// No-break space, Estonian grouping and the space before a currency symbol.
const NBSP: char = '\u{00A0}';

/// How a number is written in a locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberStyle {
    pub decimal: char,
    pub group: char,
    /// The fewest digits before the decimal separator for grouping to apply at all
    /// (CLDR's `minimumGroupingDigits` plus 3).
    pub min_digits_to_group: usize,
    pub minus: char,
}

impl NumberStyle {
    pub fn of(locale: Locale) -> NumberStyle {
        match locale {
            Locale::En => NumberStyle {
                decimal: '.',
                group: ',',
                min_digits_to_group: 4,
                minus: '-',
            },
            Locale::Fr => NumberStyle {
                decimal: ',',
                group: NNBSP,
                min_digits_to_group: 4,
                minus: '-',
            },
            Locale::It => NumberStyle {
                decimal: ',',
                group: '.',
                min_digits_to_group: 4,
                minus: '-',
            },
            Locale::Et => NumberStyle {
                decimal: ',',
                group: NBSP,
                min_digits_to_group: 5,
                minus: '\u{2212}',
            },
        }
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

/// `value` rounded to `decimals` digits, grouped and with the locale's symbols.
pub fn number(locale: Locale, value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "–".to_string()
        } else if value > 0.0 {
            "∞".to_string()
        } else {
            "−∞".to_string()
        };
    }
    let style = NumberStyle::of(locale);
    let plain = format!("{:.*}", decimals, value.abs());
    let (integer, fraction) = match plain.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (plain.as_str(), None),
    };
    let negative = value < 0.0 && plain.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::with_capacity(plain.len() + 8);
    if negative {
        out.push(style.minus);
    }
    let digits = integer.len();
    let group = digits >= style.min_digits_to_group;
    for (index, digit) in integer.chars().enumerate() {
        if group && index > 0 && (digits - index) % 3 == 0 {
            out.push(style.group);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(style.decimal);
        out.push_str(fraction);
    }
    out
}

/// `share` (0.125 = 12.5 %) as a percentage.
pub fn percent(locale: Locale, share: f64, decimals: usize) -> String {
    let digits = number(locale, share * 100.0, decimals);
    match locale {
        Locale::Fr => format!("{digits}{NNBSP}%"),
        Locale::En | Locale::It | Locale::Et => format!("{digits}%"),
    }
}

/// The symbol CLDR uses for `currency` in `locale`, or the code itself.
fn currency_symbol(locale: Locale, currency: &str) -> String {
    let code = currency.trim().to_ascii_uppercase();
    let symbol = match (locale, code.as_str()) {
        (_, "EUR") => "€",
        (_, "GBP") => "£",
        (Locale::En, "USD") => "$",
        (Locale::Fr, "USD") => "$US",
        (Locale::Et, "USD") => "$",
        (Locale::En, "CAD") => "CA$",
        (Locale::Fr, "CAD") => "$CA",
        (Locale::Et, "CAD") => "CA$",
        _ => return code,
    };
    symbol.to_string()
}

/// An amount of money: the symbol before the number in en, after it (with a no-break
/// space) in fr, it and et.
pub fn currency(locale: Locale, amount: f64, currency: &str, decimals: usize) -> String {
    let symbol = currency_symbol(locale, currency);
    let digits = number(locale, amount.abs(), decimals);
    let minus = if amount < 0.0 && digits.chars().any(|c| c.is_ascii_digit() && c != '0') {
        NumberStyle::of(locale).minus.to_string()
    } else {
        String::new()
    };
    match locale {
        Locale::En if symbol.chars().all(|c| c.is_ascii_uppercase()) => {
            format!("{minus}{symbol}{NBSP}{digits}")
        }
        Locale::En => format!("{minus}{symbol}{digits}"),
        Locale::Fr | Locale::It | Locale::Et => format!("{minus}{digits}{NBSP}{symbol}"),
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_IT: [&str; 12] = [
    "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
];
const MONTHS_ET: [&str; 12] = [
    "jaan", "veebr", "märts", "apr", "mai", "juuni", "juuli", "aug", "sept", "okt", "nov", "dets",
];

/// A date in CLDR's medium format: en "Nov 23, 2026", fr "23 nov. 2026",
/// it "23 nov 2026", et "23. nov 2026".
pub fn date(locale: Locale, date: Date) -> String {
    let index = (date.month.clamp(1, 12) - 1) as usize;
    match locale {
        Locale::En => format!("{} {}, {}", MONTHS_EN[index], date.day, date.year),
        Locale::Fr => format!("{} {} {}", date.day, MONTHS_FR[index], date.year),
        Locale::It => format!("{} {} {}", date.day, MONTHS_IT[index], date.year),
        Locale::Et => format!("{}. {} {}", date.day, MONTHS_ET[index], date.year),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(locale: Locale, value: f64, decimals: usize, expect: &str) {
        assert_eq!(number(locale, value, decimals), expect, "{locale} {value}");
    }

    #[test]
    fn numbers_per_locale() {
        check(Locale::En, 1_234_567.891, 2, "1,234,567.89");
        check(Locale::Fr, 1_234_567.891, 2, "1\u{202F}234\u{202F}567,89");
        check(Locale::It, 1_234_567.891, 2, "1.234.567,89");
        check(Locale::Et, 1_234_567.891, 2, "1\u{A0}234\u{A0}567,89");
        check(Locale::En, 999.5, 0, "1,000");
        check(Locale::Et, 1234.0, 0, "1234");
        check(Locale::Et, 12345.0, 0, "12\u{A0}345");
        check(Locale::Fr, 1234.0, 0, "1\u{202F}234");
        check(Locale::En, -0.004, 2, "0.00");
        check(Locale::En, -12.5, 1, "-12.5");
        check(Locale::Et, -12.5, 1, "\u{2212}12,5");
        check(Locale::It, 0.5, 3, "0,500");
        check(Locale::En, f64::NAN, 1, "–");
    }

    #[test]
    fn percentages_and_money() {
        assert_eq!(percent(Locale::En, 0.1234, 1), "12.3%");
        assert_eq!(percent(Locale::Fr, 0.1234, 1), "12,3\u{202F}%");
        assert_eq!(percent(Locale::It, 0.1234, 1), "12,3%");
        assert_eq!(percent(Locale::Et, 1.0, 0), "100%");
        assert_eq!(currency(Locale::En, 1234.4, "USD", 0), "$1,234");
        assert_eq!(
            currency(Locale::Fr, 1234.4, "USD", 0),
            "1\u{202F}234\u{A0}$US"
        );
        assert_eq!(currency(Locale::It, 1234.4, "EUR", 0), "1.234\u{A0}€");
        assert_eq!(
            currency(Locale::Et, -1234.4, "EUR", 0),
            "\u{2212}1234\u{A0}€"
        );
        assert_eq!(currency(Locale::En, 5.0, "chf", 0), "CHF\u{A0}5");
    }

    #[test]
    fn dates_per_locale() {
        let d = Date {
            year: 2026,
            month: 11,
            day: 23,
        };
        assert_eq!(date(Locale::En, d), "Nov 23, 2026");
        assert_eq!(date(Locale::Fr, d), "23 nov. 2026");
        assert_eq!(date(Locale::It, d), "23 nov 2026");
        assert_eq!(date(Locale::Et, d), "23. nov 2026");
    }
}
