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
//!
//! # An A/B test with a known effect ([`simulate_experiment`])
//!
//! Customers acquired before a start day are assigned to control or treatment by a fair coin
//! over a week; a treated customer who is alive buys at `1 + lift` times their rate for the
//! 30 days after assignment (extra purchases from their own order-value distribution, drawn
//! from a separate stream, so [`simulate`]'s rows are unchanged and only rows are added). The
//! truth: orders and net revenue per customer in the window are `1 + lift` times higher in
//! treatment, in expectation; the split has no sample-ratio mismatch.
//!
//! # Touchpoints with a known truth ([`simulate_touchpoints`])
//!
//! Marketing touches are simulated afterwards, from the transactions, with their own random
//! stream (the seed XOR [`TOUCH_STREAM`]), so adding them changes nothing in [`simulate`]'s
//! output. The story is a marked Poisson process per prospect: while exposed, a prospect is
//! touched by channel c at `rate_c` touches a day, and each touch of c independently converts
//! them with probability `p_c` (the [`TOUCH_CHANNELS`] table). The first converting touch is the
//! conversion (the customer's first purchase); nothing is simulated after it. So channel c's
//! conversion hazard is `h_c = rate_c · p_c`, the total hazard is `Λ = Σ h_c`, and
//!
//! - the converting touch is channel c with probability `π_c = h_c / Λ` (whatever the time) —
//!   the **true share of conversions caused by c** ([`true_conversion_shares`]);
//! - removing channel c (its touches never happen) lowers the probability of converting within
//!   an exposure of `W` days from `1 − e^{−ΛW}` to `1 − e^{−(Λ − h_c)W}`: the **true removal
//!   effect** ([`true_removal_effects`]). Both rank the channels by `h_c`.
//!
//! Each of the data's customers is a prospect that converted at their first purchase. Their
//! path is drawn from the process conditioned on that: the exposure before the conversion is
//! `τ ~ Exp(Λ)` truncated to `window_days`; the converting touch is 0–59 minutes before the first
//! purchase; the touches before it are, independently of `τ` and of the converting channel, a
//! Poisson process with rates `rate_d · (1 − p_d)` (touches that did not convert) over the `τ`
//! days before. The converting channel is the customer's recorded acquisition channel (the
//! transactions' `channel`, drawn from [`CHANNELS`]' shares) except for a fraction
//! `π_display + π_direct` of customers, whose converting touch is `display` or `direct` (in
//! proportion to their hazards): the five sample channels' rates are set to make
//! `h_c = (1 − π_display − π_direct)·Λ·share_c`, so the converting channel has exactly the
//! distribution `π` and the recorded channel is the last touch whenever the last touch is one
//! of the five. (This is why every channel has the same touch rate and the five sample
//! channels' `p` are their shares.) Non-buying prospects (ids `P…`) were exposed for the full `window_days` without
//! converting: their touches are the same non-converting Poisson process over a window ending at
//! a uniformly random time of the data's span. By default there are as many of them as the model
//! implies for the number of customers, `customers · e^{−ΛW}/(1 − e^{−ΛW})`.
//!
//! What the models can recover from such data: the converting touch ends the path, so last
//! touch is the causal credit here and estimates `π` without bias. Markov removal effects and
//! Shapley values also credit a channel for being present in converting paths it did not cause;
//! with equal touch rates that pulls their shares toward equal but keeps the order of `π` (on
//! the bundled sample, Markov gives paid_search 16.8 % … display 11.7 %, Shapley 19.4 % … 8.5 %,
//! both in exactly the true order; see `tests/attribution_sample.rs`). With unequal touch rates
//! the presence credit follows exposure instead: a first version of this simulator with display
//! touched 2.7 times as often as paid_search (p = 0.01) gave display 17.9 % of the Markov credit
//! against a true 2.3 %, and ranked paid_social above paid_search. Hence the equal rates.

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

/// A simulated customer's latent traits (what [`simulate_experiment`] needs to continue their
/// purchase process).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimCustomer {
    /// Acquisition (first purchase), in days from the start of the window.
    pub acquired_day: f64,
    /// Purchase rate λ per day while alive (acquisition channel's factor included).
    pub rate: f64,
    /// End of the customer's purchasing, in days from the start (death, or the window's end).
    pub death_day: f64,
    /// Rate ν of the customer's order values z ~ Gamma(p, ν).
    pub value_rate: f64,
    /// Index into [`CHANNELS`].
    pub channel: usize,
}

