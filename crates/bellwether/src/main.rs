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
    use_huge_pages();
    let cli = cli::Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Lets the allocator back its large arenas with transparent huge pages: ranking a million
/// customers touches over a gigabyte, and faulting it in 4 KiB pages cost a second of system time.
#[allow(
    unsafe_code,
    reason = "one call to set a mimalloc option; it takes no pointers and cannot fail"
)]
fn use_huge_pages() {
    // SAFETY: `mi_option_set_enabled` only stores a flag in mimalloc's option table.
    unsafe {
        libmimalloc_sys::mi_option_set_enabled(libmimalloc_sys::mi_option_large_os_pages, true)
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(commands::dispatch(cli))
}
