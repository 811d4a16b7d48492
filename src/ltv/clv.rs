//! Predictive customer lifetime value from a purchase model and a spend model (`ltv.clv`), with
//! the discounting convention explicit and a per-customer breakdown.
//!
//! CLV = margin · E[spend] · (discounted expected purchases over the next H months), where
//! E[X(t)] is the purchase model's conditional expected purchases in the next t periods, f the
//! number of summary periods per month (`daysPerMonth` = 30, `weeksPerMonth` = 4.345, 1 for
//! months, 1/3 for quarters — lifetimes' factors) and H the horizon in months. Two conventions:
//!
//! - `monthlyDiscrete` (default, lifetimes' `customer_lifetime_value`): each month's expected
//!   purchases discounted at the end of the month with a monthly rate d (default 0.01),
//!   ```text
//!   CLV = Σ_{k=1..H} margin · E[spend] · (E[X(k·f)] − E[X((k−1)·f)]) / (1 + d)^k
//!   ```
//! - `continuous` (CLVTools' convention: discounted expected transactions with a continuous
//!   annual rate δ, default 0.1, over the horizon — its DECT; DERT is the same integral with
//!   H → ∞): every purchase discounted at the moment it is expected,
//!   ```text
//!   CLV = margin · E[spend] · ∫_0^H e^(−δu/12) dE[X(u·f)]      (u in months)
//!       = margin · E[spend] · (e^(−δH/12) E[X(H·f)] + δ/12 ∫_0^H e^(−δu/12) E[X(u·f)] du)
//!   ```
//!   with the integral by 4-point Gauss–Legendre quadrature on every month (E[X] is smooth
//!   in t, so the quadrature error is far below 1e-9 relative).
//!
//! Every customer's value decomposes as `clv = expectedPurchases · expectedSpend · margin ·
//! discountFactor`, where `discountFactor` is the purchase-weighted mean discount.

use super::bgnbd::BgNbdModel;
use super::gamma_gamma::GammaGammaModel;
use super::pareto_nbd::ParetoNbdModel;
use crate::data::{CustomerKeys, Period};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::summary::CustomerSummary;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Parameter `horizonMonths`.
pub const HORIZON_MONTHS: ParameterDef = ParameterDef::new(
    "horizonMonths",
    "12",
    "Horizon H in months (whole months, 1–1200).",
)
.number(12.0)
.range(1.0, 1200.0)
.whole();

/// Parameter `discountConvention`.
pub const DISCOUNT_CONVENTION: ParameterDef = ParameterDef::new("discountConvention", "\"monthlyDiscrete\"", "\"monthlyDiscrete\": month k's expected purchases discounted by 1/(1+discountRate)^k (lifetimes); \"continuous\": every expected purchase discounted by exp(−continuousRate·u/12) at its time u in months (CLVTools' continuous annual rate, DECT over the horizon).").text("monthlyDiscrete").one_of(&["monthlyDiscrete", "continuous"]);

/// Parameter `discountRate`.
pub const DISCOUNT_RATE: ParameterDef = ParameterDef::new(
    "discountRate",
    "0.01",
    "Monthly discrete discount rate d (monthlyDiscrete convention).",
)
.number(0.01)
.above(-1.0);

/// Parameter `continuousRate`.
pub const CONTINUOUS_RATE: ParameterDef = ParameterDef::new(
    "continuousRate",
    "0.1",
    "Continuous annual discount rate δ (continuous convention).",
)
.number(0.1);

/// Parameter `margin`.
pub const MARGIN: ParameterDef = ParameterDef::new(
    "margin",
    "1",
    "Gross margin rate applied to expected spend (0–1; 1 = revenue).",
)
.number(1.0)
.range(0.0, 1.0);

/// Parameter `weeksPerMonth`.
pub const WEEKS_PER_MONTH: ParameterDef = ParameterDef::new(
    "weeksPerMonth",
    "4.345",
    "Summary periods per month when the summary is in weeks (lifetimes' 4.345).",
)
.number(4.345)
.above(0.0);

