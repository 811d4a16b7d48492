//! Small dense minimisers for the 3- and 4-parameter likelihoods of the LTV models (on
//! log-parameters): Newton's method with analytic Hessians and a damped Cholesky step, BFGS with an
//! Armijo backtracking line search, plus a numerical Hessian and a matrix inverse for standard
//! errors.
//!
//! The models have at most four parameters, so dense Newton / BFGS steps are cheaper and simpler
//! than L-BFGS, and Newton with the analytic Hessian needs far fewer likelihood evaluations
//! (2 iterations on 100,000 customers where BFGS needed about 21; see BENCHMARKS.md). The churn
//! model, with more parameters and no cheap Hessian, uses argmin's L-BFGS instead.

/// Outcome of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The minimiser found.
    pub x: Vec<f64>,
    /// Objective value at `x`.
    pub f: f64,
    /// Largest absolute gradient component at `x`.
    pub grad_max: f64,
    /// Iterations used.
    pub iterations: usize,
    /// Whether the gradient criterion `max |gᵢ| ≤ gtol` was met.
    pub converged: bool,
}

/// Minimises `f` from `x0` with BFGS. Stops when the largest gradient component is at most
/// `gtol`, after `max_iter` iterations, when the line search finds no decrease even along the
/// steepest descent, or when the objective decreased by less than 1e-14 (relative) in three
/// consecutive iterations (round-off floor). `f(x, grad)` returns the objective and writes the gradient;
/// a non-finite value is treated as +∞ by the line search. `max_step` bounds the largest
/// coordinate change of one step (useful on log-parameters).
pub fn minimize<F>(f: F, x0: &[f64], gtol: f64, max_iter: usize, max_step: f64) -> Option<Minimum>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    minimize_within(f, x0, gtol, max_iter, max_step, f64::INFINITY)
}

/// [`minimize`] confined to the box [−`bound`, `bound`] in every coordinate: the objective is
/// not evaluated outside it (a trial step there counts as +∞ for the line search), and the run
/// stops, unconverged unless the gradient criterion holds, once a coordinate comes within 1 of
/// the bound, where the infimum lies on the boundary or beyond (a likelihood with no interior
/// maximum) and further iterations would only crawl along it.
pub fn minimize_within<F>(
    mut f: F,
    x0: &[f64],
    gtol: f64,
    max_iter: usize,
    max_step: f64,
    bound: f64,
) -> Option<Minimum>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let n = x0.len();
    if max_abs(x0) > bound {
        return None;
    }
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut h = identity(n);
    let mut d = vec![0.0; n];
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    let mut first = true;
    let mut it = 0;
    let mut stalled = 0;
    while it < max_iter {
        if max_abs(&g) <= gtol {
            break;
        }
        it += 1;
        for i in 0..n {
            d[i] = -(0..n).map(|j| h[i * n + j] * g[j]).sum::<f64>();
        }
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            h = identity(n);
            for i in 0..n {
                d[i] = -g[i];
            }
            slope = dot(&g, &d);
        }
        let dmax = max_abs(&d);
        let mut step = if dmax > max_step {
            max_step / dmax
        } else {
            1.0
        };
        let mut accepted = false;
        for _ in 0..60 {
            for i in 0..n {
                xn[i] = x[i] + step * d[i];
            }
            let fnew = if max_abs(&xn) <= bound {
                f(&xn, &mut gn)
            } else {
                f64::INFINITY
            };
            if fnew.is_finite()
                && gn.iter().all(|v| v.is_finite())
                && fnew <= fx + 1e-4 * step * slope
            {
                accepted = true;
                // BFGS update of the inverse Hessian.
                let s: Vec<f64> = (0..n).map(|i| xn[i] - x[i]).collect();
                let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
                let sy = dot(&s, &y);
                if sy > 1e-12 * norm(&s) * norm(&y) {
                    if first {
                        let scale = sy / dot(&y, &y);
                        h = identity(n);
                        h.iter_mut().for_each(|v| *v *= scale);
                        first = false;
                    }
                    let rho = 1.0 / sy;
                    let hy: Vec<f64> = (0..n)
                        .map(|i| (0..n).map(|j| h[i * n + j] * y[j]).sum())
                        .collect();
                    let yhy = dot(&y, &hy);
                    for i in 0..n {
                        for j in 0..n {
                            h[i * n + j] += -rho * (hy[i] * s[j] + s[i] * hy[j])
                                + (rho * rho * yhy + rho) * s[i] * s[j];
                        }
                    }
                }
                // Stop when the objective no longer moves beyond round-off (three times running).
                if fx - fnew <= 1e-14 * fx.abs().max(1.0) {
                    stalled += 1;
                } else {
                    stalled = 0;
                }
                x.copy_from_slice(&xn);
                g.copy_from_slice(&gn);
                fx = fnew;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            // No decrease along the direction: restart once from steepest descent, else stop.
            if first {
                break;
            }
            h = identity(n);
            first = true;
        }
        if stalled >= 3 || max_abs(&x) > bound - 1.0 {
            break;
        }
    }
    let grad_max = max_abs(&g);
    Some(Minimum {
        x,
        f: fx,
        grad_max,
        iterations: it,
        converged: grad_max <= gtol,
    })
}

