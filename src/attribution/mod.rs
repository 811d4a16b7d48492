//! Attribution: which channels get the credit for conversions — last click, the heuristics,
//! an exact Markov model and Shapley values, side by side on the same [`Journeys`].
//!
//! # Models (`attribution(journeys, { models })`)
//!
//! Each model splits every conversion (and its value) over the touches of its path; a channel's
//! credit is the sum over paths of conversions × its weight in the path.
//!
//! - `firstTouch`, `lastTouch`: all of it to the first (last) touch.
//! - `lastNonDirect`: all of it to the last touch whose channel is not `directChannel`
//!   (compared without regard to case); to the last touch when every touch is direct.
//! - `linear`: 1/m to each of the path's m touches (a channel touched twice gets 2/m).
//! - `timeDecay`: touch i gets 2^(−age_i/halfLifeDays) over the path's sum, age_i the days from
//!   the touch to the conversion; needs touch times (journeys from events or transactions).
//! - `positionBased`: `positionWeights` [first, middle, last] (default 0.4, 0.2, 0.4): one touch
//!   gets everything; two touches split first : last in proportion (0.5 / 0.5 by default); from
//!   three touches the first and last get their weights and the middle touches share theirs.
//! - `markov`: removal effects of an exact order-`order` Markov chain (see [`markov`]):
//!   conversions × RE_c / Σ RE; value likewise with the value chain's effects.
//! - `shapley`: the Shapley value of the cooperative game whose worth of a coalition S of
//!   channels is the conversions of the paths that touched only channels in S,
//!   v(S) = Σ_{T ⊆ S} r(T) with r(T) the conversions of paths whose set of channels is T
//!   (Zhao et al. 2018, "Shapley value methods for attribution modeling in online advertising",
//!   the simplified Shapley value): φ_j = Σ_{S ⊆ N∖{j}} |S|!(n − |S| − 1)!/n! · (v(S ∪ {j}) −
//!   v(S)), summed over all 2ⁿ coalitions; exact up to [`MAX_SHAPLEY_CHANNELS`] channels. Value
//!   likewise.
//!
//! # Per-conversion credit
//!
//! With `credits: true` each model also returns its credit per path and channel: the
//! conversion time, journey index, channel index, conversions credited and value credited. For
//! Markov the path's conversions are split over its distinct channels in proportion to their
//! removal effects (equally when they are all 0), so the credits of a channel sum to its share of
//! the conversions *that touched it*, not to the global `conversions`; for every other model the
//! credits sum to `conversions` exactly. CAC by attributed channel buckets these credits by
//! period.

pub mod journeys;
pub mod markov;
pub mod touchpoints;

pub use journeys::{
    ConversionColumns, JourneyMapping, JourneyPaths, Journeys, JourneysFromTransactionsOptions,
    PathOptions, Purchases, TouchColumns, Unattributed,
};
pub use markov::MarkovReport;
pub use touchpoints::{CustomerIds, TouchpointMapping, TouchpointTable};

/// Short name of [`AttributionModel`].
pub type Model = AttributionModel;

use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most channels (appearing in converting paths) the Shapley model accepts: 2¹⁵ coalitions.
pub const MAX_SHAPLEY_CHANNELS: usize = 15;

// ----------------------------------------------------------------------------------- parameters

/// Parameter `directChannel`.
pub const DIRECT_CHANNEL: ParameterDef = ParameterDef::new(
    "directChannel",
    "\"direct\"",
    "Name of the channel that last non-direct attribution passes over (compared without regard to case).",
)
.text("direct");
/// Parameter `halfLifeDays`.
pub const HALF_LIFE_DAYS: ParameterDef = ParameterDef::new(
    "halfLifeDays",
    "7",
    "Days after which a touch's weight halves in time-decay attribution.",
)
.number(7.0)
.above(0.0)
.at_most(3650.0);
/// Parameter `positionWeights`.
pub const POSITION_WEIGHTS: ParameterDef = ParameterDef::new(
    "positionWeights",
    "[0.4, 0.2, 0.4]",
    "Weights of the first touch, the middle touches (shared) and the last touch in position-based attribution (non-negative, normalised).",
);
/// Parameter `order`.
pub const ORDER: ParameterDef = ParameterDef::new(
    "order",
    "1",
    "Order of the Markov chain: how many of the last channels a state remembers.",
)
.number(1.0)
.range(1.0, 4.0)
.whole();
/// Parameter `collapseRepeats`.
pub const COLLAPSE_REPEATS: ParameterDef = ParameterDef::new(
    "collapseRepeats",
    "false",
    "Merge consecutive touches of the same channel into one Markov state visit (ChannelAttribution keeps them).",
)
.flag(false);

