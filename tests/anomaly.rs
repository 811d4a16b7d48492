//! Anomaly detection: the STL/MSTL decomposition against statsmodels
//! (`tests/fixtures/peers/anomaly_stl_statsmodels.json`, written by
//! `anomaly_stl_statsmodels.py` beside it), the generalized ESD test against the NIST
//! handbook's worked example (Rosner's 54 values), planted spikes and drops, false flags on
//! clean series, the count-aware test of rate series, and a coded error for each kind of bad
//! input.

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use unimetric::anomaly::esd::{critical_value, generalized_esd};
use unimetric::anomaly::stl::{decompose, StlSettings};
use unimetric::anomaly::{
    detect_anomalies, AnomalyMethod, AnomalyOptions, AnomalySeries, Direction, Seasonality,
};

const DAY: f64 = 86_400_000.0;
const T0: f64 = 1_704_067_200_000.0; // 2024-01-01T00:00Z

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/peers/anomaly_stl_statsmodels.json"
    ))
    .expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn case<'a>(f: &'a Value, name: &str) -> &'a Value {
    f["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .expect("case")
}

fn daily(value: Vec<f64>) -> AnomalySeries {
    let time = (0..value.len()).map(|t| T0 + t as f64 * DAY).collect();
    AnomalySeries {
        time,
        value,
        denominator: None,
    }
}

/// Level 100, a slow trend, a weekly pattern and N(0, sd) noise, seeded.
fn synthetic(n: usize, sd: f64, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let noise = Normal::new(0.0, sd).expect("normal");
    let week = [6.0, 2.0, 0.0, -1.0, -3.0, -8.0, 4.0];
    (0..n)
        .map(|t| 100.0 + 0.02 * t as f64 + week[t % 7] + noise.sample(&mut rng))
        .collect()
}

fn flags(r: &unimetric::anomaly::AnomalyResult) -> Vec<usize> {
    (0..r.flagged.len())
        .filter(|&i| r.flagged[i] == 1)
        .collect()
}

// ----------------------------------------------------------------------------------- STL

/// STL with statsmodels' defaults, robust, and non-default windows/degrees/jumps: the settings
/// our rules resolve equal statsmodels' `config`, and trend, seasonal and remainder agree to 1e-8.
#[test]
fn stl_matches_statsmodels() {
    let f = fixture();
    let settings_of = |c: &Value| {
        let s = &c["settings"];
        let get = |k: &str| s.get(k).and_then(|v| v.as_u64()).map(|v| v as usize);
        let mut out = StlSettings {
            seasonal_window: get("seasonal"),
            trend_window: get("trend"),
            low_pass_window: get("low_pass"),
            robust: s.get("robust").and_then(|v| v.as_bool()).unwrap_or(false),
            ..StlSettings::default()
        };
        if let Some(d) = get("seasonal_deg") {
            out.seasonal_degree = d as u8;
        }
        for (k, slot) in [
            ("seasonal_jump", &mut out.seasonal_jump),
            ("trend_jump", &mut out.trend_jump),
            ("low_pass_jump", &mut out.low_pass_jump),
        ] {
            if let Some(j) = get(k) {
                *slot = j;
            }
        }
        out
    };
    for name in ["daily_default", "daily_robust", "daily_windows"] {
        let c = case(&f, name);
        let y = floats(&c["y"]);
        let period = c["settings"]["period"].as_u64().expect("period") as usize;
        let settings = settings_of(c);
        let got = decompose(&y, &[period], &settings).expect("stl");
        let r = got.settings[0];
        let k = &c["config"];
        let u = |key: &str| k[key].as_u64().expect("config") as usize;
        assert_eq!(
            (r.seasonal_window, r.trend_window, r.low_pass_window),
            (u("seasonal"), u("trend"), u("low_pass")),
            "{name}: resolved windows"
        );
        assert_eq!(
            (
                r.seasonal_degree as usize,
                r.trend_degree as usize,
                r.low_pass_degree as usize
            ),
            (u("seasonal_deg"), u("trend_deg"), u("low_pass_deg")),
            "{name}: degrees"
        );
        assert_eq!(
            (r.seasonal_jump, r.trend_jump, r.low_pass_jump),
            (u("seasonal_jump"), u("trend_jump"), u("low_pass_jump")),
            "{name}: jumps"
        );
        assert_eq!(r.robust, k["robust"].as_bool().expect("robust"));
        let dt = max_diff(&got.trend, &floats(&c["trend"]));
        let ds = max_diff(&got.seasonal[0], &floats(&c["seasonal"]));
        let dr = max_diff(&got.remainder, &floats(&c["remainder"]));
        assert!(
            dt < 1e-8 && ds < 1e-8 && dr < 1e-8,
            "{name}: trend {dt:e}, seasonal {ds:e}, remainder {dr:e}"
        );
    }
}

