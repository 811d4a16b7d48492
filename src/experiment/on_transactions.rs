//! Experiments on the library's own metrics: assignments and transactions → per-unit values in
//! a window after each unit's assignment → [`experiment_from_units`].
//!
//! # Conventions
//!
//! - **Units.** One row of `assignments` per unit: its id (matched with the transactions'
//!   customer ids; a numeric id and its decimal text are the same id), its arm and the time it
//!   was assigned (epoch ms). An id may appear once. A unit with no transactions is kept and
//!   contributes 0 (no conversion, no orders, no revenue).
//! - **Window.** Each unit's window is [assignedAt, assignedAt + windowDays × 86,400,000 ms):
//!   a transaction exactly at `assignedAt` counts, one exactly at the window's end does not.
//! - **Fully observed units only.** A unit whose window ends after the last transaction's time
//!   (assignedAt + window > the table's latest timestamp) is left out and counted in
//!   `excludedUnits`, so no unit enters with half a window.
//! - **Metrics** (the purchase rule of `customer.summary`: a transaction with amount ≥ 0 is a
//!   purchase, $0.00 orders included; refunds are negative amounts):
//!   `experiment.conversion` — 1 when the window holds a purchase, else 0 (proportion);
//!   `experiment.orders_per_unit` — purchases in the window, counted as `orders.count` counts
//!   (distinct order ids among purchase rows, or purchase rows without an order id column)
//!   (mean); `experiment.revenue_per_unit` — net amount in the window, refunds subtracted
//!   (mean); `experiment.aov` — Σ net revenue ÷ Σ orders per arm (ratio, the delta method;
//!   units with no orders add 0 to the denominator and their net revenue, if any, to the
//!   numerator).
//! - **Statistics.** Exactly those of [`experiment_from_units`] on the per-unit values: the
//!   result's `definition` is the test's definition (`experiment.frequentist`, `.sequential`
//!   or `.bayesian`), and `metricDefinition` the metric's (with `windowDays`).

use super::units::{check_codes, check_names, out_of_range, text_codes};
use super::{
    experiment_from_units, ArmColumn, Correction, Difference, ExperimentArmResult,
    ExperimentComparison, ExperimentMethod, ExperimentMetric, ExperimentPrior, ExperimentSrm,
    ExperimentUnitsOptions, UnitColumns,
};
use crate::data::dates::parse_epoch_ms;
use crate::data::{CustomerKeys, IdColumn, Transactions};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::summary::is_purchase;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// Parameter `windowDays`.
pub const WINDOW_DAYS: ParameterDef = ParameterDef::new(
    "windowDays",
    "14",
    "Days after each unit's assignment in which its transactions count: [assignedAt, assignedAt + windowDays days).",
)
.number(14.0)
.range(1.0, 3650.0)
.whole();

const TX_INPUTS: &str = "Assignments (unit id matching the transactions' customer ids, arm, assignedAt) and transactions (customer id, timestamp, amount; optional order id). Units whose window ends after the last transaction are left out and counted.";

/// Definition of `experiment.conversion`.
pub const CONVERSION: Definition = Definition {
    id: "experiment.conversion",
    version: "1.0.0",
    name: "Experiment metric: conversion",
    description: "Share of units with at least one purchase (a transaction with amount ≥ 0, $0.00 orders included) in the window after their assignment, compared across arms as a proportion.",
    formula: "per unit: 1 if any transaction with amount ≥ 0 has assignedAt ≤ t < assignedAt + windowDays·86,400,000 ms, else 0; per arm: conversions ÷ n; units with assignedAt + window > last transaction time left out",
    unit: "fraction (0–1)",
    parameters: &[WINDOW_DAYS],
    inputs: TX_INPUTS,
    depends_on: &["customer.summary", "experiment.frequentist"],
};

