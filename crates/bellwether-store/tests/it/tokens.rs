//! Issue 14, finding 15, in the store: API tokens listed and revoked one at a time, the SQLite
//! file's mode, and TLS to PostgreSQL.

use bellwether_store::testing::TestDatabase;
use bellwether_store::{Location, Role, Store, StoreError, TOKEN_ID_CHARS};

use super::{fresh, Database, TestStore};

// `on_both!` comes from main.rs, which declares this module after it.
on_both!(api_tokens_are_listed_and_revoked_one_at_a_time);

/// A digest-like text: 64 hex digits starting with `prefix`.
fn digest(prefix: &str) -> String {
    format!("{prefix:0<64}")
}

async fn api_tokens_are_listed_and_revoked_one_at_a_time(test: TestStore) {
    let store = &test.store;
    let ada = store
        .create_user("ada@example.com", "hash", Role::Admin)
        .await
        .unwrap();
    let bob = store
        .create_user("bob@example.com", "hash", Role::Viewer)
        .await
        .unwrap();
    for (prefix, user, name) in [
        ("aaaa1", ada.id, "ci"),
        ("aaaa2", ada.id, "ci"),
        ("bbbb1", ada.id, "backup"),
        ("cccc1", bob.id, "ci"),
    ] {
        store
            .create_api_token(&digest(prefix), user, name)
            .await
            .unwrap();
    }
    // Listed by their short ids and names, never the digest.
    let listed = store.api_tokens(Some("ada@example.com")).await.unwrap();
    let mut names: Vec<(&str, &str)> = listed
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("aaaa10000000", "ci"),
            ("aaaa20000000", "ci"),
            ("bbbb10000000", "backup")
        ]
    );
    assert!(listed.iter().all(|t| t.id.len() == TOKEN_ID_CHARS
        && t.user_email == "ada@example.com"
        && t.created_at.ends_with('Z')));
    assert_eq!(store.api_tokens(None).await.unwrap().len(), 4);

    // Two of ada's tokens are named `ci`: refused, nothing revoked.
    let error = store
        .revoke_api_token("ada@example.com", "ci", None)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Ambiguous(_)), "{error}");
    assert_eq!(store.api_tokens(None).await.unwrap().len(), 4);

    // By id: only that token stops working.
    let revoked = store
        .revoke_api_token("ada@example.com", "aaaa20000000", Some(ada.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (revoked.id.as_str(), revoked.name.as_str()),
        ("aaaa20000000", "ci")
    );
    assert_eq!(
        store.user_by_api_token(&digest("aaaa2")).await.unwrap(),
        None
    );
    assert_eq!(
        store.user_by_api_token(&digest("aaaa1")).await.unwrap(),
        Some(ada.clone())
    );
    // Now the name is unique; a name or id of another user's token matches nothing.
    assert!(store
        .revoke_api_token("ada@example.com", "ci", None)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .revoke_api_token("ada@example.com", "cccc10000000", None)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .revoke_api_token("ada@example.com", "nothing", None)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.user_by_api_token(&digest("cccc1")).await.unwrap(),
        Some(bob)
    );
    assert_eq!(
        store.user_by_api_token(&digest("bbbb1")).await.unwrap(),
        Some(ada)
    );
    // Each revocation is audited, with its author.
    let log = store.audit_log(10).await.unwrap();
    let revocations: Vec<(Option<&str>, &str)> = log
        .iter()
        .filter(|e| e.action == "token-revoke")
        .map(|e| (e.user_email.as_deref(), e.detail.as_str()))
        .collect();
    assert_eq!(
        revocations,
        [
            (None, "API token `ci` (aaaa10000000) of ada@example.com"),
            (
                Some("ada@example.com"),
                "API token `ci` (aaaa20000000) of ada@example.com"
            ),
        ]
    );
}

/// The database holds password hashes and customer data: only its owner reads it, whatever the
/// umask (it followed the umask, 0644, before).
#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let test = fresh(Database::Sqlite).await.unwrap();
    let path = test.location.sqlite_path().unwrap().to_path_buf();
    test.store
        .create_user("ada@example.com", "hash", Role::Admin)
        .await
        .unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        if let Ok(metadata) = std::fs::metadata(&file) {
            assert_eq!(
                metadata.permissions().mode() & 0o777,
                0o600,
                "{}",
                file.to_string_lossy()
            );
        } else {
            assert!(!suffix.is_empty(), "no database file");
        }
    }
    // The first-import path creates its file the same way.
    let dir = tempfile::tempdir().unwrap();
    let new_file = dir.path().join("new.db");
    drop(
        Store::begin_import_into_new_file(&new_file, "test")
            .await
            .unwrap(),
    );
    let mode = std::fs::metadata(&new_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// `sslmode=require` needs TLS in the client: sqlx was built without it, so every such URL failed
/// with "SQLx was built without TLS support". The loopback test server may or may not speak TLS;
/// either the store opens, or the server is what refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_urls_with_sslmode_require_are_served_by_rustls() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let separator = if database.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}sslmode=require", database.url);
    match Store::open_location(&Location::parse(&url)).await {
        Ok(store) => store.close().await,
        Err(error) => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            assert!(!text.contains("without TLS support"), "{text}");
            assert!(text.contains("does not support TLS"), "{text}");
        }
    }
}
