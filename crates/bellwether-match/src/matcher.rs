//! The matcher: a request's text becomes a [`Representation`], and two representations get a
//! similarity in [0, 1]; "same need" is a similarity at or above the matcher's threshold.
//!
//! [`NeedMatcher`] is the seam for other matchers: an embedding model read from a local file
//! would fill [`Representation::vector`] and compare vectors, alone or blended with the glossary,
//! while grouping and reach stay as they are.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::glossary::{Glossary, WordForms};
use crate::language::detect;
use crate::stem::Stemmers;
use crate::text::{fold, set_cosine, trigrams, words};
use crate::Language;

/// What a matcher keeps of one text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Representation {
    /// The detected (or given) language, if any of the four.
    pub language: Option<Language>,
    /// Glossary concepts found in the text, sorted, without duplicates.
    pub concepts: Vec<u32>,
    /// Hashed character trigrams of the folded words, sorted, without duplicates.
    pub trigrams: Vec<u32>,
    /// A dense embedding, for matchers that have one (empty for the glossary matcher).
    pub vector: Vec<f32>,
}

/// Turns texts into representations and compares them.
pub trait NeedMatcher: Sync {
    /// The representation of one request or requirement; `language_hint` is the export's
    /// language column, if any.
    fn represent(&self, text: &str, language_hint: Option<&str>) -> Representation;

    /// Similarity in [0, 1]; symmetric.
    fn similarity(&self, left: &Representation, right: &Representation) -> f64;

    /// Similarity at or above which two texts express the same need.
    fn threshold(&self) -> f64;

    /// The weight of each concept id of [`Representation::concepts`] (empty when the matcher
    /// has no concepts), used to block candidate pairs and to label groups.
    fn concept_weights(&self) -> &[f64];

    /// A readable name for a concept id.
    fn concept_label(&self, concept: u32) -> &str;

    /// Representations of many texts; the default calls [`NeedMatcher::represent`] for each.
    fn represent_all(&self, texts: &[(&str, Option<&str>)]) -> Vec<Representation> {
        texts
            .iter()
            .map(|(text, hint)| self.represent(text, *hint))
            .collect()
    }
}

/// Tuning of the glossary matcher.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlossaryMatcherOptions {
    /// Same need at or above this similarity.
    pub threshold: f64,
    /// Within one language, the character-trigram cosine counts for the similarity when it is at
    /// least this (near-duplicate wording), so texts the glossary misses still match.
    pub trigram_floor: f64,
}

impl Default for GlossaryMatcherOptions {
    fn default() -> Self {
        GlossaryMatcherOptions {
            threshold: 0.5,
            trigram_floor: 0.6,
        }
    }
}

/// The offline matcher: language detection, folding, stemming, glossary concepts and, within one
/// language, character trigrams.
///
/// Similarity is the weighted cosine of the two concept sets (each concept weighs its glossary
/// weight), raised to the trigram cosine when both texts are in the same language and that cosine
/// reaches [`GlossaryMatcherOptions::trigram_floor`].
pub struct GlossaryMatcher {
    glossary: Glossary,
    weights: Vec<f64>,
    stemmers: Stemmers,
    options: GlossaryMatcherOptions,
}

/// Stems of the words seen so far, so a word met a thousand times is stemmed once.
#[derive(Default)]
pub struct WordCache {
    forms: HashMap<String, WordForms>,
}

impl GlossaryMatcher {
    pub fn new(glossary: Glossary, options: GlossaryMatcherOptions) -> GlossaryMatcher {
        let weights = glossary
            .concepts()
            .iter()
            .map(|concept| concept.weight)
            .collect();
        GlossaryMatcher {
            glossary,
            weights,
            stemmers: Stemmers::default(),
            options,
        }
    }

    /// The shipped glossary with default options.
    pub fn shipped() -> GlossaryMatcher {
        GlossaryMatcher::new(Glossary::shipped(), GlossaryMatcherOptions::default())
    }

    pub fn glossary(&self) -> &Glossary {
        &self.glossary
    }

