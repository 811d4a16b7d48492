//! The fuzz targets' bodies, shared by the cargo-fuzz binaries (`fuzz/fuzz_targets/`) and the
//! stable regression test (`tests/fuzz_regressions.rs`), which replays the committed seeds and
//! crash reproducers through the same code.
//!
//! Each target decodes arbitrary bytes into a small input and runs the library on it. The
//! contract checked is the library's: any input gives `Ok` or a typed `Error` with a known
//! code — never a panic — and an `Ok` result holds no NaN or ±Infinity where a number is due,
//! probabilities stay in [0, 1] and counts stay consistent.

use unimetric::cac::{
    cac, cac_payback, ltv_to_cac, CacOptions, LtvCacOptions, LtvSource, PaybackOptions,
};
use unimetric::churn::{
    churn_features, evaluate, evaluate_time_split, ChurnModel, FeatureOptions, SplitOptions,
};
use unimetric::data::dates::{parse_date_text, parse_epoch_ms, Period};
use unimetric::data::spend::Spend;
use unimetric::kpi::Kpis;
use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use unimetric::ltv::clv::{clv, ClvOptions};
use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaOptions};
use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
use unimetric::ltv::holdout::{calibration_holdout, HoldoutOptions};
use unimetric::ltv::pareto_nbd::ParetoNbdModel;
use unimetric::segment::choose::{choose_k, ChooseKOptions};
use unimetric::segment::model::{kmeans_rows, segment, SegmentOptions};
use unimetric::segment::rfm::rfm_scores;
use unimetric::summary::SummaryColumns;
use unimetric::{
    ColumnMapping, CustomerSummary, Error, IdColumn, SummaryOptions, TimeColumn,
    TransactionColumns, Transactions,
};

/// A target body: runs the library on arbitrary bytes, panicking on a broken contract.
pub type Target = fn(&[u8]);

/// The targets, by name (the names of the binaries in `fuzz/fuzz_targets/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("csv", csv),
    ("dates", dates),
    ("summary", summary),
    ("cac", cac_target),
    ("churn", churn),
    ("ltv", ltv),
    ("segment", segment_target),
    #[cfg(feature = "arrow")]
    ("arrow", arrow),
];

/// Runs target `name` on `data`; `false` when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|(n, _)| *n == name) {
        Some((_, f)) => {
            f(data);
            true
        }
        None => false,
    }
}

/// A typed error: its code is one of the documented codes.
fn typed<T>(r: Result<T, Error>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(
                Error::CODES.contains(&e.code()),
                "unknown code {}",
                e.code()
            );
            assert!(!e.to_string().is_empty());
            None
        }
    }
}

fn finite(what: &str, v: &[f64]) {
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        panic!("{what}: non-finite value {x}");
    }
}

fn probabilities(what: &str, v: &[f64]) {
    if let Some(x) = v.iter().find(|x| !(0.0..=1.0).contains(*x)) {
        panic!("{what}: {x} is not a probability");
    }
}

/// A little reader of fuzz bytes: every read succeeds (zeros once the bytes run out).
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::from(self.u16()) % n
        }
    }
    /// A number drawn mostly from small integers and halves, sometimes from hostile values.
    fn number(&mut self) -> f64 {
        const SPECIAL: [f64; 12] = [
            0.0,
            -0.0,
            1e-300,
            -1.0,
            1e150,
            -1e150,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let tag = self.u8();
        if tag < 16 {
            SPECIAL[usize::from(tag) % SPECIAL.len()]
        } else {
            f64::from(self.u16() % 2000) / 2.0 - 100.0 * f64::from(tag % 2)
        }
    }
    fn positive(&mut self) -> f64 {
        f64::from(self.u16() % 1000) / 4.0
    }
    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }
}

