// Alerts and trends (issue #20, "Anomaly flags"): the worker's `anomalies` task runs each KPI day
// by day through detectAnomalies and explains the recent flagged days with explainAnomaly; this
// module shows the alerts, the trend chart with its expected band, flags and notes, the flag
// marks of the KPI tiles, and the notes the user adds (kept in localStorage).

import { PALETTE, chartIn } from "./chart.js";
import { runTask } from "./engine.js";
import { $, LOCALE, compact, formatValue, h } from "./format.js";
import { publish, state, subscribe, writeUrl } from "./state.js";
import { MODEL_SHORTAGE, formatParams, renderError, renderShortage, showDefinition } from "./ui.js";

/** How each series metric's values are formatted. */
export const METRIC_FORMAT = {
  "revenue.net": "currency",
  "orders.count": "count",
  "orders.aov": "currency",
  "customers.active": "count",
  "customers.new": "count",
  "customers.repeat_share": "percent",
  "traffic.conversion_rate": "percent",
};
const DEFAULT_METRIC = "revenue.net";
/** Contributors listed under an alert. */
const TOP_CONTRIBUTORS = 3;
/** Where the user's notes are kept in this browser. */
const NOTES_KEY = "unimetric.notes";

const FLAG_COLOR = "#c62828";
const NOTE_COLOR = "#5d4037";

function setAnomaliesState(value) {
  document.body.dataset.anomaliesState = value;
}

/** "Nov 13, 2025" for the day starting at `ms` in `timezone`. */
export function dayLabel(ms, timezone = "UTC") {
  return new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: timezone }).format(ms);
}

/** "2025-11-13" for the day starting at `ms` in `timezone`. */
export function dayIso(ms, timezone = "UTC") {
  return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: timezone }).format(ms);
}

/** The time zone the result's days are in. */
const zoneOf = (result) => Object.values(result.series)[0]?.definition?.params?.timezone ?? "UTC";

/** A metric's name, from its definition. */
const nameOf = (result, id) => result.definitions[id]?.name ?? id;

const show = (value, id) => (Number.isFinite(value) ? formatValue(value, METRIC_FORMAT[id] ?? "decimal") : "—");

/** A signed share of the gap: "27%", "−4%". */
const shareText = (share) => formatValue(share, "ratePercent").replace("-", "−");

// Settings ------------------------------------------------------------------------------------

/** Reads the trend chart's metric from the URL (checked against the result once it arrives). */
export function readAnomalySettings(params) {
  state.anomalies = { metric: params.get("trend") ?? DEFAULT_METRIC };
}

function writeAnomalySettings(params) {
  if (state.anomalies.metric === DEFAULT_METRIC) params.delete("trend");
  else params.set("trend", state.anomalies.metric);
}

// The user's notes ------------------------------------------------------------------------------

/** The notes added in this browser: `[{ date, text, author? }]`. */
export function ownNotes() {
  try {
    const notes = JSON.parse(localStorage.getItem(NOTES_KEY) ?? "[]");
    return Array.isArray(notes) ? notes.filter((n) => typeof n?.date === "string" && typeof n?.text === "string") : [];
  } catch {
    return [];
  }
}

function saveNotes(notes) {
  localStorage.setItem(NOTES_KEY, JSON.stringify(notes));
}

function renderOwnNotes() {
  const notes = ownNotes();
  $("own-notes").replaceChildren(
    ...notes.map((note, i) =>
      h(
        "li",
        {},
        h("span", {}, `${note.date}: ${note.text}${note.author ? ` (${note.author})` : ""} `),
        h("button", { type: "button", className: "secondary note-remove", dataset: { note: i } }, "Remove", h("span", { className: "visually-hidden" }, ` note of ${note.date}`)),
      ),
    ),
  );
}

// Alerts ----------------------------------------------------------------------------------------

/** The id of an alert's list item, which a tile's flag links to. */
const alertId = (metric, time) => `alert-${metric.replace(/\W/g, "-")}-${time}`;

