//! LTV for JS: `fitBgNbd`, `fitGammaGamma` (model classes with `toJSON` / `fromJSON`), `clv`,
//! `historicalLtv`, `simpleLtv`.

use super::convert::{bad_option, check_keys, get, type_name, JsResult};
use super::interop::{read, to_js};
use super::summary::CustomerSummary;
use super::transactions::Transactions;
use crate::columns::Values;
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

/// A fitted model class over a core model `$core` (with `params`, `log_likelihood`,
/// `converged`, `iterations`, `customers`, `definition()`, `to_saved()` / `from_saved()`): the
/// getters and JSON round trip the three LTV models share.
macro_rules! fitted_model {
    ($class:ident($core:path, $what:literal, $definition:path): $params:literal, $std_errors:literal, $json:literal) => {
        #[doc = concat!("A fitted ", $what, " model.")]
        #[wasm_bindgen]
        pub struct $class {
            inner: $core,
        }

        #[wasm_bindgen]
        impl $class {
            /// The fitted parameters.
            #[wasm_bindgen(getter, unchecked_return_type = $params)]
            pub fn params(&self) -> JsValue {
                to_js(&self.inner.params)
            }

            /// Σ log-likelihood at the parameters (undefined for a model built from parameters).
            #[wasm_bindgen(getter, js_name = logLikelihood)]
            pub fn log_likelihood(&self) -> Option<f64> {
                self.inner.log_likelihood
            }

            /// Standard errors of the parameters (null where the Hessian is not positive
            /// definite).
            #[wasm_bindgen(getter, js_name = stdErrors, unchecked_return_type = $std_errors)]
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

            /// The definition reference `{ metric, version, params }`.
            #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
            pub fn definition(&self) -> JsValue {
                to_js(&self.inner.definition())
            }

            /// The model as plain JSON (restore with `fromJSON`).
            #[wasm_bindgen(js_name = toJSON, unchecked_return_type = $json)]
            pub fn to_json(&self) -> JsValue {
                to_js(&self.inner.to_saved())
            }

            /// Restores a model from `toJSON()` output (also after `JSON.stringify` /
            /// `JSON.parse`).
            #[wasm_bindgen(js_name = fromJSON)]
            pub fn from_json(
                #[wasm_bindgen(unchecked_param_type = $json)] json: JsValue,
            ) -> JsResult<$class> {
                let function = concat!(stringify!($class), ".fromJSON");
                let saved = read_saved(json, function, &$definition, $what)?;
                Ok($class {
                    inner: <$core>::from_saved(saved)?,
                })
            }
        }
    };
}

fitted_model!(BgNbdModel(bgnbd::BgNbdModel, "BG/NBD", bgnbd::DEFINITION):
    "BgNbdParams", "BgNbdStdErrors", "BgNbdModelJson");
fitted_model!(ParetoNbdModel(pn::ParetoNbdModel, "Pareto/NBD", pn::DEFINITION):
    "ParetoNbdParams", "ParetoNbdStdErrors", "ParetoNbdModelJson");
fitted_model!(GammaGammaModel(gamma_gamma::GammaGammaModel, "Gamma-Gamma", gamma_gamma::DEFINITION):
    "GammaGammaParams", "GammaGammaStdErrors", "GammaGammaModelJson");

/// Fits the BG/NBD model to a customer summary by maximum likelihood.
#[wasm_bindgen(js_name = fitBgNbd)]
pub fn fit_bg_nbd(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "FitOptions & WithProgress")] options: &JsValue,
) -> JsResult<BgNbdModel> {
    Ok(BgNbdModel {
        inner: super::progress::run(options, "fitBgNbd", |o: &BgNbdOptions, hook| {
            bgnbd::BgNbdModel::fit_with_progress(summary.core(), o, hook)
        })?,
    })
}

