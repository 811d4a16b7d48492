//! Experiments against independent numbers: gbstats 0.8.0, scipy and statsmodels
//! (tests/fixtures/peers/experiment_gbstats.py writes the fixture), hand computations, and
//! simulations (A/A tests with peeking, CUPED on correlated data).

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use unimetric::experiment::{
    experiment, experiment_report, plan_experiment, srm_check, Correction, Difference,
    ExperimentArm, ExperimentInput, ExperimentMetric, ExperimentOptions, ExperimentReportOptions,
    PlanOptions, ReportInput,
};

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/peers/experiment_gbstats.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// |got − want| ≤ 1e-6·|want| (+1e-12 for values at 0).
#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-6 * want.abs() + 1e-12,
        "{what}: got {got}, want {want}"
    );
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn matches_gbstats_scipy_statsmodels() {
    let f = fixture();
    let mut checked = 0;
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let input: ExperimentInput = serde_json::from_value(case["input"].clone()).unwrap();
        let opts: ExperimentOptions = serde_json::from_value(case["options"].clone()).unwrap();
        let r = experiment(&input, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = case["expected"]["comparisons"].as_array().unwrap();
        assert_eq!(r.comparisons.len(), want.len(), "{name}");
        for (c, w) in r.comparisons.iter().zip(want) {
            assert_eq!(c.arm, w["arm"].as_str().unwrap(), "{name}");
            assert_eq!(c.baseline, w["baseline"].as_str().unwrap(), "{name}");
            let at = |f: &str| format!("{name} / {} / {f}", c.arm);
            close(c.estimate, num(&w["estimate"]), &at("estimate"));
            close(c.std_error, num(&w["stdError"]), &at("stdError"));
            close(c.ci[0], num(&w["ci"][0]), &at("ci[0]"));
            close(c.ci[1], num(&w["ci"][1]), &at("ci[1]"));
            let mut opt = |got: Option<f64>, key: &str| {
                if let Some(x) = w.get(key) {
                    close(got.unwrap_or(f64::NAN), num(x), &at(key));
                    checked += 1;
                }
            };
            opt(c.df, "df");
            opt(c.p_value, "pValue");
            opt(c.p_value, "scipyPValue");
            opt(c.adjusted_p_value, "adjustedPValue");
            opt(c.chance_to_win, "chanceToWin");
            opt(c.risk, "risk");
            opt(c.baseline_risk, "baselineRisk");
            opt(c.theta, "theta");
            if let Some(ci) = w.get("gbstatsCi") {
                close(c.ci[0], num(&ci[0]), &at("gbstatsCi[0]"));
                close(c.ci[1], num(&ci[1]), &at("gbstatsCi[1]"));
            }
            checked += 4;
        }
        let s = &case["expected"]["srm"];
        close(
            r.srm.chi_square,
            num(&s["chiSquare"]),
            &format!("{name} srm chi"),
        );
        close(r.srm.p_value, num(&s["pValue"]), &format!("{name} srm p"));
        close(
            r.srm.p_value,
            num(&s["scipyPValue"]),
            &format!("{name} srm p (scipy)"),
        );
    }
    assert!(checked > 150, "only {checked} numbers compared");

    for s in f["srm"].as_array().unwrap() {
        let counts: Vec<f64> = s["counts"].as_array().unwrap().iter().map(num).collect();
        let weights: Option<Vec<f64>> =
            s["weights"].as_array().map(|w| w.iter().map(num).collect());
        let r = srm_check(&counts, weights.as_deref()).unwrap();
        close(r.chi_square, num(&s["chiSquare"]), "srm chi");
        close(r.p_value, num(&s["pValue"]), "srm p (gbstats)");
        close(r.p_value, num(&s["scipyPValue"]), "srm p (scipy)");
        assert_eq!(r.flagged, num(&s["pValue"]) < 0.001);
    }

    for p in f["plans"].as_array().unwrap() {
        let o: PlanOptions = serde_json::from_value(p["options"].clone()).unwrap();
        let r = plan_experiment(&o).unwrap();
        assert_eq!(r.units_per_arm, num(&p["unitsPerArm"]), "{o:?}");
        assert_eq!(r.total_units, num(&p["totalUnits"]), "{o:?}");
        assert_eq!(r.days, p["days"].as_f64(), "{o:?}");
        close(r.effect, num(&p["effect"]), "plan effect");
        if let Some(sm) = p.get("statsmodels") {
            // statsmodels adds the far tail: within 1e-3 of the closed form.
            assert!((num(sm) - num(&p["exact"])).abs() / num(sm) < 1e-3);
            assert!((r.units_per_arm - num(sm)).abs() < 1.0 + 1e-3 * num(sm));
        }
    }

    let rep = &f["report"];
    let results: Vec<ReportInput> = rep["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| {
            let case = f["cases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| &c["name"] == name)
                .unwrap();
            let input: ExperimentInput = serde_json::from_value(case["input"].clone()).unwrap();
            let opts: ExperimentOptions = serde_json::from_value(case["options"].clone()).unwrap();
            ReportInput::from(&experiment(&input, &opts).unwrap())
        })
        .collect();
    for (key, correction) in [
        ("holm", Correction::Holm),
        ("benjamini-hochberg", Correction::BenjaminiHochberg),
    ] {
        let opts = ExperimentReportOptions {
            correction,
            ..Default::default()
        };
        let r = experiment_report(&results, &opts).unwrap();
        for (row, want) in r.rows.iter().zip(rep[key].as_array().unwrap()) {
            close(row.adjusted_p_value, num(want), key);
        }
    }
}

fn mean_arm(name: &str, values: &[f64]) -> ExperimentArm {
    ExperimentArm {
        name: name.into(),
        n: values.len() as f64,
        sum: Some(values.iter().sum()),
        sum_squares: Some(values.iter().map(|x| x * x).sum()),
        ..Default::default()
    }
}

