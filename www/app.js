// The demo dashboard: UI only. Every number comes from the unimetric WebAssembly module,
// which runs in a module worker (worker.js); this file sends requests and renders results.

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
};

const PERIODS = ["day", "week", "month", "quarter"];
const DEFAULT_PERIOD = "day"; // the library's default, so a bare URL shows library defaults

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
// Worker client

class Engine {
  constructor() {
    this.nextId = 1;
    this.pending = new Map();
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.worker.addEventListener("message", ({ data }) => {
      const entry = this.pending.get(data.id);
      if (!entry) return;
      this.pending.delete(data.id);
      if (data.ok) entry.resolve(data.result);
      else entry.reject(Object.assign(new Error(data.error.message), data.error));
    });
    // A worker that fails to start (e.g. the module cannot be fetched) rejects everything,
    // including later requests.
    this.failure = null;
    this.worker.addEventListener("error", (event) => {
      event.preventDefault();
      this.failure = new Error(event.message || "the computation worker failed to start");
      for (const entry of this.pending.values()) entry.reject(this.failure);
      this.pending.clear();
    });
  }

  request(type, args = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args });
    });
  }
}

// ---------------------------------------------------------------------------------------
// State: the settings live in the URL so a link reproduces the same numbers.

const state = {
  period: DEFAULT_PERIOD,
  end: "",
  data: null, // description of the loaded data set (from the worker)
  result: null, // last successful computation
  generation: 0, // increments per computation; stale answers are dropped
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
}

function writeUrl() {
  const params = new URLSearchParams(location.search);
  params.set("period", state.period);
  if (state.end) params.set("end", state.end);
  else params.delete("end");
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
  const facts = [];
  if (err.code) facts.push(h("span", { className: "error-code" }, err.code));
  if (err.column !== undefined) facts.push(h("span", {}, `column ${err.column}`));
  if (err.row !== undefined) facts.push(h("span", {}, `row ${err.row}`));
  const box = $("error");
  box.replaceChildren(
    h("p", { className: "error-title" }, title),
    facts.length ? h("p", { className: "error-facts" }, ...interleave(facts, " · ")) : null,
    h("p", { className: "error-message" }, err.message || String(err)),
  );
  box.hidden = false;
  setState("error");
}

function interleave(items, separator) {
  return items.flatMap((item, i) => (i === 0 ? [item] : [separator, item]));
}

function renderTiles(kpis) {
  const tiles = TILES.map(({ key, format }) => {
    const kpi = kpis[key];
    const { metric, version } = kpi.definition;
    const nameId = `tile-${key}-name`;
    return h(
      "li",
      { className: "tile", dataset: { kpi: key, metric }, "aria-labelledby": nameId },
      h("h3", { id: nameId, className: "tile-name" }, kpi.name),
      h("p", { className: "tile-value" }, formatValue(kpi.value, format)),
      h("p", { className: "tile-unit" }, kpi.unit),
      h("p", { className: "tile-def" }, h("code", {}, metric), ` v${version}`),
      h(
        "button",
        { type: "button", className: "tile-button", dataset: { open: key }, "aria-haspopup": "dialog" },
        "Definition",
        h("span", { className: "visually-hidden" }, `: ${kpi.name}`),
      ),
    );
  });
  $("tiles").replaceChildren(...tiles);
}

function renderPlaceholders() {
  $("tiles").replaceChildren(
    ...TILES.map(({ key }) =>
      h("li", { className: "tile tile-empty", dataset: { kpi: key } }, h("p", { className: "tile-value" }, "—")),
    ),
  );
}

