//! Where an anomaly came from (issue #20, part 3): [`explain_anomaly`] splits the gap between a
//! KPI's observed and expected value in one bucket over the values of a dimension (channel,
//! country, …) and says it in a sentence.
//!
//! # Method
//!
//! 1. The KPI series of `metric` ([`crate::kpi_series`]) with `bucket`, `start`, `end`,
//!    `timezone` and `weekStart`, split `by` the dimension.
//! 2. [`detect_anomalies`] on the total series with the detection options (for
//!    `customers.repeat_share` and `traffic.conversion_rate` the counts out of their
//!    denominators, so the rate test applies): the bucket containing `at` gives `observed`,
//!    `expected`, the band (`lower`, `upper`), `score`, `flagged` and `direction`. The gap is
//!    `observed − expected`.
//! 3. The same detection on each value's own series gives its expected value in the bucket
//!    (a value's series as plain values, without the rate test: a slice's flags are not
//!    reported, only its expectation). Each value's **contribution** is its part of the gap:
//!    - counts and sums (`revenue.net`, `orders.count`, `customers.active`, `customers.new`):
//!      `observed_v − expected_v`;
//!    - ratios (`orders.aov`, `customers.repeat_share`, `traffic.conversion_rate`), with
//!      numerator N, denominator D and D the total denominator of the bucket:
//!      `(N_v − expected rate_v · D_v) ÷ D` — the gap its own rate made at its observed volume
//!      (a bucket where the value had no denominator contributes 0; its expected rate is read
//!      from a series whose empty buckets hold the value's pooled rate).
//!
//!    `share` = contribution ÷ gap (0 when the gap is 0): the values that account for the gap
//!    have positive shares, those that moved against it negative ones. `unexplained` = gap −
//!    Σ contributions: what the values' own expectations do not add up to (customers counted in
//!    several values, a mix shift between values of a ratio, the decomposition's non-linearity).
//!    Contributions are sorted by share, largest first.
//! 4. `annotations` (the action log: date, text, author) dated in the bucket are returned with
//!    the explanation and named in the sentence.
//!
//! The sentence: "Revenue on 3 Nov 2025 is 31 % below expected (band −12 % to +11 %); email
//! accounts for 80 % of the gap." Relative figures are against `expected`; when it is 0 the
//! sentence gives the absolute gap. Unflagged buckets say "within the expected band" (and name no
//! value: the gap is noise, and so is its split) or "outside the band but not flagged" (a rate
//! whose count test does not agree, or the other direction). A share above 100 % (other values
//! moved the other way) reads "more than the whole gap (124 %)".
//!
//! # Errors
//!
//! Those of [`crate::kpi_series::kpi_series_with_traffic`] and [`detect_anomalies`];
//! `E_BAD_OPTION` for `at` missing or outside the series, `by` missing, `metric` not a series
//! metric.

use super::{detect_anomalies, AnomalyOptions, AnomalySeries};
use crate::data::dates::{Calendar, When};
use crate::data::traffic::Traffic;
use crate::data::{Transactions, Zone};
use crate::glossary::DefinitionRef;
use crate::kpi_series::{
    kpi_series_with_traffic, Annotation, AnnotationMark, Bucket, KpiSeriesOptions, MetricSeries,
};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// What [`explain_anomaly`] explains; JS `ExplainAnomalyOptions` (with the detection options
/// of [`AnomalyOptions`] beside them in the same object).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(
    rename = "ExplainTarget",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct ExplainTarget {
    /// The series metric (default `revenue.net`): one of `kpiSeries`' metrics.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub metric: String,
    /// A date in the bucket to explain (required).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateInput"))]
    pub at: Option<When>,
    /// The dimension whose values share out the gap: `"channel"` or a dimension kept at load
    /// (required).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "string"))]
    pub by: Option<String>,
    /// Bucket (default day).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "KpiBucket"))]
    pub bucket: Bucket,
    /// First bucket of the series the expectation is fitted on (default the first
    /// transaction's).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "DateInput"))]
    pub start: Option<When>,
    /// Last bucket of that series (default the last transaction's).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "DateInput"))]
    pub end: Option<When>,
    /// IANA time zone of the buckets (default: the transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// ISO weekday weeks start on (default 1, Monday).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub week_start: u8,
    /// The action log: notes dated in the bucket come back with the explanation.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub annotations: Option<Vec<Annotation>>,
}

