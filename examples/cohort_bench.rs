//! Native timing of the cohort matrix against pandas in the same run (the Node/wasm benchmark is
//! `bench/cohort.mjs`; this one needs no package build).
//!
//! ```text
//! bash bench/setup-venv.sh
//! cargo run --release --example cohort_bench
//! ```
//!
//! Data (deterministic, the generator of `bench/cohort.mjs`): 1,000,000 transactions of 250,000
//! customers over 2023–2025 (36 months), 3 % of them refunds. The table is built once (not
//! timed). Timed, median of 7 after 2 warm-up runs: `cohorts` with monthly cohorts and ages
//! 0..=35 for `revenue` and for `customers` (two calls). The peer, `bench/cohort_pandas.py`,
//! times the same two grids with pandas on a DataFrame already in memory, and writes them; they
//! are compared here cell by cell (revenue within 1e-9 relative, customers exactly).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;
use unimetric::cohort::{cohorts, CohortOptions, Measure};
use unimetric::{IdColumn, TimeColumn, TransactionColumns, Transactions};

const N_TX: usize = 1_000_000;
const N_CUSTOMERS: usize = 250_000;
const DAYS: f64 = 1095.0;
const MAX_AGE: u32 = 35;
const END: &str = "2025-12-31";

/// xorshift32, as in bench/cohort.mjs.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> f64 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        self.0 = s;
        f64::from(s) / 4_294_967_296.0
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let start = 1_672_531_200_000.0; // 2023-01-01T00:00:00Z
    let mut rng = Rng(2_463_534_242);
    let mut customer = vec![0u32; N_TX];
    let mut timestamp = vec![0f64; N_TX];
    let mut amount = vec![0f64; N_TX];
    for i in 0..N_TX {
        let c = if i < N_CUSTOMERS {
            i
        } else {
            (rng.next() * N_CUSTOMERS as f64) as usize
        };
        customer[i] = c as u32 + 1;
        timestamp[i] = start + (rng.next() * DAYS * 1440.0).floor() * 60_000.0;
        let a = ((5.0 + rng.next() * 95.0) * 100.0).round() / 100.0;
        amount[i] = if rng.next() < 0.03 { -a } else { a };
    }
    let dir = root.join("bench/.data/cohort");
    std::fs::create_dir_all(&dir)?;
    let bytes = |v: Vec<u8>| v;
    std::fs::write(
        dir.join("customer.u32"),
        bytes(customer.iter().flat_map(|x| x.to_le_bytes()).collect()),
    )?;
    std::fs::write(
        dir.join("timestamp.f64"),
        bytes(timestamp.iter().flat_map(|x| x.to_le_bytes()).collect()),
    )?;
    std::fs::write(
        dir.join("amount.f64"),
        bytes(amount.iter().flat_map(|x| x.to_le_bytes()).collect()),
    )?;

    let tx = Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Numeric(&customer),
        timestamp: TimeColumn::EpochMs(&timestamp),
        amount: &amount,
        order_id: None,
        channel: None,
        cost: None,
    })?;
    let opts = |measure| CohortOptions {
        measure,
        max_age: Some(f64::from(MAX_AGE)),
        observation_end: serde_json::from_value(serde_json::json!(END)).unwrap_or_default(),
        ..Default::default()
    };
    let both = || -> unimetric::Result<_> {
        Ok((
            cohorts(&tx, &opts(Measure::Revenue))?,
            cohorts(&tx, &opts(Measure::Customers))?,
        ))
    };
    let mut out = both()?;
    out = both().map(|_| out)?;
    let mut runs = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        out = both()?;
        runs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let ours = median(runs.clone());
    let (revenue, customers) = out;

    let peer_out = dir.join("pandas_grid.json");
    let python = root.join("bench/.venv/bin/python");
    let res = Command::new(&python)
        .current_dir(&root)
        .args(["bench/cohort_pandas.py", "--dir"])
        .arg(&dir)
        .args(["--end", END, "--max-age", &MAX_AGE.to_string(), "--out"])
        .arg(&peer_out)
        .args(["--repeats", "5", "--warmup", "1"])
        .output()?;
    if !res.status.success() {
        return Err(format!(
            "bench/cohort_pandas.py failed: {}",
            String::from_utf8_lossy(&res.stderr)
        )
        .into());
    }
    let stdout = String::from_utf8(res.stdout)?;
    let last = stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    let peer: serde_json::Value = serde_json::from_str(last)?;
    let grid: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&peer_out)?)?;

    // Cross-check, cell by cell.
    let cells = |key: &str| -> Vec<f64> {
        grid[key]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
            .unwrap_or_default()
    };
    let same = |a: f64, b: f64, tol: f64| {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * b.abs().max(1.0)
    };
    let mismatches = |ours: &[f64], theirs: &[f64], tol: f64| {
        if ours.len() != theirs.len() {
            return ours.len().max(theirs.len());
        }
        ours.iter()
            .zip(theirs)
            .filter(|(a, b)| !same(**a, **b, tol))
            .count()
    };
    let sizes: Vec<f64> = cells("size");
    let our_sizes: Vec<f64> = revenue.cohort_size.iter().map(|&s| f64::from(s)).collect();
    let bad = mismatches(&revenue.values, &cells("revenue"), 1e-9)
        + mismatches(&customers.values, &cells("customers"), 0.0)
        + mismatches(&our_sizes, &sizes, 0.0);

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let theirs = peer["median_ms"].as_f64().unwrap_or(f64::NAN);
    println!(
        "Cohort matrix, monthly × {} ages, revenue + customers: {} transactions, {} cohorts; {cpu}",
        MAX_AGE + 1,
        N_TX,
        revenue.rows()
    );
    println!(
        "  unimetric (native, release): median {ours:.1} ms (runs {:?})",
        runs.iter()
            .map(|r| (r * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    );
    println!(
        "  pandas {}: median {theirs:.1} ms (numpy {}, python {})",
        peer["versions"]["pandas"].as_str().unwrap_or("?"),
        peer["versions"]["numpy"].as_str().unwrap_or("?"),
        peer["versions"]["python"].as_str().unwrap_or("?"),
    );
    println!(
        "  ratio: {:.1}× faster than pandas (target ≥ 10×: {})",
        theirs / ours,
        if theirs / ours >= 10.0 {
            "pass"
        } else {
            "FAIL"
        }
    );
    println!(
        "  cross-check: {bad} mismatched cells of {} (revenue 1e-9 relative, customers and sizes exact)",
        revenue.values.len() + customers.values.len()
    );
    if bad > 0 {
        std::process::exit(1);
    }
    Ok(())
}
