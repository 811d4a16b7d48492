//! Anomaly flags on one series (`anomaly.detect`, `anomaly.esd`): which points of a KPI series
//! are far from what its trend and seasonality lead to expect, in which direction, and by how
//! much.
//!
//! [`detect_anomalies`] takes a [`AnomalySeries`] — `time` (epoch milliseconds of the bucket
//! starts), `value` and, for a rate, `denominator` — and [`AnomalyOptions`], and returns an
//! [`AnomalyResult`] with one entry per point in each column.
//!
//! # Method
//!
//! 1. **Series.** Without a denominator the series is `value`. With one it is the rate
//!    `value ÷ denominator` (e.g. orders ÷ visits), and `expected`, `lower`, `upper` are rates.
//! 2. **Decomposition.** y = trend + seasonal + remainder by STL with the settings and defaults
//!    of statsmodels' `STL` ([`stl`]), or MSTL (statsmodels' `MSTL`) with several periods. With no
//!    seasonal period the trend is a degree-1 loess over `trendWindow` points (default 15) and the
//!    seasonal component is 0.
//! 3. **Scores** (`method: "robust"`, default, definition `anomaly.detect`): the robust z-score of
//!    the remainder, z = (r − median(r)) / (1.4826 · MAD(r)), MAD = median |r − median(r)|
//!    (1.4826·MAD estimates the standard deviation of normal noise). When MAD is 0 (more than half
//!    the remainders equal) the scale is 1.2533 · mean |r − median(r)| (the same estimate from the
//!    mean absolute deviation); when that is 0 too (or the remainders differ by rounding only,
//!    below 1e-10 of the series' largest magnitude) every score is 0 and nothing is flagged.
//!    `expected` = trend + seasonal + median(r); the band is `expected ± z*·scale`.
//! 4. **Masking.** An anomaly pulls the loess fits towards itself, so with the plain
//!    decomposition a spike also leaves a dip in its neighbours and in the same weekday of the
//!    next weeks (an echo). So candidates (steps 2, 3, 5 and 6, before direction and the rate
//!    test) are masked and the decomposition refitted, in up to [`MASK_PASSES`] passes: each
//!    pass masks the new candidates at least half as far out (in |score|) as the farthest new
//!    one — an echo, smaller than its cause, waits for the next pass, by which time its cause is
//!    masked and it has usually gone — and refits ([`MASK_ROUNDS`] fit per pass) with every
//!    masked point replaced by the previous fit's trend plus the median detrended value of the
//!    same seasonal position one to three periods (of the shortest period) before and after,
//!    among the points not masked (the trend alone without seasonality): the point's own value,
//!    which pulled the fit, takes no part. With one seasonal period the refit's STL starts its
//!    inner loop from the previous fit's trend and runs at most [`REFIT_INNER_ITERATIONS`] (2)
//!    inner passes instead of starting from 0 (with several periods, MSTL refits as it fits).
//!    Scores are then taken again, r = y − trend − seasonal with y the observed series. Passes
//!    stop when a pass finds no new candidate. `decomposition` is the last fit; a series without
//!    candidates is decomposed once, exactly as statsmodels.
//!    The newest points are judged like the others, so at the end of a series, where every
//!    loess window is one-sided and leans on them, a point keeps about two thirds of its
//!    deviation in its score (0.66 standard deviations on clean series): a drop on the last day
//!    is flagged only when it is about half as large again as one mid-series.
//! 5. **Threshold.** z* = 6 − 5 · `sensitivity`: sensitivity 0 → 6, the default 0.5 → 3.5,
//!    1 → 1. A point is a candidate when |z| > z*. Under normal noise 3.5 is passed by about 1
//!    point in 2,150 (two-sided); on 60 seeded clean daily series with weekly seasonality and
//!    normal noise (one and three years, tests/anomaly.rs) the default flags 24 points in 43,800,
//!    about one in 1,800: one every five years of daily data.
//!    `robust: true` makes the remainder heavier-tailed (the bisquare weights let the fit ignore
//!    the points farthest from it, whose remainders then grow): use a lower sensitivity with it.
//! 6. **Generalized ESD** (`method: "esd"`, definition `anomaly.esd`): Rosner's test ([`esd`]) on
//!    the remainder at level `alpha` with at most `maxAnomalies` outliers (default 5 % of the
//!    points, at least 1); candidates are the outliers it finds. The score is
//!    (r − m) / s with m and s the mean and standard deviation of the remainders that are not
//!    outliers; `expected` = trend + seasonal + m, the band `expected ± λ·s` with λ the critical
//!    value for one more outlier. `sensitivity` is not used.
//! 7. **Rate series.** A candidate is flagged only when a count-aware test agrees: the two-sided
//!    binomial test of the count `value` out of `denominator` trials against the expected rate p₀
//!    (`expected` clipped to [0, 1]), p = min(1, 2·min(P(X ≤ value), P(X ≥ value))), both tails
//!    exact by the regularised incomplete beta function (P(X ≥ k) = I_{p₀}(k, n − k + 1)),
//!    flagged when p < `alpha`; and never when `denominator < minDenominator`. The binomial (not
//!    the beta-binomial) is deliberate: the test only vetoes points whose deviation a
//!    small denominator explains by chance; overdispersion across days is already in the
//!    robust score's scale, which every flagged point must pass too. The p-values are in
//!    `pValue`.
//! 8. **Direction.** `direction` (`both`, `up`, `down`) limits which side may be flagged. The
//!    result's `direction` column is an `i8` per point: 1 flagged above the band, −1 below, 0 not
//!    flagged.
//!
//! # Units
//!
//! `time` in epoch milliseconds; `observed`, `expected`, `lower`, `upper` and the decomposition
//! in the units of the series (a rate, 0–1, for rate series); `score` in (robust) standard
//! deviations of the remainder; `pValue` a probability; periods and windows in points.
//!
//! # Seasonality
//!
//! `seasonality: "auto"` (default) reads the bucket from the spacing of `time` and uses
//! - daily buckets: period 7 (weekly) once there are two weeks (14 points);
//! - weekly: 52 once there are four years (208 points); monthly: 12 with 48 points; quarterly: 4
//!   with 16; hourly: 24 with 48;
//! - any other spacing: no seasonality.
//!
//! Yearly seasonality in daily data is never chosen automatically, and a yearly period needs four
//! years: each day-of-year subseries of a yearly STL holds one point per year, and the seasonal
//! loess over two or three points follows them so closely that it absorbs noise and anomalies
//! alike. Measured on seeded clean daily series (weekly pattern, normal noise, default
//! settings, 30 seeds): periods [7, 365] flag 0 points in 21,900 at two years (a spike is absorbed
//! too), 391 in 32,850 at three years and 82 in 54,750 at five, against 10, 15 and 23 with period 7
//! alone. Pass `seasonality: [7, 365]` to ask for it.
//!
//! When the bucket has a seasonality but the series is too short for it, the decomposition has
//! no seasonal component and `fallback` says so. A number or a list of numbers (whole, ≥ 2) sets
//! the periods (in points); each needs two full seasons, else `E_INSUFFICIENT_DATA`. `"none"` or
//! `[]` means no seasonal component.
//!
//! # Time
//!
//! `time` must be strictly increasing and evenly spaced. The first step sets the bucket: a step of
//! 23 to 25 hours is a day (so local days across a daylight-saving change are even), 7 days ± 1
//! hour a week, 28 to 31 days (± 1 hour) a month, 89 to 92 days (± 1 hour) a quarter; any other
//! step must repeat exactly. A later step outside the bucket's range is an error: longer is a
//! *gap* (missing buckets: fill them in — a count of 0 is a value — before detection, since the
//! seasonal cycle counts points, not time), shorter is uneven spacing. Both are
//! `E_OUT_OF_RANGE` on column `time` at the later row.
//!
//! # Errors
//!
//! `E_EMPTY` (no points), `E_LENGTH_MISMATCH` (`value` or `denominator` not as long as `time`),
//! `E_NON_FINITE` (NaN, ±Infinity), `E_OUT_OF_RANGE` (unsorted or duplicate times, gaps, uneven
//! spacing, value > denominator, a denominator of 0), `E_NEGATIVE` (a negative count or
//! denominator), `E_INSUFFICIENT_DATA` (fewer than [`MIN_POINTS`] points, or a set period without
//! two seasons), `E_TOO_LARGE` (more than [`MAX_POINTS`]), `E_BAD_OPTION` and `E_UNKNOWN_OPTION`
//! (options). Rows are 1-based.
//!
//! # Example
//!
//! ```
//! use unimetric::anomaly::{detect_anomalies, AnomalyOptions, AnomalySeries};
//! let day = 86_400_000.0;
//! let time: Vec<f64> = (0..56).map(|t| 1.7e12 + t as f64 * day).collect();
//! let mut value: Vec<f64> = (0..56)
//!     .map(|t| 100.0 + [8.0, 3.0, 0.0, -2.0, -4.0, -6.0, 1.0][t % 7] + ((t * 37 % 11) as f64 - 5.0) * 0.3)
//!     .collect();
//! value[40] -= 30.0; // a sudden drop
//! let r = detect_anomalies(&AnomalySeries { time, value, denominator: None }, &AnomalyOptions::default()).unwrap();
//! assert_eq!(r.flagged[40], 1);
//! assert_eq!(r.direction[40], -1);
//! assert_eq!(r.flagged.iter().map(|&f| f as usize).sum::<usize>(), 1);
//! assert_eq!(r.decomposition.periods, vec![7]); // weekly, read from daily spacing
//! assert_eq!(r.definition.metric, "anomaly.detect");
//! ```