/// CSV text: transactions (header `c,d,a[,o,ch]` or arbitrary), then the summary and KPIs;
/// the same bytes as spend CSV.
pub fn csv(data: &[u8]) {
    let mut m = ColumnMapping::new("c", "d", "a");
    if data.first().is_some_and(|b| b & 1 == 1) {
        m.order_id = Some("o".into());
        m.channel = Some("ch".into());
    }
    if let Some(tx) = typed(Transactions::from_csv(data, &m)) {
        check_transactions(&tx);
    }
    let sm = unimetric::data::spend::SpendMapping::new("d", "ch", "a");
    if let Some(s) = typed(Spend::from_csv(data, &sm)) {
        assert!(s.total().is_finite());
    }
}

/// Dates: text through the date policy, and numbers as epoch milliseconds; every accepted date
/// lies in years 1000–9999 and maps to a period whose start contains it.
pub fn dates(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(ms) = typed(parse_date_text(text, "d", 1)) {
            check_instant(ms);
        }
    }
    if data.len() >= 8 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&data[..8]);
        if let Some(ms) = typed(parse_epoch_ms(f64::from_le_bytes(b), "d", 1)) {
            check_instant(ms);
        }
    }
}

fn check_instant(ms: i64) {
    assert!((unimetric::data::dates::MIN_MS..=unimetric::data::dates::MAX_MS).contains(&ms));
    for p in [Period::Day, Period::Week, Period::Month, Period::Quarter] {
        let i = p.index(ms);
        assert!(p.start_ms(i) <= ms, "{p:?} starts after {ms}");
        assert!(p.start_ms(i + 1) > ms, "{p:?} ends before {ms}");
    }
}

/// Small typed transactions: ids 0–7, days 0–400 from 2024-01-01 (sometimes hostile epoch
/// values), amounts from [`Bytes::number`].
fn transactions(b: &mut Bytes<'_>) -> Option<Transactions> {
    let n = b.below(40);
    let mut ids = Vec::with_capacity(n);
    let mut times = Vec::with_capacity(n);
    let mut amounts = Vec::with_capacity(n);
    let mut channels = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(u32::from(b.u8() % 8));
        let t = if b.u8() < 8 {
            b.number()
        } else {
            1_704_067_200_000.0 + f64::from(b.u16() % 400) * 86_400_000.0
        };
        times.push(t);
        amounts.push(if b.u8() < 200 {
            b.positive()
        } else {
            b.number()
        });
        channels.push(match b.u8() % 4 {
            0 => None,
            k => Some(format!("ch{k}")),
        });
    }
    typed(Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Numeric(&ids),
        timestamp: TimeColumn::EpochMs(&times),
        amount: &amounts,
        order_id: None,
        channel: Some(&channels),
        cost: None,
    }))
}

fn period(b: &mut Bytes<'_>) -> Period {
    [Period::Day, Period::Week, Period::Month, Period::Quarter][b.below(4)]
}

fn check_transactions(tx: &Transactions) {
    let s = typed(CustomerSummary::from_transactions(
        tx,
        &SummaryOptions::default(),
    ));
    if let Some(s) = s {
        check_summary(&s);
    }
    if let Some(k) = typed(Kpis::compute(tx, &SummaryOptions::default())) {
        let v = kpi_values(&k);
        finite("kpis", &v);
    }
}

fn kpi_values(k: &Kpis) -> Vec<f64> {
    k.values.iter().map(|v| v.value).collect()
}

fn check_summary(s: &CustomerSummary) {
    for (name, c) in [
        ("frequency", &s.frequency),
        ("recency", &s.recency),
        ("T", &s.t),
        ("monetaryValue", &s.monetary_value),
    ] {
        finite(name, c);
        assert!(c.iter().all(|v| *v >= 0.0), "{name} negative");
    }
    for i in 0..s.len() {
        assert!(s.recency[i] <= s.t[i], "recency > T");
    }
}

/// Transactions → summary (every period, an observation end) → KPIs.
pub fn summary(data: &[u8]) {
    let mut b = Bytes::new(data);
    let end = if b.u8() < 64 {
        Some(1_704_067_200_000 + i64::from(b.u16()) * 3_600_000)
    } else {
        None
    };
    let p = period(&mut b);
    if let Some(tx) = transactions(&mut b) {
        let opts = SummaryOptions {
            period: p,
            observation_end: end.map_or(
                unimetric::data::ObservationEnd::LastTransaction,
                unimetric::data::ObservationEnd::at,
            ),
            ..Default::default()
        };
        if let Some(s) = typed(CustomerSummary::from_transactions(&tx, &opts)) {
            check_summary(&s);
        }
        if let Some(k) = typed(Kpis::compute(&tx, &opts)) {
            finite("kpis", &kpi_values(&k));
        }
        check_transactions(&tx);
    }
}

