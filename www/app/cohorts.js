// Cohorts: the cohort matrix as a heatmap (cohorts() in the worker) and the contractual retention
// panel (fitShiftedBetaGeometric on survivor counts). Every number is a field of the library's
// results; the page only formats them.

import { PALETTE, chartIn } from "./chart.js";
import { runTask } from "./engine.js";
import { $, compact, formatCount, formatValue, h, isoDay } from "./format.js";
import { publish, state, writeUrl } from "./state.js";
import { formatParams, renderError, setFieldError, showDefinition } from "./ui.js";

/** The measures the chooser offers: label and number format of a cell. */
export const COHORT_MEASURES = {
  // `cumulative`: the values grow with age, so month 0 is no outlier of the colour scale.
  retention: { label: "Retention", format: "percent", axis: (v) => formatValue(v, "ratePercent") },
  customers: { label: "Active customers", format: "count", axis: (v) => compact.format(v) },
  orders: { label: "Orders", format: "count", axis: (v) => compact.format(v) },
  revenue: { label: "Net revenue", format: "currency", axis: (v) => compact.format(v) },
  cumulativeRevenuePerCustomer: {
    label: "Cumulative revenue per customer", format: "currency", axis: (v) => compact.format(v), cumulative: true,
  },
  margin: { label: "Cumulative margin per customer", format: "currency", axis: (v) => compact.format(v), cumulative: true },
};
const SPLITS = new Set(["", "channel"]);
const DEFAULTS = { measure: "retention", by: "" };

/** Fader & Hardie (2007), "How to project customer retention", the "regular" cohort. */
export const PUBLISHED_SURVIVORS = [1000, 631, 468, 382, 326, 289, 262, 241];
const RETENTION_MODELS = new Set(["sbg", "bdw"]);
const RETENTION_PERIODS = new Set(["year", "quarter", "month", "week", "day"]);
const MAX_HORIZON = 100;

