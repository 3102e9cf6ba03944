//! The Gauss hypergeometric function ${}\_2F_1(1, b; c; z)$ with its partial
//! derivatives in `b`, `c` and `z`, for the Pareto/NBD likelihood and the sBG's
//! discounted expected residual lifetime.
//!
//! Both models only need the special case $a = 1$:
//!
//! $$H(b, c, z) = {}\_2F_1(1, b; c; z) = \sum_{n \ge 0} \frac{(b)\_n}{(c)\_n} z^n,
//! \qquad c > 1,\\; 0 \le z < 1.$$
//!
//! It is evaluated by Gauss's continued fraction (the one behind the incomplete
//! beta function, Numerical Recipes 3rd ed. §6.4, with $p = c - 1$ and
//! $q = b - c + 1$, so that $B_z(p, q) = z^p (1-z)^q H / p$):
//!
//! $$H = \cfrac{1}{1 + \cfrac{d_1}{1 + \cfrac{d_2}{1 + \cdots}}},\quad
//! d_{2m+1} = -\frac{(c-1+m)(b+m)\\,z}{(c-1+2m)(c+2m)},\quad
//! d_{2m} = \frac{m\\,(b-c+1-m)\\,z}{(c-2+2m)(c-1+2m)},$$
//!
//! summed forwards by the modified Lentz method. Unlike the power series, whose
//! terms decay like $n^{b-c} z^n$ and need thousands of terms when $z \to 1$ and
//! $c - b$ is small, the fraction converges geometrically with ratio about
//! $\bigl((1-\sqrt{1-z})/(1+\sqrt{1-z})\bigr)^2$ whatever `b` and `c`, and all its
//! partial numerators are bounded, so nothing overflows for large `b`, `c`
//! (large purchase counts).
//!
//! For $z \le 1/2$ and $b < c$ (every use in this crate) the power series is
//! cheaper and is summed directly, with its derivatives term by term.
//!
//! The derivatives of the continued fraction come from forward-mode
//! differentiation of the same recurrence (a three-component dual number), so they are the exact
//! derivatives of the computed approximant and converge with it; the loop stops
//! only when the value and all three derivatives have converged.

/// A value with its partial derivatives along (b, c, z).
#[derive(Debug, Clone, Copy)]
struct Dual {
    v: f64,
    d: [f64; 3],
}

impl Dual {
    const fn constant(v: f64) -> Self {
        Self { v, d: [0.0; 3] }
    }

    fn add_f(self, o: f64) -> Self {
        Self {
            v: self.v + o,
            d: self.d,
        }
    }

    fn mul(self, o: Self) -> Self {
        Self {
            v: self.v * o.v,
            d: [
                self.d[0] * o.v + self.v * o.d[0],
                self.d[1] * o.v + self.v * o.d[1],
                self.d[2] * o.v + self.v * o.d[2],
            ],
        }
    }

    fn recip(self) -> Self {
        let inv = 1.0 / self.v;
        let k = -inv * inv;
        Self {
            v: inv,
            d: [self.d[0] * k, self.d[1] * k, self.d[2] * k],
        }
    }

    fn div(self, o: Self) -> Self {
        self.mul(o.recip())
    }
}

/// $\ln H(b, c, z)$ and its partial derivatives, from [`ln_hyp2f1_one`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LnHyp2f1One {
    /// $\ln {}\_2F_1(1, b; c; z)$.
    pub ln_value: f64,
    /// $\partial \ln H / \partial b$.
    pub d_b: f64,
    /// $\partial \ln H / \partial c$.
    pub d_c: f64,
    /// $\partial \ln H / \partial z$.
    pub d_z: f64,
}

impl LnHyp2f1One {
    const NAN: Self = Self {
        ln_value: f64::NAN,
        d_b: f64::NAN,
        d_c: f64::NAN,
        d_z: f64::NAN,
    };
}

/// Cap on the number of partial fractions. Reached only when `1 - z` is below
/// about 1e-7, where the result is still finite but less accurate.
const MAX_TERMS: usize = 40_000;
const TOLERANCE: f64 = 1e-15;
const TINY: f64 = 1e-300;

/// Below this argument (and for b < c) the power series is summed instead: its
/// terms fall at least as fast as $z^n$, and each costs two divisions.
const SERIES_MAX_Z: f64 = 0.5;

