//! Grouping many requests into needs, and finding the requests that express one requirement.
//!
//! Grouping is leader clustering, made fast by working on distinct signatures:
//! 1. requests with the same concept set form one bucket (100,000 requests of one product have a
//!    few thousand distinct concept sets), biggest bucket first;
//! 2. each bucket joins the most similar existing group leader that shares one of its strongest
//!    concepts, if the similarity reaches the matcher's threshold, or leads a new group;
//! 3. requests without any concept are grouped the same way by their exact trigram set, then by
//!    trigram similarity to leaders found through an inverted index of their rarer trigrams.
//!
//! The order is fixed (bucket size, then first request), so the same input gives the same groups.

use std::collections::HashMap;

use crate::matcher::{NeedMatcher, Representation};

/// Concepts at least this heavy are used to find candidate leaders when a set has one.
const STRONG_CONCEPT_WEIGHT: f64 = 1.0;
/// Trigrams shared by more leaders than this are too common to find candidates with.
const MAX_TRIGRAM_POSTINGS: usize = 64;
/// Candidate leaders compared per trigram bucket, the ones sharing most trigrams.
const MAX_TRIGRAM_CANDIDATES: usize = 8;

/// What identical requests share: their concepts when they have any (`true`), else their language
/// and trigrams (`false`).
type Signature<'a> = (&'a [u32], bool, Option<crate::Language>, &'a [u32]);

/// One need: the requests grouped under it.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedGroup {
    /// Indexes of the member requests, ascending.
    pub members: Vec<usize>,
    /// The leader's representation's index (the first request of the biggest bucket).
    pub leader: usize,
    /// The group's concepts with how many members mention each, most frequent first.
    pub concepts: Vec<(u32, usize)>,
}