fn prop_arm(name: &str, n: f64, c: f64) -> ExperimentArm {
    ExperimentArm {
        name: name.into(),
        n,
        conversions: Some(c),
        ..Default::default()
    }
}

fn absolute() -> ExperimentOptions {
    ExperimentOptions {
        difference: Difference::Absolute,
        ..Default::default()
    }
}

/// The days-to-power sentence agrees in number: "1 more day gives", "n more days give".
#[test]
fn days_to_power_sentence_agrees_in_number() {
    let input = ExperimentInput {
        metric: ExperimentMetric::Proportion,
        name: None,
        arms: vec![prop_arm("A", 1000.0, 50.0), prop_arm("B", 1000.0, 58.0)],
    };
    let sentence = |per_day: f64| {
        let o = ExperimentOptions {
            units_per_day: Some(per_day),
            ..Default::default()
        };
        experiment(&input, &o).unwrap().comparisons[0]
            .summary
            .clone()
    };
    // 8 vs 50 of 1,000 is far from 80 % power: millions a day reach it in one more day.
    assert!(
        sentence(1e9).ends_with("about 1 more day gives 80 % power to detect an effect this size."),
        "{}",
        sentence(1e9)
    );
    assert!(
        sentence(100.0).contains("more days give 80 % power"),
        "{}",
        sentence(100.0)
    );
}

/// [1, 2, 3, 4] against [2, 4, 6, 8]: means 2.5 and 5, variances 5/3 and 20/3, so the
/// difference 2.5 has se² = 5/12 + 20/12 = 25/12, t = 2.5/√(25/12) = √3, and Welch's
/// df = (25/12)² / ((5/12)²/3 + (20/12)²/3) = 625·3/425 = 75/17.
#[test]
fn welch_by_hand() {
    let input = ExperimentInput {
        metric: ExperimentMetric::Mean,
        name: None,
        arms: vec![
            mean_arm("A", &[1.0, 2.0, 3.0, 4.0]),
            mean_arm("B", &[2.0, 4.0, 6.0, 8.0]),
        ],
    };
    let r = experiment(&input, &absolute()).unwrap();
    let c = &r.comparisons[0];
    assert!((c.estimate - 2.5).abs() < 1e-12);
    assert!((c.std_error - (25.0f64 / 12.0).sqrt()).abs() < 1e-12);
    assert!((c.df.unwrap() - 75.0 / 17.0).abs() < 1e-12);
    assert_eq!(
        (r.arms[1].mean, r.arms[1].variance),
        (5.0, 20.0 / 3.0),
        "{:?}",
        r.arms
    );
    // Relative: 2.5/2.5 = +100 %, se² = (20/3)/4/2.5² + (5/3)/4·5²/2.5⁴ = 4/15 + 4/15.
    let r = experiment(&input, &ExperimentOptions::default()).unwrap();
    let c = &r.comparisons[0];
    assert!((c.estimate - 1.0).abs() < 1e-12);
    assert!((c.std_error - (8.0f64 / 15.0).sqrt()).abs() < 1e-12);
}

/// 100/1000 against 130/1000: +3 points, se² = 0.1·0.9/1000 + 0.13·0.87/1000 = 2.031e-4.
/// The sequential half-width at α 0.05, N* 5000, N 2000: ρ² = (5.99146 + ln 6.99146)/5000
/// = 0.00158723, Nρ² + 1 = 4.17446, s² = 2000·2.031e-4 = 0.4062, half-width² =
/// s²·2·4.17446·ln(√4.17446/0.05)/(2000²·0.00158723) = 0.4062·30.9757/6348.92 = 0.0019818
/// → ±0.044518.
#[test]
fn proportion_and_sequential_by_hand() {
    let input = ExperimentInput {
        metric: ExperimentMetric::Proportion,
        name: None,
        arms: vec![prop_arm("A", 1000.0, 100.0), prop_arm("B", 1000.0, 130.0)],
    };
    let r = experiment(&input, &absolute()).unwrap();
    let c = &r.comparisons[0];
    assert!((c.estimate - 0.03).abs() < 1e-15);
    assert!((c.std_error - 2.031e-4f64.sqrt()).abs() < 1e-15);
    let seq = ExperimentOptions {
        sequential: true,
        ..absolute()
    };
    let s = &experiment(&input, &seq).unwrap().comparisons[0];
    let rho2 = (-2.0 * 0.05f64.ln() + (-2.0 * 0.05f64.ln() + 1.0).ln()) / 5000.0;
    let t = 2000.0 * rho2 + 1.0;
    let half =
        (2000.0 * 2.031e-4 * 2.0 * t * (t.sqrt() / 0.05).ln() / (2000.0f64.powi(2) * rho2)).sqrt();
    assert!((half - 0.044518).abs() < 1e-5, "{half}");
    assert!((s.ci[1] - s.estimate - half).abs() < 1e-12);
    // Wider than the fixed-horizon interval, and not significant where the fixed test is.
    assert!(s.ci[1] - s.ci[0] > c.ci[1] - c.ci[0]);
    assert!(c.significant && !s.significant);
    assert!(
        c.summary
            .starts_with("B raised the conversion rate by 0.0300 vs A (95 % CI +"),
        "{}",
        c.summary
    );
}

