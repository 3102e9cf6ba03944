//! Bellwether's domain: customers, their purchases and requests, the
//! `bellwether.toml` configuration, and the strategic-customer score.
//!
//! Nothing in this crate does IO, touches a database or is async; callers
//! hand it plain values and get plain values back.

pub mod config;
pub mod model;
pub mod partners;
pub mod ranking;
pub mod score;

pub use config::{Config, ConfigError};
pub use model::{
    AttrValue, Collaboration, CollaborationPartner, Customer, CustomerRecord, PurchaseStats,
    Request, Requirement, Transaction,
};
pub use partners::{select_partners, PartnerOptions, PartnerSelection, Segment};
pub use score::{
    score_customers, score_customers_with, Quadrant, Reason, Score, ScoreOptions, Scoring,
};
