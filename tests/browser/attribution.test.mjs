// End-to-end test of the dashboard's attribution section (www/) in a real headless Chromium.
//
//   node --test --test-timeout=600000 tests/browser/attribution.test.mjs
//
// The page attributes the sample's first purchases to the sample touchpoints with attribution()
// in its Web Worker; this test runs the same calls in Node (pkg/node.js) on the same files and
// requires the page to hold and show the same numbers: every model's credit, the comparison
// sentences, CAC by attributed channel next to first-purchase CAC, and the Markov chain. The
// model chooser must change the CAC table and stay in the URL; the graph must render; at 390 px
// the page must not scroll sideways. Screenshots go to /tmp/attribution/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Journeys, Spend, Transactions, attribution, cac, cacPayback, compareAttribution, getDefinition, ltvToCac } from "../../pkg/node.js";
import { openDashboard, waitForSection } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const screenshots = "/tmp/attribution";

// The sample files and mappings the dashboard loads (www/app/state.js).
const TX_MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" };
const SPEND_MAPPING = { date: "month", channel: "channel", amount: "amount", channelType: "channel_type" };

/** The sample touchpoints as columns of text (the file has no quoted fields). */
function touchpointColumns(text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const at = Object.fromEntries(header.split(",").map((name, i) => [name, i]));
  const columns = { journeyId: [], timestamp: [], channel: [] };
  for (const line of lines) {
    const fields = line.split(",");
    columns.journeyId.push(fields[at.customer_id]);
    columns.timestamp.push(fields[at.touched_at]);
    columns.channel.push(fields[at.channel]);
  }
  return columns;
}

/** The simulator's true shares (unimetric::sim::TOUCH_CHANNELS), as printed in its docs. */
const TRUE_SHARES = { paid_search: 0.262, organic: 0.234, paid_social: 0.206, email: 0.14, referral: 0.093, direct: 0.047, display: 0.019 };

const FORMATS = {
  percent: new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  currency: new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  decimal: new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  count: new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }),
};
const LABELS = {
  lastTouch: "Last touch", firstTouch: "First touch", lastNonDirect: "Last non-direct", linear: "Linear",
  timeDecay: "Time decay", positionBased: "Position based", markov: "Markov", shapley: "Shapley",
};

/** The reasons of the first-purchase CACs missing in `month`, as the page lists them. */
const firstReasons = (table, month) =>
  table.rows.filter((r) => r.variant === "channel" && r.periodStart === month && r.value === null && r.reason).map((r) => `—: ${r.reason}`);

