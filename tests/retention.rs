//! Contractual retention (sBG, BdW) and the BG/BB model against published results, an
//! independent implementation and independent computations of the same definitions.
//!
//! Oracles:
//! - Fader & Hardie (2007), "How to project customer retention": survivors of the "Regular" and
//!   "High End" cohorts (years 0–12) and the sBG fits on years 0–7 (Regular α = 0.704,
//!   β = 1.182; High End α = 0.668, β = 3.806).
//! - Fader, Hardie & Shang (2010), BG/BB on the donations data (`tests/fixtures/donations.csv`,
//!   from lifetimes 0.11.3, see `tests/fixtures/SOURCES.md`): α = 1.204, β = 0.750, γ = 0.657,
//!   δ = 2.783, LL = −33,225.6.
//! - lifetimes 0.11.3 `BetaGeoBetaBinomFitter` at the published parameters
//!   (`tests/fixtures/peers/bgbb_lifetimes.json`, written by `bgbb_lifetimes.py` beside it).
//! - jdmaturen/shifted_beta_geometric_py (an independent Python sBG, README at commit 0cace72):
//!   fitted on the High End shares of years 1–7, its projected shares for years 8–12 are
//!   0.460, 0.436, 0.414, 0.395, 0.378 and its DERL at a 10 % discount rate for the survivors
//!   of year 7 is 7.530 (its `derl(α, β, d, n)` is ours with n renewals).
//! - Survival, retention rates and DERL summed directly in this file (products of the sBG
//!   retention rates, or libm's lgamma for the BdW), independently of the library's code path.

use unimetric::ltv::bgbb::{BgBbModel, BgBbOptions, BgBbParams};
use unimetric::ltv::retention::{
    ContractPeriod, RetentionKind, RetentionModel, RetentionOptions, RetentionParams, Survivors,
};

const REGULAR: [f64; 13] = [
    1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0, 223.0, 207.0, 194.0, 183.0, 173.0,
];
const HIGH_END: [f64; 13] = [
    1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0, 468.0, 445.0, 427.0, 409.0, 394.0,
];

/// `a` agrees with `b` to 3 significant figures (|a − b| ≤ half a unit of the third).
fn sig3(a: f64, b: f64) -> bool {
    let unit = 10f64.powf(b.abs().log10().floor() - 2.0);
    (a - b).abs() <= 0.5 * unit + 1e-12
}

fn sbg(alpha: f64, beta: f64) -> RetentionModel {
    RetentionModel::from_params(
        RetentionParams {
            alpha,
            beta,
            c: None,
        },
        ContractPeriod::Year,
    )
    .unwrap()
}

fn bdw(alpha: f64, beta: f64, c: f64) -> RetentionModel {
    RetentionModel::from_params(
        RetentionParams {
            alpha,
            beta,
            c: Some(c),
        },
        ContractPeriod::Year,
    )
    .unwrap()
}

/// sBG S(t) as the product of the retention rates (β + i − 1)/(α + β + i − 1), i = 1…t
/// (Fader & Hardie 2007, eq. 3–4).
fn sbg_survival_product(alpha: f64, beta: f64, t: u32) -> f64 {
    (1..=t)
        .map(|i| (beta + f64::from(i) - 1.0) / (alpha + beta + f64::from(i) - 1.0))
        .product()
}

/// BdW S(t) = B(α, β + t^c)/B(α, β) with libm's lgamma.
fn bdw_survival(alpha: f64, beta: f64, c: f64, t: f64) -> f64 {
    let lg = |x: f64| libm::lgamma(x);
    let u = beta + t.powf(c);
    (lg(u) - lg(alpha + u) - lg(beta) + lg(alpha + beta)).exp()
}

