//! Deterministic simulators of customer behaviour, for tests, benchmarks and the demo data.
//!
//! The transaction process is the Pareto/NBD story (Schmittlein, Morrison & Colombo 1987):
//! each customer has a purchase rate λ ~ Gamma(r, α) (rate per day, α a rate parameter in days)
//! and a dropout rate μ ~ Gamma(s, β); while alive (an exponential lifetime with rate μ) they buy
//! as a Poisson process with rate λ. Order values follow the Gamma-Gamma model (Fader & Hardie
//! 2013): each customer has ν ~ Gamma(q, γ) and each order is z ~ Gamma(p, ν), so the
//! customer's mean order value is p/ν.
//!
//! Everything is driven by one `u64` seed through Xoshiro256++, so a given seed always yields
//! the same data.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::data::dates::MS_PER_DAY;

/// Acquisition channel of a simulated customer, with the simulation's assumptions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelSpec {
    /// Channel name.
    pub name: &'static str,
    /// `paid`, `owned` or `organic`.
    pub kind: &'static str,
    /// Share of new customers acquired through it.
    pub share: f64,
    /// Multiplier applied to the customer's purchase rate.
    pub rate_factor: f64,
    /// Marketing cost per acquired customer (currency), before noise.
    pub cac: f64,
}

/// The channels of the sample data.
pub const CHANNELS: &[ChannelSpec] = &[
    ChannelSpec {
        name: "paid_search",
        kind: "paid",
        share: 0.28,
        rate_factor: 1.0,
        cac: 42.0,
    },
    ChannelSpec {
        name: "paid_social",
        kind: "paid",
        share: 0.22,
        rate_factor: 0.8,
        cac: 55.0,
    },
    ChannelSpec {
        name: "email",
        kind: "owned",
        share: 0.15,
        rate_factor: 1.2,
        cac: 9.0,
    },
    ChannelSpec {
        name: "organic",
        kind: "organic",
        share: 0.25,
        rate_factor: 1.0,
        cac: 0.0,
    },
    ChannelSpec {
        name: "referral",
        kind: "organic",
        share: 0.10,
        rate_factor: 1.4,
        cac: 0.0,
    },
];

/// Parameters of [`simulate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimParams {
    /// Number of customers.
    pub customers: usize,
    /// Start of the window (epoch ms).
    pub start_ms: i64,
    /// Length of the window in days.
    pub days: u32,
    /// Purchase-rate shape r.
    pub r: f64,
    /// Purchase-rate rate α (days).
    pub alpha: f64,
    /// Dropout shape s.
    pub s: f64,
    /// Dropout rate β (days).
    pub beta: f64,
    /// Order-value shape p.
    pub p: f64,
    /// Shape q of ν.
    pub q: f64,
    /// Rate γ of ν.
    pub gamma: f64,
    /// Probability that an order is later partly refunded.
    pub refund_rate: f64,
}

impl Default for SimParams {
    /// 5,000 customers acquired over 2024–2025; purchase rate r/α = 0.015 a day (about five
    /// purchases a year while alive), mean lifetime about 500 days, mean order value p·γ/(q−1) = 50.
    fn default() -> Self {
        SimParams {
            customers: 5_000,
            start_ms: 19_723 * MS_PER_DAY, // 2024-01-01
            days: 731,
            r: 0.9,
            alpha: 60.0,
            s: 0.6,
            beta: 300.0,
            p: 6.0,
            q: 4.0,
            gamma: 25.0,
            refund_rate: 0.02,
        }
    }
}

/// One simulated transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTransaction {
    /// Order number (refund rows reuse the order's number).
    pub order: u32,
    /// Customer number, from 1.
    pub customer: u32,
    /// Time (epoch ms, whole minutes).
    pub ms: i64,
    /// Amount in cents-rounded currency; refunds negative.
    pub amount: f64,
    /// Index into [`CHANNELS`].
    pub channel: usize,
}

/// Simulated monthly marketing spend.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSpend {
    /// Month index (see [`crate::Period::Month`]).
    pub month: i64,
    /// Index into [`CHANNELS`].
    pub channel: usize,
    /// Amount (currency).
    pub amount: f64,
}

