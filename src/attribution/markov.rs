//! The Markov model of attribution, solved exactly.
//!
//! States are windows of `order` consecutive channels of a path (a path shorter than `order` is
//! one state of all its channels), as in ChannelAttribution, plus `(start)` and the absorbing
//! `(conversion)` and `(null)`. A path whose states are `s₁ … s_m`, with `conversions` and
//! `nulls`, adds their sum to every transition `(start) → s₁ → … → s_m`, `conversions` to
//! `s_m → (conversion)` and `nulls` to `s_m → (null)`; transition probabilities are counts over
//! the row's total. With `collapseRepeats`, consecutive visits of one state count once (at
//! order 1: consecutive touches of one channel), which is what ChannelAttribution's
//! `markov_model` always does.
//!
//! P(conversion) is the absorption probability into `(conversion)` from `(start)`: the solution
//! of (I − Q) x = r over the transient states (Q their transition probabilities, r their
//! probabilities of converting next), read at `(start)`. Removing channel c makes every state
//! that contains c lead to `(null)` (x = 0 there); the removal effect is
//! RE_c = 1 − P(conversion | c removed) / P(conversion), and channel c is credited
//! conversions × RE_c / Σ RE. Value uses the same chain with r weighted by the mean conversion
//! value of the paths that end in each state (the expected value of a journey), its own removal
//! effects and total value × RE^v_c / Σ RE^v.
//!
//! Systems of up to [`DENSE_LIMIT`] states are solved by Gaussian elimination with partial
//! pivoting; larger ones by Gauss–Seidel sweeps until no value changes by more than 1e-15 of the
//! largest (`E_NOT_CONVERGED` after [`MAX_SWEEPS`]). Both are deterministic: states are numbered
//! in sorted order, so native, Node and browser builds give the same bits for any row order.

use super::journeys::Journeys;
use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// The most states solved by elimination; larger chains are solved iteratively.
pub const DENSE_LIMIT: usize = 800;

/// The most Gauss–Seidel sweeps before `E_NOT_CONVERGED`.
pub const MAX_SWEEPS: usize = 100_000;

/// Chains of up to this many states count transitions in a dense table.
const DENSE_COUNTS: usize = 1024;

/// The most states (channel tuples) a chain may have.
pub const MAX_STATES: usize = 200_000;

/// Bits per channel in a packed state key (channels < 1024).
const BITS: u32 = 10;
const MASK: u64 = (1 << BITS) - 1;

/// The fitted chain and its removal effects (JS `MarkovReport`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "MarkovReport")
)]
#[serde(rename = "MarkovReport", rename_all = "camelCase")]
pub struct MarkovReport {
    /// Order of the chain (channels per state).
    pub order: u32,
    /// State names: `(start)`, the channel tuples (names joined by `" > "`), `(conversion)`,
    /// `(null)`.
    pub states: Vec<String>,
    /// Transition sources (indices into `states`).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub from: Vec<u32>,
    /// Transition targets (indices into `states`).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub to: Vec<u32>,
    /// Transition probabilities.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub probability: Vec<f64>,
    /// P(conversion) of a journey: absorption into `(conversion)` from `(start)`.
    pub conversion_probability: f64,
    /// Removal effect of each channel (in the result's channel order).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub removal_effects: Vec<f64>,
    /// Removal effect of each channel on the expected conversion value.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub value_removal_effects: Vec<f64>,
}

/// The chain: transient states 0 = `(start)`, 1..=n the channel tuples; CSR rows of
/// transient → transient probabilities, and each state's probability of converting next and its
/// expected value on converting.
pub(crate) struct Chain {
    /// Packed key of each tuple state (index i + 1), sorted.
    keys: Vec<u64>,
    row_start: Vec<usize>,
    col: Vec<u32>,
    prob: Vec<f64>,
    to_conversion: Vec<f64>,
    to_null: Vec<f64>,
    /// Mean conversion value of the converting paths that end in each state (0 when none does).
    mean_value: Vec<f64>,
}

fn pack(window: &[u32]) -> u64 {
    let mut key = (window.len() as u64) << (4 * BITS);
    for (i, &c) in window.iter().enumerate() {
        key |= (c as u64 & MASK) << (BITS * (3 - i as u32));
    }
    key
}

fn unpack(key: u64) -> impl Iterator<Item = u32> {
    let len = (key >> (4 * BITS)) as u32;
    (0..len).map(move |i| ((key >> (BITS * (3 - i))) & MASK) as u32)
}

