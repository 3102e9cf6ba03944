//! `bellwether.toml`: who the product is for and what reputation means.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole configuration file.
///
/// Sections are strict (an unknown key is an error), but unknown top-level
/// sections are kept in `extra` for the features that own them (`[acquirer]`…).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub audience: AudienceConfig,
    #[serde(default)]
    pub reputation: ReputationConfig,
    #[serde(default)]
    pub influence: InfluenceConfig,
    #[serde(default)]
    pub quadrants: QuadrantConfig,
    #[serde(default)]
    pub collaboration: CollaborationConfig,
    /// Sections owned by later features (report, partners, acquirer…), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// The target audience: stated criteria a representative customer meets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceConfig {
    /// Allowed industries, compared case-insensitively.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Allowed countries, compared case-insensitively.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Inclusive employee range.
    pub employees: Option<[f64; 2]>,
    /// Inclusive annual revenue range.
    pub annual_revenue: Option<[f64; 2]>,
    /// Extra `customers.csv` columns and their allowed values.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<toml::Value>>,
    /// Share of fit that comes from the stated criteria; the rest is typicality
    /// (similarity to the customers that meet the criteria).
    #[serde(default = "default_criteria_weight")]
    pub criteria_weight: f64,
}

fn default_criteria_weight() -> f64 {
    0.6
}

// By hand, so that `Config::default()` has the same defaults as an empty `bellwether.toml`.
impl Default for AudienceConfig {
    fn default() -> Self {
        Self {
            industries: Vec::new(),
            countries: Vec::new(),
            employees: None,
            annual_revenue: None,
            attributes: BTreeMap::new(),
            criteria_weight: default_criteria_weight(),
        }
    }
}

/// Reputation signals: extra `customers.csv` columns and their weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReputationConfig {
    /// Column name to weight; a negative weight means lower is better (a rank).
    #[serde(default)]
    pub signals: BTreeMap<String, f64>,
    /// Pseudo-count of the shrinkage toward the middle for small industries.
    #[serde(default = "default_shrinkage")]
    pub shrinkage: f64,
}

fn default_shrinkage() -> f64 {
    5.0
}

impl Default for ReputationConfig {
    fn default() -> Self {
        Self {
            signals: BTreeMap::new(),
            shrinkage: default_shrinkage(),
        }
    }
}

/// How coupon and discount dependence lowers influence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfluenceConfig {
    /// 0 ignores discounts; 1 lets full dependence remove all influence.
    #[serde(default = "default_discount_penalty")]
    pub discount_penalty: f64,
}

fn default_discount_penalty() -> f64 {
    0.5
}

impl Default for InfluenceConfig {
    fn default() -> Self {
        Self {
            discount_penalty: default_discount_penalty(),
        }
    }
}

/// Thresholds that split fit and reputation into the four quadrants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuadrantConfig {
    #[serde(default = "default_threshold")]
    pub fit: f64,
    #[serde(default = "default_threshold")]
    pub reputation: f64,
}

fn default_threshold() -> f64 {
    0.6
}

impl Default for QuadrantConfig {
    fn default() -> Self {
        Self {
            fit: default_threshold(),
            reputation: default_threshold(),
        }
    }
}

/// Co-design collaborations: when a requirement is broadly sellable, and the matcher's vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollaborationConfig {
    /// A requirement is broadly sellable when the other customers asking for the same need hold at
    /// least this share of the target audience, weighted by fit; otherwise it is tailor-made.
    #[serde(default = "default_broadly_sellable_share")]
    pub broadly_sellable_share: f64,
    /// Similarity at or above which two requests express the same need.
    #[serde(default = "default_match_threshold")]
    pub match_threshold: f64,
    /// A glossary file extending the shipped one, relative to the folder of `bellwether.toml`.
    pub glossary: Option<String>,
}

fn default_broadly_sellable_share() -> f64 {
    0.05
}

fn default_match_threshold() -> f64 {
    0.5
}

