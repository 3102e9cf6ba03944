//! Stemming: Snowball for English, French and Italian; suffix stripping for Estonian.
//!
//! Estonian has fourteen cases, each with singular and plural forms, and builds compounds freely
//! ("auditilogi", "hulgiimport"); no Snowball stemmer ships for it in `rust-stemmers`. Rather than
//! pretend, [`stem_estonian`] strips the longest ending of a documented list (case endings, the
//! plural markers, and the `-mine` verbal noun, which carries most product words such as
//! "sisselogimine") and keeps at least four letters. The glossary then matches Estonian terms as
//! prefixes of a word's stem, or as the tail of a compound (see `glossary`), which covers forms the
//! list misses ("sisselogimiseta" and "sisselogimist" both reach "sisselogi").

use rust_stemmers::{Algorithm, Stemmer};

use crate::Language;

/// Estonian endings; the longest that leaves a long enough stem is stripped.
///
/// Cases (singular, then plural with `-de`/`-te`): comitative `-ga`, abessive `-ta`, essive `-na`,
/// terminative `-ni`, translative `-ks`, allative `-le`, adessive `-l`, ablative `-lt`, illative
/// `-sse`, inessive `-s`, elative `-st`; partitive `-t`, `-d`, `-id`, `-sid`; nominative plural `-d`;
/// the verbal noun `-mine` (`-mise`, `-mist`), the `-ne` adjectives (`-se`, `-set`, `-sed`) and the
/// genitive vowel.
const ESTONIAN_ENDINGS: &[&str] = &[
    "misega", "miseta", "miseks", "misele", "misest", "misesse", "mistega", "desse", "tesse",
    "dega", "tega", "deta", "teta", "dena", "tena", "deni", "teni", "deks", "teks", "dele", "tele",
    "delt", "telt", "dest", "test", "mine", "mise", "mist", "sse", "sid", "des", "tes", "del",
    "tel", "set", "sed", "seid", "ne", "se", "ga", "ta", "na", "ni", "ks", "le", "lt", "st", "id",
    "de", "te", "s", "l", "d", "t", "e", "i", "a", "u",
];

/// Letters an Estonian stem keeps at least.
const ESTONIAN_MIN_STEM: usize = 4;

/// The stem of one folded Estonian word (see the module documentation).
pub fn stem_estonian(word: &str) -> &str {
    ESTONIAN_ENDINGS
        .iter()
        .filter_map(|ending| word.strip_suffix(ending))
        .filter(|stem| stem.chars().count() >= ESTONIAN_MIN_STEM)
        .min_by_key(|stem| stem.len())
        .unwrap_or(word)
}

/// Stemmers for every language, built once.
pub struct Stemmers {
    english: Stemmer,
    french: Stemmer,
    italian: Stemmer,
}

impl Default for Stemmers {
    fn default() -> Self {
        Stemmers {
            english: Stemmer::create(Algorithm::English),
            french: Stemmer::create(Algorithm::French),
            italian: Stemmer::create(Algorithm::Italian),
        }
    }
}

impl Stemmers {
    /// The stem of one folded word in `language`.
    pub fn stem(&self, language: Language, word: &str) -> String {
        match language {
            Language::English => self.english.stem(word).into_owned(),
            Language::French => self.french.stem(word).into_owned(),
            Language::Italian => self.italian.stem(word).into_owned(),
            Language::Estonian => stem_estonian(word).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estonian_forms_reach_one_stem_prefix() {
        for form in [
            "sisselogimine",
            "sisselogimist",
            "sisselogimiseta",
            "sisselogimisega",
        ] {
            assert_eq!(stem_estonian(form), "sisselogi", "{form}");
        }
        assert!(stem_estonian("auditilogisid").starts_with("auditilog"));
        assert_eq!(stem_estonian("api"), "api");
        for form in ["ühekordne", "ühekordse", "ühekordset"] {
            assert_eq!(stem_estonian(form), "ühekord", "{form}");
        }
    }

    #[test]
    fn snowball_stems_inflections_together() {
        let stemmers = Stemmers::default();
        assert_eq!(
            stemmers.stem(Language::French, "authentification"),
            stemmers.stem(Language::French, "authentifications")
        );
        assert_eq!(
            stemmers.stem(Language::Italian, "regole"),
            stemmers.stem(Language::Italian, "regola")
        );
        assert_eq!(
            stemmers.stem(Language::English, "webhooks"),
            stemmers.stem(Language::English, "webhook")
        );
    }
}
