//! The STL loops of the reference Fortran (netlib `stl`: `stl`, `onestp`, `ss`, `fts`, `ma`,
//! `ess`, `est`, `rwts`), in `f64`, as the `stlrs` crate and statsmodels' Cython code port them,
//! with one shortcut that changes no result beyond rounding.
//!
//! **The shortcut.** Away from the ends of a series, with jump 1 (or at the evaluated points of a
//! larger jump) and no robustness weights, every loess fit has its window centred on the point:
//! `len` points, `(len − 1)/2` on each side. Its tricube weights are then the same at every such
//! point, and the degree-1 correction is the identity: the weighted mean position is the point
//! itself, so the slope term b·(j − a) is 0 (in exact arithmetic; the Fortran computes it and
//! gets a few ulps). Such a fit is a fixed weighted moving average. [`Kernel`] computes its
//! normalised weights once per window, exactly as `est` computes them, and applies them to the
//! window (skipping the two end weights, which the tricube makes 0). Degree-0 fits are then
//! bit-for-bit those of `est`; degree-1 fits differ from it by the few ulps of its slope term.
//! Every other fit (the ends, windows longer than the series, robustness weights) is `est`
//! itself. With statsmodels' default windows (7, 15 and 9 for period 7) on three years of daily
//! points this is about 98 % of the fits.

use super::ResolvedStl;

/// The normalised tricube weights of a centred window of `len` (odd) points, as `est` computes
/// them, without the zero weights at both ends.
pub(super) struct Kernel {
    len: usize,
    /// Offset of the first non-zero weight from the window's left end.
    first: usize,
    weights: Vec<f64>,
}

impl Kernel {
    pub(super) fn new(len: usize) -> Kernel {
        let half = len.saturating_sub(1) / 2;
        let h = half as f64;
        let (h9, h1) = (0.999 * h, 0.001 * h);
        let mut w = vec![0.0; len];
        let mut a = 0.0;
        for (d, wd) in w.iter_mut().enumerate() {
            let r = (d as f64 - h).abs();
            if r <= h9 {
                *wd = if r <= h1 {
                    1.0
                } else {
                    pow3(1.0 - pow3(r / h))
                };
                a += *wd;
            }
        }
        if a > 0.0 {
            for wd in w.iter_mut() {
                *wd /= a;
            }
        }
        let first = w.iter().position(|&x| x != 0.0).unwrap_or(0);
        let last = w.iter().rposition(|&x| x != 0.0).map_or(first, |l| l + 1);
        Kernel {
            len,
            first,
            weights: w[first..last].to_vec(),
        }
    }

    /// The centred fits at the 0-based points `lo..hi` of `y` (each `len / 2` points from both
    /// ends) into `ys[lo..hi]`: weight by weight over all the points, so that each point's sum
    /// is taken in the same order as [`Kernel::apply`] takes it (the same bits), in a loop
    /// that vectorises. False (and nothing written) when the points are not all centred.
    fn filter(&self, y: &[f64], lo: usize, hi: usize, ys: &mut [f64]) -> bool {
        let h = self.len / 2;
        if hi <= lo || lo < h || hi + h > y.len() || ys.len() < hi {
            return false;
        }
        let out = &mut ys[lo..hi];
        out.fill(0.0);
        for (t, &k) in self.weights.iter().enumerate() {
            let start = lo - h + self.first + t;
            let src = &y[start..start + out.len()];
            for (o, &v) in out.iter_mut().zip(src) {
                *o += k * v;
            }
        }
        true
    }

    /// The fit at the centre of `window` (its `len` points).
    #[inline]
    fn apply(&self, window: &[f64]) -> f64 {
        let mut ys = 0.0;
        for (k, y) in self.weights.iter().zip(&window[self.first..]) {
            ys += k * y;
        }
        ys
    }
}

/// One loess smoother: window, degree, jump, and its centred kernel.
pub(super) struct Smoother {
    len: usize,
    degree: u8,
    jump: usize,
    kernel: Kernel,
}

