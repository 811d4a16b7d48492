// The dashboard's use of the worker in headless Chromium: the main thread stays responsive
// while the worker fits, Cancel and a failed worker leave the page usable with a clear message,
// and the embed snippet and the per-customer export reproduce what the page shows.
//
//   node --test tests/browser/dashboard-worker.test.mjs

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, segmentCustomers } from "../../pkg/node.js";
import { openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" };

/** All sections of the dashboard are done (ready, or unavailable for lack of data), alerts and trends included. */
const SETTLED = () =>
  document.body.dataset.state === "ready" &&
  ["cacState", "churnState", "ltvState", "cohortsState", "segmentsState", "anomaliesState"].every((k) => ["ready", "unavailable", "empty"].includes(document.body.dataset[k]));

describe("dashboard and its worker", { timeout: 120_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(readFileSync(`${root}www/data/transactions.csv`), MAPPING);
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests, acceptDownloads: true }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  /** The segments the page shows equal Node's for the same k and seed. */
  async function assertSegmentsMatchNode(k, seed) {
    const shown = await page.evaluate(() => window.__unimetricSegments.segmentation);
    const summary = tx.summary({ period: "day" });
    const expected = segmentCustomers(summary, { k, seed });
    try {
      assert.deepEqual(shown.labels, Array.from(expected.labels));
      assert.deepEqual(shown.profiles, expected.profiles);
    } finally {
      expected.model.free();
      summary.free();
    }
  }

  it("keeps the main thread free of long tasks while the worker segments", async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(SETTLED, null, { timeout: 60_000 });
    await page.screenshot({ path: `${artifacts}/dashboard-full.png`, fullPage: true });

    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
      }).observe({ type: "longtask" });
    });
    // A new seed refits k-means and re-runs the k chooser (7 values of k) in the worker.
    await page.fill("#seg-seed", "11");
    await page.locator("#seg-seed").press("Enter");
    await page.waitForFunction(() => window.__unimetricSegments?.options.seed === 11 && document.body.dataset.segmentsState === "ready");
    await page.waitForFunction(() => document.querySelector("#seg-scatter canvas"));
    const longTasks = await page.evaluate(() => window.__longTasks);
    assert.deepEqual(longTasks.filter((d) => d > 100), [], `main-thread tasks over 100 ms: ${longTasks}`);
    assert.match(page.url(), /[?&]segSeed=11(&|$)/);
    await assertSegmentsMatchNode(4, 11);
    await page.locator("#segments").screenshot({ path: `${artifacts}/dashboard-segments.png` });
  });

  it("cancels a running segmentation from the Cancel button and recomputes afterwards", async () => {
    // Click Cancel the moment the progress bar appears for the new seed (the request is then in flight).
    await page.evaluate(() => {
      const work = document.getElementById("work");
      const observer = new MutationObserver(() => {
        if (!work.hidden) {
          observer.disconnect();
          document.getElementById("cancel").click();
        }
      });
      observer.observe(work, { attributes: true, attributeFilter: ["hidden"] });
    });
    await page.fill("#seg-seed", "12");
    await page.locator("#seg-seed").press("Enter");
    await page.locator("#halted").waitFor({ state: "visible" });
    assert.match(await page.locator("#halted-message").innerText(), /^Computation cancelled\./);
    await page.waitForFunction(() => document.body.dataset.segmentsState === "error");
    assert.match(await page.locator("#seg-error").innerText(), /E_CANCELLED/);
    assert.equal(await page.locator("#work").isHidden(), true);
    // The rest of the page is intact and usable.
    assert.equal(await page.locator("#tiles .tile").count(), 7);
    await page.screenshot({ path: `${artifacts}/dashboard-cancelled.png` });

    await page.getByRole("button", { name: "Recompute" }).click();
    await page.waitForFunction(SETTLED, null, { timeout: 60_000 });
    assert.equal(await page.locator("#halted").isHidden(), true);
    await assertSegmentsMatchNode(4, 12);
    const kpis = await page.evaluate(() => window.__unimetric);
    assert.deepEqual(kpis, tx.kpis({ period: "day" }));
  });

  it("tells the user when the worker dies mid-fit and recovers with Recompute", async () => {
    // The worker is killed while it fits: the error event a crashed worker delivers arrives
    // at the first progress report of the new segmentation.
    await page.evaluate(() => {
      const engine = window.__unimetricEngine;
      const label = document.getElementById("work-label");
      const observer = new MutationObserver(() => {
        if (/ of \d+/.test(label.textContent)) {
          observer.disconnect();
          engine.worker.dispatchEvent(new ErrorEvent("error", { message: "worker crashed" }));
        }
      });
      observer.observe(label, { childList: true, characterData: true, subtree: true });
    });
    await page.fill("#seg-seed", "13");
    await page.locator("#seg-seed").press("Enter");
    await page.locator("#halted").waitFor({ state: "visible" });
    assert.match(await page.locator("#halted-message").innerText(), /The computation worker stopped \(the worker failed: worker crashed\)/);
    await page.waitForFunction(() => document.body.dataset.segmentsState === "error");

    await page.getByRole("button", { name: "Recompute" }).click();
    await page.waitForFunction(SETTLED, null, { timeout: 60_000 });
    await assertSegmentsMatchNode(4, 13);
  });

  it("copies an embed snippet for the current view", async () => {
    await page.getByRole("button", { name: "Copy embed snippet for this view" }).click();
    const snippet = await page.locator("#snippet").inputValue();
    assert.match(snippet, new RegExp(`<script type="module" src="${base}/unimetric-metric.js"></script>`));
    assert.match(snippet, /<unimetric-metric metric="cac.blended" src="[^"]+\/data\/transactions.csv"/);
    assert.match(snippet, /metric="churn.rate" [^>]*params='\{"horizonDays":90\}'/);
    assert.match(await page.locator("#snippet-status").innerText(), /Copied|copy it/);
  });

  it("exports every customer's scores as CSV, equal to what the page computed", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: /Download customer scores/ }).click()]);
    const path = `${artifacts}/customer-scores.csv`;
    await download.saveAs(path);
    const lines = readFileSync(path, "utf8").trim().split("\r\n");
    assert.equal(lines[0], "customer_id,churn_probability,clv,probability_alive,segment,segment_name,rfm_r,rfm_f,rfm_m,rfm_segment");
    assert.equal(lines.length - 1, tx.customerCount, "one row per customer");
    const seg = await page.evaluate(() => window.__unimetricSegments);
    const ltv = await page.evaluate(() => window.__unimetricLtv.clv);
    const first = lines[1].split(",");
    const id = first[0];
    const i = ltv.customerId.findIndex((c) => String(c) === id);
    assert.ok(i >= 0, `customer ${id} has a CLV`);
    assert.equal(Number(first[2]), ltv.clv[i]);
    assert.equal(Number(first[3]), ltv.probabilityAlive[i]);
    assert.ok(seg.segmentation.profiles.some((p) => p.name === first[5]));
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
