//! Collaborations in the store: read, added to through the CLI, replaced by imports.
//!
//! An import's `collaborations.csv` is the complete list of partners of the collaborations it
//! names, and its `requirements.csv` the complete list of requirements of the collaborations it
//! names: those are replaced, every other collaboration is kept. `bellwether collab add` only adds.

use std::collections::BTreeMap;

use bellwether_core::{Collaboration, CollaborationPartner, Requirement};
use rusqlite::{params, Connection, OptionalExtension};

use crate::import::SqliteImportWriter;
use crate::rows::StoreRow;
use crate::{format_date, postgres, with_pool, Backend, Result, Store, StoreError};

impl Store {
    /// Every stored collaboration, by `collaboration_id`, with partners and requirements in order.
    pub async fn collaborations(&self) -> Result<Vec<Collaboration>> {
        self.load_collaborations(None).await
    }

    /// One collaboration, if stored.
    pub async fn collaboration(&self, collaboration_id: &str) -> Result<Option<Collaboration>> {
        Ok(self
            .load_collaborations(Some(collaboration_id))
            .await?
            .into_iter()
            .next())
    }

    /// Every stored `collaboration_id` (none when the store predates collaborations).
    pub async fn collaboration_ids(&self) -> Result<Vec<String>> {
        if !self.has_table("collaborations").await? {
            return Ok(Vec::new());
        }
        let sql = "SELECT collaboration_id FROM collaborations";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await?
        }))
    }

    /// The collaborations, or the one named `only`, ordered by `collaboration_id`.
    async fn load_collaborations(&self, only: Option<&str>) -> Result<Vec<Collaboration>> {
        // One statement per table; `$1 IS NULL` keeps every row when no id is given.
        const HEADS: &str = "SELECT collaboration_id, name, started FROM collaborations \
             WHERE $1 IS NULL OR collaboration_id = $1";
        const PARTNERS: &str =
            "SELECT p.collaboration_id, c.customer_id FROM collaboration_partners p \
             JOIN customers c ON c.id = p.customer WHERE $1 IS NULL OR p.collaboration_id = $1 \
             ORDER BY p.collaboration_id, p.position";
        const REQUIREMENTS: &str = "SELECT collaboration_id, text, language FROM requirements \
             WHERE $1 IS NULL OR collaboration_id = $1 ORDER BY collaboration_id, position";
        let mut found: BTreeMap<String, Collaboration> = BTreeMap::new();
        with_pool!(self, |pool| {
            for row in sqlx::query(HEADS).bind(only).fetch_all(pool).await? {
                let collaboration_id = row.string("collaboration_id")?;
                found.insert(
                    collaboration_id.clone(),
                    Collaboration {
                        collaboration_id,
                        name: row.optional_string("name")?,
                        started: row.optional_date("started")?,
                        customer_ids: Vec::new(),
                        requirements: Vec::new(),
                    },
                );
            }
            for row in sqlx::query(PARTNERS).bind(only).fetch_all(pool).await? {
                if let Some(collaboration) = found.get_mut(row.text("collaboration_id")?) {
                    collaboration.customer_ids.push(row.string("customer_id")?);
                }
            }
            for row in sqlx::query(REQUIREMENTS).bind(only).fetch_all(pool).await? {
                let collaboration_id = row.string("collaboration_id")?;
                if let Some(collaboration) = found.get_mut(&collaboration_id) {
                    collaboration.requirements.push(Requirement {
                        collaboration_id,
                        text: row.string("text")?,
                        language: row.optional_string("language")?,
                    });
                }
            }
        });
        Ok(found.into_values().collect())
    }

    /// Adds to a collaboration, creating it if needed: its name and start date when given, partners
    /// not yet in it, and requirements after the existing ones; and records the edit in the audit
    /// log under `user_id` (`None`: the command line). One database transaction, so an edit is
    /// never stored without its audit entry, nor the entry without the edit.
    pub async fn add_to_collaboration(
        &self,
        addition: &Collaboration,
        user_id: Option<i64>,
    ) -> Result<EditOutcome> {
        let path = match &self.backend {
            Backend::Sqlite { path, .. } => path.clone(),
            Backend::Postgres { pool, .. } => {
                return postgres::add_to_collaboration(pool, addition, user_id).await;
            }
        };
        let addition = addition.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = Connection::open(&path)?;
            connection.execute_batch("PRAGMA busy_timeout = 10000")?;
            // IMMEDIATE: the existence check and the writes see the same state.
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let outcome = match transaction
                .query_row(COLLABORATION_EXISTS, [&addition.collaboration_id], |_| {
                    Ok(())
                })
                .optional()?
            {
                Some(()) => EditOutcome::Updated,
                None => EditOutcome::Created,
            };
            let partners = partners_of(&addition);
            upsert_head(
                &transaction,
                &addition.collaboration_id,
                addition.name.as_deref(),
                addition.started,
            )?;
            add_partners(&transaction, &partners)?;
            add_requirements(&transaction, &addition.requirements)?;
            transaction.execute(
                AUDIT_EDIT,
                params![
                    crate::accounts::now(),
                    user_id,
                    edit_detail(&addition, outcome)
                ],
            )?;
            transaction.commit()?;
            Ok(outcome)
        })
        .await?
    }
}

/// Whether [`Store::add_to_collaboration`] created the collaboration or extended an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOutcome {
    Created,
    Updated,
}

