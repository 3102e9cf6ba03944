//! The stated audience criteria of `[audience]`: how well one customer meets them.
//!
//! Each configured criterion gives a credit in [0, 1] and the criteria score is their geometric
//! mean $\left(\prod_i c_i\right)^{1/k}$: a customer outside a stated industry or country does not
//! represent the audience (score 0) however well it meets the rest, while near misses and unknowns
//! cost little (one unknown among five criteria keeps $0.5^{1/5} = 0.87$).
//!
//! - Industries, countries and `[audience.attributes]`: 1 when the customer's value is allowed
//!   (compared case-insensitively as text, and numerically when both sides are numbers), 0 when
//!   it is not.
//! - Employees and annual revenue: 1 inside the inclusive range; outside it, the credit decays
//!   with the distance to the nearest bound in decades,
//!   $c = \exp\left(-\frac{d^2}{2\sigma^2}\right)$ with
//!   $d = |\log_{10}(1 + v) - \log_{10}(1 + \text{bound})|$ and $\sigma = 0.5$, so twice too large
//!   keeps 0.83, ten times 0.14 and a hundred times nothing. Negative values count as zero.
//! - A value the customer does not have (missing, empty, not a finite number) gets 0.5:
//!   unknown, neither met nor missed.
//!
//! With no criterion configured the audience is everyone: the criteria score is 1.

use crate::model::{AttrValue, Customer};

use super::text::{comparison_key, display_label};

/// Spread of the range credit, in decades outside the range.
pub(crate) const RANGE_DECAY_DECADES: f64 = 0.5;

/// Credit of a criterion whose value the customer lacks.
pub(crate) const UNKNOWN_CREDIT: f64 = 0.5;

/// The `[audience]` criteria, prepared for fast matching.
#[derive(Debug, Clone, Default)]
pub(crate) struct AudienceCriteria {
    pub(crate) industries: AllowedLabels,
    pub(crate) countries: AllowedLabels,
    pub(crate) employees: Option<[f64; 2]>,
    pub(crate) annual_revenue: Option<[f64; 2]>,
    pub(crate) attributes: Vec<AttributeCriterion>,
}

/// Allowed labels of a categorical criterion, empty when the criterion is not configured.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedLabels {
    keys: Vec<String>,
    pub(crate) display: Vec<String>,
}

impl AllowedLabels {
    fn new(labels: &[String]) -> AllowedLabels {
        let mut allowed = AllowedLabels::default();
        for label in labels {
            if let Some(key) = comparison_key(label) {
                if !allowed.keys.iter().any(|known| *known == key) {
                    allowed.keys.push(key.into_owned());
                    allowed.display.push(label.trim().to_string());
                }
            }
        }
        allowed
    }

    pub(crate) fn is_configured(&self) -> bool {
        !self.keys.is_empty()
    }

    fn allows(&self, label: &str) -> Option<bool> {
        allowed_key(&self.keys, label)
    }
}

/// Whether a label is among lowercase keys, without allocating for ASCII labels; `None` when empty.
fn allowed_key(keys: &[String], label: &str) -> Option<bool> {
    let trimmed = label.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.is_ascii() {
        return Some(keys.iter().any(|key| key.eq_ignore_ascii_case(trimmed)));
    }
    let key = trimmed.to_lowercase();
    Some(keys.contains(&key))
}

/// One `[audience.attributes]` entry: a `customers.csv` column and its allowed values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttributeCriterion {
    pub(crate) name: String,
    allowed_keys: Vec<String>,
    allowed_numbers: Vec<f64>,
    pub(crate) display: Vec<String>,
}

impl AttributeCriterion {
    fn new(name: &str, values: &[toml::Value]) -> AttributeCriterion {
        let mut criterion = AttributeCriterion {
            name: name.to_string(),
            allowed_keys: Vec::new(),
            allowed_numbers: Vec::new(),
            display: Vec::new(),
        };
        for value in values {
            let text = match value {
                toml::Value::String(text) => text.trim().to_string(),
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Float(number) => number.to_string(),
                toml::Value::Boolean(flag) => flag.to_string(),
                other => other.to_string(),
            };
            let number = match value {
                toml::Value::Integer(number) => Some(*number as f64),
                toml::Value::Float(number) => Some(*number),
                toml::Value::String(text) => text.trim().parse::<f64>().ok(),
                _ => None,
            };
            if let Some(number) = number.filter(|number| number.is_finite()) {
                criterion.allowed_numbers.push(number);
            }
            if let Some(key) = comparison_key(&text) {
                criterion.allowed_keys.push(key.into_owned());
                criterion.display.push(text);
            }
        }
        criterion
    }

