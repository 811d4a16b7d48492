// End-to-end test of the dashboard's churn section (www/) in a real headless Chromium.
//
//   node --test tests/browser/
//
// The page computes churn features, fits the model and evaluates it with the WebAssembly build
// in its Web Worker; this test runs the same calls in Node (pkg/node.js) on the same file, with
// the same cutoffs and options, and requires the page's raw results, its tile, risk list,
// quality table, odds ratios and CSV download to agree with them.
// Screenshots go to tests/artifacts/ (git-ignored).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, churnFeatures, evaluateChurn, fitChurn, getDefinition } from "../../pkg/node.js";
import { definitionOf, openDashboard, assertDefinitionDialog as harnessDialog, assertShown, parseShown } from "./harness.mjs";

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

/** The page's settings for a bare URL: the library's defaults. */
const DEFAULTS = { horizonDays: 90, alpha: 1 };

/** Half of the smallest step the page shows, plus float slack. */
const TOLERANCE = {
  percent: 0.00005 + 1e-12, // tile: 60.01%
  probability: 0.0005 + 1e-12, // risk list: 99.8%
  score: 0.0005 + 1e-12, // AUC, log-loss, Brier: 0.815
  decimal: 0.005 + 1e-9, // odds ratios: 2.49
};

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * The cutoffs the page derives from the data: risk scored at the last transaction day, the
 * model fitted one horizon before it, the quality check trained two horizons before it and
 * tested one horizon before it.
 */
function cutoffsFor(tx, horizonDays) {
  const lastDay = Math.floor(tx.timeRange.last / DAY_MS) * DAY_MS;
  return {
    scoring: isoDay(lastDay),
    fit: isoDay(lastDay - horizonDays * DAY_MS),
    train: isoDay(lastDay - 2 * horizonDays * DAY_MS),
    test: isoDay(lastDay - horizonDays * DAY_MS),
  };
}

/** The same computation as the page, in Node, with the same cutoffs and options. */
function nodeChurn(tx, { horizonDays, alpha }) {
  const cutoffs = cutoffsFor(tx, horizonDays);
  const fitted = churnFeatures(tx, { cutoff: cutoffs.fit, horizonDays });
  const model = fitChurn(fitted, fitted.labels, { alpha });
  try {
    const scored = churnFeatures(tx, { cutoff: cutoffs.scoring, horizonDays });
    assert.equal(scored.labels, null, "churn at the last transaction day is a prediction, not a label");
    const probability = model.predict(scored).values;
    // Highest probability first; ties keep the library's customer order.
    const order = Array.from(probability.keys()).sort((a, b) => probability[b] - probability[a] || a - b);
    let evaluation = null;
    let evaluationError = null;
    try {
      evaluation = evaluateChurn(tx, { trainCutoff: cutoffs.train, testCutoff: cutoffs.test, horizonDays, alpha });
    } catch (err) {
      evaluationError = err;
    }
    return {
      cutoffs,
      churnRate: fitted.churnRate,
      customers: fitted.customerId.length,
      customerId: scored.customerId,
      probability,
      recencyDays: scored.customerId.map((_, row) => scored.values[row * scored.nCols + scored.names.indexOf("recencyDays")]),
      reasons: model.reasons(scored, 3),
      order,
      oddsRatios: model.oddsRatios,
      evaluation,
      evaluationError,
    };
  } finally {
    model.free();
  }
}


/** A CSV line split into fields (RFC 4180 quoting). */
function csvFields(line) {
  const fields = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}