/// Definition of `experiment.orders_per_unit`.
pub const ORDERS_PER_UNIT: Definition = Definition {
    id: "experiment.orders_per_unit",
    version: "1.0.0",
    name: "Experiment metric: orders per unit",
    description: "Orders per unit in the window after assignment (distinct order ids among purchases, or purchase rows without an order id column, as orders.count counts), compared across arms as a mean.",
    formula: "per unit: distinct order ids (or rows) with amount ≥ 0 and assignedAt ≤ t < assignedAt + windowDays days; per arm: mean over units (0 for units without transactions)",
    unit: "orders per unit",
    parameters: &[WINDOW_DAYS],
    inputs: TX_INPUTS,
    depends_on: &["orders.count", "experiment.frequentist"],
};

/// Definition of `experiment.revenue_per_unit`.
pub const REVENUE_PER_UNIT: Definition = Definition {
    id: "experiment.revenue_per_unit",
    version: "1.0.0",
    name: "Experiment metric: revenue per unit",
    description: "Net revenue per unit (refunds subtracted) in the window after assignment, compared across arms as a mean.",
    formula: "per unit: Σ amount over transactions with assignedAt ≤ t < assignedAt + windowDays days; per arm: mean over units (0 for units without transactions)",
    unit: "currency per unit",
    parameters: &[WINDOW_DAYS],
    inputs: TX_INPUTS,
    depends_on: &["revenue.net", "experiment.frequentist"],
};

/// Definition of `experiment.aov`.
pub const AOV: Definition = Definition {
    id: "experiment.aov",
    version: "1.0.0",
    name: "Experiment metric: average order value",
    description: "Net revenue per order in the window after assignment, compared across arms as a ratio metric (delta method); units without orders add 0 to the orders and their net revenue to the revenue.",
    formula: "per arm: Σ_units net revenue in window ÷ Σ_units orders in window (orders as in experiment.orders_per_unit); variance by the delta method with the covariance term",
    unit: "currency per order",
    parameters: &[WINDOW_DAYS],
    inputs: TX_INPUTS,
    depends_on: &["orders.aov", "experiment.frequentist"],
};

/// The metric computed per unit from the transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum TransactionMetric {
    /// `experiment.conversion`.
    #[serde(rename = "experiment.conversion")]
    Conversion,
    /// `experiment.orders_per_unit`.
    #[serde(rename = "experiment.orders_per_unit")]
    OrdersPerUnit,
    /// `experiment.revenue_per_unit`.
    #[serde(rename = "experiment.revenue_per_unit")]
    RevenuePerUnit,
    /// `experiment.aov`.
    #[serde(rename = "experiment.aov")]
    Aov,
}

impl TransactionMetric {
    /// The metric's definition.
    pub fn definition(self) -> &'static Definition {
        match self {
            TransactionMetric::Conversion => &CONVERSION,
            TransactionMetric::OrdersPerUnit => &ORDERS_PER_UNIT,
            TransactionMetric::RevenuePerUnit => &REVENUE_PER_UNIT,
            TransactionMetric::Aov => &AOV,
        }
    }

    fn default_name(self) -> &'static str {
        match self {
            TransactionMetric::Conversion => "the conversion rate",
            TransactionMetric::OrdersPerUnit => "orders per unit",
            TransactionMetric::RevenuePerUnit => "revenue per unit",
            TransactionMetric::Aov => "the average order value",
        }
    }
}

/// The assignments of [`experiment_on_transactions`] (JS `ExperimentAssignments`): one row per
/// unit, every column of one length.
#[derive(Debug, Clone, Copy)]
pub struct Assignments<'a> {
    /// Each unit's id, matched with the transactions' customer ids.
    pub unit_id: IdColumn<'a>,
    /// Each unit's arm.
    pub arm: ArmColumn<'a>,
    /// Names of the arms: required with codes, optional (fixes the order) with text.
    pub arm_names: Option<&'a [String]>,
    /// Assignment time per unit (epoch ms).
    pub assigned_at: &'a [f64],
}

