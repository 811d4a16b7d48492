// The experiments section: each arm's visitors and conversions → the library's experiment()
// (Welch test, sequential confidence sequence or Bayesian posterior, SRM check), or an
// assignments CSV measured on the loaded transactions → experimentOnTransactions(); and
// planExperiment() for the planner. The arm totals need no data set; their sample is
// www/data/experiment.json (a simulated test with a known lift, scripts/experiment-sample.mjs).
// The sample assignments are www/data/assignments.csv, an experiment on the sample's own
// customers (unimetric::sim::simulate_experiment).

import { PALETTE, chartIn } from "./chart.js";
import { fetchDefinitions, runExperiment, runExperimentOnTransactions, runPlan } from "./engine.js";
import { $, FORMATS, formatCount, h } from "./format.js";
import { param } from "./limits.js";
import { SAMPLE, SAMPLE_ASSIGNMENTS, publish, state } from "./state.js";
import { formatParams, renderError, showDefinition } from "./ui.js";
import { offerMapping } from "./upload.js";

const SAMPLE_URL = "/data/experiment.json";
const METRICS = ["experiment.conversion", "experiment.orders_per_unit", "experiment.revenue_per_unit", "experiment.aov"];
const DEFINITIONS = ["experiment.frequentist", "experiment.sequential", "experiment.bayesian", "experiment.srm", "experiment.plan", ...METRICS];

/** Assignment columns: the customer, the arm and when they were assigned, suggested from the header. */
const ASSIGN_SUGGEST = {
  unitId: [/^(customer|client|user|buyer|account|member|unit|visitor)[\s_-]*(id|no|number|key|code)?$/i, /customer|client|user|unit|visitor|account/i],
  arm: [/^(arm|variant|variation|group|bucket|treatment|branch)$/i, /arm|variant|variation|group|bucket|treatment|branch/i],
  assignedAt: [/^(assigned|assignment|exposed|exposure|enrolled|enrollment)([\s_-]*(at|date|time|timestamp|on))?$/i, /assign|expos|enrol|date|time/i],
};

/** How each metric's arm means are shown: the column heading and the format. */
const MEAN_SHOWN = {
  proportion: ["Conversion rate", (x) => percent(x)],
  "experiment.conversion": ["Conversion rate", (x) => percent(x)],
  "experiment.orders_per_unit": ["Orders per customer", (x) => FORMATS.decimal.format(x)],
  "experiment.revenue_per_unit": ["Revenue per customer", (x) => FORMATS.currency.format(x)],
  "experiment.aov": ["Average order value", (x) => FORMATS.currency.format(x)],
};
const percent = (x) => FORMATS.percent.format(x);
const signed = (x) => `${x > 0 ? "+" : ""}${percent(x)}`;

let definitions = {};
let generation = 0;

function armRow(arm = { name: "", n: "", conversions: "" }, index) {
  const input = (field, value, label, type) =>
    h("input", {
      type,
      name: `${field}${index}`,
      value,
      "aria-label": label,
      required: true,
      ...(type === "number" ? { min: "0", step: "1", inputmode: "numeric" } : {}),
      dataset: { field },
    });
  const n = index + 1;
  return h(
    "tr",
    {},
    h("td", {}, input("name", arm.name, `Arm ${n} name`, "text")),
    h("td", {}, input("n", String(arm.n), `Arm ${n} visitors`, "number")),
    h("td", {}, input("conversions", String(arm.conversions), `Arm ${n} conversions`, "number")),
  );
}

/** The arms as typed: names as text, counts as numbers (the library checks them). */
function readArms() {
  return [...$("exp-arm-rows").rows].map((row) => {
    const value = (field) => row.querySelector(`[data-field="${field}"]`).value;
    return { name: value("name").trim(), n: Number(value("n")), conversions: Number(value("conversions")) };
  });
}

function readOptions() {
  const options = { method: $("exp-method").value };
  if (options.method === "sequential") {
    options.method = "frequentist";
    options.sequential = true;
  }
  const perDay = $("exp-per-day").value;
  if (perDay !== "") options.unitsPerDay = Number(perDay);
  return options;
}