/// Simulated data set.
#[derive(Debug, Clone, PartialEq)]
pub struct SimData {
    /// Transactions in time order.
    pub transactions: Vec<SimTransaction>,
    /// Monthly spend per paid or owned channel.
    pub spend: Vec<SimSpend>,
    /// Each customer's latent traits, customer `c` at index `c − 1`.
    pub customers: Vec<SimCustomer>,
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
    let mut customers = Vec::with_capacity(params.customers);
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
        customers.push(SimCustomer {
            acquired_day: a,
            rate,
            death_day: death,
            value_rate: scale,
            channel: ch,
        });
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
        customers,
    }
}

/// Seed offset of [`simulate_touchpoints`]' random stream (XORed into the seed), so that its
/// draws are independent of [`simulate`]'s.
pub const TOUCH_STREAM: u64 = 0x746f_7563_6870_6f69;

/// A touch channel of [`simulate_touchpoints`], with its true effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TouchChannelSpec {
    /// Channel name.
    pub name: &'static str,
    /// Probability that one touch of the channel converts the prospect.
    pub p: f64,
    /// Touches a day while a prospect is exposed.
    pub rate: f64,
}

impl TouchChannelSpec {
    /// Conversion hazard of the channel, `rate · p` (conversions a day per exposed prospect).
    pub fn hazard(&self) -> f64 {
        self.rate * self.p
    }
}

/// Touches a day of every channel while a prospect is exposed.
pub const TOUCH_RATE: f64 = 0.025;

/// Sample channel `i` of [`CHANNELS`]: its per-touch probability is its share of new customers,
/// so that its hazard `TOUCH_RATE · share` is proportional to the share.
macro_rules! sample_touch {
    ($i:expr) => {
        TouchChannelSpec {
            name: CHANNELS[$i].name,
            p: CHANNELS[$i].share,
            rate: TOUCH_RATE,
        }
    };
}

/// The touch channels and their true per-touch conversion probabilities: the five
/// [`CHANNELS`] in their order (p = their `share`), then `display` and `direct`. Every channel
/// touches an exposed prospect [`TOUCH_RATE`] times a day, so the true ranking of the channels
/// is the ranking of `p`.
///
/// | channel | p | hazard/day | true share π |
/// |---|---|---|---|
/// | paid_search | 0.28 | 0.00700 | 26.2 % |
/// | organic | 0.25 | 0.00625 | 23.4 % |
/// | paid_social | 0.22 | 0.00550 | 20.6 % |
/// | email | 0.15 | 0.00375 | 14.0 % |
/// | referral | 0.10 | 0.00250 | 9.3 % |
/// | direct | 0.05 | 0.00125 | 4.7 % |
/// | display | 0.02 | 0.00050 | 1.9 % |
pub const TOUCH_CHANNELS: &[TouchChannelSpec] = &[
    sample_touch!(0),
    sample_touch!(1),
    sample_touch!(2),
    sample_touch!(3),
    sample_touch!(4),
    TouchChannelSpec {
        name: "display",
        p: 0.02,
        rate: TOUCH_RATE,
    },
    TouchChannelSpec {
        name: "direct",
        p: 0.05,
        rate: TOUCH_RATE,
    },
];

/// Total conversion hazard `Λ = Σ rate_c · p_c` of [`TOUCH_CHANNELS`].
pub fn total_hazard() -> f64 {
    TOUCH_CHANNELS.iter().map(TouchChannelSpec::hazard).sum()
}

/// The true share of conversions each touch channel causes, `π_c = h_c / Λ`, in
/// [`TOUCH_CHANNELS`] order (sums to 1).
pub fn true_conversion_shares() -> Vec<f64> {
    let total = total_hazard();
    TOUCH_CHANNELS.iter().map(|c| c.hazard() / total).collect()
}