/// Simulated data set.
#[derive(Debug, Clone, PartialEq)]
pub struct SimData {
    /// Transactions in time order.
    pub transactions: Vec<SimTransaction>,
    /// Monthly spend per paid or owned channel.
    pub spend: Vec<SimSpend>,
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Simulates customers and their transactions (see the [module docs](self)).
///
/// ```
/// let d = unimetric::sim::simulate(&unimetric::sim::SimParams { customers: 50, ..Default::default() }, 7);
/// assert_eq!(d, unimetric::sim::simulate(&unimetric::sim::SimParams { customers: 50, ..Default::default() }, 7));
/// assert!(d.transactions.len() >= 50);
/// ```
pub fn simulate(params: &SimParams, seed: u64) -> SimData {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let lam = Gamma::new(params.r, 1.0 / params.alpha).ok();
    let mu = Gamma::new(params.s, 1.0 / params.beta).ok();
    let nu = Gamma::new(params.q, 1.0 / params.gamma).ok();
    let end_day = params.days as f64;
    let mut txs = Vec::new();
    let first_month = crate::Period::Month.index(params.start_ms);
    let last_month =
        crate::Period::Month.index(params.start_ms + params.days as i64 * MS_PER_DAY - 1);
    let months = (last_month - first_month + 1).max(0) as usize;
    let mut acquired = vec![vec![0u32; months]; CHANNELS.len()];
    let mut order = 0u32;
    for c in 0..params.customers {
        // Acquisition grows over the window (density ∝ 0.5 + day / days).
        let u: f64 = rng.gen();
        let a = end_day * ((0.25 + 2.0 * u).sqrt() - 0.5);
        let pick: f64 = rng.gen();
        let mut acc = 0.0;
        let mut ch = CHANNELS.len() - 1;
        for (i, spec) in CHANNELS.iter().enumerate() {
            acc += spec.share;
            if pick < acc {
                ch = i;
                break;
            }
        }
        let rate = lam.map_or(0.01, |g| g.sample(&mut rng)) * CHANNELS[ch].rate_factor;
        let drop = mu.map_or(0.001, |g| g.sample(&mut rng));
        let life = Exp::new(drop.max(1e-12)).map_or(f64::INFINITY, |e| e.sample(&mut rng));
        let scale = nu.map_or(0.1, |g| g.sample(&mut rng));
        let spend = Gamma::new(params.p, 1.0 / scale).ok();
        let death = (a + life).min(end_day);
        let month = crate::Period::Month.index(params.start_ms + (a * MS_PER_DAY as f64) as i64)
            - first_month;
        if let Some(slot) = acquired[ch].get_mut(month.max(0) as usize) {
            *slot += 1;
        }
        let mut t = a;
        loop {
            order += 1;
            let ms = params.start_ms + ((t * 1440.0).floor() as i64) * 60_000;
            let value = round_cents(spend.map_or(50.0, |g| g.sample(&mut rng)).max(1.0));
            txs.push(SimTransaction {
                order,
                customer: c as u32 + 1,
                ms,
                amount: value,
                channel: ch,
            });
            if rng.gen::<f64>() < params.refund_rate {
                let later = ms + (1 + rng.gen_range(0..14)) * MS_PER_DAY;
                if later < params.start_ms + params.days as i64 * MS_PER_DAY {
                    let part = round_cents(value * rng.gen_range(0.2..=1.0));
                    txs.push(SimTransaction {
                        order,
                        customer: c as u32 + 1,
                        ms: later,
                        amount: -part,
                        channel: ch,
                    });
                }
            }
            if rate <= 0.0 {
                break;
            }
            let gap = Exp::new(rate).map_or(f64::INFINITY, |e| e.sample(&mut rng));
            t += gap;
            if t >= death {
                break;
            }
        }
    }
    txs.sort_by(|x, y| x.ms.cmp(&y.ms).then(x.order.cmp(&y.order)));
    let mut spend = Vec::new();
    for m in 0..months {
        for (i, spec) in CHANNELS.iter().enumerate() {
            if spec.cac <= 0.0 {
                continue;
            }
            let n = acquired.get(i).and_then(|v| v.get(m)).copied().unwrap_or(0) as f64;
            let noise = 0.85 + 0.3 * rng.gen::<f64>();
            spend.push(SimSpend {
                month: first_month + m as i64,
                channel: i,
                amount: round_cents(
                    n * spec.cac * noise + if spec.kind == "owned" { 150.0 } else { 0.0 },
                ),
            });
        }
    }
    SimData {
        transactions: txs,
        spend,
    }
}