pub mod esd;
pub mod explain;
pub mod stl;

use crate::error::{check_numbers, Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};
use stl::StlSettings;

/// The fewest points accepted.
pub const MIN_POINTS: usize = 7;

/// The most points accepted (`E_TOO_LARGE` above).
pub const MAX_POINTS: usize = 10_000_000;

/// Trend window (points) when there is no seasonal component and `trendWindow` is not set.
pub const NON_SEASONAL_TREND_WINDOW: usize = 15;

/// Consistency constant of the MAD for normal noise (1/Φ⁻¹(3/4)).
pub const MAD_SCALE: f64 = 1.4826;

/// Consistency constant of the mean absolute deviation for normal noise (√(π/2)).
pub const MEAN_AD_SCALE: f64 = 1.2533;

// ----------------------------------------------------------------------------------- parameters

/// Parameter `seasonality`.
pub const SEASONALITY: ParameterDef = ParameterDef::new(
    "seasonality",
    "\"auto\"",
    "Seasonal periods in points: \"auto\" (weekly for daily data, yearly for weekly, monthly or quarterly data over four years; see the module docs), \"none\", a whole number ≥ 2, or a list of them (MSTL).",
)
.text("auto");
/// Parameter `direction`.
pub const DIRECTION: ParameterDef = ParameterDef::new(
    "direction",
    "\"both\"",
    "Which deviations may be flagged: both, down (below the band) or up (above).",
)
.text("both")
.one_of(&["both", "down", "up"]);
/// Parameter `sensitivity`.
pub const SENSITIVITY: ParameterDef = ParameterDef::new(
    "sensitivity",
    "0.5",
    "0–1: the robust z-score threshold is 6 − 5·sensitivity (0.5 → 3.5). Robust method only.",
)
.number(0.5)
.range(0.0, 1.0);
/// Parameter `method`.
pub const METHOD: ParameterDef = ParameterDef::new(
    "method",
    "\"robust\"",
    "robust: median/MAD z-score of the remainder against the sensitivity threshold; esd: generalized ESD test (Rosner 1983) on the remainder at level alpha.",
)
.text("robust")
.one_of(&["robust", "esd"]);
/// Parameter `alpha`.
pub const ALPHA: ParameterDef = ParameterDef::new(
    "alpha",
    "0.05",
    "Significance level of the generalized ESD test and of the binomial test of rate series.",
)
.number(0.05)
.above(0.0)
.at_most(0.5);
/// Parameter `maxAnomalies`.
pub const MAX_ANOMALIES: ParameterDef = ParameterDef::new(
    "maxAnomalies",
    "5 % of the points (at least 1)",
    "Largest number of outliers the generalized ESD test looks for (esd only).",
)
.rule("fivePercentOfPoints")
.range(1.0, MAX_POINTS as f64)
.whole();
/// Parameter `minDenominator`.
pub const MIN_DENOMINATOR: ParameterDef = ParameterDef::new(
    "minDenominator",
    "20",
    "Rate series: points whose denominator is below this are never flagged.",
)
.number(20.0)
.at_least(0.0)
.at_most(1e150);
/// Parameter `seasonalWindow`.
pub const SEASONAL_WINDOW: ParameterDef = ParameterDef::new(
    "seasonalWindow",
    "7",
    "Seasonal loess window in seasons (odd, ≥ 3), as statsmodels' STL `seasonal` (default 7); with several periods, unless given, statsmodels' MSTL defaults 7 + 4i for the i-th period (11, 15, … in increasing period order).",
)
.number(7.0)
.range(3.0, 1e9)
.whole();
/// Parameter `trendWindow`.
pub const TREND_WINDOW: ParameterDef = ParameterDef::new(
    "trendWindow",
    "smallest odd ≥ 1.5·period/(1 − 1.5/seasonalWindow); 15 without seasonality",
    "Trend loess window in points (odd, ≥ 3, greater than every period), as statsmodels' STL `trend`.",
)
.rule("statsmodels")
.range(3.0, 1e9)
.whole();
/// Parameter `lowPassWindow`.
pub const LOW_PASS_WINDOW: ParameterDef = ParameterDef::new(
    "lowPassWindow",
    "smallest odd > period",
    "Low-pass filter window in points (odd, ≥ 3, greater than every period), as statsmodels' STL `low_pass`.",
)
.rule("statsmodels")
.range(3.0, 1e9)
.whole();
/// Parameter `seasonalDegree`.
pub const SEASONAL_DEGREE: ParameterDef = ParameterDef::new(
    "seasonalDegree",
    "1",
    "Degree of the seasonal loess (0 or 1).",
)
.number(1.0)
.range(0.0, 1.0)
.whole();
/// Parameter `trendDegree`.
pub const TREND_DEGREE: ParameterDef =
    ParameterDef::new("trendDegree", "1", "Degree of the trend loess (0 or 1).")
        .number(1.0)
        .range(0.0, 1.0)
        .whole();
