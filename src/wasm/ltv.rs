//! LTV for JS: `fitBgNbd`, `fitGammaGamma` (model classes with `toJSON` / `fromJSON`), `clv`,
//! `historicalLtv`, `simpleLtv`.

use super::convert::{check_keys, date_option, get, js, type_name, JsResult};
use super::summary::CustomerSummary;
use super::transactions::Transactions;
use crate::data::{CustomerKeys, Period};
use crate::error::Error;
use crate::ltv::bgnbd::{self, BgNbdOptions, BgNbdParams};
use crate::ltv::clv::{ClvOptions, DiscountConvention};
use crate::ltv::gamma_gamma::{self, GammaGammaOptions, GammaGammaParams};
use crate::ltv::historical::HistoricalOptions;
use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_LTV: &'static str = r#"
/** Options of `fitBgNbd` and `fitGammaGamma`. */
export interface FitOptions {
  /** Optimiser starting points (BG/NBD 1–10, Gamma-Gamma 1–6). Default 3. */
  starts?: number;
  /** Iteration limit per start. Default 500. */
  maxIterations?: number;
  /** Largest gradient of the mean log-likelihood (log-parameters) at convergence. Default 1e-6. */
  tolerance?: number;
  /** `fitBgNbd` and `fitGammaGamma`: called before each start (and the refinement) and at the end; see `ProgressCallback`. */
  onProgress?: ProgressCallback;
}

/** BG/NBD parameters (α in periods of the summary). */
export interface BgNbdParams { r: number; alpha: number; a: number; b: number; }

/** Standard errors of the BG/NBD parameters (null where the Hessian is not positive definite or the model was built from parameters). */
export interface BgNbdStdErrors { r: number | null; alpha: number | null; a: number | null; b: number | null; }

/** A BG/NBD model as plain JSON (`model.toJSON()`, `BgNbdModel.fromJSON()`). */
export interface BgNbdModelJson {
  model: "ltv.bgnbd";
  version: string;
  params: BgNbdParams;
  logLikelihood: number | null;
  stdErrors: BgNbdStdErrors;
  converged: boolean;
  iterations: number;
  customers: number;
  period: Period;
  starts: number;
  maxIterations: number;
  tolerance: number;
}

/** Pareto/NBD parameters (α and β in periods of the summary). */
export interface ParetoNbdParams { r: number; alpha: number; s: number; beta: number; }

/** Standard errors of the Pareto/NBD parameters. */
export interface ParetoNbdStdErrors { r: number | null; alpha: number | null; s: number | null; beta: number | null; }

/** A Pareto/NBD model as plain JSON. */
export interface ParetoNbdModelJson {
  model: "ltv.pareto_nbd";
  version: string;
  params: ParetoNbdParams;
  logLikelihood: number | null;
  stdErrors: ParetoNbdStdErrors;
  converged: boolean;
  iterations: number;
  customers: number;
  period: Period;
  starts: number;
  maxIterations: number;
  tolerance: number;
}

/** Gamma-Gamma parameters (`v` is Fader & Hardie's γ, in currency). */
export interface GammaGammaParams { p: number; q: number; v: number; }

/** Standard errors of the Gamma-Gamma parameters. */
export interface GammaGammaStdErrors { p: number | null; q: number | null; v: number | null; }

/** A Gamma-Gamma model as plain JSON. */
export interface GammaGammaModelJson {
  model: "ltv.gamma_gamma";
  version: string;
  params: GammaGammaParams;
  logLikelihood: number | null;
  stdErrors: GammaGammaStdErrors;
  converged: boolean;
  iterations: number;
  customers: number;
  frequencySpendCorrelation: number | null;
  starts: number;
  maxIterations: number;
  tolerance: number;
}

/** P(alive) per customer; `noRepeatPurchase[i]` is 1 when customer i has no repeat purchase (P(alive) = 1 by construction). */
export interface ProbabilityAlive {
  probabilityAlive: Float64Array;
  noRepeatPurchase: Uint8Array;
}

/** Options of `clv()`. */
export interface ClvOptions {
  /** Horizon in whole months. Default 12. */
  horizonMonths?: number;
  /** Default `"monthlyDiscrete"` (1/(1+discountRate)^k, lifetimes); `"continuous"`: exp(−continuousRate·k/12) (CLVTools). */
  discountConvention?: "monthlyDiscrete" | "continuous";
  /** Monthly discrete rate. Default 0.01. */
  discountRate?: number;
  /** Continuous annual rate. Default 0.1. */
  continuousRate?: number;
  /** Gross margin rate 0–1. Default 1. */
  margin?: number;
  /** Summary periods per month for weekly summaries. Default 4.345. */
  weeksPerMonth?: number;
  /** Summary periods per month for daily summaries. Default 30. */
  daysPerMonth?: number;
}

/** Per-customer CLV and its breakdown: clv = expectedPurchases · expectedSpend · margin · discountFactor. */
export interface ClvResult {
  customerId: Uint32Array | string[];
  clv: Float64Array;
  probabilityAlive: Float64Array;
  noRepeatPurchase: Uint8Array;
  expectedPurchases: Float64Array;
  expectedSpend: Float64Array;
  margin: number;
  discountFactor: Float64Array;
  total: number;
  definition: DefinitionRef;
}

