//! Matching feature requests to product needs across English, French, Italian and Estonian,
//! offline: no model download, no network, no IO.
//!
//! - [`text`]: Unicode folding (NFKD, accents dropped, lower case), words, character trigrams.
//! - [`language`]: the four languages and their detection (whatlang, or the export's column).
//! - [`stem`]: Snowball stemmers for English, French and Italian; Estonian suffix stripping.
//! - [`glossary`]: the shipped, user-extensible multilingual glossary of product vocabulary.
//! - [`matcher`]: the [`NeedMatcher`] trait and the [`GlossaryMatcher`] behind it.
//! - [`group`]: grouping many requests into needs; the requests matching one requirement.
//! - [`reach`]: reach of a requirement, its label and a collaboration's generality index.

pub mod glossary;
pub mod group;
pub mod language;
pub mod matcher;
pub mod reach;
pub mod stem;
pub mod text;

pub use glossary::{Concept, Glossary, SHIPPED_GLOSSARY};
pub use group::{group_needs, matching_requests, NeedGroup};
pub use language::{detect, Language};
pub use matcher::{
    GlossaryMatcher, GlossaryMatcherOptions, NeedMatcher, Representation, WordCache,
};
pub use reach::{generality_index, reach_of, Audience, Generality, Reach};

/// Why a matcher could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("invalid glossary: {0}")]
    Glossary(String),
}