impl Default for CollaborationConfig {
    fn default() -> Self {
        Self {
            broadly_sellable_share: default_broadly_sellable_share(),
            match_threshold: default_match_threshold(),
            glossary: None,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("invalid value for `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

impl ConfigError {
    /// The error without the configuration's text or values: for a reader who did not write the
    /// file (the TOML parser quotes the offending line, and serde the offending value).
    pub fn without_excerpt(&self, text: &str) -> String {
        match self {
            ConfigError::Toml(error) => match error.span() {
                Some(span) => {
                    let start = span.start.min(text.len());
                    let line = text.as_bytes()[..start]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                        + 1;
                    format!("TOML parse error at line {line}")
                }
                None => "TOML parse error".to_string(),
            },
            ConfigError::Invalid { key, .. } => format!("invalid value for `{key}`"),
        }
    }
}

impl Config {
    /// Parses and checks a `bellwether.toml` text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the ranges and weights that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| ConfigError::Invalid {
            key: key.to_string(),
            reason: reason.to_string(),
        };
        for (key, range) in [
            ("audience.employees", self.audience.employees),
            ("audience.annual_revenue", self.audience.annual_revenue),
        ] {
            if let Some([low, high]) = range {
                if !(low.is_finite() && high.is_finite() && low >= 0.0 && low <= high) {
                    return Err(invalid(key, "expected [low, high] with 0 <= low <= high"));
                }
            }
        }
        if !(0.0..=1.0).contains(&self.audience.criteria_weight) {
            return Err(invalid(
                "audience.criteria_weight",
                "expected a number between 0 and 1",
            ));
        }
        for (name, weight) in &self.reputation.signals {
            if !weight.is_finite() || *weight == 0.0 {
                return Err(invalid(
                    &format!("reputation.signals.{name}"),
                    "expected a non-zero weight",
                ));
            }
        }
        if !(self.reputation.shrinkage >= 0.0 && self.reputation.shrinkage.is_finite()) {
            return Err(invalid("reputation.shrinkage", "expected a number >= 0"));
        }
        if !(0.0..=1.0).contains(&self.influence.discount_penalty) {
            return Err(invalid(
                "influence.discount_penalty",
                "expected a number between 0 and 1",
            ));
        }
        for (key, value) in [
            ("quadrants.fit", self.quadrants.fit),
            ("quadrants.reputation", self.quadrants.reputation),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(key, "expected a number between 0 and 1"));
            }
        }
        for (key, value) in [
            (
                "collaboration.broadly_sellable_share",
                self.collaboration.broadly_sellable_share,
            ),
            (
                "collaboration.match_threshold",
                self.collaboration.match_threshold,
            ),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(key, "expected a number between 0 and 1"));
            }
        }
        Ok(())
    }
}

/// The commented template that `bellwether init` writes.
pub const TEMPLATE: &str = include_str!("template.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses() {
        let config = Config::from_toml(TEMPLATE).unwrap();
        assert_eq!(config.audience.industries, ["Banking", "Credit Unions"]);
        assert_eq!(config.reputation.signals["market_rank"], -1.0);
        assert_eq!(config.influence.discount_penalty, 0.5);
        assert_eq!(config.collaboration.broadly_sellable_share, 0.05);
    }

    #[test]
    fn collaboration_share_out_of_range_is_refused() {
        let error = Config::from_toml("[collaboration]\nbroadly_sellable_share = 5\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value for `collaboration.broadly_sellable_share`: expected a number between 0 and 1"
        );
    }

    #[test]
    fn issue_example_parses() {
        let text = r#"
[audience]
industries = ["Banking", "Credit Unions"]
countries  = ["US", "CA"]
employees  = [1000, 100000]
annual_revenue = [1e8, 5e10]
[audience.attributes]
core_system = ["Oracle", "Fiserv"]
[reputation]
signals = { industry_awards = 1.0, analyst_rating = 1.0, press_mentions = 0.5, market_rank = -1.0 }
[influence]
discount_penalty = 0.5
[quadrants]
fit = 0.6
reputation = 0.6
"#;
        let config = Config::from_toml(text).unwrap();
        assert_eq!(config.audience.employees, Some([1000.0, 100000.0]));
        assert_eq!(config.audience.attributes["core_system"].len(), 2);
    }

    #[test]
    fn bad_range_is_refused() {
        let error = Config::from_toml("[audience]\nemployees = [5000, 10]\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value for `audience.employees`: expected [low, high] with 0 <= low <= high"
        );
    }

    #[test]
    fn default_matches_an_empty_file() {
        assert_eq!(Config::default(), Config::from_toml("").unwrap());
    }

    #[test]
    fn unknown_key_is_refused() {
        let error = Config::from_toml("[audience]\nindustry = [\"Banking\"]\n").unwrap_err();
        assert!(
            error.to_string().contains("unknown field `industry`"),
            "{error}"
        );
    }
}