/// The packed states of path `p`: windows of `order` channels, consecutive repeats merged
/// when asked.
fn states(j: &Journeys, p: usize, order: usize, collapse: bool, out: &mut Vec<u64>) {
    out.clear();
    let touches = j.path(p);
    if touches.is_empty() {
        return;
    }
    let windows = touches.len().saturating_sub(order) + 1;
    for i in 0..windows {
        let end = (i + order).min(touches.len());
        let key = pack(&touches[i..end]);
        if collapse && out.last() == Some(&key) {
            continue;
        }
        out.push(key);
    }
}

impl Chain {
    /// Counts the transitions of every path.
    pub(crate) fn fit(j: &Journeys, order: usize, collapse: bool) -> Result<Chain> {
        Self::fit_with(j, order, collapse, DENSE_COUNTS)
    }

    /// [`fit`](Self::fit), counting in a dense table when the chain has at most `dense_limit`
    /// states (a hash map otherwise; both give the same chain).
    fn fit_with(j: &Journeys, order: usize, collapse: bool, dense_limit: usize) -> Result<Chain> {
        let order = order.clamp(1, 4);
        // Pass 1: every path's states as packed keys, flat.
        let paths = j.path_count();
        let mut seq: Vec<u64> = Vec::with_capacity(j.touch_count());
        let mut seq_off: Vec<usize> = Vec::with_capacity(paths + 1);
        seq_off.push(0);
        let mut buf = Vec::new();
        for p in 0..paths {
            states(j, p, order, collapse, &mut buf);
            seq.extend_from_slice(&buf);
            seq_off.push(seq.len());
        }
        // The distinct states, sorted, and each visit's state id (1-based; 0 is `(start)`).
        let (keys, id) = if order == 1 {
            // A state is one channel, and keys sort as the channels' indices.
            let channel = |k: u64| ((k >> (3 * BITS)) & MASK) as usize;
            let mut rank = vec![0u32; MASK as usize + 1];
            for &k in &seq {
                rank[channel(k)] = 1;
            }
            let mut keys = Vec::new();
            for (c, r) in rank.iter_mut().enumerate() {
                if *r != 0 {
                    keys.push(pack(&[c as u32]));
                    *r = keys.len() as u32;
                }
            }
            let id: Vec<u32> = seq.iter().map(|&k| rank[channel(k)]).collect();
            (keys, id)
        } else {
            let mut index: FxHashMap<u64, u32> = FxHashMap::default();
            for &key in &seq {
                index.entry(key).or_insert(0);
                if index.len() > MAX_STATES {
                    return Err(Error::TooLarge {
                        what: format!("the order-{order} Markov chain's states"),
                        size: index.len(),
                        limit: MAX_STATES,
                    });
                }
            }
            let mut keys: Vec<u64> = index.keys().copied().collect();
            keys.sort_unstable();
            for (i, k) in keys.iter().enumerate() {
                index.insert(*k, i as u32 + 1);
            }
            let id: Vec<u32> = seq
                .iter()
                .map(|k| index.get(k).copied().unwrap_or(0))
                .collect();
            (keys, id)
        };
        let n = keys.len() + 1;
        // Pass 2: weighted transition counts, in a dense table for small chains.
        let dense = n <= dense_limit;
        let mut table = if dense { vec![0.0; n * n] } else { Vec::new() };
        let mut counts: FxHashMap<u64, f64> = FxHashMap::default();
        let mut to_conversion = vec![0.0; n];
        let mut to_null = vec![0.0; n];
        let mut value = vec![0.0; n];
        for p in 0..paths {
            let (conv, nulls) = (j.conversions[p], j.nulls[p]);
            let w = conv + nulls;
            if w <= 0.0 {
                continue;
            }
            let mut prev = 0u32;
            for &s in &id[seq_off[p]..seq_off[p + 1]] {
                if dense {
                    table[prev as usize * n + s as usize] += w;
                } else {
                    *counts
                        .entry(((prev as u64) << 32) | s as u64)
                        .or_insert(0.0) += w;
                }
                prev = s;
            }
            to_conversion[prev as usize] += conv;
            to_null[prev as usize] += nulls;
            if conv > 0.0 {
                value[prev as usize] += j.value[p];
            }
        }
        if dense {
            for (i, &c) in table.iter().enumerate() {
                if c != 0.0 {
                    counts.insert((((i / n) as u64) << 32) | (i % n) as u64, c);
                }
            }
        }
        let mut edges: Vec<(u64, f64)> = counts.into_iter().collect();
        edges.sort_unstable_by_key(|e| e.0);
        // Row totals, then probabilities.
        let mut total: Vec<f64> = to_conversion
            .iter()
            .zip(&to_null)
            .map(|(a, b)| a + b)
            .collect();
        for &(k, c) in &edges {
            total[(k >> 32) as usize] += c;
        }
        let mut row_start = vec![0usize; n + 1];
        for &(k, _) in &edges {
            row_start[(k >> 32) as usize + 1] += 1;
        }
        for i in 0..n {
            row_start[i + 1] += row_start[i];
        }
        let col = edges
            .iter()
            .map(|&(k, _)| (k & 0xffff_ffff) as u32)
            .collect();
        let prob = edges
            .iter()
            .map(|&(k, c)| c / total[(k >> 32) as usize])
            .collect();
        let mean_value = value
            .iter()
            .zip(&to_conversion)
            .map(|(&v, &c)| if c > 0.0 { v / c } else { 0.0 })
            .collect();
        let share = |x: &[f64]| -> Vec<f64> {
            x.iter()
                .zip(&total)
                .map(|(&a, &t)| if t > 0.0 { a / t } else { 0.0 })
                .collect()
        };
        Ok(Chain {
            keys,
            row_start,
            col,
            prob,
            to_conversion: share(&to_conversion),
            to_null: share(&to_null),
            mean_value,
        })
    }

