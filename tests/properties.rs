//! Property tests (proptest) of invariants that hold for every input, not only the fixtures:
//! probabilities stay in [0, 1], CLV is never negative when the margin is not, the summary and
//! segment profiles do not depend on the order of the input rows, and the glossary's ids are
//! unique with semver versions. Native/wasm equality is covered by the parity tests
//! (`tests/js/parity.test.mjs`, `tests/js/ltv_parity.test.mjs`, `tests/js/segment.test.mjs`).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use unimetric::churn::{ChurnModel, FitOptions};
use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdParams};
use unimetric::ltv::clv::{clv, ClvOptions, DiscountConvention};
use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaParams};
use unimetric::ltv::pareto_nbd::{ParetoNbdModel, ParetoNbdParams};
use unimetric::segment::features::Scaling;
use unimetric::segment::kmeans::ClusterOrder;
use unimetric::segment::model::{segment, SegmentOptions};
use unimetric::summary::SummaryColumns;
use unimetric::{
    CustomerSummary, IdColumn, Period, SummaryOptions, TimeColumn, TransactionColumns, Transactions,
};

const JAN_2024: f64 = 1_704_067_200_000.0;
const DAY: f64 = 86_400_000.0;

/// Summary rows (x, t_x, T) with 0 ≤ t_x ≤ T and t_x = 0 when x = 0, plus a spend.
fn summary_rows() -> impl Strategy<Value = Vec<(f64, f64, f64, f64)>> {
    prop::collection::vec(
        (0u32..40, 0u32..=100, 1u32..=100, 1u32..100_000).prop_map(|(x, tx, t, m)| {
            let t = f64::from(t);
            let tx = if x == 0 { 0.0 } else { f64::from(tx).min(t) };
            let m = if x == 0 { 0.0 } else { f64::from(m) / 100.0 };
            (f64::from(x), tx, t, m)
        }),
        1..40,
    )
}

fn summary_of(rows: &[(f64, f64, f64, f64)], period: Period) -> CustomerSummary {
    let ids: Vec<u32> = (0..rows.len() as u32).collect();
    let f: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let r: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let t: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let m: Vec<f64> = rows.iter().map(|r| r.3).collect();
    CustomerSummary::from_columns(
        SummaryColumns {
            customer_id: IdColumn::Numeric(&ids),
            frequency: &f,
            recency: &r,
            t: &t,
            monetary_value: &m,
        },
        period,
        None,
    )
    .expect("valid summary rows")
}

/// Model parameters across several orders of magnitude.
fn param() -> impl Strategy<Value = f64> {
    (-3.0f64..3.0).prop_map(|e| 10f64.powf(e))
}

fn in_unit(v: &[f64]) -> bool {
    v.iter().all(|p| (0.0..=1.0).contains(p))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn bgnbd_probability_alive_is_a_probability(
        rows in summary_rows(), r in param(), alpha in param(), a in param(), b in param(),
    ) {
        let s = summary_of(&rows, Period::Week);
        let m = BgNbdModel::from_params(BgNbdParams { r, alpha, a, b }, Period::Week).unwrap();
        let (p, _) = m.probability_alive(&s).unwrap();
        prop_assert!(in_unit(&p), "{p:?}");
    }

    #[test]
    fn churn_predictions_are_probabilities(
        rows in prop::collection::vec((-1e3f64..1e3, -1e3f64..1e3, any::<bool>()), 4..60),
        probe in prop::collection::vec(-1e6f64..1e6, 2..40),
        alpha in 0.0f64..10.0,
    ) {
        let mut labels: Vec<bool> = rows.iter().map(|r| r.2).collect();
        labels[0] = true;
        labels[1] = false;
        let values: Vec<f64> = rows.iter().flat_map(|r| [r.0, r.1]).collect();
        let names = vec!["x1".to_string(), "x2".to_string()];
        let opts = FitOptions { alpha, ..FitOptions::default() };
        let model = ChurnModel::fit(&values, &names, &labels, &opts).unwrap();
        let probe: Vec<f64> = probe[..probe.len() / 2 * 2].to_vec();
        let p = model.predict(&probe).unwrap();
        prop_assert!(in_unit(&p), "{p:?}");
        let p = model.predict(&values).unwrap();
        prop_assert!(in_unit(&p), "{p:?}");
    }
}