function alertElement(result, alert, timezone) {
  const e = alert.explanation;
  const name = nameOf(result, alert.metric);
  const d = alert.detection;
  const direction = d.direction > 0 ? "above" : d.direction < 0 ? "below" : "";
  const contributors = e ? e.contributions.filter((c) => c.share > 0).slice(0, TOP_CONTRIBUTORS) : [];
  const item = h(
    "li",
    { className: "alert", id: alertId(alert.metric, alert.time), dataset: { metric: alert.metric, day: dayIso(alert.time, timezone) }, tabindex: "-1" },
    h(
      "p",
      { className: "alert-head" },
      h("time", { datetime: dayIso(alert.time, timezone) }, dayLabel(alert.time, timezone)),
      " · ",
      h("strong", {}, name),
      direction ? h("span", { className: `alert-direction alert-${direction}` }, h("span", { "aria-hidden": "true" }, direction === "above" ? " ▲ " : " ▼ "), `${direction} expected`) : null,
    ),
    e
      ? h("p", { className: "alert-sentence" }, e.sentence)
      : h("p", { className: "alert-facts" }, `Observed ${show(d.observed, alert.metric)}; expected ${show(d.expected, alert.metric)} (band ${show(d.lower, alert.metric)} to ${show(d.upper, alert.metric)}).`),
    contributors.length
      ? h(
          "ul",
          { className: "alert-contributors", "aria-label": `Top contributors by ${e.by}` },
          ...contributors.map((c) =>
            h(
              "li",
              { dataset: { value: c.value } },
              h("strong", {}, c.value),
              `: ${shareText(c.share)} of the gap (observed ${show(c.observed, alert.metric)}, expected ${show(c.expected, alert.metric)})`,
            ),
          ),
        )
      : null,
    h(
      "button",
      { type: "button", className: "secondary alert-show", dataset: { trend: alert.metric } },
      "Show in the trend chart",
      h("span", { className: "visually-hidden" }, `: ${name}`),
    ),
  );
  if (alert.error) {
    const box = h("div", { className: "error", role: "alert" });
    renderError(box, "Could not explain this day", alert.error);
    item.append(box);
  }
  return item;
}

function renderAlerts(result) {
  const timezone = zoneOf(result);
  const { window: days, alerts, alertCount } = result;
  const span = days.from === null ? "" : ` (${dayLabel(days.from, timezone)} to ${dayLabel(days.to, timezone)})`;
  const by = result.by ? ", explained by channel" : "";
  $("alerts-summary").textContent =
    alertCount === 0
      ? `No flagged day in the last ${days.alertDays} days${span}.`
      : `${alertCount} flagged KPI day${alertCount === 1 ? "" : "s"} in the last ${days.alertDays} days${span}${by}, newest first` +
        `${alertCount > alerts.length ? `; the newest ${alerts.length} are listed` : ""}.`;
  $("alerts").replaceChildren(...alerts.map((a) => alertElement(result, a, timezone)));
}

// Trend chart -------------------------------------------------------------------------------------

/** The metrics the chart offers: those the result has, in its order. */
function offerMetrics(result) {
  const select = $("trend-metric");
  const ids = Object.keys(result.series);
  select.replaceChildren(...ids.map((id) => h("option", { value: id }, nameOf(result, id))));
  if (!ids.includes(state.anomalies.metric)) state.anomalies.metric = ids.includes(DEFAULT_METRIC) ? DEFAULT_METRIC : ids[0];
  select.value = state.anomalies.metric;
}

/** The notes of each day index of the chart. */
function notesByDay(result) {
  const byDay = new Map();
  result.annotations.forEach((note, i) => {
    if (note.index === null) return;
    if (!byDay.has(note.index)) byDay.set(note.index, []);
    byDay.get(note.index).push({ ...note, number: i + 1 });
  });
  return byDay;
}

const noteText = (note) => `${note.text}${note.author ? ` (${note.author})` : ""}`;

/** `text` in lines of at most `width` characters, broken at spaces (a longer word stays whole). */
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

