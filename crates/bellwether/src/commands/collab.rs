//! `bellwether collab add|list|show|export`: co-design collaborations in the store.

use bellwether_store::Location;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use bellwether_app::collaboration::{add_to_collaboration, AddOutcome, CollaborationAddition};
use bellwether_core::Collaboration;
use bellwether_store::{format_date, Store};
use serde::Serialize;

use crate::cli::{CollabAddArgs, CollabArgs, CollabCommand, CollabExportArgs, OutputFormat};
use crate::format::{terminal_safe, truncate, Align, Table};

pub async fn run(db: &Location, args: &CollabArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    match &args.command {
        CollabCommand::Add(add) => run_add(db, add, quiet).await,
        CollabCommand::List(list) => {
            let store = Store::open_existing_location(db).await?;
            let collaborations = store.collaborations().await?;
            store.close().await;
            print_list(&collaborations, list.format)?;
            Ok(ExitCode::SUCCESS)
        }
        CollabCommand::Show(show) => {
            let store = Store::open_existing_location(db).await?;
            let collaboration = store.collaboration(&show.collaboration_id).await?;
            store.close().await;
            let Some(collaboration) = collaboration else {
                bail!(
                    "no collaboration {} in {}\n\nhint: `bellwether collab list` shows the stored ones",
                    show.collaboration_id,
                    db
                );
            };
            print_show(&collaboration, show.format)?;
            Ok(ExitCode::SUCCESS)
        }
        CollabCommand::Export(export) => run_export(db, export, quiet).await,
    }
}

async fn run_add(db: &Location, args: &CollabAddArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing_location(db).await?;
    let addition = CollaborationAddition {
        collaboration_id: args.collaboration_id.clone(),
        name: args.name.clone(),
        started: args.started.clone(),
        customer_ids: args.customers.clone(),
        requirements: args.requirements.clone(),
        language: args.language.clone(),
    };
    let outcome = add_to_collaboration(&store, None, &addition).await;
    store.close().await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        // Say which flag to use for a new collaboration's partners.
        Err(bellwether_app::AppError::Conflict(reason)) => bail!("{reason} with --customer ID"),
        Err(error) => return Err(error.into()),
    };
    if !quiet {
        eprintln!(
            "{} collaboration {}: {} partners and {} requirements added",
            match outcome {
                AddOutcome::Created => "created",
                AddOutcome::Updated => "updated",
            },
            args.collaboration_id,
            args.customers.len(),
            args.requirements.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_export(
    db: &Location,
    args: &CollabExportArgs,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing_location(db).await?;
    let collaborations = store.collaborations().await?;
    store.close().await;
    fs_err::create_dir_all(&args.dir)?;
    let mut partners = bellwether_import::CsvWriter::from_writer(fs_err::File::create(
        args.dir.join("collaborations.csv"),
    )?);
    partners.write_record(["collaboration_id", "customer_id", "name", "started"])?;
    let mut requirements = bellwether_import::CsvWriter::from_writer(fs_err::File::create(
        args.dir.join("requirements.csv"),
    )?);
    requirements.write_record(["collaboration_id", "text", "language"])?;
    let mut n_requirements = 0;
    for collaboration in &collaborations {
        let started = collaboration.started.map(format_date).unwrap_or_default();
        for customer_id in &collaboration.customer_ids {
            partners.write_record([
                collaboration.collaboration_id.as_str(),
                customer_id,
                collaboration.name.as_deref().unwrap_or(""),
                &started,
            ])?;
        }
        for requirement in &collaboration.requirements {
            requirements.write_record([
                collaboration.collaboration_id.as_str(),
                &requirement.text,
                requirement.language.as_deref().unwrap_or(""),
            ])?;
            n_requirements += 1;
        }
    }
    partners.flush()?;
    requirements.flush()?;
    if !quiet {
        eprintln!(
            "wrote {} collaborations and {n_requirements} requirements to {}",
            collaborations.len(),
            args.dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct ListRow<'a> {
    collaboration_id: &'a str,
    name: Option<&'a str>,
    started: Option<String>,
    partners: String,
    n_requirements: usize,
}

fn list_rows(collaborations: &[Collaboration]) -> Vec<ListRow<'_>> {
    collaborations
        .iter()
        .map(|collaboration| ListRow {
            collaboration_id: &collaboration.collaboration_id,
            name: collaboration.name.as_deref(),
            started: collaboration.started.map(format_date),
            partners: collaboration.customer_ids.join(" "),
            n_requirements: collaboration.requirements.len(),
        })
        .collect()
}

fn print_list(collaborations: &[Collaboration], format: OutputFormat) -> anyhow::Result<()> {
    let rows = list_rows(collaborations);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Table => {
            let mut table = Table::new(&[
                ("collaboration", Align::Left),
                ("name", Align::Left),
                ("started", Align::Left),
                ("partners", Align::Left),
                ("requirements", Align::Right),
            ]);
            for row in &rows {
                table.row(vec![
                    row.collaboration_id.to_string(),
                    truncate(row.name.unwrap_or("-"), 40),
                    row.started.clone().unwrap_or_else(|| "-".into()),
                    row.partners.clone(),
                    row.n_requirements.to_string(),
                ]);
            }
            out.write_all(table.render().as_bytes())?;
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, collaborations)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = bellwether_import::CsvWriter::from_writer(&mut out);
            for row in &rows {
                writer.serialize(row)?;
            }
            writer.flush()?;
        }
    }
    Ok(())
}

fn print_show(collaboration: &Collaboration, format: OutputFormat) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Table => {
            writeln!(
                out,
                "{}  {}",
                terminal_safe(&collaboration.collaboration_id),
                terminal_safe(collaboration.name.as_deref().unwrap_or("(no name)"))
            )?;
            if let Some(started) = collaboration.started {
                writeln!(out, "started {}", format_date(started))?;
            }
            writeln!(
                out,
                "partners: {}",
                terminal_safe(&collaboration.customer_ids.join(", "))
            )?;
            writeln!(out, "requirements:")?;
            for (position, requirement) in collaboration.requirements.iter().enumerate() {
                writeln!(
                    out,
                    "  {}. [{}] {}",
                    position + 1,
                    terminal_safe(requirement.language.as_deref().unwrap_or("?")),
                    terminal_safe(&requirement.text)
                )?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, collaboration)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut writer = bellwether_import::CsvWriter::from_writer(&mut out);
            writer.write_record(["collaboration_id", "position", "text", "language"])?;
            for (position, requirement) in collaboration.requirements.iter().enumerate() {
                writer.write_record([
                    collaboration.collaboration_id.as_str(),
                    &(position + 1).to_string(),
                    &requirement.text,
                    requirement.language.as_deref().unwrap_or(""),
                ])?;
            }
            writer.flush()?;
        }
    }
    Ok(())
}
