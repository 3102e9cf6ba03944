//! The Bellwether demo: a deterministic synthetic data set for a fictional fraud and
//! identity product sold to regional and national banks and credit unions.
//!
//! [`write_demo`] writes `bellwether.toml`, `customers.csv`, `transactions.csv`,
//! `requests.csv`, `requests_truth.csv`, `collaborations.csv`, `requirements.csv` and a
//! `README.md`. The same options give byte-identical files on every machine: every random draw
//! comes from a ChaCha8 stream addressed by customer and purpose, amounts are integer cents,
//! and the few transcendental functions come from `libm`.
//!
//! # Planted stories
//!
//! The first five customers are written by hand (ids at the default size):
//!
//! - `C0001` Granite Harbor National Bank: top US national bank on an Oracle core, rank 1 in
//!   Banking, many awards, best analyst rating. Expected **strategic**. It co-designs the
//!   fraud rules (`COL1`) and is the only customer asking for the tailor-made need, an
//!   integration with its in-house mainframe batch system.
//! - `C0002` Kingsmere Global Banking Group: a famous London bank three times larger than the
//!   audience's range, on an in-house core. Expected **showcase**: famous, not representative.
//! - `C0003` Caisse populaire des Érables: a mid-size Quebec credit union on Fiserv with no
//!   awards. Expected **representative**. It runs the member onboarding pilot (`COL2`),
//!   whose requirements are mostly in French.
//! - `C0004` Prairie Crest Savings Bank: US bank on Oracle with awards and a strong analyst
//!   rating, buying almost only with coupon codes. Expected **strategic** on fit and
//!   reputation, with **low influence**.
//! - `C0005` Maison Beaufour Boulangerie-Pâtisserie: the most awarded bakery. Expected
//!   **showcase**: outstanding in its own field, outside the banking audience.
//!
//! The broadly sellable need is single sign-on (`sso`), asked by many banks and credit unions
//! in all four languages; the tailor-made one is `mainframe_batch_integration`.
//!
//! # Scale
//!
//! Customers and transactions are streamed to disk: memory holds a few dozen bytes per
//! customer, never the transactions. About ten transactions per customer on average; requests
//! come from a third of the customers up to 20,000 customers, then from 7% of them.
//! Measured in release on two busy cores: 1,000,000 customers and 9.8 million transactions
//! in about 14 s, with 63 MB of memory (`cargo run --release -p bellwether-demo --example gen -- DIR 1000000`).
//!
//! All amounts are in USD (the `currency` column is always `USD`), so lifetime-value models
//! need no conversion; `amount` is what the customer paid and `discount` what was taken off.

mod customers;
mod format;
mod names;
mod needs;
mod random;
mod requests;
mod transactions;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};

pub use customers::{planted_stories, PlantedStory};
pub use format::customer_id;
pub use needs::{Need, NeedKind, BROADLY_SELLABLE_NEED_ID, NEEDS, TAILOR_MADE_NEED_ID};
pub use requests::{sample_requests, Collaboration, Requirement, SampleRequest, COLLABORATIONS};

use crate::customers::{PurchaseHabits, PLANTED};
use crate::format::{customer_id_width, iso_date, push_field, push_tenths, push_u64};
use crate::random::StreamKey;
use crate::requests::RequestDraft;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of customers, at least the five planted ones.
    pub customers: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// First day of the window; `None` is 2022-01-01 (never today, to stay reproducible).
    pub start: Option<NaiveDate>,
    /// Length of the window in years.
    pub years: u32,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            customers: 3000,
            seed: 42,
            start: None,
            years: 3,
        }
    }
}

/// The default first day of the window.
pub fn default_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).expect("valid date")
}

/// A planted customer with the id it got in this data set.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryCustomer {
    pub customer_id: String,
    pub story: PlantedStory,
}

/// What [`write_demo`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub customers: usize,
    pub transactions: u64,
    pub requests: usize,
    pub collaborations: usize,
    pub requirements: usize,
    /// Every file written, in writing order.
    pub files: Vec<PathBuf>,
    /// First and last day of the window.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The planted customers and what the ranking should say about them.
    pub stories: Vec<StoryCustomer>,
    pub broadly_sellable_need: &'static str,
    pub tailor_made_need: &'static str,
}