/// Fits the Pareto/NBD model to a customer summary by maximum likelihood.
#[wasm_bindgen(js_name = fitParetoNbd)]
pub fn fit_pareto_nbd(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "FitOptions")] options: &JsValue,
) -> JsResult<ParetoNbdModel> {
    let opts: BgNbdOptions = read(options, "fitParetoNbd")?;
    Ok(ParetoNbdModel {
        inner: pn::ParetoNbdModel::fit(summary.core(), &opts)?,
    })
}

/// Fits the Gamma-Gamma spend model on the repeat buyers of a customer summary.
#[wasm_bindgen(js_name = fitGammaGamma)]
pub fn fit_gamma_gamma(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "GammaGammaFitOptions & WithProgress")] options: &JsValue,
) -> JsResult<GammaGammaModel> {
    Ok(GammaGammaModel {
        inner: super::progress::run(options, "fitGammaGamma", |o: &GammaGammaOptions, hook| {
            gamma_gamma::GammaGammaModel::fit_with_progress(summary.core(), o, hook)
        })?,
    })
}

impl BgNbdModel {
    /// The core model.
    pub fn core(&self) -> &bgnbd::BgNbdModel {
        &self.inner
    }
}

/// `{ values, definition }` with the parameter `t` of the predictions over `t` periods.
fn over(values: Vec<f64>, definition: crate::glossary::DefinitionRef, t: f64) -> JsValue {
    to_js(&Values::new(
        values,
        definition.with("t", ParamValue::Number(t)),
    ))
}

#[wasm_bindgen]
impl BgNbdModel {
    /// Period unit of the summary the model was fitted on.
    #[wasm_bindgen(getter, unchecked_return_type = "Period")]
    pub fn period(&self) -> String {
        self.inner.period.as_str().into()
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
        Ok(over(v, self.inner.definition(), t))
    }

    /// Expected repeat purchases of a new customer in their first `t` periods.
    #[wasm_bindgen(js_name = expectedPurchasesNewCustomer)]
    pub fn expected_purchases_new(&self, t: f64) -> JsResult<f64> {
        Ok(self.inner.expected_purchases_new(t)?)
    }

    /// Probability that a new customer makes exactly `n` repeat purchases in their first `t`
    /// periods.
    #[wasm_bindgen(js_name = probabilityOfPurchases)]
    pub fn probability_of_purchases(&self, t: f64, n: f64) -> JsResult<f64> {
        let t = bgnbd::check_horizon(t).map(|_| t)?;
        let n = bgnbd::PURCHASES.check_count(n)?;
        Ok(self.inner.probability_of_purchases(t, n as u32)?)
    }
}

/// The keys of a saved model of type `J` (its `toJSON()` form) that are not `model` or
/// `version`: the fields of a BG/NBD model saved inside another model.
pub(crate) fn saved_fields<J: serde::de::DeserializeOwned>() -> Vec<&'static str> {
    field_names::<J>()
        .iter()
        .copied()
        .filter(|k| !matches!(*k, "model" | "version"))
        .collect()
}

/// The first steps of every `fromJSON`: an object of the `want` model with only the keys of its
/// saved form `J`, read into `J`.
fn read_saved<J: serde::de::DeserializeOwned>(
    json: JsValue,
    function: &str,
    want: &crate::glossary::Definition,
    what: &str,
) -> crate::Result<J> {
    if !json.is_object() || Array::is_array(&json) {
        return Err(bad_option(
            "json",
            format!(
                "{function} expects a model object, found {}",
                type_name(&json)
            ),
        ));
    }
    if let Some(id) = get(&json, "model").as_string().filter(|id| id != want.id) {
        return Err(bad_option(
            "json",
            format!("expected model \"{}\", found \"{id}\"", want.id),
        ));
    }
    check_keys(&json, function, field_names::<J>())?;
    serde_wasm_bindgen::from_value(json)
        .map_err(|e| bad_option("json", format!("not a valid {what} model: {e}")))
}

#[wasm_bindgen]
impl ParetoNbdModel {
    /// Period unit of the summary the model was fitted on.
    #[wasm_bindgen(getter, unchecked_return_type = "Period")]
    pub fn period(&self) -> String {
        self.inner.period.as_str().into()
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
        Ok(over(v, self.inner.definition(), t))
    }

