//! Collaborations in the store: read, added to through the CLI, replaced by imports.
//!
//! An import's `collaborations.csv` is the complete list of partners of the collaborations it
//! names, and its `requirements.csv` the complete list of requirements of the collaborations it
//! names: those are replaced, every other collaboration is kept. `bellwether collab add` only adds.
//!
//! Both writes, the import's [`replace`] and the edit of [`Store::add_to_collaboration`], are
//! written once over a [`WriteTransaction`], with the SQL text of `sql.rs`.

use std::collections::BTreeMap;

use bellwether_core::{Collaboration, CollaborationPartner, Requirement};
use chrono::NaiveDate;
use rustc_hash::FxHashSet;

use crate::rows::StoreRow;
use crate::write::{count, Purpose, WriteTransaction};
use crate::{sql, with_pool, Result, Store, StoreError};

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
        let store = self.clone();
        let addition = addition.clone();
        tokio::task::spawn_blocking(move || {
            let mut transaction = store.begin_write(Purpose::Edit)?;
            let outcome = add(&mut *transaction, &addition, user_id)?;
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
fn edit_detail(addition: &Collaboration, outcome: EditOutcome) -> String {
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

/// The edit of [`Store::add_to_collaboration`], with its audit entry, in `transaction`.
fn add(
    transaction: &mut dyn WriteTransaction,
    addition: &Collaboration,
    user_id: Option<i64>,
) -> Result<EditOutcome> {
    let exists = count(
        transaction,
        sql::COUNT_COLLABORATION,
        &[addition.collaboration_id.as_str().into()],
    )? > 0;
    let outcome = if exists {
        EditOutcome::Updated
    } else {
        EditOutcome::Created
    };
    upsert_head(
        transaction,
        &addition.collaboration_id,
        addition.name.as_deref(),
        addition.started,
    )?;
    add_partners(transaction, &partners_of(addition))?;
    add_requirements(transaction, &addition.requirements)?;
    transaction.execute(
        sql::AUDIT_EDIT,
        &[
            crate::accounts::now().as_str().into(),
            user_id.into(),
            edit_detail(addition, outcome).as_str().into(),
        ],
    )?;
    Ok(outcome)
}

/// Writes an import's collaborations in `transaction`: the partners of every collaboration in
/// `partners`, and the requirements of every collaboration in `requirements`, replace the stored
/// ones. Returns how many collaborations had their partners replaced.
pub(crate) fn replace(
    transaction: &mut dyn WriteTransaction,
    partners: &[CollaborationPartner],
    requirements: &[Requirement],
) -> Result<u64> {
    let mut replaced_partners = FxHashSet::default();
    for partner in partners {
        upsert_head(
            transaction,
            &partner.collaboration_id,
            partner.name.as_deref(),
            partner.started,
        )?;
        if replaced_partners.insert(partner.collaboration_id.as_str()) {
            transaction.execute(
                sql::DELETE_PARTNERS,
                &[partner.collaboration_id.as_str().into()],
            )?;
        }
    }
    add_partners(transaction, partners)?;
    let mut replaced_requirements = FxHashSet::default();
    for requirement in requirements {
        if replaced_requirements.insert(requirement.collaboration_id.as_str()) {
            transaction.execute(
                sql::DELETE_REQUIREMENTS,
                &[requirement.collaboration_id.as_str().into()],
            )?;
        }
    }
    add_requirements(transaction, requirements)?;
    Ok(replaced_partners.len() as u64)
}

/// The partners of `addition`, as an import's rows would name them.
fn partners_of(addition: &Collaboration) -> Vec<CollaborationPartner> {
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

fn upsert_head(
    transaction: &mut dyn WriteTransaction,
    collaboration_id: &str,
    name: Option<&str>,
    started: Option<NaiveDate>,
) -> Result<()> {
    transaction.execute(
        sql::UPSERT_HEAD,
        &[collaboration_id.into(), name.into(), started.into()],
    )
}

/// Adds partners not yet in their collaboration, after the existing ones.
fn add_partners(
    transaction: &mut dyn WriteTransaction,
    partners: &[CollaborationPartner],
) -> Result<()> {
    for partner in partners {
        let key = transaction
            .query_integer(sql::CUSTOMER_KEY, &[partner.customer_id.as_str().into()])?
            .ok_or_else(|| StoreError::UnknownCustomer(partner.customer_id.clone()))?;
        transaction.execute(
            sql::ADD_PARTNER,
            &[partner.collaboration_id.as_str().into(), key.into()],
        )?;
    }
    Ok(())
}

/// Appends requirements after the existing ones of their collaboration.
fn add_requirements(
    transaction: &mut dyn WriteTransaction,
    requirements: &[Requirement],
) -> Result<()> {
    for requirement in requirements {
        transaction.execute(
            sql::ADD_REQUIREMENT,
            &[
                requirement.collaboration_id.as_str().into(),
                requirement.text.as_str().into(),
                requirement.language.as_deref().into(),
            ],
        )?;
    }
    Ok(())
}