describe("dashboard churn section", { timeout: 180_000 }, () => {
  let server;
  let close;
  let base;
  let browser;
  let page;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  /** The churn section only: it sits below the KPI and CAC sections, which have their own shots. */
  const shot = (name) => page.locator("#churn").screenshot({ path: `${artifacts}/${name}.png` });

  /** Waits until the churn section settles (`state`) for exactly these settings. */
  async function waitForChurn(options, state = "ready") {
    await page.waitForFunction(
      ({ want, state }) => {
        if (document.body.dataset.churnState !== state) return false;
        if (state !== "ready") return true;
        const got = window.__unimetricChurn?.options;
        return got !== undefined && Object.entries(want).every(([key, value]) => got[key] === value);
      },
      { want: options, state },
      { timeout: 30_000 },
    );
  }

  /** Leave a page only once its first chart is drawn, so no request is cut off by the navigation. */
  const settle = () => page.locator("#chart canvas").first().waitFor();

  /** Compares the raw results, the tile, the risk list, the quality table and the odds ratios with Node. */
  async function assertChurnMatchesNode(options) {
    const expected = nodeChurn(tx, options);
    const fromPage = await page.evaluate(() => window.__unimetricChurn);
    assert.deepEqual(fromPage.options, options);
    for (const key of ["scoring", "fit", "train", "test"]) {
      assert.equal(fromPage.cutoffs[key], expected.cutoffs[key], `${key} cutoff`);
    }
    assert.equal(fromPage.churnRate, expected.churnRate, "churn rate differs from Node");
    assert.equal(fromPage.customers, expected.customers);
    assert.equal(fromPage.scored, expected.customerId.length);
    assert.deepEqual(
      fromPage.top.map((row) => [row.customerId, row.probability, row.recencyDays, row.reasons]),
      expected.order
        .slice(0, 20)
        .map((i) => [expected.customerId[i], expected.probability[i], expected.recencyDays[i], expected.reasons[i]]),
      "the top 20 differ from Node",
    );
    assert.deepEqual(fromPage.model.oddsRatios, expected.oddsRatios, "odds ratios differ from Node");
    assert.deepEqual(fromPage.evaluation, expected.evaluation, "evaluateChurn() differs from Node");

    // The cutoff days are shown.
    assert.match(await page.locator("#churn-date-scoring").innerText(), new RegExp(`^${expected.cutoffs.scoring} `));
    assert.match(await page.locator("#churn-date-fit").innerText(), new RegExp(`^${expected.cutoffs.fit} `));
    assert.equal(await page.locator("#churn-date-train").innerText(), expected.cutoffs.train);
    assert.equal(await page.locator("#churn-date-test").innerText(), expected.cutoffs.test);

    // Tile: churn rate at the fit cutoff, with churn.rate's name and version.
    const rateDef = getDefinition("churn.rate");
    const tile = page.locator('#churn-tiles .tile[data-kpi="churnRate"]');
    assert.equal(await tile.locator(".tile-name").innerText(), rateDef.name);
    assert.equal(await tile.locator(".tile-def").innerText(), `churn.rate v${rateDef.version}`);
    assertShown(await tile.locator(".tile-value").innerText(), expected.churnRate, TOLERANCE.percent, "churn rate tile");

    // Risk list: 20 rows, the first five checked cell by cell.
    const rows = page.locator("#risk-rows tr");
    assert.equal(await rows.count(), Math.min(20, expected.customerId.length));
    for (let k = 0; k < 5; k++) {
      const i = expected.order[k];
      const cells = await rows.nth(k).locator("th, td").allInnerTexts();
      assert.equal(cells[0], expected.customerId[i], `risk row ${k + 1} id`);
      assertShown(cells[1], expected.probability[i], TOLERANCE.probability, `risk row ${k + 1} probability`);
      assert.equal(parseShown(cells[2]).value, expected.recencyDays[i], `risk row ${k + 1} recency`);
      assert.equal(await rows.nth(k).locator(".reason-list li").count(), expected.reasons[i].length);
    }
    // Reasons are humanised, not raw column names.
    const firstReasons = await rows.first().locator(".reasons-cell").innerText();
    assert.ok(!/recencyDays|recencyToGap/.test(firstReasons), firstReasons);

    // Quality: model and baseline side by side.
    if (expected.evaluation) {
      for (const key of ["auc", "logLoss", "brier"]) {
        const cells = await page.locator(`#quality-rows tr[data-measure="${key}"]`).locator("th, td").allInnerTexts();
        assertShown(cells[1], expected.evaluation.model[key], TOLERANCE.score, `model ${key}`);
        assertShown(cells[2], expected.evaluation.baseline[key], TOLERANCE.score, `baseline ${key}`);
      }
      assert.equal(await page.locator("#calibration-rows tr").count(), expected.evaluation.model.calibration.length);
      assert.equal(await page.locator("#lift-rows tr").count(), expected.evaluation.model.lift.length);
    }

    // Odds ratios per SD, one row per feature.
    const names = Object.keys(expected.oddsRatios);
    assert.equal(await page.locator("#odds-rows tr").count(), names.length);
    for (const name of names) {
      const cells = await page.locator(`#odds-rows tr[data-feature="${name}"]`).locator("th, td").allInnerTexts();
      assertShown(cells[1], expected.oddsRatios[name], TOLERANCE.decimal, `odds ratio of ${name}`);
    }
    return expected;
  }

  const assertDefinitionDialog = (button, id, inEffect) => harnessDialog(page, button, getDefinition(id), inEffect);

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(TX_CSV, TX_MAPPING);

    ({ server, base, browser, page, close } = await openDashboard({ consoleErrors, badRequests, acceptDownloads: true }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("shows the churn rate, risk list, model quality and odds ratios computed in Node", async () => {
    await page.goto(`${base}/`);
    await waitForChurn(DEFAULTS);
    assert.equal(await page.locator("#churn-horizon").inputValue(), "90");
    assert.equal(await page.locator("#churn-alpha").inputValue(), "1");
    const expected = await assertChurnMatchesNode(DEFAULTS);
    assert.ok(expected.evaluation, "the sample data span two horizons");
    assert.equal(await page.locator("#quality-unavailable").isHidden(), true);

    for (const id of ["churn-calibration", "churn-lift"]) await page.locator(`#${id} canvas`).first().waitFor();
    assert.match(await page.locator("#churn-calibration").getAttribute("aria-label"), /^Calibration plot: .*perfect calibration/);
    assert.match(await page.locator("#churn-lift").getAttribute("aria-label"), /^Bar chart of lift per decile/);
    // The charts' tooltips must draw without tripping the CSP (checked in the last test).
    await page.locator("#churn-calibration").scrollIntoViewIfNeeded();
    await page.locator("#churn-calibration").hover({ position: { x: 200, y: 150 } });
    await page.locator("#churn-lift").hover({ position: { x: 120, y: 200 } });
    await shot("churn");
  });

  it("opens the churn definitions from the keyboard", async () => {
    const { fit, train, test } = cutoffsFor(tx, DEFAULTS.horizonDays);
    await assertDefinitionDialog(
      page.locator('#churn-tiles .tile[data-kpi="churnRate"]').getByRole("button", { name: /Definition/ }),
      "churn.rate",
      [`${fit}T23:59:59.999Z`, "90"],
    );
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("Churned (non-contractual)") }),
      "churn.noncontractual",
      [`${fit}T23:59:59.999Z`],
    );
    await assertDefinitionDialog(
      page.locator("#risk-section").getByRole("button", { name: definitionOf("Churn propensity (logistic)") }),
      "churn.propensity",
    );
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("Churn features at a cutoff") }),
      "churn.features",
    );
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("Churn model evaluation") }),
      "churn.evaluation",
      [`${train}T23:59:59.999Z`, `${test}T23:59:59.999Z`],
    );
    await assertDefinitionDialog(
      page.locator("#odds-section").getByRole("button", { name: /^Definition/ }),
      "churn.propensity",
    );
  });

  it("downloads every scored customer as CSV, made in the page", async () => {
    const expected = nodeChurn(tx, DEFAULTS);
    const requestsBefore = badRequests.length;
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download scores (CSV)" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `churn-scores-${expected.cutoffs.scoring}-h90.csv`);
    assert.match(download.url(), /^blob:/);
    const text = readFileSync(await download.path(), "utf8");
    const lines = text.split("\r\n");
    assert.equal(lines.pop(), "", "the file ends with a line break");
    assert.equal(
      lines[0],
      "customer_id,churn_probability,days_since_last_purchase," +
        "reason_1,reason_1_contribution,reason_2,reason_2_contribution,reason_3,reason_3_contribution",
    );
    const rows = lines.slice(1).map(csvFields);
    assert.equal(rows.length, expected.customerId.length, "one row per scored customer");

    // Highest risk first; every probability at full precision, every customer once.
    const index = new Map(expected.customerId.map((id, i) => [id, i]));
    assert.deepEqual(
      rows.map((row) => row[0]),
      expected.order.map((i) => expected.customerId[i]),
    );
    for (const row of rows) {
      const i = index.get(row[0]);
      assert.equal(Number(row[1]), expected.probability[i], `probability of ${row[0]}`);
      assert.equal(Number(row[2]), expected.recencyDays[i], `recency of ${row[0]}`);
      const reasons = expected.reasons[i];
      for (let k = 0; k < 3; k++) {
        assert.equal(row[3 + 2 * k], reasons[k]?.feature ?? "", `reason ${k + 1} of ${row[0]}`);
        assert.equal(row[4 + 2 * k], reasons[k] ? String(reasons[k].contribution) : "", `contribution ${k + 1} of ${row[0]}`);
      }
    }
    assert.equal(badRequests.length, requestsBefore, "the download made no request");
  });

  it("recomputes for another horizon and alpha, records them in the URL and matches Node", async () => {
    const before = await page.locator('#churn-tiles .tile[data-kpi="churnRate"] .tile-value').innerText();
    await page.locator("#churn-horizon").fill("60");
    await page.locator("#churn-horizon").press("Tab");
    await page.waitForURL(/[?&]horizon=60(&|$)/);
    await waitForChurn({ horizonDays: 60, alpha: 1 });
    const expected = await assertChurnMatchesNode({ horizonDays: 60, alpha: 1 });
    const after = await page.locator('#churn-tiles .tile[data-kpi="churnRate"] .tile-value').innerText();
    assert.notEqual(after, before, "the churn rate changes with the horizon");
    assert.notEqual(expected.evaluation.model.auc, nodeChurn(tx, DEFAULTS).evaluation.model.auc);

    await page.locator("#churn-alpha").fill("10");
    await page.locator("#churn-alpha").press("Tab");
    await page.waitForURL(/[?&]alpha=10(&|$)/);
    await waitForChurn({ horizonDays: 60, alpha: 10 });
    await assertChurnMatchesNode({ horizonDays: 60, alpha: 10 });
    assert.match(page.url(), /[?&]horizon=60&alpha=10(&|$)/);
  });

  it("refuses an invalid horizon inline and keeps the numbers", async () => {
    const url = page.url();
    const before = await page.evaluate(() => window.__unimetricChurn);
    await page.locator("#churn-horizon").fill("0");
    await page.locator("#churn-horizon").press("Tab");
    await page.locator("#churn-horizon-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#churn-horizon").getAttribute("aria-invalid"), "true");
    assert.equal(page.url(), url);
    assert.deepEqual(await page.evaluate(() => window.__unimetricChurn), before);

    await page.locator("#churn-horizon").fill("60");
    await page.locator("#churn-horizon").press("Tab");
    await page.locator("#churn-horizon-error").waitFor({ state: "hidden" });
    assert.equal(await page.locator("#churn-horizon").getAttribute("aria-invalid"), null);
  });

  it("reproduces the churn numbers from a shared link", async () => {
    await settle();
    await page.goto(`${base}/?horizon=120&alpha=0.5`);
    await waitForChurn({ horizonDays: 120, alpha: 0.5 });
    assert.equal(await page.locator("#churn-horizon").inputValue(), "120");
    assert.equal(await page.locator("#churn-alpha").inputValue(), "0.5");
    await assertChurnMatchesNode({ horizonDays: 120, alpha: 0.5 });
  });

  it("checks the model only where the history allows, and says why", async () => {
    // 400 days: the fit cutoff lies inside the data, two horizons back does not.
    await settle();
    await page.goto(`${base}/?horizon=400`);
    await waitForChurn({ horizonDays: 400, alpha: 1 });
    const expected = await assertChurnMatchesNode({ horizonDays: 400, alpha: 1 });
    assert.equal(expected.evaluation, null);
    const evalCode = expected.evaluationError?.code;
    assert.ok(["E_EMPTY", "E_INSUFFICIENT_DATA"].includes(evalCode), `Node: ${expected.evaluationError}`);
    const quality = page.locator("#quality-unavailable");
    await quality.waitFor({ state: "visible" });
    const qualityText = await quality.innerText();
    assert.ok(qualityText.includes(evalCode), qualityText);
    assert.ok(qualityText.includes(expected.cutoffs.train), qualityText);
    assert.equal(await page.locator("#quality-body").isHidden(), true);
    assert.equal(await page.getByRole("button", { name: "Download scores (CSV)" }).isEnabled(), true);

    // 800 days: longer than the data, so the whole section is off, with the library's reason.
    await settle();
    await page.goto(`${base}/?horizon=800`);
    await waitForChurn({ horizonDays: 800, alpha: 1 }, "unavailable");
    const nodeCode = (() => {
      try {
        nodeChurn(tx, { horizonDays: 800, alpha: 1 });
      } catch (err) {
        return err.code;
      }
      return null;
    })();
    assert.ok(["E_EMPTY", "E_INSUFFICIENT_DATA"].includes(nodeCode), `Node: ${nodeCode}`);
    const notice = page.locator("#churn-unavailable");
    await notice.waitFor({ state: "visible" });
    const text = await notice.innerText();
    assert.ok(text.includes("Not enough history for churn with a 800-day horizon"), text);
    assert.ok(text.includes(nodeCode), text);
    assert.ok(text.includes("shorter horizon"), text);
    assert.equal(await page.locator("#churn-body").isHidden(), true);
    assert.equal(await page.locator('#churn-tiles .tile[data-kpi="churnRate"] .tile-value').innerText(), "—");
    assert.equal(await page.evaluate(() => window.__unimetricChurn), null);
    // A data shortage is explained, not raised as an alert; the controls stay usable.
    assert.equal(await page.locator("#churn-error").isHidden(), true);
    assert.equal(await page.locator("#churn-horizon").isEnabled(), true);

    // A shorter horizon brings it back.
    await page.locator("#churn-horizon").fill("90");
    await page.locator("#churn-horizon").press("Tab");
    await page.waitForURL(/[?&]horizon=90(&|$)/);
    await waitForChurn(DEFAULTS);
    await assertChurnMatchesNode(DEFAULTS);
    assert.equal(await notice.isHidden(), true);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
