//! The normal, Student t and chi-square distributions the experiment tests need, written on
//! `libm` alone (as every transcendental function of the crate) so that native and WebAssembly
//! builds return the same bits — tests/js/parity.test.mjs compares them. A library such as
//! `statrs` calls the platform's `ln`/`exp`, which differ in the last bit between glibc and the
//! wasm build.
//!
//! - Φ⁻¹: Acklam's rational approximation refined by one Halley step on `libm::erfc`.
//! - Regularised incomplete beta: the continued fraction of Numerical Recipes §6.4 (modified
//!   Lentz), on the side of x where it converges fast.
//! - Regularised upper incomplete gamma: the series or the continued fraction of §6.2.
//!
//! Every function takes finite arguments in its domain (the callers check them first) and
//! never panics: an argument outside the domain gives NaN, which the callers turn into a coded
//! error.

use std::f64::consts::{PI, SQRT_2};

/// Φ(x), the standard normal CDF.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// The standard normal density φ(x).
pub fn norm_pdf(x: f64) -> f64 {
    libm::exp(-0.5 * x * x) / libm::sqrt(2.0 * PI)
}

/// Φ⁻¹(p) for p in (0, 1); NaN outside.
pub fn norm_ppf(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        let r = libm::sqrt(-2.0 * libm::log(q));
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    };
    let mut x = if p < LOW {
        tail(p)
    } else if p > 1.0 - LOW {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley steps on Φ(x) − p (Acklam's refinement): full double precision. In the upper
    // half the error is taken on the complement, where Φ(−x) keeps its digits.
    for _ in 0..2 {
        let e = if x <= 0.0 {
            norm_cdf(x) - p
        } else {
            (1.0 - p) - norm_cdf(-x)
        };
        let u = e * libm::sqrt(2.0 * PI) * libm::exp(0.5 * x * x);
        x -= u / (1.0 + 0.5 * x * u);
    }
    x
}

const EPS: f64 = 1e-16;
const FPMIN: f64 = 1e-300;
const MAX_ITER: usize = 200_000;

/// The continued fraction of I_x(a, b) (Numerical Recipes §6.4, modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let floor = |v: f64| if v.abs() < FPMIN { FPMIN } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / floor(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / floor(1.0 + aa * d);
        c = floor(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / floor(1.0 + aa * d);
        c = floor(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// ln Γ(a + ½) − ln Γ(a) for a ≥ 10 from Stirling's series (four terms; within 1e-12): the
/// difference of two `lgamma`s of large arguments would lose their leading digits.
fn ln_gamma_half_ratio(a: f64) -> f64 {
    let mut s = a * libm::log1p(0.5 / a) + 0.5 * libm::log(a) - 0.5;
    for (k, c) in [
        (1, 1.0 / 12.0),
        (2, -1.0 / 360.0),
        (3, 1.0 / 1260.0),
        (4, -1.0 / 1680.0),
    ] {
        s += c * (libm::pow(a + 0.5, f64::from(1 - 2 * k)) - libm::pow(a, f64::from(1 - 2 * k)));
    }
    s
}

/// ln B(a, b); for b = ½ (the t distribution) and a ≥ 10 by [`ln_gamma_half_ratio`].
fn ln_beta(a: f64, b: f64) -> f64 {
    const LN_SQRT_PI: f64 = 0.572_364_942_924_700_1;
    if b == 0.5 && a >= 10.0 {
        LN_SQRT_PI - ln_gamma_half_ratio(a)
    } else if a == 0.5 && b >= 10.0 {
        LN_SQRT_PI - ln_gamma_half_ratio(b)
    } else {
        libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
    }
}

/// The regularised incomplete beta function I_x(a, b), with y = 1 − x given separately so that
/// it keeps its digits when x is close to 1.
pub(crate) fn beta_reg(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // ln x as log1p(−y) when x is near 1 (and the same for y), where it keeps its digits.
    let ln = |u: f64, v: f64| {
        if u > 0.5 {
            libm::log1p(-v)
        } else {
            libm::log(u)
        }
    };
    let ln_front = -ln_beta(a, b) + a * ln(x, y) + b * ln(y, x);
    if x < (a + 1.0) / (a + b + 2.0) {
        libm::exp(ln_front) * beta_cf(a, b, x) / a
    } else {
        1.0 - libm::exp(ln_front) * beta_cf(b, a, y) / b
    }
}

/// The regularised upper incomplete gamma function Q(a, x) (Numerical Recipes §6.2).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let ln_front = -x + a * libm::log(x) - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut ap, mut del) = (a, 1.0 / a);
        let mut sum = del;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - sum * libm::exp(ln_front)
    } else {
        let floor = |v: f64| if v.abs() < FPMIN { FPMIN } else { v };
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / FPMIN;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = 1.0 / floor(an * d + b);
            c = floor(b + an / c);
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        libm::exp(ln_front) * h
    }
}

/// Degrees of freedom from which the t distribution is computed by its expansion around the
/// normal (Fisher 1925; Abramowitz & Stegun 26.7.5) rather than by the incomplete beta function,
/// whose log-gamma prefactor loses digits for huge arguments (at df = 1e12 a beta route is off
/// by 3e-4; the three-term expansion is within 1e-12 of scipy from df = 1e5 on).
const LARGE_DF: f64 = 1e5;

/// P(T > t) for Student's t with `df` > 0 degrees of freedom.
pub fn t_sf(t: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    if df >= LARGE_DF {
        // F(t) = Φ(t) − φ(t)·(g1/ν + g2/ν² + g3/ν³) + O(ν⁻⁴).
        let x = t;
        let x2 = x * x;
        let g1 = (x2 * x + x) / 4.0;
        let g2 = x * (((5.0 * x2 + 16.0) * x2 + 3.0) * x2 - 3.0) / 96.0;
        let g3 =
            x * (((((3.0 * x2 + 19.0) * x2 + 17.0) * x2 - 15.0) * x2 - 45.0) * x2 - 15.0) / 384.0;
        return norm_cdf(-x) + norm_pdf(x) * (g1 / df + g2 / (df * df) + g3 / (df * df * df));
    }
    let t2 = t * t;
    let tail = 0.5 * beta_reg(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2));
    if t > 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// The density of Student's t with `df` degrees of freedom.
fn t_pdf(t: f64, df: f64) -> f64 {
    let ln_c = libm::lgamma(0.5 * (df + 1.0)) - libm::lgamma(0.5 * df) - 0.5 * libm::log(df * PI);
    libm::exp(ln_c - 0.5 * (df + 1.0) * libm::log1p(t * t / df))
}

/// The quantile of Student's t: the t with P(T ≤ t) = p, for p in (0, 1) and `df` > 0. A
/// normal start refined by Newton steps on [`t_sf`] (to about 1e-13 in p).
pub fn t_ppf(p: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return norm_ppf(p);
    }
    if !(p > 0.0 && p < 1.0) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df >= LARGE_DF {
        // Cornish–Fisher expansion of the t quantile around the normal one.
        let z = norm_ppf(p);
        let z2 = z * z;
        return z
            + (z2 * z + z) / (4.0 * df)
            + z * ((5.0 * z2 + 16.0) * z2 + 3.0) / (96.0 * df * df)
            + z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / (384.0 * df * df * df);
    }
    // Start from the normal quantile with the Cornish–Fisher correction of order 1/df, then
    // Newton on F(t) − p; bisection keeps a bracket for small df, where Newton can overshoot.
    let z = norm_ppf(p);
    let mut t = z + (z * z * z + z) / (4.0 * df);
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    for _ in 0..100 {
        let f = (1.0 - t_sf(t, df)) - p;
        if f.abs() < 1e-15 {
            break;
        }
        if f > 0.0 {
            hi = hi.min(t);
        } else {
            lo = lo.max(t);
        }
        let d = t_pdf(t, df);
        let mut next = t - f / d;
        if !next.is_finite() || next <= lo || next >= hi {
            next = match (lo.is_finite(), hi.is_finite()) {
                (true, true) => 0.5 * (lo + hi),
                (true, false) => lo + 1.0 + lo.abs(),
                (false, true) => hi - 1.0 - hi.abs(),
                (false, false) => 0.0,
            };
        }
        if (next - t).abs() <= 1e-15 * t.abs().max(1.0) {
            t = next;
            break;
        }
        t = next;
    }
    t
}

