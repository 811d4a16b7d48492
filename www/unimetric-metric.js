// <unimetric-metric>: one unimetric metric in any page, computed in a Web Worker.
//
//   <script type="module" src="/unimetric-metric.js"></script>
//   <unimetric-metric metric="cac.blended" src="data.csv" mapping='{"customerId":"customer_id",…}'
//     spend-src="spend.csv" spend-mapping='{"date":"month",…}'></unimetric-metric>
//   <unimetric-metric spec="specs/team.json" name="ltv12" src="data.csv" spend-src="spend.csv"></unimetric-metric>
//
// Attributes
//   spec, name     a metric spec (docs/SPEC.md; same origin) and the name of one of its metrics:
//                  the metric as the spec defines it (any metric of the spec catalog), read with
//                  the spec's data mappings unless mapping / spend-mapping are given. The card
//                  shows the spec's label, metric@version and the spec's name@version.
//   metric         a glossary id: customers.count, orders.count, revenue.net, orders.aov,
//                  customers.repeat_rate, customers.purchase_frequency, revenue.per_customer
//                  (from Transactions.kpis), cac.blended and cac.ltv_ratio (need spend-src),
//                  churn.rate.
//   src, mapping   the transactions CSV (same origin) and its column mapping (JSON).
//   spend-src, spend-mapping   the marketing spend CSV and its mapping, for the CAC metrics.
//   params         options of the computation (JSON), e.g. {"period":"week"} for the KPIs,
//                  {"margin":0.6,"attributionLag":1} for LTV:CAC, {"horizonDays":60} for churn.
//   locale         number formatting locale (default en-US).
//   trend          show the metric's series as a sparkline (kpiSeries) and a flag mark when its
//                  last bucket is flagged (detectAnomalies with its defaults); the value is the
//                  bucket: day (the default, when empty), week or month. The series ends at
//                  params.observationEnd (else the last transaction) and the sparkline draws its
//                  last 30 days, 26 weeks or 12 months. For customers.count, orders.count,
//                  revenue.net, orders.aov and customers.repeat_rate (whose series is
//                  customers.active and customers.repeat_share, as on the dashboard's tiles).
//
// The element shows the metric's name, value and unit, its id and version, and its definition
// (formula, parameters with the values in effect, unit) in a disclosure. It sets
// `data-state` to loading, ready or error, exposes `result` ({ metric, value, unit, name,
// definition, params, and with trend: trend { metric, bucket, time, values, flagged, last } }) and fires `unimetric-ready` or `unimetric-error` (detail: the error).
// Elements share one worker and load each file once. Copy this file and change the import below
// to "unimetric/worker" to use it with the npm package.

import { UnimetricWorker } from "/pkg/worker.js";

/** The KPI ids Transactions.kpis returns, and the key of each in its result. */
const KPI_KEYS = {
  "customers.count": "customers",
  "orders.count": "orders",
  "revenue.net": "revenue",
  "orders.aov": "averageOrderValue",
  "customers.repeat_rate": "repeatPurchaseRate",
  "customers.purchase_frequency": "purchaseFrequency",
  "revenue.per_customer": "revenuePerCustomer",
};

/** The series metric of each metric with a trend (kpiSeries ids). */
const TREND_SERIES = {
  "customers.count": "customers.active",
  "orders.count": "orders.count",
  "revenue.net": "revenue.net",
  "orders.aov": "orders.aov",
  "customers.repeat_rate": "customers.repeat_share",
};
/** Buckets the sparkline draws, by bucket. */
const TREND_BUCKETS = { day: 30, week: 26, month: 12 };

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** Parsed specs by URL: a promise of the worker-side MetricSpec. */
const specs = new Map();

function loadSpec(url) {
  const key = new URL(url, document.baseURI).href;
  if (!specs.has(key)) {
    const loading = fetch(url).then(async (response) => {
      if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
      return worker().call("MetricSpec.parse", [await response.text()]);
    });
    loading.catch(() => specs.delete(key));
    specs.set(key, loading);
  }
  return specs.get(key);
}

/** A metric of a spec, computed in the worker: `{ value, unit, label, definition }` and the spec's document. */
async function computeFromSpec(element) {
  const name = element.getAttribute("name");
  if (!name) throw Object.assign(new Error("a spec needs the name attribute: the metric's name in the spec"), { code: "E_BAD_OPTION", column: "name" });
  const spec = await loadSpec(element.getAttribute("spec"));
  const [doc, specMapping, specSpendMapping] = await Promise.all([spec.call("toJSON"), spec.get("transactionsMapping"), spec.get("spendMapping")]);
  const mapping = element.hasAttribute("mapping") ? parseJson(element.getAttribute("mapping"), "mapping") : specMapping;
  const spendMapping = element.hasAttribute("spend-mapping") ? parseJson(element.getAttribute("spend-mapping"), "spend-mapping") : specSpendMapping;
  const src = element.getAttribute("src");
  const spendSrc = element.getAttribute("spend-src");
  const inputs = {};
  if (src) inputs.transactions = await table("Transactions", src, mapping);
  if (spendSrc) inputs.spend = await table("Spend", spendSrc, spendMapping);
  const result = await spec.call("evaluate", [inputs, { only: [name] }]);
  return { doc, result: result[name] };
}

