//! Contractual retention and discrete-opportunity models for JS: `fitShiftedBetaGeometric`
//! (sBG, or the beta-discrete-Weibull with `model: "bdw"`) and `fitBgBb`, model classes with
//! `toJSON` / `fromJSON`.

use super::convert::{
    bad_option, check_keys, f64_column, get, missing, object_keys, type_name, JsResult,
};
use super::interop::{read, to_js};
use crate::error::{join_names, Error};
use crate::glossary::{check_saved_version, Definition};
use crate::ltv::bgbb::{self, BgBbOptions};
use crate::ltv::retention::{self, RetentionKind, RetentionOptions, Survivors};
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_RETENTION: &'static str = r#"
/** The input of `fitShiftedBetaGeometric`: survivor counts per period, period 0 (the cohort size) first; one cohort or several. */
export interface RetentionInput {
  survivors: ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>;
}
/** Customer rows of `fitBgBb` and of a BG/BB model's predictions: one row per customer (or per group of customers with `weight`). */
export interface BgBbColumns {
  /** Opportunities with a transaction after the first (repeat transactions). */
  frequency: Float64Array | ReadonlyArray<number>;
  /** The opportunity of the last transaction (0 without repeat transactions). */
  recency: Float64Array | ReadonlyArray<number>;
  /** Opportunities observed after the first transaction. */
  opportunities: Float64Array | ReadonlyArray<number>;
  /** Customers the row stands for (default 1 each; `fitBgBb` only). */
  weight?: Float64Array | ReadonlyArray<number>;
}
/** A retention model as plain JSON (`toJSON()`). */
export interface RetentionModelJson {
  metric: "retention.sbg" | "retention.bdw";
  version: string;
  model: "sbg" | "bdw";
  params: RetentionParams;
  logLikelihood: number | null;
  stdErrors: (number | null)[];
  converged: boolean;
  iterations: number;
  cohorts: number;
  customers: number;
  period: ContractPeriod;
  maxIterations: number;
  tolerance: number;
}
/** A BG/BB model as plain JSON (`toJSON()`). */
export interface BgBbModelJson {
  metric: "ltv.bgbb";
  version: string;
  params: BgBbParams;
  logLikelihood: number | null;
  stdErrors: (number | null)[];
  converged: boolean;
  iterations: number;
  customers: number;
  period: ContractPeriod;
  maxIterations: number;
  tolerance: number;
}
"#;

/// A model's JSON: its serde form with `metric` and `version` of its definition in front.
fn saved_js<T: serde::Serialize>(model: &T, d: &Definition) -> JsValue {
    let out = Object::new();
    let _ = Reflect::set(&out, &"metric".into(), &d.id.into());
    let _ = Reflect::set(&out, &"version".into(), &d.version.into());
    let body = to_js(model);
    let _ = Object::assign(&out, body.unchecked_ref());
    out.into()
}

/// Reads a model's JSON: checks `metric` and `version`, then the rest as the core model.
fn read_saved_json<T: serde::de::DeserializeOwned>(
    json: &JsValue,
    function: &str,
    keys: &[&str],
    want: impl Fn(&str) -> Option<&'static Definition>,
) -> crate::Result<T> {
    if !json.is_object() || Array::is_array(json) || json.is_function() {
        return Err(bad_option(
            "json",
            format!(
                "{function} expects a model object, found {}",
                type_name(json)
            ),
        ));
    }
    check_keys(json, function, keys)?;
    let metric = get(json, "metric")
        .as_string()
        .ok_or_else(|| missing("metric", 0))?;
    let d = want(&metric).ok_or_else(|| {
        bad_option(
            "json",
            format!("{function}: \"{metric}\" is not a model this class restores"),
        )
    })?;
    let version = get(json, "version")
        .as_string()
        .ok_or_else(|| missing("version", 0))?;
    check_saved_version(&version, d)?;
    let body = Object::assign(&Object::new(), json.unchecked_ref());
    let _ = Reflect::delete_property(&body, &"metric".into());
    let _ = Reflect::delete_property(&body, &"version".into());
    serde_wasm_bindgen::from_value(body.into())
        .map_err(|e| bad_option("json", format!("{function}: not a valid model: {e}")))
}

/// `E_MISSING_COLUMN` for the key `name` absent from `object`.
fn absent(object: &JsValue, name: &str) -> Error {
    Error::MissingColumn {
        column: name.into(),
        field: name.into(),
        available: join_names(object_keys(object).iter().map(|k| format!("'{k}'"))),
    }
}

/// The keys of a model's JSON.
const RETENTION_KEYS: &[&str] = &[
    "metric",
    "version",
    "model",
    "params",
    "logLikelihood",
    "stdErrors",
    "converged",
    "iterations",
    "cohorts",
    "customers",
    "period",
    "maxIterations",
    "tolerance",
];
const BGBB_KEYS: &[&str] = &[
    "metric",
    "version",
    "params",
    "logLikelihood",
    "stdErrors",
    "converged",
    "iterations",
    "customers",
    "period",
    "maxIterations",
    "tolerance",
];

