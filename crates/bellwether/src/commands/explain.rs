//! `bellwether explain ID`: one customer's scores and the reasons behind them.

use bellwether_store::Location;
use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use super::RankedCustomer;
use super::{rank_store, Ranking, ReasonsFor};
use crate::cli::{ExplainArgs, OutputFormat};
use crate::commands::rank::quadrant_name;
use crate::format::{grouped, money, terminal_safe};

pub async fn run(db: &Location, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let ranking = rank_store(
        db,
        &args.scoring,
        true,
        ReasonsFor::Customer(&args.customer_id),
    )
    .await?;
    let Some(row) = ranking
        .ranked(None)
        .find(|row| row.customer_id == args.customer_id)
    else {
        bail!("customer `{}` is not in the store\n\nhint: `bellwether rank --format csv` lists every customer_id", args.customer_id);
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&row)?),
        OutputFormat::Table | OutputFormat::Csv => print!("{}", render(&ranking, &row)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The plain-text explanation.
pub fn render(ranking: &Ranking, row: &RankedCustomer<'_>) -> String {
    let index = ranking.order[row.rank - 1];
    let stats = &ranking.records[index].stats;
    let mut out = String::new();
    let place = [row.industry, row.country]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "{}  {}{}",
        terminal_safe(row.customer_id),
        terminal_safe(row.name.unwrap_or("(no name)")),
        if place.is_empty() {
            String::new()
        } else {
            format!(" ({})", terminal_safe(&place))
        }
    );
    let _ = writeln!(
        out,
        "rank {} of {}, quadrant {}, strategic score {:.3} = sqrt(fit × reputation) × influence",
        grouped(row.rank as u64),
        grouped(ranking.order.len() as u64),
        quadrant_name(row.quadrant),
        row.strategic_score
    );
    let _ = writeln!(
        out,
        "  fit         {:.3}  (stated criteria {:.3}, typicality {:.3})",
        row.fit, row.criteria_fit, row.typicality
    );
    let known = if row.reputation_known {
        ""
    } else {
        ", no signal known"
    };
    let _ = writeln!(
        out,
        "  reputation  {:.3}  (within its own industry{known})",
        row.reputation
    );
    let _ = writeln!(
        out,
        "  influence   {:.3}  (coupon on {:.0}% of purchases, discounts {:.0}% of spend)",
        row.influence,
        row.coupon_share * 100.0,
        row.discount_share * 100.0
    );
    if stats.n_transactions > 0 {
        let dates = match (stats.first_date, stats.last_date) {
            (Some(first), Some(last)) => format!(", {first} to {last}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "purchases: {} transactions, {} spent{dates}",
            grouped(stats.n_transactions),
            money(stats.total_amount)
        );
    } else {
        let _ = writeln!(out, "purchases: none recorded");
    }
    let _ = writeln!(out, "reasons:");
    for reason in row.reasons {
        let sign = if reason.effect > 0.0 {
            '+'
        } else if reason.effect < 0.0 {
            '-'
        } else {
            '?'
        };
        let _ = writeln!(out, "  {sign} {}", terminal_safe(&reason.text));
    }
    out
}
