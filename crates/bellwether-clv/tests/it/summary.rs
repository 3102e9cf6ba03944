//! Rebuilding the CDNOW summary from the transaction log.

use bellwether_clv::summary::{
    day_number, CustomerSummary, SummaryBuilder, SummaryOptions, TimeUnit,
};

use crate::cdnow_fixtures;

fn cdnow_options() -> SummaryOptions {
    SummaryOptions {
        time_unit: TimeUnit::Week,
        calibration_end: day_number(1997, 9, 30),
        observation_end: day_number(1998, 6, 30),
    }
}

fn build(rows: impl Iterator<Item = (u64, i32, f64)>) -> Vec<CustomerSummary<u64>> {
    let mut builder = SummaryBuilder::<u64>::new(cdnow_options());
    for (customer, day, amount) in rows {
        builder.push(&customer, day, amount).unwrap();
    }
    let mut out = builder.finish().unwrap();
    out.sort_by_key(|s| s.customer);
    out
}

/// Compares rebuilt summaries with the CDNOW reference files.
fn check(summaries: &[CustomerSummary<u64>]) {
    let expected = cdnow_fixtures::summary_with_spend();
    let holdout = cdnow_fixtures::holdout();
    assert_eq!(summaries.len(), 2357);
    for ((s, e), h) in summaries.iter().zip(&expected).zip(&holdout) {
        assert_eq!((s.customer, s.customer), (e.0, h.0));
        assert_eq!(f64::from(s.frequency), e.1, "customer {}", e.0);
        assert!(
            (s.recency - e.2).abs() <= 0.005 + 1e-9,
            "customer {}: {} vs {}",
            e.0,
            s.recency,
            e.2
        );
        assert!(
            (s.age - e.3).abs() <= 0.005 + 1e-9,
            "customer {}: {} vs {}",
            e.0,
            s.age,
            e.3
        );
        assert!(
            (s.monetary_value - e.4).abs() <= 0.01,
            "customer {}: {} vs {}",
            e.0,
            s.monetary_value,
            e.4
        );
        assert_eq!(s.holdout_frequency, Some(h.1), "customer {}", e.0);
        assert_eq!(s.holdout_duration, Some(39.0));
    }
    let total_x: u32 = summaries.iter().map(|s| s.frequency).sum();
    let total_holdout: u32 = summaries.iter().filter_map(|s| s.holdout_frequency).sum();
    assert_eq!((total_x, total_holdout), (2457, 1882));
    // The summary file itself agrees with the spend file.
    let plain = cdnow_fixtures::summary();
    assert!(plain
        .iter()
        .zip(&expected)
        .all(|(p, e)| (p.0, p.1, p.2, p.3) == (e.0, e.1, e.2, e.3)));
}

#[test]
fn cdnow_summary_is_reproduced_in_file_order() {
    check(&build(cdnow_fixtures::transactions().into_iter()));
}

#[test]
fn cdnow_summary_is_reproduced_in_reverse_order() {
    check(&build(cdnow_fixtures::transactions().into_iter().rev()));
}

#[test]
fn string_keys_and_days() {
    let mut builder = SummaryBuilder::<String>::new(SummaryOptions::default());
    for (c, d, a) in [
        ("x", 10, 1.0),
        ("y", 12, 2.0),
        ("x", 13, 3.0),
        ("x", 13, 1.0),
    ] {
        builder.push(c, d, a).unwrap();
    }
    let s = builder.finish().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(
        (
            s[0].customer.as_str(),
            s[0].frequency,
            s[0].recency,
            s[0].age,
            s[0].monetary_value
        ),
        ("x", 1, 3.0, 3.0, 4.0)
    );
    assert_eq!(
        (
            s[1].frequency,
            s[1].recency,
            s[1].age,
            s[1].holdout_frequency
        ),
        (0, 0.0, 1.0, None)
    );
    assert!(SummaryBuilder::<String>::new(SummaryOptions::default())
        .finish()
        .unwrap()
        .is_empty());
}

#[test]
fn bad_options_are_errors() {
    let options = SummaryOptions {
        time_unit: TimeUnit::Month,
        calibration_end: Some(10),
        observation_end: Some(5),
    };
    let mut builder = SummaryBuilder::<u64>::new(options);
    builder.push(&1, 1, 1.0).unwrap();
    assert!(builder.finish().is_err());
    let options = SummaryOptions {
        time_unit: TimeUnit::Day,
        calibration_end: None,
        observation_end: Some(5),
    };
    assert!(SummaryBuilder::<u64>::new(options).finish().is_err());
}

