//! Bellwether's user-facing text in English, French, Italian and Estonian.
//!
//! Messages are Fluent (`locales/<lang>.ftl`, compiled in with `include_str!`), so no
//! file is read at run time. Numbers, percentages, currencies and dates are formatted
//! here, per locale, following CLDR's conventions: the decimal comma in fr, it and et;
//! grouping with a narrow no-break space (U+202F) in fr, a full stop in it and a no-break
//! space (U+00A0) in et, where four-digit numbers stay ungrouped (CLDR's minimum grouping
//! digits of 2). Formatted values are passed to Fluent as strings, so a translation never
//! re-formats a number.
//!
//! The crate does no IO and is shared by the report and, later, the web app.

mod format;

use std::fmt;
use std::str::FromStr;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

pub use format::{Date, NumberStyle};

/// Everything that can go wrong here.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum I18nError {
    #[error("unknown language `{0}`: expected en, fr, it or et")]
    UnknownLocale(String),
    #[error("invalid fluent file for {locale}: {reason}")]
    InvalidResource { locale: Locale, reason: String },
}

/// The languages Bellwether speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    En,
    Fr,
    It,
    Et,
}

impl Locale {
    /// Every locale, English first.
    pub const ALL: [Locale; 4] = [Locale::En, Locale::Fr, Locale::It, Locale::Et];

    /// The BCP 47 language tag (`en`, `fr`, `it`, `et`).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::It => "it",
            Locale::Et => "et",
        }
    }

    /// The Fluent source of this locale's messages.
    pub fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("../locales/en.ftl"),
            Locale::Fr => include_str!("../locales/fr.ftl"),
            Locale::It => include_str!("../locales/it.ftl"),
            Locale::Et => include_str!("../locales/et.ftl"),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Locale {
    type Err = I18nError;

    fn from_str(text: &str) -> Result<Locale, I18nError> {
        let lower = text.trim().to_ascii_lowercase();
        let language = lower.split(['-', '_']).next().unwrap_or_default();
        Locale::ALL
            .into_iter()
            .find(|locale| locale.tag() == language)
            .ok_or_else(|| I18nError::UnknownLocale(text.to_string()))
    }
}

/// One locale's messages, ready to format.
pub struct Messages {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
}

impl fmt::Debug for Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messages")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

impl Messages {
    /// The messages of `locale`; fails only if its compiled-in `.ftl` does not parse
    /// (a test checks that every one does).
    pub fn new(locale: Locale) -> Result<Messages, I18nError> {
        let invalid = |reason: String| I18nError::InvalidResource { locale, reason };
        let resource = FluentResource::try_new(locale.source().to_string())
            .map_err(|(_, errors)| invalid(format!("{errors:?}")))?;
        let language = locale
            .tag()
            .parse::<unic_langid::LanguageIdentifier>()
            .map_err(|error| invalid(error.to_string()))?;
        let mut bundle = FluentBundle::new(vec![language]);
        // Isolation marks (U+2068/U+2069) around arguments would end up in the HTML and the
        // terminal; every argument here is left-to-right text.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|errors| invalid(format!("{errors:?}")))?;
        Ok(Messages { locale, bundle })
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Whether `key` has a message in this locale.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    /// The message `key` with string arguments; a missing key or argument shows as
    /// `{key}` in the text rather than failing, and [`Messages::try_get`] reports it.
    pub fn get(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.try_get(key, args)
            .unwrap_or_else(|_| format!("{{{key}}}"))
    }

    /// Like [`Messages::get`], but an error names what is missing.
    pub fn try_get(&self, key: &str, args: &[(&str, &str)]) -> Result<String, String> {
        let message = self
            .bundle
            .get_message(key)
            .ok_or_else(|| format!("no message `{key}` in {}", self.locale))?;
        let pattern = message
            .value()
            .ok_or_else(|| format!("message `{key}` has no value in {}", self.locale))?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        if errors.is_empty() {
            Ok(text.into_owned())
        } else {
            Err(format!("message `{key}` in {}: {errors:?}", self.locale))
        }
    }

    /// A number with `decimals` digits after the decimal separator.
    pub fn number(&self, value: f64, decimals: usize) -> String {
        format::number(self.locale, value, decimals)
    }

    /// A share in [0, 1] as a percentage with `decimals` digits (0.123 → "12.3%").
    pub fn percent(&self, share: f64, decimals: usize) -> String {
        format::percent(self.locale, share, decimals)
    }

    /// An amount of money with its currency (an ISO 4217 code), without cents.
    pub fn currency(&self, amount: f64, currency: &str) -> String {
        format::currency(self.locale, amount, currency, 0)
    }

    /// A calendar date, spelled per locale (en "Nov 23, 2026", fr "23 nov. 2026").
    pub fn date(&self, date: Date) -> String {
        format::date(self.locale, date)
    }
}

/// Every message key of `source` (a Fluent file), in file order.
pub fn message_keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('='))
        .map(|(key, _)| key.trim().to_string())
        .collect()
}