/// Our port of the Fortran STL (with its centred-window shortcut, src/anomaly/stl/fortran.rs)
/// against the `stlrs` crate's port of the same Fortran, over periods, lengths (from two
/// seasons), windows (shorter and longer than the cycle-subseries), degrees, jumps and
/// robustness: equal to 1e-12 of the series' scale (robust cases on fewer than four seasons are
/// skipped: their weights are rounding noise).
#[test]
fn stl_port_matches_stlrs() {
    let mut cases = 0;
    let mut skipped = 0;
    for (period, n) in [
        (7usize, 14usize),
        (7, 15),
        (7, 60),
        (7, 365),
        (7, 1095),
        (12, 50),
        (4, 9),
        (2, 40),
    ] {
        let y = synthetic(n, 2.0, n as u64 + period as u64);
        for (ns, nt, nl) in [
            (None, None, None),
            (Some(3), None, None),
            (Some(11), Some(31), Some(13)),
            (Some(101), Some(2 * n + 1), None),
        ] {
            for degree in [0u8, 1] {
                for jump in [1usize, 2, 3] {
                    for robust in [false, true] {
                        let settings = StlSettings {
                            seasonal_window: ns,
                            trend_window: nt,
                            low_pass_window: nl,
                            seasonal_degree: degree,
                            trend_degree: degree,
                            low_pass_degree: 1 - degree,
                            seasonal_jump: jump,
                            trend_jump: jump + 1,
                            low_pass_jump: jump,
                            robust,
                            ..StlSettings::default()
                        };
                        let Ok(r) = settings.resolve(period, 0, false) else {
                            continue;
                        };
                        let got = decompose(&y, &[period], &settings).expect("stl");
                        let reference = |outer: usize| {
                            stlrs::params()
                                .seasonal_length(r.seasonal_window)
                                .trend_length(r.trend_window)
                                .low_pass_length(r.low_pass_window)
                                .seasonal_degree(i32::from(r.seasonal_degree))
                                .trend_degree(i32::from(r.trend_degree))
                                .low_pass_degree(i32::from(r.low_pass_degree))
                                .seasonal_jump(r.seasonal_jump)
                                .trend_jump(r.trend_jump)
                                .low_pass_jump(r.low_pass_jump)
                                .inner_loops(r.inner_iterations)
                                .outer_loops(outer)
                                .robust(r.robust)
                                .fit(&y, period)
                                .expect("stlrs")
                        };
                        // Robustness weights are bisquares of the remainder over 6·median|r|:
                        // on a series of two or three seasons the robust iterations pass
                        // through fits that are exact (|r| of rounding size), whose weights
                        // are rounding noise, different in any two implementations.
                        if robust && n < 4 * period {
                            skipped += 1;
                            continue;
                        }
                        let want = reference(r.outer_iterations);
                        let dt = max_diff(&got.trend, want.trend());
                        let ds = max_diff(&got.seasonal[0], want.seasonal());
                        assert!(
                            dt < 1e-10 && ds < 1e-10,
                            "period {period}, n {n}, {r:?}: trend {dt:e}, seasonal {ds:e}"
                        );
                        cases += 1;
                    }
                }
            }
        }
    }
    assert!(
        cases >= 300 && skipped <= 72,
        "{cases} cases, {skipped} skipped"
    );
}

/// The same decompositions through `detect_anomalies`' options (camelCase JSON). These two
/// series have no candidate anomaly, so no masking pass runs and the decomposition is the plain
/// STL. (The robust case has planted outliers, which the masking passes replace before the
/// refit, so it is compared through `decompose` above only.)
#[test]
fn detect_anomalies_decomposes_as_statsmodels() {
    let f = fixture();
    for (name, options) in [
        ("daily_default", r#"{ "seasonality": 7 }"#),
        (
            "daily_windows",
            r#"{ "seasonality": 7, "seasonalWindow": 11, "trendWindow": 23, "lowPassWindow": 9,
                 "seasonalDegree": 0, "seasonalJump": 2, "trendJump": 3, "lowPassJump": 2 }"#,
        ),
    ] {
        let c = case(&f, name);
        let o = AnomalyOptions::from_json(options).expect("options");
        let r = detect_anomalies(&daily(floats(&c["y"])), &o).expect("detect");
        let d = &r.decomposition;
        let dt = max_diff(&d.trend, &floats(&c["trend"]));
        let ds = max_diff(&d.seasonal, &floats(&c["seasonal"]));
        let dr = max_diff(&d.remainder, &floats(&c["remainder"]));
        assert!(
            dt < 1e-8 && ds < 1e-8 && dr < 1e-8,
            "{name}: trend {dt:e}, seasonal {ds:e}, remainder {dr:e}"
        );
    }
}