/// A fitted shifted-beta-geometric (or beta-discrete-Weibull) retention model.
#[wasm_bindgen]
pub struct RetentionModel {
    inner: retention::RetentionModel,
}

/// The getters both model classes share: parameters, fit statistics, period, customers and the
/// definition reference of the core model behind `inner`.
macro_rules! model_getters {
    ($class:ident, $params:literal, $params_doc:literal, $se_doc:literal) => {
        #[wasm_bindgen]
        impl $class {
            #[doc = $params_doc]
            #[wasm_bindgen(getter, unchecked_return_type = $params)]
            pub fn params(&self) -> JsValue {
                to_js(&self.inner.params)
            }

            /// Σ log-likelihood at the parameters (each row times its weight; undefined for a
            /// model built from parameters).
            #[wasm_bindgen(getter, js_name = logLikelihood)]
            pub fn log_likelihood(&self) -> Option<f64> {
                self.inner.log_likelihood
            }

            #[doc = $se_doc]
            #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = "(number | null)[]")]
            pub fn std_errors(&self) -> JsValue {
                to_js(&self.inner.std_errors)
            }

            /// Whether the optimiser met its gradient criterion.
            #[wasm_bindgen(getter)]
            pub fn converged(&self) -> bool {
                self.inner.converged
            }

            /// Length of one period (one renewal or transaction opportunity).
            #[wasm_bindgen(getter, unchecked_return_type = "ContractPeriod")]
            pub fn period(&self) -> String {
                self.inner.period.as_str().into()
            }

            /// Customers in the fit (cohort sizes or row weights, summed).
            #[wasm_bindgen(getter)]
            pub fn customers(&self) -> f64 {
                self.inner.customers
            }

            /// The definition reference `{ metric, version, params }`.
            #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
            pub fn definition(&self) -> JsValue {
                to_js(&self.inner.definition())
            }
        }
    };
}

model_getters!(
    RetentionModel,
    "RetentionParams",
    "`{ alpha, beta }` (and `c` for the beta-discrete-Weibull).",
    "Standard errors of α, β (and c), null where the Hessian is not positive definite."
);
model_getters!(
    BgBbModel,
    "BgBbParams",
    "`{ alpha, beta, gamma, delta }`.",
    "Standard errors of α, β, γ, δ, null where the Hessian is not positive definite."
);

/// Fits the shifted-beta-geometric model (`retention.sbg`; or the beta-discrete-Weibull with
/// `model: "bdw"`) to survivor counts by maximum likelihood.
#[wasm_bindgen(js_name = fitShiftedBetaGeometric)]
pub fn fit_shifted_beta_geometric(
    #[wasm_bindgen(unchecked_param_type = "RetentionInput")] input: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RetentionFitOptions")] options: &JsValue,
) -> JsResult<RetentionModel> {
    if !input.is_object() || Array::is_array(input) || input.is_function() {
        return Err(bad_option(
            "input",
            format!(
                "fitShiftedBetaGeometric expects {{ survivors }}, found {}",
                type_name(input)
            ),
        )
        .into());
    }
    check_keys(input, "fitShiftedBetaGeometric (input)", &["survivors"])?;
    let survivors = get(input, "survivors");
    if survivors.is_undefined() || survivors.is_null() {
        return Err(absent(input, "survivors").into());
    }
    let survivors = survivors_of(&survivors)?;
    let opts: RetentionOptions = read(options, "fitShiftedBetaGeometric")?;
    Ok(RetentionModel {
        inner: retention::RetentionModel::fit_survivors(&survivors, &opts)?,
    })
}

/// One array of counts, or an array of arrays.
fn survivors_of(v: &JsValue) -> crate::Result<Survivors> {
    if v.is_instance_of::<Float64Array>() {
        return Ok(Survivors::One(f64_column(v, "survivors")?));
    }
    let arr: &Array = v.dyn_ref().ok_or_else(|| {
        bad_option(
            "survivors",
            format!(
                "expected an array of counts or an array of arrays, found {}",
                type_name(v)
            ),
        )
    })?;
    if arr.length() > 0 && Array::is_array(&arr.get(0)) {
        let mut cohorts = Vec::with_capacity(arr.length() as usize);
        for (i, c) in arr.iter().enumerate() {
            if !Array::is_array(&c) && !c.is_instance_of::<Float64Array>() {
                return Err(bad_option(
                    "survivors",
                    format!(
                        "survivors[{i}] is {}, not an array of counts",
                        type_name(&c)
                    ),
                ));
            }
            cohorts.push(f64_column(&c, &format!("survivors[{i}]"))?);
        }
        Ok(Survivors::Many(cohorts))
    } else {
        Ok(Survivors::One(f64_column(v, "survivors")?))
    }
}