/// Parameter `lowPassDegree`.
pub const LOW_PASS_DEGREE: ParameterDef = ParameterDef::new(
    "lowPassDegree",
    "1",
    "Degree of the low-pass loess (0 or 1).",
)
.number(1.0)
.range(0.0, 1.0)
.whole();
/// Parameter `seasonalJump`.
pub const SEASONAL_JUMP: ParameterDef = ParameterDef::new(
    "seasonalJump",
    "1",
    "The seasonal loess is evaluated every this many points and interpolated between.",
)
.number(1.0)
.range(1.0, 1e9)
.whole();
/// Parameter `trendJump`.
pub const TREND_JUMP: ParameterDef = ParameterDef::new(
    "trendJump",
    "1",
    "The trend loess is evaluated every this many points and interpolated between.",
)
.number(1.0)
.range(1.0, 1e9)
.whole();
/// Parameter `lowPassJump`.
pub const LOW_PASS_JUMP: ParameterDef = ParameterDef::new(
    "lowPassJump",
    "1",
    "The low-pass loess is evaluated every this many points and interpolated between.",
)
.number(1.0)
.range(1.0, 1e9)
.whole();
/// Parameter `robust`.
pub const ROBUST: ParameterDef = ParameterDef::new(
    "robust",
    "false",
    "Robust STL: bisquare weights of the remainder between outer iterations, so outliers pull the trend and seasonality less.",
)
.flag(false);
/// Parameter `innerIterations`.
pub const INNER_ITERATIONS: ParameterDef = ParameterDef::new(
    "innerIterations",
    "5 (2 when robust)",
    "STL inner loop passes, as statsmodels' `inner_iter`.",
)
.rule("statsmodels")
.range(1.0, 100.0)
.whole();
/// Parameter `outerIterations`.
pub const OUTER_ITERATIONS: ParameterDef = ParameterDef::new(
    "outerIterations",
    "0 (15 when robust)",
    "STL robustness passes, as statsmodels' `outer_iter`.",
)
.rule("statsmodels")
.range(0.0, 100.0)
.whole();

const INPUTS: &str = "A series: time (epoch milliseconds of the bucket starts, strictly increasing, evenly spaced: days, weeks, months, quarters or any fixed step), value, and for a rate series denominator (value is then the count out of denominator, 0 ≤ value ≤ denominator, denominator > 0). At least 7 points.";

/// Definition of `anomaly.stl`.
pub const STL: Definition = Definition {
    id: "anomaly.stl",
    version: "1.0.1",
    name: "Seasonal-trend decomposition (STL)",
    description: "Splits a series into trend, seasonality and remainder by loess (Cleveland et al. 1990), with statsmodels' settings and defaults; several periods by MSTL (statsmodels' MSTL: two rounds, one STL per period).",
    formula: "y = trend + Σ seasonal_k + remainder; STL inner loop: detrend, smooth each cycle-subseries by loess (seasonalWindow, seasonalDegree), low-pass filter (moving averages period, period, 3, then loess lowPassWindow), seasonal = smoothed − low-pass, trend = loess(y − seasonal; trendWindow, trendDegree); outer loop: bisquare robustness weights of the remainder (6·median|r|) when robust",
    unit: "units of the series",
    parameters: &[
        SEASONALITY,
        SEASONAL_WINDOW,
        TREND_WINDOW,
        LOW_PASS_WINDOW,
        SEASONAL_DEGREE,
        TREND_DEGREE,
        LOW_PASS_DEGREE,
        SEASONAL_JUMP,
        TREND_JUMP,
        LOW_PASS_JUMP,
        ROBUST,
        INNER_ITERATIONS,
        OUTER_ITERATIONS,
    ],
    inputs: INPUTS,
    depends_on: &[],
};

/// Definition of `anomaly.detect`.
pub const DETECT: Definition = Definition {
    id: "anomaly.detect",
    version: "2.0.0",
    name: "Anomaly flags (robust score)",
    description: "Flags the points of a KPI series that are far from what its trend and seasonality lead to expect: the robust z-score of the STL remainder against a threshold set by the sensitivity; for a rate series, only where a binomial test of the count against the expected rate agrees and the denominator is large enough.",
    formula: "r = y − trend − seasonal (y = value, or value ÷ denominator); z = (r − median r)/(1.4826·median|r − median r|); z* = 6 − 5·sensitivity; expected = trend + seasonal + median r; band = expected ± z*·1.4826·MAD; flagged when |z| > z* in the allowed direction, and for rates also when denominator ≥ minDenominator and the two-sided binomial p = min(1, 2·min(P(X ≤ value), P(X ≥ value))), X ~ Binomial(denominator, clip(expected, 0, 1)), is below alpha; candidates are masked and the STL refitted, up to 5 passes (with one period each refit starts from the previous fit's trend and runs at most 2 inner passes)",
    unit: "score: robust standard deviations; expected, lower, upper: units of the series (a rate for rate series)",
    parameters: &[
        SEASONALITY,
        DIRECTION,
        SENSITIVITY,
        METHOD,
        ALPHA,
        MIN_DENOMINATOR,
        SEASONAL_WINDOW,
        TREND_WINDOW,
        LOW_PASS_WINDOW,
        SEASONAL_DEGREE,
        TREND_DEGREE,
        LOW_PASS_DEGREE,
        SEASONAL_JUMP,
        TREND_JUMP,
        LOW_PASS_JUMP,
        ROBUST,
        INNER_ITERATIONS,
        OUTER_ITERATIONS,
    ],
    inputs: INPUTS,
    depends_on: &["anomaly.stl"],
};

