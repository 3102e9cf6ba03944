//! The multilingual glossary: product vocabulary mapped to language-independent concepts.
//!
//! A glossary is TOML, one `[[concept]]` table per concept:
//!
//! ```toml
//! [[concept]]
//! id = "sso"                 # stable identifier, shown in `bellwether demand`
//! label = "Single sign-on"   # optional English label
//! weight = 1.0               # optional; generic words (login, export…) weigh less
//! any = ["sso", "saml"]      # tokens that mean the same in every language
//! en = ["single sign on"]
//! fr = ["authentification unique"]
//! it = ["accesso singolo"]
//! et = ["ühekordne sisselogimine"]
//! ```
//!
//! Terms are folded (case, accents) and split into words like requests are, then stemmed in their
//! own language, so "authentifications uniques" matches the French term above. English, French and
//! Italian words match their stems exactly. Estonian words (and `any` words of five letters or more)
//! match as prefixes of a word's stem, or as the tail of a compound ("hulgiimport" contains
//! "import"), because Estonian inflection and compounding outrun any ending list.
//!
//! The shipped glossary ([`SHIPPED_GLOSSARY`]) covers the vocabulary of a fraud and identity
//! product; a user glossary with the same layout adds concepts, or terms to shipped concepts with
//! the same `id`.

use std::collections::HashMap;

use serde::Deserialize;

use crate::stem::{stem_estonian, Stemmers};
use crate::text::{fold, words};
use crate::{Language, MatchError};

/// The glossary compiled into Bellwether.
pub const SHIPPED_GLOSSARY: &str = include_str!("glossary.toml");

/// Words an Estonian or `any` term word needs, at least, to match as a prefix or compound tail.
const PREFIX_MIN_CHARS: usize = 5;
/// Letters of a compound's head before a glossary word may start inside it.
const COMPOUND_MIN_HEAD: usize = 3;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GlossaryFile {
    #[serde(default)]
    concept: Vec<ConceptEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptEntry {
    id: String,
    label: Option<String>,
    weight: Option<f64>,
    #[serde(default)]
    any: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    fr: Vec<String>,
    #[serde(default)]
    it: Vec<String>,
    #[serde(default)]
    et: Vec<String>,
}

/// One concept of the glossary.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    pub id: String,
    pub label: String,
    /// How much sharing this concept says two requests share a need, in (0, 10].
    pub weight: f64,
}

/// Where a term's words come from, which decides how they are stemmed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// English, French or Italian: Snowball stems compared exactly.
    Snowball(Language),
    /// Estonian: suffix-stripped stems, compared as prefixes or compound tails.
    Estonian,
    /// Every language: folded words, compared exactly, or as prefixes when long.
    Any,
}

#[derive(Debug, Clone)]
struct Term {
    concept: u32,
    slot: Slot,
    words: Vec<String>,
}

/// A glossary ready for matching: concepts and an index of their terms.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    concepts: Vec<Concept>,
    terms: Vec<Term>,
    /// First word (exact form) to terms, per slot: English, French, Italian, Estonian, any.
    exact: [HashMap<String, Vec<u32>>; 5],
    /// First four letters of a first word that matches as a prefix, to terms, for Estonian and any.
    prefix: [HashMap<String, Vec<u32>>; 2],
}

/// The stems of one folded word in every slot, computed once per distinct word.
#[derive(Debug, Clone)]
pub(crate) struct WordForms {
    /// English, French, Italian and Estonian stems, in [`Language::ALL`] order.
    pub(crate) stems: [String; 4],
}

impl WordForms {
    pub(crate) fn new(word: &str, stemmers: &Stemmers) -> WordForms {
        WordForms {
            stems: Language::ALL.map(|language| stemmers.stem(language, word)),
        }
    }
}

fn slot_index(slot: Slot) -> usize {
    match slot {
        Slot::Snowball(language) => language.index(),
        Slot::Estonian => 3,
        Slot::Any => 4,
    }
}

fn first_chars(word: &str, n: usize) -> &str {
    match word.char_indices().nth(n) {
        Some((end, _)) => &word[..end],
        None => word,
    }
}

impl Glossary {
    /// The shipped glossary alone.
    pub fn shipped() -> Glossary {
        // The shipped file is tested to parse; an error here is a build defect, not user data.
        Glossary::from_toml_texts(&[SHIPPED_GLOSSARY]).expect("the shipped glossary parses")
    }

    /// The shipped glossary extended by a user glossary's text (`name` names it in errors).
    pub fn shipped_with(user_text: &str, name: &str) -> Result<Glossary, MatchError> {
        let mut files = vec![parse(SHIPPED_GLOSSARY, "shipped glossary")?];
        files.push(parse(user_text, name)?);
        Glossary::from_files(files)
    }