/// Parameter `daysPerMonth`.
pub const DAYS_PER_MONTH: ParameterDef = ParameterDef::new(
    "daysPerMonth",
    "30",
    "Summary periods per month when the summary is in days (lifetimes' 30).",
)
.number(30.0)
.above(0.0);

/// Definition of `ltv.clv`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.clv",
    version: "2.1.0",
    name: "Predictive customer lifetime value",
    description: "Discounted gross margin a customer is expected to bring over the next H months: the purchase model's (BG/NBD or Pareto/NBD) expected purchases month by month, times the Gamma-Gamma expected spend per purchase, times the margin rate, discounted month by month. Each customer comes with a breakdown (P(alive), expected purchases, expected spend, margin, discount factor) so any value can be explained.",
    formula: "monthlyDiscrete: CLV = Σ_{k=1..H} margin · E[spend] · (E[X(k·f)] − E[X((k−1)·f)]) / (1+d)^k; continuous: CLV = margin · E[spend] · ∫_0^H e^(−δu/12) dE[X(u·f)] (u in months; 4-point Gauss–Legendre per month); f = summary periods per month; E[X(t)] the conditional expected purchases of the purchase model (BG/NBD, or Pareto/NBD: P(alive)·(r+x)(β+T)/(α+T)·[1 − ((β+T)/(β+T+t))^(s−1)]/(s−1)). Breakdown: CLV = expectedPurchases · expectedSpend · margin · discountFactor with expectedPurchases = E[X(H·f)].",
    unit: "currency per customer",
    parameters: &[
        HORIZON_MONTHS,
        DISCOUNT_CONVENTION,
        DISCOUNT_RATE,
        CONTINUOUS_RATE,
        MARGIN,
        WEEKS_PER_MONTH,
        DAYS_PER_MONTH,
    ],
    inputs: "A fitted BG/NBD or Pareto/NBD model, a fitted Gamma-Gamma model, and a customer summary in the purchase model's period unit (its id is recorded as purchaseModel).",
    depends_on: &["customer.summary", "ltv.bgnbd", "ltv.pareto_nbd", "ltv.gamma_gamma"],
};

/// How future months are discounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub enum DiscountConvention {
    /// 1 / (1 + d)^k with a monthly rate d (lifetimes).
    #[default]
    MonthlyDiscrete,
    /// e^(−δu/12) at the time u (months) of each expected purchase, with a continuous annual
    /// rate δ (CLVTools' discounted expected transactions over the horizon).
    Continuous,
}

impl DiscountConvention {
    /// The option value (`monthlyDiscrete` or `continuous`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiscountConvention::MonthlyDiscrete => "monthlyDiscrete",
            DiscountConvention::Continuous => "continuous",
        }
    }

    /// Parses an option value.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "monthlyDiscrete" => Ok(DiscountConvention::MonthlyDiscrete),
            "continuous" => Ok(DiscountConvention::Continuous),
            other => Err(Error::BadOption {
                option: "discountConvention".into(),
                message: format!(
                    "expected \"monthlyDiscrete\" or \"continuous\", found \"{other}\""
                ),
            }),
        }
    }
}

/// Options of [`clv`].
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ClvOptions {
    /// Horizon in months (default 12).
    pub horizon_months: u32,
    /// Discount convention (default monthly discrete).
    #[serde(rename = "discountConvention")]
    pub convention: DiscountConvention,
    /// Monthly discrete rate (default 0.01).
    pub discount_rate: f64,
    /// Continuous annual rate (default 0.1).
    pub continuous_rate: f64,
    /// Gross margin rate (default 1).
    pub margin: f64,
    /// Weeks per month (default 4.345).
    pub weeks_per_month: f64,
    /// Days per month (default 30).
    pub days_per_month: f64,
}

