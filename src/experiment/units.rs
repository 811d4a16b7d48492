//! Experiments from per-unit columns: the per-arm sums in one pass, then [`experiment`].
//!
//! Each unit (a visitor, a customer) is one row: its arm, its value of the metric and, for a
//! ratio metric, its denominator, and for CUPED its pre-period value. [`experiment_from_units`]
//! adds up, per arm, n, Σv and Σv² (and with a second column w — the denominator or the
//! pre-period value — Σw, Σw² and Σv·w), and hands those sums to [`experiment`], so the
//! statistics are exactly those of the summary-statistics entry point.
//!
//! # Conventions
//!
//! - **Metric.** Without `denominator` the metric is `mean` (default) or `proportion` (every
//!   value 0 or 1; then `pre`, if given, must be 0 or 1 too); with `denominator` it is `ratio`
//!   (Σvalue / Σdenominator per arm, the delta method with the covariance term). CUPED (`pre`)
//!   applies to `mean` and `proportion` only, as in [`experiment`].
//! - **Arms.** Codes (`u8` or `u32`) index `arm_names` (code i is `arm_names[i]`; every name is
//!   an arm, in that order, even one without units — which then fails as an arm with n < 2).
//!   Text arms take the order of `arm_names` when given (every text must be one of them), else
//!   the order of first appearance. The baseline is `baseline`, else the first arm.
//! - **Sums.** Accumulated in row order into four interleaved partial sums per arm (rows
//!   i ≡ 0, 1, 2, 3 mod 4) that are then added in that order: the same bits on every platform.
//!   Every per-unit value must be finite and at most 1e150 in magnitude, and every per-arm sum
//!   too (the limit of [`experiment`]'s sums).

use super::{
    experiment, Correction, Difference, ExperimentArm, ExperimentInput, ExperimentMethod,
    ExperimentMetric, ExperimentOptions, ExperimentPrior, ExperimentResult, MAX_ARMS,
};
use crate::error::{check_table, first_failing, join_names, Error, Result, MAX_MAGNITUDE};
use serde::Deserialize;
use std::collections::HashMap;

/// The arm of each unit.
#[derive(Debug, Clone, Copy)]
pub enum ArmColumn<'a> {
    /// Codes 0..k − 1 into `arm_names` (JS `Uint8Array`).
    Codes8(&'a [u8]),
    /// Codes 0..k − 1 into `arm_names` (JS `Uint32Array`).
    Codes32(&'a [u32]),
    /// Arm names (JS array of strings).
    Text(&'a [String]),
}

impl ArmColumn<'_> {
    fn len(&self) -> usize {
        match self {
            ArmColumn::Codes8(c) => c.len(),
            ArmColumn::Codes32(c) => c.len(),
            ArmColumn::Text(t) => t.len(),
        }
    }
}

/// The per-unit columns of [`experiment_from_units`] (JS `ExperimentUnits`); all of the same
/// length, one row per unit.
#[derive(Debug, Clone, Copy)]
pub struct UnitColumns<'a> {
    /// The arm of each unit.
    pub arm: ArmColumn<'a>,
    /// Names of the arms: required with codes, optional (fixes the order) with text.
    pub arm_names: Option<&'a [String]>,
    /// The metric per unit (the numerator of a ratio metric; 0 or 1 for a proportion).
    pub value: &'a [f64],
    /// The denominator per unit: makes the metric a ratio.
    pub denominator: Option<&'a [f64]>,
    /// The pre-period value per unit (CUPED covariate).
    pub pre: Option<&'a [f64]>,
}