/// A whole number of periods `t` ≥ 0 from JS.
fn periods(t: f64, name: &str) -> crate::Result<f64> {
    if !t.is_finite() || t < 0.0 || t.fract() != 0.0 || t > 1e6 {
        return Err(bad_option(
            name,
            format!("expected a whole number of periods from 0 to 1,000,000, found {t}"),
        ));
    }
    Ok(t)
}

#[wasm_bindgen]
impl RetentionModel {
    /// `"sbg"` or `"bdw"`.
    #[wasm_bindgen(getter, unchecked_return_type = "\"sbg\" | \"bdw\"")]
    pub fn model(&self) -> String {
        match self.inner.model {
            RetentionKind::Sbg => "sbg".into(),
            RetentionKind::Bdw => "bdw".into(),
        }
    }

    /// S(t): the share of a cohort still a customer after `t` periods.
    pub fn survival(&self, t: f64) -> JsResult<f64> {
        Ok(self.inner.survival(periods(t, "t")?)?)
    }

    /// S(0), S(1), …, S(horizon).
    #[wasm_bindgen(js_name = survivalCurve)]
    pub fn survival_curve(&self, horizon: f64) -> JsResult<Float64Array> {
        let v = self.inner.survival_curve(periods(horizon, "horizon")?)?;
        Ok(Float64Array::from(v.as_slice()))
    }

    /// Expected survivors of a cohort of `cohortSize` after 0, 1, …, `horizon` periods.
    #[wasm_bindgen(js_name = projectSurvivors)]
    pub fn project_survivors(
        &self,
        #[wasm_bindgen(js_name = cohortSize)] cohort_size: f64,
        horizon: f64,
    ) -> JsResult<Float64Array> {
        let v = self
            .inner
            .project_survivors(cohort_size, periods(horizon, "horizon")?)?;
        Ok(Float64Array::from(v.as_slice()))
    }

    /// r(t): the share of the customers active in period t − 1 who renew in period t (t ≥ 1).
    #[wasm_bindgen(js_name = retentionRate)]
    pub fn retention_rate(&self, t: f64) -> JsResult<f64> {
        Ok(self.inner.retention_rate(periods(t, "t")?)?)
    }

    /// P(T = t): the probability that a new customer's last period is t (t ≥ 1).
    #[wasm_bindgen(js_name = churnProbability)]
    pub fn churn_probability(&self, t: f64) -> JsResult<f64> {
        Ok(self.inner.churn_probability(periods(t, "t")?)?)
    }

    /// E[T], the expected lifetime in periods of a new customer; `null` when the mean is
    /// infinite (sBG α ≤ 1, BdW c·α ≤ 1: enough customers never leave).
    #[wasm_bindgen(js_name = expectedLifetime, unchecked_return_type = "number | null")]
    pub fn expected_lifetime(&self) -> JsResult<JsValue> {
        Ok(match self.inner.expected_lifetime()? {
            Some(x) => JsValue::from_f64(x),
            None => JsValue::NULL,
        })
    }

    /// Discounted expected residual lifetime (DERL) of a customer who has renewed `renewals`
    /// times, at `discountRate` per period.
    pub fn derl(
        &self,
        #[wasm_bindgen(js_name = discountRate)] discount_rate: f64,
        renewals: f64,
    ) -> JsResult<f64> {
        Ok(self.inner.derl(discount_rate, renewals)?)
    }

    /// The model as plain JSON (restore with `fromJSON`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "RetentionModelJson")]
    pub fn to_json(&self) -> JsValue {
        saved_js(&self.inner, self.definition_of())
    }

    /// Restores a model from `toJSON()` output (also after `JSON.stringify` / `JSON.parse`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "RetentionModelJson")] json: JsValue,
    ) -> JsResult<RetentionModel> {
        let inner: retention::RetentionModel = read_saved_json(
            &json,
            "RetentionModel.fromJSON",
            RETENTION_KEYS,
            |id| match id {
                "retention.sbg" => Some(&retention::SBG),
                "retention.bdw" => Some(&retention::BDW),
                _ => None,
            },
        )?;
        let want = match inner.model {
            RetentionKind::Sbg => "retention.sbg",
            RetentionKind::Bdw => "retention.bdw",
        };
        if get(&json, "metric").as_string().as_deref() != Some(want) {
            return Err(bad_option(
                "json",
                format!("a model of kind {want} is saved with metric \"{want}\""),
            )
            .into());
        }
        // Parameters are checked as `from_params` checks them.
        retention::RetentionModel::from_params(inner.params, inner.period)?;
        Ok(RetentionModel { inner })
    }
}

