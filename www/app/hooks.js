// The test hooks: every window.__unimetric* global is assigned here, and nowhere else. They
// expose what each section shows (the raw library results, as plain values) for the browser
// tests in tests/browser/ and for the console.

import { tileFlags } from "./anomalies.js";
import { TOP_RISK } from "./churn.js";
import { TOP_CLV, mean, shownCohorts } from "./ltv.js";
import { rfmCounts, rfmGrid } from "./segments.js";
import { subscribe } from "./state.js";

/**
 * Sets `window.__unimetricEngine` to the worker client now, and each section's global whenever
 * its result changes: `__unimetric` (the KPIs), `__unimetricSeries` (the tiles' monthly series), `__unimetricCac`, `__unimetricChurn`,
 * `__unimetricAttribution`, `__unimetricLtv`, `__unimetricCohorts` (`{ options, matrix, retention, retentionError }`),
 * `__unimetricSegments` (null after a failure), `__unimetricAnomalies` (the anomaly task's result
 * with the tiles' flags; null after a failure), `__unimetricExperiment`
 * (`{ result, plan }`, each null after a failure) and `__unimetricSpec` (the metric spec).
 */
export function installHooks(engine) {
  window.__unimetricEngine = engine;
  subscribe("kpis", (state) => {
    window.__unimetric = state.result ? state.result.kpis : null;
    exposeSeries(state);
  });
  subscribe("anomalies", exposeAnomalies);
  subscribe("cac", exposeCac);
  subscribe("attribution", exposeAttribution);
  subscribe("churn", exposeChurn);
  subscribe("ltv", exposeLtv);
  subscribe("cohorts", exposeCohorts);
  subscribe("segments", exposeSegments);
  subscribe("spec", exposeSpec);
  subscribe("experiment", (state) => {
    window.__unimetricExperiment = { result: state.experimentResult ?? null, plan: state.planResult ?? null };
  });
}

/**
 * The KPI tiles' monthly series as the worker sent them (plain arrays: `time`, and per metric
 * `value`, `previous`, `lastYear`, `definition`), the tile → metric mapping, the series error,
 * and per tile what it shows (`tiles[key]`: month, value, changes, sparkline values and text).
 */
function exposeSeries(state) {
  const series = state.result?.series;
  if (!state.result) {
    window.__unimetricSeries = null;
    return;
  }
  window.__unimetricSeries = {
    observationEnd: state.result.kpis.observationEnd,
    error: state.result.seriesError,
    mapping: series ? { ...series.tiles } : null,
    time: series ? Array.from(series.time) : null,
    series: series
      ? Object.fromEntries(
          Object.entries(series.series).map(([id, s]) => [
            id,
            { value: Array.from(s.value), previous: Array.from(s.previous), lastYear: Array.from(s.lastYear), definition: s.definition },
          ]),
        )
      : null,
    tiles: state.trends ?? {},
  };
}

/**
 * What the alerts and trends section shows: the worker's anomaly result (daily series of the
 * last days with band and flags, alerts with their explanations, notes) and, per KPI tile, its
 * flagged days in the tile's last complete month.
 */
function exposeAnomalies(state) {
  const result = state.anomaliesResult;
  window.__unimetricAnomalies = result ? { ...result, metric: state.anomalies.metric, tiles: tileFlags() } : null;
}

/** The raw library results the CAC section shows. */
function exposeCac(state) {
  const result = state.cacResult;
  window.__unimetricCac = result
    ? {
        options: { ...result.options, variant: state.cac.variant },
        cac: result.table,
        payback: result.payback,
        ltv: result.ltv,
      }
    : null;
}

/**
 * What the attribution section shows: each model's conversions and shares (plain arrays), the
 * Markov chain, the comparison, the CAC month shown and the raw CAC tables; `touchpoints` false
 * when the data set has none, null after a failure.
 */
function exposeAttribution(state) {
  const result = state.attributionResult;
  if (!result) {
    window.__unimetricAttribution = null;
    return;
  }
  if (!result.touchpoints) {
    window.__unimetricAttribution = { options: { model: state.attribution.model }, touchpoints: false };
    return;
  }
  const { markov } = result;
  window.__unimetricAttribution = {
    options: { ...result.options },
    touchpoints: true,
    sample: result.sample,
    channels: result.channels,
    totals: result.totals,
    unattributed: result.unattributed,
    models: Object.fromEntries(
      Object.entries(result.models).map(([name, m]) => [
        name,
        { conversions: Array.from(m.conversions), value: Array.from(m.value), share: Array.from(m.share), definition: m.definition },
      ]),
    ),
    markov: markov && {
      order: markov.order,
      states: markov.states,
      from: Array.from(markov.from),
      to: Array.from(markov.to),
      probability: Array.from(markov.probability),
      conversionProbability: markov.conversionProbability,
      removalEffects: Array.from(markov.removalEffects),
    },
    comparison: result.comparison,
    cacMonth: result.latestCac?.month ?? null,
    cac: result.cac,
    economics: result.economics,
  };
}

