//! Prints, as JSON, the bit patterns of the LTV results of a fixed scenario: the CDNOW summary
//! (tests/fixtures, weeks) and the bundled sample data summarised in weeks — BG/NBD and
//! Gamma-Gamma fits, P(alive), expected purchases, expected spend and 12-month CLV; and the
//! historical LTV of the sample transactions at margin 0.3 (per customer and the cohort curves).
//! tests/js/ltv_parity.test.mjs runs the same scenario through the wasm package and requires
//! identical bits.
//!
//! ```text
//! cargo run --example ltv_parity > native.json
//! ```

use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use unimetric::ltv::clv::{clv, ClvOptions};
use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaOptions};
use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
use unimetric::summary::{CustomerSummary, SummaryColumns, SummaryOptions};
use unimetric::{ColumnMapping, IdColumn, Period, Transactions};

fn hex(v: &[f64]) -> serde_json::Value {
    v.iter().map(|x| format!("{:016x}", x.to_bits())).collect()
}

fn scenario(s: &CustomerSummary) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let m = BgNbdModel::fit(s, &BgNbdOptions::default())?;
    let g = GammaGammaModel::fit(s, &GammaGammaOptions::default())?;
    let (pa, _) = m.probability_alive(s)?;
    let e = m.expected_purchases(s, 10.0)?;
    let sp = g.expected_spend(s)?;
    let c = clv(&m, &g, s, &ClvOptions::default())?;
    let p = m.params;
    let q = g.params;
    Ok(serde_json::json!({
        "bgnbd": hex(&[p.r, p.alpha, p.a, p.b, m.log_likelihood.unwrap_or(f64::NAN)]),
        "gammaGamma": hex(&[q.p, q.q, q.v, g.log_likelihood.unwrap_or(f64::NAN)]),
        "probabilityAlive": hex(&pa),
        "expectedPurchases": hex(&e),
        "expectedSpend": hex(&sp),
        "clv": hex(&c.clv),
    }))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!(
        "{root}/tests/fixtures/cdnow_customers_summary_with_spend.csv"
    ))?;
    let (mut ids, mut x, mut tx, mut t, mut m) = (vec![], vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line
            .split(',')
            .map(|v| v.trim().parse())
            .collect::<Result<_, _>>()?;
        ids.push(f[0] as u32);
        x.push(f[1]);
        tx.push(f[2]);
        t.push(f[3]);
        m.push(f[4]);
    }
    let cdnow = CustomerSummary::from_columns(
        SummaryColumns {
            customer_id: IdColumn::Numeric(&ids),
            frequency: &x,
            recency: &tx,
            t: &t,
            monetary_value: &m,
        },
        Period::Week,
        None,
    )?;
    let bytes = std::fs::read(format!("{root}/www/data/transactions.csv"))?;
    let sample_tx = Transactions::from_csv(
        &bytes,
        &ColumnMapping::new("customer_id", "order_date", "amount"),
    )?;
    let sample = CustomerSummary::from_transactions(
        &sample_tx,
        &SummaryOptions {
            period: Period::Week,
            ..Default::default()
        },
    )?;
    let h = historical_ltv(
        &sample_tx,
        &HistoricalOptions {
            margin: 0.3,
            ..HistoricalOptions::default()
        },
    )?;
    let curves: Vec<f64> = h
        .cohorts
        .iter()
        .flat_map(|c| c.cumulative.iter().copied())
        .collect();
    let historical = serde_json::json!({
        "revenue": hex(&h.revenue),
        "ltv": hex(&h.ltv),
        "acquisitionMonth": hex(&h.acquisition_month),
        "cohorts": hex(&curves),
    });
    let out = serde_json::json!({
        "cdnow": scenario(&cdnow)?,
        "sample": scenario(&sample)?,
        "historical": historical,
    });
    println!("{out}");
    Ok(())
}
