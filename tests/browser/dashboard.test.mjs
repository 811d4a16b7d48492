// End-to-end test of the demo dashboard (www/) in a real headless Chromium.
//
//   node --test tests/browser/
//
// The page computes everything with the WebAssembly build in a Web Worker; this test computes
// the same numbers in Node with the same package (pkg/node.js) and requires them to agree.
// Screenshots go to tests/artifacts/ (git-ignored).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, getDefinition } from "../../pkg/node.js";
import { assertDefinitionDialog, openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const CSV = readFileSync(`${root}www/data/transactions.csv`);

// The mapping the dashboard uses for its sample data.
const MAPPING = {
  customerId: "customer_id",
  timestamp: "order_date",
  amount: "amount",
  orderId: "order_id",
  channel: "channel",
};

/** Tile key → how the page formats it, for reading the number back from the tile text. */
const TILES = {
  customers: "count",
  orders: "count",
  revenue: "currency",
  averageOrderValue: "currency",
  repeatPurchaseRate: "percent",
  purchaseFrequency: "decimal",
  revenuePerCustomer: "currency",
};

/** Half of the smallest step the tile shows (plus float slack): the rounding it may apply. */
const TOLERANCE = { count: 0, currency: 0.005 + 1e-9, decimal: 0.005 + 1e-9, percent: 0.00005 + 1e-12 };

/** "1,148,022.10" → 1148022.1, "61.02%" → 0.6102. */
function parseTileNumber(text, kind) {
  const number = Number(text.replace(/[,%\s]/g, ""));
  assert.ok(Number.isFinite(number), `tile text ${JSON.stringify(text)} is not a number`);
  return kind === "percent" ? number / 100 : number;
}


describe("demo dashboard", { timeout: 90_000 }, () => {
  let server;
  let close;
  let base;
  let browser;
  let page;
  let tx;
  const consoleErrors = [];
  const badRequests = [];
  const seenPaths = new Set();

  /** The same computation as the page, in Node. */
  const nodeKpis = (options) => tx.kpis(options);

  const shot = (name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

  /** Waits until the page shows results computed with the given period. */
  async function waitForResults(period) {
    await page.waitForFunction(
      (p) => document.body.dataset.state === "ready" && window.__unimetric?.orders.definition.params.period === p,
      period,
      { timeout: 20_000 },
    );
  }

  /** Checks window.__unimetric and every visible tile against a Node computation. */
  async function assertMatchesNode(expected) {
    const fromPage = await page.evaluate(() => window.__unimetric);
    assert.deepEqual(fromPage, expected, "window.__unimetric differs from the Node computation");

    for (const [key, kind] of Object.entries(TILES)) {
      const tile = page.locator(`.tile[data-kpi="${key}"]`);
      const shown = parseTileNumber(await tile.locator(".tile-value").innerText(), kind);
      const want = expected[key].value;
      assert.ok(
        Math.abs(shown - want) <= TOLERANCE[kind],
        `${key}: tile shows ${shown}, Node computes ${want}`,
      );
      assert.equal(await tile.locator(".tile-name").innerText(), expected[key].name);
      const { metric, version } = expected[key].definition;
      assert.equal(await tile.locator(".tile-def").innerText(), `${metric} v${version}`);
    }
  }

  /** Checks the page against Node's daily KPIs of the CSV `bytes` read with `mapping`. */
  async function assertMatchesCsv(bytes, mapping) {
    const own = Transactions.fromCsv(bytes, mapping);
    try {
      await assertMatchesNode(own.kpis({ period: "day" }));
    } finally {
      own.free();
    }
  }

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(CSV, MAPPING);

    ({ server, base, browser, page, close } = await openDashboard({ consoleErrors, badRequests, seenPaths }));
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("loads the sample data and shows the same KPIs as Node", async () => {
    const response = await page.goto(`${base}/`);
    assert.match(response.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'/);
    await waitForResults("day");
    await assertMatchesNode(nodeKpis({ period: "day" }));

    const status = await page.locator("#status").innerText();
    assert.match(status, /^23,831 transactions · 5,000 customers/); // the CSV's data rows
    // The repeat rate is shown as a percentage, so its unit reads "percent", not "fraction (0–1)".
    const repeat = page.locator('#tiles .tile[data-kpi="repeatPurchaseRate"]');
    assert.match(await repeat.locator(".tile-value").innerText(), /%$/);
    assert.equal(await repeat.locator(".tile-unit").innerText(), "percent");

    // The WebAssembly work really happened in the worker, fetched from this origin.
    for (const path of ["/worker.js", "/pkg/unimetric.js", "/pkg/unimetric_bg.wasm", "/data/transactions.csv"]) {
      assert.ok(seenPaths.has(path), `expected a request for ${path}`);
    }
    await shot("dashboard-day");
  });

  it("opens a tile's definition in a dialog", async () => {
    const def = getDefinition("customers.repeat_rate");
    const tile = page.locator('.tile[data-kpi="repeatPurchaseRate"]');
    // Keyboard only: focus the tile's button and press Enter; Escape closes the dialog and focus
    // returns to the button. Every parameter is listed, with the period in effect.
    const button = tile.getByRole("button", { name: /Definition/ });
    await assertDefinitionDialog(page, button, def, [...def.parameters.map((p) => p.name), '"day"'],
      () => page.screenshot({ path: `${artifacts}/definition-dialog.png` }));
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.open), "repeatPurchaseRate");
  });

  it("recomputes for a weekly period and records it in the URL", async () => {
    await page.selectOption("#period", "week");
    await page.waitForURL(/[?&]period=week(&|$)/);
    await waitForResults("week");

    const expected = nodeKpis({ period: "week" });
    const rate = await page.locator('.tile[data-kpi="repeatPurchaseRate"] .tile-value').innerText();
    assert.ok(Math.abs(parseTileNumber(rate, "percent") - expected.repeatPurchaseRate.value) <= TOLERANCE.percent);
    await assertMatchesNode(expected);
    await shot("dashboard-week");
  });

  it("reproduces the numbers from a shared link", async () => {
    await page.goto(`${base}/?period=month&end=2025-06-30`);
    await waitForResults("month");
    assert.equal(await page.locator("#period").inputValue(), "month");
    assert.equal(await page.locator("#end").inputValue(), "2025-06-30");
    const expected = nodeKpis({ period: "month", observationEnd: "2025-06-30" });
    await assertMatchesNode(expected);

    // The monthly chart covers January 2024 to June 2025 and adds up to the revenue tile.
    const section = page.locator("#chart-section");
    await section.waitFor({ state: "visible" });
    await page.locator("#chart canvas").first().waitFor();
    const cells = await page.locator("#chart-rows td").allTextContents();
    assert.equal(cells.length, 18);
    const sum = cells.reduce((s, text) => s + parseTileNumber(text, "currency"), 0);
    assert.ok(Math.abs(sum - expected.revenue.value) <= 0.005 * cells.length + 1e-6, `${sum} vs ${expected.revenue.value}: ${cells}`);
    // ECharts' tooltip must render without tripping the CSP (checked in the last test).
    await page.locator("#chart").hover({ position: { x: 400, y: 150 } });
    await shot("dashboard-shared-link");
  });

  it("lists a bad row inline with its row and column and uses the rest of the file", async () => {
    const lines = [
      "order_id,customer_id,order_date,amount,channel",
      "A1,C1,2024-01-02,10.00,email",
      "A2,C2,2024-01-03,12.50,organic",
      "A3,C1,not-a-date,8.00,email",
      "A4,C3,2024-01-05,9.99,referral",
    ];
    const bad = Buffer.from(lines.join("\n") + "\n");
    // The strict reader in Node gives the code, row and column of the bad row ...
    const nodeError = (() => {
      try {
        Transactions.fromCsv(bad, MAPPING).free();
      } catch (err) {
        return err;
      }
      return null;
    })();
    assert.equal(nodeError?.code, "E_BAD_DATE");
    assert.equal(nodeError.row, 4);
    // ... and the file without that row gives the numbers the page must show.
    const good = Transactions.fromCsv(Buffer.from([lines[0], lines[1], lines[2], lines[4]].join("\n")), MAPPING);
    const expected = good.kpis({ period: "day" });
    good.free();

    await page.goto(`${base}/?period=day`);
    await waitForResults("day");
    await page.locator("#upload summary").click();
    await page.setInputFiles("#file", { name: "bad.csv", mimeType: "text/csv", buffer: bad });
    await page.locator("#mapping").waitFor({ state: "visible" });
    // The mapping is suggested from the header names, and the first rows are previewed.
    for (const [key, column] of Object.entries(MAPPING)) {
      assert.equal(await page.locator(`#map-${key}`).inputValue(), column, `suggested ${key}`);
    }
    assert.equal(await page.locator("#map-preview tbody tr").count(), 4);
    assert.equal(await page.locator("#map-preview tbody tr").nth(2).locator("td").nth(2).innerText(), "not-a-date");
    await page.getByRole("button", { name: "Load file" }).click();

    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 3);
    const rejected = page.locator("#rejected");
    await rejected.waitFor({ state: "visible" });
    const row = rejected.locator('#rejected-rows tr[data-row="4"]');
    assert.equal(await rejected.locator("#rejected-rows tr").count(), 1);
    assert.equal(await row.locator("td").nth(0).innerText(), nodeError.column);
    assert.equal(await row.locator("td").nth(1).innerText(), "E_BAD_DATE");
    assert.match(await page.locator("#rejected-summary").innerText(), /^1 row of bad\.csv could not be read .* the other 3 transactions/);
    await shot("upload-bad-row");

    // The good rows' results equal Node's on the same rows.
    await assertMatchesNode(expected);
    assert.deepEqual(await page.getByRole("alert").allInnerTexts(), []);
  });

  it("accepts a CSV dropped on the drop zone and suggests columns from their values", async () => {
    const rows = ["who,when,paid", "ann,2024-03-01,20.00", "bob,2024-03-02,35.50", "ann,2024-04-11,15.25"];
    const text = rows.join("\n");
    // A real drop event carrying a File, dispatched on the drop zone.
    const transfer = await page.evaluateHandle((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], "dropped.csv", { type: "text/csv" }));
      return dt;
    }, text);
    await page.locator("#drop-zone").dispatchEvent("dragover", { dataTransfer: transfer });
    await page.locator("#drop-zone").dispatchEvent("drop", { dataTransfer: transfer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    assert.equal(await page.locator("#file").evaluate((el) => el.files[0]?.name), "dropped.csv");
    const mapping = { customerId: "who", timestamp: "when", amount: "paid" };
    for (const [key, column] of Object.entries(mapping)) {
      assert.equal(await page.locator(`#map-${key}`).inputValue(), column, `suggested ${key} from the values`);
    }
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 2);
    await assertMatchesCsv(Buffer.from(text), mapping);
    assert.equal(await page.locator("#rejected").isHidden(), true);
  });

  it("loads a valid CSV with other column names", async () => {
    const rows = [
      "Client,Purchase Date,Total",
      "ann,2024-03-01,20",
      "bob,2024-03-02,35.5",
      "ann,2024-04-11,15",
      "cid,2024-04-12,-5",
      "cid,2024-04-12,40",
    ];
    const buffer = Buffer.from(rows.join("\r\n"));
    await page.setInputFiles("#file", { name: "mine.csv", mimeType: "text/csv", buffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    const mapping = { customerId: "Client", timestamp: "Purchase Date", amount: "Total" };
    for (const [key, column] of Object.entries(mapping)) {
      assert.equal(await page.locator(`#map-${key}`).inputValue(), column, `suggested ${key}`);
    }
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 3);

    await assertMatchesCsv(buffer, mapping);
    assert.equal(await page.getByRole("alert").isHidden(), true);
  });

  it("reads US slash dates after saying which order the values settle", async () => {
    // A UCI Online Retail-shaped export: 12/23/2010 rules out day first. Hand count: customers
    // 17850 and 13047.
    const rows = [
      "InvoiceNo,InvoiceDate,CustomerID,Amount",
      "536365,12/1/2010 8:26,17850,15.3",
      "536366,12/1/2010 9:01,13047,20",
      "536367,12/23/2010 9:01,17850,4.7",
    ];
    const buffer = Buffer.from(rows.join("\n"));
    await page.setInputFiles("#file", { name: "uci.csv", mimeType: "text/csv", buffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.waitForFunction(() => document.getElementById("map-dateFormat-help").textContent !== "");
    assert.equal(await page.locator("#map-timestamp").inputValue(), "InvoiceDate");
    assert.equal(await page.locator("#map-dateFormat").inputValue(), "MM/DD/YYYY");
    assert.match(await page.locator("#map-dateFormat-help").innerText(), /month first/);
    for (const [key, column] of Object.entries({ customerId: "CustomerID", amount: "Amount" })) {
      await page.locator(`#map-${key}`).selectOption(column);
    }
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 2);
    await assertMatchesCsv(buffer, { customerId: "CustomerID", timestamp: "InvoiceDate", amount: "Amount", dateFormat: "MM/DD/YYYY" });
  });

  it("asks for the order when the dates read either way, and uses the choice", async () => {
    // 1/2/2024 and 3/4/2024 read as month or day first: no guess. Day first: Feb 1 and Apr 3.
    const buffer = Buffer.from("customer,date,amount\nann,1/2/2024,10\nbob,3/4/2024,20\nann,3/4/2024,5\n");
    await page.setInputFiles("#file", { name: "either.csv", mimeType: "text/csv", buffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.waitForFunction(() => document.getElementById("map-dateFormat-help").textContent.includes("either way"));
    assert.equal(await page.locator("#map-dateFormat").inputValue(), "");
    assert.equal(await page.locator("#map-dateFormat").evaluate((el) => el.checkValidity()), false);
    await page.locator("#map-dateFormat").selectOption("DD/MM/YYYY");
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 2
      && window.__unimetric?.revenue.value === 35);
    const mapping = { customerId: "customer", timestamp: "date", amount: "amount", dateFormat: "DD/MM/YYYY" };
    await assertMatchesCsv(buffer, mapping);
  });

  it("previews a file with blank header names, each value under its own column", async () => {
    // `;`-separated (more `;` than `,` in the header), a blank second name and a trailing `;`
    // that makes a blank sixth one, and a quoted `;` inside a value.
    const rows = [
      "order_id;;customer_id;order_date;amount;",
      'A1;north;ann;2024-03-01;20.00;"x;y"',
      "A2;south;bob;2024-03-02;35.50;",
      "A3;;ann;2024-04-11;15.25;z",
    ];
    const buffer = Buffer.from(rows.join("\n"));
    await page.goto(`${base}/?period=day`);
    await waitForResults("day");
    await page.locator("#upload summary").click();
    await page.setInputFiles("#file", { name: "blank-names.csv", mimeType: "text/csv", buffer });
    await page.locator("#mapping").waitFor({ state: "visible" });
    const preview = page.locator("#map-preview");
    await preview.waitFor({ state: "visible" });

    const headers = await preview.locator("thead th").allInnerTexts();
    assert.deepEqual(headers.map((t) => t.trim()), [
      "order_id → order id",
      "(column 2)",
      "customer_id → customer id",
      "order_date → date",
      "amount → amount",
      "(column 6)",
    ]);
    const cells = await preview.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    const column = (j) => cells.map((r) => r[j]);
    assert.equal(cells.length, 3);
    assert.deepEqual(column(0), ["A1", "A2", "A3"]);
    assert.deepEqual(column(1), ["north", "south", ""]);
    assert.deepEqual(column(2), ["ann", "bob", "ann"]);
    assert.deepEqual(column(3), ["2024-03-01", "2024-03-02", "2024-04-11"]);
    assert.deepEqual(column(4), ["20.00", "35.50", "15.25"]);
    assert.deepEqual(column(5), ["x;y", "", "z"]);
    // Columns without a name cannot be mapped, so they are not offered.
    assert.deepEqual(await page.locator("#map-customerId option").evaluateAll((os) => os.map((o) => o.value)), [
      "",
      "order_id",
      "customer_id",
      "order_date",
      "amount",
    ]);
    await shot("upload-blank-header-preview");

    const mapping = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id" };
    for (const [key, name] of Object.entries(mapping)) {
      assert.equal(await page.locator(`#map-${key}`).inputValue(), name, `suggested ${key}`);
    }
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => document.body.dataset.state === "ready" && window.__unimetric?.customers.value === 2);
    // 20.00 + 35.50 + 15.25
    assert.ok(Math.abs((await page.evaluate(() => window.__unimetric.revenue.value)) - 70.75) < 1e-9);
    await assertMatchesCsv(buffer, mapping);
    assert.equal(await page.locator("#rejected").isHidden(), true);
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