#[test]
fn sbg_matches_fader_hardie_2007_regular_and_high_end() {
    for (data, alpha, beta) in [(&REGULAR, 0.704, 1.182), (&HIGH_END, 0.668, 3.806)] {
        let m = RetentionModel::fit(&[&data[..8]], &RetentionOptions::default()).unwrap();
        assert!(m.converged);
        assert_eq!(m.model, RetentionKind::Sbg);
        assert!(sig3(m.params.alpha, alpha), "alpha {}", m.params.alpha);
        assert!(sig3(m.params.beta, beta), "beta {}", m.params.beta);
        assert_eq!(m.params.c, None);
        assert_eq!(m.cohorts, 1);
        assert_eq!(m.customers, 1000.0);
        assert_eq!(m.period, ContractPeriod::Year);
        assert!(m.std_errors.iter().all(|s| s.is_some_and(|v| v > 0.0)));
        // The projection of years 8–12 tracks the observed survivors (the paper's holdout):
        // within 6 % for both cohorts.
        for (t, &observed) in data.iter().enumerate().skip(8) {
            let projected = m.survival(t as f64).unwrap() * 1000.0;
            assert!(
                (projected - observed).abs() / observed < 0.06,
                "year {t}: projected {projected}, observed {observed}"
            );
        }
    }
}

#[test]
fn sbg_high_end_projection_and_derl_match_an_independent_implementation() {
    let m = RetentionModel::fit(&[&HIGH_END[..8]], &RetentionOptions::default()).unwrap();
    for (t, want) in (8..=12).zip([0.460, 0.436, 0.414, 0.395, 0.378]) {
        let s = m.survival(f64::from(t)).unwrap();
        assert!((s - want).abs() <= 0.0005, "year {t}: {s} vs {want}");
    }
    let derl = m.derl(0.10, 7.0).unwrap();
    assert!((derl - 7.530).abs() <= 0.0005, "{derl}");
}

#[test]
fn sbg_functions_match_the_paper_formulas_summed_directly() {
    let m = sbg(0.704, 1.182);
    for t in 1..=20u32 {
        let tf = f64::from(t);
        let s = sbg_survival_product(0.704, 1.182, t);
        let s_prev = sbg_survival_product(0.704, 1.182, t - 1);
        assert!((m.survival(tf).unwrap() - s).abs() < 1e-12);
        assert!(
            (m.retention_rate(tf).unwrap() - (1.182 + tf - 1.0) / (0.704 + 1.182 + tf - 1.0)).abs()
                < 1e-15
        );
        assert!((m.churn_probability(tf).unwrap() - (s_prev - s)).abs() < 1e-12);
    }
    assert_eq!(m.survival(0.0).unwrap(), 1.0);
    let curve = m.project_survivors(1000.0, 12.0).unwrap();
    assert_eq!(curve.len(), 13);
    assert!((curve[7] - 1000.0 * sbg_survival_product(0.704, 1.182, 7)).abs() < 1e-9);
}

#[test]
fn sbg_expected_lifetime_is_the_sum_of_survival_and_none_when_infinite() {
    assert_eq!(sbg(0.704, 1.182).expected_lifetime().unwrap(), None);
    assert_eq!(sbg(1.0, 3.0).expected_lifetime().unwrap(), None);
    // α = 3, β = 5: S(t) falls like t^-3, so 10^6 terms leave a tail below 1e-11.
    let (a, b) = (3.0, 5.0);
    let mut s = 1.0;
    let mut sum = 1.0;
    for i in 1..=1_000_000u32 {
        s *= (b + f64::from(i) - 1.0) / (a + b + f64::from(i) - 1.0);
        sum += s;
    }
    let e = sbg(a, b).expected_lifetime().unwrap().unwrap();
    assert!((e - sum).abs() < 1e-9, "{e} vs {sum}");
    assert!((e - 3.5).abs() < 1e-12); // (α + β − 1)/(α − 1) = 7/2
}

/// DERL(d | m) = Σₖ S(m + 1 + k)/S(m) / (1 + d)^k summed directly over 20,000 terms (the
/// rest is below (1 + d)^−20000); `survival` gives S(m), S(m + 1), … in turn.
fn derl_brute(mut survival: impl FnMut() -> f64, d: f64) -> f64 {
    let base = survival();
    let mut sum = 0.0;
    let mut disc = 1.0;
    for _ in 0..20_000 {
        sum += survival() / base * disc;
        disc /= 1.0 + d;
    }
    sum
}

/// The sBG S(m), S(m + 1), … as running products of the retention rates.
fn sbg_sequence(alpha: f64, beta: f64, m: u32) -> impl FnMut() -> f64 {
    let mut t = m;
    let mut s = sbg_survival_product(alpha, beta, m);
    let mut first = true;
    move || {
        if !first {
            t += 1;
            s *= (beta + f64::from(t) - 1.0) / (alpha + beta + f64::from(t) - 1.0);
        }
        first = false;
        s
    }
}

