//! Churn: features against a hand count, no leakage, logistic fits against independent
//! solutions (parameter recovery on simulated data; Newton's method written here), AUC against a
//! brute-force pairwise count, and the evaluation formulas on a small hand example.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use unimetric::churn::{
    auc, churn_features, evaluate, ChurnModel, FeatureOptions, FitOptions, FEATURE_NAMES,
};
use unimetric::{ColumnMapping, Transactions};

fn ms(s: &str) -> i64 {
    unimetric::data::dates::parse_date_text(s, "t", 0).unwrap()
}

fn tx(csv: &str) -> Transactions {
    Transactions::from_csv(csv.as_bytes(), &ColumnMapping::new("c", "d", "a")).unwrap()
}

// Customer a buys on 2024-01-01 (10), 2024-02-01 (20, plus a 5 refund the same day),
// 2024-03-02 (30) and 2024-06-10 (after the cutoff). b buys on 2024-03-01 only.
// Cutoff 2024-03-31 (day index D). By hand, for a:
//   purchase days Jan 1, Feb 1, Mar 2 → frequency 2; recency = Mar 31 − Mar 2 = 29;
//   tenure = Mar 31 − Jan 1 = 90; monetary = 10 + 15 + 30 = 55; orders = 3 (the refund row is
//   not an order) → AOV 55/3; gaps 31 and 30 → mean 30.5, sample sd √0.5;
//   recencyToGap = 29/30.5; purchases in (D−30, D] = 1 (Mar 2), in (D−90, D] = 2 (Feb 1, Mar 2;
//   Jan 1 is exactly 90 days before, outside); in (D−180, D−90] = 1 (Jan 1) → trend 1.
//   Horizon 90 days: (Mar 31, Jun 29] holds Jun 10 → not churned.
// For b: frequency 0, recency 30, tenure 30, monetary 7, mean gap = tenure 30, sd 0,
//   recencyToGap 1, purchases30 = 0 (Mar 1 is exactly 30 days before), purchases90 1, trend 1;
//   no purchase after → churned.
const FIXTURE: &str = "c,d,a\na,2024-01-01,10\na,2024-02-01,20\na,2024-02-01T18:00,-5\na,2024-03-02,30\na,2024-06-10,40\nb,2024-03-01,7\nz,2024-07-15,1\n";

#[test]
fn features_match_hand_count() {
    let t = churn_features(
        &tx(FIXTURE),
        &FeatureOptions {
            cutoff: unimetric::data::When::Instant(ms("2024-03-31")),
            horizon_days: 90,
            timezone: None,
        },
    )
    .unwrap();
    assert_eq!(t.customer_id, vec!["a", "b"]);
    assert_eq!(t.names, FEATURE_NAMES.map(String::from).to_vec());
    let a = &t.values[..11];
    let expected_a = [
        29.0,
        2.0,
        55.0,
        90.0,
        55.0 / 3.0,
        30.5,
        0.5f64.sqrt(),
        29.0 / 30.5,
        1.0,
        2.0,
        1.0,
    ];
    for (j, (x, e)) in a.iter().zip(expected_a).enumerate() {
        assert!(
            (x - e).abs() < 1e-12,
            "a.{} = {x}, expected {e}",
            FEATURE_NAMES[j]
        );
    }
    assert_eq!(
        &t.values[11..],
        &[30.0, 0.0, 7.0, 30.0, 7.0, 30.0, 0.0, 1.0, 0.0, 1.0, 1.0]
    );
    assert_eq!(t.labels, Some(vec![false, true]));
    assert_eq!(t.churn_rate(), Some(0.5));
    // The data end (Jul 15) is before Mar 31 + 200 days: labels are not observable.
    let t = churn_features(
        &tx(FIXTURE),
        &FeatureOptions {
            cutoff: unimetric::data::When::Instant(ms("2024-03-31")),
            horizon_days: 200,
            timezone: None,
        },
    )
    .unwrap();
    assert_eq!(t.labels, None);
}

#[test]
fn features_do_not_leak() {
    let d = unimetric::sim::simulate(
        &unimetric::sim::SimParams {
            customers: 500,
            ..Default::default()
        },
        3,
    );
    let cutoff = ms("2025-01-15");
    let all: String = std::iter::once("c,d,a\n".to_string())
        .chain(
            d.transactions
                .iter()
                .map(|t| format!("{},{},{}\n", t.customer, t.ms, t.amount)),
        )
        .collect();
    let before: String = std::iter::once("c,d,a\n".to_string())
        .chain(
            d.transactions
                .iter()
                .filter(|t| {
                    unimetric::Period::Day.index(t.ms) <= unimetric::Period::Day.index(cutoff)
                })
                .map(|t| format!("{},{},{}\n", t.customer, t.ms, t.amount)),
        )
        .collect();
    let opts = FeatureOptions {
        horizon_days: 60,
        ..FeatureOptions::new(cutoff)
    };
    let a = churn_features(&tx(&all), &opts).unwrap();
    let b = churn_features(&tx(&before), &opts).unwrap();
    assert_eq!(a.customer_id, b.customer_id);
    assert_eq!(a.values, b.values);
    assert!(a.labels.is_some() && b.labels.is_none());
}