describe("dashboard attribution section", { timeout: 300_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  let spend;
  let expected;
  const consoleErrors = [];
  const badRequests = [];

  const waitForAttribution = (options) => waitForSection(page, { stateKey: "attributionState", global: "__unimetricAttribution" }, options);

  /** A table's body rows as cell texts. */
  const rows = (selector) => page.locator(`${selector} tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));

  /** The CAC table against cac() in Node under `model`: the latest month complete in both tables. */
  async function assertCacMatchesNode(model) {
    const attributed = cac(spend, tx, { attribution: expected, model });
    const first = cac(spend, tx);
    const fromPage = await page.evaluate(() => window.__unimetricAttribution);
    assert.deepEqual(fromPage.cac.attributed, attributed);
    assert.deepEqual(fromPage.cac.firstPurchase, first);
    const channelRows = (t) => t.rows.filter((r) => r.variant === "channel");
    const incomplete = new Set([...channelRows(attributed), ...channelRows(first)].filter((r) => !r.complete).map((r) => r.periodStart));
    const month = Math.max(...channelRows(attributed).map((r) => r.periodStart).filter((s) => !incomplete.has(s)));
    assert.equal(fromPage.cacMonth, month);
    assert.match(await page.locator("#attr-cac-caption").innerText(), new RegExp(`^Latest complete month: ${new Date(month).toISOString().slice(0, 7)}`));
    const shown = await rows("#attr-cac-rows");
    const inMonth = channelRows(attributed).filter((r) => r.periodStart === month);
    assert.equal(shown.length, new Set([...inMonth, ...channelRows(first).filter((r) => r.periodStart === month)].map((r) => r.channel)).size);
    const reasons = new Set();
    for (const row of inMonth) {
      assert.equal(row.definition.metric, "cac.attributed");
      assert.equal(row.definition.params.model, model);
      const cells = shown.find((c) => c[0] === row.channel);
      assert.ok(cells, `a row for ${row.channel}`);
      const firstRow = channelRows(first).find((r) => r.periodStart === month && r.channel === row.channel);
      assert.equal(cells[1], FORMATS.currency.format(row.spend), `${row.channel} spend`);
      assert.equal(cells[2], firstRow ? FORMATS.count.format(firstRow.newCustomers) : "—", `${row.channel} first-purchase customers`);
      assert.equal(cells[3], FORMATS.decimal.format(row.newCustomers), `${row.channel} customers credited by ${model}`);
      if (firstRow?.value != null) assert.equal(cells[4], FORMATS.currency.format(firstRow.value), `${row.channel} first-purchase CAC`);
      if (row.value !== null) assert.equal(cells[5], FORMATS.currency.format(row.value), `${row.channel} CAC under ${model}`);
      else {
        assert.equal(cells[5], "—");
        reasons.add(`—: ${row.reason}`);
      }
    }
    assert.deepEqual(new Set(await page.locator("#attr-cac-reasons li").allTextContents()), new Set([...reasons, ...firstReasons(first, month)]));
    const head = await page.locator("#attr-cac thead").innerText();
    assert.ok(head.includes(LABELS[model]), `the table names ${LABELS[model]}: ${head}`);
    return shown;
  }

  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    tx = Transactions.fromCsv(readFileSync(`${root}www/data/transactions.csv`), TX_MAPPING);
    spend = Spend.fromCsv(readFileSync(`${root}www/data/spend.csv`), SPEND_MAPPING);
    const touchpoints = touchpointColumns(readFileSync(`${root}www/data/touchpoints.csv`, "utf8"));
    const journeys = Journeys.fromTransactions(touchpoints, tx, { lookbackDays: 30 });
    expected = attribution(journeys, { order: 1, credits: true });
    journeys.free();
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests, viewport: { width: 1440, height: 900 } }));
  });

  after(async () => {
    await close?.();
    spend?.free();
    tx?.free();
  });

  it("credits the sample's first purchases by every model as Node does", async () => {
    await page.goto(`${base}/`);
    await waitForAttribution({ model: "markov" });
    assert.equal(await page.locator("#attr-model").inputValue(), "markov");
    const got = await page.evaluate(() => window.__unimetricAttribution);
    assert.equal(got.touchpoints, true);
    assert.equal(got.sample, true);
    assert.deepEqual(got.channels, expected.channels);
    assert.deepEqual(got.totals, expected.totals);
    assert.equal(got.totals.conversions, 5000);
    assert.equal(got.totals.touches, 32295);
    assert.deepEqual(Object.keys(got.models).sort(), Object.keys(expected.models).sort());
    for (const [name, credit] of Object.entries(expected.models)) {
      // Bit-identical: the same wasm module on the same input.
      assert.deepEqual(got.models[name].conversions, Array.from(credit.conversions), `${name} conversions`);
      assert.deepEqual(got.models[name].share, Array.from(credit.share), `${name} shares`);
      assert.deepEqual(got.models[name].definition, credit.definition, `${name} definition`);
    }
    const { markov } = expected;
    assert.deepEqual(got.markov.states, markov.states);
    assert.deepEqual(got.markov.from, Array.from(markov.from));
    assert.deepEqual(got.markov.to, Array.from(markov.to));
    assert.deepEqual(got.markov.probability, Array.from(markov.probability));
    assert.equal(got.markov.conversionProbability, markov.conversionProbability);
    assert.deepEqual(got.markov.removalEffects, Array.from(markov.removalEffects));
  });

  it("shows every model's shares and the simulator's true share in the table", async () => {
    const head = await page.locator("#attr-shares-head th").allTextContents();
    const models = Object.keys(LABELS).filter((m) => expected.models[m]);
    assert.deepEqual(head, ["Channel", ...models.map((m) => LABELS[m]), "True share (simulated)"]);
    const shown = await rows("#attr-shares-rows");
    assert.equal(shown.length, expected.channels.length);
    shown.forEach((cells, i) => {
      const channel = expected.channels[i];
      assert.equal(cells[0], channel);
      models.forEach((m, k) => assert.equal(cells[1 + k], FORMATS.percent.format(expected.models[m].share[i]), `${channel}, ${m}`));
      // The printed truth (one decimal) against the page's exact shares.
      assert.ok(Math.abs(Number(cells.at(-1).replace("%", "")) / 100 - TRUE_SHARES[channel]) < 0.0006, `${channel} true share ${cells.at(-1)}`);
    });
    assert.match(await page.locator("#attr-truth-note").innerText(), /known contribution/);
    // The chosen model's column is marked.
    assert.equal(await page.locator("#attr-shares-head th.attr-chosen").innerText(), "Markov");
    await page.locator("#attr-chart canvas").first().waitFor();
  });

  it("says how last touch over- and under-credits each channel against Markov", async () => {
    const sentences = (await page.locator("#attr-sentences li").allTextContents()).map((s) => s.trim());
    const want = compareAttribution(expected, "lastTouch", "markov").channels.map((c) => c.summary);
    assert.deepEqual(sentences, want);
    assert.ok(sentences.some((s) => /^Last touch credits \w+ with \d+ % more conversions than Markov$/.test(s)), sentences.join("\n"));
    assert.ok(sentences.some((s) => /fewer conversions than Markov$/.test(s)));
    assert.equal(await page.locator("#attr-compare-heading").innerText(), "Last touch against Markov");
  });

  it("shows CAC by channel under Markov next to first-purchase CAC, as Node computes them", async () => {
    await assertCacMatchesNode("markov");
  });

  it("shows payback and LTV:CAC by channel under Markov next to first purchase, as Node computes them", async () => {
    const economics = (options) => ({
      payback: cacPayback(spend, tx, { margin: 1, attributionLag: 0, ...options }).simple,
      ltv: ltvToCac(spend, tx, { margin: 1, attributionLag: 0, ltv: "historical", ...options }).rows.filter((r) => r.cohort === null),
    });
    const want = { attributed: economics({ attribution: expected, model: "markov" }), firstPurchase: economics({}) };
    const fromPage = await page.evaluate(() => window.__unimetricAttribution.economics);
    assert.deepEqual(fromPage, want);
    for (const row of want.attributed.payback) if (row.channel !== null) assert.equal(row.definition.params.model, "markov");
    const shown = await rows("#attr-econ-rows");
    const channels = [...new Set(want.firstPurchase.payback.concat(want.attributed.payback).map((r) => r.channel).filter((c) => c !== null))].sort();
    assert.deepEqual(shown.map((c) => c[0]), channels);
    for (const cells of shown) {
      const pick = (list) => list.find((r) => r.channel === cells[0]);
      const text = (row) => (row?.value != null ? FORMATS.decimal.format(row.value) : "—");
      assert.deepEqual(cells.slice(1), [
        text(pick(want.firstPurchase.payback)), text(pick(want.attributed.payback)),
        text(pick(want.firstPurchase.ltv)), text(pick(want.attributed.ltv)),
      ], cells[0]);
    }
    // Attribution moves the channels' payback: a model that splits customers is not the first-purchase table.
    assert.notDeepEqual(shown.map((c) => c[2]), shown.map((c) => c[1]));
  });

  it("draws the Markov transition graph and lists every transition", async () => {
    await page.locator("#attr-graph canvas").first().waitFor();
    const size = await page.locator("#attr-graph canvas").first().boundingBox();
    assert.ok(size.width > 300 && size.height > 300, `graph canvas ${size.width} × ${size.height}`);
    assert.match(await page.locator("#attr-graph").getAttribute("aria-label"), /^Markov transition graph: \(start\), 7 channels, \(conversion\) and \(null\)/);
    const transitions = await rows("#attr-transitions-rows");
    assert.equal(transitions.length, expected.markov.from.length);
    assert.deepEqual(transitions[0], [
      expected.markov.states[expected.markov.from[0]],
      expected.markov.states[expected.markov.to[0]],
      FORMATS.percent.format(expected.markov.probability[0]),
    ]);
    await page.locator("#attr-graph-section").screenshot({ path: `${screenshots}/attribution-graph-1440.png` });
  });

  it("opens the Markov model's definition with its parameters in effect", async () => {
    await page.locator("#attr-defs").getByRole("button", { name: "Markov", exact: true }).click();
    const dialog = page.locator("dialog#definition");
    await dialog.waitFor({ state: "visible" });
    assert.equal(await dialog.locator("#def-id").innerText(), "attribution.markov");
    assert.equal(await dialog.locator("#def-version").innerText(), `v${expected.models.markov.definition.version}`);
    const def = getDefinition("attribution.markov");
    if (def) assert.equal(await dialog.locator("#def-formula").innerText(), def.formula);
    const params = await dialog.locator("#def-params").innerText();
    assert.match(params, /order\s+[\s\S]*1/);
    assert.match(params, /lookbackDays[\s\S]*30/);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  it("changes the CAC table and the sentences with the model chooser, and keeps the model in the URL", async () => {
    const before = await rows("#attr-cac-rows");
    await page.locator("#attr-model").selectOption("shapley");
    await waitForAttribution({ model: "shapley" });
    assert.equal(new URL(page.url()).searchParams.get("attrModel"), "shapley");
    const shown = await assertCacMatchesNode("shapley");
    assert.notDeepEqual(shown, before, "the CAC table follows the model");
    const sentences = (await page.locator("#attr-sentences li").allTextContents()).map((s) => s.trim());
    assert.deepEqual(sentences, compareAttribution(expected, "lastTouch", "shapley").channels.map((c) => c.summary));
    assert.equal(await page.locator("#attr-shares-head th.attr-chosen").innerText(), "Shapley");

    await page.reload();
    await waitForAttribution({ model: "shapley" });
    assert.equal(await page.locator("#attr-model").inputValue(), "shapley");
    await assertCacMatchesNode("shapley");

    await page.goBack();
    await waitForAttribution({ model: "markov" });
    assert.equal(await page.locator("#attr-model").inputValue(), "markov");
    await assertCacMatchesNode("markov");
  });

  it("follows its lookback and Markov order and the CAC section's period and lag, as Node computes them", async () => {
    await page.locator("#attr-lookback").fill("14");
    await page.locator("#attr-lookback").dispatchEvent("change");
    await page.locator("#attr-order").selectOption("2");
    await waitForAttribution({ model: "markov", lookbackDays: 14, order: 2 });
    const url = new URL(page.url()).searchParams;
    assert.deepEqual([url.get("attrLookback"), url.get("attrOrder")], ["14", "2"]);
    const touchpoints = touchpointColumns(readFileSync(`${root}www/data/touchpoints.csv`, "utf8"));
    const journeys = Journeys.fromTransactions(touchpoints, tx, { lookbackDays: 14 });
    const want = attribution(journeys, { order: 2, credits: true });
    journeys.free();
    let got = await page.evaluate(() => window.__unimetricAttribution);
    assert.equal(got.markov.order, 2);
    assert.deepEqual(got.markov.states, want.markov.states);
    assert.deepEqual(got.models.markov.conversions, Array.from(want.models.markov.conversions));
    assert.deepEqual(got.totals, want.totals);
    assert.ok(want.totals.touches < 32295, "a shorter lookback keeps fewer touches");

    // The CAC section's period and lag carry over to CAC by attributed channel.
    await page.locator("#cac-period").selectOption("quarter");
    await page.locator("#cac-lag").fill("1");
    await page.locator("#cac-lag").dispatchEvent("change");
    await waitForAttribution({ model: "markov", period: "quarter", attributionLag: 1 });
    got = await page.evaluate(() => window.__unimetricAttribution);
    assert.deepEqual(got.cac.attributed, cac(spend, tx, { attribution: want, model: "markov", period: "quarter", attributionLag: 1 }));
    assert.deepEqual(got.cac.firstPurchase, cac(spend, tx, { period: "quarter", attributionLag: 1 }));
    assert.match(await page.locator("#attr-cac-caption").innerText(), /^Latest complete quarter: \d{4}-Q[1-4] \(attribution lag 1\)$/);

    // A lookback the library refuses is its coded error; the section keeps working.
    await page.locator("#attr-lookback").fill("5000");
    await page.locator("#attr-lookback").dispatchEvent("change");
    await page.locator("#attr-error").waitFor({ state: "visible" });
    assert.match(await page.locator("#attr-error").innerText(), /E_BAD_OPTION/);
    await page.locator("#cac-period").selectOption("month");
    await page.locator("#cac-lag").fill("0");
    await page.locator("#cac-lag").dispatchEvent("change");
    await page.locator("#attr-lookback").fill("30");
    await page.locator("#attr-lookback").dispatchEvent("change");
    await page.locator("#attr-order").selectOption("1");
    await waitForAttribution({ model: "markov", lookbackDays: 30, order: 1, period: "month", attributionLag: 0 });
    await assertCacMatchesNode("markov");
  });

  it("fits a phone: no horizontal overflow at 390 px, tables scroll in their boxes", async () => {
    await page.locator("#attr-graph canvas").first().waitFor();
    await page.locator("#attribution").screenshot({ path: `${screenshots}/attribution-1440.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const clipped = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          if (getComputedStyle(p).overflowX !== "visible") return true;
        }
        return false;
      };
      return {
        page: document.documentElement.scrollWidth,
        client: width,
        overflowing: [...document.querySelectorAll("#attribution *")]
          .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
          .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}`),
      };
    });
    assert.deepEqual(widths.overflowing, [], "elements wider than the page");
    assert.ok(widths.page <= widths.client, `page is ${widths.page} px wide at ${widths.client} px`);
    await page.locator("#attribution").screenshot({ path: `${screenshots}/attribution-390.png` });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it("attributes uploaded transactions to an uploaded touchpoints file as Node does", async () => {
    const txCsv = Buffer.from(["customer,date,amount", "ann,2024-03-05,20", "bob,2024-03-10,35", "cid,2024-04-12,40", "ann,2024-04-20,15"].join("\n"));
    // Semicolons, as some spreadsheet exports write; dan never buys.
    const touchCsv = Buffer.from(
      [
        "customer;touched_at;channel",
        "ann;2024-03-01T10:00:00Z;email",
        "ann;2024-03-04T10:00:00Z;search",
        "bob;2024-03-09T08:00:00Z;search",
        "cid;2024-04-01T08:00:00Z;social",
        "cid;2024-04-10T08:00:00Z;email",
        "dan;2024-04-02T08:00:00Z;social",
      ].join("\n"),
    );
    await page.locator("#upload").evaluate((details) => {
      details.open = true;
    });
    await page.setInputFiles("#file", { name: "mine.csv", mimeType: "text/csv", buffer: txCsv });
    await page.locator("#mapping").waitFor({ state: "visible" });
    await page.setInputFiles("#touch-file", { name: "touches.csv", mimeType: "text/csv", buffer: touchCsv });
    await page.locator("#touch-mapping").waitFor({ state: "visible" });
    const suggested = { journeyId: "customer", timestamp: "touched_at", channel: "channel" };
    for (const [key, column] of Object.entries(suggested)) {
      assert.equal(await page.locator(`#map-touch-${key}`).inputValue(), column, `suggested ${key}`);
    }
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => window.__unimetricAttribution?.touchpoints && window.__unimetricAttribution.totals.touches === 6, null, { timeout: 30_000 });
    await waitForAttribution({ model: "markov" });

    const mine = Transactions.fromCsv(txCsv, { customerId: "customer", timestamp: "date", amount: "amount" });
    try {
      const columns = { journeyId: ["ann", "ann", "bob", "cid", "cid", "dan"], channel: ["email", "search", "search", "social", "email", "social"] };
      columns.timestamp = ["2024-03-01T10:00:00Z", "2024-03-04T10:00:00Z", "2024-03-09T08:00:00Z", "2024-04-01T08:00:00Z", "2024-04-10T08:00:00Z", "2024-04-02T08:00:00Z"];
      const journeys = Journeys.fromTransactions(columns, mine, { lookbackDays: 30 });
      const want = attribution(journeys, { order: 1 });
      journeys.free();
      const got = await page.evaluate(() => window.__unimetricAttribution);
      assert.equal(got.sample, false);
      assert.deepEqual(got.channels, want.channels);
      assert.deepEqual(got.totals, want.totals);
      for (const [name, credit] of Object.entries(want.models)) {
        assert.deepEqual(got.models[name].conversions, Array.from(credit.conversions), `${name} conversions`);
      }
      assert.deepEqual((await page.locator("#attr-sentences li").allTextContents()).map((t) => t.trim()), compareAttribution(want, "lastTouch", "markov").channels.map((c) => c.summary));
    } finally {
      mine.free();
    }
    // No simulated truth for uploaded data, and no CAC without spend.
    assert.equal(await page.locator("#attr-shares-head th.attr-truth").count(), 0);
    assert.equal(await page.locator("#attr-truth-note").isHidden(), true);
    assert.equal(await page.locator("#attr-cac-empty").isVisible(), true);

    // The same transactions without touchpoints: the section says there is nothing to attribute.
    await page.setInputFiles("#touch-file", []);
    await page.getByRole("button", { name: "Load file" }).click();
    await page.waitForFunction(() => window.__unimetricAttribution?.touchpoints === false, null, { timeout: 30_000 });
    assert.equal(await page.locator("#attr-empty").isVisible(), true);
    assert.equal(await page.locator("#attr-body").isHidden(), true);
    assert.match(await page.locator("#attr-empty").innerText(), /no touchpoints/);

    await page.getByRole("button", { name: "Back to sample data" }).click();
    await page.waitForFunction(() => window.__unimetricAttribution?.sample === true, null, { timeout: 30_000 });
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