/// Definition of `anomaly.esd`.
pub const ESD: Definition = Definition {
    id: "anomaly.esd",
    version: "2.0.0",
    name: "Anomaly flags (generalized ESD)",
    description: "Flags the points of a KPI series whose STL remainder the generalized extreme Studentized deviate test (Rosner 1983) finds to be outliers at level alpha, up to maxAnomalies; rate series as anomaly.detect.",
    formula: "r = y − trend − seasonal; for i = 1..maxAnomalies: R_i = max|r − mean|/sd over the values left (the farthest removed), λ_i = (n−i)·t_{p,n−i−1}/√((n−i−1+t²)(n−i+1)), p = 1 − alpha/(2(n−i+1)); outliers = the first k removed, k = max{i : R_i > λ_i}; score = (r − m)/s, m and s the mean and sd of the non-outliers; band = trend + seasonal + m ± λ_{k+1}·s; rate series: also the binomial test and minDenominator as anomaly.detect; masking passes and refits as anomaly.detect",
    unit: "score: standard deviations; expected, lower, upper: units of the series (a rate for rate series)",
    parameters: &[
        SEASONALITY,
        DIRECTION,
        METHOD,
        ALPHA,
        MAX_ANOMALIES,
        MIN_DENOMINATOR,
        SEASONAL_WINDOW,
        TREND_WINDOW,
        LOW_PASS_WINDOW,
        SEASONAL_DEGREE,
        TREND_DEGREE,
        LOW_PASS_DEGREE,
        SEASONAL_JUMP,
        TREND_JUMP,
        LOW_PASS_JUMP,
        ROBUST,
        INNER_ITERATIONS,
        OUTER_ITERATIONS,
    ],
    inputs: INPUTS,
    depends_on: &["anomaly.stl"],
};

/// The anomaly definitions, in catalog order.
pub const DEFINITIONS: [&Definition; 3] = [&STL, &DETECT, &ESD];

// ----------------------------------------------------------------------------------- input

/// One series (JS `AnomalySeries`): parallel columns, one entry per bucket.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnomalySeries {
    /// Bucket starts, epoch milliseconds, strictly increasing and evenly spaced.
    pub time: Vec<f64>,
    /// The values; for a rate series the counts (numerators).
    pub value: Vec<f64>,
    /// For a rate series, the base of each count (e.g. visits); the rate is value ÷ denominator.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub denominator: Option<Vec<f64>>,
}

// ----------------------------------------------------------------------------------- options

/// `seasonality`: `"auto"`, `"none"`, a period or a list of periods (in points).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum Seasonality {
    /// `"auto"` or `"none"`.
    Named(String),
    /// One period.
    Period(f64),
    /// Several periods (MSTL).
    Periods(Vec<f64>),
}

impl Default for Seasonality {
    fn default() -> Self {
        Seasonality::Named(const { SEASONALITY.default_text() }.to_string())
    }
}

/// Which deviations may be flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Above or below the band.
    #[default]
    Both,
    /// Below the band only.
    Down,
    /// Above the band only.
    Up,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Both => "both",
            Direction::Down => "down",
            Direction::Up => "up",
        }
    }
}

/// How candidates are found on the remainder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum AnomalyMethod {
    /// Robust z-score (median/MAD) against the sensitivity threshold.
    #[default]
    Robust,
    /// Generalized ESD test.
    Esd,
}

/// Options of [`detect_anomalies`] (JS `AnomalyOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AnomalyOptions {
    /// Seasonal periods (default `"auto"`).
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "\"auto\" | \"none\" | number | number[]")
    )]
    pub seasonality: Seasonality,
    /// Which side may be flagged (default both).
    pub direction: Direction,
    /// 0–1 (default 0.5): threshold 6 − 5·sensitivity.
    pub sensitivity: f64,
    /// Robust score (default) or generalized ESD.
    pub method: AnomalyMethod,
    /// Level of the ESD and binomial tests (default 0.05).
    pub alpha: f64,
    /// ESD: most outliers (default 5 % of the points, at least 1).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_anomalies: Option<f64>,
    /// Rate series: smallest denominator that may be flagged (default 20).
    pub min_denominator: f64,
    /// Seasonal window (default 7; MSTL 7 + 4i).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub seasonal_window: Option<f64>,
    /// Trend window (default statsmodels' rule).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub trend_window: Option<f64>,
    /// Low-pass window (default the smallest odd > period).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub low_pass_window: Option<f64>,
    /// Seasonal loess degree (default 1).
    pub seasonal_degree: f64,
    /// Trend loess degree (default 1).
    pub trend_degree: f64,
    /// Low-pass loess degree (default 1).
    pub low_pass_degree: f64,
    /// Seasonal loess step (default 1).
    pub seasonal_jump: f64,
    /// Trend loess step (default 1).
    pub trend_jump: f64,
    /// Low-pass loess step (default 1).
    pub low_pass_jump: f64,
    /// Robust STL (default false).
    pub robust: bool,
    /// STL inner iterations (default 5, or 2 when robust).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub inner_iterations: Option<f64>,
    /// STL outer iterations (default 0, or 15 when robust).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub outer_iterations: Option<f64>,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        AnomalyOptions {
            seasonality: Seasonality::default(),
            direction: Direction::default(),
            sensitivity: const { SENSITIVITY.default_number() },
            method: AnomalyMethod::default(),
            alpha: const { ALPHA.default_number() },
            max_anomalies: None,
            min_denominator: const { MIN_DENOMINATOR.default_number() },
            seasonal_window: None,
            trend_window: None,
            low_pass_window: None,
            seasonal_degree: const { SEASONAL_DEGREE.default_number() },
            trend_degree: const { TREND_DEGREE.default_number() },
            low_pass_degree: const { LOW_PASS_DEGREE.default_number() },
            seasonal_jump: const { SEASONAL_JUMP.default_number() },
            trend_jump: const { TREND_JUMP.default_number() },
            low_pass_jump: const { LOW_PASS_JUMP.default_number() },
            robust: const { ROBUST.default_flag() },
            inner_iterations: None,
            outer_iterations: None,
        }
    }
}

/// What `seasonality` asks for, checked.
#[derive(Debug, Clone, PartialEq)]
enum Periods {
    Auto,
    Given(Vec<usize>),
}

fn bad(option: &str, message: impl Into<String>) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

fn window(p: &ParameterDef, x: Option<f64>) -> Result<Option<usize>> {
    match x {
        None => Ok(None),
        Some(v) => {
            let w = p.check_count(v)?;
            if w % 2 == 0 {
                return Err(bad(p.name, format!("expected an odd number, found {v}")));
            }
            Ok(Some(w))
        }
    }
}

