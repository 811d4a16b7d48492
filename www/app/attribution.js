// Attribution: the customers' touchpoints credited for their first purchases by every model
// (attribution() in the worker), last touch compared with the chosen model (compareAttribution),
// CAC by attributed channel next to first-purchase CAC, and the Markov chain as a graph. Every
// number is a field of the library's results; the page only picks rows and formats them.

import { PALETTE, chartIn } from "./chart.js";
import { runTask } from "./engine.js";
import { $, formatCount, formatValue, h, isoDay, marginPercent } from "./format.js";
import { param } from "./limits.js";
import { SAMPLE, publish, state, writeUrl } from "./state.js";
import { formatParams, renderError, setFieldError, showDefinition, valueCell } from "./ui.js";

/** The models, in the order of the table and chart: label and what a conversion's credit is. */
export const MODELS = {
  lastTouch: { label: "Last touch", summary: "The last touch before the conversion (last click) gets the whole conversion." },
  firstTouch: { label: "First touch", summary: "The first touch of the path gets the whole conversion." },
  lastNonDirect: { label: "Last non-direct", summary: "The last touch that is not direct gets the whole conversion." },
  linear: { label: "Linear", summary: "Each of the path's m touches gets 1/m of the conversion." },
  timeDecay: { label: "Time decay", summary: "Touches closer to the conversion weigh more; weights halve every half-life." },
  positionBased: { label: "Position based", summary: "40 % to the first touch, 40 % to the last, 20 % shared by the touches between." },
  markov: { label: "Markov", summary: "Conversions in proportion to each channel's removal effect in a Markov chain over the journeys, solved exactly." },
  shapley: { label: "Shapley", summary: "Shapley values of channel coalitions valued by their observed conversions." },
};
const DEFAULT_MODEL = "markov";

/**
 * The simulator's known per-touch conversion probabilities of the sample touchpoints
 * (unimetric::sim::TOUCH_CHANNELS). Every channel touches at the same rate, so a channel's true
 * share of the conversions it causes is its probability over their sum.
 */
const SIMULATED_P = { paid_search: 0.28, organic: 0.25, paid_social: 0.22, email: 0.15, referral: 0.1, direct: 0.05, display: 0.02 };
const SIMULATED_TOTAL = Object.values(SIMULATED_P).reduce((a, b) => a + b, 0);
export const TRUE_SHARES = Object.fromEntries(Object.entries(SIMULATED_P).map(([c, p]) => [c, p / SIMULATED_TOTAL]));

function setAttributionState(value) {
  document.body.dataset.attributionState = value;
}

/** True when the data set in use has the sample's touchpoints (whose truth is known). */
const isSample = () => state.loadRequest?.touchpoints?.url === SAMPLE.touchpoints.url;

/**
 * The lookback of the journeys (days): `Journeys.fromTransactions`' default. Its bounds are the
 * library's, which refuses a lookback outside them with a coded error shown in the section.
 */
const DEFAULT_LOOKBACK = 30;

/** A whole number of days ≥ 1 from a field or URL value, else null. */
function parseLookback(text) {
  const days = Number(text);
  return text !== "" && Number.isInteger(days) && days >= 1 ? days : null;
}

