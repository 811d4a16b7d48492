//! Segments: k-means, feature preparation, choosing k, profiles, RFM.
//!
//! Expected values come from definitions written out here (adjusted Rand index, brute-force
//! inertia, O(n²) silhouette, hand-computed quintiles), never from the code under test.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas written in the comments

use linfa::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use unimetric::segment::kmeans::{
    kmeans_plus_plus_rows, Algorithm, ClusterOrder, Init, KMeansParams,
};

/// `k` well-separated Gaussian-ish blobs (uniform noise of ±0.5 around centres 100 apart),
/// `per` rows each, `d` columns; returns row-major data and the true labels.
fn blobs(k: usize, per: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let centres: Vec<Vec<f64>> = (0..k)
        .map(|c| {
            (0..d)
                .map(|j| 100.0 * ((c * 7 + j * 3) % 11) as f64 + 50.0 * c as f64)
                .collect()
        })
        .collect();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..k * per {
        let c = i % k; // interleaved so that row order does not follow the blobs
        for j in 0..d {
            x.push(centres[c][j] + rng.gen::<f64>() - 0.5);
        }
        y.push(c);
    }
    (x, y)
}

/// Adjusted Rand index (Hubert & Arabie 1985) from the contingency table.
fn ari(a: &[usize], b: &[usize]) -> f64 {
    let ka = a.iter().max().unwrap() + 1;
    let kb = b.iter().max().unwrap() + 1;
    let mut t = vec![vec![0f64; kb]; ka];
    for (&i, &j) in a.iter().zip(b) {
        t[i][j] += 1.0;
    }
    let c2 = |x: f64| x * (x - 1.0) / 2.0;
    let sum_ij: f64 = t.iter().flatten().map(|&x| c2(x)).sum();
    let sum_a: f64 = t.iter().map(|r| c2(r.iter().sum())).sum();
    let sum_b: f64 = (0..kb).map(|j| c2(t.iter().map(|r| r[j]).sum())).sum();
    let n = c2(a.len() as f64);
    let expected = sum_a * sum_b / n;
    (sum_ij - expected) / (0.5 * (sum_a + sum_b) - expected)
}

fn brute_inertia(x: &[f64], d: usize, centroids: &[f64], labels: &[u32]) -> f64 {
    let mut s = 0.0;
    for (i, &l) in labels.iter().enumerate() {
        for j in 0..d {
            let t = x[i * d + j] - centroids[l as usize * d + j];
            s += t * t;
        }
    }
    s
}

#[test]
fn blobs_recovered_exactly_with_both_algorithms() {
    for (k, d) in [(3, 2), (5, 8), (8, 3)] {
        let (x, truth) = blobs(k, 40, d, 11);
        for alg in [Algorithm::Lloyd, Algorithm::Hamerly] {
            let p = KMeansParams::new(k)
                .seed(3)
                .n_init(3)
                .algorithm(alg)
                .check()
                .unwrap();
            let fit = p.fit_rows(&x, d).unwrap();
            let labels: Vec<usize> = fit.labels.iter().map(|&l| l as usize).collect();
            assert_eq!(ari(&labels, &truth), 1.0, "k={k} d={d} {alg:?}");
            assert_eq!(fit.sizes, vec![40; k]);
        }
    }
}

