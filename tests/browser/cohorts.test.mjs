// End-to-end test of the dashboard's cohorts section (www/) in a real headless Chromium.
//
//   node --test --test-timeout=600000 tests/browser/cohorts.test.mjs
//
// The page computes the cohort matrix with cohorts() in its Web Worker; this test runs the same
// call in Node (pkg/node.js) on the same file with the same options and requires the heatmap's
// table to show the same numbers, incomplete cells blank. The retention panel must reproduce
// Fader & Hardie's (2007) published sBG fit of the "regular" cohort, and refuse the sample's
// non-contractual cohorts with the library's coded error.
// Screenshots go to /tmp/cohorts/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, cohorts, fitShiftedBetaGeometric, getDefinition } from "../../pkg/node.js";
import { assertDefinitionDialog, definitionOf, openDashboard, waitForSection } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const screenshots = "/tmp/cohorts";
const TX_CSV = readFileSync(`${root}www/data/transactions.csv`);

// The mapping the dashboard uses for its sample data (www/app/state.js).
const TX_MAPPING = {
  customerId: "customer_id",
  timestamp: "order_date",
  amount: "amount",
  orderId: "order_id",
  channel: "channel",
};

/** Fader & Hardie (2007), "How to project customer retention": the regular cohort and its fit. */
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
const PUBLISHED = { alpha: 0.704, beta: 1.182 };

const FORMATS = {
  percent: new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  currency: new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  count: new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }),
};
const FORMAT_OF = { retention: "percent", revenue: "currency", margin: "currency", customers: "count" };

const month = (ms) => new Date(ms).toISOString().slice(0, 7);

