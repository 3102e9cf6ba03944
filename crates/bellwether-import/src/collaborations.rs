//! `collaborations.csv` and `requirements.csv`: co-design collaborations, read whole.
//!
//! `collaborations.csv` has one row per partner customer: `collaboration_id` and `customer_id` are
//! required, `name` and `started` (a date) optional; a collaboration with several partners repeats
//! its id, and its rows may not disagree on `name` or `started`. `requirements.csv` has
//! `collaboration_id` and `text` (required) and `language` (optional); every requirement must
//! belong to a collaboration of the collaborations file or of the store.

use std::collections::HashMap;
use std::io::Read;

use bellwether_core::{CollaborationPartner, Requirement};

use crate::diagnostic::{ImportError, Parsed};
use crate::header::FieldSpec;
use crate::source::{map_columns, open_source, quote, stream, Lookahead, ReadOptions, Row};
use crate::transactions::CUSTOMER_REFERENCE_ALIASES;

const COLLABORATION_ID: usize = 0;
const CUSTOMER_ID: usize = 1;
const NAME: usize = 2;
const STARTED: usize = 3;

const COLLABORATION_ALIASES: &[&str] = &["collaborationid", "collaboration", "projectid"];

/// The fields of `collaborations.csv`, indexed by the constants above.
const COLLABORATION_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "collaboration_id",
        aliases: COLLABORATION_ALIASES,
        required: true,
    },
    FieldSpec {
        name: "customer_id",
        aliases: CUSTOMER_REFERENCE_ALIASES,
        required: true,
    },
    FieldSpec {
        name: "name",
        aliases: &["name", "collaborationname", "projectname", "title"],
        required: false,
    },
    FieldSpec {
        name: "started",
        aliases: &["started", "startdate", "start", "startedat", "since"],
        required: false,
    },
];

const TEXT: usize = 1;
const LANGUAGE: usize = 2;

/// The fields of `requirements.csv`.
const REQUIREMENT_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "collaboration_id",
        aliases: COLLABORATION_ALIASES,
        required: true,
    },
    FieldSpec {
        name: "text",
        aliases: &["text", "requirement", "description", "body"],
        required: true,
    },
    FieldSpec {
        name: "language",
        aliases: &["language", "lang", "locale"],
        required: false,
    },
];

/// Reads `collaborations.csv`; a row whose `customer_id` fails `is_known_customer` is rejected,
/// and so is a row that gives a known collaboration another name or start date.
pub fn read_collaborations(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
    is_known_customer: &dyn Fn(&str) -> bool,
) -> Result<Parsed<CollaborationPartner>, ImportError> {
    let source = open_source(reader, file_name, options)?;
    let map = map_columns(&source, COLLABORATION_FIELDS)?;
    let mut last_known = String::new();
    let mut first_seen: HashMap<String, (Option<String>, Option<chrono::NaiveDate>)> =
        HashMap::new();
    let mut pairs: std::collections::HashSet<(String, String)> = Default::default();
    let parse_row = |row: &mut Row<'_>| {
        let collaboration_id = row.required(COLLABORATION_ID);
        let customer_id = row.known_customer(CUSTOMER_ID, is_known_customer, &mut last_known);
        let name = row.non_empty(NAME).map(str::to_string);
        let started = row.date(STARTED);
        let (collaboration_id, customer_id) = (collaboration_id?, customer_id?);
        match first_seen.get(collaboration_id) {
            Some((first_name, first_started)) => {
                if name.is_some() && first_name.is_some() && name != *first_name {
                    row.problem(
                        NAME,
                        format!(
                            "collaboration {} already has the name {}",
                            quote(collaboration_id),
                            quote(first_name.as_deref().unwrap_or(""))
                        ),
                    );
                }
                if started.is_some() && first_started.is_some() && started != *first_started {
                    row.problem(
                        STARTED,
                        format!(
                            "collaboration {} already started on another date",
                            quote(collaboration_id)
                        ),
                    );
                }
            }
            None => {
                if !row.has_problems() {
                    first_seen.insert(collaboration_id.to_string(), (name.clone(), started));
                }
            }
        }
        if !pairs.insert((collaboration_id.to_string(), customer_id.to_string())) {
            row.problem(
                CUSTOMER_ID,
                format!(
                    "customer {} is listed twice in collaboration {}",
                    quote(customer_id),
                    quote(collaboration_id)
                ),
            );
        }
        if row.has_problems() {
            return None;
        }
        Some(CollaborationPartner {
            collaboration_id: collaboration_id.to_string(),
            customer_id: customer_id.to_string(),
            name,
            started,
        })
    };
    let mut rows = Vec::new();
    let lookahead = Lookahead::whole_file(STARTED, None);
    let report = stream(
        source,
        &map,
        COLLABORATION_FIELDS,
        options,
        lookahead,
        parse_row,
        |row| rows.push(row),
    )?;
    Ok(Parsed { rows, report })
}

