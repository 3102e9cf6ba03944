//! Plain domain records, as imported from a company's exports.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A value of a free-form customer attribute (any extra `customers.csv` column).
///
/// Serialised as the bare JSON value (`true`, `4.5`, `"Oracle"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttrValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Hand-written rather than `#[serde(untagged)]`, which buffers every value and builds an error
/// for each variant it tries: loading a million customers spent most of its time there.
impl<'de> Deserialize<'de> for AttrValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttrVisitor;

        impl serde::de::Visitor<'_> for AttrVisitor {
            type Value = AttrValue;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a boolean, a number or a string")
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<AttrValue, E> {
                Ok(AttrValue::Bool(value))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<AttrValue, E> {
                Ok(AttrValue::Number(value as f64))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<AttrValue, E> {
                Ok(AttrValue::Number(value as f64))
            }

            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<AttrValue, E> {
                Ok(AttrValue::Number(value))
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<AttrValue, E> {
                Ok(AttrValue::Text(value.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, value: String) -> Result<AttrValue, E> {
                Ok(AttrValue::Text(value))
            }
        }

        deserializer.deserialize_any(AttrVisitor)
    }
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

/// One row of `collaborations.csv`: a partner customer of a co-design collaboration.
///
/// A collaboration with several partners has one row per partner, with the same id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollaborationPartner {
    pub collaboration_id: String,
    pub customer_id: String,
    pub name: Option<String>,
    pub started: Option<NaiveDate>,
}

/// One row of `requirements.csv`: a requirement written for a collaboration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    pub collaboration_id: String,
    pub text: String,
    pub language: Option<String>,
}

/// A co-design collaboration: its partners and its requirements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collaboration {
    pub collaboration_id: String,
    pub name: Option<String>,
    pub started: Option<NaiveDate>,
    /// The partner customers, in the order they were added.
    pub customer_ids: Vec<String>,
    pub requirements: Vec<Requirement>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_round_trip_through_json() {
        let mut attributes = BTreeMap::new();
        attributes.insert("awards".to_string(), AttrValue::Number(3.0));
        attributes.insert("rating".to_string(), AttrValue::Number(4.5));
        attributes.insert("uses_oracle".to_string(), AttrValue::Bool(true));
        attributes.insert(
            "core_system".to_string(),
            AttrValue::Text("Fiserv".to_string()),
        );
        let json = serde_json::to_string(&attributes).unwrap();
        assert_eq!(
            json,
            r#"{"awards":3.0,"core_system":"Fiserv","rating":4.5,"uses_oracle":true}"#
        );
        let back: BTreeMap<String, AttrValue> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, attributes);
        let integers: BTreeMap<String, AttrValue> =
            serde_json::from_str(r#"{"rank":-2,"n":7}"#).unwrap();
        assert_eq!(integers["rank"], AttrValue::Number(-2.0));
        assert!(serde_json::from_str::<AttrValue>("null").is_err());
    }
}
