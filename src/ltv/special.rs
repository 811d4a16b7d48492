//! Special functions shared by the LTV models, written once on top of the `libm` crate so that
//! native and WebAssembly builds return the same bits.

/// ln Γ(x) for x > 0 (libm's `lgamma_r`).
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma_r(x).0
}

/// The digamma function ψ(x) = d/dx ln Γ(x), for x > 0.
///
/// Upward recurrence ψ(x) = ψ(x + 1) − 1/x until x ≥ 10, then the asymptotic series
/// ψ(x) ≈ ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸) − 1/(132x¹⁰)
/// (truncation error below 3e-14 for x ≥ 10). Returns NaN for x ≤ 0 or non-finite x.
///
/// ```
/// use unimetric::ltv::special::digamma;
/// // ψ(1) = −γ (Euler–Mascheroni constant).
/// assert!((digamma(1.0) + 0.577_215_664_901_532_9).abs() < 1e-13);
/// ```
pub fn digamma(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    let tail = f
        * (1.0 / 12.0
            - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f * (1.0 / 132.0)))));
    acc + libm::log(x) - 0.5 / x - tail
}

/// The trigamma function ψ₁(x) = d²/dx² ln Γ(x), for x > 0.
///
/// Recurrence ψ₁(x) = ψ₁(x + 1) + 1/x² until x ≥ 10, then the asymptotic series
/// 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹). NaN for x ≤ 0.
///
/// ```
/// use unimetric::ltv::special::trigamma;
/// // ψ₁(1) = π²/6.
/// assert!((trigamma(1.0) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-13);
/// ```
pub fn trigamma(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    let tail = 1.0 / x
        + f / 2.0
        + f / x
            * (1.0 / 6.0 - f * (1.0 / 30.0 - f * (1.0 / 42.0 - f * (1.0 / 30.0 - f * 5.0 / 66.0))));
    acc + tail
}

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series
/// Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, summed until a term is below 1e-16 of the sum.
///
/// When the direct series overflows, Euler's transformation
/// ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z) is used (as lifetimes does).
/// Returns `None` when z is outside [0, 1), c is a non-positive integer, or neither form
/// converges within 200,000 terms.
///
/// ```
/// use unimetric::ltv::special::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z.
/// let z = 0.5;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z).unwrap() + (1.0f64 - z).ln() / z).abs() < 1e-14);
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return None;
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return None;
    }
    if z == 0.0 {
        return Some(1.0);
    }
    match series(a, b, c, z) {
        Some(v) if v.is_finite() => Some(v),
        _ => {
            let v = series(c - a, c - b, c, z)? * libm::pow(1.0 - z, c - a - b);
            v.is_finite().then_some(v)
        }
    }
}

/// ₂F₁(a, b; c; zₖ) for several arguments 0 ≤ zₖ < 1 at once, by the power series (the
/// coefficients are shared, so one pass serves every zₖ). Writes into `out` (same length as
/// `zs`) and returns `false` when c is a non-positive integer, an argument is outside [0, 1),
/// or the series does not converge within 200,000 terms or overflows.
pub fn hyp2f1_many(a: f64, b: f64, c: f64, zs: &[f64], out: &mut [f64]) -> bool {
    if out.len() != zs.len() || (c <= 0.0 && c.fract() == 0.0) {
        return false;
    }
    if zs.iter().any(|z| !(0.0..1.0).contains(z)) {
        return false;
    }
    let zmax = zs.iter().fold(0.0f64, |m, &z| m.max(z));
    out.iter_mut().for_each(|v| *v = 1.0);
    if zmax == 0.0 {
        return true;
    }
    let mut pw = [1.0f64; 64];
    if zs.len() > pw.len() {
        return zs
            .chunks(64)
            .zip(out.chunks_mut(64))
            .all(|(z, o)| hyp2f1_many(a, b, c, z, o));
    }
    // The largest argument has the largest terms: test convergence on it, then confirm on all.
    let kmax = zs
        .iter()
        .enumerate()
        .fold(0, |m, (k, &z)| if z > zs[m] { k } else { m });
    let pw = &mut pw[..zs.len()];
    let mut coef = 1.0;
    for n in 0..200_000u32 {
        let nf = n as f64;
        coef *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0));
        for ((p, o), &z) in pw.iter_mut().zip(out.iter_mut()).zip(zs) {
            *p *= z;
            *o += coef * *p;
        }
        if !coef.is_finite() {
            return false;
        }
        if coef == 0.0 {
            return out.iter().all(|v| v.is_finite());
        }
        let big = (coef * pw[kmax]).abs();
        if big <= 1e-16 * out[kmax].abs()
            && nf > a.abs() + b.abs()
            && pw
                .iter()
                .zip(out.iter())
                .all(|(p, o)| (coef * p).abs() <= 1e-16 * o.abs())
        {
            return out.iter().all(|v| v.is_finite());
        }
    }
    false
}