/// MSTL with periods 7 and 30 and statsmodels' defaults (windows 11 and 15, two rounds).
#[test]
fn mstl_matches_statsmodels() {
    let f = fixture();
    let c = case(&f, "mstl_weekly_monthly");
    let y = floats(&c["y"]);
    let got = decompose(&y, &[7, 30], &StlSettings::default()).expect("mstl");
    assert_eq!(got.settings[0].seasonal_window, 11);
    assert_eq!(got.settings[1].seasonal_window, 15);
    let want = c["seasonal"].as_array().expect("seasonal");
    let dt = max_diff(&got.trend, &floats(&c["trend"]));
    let d0 = max_diff(&got.seasonal[0], &floats(&want[0]));
    let d1 = max_diff(&got.seasonal[1], &floats(&want[1]));
    let dr = max_diff(&got.remainder, &floats(&c["remainder"]));
    assert!(
        dt < 1e-8 && d0 < 1e-8 && d1 < 1e-8 && dr < 1e-8,
        "trend {dt:e}, seasonal {d0:e} {d1:e}, remainder {dr:e}"
    );
    // Periods in any order give the same components, in the order given.
    let swapped = decompose(&y, &[30, 7], &StlSettings::default()).expect("mstl");
    assert!(max_diff(&swapped.seasonal[0], &got.seasonal[1]) < 1e-12);
    assert!(max_diff(&swapped.trend, &got.trend) < 1e-12);
}

// ----------------------------------------------------------------------------------- ESD

/// Rosner's 54 values (NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.5.17.3, the
/// generalized ESD example): R_i and λ_i for up to 10 outliers at α = 0.05 as published (three
/// decimals), and 3 outliers (6.01, 5.42, 5.34).
#[test]
fn generalized_esd_matches_the_nist_example() {
    let x = [
        -0.25, 0.68, 0.94, 1.15, 1.20, 1.26, 1.26, 1.34, 1.38, 1.43, 1.49, 1.49, 1.55, 1.56, 1.58,
        1.65, 1.69, 1.70, 1.76, 1.77, 1.81, 1.91, 1.94, 1.96, 1.99, 2.06, 2.09, 2.10, 2.14, 2.15,
        2.23, 2.24, 2.26, 2.35, 2.37, 2.40, 2.47, 2.54, 2.62, 2.64, 2.90, 2.92, 2.92, 2.93, 3.21,
        3.26, 3.30, 3.59, 3.68, 4.30, 4.64, 5.34, 5.42, 6.01,
    ];
    let r_published = [
        3.118, 2.942, 3.179, 2.810, 2.815, 2.848, 2.279, 2.310, 2.101, 2.067,
    ];
    let lambda_published = [
        3.158, 3.151, 3.143, 3.136, 3.128, 3.120, 3.111, 3.103, 3.094, 3.085,
    ];
    let e = generalized_esd(&x, 10, 0.05);
    for i in 0..10 {
        // The handbook truncates to three decimals.
        assert!(
            (e.r[i] - r_published[i]).abs() < 1.5e-3,
            "R_{}: {} vs {}",
            i + 1,
            e.r[i],
            r_published[i]
        );
        assert!(
            (e.lambda[i] - lambda_published[i]).abs() < 1.5e-3,
            "λ_{}: {} vs {}",
            i + 1,
            e.lambda[i],
            lambda_published[i]
        );
    }
    assert_eq!(e.outliers, 3);
    let removed: Vec<f64> = e.removed[..3].iter().map(|&i| x[i]).collect();
    assert_eq!(removed, vec![6.01, 5.42, 5.34]);
    // The fifth value removed is the low one.
    assert_eq!(x[e.removed[4]], -0.25);
    // λ for one more outlier, over the 51 values left.
    assert_eq!(e.threshold, critical_value(54, 4, 0.05));
}

/// λ_i = (n − i)·t/√((n − i − 1 + t²)(n − i + 1)) increases with t towards (n − i)/√(n − i + 1),
/// the largest R_i any m = n − i + 1 values can reach (Samuelson's bound (m − 1)/√m): every
/// critical value is positive and below it.
#[test]
fn esd_critical_values_are_below_their_bound() {
    for n in [4usize, 10, 54, 500] {
        for i in 1..(n - 2) {
            let l = critical_value(n, i, 0.05);
            let m = (n - i + 1) as f64;
            assert!(l > 0.0 && l < (m - 1.0) / m.sqrt(), "n {n} i {i}: {l}");
        }
    }
}