impl Default for ExplainTarget {
    fn default() -> Self {
        let s = KpiSeriesOptions::default();
        ExplainTarget {
            metric: "revenue.net".into(),
            at: None,
            by: None,
            bucket: s.bucket,
            start: None,
            end: None,
            timezone: None,
            week_start: s.week_start,
            annotations: None,
        }
    }
}

impl ExplainTarget {
    /// The options of the split series behind the explanation.
    fn series_options(&self, by: &str) -> KpiSeriesOptions {
        KpiSeriesOptions {
            bucket: self.bucket,
            metrics: Some(vec![self.metric.clone()]),
            by: Some(by.to_string()),
            start: self.start,
            end: self.end,
            timezone: self.timezone.clone(),
            week_start: self.week_start,
            annotations: self.annotations.clone(),
        }
    }
}

/// One value's part of the gap (JS `AnomalyContribution`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(rename = "AnomalyContribution")
)]
#[serde(rename = "AnomalyContribution", rename_all = "camelCase")]
pub struct Contribution {
    /// The dimension value (`"unknown"` for rows without one).
    pub value: String,
    /// The value's observed metric in the bucket.
    pub observed: f64,
    /// Its expected metric in the bucket (from its own series).
    pub expected: f64,
    /// Its part of the total's gap, in the metric's units: observed − expected for counts and
    /// sums, (numerator − expected rate × its denominator) ÷ the total denominator for ratios.
    pub contribution: f64,
    /// contribution ÷ the total's gap (0 when the gap is 0).
    pub share: f64,
}

/// The result of `explainAnomaly` (JS `AnomalyExplanation`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "AnomalyExplanation")
)]
#[serde(rename = "AnomalyExplanation", rename_all = "camelCase")]
pub struct Explanation {
    /// The series metric.
    pub metric: String,
    /// The dimension.
    pub by: String,
    /// Start of the bucket explained (epoch ms).
    pub time: f64,
    /// Index of that bucket in the series.
    pub index: usize,
    /// The total's observed value in the bucket.
    pub observed: f64,
    /// The total's expected value.
    pub expected: f64,
    /// Lower edge of the band.
    pub lower: f64,
    /// Upper edge of the band.
    pub upper: f64,
    /// observed − expected.
    pub gap: f64,
    /// gap ÷ expected (null when expected is 0).
    pub relative_gap: Option<f64>,
    /// The robust score (or ESD score) of the bucket.
    pub score: f64,
    /// Whether the detection flags the bucket.
    pub flagged: bool,
    /// 1 flagged above the band, −1 below, 0 not flagged.
    pub direction: i8,
    /// Every value of the dimension, largest share first.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "AnomalyContribution[]"))]
    pub contributions: Vec<Contribution>,
    /// gap − Σ contributions.
    pub unexplained: f64,
    /// The notes of the action log dated in the bucket.
    pub annotations: Vec<AnnotationMark>,
    /// The explanation in words.
    pub sentence: String,
    /// The series metric's definition and parameters.
    pub series_definition: DefinitionRef,
    /// The detection's definition (`anomaly.detect` or `anomaly.esd`) and parameters.
    pub definition: DefinitionRef,
}

/// Whether a series metric is a ratio (numerator ÷ `denominator`).
fn is_ratio(m: &MetricSeries) -> bool {
    m.denominator.is_some()
}

