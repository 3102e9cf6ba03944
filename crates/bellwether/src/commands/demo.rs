//! `bellwether demo`: write the synthetic data set, import it, show the top of the ranking.

use bellwether_store::Location;
use std::process::ExitCode;

use anyhow::Context;
use bellwether_demo::{write_demo, DemoOptions};

use super::{rank_store, ReasonsFor};
use crate::cli::{DemoArgs, ImportArgs, ScoringArgs};
use crate::commands::rank::{quadrant_summary, render_table};
use crate::format::grouped;

pub async fn run(db: &Location, args: &DemoArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let options = DemoOptions {
        customers: args.customers,
        seed: args.seed,
        ..DemoOptions::default()
    };
    let summary = write_demo(&args.dir, &options)
        .with_context(|| format!("cannot write the demo data set to {}", args.dir.display()))?;
    if !quiet {
        eprintln!(
            "wrote the demo data set to {}: {} customers, {} transactions, {} requests (seed {})",
            args.dir.display(),
            grouped(summary.customers as u64),
            grouped(summary.transactions as u64),
            grouped(summary.requests as u64),
            args.seed
        );
    }
    if args.no_import {
        return Ok(ExitCode::SUCCESS);
    }
    let import_args = ImportArgs {
        dir: args.dir.clone(),
        skip_invalid: false,
        rejects: None,
        max_errors: 100,
    };
    let code = super::import::run(db, &import_args, quiet).await?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    let ranking = rank_store(
        db,
        &ScoringArgs { config: None },
        quiet,
        ReasonsFor::Shown {
            quadrant: None,
            top: args.top,
        },
    )
    .await?;
    print!("{}", render_table(ranking.ranked(None).take(args.top)));
    if !quiet {
        eprintln!("{}", quadrant_summary(&ranking));
        eprintln!("\nnext: `bellwether rank --quadrant strategic`, `bellwether explain C0001`, `bellwether rank --format json`");
        eprintln!(
            "      `bellwether partners --k 5`, `bellwether reach COL1`, `bellwether demand`"
        );
        eprintln!(
            "      `bellwether clv fit --model bgnbd`, `bellwether report --out report.html`, `bellwether serve` (after `bellwether user add`)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