/** "2024-03", the cohort's month (its local start, in the matrix's time zone). */
function cohortMonth(ms, timezone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit" }).formatToParts(ms);
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part("year")}-${part("month")}`;
}

/** Row labels of a matrix: "2024-03", or "2024-03 · email" with the channel split. */
export function cohortLabels(matrix) {
  const timezone = matrix.definition.params.timezone ?? "UTC";
  return matrix.cohortStart.map((ms, i) => {
    const month = cohortMonth(ms, timezone);
    return matrix.channel ? `${month} · ${matrix.channel[i]}` : month;
  });
}

/** A cell as the page shows it: blank when not yet fully observed. */
export const cellText = (value, measure) => (value === null ? "" : formatValue(value, COHORT_MEASURES[measure].format));

function setCohortsState(value) {
  document.body.dataset.cohortsState = value;
}

function setRetentionState(value) {
  document.body.dataset.retentionState = value;
}

/** Reads the cohort settings from the URL (unknown values fall back to the defaults). */
export function readCohortSettings(params) {
  const measure = params.get("cohortMeasure");
  const by = params.get("cohortBy") ?? DEFAULTS.by;
  state.cohorts = {
    measure: Object.hasOwn(COHORT_MEASURES, measure) ? measure : DEFAULTS.measure,
    by: SPLITS.has(by) ? by : DEFAULTS.by,
  };
  $("cohort-measure").value = state.cohorts.measure;
  $("cohort-by").value = state.cohorts.by;
}

function writeCohortSettings(params) {
  params.set("cohortMeasure", state.cohorts.measure);
  if (state.cohorts.by) params.set("cohortBy", state.cohorts.by);
  else params.delete("cohortBy");
}

/** A small diagonal hatch for the cells not yet observed. */
function hatch() {
  const canvas = document.createElement("canvas");
  canvas.width = 8;
  canvas.height = 8;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#f5f6f8";
  ctx.fillRect(0, 0, 8, 8);
  ctx.strokeStyle = "#8a93a3";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, 8);
  ctx.lineTo(8, 0);
  ctx.moveTo(-2, 2);
  ctx.lineTo(2, -2);
  ctx.moveTo(6, 10);
  ctx.lineTo(10, 6);
  ctx.stroke();
  return { image: canvas, repeat: "repeat" };
}

function renderMatrixTable(matrix, labels, measure) {
  const width = matrix.ages.length;
  $("cohort-matrix-caption").textContent =
    `${COHORT_MEASURES[measure].label} by cohort and months since acquisition; blank cells are not yet fully observed`;
  $("cohort-matrix-head").replaceChildren(
    h(
      "tr",
      {},
      h("th", { scope: "col" }, "Cohort"),
      h("th", { scope: "col" }, "Customers"),
      ...Array.from(matrix.ages, (age) => h("th", { scope: "col" }, `Month ${age}`)),
    ),
  );
  $("cohort-matrix-rows").replaceChildren(
    ...labels.map((label, r) =>
      h(
        "tr",
        { dataset: { cohort: label } },
        h("th", { scope: "row" }, label),
        h("td", {}, formatCount(matrix.cohortSize[r])),
        ...Array.from(matrix.ages, (_, a) => {
          const value = matrix.values[r * width + a];
          return value === null
            ? h("td", { className: "cohort-incomplete", dataset: { incomplete: "true" } }, "")
            : h("td", {}, cellText(value, measure));
        }),
      ),
    ),
  );
}

async function renderHeatmap(matrix, labels, measure) {
  const el = $("cohort-heatmap");
  el.classList.toggle("by-channel", Boolean(matrix.channel));
  const width = matrix.ages.length;
  const { label, format, axis, cumulative } = COHORT_MEASURES[measure];
  const observed = [];
  const missing = [];
  // Month 0 holds the whole cohort (retention 100%, every first order), so the colours span the
  // later months, where cohorts differ; month 0 is drawn in the top colour.
  const firstScaled = cumulative || width < 2 ? 0 : 1;
  let max = 0;
  let min = 0;
  for (let r = 0; r < labels.length; r++) {
    for (let a = 0; a < width; a++) {
      const value = matrix.values[r * width + a];
      if (value === null) missing.push([a, r]);
      else {
        observed.push([a, r, value]);
        if (a < firstScaled) continue;
        if (value > max) max = value;
        if (value < min) min = value;
      }
    }
  }
  if (max <= min) max = min + 1;
  try {
    const instance = await chartIn("cohort-heatmap");
    instance.setOption(
      {
        animation: false,
        grid: { left: 8, right: 16, top: 28, bottom: 64, containLabel: true },
        tooltip: {
          trigger: "item",
          renderMode: "richText",
          formatter: (item) => {
            const [a, r, value] = item.value;
            const shown = item.seriesIndex === 0 ? formatValue(value, format) : "not yet observed";
            return `${labels[r]}, month ${matrix.ages[a]}\n${label}: ${shown}`;
          },
        },
        xAxis: {
          type: "category", position: "top", data: Array.from(matrix.ages, String), name: "Months since acquisition",
          nameLocation: "middle", nameGap: 22, nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
          splitArea: { show: false },
        },
        yAxis: {
          type: "category", data: labels, inverse: true, axisLabel: { color: "#333", fontSize: matrix.channel ? 10 : 12 },
        },
        visualMap: {
          seriesIndex: 0, min, max, calculable: false, orient: "horizontal", left: 8, bottom: 0, itemWidth: 12,
          itemHeight: 200, text: [`${axis(max)}${firstScaled ? " or more" : ""}`, axis(min)],
          inRange: { color: ["#f0f5fb", "#8fb3dc", "#1d5fa8", "#0b2e5a"] }, textStyle: { color: "#333" },
        },
        series: [
          { type: "heatmap", name: label, data: observed, itemStyle: { borderColor: "#ffffff", borderWidth: 1 } },
          {
            type: "heatmap", name: "Not yet observed", data: missing.map(([a, r]) => [a, r, 0]),
            itemStyle: { color: hatch(), borderColor: "#ffffff", borderWidth: 1 },
          },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Heatmap of ${label.toLowerCase()} for ${labels.length} cohort rows (${labels[0] ?? "—"} to ${labels.at(-1) ?? "—"}) ` +
        `by months since acquisition 0 to ${matrix.ages.at(-1) ?? 0}; hatched cells are not yet observed. ` +
        "The table below holds the same numbers.",
    );
  } catch {
    el.hidden = true;
  }
}

function renderCohorts(matrix, measure) {
  const labels = cohortLabels(matrix);
  const params = matrix.definition.params;
  $("cohort-heatmap-section").hidden = false;
  $("cohort-heatmap-help").textContent =
    `${COHORT_MEASURES[measure].label} of ${formatCount(new Set(matrix.cohortStart).size)} monthly cohorts` +
    `${matrix.channel ? ", split by acquisition channel" : ""}, months 0 to ${matrix.ages.at(-1) ?? 0} since acquisition, ` +
    `observed up to ${isoDay(params.observationEnd)} (${params.timezone})` +
    `${measure === "margin" ? ` at a ${formatValue(params.margin ?? 1, "ratePercent")} gross margin` : ""}.` +
    `${COHORT_MEASURES[measure].cumulative || matrix.ages.length < 2 ? "" : " Colours span months 1 and later; month 0 takes the top colour."}`;
  renderMatrixTable(matrix, labels, measure);
  return renderHeatmap(matrix, labels, measure);
}

