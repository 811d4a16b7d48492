//! Customer lifetime value: the BG/NBD purchase model, the Gamma-Gamma spend model, predictive
//! CLV with explicit discounting, historical LTV and simple LTV; the BG/BB model of repeat
//! transactions at discrete opportunities and the contractual retention models (sBG, BdW).
//!
//! Every model and metric here is a glossary [`Definition`](crate::glossary::Definition);
//! [`DEFINITIONS`] lists them.

pub mod bgbb;
pub mod bgnbd;
pub mod clv;
pub mod gamma_gamma;
pub mod historical;
pub mod holdout;
pub mod optim;
pub mod pareto_nbd;
pub mod retention;
pub mod saved;
pub mod sim;
pub mod simple;
pub mod special;

use crate::glossary::Definition;

/// Every LTV definition, in display order.
pub const DEFINITIONS: &[Definition] = &[
    historical::DEFINITION,
    simple::DEFINITION,
    bgnbd::DEFINITION,
    pareto_nbd::DEFINITION,
    gamma_gamma::DEFINITION,
    clv::DEFINITION,
    holdout::DEFINITION,
    bgbb::DEFINITION,
    retention::SBG,
    retention::BDW,
];

/// `E_BAD_OPTION` naming the first of `options` (name, value) whose value is not a finite
/// positive number: model parameters, tolerances, calendar constants.
pub(crate) fn check_positive(options: &[(&str, f64)]) -> crate::error::Result<()> {
    match options.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
        Some((name, v)) => Err(crate::error::Error::BadOption {
            option: (*name).into(),
            message: format!("must be a finite positive number, found {v}"),
        }),
        None => Ok(()),
    }
}