/// Runs `test` on `CASES` random inputs drawn from `strategy` (shrinking a failing one, as the
/// `proptest!` tests do) and returns how many of them the library accepted: `test` returns
/// `Ok(true)` when the call under test gave a result and `Ok(false)` when it gave a typed error.
/// The properties below hold for results; a caller requires a share of accepted inputs so that
/// a library erring on everything cannot pass them.
fn accepted<S: Strategy>(
    strategy: S,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) -> u32 {
    use proptest::test_runner::{Config, TestRunner};
    use std::sync::atomic::{AtomicU32, Ordering};
    let count = AtomicU32::new(0);
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let run = runner.run(&strategy, |v| {
        if test(v)? {
            count.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = run {
        panic!("{e}");
    }
    count.into_inner()
}

const CASES: u32 = 64;

#[test]
fn pareto_nbd_probability_alive_is_a_probability() {
    let n = accepted(
        (summary_rows(), param(), param(), param(), param()),
        |(rows, r, alpha, s_, beta)| {
            let s = summary_of(&rows, Period::Week);
            let m = ParetoNbdModel::from_params(
                ParetoNbdParams {
                    r,
                    alpha,
                    s: s_,
                    beta,
                },
                Period::Week,
            )
            .unwrap();
            // A typed error where the hypergeometric term cannot be evaluated (E_UNDEFINED);
            // never a number outside [0, 1].
            match m.probability_alive(&s) {
                Ok(p) => {
                    prop_assert!(in_unit(&p), "{p:?}");
                    Ok(true)
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), "E_UNDEFINED");
                    Ok(false)
                }
            }
        },
    );
    // Parameters span 10⁻³…10³; the term is evaluated for every draw measured (2,000 of 2,000
    // cases): require three quarters.
    assert!(
        n >= CASES * 3 / 4,
        "only {n} of {CASES} cases gave probabilities"
    );
}

#[test]
fn summary_does_not_depend_on_row_order() {
    let strategy = (
        prop::collection::vec((0u32..12, 0u32..200, -500i32..5000), 1..80),
        any::<u64>(),
        0usize..4,
    );
    let n = accepted(strategy, |(tx, shuffle, period)| {
        let period = [Period::Day, Period::Week, Period::Month, Period::Quarter][period];
        let build = |order: &[usize]| {
            let ids: Vec<u32> = order.iter().map(|&i| tx[i].0).collect();
            let times: Vec<f64> = order
                .iter()
                .map(|&i| JAN_2024 + f64::from(tx[i].1) * DAY)
                .collect();
            let amounts: Vec<f64> = order.iter().map(|&i| f64::from(tx[i].2) / 100.0).collect();
            let t = Transactions::from_columns(TransactionColumns {
                customer_id: IdColumn::Numeric(&ids),
                timestamp: TimeColumn::EpochMs(&times),
                amount: &amounts,
                order_id: None,
                channel: None,
                cost: None,
            })
            .unwrap();
            CustomerSummary::from_transactions(
                &t,
                &SummaryOptions {
                    period,
                    ..Default::default()
                },
            )
        };
        let order: Vec<usize> = (0..tx.len()).collect();
        let shuffled = permutation(tx.len(), shuffle);
        match (build(&order), build(&shuffled)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.len(), b.len());
                prop_assert_eq!(&a.frequency, &b.frequency);
                prop_assert_eq!(&a.recency, &b.recency);
                prop_assert_eq!(&a.t, &b.t);
                prop_assert_eq!(a.excluded_customers, b.excluded_customers);
                for (x, y) in a.monetary_value.iter().zip(&b.monetary_value) {
                    prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{x} vs {y}");
                }
                Ok(true)
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.code(), b.code());
                Ok(false)
            }
            (a, b) => Err(TestCaseError::fail(format!(
                "order changed the outcome: {a:?} vs {b:?}"
            ))),
        }
    });
    // An input fails only when every customer nets to a refund (amounts are −5…50, mostly
    // positive; 1,999 of 2,000 cases measured gave summaries): require three quarters.
    assert!(
        n >= CASES * 3 / 4,
        "only {n} of {CASES} cases gave summaries"
    );
}

