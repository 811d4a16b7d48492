//! Prints, as JSON, the bit patterns of every number of a fixed scenario (the bundled sample
//! data: summary and KPIs for day, week and month periods; CAC, CAC payback and LTV:CAC of the
//! sample spend; the churn model fitted on the features at 2025-06-30 with a 90-day horizon, its
//! scores, and the evaluations of those scores and of the 2025-03-31 / 2025-06-30 time split with
//! 1 − P(alive); every case of the experiment fixture tests/fixtures/peers/experiment_gbstats.json;
//! `experiment_from_units` on 10,001 generated units (mean with CUPED, ratio, proportion);
//! and, per time zone (Europe/Berlin, America/New_York, Australia/Sydney), the
//! weekly (Sunday weeks) and monthly summaries, the KPIs, historical LTV cohort curves, churn
//! features and CAC payback of the same data, and a small table of naive times around midnight
//! and both DST changes read in that zone). tests/js/parity.test.mjs runs the same scenario
//! through the wasm package and requires identical bits.
//!
//! ```text
//! cargo run --example parity > native.json
//! ```

use unimetric::cac::{cac, cac_payback, ltv_to_cac, CacOptions, LtvCacOptions, PaybackOptions};
use unimetric::churn::{self, ChurnModel, Evaluation, FeatureOptions, FitOptions, SplitOptions};
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
        .map(|x| {
            x.map_or(serde_json::Value::Null, |x| {
                format!("{:016x}", x.to_bits()).into()
            })
        })
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
            ..SummaryOptions::default()
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
    out.insert("churn".into(), churn_scenario(&tx)?);
    out.insert("experiment".into(), experiment_scenario()?);
    out.insert("experimentFromUnits".into(), units_scenario()?);
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
    out.insert("zones".into(), zones_scenario(&tx, &spend)?);
    out.insert("attribution".into(), attribution_scenario(&tx)?);
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

/// Every number of an evaluation, in a fixed order: churn rate, AUC, log-loss, Brier, then per
/// calibration bin its mean prediction and observed rate (NaN when empty), then per lift decile
/// its rate and lift.
fn evaluation_figures(e: &Evaluation) -> Vec<f64> {
    let mut v = vec![e.churn_rate, e.auc, e.log_loss, e.brier];
    for b in &e.calibration {
        v.push(b.mean_predicted.unwrap_or(f64::NAN));
        v.push(b.observed_rate.unwrap_or(f64::NAN));
    }
    for d in &e.lift {
        v.push(d.rate);
        v.push(d.lift);
    }
    v
}

/// The churn half of the scenario (see the module docs).
/// Naive local times around midnight and both DST changes of the three zones (read in each).
pub const NAIVE_TIMES_CSV: &str = "customer,time,amount
a,2024-03-30 23:30,10
a,2024-03-31 00:30,20
a,2024-03-31 02:30,5
a,2024-04-07 02:30,7
a,2024-10-27 02:30,8
b,2024-03-09 23:59:59,11
b,2024-03-10 02:30,12
b,2024-11-03 01:30,13
b,2024-10-05 23:59,14
c,2024-10-06 02:30,15
c,2024-04-06 23:59:59,16
c,2024-04-07 00:00,17
c,2024-10-31 23:30,18
";

