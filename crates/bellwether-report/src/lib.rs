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
