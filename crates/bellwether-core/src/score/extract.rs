//! One pass over the customers that reads everything scoring needs into compact columns.
//!
//! Customers keep their labels and attributes behind pointers, so each pass over a large base
//! waits on memory; reading the criteria, the Gower features and the reputation signals together,
//! in parallel chunks, touches each customer once. Each chunk interns labels on its own; the
//! chunks' ids are then mapped to global ones in chunk order, which gives the same first-seen
//! order as a single sequential pass.

use std::ops::Range;

use rayon::prelude::*;

use crate::model::{AttrValue, CustomerRecord};

use super::criteria::AudienceCriteria;
use super::reputation::signal_value;
use super::typicality::{log_size, Feature, FeatureColumn, LabelInterner, MISSING_CATEGORY};

/// Marks, in a chunk's attribute labels, a value that is a number (kept in `numbers`).
const NUMBER_VALUE: u32 = MISSING_CATEGORY - 1;

/// Everything read from the customers.
pub(crate) struct Extracted {
    pub(crate) criteria_scores: Vec<f64>,
    /// Interned industry of each customer, [`MISSING_CATEGORY`] when it has none.
    pub(crate) industry_ids: Vec<u32>,
    pub(crate) industries: LabelInterner,
    /// Employees, annual revenue, industry, country, then the audience attributes.
    pub(crate) features: Vec<Feature>,
    /// One column per signal name (in the order given), `NaN` where missing.
    pub(crate) signal_columns: Vec<Vec<f64>>,
}

/// An audience attribute as read by one chunk.
#[derive(Default)]
struct AttributeChunk {
    numbers: Vec<f64>,
    /// Local label id, [`NUMBER_VALUE`] for a number, [`MISSING_CATEGORY`] when missing.
    labels: Vec<u32>,
    interner: LabelInterner,
    any_present: bool,
    all_numbers: bool,
}

/// What one chunk of customers reads.
#[derive(Default)]
struct Chunk {
    criteria: Vec<f64>,
    industry: Vec<u32>,
    industries: LabelInterner,
    country: Vec<u32>,
    countries: LabelInterner,
    employees: Vec<f64>,
    revenue: Vec<f64>,
    attributes: Vec<AttributeChunk>,
    signals: Vec<Vec<f64>>,
}

fn read_chunk(
    records: &[CustomerRecord],
    range: Range<usize>,
    criteria: &AudienceCriteria,
    attribute_names: &[&str],
    signal_names: &[&str],
) -> Chunk {
    let size = range.len();
    let mut chunk = Chunk {
        criteria: Vec::with_capacity(size),
        industry: Vec::with_capacity(size),
        country: Vec::with_capacity(size),
        employees: Vec::with_capacity(size),
        revenue: Vec::with_capacity(size),
        attributes: attribute_names
            .iter()
            .map(|_| AttributeChunk {
                numbers: Vec::with_capacity(size),
                labels: Vec::with_capacity(size),
                all_numbers: true,
                ..AttributeChunk::default()
            })
            .collect(),
        signals: vec![vec![f64::NAN; size]; signal_names.len()],
        ..Chunk::default()
    };
    for (offset, record) in records[range].iter().enumerate() {
        let customer = &record.customer;
        chunk.criteria.push(criteria.score(customer));
        chunk.industry.push(
            customer
                .industry
                .as_deref()
                .and_then(|label| chunk.industries.intern(label))
                .unwrap_or(MISSING_CATEGORY),
        );
        chunk.country.push(
            customer
                .country
                .as_deref()
                .and_then(|label| chunk.countries.intern(label))
                .unwrap_or(MISSING_CATEGORY),
        );
        chunk.employees.push(log_size(customer.employees));
        chunk.revenue.push(log_size(customer.annual_revenue));
        for (attribute, name) in chunk.attributes.iter_mut().zip(attribute_names) {
            let value = customer.attributes.get(*name);
            let (number, label) = match value {
                None => (f64::NAN, MISSING_CATEGORY),
                Some(AttrValue::Number(number)) => (*number, NUMBER_VALUE),
                Some(AttrValue::Text(text)) => (
                    f64::NAN,
                    attribute.interner.intern(text).unwrap_or(MISSING_CATEGORY),
                ),
                Some(other) => (
                    f64::NAN,
                    attribute
                        .interner
                        .intern(&other.as_text())
                        .unwrap_or(MISSING_CATEGORY),
                ),
            };
            if let Some(value) = value {
                attribute.any_present = true;
                attribute.all_numbers &= matches!(value, AttrValue::Number(_));
            }
            attribute.numbers.push(number);
            attribute.labels.push(label);
        }
        // Signal names are sorted, and so are the attributes: one merge finds them all.
        let mut attributes = customer.attributes.iter().peekable();
        for (signal_index, name) in signal_names.iter().enumerate() {
            while attributes
                .next_if(|(key, _)| key.as_str() < *name)
                .is_some()
            {}
            if let Some((_, value)) = attributes.next_if(|(key, _)| key.as_str() == *name) {
                if let Some(value) = signal_value(Some(value)) {
                    chunk.signals[signal_index][offset] = value;
                }
            }
        }
    }
    chunk
}