impl RetentionModel {
    fn definition_of(&self) -> &'static Definition {
        match self.inner.model {
            RetentionKind::Sbg => &retention::SBG,
            RetentionKind::Bdw => &retention::BDW,
        }
    }
}

/// A fitted BG/BB model (discrete opportunities: donations, annual events, issues).
#[wasm_bindgen]
pub struct BgBbModel {
    inner: bgbb::BgBbModel,
}

/// Frequency, recency, opportunities and the weights when given.
type BgBbRows = (Vec<f64>, Vec<f64>, Vec<f64>, Option<Vec<f64>>);

/// The three customer columns (and `weight` when `with_weight`).
fn bgbb_columns(columns: &JsValue, function: &str, with_weight: bool) -> crate::Result<BgBbRows> {
    if !columns.is_object() || Array::is_array(columns) || columns.is_function() {
        return Err(bad_option(
            "columns",
            format!(
                "{function} expects {{ frequency, recency, opportunities{} }}, found {}",
                if with_weight { ", weight?" } else { "" },
                type_name(columns)
            ),
        ));
    }
    let keys: &[&str] = if with_weight {
        &["frequency", "recency", "opportunities", "weight"]
    } else {
        &["frequency", "recency", "opportunities"]
    };
    check_keys(columns, function, keys)?;
    let column = |name: &str| -> crate::Result<Vec<f64>> {
        let v = get(columns, name);
        if v.is_undefined() || v.is_null() {
            return Err(absent(columns, name));
        }
        f64_column(&v, name)
    };
    let weight = if with_weight {
        let w = get(columns, "weight");
        if w.is_undefined() || w.is_null() {
            None
        } else {
            Some(f64_column(&w, "weight")?)
        }
    } else {
        None
    };
    Ok((
        column("frequency")?,
        column("recency")?,
        column("opportunities")?,
        weight,
    ))
}

/// Fits the BG/BB model (`ltv.bgbb`) to customers' transactions over discrete opportunities by
/// maximum likelihood.
#[wasm_bindgen(js_name = fitBgBb)]
pub fn fit_bg_bb(
    #[wasm_bindgen(unchecked_param_type = "BgBbColumns")] columns: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "BgBbFitOptions")] options: &JsValue,
) -> JsResult<BgBbModel> {
    let (x, tx, n, w) = bgbb_columns(columns, "fitBgBb", true)?;
    let opts: BgBbOptions = read(options, "fitBgBb")?;
    Ok(BgBbModel {
        inner: bgbb::BgBbModel::fit(&x, &tx, &n, w.as_deref(), &opts)?,
    })
}

#[wasm_bindgen]
impl BgBbModel {
    /// P(alive at the next opportunity) per customer row.
    #[wasm_bindgen(js_name = probabilityAlive)]
    pub fn probability_alive(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BgBbColumns")] columns: &JsValue,
    ) -> JsResult<Float64Array> {
        let (x, tx, n, _) = bgbb_columns(columns, "BgBbModel.probabilityAlive", false)?;
        let v = self.inner.probability_alive(&x, &tx, &n)?;
        Ok(Float64Array::from(v.as_slice()))
    }

    /// Expected transactions in the next `future` opportunities per customer row.
    #[wasm_bindgen(js_name = expectedTransactions)]
    pub fn expected_transactions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BgBbColumns")] columns: &JsValue,
        future: f64,
    ) -> JsResult<Float64Array> {
        let (x, tx, n, _) = bgbb_columns(columns, "BgBbModel.expectedTransactions", false)?;
        let v = self.inner.expected_transactions(&x, &tx, &n, future)?;
        Ok(Float64Array::from(v.as_slice()))
    }

    /// Expected transactions of a new customer over its first `opportunities` opportunities.
    #[wasm_bindgen(js_name = expectedTransactionsNewCustomer)]
    pub fn expected_transactions_new(&self, opportunities: f64) -> JsResult<f64> {
        Ok(self.inner.expected_transactions_new(opportunities)?)
    }

    /// The model as plain JSON (restore with `fromJSON`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "BgBbModelJson")]
    pub fn to_json(&self) -> JsValue {
        saved_js(&self.inner, &bgbb::DEFINITION)
    }

    /// Restores a model from `toJSON()` output (also after `JSON.stringify` / `JSON.parse`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "BgBbModelJson")] json: JsValue,
    ) -> JsResult<BgBbModel> {
        let inner: bgbb::BgBbModel =
            read_saved_json(&json, "BgBbModel.fromJSON", BGBB_KEYS, |id| {
                (id == bgbb::DEFINITION.id).then_some(&bgbb::DEFINITION)
            })?;
        bgbb::BgBbModel::from_params(inner.params, inner.period)?;
        Ok(BgBbModel { inner })
    }
}