async function renderTrend(result) {
  const id = state.anomalies.metric;
  const s = result.series[id];
  const timezone = zoneOf(result);
  const name = nameOf(result, id);
  const format = METRIC_FORMAT[id] ?? "decimal";
  const days = result.time.map((t) => dayLabel(t, timezone));
  const failed = Boolean(s.error);
  for (const id of ["trend-chart", "trend-notes"]) $(id).hidden = failed;
  $("trend-section").querySelector(".chart-table").hidden = failed;
  if (failed) {
    $("trend-help").textContent = `No trend for ${name}: ${s.error.message} (${s.error.code}).`;
    return;
  }
  const notes = notesByDay(result);
  const flagged = s.flagged.flatMap((f, i) => (f ? [i] : []));
  const shownNotes = result.annotations.map((note, i) => ({ ...note, number: i + 1 })).filter((n) => n.index !== null);
  $("trend-help").textContent =
    `${name} per day, ${days[0]} to ${days.at(-1)}: the line is observed, the shaded band is expected ± the flagging ` +
    `threshold, red marks are flagged days (${flagged.length}), and dashed lines are notes of the action log (numbered below).`;
  $("trend-notes").replaceChildren(
    ...shownNotes.map((n) =>
      h(
        "li",
        { value: String(n.number), dataset: { day: dayIso(n.time, timezone) } },
        h("time", { datetime: dayIso(n.time, timezone) }, dayLabel(n.time, timezone)),
        `: ${noteText(n)}`,
      ),
    ),
  );
  $("trend-notes").hidden = shownNotes.length === 0;
  $("trend-table-caption").textContent = `${name} per day: observed, expected and band, flagged days and notes`;
  $("trend-rows").replaceChildren(
    ...days.map((day, i) =>
      h(
        "tr",
        { dataset: { day: dayIso(result.time[i], timezone), flagged: s.flagged[i] ? "true" : "false" } },
        h("th", { scope: "row" }, day),
        h("td", {}, show(s.observed[i], id)),
        h("td", {}, show(s.expected[i], id)),
        h("td", {}, `${show(s.lower[i], id)} – ${show(s.upper[i], id)}`),
        h("td", {}, s.flagged[i] ? (s.direction[i] > 0 ? "▲ above" : "▼ below") : ""),
        h("td", { className: "text-start" }, (notes.get(i) ?? []).map((n) => `${n.number}. ${noteText(n)}`).join(" · ")),
      ),
    ),
  );
  const el = $("trend-chart");
  el.setAttribute(
    "aria-label",
    `Line chart of ${name} per day, ${days[0]} to ${days.at(-1)}, with the expected band; ` +
      `${flagged.length} flagged day${flagged.length === 1 ? "" : "s"}${flagged.length ? `: ${flagged.map((i) => days[i]).join(", ")}` : ""}; ` +
      `${shownNotes.length} note${shownNotes.length === 1 ? "" : "s"} (listed below the chart).`,
  );
  try {
    const instance = await chartIn("trend-chart");
    const axisValue = format === "percent" ? (v) => formatValue(v, "ratePercent") : (v) => compact.format(v);
    instance.setOption(
      {
        animation: false,
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" }, data: ["Observed", "Expected band", "Flagged"] },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          // Kept inside the chart, so that a long note stays readable on a phone.
          confine: true,
          formatter: (items) => {
            const i = items[0]?.dataIndex ?? 0;
            const lines = [
              days[i],
              `Observed: ${show(s.observed[i], id)}`,
              `Expected: ${show(s.expected[i], id)} (band ${show(s.lower[i], id)} – ${show(s.upper[i], id)})`,
            ];
            if (s.flagged[i]) lines.push(`Flagged ${s.direction[i] > 0 ? "above" : "below"} the band`);
            for (const n of notes.get(i) ?? []) lines.push(`Note ${n.number}: ${noteText(n)}`);
            // Rich-text tooltips do not wrap: long lines are broken to the chart's width.
            return lines.flatMap((line) => wrap(line, Math.max(24, Math.floor(el.clientWidth / 8)))).join("\n");
          },
        },
        xAxis: { type: "category", data: days, boundaryGap: false, axisLabel: { color: "#333" } },
        yAxis: { type: "value", scale: true, axisLabel: { color: "#333", formatter: axisValue } },
        series: [
          // The band: its lower edge (invisible), then upper − lower stacked on it and shaded.
          { name: "band-lower", type: "line", data: s.lower, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false } },
          {
            name: "Expected band",
            type: "line",
            data: s.upper.map((u, i) => u - s.lower[i]),
            stack: "band",
            symbol: "none",
            lineStyle: { opacity: 0 },
            areaStyle: { color: "rgba(29, 95, 168, 0.16)" },
            itemStyle: { color: "rgba(29, 95, 168, 0.35)" },
            silent: true,
          },
          {
            name: "Observed",
            type: "line",
            data: s.observed,
            symbol: "none",
            lineStyle: { color: PALETTE[0], width: 1.5 },
            itemStyle: { color: PALETTE[0] },
            markLine: {
              symbol: "none",
              silent: true,
              lineStyle: { color: NOTE_COLOR, type: "dashed" },
              label: { formatter: (p) => p.name, color: NOTE_COLOR, position: "end" },
              data: [...notes.entries()].map(([i, list]) => ({ xAxis: i, name: list.map((n) => n.number).join(",") })),
            },
          },
          {
            name: "Flagged",
            type: "scatter",
            data: s.observed.map((v, i) => (s.flagged[i] ? v : null)),
            symbol: "diamond",
            symbolSize: 10,
            itemStyle: { color: FLAG_COLOR },
          },
        ],
      },
      { notMerge: true },
    );
  } catch {
    // Without the chart library the table and the notes list carry the same facts.
    el.hidden = true;
  }
}

