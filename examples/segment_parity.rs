//! Prints, as JSON, the inputs and results of fixed segmentation scenarios: k-means on seeded
//! pseudo-random features (both algorithms) and `segmentCustomers` / RFM on the bundled sample
//! data. tests/js/segment.test.mjs runs the same scenarios through the wasm package and requires
//! the same labels and identical bits for centroids and inertia.
//!
//! ```text
//! cargo run --example segment_parity > native.json
//! ```

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use unimetric::segment::rfm::rfm_scores;
use unimetric::segment::{segment, segment_customers, Algorithm, SegmentOptions};
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{ColumnMapping, Transactions};

fn hex(v: &[f64]) -> serde_json::Value {
    v.iter().map(|x| format!("{:016x}", x.to_bits())).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2026);
    let (n, d) = (3000, 4);
    // Skewed, overlapping data so seeding and iterations matter.
    let x: Vec<f64> = (0..n * d)
        .map(|i| {
            let u: f64 = rng.gen();
            if i % d == 0 {
                (u * 5.0).exp()
            } else {
                u * (1 + i % 3) as f64
            }
        })
        .collect();
    let mut runs = Vec::new();
    for (alg, name) in [(Algorithm::Lloyd, "lloyd"), (Algorithm::Hamerly, "hamerly")] {
        let opts = SegmentOptions {
            k: 6,
            seed: 12345,
            algorithm: alg,
            log1p: Some(vec![true, false, false, false].into()),
            ..Default::default()
        };
        let s = segment(&x, d, &opts)?;
        runs.push(serde_json::json!({
            "algorithm": name,
            "labels": s.labels,
            "centroids": hex(&s.centroids),
            "inertia": hex(&[s.inertia]),
            "iterations": s.iterations,
        }));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/transactions.csv");
    let bytes = std::fs::read(path)?;
    let mut mapping = ColumnMapping::new("customer_id", "order_date", "amount");
    mapping.order_id = Some("order_id".into());
    mapping.channel = Some("channel".into());
    let tx = Transactions::from_csv(&bytes, &mapping)?;
    let summary = CustomerSummary::from_transactions(&tx, &SummaryOptions::default())?;
    let c = segment_customers(
        &summary,
        &SegmentOptions {
            k: 4,
            seed: 7,
            ..Default::default()
        },
    )?;
    let rfm = rfm_scores(&summary, None)?;
    let out = serde_json::json!({
        "features": hex(&x),
        "nCols": d,
        "runs": runs,
        "customers": {
            "labels": c.labels,
            "centroids": hex(&c.centroids),
            "inertia": hex(&[c.inertia]),
            "names": c.model.profiles.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        },
        "rfm": { "cell": rfm.cell, "segment": rfm.segment },
    });
    println!("{out}");
    Ok(())
}
