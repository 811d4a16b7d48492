import { UnimetricWorker } from "/pkg/worker.js";

// The demo dashboard: UI only. Every number comes from the unimetric WebAssembly module,
// which runs in a module worker (the package's unimetric/worker with the tasks of worker.js);
// this file sends requests and renders results.

const SAMPLE = {
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
};

const PERIODS = ["day", "week", "month", "quarter"];
const DEFAULT_PERIOD = "day"; // the library's default, so a bare URL shows library defaults

// CAC settings. Period, lag and margin defaults are the library's.
const CAC_VARIANTS = ["blended", "paid", "channel"];
const CAC_DEFAULTS = { variant: "channel", period: "month", lag: 0, margin: 1 };
const MAX_LAG = 1000; // the library accepts whole periods from 0 to 1000

// Churn settings. The horizon and alpha defaults are the library's.
const CHURN_DEFAULTS = { horizonDays: 90, alpha: 1 };
const MAX_HORIZON = 3650; // the library accepts whole days from 1 to 3650

// Lifetime value settings. Horizon, convention and rates are the library's defaults; the margin
// is not (the library's 1 would show CLV on revenue), and the page says so next to the field.
const CONVENTIONS = {
  monthlyDiscrete: {
    rate: 0.01,
    label: "Discount rate (% per month)",
    help: "D(k) = 1 / (1 + d)^k for month k, as lifetimes; the library's default d is 1% a month.",
  },
  continuous: {
    rate: 0.1,
    label: "Discount rate (% per year, continuous)",
    help: "D(k) = exp(−δ·k / 12) for month k, as CLVTools; the library's default δ is 10% a year.",
  },
};
const LTV_DEFAULTS = { horizonMonths: 12, discountConvention: "monthlyDiscrete", margin: 0.3 };
const MAX_CLV_HORIZON = 600;

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

// A fixed locale keeps the page (and its tests) identical on every machine.
const LOCALE = "en-US";
const FORMATS = {
  count: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
  currency: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  decimal: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  percent: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  probability: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  score: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 3, maximumFractionDigits: 3 }),
  ratePercent: new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 0, maximumFractionDigits: 0 }),
  months: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
};
const formatValue = (value, kind) => FORMATS[kind].format(value);
const formatCount = (n) => FORMATS.count.format(n);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

const $ = (id) => document.getElementById(id);

/** Creates an element with attributes/properties and text or element children. */
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// ---------------------------------------------------------------------------------------
// Worker client: the package's Worker API (unimetric/worker) with the dashboard's tasks added
// in worker.js. A cancelled or failed worker is replaced on the next request, which first
// reloads the data set it lost.

const engine = new UnimetricWorker({ url: new URL("./worker.js", import.meta.url), name: "unimetric-dashboard" });
window.__unimetricEngine = engine;

/** Progress of the running fits, by task, for the progress bar. */
const running = new Map();

/**
 * Runs a dashboard task in the worker with `args`; shows its progress while it runs and lets
 * Cancel stop it. After a cancel or a failure the data set is loaded again first.
 */
async function runTask(type, args = {}) {
  if (type !== "load" && state.loadRequest && state.loadedGeneration !== engine.generation) await reload();
  const entry = { type, done: 0, total: 0 };
  running.set(entry, true);
  showWork();
  try {
    return await engine.call(type, [args], {
      onProgress: (p) => {
        entry.done = p.done;
        entry.total = p.total;
        entry.stage = p.stage;
        showWork();
      },
    });
  } catch (err) {
    if (err?.code === "E_CANCELLED") showHalted(err);
    throw err;
  } finally {
    running.delete(entry);
    showWork();
  }
}

let reloading = null;

/** Loads the current data set into a fresh worker (after a cancel or a failure). */
function reload() {
  reloading ??= engine
    .call("load", [state.loadRequest])
    .then(() => {
      state.loadedGeneration = engine.generation;
    })
    .finally(() => {
      reloading = null;
    });
  return reloading;
}

const STAGE_LABEL = {
  kmeans: "k-means runs",
  chooseK: "choosing k",
  bgnbd: "BG/NBD fit",
  gammaGamma: "Gamma-Gamma fit",
};

/** The progress bar and Cancel button: visible while the worker has work. */
function showWork() {
  const box = $("work");
  const busy = running.size > 0;
  box.hidden = !busy;
  $("cancel").disabled = !busy;
  if (!busy) return;
  const withSteps = [...running.keys()].filter((e) => e.total > 0);
  const bar = $("work-progress");
  if (withSteps.length) {
    const e = withSteps.at(-1);
    bar.max = e.total;
    bar.value = e.done;
    $("work-label").textContent = `Computing in the worker: ${STAGE_LABEL[e.stage] ?? e.stage} ${e.done} of ${e.total}…`;
  } else {
    bar.removeAttribute("value");
    $("work-label").textContent = `Computing in the worker (${running.size} task${running.size === 1 ? "" : "s"})…`;
  }
}

/** Cancel: stops every computation by replacing the worker; the sections say so. */
function cancelWork() {
  engine.cancel("cancelled from the dashboard");
}

/** Says that the computations stopped (cancelled, or the worker failed) and how to go on. */
function showHalted(err) {
  const failed = err.reason === "failed";
  $("halted-message").textContent = failed
    ? `The computation worker stopped (${err.message}). The results shown may be incomplete; Recompute starts a new worker and loads the data again.`
    : "Computation cancelled. The results shown may be incomplete; Recompute runs the computations again with the current settings.";
  $("halted").hidden = false;
}

/** Recompute: every section again, in a fresh worker if the last one was stopped. */
function recomputeAll() {
  $("halted").hidden = true;
  if (!state.data) {
    loadData(state.loadRequest ?? sampleRequest(), state.loadRequest?.name ?? SAMPLE.name);
    return;
  }
  compute();
  computeCac();
  computeChurn();
  computeLtv();
  computeSegments();
}

// ---------------------------------------------------------------------------------------
// State: the settings live in the URL so a link reproduces the same numbers.

const state = {
  period: DEFAULT_PERIOD,
  end: "",
  data: null, // description of the loaded data set (from the worker)
  result: null, // last successful computation
  generation: 0, // increments per computation; stale answers are dropped
  cac: { ...CAC_DEFAULTS },
  cacResult: null, // last successful CAC computation (with spend)
  cacGeneration: 0,
  churn: { ...CHURN_DEFAULTS },
  churnResult: null, // last successful churn computation, with `order` (row indices by risk)
  churnGeneration: 0,
  ltv: { ...LTV_DEFAULTS, rate: CONVENTIONS[LTV_DEFAULTS.discountConvention].rate },
  ltvResult: null, // last lifetime value computation, with `order` (row indices by CLV)
  ltvGeneration: 0,
  segments: null, // set from the URL (defaults in SEGMENT_DEFAULTS)
  segmentsResult: null,
  segmentsGeneration: 0,
};

function isValidDay(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && isoDay(date.getTime()) === text;
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  const period = params.get("period");
  const end = params.get("end") ?? "";
  state.period = PERIODS.includes(period) ? period : DEFAULT_PERIOD;
  state.end = isValidDay(end) ? end : "";
  $("period").value = state.period;
  $("end").value = state.end;

  const variant = params.get("cacVariant");
  const cacPeriod = params.get("cacPeriod");
  const lag = parseLag(params.get("lag") ?? "");
  const margin = parseMargin(params.get("margin") ?? "");
  state.cac = {
    variant: CAC_VARIANTS.includes(variant) ? variant : CAC_DEFAULTS.variant,
    period: PERIODS.includes(cacPeriod) ? cacPeriod : CAC_DEFAULTS.period,
    lag: lag ?? CAC_DEFAULTS.lag,
    margin: margin ?? CAC_DEFAULTS.margin,
  };
  $("cac-variant").value = state.cac.variant;
  $("cac-period").value = state.cac.period;
  $("cac-lag").value = String(state.cac.lag);
  $("cac-margin").value = String(marginPercent(state.cac.margin));
  for (const id of ["cac-lag", "cac-margin"]) setFieldError(id, false);

  state.churn = {
    horizonDays: parseHorizon(params.get("horizon") ?? "") ?? CHURN_DEFAULTS.horizonDays,
    alpha: parseAlpha(params.get("alpha") ?? "") ?? CHURN_DEFAULTS.alpha,
  };
  $("churn-horizon").value = String(state.churn.horizonDays);
  $("churn-alpha").value = String(state.churn.alpha);
  for (const id of ["churn-horizon", "churn-alpha"]) setFieldError(id, false);

  const convention = params.get("clvConvention");
  const discountConvention = convention in CONVENTIONS ? convention : LTV_DEFAULTS.discountConvention;
  state.ltv = {
    horizonMonths: parseWhole(params.get("clvHorizon") ?? "", 1, MAX_CLV_HORIZON) ?? LTV_DEFAULTS.horizonMonths,
    discountConvention,
    rate: parseRate(params.get("clvRate") ?? "") ?? CONVENTIONS[discountConvention].rate,
    margin: parseMargin(params.get("clvMargin") ?? "") ?? LTV_DEFAULTS.margin,
  };
  showLtvSettings();

  const axis = (name, fallback) => (Object.hasOwn(SCATTER_FEATURES, params.get(name)) ? params.get(name) : fallback);
  state.segments = {
    k: parseWhole(params.get("segK") ?? "", 2, MAX_K) ?? SEGMENT_DEFAULTS.k,
    seed: parseWhole(params.get("segSeed") ?? "", 0, MAX_SEED) ?? SEGMENT_DEFAULTS.seed,
    x: axis("segX", SEGMENT_DEFAULTS.x),
    y: axis("segY", SEGMENT_DEFAULTS.y),
    log: params.has("segLog") ? params.get("segLog") !== "0" : SEGMENT_DEFAULTS.log,
  };
  $("seg-k").value = String(state.segments.k);
  $("seg-seed").value = String(state.segments.seed);
  $("seg-x").value = state.segments.x;
  $("seg-y").value = state.segments.y;
  $("seg-log").checked = state.segments.log;
  for (const id of ["seg-k", "seg-seed"]) setFieldError(id, false);
}

/** A discount rate in [0, 1], or null. */
function parseRate(text) {
  if (text.trim() === "") return null;
  const rate = Number(text);
  return Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : null;
}

/** Puts the LTV settings into the form, with the rate's label and help for the convention. */
function showLtvSettings() {
  const { horizonMonths, discountConvention, rate, margin } = state.ltv;
  const convention = CONVENTIONS[discountConvention];
  $("clv-horizon").value = String(horizonMonths);
  $("clv-convention").value = discountConvention;
  $("clv-rate").value = String(marginPercent(rate));
  $("clv-margin").value = String(marginPercent(margin));
  $("clv-rate-label").textContent = convention.label;
  $("clv-convention-help").textContent = convention.help;
  $("clv-rate-help").textContent =
    `Library default ${marginPercent(convention.rate)}%; switching the convention resets it to that convention's default.`;
  for (const id of ["clv-horizon", "clv-rate", "clv-margin"]) setFieldError(id, false);
}

/** A whole number of days in [1, MAX_HORIZON], or null. */
function parseHorizon(text) {
  if (!/^\d+$/.test(text.trim())) return null;
  const days = Number(text);
  return days >= 1 && days <= MAX_HORIZON ? days : null;
}

/** A finite regularisation strength ≥ 0, or null. */
function parseAlpha(text) {
  if (text.trim() === "") return null;
  const alpha = Number(text);
  return Number.isFinite(alpha) && alpha >= 0 ? alpha : null;
}

/** A whole number of periods in [0, MAX_LAG], or null. */
function parseLag(text) {
  if (!/^\d+$/.test(text.trim())) return null;
  const lag = Number(text);
  return lag <= MAX_LAG ? lag : null;
}

/** A gross margin rate in (0, 1], or null. */
function parseMargin(text) {
  if (text.trim() === "") return null;
  const margin = Number(text);
  return Number.isFinite(margin) && margin > 0 && margin <= 1 ? margin : null;
}

