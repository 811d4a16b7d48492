// End-to-end test of the dashboard's lifetime value section (www/) in a real headless Chromium.
//
//   node --test tests/browser/
//
// The page fits BG/NBD and Gamma-Gamma on a weekly summary, computes predictive CLV and the
// historical cohort curves with the WebAssembly build in its Web Worker; this test runs the same
// calls in Node (pkg/node.js) on the same file with the same options and requires the page's raw
// results, its tiles, top-customer table and parameter tables to agree with them.
// Screenshots go to tests/artifacts/ (git-ignored).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, clv, fitBgNbd, fitGammaGamma, fitParetoNbd, getDefinition, historicalLtv } from "../../pkg/node.js";
import { definitionOf, openDashboard, waitForSection, assertDefinitionDialog as harnessDialog, assertShown, parseShown } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const TX_CSV = readFileSync(`${root}www/data/transactions.csv`);

// The mapping the dashboard uses for its sample data.
const TX_MAPPING = {
  customerId: "customer_id",
  timestamp: "order_date",
  amount: "amount",
  orderId: "order_id",
  channel: "channel",
};

/** The page's settings for a bare URL: the library's defaults except a 30% margin. */
const DEFAULTS = { horizonMonths: 12, discountConvention: "monthlyDiscrete", rate: 0.01, margin: 0.3, model: "ltv.bgnbd" };

/** Half of the smallest step the page shows, plus float slack. */
const TOLERANCE = {
  currency: 0.005 + 1e-9,
  decimal: 0.005 + 1e-9,
  probability: 0.0005 + 1e-12,
  score: 0.0005 + 1e-12,
  ratePercent: 0.005 + 1e-12,
};

/** The options the page passes to clv() for its settings. */
function clvOptionsFor({ horizonMonths, discountConvention, rate, margin }) {
  const rateKey = discountConvention === "continuous" ? "continuousRate" : "discountRate";
  return { horizonMonths, discountConvention, margin, [rateKey]: rate };
}

/** The same computation as the page, in Node, with the same options. */
function nodeLtv(tx, options) {
  const summary = tx.summary({ period: "week" });
  let purchases;
  let spend;
  let models = null;
  let modelsError = null;
  try {
    const pareto = options.model === "ltv.pareto_nbd";
    purchases = pareto ? fitParetoNbd(summary) : fitBgNbd(summary, {});
    spend = fitGammaGamma(summary, {});
    const v = clv(purchases, spend, summary, clvOptionsFor(options));
    const fitted = { ...purchases.toJSON(), definition: purchases.definition };
    const order = Array.from(v.clv.keys()).sort((a, b) => v.clv[b] - v.clv[a] || a - b);
    models = {
      clv: v,
      order,
      mean: v.clv.reduce((s, x) => s + x, 0) / v.clv.length,
      purchases: fitted,
      bgnbd: pareto ? null : fitted,
      gammaGamma: { ...spend.toJSON(), definition: spend.definition },
    };
  } catch (err) {
    modelsError = err;
  } finally {
    spend?.free();
    purchases?.free();
    summary.free();
  }
  return { models, modelsError, historical: historicalLtv(tx, { marginRate: options.margin }) };
}


/** Four significant digits: half a unit in the fourth digit. */
const assertSignificant = (text, want, what) => assertShown(text, want, Math.abs(want) * 5e-4 + 1e-12, what);

const plainCohorts = (historical) => historical.cohorts.map((c) => ({ ...c, cumulative: Array.from(c.cumulative) }));