/** Options of `historicalLtv()`. */
export interface HistoricalLtvOptions {
  /** Gross margin rate 0–1. Default 1. Not combinable with a cost column (margin = amount − cost then). */
  marginRate?: number;
  /** End of the window. Default: the last transaction. */
  observationEnd?: DateInput;
}

/** One acquisition cohort: average cumulative margin per customer by months since acquisition. */
export interface CohortLtvCurve {
  /** Acquisition month, `YYYY-MM`. */
  month: string;
  /** First day of that month (epoch ms, UTC). */
  monthStart: number;
  customers: number;
  cumulative: Float64Array;
}

/** Result of `historicalLtv()`. */
export interface HistoricalLtvResult {
  customerId: Uint32Array | string[];
  /** Start of each customer's acquisition month (epoch ms, UTC). */
  acquisitionMonth: Float64Array;
  revenue: Float64Array;
  /** Cost to date per customer when the transactions carry a cost column, else null. */
  cost: Float64Array | null;
  /** Realised gross margin: revenue − cost with a cost column, else marginRate · revenue. */
  ltv: Float64Array;
  cohorts: CohortLtvCurve[];
  definition: DefinitionRef;
}

/** Options of `simpleLtv()`. */
export interface SimpleLtvOptions {
  /** Average revenue per customer per period. */
  arpu: number;
  /** Share of customers lost per period, in (0, 1]. 0 throws E_UNDEFINED. */
  churnRate: number;
  /** Gross margin rate 0–1. Default 1. */
  marginRate?: number;
  /** Period of ARPU and churn. Default `"month"`. */
  period?: Period;
}

/** Options of `calibrationHoldout()`. */
export interface HoldoutOptions {
  /** End of the calibration window (its period belongs to calibration). Required. */
  calibrationEnd: DateInput;
  /** End of the holdout window. Default: the last transaction. */
  observationEnd?: DateInput;
  /** Period of the summary and of the holdout length. Default `"week"`. */
  period?: Period;
  /** Buckets of calibration frequency 0, 1, …, n−1 and n or more. Default 7. */
  frequencyBuckets?: number;
}

/** One calibration-frequency bucket: mean actual vs mean predicted holdout purchases. */
export interface HoldoutBucket {
  frequency: number;
  /** True for the last bucket (`frequency` or more). */
  openEnded: boolean;
  customers: number;
  actual: number;
  predicted: number;
}

/** Result of `calibrationHoldout()`. */
export interface HoldoutResult {
  /** The BG/NBD model fitted on the calibration window. */
  model: BgNbdModel;
  customerId: Uint32Array | string[];
  /** Calibration frequency per customer. */
  frequency: Float64Array;
  actual: Float64Array;
  predicted: Float64Array;
  holdoutPeriods: number;
  buckets: HoldoutBucket[];
  totalActual: number;
  totalPredicted: number;
  mae: number;
  rmse: number;
  bias: number;
  definition: DefinitionRef;
}

/** Result of `simpleLtv()`. */
export interface SimpleLtvResult {
  value: number;
  expectedLifetimePeriods: number;
  definition: DefinitionRef;
}
"#;

const FIT_KEYS: &[&str] = &["starts", "maxIterations", "tolerance"];
/// The fits that report progress also take `onProgress`.
const PROGRESS_FIT_KEYS: &[&str] = &["starts", "maxIterations", "tolerance", "onProgress"];
const CLV_KEYS: &[&str] = &[
    "horizonMonths",
    "discountConvention",
    "discountRate",
    "continuousRate",
    "margin",
    "weeksPerMonth",
    "daysPerMonth",
];
const HIST_KEYS: &[&str] = &["marginRate", "observationEnd"];
const SIMPLE_KEYS: &[&str] = &["arpu", "churnRate", "marginRate", "period"];
const HOLDOUT_KEYS: &[&str] = &[
    "calibrationEnd",
    "observationEnd",
    "period",
    "frequencyBuckets",
];

fn to_js_full<T: Serialize>(v: &T) -> JsValue {
    let ser = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    v.serialize(&ser).unwrap_or(JsValue::NULL)
}

fn options_object(value: &JsValue, function: &str, known: &[&str]) -> crate::Result<JsValue> {
    Ok(super::convert::options_object(value, function, known)?
        .unwrap_or_else(|| Object::new().into()))
}

fn number(obj: &JsValue, key: &str) -> crate::Result<Option<f64>> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(Some(x)),
        Some(x) => Err(Error::BadOption {
            option: key.into(),
            message: format!("must be a finite number, found {x}"),
        }),
        None => Err(Error::BadOption {
            option: key.into(),
            message: format!("expected a number, found {}", type_name(&v)),
        }),
    }
}

fn integer(obj: &JsValue, key: &str, min: f64, max: f64) -> crate::Result<Option<usize>> {
    match number(obj, key)? {
        None => Ok(None),
        Some(x) if x.fract() == 0.0 && x >= min && x <= max => Ok(Some(x as usize)),
        Some(x) => Err(Error::BadOption {
            option: key.into(),
            message: format!("must be a whole number from {min} to {max}, found {x}"),
        }),
    }
}

fn text(obj: &JsValue, key: &str) -> crate::Result<Option<String>> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| Error::BadOption {
        option: key.into(),
        message: format!("expected a string, found {}", type_name(&v)),
    })
}

fn fit_options(value: &JsValue, function: &str) -> crate::Result<(usize, usize, f64)> {
    fit_options_with(value, function, FIT_KEYS)
}

