//! Special functions for the likelihoods, in plain `f64`.
//!
//! - [`ln_gamma`]: Lanczos approximation (g = 10.900511, 11 terms; Godfrey's
//!   coefficients as used by Boost and statrs), reflection below 1/2; about
//!   1e-15 relative error for positive arguments.
//! - [`digamma`], [`trigamma`]: recurrence up to x >= 10, then the asymptotic series
//!   (Abramowitz & Stegun 6.3.18 and 6.4.12); reflection for negative arguments.
//! - [`ln_beta`], and log-sum-exp helpers [`log_add_exp`], [`log_sum_exp`],
//!   [`log_sub_exp`], [`log1p_exp`].
//! - [`hyp2f1`] and [`ln_hyp2f1`]: the Gauss hypergeometric series
//!   ${}\_2F_1(a, b; c; z) = \sum_n \frac{(a)\_n (b)\_n}{(c)\_n n!} z^n$, with Pfaff's
//!   transformation ${}\_2F_1(a,b;c;z) = (1-z)^{-a}\\,{}\_2F_1(a, c-b; c; z/(z-1))$ for
//!   $z < 0$ (Abramowitz & Stegun 15.3.4), so the series is only summed for
//!   $0 \le z < 1$.

use std::f64::consts::PI;

const LANCZOS_G: f64 = 10.900511;
// The published coefficients, digits as printed.
#[allow(clippy::excessive_precision)]
const LANCZOS_COEFFICIENTS: [f64; 11] = [
    2.485_740_891_387_535_655_46e-5,
    1.051_423_785_817_219_742_10,
    -3.456_870_972_220_162_354_69,
    4.512_277_094_668_948_237_00,
    -2.982_852_253_235_766_557_21,
    1.056_397_115_771_267_130_77,
    -1.954_287_731_916_458_695_83e-1,
    1.709_705_434_044_412_243_07e-2,
    -5.719_261_174_043_057_812_83e-4,
    4.633_994_733_599_056_367_08e-6,
    -2.719_949_084_886_077_039_10e-9,
];
/// ln(2 sqrt(e / pi)).
const LN_2_SQRT_E_OVER_PI: f64 =
    0.620_782_237_635_245_222_345_518_445_781_647_212_251_852_727_902_597_8;
const LN_PI: f64 = 1.144_729_885_849_400_174_143_427_351_353_058_711_647_294_812_915_311_6;

/// ln |Γ(x)|. Returns +inf at the poles (x = 0, -1, -2, ...) and NaN for NaN.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.5 {
        if x == x.floor() {
            return f64::INFINITY;
        }
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        return LN_PI - (PI * x).sin().abs().ln() - ln_gamma(1.0 - x);
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    let mut s = LANCZOS_COEFFICIENTS[0];
    for (k, c) in LANCZOS_COEFFICIENTS.iter().enumerate().skip(1) {
        s += c / (x + k as f64 - 1.0);
    }
    s.ln() + LN_2_SQRT_E_OVER_PI + (x - 0.5) * ((x - 0.5 + LANCZOS_G) / std::f64::consts::E).ln()
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ψ(x) = d/dx ln Γ(x). NaN at the poles.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x <= 0.0 {
        if x == x.floor() {
            return f64::NAN;
        }
        // ψ(1 - x) - ψ(x) = π cot(π x).
        return digamma(1.0 - x) - PI / (PI * x).tan();
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    acc + x.ln() - 0.5 * inv - series
}

/// ψ'(x), the trigamma function. NaN at the poles.
pub fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x <= 0.0 {
        if x == x.floor() {
            return f64::NAN;
        }
        // ψ'(1 - x) + ψ'(x) = π² / sin²(π x).
        let s = (PI * x).sin();
        return -trigamma(1.0 - x) + PI * PI / (s * s);
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = 1.0
        + 0.5 * inv
        + inv2
            * (1.0 / 6.0
                - inv2
                    * (1.0 / 30.0
                        - inv2
                            * (1.0 / 42.0
                                - inv2
                                    * (1.0 / 30.0 - inv2 * (5.0 / 66.0 - inv2 * 691.0 / 2730.0)))));
    acc + inv * series
}