/// A Normal(0.02, 0.01²) posterior: chance to win Φ(2) = 0.97725, risk of shipping
/// 0.01·φ(2) − 0.02·Φ(−2) = 0.00008491, credible interval 0.02 ± 1.95996·0.01.
#[test]
fn bayesian_by_hand() {
    use unimetric::experiment::ExperimentMethod;
    // Absolute difference of 0.02 with se 0.01 from two proportions: p_A = 0.5 on n = 5000,
    // p_B = 0.52 on n = 4992 gives se² = 0.25/5000 + 0.2496/4992 = 1e-4 exactly.
    let input = ExperimentInput {
        metric: ExperimentMetric::Proportion,
        name: None,
        arms: vec![
            prop_arm("A", 5000.0, 2500.0),
            prop_arm("B", 4992.0, 0.52 * 4992.0),
        ],
    };
    let opts = ExperimentOptions {
        method: ExperimentMethod::Bayesian,
        ..absolute()
    };
    let c = &experiment(&input, &opts).unwrap().comparisons[0];
    assert!((c.std_error - 0.01).abs() < 1e-12, "{}", c.std_error);
    assert!((c.chance_to_win.unwrap() - 0.9772498680518208).abs() < 1e-9);
    assert!(
        (c.risk.unwrap() - 8.490702e-5).abs() < 1e-10,
        "{:?}",
        c.risk
    );
    assert!((c.ci[0] - (0.02 - 1.959963984540054 * 0.01)).abs() < 1e-9);
    assert!(c.significant);
}

/// CUPED on simulated data with pre/post correlation ρ shrinks the interval by ≈ √(1 − ρ²).
#[test]
fn cuped_shrinks_the_interval_by_sqrt_one_minus_rho_squared() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(18);
    for rho in [0.5f64, 0.8] {
        let mut arms = Vec::new();
        for (name, lift) in [("A", 0.0), ("B", 0.3)] {
            let n = 20_000;
            let (mut s, mut ss, mut p, mut pp, mut cross) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for _ in 0..n {
                let z: f64 = StandardNormal.sample(&mut rng);
                let e: f64 = StandardNormal.sample(&mut rng);
                let pre = 10.0 + 3.0 * z;
                let post = 10.0 + lift + 3.0 * (rho * z + (1.0 - rho * rho).sqrt() * e);
                s += post;
                ss += post * post;
                p += pre;
                pp += pre * pre;
                cross += pre * post;
            }
            arms.push(ExperimentArm {
                name: name.into(),
                n: n as f64,
                sum: Some(s),
                sum_squares: Some(ss),
                pre_sum: Some(p),
                pre_sum_squares: Some(pp),
                pre_cross_sum: Some(cross),
                ..Default::default()
            });
        }
        let with = ExperimentInput {
            metric: ExperimentMetric::Mean,
            name: None,
            arms: arms.clone(),
        };
        let without = ExperimentInput {
            metric: ExperimentMetric::Mean,
            name: None,
            arms: arms
                .into_iter()
                .map(|a| ExperimentArm {
                    pre_sum: None,
                    pre_sum_squares: None,
                    pre_cross_sum: None,
                    ..a
                })
                .collect(),
        };
        let w = |i: &ExperimentInput| {
            let c = &experiment(i, &absolute()).unwrap().comparisons[0];
            c.ci[1] - c.ci[0]
        };
        let ratio = w(&with) / w(&without);
        let want = (1.0 - rho * rho).sqrt();
        assert!((ratio - want).abs() < 0.02, "ρ {rho}: {ratio} vs {want}");
        assert!(experiment(&with, &absolute()).unwrap().comparisons[0]
            .theta
            .is_some());
    }
}

/// 2,000 A/A tests, 20 looks each (100 units per arm per look): the confidence sequence's
/// false-positive rate over all looks stays at or below α = 5 % (+ 3 Monte Carlo standard
/// errors); the fixed-horizon test at the last look is ≈ α; the fixed-horizon test read at
/// every look ("peeking") is far higher. The rates are printed (BENCHMARKS.md quotes them).
#[test]
fn aa_simulation_with_peeking() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2026);
    let (tests, looks, per_look) = (2000, 20, 100);
    let fixed = absolute();
    let seq = ExperimentOptions {
        sequential: true,
        ..absolute()
    };
    let (mut seq_fp, mut last_fp, mut peek_fp) = (0, 0, 0);
    for _ in 0..tests {
        let mut sums = [[0.0f64; 2]; 2];
        let (mut seq_hit, mut peek_hit, mut last_hit) = (false, false, false);
        for look in 1..=looks {
            for arm in &mut sums {
                for _ in 0..per_look {
                    let x: f64 = StandardNormal.sample(&mut rng);
                    let x = 5.0 + x;
                    arm[0] += x;
                    arm[1] += x * x;
                }
            }
            let n = (look * per_look) as f64;
            let input = ExperimentInput {
                metric: ExperimentMetric::Mean,
                name: None,
                arms: ["A", "B"]
                    .iter()
                    .zip(sums)
                    .map(|(name, [s, ss])| ExperimentArm {
                        name: (*name).into(),
                        n,
                        sum: Some(s),
                        sum_squares: Some(ss),
                        ..Default::default()
                    })
                    .collect(),
            };
            let f = experiment(&input, &fixed).unwrap().comparisons[0].significant;
            peek_hit |= f;
            if look == looks {
                last_hit = f;
            }
            seq_hit |= experiment(&input, &seq).unwrap().comparisons[0].significant;
        }
        seq_fp += usize::from(seq_hit);
        peek_fp += usize::from(peek_hit);
        last_fp += usize::from(last_hit);
    }
    let rate = |k: usize| k as f64 / tests as f64;
    let mc = (0.05f64 * 0.95 / tests as f64).sqrt();
    println!(
        "A/A {tests} tests × {looks} looks: sequential {:.4}, fixed at the last look {:.4}, fixed read at every look {:.4} (Monte Carlo se {:.4})",
        rate(seq_fp),
        rate(last_fp),
        rate(peek_fp),
        mc
    );
    assert!(
        rate(seq_fp) <= 0.05 + 3.0 * mc,
        "sequential {}",
        rate(seq_fp)
    );
    assert!(
        (rate(last_fp) - 0.05).abs() <= 3.0 * mc,
        "fixed {}",
        rate(last_fp)
    );
    assert!(rate(peek_fp) > 0.15, "peeking {}", rate(peek_fp));
}