/** The sentence of each comparison, the library's own words. */
function renderSentences(result) {
  $("exp-sentences").replaceChildren(
    ...result.comparisons.map((c) => h("p", { dataset: { significant: String(c.significant) } }, c.summary)),
  );
}

function renderTables(result) {
  const bayesian = result.definition.metric === "experiment.bayesian";
  const columns = ["Arm", "Lift", "Interval", bayesian ? "Chance to win" : "p-value", "Significant"];
  $("exp-comparisons-head").replaceChildren(h("tr", {}, ...columns.map((c) => h("th", { scope: "col" }, c))));
  $("exp-comparisons-rows").replaceChildren(
    ...result.comparisons.map((c) =>
      h(
        "tr",
        { dataset: { arm: c.arm } },
        h("th", { scope: "row" }, `${c.arm} vs ${c.baseline}`),
        h("td", {}, signed(c.estimate)),
        h("td", {}, `${signed(c.ci[0])} to ${signed(c.ci[1])}`),
        h("td", {}, bayesian ? percent(c.chanceToWin) : FORMATS.score.format(c.pValue)),
        h("td", {}, c.significant ? "yes" : "no"),
      ),
    ),
  );
  const [heading, format] = MEAN_SHOWN[result.metricDefinition?.metric ?? "proportion"];
  const units = result.metricDefinition ? "Customers" : "Visitors";
  $("exp-arms-head").replaceChildren(...["Arm", units, heading].map((c) => h("th", { scope: "col" }, c)));
  $("exp-arms-rows").replaceChildren(
    ...result.arms.map((a) =>
      h("tr", {}, h("th", { scope: "row" }, a.name), h("td", {}, formatCount(a.n)), h("td", {}, format(a.mean))),
    ),
  );
}

/** Each arm's lift and interval as a horizontal bar from the lower to the upper bound. */
async function renderChart(result) {
  const chart = await chartIn("exp-ci-chart");
  const arms = result.comparisons.map((c) => c.arm);
  chart.setOption(
    {
      animation: false,
      grid: { left: 96, right: 24, top: 16, bottom: 40 },
      xAxis: { type: "value", splitNumber: 4, axisLabel: { hideOverlap: true, formatter: (v) => signed(v) } },
      yAxis: { type: "category", data: arms },
      series: [
        // One segment per arm, from the interval's lower to its upper bound.
        ...result.comparisons.map((c) => ({
          type: "line",
          name: `${c.arm} interval`,
          data: [[c.ci[0], c.arm], [c.ci[1], c.arm]],
          symbol: "none",
          silent: true,
          lineStyle: { color: PALETTE[0], width: 10, opacity: 0.35 },
        })),
        {
          type: "scatter",
          name: "estimate",
          symbolSize: 12,
          itemStyle: { color: PALETTE[0] },
          data: result.comparisons.map((c) => [c.estimate, c.arm]),
          markLine: { symbol: "none", silent: true, data: [{ xAxis: 0 }], lineStyle: { color: "#333" }, label: { show: false } },
        },
      ],
    },
    true,
  );
}

function renderSrm(result) {
  const box = $("exp-srm");
  const { srm } = result;
  if (!srm.flagged) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    h("p", {}, h("strong", {}, "Sample-ratio mismatch: the split is not what the test planned.")),
    h(
      "p",
      {},
      `The arms' visitor counts are too uneven to be chance (χ² = ${FORMATS.decimal.format(srm.chiSquare)}, p = ${srm.pValue.toExponential(1)}); ` +
        `${srm.mostOffArm} is furthest off. Assignment or tracking is broken, so the lift above cannot be trusted.`,
    ),
  );
  box.hidden = false;
}

/** The source of the data: `"counts"` (the arms typed in) or `"assignments"`. */
const source = () => $("exp-source").value;

/**
 * The assignments to measure: the chosen file under the chosen columns, else the sample's
 * with the sample data; null when there is neither.
 */
function assignmentsRequest() {
  const file = $("exp-assign-file").files[0];
  if (file) {
    const mapping = Object.fromEntries(["unitId", "arm", "assignedAt"].map((key) => [key, $(`exp-map-${key}`).value]));
    return { file, mapping };
  }
  if (state.loadRequest?.url === SAMPLE.url || (!state.loadRequest && state.data)) {
    return { url: SAMPLE_ASSIGNMENTS.url, mapping: SAMPLE_ASSIGNMENTS.mapping };
  }
  return null;
}

