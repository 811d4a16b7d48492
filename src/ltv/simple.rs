//! Simple LTV (`ltv.simple`): ARPU × gross margin ÷ churn rate, with the period explicit.

use crate::data::Period;
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};

/// Parameter `margin` (alias `marginRate`).
pub const MARGIN: ParameterDef = ParameterDef::new(
    "margin",
    "1",
    "Gross margin rate (0–1; 1 = revenue). Also accepted as `marginRate`.",
)
.number(1.0)
.range(0.0, 1.0);
/// Parameter `period`.
pub const PERIOD: ParameterDef = ParameterDef::new(
    "period",
    "\"month\"",
    "The period of ARPU and churn (day, week, month, quarter).",
)
.text("month")
.one_of(crate::data::Period::NAMES);

/// Parameter `arpu` (required).
pub const ARPU: ParameterDef = ParameterDef::new(
    "arpu",
    "required",
    "Average revenue per customer per period (≥ 0).",
)
.required()
.at_least(0.0);
/// Parameter `churnRate` (required). 0 is in range but has no finite LTV: `E_UNDEFINED`.
pub const CHURN_RATE: ParameterDef = ParameterDef::new(
    "churnRate",
    "required",
    "Share of customers lost per period, 0 to 1; 0 (customers never leave) has no finite LTV and is E_UNDEFINED.",
)
.required()
.range(0.0, 1.0);

/// Definition of `ltv.simple`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.simple",
    version: "1.1.0",
    name: "Simple LTV",
    description: "The back-of-the-envelope LTV: average revenue per customer per period, times the gross margin, divided by the share of customers lost per period (so 1 ÷ churn is the expected lifetime in periods). ARPU and churn must be measured over the same period. A churn rate of 0 has no finite LTV and is an error.",
    formula: "LTV = ARPU per period × margin ÷ churn rate per period; expected lifetime = 1 ÷ churn rate periods",
    unit: "currency per customer",
    parameters: &[
        ARPU,
        CHURN_RATE,
        MARGIN,
        PERIOD,
    ],
    inputs: "Three numbers: ARPU, churn rate and margin rate for the same period.",
    depends_on: &[],
};

/// Options of `simpleLtv` (JS `SimpleLtvOptions`): ARPU and churn rate are required.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimpleLtvOptions {
    /// Average revenue per customer per period.
    pub arpu: f64,
    /// Share of customers lost per period, in (0, 1].
    pub churn_rate: f64,
    /// Gross margin rate (default 1; also accepted as `marginRate`).
    #[serde(default = "default_margin", alias = "marginRate")]
    pub margin: f64,
    /// Period of ARPU and churn (default month).
    #[serde(default = "default_period")]
    pub period: Period,
}

fn default_margin() -> f64 {
    const { MARGIN.default_number() }
}

fn default_period() -> Period {
    Period::parse(const { PERIOD.default_text() }).unwrap_or(Period::Month)
}

impl SimpleLtvOptions {
    /// [`simple_ltv`] with these options.
    pub fn compute(&self) -> Result<SimpleLtv> {
        simple_ltv(self.arpu, self.churn_rate, self.margin, self.period)
    }
}

/// Simple LTV with its expected lifetime; JS `SimpleLtvResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "SimpleLtvResult")
)]
#[serde(rename = "SimpleLtvResult", rename_all = "camelCase")]
pub struct SimpleLtv {
    /// ARPU × margin ÷ churn.
    pub value: f64,
    /// 1 ÷ churn, in periods.
    pub expected_lifetime_periods: f64,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// Simple LTV.
///
/// Errors: `E_UNDEFINED` when `churn_rate` is 0 (customers never leave: no finite LTV);
/// `E_BAD_OPTION` for a negative or non-finite ARPU, a churn rate outside [0, 1] or a margin
/// rate outside [0, 1], and for a churn rate so small that ARPU × margin ÷ churn overflows.
///
/// ```
/// use unimetric::ltv::simple::simple_ltv;
/// use unimetric::Period;
/// // 30 a month at 60 % margin, 5 % monthly churn: 30 · 0.6 / 0.05 = 360 over 20 months.
/// let v = simple_ltv(30.0, 0.05, 0.6, Period::Month).unwrap();
/// assert!((v.value - 360.0).abs() < 1e-9);
/// assert!((v.expected_lifetime_periods - 20.0).abs() < 1e-12);
/// assert_eq!(simple_ltv(30.0, 0.0, 0.6, Period::Month).unwrap_err().code(), "E_UNDEFINED");
/// ```
pub fn simple_ltv(arpu: f64, churn_rate: f64, margin: f64, period: Period) -> Result<SimpleLtv> {
    ARPU.check_number(arpu)?;
    CHURN_RATE.check_number(churn_rate)?;
    MARGIN.check_number(margin)?;
    if churn_rate == 0.0 {
        return Err(Error::Undefined {
            metric: DEFINITION.id.into(),
            message: "churn rate 0 means customers never leave, so ARPU × margin ÷ churn has no finite value; use a predictive or horizon-limited LTV instead".into(),
        });
    }
    let value = arpu * margin / churn_rate;
    if !value.is_finite() {
        return Err(Error::BadOption {
            option: "churnRate".into(),
            message: format!(
                "ARPU × margin ÷ churn = {arpu} × {margin} ÷ {churn_rate} overflows a 64-bit float"
            ),
        });
    }
    Ok(SimpleLtv {
        value,
        expected_lifetime_periods: 1.0 / churn_rate,
        definition: DefinitionRef::new(&DEFINITION)
            .with("arpu", ParamValue::Number(arpu))
            .with("churnRate", ParamValue::Number(churn_rate))
            .with("margin", ParamValue::Number(margin))
            .with("period", ParamValue::Text(period.as_str().into())),
    })
}