/// The true removal effect of each touch channel over an exposure of `window_days`:
/// `1 − (1 − e^{−(Λ − h_c)W}) / (1 − e^{−ΛW})`, the share of conversions lost if the channel's
/// touches never happened, in [`TOUCH_CHANNELS`] order.
pub fn true_removal_effects(window_days: f64) -> Vec<f64> {
    let total = total_hazard();
    let base = 1.0 - (-total * window_days).exp();
    TOUCH_CHANNELS
        .iter()
        .map(|c| 1.0 - (1.0 - (-(total - c.hazard()) * window_days).exp()) / base)
        .collect()
}

/// Parameters of [`simulate_touchpoints`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TouchpointParams {
    /// Longest exposure before a conversion, and the exposure of a non-buying prospect, in
    /// days (default 28, inside the 30-day default lookback).
    pub window_days: f64,
    /// Non-buying prospects; `None` (default) for the number the model implies,
    /// `customers · e^{−ΛW}/(1 − e^{−ΛW})`.
    pub prospects: Option<usize>,
}

impl Default for TouchpointParams {
    fn default() -> Self {
        TouchpointParams {
            window_days: 28.0,
            prospects: None,
        }
    }
}

/// One simulated touch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimTouch {
    /// Customer number (as in [`SimTransaction::customer`]) or, when `prospect`, the
    /// non-buying prospect's number, from 1.
    pub customer: u32,
    /// Whether the touch belongs to a non-buying prospect.
    pub prospect: bool,
    /// Time (epoch ms, whole minutes).
    pub ms: i64,
    /// Index into [`TOUCH_CHANNELS`].
    pub channel: usize,
    /// Whether this touch converted the customer (their first purchase follows it).
    pub converts: bool,
}

/// Draws a channel index with probability proportional to `weights`.
fn pick_weighted(rng: &mut Xoshiro256PlusPlus, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// Whole minutes at or before `ms`.
fn floor_minute(ms: f64) -> i64 {
    (ms / 60_000.0).floor() as i64 * 60_000
}

/// Simulates the touches of the data's customers and of non-buying prospects (see the
/// [module docs](self)); sorted by time, then prospects after customers, then number.
///
/// ```
/// use unimetric::sim::{simulate, simulate_touchpoints, SimParams, TouchpointParams};
/// let d = simulate(&SimParams { customers: 50, ..Default::default() }, 7);
/// let t = simulate_touchpoints(&d, &TouchpointParams::default(), 7);
/// assert_eq!(t, simulate_touchpoints(&d, &TouchpointParams::default(), 7));
/// assert_eq!(t.iter().filter(|x| x.converts).count(), 50);
/// ```
pub fn simulate_touchpoints(data: &SimData, params: &TouchpointParams, seed: u64) -> Vec<SimTouch> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ TOUCH_STREAM);
    let window = params.window_days.max(0.0);
    let total = total_hazard();
    // Touches that did not convert: rates rate_d · (1 − p_d).
    let quiet: Vec<f64> = TOUCH_CHANNELS
        .iter()
        .map(|c| c.rate * (1.0 - c.p))
        .collect();
    let quiet_rate: f64 = quiet.iter().sum();
    let hazards: Vec<f64> = TOUCH_CHANNELS
        .iter()
        .map(TouchChannelSpec::hazard)
        .collect();
    let extra = &hazards[CHANNELS.len()..];
    let extra_share = extra.iter().sum::<f64>() / total;
    let day = MS_PER_DAY as f64;
    let mut out = Vec::new();
    // Non-converting touches over [from, to) (ms), appended in time order.
    let quiet_touches = |rng: &mut Xoshiro256PlusPlus,
                         out: &mut Vec<SimTouch>,
                         who: u32,
                         prospect: bool,
                         from: f64,
                         to: f64| {
        let gaps = Exp::new(quiet_rate).ok();
        let mut t = from;
        while let Some(g) = gaps {
            t += g.sample(rng) * day;
            if t >= to {
                break;
            }
            let channel = pick_weighted(rng, &quiet);
            out.push(SimTouch {
                customer: who,
                prospect,
                ms: floor_minute(t),
                channel,
                converts: false,
            });
        }
    };
    // First purchase and recorded channel per customer.
    let mut first: Vec<Option<(i64, usize)>> = Vec::new();
    for t in &data.transactions {
        let i = t.customer as usize;
        if first.len() <= i {
            first.resize(i + 1, None);
        }
        if t.amount > 0.0 && first[i].is_none() {
            first[i] = Some((t.ms, t.channel));
        }
    }
    let truncation = 1.0 - (-total * window).exp();
    let mut customers = 0usize;
    for (who, f) in first.iter().enumerate() {
        let Some((purchase, recorded)) = *f else {
            continue;
        };
        customers += 1;
        let channel = if rng.gen::<f64>() < extra_share {
            CHANNELS.len() + pick_weighted(&mut rng, extra)
        } else {
            recorded
        };
        let conv = purchase - rng.gen_range(0..60) * 60_000;
        // Exposure before the conversion: Exp(Λ) truncated to the window.
        let tau = -(1.0 - rng.gen::<f64>() * truncation).ln() / total;
        let start = out.len();
        quiet_touches(
            &mut rng,
            &mut out,
            who as u32,
            false,
            conv as f64 - tau * day,
            conv as f64,
        );
        for t in &mut out[start..] {
            t.ms = t.ms.min(conv - 60_000);
        }
        out.push(SimTouch {
            customer: who as u32,
            prospect: false,
            ms: conv,
            channel,
            converts: true,
        });
    }
    let prospects = params.prospects.unwrap_or_else(|| {
        let stay = (-total * window).exp();
        (customers as f64 * stay / (1.0 - stay).max(1e-12)).round() as usize
    });
    let (lo, hi) = match (data.transactions.first(), data.transactions.last()) {
        (Some(a), Some(b)) => (a.ms as f64, b.ms as f64),
        _ => (0.0, 0.0),
    };
    for k in 0..prospects {
        let end = lo + rng.gen::<f64>() * (hi - lo);
        quiet_touches(
            &mut rng,
            &mut out,
            k as u32 + 1,
            true,
            end - window * day,
            end,
        );
    }
    out.sort_by(|x, y| {
        (x.ms, x.prospect, x.customer, !x.converts).cmp(&(
            y.ms,
            y.prospect,
            y.customer,
            !y.converts,
        ))
    });
    out
}