/// Why the demo could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("invalid demo option `{option}`: {reason}")]
    InvalidOption {
        option: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

fn create(
    dir: &Path,
    file_name: &str,
    files: &mut Vec<PathBuf>,
) -> Result<BufWriter<fs_err::File>, DemoError> {
    let path = dir.join(file_name);
    let file = fs_err::File::create(&path)?;
    files.push(path);
    Ok(BufWriter::with_capacity(1 << 16, file))
}

/// Writes the demo data set into `dir` (created if needed) and says what it wrote.
pub fn write_demo(dir: &Path, options: &DemoOptions) -> Result<DemoSummary, DemoError> {
    if options.customers < PLANTED.len() {
        return Err(DemoError::InvalidOption {
            option: "customers",
            reason: format!(
                "expected at least {} (the planted customers)",
                PLANTED.len()
            ),
        });
    }
    if options.customers > u32::MAX as usize {
        return Err(DemoError::InvalidOption {
            option: "customers",
            reason: "expected at most 4294967295".to_string(),
        });
    }
    if !(1..=50).contains(&options.years) {
        return Err(DemoError::InvalidOption {
            option: "years",
            reason: "expected 1 to 50".to_string(),
        });
    }
    let first_day = options.start.unwrap_or_else(default_start);
    let end = first_day
        .checked_add_months(Months::new(12 * options.years))
        .ok_or(DemoError::InvalidOption {
            option: "start",
            reason: "the window ends after the last representable date".to_string(),
        })?;
    let n_days = (end - first_day).num_days() as u32;
    let dates: Vec<[u8; 10]> = first_day
        .iter_days()
        .take(n_days as usize)
        .map(iso_date)
        .collect();
    let last_day = end.pred_opt().expect("end is after the first day");

    fs_err::create_dir_all(dir)?;
    let key = StreamKey::from_seed(options.seed);
    let n_customers = options.customers;
    let id_width = customer_id_width(n_customers);
    let mut files = Vec::new();

    let config_path = dir.join("bellwether.toml");
    fs_err::write(&config_path, CONFIG_TOML)?;
    files.push(config_path);

    // Pass 1: the market rank is a position within the industry, so every standing comes first.
    let market_ranks = market_ranks(&key, n_customers);

    // Pass 2: customers.csv, the purchase habits and the requests.
    let mut habits: Vec<PurchaseHabits> = Vec::with_capacity(n_customers);
    let mut created_days: Vec<u32> = Vec::with_capacity(n_customers);
    let mut request_drafts: Vec<RequestDraft> = Vec::new();
    let asking_share = requests::asking_share(n_customers);
    let mut output = create(dir, "customers.csv", &mut files)?;
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 17);
    buffer.extend_from_slice(
        b"customer_id,name,industry,country,employees,annual_revenue,created_at,domain,core_system,uses_oracle,industry_awards,analyst_rating,press_mentions,market_rank\n",
    );
    for customer_idx in 0..n_customers {
        let standing = customers::standing(&key, customer_idx);
        let profile = customers::profile(&key, customer_idx, &standing, n_days);
        push_customer_row(
            &mut buffer,
            customer_idx,
            id_width,
            &profile,
            market_ranks[customer_idx],
            &dates,
        );
        if buffer.len() >= 1 << 16 {
            output.write_all(&buffer)?;
            buffer.clear();
        }
        if customer_idx >= PLANTED.len() {
            requests::customer_requests(
                &key,
                customer_idx,
                &profile,
                n_days,
                asking_share,
                &mut request_drafts,
            );
        }
        habits.push(profile.habits);
        created_days.push(profile.created_day);
    }
    output.write_all(&buffer)?;
    output.flush()?;
    drop(output);
    drop(market_ranks);
    requests::planted_requests(&created_days, n_days, &mut request_drafts);

    let mut output = create(dir, "transactions.csv", &mut files)?;
    let n_transactions = transactions::write_transactions(
        &mut output,
        &key,
        &habits,
        &created_days,
        &dates,
        id_width,
    )?;
    output.flush()?;
    drop(output);
    drop(habits);

    let n_requests = write_requests(dir, &mut files, &mut request_drafts, &dates, n_customers)?;
    let n_requirements = write_collaborations(dir, &mut files, &created_days, &dates, n_customers)?;

    let stories: Vec<StoryCustomer> = PLANTED
        .iter()
        .enumerate()
        .map(|(customer_idx, planted)| StoryCustomer {
            customer_id: customer_id(customer_idx, n_customers),
            story: planted.story.clone(),
        })
        .collect();
    let readme_path = dir.join("README.md");
    fs_err::write(&readme_path, readme(&stories, options, first_day, last_day))?;
    files.push(readme_path);

    Ok(DemoSummary {
        customers: n_customers,
        transactions: n_transactions,
        requests: n_requests,
        collaborations: COLLABORATIONS.len(),
        requirements: n_requirements,
        files,
        first_day,
        last_day,
        stories,
        broadly_sellable_need: BROADLY_SELLABLE_NEED_ID,
        tailor_made_need: TAILOR_MADE_NEED_ID,
    })
}

