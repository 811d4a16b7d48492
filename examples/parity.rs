//! Prints, as JSON, the bit patterns of every number of a fixed scenario (the bundled sample
//! data: summary and KPIs for day, week and month periods). tests/js/parity.test.mjs runs the
//! same scenario through the wasm package and requires identical bits.
//!
//! ```text
//! cargo run --example parity > native.json
//! ```

use unimetric::kpi::Kpis;
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{ColumnMapping, Period, Transactions};

fn hex(v: &[f64]) -> serde_json::Value {
    v.iter().map(|x| format!("{:016x}", x.to_bits())).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/transactions.csv");
    let bytes = std::fs::read(path)?;
    let mut mapping = ColumnMapping::new("customer_id", "order_date", "amount");
    mapping.order_id = Some("order_id".into());
    mapping.channel = Some("channel".into());
    let tx = Transactions::from_csv(&bytes, &mapping)?;
    let mut out = serde_json::Map::new();
    for period in [Period::Day, Period::Week, Period::Month] {
        let opts = SummaryOptions {
            period,
            observation_end: None,
        };
        let s = CustomerSummary::from_transactions(&tx, &opts)?;
        let k = Kpis::from_summary(&tx, &s);
        let d = s.details.as_ref().ok_or("details")?;
        let kpis: Vec<f64> = k.values.iter().map(|v| v.value).collect();
        out.insert(
            period.as_str().into(),
            serde_json::json!({
                "frequency": hex(&s.frequency),
                "recency": hex(&s.recency),
                "T": hex(&s.t),
                "monetaryValue": hex(&s.monetary_value),
                "revenue": hex(&d.revenue),
                "orders": hex(&d.orders),
                "kpis": hex(&kpis),
            }),
        );
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