/// Options of [`experiment_from_units`] (JS `ExperimentUnitsOptions`): those of
/// [`ExperimentOptions`] plus the metric kind and its name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ExperimentUnitsOptions {
    /// `"mean"` (default without `denominator`), `"proportion"` (every value 0 or 1) or
    /// `"ratio"` (default, and the only choice, with `denominator`).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub metric: Option<ExperimentMetric>,
    /// The metric's name in the summary sentence (default "the conversion rate", "the mean",
    /// "the ratio").
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub name: Option<String>,
    /// Significance level (default 0.05).
    pub alpha: f64,
    /// Effect scale (default relative).
    pub difference: Difference,
    /// Method (default frequentist).
    pub method: ExperimentMethod,
    /// Confidence sequences (default false).
    pub sequential: bool,
    /// N* of the confidence sequence (default 5000).
    pub sequential_tuning: f64,
    /// Gaussian prior (default flat).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub prior: Option<ExperimentPrior>,
    /// Correction across the comparisons (default none).
    pub correction: Correction,
    /// Baseline arm name (default the first arm).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub baseline: Option<String>,
    /// Intended traffic shares for the SRM check, in the arms' order (default equal).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub expected_weights: Option<Vec<f64>>,
    /// Units per day, all arms (for `daysToPower`).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub units_per_day: Option<f64>,
}

impl Default for ExperimentUnitsOptions {
    fn default() -> Self {
        let o = ExperimentOptions::default();
        ExperimentUnitsOptions {
            metric: None,
            name: None,
            alpha: o.alpha,
            difference: o.difference,
            method: o.method,
            sequential: o.sequential,
            sequential_tuning: o.sequential_tuning,
            prior: o.prior,
            correction: o.correction,
            baseline: o.baseline,
            expected_weights: o.expected_weights,
            units_per_day: o.units_per_day,
        }
    }
}

impl ExperimentUnitsOptions {
    /// The options of [`experiment`] these carry.
    pub fn experiment_options(&self) -> ExperimentOptions {
        ExperimentOptions {
            alpha: self.alpha,
            difference: self.difference,
            method: self.method,
            sequential: self.sequential,
            sequential_tuning: self.sequential_tuning,
            prior: self.prior,
            correction: self.correction,
            baseline: self.baseline.clone(),
            expected_weights: self.expected_weights.clone(),
            units_per_day: self.units_per_day,
        }
    }
}

/// One arm's sums: n, Σv, Σv², and of the second column w: Σw, Σw², Σv·w.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct UnitSums {
    /// Units.
    n: f64,
    /// Σ value.
    sum: f64,
    /// Σ value².
    sum_squares: f64,
    /// Σ w (denominator or pre-period value).
    w_sum: f64,
    /// Σ w².
    w_sum_squares: f64,
    /// Σ value·w.
    cross_sum: f64,
}

impl UnitSums {
    fn add(&mut self, o: &UnitSums) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_squares += o.sum_squares;
        self.w_sum += o.w_sum;
        self.w_sum_squares += o.w_sum_squares;
        self.cross_sum += o.cross_sum;
    }
}

/// Interleaved partial sums: rows i ≡ 0..3 (mod 4) go to lanes 0..3, so consecutive units of
/// the same arm do not wait on each other's additions.
const LANES: usize = 4;