/// ln(e^a + e^b) without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if hi == f64::INFINITY {
        return f64::INFINITY;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// ln(e^a - e^b) for a >= b; -inf when a == b, NaN when a < b.
pub fn log_sub_exp(a: f64, b: f64) -> f64 {
    if b > a {
        return f64::NAN;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    if a == b {
        return f64::NEG_INFINITY;
    }
    let d = b - a;
    // ln(1 - e^d), accurate for d near 0 and for d very negative.
    let ln1m = if d > -std::f64::consts::LN_2 {
        (-d.exp_m1()).ln()
    } else {
        (-d.exp()).ln_1p()
    };
    a + ln1m
}

/// ln(sum_i e^{x_i}); -inf for an empty slice.
pub fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return if values.iter().any(|v| v.is_nan()) {
            f64::NAN
        } else {
            max
        };
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// ln(1 + e^x) without overflow.
pub fn log1p_exp(x: f64) -> f64 {
    if x > 35.0 {
        x + (-x).exp()
    } else if x < -35.0 {
        x.exp()
    } else {
        x.exp().ln_1p()
    }
}

/// Maximum number of terms of the hypergeometric series.
const HYP2F1_MAX_TERMS: usize = 1_000_000;

/// Sums the series for 0 <= z < 1 in scaled form, returning (ln|sum|, sign).
/// NaN when the series has not converged within [`HYP2F1_MAX_TERMS`].
fn hyp2f1_series(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut ln_scale = 0.0_f64;
    for n in 0..HYP2F1_MAX_TERMS {
        let nf = n as f64;
        let ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        if !ratio.is_finite() {
            return (f64::NAN, 1.0);
        }
        term *= ratio;
        sum += term;
        if term == 0.0 {
            break;
        }
        // The ratio tends to z < 1; once it is below 1 and the series is past its
        // turning point, the tail is bounded by term * r / (1 - r).
        let next_ratio =
            ((a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z).abs();
        if next_ratio < 1.0 && nf + 1.0 > a.abs().max(b.abs()).max(c.abs()).min(1e9) {
            let r = next_ratio.max(z);
            let tail = term.abs() * r / (1.0 - r);
            if tail <= 1e-16 * sum.abs() {
                return (sum.abs().ln() + ln_scale, sum.signum());
            }
        }
        if sum.abs() > 1e250 {
            sum *= 1e-250;
            term *= 1e-250;
            ln_scale += 250.0 * std::f64::consts::LN_10;
        }
    }
    if term == 0.0 {
        return (sum.abs().ln() + ln_scale, sum.signum());
    }
    (f64::NAN, 1.0)
}

/// Sign of Γ(x): +1 for x > 0, alternating between the poles below 0, 0 at the poles.
pub fn gamma_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x == x.floor() {
        0.0
    } else if (-x).ceil() % 2.0 == 1.0 {
        -1.0
    } else {
        1.0
    }
}

/// ln |₂F₁(a, b; c; z)| and its sign, for z < 1 (NaN otherwise, or when `c` is a
/// non-positive integer, or the series fails to converge). Use this when the
/// value may overflow, e.g. with the Pareto/NBD's large `r + s + x`.
///
/// For z > 0.9 the series is slow, so the 1 - z transformation
/// (Abramowitz & Stegun 15.3.6) is used; when c - a - b is within 1e-6 of an
/// integer, where that transformation is singular, the series is summed up to
/// z = 0.9999 and beyond that the value is the mean of the values at c ± 1e-5
/// (relative error about 1e-10).
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    if z.is_nan()
        || z >= 1.0
        || !a.is_finite()
        || !b.is_finite()
        || !c.is_finite()
        || (c <= 0.0 && c == c.floor())
    {
        return (f64::NAN, 1.0);
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return (0.0, 1.0);
    }
    if z < 0.0 {
        // Pfaff: (1 - z)^{-a} 2F1(a, c - b; c; z / (z - 1)), with z / (z - 1) in (0, 1).
        let w = z / (z - 1.0);
        let (ln_value, sign) = ln_hyp2f1(a, c - b, c, w);
        return (ln_value - a * (-z).ln_1p(), sign);
    }
    if z <= 0.9 {
        return hyp2f1_series(a, b, c, z);
    }
    let m = c - a - b;
    let near_integer = (m - m.round()).abs() < 1e-6;
    if near_integer && z <= 0.9999 {
        // At most about 4e5 terms.
        return hyp2f1_series(a, b, c, z);
    }
    if near_integer {
        let delta = 1e-5;
        let (l1, s1) = hyp2f1_one_minus_z(a, b, c + delta, z);
        let (l2, s2) = hyp2f1_one_minus_z(a, b, c - delta, z);
        let top = l1.max(l2);
        let mean = 0.5 * (s1 * (l1 - top).exp() + s2 * (l2 - top).exp());
        return (top + mean.abs().ln(), mean.signum());
    }
    hyp2f1_one_minus_z(a, b, c, z)
}