const INPUTS: &str = "Journeys: touchpoints (journey id, time, channel) with conversions (journey id, time, value), aggregated paths with conversions, value and non-converting counts, or touchpoints with the library's transactions (purchases as conversions within a lookback window).";

const UNIT: &str = "conversions and conversion value (currency) per channel; share 0–1";

macro_rules! heuristic {
    ($name:ident, $id:literal, $title:literal, $description:literal, $formula:literal, $params:expr) => {
        #[doc = concat!("Definition of `", $id, "`.")]
        pub const $name: Definition = Definition {
            id: $id,
            version: "1.0.0",
            name: $title,
            description: $description,
            formula: $formula,
            unit: UNIT,
            parameters: $params,
            inputs: INPUTS,
            depends_on: &[],
        };
    };
}

heuristic!(
    FIRST_TOUCH,
    "attribution.first_touch",
    "Attribution: first touch",
    "AttributionCredits each conversion to the first channel of its path: the channel that introduced the customer.",
    "credit_c = Σ_paths conversions · [first touch = c]; value likewise",
    &[]
);
heuristic!(
    LAST_TOUCH,
    "attribution.last_touch",
    "Attribution: last touch (last click)",
    "AttributionCredits each conversion to the last channel before it: the simple model most ad platforms report.",
    "credit_c = Σ_paths conversions · [last touch = c]; value likewise",
    &[]
);
heuristic!(
    LAST_NON_DIRECT,
    "attribution.last_non_direct",
    "Attribution: last non-direct touch",
    "AttributionCredits each conversion to the last channel before it that is not direct traffic (the Google Analytics default); to direct when the path has nothing else.",
    "credit_c = Σ_paths conversions · [c = last touch ≠ directChannel, or the last touch if all are direct]",
    &[DIRECT_CHANNEL]
);
heuristic!(
    LINEAR,
    "attribution.linear",
    "Attribution: linear",
    "Splits each conversion equally over the touches of its path (a channel touched twice gets two shares).",
    "credit_c = Σ_paths conversions · (touches of c)/(touches of the path)",
    &[]
);
heuristic!(
    TIME_DECAY,
    "attribution.time_decay",
    "Attribution: time decay",
    "Splits each conversion over its touches with weights that halve every halfLifeDays before the conversion: recent touches count more.",
    "w_i = 2^(−age_i/halfLifeDays), age_i = days from touch i to the conversion; credit_c = Σ_paths conversions · Σ_{i: c_i = c} w_i / Σ_i w_i",
    &[HALF_LIFE_DAYS]
);
heuristic!(
    POSITION_BASED,
    "attribution.position_based",
    "Attribution: position based (U-shaped)",
    "Gives fixed shares to the first and last touches (40 % each by default) and splits the rest over the touches between them.",
    "m = 1: w = 1; m = 2: w = (f, l)/(f + l); m ≥ 3: w_1 = f, w_m = l, w_i = μ/(m − 2) between, with (f, μ, l) = positionWeights/Σ",
    &[POSITION_WEIGHTS]
);

/// Definition of `attribution.markov`.
pub const MARKOV: Definition = Definition {
    id: "attribution.markov",
    version: "1.0.0",
    name: "Attribution: Markov removal effects (exact)",
    description: "Models journeys as a Markov chain over channels and credits each channel with the share of conversions that would be lost without it. Solved exactly as an absorbing chain (no simulation): the same journeys give the same credit every time, everywhere.",
    formula: "P(conv) = x_start with (I − Q) x = r over the transient states; RE_c = 1 − P(conv | states containing c lead to null)/P(conv); credit_c = conversions · RE_c/Σ RE; value: r weighted by the mean conversion value per state, total value · RE^v_c/Σ RE^v",
    unit: UNIT,
    parameters: &[ORDER, COLLAPSE_REPEATS],
    inputs: INPUTS,
    depends_on: &[],
};

/// Definition of `attribution.shapley`.
pub const SHAPLEY: Definition = Definition {
    id: "attribution.shapley",
    version: "1.0.0",
    name: "Attribution: Shapley value",
    description: "AttributionCredits each channel with its Shapley value in the game where a set of channels is worth the conversions of the journeys that used only those channels (Zhao et al. 2018): every order in which channels could have joined counts equally. Exact, up to 15 channels.",
    formula: "v(S) = Σ_{T ⊆ S} r(T), r(T) = conversions of paths with channel set T; φ_j = Σ_{S ⊆ N∖{j}} |S|!(n−|S|−1)!/n! · (v(S ∪ {j}) − v(S)); value likewise",
    unit: UNIT,
    parameters: &[],
    inputs: INPUTS,
    depends_on: &[],
};