#[test]
fn ari_of_the_test_is_a_proper_index() {
    // Sanity of the test's own ARI: identical partitions → 1 under relabelling; a hand example.
    assert_eq!(ari(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
    // a = {0,0,1,1}, b = {0,1,0,1}: Σ C(n_ij,2) = 0, Σa = 2, Σb = 2, C(4,2) = 6,
    // expected = 4/6, max = 2 → (0 − 2/3) / (2 − 2/3) = −0.5.
    assert!((ari(&[0, 0, 1, 1], &[0, 1, 0, 1]) + 0.5).abs() < 1e-12);
}

#[test]
fn inertia_is_the_brute_force_sum_of_squares() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let d = 3;
    let x: Vec<f64> = (0..600 * d).map(|_| rng.gen::<f64>() * 10.0).collect();
    for alg in [Algorithm::Lloyd, Algorithm::Hamerly] {
        let fit = KMeansParams::new(6)
            .algorithm(alg)
            .seed(9)
            .check()
            .unwrap()
            .fit_rows(&x, d)
            .unwrap();
        let brute = brute_inertia(&x, d, fit.model.centroids(), &fit.labels);
        assert!(
            (fit.model.inertia() - brute).abs() <= 1e-9 * brute,
            "{alg:?}"
        );
        // Every row is at its nearest centroid (brute force over all centroids).
        let c = fit.model.centroids();
        for (i, &l) in fit.labels.iter().enumerate() {
            let dist = |j: usize| {
                (0..d)
                    .map(|t| (x[i * d + t] - c[j * d + t]).powi(2))
                    .sum::<f64>()
            };
            let own = dist(l as usize);
            assert!((0..6).all(|j| own <= dist(j) + 1e-12));
        }
    }
}

#[test]
fn hamerly_and_lloyd_agree() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let d = 4;
    let x: Vec<f64> = (0..2000 * d).map(|_| rng.gen::<f64>()).collect();
    let fit = |alg| {
        KMeansParams::new(7)
            .algorithm(alg)
            .seed(1)
            .n_init(2)
            .check()
            .unwrap()
            .fit_rows(&x, d)
            .unwrap()
    };
    let (a, b) = (fit(Algorithm::Lloyd), fit(Algorithm::Hamerly));
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.model.centroids(), b.model.centroids());
    assert_eq!(a.model.iterations(), b.model.iterations());
}

#[test]
fn kmeans_plus_plus_never_picks_a_duplicate_point() {
    // 6 distinct points, each repeated many times; k = 6 must pick one row of each.
    let pts = [
        [0.0, 0.0],
        [1.0, 0.0],
        [0.0, 1.0],
        [5.0, 5.0],
        [5.0, 5.5],
        [9.0, 0.0],
    ];
    let mut x = Vec::new();
    for r in 0..300 {
        x.extend_from_slice(&pts[(r * 7) % 6]);
    }
    for seed in 0..200 {
        let rows = kmeans_plus_plus_rows(&x, 2, 6, seed).unwrap();
        let mut picked: Vec<[u64; 2]> = rows
            .iter()
            .map(|&r| [x[2 * r].to_bits(), x[2 * r + 1].to_bits()])
            .collect();
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 6, "seed {seed}");
    }
    // Fewer distinct rows than k is an error, not a duplicate pick.
    let e = kmeans_plus_plus_rows(&x, 2, 7, 0).unwrap_err();
    assert_eq!(e.code(), "E_INSUFFICIENT_DATA");
}

#[test]
fn same_seed_same_labels_and_documented_order() {
    let (x, _) = blobs(4, 30, 2, 2);
    let p = KMeansParams::new(4).seed(42).check().unwrap();
    let a = p.fit_rows(&x, 2).unwrap();
    let b = p.fit_rows(&x, 2).unwrap();
    assert_eq!(a.labels, b.labels);
    // Default order: descending centroid of feature 0 (ties: next feature).
    let c = a.model.centroids();
    for j in 1..4 {
        assert!(c[(j - 1) * 2] >= c[j * 2]);
    }
    // Norm order: descending squared norm.
    let n = KMeansParams::new(4)
        .seed(42)
        .order(ClusterOrder::NormDescending)
        .check()
        .unwrap();
    let f = n.fit_rows(&x, 2).unwrap();
    let c = f.model.centroids();
    let norm = |j: usize| c[2 * j] * c[2 * j] + c[2 * j + 1] * c[2 * j + 1];
    for j in 1..4 {
        assert!(norm(j - 1) >= norm(j));
    }
    // A different seed finds the same blobs with the same numbering (order rule).
    let other = KMeansParams::new(4)
        .seed(7)
        .check()
        .unwrap()
        .fit_rows(&x, 2)
        .unwrap();
    assert_eq!(other.labels, a.labels);
}

