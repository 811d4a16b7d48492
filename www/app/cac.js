// CAC: marketing spend set against new customers. Every number shown is a field of the
// library's results (cac, cacPayback, ltvToCac) from the worker; the page only picks rows and
// formats them.

import { computeAttribution } from "./attribution.js";
import { PALETTE, chartIn } from "./chart.js";
import { runTask } from "./engine.js";
import { $, formatCount, formatValue, h, isoDay, marginPercent } from "./format.js";
import { choices, defaultOf, param } from "./limits.js";
import { parseMargin, parseWholeParam, publish, state, writeUrl } from "./state.js";
import {
  formatParams,
  placeholderTiles,
  renderError,
  setFieldError,
  setWholeRange,
  showDefinition,
  tileElement,
  valueCell,
} from "./ui.js";

const CAC_VARIANTS = ["blended", "paid", "channel"];
/** The variant shown first; the library computes every variant at once. */
const DEFAULT_VARIANT = "channel";

/** The library's attribution lag parameter (whole periods) and its bounds. */
const lagParam = () => param("cac.blended", "attributionLag");

/** A whole number of periods within the library's bounds, or null. */
const parseLag = (text) => parseWholeParam("cac.blended", "attributionLag", text);

/** Reads the CAC settings from the URL; period, lag and margin default to the library's defaults. */
export function readCacSettings(params) {
  const { min, max } = lagParam();
  setWholeRange("cac-lag", min ?? 0, max);
  const variant = params.get("cacVariant");
  const cacPeriod = params.get("cacPeriod");
  const lag = parseLag(params.get("lag") ?? "");
  const margin = parseMargin(params.get("margin") ?? "");
  state.cac = {
    variant: CAC_VARIANTS.includes(variant) ? variant : DEFAULT_VARIANT,
    period: choices("cac.blended", "period", $("cac-period")).includes(cacPeriod)
      ? cacPeriod
      : defaultOf("cac.blended", "period"),
    lag: lag ?? defaultOf("cac.blended", "attributionLag"),
    margin: margin ?? defaultOf("cac.payback", "margin"),
  };
  $("cac-variant").value = state.cac.variant;
  $("cac-period").value = state.cac.period;
  $("cac-lag").value = String(state.cac.lag);
  $("cac-margin").value = String(marginPercent(state.cac.margin));
  for (const id of ["cac-lag", "cac-margin"]) setFieldError(id, false);
  showVariantHelp();
}

function writeCacSettings(params) {
  params.set("cacVariant", state.cac.variant);
  params.set("cacPeriod", state.cac.period);
  params.set("lag", String(state.cac.lag));
  params.set("margin", String(state.cac.margin));
}

const VARIANT_LABEL = { blended: "Blended CAC", paid: "Paid CAC", channel: "Channel CAC" };
const VARIANT_METRIC = { blended: "cac.blended", paid: "cac.paid", channel: "cac.channel" };
const VARIANT_HELP = {
  blended: "Blended: all spend ÷ all new customers, organic included.",
  paid: "Paid: paid-channel spend ÷ customers acquired through paid channels.",
  channel: "Per channel: a channel’s spend ÷ the new customers it acquired.",
};
const CAC_TILE_KEYS = ["blendedCac", "ltvToCac"];

function setCacState(value) {
  document.body.dataset.cacState = value;
}

/** "2024-03" for a month, "2024 Q1" for a quarter, "week of 2024-03-04", or the day. */
function periodLabel(ms, period) {
  const day = isoDay(ms);
  if (period === "month") return day.slice(0, 7);
  if (period === "quarter") return `${day.slice(0, 4)} Q${Math.floor(new Date(ms).getUTCMonth() / 3) + 1}`;
  if (period === "week") return `week of ${day}`;
  return day;
}

const channelLabel = (channel) => channel ?? "All channels";

/** The rows of one variant laid out per period: one series per channel, or a single series. */
function cacSeries(rows, variant) {
  const picked = rows.filter((row) => row.variant === variant);
  const starts = [...new Set(picked.map((row) => row.periodStart))].sort((a, b) => a - b);
  const index = new Map(starts.map((start, i) => [start, i]));
  const byName = new Map();
  for (const row of picked) {
    const name = variant === "channel" ? row.channel : VARIANT_LABEL[variant];
    if (!byName.has(name)) byName.set(name, new Array(starts.length).fill(null));
    byName.get(name)[index.get(row.periodStart)] = row;
  }
  return { starts, series: [...byName].map(([name, cells]) => ({ name, cells })) };
}

/** The variant's rows of the latest period whose attribution window is complete, or null. */
function latestComplete(rows, variant) {
  const picked = rows.filter((row) => row.variant === variant);
  const incomplete = new Set(picked.filter((row) => !row.complete).map((row) => row.periodStart));
  const complete = picked.filter((row) => !incomplete.has(row.periodStart));
  if (complete.length === 0) return null;
  const latest = Math.max(...complete.map((row) => row.periodStart));
  return complete.filter((row) => row.periodStart === latest);
}