/// Groups `representations` into needs (see the module documentation); groups come largest first.
pub fn group_needs(
    matcher: &dyn NeedMatcher,
    representations: &[Representation],
) -> Vec<NeedGroup> {
    let weights = matcher.concept_weights();
    let threshold = matcher.threshold();

    // Buckets of identical signatures: concepts when there are any, else language and trigrams.
    let mut bucket_of: HashMap<Signature<'_>, usize> = HashMap::new();
    let mut buckets: Vec<Vec<usize>> = Vec::new();
    for (index, representation) in representations.iter().enumerate() {
        let key = if representation.concepts.is_empty() {
            (
                &[][..],
                false,
                representation.language,
                representation.trigrams.as_slice(),
            )
        } else {
            (representation.concepts.as_slice(), true, None, &[][..])
        };
        let bucket = *bucket_of.entry(key).or_insert_with(|| {
            buckets.push(Vec::new());
            buckets.len() - 1
        });
        buckets[bucket].push(index);
    }
    buckets.sort_by(|left, right| right.len().cmp(&left.len()).then(left[0].cmp(&right[0])));

    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut leaders: Vec<usize> = Vec::new();
    let mut by_concept: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut by_trigram: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut seen = vec![usize::MAX; 0];
    let mut shared_counts: HashMap<usize, usize> = HashMap::new();

    for bucket in &buckets {
        let representation = &representations[bucket[0]];
        let mut best: Option<(f64, usize)> = None;
        let consider = |group: usize, best: &mut Option<(f64, usize)>| {
            let similarity = matcher.similarity(representation, &representations[leaders[group]]);
            if similarity >= threshold && best.is_none_or(|(top, _)| similarity > top) {
                *best = Some((similarity, group));
            }
        };
        if !representation.concepts.is_empty() {
            let strongest = representation
                .concepts
                .iter()
                .map(|&concept| weight_of(weights, concept))
                .fold(0.0, f64::max);
            let floor = strongest.min(STRONG_CONCEPT_WEIGHT);
            seen.resize(leaders.len(), usize::MAX);
            for &concept in &representation.concepts {
                if weight_of(weights, concept) < floor {
                    continue;
                }
                for &group in by_concept.get(&concept).map_or(&[][..], Vec::as_slice) {
                    if seen[group] != bucket[0] {
                        seen[group] = bucket[0];
                        consider(group, &mut best);
                    }
                }
            }
        } else {
            shared_counts.clear();
            for gram in &representation.trigrams {
                if let Some(postings) = by_trigram.get(gram) {
                    if postings.len() <= MAX_TRIGRAM_POSTINGS {
                        for &group in postings {
                            *shared_counts.entry(group).or_default() += 1;
                        }
                    }
                }
            }
            let mut candidates: Vec<(usize, usize)> = shared_counts
                .iter()
                .map(|(&group, &count)| (count, group))
                .collect();
            candidates.sort_unstable_by(|left, right| right.cmp(left));
            for &(_, group) in candidates.iter().take(MAX_TRIGRAM_CANDIDATES) {
                consider(group, &mut best);
            }
        }
        match best {
            Some((_, group)) => groups[group].extend_from_slice(bucket),
            None => {
                let group = groups.len();
                groups.push(bucket.clone());
                leaders.push(bucket[0]);
                if representation.concepts.is_empty() {
                    for gram in &representation.trigrams {
                        by_trigram.entry(*gram).or_default().push(group);
                    }
                } else {
                    for concept in &representation.concepts {
                        by_concept.entry(*concept).or_default().push(group);
                    }
                }
            }
        }
    }

    let mut needs: Vec<NeedGroup> = groups
        .into_iter()
        .zip(leaders)
        .map(|(mut members, leader)| {
            members.sort_unstable();
            let mut counts: HashMap<u32, usize> = HashMap::new();
            for &member in &members {
                for &concept in &representations[member].concepts {
                    *counts.entry(concept).or_default() += 1;
                }
            }
            let mut concepts: Vec<(u32, usize)> = counts.into_iter().collect();
            concepts.sort_by(|left, right| {
                let score =
                    |(concept, count): &(u32, usize)| *count as f64 * weight_of(weights, *concept);
                score(right)
                    .total_cmp(&score(left))
                    .then(left.0.cmp(&right.0))
            });
            NeedGroup {
                members,
                leader,
                concepts,
            }
        })
        .collect();
    needs.sort_by(|left, right| {
        right
            .members
            .len()
            .cmp(&left.members.len())
            .then(left.members[0].cmp(&right.members[0]))
    });
    needs
}

fn weight_of(weights: &[f64], concept: u32) -> f64 {
    weights.get(concept as usize).copied().unwrap_or(1.0)
}

/// Indexes of the representations that express the same need as `query`, ascending.
pub fn matching_requests(
    matcher: &dyn NeedMatcher,
    query: &Representation,
    representations: &[Representation],
) -> Vec<usize> {
    let threshold = matcher.threshold();
    representations
        .iter()
        .enumerate()
        .filter(|(_, representation)| matcher.similarity(query, representation) >= threshold)
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GlossaryMatcher;

    #[test]
    fn requests_group_by_need_across_languages() {
        let matcher = GlossaryMatcher::shipped();
        let texts = [
            "We need single sign-on (SAML).",
            "Export du journal d'audit vers notre SIEM.",
            "Authentification unique avec Okta svp",
            "Vajame ühekordset sisselogimist.",
            "Esportazione del registro di audit.",
            "zzz qqq",
        ];
        let representations: Vec<Representation> = texts
            .iter()
            .map(|text| matcher.represent(text, None))
            .collect();
        let groups = group_needs(&matcher, &representations);
        let members: Vec<Vec<usize>> = groups.iter().map(|group| group.members.clone()).collect();
        assert_eq!(members, [vec![0, 2, 3], vec![1, 4], vec![5]]);
        assert_eq!(matcher.concept_label(groups[0].concepts[0].0), "sso");
        assert_eq!(
            matching_requests(&matcher, &representations[0], &representations),
            [0, 2, 3]
        );
    }
}
