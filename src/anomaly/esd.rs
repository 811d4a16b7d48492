//! The generalized extreme Studentized deviate test (generalized ESD; Rosner, "Percentage
//! points for a generalized ESD many-outlier procedure", Technometrics 25(2), 1983), as the NIST
//! Engineering Statistics Handbook (§1.3.5.17.3) states it.
//!
//! For i = 1, …, r (r the largest number of outliers tested): with the n − i + 1 values still
//! in, mean x̄ and sample standard deviation s (n − 1 denominator),
//! R_i = max |x − x̄| / s, and that value is removed; the critical value is
//! λ_i = (n − i)·t_{p, n−i−1} / √((n − i − 1 + t²_{p, n−i−1})(n − i + 1)) with
//! p = 1 − α/(2(n − i + 1)) and t_{p,ν} the p quantile of Student's t with ν degrees of freedom.
//! The number of outliers is the largest i with R_i > λ_i (0 when there is none): the i values
//! removed first.
//!
//! The value farthest from the mean is always the smallest or the largest still in, so the test
//! sorts once and walks in from both ends (O(n log n)); the sums are of the values centred on
//! their overall mean.

use crate::experiment::dist::t_ppf;

/// The outcome of [`generalized_esd`].
#[derive(Debug, Clone, PartialEq)]
pub struct Esd {
    /// R_i, i = 1..=r.
    pub r: Vec<f64>,
    /// λ_i, i = 1..=r.
    pub lambda: Vec<f64>,
    /// The index (into the input) of the value removed at step i.
    pub removed: Vec<usize>,
    /// The number of outliers: the first `outliers` of `removed`.
    pub outliers: usize,
    /// Mean of the values left after the outliers are removed.
    pub mean: f64,
    /// Their sample standard deviation.
    pub sd: f64,
    /// The critical value λ for one more outlier (over the values left): a value farther than
    /// `threshold · sd` from `mean` would have been the next outlier.
    pub threshold: f64,
}

/// λ_i for `n` values at step `i` (1-based) and level `alpha` (NaN when n − i − 1 < 1).
pub fn critical_value(n: usize, i: usize, alpha: f64) -> f64 {
    if n < i + 2 {
        return f64::NAN;
    }
    let left = (n - i + 1) as f64;
    let df = (n - i - 1) as f64;
    let p = 1.0 - alpha / (2.0 * left);
    let t = t_ppf(p, df);
    (n - i) as f64 * t / ((df + t * t) * left).sqrt()
}

/// Generalized ESD on `x` with at most `max_outliers` outliers at level `alpha` (see the module
/// docs). At most n − 3 steps are taken (λ needs 1 degree of freedom and s two values); a step
/// where the values left do not vary has R = 0.
///
/// ```
/// use unimetric::anomaly::esd::generalized_esd;
/// let x = [1.0, 1.2, 0.9, 1.1, 1.0, 0.95, 1.05, 9.0];
/// let e = generalized_esd(&x, 2, 0.05);
/// assert_eq!((e.outliers, e.removed[0]), (1, 7));
/// ```
pub fn generalized_esd(x: &[f64], max_outliers: usize, alpha: f64) -> Esd {
    let n = x.len();
    let steps = max_outliers.min(n.saturating_sub(3));
    let centre = if n > 0 {
        x.iter().sum::<f64>() / n as f64
    } else {
        0.0
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let (mut sum, mut sum2) = (0.0, 0.0);
    for &v in x {
        let d = v - centre;
        sum += d;
        sum2 += d * d;
    }
    let stats = |sum: f64, sum2: f64, m: usize| {
        let mf = m as f64;
        let mean = sum / mf;
        let var = if m > 1 {
            ((sum2 - sum * mean) / (mf - 1.0)).max(0.0)
        } else {
            0.0
        };
        (mean, var.sqrt())
    };
    let (mut lo, mut hi) = (0usize, n);
    let mut out = Esd {
        r: Vec::with_capacity(steps),
        lambda: Vec::with_capacity(steps),
        removed: Vec::with_capacity(steps),
        outliers: 0,
        mean: 0.0,
        sd: 0.0,
        threshold: f64::NAN,
    };
    for i in 1..=steps {
        let m = hi - lo;
        let (mean, sd) = stats(sum, sum2, m);
        let dl = (mean - (x[order[lo]] - centre)).abs();
        let dh = ((x[order[hi - 1]] - centre) - mean).abs();
        let idx = if dh >= dl {
            hi -= 1;
            order[hi]
        } else {
            lo += 1;
            order[lo - 1]
        };
        let d = dl.max(dh);
        let r = if sd > 0.0 { d / sd } else { 0.0 };
        let lambda = critical_value(n, i, alpha);
        if r > lambda {
            out.outliers = i;
        }
        out.r.push(r);
        out.lambda.push(lambda);
        out.removed.push(idx);
        let v = x[idx] - centre;
        sum -= v;
        sum2 -= v * v;
    }
    // Mean and spread of what is left once the outliers are out.
    let (mut s, mut s2) = (0.0, 0.0);
    let mut out_mask = vec![false; n];
    for &k in &out.removed[..out.outliers] {
        out_mask[k] = true;
    }
    let mut m = 0usize;
    for (k, &v) in x.iter().enumerate() {
        if !out_mask[k] {
            let d = v - centre;
            s += d;
            s2 += d * d;
            m += 1;
        }
    }
    if m > 0 {
        let (mean, sd) = stats(s, s2, m);
        out.mean = mean + centre;
        out.sd = sd;
    }
    out.threshold = critical_value(n, out.outliers + 1, alpha);
    out
}