/// The `$variables` a message of `source` uses, for checking that translations take
/// the same arguments.
pub fn message_variables(source: &str, key: &str) -> Vec<String> {
    let mut in_message = false;
    let mut variables = Vec::new();
    for line in source.lines() {
        if line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            in_message = line
                .split_once('=')
                .is_some_and(|(name, _)| name.trim() == key);
        }
        if in_message {
            let mut rest = line;
            while let Some(index) = rest.find('$') {
                rest = &rest[index + 1..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if !name.is_empty() && !variables.contains(&name) {
                    variables.push(name);
                }
            }
        }
    }
    variables.sort();
    variables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_parses_and_has_every_key() {
        let english = message_keys(Locale::En.source());
        assert!(english.len() > 50, "only {} keys in en.ftl", english.len());
        for locale in Locale::ALL {
            let messages = Messages::new(locale).unwrap();
            let keys = message_keys(locale.source());
            for key in &english {
                assert!(messages.has(key), "`{key}` is missing from {locale}.ftl");
                assert_eq!(
                    message_variables(locale.source(), key),
                    message_variables(Locale::En.source(), key),
                    "`{key}` takes other arguments in {locale}.ftl than in en.ftl"
                );
            }
            for key in &keys {
                assert!(
                    english.contains(key),
                    "`{key}` is in {locale}.ftl but not in en.ftl"
                );
            }
            let mut seen = std::collections::HashSet::new();
            for key in &keys {
                assert!(seen.insert(key), "`{key}` is defined twice in {locale}.ftl");
            }
        }
    }

    #[test]
    fn every_message_formats_with_its_arguments() {
        for locale in Locale::ALL {
            let messages = Messages::new(locale).unwrap();
            for key in message_keys(locale.source()) {
                let variables = message_variables(locale.source(), &key);
                let args: Vec<(&str, &str)> =
                    variables.iter().map(|name| (name.as_str(), "7")).collect();
                let text = messages
                    .try_get(&key, &args)
                    .unwrap_or_else(|error| panic!("{error}"));
                assert!(!text.trim().is_empty(), "`{key}` is empty in {locale}");
            }
        }
    }

    #[test]
    fn missing_key_is_reported() {
        let messages = Messages::new(Locale::Fr).unwrap();
        assert_eq!(messages.get("no-such-key", &[]), "{no-such-key}");
        assert!(messages
            .try_get("no-such-key", &[])
            .unwrap_err()
            .contains("no message"));
    }

    #[test]
    fn locales_parse_from_tags() {
        assert_eq!("fr-FR".parse::<Locale>(), Ok(Locale::Fr));
        assert_eq!("ET".parse::<Locale>(), Ok(Locale::Et));
        assert_eq!(
            "de".parse::<Locale>(),
            Err(I18nError::UnknownLocale("de".to_string()))
        );
    }
}