/// The attribution definitions, in catalog order.
pub const DEFINITIONS: [&Definition; 8] = [
    &FIRST_TOUCH,
    &LAST_TOUCH,
    &LAST_NON_DIRECT,
    &LINEAR,
    &TIME_DECAY,
    &POSITION_BASED,
    &MARKOV,
    &SHAPLEY,
];

// ----------------------------------------------------------------------------------- options

/// An attribution model (JS `AttributionModel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum AttributionModel {
    /// First touch.
    FirstTouch,
    /// Last touch.
    LastTouch,
    /// Last non-direct touch.
    LastNonDirect,
    /// Linear.
    Linear,
    /// Time decay.
    TimeDecay,
    /// Position based.
    PositionBased,
    /// Markov removal effects.
    Markov,
    /// Shapley value.
    Shapley,
}

impl AttributionModel {
    /// Every model, in order.
    pub const ALL: [AttributionModel; 8] = [
        AttributionModel::FirstTouch,
        AttributionModel::LastTouch,
        AttributionModel::LastNonDirect,
        AttributionModel::Linear,
        AttributionModel::TimeDecay,
        AttributionModel::PositionBased,
        AttributionModel::Markov,
        AttributionModel::Shapley,
    ];

    /// The JS name, e.g. `"lastTouch"`.
    pub fn name(self) -> &'static str {
        match self {
            AttributionModel::FirstTouch => "firstTouch",
            AttributionModel::LastTouch => "lastTouch",
            AttributionModel::LastNonDirect => "lastNonDirect",
            AttributionModel::Linear => "linear",
            AttributionModel::TimeDecay => "timeDecay",
            AttributionModel::PositionBased => "positionBased",
            AttributionModel::Markov => "markov",
            AttributionModel::Shapley => "shapley",
        }
    }

    /// A plain-words name, e.g. `"Last touch"`.
    pub fn label(self) -> &'static str {
        match self {
            AttributionModel::FirstTouch => "First touch",
            AttributionModel::LastTouch => "Last touch",
            AttributionModel::LastNonDirect => "Last non-direct touch",
            AttributionModel::Linear => "Linear",
            AttributionModel::TimeDecay => "Time decay",
            AttributionModel::PositionBased => "Position based",
            AttributionModel::Markov => "Markov",
            AttributionModel::Shapley => "Shapley",
        }
    }

    /// The model's definition.
    pub fn definition(self) -> &'static Definition {
        DEFINITIONS[self as usize]
    }

    /// The model named `name` (its JS name).
    pub fn parse(name: &str) -> Result<AttributionModel> {
        AttributionModel::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| Error::BadOption {
                option: "model".into(),
                message: format!(
                    "unknown model '{name}'; known: {}",
                    AttributionModel::ALL.map(AttributionModel::name).join(", ")
                ),
            })
    }
}

/// Options of [`attribution`] (JS `AttributionOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AttributionOptions {
    /// Models to compute (default: every model the journeys allow — time decay only with touch
    /// times, Shapley only up to 15 channels).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub models: Option<Vec<AttributionModel>>,
    /// Channel that last non-direct attribution passes over (default `"direct"`).
    pub direct_channel: String,
    /// Half-life of time decay, days (default 7).
    pub half_life_days: f64,
    /// Position-based weights [first, middle, last] (default [0.4, 0.2, 0.4]).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "[number, number, number]"))]
    pub position_weights: Vec<f64>,
    /// Markov order, 1–4 (default 1).
    pub order: f64,
    /// Merge consecutive repeats for the Markov states (default false).
    pub collapse_repeats: bool,
    /// Also return each model's credit per path and channel (default false).
    pub credits: bool,
}

impl Default for AttributionOptions {
    fn default() -> Self {
        AttributionOptions {
            models: None,
            direct_channel: const { DIRECT_CHANNEL.default_text() }.to_string(),
            half_life_days: const { HALF_LIFE_DAYS.default_number() },
            position_weights: vec![0.4, 0.2, 0.4],
            order: const { ORDER.default_number() },
            collapse_repeats: const { COLLAPSE_REPEATS.default_flag() },
            credits: false,
        }
    }
}

