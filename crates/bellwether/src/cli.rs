//! Command-line flags; doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find strategic customers: import your customer data, score each customer's fit to
/// your target audience and reputation in its own field, and explain the ranking.
#[derive(Debug, Parser)]
#[command(
    name = "bellwether",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The workspace database: a SQLite file, or a PostgreSQL URL (postgres://user@host/db).
    #[arg(
        long,
        global = true,
        env = "BELLWETHER_DB",
        default_value = "bellwether.db"
    )]
    pub db: bellwether_store::Location,

    /// Print nothing but the data and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented bellwether.toml template.
    Init(InitArgs),
    /// Import customers.csv, transactions.csv, requests.csv, collaborations.csv, requirements.csv
    /// and bellwether.toml from a folder.
    Import(ImportArgs),
    /// Rank customers as strategic-customer candidates.
    Rank(RankArgs),
    /// Explain one customer's scores.
    Explain(ExplainArgs),
    /// Write the built-in demo data set, import it and show the top of the ranking.
    Demo(DemoArgs),
    /// Customer-lifetime-value models: summaries, fits and predictions (BG/NBD, Pareto/NBD, Gamma-Gamma…).
    Clv(crate::commands::clv::ClvArgs),
    /// Choose a set of design partners: high strategic score, covering the audience's segments.
    Partners(PartnersArgs),
    /// Co-design collaborations: add, list, show, export.
    Collab(CollabArgs),
    /// Who else asks for each requirement of a collaboration: broadly sellable or tailor-made.
    Reach(ReachArgs),
    /// Every request grouped into needs across languages, ranked by fit-weighted reach.
    Demand(DemandArgs),
    /// Serve the web app and JSON API for a team (sign in with accounts from `bellwether user add`).
    Serve(ServeArgs),
    /// Manage the accounts of the web app: add users, list them, make API tokens.
    User(UserArgs),
    /// Write the acquisition due-diligence report (customer equity, retention, concentration,
    /// strategic customers, jump-ship scenario) as one self-contained HTML file or as JSON.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; the default accepts connections from this machine only.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Served over HTTPS (e.g. behind a TLS proxy): cookies are Secure and `__Host-` prefixed,
    /// and answers carry Strict-Transport-Security.
    #[arg(long)]
    pub secure_cookies: bool,
    /// The largest import upload, all files together, in MiB.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_upload_mib: u64,
    /// The longest field of an uploaded CSV file, in bytes (an uploaded `[import]` section may lower it).
    #[arg(long, default_value_t = bellwether_import::DEFAULT_MAX_FIELD_BYTES as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_field_bytes: u64,
    /// The longest row of an uploaded CSV file, in bytes (an uploaded `[import]` section may lower it).
    #[arg(long, default_value_t = bellwether_import::DEFAULT_MAX_LINE_BYTES as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_line_bytes: u64,
    /// How long the due-diligence report may compute, in seconds, before it stops with an error.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub report_time_budget: u64,
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Reads everything.
    Viewer,
    /// Also imports data and edits collaborations.
    Analyst,
    /// Also manages users.
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password comes from BELLWETHER_PASSWORD or, with --password-stdin, the first line of stdin.
    Add {
        /// The user's email, used to sign in.
        email: String,
        /// What the user may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users: email, role, created, and `active` or `disabled SINCE`.
    List,
    /// Disable a user (offboarding): signed out everywhere, API tokens deleted, sign-in refused.
    /// Their audit entries keep their name. The last active admin cannot be disabled.
    Disable {
        /// The user's email.
        email: String,
    },
    /// Let a disabled user sign in again (old API tokens stay revoked).
    Enable {
        /// The user's email.
        email: String,
    },
    /// Make an API token for a user (printed once; scripts send it as `Authorization: Bearer TOKEN`),
    /// or revoke one with --revoke.
    Token {
        /// The user's email.
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "script")]
        name: String,
        /// Revoke the user's token with this id or name (see `bellwether user tokens`) instead.
        #[arg(long, value_name = "ID_OR_NAME", conflicts_with = "name")]
        revoke: Option<String>,
    },
    /// List API tokens (never the tokens themselves): id, name, user, created.
    Tokens {
        /// Only this user's tokens.
        email: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct PartnersArgs {
    /// How many partners the set holds, signed ones (`--include`) counted.
    #[arg(long, default_value_t = 5)]
    pub k: usize,
    /// A customer_id already signed as a partner (repeatable): in the set first.
    #[arg(long = "include", value_name = "ID")]
    pub include: Vec<String>,
    /// A customer_id that may not be picked (repeatable).
    #[arg(long = "exclude", value_name = "ID")]
    pub exclude: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

#[derive(Debug, Args)]
pub struct CollabArgs {
    #[command(subcommand)]
    pub command: CollabCommand,
}

#[derive(Debug, Subcommand)]
pub enum CollabCommand {
    /// Create a collaboration, or add partners and requirements to one.
    Add(CollabAddArgs),
    /// List the collaborations.
    List(CollabListArgs),
    /// Show one collaboration with its partners and requirements.
    Show(CollabShowArgs),
    /// Write collaborations.csv and requirements.csv (the import format) into a folder.
    Export(CollabExportArgs),
}

#[derive(Debug, Args)]
pub struct CollabAddArgs {
    /// The collaboration_id.
    pub collaboration_id: String,
    /// A partner customer_id (repeatable).
    #[arg(long = "customer", value_name = "ID")]
    pub customers: Vec<String>,
    /// The collaboration's name.
    #[arg(long)]
    pub name: Option<String>,
    /// Start date, YYYY-MM-DD.
    #[arg(long)]
    pub started: Option<String>,
    /// A requirement's text (repeatable).
    #[arg(long = "requirement", value_name = "TEXT")]
    pub requirements: Vec<String>,
    /// Language of the requirements given (en, fr, it, et); detected when absent.
    #[arg(long)]
    pub language: Option<String>,
}

#[derive(Debug, Args)]
pub struct CollabListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct CollabShowArgs {
    /// The collaboration_id.
    pub collaboration_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct CollabExportArgs {
    /// Folder to write into (created if needed).
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// A glossary extending the shipped one, instead of the one stored by the last import.
    #[arg(long)]
    pub glossary: Option<PathBuf>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

#[derive(Debug, Args)]
pub struct ReachArgs {
    /// The collaboration_id.
    pub collaboration_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub matching: MatchArgs,
}

#[derive(Debug, Args)]
pub struct DemandArgs {
    /// Show only the first N needs [default: 20 for tables, all otherwise].
    #[arg(long)]
    pub top: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub matching: MatchArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write bellwether.toml into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing bellwether.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Folder holding customers.csv and, optionally, transactions.csv, requests.csv and bellwether.toml.
    pub dir: PathBuf,
    /// Import the valid rows and write the rejected ones, with reasons, to a rejects file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where `--skip-invalid` writes rejected rows [default: DIR/rejects.csv].
    #[arg(long, requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// How many errors to print before summarising the rest.
    #[arg(long, default_value_t = 100)]
    pub max_errors: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QuadrantArg {
    Strategic,
    Showcase,
    Representative,
    Transactional,
}

impl From<QuadrantArg> for bellwether_core::Quadrant {
    fn from(value: QuadrantArg) -> Self {
        match value {
            QuadrantArg::Strategic => bellwether_core::Quadrant::Strategic,
            QuadrantArg::Showcase => bellwether_core::Quadrant::Showcase,
            QuadrantArg::Representative => bellwether_core::Quadrant::Representative,
            QuadrantArg::Transactional => bellwether_core::Quadrant::Transactional,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScoringArgs {
    /// Score with this bellwether.toml instead of the one stored by the last import.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RankArgs {
    /// Show only the first N customers [default: 20 for tables, all otherwise].
    #[arg(long)]
    pub top: Option<usize>,
    /// Show only customers in this quadrant.
    #[arg(long, value_enum)]
    pub quadrant: Option<QuadrantArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The customer_id to explain.
    pub customer_id: String,
    /// Output format (table means plain text).
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder to write the demo CSV files and bellwether.toml into.
    #[arg(long, default_value = "bellwether-demo")]
    pub dir: PathBuf,
    /// Number of customers.
    #[arg(long, default_value_t = 3000)]
    pub customers: usize,
    /// Random seed: the same seed writes the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How many customers of the ranking to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Only write the files; import nothing (used by the benchmarks).
    #[arg(long)]
    pub no_import: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page (inline CSS and SVG; no external request).
    Html,
    /// The report's figures, for other tools.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Language of the report: en, fr, it or et.
    #[arg(long, default_value = "en", value_parser = ["en", "fr", "it", "et"])]
    pub lang: String,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}
