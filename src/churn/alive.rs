//! 1 − P(alive) as a churn score (`churn.alive`): the BG/NBD model's probability that a customer
//! is still active, offered behind the same interface as the logistic model (fit on a feature
//! table, `predict` on a feature table, JSON round trip) so the time-split evaluation can score
//! both side by side with the recency baseline.
//!
//! The BG/NBD inputs come from the churn features at the cutoff, in days: x = `frequency`
//! (repeat purchase days), t_x = `tenureDays − recencyDays` (days from the first to the last
//! purchase day), T = `tenureDays` (days from the first purchase day to the cutoff day) — the
//! daily `customer.summary` at the end of the cutoff day. The horizon does not enter the score.
//!
//! A customer with no repeat purchase (x = 0) has P(alive) = 1 under BG/NBD by construction, so
//! their score is 0: [`AliveChurnModel::predict`] flags them.

use super::{FeatureTable, FEATURE_NAMES};
use crate::columns::Values;
use crate::data::Period;
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue};
use crate::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use serde::{Deserialize, Serialize};

/// `churn.alive`.
pub const DEFINITION: Definition = Definition {
    id: "churn.alive",
    version: "2.0.1",
    name: "Churn score from P(alive) (BG/NBD)",
    description: "One minus the BG/NBD probability that the customer is still active at the cutoff, from the churn features in days. Customers without a repeat purchase have P(alive) = 1 under BG/NBD by construction (score 0) and are flagged.",
    formula: "score = 1 − P(alive | x, t_x, T) = 1 − 1/(1 + [x>0]·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)), with x = frequency, t_x = tenureDays − recencyDays, T = tenureDays (days, churn.features at the cutoff) and (r, α, a, b) from ltv.bgnbd fitted on the training cutoff's features",
    unit: "probability (0–1)",
    parameters: &[],
    inputs: "A churn feature table (frequency, recencyDays, tenureDays) at the cutoff.",
    depends_on: &["churn.features", "ltv.bgnbd"],
};

/// The BG/NBD columns (x, t_x, T in days) of a feature matrix with the churn feature names.
fn bgnbd_columns(names: &[String], values: &[f64]) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let col = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::MissingColumn {
                column: name.into(),
                field: "features".into(),
                available: crate::error::join_names(names.iter().cloned()),
            })
    };
    let (fi, ri, ti) = (
        col(FEATURE_NAMES[1])?,
        col(FEATURE_NAMES[0])?,
        col(FEATURE_NAMES[3])?,
    );
    let k = names.len();
    let n = values.len() / k;
    let (mut x, mut tx, mut t) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for row in values.chunks_exact(k) {
        x.push(row[fi]);
        tx.push(row[ti] - row[ri]);
        t.push(row[ti]);
    }
    Ok((x, tx, t))
}

/// A churn scorer from a daily BG/NBD model: score = 1 − P(alive). Its serde form is the
/// scorer's JSON (`AliveChurnModelJson` in TypeScript).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "AliveChurnModelJson")
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AliveChurnModel {
    /// Definition id (`churn.alive`), for JSON round trips.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"churn.alive\""))]
    pub metric: String,
    /// Definition version.
    pub version: String,
    /// The BG/NBD model (daily periods).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "object"))]
    pub bgnbd: BgNbdModel,
}

impl AliveChurnModel {
    /// Fits BG/NBD on the customers of a feature table (daily units; see the [module
    /// docs](self)). Errors as [`BgNbdModel::fit_columns`] (e.g. `E_INSUFFICIENT_DATA` with
    /// fewer than two repeat buyers).
    pub fn fit(table: &FeatureTable, opts: &BgNbdOptions) -> Result<AliveChurnModel> {
        Self::fit_matrix(&table.names, &table.values, opts)
    }

    /// [`fit`](Self::fit) on a row-major matrix with the churn feature columns (found by name).
    pub fn fit_matrix(
        names: &[String],
        values: &[f64],
        opts: &BgNbdOptions,
    ) -> Result<AliveChurnModel> {
        super::check_matrix(values, names.len(), names)?;
        let (x, tx, t) = bgnbd_columns(names, values)?;
        Self::from_bgnbd(BgNbdModel::fit_columns(&x, &tx, &t, Period::Day, opts)?)
    }

    /// Wraps a BG/NBD model fitted on a daily summary (`E_BAD_OPTION` for another period: the
    /// feature columns are in days).
    pub fn from_bgnbd(model: BgNbdModel) -> Result<AliveChurnModel> {
        if model.period != Period::Day {
            return Err(Error::BadOption {
                option: "model".into(),
                message: format!(
                    "the churn features are in days, but the BG/NBD model was fitted on {} periods; fit it on tx.summary({{ period: \"day\" }})",
                    model.period.as_str()
                ),
            });
        }
        Ok(AliveChurnModel {
            metric: DEFINITION.id.into(),
            version: DEFINITION.version.into(),
            bgnbd: model,
        })
    }

    /// Churn scores 1 − P(alive) for a matrix with the churn feature columns, and per row a flag
    /// that is true when the customer has no repeat purchase (P(alive) = 1 by construction).
    pub fn predict(&self, names: &[String], values: &[f64]) -> Result<(Vec<f64>, Vec<bool>)> {
        super::check_matrix(values, names.len(), names)?;
        let (x, tx, t) = bgnbd_columns(names, values)?;
        let (p, flags) = self.bgnbd.probability_alive_columns(&x, &tx, &t)?;
        Ok((p.into_iter().map(|p| 1.0 - p).collect(), flags))
    }

    /// [`predict`](Self::predict) as `{ values, noRepeatPurchase, definition }`.
    pub fn predict_values(&self, names: &[String], values: &[f64]) -> Result<Values> {
        let (scores, flags) = self.predict(names, values)?;
        let mut v = Values::new(scores, self.definition());
        v.no_repeat_purchase = Some(flags);
        Ok(v)
    }

    /// [`predict`](Self::predict) on a feature table.
    pub fn predict_table(&self, table: &FeatureTable) -> Result<(Vec<f64>, Vec<bool>)> {
        self.predict(&table.names, &table.values)
    }

    /// Checks a model read from JSON.
    pub fn validate(&self) -> Result<()> {
        if self.metric != DEFINITION.id {
            return Err(Error::BadOption {
                option: "metric".into(),
                message: format!("'{}' is not {}", self.metric, DEFINITION.id),
            });
        }
        crate::glossary::check_saved_version(&self.version, &DEFINITION)?;
        self.bgnbd.params.validate()?;
        Self::from_bgnbd(self.bgnbd.clone()).map(|_| ())
    }

    /// The definition reference of the scores.
    pub fn definition(&self) -> DefinitionRef {
        let p = self.bgnbd.params;
        DefinitionRef::new(&DEFINITION)
            .with("r", ParamValue::Number(p.r))
            .with("alpha", ParamValue::Number(p.alpha))
            .with("a", ParamValue::Number(p.a))
            .with("b", ParamValue::Number(p.b))
    }
}
