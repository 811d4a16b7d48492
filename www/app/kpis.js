// KPI tiles and the monthly revenue chart, for the period and observation end at the top of the
// page. Every number is a field of the library's kpis() from the worker.

import { chartIn } from "./chart.js";
import { seriesButton, seriesParams, tileTrend, trendElement } from "./kpi-trend.js";
import { runTask } from "./engine.js";
import { $, LOCALE, formatValue, h, isoDay, shownUnit } from "./format.js";
import { choices, defaultOf } from "./limits.js";
import { isValidDay, publish, state, writeUrl } from "./state.js";
import {
  clearError,
  describeData,
  formatParams,
  placeholderTiles,
  setState,
  setStatus,
  showDefinition,
  showError,
  tileElement,
} from "./ui.js";

/** The tiles, in display order: result key and how to format its value. */
const TILES = [
  { key: "customers", format: "count" },
  { key: "orders", format: "count" },
  { key: "revenue", format: "currency" },
  { key: "averageOrderValue", format: "currency" },
  { key: "repeatPurchaseRate", format: "percent" },
  { key: "purchaseFrequency", format: "decimal" },
  { key: "revenuePerCustomer", format: "currency" },
];

/** Reads the period (the library's default when absent, so a bare URL shows library defaults) and end. */
export function readKpiSettings(params) {
  const period = params.get("period");
  const end = params.get("end") ?? "";
  state.period = choices("customer.summary", "period", $("period")).includes(period)
    ? period
    : defaultOf("customer.summary", "period");
  state.end = isValidDay(end) ? end : "";
  $("period").value = state.period;
  $("end").value = state.end;
}

/**
 * What each tile with a series shows of it (kpi-trend.js tileTrend), by tile key; {} without
 * series.
 */
function tileTrends(result) {
  const trends = {};
  if (!result.series) return trends;
  for (const { key, format } of TILES) {
    const id = result.series.tiles[key];
    if (!id) continue;
    const trend = tileTrend(result.series, id, result.kpis.observationEnd, format);
    if (trend) trends[key] = trend;
  }
  return trends;
}

function renderTiles(kpis, trends) {
  const tiles = TILES.map(({ key, format }) => {
    const kpi = kpis[key];
    const { metric, version } = kpi.definition;
    const tile = tileElement({
      key,
      name: kpi.name,
      value: formatValue(kpi.value, format),
      unit: shownUnit(kpi.unit, format),
      metric,
      version,
      open: { open: key },
    });
    const trend = trends[key];
    if (trend) {
      tile.querySelector(".tile-def").before(trendElement(trend, kpi.name, format));
      // The KPI's Definition button and the series' button share a row (wrapping when narrow).
      const definition = tile.querySelector("button[data-open]");
      const row = h("div", { className: "tile-buttons" });
      definition.replaceWith(row);
      row.append(definition, seriesButton(trend.metric, kpi.name));
    }
    return tile;
  });
  $("tiles").replaceChildren(...tiles);
}

export function renderPlaceholders() {
  $("tiles").replaceChildren(...placeholderTiles(TILES.map(({ key }) => key)));
}

function openDefinition(key) {
  const result = state.result;
  if (!result) return;
  const kpi = result.kpis[key];
  const def = result.definitions[kpi.definition.metric];
  if (!def) return;
  showDefinition(def, formatParams(kpi.definition.params));
}

/** The definition of the series metric `id` behind a tile's sparkline and changes. */
function openSeriesDefinition(id) {
  const series = state.result?.series;
  const def = series?.definitions[id];
  if (!def) return;
  showDefinition(
    def,
    seriesParams(series.series[id].definition.params),
    "The tile's sparkline (the last 12 complete months) and its changes against the month before and the same month a year earlier.",
  );
}

async function renderChart(monthly) {
  const section = $("chart-section");
  if (!monthly || monthly.length === 0) {
    section.hidden = true;
    return;
  }
  $("chart-rows").replaceChildren(
    ...monthly.map((m) =>
      h("tr", {}, h("th", { scope: "row" }, m.month), h("td", {}, formatValue(m.revenue, "currency"))),
    ),
  );
  section.hidden = false;
  try {
    const instance = await chartIn("chart");
    instance.setOption(
      {
        animation: false,
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        // richText tooltips are drawn on the canvas; HTML tooltips would need inline styles,
        // which the page's Content-Security-Policy forbids.
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          valueFormatter: (v) => formatValue(v, "currency"),
        },
        xAxis: { type: "category", data: monthly.map((m) => m.month), axisLabel: { color: "#333" } },
        yAxis: {
          type: "value",
          axisLabel: { color: "#333", formatter: (v) => new Intl.NumberFormat(LOCALE, { notation: "compact" }).format(v) },
        },
        series: [{ type: "bar", name: "Net revenue", data: monthly.map((m) => m.revenue), itemStyle: { color: "#1d5fa8" } }],
      },
      { notMerge: true },
    );
    const total = monthly.reduce((sum, m) => sum + m.revenue, 0);
    $("chart").setAttribute(
      "aria-label",
      `Bar chart of monthly net revenue, ${monthly[0].month} to ${monthly.at(-1).month}, total ${formatValue(total, "currency")}`,
    );
  } catch {
    // Without the chart library the table above still carries the same numbers.
    $("chart").hidden = true;
  }
}

/** The KPIs and the monthly revenue for the period and observation end. */
export async function compute() {
  const generation = ++state.generation;
  setState("computing");
  setStatus("Computing…");
  $("tiles").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("compute", {
      period: state.period,
      observationEnd: state.end || undefined,
    });
    if (generation !== state.generation) return;
    state.result = result;
    state.data = result.data;
    state.trends = tileTrends(result);
    renderTiles(result.kpis, state.trends);
    clearError();
    setStatus(describeData(result.data, result.kpis));
    $("footer-version").textContent =
      `unimetric ${result.data.library} · computed in your browser with WebAssembly; no data leaves the page.`;
    publish("kpis");
    setState("ready");
    renderChart(result.monthly);
  } catch (err) {
    if (generation !== state.generation) return;
    state.result = null;
    state.trends = null;
    publish("kpis");
    renderPlaceholders();
    $("chart-section").hidden = true;
    if (state.data) setStatus(describeData(state.data, null));
    showError("Could not compute the metrics", err);
  } finally {
    if (generation === state.generation) $("tiles").removeAttribute("aria-busy");
  }
}

/** The observation end's earliest day and help text, for the loaded data. */
export function updateEndBounds() {
  const { first, last } = state.data.timeRange;
  $("end").min = isoDay(first);
  $("end-help").textContent = `Empty = the last transaction (${isoDay(last)}).`;
}

function onSettingsChanged() {
  state.period = $("period").value;
  state.end = isValidDay($("end").value) ? $("end").value : "";
  writeUrl();
  if (state.data) compute();
}

export function wireKpis() {
  $("period").addEventListener("change", onSettingsChanged);
  $("end").addEventListener("change", onSettingsChanged);
  $("end-clear").addEventListener("click", () => {
    $("end").value = "";
    onSettingsChanged();
  });
  $("settings").addEventListener("submit", (event) => event.preventDefault());
  $("tiles").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-open]");
    if (button) openDefinition(button.dataset.open);
    const series = event.target.closest("button[data-series]");
    if (series) openSeriesDefinition(series.dataset.series);
  });
}