impl AttributionOptions {
    /// Checks the options' ranges.
    pub fn check(&self) -> Result<()> {
        HALF_LIFE_DAYS.check_number(self.half_life_days)?;
        ORDER.check_number(self.order)?;
        if self.position_weights.len() != 3
            || self
                .position_weights
                .iter()
                .any(|w| !w.is_finite() || *w < 0.0)
            || self.position_weights.iter().sum::<f64>() <= 0.0
        {
            return Err(Error::BadOption {
                option: "positionWeights".into(),
                message: format!(
                    "expected three non-negative finite weights [first, middle, last] that are not all 0, got {:?}",
                    self.position_weights
                ),
            });
        }
        if self.direct_channel.trim().is_empty() {
            return Err(Error::BadOption {
                option: "directChannel".into(),
                message: "must not be blank".into(),
            });
        }
        Ok(())
    }
}

// ----------------------------------------------------------------------------------- result

/// Per-path credit of one model (JS `AttributionCredits`): one row per (path, channel) with
/// credit, in path order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct AttributionCredits {
    /// Conversion time (epoch ms); `None` for aggregated paths, which have no times.
    #[serde(serialize_with = "crate::columns::opt_f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array | null"))]
    pub time: Option<Vec<f64>>,
    /// Journey index (into the result's `journeys`; the path row for aggregated paths).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub journey: Vec<u32>,
    /// Channel index (into `channels`).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub channel: Vec<u32>,
    /// Conversions credited.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub weight: Vec<f64>,
    /// Value credited.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub value: Vec<f64>,
}

/// One model's credit per channel (JS `ModelCredit`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ModelCredit")
)]
#[serde(rename = "ModelCredit", rename_all = "camelCase")]
pub struct ModelCredit {
    /// Channel names (the journeys' channels, sorted).
    pub channels: Vec<String>,
    /// Conversions credited to each channel.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub conversions: Vec<f64>,
    /// Value credited to each channel.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub value: Vec<f64>,
    /// Each channel's share of the conversions (0–1).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub share: Vec<f64>,
    /// Credit per path and channel, when asked for (`credits: true`).
    pub credits: Option<AttributionCredits>,
    /// The model's definition and parameters.
    pub definition: DefinitionRef,
}

/// Totals of the journeys (JS `AttributionTotals`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct AttributionTotals {
    /// Paths.
    pub paths: usize,
    /// Touches.
    pub touches: usize,
    /// Conversions.
    pub conversions: f64,
    /// Conversion value.
    pub value: f64,
    /// Non-converting journey ends.
    pub nulls: f64,
}

/// Result of [`attribution`] (JS `AttributionResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "AttributionResult")
)]
#[serde(rename = "AttributionResult", rename_all = "camelCase")]
pub struct AttributionResult {
    /// Channel names, sorted.
    pub channels: Vec<String>,
    /// Each model asked for, by its JS name.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "Partial<Record<AttributionModel, ModelCredit>>")
    )]
    pub models: BTreeMap<&'static str, ModelCredit>,
    /// The Markov chain and removal effects (when `markov` was asked for).
    pub markov: Option<MarkovReport>,
    /// Journey ids (event and transaction input; empty for aggregated paths), indexed by the
    /// credits' `journey`.
    pub journeys: Vec<String>,
    /// Totals of the input.
    pub totals: AttributionTotals,
    /// Purchases `fromTransactions` could not credit (no touch in the lookback window).
    pub unattributed: Unattributed,
}

impl AttributionResult {
    /// The credit of `model`, or `E_BAD_OPTION` when it was not computed.
    pub fn model(&self, model: AttributionModel) -> Result<&ModelCredit> {
        self.models
            .get(model.name())
            .ok_or_else(|| Error::BadOption {
                option: "model".into(),
                message: format!(
                    "model '{}' is not in the attribution result (computed: {})",
                    model.name(),
                    self.models.keys().copied().collect::<Vec<_>>().join(", ")
                ),
            })
    }
}

// ----------------------------------------------------------------------------------- compute

