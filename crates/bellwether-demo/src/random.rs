//! Deterministic random numbers for the demo.
//!
//! Every draw comes from a ChaCha8 stream addressed by (customer, purpose, event), so a
//! customer's data does not depend on the order in which customers are generated, and the
//! purchase process can be replayed one event at a time without keeping a generator per
//! customer in memory.
//! The distributions are written here with `libm`, whose results are the same on every
//! machine, rather than taken from a crate whose algorithms may change between versions.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream of random numbers is used for; part of the stream address.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    /// Name, country, size, signals and purchase parameters of a customer.
    Profile = 0,
    /// One purchase event of a customer (addressed further by the event number).
    Purchase = 1,
    /// The feature requests of a customer.
    Requests = 2,
    /// Industry and the latent size and quality that decide the market rank.
    Standing = 3,
}

/// Number of ChaCha words reserved for one purchase event (four 64-byte blocks).
const WORDS_PER_EVENT: u128 = 64;

/// The ChaCha key derived from the user's seed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamKey([u8; 32]);

impl StreamKey {
    pub(crate) fn from_seed(seed: u64) -> StreamKey {
        StreamKey(ChaCha8Rng::seed_from_u64(seed).get_seed())
    }

    /// The generator for one customer and purpose, positioned at `event` (0 for the start).
    pub(crate) fn stream(&self, customer_idx: usize, purpose: Purpose, event: u64) -> DemoRng {
        let mut rng = ChaCha8Rng::from_seed(self.0);
        rng.set_stream((customer_idx as u64) * 4 + purpose as u64);
        if event > 0 {
            rng.set_word_pos(u128::from(event) * WORDS_PER_EVENT);
        }
        DemoRng { rng }
    }
}

/// A ChaCha8 generator with the handful of distributions the demo draws from.
pub(crate) struct DemoRng {
    rng: ChaCha8Rng,
}

impl DemoRng {
    /// Uniform in [0, 1) with 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1], safe to take the logarithm of.
    pub(crate) fn uniform_open(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// Uniform in [low, high).
    pub(crate) fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// True with probability `probability`.
    pub(crate) fn chance(&mut self, probability: f64) -> bool {
        self.uniform() < probability
    }

    /// Uniform index in 0..n (n > 0).
    pub(crate) fn index(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n - 1)
    }

    /// Uniform integer in low..=high.
    pub(crate) fn integer(&mut self, low: u64, high: u64) -> u64 {
        low + self.index((high - low + 1) as usize) as u64
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// One string of a non-empty list.
    pub(crate) fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.index(items.len())]
    }

    /// An index drawn with probability proportional to `weights` (not all zero).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.uniform() * total;
        for (weight_idx, weight) in weights.iter().enumerate() {
            if target < *weight {
                return weight_idx;
            }
            target -= weight;
        }
        weights
            .iter()
            .rposition(|weight| *weight > 0.0)
            .unwrap_or(0)
    }

    /// Standard normal, by the Box–Muller transform.
    pub(crate) fn normal(&mut self) -> f64 {
        let radius = libm::sqrt(-2.0 * libm::log(self.uniform_open()));
        radius * libm::cos(2.0 * core::f64::consts::PI * self.uniform())
    }

    /// Log-normal with the given median and log-scale spread.
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * libm::exp(sigma * self.normal())
    }

    /// Exponential with the given rate.
    pub(crate) fn exponential(&mut self, rate: f64) -> f64 {
        -libm::log(self.uniform_open()) / rate
    }

    /// Gamma(shape, scale), by Marsaglia and Tsang (2000), boosted for shape < 1.
    pub(crate) fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        if shape < 1.0 {
            let boost = libm::pow(self.uniform_open(), 1.0 / shape);
            return self.gamma(shape + 1.0, scale) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / libm::sqrt(9.0 * d);
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform_open();
            if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
                return d * v * scale;
            }
        }
    }

    /// Beta(a, b), as a ratio of two gammas.
    pub(crate) fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        x / (x + y)
    }

    /// Poisson with the given mean: Knuth's product method, a rounded normal above 30.
    pub(crate) fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 30.0 {
            return (mean + libm::sqrt(mean) * self.normal()).round().max(0.0) as u64;
        }
        let limit = libm::exp(-mean);
        let mut product = self.uniform_open();
        let mut count = 0;
        while product > limit {
            product *= self.uniform_open();
            count += 1;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let key = StreamKey::from_seed(7);
        let a = key.stream(3, Purpose::Purchase, 5).uniform();
        let b = key.stream(3, Purpose::Purchase, 5).uniform();
        let c = key.stream(3, Purpose::Purchase, 6).uniform();
        let d = key.stream(4, Purpose::Purchase, 5).uniform();
        assert_eq!(a.to_bits(), b.to_bits());
        assert_ne!(a.to_bits(), c.to_bits());
        assert_ne!(a.to_bits(), d.to_bits());
    }

    #[test]
    fn gamma_and_beta_have_the_right_means() {
        let mut rng = StreamKey::from_seed(1).stream(0, Purpose::Profile, 0);
        let n_draws = 20_000;
        let gamma_mean = (0..n_draws).map(|_| rng.gamma(0.7, 2.0)).sum::<f64>() / n_draws as f64;
        let beta_mean = (0..n_draws).map(|_| rng.beta(1.0, 9.0)).sum::<f64>() / n_draws as f64;
        let poisson_mean =
            (0..n_draws).map(|_| rng.poisson(2.5) as f64).sum::<f64>() / n_draws as f64;
        assert!((gamma_mean - 1.4).abs() < 0.05, "{gamma_mean}");
        assert!((beta_mean - 0.1).abs() < 0.01, "{beta_mean}");
        assert!((poisson_mean - 2.5).abs() < 0.05, "{poisson_mean}");
    }
}
