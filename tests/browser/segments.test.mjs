// End-to-end test of the dashboard's segments section (www/) in a real headless Chromium.
//
//   node --test tests/browser/
//
// The page runs segmentCustomers, chooseKCustomers and rfmScores on a daily customer summary with
// the WebAssembly build in its Web Worker; this test runs the same calls in Node (pkg/node.js) on
// the same file with the same options and requires the page's raw results, its profile table,
// k chooser and RFM tables to agree with them.
// Screenshots go to tests/artifacts/ (git-ignored).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, chooseKCustomers, getDefinition, rfmScores, segmentCustomers } from "../../pkg/node.js";
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

/** The page's settings for a bare URL. */
const DEFAULTS = { k: 4, seed: 0, x: "frequency", y: "monetaryValue", log: true };
const CHOOSE_K = { kMin: 2, kMax: 8 };
const RFM_SEGMENTS = ["Champions", "Loyal", "Potential loyalists", "New", "At risk", "Can't lose", "Hibernating", "Lost"];

/** Half of the smallest step the page shows, plus float slack. */
const TOLERANCE = { decimal: 0.005 + 1e-9, percent: 0.00005 + 1e-12, score: 0.0005 + 1e-12 };

/** chooseKCustomers is the slow call: once per data set and seed. */
const chooserCache = new Map();

/** The same computations as the page, in Node, on the same daily summary. */
function nodeSegments(tx, { k, seed }, cacheKey = "sample") {
  const summary = tx.summary({ period: "day" });
  try {
    const attempt = (fn) => {
      try {
        return { value: fn(), error: null };
      } catch (err) {
        return { value: null, error: err };
      }
    };
    const segmentation = attempt(() => {
      const { model, ...plain } = segmentCustomers(summary, { k, seed });
      model.free();
      return plain;
    });
    const key = `${cacheKey}/${seed}`;
    if (!chooserCache.has(key)) chooserCache.set(key, attempt(() => chooseKCustomers(summary, { ...CHOOSE_K, seed })));
    const chooser = chooserCache.get(key);
    const rfm = attempt(() => rfmScores(summary, {}));
    return {
      segmentation: segmentation.value,
      segmentationError: segmentation.error,
      chooseK: chooser.value,
      chooseKError: chooser.error,
      rfm: rfm.value,
      n: summary.length,
    };
  } finally {
    summary.free();
  }
}

