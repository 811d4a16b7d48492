//! Writes the bundled sample data (deterministic): `transactions.csv`, `spend.csv`,
//! `touchpoints.csv` and `assignments.csv`.
//!
//! ```text
//! cargo run --release --example sample_data -- [--customers N] [--seed S] [--out DIR]
//! ```
//! Defaults: 5,000 customers, seed 20240101, out `www/data`. The data follow the simulators in
//! `unimetric::sim` (Pareto/NBD purchasing, Gamma-Gamma order values, five acquisition channels,
//! 2% partial refunds, monthly spend per paid/owned channel) and, for `touchpoints.csv`
//! (`customer_id,touched_at,channel`; `C…` customers, `P…` non-buying prospects),
//! `unimetric::sim::simulate_touchpoints` with its defaults: touches over the 28 days before each
//! first purchase from seven channels with known per-touch conversion probabilities
//! (`unimetric::sim::TOUCH_CHANNELS`); for `assignments.csv` (`customer_id,variant,assigned_at`),
//! `unimetric::sim::simulate_experiment` with its defaults: customers acquired before
//! 2025-10-02 split by a fair coin over a week, the treatment raising the purchase rate by 30 %
//! for 30 days (its extra purchases are in `transactions.csv`); then
//! `unimetric::sim::plant_incidents` with its defaults: a promotion on Black Friday
//! (2025-11-28, 3 % of living customers buy once more) and a lost day of the marketing channels
//! (every repeat order of paid_search, paid_social and email customers on 9 December 2025).

use std::fmt::Write as _;
use std::path::PathBuf;
use unimetric::data::dates::format_iso;
use unimetric::sim::{
    plant_incidents, simulate, simulate_experiment, simulate_touchpoints, ExperimentParams,
    IncidentParams, SimParams, TouchpointParams, CHANNELS, TOUCH_CHANNELS,
};

fn main() {
    let mut params = SimParams::default();
    let mut seed = 20_240_101u64;
    let mut out = PathBuf::from("www/data");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--customers" => params.customers = value.parse().unwrap_or(params.customers),
            "--seed" => seed = value.parse().unwrap_or(seed),
            "--out" => out = PathBuf::from(value),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    let mut data = simulate(&params, seed);
    std::fs::create_dir_all(&out).expect("create output directory");
    // Touches come from the transactions before the experiment's extra purchases.
    let touches = simulate_touchpoints(&data, &TouchpointParams::default(), seed);
    let assignments = simulate_experiment(&mut data, &params, &ExperimentParams::default(), seed);
    // A promotion spike and a lost day of the marketing channels, after the experiment, for the
    // anomaly flags.
    let incidents = plant_incidents(&mut data, &params, &IncidentParams::default(), seed);
    eprintln!(
        "planted {} promotion orders and removed {} orders of the marketing channels",
        incidents.promo_orders, incidents.dropped_orders
    );

    let mut tx = String::with_capacity(data.transactions.len() * 64);
    tx.push_str("order_id,customer_id,order_date,amount,channel\n");
    for t in &data.transactions {
        let date = format_iso(t.ms);
        // Whole minutes; no fractional seconds.
        let date = format!("{}Z", &date[..19]);
        let _ = writeln!(
            tx,
            "O{:07},C{:06},{},{:.2},{}",
            t.order, t.customer, date, t.amount, CHANNELS[t.channel].name
        );
    }
    std::fs::write(out.join("transactions.csv"), tx).expect("write transactions.csv");

    let mut sp = String::new();
    sp.push_str("month,channel,channel_type,amount\n");
    for s in &data.spend {
        let month = &format_iso(unimetric::Period::Month.start_ms(s.month))[..10];
        let spec = &CHANNELS[s.channel];
        let _ = writeln!(sp, "{},{},{},{:.2}", month, spec.name, spec.kind, s.amount);
    }
    std::fs::write(out.join("spend.csv"), sp).expect("write spend.csv");

    let mut tp = String::with_capacity(touches.len() * 40);
    tp.push_str("customer_id,touched_at,channel\n");
    for t in &touches {
        let date = format_iso(t.ms);
        let _ = writeln!(
            tp,
            "{}{:06},{}Z,{}",
            if t.prospect { 'P' } else { 'C' },
            t.customer,
            &date[..19],
            TOUCH_CHANNELS[t.channel].name
        );
    }
    std::fs::write(out.join("touchpoints.csv"), tp).expect("write touchpoints.csv");

    let mut asg = String::with_capacity(assignments.len() * 40);
    asg.push_str("customer_id,variant,assigned_at\n");
    for a in &assignments {
        let date = format_iso(a.ms);
        let arm = if a.treatment { "treatment" } else { "control" };
        let _ = writeln!(asg, "C{:06},{},{}Z", a.customer, arm, &date[..19]);
    }
    std::fs::write(out.join("assignments.csv"), asg).expect("write assignments.csv");
    eprintln!(
        "wrote {} transactions of {} customers, {} spend rows, {} touchpoints ({} prospects) and {} assignments to {}",
        data.transactions.len(),
        params.customers,
        data.spend.len(),
        touches.len(),
        touches
            .iter()
            .filter(|t| t.prospect)
            .map(|t| t.customer)
            .max()
            .unwrap_or(0),
        assignments.len(),
        out.display()
    );
}