let shared = null;
const worker = () => (shared ??= new UnimetricWorker({ name: "unimetric-metric" }));

/** Loaded tables, by kind, URL and mapping: a promise of the worker-side object. */
const tables = new Map();

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The `Transactions` or `Spend` for a CSV URL and mapping, loaded once per page. */
function table(kind, url, mapping) {
  const key = JSON.stringify([kind, new URL(url, document.baseURI).href, mapping]);
  if (!tables.has(key)) {
    const loading = fetchBytes(url).then((bytes) =>
      worker().call(`${kind}.fromCsv`, [bytes, mapping], { transfer: [bytes.buffer] }),
    );
    // A failed load is not cached: the next element tries again.
    loading.catch(() => tables.delete(key));
    tables.set(key, loading);
  }
  return tables.get(key);
}

/**
 * `{ value, params, note }` of a metric; `params` are those the library reports as in effect.
 */
async function compute(metric, { tx, spend, params }) {
  if (metric in KPI_KEYS) {
    const kpi = (await tx.call("kpis", [params]))[KPI_KEYS[metric]];
    return { value: kpi.value, params: kpi.definition.params, note: "" };
  }
  if (metric === "cac.blended") {
    const payback = await worker().call("cacPayback", [await spend, tx, params]);
    const row = payback.simple.find((r) => r.channel === null);
    return { value: row?.cac ?? null, params: { ...params, period: "whole data window" }, note: row?.cac == null ? (row?.reason ?? "") : "whole data window, all channels" };
  }
  if (metric === "cac.ltv_ratio") {
    const result = await worker().call("ltvToCac", [await spend, tx, { ltv: "historical", ...params }]);
    const row = result.rows.find((r) => r.cohort === null && r.channel === null);
    return { value: row?.value ?? null, params: row?.definition.params ?? params, note: row?.value == null ? (row?.reason ?? "") : "whole data window, all channels" };
  }
  if (metric === "churn.rate") {
    const horizonDays = params.horizonDays ?? 90;
    const { last } = await tx.get("timeRange");
    const cutoff = isoDay(Math.floor(last / DAY_MS) * DAY_MS - horizonDays * DAY_MS);
    const features = await worker().call("churnFeatures", [tx, { ...params, horizonDays, cutoff }]);
    return {
      value: features.churnRate,
      params: features.definition.params,
      note: `customers active on ${cutoff}, churn observed over the next ${horizonDays} days`,
    };
  }
  throw Object.assign(new Error(`unimetric-metric does not compute ${metric}`), { code: "E_BAD_OPTION", column: "metric" });
}

/**
 * The series of `metric` by `bucket` and its anomaly flags: `{ metric, bucket, time, values,
 * flagged }` for the last buckets the sparkline draws, and `last` (the last bucket: time,
 * value, expected, lower, upper, flagged, direction).
 */
async function computeTrend(metric, tx, bucket, params) {
  const id = TREND_SERIES[metric];
  if (!id) throw Object.assign(new Error(`unimetric-metric has no trend for ${metric}`), { code: "E_BAD_OPTION", column: "trend" });
  if (!(bucket in TREND_BUCKETS)) throw Object.assign(new Error(`trend is day, week or month, not ${JSON.stringify(bucket)}`), { code: "E_BAD_OPTION", column: "trend" });
  const options = { bucket, metrics: [id] };
  if (params.observationEnd !== undefined) options.end = params.observationEnd;
  if (params.timezone !== undefined) options.timezone = params.timezone;
  const s = await worker().call("kpiSeries", [tx, options]);
  const m = s.series[id];
  // A share is tested as counts out of its denominator (the rate test), as the dashboard does.
  const input = m.denominator && id === "customers.repeat_share"
    ? { time: s.time, value: Float64Array.from(m.value, (v, i) => Math.round(v * m.denominator[i])), denominator: m.denominator }
    : { time: s.time, value: m.value };
  const r = await worker().call("detectAnomalies", [input]);
  const n = s.time.length;
  const from = Math.max(0, n - TREND_BUCKETS[bucket]);
  const k = n - 1;
  return {
    metric: id,
    bucket,
    time: Array.from(s.time.slice(from)),
    values: Array.from(r.observed.slice(from)),
    flagged: Array.from(r.flagged.slice(from), Boolean),
    last: { time: s.time[k], value: r.observed[k], expected: r.expected[k], lower: r.lower[k], upper: r.upper[k], flagged: r.flagged[k] === 1, direction: r.direction[k] },
    timezone: m.definition.params?.timezone ?? "UTC",
    definition: m.definition,
  };
}

