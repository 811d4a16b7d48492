//! Evaluates the demo spec (www/specs/demo.json) on the bundled sample data and prints each
//! metric's headline: `cargo run --release --example spec_demo`.
use unimetric::data::spend::Spend;
use unimetric::spec::{Inputs, MetricSpec};
use unimetric::Transactions;

fn main() -> unimetric::Result<()> {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read(format!("{root}/{p}")).unwrap_or_default();
    let spec = MetricSpec::parse(&String::from_utf8_lossy(&read("www/specs/demo.json")))?;
    let tx = Transactions::from_csv(
        &read("www/data/transactions.csv"),
        &spec.transactions_mapping()?,
    )?;
    let spend = Spend::from_csv(&read("www/data/spend.csv"), &spec.spend_mapping()?)?;
    let inputs = Inputs {
        transactions: Some(&tx),
        spend: Some(&spend),
        assignments: None,
        touchpoints: None,
        traffic: None,
        mapped_by_caller: false,
    };
    println!("{} {} {}", spec.name, spec.version, spec.definition_hash());
    for e in spec.evaluate(&inputs, None)? {
        println!(
            "{:<14} {:>14} {}",
            e.name,
            e.value.map_or("—".into(), |v| format!("{v:.4}")),
            e.unit
        );
    }
    Ok(())
}
