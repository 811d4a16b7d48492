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
            cutoff: ms("2024-03-31"),
            horizon_days: 90,
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
            cutoff: ms("2024-03-31"),
            horizon_days: 200,
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
        cutoff,
        horizon_days: 60,
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
