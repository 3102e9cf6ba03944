//! `transactions.csv`: a BG/NBD-like purchase process per customer, streamed in date order.
//!
//! A customer buys for the first time the day its account is created; while active it buys
//! again after exponential gaps (its rate drawn from a gamma), and after each purchase it
//! becomes inactive with its own probability (drawn from a beta), as in Fader, Hardie and Lee
//! (2005). Days are processed in order with one bucket of pending customers per day, so memory
//! holds one small entry per active customer, never the transactions.

use std::io::Write;

use crate::customers::PurchaseHabits;
use crate::format::{push_cents, push_customer_id};
use crate::random::{Purpose, StreamKey};
use crate::DemoError;

/// Coupon codes and the share of the list price they take off.
const COUPONS: &[(&str, f64)] = &[
    ("SAVE10", 0.10),
    ("SAVE20", 0.20),
    ("WELCOME15", 0.15),
    ("SPRING25", 0.25),
    ("PARTNER30", 0.30),
    ("LOYAL5", 0.05),
];

/// The smallest list price of a purchase, in USD.
const MINIMUM_LIST_PRICE: f64 = 25.0;

/// Writes the header and every transaction; returns the number of transactions.
pub(crate) fn write_transactions(
    output: &mut impl Write,
    key: &StreamKey,
    habits: &[PurchaseHabits],
    created_days: &[u32],
    dates: &[[u8; 10]],
    id_width: usize,
) -> Result<u64, DemoError> {
    let n_days = dates.len();
    let mut pending_by_day: Vec<Vec<u32>> = vec![Vec::new(); n_days];
    for (customer_idx, created_day) in created_days.iter().enumerate() {
        pending_by_day[*created_day as usize].push(customer_idx as u32);
    }
    let mut n_events = vec![0u32; habits.len()];
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 17);
    buffer.extend_from_slice(b"customer_id,date,amount,discount,coupon,currency\n");
    let mut n_transactions = 0u64;
    for day in 0..n_days {
        let mut pending = std::mem::take(&mut pending_by_day[day]);
        pending.sort_unstable();
        for &customer_idx in &pending {
            let customer_idx = customer_idx as usize;
            let customer_habits = habits[customer_idx];
            let event = n_events[customer_idx];
            n_events[customer_idx] += 1;
            let mut rng = key.stream(customer_idx, Purpose::Purchase, u64::from(event));

            let list_price = (f64::from(customer_habits.median_spend)
                * libm::exp(0.45 * rng.normal()))
            .max(MINIMUM_LIST_PRICE);
            let list_cents = (list_price * 100.0).round() as u64;
            let mut coupon = None;
            let mut discount_share = 0.0;
            if rng.chance(f64::from(customer_habits.coupon_share)) {
                let (code, share) = *rng.pick(COUPONS);
                coupon = Some(code);
                discount_share = share;
            } else if rng.chance(f64::from(customer_habits.discount_share)) {
                discount_share = rng.between(0.05, 0.15);
            }
            let discount_cents = (list_cents as f64 * discount_share).round() as u64;

            push_customer_id(&mut buffer, customer_idx, id_width);
            buffer.push(b',');
            buffer.extend_from_slice(&dates[day]);
            buffer.push(b',');
            push_cents(&mut buffer, list_cents - discount_cents);
            buffer.push(b',');
            if discount_cents > 0 {
                push_cents(&mut buffer, discount_cents);
            }
            buffer.push(b',');
            if let Some(code) = coupon {
                buffer.extend_from_slice(code.as_bytes());
            }
            buffer.extend_from_slice(b",USD\n");
            n_transactions += 1;
            if buffer.len() >= 1 << 16 {
                output.write_all(&buffer)?;
                buffer.clear();
            }

            if rng.chance(f64::from(customer_habits.dropout)) {
                continue;
            }
            let gap = rng
                .exponential(f64::from(customer_habits.rate_per_day))
                .round()
                .max(1.0);
            let next_day = day as f64 + gap;
            if next_day < n_days as f64 {
                pending_by_day[next_day as usize].push(customer_idx as u32);
            }
        }
        // Give the bucket's memory back: most buckets are never reused.
        drop(pending);
    }
    output.write_all(&buffer)?;
    Ok(n_transactions)
}