#[test]
fn end_to_end_from_the_transaction_log() {
    use approx::assert_relative_eq;
    use bellwether_clv::bgnbd::BgNbd;
    use bellwether_clv::data::CompressedSummary;
    use bellwether_clv::gamma_gamma::{GammaGamma, SpendData};
    // Unrounded times and spend: the fits land within 1 % of the published ones.
    let summaries = build(cdnow_fixtures::transactions().into_iter());
    let bg = BgNbd::fit(&CompressedSummary::from_summaries(&summaries))
        .unwrap()
        .model;
    for (got, want) in [
        (bg.r, 0.242593),
        (bg.alpha, 4.41353),
        (bg.a, 0.792886),
        (bg.b, 2.42575),
    ] {
        assert_relative_eq!(got, want, max_relative = 1e-2);
    }
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries).unwrap())
        .unwrap()
        .model;
    for (got, want) in [(gg.p, 6.248805), (gg.q, 3.744588), (gg.v, 15.44774)] {
        assert_relative_eq!(got, want, max_relative = 1e-2);
    }
}

/// One customer's rows in day order, a calibration end and a split point.
fn ordered_rows() -> impl proptest::strategy::Strategy<Value = (Vec<(i32, f64)>, Option<i32>, usize)>
{
    use proptest::prelude::*;
    (
        prop::collection::vec((0i32..4, 1u32..5000), 1..12),
        prop::option::of(0i32..30),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(steps, calibration_end, split)| {
            let mut day = 0;
            let rows: Vec<(i32, f64)> = steps
                .into_iter()
                .map(|(step, cents)| {
                    day += step;
                    (day, f64::from(cents) / 100.0)
                })
                .collect();
            let split = split.index(rows.len() + 1);
            (rows, calibration_end, split)
        })
}

proptest::proptest! {
    /// The O(1) summary, pushed row by row or built in two runs and appended, agrees
    /// with the builder that keeps every day.
    #[test]
    fn ordered_days_agree_with_the_builder((rows, calibration_end, split) in ordered_rows()) {
        use bellwether_clv::summary::OrderedDays;
        let end = calibration_end.unwrap_or(rows.last().map_or(0, |r| r.0));
        let options = SummaryOptions {
            time_unit: TimeUnit::Week,
            calibration_end: Some(end),
            observation_end: calibration_end.map(|_| i32::MAX / 2),
        };
        let holdout_duration = calibration_end.map(|_| 3.0);
        let mut builder = SummaryBuilder::<u64>::new(options);
        for &(day, amount) in &rows {
            builder.push(&1, day, amount).unwrap();
        }
        let mut expected = builder.finish().unwrap().pop();
        if let Some(e) = expected.as_mut() {
            e.holdout_duration = holdout_duration;
            if calibration_end.is_none() {
                e.holdout_frequency = None;
            }
        }
        let fold = |rows: &[(i32, f64)]| {
            let mut state = OrderedDays::new(rows[0].0, rows[0].1);
            for &(day, amount) in &rows[1..] {
                state.push(day, amount, calibration_end).unwrap();
            }
            state
        };
        let whole = fold(&rows);
        let appended = if split == 0 || split == rows.len() {
            whole
        } else {
            let mut first = fold(&rows[..split]);
            first.append(&fold(&rows[split..]), calibration_end).unwrap();
            first
        };
        for state in [whole, appended] {
            let got = state.summary(1u64, end, TimeUnit::Week, holdout_duration);
            match (&got, &expected) {
                (Some(g), Some(e)) => {
                    proptest::prop_assert_eq!(
                        (g.frequency, g.recency, g.age, g.first_day, g.holdout_frequency, g.holdout_duration),
                        (e.frequency, e.recency, e.age, e.first_day, e.holdout_frequency, e.holdout_duration)
                    );
                    proptest::prop_assert!((g.monetary_value - e.monetary_value).abs() <= 1e-9 * e.monetary_value.abs().max(1.0));
                }
                _ => proptest::prop_assert_eq!(got.is_none(), expected.is_none()),
            }
        }
    }

    /// A row dated before the last one, or a later run that starts before the last
    /// day, is refused rather than summarised wrongly.
    #[test]
    fn ordered_days_refuse_disorder(day in 1i32..100, back in 1i32..50) {
        use bellwether_clv::summary::OrderedDays;
        let mut state = OrderedDays::new(0, 1.0);
        state.push(day, 1.0, None).unwrap();
        proptest::prop_assert!(state.push(day - back.min(day), 1.0, None).is_err() || back.min(day) == 0);
        let earlier = OrderedDays::new(day - back.min(day), 1.0);
        if back.min(day) > 0 {
            proptest::prop_assert!(state.append(&earlier, None).is_err());
        }
    }
}