#[test]
fn bad_input_is_a_coded_error() {
    let two = |a: ExperimentArm, b: ExperimentArm| ExperimentInput {
        metric: ExperimentMetric::Proportion,
        name: None,
        arms: vec![a, b],
    };
    let code = |i: &ExperimentInput, o: &ExperimentOptions| experiment(i, o).unwrap_err().code();
    let d = ExperimentOptions::default();
    let ok = prop_arm("A", 100.0, 10.0);
    assert_eq!(
        code(&two(ok.clone(), prop_arm("B", 1.0, 0.0)), &d),
        "E_INSUFFICIENT_DATA"
    );
    assert_eq!(
        code(&two(ok.clone(), prop_arm("B", 100.0, 101.0)), &d),
        "E_OUT_OF_RANGE"
    );
    assert_eq!(
        code(&two(ok.clone(), prop_arm("B", 100.0, -1.0)), &d),
        "E_NEGATIVE"
    );
    assert_eq!(
        code(&two(ok.clone(), prop_arm("B", 100.0, f64::NAN)), &d),
        "E_NON_FINITE"
    );
    assert_eq!(
        code(&two(ok.clone(), prop_arm("A", 100.0, 5.0)), &d),
        "E_OUT_OF_RANGE"
    );
    assert_eq!(
        code(
            &two(prop_arm("A", 100.0, 0.0), prop_arm("B", 100.0, 0.0)),
            &d
        ),
        "E_INSUFFICIENT_DATA"
    );
    let one = ExperimentInput {
        metric: ExperimentMetric::Proportion,
        name: None,
        arms: vec![ok.clone()],
    };
    assert_eq!(code(&one, &d), "E_INSUFFICIENT_DATA");
    let many = ExperimentInput {
        metric: ExperimentMetric::Proportion,
        name: None,
        arms: (0..10_000)
            .map(|i| prop_arm(&format!("a{i}"), 100.0, 10.0))
            .collect(),
    };
    assert_eq!(code(&many, &d), "E_TOO_LARGE");
    let base = ExperimentOptions {
        baseline: Some("Z".into()),
        ..Default::default()
    };
    assert_eq!(
        code(&two(ok.clone(), prop_arm("B", 100.0, 12.0)), &base),
        "E_BAD_OPTION"
    );
    let weights = ExperimentOptions {
        expected_weights: Some(vec![1.0, 1.0, 1.0]),
        ..Default::default()
    };
    assert_eq!(
        code(&two(ok.clone(), prop_arm("B", 100.0, 12.0)), &weights),
        "E_LENGTH_MISMATCH"
    );
    let mut wrong = prop_arm("B", 100.0, 12.0);
    wrong.sum = Some(3.0);
    assert_eq!(code(&two(ok.clone(), wrong), &d), "E_BAD_OPTION");
    assert_eq!(
        srm_check(&[10.0], None).unwrap_err().code(),
        "E_INSUFFICIENT_DATA"
    );
    assert_eq!(
        srm_check(&[0.0, 0.0], None).unwrap_err().code(),
        "E_INSUFFICIENT_DATA"
    );
    assert_eq!(
        srm_check(&[1.5, 2.0], None).unwrap_err().code(),
        "E_OUT_OF_RANGE"
    );
}

// ------------------------------------------------------------------------------ from units

use unimetric::experiment::{
    experiment_from_units, ArmColumn, ExperimentUnitsOptions, UnitColumns,
};

fn units_opts(extra: serde_json::Value) -> ExperimentUnitsOptions {
    serde_json::from_value(extra).unwrap()
}

/// Eight units, A = rows 1, 3, 5, 7 and B = rows 2, 4, 6, 8 (interleaved), with a second column
/// w. Counted by hand: A: value [1, 2, 3, 4], w [1, 1, 2, 2] → n 4, Σv 10, Σv² 30, Σw 6,
/// Σw² 10, Σv·w 1 + 2 + 6 + 8 = 17; B: value [2, 4, 6, 8], w [1, 2, 2, 3] → n 4, Σv 20,
/// Σv² 4 + 16 + 36 + 64 = 120, Σw 8, Σw² 1 + 4 + 4 + 9 = 18, Σv·w 2 + 8 + 12 + 24 = 46.
const UNIT_VALUE: [f64; 8] = [1.0, 2.0, 2.0, 4.0, 3.0, 6.0, 4.0, 8.0];
const UNIT_W: [f64; 8] = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0];
const UNIT_CODES: [u32; 8] = [0, 1, 0, 1, 0, 1, 0, 1];

fn hand_arm(name: &str, f: impl FnOnce(&mut ExperimentArm)) -> ExperimentArm {
    let mut a = ExperimentArm {
        name: name.into(),
        n: 4.0,
        ..Default::default()
    };
    f(&mut a);
    a
}

