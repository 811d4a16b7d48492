// The dashboard's tasks, added to the package's worker (unimetric/worker-thread), which does
// the messaging, progress reports and error copies. The page calls them with
// `UnimetricWorker.call(task, [args], { onProgress, signal })`; each task composes library calls
// on the data set held here, so one request brings back everything a section shows.

import { expose } from "/pkg/worker-thread.js";
import {
  Spend,
  Transactions,
  cac,
  cacPayback,
  chooseKCustomers,
  churnFeatures,
  clv,
  cohorts,
  evaluateChurn,
  experiment,
  experimentOnTransactions,
  fitBgNbd,
  fitParetoNbd,
  fitChurn,
  fitGammaGamma,
  fitShiftedBetaGeometric,
  getDefinition,
  historicalLtv,
  inferDateFormat,
  kpiSeries,
  ltvToCac,
  planExperiment,
  rfmScores,
  segmentCustomers,
  version,
} from "/pkg/unimetric.js";
import { CONVERSION, anomalyTask, readActions } from "./worker-anomalies.js";
import { attributionTask, freeTouchpoints, readTouchpoints } from "./worker-attribution.js";
import { DAY_MS, attempt, isoDay, plainError } from "./worker-common.js";
import { tileSeries } from "./worker-kpi-series.js";
import { specTask } from "./worker-spec.js";

// The package's worker runs requests strictly one after another, so a computation never sees a
// half-replaced data set.

/**
 * The current data set: transactions and, optionally, the marketing spend and the customers'
 * touchpoints that go with them. Replaced only when a new one loads successfully (every file
 * given).
 */
let current = null;

/** The CAC definitions the dashboard shows. */
const CAC_METRICS = ["cac.blended", "cac.paid", "cac.channel", "cac.payback", "cac.payback_simple", "cac.ltv_ratio"];

/** The churn definitions the dashboard shows. */
const CHURN_METRICS = ["churn.noncontractual", "churn.rate", "churn.features", "churn.propensity", "churn.evaluation"];

/** The lifetime value definitions the dashboard shows. */
const LTV_METRICS = ["ltv.clv", "ltv.bgnbd", "ltv.pareto_nbd", "ltv.gamma_gamma", "ltv.historical"];

/** The segment definitions the dashboard shows. */
const SEGMENT_METRICS = ["segment.kmeans", "segment.choose_k", "segment.rfm"];

/** Ages (in months) the cohort heatmap shows. */
const COHORT_MAX_AGE = 24;

/** The discount rate per period of the retention panel's DERL. */
const DERL_RATE = 0.1;

/** The range of k the segment chooser scores. */
const CHOOSE_K = { kMin: 2, kMax: 8 };

/** Summary period of the LTV models (their usual unit) and of the segments (the library's default). */
const LTV_PERIOD = "week";
const SEGMENT_PERIOD = "day";

/** The last chooseKCustomers result, for the data set and seed it was computed on (it is the slow part). */
let chooserCache = null;

/** Reasons listed per scored customer. */
const CHURN_REASONS = 3;

/** Library errors that mean "not enough history for this horizon" rather than a fault. */
const DATA_SHORTAGE = new Set(["E_EMPTY", "E_INSUFFICIENT_DATA"]);

/** Rejected rows reported per load (the rest are counted). */
const MAX_REJECTED = 200;

