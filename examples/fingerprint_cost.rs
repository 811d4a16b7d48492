//! The cost of the data fingerprint alone, natively: builds 1,000,000 transactions from typed
//! columns, then times the fingerprint's computation (xxh3-128 over the validated columns) and
//! the build itself (which leaves the fingerprint until it is asked for), medians of 7. Prints
//! one JSON line. Used by bench/spec.mjs.
use std::time::Instant;
use unimetric::{IdColumn, TimeColumn, TransactionColumns, Transactions};

fn main() {
    const N: usize = 1_000_000;
    let mut s: u32 = 2_463_534_242;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        f64::from(s) / 4_294_967_296.0
    };
    let ids: Vec<u32> = (0..N).map(|_| 1 + (rnd() * 250_000.0) as u32).collect();
    let t: Vec<f64> = (0..N)
        .map(|_| 1_704_067_200_000.0 + (rnd() * 731.0 * 1440.0).floor() * 60_000.0)
        .collect();
    let amount: Vec<f64> = (0..N).map(|_| (rnd() * 10_000.0).round() / 100.0).collect();
    let build = || {
        Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&ids),
            timestamp: TimeColumn::EpochMs(&t),
            amount: &amount,
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let tx = build();
    let mut runs = Vec::new();
    for _ in 0..7 {
        let t0 = Instant::now();
        let h = unimetric::data::fingerprint::recompute(&tx);
        runs.push(t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(h, tx.fingerprint());
    }
    runs.sort_by(f64::total_cmp);
    // The same table built again from the columns (validation and interning), median of 7: the
    // fingerprint's cost relative to building the table.
    let mut builds = Vec::new();
    for _ in 0..7 {
        let t0 = Instant::now();
        let again = build();
        builds.push(t0.elapsed().as_secs_f64() * 1e3);
        // Outside the timing: the rebuilt table's fingerprint equals the first one's.
        assert_eq!(again.fingerprint(), tx.fingerprint());
    }
    builds.sort_by(f64::total_cmp);
    let (fp, b) = (runs[runs.len() / 2], builds[builds.len() / 2]);
    println!(
        "{{\"rows\":{N},\"fingerprint_ms_per_million\":{fp:.3},\"build_ms\":{b:.2},\"share_of_build\":{:.3}}}",
        fp / b
    );
}
