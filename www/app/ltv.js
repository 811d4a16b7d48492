// Lifetime value: predictive CLV with its breakdown, the fitted models and the historical cohort
// curves. Every number is a field of the library's results (fitBgNbd, fitGammaGamma, clv,
// historicalLtv) from the worker; the page only averages the CLV column, bins it and sorts it.

import { PALETTE, chartIn } from "./chart.js";
import { computeCohorts } from "./cohorts.js";
import { runTask } from "./engine.js";
import { $, LOCALE, compact, formatCount, formatProbability, formatValue, h, isoDay, marginPercent } from "./format.js";
import { choices, defaultOf, param } from "./limits.js";
import { parseMargin, parseRate, parseWholeParam, publish, state, writeUrl } from "./state.js";
import {
  MODEL_SHORTAGE,
  formatParams,
  placeholderTiles,
  renderError,
  renderShortage,
  setFieldError,
  setWholeRange,
  showDefinition,
  tileElement,
} from "./ui.js";

/**
 * The discount conventions the page offers: the library parameter holding each one's rate (whose
 * default is the library's), the rate field's label and the convention's help.
 */
const CONVENTIONS = {
  monthlyDiscrete: {
    rateParam: "discountRate",
    label: "Discount rate (% per month)",
    help: (rate) => `D(k) = 1 / (1 + d)^k for month k, as lifetimes; the library's default d is ${marginPercent(rate)}% a month.`,
  },
  continuous: {
    rateParam: "continuousRate",
    label: "Discount rate (% per year, continuous)",
    help: (rate) => `D(k) = exp(−δ·k / 12) for month k, as CLVTools; the library's default δ is ${marginPercent(rate)}% a year.`,
  },
};

/**
 * The dashboard's own margin: the library's default of 1 would show CLV on revenue, so the page
 * starts at 30% and says so next to the field.
 */
const DASHBOARD_MARGIN = 0.3;

const defaultRate = (convention) => defaultOf("ltv.clv", CONVENTIONS[convention].rateParam);
const isConvention = (name) =>
  Object.hasOwn(CONVENTIONS, name) && choices("ltv.clv", "discountConvention", $("clv-convention")).includes(name);

/** A whole number of months within the library's bounds of the horizon, or null. */
const parseHorizon = (text) => parseWholeParam("ltv.clv", "horizonMonths", text);

/** The purchase models CLV can use: the model's name and its parameters' rows (key, label). */
const PURCHASE_MODELS = {
  "ltv.bgnbd": {
    name: "BG/NBD",
    rows: (period) => [["r", "r (purchase rate shape)"], ["alpha", `α (rate scale, ${period}s)`], ["a", "a (dropout shape)"], ["b", "b (dropout shape)"]],
  },
  "ltv.pareto_nbd": {
    name: "Pareto/NBD",
    rows: (period) => [["r", "r (purchase rate shape)"], ["alpha", `α (rate scale, ${period}s)`], ["s", "s (dropout rate shape)"], ["beta", `β (dropout rate scale, ${period}s)`]],
  },
};

/** Reads the LTV settings from the URL; horizon, convention and rates default to the library's. */
export function readLtvSettings(params) {
  const { min, max } = param("ltv.clv", "horizonMonths");
  setWholeRange("clv-horizon", min, max, "months");
  const convention = params.get("clvConvention");
  const discountConvention = isConvention(convention) ? convention : defaultOf("ltv.clv", "discountConvention");
  state.ltv = {
    horizonMonths: parseHorizon(params.get("clvHorizon") ?? "") ?? defaultOf("ltv.clv", "horizonMonths"),
    discountConvention,
    rate: parseRate(params.get("clvRate") ?? "") ?? defaultRate(discountConvention),
    margin: parseMargin(params.get("clvMargin") ?? "") ?? DASHBOARD_MARGIN,
    model: Object.hasOwn(PURCHASE_MODELS, params.get("clvModel")) ? params.get("clvModel") : "ltv.bgnbd",
  };
  showLtvSettings();
}

function writeLtvSettings(params) {
  params.set("clvHorizon", String(state.ltv.horizonMonths));
  params.set("clvConvention", state.ltv.discountConvention);
  params.set("clvRate", String(state.ltv.rate));
  params.set("clvMargin", String(state.ltv.margin));
  params.set("clvModel", state.ltv.model);
}

/** Puts the LTV settings into the form, with the rate's label and help for the convention. */
function showLtvSettings() {
  const { horizonMonths, discountConvention, rate, margin } = state.ltv;
  const convention = CONVENTIONS[discountConvention];
  const libraryRate = defaultRate(discountConvention);
  $("clv-horizon").value = String(horizonMonths);
  $("clv-convention").value = discountConvention;
  $("clv-model").value = state.ltv.model;
  $("clv-rate").value = String(marginPercent(rate));
  $("clv-margin").value = String(marginPercent(margin));
  $("clv-rate-label").textContent = convention.label;
  $("clv-convention-help").textContent = convention.help(libraryRate);
  $("clv-rate-help").textContent =
    `Library default ${marginPercent(libraryRate)}%; switching the convention resets it to that convention's default.`;
  for (const id of ["clv-horizon", "clv-rate", "clv-margin"]) setFieldError(id, false);
}

/** Rows in the top-customers table and cohorts drawn as curves. */
export const TOP_CLV = 20;
const COHORT_CURVES = 12;
/** Bars of the CLV histogram below the 99th percentile (one more bar collects the rest). */
const CLV_BINS = 25;