// Tile flags ----------------------------------------------------------------------------------------

/**
 * The flagged days of each tile's series metric within the tile's last complete month: tile key →
 * `{ metric, days: [epoch ms], alert }` (the newest day's alert, when it was explained).
 */
export function tileFlags(result = state.anomaliesResult, kpiResult = state.result, trends = state.trends) {
  const flags = {};
  if (!result || !kpiResult?.series || !trends) return flags;
  const monthly = kpiResult.series.time;
  for (const [key, trend] of Object.entries(trends)) {
    const s = result.series[trend.metric];
    if (!s || s.error) continue;
    const from = monthly[trend.index];
    const to = monthly[trend.index + 1] ?? Infinity;
    const days = result.time.filter((t, i) => s.flagged[i] && t >= from && t < to);
    if (!days.length) continue;
    const newest = days.at(-1);
    flags[key] = { metric: trend.metric, days, alert: result.alerts.find((a) => a.metric === trend.metric && a.time === newest) ?? null };
  }
  return flags;
}

/** Adds a flag mark to each KPI tile whose last complete month has a flagged day. */
function renderTileFlags() {
  for (const old of document.querySelectorAll("#tiles .tile-flag")) old.remove();
  const result = state.anomaliesResult;
  if (!result) return;
  const timezone = zoneOf(result);
  for (const [key, flag] of Object.entries(tileFlags())) {
    const tile = document.querySelector(`#tiles .tile[data-kpi="${key}"] .tile-trend`);
    if (!tile) continue;
    const newest = flag.days.at(-1);
    const count = flag.days.length;
    const s = result.series[flag.metric];
    const i = result.time.indexOf(newest);
    const sentence =
      flag.alert?.explanation?.sentence ??
      `${nameOf(result, flag.metric)} on ${dayLabel(newest, timezone)}: observed ${show(s.observed[i], flag.metric)}, expected ${show(s.expected[i], flag.metric)} (band ${show(s.lower[i], flag.metric)} to ${show(s.upper[i], flag.metric)}).`;
    const text = count === 1 ? `Flagged day: ${dayLabel(newest, timezone)}` : `${count} flagged days, newest ${dayLabel(newest, timezone)}`;
    tile.append(
      h(
        "a",
        {
          className: "tile-flag",
          href: `#${alertId(flag.metric, newest)}`,
          title: sentence,
          "aria-label": `${text}. ${sentence}`,
          dataset: { metric: flag.metric, day: dayIso(newest, timezone) },
        },
        h("span", { "aria-hidden": "true" }, "⚑ "),
        text,
      ),
    );
  }
}

