//! Saved LTV models: the plain-JSON form of a fitted BG/NBD, Pareto/NBD or Gamma-Gamma model
//! (`model.toJSON()` and `BgNbdModel.fromJSON()` in JavaScript), so a model fitted once can be
//! stored and scored later, natively or in the browser, with the same numbers.
//!
//! Each form names its definition (`model`, `version`); restoring checks the id and that the
//! major version is the one this library reads, then rebuilds the model from its parameters
//! (which are checked like fitted ones) and restores the fit statistics as saved.
//!
//! ```
//! use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdParams};
//! use unimetric::Period;
//! let m = BgNbdModel::from_params(BgNbdParams { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, Period::Week).unwrap();
//! let json = serde_json::to_string(&m.to_saved()).unwrap();
//! let back = BgNbdModel::from_saved(serde_json::from_str(&json).unwrap()).unwrap();
//! assert_eq!(back.params, m.params);
//! ```

use super::bgnbd::{self, BgNbdModel, BgNbdOptions, BgNbdParams};
use super::gamma_gamma::{self, GammaGammaModel, GammaGammaParams};
use super::pareto_nbd::{self, ParetoNbdModel, ParetoNbdParams};
use crate::data::Period;
use crate::error::{Error, Result};
use crate::glossary::Definition;
use serde::{Deserialize, Serialize};

/// Standard errors of the BG/NBD parameters (`null` where the Hessian is not positive definite
/// or the model was built from parameters).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct BgNbdStdErrors {
    /// Of r.
    pub r: Option<f64>,
    /// Of α.
    pub alpha: Option<f64>,
    /// Of a.
    pub a: Option<f64>,
    /// Of b.
    pub b: Option<f64>,
}

/// Standard errors of the Pareto/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct ParetoNbdStdErrors {
    /// Of r.
    pub r: Option<f64>,
    /// Of α.
    pub alpha: Option<f64>,
    /// Of s.
    pub s: Option<f64>,
    /// Of β.
    pub beta: Option<f64>,
}

/// Standard errors of the Gamma-Gamma parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct GammaGammaStdErrors {
    /// Of p.
    pub p: Option<f64>,
    /// Of q.
    pub q: Option<f64>,
    /// Of v (γ).
    pub v: Option<f64>,
}

/// A BG/NBD model as plain JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BgNbdModelJson {
    /// `"ltv.bgnbd"`.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"ltv.bgnbd\""))]
    pub model: String,
    /// The definition version the model was saved under.
    pub version: String,
    /// Parameters (α in periods of the summary).
    pub params: BgNbdParams,
    /// Σ log-likelihood of the fit (`null` for a model built from parameters).
    pub log_likelihood: Option<f64>,
    /// Standard errors.
    pub std_errors: BgNbdStdErrors,
    /// Whether the optimiser met its gradient criterion.
    pub converged: bool,
    /// Iterations of the retained start.
    pub iterations: usize,
    /// Customers in the fit.
    pub customers: usize,
    /// Period of the summary the model was fitted on.
    pub period: Period,
    /// Optimiser starts.
    pub starts: usize,
    /// Iteration limit per start.
    pub max_iterations: usize,
    /// Gradient tolerance.
    pub tolerance: f64,
}

/// A Pareto/NBD model as plain JSON (the fields of [`BgNbdModelJson`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParetoNbdModelJson {
    /// `"ltv.pareto_nbd"`.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"ltv.pareto_nbd\""))]
    pub model: String,
    /// The definition version the model was saved under.
    pub version: String,
    /// Parameters (α and β in periods of the summary).
    pub params: ParetoNbdParams,
    /// Σ log-likelihood of the fit.
    pub log_likelihood: Option<f64>,
    /// Standard errors.
    pub std_errors: ParetoNbdStdErrors,
    /// Whether the optimiser met its gradient criterion.
    pub converged: bool,
    /// Iterations of the retained start.
    pub iterations: usize,
    /// Customers in the fit.
    pub customers: usize,
    /// Period of the summary the model was fitted on.
    pub period: Period,
    /// Optimiser starts.
    pub starts: usize,
    /// Iteration limit per start.
    pub max_iterations: usize,
    /// Gradient tolerance.
    pub tolerance: f64,
}

/// A Gamma-Gamma model as plain JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GammaGammaModelJson {
    /// `"ltv.gamma_gamma"`.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"ltv.gamma_gamma\""))]
    pub model: String,
    /// The definition version the model was saved under.
    pub version: String,
    /// Parameters (`v` is Fader & Hardie's γ, in currency).
    pub params: GammaGammaParams,
    /// Σ log-likelihood over the repeat buyers.
    pub log_likelihood: Option<f64>,
    /// Standard errors.
    pub std_errors: GammaGammaStdErrors,
    /// Whether the optimiser met its gradient criterion.
    pub converged: bool,
    /// Iterations of the retained start.
    pub iterations: usize,
    /// Repeat buyers in the fit.
    pub customers: usize,
    /// Correlation of frequency and mean spend among repeat buyers.
    pub frequency_spend_correlation: Option<f64>,
    /// Optimiser starts.
    pub starts: usize,
    /// Iteration limit per start.
    pub max_iterations: usize,
    /// Gradient tolerance.
    pub tolerance: f64,
}

