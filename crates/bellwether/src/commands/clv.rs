//! `bellwether clv`: customer-lifetime-value summaries, fits and predictions.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

/// Flags of `bellwether clv` (being written).
#[derive(Debug, Args)]
pub struct ClvArgs {}

pub async fn run(db: &Path, args: &ClvArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let _ = (db, args, quiet);
    anyhow::bail!("`bellwether clv` is not written yet")
}