/// Maps a chunk's local label ids to global ones, interning its labels in first-seen order.
fn global_ids(global: &mut LabelInterner, local: &LabelInterner) -> Vec<u32> {
    local
        .display
        .iter()
        .map(|label| global.intern(label).unwrap_or(MISSING_CATEGORY))
        .collect()
}

fn remap(local_ids: &[u32], mapping: &[u32], into: &mut Vec<u32>) {
    into.extend(local_ids.iter().map(|id| {
        mapping
            .get(*id as usize)
            .copied()
            .unwrap_or(MISSING_CATEGORY)
    }));
}

/// Reads the customers; `signal_names` must be sorted.
pub(crate) fn extract(
    records: &[CustomerRecord],
    criteria: &AudienceCriteria,
    attribute_names: &[&str],
    signal_names: &[&str],
    min_per_thread: usize,
) -> Extracted {
    let n = records.len();
    // One chunk per thread; the chunks' labels are merged below in chunk order, so the result
    // does not depend on the number of chunks.
    let n_chunks = rayon::current_num_threads()
        .min(n / min_per_thread.max(1))
        .max(1);
    let chunk_size = n.div_ceil(n_chunks).max(1);
    let chunks: Vec<_> = (0..n_chunks)
        .into_par_iter()
        .map(|chunk_index| {
            let start = (chunk_index * chunk_size).min(n);
            read_chunk(
                records,
                start..((chunk_index + 1) * chunk_size).min(n),
                criteria,
                attribute_names,
                signal_names,
            )
        })
        .collect();

    let mut criteria_scores = Vec::with_capacity(n);
    let mut industry_ids = Vec::with_capacity(n);
    let mut country_ids = Vec::with_capacity(n);
    let mut employees = Vec::with_capacity(n);
    let mut revenue = Vec::with_capacity(n);
    let mut industries = LabelInterner::default();
    let mut countries = LabelInterner::default();
    let mut signal_columns: Vec<Vec<f64>> =
        signal_names.iter().map(|_| Vec::with_capacity(n)).collect();
    for chunk in &chunks {
        criteria_scores.extend_from_slice(&chunk.criteria);
        remap(
            &chunk.industry,
            &global_ids(&mut industries, &chunk.industries),
            &mut industry_ids,
        );
        remap(
            &chunk.country,
            &global_ids(&mut countries, &chunk.countries),
            &mut country_ids,
        );
        employees.extend_from_slice(&chunk.employees);
        revenue.extend_from_slice(&chunk.revenue);
        for (column, part) in signal_columns.iter_mut().zip(&chunk.signals) {
            column.extend_from_slice(part);
        }
    }

    let mut features = vec![
        Feature {
            name: "employees".into(),
            column: FeatureColumn::Numeric(employees),
        },
        Feature {
            name: "annual revenue".into(),
            column: FeatureColumn::Numeric(revenue),
        },
        Feature {
            name: "industry".into(),
            column: FeatureColumn::Categorical(industry_ids.clone()),
        },
        Feature {
            name: "country".into(),
            column: FeatureColumn::Categorical(country_ids),
        },
    ];
    for (attribute_index, name) in attribute_names.iter().enumerate() {
        let parts: Vec<&AttributeChunk> = chunks
            .iter()
            .map(|chunk| &chunk.attributes[attribute_index])
            .collect();
        let any_present = parts.iter().any(|part| part.any_present);
        let all_numbers = parts.iter().all(|part| part.all_numbers);
        let column = if any_present && all_numbers {
            // Numeric: every value present is a number; non-finite ones count as missing.
            FeatureColumn::Numeric(
                parts
                    .iter()
                    .flat_map(|part| {
                        part.numbers.iter().map(|number| {
                            if number.is_finite() {
                                *number
                            } else {
                                f64::NAN
                            }
                        })
                    })
                    .collect(),
            )
        } else {
            // Categorical by text, numbers included as they read.
            let mut interner = LabelInterner::default();
            let mut ids = Vec::with_capacity(n);
            for part in &parts {
                let mapping = global_ids(&mut interner, &part.interner);
                for (label, number) in part.labels.iter().zip(&part.numbers) {
                    ids.push(match *label {
                        MISSING_CATEGORY => MISSING_CATEGORY,
                        NUMBER_VALUE => interner
                            .intern(&AttrValue::Number(*number).as_text())
                            .unwrap_or(MISSING_CATEGORY),
                        local => mapping
                            .get(local as usize)
                            .copied()
                            .unwrap_or(MISSING_CATEGORY),
                    });
                }
            }
            FeatureColumn::Categorical(ids)
        };
        features.push(Feature {
            name: (*name).to_string(),
            column,
        });
    }
    Extracted {
        criteria_scores,
        industry_ids,
        industries,
        features,
        signal_columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Customer;
    use crate::score::typicality::{build_features, intern_labels};

    /// Customers with repeated, differently spelled, missing and mixed-type values.
    fn records(n: usize) -> Vec<CustomerRecord> {
        (0..n)
            .map(|index| {
                let mut customer = Customer {
                    industry: [
                        Some("Banking"),
                        Some("banking "),
                        Some("Bakery"),
                        None,
                        Some("Retail"),
                        Some(" "),
                    ][index % 6]
                        .map(str::to_string),
                    country: [Some("US"), Some("fr"), None, Some("FR")][index % 4]
                        .map(str::to_string),
                    employees: (index % 5 != 0).then_some((index * 37 % 1000) as f64),
                    annual_revenue: (index % 7 != 0)
                        .then_some((index * 7919 % 100_000) as f64 - 50.0),
                    ..Customer::default()
                };
                let attributes = &mut customer.attributes;
                attributes.insert("tier".into(), AttrValue::Number((index % 3) as f64));
                match index % 4 {
                    0 => attributes.insert(
                        "system".into(),
                        AttrValue::Text(["Oracle", "ORACLE", "Fiserv"][index % 3].into()),
                    ),
                    1 => attributes.insert("system".into(), AttrValue::Number((index % 2) as f64)),
                    2 => attributes.insert("system".into(), AttrValue::Bool(index % 3 == 0)),
                    _ => None,
                };
                if index % 3 != 0 {
                    attributes.insert("awards".into(), AttrValue::Number((index % 11) as f64));
                }
                attributes.insert("rank".into(), AttrValue::Text(format!("{}", index % 13)));
                CustomerRecord {
                    customer,
                    stats: Default::default(),
                }
            })
            .collect()
    }

    /// Whether two id columns group the customers the same way.
    fn same_partition(left: &[u32], right: &[u32]) -> bool {
        let mut forward = std::collections::HashMap::new();
        let mut backward = std::collections::HashMap::new();
        left.len() == right.len()
            && left.iter().zip(right).all(|(a, b)| {
                *forward.entry(*a).or_insert(*b) == *b && *backward.entry(*b).or_insert(*a) == *a
            })
    }

    #[test]
    fn chunked_extraction_matches_one_pass_per_feature() {
        let config = crate::Config::from_toml("[audience]\nindustries = [\"Banking\"]\nemployees = [10, 500]\n[audience.attributes]\nsystem = [\"oracle\", 1]\ntier = [2]\n").unwrap();
        let criteria = AudienceCriteria::new(&config.audience);
        let records = records(500);
        let attribute_names = ["system", "tier"];
        let signal_names = ["awards", "rank"];
        // Chunks of at least 7 customers: several threads on any machine with more than one core.
        let extracted = extract(&records, &criteria, &attribute_names, &signal_names, 7);

        let criteria_scores: Vec<f64> = records
            .iter()
            .map(|record| criteria.score(&record.customer))
            .collect();
        assert_eq!(extracted.criteria_scores, criteria_scores);
        let mut industries = LabelInterner::default();
        let industry_ids = intern_labels(
            records
                .iter()
                .map(|record| record.customer.industry.as_deref()),
            &mut industries,
        );
        assert_eq!(extracted.industry_ids, industry_ids);
        assert_eq!(extracted.industries.display, industries.display);
        let expected = build_features(&records, &industry_ids, &attribute_names);
        assert_eq!(extracted.features.len(), expected.len());
        for (got, want) in extracted.features.iter().zip(&expected) {
            assert_eq!(got.name, want.name);
            match (&got.column, &want.column) {
                (FeatureColumn::Numeric(got), FeatureColumn::Numeric(want)) => {
                    assert!(
                        got.iter()
                            .zip(want)
                            .all(|(a, b)| a.to_bits() == b.to_bits())
                            && got.len() == want.len(),
                        "{}",
                        got.len()
                    );
                }
                (FeatureColumn::Categorical(got), FeatureColumn::Categorical(want)) => {
                    assert!(same_partition(got, want))
                }
                _ => panic!("feature {} changed kind", got.name),
            }
        }
        for (column, name) in extracted.signal_columns.iter().zip(signal_names) {
            let want: Vec<f64> = records
                .iter()
                .map(|record| {
                    signal_value(record.customer.attributes.get(name)).unwrap_or(f64::NAN)
                })
                .collect();
            assert!(
                column
                    .iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
                    && column.len() == want.len(),
                "{name}"
            );
        }
    }
}
