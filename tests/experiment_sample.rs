//! The sample A/B test on transactions (`unimetric::sim::simulate_experiment`, bundled as
//! `www/data/assignments.csv` with its extra purchases in `transactions.csv`): the simulator's
//! known effect is recovered, and the bundled files are what the simulator writes.
//!
//! The truth: a treated customer buys at 1.3 times their rate for the 30 days after assignment,
//! so orders and net revenue per customer in a 30-day window are 30 % higher in expectation;
//! the split is a fair coin.

use unimetric::experiment::{
    experiment_on_transactions, ArmColumn, AssignmentMapping, AssignmentTable, Assignments,
    ExperimentOnTransactionsOptions, ExperimentOnTransactionsResult, TransactionMetric,
};
use unimetric::sim::{simulate, simulate_experiment, ExperimentParams, SimParams};
use unimetric::{ColumnMapping, IdColumn, TimeColumn, TransactionColumns, Transactions};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data");

fn opts(metric: TransactionMetric, window_days: f64) -> ExperimentOnTransactionsOptions {
    ExperimentOnTransactionsOptions {
        metric: Some(metric),
        window_days,
        ..Default::default()
    }
}

/// The simulated experiment on `customers` customers, analysed on `metric` over 30 days.
fn simulated(
    customers: usize,
    lift: f64,
    seed: u64,
    metric: TransactionMetric,
) -> ExperimentOnTransactionsResult {
    let params = SimParams {
        customers,
        ..Default::default()
    };
    let mut data = simulate(&params, seed);
    let exp = ExperimentParams {
        lift,
        ..Default::default()
    };
    let assigned = simulate_experiment(&mut data, &params, &exp, seed);
    let ids: Vec<u32> = data.transactions.iter().map(|t| t.customer).collect();
    let orders: Vec<u32> = data.transactions.iter().map(|t| t.order).collect();
    let times: Vec<f64> = data.transactions.iter().map(|t| t.ms as f64).collect();
    let amounts: Vec<f64> = data.transactions.iter().map(|t| t.amount).collect();
    let tx = Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Numeric(&ids),
        timestamp: TimeColumn::EpochMs(&times),
        amount: &amounts,
        order_id: Some(IdColumn::Numeric(&orders)),
        channel: None,
        cost: None,
    })
    .unwrap();
    let units: Vec<u32> = assigned.iter().map(|a| a.customer).collect();
    let arms: Vec<u8> = assigned.iter().map(|a| u8::from(a.treatment)).collect();
    let at: Vec<f64> = assigned.iter().map(|a| a.ms as f64).collect();
    let names = ["control".to_string(), "treatment".to_string()];
    experiment_on_transactions(
        &Assignments {
            unit_id: IdColumn::Numeric(&units),
            arm: ArmColumn::Codes8(&arms),
            arm_names: Some(&names),
            assigned_at: &at,
        },
        &tx,
        &opts(metric, exp.window_days),
    )
    .unwrap()
}

/// The estimate is within `k` standard errors of `truth`.
fn within(r: &ExperimentOnTransactionsResult, truth: f64, k: f64) {
    let c = &r.comparisons[0];
    assert!(
        (c.estimate - truth).abs() < k * c.std_error,
        "{}: estimate {} ± {} against the truth {truth}",
        r.definition.metric,
        c.estimate,
        c.std_error
    );
}

#[test]
fn the_simulated_lift_is_recovered() {
    // 40,000 customers: about 33,000 units, a standard error of about 4 % on the lift.
    for metric in [
        TransactionMetric::OrdersPerUnit,
        TransactionMetric::RevenuePerUnit,
    ] {
        let r = simulated(40_000, 0.3, 11, metric);
        assert_eq!(r.comparisons[0].arm, "treatment");
        assert!(r.comparisons[0].std_error < 0.05);
        within(&r, 0.3, 3.0);
        assert!(r.comparisons[0].significant);
        assert!(!r.srm.flagged);
        assert_eq!(r.excluded_units, 0);
    }
    // No effect: the interval covers zero and the estimate is near it.
    let aa = simulated(40_000, 0.0, 12, TransactionMetric::OrdersPerUnit);
    within(&aa, 0.0, 3.0);
    assert!(aa.comparisons[0].ci[0] < 0.0 && aa.comparisons[0].ci[1] > 0.0);
}

#[test]
fn the_bundled_assignments_are_the_simulators_and_show_its_effect() {
    let read = |name: &str| std::fs::read_to_string(format!("{DATA}/{name}")).unwrap();
    // The file holds the simulator's assignments with its default parameters and seed.
    let params = SimParams::default();
    let mut data = simulate(&params, 20_240_101);
    let assigned =
        simulate_experiment(&mut data, &params, &ExperimentParams::default(), 20_240_101);
    let csv = read("assignments.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "customer_id,variant,assigned_at");
    assert_eq!(lines.len() - 1, assigned.len());
    for (line, a) in lines[1..].iter().zip(&assigned) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], format!("C{:06}", a.customer));
        assert_eq!(f[1], if a.treatment { "treatment" } else { "control" });
    }
    // transactions.csv holds the experiment's extra purchases (and the planted incidents,
    // after the experiment's windows).
    unimetric::sim::plant_incidents(
        &mut data,
        &params,
        &unimetric::sim::IncidentParams::default(),
        20_240_101,
    );
    assert_eq!(
        read("transactions.csv").lines().count() - 1,
        data.transactions.len()
    );

    let mut mapping = ColumnMapping::new("customer_id", "order_date", "amount");
    mapping.order_id = Some("order_id".into());
    let tx = Transactions::from_csv(read("transactions.csv").as_bytes(), &mapping).unwrap();
    let table = AssignmentTable::from_csv(
        csv.as_bytes(),
        &AssignmentMapping::new("customer_id", "variant", "assigned_at"),
    )
    .unwrap();
    let r = experiment_on_transactions(
        &table.view(),
        &tx,
        &opts(TransactionMetric::OrdersPerUnit, 30.0),
    )
    .unwrap();
    assert_eq!(r.included_units, 4126);
    assert_eq!(r.excluded_units, 0);
    assert!(!r.srm.flagged);
    let c = &r.comparisons[0];
    assert!(c.ci[0] < 0.3 && 0.3 < c.ci[1], "{:?}", c.ci);
    assert!(c.significant);
}