impl AnomalyOptions {
    /// Checks ranges and combinations (`E_BAD_OPTION`).
    pub fn check(&self) -> Result<()> {
        self.periods()?;
        self.stl_settings()?;
        SENSITIVITY.check_number(self.sensitivity)?;
        ALPHA.check_number(self.alpha)?;
        MIN_DENOMINATOR.check_number(self.min_denominator)?;
        if let Some(m) = self.max_anomalies {
            MAX_ANOMALIES.check_count(m)?;
            if self.method != AnomalyMethod::Esd {
                return Err(bad("maxAnomalies", "applies to method \"esd\" only"));
            }
        }
        Ok(())
    }

    /// Reads options from JSON text: an unknown key is `E_UNKNOWN_OPTION` (naming the known
    /// ones), a value of the wrong type `E_BAD_OPTION`; then [`AnomalyOptions::check`].
    ///
    /// ```
    /// use unimetric::anomaly::AnomalyOptions;
    /// let o = AnomalyOptions::from_json(r#"{ "seasonality": [7, 365], "direction": "down" }"#).unwrap();
    /// assert_eq!(o.sensitivity, 0.5);
    /// let e = AnomalyOptions::from_json(r#"{ "sensitivity": 2 }"#).unwrap_err();
    /// assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("sensitivity")));
    /// let e = AnomalyOptions::from_json(r#"{ "sensitivty": 0.2 }"#).unwrap_err();
    /// assert_eq!(e.code(), "E_UNKNOWN_OPTION");
    /// ```
    pub fn from_json(text: &str) -> Result<AnomalyOptions> {
        let opts: AnomalyOptions =
            crate::glossary::options_from_json(text, "detectAnomalies", &[])?;
        opts.check()?;
        Ok(opts)
    }

    fn periods(&self) -> Result<Periods> {
        let period = |x: f64, what: &str| -> Result<usize> {
            if x.is_finite() && x.fract() == 0.0 && (2.0..=MAX_POINTS as f64).contains(&x) {
                Ok(x as usize)
            } else {
                Err(bad(
                    what,
                    format!(
                        "a period is a whole number of points from 2 to {MAX_POINTS}, found {x}"
                    ),
                ))
            }
        };
        match &self.seasonality {
            Seasonality::Named(s) if s == "auto" => Ok(Periods::Auto),
            Seasonality::Named(s) if s == "none" => Ok(Periods::Given(Vec::new())),
            Seasonality::Named(s) => Err(bad(
                "seasonality",
                format!(
                    "expected \"auto\", \"none\", a period or a list of periods, found \"{s}\""
                ),
            )),
            Seasonality::Period(x) => Ok(Periods::Given(vec![period(*x, "seasonality")?])),
            Seasonality::Periods(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                for (i, &x) in xs.iter().enumerate() {
                    let p = period(x, &format!("seasonality[{i}]"))?;
                    if out.contains(&p) {
                        return Err(bad(
                            &format!("seasonality[{i}]"),
                            format!("period {p} is given twice"),
                        ));
                    }
                    out.push(p);
                }
                Ok(Periods::Given(out))
            }
        }
    }

    fn stl_settings(&self) -> Result<StlSettings> {
        let degree = |p: &ParameterDef, x: f64| p.check_count(x).map(|d| d as u8);
        Ok(StlSettings {
            seasonal_window: window(&SEASONAL_WINDOW, self.seasonal_window)?,
            trend_window: window(&TREND_WINDOW, self.trend_window)?,
            low_pass_window: window(&LOW_PASS_WINDOW, self.low_pass_window)?,
            seasonal_degree: degree(&SEASONAL_DEGREE, self.seasonal_degree)?,
            trend_degree: degree(&TREND_DEGREE, self.trend_degree)?,
            low_pass_degree: degree(&LOW_PASS_DEGREE, self.low_pass_degree)?,
            seasonal_jump: SEASONAL_JUMP.check_count(self.seasonal_jump)?,
            trend_jump: TREND_JUMP.check_count(self.trend_jump)?,
            low_pass_jump: LOW_PASS_JUMP.check_count(self.low_pass_jump)?,
            robust: self.robust,
            inner_iterations: self
                .inner_iterations
                .map(|x| INNER_ITERATIONS.check_count(x))
                .transpose()?,
            outer_iterations: self
                .outer_iterations
                .map(|x| OUTER_ITERATIONS.check_count(x))
                .transpose()?,
        })
    }

    /// z* = 6 − 5·sensitivity.
    pub fn threshold(&self) -> f64 {
        6.0 - 5.0 * self.sensitivity
    }
}

// ----------------------------------------------------------------------------------- result

/// The decomposition behind the flags (JS `AnomalyDecomposition`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Decomposition {
    /// The seasonal periods used, in points (empty: no seasonal component).
    pub periods: Vec<u32>,
    /// Trend.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub trend: Vec<f64>,
    /// Seasonal component (the sum over the periods).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub seasonal: Vec<f64>,
    /// Remainder = series − trend − seasonal.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub remainder: Vec<f64>,
}

/// The result of [`detect_anomalies`] (JS `AnomalyResult`): columns of one entry per point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct AnomalyResult {
    /// The series analysed: value, or value ÷ denominator for a rate series.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub observed: Vec<f64>,
    /// What trend and seasonality lead to expect (a rate for rate series).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub expected: Vec<f64>,
    /// Lower edge of the band.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub lower: Vec<f64>,
    /// Upper edge of the band.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub upper: Vec<f64>,
    /// Robust z-score (esd: z-score against the non-outliers).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub score: Vec<f64>,
    /// 1 when flagged, else 0.
    #[serde(serialize_with = "crate::columns::u8s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub flagged: Vec<u8>,
    /// 1 flagged above the band, −1 flagged below, 0 not flagged.
    pub direction: Vec<i8>,
    /// Rate series: the two-sided binomial p-value of each count (null without a denominator).
    #[serde(serialize_with = "crate::columns::opt_f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array | null"))]
    pub p_value: Option<Vec<f64>>,
    /// Trend, seasonal and remainder.
    pub decomposition: Decomposition,
    /// A sentence when a documented fallback was used (e.g. too short for its seasonality).
    pub fallback: Option<String>,
    /// `anomaly.detect` or `anomaly.esd` and the parameters in effect.
    pub definition: DefinitionRef,
}

// ----------------------------------------------------------------------------------- time

const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 24.0 * HOUR;

/// The bucket a series' spacing shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bucket {
    Day,
    Week,
    Month,
    Quarter,
    /// Any other step, repeated exactly (milliseconds).
    Fixed(f64),
}

impl Bucket {
    fn of(step: f64) -> Bucket {
        let b = [Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Quarter]
            .into_iter()
            .find(|b| b.accepts(step));
        b.unwrap_or(Bucket::Fixed(step))
    }

