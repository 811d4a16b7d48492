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
/// converges within [`MAX_SERIES_TERMS`] terms ([`hyp2f1_terms`] takes another limit).
///
/// ```
/// use unimetric::ltv::special::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z.
/// let z = 0.5;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z).unwrap() + (1.0f64 - z).ln() / z).abs() < 1e-14);
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    hyp2f1_terms(a, b, c, z, MAX_SERIES_TERMS)
}

/// The default term limit of the ₂F₁ power series: 200,000.
pub const MAX_SERIES_TERMS: u32 = 200_000;

/// [`hyp2f1`] with at most `max_terms` terms in each of the two series it may sum (so at most
/// 2 · `max_terms` terms in all): `None` when neither form converges within them.
///
/// ```
/// use unimetric::ltv::special::hyp2f1_terms;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z: converges in about 37/(1 − z) terms.
/// assert!(hyp2f1_terms(1.0, 1.0, 2.0, 0.5, 100).is_some());
/// assert!(hyp2f1_terms(1.0, 1.0, 2.0, 0.999, 100).is_none());
/// ```
pub fn hyp2f1_terms(a: f64, b: f64, c: f64, z: f64, max_terms: u32) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return None;
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return None;
    }
    if z == 0.0 {
        return Some(1.0);
    }
    match series(a, b, c, z, max_terms) {
        Some(v) if v.is_finite() => Some(v),
        _ => {
            let v = series(c - a, c - b, c, z, max_terms)? * libm::pow(1.0 - z, c - a - b);
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

fn series(a: f64, b: f64, c: f64, z: f64, max_terms: u32) -> Option<f64> {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..max_terms {
        let nf = n as f64;
        term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        sum += term;
        if !sum.is_finite() {
            work::add(n + 1);
            return None;
        }
        if term.abs() <= 1e-16 * sum.abs() && nf > a.abs() + b.abs() {
            work::add(n + 1);
            return Some(sum);
        }
        if term == 0.0 {
            work::add(n + 1);
            return Some(sum);
        }
    }
    work::add(max_terms);
    None
}

/// Work counter of the series and quadratures (terms and integrand evaluations), kept in unit
/// tests only, so that tests can bound the cost of a computation without timing it.
pub(crate) mod work {
    #[cfg(test)]
    thread_local! {
        static COUNT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Adds `n` units of work.
    #[inline]
    pub(crate) fn add(n: impl Into<u64>) {
        #[cfg(test)]
        COUNT.with(|c| c.set(c.get() + n.into()));
        #[cfg(not(test))]
        let _ = n;
    }

    /// The work counted on this thread since the last call, resetting the count.
    #[cfg(test)]
    pub(crate) fn take() -> u64 {
        COUNT.with(|c| c.replace(0))
    }
}

/// The 20-point Gauss–Legendre rule on [−1, 1]: nodes and weights, computed once by Newton's
/// iteration on the Legendre polynomial P₂₀ (the rule integrates polynomials of degree ≤ 39
/// exactly).
fn gauss_legendre_20() -> &'static ([f64; 20], [f64; 20]) {
    static RULE: std::sync::OnceLock<([f64; 20], [f64; 20])> = std::sync::OnceLock::new();
    RULE.get_or_init(|| {
        const N: usize = 20;
        let mut x = [0.0; N];
        let mut w = [0.0; N];
        for i in 0..N / 2 {
            let mut z = libm::cos(std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5));
            let mut dp = 1.0;
            for _ in 0..100 {
                // P_N(z) and its derivative by the three-term recurrence.
                let (mut p0, mut p1) = (1.0, z);
                for k in 2..=N {
                    let kf = k as f64;
                    let p2 = ((2.0 * kf - 1.0) * z * p1 - (kf - 1.0) * p0) / kf;
                    p0 = p1;
                    p1 = p2;
                }
                dp = N as f64 * (z * p1 - p0) / (z * z - 1.0);
                let dz = p1 / dp;
                z -= dz;
                if dz.abs() <= 1e-16 {
                    break;
                }
            }
            x[i] = -z;
            x[N - 1 - i] = z;
            w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
            w[N - 1 - i] = w[i];
        }
        (x, w)
    })
}

/// The largest number of Gauss–Legendre panels [`ln_power_product_integral`] uses before it
/// gives up (each panel costs 20 evaluations of the integrand).
pub const MAX_QUADRATURE_PANELS: usize = 4_000;

/// The result of [`ln_power_product_integral`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LnIntegral {
    /// ln of the integral (−∞ when the interval is empty).
    pub ln_value: f64,
    /// Evaluations of the integrand spent (20 per panel, at most 20 ·
    /// [`MAX_QUADRATURE_PANELS`], plus those of the bracketing searches).
    pub evaluations: usize,
}