/// Weights of one path's touches under a heuristic model (summing to 1), into `w`.
fn heuristic_weights(
    model: AttributionModel,
    touches: &[u32],
    ages: Option<&[f64]>,
    direct: &[bool],
    opts: &AttributionOptions,
    w: &mut Vec<f64>,
) {
    let m = touches.len();
    w.clear();
    w.resize(m, 0.0);
    if m == 0 {
        return;
    }
    match model {
        AttributionModel::FirstTouch => w[0] = 1.0,
        AttributionModel::LastTouch => w[m - 1] = 1.0,
        AttributionModel::LastNonDirect => {
            let i = touches
                .iter()
                .rposition(|&c| !direct.get(c as usize).copied().unwrap_or(false))
                .unwrap_or(m - 1);
            w[i] = 1.0;
        }
        AttributionModel::Linear => w.iter_mut().for_each(|x| *x = 1.0 / m as f64),
        AttributionModel::TimeDecay => {
            let half = opts.half_life_days;
            if let Some(ages) = ages {
                let mut sum = 0.0;
                for (x, a) in w.iter_mut().zip(ages) {
                    *x = (-a / half).exp2();
                    sum += *x;
                }
                if sum > 0.0 {
                    w.iter_mut().for_each(|x| *x /= sum);
                } else {
                    w.iter_mut().for_each(|x| *x = 1.0 / m as f64);
                }
            }
        }
        AttributionModel::PositionBased => {
            let total: f64 = opts.position_weights.iter().sum();
            let (f, mid, l) = (
                opts.position_weights[0] / total,
                opts.position_weights[1] / total,
                opts.position_weights[2] / total,
            );
            match m {
                1 => w[0] = 1.0,
                2 => {
                    let s = f + l;
                    if s > 0.0 {
                        w[0] = f / s;
                        w[1] = l / s;
                    } else {
                        w[0] = 0.5;
                        w[1] = 0.5;
                    }
                }
                _ => {
                    w[0] = f;
                    w[m - 1] = l;
                    let each = mid / (m - 2) as f64;
                    w[1..m - 1].iter_mut().for_each(|x| *x = each);
                }
            }
        }
        AttributionModel::Markov | AttributionModel::Shapley => {}
    }
}

/// Accumulates per-path channel weights into totals and, when asked, credit rows.
struct Accumulator<'a> {
    j: &'a Journeys,
    conversions: Vec<f64>,
    value: Vec<f64>,
    credits: Option<AttributionCredits>,
    /// Scratch: weight per channel of the current path, and the channels touched.
    per_channel: Vec<f64>,
    touched: Vec<u32>,
}

impl<'a> Accumulator<'a> {
    fn new(j: &'a Journeys, credits: bool) -> Self {
        let k = j.channels.len();
        Accumulator {
            j,
            conversions: vec![0.0; k],
            value: vec![0.0; k],
            credits: credits.then(|| AttributionCredits {
                time: j.time.as_ref().map(|_| Vec::new()),
                ..AttributionCredits::default()
            }),
            per_channel: vec![0.0; k],
            touched: Vec::new(),
        }
    }

    /// Adds path `p` with weight `w[i]` on its touch i.
    fn add_touch_weights(&mut self, p: usize, w: &[f64]) {
        let touches = self.j.path(p);
        for (&c, &x) in touches.iter().zip(w) {
            if self.per_channel[c as usize] == 0.0 && !self.touched.contains(&c) {
                self.touched.push(c);
            }
            self.per_channel[c as usize] += x;
        }
        self.flush(p);
    }

    /// Adds path `p` with weight `x` per distinct channel `c` given in `pairs`.
    fn add_channel_weights(&mut self, p: usize, pairs: &[(u32, f64)]) {
        for &(c, x) in pairs {
            if !self.touched.contains(&c) {
                self.touched.push(c);
            }
            self.per_channel[c as usize] += x;
        }
        self.flush(p);
    }

    /// Adds every path, splitting its conversions over its distinct channels in proportion to
    /// `weight(channel)` (equally when every weight is 0).
    fn add_distinct_channels(&mut self, weight: impl Fn(u32) -> f64) {
        let mut pairs: Vec<(u32, f64)> = Vec::new();
        for p in 0..self.j.path_count() {
            pairs.clear();
            for &c in self.j.path(p) {
                if !pairs.iter().any(|x| x.0 == c) {
                    pairs.push((c, weight(c)));
                }
            }
            let (sum, k): (f64, f64) = (pairs.iter().map(|x| x.1).sum(), pairs.len() as f64);
            for x in pairs.iter_mut() {
                x.1 = if sum > 0.0 { x.1 / sum } else { 1.0 / k };
            }
            self.add_channel_weights(p, &pairs);
        }
    }