fn fit_options_with(
    value: &JsValue,
    function: &str,
    known: &[&str],
) -> crate::Result<(usize, usize, f64)> {
    let o = options_object(value, function, known)?;
    let d = BgNbdOptions::default();
    Ok((
        integer(&o, "starts", 1.0, 10.0)?.unwrap_or(d.starts),
        integer(&o, "maxIterations", 1.0, 100_000.0)?.unwrap_or(d.max_iterations),
        number(&o, "tolerance")?.unwrap_or(d.tolerance),
    ))
}

fn keys_js(k: &CustomerKeys) -> JsValue {
    match k {
        CustomerKeys::Numeric(v) => Uint32Array::from(&v[..]).into(),
        CustomerKeys::Text(v) => v
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into(),
    }
}

fn flags(v: &[bool]) -> Uint8Array {
    let bytes: Vec<u8> = v.iter().map(|&b| u8::from(b)).collect();
    Uint8Array::from(&bytes[..])
}

fn set(o: &Object, k: &str, v: JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v);
}

fn time_arg(t: f64) -> crate::Result<f64> {
    bgnbd::check_horizon(t).map(|_| t)
}

fn model_json_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::BadOption {
        option: "json".into(),
        message: format!("not a valid {what} model: {e}"),
    }
}

fn check_model_id(
    id: &str,
    version: &str,
    want: &crate::glossary::Definition,
) -> crate::Result<()> {
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if id != want.id || major(version) != major(want.version) {
        return Err(Error::BadOption {
            option: "json".into(),
            message: format!(
                "expected model \"{}\" version {}.x, found \"{id}\" version {version}",
                want.id,
                major(want.version)
            ),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------- BG/NBD

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Se4 {
    r: Option<f64>,
    alpha: Option<f64>,
    a: Option<f64>,
    b: Option<f64>,
}

/// The JSON form of the BG/NBD and Pareto/NBD models (`toJSON()`), with their parameters `P`
/// and standard errors `S`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PurchaseModelJson<P, S> {
    model: String,
    version: String,
    params: P,
    log_likelihood: Option<f64>,
    std_errors: S,
    converged: bool,
    iterations: usize,
    customers: usize,
    period: Period,
    starts: usize,
    max_iterations: usize,
    tolerance: f64,
}

type BgNbdJson = PurchaseModelJson<BgNbdParams, Se4>;

/// A fitted BG/NBD purchase model (`ltv.bgnbd`).
#[wasm_bindgen]
pub struct BgNbdModel {
    inner: bgnbd::BgNbdModel,
}

impl BgNbdModel {
    /// The core model.
    pub fn core(&self) -> &bgnbd::BgNbdModel {
        &self.inner
    }
}

/// Fits the BG/NBD model to a customer summary by maximum likelihood.
#[wasm_bindgen(js_name = fitBgNbd)]
pub fn fit_bg_nbd(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_param_type = "FitOptions")] options: &JsValue,
) -> JsResult<BgNbdModel> {
    let (starts, max_iterations, tolerance) =
        js(fit_options_with(options, "fitBgNbd", PROGRESS_FIT_KEYS))?;
    let opts = BgNbdOptions {
        starts,
        max_iterations,
        tolerance,
    };
    let callback = js(super::progress::option(Some(options)))?;
    js(super::progress::with_hook(
        callback.as_ref(),
        "fitBgNbd",
        |hook| bgnbd::BgNbdModel::fit_with_progress(summary.core(), &opts, hook),
    ))
    .map(|inner| BgNbdModel { inner })
}

#[wasm_bindgen]
impl BgNbdModel {
    /// Parameters `{ r, alpha, a, b }`.
    #[wasm_bindgen(getter, unchecked_return_type = "BgNbdParams")]
    pub fn params(&self) -> JsValue {
        to_js_full(&self.inner.params)
    }

    /// Σ log-likelihood at the parameters (undefined for a model built from parameters only).
    #[wasm_bindgen(getter, js_name = logLikelihood)]
    pub fn log_likelihood(&self) -> Option<f64> {
        self.inner.log_likelihood
    }

    /// Standard errors from the inverse Hessian.
    #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "BgNbdStdErrors")]
    pub fn std_errors(&self) -> JsValue {
        let [r, alpha, a, b] = self.inner.std_errors;
        to_js_full(&Se4 { r, alpha, a, b })
    }

    /// Whether the optimiser met its gradient criterion.
    #[wasm_bindgen(getter)]
    pub fn converged(&self) -> bool {
        self.inner.converged
    }

    /// Optimiser iterations of the retained start.
    #[wasm_bindgen(getter)]
    pub fn iterations(&self) -> u32 {
        self.inner.iterations as u32
    }

    /// Customers in the fit.
    #[wasm_bindgen(getter)]
    pub fn customers(&self) -> u32 {
        self.inner.customers as u32
    }

    /// Period unit of the summary the model was fitted on.
    #[wasm_bindgen(getter, unchecked_return_type = "Period")]
    pub fn period(&self) -> String {
        self.inner.period.as_str().into()
    }

    /// The definition reference `{ metric: "ltv.bgnbd", version, params }`.
    #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
    pub fn definition(&self) -> JsValue {
        super::convert::to_js(&self.inner.definition())
    }

    /// P(alive) per customer, with the no-repeat-purchase flag.
    #[wasm_bindgen(js_name = probabilityAlive, unchecked_return_type = "ProbabilityAlive")]
    pub fn probability_alive(&self, summary: &CustomerSummary) -> JsResult<JsValue> {
        let (p, f) = js(self.inner.probability_alive(summary.core()))?;
        let o = Object::new();
        set(&o, "probabilityAlive", Float64Array::from(&p[..]).into());
        set(&o, "noRepeatPurchase", flags(&f).into());
        Ok(o.into())
    }

    /// Conditional expected repeat purchases in the next `t` periods, per customer.
    #[wasm_bindgen(js_name = expectedPurchases)]
    pub fn expected_purchases(&self, summary: &CustomerSummary, t: f64) -> JsResult<Float64Array> {
        let v = js(self.inner.expected_purchases(summary.core(), t))?;
        Ok(Float64Array::from(&v[..]))
    }

    /// Expected repeat purchases of a new customer in their first `t` periods.
    #[wasm_bindgen(js_name = expectedPurchasesNewCustomer)]
    pub fn expected_purchases_new(&self, t: f64) -> JsResult<f64> {
        js(self.inner.expected_purchases_new(t))
    }

    /// Probability that a new customer makes exactly `n` repeat purchases in their first `t`
    /// periods.
    #[wasm_bindgen(js_name = probabilityOfPurchases)]
    pub fn probability_of_purchases(&self, t: f64, n: f64) -> JsResult<f64> {
        js((|| {
            let t = time_arg(t)?;
            if !(n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n)) {
                return Err(Error::BadOption {
                    option: "n".into(),
                    message: format!("expected a whole number of purchases ≥ 0, found {n}"),
                });
            }
            self.inner.probability_of_purchases(t, n as u32)
        })())
    }

    /// The model as plain JSON (restore with `BgNbdModel.fromJSON`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "BgNbdModelJson")]
    pub fn to_json(&self) -> JsValue {
        let m = &self.inner;
        let [r, alpha, a, b] = m.std_errors;
        to_js_full(&BgNbdJson {
            model: bgnbd::DEFINITION.id.into(),
            version: bgnbd::DEFINITION.version.into(),
            params: m.params,
            log_likelihood: m.log_likelihood,
            std_errors: Se4 { r, alpha, a, b },
            converged: m.converged,
            iterations: m.iterations,
            customers: m.customers,
            period: m.period,
            starts: m.starts,
            max_iterations: m.max_iterations,
            tolerance: m.tolerance,
        })
    }

    /// Restores a model from `toJSON()` output (also after `JSON.stringify` / `JSON.parse`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "BgNbdModelJson")] json: JsValue,
    ) -> JsResult<BgNbdModel> {
        js(bgnbd_from_json(json)).map(|inner| BgNbdModel { inner })
    }
}