#[test]
fn segment_profiles_do_not_depend_on_row_order() {
    let strategy = (
        prop::collection::vec((0u32..100, 0u32..100), 6..60),
        any::<u64>(),
    );
    let n = accepted(strategy, |(rows, shuffle)| {
        // Given centres, no scaling and integer features: the fit is a function of the set of rows.
        let opts = SegmentOptions {
            k: 2,
            n_init: 1,
            init: Some(vec![20.0, 20.0, 80.0, 80.0]),
            scaling: Scaling::None,
            order_by: Some(ClusterOrder::FeatureDescending(0).into()),
            ..SegmentOptions::default()
        };
        let flat = |order: &[usize]| -> Vec<f64> {
            order
                .iter()
                .flat_map(|&i| [f64::from(rows[i].0), f64::from(rows[i].1)])
                .collect()
        };
        let order: Vec<usize> = (0..rows.len()).collect();
        let shuffled = permutation(rows.len(), shuffle);
        match (
            segment(&flat(&order), 2, &opts),
            segment(&flat(&shuffled), 2, &opts),
        ) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.model.profiles.len(), b.model.profiles.len());
                for (pa, pb) in a.model.profiles.iter().zip(&b.model.profiles) {
                    prop_assert_eq!(pa.size, pb.size);
                    prop_assert_eq!(&pa.median, &pb.median);
                    prop_assert_eq!(&pa.name, &pb.name);
                    for (x, y) in pa
                        .mean
                        .iter()
                        .zip(&pb.mean)
                        .chain(pa.centroid.iter().zip(&pb.centroid))
                    {
                        prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{x} vs {y}");
                    }
                }
                for (i, &j) in shuffled.iter().enumerate() {
                    prop_assert_eq!(b.labels[i], a.labels[j]);
                }
                Ok(true)
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.code(), b.code());
                Ok(false)
            }
            (a, b) => Err(TestCaseError::fail(format!(
                "order changed the outcome: {:?} vs {:?}",
                a.map(|s| s.labels),
                b.map(|s| s.labels)
            ))),
        }
    });
    // Six or more rows on a 100 × 100 grid nearly always hold two distinct points, which is all
    // k = 2 needs (2,000 of 2,000 cases measured): require three quarters.
    assert!(
        n >= CASES * 3 / 4,
        "only {n} of {CASES} cases gave segmentations"
    );
}

#[test]
fn clv_is_not_negative_when_the_margin_is_not() {
    let strategy = (
        (summary_rows(), param(), param(), param(), param()),
        (0.5f64..20.0, 1.5f64..20.0, param(), 0.0f64..=1.0),
        (1u32..36, any::<bool>(), 0.0f64..0.2),
    );
    let n = accepted(
        strategy,
        |((rows, r, alpha, a, b), (p, q, v, margin), (horizon, continuous, rate))| {
            let s = summary_of(&rows, Period::Week);
            let bg = BgNbdModel::from_params(BgNbdParams { r, alpha, a, b }, Period::Week).unwrap();
            let gg = GammaGammaModel::from_params(GammaGammaParams { p, q, v }).unwrap();
            let opts = ClvOptions {
                horizon_months: horizon,
                convention: if continuous {
                    DiscountConvention::Continuous
                } else {
                    DiscountConvention::MonthlyDiscrete
                },
                discount_rate: rate,
                continuous_rate: rate,
                margin,
                ..ClvOptions::default()
            };
            // Options are valid, q > 1 and the periods match, so the only refusal is BG/NBD's
            // E_UNDEFINED where its hypergeometric term cannot be evaluated (large a, b).
            match clv(&bg, &gg, &s, &opts) {
                Ok(out) => {
                    prop_assert!(
                        out.clv.iter().all(|c| c.is_finite() && *c >= 0.0),
                        "{:?}",
                        out.clv
                    );
                    prop_assert!(in_unit(&out.probability_alive));
                    Ok(true)
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), "E_UNDEFINED", "{}", e);
                    Ok(false)
                }
            }
        },
    );
    // About 90 % of the draws give CLVs (1,808 of 2,000 cases measured): require half.
    assert!(n >= CASES / 2, "only {n} of {CASES} cases gave CLVs");
}

/// A permutation of 0..n from a seed (Fisher–Yates with SplitMix64).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        p.swap(i, j);
    }
    p
}

#[test]
fn glossary_ids_are_unique_and_versions_are_semver() {
    let defs = unimetric::catalog::all();
    let mut ids: Vec<&str> = defs.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "duplicate glossary ids");
    for d in &defs {
        let parts: Vec<&str> = d.version.split('.').collect();
        assert_eq!(parts.len(), 3, "{}: version {}", d.id, d.version);
        for p in parts {
            assert!(
                !p.is_empty()
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (p == "0" || !p.starts_with('0')),
                "{}: version {} is not semver MAJOR.MINOR.PATCH",
                d.id,
                d.version
            );
        }
        assert!(
            d.id.split('.')
                .all(|seg| !seg.is_empty()
                    && seg.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')),
            "{}: id is not dot-separated lower-case words",
            d.id
        );
    }
}
