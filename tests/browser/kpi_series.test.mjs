// The KPI tiles' monthly trend (issue #20, part 4) in a real headless Chromium: the series the
// page received equal Node's kpiSeries on the same file, each tile's "Last complete month" line
// shows Node's numbers formatted as the page formats them, the tiles follow the observation end,
// the series' definition opens from the tile, and 390 px has no horizontal overflow.
//
//   node --test --test-timeout=600000 tests/browser/kpi_series.test.mjs

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, getDefinition, kpiSeries } from "../../pkg/node.js";
import { assertDefinitionDialog, openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const CSV = readFileSync(`${root}www/data/transactions.csv`);

// The mapping the dashboard uses for its sample data (www/app/state.js SAMPLE).
const MAPPING = {
  customerId: "customer_id",
  timestamp: "order_date",
  amount: "amount",
  orderId: "order_id",
  channel: "channel",
};

/** Tile key → the series metric it shows, and how the page formats the value. */
const TILES = {
  customers: { metric: "customers.active", format: "count" },
  orders: { metric: "orders.count", format: "count" },
  revenue: { metric: "revenue.net", format: "currency" },
  averageOrderValue: { metric: "orders.aov", format: "currency" },
  repeatPurchaseRate: { metric: "customers.repeat_share", format: "percent" },
};
/** Tiles without a series. */
const PLAIN_TILES = ["purchaseFrequency", "revenuePerCustomer"];
const METRICS = [...new Set(Object.values(TILES).map((t) => t.metric))];

/** The buckets the page receives (the last 24) and the months its sparkline draws. */
const BUCKETS = 24;
const SPARK = 12;

// The page's number formats (www/app/format.js), in en-US.
const FORMAT = {
  count: new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }),
  currency: new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  percent: new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
};
const CHANGE = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero" });

/** (value − base) / |base| as the tile shows it; "—" when the base is NaN or 0. */
function shownChange(value, base) {
  if (!Number.isFinite(base) || base === 0) return "—";
  return CHANGE.format((value - base) / Math.abs(base)).replace("-", "−");
}

/** Node's kpiSeries as the page receives it: the last 24 buckets as plain arrays. */
function nodeSeries(tx, end) {
  const options = { bucket: "month", metrics: METRICS };
  if (end) options.end = end;
  const s = kpiSeries(tx, options);
  const from = Math.max(0, s.time.length - BUCKETS);
  const cut = (a) => Array.from(a.slice(from));
  return {
    time: cut(s.time),
    series: Object.fromEntries(
      METRICS.map((id) => {
        const m = s.series[id];
        return [id, { value: cut(m.value), previous: cut(m.previous), lastYear: cut(m.lastYear), definition: m.definition }];
      }),
    ),
  };
}

