// End-to-end test of the dashboard's CAC section (www/) in a real headless Chromium.
//
//   node --test tests/browser/
//
// The page computes CAC, payback and LTV:CAC with the WebAssembly build in its Web Worker; this
// test runs the same calls in Node (pkg/node.js) on the same files and options and requires
// the page's raw results, its tiles and its tables to agree with them.
// Screenshots go to tests/artifacts/ (git-ignored).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Spend, Transactions, cac, cacPayback, getDefinition, ltvToCac } from "../../pkg/node.js";
import { definitionOf, openDashboard, assertDefinitionDialog as harnessDialog, waitForSection } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const TX_CSV = readFileSync(`${root}www/data/transactions.csv`);
const SPEND_CSV = readFileSync(`${root}www/data/spend.csv`);

// The mappings the dashboard uses for its sample data.
const TX_MAPPING = {
  customerId: "customer_id",
  timestamp: "order_date",
  amount: "amount",
  orderId: "order_id",
  channel: "channel",
};
const SPEND_MAPPING = { date: "month", channel: "channel", amount: "amount", channelType: "channel_type" };

/** The page's settings for a bare URL: the library's defaults, channel CAC shown. */
const DEFAULTS = { period: "month", attributionLag: 0, grossMargin: 1, variant: "channel" };

/** Half of the smallest step the page shows (two decimals), plus float slack. */
const TOLERANCE = 0.005 + 1e-9;

/** "1,148,022.10" → 1148022.1. */
function parseNumber(text) {
  const number = Number(text.replace(/[,\s]/g, ""));
  assert.ok(Number.isFinite(number), `${JSON.stringify(text)} is not a number`);
  return number;
}

/** Asserts a cell shows `value` (two decimals) or, when it is null, "—" and the reason. */
function assertValueText(text, value, reason, what) {
  if (value === null) {
    assert.ok(text.startsWith("—"), `${what}: expected "—", got ${JSON.stringify(text)}`);
    if (reason) assert.ok(text.includes(reason), `${what}: reason ${JSON.stringify(reason)} missing from ${JSON.stringify(text)}`);
    return;
  }
  const shown = parseNumber(text);
  assert.ok(Math.abs(shown - value) <= TOLERANCE, `${what}: page shows ${shown}, Node computes ${value}`);
}


const month = (ms) => new Date(ms).toISOString().slice(0, 7);

/** The same three computations as the page, in Node, with the same options. */
function nodeCac(spend, tx, { period, attributionLag, grossMargin }) {
  return {
    cac: cac(spend, tx, { period, attributionLag }),
    payback: cacPayback(spend, tx, { grossMargin, attributionLag }),
    ltv: ltvToCac(spend, tx, { grossMargin, attributionLag, ltv: "historical" }),
  };
}

/** The rows of the latest period in which every row of the variant is complete. */
function latestComplete(rows, variant) {
  const picked = rows.filter((r) => r.variant === variant);
  const incomplete = new Set(picked.filter((r) => !r.complete).map((r) => r.periodStart));
  const starts = picked.map((r) => r.periodStart).filter((t) => !incomplete.has(t));
  const latest = Math.max(...starts);
  return picked.filter((r) => r.periodStart === latest);
}