impl Default for ClvOptions {
    fn default() -> Self {
        ClvOptions {
            horizon_months: const { HORIZON_MONTHS.default_number() } as u32,
            convention: match const { DISCOUNT_CONVENTION.default_text() }.as_bytes() {
                b"continuous" => DiscountConvention::Continuous,
                _ => DiscountConvention::MonthlyDiscrete,
            },
            discount_rate: const { DISCOUNT_RATE.default_number() },
            continuous_rate: const { CONTINUOUS_RATE.default_number() },
            margin: const { MARGIN.default_number() },
            weeks_per_month: const { WEEKS_PER_MONTH.default_number() },
            days_per_month: const { DAYS_PER_MONTH.default_number() },
        }
    }
}

impl ClvOptions {
    fn validate(&self) -> Result<()> {
        HORIZON_MONTHS.check_count(f64::from(self.horizon_months))?;
        DISCOUNT_RATE.check_number(self.discount_rate)?;
        CONTINUOUS_RATE.check_number(self.continuous_rate)?;
        MARGIN.check_number(self.margin)?;
        WEEKS_PER_MONTH.check_number(self.weeks_per_month)?;
        DAYS_PER_MONTH.check_number(self.days_per_month)?;
        Ok(())
    }

    /// Summary periods per month for `period`.
    pub fn periods_per_month(&self, period: Period) -> f64 {
        match period {
            Period::Day => self.days_per_month,
            Period::Week => self.weeks_per_month,
            Period::Month => 1.0,
            Period::Quarter => 1.0 / 3.0,
        }
    }

    /// Discount factor at time `u` months from the end of observation: 1/(1+d)^u
    /// (`monthlyDiscrete`, applied at month ends) or e^(−δu/12) (`continuous`).
    pub fn discount(&self, u: f64) -> f64 {
        match self.convention {
            DiscountConvention::MonthlyDiscrete => libm::pow(1.0 + self.discount_rate, -u),
            DiscountConvention::Continuous => libm::exp(-self.continuous_rate * u / 12.0),
        }
    }

    /// The times (months) at which E[X] is evaluated and the weights that turn those values
    /// into the discounted expected purchases Σᵢ cᵢ · E[X(uᵢ · f)]; the last time is H.
    ///
    /// monthlyDiscrete: uₖ = k and Σₖ (E_k − E_{k−1}) D(k) = Σₖ E_k (D(k) − D(k+1)) with
    /// D(H+1) = 0. continuous: 4-point Gauss–Legendre nodes of every month with weights
    /// (δ/12) wᵢ e^(−δuᵢ/12), then H with weight e^(−δH/12) (integration by parts).
    fn grid(&self) -> (Vec<f64>, Vec<f64>) {
        let h = self.horizon_months;
        match self.convention {
            DiscountConvention::MonthlyDiscrete => {
                let d: Vec<f64> = (1..=h).map(|k| self.discount(f64::from(k))).collect();
                let weights = (0..d.len())
                    .map(|i| d[i] - d.get(i + 1).copied().unwrap_or(0.0))
                    .collect();
                ((1..=h).map(f64::from).collect(), weights)
            }
            DiscountConvention::Continuous => {
                const NODES: [f64; 4] = [
                    -0.861_136_311_594_052_6,
                    -0.339_981_043_584_856_3,
                    0.339_981_043_584_856_3,
                    0.861_136_311_594_052_6,
                ];
                const WEIGHTS: [f64; 4] = [
                    0.347_854_845_137_453_8,
                    0.652_145_154_862_546_1,
                    0.652_145_154_862_546_1,
                    0.347_854_845_137_453_8,
                ];
                let rate = self.continuous_rate / 12.0;
                let mut times = Vec::with_capacity(4 * h as usize + 1);
                let mut weights = Vec::with_capacity(4 * h as usize + 1);
                for m in 0..h {
                    for (xi, w) in NODES.iter().zip(WEIGHTS) {
                        let u = f64::from(m) + 0.5 * (1.0 + xi);
                        times.push(u);
                        weights.push(rate * 0.5 * w * self.discount(u));
                    }
                }
                times.push(f64::from(h));
                weights.push(self.discount(f64::from(h)));
                (times, weights)
            }
        }
    }
}

