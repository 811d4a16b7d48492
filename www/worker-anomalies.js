// The dashboard's anomaly task (issue #20, "Anomaly flags"): the KPIs day by day (kpiSeries,
// with the data set's traffic for the conversion rate when it has some), detectAnomalies on each,
// and explainAnomaly for the flagged days of the recent window, with the action log as
// annotations.

import { detectAnomalies, explainAnomaly, getDefinition, kpiSeries } from "/pkg/unimetric.js";
import { parseHead } from "./app/csv.js";
import { attempt } from "./worker-common.js";

/** The daily series the section shows; the conversion rate only with traffic. */
export const ANOMALY_METRICS = ["revenue.net", "orders.count", "orders.aov", "customers.active", "customers.new", "customers.repeat_share"];
export const CONVERSION = "traffic.conversion_rate";

/** Days of each series sent to the page (the trend chart and the tiles' last month). */
export const CHART_DAYS = 180;
/** The alerts' window: flagged days among the last ALERT_DAYS are explained. */
export const ALERT_DAYS = 90;
/** At most this many alerts (the newest) are explained. */
export const MAX_ALERTS = 12;

/**
 * Shares and rates whose numerator is a count: detected as counts out of their denominators, so
 * the rate test applies (as explainAnomaly does).
 */
const COUNTED = new Set(["customers.repeat_share", CONVERSION]);

/** The detection's input for a series metric: its values, or counts out of its denominator. */
function detectionInput(time, series, id) {
  if (COUNTED.has(id) && series.denominator) {
    return {
      time,
      value: Float64Array.from(series.value, (v, i) => Math.round(v * series.denominator[i])),
      denominator: series.denominator,
    };
  }
  return { time, value: series.value };
}

/**
 * The action log of a CSV text with columns date, text and author (optional): one annotation
 * per row with a date and a text; other rows are left out.
 */
export function readActions(text) {
  const { header, rows } = parseHead(text, Infinity, true);
  const at = (name) => header.findIndex((h) => h.toLowerCase() === name);
  const [date, note, author] = ["date", "text", "author"].map(at);
  if (date < 0 || note < 0) throw Object.assign(new Error("the action log needs the columns date and text"), { code: "E_MISSING_COLUMN", column: date < 0 ? "date" : "text" });
  return rows
    .filter((r) => r[date]?.trim() && r[note]?.trim())
    .map((r) => ({ date: r[date].trim(), text: r[note].trim(), ...(author >= 0 && r[author]?.trim() ? { author: r[author].trim() } : {}) }));
}

/** The last `n` entries of a typed array, as a plain array. */
const tail = (a, n) => Array.from(a.slice(Math.max(0, a.length - n)));

/**
 * The anomaly section's data for the current data set `current` (worker.js): `{ time, series:
 * { [id]: { observed, expected, lower, upper, flagged, score, definition } }, alerts,
 * annotations, definitions, options, by, traffic }`. `observationEnd` (day text or epoch ms)
 * ends the series; `annotations` are the page's own notes, added to the data set's action log.
 */
export function anomalyTask(current, { observationEnd, annotations = [] }) {
  const { tx } = current;
  const notes = [...(current.actions ?? []), ...annotations];
  const traffic = current.traffic ? { traffic: current.traffic.text, trafficMapping: current.traffic.mapping } : {};
  const metrics = current.traffic ? [...ANOMALY_METRICS, CONVERSION] : ANOMALY_METRICS;
  const range = observationEnd === undefined ? {} : { end: observationEnd };
  const s = kpiSeries(tx, { bucket: "day", metrics, annotations: notes, ...range, ...traffic });
  const n = s.time.length;
  const from = Math.max(0, n - CHART_DAYS);
  const alertFrom = Math.max(0, n - ALERT_DAYS);
  const series = {};
  const candidates = [];
  const definitions = { "anomaly.detect": getDefinition("anomaly.detect") };
  for (const id of metrics) {
    const m = s.series[id];
    definitions[id] = getDefinition(id);
    const r = attempt(() => detectAnomalies(detectionInput(s.time, m, id)));
    if (r.error) {
      series[id] = { error: r.error, definition: m.definition };
      continue;
    }
    const d = r.value;
    series[id] = {
      observed: tail(d.observed, CHART_DAYS),
      expected: tail(d.expected, CHART_DAYS),
      lower: tail(d.lower, CHART_DAYS),
      upper: tail(d.upper, CHART_DAYS),
      score: tail(d.score, CHART_DAYS),
      flagged: tail(d.flagged, CHART_DAYS),
      direction: tail(d.direction, CHART_DAYS),
      definition: m.definition,
      detection: d.definition,
      fallback: d.fallback ?? null,
    };
    for (let i = alertFrom; i < n; i++) {
      if (!d.flagged[i]) continue;
      const at = { observed: d.observed[i], expected: d.expected[i], lower: d.lower[i], upper: d.upper[i], direction: d.direction[i] };
      candidates.push({ metric: id, time: s.time[i], score: d.score[i], detection: at });
    }
  }
  // Newest first; on one day the most extreme first.
  candidates.sort((a, b) => b.time - a.time || Math.abs(b.score) - Math.abs(a.score));
  // explainAnomaly shares the gap out over a dimension: without channels an alert has the
  // detection's figures only.
  const by = tx.channels.length ? "channel" : null;
  const alerts = candidates.slice(0, MAX_ALERTS).map((c) => {
    const explained = by
      ? attempt(() => explainAnomaly(tx, { metric: c.metric, at: c.time, by, annotations: notes, ...range, ...traffic }))
      : { value: null, error: null };
    return { metric: c.metric, time: c.time, detection: c.detection, explanation: explained.value, error: explained.error };
  });
  return {
    options: { observationEnd: observationEnd ?? null, annotations: annotations.length },
    time: tail(s.time, CHART_DAYS),
    series,
    alerts,
    alertCount: candidates.length,
    window: { alertDays: ALERT_DAYS, chartDays: CHART_DAYS, from: s.time[alertFrom] ?? null, to: s.time[n - 1] ?? null },
    // Each note with its day's index in the days sent (null outside them).
    annotations: s.annotations.map((a) => ({
      time: a.time,
      text: a.text,
      author: a.author ?? null,
      index: a.bucket !== null && a.bucket >= from ? a.bucket - from : null,
    })),
    by,
    traffic: current.traffic ? { name: current.traffic.name } : null,
    definitions,
  };
}