/// The power series $\sum_n t_n$, $t_{n+1} = t_n \frac{b+n}{c+n} z$, with
/// $\partial_b t_n = t_n \sum_{k<n} \frac{1}{b+k}$,
/// $\partial_c t_n = -t_n \sum_{k<n} \frac{1}{c+k}$ and
/// $\partial_z t_{n+1} = (n+1)\\, t_n \frac{b+n}{c+n}$; for $b < c$ the tail
/// after $t_n$ is below $t_n\\, z / (1 - z)$.
fn series(b: f64, c: f64, z: f64) -> LnHyp2f1One {
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    let (mut h_b, mut h_c) = (0.0_f64, 0.0_f64);
    let (mut s_b, mut s_c, mut s_z) = (0.0_f64, 0.0_f64, 0.0_f64);
    let tail_factor = 1.0 / (1.0 - z);
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        let (bn, inv_cn) = (b + nf, 1.0 / (c + nf));
        let ratio = bn * inv_cn;
        s_z += (nf + 1.0) * term * ratio;
        term *= ratio * z;
        h_b += 1.0 / bn;
        h_c += inv_cn;
        sum += term;
        s_b += term * h_b;
        s_c -= term * h_c;
        if term * tail_factor * (1.0 + nf + h_b + h_c) <= 1e-17 * sum {
            break;
        }
    }
    let inv = 1.0 / sum;
    LnHyp2f1One {
        ln_value: sum.ln(),
        d_b: s_b * inv,
        d_c: s_c * inv,
        d_z: s_z * inv,
    }
}

/// $\ln {}\_2F_1(1, b; c; z)$ and its partial derivatives in `b`, `c`, `z`, for
/// $b > 0$, $c > 1$, $0 \le z < 1$ (all NaN outside that domain). See the
/// module documentation for the method.
pub fn ln_hyp2f1_one(b: f64, c: f64, z: f64) -> LnHyp2f1One {
    if !(b > 0.0 && c > 1.0 && (0.0..1.0).contains(&z) && b.is_finite() && c.is_finite()) {
        return LnHyp2f1One::NAN;
    }
    if z <= SERIES_MAX_Z && b < c {
        series(b, c, z)
    } else {
        continued_fraction(b, c, z)
    }
}