describe("dashboard CAC section", { timeout: 120_000 }, () => {
  let server;
  let close;
  let base;
  let browser;
  let page;
  let tx;
  let spend;
  const consoleErrors = [];
  const badRequests = [];
  const seenPaths = new Set();

  const shot = (name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

  /** Waits until the page shows CAC results computed with exactly these settings. */
  const waitForCac = (options) => waitForSection(page, { stateKey: "cacState", global: "__unimetricCac" }, options);

  /** Compares the raw results, the tiles and every CAC table with the Node computation. */
  async function assertCacMatchesNode(options, data = { spend, tx }) {
    const expected = nodeCac(data.spend, data.tx, options);
    const fromPage = await page.evaluate(() => window.__unimetricCac);
    assert.deepEqual(fromPage.options, options);
    assert.deepEqual(fromPage.cac, expected.cac, "cac() differs from Node");
    assert.deepEqual(fromPage.payback, expected.payback, "cacPayback() differs from Node");
    assert.deepEqual(fromPage.ltv, expected.ltv, "ltvToCac() differs from Node");

    // Tile: Blended CAC over the whole window = cacPayback's all-channel CAC.
    const blended = expected.payback.simple.find((r) => r.channel === null);
    const cacDef = getDefinition("cac.blended");
    const cacTile = page.locator('#cac-tiles .tile[data-kpi="blendedCac"]');
    assert.equal(await cacTile.locator(".tile-name").innerText(), cacDef.name);
    assert.equal(await cacTile.locator(".tile-def").innerText(), `cac.blended v${cacDef.version}`);
    assertValueText(await cacTile.locator(".tile-value").innerText(), blended.cac, null, "Blended CAC tile");

    // Tile: LTV:CAC, the whole-window all-channel row.
    const whole = expected.ltv.rows.find((r) => r.cohort === null && r.channel === null);
    const ratioTile = page.locator('#cac-tiles .tile[data-kpi="ltvToCac"]');
    assert.equal(await ratioTile.locator(".tile-name").innerText(), getDefinition("cac.ltv_ratio").name);
    assert.equal(
      await ratioTile.locator(".tile-def").innerText(),
      `${whole.definition.metric} v${whole.definition.version}`,
    );
    assertValueText(await ratioTile.locator(".tile-value").innerText(), whole.value, null, "LTV:CAC tile");

    // Latest complete period of the selected variant.
    const latest = latestComplete(expected.cac.rows, options.variant);
    const latestRows = page.locator("#cac-latest-rows tr");
    assert.equal(await latestRows.count(), latest.length);
    for (const [i, row] of latest.entries()) {
      const cells = await latestRows.nth(i).locator("th, td").allInnerTexts();
      const what = `latest ${options.variant} ${row.channel}`;
      if (row.channel !== null) assert.equal(cells[0], row.channel);
      assertValueText(cells[2], row.spend, null, `${what} spend`);
      assert.equal(parseNumber(cells[3]), row.newCustomers, `${what} new customers`);
      assertValueText(cells[4], row.value, row.reason, `${what} CAC`);
    }

    // Payback by cohort (all channels): the first row, field by field.
    const first = expected.payback.cohorts.find((r) => r.channel === null);
    const cohortCells = await page.locator("#payback-rows tr").first().locator("th, td").allInnerTexts();
    assert.equal(cohortCells[0], month(first.cohortStart));
    assert.equal(parseNumber(cohortCells[1]), first.customers);
    assertValueText(cohortCells[2], first.cac, null, "first cohort CAC");
    if (first.paybackMonths === null) assert.equal(cohortCells[3], "—");
    else assert.equal(parseNumber(cohortCells[3]), first.paybackMonths);
    assert.equal(cohortCells[4], first.note);
    assert.equal(
      await page.locator("#payback-rows tr").count(),
      expected.payback.cohorts.filter((r) => r.channel === null).length,
    );

    // Textbook payback and LTV:CAC per channel.
    const simpleRows = page.locator("#simple-rows tr");
    assert.equal(await simpleRows.count(), expected.payback.simple.length);
    for (const [i, row] of expected.payback.simple.entries()) {
      const cells = await simpleRows.nth(i).locator("th, td").allInnerTexts();
      assertValueText(cells[1], row.cac, null, `textbook ${row.channel} CAC`);
      assertValueText(cells[3], row.value, row.reason, `textbook ${row.channel} payback`);
    }
    const ltvRows = expected.ltv.rows.filter((r) => r.cohort === null);
    const ltvCells = page.locator("#ltv-rows tr");
    assert.equal(await ltvCells.count(), ltvRows.length);
    for (const [i, row] of ltvRows.entries()) {
      const cells = await ltvCells.nth(i).locator("th, td").allInnerTexts();
      assert.equal(parseNumber(cells[1]), row.customers);
      assertValueText(cells[2], row.ltv, null, `LTV ${row.channel}`);
      assertValueText(cells[4], row.value, row.reason, `LTV:CAC ${row.channel}`);
    }

    // The warnings list is the library's, or says there are none.
    const warnings = [...new Set([...expected.cac.warnings, ...expected.payback.warnings, ...expected.ltv.warnings])];
    const shown = await page.locator("#cac-warnings li.warning").allInnerTexts();
    assert.deepEqual(shown, warnings);
    if (warnings.length === 0) assert.equal(await page.locator("#cac-warnings li.no-warnings").count(), 1);
    return expected;
  }

  const assertDefinitionDialog = (button, id, inEffect) => harnessDialog(page, button, getDefinition(id), inEffect);

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(TX_CSV, TX_MAPPING);
    spend = Spend.fromCsv(SPEND_CSV, SPEND_MAPPING);

    ({ server, base, browser, page, close } = await openDashboard({ consoleErrors, badRequests, seenPaths }));
  });

  after(async () => {
    await close?.();
    tx?.free();
    spend?.free();
  });

  it("loads the sample spend and shows the same CAC, payback and LTV:CAC as Node", async () => {
    await page.goto(`${base}/`);
    await waitForCac(DEFAULTS);
    assert.ok(seenPaths.has("/data/spend.csv"), "the sample spend is fetched");
    assert.equal(await page.locator("#cac-variant").inputValue(), "channel");
    assert.equal(await page.locator("#cac-period").inputValue(), "month");
    assert.equal(await page.locator("#cac-lag").inputValue(), "0");
    assert.equal(await page.locator("#cac-margin").inputValue(), "100");
    await assertCacMatchesNode(DEFAULTS);

    assert.match(await page.locator("#cac-source").innerText(), /spend\.csv \(sample\) · 72 rows · 128,045\.52 in total/);
    await page.locator("#cac-chart canvas").first().waitFor();
    const label = await page.locator("#cac-chart").getAttribute("aria-label");
    assert.match(label, /^Line chart of CAC per month, 2024-01 to 2025-12: /);
    for (const channel of ["email", "organic", "paid_search", "paid_social", "referral"]) {
      assert.ok(label.includes(channel), `${channel} is a series`);
    }
    // A period without a CAC is a gap: the series holds null there, and the all-periods
    // table names the library's reason.
    const reasons = await page.locator("#cac-reasons li").allTextContents();
    assert.deepEqual(reasons, ["no spend recorded for this channel (unpaid or organic)"]);
  });

  it("opens the definitions of the tiles and tables from the keyboard", async () => {
    await assertDefinitionDialog(
      page.locator('#cac-tiles .tile[data-kpi="blendedCac"]').getByRole("button", { name: /Definition/ }),
      "cac.blended",
      ["whole data window"],
    );
    assert.match(await page.locator("#def-note").innerText(), /whole data window as one period/);
    await assertDefinitionDialog(
      page.locator('#cac-tiles .tile[data-kpi="ltvToCac"]').getByRole("button", { name: /Definition/ }),
      "cac.ltv_ratio",
      ['"historical"'],
    );
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("Channel CAC") }),
      "cac.channel",
      ['"month"'],
    );
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("CAC payback (cohort curve)") }), "cac.payback");
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("CAC payback (textbook ratio)") }),
      "cac.payback_simple",
    );
    await assertDefinitionDialog(
      page.locator("#ltv-section").getByRole("button", { name: definitionOf("LTV:CAC") }),
      "cac.ltv_ratio",
    );
  });

  it("switches variant, attribution lag and margin, records them in the URL and matches Node", async () => {
    await page.selectOption("#cac-variant", "paid");
    await page.waitForURL(/[?&]cacVariant=paid(&|$)/);
    await waitForCac({ ...DEFAULTS, variant: "paid" });
    await assertCacMatchesNode({ ...DEFAULTS, variant: "paid" });
    assert.equal(await page.locator("#cac-latest-rows th").innerText(), "Paid channels");
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("Paid CAC") }), "cac.paid");

    await page.locator("#cac-lag").fill("1");
    await page.locator("#cac-lag").press("Tab");
    await page.waitForURL(/[?&]lag=1(&|$)/);
    const lagged = { ...DEFAULTS, variant: "paid", attributionLag: 1 };
    await waitForCac(lagged);
    await assertCacMatchesNode(lagged);
    // With a lag of one month the last month's window runs past the data.
    assert.match(await page.locator("#cac-latest-caption").innerText(), /^Latest complete month: 2025-11$/);

    await page.locator("#cac-margin").fill("60");
    await page.locator("#cac-margin").press("Tab");
    await page.waitForURL(/[?&]margin=0\.6(&|$)/);
    const settings = { ...lagged, grossMargin: 0.6 };
    await waitForCac(settings);
    const expected = await assertCacMatchesNode(settings);
    assert.match(page.url(), /[?&]cacVariant=paid&cacPeriod=month&lag=1&margin=0\.6(&|$)/);
    assert.equal(expected.payback.cohorts[0].definition.params.margin, 0.6);

    await page.selectOption("#cac-variant", "channel");
    await page.waitForURL(/[?&]cacVariant=channel(&|$)/);
    await waitForCac({ ...settings, variant: "channel" });
    await assertCacMatchesNode({ ...settings, variant: "channel" });

    // The chart's tooltip must draw without tripping the CSP (checked in the last test).
    await page.locator("#cac-chart canvas").first().waitFor();
    await page.locator("#cac-chart").hover({ position: { x: 600, y: 180 } });
    await shot("cac");
  });

  it("refuses an out-of-range margin inline and keeps the numbers", async () => {
    const url = page.url();
    const before = await page.evaluate(() => window.__unimetricCac);
    await page.locator("#cac-margin").fill("0");
    await page.locator("#cac-margin").press("Tab");
    await page.locator("#cac-margin-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#cac-margin").getAttribute("aria-invalid"), "true");
    assert.equal(page.url(), url);
    assert.deepEqual(await page.evaluate(() => window.__unimetricCac), before);

    await page.locator("#cac-margin").fill("60");
    await page.locator("#cac-margin").press("Tab");
    await page.locator("#cac-margin-error").waitFor({ state: "hidden" });
    assert.equal(await page.locator("#cac-margin").getAttribute("aria-invalid"), null);
  });

  it("reproduces the CAC numbers from a shared link", async () => {
    await page.goto(`${base}/?cacVariant=blended&cacPeriod=quarter&lag=2&margin=0.3`);
    const settings = { period: "quarter", attributionLag: 2, grossMargin: 0.3, variant: "blended" };
    await waitForCac(settings);
    assert.equal(await page.locator("#cac-variant").inputValue(), "blended");
    assert.equal(await page.locator("#cac-period").inputValue(), "quarter");
    assert.equal(await page.locator("#cac-lag").inputValue(), "2");
    assert.equal(await page.locator("#cac-margin").inputValue(), "30");
    await assertCacMatchesNode(settings);

    // Browser history restores the previous settings.
    await page.goto(`${base}/?cacVariant=paid&cacPeriod=week&lag=0&margin=1`);
    await waitForCac({ period: "week", attributionLag: 0, grossMargin: 1, variant: "paid" });
    // Leave only once the charts are drawn, so no request is cut off by the navigation.
    await page.locator("#chart canvas").first().waitFor();
    await page.locator("#cac-chart canvas").first().waitFor();
    await page.goBack();
    await waitForCac(settings);
    await assertCacMatchesNode(settings);
  });

  it("computes CAC for an uploaded CSV with an uploaded spend file", async () => {
    const txBuffer = Buffer.from(
      [
        "Client,Purchase Date,Total,Source",
        "ann,2024-03-01,20,ads",
        "bob,2024-03-02,35.5,ads",
        "cid,2024-03-15,40,newsletter",
        "ann,2024-04-11,15,ads",
        "dan,2024-04-12,60,ads",
        "eve,2024-04-20,25,web",
      ].join("\n") + "\n",
    );
    const spendBuffer = Buffer.from(
      ["Week,Medium,Cost,Kind", "2024-03-04,ads,100,paid", "2024-03-04,newsletter,10,owned", "2024-04-08,ads,120,paid"].join(
        "\n",
      ) + "\n",
    );
    await page.locator("#upload summary").click();
    await page.setInputFiles("#file", { name: "orders.csv", mimeType: "text/csv", buffer: txBuffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.setInputFiles("#spend-file", { name: "ads.csv", mimeType: "text/csv", buffer: spendBuffer });
    await page.locator("#spend-mapping").waitFor({ state: "visible" });
    // Both mappings are suggested from the header names.
    const txMapping = { customerId: "Client", timestamp: "Purchase Date", amount: "Total", channel: "Source" };
    const spendMapping = { date: "Week", channel: "Medium", amount: "Cost", channelType: "Kind" };
    for (const [key, column] of Object.entries(txMapping)) {
      assert.equal(await page.locator(`#map-${key}`).inputValue(), column, `suggested ${key}`);
    }
    for (const [key, column] of Object.entries(spendMapping)) {
      assert.equal(await page.locator(`#map-spend-${key}`).inputValue(), column, `suggested spend ${key}`);
    }
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 5);

    const settings = { period: "quarter", attributionLag: 2, grossMargin: 0.3, variant: "blended" };
    await waitForCac(settings);
    const ownTx = Transactions.fromCsv(txBuffer, txMapping);
    const ownSpend = Spend.fromCsv(spendBuffer, spendMapping);
    try {
      await assertCacMatchesNode(settings, { tx: ownTx, spend: ownSpend });
    } finally {
      ownTx.free();
      ownSpend.free();
    }
    assert.match(await page.locator("#cac-source").innerText(), /^Marketing spend: ads\.csv · 3 rows · 230\.00 in total/);
  });

  it("shows a spend file's library error inline and keeps the previous results", async () => {
    const bad = Buffer.from(["Week,Medium,Cost", "2024-03-04,ads,100", "2024-03-11,ads,lots"].join("\n") + "\n");
    const nodeError = (() => {
      try {
        Spend.fromCsv(bad, { date: "Week", channel: "Medium", amount: "Cost" }).free();
      } catch (err) {
        return err;
      }
      return null;
    })();
    assert.ok(nodeError?.code, "the bad spend file fails in Node too");

    const before = await page.evaluate(() => window.__unimetricCac);
    await page.setInputFiles("#spend-file", { name: "bad-spend.csv", mimeType: "text/csv", buffer: bad });
    await page.locator("#spend-mapping").waitFor({ state: "visible" });
    assert.equal(await page.locator("#map-spend-channelType").inputValue(), "");
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "error");
    const text = await page.locator("#error").innerText();
    assert.ok(text.includes("Could not load bad-spend.csv"), text);
    assert.ok(text.includes(nodeError.code), text);
    if (nodeError.row !== undefined) assert.ok(text.includes(`row ${nodeError.row}`), text);
    assert.deepEqual(await page.evaluate(() => window.__unimetricCac), before);
  });

  it("says so when the data has no spend", async () => {
    await page.setInputFiles("#spend-file", []);
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.cacState === "empty");
    await page.locator("#cac-empty").waitFor({ state: "visible" });
    assert.equal(await page.locator("#cac-body").isHidden(), true);
    assert.equal(await page.evaluate(() => window.__unimetricCac), null);

    // Back to the sample data: spend included again.
    await page.getByRole("button", { name: "Back to sample data" }).click();
    await waitForCac({ period: "quarter", attributionLag: 2, grossMargin: 0.3, variant: "blended" });
    assert.equal(await page.locator("#cac-empty").isHidden(), true);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