/// A series metric as the input of anomaly detection: its values, and for the shares and rates
/// whose numerator is a count (`customers.repeat_share`, `traffic.conversion_rate`) the counts
/// out of their denominators, so that the rate test applies. Other ratios (`orders.aov`) are
/// values.
pub fn detection_input(time: &[f64], m: &MetricSeries) -> AnomalySeries {
    let counted = [
        crate::kpi_series::REPEAT_SHARE.id,
        crate::kpi_series::CONVERSION_RATE.id,
    ]
    .contains(&m.definition.metric);
    match (&m.denominator, counted) {
        (Some(d), true) => AnomalySeries {
            time: time.to_vec(),
            value: m
                .value
                .iter()
                .zip(d)
                .map(|(v, n)| (v * n).round())
                .collect(),
            denominator: Some(d.clone()),
        },
        _ => AnomalySeries {
            time: time.to_vec(),
            value: m.value.clone(),
            denominator: None,
        },
    }
}

/// A value's ratio series as plain values, its buckets without a denominator holding its pooled
/// rate (Σ numerator ÷ Σ denominator, 0 without any denominator).
fn slice_rate_input(time: &[f64], m: &MetricSeries, d: &[f64]) -> AnomalySeries {
    let (num, den) = m
        .value
        .iter()
        .zip(d)
        .fold((0.0, 0.0), |(a, b), (v, n)| (a + v * n, b + n));
    let pooled = if den > 0.0 { num / den } else { 0.0 };
    AnomalySeries {
        time: time.to_vec(),
        value: m
            .value
            .iter()
            .zip(d)
            .map(|(&v, &n)| if n > 0.0 { v } else { pooled })
            .collect(),
        denominator: None,
    }
}

fn missing(option: &str, message: &str) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