/// Per zone: the numbers listed in the module docs.
fn zones_scenario(
    tx: &Transactions,
    spend: &Spend,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    use unimetric::data::Zone;
    use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
    let mut out = serde_json::Map::new();
    for name in ["Europe/Berlin", "America/New_York", "Australia/Sydney"] {
        let zone = Zone::parse(name)?;
        let week = CustomerSummary::from_transactions(
            tx,
            &SummaryOptions {
                period: Period::Week,
                timezone: Some(zone.clone()),
                week_start: 7,
                ..SummaryOptions::default()
            },
        )?;
        let month_opts = SummaryOptions {
            period: Period::Month,
            timezone: Some(zone.clone()),
            ..SummaryOptions::default()
        };
        let month = CustomerSummary::from_transactions(tx, &month_opts)?;
        let kpis: Vec<f64> = Kpis::compute(tx, &month_opts)?
            .values
            .iter()
            .map(|v| v.value)
            .collect();
        let h = historical_ltv(
            tx,
            &HistoricalOptions {
                timezone: Some(zone.clone()),
                ..HistoricalOptions::default()
            },
        )?;
        let f = churn::churn_features(
            tx,
            &FeatureOptions {
                timezone: Some(zone.clone()),
                ..FeatureOptions::new(1_751_241_600_000) // 2025-06-30T00:00Z
            },
        )?;
        let p = cac_payback(
            spend,
            tx,
            &PaybackOptions {
                margin: 0.4,
                timezone: Some(zone.clone()),
                ..PaybackOptions::default()
            },
        )?;
        let mut m = ColumnMapping::new("customer", "time", "amount");
        m.timezone = zone.clone();
        let naive = Transactions::from_csv(NAIVE_TIMES_CSV.as_bytes(), &m)?;
        let naive_times: Vec<f64> = naive.timestamps().iter().map(|&t| t as f64).collect();
        let naive_days = CustomerSummary::from_transactions(&naive, &SummaryOptions::default())?;
        out.insert(
            name.into(),
            serde_json::json!({
                "weekFrequency": hex(&week.frequency),
                "weekRecency": hex(&week.recency),
                "weekT": hex(&week.t),
                "monthFrequency": hex(&month.frequency),
                "monthMonetaryValue": hex(&month.monetary_value),
                "kpis": hex(&kpis),
                "ltv": hex(&h.ltv),
                "acquisitionMonth": hex(&h.acquisition_month),
                "cohortCurves": hex(&h.cohorts.iter().flat_map(|c| c.cumulative.iter().copied()).collect::<Vec<_>>()),
                "churnFeatures": hex(&f.values),
                "paybackCurve": hex(&p.cohorts.iter().flat_map(|r| r.curve.iter().copied()).collect::<Vec<_>>()),
                "paybackCohortStart": hex(&p.cohorts.iter().map(|r| r.cohort_start).collect::<Vec<_>>()),
                "naiveTimes": hex(&naive_times),
                "naiveFrequency": hex(&naive_days.frequency),
                "naiveRecency": hex(&naive_days.recency),
                "naiveT": hex(&naive_days.t),
            }),
        );
    }
    Ok(serde_json::Value::Object(out))
}

fn churn_scenario(tx: &Transactions) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let day = |s: &str| unimetric::data::dates::parse_date_text(s, "cutoff", 0);
    let f = churn::churn_features(tx, &FeatureOptions::new(day("2025-06-30")?))?;
    let labels = f.labels.as_ref().ok_or("labels")?;
    let m = ChurnModel::fit_table(&f, labels, &FitOptions::default())?;
    let scores = m.predict(&f.values)?;
    let fitted: Vec<f64> = m
        .coefficients
        .iter()
        .chain([&m.intercept])
        .chain(&m.mean)
        .chain(&m.sd)
        .copied()
        .collect();
    let split = SplitOptions {
        alive: true,
        ..SplitOptions::new(day("2025-03-31")?, day("2025-06-30")?)
    };
    let (_, e) = churn::evaluate_time_split(tx, &split, None)?;
    let alive = e.alive.as_ref().ok_or("alive")?;
    Ok(serde_json::json!({
        "features": hex(&f.values),
        "fit": hex(&fitted),
        "scores": hex(&scores),
        "evaluateScores": hex(&evaluation_figures(&churn::evaluate(&scores, labels)?)),
        "splitModel": hex(&evaluation_figures(&e.model)),
        "splitBaseline": hex(&evaluation_figures(&e.baseline)),
        "splitAlive": hex(&evaluation_figures(alive)),
    }))
}

/// Every case of the experiment fixture: per comparison estimate, standard error, interval,
/// df, p-values, chance to win and risks, and the SRM p-value (`null` where a method has none).
fn experiment_scenario() -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    use unimetric::experiment::{experiment, ExperimentInput, ExperimentOptions};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/peers/experiment_gbstats.json"
    );
    let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let mut out = Vec::new();
    for case in fixture["cases"].as_array().ok_or("cases")? {
        let input: ExperimentInput = serde_json::from_value(case["input"].clone())?;
        let opts: ExperimentOptions = serde_json::from_value(case["options"].clone())?;
        let r = experiment(&input, &opts)?;
        let mut v = Vec::new();
        for c in &r.comparisons {
            v.extend([
                Some(c.estimate),
                Some(c.std_error),
                Some(c.ci[0]),
                Some(c.ci[1]),
            ]);
            v.extend([c.df, c.p_value, c.adjusted_p_value, c.chance_to_win, c.risk]);
            v.extend([c.baseline_risk, c.theta, c.days_to_power]);
        }
        v.push(Some(r.srm.p_value));
        out.push(hex_opt(v));
    }
    Ok(out.into())
}