/// Per-customer CLV with its breakdown (columns parallel to the summary's rows); JS
/// `ClvResult`, where `total` is [`ClvResult::total`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ClvResult {
    /// Customer ids, in the summary's order.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array | string[]"))]
    pub customer_id: CustomerKeys,
    /// CLV per customer.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub clv: Vec<f64>,
    /// P(alive) at the end of the observation window.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub probability_alive: Vec<f64>,
    /// True for customers with no repeat purchase (their P(alive) is 1 by construction).
    #[serde(serialize_with = "crate::columns::flags")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub no_repeat_purchase: Vec<bool>,
    /// Expected purchases over the horizon, E[X(H·f)] (undiscounted).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub expected_purchases: Vec<f64>,
    /// Expected spend per purchase (Gamma-Gamma).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub expected_spend: Vec<f64>,
    /// Margin rate applied.
    pub margin: f64,
    /// Purchase-weighted mean discount factor (1 when no purchases are expected).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub discount_factor: Vec<f64>,
    /// Σ CLV over customers, in customer order.
    pub total: f64,
    /// Definition reference with the parameters in effect.
    pub definition: DefinitionRef,
}

impl ClvResult {
    /// Σ CLV over customers (the [`total`](ClvResult::total) field).
    pub fn total(&self) -> f64 {
        self.total
    }
}

/// Predictive CLV of every customer of `summary` (see the [module docs](self)).
///
/// E[X(t) | x, t_x, T] factors into (a+b+x−1)/(a−1) · P(alive | x, t_x, T) and a
/// hypergeometric part that depends only on (x, T); customers with the same (frequency, T)
/// share the second, which is computed once.
///
/// Errors: `E_BAD_OPTION` for invalid options or a summary whose period differs from the
/// purchase model's; `E_UNDEFINED` when the spend model's mean is infinite (q ≤ 1) for a
/// customer with no repeat purchase.
pub fn clv(
    purchases: &BgNbdModel,
    spend: &GammaGammaModel,
    summary: &CustomerSummary,
    opts: &ClvOptions,
) -> Result<ClvResult> {
    clv_with(PurchaseModel::BgNbd(purchases), spend, summary, opts)
}

/// The purchase model of a CLV: BG/NBD or Pareto/NBD.
#[derive(Debug, Clone, Copy)]
pub enum PurchaseModel<'a> {
    /// `ltv.bgnbd`.
    BgNbd(&'a BgNbdModel),
    /// `ltv.pareto_nbd`.
    ParetoNbd(&'a ParetoNbdModel),
}

impl PurchaseModel<'_> {
    /// The model's definition id.
    pub fn id(&self) -> &'static str {
        match self {
            PurchaseModel::BgNbd(_) => super::bgnbd::DEFINITION.id,
            PurchaseModel::ParetoNbd(_) => super::pareto_nbd::DEFINITION.id,
        }
    }
}

