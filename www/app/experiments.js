// The experiments section: each arm's visitors and conversions → the library's experiment()
// (Welch test, sequential confidence sequence or Bayesian posterior, SRM check) and
// planExperiment() for the planner. Needs no loaded data set; the sample is
// www/data/experiment.json (a simulated test with a known lift, scripts/experiment-sample.mjs).

import { PALETTE, chartIn } from "./chart.js";
import { fetchDefinitions, runExperiment, runPlan } from "./engine.js";
import { $, FORMATS, formatCount, h } from "./format.js";
import { publish, state } from "./state.js";
import { formatParams, renderError, showDefinition } from "./ui.js";

const SAMPLE_URL = "/data/experiment.json";
const DEFINITIONS = ["experiment.frequentist", "experiment.sequential", "experiment.bayesian", "experiment.srm", "experiment.plan"];
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
  $("exp-arms-rows").replaceChildren(
    ...result.arms.map((a) =>
      h("tr", {}, h("th", { scope: "row" }, a.name), h("td", {}, formatCount(a.n)), h("td", {}, percent(a.mean))),
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

/** Runs experiment() on the arms in the form and shows the result. */
export async function computeExperiment() {
  const mine = ++generation;
  const box = $("exp-error");
  $("experiments").setAttribute("aria-busy", "true");
  try {
    const result = await runExperiment({ metric: "proportion", arms: readArms() }, readOptions());
    if (mine !== generation) return;
    state.experimentResult = result;
    box.hidden = true;
    renderSentences(result);
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
  const def = definitions[result?.definition.metric ?? "experiment.frequentist"];
  if (def) showDefinition(def, formatParams(result?.definition.params));
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
