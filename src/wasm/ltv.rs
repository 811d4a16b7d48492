//! LTV for JS: `fitBgNbd`, `fitGammaGamma` (model classes with `toJSON` / `fromJSON`), `clv`,
//! `historicalLtv`, `simpleLtv`.

use super::convert::{check_keys, get, js, type_name, JsResult};
use super::interop::{read, read_with, to_js};
use super::summary::CustomerSummary;
use super::transactions::Transactions;
use crate::columns::Values;
use crate::data::Period;
use crate::error::Error;
use crate::glossary::ParamValue;
use crate::ltv::bgnbd::{self, BgNbdOptions, BgNbdParams};
use crate::ltv::clv::ClvOptions;
use crate::ltv::gamma_gamma::{self, GammaGammaOptions, GammaGammaParams};
use crate::ltv::historical::HistoricalOptions;
use crate::ltv::holdout::HoldoutOptions;
use crate::ltv::simple::SimpleLtvOptions;
use js_sys::{Array, Float64Array, Object, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_LTV: &'static str = r#"
/** The fitted model that produced a `calibrationHoldout` result. */
export interface HoldoutModel { model: BgNbdModel; }

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











"#;

fn to_js_full<T: Serialize>(v: &T) -> JsValue {
    let ser = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    v.serialize(&ser).unwrap_or(JsValue::NULL)
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
    #[wasm_bindgen(unchecked_optional_param_type = "FitOptions & WithProgress")] options: &JsValue,
) -> JsResult<BgNbdModel> {
    let opts: BgNbdOptions = read_with(options, "fitBgNbd", &["onProgress"])?;
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
    #[wasm_bindgen(js_name = probabilityAlive, unchecked_return_type = "Values & { noRepeatPurchase: Uint8Array }")]
    pub fn probability_alive(&self, summary: &CustomerSummary) -> JsResult<JsValue> {
        let (p, f) = self.inner.probability_alive(summary.core())?;
        let mut v = Values::new(p, self.inner.definition());
        v.no_repeat_purchase = Some(f);
        Ok(to_js(&v))
    }

    /// Conditional expected repeat purchases in the next `t` periods, per customer.
    #[wasm_bindgen(js_name = expectedPurchases, unchecked_return_type = "Values")]
    pub fn expected_purchases(&self, summary: &CustomerSummary, t: f64) -> JsResult<JsValue> {
        let v = self.inner.expected_purchases(summary.core(), t)?;
        Ok(to_js(&Values::new(
            v,
            self.inner.definition().with("t", ParamValue::Number(t)),
        )))
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
    #[wasm_bindgen(unchecked_optional_param_type = "FitOptions")] options: &JsValue,
) -> JsResult<ParetoNbdModel> {
    let opts: BgNbdOptions = read(options, "fitParetoNbd")?;
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
    #[wasm_bindgen(js_name = probabilityAlive, unchecked_return_type = "Values")]
    pub fn probability_alive(&self, summary: &CustomerSummary) -> JsResult<JsValue> {
        let v = self.inner.probability_alive(summary.core())?;
        Ok(to_js(&Values::new(v, self.inner.definition())))
    }

    /// Conditional expected repeat purchases in the next `t` periods, per customer.
    #[wasm_bindgen(js_name = expectedPurchases, unchecked_return_type = "Values")]
    pub fn expected_purchases(&self, summary: &CustomerSummary, t: f64) -> JsResult<JsValue> {
        let v = self.inner.expected_purchases(summary.core(), t)?;
        Ok(to_js(&Values::new(
            v,
            self.inner.definition().with("t", ParamValue::Number(t)),
        )))
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
    #[wasm_bindgen(unchecked_optional_param_type = "GammaGammaFitOptions & WithProgress")] options: &JsValue,
) -> JsResult<GammaGammaModel> {
    let opts: GammaGammaOptions = read_with(options, "fitGammaGamma", &["onProgress"])?;
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
    #[wasm_bindgen(js_name = expectedSpend, unchecked_return_type = "Values")]
    pub fn expected_spend(&self, summary: &CustomerSummary) -> JsResult<JsValue> {
        let v = self.inner.expected_spend(summary.core())?;
        Ok(to_js(&Values::new(v, self.inner.definition())))
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

/// Predictive CLV per customer with its breakdown.
#[wasm_bindgen(unchecked_return_type = "ClvResult")]
pub fn clv(
    #[wasm_bindgen(js_name = transactionModel)] transaction_model: &BgNbdModel,
    #[wasm_bindgen(js_name = spendModel)] spend_model: &GammaGammaModel,
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "ClvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: ClvOptions = read(options, "clv")?;
    let r = crate::ltv::clv::clv(
        &transaction_model.inner,
        &spend_model.inner,
        summary.core(),
        &opts,
    )?;
    Ok(to_js(&r))
}

/// Historical LTV per customer and cumulative cohort curves.
#[wasm_bindgen(js_name = historicalLtv, unchecked_return_type = "HistoricalLtvResult")]
pub fn historical_ltv(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "HistoricalLtvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: HistoricalOptions = read(options, "historicalLtv")?;
    Ok(to_js(&crate::ltv::historical::historical_ltv(
        tx.core(),
        &opts,
    )?))
}

/// Simple LTV: ARPU × margin ÷ churn for one period.
#[wasm_bindgen(js_name = simpleLtv, unchecked_return_type = "SimpleLtvResult")]
pub fn simple_ltv(
    #[wasm_bindgen(unchecked_param_type = "SimpleLtvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: SimpleLtvOptions = read(options, "simpleLtv")?;
    Ok(to_js(&opts.compute()?))
}

/// Calibration / holdout check of the BG/NBD model.
#[wasm_bindgen(js_name = calibrationHoldout, unchecked_return_type = "HoldoutResult & HoldoutModel")]
pub fn calibration_holdout(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "HoldoutOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: HoldoutOptions = read(options, "calibrationHoldout")?;
    let r = crate::ltv::holdout::calibration_holdout(tx.core(), &opts)?;
    let out = to_js(&r);
    let _ = Reflect::set(&out, &"model".into(), &BgNbdModel { inner: r.model }.into());
    Ok(out)
}