fn simulate_logistic(n: usize, w: &[f64], b: f64, seed: u64) -> (Vec<f64>, Vec<bool>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n * w.len());
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = w.iter().map(|_| StandardNormal.sample(&mut rng)).collect();
        let z = b + row.iter().zip(w).map(|(a, c)| a * c).sum::<f64>();
        y.push(rng.gen::<f64>() < 1.0 / (1.0 + (-z).exp()));
        x.extend(row);
    }
    (x, y)
}

/// Coefficients on the original scale: w_j = coef_j / sd_j, b = intercept − Σ coef_j mean_j / sd_j.
fn original_scale(m: &ChurnModel) -> (Vec<f64>, f64) {
    let w: Vec<f64> = m
        .coefficients
        .iter()
        .zip(&m.sd)
        .map(|(c, s)| c / s)
        .collect();
    let b = m.intercept - w.iter().zip(&m.mean).map(|(w, mu)| w * mu).sum::<f64>();
    (w, b)
}

#[test]
fn recovers_known_logistic_parameters() {
    let truth = [1.5, -1.0, 0.5];
    let (x, y) = simulate_logistic(40_000, &truth, -0.5, 42);
    let names: Vec<String> = ["x1", "x2", "x3"].map(String::from).to_vec();
    let m = ChurnModel::fit(
        &x,
        &names,
        &y,
        &FitOptions {
            alpha: 0.0,
            max_iterations: 500,
            gradient_tolerance: 1e-6,
            ..Default::default()
        },
    )
    .unwrap();
    let (w, b) = original_scale(&m);
    for (est, tru) in w.iter().zip(truth) {
        assert!((est - tru).abs() < 0.06, "{w:?} vs {truth:?}");
    }
    assert!((b + 0.5).abs() < 0.06, "intercept {b}");
}

#[test]
#[allow(clippy::needless_range_loop)] // index notation mirrors the linear algebra
fn unpenalised_fit_matches_newtons_method() {
    let (x, y) = simulate_logistic(300, &[0.8, -0.4], 0.3, 7);
    let names: Vec<String> = ["u", "v"].map(String::from).to_vec();
    let m = ChurnModel::fit(
        &x,
        &names,
        &y,
        &FitOptions {
            alpha: 0.0,
            max_iterations: 1000,
            gradient_tolerance: 1e-9,
            ..Default::default()
        },
    )
    .unwrap();
    let (w, b) = original_scale(&m);
    // Newton's method on the raw features with an intercept column, written out here.
    let mut beta = [0.0f64; 3];
    for _ in 0..50 {
        let mut g = [0.0; 3];
        let mut h = [[0.0; 3]; 3];
        for (row, &yi) in x.chunks_exact(2).zip(&y) {
            let xi = [1.0, row[0], row[1]];
            let z: f64 = xi.iter().zip(&beta).map(|(a, c)| a * c).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = if yi { 1.0 } else { 0.0 } - p;
            for i in 0..3 {
                g[i] += r * xi[i];
                for j in 0..3 {
                    h[i][j] += p * (1.0 - p) * xi[i] * xi[j];
                }
            }
        }
        // Solve h · step = g by Gaussian elimination.
        let mut a = [[0.0; 4]; 3];
        for i in 0..3 {
            a[i][..3].copy_from_slice(&h[i]);
            a[i][3] = g[i];
        }
        for col in 0..3 {
            let piv = (col..3)
                .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
                .unwrap();
            a.swap(col, piv);
            for r in 0..3 {
                if r != col {
                    let f = a[r][col] / a[col][col];
                    for c in col..4 {
                        a[r][c] -= f * a[col][c];
                    }
                }
            }
        }
        for i in 0..3 {
            beta[i] += a[i][3] / a[i][i];
        }
    }
    assert!(
        (b - beta[0]).abs() < 1e-5,
        "intercept {b} vs Newton {}",
        beta[0]
    );
    assert!(
        (w[0] - beta[1]).abs() < 1e-5 && (w[1] - beta[2]).abs() < 1e-5,
        "{w:?} vs Newton {beta:?}"
    );
}

#[test]
fn auc_equals_brute_force_pair_count() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let n = 400;
    // Scores rounded to one decimal so that ties occur.
    let scores: Vec<f64> = (0..n)
        .map(|_| (rng.gen::<f64>() * 10.0).round() / 10.0)
        .collect();
    let labels: Vec<bool> = scores.iter().map(|&s| rng.gen::<f64>() < s).collect();
    let (mut wins, mut pairs) = (0.0, 0.0);
    for i in 0..n {
        for j in 0..n {
            if labels[i] && !labels[j] {
                pairs += 1.0;
                if scores[i] > scores[j] {
                    wins += 1.0;
                } else if scores[i] == scores[j] {
                    wins += 0.5;
                }
            }
        }
    }
    assert!((auc(&scores, &labels).unwrap() - wins / pairs).abs() < 1e-12);
    assert_eq!(auc(&scores, &vec![true; n]), None);
}

