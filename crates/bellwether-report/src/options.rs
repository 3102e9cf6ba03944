//! The report's options, read from the `[report]` and `[acquirer]` sections of
//! `bellwether.toml` (kept by core in `Config::extra`).

use bellwether_core::Config;
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// `[acquirer]`: the customer column that says a customer already runs the acquirer's
/// stack, and the value that means yes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcquirerSpec {
    pub column: String,
    /// Compared as text with the customer's value (`true`, `"Oracle"`, `1`).
    #[serde(default = "default_acquirer_value")]
    pub value: toml_value::Value,
}

fn default_acquirer_value() -> toml_value::Value {
    toml_value::Value::Bool(true)
}

/// A TOML scalar as the config gives it, compared with customer attributes as text.
pub mod toml_value {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum Value {
        Bool(bool),
        Integer(i64),
        Float(f64),
        Text(String),
    }

    impl Value {
        /// The value as customer attributes print it (`AttrValue::as_text`).
        pub fn as_text(&self) -> String {
            match self {
                Value::Bool(value) => value.to_string(),
                Value::Integer(value) => (*value as f64).to_string(),
                Value::Float(value) => value.to_string(),
                Value::Text(value) => value.clone(),
            }
        }
    }
}

/// `[report]` in `bellwether.toml`; every key is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportOptions {
    /// Annual discount rate of the CLV (0.10 = 10 % a year), applied monthly.
    pub discount_rate: f64,
    /// CLV horizon in months.
    pub horizon_months: u32,
    /// Share of non-strategic customers assumed to leave during a buy-out.
    pub leave_rate_other: f64,
    /// Share of strategic customers assumed to leave during a buy-out.
    pub leave_rate_strategic: f64,
    /// A customer is discount-heavy when at least this share of purchases used a coupon…
    pub heavy_coupon_share: f64,
    /// …or when discounts are at least this share of list price.
    pub heavy_discount_share: f64,
    /// Parametric-bootstrap draws for the equity interval.
    pub bootstrap_draws: usize,
    /// Customers drawn (proportionally to their CLV) to evaluate each bootstrap draw.
    pub bootstrap_customers: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Level of the equity interval (0.90 = 5th to 95th percentile).
    pub interval_level: f64,
    /// Flag a customer above this share of revenue.
    pub large_customer_share: f64,
    /// Currency of the amounts (ISO 4217 code), for display only.
    pub currency: String,
    /// Quadrant thresholds (fit, reputation) from `[quadrants]`, for the map.
    #[serde(skip_deserializing)]
    pub quadrant_thresholds: [f64; 2],
    /// `[acquirer]`, when the config has one.
    #[serde(skip)]
    pub acquirer: Option<AcquirerSpec>,
    /// When the computation must stop with [`ReportError::TimeBudget`] (the server's time
    /// budget); `None`: no limit (the command line, whose user can press Ctrl-C).
    #[serde(skip)]
    pub deadline: Option<std::time::Instant>,
}

/// The most bootstrap draws `[report] bootstrap_draws` may ask for: a 90 % percentile interval's
/// ends are estimated to a few percent of the interval's width by 2,000 draws; more only cost.
pub const MAX_BOOTSTRAP_DRAWS: usize = 2_000;
/// The most customers `[report] bootstrap_customers` may ask for: the CLV-proportional sample's
/// error is already far below the models' own uncertainty at 10,000.
pub const MAX_BOOTSTRAP_CUSTOMERS: usize = 10_000;
/// The most draws × customers (each one CLV evaluation): 40 times the default 200 × 500.
pub const MAX_BOOTSTRAP_EVALUATIONS: usize = 4_000_000;

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            discount_rate: 0.10,
            horizon_months: 36,
            leave_rate_other: 0.30,
            leave_rate_strategic: 0.05,
            heavy_coupon_share: 0.5,
            heavy_discount_share: 0.10,
            bootstrap_draws: 200,
            bootstrap_customers: 500,
            seed: 42,
            interval_level: 0.90,
            large_customer_share: 0.10,
            currency: "USD".to_string(),
            quadrant_thresholds: [0.6, 0.6],
            acquirer: None,
            deadline: None,
        }
    }
}

impl ReportOptions {
    /// The options of `config`'s `[report]` and `[acquirer]` sections, checked.
    pub fn from_config(config: &Config) -> Result<ReportOptions, ReportError> {
        let invalid = |key: &str, reason: String| ReportError::InvalidOption {
            key: key.to_string(),
            reason,
        };
        let mut options = match config.extra.get("report") {
            Some(value) => value
                .clone()
                .try_into::<ReportOptions>()
                .map_err(|error| invalid("report", error.to_string()))?,
            None => ReportOptions::default(),
        };
        if let Some(value) = config.extra.get("acquirer") {
            options.acquirer = Some(
                value
                    .clone()
                    .try_into::<AcquirerSpec>()
                    .map_err(|error| invalid("acquirer", error.to_string()))?,
            );
        }
        options.quadrant_thresholds = [config.quadrants.fit, config.quadrants.reputation];
        options.validate()?;
        Ok(options)
    }