/// Predictive CLV with either purchase model (see [`clv`]). With Pareto/NBD,
/// E[X(t) | x, t_x, T] = P(alive) · (r+x)(β+T)/(α+T) · [1 − ((β+T)/(β+T+t))^(s−1)]/(s−1)
/// (its limit ln((β+T+t)/(β+T)) at s = 1), the part after P(alive) computed once per T.
pub fn clv_with(
    purchases: PurchaseModel<'_>,
    spend: &GammaGammaModel,
    summary: &CustomerSummary,
    opts: &ClvOptions,
) -> Result<ClvResult> {
    let purchases = match purchases {
        PurchaseModel::BgNbd(m) => m,
        PurchaseModel::ParetoNbd(m) => return clv_pareto(m, spend, summary, opts),
    };
    opts.validate()?;
    let (p_alive, flags) = purchases.probability_alive(summary)?;
    let expected_spend = spend.expected_spend(summary)?;
    let f = opts.periods_per_month(summary.period);
    let (times, weights) = opts.grid();
    let mut rows = ClvRows::new(summary.len(), &super::bgnbd::DEFINITION);
    // E[X(t) | x, t_x, T] = (a+b+x−1)/(a−1) · P(alive | x, t_x, T) · shape(x, T, t); the shape (the costly
    // hypergeometric part) is computed once per distinct (x, T), reduced to its value at the
    // horizon and its discounted sum over the grid: g(H) and Σᵢ cᵢ · g(uᵢ).
    let mut shapes: FxHashMap<(u64, u64), (f64, f64)> = FxHashMap::default();
    // Per distinct T: zᵢ = tᵢ/(α+T+tᵢ) and ((α+T)/(α+T+tᵢ))^(a−1) at tᵢ = uᵢ·f.
    let mut by_t: FxHashMap<u64, Vec<(f64, f64)>> = FxHashMap::default();
    let alpha = purchases.params.alpha;
    let (a, b) = (purchases.params.a, purchases.params.b);
    let am1 = super::bgnbd::clamp_am1(a);
    let hn = times.len();
    let mut zs = vec![0.0; hn];
    let mut pw = vec![0.0; hn];
    let mut path = vec![0.0; hn];
    for (i, &s) in expected_spend.iter().enumerate() {
        let (x, t) = (summary.frequency[i], summary.t[i]);
        let key = (x.to_bits(), t.to_bits());
        let (shape_h, shape_discounted) = match shapes.get(&key) {
            Some(v) => *v,
            None => {
                let zp = by_t.entry(t.to_bits()).or_insert_with(|| {
                    times
                        .iter()
                        .map(|u| {
                            let tk = u * f;
                            let z = tk / (alpha + t + tk);
                            (z, libm::pow(1.0 - z, am1))
                        })
                        .collect()
                });
                for (k, &(z, p)) in zp.iter().enumerate() {
                    zs[k] = z;
                    pw[k] = p;
                }
                purchases.expected_path_shape(x, &zs, &pw, &mut path, i + 1)?;
                let discounted: f64 = path.iter().zip(&weights).map(|(g, c)| g * c).sum();
                let at_h = path.last().copied().unwrap_or(0.0);
                shapes.insert(key, (at_h, discounted));
                (at_h, discounted)
            }
        };
        let scale = (a + b + x - 1.0) / am1 * p_alive[i];
        rows.push(
            i,
            scale * shape_h,
            scale * shape_discounted,
            opts.margin * s,
        )?;
    }
    Ok(rows.finish(opts, summary, p_alive, flags, expected_spend))
}

/// The per-customer columns of a CLV, filled row by row from the purchase model's expected
/// purchases over the horizon and their discounted sum.
struct ClvRows {
    model: &'static Definition,
    clv: Vec<f64>,
    purchases: Vec<f64>,
    factor: Vec<f64>,
}

impl ClvRows {
    fn new(n: usize, model: &'static Definition) -> Self {
        ClvRows {
            model,
            clv: Vec::with_capacity(n),
            purchases: Vec::with_capacity(n),
            factor: Vec::with_capacity(n),
        }
    }

    /// Row `i`: `total` expected purchases over the horizon, `discounted` their discounted
    /// sum, `value` the margin per purchase. `E_UNDEFINED` (naming the purchase model) when they
    /// overflow.
    fn push(&mut self, i: usize, total: f64, discounted: f64, value: f64) -> Result<()> {
        if !(total.is_finite() && discounted.is_finite()) {
            return Err(Error::Undefined {
                metric: self.model.id.into(),
                message: format!(
                    "row {}: expected purchases overflow at these parameters",
                    i + 1
                ),
            });
        }
        self.clv.push(value * discounted);
        self.purchases.push(total);
        self.factor
            .push(if total > 0.0 { discounted / total } else { 1.0 });
        Ok(())
    }

