//! Prints, as JSON, the bit patterns of every number of a fixed scenario (the bundled sample
//! data: summary and KPIs for day, week and month periods; CAC, CAC payback and LTV:CAC of the
//! sample spend). tests/js/parity.test.mjs runs the same scenario through the wasm package and
//! requires identical bits.
//!
//! ```text
//! cargo run --example parity > native.json
//! ```

use unimetric::cac::{cac, cac_payback, ltv_to_cac, CacOptions, LtvCacOptions, PaybackOptions};
use unimetric::data::spend::{Spend, SpendMapping};
use unimetric::kpi::Kpis;
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{ColumnMapping, Period, Transactions};

fn hex(v: &[f64]) -> serde_json::Value {
    v.iter().map(|x| format!("{:016x}", x.to_bits())).collect()
}

/// As [`hex`], with `null` for an undefined value.
fn hex_opt(v: impl IntoIterator<Item = Option<f64>>) -> serde_json::Value {
    v.into_iter()
        .map(|x| x.map_or(serde_json::Value::Null, |x| format!("{:016x}", x.to_bits()).into()))
        .collect()
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
    let spend_path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/spend.csv");
    let mut spend_mapping = SpendMapping::new("month", "channel", "amount");
    spend_mapping.channel_type = Some("channel_type".into());
    let spend = Spend::from_csv(&std::fs::read(spend_path)?, &spend_mapping)?;
    let c = cac(
        &spend,
        &tx,
        &CacOptions {
            attribution_lag: 1,
            ..CacOptions::default()
        },
    )?;
    let p = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            margin: 0.4,
            ..PaybackOptions::default()
        },
    )?;
    let l = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            margin: 0.4,
            ..LtvCacOptions::default()
        },
    )?;
    out.insert(
        "cac".into(),
        serde_json::json!({
            "spend": hex(&c.rows.iter().map(|r| r.spend).collect::<Vec<_>>()),
            "newCustomers": hex(&c.rows.iter().map(|r| r.new_customers).collect::<Vec<_>>()),
            "value": hex_opt(c.rows.iter().map(|r| r.value)),
        }),
    );
    out.insert(
        "payback".into(),
        serde_json::json!({
            "cac": hex_opt(p.cohorts.iter().map(|r| r.cac)),
            "curve": hex(&p.cohorts.iter().flat_map(|r| r.curve.iter().copied()).collect::<Vec<_>>()),
            "paybackMonths": hex_opt(p.cohorts.iter().map(|r| r.payback_months.map(f64::from))),
            "simpleValue": hex_opt(p.simple.iter().map(|r| r.value)),
            "simpleRevenue": hex(&p.simple.iter().map(|r| r.monthly_revenue_per_customer).collect::<Vec<_>>()),
        }),
    );
    out.insert(
        "ltvCac".into(),
        serde_json::json!({
            "ltv": hex(&l.rows.iter().map(|r| r.ltv).collect::<Vec<_>>()),
            "cac": hex_opt(l.rows.iter().map(|r| r.cac)),
            "value": hex_opt(l.rows.iter().map(|r| r.value)),
        }),
    );
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