function formatParam(name, value) {
  if (name === "observationEnd" && typeof value === "number") {
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
  const inEffect = kpi.definition.params ?? {};

  $("def-title").textContent = def.name;
  $("def-id").textContent = def.id;
  $("def-version").textContent = `v${def.version}`;
  $("def-description").textContent = def.description;
  $("def-formula").textContent = def.formula;
  $("def-unit").textContent = def.unit;
  $("def-inputs").textContent = def.inputs;

  const listed = new Set(def.parameters.map((p) => p.name));
  const rows = def.parameters.map((p) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("code", {}, p.name)),
      h("td", {}, p.description),
      h("td", {}, h("code", {}, p.default)),
      h("td", {}, h("code", {}, p.name in inEffect ? formatParam(p.name, inEffect[p.name]) : "default")),
    ),
  );
  // Parameters recorded in the result but not documented as tunable still deserve a row.
  for (const [name, value] of Object.entries(inEffect)) {
    if (listed.has(name)) continue;
    rows.push(
      h("tr", {}, h("th", { scope: "row" }, h("code", {}, name)), h("td", {}, "—"), h("td", {}, "—"),
        h("td", {}, h("code", {}, formatParam(name, value)))),
    );
  }
  $("def-params").replaceChildren(...rows);
  $("definition").showModal();
}

// ---------------------------------------------------------------------------------------
// Chart (optional): ECharts is loaded on first use; the page works without it.

let chart = null;
let chartLoad = null;

function loadChart() {
  chartLoad ??= import("/vendor/echarts/echarts.esm.min.mjs").then((echarts) => {
    const el = $("chart");
    chart = echarts.init(el, null, { renderer: "canvas" });
    new ResizeObserver(() => chart.resize()).observe(el);
    return chart;
  });
  return chartLoad;
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
    const instance = await loadChart();
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
// Actions

const engine = new Engine();

async function compute() {
  const generation = ++state.generation;
  setState("computing");
  setStatus("Computing…");
  $("tiles").setAttribute("aria-busy", "true");
  try {
    const result = await engine.request("compute", {
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

/** Loads a data set in the worker; on failure the previous data set stays in use. */
async function loadData(request, label) {
  setState("loading");
  setStatus(`Loading ${label}…`);
  try {
    state.data = await engine.request("load", request);
  } catch (err) {
    if (state.data) setStatus(`Still showing: ${describeData(state.data, state.result?.kpis)}`);
    else setStatus("No data loaded.");
    showError(`Could not load ${label}`, err);
    return false;
  }
  updateEndBounds();
  await compute();
  return true;
}

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

/** Splits the first record of a CSV text into field names (RFC 4180 quoting). */
function parseHeader(text) {
  const fields = [];
  let field = "";
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field.trim());
      field = "";
    } else if (c === "\n" || c === "\r") break;
    else field += c;
  }
  fields.push(field.trim());
  return fields.filter((f) => f !== "");
}

function suggestMapping(columns) {
  const used = new Set();
  const mapping = {};
  for (const [key, patterns] of Object.entries(SUGGEST)) {
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

async function onFileChosen() {
  const file = $("file").files[0];
  const fieldset = $("mapping");
  clearError();
  if (!file) {
    fieldset.hidden = true;
    fieldset.disabled = true;
    return;
  }
  const columns = parseHeader(await file.slice(0, 64 * 1024).text());
  if (columns.length === 0) {
    fieldset.hidden = true;
    showError(`Could not read ${file.name}`, { message: "The first line holds no column names." });
    return;
  }
  const suggested = suggestMapping(columns);
  for (const key of Object.keys(SUGGEST)) {
    const select = $(`map-${key}`);
    const blank = OPTIONAL.has(key) ? "— none —" : "— choose a column —";
    select.replaceChildren(h("option", { value: "" }, blank), ...columns.map((c) => h("option", { value: c }, c)));
    select.value = suggested[key] ?? "";
  }
  fieldset.hidden = false;
  fieldset.disabled = false;
}

async function onFileSubmit(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const mapping = {};
  for (const key of Object.keys(SUGGEST)) {
    const value = $(`map-${key}`).value;
    if (value) mapping[key] = value;
  }
  clearError();
  await loadData({ file, mapping, name: file.name }, file.name);
}

// ---------------------------------------------------------------------------------------
// Wiring

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
  if (state.data) compute();
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
$("upload-form").addEventListener("submit", onFileSubmit);
$("load-sample").addEventListener("click", () => {
  clearError();
  loadData({ url: SAMPLE.url, mapping: SAMPLE.mapping, name: SAMPLE.name }, SAMPLE.name);
});

readUrl();
renderPlaceholders();
loadData({ url: SAMPLE.url, mapping: SAMPLE.mapping, name: SAMPLE.name }, SAMPLE.name);