/// The keys of a BG/NBD model's JSON form (`toJSON()`).
pub(crate) const BGNBD_JSON_KEYS: &[&str] = &[
    "model",
    "version",
    "params",
    "logLikelihood",
    "stdErrors",
    "converged",
    "iterations",
    "customers",
    "period",
    "starts",
    "maxIterations",
    "tolerance",
];

fn json_object(
    json: &JsValue,
    function: &str,
    known: &[&str],
    want: &crate::glossary::Definition,
) -> crate::Result<()> {
    if !json.is_object() || Array::is_array(json) {
        return Err(Error::BadOption {
            option: "json".into(),
            message: format!(
                "{function} expects a model object, found {}",
                type_name(json)
            ),
        });
    }
    if let Some(id) = get(json, "model").as_string() {
        if id != want.id {
            return Err(Error::BadOption {
                option: "json".into(),
                message: format!("expected model \"{}\", found \"{id}\"", want.id),
            });
        }
    }
    check_keys(json, function, known)
}

/// A saved model's JSON (`toJSON()` output) that names its definition.
trait ModelJson: serde::de::DeserializeOwned {
    fn id_and_version(&self) -> (&str, &str);
}

impl<P: serde::de::DeserializeOwned, S: serde::de::DeserializeOwned> ModelJson
    for PurchaseModelJson<P, S>
{
    fn id_and_version(&self) -> (&str, &str) {
        (&self.model, &self.version)
    }
}

/// The first steps of every `fromJSON`: an object with only the `known` keys, of the `want`
/// model, read into its JSON struct, saved under the same major version.
fn read_model_json<J: ModelJson>(
    json: JsValue,
    function: &str,
    known: &[&str],
    want: &crate::glossary::Definition,
    what: &str,
) -> crate::Result<J> {
    json_object(&json, function, known, want)?;
    let j: J = serde_wasm_bindgen::from_value(json).map_err(|e| model_json_error(what, e))?;
    let (id, version) = j.id_and_version();
    check_model_id(id, version, want)?;
    Ok(j)
}

fn bgnbd_from_json(json: JsValue) -> crate::Result<bgnbd::BgNbdModel> {
    let j: BgNbdJson = read_model_json(
        json,
        "BgNbdModel.fromJSON",
        BGNBD_JSON_KEYS,
        &bgnbd::DEFINITION,
        "BG/NBD",
    )?;
    let mut m = bgnbd::BgNbdModel::from_params(j.params, j.period)?;
    m.log_likelihood = j.log_likelihood;
    m.std_errors = [
        j.std_errors.r,
        j.std_errors.alpha,
        j.std_errors.a,
        j.std_errors.b,
    ];
    m.converged = j.converged;
    m.iterations = j.iterations;
    m.customers = j.customers;
    m.starts = j.starts;
    m.max_iterations = j.max_iterations;
    m.tolerance = j.tolerance;
    Ok(m)
}