    /// The steps the bucket accepts.
    fn range(self) -> (f64, f64) {
        match self {
            Bucket::Day => (23.0 * HOUR, 25.0 * HOUR),
            Bucket::Week => (7.0 * DAY - HOUR, 7.0 * DAY + HOUR),
            Bucket::Month => (28.0 * DAY - HOUR, 31.0 * DAY + HOUR),
            Bucket::Quarter => (89.0 * DAY - HOUR, 92.0 * DAY + HOUR),
            Bucket::Fixed(s) => (s, s),
        }
    }

    fn accepts(self, step: f64) -> bool {
        let (lo, hi) = self.range();
        step >= lo && step <= hi
    }

    fn name(self) -> String {
        match self {
            Bucket::Day => "daily".into(),
            Bucket::Week => "weekly".into(),
            Bucket::Month => "monthly".into(),
            Bucket::Quarter => "quarterly".into(),
            Bucket::Fixed(s) if s == HOUR => "hourly".into(),
            Bucket::Fixed(s) => format!("every {s} ms"),
        }
    }

    /// The periods `"auto"` uses, with their names and the seasons each needs.
    fn natural(self) -> &'static [(usize, &'static str, usize)] {
        match self {
            Bucket::Day => &[(7, "weekly", 2)],
            Bucket::Week => &[(52, "yearly", YEARLY_SEASONS)],
            Bucket::Month => &[(12, "yearly", YEARLY_SEASONS)],
            Bucket::Quarter => &[(4, "yearly", YEARLY_SEASONS)],
            Bucket::Fixed(s) if s == HOUR => &[(24, "daily", 2)],
            Bucket::Fixed(_) => &[],
        }
    }
}

/// Seasons a yearly period needs under `"auto"` (weekly, monthly and quarterly data).
pub const YEARLY_SEASONS: usize = 4;

fn out_of_range(column: &str, row: usize, message: String) -> Error {
    Error::OutOfRange {
        column: column.into(),
        row,
        message,
    }
}

/// Checks the time column and returns its bucket.
fn check_time(time: &[f64]) -> Result<Bucket> {
    for i in 1..time.len() {
        if time[i] <= time[i - 1] {
            let what = if time[i] == time[i - 1] {
                "repeats the previous time"
            } else {
                "is before the previous time"
            };
            return Err(out_of_range(
                "time",
                i + 1,
                format!(
                    "{} {what}: times must be strictly increasing (one point per bucket, sorted)",
                    time[i]
                ),
            ));
        }
    }
    let Some(first) = time.get(1).map(|t| t - time[0]) else {
        return Ok(Bucket::Fixed(0.0));
    };
    let bucket = Bucket::of(first);
    let (lo, hi) = bucket.range();
    for i in 2..time.len() {
        let step = time[i] - time[i - 1];
        if step > hi {
            return Err(out_of_range(
                "time",
                i + 1,
                format!(
                    "a gap of {step} ms after the previous point in a {} series (step {first} ms between rows 1 and 2): buckets are missing; insert them (a count of 0 is a value) so the points are evenly spaced",
                    bucket.name()
                ),
            ));
        }
        if step < lo {
            return Err(out_of_range(
                "time",
                i + 1,
                format!(
                    "a step of {step} ms after the previous point in a {} series (step {first} ms between rows 1 and 2): the points must be evenly spaced",
                    bucket.name()
                ),
            ));
        }
    }
    Ok(bucket)
}

// ----------------------------------------------------------------------------------- detection

fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    // The middle value(s) by selection, O(n): the same values a sort puts there.
    let (below, mid, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *mid;
    if n % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lower + upper)
    }
}

/// Two-sided binomial p-value of `k` successes out of `n` at rate `p` (see the module docs).
pub fn binomial_p_value(k: f64, n: f64, p: f64) -> f64 {
    use crate::experiment::dist::beta_reg;
    let p = p.clamp(0.0, 1.0);
    // P(X ≤ k) = I_{1−p}(n − k, k + 1) for k < n.
    let lower = if k >= n {
        1.0
    } else {
        beta_reg(n - k, k + 1.0, 1.0 - p, p)
    };
    // P(X ≥ k) = I_p(k, n − k + 1) for k > 0.
    let upper = if k <= 0.0 {
        1.0
    } else {
        beta_reg(k, n - k + 1.0, p, 1.0 - p)
    };
    (2.0 * lower.min(upper)).min(1.0)
}

/// A decomposition of the series (summed seasonal components).
struct Fitted {
    trend: Vec<f64>,
    seasonal: Vec<f64>,
    remainder: Vec<f64>,
    resolved: Vec<stl::ResolvedStl>,
}

fn fit_components(
    y: &[f64],
    periods: &[usize],
    settings: &StlSettings,
    trend_window: Option<f64>,
    previous: Option<&[f64]>,
) -> Result<Fitted> {
    let n = y.len();
    if periods.is_empty() {
        let w = trend_window.map_or(NON_SEASONAL_TREND_WINDOW, |w| w as usize);
        let trend = stl::loess_trend(y, w);
        let remainder = y.iter().zip(&trend).map(|(y, t)| y - t).collect();
        return Ok(Fitted {
            trend,
            seasonal: vec![0.0; n],
            remainder,
            resolved: Vec::new(),
        });
    }
    let c = match (previous, periods) {
        (Some(trend), &[period]) => stl::refit(y, period, settings, trend, REFIT_INNER_ITERATIONS)?,
        _ => stl::decompose(y, periods, settings)?,
    };
    let mut seasonal = vec![0.0; n];
    for s in &c.seasonal {
        for (a, b) in seasonal.iter_mut().zip(s) {
            *a += *b;
        }
    }
    Ok(Fitted {
        trend: c.trend,
        seasonal,
        remainder: c.remainder,
        resolved: c.settings,
    })
}

/// The series with each masked point replaced by the fit's trend plus the median of the
/// detrended values at the same seasonal position one to three periods before and after that
/// are not masked (the fit's seasonal value when there is none; the trend alone without a
/// period). The point's own value, which pulled the fit, takes no part.
fn impute(observed: &[f64], mask: &[bool], fit: &Fitted, period: Option<usize>) -> Vec<f64> {
    let n = observed.len();
    let mut near = Vec::with_capacity(6);
    (0..n)
        .map(|i| {
            if !mask[i] {
                return observed[i];
            }
            let Some(p) = period else {
                return fit.trend[i];
            };
            near.clear();
            for k in 1..=3 {
                for j in [i.checked_sub(k * p), Some(i + k * p)]
                    .into_iter()
                    .flatten()
                {
                    if j < n && !mask[j] {
                        near.push(observed[j] - fit.trend[j]);
                    }
                }
            }
            if near.is_empty() {
                fit.trend[i] + fit.seasonal[i]
            } else {
                fit.trend[i] + median(&mut near)
            }
        })
        .collect()
}