const handlers = {
  /**
   * Loads transactions CSV from a same-origin URL or from a File, with a column mapping, and
   * optionally a spend CSV (`spend: { url | file, mapping, name }`) with its own mapping. Rows
   * that are wrong on their own are left out and reported (`rejected`, `rejectedCount`); the
   * rest of the file is used. `touchpoints: { url | file, mapping, name }` (optional) are the
   * customers' marketing touches for the attribution task. `traffic: { url | file, mapping, name }`
   * (optional) are daily visits (columns date, visits and optionally channel, named by the
   * mapping) for the conversion rate, and `actions: { url | file, name }` (optional) the action
   * log (columns date, text, author) the anomaly alerts are annotated with.
   */
  async load({ url, file, mapping, name, spend, touchpoints, traffic, actions }) {
    const report = Transactions.fromCsvSkippingBadRows(await readBytes({ url, file }), mapping, {
      maxReported: MAX_REJECTED,
    });
    const next = report.transactions;
    const rejected = { rows: report.rejected, count: report.rejectedCount };
    let nextSpend = null;
    if (spend) {
      try {
        nextSpend = Spend.fromCsv(await readBytes(spend), spend.mapping);
      } catch (err) {
        next.free();
        // Tells the page which of the two files the error is about.
        if (err && typeof err === "object") err.source = "spend";
        throw err;
      }
    }
    let nextTouchpoints = null;
    if (touchpoints) {
      try {
        nextTouchpoints = readTouchpoints(await readBytes(touchpoints), touchpoints.mapping, next);
      } catch (err) {
        next.free();
        nextSpend?.free();
        if (err && typeof err === "object") err.source = "touchpoints";
        throw err;
      }
    }
    let nextTraffic = null;
    let nextActions = null;
    let source = "traffic";
    try {
      if (traffic) {
        nextTraffic = { text: new TextDecoder().decode(await readBytes(traffic)), mapping: traffic.mapping, name: traffic.name };
        // Read once here, so a file the library cannot read is refused with the load.
        kpiSeries(next, { bucket: "month", metrics: [CONVERSION], traffic: nextTraffic.text, trafficMapping: nextTraffic.mapping });
      }
      if (actions) {
        source = "actions";
        nextActions = readActions(new TextDecoder().decode(await readBytes(actions)));
      }
    } catch (err) {
      next.free();
      nextSpend?.free();
      freeTouchpoints(nextTouchpoints);
      if (err && typeof err === "object") err.source = source;
      throw err;
    }
    current?.tx.free();
    current?.spend?.free();
    freeTouchpoints(current?.touchpoints);
    current = {
      tx: next,
      name,
      spend: nextSpend,
      spendName: spend ? spend.name : null,
      touchpoints: nextTouchpoints,
      touchpointsName: touchpoints ? touchpoints.name : null,
      traffic: nextTraffic,
      actions: nextActions,
      actionsName: actions ? actions.name : null,
    };
    // The rejected rows go to the page once, with the load; later tasks describe the data only.
    return { ...describe(), rejected };
  },

  /**
   * CAC per period, cohort and textbook payback, and LTV:CAC, on the current spend; the raw
   * library results plus the definitions they refer to. `{ spend: null }` without spend.
   */
  economics({ period, attributionLag, margin }) {
    if (!current) throw new Error("no data loaded");
    if (!current.spend) return { spend: null };
    const { tx, spend } = current;
    const definitions = {};
    for (const id of CAC_METRICS) definitions[id] = getDefinition(id);
    return {
      spend: describe().spend,
      table: cac(spend, tx, { period, attributionLag }),
      payback: cacPayback(spend, tx, { margin, attributionLag }),
      ltv: ltvToCac(spend, tx, { margin, attributionLag, ltv: "historical" }),
      definitions,
    };
  },

  /**
   * Churn for a horizon, with cutoffs taken from the data so that every label window is observed:
   * the model is fitted at `fit` = last transaction day − horizon and scores every customer at
   * the last transaction day (`scoring`, where churn is still unknown); the quality panel fits at
   * `train` = last day − 2 × horizon and tests at `test` = `fit`. Too short a history for the
   * fit throws (E_EMPTY / E_INSUFFICIENT_DATA); too short for the evaluation only leaves
   * `evaluation` null with the library's error in `evaluationError`.
   */
  churn({ horizonDays, alpha }) {
    if (!current) throw new Error("no data loaded");
    const { tx } = current;
    const lastDay = Math.floor(tx.timeRange.last / DAY_MS) * DAY_MS;
    const cutoffs = {
      first: isoDay(Math.floor(tx.timeRange.first / DAY_MS) * DAY_MS),
      scoring: isoDay(lastDay),
      fit: isoDay(lastDay - horizonDays * DAY_MS),
      train: isoDay(lastDay - 2 * horizonDays * DAY_MS),
      test: isoDay(lastDay - horizonDays * DAY_MS),
    };
    const definitions = {};
    for (const id of CHURN_METRICS) definitions[id] = getDefinition(id);

    let fitted;
    let model;
    try {
      // Labels exist here by construction: the data reach the fit cutoff + horizon.
      fitted = churnFeatures(tx, { cutoff: cutoffs.fit, horizonDays });
      model = fitChurn(fitted, fitted.labels, { alpha });
    } catch (err) {
      // Lets the page say which days were too early.
      if (err && typeof err === "object") err.cutoffs = cutoffs;
      throw err;
    }
    try {
      const scored = churnFeatures(tx, { cutoff: cutoffs.scoring, horizonDays });
      const recencyColumn = scored.names.indexOf("recencyDays");
      let evaluation = null;
      let evaluationError = null;
      try {
        evaluation = evaluateChurn(tx, {
          trainCutoff: cutoffs.train,
          testCutoff: cutoffs.test,
          horizonDays,
          alpha,
        });
      } catch (err) {
        if (!DATA_SHORTAGE.has(err?.code)) throw err;
        evaluationError = plainError(err);
      }
      return {
        options: { horizonDays, alpha },
        cutoffs,
        rate: {
          value: fitted.churnRate,
          customers: fitted.customerId.length,
          features: fitted.definition,
        },
        scores: {
          customerId: scored.customerId,
          probability: model.predict(scored).values,
          recencyDays: Float64Array.from(scored.customerId, (_, row) => scored.values[row * scored.nCols + recencyColumn]),
          reasons: model.reasons(scored, CHURN_REASONS),
          features: scored.definition,
        },
        model: {
          names: model.names,
          oddsRatios: model.oddsRatios,
          coefficients: model.coefficients,
          intercept: model.intercept,
          definition: model.definition,
        },
        evaluation,
        evaluationError,
        definitions,
        data: describe(),
      };
    } finally {
      model.free();
    }
  },

  /**
   * Predictive CLV (BG/NBD + Gamma-Gamma on a weekly summary) with its breakdown, and the
   * historical cohort curves. The two parts fail independently: a library error in one leaves
   * the other in place, with the error in `modelsError` or `historicalError`.
   */
  lifetime({ horizonMonths, discountConvention, discountRate, continuousRate, margin, model = "ltv.bgnbd" }, progress) {
    if (!current) throw new Error("no data loaded");
    const { tx } = current;
    const definitions = {};
    for (const id of LTV_METRICS) definitions[id] = getDefinition(id);
    const clvOptions = { horizonMonths, discountConvention, margin };
    if (discountConvention === "continuous") clvOptions.continuousRate = continuousRate;
    else clvOptions.discountRate = discountRate;

    const models = attempt(() => {
      const summary = tx.summary({ period: LTV_PERIOD });
      let purchases;
      let spend;
      try {
        // The purchase model: BG/NBD (reports progress) or Pareto/NBD, on the same summary.
        purchases = model === "ltv.pareto_nbd" ? fitParetoNbd(summary) : fitBgNbd(summary, { onProgress: progress });
        spend = fitGammaGamma(summary, { onProgress: progress });
        const fitted = { ...purchases.toJSON(), definition: purchases.definition };
        return {
          purchases: fitted,
          bgnbd: model === "ltv.pareto_nbd" ? null : fitted,
          gammaGamma: { ...spend.toJSON(), definition: spend.definition },
          clv: clv(purchases, spend, summary, clvOptions),
        };
      } finally {
        spend?.free();
        purchases?.free();
        summary.free();
      }
    });
    const historical = attempt(() => historicalLtv(tx, { margin }));
    return {
      period: LTV_PERIOD,
      clvOptions,
      models: models.value,
      modelsError: models.error,
      historical: historical.value,
      historicalError: historical.error,
      definitions,
      data: describe(),
    };
  },

  /**
   * The cohort matrix of the current data set: monthly cohorts by months since acquisition, up
   * to COHORT_MAX_AGE, of one measure, optionally split by acquisition channel, with `margin`
   * (the margin rate of the `margin` measure) when given. Plain arrays (incomplete cells are
   * null in `values`) with the definition.
   */
  cohorts({ measure, by, margin }) {
    if (!current) throw new Error("no data loaded");
    const options = { measure, maxAge: COHORT_MAX_AGE, ...(by ? { by } : {}), ...(margin === undefined ? {} : { margin }) };
    const matrix = cohorts(current.tx, options);
    return {
      cohortStart: Array.from(matrix.cohortStart),
      cohortSize: Array.from(matrix.cohortSize),
      channel: matrix.channel,
      ages: Array.from(matrix.ages),
      values: Array.from(matrix.values, (v, i) => (matrix.complete[i] ? v : null)),
      complete: Array.from(matrix.complete),
      definition: matrix.definition,
      definitions: { "cohort.matrix": getDefinition("cohort.matrix") },
    };
  },

  /**
   * A shifted-beta-geometric (or beta-discrete-Weibull) fit on survivor counts (one array per
   * cohort): the parameters, the first cohort's observed survival share per period, the model's
   * survival curve S(0) … S(horizon), E[T] (null when infinite) and DERL at DERL_RATE for a new
   * customer, with the definition.
   */
  retention({ survivors, model, period, horizon }) {
    const fitted = fitShiftedBetaGeometric({ survivors }, { model, period });
    try {
      const first = survivors[0];
      return {
        model: fitted.model,
        params: { ...fitted.params },
        logLikelihood: fitted.logLikelihood ?? null,
        converged: fitted.converged,
        customers: fitted.customers,
        cohorts: survivors.length,
        observed: first.map((n) => n / first[0]),
        curve: Array.from(fitted.survivalCurve(horizon)),
        expectedLifetime: fitted.expectedLifetime(),
        derl: fitted.derl(DERL_RATE, 0),
        derlRate: DERL_RATE,
        horizon,
        definition: fitted.definition,
        definitions: { [`retention.${fitted.model}`]: getDefinition(`retention.${fitted.model}`) },
      };
    } finally {
      fitted.free();
    }
  },

  /**
   * k-means segments, the k chooser and RFM scores on a daily summary, plus the summary columns
   * the scatter plot needs. Each part fails independently (its error in `…Error`).
   */
  segments({ k, seed }, progress) {
    if (!current) throw new Error("no data loaded");
    const { tx } = current;
    const definitions = {};
    for (const id of SEGMENT_METRICS) definitions[id] = getDefinition(id);
    const summary = tx.summary({ period: SEGMENT_PERIOD });
    try {
      const segmentation = attempt(() => {
        const result = segmentCustomers(summary, { k, seed, onProgress: progress });
        const { model, ...plain } = result;
        model.free();
        return plain;
      });
      if (chooserCache?.tx !== tx || chooserCache.seed !== seed) {
        chooserCache = {
          tx,
          seed,
          ...attempt(() => chooseKCustomers(summary, { ...CHOOSE_K, seed, onProgress: progress })),
        };
      }
      const rfm = attempt(() => rfmScores(summary, {}));
      return {
        period: SEGMENT_PERIOD,
        options: { k, seed },
        columns: {
          customerId: summary.customerId,
          monetaryValue: summary.monetaryValue,
          frequency: summary.frequency,
          recency: summary.recency,
          T: summary.T,
          revenue: summary.revenue ?? null,
        },
        segmentation: segmentation.value,
        segmentationError: segmentation.error,
        chooseK: chooserCache.value,
        chooseKError: chooserCache.error,
        rfm: rfm.value,
        rfmError: rfm.error,
        definitions,
        data: describe(),
      };
    } finally {
      summary.free();
    }
  },

  /** An A/B test from each arm's counts (`experiment`); needs no data set. */
  experiment({ input, options }) {
    return experiment(input, options);
  },

  /**
   * An A/B test measured on the loaded transactions (`experimentOnTransactions`): the
   * assignments CSV (`url` or `file`) under `mapping`, the metric and window in `options`.
   */
  async experimentOnTransactions({ url, file, mapping, options }) {
    if (!current) throw new Error("no data loaded");
    const bytes = await readBytes({ url, file });
    const result = experimentOnTransactions(bytes, current.tx, { ...options, mapping });
    return { result, data: describe() };
  },

  /** Units per arm and days for a planned test (`planExperiment`); needs no data set. */
  planExperiment({ input }) {
    return planExperiment(input);
  },

  /** How a column's text dates write day and month (`inferDateFormat`); needs no data set. */
  dateFormat({ values, column }) {
    return inferDateFormat(values, column);
  },

  /** The definitions of these ids (`{ id: definition }`); needs no data set. */
  definitions({ ids }) {
    return Object.fromEntries(ids.map((id) => [id, getDefinition(id)]));
  },

  /**
   * The metric spec section (www/worker-spec.js). Stateless, so a replaced worker answers the
   * same; `data` describes the data set the spec was evaluated on (null without one).
   */
  spec(options) {
    return { ...specTask(current, options), data: current ? describe() : null };
  },

  /**
   * Attribution of the first purchases to the customers' touchpoints (every model, Markov of
   * `order`, `lookbackDays`), last touch compared with `model`, and CAC by channel under `model`
   * next to first-purchase CAC; `{ touchpoints: false }` when the data set has no touchpoints.
   */
  attribution(options) {
    if (!current) throw new Error("no data loaded");
    return { ...attributionTask(current, options), data: describe() };
  },

  /**
   * The KPIs day by day up to `observationEnd`, each with its expected band and flagged days,
   * and the flagged days of the recent window explained by channel (www/worker-anomalies.js);
   * `annotations` are the page's own notes, added to the data set's action log.
   */
  anomalies(options) {
    if (!current) throw new Error("no data loaded");
    return { ...anomalyTask(current, options), data: describe() };
  },

  /**
   * KPIs with the definitions they refer to, the monthly net revenue series, and the tiles'
   * monthly KPI series (`series`, www/worker-kpi-series.js; null with `seriesError` when the
   * library cannot make them).
   */
  compute({ period, observationEnd }) {
    if (!current) throw new Error("no data loaded");
    const options = observationEnd ? { period, observationEnd } : { period };
    const kpis = current.tx.kpis(options);
    const definitions = {};
    for (const value of Object.values(kpis)) {
      const id = value?.definition?.metric;
      if (id && !definitions[id]) definitions[id] = getDefinition(id);
    }
    const series = attempt(() => tileSeries(current.tx, observationEnd));
    return {
      kpis,
      definitions,
      monthly: monthlyRevenue(kpis.observationEnd),
      series: series.value,
      seriesError: series.error,
      data: describe(),
    };
  },
};