/// The audit log's words for an edit: `created P1: 2 partners and 1 requirements added`.
pub(crate) fn edit_detail(addition: &Collaboration, outcome: EditOutcome) -> String {
    format!(
        "{} {}: {} partners and {} requirements added",
        match outcome {
            EditOutcome::Created => "created",
            EditOutcome::Updated => "updated",
        },
        addition.collaboration_id,
        addition.customer_ids.len(),
        addition.requirements.len()
    )
}

/// Whether collaboration `$1` exists.
pub(crate) const COLLABORATION_EXISTS: &str =
    "SELECT 1 FROM collaborations WHERE collaboration_id = $1";

/// The audit entry of a collaboration edit: `$1` time, `$2` user, `$3` detail.
pub(crate) const AUDIT_EDIT: &str = "INSERT INTO audit_log (at, user_id, action, detail) \
     VALUES ($1, $2, 'collaboration-edit', $3)";

/// The partners of `addition`, as an import's rows would name them.
pub(crate) fn partners_of(addition: &Collaboration) -> Vec<CollaborationPartner> {
    addition
        .customer_ids
        .iter()
        .map(|customer_id| CollaborationPartner {
            collaboration_id: addition.collaboration_id.clone(),
            customer_id: customer_id.clone(),
            name: addition.name.clone(),
            started: addition.started,
        })
        .collect()
}

// The writes, shared by both databases. Parameters first appear in ascending order, as rusqlite
// numbers `$N` parameters by first appearance.

/// Creates a collaboration or updates the name and start date given: `$1` id, `$2` name, `$3` started.
pub(crate) const UPSERT_HEAD: &str =
    "INSERT INTO collaborations (collaboration_id, name, started) VALUES ($1, $2, $3) \
     ON CONFLICT (collaboration_id) DO UPDATE SET \
     name = coalesce(excluded.name, collaborations.name), \
     started = coalesce(excluded.started, collaborations.started)";

/// The surrogate key of customer `$1`.
pub(crate) const CUSTOMER_KEY: &str = "SELECT id FROM customers WHERE customer_id = $1";

/// Adds partner `$2` (a customer key) after the partners of collaboration `$1`, unless it is one.
pub(crate) const ADD_PARTNER: &str =
    "INSERT INTO collaboration_partners (collaboration_id, customer, position) \
     SELECT $1, $2, coalesce(max(position), 0) + 1 FROM collaboration_partners \
     WHERE collaboration_id = $1 \
     ON CONFLICT (collaboration_id, customer) DO NOTHING";

/// Appends requirement `$2` (language `$3`) to collaboration `$1`.
pub(crate) const ADD_REQUIREMENT: &str =
    "INSERT INTO requirements (collaboration_id, position, text, language) \
     SELECT $1, coalesce(max(position), 0) + 1, $2, $3 FROM requirements \
     WHERE collaboration_id = $1";

pub(crate) const DELETE_PARTNERS: &str =
    "DELETE FROM collaboration_partners WHERE collaboration_id = $1";

pub(crate) const DELETE_REQUIREMENTS: &str = "DELETE FROM requirements WHERE collaboration_id = $1";

fn upsert_head(
    connection: &Connection,
    collaboration_id: &str,
    name: Option<&str>,
    started: Option<chrono::NaiveDate>,
) -> Result<()> {
    connection.execute(
        UPSERT_HEAD,
        params![collaboration_id, name, started.map(format_date)],
    )?;
    Ok(())
}

fn customer_key(connection: &Connection, customer_id: &str) -> Result<i64> {
    connection
        .query_row(CUSTOMER_KEY, [customer_id], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StoreError::UnknownCustomer(customer_id.to_string()))
}

/// Adds partners not yet in their collaboration, after the existing ones.
fn add_partners(connection: &Connection, partners: &[CollaborationPartner]) -> Result<()> {
    for partner in partners {
        let key = customer_key(connection, &partner.customer_id)?;
        connection.execute(ADD_PARTNER, params![partner.collaboration_id, key])?;
    }
    Ok(())
}

/// Appends requirements after the existing ones of their collaboration.
fn add_requirements(connection: &Connection, requirements: &[Requirement]) -> Result<()> {
    for requirement in requirements {
        connection.execute(
            ADD_REQUIREMENT,
            params![
                requirement.collaboration_id,
                requirement.text,
                requirement.language
            ],
        )?;
    }
    Ok(())
}

impl SqliteImportWriter {
    /// Writes an import's collaborations: the partners of every collaboration in `partners`, and
    /// the requirements of every collaboration in `requirements`, replace the stored ones.
    pub fn replace_collaborations(
        &mut self,
        partners: &[CollaborationPartner],
        requirements: &[Requirement],
    ) -> Result<()> {
        let connection = self.connection();
        let mut replaced_partners = std::collections::HashSet::new();
        for partner in partners {
            upsert_head(
                connection,
                &partner.collaboration_id,
                partner.name.as_deref(),
                partner.started,
            )?;
            if replaced_partners.insert(partner.collaboration_id.clone()) {
                connection.execute(DELETE_PARTNERS, [&partner.collaboration_id])?;
            }
        }
        add_partners(connection, partners)?;
        let mut replaced_requirements = std::collections::HashSet::new();
        for requirement in requirements {
            if replaced_requirements.insert(requirement.collaboration_id.clone()) {
                connection.execute(DELETE_REQUIREMENTS, [&requirement.collaboration_id])?;
            }
        }
        add_requirements(connection, requirements)?;
        self.count_collaborations(replaced_partners.len() as u64, requirements.len() as u64);
        Ok(())
    }
}