    /// Expected repeat purchases of a new customer in their first `t` periods.
    #[wasm_bindgen(js_name = expectedPurchasesNewCustomer)]
    pub fn expected_purchases_new(&self, t: f64) -> JsResult<f64> {
        Ok(self.inner.expected_purchases_new(t)?)
    }
}

#[wasm_bindgen]
impl GammaGammaModel {
    /// Pearson correlation of frequency and mean spend among repeat buyers (the model assumes
    /// independence); undefined when either is constant.
    #[wasm_bindgen(getter, js_name = frequencySpendCorrelation)]
    pub fn frequency_spend_correlation(&self) -> Option<f64> {
        self.inner.frequency_spend_correlation
    }

    /// Conditional expected average spend per transaction, per customer.
    #[wasm_bindgen(js_name = expectedSpend, unchecked_return_type = "Values")]
    pub fn expected_spend(&self, summary: &CustomerSummary) -> JsResult<JsValue> {
        let v = self.inner.expected_spend(summary.core())?;
        Ok(to_js(&Values::new(v, self.inner.definition())))
    }
}

// ---------------------------------------------------------------- CLV, historical, simple

/// Predictive CLV per customer with its breakdown, on a BG/NBD or a Pareto/NBD purchase model.
#[wasm_bindgen(unchecked_return_type = "ClvResult")]
pub fn clv(
    #[wasm_bindgen(
        js_name = transactionModel,
        unchecked_param_type = "BgNbdModel | ParetoNbdModel"
    )]
    transaction_model: &JsValue,
    #[wasm_bindgen(js_name = spendModel)] spend_model: &GammaGammaModel,
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "ClvOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: ClvOptions = read(options, "clv")?;
    let model = purchase_model(transaction_model)?;
    let purchases = match &model {
        Purchases::BgNbd(m) => crate::ltv::clv::PurchaseModel::BgNbd(m),
        Purchases::ParetoNbd(m) => crate::ltv::clv::PurchaseModel::ParetoNbd(m),
    };
    let r = crate::ltv::clv::clv_with(purchases, &spend_model.inner, summary.core(), &opts)?;
    Ok(to_js(&r))
}

/// A purchase model read from a `BgNbdModel` or `ParetoNbdModel`.
enum Purchases {
    BgNbd(bgnbd::BgNbdModel),
    ParetoNbd(pn::ParetoNbdModel),
}

/// The purchase model behind `value`, read through its `toJSON()` (both classes' JSON names
/// the model), so either class is accepted; anything else is `E_BAD_TYPE`.
fn purchase_model(value: &JsValue) -> crate::Result<Purchases> {
    let wrong = |found: &str| crate::Error::BadType {
        column: "transactionModel".into(),
        row: 0,
        expected: "a BgNbdModel or a ParetoNbdModel".into(),
        found: found.into(),
    };
    if !value.is_object() || Array::is_array(value) {
        return Err(wrong(type_name(value)));
    }
    let to_json = Reflect::get(value, &JsValue::from_str("toJSON"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| wrong("an object that is not a fitted model"))?;
    let json = to_json
        .call0(value)
        .map_err(|_| wrong("a model that was freed"))?;
    let bad = |e: serde_wasm_bindgen::Error| bad_option("transactionModel", e.to_string());
    match get(&json, "model").as_string().as_deref() {
        Some(id) if id == bgnbd::DEFINITION.id => Ok(Purchases::BgNbd(
            bgnbd::BgNbdModel::from_saved(serde_wasm_bindgen::from_value(json).map_err(bad)?)?,
        )),
        Some(id) if id == pn::DEFINITION.id => Ok(Purchases::ParetoNbd(
            pn::ParetoNbdModel::from_saved(serde_wasm_bindgen::from_value(json).map_err(bad)?)?,
        )),
        _ => Err(wrong("another model")),
    }
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