/// A&S 15.3.6: 2F1(a,b;c;z) = Γ(c)Γ(c-a-b)/(Γ(c-a)Γ(c-b)) 2F1(a,b;a+b-c+1;1-z)
/// + (1-z)^{c-a-b} Γ(c)Γ(a+b-c)/(Γ(a)Γ(b)) 2F1(c-a,c-b;c-a-b+1;1-z).
fn hyp2f1_one_minus_z(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    let w = 1.0 - z;
    let m = c - a - b;
    let mut parts = [(f64::NEG_INFINITY, 0.0); 2];
    let s1 = gamma_sign(c) * gamma_sign(m) * gamma_sign(c - a) * gamma_sign(c - b);
    if s1 != 0.0 {
        let (lf, sf) = hyp2f1_series(a, b, 1.0 - m, w);
        let lg = ln_gamma(c) + ln_gamma(m) - ln_gamma(c - a) - ln_gamma(c - b);
        parts[0] = (lg + lf, s1 * sf);
    }
    let s2 = gamma_sign(c) * gamma_sign(-m) * gamma_sign(a) * gamma_sign(b);
    if s2 != 0.0 {
        let (lf, sf) = hyp2f1_series(c - a, c - b, 1.0 + m, w);
        let lg = m * w.ln() + ln_gamma(c) + ln_gamma(-m) - ln_gamma(a) - ln_gamma(b);
        parts[1] = (lg + lf, s2 * sf);
    }
    let top = parts[0].0.max(parts[1].0);
    if !top.is_finite() {
        return (top, 1.0);
    }
    let sum = parts[0].1 * (parts[0].0 - top).exp() + parts[1].1 * (parts[1].0 - top).exp();
    (top + sum.abs().ln(), if sum < 0.0 { -1.0 } else { 1.0 })
}

