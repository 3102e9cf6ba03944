//! One module per subcommand; each turns validated flags into work.

pub mod clv;
mod collab;
mod demo;
mod explain;
mod import;
mod init;
mod needs;
mod partners;
mod rank;
mod report;
mod serve;

use bellwether_store::Location;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
pub use bellwether_core::ranking::{RankedCustomer, Ranking, ReasonsFor};
use bellwether_core::Config;
use bellwether_store::Store;

use crate::cli::{Cli, Command, ScoringArgs};

pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli
        .db
        .sqlite_path()
        .is_some_and(|path| path.as_os_str().is_empty())
    {
        anyhow::bail!(
            "--db is empty\n\nhint: name a SQLite file (the default is bellwether.db) or a postgres:// URL"
        );
    }
    match cli.command {
        Command::Init(args) => init::run(&args, cli.quiet),
        Command::Import(args) => import::run(&cli.db, &args, cli.quiet).await,
        Command::Rank(args) => rank::run(&cli.db, &args, cli.quiet).await,
        Command::Explain(args) => explain::run(&cli.db, &args).await,
        Command::Demo(args) => demo::run(&cli.db, &args, cli.quiet).await,
        Command::Clv(args) => clv::run(&cli.db, &args, cli.quiet).await,
        Command::Partners(args) => partners::run(&cli.db, &args, cli.quiet).await,
        Command::Collab(args) => collab::run(&cli.db, &args, cli.quiet).await,
        Command::Reach(args) => needs::run_reach(&cli.db, &args, cli.quiet).await,
        Command::Demand(args) => needs::run_demand(&cli.db, &args, cli.quiet).await,
        Command::Serve(args) => serve::serve(&cli.db, &args, cli.quiet).await,
        Command::User(args) => serve::user(&cli.db, &args, cli.quiet).await,
        Command::Report(args) => report::run(&cli.db, &args, cli.quiet).await,
    }
}

/// The configuration to score with: `--config FILE`, else the one stored by the last import, else defaults.
pub async fn load_config(store: &Store, args: &ScoringArgs, quiet: bool) -> anyhow::Result<Config> {
    if let Some(path) = &args.config {
        return read_config(path);
    }
    match bellwether_app::stored_config(store).await? {
        Some(config) => Ok(config),
        None => {
            if !quiet {
                eprintln!("warning: no bellwether.toml imported and no --config given: scoring without a target audience");
            }
            Ok(Config::default())
        }
    }
}

/// Reads and checks a `bellwether.toml` file.
pub fn read_config(path: &Path) -> anyhow::Result<Config> {
    let text = fs_err::read_to_string(path)?;
    Config::from_toml(&text).with_context(|| format!("invalid configuration in {}", path.display()))
}

/// Opens the workspace, scores every customer and ranks them.
pub async fn rank_store(
    db: &Location,
    scoring: &ScoringArgs,
    quiet: bool,
    reasons_for: ReasonsFor<'_>,
) -> anyhow::Result<Ranking> {
    let store = Store::open_existing_location(db).await?;
    let config = load_config(&store, scoring, quiet).await?;
    let records = store.customer_records().await?;
    store.close().await;
    Ok(Ranking::new(records, &config, reasons_for))
}

/// With `BELLWETHER_TIMINGS=1`, prints to stderr the time since the first call, after
/// each phase of a command (benchmarks read these lines to time one phase alone).
pub(crate) fn timing(phase: &str) {
    use std::sync::OnceLock;
    static START: OnceLock<Option<std::time::Instant>> = OnceLock::new();
    let start = START
        .get_or_init(|| std::env::var_os("BELLWETHER_TIMINGS").map(|_| std::time::Instant::now()));
    if let Some(start) = start {
        // Resident memory from /proc (Linux), to see which phase grows the process.
        let resident_mib = std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(String::new(), |pages| {
                format!("  ({} MiB resident)", (pages * 4096) >> 20)
            });
        eprintln!(
            "timing: {:>8.3} s  {phase}{resident_mib}",
            start.elapsed().as_secs_f64()
        );
    }
}