/// Minimises `f` from `x0` with Newton's method: `f(x, grad, hess)` returns the objective and
/// writes its gradient and row-major Hessian. Each step solves (H + λI) d = −g by Cholesky with
/// the smallest λ ∈ {0, 1e-8·s, 1e-7·s, …} (s = largest |Hᵢᵢ|, at least 1) that makes the matrix
/// positive definite, caps the largest coordinate change at `max_step`, and backtracks (Armijo)
/// until the objective decreases. Same stopping rules as [`minimize`].
pub fn newton<F>(mut f: F, x0: &[f64], gtol: f64, max_iter: usize, max_step: f64) -> Option<Minimum>
where
    F: FnMut(&[f64], &mut [f64], &mut [f64]) -> f64,
{
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut h = vec![0.0; n * n];
    let mut fx = f(&x, &mut g, &mut h);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    let mut hn = vec![0.0; n * n];
    let mut it = 0;
    let mut stalled = 0;
    while it < max_iter && max_abs(&g) > gtol {
        it += 1;
        let scale = (0..n).fold(1.0f64, |m, i| m.max(h[i * n + i].abs()));
        let mut d = None;
        let mut lambda = 0.0;
        for _ in 0..14 {
            let mut a = h.clone();
            for i in 0..n {
                a[i * n + i] += lambda;
            }
            if let Some(sol) = cholesky_solve(&a, &g, n) {
                d = Some(sol.into_iter().map(|v| -v).collect::<Vec<f64>>());
                break;
            }
            lambda = if lambda == 0.0 {
                1e-8 * scale
            } else {
                lambda * 10.0
            };
        }
        let mut d = d.unwrap_or_else(|| g.iter().map(|v| -v).collect());
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            d = g.iter().map(|v| -v).collect();
            slope = dot(&g, &d);
        }
        let dmax = max_abs(&d);
        let mut step = if dmax > max_step {
            max_step / dmax
        } else {
            1.0
        };
        let mut accepted = false;
        for _ in 0..50 {
            for i in 0..n {
                xn[i] = x[i] + step * d[i];
            }
            let fnew = f(&xn, &mut gn, &mut hn);
            if fnew.is_finite()
                && gn.iter().all(|v| v.is_finite())
                && fnew <= fx + 1e-4 * step * slope
            {
                if fx - fnew <= 1e-14 * fx.abs().max(1.0) {
                    stalled += 1;
                } else {
                    stalled = 0;
                }
                std::mem::swap(&mut x, &mut xn);
                std::mem::swap(&mut g, &mut gn);
                std::mem::swap(&mut h, &mut hn);
                fx = fnew;
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted || stalled >= 3 {
            break;
        }
    }
    let grad_max = max_abs(&g);
    Some(Minimum {
        x,
        f: fx,
        grad_max,
        iterations: it,
        converged: grad_max <= gtol,
    })
}

/// The best run of a multi-start fit: `fit(x0)` from each start's log-parameters (`ln` of each
/// natural parameter in `starts`), with `before(i)` run before start `i` (an error stops the
/// search). Converged runs beat unconverged ones, then the lower objective wins; on a tie the
/// earlier start stays. `None` when no start gave a run.
pub(crate) fn best_of_starts<const N: usize>(
    starts: &[[f64; N]],
    before: &mut dyn FnMut(usize) -> crate::error::Result<()>,
    mut fit: impl FnMut(&[f64]) -> Option<Minimum>,
) -> crate::error::Result<Option<Minimum>> {
    let mut best: Option<Minimum> = None;
    for (i, s) in starts.iter().enumerate() {
        before(i)?;
        let x0: Vec<f64> = s.iter().map(|v| libm::log(*v)).collect();
        if let Some(m) = fit(&x0) {
            let better = match &best {
                None => true,
                Some(b) => {
                    (m.converged && !b.converged) || (m.converged == b.converged && m.f < b.f)
                }
            };
            if better {
                best = Some(m);
            }
        }
    }
    Ok(best)
}

/// A multi-start fit that runs its starts on a subsample when there is one (`subsample`), then
/// refines the best run on all the data; if that refinement does not converge, every start is
/// rerun on all the data. `fit(on_all, x0)` fits from log-parameters `x0` on the subsample
/// (`on_all` false) or on all the data. Progress is reported to `progress` under `stage`: one
/// step per start, one for the refinement, then the total; an error from it stops the fit.
pub(crate) fn subsample_then_refine<const N: usize>(
    starts: &[[f64; N]],
    subsample: bool,
    stage: &'static str,
    progress: &mut crate::progress::ProgressHook<'_>,
    mut fit: impl FnMut(bool, &[f64]) -> Option<Minimum>,
) -> crate::error::Result<Option<Minimum>> {
    let total = starts.len() + usize::from(subsample);
    let mut report = |done: usize| progress(crate::progress::Progress { stage, done, total });
    let mut best = best_of_starts(starts, &mut |i| report(i), |x0| fit(!subsample, x0))?;
    if subsample {
        report(starts.len())?;
        let refined = best
            .as_ref()
            .and_then(|b| fit(true, &b.x))
            .filter(|m| m.converged);
        best = match refined {
            Some(m) => Some(m),
            None => best_of_starts(starts, &mut |_| report(starts.len()), |x0| fit(true, x0))?,
        };
    }
    report(total)?;
    Ok(best)
}

/// The outcome of a multi-start fit on log-parameters: the best run, accepted when it met the
/// gradient tolerance or its largest gradient is below 1e-3, and its parameters on the natural
/// scale (eˣ). Otherwise `E_NOT_CONVERGED` naming `model`, with the message `failed` gives for
/// the best run (`None`: no start had a finite likelihood); a parameter that is not finite and
/// positive after eˣ is "a parameter left the representable range".
pub(crate) fn accept_best<const N: usize>(
    best: Option<Minimum>,
    model: &str,
    failed: impl FnOnce(Option<&Minimum>) -> String,
) -> crate::error::Result<(Minimum, [f64; N])> {
    let not_converged = |iterations: usize, message: String| crate::error::Error::NotConverged {
        model: model.into(),
        iterations,
        message,
    };
    let best = match best {
        Some(b) if b.converged || b.grad_max < 1e-3 => b,
        other => {
            let iterations = other.as_ref().map_or(0, |b| b.iterations);
            return Err(not_converged(iterations, failed(other.as_ref())));
        }
    };
    let mut p = [0.0; N];
    for (v, x) in p.iter_mut().zip(&best.x) {
        *v = libm::exp(*x);
    }
    if best.x.len() != N || p.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(not_converged(
            best.iterations,
            "a parameter left the representable range".into(),
        ));
    }
    Ok((best, p))
}

