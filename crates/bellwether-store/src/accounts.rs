//! Accounts of a team workspace: users and roles, sessions, API tokens, audit log.
//!
//! The store keeps what it is given: password hashes and token digests are made by
//! the caller (the server crate), so no secret in clear ever reaches SQL.

use crate::rows::StoreRow;
use crate::{with_pool, Result, Store, StoreError};

/// What a user may do. Viewers read; analysts also import and edit collaborations;
/// admins also manage users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Analyst,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub created_at: String,
    /// When an admin disabled the user (RFC 3339, UTC); `None` while the account is active.
    pub disabled_at: Option<String>,
}

/// A live browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// An API token as listed: never the token, only its name and a short id (the first
/// [`TOKEN_ID_CHARS`] hex digits of the SHA-256 digest the store keeps).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub user_email: String,
    pub created_at: String,
}

/// The length of an API token's id: 48 bits of its digest, unique in any workspace, and useless
/// to anyone who does not have the token.
pub const TOKEN_ID_CHARS: usize = 12;

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub user_email: Option<String>,
    pub action: String,
    pub detail: String,
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn user_from_row<R: StoreRow>(row: &R) -> Result<User> {
    let role = row.text("role")?;
    Ok(User {
        id: row.integer("id")?,
        email: row.string("email")?,
        password_hash: row.string("password_hash")?,
        role: Role::parse(role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role `{role}`")))?,
        created_at: row.string("created_at")?,
        disabled_at: row.optional_string("disabled_at")?,
    })
}

const USER_COLUMNS: &str = "u.id, u.email, u.password_hash, u.role, u.created_at, u.disabled_at";

impl Store {
    /// Creates a user; fails with [`StoreError::Duplicate`] when the email is taken.
    pub async fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User> {
        let created_at = now();
        let sql =
            "INSERT INTO users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (email) DO NOTHING RETURNING id";
        let inserted: Option<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(sql)
                .bind(email)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(&created_at)
                .fetch_optional(pool)
                .await?
        });
        let Some(id) = inserted else {
            return Err(StoreError::Duplicate(format!("a user with email {email}")));
        };
        Ok(User {
            id,
            email: email.to_string(),
            password_hash: password_hash.to_string(),
            role,
            created_at,
            disabled_at: None,
        })
    }

    /// Changes the role of the user with `email`; `false` when there is no such user. Demoting
    /// the last admin fails with [`StoreError::LastAdmin`]: a workspace always keeps one.
    pub async fn set_role(&self, email: &str, role: Role) -> Result<bool> {
        // One statement, so two admins demoting each other at once cannot both succeed.
        let sql = "UPDATE users SET role = $1 WHERE email = $2 \
                   AND ($1 = 'admin' OR role <> 'admin' OR disabled_at IS NOT NULL \
                        OR (SELECT count(*) FROM users \
                            WHERE role = 'admin' AND disabled_at IS NULL) > 1) \
                   RETURNING id";
        let updated: Option<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(sql)
                .bind(role.as_str())
                .bind(email)
                .fetch_optional(pool)
                .await?
        });
        if updated.is_some() {
            return Ok(true);
        }
        match self.user_by_email(email).await? {
            None => Ok(false),
            Some(_) => Err(StoreError::LastAdmin),
        }
    }

    /// Disables (`disabled = true`) or re-enables the user with `email`, and records it in the
    /// audit log under `by` (`None`: the command line), in one transaction. Disabling deletes the
    /// user's sessions and API tokens, so they stop working at once; a re-enabled user signs in
    /// again and makes new tokens. `false` when there is no such user. Disabling the last active
    /// admin fails with [`StoreError::LastAdmin`].
    pub async fn set_disabled(&self, email: &str, disabled: bool, by: Option<i64>) -> Result<bool> {
        // One statement decides, so two admins disabling each other at once cannot both succeed.
        let update = if disabled {
            "UPDATE users SET disabled_at = coalesce(disabled_at, $1) WHERE email = $2 \
             AND (role <> 'admin' OR disabled_at IS NOT NULL \
                  OR (SELECT count(*) FROM users \
                      WHERE role = 'admin' AND disabled_at IS NULL) > 1) \
             RETURNING id"
        } else {
            "UPDATE users SET disabled_at = NULL WHERE email = $1 RETURNING id"
        };
        let audit = crate::sql::AUDIT_ACCOUNT;
        let action = if disabled {
            "user-disable"
        } else {
            "user-enable"
        };
        let updated: Option<i64> = with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            let query = sqlx::query_scalar(update);
            let query = if disabled {
                query.bind(now()).bind(email)
            } else {
                query.bind(email)
            };
            let updated: Option<i64> = query.fetch_optional(&mut *transaction).await?;
            if let Some(id) = updated {
                if disabled {
                    for sql in [
                        "DELETE FROM sessions WHERE user_id = $1",
                        "DELETE FROM api_tokens WHERE user_id = $1",
                    ] {
                        sqlx::query(sql).bind(id).execute(&mut *transaction).await?;
                    }
                }
                sqlx::query(audit)
                    .bind(now())
                    .bind(by)
                    .bind(action)
                    .bind(email)
                    .execute(&mut *transaction)
                    .await?;
            }
            transaction.commit().await?;
            updated
        });
        if updated.is_some() {
            return Ok(true);
        }
        match self.user_by_email(email).await? {
            None => Ok(false),
            Some(_) => Err(StoreError::LastAdmin),
        }
    }

    /// The user with `email`, if any.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1");
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(email).fetch_optional(pool).await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    /// Every user, by email.
    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.email");
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// Number of users.
    pub async fn count_users(&self) -> Result<u64> {
        let sql = "SELECT count(*) FROM users";
        let n: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar(sql).fetch_one(pool).await?
        });
        Ok(n as u64)
    }

    /// Stores a session under the digest of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<()> {
        let sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)";
        with_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(token_hash)
                .bind(user_id)
                .bind(csrf_token)
                .bind(now())
                .bind(expires_at)
                .execute(pool)
                .await
                .map_err(|error| on_duplicate(error, "a session with this token"))?;
        });
        Ok(())
    }

    /// The unexpired session with this token digest, with its user.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(token_hash)
                .bind(now())
                .fetch_optional(pool)
                .await?;
            row.map(|row| {
                Ok(Session {
                    user: user_from_row(&row)?,
                    csrf_token: row.string("csrf_token")?,
                    expires_at: row.string("expires_at")?,
                })
            })
            .transpose()
        })
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        with_pool!(self, |pool| {
            sqlx::query(sql).bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Stores an API token (its digest) for a user.
    pub async fn create_api_token(&self, token_hash: &str, user_id: i64, name: &str) -> Result<()> {
        let sql = "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)";
        with_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(token_hash)
                .bind(user_id)
                .bind(name)
                .bind(now())
                .execute(pool)
                .await
                .map_err(|error| on_duplicate(error, "an API token with this digest"))?;
        });
        Ok(())
    }

    /// The user owning the API token with this digest.
    pub async fn user_by_api_token(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.disabled_at IS NULL"
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    /// The API tokens of the user with `email`, or of every user (`None`), by user then age.
    pub async fn api_tokens(&self, email: Option<&str>) -> Result<Vec<ApiToken>> {
        let sql = "SELECT substr(t.token_hash, 1, 12) AS id, t.name, u.email, t.created_at \
                   FROM api_tokens t JOIN users u ON u.id = t.user_id \
                   WHERE $1 IS NULL OR u.email = $1 ORDER BY u.email, t.created_at, t.name";
        with_pool!(self, |pool| {
            let rows = sqlx::query(sql).bind(email).fetch_all(pool).await?;
            rows.iter().map(api_token_from_row).collect()
        })
    }

    /// Revokes the API token of the user with `email` whose id or name is `id_or_name`, and
    /// records it in the audit log under `by` (`None`: the command line), in one transaction.
    /// `None` when no token of that user matches; [`StoreError::Ambiguous`] (and nothing
    /// revoked) when several do, as tokens may share a name.
    pub async fn revoke_api_token(
        &self,
        email: &str,
        id_or_name: &str,
        by: Option<i64>,
    ) -> Result<Option<ApiToken>> {
        let select = "SELECT t.token_hash, substr(t.token_hash, 1, 12) AS id, t.name, u.email, \
                      t.created_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
                      WHERE u.email = $1 AND (substr(t.token_hash, 1, 12) = $2 OR t.name = $2)";
        let delete = "DELETE FROM api_tokens WHERE token_hash = $1";
        let audit = crate::sql::AUDIT_ACCOUNT;
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            let rows = sqlx::query(select)
                .bind(email)
                .bind(id_or_name)
                .fetch_all(&mut *transaction)
                .await?;
            match rows.as_slice() {
                [] => Ok(None),
                [row] => {
                    let token = api_token_from_row(row)?;
                    let digest = row.string("token_hash")?;
                    sqlx::query(delete)
                        .bind(&digest)
                        .execute(&mut *transaction)
                        .await?;
                    sqlx::query(audit)
                        .bind(now())
                        .bind(by)
                        .bind("token-revoke")
                        .bind(format!(
                            "API token `{}` ({}) of {}",
                            token.name, token.id, token.user_email
                        ))
                        .execute(&mut *transaction)
                        .await?;
                    transaction.commit().await?;
                    Ok(Some(token))
                }
                _ => Err(StoreError::Ambiguous(format!(
                    "{} API tokens of {email} are named `{id_or_name}`: name one by its id",
                    rows.len()
                ))),
            }
        })
    }

    /// Records who did what.
    pub async fn audit(&self, user_id: Option<i64>, action: &str, detail: &str) -> Result<()> {
        let sql = crate::sql::AUDIT_ACCOUNT;
        with_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(now())
                .bind(user_id)
                .bind(action)
                .bind(detail)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The newest `limit` audit entries, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT a.at, u.email, a.action, a.detail FROM audit_log a \
             LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id DESC LIMIT $1";
        with_pool!(self, |pool| {
            let rows = sqlx::query(sql)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(AuditEntry {
                        at: row.string("at")?,
                        user_email: row.optional_string("email")?,
                        action: row.string("action")?,
                        detail: row.string("detail")?,
                    })
                })
                .collect()
        })
    }
}

fn api_token_from_row<R: StoreRow>(row: &R) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.string("id")?,
        name: row.string("name")?,
        user_email: row.string("email")?,
        created_at: row.string("created_at")?,
    })
}

/// [`StoreError::Duplicate`] of `what` when `error` is a unique-key violation, on either database.
fn on_duplicate(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
            StoreError::Duplicate(what.to_string())
        }
        _ => StoreError::Sqlx(error),
    }
}
