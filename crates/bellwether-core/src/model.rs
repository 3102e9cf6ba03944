//! Plain domain records, as imported from a company's exports.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A value of a free-form customer attribute (any extra `customers.csv` column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl AttrValue {
    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Number(value) => Some(*value),
            AttrValue::Bool(_) | AttrValue::Text(_) => None,
        }
    }

    /// The value as text, for matching against allowed values.
    pub fn as_text(&self) -> String {
        match self {
            AttrValue::Bool(value) => value.to_string(),
            AttrValue::Number(value) => value.to_string(),
            AttrValue::Text(value) => value.clone(),
        }
    }
}

/// One row of `customers.csv`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Customer {
    pub customer_id: String,
    pub name: Option<String>,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub employees: Option<f64>,
    pub annual_revenue: Option<f64>,
    pub created_at: Option<NaiveDate>,
    pub domain: Option<String>,
    /// Every further column, by its header as written in the file.
    pub attributes: BTreeMap<String, AttrValue>,
}

/// One row of `transactions.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub customer_id: String,
    pub date: NaiveDate,
    pub amount: f64,
    /// Amount of discount granted on this transaction (same currency as `amount`).
    pub discount: Option<f64>,
    /// Coupon code, or `"true"` when the export only says a coupon was used.
    pub coupon: Option<String>,
    pub currency: Option<String>,
}

/// One row of `requests.csv`: a feature request or piece of feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub request_id: Option<String>,
    pub customer_id: String,
    pub date: NaiveDate,
    pub text: String,
    pub language: Option<String>,
}

/// Per-customer aggregates of the transaction log, enough for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PurchaseStats {
    pub n_transactions: u64,
    /// Transactions that carried a coupon.
    pub n_coupon: u64,
    /// Transactions with a discount greater than zero.
    pub n_discounted: u64,
    /// Sum of `amount` (what the customer paid).
    pub total_amount: f64,
    /// Sum of `discount`.
    pub total_discount: f64,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

impl PurchaseStats {
    /// Folds one transaction into the aggregates.
    pub fn add(&mut self, transaction: &Transaction) {
        self.n_transactions += 1;
        if transaction.coupon.is_some() {
            self.n_coupon += 1;
        }
        let discount = transaction.discount.unwrap_or(0.0);
        if discount > 0.0 {
            self.n_discounted += 1;
        }
        self.total_amount += transaction.amount;
        self.total_discount += discount;
        self.first_date = Some(match self.first_date {
            Some(date) => date.min(transaction.date),
            None => transaction.date,
        });
        self.last_date = Some(match self.last_date {
            Some(date) => date.max(transaction.date),
            None => transaction.date,
        });
    }
}

/// A customer with its purchase aggregates: the input of scoring.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomerRecord {
    pub customer: Customer,
    pub stats: PurchaseStats,
}
