//! The normal, Student t and chi-square distributions the experiment tests need, on top of
//! `statrs`' regularised incomplete beta and gamma functions and `libm`.
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
    -SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

/// Degrees of freedom from which the t distribution is computed by its expansion around the
/// normal (Fisher 1925; Abramowitz & Stegun 26.7.5) rather than by the incomplete beta function,
/// whose log-gamma prefactor loses digits for huge arguments (at df = 1e12 the beta route is off
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
    let h = df / (df + t * t);
    let tail = match statrs::function::beta::checked_beta_reg(0.5 * df, 0.5, h) {
        Ok(v) => 0.5 * v,
        Err(_) => return f64::NAN,
    };
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
    statrs::function::gamma::checked_gamma_ur(0.5 * k, 0.5 * x).unwrap_or(f64::NAN)
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
        // Large df: the normal expansions.
        close(t_sf(0.5, 1e5), 0.30853808882720896, 1e-11);
        close(t_sf(2.0, 1e9), 0.022750132083156623, 1e-12);
        close(t_sf(5.0, 1e5), 2.8713508393208397e-07, 2e-6);
        close(t_ppf(0.975, 1e5), 1.9599877075346095, 1e-14);
        close(t_ppf(0.975, 1e9), 1.959963986912325, 1e-14);
        close(chi2_sf(10.0, 3.0), 0.01856613546304325, 1e-12);
    }
}
