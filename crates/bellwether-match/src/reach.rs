//! Reach of a requirement: the other customers whose requests express the same need, counted
//! once each, with their fit-weighted share of the target audience and their revenue; and the
//! labels and generality index built on it.

use serde::Serialize;

/// Per-customer figures reach is weighed with, indexed by customer position.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    /// Fit to the target audience, in [0, 1].
    pub fit: &'a [f64],
    /// Revenue (what the customer paid), for the revenue the reached customers represent.
    pub revenue: &'a [f64],
}

/// How far one requirement or need reaches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reach {
    /// Customer positions reached, ascending, each once.
    pub customers: Vec<usize>,
    /// Requests that matched, from those customers.
    pub n_requests: usize,
    /// Sum of the reached customers' fit over the sum of everyone's fit: their share of the
    /// target audience, weighted by fit.
    pub fit_share: f64,
    /// Sum of the reached customers' revenue.
    pub revenue: f64,
}

/// Whether a requirement is worth building for the product as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generality {
    /// Its reach reaches the configured share of the target audience.
    BroadlySellable,
    /// It serves the partner, and too few others to be a product feature.
    TailorMade,
}

impl Generality {
    /// `broadly sellable` or `tailor-made`.
    pub fn label(self) -> &'static str {
        match self {
            Generality::BroadlySellable => "broadly sellable",
            Generality::TailorMade => "tailor-made",
        }
    }

    /// Broadly sellable when `reach.fit_share` is at least `threshold` (and somebody is reached).
    pub fn of(reach: &Reach, threshold: f64) -> Generality {
        if !reach.customers.is_empty() && reach.fit_share >= threshold {
            Generality::BroadlySellable
        } else {
            Generality::TailorMade
        }
    }
}

/// The reach of the requests at `matched` (indexes into `request_customers`, which gives each
/// request's customer position), leaving out the customers in `excluded` (the partners).
pub fn reach_of(
    matched: &[usize],
    request_customers: &[usize],
    excluded: &[usize],
    audience: Audience<'_>,
) -> Reach {
    let mut customers: Vec<usize> = matched
        .iter()
        .filter_map(|&request| request_customers.get(request).copied())
        .filter(|customer| !excluded.contains(customer))
        .collect();
    let n_requests = customers.len();
    customers.sort_unstable();
    customers.dedup();
    let total_fit: f64 = audience.fit.iter().filter(|fit| fit.is_finite()).sum();
    let reached_fit: f64 = customers
        .iter()
        .filter_map(|&customer| audience.fit.get(customer))
        .filter(|fit| fit.is_finite())
        .sum();
    let revenue = customers
        .iter()
        .filter_map(|&customer| audience.revenue.get(customer))
        .filter(|revenue| revenue.is_finite())
        .sum();
    Reach {
        customers,
        n_requests,
        fit_share: if total_fit > 0.0 {
            (reached_fit / total_fit).clamp(0.0, 1.0)
        } else {
            0.0
        },
        revenue,
    }
}

/// The generality index of a collaboration: the reach-weighted share of its requirements that are
/// broadly sellable, `Σ fit_share over broadly sellable / Σ fit_share over all`, in [0, 1];
/// 0 when nothing reaches anyone.
pub fn generality_index(requirements: &[(Reach, Generality)]) -> f64 {
    let total: f64 = requirements.iter().map(|(reach, _)| reach.fit_share).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let broad: f64 = requirements
        .iter()
        .filter(|(_, generality)| *generality == Generality::BroadlySellable)
        .map(|(reach, _)| reach.fit_share)
        .sum();
    (broad / total).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_customer_counts_once_and_partners_not_at_all() {
        let fit = [1.0, 0.5, 0.5, 0.0];
        let revenue = [10.0, 20.0, 30.0, 40.0];
        let audience = Audience {
            fit: &fit,
            revenue: &revenue,
        };
        // Requests 0..5 belong to customers 0, 1, 1, 2, 3.
        let request_customers = [0, 1, 1, 2, 3];
        let reach = reach_of(&[0, 1, 2, 4], &request_customers, &[0], audience);
        assert_eq!(reach.customers, [1, 3]);
        assert_eq!(reach.n_requests, 3);
        assert_eq!(reach.fit_share, 0.25);
        assert_eq!(reach.revenue, 60.0);
        assert_eq!(Generality::of(&reach, 0.2), Generality::BroadlySellable);
        assert_eq!(Generality::of(&reach, 0.3), Generality::TailorMade);
    }

    #[test]
    fn generality_index_weighs_by_reach() {
        let reach = |fit_share| Reach {
            customers: vec![1],
            n_requests: 1,
            fit_share,
            revenue: 0.0,
        };
        let index = generality_index(&[
            (reach(0.3), Generality::BroadlySellable),
            (reach(0.1), Generality::TailorMade),
        ]);
        assert!((index - 0.75).abs() < 1e-12);
        assert_eq!(generality_index(&[]), 0.0);
    }
}