#[test]
fn derl_equals_the_discounted_survival_series() {
    for (a, b) in [(0.704, 1.182), (0.668, 3.806), (3.0, 5.0)] {
        let m = sbg(a, b);
        for d in [0.1, 0.05, 0.3] {
            for renewals in [0.0, 1.0, 4.0, 10.0] {
                let brute = derl_brute(sbg_sequence(a, b, renewals as u32), d);
                let v = m.derl(d, renewals).unwrap();
                assert!(
                    (v - brute).abs() < 1e-10,
                    "sBG({a},{b}) d={d} m={renewals}: {v} vs {brute}"
                );
            }
        }
    }
    for (a, b, c) in [(0.7, 1.2, 0.6), (1.5, 2.0, 1.3)] {
        let m = bdw(a, b, c);
        for d in [0.1, 0.25] {
            for renewals in [0.0, 3.0] {
                let mut t = renewals;
                let brute = derl_brute(
                    || {
                        t += 1.0;
                        bdw_survival(a, b, c, t - 1.0)
                    },
                    d,
                );
                let v = m.derl(d, renewals).unwrap();
                assert!(
                    (v - brute).abs() < 1e-10,
                    "BdW d={d} m={renewals}: {v} vs {brute}"
                );
            }
        }
    }
    // Renewals: the posterior retention rises with tenure, so DERL rises too.
    let m = sbg(0.704, 1.182);
    assert!(m.derl(0.1, 5.0).unwrap() > m.derl(0.1, 0.0).unwrap());
}

#[test]
fn bdw_with_c_1_is_the_sbg() {
    for (a, b) in [(0.704, 1.182), (1.6, 3.806), (3.0, 5.0)] {
        let (s, w) = (sbg(a, b), bdw(a, b, 1.0));
        for t in 1..=30 {
            let t = f64::from(t);
            assert!((s.survival(t).unwrap() - w.survival(t).unwrap()).abs() < 1e-12);
            assert!((s.retention_rate(t).unwrap() - w.retention_rate(t).unwrap()).abs() < 1e-12);
            assert!(
                (s.churn_probability(t).unwrap() - w.churn_probability(t).unwrap()).abs() < 1e-12
            );
        }
        for (d, m) in [(0.1, 0.0), (0.2, 3.0)] {
            assert!((s.derl(d, m).unwrap() - w.derl(d, m).unwrap()).abs() < 1e-10);
        }
        match (
            s.expected_lifetime().unwrap(),
            w.expected_lifetime().unwrap(),
        ) {
            (None, None) => {}
            (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9 * x, "{x} vs {y}"),
            other => panic!("{other:?}"),
        }
    }
    // The BdW survival against B(α, β + t^c)/B(α, β) computed here.
    let w = bdw(0.9, 2.0, 0.6);
    for t in [1.0, 2.0, 7.0, 50.0] {
        assert!((w.survival(t).unwrap() - bdw_survival(0.9, 2.0, 0.6, t)).abs() < 1e-12);
    }
    // E[T] finite only when cα > 1.
    assert_eq!(bdw(0.9, 2.0, 1.1).expected_lifetime().unwrap(), None);
    // c small and β large: the series would need more terms than the limit.
    assert_eq!(
        code(bdw(20.0, 100.0, 0.1).expected_lifetime()).0,
        "E_UNDEFINED"
    );
    // c·α = 3: S(t) falls like t^-3, so 10^6 terms leave a tail below 1e-11.
    let brute: f64 = (0..1_000_000)
        .map(|t| bdw_survival(2.0, 3.0, 1.5, f64::from(t)))
        .sum();
    let e = bdw(2.0, 3.0, 1.5).expected_lifetime().unwrap().unwrap();
    assert!((e - brute).abs() < 1e-9, "{e} vs {brute}");
}