// ---------------------------------------------------------------- Pareto/NBD

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SePnbd {
    r: Option<f64>,
    alpha: Option<f64>,
    s: Option<f64>,
    beta: Option<f64>,
}

type ParetoNbdJson = PurchaseModelJson<crate::ltv::pareto_nbd::ParetoNbdParams, SePnbd>;

/// A fitted Pareto/NBD purchase model (`ltv.pareto_nbd`).
#[wasm_bindgen]
pub struct ParetoNbdModel {
    inner: crate::ltv::pareto_nbd::ParetoNbdModel,
}

/// Fits the Pareto/NBD model to a customer summary by maximum likelihood.
#[wasm_bindgen(js_name = fitParetoNbd)]
pub fn fit_pareto_nbd(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_param_type = "FitOptions")] options: &JsValue,
) -> JsResult<ParetoNbdModel> {
    let (starts, max_iterations, tolerance) = js(fit_options(options, "fitParetoNbd"))?;
    let opts = BgNbdOptions {
        starts,
        max_iterations,
        tolerance,
    };
    js(crate::ltv::pareto_nbd::ParetoNbdModel::fit(
        summary.core(),
        &opts,
    ))
    .map(|inner| ParetoNbdModel { inner })
}

const PNBD_JSON_KEYS: &[&str] = BGNBD_JSON_KEYS;

#[wasm_bindgen]
impl ParetoNbdModel {
    /// Parameters `{ r, alpha, s, beta }`.
    #[wasm_bindgen(getter, unchecked_return_type = "ParetoNbdParams")]
    pub fn params(&self) -> JsValue {
        to_js_full(&self.inner.params)
    }

    /// Σ log-likelihood (undefined for a model built from parameters).
    #[wasm_bindgen(getter, js_name = logLikelihood)]
    pub fn log_likelihood(&self) -> Option<f64> {
        self.inner.log_likelihood
    }

    /// Standard errors from a finite-difference Hessian.
    #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "ParetoNbdStdErrors")]
    pub fn std_errors(&self) -> JsValue {
        let [r, alpha, s, beta] = self.inner.std_errors;
        to_js_full(&SePnbd { r, alpha, s, beta })
    }

    /// Whether the optimiser met its gradient criterion.
    #[wasm_bindgen(getter)]
    pub fn converged(&self) -> bool {
        self.inner.converged
    }

    /// Optimiser iterations of the retained start.
    #[wasm_bindgen(getter)]
    pub fn iterations(&self) -> u32 {
        self.inner.iterations as u32
    }

    /// Period unit of the summary the model was fitted on.
    #[wasm_bindgen(getter, unchecked_return_type = "Period")]
    pub fn period(&self) -> String {
        self.inner.period.as_str().into()
    }

    /// The definition reference `{ metric: "ltv.pareto_nbd", version, params }`.
    #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
    pub fn definition(&self) -> JsValue {
        super::convert::to_js(&self.inner.definition())
    }

    /// P(alive) per customer.
    #[wasm_bindgen(js_name = probabilityAlive)]
    pub fn probability_alive(&self, summary: &CustomerSummary) -> JsResult<Float64Array> {
        let v = js(self.inner.probability_alive(summary.core()))?;
        Ok(Float64Array::from(&v[..]))
    }

    /// Conditional expected repeat purchases in the next `t` periods, per customer.
    #[wasm_bindgen(js_name = expectedPurchases)]
    pub fn expected_purchases(&self, summary: &CustomerSummary, t: f64) -> JsResult<Float64Array> {
        let v = js(self.inner.expected_purchases(summary.core(), t))?;
        Ok(Float64Array::from(&v[..]))
    }

    /// Expected repeat purchases of a new customer in their first `t` periods.
    #[wasm_bindgen(js_name = expectedPurchasesNewCustomer)]
    pub fn expected_purchases_new(&self, t: f64) -> JsResult<f64> {
        js(self.inner.expected_purchases_new(t))
    }

    /// The model as plain JSON (restore with `ParetoNbdModel.fromJSON`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "ParetoNbdModelJson")]
    pub fn to_json(&self) -> JsValue {
        let m = &self.inner;
        let [r, alpha, s, beta] = m.std_errors;
        to_js_full(&ParetoNbdJson {
            model: crate::ltv::pareto_nbd::DEFINITION.id.into(),
            version: crate::ltv::pareto_nbd::DEFINITION.version.into(),
            params: m.params,
            log_likelihood: m.log_likelihood,
            std_errors: SePnbd { r, alpha, s, beta },
            converged: m.converged,
            iterations: m.iterations,
            customers: m.customers,
            period: m.period,
            starts: m.options.starts,
            max_iterations: m.options.max_iterations,
            tolerance: m.options.tolerance,
        })
    }

    /// Restores a model from `toJSON()` output.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "ParetoNbdModelJson")] json: JsValue,
    ) -> JsResult<ParetoNbdModel> {
        js(pnbd_from_json(json)).map(|inner| ParetoNbdModel { inner })
    }
}