describe("KPI tiles: monthly sparkline and period-over-period change", { timeout: 300_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  /** Waits for the tiles computed for observation end `end` ("" = the last transaction). */
  async function waitForEnd(end) {
    const want = tx.kpis(end ? { period: "day", observationEnd: end } : { period: "day" }).observationEnd;
    await page.waitForFunction(
      (w) => document.body.dataset.state === "ready" && window.__unimetricSeries?.observationEnd === w,
      want,
      { timeout: 60_000 },
    );
  }

  /**
   * The page's series equal Node's, and every tile shows the month `label` (bucket index `k` of
   * the 24 sent) with Node's value and changes, formatted as the page formats them.
   */
  async function assertTiles(end, { label, previousMonth, lastYearMonth }) {
    const expected = nodeSeries(tx, end);
    const shown = await page.evaluate(() => window.__unimetricSeries);
    assert.equal(shown.error, null);
    assert.deepEqual(shown.mapping, Object.fromEntries(Object.entries(TILES).map(([key, t]) => [key, t.metric])));
    assert.deepEqual(shown.time, expected.time, "bucket starts");
    assert.deepEqual(shown.series, expected.series, "series differ from Node's kpiSeries");

    const k = expected.time.findIndex((t) => new Date(t).toISOString().startsWith(labelToIso(label)));
    assert.ok(k >= 0, `${label} is among the buckets sent`);
    for (const [key, { metric, format }] of Object.entries(TILES)) {
      const s = expected.series[metric];
      const value = FORMAT[format].format(s.value[k]);
      const previous = shownChange(s.value[k], s.previous[k]);
      const lastYear = shownChange(s.value[k], s.lastYear[k]);
      const text = `Last complete month (${label}): ${value} · ${previous} vs ${previousMonth} · ${lastYear} vs ${lastYearMonth}`;

      const tile = page.locator(`#tiles .tile[data-kpi="${key}"]`);
      const line = await tile.locator(".tile-month").innerText();
      // The arrows repeat the sign for sighted readers (aria-hidden); the text is the same without them.
      assert.equal(line.replace(/[▲▼] /g, "").replace(/\s+/g, " ").trim(), text, key);
      assert.equal(shown.tiles[key].text, text, `${key} (hook)`);
      const changes = tile.locator(".tile-change");
      for (const [i, change] of [previous, lastYear].entries()) {
        const cls = await changes.nth(i).getAttribute("class");
        const dir = change.startsWith("+") ? "up" : change.startsWith("−") ? "down" : "flat";
        assert.match(cls, new RegExp(`change-${dir}`), `${key} change ${i}: ${change} has class ${cls}`);
      }
      // The sparkline: the 12 complete months up to and including the one shown.
      const from = Math.max(0, k - SPARK + 1);
      assert.deepEqual(shown.tiles[key].spark.values, s.value.slice(from, k + 1), `${key} sparkline`);
      const n = k + 1 - from;
      const polyline = tile.locator(".tile-spark polyline");
      assert.equal(await tile.locator(".tile-spark").count(), 1, `${key} sparkline`);
      if (n >= 2) assert.equal((await polyline.getAttribute("points")).trim().split(/\s+/).length, n, `${key} sparkline points`);
      else assert.equal(await polyline.count(), 0, `${key}: one month draws no line`);
      assert.equal(await tile.getByRole("button", { name: new RegExp(`^Series: ${metric.replace(".", "\\.")}`) }).count(), 1);
    }
    for (const key of PLAIN_TILES) {
      assert.equal(await page.locator(`#tiles .tile[data-kpi="${key}"] .tile-trend`).count(), 0, `${key} has no series`);
    }
  }

  /** "Dec 2025" → "2025-12". */
  function labelToIso(label) {
    const [month, year] = label.split(" ");
    const m = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].indexOf(month);
    return `${year}-${String(m + 1).padStart(2, "0")}`;
  }

  async function setEnd(end) {
    await page.fill("#end", end);
    await page.locator("#end").dispatchEvent("change");
    await waitForEnd(end);
  }

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(CSV, MAPPING);
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("shows Node's series and the last complete month (Dec 2025: the data end on its last day)", async () => {
    await page.goto(`${base}/`);
    await waitForEnd("");
    await assertTiles(undefined, { label: "Dec 2025", previousMonth: "Nov", lastYearMonth: "Dec 2024" });
    await page.locator("#tiles").screenshot({ path: `${artifacts}/kpi-tiles-1440.png` });
  });

  it("opens the series metric's definition from the tile", async () => {
    const def = getDefinition("customers.active");
    const button = page.locator('#tiles .tile[data-kpi="customers"]').getByRole("button", { name: /^Series: customers\.active/ });
    await assertDefinitionDialog(page, button, def, ['"month"', "2025-12-31T23:53:00Z"]);
    // The KPI's own Definition button still opens the KPI's definition.
    const kpiButton = page.locator('#tiles .tile[data-kpi="customers"]').getByRole("button", { name: /^Definition/ });
    await assertDefinitionDialog(page, kpiButton, getDefinition("customers.count"));
  });

  it("follows the observation end: mid-June shows May (June is partial), 30 June shows June", async () => {
    await setEnd("2025-06-15");
    assert.match(page.url(), /[?&]end=2025-06-15(&|$)/);
    await assertTiles("2025-06-15", { label: "May 2025", previousMonth: "Apr", lastYearMonth: "May 2024" });
    await setEnd("2025-06-30");
    await assertTiles("2025-06-30", { label: "Jun 2025", previousMonth: "May", lastYearMonth: "Jun 2024" });
  });

  it("shows — where the earlier month precedes the data", async () => {
    // December 2024: no December 2023 in the data.
    await setEnd("2024-12-31");
    await assertTiles("2024-12-31", { label: "Dec 2024", previousMonth: "Nov", lastYearMonth: "Dec 2023" });
    assert.match(await page.locator('#tiles .tile[data-kpi="revenue"] .tile-month').innerText(), /— vs Dec 2023$/);
    // January 2024, the first month: neither comparison exists.
    await setEnd("2024-01-31");
    await assertTiles("2024-01-31", { label: "Jan 2024", previousMonth: "Dec", lastYearMonth: "Jan 2023" });
    assert.match(await page.locator('#tiles .tile[data-kpi="revenue"] .tile-month').innerText(), /· — vs Dec · — vs Jan 2023$/);
  });

  it("fits 390 px without horizontal overflow", async () => {
    await page.locator("#end-clear").click();
    await waitForEnd("");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      outside: [...document.querySelectorAll("#tiles .tile *")]
        .filter((el) => {
          const tile = el.closest(".tile").getBoundingClientRect();
          const box = el.getBoundingClientRect();
          return box.right > tile.right + 0.5 || box.left < tile.left - 0.5;
        })
        .map((el) => `${el.closest(".tile").dataset.kpi}: ${el.tagName} ${el.className?.baseVal ?? el.className}`),
    }));
    assert.ok(widths.page <= widths.client, `page is ${widths.page} px wide at ${widths.client} px`);
    assert.deepEqual(widths.outside, [], "tile content wider than its tile");
    await page.locator("#tiles").screenshot({ path: `${artifacts}/kpi-tiles-390.png` });
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