/// The market rank of every customer within its industry (1 is the best standing).
fn market_ranks(key: &StreamKey, n_customers: usize) -> Vec<u32> {
    let mut order: Vec<(customers::Industry, f64, u32)> = (0..n_customers)
        .map(|customer_idx| {
            let standing = customers::standing(key, customer_idx);
            (standing.industry, standing.standing, customer_idx as u32)
        })
        .collect();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut ranks = vec![0u32; n_customers];
    let mut rank = 0;
    let mut previous_industry = None;
    for (industry, _, customer_idx) in order {
        if previous_industry != Some(industry) {
            rank = 0;
            previous_industry = Some(industry);
        }
        rank += 1;
        ranks[customer_idx as usize] = rank;
    }
    ranks
}

fn push_customer_row(
    buffer: &mut Vec<u8>,
    customer_idx: usize,
    id_width: usize,
    profile: &customers::Profile,
    market_rank: u32,
    dates: &[[u8; 10]],
) {
    format::push_customer_id(buffer, customer_idx, id_width);
    buffer.push(b',');
    push_field(buffer, &profile.name);
    buffer.push(b',');
    buffer.extend_from_slice(profile.industry.label().as_bytes());
    buffer.push(b',');
    buffer.extend_from_slice(profile.country.code().as_bytes());
    buffer.push(b',');
    push_u64(buffer, profile.employees);
    buffer.push(b',');
    push_u64(buffer, profile.annual_revenue);
    buffer.push(b',');
    buffer.extend_from_slice(&dates[profile.created_day as usize]);
    buffer.push(b',');
    if let Some(domain) = &profile.domain {
        buffer.extend_from_slice(domain.as_bytes());
    }
    buffer.push(b',');
    if let Some(core_system) = profile.core_system {
        buffer.extend_from_slice(core_system.as_bytes());
    }
    buffer.push(b',');
    if let Some(uses_oracle) = profile.uses_oracle {
        buffer.extend_from_slice(if uses_oracle { b"true" } else { b"false" });
    }
    buffer.push(b',');
    if let Some(awards) = profile.industry_awards {
        push_u64(buffer, awards);
    }
    buffer.push(b',');
    if let Some(rating) = profile.analyst_rating_tenths {
        push_tenths(buffer, rating);
    }
    buffer.push(b',');
    if let Some(press) = profile.press_mentions {
        push_u64(buffer, press);
    }
    buffer.push(b',');
    if profile.market_rank_known {
        push_u64(buffer, u64::from(market_rank));
    }
    buffer.push(b'\n');
}

fn date_text(dates: &[[u8; 10]], day: u32) -> &str {
    std::str::from_utf8(&dates[day as usize]).expect("dates are ASCII")
}

