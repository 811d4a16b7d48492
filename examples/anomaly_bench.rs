//! Native timing of anomaly detection against statsmodels' STL in the same run (no package
//! build needed).
//!
//! ```text
//! bash bench/setup-venv.sh
//! cargo run --release --example anomaly_bench
//! ```
//!
//! Data (deterministic, xorshift32): 200 series (10 KPIs × 20 channels) of 1,095 daily points
//! (3 years) with a trend, a weekly pattern, uniform noise and a few planted spikes. Timed,
//! median of 5 runs: `detect_anomalies` with the default options (weekly STL, robust scores,
//! masking passes) over all 200 series, the STL alone (`decompose` with period 7) and the same
//! STL through the `stlrs` crate (a dev-dependency: the Fortran port the decomposition used
//! before src/anomaly/stl/fortran.rs). The peer,
//! `bench/anomaly_stl_statsmodels.py`, times statsmodels' `STL(y, period=7).fit()` on the same
//! series (written to a temporary JSON file).

use std::process::Command;
use std::time::Instant;
use unimetric::anomaly::stl::{decompose, StlSettings};
use unimetric::anomaly::{detect_anomalies, AnomalyOptions, AnomalySeries};

const SERIES: usize = 200;
const POINTS: usize = 1095;

struct Rng(u32);
impl Rng {
    fn next(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x as f64 / 4_294_967_296.0
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut rng = Rng(2024);
    let week = [1.0, 0.9, 0.95, 1.0, 1.1, 1.3, 0.8];
    let data: Vec<Vec<f64>> = (0..SERIES)
        .map(|s| {
            let level = 50.0 + 10.0 * s as f64;
            let mut y: Vec<f64> = (0..POINTS)
                .map(|t| {
                    level * week[t % 7] * (1.0 + 0.0002 * t as f64)
                        + (rng.next() - 0.5) * level * 0.2
                })
                .collect();
            for _ in 0..3 {
                let at = (rng.next() * POINTS as f64) as usize % POINTS;
                y[at] *= if rng.next() < 0.5 { 0.4 } else { 1.8 };
            }
            y
        })
        .collect();
    let time: Vec<f64> = (0..POINTS)
        .map(|t| 1.6e12 + t as f64 * 86_400_000.0)
        .collect();
    let inputs: Vec<AnomalySeries> = data
        .iter()
        .map(|y| AnomalySeries {
            time: time.clone(),
            value: y.clone(),
            denominator: None,
        })
        .collect();
    let opts = AnomalyOptions::default();

    let mut detect = Vec::new();
    let mut stl_only = Vec::new();
    let mut stl_stlrs = Vec::new();
    let mut flagged = 0usize;
    for run in 0..7 {
        let t0 = Instant::now();
        for s in &inputs {
            let r = detect_anomalies(s, &opts).expect("detect");
            if run == 0 {
                flagged += r.flagged.iter().map(|&f| f as usize).sum::<usize>();
            }
        }
        let a = t0.elapsed().as_secs_f64() * 1000.0;
        let t0 = Instant::now();
        for y in &data {
            decompose(y, &[7], &StlSettings::default()).expect("stl");
        }
        let b = t0.elapsed().as_secs_f64() * 1000.0;
        // The same STL through the `stlrs` crate (what src/anomaly/stl used before its own port).
        let t0 = Instant::now();
        for y in &data {
            stlrs::params()
                .seasonal_length(7)
                .trend_length(15)
                .low_pass_length(9)
                .seasonal_jump(1)
                .trend_jump(1)
                .low_pass_jump(1)
                .inner_loops(5)
                .outer_loops(0)
                .fit(y, 7)
                .expect("stlrs");
        }
        let c = t0.elapsed().as_secs_f64() * 1000.0;
        if run >= 2 {
            detect.push(a);
            stl_only.push(b);
            stl_stlrs.push(c);
        }
    }
    let detect = median(detect);
    let stl_only = median(stl_only);
    let stl_stlrs = median(stl_stlrs);
    println!(
        "detect_anomalies (defaults): {detect:.1} ms for {SERIES} series of {POINTS} points ({:.3} ms/series, {flagged} flags)",
        detect / SERIES as f64
    );
    println!(
        "STL alone (period 7): {stl_only:.1} ms ({:.3} ms/series)",
        stl_only / SERIES as f64
    );
    println!(
        "STL through the stlrs crate (same settings): {stl_stlrs:.1} ms ({:.3} ms/series)",
        stl_stlrs / SERIES as f64
    );

    let path = std::env::temp_dir().join("unimetric_anomaly_bench.json");
    let json = format!(
        "[{}]",
        data.iter()
            .map(|y| format!(
                "[{}]",
                y.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    std::fs::write(&path, json).expect("write series");
    let root = env!("CARGO_MANIFEST_DIR");
    let python = format!("{root}/bench/.venv/bin/python");
    match Command::new(&python)
        .arg(format!("{root}/bench/anomaly_stl_statsmodels.py"))
        .arg(&path)
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            println!("statsmodels STL (period 7), same series: {}", text.trim());
        }
        Ok(out) => println!(
            "statsmodels peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            println!("statsmodels peer not run ({python}: {e}); run bash bench/setup-venv.sh")
        }
    }
}