/// ln ∫ from t₀ to t₁ of (lo + τ)^(−p) (hi + τ)^(−q) dτ, for 0 ≤ lo ≤ hi, q ≥ 0 and
/// −lo ≤ t₀ ≤ t₁ ≤ ∞ (t₁ = +∞ allowed), computed without cancellation: every term is positive.
///
/// In w = ln(lo + τ) the integrand is e^h(w) with h(w) = (1 − p) w − q ln(eʷ + hi − lo), which is
/// concave (h″ = −q (hi − lo) eʷ / (eʷ + hi − lo)² ≤ 0) and analytic in the strip |Im w| < π.
/// The maximum of h is found in closed form; the range where h is within 50 of it (the rest
/// weighs less than e⁻⁵⁰ of the peak per unit of w) is found by bisection (to within 1 in h);
/// where |w − ln d| is large, h is linear to double precision and integrates in closed form;
/// the rest is covered by 20-point Gauss–Legendre panels of half-width at most 2/|h′| and at
/// most 1 (or, away from ln d, the distance to the singularities at ln d ± iπ), so each
/// panel's error is of the order of 10⁻²⁰ of its mass. The cost is bounded: at most
/// [`MAX_QUADRATURE_PANELS`] panels. This is the tail form of the Gauss hypergeometric function
/// with c = a + 1 (see [`ln_hyp2f1_a_a1`]), and it is accurate where the power series of ₂F₁
/// needs millions of terms (argument near 1).
///
/// Returns `None` when an argument is outside its domain, the integral diverges (p ≥ 1 with
/// lo + t₀ = 0, or p + q ≤ 1 with t₁ = ∞), or the panel limit is reached.
///
/// ```
/// use unimetric::ltv::special::ln_power_product_integral;
/// // ∫₀^∞ (1 + τ)^(−2) dτ = 1.
/// let v = ln_power_product_integral(1.0, 1.0, 1.0, 1.0, 0.0, f64::INFINITY).unwrap();
/// assert!(v.ln_value.abs() < 1e-14);
/// ```
pub fn ln_power_product_integral(
    lo: f64,
    hi: f64,
    p: f64,
    q: f64,
    t0: f64,
    t1: f64,
) -> Option<LnIntegral> {
    let mut evaluations = 0;
    let v = power_product_quadrature([lo, hi, p, q, t0, t1], &mut evaluations);
    work::add(evaluations as u64);
    v.map(|ln_value| LnIntegral {
        ln_value,
        evaluations,
    })
}

