// Churn: churn rate, the risk list with reasons, model quality and odds ratios. Every number is
// a field of the library's results (churnFeatures, fitChurn, evaluateChurn) from the worker.

import { PALETTE, chartIn } from "./chart.js";
import { runTask } from "./engine.js";
import { $, FORMATS, formatCount, formatProbability, formatValue, h, shownUnit } from "./format.js";
import { downloadScores } from "./export.js";
import { defaultOf, param } from "./limits.js";
import { parseAlpha, parseWholeParam, publish, state, writeUrl } from "./state.js";
import {
  formatParams,
  placeholderTiles,
  renderError,
  renderShortage,
  setFieldError,
  setWholeRange,
  showDefinition,
  tileElement,
} from "./ui.js";

/** A whole number of days within the library's bounds of the horizon, or null. */
const parseHorizon = (text) => parseWholeParam("churn.rate", "horizonDays", text);

/** Reads the churn settings from the URL; horizon and alpha default to the library's defaults. */
export function readChurnSettings(params) {
  const { min, max } = param("churn.rate", "horizonDays");
  setWholeRange("churn-horizon", min, max, "days");
  state.churn = {
    horizonDays: parseHorizon(params.get("horizon") ?? "") ?? defaultOf("churn.rate", "horizonDays"),
    alpha: parseAlpha(params.get("alpha") ?? "") ?? defaultOf("churn.propensity", "alpha"),
  };
  $("churn-horizon").value = String(state.churn.horizonDays);
  $("churn-alpha").value = String(state.churn.alpha);
  for (const id of ["churn-horizon", "churn-alpha"]) setFieldError(id, false);
}

function writeChurnSettings(params) {
  params.set("horizon", String(state.churn.horizonDays));
  params.set("alpha", String(state.churn.alpha));
}

/** Rows in the risk list. */
export const TOP_RISK = 20;

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
      unit: shownUnit(def.unit, "percent"),
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
        h("td", { dataset: { label: "Churn probability" } }, formatProbability(scores.probability[i])),
        h("td", { dataset: { label: "Days since last purchase" } }, formatCount(scores.recencyDays[i])),
        h("td", { className: "reasons-cell", dataset: { label: "Top reasons" } }, reasonList(scores.reasons[i])),
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
  publish("churn");
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

/** Churn rate, risk list, model quality and odds ratios for the churn settings. */
export async function computeChurn() {
  const generation = ++state.churnGeneration;
  const options = { horizonDays: state.churn.horizonDays, alpha: state.churn.alpha };
  setChurnState("computing");
  $("churn-tiles").setAttribute("aria-busy", "true");
  $("churn-download").disabled = true;
  try {
    const result = await runTask("churn", options);
    if (generation !== state.churnGeneration) return;
    state.churnResult = { ...result, order: riskOrder(result.scores.probability) };
    publish("churn");
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

function onChurnSettingsChanged() {
  const horizonDays = parseHorizon($("churn-horizon").value);
  const alpha = parseAlpha($("churn-alpha").value);
  setFieldError("churn-horizon", horizonDays === null);
  setFieldError("churn-alpha", alpha === null);
  if (horizonDays === null || alpha === null) return;
  if (horizonDays === state.churn.horizonDays && alpha === state.churn.alpha) return;
  state.churn = { horizonDays, alpha };
  writeUrl(writeChurnSettings);
  if (state.data) computeChurn();
}

/** The churn placeholder and the section's event handlers. */
export function wireChurn() {
  $("churn-tiles").replaceChildren(...placeholderTiles(["churnRate"]));
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
}