/** The cohort matrix for the cohort settings (the margin measure at the lifetime value section's margin). */
export async function computeCohorts() {
  const generation = ++state.cohortsGeneration;
  const options = { ...state.cohorts, ...(state.cohorts.measure === "margin" ? { margin: state.ltv.margin } : {}) };
  setCohortsState("computing");
  $("cohorts").setAttribute("aria-busy", "true");
  try {
    const request = { measure: options.measure, by: options.by || null, ...(options.margin ? { margin: options.margin } : {}) };
    const matrix = await runTask("cohorts", request);
    if (generation !== state.cohortsGeneration) return;
    state.cohortsResult = { ...matrix, options, labels: cohortLabels(matrix) };
    $("cohorts-error").hidden = true;
    publish("cohorts");
    const drawn = renderCohorts(matrix, options.measure);
    setCohortsState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.cohortsGeneration) return;
    state.cohortsResult = null;
    publish("cohorts");
    $("cohort-heatmap-section").hidden = true;
    renderError($("cohorts-error"), "Could not compute the cohort matrix", err);
    setCohortsState("error");
  } finally {
    if (generation === state.cohortsGeneration) $("cohorts").removeAttribute("aria-busy");
  }
}

function onCohortSettingsChanged() {
  const measure = $("cohort-measure").value;
  const by = $("cohort-by").value;
  if (!Object.hasOwn(COHORT_MEASURES, measure) || !SPLITS.has(by)) return;
  if (measure === state.cohorts.measure && by === state.cohorts.by) return;
  state.cohorts = { measure, by };
  writeUrl(writeCohortSettings);
  if (state.data) computeCohorts();
}

// Retention panel ---------------------------------------------------------------------------

/** "1000, 631, 468" per line → [[1000, 631, 468]], or null when a line is not whole numbers (≥ 2). */
export function parseSurvivors(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 2 || !cells.every((c) => /^\d+$/.test(c))) return null;
    rows.push(cells.map(Number));
  }
  return rows.length ? rows : null;
}

function readRetentionForm() {
  const survivors = parseSurvivors($("retention-survivors").value);
  const horizonText = $("retention-horizon").value.trim();
  const horizon = /^\d+$/.test(horizonText) && Number(horizonText) >= 1 && Number(horizonText) <= MAX_HORIZON ? Number(horizonText) : null;
  setFieldError("retention-survivors", survivors === null);
  setFieldError("retention-horizon", horizon === null);
  const model = $("retention-model").value;
  const period = $("retention-period").value;
  if (survivors === null || horizon === null || !RETENTION_MODELS.has(model) || !RETENTION_PERIODS.has(period)) return null;
  return { survivors, model, period, horizon };
}

const fact = (term, value) => [h("div", {}, h("dt", {}, term), h("dd", {}, value))];