    /// Number of transient states, `(start)` included.
    fn len(&self) -> usize {
        self.keys.len() + 1
    }

    /// True when state `s` (≥ 1) contains channel `c`.
    fn contains(&self, s: usize, c: u32) -> bool {
        s > 0 && unpack(self.keys[s - 1]).any(|x| x == c)
    }

    /// Absorption value from `(start)` with reward `r` per state, states with `removed` true
    /// leading to `(null)`.
    fn solve(&self, r: &[f64], removed: &[bool]) -> Result<f64> {
        let active: Vec<usize> = (0..self.len()).filter(|&s| !removed[s]).collect();
        if active.len() <= DENSE_LIMIT {
            return Ok(self.solve_dense(r, removed, &active));
        }
        self.solve_iterative(r, removed)
    }

    fn solve_dense(&self, r: &[f64], removed: &[bool], active: &[usize]) -> f64 {
        let m = active.len();
        let mut pos = vec![usize::MAX; self.len()];
        for (i, &s) in active.iter().enumerate() {
            pos[s] = i;
        }
        // Augmented matrix [I − Q | r], row-major, m × (m + 1).
        let w = m + 1;
        let mut a = vec![0.0; m * w];
        for (i, &s) in active.iter().enumerate() {
            a[i * w + i] = 1.0;
            for e in self.row_start[s]..self.row_start[s + 1] {
                let t = self.col[e] as usize;
                if !removed[t] {
                    a[i * w + pos[t]] -= self.prob[e];
                }
            }
            a[i * w + m] = r[s];
        }
        for k in 0..m {
            let mut p = k;
            for i in k + 1..m {
                if a[i * w + k].abs() > a[p * w + k].abs() {
                    p = i;
                }
            }
            if p != k {
                for c in 0..w {
                    a.swap(k * w + c, p * w + c);
                }
            }
            let pivot = a[k * w + k];
            if pivot == 0.0 {
                continue;
            }
            for i in k + 1..m {
                let f = a[i * w + k] / pivot;
                if f != 0.0 {
                    for c in k..w {
                        a[i * w + c] -= f * a[k * w + c];
                    }
                }
            }
        }
        let mut x = vec![0.0; m];
        for k in (0..m).rev() {
            let mut s = a[k * w + m];
            for c in k + 1..m {
                s -= a[k * w + c] * x[c];
            }
            let pivot = a[k * w + k];
            x[k] = if pivot == 0.0 { 0.0 } else { s / pivot };
        }
        x[0]
    }

    fn solve_iterative(&self, r: &[f64], removed: &[bool]) -> Result<f64> {
        let n = self.len();
        let mut x = vec![0.0; n];
        for sweep in 0..MAX_SWEEPS {
            let (mut change, mut largest) = (0.0f64, 0.0f64);
            for s in (0..n).rev() {
                if removed[s] {
                    continue;
                }
                let mut v = r[s];
                for e in self.row_start[s]..self.row_start[s + 1] {
                    let t = self.col[e] as usize;
                    if !removed[t] {
                        v += self.prob[e] * x[t];
                    }
                }
                change = change.max((v - x[s]).abs());
                largest = largest.max(v.abs());
                x[s] = v;
            }
            if change <= 1e-15 * largest || largest == 0.0 {
                return Ok(x[0]);
            }
            if sweep + 1 == MAX_SWEEPS {
                return Err(Error::NotConverged {
                    model: "attribution.markov".into(),
                    iterations: MAX_SWEEPS,
                    message: format!("the absorption probabilities still change by {change:e}"),
                });
            }
        }
        Ok(x[0])
    }

