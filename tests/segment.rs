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