// Computing -------------------------------------------------------------------------------------------

/** The end the last computation was asked for: a new observation end computes again. */
let requestedEnd = null;

/** The anomaly section for the observation end and the notes in this browser. */
export async function computeAnomalies() {
  const generation = ++state.anomaliesGeneration;
  requestedEnd = state.end;
  setAnomaliesState("computing");
  $("anomalies").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("anomalies", { observationEnd: state.end || undefined, annotations: ownNotes() });
    if (generation !== state.anomaliesGeneration) return;
    state.anomaliesResult = result;
    $("anomalies-error").hidden = true;
    // Too short a history for every series: nothing to show but why.
    const errors = Object.values(result.series).map((s) => s.error);
    const short = errors.every((e) => e && MODEL_SHORTAGE.has(e.code));
    $("anomalies-unavailable").hidden = !short;
    $("anomalies-body").hidden = short;
    renderTileFlags();
    publish("anomalies");
    if (short) {
      renderShortage($("anomalies-unavailable"), "No alerts for this data set", "Anomaly detection needs a longer daily history.", errors[0]);
      setAnomaliesState("unavailable");
      return;
    }
    offerMetrics(result);
    renderAlerts(result);
    const drawn = renderTrend(result);
    setAnomaliesState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.anomaliesGeneration) return;
    state.anomaliesResult = null;
    publish("anomalies");
    renderTileFlags();
    $("anomalies-body").hidden = true;
    $("anomalies-unavailable").hidden = true;
    renderError($("anomalies-error"), "Could not compute the alerts", err);
    setAnomaliesState("error");
  } finally {
    if (generation === state.anomaliesGeneration) $("anomalies").removeAttribute("aria-busy");
  }
}

function chooseMetric(id) {
  const result = state.anomaliesResult;
  if (!result?.series[id] || id === state.anomalies.metric) return;
  state.anomalies.metric = id;
  $("trend-metric").value = id;
  writeUrl(writeAnomalySettings);
  renderTrend(result);
}

function onNoteSubmit(event) {
  event.preventDefault();
  const date = $("note-date").value;
  const text = $("note-text").value.trim();
  const author = $("note-author").value.trim();
  const invalid = !date || !text;
  $("note-form-error").hidden = !invalid;
  for (const [field, bad] of [["note-date", !date], ["note-text", !text]]) {
    if (bad) $(field).setAttribute("aria-invalid", "true");
    else $(field).removeAttribute("aria-invalid");
  }
  if (invalid) return;
  saveNotes([...ownNotes(), { date, text, ...(author ? { author } : {}) }]);
  $("note-text").value = "";
  $("note-author").value = "";
  renderOwnNotes();
  if (state.data) computeAnomalies();
}

export function wireAnomalies() {
  $("trend-metric").addEventListener("change", (event) => chooseMetric(event.target.value));
  $("alerts").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-trend]");
    if (!button) return;
    chooseMetric(button.dataset.trend);
    $("trend-section").scrollIntoView({ block: "start" });
    $("trend-metric").focus();
  });
  $("anomalies").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-anomaly-def]");
    const def = state.anomaliesResult?.definitions[button?.dataset.anomalyDef];
    if (!def) return;
    const detection = Object.values(state.anomaliesResult.series).find((s) => s.detection)?.detection;
    showDefinition(def, formatParams(detection?.params), "Applied to each KPI's daily series; the alerts explain the flagged days of the last 90 days.");
  });
  $("note-form").addEventListener("submit", onNoteSubmit);
  $("own-notes").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-note]");
    if (!button) return;
    const notes = ownNotes();
    notes.splice(Number(button.dataset.note), 1);
    saveNotes(notes);
    renderOwnNotes();
    if (state.data) computeAnomalies();
  });
  renderOwnNotes();
  // The tiles are drawn anew with each KPI computation: their flags follow; a new observation end
  // moves the series.
  subscribe("kpis", () => {
    renderTileFlags();
    publish("anomalies");
    if (state.data && state.end !== requestedEnd) computeAnomalies();
  });
}
