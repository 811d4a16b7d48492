//! Calibration / holdout validation of the BG/NBD model (`ltv.holdout`): fit on the
//! transactions up to a calibration end, predict each customer's purchases in the holdout
//! window, and compare with what they actually bought.

use super::bgnbd::{BgNbdModel, BgNbdOptions};
use crate::data::dates::{default_week_start, OBSERVATION_END, TIMEZONE, WEEK_START};
use crate::data::{Calendar, ObservationEnd, Period, Transactions, When, Zone};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::summary::{CustomerSummary, SummaryOptions};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Definition of `ltv.holdout`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.holdout",
    version: "2.1.0",
    name: "BG/NBD calibration / holdout check",
    description: "Splits the transactions at calibrationEnd, fits BG/NBD on the calibration summary, and compares each customer's predicted repeat purchases over the holdout window with the purchases they actually made, per calibration-frequency bucket and in total, with per-customer error metrics. Customers first seen in the holdout window are not part of the check.",
    formula: "actual_i = purchase periods (periods with a transaction of amount ≥ 0, as in customer.summary) of customer i in periods after calibrationEnd's period up to observationEnd's period; predicted_i = E[Y(t)|x, t_x, T] of the calibration fit with t = holdout length in periods; MAE = mean |predicted − actual|; RMSE = √mean (predicted − actual)²; bias = mean (predicted − actual)",
    unit: "purchases per customer",
    parameters: &[
        ParameterDef::new("calibrationEnd", "required", "End of the calibration window: a date (the end of that local day), a date-time or epoch ms; its period belongs to calibration.").required(),
        OBSERVATION_END,
        PERIOD,
        FREQUENCY_BUCKETS,
        TIMEZONE,
        WEEK_START,
    ],
    inputs: "Transactions (customer id, timestamp, amount) spanning both windows.",
    depends_on: &["customer.summary", "ltv.bgnbd"],
};

/// Options of [`calibration_holdout`]; JS `HoldoutOptions` (`calibrationEnd` is required).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HoldoutOptions {
    /// End of the calibration window (a bare date is the end of that local day).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateInput"))]
    pub calibration_end: When,
    /// End of the holdout window (default `"lastTransaction"`), see [`ObservationEnd`].
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "DateInput | \"lastTransaction\"")
    )]
    pub observation_end: ObservationEnd,
    /// IANA time zone of the periods (default: the transactions' zone).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// ISO weekday weeks start on, 1 = Monday … 7 = Sunday (default 1).
    #[serde(default = "default_week_start")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub week_start: u8,
    /// Period (default week).
    #[serde(default = "default_period")]
    pub period: Period,
    /// Number of frequency buckets (1–100; default 7).
    #[serde(default = "default_buckets")]
    pub frequency_buckets: u32,
    /// Options of the BG/NBD fit.
    #[serde(skip)]
    pub fit: BgNbdOptions,
}

/// Parameter `period`.
pub const PERIOD: ParameterDef = ParameterDef::new(
    "period",
    "\"week\"",
    "Period of the summary and of the holdout length (day, week, month, quarter).",
)
.text("week")
.one_of(crate::data::Period::NAMES);
/// Parameter `frequencyBuckets`.
pub const FREQUENCY_BUCKETS: ParameterDef = ParameterDef::new(
    "frequencyBuckets",
    "7",
    "Buckets of calibration frequency: 0, 1, …, n−1 and n or more.",
)
.number(7.0)
.range(1.0, 100.0)
.whole();

fn default_period() -> Period {
    Period::parse(const { PERIOD.default_text() }).unwrap_or(Period::Week)
}

fn default_buckets() -> u32 {
    (const { FREQUENCY_BUCKETS.default_number() }) as u32
}

impl HoldoutOptions {
    /// Options with `calibration_end` and every default.
    pub fn new(calibration_end: i64) -> Self {
        HoldoutOptions {
            calibration_end: When::Instant(calibration_end),
            observation_end: ObservationEnd::LastTransaction,
            timezone: None,
            week_start: default_week_start(),
            period: default_period(),
            frequency_buckets: default_buckets(),
            fit: BgNbdOptions::default(),
        }
    }
}

/// One calibration-frequency bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct HoldoutBucket {
    /// Smallest calibration frequency in the bucket.
    pub frequency: u32,
    /// True for the last, open-ended bucket (`frequency` or more).
    pub open_ended: bool,
    /// Customers in the bucket.
    pub customers: usize,
    /// Mean actual holdout purchases.
    pub actual: f64,
    /// Mean predicted holdout purchases.
    pub predicted: f64,
}

/// Result of [`calibration_holdout`]. Its serialised form (JS `HoldoutResult`) has the
/// calibration summary's `customerId` and `frequency` columns in place of `calibration`; the
/// binding adds the fitted `model`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct HoldoutResult {
    /// The model fitted on the calibration window.
    #[serde(skip)]
    pub model: BgNbdModel,
    /// The calibration summary (rows align with `actual` and `predicted`).
    #[serde(skip)]
    pub calibration: CustomerSummary,
    /// Customer ids of the calibration summary.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array | string[]"))]
    pub customer_id: crate::data::CustomerKeys,
    /// Calibration frequency per customer.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub frequency: Vec<f64>,
    /// Holdout length in periods.
    pub holdout_periods: f64,
    /// Actual holdout purchases per customer.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub actual: Vec<f64>,
    /// Predicted holdout purchases per customer.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub predicted: Vec<f64>,
    /// Buckets by calibration frequency (empty buckets included, with 0 customers).
    pub buckets: Vec<HoldoutBucket>,
    /// Σ actual.
    pub total_actual: f64,
    /// Σ predicted.
    pub total_predicted: f64,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Root mean squared error per customer.
    pub rmse: f64,
    /// Mean (predicted − actual).
    pub bias: f64,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// The calibration summary, each of its customers' actual holdout purchases (aligned with its