#[test]
fn evaluation_formulas_on_a_hand_example() {
    // p = [0.9, 0.2, 0.6, 0.4], y = [1, 0, 0, 1]:
    // AUC: churners {0.9, 0.4} vs non-churners {0.2, 0.6}: pairs (0.9>0.2, 0.9>0.6, 0.4>0.2, 0.4<0.6) → 3/4.
    // log-loss = −(ln .9 + ln .8 + ln .4 + ln .4)/4; Brier = (.01 + .04 + .36 + .36)/4 = 0.1925.
    let e = evaluate(&[0.9, 0.2, 0.6, 0.4], &[true, false, false, true]).unwrap();
    assert_eq!(e.auc, 0.75);
    let ll = -(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln() + 0.4f64.ln()) / 4.0;
    assert!((e.log_loss - ll).abs() < 1e-12);
    assert!((e.brier - 0.1925).abs() < 1e-12);
    assert_eq!(e.churn_rate, 0.5);
    assert_eq!(e.calibration[9].count, 1);
    assert_eq!(e.calibration[9].observed_rate, Some(1.0));
    assert_eq!(
        evaluate(&[1.5], &[true]).unwrap_err().code(),
        "E_OUT_OF_RANGE"
    );
}

#[test]
fn lift_table_on_a_hand_example() {
    // Twelve customers (score, churned): 0 (.95, 1), 1 (.10, 0), 2 (.80, 1), 3 (.80, 0),
    // 4 (.30, 0), 5 (.70, 1), 6 (.05, 1), 7 (.60, 0), 8 (.50, 1), 9 (.40, 0), 10 (.20, 0),
    // 11 (.15, 0). Churn rate 5/12.
    // By descending score, ties in input order (2 before 3):
    //   0 2 3 5 7 8 9 4 10 11 1 6, churned 1 1 0 1 0 1 0 0 0 0 0 1.
    // Decile d (1…10) holds positions ⌊(d−1)·12/10⌋ … ⌊d·12/10⌋ − 1:
    //   {0} {1} {2} {3} {4, 5} {6} {7} {8} {9} {10, 11}, sizes 1 1 1 1 2 1 1 1 1 2.
    // Churners 1 1 0 1 1 0 0 0 0 1; rate ÷ 5/12: 12/5 12/5 0 12/5 6/5 0 0 0 0 6/5.
    let scores = [
        0.95, 0.10, 0.80, 0.80, 0.30, 0.70, 0.05, 0.60, 0.50, 0.40, 0.20, 0.15,
    ];
    let labels = [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0].map(|y| y == 1);
    let e = evaluate(&scores, &labels).unwrap();
    assert!((e.churn_rate - 5.0 / 12.0).abs() < 1e-15);
    let got: Vec<(u32, usize, usize)> = e
        .lift
        .iter()
        .map(|d| (d.decile, d.customers, d.churners))
        .collect();
    let sizes = [1, 1, 1, 1, 2, 1, 1, 1, 1, 2];
    let churners = [1, 1, 0, 1, 1, 0, 0, 0, 0, 1];
    let want: Vec<(u32, usize, usize)> = (0..10)
        .map(|d| (d as u32 + 1, sizes[d], churners[d]))
        .collect();
    assert_eq!(got, want);
    let lift = [2.4, 2.4, 0.0, 2.4, 1.2, 0.0, 0.0, 0.0, 0.0, 1.2];
    let rate = [1.0, 1.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.5];
    for (d, (l, r)) in e.lift.iter().zip(lift.iter().zip(rate)) {
        assert!(
            (d.lift - l).abs() < 1e-12,
            "decile {}: lift {} vs {l}",
            d.decile,
            d.lift
        );
        assert!(
            (d.rate - r).abs() < 1e-15,
            "decile {}: rate {} vs {r}",
            d.decile,
            d.rate
        );
    }

    // Fewer than ten customers: deciles without a customer are left out. Four customers of the
    // example above (p = [0.9, 0.2, 0.6, 0.4], y = [1, 0, 0, 1]) by descending score:
    // 0.9 (1), 0.6 (0), 0.4 (1), 0.2 (0); decile d holds positions ⌊(d−1)·4/10⌋ … ⌊d·4/10⌋ − 1,
    // non-empty for d = 3, 5, 8, 10; churn rate 1/2, lifts 2, 0, 2, 0.
    let e = evaluate(&[0.9, 0.2, 0.6, 0.4], &[true, false, false, true]).unwrap();
    let got: Vec<(u32, usize, usize, f64)> = e
        .lift
        .iter()
        .map(|d| (d.decile, d.customers, d.churners, d.lift))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, 1, 1, 2.0),
            (5, 1, 0, 0.0),
            (8, 1, 1, 2.0),
            (10, 1, 0, 0.0)
        ]
    );
}