/// Scores of the remainder and the candidates (before direction and the rate test).
struct Scores {
    score: Vec<f64>,
    /// Added to trend + seasonal for `expected`: the remainder's median (robust) or the
    /// non-outliers' mean (esd).
    centre: f64,
    /// Half the band's width.
    half_width: f64,
    candidate: Vec<bool>,
    /// z* (robust) or λ for one more outlier (esd).
    threshold: f64,
    max_anomalies: Option<usize>,
}

/// Refits with the masked points imputed from `fit` ([`MASK_ROUNDS`] fits, each warm-started
/// from the previous trend), and scores the observed series against the last fit.
fn refit_masked(
    observed: &[f64],
    mask: &[bool],
    mut fit: Fitted,
    periods: &[usize],
    settings: &StlSettings,
    options: &AnomalyOptions,
) -> Result<(Fitted, Scores)> {
    for _ in 0..MASK_ROUNDS {
        let masked = impute(observed, mask, &fit, periods.iter().min().copied());
        fit = fit_components(
            &masked,
            periods,
            settings,
            options.trend_window,
            Some(&fit.trend),
        )?;
    }
    fit.remainder = (0..observed.len())
        .map(|i| observed[i] - fit.trend[i] - fit.seasonal[i])
        .collect();
    let sc = scores(&fit.remainder, observed, options);
    Ok((fit, sc))
}

/// Refits per masking pass, each with the masked points imputed from the previous fit (a second
/// refit changed no flag in tests/anomaly.rs and took 5.28 ms per series instead of 3.36 in
/// `examples/anomaly_bench.rs`).
pub const MASK_ROUNDS: usize = 1;

/// Inner-loop passes of a masking refit of a single-period STL, which starts from the previous
/// fit's trend (the masked series differs from the one fitted at a few points only): at most
/// this many, or `innerIterations` when that is smaller. Refitting from 0 with statsmodels' 5
/// passes (anomaly.detect 1.0.0) gave the same flags on the 380 series of
/// `bench/anomaly_corpus.py`; `expected` moved by at most 3.2 % of the band's half-width and
/// scores by at most 0.065, with 2 inner passes per refit instead of 5.
pub const REFIT_INNER_ITERATIONS: usize = 2;

/// The most masking passes (see the module docs).
pub const MASK_PASSES: usize = 5;

/// Spread below this share of the series' largest magnitude is rounding, not noise.
const ROUNDING: f64 = 1e-10;

fn scores(remainder: &[f64], observed: &[f64], options: &AnomalyOptions) -> Scores {
    let n = remainder.len();
    let magnitude = observed.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tiny = ROUNDING * magnitude;
    let mut r = remainder.to_vec();
    let med = median(&mut r);
    let mut dev: Vec<f64> = remainder.iter().map(|x| (x - med).abs()).collect();
    let flat = dev.iter().all(|&d| d <= tiny);
    match options.method {
        AnomalyMethod::Robust => {
            let threshold = options.threshold();
            let mean_ad = dev.iter().sum::<f64>() / n as f64;
            let mad = median(&mut dev);
            let mut scale = MAD_SCALE * mad;
            if scale <= tiny {
                scale = MEAN_AD_SCALE * mean_ad;
            }
            if flat || scale <= tiny {
                scale = 0.0;
            }
            let score: Vec<f64> = remainder
                .iter()
                .map(|x| if scale > 0.0 { (x - med) / scale } else { 0.0 })
                .collect();
            let candidate = score.iter().map(|z| z.abs() > threshold).collect();
            Scores {
                score,
                centre: med,
                half_width: threshold * scale,
                candidate,
                threshold,
                max_anomalies: None,
            }
        }
        AnomalyMethod::Esd => {
            let max = match options.max_anomalies {
                Some(m) => m as usize,
                None => (n / 20).max(1),
            };
            let e = esd::generalized_esd(remainder, if flat { 0 } else { max }, options.alpha);
            let mut candidate = vec![false; n];
            for &k in &e.removed[..e.outliers] {
                candidate[k] = true;
            }
            let sd = if flat { 0.0 } else { e.sd };
            let score = remainder
                .iter()
                .map(|x| if sd > 0.0 { (x - e.mean) / sd } else { 0.0 })
                .collect();
            let half_width = if e.threshold.is_finite() {
                e.threshold * sd
            } else {
                0.0
            };
            Scores {
                score,
                centre: if flat { med } else { e.mean },
                half_width,
                candidate,
                threshold: e.threshold,
                max_anomalies: Some(max),
            }
        }
    }
}