/// Options of [`experiment_on_transactions`] (JS `ExperimentOnTransactionsOptions`): the metric,
/// the window and every option of `experiment`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ExperimentOnTransactionsOptions {
    /// The metric (required): `"experiment.conversion"`, `"experiment.orders_per_unit"`,
    /// `"experiment.revenue_per_unit"` or `"experiment.aov"`.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub metric: Option<TransactionMetric>,
    /// Days after assignment in which transactions count (whole, 1–3650; default 14).
    pub window_days: f64,
    /// The metric's name in the summary sentence (default per metric, e.g. "the conversion rate").
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

impl Default for ExperimentOnTransactionsOptions {
    fn default() -> Self {
        let o = ExperimentUnitsOptions::default();
        ExperimentOnTransactionsOptions {
            metric: None,
            window_days: const { WINDOW_DAYS.default_number() },
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

/// The result of [`experiment_on_transactions`] (JS `ExperimentOnTransactionsResult`): that of
/// `experiment` plus the metric's definition and the units left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentOnTransactionsResult {
    /// The metric's name as used in the summaries.
    pub name: String,
    /// Every arm (units kept), in the arms' order.
    pub arms: Vec<ExperimentArmResult>,
    /// One per non-baseline arm.
    pub comparisons: Vec<ExperimentComparison>,
    /// The traffic-split check (units kept).
    pub srm: ExperimentSrm,
    /// The test's definition (`experiment.frequentist`, `.sequential` or `.bayesian`).
    pub definition: DefinitionRef,
    /// The metric's definition (`experiment.conversion` …) with `windowDays`.
    pub metric_definition: DefinitionRef,
    /// Units left out because their window ends after the last transaction's time.
    pub excluded_units: usize,
    /// Units kept (Σ n over the arms).
    pub included_units: usize,
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
            reference: "unitId".into(),
            expected,
        });
    }
    Ok(())
}

/// Each unit's customer index in `keys` (`None`: no transactions), refusing a duplicate id.
fn customer_of_units(ids: IdColumn<'_>, keys: &CustomerKeys) -> Result<Vec<Option<u32>>> {
    let duplicate = |row: usize, first: usize, id: String| {
        out_of_range(
            "unitId",
            row,
            format!("unit '{id}' is also at row {first}: each unit is assigned once"),
        )
    };
    match ids {
        IdColumn::Numeric(ids) => {
            let mut seen: HashMap<u32, usize> =
                HashMap::with_capacity_and_hasher(ids.len(), Default::default());
            for (i, &id) in ids.iter().enumerate() {
                if let Some(j) = seen.insert(id, i) {
                    return Err(duplicate(i + 1, j + 1, id.to_string()));
                }
            }
            Ok(match keys {
                CustomerKeys::Numeric(k) => {
                    let index: HashMap<u32, u32> =
                        k.iter().enumerate().map(|(c, &x)| (x, c as u32)).collect();
                    ids.iter().map(|id| index.get(id).copied()).collect()
                }
                CustomerKeys::Text(k) => {
                    let index: HashMap<&str, u32> = k
                        .iter()
                        .enumerate()
                        .map(|(c, x)| (x.as_str(), c as u32))
                        .collect();
                    ids.iter()
                        .map(|id| index.get(id.to_string().as_str()).copied())
                        .collect()
                }
            })
        }
        IdColumn::Text(ids) => {
            let mut seen: HashMap<&str, usize> =
                HashMap::with_capacity_and_hasher(ids.len(), Default::default());
            for (i, id) in ids.iter().enumerate() {
                if id.is_empty() {
                    return Err(Error::MissingValue {
                        column: "unitId".into(),
                        row: i + 1,
                    });
                }
                if let Some(j) = seen.insert(id.as_str(), i) {
                    return Err(duplicate(i + 1, j + 1, id.clone()));
                }
            }
            Ok(match keys {
                CustomerKeys::Text(k) => {
                    let index: HashMap<&str, u32> = k
                        .iter()
                        .enumerate()
                        .map(|(c, x)| (x.as_str(), c as u32))
                        .collect();
                    ids.iter()
                        .map(|id| index.get(id.as_str()).copied())
                        .collect()
                }
                CustomerKeys::Numeric(k) => {
                    let index: HashMap<u32, u32> =
                        k.iter().enumerate().map(|(c, &x)| (x, c as u32)).collect();
                    ids.iter()
                        .map(|id| {
                            // Only the canonical decimal text of a number is that number.
                            id.parse::<u32>()
                                .ok()
                                .filter(|x| x.to_string() == *id)
                                .and_then(|x| index.get(&x).copied())
                        })
                        .collect()
                }
            })
        }
    }
}