/// rows), the holdout length in periods and the observation end used. The first half of
/// [`calibration_holdout`], without the fit.
pub fn holdout_purchases(
    tx: &Transactions,
    opts: &HoldoutOptions,
) -> Result<(CustomerSummary, Vec<f64>, f64, i64)> {
    let cal = Calendar::for_call(opts.timezone.as_ref(), tx, opts.week_start)?;
    let end = opts
        .observation_end
        .resolve_checked(&cal, || tx.time_range().1, "observationEnd")?;
    let calibration_end =
        ObservationEnd::At(opts.calibration_end).resolve_checked(&cal, || end, "calibrationEnd")?;
    let period = opts.period;
    let (cal_p, end_p) = (cal.index(period, calibration_end), cal.index(period, end));
    if cal_p >= end_p {
        return Err(Error::BadOption {
            option: "calibrationEnd".into(),
            message: format!(
                "must fall in an earlier {} than observationEnd so that the holdout window is not empty",
                period.as_str()
            ),
        });
    }
    let calibration = CustomerSummary::from_transactions(
        tx,
        &SummaryOptions {
            period,
            observation_end: ObservationEnd::at(calibration_end),
            timezone: Some(cal.zone().clone()),
            week_start: cal.week_start(),
        },
    )?;
    // Holdout purchase periods per transaction customer: (customer, local period) pairs with a
    // purchase (`summary::is_purchase`, the purchase rule of customer.summary).
    let mut periods: Vec<(u32, i64)> = (0..tx.len())
        .filter(|&r| crate::summary::is_purchase(tx.amount[r]))
        .map(|r| (tx.customer[r], cal.index(period, tx.timestamp[r])))
        .filter(|&(_, p)| p > cal_p && p <= end_p)
        .collect();
    periods.sort_unstable();
    periods.dedup();
    let mut holdout = vec![0.0; tx.customer_count()];
    for (c, _) in &periods {
        if let Some(h) = holdout.get_mut(*c as usize) {
            *h += 1.0;
        }
    }
    let index: FxHashMap<String, usize> = (0..tx.customer_count())
        .map(|i| (tx.keys.key_text(i), i))
        .collect();
    let actual: Vec<f64> = (0..calibration.len())
        .map(|i| {
            index
                .get(&calibration.customer_id.key_text(i))
                .and_then(|&c| holdout.get(c))
                .copied()
                .unwrap_or(0.0)
        })
        .collect();
    Ok((calibration, actual, (end_p - cal_p) as f64, end))
}

/// Runs the calibration / holdout check (see [`DEFINITION`]).
///
/// Errors: `E_BAD_OPTION` when `calibrationEnd` is not before `observationEnd`'s period or
/// `frequencyBuckets` is out of range; the errors of the summary and of the BG/NBD fit.
pub fn calibration_holdout(tx: &Transactions, opts: &HoldoutOptions) -> Result<HoldoutResult> {
    FREQUENCY_BUCKETS.check_count(f64::from(opts.frequency_buckets))?;
    let (calibration, actual, t, end) = holdout_purchases(tx, opts)?;
    let model = BgNbdModel::fit(&calibration, &opts.fit)?;
    let predicted = model.expected_purchases(&calibration, t)?;
    let nb = opts.frequency_buckets as usize;
    let mut sums = vec![(0usize, 0.0, 0.0); nb];
    let (mut abs, mut sq, mut diff) = (0.0, 0.0, 0.0);
    for i in 0..calibration.len() {
        let k = (calibration.frequency[i] as usize).min(nb - 1);
        if let Some(b) = sums.get_mut(k) {
            b.0 += 1;
            b.1 += actual[i];
            b.2 += predicted[i];
        }
        let d = predicted[i] - actual[i];
        abs += d.abs();
        sq += d * d;
        diff += d;
    }
    let n = calibration.len() as f64;
    let buckets = sums
        .iter()
        .enumerate()
        .map(|(k, &(c, a, p))| HoldoutBucket {
            frequency: k as u32,
            open_ended: k == nb - 1,
            customers: c,
            actual: if c > 0 { a / c as f64 } else { 0.0 },
            predicted: if c > 0 { p / c as f64 } else { 0.0 },
        })
        .collect();
    Ok(HoldoutResult {
        customer_id: calibration.customer_id.clone(),
        frequency: calibration.frequency.clone(),
        holdout_periods: t,
        total_actual: actual.iter().sum(),
        total_predicted: predicted.iter().sum(),
        mae: abs / n,
        rmse: f64::sqrt(sq / n),
        bias: diff / n,
        definition: DefinitionRef::new(&DEFINITION)
            .with(
                "calibrationEnd",
                ParamValue::Number(calibration.observation_end.unwrap_or(0) as f64),
            )
            .with("observationEnd", ParamValue::Number(end as f64))
            .with("period", ParamValue::Text(opts.period.as_str().into()))
            .with(
                "frequencyBuckets",
                ParamValue::Number(opts.frequency_buckets as f64),
            )
            .with(
                "timezone",
                ParamValue::Text(
                    calibration
                        .calendar
                        .as_ref()
                        .map_or("UTC", |c| c.zone().name())
                        .into(),
                ),
            ),
        model,
        calibration,
        actual,
        predicted,
        buckets,
    })
}