#[test]
fn units_give_the_result_of_the_hand_counted_sums() {
    let names = ["A".to_string(), "B".to_string()];
    let text: Vec<String> = UNIT_CODES
        .iter()
        .map(|&c| names[c as usize].clone())
        .collect();
    let codes8: Vec<u8> = UNIT_CODES.iter().map(|&c| c as u8).collect();
    let arm_columns = [
        (ArmColumn::Codes32(&UNIT_CODES), Some(&names[..])),
        (ArmColumn::Codes8(&codes8), Some(&names[..])),
        (ArmColumn::Text(&text), None),
        (ArmColumn::Text(&text), Some(&names[..])),
    ];
    let mean = ExperimentInput {
        metric: ExperimentMetric::Mean,
        name: Some("revenue per visitor".into()),
        arms: vec![
            hand_arm("A", |a| (a.sum, a.sum_squares) = (Some(10.0), Some(30.0))),
            hand_arm("B", |a| (a.sum, a.sum_squares) = (Some(20.0), Some(120.0))),
        ],
    };
    let mut cuped = mean.clone();
    for (a, (s, ss, x)) in cuped
        .arms
        .iter_mut()
        .zip([(6.0, 10.0, 17.0), (8.0, 18.0, 46.0)])
    {
        (a.pre_sum, a.pre_sum_squares, a.pre_cross_sum) = (Some(s), Some(ss), Some(x));
    }
    let ratio = ExperimentInput {
        metric: ExperimentMetric::Ratio,
        name: Some("revenue per visitor".into()),
        arms: vec![
            hand_arm("A", |a| {
                (a.numerator_sum, a.numerator_sum_squares) = (Some(10.0), Some(30.0));
                (a.denominator_sum, a.denominator_sum_squares) = (Some(6.0), Some(10.0));
                a.cross_sum = Some(17.0);
            }),
            hand_arm("B", |a| {
                (a.numerator_sum, a.numerator_sum_squares) = (Some(20.0), Some(120.0));
                (a.denominator_sum, a.denominator_sum_squares) = (Some(8.0), Some(18.0));
                a.cross_sum = Some(46.0);
            }),
        ],
    };
    let option_sets = [
        serde_json::json!({}),
        serde_json::json!({ "difference": "absolute", "sequential": true }),
        serde_json::json!({ "method": "bayesian", "baseline": "B" }),
    ];
    for (arm, arm_names) in arm_columns {
        for o in &option_sets {
            let mut uo = units_opts(o.clone());
            uo.name = Some("revenue per visitor".into());
            let xo: ExperimentOptions = serde_json::from_value(o.clone()).unwrap();
            let cols = |denominator, pre| UnitColumns {
                arm,
                arm_names,
                value: &UNIT_VALUE,
                denominator,
                pre,
            };
            let got = experiment_from_units(&cols(None, None), &uo).unwrap();
            assert_eq!(got, experiment(&mean, &xo).unwrap(), "mean {o}");
            let got = experiment_from_units(&cols(None, Some(&UNIT_W)), &uo).unwrap();
            let want = experiment(&cuped, &xo).unwrap();
            assert!(want.comparisons[0].theta.is_some());
            assert_eq!(got, want, "cuped {o}");
            let got = experiment_from_units(&cols(Some(&UNIT_W), None), &uo).unwrap();
            assert_eq!(got, experiment(&ratio, &xo).unwrap(), "ratio {o}");
        }
    }
}

/// Every proportion case of the gbstats fixture with fewer than ten million units, rebuilt as
/// one 0/1 row per unit (with CUPED: c units converting in both periods, conversions − c after
/// only, preSum − c before only, the rest in neither), in a scrambled order, gives gbstats'
/// figures.
#[test]
fn units_rebuilt_from_fixture_cases_match_gbstats() {
    let f = fixture();
    let mut cases = 0;
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let input: ExperimentInput = serde_json::from_value(case["input"].clone()).unwrap();
        if input.metric != ExperimentMetric::Proportion || input.arms.iter().any(|a| a.n > 1e7) {
            continue;
        }
        let cuped = input.arms[0].pre_sum.is_some();
        let (mut arm, mut value, mut pre) = (Vec::new(), Vec::new(), Vec::new());
        for (j, a) in input.arms.iter().enumerate() {
            let conv = a.conversions.unwrap() as usize;
            let (ps, both) = match cuped {
                true => (
                    a.pre_sum.unwrap() as usize,
                    a.pre_cross_sum.unwrap() as usize,
                ),
                false => (0, 0),
            };
            for i in 0..a.n as usize {
                let (v, p) = if i < both {
                    (1.0, 1.0)
                } else if i < conv {
                    (1.0, 0.0)
                } else if i < conv + ps - both {
                    (0.0, 1.0)
                } else {
                    (0.0, 0.0)
                };
                arm.push(j as u32);
                value.push(v);
                pre.push(p);
            }
        }
        // Scramble: row i takes unit (i·7919) mod N (7919 is prime and divides no N here).
        let n = arm.len();
        assert!(n % 7919 != 0);
        let perm: Vec<usize> = (0..n).map(|i| (i * 7919) % n).collect();
        let arm: Vec<u32> = perm.iter().map(|&i| arm[i]).collect();
        let value: Vec<f64> = perm.iter().map(|&i| value[i]).collect();
        let pre: Vec<f64> = perm.iter().map(|&i| pre[i]).collect();
        let names: Vec<String> = input.arms.iter().map(|a| a.name.clone()).collect();
        let mut o = case["options"].clone();
        o["metric"] = "proportion".into();
        let r = experiment_from_units(
            &UnitColumns {
                arm: ArmColumn::Codes32(&arm),
                arm_names: Some(&names),
                value: &value,
                denominator: None,
                pre: cuped.then_some(&pre[..]),
            },
            &units_opts(o),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (c, w) in r
            .comparisons
            .iter()
            .zip(case["expected"]["comparisons"].as_array().unwrap())
        {
            let at = |k: &str| format!("units: {name} / {} / {k}", c.arm);
            close(c.estimate, num(&w["estimate"]), &at("estimate"));
            close(c.std_error, num(&w["stdError"]), &at("stdError"));
            close(c.ci[0], num(&w["ci"][0]), &at("ci[0]"));
            close(c.ci[1], num(&w["ci"][1]), &at("ci[1]"));
            if let Some(p) = w.get("pValue") {
                close(c.p_value.unwrap(), num(p), &at("pValue"));
            }
            if let Some(t) = w.get("theta") {
                close(c.theta.unwrap(), num(t), &at("theta"));
            }
            if let Some(x) = w.get("chanceToWin") {
                close(c.chance_to_win.unwrap(), num(x), &at("chanceToWin"));
            }
        }
        close(
            r.srm.p_value,
            num(&case["expected"]["srm"]["pValue"]),
            &format!("units: {name} srm"),
        );
        cases += 1;
    }
    assert!(cases >= 10, "only {cases} cases rebuilt");
}