    fn from_toml_texts(texts: &[&str]) -> Result<Glossary, MatchError> {
        let files = texts
            .iter()
            .map(|text| parse(text, "glossary"))
            .collect::<Result<Vec<_>, _>>()?;
        Glossary::from_files(files)
    }

    fn from_files(files: Vec<GlossaryFile>) -> Result<Glossary, MatchError> {
        let stemmers = Stemmers::default();
        let mut glossary = Glossary::default();
        let mut ids: HashMap<String, u32> = HashMap::new();
        for file in files {
            for entry in file.concept {
                if entry.id.trim().is_empty() {
                    return Err(MatchError::Glossary("a concept has an empty `id`".into()));
                }
                let concept = match ids.get(&entry.id) {
                    Some(&concept) => concept,
                    None => {
                        let concept = glossary.concepts.len() as u32;
                        ids.insert(entry.id.clone(), concept);
                        glossary.concepts.push(Concept {
                            id: entry.id.clone(),
                            label: entry.id.replace('_', " "),
                            weight: 1.0,
                        });
                        concept
                    }
                };
                let target = &mut glossary.concepts[concept as usize];
                if let Some(label) = entry.label {
                    target.label = label;
                }
                if let Some(weight) = entry.weight {
                    if !(weight > 0.0 && weight <= 10.0) {
                        return Err(MatchError::Glossary(format!(
                            "concept `{}`: weight {weight} is not in (0, 10]",
                            entry.id
                        )));
                    }
                    target.weight = weight;
                }
                let slots = [
                    (Slot::Any, &entry.any),
                    (Slot::Snowball(Language::English), &entry.en),
                    (Slot::Snowball(Language::French), &entry.fr),
                    (Slot::Snowball(Language::Italian), &entry.it),
                    (Slot::Estonian, &entry.et),
                ];
                for (slot, terms) in slots {
                    for term in terms {
                        glossary.add_term(concept, slot, term, &stemmers);
                    }
                }
            }
        }
        Ok(glossary)
    }

    fn add_term(&mut self, concept: u32, slot: Slot, term: &str, stemmers: &Stemmers) {
        let folded = fold(term);
        let term_words: Vec<String> = words(&folded)
            .map(|word| match slot {
                Slot::Snowball(language) => stemmers.stem(language, word),
                Slot::Estonian => stem_estonian(word).to_string(),
                Slot::Any => word.to_string(),
            })
            .collect();
        let Some(first) = term_words.first() else {
            return;
        };
        let term_idx = self.terms.len() as u32;
        let by_prefix =
            matches!(slot, Slot::Estonian | Slot::Any) && first.chars().count() >= PREFIX_MIN_CHARS;
        if by_prefix {
            let prefix_slot = if slot == Slot::Estonian { 0 } else { 1 };
            self.prefix[prefix_slot]
                .entry(first_chars(first, 4).to_string())
                .or_default()
                .push(term_idx);
        } else {
            self.exact[slot_index(slot)]
                .entry(first.clone())
                .or_default()
                .push(term_idx);
        }
        self.terms.push(Term {
            concept,
            slot,
            words: term_words,
        });
    }