function renderCacTiles({ payback, ltv, definitions }) {
  const blended = payback.simple.find((row) => row.channel === null);
  const ratio = ltv.rows.find((row) => row.cohort === null && row.channel === null);
  const cacDef = definitions["cac.blended"];
  const ratioDef = definitions["cac.ltv_ratio"];
  const hasCac = blended?.cac !== null && blended?.cac !== undefined;
  const hasRatio = ratio?.value !== null && ratio?.value !== undefined;
  $("cac-tiles").replaceChildren(
    tileElement({
      key: "blendedCac",
      name: cacDef.name,
      value: hasCac ? formatValue(blended.cac, "currency") : "—",
      unit: cacDef.unit,
      note: hasCac ? "whole data window" : (blended?.reason ?? "no result"),
      metric: cacDef.id,
      version: cacDef.version,
      open: { cacDef: "blendedCac" },
    }),
    tileElement({
      key: "ltvToCac",
      name: ratioDef.name,
      value: hasRatio ? formatValue(ratio.value, "decimal") : "—",
      unit: ratioDef.unit,
      note: hasRatio
        ? `LTV ${formatValue(ratio.ltv, "currency")} ÷ CAC ${formatValue(ratio.cac, "currency")}, whole window`
        : (ratio?.reason ?? "no result"),
      metric: ratio?.definition.metric ?? ratioDef.id,
      version: ratio?.definition.version ?? ratioDef.version,
      open: { cacDef: "ltvToCac" },
    }),
  );
}

/** The "CAC by channel" panel for the selected variant: chart, latest period, all periods, warnings. */
async function renderCacPanel(result) {
  const { variant } = state.cac;
  const { period, attributionLag } = result.options;
  const def = result.definitions[VARIANT_METRIC[variant]];
  const { starts, series } = cacSeries(result.table.rows, variant);
  const labels = starts.map((start) => periodLabel(start, period));

  $("cac-variant-def-name").textContent = `: ${def.name}`;
  const lagText = attributionLag ? `, attribution lag ${attributionLag} ${period}${attributionLag === 1 ? "" : "s"}` : "";
  const incomplete = result.table.rows.some((row) => row.variant === variant && !row.complete);
  $("cac-chart-help").textContent = series.length
    ? `${VARIANT_LABEL[variant]} per ${period}${lagText}. Gaps are periods without a CAC; the tooltip and the table give the reason.` +
      (incomplete ? " Diamonds mark incomplete periods, whose attribution window runs past the data." : "")
    : `No ${VARIANT_LABEL[variant]} for this data: see the warnings below.`;

  const latest = latestComplete(result.table.rows, variant);
  $("cac-latest").hidden = series.length === 0;
  $("cac-latest-caption").textContent = latest
    ? `Latest complete ${period}: ${periodLabel(latest[0].periodStart, period)}`
    : `No complete ${period} yet`;
  $("cac-latest-rows").replaceChildren(
    ...(latest ?? []).map((row) =>
      h(
        "tr",
        { dataset: { channel: row.channel ?? "" } },
        h("th", { scope: "row" }, row.channel ?? (variant === "paid" ? "Paid channels" : "All channels")),
        h("td", {}, row.channelType ?? "—"),
        h("td", {}, formatValue(row.spend, "currency")),
        h("td", {}, formatCount(row.newCustomers)),
        valueCell(row.value, row.reason, "currency"),
      ),
    ),
  );

  renderCacAllPeriods(labels, series);

  const warnings = [...new Set([...result.table.warnings, ...result.payback.warnings, ...result.ltv.warnings])];
  $("cac-warnings").replaceChildren(
    ...(warnings.length
      ? warnings.map((text) => h("li", { className: "warning" }, text))
      : [h("li", { className: "no-warnings" }, "None: the library reported no warnings.")]),
  );

  await renderCacChart(labels, series, period);
}

/** Every period of the variant as a table; a missing CAC is "—" with a numbered reason. */
function renderCacAllPeriods(labels, series) {
  const reasons = [];
  const footnote = (reason) => {
    if (!reasons.includes(reason)) reasons.push(reason);
    return String(reasons.indexOf(reason) + 1);
  };
  $("cac-all-head").replaceChildren(
    h("tr", {}, h("th", { scope: "col" }, "Period"), ...series.map((s) => h("th", { scope: "col" }, s.name))),
  );
  $("cac-all-rows").replaceChildren(
    ...labels.map((label, i) => {
      const incomplete = series.some((s) => s.cells[i] && !s.cells[i].complete);
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, incomplete ? `${label} (incomplete)` : label),
        ...series.map((s) => {
          const row = s.cells[i];
          if (!row) return h("td", {}, "—");
          if (row.value === null) return h("td", {}, "—", h("sup", {}, footnote(row.reason ?? "undefined")));
          return h("td", {}, formatValue(row.value, "currency"));
        }),
      );
    }),
  );
  $("cac-reasons").replaceChildren(...reasons.map((reason) => h("li", {}, reason)));
}

