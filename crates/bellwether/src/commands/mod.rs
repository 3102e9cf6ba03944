//! One module per subcommand; each turns validated flags into work.

pub mod clv;
mod demo;
mod explain;
mod import;
mod init;
mod rank;
mod report;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use bellwether_core::score::MAX_REASONS;
use bellwether_core::{Config, CustomerRecord, Quadrant, Score, ScoreOptions, Scoring};
use bellwether_store::Store;

use crate::cli::{Cli, Command, ScoringArgs};

pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args, cli.quiet),
        Command::Import(args) => import::run(&cli.db, &args, cli.quiet).await,
        Command::Rank(args) => rank::run(&cli.db, &args, cli.quiet).await,
        Command::Explain(args) => explain::run(&cli.db, &args).await,
        Command::Demo(args) => demo::run(&cli.db, &args, cli.quiet).await,
        Command::Clv(args) => clv::run(&cli.db, &args, cli.quiet).await,
        Command::Report(args) => report::run(&cli.db, &args, cli.quiet).await,
    }
}

/// The configuration to score with: `--config FILE`, else the one stored by the last import, else defaults.
pub async fn load_config(store: &Store, args: &ScoringArgs, quiet: bool) -> anyhow::Result<Config> {
    if let Some(path) = &args.config {
        return read_config(path);
    }
    match store.setting("config").await? {
        Some(text) => Config::from_toml(&text)
            .context("the bellwether.toml stored by the last import is invalid"),
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

/// Which customers get their reasons written: reasons are most of the cost of scoring, and a
/// ranking of a million customers usually shows twenty.
#[derive(Debug, Clone, Copy)]
pub enum ReasonsFor<'a> {
    /// The rows a listing shows: the first `top` of the ranking, within `quadrant` if given.
    Shown {
        quadrant: Option<Quadrant>,
        top: usize,
    },
    /// One customer, by `customer_id`.
    Customer(&'a str),
}

/// Above this many customers, reasons are written in one parallel pass rather than one by one.
const REASONS_ONE_BY_ONE_MAX: usize = 10_000;

/// Customers with their scores, best first (ties broken by `customer_id`).
pub struct Ranking {
    pub records: Vec<CustomerRecord>,
    /// Scores in record order; only the customers asked for in [`ReasonsFor`] carry reasons.
    pub scores: Vec<Score>,
    /// Indexes into `records`/`scores`, best first.
    pub order: Vec<usize>,
}

impl Ranking {
    pub fn new(
        records: Vec<CustomerRecord>,
        config: &Config,
        reasons_for: ReasonsFor<'_>,
    ) -> Ranking {
        let scoring = Scoring::new(&records, config);
        let mut scores = scoring.scores(&ScoreOptions { max_reasons: 0 });
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&left, &right| {
            scores[right]
                .strategic_score
                .total_cmp(&scores[left].strategic_score)
                .then_with(|| scores[left].customer_id.cmp(&scores[right].customer_id))
        });
        let wanted: Vec<usize> = match reasons_for {
            ReasonsFor::Shown { quadrant, top } => order
                .iter()
                .copied()
                .filter(|&index| quadrant.is_none_or(|quadrant| scores[index].quadrant == quadrant))
                .take(top)
                .collect(),
            ReasonsFor::Customer(customer_id) => scores
                .iter()
                .position(|score| score.customer_id == customer_id)
                .into_iter()
                .collect(),
        };
        if wanted.len() > REASONS_ONE_BY_ONE_MAX {
            scores = scoring.scores(&ScoreOptions::default());
        } else {
            for index in wanted {
                scores[index].reasons = scoring.reasons(index, MAX_REASONS);
            }
        }
        drop(scoring);
        Ranking {
            records,
            scores,
            order,
        }
    }
}

/// Opens the workspace, scores every customer and ranks them.
pub async fn rank_store(
    db: &Path,
    scoring: &ScoringArgs,
    quiet: bool,
    reasons_for: ReasonsFor<'_>,
) -> anyhow::Result<Ranking> {
    let store = Store::open_existing(db).await?;
    let config = load_config(&store, scoring, quiet).await?;
    let records = store.customer_records().await?;
    store.close().await;
    Ok(Ranking::new(records, &config, reasons_for))
}
