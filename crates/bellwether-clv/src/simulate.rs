//! Simulators of the models, for parameter-recovery tests and benchmarks.
//!
//! Dependency-free: a small seeded generator ([`Rng`], xoshiro256++ seeded by
//! SplitMix64; Blackman & Vigna 2019) and Marsaglia & Tsang's (2000) gamma
//! sampler. Not cryptographic; deterministic for a given seed.

use crate::bgnbd::BgNbd;
use crate::gamma_gamma::GammaGamma;
use crate::mbgnbd::MbgNbd;

/// xoshiro256++ pseudo-random generator.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from `seed` through SplitMix64.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self {
            s: [next(), next(), next(), next()],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform on the open interval (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Exponential with the given rate.
    pub fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }

    /// Gamma with `shape` and `rate` (mean shape / rate), Marsaglia & Tsang.
    pub fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform();
            return self.gamma(shape + 1.0, rate) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }

    /// Beta(a, b) as a ratio of gammas.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        x / (x + y)
    }
}

/// One simulated customer: calibration (x, t_x, T) and holdout purchases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedCustomer {
    pub x: f64,
    pub t_x: f64,
    pub t: f64,
    /// Repeat purchases in (T, T + holdout].
    pub x_holdout: f64,
}

fn simulate_btyd(
    t_cal: &[f64],
    holdout: f64,
    rng: &mut Rng,
    mut draw: impl FnMut(&mut Rng) -> (f64, f64),
    dies_at_first_purchase: bool,
) -> Vec<SimulatedCustomer> {
    t_cal
        .iter()
        .map(|&t| {
            let (lambda, p) = draw(rng);
            let end = t + holdout;
            let mut alive = !(dies_at_first_purchase && rng.uniform() < p);
            let (mut now, mut x, mut t_x, mut x_holdout) = (0.0, 0.0, 0.0, 0.0);
            while alive {
                now += rng.exponential(lambda);
                if now > end {
                    break;
                }
                if now <= t {
                    x += 1.0;
                    t_x = now;
                } else {
                    x_holdout += 1.0;
                }
                alive = rng.uniform() >= p;
            }
            SimulatedCustomer {
                x,
                t_x,
                t,
                x_holdout,
            }
        })
        .collect()
}

/// Simulates one BG/NBD customer per entry of `t_cal` (their T), each also
/// observed for `holdout` more time units.
pub fn bgnbd(model: BgNbd, t_cal: &[f64], holdout: f64, rng: &mut Rng) -> Vec<SimulatedCustomer> {
    simulate_btyd(
        t_cal,
        holdout,
        rng,
        |rng| (rng.gamma(model.r, model.alpha), rng.beta(model.a, model.b)),
        false,
    )
}

/// Simulates MBG/NBD customers (who may also drop out at the first purchase).
pub fn mbgnbd(model: MbgNbd, t_cal: &[f64], holdout: f64, rng: &mut Rng) -> Vec<SimulatedCustomer> {
    simulate_btyd(
        t_cal,
        holdout,
        rng,
        |rng| (rng.gamma(model.r, model.alpha), rng.beta(model.a, model.b)),
        true,
    )
}

/// Mean spend of customers with the given frequencies under the Gamma-Gamma
/// model (0 for x = 0): ν ~ Gamma(q, γ), each value ~ Gamma(p, ν).
pub fn gamma_gamma(model: GammaGamma, frequency: &[f64], rng: &mut Rng) -> Vec<f64> {
    frequency
        .iter()
        .map(|&x| {
            if x <= 0.0 {
                return 0.0;
            }
            let nu = rng.gamma(model.q, model.v);
            rng.gamma(model.p * x, nu) / x
        })
        .collect()
}
