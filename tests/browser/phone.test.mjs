// The dashboard on a phone, in a real headless Chromium: at 360, 390 and 430 px wide the page
// never scrolls sideways (every wide table scrolls in its own box, the metric spec's glossary
// open included, and so does the cohort heatmap; the alerts and trends section settled too), and
// the churn risk list is a list of cards with each value labelled.
//
//   node --test tests/browser/phone.test.mjs

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { openDashboard } from "./harness.mjs";

const SETTLED = () =>
  document.body.dataset.state === "ready" &&
  ["cacState", "attributionState", "churnState", "ltvState", "cohortsState", "segmentsState", "specState", "anomaliesState"].every((k) => ["ready", "unavailable", "empty"].includes(document.body.dataset[k]));

/** Elements that reach past the viewport's right edge outside any scrolling box. */
function overflowing() {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}`);
}

describe("the dashboard on a phone", { timeout: 240_000 }, () => {
  const consoleErrors = [];
  const badRequests = [];
  let base;
  let page;
  let close;

  before(async () => {
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests, viewport: { width: 390, height: 844 } }));
    await page.goto(`${base}/`);
    await page.waitForFunction(SETTLED, null, { timeout: 120_000 });
    // The metric spec's glossary holds wide tables: open, so the checks below cover them.
    await page.locator("#spec-glossary").evaluate((details) => {
      details.open = true;
    });
  });

  after(async () => {
    await close?.();
  });

  for (const width of [390, 360, 430]) {
    it(`has no page-level horizontal scroll at ${width} × 844`, async () => {
      await page.setViewportSize({ width, height: 844 });
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      assert.equal(clientWidth, width);
      assert.deepEqual(await page.evaluate(overflowing), [], "elements wider than the page");
      assert.ok(scrollWidth <= clientWidth, `page is ${scrollWidth} px wide at ${clientWidth} px`);
    });
  }

  it("shows each churn risk row as a card: id, labelled values, reasons across the width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const row = page.locator("#risk-rows tr").first();
    const boxes = await row.evaluate((tr) => {
      const box = (el) => el.getBoundingClientRect();
      return {
        row: box(tr),
        cells: [...tr.children].map((c) => ({ ...box(c).toJSON(), label: getComputedStyle(c, "::before").content })),
        head: getComputedStyle(tr.closest("table").tHead).display,
      };
    });
    assert.equal(boxes.head, "none");
    // Every cell takes the card's whole width, one under the other.
    for (const cell of boxes.cells) assert.ok(Math.abs(cell.width - boxes.row.width) < 1, `cell ${cell.width} px of ${boxes.row.width}`);
    for (let i = 1; i < boxes.cells.length; i++) assert.ok(boxes.cells[i].top >= boxes.cells[i - 1].bottom - 0.5);
    assert.deepEqual(
      boxes.cells.map((c) => c.label),
      ["none", '"Churn probability: "', '"Days since last purchase: "', '"Top reasons: "'],
    );
    // A card is about as tall as its content: no blank band below the reasons.
    const content = boxes.cells.reduce((sum, c) => sum + c.height, 0);
    assert.ok(boxes.row.height < content + 40, `card ${boxes.row.height} px for ${content} px of content`);
  });

  it("keeps the desktop table of the risk list", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const display = await page.locator("#risk-table thead").evaluate((el) => getComputedStyle(el).display);
    assert.equal(display, "table-header-group");
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