/// Writes `requests.csv` and `requests_truth.csv`, numbering requests in date order.
fn write_requests(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    drafts: &mut [RequestDraft],
    dates: &[[u8; 10]],
    n_customers: usize,
) -> Result<usize, DemoError> {
    drafts.sort_by_key(|draft| (draft.day, draft.customer_idx));
    let id_width = drafts.len().to_string().len().max(5);
    let mut requests_csv = csv::Writer::from_writer(create(dir, "requests.csv", files)?);
    requests_csv.write_record(["request_id", "customer_id", "date", "text", "language"])?;
    let mut truth_csv = csv::Writer::from_writer(create(dir, "requests_truth.csv", files)?);
    truth_csv.write_record(["request_id", "need_id"])?;
    for (request_idx, draft) in drafts.iter().enumerate() {
        let request_id = format!("R{:0width$}", request_idx + 1, width = id_width);
        let customer = customer_id(draft.customer_idx as usize, n_customers);
        let language = draft.language.map_or("", |language| language.code());
        requests_csv.write_record([
            &request_id,
            &customer,
            date_text(dates, draft.day),
            &draft.text,
            language,
        ])?;
        truth_csv.write_record([&request_id, NEEDS[draft.need_idx].id])?;
    }
    requests_csv.flush()?;
    truth_csv.flush()?;
    Ok(drafts.len())
}

/// Writes `collaborations.csv` and `requirements.csv`; returns the number of requirements.
fn write_collaborations(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    created_days: &[u32],
    dates: &[[u8; 10]],
    n_customers: usize,
) -> Result<usize, DemoError> {
    let n_days = dates.len() as u32;
    let mut collaborations_csv =
        csv::Writer::from_writer(create(dir, "collaborations.csv", files)?);
    collaborations_csv.write_record(["collaboration_id", "customer_id", "name", "started"])?;
    let mut requirements_csv = csv::Writer::from_writer(create(dir, "requirements.csv", files)?);
    requirements_csv.write_record(["collaboration_id", "text", "language"])?;
    let mut n_requirements = 0;
    for collaboration in COLLABORATIONS {
        let started = collaboration
            .started_day
            .max(created_days[collaboration.customer_idx])
            .min(n_days - 1);
        collaborations_csv.write_record([
            collaboration.collaboration_id,
            &customer_id(collaboration.customer_idx, n_customers),
            collaboration.name,
            date_text(dates, started),
        ])?;
        for requirement in collaboration.requirements {
            requirements_csv.write_record([
                collaboration.collaboration_id,
                requirement.text,
                requirement.language,
            ])?;
            n_requirements += 1;
        }
    }
    collaborations_csv.flush()?;
    requirements_csv.flush()?;
    Ok(n_requirements)
}

/// The demo's `bellwether.toml`: the audience of a fraud and identity product for banks.
pub const CONFIG_TOML: &str = include_str!("demo.toml");

fn readme(
    stories: &[StoryCustomer],
    options: &DemoOptions,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> String {
    let mut text = String::new();
    text.push_str("# Bellwether demo data\n\n");
    text.push_str(&format!(
        "Synthetic, deterministic data (seed {}, {} customers, {} to {}) for a fictional fraud and identity product sold to banks and credit unions. All companies are invented.\n\n",
        options.seed, options.customers, first_day, last_day
    ));
    text.push_str("## Planted stories\n\n");
    for story_customer in stories {
        let story = &story_customer.story;
        let quadrant = format!("{:?}", story.expected_quadrant).to_lowercase();
        let influence = if story.expect_low_influence {
            ", low influence"
        } else {
            ""
        };
        text.push_str(&format!(
            "- `{}` {}: expected **{}**{}. {}.\n",
            story_customer.customer_id, story.name, quadrant, influence, story.why
        ));
    }
    text.push_str(&format!(
        "\nBroadly sellable need: `{BROADLY_SELLABLE_NEED_ID}` (single sign-on), asked by many banks and credit unions in English, French, Italian and Estonian.\n\
         Tailor-made need: `{TAILOR_MADE_NEED_ID}`, asked only by `{}`.\n\n",
        stories[customers::TOP_BANK].customer_id
    ));
    text.push_str(
        "## Files\n\n\
         - `bellwether.toml`: audience, reputation signals, influence, quadrants, acquirer column.\n\
         - `customers.csv`: one row per customer; about 15% of signal cells are empty on purpose.\n\
         - `transactions.csv`: BG/NBD-like purchases, sorted by date then customer; all amounts in USD, `amount` is what was paid, `discount` what was taken off.\n\
         - `requests.csv`: feature requests and feedback in en/fr/it/et, with typos and some empty `language` cells.\n\
         - `requests_truth.csv`: the true need of each request (ground truth for the matcher; not imported).\n\
         - `collaborations.csv`, `requirements.csv`: the two co-design collaborations and their requirements.\n",
    );
    text
}