fn series(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..200_000u32 {
        let nf = n as f64;
        term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        sum += term;
        if !sum.is_finite() {
            return None;
        }
        if term.abs() <= 1e-16 * sum.abs() && nf > a.abs() + b.abs() {
            return Some(sum);
        }
        if term == 0.0 {
            return Some(sum);
        }
    }
    None
}

/// ln(1 + eˣ) without overflow.
#[inline]
pub fn log1p_exp(x: f64) -> f64 {
    if x > 0.0 {
        x + libm::log1p(libm::exp(-x))
    } else {
        libm::log1p(libm::exp(x))
    }
}

/// The logistic function 1 / (1 + e⁻ˣ), evaluated without overflow.
#[inline]
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::exp(-x))
    } else {
        let e = libm::exp(x);
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_known_values() {
        // ψ(1/2) = −γ − 2 ln 2; ψ(n + 1) = −γ + H_n.
        let g = 0.577_215_664_901_532_9;
        assert!((digamma(0.5) - (-g - 2.0 * std::f64::consts::LN_2)).abs() < 1e-13);
        assert!((digamma(4.0) - (-g + 1.0 + 0.5 + 1.0 / 3.0)).abs() < 1e-13);
        // Large argument: ψ(x) ~ ln x − 1/(2x).
        assert!((digamma(1e6) - (1e6f64.ln() - 0.5e-6)).abs() < 1e-12);
        assert!(digamma(0.0).is_nan());
    }

    #[test]
    fn trigamma_is_derivative_of_digamma() {
        // ψ₁(1/2) = π²/2.
        assert!((trigamma(0.5) - std::f64::consts::PI.powi(2) / 2.0).abs() < 1e-12);
        for &x in &[0.05, 0.3, 1.7, 6.0, 25.0, 300.0] {
            let h = 1e-5 * x;
            let fd = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
            assert!(
                (trigamma(x) - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                "x = {x}"
            );
        }
    }

    #[test]
    fn digamma_is_derivative_of_ln_gamma() {
        for &x in &[0.05, 0.3, 1.7, 6.0, 25.0, 300.0] {
            let h = 1e-5 * x;
            let fd = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!((digamma(x) - fd).abs() < 1e-7 * (1.0 + fd.abs()), "x = {x}");
        }
    }

    #[test]
    fn hyp2f1_closed_forms() {
        // ₂F₁(a, b; b; z) = (1 − z)^(−a).
        let v = hyp2f1(2.5, 1.3, 1.3, 0.7).unwrap();
        assert!((v - 0.3f64.powf(-2.5)).abs() < 1e-12 * v);
        // ₂F₁(1/2, 1/2; 3/2; z²) = arcsin(z) / z.
        let z: f64 = 0.9;
        let v = hyp2f1(0.5, 0.5, 1.5, z * z).unwrap();
        assert!((v - z.asin() / z).abs() < 1e-13);
        // Euler transformation branch agrees with the direct series where both converge.
        let (a, b, c, z) = (0.8, 2.4, 2.9, 0.95);
        let direct = series(a, b, c, z).unwrap();
        let euler = series(c - a, c - b, c, z).unwrap() * (1.0f64 - z).powf(c - a - b);
        assert!((direct - euler).abs() < 1e-10 * direct.abs());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_none());
        // Several arguments in one pass agree with one-at-a-time evaluation.
        let zs = [0.0, 0.1, 0.5, 0.9];
        let mut out = [0.0; 4];
        assert!(hyp2f1_many(0.8, -0.3, 3.5, &zs, &mut out));
        for (z, v) in zs.iter().zip(out) {
            assert!((v - hyp2f1(0.8, -0.3, 3.5, *z).unwrap()).abs() < 1e-14);
        }
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_none());
    }
}