/// The body of [`ln_power_product_integral`] on `[lo, hi, p, q, t0, t1]`, counting the
/// integrand evaluations in `evaluations` on every path.
fn power_product_quadrature(args: [f64; 6], evaluations: &mut usize) -> Option<f64> {
    let [lo, hi, p, q, t0, t1] = args;
    if !(lo.is_finite() && hi.is_finite() && p.is_finite() && q.is_finite() && t0.is_finite())
        || lo < 0.0
        || hi < lo
        || q < 0.0
        || t1.is_nan()
        || lo + t0 < 0.0
        || t1 < t0
    {
        return None;
    }
    if t1 == t0 {
        return Some(f64::NEG_INFINITY);
    }
    let ln_d = libm::log(hi - lo);
    // h and h′ with ln(eʷ + d) and eʷ / (eʷ + d) evaluated stably (d = hi − lo, possibly 0).
    let h = |w: f64| {
        let ln_hi = if hi == lo {
            w
        } else {
            ln_d + log1p_exp(w - ln_d)
        };
        (1.0 - p) * w - q * ln_hi
    };
    let dh = |w: f64| (1.0 - p) - q * if hi == lo { 1.0 } else { logistic(w - ln_d) };
    let w0 = libm::log(lo + t0);
    let w1 = libm::log(lo + t1);
    if w0 == f64::NEG_INFINITY && p >= 1.0 || w1 == f64::INFINITY && p + q <= 1.0 {
        return None;
    }
    // h′ decreases from 1 − p (w → −∞) to 1 − p − q (w → ∞): its zero, clamped to [w0, w1].
    let peak = if 1.0 - p <= 0.0 {
        w0
    } else if 1.0 - p - q >= 0.0 {
        w1
    } else {
        (ln_d + libm::log(1.0 - p) - libm::log(p + q - 1.0)).clamp(w0, w1)
    };
    if !peak.is_finite() {
        return None;
    }
    let hmax = h(peak);
    if !hmax.is_finite() {
        return None;
    }
    const CUT: f64 = 50.0;
    // The edge of {h ≥ hmax − CUT} between `peak` and the endpoint `end`: bracket by doubling
    // (for an infinite endpoint), then bisect.
    let edge = |end: f64, evaluations: &mut usize| -> Option<f64> {
        let dir = if end < peak { -1.0 } else { 1.0 };
        let mut far = if end.is_finite() {
            end
        } else {
            let mut step = 1.0;
            loop {
                let w = peak + dir * step;
                *evaluations += 1;
                if h(w) < hmax - CUT {
                    break w;
                }
                step *= 2.0;
                if step > 1e6 {
                    return None;
                }
            }
        };
        *evaluations += 1;
        let mut h_far = h(far);
        if h_far >= hmax - CUT {
            return Some(far);
        }
        // The edge need not be sharp in w, only in h: stopping once h(far) is within 1 of the
        // cut keeps the extra range (integrated like the rest) to where h changes by at most 1,
        // so the panels that follow a steep h′ there stay few.
        let mut near = peak;
        for _ in 0..200 {
            let mid = 0.5 * (near + far);
            if h_far >= hmax - CUT - 1.0 || mid == near || mid == far {
                break;
            }
            *evaluations += 1;
            let h_mid = h(mid);
            if h_mid >= hmax - CUT {
                near = mid;
            } else {
                far = mid;
                h_far = h_mid;
            }
        }
        Some(far)
    };
    let wa = edge(w0, evaluations)?;
    let wb = edge(w1, evaluations)?;
    // Far from ln d, ln(eʷ + d) is linear in w to double precision (its curvature term
    // q·e^(−|w − ln d|) is below 1e-17): there h is linear and e^h integrates in closed form.
    // Only [ln d − m, ln d + m] needs the quadrature.
    let m = 40.0 + libm::log(q.max(1.0));
    let (split_lo, split_hi) = if hi == lo {
        (f64::NEG_INFINITY, f64::NEG_INFINITY)
    } else {
        (ln_d - m, ln_d + m)
    };
    let linear = |a: f64, b: f64, slope: f64, evaluations: &mut usize| -> f64 {
        if b <= a {
            return 0.0;
        }
        *evaluations += 2;
        let top = h(a).max(h(b)) - hmax;
        let len = b - a;
        let k = slope.abs();
        let factor = if k * len < 1e-300 {
            len
        } else {
            -libm::expm1(-k * len) / k
        };
        libm::exp(top) * factor
    };
    let mut sum = linear(wa, wb.min(split_lo), 1.0 - p, evaluations)
        + linear(wa.max(split_hi), wb, 1.0 - p - q, evaluations);
    let (nodes, weights) = gauss_legendre_20();
    let mut a = wa.max(split_lo);
    let end = wb.min(split_hi);
    let mut panels = 0;
    while a < end {
        panels += 1;
        if panels > MAX_QUADRATURE_PANELS {
            return None;
        }
        // Half-width ≤ 2/max|h′| over the panel (h′ is monotone: its largest magnitude on the
        // panel is at an end), and ≤ 1 or, away from the singularities at ln d ± iπ, ≤ the
        // panel's distance to ln d (so they stay at least a half-width outside the panel).
        let reach = if a >= ln_d {
            2.0 * (a - ln_d)
        } else {
            2.0 / 3.0 * (ln_d - a)
        };
        let mut width = (end - a).min(reach.max(2.0));
        loop {
            let k = dh(a).abs().max(dh(a + width).abs());
            if k * width <= 4.0 {
                break;
            }
            width = 4.0 / k;
        }
        let b = if end - a <= width { end } else { a + width };
        let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
        let mut panel = 0.0;
        for (x, wt) in nodes.iter().zip(weights) {
            panel += wt * libm::exp(h(mid + half * x) - hmax);
        }
        *evaluations += nodes.len();
        sum += half * panel;
        a = b;
    }
    let ln_value = hmax + libm::log(sum);
    (ln_value.is_finite() || ln_value == f64::NEG_INFINITY).then_some(ln_value)
}