#[test]
fn model_checks_input_and_round_trips() {
    let names: Vec<String> = ["x"].map(String::from).to_vec();
    let e =
        ChurnModel::fit(&[1.0, 2.0], &names, &[true, true], &FitOptions::default()).unwrap_err();
    assert_eq!(e.code(), "E_INSUFFICIENT_DATA");
    let e = ChurnModel::fit(
        &[1.0, f64::NAN],
        &names,
        &[true, false],
        &FitOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_NON_FINITE", Some("x"), Some(2))
    );
    let e = ChurnModel::fit(
        &[1.0, 2.0],
        &names,
        &[true, false],
        &FitOptions {
            alpha: -1.0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    let (x, y) = simulate_logistic(200, &[1.0], 0.0, 1);
    let m = ChurnModel::fit(&x, &names, &y, &FitOptions::default()).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    let back: ChurnModel = serde_json::from_str(&json).unwrap();
    back.validate().unwrap();
    assert_eq!(
        back.predict(&[0.3, -1.0]).unwrap(),
        m.predict(&[0.3, -1.0]).unwrap()
    );
    let reasons = m.reasons(&[3.0], 3).unwrap();
    assert_eq!(reasons[0].len(), 1);
    assert_eq!(reasons[0][0].0, 0);
}

/// linfa-logistic minimises the same loss (Σ log-loss + α/2‖w‖², intercept unpenalised) with its
/// own code: on the same standardised data both reach the same coefficients.
#[test]
fn matches_linfa_logistic_on_the_same_loss() {
    use linfa::prelude::*;
    let (x, y) = simulate_logistic(5_000, &[0.7, -1.2, 0.3], 0.4, 21);
    let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let opts = FitOptions {
        alpha: 2.0,
        max_iterations: 1000,
        gradient_tolerance: 1e-9,
        ..Default::default()
    };
    let ours = ChurnModel::fit(&x, &names, &y, &opts).unwrap();
    assert!(ours.converged, "{} iterations", ours.iterations);
    let z: Vec<f64> = x
        .chunks_exact(3)
        .flat_map(|r| {
            r.iter()
                .zip(&ours.mean)
                .zip(&ours.sd)
                .map(|((v, m), s)| (v - m) / s)
        })
        .collect();
    let ds = Dataset::new(
        ndarray::Array2::from_shape_vec((5_000, 3), z).unwrap(),
        ndarray::Array1::from_vec(y.clone()),
    );
    let theirs = linfa_logistic::LogisticRegression::default()
        .alpha(2.0)
        .max_iterations(1000)
        .gradient_tolerance(1e-8)
        .fit(&ds)
        .unwrap();
    // linfa-logistic models its more frequent class: flip signs when that is `false`.
    let sign = if theirs.labels().pos.class { 1.0 } else { -1.0 };
    for (a, b) in ours.coefficients.iter().zip(theirs.params().iter()) {
        assert!(
            (a - sign * b).abs() < 1e-5,
            "{:?} vs {:?}",
            ours.coefficients,
            theirs.params()
        );
    }
    assert!((ours.intercept - sign * theirs.intercept()).abs() < 1e-5);
}

/// A class weight of w on churners gives the same loss as repeating every churner's row w times,
/// so both fits must agree.
#[test]
fn class_weights_equal_repeated_rows() {
    let (x, y) = simulate_logistic(2_000, &[1.0, -0.5], -1.5, 33);
    let names: Vec<String> = ["p", "q"].map(String::from).to_vec();
    let weighted = ChurnModel::fit(
        &x,
        &names,
        &y,
        &FitOptions {
            alpha: 0.0,
            gradient_tolerance: 1e-7,
            max_iterations: 1000,
            class_weights: unimetric::churn::ClassWeights::Explicit {
                churned: 3.0,
                retained: 1.0,
            },
        },
    )
    .unwrap();
    let (mut xr, mut yr) = (Vec::new(), Vec::new());
    for (row, &l) in x.chunks_exact(2).zip(&y) {
        for _ in 0..if l { 3 } else { 1 } {
            xr.extend_from_slice(row);
            yr.push(l);
        }
    }
    let repeated = ChurnModel::fit(
        &xr,
        &names,
        &yr,
        &FitOptions {
            alpha: 0.0,
            gradient_tolerance: 1e-7,
            max_iterations: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(weighted.converged && repeated.converged);
    // Compare on the original scale (the standardisation differs: the repeated rows move it).
    let (wa, ba) = original_scale(&weighted);
    let (wb, bb) = original_scale(&repeated);
    for (a, b) in wa.iter().zip(&wb) {
        assert!((a - b).abs() < 1e-6, "{wa:?} vs {wb:?}");
    }
    assert!((ba - bb).abs() < 1e-6, "{ba} vs {bb}");
    // Balanced weights raise the predicted churn rate of a minority class towards one half.
    let balanced = ChurnModel::fit(
        &x,
        &names,
        &y,
        &FitOptions {
            class_weights: unimetric::churn::ClassWeights::Balanced,
            ..Default::default()
        },
    )
    .unwrap();
    let plain = ChurnModel::fit(&x, &names, &y, &FitOptions::default()).unwrap();
    let mean = |m: &ChurnModel| m.predict(&x).unwrap().iter().sum::<f64>() / y.len() as f64;
    assert!(
        mean(&balanced) > mean(&plain) + 0.1,
        "{} vs {}",
        mean(&balanced),
        mean(&plain)
    );
    let e = ChurnModel::fit(
        &x,
        &names,
        &y,
        &FitOptions {
            class_weights: unimetric::churn::ClassWeights::Explicit {
                churned: 0.0,
                retained: 1.0,
            },
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
}

mod attributes_and_alive {
    use super::*;
    use unimetric::churn::alive::AliveChurnModel;
    use unimetric::churn::attributes::{
        encode, fit_encodings, CategoricalColumn, CustomerAttributes,
    };
    use unimetric::churn::{evaluate_time_split, SplitOptions};
    use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdParams};
    use unimetric::Period;

    fn table() -> unimetric::churn::FeatureTable {
        churn_features(
            &tx(FIXTURE),
            &FeatureOptions {
                cutoff: unimetric::data::When::Instant(ms("2024-03-31")),
                horizon_days: 90,
                timezone: None,
            },
        )
        .unwrap()
    }

    fn attrs(ids: &[&str], seats: &[f64], plan: &[Option<&str>]) -> CustomerAttributes {
        CustomerAttributes {
            customer_id: ids.iter().map(|s| s.to_string()).collect(),
            numeric: vec![("seats".into(), seats.to_vec())],
            categorical: vec![(
                "plan".into(),
                plan.iter().map(|p| p.map(String::from)).collect(),
            )],
        }
    }

    #[test]
    fn attributes_join_on_customer_id() {
        // Attribute rows in another order, with a customer (x) the table does not have.
        let t = table()
            .with_attributes(&attrs(
                &["b", " a ", "x"],
                &[5.0, 2.0, 9.0],
                &[Some("basic"), Some("pro"), Some("team")],
            ))
            .unwrap();
        assert_eq!(t.names.len(), 12);
        assert_eq!(t.names[11], "seats");
        assert_eq!(t.values[11], 2.0); // a
        assert_eq!(t.values[23], 5.0); // b
        assert_eq!(t.values[12..23], table().values[11..22]);
        assert_eq!(t.categorical[0].name, "plan");
        assert_eq!(t.categorical[0].values, vec!["pro", "basic"]);

        // Customer b (row 2 of the feature table) has no attribute row.
        let e = table()
            .with_attributes(&attrs(&["a"], &[1.0], &[Some("pro")]))
            .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_MISSING_VALUE", Some("customerId"), Some(2))
        );
        let e = table()
            .with_attributes(&attrs(
                &["a", "b"],
                &[1.0, f64::NAN],
                &[Some("p"), Some("q")],
            ))
            .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_NON_FINITE", Some("seats"), Some(2))
        );
        let e = table()
            .with_attributes(&attrs(&["a", "b"], &[1.0, 2.0], &[None, Some("q")]))
            .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_MISSING_VALUE", Some("plan"), Some(1))
        );
        let e = table()
            .with_attributes(&attrs(&["a", "a"], &[1.0, 2.0], &[Some("p"), Some("q")]))
            .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_OUT_OF_RANGE", Some("customerId"), Some(2))
        );
        let mut clash = attrs(&["a", "b"], &[1.0, 2.0], &[Some("p"), Some("q")]);
        clash.numeric[0].0 = "frequency".into();
        assert_eq!(
            table().with_attributes(&clash).unwrap_err().code(),
            "E_BAD_OPTION"
        );
    }

    #[test]
    fn one_hot_matrix_by_hand() {
        // basic ×3 (reference), then pro ×2 and team ×2 by name, then enterprise ×1.
        let plan = CategoricalColumn {
            name: "plan".into(),
            values: [
                "pro",
                "basic",
                "basic",
                "team",
                "pro",
                "basic",
                "team",
                "enterprise",
            ]
            .map(String::from)
            .to_vec(),
        };
        let enc = fit_encodings(std::slice::from_ref(&plan));
        assert_eq!(enc[0].reference, "basic");
        assert_eq!(enc[0].levels, vec!["pro", "team", "enterprise"]);
        let names = vec!["x".to_string()];
        let x: Vec<f64> = (1..=8).map(f64::from).collect();
        let e = encode(&names, &x, &[plan], &enc).unwrap();
        assert_eq!(
            e.names,
            vec!["x", "plan=pro", "plan=team", "plan=enterprise"]
        );
        #[rustfmt::skip]
        let expected = vec![
            1.0, 1.0, 0.0, 0.0,
            2.0, 0.0, 0.0, 0.0,
            3.0, 0.0, 0.0, 0.0,
            4.0, 0.0, 1.0, 0.0,
            5.0, 1.0, 0.0, 0.0,
            6.0, 0.0, 0.0, 0.0,
            7.0, 0.0, 1.0, 0.0,
            8.0, 0.0, 0.0, 1.0,
        ];
        assert_eq!(e.values, expected);
        assert!(e.unseen.is_empty());
        // An unseen category is the reference row (all zeros) and is reported.
        let later = CategoricalColumn {
            name: "plan".into(),
            values: vec!["gold".into(), "team".into()],
        };
        let e = encode(&names, &[1.0, 2.0], &[later], &enc).unwrap();
        assert_eq!(e.values, vec![1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 1.0, 0.0]);
        assert_eq!(e.unseen.len(), 1);
        assert_eq!(
            (
                e.unseen[0].column.as_str(),
                e.unseen[0].row,
                e.unseen[0].value.as_str()
            ),
            ("plan", 1, "gold")
        );
        let e = encode(&names, &[1.0], &[], &enc).unwrap_err();
        assert_eq!(e.code(), "E_MISSING_COLUMN");
    }

    /// Simulated from P(churn) = σ(−1 + x + 1.5·[plan = pro] − [plan = team]), plan basic 50 %,
    /// pro 30 %, team 20 %: the fit recovers the coefficients of the indicators.
    #[test]
    fn categorical_coefficients_recovered_and_stored() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
        let n = 40_000;
        let (mut x, mut plan, mut y) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let v: f64 = StandardNormal.sample(&mut rng);
            let u: f64 = rng.gen();
            let p = if u < 0.5 {
                "basic"
            } else if u < 0.8 {
                "pro"
            } else {
                "team"
            };
            let z = -1.0
                + v
                + match p {
                    "pro" => 1.5,
                    "team" => -1.0,
                    _ => 0.0,
                };
            y.push(rng.gen::<f64>() < 1.0 / (1.0 + (-z).exp()));
            x.push(v);
            plan.push(p.to_string());
        }
        let plan = vec![CategoricalColumn {
            name: "plan".into(),
            values: plan,
        }];
        let names = vec!["x".to_string()];
        let fit = FitOptions {
            alpha: 0.0,
            max_iterations: 500,
            gradient_tolerance: 1e-8,
            ..Default::default()
        };
        let m = ChurnModel::fit_with_categories(&names, &x, &plan, &y, &fit).unwrap();
        assert_eq!(m.names, vec!["x", "plan=pro", "plan=team"]);
        assert_eq!(m.categories[0].reference, "basic");
        let (w, b) = original_scale(&m);
        for (got, want) in w.iter().zip([1.0, 1.5, -1.0]).chain([(&b, -1.0)]) {
            assert!((got - want).abs() < 0.08, "{w:?} {b}");
        }
        // JSON round trip keeps the categories.
        let json = serde_json::to_string(&m).unwrap();
        let back: ChurnModel = serde_json::from_str(&json).unwrap();
        back.validate().unwrap();
        assert_eq!(back, m);
        // Unseen "gold" scores exactly like the reference level "basic", and is reported.
        let row = |p: &str| {
            vec![CategoricalColumn {
                name: "plan".into(),
                values: vec![p.into()],
            }]
        };
        let gold = m.encode(&[0.3], &row("gold")).unwrap();
        let basic = m.encode(&[0.3], &row("basic")).unwrap();
        assert_eq!(
            m.predict(&gold.values).unwrap(),
            m.predict(&basic.values).unwrap()
        );
        assert_eq!((gold.unseen.len(), basic.unseen.len()), (1, 0));
        // A pro customer's reason is named "plan=pro": the sum of the indicator contributions.
        let reasons = m.reasons_with_categories(&[0.0], &row("pro"), 3).unwrap();
        let c = |j: usize, v: f64| m.coefficients[j] * (v - m.mean[j]) / m.sd[j];
        let want = c(1, 1.0) + c(2, 0.0);
        assert_eq!(reasons[0][0].0, "plan=pro");
        assert!((reasons[0][0].1 - want).abs() < 1e-12);
        // A model whose categories do not match its names is refused.
        let mut bad = m.clone();
        bad.categories[0].levels.pop();
        assert_eq!(bad.validate().unwrap_err().code(), "E_BAD_OPTION");
    }

    #[test]
    fn alive_score_by_hand() {
        let p = BgNbdParams {
            r: 0.25,
            alpha: 4.0,
            a: 0.8,
            b: 2.5,
        };
        let m =
            AliveChurnModel::from_bgnbd(BgNbdModel::from_params(p, Period::Day).unwrap()).unwrap();
        let t = table();
        let (score, flag) = m.predict_table(&t).unwrap();
        // a: x = 2, t_x = tenure − recency = 90 − 29 = 61, T = 90.
        let alive_a = 1.0 / (1.0 + 0.8 / (2.5 + 2.0 - 1.0) * (94.0f64 / 65.0).powf(2.25));
        assert!((score[0] - (1.0 - alive_a)).abs() < 1e-12, "{score:?}");
        // b: no repeat purchase → P(alive) = 1 by construction, score 0, flagged.
        assert_eq!((score[1], flag.clone()), (0.0, vec![false, true]));
        let weekly = BgNbdModel::from_params(p, Period::Week).unwrap();
        assert_eq!(
            AliveChurnModel::from_bgnbd(weekly).unwrap_err().code(),
            "E_BAD_OPTION"
        );
        let e = m.predict(&["x".to_string()], &[1.0]).unwrap_err();
        assert_eq!(e.code(), "E_MISSING_COLUMN");
    }

    /// On the sample data: the time split scores 1 − P(alive) beside the model and the baseline;
    /// its AUC equals a brute-force pair count over scores from the closed form written here.
    #[test]
    fn alive_in_time_split_matches_brute_force_auc() {
        let csv = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/www/data/transactions.csv"
        ))
        .unwrap();
        let tx = Transactions::from_csv(
            &csv,
            &ColumnMapping::new("customer_id", "order_date", "amount"),
        )
        .unwrap();
        let (models, e) = evaluate_time_split(
            &tx,
            &SplitOptions {
                horizon_days: 90,
                alive: true,
                ..SplitOptions::new(ms("2025-03-31"), ms("2025-06-30"))
            },
            None,
        )
        .unwrap();
        let alive = e.alive.unwrap();
        let test = churn_features(
            &tx,
            &FeatureOptions {
                cutoff: unimetric::data::When::Instant(ms("2025-06-30")),
                horizon_days: 90,
                timezone: None,
            },
        )
        .unwrap();
        let labels = test.labels.clone().unwrap();
        let p = models.alive.unwrap().bgnbd.params;
        let mut no_repeat = 0;
        let scores: Vec<f64> = test
            .values
            .chunks_exact(11)
            .map(|row| {
                let (x, t_x, t) = (row[1], row[3] - row[0], row[3]);
                if x == 0.0 {
                    no_repeat += 1;
                    return 0.0;
                }
                let odds = p.a / (p.b + x - 1.0) * ((p.alpha + t) / (p.alpha + t_x)).powf(p.r + x);
                1.0 - 1.0 / (1.0 + odds)
            })
            .collect();
        let (mut wins, mut pairs) = (0.0, 0.0);
        for i in 0..scores.len() {
            for j in 0..scores.len() {
                if labels[i] && !labels[j] {
                    pairs += 1.0;
                    if scores[i] > scores[j] {
                        wins += 1.0;
                    } else if (scores[i] - scores[j]).abs() < 1e-15 {
                        wins += 0.5;
                    }
                }
            }
        }
        assert!(
            (alive.auc - wins / pairs).abs() < 1e-9,
            "{} vs {}",
            alive.auc,
            wins / pairs
        );
        assert_eq!(e.alive_no_repeat_purchase, Some(no_repeat));
        let brier = scores
            .iter()
            .zip(&labels)
            .map(|(s, &l)| (s - f64::from(u8::from(l))).powi(2))
            .sum::<f64>()
            / scores.len() as f64;
        assert!((alive.brier - brier).abs() < 1e-12);
        assert_eq!(alive.customers, e.test_customers);
    }
}