/// Per-arm sums of `value` (and of `w` when given) for codes already checked to be below
/// `acc_len`; `acc_len` is at least the number of arms (and at least 256 for `u8` codes, so
/// that no index can be out of bounds).
fn accumulate<C: Copy>(
    codes: &[C],
    index: impl Fn(C) -> usize,
    acc_len: usize,
    value: &[f64],
    w: Option<&[f64]>,
) -> Vec<UnitSums> {
    let mut lanes = vec![[UnitSums::default(); LANES]; acc_len];
    let n = codes.len().min(value.len());
    let (codes, value) = (&codes[..n], &value[..n]);
    match w {
        None => {
            let mut cc = codes.chunks_exact(LANES);
            let mut vc = value.chunks_exact(LANES);
            for (c4, v4) in (&mut cc).zip(&mut vc) {
                for l in 0..LANES {
                    if let Some(a) = lanes.get_mut(index(c4[l])) {
                        let v = v4[l];
                        a[l].n += 1.0;
                        a[l].sum += v;
                        a[l].sum_squares += v * v;
                    }
                }
            }
            for (&c, &v) in cc.remainder().iter().zip(vc.remainder()) {
                if let Some(a) = lanes.get_mut(index(c)) {
                    a[0].n += 1.0;
                    a[0].sum += v;
                    a[0].sum_squares += v * v;
                }
            }
        }
        Some(w) => {
            let w = &w[..n.min(w.len())];
            let mut cc = codes.chunks_exact(LANES);
            let mut vc = value.chunks_exact(LANES);
            let mut wc = w.chunks_exact(LANES);
            for ((c4, v4), w4) in (&mut cc).zip(&mut vc).zip(&mut wc) {
                for l in 0..LANES {
                    if let Some(a) = lanes.get_mut(index(c4[l])) {
                        let (v, x) = (v4[l], w4[l]);
                        let s = &mut a[l];
                        s.n += 1.0;
                        s.sum += v;
                        s.sum_squares += v * v;
                        s.w_sum += x;
                        s.w_sum_squares += x * x;
                        s.cross_sum += v * x;
                    }
                }
            }
            for ((&c, &v), &x) in cc
                .remainder()
                .iter()
                .zip(vc.remainder())
                .zip(wc.remainder())
            {
                if let Some(a) = lanes.get_mut(index(c)) {
                    let s = &mut a[0];
                    s.n += 1.0;
                    s.sum += v;
                    s.sum_squares += v * v;
                    s.w_sum += x;
                    s.w_sum_squares += x * x;
                    s.cross_sum += v * x;
                }
            }
        }
    }
    lanes
        .iter()
        .map(|l| {
            let mut s = l[0];
            for x in &l[1..] {
                s.add(x);
            }
            s
        })
        .collect()
}

pub(super) fn out_of_range(column: &str, row: usize, message: String) -> Error {
    Error::OutOfRange {
        column: column.into(),
        row,
        message,
    }
}

fn bad(option: &str, message: impl Into<String>) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

fn check_length(column: &str, len: usize, expected: usize) -> Result<()> {
    if len != expected {
        return Err(Error::LengthMismatch {
            column: column.into(),
            actual: len,
            reference: "arm".into(),
            expected,
        });
    }
    Ok(())
}

/// `E_OUT_OF_RANGE` at the first value of `values` that is not 0 or 1.
fn check_binary(values: &[f64], column: &str) -> Result<()> {
    match first_failing(values, |v| v == 0.0 || v == 1.0) {
        None => Ok(()),
        Some(i) => Err(out_of_range(
            column,
            i + 1,
            format!(
                "{} is not 0 or 1: a proportion metric's values are 0 (did not convert) or 1 (converted)",
                values[i]
            ),
        )),
    }
}

/// Checks the arm names: at most [`MAX_ARMS`], none empty, none twice.
pub(super) fn check_names(names: &[String]) -> Result<()> {
    if names.len() > MAX_ARMS {
        return Err(Error::TooLarge {
            what: "armNames".into(),
            size: names.len(),
            limit: MAX_ARMS,
        });
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(Error::MissingValue {
                column: "armNames".into(),
                row: i + 1,
            });
        }
        if let Some(j) = seen.insert(n.as_str(), i) {
            return Err(out_of_range(
                "armNames",
                i + 1,
                format!("arm name '{n}' is also the name of arm {}", j + 1),
            ));
        }
    }
    Ok(())
}