#[test]
fn bdw_fit_nests_the_sbg() {
    let opts = RetentionOptions {
        model: RetentionKind::Bdw,
        ..RetentionOptions::default()
    };
    for data in [&REGULAR, &HIGH_END] {
        let s = RetentionModel::fit(&[&data[..8]], &RetentionOptions::default()).unwrap();
        let w = RetentionModel::fit(&[&data[..8]], &opts).unwrap();
        assert_eq!(w.model, RetentionKind::Bdw);
        assert!(w.params.c.is_some());
        assert_eq!(w.std_errors.len(), 3);
        // One more free parameter: the maximised likelihood is at least the sBG's.
        assert!(w.log_likelihood.unwrap() >= s.log_likelihood.unwrap() - 1e-6);
    }
    // Survivors simulated from an exact BdW curve (no noise) are recovered.
    let curve: Vec<f64> = (0..10)
        .map(|t| 1e6 * bdw_survival(0.8, 2.5, 0.7, f64::from(t)))
        .collect();
    let w = RetentionModel::fit(&[&curve], &opts).unwrap();
    let p = w.params;
    assert!(
        (p.alpha - 0.8).abs() < 1e-3 && (p.beta - 2.5).abs() < 1e-2,
        "{p:?}"
    );
    assert!((p.c.unwrap() - 0.7).abs() < 1e-3, "{p:?}");
}

#[test]
fn several_cohorts_share_one_fit() {
    // The log-likelihood of the joint fit, summed here from the paper's formula.
    let ll = |a: f64, b: f64, cohorts: &[&[f64]]| -> f64 {
        let mut total = 0.0;
        for c in cohorts {
            let k = c.len() - 1;
            for t in 1..=k {
                let p =
                    sbg_survival_product(a, b, t as u32 - 1) - sbg_survival_product(a, b, t as u32);
                total += (c[t - 1] - c[t]) * p.ln();
            }
            total += c[k] * sbg_survival_product(a, b, k as u32).ln();
        }
        total
    };
    let cohorts: [&[f64]; 3] = [&REGULAR[..8], &HIGH_END[..5], &[400.0, 300.0, 250.0]];
    let m = RetentionModel::fit(&cohorts, &RetentionOptions::default()).unwrap();
    assert_eq!(m.cohorts, 3);
    assert_eq!(m.customers, 2400.0);
    let (a, b) = (m.params.alpha, m.params.beta);
    assert!((m.log_likelihood.unwrap() - ll(a, b, &cohorts)).abs() < 1e-8);
    // A maximum: every nearby point has a lower likelihood.
    for (da, db) in [
        (1e-3, 0.0),
        (-1e-3, 0.0),
        (0.0, 1e-3),
        (0.0, -1e-3),
        (1e-3, 1e-3),
    ] {
        assert!(ll(a + da, b + db, &cohorts) < ll(a, b, &cohorts));
    }
    // The same cohort twice fits like the cohort once.
    let once = RetentionModel::fit(&[&REGULAR[..8]], &RetentionOptions::default()).unwrap();
    let twice = RetentionModel::fit(
        &[&REGULAR[..8], &REGULAR[..8]],
        &RetentionOptions::default(),
    )
    .unwrap();
    assert!((once.params.alpha - twice.params.alpha).abs() < 1e-6);
    assert!((once.params.beta - twice.params.beta).abs() < 1e-6);
    // A newest cohort with only its size contributes nothing.
    let with_new =
        RetentionModel::fit(&[&REGULAR[..8], &[500.0]], &RetentionOptions::default()).unwrap();
    assert!((once.params.alpha - with_new.params.alpha).abs() < 1e-6);
}