/// Spend and transactions → CAC, payback and LTV:CAC.
pub fn cac_target(data: &[u8]) {
    let mut b = Bytes::new(data);
    let n = b.below(12);
    let mut date = Vec::new();
    let mut channel = Vec::new();
    let mut amount = Vec::new();
    let mut kind = Vec::new();
    for _ in 0..n {
        date.push(1_704_067_200_000.0 + f64::from(b.u16() % 400) * 86_400_000.0);
        channel.push(format!("ch{}", b.u8() % 4));
        amount.push(if b.u8() < 220 {
            b.positive()
        } else {
            b.number()
        });
        kind.push(match b.u8() % 4 {
            0 => None,
            1 => Some("paid".to_string()),
            2 => Some("owned".to_string()),
            _ => Some("organic".to_string()),
        });
    }
    let lag = u32::from(b.u8() % 4);
    let margin = if b.u8() < 200 {
        f64::from(b.u8()) / 255.0
    } else {
        b.number()
    };
    let p = period(&mut b);
    let spend = typed(Spend::from_columns(&date, &channel, &amount, Some(&kind)));
    let tx = transactions(&mut b);
    let (Some(spend), Some(tx)) = (spend, tx) else {
        return;
    };
    let opts = CacOptions {
        period: p,
        attribution_lag: lag,
        acquisition: None,
        ..Default::default()
    };
    if let Some(t) = typed(cac(&spend, &tx, &opts)) {
        for r in &t.rows {
            if let Some(v) = r.value {
                assert!(v.is_finite() && v >= 0.0, "CAC {v}");
            }
        }
    }
    let po = PaybackOptions {
        margin,
        attribution_lag: lag,
        acquisition: None,
        ..Default::default()
    };
    let _ = typed(cac_payback(&spend, &tx, &po));
    let lo = LtvCacOptions {
        margin,
        attribution_lag: lag,
        acquisition: None,
        ltv: LtvSource::Historical,
        ..Default::default()
    };
    let _ = typed(ltv_to_cac(&spend, &tx, &lo));
}

/// Transactions → churn features at a cutoff → logistic fit → scores, reasons, evaluation.
pub fn churn(data: &[u8]) {
    let mut b = Bytes::new(data);
    let cutoff = 1_704_067_200_000 + i64::from(b.u16() % 400) * 86_400_000;
    let horizon = u32::from(b.u8() % 120);
    let alpha = if b.u8() < 200 {
        f64::from(b.u8()) / 16.0
    } else {
        b.number()
    };
    let Some(tx) = transactions(&mut b) else {
        return;
    };
    let opts = FeatureOptions {
        horizon_days: horizon,
        ..FeatureOptions::new(cutoff)
    };
    let Some(f) = typed(churn_features(&tx, &opts)) else {
        return;
    };
    finite("churn features", &f.values);
    let fit = unimetric::churn::FitOptions {
        alpha,
        ..Default::default()
    };
    if let Some(labels) = &f.labels {
        if let Some(m) = typed(ChurnModel::fit(&f.values, &f.names, labels, &fit)) {
            if let Some(p) = typed(m.predict(&f.values)) {
                probabilities("churn predict", &p);
                let _ = typed(evaluate(&p, labels));
            }
            let _ = typed(m.reasons(&f.values, 3));
        }
    }
    let test_cutoff = cutoff + i64::from(b.u8()) * 86_400_000;
    let split = SplitOptions {
        horizon_days: horizon,
        alpha: fit.alpha,
        alive: b.u8() % 2 == 1,
        ..SplitOptions::new(cutoff, test_cutoff)
    };
    if let Some((_, e)) = typed(evaluate_time_split(&tx, &split, None)) {
        let _ = e;
    }
}