/// ESD through `detect_anomalies`: a planted spike and drop are the outliers.
#[test]
fn esd_method_flags_planted_outliers() {
    let mut y = synthetic(140, 1.0, 7);
    y[30] += 12.0;
    y[90] -= 12.0;
    let o = AnomalyOptions {
        method: AnomalyMethod::Esd,
        ..AnomalyOptions::default()
    };
    let r = detect_anomalies(&daily(y), &o).expect("detect");
    let f = flags(&r);
    assert!(f.contains(&30) && f.contains(&90) && f.len() <= 3, "{f:?}");
    assert_eq!((r.direction[30], r.direction[90]), (1, -1));
    assert_eq!(r.definition.metric, "anomaly.esd");
}

// ----------------------------------------------------------------------------------- flags

/// A spike and a drop of 8 noise standard deviations in seeded daily series with weekly
/// seasonality are flagged, with their directions, over 20 seeds; they leave no echo (every
/// other flag is also a flag of the same series without them: noise the clean series has too).
#[test]
fn planted_spike_and_drop_are_flagged() {
    let mut extra = 0;
    for seed in 0..20 {
        let clean = synthetic(200, 1.0, seed);
        let mut y = clean.clone();
        y[60] += 8.0;
        y[150] -= 8.0;
        let r = detect_anomalies(&daily(y), &AnomalyOptions::default()).expect("detect");
        let f = flags(&r);
        assert!(f.contains(&60) && f.contains(&150), "seed {seed}: {f:?}");
        assert_eq!((r.direction[60], r.direction[150]), (1, -1));
        assert!(r.lower[150] > r.observed[150] && r.upper[60] < r.observed[60]);
        assert_eq!(r.decomposition.periods, vec![7]);
        assert!(r.fallback.is_none());
        let c =
            flags(&detect_anomalies(&daily(clean), &AnomalyOptions::default()).expect("detect"));
        for i in f.iter().filter(|&&i| i != 60 && i != 150) {
            assert!(
                c.contains(i),
                "seed {seed}: {i} flagged only with the plants: {f:?}"
            );
            extra += 1;
        }
    }
    assert!(extra * 365 <= 20 * 200, "{extra} other flags");
}

/// `direction` limits the side flagged: the spike only with up (or both), the drop only with
/// down (or both), and every flag's direction is the side asked for.
#[test]
fn direction_limits_the_side() {
    for seed in 0..5 {
        let mut y = synthetic(200, 1.0, seed);
        y[60] += 8.0;
        y[150] -= 8.0;
        for (direction, sign) in [(Direction::Down, -1i8), (Direction::Up, 1)] {
            let o = AnomalyOptions {
                direction,
                ..AnomalyOptions::default()
            };
            let r = detect_anomalies(&daily(y.clone()), &o).expect("detect");
            let f = flags(&r);
            assert_eq!(
                f.contains(&60),
                sign == 1,
                "seed {seed} {direction:?}: {f:?}"
            );
            assert_eq!(
                f.contains(&150),
                sign == -1,
                "seed {seed} {direction:?}: {f:?}"
            );
            assert!(f.iter().all(|&i| r.direction[i] == sign));
        }
    }
}

/// Clean seeded daily series (one and three years, so weekly STL and weekly + yearly MSTL) get at
/// most one flag per 365 points at the default sensitivity, counted over all seeds together.
#[test]
fn clean_series_flag_at_most_one_per_365_points() {
    let mut points = 0usize;
    let mut flagged = 0usize;
    for seed in 100..130 {
        for n in [365usize, 1095] {
            let r = detect_anomalies(&daily(synthetic(n, 2.0, seed)), &AnomalyOptions::default())
                .expect("detect");
            points += n;
            flagged += flags(&r).len();
        }
    }
    eprintln!("{flagged} flags over {points} clean points");
    assert!(
        flagged * 365 <= points,
        "{flagged} flags over {points} points"
    );
}

