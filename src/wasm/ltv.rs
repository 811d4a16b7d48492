//! LTV for JS: `fitBgNbd`, `fitGammaGamma` (model classes with `toJSON` / `fromJSON`), `clv`,
//! `historicalLtv`, `simpleLtv`.

use super::convert::{check_keys, get, js, type_name, JsResult};
use super::interop::{read, read_with, to_js};
use super::summary::CustomerSummary;
use super::transactions::Transactions;
use crate::columns::Values;
use crate::error::Error;
use crate::glossary::field_names;
use crate::glossary::ParamValue;
use crate::ltv::bgnbd::{self, BgNbdOptions};
use crate::ltv::clv::ClvOptions;
use crate::ltv::gamma_gamma::{self, GammaGammaOptions};
use crate::ltv::historical::HistoricalOptions;
use crate::ltv::holdout::HoldoutOptions;
use crate::ltv::pareto_nbd as pn;
use crate::ltv::simple::SimpleLtvOptions;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_LTV: &'static str = r#"
/** The fitted model that produced a `calibrationHoldout` result. */
export interface HoldoutModel { model: BgNbdModel; }




















"#;

fn time_arg(t: f64) -> crate::Result<f64> {
    bgnbd::check_horizon(t).map(|_| t)
}

// ---------------------------------------------------------------- BG/NBD

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
        to_js(&self.inner.params)
    }

    /// Σ log-likelihood at the parameters (undefined for a model built from parameters only).
    #[wasm_bindgen(getter, js_name = logLikelihood)]
    pub fn log_likelihood(&self) -> Option<f64> {
        self.inner.log_likelihood
    }

    /// Standard errors from the inverse Hessian.
    #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "BgNbdStdErrors")]
    pub fn std_errors(&self) -> JsValue {
        to_js(&self.inner.to_saved().std_errors)
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
        let t = time_arg(t)?;
        let n = bgnbd::PURCHASES.check_count(n)?;
        Ok(self.inner.probability_of_purchases(t, n as u32)?)
    }

    /// The model as plain JSON (restore with `BgNbdModel.fromJSON`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "BgNbdModelJson")]
    pub fn to_json(&self) -> JsValue {
        to_js(&self.inner.to_saved())
    }

    /// Restores a model from `toJSON()` output (also after `JSON.stringify` / `JSON.parse`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "BgNbdModelJson")] json: JsValue,
    ) -> JsResult<BgNbdModel> {
        let j = read_saved(json, "BgNbdModel.fromJSON", &bgnbd::DEFINITION, "BG/NBD")?;
        Ok(BgNbdModel {
            inner: bgnbd::BgNbdModel::from_saved(j)?,
        })
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

/// The first steps of every `fromJSON`: an object of the `want` model with only the keys of its
/// saved form `J`, read into `J`.
fn read_saved<J: serde::de::DeserializeOwned>(
    json: JsValue,
    function: &str,
    want: &crate::glossary::Definition,
    what: &str,
) -> crate::Result<J> {
    json_object(&json, function, field_names::<J>(), want)?;
    serde_wasm_bindgen::from_value(json).map_err(|e| Error::BadOption {
        option: "json".into(),
        message: format!("not a valid {what} model: {e}"),
    })
}

// ---------------------------------------------------------------- Pareto/NBD

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

#[wasm_bindgen]
impl ParetoNbdModel {
    /// Parameters `{ r, alpha, s, beta }`.
    #[wasm_bindgen(getter, unchecked_return_type = "ParetoNbdParams")]
    pub fn params(&self) -> JsValue {
        to_js(&self.inner.params)
    }

    /// Σ log-likelihood (undefined for a model built from parameters).
    #[wasm_bindgen(getter, js_name = logLikelihood)]
    pub fn log_likelihood(&self) -> Option<f64> {
        self.inner.log_likelihood
    }

    /// Standard errors from a finite-difference Hessian.
    #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "ParetoNbdStdErrors")]
    pub fn std_errors(&self) -> JsValue {
        to_js(&self.inner.to_saved().std_errors)
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
        to_js(&self.inner.to_saved())
    }

    /// Restores a model from `toJSON()` output.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "ParetoNbdModelJson")] json: JsValue,
    ) -> JsResult<ParetoNbdModel> {
        let j = read_saved(
            json,
            "ParetoNbdModel.fromJSON",
            &pn::DEFINITION,
            "Pareto/NBD",
        )?;
        Ok(ParetoNbdModel {
            inner: pn::ParetoNbdModel::from_saved(j)?,
        })
    }
}

// ---------------------------------------------------------------- Gamma-Gamma

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
        to_js(&self.inner.params)
    }

    /// Σ log-likelihood over the repeat buyers (undefined for a model built from parameters).
    #[wasm_bindgen(getter, js_name = logLikelihood)]
    pub fn log_likelihood(&self) -> Option<f64> {
        self.inner.log_likelihood
    }

    /// Standard errors from the inverse Hessian.
    #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "GammaGammaStdErrors")]
    pub fn std_errors(&self) -> JsValue {
        to_js(&self.inner.to_saved().std_errors)
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
        to_js(&self.inner.to_saved())
    }

    /// Restores a model from `toJSON()` output.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "GammaGammaModelJson")] json: JsValue,
    ) -> JsResult<GammaGammaModel> {
        let j = read_saved(
            json,
            "GammaGammaModel.fromJSON",
            &gamma_gamma::DEFINITION,
            "Gamma-Gamma",
        )?;
        Ok(GammaGammaModel {
            inner: gamma_gamma::GammaGammaModel::from_saved(j)?,
        })
    }
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
