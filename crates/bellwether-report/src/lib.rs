//! The acquisition due-diligence report: is this customer base worth buying?
//!
//! [`compute`] turns customers (with their scores) and their purchase histories into
//! [`Figures`], the serde-serialisable numbers of the report (its JSON output);
//! [`render_html`] turns figures into one self-contained HTML page with inline SVG charts
//! and CSS, in English, French, Italian or Estonian.
//!
//! Nothing here does IO: the binary loads from the store and passes values in.

mod charts;
mod clv;
mod figures;
pub mod options;
mod render;

pub use figures::*;
pub use options::{AcquirerSpec, ReportOptions};

/// `true` as an `[acquirer]` value.
pub fn options_value_true() -> options::toml_value::Value {
    options::toml_value::Value::Bool(true)
}
pub use render::render_html;

use bellwether_core::Quadrant;

/// Everything that can go wrong while computing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no customer has a purchase: the report needs a transaction history")]
    NoPurchases,
    #[error("invalid value for `{key}`: {reason}")]
    InvalidOption { key: String, reason: String },
    #[error("customer {customer_id} has a non-finite amount on day {day}")]
    NonFiniteAmount { customer_id: String, day: i32 },
    #[error("{count} histories for {customers} customers")]
    HistoryCount { count: usize, customers: usize },
    #[error("the report took longer than its time budget")]
    TimeBudget,
    #[error("the lifetime-value models could not be fitted: {0}")]
    Clv(String),
    #[error(transparent)]
    I18n(#[from] bellwether_i18n::I18nError),
}

/// One customer as the report sees it: identity, segment and scores.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerInput {
    pub customer_id: String,
    /// The segment equity is broken down by (the industry), if known.
    pub segment: Option<String>,
    pub quadrant: Quadrant,
    pub fit: f64,
    pub reputation: f64,
    /// Share of purchases that carried a coupon, in [0, 1].
    pub coupon_share: f64,
    /// Discount as a share of list price (paid + discount), in [0, 1].
    pub discount_share: f64,
    /// Whether the customer already runs the acquirer's stack (`[acquirer]`), when known.
    pub on_acquirer_stack: Option<bool>,
}

/// The report's input: customers and, in the same order, their purchases as
/// `(day, amount)` with days counted from 1970-01-01, in any order.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub customers: Vec<CustomerInput>,
    pub histories: Vec<Vec<(i32, f64)>>,
}

/// The quadrant map as an inline SVG, drawn as in the report: fit (x) against reputation
/// (y), the thresholds dashed, one marker shape per quadrant. The web app's map page uses it.
pub fn quadrant_map_svg(
    messages: &bellwether_i18n::Messages,
    points: &[MapPoint],
    thresholds: [f64; 2],
) -> String {
    let index = |q: Quadrant| match q {
        Quadrant::Strategic => 0,
        Quadrant::Showcase => 1,
        Quadrant::Representative => 2,
        Quadrant::Transactional => 3,
    };
    let points: Vec<(f64, f64, usize)> = points
        .iter()
        .map(|p| (p.fit, p.reputation, index(p.quadrant)))
        .collect();
    let legend = [
        messages.get("quadrant-strategic", &[]),
        messages.get("quadrant-showcase", &[]),
        messages.get("quadrant-representative", &[]),
        messages.get("quadrant-transactional", &[]),
    ];
    charts::quadrant_map(
        "quadrant-map",
        &messages.get("chart-quadrants", &[]),
        messages,
        &points,
        (thresholds[0], thresholds[1]),
        [&legend[0], &legend[1], &legend[2], &legend[3]],
    )
}