/// P(X > x) for a chi-square variable with `k` degrees of freedom.
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if k <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    gamma_q(0.5 * k, 0.5 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from scipy.stats 1.17 (t.ppf, t.sf, norm.ppf, chi2.sf).
    #[test]
    fn against_scipy() {
        let close = |a: f64, b: f64, tol: f64| {
            assert!((a - b).abs() <= tol * b.abs().max(1e-300), "{a} vs {b}")
        };
        close(norm_ppf(0.975), 1.959963984540054, 1e-14);
        close(norm_ppf(0.8), 0.8416212335729143, 1e-14);
        close(t_ppf(0.975, 10.0), 2.228138851986274, 1e-12);
        close(t_ppf(0.975, 1.0), 12.706204736174694, 1e-12);
        close(t_ppf(0.025, 3.5), -2.9400886379827296, 1e-10);
        close(t_ppf(0.975, 1998.0), 1.9611520148367054, 1e-12);
        close(t_sf(2.0, 10.0), 0.03669401738537018, 1e-12);
        close(t_sf(-2.0, 10.0), 0.9633059826146298, 1e-12);
        close(chi2_sf(3.0, 2.0), 0.22313016014842982, 1e-12);
        close(norm_ppf(1e-10), -6.361340902404056, 1e-13);
        close(norm_ppf(0.3), -0.5244005127080409, 1e-14);
        close(t_sf(2.0, 1.0), 0.14758361765043326, 1e-13);
        close(t_sf(30.0, 50.0), 6.190011397993622e-34, 1e-10);
        close(t_ppf(0.999, 2.5), 13.82219311086596, 1e-11);
        close(t_sf(1.5, 80000.0), 0.06680917438357331, 1e-12);
        close(chi2_sf(1050.0, 999.0), 0.12777734598161852, 1e-10);
        close(chi2_sf(900.0, 999.0), 0.9886211870834188, 1e-12);
        // Large df: the normal expansions.
        close(t_sf(0.5, 1e5), 0.30853808882720896, 1e-11);
        close(t_sf(2.0, 1e9), 0.022750132083156623, 1e-12);
        close(t_sf(5.0, 1e5), 2.8713508393208397e-07, 2e-6);
        close(t_ppf(0.975, 1e5), 1.9599877075346095, 1e-14);
        close(t_ppf(0.975, 1e9), 1.959963986912325, 1e-14);
        close(chi2_sf(10.0, 3.0), 0.01856613546304325, 1e-12);
    }
}