    fn flush(&mut self, p: usize) {
        let (conv, value) = (self.j.conversions[p], self.j.value[p]);
        self.touched.sort_unstable();
        for &c in &self.touched {
            let x = std::mem::take(&mut self.per_channel[c as usize]);
            self.conversions[c as usize] += conv * x;
            self.value[c as usize] += value * x;
            if let Some(cr) = &mut self.credits {
                if conv > 0.0 && x != 0.0 {
                    if let (Some(out), Some(t)) = (&mut cr.time, &self.j.time) {
                        out.push(t.get(p).map_or(0.0, |&t| t as f64));
                    }
                    cr.journey.push(self.j.journey[p]);
                    cr.channel.push(c);
                    cr.weight.push(conv * x);
                    cr.value.push(value * x);
                }
            }
        }
        self.touched.clear();
    }
}

fn shares(conversions: &[f64]) -> Vec<f64> {
    let total: f64 = conversions.iter().sum();
    conversions
        .iter()
        .map(|&c| if total > 0.0 { c / total } else { 0.0 })
        .collect()
}

/// Runs the attribution models on `journeys`.
///
/// Errors: `E_BAD_OPTION` (a model that needs touch times on aggregated paths, or options out
/// of range), `E_TOO_LARGE` (Shapley above 15 channels; a Markov chain of more than 200,000
/// states), `E_INSUFFICIENT_DATA` (no conversion), `E_UNDEFINED` (every Markov removal effect
/// is 0).
///
/// ```
/// use unimetric::attribution::{attribution, AttributionOptions, Journeys, AttributionModel, JourneyPaths, PathOptions};
/// let j = Journeys::from_paths(
///     &JourneyPaths {
///         path: vec!["search > email".into(), "search".into()],
///         conversions: vec![2.0, 1.0],
///         value: Some(vec![100.0, 30.0]),
///         nulls: Some(vec![1.0, 3.0]),
///     },
///     &PathOptions::default(),
/// )
/// .unwrap();
/// let r = attribution(&j, &AttributionOptions::default()).unwrap();
/// let last = r.model(AttributionModel::LastTouch).unwrap();
/// assert_eq!(last.channels, ["email", "search"]);
/// assert_eq!(last.conversions, [2.0, 1.0]);
/// assert_eq!(r.model(AttributionModel::Linear).unwrap().conversions, [1.0, 2.0]);
/// ```
pub fn attribution(journeys: &Journeys, opts: &AttributionOptions) -> Result<AttributionResult> {
    opts.check()?;
    let j = journeys;
    let total_conversions = j.total_conversions();
    if total_conversions <= 0.0 {
        return Err(Error::InsufficientData {
            message: "the journeys have no conversion to attribute".into(),
        });
    }
    let converting_channels = {
        let mut seen = vec![false; j.channels.len()];
        for p in 0..j.path_count() {
            if j.conversions[p] > 0.0 {
                for &c in j.path(p) {
                    seen[c as usize] = true;
                }
            }
        }
        seen.iter().filter(|&&s| s).count()
    };
    let models: Vec<AttributionModel> = match &opts.models {
        Some(list) => {
            if list.is_empty() {
                return Err(Error::BadOption {
                    option: "models".into(),
                    message: "name at least one model".into(),
                });
            }
            let mut v = list.clone();
            v.sort_unstable();
            v.dedup();
            if v.contains(&AttributionModel::TimeDecay) && !j.has_times() {
                return Err(Error::BadOption {
                    option: "models".into(),
                    message:
                        "timeDecay needs touch times; journeys from aggregated paths have none"
                            .into(),
                });
            }
            if v.contains(&AttributionModel::Shapley) && converting_channels > MAX_SHAPLEY_CHANNELS
            {
                return Err(shapley_too_large(converting_channels));
            }
            v
        }
        None => AttributionModel::ALL
            .into_iter()
            .filter(|m| match m {
                AttributionModel::TimeDecay => j.has_times(),
                AttributionModel::Shapley => converting_channels <= MAX_SHAPLEY_CHANNELS,
                _ => true,
            })
            .collect(),
    };
    let direct_name = opts.direct_channel.trim().to_lowercase();
    let direct: Vec<bool> = j
        .channels
        .iter()
        .map(|c| c.to_lowercase() == direct_name)
        .collect();

    let mut out = BTreeMap::new();
    let mut markov_report = None;
    let mut w = Vec::new();
    for &model in &models {
        let mut acc = Accumulator::new(j, opts.credits);
        let definition = DefinitionRef::new(model.definition());
        let (conversions, value, definition) = match model {
            AttributionModel::Markov => {
                let order = opts.order as usize;
                let chain = markov::Chain::fit(j, order, opts.collapse_repeats)?;
                let (re, re_value, p_conv) = chain.removal_effects(j.channels.len())?;
                let sum: f64 = re.iter().sum();
                if sum <= 0.0 {
                    return Err(Error::Undefined {
                        metric: MARKOV.id.into(),
                        message: "no channel's removal lowers P(conversion)".into(),
                    });
                }
                let sum_value: f64 = re_value.iter().sum();
                let total_value = j.total_value();
                let conversions: Vec<f64> =
                    re.iter().map(|r| total_conversions * r / sum).collect();
                let value: Vec<f64> = re_value
                    .iter()
                    .map(|r| {
                        if sum_value != 0.0 {
                            total_value * r / sum_value
                        } else {
                            0.0
                        }
                    })
                    .collect();
                if opts.credits {
                    // Each path's conversions over its channels by their removal effects.
                    acc.add_distinct_channels(|c| re[c as usize].max(0.0));
                }
                markov_report = Some(chain.report(&j.channels, order as u32, p_conv, re, re_value));
                let definition = definition
                    .with("order", ParamValue::Number(opts.order))
                    .with("collapseRepeats", ParamValue::Bool(opts.collapse_repeats));
                (conversions, value, definition)
            }
            AttributionModel::Shapley => {
                let (conversions, value) = shapley(j)?;
                if opts.credits {
                    // The closed form of this game: each path split equally over its channels.
                    acc.add_distinct_channels(|_| 1.0);
                }
                (conversions, value, definition)
            }
            heuristic => {
                let definition = match heuristic {
                    AttributionModel::LastNonDirect => definition.with(
                        "directChannel",
                        ParamValue::Text(opts.direct_channel.clone()),
                    ),
                    AttributionModel::TimeDecay => {
                        definition.with("halfLifeDays", ParamValue::Number(opts.half_life_days))
                    }
                    AttributionModel::PositionBased => definition.with(
                        "positionWeights",
                        ParamValue::Text(
                            opts.position_weights
                                .iter()
                                .map(f64::to_string)
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ),
                    _ => definition,
                };
                for p in 0..j.path_count() {
                    if j.conversions[p] == 0.0 && j.value[p] == 0.0 {
                        continue;
                    }
                    heuristic_weights(heuristic, j.path(p), j.ages(p), &direct, opts, &mut w);
                    acc.add_touch_weights(p, &w);
                }
                let (conversions, value) = (
                    std::mem::take(&mut acc.conversions),
                    std::mem::take(&mut acc.value),
                );
                (conversions, value, definition)
            }
        };
        let share = shares(&conversions);
        out.insert(
            model.name(),
            ModelCredit {
                channels: j.channels.clone(),
                conversions,
                value,
                share,
                credits: acc.credits,
                definition,
            },
        );
    }
    Ok(AttributionResult {
        channels: j.channels.clone(),
        models: out,
        markov: markov_report,
        journeys: j.journey_ids.clone(),
        totals: AttributionTotals {
            paths: j.path_count(),
            touches: j.touch_count(),
            conversions: total_conversions,
            value: j.total_value(),
            nulls: j.total_nulls(),
        },
        unattributed: j.unattributed(),
    })
}

fn shapley_too_large(n: usize) -> Error {
    Error::TooLarge {
        what: "channels in converting journeys for exact Shapley values".into(),
        size: n,
        limit: MAX_SHAPLEY_CHANNELS,
    }
}

/// Shapley values of conversions and of value per channel, by enumerating the coalitions.
fn shapley(j: &Journeys) -> Result<(Vec<f64>, Vec<f64>)> {
    let k = j.channels.len();
    // The channels of converting paths, numbered 0..n for the coalitions.
    let mut slot = vec![usize::MAX; k];
    let mut players = Vec::new();
    for p in 0..j.path_count() {
        if j.conversions[p] > 0.0 || j.value[p] != 0.0 {
            for &c in j.path(p) {
                if slot[c as usize] == usize::MAX {
                    slot[c as usize] = 0;
                    players.push(c);
                }
            }
        }
    }
    players.sort_unstable();
    for (i, &c) in players.iter().enumerate() {
        slot[c as usize] = i;
    }
    let n = players.len();
    if n > MAX_SHAPLEY_CHANNELS {
        return Err(shapley_too_large(n));
    }
    let size = 1usize << n;
    let mut r = vec![0.0; size];
    let mut rv = vec![0.0; size];
    for p in 0..j.path_count() {
        let (conv, value) = (j.conversions[p], j.value[p]);
        if conv == 0.0 && value == 0.0 {
            continue;
        }
        let mut mask = 0usize;
        for &c in j.path(p) {
            mask |= 1 << slot[c as usize];
        }
        r[mask] += conv;
        rv[mask] += value;
    }
    // v(S) = Σ_{T ⊆ S} r(T): the subset-sum (zeta) transform.
    for bit in 0..n {
        for s in 0..size {
            if s & (1 << bit) != 0 {
                r[s] += r[s ^ (1 << bit)];
                rv[s] += rv[s ^ (1 << bit)];
            }
        }
    }
    // Weights |S|!(n − |S| − 1)!/n! by coalition size.
    let fact = |m: usize| (1..=m).map(|x| x as f64).product::<f64>();
    let weight: Vec<f64> = (0..n.max(1))
        .map(|s| fact(s) * fact(n - s - 1) / fact(n))
        .collect();
    let mut conversions = vec![0.0; k];
    let mut value = vec![0.0; k];
    for (i, &c) in players.iter().enumerate() {
        let bit = 1 << i;
        let (mut phi, mut phi_v) = (0.0, 0.0);
        for s in 0..size {
            if s & bit == 0 {
                let w = weight[s.count_ones() as usize];
                phi += w * (r[s | bit] - r[s]);
                phi_v += w * (rv[s | bit] - rv[s]);
            }
        }
        conversions[c as usize] = phi;
        value[c as usize] = phi_v;
    }
    Ok((conversions, value))
}

// ----------------------------------------------------------------------------------- compare

/// One channel's comparison of two models (JS `ChannelComparison`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ChannelComparison {
    /// Channel name.
    pub channel: String,
    /// Conversions credited by the first model.
    pub a: f64,
    /// Conversions credited by the second model.
    pub b: f64,
    /// (a − b)/b: how much more (positive) or less the first model credits; null when b = 0.
    pub relative: Option<f64>,
    /// The comparison in plain words.
    pub summary: String,
}

