// The page's state. The settings live in the URL so a link reproduces the same numbers: each
// section reads its settings from the URL's parameters and writes them back through writeUrl.

import { isoDay } from "./format.js";
import { param } from "./limits.js";

/** The sample data set loaded at start-up, with its column mappings. */
export const SAMPLE = {
  url: "/data/transactions.csv",
  name: "transactions.csv (sample)",
  mapping: {
    customerId: "customer_id",
    timestamp: "order_date",
    amount: "amount",
    orderId: "order_id",
    channel: "channel",
  },
  spend: {
    url: "/data/spend.csv",
    name: "spend.csv (sample)",
    mapping: { date: "month", channel: "channel", amount: "amount", channelType: "channel_type" },
  },
  // Simulated marketing touches of the same customers (and of prospects who never bought).
  touchpoints: {
    url: "/data/touchpoints.csv",
    name: "touchpoints.csv (sample)",
    mapping: { journeyId: "customer_id", timestamp: "touched_at", channel: "channel" },
  },
  // Simulated daily site visits per channel (scripts/traffic-sample.mjs), for the conversion rate.
  traffic: {
    url: "/data/traffic.csv",
    name: "traffic.csv (sample)",
    mapping: { date: "date", visits: "visits", channel: "channel" },
  },
  // The sample's action log: what marketing and the site team did, and when.
  actions: { url: "/data/actions.csv", name: "actions.csv (sample)" },
};

/**
 * The sample's experiment on its own customers (unimetric::sim::simulate_experiment): who was
 * assigned to which arm and when; the treatment acted for 30 days.
 */
export const SAMPLE_ASSIGNMENTS = {
  url: "/data/assignments.csv",
  name: "assignments.csv (sample)",
  mapping: { unitId: "customer_id", arm: "variant", assignedAt: "assigned_at" },
  windowDays: 30,
};

export const sampleRequest = () => ({
  url: SAMPLE.url,
  mapping: SAMPLE.mapping,
  name: SAMPLE.name,
  spend: SAMPLE.spend,
  touchpoints: SAMPLE.touchpoints,
  traffic: SAMPLE.traffic,
  actions: SAMPLE.actions,
});

export const state = {
  period: null, // KPI period and observation end (the KPI section reads them from the URL)
  end: "",
  loadRequest: null, // the request of the data set in use, to load it again into a new worker
  loadedGeneration: null, // the engine generation that holds it
  data: null, // description of the loaded data set (from the worker)
  result: null, // last successful computation
  trends: null, // what each KPI tile shows of its monthly series (kpi-trend.js), by tile key
  generation: 0, // increments per computation; stale answers are dropped
  cac: null, // each section's settings, from the URL
  cacResult: null, // last successful CAC computation (with spend)
  cacGeneration: 0,
  churn: null,
  churnResult: null, // last successful churn computation, with `order` (row indices by risk)
  churnGeneration: 0,
  ltv: null,
  ltvResult: null, // last lifetime value computation, with `order` (row indices by CLV)
  ltvGeneration: 0,
  segments: null,
  segmentsResult: null,
  segmentsGeneration: 0,
  cohorts: null,
  cohortsResult: null, // last cohort matrix, with `labels` (the rows as shown) and `options`
  cohortsGeneration: 0,
  retentionResult: null, // last retention fit, with the `request` it was fitted on
  retentionError: null, // the library's error of the last fit, when it failed
  retentionGeneration: 0,
  experimentResult: null, // last experiment() result of the experiments section
  planResult: null, // last planExperiment() result
  specSource: null, // the spec's URL (?spec=, else specs/demo.json)
  specFile: null, // the name of the spec file picked, when it came from the file picker
  specText: null, // the loaded spec's text, parsed in the worker on each computation
  specLabel: null, // where it came from, for messages
  specEdits: new Map(), // settings changed in the page: spec path → value
  specResult: null, // last successful spec computation (parsed, evaluated, diffed)
  specError: null, // why the spec could not be loaded, when it could not
  specEditError: null, // why the edited document is invalid, when it is
  specFormFor: null, // hash of the spec the settings form was built for
  specGeneration: 0,
  attribution: null, // the attribution settings (`model`), from the URL
  attributionResult: null, // last attribution computation (`{ touchpoints: false }` without touchpoints)
  attributionGeneration: 0,
  anomalies: null, // the anomaly settings (`metric` of the trend chart), from the URL
  anomaliesResult: null, // last anomaly computation: daily series with bands, alerts, annotations
  anomaliesGeneration: 0,
};

/** Listeners per section, told when the section's result (or its absence) changes. */
const listeners = new Map();

export function subscribe(section, listener) {
  if (!listeners.has(section)) listeners.set(section, []);
  listeners.get(section).push(listener);
}

/** Tells the listeners of `section` that its result changed. */
export function publish(section) {
  for (const listener of listeners.get(section) ?? []) listener(state);
}

export function isValidDay(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && isoDay(date.getTime()) === text;
}

/** A whole number in [min, max] (no upper bound when `max` is null), or null. */
/** A whole number within the range of parameter `name` of definition `id`, or null. */
export function parseWholeParam(id, name, text) {
  const { min, max } = param(id, name);
  return parseWhole(text, min ?? 0, max);
}

export function parseWhole(text, min, max) {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return n >= min && (max === null || n <= max) ? n : null;
}

/** A discount rate in [0, 1], or null. */
export function parseRate(text) {
  if (text.trim() === "") return null;
  const rate = Number(text);
  return Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : null;
}

/** A gross margin rate in (0, 1], or null. */
export function parseMargin(text) {
  if (text.trim() === "") return null;
  const margin = Number(text);
  return Number.isFinite(margin) && margin > 0 && margin <= 1 ? margin : null;
}

/** A finite regularisation strength ≥ 0, or null. */
export function parseAlpha(text) {
  if (text.trim() === "") return null;
  const alpha = Number(text);
  return Number.isFinite(alpha) && alpha >= 0 ? alpha : null;
}

/**
 * Writes the KPI settings to the URL, and the settings of the sections whose `writers` are given
 * (each `writer(params)` sets its own parameters); the other sections' parameters stay as they are.
 */
export function writeUrl(...writers) {
  const params = new URLSearchParams(location.search);
  params.set("period", state.period);
  if (state.end) params.set("end", state.end);
  else params.delete("end");
  for (const write of writers) write(params);
  const url = `${location.pathname}?${params}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) {
    history.pushState(null, "", url);
  }
}