/// ₂F₁(a, b; c; z) for z < 1 (see [`ln_hyp2f1`]).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (ln_value, sign) = ln_hyp2f1(a, b, c, z);
    sign * ln_value.exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(rel(ln_gamma(0.5), 0.572_364_942_924_700_1) < 1e-14);
        assert!(ln_gamma(1.0).abs() < 1e-15 && ln_gamma(2.0).abs() < 1e-15);
        assert!(rel(ln_gamma(10.0), 362_880_f64.ln()) < 1e-14);
        assert!(rel(ln_gamma(100.0), 359.134_205_369_575_4) < 1e-14);
        assert!(rel(ln_gamma(1e-3), 6.907_178_885_383_854) < 1e-13);
        assert!(rel(ln_gamma(3.5), 1.200_973_602_347_074_3) < 1e-14);
        assert!(rel(ln_gamma(-0.5), 1.265_512_123_484_645_4) < 1e-14);
        assert!(rel(ln_gamma(1e6), 12_815_504.569_147_61) < 1e-14);
        assert_eq!(ln_gamma(0.0), f64::INFINITY);
        // Recurrence ln Γ(x + 1) = ln Γ(x) + ln x.
        for i in 1..400 {
            let x = 0.037 * i as f64 + 0.01;
            assert!(
                (ln_gamma(x + 1.0) - ln_gamma(x) - x.ln()).abs()
                    < 2e-14 * (1.0 + ln_gamma(x).abs()),
                "{x}"
            );
        }
    }

    #[test]
    fn digamma_and_trigamma() {
        assert!(rel(digamma(1.0), -0.577_215_664_901_532_9) < 1e-14);
        assert!(rel(digamma(0.5), -1.963_510_026_021_423_5) < 1e-14);
        assert!(rel(digamma(10.0), 2.251_752_589_066_721) < 1e-14);
        assert!(rel(digamma(-0.5), 0.036_489_973_978_576_52) < 1e-12);
        assert!(rel(trigamma(1.0), PI * PI / 6.0) < 1e-14);
        assert!(rel(trigamma(0.5), PI * PI / 2.0) < 1e-14);
        for i in 1..200 {
            let x = 0.05 * i as f64;
            let h = 1e-5 * x.max(1.0);
            let fd = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!(
                (fd - digamma(x)).abs() < 1e-7 * (1.0 + digamma(x).abs()),
                "{x}"
            );
            let fd2 = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
            assert!(
                (fd2 - trigamma(x)).abs() < 1e-6 * (1.0 + trigamma(x).abs()),
                "{x}"
            );
        }
    }

    #[test]
    fn log_exp_helpers() {
        assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(
            log_add_exp(f64::NEG_INFINITY, f64::NEG_INFINITY),
            f64::NEG_INFINITY
        );
        assert!((log_sub_exp(2f64.ln(), 0.0)).abs() < 1e-15);
        assert!((log_sub_exp(0.0, -1e-20) - (1e-20f64).ln()).abs() < 1e-12);
        assert!(
            (log_sum_exp(&[1.0, 2.0, 3.0]) - (1f64.exp() + 2f64.exp() + 3f64.exp()).ln()).abs()
                < 1e-14
        );
        assert!((log1p_exp(800.0) - 800.0).abs() < 1e-12);
        assert!(ln_beta(2.0, 3.0).exp() - 1.0 / 12.0 < 1e-15);
    }

    #[test]
    fn hyp2f1_known_values() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z.
        for &z in &[-5.0_f64, -0.9, -0.1, 0.1, 0.5, 0.9, 0.99] {
            let exact = -(-z).ln_1p() / z;
            assert!(rel(hyp2f1(1.0, 1.0, 2.0, z), exact) < 1e-13, "{z}");
        }
        // 2F1(a, b; b; z) = (1 - z)^{-a}.
        assert!(rel(hyp2f1(2.5, 3.0, 3.0, 0.7), 0.3_f64.powf(-2.5)) < 1e-13);
        assert!(rel(hyp2f1(2.5, 3.0, 3.0, -20.0), 21.0_f64.powf(-2.5)) < 1e-13);
        // Overflowing values stay finite in log space.
        let (ln_value, sign) = ln_hyp2f1(500.0, 1.0, 501.0, 0.999);
        assert!(ln_value.is_finite() && sign == 1.0);
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
        // Near z = 1, against the series summed in long hand (A&S 15.1.1).
        for &(a, b, c, z) in &[
            (0.24, 2.4, 2.2, 0.95),
            (1.3, 2.0, 3.3, 0.999),
            (1.5, 2.5, 4.0, 0.97),
            (0.5, 0.7, 0.3, 0.93),
        ] {
            let mut term = 1.0_f64;
            let mut sum = 1.0_f64;
            for n in 0..2_000_000 {
                let nf = n as f64;
                term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
                sum += term;
            }
            assert!(
                rel(hyp2f1(a, b, c, z), sum) < 1e-9,
                "{a} {b} {c} {z}: {} vs {sum}",
                hyp2f1(a, b, c, z)
            );
        }
        // 2F1(1, 1; 2; z) near 1 has c - a - b = 0, the singular case of 15.3.6.
        let z = 0.999_999;
        assert!(rel(hyp2f1(1.0, 1.0, 2.0, z), -(-z).ln_1p() / z) < 1e-8);
    }
}