/** The bytes of a File, or of a same-origin URL. */
async function readBytes({ url, file }) {
  if (file) return new Uint8Array(await file.arrayBuffer());
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function describe() {
  const { tx, name, spend, spendName } = current;
  return {
    name,
    transactions: tx.length,
    customers: tx.customerCount,
    timeRange: tx.timeRange,
    channels: tx.channels,
    spend: spend
      ? { name: spendName, rows: spend.length, total: spend.total, channels: spend.channels }
      : null,
    touchpoints: current.touchpoints ? { name: current.touchpointsName, touches: current.touchpoints.touches } : null,
    traffic: current.traffic ? { name: current.traffic.name } : null,
    actions: current.actions ? { name: current.actionsName, count: current.actions.length } : null,
    library: version(),
  };
}

/**
 * Net revenue per UTC calendar month, up to the observation end.
 *
 * Rather than re-implementing the metric here, each month's value is the difference of the
 * library's own `revenue.net` between consecutive month ends (period "day", so a date-only
 * end includes that whole day). The bars therefore add up to the revenue tile exactly.
 */
function monthlyRevenue(observationEnd) {
  const { first } = current.tx.timeRange;
  const endDay = isoDay(observationEnd);
  const months = [];
  let cursor = new Date(first);
  cursor = new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth(), 1));
  let previous = 0;
  while (cursor.getTime() <= observationEnd) {
    const nextMonth = Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, 1);
    const monthEnd = isoDay(nextMonth - DAY_MS);
    const cutoff = monthEnd < endDay ? monthEnd : endDay;
    const total = revenueUpTo(cutoff, previous);
    months.push({ month: isoDay(cursor.getTime()).slice(0, 7), revenue: total - previous });
    previous = total;
    cursor = new Date(nextMonth);
  }
  return months;
}

/** The library's `revenue.net` up to a day; `fallback` while no purchase precedes it. */
function revenueUpTo(day, fallback) {
  try {
    return current.tx.kpis({ period: "day", observationEnd: day }).revenue.value;
  } catch (err) {
    // E_EMPTY: nothing but refunds so far, so there is no customer base to report on yet.
    if (err?.code === "E_EMPTY") return fallback;
    throw err;
  }
}


// Each task takes the page's options object; `progress` forwards the library's progress reports.
expose(
  Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      ([options = {}], { progress }) => handler(options, progress),
    ]),
  ),
);