/// A split cutoff outside the accepted years is `E_BAD_OPTION` naming the split's own option,
/// checked before any table is built.
#[test]
fn time_split_names_the_bad_cutoff() {
    use unimetric::churn::{evaluate_time_split, SplitOptions};
    let t = tx(FIXTURE);
    let split = |train_cutoff: i64, test_cutoff: i64| SplitOptions {
        horizon_days: 30,
        ..SplitOptions::new(train_cutoff, test_cutoff)
    };
    let too_early = unimetric::data::dates::MIN_MS - 1;
    let too_late = unimetric::data::dates::MAX_MS + 1;
    let e = evaluate_time_split(&t, &split(too_early, ms("2024-03-31")), None).unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("trainCutoff"))
    );
    let e = evaluate_time_split(&t, &split(ms("2024-03-31"), too_late), None).unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("testCutoff")));
}

/// The options read from their JSON form take the documented defaults (horizon 90 days, α 1,
/// 100 iterations, tolerance 1e-4, no class weights, no P(alive)), the class weights in their
/// option form, and refuse unknown keys and values outside the parameters' ranges.
#[test]
fn options_from_json_defaults_and_ranges() {
    use unimetric::churn::{ClassWeights, SplitOptions};
    let f: FeatureOptions = serde_json::from_str(r#"{ "cutoff": "2024-03-31" }"#).unwrap();
    assert_eq!(
        f,
        FeatureOptions {
            // A bare date: day 19,813 since 1970-01-01 (ms("2024-03-31") / 86,400,000).
            cutoff: unimetric::data::When::Date(ms("2024-03-31") / 86_400_000),
            horizon_days: 90,
            timezone: None,
        }
    );
    assert!(serde_json::from_str::<FeatureOptions>(r#"{ "horizonDays": 30 }"#).is_err());
    assert!(serde_json::from_str::<FeatureOptions>(r#"{ "cutoff": 0, "horizon": 30 }"#).is_err());
    let fit: FitOptions = serde_json::from_str("{}").unwrap();
    assert_eq!(
        (
            fit.alpha,
            fit.max_iterations,
            fit.gradient_tolerance,
            fit.class_weights
        ),
        (1.0, 100, 1e-4, ClassWeights::None)
    );
    let s: SplitOptions = serde_json::from_str(
        r#"{ "trainCutoff": "2024-01-31", "testCutoff": 1709164800000, "classWeights": "balanced" }"#,
    )
    .unwrap();
    assert_eq!(
        (s.train_cutoff, s.test_cutoff, s.horizon_days, s.alive),
        (
            unimetric::data::When::Date(ms("2024-01-31") / 86_400_000),
            unimetric::data::When::Instant(ms("2024-02-29")),
            90,
            false
        )
    );
    assert_eq!(s.fit().class_weights, ClassWeights::Balanced);
    let w: FitOptions =
        serde_json::from_str(r#"{ "classWeights": { "churned": 2, "retained": 0.5 } }"#).unwrap();
    assert_eq!(
        w.class_weights,
        ClassWeights::Explicit {
            churned: 2.0,
            retained: 0.5
        }
    );
    for bad in [
        r#"{ "classWeights": "equal" }"#,
        r#"{ "classWeights": { "churned": 2 } }"#,
        r#"{ "classWeights": { "churned": 2, "retained": 1, "other": 1 } }"#,
        r#"{ "alpha": "1" }"#,
    ] {
        assert!(serde_json::from_str::<FitOptions>(bad).is_err(), "{bad}");
    }
    // Ranges: the core checks them whoever builds the options.
    let (x, names) = (vec![0.0, 1.0, 2.0, 3.0], vec!["x".to_string()]);
    let y = [false, true, false, true];
    for (opts, option) in [
        (
            FitOptions {
                alpha: -1.0,
                ..Default::default()
            },
            "alpha",
        ),
        (
            FitOptions {
                max_iterations: 0,
                ..Default::default()
            },
            "maxIterations",
        ),
        (
            FitOptions {
                gradient_tolerance: 0.0,
                ..Default::default()
            },
            "gradientTolerance",
        ),
    ] {
        let e = ChurnModel::fit(&x, &names, &y, &opts).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some(option)));
    }
    let t = tx(FIXTURE);
    for h in [0, 3651] {
        let e = churn_features(
            &t,
            &FeatureOptions {
                horizon_days: h,
                ..FeatureOptions::new(ms("2024-03-31"))
            },
        )
        .unwrap_err();
        assert_eq!(
            (e.code(), e.column()),
            ("E_BAD_OPTION", Some("horizonDays"))
        );
    }
}

/// The JSON form of a feature table (the result of `churnFeatures`): the hand-counted fixture
/// with its column count, churn rate (b of a and b churned), labels as 0/1 and definition.
#[test]
fn feature_table_output_shape() {
    let t = churn_features(&tx(FIXTURE), &FeatureOptions::new(ms("2024-03-31"))).unwrap();
    let v = serde_json::to_value(t.output()).unwrap();
    assert_eq!(v["customerId"], serde_json::json!(["a", "b"]));
    assert_eq!(v["nCols"], 11);
    assert_eq!(v["labels"], serde_json::json!([0, 1]));
    assert_eq!(v["churnRate"], 0.5);
    assert_eq!(v["categorical"], serde_json::json!({}));
    assert_eq!(v["values"][0], 29.0);
    assert_eq!(v["horizonDays"], 90);
    assert_eq!(v["definition"]["metric"], "churn.features");
    assert_eq!(v["definition"]["params"]["horizonDays"], 90.0);
    let late = churn_features(
        &tx(FIXTURE),
        &FeatureOptions {
            horizon_days: 200,
            ..FeatureOptions::new(ms("2024-03-31"))
        },
    )
    .unwrap();
    let v = serde_json::to_value(late.output()).unwrap();
    assert!(v["labels"].is_null() && v["churnRate"].is_null());
}

/// Reasons by name: 3 by default, `n` checked as a whole number ≥ 0, the columns checked
/// against the model's; scores as `{ values, definition }`.
#[test]
fn reasons_and_scores_by_name() {
    let names = vec!["x1".to_string(), "x2".to_string()];
    let x = [0.0, 1.0, 1.0, 0.0, 2.0, 2.0, 3.0, 0.5, -1.0, 2.0, 0.5, -0.5];
    let y = [false, true, true, false, true, false];
    let m = ChurnModel::fit(&x, &names, &y, &FitOptions::default()).unwrap();
    let r = m.reasons_named(&names, &x, &[], None).unwrap();
    assert_eq!(r.len(), 6);
    assert!(r.iter().all(|row| row.len() <= 2));
    let by_hand = m.reasons(&x, 3).unwrap();
    for (got, want) in r.iter().zip(&by_hand) {
        let want: Vec<(String, f64)> = want.iter().map(|&(j, c)| (names[j].clone(), c)).collect();
        let got: Vec<(String, f64)> = got
            .iter()
            .map(|c| (c.feature.clone(), c.contribution))
            .collect();
        assert_eq!(got, want);
    }
    assert!(m
        .reasons_named(&names, &x, &[], Some(0.0))
        .unwrap()
        .iter()
        .all(|row| row.is_empty()));
    for n in [-1.0, 1.5, f64::NAN] {
        let e = m.reasons_named(&names, &x, &[], Some(n)).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("n")));
    }
    let other = vec!["x2".to_string(), "x1".to_string()];
    let e = m.predict_named(&other, x.to_vec(), &[]).unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("features.names"))
    );
    let p = m.predict_named(&names, x.to_vec(), &[]).unwrap();
    assert_eq!(p.values, m.predict(&x).unwrap());
    assert_eq!(p.definition, m.definition());
}