/// Too short for weekly seasonality: the documented fallback (loess trend, no seasonal
/// component) is used and said; a period set explicitly is an error instead.
#[test]
fn short_series_fall_back_to_a_trend() {
    let mut y = synthetic(12, 1.0, 1);
    y[8] += 15.0;
    let r = detect_anomalies(&daily(y.clone()), &AnomalyOptions::default()).expect("detect");
    assert!(r.decomposition.periods.is_empty());
    assert!(r.decomposition.seasonal.iter().all(|&s| s == 0.0));
    let text = r.fallback.expect("fallback sentence");
    assert!(text.contains("fewer than two seasons"), "{text}");
    let o = AnomalyOptions {
        seasonality: Seasonality::Period(7.0),
        ..AnomalyOptions::default()
    };
    let e = detect_anomalies(&daily(y), &o).unwrap_err();
    assert_eq!(e.code(), "E_INSUFFICIENT_DATA");
}

// ----------------------------------------------------------------------------------- rates

/// A rate series (orders out of visits, rate 10 % with a weekly pattern): a 3.3 % day is flagged
/// on 3,000 visits and not on 30 (both far outside the robust band; only the binomial test tells
/// them apart), and a day under `minDenominator` is never flagged.
#[test]
fn rate_series_need_the_count_to_agree() {
    let n = 140;
    let week = [0.0, 0.004, 0.002, -0.002, -0.004, 0.006, -0.006];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let noise = Normal::new(0.0, 1.0).expect("normal");
    let visits = vec![3000.0; n];
    let mut orders: Vec<f64> = (0..n)
        .map(|t| {
            let p: f64 = 0.1 + week[t % 7];
            let sd = (3000.0 * p * (1.0 - p)).sqrt();
            (3000.0 * p + sd * noise.sample(&mut rng)).round()
        })
        .collect();
    let mut visits = visits;
    // Day 50: 30 visits, 1 order (3.3 %). Day 100: 3000 visits, 100 orders (3.3 %).
    visits[50] = 30.0;
    orders[50] = 1.0;
    orders[100] = 100.0;
    // Day 120: 10 visits, 10 orders (100 %): a count no binomial at 10 % explains, but under
    // minDenominator (20).
    visits[120] = 10.0;
    orders[120] = 10.0;
    let series = AnomalySeries {
        time: (0..n).map(|t| T0 + t as f64 * DAY).collect(),
        value: orders,
        denominator: Some(visits),
    };
    let r = detect_anomalies(&series, &AnomalyOptions::default()).expect("detect");
    let p = r.p_value.as_ref().expect("p-values");
    assert!(
        r.score[50] < -3.5 && r.score[100] < -3.5,
        "both outside the band"
    );
    assert!(p[50] > 0.05, "30 visits: p {}", p[50]);
    assert!(p[100] < 1e-10, "3000 visits: p {}", p[100]);
    assert_eq!(r.flagged[50], 0);
    assert_eq!((r.flagged[100], r.direction[100]), (1, -1));
    assert!(r.score[120] > 3.5 && p[120] < 1e-6);
    assert_eq!(r.flagged[120], 0);
    assert!(r.flagged.iter().map(|&f| f as usize).sum::<usize>() <= 2);
    // With minDenominator 0 the 10-visit day is flagged.
    let o = AnomalyOptions {
        min_denominator: 0.0,
        ..AnomalyOptions::default()
    };
    let r = detect_anomalies(&series, &o).expect("detect");
    assert_eq!((r.flagged[120], r.direction[120]), (1, 1));
}

/// The binomial p-value against closed forms: P(X = 0) = (1 − p)^n, two-sided doubling.
#[test]
fn binomial_p_value_closed_forms() {
    use unimetric::anomaly::binomial_p_value;
    // 0 of 30 at 10 %: lower tail 0.9^30.
    let want = 2.0 * 0.9f64.powi(30);
    assert!((binomial_p_value(0.0, 30.0, 0.1) - want).abs() < 1e-12);
    // 1 of 30 at 10 %: lower tail 0.9^30 + 30·0.1·0.9^29.
    let want = 2.0 * (0.9f64.powi(30) + 3.0 * 0.9f64.powi(29));
    assert!((binomial_p_value(1.0, 30.0, 0.1) - want).abs() < 1e-12);
    // 10 of 10 at 10 %: upper tail 0.1^10.
    assert!((binomial_p_value(10.0, 10.0, 0.1) - 2e-10).abs() < 1e-22);
    // At the mode the p-value is capped at 1.
    assert_eq!(binomial_p_value(3.0, 30.0, 0.1), 1.0);
}

// ----------------------------------------------------------------------------------- errors

fn err(series: &AnomalySeries) -> (String, Option<String>, Option<usize>) {
    let e = detect_anomalies(series, &AnomalyOptions::default()).unwrap_err();
    (
        e.code().to_string(),
        e.column().map(str::to_string),
        e.row(),
    )
}

