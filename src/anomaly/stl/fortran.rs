//! The STL loops of the reference Fortran (netlib `stl`: `stl`, `onestp`, `ss`, `fts`, `ma`,
//! `ess`, `est`, `rwts`), in `f64`, as the `stlrs` crate and statsmodels' Cython code port them,
//! with three shortcuts that change no result beyond rounding.
//!
//! 1. **Centred fits.** Away from the ends, with jump 1 and no robustness weights, every loess
//!    fit has its window centred on the point: `len` points, `(len − 1)/2` on each side. Its
//!    tricube weights are then the same at every such point, and the degree-1 correction is the
//!    identity: the weighted mean position is the point itself, so the slope term b·(j − a) is 0
//!    (in exact arithmetic; the Fortran computes it and gets a few ulps). Such a fit is a fixed
//!    weighted moving average. [`Kernel`] computes its normalised weights once per window,
//!    exactly as `est` computes them, and applies them to all the centred points in one filter
//!    pass (weight by weight, so each point's sum is taken in `est`'s order), skipping the two
//!    end weights, which the tricube makes 0. Degree-0 fits are then bit-for-bit those of
//!    `est`; degree-1 fits differ from it by the few ulps of its slope term.
//! 2. **Ends.** Without robustness weights, the weights of the fits near the ends (and of `ss`'
//!    extensions at 0 and n + 1) depend on the series' length and the position only: they are
//!    computed by `est`'s own code once per length and reused ([`Ends`]), the same bits.
//! 3. **Moving averages** (`ma`) sum each window's values left to right instead of sliding one
//!    running sum along (last-bit differences, and no drift).
//!
//! Every other fit (jumps above 1 away from the cache, windows longer than the series,
//! robustness weights) is `est` itself. tests/anomaly.rs checks the result against `stlrs` on
//! 312 combinations of settings (to 1e-10 on a series of level 100) and against statsmodels'
//! fixtures.

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
    /// No kernel (a window at least as long as the series): never applied.
    fn empty() -> Kernel {
        Kernel {
            len: 0,
            first: 0,
            weights: Vec::new(),
        }
    }

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

/// One loess smoother: window, degree, jump, its centred kernel, and the weights of its fits
/// near the ends for the series lengths seen (without robustness weights they depend on the
/// length and the position only, not on the values).
pub(super) struct Smoother {
    len: usize,
    degree: u8,
    jump: usize,
    kernel: Kernel,
    ends: Vec<Ends>,
}

/// The weights of the fits that are not centred, for one series length `n` (jump 1, odd window
/// shorter than the series, no robustness weights): at points 1 ..= h and n − h + 1 ..= n
/// (h = len / 2), then Fortran `ss`' extensions at 0 and n + 1; `None` where every weight is 0.
struct Ends {
    n: usize,
    /// (first point, 1-based; weights), 2·h + 2 rows in the order above.
    rows: Vec<Option<(usize, Vec<f64>)>>,
}

impl Ends {
    fn new(n: usize, len: usize, degree: u8) -> Ends {
        let h = len / 2;
        let mut w = vec![0.0; n];
        let mut row = |xs: f64, nleft: usize, nright: usize| {
            est_weights(n, len, degree, xs, nleft, nright, &mut w, false, &[])
                .map(|()| (nleft, w[nleft - 1..nright].to_vec()))
        };
        let mut rows = Vec::with_capacity(2 * h + 2);
        for i in 1..=h {
            rows.push(row(i as f64, 1, len));
        }
        for i in n - h + 1..=n {
            rows.push(row(i as f64, n - len + 1, n));
        }
        rows.push(row(0.0, 1, len.min(n)));
        let nleft = if n + 1 > len { n + 1 - len } else { 1 };
        rows.push(row((n + 1) as f64, nleft, n));
        Ends { n, rows }
    }

    /// The fit of row `k` on `y` (the same sum as `est`'s), or `None` (every weight 0).
    #[inline]
    fn fit(&self, k: usize, y: &[f64]) -> Option<f64> {
        let (nleft, w) = self.rows.get(k)?.as_ref()?;
        let window = y.get(nleft - 1..nleft - 1 + w.len())?;
        Some(weighted_sum(w, window))
    }
}

/// The widest window whose end weights are cached: (len − 1) rows of `len` weights each, so at
/// most about a million numbers per series length (wider windows fit their ends by `est`).
const MAX_CACHED_WINDOW: usize = 1001;

impl Smoother {
    /// A smoother for series of at most `n` points: the centred kernel is made only when the
    /// window is shorter than that (else no fit is centred), so a window far longer than the
    /// series allocates nothing.
    pub(super) fn new(len: usize, degree: u8, jump: usize, n: usize) -> Smoother {
        Smoother {
            len,
            degree,
            jump,
            kernel: if len < n {
                Kernel::new(len)
            } else {
                Kernel::empty()
            },
            ends: Vec::new(),
        }
    }