/// Explains the bucket of `target.at` of series `target.metric`, split `target.by` (see the
/// [module docs](self)).
///
/// ```
/// use unimetric::{ColumnMapping, Transactions};
/// use unimetric::anomaly::AnomalyOptions;
/// use unimetric::anomaly::explain::{explain_anomaly, ExplainTarget};
/// // 8 weeks of daily orders in two channels, about 16 a day from email and 10 from search;
/// // email drops to 0 on day 40.
/// let mut csv = String::from("customer,date,amount,channel\n");
/// let mut id = 0;
/// for day in 0..56u64 {
///     let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day);
///     let email = if day == 40 { 0 } else { 14 + day * 37 % 11 % 5 };
///     for (channel, n) in [("email", email), ("search", 8 + (day * 53 + 3) % 13 % 5)] {
///         for _ in 0..n {
///             id += 1;
///             csv.push_str(&format!("{id},{date},10,{channel}\n"));
///         }
///     }
/// }
/// let mut mapping = ColumnMapping::new("customer", "date", "amount");
/// mapping.channel = Some("channel".into());
/// let tx = Transactions::from_csv(csv.as_bytes(), &mapping).unwrap();
/// let target = ExplainTarget {
///     metric: "orders.count".into(),
///     at: Some(unimetric::data::dates::When::Date(19_723 + 40)), // 2024-02-10
///     by: Some("channel".into()),
///     ..ExplainTarget::default()
/// };
/// let e = explain_anomaly(&tx, None, &target, &AnomalyOptions::default()).unwrap();
/// assert!(e.flagged && e.direction == -1);
/// assert_eq!(e.contributions[0].value, "email");
/// assert!(e.contributions[0].share > 0.8);
/// assert!(e.sentence.starts_with("Orders on 10 Feb 2024 are "), "{}", e.sentence);
/// ```
pub fn explain_anomaly(
    tx: &Transactions,
    traffic: Option<&Traffic>,
    target: &ExplainTarget,
    detection: &AnomalyOptions,
) -> Result<Explanation> {
    detection.check()?;
    let at = target
        .at
        .ok_or_else(|| missing("at", "give a date in the bucket to explain"))?;
    let by = target.by.as_deref().ok_or_else(|| {
        missing(
            "by",
            "name the dimension that shares out the gap: \"channel\" or a dimension kept at load",
        )
    })?;
    let opts = target.series_options(by);
    // The series takes a list `metrics`; here the option is `metric`.
    let renamed = |e: Error| match e {
        Error::BadOption { option, message } if option == "metrics" => Error::BadOption {
            option: "metric".into(),
            message,
        },
        e => e,
    };
    opts.check().map_err(renamed)?;
    let s = kpi_series_with_traffic(tx, traffic, &opts).map_err(renamed)?;
    let cal = Calendar::for_call(opts.timezone.as_ref(), tx, opts.week_start)?;
    let at_ms = cal.instant(at) as f64;
    let index = s
        .time
        .iter()
        .rposition(|&t| t <= at_ms)
        .filter(|&i| i + 1 < s.time.len() || at_ms < next_start(&cal, target.bucket, s.time[i]))
        .ok_or_else(|| {
            missing(
                "at",
                &format!(
                    "{} is outside the series ({} to {})",
                    crate::data::dates::format_iso(at_ms as i64),
                    crate::data::dates::format_iso(s.time.first().copied().unwrap_or(0.0) as i64),
                    crate::data::dates::format_iso(
                        s.time
                            .last()
                            .map(|&t| next_start(&cal, target.bucket, t) - 1.0)
                            .unwrap_or(0.0) as i64
                    ),
                ),
            )
        })?;
    let total = s.series.values().next().ok_or_else(|| Error::Empty {
        what: "series".into(),
    })?;
    let r = detect_anomalies(&detection_input(&s.time, total), detection)?;
    let at_value = |v: &[f64]| v.get(index).copied().unwrap_or(f64::NAN);
    let observed = at_value(&r.observed);
    let expected = at_value(&r.expected);
    let gap = observed - expected;
    let total_den = total
        .denominator
        .as_ref()
        .map(|d| at_value(d))
        .unwrap_or(1.0);

    let mut contributions = Vec::new();
    for (value, metrics) in s.by.iter().flatten() {
        let Some(m) = metrics.values().next() else {
            continue;
        };
        let (input, den) = match (&m.denominator, is_ratio(total)) {
            (Some(d), true) => (slice_rate_input(&s.time, m, d), at_value(d)),
            _ => (
                AnomalySeries {
                    time: s.time.clone(),
                    value: m.value.clone(),
                    denominator: None,
                },
                f64::NAN,
            ),
        };
        let plain = AnomalyOptions {
            min_denominator: 0.0,
            ..detection.clone()
        };
        let fit = detect_anomalies(&input, &plain)?;
        let o = at_value(&m.value);
        let e = at_value(&fit.expected);
        let contribution = if is_ratio(total) {
            if den > 0.0 && total_den > 0.0 {
                (o * den - e * den) / total_den
            } else {
                0.0
            }
        } else {
            o - e
        };
        contributions.push(Contribution {
            value: value.clone(),
            observed: o,
            expected: e,
            contribution,
            share: if gap != 0.0 { contribution / gap } else { 0.0 },
        });
    }
    contributions.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.value.cmp(&b.value)));
    let unexplained = gap - contributions.iter().map(|c| c.contribution).sum::<f64>();
    let annotations: Vec<AnnotationMark> = s
        .annotations
        .iter()
        .filter(|a| a.bucket == Some(index))
        .cloned()
        .collect();
    let mut e = Explanation {
        metric: total.definition.metric.to_string(),
        by: by.to_string(),
        time: s.time[index],
        index,
        observed,
        expected,
        lower: at_value(&r.lower),
        upper: at_value(&r.upper),
        gap,
        relative_gap: (expected != 0.0).then(|| gap / expected),
        score: at_value(&r.score),
        flagged: r.flagged.get(index) == Some(&1),
        direction: r.direction.get(index).copied().unwrap_or(0),
        contributions,
        unexplained,
        annotations,
        sentence: String::new(),
        series_definition: total.definition.clone(),
        definition: r.definition,
    };
    e.sentence = sentence(&e, target.bucket, &cal);
    Ok(e)
}

/// Start of the bucket after the one starting at `start`.
fn next_start(cal: &Calendar, bucket: Bucket, start: f64) -> f64 {
    let p = bucket.period();
    cal.start_ms(p, cal.index(p, start as i64) + 1) as f64
}

