//! The `bellwether` command line: data to stdout, everything else to stderr.

mod cli;
mod commands;
mod format;

use std::process::ExitCode;

use clap::Parser;

/// Imports and scoring allocate many small strings across threads; mimalloc handles that
/// far better than glibc's allocator (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    // The server answers many requests at once; every other command is one job, except that the
    // PostgreSQL import writer hands its worker over to blocking work (`block_in_place`), which
    // only a multi-threaded runtime allows.
    let runtime = if matches!(cli.command, cli::Command::Serve(_)) || cli.db.is_postgres() {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(commands::dispatch(cli))
}