/// Summary columns (small integers and hostile values) → BG/NBD, Pareto/NBD and Gamma-Gamma
/// fits → P(alive), expected purchases and spend, CLV; transactions → historical LTV and the
/// calibration/holdout check.
pub fn ltv(data: &[u8]) {
    let mut b = Bytes::new(data);
    let n = b.below(24);
    let mut ids = Vec::new();
    let (mut f, mut r, mut t, mut m) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        ids.push(i as u32);
        let x = f64::from(b.u8() % 12);
        let tt = f64::from(b.u8() % 60) + 1.0;
        let rr = if x == 0.0 {
            0.0
        } else {
            f64::from(b.u8()) % (tt + 1.0)
        };
        f.push(x);
        r.push(rr);
        t.push(tt);
        m.push(if x == 0.0 {
            0.0
        } else if b.u8() < 230 {
            b.positive()
        } else {
            b.number()
        });
    }
    let p = period(&mut b);
    let horizon = f64::from(b.u8());
    let margin = f64::from(b.u8()) / 255.0;
    let s = typed(CustomerSummary::from_columns(
        SummaryColumns {
            customer_id: IdColumn::Numeric(&ids),
            frequency: &f,
            recency: &r,
            t: &t,
            monetary_value: &m,
        },
        p,
        None,
    ));
    let opts = BgNbdOptions {
        max_iterations: 60,
        ..Default::default()
    };
    if let Some(s) = s {
        let bg = typed(BgNbdModel::fit(&s, &opts));
        if let Some(bg) = &bg {
            if let Some((pa, _)) = typed(bg.probability_alive(&s)) {
                probabilities("BG/NBD P(alive)", &pa);
            }
            if let Some(e) = typed(bg.expected_purchases(&s, horizon)) {
                assert!(e.iter().all(|v| *v >= 0.0 && v.is_finite()));
            }
            if let Some(pn) = typed(bg.probability_of_purchases(horizon, u32::from(b.u8() % 8))) {
                probabilities("P(X(t) = n)", &[pn]);
            }
        }
        // Pareto/NBD with its default options (three starts, 500 iterations): the likelihood's
        // cost per customer is bounded even where ₂F₁'s argument nears 1.
        if let Some(pn) = typed(ParetoNbdModel::fit(&s, &BgNbdOptions::default())) {
            if let Some(pa) = typed(pn.probability_alive(&s)) {
                probabilities("Pareto/NBD P(alive)", &pa);
            }
        }
        let gg = typed(GammaGammaModel::fit(
            &s,
            &GammaGammaOptions {
                max_iterations: 60,
                ..Default::default()
            },
        ));
        if let Some(gg) = &gg {
            if let Some(e) = typed(gg.expected_spend(&s)) {
                finite("expected spend", &e);
            }
        }
        if let (Some(bg), Some(gg)) = (&bg, &gg) {
            let co = ClvOptions {
                margin,
                ..Default::default()
            };
            if let Some(v) = typed(clv(bg, gg, &s, &co)) {
                finite("clv", &v.clv);
            }
        }
    }
    if let Some(tx) = transactions(&mut b) {
        let _ = typed(historical_ltv(&tx, &HistoricalOptions::default()));
        let cal = 1_704_067_200_000 + i64::from(b.u16() % 400) * 86_400_000;
        let ho = HoldoutOptions {
            period: Period::Week,
            frequency_buckets: 7,
            fit: opts,
            ..HoldoutOptions::new(cal)
        };
        let _ = typed(calibration_holdout(&tx, &ho));
    }
}