    /// The concepts, indexed by the ids `Glossary::find_concepts` returns.
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// Every concept mentioned in a text, given the forms of its folded words; sorted, no duplicates.
    pub(crate) fn find_concepts(&self, folded_words: &[&str], forms: &[&WordForms]) -> Vec<u32> {
        let mut found = Vec::new();
        let mut candidates: Vec<u32> = Vec::new();
        for position in 0..folded_words.len() {
            candidates.clear();
            let word = folded_words[position];
            let stems = &forms[position].stems;
            for language in [Language::English, Language::French, Language::Italian] {
                if let Some(terms) = self.exact[language.index()].get(&stems[language.index()]) {
                    candidates.extend(terms);
                }
            }
            for key in [word, stems[0].as_str()] {
                if let Some(terms) = self.exact[4].get(key) {
                    candidates.extend(terms);
                }
            }
            if let Some(terms) = self.exact[3].get(&stems[3]) {
                candidates.extend(terms);
            }
            // Prefix and compound-tail look-ups: every start inside the word, from the head on.
            let starts = word
                .char_indices()
                .map(|(start, _)| start)
                .enumerate()
                .filter(|(n_chars, _)| *n_chars == 0 || *n_chars >= COMPOUND_MIN_HEAD)
                .map(|(_, start)| start);
            for start in starts {
                let tail = &word[start..];
                if tail.chars().count() < 4 {
                    break;
                }
                for prefix_slot in 0..2 {
                    if let Some(terms) = self.prefix[prefix_slot].get(first_chars(tail, 4)) {
                        candidates.extend(terms);
                    }
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            for &term_idx in &candidates {
                let term = &self.terms[term_idx as usize];
                if self.term_matches_at(term, folded_words, forms, position) {
                    found.push(term.concept);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    fn term_matches_at(
        &self,
        term: &Term,
        folded_words: &[&str],
        forms: &[&WordForms],
        position: usize,
    ) -> bool {
        if position + term.words.len() > folded_words.len() {
            return false;
        }
        term.words.iter().enumerate().all(|(offset, term_word)| {
            let at = position + offset;
            let word = folded_words[at];
            let stems = &forms[at].stems;
            let long = term_word.chars().count() >= PREFIX_MIN_CHARS;
            match term.slot {
                Slot::Snowball(language) => stems[language.index()] == *term_word,
                Slot::Estonian => {
                    if !long {
                        return stems[3] == *term_word || word == term_word;
                    }
                    // The first word may be a compound's tail; later words must start with it.
                    word.starts_with(term_word.as_str())
                        || (offset == 0 && compound_tail_matches(word, term_word))
                }
                Slot::Any => {
                    word == term_word
                        || stems[0] == *term_word
                        || (long
                            && (word.starts_with(term_word.as_str())
                                || (offset == 0 && compound_tail_matches(word, term_word))))
                }
            }
        })
    }
}

/// Whether `term_word` starts somewhere inside `word` after a head of a few letters.
fn compound_tail_matches(word: &str, term_word: &str) -> bool {
    word.char_indices()
        .skip(COMPOUND_MIN_HEAD)
        .any(|(start, _)| word[start..].starts_with(term_word))
}

fn parse(text: &str, name: &str) -> Result<GlossaryFile, MatchError> {
    toml::from_str(text).map_err(|error| MatchError::Glossary(format!("{name}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concepts_of(glossary: &Glossary, text: &str) -> Vec<String> {
        let stemmers = Stemmers::default();
        let folded = fold(text);
        let folded_words: Vec<&str> = words(&folded).collect();
        let forms: Vec<WordForms> = folded_words
            .iter()
            .map(|word| WordForms::new(word, &stemmers))
            .collect();
        let form_refs: Vec<&WordForms> = forms.iter().collect();
        glossary
            .find_concepts(&folded_words, &form_refs)
            .into_iter()
            .map(|concept| glossary.concepts()[concept as usize].id.clone())
            .collect()
    }

    #[test]
    fn shipped_glossary_parses_and_finds_sso_in_four_languages() {
        let glossary = Glossary::shipped();
        for text in [
            "We need single sign-on",
            "Authentifications uniques pour tous",
            "l'accesso singolo per favore",
            "Ilma ühekordse sisselogimiseta ei saa",
        ] {
            assert!(
                concepts_of(&glossary, text).contains(&"sso".to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn estonian_compound_tails_match() {
        let text = "[[concept]]\nid = \"bulk_import\"\net = [\"import\"]\n";
        let glossary = Glossary::from_toml_texts(&[text]).unwrap();
        assert_eq!(
            concepts_of(&glossary, "hulgiimport CSV-st"),
            ["bulk_import"]
        );
        // The genitive "impordi" reaches the stem "impor" too; an unrelated word does not.
        assert_eq!(concepts_of(&glossary, "impordi"), ["bulk_import"]);
        assert!(concepts_of(&glossary, "imperaator").is_empty());
    }

    #[test]
    fn user_glossary_extends_a_shipped_concept_and_adds_new_ones() {
        let user = "[[concept]]\nid = \"sso\"\nen = [\"one password for everything\"]\n\
                    [[concept]]\nid = \"dark_mode\"\nen = [\"dark mode\"]\n";
        let glossary = Glossary::shipped_with(user, "mine.toml").unwrap();
        assert!(concepts_of(&glossary, "one password for everything").contains(&"sso".to_string()));
        assert_eq!(concepts_of(&glossary, "a dark mode please"), ["dark_mode"]);
    }

    #[test]
    fn bad_glossaries_are_refused_with_the_file_name() {
        let error = Glossary::shipped_with("[[concept]]\nid = \"x\"\nweight = -1\n", "mine.toml")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid glossary: concept `x`: weight -1 is not in (0, 10]"
        );
        let error = Glossary::shipped_with("[[concept]]\nname = 1\n", "mine.toml").unwrap_err();
        assert!(error.to_string().contains("mine.toml"), "{error}");
    }
}