/** 0.6 → 60, without binary noise such as 56.99999999999999 for 0.57. */
const marginPercent = (margin) => Number((margin * 100).toPrecision(12));

/**
 * Writes the settings to the URL; `cac`, `churn`, `ltv` and `segments` also record that
 * section's settings (else those are kept as they are).
 */
function writeUrl({ cac = false, churn = false, ltv = false, segments = false } = {}) {
  const params = new URLSearchParams(location.search);
  params.set("period", state.period);
  if (state.end) params.set("end", state.end);
  else params.delete("end");
  if (cac) {
    params.set("cacVariant", state.cac.variant);
    params.set("cacPeriod", state.cac.period);
    params.set("lag", String(state.cac.lag));
    params.set("margin", String(state.cac.margin));
  }
  if (churn) {
    params.set("horizon", String(state.churn.horizonDays));
    params.set("alpha", String(state.churn.alpha));
  }
  if (ltv) {
    params.set("clvHorizon", String(state.ltv.horizonMonths));
    params.set("clvConvention", state.ltv.discountConvention);
    params.set("clvRate", String(state.ltv.rate));
    params.set("clvMargin", String(state.ltv.margin));
  }
  if (segments) {
    params.set("segK", String(state.segments.k));
    params.set("segSeed", String(state.segments.seed));
    params.set("segX", state.segments.x);
    params.set("segY", state.segments.y);
    params.set("segLog", state.segments.log ? "1" : "0");
  }
  const url = `${location.pathname}?${params}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) {
    history.pushState(null, "", url);
  }
}

// ---------------------------------------------------------------------------------------
// Rendering

function setState(value) {
  document.body.dataset.state = value;
}

function setStatus(text) {
  $("status").textContent = text;
}

function describeData(data, kpis) {
  const parts = [
    `${formatCount(data.transactions)} transactions`,
    `${formatCount(data.customers)} customers`,
    data.name,
  ];
  if (kpis) parts.push(`observation end ${isoDay(kpis.observationEnd)}${state.end ? "" : " (last transaction)"}`);
  return parts.join(" · ");
}

function clearError() {
  const box = $("error");
  box.hidden = true;
  box.replaceChildren();
}

/** Shows a library (or other) error inline, with its code, column and row when known. */
function showError(title, err) {
  renderError($("error"), title, err);
  setState("error");
}

function renderError(box, title, err) {
  const facts = [];
  if (err.code) facts.push(h("span", { className: "error-code" }, err.code));
  if (err.column !== undefined) facts.push(h("span", {}, `column ${err.column}`));
  if (err.row !== undefined) facts.push(h("span", {}, `row ${err.row}`));
  box.replaceChildren(
    h("p", { className: "error-title" }, title),
    facts.length ? h("p", { className: "error-facts" }, ...interleave(facts, " · ")) : null,
    h("p", { className: "error-message" }, err.message || String(err)),
  );
  box.hidden = false;
}

function interleave(items, separator) {
  return items.flatMap((item, i) => (i === 0 ? [item] : [separator, item]));
}

/**
 * One KPI tile. `value` is the formatted number ("—" when undefined), `note` an optional line
 * under the unit (e.g. why the value is undefined), `open` the key its Definition button opens.
 */
function tileElement({ key, name, value, unit, metric, version, note, open }) {
  const nameId = `tile-${key}-name`;
  return h(
    "li",
    { className: "tile", dataset: { kpi: key, metric }, "aria-labelledby": nameId },
    h("h3", { id: nameId, className: "tile-name" }, name),
    h("p", { className: "tile-value" }, value),
    h("p", { className: "tile-unit" }, unit),
    note ? h("p", { className: "tile-note" }, note) : null,
    h("p", { className: "tile-def" }, h("code", {}, metric), ` v${version}`),
    h(
      "button",
      { type: "button", className: "tile-button", dataset: open, "aria-haspopup": "dialog" },
      "Definition",
      h("span", { className: "visually-hidden" }, `: ${name}`),
    ),
  );
}

function renderTiles(kpis) {
  const tiles = TILES.map(({ key, format }) => {
    const kpi = kpis[key];
    const { metric, version } = kpi.definition;
    return tileElement({
      key,
      name: kpi.name,
      value: formatValue(kpi.value, format),
      unit: kpi.unit,
      metric,
      version,
      open: { open: key },
    });
  });
  $("tiles").replaceChildren(...tiles);
}

function placeholderTiles(keys) {
  return keys.map((key) =>
    h("li", { className: "tile tile-empty", dataset: { kpi: key } }, h("p", { className: "tile-value" }, "—")),
  );
}

function renderPlaceholders() {
  $("tiles").replaceChildren(...placeholderTiles(TILES.map(({ key }) => key)));
}

/** Parameters holding an instant (epoch ms), shown as a date. */
const INSTANT_PARAMS = new Set(["observationEnd", "cutoff", "trainCutoff", "testCutoff"]);

function formatParam(name, value) {
  if (INSTANT_PARAMS.has(name) && typeof value === "number") {
    return `${new Date(value).toISOString().replace(".000Z", "Z")} (${value})`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function openDefinition(key) {
  const result = state.result;
  if (!result) return;
  const kpi = result.kpis[key];
  const def = result.definitions[kpi.definition.metric];
  if (!def) return;
  showDefinition(def, formatParams(kpi.definition.params));
}

/** Parameter name → displayed value, for the "In effect" column. */
function formatParams(params = {}) {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, formatParam(name, value)]));
}

/**
 * Opens the definition dialog. `inEffect` maps parameter names to the text shown as in
 * effect (missing parameters show "default"); `note` says how the number shown relates to it.
 */
function showDefinition(def, inEffect, note = "") {
  $("def-title").textContent = def.name;
  $("def-id").textContent = def.id;
  $("def-version").textContent = `v${def.version}`;
  $("def-description").textContent = def.description;
  $("def-formula").textContent = def.formula;
  $("def-unit").textContent = def.unit;
  $("def-inputs").textContent = def.inputs;
  $("def-note").textContent = note;
  $("def-note").hidden = !note;

  const listed = new Set(def.parameters.map((p) => p.name));
  const rows = def.parameters.map((p) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("code", {}, p.name)),
      h("td", {}, p.description),
      h("td", {}, h("code", {}, p.default)),
      h("td", {}, h("code", {}, p.name in inEffect ? inEffect[p.name] : "default")),
    ),
  );
  // Parameters recorded in the result but not documented as tunable still deserve a row.
  for (const [name, value] of Object.entries(inEffect)) {
    if (listed.has(name)) continue;
    rows.push(
      h("tr", {}, h("th", { scope: "row" }, h("code", {}, name)), h("td", {}, "—"), h("td", {}, "—"),
        h("td", {}, h("code", {}, value))),
    );
  }
  $("def-params").replaceChildren(...rows);
  $("definition").showModal();
}

// ---------------------------------------------------------------------------------------
// Chart (optional): ECharts is loaded on first use; the page works without it.

let echartsLoad = null;
const charts = new Map(); // element id → ECharts instance

/** Resolves in a new task, so the work before and after it are separate main-thread tasks. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The chart instance drawing into the element with this id (created on first use). Each chart
 * is drawn in a task of its own, so that no single task blocks the page for long.
 */
async function chartIn(id) {
  echartsLoad ??= import("/vendor/echarts/echarts.esm.min.mjs");
  const echarts = await echartsLoad;
  await nextTask();
  let instance = charts.get(id);
  if (!instance) {
    const el = $(id);
    instance = echarts.init(el, null, { renderer: "canvas" });
    new ResizeObserver(() => instance.resize()).observe(el);
    charts.set(id, instance);
  }
  return instance;
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

// ---------------------------------------------------------------------------------------
// CAC: marketing spend set against new customers. Every number shown is a field of the
// library's results (cac, cacPayback, ltvToCac); the page only picks rows and formats them.

const VARIANT_LABEL = { blended: "Blended CAC", paid: "Paid CAC", channel: "Channel CAC" };
const VARIANT_METRIC = { blended: "cac.blended", paid: "cac.paid", channel: "cac.channel" };
const VARIANT_HELP = {
  blended: "Blended: all spend ÷ all new customers, organic included.",
  paid: "Paid: paid-channel spend ÷ customers acquired through paid channels.",
  channel: "Per channel: a channel’s spend ÷ the new customers it acquired.",
};
const CAC_TILE_KEYS = ["blendedCac", "ltvToCac"];
// Series colours, each with at least 4.5:1 contrast on white.
const PALETTE = ["#1d5fa8", "#b35c00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#5d4037", "#455a64"];

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

/** A table cell with a formatted value, or "—" followed by the library's reason. */
function valueCell(value, reason, format) {
  if (value !== null && value !== undefined) return h("td", {}, formatValue(value, format));
  return h("td", { className: "undefined-value" }, "—", reason ? h("span", { className: "reason" }, ` ${reason}`) : null);
}

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

/** Exposes the raw library results the page shows, for tests and for the console. */
function exposeCac() {
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

// ---------------------------------------------------------------------------------------
// Churn: churn rate, the risk list with reasons, model quality and odds ratios. Every number is
// a field of the library's results (churnFeatures, fitChurn, evaluateChurn) from the worker.

/** Rows in the risk list. */
const TOP_RISK = 20;

/** churn.features column → words for the reasons and the odds-ratio table. */
const FEATURE_LABELS = {
  recencyDays: "days since last purchase",
  frequency: "repeat purchase days",
  monetary: "total net spend",
  tenureDays: "days since first purchase",
  averageOrderValue: "average order value",
  meanGapDays: "usual days between purchases",
  gapSdDays: "irregularity of days between purchases",
  recencyToGap: "days since last purchase ÷ usual gap",
  purchases30: "purchase days in the last 30 days",
  purchases90: "purchase days in the last 90 days",
  trend: "trend: last 90 days vs the 90 before",
};
const featureLabel = (name) => FEATURE_LABELS[name] ?? name;

/** Library errors that mean "not enough history for this horizon" rather than a fault. */
const DATA_SHORTAGE = new Set(["E_EMPTY", "E_INSUFFICIENT_DATA"]);

const signed = (x) => `${x >= 0 ? "+" : "−"}${FORMATS.decimal.format(Math.abs(x))}`;
const dayCount = (from, to) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** A probability as a percentage with one decimal; never rounds up to 100% or down to 0%. */
function formatProbability(p) {
  if (p >= 0.9995) return `>${formatValue(0.999, "probability")}`;
  if (p < 0.0005) return `<${formatValue(0.001, "probability")}`;
  return formatValue(p, "probability");
}

function setChurnState(value) {
  document.body.dataset.churnState = value;
}

/** Row indices of the scored customers, highest probability first (ties keep the library's order). */
function riskOrder(probability) {
  return Array.from(probability.keys()).sort((a, b) => probability[b] - probability[a] || a - b);
}

function showChurnDates(cutoffs) {
  $("churn-date-scoring").textContent = cutoffs ? `${cutoffs.scoring} (last transaction day)` : "—";
  $("churn-date-fit").textContent = cutoffs ? `${cutoffs.fit} (churn observed to ${cutoffs.scoring})` : "—";
  $("churn-date-train").textContent = cutoffs ? cutoffs.train : "—";
  $("churn-date-test").textContent = cutoffs ? cutoffs.test : "—";
}

function renderChurnTile({ rate, cutoffs, definitions }) {
  const def = definitions["churn.rate"];
  $("churn-tiles").replaceChildren(
    tileElement({
      key: "churnRate",
      name: def.name,
      value: formatValue(rate.value, "percent"),
      unit: def.unit,
      note: `${formatCount(rate.customers)} customers active on ${cutoffs.fit}; churned = no purchase by ${cutoffs.scoring}`,
      metric: def.id,
      version: def.version,
      open: { churnDef: "rate" },
    }),
  );
}

function reasonList(reasons) {
  if (reasons.length === 0) return h("span", { className: "reason" }, "no feature raises the risk above average");
  return h(
    "ul",
    { className: "reason-list" },
    ...reasons.map((r) =>
      h("li", {}, featureLabel(r.feature), h("span", { className: "contribution" }, ` ${signed(r.contribution)}`)),
    ),
  );
}

function renderRisk(result) {
  const { scores, cutoffs, order, options } = result;
  const n = scores.customerId.length;
  $("risk-help").textContent =
    `The ${Math.min(TOP_RISK, n)} of ${formatCount(n)} customers most likely to make no purchase in the ` +
    `${options.horizonDays} days after ${cutoffs.scoring}, scored by the model fitted at ${cutoffs.fit}.`;
  $("churn-download-help").textContent =
    `All ${formatCount(n)} customers with id, probability, days since last purchase and reasons, highest risk first.`;
  $("risk-rows").replaceChildren(
    ...order.slice(0, TOP_RISK).map((i) =>
      h(
        "tr",
        { dataset: { customer: scores.customerId[i] } },
        h("th", { scope: "row" }, scores.customerId[i]),
        h("td", {}, formatProbability(scores.probability[i])),
        h("td", {}, formatCount(scores.recencyDays[i])),
        h("td", { className: "reasons-cell" }, reasonList(scores.reasons[i])),
      ),
    ),
  );
}

function renderOdds({ model, rate, cutoffs }) {
  const entries = model.names.map((name) => [name, model.oddsRatios[name]]);
  entries.sort((a, b) => Math.abs(Math.log(b[1])) - Math.abs(Math.log(a[1])));
  $("odds-help").textContent =
    `The factor by which a customer’s churn odds change when a feature is one standard deviation higher, the others ` +
    `held fixed; fitted at ${cutoffs.fit} on ${formatCount(rate.customers)} customers with alpha ${model.definition.params.alpha}. ` +
    `Strongest first.`;
  $("odds-rows").replaceChildren(
    ...entries.map(([name, ratio]) =>
      h(
        "tr",
        { dataset: { feature: name } },
        h("th", { scope: "row" }, featureLabel(name), " ", h("code", { className: "reason" }, name)),
        h("td", {}, formatValue(ratio, "decimal")),
        h("td", { className: "effect" }, ratio > 1 ? "raises churn odds" : ratio < 1 ? "lowers churn odds" : "no effect"),
      ),
    ),
  );
}

/** The three scores side by side; `better` names which of the two wins on each. */
function renderQualityTable(evaluation) {
  const measures = [
    { key: "auc", name: "AUC", higher: true },
    { key: "logLoss", name: "Log-loss", higher: false },
    { key: "brier", name: "Brier score", higher: false },
  ];
  $("quality-rows").replaceChildren(
    ...measures.map(({ key, name, higher }) => {
      const model = evaluation.model[key];
      const baseline = evaluation.baseline[key];
      const modelWins = higher ? model > baseline : model < baseline;
      const better = model === baseline ? "tie" : modelWins ? "model" : "baseline";
      return h(
        "tr",
        { dataset: { measure: key } },
        h("th", { scope: "row" }, name, h("span", { className: "reason" }, higher ? " (higher is better)" : " (lower is better)")),
        h("td", {}, formatValue(model, "score")),
        h("td", {}, formatValue(baseline, "score")),
        h("td", {}, better === "tie" ? "tie" : better === "model" ? "Model" : "Baseline"),
      );
    }),
  );
}

const binLabel = (bin) => `${formatValue(bin.lower, "ratePercent")}–${formatValue(bin.upper, "ratePercent")}`;
const maybe = (value, format) => (value === null ? "—" : formatValue(value, format));

function renderQualityTables(evaluation) {
  const { model, baseline } = evaluation;
  $("calibration-rows").replaceChildren(
    ...model.calibration.map((bin, i) => {
      const base = baseline.calibration[i];
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, binLabel(bin)),
        h("td", {}, formatCount(bin.count)),
        h("td", {}, maybe(bin.meanPredicted, "percent")),
        h("td", {}, maybe(bin.observedRate, "percent")),
        h("td", {}, formatCount(base.count)),
        h("td", {}, maybe(base.meanPredicted, "percent")),
        h("td", {}, maybe(base.observedRate, "percent")),
      );
    }),
  );
  $("lift-rows").replaceChildren(
    ...model.lift.map((decile, i) => {
      const base = baseline.lift[i];
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, String(decile.decile)),
        h("td", {}, formatValue(decile.rate, "percent")),
        h("td", {}, formatValue(decile.lift, "decimal")),
        h("td", {}, base ? formatValue(base.rate, "percent") : "—"),
        h("td", {}, base ? formatValue(base.lift, "decimal") : "—"),
      );
    }),
  );
}

const CHURN_SERIES = { model: PALETTE[0], baseline: PALETTE[1], reference: "#4a5261" };
const axisPercent = (v) => formatValue(v, "ratePercent");

async function renderCalibrationChart(evaluation) {
  const el = $("churn-calibration");
  const points = (bins) => bins.filter((b) => b.count > 0).map((b) => [b.meanPredicted, b.observedRate, b.count]);
  try {
    const instance = await chartIn("churn-calibration");
    instance.setOption(
      {
        animation: false,
        grid: { left: 16, right: 24, top: 40, bottom: 36, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "item",
          renderMode: "richText",
          formatter: (item) =>
            item.seriesIndex === 2
              ? "Perfect calibration"
              : `${item.marker}${item.seriesName}\npredicted ${formatValue(item.value[0], "percent")}\n` +
                `observed ${formatValue(item.value[1], "percent")}\n${formatCount(item.value[2])} customers`,
        },
        xAxis: {
          type: "value", min: 0, max: 1, name: "Mean predicted probability", nameLocation: "middle", nameGap: 26,
          nameTextStyle: { color: "#333" }, axisLabel: { color: "#333", formatter: axisPercent },
        },
        yAxis: {
          type: "value", min: 0, max: 1, name: "Observed churn rate", nameLocation: "middle", nameGap: 44,
          nameTextStyle: { color: "#333" }, axisLabel: { color: "#333", formatter: axisPercent },
        },
        series: [
          { type: "line", name: "Model", data: points(evaluation.model.calibration), color: CHURN_SERIES.model, symbolSize: 7 },
          {
            type: "line", name: "Baseline (recency only)", data: points(evaluation.baseline.calibration),
            color: CHURN_SERIES.baseline, symbol: "diamond", symbolSize: 8,
          },
          {
            type: "line", name: "Perfect calibration", data: [[0, 0], [1, 1]], color: CHURN_SERIES.reference,
            symbol: "none", lineStyle: { type: "dashed", width: 1 }, silent: true,
          },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Calibration plot: observed churn rate against mean predicted probability in ten bins, for the model ` +
        `(Brier ${formatValue(evaluation.model.brier, "score")}) and the baseline ` +
        `(Brier ${formatValue(evaluation.baseline.brier, "score")}), with the diagonal of perfect calibration. ` +
        `The tables below hold the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

async function renderLiftChart(evaluation) {
  const el = $("churn-lift");
  const { model, baseline } = evaluation;
  try {
    const instance = await chartIn("churn-lift");
    instance.setOption(
      {
        animation: false,
        grid: { left: 16, right: 24, top: 40, bottom: 36, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) =>
            [
              `Decile ${items[0]?.name ?? ""}`,
              ...items.map((item) => `${item.marker}${item.seriesName}: ${item.value === null ? "—" : `${formatValue(item.value, "decimal")}×`}`),
            ].join("\n"),
        },
        xAxis: {
          type: "category", data: model.lift.map((d) => String(d.decile)), name: "Decile (by descending score)",
          nameLocation: "middle", nameGap: 26, nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        yAxis: { type: "value", name: "Lift", nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" } },
        series: [
          {
            type: "bar", name: "Model", data: model.lift.map((d) => d.lift), color: CHURN_SERIES.model,
            markLine: {
              silent: true, symbol: "none", data: [{ yAxis: 1 }],
              lineStyle: { color: CHURN_SERIES.reference, type: "dashed" },
              label: { formatter: "no lift", position: "insideEndTop", color: "#333" },
            },
          },
          { type: "bar", name: "Baseline (recency only)", data: model.lift.map((_, i) => baseline.lift[i]?.lift ?? null), color: CHURN_SERIES.baseline },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Bar chart of lift per decile for the model and the baseline: top decile ${formatValue(model.lift[0].lift, "decimal")}× ` +
        `for the model, ${formatValue(baseline.lift[0]?.lift ?? 0, "decimal")}× for the baseline; 1× is no better than ` +
        `random. The tables below hold the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

/** Shows a "not enough data" message: what is missing, then the library's code and message. */
function renderShortage(box, title, explanation, err) {
  renderError(box, title, err);
  box.querySelector(".error-title").after(h("p", {}, explanation));
}

function renderQuality(result) {
  const { evaluation, evaluationError, cutoffs, options } = result;
  if (!evaluation) {
    $("quality-help").textContent = "";
    $("quality-body").hidden = true;
    renderShortage(
      $("quality-unavailable"),
      `Not enough history to check the model with a ${options.horizonDays}-day horizon`,
      `The check fits at ${cutoffs.train} (two horizons before the last transaction day) and needs customers active ` +
        `then with both outcomes; the data start on ${cutoffs.first}. A shorter horizon makes it possible.`,
      evaluationError,
    );
    return Promise.resolve();
  }
  $("quality-unavailable").hidden = true;
  $("quality-body").hidden = false;
  $("quality-help").textContent =
    `Fitted on ${formatCount(evaluation.trainingCustomers)} customers active on ${cutoffs.train}; scored on ` +
    `${formatCount(evaluation.testCustomers)} customers active on ${cutoffs.test}, whose churn ` +
    `(${formatValue(evaluation.model.churnRate, "percent")}) is known by ${cutoffs.scoring}. The baseline predicts from ` +
    `recency alone: the training churn rate of each recency decile.`;
  renderQualityTable(evaluation);
  renderQualityTables(evaluation);
  return Promise.all([renderCalibrationChart(evaluation), renderLiftChart(evaluation)]);
}

function renderChurn(result) {
  showChurnDates(result.cutoffs);
  $("churn-error").hidden = true;
  $("churn-unavailable").hidden = true;
  renderChurnTile(result);
  $("churn-body").hidden = false;
  renderRisk(result);
  renderOdds(result);
  $("churn-download").disabled = false;
  return renderQuality(result);
}

function renderChurnFailure(err) {
  state.churnResult = null;
  exposeChurn();
  $("churn-tiles").replaceChildren(...placeholderTiles(["churnRate"]));
  $("churn-body").hidden = true;
  $("churn-download").disabled = true;
  showChurnDates(err.cutoffs ?? null);
  if (!DATA_SHORTAGE.has(err.code)) {
    $("churn-unavailable").hidden = true;
    renderError($("churn-error"), "Could not compute churn", err);
    setChurnState("error");
    return;
  }
  const { horizonDays } = state.churn;
  const c = err.cutoffs;
  $("churn-error").hidden = true;
  renderShortage(
    $("churn-unavailable"),
    `Not enough history for churn with a ${horizonDays}-day horizon`,
    c
      ? `The data run from ${c.first} to ${c.scoring} (${formatCount(dayCount(c.first, c.scoring))} days). The model ` +
          `learns from customers active on ${c.fit}, one horizon before the last transaction day, and needs both ` +
          `churners and returning customers among them. Choose a shorter horizon.`
      : "Choose a shorter horizon.",
    err,
  );
  setChurnState("unavailable");
}

/** Opens a churn definition with the parameters its numbers used. */
function openChurnDefinition(key) {
  const result = state.churnResult;
  if (!result) return;
  const { definitions, rate, scores, model, evaluation, cutoffs, options } = result;
  const open = {
    rate: () =>
      showDefinition(
        definitions["churn.rate"],
        formatParams(rate.features.params),
        `Customers active on ${cutoffs.fit}, one horizon before the last transaction day, so every outcome is known.`,
      ),
    churned: () => showDefinition(definitions["churn.noncontractual"], formatParams(rate.features.params)),
    features: () =>
      showDefinition(
        definitions["churn.features"],
        formatParams(scores.features.params),
        "The risk list uses the features at the last transaction day; the model was fitted on those one horizon earlier.",
      ),
    propensity: () =>
      showDefinition(
        definitions["churn.propensity"],
        formatParams(model.definition.params),
        `Fitted at ${cutoffs.fit} on ${formatCount(rate.customers)} customers; the scores are for the customers active on ${cutoffs.scoring}.`,
      ),
    odds: () =>
      showDefinition(
        definitions["churn.propensity"],
        formatParams(model.definition.params),
        "The table shows the odds ratio per standard deviation, exp(w), of each feature.",
      ),
    evaluation: () =>
      showDefinition(
        definitions["churn.evaluation"],
        formatParams(evaluation?.definition.params ?? { horizonDays: options.horizonDays, alpha: options.alpha }),
      ),
  }[key];
  open?.();
}

/** Exposes what the churn section shows, for tests and for the console. */
function exposeChurn() {
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

/** A CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
function csvField(value) {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^[-+]?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Every scored customer, highest risk first, with the probability at full precision. */
function scoresCsv({ scores, order }) {
  const header = ["customer_id", "churn_probability", "days_since_last_purchase"];
  for (let k = 1; k <= 3; k++) header.push(`reason_${k}`, `reason_${k}_contribution`);
  const lines = [header.join(",")];
  for (const i of order) {
    const fields = [csvField(scores.customerId[i]), String(scores.probability[i]), String(scores.recencyDays[i])];
    for (let k = 0; k < 3; k++) {
      const reason = scores.reasons[i][k];
      fields.push(reason ? csvField(reason.feature) : "", reason ? String(reason.contribution) : "");
    }
    lines.push(fields.join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** Saves the scores as a CSV file made in the page: no request leaves it. */
function downloadScores() {
  const result = state.churnResult;
  if (!result) return;
  saveCsv(scoresCsv(result), `churn-scores-${result.cutoffs.scoring}-h${result.options.horizonDays}.csv`);
}

/** Saves `text` as the CSV file `filename`, made in the page: no request leaves it. */
function saveCsv(text, filename) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// ---------------------------------------------------------------------------------------
// Lifetime value: predictive CLV with its breakdown, the fitted models and the historical cohort
// curves. Every number is a field of the library's results (fitBgNbd, fitGammaGamma, clv,
// historicalLtv) from the worker; the page only averages the CLV column, bins it and sorts it.

/** Rows in the top-customers table and cohorts drawn as curves. */
const TOP_CLV = 20;
const COHORT_CURVES = 12;
/** Bars of the CLV histogram below the 99th percentile (one more bar collects the rest). */
const CLV_BINS = 25;

/** Cohort line colours, each with at least 4.5:1 contrast on white. */
const COHORT_COLORS = [...PALETTE, "#283593", "#ad1457", "#33691e", "#4e342e"];

/** Library errors that mean the data cannot support a model, rather than a fault. */
const MODEL_SHORTAGE = new Set(["E_EMPTY", "E_INSUFFICIENT_DATA", "E_NOT_CONVERGED"]);

const compact = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 });

function setLtvState(value) {
  document.body.dataset.ltvState = value;
}

/** Row indices by descending CLV (ties keep the library's customer order). */
function clvOrder(values) {
  return Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
}

const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** 1, 2, 2.5 or 5 times a power of ten, at least `raw`. */
function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

/**
 * Equal-width bins from 0 (or the minimum, if negative) to the 99th percentile; customers above
 * the last edge are counted in one open-ended bin so that a few large values do not flatten the rest.
 */
function clvBins(values) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const low = Math.min(0, sorted[0]);
  const p99 = sorted[Math.floor(0.99 * (n - 1))];
  const width = niceStep((p99 - low) / CLV_BINS);
  const count = Math.max(1, Math.ceil((p99 - low) / width));
  const bins = Array.from({ length: count }, (_, i) => ({ from: low + i * width, to: low + (i + 1) * width, customers: 0 }));
  const top = low + count * width;
  const overflow = { from: top, to: null, customers: 0 };
  for (const v of sorted) {
    if (v >= top) overflow.customers++;
    else bins[Math.min(count - 1, Math.floor((v - low) / width))].customers++;
  }
  if (overflow.customers > 0) bins.push(overflow);
  return bins;
}

const binName = (bin) => (bin.to === null ? `≥ ${compact.format(bin.from)}` : `${compact.format(bin.from)}–${compact.format(bin.to)}`);

function renderLtvTiles({ models, options, definitions }) {
  const def = definitions["ltv.clv"];
  const { clv: values, total, definition } = models.clv;
  const n = values.length;
  const settings = `${options.horizonMonths} months, ${formatValue(options.margin, "ratePercent")} margin`;
  $("clv-tiles").replaceChildren(
    tileElement({
      key: "averageClv",
      name: "Average CLV",
      value: formatValue(mean(values), "currency"),
      unit: def.unit,
      note: `mean over ${formatCount(n)} customers; ${settings}`,
      metric: definition.metric,
      version: definition.version,
      open: { ltvDef: "averageClv" },
    }),
    tileElement({
      key: "totalClv",
      name: "Total CLV",
      value: formatValue(total, "currency"),
      unit: def.unit,
      note: `all ${formatCount(n)} customers; ${settings}`,
      metric: definition.metric,
      version: definition.version,
      open: { ltvDef: "totalClv" },
    }),
  );
}

async function renderClvHistogram(values, options) {
  const bins = clvBins(values);
  const overflow = bins.at(-1).to === null;
  $("clv-distribution-help").textContent =
    `Customers per range of predicted CLV over ${options.horizonMonths} months` +
    (overflow ? `; the last bar collects the top 1% (CLV ≥ ${formatValue(bins.at(-1).from, "currency")}).` : ".");
  $("clv-bins-rows").replaceChildren(
    ...bins.map((bin) => h("tr", {}, h("th", { scope: "row" }, binName(bin)), h("td", {}, formatCount(bin.customers)))),
  );
  const el = $("clv-histogram");
  try {
    const instance = await chartIn("clv-histogram");
    instance.setOption(
      {
        animation: false,
        grid: { left: 16, right: 16, top: 24, bottom: 36, containLabel: true },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) => `CLV ${items[0].name}\n${formatCount(items[0].value)} customers`,
        },
        xAxis: {
          type: "category", data: bins.map(binName), name: "Predicted CLV", nameLocation: "middle", nameGap: 26,
          nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        yAxis: { type: "value", name: "Customers", nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" } },
        series: [{
          type: "bar", name: "Customers", barCategoryGap: "8%", color: PALETTE[0],
          data: bins.map((bin) => (bin.to === null ? { value: bin.customers, itemStyle: { color: PALETTE[1] } } : bin.customers)),
        }],
      },
      { notMerge: true },
    );
    const largest = bins.reduce((a, b) => (b.customers > a.customers ? b : a));
    el.setAttribute(
      "aria-label",
      `Histogram of predicted CLV for ${formatCount(values.length)} customers in ${bins.length} ranges; the most ` +
        `customers (${formatCount(largest.customers)}) fall in ${binName(largest)}. The table below holds the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

function renderClvTop({ models, order }) {
  const v = models.clv;
  $("clv-top-help").textContent =
    `CLV = expected purchases × expected spend × margin × discount factor, over ${v.definition.params.horizonMonths} months. ` +
    `P(alive) is 100% by construction for customers without a repeat purchase (marked “no repeat”).`;
  $("clv-top-rows").replaceChildren(
    ...order.slice(0, TOP_CLV).map((i) =>
      h(
        "tr",
        { dataset: { customer: v.customerId[i] } },
        h("th", { scope: "row" }, String(v.customerId[i])),
        h(
          "td",
          {},
          formatProbability(v.probabilityAlive[i]),
          v.noRepeatPurchase[i] ? h("span", { className: "reason no-repeat" }, " no repeat") : null,
        ),
        h("td", {}, formatValue(v.expectedPurchases[i], "decimal")),
        h("td", {}, formatValue(v.expectedSpend[i], "currency")),
        h("td", {}, formatValue(v.margin, "ratePercent")),
        h("td", {}, formatValue(v.discountFactor[i], "score")),
        h("td", {}, formatValue(v.clv[i], "currency")),
      ),
    ),
  );
}

const significant = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 4 });
const maybeSignificant = (x) => (x === null || x === undefined ? "—" : significant.format(x));