/// Gauss's continued fraction by the modified Lentz method, differentiated
/// forward.
fn continued_fraction(b: f64, c: f64, z: f64) -> LnHyp2f1One {
    let bd = Dual {
        v: b,
        d: [1.0, 0.0, 0.0],
    };
    let cd = Dual {
        v: c,
        d: [0.0, 1.0, 0.0],
    };
    let zd = Dual {
        v: z,
        d: [0.0, 0.0, 1.0],
    };
    // Lentz for K = 1 + d1/(1 + d2/(1 + ...)); H = 1 / K.
    let mut f = Dual::constant(1.0);
    let mut cc = Dual::constant(1.0);
    let mut dd = Dual::constant(0.0);
    for k in 1..=MAX_TERMS {
        let m = (k / 2) as f64;
        let coef = if k % 2 == 1 {
            // -(c - 1 + m)(b + m) z / ((c - 1 + 2m)(c + 2m))
            let num = cd.add_f(m - 1.0).mul(bd.add_f(m)).mul(zd);
            let den = cd.add_f(2.0 * m - 1.0).mul(cd.add_f(2.0 * m));
            let q = num.div(den);
            Dual {
                v: -q.v,
                d: [-q.d[0], -q.d[1], -q.d[2]],
            }
        } else {
            // m (b - c + 1 - m) z / ((c - 2 + 2m)(c - 1 + 2m))
            let diff = Dual {
                v: b - c + 1.0 - m,
                d: [1.0, -1.0, 0.0],
            };
            let num = diff.mul(zd);
            let num = Dual {
                v: num.v * m,
                d: [num.d[0] * m, num.d[1] * m, num.d[2] * m],
            };
            let den = cd.add_f(2.0 * m - 2.0).mul(cd.add_f(2.0 * m - 1.0));
            num.div(den)
        };
        dd = coef.mul(dd).add_f(1.0);
        if dd.v.abs() < TINY {
            dd.v = TINY;
        }
        cc = coef.div(cc).add_f(1.0);
        if cc.v.abs() < TINY {
            cc.v = TINY;
        }
        dd = dd.recip();
        let delta = cc.mul(dd);
        f = f.mul(delta);
        // ln f moves by ln(delta), its gradient by grad(delta) / delta.
        let scale_f = 1.0 / f.v;
        let value_done = (delta.v - 1.0).abs() <= TOLERANCE;
        let grad_done = (0..3).all(|i| {
            let g = f.d[i] * scale_f;
            (delta.d[i] / delta.v).abs() <= TOLERANCE * (1.0 + g.abs())
        });
        if value_done && grad_done {
            break;
        }
    }
    if !(f.v.is_finite() && f.v > 0.0) {
        return LnHyp2f1One::NAN;
    }
    let inv = 1.0 / f.v;
    LnHyp2f1One {
        ln_value: -f.v.ln(),
        d_b: -f.d[0] * inv,
        d_c: -f.d[1] * inv,
        d_z: -f.d[2] * inv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Power series with its derivatives, summed to convergence (reference).
    fn reference_series(b: f64, c: f64, z: f64) -> (f64, f64, f64, f64) {
        let (mut term, mut sum) = (1.0, 1.0);
        let (mut db_term, mut dc_term) = (0.0, 0.0); // d term / term
        let (mut sb, mut sc, mut sz) = (0.0, 0.0, 0.0);
        for n in 0..200_000 {
            let nf = n as f64;
            db_term += 1.0 / (b + nf);
            dc_term -= 1.0 / (c + nf);
            let coef_ratio = (b + nf) / (c + nf);
            sz += (nf + 1.0) * term * coef_ratio;
            term *= coef_ratio * z;
            sum += term;
            sb += term * db_term;
            sc += term * dc_term;
            if term < 1e-18 * sum && nf > 10.0 {
                break;
            }
        }
        (sum.ln(), sb / sum, sc / sum, sz / sum)
    }

    #[test]
    fn matches_the_power_series() {
        for &(b, c, z) in &[
            (0.5, 1.7, 0.1),
            (1.6, 2.6, 0.5),
            (3.0, 3.5, 0.9),
            (0.55, 1.16, 0.99),
            (1.6, 2.16, 0.3),
            (200.5, 201.1, 0.7),
            (2.0, 4.0, 0.0),
            (1.0, 3.0, 0.95),
        ] {
            let h = ln_hyp2f1_one(b, c, z);
            let (v, db, dc, dz) = reference_series(b, c, z);
            let close = |a: f64, e: f64| (a - e).abs() <= 1e-11 * (1.0 + e.abs());
            assert!(close(h.ln_value, v), "{b} {c} {z}: {h:?} vs {v}");
            assert!(close(h.d_b, db), "{b} {c} {z}: {h:?} vs {db}");
            assert!(close(h.d_c, dc), "{b} {c} {z}: {h:?} vs {dc}");
            assert!(close(h.d_z, dz), "{b} {c} {z}: {h:?} vs {dz}");
        }
    }

    #[test]
    fn matches_the_general_series_of_special_rs() {
        for &(b, c, z) in &[(0.5, 1.7, 0.6), (30.0, 30.6, 0.8), (1.6, 12.0, 0.999)] {
            let h = ln_hyp2f1_one(b, c, z);
            let (reference, sign) = crate::special::ln_hyp2f1(1.0, b, c, z);
            assert_eq!(sign, 1.0);
            assert!((h.ln_value - reference).abs() < 1e-12, "{h:?} {reference}");
        }
    }

    #[test]
    fn series_and_continued_fraction_agree() {
        for &(b, c, z) in &[
            (0.55, 1.16, 0.5),
            (1.6, 2.16, 0.3),
            (30.0, 31.6, 0.45),
            (0.01, 1.01, 0.2),
            (2.0, 400.0, 0.5),
        ] {
            let (s, f) = (super::series(b, c, z), continued_fraction(b, c, z));
            for (x, y) in [
                (s.ln_value, f.ln_value),
                (s.d_b, f.d_b),
                (s.d_c, f.d_c),
                (s.d_z, f.d_z),
            ] {
                assert!(
                    (x - y).abs() <= 1e-13 * (1.0 + y.abs()),
                    "{b} {c} {z}: {s:?} {f:?}"
                );
            }
        }
    }

    #[test]
    fn closed_forms() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z.
        let z = 0.999_999;
        let h = ln_hyp2f1_one(1.0, 2.0, z);
        let exact = (-(-z).ln_1p() / z).ln();
        assert!((h.ln_value - exact).abs() < 1e-9, "{h:?} {exact}");
        // 2F1(1, b; b; z) = 1 / (1 - z).
        let h = ln_hyp2f1_one(2.5, 2.5, 0.75);
        assert!((h.ln_value - 4.0_f64.ln()).abs() < 1e-14, "{h:?}");
        assert!((h.d_z - 4.0).abs() < 1e-12, "{h:?}");
    }

    #[test]
    fn outside_the_domain_is_nan_not_a_panic() {
        assert!(ln_hyp2f1_one(1.0, 1.0, 0.5).ln_value.is_nan());
        assert!(ln_hyp2f1_one(1.0, 2.0, 1.0).ln_value.is_nan());
        assert!(ln_hyp2f1_one(-1.0, 2.0, 0.5).ln_value.is_nan());
        assert!(ln_hyp2f1_one(f64::NAN, 2.0, 0.5).ln_value.is_nan());
        let h = ln_hyp2f1_one(1.0, 2.0, 1.0 - 1e-12);
        assert!(h.ln_value.is_finite() && h.d_z.is_finite());
    }
}