impl Smoother {
    pub(super) fn new(len: usize, degree: u8, jump: usize) -> Smoother {
        Smoother {
            len,
            degree,
            jump,
            kernel: Kernel::new(len),
        }
    }

    /// The fit at `i` (1-based) from the points `nleft..=nright` (1-based) of `y`; the point's
    /// own value when every weight is 0 (as the Fortran's callers do).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn at(
        &self,
        y: &[f64],
        i: usize,
        nleft: usize,
        nright: usize,
        userw: bool,
        rw: &[f64],
        res: &mut [f64],
    ) -> f64 {
        let n = y.len();
        if !userw
            && self.len < n
            && self.kernel.len == self.len
            && nright + 1 == nleft + self.len
            && nleft + nright == 2 * i
        {
            if let Some(window) = y.get(nleft - 1..nright) {
                return self.kernel.apply(window);
            }
        }
        est(
            y,
            self.len,
            self.degree,
            i as f64,
            nleft,
            nright,
            res,
            userw,
            rw,
        )
        .unwrap_or(y[i - 1])
    }

    /// Fortran `ess`: the loess fit of `y` at every point into `ys` (evaluated every `jump`
    /// points and interpolated linearly between).
    fn smooth(&self, y: &[f64], userw: bool, rw: &[f64], ys: &mut [f64], res: &mut [f64]) {
        let n = y.len();
        if n == 0 {
            return;
        }
        if n < 2 {
            ys[0] = y[0];
            return;
        }
        let len = self.len;
        let newnj = self.jump.clamp(1, n - 1);
        let mut nleft = 1;
        let mut nright = n;
        if len >= n {
            let mut i = 1;
            while i <= n {
                ys[i - 1] = self.at(y, i, nleft, nright, userw, rw, res);
                i += newnj;
            }
        } else if newnj == 1 {
            let nsh = len.div_ceil(2);
            // The centred fits, points h + 1 ..= n − h (1-based), as one filter pass.
            let h = len / 2;
            let centred = !userw && len % 2 == 1 && self.kernel.filter(y, h, n - h, ys);
            nright = len;
            for i in 1..=n {
                if i > nsh && nright != n {
                    nleft += 1;
                    nright += 1;
                }
                if centred && i > h && i <= n - h {
                    continue;
                }
                ys[i - 1] = self.at(y, i, nleft, nright, userw, rw, res);
            }
        } else {
            let nsh = len.div_ceil(2);
            let mut i = 1;
            while i <= n {
                if i < nsh {
                    nleft = 1;
                    nright = len;
                } else if i > n - nsh {
                    nleft = n - len + 1;
                    nright = n;
                } else {
                    nleft = i - nsh + 1;
                    nright = len + i - nsh;
                }
                ys[i - 1] = self.at(y, i, nleft, nright, userw, rw, res);
                i += newnj;
            }
        }
        if newnj != 1 {
            let mut i = 1;
            while i <= n - newnj {
                let delta = (ys[i + newnj - 1] - ys[i - 1]) / newnj as f64;
                for j in i + 1..i + newnj {
                    ys[j - 1] = ys[i - 1] + delta * (j - i) as f64;
                }
                i += newnj;
            }
            let k = ((n - 1) / newnj) * newnj + 1;
            if k != n {
                ys[n - 1] = est(y, len, self.degree, n as f64, nleft, nright, res, userw, rw)
                    .unwrap_or(y[n - 1]);
                if k != n - 1 {
                    let delta = (ys[n - 1] - ys[k - 1]) / (n - k) as f64;
                    for j in k + 1..n {
                        ys[j - 1] = ys[k - 1] + delta * (j - k) as f64;
                    }
                }
            }
        }
    }
}