/// Features (rows × 1–3 columns) → k-means, segmentation, choosing k; a summary → RFM.
pub fn segment_target(data: &[u8]) {
    let mut b = Bytes::new(data);
    let d = 1 + b.below(3);
    let n = b.below(30);
    let k = 1 + b.below(6);
    let x: Vec<f64> = (0..n * d)
        .map(|_| {
            if b.u8() < 230 {
                f64::from(b.u8())
            } else {
                b.number()
            }
        })
        .collect();
    let opts = SegmentOptions {
        k,
        n_init: 1 + b.below(3),
        max_iterations: 50,
        seed: u32::from(b.u16()),
        ..Default::default()
    };
    if let Some((fit, _)) = typed(kmeans_rows(&x, d, &opts)) {
        assert_eq!(fit.labels.len(), n);
        assert!(fit.labels.iter().all(|&l| (l as usize) < k));
        assert!(fit.model.inertia().is_finite() && fit.model.inertia() >= 0.0);
    }
    if let Some(s) = typed(segment(&x, d, &opts)) {
        assert_eq!(s.labels.len(), n);
        finite("centroids", &s.centroids);
        assert!(s.inertia.is_finite() && s.inertia >= 0.0);
    }
    let choose = ChooseKOptions {
        k_min: 2,
        k_max: 2 + b.below(5),
        sample_size: 1 + b.below(40),
        ..ChooseKOptions::new(&opts)
    };
    let _ = typed(choose_k(&x, d, &choose));
    if let Some(tx) = transactions(&mut Bytes::new(b.rest())) {
        if let Some(s) = typed(CustomerSummary::from_transactions(
            &tx,
            &SummaryOptions::default(),
        )) {
            if let Some(rfm) = typed(rfm_scores(&s, None)) {
                assert!(rfm.r.iter().all(|v| (1..=5).contains(v)));
            }
        }
    }
}

/// Arrow IPC bytes (stream or file format) → the table → transactions (with and without the
/// optional columns), spend, a customer summary, a feature matrix and customer attributes,
/// each mapped to the table's own columns by position: customer, time, amount, order, channel.
/// Then the summary and KPIs of the transactions.
#[cfg(feature = "arrow")]
pub fn arrow(data: &[u8]) {
    use unimetric::data::arrow::{read_attributes, read_features, ArrowTable, AttributeMapping};
    use unimetric::data::spend::SpendMapping;
    use unimetric::summary::SummaryMapping;
    // Owned bytes are read in place, borrowed bytes copied: the table from the first, the
    // rest from the second.
    let Some(table) = typed(ArrowTable::read(data.to_vec())) else {
        return;
    };
    let names = table.column_names();
    let name = |i: usize| names.get(i).map_or("", String::as_str);
    let mut m = ColumnMapping::new(name(0), name(1), name(2));
    if let Some(tx) = typed(Transactions::from_arrow(data, &m)) {
        assert_eq!(tx.len(), table.num_rows());
        check_transactions(&tx);
    }
    if names.len() > 4 {
        m.order_id = Some(name(3).into());
        m.channel = Some(name(4).into());
        if let Some(tx) = typed(Transactions::from_arrow(data, &m)) {
            check_transactions(&tx);
        }
    }
    let channel = if names.len() > 4 { name(4) } else { name(0) };
    if let Some(s) = typed(Spend::from_arrow(
        data,
        &SpendMapping::new(name(1), channel, name(2)),
    )) {
        assert!(s.total().is_finite());
    }
    let sm = SummaryMapping {
        customer_id: name(0).into(),
        frequency: name(3).into(),
        recency: name(2).into(),
        t: name(2).into(),
        monetary_value: name(2).into(),
    };
    if let Some(s) = typed(CustomerSummary::from_arrow(data, &sm, Period::Week, None)) {
        check_summary(&s);
    }
    // Amount and order: numeric in the seeds.
    let numeric: Vec<String> = names.iter().skip(2).take(2).cloned().collect();
    if let Some(x) = typed(read_features(data, &numeric)) {
        finite("features", &x);
        assert_eq!(x.len(), table.num_rows() * numeric.len());
    }
    let am = AttributeMapping {
        customer_id: name(0).into(),
        numeric: vec![name(2).into()],
        categorical: vec![channel.into()],
    };
    if let Some(a) = typed(read_attributes(data, &am)) {
        assert_eq!(a.customer_id.len(), table.num_rows());
        assert!(a.validate().is_ok());
    }
}
