//! The rule for the two "not enough data" codes, across the native API: zero rows is
//! `E_EMPTY`; rows present but too few (or too alike) for the computation is
//! `E_INSUFFICIENT_DATA`.

use unimetric::churn::evaluate;
use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaOptions};
use unimetric::ltv::pareto_nbd::ParetoNbdModel;
use unimetric::segment::model::{kmeans_rows, SegmentOptions};
use unimetric::Period;

fn code<T>(r: unimetric::Result<T>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn zero_rows_is_empty_too_few_rows_is_insufficient() {
    let o = BgNbdOptions::default();
    let (none, one) = (&[][..], &[3.0][..]);
    // Summary fits: no customers; one customer (a single repeat buyer).
    assert_eq!(
        code(BgNbdModel::fit_columns(none, none, none, Period::Week, &o)),
        "E_EMPTY"
    );
    assert_eq!(
        code(BgNbdModel::fit_columns(one, one, &[5.0], Period::Week, &o)),
        "E_INSUFFICIENT_DATA"
    );
    assert_eq!(
        code(ParetoNbdModel::fit_columns(
            none,
            none,
            none,
            Period::Week,
            &o
        )),
        "E_EMPTY"
    );
    assert_eq!(
        code(ParetoNbdModel::fit_columns(
            one,
            one,
            &[5.0],
            Period::Week,
            &o
        )),
        "E_INSUFFICIENT_DATA"
    );
    let g = GammaGammaOptions::default();
    assert_eq!(
        code(GammaGammaModel::fit_columns(none, none, &g)),
        "E_EMPTY"
    );
    assert_eq!(
        code(GammaGammaModel::fit_columns(one, &[10.0], &g)),
        "E_INSUFFICIENT_DATA"
    );
    // k-means: no rows; fewer rows than clusters.
    let s = SegmentOptions {
        k: 2,
        ..Default::default()
    };
    assert_eq!(code(kmeans_rows(&[], 1, &s)), "E_EMPTY");
    assert_eq!(code(kmeans_rows(&[1.0], 1, &s)), "E_INSUFFICIENT_DATA");
    // Score evaluation: no rows; one class only.
    assert_eq!(code(evaluate(&[], &[])), "E_EMPTY");
    assert_eq!(code(evaluate(&[0.4], &[true])), "E_INSUFFICIENT_DATA");
}