describe("dashboard segments section", { timeout: 120_000 }, () => {
  let server;
  let close;
  let base;
  let browser;
  let page;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  const shot = (name) => page.locator("#segments").screenshot({ path: `${artifacts}/${name}.png` });

  /** Waits until the segments section settles (`state`) for exactly these settings. */
  const waitForSegments = (options, state = "ready") =>
    waitForSection(page, { stateKey: "segmentsState", global: "__unimetricSegments" }, options, state);

  /** Leave a page only once its sections are drawn, so no request is cut off by the navigation. */
  const settle = () =>
    page.waitForFunction(() => ["ready", "unavailable", "error"].includes(document.body.dataset.segmentsState));

  /** Compares the raw results, the profile table, the k chooser and the RFM tables with Node. */
  async function assertSegmentsMatchNode(options) {
    const expected = nodeSegments(tx, options);
    const seg = expected.segmentation;
    const fromPage = await page.evaluate(() => window.__unimetricSegments);
    assert.deepEqual(fromPage.options, options);
    assert.equal(fromPage.period, "day");
    assert.deepEqual(fromPage.segmentation.labels, Array.from(seg.labels), "segment labels differ from Node");
    assert.deepEqual(fromPage.segmentation.centroids, Array.from(seg.centroids));
    assert.deepEqual(fromPage.segmentation.profiles, seg.profiles, "profiles differ from Node");
    assert.equal(fromPage.segmentation.inertia, seg.inertia);
    assert.deepEqual(fromPage.segmentation.definition, seg.definition);
    assert.deepEqual(fromPage.chooseK, expected.chooseK, "chooseKCustomers() differs from Node");
    for (const key of ["r", "f", "m"]) assert.deepEqual(fromPage.rfm[key], Array.from(expected.rfm[key]), `rfm.${key}`);
    assert.deepEqual(fromPage.rfm.segment, expected.rfm.segment, "RFM segments differ from Node");
    assert.deepEqual(fromPage.rfm.cell, expected.rfm.cell);

    // Profile table: one row per segment, with name, size, share, centroid and mean.
    const rows = page.locator("#seg-profile-rows tr");
    assert.equal(await rows.count(), options.k);
    for (const p of seg.profiles) {
      const cells = await page.locator(`#seg-profile-rows tr[data-cluster="${p.cluster}"]`).locator("th, td").allInnerTexts();
      assert.equal(cells[0], String(p.cluster));
      assert.equal(cells[1], p.name);
      assert.equal(parseShown(cells[2]).value, p.size);
      assertShown(cells[3], p.share, TOLERANCE.percent, `share of ${p.cluster}`);
      p.centroid.forEach((c, j) => assertShown(cells[4 + 2 * j], c, TOLERANCE.decimal, `centroid ${j} of ${p.cluster}`));
      p.mean.forEach((m, j) => assertShown(cells[5 + 2 * j], m, TOLERANCE.decimal, `mean ${j} of ${p.cluster}`));
    }

    // k chooser: the recommendation with its reason, and one score row per k.
    const chooser = expected.chooseK;
    assert.equal(await page.locator("#seg-recommended").innerText(), `Recommended: k = ${chooser.recommended}.`);
    assert.equal(await page.locator("#seg-reason").innerText(), chooser.reason);
    assert.equal(await page.locator("#seg-choose-rows tr").count(), chooser.scores.length);
    for (const s of chooser.scores) {
      // The table sits in a closed <details>: read its text content.
      const cells = await page.locator(`#seg-choose-rows tr[data-k="${s.k}"]`).locator("th, td").allTextContents();
      assertShown(cells[1], s.inertia, TOLERANCE.decimal, `inertia at k = ${s.k}`);
      assertShown(cells[2], s.silhouette, TOLERANCE.score, `silhouette at k = ${s.k}`);
    }

    // RFM: customers per named segment, and the R × F grid.
    const counts = Object.fromEntries(RFM_SEGMENTS.map((name) => [name, 0]));
    for (const name of expected.rfm.segment) counts[name]++;
    for (const [name, count] of Object.entries(counts)) {
      const cells = await page.locator(`#rfm-segment-rows tr[data-segment="${name}"]`).locator("th, td").allInnerTexts();
      assert.equal(parseShown(cells[1]).value, count, `RFM ${name}`);
    }
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        let want = 0;
        for (let i = 0; i < expected.rfm.r.length; i++) if (expected.rfm.r[i] === r && expected.rfm.f[i] === f) want++;
        const cell = page.locator(`#rfm-grid-rows tr[data-r="${r}"] td[data-f="${f}"] .heat-count`);
        assert.equal(parseShown(await cell.innerText()).value, want, `R ${r} × F ${f}`);
      }
    }
    return expected;
  }

  const assertDefinitionDialog = (button, id, inEffect) => harnessDialog(page, button, getDefinition(id), inEffect);

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(TX_CSV, TX_MAPPING);

    ({ server, base, browser, page, close } = await openDashboard({ consoleErrors, badRequests }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("shows the segments, the k chooser and RFM computed in Node", async () => {
    await page.goto(`${base}/`);
    await waitForSegments(DEFAULTS);
    assert.equal(await page.locator("#seg-k").inputValue(), "4");
    assert.equal(await page.locator("#seg-seed").inputValue(), "0");
    assert.equal(await page.locator("#seg-x").inputValue(), "frequency");
    assert.equal(await page.locator("#seg-y").inputValue(), "monetaryValue");
    assert.equal(await page.locator("#seg-log").isChecked(), true);
    await assertSegmentsMatchNode(DEFAULTS);

    for (const id of ["seg-scatter", "seg-choose-chart"]) await page.locator(`#${id} canvas`).first().waitFor();
    const label = await page.locator("#seg-scatter").getAttribute("aria-label");
    assert.match(label, /^Scatter plot of 5,000 customers, Mean repeat spend \(monetary value\) against Repeat purchase days/);
    assert.match(await page.locator("#seg-choose-chart").getAttribute("aria-label"), /recommended k = \d/);
    // The charts' tooltips must draw without tripping the CSP (checked in the last test).
    await page.locator("#seg-scatter").scrollIntoViewIfNeeded();
    await page.locator("#seg-scatter").hover({ position: { x: 300, y: 250 } });
    await page.locator("#seg-choose-chart").scrollIntoViewIfNeeded();
    await page.locator("#seg-choose-chart").hover({ position: { x: 300, y: 180 } });
    await shot("segments");
  });

  it("opens the segment definitions from the keyboard", async () => {
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("k-means segments") }), "segment.kmeans", [
      '"hamerly"',
      "monetaryValue,frequency",
    ]);
    await assertDefinitionDialog(
      page.getByRole("button", { name: definitionOf("Choosing the number of segments") }),
      "segment.choose_k",
      ["2000"],
    );
    await assertDefinitionDialog(page.getByRole("button", { name: definitionOf("RFM scores and segments") }), "segment.rfm", [
      '"total"',
    ]);
  });

  it("recomputes for another k and seed, records them in the URL and matches Node", async () => {
    const before = await page.evaluate(() => window.__unimetricSegments.segmentation.inertia);
    await page.locator("#seg-k").fill("3");
    await page.locator("#seg-k").press("Tab");
    await page.waitForURL(/[?&]segK=3(&|$)/);
    await waitForSegments({ ...DEFAULTS, k: 3 });
    await assertSegmentsMatchNode({ ...DEFAULTS, k: 3 });
    assert.notEqual(await page.evaluate(() => window.__unimetricSegments.segmentation.inertia), before);

    await page.locator("#seg-seed").fill("7");
    await page.locator("#seg-seed").press("Tab");
    await page.waitForURL(/[?&]segSeed=7(&|$)/);
    await waitForSegments({ ...DEFAULTS, k: 3, seed: 7 });
    await assertSegmentsMatchNode({ ...DEFAULTS, k: 3, seed: 7 });

    // The recommended k is one click (or key press) away.
    const recommended = await page.evaluate(() => window.__unimetricSegments.chooseK.recommended);
    const use = page.locator("#seg-use-recommended");
    if (recommended === 3) {
      assert.equal(await use.isDisabled(), true);
    } else {
      await use.focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(new RegExp(`[?&]segK=${recommended}(&|$)`));
      await waitForSegments({ ...DEFAULTS, k: recommended, seed: 7 });
      await assertSegmentsMatchNode({ ...DEFAULTS, k: recommended, seed: 7 });
      assert.equal(await use.isDisabled(), true);
    }
  });

  it("changes the scatter axes and scale without recomputing, and records them in the URL", async () => {
    const before = await page.evaluate(() => window.__unimetricSegments);
    await page.locator("#seg-x").selectOption("periodsSinceLastPurchase");
    await page.waitForURL(/[?&]segX=periodsSinceLastPurchase(&|$)/);
    await page.locator("#seg-y").selectOption("revenue");
    await page.waitForURL(/[?&]segY=revenue(&|$)/);
    await page.locator("#seg-log").uncheck();
    await page.waitForURL(/[?&]segLog=0(&|$)/);
    const after = await page.evaluate(() => window.__unimetricSegments);
    assert.deepEqual(after.options, { ...before.options, x: "periodsSinceLastPurchase", y: "revenue", log: false });
    assert.deepEqual(after.segmentation, before.segmentation, "the axes do not change the segments");
    assert.match(
      await page.locator("#seg-scatter").getAttribute("aria-label"),
      /Net revenue against Days since last purchase/,
    );
    assert.match(await page.locator("#seg-scatter-help").innerText(), /net revenue against days since last purchase;/);
  });

  it("refuses an invalid k inline and keeps the numbers", async () => {
    const url = page.url();
    const before = await page.evaluate(() => window.__unimetricSegments);
    await page.locator("#seg-k").fill("1");
    await page.locator("#seg-k").press("Tab");
    await page.locator("#seg-k-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#seg-k").getAttribute("aria-invalid"), "true");
    assert.equal(page.url(), url);
    assert.deepEqual(await page.evaluate(() => window.__unimetricSegments), before);
    await page.locator("#seg-k").fill(String(before.options.k));
    await page.locator("#seg-k").press("Tab");
    await page.locator("#seg-k-error").waitFor({ state: "hidden" });
  });

  it("reproduces the segments from a shared link", async () => {
    await settle();
    const shared = { k: 5, seed: 3, x: "T", y: "monetaryValue", log: false };
    await page.goto(`${base}/?segK=5&segSeed=3&segX=T&segY=monetaryValue&segLog=0`);
    await waitForSegments(shared);
    assert.equal(await page.locator("#seg-k").inputValue(), "5");
    assert.equal(await page.locator("#seg-seed").inputValue(), "3");
    assert.equal(await page.locator("#seg-x").inputValue(), "T");
    assert.equal(await page.locator("#seg-log").isChecked(), false);
    await assertSegmentsMatchNode(shared);
  });

  it("explains too few customers for k inline and keeps RFM", async () => {
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
    const own = Transactions.fromCsv(buffer, { customerId: "Client", timestamp: "Purchase Date", amount: "Total" });
    let expected;
    let smallK;
    try {
      expected = nodeSegments(own, { k: 5, seed: 3 }, "small");
      smallK = nodeSegments(own, { k: 2, seed: 3 }, "small");
    } finally {
      own.free();
    }
    assert.equal(expected.segmentationError?.code, "E_INSUFFICIENT_DATA");

    await page.locator("#upload summary").click();
    await page.setInputFiles("#file", { name: "mine.csv", mimeType: "text/csv", buffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => window.__unimetricSegments?.rfm?.segment.length === 3);
    await waitForSegments({ k: 5, seed: 3 }, "unavailable");

    const notice = page.locator("#seg-unavailable");
    await notice.waitFor({ state: "visible" });
    const text = await notice.innerText();
    assert.ok(text.includes("E_INSUFFICIENT_DATA"), text);
    assert.ok(text.includes(expected.segmentationError.message), text);
    assert.equal(await page.locator("#seg-error").isHidden(), true);
    assert.equal(await page.locator("#seg-body").isHidden(), true);
    const fromPage = await page.evaluate(() => window.__unimetricSegments);
    assert.equal(fromPage.segmentation, null);
    assert.deepEqual(fromPage.rfm.segment, expected.rfm.segment);
    assert.equal(await page.locator("#rfm-section").isVisible(), true);
    assert.equal(fromPage.chooseKError?.code, expected.chooseKError?.code);
    assert.ok((await page.locator("#seg-choose-error").innerText()).includes(expected.chooseKError.code));

    // A k the data can carry brings the segments back.
    await page.locator("#seg-k").fill("2");
    await page.locator("#seg-k").press("Tab");
    await page.waitForURL(/[?&]segK=2(&|$)/);
    await waitForSegments({ k: 2, seed: 3 });
    const again = await page.evaluate(() => window.__unimetricSegments);
    assert.deepEqual(again.segmentation.labels, Array.from(smallK.segmentation.labels));
    assert.deepEqual(again.segmentation.profiles, smallK.segmentation.profiles);
    assert.equal(await notice.isHidden(), true);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