/** The metrics' names in the sentences: the page's units are customers. */
const CUSTOMER_NAMES = {
  "experiment.orders_per_unit": "orders per customer",
  "experiment.revenue_per_unit": "revenue per customer",
};

/** An arm name that reads as the baseline of a test. */
const BASELINE_NAME = /^(control|baseline|ctrl|holdout|a|original|default)$/i;

/** The metric, window, baseline and test options of the assignments mode. */
function onTransactionsOptions() {
  const metric = $("exp-metric").value;
  const options = { ...readOptions(), metric, windowDays: Number($("exp-window").value) };
  if (CUSTOMER_NAMES[metric]) options.name = CUSTOMER_NAMES[metric];
  const baseline = $("exp-baseline").value;
  if (baseline) options.baseline = baseline;
  return options;
}

/**
 * Offers the result's arms as baselines. A new set of arms (another file) starts from an arm
 * named like a control, else the library's default (the first arm); recomputes when that
 * differs from the baseline used.
 */
function offerBaselines(result) {
  const select = $("exp-baseline");
  const names = result.arms.map((a) => a.name);
  const used = result.comparisons[0]?.baseline ?? names[0];
  const same = names.length === select.options.length && names.every((n, i) => select.options[i].value === n);
  if (same) return false;
  select.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
  const preferred = names.find((n) => BASELINE_NAME.test(n)) ?? used;
  select.value = preferred;
  return preferred !== used;
}

/** The experiment of the chosen source: experiment() on the arms, or the assignments measured on the transactions. */
async function compute() {
  if (source() === "counts") return runExperiment({ metric: "proportion", arms: readArms() }, readOptions());
  const request = assignmentsRequest();
  if (!request) {
    throw new Error("Choose an assignments CSV: the sample's assignments belong to the sample data, and your own data set is loaded.");
  }
  const { result } = await runExperimentOnTransactions({ ...request, options: onTransactionsOptions() });
  return result;
}

/** How many customers were measured, and how many left out because their window runs past the data (assignments mode). */
function renderUnitsNote(result) {
  const note = $("exp-units-note");
  note.hidden = !result.metricDefinition;
  if (!result.metricDefinition) return;
  const days = result.metricDefinition.params.windowDays;
  note.textContent =
    `${formatCount(result.includedUnits)} customers measured over the ${formatCount(days)} days after their assignment` +
    (result.excludedUnits > 0
      ? `; ${formatCount(result.excludedUnits)} left out because their window runs past the last transaction.`
      : ".");
}

/** Runs the experiment of the chosen source and shows the result. */
export async function computeExperiment() {
  const mine = ++generation;
  const box = $("exp-error");
  $("experiments").setAttribute("aria-busy", "true");
  try {
    const result = await compute();
    if (mine !== generation) return;
    if (result.metricDefinition && offerBaselines(result)) {
      computeExperiment();
      return;
    }
    state.experimentResult = result;
    box.hidden = true;
    renderSentences(result);
    renderUnitsNote(result);
    renderTables(result);
    renderSrm(result);
    $("exp-results").hidden = false;
    publish("experiment");
    await renderChart(result);
  } catch (err) {
    if (mine !== generation) return;
    state.experimentResult = null;
    $("exp-results").hidden = true;
    $("exp-srm").hidden = true;
    renderError(box, "Could not compute the experiment", err);
    publish("experiment");
  } finally {
    if (mine === generation) $("experiments").removeAttribute("aria-busy");
  }
}