/** The Markov orders the library accepts (`order` of attribution.markov). */
function orders() {
  const { min, max } = param("attribution.markov", "order");
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** Reads the model, lookback and Markov order from the URL (unknown values fall back to the defaults). */
export function readAttributionSettings(params) {
  const model = params.get("attrModel");
  const order = Number(params.get("attrOrder"));
  const allowed = orders();
  $("attr-order").replaceChildren(...allowed.map((o) => h("option", { value: String(o) }, String(o))));
  state.attribution = {
    model: Object.hasOwn(MODELS, model) ? model : DEFAULT_MODEL,
    lookbackDays: parseLookback(params.get("attrLookback") ?? "") ?? DEFAULT_LOOKBACK,
    order: allowed.includes(order) ? order : param("attribution.markov", "order").value,
  };
  $("attr-model").value = state.attribution.model;
  $("attr-lookback").value = String(state.attribution.lookbackDays);
  $("attr-order").value = String(state.attribution.order);
}

function writeAttributionSettings(params) {
  params.set("attrModel", state.attribution.model);
  params.set("attrLookback", String(state.attribution.lookbackDays));
  params.set("attrOrder", String(state.attribution.order));
}

const label = (model) => MODELS[model]?.label ?? model;
const percent = (x) => formatValue(x, "percent");
/** A period's start as the CAC tables name it: 2025-11 for a month, 2025-Q4 for a quarter, the day otherwise. */
function periodName(ms, period) {
  const day = isoDay(ms);
  if (period === "month") return day.slice(0, 7);
  if (period === "quarter") return `${day.slice(0, 4)}-Q${Math.floor(Number(day.slice(5, 7)) / 3) + 1}`;
  return day;
}

function renderModels(result) {
  const models = Object.keys(MODELS).filter((m) => result.models[m]);
  const { channels, totals, unattributed, options } = result;
  const sample = isSample();
  $("attr-models-help").textContent =
    `${formatCount(totals.conversions)} first purchases credited to ${formatCount(totals.touches)} touches of ` +
    `${formatCount(channels.length)} channels (${formatCount(totals.paths)} paths, ${formatCount(totals.nulls)} of them ` +
    `ending without a purchase), ${options.lookbackDays}-day lookback, Markov order ${options.order}.` +
    (unattributed.conversions > 0 ? ` ${formatCount(unattributed.conversions)} first purchases had no touch in the lookback window and are not credited.` : "");
  $("attr-shares-caption").textContent = `Share of the conversions credited to each channel, by model${sample ? ", with the simulator's known contribution" : ""}`;
  const chosen = state.attributionResult.options.model;
  $("attr-shares-head").replaceChildren(
    h(
      "tr",
      {},
      h("th", { scope: "col" }, "Channel"),
      ...models.map((m) => h("th", { scope: "col", className: m === chosen ? "attr-chosen" : null, dataset: { model: m } }, label(m))),
      sample ? h("th", { scope: "col", className: "attr-truth" }, "True share (simulated)") : null,
    ),
  );
  $("attr-shares-rows").replaceChildren(
    ...channels.map((channel, i) =>
      h(
        "tr",
        { dataset: { channel } },
        h("th", { scope: "row" }, channel),
        ...models.map((m) => h("td", { className: m === chosen ? "attr-chosen" : null }, percent(result.models[m].share[i]))),
        sample ? h("td", { className: "attr-truth" }, TRUE_SHARES[channel] === undefined ? "—" : percent(TRUE_SHARES[channel])) : null,
      ),
    ),
  );
  const note = $("attr-truth-note");
  note.hidden = !sample;
  note.textContent = sample
    ? "True share: the share of conversions each channel causes in the simulator that made the sample touchpoints " +
      "(its known contribution). The converting touch ends each simulated path, so last touch estimates it here; " +
      "Markov and Shapley also credit channels present in paths they did not convert, which pulls their shares " +
      "toward equal but keeps the true order."
    : "";
  $("attr-defs").replaceChildren(
    ...models.map((m) =>
      h("li", {}, h("button", { type: "button", className: "link-button", dataset: { attrDef: m }, "aria-haspopup": "dialog" }, label(m))),
    ),
  );
  return renderChart(result, models);
}

async function renderChart(result, models) {
  const el = $("attr-chart");
  const { channels } = result;
  try {
    const instance = await chartIn("attr-chart");
    instance.setOption(
      {
        animation: false,
        color: PALETTE,
        legend: { top: 0, type: "scroll", textStyle: { color: "#333" } },
        grid: { left: 8, right: 24, top: 56, bottom: 28, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          renderMode: "richText",
          formatter: (items) =>
            [items[0]?.name ?? "", ...items.map((i) => `${i.marker}${i.seriesName}: ${formatValue(i.value, "decimal")}`)].join("\n"),
        },
        yAxis: { type: "category", data: channels, inverse: true, axisLabel: { color: "#333" } },
        xAxis: {
          type: "value", name: "Conversions credited", nameLocation: "middle", nameGap: 24,
          nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        series: models.map((m) => ({ type: "bar", name: label(m), data: Array.from(result.models[m].conversions) })),
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Bar chart of the conversions each of ${channels.length} channels is credited with by ${models.length} models. ` +
        "The table below holds the shares.",
    );
  } catch {
    el.hidden = true;
  }
}

function renderSentences(result) {
  const { comparison } = result;
  $("attr-compare-heading").textContent = `Last touch against ${label(comparison.b)}`;
  $("attr-sentences").replaceChildren(...comparison.channels.map((c) => h("li", { dataset: { channel: c.channel } }, c.summary)));
}

/**
 * The channel rows of the latest period whose attribution window is complete in both CAC tables:
 * `{ month, rows: [{ channel, spend, firstPurchase, attributed }] }` (`month` is the period's
 * start, whatever the period), or null.
 */
export function latestCacMonth(cacResult) {
  const channelRows = (table) => table.rows.filter((row) => row.variant === "channel");
  const attributed = channelRows(cacResult.attributed);
  const first = channelRows(cacResult.firstPurchase);
  const incomplete = new Set([...attributed, ...first].filter((row) => !row.complete).map((row) => row.periodStart));
  const starts = new Set(first.map((row) => row.periodStart));
  const candidates = attributed.map((row) => row.periodStart).filter((s) => starts.has(s) && !incomplete.has(s));
  if (candidates.length === 0) return null;
  const month = Math.max(...candidates);
  const byChannel = new Map();
  const entry = (channel) => {
    if (!byChannel.has(channel)) byChannel.set(channel, { channel, spend: null, firstPurchase: null, attributed: null });
    return byChannel.get(channel);
  };
  for (const row of attributed) if (row.periodStart === month) entry(row.channel).attributed = row;
  for (const row of first) if (row.periodStart === month) entry(row.channel).firstPurchase = row;
  const rows = [...byChannel.values()];
  for (const row of rows) row.spend = (row.attributed ?? row.firstPurchase).spend;
  return { month, rows };
}

function renderCac(result) {
  const table = $("attr-cac");
  const model = label(result.options.model);
  $("attr-cac-empty").hidden = result.cac !== null;
  table.hidden = result.cac === null;
  $("attr-cac-model-customers").textContent = `${model}`;
  $("attr-cac-model-cac").textContent = `${model}`;
  if (!result.cac) {
    $("attr-cac-help").textContent = "";
    $("attr-cac-rows").replaceChildren();
    $("attr-cac-reasons").replaceChildren();
    return null;
  }
  const latest = latestCacMonth(result.cac);
  $("attr-cac-help").textContent =
    `Each channel's spend in the ${result.options.period} divided by its new customers: counted by the channel of their first purchase ` +
    `(Channel CAC), or by the credit ${model} gives the channel for their first purchase (CAC by attributed channel). ` +
    "New customers whose purchase no touch covers count as unknown.";
  const { period, attributionLag } = result.options;
  $("attr-cac-caption").textContent = latest
    ? `Latest complete ${period}: ${periodName(latest.month, period)} (attribution lag ${attributionLag})`
    : `No complete ${period} yet`;
  // Attributed new customers are fractions of customers (credit is split over channels).
  const customers = (row, kind) => (row ? h("td", {}, formatValue(row.newCustomers, kind)) : h("td", {}, "—"));
  // A missing CAC shows "—"; the library's reasons are listed once under the table.
  const reasons = new Set();
  const cacCell = (row) => {
    if (row && row.value === null && row.reason) reasons.add(row.reason);
    return valueCell(row?.value ?? null, null, "currency");
  };
  $("attr-cac-rows").replaceChildren(
    ...(latest?.rows ?? []).map((row) =>
      h(
        "tr",
        { dataset: { channel: row.channel } },
        h("th", { scope: "row" }, row.channel),
        h("td", {}, formatValue(row.spend, "currency")),
        customers(row.firstPurchase, "count"),
        customers(row.attributed, "decimal"),
        cacCell(row.firstPurchase),
        cacCell(row.attributed),
      ),
    ),
  );
  $("attr-cac-reasons").replaceChildren(...[...reasons].map((reason) => h("li", {}, `—: ${reason}`)));
  return latest;
}

/** Payback (textbook) and LTV:CAC (historical) per channel, first purchase next to the chosen model. */
function renderEconomics(result) {
  const econ = result.economics;
  $("attr-econ-wrap").hidden = !econ;
  $("attr-econ-help").hidden = !econ;
  if (!econ) return;
  const model = label(result.options.model);
  $("attr-econ-model-payback").textContent = model;
  $("attr-econ-model-ltv").textContent = model;
  const byChannel = (rows) => new Map(rows.filter((r) => r.channel !== null).map((r) => [r.channel, r]));
  const payback = { first: byChannel(econ.firstPurchase.payback), model: byChannel(econ.attributed.payback) };
  const ltv = { first: byChannel(econ.firstPurchase.ltv), model: byChannel(econ.attributed.ltv) };
  const channels = [...new Set([...payback.first.keys(), ...payback.model.keys()])].sort();
  const cell = (row) => valueCell(row?.value ?? null, null, "decimal");
  $("attr-econ-rows").replaceChildren(
    ...channels.map((channel) =>
      h(
        "tr",
        { dataset: { channel } },
        h("th", { scope: "row" }, channel),
        cell(payback.first.get(channel)),
        cell(payback.model.get(channel)),
        cell(ltv.first.get(channel)),
        cell(ltv.model.get(channel)),
      ),
    ),
  );
  const { margin } = result.options;
  $("attr-econ-help").textContent =
    `Each channel's customers counted by the channel of their first purchase, or by the credit ${model} gives the channel ` +
    `(a customer split over channels counts in each with their share of revenue). Payback: CAC over the whole window ÷ ` +
    `monthly gross margin per customer; LTV:CAC: realised gross margin per customer ÷ CAC; margin ${marginPercent(margin)} %. ` +
    "— where a channel has no spend.";
}

function renderRemoval(result) {
  const { markov, channels } = result;
  $("attr-removal-rows").replaceChildren(
    ...channels.map((channel, i) =>
      h("tr", {}, h("th", { scope: "row" }, channel), h("td", {}, percent(markov.removalEffects[i])), h("td", {}, percent(markov.valueRemovalEffects[i]))),
    ),
  );
  $("attr-transitions-rows").replaceChildren(
    ...Array.from(markov.from, (from, k) =>
      h("tr", {}, h("th", { scope: "row" }, markov.states[from]), h("td", {}, markov.states[markov.to[k]]), h("td", {}, percent(markov.probability[k]))),
    ),
  );
}

/** Space around the graph for the labels, in pixels. */
const GRAPH_MARGIN = 48;

const isEnd = (state) => state === "(conversion)" || state === "(null)";

/**
 * Node positions in pixels of a `width` × `height` box (so the picture is not stretched): start
 * on the left, the channels in a column, conversion and null on the right.
 */
function graphNodes(markov, channels, width, height) {
  const channelStates = markov.states.filter((s) => !s.startsWith("("));
  const re = new Map(channels.map((c, i) => [c, markov.removalEffects[i]]));
  const step = height / Math.max(channelStates.length - 1, 1);
  return markov.states.map((name) => {
    if (name === "(start)") return { name, x: 0, y: height / 2, symbolSize: 22, itemStyle: { color: "#455a64" }, label: { position: "top" } };
    if (name === "(conversion)") return { name, x: width, y: height * 0.2, symbolSize: 28, itemStyle: { color: "#2e7d32" }, label: { position: "top" } };
    if (name === "(null)") return { name, x: width, y: height * 0.8, symbolSize: 28, itemStyle: { color: "#c62828" }, label: { position: "bottom" } };
    return {
      name,
      x: width / 2,
      y: channelStates.indexOf(name) * step,
      symbolSize: 12 + 60 * (re.get(name) ?? 0),
      itemStyle: { color: "#1d5fa8" },
      label: { position: "left" },
    };
  });
}

/** A transition's line: those from (start) and into (conversion) or (null) by probability, the rest faint. */
function graphLink(markov, e) {
  const source = markov.states[e.from];
  const target = markov.states[e.to];
  const main = source === "(start)" || isEnd(target);
  const color = target === "(conversion)" ? "#2e7d32" : target === "(null)" ? "#c62828" : "#5d6b80";
  return {
    source,
    target,
    value: e.p,
    lineStyle: main
      ? { width: 1 + 16 * e.p, opacity: 0.75, curveness: 0, color }
      : { width: 0.6, opacity: 0.18, curveness: 0.35, color },
  };
}

/** The graph's nodes for the element's current size. */
const graphNodesIn = (el, markov, channels) =>
  graphNodes(markov, channels, Math.max(el.clientWidth - 2 * GRAPH_MARGIN, 1), Math.max(el.clientHeight - 2 * GRAPH_MARGIN, 1));

/** Places the graph's nodes again when its box changes size, so the picture is never stretched. */
function followGraphSize() {
  const el = $("attr-graph");
  let width = el.clientWidth;
  new ResizeObserver(async () => {
    const result = state.attributionResult;
    if (el.clientWidth === width || !result?.touchpoints || !result.markov) return;
    width = el.clientWidth;
    const instance = await chartIn("attr-graph");
    instance.setOption({ series: [{ data: graphNodesIn(el, result.markov, result.channels) }] });
  }).observe(el);
}

async function renderGraph(result) {
  const { markov, channels } = result;
  renderRemoval(result);
  // A channel's repeat visits (self-transitions) are in the table only.
  const drawn = Array.from(markov.from, (from, k) => ({ from, to: markov.to[k], p: markov.probability[k] })).filter((e) => e.from !== e.to);
  $("attr-graph-help").textContent =
    `The journeys as a Markov chain of order ${markov.order}: from (start) through the channels to (conversion) or (null) ` +
    `(no purchase); P(conversion) = ${percent(markov.conversionProbability)}. Lines from (start) and into (conversion) and ` +
    "(null) are as thick as their probability (point at one for its value); moves between channels " +
    "are drawn faint. A channel's circle grows with its removal effect. The tables list every transition.";
  const el = $("attr-graph");
  try {
    const instance = await chartIn("attr-graph");
    instance.setOption(
      {
        animation: false,
        tooltip: {
          renderMode: "richText",
          formatter: (item) =>
            item.dataType === "edge"
              ? `${item.data.source} → ${item.data.target}: ${percent(item.data.value)}`
              : item.name.startsWith("(")
                ? item.name
                : `${item.name}: removal effect ${percent(markov.removalEffects[channels.indexOf(item.name)])}`,
        },
        series: [
          {
            type: "graph",
            layout: "none",
            left: GRAPH_MARGIN,
            right: GRAPH_MARGIN,
            top: GRAPH_MARGIN,
            bottom: GRAPH_MARGIN,
            roam: false,
            edgeSymbol: ["none", "arrow"],
            edgeSymbolSize: 6,
            label: { show: true, color: "#333", fontSize: 11 },
            data: graphNodesIn(el, markov, channels),
            links: drawn.map((e) => graphLink(markov, e)),
          },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Markov transition graph: (start), ${channels.length} channels, (conversion) and (null), with ${drawn.length} transitions drawn. ` +
        "The tables below list every transition and removal effect.",
    );
  } catch {
    el.hidden = true;
  }
}

/** Attribution for the chosen model on the data set in use. */
export async function computeAttribution() {
  const generation = ++state.attributionGeneration;
  const { model, lookbackDays, order } = state.attribution;
  // CAC by attributed channel follows the CAC section's period and attribution lag.
  const { period, lag } = state.cac;
  // Payback and LTV:CAC by attributed channel take the CAC section's margin too.
  setAttributionState("computing");
  $("attribution").setAttribute("aria-busy", "true");
  try {
    const { margin } = state.cac;
    const result = await runTask("attribution", { model, lookbackDays, order, period, attributionLag: lag, margin });
    if (generation !== state.attributionGeneration) return;
    state.attributionResult = { ...result, sample: isSample() };
    $("attr-error").hidden = true;
    $("attr-empty").hidden = result.touchpoints;
    $("attr-body").hidden = !result.touchpoints;
    let drawn = null;
    if (result.touchpoints) {
      state.attributionResult.latestCac = renderCac(result);
      renderEconomics(result);
      renderSentences(result);
      drawn = Promise.all([renderModels(result), renderGraph(result)]);
    }
    publish("attribution");
    setAttributionState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.attributionGeneration) return;
    state.attributionResult = null;
    publish("attribution");
    $("attr-body").hidden = true;
    $("attr-empty").hidden = true;
    renderError($("attr-error"), "Could not compute the attribution", err);
    setAttributionState("error");
  } finally {
    if (generation === state.attributionGeneration) $("attribution").removeAttribute("aria-busy");
  }
}

function onSettingsChanged() {
  const model = $("attr-model").value;
  const lookbackDays = parseLookback($("attr-lookback").value);
  const order = Number($("attr-order").value);
  setFieldError("attr-lookback", lookbackDays === null);
  if (!Object.hasOwn(MODELS, model) || lookbackDays === null) return;
  const next = { model, lookbackDays, order };
  const now = state.attribution;
  if (next.model === now.model && next.lookbackDays === now.lookbackDays && next.order === now.order) return;
  state.attribution = next;
  writeUrl(writeAttributionSettings);
  if (state.data) computeAttribution();
}

/** Opens a model's definition (or CAC by attributed channel's) with the parameters in effect. */
function openDefinition(key) {
  const result = state.attributionResult;
  if (!result?.touchpoints) return;
  const { lookbackDays } = result.options;
  if (key === "cac.attributed") {
    const row = result.cac?.attributed.rows.find((r) => r.definition.metric === "cac.attributed");
    const def =
      result.definitions["cac.attributed"] ??
      fallbackDefinition("cac.attributed", row?.definition.version, "CAC by attributed channel", {
        description: "A channel's spend in a period divided by the new customers an attribution model credits to it in that period.",
        unit: "currency per new customer",
        inputs: "spend, transactions and an attribution result with credits",
      });
    showDefinition(def, formatParams({ ...(row?.definition.params ?? {}), lookbackDays }), `Attribution model: ${label(result.options.model)}.`);
    return;
  }
  const credit = result.models[key];
  if (!credit) return;
  const { metric, version, params } = credit.definition;
  const def =
    result.definitions[metric] ??
    fallbackDefinition(metric, version, `Attribution: ${label(key)}`, {
      description: MODELS[key].summary,
      unit: "conversions credited (and their value)",
      inputs: "touchpoints and transactions",
    });
  showDefinition(def, formatParams({ ...params, lookbackDays }), "Credit of each customer's first purchase, over the touches in the lookback window before it.");
}

/** What the dialog shows for an id the library's glossary does not list: the result's id and version. */
function fallbackDefinition(id, version, name, { description, unit, inputs }) {
  return {
    id,
    version: version ?? "",
    name,
    description,
    formula: "See the attribution guide (docs/guide/attribution.md).",
    unit,
    inputs,
    parameters: [],
  };
}

export function wireAttribution() {
  followGraphSize();
  for (const id of ["attr-model", "attr-lookback", "attr-order"]) $(id).addEventListener("change", onSettingsChanged);
  $("attr-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    onSettingsChanged();
  });
  $("attribution").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-attr-def]");
    if (button) openDefinition(button.dataset.attrDef);
  });
}