    /// Whether the value is allowed, `None` when the customer has no usable value.
    ///
    /// Allowed values that read as numbers are also kept as numbers, so a number matches them
    /// numerically (`2` matches `2.0`) and a number's text never needs formatting.
    fn allows(&self, value: Option<&AttrValue>) -> Option<bool> {
        match value? {
            AttrValue::Number(number) => number
                .is_finite()
                .then(|| self.allowed_numbers.contains(number)),
            AttrValue::Bool(flag) => {
                allowed_key(&self.allowed_keys, if *flag { "true" } else { "false" })
            }
            AttrValue::Text(text) => {
                if let Ok(number) = text.trim().parse::<f64>() {
                    if self.allowed_numbers.contains(&number) {
                        return Some(true);
                    }
                }
                allowed_key(&self.allowed_keys, text)
            }
        }
    }
}

/// What one criterion found for one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CriterionCheck<'a> {
    Industry {
        value: Option<&'a str>,
        allowed: Option<bool>,
    },
    Country {
        value: Option<&'a str>,
        allowed: Option<bool>,
    },
    Range {
        which: RangeCriterion,
        value: Option<f64>,
        range: [f64; 2],
        credit: f64,
    },
    Attribute {
        criterion: &'a AttributeCriterion,
        value: Option<&'a AttrValue>,
        allowed: Option<bool>,
    },
}

/// The two numeric range criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeCriterion {
    Employees,
    AnnualRevenue,
}

impl RangeCriterion {
    /// Stable reason codes: unknown, below, above and within the range.
    pub(crate) fn codes(self) -> [&'static str; 4] {
        match self {
            RangeCriterion::Employees => [
                "employees-unknown",
                "employees-below-range",
                "employees-above-range",
                "employees-in-range",
            ],
            RangeCriterion::AnnualRevenue => [
                "annual-revenue-unknown",
                "annual-revenue-below-range",
                "annual-revenue-above-range",
                "annual-revenue-in-range",
            ],
        }
    }

    /// English name in reasons.
    pub(crate) fn label(self) -> &'static str {
        match self {
            RangeCriterion::Employees => "employees",
            RangeCriterion::AnnualRevenue => "annual revenue",
        }
    }
}

impl CriterionCheck<'_> {
    /// The credit of this criterion in [0, 1].
    pub(crate) fn credit(&self) -> f64 {
        match self {
            CriterionCheck::Industry { allowed, .. }
            | CriterionCheck::Country { allowed, .. }
            | CriterionCheck::Attribute { allowed, .. } => match allowed {
                Some(true) => 1.0,
                Some(false) => 0.0,
                None => UNKNOWN_CREDIT,
            },
            CriterionCheck::Range { credit, .. } => *credit,
        }
    }
}