    fn finish(
        self,
        opts: &ClvOptions,
        summary: &CustomerSummary,
        probability_alive: Vec<f64>,
        no_repeat_purchase: Vec<bool>,
        expected_spend: Vec<f64>,
    ) -> ClvResult {
        ClvResult {
            customer_id: summary.customer_id.clone(),
            total: self.clv.iter().sum(),
            definition: definition_ref(opts, summary, self.model),
            clv: self.clv,
            probability_alive,
            no_repeat_purchase,
            expected_purchases: self.purchases,
            expected_spend,
            margin: opts.margin,
            discount_factor: self.factor,
        }
    }
}

/// [`clv_with`] on a Pareto/NBD purchase model.
fn clv_pareto(
    purchases: &ParetoNbdModel,
    spend: &GammaGammaModel,
    summary: &CustomerSummary,
    opts: &ClvOptions,
) -> Result<ClvResult> {
    opts.validate()?;
    let p_alive = purchases.probability_alive(summary)?;
    let expected_spend = spend.expected_spend(summary)?;
    let f = opts.periods_per_month(summary.period);
    let (times, weights) = opts.grid();
    let super::pareto_nbd::ParetoNbdParams { r, alpha, s, beta } = purchases.params;
    // [1 − ((β+T)/(β+T+t))^(s−1)]/(s−1) at the horizon and discounted over the grid, per T.
    let horizon = |bt: f64, t: f64| {
        let ratio = bt / (bt + t);
        if (s - 1.0).abs() < 1e-10 {
            -libm::log(ratio)
        } else {
            (1.0 - libm::pow(ratio, s - 1.0)) / (s - 1.0)
        }
    };
    let mut by_t: FxHashMap<u64, (f64, f64)> = FxHashMap::default();
    let n = summary.len();
    let mut rows = ClvRows::new(n, &super::pareto_nbd::DEFINITION);
    for (i, &e_spend) in expected_spend.iter().enumerate() {
        let (x, t_obs) = (summary.frequency[i], summary.t[i]);
        let bt = beta + t_obs;
        let (at_h, discounted) = *by_t.entry(t_obs.to_bits()).or_insert_with(|| {
            let d: f64 = times
                .iter()
                .zip(&weights)
                .map(|(u, w)| w * horizon(bt, u * f))
                .sum();
            (horizon(bt, times.last().copied().unwrap_or(0.0) * f), d)
        });
        let scale = (r + x) * bt / (alpha + t_obs) * p_alive[i];
        rows.push(i, scale * at_h, scale * discounted, opts.margin * e_spend)?;
    }
    // P(alive) < 1 without a repeat purchase under Pareto/NBD: nothing to flag.
    Ok(rows.finish(opts, summary, p_alive, vec![false; n], expected_spend))
}

/// The definition reference of a CLV: the options in effect, the summary's period and the
/// purchase model's id.
fn definition_ref(
    opts: &ClvOptions,
    summary: &CustomerSummary,
    model: &Definition,
) -> DefinitionRef {
    DefinitionRef::new(&DEFINITION)
        .with(
            "horizonMonths",
            ParamValue::Number(f64::from(opts.horizon_months)),
        )
        .with(
            "discountConvention",
            ParamValue::Text(opts.convention.as_str().into()),
        )
        .with("discountRate", ParamValue::Number(opts.discount_rate))
        .with("continuousRate", ParamValue::Number(opts.continuous_rate))
        .with("margin", ParamValue::Number(opts.margin))
        .with("weeksPerMonth", ParamValue::Number(opts.weeks_per_month))
        .with("daysPerMonth", ParamValue::Number(opts.days_per_month))
        .with("period", ParamValue::Text(summary.period.as_str().into()))
        .with("purchaseModel", ParamValue::Text(model.id.into()))
}