    /// The index in `self.ends` of the end weights for `n` points (computed on first use).
    fn ends_for(&mut self, n: usize) -> usize {
        match self.ends.iter().position(|e| e.n == n) {
            Some(k) => k,
            None => {
                self.ends.push(Ends::new(n, self.len, self.degree));
                self.ends.len() - 1
            }
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
    fn smooth(&mut self, y: &[f64], userw: bool, rw: &[f64], ys: &mut [f64], res: &mut [f64]) {
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
            let centred = !userw
                && len % 2 == 1
                && self.kernel.len == len
                && self.kernel.filter(y, h, n - h, ys);
            if centred && len <= MAX_CACHED_WINDOW {
                // The ends from their cached weights (the same sums as `est`'s).
                let e = self.ends_for(n);
                let ends = &self.ends[e];
                for i in 1..=h {
                    ys[i - 1] = ends.fit(i - 1, y).unwrap_or(y[i - 1]);
                }
                for i in n - h + 1..=n {
                    ys[i - 1] = ends.fit(h + i - (n - h + 1), y).unwrap_or(y[i - 1]);
                }
                return;
            }
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
    est_weights(y.len(), len, degree, xs, nleft, nright, w, userw, rw)?;
    Some(weighted_sum(&w[nleft - 1..nright], &y[nleft - 1..nright]))
}

/// Σ w·y, left to right (the last loop of `est`).
#[inline]
fn weighted_sum(w: &[f64], y: &[f64]) -> f64 {
    let mut ys = 0.0;
    for (wj, yj) in w.iter().zip(y) {
        ys += wj * yj;
    }
    ys
}

/// The weights `est` gives the points `nleft..=nright` of a series of `n` points for the fit at
/// `xs`, in `w[nleft − 1..nright]`; `None` when every weight is 0. Without robustness weights
/// they do not depend on the values.
#[allow(clippy::too_many_arguments)]
fn est_weights(
    n: usize,
    len: usize,
    degree: u8,
    xs: f64,
    nleft: usize,
    nright: usize,
    w: &mut [f64],
    userw: bool,
    rw: &[f64],
) -> Option<()> {
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
    Some(())
}

/// Fortran `ma`: moving averages of `len` points of `x[..n]` into `ave[..n − len + 1]`. Each
/// average is its `len` values summed left to right and divided by `len` (the Fortran slides
/// one running sum along instead, which differs from this in the last bits), term by term over
/// all the averages so that the loop vectorises.
fn ma(x: &[f64], n: usize, len: usize, ave: &mut [f64]) {
    let newn = n + 1 - len;
    let flen = len as f64;
    let out = &mut ave[..newn];
    out.fill(0.0);
    for t in 0..len {
        for (a, v) in out.iter_mut().zip(&x[t..t + newn]) {
            *a += v;
        }
    }
    for a in out.iter_mut() {
        *a /= flen;
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
fn ss(y: &[f64], np: usize, sm: &mut Smoother, userw: bool, rw: &[f64], w: &mut Work) {
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
        let nleft = if k + 1 > ns { k + 1 - ns } else { 1 };
        if !userw && ns < k && ns % 2 == 1 && ns <= MAX_CACHED_WINDOW {
            // The extensions from cached weights (rows 2h and 2h + 1 of the ends).
            let e = sm.ends_for(k);
            let ends = &sm.ends[e];
            let h = ns / 2;
            out[0] = ends.fit(2 * h, sub).unwrap_or(out[1]);
            out[k + 1] = ends.fit(2 * h + 1, sub).unwrap_or(out[k]);
        } else {
            out[0] = est(
                sub, ns, sm.degree, 0.0, 1, nright, &mut w.res, userw, sub_rw,
            )
            .unwrap_or(out[1]);
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
        }
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
    sm: &mut Smoothers,
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
        ss(&detrended[..n], np, &mut sm.seasonal, userw, rw, w);
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
/// seasonal component. The inner loop starts from the trend `start` (the Fortran's 0 without).
pub(super) fn stl(y: &[f64], s: &ResolvedStl, start: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
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
    let mut sm = Smoothers {
        seasonal: Smoother::new(s.seasonal_window, s.seasonal_degree, s.seasonal_jump, n),
        low_pass: Smoother::new(s.low_pass_window, s.low_pass_degree, s.low_pass_jump, n),
        trend: Smoother::new(s.trend_window, s.trend_degree, s.trend_jump, n),
    };
    let mut trend = match start {
        Some(t) if t.len() == n => t.to_vec(),
        _ => vec![0.0; n],
    };
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
            &mut sm,
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