#[test]
fn bad_units_are_coded_errors_naming_column_and_row() {
    let names = vec!["A".to_string(), "B".to_string()];
    let d = ExperimentUnitsOptions::default();
    let run = |arm: ArmColumn<'_>, value: &[f64], den: Option<&[f64]>, pre: Option<&[f64]>, o| {
        let e = experiment_from_units(
            &UnitColumns {
                arm,
                arm_names: Some(&names),
                value,
                denominator: den,
                pre,
            },
            o,
        )
        .unwrap_err();
        (e.code(), e.column().map(str::to_string), e.row())
    };
    let codes = ArmColumn::Codes32(&UNIT_CODES);
    assert_eq!(
        run(codes, &UNIT_VALUE[..7], None, None, &d),
        ("E_LENGTH_MISMATCH", Some("value".into()), None)
    );
    let mut v = UNIT_VALUE;
    v[5] = f64::NAN;
    assert_eq!(
        run(codes, &v, None, None, &d),
        ("E_NON_FINITE", Some("value".into()), Some(6))
    );
    let mut w = UNIT_W;
    w[2] = f64::INFINITY;
    assert_eq!(
        run(codes, &UNIT_VALUE, Some(&w), None, &d).0,
        "E_NON_FINITE"
    );
    let bad_codes = [0u32, 1, 0, 2, 0, 1, 0, 1];
    assert_eq!(
        run(ArmColumn::Codes32(&bad_codes), &UNIT_VALUE, None, None, &d),
        ("E_OUT_OF_RANGE", Some("arm".into()), Some(4))
    );
    let prop = units_opts(serde_json::json!({ "metric": "proportion" }));
    assert_eq!(
        run(codes, &UNIT_VALUE, None, None, &prop),
        ("E_OUT_OF_RANGE", Some("value".into()), Some(2))
    );
    assert_eq!(
        run(codes, &UNIT_VALUE, Some(&UNIT_W), None, &prop).0,
        "E_BAD_OPTION"
    );
    assert_eq!(
        run(codes, &UNIT_VALUE, Some(&UNIT_W), Some(&UNIT_W), &d).0,
        "E_BAD_OPTION"
    );
    assert_eq!(
        run(ArmColumn::Codes32(&[]), &[], None, None, &d).0,
        "E_EMPTY"
    );
    let one = [0u32; 8];
    assert_eq!(
        run(ArmColumn::Codes32(&one), &UNIT_VALUE, None, None, &d).0,
        "E_INSUFFICIENT_DATA"
    );
    let huge = [1e150, 1.0, 1e150, 1.0, 1.0, 1.0, 1.0, 1.0];
    assert_eq!(
        run(codes, &huge, None, None, &d),
        ("E_OUT_OF_RANGE", Some("value".into()), Some(1))
    );
    // u8 codes with more than 256 names: the arms past code 255 are there, without units.
    let many: Vec<String> = (0..300).map(|i| format!("a{i}")).collect();
    let codes8 = [0u8, 1, 0, 1, 0, 1, 0, 1];
    let e = experiment_from_units(
        &UnitColumns {
            arm: ArmColumn::Codes8(&codes8),
            arm_names: Some(&many),
            value: &UNIT_VALUE,
            denominator: None,
            pre: None,
        },
        &d,
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_INSUFFICIENT_DATA");
    assert!(
        e.to_string().contains("arm 'a2' (row 3) has 0 units"),
        "{e}"
    );
    let no_names = experiment_from_units(
        &UnitColumns {
            arm: codes,
            arm_names: None,
            value: &UNIT_VALUE,
            denominator: None,
            pre: None,
        },
        &d,
    )
    .unwrap_err();
    assert_eq!(no_names.code(), "E_MISSING_COLUMN");
}

// ------------------------------------------------------------------ experimentOnTransactions

mod on_transactions {
    use unimetric::experiment::{
        experiment, experiment_on_transactions, ArmColumn, Assignments, Difference, ExperimentArm,
        ExperimentInput, ExperimentMetric, ExperimentOnTransactionsOptions, ExperimentOptions,
        TransactionMetric,
    };
    use unimetric::{IdColumn, TimeColumn, TransactionColumns, Transactions};

    const D: f64 = 86_400_000.0;
    const H: f64 = 3_600_000.0;

    /// The hand-counted table (window 2 days = [a, a + 2D)):
    ///
    /// | unit | arm | assignedAt | transactions (t, amount, order)                       | conv | orders | revenue |
    /// |------|-----|------------|--------------------------------------------------------|------|--------|---------|
    /// | 1    | A   | 0          | (−1, 50, 100) before; (0, 10, 101) at a: in; (1h, 5, 101) same order; (2D, 100, 102) at a + window: out | 1 | 1 | 15 |
    /// | 2    | A   | D          | (D+1h, 0, 201) a $0 order; (D+2h, −4, 202) refund      | 1    | 1      | −4      |
    /// | 3    | A   | 0          | none                                                   | 0    | 0      | 0       |
    /// | 4    | B   | 0          | (D, 20, 401); (D+1, 30, 402); (2D−1, −5, 403) refund   | 1    | 2      | 45      |
    /// | 5    | B   | D          | (3D−1, 7, 501)                                         | 1    | 1      | 7       |
    /// | 6    | B   | 0          | (D, −3, 602) refund only; (2D+5, 9, 601) out           | 0    | 0      | −3      |
    /// | 7    | B   | 2D         | (2D+1, 1000, 701) — window ends 4D > last 3D+10: excluded | –  | –      | –       |
    /// | 8    | B   | 0          | none                                                   | 0    | 0      | 0       |
    ///
    /// Customer 99 (not assigned) buys at 3D + 10: the last transaction time.
    fn table(with_orders: bool) -> Transactions {
        table_with(with_orders, false)
    }