const SVG = "http://www.w3.org/2000/svg";

/** An inline SVG line of `values` scaled to their range, the flagged points marked. */
function sparkline(values, flagged, label) {
  const width = 160;
  const height = 36;
  const pad = 3;
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({ class: "spark", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, part: "sparkline" })) svg.setAttribute(name, value);
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return svg;
  const min = Math.min(...finite);
  const span = Math.max(...finite) - min || 1;
  const x = (i) => pad + (i * (width - 2 * pad)) / (values.length - 1);
  const y = (v) => pad + (1 - (v - min) / span) * (height - 2 * pad);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", values.flatMap((v, i) => (Number.isFinite(v) ? [`${x(i).toFixed(2)},${y(v).toFixed(2)}`] : [])).join(" "));
  line.setAttribute("class", "spark-line");
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(line);
  values.forEach((v, i) => {
    if (!flagged[i] || !Number.isFinite(v)) return;
    const dot = document.createElementNS(SVG, "circle");
    for (const [name, value] of Object.entries({ class: "spark-flag", cx: x(i).toFixed(2), cy: y(v).toFixed(2), r: "2.5" })) dot.setAttribute(name, value);
    svg.append(dot);
  });
  return svg;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) node.setAttribute(name, value);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function parseJson(text, attribute) {
  if (text === null || text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Object.assign(new Error(`attribute ${attribute} is not valid JSON: ${err.message}`), { code: "E_BAD_OPTION", column: attribute });
  }
}

