//! The four languages requests are matched in, and their detection.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A language the matcher stems and has glossary terms for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "it")]
    Italian,
    #[serde(rename = "et")]
    Estonian,
}

impl Language {
    /// Every supported language, in a fixed order.
    pub const ALL: [Language; 4] = [
        Language::English,
        Language::French,
        Language::Italian,
        Language::Estonian,
    ];

    /// The ISO 639-1 code: `en`, `fr`, `it` or `et`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Italian => "it",
            Language::Estonian => "et",
        }
    }

    /// Reads a language column: an ISO 639-1 or 639-3 code, an English or native name, or a locale
    /// such as `fr_CA` or `et-EE`; case-insensitive. `None` for anything else.
    pub fn from_code(code: &str) -> Option<Language> {
        let lower = code.trim().to_ascii_lowercase();
        let primary = lower.split(['-', '_']).next().unwrap_or("");
        match primary {
            "en" | "eng" | "english" => Some(Language::English),
            "fr" | "fra" | "fre" | "french" | "francais" | "français" => Some(Language::French),
            "it" | "ita" | "italian" | "italiano" => Some(Language::Italian),
            "et" | "est" | "estonian" | "eesti" => Some(Language::Estonian),
            _ => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Language {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// Detects the language of a request among the four, trusting `hint` (the export's language
/// column) when it names one of them.
///
/// Without a usable hint, whatlang's trigram detector restricted to the four languages decides;
/// a very short text ("sso pls") may come out wrong or `None`, which is why the matcher also
/// looks up glossary terms of every language, not only the detected one.
pub fn detect(text: &str, hint: Option<&str>) -> Option<Language> {
    if let Some(language) = hint.and_then(Language::from_code) {
        return Some(language);
    }
    let detector = whatlang::Detector::with_allowlist(vec![
        whatlang::Lang::Eng,
        whatlang::Lang::Fra,
        whatlang::Lang::Ita,
        whatlang::Lang::Est,
    ]);
    let info = detector.detect(text)?;
    match info.lang() {
        whatlang::Lang::Eng => Some(Language::English),
        whatlang::Lang::Fra => Some(Language::French),
        whatlang::Lang::Ita => Some(Language::Italian),
        whatlang::Lang::Est => Some(Language::Estonian),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_locales_are_read() {
        assert_eq!(Language::from_code("fr_CA"), Some(Language::French));
        assert_eq!(Language::from_code(" ET-ee"), Some(Language::Estonian));
        assert_eq!(Language::from_code("ita"), Some(Language::Italian));
        assert_eq!(Language::from_code("de"), None);
    }

    #[test]
    fn sentences_are_detected() {
        let cases = [
            (
                "We need single sign-on with our identity provider before the roll-out.",
                Language::English,
            ),
            (
                "Nous avons besoin d'une authentification unique pour nos agences.",
                Language::French,
            ),
            (
                "Ci serve l'accesso singolo con il nostro Active Directory.",
                Language::Italian,
            ),
            (
                "Vajame ühekordset sisselogimist meie Azure AD kaudu.",
                Language::Estonian,
            ),
        ];
        for (text, language) in cases {
            assert_eq!(detect(text, None), Some(language), "{text}");
        }
        assert_eq!(detect("anything", Some("it")), Some(Language::Italian));
    }
}