/// The arms' names and each unit's arm code, from text arms.
pub(super) fn text_codes(
    text: &[String],
    names: Option<&[String]>,
) -> Result<(Vec<String>, Vec<u32>)> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    if let Some(names) = names {
        for (i, n) in names.iter().enumerate() {
            index.insert(n.as_str(), i as u32);
        }
        order = names.to_vec();
    }
    let mut codes = Vec::with_capacity(text.len());
    for (i, t) in text.iter().enumerate() {
        let row = i + 1;
        if let Some(&c) = index.get(t.as_str()) {
            codes.push(c);
            continue;
        }
        if t.is_empty() {
            return Err(Error::MissingValue {
                column: "arm".into(),
                row,
            });
        }
        if names.is_some() {
            return Err(out_of_range(
                "arm",
                row,
                format!(
                    "arm '{t}' is not in armNames ({})",
                    join_names(order.iter().map(|n| format!("'{n}'")))
                ),
            ));
        }
        if order.len() == MAX_ARMS {
            return Err(Error::TooLarge {
                what: "arms".into(),
                size: MAX_ARMS + 1,
                limit: MAX_ARMS,
            });
        }
        let c = order.len() as u32;
        index.insert(t.as_str(), c);
        order.push(t.clone());
        codes.push(c);
    }
    Ok((order, codes))
}

/// `E_OUT_OF_RANGE` at the first code that has no name.
pub(super) fn check_codes<C: Copy + Into<u64>>(codes: &[C], k: usize) -> Result<()> {
    match first_failing(codes, |c| c.into() < k as u64) {
        None => Ok(()),
        Some(i) => {
            let c: u64 = codes[i].into();
            Err(out_of_range(
                "arm",
                i + 1,
                format!(
                    "code {c} has no name: armNames has {k} names (codes 0 to {})",
                    k.saturating_sub(1)
                ),
            ))
        }
    }
}