fn expect(series: &AnomalySeries, code: &str, column: Option<&str>, row: Option<usize>) {
    assert_eq!(
        err(series),
        (code.to_string(), column.map(str::to_string), row),
        "{series:?}"
    );
}

#[test]
fn bad_input_gets_coded_errors() {
    let good = daily(synthetic(30, 1.0, 9));
    assert!(detect_anomalies(&good, &AnomalyOptions::default()).is_ok());

    expect(&daily(vec![]), "E_EMPTY", None, None);

    let mut s = good.clone();
    s.value[4] = f64::NAN;
    expect(&s, "E_NON_FINITE", Some("value"), Some(5));
    let mut s = good.clone();
    s.time[7] = f64::INFINITY;
    expect(&s, "E_NON_FINITE", Some("time"), Some(8));

    let mut s = good.clone();
    s.time.swap(10, 11);
    expect(&s, "E_OUT_OF_RANGE", Some("time"), Some(12));
    let mut s = good.clone();
    s.time[11] = s.time[10];
    expect(&s, "E_OUT_OF_RANGE", Some("time"), Some(12));

    // A gap: day 20 is missing.
    let mut s = good.clone();
    s.time.remove(20);
    s.value.remove(20);
    expect(&s, "E_OUT_OF_RANGE", Some("time"), Some(21));
    let e = detect_anomalies(&s, &AnomalyOptions::default()).unwrap_err();
    assert!(e.to_string().contains("gap"), "{e}");
    // Uneven: a point 12 hours early.
    let mut s = good.clone();
    s.time[15] -= DAY / 2.0;
    expect(&s, "E_OUT_OF_RANGE", Some("time"), Some(16));
    // A daylight-saving day (23 hours) is still a day.
    let mut s = good.clone();
    for t in s.time.iter_mut().skip(15) {
        *t -= 3_600_000.0;
    }
    assert!(detect_anomalies(&s, &AnomalyOptions::default()).is_ok());

    let mut s = good.clone();
    s.value.pop();
    expect(&s, "E_LENGTH_MISMATCH", Some("value"), None);
    let mut s = good.clone();
    s.denominator = Some(vec![100.0; 29]);
    expect(&s, "E_LENGTH_MISMATCH", Some("denominator"), None);

    let mut s = good.clone();
    s.denominator = Some(vec![1000.0; 30]);
    s.denominator.as_mut().expect("d")[3] = -1.0;
    expect(&s, "E_NEGATIVE", Some("denominator"), Some(4));
    let mut s = good.clone();
    s.denominator = Some(vec![1000.0; 30]);
    s.value[6] = -2.0;
    expect(&s, "E_NEGATIVE", Some("value"), Some(7));
    let mut s = good.clone();
    s.denominator = Some(vec![1000.0; 30]);
    s.value[9] = 1000.5;
    expect(&s, "E_OUT_OF_RANGE", Some("value"), Some(10));
    let mut s = good.clone();
    s.denominator = Some(vec![1000.0; 30]);
    s.denominator.as_mut().expect("d")[2] = 0.0;
    expect(&s, "E_OUT_OF_RANGE", Some("denominator"), Some(3));

    expect(
        &daily(synthetic(6, 1.0, 1)),
        "E_INSUFFICIENT_DATA",
        None,
        None,
    );
}