fn pnbd_from_json(json: JsValue) -> crate::Result<crate::ltv::pareto_nbd::ParetoNbdModel> {
    use crate::ltv::pareto_nbd as pn;
    let j: ParetoNbdJson = read_model_json(
        json,
        "ParetoNbdModel.fromJSON",
        PNBD_JSON_KEYS,
        &pn::DEFINITION,
        "Pareto/NBD",
    )?;
    let mut m = pn::ParetoNbdModel::from_params(j.params, j.period)?;
    m.log_likelihood = j.log_likelihood;
    m.std_errors = [
        j.std_errors.r,
        j.std_errors.alpha,
        j.std_errors.s,
        j.std_errors.beta,
    ];
    m.converged = j.converged;
    m.iterations = j.iterations;
    m.customers = j.customers;
    m.options = BgNbdOptions {
        starts: j.starts,
        max_iterations: j.max_iterations,
        tolerance: j.tolerance,
    };
    Ok(m)
}

// ---------------------------------------------------------------- Gamma-Gamma

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Se3 {
    p: Option<f64>,
    q: Option<f64>,
    v: Option<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GammaGammaJson {
    model: String,
    version: String,
    params: GammaGammaParams,
    log_likelihood: Option<f64>,
    std_errors: Se3,
    converged: bool,
    iterations: usize,
    customers: usize,
    frequency_spend_correlation: Option<f64>,
    starts: usize,
    max_iterations: usize,
    tolerance: f64,
}

impl ModelJson for GammaGammaJson {
    fn id_and_version(&self) -> (&str, &str) {
        (&self.model, &self.version)
    }
}

/// A fitted Gamma-Gamma spend model (`ltv.gamma_gamma`).
#[wasm_bindgen]
pub struct GammaGammaModel {
    inner: gamma_gamma::GammaGammaModel,
}

/// Fits the Gamma-Gamma spend model on the repeat buyers of a customer summary.
#[wasm_bindgen(js_name = fitGammaGamma)]
pub fn fit_gamma_gamma(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_param_type = "FitOptions")] options: &JsValue,
) -> JsResult<GammaGammaModel> {
    let (starts, max_iterations, tolerance) = js(fit_options_with(
        options,
        "fitGammaGamma",
        PROGRESS_FIT_KEYS,
    ))?;
    let opts = GammaGammaOptions {
        starts,
        max_iterations,
        tolerance,
    };
    let callback = js(super::progress::option(Some(options)))?;
    js(super::progress::with_hook(
        callback.as_ref(),
        "fitGammaGamma",
        |hook| gamma_gamma::GammaGammaModel::fit_with_progress(summary.core(), &opts, hook),
    ))
    .map(|inner| GammaGammaModel { inner })
}

#[wasm_bindgen]
impl GammaGammaModel {
    /// Parameters `{ p, q, v }`.
    #[wasm_bindgen(getter, unchecked_return_type = "GammaGammaParams")]
    pub fn params(&self) -> JsValue {
        to_js_full(&self.inner.params)
    }

    /// Σ log-likelihood over the repeat buyers (undefined for a model built from parameters).
    #[wasm_bindgen(getter, js_name = logLikelihood)]
    pub fn log_likelihood(&self) -> Option<f64> {
        self.inner.log_likelihood
    }

    /// Standard errors from the inverse Hessian.
    #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "GammaGammaStdErrors")]
    pub fn std_errors(&self) -> JsValue {
        let [p, q, v] = self.inner.std_errors;
        to_js_full(&Se3 { p, q, v })
    }

    /// Whether the optimiser met its gradient criterion.
    #[wasm_bindgen(getter)]
    pub fn converged(&self) -> bool {
        self.inner.converged
    }

    /// Optimiser iterations of the retained start.
    #[wasm_bindgen(getter)]
    pub fn iterations(&self) -> u32 {
        self.inner.iterations as u32
    }

    /// Repeat buyers in the fit.
    #[wasm_bindgen(getter)]
    pub fn customers(&self) -> u32 {
        self.inner.customers as u32
    }

    /// Pearson correlation of frequency and mean spend among repeat buyers (the model assumes
    /// independence); undefined when either is constant.
    #[wasm_bindgen(getter, js_name = frequencySpendCorrelation)]
    pub fn frequency_spend_correlation(&self) -> Option<f64> {
        self.inner.frequency_spend_correlation
    }

    /// The definition reference `{ metric: "ltv.gamma_gamma", version, params }`.
    #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
    pub fn definition(&self) -> JsValue {
        super::convert::to_js(&self.inner.definition())
    }

    /// Conditional expected average spend per transaction, per customer.
    #[wasm_bindgen(js_name = expectedSpend)]
    pub fn expected_spend(&self, summary: &CustomerSummary) -> JsResult<Float64Array> {
        let v = js(self.inner.expected_spend(summary.core()))?;
        Ok(Float64Array::from(&v[..]))
    }

    /// The model as plain JSON (restore with `GammaGammaModel.fromJSON`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "GammaGammaModelJson")]
    pub fn to_json(&self) -> JsValue {
        let m = &self.inner;
        let [p, q, v] = m.std_errors;
        to_js_full(&GammaGammaJson {
            model: gamma_gamma::DEFINITION.id.into(),
            version: gamma_gamma::DEFINITION.version.into(),
            params: m.params,
            log_likelihood: m.log_likelihood,
            std_errors: Se3 { p, q, v },
            converged: m.converged,
            iterations: m.iterations,
            customers: m.customers,
            frequency_spend_correlation: m.frequency_spend_correlation,
            starts: m.starts,
            max_iterations: m.max_iterations,
            tolerance: m.tolerance,
        })
    }

