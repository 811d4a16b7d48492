//! CDNOW from transactions to the published summary and BG/NBD fit.
//!
//! `tests/fixtures/cdnow_sample.txt` is lifetimes' `lifetimes/datasets/CDNOW_sample.txt`
//! (commit 4f2833f of github.com/CamDavidsonPilon/lifetimes, MIT licence; the data is Fader &
//! Hardie's public CDNOW sample, 6,919 purchases of 2,357 customers who first bought in the
//! first quarter of 1997, through June 1998). Columns, whitespace-separated: master id, sample
//! id (1–2,357), date (YYYYMMDD), CDs bought, dollars spent. Eight purchases are $0.00.
//!
//! The expected values are not computed by this library: `cdnow_customers_summary_with_spend.csv`
//! is the published calibration summary (lifetimes' `cdnow_customers_summary_with_transactions.csv`,
//! Fader, Hardie & Lee 2005): calibration end 1997-09-30 (39 weeks from 1997-01-01); x =
//! repeat purchase days, t_x and T in weeks (days ÷ 7) rounded to two decimals, zbar = mean
//! repeat purchase value rounded to cents. The BG/NBD figures are the paper's: r = 0.243,
//! α = 4.414, a = 0.793, b = 2.426 (weeks), LL = −9582.4.

use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{CustomerKeys, IdColumn, Period, TimeColumn, TransactionColumns, Transactions};

/// 1997-09-30T00:00:00Z in epoch ms (the end of the 39-week calibration period).
const CALIBRATION_END_MS: i64 = 875_577_600_000;

fn transactions() -> Transactions {
    let text = include_str!("fixtures/cdnow_sample.txt");
    let (mut ids, mut dates, mut amounts) = (vec![], vec![], vec![]);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 5, "{line}");
        ids.push(f[1].parse::<u32>().unwrap());
        dates.push(f[2].to_string());
        amounts.push(f[4].parse::<f64>().unwrap());
    }
    assert_eq!(ids.len(), 6_919);
    assert_eq!(amounts.iter().filter(|&&a| a == 0.0).count(), 8);
    Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Numeric(&ids),
        timestamp: TimeColumn::Text(&dates),
        amount: &amounts,
        order_id: None,
        channel: None,
        cost: None,
    })
    .unwrap()
}

struct Published {
    id: Vec<u32>,
    x: Vec<f64>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    zbar: Vec<f64>,
}

fn published() -> Published {
    let text = include_str!("fixtures/cdnow_customers_summary_with_spend.csv");
    let mut p = Published {
        id: vec![],
        x: vec![],
        t_x: vec![],
        t: vec![],
        zbar: vec![],
    };
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        p.id.push(f[0] as u32);
        p.x.push(f[1]);
        p.t_x.push(f[2]);
        p.t.push(f[3]);
        p.zbar.push(f[4]);
    }
    p
}

fn calibration_summary() -> CustomerSummary {
    CustomerSummary::from_transactions(
        &transactions(),
        &SummaryOptions {
            period: Period::Day,
            observation_end: unimetric::data::ObservationEnd::at(CALIBRATION_END_MS),
            ..SummaryOptions::default()
        },
    )
    .unwrap()
}

/// Every one of the 2,357 customers, including the ones whose only calibration purchase cost
/// $0.00, has the published frequency, recency, T and mean repeat spend.
#[test]
fn summary_from_transactions_matches_the_published_cdnow_summary() {
    let s = calibration_summary();
    let p = published();
    assert_eq!(p.id.len(), 2_357);
    assert_eq!(s.len(), 2_357, "customers in the summary");
    assert_eq!(s.excluded_customers, 0);
    let CustomerKeys::Numeric(ids) = &s.customer_id else {
        panic!("numeric ids expected")
    };
    assert_eq!(ids, &p.id);
    // Published weeks and dollars are rounded to two decimals.
    let near = |ours: f64, theirs: f64| (ours - theirs).abs() <= 0.005 + 1e-9;
    for i in 0..s.len() {
        let at = format!("customer {}", p.id[i]);
        assert_eq!(s.frequency[i], p.x[i], "frequency of {at}");
        assert!(
            near(s.recency[i] / 7.0, p.t_x[i]),
            "recency of {at}: {} days",
            s.recency[i]
        );
        assert!(near(s.t[i] / 7.0, p.t[i]), "T of {at}: {} days", s.t[i]);
        assert!(
            near(s.monetary_value[i], p.zbar[i]),
            "monetary value of {at}: {} vs {}",
            s.monetary_value[i],
            p.zbar[i]
        );
    }
}

/// BG/NBD fitted on that summary (in weeks, days ÷ 7) reaches the published parameters.
#[test]
fn bgnbd_from_cdnow_transactions_reaches_the_published_fit() {
    let s = calibration_summary();
    let weeks = |v: &[f64]| v.iter().map(|d| d / 7.0).collect::<Vec<f64>>();
    let m = BgNbdModel::fit_columns(
        &s.frequency,
        &weeks(&s.recency),
        &weeks(&s.t),
        Period::Week,
        &BgNbdOptions::default(),
    )
    .unwrap();
    let p = m.params;
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;
    assert!(close(p.r, 0.243, 0.001), "r = {}", p.r);
    assert!(close(p.alpha, 4.414, 0.002), "alpha = {}", p.alpha);
    assert!(close(p.a, 0.793, 0.001), "a = {}", p.a);
    assert!(close(p.b, 2.426, 0.002), "b = {}", p.b);
    let ll = m.log_likelihood.unwrap();
    assert!(close(ll, -9582.4, 0.1), "LL = {ll}");
}

/// The literature end to end: from the CDNOW transactions, one summary, and BG/NBD, Pareto/NBD
/// and Gamma-Gamma each reach its published fit — BG/NBD and Pareto/NBD Fader, Hardie & Lee
/// (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426; r = 0.553, α = 10.578, s = 0.606,
/// β = 11.669, LL = −9595.0 (weeks); Gamma-Gamma Fader & Hardie (2013): p = 6.25, q = 3.74,
/// γ = 15.44 on the 946 repeat buyers.
#[test]
fn pareto_nbd_and_gamma_gamma_from_cdnow_transactions_reach_the_published_fits() {
    use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaOptions};
    use unimetric::ltv::pareto_nbd::ParetoNbdModel;
    let s = calibration_summary();
    let weeks = |v: &[f64]| v.iter().map(|d| d / 7.0).collect::<Vec<f64>>();
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;
    let pn = ParetoNbdModel::fit_columns(
        &s.frequency,
        &weeks(&s.recency),
        &weeks(&s.t),
        Period::Week,
        &BgNbdOptions::default(),
    )
    .unwrap();
    let p = pn.params;
    assert!(close(p.r, 0.553, 0.002), "r = {}", p.r);
    assert!(close(p.alpha, 10.578, 0.02), "alpha = {}", p.alpha);
    assert!(close(p.s, 0.606, 0.003), "s = {}", p.s);
    assert!(close(p.beta, 11.669, 0.05), "beta = {}", p.beta);
    let ll = pn.log_likelihood.unwrap();
    assert!(close(ll, -9595.0, 0.1), "LL = {ll}");

    let gg = GammaGammaModel::fit_columns(
        &s.frequency,
        &s.monetary_value,
        &GammaGammaOptions::default(),
    )
    .unwrap();
    assert_eq!(gg.customers, 946);
    let g = gg.params;
    assert!(close(g.p, 6.25, 0.005), "p = {}", g.p);
    assert!(close(g.q, 3.74, 0.005), "q = {}", g.q);
    assert!(close(g.v, 15.44, 0.01), "v = {}", g.v);
}