/// Seed offset of [`simulate_experiment`]'s random stream (XORed into the seed), so that its
/// draws are independent of [`simulate`]'s and [`simulate_touchpoints`]'.
pub const EXPERIMENT_STREAM: u64 = 0x6578_7065_7269_6d65;

/// Parameters of [`simulate_experiment`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExperimentParams {
    /// First assignment, in days from the start of the window (default 90 days before its
    /// end).
    pub start_day: f64,
    /// Assignments are spread uniformly over this many days after `start_day` (default 7).
    pub ramp_days: f64,
    /// Days after each assignment in which the treatment acts (default 30).
    pub window_days: f64,
    /// The treatment's effect: the purchase rate is multiplied by `1 + lift` inside the window
    /// (default 0.3).
    pub lift: f64,
    /// Probability of the treatment arm (default 0.5: a fair coin).
    pub treatment_share: f64,
}

impl Default for ExperimentParams {
    fn default() -> Self {
        let days = SimParams::default().days as f64;
        ExperimentParams {
            start_day: days - 90.0,
            ramp_days: 7.0,
            window_days: 30.0,
            lift: 0.3,
            treatment_share: 0.5,
        }
    }
}

/// One unit's assignment in [`simulate_experiment`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimAssignment {
    /// Customer number (as in [`SimTransaction::customer`]).
    pub customer: u32,
    /// Whether the unit is in the treatment arm (else control).
    pub treatment: bool,
    /// Assignment time (epoch ms, whole minutes).
    pub ms: i64,
}