/// Solves A x = b for a symmetric positive-definite row-major `n × n` matrix A by Cholesky;
/// `None` when A is not positive definite.
pub fn cholesky_solve(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = a[i * n + j];
            for k in 0..j {
                sum -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !sum.is_finite() || sum <= 0.0 {
                    return None;
                }
                l[i * n + i] = f64::sqrt(sum);
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Hessian of a function by central differences of its gradient `grad(x, out)`, with relative
/// steps `1e-5 · max(|xᵢ|, 1e-3)`; symmetrised.
pub fn hessian_from_gradient<G>(mut grad: G, x: &[f64]) -> Vec<f64>
where
    G: FnMut(&[f64], &mut [f64]),
{
    let n = x.len();
    let mut hmat = vec![0.0; n * n];
    let mut xp = x.to_vec();
    let mut gp = vec![0.0; n];
    let mut gm = vec![0.0; n];
    for j in 0..n {
        let h = 1e-5 * x[j].abs().max(1e-3);
        xp[j] = x[j] + h;
        grad(&xp, &mut gp);
        xp[j] = x[j] - h;
        grad(&xp, &mut gm);
        xp[j] = x[j];
        for i in 0..n {
            hmat[i * n + j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (hmat[i * n + j] + hmat[j * n + i]);
            hmat[i * n + j] = v;
            hmat[j * n + i] = v;
        }
    }
    hmat
}

/// Inverse of a small dense row-major `n × n` matrix (Gauss–Jordan with partial pivoting);
/// `None` when singular or non-finite.
pub fn invert(m: &[f64], n: usize) -> Option<Vec<f64>> {
    if m.len() != n * n {
        return None;
    }
    let mut a = m.to_vec();
    let mut inv = identity(n);
    for col in 0..n {
        let mut piv = col;
        for r in col + 1..n {
            if a[r * n + col].abs() > a[piv * n + col].abs() {
                piv = r;
            }
        }
        let p = a[piv * n + col];
        if !p.is_finite() || p.abs() <= 1e-300 {
            return None;
        }
        if piv != col {
            for k in 0..n {
                a.swap(piv * n + k, col * n + k);
                inv.swap(piv * n + k, col * n + k);
            }
        }
        for k in 0..n {
            a[col * n + k] /= p;
            inv[col * n + k] /= p;
        }
        for r in 0..n {
            if r != col {
                let factor = a[r * n + col];
                if factor != 0.0 {
                    for k in 0..n {
                        a[r * n + k] -= factor * a[col * n + k];
                        inv[r * n + k] -= factor * inv[col * n + k];
                    }
                }
            }
        }
    }
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}

/// Standard errors sqrt(diag(H⁻¹)) of a negative log-likelihood Hessian `h`; `None` for a
/// parameter whose variance is not positive (the Hessian is not positive definite there).
pub fn std_errors(h: &[f64], n: usize) -> Vec<Option<f64>> {
    match invert(h, n) {
        Some(inv) => (0..n)
            .map(|i| {
                let v = inv[i * n + i];
                (v > 0.0 && v.is_finite()).then(|| f64::sqrt(v))
            })
            .collect(),
        None => vec![None; n],
    }
}

fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    f64::sqrt(dot(a, a))
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter()
        .fold(0.0, |m, v| if v.abs() > m { v.abs() } else { m })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock_minimum() {
        // Rosenbrock: minimum 0 at (1, 1).
        let m = minimize(
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &[-1.2, 1.0],
            1e-10,
            500,
            10.0,
        )
        .unwrap();
        assert!(m.converged);
        assert!((m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn newton_on_rosenbrock_and_cholesky() {
        let m = newton(
            |x, g, h| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                h[0] = 2.0 - 400.0 * (b - 3.0 * a * a);
                h[1] = -400.0 * a;
                h[2] = -400.0 * a;
                h[3] = 200.0;
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &[-1.2, 1.0],
            1e-10,
            200,
            10.0,
        )
        .unwrap();
        assert!(m.converged);
        assert!((m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8);
        // [[4, 2], [2, 3]] x = [2, 1] → x = [0.5, 0].
        let x = cholesky_solve(&[4.0, 2.0, 2.0, 3.0], &[2.0, 1.0], 2).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15);
        assert!(cholesky_solve(&[1.0, 2.0, 2.0, 1.0], &[1.0, 1.0], 2).is_none());
    }

    #[test]
    fn inverse_and_hessian_of_quadratic() {
        // f = ½ xᵀ A x with A = [[4, 1], [1, 3]]: Hessian A, inverse [[3, −1], [−1, 4]] / 11.
        let h = hessian_from_gradient(
            |x, g| {
                g[0] = 4.0 * x[0] + x[1];
                g[1] = x[0] + 3.0 * x[1];
            },
            &[0.3, -0.2],
        );
        for (v, e) in h.iter().zip([4.0, 1.0, 1.0, 3.0]) {
            assert!((v - e).abs() < 1e-8);
        }
        let inv = invert(&h, 2).unwrap();
        for (v, e) in inv
            .iter()
            .zip([3.0 / 11.0, -1.0 / 11.0, -1.0 / 11.0, 4.0 / 11.0])
        {
            assert!((v - e).abs() < 1e-8);
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
        assert_eq!(std_errors(&[-1.0, 0.0, 0.0, 1.0], 2), vec![None, Some(1.0)]);
    }
}