    /// Restores a model from `toJSON()` output.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "GammaGammaModelJson")] json: JsValue,
    ) -> JsResult<GammaGammaModel> {
        js(gg_from_json(json)).map(|inner| GammaGammaModel { inner })
    }
}

const GG_JSON_KEYS: &[&str] = &[
    "model",
    "version",
    "params",
    "logLikelihood",
    "stdErrors",
    "converged",
    "iterations",
    "customers",
    "frequencySpendCorrelation",
    "starts",
    "maxIterations",
    "tolerance",
];

fn gg_from_json(json: JsValue) -> crate::Result<gamma_gamma::GammaGammaModel> {
    let j: GammaGammaJson = read_model_json(
        json,
        "GammaGammaModel.fromJSON",
        GG_JSON_KEYS,
        &gamma_gamma::DEFINITION,
        "Gamma-Gamma",
    )?;
    let mut m = gamma_gamma::GammaGammaModel::from_params(j.params)?;
    m.log_likelihood = j.log_likelihood;
    m.std_errors = [j.std_errors.p, j.std_errors.q, j.std_errors.v];
    m.converged = j.converged;
    m.iterations = j.iterations;
    m.customers = j.customers;
    m.frequency_spend_correlation = j.frequency_spend_correlation;
    m.starts = j.starts;
    m.max_iterations = j.max_iterations;
    m.tolerance = j.tolerance;
    Ok(m)
}

// ---------------------------------------------------------------- CLV, historical, simple

fn clv_options(value: &JsValue) -> crate::Result<ClvOptions> {
    let o = options_object(value, "clv", CLV_KEYS)?;
    let d = ClvOptions::default();
    Ok(ClvOptions {
        horizon_months: integer(&o, "horizonMonths", 1.0, 1200.0)?
            .map_or(d.horizon_months, |v| v as u32),
        convention: match text(&o, "discountConvention")? {
            Some(s) => DiscountConvention::parse(&s)?,
            None => d.convention,
        },
        discount_rate: number(&o, "discountRate")?.unwrap_or(d.discount_rate),
        continuous_rate: number(&o, "continuousRate")?.unwrap_or(d.continuous_rate),
        margin: number(&o, "margin")?.unwrap_or(d.margin),
        weeks_per_month: number(&o, "weeksPerMonth")?.unwrap_or(d.weeks_per_month),
        days_per_month: number(&o, "daysPerMonth")?.unwrap_or(d.days_per_month),
    })
}

/// Predictive CLV per customer with its breakdown.
#[wasm_bindgen(unchecked_return_type = "ClvResult")]
pub fn clv(
    #[wasm_bindgen(js_name = transactionModel)] transaction_model: &BgNbdModel,
    #[wasm_bindgen(js_name = spendModel)] spend_model: &GammaGammaModel,
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_param_type = "ClvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts = js(clv_options(options))?;
    let r = js(crate::ltv::clv::clv(
        &transaction_model.inner,
        &spend_model.inner,
        summary.core(),
        &opts,
    ))?;
    let o = Object::new();
    set(&o, "customerId", keys_js(&r.customer_id));
    set(&o, "clv", Float64Array::from(&r.clv[..]).into());
    set(
        &o,
        "probabilityAlive",
        Float64Array::from(&r.probability_alive[..]).into(),
    );
    set(&o, "noRepeatPurchase", flags(&r.no_repeat_purchase).into());
    set(
        &o,
        "expectedPurchases",
        Float64Array::from(&r.expected_purchases[..]).into(),
    );
    set(
        &o,
        "expectedSpend",
        Float64Array::from(&r.expected_spend[..]).into(),
    );
    set(&o, "margin", JsValue::from_f64(r.margin));
    set(
        &o,
        "discountFactor",
        Float64Array::from(&r.discount_factor[..]).into(),
    );
    set(&o, "total", JsValue::from_f64(r.total()));
    set(&o, "definition", super::convert::to_js(&r.definition));
    Ok(o.into())
}

/// Historical LTV per customer and cumulative cohort curves.
#[wasm_bindgen(js_name = historicalLtv, unchecked_return_type = "HistoricalLtvResult")]
pub fn historical_ltv(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "HistoricalLtvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let o = js(options_object(options, "historicalLtv", HIST_KEYS))?;
    let opts = HistoricalOptions {
        margin_rate: js(number(&o, "marginRate"))?.unwrap_or(1.0),
        observation_end: js(date_option(&get(&o, "observationEnd"), "observationEnd"))?,
    };
    let h = js(crate::ltv::historical::historical_ltv(tx.core(), &opts))?;
    let out = Object::new();
    set(&out, "customerId", keys_js(&h.customer_id));
    set(
        &out,
        "acquisitionMonth",
        Float64Array::from(&h.acquisition_month[..]).into(),
    );
    set(&out, "revenue", Float64Array::from(&h.revenue[..]).into());
    set(
        &out,
        "cost",
        h.cost
            .as_ref()
            .map_or(JsValue::NULL, |c| Float64Array::from(&c[..]).into()),
    );
    set(&out, "ltv", Float64Array::from(&h.ltv[..]).into());
    let cohorts = Array::new();
    for c in &h.cohorts {
        let co = Object::new();
        let iso = crate::data::dates::format_iso(c.month_start);
        set(
            &co,
            "month",
            JsValue::from_str(iso.get(..7).unwrap_or(&iso)),
        );
        set(&co, "monthStart", JsValue::from_f64(c.month_start as f64));
        set(&co, "customers", JsValue::from_f64(c.customers as f64));
        set(
            &co,
            "cumulative",
            Float64Array::from(&c.cumulative[..]).into(),
        );
        cohorts.push(&co);
    }
    set(&out, "cohorts", cohorts.into());
    set(&out, "definition", super::convert::to_js(&h.definition));
    Ok(out.into())
}

