//! Influence: a customer who buys mostly with coupons or discounts has little sway over its peers.
//!
//! The coupon share is the share of transactions that carried a coupon,
//! $n_\text{coupon} / n_\text{transactions}$; the discount share is the share of the list value
//! given away, $\text{discount} / (\text{amount} + \text{discount})$. Dependence is the larger of the
//! two, and $\text{influence} = 1 - \text{penalty} \times \text{dependence}$ with
//! `influence.discount_penalty`. A customer without transactions keeps influence 1.

use crate::model::PurchaseStats;

/// A customer's dependence on coupons and discounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Influence {
    pub(crate) influence: f64,
    /// Share of transactions with a coupon, 0 without transactions.
    pub(crate) coupon_share: f64,
    /// Share of the list value given as discount, 0 when unknown.
    pub(crate) discount_share: f64,
}

impl Influence {
    /// The dependence that lowered influence: the larger share.
    pub(crate) fn dependence(&self) -> f64 {
        self.coupon_share.max(self.discount_share)
    }
}

/// Computes influence from the purchase aggregates; `penalty` is clamped to [0, 1].
pub(crate) fn influence(stats: &PurchaseStats, penalty: f64) -> Influence {
    let penalty = if penalty.is_finite() {
        penalty.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let coupon_share = if stats.n_transactions > 0 {
        (stats.n_coupon as f64 / stats.n_transactions as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let discount = stats.total_discount.max(0.0);
    let list_value = stats.total_amount.max(0.0) + discount;
    let discount_share = if discount > 0.0 && list_value.is_finite() && list_value > 0.0 {
        (discount / list_value).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let dependence = coupon_share.max(discount_share);
    Influence {
        influence: (1.0 - penalty * dependence).clamp(0.0, 1.0),
        coupon_share,
        discount_share,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(
        n_transactions: u64,
        n_coupon: u64,
        total_amount: f64,
        total_discount: f64,
    ) -> PurchaseStats {
        PurchaseStats {
            n_transactions,
            n_coupon,
            total_amount,
            total_discount,
            ..PurchaseStats::default()
        }
    }

    #[test]
    fn coupons_and_discounts_lower_influence_by_the_larger_share() {
        // 8 of 10 with a coupon: dependence 0.8, influence 1 - 0.5 * 0.8.
        let result = influence(&stats(10, 8, 900.0, 100.0), 0.5);
        assert!((result.coupon_share - 0.8).abs() < 1e-12);
        assert!((result.discount_share - 0.1).abs() < 1e-12);
        assert!((result.influence - 0.6).abs() < 1e-12);
        // Discounts of 300 on a list value of 1,000 outweigh 1 coupon in 10.
        let result = influence(&stats(10, 1, 700.0, 300.0), 1.0);
        assert!((result.influence - 0.7).abs() < 1e-12);
    }

    #[test]
    fn no_transactions_and_bad_numbers_keep_full_influence() {
        assert_eq!(influence(&PurchaseStats::default(), 0.5).influence, 1.0);
        assert_eq!(
            influence(&stats(3, 0, f64::NAN, f64::NAN), 0.5).influence,
            1.0
        );
        assert_eq!(influence(&stats(3, 0, -50.0, -5.0), 0.5).influence, 1.0);
        // A coupon count above the transaction count is capped.
        assert_eq!(influence(&stats(2, 5, 0.0, 0.0), 1.0).influence, 0.0);
    }
}
