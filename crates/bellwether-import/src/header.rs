//! Matching a file's headers to canonical fields through aliases.
//!
//! Headers are compared after [`normalise_header`]: lowercase, with everything but letters and
//! digits removed, so `Customer ID`, `customer_id`, `customerId` and ` CUSTOMER-ID ` are one name.

use crate::diagnostic::ColumnUse;

/// A canonical field of one kind of file and the headers that may name it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldSpec {
    /// The canonical name, as used in diagnostics (`customer_id`, `amount`).
    pub name: &'static str,
    /// Normalised headers, best first: when several columns match, the best alias wins.
    pub aliases: &'static [&'static str],
    /// Whether a file without this column is refused.
    pub required: bool,
}

/// Lowercases and keeps only letters and digits.
pub(crate) fn normalise_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column feeds each field, and which columns feed none.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMap {
    /// For each field of the spec, in order, the 0-based column index.
    pub field_columns: Vec<Option<usize>>,
    /// 0-based indexes of the columns that matched no field.
    pub other_columns: Vec<usize>,
}

impl ColumnMap {
    /// The columns in use, for the report.
    pub(crate) fn uses(&self, fields: &[FieldSpec], headers: &[String]) -> Vec<ColumnUse> {
        fields
            .iter()
            .zip(&self.field_columns)
            .filter_map(|(field, column)| {
                column.map(|column| ColumnUse {
                    field: field.name,
                    header: headers[column].clone(),
                    column: column + 1,
                })
            })
            .collect()
    }
}

/// Matches `headers` (as written, already trimmed) to `fields`; `Err` lists the missing required fields.
pub(crate) fn resolve_columns(
    headers: &[String],
    fields: &[FieldSpec],
) -> Result<ColumnMap, Vec<&'static str>> {
    let normalised: Vec<String> = headers
        .iter()
        .map(|header| normalise_header(header))
        .collect();
    let mut taken = vec![false; headers.len()];
    let mut field_columns = vec![None; fields.len()];
    for (field_index, field) in fields.iter().enumerate() {
        'aliases: for alias in field.aliases {
            for (column, name) in normalised.iter().enumerate() {
                if !taken[column] && name == alias {
                    taken[column] = true;
                    field_columns[field_index] = Some(column);
                    break 'aliases;
                }
            }
        }
    }
    let missing: Vec<&'static str> = fields
        .iter()
        .zip(&field_columns)
        .filter(|(field, column)| field.required && column.is_none())
        .map(|(field, _)| field.name)
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let other_columns = (0..headers.len())
        .filter(|&column| !taken[column])
        .collect();
    Ok(ColumnMap {
        field_columns,
        other_columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldSpec] = &[
        FieldSpec {
            name: "customer_id",
            aliases: &["customerid", "id"],
            required: true,
        },
        FieldSpec {
            name: "domain",
            aliases: &["domain", "companydomainname", "website"],
            required: false,
        },
    ];

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalise_header(" Customer ID "), "customerid");
        assert_eq!(normalise_header("customerId"), "customerid");
        assert_eq!(normalise_header("customer_id"), "customerid");
        assert_eq!(normalise_header("Country/Region"), "countryregion");
    }

    #[test]
    fn best_alias_wins_and_the_rest_are_other_columns() {
        let map = resolve_columns(
            &headers(&["Website", "Id", "Company Domain Name", "Extra"]),
            FIELDS,
        )
        .expect("customer_id is present");
        assert_eq!(map.field_columns, vec![Some(1), Some(2)]);
        assert_eq!(map.other_columns, vec![0, 3]);
    }

    #[test]
    fn missing_required_column() {
        let missing =
            resolve_columns(&headers(&["name"]), FIELDS).expect_err("customer_id is missing");
        assert_eq!(missing, vec!["customer_id"]);
    }
}