/// "31 %", "−12 %", "+11 %" (signed when `signed`), whole percent.
fn percent(x: f64, signed: bool) -> String {
    let p = (x * 100.0).round();
    let p = if p == 0.0 { 0.0 } else { p };
    match (signed, p > 0.0, p < 0.0) {
        (true, true, _) => format!("+{p} %"),
        (_, _, true) => format!("−{} %", -p),
        _ => format!("{p} %"),
    }
}

/// The metric's name in a sentence, and whether it takes a plural verb.
fn subject(metric: &str) -> (&'static str, bool) {
    match metric {
        "revenue.net" => ("Revenue", false),
        "orders.count" => ("Orders", true),
        "orders.aov" => ("Average order value", false),
        "customers.active" => ("Active customers", true),
        "customers.new" => ("New customers", true),
        "customers.repeat_share" => ("The repeat-customer share", false),
        "traffic.conversion_rate" => ("Conversion rate", false),
        _ => ("The metric", false),
    }
}

/// A number in a sentence: up to 4 significant figures, no trailing zeros.
fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s.replace('-', "−")
}

/// The bucket in words: "3 Nov 2025", "the week of 3 Nov 2025", "Nov 2025".
fn bucket_words(bucket: Bucket, cal: &Calendar, start: f64) -> String {
    let local = start as i64 + cal.offset_ms(start as i64);
    let Some(d) = chrono::DateTime::from_timestamp_millis(local) else {
        return crate::data::dates::format_iso(start as i64);
    };
    match bucket {
        Bucket::Day => d.format("%-d %b %Y").to_string(),
        Bucket::Week => d.format("the week of %-d %b %Y").to_string(),
        Bucket::Month => d.format("%b %Y").to_string(),
    }
}

fn sentence(e: &Explanation, bucket: Bucket, cal: &Calendar) -> String {
    let (name, plural) = subject(&e.metric);
    let is = if plural { "are" } else { "is" };
    let when = bucket_words(bucket, cal, e.time);
    let prep = if bucket == Bucket::Day { "on" } else { "in" };
    let side = if e.gap < 0.0 { "below" } else { "above" };
    let mut s = match e.relative_gap {
        Some(rel) => {
            let lo = percent((e.lower - e.expected) / e.expected, true);
            let hi = percent((e.upper - e.expected) / e.expected, true);
            let band = if lo == "0 %" && hi == "0 %" {
                "±0 %".to_string()
            } else {
                format!("{lo} to {hi}")
            };
            format!(
                "{name} {prep} {when} {is} {} {side} expected (band {band})",
                percent(rel.abs(), false)
            )
        }
        None => format!(
            "{name} {prep} {when} {is} {} {side} the expected 0",
            number(e.gap.abs())
        ),
    };
    if e.gap == 0.0 {
        s = format!("{name} {prep} {when} {is} as expected");
    }
    let inside = e.observed >= e.lower && e.observed <= e.upper;
    if !e.flagged {
        s.push_str(if inside {
            ", within the expected band"
        } else {
            ", outside the band but not flagged"
        });
    }
    let leading: Vec<&Contribution> = e
        .contributions
        .iter()
        .filter(|c| c.share > 0.0)
        .take(2)
        .collect();
    // Within the band the gap is noise, and so is its split.
    let share = |c: &Contribution| {
        if (c.share * 100.0).round() > 100.0 {
            format!("more than the whole gap ({})", percent(c.share, false))
        } else {
            format!("{} of the gap", percent(c.share, false))
        }
    };
    if e.gap != 0.0 && (e.flagged || !inside) {
        match leading.as_slice() {
            [] => {}
            [one] => s.push_str(&format!("; {} accounts for {}", one.value, share(one))),
            [one, two, ..] => s.push_str(&format!(
                "; {} accounts for {}, {} for {}",
                one.value,
                share(one),
                two.value,
                percent(two.share, false)
            )),
        }
    }
    s.push('.');
    for a in &e.annotations {
        match &a.author {
            Some(who) => s.push_str(&format!(" Noted: “{}” ({who}).", a.text)),
            None => s.push_str(&format!(" Noted: “{}”.", a.text)),
        }
    }
    s
}