#[test]
fn one_lloyd_iteration_from_given_centres_matches_hand_computation() {
    // Rows 0, 2, 10, 12 on a line; centres 0 and 10 given.
    // Assignment: {0, 2} → centre 0, {10, 12} → centre 1. Update: centres 1 and 11.
    // Final labels unchanged; inertia = 4 × 1² = 4.
    let x = [0.0, 2.0, 10.0, 12.0];
    let p = KMeansParams::new(2)
        .init(Init::Centroids(vec![0.0, 10.0]))
        .n_init(1)
        .max_iterations(1)
        .algorithm(Algorithm::Lloyd)
        .order(ClusterOrder::AsFound)
        .check()
        .unwrap();
    let fit = p.fit_rows(&x, 1).unwrap();
    assert_eq!(fit.model.centroids(), &[1.0, 11.0]);
    assert_eq!(fit.labels, vec![0, 0, 1, 1]);
    assert_eq!(fit.model.inertia(), 4.0);
    assert_eq!(fit.model.iterations(), 1);
}

#[test]
fn empty_cluster_takes_the_farthest_row() {
    // Centres 0, 100 (nobody near 100) and 1 on rows 0, 1, 2, 9: centre 1 (value 100) is empty
    // after the first assignment. Its new centre is the row farthest from its own centre:
    // distances to centre 0 / centre 2 (=1): 0→0, 1→0, 2→1, 9→64 → row 9 (value 9).
    let x = [0.0, 1.0, 2.0, 9.0];
    let p = KMeansParams::new(3)
        .init(Init::Centroids(vec![0.0, 100.0, 1.0]))
        .n_init(1)
        .max_iterations(1)
        .algorithm(Algorithm::Lloyd)
        .order(ClusterOrder::AsFound)
        .check()
        .unwrap();
    let fit = p.fit_rows(&x, 1).unwrap();
    // Cluster 0 = {0} → 0; cluster 1 = {9} → 9; cluster 2 = {1, 2} → 1.5.
    assert_eq!(fit.model.centroids(), &[0.0, 9.0, 1.5]);
    assert_eq!(fit.sizes, vec![1, 1, 2]);
}

#[test]
fn linfa_fit_and_predict() {
    let (x, _) = blobs(3, 20, 2, 4);
    let arr = ndarray::Array2::from_shape_vec((60, 2), x.clone()).unwrap();
    let ds = DatasetBase::from(arr.clone());
    let model = KMeansParams::new(3).seed(5).fit(&ds).unwrap();
    let pred: ndarray::Array1<usize> = model.predict(&arr);
    let native = KMeansParams::new(3)
        .seed(5)
        .check()
        .unwrap()
        .fit_rows(&x, 2)
        .unwrap();
    let want: Vec<usize> = native.labels.iter().map(|&l| l as usize).collect();
    assert_eq!(pred.to_vec(), want);
    // Wrong number of columns: the infallible trait fills usize::MAX.
    let wrong = ndarray::Array2::<f64>::zeros((2, 3));
    let p: ndarray::Array1<usize> = model.predict(&wrong);
    assert_eq!(p.to_vec(), vec![usize::MAX; 2]);
    // Bad params come back as typed errors through Fit.
    let e = KMeansParams::new(0).fit(&ds).unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
}

#[test]
fn bad_input_is_a_typed_error() {
    let p = KMeansParams::new(3).check().unwrap();
    assert_eq!(
        p.fit_rows(&[1.0, 2.0, 3.0], 2).unwrap_err().code(),
        "E_BAD_OPTION"
    );
    assert_eq!(
        p.fit_rows(&[1.0, 2.0], 0).unwrap_err().code(),
        "E_BAD_OPTION"
    );
    assert_eq!(
        p.fit_rows(&[1.0, 2.0, 3.0, 4.0], 2).unwrap_err().code(),
        "E_INSUFFICIENT_DATA"
    );
    let e = p
        .fit_rows(&[1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0], 2)
        .unwrap_err();
    assert_eq!(
        (e.code(), e.row(), e.column()),
        ("E_NON_FINITE", Some(2), Some("feature 1"))
    );
    assert_eq!(
        KMeansParams::new(2)
            .tolerance(-1.0)
            .check()
            .unwrap_err()
            .code(),
        "E_BAD_OPTION"
    );
    assert_eq!(
        KMeansParams::new(2).n_init(0).check().unwrap_err().code(),
        "E_BAD_OPTION"
    );
    assert_eq!(
        KMeansParams::new(2)
            .init(Init::Centroids(vec![1.0, 2.0, 3.0]))
            .check()
            .unwrap_err()
            .code(),
        "E_BAD_OPTION"
    );
}