export class UnimetricMetric extends HTMLElement {
  static observedAttributes = ["metric", "src", "mapping", "spend-src", "spend-mapping", "params", "locale", "spec", "name", "trend"];

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    const sheet = el("link", { rel: "stylesheet", href: new URL("./unimetric-metric.css", import.meta.url).href });
    this.card = el("div", { class: "card", part: "card" });
    this.shadowRoot.append(sheet, this.card);
    /** The last result shown, or null. */
    this.result = null;
    this.run = 0;
    this.queued = false;
  }

  connectedCallback() {
    this.schedule();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.schedule();
  }

  /**
   * One `update()` per task for any number of changes: an element upgraded with its attributes
   * already set gets a callback per attribute and one for being connected.
   */
  schedule() {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.update();
    });
  }

  /** Recomputes for the current attributes (the last call wins). */
  async update() {
    const run = ++this.run;
    this.dataset.state = "loading";
    this.setAttribute("aria-busy", "true");
    this.card.replaceChildren(el("p", { class: "loading" }, `Computing ${this.getAttribute("metric") ?? ""}…`));
    try {
      if (this.hasAttribute("spec")) {
        const { doc, result } = await computeFromSpec(this);
        const definition = await worker().call("getDefinition", [result.definition.metric]);
        if (run !== this.run) return;
        this.result = {
          metric: result.definition.metric, name: result.label, value: result.value, unit: result.unit,
          params: result.definition.params, definition, spec: result.definition.spec,
        };
        this.render({ ...definition, name: result.label, unit: result.unit }, {
          value: result.value, params: result.definition.params,
          note: `${doc.name}@${doc.version}`,
        });
        this.dataset.state = "ready";
        this.dispatchEvent(new CustomEvent("unimetric-ready", { detail: this.result }));
        return;
      }
      const metric = this.getAttribute("metric");
      const src = this.getAttribute("src");
      if (!metric || !src) throw Object.assign(new Error("the metric and src attributes are required"), { code: "E_BAD_OPTION" });
      const params = parseJson(this.getAttribute("params"), "params");
      const tx = await table("Transactions", src, parseJson(this.getAttribute("mapping"), "mapping"));
      const spendSrc = this.getAttribute("spend-src");
      const spend = spendSrc ? table("Spend", spendSrc, parseJson(this.getAttribute("spend-mapping"), "spend-mapping")) : null;
      if (metric.startsWith("cac.") && !spend) {
        throw Object.assign(new Error(`${metric} needs marketing spend: add spend-src and spend-mapping`), { code: "E_BAD_OPTION", column: "spend-src" });
      }
      const trend = this.hasAttribute("trend") ? computeTrend(metric, tx, this.getAttribute("trend") || "day", params) : null;
      const [computed, definition, series] = await Promise.all([
        compute(metric, { tx, spend, params }),
        worker().call("getDefinition", [metric]),
        trend,
      ]);
      if (run !== this.run) return;
      this.result = { metric, name: definition.name, value: computed.value, unit: definition.unit, params: computed.params, definition };
      if (series) this.result.trend = series;
      this.render(definition, computed, series);
      this.dataset.state = "ready";
      this.dispatchEvent(new CustomEvent("unimetric-ready", { detail: this.result }));
    } catch (err) {
      if (run !== this.run) return;
      this.result = null;
      this.renderError(err);
      this.dataset.state = "error";
      this.dispatchEvent(new CustomEvent("unimetric-error", { detail: err }));
    } finally {
      if (run === this.run) this.removeAttribute("aria-busy");
    }
  }

  format(value, unit) {
    const locale = this.getAttribute("locale") || "en-US";
    if (value === null || value === undefined) return "—";
    if (unit.startsWith("fraction")) {
      return new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
    }
    if (/^(customers|orders)$/.test(unit)) return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
    return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
  }

  /** "Nov 13, 2025" (day) or "Nov 2025" (month) for a bucket start in `timezone`, in the element's locale. */
  bucketLabel(ms, bucket, timezone) {
    const locale = this.getAttribute("locale") || "en-US";
    const parts = bucket === "month" ? { month: "short", year: "numeric" } : { day: "numeric", month: "short", year: "numeric" };
    return new Intl.DateTimeFormat(locale, { ...parts, timeZone: timezone }).format(ms + (bucket === "month" ? 15 * DAY_MS : 0));
  }

  /** The sparkline and, when the last bucket is flagged, the flag mark. */
  renderTrend(trend, def) {
    const { bucket, time, values, flagged, last } = trend;
    const per = { day: "day", week: "week", month: "month" }[bucket];
    const first = this.bucketLabel(time[0], bucket, trend.timezone);
    const end = this.bucketLabel(last.time, bucket, trend.timezone);
    const label = `${def.name} per ${per}, ${bucket === "week" ? "weeks of " : ""}${first} to ${end}: from ${this.format(values[0], def.unit)} to ${this.format(values.at(-1), def.unit)}`;
    const flag = last.flagged
      ? el(
          "p",
          { class: "flag", part: "flag" },
          el("span", { "aria-hidden": "true" }, "⚑ "),
          `Flagged: ${bucket === "week" ? "the week of " : ""}${end} is ${last.direction > 0 ? "above" : "below"} its expected band (${this.format(last.lower, def.unit)} to ${this.format(last.upper, def.unit)}; observed ${this.format(last.value, def.unit)})`,
        )
      : null;
    return el("div", { class: "trend" }, sparkline(values, flagged, label), el("p", { class: "trend-note" }, `${trend.metric} per ${per}, last ${values.length}${flagged.some(Boolean) ? "; red dots are flagged" : ""}`), flag);
  }

  render(def, { value, params, note }, trend = null) {
    const shown = (name) => (name in params ? JSON.stringify(params[name]) : "default");
    const rows = def.parameters.map((p) =>
      el("tr", {}, el("th", { scope: "row" }, el("code", {}, p.name)), el("td", {}, p.description), el("td", {}, el("code", {}, p.default)), el("td", {}, el("code", {}, shown(p.name)))),
    );
    this.card.replaceChildren(
      ...[
        el("p", { class: "name" }, def.name),
        el("p", { class: "value" }, this.format(value, def.unit)),
        el("p", { class: "unit" }, def.unit),
        note ? el("p", { class: "note" }, note) : null,
        trend ? this.renderTrend(trend, def) : null,
        el("p", { class: "id" }, el("code", {}, def.id), ` v${def.version}`),
        el(
          "details",
          {},
          el("summary", {}, "Definition"),
          el("p", {}, def.description),
          el("dl", {}, el("dt", {}, "Formula"), el("dd", {}, el("code", { class: "formula" }, def.formula)), el("dt", {}, "Unit"), el("dd", {}, def.unit)),
          el(
            "table",
            {},
            el("caption", {}, "Parameters"),
            el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Name"), el("th", { scope: "col" }, "Description"), el("th", { scope: "col" }, "Default"), el("th", { scope: "col" }, "In effect"))),
            el("tbody", {}, ...rows),
          ),
        ),
      ].filter(Boolean),
    );
  }

  renderError(err) {
    const facts = [err.code, err.path !== undefined ? `spec ${err.path}` : null, err.column !== undefined ? `column ${err.column}` : null, err.row !== undefined ? `row ${err.row}` : null].filter(Boolean);
    this.card.replaceChildren(
      el(
        "div",
        { class: "error", role: "alert" },
        el("p", { class: "name" }, `Could not compute ${this.getAttribute("metric") ?? this.getAttribute("name") ?? "the metric"}`),
        facts.length ? el("p", { class: "facts" }, facts.join(" · ")) : null,
        el("p", {}, err.message ?? String(err)),
      ),
    );
  }
}

if (!customElements.get("unimetric-metric")) customElements.define("unimetric-metric", UnimetricMetric);