describe("dashboard cohorts section", { timeout: 300_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  const waitForCohorts = (options, state = "ready") =>
    waitForSection(page, { stateKey: "cohortsState", global: "__unimetricCohorts" }, options, state);

  /** The matrix table's rows as text (the table sits in a closed <details>: text content). */
  const tableRows = () =>
    page.locator("#cohort-matrix-rows tr").evaluateAll((rows) => rows.map((tr) => [...tr.children].map((c) => c.textContent)));

  /** The page's table against cohorts() in Node for these settings. */
  async function assertTableMatchesNode(measure, by, extra = {}) {
    const expected = cohorts(tx, { measure, maxAge: 24, ...(by ? { by } : {}), ...extra });
    const width = expected.ages.length;
    const rows = await tableRows();
    assert.equal(rows.length, expected.cohortStart.length, "rows");
    const head = await page.locator("#cohort-matrix-head th").allTextContents();
    assert.deepEqual(head, ["Cohort", "Customers", ...Array.from(expected.ages, (a) => `Month ${a}`)]);
    let incomplete = 0;
    rows.forEach((cells, r) => {
      const label = by ? `${month(expected.cohortStart[r])} · ${expected.channel[r]}` : month(expected.cohortStart[r]);
      assert.equal(cells[0], label);
      assert.equal(cells[1], FORMATS.count.format(expected.cohortSize[r]));
      for (let a = 0; a < width; a++) {
        const i = r * width + a;
        if (!expected.complete[i]) {
          assert.equal(cells[2 + a], "", `${label}, month ${a} is not yet observed: blank`);
          incomplete++;
        } else {
          assert.equal(cells[2 + a], FORMATS[FORMAT_OF[measure]].format(expected.values[i]), `${label}, month ${a}`);
        }
      }
    });
    assert.ok(incomplete > 0, "the sample has cells not yet observed");
    // The raw result the page holds is the library's, with null where incomplete.
    const fromPage = await page.evaluate(() => window.__unimetricCohorts.matrix);
    assert.deepEqual(fromPage.values, Array.from(expected.values, (v, i) => (expected.complete[i] ? v : null)));
    assert.deepEqual(fromPage.definition, expected.definition);
    return expected;
  }

  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    tx = Transactions.fromCsv(TX_CSV, TX_MAPPING);
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("shows the retention heatmap and its table as computed in Node", async () => {
    await page.goto(`${base}/`);
    await waitForCohorts({ measure: "retention", by: "" });
    assert.equal(await page.locator("#cohort-measure").inputValue(), "retention");
    assert.equal(await page.locator("#cohort-by").inputValue(), "");
    const expected = await assertTableMatchesNode("retention", null);
    assert.equal(expected.cohortStart.length, 24);
    await page.locator("#cohort-heatmap canvas").first().waitFor();
    assert.match(await page.locator("#cohort-heatmap").getAttribute("aria-label"), /^Heatmap of retention for 24 cohort rows \(2024-01 to 2025-12\)/);
    assert.match(await page.locator(".cohort-legend").innerText(), /not yet fully\s+observed.*not counted as 0/s);
    await page.locator("#cohort-heatmap").scrollIntoViewIfNeeded();
    await page.locator("#cohort-heatmap").hover({ position: { x: 200, y: 200 } });
  });

  it("opens the cohort matrix definition with the parameters in effect", async () => {
    await assertDefinitionDialog(page, page.getByRole("button", { name: definitionOf("Cohort matrix") }), getDefinition("cohort.matrix"), [
      '"retention"',
      "24",
      '"month"',
    ]);
  });

  it("shows revenue after switching the measure, and keeps it in the URL", async () => {
    await page.locator("#cohort-measure").selectOption("revenue");
    await waitForCohorts({ measure: "revenue", by: "" });
    assert.equal(new URL(page.url()).searchParams.get("cohortMeasure"), "revenue");
    await assertTableMatchesNode("revenue", null);
  });

  it("shows the margin measure at the lifetime value section's margin, and follows it", async () => {
    await page.locator("#cohort-measure").selectOption("margin");
    await waitForCohorts({ measure: "margin", by: "", margin: 0.3 });
    await assertTableMatchesNode("margin", null, { margin: 0.3 });
    assert.match(await page.locator("#cohort-heatmap-help").innerText(), /at a 30% gross margin/);
    await page.locator("#clv-margin").fill("50");
    await page.locator("#clv-margin").dispatchEvent("change");
    await waitForCohorts({ measure: "margin", by: "", margin: 0.5 });
    await assertTableMatchesNode("margin", null, { margin: 0.5 });
    await page.waitForFunction(() => document.body.dataset.ltvState === "ready");
    await page.locator("#clv-margin").fill("30");
    await page.locator("#clv-margin").dispatchEvent("change");
    await waitForCohorts({ measure: "margin", by: "", margin: 0.3 });
    await page.waitForFunction(() => document.body.dataset.ltvState === "ready");
    await page.locator("#cohort-measure").selectOption("revenue");
    await waitForCohorts({ measure: "revenue", by: "" });
  });

  it("labels the rows with the channel when split by acquisition channel, and keeps both after reload", async () => {
    await page.locator("#cohort-by").selectOption("channel");
    await waitForCohorts({ measure: "revenue", by: "channel" });
    assert.equal(new URL(page.url()).searchParams.get("cohortBy"), "channel");
    const expected = await assertTableMatchesNode("revenue", "channel");
    assert.ok(expected.channel.includes("email"));
    const labels = (await tableRows()).map((cells) => cells[0]);
    assert.ok(labels.includes("2024-03 · email"), "a row is labelled 2024-03 · email");
    await page.locator("#cohort-heatmap canvas").first().waitFor();
    await page.locator("#cohort-heatmap-section").screenshot({ path: `${screenshots}/cohorts-channel-1280.png` });

    await page.reload();
    await waitForCohorts({ measure: "revenue", by: "channel" });
    assert.equal(await page.locator("#cohort-measure").inputValue(), "revenue");
    assert.equal(await page.locator("#cohort-by").inputValue(), "channel");
    await assertTableMatchesNode("revenue", "channel");

    await page.locator("#cohort-measure").selectOption("retention");
    await waitForCohorts({ measure: "retention", by: "channel" });
    await page.locator("#cohort-by").selectOption("");
    await waitForCohorts({ measure: "retention", by: "" });
    assert.equal(new URL(page.url()).searchParams.get("cohortBy"), null);
  });

  it("fits the published regular cohort: α ≈ 0.704, β ≈ 1.182", async () => {
    await page.waitForFunction(() => document.body.dataset.retentionState === "ready" && window.__unimetricCohorts?.retention);
    assert.equal(await page.locator("#retention-survivors").inputValue(), REGULAR.join(", "));
    assert.equal(await page.locator("#retention-period").inputValue(), "year");
    assert.equal(await page.locator("#retention-horizon").inputValue(), "12");
    const { retention } = await page.evaluate(() => window.__unimetricCohorts);
    assert.equal(Number(retention.params.alpha.toFixed(3)), PUBLISHED.alpha);
    assert.equal(Number(retention.params.beta.toFixed(3)), PUBLISHED.beta);
    const facts = await page.locator("#retention-facts").innerText();
    assert.match(facts, /0\.704/);
    assert.match(facts, /1\.182/);
    // α < 1: the sBG's mean lifetime is infinite.
    assert.match(facts, /no finite mean/);

    const model = fitShiftedBetaGeometric({ survivors: REGULAR }, { model: "sbg", period: "year" });
    try {
      const curve = Array.from(model.survivalCurve(12));
      assert.deepEqual(retention.curve, curve);
      assert.equal(retention.derl, model.derl(0.1, 0));
      assert.match(facts, new RegExp(FORMATS.currency.format(model.derl(0.1, 0)).replace(".", "\\.")));
      const rows = await page.locator("#retention-rows tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.equal(rows.length, 13);
      rows.forEach((cells, t) => {
        assert.equal(cells[1], t < REGULAR.length ? FORMATS.percent.format(REGULAR[t] / REGULAR[0]) : "");
        assert.equal(cells[2], FORMATS.percent.format(curve[t]));
      });
    } finally {
      model.free();
    }
    await page.locator("#retention-chart canvas").first().waitFor();
    await assertDefinitionDialog(
      page,
      page.getByRole("button", { name: definitionOf("Shifted-beta-geometric retention model") }),
      getDefinition("retention.sbg"),
      ['"year"', "0.1"],
    );
  });

  it("takes 1280 px screenshots", async () => {
    await page.locator("#cohorts").screenshot({ path: `${screenshots}/cohorts-1280.png` });
  });

  it("shows the coded error with an explanation for the heatmap's cohorts", async () => {
    await page.getByRole("button", { name: "Use the heatmap’s cohorts" }).click();
    await page.waitForFunction(() => document.body.dataset.retentionState === "error");
    const error = page.locator("#retention-error");
    assert.equal(await error.locator(".error-code").innerText(), "E_OUT_OF_RANGE");
    assert.match(await error.innerText(), /customers who skipped a month come back/);
    const lines = (await page.locator("#retention-survivors").inputValue()).split("\n");
    assert.ok(lines.length > 1, "one survivor row per cohort");
    // The first row is the first cohort's complete active-customer counts.
    const expected = cohorts(tx, { measure: "customers", maxAge: 24 });
    const width = expected.ages.length;
    const first = [];
    for (let a = 0; a < width && expected.complete[a]; a++) first.push(expected.values[a]);
    assert.equal(lines[0], first.join(", "));
    assert.equal(await page.locator("#retention-period").inputValue(), "month");
    assert.equal(await page.evaluate(() => window.__unimetricCohorts.retentionError.code), "E_OUT_OF_RANGE");
    await page.locator("#retention-section").screenshot({ path: `${screenshots}/retention-error-1280.png` });
  });

  it("flags survivors that are not whole numbers, then fits BdW from the form", async () => {
    await page.locator("#retention-survivors").fill("1000, six hundred");
    await page.getByRole("button", { name: "Fit", exact: true }).click();
    await page.locator("#retention-survivors-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#retention-survivors").getAttribute("aria-invalid"), "true");
    await page.locator("#retention-survivors").fill(REGULAR.join(", "));
    await page.locator("#retention-period").selectOption("year");
    await page.locator("#retention-model").selectOption("bdw");
    await page.getByRole("button", { name: "Fit", exact: true }).click();
    await page.waitForFunction(() => document.body.dataset.retentionState === "ready" && window.__unimetricCohorts.retention?.model === "bdw");
    assert.equal(await page.locator("#retention-error").isHidden(), true);
    assert.equal(await page.locator("#retention-survivors-error").isHidden(), true);
    assert.match(await page.locator("#retention-facts").innerText(), /c \(Weibull shape\)/);
  });

  it("scrolls the heatmap in its own box at 390 px, with no page overflow", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      box: document.querySelector(".cohort-heatmap-scroll").clientWidth,
      chart: document.querySelector("#cohort-heatmap").scrollWidth,
    }));
    assert.ok(widths.page <= widths.client, `page is ${widths.page} px wide at ${widths.client} px`);
    assert.ok(widths.chart > widths.box, "the heatmap keeps its cell size and scrolls");
    await page.locator("#cohorts").screenshot({ path: `${screenshots}/cohorts-390.png` });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