async function renderCacChart(labels, series, period) {
  const el = $("cac-chart");
  el.hidden = series.length === 0;
  if (series.length === 0) return;
  try {
    const instance = await chartIn("cac-chart");
    instance.setOption(
      {
        animation: false,
        color: PALETTE,
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" } },
        // Rich-text tooltips, as for the revenue chart (HTML ones would need inline styles).
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) => cacTooltip(items, labels, series),
        },
        xAxis: { type: "category", data: labels, axisLabel: { color: "#333" } },
        yAxis: { type: "value", axisLabel: { color: "#333" } },
        series: series.map((s) => ({
          type: "line",
          name: s.name,
          // An incomplete period (attribution window past the data) is drawn as a diamond.
          data: s.cells.map((row) =>
            row && !row.complete ? { value: row.value, symbol: "diamond", symbolSize: 10 } : (row?.value ?? null),
          ),
          connectNulls: false,
          symbolSize: labels.length > 60 ? 3 : 6,
        })),
      },
      { notMerge: true },
    );
    const names = series.map((s) => s.name).join(", ");
    el.setAttribute(
      "aria-label",
      `Line chart of CAC per ${period}, ${labels[0]} to ${labels.at(-1)}: ${names}. The tables below hold the same numbers.`,
    );
  } catch {
    // The tables carry the same numbers.
    el.hidden = true;
  }
}

/** Tooltip text: every series at the hovered period, with the reason where CAC is undefined. */
function cacTooltip(items, labels, series) {
  const list = Array.isArray(items) ? items : [items];
  if (list.length === 0) return "";
  const i = list[0].dataIndex;
  const markers = new Map(list.map((item) => [item.seriesIndex, item.marker]));
  const lines = [labels[i]];
  series.forEach((s, index) => {
    const row = s.cells[i];
    let text = "no data";
    if (row) text = row.value === null ? `— ${row.reason ?? ""}` : formatValue(row.value, "currency");
    if (row && !row.complete) text += " (incomplete)";
    lines.push(`${markers.get(index) ?? ""}${s.name}: ${text}`);
  });
  return lines.join("\n");
}

function renderPayback(payback) {
  const cohorts = payback.cohorts.filter((row) => row.channel === null);
  $("payback-rows").replaceChildren(
    ...cohorts.map((row) =>
      h(
        "tr",
        { dataset: { status: row.status } },
        h("th", { scope: "row" }, periodLabel(row.cohortStart, "month")),
        h("td", {}, formatCount(row.customers)),
        valueCell(row.cac, null, "currency"),
        h("td", {}, row.paybackMonths === null ? "—" : formatValue(row.paybackMonths, "months")),
        h("td", { className: "payback-note" }, row.note),
      ),
    ),
  );
  $("simple-rows").replaceChildren(
    ...payback.simple.map((row) =>
      h(
        "tr",
        { dataset: { channel: row.channel ?? "" } },
        h("th", { scope: "row" }, channelLabel(row.channel)),
        valueCell(row.cac, null, "currency"),
        h("td", {}, formatValue(row.monthlyRevenuePerCustomer, "currency")),
        valueCell(row.value, row.reason, "decimal"),
      ),
    ),
  );
}

function renderLtv(ltv) {
  $("ltv-rows").replaceChildren(
    ...ltv.rows
      .filter((row) => row.cohort === null)
      .map((row) =>
        h(
          "tr",
          { dataset: { channel: row.channel ?? "" } },
          h("th", { scope: "row" }, channelLabel(row.channel)),
          h("td", {}, formatCount(row.customers)),
          h("td", {}, formatValue(row.ltv, "currency")),
          valueCell(row.cac, null, "currency"),
          valueCell(row.value, row.reason, "decimal"),
        ),
      ),
  );
}

function renderCac(result) {
  const { spend } = result;
  $("cac-source").textContent =
    `Marketing spend: ${spend.name} · ${formatCount(spend.rows)} rows · ${formatValue(spend.total, "currency")} in total` +
    ` · channels with spend: ${spend.channels.join(", ")}`;
  $("cac-empty").hidden = true;
  renderCacTiles(result);
  $("cac-body").hidden = false;
  renderPayback(result.payback);
  renderLtv(result.ltv);
  return renderCacPanel(result);
}