#[test]
fn bad_options_get_coded_errors() {
    let cases = [
        (r#"{ "sensitivity": 1.5 }"#, "E_BAD_OPTION", "sensitivity"),
        (r#"{ "sensitivity": -0.1 }"#, "E_BAD_OPTION", "sensitivity"),
        (r#"{ "alpha": 0 }"#, "E_BAD_OPTION", "alpha"),
        (
            r#"{ "direction": "sideways" }"#,
            "E_BAD_OPTION",
            "direction",
        ),
        (r#"{ "method": "sr-cnn" }"#, "E_BAD_OPTION", "method"),
        (
            r#"{ "seasonality": "weekly" }"#,
            "E_BAD_OPTION",
            "seasonality",
        ),
        (r#"{ "seasonality": 1 }"#, "E_BAD_OPTION", "seasonality"),
        (r#"{ "seasonality": 7.5 }"#, "E_BAD_OPTION", "seasonality"),
        (
            r#"{ "seasonality": [7, 7] }"#,
            "E_BAD_OPTION",
            "seasonality[1]",
        ),
        (
            r#"{ "seasonalWindow": 8 }"#,
            "E_BAD_OPTION",
            "seasonalWindow",
        ),
        (
            r#"{ "seasonalWindow": 1 }"#,
            "E_BAD_OPTION",
            "seasonalWindow",
        ),
        (r#"{ "trendWindow": 4 }"#, "E_BAD_OPTION", "trendWindow"),
        (
            r#"{ "seasonalDegree": 2 }"#,
            "E_BAD_OPTION",
            "seasonalDegree",
        ),
        (r#"{ "trendJump": 0 }"#, "E_BAD_OPTION", "trendJump"),
        (
            r#"{ "minDenominator": -1 }"#,
            "E_BAD_OPTION",
            "minDenominator",
        ),
        (r#"{ "maxAnomalies": 3 }"#, "E_BAD_OPTION", "maxAnomalies"),
        (
            r#"{ "method": "esd", "maxAnomalies": 0 }"#,
            "E_BAD_OPTION",
            "maxAnomalies",
        ),
        (
            r#"{ "outerIterations": 101 }"#,
            "E_BAD_OPTION",
            "outerIterations",
        ),
        (r#"{ "sensitivty": 0.2 }"#, "E_UNKNOWN_OPTION", "sensitivty"),
    ];
    for (json, code, column) in cases {
        let e = AnomalyOptions::from_json(json).unwrap_err();
        assert_eq!((e.code(), e.column()), (code, Some(column)), "{json}: {e}");
    }
    // A trend window not above the period fails at detection, naming the option.
    let o = AnomalyOptions::from_json(r#"{ "trendWindow": 5 }"#).expect("options");
    let e = detect_anomalies(&daily(synthetic(60, 1.0, 2)), &o).unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("trendWindow"))
    );
}

/// Odd sizes and settings never panic: every length from 7 to 60, with jumps and windows larger
/// than the series.
#[test]
fn small_and_odd_inputs_do_not_panic() {
    for n in 7..=60 {
        let y = synthetic(n, 1.0, n as u64);
        for json in [
            r#"{}"#,
            r#"{ "method": "esd" }"#,
            r#"{ "robust": true, "seasonalJump": 1000, "trendJump": 1000, "lowPassJump": 1000 }"#,
            r#"{ "seasonality": "none", "trendWindow": 999 }"#,
            r#"{ "trendWindow": 999, "lowPassWindow": 999, "seasonalWindow": 999 }"#,
            // Windows far longer than the series allocate nothing of their size.
            r#"{ "trendWindow": 999999999, "lowPassWindow": 999999999, "seasonalWindow": 999999999 }"#,
        ] {
            let o = AnomalyOptions::from_json(json).expect("options");
            let r = detect_anomalies(&daily(y.clone()), &o).expect("detect");
            assert_eq!(r.expected.len(), n);
            assert!(r.expected.iter().all(|v| v.is_finite()), "{n} {json}");
        }
    }
    // A window just shorter than a long series: its ends are fitted one by one, not cached.
    let o = AnomalyOptions::from_json(r#"{ "trendWindow": 2999, "seasonalWindow": 1001 }"#)
        .expect("options");
    let r = detect_anomalies(&daily(synthetic(3000, 1.0, 3)), &o).expect("detect");
    assert!(r.expected.iter().all(|v| v.is_finite()));
    // Constant series: no spread, no flags.
    let r = detect_anomalies(&daily(vec![5.0; 30]), &AnomalyOptions::default()).expect("detect");
    assert!(r.flagged.iter().all(|&f| f == 0));
}

// ----------------------------------------------------------------------------------- definitions

/// The option keys are exactly the parameters of `anomaly.detect` and `anomaly.esd` together,
/// every STL parameter is in both, and each numeric or flag default in the definitions is the
/// one `AnomalyOptions::default()` uses.
#[test]
fn definitions_match_the_options() {
    use unimetric::anomaly::{DEFINITIONS, DETECT, ESD, STL};
    use unimetric::glossary::{field_names, Literal};
    let mut names: Vec<&str> = DETECT
        .parameters
        .iter()
        .chain(ESD.parameters)
        .map(|p| p.name)
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut fields = field_names::<AnomalyOptions>().to_vec();
    fields.sort_unstable();
    assert_eq!(names, fields);
    for p in STL.parameters {
        assert!(
            DETECT.parameters.contains(p) && ESD.parameters.contains(p),
            "{}",
            p.name
        );
    }
    assert_eq!(
        DEFINITIONS.map(|d| d.id),
        ["anomaly.stl", "anomaly.detect", "anomaly.esd"]
    );
    let o = AnomalyOptions::default();
    let want = |name: &str| -> Literal {
        DETECT
            .parameters
            .iter()
            .chain(ESD.parameters)
            .find(|p| p.name == name)
            .expect("parameter")
            .value
    };
    assert_eq!(want("sensitivity"), Literal::Number(o.sensitivity));
    assert_eq!(want("alpha"), Literal::Number(o.alpha));
    assert_eq!(want("minDenominator"), Literal::Number(o.min_denominator));
    assert_eq!(want("seasonalDegree"), Literal::Number(o.seasonal_degree));
    assert_eq!(want("trendJump"), Literal::Number(o.trend_jump));
    assert_eq!(want("robust"), Literal::Bool(o.robust));
    assert_eq!(want("method"), Literal::Text("robust"));
    assert_eq!(want("direction"), Literal::Text("both"));
    assert_eq!(want("seasonality"), Literal::Text("auto"));
}

// ----------------------------------------------------------------------------------- seasonality

fn series_at(time: Vec<f64>, seed: u64) -> AnomalySeries {
    let value = synthetic(time.len(), 1.0, seed);
    AnomalySeries {
        time,
        value,
        denominator: None,
    }
}

/// Month starts from January 2020, epoch milliseconds (28- to 31-day steps).
fn months(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            let d = chrono::NaiveDate::from_ymd_opt(2020 + (k / 12) as i32, (k % 12) as u32 + 1, 1)
                .expect("date");
            d.and_hms_opt(0, 0, 0)
                .expect("time")
                .and_utc()
                .timestamp_millis() as f64
        })
        .collect()
}

/// `"auto"` reads the bucket from the spacing: weekly seasonality for daily data, yearly for
/// monthly and weekly data over four years, daily for hourly data, none for another step; a
/// series too short for its bucket's seasonality falls back to a trend and says so.
#[test]
fn auto_seasonality_follows_the_bucket() {
    let auto = AnomalyOptions::default();
    let periods = |s: &AnomalySeries| {
        let r = detect_anomalies(s, &auto).expect("detect");
        (r.decomposition.periods, r.fallback)
    };
    let step = |n: usize, ms: f64| (0..n).map(|t| T0 + t as f64 * ms).collect::<Vec<f64>>();
    assert_eq!(periods(&series_at(step(14, DAY), 1)), (vec![7], None));
    assert_eq!(periods(&series_at(step(730, DAY), 1)), (vec![7], None));
    assert_eq!(periods(&series_at(months(48), 2)), (vec![12], None));
    let (p, fallback) = periods(&series_at(months(30), 2));
    assert!(p.is_empty());
    let text = fallback.expect("fallback");
    assert!(
        text.contains("30 monthly points") && text.contains("four seasons (48)"),
        "{text}"
    );
    assert_eq!(
        periods(&series_at(step(208, 7.0 * DAY), 3)),
        (vec![52], None)
    );
    assert_eq!(
        periods(&series_at(step(48, 3_600_000.0), 4)),
        (vec![24], None)
    );
    assert_eq!(periods(&series_at(step(40, 2.0 * DAY), 5)), (vec![], None));
    // A month of 31 days after one of 28 is not a gap; two months' step is.
    let mut t = months(30);
    t.remove(10);
    let e = detect_anomalies(&series_at(t, 2), &auto).unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_OUT_OF_RANGE", Some("time"), Some(11))
    );
}

/// Several periods (MSTL) through the options: the decomposition and the definition reference
/// say which periods and windows were used.
#[test]
fn several_periods_use_mstl() {
    let f = fixture();
    let c = case(&f, "mstl_weekly_monthly");
    let o = AnomalyOptions::from_json(r#"{ "seasonality": [30, 7] }"#).expect("options");
    let r = detect_anomalies(&daily(floats(&c["y"])), &o).expect("detect");
    assert_eq!(r.decomposition.periods, vec![30, 7]);
    use unimetric::glossary::ParamValue;
    let p = &r.definition.params;
    assert_eq!(p["seasonality"], ParamValue::Text("30, 7".into()));
    assert_eq!(p["seasonalWindow"], ParamValue::Text("15, 11".into()));
    assert_eq!(p["threshold"], ParamValue::Number(3.5));
    assert_eq!(r.definition.metric, "anomaly.detect");
    assert_eq!(r.definition.version, unimetric::anomaly::DETECT.version);
    let one = detect_anomalies(&daily(synthetic(60, 1.0, 1)), &AnomalyOptions::default())
        .expect("detect");
    assert_eq!(
        one.definition.params["trendWindow"],
        ParamValue::Number(15.0)
    );
    assert_eq!(
        one.definition.params["lowPassWindow"],
        ParamValue::Number(9.0)
    );
}