/// Compares every arm with the baseline from one row per unit: the per-arm sums in one pass,
/// then [`experiment`] on them (see the module docs).
///
/// For arm j with units i: n_j, Σvalue, Σvalue² (mean: `sum`, `sumSquares`; proportion:
/// `conversions` = Σvalue), with `denominator` d also Σd, Σd², Σvalue·d (ratio:
/// `numeratorSum` … `crossSum`), with `pre` p also Σp, Σp², Σvalue·p (`preSum`,
/// `preSumSquares`, `preCrossSum`). Units are whatever the value column is in (currency, counts,
/// 0/1); the result is that of [`experiment`] on those sums, arms in the order of `arm_names`.
///
/// Errors: `E_LENGTH_MISMATCH` (a column of another length than `arm`), `E_EMPTY` (no units),
/// `E_MISSING_COLUMN` (codes without `arm_names`), `E_NON_FINITE` (NaN or ±Infinity in
/// `value`, `denominator` or `pre`, with its row), `E_OUT_OF_RANGE` (a value above 1e150 in
/// magnitude, a code with no name, a text arm not in `arm_names`, a value other than 0 or 1
/// for a proportion, a per-arm sum above 1e150, a duplicate name), `E_MISSING_VALUE` (an
/// empty arm name), `E_TOO_LARGE` (more than 1,000 arms), `E_BAD_OPTION` (a metric that does
/// not fit the columns, `pre` with a ratio, and every option error of [`experiment`]), and the
/// errors of [`experiment`] on the sums (`E_INSUFFICIENT_DATA` for one arm, an arm with fewer
/// than 2 units or no variance; `E_UNDEFINED` for a baseline mean of 0 with a relative
/// effect). The input is only read.
///
/// ```
/// use unimetric::experiment::{experiment_from_units, ArmColumn, UnitColumns, ExperimentUnitsOptions, Difference};
/// // Two arms of four units: A = [1, 2, 3, 4], B = [2, 4, 6, 8].
/// let names = vec!["A".to_string(), "B".to_string()];
/// let arm: Vec<u8> = vec![0, 1, 0, 1, 0, 1, 0, 1];
/// let value = vec![1.0, 2.0, 2.0, 4.0, 3.0, 6.0, 4.0, 8.0];
/// let units = UnitColumns {
///     arm: ArmColumn::Codes8(&arm), arm_names: Some(&names), value: &value,
///     denominator: None, pre: None,
/// };
/// let opts = ExperimentUnitsOptions { difference: Difference::Absolute, ..Default::default() };
/// let r = experiment_from_units(&units, &opts).unwrap();
/// let c = &r.comparisons[0];
/// // Means 2.5 and 5; variances 5/3 and 20/3: se² = 5/12 + 20/12; Welch df = 75/17.
/// assert!((c.estimate - 2.5).abs() < 1e-12);
/// assert!((c.std_error - (25.0f64 / 12.0).sqrt()).abs() < 1e-12);
/// assert!((c.df.unwrap() - 75.0 / 17.0).abs() < 1e-12);
/// ```
pub fn experiment_from_units(
    units: &UnitColumns<'_>,
    opts: &ExperimentUnitsOptions,
) -> Result<ExperimentResult> {
    let rows = units.arm.len();
    check_length("value", units.value.len(), rows)?;
    if let Some(d) = units.denominator {
        check_length("denominator", d.len(), rows)?;
    }
    if let Some(p) = units.pre {
        check_length("pre", p.len(), rows)?;
    }
    if rows == 0 {
        return Err(Error::Empty {
            what: "units".into(),
        });
    }
    let metric = match (opts.metric, units.denominator.is_some()) {
        (None, false) => ExperimentMetric::Mean,
        (None, true) | (Some(ExperimentMetric::Ratio), true) => ExperimentMetric::Ratio,
        (Some(ExperimentMetric::Ratio), false) => {
            return Err(bad(
                "metric",
                "a ratio metric needs a denominator column (value is the numerator)",
            ))
        }
        (Some(m), true) => {
            return Err(bad(
                "metric",
                format!(
                    "a denominator column makes a ratio metric, not a {} metric; leave metric out or set it to \"ratio\"",
                    m.as_str()
                ),
            ))
        }
        (Some(m), false) => m,
    };
    if metric == ExperimentMetric::Ratio && units.pre.is_some() {
        return Err(bad(
            "pre",
            "CUPED pre-period values apply to proportion and mean metrics, not to a ratio",
        ));
    }
    let xopts = opts.experiment_options();
    xopts.check()?;
    if let Some(names) = units.arm_names {
        check_names(names)?;
    }
    check_table(units.value, 1, |_| "value".into())?;
    let w = units.denominator.or(units.pre);
    let w_column = if units.denominator.is_some() {
        "denominator"
    } else {
        "pre"
    };
    if let Some(w) = w {
        check_table(w, 1, |_| w_column.into())?;
    }
    if metric == ExperimentMetric::Proportion {
        check_binary(units.value, "value")?;
        if let Some(p) = units.pre {
            check_binary(p, "pre")?;
        }
    }
    let (names, sums, codes): (Vec<String>, Vec<UnitSums>, Vec<u32>);
    match units.arm {
        ArmColumn::Codes8(c) => {
            let names_in = units.arm_names.ok_or_else(|| no_names(units))?;
            check_codes(c, names_in.len())?;
            sums = accumulate(c, usize::from, names_in.len().max(256), units.value, w);
            names = names_in.to_vec();
            codes = Vec::new();
        }
        ArmColumn::Codes32(c) => {
            let names_in = units.arm_names.ok_or_else(|| no_names(units))?;
            check_codes(c, names_in.len())?;
            sums = accumulate(c, |x| x as usize, names_in.len(), units.value, w);
            names = names_in.to_vec();
            codes = Vec::new();
        }
        ArmColumn::Text(t) => {
            let (n, c) = text_codes(t, units.arm_names)?;
            sums = accumulate(&c, |x| x as usize, n.len(), units.value, w);
            names = n;
            codes = c;
        }
    }
    // Every per-arm sum within the limit of `experiment`'s sums.
    for (j, s) in sums.iter().enumerate().take(names.len()) {
        let checks: [(&str, f64, Term); 5] = [
            ("value", s.sum, |v, _| v),
            ("value", s.sum_squares, |v, _| v * v),
            (w_column, s.w_sum, |_, x| x),
            (w_column, s.w_sum_squares, |_, x| x * x),
            ("value", s.cross_sum, |v, x| v * x),
        ];
        // The failing sum that passes the limit first, by row.
        let first = checks
            .into_iter()
            .filter(|(_, total, _)| total.abs() > MAX_MAGNITUDE || total.is_nan())
            .map(|(column, _, term)| (first_row_past_limit(units, &codes, j, w, term), column))
            .min();
        if let Some((row, column)) = first {
            return Err(out_of_range(
                column,
                row,
                format!(
                    "the sums of arm '{}' pass 1e150 in magnitude at this row, beyond which sums and squares overflow",
                    names[j]
                ),
            ));
        }
    }
    let arms = names
        .iter()
        .zip(&sums)
        .map(|(name, s)| arm(name, s, metric, units.pre.is_some()))
        .collect();
    let input = ExperimentInput {
        metric,
        name: opts.name.clone(),
        arms,
    };
    experiment(&input, &xopts)
}