/** Runs planExperiment() on the planner's fields. */
export async function computePlan() {
  const box = $("plan-error");
  const input = {
    metric: "proportion",
    baselineRate: Number($("plan-rate").value) / 100,
    mde: Number($("plan-mde").value) / 100,
    unitsPerDay: Number($("plan-per-day").value),
  };
  try {
    const plan = await runPlan(input);
    state.planResult = plan;
    box.hidden = true;
    $("plan-result").textContent =
      `${formatCount(plan.unitsPerArm)} visitors per arm (${formatCount(plan.totalUnits)} in all) detect a ` +
      `${percent(input.mde)} lift on a ${percent(input.baselineRate)} conversion rate with 80 % power at 5 % significance: ` +
      `${formatCount(plan.days)} days at ${formatCount(input.unitsPerDay)} visitors a day.`;
  } catch (err) {
    state.planResult = null;
    $("plan-result").textContent = "";
    renderError(box, "Could not plan the test", err);
  }
  publish("experiment");
}

function openExperimentDefinition(key) {
  if (key === "plan") {
    const def = definitions["experiment.plan"];
    if (def) showDefinition(def, formatParams(state.planResult?.definition.params));
    return;
  }
  const result = state.experimentResult;
  if (key === "metric") {
    const def = definitions[result?.metricDefinition?.metric];
    if (def) showDefinition(def, formatParams(result.metricDefinition.params));
    return;
  }
  const def = definitions[result?.definition.metric ?? "experiment.frequentist"];
  if (def) showDefinition(def, formatParams(result?.definition.params));
}

/** Shows the chosen source's inputs; recomputes. */
function onSourceChange() {
  const assignments = source() === "assignments";
  $("exp-counts").hidden = assignments;
  $("exp-add-arm").hidden = assignments;
  $("exp-assign").hidden = !assignments;
  $("exp-metric-def").hidden = !assignments;
  computeExperiment();
}

/** Forgets the arms offered as baselines (another file or arm column has other arms). */
function resetBaselines() {
  $("exp-baseline").replaceChildren();
}

/** Reads the header of a chosen assignments file and suggests its columns. */
async function onAssignmentsFileChosen() {
  resetBaselines();
  const usable = await offerMapping($("exp-assign-file"), $("exp-mapping"), "exp-map-", ASSIGN_SUGGEST, new Set());
  // A usable file, or none (the sample's assignments again).
  if (usable || !$("exp-assign-file").files[0]) computeExperiment();
}

/** The window's bounds are the library's (`windowDays` of the experiment metrics). */
function wireWindow() {
  const p = param("experiment.conversion", "windowDays");
  const input = $("exp-window");
  if (p.min != null) input.min = String(p.min);
  if (p.max != null) input.max = String(p.max);
  // The sample's treatment acted for 30 days (the library's default window is 14).
  input.value = String(SAMPLE_ASSIGNMENTS.windowDays);
}

/** Recomputes an experiment measured on the transactions after another data set loads. */
export function refreshExperimentOnData() {
  if (source() === "assignments") return computeExperiment();
  return Promise.resolve();
}

/** Loads the sample arms into the form and the section's event handlers. */
export async function wireExperiments() {
  const sample = await (await fetch(SAMPLE_URL)).json();
  $("exp-arm-rows").replaceChildren(...sample.arms.map(armRow));
  $("exp-per-day").value = String(sample.unitsPerDay);
  definitions = await fetchDefinitions(DEFINITIONS);
  $("exp-form").addEventListener("submit", (event) => {
    event.preventDefault();
    computeExperiment();
  });
  $("exp-method").addEventListener("change", computeExperiment);
  wireWindow();
  $("exp-source").addEventListener("change", onSourceChange);
  $("exp-assign-file").addEventListener("change", onAssignmentsFileChosen);
  for (const id of ["exp-metric", "exp-window", "exp-baseline"]) $(id).addEventListener("change", computeExperiment);
  for (const id of ["exp-map-unitId", "exp-map-arm", "exp-map-assignedAt"]) {
    $(id).addEventListener("change", () => {
      resetBaselines();
      computeExperiment();
    });
  }
  $("exp-add-arm").addEventListener("click", () => {
    const rows = $("exp-arm-rows");
    rows.append(armRow({ name: `variant ${rows.rows.length}`, n: "", conversions: "" }, rows.rows.length));
    rows.lastElementChild.querySelector('[data-field="n"]').focus();
  });
  $("exp-plan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    computePlan();
  });
  $("experiments").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-exp-def]");
    if (button) openExperimentDefinition(button.dataset.expDef);
  });
  await Promise.all([computeExperiment(), computePlan()]);
}