    /// [`NeedMatcher::represent`] with a cache of word stems kept by the caller.
    pub fn represent_cached(
        &self,
        text: &str,
        language_hint: Option<&str>,
        cache: &mut WordCache,
    ) -> Representation {
        let folded = fold(text);
        let folded_words: Vec<&str> = words(&folded).collect();
        for word in &folded_words {
            if !cache.forms.contains_key(*word) {
                cache
                    .forms
                    .insert((*word).to_string(), WordForms::new(word, &self.stemmers));
            }
        }
        let forms: Vec<&WordForms> = folded_words
            .iter()
            .filter_map(|word| cache.forms.get(*word))
            .collect();
        let concepts = self.glossary.find_concepts(&folded_words, &forms);
        Representation {
            language: detect(text, language_hint),
            concepts,
            trigrams: trigrams(folded_words.iter().copied()),
            vector: Vec::new(),
        }
    }

    /// Weighted cosine of two sorted concept sets.
    fn concept_cosine(&self, left: &[u32], right: &[u32]) -> f64 {
        if left.is_empty() || right.is_empty() {
            return 0.0;
        }
        let norm = |concepts: &[u32]| {
            concepts
                .iter()
                .map(|&concept| self.weights[concept as usize].powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let (mut i, mut j, mut shared) = (0, 0, 0.0);
        while i < left.len() && j < right.len() {
            match left[i].cmp(&right[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += self.weights[left[i] as usize].powi(2);
                    i += 1;
                    j += 1;
                }
            }
        }
        (shared / (norm(left) * norm(right))).clamp(0.0, 1.0)
    }
}

impl NeedMatcher for GlossaryMatcher {
    fn represent(&self, text: &str, language_hint: Option<&str>) -> Representation {
        self.represent_cached(text, language_hint, &mut WordCache::default())
    }

    fn represent_all(&self, texts: &[(&str, Option<&str>)]) -> Vec<Representation> {
        // A word cache per rayon job; inputs below 2,000 per job are not worth a thread.
        texts
            .par_iter()
            .with_min_len(2_000)
            .map_init(WordCache::default, |cache, (text, hint)| {
                self.represent_cached(text, *hint, cache)
            })
            .collect()
    }

    fn similarity(&self, left: &Representation, right: &Representation) -> f64 {
        let concepts = self.concept_cosine(&left.concepts, &right.concepts);
        if left.language.is_some() && left.language == right.language {
            let grams = set_cosine(&left.trigrams, &right.trigrams);
            if grams >= self.options.trigram_floor {
                return concepts.max(grams);
            }
        }
        concepts
    }

    fn threshold(&self) -> f64 {
        self.options.threshold
    }

    fn concept_weights(&self) -> &[f64] {
        &self.weights
    }

    fn concept_label(&self, concept: u32) -> &str {
        self.glossary
            .concepts()
            .get(concept as usize)
            .map_or("?", |concept| concept.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(matcher: &GlossaryMatcher, left: &str, right: &str) -> bool {
        let left = matcher.represent(left, None);
        let right = matcher.represent(right, None);
        matcher.similarity(&left, &right) >= matcher.threshold()
    }

    #[test]
    fn sso_matches_across_languages_and_not_two_factor() {
        let matcher = GlossaryMatcher::shipped();
        assert!(same(
            &matcher,
            "Please add single sign-on for our staff.",
            "Ilma ühekordse sisselogimiseta ei saa me lahendust kasutada."
        ));
        assert!(same(
            &matcher,
            "Merci d'ajouter l'authentification unique.",
            "Per favore aggiungete il login unico."
        ));
        assert!(!same(
            &matcher,
            "Please add single sign-on for our staff.",
            "Please add two-factor authentication for admins."
        ));
    }

    #[test]
    fn similarity_is_symmetric_and_in_the_unit_interval() {
        let matcher = GlossaryMatcher::shipped();
        let texts = [
            "SSO please",
            "Export du journal d'audit",
            "",
            "hulgiimport CSV-failist",
            "sso sso sso",
        ];
        for left in texts {
            for right in texts {
                let (a, b) = (
                    matcher.represent(left, None),
                    matcher.represent(right, None),
                );
                let forward = matcher.similarity(&a, &b);
                assert_eq!(forward, matcher.similarity(&b, &a));
                assert!(
                    (0.0..=1.0).contains(&forward),
                    "{left} / {right}: {forward}"
                );
            }
        }
    }
}