/** What the churn section shows. */
function exposeChurn(state) {
  const result = state.churnResult;
  if (!result) {
    window.__unimetricChurn = null;
    return;
  }
  const { scores, order } = result;
  const row = (i) => ({
    customerId: scores.customerId[i],
    probability: scores.probability[i],
    recencyDays: scores.recencyDays[i],
    reasons: scores.reasons[i],
  });
  window.__unimetricChurn = {
    options: { ...result.options },
    cutoffs: { ...result.cutoffs },
    churnRate: result.rate.value,
    customers: result.rate.customers,
    scored: scores.customerId.length,
    top: order.slice(0, TOP_RISK).map(row),
    model: {
      names: result.model.names,
      oddsRatios: result.model.oddsRatios,
      coefficients: Array.from(result.model.coefficients),
      intercept: result.model.intercept,
      definition: result.model.definition,
    },
    evaluation: result.evaluation,
    evaluationError: result.evaluationError,
  };
}

/** What the lifetime value section shows. */
function exposeLtv(state) {
  const result = state.ltvResult;
  if (!result) {
    window.__unimetricLtv = null;
    return;
  }
  const { models, historical, order } = result;
  let clv = null;
  if (models) {
    const v = models.clv;
    const column = (name) => Array.from(v[name]);
    clv = {
      customerId: Array.from(v.customerId),
      clv: column("clv"),
      probabilityAlive: column("probabilityAlive"),
      noRepeatPurchase: column("noRepeatPurchase"),
      expectedPurchases: column("expectedPurchases"),
      expectedSpend: column("expectedSpend"),
      discountFactor: column("discountFactor"),
      margin: v.margin,
      total: v.total,
      definition: v.definition,
    };
  }
  window.__unimetricLtv = {
    options: { ...result.options },
    clvOptions: { ...result.clvOptions },
    period: result.period,
    averageClv: models ? mean(models.clv.clv) : null,
    top: models ? order.slice(0, TOP_CLV).map((i) => models.clv.customerId[i]) : [],
    clv,
    bgnbd: models?.bgnbd ?? null,
    purchases: models?.purchases ?? null,
    gammaGamma: models?.gammaGamma ?? null,
    historical: historical
      ? {
          definition: historical.definition,
          cohorts: historical.cohorts.map((c) => ({ ...c, cumulative: Array.from(c.cumulative) })),
          shown: shownCohorts(historical).map((c) => c.month),
        }
      : null,
    modelsError: result.modelsError,
    historicalError: result.historicalError,
  };
}

/**
 * What the cohorts section shows: the last cohort matrix (`values` null where incomplete, `labels`
 * the rows as shown), the last retention fit and its error.
 */
function exposeCohorts(state) {
  const result = state.cohortsResult;
  window.__unimetricCohorts = {
    options: result ? { ...result.options } : state.cohorts ? { ...state.cohorts } : undefined,
    matrix: result
      ? {
          labels: result.labels,
          cohortStart: result.cohortStart,
          cohortSize: result.cohortSize,
          channel: result.channel,
          ages: result.ages,
          values: result.values,
          complete: result.complete,
          definition: result.definition,
        }
      : null,
    retention: state.retentionResult,
    retentionError: state.retentionError,
  };
}

/** What the segments section shows. */
function exposeSegments(state) {
  const result = state.segmentsResult;
  if (!result) {
    window.__unimetricSegments = null;
    return;
  }
  const { segmentation, chooseK, rfm } = result;
  window.__unimetricSegments = {
    options: { ...result.options, x: state.segments.x, y: state.segments.y, log: state.segments.log },
    period: result.period,
    segmentation: segmentation
      ? { ...segmentation, labels: Array.from(segmentation.labels), centroids: Array.from(segmentation.centroids) }
      : null,
    chooseK,
    rfm: rfm
      ? { ...rfm, r: Array.from(rfm.r), f: Array.from(rfm.f), m: Array.from(rfm.m), counts: rfmCounts(rfm), grid: rfmGrid(rfm).counts }
      : null,
    segmentationError: result.segmentationError,
    chooseKError: result.chooseKError,
    rfmError: result.rfmError,
  };
}

/**
 * What the metric spec section shows: the loaded spec (name, version, hashes, document), the
 * edited one and its drift, each tile's value with its definition, the file Download would
 * save, and the errors (`error`: the spec could not be loaded; `editError`: the edit is invalid).
 */
function exposeSpec(state) {
  const result = state.specResult;
  window.__unimetricSpec = {
    source: state.specLabel,
    edits: Object.fromEntries(state.specEdits),
    loaded: result?.loaded ?? null,
    edited: result?.edited ?? null,
    values: result?.values ?? null,
    errors: result?.errors ?? null,
    diff: result?.diff ?? null,
    download: result?.download ?? null,
    markdown: result?.markdown ?? null,
    error: state.specError,
    editError: state.specEditError,
  };
}