/// Flags the anomalies of one series (see the module docs).
pub fn detect_anomalies(series: &AnomalySeries, options: &AnomalyOptions) -> Result<AnomalyResult> {
    options.check()?;
    let n = series.time.len();
    if n == 0 {
        return Err(Error::Empty {
            what: "series".into(),
        });
    }
    if n > MAX_POINTS {
        return Err(Error::TooLarge {
            what: "series".into(),
            size: n,
            limit: MAX_POINTS,
        });
    }
    if series.value.len() != n {
        return Err(Error::LengthMismatch {
            column: "value".into(),
            actual: series.value.len(),
            reference: "time".into(),
            expected: n,
        });
    }
    if let Some(d) = &series.denominator {
        if d.len() != n {
            return Err(Error::LengthMismatch {
                column: "denominator".into(),
                actual: d.len(),
                reference: "time".into(),
                expected: n,
            });
        }
    }
    check_numbers(&series.time[..], "time")?;
    check_numbers(&series.value[..], "value")?;
    if let Some(d) = &series.denominator {
        check_numbers(&d[..], "denominator")?;
    }
    let bucket = check_time(&series.time)?;
    let observed: Vec<f64> = match &series.denominator {
        None => series.value.clone(),
        Some(d) => {
            for (i, (&v, &den)) in series.value.iter().zip(d).enumerate() {
                if den < 0.0 {
                    return Err(Error::Negative {
                        column: "denominator".into(),
                        row: i + 1,
                        value: den,
                    });
                }
                if v < 0.0 {
                    return Err(Error::Negative {
                        column: "value".into(),
                        row: i + 1,
                        value: v,
                    });
                }
                if den == 0.0 {
                    return Err(out_of_range(
                        "denominator",
                        i + 1,
                        "is 0: the rate value ÷ denominator is undefined".into(),
                    ));
                }
                if v > den {
                    return Err(out_of_range(
                        "value",
                        i + 1,
                        format!("{v} is greater than the denominator {den}: a rate's count cannot exceed its base"),
                    ));
                }
            }
            series.value.iter().zip(d).map(|(v, d)| v / d).collect()
        }
    };
    if n < MIN_POINTS {
        return Err(Error::InsufficientData {
            message: format!(
                "anomaly detection needs at least {MIN_POINTS} points; the series has {n}"
            ),
        });
    }

    // Periods.
    let mut fallback = None;
    let periods: Vec<usize> = match options.periods()? {
        Periods::Given(p) => {
            if let Some(&p) = p.iter().find(|&&p| n < 2 * p) {
                return Err(Error::InsufficientData {
                    message: format!(
                        "seasonality {p} needs at least two seasons ({} points); the series has {n}",
                        2 * p
                    ),
                });
            }
            p
        }
        Periods::Auto => {
            let natural = bucket.natural();
            let fit: Vec<usize> = natural
                .iter()
                .filter(|(p, _, k)| n >= k * p)
                .map(|&(p, _, _)| p)
                .collect();
            if fit.is_empty() {
                if let Some(&(p, name, k)) = natural.first() {
                    let seasons = if k == 2 { "two" } else { "four" };
                    fallback = Some(format!(
                        "The series has {n} {} points, fewer than {seasons} seasons ({}) of {name} seasonality: the expected values follow a loess trend without a seasonal component.",
                        bucket.name(),
                        k * p
                    ));
                }
            }
            fit
        }
    };

    // Decomposition, candidates; then the same again with the candidates masked.
    let settings = options.stl_settings()?;
    let mut fit = fit_components(&observed, &periods, &settings, options.trend_window, None)?;
    let mut sc = scores(&fit.remainder, &observed, options);
    let mut mask = vec![false; n];
    for _ in 0..MASK_PASSES {
        // The new candidates at least half as far out as the farthest: an echo of a larger
        // anomaly waits until that anomaly is masked (and then usually disappears).
        let far = (0..n)
            .filter(|&i| sc.candidate[i] && !mask[i])
            .fold(0.0f64, |m, i| m.max(sc.score[i].abs()));
        let new: Vec<usize> = (0..n)
            .filter(|&i| sc.candidate[i] && !mask[i] && sc.score[i].abs() >= 0.5 * far)
            .collect();
        if new.is_empty() {
            break;
        }
        for &i in &new {
            mask[i] = true;
        }
        (fit, sc) = refit_masked(&observed, &mask, fit, &periods, &settings, options)?;
    }
    let Fitted {
        trend,
        seasonal,
        remainder,
        resolved,
    } = fit;
    let Scores {
        score,
        centre,
        half_width,
        candidate,
        threshold,
        max_anomalies: effective_max,
    } = sc;
    let expected: Vec<f64> = (0..n).map(|i| trend[i] + seasonal[i] + centre).collect();
    let lower: Vec<f64> = expected.iter().map(|e| e - half_width).collect();
    let upper: Vec<f64> = expected.iter().map(|e| e + half_width).collect();

    // Direction, rate test.
    let p_value: Option<Vec<f64>> = series.denominator.as_ref().map(|d| {
        (0..n)
            .map(|i| binomial_p_value(series.value[i], d[i], expected[i]))
            .collect()
    });
    let mut flagged = vec![0u8; n];
    let mut direction = vec![0i8; n];
    for i in 0..n {
        if !candidate[i] {
            continue;
        }
        let up = observed[i] > expected[i];
        let allowed = match options.direction {
            Direction::Both => true,
            Direction::Up => up,
            Direction::Down => !up,
        };
        let counted = match (&series.denominator, &p_value) {
            (Some(d), Some(p)) => d[i] >= options.min_denominator && p[i] < options.alpha,
            _ => true,
        };
        if allowed && counted {
            flagged[i] = 1;
            direction[i] = if up { 1 } else { -1 };
        }
    }

    let definition = definition_ref(options, &periods, &resolved, threshold, effective_max);
    Ok(AnomalyResult {
        observed,
        expected,
        lower,
        upper,
        score,
        flagged,
        direction,
        p_value,
        decomposition: Decomposition {
            periods: periods.iter().map(|&p| p as u32).collect(),
            trend,
            seasonal,
            remainder,
        },
        fallback,
        definition,
    })
}

fn definition_ref(
    o: &AnomalyOptions,
    periods: &[usize],
    resolved: &[stl::ResolvedStl],
    threshold: f64,
    max_anomalies: Option<usize>,
) -> DefinitionRef {
    let text = |s: &str| ParamValue::Text(s.to_string());
    let def = match o.method {
        AnomalyMethod::Robust => &DETECT,
        AnomalyMethod::Esd => &ESD,
    };
    let list = |v: Vec<usize>| -> ParamValue {
        match v.as_slice() {
            [one] => ParamValue::Number(*one as f64),
            _ => text(
                &v.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    };
    let periods_text = if periods.is_empty() {
        text("none")
    } else {
        list(periods.to_vec())
    };
    let mut d = DefinitionRef::new(def)
        .with("seasonality", periods_text)
        .with("direction", text(o.direction.as_str()))
        .with(
            "method",
            text(match o.method {
                AnomalyMethod::Robust => "robust",
                AnomalyMethod::Esd => "esd",
            }),
        )
        .with("alpha", ParamValue::Number(o.alpha))
        .with("minDenominator", ParamValue::Number(o.min_denominator))
        .with("robust", ParamValue::Bool(o.robust));
    if o.method == AnomalyMethod::Robust {
        d = d
            .with("sensitivity", ParamValue::Number(o.sensitivity))
            .with("threshold", ParamValue::Number(threshold));
    }
    if let Some(m) = max_anomalies {
        d = d.with("maxAnomalies", ParamValue::Number(m as f64));
    }
    if resolved.is_empty() {
        let w = o
            .trend_window
            .map(|w| w as usize)
            .unwrap_or(NON_SEASONAL_TREND_WINDOW);
        d = d.with("trendWindow", ParamValue::Number(w as f64));
    } else {
        let col = |f: fn(&stl::ResolvedStl) -> usize| list(resolved.iter().map(f).collect());
        d = d
            .with("seasonalWindow", col(|s| s.seasonal_window))
            .with("trendWindow", col(|s| s.trend_window))
            .with("lowPassWindow", col(|s| s.low_pass_window))
            .with("seasonalDegree", col(|s| s.seasonal_degree as usize))
            .with("trendDegree", col(|s| s.trend_degree as usize))
            .with("lowPassDegree", col(|s| s.low_pass_degree as usize))
            .with("seasonalJump", col(|s| s.seasonal_jump))
            .with("trendJump", col(|s| s.trend_jump))
            .with("lowPassJump", col(|s| s.low_pass_jump))
            .with("innerIterations", col(|s| s.inner_iterations))
            .with("outerIterations", col(|s| s.outer_iterations));
    }
    d
}