/// Simple LTV: ARPU × margin ÷ churn for one period.
#[wasm_bindgen(js_name = simpleLtv, unchecked_return_type = "SimpleLtvResult")]
pub fn simple_ltv(
    #[wasm_bindgen(unchecked_param_type = "SimpleLtvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js(simple_inner(options))
}

fn simple_inner(options: &JsValue) -> crate::Result<JsValue> {
    if options.is_undefined() || options.is_null() {
        return Err(Error::BadOption {
            option: "options".into(),
            message: "simpleLtv expects { arpu, churnRate, marginRate?, period? }".into(),
        });
    }
    let o = options_object(options, "simpleLtv", SIMPLE_KEYS)?;
    let required = |key: &str| -> crate::Result<f64> {
        number(&o, key)?.ok_or_else(|| Error::BadOption {
            option: key.into(),
            message: "is required".into(),
        })
    };
    let arpu = required("arpu")?;
    let churn = required("churnRate")?;
    let margin = number(&o, "marginRate")?.unwrap_or(1.0);
    let period = match text(&o, "period")? {
        Some(s) => Period::parse(&s)?,
        None => Period::Month,
    };
    let r = crate::ltv::simple::simple_ltv(arpu, churn, margin, period)?;
    let out = Object::new();
    set(&out, "value", JsValue::from_f64(r.value));
    set(
        &out,
        "expectedLifetimePeriods",
        JsValue::from_f64(r.expected_lifetime_periods),
    );
    set(&out, "definition", super::convert::to_js(&r.definition));
    Ok(out.into())
}

/// Calibration / holdout check of the BG/NBD model.
#[wasm_bindgen(js_name = calibrationHoldout, unchecked_return_type = "HoldoutResult")]
pub fn calibration_holdout(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "HoldoutOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    if options.is_undefined() || options.is_null() {
        return Err(super::convert::to_js_error(Error::BadOption {
            option: "calibrationEnd".into(),
            message: "is required".into(),
        }));
    }
    let o = js(options_object(options, "calibrationHoldout", HOLDOUT_KEYS))?;
    let calibration_end = js(date_option(&get(&o, "calibrationEnd"), "calibrationEnd"))?
        .ok_or_else(|| {
            super::convert::to_js_error(Error::BadOption {
                option: "calibrationEnd".into(),
                message: "is required".into(),
            })
        })?;
    let period = match js(text(&o, "period"))? {
        Some(p) => js(Period::parse(&p))?,
        None => Period::Week,
    };
    let opts = crate::ltv::holdout::HoldoutOptions {
        calibration_end,
        observation_end: js(date_option(&get(&o, "observationEnd"), "observationEnd"))?,
        period,
        frequency_buckets: js(integer(&o, "frequencyBuckets", 1.0, 100.0))?.unwrap_or(7) as u32,
        fit: BgNbdOptions::default(),
    };
    let r = js(crate::ltv::holdout::calibration_holdout(tx.core(), &opts))?;
    let out = Object::new();
    set(&out, "customerId", keys_js(&r.calibration.customer_id));
    set(
        &out,
        "frequency",
        Float64Array::from(&r.calibration.frequency[..]).into(),
    );
    set(&out, "actual", Float64Array::from(&r.actual[..]).into());
    set(
        &out,
        "predicted",
        Float64Array::from(&r.predicted[..]).into(),
    );
    set(&out, "holdoutPeriods", JsValue::from_f64(r.holdout_periods));
    let buckets = Array::new();
    for b in &r.buckets {
        let bo = Object::new();
        set(&bo, "frequency", JsValue::from_f64(b.frequency as f64));
        set(&bo, "openEnded", JsValue::from_bool(b.open_ended));
        set(&bo, "customers", JsValue::from_f64(b.customers as f64));
        set(&bo, "actual", JsValue::from_f64(b.actual));
        set(&bo, "predicted", JsValue::from_f64(b.predicted));
        buckets.push(&bo);
    }
    set(&out, "buckets", buckets.into());
    set(&out, "totalActual", JsValue::from_f64(r.total_actual));
    set(&out, "totalPredicted", JsValue::from_f64(r.total_predicted));
    set(&out, "mae", JsValue::from_f64(r.mae));
    set(&out, "rmse", JsValue::from_f64(r.rmse));
    set(&out, "bias", JsValue::from_f64(r.bias));
    set(&out, "definition", super::convert::to_js(&r.definition));
    set(&out, "model", BgNbdModel { inner: r.model }.into());
    Ok(out.into())
}