function parameterRows(rows) {
  return rows.map(([key, label, estimate, error]) =>
    h(
      "tr",
      { dataset: { param: key } },
      h("th", { scope: "row" }, label),
      h("td", {}, maybeSignificant(estimate)),
      h("td", {}, maybeSignificant(error)),
    ),
  );
}

function renderModels({ bgnbd, gammaGamma }) {
  const p = bgnbd.params;
  const se = bgnbd.stdErrors;
  $("bgnbd-rows").replaceChildren(
    ...parameterRows([
      ["r", "r (purchase rate shape)", p.r, se.r],
      ["alpha", `α (rate scale, ${bgnbd.period}s)`, p.alpha, se.alpha],
      ["a", "a (dropout shape)", p.a, se.a],
      ["b", "b (dropout shape)", p.b, se.b],
    ]),
  );
  $("bgnbd-fit").textContent =
    `${formatCount(bgnbd.customers)} customers · log-likelihood ${maybeSignificant(bgnbd.logLikelihood)} · ` +
    `${bgnbd.converged ? "converged" : "not converged"} in ${formatCount(bgnbd.iterations)} iterations.`;
  const q = gammaGamma.params;
  const qe = gammaGamma.stdErrors;
  $("gg-rows").replaceChildren(
    ...parameterRows([
      ["p", "p (spend shape)", q.p, qe.p],
      ["q", "q (shape of the mean)", q.q, qe.q],
      ["v", "v (γ, scale of the mean)", q.v, qe.v],
    ]),
  );
  const correlation = gammaGamma.frequencySpendCorrelation;
  $("gg-fit").textContent =
    `${formatCount(gammaGamma.customers)} repeat buyers · log-likelihood ${maybeSignificant(gammaGamma.logLikelihood)} · ` +
    `frequency–spend correlation ${correlation === null || correlation === undefined ? "undefined" : formatValue(correlation, "score")}` +
    " (the model assumes none).";
}

