//! `bellwether serve` and `bellwether user`: the web app and its accounts.

use bellwether_store::Location;
use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{bail, Context};
use bellwether_server::auth;
use bellwether_server::AppState;
use bellwether_store::{Role, Store};

use crate::cli::{RoleArg, ServeArgs, UserArgs, UserCommand};

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 10;

/// Logs to stderr, filtered by `RUST_LOG` (default: `info`, or `error` with `--quiet`).
fn init_logging(quiet: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if quiet { "error" } else { "info" })
    });
    // Already set (only in tests that call this twice): keep the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub async fn serve(db: &Location, args: &ServeArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    init_logging(quiet);
    let store = Store::open_location(db).await?;
    if store.count_users().await? == 0 {
        bail!("no user can sign in yet\n\nhint: add one with `bellwether user add EMAIL --role admin`");
    }
    let defaults = bellwether_server::ServerLimits::default();
    let limits = bellwether_server::ServerLimits {
        max_upload_bytes: usize::try_from(args.max_upload_mib << 20).unwrap_or(usize::MAX),
        import: bellwether_app::import::ImportLimits {
            max_field_bytes: usize::try_from(args.max_field_bytes).unwrap_or(usize::MAX),
            max_line_bytes: usize::try_from(args.max_line_bytes).unwrap_or(usize::MAX),
            ..defaults.import
        },
        report_time_budget: std::time::Duration::from_secs(args.report_time_budget),
    };
    let state = AppState::load(store, args.secure_cookies)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_limits(limits);
    let listener = bellwether_server::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // The bound address, so `--listen 127.0.0.1:0` tells which port it got.
    let address = listener.local_addr()?;
    if !quiet {
        let customers = state.ranking().ranking.records.len();
        eprintln!(
            "serving {} ({customers} customers) on http://{address}/ (API: /api/v1, description: /api/openapi.json)",
            db,
        );
    }
    bellwether_server::warm_up(&state);
    bellwether_server::serve(state, listener)
        .await
        .with_context(|| format!("cannot serve on {address}"))?;
    Ok(ExitCode::SUCCESS)
}

fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Viewer => Role::Viewer,
        RoleArg::Analyst => Role::Analyst,
        RoleArg::Admin => Role::Admin,
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        match std::env::var("BELLWETHER_PASSWORD") {
            Ok(password) => password,
            Err(_) => bail!(
                "no password given\n\nhint: set BELLWETHER_PASSWORD, or pass --password-stdin and write it to standard input"
            ),
        }
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}

pub async fn user(db: &Location, args: &UserArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open_location(db).await?;
    match &args.command {
        UserCommand::Add {
            email,
            role: role_arg,
            password_stdin,
        } => {
            let email = email.trim().to_lowercase();
            if !email.contains('@') || email.contains(char::is_whitespace) {
                bail!("`{email}` is not an email address");
            }
            let password = read_password(*password_stdin)?;
            let hash = auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = store.create_user(&email, &hash, role(*role_arg)).await?;
            store
                .audit(
                    None,
                    "user-add",
                    &format!(
                        "{} as {} (from the command line)",
                        user.email,
                        user.role.as_str()
                    ),
                )
                .await?;
            if !quiet {
                eprintln!("added {} as {}", user.email, user.role.as_str());
            }
        }
        UserCommand::List => {
            for user in store.users().await? {
                let status = user
                    .disabled_at
                    .as_ref()
                    .map_or_else(|| "active".to_string(), |since| format!("disabled {since}"));
                println!(
                    "{}\t{}\t{}\t{status}",
                    user.email,
                    user.role.as_str(),
                    user.created_at
                );
            }
        }
        UserCommand::Disable { email } | UserCommand::Enable { email } => {
            let disable = matches!(args.command, UserCommand::Disable { .. });
            let email = email.trim().to_lowercase();
            if !store.set_disabled(&email, disable, None).await? {
                bail!("no user `{email}`\n\nhint: `bellwether user list` shows the users");
            }
            if !quiet {
                if disable {
                    eprintln!("disabled {email}: signed out everywhere, API tokens deleted");
                } else {
                    eprintln!("enabled {email}: they can sign in again (and make new API tokens)");
                }
            }
        }
        UserCommand::Token {
            email,
            revoke: Some(id_or_name),
            ..
        } => {
            let email = email.trim().to_lowercase();
            if store.user_by_email(&email).await?.is_none() {
                bail!("no user `{email}`\n\nhint: `bellwether user list` shows the users");
            }
            match store.revoke_api_token(&email, id_or_name, None).await? {
                Some(token) => {
                    if !quiet {
                        eprintln!(
                            "revoked API token `{}` ({}) of {email}: it no longer signs in",
                            token.name, token.id
                        );
                    }
                }
                None => bail!(
                    "{email} has no API token with id or name `{id_or_name}`\n\nhint: `bellwether user tokens {email}` lists them"
                ),
            }
        }
        UserCommand::Tokens { email } => {
            let email = email.as_deref().map(|e| e.trim().to_lowercase());
            if let Some(email) = &email {
                if store.user_by_email(email).await?.is_none() {
                    bail!("no user `{email}`\n\nhint: `bellwether user list` shows the users");
                }
            }
            for token in store.api_tokens(email.as_deref()).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    token.id, token.name, token.user_email, token.created_at
                );
            }
        }
        UserCommand::Token { email, name, .. } => {
            let email = email.trim().to_lowercase();
            let Some(user) = store.user_by_email(&email).await? else {
                bail!("no user `{email}`\n\nhint: `bellwether user list` shows the users");
            };
            if user.disabled_at.is_some() {
                bail!("{email} is disabled\n\nhint: `bellwether user enable {email}` first");
            }
            let token = auth::new_token().map_err(|e| anyhow::anyhow!("{e}"))?;
            let digest = auth::token_digest(&token);
            store.create_api_token(&digest, user.id, name).await?;
            store
                .audit(
                    Some(user.id),
                    "token-add",
                    &format!("API token `{name}` (from the command line)"),
                )
                .await?;
            println!("{token}");
            if !quiet {
                eprintln!(
                    "API token `{name}` (id {}) for {}: shown once, keep it secret",
                    &digest[..bellwether_store::TOKEN_ID_CHARS],
                    user.email
                );
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