    /// Checks the ranges serde cannot.
    pub fn validate(&self) -> Result<(), ReportError> {
        let invalid = |key: &str, reason: &str| ReportError::InvalidOption {
            key: format!("report.{key}"),
            reason: reason.to_string(),
        };
        let share = |key: &str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(invalid(key, "expected a number between 0 and 1"))
            }
        };
        if !(self.discount_rate.is_finite() && self.discount_rate > -1.0) {
            return Err(invalid("discount_rate", "expected a number > -1"));
        }
        if self.horizon_months == 0 || self.horizon_months > 600 {
            return Err(invalid("horizon_months", "expected 1 to 600 months"));
        }
        share("leave_rate_other", self.leave_rate_other)?;
        share("leave_rate_strategic", self.leave_rate_strategic)?;
        share("heavy_coupon_share", self.heavy_coupon_share)?;
        share("heavy_discount_share", self.heavy_discount_share)?;
        share("large_customer_share", self.large_customer_share)?;
        if !(self.interval_level > 0.0 && self.interval_level < 1.0) {
            return Err(invalid(
                "interval_level",
                "expected a number between 0 and 1",
            ));
        }
        if self.bootstrap_draws > MAX_BOOTSTRAP_DRAWS {
            return Err(invalid(
                "bootstrap_draws",
                &format!("expected 0 to {MAX_BOOTSTRAP_DRAWS} draws"),
            ));
        }
        if self.bootstrap_customers > MAX_BOOTSTRAP_CUSTOMERS {
            return Err(invalid(
                "bootstrap_customers",
                &format!("expected 0 to {MAX_BOOTSTRAP_CUSTOMERS} customers"),
            ));
        }
        if self.bootstrap_draws * self.bootstrap_customers > MAX_BOOTSTRAP_EVALUATIONS {
            return Err(invalid(
                "bootstrap_customers",
                &format!("bootstrap_draws × bootstrap_customers may be at most {MAX_BOOTSTRAP_EVALUATIONS}"),
            ));
        }
        Ok(())
    }

    /// A [`ReportError::TimeBudget`] when the deadline has passed.
    pub fn check_deadline(&self) -> Result<(), ReportError> {
        match self.deadline {
            Some(deadline) if std::time::Instant::now() >= deadline => Err(ReportError::TimeBudget),
            _ => Ok(()),
        }
    }

    /// The monthly rate equivalent to the annual discount rate.
    pub fn monthly_discount_rate(&self) -> f64 {
        (1.0 + self.discount_rate).powf(1.0 / 12.0) - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_read_and_checked() {
        let config = Config::from_toml(
            "[report]\nhorizon_months = 24\nleave_rate_other = 0.4\n[acquirer]\ncolumn = \"uses_oracle\"\nvalue = true\n",
        )
        .unwrap();
        let options = ReportOptions::from_config(&config).unwrap();
        assert_eq!(options.horizon_months, 24);
        assert_eq!(options.leave_rate_other, 0.4);
        assert_eq!(options.leave_rate_strategic, 0.05);
        let acquirer = options.acquirer.unwrap();
        assert_eq!(acquirer.column, "uses_oracle");
        assert_eq!(acquirer.value.as_text(), "true");

        let bad = Config::from_toml("[report]\nleave_rate_other = 1.5\n").unwrap();
        let error = ReportOptions::from_config(&bad).unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid value for `report.leave_rate_other`: expected a number between 0 and 1"
        );
        let unknown = Config::from_toml("[report]\nhorizon = 3\n").unwrap();
        let error = ReportOptions::from_config(&unknown)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `horizon`"), "{error}");
    }

    #[test]
    fn the_bootstrap_is_capped_to_what_the_interval_needs() {
        // Issue 14, finding 5: 100,000 draws of 1,000,000 customers made the report run for days.
        let error = |text: &str| {
            ReportOptions::from_config(&Config::from_toml(text).unwrap())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("[report]\nbootstrap_draws = 100000\n"),
            "invalid value for `report.bootstrap_draws`: expected 0 to 2000 draws"
        );
        assert_eq!(
            error("[report]\nbootstrap_customers = 1000000\n"),
            "invalid value for `report.bootstrap_customers`: expected 0 to 10000 customers"
        );
        assert!(
            error("[report]\nbootstrap_draws = 2000\nbootstrap_customers = 10000\n")
                .contains("at most 4000000")
        );
        let fine =
            Config::from_toml("[report]\nbootstrap_draws = 2000\nbootstrap_customers = 2000\n")
                .unwrap();
        assert!(ReportOptions::from_config(&fine).is_ok());
    }

    #[test]
    fn monthly_rate_compounds_to_the_annual_one() {
        let options = ReportOptions::default();
        let monthly = options.monthly_discount_rate();
        assert!(((1.0 + monthly).powi(12) - 1.10).abs() < 1e-12);
    }
}