// ---------------------------------------------------------------- features, profiles, choose k

use unimetric::segment::features::{FeatureTransform, Scaling};
use unimetric::segment::{
    choose_k, segment, segment_customers, ChooseKOptions, SegmentModel, SegmentOptions,
};

#[test]
fn robust_scaling_by_hand() {
    // Column 1, 2, 3, 4, 100: median 3; Q1 at position 0.25·4 = 1 → 2; Q3 at 3 → 4; IQR 2.
    let x = [1.0, 2.0, 3.0, 4.0, 100.0];
    let t = FeatureTransform::fit(&x, 1, &["v".into()], &[false], Scaling::Robust).unwrap();
    assert_eq!((t.center[0], t.scale[0]), (3.0, 2.0));
    assert_eq!(t.apply(&x, 1).unwrap(), vec![-1.0, -0.5, 0.0, 0.5, 48.5]);
    // log1p of a negative value is refused with the feature name and row.
    let e = FeatureTransform::fit(&[1.0, -2.0], 1, &["spend".into()], &[true], Scaling::ZScore)
        .unwrap_err();
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_NEGATIVE", Some("spend"), Some(2))
    );
    // A constant column gets scale 1 (no division by zero).
    let t = FeatureTransform::fit(
        &[5.0, 5.0, 5.0],
        1,
        &["c".into()],
        &[false],
        Scaling::ZScore,
    )
    .unwrap();
    assert_eq!((t.center[0], t.scale[0]), (5.0, 1.0));
}

