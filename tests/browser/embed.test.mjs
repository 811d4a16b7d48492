// The embedding example page (www/embed.html) in headless Chromium: the <unimetric-metric>
// elements and the ES module API example, each compared with the same computation in Node.
//
//   node --test tests/browser/embed.test.mjs

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { MetricSpec, Spend, Transactions, cacPayback, churnFeatures, getDefinition, ltvToCac, segmentCustomers } from "../../pkg/node.js";
import { openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" };
const SPEND_MAPPING = { date: "month", channel: "channel", amount: "amount", channelType: "channel_type" };
const DAY_MS = 86_400_000;

describe("embedding page", { timeout: 90_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  let spend;
  const consoleErrors = [];
  const badRequests = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(readFileSync(`${root}www/data/transactions.csv`), MAPPING);
    spend = Spend.fromCsv(readFileSync(`${root}www/data/spend.csv`), SPEND_MAPPING);
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests }));
  });

  after(async () => {
    await close?.();
    tx?.free();
    spend?.free();
  });

  /** What an element shows: state, result and the text of its shadow root. */
  const read = (id) =>
    page.locator(`#${id}`).evaluate((el) => ({
      state: el.dataset.state,
      result: el.result && { ...el.result, definition: undefined },
      name: el.shadowRoot.querySelector(".name")?.textContent,
      value: el.shadowRoot.querySelector(".value")?.textContent,
      id: el.shadowRoot.querySelector(".id")?.textContent,
      formula: el.shadowRoot.querySelector(".formula")?.textContent,
      text: el.shadowRoot.querySelector(".card").textContent,
    }));

  it("renders each element with the value Node computes, its name, version and definition", async () => {
    const response = await page.goto(`${base}/embed.html`);
    assert.match(response.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'/);
    await page.waitForFunction(
      () => [...document.querySelectorAll("unimetric-metric")].every((el) => el.dataset.state === "ready"),
      null,
      { timeout: 30_000 },
    );

    const lastDay = Math.floor(tx.timeRange.last / DAY_MS) * DAY_MS;
    const cutoff = new Date(lastDay - 90 * DAY_MS).toISOString().slice(0, 10);
    const expected = {
      "m-cac": { metric: "cac.blended", value: cacPayback(spend, tx, {}).simple.find((r) => r.channel === null).cac },
      "m-ratio": {
        metric: "cac.ltv_ratio",
        value: ltvToCac(spend, tx, { grossMargin: 0.6, ltv: "historical" }).rows.find((r) => r.cohort === null && r.channel === null).value,
      },
      "m-repeat": { metric: "customers.repeat_rate", value: tx.kpis({ period: "week" }).repeatPurchaseRate.value },
      "m-churn": { metric: "churn.rate", value: churnFeatures(tx, { cutoff, horizonDays: 90 }).churnRate },
    };
    for (const [id, want] of Object.entries(expected)) {
      const shown = await read(id);
      const def = getDefinition(want.metric);
      assert.equal(shown.state, "ready", id);
      assert.equal(shown.result.metric, want.metric, id);
      assert.equal(shown.result.value, want.value, `${id}: the element's value equals Node's`);
      assert.ok(Number.isFinite(want.value), `${id}: a number to compare`);
      assert.equal(shown.name, def.name, id);
      assert.equal(shown.id, `${def.id} v${def.version}`, id);
      assert.equal(shown.formula, def.formula, id);
      assert.ok(!shown.text.includes("null"), `${id}: no stray text`);
    }
    // Formatting: a fraction as a percentage with two decimals.
    assert.equal((await read("m-repeat")).value, `${(expected["m-repeat"].value * 100).toFixed(2)}%`);
    assert.equal((await read("m-repeat")).result.params.period, "week");
  });

  it("renders a metric as the team's spec defines it, with the spec's label and version", async () => {
    const spec = MetricSpec.parse(readFileSync(`${root}www/specs/demo.json`, "utf8"));
    const want = spec.evaluate({ transactions: tx, spend }, { only: ["ltv12", "paidCac"] });
    for (const [id, name] of [["m-spec-ltv", "ltv12"], ["m-spec-cac", "paidCac"]]) {
      const shown = await read(id);
      assert.equal(shown.state, "ready", id);
      assert.equal(shown.result.value, want[name].value, `${id}: the element's value equals Node's`);
      assert.ok(Number.isFinite(want[name].value), id);
      assert.equal(shown.name, want[name].label, id);
      assert.equal(shown.result.metric, want[name].definition.metric, id);
      assert.deepEqual(shown.result.spec, want[name].definition.spec, id);
      assert.match(shown.text, /acme-growth@1\.3\.0/, id);
    }
    assert.equal((await read("m-spec-ltv")).result.params.margin, 0.3);
    // A name the spec does not have is reported inline with its code.
    await page.evaluate(() => {
      const el = document.createElement("unimetric-metric");
      el.id = "m-spec-bad";
      el.setAttribute("spec", "/specs/demo.json");
      el.setAttribute("name", "ltv24");
      el.setAttribute("src", "/data/transactions.csv");
      document.body.append(el);
    });
    await page.waitForFunction(() => document.querySelector("#m-spec-bad").dataset.state === "error");
    const text = await page.locator("#m-spec-bad").evaluate((el) => el.shadowRoot.querySelector("[role=alert]").textContent);
    assert.match(text, /E_BAD_OPTION/);
    assert.match(text, /ltv24/);
    await page.locator("#m-spec-bad").evaluate((el) => el.remove());
    spec.free();
  });

  it("opens an element's definition with the keyboard", async () => {
    const summary = page.locator("#m-cac").locator("summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    const open = await page.locator("#m-cac").evaluate((el) => el.shadowRoot.querySelector("details").open);
    assert.equal(open, true);
    const params = await page.locator("#m-cac").evaluate((el) => el.shadowRoot.querySelector("tbody").textContent);
    for (const p of getDefinition("cac.blended").parameters) assert.ok(params.includes(p.name), p.name);
    await page.screenshot({ path: `${artifacts}/embed-elements.png`, fullPage: true });
  });

  it("recomputes when an attribute changes and reports a bad one inline", async () => {
    await page.locator("#m-repeat").evaluate((el) => el.setAttribute("params", '{"period":"month"}'));
    await page.waitForFunction(() => document.querySelector("#m-repeat").result?.params.period === "month");
    assert.equal((await read("m-repeat")).result.value, tx.kpis({ period: "month" }).repeatPurchaseRate.value);

    await page.locator("#m-repeat").evaluate((el) => el.setAttribute("params", '{"period":"fortnight"}'));
    await page.waitForFunction(() => document.querySelector("#m-repeat").dataset.state === "error");
    const text = await page.locator("#m-repeat").evaluate((el) => el.shadowRoot.querySelector("[role=alert]").textContent);
    assert.match(text, /E_BAD_OPTION/);
    assert.match(text, /fortnight/);
    await page.locator("#m-repeat").evaluate((el) => el.setAttribute("params", '{"period":"week"}'));
    await page.waitForFunction(() => document.querySelector("#m-repeat").dataset.state === "ready");
  });

  it("runs the ES module API example in a worker with the same segments as Node", async () => {
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });
    const shown = await page.evaluate(() => window.__unimetricEmbed);
    const summary = tx.summary({ period: "day" });
    const result = segmentCustomers(summary, { k: 4, seed: 0 });
    try {
      assert.deepEqual(shown.labels, Array.from(result.labels));
      assert.deepEqual(shown.profiles, result.profiles);
      assert.equal(await page.locator("#api-rows tr").count(), 4);
      assert.equal(await page.locator("#api-progress").evaluate((el) => el.value), 1);
    } finally {
      result.model.free();
      summary.free();
    }
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
