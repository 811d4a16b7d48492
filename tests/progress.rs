//! Progress hooks of the long fits, and reading a CSV while leaving out its bad rows.
//!
//! Expected values: the number of steps follows from the options (nInit runs, k values × runs,
//! optimiser starts); a fit with a hook must equal the fit without one; a hook's error must come
//! back unchanged; the rows kept from a CSV must equal a strict read of the file without them.

use unimetric::data::csv_input::read_transactions_skipping;
use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaOptions};
use unimetric::progress::Progress;
use unimetric::segment::{
    choose_k, choose_k_with_progress, segment, segment_with_progress, ChooseKOptions,
    SegmentOptions,
};
use unimetric::{ColumnMapping, Error, Period, Transactions};

/// 60 rows in 3 columns around three centres.
fn data() -> Vec<f64> {
    (0..60)
        .flat_map(|i| {
            let c = (i % 3) as f64 * 10.0;
            let e = (i as f64 * 0.37).sin();
            [c + e, c - e, 2.0 * c + 0.5 * e]
        })
        .collect()
}

fn cancelled() -> Error {
    Error::Cancelled {
        what: "test".into(),
        reason: "stopped by the hook".into(),
    }
}

#[test]
fn kmeans_reports_every_run_and_gives_the_same_result() {
    let x = data();
    let opts = SegmentOptions {
        k: 3,
        n_init: 4,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let with = segment_with_progress(&x, 3, &opts, &mut |p: Progress| {
        seen.push(p);
        Ok(())
    })
    .unwrap();
    let without = segment(&x, 3, &opts).unwrap();
    assert_eq!(with.labels, without.labels);
    assert_eq!(with.centroids, without.centroids);
    let steps: Vec<(usize, usize)> = seen.iter().map(|p| (p.done, p.total)).collect();
    assert_eq!(steps, vec![(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]);
    assert!(seen.iter().all(|p| p.stage == "kmeans"));
}

#[test]
fn a_hook_error_stops_kmeans_at_that_run() {
    let x = data();
    let opts = SegmentOptions {
        k: 3,
        n_init: 5,
        ..Default::default()
    };
    let mut calls = 0;
    let err = segment_with_progress(&x, 3, &opts, &mut |p: Progress| {
        calls += 1;
        if p.done == 2 {
            Err(cancelled())
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert_eq!(err, cancelled());
    assert_eq!(err.code(), "E_CANCELLED");
    assert_eq!(calls, 3, "runs 0 and 1 ran, the hook stopped before run 2");
}

#[test]
fn choose_k_counts_runs_over_all_k() {
    let x = data();
    let opts = ChooseKOptions {
        n_init: 2,
        k_min: 2,
        k_max: 5,
        sample_size: 1000,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let with = choose_k_with_progress(&x, 3, &opts, &mut |p: Progress| {
        seen.push((p.stage, p.done, p.total));
        Ok(())
    })
    .unwrap();
    let without = choose_k(&x, 3, &opts).unwrap();
    assert_eq!(with.recommended, without.recommended);
    assert_eq!(with.scores.len(), without.scores.len());
    // 4 values of k × 2 runs = 8 steps, reported before each run and once at the end.
    let expected: Vec<(&str, usize, usize)> = (0..=8).map(|d| ("chooseK", d, 8)).collect();
    assert_eq!(seen, expected);

    let mut calls = 0;
    let err = choose_k_with_progress(&x, 3, &opts, &mut |p: Progress| {
        calls += 1;
        if p.done >= 3 {
            Err(cancelled())
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert_eq!(err.code(), "E_CANCELLED");
    assert_eq!(calls, 4);
}

/// Customers with repeat purchases: x in 0..5, t_x ≤ T.
fn summary_columns() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = 300;
    let mut x = Vec::new();
    let mut tx = Vec::new();
    let mut t = Vec::new();
    let mut m = Vec::new();
    for i in 0..n {
        let xi = (i % 5) as f64;
        let ti = 20.0 + (i % 17) as f64;
        x.push(xi);
        tx.push(if xi > 0.0 {
            ti * ((i % 7) as f64 + 1.0) / 8.0
        } else {
            0.0
        });
        t.push(ti);
        m.push(if xi > 0.0 {
            10.0 + (i % 11) as f64
        } else {
            0.0
        });
    }
    (x, tx, t, m)
}

#[test]
fn ltv_fits_report_their_starts() {
    let (x, tx, t, m) = summary_columns();
    let opts = BgNbdOptions {
        starts: 3,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let with = BgNbdModel::fit_columns_with_progress(&x, &tx, &t, Period::Week, &opts, &mut |p| {
        seen.push((p.stage, p.done, p.total));
        Ok(())
    })
    .unwrap();
    let without = BgNbdModel::fit_columns(&x, &tx, &t, Period::Week, &opts).unwrap();
    assert_eq!(with.params, without.params);
    assert_eq!(
        seen,
        vec![
            ("bgnbd", 0, 3),
            ("bgnbd", 1, 3),
            ("bgnbd", 2, 3),
            ("bgnbd", 3, 3)
        ]
    );
    let err = BgNbdModel::fit_columns_with_progress(&x, &tx, &t, Period::Week, &opts, &mut |_| {
        Err(cancelled())
    })
    .unwrap_err();
    assert_eq!(err, cancelled());

    let gg = GammaGammaOptions {
        starts: 2,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let with = GammaGammaModel::fit_columns_with_progress(&x, &m, &gg, &mut |p| {
        seen.push((p.stage, p.done, p.total));
        Ok(())
    })
    .unwrap();
    let without = GammaGammaModel::fit_columns(&x, &m, &gg).unwrap();
    assert_eq!(with.params, without.params);
    assert_eq!(
        seen,
        vec![
            ("gammaGamma", 0, 2),
            ("gammaGamma", 1, 2),
            ("gammaGamma", 2, 2)
        ]
    );
}

#[test]
fn skipping_bad_rows_keeps_the_good_ones() {
    let mapping = ColumnMapping::new("customer", "date", "amount");
    let lines = [
        "customer,date,amount",
        "a,2024-01-01,10",  // row 2
        "b,2024-13-01,5",   // row 3: bad date
        "c,2024-01-03,",    // row 4: missing amount
        "d,2024-01-04,2,x", // row 5: too many fields
        "e,2024-01-05,NaN", // row 6: not finite
        "a,2024-01-06,7.5", // row 7
        "f,2024-01-07,abc", // row 8: not a number
    ];
    let csv = lines.join("\n");
    let (tx, rejected) = read_transactions_skipping(csv.as_bytes(), &mapping, 100).unwrap();
    let found: Vec<(usize, &str)> = rejected
        .errors
        .iter()
        .map(|e| (e.row().unwrap(), e.column().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        vec![
            (3, "date"),
            (4, "amount"),
            (5, ""),
            (6, "amount"),
            (8, "amount")
        ]
    );
    assert_eq!(rejected.count, 5);
    assert_eq!(rejected.errors[2].code(), "E_CSV");

    let good = [lines[0], lines[1], lines[6]].join("\n");
    let strict = Transactions::from_csv(good.as_bytes(), &mapping).unwrap();
    assert_eq!(tx.len(), 2);
    assert_eq!(tx, strict);

    // At most `max_reported` errors are kept, but all are counted.
    let (_, few) = read_transactions_skipping(csv.as_bytes(), &mapping, 2).unwrap();
    assert_eq!((few.errors.len(), few.count), (2, 5));

    // Nothing good: the first row's error; a missing column is no row error.
    let all_bad = [lines[0], lines[2], lines[3]].join("\n");
    let err = read_transactions_skipping(all_bad.as_bytes(), &mapping, 100).unwrap_err();
    assert_eq!(
        (err.code(), err.row()),
        ("E_BAD_DATE", Some(2)),
        "row 2 of this file"
    );
    let err = read_transactions_skipping(
        csv.as_bytes(),
        &ColumnMapping::new("client", "date", "amount"),
        100,
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_MISSING_COLUMN");
}