async function renderRetention(result) {
  $("retention-error").hidden = true;
  $("retention-body").hidden = false;
  const { params } = result;
  $("retention-def-name").textContent = `: ${result.definitions[`retention.${result.model}`].name}`;
  const { period } = result.definition.params;
  $("retention-facts").replaceChildren(
    ...fact("α (alpha)", formatValue(params.alpha, "score")),
    ...fact("β (beta)", formatValue(params.beta, "score")),
    ...(params.c !== undefined ? fact("c (Weibull shape)", formatValue(params.c, "score")) : []),
    ...fact(
      "Expected lifetime",
      result.expectedLifetime === null ? "no finite mean" : `${formatValue(result.expectedLifetime, "decimal")} ${period}s`,
    ),
    ...fact(`DERL at ${formatValue(result.derlRate, "ratePercent")} per ${period}`, `${formatValue(result.derl, "decimal")} ${period}s`),
    ...fact("Fitted on", `${formatCount(result.customers)} customers in ${formatCount(result.cohorts)} cohort${result.cohorts === 1 ? "" : "s"}`),
  );
  const length = Math.max(result.curve.length, result.observed.length);
  const periods = Array.from({ length }, (_, t) => t);
  $("retention-rows").replaceChildren(
    ...periods.map((t) =>
      h(
        "tr",
        { dataset: { period: t } },
        h("th", { scope: "row" }, String(t)),
        h("td", {}, t < result.observed.length ? formatValue(result.observed[t], "percent") : ""),
        h("td", {}, t < result.curve.length ? formatValue(result.curve[t], "percent") : ""),
      ),
    ),
  );
  const el = $("retention-chart");
  try {
    const instance = await chartIn("retention-chart");
    instance.setOption(
      {
        animation: false,
        color: [PALETTE[1], PALETTE[0]],
        grid: { left: 16, right: 24, top: 48, bottom: 36, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) =>
            [`After ${items[0]?.name ?? ""} ${period}s`, ...items.filter((i) => i.value !== null && i.value !== undefined)
              .map((i) => `${i.marker}${i.seriesName}: ${formatValue(i.value, "percent")}`)].join("\n"),
        },
        xAxis: {
          type: "category", data: periods.map(String), name: `${period[0].toUpperCase()}${period.slice(1)}s since acquisition`,
          nameLocation: "middle", nameGap: 26, nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        yAxis: {
          type: "value", min: 0, max: 1, name: "Share still a customer", nameTextStyle: { color: "#333", align: "left" },
          axisLabel: { color: "#333", formatter: (v) => formatValue(v, "ratePercent") },
        },
        series: [
          { type: "line", name: "Observed (first cohort)", data: result.observed, symbolSize: 7, lineStyle: { width: 0 } },
          { type: "line", name: `Projected (${result.model === "bdw" ? "BdW" : "sBG"})`, data: result.curve, symbolSize: 4 },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Observed survival of the first cohort (${result.observed.length} periods) and the model's projection to ` +
        `${result.horizon} ${period}s. The table below holds the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

/** Fits the retention model on the survivors in the form. */
export async function computeRetention() {
  const request = readRetentionForm();
  if (!request) return;
  await fitRetention(request);
}

async function fitRetention(request, explanation = "") {
  const generation = ++state.retentionGeneration;
  setRetentionState("computing");
  $("retention-section").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("retention", request);
    if (generation !== state.retentionGeneration) return;
    state.retentionResult = { ...result, request };
    state.retentionError = null;
    publish("cohorts");
    const drawn = renderRetention(result);
    setRetentionState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.retentionGeneration) return;
    state.retentionResult = null;
    state.retentionError = { code: err.code, message: err.message };
    publish("cohorts");
    $("retention-body").hidden = true;
    const box = $("retention-error");
    renderError(box, "Could not fit the retention model", err);
    if (explanation) box.querySelector(".error-title").after(h("p", {}, explanation));
    setRetentionState("error");
  } finally {
    if (generation === state.retentionGeneration) $("retention-section").removeAttribute("aria-busy");
  }
}

/**
 * Survivor rows from the heatmap: each cohort's complete cells of the `customers` matrix (all
 * channels). On the sample's e-commerce data the active customers per month rise again, which
 * the library refuses with E_OUT_OF_RANGE; the message says why.
 */
async function useHeatmapCohorts() {
  let matrix;
  setRetentionState("computing");
  try {
    matrix = await runTask("cohorts", { measure: "customers", by: null });
  } catch (err) {
    $("retention-body").hidden = true;
    renderError($("retention-error"), "Could not compute the cohort matrix", err);
    setRetentionState("error");
    return;
  }
  const width = matrix.ages.length;
  const rows = matrix.cohortStart
    .map((_, r) => {
      const row = [];
      for (let a = 0; a < width && matrix.values[r * width + a] !== null; a++) row.push(matrix.values[r * width + a]);
      return row;
    })
    .filter((row) => row.length >= 2);
  $("retention-survivors").value = rows.map((row) => row.join(", ")).join("\n");
  // The heatmap's cohorts are monthly.
  $("retention-period").value = "month";
  const request = readRetentionForm();
  if (!request) return;
  await fitRetention(
    request,
    "These are active customers per month of non-contractual data: customers who skipped a month come back, so the " +
      "counts rise again, and a retention model for subscriptions (where a customer leaves once) cannot be fitted to them.",
  );
}

/** Opens the cohort matrix's or the retention model's definition with the parameters in effect. */
function openCohortDefinition(key) {
  if (key === "matrix") {
    const result = state.cohortsResult;
    if (!result) return;
    showDefinition(
      result.definitions["cohort.matrix"],
      formatParams({ ...result.definition.params, ...(result.options.by ? { by: result.options.by } : {}) }),
      "Blank (hatched) cells are not yet fully observed at the observation end.",
    );
    return;
  }
  const result = state.retentionResult;
  if (!result) return;
  const id = `retention.${result.model}`;
  showDefinition(
    result.definitions[id],
    formatParams({ model: result.model, ...result.definition.params, discountRate: result.derlRate, renewals: 0 }),
    "The discount rate and renewals are those of the DERL shown.",
  );
}

/** The section's event handlers, and the retention panel's published example. */
export function wireCohorts() {
  $("retention-survivors").value = PUBLISHED_SURVIVORS.join(", ");
  for (const id of ["cohort-measure", "cohort-by"]) $(id).addEventListener("change", onCohortSettingsChanged);
  $("cohort-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    onCohortSettingsChanged();
  });
  $("retention-form").addEventListener("submit", (event) => {
    event.preventDefault();
    computeRetention();
  });
  $("retention-from-heatmap").addEventListener("click", useHeatmapCohorts);
  $("cohorts").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-cohort-def]");
    if (button) openCohortDefinition(button.dataset.cohortDef);
  });
}
