//! `bellwether init`: write the commented configuration template.

use std::process::ExitCode;

use anyhow::bail;

use crate::cli::InitArgs;

pub fn run(args: &InitArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let path = args.dir.join("bellwether.toml");
    if path.exists() && !args.force {
        bail!(
            "{} already exists\n\nhint: pass --force to overwrite it",
            path.display()
        );
    }
    fs_err::create_dir_all(&args.dir)?;
    fs_err::write(&path, bellwether_core::config::TEMPLATE)?;
    if !quiet {
        eprintln!("wrote {}: edit the [audience] and [reputation] sections, then run `bellwether import {}`", path.display(), args.dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