    fn table_with(with_orders: bool, text_ids: bool) -> Transactions {
        let rows: [(u32, f64, f64, u32); 15] = [
            (1, -1.0, 50.0, 100),
            (1, 0.0, 10.0, 101),
            (1, H, 5.0, 101),
            (1, 2.0 * D, 100.0, 102),
            (2, D + H, 0.0, 201),
            (2, D + 2.0 * H, -4.0, 202),
            (4, D, 20.0, 401),
            (4, D + 1.0, 30.0, 402),
            (4, 2.0 * D - 1.0, -5.0, 403),
            (5, 3.0 * D - 1.0, 7.0, 501),
            (6, D, -3.0, 602),
            (6, 2.0 * D + 5.0, 9.0, 601),
            (7, 2.0 * D + 1.0, 1000.0, 701),
            (99, 3.0 * D + 10.0, 1.0, 9901),
            (99, 0.0, 1.0, 9900),
        ];
        let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let t: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let amount: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let orders: Vec<u32> = rows.iter().map(|r| r.3).collect();
        let text: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        Transactions::from_columns(TransactionColumns {
            customer_id: if text_ids {
                IdColumn::Text(&text)
            } else {
                IdColumn::Numeric(&ids)
            },
            timestamp: TimeColumn::EpochMs(&t),
            amount: &amount,
            order_id: with_orders.then_some(IdColumn::Numeric(&orders)),
            channel: None,
            cost: None,
        })
        .unwrap()
    }