/// O(n²) silhouette straight from the definition (Rousseeuw 1987), singletons scoring 0.
fn brute_silhouette(x: &[f64], d: usize, labels: &[u32]) -> f64 {
    let n = labels.len();
    let dist = |i: usize, j: usize| {
        (0..d)
            .map(|t| (x[i * d + t] - x[j * d + t]).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let k = *labels.iter().max().unwrap() as usize + 1;
    let mut total = 0.0;
    for i in 0..n {
        let mut mean_to = vec![(0.0, 0usize); k];
        for j in 0..n {
            if j != i {
                let c = labels[j] as usize;
                mean_to[c].0 += dist(i, j);
                mean_to[c].1 += 1;
            }
        }
        let own = labels[i] as usize;
        if mean_to[own].1 == 0 {
            continue;
        }
        let a = mean_to[own].0 / mean_to[own].1 as f64;
        let b = (0..k)
            .filter(|&c| c != own && mean_to[c].1 > 0)
            .map(|c| mean_to[c].0 / mean_to[c].1 as f64)
            .fold(f64::INFINITY, f64::min);
        total += (b - a) / a.max(b);
    }
    total / n as f64
}

#[test]
fn choose_k_measures_equal_their_definitions() {
    let (x, _) = blobs(3, 15, 2, 21);
    let d = 2;
    let opts = SegmentOptions {
        scaling: Scaling::None,
        seed: 4,
        ..Default::default()
    };
    let r = choose_k(
        &x,
        d,
        &ChooseKOptions {
            k_min: 2,
            k_max: 5,
            sample_size: 1000,
            ..ChooseKOptions::new(&opts)
        },
    )
    .unwrap();
    assert_eq!(
        r.scores.iter().map(|s| s.k).collect::<Vec<_>>(),
        vec![2, 3, 4, 5]
    );
    for s in &r.scores {
        // Refit with the same options to get the labels the score was computed from.
        let seg = segment(
            &x,
            d,
            &SegmentOptions {
                k: s.k,
                ..opts.clone()
            },
        )
        .unwrap();
        let want = brute_silhouette(&x, d, &seg.labels);
        assert!(
            (s.silhouette - want).abs() < 1e-12,
            "k={}: {} vs {}",
            s.k,
            s.silhouette,
            want
        );
        // Calinski–Harabasz from scratch: B from cluster means, W from squared distances.
        let n = seg.labels.len() as f64;
        let mean = [0, 1].map(|t| (0..45).map(|i| x[i * d + t]).sum::<f64>() / n);
        let (mut b, mut w) = (0.0, 0.0);
        for c in 0..s.k {
            let members: Vec<usize> = (0..45).filter(|&i| seg.labels[i] as usize == c).collect();
            let m = members.len() as f64;
            let cm = [0, 1].map(|t| members.iter().map(|&i| x[i * d + t]).sum::<f64>() / m);
            b += m * ((cm[0] - mean[0]).powi(2) + (cm[1] - mean[1]).powi(2));
            for &i in &members {
                w += (x[i * d] - cm[0]).powi(2) + (x[i * d + 1] - cm[1]).powi(2);
            }
        }
        let ch = (b / (s.k as f64 - 1.0)) / (w / (n - s.k as f64));
        assert!((s.calinski_harabasz - ch).abs() <= 1e-9 * ch, "k={}", s.k);
        let sse = brute_inertia(&x, d, &seg.centroids, &seg.labels);
        assert!((s.inertia - sse).abs() <= 1e-9 * sse);
    }
    assert_eq!(r.recommended, 3, "{}", r.reason);
    assert!(r.reason.contains("silhouette"));
}

#[test]
fn sampled_silhouette_uses_sample_size_rows() {
    let (x, _) = blobs(3, 400, 2, 5);
    let opts = SegmentOptions {
        scaling: Scaling::None,
        ..Default::default()
    };
    let range = |k_min| ChooseKOptions {
        k_min,
        k_max: 3,
        sample_size: 100,
        ..ChooseKOptions::new(&opts)
    };
    let a = choose_k(&x, 2, &range(3)).unwrap();
    let b = choose_k(&x, 2, &range(3)).unwrap();
    assert_eq!(a.scores[0].silhouette, b.scores[0].silhouette);
    assert!(a.reason.contains("sample of 100 rows"));
    // Well-separated blobs: every sampled row is far closer to its own blob.
    assert!(a.scores[0].silhouette > 0.99);
    assert_eq!(
        choose_k(&x, 2, &range(1)).unwrap_err().code(),
        "E_BAD_OPTION"
    );
}

#[test]
fn profiles_by_hand_and_names() {
    // Feature 0 "monetaryValue": 100, 110, 120 (group A) and 10, 12 (group B); feature 1
    // "frequency": 5, 5, 8 and 1, 1.
    let x = [100.0, 5.0, 110.0, 5.0, 120.0, 8.0, 10.0, 1.0, 12.0, 1.0];
    let opts = SegmentOptions {
        k: 2,
        feature_names: Some(vec!["monetaryValue".into(), "frequency".into()]),
        ..Default::default()
    };
    let s = segment(&x, 2, &opts).unwrap();
    assert_eq!(s.labels, vec![0, 0, 0, 1, 1]);
    let p = &s.model.profiles;
    assert_eq!((p[0].size, p[0].share), (3, 0.6));
    assert_eq!(p[0].mean, vec![110.0, 6.0]); // (100+110+120)/3, (5+5+8)/3
    assert_eq!(p[0].median, vec![110.0, 5.0]);
    assert_eq!(p[1].median, vec![11.0, 1.0]); // mean of the two middle values
    for (c, m) in p[0].centroid.iter().zip(&p[0].mean) {
        assert!((c - m).abs() < 1e-9); // no log1p: the centroid is the member mean
    }
    // Population mean 70.4, sd ≈ 49 → z(A) ≈ +0.81 (high), z(B) ≈ −1.2 (low); frequency likewise.
    assert_eq!(p[0].name, "high value · frequent");
    assert_eq!(p[1].name, "low value · infrequent");
}

#[test]
fn row_permutation_changes_no_profile() {
    let (x, _) = blobs(4, 25, 3, 13);
    let d = 3;
    let n = x.len() / d;
    // A fixed permutation: i ↦ (37 i + 11) mod n (37 is coprime with 100).
    let perm: Vec<usize> = (0..n).map(|i| (37 * i + 11) % n).collect();
    let mut y = vec![0.0; x.len()];
    for (new, &old) in perm.iter().enumerate() {
        y[new * d..(new + 1) * d].copy_from_slice(&x[old * d..(old + 1) * d]);
    }
    let opts = SegmentOptions {
        k: 4,
        seed: 2,
        ..Default::default()
    };
    let a = segment(&x, d, &opts).unwrap();
    let b = segment(&y, d, &opts).unwrap();
    for (pa, pb) in a.model.profiles.iter().zip(&b.model.profiles) {
        assert_eq!((pa.size, pa.share, &pa.name), (pb.size, pb.share, &pb.name));
        assert_eq!(pa.mean, pb.mean);
        assert_eq!(pa.median, pb.median);
        for (u, v) in pa.centroid.iter().zip(&pb.centroid) {
            assert!((u - v).abs() <= 1e-9 * u.abs().max(1.0));
        }
    }
    for (new, &old) in perm.iter().enumerate() {
        assert_eq!(b.labels[new], a.labels[old]);
    }
}

#[test]
fn saved_model_scores_new_rows_and_round_trips_json() {
    let (x, _) = blobs(3, 20, 2, 9);
    let s = segment(
        &x,
        2,
        &SegmentOptions {
            k: 3,
            log1p: Some(vec![false, true].into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.model.predict(&x, 2).unwrap(), s.labels);
    let json = serde_json::to_string(&s.model).unwrap();
    let back: SegmentModel = serde_json::from_str(&json).unwrap();
    back.validate().unwrap();
    assert_eq!(back, s.model);
    assert_eq!(back.predict(&x, 2).unwrap(), s.labels);
    assert_eq!(s.model.predict(&x, 3).unwrap_err().code(), "E_BAD_OPTION");
    // An empty cluster's NaN mean is written as JSON null and read back as NaN.
    let mut m = s.model.clone();
    m.profiles[0].mean[0] = f64::NAN;
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"mean\":[null,"));
    let back: SegmentModel = serde_json::from_str(&json).unwrap();
    assert!(back.profiles[0].mean[0].is_nan());
}

// ---------------------------------------------------------------- RFM

use unimetric::segment::rfm::{rfm_scores, segment_name, Monetary};
use unimetric::summary::SummaryColumns;
use unimetric::{IdColumn, Period};

fn summary_fixture() -> unimetric::CustomerSummary {
    // 10 customers. gap = T − recency; F = frequency + 1; M = monetaryValue.
    //   id  freq rec  T   gap  M
    //   1    9   95  100    5  50
    //   2    4   80  100   20  40
    //   3    0    0   10   10   0
    //   4    2   30  100   70  30
    //   5    0    0  200  200   0
    //   6    6   50  200  150  60
    //   7    1   10  100   90  20
    //   8    9   90  100   10  55
    //   9    3   70  300  230  45
    //  10    0    0   50   50   0
    let ids: Vec<u32> = (1..=10).collect();
    CustomerSummary::from_columns(
        SummaryColumns {
            customer_id: IdColumn::Numeric(&ids),
            frequency: &[9.0, 4.0, 0.0, 2.0, 0.0, 6.0, 1.0, 9.0, 3.0, 0.0],
            recency: &[95.0, 80.0, 0.0, 30.0, 0.0, 50.0, 10.0, 90.0, 70.0, 0.0],
            t: &[
                100.0, 100.0, 10.0, 100.0, 200.0, 200.0, 100.0, 100.0, 300.0, 50.0,
            ],
            monetary_value: &[50.0, 40.0, 0.0, 30.0, 0.0, 60.0, 20.0, 55.0, 45.0, 0.0],
        },
        Period::Day,
        None,
    )
    .unwrap()
}
use unimetric::CustomerSummary;

#[test]
fn rfm_quintiles_against_hand_computation() {
    let r = rfm_scores(&summary_fixture(), None).unwrap();
    // Without revenue the default monetary is meanRepeat.
    assert_eq!(
        r.definition.params["monetary"],
        unimetric::glossary::ParamValue::Text("meanRepeat".into())
    );
    // R: gaps 5,20,10,70,200,150,90,10,230,50. w = customers with a strictly larger gap:
    //   5→9, 20→6, 10→7 (both 10s), 70→4, 200→1, 150→2, 90→3, 230→0, 50→5.
    //   score = 1 + ⌊5w/10⌋ = 1 + ⌊w/2⌋: 9→5, 6→4, 7→4, 4→3, 1→1, 2→2, 3→2, 0→1, 5→3.
    assert_eq!(r.r, vec![5, 4, 4, 3, 1, 2, 2, 4, 1, 3]);
    // F = 10,5,1,3,1,7,2,10,4,1. w = strictly smaller: 10→8, 5→6, 1→0, 3→4, 7→7, 2→3, 4→5.
    assert_eq!(r.f, vec![5, 4, 1, 3, 1, 4, 2, 5, 3, 1]);
    // M = 50,40,0,30,0,60,20,55,45,0. w: 50→7, 40→5, 0→0, 30→4, 60→9, 20→3, 55→8, 45→6.
    assert_eq!(r.m, vec![4, 3, 1, 3, 1, 5, 2, 5, 4, 1]);
    assert_eq!(r.cell[0], "554");
    assert_eq!(r.segment[0], "Champions"); // R5 F5
    assert_eq!(r.segment[2], "New"); // R4 F1
    assert_eq!(r.segment[4], "Lost"); // R1 F1
    assert_eq!(r.segment[5], "At risk"); // R2 F4
    assert_eq!(r.segment[8], "At risk"); // R1 F3
                                         // total needs revenue.
    assert_eq!(
        rfm_scores(&summary_fixture(), Some(Monetary::Total))
            .unwrap_err()
            .code(),
        "E_BAD_OPTION"
    );
}

#[test]
fn rfm_map_covers_every_cell_with_the_documented_names() {
    let want = [
        // F:   1              2                      3                      4             5
        ["Lost", "Lost", "At risk", "Can't lose", "Can't lose"], // R1
        [
            "Hibernating",
            "Hibernating",
            "At risk",
            "At risk",
            "Can't lose",
        ], // R2
        ["Hibernating", "Hibernating", "Loyal", "Loyal", "Loyal"], // R3
        [
            "New",
            "Potential loyalists",
            "Potential loyalists",
            "Champions",
            "Champions",
        ], // R4
        [
            "New",
            "Potential loyalists",
            "Potential loyalists",
            "Champions",
            "Champions",
        ], // R5
    ];
    for r in 1..=5u8 {
        for f in 1..=5u8 {
            assert_eq!(
                segment_name(r, f),
                want[r as usize - 1][f as usize - 1],
                "R{r} F{f}"
            );
        }
    }
}

#[test]
fn segment_customers_orders_by_monetary_value() {
    let s = segment_customers(
        &summary_fixture(),
        &SegmentOptions {
            k: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let c = &s.centroids;
    assert!(
        c[0] >= c[3],
        "cluster 0 has the higher monetaryValue centroid"
    );
    assert_eq!(
        s.definition.params["orderBy"],
        unimetric::glossary::ParamValue::Text("descending monetaryValue".into())
    );
}

use unimetric::segment::model::customer_features;
use unimetric::segment::{choose_k_customers, Log1p, OrderBy};

/// The option a `E_BAD_OPTION` names.
fn bad_option<T: std::fmt::Debug>(r: unimetric::Result<T>) -> String {
    match r.unwrap_err() {
        unimetric::Error::BadOption { option, .. } => option,
        e => panic!("expected E_BAD_OPTION, got {e:?}"),
    }
}

#[test]
fn options_read_from_json_take_each_functions_defaults() {
    // The defaults the binding used to fill in (issue 15 moves them into the core).
    let o: SegmentOptions = serde_json::from_str("{}").unwrap();
    assert_eq!(
        (o.k, o.n_init, o.max_iterations, o.tolerance, o.seed),
        (4, 3, 300, 1e-4, 0)
    );
    assert_eq!(o.scaling, Scaling::ZScore);
    let c: ChooseKOptions = serde_json::from_str("{}").unwrap();
    assert_eq!((c.k_min, c.k_max, c.sample_size), (2, 8, 2000));
    // `k` is not an option of chooseK; unknown keys are refused.
    assert!(serde_json::from_str::<ChooseKOptions>(r#"{"k": 3}"#).is_err());
    let o: SegmentOptions =
        serde_json::from_str(r#"{"k": 2, "log1p": ["f1"], "orderBy": "norm", "scaling": "none"}"#)
            .unwrap();
    assert_eq!(o.log1p, Some(Log1p::Features(vec!["f1".into()])));
    assert_eq!(o.order_by, Some(OrderBy::Name("norm".into())));
    let x = [1.0, 10.0, 2.0, 11.0, 40.0, 100.0, 42.0, 90.0];
    let s = segment(&x, 2, &o).unwrap();
    assert_eq!(s.model.transform.log1p, vec![false, true]);
    assert_eq!(
        s.definition.params["orderBy"],
        unimetric::glossary::ParamValue::Text("descending centroid norm".into())
    );

    // segmentCustomers: its own defaults (log1p on monetaryValue and frequency, order by
    // monetaryValue), also when the caller renames the features.
    let fx = summary_fixture();
    let k2 = SegmentOptions {
        k: 2,
        ..Default::default()
    };
    let c = segment_customers(&fx, &k2).unwrap();
    assert_eq!(c.model.transform.log1p, vec![true, true, false]);
    assert_eq!(
        c.definition.params["log1p"],
        unimetric::glossary::ParamValue::Text("monetaryValue,frequency".into())
    );
    let renamed = segment_customers(
        &fx,
        &SegmentOptions {
            feature_names: Some(vec!["m".into(), "f".into(), "gap".into()]),
            ..k2.clone()
        },
    )
    .unwrap();
    assert_eq!(renamed.labels, c.labels);
    // chooseKCustomers = chooseK on the customer features with the customer settings.
    let range = ChooseKOptions {
        k_max: 3,
        ..Default::default()
    };
    let a = choose_k_customers(&fx, &range, &mut unimetric::progress::silent).unwrap();
    let b = choose_k(
        &customer_features(&fx),
        3,
        &ChooseKOptions {
            log1p: Some(vec![true, true, false].into()),
            ..range.clone()
        },
    )
    .unwrap();
    assert_eq!(a.scores, b.scores);

    // Ranges are checked once, in the core, from the parameter consts.
    let opt = |k| SegmentOptions {
        k,
        ..Default::default()
    };
    assert_eq!(bad_option(segment(&x, 2, &opt(0))), "k");
    assert_eq!(bad_option(segment(&x, 2, &opt(1001))), "k");
    let with = |f: fn(&mut SegmentOptions)| {
        let mut o = opt(2);
        f(&mut o);
        bad_option(segment(&x, 2, &o))
    };
    assert_eq!(with(|o| o.n_init = 0), "nInit");
    assert_eq!(with(|o| o.max_iterations = 100_001), "maxIterations");
    assert_eq!(with(|o| o.tolerance = f64::NAN), "tolerance");
    assert_eq!(with(|o| o.order_by = Some(OrderBy::Index(2.0))), "orderBy");
    assert_eq!(
        with(|o| o.order_by = Some(OrderBy::Name("zz".into()))),
        "orderBy"
    );
    assert_eq!(
        with(|o| o.log1p = Some(Log1p::Features(vec!["zz".into()]))),
        "log1p"
    );
    assert_eq!(with(|o| o.log1p = Some(vec![true].into())), "log1p");
    assert_eq!(
        with(|o| o.feature_names = Some(vec!["a".into()])),
        "featureNames"
    );
    let ck = |f: fn(&mut ChooseKOptions)| {
        let mut o = ChooseKOptions::default();
        f(&mut o);
        bad_option(choose_k(&x, 2, &o))
    };
    assert_eq!(ck(|o| o.k_min = 1), "kMin");
    assert_eq!(ck(|o| o.k_max = 1001), "kMax");
    assert_eq!(ck(|o| (o.k_min, o.k_max) = (4, 3)), "kMax");
    assert_eq!(ck(|o| o.sample_size = 1), "sampleSize");
    assert_eq!(ck(|o| o.sample_size = 1_000_001), "sampleSize");
    assert_eq!(
        bad_option(unimetric::segment::check_features(&x, 3.0)),
        "nCols"
    );
    assert_eq!(
        bad_option(unimetric::segment::check_features(&x, 0.5)),
        "nCols"
    );
}