/// ln ₂F₁(a, b; a + 1; z) for a > 0, 0 ≤ b ≤ a + 1 and 0 ≤ z ≤ 1 (z = 1 needs b < 1), by the
/// integral ₂F₁(a, b; a + 1; z) = a ∫₀^∞ (1 + τ)^(−(a+1−b)) (1 − z + τ)^(−b) dτ
/// (the substitution v = 1/(1 + τ) in Euler's integral a ∫₀¹ v^(a−1) (1 − z v)^(−b) dv), through
/// [`ln_power_product_integral`]. Accurate up to z = 1, where the power series needs about
/// 37/(1 − z) terms; at z = 1 it is Gauss's Γ(a+1) Γ(1−b) / Γ(a+1−b).
///
/// ```
/// use unimetric::ltv::special::{ln_gamma, ln_hyp2f1_a_a1};
/// // Gauss: ₂F₁(2, 0.5; 3; 1) = Γ(3) Γ(0.5) / Γ(2.5).
/// let v = ln_hyp2f1_a_a1(2.0, 0.5, 1.0).unwrap();
/// assert!((v - (ln_gamma(3.0) + ln_gamma(0.5) - ln_gamma(2.5))).abs() < 1e-13);
/// ```
pub fn ln_hyp2f1_a_a1(a: f64, b: f64, z: f64) -> Option<f64> {
    if !(a.is_finite()
        && a > 0.0
        && b.is_finite()
        && (0.0..=a + 1.0).contains(&b)
        && (0.0..=1.0).contains(&z))
    {
        return None;
    }
    let v = ln_power_product_integral(1.0 - z, 1.0, b, a + 1.0 - b, 0.0, f64::INFINITY)?;
    Some(libm::log(a) + v.ln_value)
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
        let direct = series(a, b, c, z, MAX_SERIES_TERMS).unwrap();
        let euler =
            series(c - a, c - b, c, z, MAX_SERIES_TERMS).unwrap() * (1.0f64 - z).powf(c - a - b);
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

    #[test]
    fn gauss_legendre_rule_is_exact_to_degree_39() {
        let (x, w) = gauss_legendre_20();
        // ∫₋₁¹ x^k dx = 2/(k+1) for even k, 0 for odd k.
        for k in 0..40 {
            let v: f64 = x.iter().zip(w).map(|(x, w)| w * x.powi(k)).sum();
            let want = if k % 2 == 0 {
                2.0 / (k as f64 + 1.0)
            } else {
                0.0
            };
            assert!((v - want).abs() < 1e-14, "degree {k}: {v} vs {want}");
        }
    }

    #[test]
    fn hyp2f1_a_a1_at_one_is_gauss_closed_form() {
        // Gauss: ₂F₁(a, b; c; 1) = Γ(c) Γ(c−a−b) / (Γ(c−a) Γ(c−b)) for c − a − b > 0; with
        // c = a + 1: Γ(a+1) Γ(1−b) / Γ(a+1−b).
        for &(a, b) in &[(2.0, 0.5), (0.3, 0.9), (7.5, 0.01), (40.0, 0.6), (1.0, 0.0)] {
            let want = ln_gamma(a + 1.0) + ln_gamma(1.0 - b) - ln_gamma(a + 1.0 - b);
            let v = ln_hyp2f1_a_a1(a, b, 1.0).unwrap();
            assert!(
                (v - want).abs() < 1e-13 * want.abs().max(1.0),
                "a={a} b={b}: {v} vs {want}"
            );
        }
        // Divergent at z = 1 when b ≥ 1; outside the domain when b > a + 1.
        assert!(ln_hyp2f1_a_a1(2.0, 1.0, 1.0).is_none());
        assert!(ln_hyp2f1_a_a1(0.8, 3.0, 0.5).is_none());
        assert!(ln_hyp2f1_a_a1(2.0, 1.5, 1.0).is_none());
    }

    #[test]
    fn hyp2f1_a_a1_near_one_matches_mpmath() {
        // mpmath 1.3.0, log(hyp2f1(a, b, a + 1, z)) at 40 digits, z the double 1 − ε.
        for &(a, b, eps, want) in &[
            (2.5, 1.7, 1e-8, 14.167_431_527_776_474),
            (3.0, 2.5, 1e-6, 21.416_410_025_443_77),
            (12.3, 0.4, 1e-10, 1.411_795_682_110_979_1),
            (1.6, 1.0, 1e-12, 3.763_162_101_192_266_5),
            (40.0, 25.0, 1e-5, 276.821_029_826_668_5),
        ] {
            let z = 1.0 - eps;
            let v = ln_hyp2f1_a_a1(a, b, z).unwrap();
            assert!(
                (v - want).abs() < 1e-13 * want.abs().max(1.0),
                "a={a} b={b} z={z}: {v} vs {want}"
            );
            // The power series cannot get there within its limit.
            assert!(hyp2f1(a, b, a + 1.0, z).is_none() || eps >= 1e-5);
        }
    }

    #[test]
    fn hyp2f1_a_a1_agrees_with_the_series_where_both_converge() {
        for &(a, b) in &[(0.55, 1.5), (3.2, 2.0), (12.0, 0.61), (6.0, 7.0)] {
            for &z in &[0.0, 0.1, 0.5, 0.9, 0.99] {
                let series = libm::log(hyp2f1(a, b, a + 1.0, z).unwrap());
                let quad = ln_hyp2f1_a_a1(a, b, z).unwrap();
                assert!(
                    (series - quad).abs() < 1e-13 * series.abs().max(1.0),
                    "a={a} b={b} z={z}: {series} vs {quad}"
                );
            }
        }
    }

    #[test]
    fn power_product_integral_closed_forms_and_bounded_cost() {
        // ∫_{t0}^{t1} (lo+τ)^−2 dτ = 1/(lo+t0) − 1/(lo+t1) (q = 0).
        let v = ln_power_product_integral(0.5, 0.5, 2.0, 0.0, 1.0, 3.0).unwrap();
        assert!((v.ln_value - (1.0f64 / 1.5 - 1.0 / 3.5).ln()).abs() < 1e-14);
        // ∫₀^∞ (a+τ)^−1 (b+τ)^−1 dτ = ln(b/a)/(b − a).
        let (a, b) = (1e-9, 3.0);
        let v = ln_power_product_integral(a, b, 1.0, 1.0, 0.0, f64::INFINITY).unwrap();
        assert!((v.ln_value - ((b / a).ln() / (b - a)).ln()).abs() < 1e-13);
        assert!(v.evaluations <= 20 * MAX_QUADRATURE_PANELS + 500);
        // Hostile scales: bounded work, finite answer or None.
        for &(lo, hi, p, q) in &[
            (1e-300, 1e300, 1.0001, 500.0),
            (1e-300, 1.0, 0.999, 0.002),
            (5.0, 5.0, 1e-12, 1.0),
            (1e-200, 1e-100, 3000.0, 2999.0),
            (1e-6, 1.0, 1e7, 5.0),
            (1.0, 1e6, 3.0, 1e9),
        ] {
            work::take();
            let v = ln_power_product_integral(lo, hi, p, q, 0.0, 60.0).unwrap();
            assert!(v.ln_value.is_finite(), "{lo} {hi} {p} {q}: {v:?}");
            // A few dozen panels at most: h varies by about 100 over the range integrated.
            assert!(work::take() <= 2_000, "{lo} {hi} {p} {q}: {v:?}");
        }
        // Divergent integrals and bad domains.
        assert!(ln_power_product_integral(0.0, 1.0, 1.0, 1.0, 0.0, 1.0).is_none());
        assert!(ln_power_product_integral(1.0, 1.0, 0.5, 0.5, 0.0, f64::INFINITY).is_none());
        assert!(ln_power_product_integral(2.0, 1.0, 0.5, 0.5, 0.0, 1.0).is_none());
        assert_eq!(
            ln_power_product_integral(1.0, 2.0, 0.5, 0.5, 4.0, 4.0)
                .unwrap()
                .ln_value,
            f64::NEG_INFINITY
        );
    }
}