    /// Removal effects on conversions and on value, P(conversion), for `channels` channels.
    pub(crate) fn removal_effects(&self, channels: usize) -> Result<(Vec<f64>, Vec<f64>, f64)> {
        let n = self.len();
        let rv: Vec<f64> = self
            .to_conversion
            .iter()
            .zip(&self.mean_value)
            .map(|(p, v)| p * v)
            .collect();
        let none = vec![false; n];
        let base = self.solve(&self.to_conversion, &none)?;
        let base_value = self.solve(&rv, &none)?;
        let mut re = vec![0.0; channels];
        let mut re_value = vec![0.0; channels];
        let mut removed = vec![false; n];
        for c in 0..channels {
            let mut any = false;
            for (s, flag) in removed.iter_mut().enumerate() {
                *flag = self.contains(s, c as u32);
                any |= *flag;
            }
            if !any {
                continue;
            }
            if base > 0.0 {
                re[c] = 1.0 - self.solve(&self.to_conversion, &removed)? / base;
            }
            if base_value != 0.0 {
                re_value[c] = 1.0 - self.solve(&rv, &removed)? / base_value;
            }
        }
        Ok((re, re_value, base))
    }

    /// The report's states and transitions (absorbing states last).
    pub(crate) fn report(
        &self,
        channels: &[String],
        order: u32,
        conversion_probability: f64,
        removal_effects: Vec<f64>,
        value_removal_effects: Vec<f64>,
    ) -> MarkovReport {
        let n = self.len();
        let mut states = Vec::with_capacity(n + 2);
        states.push("(start)".to_string());
        for &k in &self.keys {
            let names: Vec<&str> = unpack(k)
                .map(|c| channels.get(c as usize).map_or("?", String::as_str))
                .collect();
            states.push(names.join(" > "));
        }
        states.push("(conversion)".to_string());
        states.push("(null)".to_string());
        let (mut from, mut to, mut probability) = (Vec::new(), Vec::new(), Vec::new());
        for s in 0..n {
            for e in self.row_start[s]..self.row_start[s + 1] {
                from.push(s as u32);
                to.push(self.col[e]);
                probability.push(self.prob[e]);
            }
            for (target, p) in [(n, self.to_conversion[s]), (n + 1, self.to_null[s])] {
                if p > 0.0 {
                    from.push(s as u32);
                    to.push(target as u32);
                    probability.push(p);
                }
            }
        }
        MarkovReport {
            order,
            states,
            from,
            to,
            probability,
            conversion_probability,
            removal_effects,
            value_removal_effects,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{JourneyPaths, Journeys, PathOptions};

    /// The two solvers agree on a chain with loops and hundreds of states: elimination and
    /// Gauss–Seidel, with and without a channel removed.
    #[test]
    fn dense_and_iterative_solvers_agree() {
        let names = ["a", "b", "c", "d", "e", "f"];
        let mut path = Vec::new();
        let (mut conv, mut nulls) = (Vec::new(), Vec::new());
        let mut state = 7u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for _ in 0..3000 {
            let len = 1 + next(6) as usize;
            let p: Vec<&str> = (0..len).map(|_| names[next(6) as usize]).collect();
            path.push(p.join(">"));
            conv.push(next(3) as f64);
            nulls.push(next(4) as f64);
        }
        let j = Journeys::from_paths(
            &JourneyPaths {
                path,
                conversions: conv,
                value: None,
                nulls: Some(nulls),
            },
            &PathOptions::default(),
        )
        .unwrap();
        let chain = Chain::fit(&j, 3, false).unwrap();
        assert!(chain.len() > 200, "{}", chain.len());
        // Counted in a hash map instead of the dense table: the same chain, bit for bit.
        let hashed = Chain::fit_with(&j, 3, false, 0).unwrap();
        assert_eq!(
            (&hashed.keys, &hashed.row_start, &hashed.col, &hashed.prob),
            (&chain.keys, &chain.row_start, &chain.col, &chain.prob)
        );
        let order1 = Chain::fit(&j, 1, true).unwrap();
        let order1_hashed = Chain::fit_with(&j, 1, true, 0).unwrap();
        assert_eq!(order1.prob, order1_hashed.prob);
        assert_eq!(order1.keys.len(), names.len());
        let n = chain.len();
        for c in 0..=names.len() {
            let removed: Vec<bool> = (0..n).map(|s| chain.contains(s, c as u32)).collect();
            let active: Vec<usize> = (0..n).filter(|&s| !removed[s]).collect();
            let dense = chain.solve_dense(&chain.to_conversion, &removed, &active);
            let iterative = chain
                .solve_iterative(&chain.to_conversion, &removed)
                .unwrap();
            assert!(dense > 0.0 && dense < 1.0, "{dense}");
            assert!((dense - iterative).abs() < 1e-13, "{dense} vs {iterative}");
        }
    }
}