/// `experiment_from_units` on 10,001 generated units in three arms (unit i: arm i mod 3, value
/// ((7919 i) mod 1000)/10, pre ((104729 i) mod 500)/7, denominator 1 + i mod 4, converted when
/// (31 i) mod 7 = 0): mean with CUPED, ratio, proportion; per comparison estimate, standard
/// error, interval, p-value and θ, and the arms' means and variances.
fn units_scenario() -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    use unimetric::experiment::{
        experiment_from_units, ArmColumn, ExperimentMetric, ExperimentUnitsOptions, UnitColumns,
    };
    let n = 10_001usize;
    let arm: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
    let value: Vec<f64> = (0..n).map(|i| ((7919 * i) % 1000) as f64 / 10.0).collect();
    let pre: Vec<f64> = (0..n).map(|i| ((104_729 * i) % 500) as f64 / 7.0).collect();
    let den: Vec<f64> = (0..n).map(|i| (1 + i % 4) as f64).collect();
    let conv: Vec<f64> = (0..n)
        .map(|i| if (31 * i) % 7 == 0 { 1.0 } else { 0.0 })
        .collect();
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    fn cols<'a>(
        arm: &'a [u32],
        names: &'a [String],
        value: &'a [f64],
        denominator: Option<&'a [f64]>,
        pre: Option<&'a [f64]>,
    ) -> UnitColumns<'a> {
        UnitColumns {
            arm: ArmColumn::Codes32(arm),
            arm_names: Some(names),
            value,
            denominator,
            pre,
        }
    }
    let prop = ExperimentUnitsOptions {
        metric: Some(ExperimentMetric::Proportion),
        ..Default::default()
    };
    let d = ExperimentUnitsOptions::default();
    let runs = [
        experiment_from_units(&cols(&arm, &names, &value, None, Some(&pre)), &d)?,
        experiment_from_units(&cols(&arm, &names, &value, Some(&den), None), &d)?,
        experiment_from_units(&cols(&arm, &names, &conv, None, None), &prop)?,
    ];
    let mut v = Vec::new();
    for r in &runs {
        for c in &r.comparisons {
            v.extend([
                Some(c.estimate),
                Some(c.std_error),
                Some(c.ci[0]),
                Some(c.ci[1]),
            ]);
            v.extend([c.p_value, c.theta]);
        }
        for a in &r.arms {
            v.extend([Some(a.mean), Some(a.variance)]);
        }
    }
    Ok(hex_opt(v))
}

/// Attribution of the sample's first purchases to the sample touchpoints: every model (Markov of
/// order 1) and Markov of order 2 with repeats merged; each model's conversions and value, the
/// removal effects and the transition probabilities.
fn attribution_scenario(
    tx: &Transactions,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    use unimetric::attribution::{
        attribution, AttributionOptions, Journeys, JourneysFromTransactionsOptions,
        TouchpointMapping, TouchpointTable,
    };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/touchpoints.csv");
    let tp = TouchpointTable::from_csv(
        &std::fs::read(path)?,
        &TouchpointMapping::new("customer_id", "touched_at", "channel"),
    )?;
    let j =
        Journeys::from_transactions(tp.view(), tx, &JourneysFromTransactionsOptions::default())?;
    let all = attribution(&j, &AttributionOptions::default())?;
    let order2 = attribution(
        &j,
        &AttributionOptions {
            models: Some(vec![unimetric::attribution::Model::Markov]),
            order: 2.0,
            collapse_repeats: true,
            ..AttributionOptions::default()
        },
    )?;
    let mut models = serde_json::Map::new();
    for (name, m) in &all.models {
        let mut v = m.conversions.clone();
        v.extend(&m.value);
        models.insert((*name).into(), serde_json::json!(hex(&v)));
    }
    let chain = |r: &unimetric::attribution::AttributionResult| -> Vec<f64> {
        let mk = r.markov.as_ref();
        let mut v = mk.map(|m| m.removal_effects.clone()).unwrap_or_default();
        if let Some(m) = mk {
            v.extend(&m.value_removal_effects);
            v.extend(&m.probability);
            v.push(m.conversion_probability);
        }
        v
    };
    Ok(serde_json::json!({
        "models": models,
        "markov": hex(&chain(&all)),
        "markovOrder2": hex(&chain(&order2)),
    }))
}