fn no_names(units: &UnitColumns<'_>) -> Error {
    let mut available = vec!["'arm'", "'value'"];
    if units.denominator.is_some() {
        available.push("'denominator'");
    }
    if units.pre.is_some() {
        available.push("'pre'");
    }
    Error::MissingColumn {
        column: "armNames".into(),
        field: "armNames (the name of each arm code)".into(),
        available: join_names(available),
    }
}

/// One unit's term of a sum, from its value and its w.
type Term = fn(f64, f64) -> f64;

/// The 1-based row at which the running sum of `term` over arm `j`'s units passes 1e150 (only
/// on the error path).
fn first_row_past_limit(
    units: &UnitColumns<'_>,
    text_codes: &[u32],
    j: usize,
    w: Option<&[f64]>,
    term: Term,
) -> usize {
    let code = |i: usize| -> usize {
        match units.arm {
            ArmColumn::Codes8(c) => c.get(i).map_or(usize::MAX, |&x| x as usize),
            ArmColumn::Codes32(c) => c.get(i).map_or(usize::MAX, |&x| x as usize),
            ArmColumn::Text(_) => text_codes.get(i).map_or(usize::MAX, |&x| x as usize),
        }
    };
    let mut total = 0.0f64;
    for (i, &v) in units.value.iter().enumerate() {
        if code(i) != j {
            continue;
        }
        let x = w.and_then(|w| w.get(i)).copied().unwrap_or(0.0);
        total += term(v, x);
        if total.abs() > MAX_MAGNITUDE || total.is_nan() {
            return i + 1;
        }
    }
    0
}

/// The summary-statistics arm of `experiment` from one arm's sums.
fn arm(name: &str, s: &UnitSums, metric: ExperimentMetric, cuped: bool) -> ExperimentArm {
    let mut a = ExperimentArm {
        name: name.to_string(),
        n: s.n,
        ..Default::default()
    };
    match metric {
        ExperimentMetric::Proportion => a.conversions = Some(s.sum),
        ExperimentMetric::Mean => {
            a.sum = Some(s.sum);
            a.sum_squares = Some(s.sum_squares);
        }
        ExperimentMetric::Ratio => {
            a.numerator_sum = Some(s.sum);
            a.numerator_sum_squares = Some(s.sum_squares);
            a.denominator_sum = Some(s.w_sum);
            a.denominator_sum_squares = Some(s.w_sum_squares);
            a.cross_sum = Some(s.cross_sum);
        }
    }
    if cuped {
        a.pre_sum = Some(s.w_sum);
        a.pre_sum_squares = Some(s.w_sum_squares);
        a.pre_cross_sum = Some(s.cross_sum);
    }
    a
}