/// Simulates an A/B test on the customers of `data` with a known effect, and adds the purchases
/// it causes to `data.transactions` (kept in time order; new order numbers follow the largest).
///
/// Every customer acquired before `start_day` is assigned at a uniform time in
/// `[start_day, start_day + ramp_days)`, to treatment with probability `treatment_share` (a
/// known, mismatch-free split). A treated customer who is still alive buys at rate
/// `(1 + lift)·λ` during the `window_days` after assignment: on top of the purchases
/// [`simulate`] drew, extra purchases arrive as a Poisson process with rate `lift·λ` until the
/// window ends or the customer dies, each with the customer's own order-value distribution and
/// the same chance of a later partial refund. Control customers are unchanged. Both arms are
/// random halves of the same customers, so in expectation orders and net revenue per customer
/// in the window are exactly `1 + lift` times higher in treatment (the share of customers with
/// any purchase rises by less). Draws come from their own stream (the seed XOR
/// [`EXPERIMENT_STREAM`]); run [`simulate_touchpoints`] before this, so that the touches stay
/// as they were. Returns the assignments in customer order.
///
/// ```
/// use unimetric::sim::{simulate, simulate_experiment, ExperimentParams, SimParams};
/// let params = SimParams { customers: 200, ..Default::default() };
/// let mut d = simulate(&params, 7);
/// let before = d.transactions.len();
/// let a = simulate_experiment(&mut d, &params, &ExperimentParams::default(), 7);
/// assert!(!a.is_empty() && d.transactions.len() >= before);
/// ```
pub fn simulate_experiment(
    data: &mut SimData,
    params: &SimParams,
    exp: &ExperimentParams,
    seed: u64,
) -> Vec<SimAssignment> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ EXPERIMENT_STREAM);
    let end_ms = params.start_ms + params.days as i64 * MS_PER_DAY;
    let minute = |day: f64| params.start_ms + ((day * 1440.0).floor() as i64) * 60_000;
    let mut order = data.transactions.iter().map(|t| t.order).max().unwrap_or(0);
    let mut out = Vec::new();
    for (i, c) in data.customers.iter().enumerate() {
        if c.acquired_day >= exp.start_day {
            continue;
        }
        let at = exp.start_day + rng.gen::<f64>() * exp.ramp_days.max(0.0);
        let treatment = rng.gen::<f64>() < exp.treatment_share;
        out.push(SimAssignment {
            customer: i as u32 + 1,
            treatment,
            ms: minute(at),
        });
        let extra_rate = c.rate * exp.lift;
        if !treatment || extra_rate <= 0.0 {
            continue;
        }
        let until = (at + exp.window_days).min(c.death_day);
        let value = Gamma::new(params.p, 1.0 / c.value_rate).ok();
        let gap = Exp::new(extra_rate).ok();
        let mut t = at;
        loop {
            t += gap.map_or(f64::INFINITY, |e| e.sample(&mut rng));
            if t >= until {
                break;
            }
            order += 1;
            let ms = minute(t);
            let amount = round_cents(value.map_or(50.0, |g| g.sample(&mut rng)).max(1.0));
            let customer = i as u32 + 1;
            data.transactions.push(SimTransaction {
                order,
                customer,
                ms,
                amount,
                channel: c.channel,
            });
            if rng.gen::<f64>() < params.refund_rate {
                let later = ms + (1 + rng.gen_range(0..14)) * MS_PER_DAY;
                if later < end_ms {
                    let part = round_cents(amount * rng.gen_range(0.2..=1.0));
                    data.transactions.push(SimTransaction {
                        order,
                        customer,
                        ms: later,
                        amount: -part,
                        channel: c.channel,
                    });
                }
            }
        }
    }
    data.transactions
        .sort_by(|x, y| x.ms.cmp(&y.ms).then(x.order.cmp(&y.order)));
    out
}

/// Seed offset of [`plant_incidents`]' random stream (XORed into the seed).
pub const INCIDENT_STREAM: u64 = 0x696e_6369_6465_6e74;

/// Two marketing incidents [`plant_incidents`] adds to the sample, for the anomaly flags to find
/// (the third, a tracking outage, is in the sample's traffic: `scripts/traffic-sample.mjs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncidentParams {
    /// The promotion's day, in days from the start of the window (default 697: Friday
    /// 2025-11-28 with the default start, Black Friday).
    pub promo_day: i64,
    /// Chance that a customer who is alive on the promotion's day (acquired before it) buys
    /// once more that day (default 0.03).
    pub promo_probability: f64,
    /// The kinds of channel whose purchases are lost ([`ChannelSpec::kind`]; default `"paid"`
    /// and `"owned"`: paid_search, paid_social and email).
    pub drop_kinds: &'static [&'static str],
    /// First day of the loss (default 708: Tuesday 2025-12-09).
    pub drop_day: i64,
    /// Days of the loss (default 1: the marketing channels' repeat orders of 9 December 2025,
    /// lost when a site release broke the campaign links).
    pub drop_days: i64,
}