function renderCacEmpty() {
  $("cac-source").textContent = "Marketing spend: none loaded for this data set.";
  $("cac-empty").hidden = false;
  $("cac-body").hidden = true;
  $("cac-tiles").replaceChildren(...placeholderTiles(CAC_TILE_KEYS));
}

/** Opens the definition behind a CAC tile or table, with the parameters its numbers used. */
function openCacDefinition(key) {
  const result = state.cacResult;
  if (!result) return;
  const { definitions, table, payback, ltv } = result;
  const whole = ltv.rows.find((row) => row.cohort === null && row.channel === null);
  const paramsOf = (row, fallback) => formatParams(row?.definition.params ?? fallback);
  const variantRow = table.rows.find((row) => row.variant === state.cac.variant);
  const open = {
    blendedCac: () =>
      showDefinition(
        definitions["cac.blended"],
        { period: "whole data window", attributionLag: "none (whole window)" },
        "The tile takes the whole data window as one period: all spend ÷ all new customers, as the " +
          "library's cacPayback reports it for all channels. The panel below applies the CAC period and attribution lag.",
      ),
    ltvToCac: () =>
      showDefinition(definitions["cac.ltv_ratio"], paramsOf(whole, {}), "The tile shows the whole window, all channels."),
    variant: () =>
      showDefinition(
        definitions[VARIANT_METRIC[state.cac.variant]],
        paramsOf(variantRow, { period: result.options.period, attributionLag: result.options.attributionLag }),
      ),
    payback: () => showDefinition(definitions["cac.payback"], paramsOf(payback.cohorts[0], {})),
    simple: () => showDefinition(definitions["cac.payback_simple"], paramsOf(payback.simple[0], {})),
    ltv: () => showDefinition(definitions["cac.ltv_ratio"], paramsOf(ltv.rows[0], {})),
  }[key];
  open?.();
}

/** CAC, payback and LTV:CAC for the CAC settings; independent of the KPI computation above. */
export async function computeCac() {
  const generation = ++state.cacGeneration;
  const options = { period: state.cac.period, attributionLag: state.cac.lag, margin: state.cac.margin };
  setCacState("computing");
  $("cac-tiles").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("economics", options);
    if (generation !== state.cacGeneration) return;
    $("cac-error").hidden = true;
    if (!result.spend) {
      state.cacResult = null;
      publish("cac");
      renderCacEmpty();
      setCacState("empty");
      return;
    }
    state.cacResult = { ...result, options };
    publish("cac");
    const drawn = renderCac(state.cacResult);
    setCacState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.cacGeneration) return;
    state.cacResult = null;
    publish("cac");
    $("cac-tiles").replaceChildren(...placeholderTiles(CAC_TILE_KEYS));
    $("cac-body").hidden = true;
    renderError($("cac-error"), "Could not compute CAC", err);
    setCacState("error");
  } finally {
    if (generation === state.cacGeneration) $("cac-tiles").removeAttribute("aria-busy");
  }
}

function showVariantHelp() {
  $("cac-variant-help").textContent = VARIANT_HELP[state.cac.variant];
}

/** The variant only changes what is shown: every variant is in the last result already. */
function onVariantChanged() {
  state.cac.variant = $("cac-variant").value;
  showVariantHelp();
  writeUrl(writeCacSettings);
  if (state.cacResult) {
    publish("cac");
    renderCacPanel(state.cacResult);
  }
}

function onCacSettingsChanged() {
  const lag = parseLag($("cac-lag").value);
  const percentText = $("cac-margin").value.trim();
  const percent = Number(percentText);
  const margin = percentText !== "" && percent > 0 && percent <= 100 ? percent / 100 : null;
  setFieldError("cac-lag", lag === null);
  setFieldError("cac-margin", margin === null);
  if (lag === null || margin === null) return;
  const next = { ...state.cac, period: $("cac-period").value, lag, margin };
  const previous = state.cac;
  if (next.period === previous.period && next.lag === previous.lag && next.margin === previous.margin) return;
  state.cac = next;
  writeUrl(writeCacSettings);
  if (!state.data) return;
  computeCac();
  // CAC, payback and LTV:CAC by attributed channel follow the period, the lag and the margin.
  if (next.period !== previous.period || next.lag !== previous.lag || next.margin !== previous.margin) computeAttribution();
}

/** The CAC placeholders and the section's event handlers. */
export function wireCac() {
  $("cac-tiles").replaceChildren(...placeholderTiles(CAC_TILE_KEYS));
  $("cac-variant").addEventListener("change", onVariantChanged);
  for (const id of ["cac-period", "cac-lag", "cac-margin"]) $(id).addEventListener("change", onCacSettingsChanged);
  $("cac-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    onCacSettingsChanged();
  });
  $("cac").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-cac-def]");
    if (button) openCacDefinition(button.dataset.cacDef);
  });
}