/// Fortran `est`: the loess fit at `xs` (1-based position) from the points `nleft..=nright` of
/// `y`; `None` when every weight is 0.
#[allow(clippy::too_many_arguments)]
fn est(
    y: &[f64],
    len: usize,
    degree: u8,
    xs: f64,
    nleft: usize,
    nright: usize,
    w: &mut [f64],
    userw: bool,
    rw: &[f64],
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as f64).max(nright as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let mut a = 0.0;
    for j in nleft..=nright {
        w[j - 1] = 0.0;
        let r = (j as f64 - xs).abs();
        if r <= h9 {
            w[j - 1] = if r <= h1 {
                1.0
            } else {
                pow3(1.0 - pow3(r / h))
            };
            if userw {
                w[j - 1] *= rw[j - 1];
            }
            a += w[j - 1];
        }
    }
    if a <= 0.0 {
        return None;
    }
    for wj in &mut w[nleft - 1..nright] {
        *wj /= a;
    }
    if h > 0.0 && degree > 0 {
        let mut a = 0.0;
        for j in nleft..=nright {
            a += w[j - 1] * j as f64;
        }
        let mut b = xs - a;
        let mut c = 0.0;
        for j in nleft..=nright {
            let d = j as f64 - a;
            c += w[j - 1] * d * d;
        }
        if c.sqrt() > 0.001 * range {
            b /= c;
            for j in nleft..=nright {
                w[j - 1] *= b * (j as f64 - a) + 1.0;
            }
        }
    }
    let mut ys = 0.0;
    for j in nleft..=nright {
        ys += w[j - 1] * y[j - 1];
    }
    Some(ys)
}

/// Fortran `ma`: moving averages of `len` points of `x[..n]` into `ave[..n − len + 1]`.
fn ma(x: &[f64], n: usize, len: usize, ave: &mut [f64]) {
    let newn = n + 1 - len;
    let flen = len as f64;
    let mut v = 0.0;
    for &xi in &x[..len] {
        v += xi;
    }
    ave[0] = v / flen;
    for m in 0..newn - 1 {
        v = v - x[m] + x[len + m];
        ave[m + 1] = v / flen;
    }
}

/// Fortran `fts`: moving averages of `np`, `np` and 3 points.
fn fts(x: &[f64], n: usize, np: usize, trend: &mut [f64], work: &mut [f64]) {
    ma(x, n, np, trend);
    ma(trend, n - np + 1, np, work);
    ma(work, n - 2 * np + 2, 3, trend);
}

/// Fortran `rwts`: bisquare robustness weights of the remainder (6 · median |r|).
fn rwts(y: &[f64], fit: &[f64], rw: &mut [f64]) {
    let n = y.len();
    for i in 0..n {
        rw[i] = (y[i] - fit[i]).abs();
    }
    let mid1 = (n - 1) / 2;
    let mid2 = n / 2;
    rw.sort_unstable_by(f64::total_cmp);
    let cmad = 3.0 * (rw[mid1] + rw[mid2]);
    let c9 = 0.999 * cmad;
    let c1 = 0.001 * cmad;
    for i in 0..n {
        let r = (y[i] - fit[i]).abs();
        rw[i] = if r <= c1 {
            1.0
        } else if r <= c9 {
            let q = r / cmad;
            let u = 1.0 - q * q;
            u * u
        } else {
            0.0
        };
    }
}

/// Buffers of one STL, each `n + 2·period` long.
struct Work {
    /// The extended cycle-subseries smooth (`ss`' output).
    cycle: Vec<f64>,
    /// Detrended, then low-passed, then deseasonalised series.
    y1: Vec<f64>,
    /// Moving averages (`fts`), then the trend loess' scratch.
    low: Vec<f64>,
    /// `est`'s weights.
    res: Vec<f64>,
    /// One cycle-subseries, its robustness weights and its smooth (extended by one point at
    /// each end).
    sub: Vec<f64>,
    sub_rw: Vec<f64>,
    sub_out: Vec<f64>,
}

/// The three smoothers of one STL.
struct Smoothers {
    seasonal: Smoother,
    low_pass: Smoother,
    trend: Smoother,
}