#[test]
fn options_and_survivors_read_from_json() {
    let o: RetentionOptions =
        serde_json::from_str(r#"{"model":"bdw","period":"month","maxIterations":50}"#).unwrap();
    assert_eq!(o.model, RetentionKind::Bdw);
    assert_eq!(o.period, ContractPeriod::Month);
    assert_eq!(o.max_iterations, 50);
    assert!(serde_json::from_str::<RetentionOptions>(r#"{"periods":"month"}"#).is_err());
    assert!(serde_json::from_str::<RetentionOptions>(r#"{"period":"decade"}"#).is_err());
    let one: Survivors = serde_json::from_str("[1000, 631, 468]").unwrap();
    assert_eq!(one.cohorts().len(), 1);
    let many: Survivors = serde_json::from_str("[[1000, 631, 468], [500, 300]]").unwrap();
    assert_eq!(many.cohorts().len(), 2);
    let fitted = RetentionModel::fit_survivors(
        &Survivors::One(REGULAR[..8].to_vec()),
        &RetentionOptions::default(),
    )
    .unwrap();
    assert!(sig3(fitted.params.alpha, 0.704));
    let e = RetentionModel::fit_survivors(
        &Survivors::Many(vec![vec![1000.0, 1200.0, 3.0]]),
        &RetentionOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("'survivors[0]', row 2"), "{e}");
    let e = RetentionModel::fit_survivors(
        &Survivors::One(vec![1000.0, 1200.0, 3.0]),
        &RetentionOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("'survivors', row 2"), "{e}");
    let m = sbg(0.704, 1.182);
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        json["params"],
        serde_json::json!({"alpha": 0.704, "beta": 1.182})
    );
    assert_eq!(json["period"], "year");
    let def = m.definition();
    assert_eq!((def.metric, def.version), ("retention.sbg", "1.0.0"));
    assert_eq!(bdw(1.0, 1.0, 1.0).definition().metric, "retention.bdw");
}

fn code<T: std::fmt::Debug>(r: unimetric::Result<T>) -> (&'static str, String) {
    let e = r.unwrap_err();
    (e.code(), e.to_string())
}

#[test]
fn bad_survivors_get_coded_errors() {
    let o = RetentionOptions::default();
    let fit = |c: &[&[f64]]| code(RetentionModel::fit(c, &o));
    let (c, m) = fit(&[&[1000.0, 631.0, 700.0, 300.0]]);
    assert_eq!(c, "E_OUT_OF_RANGE");
    assert!(m.contains("'survivors', row 3"), "{m}");
    let (c, m) = fit(&[&REGULAR[..8], &[0.0, 0.0, 0.0]]);
    assert_eq!(c, "E_OUT_OF_RANGE");
    assert!(m.contains("'survivors[1]', row 1"), "{m}");
    assert_eq!(fit(&[&[1000.0]]).0, "E_INSUFFICIENT_DATA");
    assert_eq!(fit(&[&[1000.0, 600.0]]).0, "E_INSUFFICIENT_DATA");
    let (c, m) = fit(&[&[1000.0, -5.0, -6.0]]);
    assert_eq!(c, "E_NEGATIVE");
    assert!(m.contains("row 2"), "{m}");
    let (c, m) = fit(&[&REGULAR[..8], &[1000.0, f64::NAN, 3.0]]);
    assert_eq!(c, "E_NON_FINITE");
    assert!(m.contains("'survivors[1]', row 2"), "{m}");
    assert_eq!(fit(&[]).0, "E_EMPTY");
    let (c, m) = fit(&[&[1e308, 1e307, 1e306]]);
    assert_eq!(c, "E_OUT_OF_RANGE");
    assert!(m.contains("'survivors', row 1"), "{m}");
    assert_eq!(fit(&[&[]]).0, "E_EMPTY");
    assert_eq!(fit(&[&[100.0, 100.0, 100.0]]).0, "E_INSUFFICIENT_DATA");
    let bdw_opts = RetentionOptions {
        model: RetentionKind::Bdw,
        ..o
    };
    assert_eq!(
        code(RetentionModel::fit(&[&[1000.0, 600.0, 500.0]], &bdw_opts)).0,
        "E_INSUFFICIENT_DATA"
    );
    let bad = RetentionOptions {
        tolerance: 0.0,
        ..o
    };
    assert_eq!(
        code(RetentionModel::fit(&[&REGULAR[..8]], &bad)).0,
        "E_BAD_OPTION"
    );
    // Bad arguments of the model's functions.
    let m = sbg(0.704, 1.182);
    assert_eq!(code(m.survival(-1.0)).0, "E_BAD_OPTION");
    assert_eq!(code(m.survival(1.5)).0, "E_BAD_OPTION");
    assert_eq!(code(m.retention_rate(0.0)).0, "E_BAD_OPTION");
    assert_eq!(code(m.churn_probability(f64::NAN)).0, "E_BAD_OPTION");
    assert_eq!(code(m.derl(0.0, 1.0)).0, "E_BAD_OPTION");
    assert_eq!(code(m.derl(0.1, 1.5)).0, "E_BAD_OPTION");
    assert_eq!(code(m.project_survivors(-1.0, 3.0)).0, "E_BAD_OPTION");
    let bad_params = RetentionParams {
        alpha: -1.0,
        beta: 1.0,
        c: None,
    };
    assert_eq!(
        code(RetentionModel::from_params(
            bad_params,
            ContractPeriod::Year
        ))
        .0,
        "E_BAD_OPTION"
    );
}

struct Donations {
    x: Vec<f64>,
    tx: Vec<f64>,
    n: Vec<f64>,
    w: Vec<f64>,
}

fn donations() -> Donations {
    let text = include_str!("fixtures/donations.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("frequency,recency,periods,weights"));
    let mut d = Donations {
        x: vec![],
        tx: vec![],
        n: vec![],
        w: vec![],
    };
    for line in lines {
        let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        d.x.push(f[0]);
        d.tx.push(f[1]);
        d.n.push(f[2]);
        d.w.push(f[3]);
    }
    d
}

fn peer() -> serde_json::Value {
    serde_json::from_str(include_str!("fixtures/peers/bgbb_lifetimes.json")).unwrap()
}

const PUBLISHED: BgBbParams = BgBbParams {
    alpha: 1.204,
    beta: 0.750,
    gamma: 0.657,
    delta: 2.783,
};

#[test]
fn bgbb_donations_match_fader_hardie_shang_2010() {
    let d = donations();
    assert_eq!(d.w.iter().sum::<f64>(), 11_104.0);
    let m = BgBbModel::fit(&d.x, &d.tx, &d.n, Some(&d.w), &BgBbOptions::default()).unwrap();
    assert!(m.converged);
    let p = m.params;
    assert!(sig3(p.alpha, 1.204), "{p:?}");
    assert!(sig3(p.beta, 0.750), "{p:?}");
    assert!(sig3(p.gamma, 0.657), "{p:?}");
    assert!(sig3(p.delta, 2.783), "{p:?}");
    // Published LL −33,225.6.
    assert!((m.log_likelihood.unwrap() + 33_225.6).abs() < 0.05);
    assert_eq!(m.customers, 11_104.0);
    assert!(m.std_errors.iter().all(|s| s.is_some_and(|v| v > 0.0)));
    // Weights are customer counts: the expanded rows give the same fit.
    let mut ex = (vec![], vec![], vec![]);
    for i in 0..d.x.len() {
        for _ in 0..(d.w[i] as usize) {
            ex.0.push(d.x[i]);
            ex.1.push(d.tx[i]);
            ex.2.push(d.n[i]);
        }
    }
    let e = BgBbModel::fit(&ex.0, &ex.1, &ex.2, None, &BgBbOptions::default()).unwrap();
    assert!((e.params.alpha - p.alpha).abs() < 1e-6 && (e.params.delta - p.delta).abs() < 1e-5);
}

#[test]
fn bgbb_likelihood_and_predictions_match_lifetimes() {
    let peer = peer();
    let d = donations();
    let m = BgBbModel::from_params(PUBLISHED, ContractPeriod::Year).unwrap();
    let rows = m.log_likelihood_rows(&d.x, &d.tx, &d.n).unwrap();
    let ll: f64 = rows.iter().zip(&d.w).map(|(l, w)| l * w).sum();
    let want = peer["logLikelihoodAtParams"].as_f64().unwrap();
    assert!((ll - want).abs() < 1e-6, "{ll} vs {want}");
    for case in peer["conditional"].as_array().unwrap() {
        let f = |k: &str| case[k].as_f64().unwrap();
        let (x, tx, n, future) = (
            f("frequency"),
            f("recency"),
            f("opportunities"),
            f("future"),
        );
        let alive = m.probability_alive(&[x], &[tx], &[n]).unwrap()[0];
        let exp = m.expected_transactions(&[x], &[tx], &[n], future).unwrap()[0];
        let (pa, pe) = (f("probabilityAlive"), f("expectedTransactions"));
        assert!(
            (alive - pa).abs() < 1e-9 * pa.max(1e-3),
            "{case}: P(alive) {alive}"
        );
        assert!((exp - pe).abs() < 1e-9 * pe.max(1e-3), "{case}: E {exp}");
    }
    for case in peer["newCustomer"].as_array().unwrap() {
        let n = case["opportunities"].as_f64().unwrap();
        let want = case["expectedTransactions"].as_f64().unwrap();
        let got = m.expected_transactions_new(n).unwrap();
        assert!((got - want).abs() < 1e-9 * want, "n={n}: {got} vs {want}");
    }
    assert_eq!(m.expected_transactions_new(0.0).unwrap(), 0.0);
    assert_eq!(
        m.expected_transactions(&[2.0], &[4.0], &[6.0], 0.0)
            .unwrap()[0],
        0.0
    );
    assert_eq!(m.definition().metric, "ltv.bgbb");
    // lifetimes' own fit lands on the published values too.
    let lf = &peer["fit"];
    for (k, v) in [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ] {
        assert!(sig3(lf[k].as_f64().unwrap(), v), "{k}");
    }
}

#[test]
fn bad_bgbb_rows_get_coded_errors() {
    let o = BgBbOptions::default();
    let fit =
        |x: &[f64], tx: &[f64], n: &[f64], w: Option<&[f64]>| code(BgBbModel::fit(x, tx, n, w, &o));
    let check = |(c, m): (&str, String), want: &str, column: &str, row: usize| {
        assert_eq!(c, want, "{m}");
        assert!(m.contains(&format!("'{column}', row {row}")), "{m}");
    };
    let ok = [1.0, 2.0, 3.0];
    check(
        fit(&[1.0, 7.0, 1.0], &[1.0, 6.0, 1.0], &[6.0, 6.0, 6.0], None),
        "E_OUT_OF_RANGE",
        "frequency",
        2,
    );
    check(
        fit(&ok, &[1.0, 2.0, 7.0], &[6.0, 6.0, 6.0], None),
        "E_OUT_OF_RANGE",
        "recency",
        3,
    );
    let zero_recency = fit(&ok, &[1.0, 0.0, 3.0], &[6.0, 6.0, 6.0], None);
    assert!(
        zero_recency.1.contains("recency is 0 but frequency is 2"),
        "{}",
        zero_recency.1
    );
    check(zero_recency, "E_OUT_OF_RANGE", "recency", 2);
    check(
        fit(&[0.0, 2.0, 3.0], &[2.0, 2.0, 3.0], &[6.0, 6.0, 6.0], None),
        "E_OUT_OF_RANGE",
        "recency",
        1,
    );
    check(
        fit(&ok, &[1.0, 1.0, 3.0], &[6.0, 6.0, 6.0], None),
        "E_OUT_OF_RANGE",
        "recency",
        2,
    );
    check(
        fit(&ok, &ok, &[6.0, 6.0, 6.0], Some(&[1.0, -2.0, 1.0])),
        "E_NEGATIVE",
        "weight",
        2,
    );
    check(
        fit(&ok, &ok, &[6.0, 6.0, 6.0], Some(&[1.0, 1.0, 1e200])),
        "E_OUT_OF_RANGE",
        "weight",
        3,
    );
    check(
        fit(&ok, &ok, &[6.0, f64::NAN, 6.0], None),
        "E_NON_FINITE",
        "opportunities",
        2,
    );
    check(
        fit(&[1.0, 2.5, 3.0], &ok, &[6.0, 6.0, 6.0], None),
        "E_OUT_OF_RANGE",
        "frequency",
        2,
    );
    check(
        fit(&[-1.0, 2.0, 3.0], &ok, &[6.0, 6.0, 6.0], None),
        "E_NEGATIVE",
        "frequency",
        1,
    );
    let (c, m) = fit(&ok, &ok[..2], &[6.0, 6.0, 6.0], None);
    assert_eq!(c, "E_LENGTH_MISMATCH");
    assert!(m.contains("recency"), "{m}");
    assert_eq!(
        fit(&ok, &ok, &[6.0, 6.0, 6.0], Some(&[1.0])).0,
        "E_LENGTH_MISMATCH"
    );
    assert_eq!(fit(&[], &[], &[], None).0, "E_EMPTY");
    assert_eq!(
        fit(&[0.0, 0.0], &[0.0, 0.0], &[5.0, 6.0], None).0,
        "E_INSUFFICIENT_DATA"
    );
    assert_eq!(
        fit(&ok, &ok, &[6.0, 6.0, 6.0], Some(&[0.0, 0.0, 0.0])).0,
        "E_INSUFFICIENT_DATA"
    );
    let m = BgBbModel::from_params(PUBLISHED, ContractPeriod::Year).unwrap();
    assert_eq!(
        code(m.expected_transactions(&[1.0], &[1.0], &[6.0], -1.0)).0,
        "E_BAD_OPTION"
    );
    assert_eq!(code(m.expected_transactions_new(2.5)).0, "E_BAD_OPTION");
    assert_eq!(
        code(m.probability_alive(&[3.0], &[2.0], &[6.0])).0,
        "E_OUT_OF_RANGE"
    );
    let bad = BgBbParams {
        gamma: f64::NAN,
        ..PUBLISHED
    };
    assert_eq!(
        code(BgBbModel::from_params(bad, ContractPeriod::Year)).0,
        "E_BAD_OPTION"
    );
    let o2: BgBbOptions = serde_json::from_str(r#"{"period":"week"}"#).unwrap();
    assert_eq!(o2.period, ContractPeriod::Week);
    assert!(serde_json::from_str::<BgBbOptions>(r#"{"weights":[1]}"#).is_err());
}

#[test]
fn degenerate_and_extreme_inputs_give_errors_or_numbers_never_panics() {
    let o = RetentionOptions::default();
    let b = RetentionOptions {
        model: RetentionKind::Bdw,
        ..o
    };
    let cases: Vec<Vec<f64>> = vec![
        vec![1000.0, 0.0, 0.0],
        vec![1000.0, 0.0, 0.0, 0.0, 0.0],
        vec![1000.0, 999.0, 999.0, 999.0],
        vec![1e150, 1e150, 1e-300, 0.0],
        vec![1.0, 1e-320, 0.0, 0.0],
        vec![1e-300, 5e-301, 2e-301, 1e-301],
        vec![1000.0, 1.0, 1.0, 1.0, 1.0],
        (0..5000).map(|t| 1e6 / (1.0 + f64::from(t))).collect(),
    ];
    for c in &cases {
        for opts in [&o, &b] {
            // An error must be a coded one; a fit must give finite numbers.
            let Ok(m) = RetentionModel::fit(&[c], opts) else {
                continue;
            };
            assert!(m.params.alpha.is_finite() && m.params.beta.is_finite());
            let curve = m.survival_curve(100.0).unwrap();
            assert!(curve
                .iter()
                .all(|s| s.is_finite() && (0.0..=1.0).contains(s)));
            if let Ok(v) = m.derl(0.1, 2.0) {
                assert!(v.is_finite() && v >= 0.0);
            }
            if let Ok(Some(v)) = m.expected_lifetime() {
                assert!(v.is_finite() && v >= 1.0);
            }
        }
    }
    // Everybody leaves in the first period: the supremum is at the edge of the parameter space
    // and the fitted curve approaches it.
    let m = RetentionModel::fit(&[&[1000.0, 0.0, 0.0, 0.0]], &o).unwrap();
    assert!(m.survival(1.0).unwrap() < 1e-6);
    let m = BgBbModel::from_params(PUBLISHED, ContractPeriod::Year).unwrap();
    let big = [100_000.0];
    assert!(m.probability_alive(&[3.0], &[50.0], &big).unwrap()[0].is_finite());
    assert!(m
        .expected_transactions(&[3.0], &[50.0], &big, 100_000.0)
        .unwrap()[0]
        .is_finite());
    assert_eq!(
        code(m.probability_alive(&[3.0], &[50.0], &[100_001.0])).0,
        "E_OUT_OF_RANGE"
    );
    // Every customer transacts at every opportunity: the fit approaches "always active, always
    // transacting".
    let m = BgBbModel::fit(
        &[6.0, 6.0],
        &[6.0, 6.0],
        &[6.0, 6.0],
        Some(&[10.0, 5.0]),
        &BgBbOptions::default(),
    )
    .unwrap();
    assert!(m.probability_alive(&[6.0], &[6.0], &[6.0]).unwrap()[0] > 0.999);
    let e = m
        .expected_transactions(&[6.0], &[6.0], &[6.0], 5.0)
        .unwrap()[0];
    assert!((e - 5.0).abs() < 0.01, "{e}");
}
