//! Issue 14 on the command line: API tokens listed and revoked one at a time, no password of a
//! PostgreSQL URL in messages, no leftover `.importing` database for `--db ""`, and a server
//! that logs (filtered by `RUST_LOG`) under the id each answer carries.

use std::path::Path;
use std::process::{Command, Output};

use super::{data, stderr, stdout};

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

/// The id printed with a new token (`(id …)` on stderr) and the token (stdout).
fn new_token(db: &Path, email: &str, name: &str) -> (String, String) {
    let output = user(db, &["token", email, "--name", name]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = stderr(&output);
    let id = message
        .split("(id ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no id in {message}"))
        .to_string();
    (id, stdout(&output).trim().to_string())
}

#[test]
fn one_api_token_is_revoked_without_disabling_its_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    for (email, role) in [("ada@example.com", "admin"), ("zoe@example.com", "viewer")] {
        let output = user(&db, &["add", email, "--role", role]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let (nightly, nightly_token) = new_token(&db, "zoe@example.com", "nightly");
    let (backup, _) = new_token(&db, "zoe@example.com", "backup");
    new_token(&db, "ada@example.com", "nightly");
    assert_eq!(nightly.len(), 12);

    // Listed: id, name, user, created; never the token.
    let output = user(&db, &["tokens", "zoe@example.com"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = stdout(&output);
    let rows: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows
        .iter()
        .all(|row| row.len() == 4 && row[2] == "zoe@example.com"));
    assert!(listed.contains(&nightly) && listed.contains(&backup));
    assert!(!listed.contains(&nightly_token));
    assert_eq!(
        stdout(&user(&db, &["tokens"])).lines().count(),
        3,
        "every user's tokens"
    );

    // Revoked by name: only that token goes; the user stays active.
    let output = user(&db, &["token", "zoe@example.com", "--revoke", "nightly"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains(&nightly), "{}", stderr(&output));
    let listed = stdout(&user(&db, &["tokens", "zoe@example.com"]));
    assert!(
        !listed.contains(&nightly) && listed.contains(&backup),
        "{listed}"
    );
    assert_eq!(stdout(&user(&db, &["tokens"])).lines().count(), 2);
    let users = stdout(&user(&db, &["list"]));
    assert!(users.contains("zoe@example.com\tviewer\t"), "{users}");
    assert!(!users.contains("disabled"), "{users}");

    // By id; an unknown one is an error that names the listing command.
    let output = user(&db, &["token", "zoe@example.com", "--revoke", &backup]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = user(&db, &["token", "zoe@example.com", "--revoke", &backup]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bellwether user tokens"),
        "{}",
        stderr(&output)
    );
    let output = user(&db, &["token", "nobody@example.com", "--revoke", "x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no user"), "{}", stderr(&output));
}

#[test]
fn a_password_in_a_postgres_url_query_is_never_printed() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let url = "postgres://someone@127.0.0.1:1/workspace?password=hunter2&sslmode=disable";
    let output = Command::new(env!("CARGO_BIN_EXE_bellwether"))
        .args(["--db", url, "rank"])
        .env_remove("BELLWETHER_DB")
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(message.contains("password=***"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn an_empty_db_is_refused_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_bellwether"))
        .current_dir(dir.path())
        .args(["--db", "", "import"])
        .arg(data("small"))
        .env_remove("BELLWETHER_DB")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--db is empty"),
        "{}",
        stderr(&output)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Finding 11: `bellwether serve` installs a log subscriber that `RUST_LOG` filters, and each
/// answer's `X-Request-Id` names its log line.
#[test]
fn the_server_logs_each_answer_under_its_request_id() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    let output = user(&db, &["add", "ada@example.com", "--role", "admin"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut server = Command::new(env!("CARGO_BIN_EXE_bellwether"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("BELLWETHER_DB")
        .env("RUST_LOG", "bellwether_server=debug")
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Every line of its stderr, as it comes.
    let (lines, received) = std::sync::mpsc::channel();
    let stderr_pipe = server.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr_pipe).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = || received.recv_timeout(Duration::from_secs(60));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let serving = next_line().expect("the server says where it listens");
        let address = serving
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {serving}"))
            .to_string();
        let mut connection = std::net::TcpStream::connect(&address).unwrap();
        connection
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        connection.read_to_string(&mut answer).unwrap();
        let id = answer
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("x-request-id: ")
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no request id in {answer}"));
        let mut seen = Vec::new();
        loop {
            let line = next_line().unwrap_or_else(|_| panic!("no log line with {id}: {seen:?}"));
            if line.contains(&id) && line.contains("answered 200") {
                assert!(line.contains("DEBUG"), "{line}");
                break;
            }
            seen.push(line);
        }
    }));
    // The server is this test's child: stop it, whatever happened.
    let _ = server.kill();
    let _ = server.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