/// Reads `requirements.csv`; a row whose collaboration fails `is_known_collaboration` is rejected.
pub fn read_requirements(
    reader: impl Read,
    file_name: &str,
    options: &ReadOptions,
    is_known_collaboration: &dyn Fn(&str) -> bool,
) -> Result<Parsed<Requirement>, ImportError> {
    let source = open_source(reader, file_name, options)?;
    let map = map_columns(&source, REQUIREMENT_FIELDS)?;
    let parse_row = |row: &mut Row<'_>| {
        let collaboration_id = row.required(COLLABORATION_ID);
        if let Some(id) = collaboration_id {
            if !is_known_collaboration(id) {
                row.problem(
                    COLLABORATION_ID,
                    format!(
                        "unknown collaboration_id {} (not in the collaborations file)",
                        quote(id)
                    ),
                );
            }
        }
        let text = row.required(TEXT);
        let language = row.non_empty(LANGUAGE).map(str::to_string);
        if row.has_problems() {
            return None;
        }
        Some(Requirement {
            collaboration_id: collaboration_id?.to_string(),
            text: text?.to_string(),
            language,
        })
    };
    let mut rows = Vec::new();
    // No date and no amount: nothing to hold back.
    let lookahead = Lookahead {
        rows: 0,
        bytes: 0,
        date_field: COLLABORATION_ID,
        number_field: None,
    };
    let report = stream(
        source,
        &map,
        REQUIREMENT_FIELDS,
        options,
        lookahead,
        parse_row,
        |row| rows.push(row),
    )?;
    Ok(Parsed { rows, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> bool {
        id.starts_with('C')
    }

    #[test]
    fn collaborations_with_several_partners_read() {
        let text = "collaboration_id,customer_id,name,started\n\
                    COL1,C0001,Fraud rules,2022-06-30\n\
                    COL1,C0002,,\n\
                    COL2,C0003,\"Projet pilote, membres\",2023-02-05\n";
        let parsed = read_collaborations(
            text.as_bytes(),
            "collaborations.csv",
            &ReadOptions::default(),
            &known,
        )
        .unwrap();
        assert_eq!(parsed.report.n_rejected, 0);
        assert_eq!(parsed.rows.len(), 3);
        assert_eq!(
            parsed.rows[2].name.as_deref(),
            Some("Projet pilote, membres")
        );
    }

    #[test]
    fn every_bad_collaboration_row_is_reported_with_its_place() {
        let text = "collaboration_id,customer_id,name,started\n\
                    COL1,C0001,Fraud rules,2022-06-30\n\
                    COL1,X9,Fraud rules,2022-06-30\n\
                    COL1,C0002,Other name,2022-06-30\n\
                    ,C0003,,not a date\n\
                    COL1,C0001,,\n";
        let parsed = read_collaborations(
            text.as_bytes(),
            "collaborations.csv",
            &ReadOptions::default(),
            &known,
        )
        .unwrap();
        let messages: Vec<String> = parsed
            .report
            .diagnostics()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "collaborations.csv:3:2: unknown customer_id \"X9\" (not in the customers file)",
                "collaborations.csv:4:3: collaboration \"COL1\" already has the name \"Fraud rules\"",
                "collaborations.csv:5:1: collaboration_id is empty",
                "collaborations.csv:5:4: cannot parse started \"not a date\" (expected a date such as 2024-03-05, 05/03/2024, 05.03.2024 or 5 Mar 2024)",
                "collaborations.csv:6:2: customer \"C0001\" is listed twice in collaboration \"COL1\"",
            ]
        );
        assert_eq!(parsed.rows.len(), 1);
    }

    #[test]
    fn requirements_need_a_known_collaboration() {
        let text =
            "collaboration_id,text,language\nCOL1,Single sign-on,en\nCOL9,Import,fr\nCOL1,,\n";
        let parsed = read_requirements(
            text.as_bytes(),
            "requirements.csv",
            &ReadOptions::default(),
            &|id| id == "COL1",
        )
        .unwrap();
        let messages: Vec<String> = parsed
            .report
            .diagnostics()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "requirements.csv:3:1: unknown collaboration_id \"COL9\" (not in the collaborations file)",
                "requirements.csv:4:2: text is empty",
            ]
        );
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].language.as_deref(), Some("en"));
    }
}
