//! Every options type's `Default` agrees with the machine-readable defaults of its definition's
//! parameters: the options deserialised from an object holding each parameter's literal `value`
//! (for the parameters the type has) equal `T::default()`. A default written into a `Default`
//! impl that differs from the glossary, or a parameter whose `value` cannot be read back by the
//! options type, fails here.

use serde::de::DeserializeOwned;
use std::fmt::Debug;
use unimetric::glossary::{field_names, Definition, Literal};

/// Checks `T::default()` against the literal defaults of `def`'s parameters; returns how many
/// parameters were compared (so a type that matches none of them is noticed).
fn agrees<T: DeserializeOwned + Default + PartialEq + Debug>(def: &Definition) -> usize {
    let fields = field_names::<T>();
    let mut object = serde_json::Map::new();
    for p in def.parameters {
        if !fields.contains(&p.name) {
            continue;
        }
        let value = match p.value {
            // JS has one number type; JSON integers stand for whole JS numbers.
            Literal::Number(x) if x.fract() == 0.0 && x.abs() < 9e15 => serde_json::json!(x as i64),
            Literal::Number(x) => serde_json::json!(x),
            Literal::Text(s) => serde_json::json!(s),
            Literal::Bool(b) => serde_json::json!(b),
            Literal::None => continue,
        };
        object.insert(p.name.to_string(), value);
    }
    let n = object.len();
    let from_glossary: T = serde_json::from_value(serde_json::Value::Object(object))
        .unwrap_or_else(|e| panic!("{}: the parameters' values do not read back: {e}", def.id));
    assert_eq!(
        from_glossary,
        T::default(),
        "{}: Default differs from the glossary",
        def.id
    );
    n
}

#[test]
fn options_defaults_agree_with_the_glossary() {
    use unimetric::{cac, churn, cohort, experiment, ltv, segment, summary};
    let compared = [
        (
            "cohort",
            agrees::<cohort::CohortOptions>(&cohort::DEFINITION),
        ),
        (
            "summary",
            agrees::<summary::SummaryOptions>(&summary::DEFINITION),
        ),
        ("clv", agrees::<ltv::clv::ClvOptions>(&ltv::clv::DEFINITION)),
        (
            "historical",
            agrees::<ltv::historical::HistoricalOptions>(&ltv::historical::DEFINITION),
        ),
        (
            "bgnbd",
            agrees::<ltv::bgnbd::BgNbdOptions>(&ltv::bgnbd::DEFINITION),
        ),
        (
            "pareto",
            agrees::<ltv::bgnbd::BgNbdOptions>(&ltv::pareto_nbd::DEFINITION),
        ),
        (
            "gamma_gamma",
            agrees::<ltv::gamma_gamma::GammaGammaOptions>(&ltv::gamma_gamma::DEFINITION),
        ),
        ("cac", agrees::<cac::CacOptions>(&cac::CHANNEL)),
        ("payback", agrees::<cac::PaybackOptions>(&cac::PAYBACK)),
        ("ltv_ratio", agrees::<cac::LtvCacOptions>(&cac::LTV_RATIO)),
        ("churn fit", agrees::<churn::FitOptions>(&churn::PROPENSITY)),
        (
            "kmeans",
            agrees::<segment::model::KMeansOptions>(&segment::DEFINITION),
        ),
        (
            "segment",
            agrees::<segment::model::SegmentOptions>(&segment::DEFINITION),
        ),
        (
            "choose k",
            agrees::<segment::choose::ChooseKOptions>(&segment::choose::DEFINITION),
        ),
        (
            "sbg",
            agrees::<ltv::retention::RetentionOptions>(&ltv::retention::SBG),
        ),
        (
            "bdw",
            agrees::<ltv::retention::RetentionOptions>(&ltv::retention::BDW),
        ),
        (
            "bgbb",
            agrees::<ltv::bgbb::BgBbOptions>(&ltv::bgbb::DEFINITION),
        ),
        (
            "experiment",
            agrees::<experiment::ExperimentOptions>(&experiment::FREQUENTIST),
        ),
        (
            "sequential",
            agrees::<experiment::ExperimentOptions>(&experiment::SEQUENTIAL_DEF),
        ),
        (
            "bayesian",
            agrees::<experiment::ExperimentOptions>(&experiment::BAYESIAN),
        ),
        (
            "report",
            agrees::<experiment::ExperimentReportOptions>(&experiment::REPORT),
        ),
        (
            "experiment on transactions",
            agrees::<experiment::ExperimentOnTransactionsOptions>(
                &experiment::on_transactions::CONVERSION,
            ),
        ),
        (
            "kpi series",
            agrees::<unimetric::kpi_series::KpiSeriesOptions>(&unimetric::kpi_series::ACTIVE),
        ),
    ];
    for (what, n) in compared {
        assert!(
            n > 0,
            "{what}: no parameter with a literal default was compared"
        );
    }
}
