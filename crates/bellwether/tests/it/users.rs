//! `bellwether user`: adding, listing, disabling and enabling accounts of the web app.

use std::path::Path;
use std::process::{Command, Output};

use super::{stderr, stdout};

/// Runs the binary on `db` with the password of new users in BELLWETHER_PASSWORD.
fn user(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bellwether"))
        .arg("--db")
        .arg(db)
        .arg("user")
        .args(args)
        .env_remove("BELLWETHER_DB")
        .env("BELLWETHER_PASSWORD", "a long enough password")
        .output()
        .expect("the binary runs")
}

/// The status column of `user list` for `email`.
fn status(db: &Path, email: &str) -> String {
    let output = user(db, &["list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .find(|line| line.starts_with(&format!("{email}\t")))
        .and_then(|line| line.split('\t').nth(3))
        .unwrap_or_else(|| panic!("{email} not listed"))
        .to_string()
}

#[test]
fn users_are_disabled_and_enabled_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    for (email, role) in [("ada@example.com", "admin"), ("zoe@example.com", "viewer")] {
        let output = user(&db, &["add", email, "--role", role]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(status(&db, "zoe@example.com"), "active");

    // The only admin stays: a clear error, nothing changed.
    let output = user(&db, &["disable", "ada@example.com"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("last admin"),
        "{}",
        stderr(&output)
    );
    assert_eq!(status(&db, "ada@example.com"), "active");
    let output = user(&db, &["disable", "nobody@example.com"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no user"), "{}", stderr(&output));

    let output = user(&db, &["disable", "Zoe@Example.com"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(status(&db, "zoe@example.com").starts_with("disabled 20"));
    // A disabled user gets no new API token.
    let output = user(&db, &["token", "zoe@example.com"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is disabled"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());

    let output = user(&db, &["enable", "zoe@example.com"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(status(&db, "zoe@example.com"), "active");
    let output = user(&db, &["token", "zoe@example.com"]);
    assert!(output.status.success(), "{}", stderr(&output));
}