/// Credit of a value against an inclusive range, decaying in log-space outside it.
pub(crate) fn range_credit(value: f64, range: [f64; 2]) -> f64 {
    let [low, high] = range;
    let value = value.max(0.0);
    if value >= low && value <= high {
        return 1.0;
    }
    let decades = if value < low {
        (1.0 + low).log10() - (1.0 + value).log10()
    } else {
        (1.0 + value).log10() - (1.0 + high).log10()
    };
    let credit = (-(decades * decades) / (2.0 * RANGE_DECAY_DECADES * RANGE_DECAY_DECADES)).exp();
    if credit.is_finite() {
        credit.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn valid_range(range: Option<[f64; 2]>) -> Option<[f64; 2]> {
    range
        .filter(|[low, high]| low.is_finite() && high.is_finite() && low <= high)
        .map(|[low, high]| [low.max(0.0), high.max(0.0)])
}

fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

impl AudienceCriteria {
    pub(crate) fn new(config: &crate::config::AudienceConfig) -> AudienceCriteria {
        AudienceCriteria {
            industries: AllowedLabels::new(&config.industries),
            countries: AllowedLabels::new(&config.countries),
            employees: valid_range(config.employees),
            annual_revenue: valid_range(config.annual_revenue),
            attributes: config
                .attributes
                .iter()
                .map(|(name, values)| AttributeCriterion::new(name, values))
                .collect(),
        }
    }

    /// How many criteria are configured; zero means everyone is the audience.
    pub(crate) fn n_criteria(&self) -> usize {
        usize::from(self.industries.is_configured())
            + usize::from(self.countries.is_configured())
            + usize::from(self.employees.is_some())
            + usize::from(self.annual_revenue.is_some())
            + self.attributes.len()
    }

    /// Calls `visit` with each configured criterion's finding for the customer.
    pub(crate) fn check<'a>(
        &'a self,
        customer: &'a Customer,
        mut visit: impl FnMut(CriterionCheck<'a>),
    ) {
        if self.industries.is_configured() {
            let value = display_label(customer.industry.as_deref());
            visit(CriterionCheck::Industry {
                value,
                allowed: value.and_then(|label| self.industries.allows(label)),
            });
        }
        if self.countries.is_configured() {
            let value = display_label(customer.country.as_deref());
            visit(CriterionCheck::Country {
                value,
                allowed: value.and_then(|label| self.countries.allows(label)),
            });
        }
        for (which, range, value) in [
            (
                RangeCriterion::Employees,
                self.employees,
                customer.employees,
            ),
            (
                RangeCriterion::AnnualRevenue,
                self.annual_revenue,
                customer.annual_revenue,
            ),
        ] {
            if let Some(range) = range {
                let value = finite(value);
                let credit = value.map_or(UNKNOWN_CREDIT, |value| range_credit(value, range));
                visit(CriterionCheck::Range {
                    which,
                    value,
                    range,
                    credit,
                });
            }
        }
        for criterion in &self.attributes {
            let value = customer.attributes.get(&criterion.name);
            visit(CriterionCheck::Attribute {
                criterion,
                value,
                allowed: criterion.allows(value),
            });
        }
    }

    /// The criteria score in [0, 1]: the geometric mean credit, 1 when nothing is configured.
    pub(crate) fn score(&self, customer: &Customer) -> f64 {
        let mut credits = CreditProduct::default();
        self.check(customer, |check| credits.add(check.credit()));
        credits.geometric_mean()
    }
}

/// Running product of credits, kept as a count of zeros and a sum of logarithms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct CreditProduct {
    count: usize,
    zeros: usize,
    log_sum: f64,
}

impl CreditProduct {
    pub(crate) fn add(&mut self, credit: f64) {
        self.count += 1;
        if credit > 0.0 {
            self.log_sum += credit.min(1.0).ln();
        } else {
            self.zeros += 1;
        }
    }

    /// The geometric mean of the credits, 1 when there are none.
    pub(crate) fn geometric_mean(&self) -> f64 {
        if self.count == 0 {
            1.0
        } else if self.zeros > 0 {
            0.0
        } else {
            (self.log_sum / self.count as f64).exp().clamp(0.0, 1.0)
        }
    }

    /// The geometric mean had one of the credits been `replacement` instead.
    pub(crate) fn with_replaced(&self, credit: f64, replacement: f64) -> f64 {
        let mut changed = *self;
        if credit > 0.0 {
            changed.log_sum -= credit.min(1.0).ln();
        } else {
            changed.zeros -= 1;
        }
        changed.count -= 1;
        changed.add(replacement);
        changed.geometric_mean()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AudienceConfig;

    fn audience(text: &str) -> AudienceCriteria {
        let config: crate::Config = crate::Config::from_toml(text).unwrap();
        AudienceCriteria::new(&config.audience)
    }

    fn customer(industry: &str, country: &str, employees: Option<f64>) -> Customer {
        Customer {
            customer_id: "c".into(),
            industry: Some(industry.into()),
            country: Some(country.into()),
            employees,
            ..Customer::default()
        }
    }

    #[test]
    fn range_credit_is_one_inside_and_decays_in_decades_outside() {
        let range = [1_000.0, 100_000.0];
        assert_eq!(range_credit(1_000.0, range), 1.0);
        assert_eq!(range_credit(100_000.0, range), 1.0);
        // Ten times the upper bound is one decade out: exp(-1 / (2 * 0.25)) = exp(-2).
        let ten_times = range_credit(1_000_000.0 + 9.0, range);
        assert!((ten_times - (-2.0f64).exp()).abs() < 1e-3, "{ten_times}");
        // A hundred times is two decades out: exp(-8).
        assert!(range_credit(10_000_000.0, range) < 1e-3);
        // A tenth of the lower bound is one decade below.
        assert!((range_credit(99.0, range) - (-2.0f64).exp()).abs() < 1e-2);
        // Zero and negative values are far below, and finite.
        assert!(range_credit(0.0, range) < 1e-6);
        assert_eq!(range_credit(-5.0, range), range_credit(0.0, range));
        assert_eq!(range_credit(-5.0, [0.0, 10.0]), 1.0);
        // Closer is never worse.
        assert!(range_credit(150_000.0, range) > range_credit(250_000.0, range));
    }

    #[test]
    fn criteria_score_is_the_geometric_mean_credit() {
        let criteria = audience("[audience]\nindustries = [\"Banking\", \"Credit Unions\"]\ncountries = [\"US\"]\nemployees = [1000, 100000]\n");
        assert_eq!(criteria.n_criteria(), 3);
        assert_eq!(
            criteria.score(&customer("banking ", "us", Some(5_000.0))),
            1.0
        );
        // Outside the industries: not the audience, whatever else matches.
        assert_eq!(
            criteria.score(&customer("Bakery", "US", Some(5_000.0))),
            0.0
        );
        // Unknown employees count one half: (1 * 1 * 0.5)^(1/3).
        assert!(
            (criteria.score(&customer("Banking", "us", None)) - 0.5f64.powf(1.0 / 3.0)).abs()
                < 1e-12
        );
        // Twice too large: (1 * 1 * exp(-log10(200,001 / 100,001)^2 / 0.5))^(1/3).
        let credit = (-(200_001.0f64 / 100_001.0).log10().powi(2) / 0.5).exp();
        assert!(
            (criteria.score(&customer("Banking", "US", Some(200_000.0))) - credit.powf(1.0 / 3.0))
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn attributes_match_as_text_and_as_numbers() {
        let criteria = audience("[audience.attributes]\ncore_system = [\"Oracle\", \"Fiserv\"]\ntier = [1, 2]\nregulated = [true]\n");
        let mut customer = Customer::default();
        customer
            .attributes
            .insert("core_system".into(), AttrValue::Text("ORACLE".into()));
        customer
            .attributes
            .insert("tier".into(), AttrValue::Number(2.0));
        customer
            .attributes
            .insert("regulated".into(), AttrValue::Bool(true));
        assert_eq!(criteria.score(&customer), 1.0);
        customer
            .attributes
            .insert("tier".into(), AttrValue::Text(" 1 ".into()));
        assert_eq!(criteria.score(&customer), 1.0);
        customer
            .attributes
            .insert("tier".into(), AttrValue::Number(3.0));
        assert_eq!(criteria.score(&customer), 0.0);
        customer
            .attributes
            .insert("tier".into(), AttrValue::Number(1.0));
        customer.attributes.remove("regulated");
        assert!((criteria.score(&customer) - 0.5f64.powf(1.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn replacing_one_credit_matches_recomputing() {
        let credits = [1.0, 0.0, 0.3, 0.5];
        let mut product = CreditProduct::default();
        credits.iter().for_each(|credit| product.add(*credit));
        assert_eq!(product.geometric_mean(), 0.0);
        for (index, credit) in credits.iter().enumerate() {
            let mut replaced = CreditProduct::default();
            credits
                .iter()
                .enumerate()
                .for_each(|(other, value)| replaced.add(if other == index { 0.5 } else { *value }));
            assert!(
                (product.with_replaced(*credit, 0.5) - replaced.geometric_mean()).abs() < 1e-12
            );
        }
        // Without the zero: (1 * 0.5 * 0.3 * 0.5)^(1/4).
        assert!((product.with_replaced(0.0, 0.5) - 0.075f64.powf(0.25)).abs() < 1e-12);
    }

    #[test]
    fn nothing_configured_means_everyone_fits_the_criteria() {
        let criteria = AudienceCriteria::new(&AudienceConfig::default());
        assert_eq!(criteria.n_criteria(), 0);
        assert_eq!(criteria.score(&Customer::default()), 1.0);
    }
}
