//! Customer lifetime value: the BG/NBD purchase model, the Gamma-Gamma spend model, predictive
//! CLV with explicit discounting, historical LTV and simple LTV.
//!
//! Every model and metric here is a glossary [`Definition`](crate::glossary::Definition);
//! [`DEFINITIONS`] lists them.

pub mod bgnbd;
pub mod clv;
pub mod gamma_gamma;
pub mod historical;
pub mod holdout;
pub mod optim;
pub mod pareto_nbd;
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
];