/// Checks that a saved model is of `want` and saved under the major version this library reads;
/// `E_BAD_OPTION` on option `json` otherwise.
pub fn check_saved(model: &str, version: &str, want: &Definition) -> Result<()> {
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if model != want.id || major(version) != major(want.version) {
        return Err(Error::BadOption {
            option: "json".into(),
            message: format!(
                "expected model \"{}\" version {}.x, found \"{model}\" version {version}",
                want.id,
                major(want.version)
            ),
        });
    }
    Ok(())
}

impl BgNbdModel {
    /// The model as its saved form.
    pub fn to_saved(&self) -> BgNbdModelJson {
        let [r, alpha, a, b] = self.std_errors;
        BgNbdModelJson {
            model: bgnbd::DEFINITION.id.into(),
            version: bgnbd::DEFINITION.version.into(),
            params: self.params,
            log_likelihood: self.log_likelihood,
            std_errors: BgNbdStdErrors { r, alpha, a, b },
            converged: self.converged,
            iterations: self.iterations,
            customers: self.customers,
            period: self.period,
            starts: self.starts,
            max_iterations: self.max_iterations,
            tolerance: self.tolerance,
        }
    }

    /// The model from its saved form (see the [module docs](self)).
    pub fn from_saved(j: BgNbdModelJson) -> Result<Self> {
        check_saved(&j.model, &j.version, &bgnbd::DEFINITION)?;
        let mut m = BgNbdModel::from_params(j.params, j.period)?;
        let s = j.std_errors;
        m.log_likelihood = j.log_likelihood;
        m.std_errors = [s.r, s.alpha, s.a, s.b];
        m.converged = j.converged;
        m.iterations = j.iterations;
        m.customers = j.customers;
        m.starts = j.starts;
        m.max_iterations = j.max_iterations;
        m.tolerance = j.tolerance;
        Ok(m)
    }
}

impl ParetoNbdModel {
    /// The model as its saved form.
    pub fn to_saved(&self) -> ParetoNbdModelJson {
        let [r, alpha, s, beta] = self.std_errors;
        ParetoNbdModelJson {
            model: pareto_nbd::DEFINITION.id.into(),
            version: pareto_nbd::DEFINITION.version.into(),
            params: self.params,
            log_likelihood: self.log_likelihood,
            std_errors: ParetoNbdStdErrors { r, alpha, s, beta },
            converged: self.converged,
            iterations: self.iterations,
            customers: self.customers,
            period: self.period,
            starts: self.options.starts,
            max_iterations: self.options.max_iterations,
            tolerance: self.options.tolerance,
        }
    }

    /// The model from its saved form.
    pub fn from_saved(j: ParetoNbdModelJson) -> Result<Self> {
        check_saved(&j.model, &j.version, &pareto_nbd::DEFINITION)?;
        let mut m = ParetoNbdModel::from_params(j.params, j.period)?;
        let s = j.std_errors;
        m.log_likelihood = j.log_likelihood;
        m.std_errors = [s.r, s.alpha, s.s, s.beta];
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
}

impl GammaGammaModel {
    /// The model as its saved form.
    pub fn to_saved(&self) -> GammaGammaModelJson {
        let [p, q, v] = self.std_errors;
        GammaGammaModelJson {
            model: gamma_gamma::DEFINITION.id.into(),
            version: gamma_gamma::DEFINITION.version.into(),
            params: self.params,
            log_likelihood: self.log_likelihood,
            std_errors: GammaGammaStdErrors { p, q, v },
            converged: self.converged,
            iterations: self.iterations,
            customers: self.customers,
            frequency_spend_correlation: self.frequency_spend_correlation,
            starts: self.starts,
            max_iterations: self.max_iterations,
            tolerance: self.tolerance,
        }
    }

    /// The model from its saved form.
    pub fn from_saved(j: GammaGammaModelJson) -> Result<Self> {
        check_saved(&j.model, &j.version, &gamma_gamma::DEFINITION)?;
        let mut m = GammaGammaModel::from_params(j.params)?;
        let s = j.std_errors;
        m.log_likelihood = j.log_likelihood;
        m.std_errors = [s.p, s.q, s.v];
        m.converged = j.converged;
        m.iterations = j.iterations;
        m.customers = j.customers;
        m.frequency_spend_correlation = j.frequency_spend_correlation;
        m.starts = j.starts;
        m.max_iterations = j.max_iterations;
        m.tolerance = j.tolerance;
        Ok(m)
    }
}