/// Result of [`compare_attribution`] (JS `AttributionComparison`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct AttributionComparison {
    /// The first model.
    pub a: AttributionModel,
    /// The second model.
    pub b: AttributionModel,
    /// One entry per channel, the largest over- or under-credit first.
    pub channels: Vec<ChannelComparison>,
}

fn percent(x: f64) -> String {
    let p = (x * 100.0).abs();
    if p >= 10.0 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// Compares the conversions two models of `result` credit to each channel, in plain words:
/// "Last touch credits search with 38 % more conversions than Markov".
///
/// `E_BAD_OPTION` when either model is not in the result.
pub fn compare_attribution(
    result: &AttributionResult,
    a: AttributionModel,
    b: AttributionModel,
) -> Result<AttributionComparison> {
    let (ma, mb) = (result.model(a)?, result.model(b)?);
    Ok(compare_credits(
        &result.channels,
        (a, &ma.conversions),
        (b, &mb.conversions),
    ))
}

/// [`compare_attribution`] on the channel names and the two models' conversions per channel.
pub fn compare_credits(
    names: &[String],
    (a, ca): (AttributionModel, &[f64]),
    (b, cb): (AttributionModel, &[f64]),
) -> AttributionComparison {
    let mut channels: Vec<ChannelComparison> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (x, y) = (
                ca.get(i).copied().unwrap_or(0.0),
                cb.get(i).copied().unwrap_or(0.0),
            );
            let relative = (y > 0.0).then(|| (x - y) / y);
            let summary = match relative {
                None if x > 0.0 => format!(
                    "{} credits {name} with {x:.1} conversions; {} credits it with none",
                    a.label(),
                    b.label()
                ),
                None => format!("Neither {} nor {} credits {name}", a.label(), b.label()),
                Some(r) if (r * 100.0).abs() < 0.5 => {
                    format!("{} and {} credit {name} alike", a.label(), b.label())
                }
                Some(r) => format!(
                    "{} credits {name} with {} {} conversions than {}",
                    a.label(),
                    percent(r),
                    if r > 0.0 { "more" } else { "fewer" },
                    b.label()
                ),
            };
            ChannelComparison {
                channel: name.clone(),
                a: x,
                b: y,
                relative,
                summary,
            }
        })
        .collect();
    channels.sort_by(|p, q| {
        let key = |c: &ChannelComparison| (c.a - c.b).abs();
        key(q)
            .total_cmp(&key(p))
            .then_with(|| p.channel.cmp(&q.channel))
    });
    AttributionComparison { a, b, channels }
}