describe("dashboard lifetime value section", { timeout: 120_000 }, () => {
  let server;
  let close;
  let base;
  let browser;
  let page;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  const shot = (name) => page.locator("#lifetime").screenshot({ path: `${artifacts}/${name}.png` });

  /** Waits until the LTV section settles (`state`) for exactly these settings. */
  const waitForLtv = (options, state = "ready") =>
    waitForSection(page, { stateKey: "ltvState", global: "__unimetricLtv" }, options, state);

  /** Leave a page only once its last section is drawn, so no request is cut off by the navigation. */
  const settle = () => page.waitForFunction(() => ["ready", "unavailable", "error"].includes(document.body.dataset.segmentsState));

  /** Compares the raw results, the tiles, the top table and the parameter tables with Node. */
  async function assertLtvMatchesNode(options) {
    const expected = nodeLtv(tx, options);
    const { models } = expected;
    const fromPage = await page.evaluate(() => window.__unimetricLtv);
    assert.deepEqual(fromPage.options, options);
    assert.deepEqual(fromPage.clvOptions, clvOptionsFor(options));
    assert.equal(fromPage.period, "week");
    for (const key of ["clv", "probabilityAlive", "noRepeatPurchase", "expectedPurchases", "expectedSpend", "discountFactor"]) {
      assert.deepEqual(fromPage.clv[key], Array.from(models.clv[key]), `clv().${key} differs from Node`);
    }
    assert.deepEqual(fromPage.clv.customerId, Array.from(models.clv.customerId));
    assert.equal(fromPage.clv.total, models.clv.total);
    assert.equal(fromPage.clv.margin, options.margin);
    assert.deepEqual(fromPage.clv.definition, models.clv.definition);
    assert.deepEqual(fromPage.bgnbd, models.bgnbd, "fitBgNbd() differs from Node");
    assert.deepEqual(fromPage.purchases, models.purchases, "the purchase model differs from Node");
    assert.deepEqual(fromPage.gammaGamma, models.gammaGamma, "fitGammaGamma() differs from Node");
    assert.equal(fromPage.averageClv, models.mean);
    assert.deepEqual(fromPage.historical.cohorts, plainCohorts(expected.historical), "historicalLtv() differs from Node");
    assert.deepEqual(fromPage.historical.definition, expected.historical.definition);

    // Tiles: the mean of the CLV column and the library's total, with ltv.clv's version.
    const def = getDefinition("ltv.clv");
    const average = page.locator('#clv-tiles .tile[data-kpi="averageClv"]');
    assert.equal(await average.locator(".tile-name").innerText(), "Average CLV");
    assert.equal(await average.locator(".tile-def").innerText(), `ltv.clv v${def.version}`);
    assertShown(await average.locator(".tile-value").innerText(), models.mean, TOLERANCE.currency, "average CLV tile");
    const total = page.locator('#clv-tiles .tile[data-kpi="totalClv"] .tile-value');
    assertShown(await total.innerText(), models.clv.total, TOLERANCE.currency, "total CLV tile");

    // Top 20 by CLV, with the breakdown; the first five checked cell by cell.
    const rows = page.locator("#clv-top-rows tr");
    assert.equal(await rows.count(), Math.min(20, models.order.length));
    assert.deepEqual(fromPage.top, models.order.slice(0, 20).map((i) => models.clv.customerId[i]));
    for (let k = 0; k < 5; k++) {
      const i = models.order[k];
      const v = models.clv;
      const cells = await rows.nth(k).locator("th, td").allInnerTexts();
      assert.equal(cells[0], String(v.customerId[i]), `top row ${k + 1} id`);
      assert.equal(cells[1].includes("no repeat"), v.noRepeatPurchase[i] === 1, `top row ${k + 1} no-repeat flag`);
      assertShown(cells[1].replace("no repeat", "").trim(), v.probabilityAlive[i], TOLERANCE.probability, `top row ${k + 1} P(alive)`);
      assertShown(cells[2], v.expectedPurchases[i], TOLERANCE.decimal, `top row ${k + 1} expected purchases`);
      assertShown(cells[3], v.expectedSpend[i], TOLERANCE.currency, `top row ${k + 1} expected spend`);
      assertShown(cells[4], v.margin, TOLERANCE.ratePercent, `top row ${k + 1} margin`);
      assertShown(cells[5], v.discountFactor[i], TOLERANCE.score, `top row ${k + 1} discount factor`);
      assertShown(cells[6], v.clv[i], TOLERANCE.currency, `top row ${k + 1} CLV`);
    }

    // Model parameters with standard errors.
    const params = [
      ["bgnbd", models.purchases, models.bgnbd ? ["r", "alpha", "a", "b"] : ["r", "alpha", "s", "beta"]],
      ["gg", models.gammaGamma, ["p", "q", "v"]],
    ];
    for (const [table, model, names] of params) {
      for (const name of names) {
        const cells = await page.locator(`#${table}-rows tr[data-param="${name}"]`).locator("th, td").allInnerTexts();
        assertSignificant(cells[1], model.params[name], `${table} ${name}`);
        if (model.stdErrors[name] !== null) assertSignificant(cells[2], model.stdErrors[name], `${table} ${name} SE`);
        else assert.equal(cells[2], "—");
      }
    }
    const correlation = models.gammaGamma.frequencySpendCorrelation;
    const fit = await page.locator("#gg-fit").innerText();
    const shown = fit.match(/frequency–spend correlation (-?[\d.]+)/);
    assert.ok(shown, fit);
    assertShown(shown[1], correlation, TOLERANCE.score, "frequency–spend correlation");

    // Cohort curves: the last 12 cohorts, in the table as well.
    const cohorts = expected.historical.cohorts.slice(-12);
    assert.deepEqual(fromPage.historical.shown, cohorts.map((c) => c.month));
    assert.equal(await page.locator("#cohort-rows tr").count(), cohorts.length);
    const last = cohorts.at(-1);
    // The table sits in a closed <details>: read its text content.
    const lastCells = await page.locator(`#cohort-rows tr[data-cohort="${last.month}"]`).locator("th, td").allTextContents();
    assert.equal(parseShown(lastCells[1]).value, last.customers);
    assertShown(lastCells[4], last.cumulative.at(-1), TOLERANCE.currency, "last cohort to date");
    return expected;
  }

  const assertDefinitionDialog = (button, id, inEffect) => harnessDialog(page, button, getDefinition(id), inEffect);

  /** Changes a field as a keyboard user would, and waits for the URL to record it. */
  async function change(selector, value, urlPattern) {
    await page.locator(selector).fill(value);
    await page.locator(selector).press("Tab");
    await page.waitForURL(urlPattern);
  }

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(TX_CSV, TX_MAPPING);

    ({ server, base, browser, page, close } = await openDashboard({ consoleErrors, badRequests }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("shows CLV, its breakdown, the models and the cohort curves computed in Node", async () => {
    await page.goto(`${base}/`);
    await waitForLtv(DEFAULTS);
    assert.equal(await page.locator("#clv-horizon").inputValue(), "12");
    assert.equal(await page.locator("#clv-convention").inputValue(), "monthlyDiscrete");
    assert.equal(await page.locator("#clv-rate").inputValue(), "1");
    assert.equal(await page.locator("#clv-margin").inputValue(), "30");
    assert.match(await page.locator("#clv-rate-label").innerText(), /% per month/);
    await assertLtvMatchesNode(DEFAULTS);

    for (const id of ["clv-histogram", "cohort-chart"]) await page.locator(`#${id} canvas`).first().waitFor();
    assert.match(await page.locator("#clv-histogram").getAttribute("aria-label"), /^Histogram of predicted CLV for 5,000 customers/);
    assert.match(await page.locator("#cohort-chart").getAttribute("aria-label"), /one line per cohort/);
    const bins = await page.locator("#clv-bins-rows tr td").allTextContents();
    assert.equal(bins.reduce((sum, text) => sum + parseShown(text).value, 0), 5000, "the histogram counts every customer");
    // The charts' tooltips must draw without tripping the CSP (checked in the last test).
    await page.locator("#clv-histogram").scrollIntoViewIfNeeded();
    await page.locator("#clv-histogram").hover({ position: { x: 120, y: 200 } });
    await page.locator("#cohort-chart").scrollIntoViewIfNeeded();
    await page.locator("#cohort-chart").hover({ position: { x: 300, y: 180 } });
    await shot("ltv");
  });

  it("opens the lifetime value definitions from the keyboard", async () => {
    const tile = page.locator('#clv-tiles .tile[data-kpi="averageClv"]');
    await assertDefinitionDialog(tile.getByRole("button", { name: /Definition/ }), "ltv.clv", ['"monthlyDiscrete"', "0.3", "12"]);
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("Predictive customer lifetime value") }),
      "ltv.clv",
      ["0.01"],
    );
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("BG/NBD purchase model") }), "ltv.bgnbd", [
      '"week"',
    ]);
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("Gamma-Gamma spend model") }), "ltv.gamma_gamma");
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("Historical LTV") }), "ltv.historical", ["0.3"]);
  });

  it("recomputes for another horizon, convention and margin, records them in the URL and matches Node", async () => {
    const before = await page.locator('#clv-tiles .tile[data-kpi="averageClv"] .tile-value').innerText();
    await change("#clv-horizon", "24", /[?&]clvHorizon=24(&|$)/);
    await waitForLtv({ ...DEFAULTS, horizonMonths: 24 });
    await assertLtvMatchesNode({ ...DEFAULTS, horizonMonths: 24 });
    const after = await page.locator('#clv-tiles .tile[data-kpi="averageClv"] .tile-value').innerText();
    assert.notEqual(after, before, "the average CLV changes with the horizon");

    // The continuous convention starts from its own default rate, 10% a year.
    await page.locator("#clv-convention").selectOption("continuous");
    await page.waitForURL(/[?&]clvConvention=continuous(&|$)/);
    assert.match(page.url(), /[?&]clvRate=0\.1(&|$)/);
    const continuous = { horizonMonths: 24, discountConvention: "continuous", rate: 0.1, margin: 0.3, model: "ltv.bgnbd" };
    await waitForLtv(continuous);
    assert.equal(await page.locator("#clv-rate").inputValue(), "10");
    assert.match(await page.locator("#clv-rate-label").innerText(), /% per year/);
    await assertLtvMatchesNode(continuous);

    await change("#clv-rate", "20", /[?&]clvRate=0\.2(&|$)/);
    await waitForLtv({ ...continuous, rate: 0.2 });
    await assertLtvMatchesNode({ ...continuous, rate: 0.2 });

    await change("#clv-margin", "50", /[?&]clvMargin=0\.5(&|$)/);
    const final = { ...continuous, rate: 0.2, margin: 0.5 };
    await waitForLtv(final);
    await assertLtvMatchesNode(final);
    assert.match(page.url(), /[?&]clvHorizon=24&clvConvention=continuous&clvRate=0\.2&clvMargin=0\.5(&|$)/);
  });

  it("refuses an invalid margin inline and keeps the numbers", async () => {
    const url = page.url();
    const before = await page.evaluate(() => window.__unimetricLtv.averageClv);
    await page.locator("#clv-margin").fill("0");
    await page.locator("#clv-margin").press("Tab");
    await page.locator("#clv-margin-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#clv-margin").getAttribute("aria-invalid"), "true");
    assert.equal(page.url(), url);
    assert.equal(await page.evaluate(() => window.__unimetricLtv.averageClv), before);
    await page.locator("#clv-margin").fill("50");
    await page.locator("#clv-margin").press("Tab");
    await page.locator("#clv-margin-error").waitFor({ state: "hidden" });
  });

  it("reproduces the numbers from a shared link", async () => {
    await settle();
    const shared = { horizonMonths: 6, discountConvention: "monthlyDiscrete", rate: 0.02, margin: 0.6, model: "ltv.bgnbd" };
    await page.goto(`${base}/?clvHorizon=6&clvConvention=monthlyDiscrete&clvRate=0.02&clvMargin=0.6`);
    await waitForLtv(shared);
    assert.equal(await page.locator("#clv-horizon").inputValue(), "6");
    assert.equal(await page.locator("#clv-rate").inputValue(), "2");
    assert.equal(await page.locator("#clv-margin").inputValue(), "60");
    await assertLtvMatchesNode(shared);
  });

  it("computes CLV on the Pareto/NBD model when it is chosen, as clv() does in Node", async () => {
    await settle();
    await page.goto(`${base}/`);
    await waitForLtv(DEFAULTS);
    await page.locator("#clv-model").selectOption("ltv.pareto_nbd");
    await page.waitForURL(/[?&]clvModel=ltv\.pareto_nbd(&|$)/);
    const pareto = { ...DEFAULTS, model: "ltv.pareto_nbd" };
    await waitForLtv(pareto);
    await assertLtvMatchesNode(pareto);
    const fromPage = await page.evaluate(() => window.__unimetricLtv);
    assert.equal(fromPage.clv.definition.params.purchaseModel, "ltv.pareto_nbd");
    assert.equal(fromPage.bgnbd, null);
    assert.equal(await page.locator("#bgnbd-heading").innerText(), "Pareto/NBD purchases");
    const keys = await page.locator("#bgnbd-rows tr th").allInnerTexts();
    assert.deepEqual(keys.map((k) => k.split(" ")[0]), ["r", "α", "s", "β"]);
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("Pareto/NBD purchase model") }), "ltv.pareto_nbd", []);
    // Reloading the link keeps the model.
    await page.reload();
    await waitForLtv(pareto);
    assert.equal(await page.locator("#clv-model").inputValue(), "ltv.pareto_nbd");
    // Back to the shared link the next test starts from.
    await settle();
    await page.goto(`${base}/?clvHorizon=6&clvConvention=monthlyDiscrete&clvRate=0.02&clvMargin=0.6`);
    await waitForLtv({ horizonMonths: 6, discountConvention: "monthlyDiscrete", rate: 0.02, margin: 0.6, model: "ltv.bgnbd" });
  });

  it("explains a model that cannot be fitted inline and keeps the cohort curves", async () => {
    await settle();
    const rows = [
      "Client,Purchase Date,Total",
      "ann,2024-03-01,20",
      "bob,2024-03-02,35.5",
      "ann,2024-04-11,15",
      "cid,2024-04-12,-5",
      "cid,2024-04-12,40",
    ];
    const buffer = Buffer.from(rows.join("\n"));
    const mapping = { customerId: "Client", timestamp: "Purchase Date", amount: "Total" };
    const own = Transactions.fromCsv(buffer, mapping);
    const options = { horizonMonths: 6, discountConvention: "monthlyDiscrete", rate: 0.02, margin: 0.6, model: "ltv.bgnbd" };
    let expected;
    try {
      expected = nodeLtv(own, options);
    } finally {
      own.free();
    }
    assert.equal(expected.modelsError?.code, "E_INSUFFICIENT_DATA");

    await page.locator("#upload summary").click();
    await page.setInputFiles("#file", { name: "mine.csv", mimeType: "text/csv", buffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => window.__unimetricLtv?.historical?.cohorts.length === 2);
    await waitForLtv(options, "unavailable");

    const notice = page.locator("#clv-unavailable");
    await notice.waitFor({ state: "visible" });
    const text = await notice.innerText();
    assert.ok(text.includes("E_INSUFFICIENT_DATA"), text);
    assert.ok(text.includes(expected.modelsError.message), text);
    assert.equal(await page.locator("#clv-error").isHidden(), true);
    assert.equal(await page.locator("#clv-body").isHidden(), true);
    assert.equal(await page.locator('#clv-tiles .tile[data-kpi="averageClv"] .tile-value').innerText(), "—");

    // The rest of the section and of the page still work.
    const fromPage = await page.evaluate(() => window.__unimetricLtv);
    assert.equal(fromPage.clv, null);
    assert.equal(fromPage.modelsError.code, "E_INSUFFICIENT_DATA");
    assert.deepEqual(fromPage.historical.cohorts, plainCohorts(expected.historical));
    assert.equal(await page.locator("#cohort-rows tr").count(), 2);
    await page.locator("#cohort-chart canvas").first().waitFor();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 3);
    assert.equal(await page.locator("#clv-horizon").isEnabled(), true);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
