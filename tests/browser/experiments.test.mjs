// End-to-end test of the dashboard's experiments section (www/) in a real headless Chromium.
//
//   node --test tests/browser/
//
// The page runs experiment() and planExperiment() in its Web Worker on the arms in its form; this
// test runs the same calls in Node (pkg/node.js) on the same numbers and requires the page's raw
// results, its sentence and table to agree. The sample arms come from
// scripts/experiment-sample.mjs, which simulates the test from a known truth; the test checks
// the file against that truth (a fair split, rates near 5.0 % and 5.5 %).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, experiment, experimentOnTransactions, getDefinition, planExperiment } from "../../pkg/node.js";
import { assertDefinitionDialog, openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const SAMPLE = JSON.parse(readFileSync(`${root}www/data/experiment.json`, "utf8"));
// The sample's experiment on its own customers (unimetric::sim::simulate_experiment): the
// treatment bought at 1.3 times their rate for 30 days, so orders per customer are +30 %.
const ASSIGNMENTS = readFileSync(`${root}www/data/assignments.csv`);
const SAMPLE_MAPPING = { unitId: "customer_id", arm: "variant", assignedAt: "assigned_at" };
const sampleTx = () =>
  Transactions.fromCsv(readFileSync(`${root}www/data/transactions.csv`), {
    customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel",
  });

const shown = (page) => page.evaluate(() => window.__unimetricExperiment);

describe("dashboard experiments section", { timeout: 90_000 }, () => {
  const consoleErrors = [];
  const badRequests = [];
  let base;
  let page;
  let close;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests }));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.__unimetricExperiment?.result && window.__unimetricExperiment?.plan, null, { timeout: 60_000 });
  });

  after(async () => {
    await close?.();
  });

  it("the sample is a fair split with rates near the simulated truth", () => {
    const [control, treatment] = SAMPLE.arms;
    const n = control.n + treatment.n;
    assert.equal(n, 24_000);
    // A fair coin: each arm within 3 standard deviations (√(n/4) ≈ 77) of n/2.
    assert.ok(Math.abs(control.n - n / 2) < 3 * Math.sqrt(n / 4), `${control.n}`);
    for (const [arm, rate] of [[control, 0.05], [treatment, 0.055]]) {
      const sd = Math.sqrt((rate * (1 - rate)) / arm.n);
      assert.ok(Math.abs(arm.conversions / arm.n - rate) < 3 * sd, `${arm.name} ${arm.conversions / arm.n}`);
    }
  });

  it("shows the sample test as Node computes it: sentence, table and no SRM warning", async () => {
    const want = experiment({ metric: "proportion", arms: SAMPLE.arms }, { method: "frequentist", unitsPerDay: SAMPLE.unitsPerDay });
    const got = (await shown(page)).result;
    assert.deepEqual(got, want);
    const c = want.comparisons[0];
    assert.equal(await page.locator("#exp-sentences p").first().innerText(), c.summary);
    const row = page.locator('#exp-comparisons-rows tr[data-arm="treatment"]');
    assert.match(await row.innerText(), new RegExp(`\\+${(c.estimate * 100).toFixed(2)}%`));
    assert.equal(await page.locator("#exp-srm").isHidden(), true);
    await page.locator("#exp-ci-chart canvas").waitFor();
    await page.locator("#experiments").screenshot({ path: `${artifacts}/experiments.png` });
  });

  it("warns of a sample-ratio mismatch when the split is off", async () => {
    // 12,022 vs 10,000 visitors with an even split planned: χ² ≈ 185, p far below 0.001.
    await page.getByLabel("Arm 2 visitors").fill("10000");
    await page.getByRole("button", { name: "Compute" }).click();
    await page.locator("#exp-srm").waitFor({ state: "visible" });
    const arms = [SAMPLE.arms[0], { ...SAMPLE.arms[1], n: 10000 }];
    const want = experiment({ metric: "proportion", arms }, { method: "frequentist", unitsPerDay: SAMPLE.unitsPerDay });
    assert.equal(want.srm.flagged, true);
    assert.deepEqual((await shown(page)).result, want);
    assert.match(await page.locator("#exp-srm").innerText(), /Sample-ratio mismatch/);
    await page.getByLabel("Arm 2 visitors").fill(String(SAMPLE.arms[1].n));
    await page.getByRole("button", { name: "Compute" }).click();
    await page.locator("#exp-srm").waitFor({ state: "hidden" });
  });

  it("switches to the Bayesian test and shows the chance to win", async () => {
    await page.locator("#exp-method").selectOption("bayesian");
    await page.waitForFunction(() => window.__unimetricExperiment?.result?.definition.metric === "experiment.bayesian");
    const want = experiment({ metric: "proportion", arms: SAMPLE.arms }, { method: "bayesian", unitsPerDay: SAMPLE.unitsPerDay });
    assert.deepEqual((await shown(page)).result, want);
    assert.match(await page.locator("#exp-comparisons-head").innerText(), /Chance to win/);
    await assertDefinitionDialog(
      page,
      page.locator("#exp-results").getByRole("button", { name: /Definition/ }),
      getDefinition("experiment.bayesian"),
      ['"bayesian"'],
    );
    await page.locator("#exp-method").selectOption("frequentist");
  });

  it("refuses impossible counts with the library's error and keeps working", async () => {
    await page.getByLabel("Arm 2 conversions").fill("20000");
    await page.getByRole("button", { name: "Compute" }).click();
    await page.locator("#exp-error").waitFor({ state: "visible" });
    assert.match(await page.locator("#exp-error").innerText(), /E_[A-Z_]+/);
    await page.getByLabel("Arm 2 conversions").fill(String(SAMPLE.arms[1].conversions));
    await page.getByRole("button", { name: "Compute" }).click();
    await page.locator("#exp-error").waitFor({ state: "hidden" });
    await page.locator("#exp-results").waitFor({ state: "visible" });
  });

  it("plans a test as planExperiment does", async () => {
    const want = planExperiment({ metric: "proportion", baselineRate: 0.05, mde: 0.1, unitsPerDay: 2000 });
    assert.deepEqual((await shown(page)).plan, want);
    await page.locator("#plan-mde").fill("20");
    await page.getByRole("button", { name: "Plan", exact: true }).click();
    const bigger = planExperiment({ metric: "proportion", baselineRate: 0.05, mde: 0.2, unitsPerDay: 2000 });
    await page.waitForFunction((n) => window.__unimetricExperiment?.plan?.unitsPerArm === n, bigger.unitsPerArm);
    assert.ok(bigger.unitsPerArm < want.unitsPerArm);
    assert.match(await page.locator("#plan-result").innerText(), new RegExp(`${bigger.days} days`));
  });

  it("measures the sample's assignments on the sample transactions as Node does, recovering the simulated +30 %", async () => {
    await page.locator("#exp-source").selectOption("assignments");
    await page.locator("#exp-metric").selectOption("experiment.orders_per_unit");
    await page.waitForFunction(() => window.__unimetricExperiment?.result?.metricDefinition?.metric === "experiment.orders_per_unit");
    assert.equal(await page.locator("#exp-window").inputValue(), "30");
    // The page names the metric per customer and takes the arm named control as the baseline.
    const options = {
      method: "frequentist", unitsPerDay: SAMPLE.unitsPerDay, metric: "experiment.orders_per_unit", windowDays: 30,
      name: "orders per customer", baseline: "control",
    };
    const tx = sampleTx();
    const want = experimentOnTransactions(ASSIGNMENTS, tx, { ...options, mapping: SAMPLE_MAPPING });
    tx.free();
    assert.deepEqual((await shown(page)).result, want);
    const [c] = want.comparisons;
    assert.ok(c.ci[0] < 0.3 && 0.3 < c.ci[1] && c.significant, JSON.stringify(c.ci));
    assert.equal(await page.locator("#exp-sentences p").first().innerText(), c.summary);
    assert.match(await page.locator("#exp-arms").innerText(), /Customers\s+Orders per customer/);
    assert.match(await page.locator("#exp-units-note").innerText(), /^4,126 customers measured over the 30 days/);
    assert.equal(await page.locator("#exp-srm").isHidden(), true);
    await assertDefinitionDialog(
      page,
      page.locator("#exp-metric-def"),
      getDefinition("experiment.orders_per_unit"),
      ["30"],
    );
    await page.locator("#experiments").screenshot({ path: `${artifacts}/experiments-assignments.png` });
  });

  it("reads an uploaded assignments file with other column names and semicolons, as Node does", async () => {
    // The sample's assignments renamed and re-delimited, with the conversion metric over 14 days.
    const own = `user;group;when\n${ASSIGNMENTS.toString("utf8").trim().split("\n").slice(1).map((l) => l.replaceAll(",", ";")).join("\n")}\n`;
    await page.locator("#exp-metric").selectOption("experiment.conversion");
    await page.locator("#exp-window").fill("14");
    await page.locator("#exp-window").dispatchEvent("change");
    await page.setInputFiles("#exp-assign-file", { name: "my-test.csv", mimeType: "text/csv", buffer: Buffer.from(own) });
    await page.locator("#exp-mapping").waitFor({ state: "visible" });
    for (const [key, column] of [["unitId", "user"], ["arm", "group"], ["assignedAt", "when"]]) {
      assert.equal(await page.locator(`#exp-map-${key}`).inputValue(), column, key);
    }
    const mapping = { unitId: "user", arm: "group", assignedAt: "when" };
    const options = { method: "frequentist", unitsPerDay: SAMPLE.unitsPerDay, metric: "experiment.conversion", windowDays: 14, baseline: "control" };
    const tx = sampleTx();
    const want = experimentOnTransactions(own, tx, { ...options, mapping });
    tx.free();
    await page.waitForFunction(
      (w) => window.__unimetricExperiment?.result?.metricDefinition?.params.windowDays === w && window.__unimetricExperiment?.result?.metricDefinition?.metric === "experiment.conversion",
      14,
    );
    assert.deepEqual((await shown(page)).result, want);
    // The baseline chooser offers the file's arms.
    await page.locator("#exp-baseline").selectOption("treatment");
    await page.waitForFunction(() => window.__unimetricExperiment?.result?.comparisons[0].baseline === "treatment");
    const tx2 = sampleTx();
    const flipped = experimentOnTransactions(own, tx2, { ...options, mapping, baseline: "treatment" });
    tx2.free();
    assert.deepEqual((await shown(page)).result, flipped);
    assert.equal(flipped.comparisons[0].arm, "control");
    // A column that is not a time: the library's coded error, and the section keeps working.
    await page.locator("#exp-map-assignedAt").selectOption("group");
    await page.locator("#exp-error").waitFor({ state: "visible" });
    assert.match(await page.locator("#exp-error").innerText(), /E_BAD_DATE/);
    await page.locator("#exp-map-assignedAt").selectOption("when");
    await page.locator("#exp-error").waitFor({ state: "hidden" });
    await page.setInputFiles("#exp-assign-file", []);
    await page.locator("#exp-source").selectOption("counts");
    await page.waitForFunction(() => !window.__unimetricExperiment?.result?.metricDefinition);
    assert.equal(await page.locator("#exp-assign").isHidden(), true);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