impl Default for IncidentParams {
    fn default() -> Self {
        IncidentParams {
            promo_day: 697,
            promo_probability: 0.03,
            drop_kinds: &["paid", "owned"],
            drop_day: 708,
            drop_days: 1,
        }
    }
}

/// What [`plant_incidents`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incidents {
    /// Purchases added on the promotion's day.
    pub promo_orders: usize,
    /// Orders removed (repeat purchases of the channel in the loss).
    pub dropped_orders: usize,
    /// Rows removed: those purchases and their refunds.
    pub dropped_rows: usize,
}

/// Plants a promotion spike and a channel's loss in `data.transactions` (kept in time order; new
/// order numbers follow the largest): on `promo_day` each customer acquired earlier and alive
/// that day buys once more with probability `promo_probability`, at a uniform time of the (UTC)
/// day, with the customer's own order-value distribution; every repeat order of a customer of a
/// channel of `drop_kinds` whose purchase falls in the `drop_days` days from `drop_day` is
/// removed, with its
/// refunds (first purchases stay, so every customer keeps its acquisition). Draws
/// come from their own stream (the seed XOR [`INCIDENT_STREAM`]); run it after
/// [`simulate_touchpoints`] and [`simulate_experiment`], so that the touches and the
/// assignments stay as they were. Both incidents lie after the experiment's windows.
///
/// ```
/// use unimetric::sim::{plant_incidents, simulate, IncidentParams, SimParams};
/// let params = SimParams::default();
/// let mut d = simulate(&SimParams { customers: 500, ..params }, 7);
/// let before = d.transactions.len();
/// let i = plant_incidents(&mut d, &params, &IncidentParams::default(), 7);
/// assert!(i.promo_orders > 0 && i.dropped_orders > 0);
/// assert_eq!(d.transactions.len() + i.dropped_rows, before + i.promo_orders);
/// ```
pub fn plant_incidents(
    data: &mut SimData,
    params: &SimParams,
    inc: &IncidentParams,
    seed: u64,
) -> Incidents {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ INCIDENT_STREAM);
    let day_ms = |d: i64| params.start_ms + d * MS_PER_DAY;
    let mut order = data.transactions.iter().map(|t| t.order).max().unwrap_or(0);
    let promo = inc.promo_day as f64;
    let mut promo_orders = 0;
    for (i, c) in data.customers.iter().enumerate() {
        if c.acquired_day >= promo || c.death_day <= promo {
            continue;
        }
        if rng.gen::<f64>() >= inc.promo_probability {
            continue;
        }
        let value = Gamma::new(params.p, 1.0 / c.value_rate).ok();
        order += 1;
        promo_orders += 1;
        let minute = rng.gen_range(0..1440);
        data.transactions.push(SimTransaction {
            order,
            customer: i as u32 + 1,
            ms: day_ms(inc.promo_day) + minute * 60_000,
            amount: round_cents(value.map_or(50.0, |g| g.sample(&mut rng)).max(1.0)),
            channel: c.channel,
        });
    }
    let (lo, hi) = (day_ms(inc.drop_day), day_ms(inc.drop_day + inc.drop_days));
    // Each customer's first purchase stays: every customer keeps the acquisition the touchpoints
    // lead to.
    let mut first = vec![i64::MAX; data.customers.len() + 1];
    for t in data.transactions.iter().filter(|t| t.amount >= 0.0) {
        if let Some(f) = first.get_mut(t.customer as usize) {
            *f = (*f).min(t.ms);
        }
    }
    let lost: std::collections::HashSet<u32> = data
        .transactions
        .iter()
        .filter(|t| {
            CHANNELS
                .get(t.channel)
                .is_some_and(|c| inc.drop_kinds.contains(&c.kind))
                && t.amount >= 0.0
                && t.ms >= lo
                && t.ms < hi
                && first.get(t.customer as usize).is_some_and(|&f| t.ms > f)
        })
        .map(|t| t.order)
        .collect();
    let rows = data.transactions.len();
    data.transactions.retain(|t| !lost.contains(&t.order));
    let dropped_rows = rows - data.transactions.len();
    data.transactions
        .sort_by(|x, y| x.ms.cmp(&y.ms).then(x.order.cmp(&y.order)));
    Incidents {
        promo_orders,
        dropped_orders: lost.len(),
        dropped_rows,
    }
}