/** Cohort line colours, each with at least 4.5:1 contrast on white. */
const COHORT_COLORS = [...PALETTE, "#283593", "#ad1457", "#33691e", "#4e342e"];

function setLtvState(value) {
  document.body.dataset.ltvState = value;
}

/** Row indices by descending CLV (ties keep the library's customer order). */
function clvOrder(values) {
  return Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
}

export const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

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

function renderModels({ purchases: bgnbd, gammaGamma }) {
  const p = bgnbd.params;
  const se = bgnbd.stdErrors;
  const { name, rows } = PURCHASE_MODELS[bgnbd.definition.metric] ?? PURCHASE_MODELS["ltv.bgnbd"];
  $("bgnbd-heading").textContent = `${name} purchases`;
  $("bgnbd-caption").textContent = `${name} parameters with standard errors`;
  $("bgnbd-def-name").textContent = `: ${name} purchase model`;
  $("bgnbd-rows").replaceChildren(
    ...parameterRows(rows(bgnbd.period).map(([key, label]) => [key, label, p[key], se[key]])),
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
export const shownCohorts = (historical) => historical.cohorts.slice(-COHORT_CURVES);

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
    bgnbd: () =>
      showDefinition(
        definitions[models?.purchases.definition.metric ?? state.ltv.model],
        formatParams(models?.purchases.definition.params),
      ),
    gammaGamma: () => showDefinition(definitions["ltv.gamma_gamma"], formatParams(models?.gammaGamma.definition.params)),
    historical: () =>
      showDefinition(
        definitions["ltv.historical"],
        formatParams(historical?.definition.params ?? { margin: result.options.margin }),
        `The chart shows the last ${COHORT_CURVES} monthly cohorts at most.`,
      ),
  }[key];
  open?.();
}

/** Predictive CLV, the models and the cohort curves for the LTV settings. */
export async function computeLtv() {
  const generation = ++state.ltvGeneration;
  const options = { ...state.ltv };
  const request = {
    horizonMonths: options.horizonMonths,
    discountConvention: options.discountConvention,
    margin: options.margin,
    model: options.model,
    [options.discountConvention === "continuous" ? "continuousRate" : "discountRate"]: options.rate,
  };
  setLtvState("computing");
  $("clv-tiles").setAttribute("aria-busy", "true");
  try {
    const result = await runTask("lifetime", request);
    if (generation !== state.ltvGeneration) return;
    state.ltvResult = { ...result, options, order: result.models ? clvOrder(result.models.clv.clv) : [] };
    publish("ltv");
    const drawn = renderLifetime(state.ltvResult);
    const failed = result.modelsError;
    setLtvState(!failed ? "ready" : MODEL_SHORTAGE.has(failed.code) ? "unavailable" : "error");
    await drawn;
  } catch (err) {
    if (generation !== state.ltvGeneration) return;
    state.ltvResult = null;
    publish("ltv");
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

function onLtvSettingsChanged() {
  const horizonMonths = parseHorizon($("clv-horizon").value);
  const rate = percentField("clv-rate", (x) => x >= 0 && x <= 100);
  const margin = percentField("clv-margin", (x) => x > 0 && x <= 100);
  setFieldError("clv-horizon", horizonMonths === null);
  setFieldError("clv-rate", rate === null);
  setFieldError("clv-margin", margin === null);
  if (horizonMonths === null || rate === null || margin === null) return;
  const next = { ...state.ltv, horizonMonths, rate, margin };
  if (Object.entries(next).every(([key, value]) => state.ltv[key] === value)) return;
  const marginChanged = next.margin !== state.ltv.margin;
  state.ltv = next;
  writeUrl(writeLtvSettings);
  if (!state.data) return;
  computeLtv();
  // The cohort heatmap's margin measure uses the same margin.
  if (marginChanged && state.cohorts.measure === "margin") computeCohorts();
}

/** A new convention starts from its own default rate (a monthly rate is no annual one). */
function onConventionChanged() {
  const discountConvention = $("clv-convention").value;
  if (!isConvention(discountConvention) || discountConvention === state.ltv.discountConvention) return;
  state.ltv = { ...state.ltv, discountConvention, rate: defaultRate(discountConvention) };
  showLtvSettings();
  writeUrl(writeLtvSettings);
  if (state.data) computeLtv();
}

/** A percentage field as a rate (57 → 0.57), or null when empty or outside `valid`. */
function percentField(id, valid) {
  const text = $(id).value.trim();
  const percent = Number(text);
  return text !== "" && Number.isFinite(percent) && valid(percent) ? Number((percent / 100).toPrecision(12)) : null;
}

/** The LTV placeholders and the section's event handlers. */
export function wireLtv() {
  $("clv-tiles").replaceChildren(...placeholderTiles(CLV_TILE_KEYS));
  for (const id of ["clv-horizon", "clv-rate", "clv-margin"]) $(id).addEventListener("change", onLtvSettingsChanged);
  $("clv-convention").addEventListener("change", onConventionChanged);
  $("clv-model").addEventListener("change", () => {
    const model = $("clv-model").value;
    if (!Object.hasOwn(PURCHASE_MODELS, model) || model === state.ltv.model) return;
    state.ltv = { ...state.ltv, model };
    writeUrl(writeLtvSettings);
    if (state.data) computeLtv();
  });
  $("clv-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    onLtvSettingsChanged();
  });
  $("lifetime").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-ltv-def]");
    if (button) openLtvDefinition(button.dataset.ltvDef);
  });
}