    fn arms() -> Vec<String> {
        ["A", "A", "A", "B", "B", "B", "B", "B"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
    const UNITS: [u32; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
    const ASSIGNED: [f64; 8] = [0.0, D, 0.0, 0.0, D, 0.0, 2.0 * D, 0.0];

    fn opts(metric: TransactionMetric) -> ExperimentOnTransactionsOptions {
        ExperimentOnTransactionsOptions {
            metric: Some(metric),
            window_days: 2.0,
            difference: Difference::Absolute,
            ..Default::default()
        }
    }

    fn arm(name: &str, n: f64) -> ExperimentArm {
        ExperimentArm {
            name: name.into(),
            n,
            ..Default::default()
        }
    }

    /// Runs the metric on the table and compares with `experiment` on the hand-counted sums.
    fn check(
        metric: TransactionMetric,
        kind: ExperimentMetric,
        name: &str,
        a: ExperimentArm,
        b: ExperimentArm,
    ) {
        let arm_text = arms();
        let assignments = Assignments {
            unit_id: IdColumn::Numeric(&UNITS),
            arm: ArmColumn::Text(&arm_text),
            arm_names: None,
            assigned_at: &ASSIGNED,
        };
        let got = experiment_on_transactions(&assignments, &table(true), &opts(metric)).unwrap();
        let want = experiment(
            &ExperimentInput {
                metric: kind,
                name: Some(name.into()),
                arms: vec![a, b],
            },
            &ExperimentOptions {
                difference: Difference::Absolute,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(got.excluded_units, 1, "unit 7 is left out");
        assert_eq!(got.included_units, 7);
        assert_eq!(got.name, want.name);
        assert_eq!(got.arms, want.arms);
        assert_eq!(got.comparisons, want.comparisons);
        assert_eq!(got.srm, want.srm);
        assert_eq!(got.definition, want.definition);
        assert_eq!(got.metric_definition.metric, metric.definition().id);
    }

    #[test]
    fn conversion_matches_hand_counted_sums() {
        // A: [1, 1, 0] → 2 of 3; B: [1, 1, 0, 0] → 2 of 4.
        check(
            TransactionMetric::Conversion,
            ExperimentMetric::Proportion,
            "the conversion rate",
            ExperimentArm {
                conversions: Some(2.0),
                ..arm("A", 3.0)
            },
            ExperimentArm {
                conversions: Some(2.0),
                ..arm("B", 4.0)
            },
        );
    }

    #[test]
    fn orders_per_unit_matches_hand_counted_sums() {
        // A: [1, 1, 0] → Σ 2, Σ² 2; B: [2, 1, 0, 0] → Σ 3, Σ² 5.
        check(
            TransactionMetric::OrdersPerUnit,
            ExperimentMetric::Mean,
            "orders per unit",
            ExperimentArm {
                sum: Some(2.0),
                sum_squares: Some(2.0),
                ..arm("A", 3.0)
            },
            ExperimentArm {
                sum: Some(3.0),
                sum_squares: Some(5.0),
                ..arm("B", 4.0)
            },
        );
    }

    #[test]
    fn revenue_per_unit_matches_hand_counted_sums() {
        // A: [15, −4, 0] → Σ 11, Σ² 241; B: [45, 7, −3, 0] → Σ 49, Σ² 2083.
        check(
            TransactionMetric::RevenuePerUnit,
            ExperimentMetric::Mean,
            "revenue per unit",
            ExperimentArm {
                sum: Some(11.0),
                sum_squares: Some(241.0),
                ..arm("A", 3.0)
            },
            ExperimentArm {
                sum: Some(49.0),
                sum_squares: Some(2083.0),
                ..arm("B", 4.0)
            },
        );
    }

    #[test]
    fn aov_matches_hand_counted_sums() {
        // Revenue over orders. A: num [15, −4, 0], den [1, 1, 0]: Σ 11, Σ² 241, Σd 2, Σd² 2,
        // Σ num·den 15 − 4 = 11. B: num [45, 7, −3, 0], den [2, 1, 0, 0]: Σ 49, Σ² 2083, Σd 3,
        // Σd² 5, Σ num·den 90 + 7 = 97.
        let ratio = |name: &str, n, s, ss, d, dd, c| ExperimentArm {
            numerator_sum: Some(s),
            numerator_sum_squares: Some(ss),
            denominator_sum: Some(d),
            denominator_sum_squares: Some(dd),
            cross_sum: Some(c),
            ..arm(name, n)
        };
        check(
            TransactionMetric::Aov,
            ExperimentMetric::Ratio,
            "the average order value",
            ratio("A", 3.0, 11.0, 241.0, 2.0, 2.0, 11.0),
            ratio("B", 4.0, 49.0, 2083.0, 3.0, 5.0, 97.0),
        );
    }

    #[test]
    fn without_order_ids_every_purchase_row_is_an_order() {
        // Unit 1's two rows of order 101 are two orders: A orders [2, 1, 0] → Σ 3, Σ² 5.
        let arm_text = arms();
        let assignments = Assignments {
            unit_id: IdColumn::Numeric(&UNITS),
            arm: ArmColumn::Text(&arm_text),
            arm_names: None,
            assigned_at: &ASSIGNED,
        };
        let got = experiment_on_transactions(
            &assignments,
            &table(false),
            &opts(TransactionMetric::OrdersPerUnit),
        )
        .unwrap();
        assert_eq!(got.arms[0].mean, 1.0);
        assert_eq!(got.arms[1].mean, 0.75);
    }

    #[test]
    fn codes_and_text_ids_give_the_same_result() {
        let arm_text = arms();
        let by_text = experiment_on_transactions(
            &Assignments {
                unit_id: IdColumn::Numeric(&UNITS),
                arm: ArmColumn::Text(&arm_text),
                arm_names: None,
                assigned_at: &ASSIGNED,
            },
            &table(true),
            &opts(TransactionMetric::RevenuePerUnit),
        )
        .unwrap();
        let ids: Vec<String> = UNITS.iter().map(|u| u.to_string()).collect();
        let names = vec!["A".to_string(), "B".to_string()];
        let codes: [u8; 8] = [0, 0, 0, 1, 1, 1, 1, 1];
        let by_codes = experiment_on_transactions(
            &Assignments {
                unit_id: IdColumn::Text(&ids),
                arm: ArmColumn::Codes8(&codes),
                arm_names: Some(&names),
                assigned_at: &ASSIGNED,
            },
            &table(true),
            &opts(TransactionMetric::RevenuePerUnit),
        )
        .unwrap();
        assert_eq!(by_text, by_codes);
    }

    #[test]
    fn numeric_unit_ids_match_text_customer_ids() {
        // The table with customer ids as text ("1", "2", …): numeric unit ids find them by their
        // decimal text, so the result is that of the numeric table.
        let arm_text = arms();
        let assignments = Assignments {
            unit_id: IdColumn::Numeric(&UNITS),
            arm: ArmColumn::Text(&arm_text),
            arm_names: None,
            assigned_at: &ASSIGNED,
        };
        let o = opts(TransactionMetric::RevenuePerUnit);
        let numeric = experiment_on_transactions(&assignments, &table(true), &o).unwrap();
        let text = experiment_on_transactions(&assignments, &table_with(true, true), &o).unwrap();
        assert_eq!(numeric, text);
        // "01" is not customer 1: unit 1 then has no transactions (A: [0, −4, 0]).
        let ids: Vec<String> = ["01", "2", "3", "4", "5", "6", "7", "8"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let padded = Assignments {
            unit_id: IdColumn::Text(&ids),
            ..assignments
        };
        let r = experiment_on_transactions(&padded, &table(true), &o).unwrap();
        assert_eq!(r.arms[0].mean, -4.0 / 3.0);
    }

    #[test]
    fn bad_assignments_are_coded_errors_naming_column_and_row() {
        let tx = table(true);
        let names = vec!["A".to_string(), "B".to_string()];
        let run = |ids: &[u32], codes: &[u8], at: &[f64], o: ExperimentOnTransactionsOptions| {
            experiment_on_transactions(
                &Assignments {
                    unit_id: IdColumn::Numeric(ids),
                    arm: ArmColumn::Codes8(codes),
                    arm_names: Some(&names),
                    assigned_at: at,
                },
                &tx,
                &o,
            )
            .unwrap_err()
        };
        let o = || opts(TransactionMetric::Conversion);
        let e = run(&[1, 2, 1], &[0, 1, 0], &[0.0; 3], o());
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_OUT_OF_RANGE", Some("unitId"), Some(3))
        );
        let e = run(&[1, 2, 3], &[0, 2, 0], &[0.0; 3], o());
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_OUT_OF_RANGE", Some("arm"), Some(2))
        );
        let e = run(&[1, 2, 3], &[0, 1], &[0.0; 3], o());
        assert_eq!((e.code(), e.column()), ("E_LENGTH_MISMATCH", Some("arm")));
        let e = run(&[1, 2, 3], &[0, 1, 0], &[0.0; 2], o());
        assert_eq!(
            (e.code(), e.column()),
            ("E_LENGTH_MISMATCH", Some("assignedAt"))
        );
        let e = run(&[1, 2, 3], &[0, 1, 0], &[0.0, f64::NAN, 0.0], o());
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_NON_FINITE", Some("assignedAt"), Some(2))
        );
        let e = run(&[], &[], &[], o());
        assert_eq!(e.code(), "E_EMPTY");
        let e = run(&[1, 2], &[0, 1], &[0.0; 2], Default::default());
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metric")));
        for w in [0.0, 1.5, 3651.0, f64::NAN] {
            let e = run(
                &[1, 2],
                &[0, 1],
                &[0.0; 2],
                ExperimentOnTransactionsOptions {
                    window_days: w,
                    ..o()
                },
            );
            assert_eq!(
                (e.code(), e.column()),
                ("E_BAD_OPTION", Some("windowDays")),
                "{w}"
            );
        }
        // Every window ends after the last transaction (3D + 10).
        let e = run(&[1, 4], &[0, 1], &[2.0 * D, 2.0 * D], o());
        assert_eq!(e.code(), "E_INSUFFICIENT_DATA");
    }
}
