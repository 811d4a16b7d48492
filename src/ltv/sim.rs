//! Seeded simulators of the LTV models' stories, for parameter-recovery tests and demos.

use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::bgnbd::BgNbdParams;

/// One simulated customer summary row (frequency, recency, T, mean repeat spend).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimCustomer {
    /// Repeat purchases x.
    pub frequency: f64,
    /// Time of the last purchase since the first, t_x.
    pub recency: f64,
    /// Observation length T since the first purchase.
    pub t: f64,
    /// Mean value of the repeat purchases (0 without repeats).
    pub monetary_value: f64,
}

/// Gamma-Gamma spend parameters for [`simulate_bgnbd`] (order value z ~ Gamma(p, ν),
/// ν ~ Gamma(q, γ); mean order value p/ν).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendParams {
    /// Shape of an order value.
    pub p: f64,
    /// Shape of ν.
    pub q: f64,
    /// Rate γ of ν.
    pub gamma: f64,
}

/// Simulates `customers` customers under the BG/NBD story (FHL 2005) with continuous time:
/// λ ~ Gamma(r, rate α), dropout probability π ~ Beta(a, b); the first purchase is at 0; while
/// active, inter-purchase times are Exponential(λ); after each repeat purchase the customer
/// drops out with probability π. Customer i is observed for `t_obs[i % t_obs.len()]` periods.
/// With `spend`, each repeat purchase has a Gamma-Gamma value and the row carries its mean.
///
/// Invalid parameters (non-positive) yield customers with no repeat purchase. Deterministic for
/// a given `seed`.
///
/// ```
/// use unimetric::ltv::{bgnbd::BgNbdParams, sim::simulate_bgnbd};
/// let p = BgNbdParams { r: 0.25, alpha: 4.0, a: 0.8, b: 2.5 };
/// let a = simulate_bgnbd(&p, None, 100, &[39.0], 7);
/// assert_eq!(a, simulate_bgnbd(&p, None, 100, &[39.0], 7));
/// assert!(a.iter().all(|c| c.recency <= c.t));
/// ```
pub fn simulate_bgnbd(
    params: &BgNbdParams,
    spend: Option<&SpendParams>,
    customers: usize,
    t_obs: &[f64],
    seed: u64,
) -> Vec<SimCustomer> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let lam = Gamma::new(params.r, 1.0 / params.alpha).ok();
    let drop = Beta::new(params.a, params.b).ok();
    let nu = spend.and_then(|s| Gamma::new(s.q, 1.0 / s.gamma).ok());
    let mut out = Vec::with_capacity(customers);
    for i in 0..customers {
        let t_end = t_obs.get(i % t_obs.len().max(1)).copied().unwrap_or(0.0);
        let rate: f64 = lam.map_or(0.0, |g| g.sample(&mut rng));
        let pi: f64 = drop.map_or(1.0, |d| d.sample(&mut rng));
        let value = nu
            .map(|g| g.sample(&mut rng))
            .and_then(|v: f64| spend.and_then(|s| Gamma::new(s.p, 1.0 / v).ok()));
        let mut t = 0.0;
        let mut x = 0.0;
        let mut tx = 0.0;
        let mut total = 0.0;
        if rate > 0.0 {
            if let Ok(gap) = Exp::new(rate) {
                loop {
                    t += gap.sample(&mut rng);
                    if t > t_end {
                        break;
                    }
                    x += 1.0;
                    tx = t;
                    if let Some(g) = &value {
                        total += g.sample(&mut rng);
                    }
                    if rng.gen::<f64>() < pi {
                        break;
                    }
                }
            }
        }
        out.push(SimCustomer {
            frequency: x,
            recency: tx,
            t: t_end,
            monetary_value: if x > 0.0 { total / x } else { 0.0 },
        });
    }
    out
}