/** The last COHORT_CURVES cohorts, oldest first. */
const shownCohorts = (historical) => historical.cohorts.slice(-COHORT_CURVES);

async function renderCohorts(result) {
  const { historical, historicalError, options } = result;
  $("cohort-section").hidden = false;
  const el = $("cohort-chart");
  if (!historical) {
    el.hidden = true;
    $("cohort-help").textContent = "";
    $("cohort-rows").replaceChildren();
    renderError($("cohort-error"), "Could not compute historical LTV", historicalError);
    return;
  }
  $("cohort-error").hidden = true;
  el.hidden = false;
  const cohorts = shownCohorts(historical);
  $("cohort-help").textContent =
    `Average cumulative gross margin per customer (${formatValue(options.margin, "ratePercent")} of net revenue) by ` +
    `months since the acquisition month, for the ${cohorts.length === historical.cohorts.length ? "" : "last "}` +
    `${cohorts.length} monthly cohort${cohorts.length === 1 ? "" : "s"}, up to ${isoDay(historical.definition.params.observationEnd)}.`;
  $("cohort-rows").replaceChildren(
    ...cohorts.map((c) =>
      h(
        "tr",
        { dataset: { cohort: c.month } },
        h("th", { scope: "row" }, c.month),
        h("td", {}, formatCount(c.customers)),
        h("td", {}, formatCount(c.cumulative.length)),
        h("td", {}, c.cumulative.length ? formatValue(c.cumulative[0], "currency") : "—"),
        h("td", {}, c.cumulative.length ? formatValue(c.cumulative.at(-1), "currency") : "—"),
      ),
    ),
  );
  const months = Math.max(0, ...cohorts.map((c) => c.cumulative.length));
  try {
    const instance = await chartIn("cohort-chart");
    instance.setOption(
      {
        animation: false,
        color: COHORT_COLORS,
        grid: { left: 16, right: 24, top: 56, bottom: 36, containLabel: true },
        legend: { type: "scroll", top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) =>
            [
              `Month ${items[0]?.name ?? ""} after acquisition`,
              ...items.filter((item) => item.value !== undefined && item.value !== null)
                .map((item) => `${item.marker}${item.seriesName}: ${formatValue(item.value, "currency")}`),
            ].join("\n"),
        },
        xAxis: {
          type: "category", data: Array.from({ length: months }, (_, i) => String(i)), name: "Months since acquisition",
          nameLocation: "middle", nameGap: 26, nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        yAxis: {
          type: "value", name: "Cumulative margin per customer", nameTextStyle: { color: "#333", align: "left" },
          axisLabel: { color: "#333" },
        },
        series: cohorts.map((c) => ({ type: "line", name: c.month, data: Array.from(c.cumulative), symbolSize: 4 })),
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Line chart of cumulative gross margin per customer by months since acquisition, one line per cohort from ` +
        `${cohorts[0]?.month ?? "—"} to ${cohorts.at(-1)?.month ?? "—"}. The table below holds the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

function renderLifetime(result) {
  $("clv-error").hidden = true;
  const drawn = [renderCohorts(result)];
  if (result.models) {
    $("clv-unavailable").hidden = true;
    renderLtvTiles(result);
    $("clv-body").hidden = false;
    renderClvTop(result);
    renderModels(result.models);
    drawn.push(renderClvHistogram(result.models.clv.clv, result.options));
  } else {
    $("clv-tiles").replaceChildren(...placeholderTiles(CLV_TILE_KEYS));
    $("clv-body").hidden = true;
    const err = result.modelsError;
    const box = MODEL_SHORTAGE.has(err.code) ? $("clv-unavailable") : $("clv-error");
    renderShortage(
      box,
      "Could not fit the CLV models",
      "BG/NBD and Gamma-Gamma need at least two customers with a repeat purchase, and the fit must converge. " +
        "The cohort curves below do not depend on them.",
      err,
    );
  }
  return Promise.all(drawn);
}

const CLV_TILE_KEYS = ["averageClv", "totalClv"];

/** Opens an LTV definition with the parameters its numbers used. */
function openLtvDefinition(key) {
  const result = state.ltvResult;
  if (!result) return;
  const { definitions, models, historical } = result;
  const clvParams = () => formatParams(models?.clv.definition.params ?? result.clvOptions);
  const open = {
    averageClv: () =>
      showDefinition(definitions["ltv.clv"], clvParams(), "The tile is the mean of the per-customer CLV column."),
    totalClv: () => showDefinition(definitions["ltv.clv"], clvParams(), "The tile is the library’s total over all customers."),
    clv: () => showDefinition(definitions["ltv.clv"], clvParams()),
    bgnbd: () => showDefinition(definitions["ltv.bgnbd"], formatParams(models?.bgnbd.definition.params)),
    gammaGamma: () => showDefinition(definitions["ltv.gamma_gamma"], formatParams(models?.gammaGamma.definition.params)),
    historical: () =>
      showDefinition(
        definitions["ltv.historical"],
        formatParams(historical?.definition.params ?? { marginRate: result.options.margin }),
        `The chart shows the last ${COHORT_CURVES} monthly cohorts at most.`,
      ),
  }[key];
  open?.();
}

/** Exposes what the lifetime value section shows, for tests and for the console. */
function exposeLtv() {
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

// ---------------------------------------------------------------------------------------
// Segments: k-means on the customer summary, the k chooser and RFM. Every number is a field of
// the library's results (segmentCustomers, chooseKCustomers, rfmScores); the page only counts.

/** Summary features the scatter can plot: label, and how to read a value from the columns. */
const SCATTER_FEATURES = {
  monetaryValue: { label: "Mean repeat spend (monetary value)", value: (c, i) => c.monetaryValue[i] },
  frequency: { label: "Repeat purchase days (frequency)", value: (c, i) => c.frequency[i] },
  periodsSinceLastPurchase: { label: "Days since last purchase", value: (c, i) => c.T[i] - c.recency[i] },
  recency: { label: "Days from first to last purchase (recency)", value: (c, i) => c.recency[i] },
  T: { label: "Days since first purchase (T)", value: (c, i) => c.T[i] },
  revenue: { label: "Net revenue", value: (c, i) => c.revenue?.[i] ?? Number.NaN },
};
const SEGMENT_DEFAULTS = { k: 4, seed: 0, x: "frequency", y: "monetaryValue", log: true };
const MAX_K = 20;
const MAX_SEED = 4_294_967_295;

/** The RFM segment names, in the order the glossary lists them. */
const RFM_SEGMENTS = ["Champions", "Loyal", "Potential loyalists", "New", "At risk", "Can't lose", "Hibernating", "Lost"];

const featureName = (key) => SCATTER_FEATURES[key]?.label ?? key;

/** log(1 + |x|) with the sign of x, and its inverse: a log scale that keeps zeros. */
const signedLog = (x) => Math.sign(x) * Math.log1p(Math.abs(x));
const signedExp = (y) => Math.sign(y) * Math.expm1(Math.abs(y));

function setSegmentsState(value) {
  document.body.dataset.segmentsState = value;
}

/** A whole number in [min, max], or null. */
function parseWhole(text, min, max) {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** 0 and ±1, 2, 5 × powers of ten within the feature's range (only the powers of ten when those are many). */
function logTicks(columns, feature) {
  let min = 0;
  let max = 0;
  for (let i = 0; i < columns.customerId.length; i++) {
    const v = feature.value(columns, i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const ladder = (limit, steps) => {
    const out = [];
    for (let power = 1; power <= limit; power *= 10) {
      for (const m of steps) if (m * power <= limit) out.push(m * power);
    }
    return out;
  };
  const build = (steps) => [...ladder(-min, steps).map((v) => -v).reverse(), 0, ...ladder(max, steps)];
  const fine = build([1, 2, 5]);
  return fine.length <= 12 ? fine : build([1]);
}

const segmentLabel = (profile) => `${profile.cluster} · ${profile.name}`;

async function renderScatter(result) {
  const { segmentation, columns } = result;
  const { x, y, log } = state.segments;
  const fx = SCATTER_FEATURES[x];
  const fy = SCATTER_FEATURES[y];
  const scale = log ? signedLog : (v) => v;
  const unscale = log ? signedExp : (v) => v;
  const groups = segmentation.profiles.map(() => []);
  for (let i = 0; i < segmentation.labels.length; i++) {
    groups[segmentation.labels[i]].push([scale(fx.value(columns, i)), scale(fy.value(columns, i)), i]);
  }
  $("seg-scatter-help").textContent =
    `${formatCount(segmentation.labels.length)} customers, ${featureName(y).toLowerCase()} against ` +
    `${featureName(x).toLowerCase()}${log ? " on log(1 + x) scales" : ""}; colour = segment ` +
    `(k = ${segmentation.definition.params.k}, seed ${segmentation.definition.params.seed}).`;
  const el = $("seg-scatter");
  const axis = (name, gap, feature) => {
    const base = { type: "value", name, nameLocation: "middle", nameGap: gap, scale: true, nameTextStyle: { color: "#333" } };
    if (!log) return { ...base, axisLabel: { color: "#333", formatter: (v) => compact.format(v) } };
    // Ticks at round values in original units (0, 1, 2, 5, 10, …), placed on the log(1 + x) scale.
    const ticks = logTicks(columns, feature).map(signedLog);
    return {
      ...base,
      axisLabel: { color: "#333", customValues: ticks, formatter: (v) => compact.format(Math.round(signedExp(v) * 100) / 100) },
      axisTick: { customValues: ticks },
      splitLine: { show: false },
    };
  };
  try {
    const instance = await chartIn("seg-scatter");
    instance.setOption(
      {
        animation: false,
        color: PALETTE,
        grid: { left: 24, right: 24, top: 48, bottom: 40, containLabel: true },
        legend: { type: "scroll", top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "item",
          renderMode: "richText",
          formatter: (item) => {
            const i = item.value[2];
            return `${item.marker}Customer ${columns.customerId[i]}\n${item.seriesName}\n` +
              `${fx.label}: ${formatValue(fx.value(columns, i), "decimal")}\n${fy.label}: ${formatValue(fy.value(columns, i), "decimal")}`;
          },
        },
        xAxis: axis(fx.label, 28, fx),
        yAxis: axis(fy.label, 48, fy),
        series: segmentation.profiles.map((profile, c) => ({
          type: "scatter", name: segmentLabel(profile), data: groups[c], symbolSize: 5, itemStyle: { opacity: 0.7 },
          // Many points are drawn as one path, which keeps the drawing task short.
          large: true, largeThreshold: 1000,
        })),
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Scatter plot of ${formatCount(segmentation.labels.length)} customers, ${fy.label} against ${fx.label}, ` +
        `coloured by ${segmentation.profiles.length} segments: ` +
        segmentation.profiles.map((p) => `${segmentLabel(p)} (${formatCount(p.size)})`).join(", ") +
        ". The profile table below summarises them.",
    );
  } catch {
    el.hidden = true;
  }
}

function renderProfiles({ segmentation }) {
  const features = segmentation.featureNames;
  $("seg-profile-head").replaceChildren(
    h(
      "tr",
      {},
      h("th", { scope: "col", rowspan: 2 }, "Segment"),
      h("th", { scope: "col", rowspan: 2, className: "text-start" }, "Name"),
      h("th", { scope: "col", rowspan: 2 }, "Customers"),
      h("th", { scope: "col", rowspan: 2 }, "Share"),
      ...features.map((f) => h("th", { scope: "colgroup", colspan: 2, className: "feature-head" }, featureName(f))),
    ),
    h(
      "tr",
      {},
      ...features.flatMap(() => [
        h("th", { scope: "col" }, "centroid"),
        h("th", { scope: "col" }, "mean"),
      ]),
    ),
  );
  $("seg-profile-rows").replaceChildren(
    ...segmentation.profiles.map((p) =>
      h(
        "tr",
        { dataset: { cluster: p.cluster } },
        h("th", { scope: "row" }, String(p.cluster)),
        h("td", { className: "text-start" }, p.name),
        h("td", {}, formatCount(p.size)),
        h("td", {}, formatValue(p.share, "percent")),
        ...features.flatMap((_, j) => [h("td", {}, formatValue(p.centroid[j], "decimal")), h("td", {}, formatValue(p.mean[j], "decimal"))]),
      ),
    ),
  );
  $("seg-profile-caption").textContent =
    `Segment profiles in original units; numbered by descending centroid of ${featureName(features[0]).toLowerCase()}`;
}

async function renderChooser(result) {
  const { chooseK, chooseKError } = result;
  $("seg-choose-section").hidden = false;
  if (!chooseK) {
    $("seg-choose-body").hidden = true;
    renderError($("seg-choose-error"), "Could not score the numbers of segments", chooseKError);
    return;
  }
  $("seg-choose-error").hidden = true;
  $("seg-choose-body").hidden = false;
  $("seg-recommended").textContent = `Recommended: k = ${chooseK.recommended}.`;
  $("seg-reason").textContent = chooseK.reason;
  const button = $("seg-use-recommended");
  button.textContent = `Use k = ${chooseK.recommended}`;
  button.disabled = state.segments.k === chooseK.recommended;
  $("seg-choose-rows").replaceChildren(
    ...chooseK.scores.map((s) =>
      h(
        "tr",
        { dataset: s.k === chooseK.recommended ? { k: s.k, recommended: "true" } : { k: s.k } },
        h("th", { scope: "row" }, s.k === chooseK.recommended ? `${s.k} (recommended)` : String(s.k)),
        h("td", {}, formatValue(s.inertia, "decimal")),
        h("td", {}, formatValue(s.silhouette, "score")),
        h("td", {}, formatValue(s.calinskiHarabasz, "decimal")),
      ),
    ),
  );
  const el = $("seg-choose-chart");
  try {
    const instance = await chartIn("seg-choose-chart");
    instance.setOption(
      {
        animation: false,
        grid: { left: 16, right: 16, top: 48, bottom: 36, containLabel: true },
        legend: { top: 0, textStyle: { color: "#333" } },
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          formatter: (items) =>
            [`k = ${items[0]?.name ?? ""}`, ...items.map((item) => `${item.marker}${item.seriesName}: ${
              item.seriesIndex === 0 ? formatValue(item.value, "decimal") : formatValue(item.value, "score")}`)].join("\n"),
        },
        xAxis: {
          type: "category", data: chooseK.scores.map((s) => String(s.k)), name: "k", nameLocation: "middle", nameGap: 26,
          nameTextStyle: { color: "#333" }, axisLabel: { color: "#333" },
        },
        yAxis: [
          { type: "value", name: "Inertia (SSE)", nameTextStyle: { color: "#333", align: "left" }, axisLabel: { color: "#333", formatter: (v) => compact.format(v) } },
          { type: "value", name: "Silhouette", nameTextStyle: { color: "#333", align: "right" }, axisLabel: { color: "#333" }, splitLine: { show: false } },
        ],
        series: [
          {
            type: "bar", name: "Inertia (SSE)", color: "#8fb3dc", yAxisIndex: 0,
            data: chooseK.scores.map((s) =>
              s.k === chooseK.recommended ? { value: s.inertia, itemStyle: { color: PALETTE[0] } } : s.inertia),
          },
          {
            type: "line", name: "Mean silhouette", color: PALETTE[1], yAxisIndex: 1, symbolSize: 7,
            data: chooseK.scores.map((s) => s.silhouette),
            markPoint: {
              symbol: "pin", symbolSize: 44, label: { color: "#ffffff", formatter: "best" },
              data: [{ coord: [String(chooseK.recommended), chooseK.scores.find((s) => s.k === chooseK.recommended)?.silhouette] }],
            },
          },
        ],
      },
      { notMerge: true },
    );
    el.setAttribute(
      "aria-label",
      `Inertia (bars) and mean silhouette (line) for k = ${chooseK.scores[0].k} to ${chooseK.scores.at(-1).k}; ` +
        `recommended k = ${chooseK.recommended}. The table below holds the same numbers.`,
    );
  } catch {
    el.hidden = true;
  }
}

/** Customers per named RFM segment, in glossary order. */
function rfmCounts(rfm) {
  const counts = Object.fromEntries(RFM_SEGMENTS.map((name) => [name, 0]));
  for (const name of rfm.segment) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** 5 × 5 counts, grid[r − 1][f − 1], and the segment each R × F cell maps to (from the customers in it). */
function rfmGrid(rfm) {
  const counts = Array.from({ length: 5 }, () => new Array(5).fill(0));
  const names = Array.from({ length: 5 }, () => new Array(5).fill(null));
  for (let i = 0; i < rfm.r.length; i++) {
    counts[rfm.r[i] - 1][rfm.f[i] - 1]++;
    names[rfm.r[i] - 1][rfm.f[i] - 1] = rfm.segment[i];
  }
  return { counts, names };
}

function renderRfm(result) {
  const { rfm, rfmError } = result;
  $("rfm-section").hidden = false;
  if (!rfm) {
    $("rfm-body").hidden = true;
    $("rfm-help").textContent = "";
    renderError($("rfm-error"), "Could not compute RFM scores", rfmError);
    return;
  }
  $("rfm-error").hidden = true;
  $("rfm-body").hidden = false;
  const n = rfm.segment.length;
  $("rfm-help").textContent =
    `Quintile scores 1–5 of recency, frequency and monetary value (${rfm.definition.params.monetary}) for ` +
    `${formatCount(n)} customers; the segment follows from R and F.`;
  const counts = rfmCounts(rfm);
  $("rfm-segment-rows").replaceChildren(
    ...Object.entries(counts).map(([name, count]) =>
      h(
        "tr",
        { dataset: { segment: name } },
        h("th", { scope: "row" }, name),
        h("td", {}, formatCount(count)),
        h("td", {}, formatValue(n ? count / n : 0, "percent")),
      ),
    ),
  );
  const grid = rfmGrid(rfm);
  const max = Math.max(1, ...grid.counts.flat());
  $("rfm-grid-head").replaceChildren(
    h("tr", {}, h("th", { scope: "col" }, "R \\ F"), ...[1, 2, 3, 4, 5].map((f) => h("th", { scope: "col" }, `F ${f}`))),
  );
  $("rfm-grid-rows").replaceChildren(
    ...[5, 4, 3, 2, 1].map((r) =>
      h(
        "tr",
        { dataset: { r } },
        h("th", { scope: "row" }, `R ${r}`),
        ...[1, 2, 3, 4, 5].map((f) => {
          const count = grid.counts[r - 1][f - 1];
          const name = grid.names[r - 1][f - 1];
          const shade = count === 0 ? 0 : 1 + Math.min(4, Math.floor((4 * count) / max));
          return h(
            "td",
            { className: `heat heat-${shade}`, dataset: { f, count } },
            h("span", { className: "heat-count" }, formatCount(count)),
            name ? h("span", { className: "heat-name" }, name) : null,
          );
        }),
      ),
    ),
  );
}

function renderSegments(result) {
  $("seg-error").hidden = true;
  renderRfm(result);
  const drawn = [renderChooser(result)];
  if (result.segmentation) {
    $("seg-unavailable").hidden = true;
    $("seg-body").hidden = false;
    renderProfiles(result);
    drawn.push(renderScatter(result));
  } else {
    $("seg-body").hidden = true;
    const err = result.segmentationError;
    renderShortage(
      MODEL_SHORTAGE.has(err.code) ? $("seg-unavailable") : $("seg-error"),
      `Could not form ${state.segments.k} segments`,
      "k-means needs at least k customers; a smaller k may work.",
      err,
    );
  }
  return Promise.all(drawn);
}

/** Opens a segment definition with the parameters its numbers used. */
function openSegmentDefinition(key) {
  const result = state.segmentsResult;
  if (!result) return;
  const { definitions, segmentation, chooseK, rfm } = result;
  const open = {
    kmeans: () =>
      showDefinition(
        definitions["segment.kmeans"],
        formatParams(segmentation?.definition.params ?? result.options),
        "Customers are described by monetaryValue, frequency and periodsSinceLastPurchase (T − recency) of the daily summary.",
      ),
    chooseK: () => showDefinition(definitions["segment.choose_k"], formatParams(chooseK?.definition.params)),
    rfm: () => showDefinition(definitions["segment.rfm"], formatParams(rfm?.definition.params)),
  }[key];
  open?.();
}

/** Exposes what the segments section shows, for tests and for the console. */
function exposeSegments() {
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

// ---------------------------------------------------------------------------------------
// Actions


async function compute() {
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
    renderTiles(result.kpis);
    clearError();
    setStatus(describeData(result.data, result.kpis));
    $("footer-version").textContent =
      `unimetric ${result.data.library} · computed in your browser with WebAssembly; no data leaves the page.`;
    window.__unimetric = result.kpis;
    setState("ready");
    renderChart(result.monthly);
  } catch (err) {
    if (generation !== state.generation) return;
    state.result = null;
    window.__unimetric = null;
    renderPlaceholders();
    $("chart-section").hidden = true;
    if (state.data) setStatus(describeData(state.data, null));
    showError("Could not compute the metrics", err);
  } finally {
    if (generation === state.generation) $("tiles").removeAttribute("aria-busy");
  }
}

/** CAC, payback and LTV:CAC for the CAC settings; independent of the KPI computation above. */
async function computeCac() {
  const generation = ++state.cacGeneration;
  const options = { period: state.cac.period, attributionLag: state.cac.lag, grossMargin: state.cac.margin };
  setCacState("computing");
  $("cac-tiles").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("economics", options);
    if (generation !== state.cacGeneration) return;
    $("cac-error").hidden = true;
    if (!result.spend) {
      state.cacResult = null;
      exposeCac();
      renderCacEmpty();
      setCacState("empty");
      return;
    }
    state.cacResult = { ...result, options };
    exposeCac();
    const drawn = renderCac(state.cacResult);
    setCacState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.cacGeneration) return;
    state.cacResult = null;
    exposeCac();
    $("cac-tiles").replaceChildren(...placeholderTiles(CAC_TILE_KEYS));
    $("cac-body").hidden = true;
    renderError($("cac-error"), "Could not compute CAC", err);
    setCacState("error");
  } finally {
    if (generation === state.cacGeneration) $("cac-tiles").removeAttribute("aria-busy");
  }
}

/** Churn rate, risk list, model quality and odds ratios for the churn settings. */
async function computeChurn() {
  const generation = ++state.churnGeneration;
  const options = { horizonDays: state.churn.horizonDays, alpha: state.churn.alpha };
  setChurnState("computing");
  $("churn-tiles").setAttribute("aria-busy", "true");
  $("churn-download").disabled = true;
  try {
    const result = await runTask("churn", options);
    if (generation !== state.churnGeneration) return;
    state.churnResult = { ...result, order: riskOrder(result.scores.probability) };
    exposeChurn();
    const drawn = renderChurn(state.churnResult);
    setChurnState("ready");
    await drawn;
  } catch (err) {
    if (generation !== state.churnGeneration) return;
    renderChurnFailure(err);
  } finally {
    if (generation === state.churnGeneration) $("churn-tiles").removeAttribute("aria-busy");
  }
}

/** Predictive CLV, the models and the cohort curves for the LTV settings. */
async function computeLtv() {
  const generation = ++state.ltvGeneration;
  const options = { ...state.ltv };
  const request = {
    horizonMonths: options.horizonMonths,
    discountConvention: options.discountConvention,
    margin: options.margin,
    [options.discountConvention === "continuous" ? "continuousRate" : "discountRate"]: options.rate,
  };
  setLtvState("computing");
  $("clv-tiles").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("lifetime", request);
    if (generation !== state.ltvGeneration) return;
    state.ltvResult = { ...result, options, order: result.models ? clvOrder(result.models.clv.clv) : [] };
    exposeLtv();
    const drawn = renderLifetime(state.ltvResult);
    const failed = result.modelsError;
    setLtvState(!failed ? "ready" : MODEL_SHORTAGE.has(failed.code) ? "unavailable" : "error");
    await drawn;
  } catch (err) {
    if (generation !== state.ltvGeneration) return;
    state.ltvResult = null;
    exposeLtv();
    $("clv-tiles").replaceChildren(...placeholderTiles(CLV_TILE_KEYS));
    $("clv-body").hidden = true;
    $("cohort-section").hidden = true;
    $("clv-unavailable").hidden = true;
    renderError($("clv-error"), "Could not compute lifetime value", err);
    setLtvState("error");
  } finally {
    if (generation === state.ltvGeneration) $("clv-tiles").removeAttribute("aria-busy");
  }
}

/** Segments, the k chooser and RFM for the segment settings. */
async function computeSegments() {
  const generation = ++state.segmentsGeneration;
  const options = { k: state.segments.k, seed: state.segments.seed };
  setSegmentsState("computing");
  $("segments").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("segments", options);
    if (generation !== state.segmentsGeneration) return;
    state.segmentsResult = result;
    exposeSegments();
    const drawn = renderSegments(result);
    const failed = result.segmentationError;
    setSegmentsState(!failed ? "ready" : MODEL_SHORTAGE.has(failed.code) ? "unavailable" : "error");
    await drawn;
  } catch (err) {
    if (generation !== state.segmentsGeneration) return;
    state.segmentsResult = null;
    exposeSegments();
    for (const id of ["seg-body", "seg-choose-section", "rfm-section", "seg-unavailable"]) $(id).hidden = true;
    renderError($("seg-error"), "Could not compute segments", err);
    setSegmentsState("error");
  } finally {
    if (generation === state.segmentsGeneration) $("segments").removeAttribute("aria-busy");
  }
}

/** Loads a data set in the worker; on failure the previous data set stays in use. */
async function loadData(loadRequest, label) {
  setState("loading");
  setStatus(`Loading ${label}…`);
  $("halted").hidden = true;
  try {
    state.data = await runTask("load", loadRequest);
    state.loadRequest = loadRequest;
    state.loadedGeneration = engine.generation;
    renderRejected(state.data);
  } catch (err) {
    if (state.data) setStatus(`Still showing: ${describeData(state.data, state.result?.kpis)}`);
    else setStatus("No data loaded.");
    showError(`Could not load ${err.source === "spend" ? loadRequest.spend.name : label}`, err);
    if (err.code === "E_CANCELLED") showHalted(err);
    return false;
  }
  updateEndBounds();
  await Promise.all([compute(), computeCac(), computeChurn(), computeLtv(), computeSegments()]);
  return true;
}

const sampleRequest = () => ({ url: SAMPLE.url, mapping: SAMPLE.mapping, name: SAMPLE.name, spend: SAMPLE.spend });

function updateEndBounds() {
  const { first, last } = state.data.timeRange;
  const input = $("end");
  input.min = isoDay(first);
  $("end-help").textContent = `Empty = the last transaction (${isoDay(last)}).`;
}

// ---------------------------------------------------------------------------------------
// Own CSV: read the header, suggest a mapping from the column names.

const SUGGEST = {
  customerId: [/^(customer|client|user|buyer|account|member)[\s_-]*(id|no|number|key|code)?$/i, /customer|client|user|buyer|account|member/i],
  timestamp: [/^((order|purchase|transaction)[\s_-]*)?(date|time|timestamp|datetime|ts)$/i, /date|time|created|ordered|day/i],
  amount: [/^(amount|revenue|total|value|sales|price|net|gmv)$/i, /amount|revenue|total|value|sales|price|spend|gmv/i],
  orderId: [/^(order|invoice|transaction|txn|receipt)[\s_-]*(id|no|number|key|code)?$/i, /order|invoice|transaction|txn|receipt/i],
  channel: [/^(channel|source|medium|utm[\s_-]*source)$/i, /channel|source|medium|campaign/i],
};
const OPTIONAL = new Set(["orderId", "channel"]);

// Spend columns; the channel type is matched before the channel so "channel_type" goes to it.
const SPEND_SUGGEST = {
  date: [/^((spend|cost)[\s_-]*)?(date|day|week|month|period)$/i, /date|day|week|month|period|time/i],
  channelType: [/^(channel[\s_-]*)?(type|kind|class)$/i, /type|kind/i],
  channel: [/^(channel|source|medium|utm[\s_-]*source)$/i, /channel|source|medium|campaign/i],
  amount: [/^(amount|spend|cost|budget|value|total)$/i, /amount|spend|cost|budget|value|total/i],
};
const SPEND_OPTIONAL = new Set(["channelType"]);

/** Rows shown in the preview of a chosen file. */
const PREVIEW_ROWS = 5;

/**
 * The delimiter the library will use (`sniff_delimiter` in src/data/csv_input.rs): whichever of
 * `,` `;` and tab occurs most often in the header line outside quotes; `,` when none occurs, and
 * the earlier of `,` `;` tab on a tie.
 */
function sniffDelimiter(text) {
  const candidates = [",", ";", "\t"];
  const counts = [0, 0, 0];
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "\n" || c === "\r") break;
    else if (candidates.includes(c)) counts[candidates.indexOf(c)]++;
  }
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (counts[i] > counts[best]) best = i;
  return candidates[best];
}

/**
 * The head of a CSV text read as the library reads it (the `csv` crate, src/data/csv_input.rs):
 * a leading byte-order mark dropped, the delimiter from `sniffDelimiter`, a `"` opening a quoted
 * field only at the start of a field (doubled inside it for a literal quote), line breaks \n,
 * \r or \r\n, and blank lines skipped.
 *
 * Returns `{ header, rows }`: the header's field names trimmed and kept in their positions (a
 * blank name is "", as the library keeps it), and up to `limit` records after it. The last
 * record is dropped when `complete` is false, since the text may have been cut off inside it.
 */
function parseHead(text, limit, complete) {
  const delimiter = sniffDelimiter(text);
  const records = [];
  let record = [];
  let field = "";
  // "start": at the start of a field; "plain": in an unquoted field; "quoted": inside quotes;
  // "closed": just after a quote inside a quoted field (a second quote makes a literal one).
  let state = "start";
  let started = false;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    record = [];
    field = "";
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length && records.length <= limit; i++) {
    const c = text[i];
    if (state === "quoted") {
      if (c === '"') state = "closed";
      else field += c;
    } else if (state === "closed" && c === '"') {
      field += '"';
      state = "quoted";
    } else if (c === delimiter) {
      record.push(field);
      field = "";
      state = "start";
      started = true;
    } else if (c === "\n" || c === "\r") {
      if (started || state !== "start") endRecord();
      state = "start";
      started = false;
    } else if (c === '"' && state === "start") {
      state = "quoted";
      started = true;
    } else {
      field += c;
      state = "plain";
      started = true;
    }
  }
  if (records.length <= limit && complete && (started || state !== "start")) endRecord();
  const [header = [], ...rows] = records;
  return { header: header.map((name) => name.trim()), rows };
}

const DATE_LIKE = /^(\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?|\d{8}|\d{12,13})$/;
const NUMBER_LIKE = /^[-+]?\d+(\.\d+)?$/;

/**
 * Fills the keys the header names left open from the values in the preview rows: a date column
 * for the date, a decimal number column for the amount, the first text column for the customer.
 * `columns` are the named columns; `header` holds every field name in its position in the rows
 * (the library reads the first column of a name).
 */
function suggestFromValues(mapping, columns, header, rows, suggest) {
  const used = new Set(Object.values(mapping));
  const values = (c) => rows.map((r) => (r[header.indexOf(c)] ?? "").trim()).filter((v) => v !== "");
  const all = (c, re) => values(c).length > 0 && values(c).every((v) => re.test(v));
  const pick = (test) => columns.find((c) => !used.has(c) && test(c));
  const rules = {
    timestamp: (c) => all(c, DATE_LIKE) && values(c).some((v) => v.includes("-")),
    amount: (c) => all(c, NUMBER_LIKE) && values(c).some((v) => v.includes(".")),
    customerId: (c) => values(c).length > 0 && !all(c, DATE_LIKE),
  };
  for (const [key, test] of Object.entries(rules)) {
    if (!(key in suggest) || mapping[key]) continue;
    const column = pick(test);
    if (column) {
      mapping[key] = column;
      used.add(column);
    }
  }
  return mapping;
}

/**
 * The preview table of a chosen file: every column of its header in file order, a blank name
 * shown as "(column N)", its first rows, and mapped columns marked (the first of a name, which is
 * the one the library reads).
 */
function renderPreview(tableId, header, rows, mapping) {
  const mapped = new Map(Object.entries(mapping).map(([key, column]) => [column, key]));
  const heading = (name, j) => {
    if (name === "") return h("th", { scope: "col", className: "unnamed" }, `(column ${j + 1})`);
    const key = header.indexOf(name) === j ? mapped.get(name) : undefined;
    return h("th", { scope: "col" }, name, key ? h("span", { className: "mapped-as" }, ` → ${MAP_LABEL[key] ?? key}`) : null);
  };
  const table = $(tableId);
  table.querySelector("thead").replaceChildren(h("tr", {}, ...header.map(heading)));
  table.querySelector("tbody").replaceChildren(
    ...rows.map((r) => h("tr", {}, ...header.map((_, j) => h("td", {}, r[j] ?? "")))),
  );
  table.closest(".preview").hidden = false;
}

const MAP_LABEL = {
  customerId: "customer id",
  timestamp: "date",
  amount: "amount",
  orderId: "order id",
  channel: "channel",
  date: "date",
  channelType: "channel type",
};

function suggestMapping(columns, suggest) {
  const used = new Set();
  const mapping = {};
  for (const [key, patterns] of Object.entries(suggest)) {
    for (const pattern of patterns) {
      const match = columns.find((c) => !used.has(c) && pattern.test(c));
      if (match) {
        mapping[key] = match;
        used.add(match);
        break;
      }
    }
  }
  return mapping;
}

/**
 * Reads the header of the file chosen in `input` and fills the mapping selects (ids
 * `${prefix}${key}`) with its columns and a suggestion. Returns whether the mapping is usable.
 */
async function offerMapping(input, fieldset, prefix, suggest, optional) {
  const file = input.files[0];
  const previewId = `${prefix}preview`;
  clearError();
  fieldset.hidden = true;
  fieldset.disabled = true;
  $(previewId).closest(".preview").hidden = true;
  if (!file) return false;
  const head = 64 * 1024;
  const text = await file.slice(0, head).text();
  const { header, rows } = parseHead(text, PREVIEW_ROWS, file.size <= head);
  const columns = [...new Set(header.filter((name) => name !== ""))];
  if (columns.length === 0) {
    showError(`Could not read ${file.name}`, { message: "The first line holds no column names." });
    return false;
  }
  const suggested = suggestFromValues(suggestMapping(columns, suggest), columns, header, rows, suggest);
  renderPreview(previewId, header, rows, suggested);
  for (const key of Object.keys(suggest)) {
    const select = $(`${prefix}${key}`);
    const blank = optional.has(key) ? "— none —" : "— choose a column —";
    select.replaceChildren(h("option", { value: "" }, blank), ...columns.map((c) => h("option", { value: c }, c)));
    select.value = suggested[key] ?? "";
  }
  fieldset.hidden = false;
  fieldset.disabled = false;
  return true;
}

async function onFileChosen() {
  $("load-file").disabled = !(await offerMapping($("file"), $("mapping"), "map-", SUGGEST, OPTIONAL));
}

function onSpendFileChosen() {
  return offerMapping($("spend-file"), $("spend-mapping"), "map-spend-", SPEND_SUGGEST, SPEND_OPTIONAL);
}

/** The chosen mapping: key → column, leaving out optional keys set to none. */
function chosenMapping(prefix, suggest) {
  const mapping = {};
  for (const key of Object.keys(suggest)) {
    const value = $(`${prefix}${key}`).value;
    if (value) mapping[key] = value;
  }
  return mapping;
}

async function onFileSubmit(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const spendFile = $("spend-file").files[0];
  const spend =
    spendFile && !$("spend-mapping").disabled
      ? { file: spendFile, mapping: chosenMapping("map-spend-", SPEND_SUGGEST), name: spendFile.name }
      : undefined;
  clearError();
  await loadData({ file, mapping: chosenMapping("map-", SUGGEST), name: file.name, spend }, file.name);
}

/** The rows the library left out of the loaded file, listed inline with row and column. */
function renderRejected(data) {
  const box = $("rejected");
  const { rows = [], count = 0 } = data.rejected ?? {};
  if (count === 0) {
    box.hidden = true;
    $("rejected-rows").replaceChildren();
    return;
  }
  $("rejected-summary").textContent =
    `${formatCount(count)} row${count === 1 ? "" : "s"} of ${data.name} could not be read and ${count === 1 ? "was" : "were"} left out; ` +
    `the other ${formatCount(data.transactions)} transactions are used below.` +
    (count > rows.length ? ` The first ${formatCount(rows.length)} are listed.` : "");
  $("rejected-rows").replaceChildren(
    ...rows.map((r) =>
      h(
        "tr",
        { dataset: { row: r.row } },
        h("th", { scope: "row" }, String(r.row)),
        h("td", {}, r.column ?? "—"),
        h("td", {}, h("code", {}, r.code)),
        h("td", { className: "text-start" }, r.message),
      ),
    ),
  );
  box.hidden = false;
}

/** Drag and drop onto the drop zone: the file goes into the file picker, as if chosen there. */
function wireDropZone() {
  const zone = $("drop-zone");
  const over = (event) => {
    if (![...(event.dataTransfer?.types ?? [])].includes("Files")) return;
    event.preventDefault();
    zone.classList.add("drop-active");
  };
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", () => zone.classList.remove("drop-active"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("drop-active");
    const files = event.dataTransfer?.files;
    if (!files?.length) return;
    const transfer = new DataTransfer();
    transfer.items.add(files[0]);
    $("file").files = transfer.files;
    $("upload").open = true;
    onFileChosen();
  });
}

// ---------------------------------------------------------------------------------------
// Embed snippet and score export

/** Origin-relative URL of the page's directory, for the snippet's script and data paths. */
const here = () => new URL(".", location.href).href;

/**
 * The `<unimetric-metric>` markup for the current view: the element module, one element per
 * headline metric with the data, mapping and parameters in effect.
 */
function embedSnippet() {
  const request = state.loadRequest ?? sampleRequest();
  const fromFile = !request.url;
  const src = fromFile ? "YOUR-DATA.csv" : new URL(request.url, location.href).href;
  const attr = (value) => JSON.stringify(value).replaceAll("'", "&#39;");
  const kpiParams = { period: state.period, ...(state.end ? { observationEnd: state.end } : {}) };
  const lines = [`<script type="module" src="${here()}unimetric-metric.js"></script>`];
  const element = (metric, params, extra = "") =>
    `<unimetric-metric metric="${metric}" src="${src}" mapping='${attr(request.mapping)}' params='${attr(params)}'${extra}></unimetric-metric>`;
  lines.push(element("customers.repeat_rate", kpiParams));
  lines.push(element("orders.aov", kpiParams));
  if (request.spend?.url || (request.spend && fromFile)) {
    const spendSrc = request.spend.url ? new URL(request.spend.url, location.href).href : "YOUR-SPEND.csv";
    const spend = ` spend-src="${spendSrc}" spend-mapping='${attr(request.spend.mapping)}'`;
    lines.push(element("cac.blended", {}, spend));
    lines.push(element("cac.ltv_ratio", { grossMargin: state.cac.margin, attributionLag: state.cac.lag }, spend));
  }
  lines.push(element("churn.rate", { horizonDays: state.churn.horizonDays }));
  return lines.join("\n");
}

async function copySnippet() {
  const text = embedSnippet();
  const box = $("snippet");
  box.value = text;
  $("snippet-field").hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    $("snippet-status").textContent = "Copied to the clipboard. Paste it into any page served with the data.";
  } catch {
    box.focus();
    box.select();
    $("snippet-status").textContent = "Select the snippet below and copy it (the browser did not allow clipboard access).";
  }
}

/**
 * One row per customer with every score the page shows: churn probability (customers active at
 * the scoring day), predicted CLV and P(alive), k-means segment, RFM scores and segment.
 */
function customerScoresCsv() {
  const rows = new Map();
  const row = (id) => {
    const key = String(id);
    if (!rows.has(key)) rows.set(key, {});
    return rows.get(key);
  };
  const churn = state.churnResult;
  if (churn) {
    churn.scores.customerId.forEach((id, i) => {
      row(id).churn = churn.scores.probability[i];
    });
  }
  const clv = state.ltvResult?.models?.clv;
  if (clv) {
    clv.customerId.forEach((id, i) => {
      Object.assign(row(id), { clv: clv.clv[i], alive: clv.probabilityAlive[i] });
    });
  }
  const seg = state.segmentsResult;
  if (seg?.segmentation) {
    const names = seg.segmentation.profiles.map((p) => p.name);
    seg.columns.customerId.forEach((id, i) => {
      const c = seg.segmentation.labels[i];
      Object.assign(row(id), { cluster: c, clusterName: names[c] });
    });
  }
  if (seg?.rfm) {
    seg.columns.customerId.forEach((id, i) => {
      Object.assign(row(id), { r: seg.rfm.r[i], f: seg.rfm.f[i], m: seg.rfm.m[i], rfm: seg.rfm.segment[i] });
    });
  }
  const header = ["customer_id", "churn_probability", "clv", "probability_alive", "segment", "segment_name", "rfm_r", "rfm_f", "rfm_m", "rfm_segment"];
  const cell = (v) => (v === undefined || v === null ? "" : csvField(v));
  const lines = [header.join(",")];
  for (const [id, r] of rows) {
    lines.push([csvField(id), r.churn, r.clv, r.alive, r.cluster, r.clusterName, r.r, r.f, r.m, r.rfm].map((v, j) => (j === 0 ? v : cell(v))).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

function downloadCustomerScores() {
  saveCsv(customerScoresCsv(), "customer-scores.csv");
}

// ---------------------------------------------------------------------------------------
// Wiring

/** Marks a settings field as invalid (or not), showing its inline message. */
function setFieldError(id, invalid) {
  const input = $(id);
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  $(`${id}-error`).hidden = !invalid;
}

function showVariantHelp() {
  $("cac-variant-help").textContent = VARIANT_HELP[state.cac.variant];
}

/** The variant only changes what is shown: every variant is in the last result already. */
function onVariantChanged() {
  state.cac.variant = $("cac-variant").value;
  showVariantHelp();
  writeUrl({ cac: true });
  if (state.cacResult) {
    exposeCac();
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
  if (next.period === state.cac.period && next.lag === state.cac.lag && next.margin === state.cac.margin) return;
  state.cac = next;
  writeUrl({ cac: true });
  if (state.data) computeCac();
}

function onChurnSettingsChanged() {
  const horizonDays = parseHorizon($("churn-horizon").value);
  const alpha = parseAlpha($("churn-alpha").value);
  setFieldError("churn-horizon", horizonDays === null);
  setFieldError("churn-alpha", alpha === null);
  if (horizonDays === null || alpha === null) return;
  if (horizonDays === state.churn.horizonDays && alpha === state.churn.alpha) return;
  state.churn = { horizonDays, alpha };
  writeUrl({ churn: true });
  if (state.data) computeChurn();
}

function onLtvSettingsChanged() {
  const horizonMonths = parseWhole($("clv-horizon").value, 1, MAX_CLV_HORIZON);
  const rate = percentField("clv-rate", (x) => x >= 0 && x <= 100);
  const margin = percentField("clv-margin", (x) => x > 0 && x <= 100);
  setFieldError("clv-horizon", horizonMonths === null);
  setFieldError("clv-rate", rate === null);
  setFieldError("clv-margin", margin === null);
  if (horizonMonths === null || rate === null || margin === null) return;
  const next = { ...state.ltv, horizonMonths, rate, margin };
  if (Object.entries(next).every(([key, value]) => state.ltv[key] === value)) return;
  state.ltv = next;
  writeUrl({ ltv: true });
  if (state.data) computeLtv();
}

/** A new convention starts from its own default rate (a monthly rate is no annual one). */
function onConventionChanged() {
  const discountConvention = $("clv-convention").value;
  if (!(discountConvention in CONVENTIONS) || discountConvention === state.ltv.discountConvention) return;
  state.ltv = { ...state.ltv, discountConvention, rate: CONVENTIONS[discountConvention].rate };
  showLtvSettings();
  writeUrl({ ltv: true });
  if (state.data) computeLtv();
}

/** A percentage field as a rate (57 → 0.57), or null when empty or outside `valid`. */
function percentField(id, valid) {
  const text = $(id).value.trim();
  const percent = Number(text);
  return text !== "" && Number.isFinite(percent) && valid(percent) ? Number((percent / 100).toPrecision(12)) : null;
}

function onSegmentSettingsChanged() {
  const k = parseWhole($("seg-k").value, 2, MAX_K);
  const seed = parseWhole($("seg-seed").value, 0, MAX_SEED);
  setFieldError("seg-k", k === null);
  setFieldError("seg-seed", seed === null);
  if (k === null || seed === null) return;
  if (k === state.segments.k && seed === state.segments.seed) return;
  state.segments = { ...state.segments, k, seed };
  writeUrl({ segments: true });
  if (state.data) computeSegments();
}

/** The axes and scale only change the drawing: the last result has every column. */
function onScatterChanged() {
  state.segments = { ...state.segments, x: $("seg-x").value, y: $("seg-y").value, log: $("seg-log").checked };
  writeUrl({ segments: true });
  if (state.segmentsResult) {
    exposeSegments();
    if (state.segmentsResult.segmentation) renderScatter(state.segmentsResult);
  }
}

function onSettingsChanged() {
  state.period = $("period").value;
  state.end = isValidDay($("end").value) ? $("end").value : "";
  writeUrl();
  if (state.data) compute();
}

$("period").addEventListener("change", onSettingsChanged);
$("end").addEventListener("change", onSettingsChanged);
$("end-clear").addEventListener("click", () => {
  $("end").value = "";
  onSettingsChanged();
});
$("settings").addEventListener("submit", (event) => event.preventDefault());
window.addEventListener("popstate", () => {
  readUrl();
  showVariantHelp();
  if (state.data) {
    compute();
    computeCac();
    computeChurn();
    computeLtv();
    computeSegments();
  }
});

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

for (const id of ["churn-horizon", "churn-alpha"]) $(id).addEventListener("change", onChurnSettingsChanged);
$("churn-settings").addEventListener("submit", (event) => {
  event.preventDefault();
  onChurnSettingsChanged();
});
$("churn").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-churn-def]");
  if (button) openChurnDefinition(button.dataset.churnDef);
});
$("churn-download").addEventListener("click", downloadScores);

for (const id of ["clv-horizon", "clv-rate", "clv-margin"]) $(id).addEventListener("change", onLtvSettingsChanged);
$("clv-convention").addEventListener("change", onConventionChanged);
$("clv-settings").addEventListener("submit", (event) => {
  event.preventDefault();
  onLtvSettingsChanged();
});
$("lifetime").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-ltv-def]");
  if (button) openLtvDefinition(button.dataset.ltvDef);
});

for (const id of ["seg-k", "seg-seed"]) $(id).addEventListener("change", onSegmentSettingsChanged);
for (const id of ["seg-x", "seg-y", "seg-log"]) $(id).addEventListener("change", onScatterChanged);
$("seg-settings").addEventListener("submit", (event) => {
  event.preventDefault();
  onSegmentSettingsChanged();
});
$("seg-use-recommended").addEventListener("click", () => {
  const recommended = state.segmentsResult?.chooseK?.recommended;
  if (!recommended) return;
  $("seg-k").value = String(recommended);
  onSegmentSettingsChanged();
});
$("segments").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-seg-def]");
  if (button) openSegmentDefinition(button.dataset.segDef);
});

$("tiles").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-open]");
  if (button) openDefinition(button.dataset.open);
});
// Close the dialog when its backdrop is clicked (a click whose target is the dialog itself).
$("definition").addEventListener("click", (event) => {
  if (event.target === event.currentTarget) event.currentTarget.close();
});

$("file").addEventListener("change", onFileChosen);
wireDropZone();
$("cancel").addEventListener("click", cancelWork);
$("recompute").addEventListener("click", recomputeAll);
$("copy-snippet").addEventListener("click", copySnippet);
$("download-scores").addEventListener("click", downloadCustomerScores);
$("spend-file").addEventListener("change", onSpendFileChosen);
$("upload-form").addEventListener("submit", onFileSubmit);
$("load-sample").addEventListener("click", () => {
  clearError();
  loadData(sampleRequest(), SAMPLE.name);
});

for (const id of ["seg-x", "seg-y"]) {
  $(id).replaceChildren(...Object.entries(SCATTER_FEATURES).map(([key, f]) => h("option", { value: key }, f.label)));
}
readUrl();
showVariantHelp();
renderPlaceholders();
$("cac-tiles").replaceChildren(...placeholderTiles(CAC_TILE_KEYS));
$("churn-tiles").replaceChildren(...placeholderTiles(["churnRate"]));
$("clv-tiles").replaceChildren(...placeholderTiles(CLV_TILE_KEYS));
loadData(sampleRequest(), SAMPLE.name);