/// Fortran `ss`: loess of each cycle-subseries, extended by one point at each end, into
/// `w.cycle` (`n + 2·np` points).
fn ss(y: &[f64], np: usize, sm: &Smoother, userw: bool, rw: &[f64], w: &mut Work) {
    let n = y.len();
    let ns = sm.len;
    for j in 1..=np {
        let k = (n - j) / np + 1;
        for i in 1..=k {
            w.sub[i - 1] = y[(i - 1) * np + j - 1];
        }
        if userw {
            for i in 1..=k {
                w.sub_rw[i - 1] = rw[(i - 1) * np + j - 1];
            }
        }
        let sub = &w.sub[..k];
        let sub_rw = &w.sub_rw[..k];
        let out = &mut w.sub_out;
        sm.smooth(sub, userw, sub_rw, &mut out[1..], &mut w.res);
        let nright = ns.min(k);
        out[0] = est(
            sub, ns, sm.degree, 0.0, 1, nright, &mut w.res, userw, sub_rw,
        )
        .unwrap_or(out[1]);
        let nleft = if k + 1 > ns { k + 1 - ns } else { 1 };
        out[k + 1] = est(
            sub,
            ns,
            sm.degree,
            (k + 1) as f64,
            nleft,
            k,
            &mut w.res,
            userw,
            sub_rw,
        )
        .unwrap_or(out[k]);
        for m in 1..=k + 2 {
            w.cycle[(m - 1) * np + j - 1] = out[m - 1];
        }
    }
}

/// Fortran `onestp`: `inner` passes of detrending, cycle-subseries smoothing, low-pass
/// filtering and trend smoothing.
#[allow(clippy::too_many_arguments)]
fn onestp(
    y: &[f64],
    np: usize,
    inner: usize,
    sm: &Smoothers,
    userw: bool,
    rw: &[f64],
    season: &mut [f64],
    trend: &mut [f64],
    w: &mut Work,
) {
    let n = y.len();
    for _ in 0..inner {
        for i in 0..n {
            w.y1[i] = y[i] - trend[i];
        }
        let detrended = std::mem::take(&mut w.y1);
        ss(&detrended[..n], np, &sm.seasonal, userw, rw, w);
        w.y1 = detrended;
        fts(&w.cycle, n + 2 * np, np, &mut w.low, &mut w.y1);
        sm.low_pass
            .smooth(&w.low[..n], false, rw, &mut w.y1[..n], &mut w.res);
        for ((s, c), l) in season.iter_mut().zip(&w.cycle[np..]).zip(&w.y1) {
            *s = c - l;
        }
        for ((d, v), s) in w.y1.iter_mut().zip(y).zip(season.iter()) {
            *d = v - s;
        }
        sm.trend.smooth(&w.y1[..n], userw, rw, trend, &mut w.low);
    }
}

/// STL of `y` with the resolved settings (period ≥ 2, `y` at least two periods long): trend and
/// seasonal component.
pub(super) fn stl(y: &[f64], s: &ResolvedStl) -> (Vec<f64>, Vec<f64>) {
    let n = y.len();
    let np = s.period;
    let size = n + 2 * np;
    let mut w = Work {
        cycle: vec![0.0; size],
        y1: vec![0.0; size],
        low: vec![0.0; size],
        res: vec![0.0; size],
        sub: vec![0.0; size],
        sub_rw: vec![0.0; size],
        sub_out: vec![0.0; size],
    };
    let sm = Smoothers {
        seasonal: Smoother::new(s.seasonal_window, s.seasonal_degree, s.seasonal_jump),
        low_pass: Smoother::new(s.low_pass_window, s.low_pass_degree, s.low_pass_jump),
        trend: Smoother::new(s.trend_window, s.trend_degree, s.trend_jump),
    };
    let mut trend = vec![0.0; n];
    let mut season = vec![0.0; n];
    let mut rw = vec![0.0; n];
    let mut fit = vec![0.0; n];
    let mut userw = false;
    let mut k = 0;
    loop {
        onestp(
            y,
            np,
            s.inner_iterations,
            &sm,
            userw,
            &rw,
            &mut season,
            &mut trend,
            &mut w,
        );
        k += 1;
        if k > s.outer_iterations {
            break;
        }
        for i in 0..n {
            fit[i] = trend[i] + season[i];
        }
        rwts(y, &fit, &mut rw);
        userw = true;
    }
    (trend, season)
}

#[inline]
fn pow3(x: f64) -> f64 {
    x * x * x
}