/// Compares every arm with the baseline on a metric computed from the transactions in a window
/// after each unit's assignment (see the module docs): per-unit values in one pass over each
/// assigned customer's rows, then [`experiment_from_units`] on them.
///
/// Errors: `E_BAD_OPTION` (no `metric`, `windowDays` not a whole number of days in 1–3650, and
/// every option error of `experiment`), `E_LENGTH_MISMATCH` (`arm` or `assignedAt` of another
/// length than `unitId`), `E_EMPTY` (no assignments), `E_OUT_OF_RANGE` (a duplicate unit id, an
/// arm code with no name, a text arm not in `armNames`), `E_BAD_DATE` (an assignment time
/// outside the accepted years), `E_NON_FINITE` (NaN or ±Infinity in `assignedAt`),
/// `E_MISSING_VALUE` (an empty unit id or arm), `E_MISSING_COLUMN` (codes without `armNames`),
/// `E_INSUFFICIENT_DATA` (every unit's window ends after the data), and the errors of
/// [`experiment_from_units`] on the kept units (an arm with fewer than 2 units or no variance).
pub fn experiment_on_transactions(
    assignments: &Assignments<'_>,
    tx: &Transactions,
    opts: &ExperimentOnTransactionsOptions,
) -> Result<ExperimentOnTransactionsResult> {
    let metric = opts.metric.ok_or_else(|| {
        bad(
            "metric",
            "required: \"experiment.conversion\", \"experiment.orders_per_unit\", \"experiment.revenue_per_unit\" or \"experiment.aov\"",
        )
    })?;
    let w = opts.window_days;
    if !(w.is_finite() && w.fract() == 0.0 && (1.0..=3650.0).contains(&w)) {
        return Err(bad(
            "windowDays",
            format!("{w} is not a whole number of days from 1 to 3650"),
        ));
    }
    let window = w as i64 * DAY_MS;
    let rows = match assignments.unit_id {
        IdColumn::Numeric(v) => v.len(),
        IdColumn::Text(v) => v.len(),
    };
    let arm_len = match assignments.arm {
        ArmColumn::Codes8(c) => c.len(),
        ArmColumn::Codes32(c) => c.len(),
        ArmColumn::Text(t) => t.len(),
    };
    check_length("arm", arm_len, rows)?;
    check_length("assignedAt", assignments.assigned_at.len(), rows)?;
    if rows == 0 {
        return Err(Error::Empty {
            what: "assignments".into(),
        });
    }
    let unit_opts = ExperimentUnitsOptions {
        metric: Some(match metric {
            TransactionMetric::Conversion => ExperimentMetric::Proportion,
            TransactionMetric::OrdersPerUnit | TransactionMetric::RevenuePerUnit => {
                ExperimentMetric::Mean
            }
            TransactionMetric::Aov => ExperimentMetric::Ratio,
        }),
        name: Some(
            opts.name
                .clone()
                .unwrap_or_else(|| metric.default_name().to_string()),
        ),
        alpha: opts.alpha,
        difference: opts.difference,
        method: opts.method,
        sequential: opts.sequential,
        sequential_tuning: opts.sequential_tuning,
        prior: opts.prior,
        correction: opts.correction,
        baseline: opts.baseline.clone(),
        expected_weights: opts.expected_weights.clone(),
        units_per_day: opts.units_per_day,
    };
    unit_opts.experiment_options().check()?;
    // Arms, checked over every assignment (rows as given).
    if let Some(names) = assignments.arm_names {
        check_names(names)?;
    }
    let no_names = || Error::MissingColumn {
        column: "armNames".into(),
        field: "armNames (the name of each arm code)".into(),
        available: "'unitId', 'arm', 'assignedAt'".into(),
    };
    let (names, codes): (Vec<String>, Vec<u32>) = match assignments.arm {
        ArmColumn::Codes8(c) => {
            let names = assignments.arm_names.ok_or_else(no_names)?;
            check_codes(c, names.len())?;
            (names.to_vec(), c.iter().map(|&x| x as u32).collect())
        }
        ArmColumn::Codes32(c) => {
            let names = assignments.arm_names.ok_or_else(no_names)?;
            check_codes(c, names.len())?;
            (names.to_vec(), c.to_vec())
        }
        ArmColumn::Text(t) => text_codes(t, assignments.arm_names)?,
    };
    let mut assigned = Vec::with_capacity(rows);
    for (i, &a) in assignments.assigned_at.iter().enumerate() {
        assigned.push(parse_epoch_ms(a, "assignedAt", i + 1)?);
    }
    let customer = customer_of_units(assignments.unit_id, &tx.keys)?;

    // Each customer's rows, in row order (a counting sort by customer index).
    let m = tx.customer_count();
    let mut start = vec![0usize; m + 1];
    for &c in &tx.customer {
        start[c as usize + 1] += 1;
    }
    for c in 0..m {
        start[c + 1] += start[c];
    }
    let mut next = start.clone();
    let mut by_customer = vec![0u32; tx.customer.len()];
    for (r, &c) in tx.customer.iter().enumerate() {
        by_customer[next[c as usize]] = r as u32;
        next[c as usize] += 1;
    }

    let last = tx.time_range().1;
    let (mut kept_codes, mut value, mut orders_col) = (Vec::new(), Vec::new(), Vec::new());
    let mut excluded = 0usize;
    let mut order_scratch: Vec<u32> = Vec::new();
    for i in 0..rows {
        let a = assigned[i];
        if a + window > last {
            excluded += 1;
            continue;
        }
        let (mut purchased, mut purchase_rows, mut revenue) = (false, 0u32, 0.0f64);
        order_scratch.clear();
        if let Some(c) = customer[i] {
            let c = c as usize;
            for &r in &by_customer[start[c]..start[c + 1]] {
                let r = r as usize;
                let t = tx.timestamp[r];
                if t < a || t >= a + window {
                    continue;
                }
                let amount = tx.amount[r];
                revenue += amount;
                if is_purchase(amount) {
                    purchased = true;
                    purchase_rows += 1;
                    if let Some(o) = &tx.order {
                        order_scratch.push(o[r]);
                    }
                }
            }
        }
        let orders = if tx.order.is_some() {
            order_scratch.sort_unstable();
            order_scratch.dedup();
            order_scratch.len() as f64
        } else {
            purchase_rows as f64
        };
        kept_codes.push(codes[i]);
        match metric {
            TransactionMetric::Conversion => value.push(if purchased { 1.0 } else { 0.0 }),
            TransactionMetric::OrdersPerUnit => value.push(orders),
            TransactionMetric::RevenuePerUnit => value.push(revenue),
            TransactionMetric::Aov => {
                value.push(revenue);
                orders_col.push(orders);
            }
        }
    }
    if kept_codes.is_empty() {
        return Err(Error::InsufficientData {
            message: format!(
                "every one of the {excluded} units' windows ({w} days) ends after the last transaction, so no unit is fully observed; shorten windowDays or add later transactions"
            ),
        });
    }
    let units = UnitColumns {
        arm: ArmColumn::Codes32(&kept_codes),
        arm_names: Some(&names),
        value: &value,
        denominator: (metric == TransactionMetric::Aov).then_some(orders_col.as_slice()),
        pre: None,
    };
    let r = experiment_from_units(&units, &unit_opts)?;
    let included = kept_codes.len();
    Ok(ExperimentOnTransactionsResult {
        name: r.name,
        arms: r.arms,
        comparisons: r.comparisons,
        srm: r.srm,
        definition: r.definition,
        metric_definition: DefinitionRef::new(metric.definition())
            .with("windowDays", ParamValue::Number(w)),
        excluded_units: excluded,
        included_units: included,
    })
}
