// The alerts and trends section (issue #20, "Anomaly flags") in a real headless Chromium: the
// sample's injected tracking outage (scripts/traffic-sample.mjs: recorded visits fall to ~10 %
// on two days, so the conversion rate spikes) is among the alerts with an explanation naming a
// channel and the action log's note of that day; the trend chart draws the expected band, the
// flagged days and the notes; the KPI tiles' flags and the <unimetric-metric trend> element agree
// with the same computation in Node; a note added in the page reaches the explanation; 390 px
// has no horizontal overflow.
//
//   node --test tests/browser/anomalies.test.mjs

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, detectAnomalies, explainAnomaly, kpiSeries } from "../../pkg/node.js";
import { openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const artifacts = `${root}tests/artifacts`;
const MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" };
const TRAFFIC = readFileSync(`${root}www/data/traffic.csv`, "utf8");
const TRAFFIC_MAPPING = { date: "date", visits: "visits", channel: "channel" };
const CHANNELS = ["email", "organic", "paid_search", "paid_social", "referral"];
const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The outage scripts/traffic-sample.mjs injects: the days whose visits it cuts to ~10 %. */
const OUTAGE = ["2025-11-12", "2025-11-13"];

/** The action log, read from the file (date, text, author; the texts have no quotes but one). */
const ACTIONS = readFileSync(`${root}www/data/actions.csv`, "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [, date, text, author] = line.match(/^([^,]+),("[^"]*"|[^,]*),(.*)$/);
    return { date, text: text.replace(/^"|"$/g, ""), author };
  });

/** Days of traffic.csv whose recorded visits (all channels) are under 30 % of the median day of the fortnight around them. */
function outageDays() {
  const total = new Map();
  for (const line of TRAFFIC.trim().split("\n").slice(1)) {
    const [date, , visits] = line.split(",");
    total.set(date, (total.get(date) ?? 0) + Number(visits));
  }
  const days = [...total.keys()];
  return days.filter((day, i) => {
    const around = days.slice(Math.max(0, i - 7), i + 8).map((d) => total.get(d)).sort((a, b) => a - b);
    return total.get(day) < 0.3 * around[Math.floor(around.length / 2)];
  });
}

/** Elements that reach past the viewport's right edge outside any scrolling box (as phone.test.mjs). */
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

const settled = (page) => page.waitForFunction(() => document.body.dataset.anomaliesState === "ready" && document.body.dataset.state === "ready", null, { timeout: 120_000 });

/** The options of the trend chart's ECharts instance. */
const chartOption = (page) =>
  page.evaluate(async () => {
    const echarts = await import("/vendor/echarts/echarts.esm.min.mjs");
    const option = echarts.getInstanceByDom(document.getElementById("trend-chart")).getOption();
    return { series: option.series.map((s) => ({ name: s.name, type: s.type, stack: s.stack ?? null, area: Boolean(s.areaStyle), data: s.data, markLine: s.markLine?.data ?? [] })), days: option.xAxis[0].data };
  });

describe("alerts and trends", { timeout: 300_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    tx = Transactions.fromCsv(readFileSync(`${root}www/data/transactions.csv`), MAPPING);
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests, viewport: { width: 1440, height: 900 } }));
    await page.goto(`${base}/`);
    await page.evaluate(() => localStorage.removeItem("unimetric.notes"));
    await settled(page);
  });

  after(async () => {
    await page?.evaluate(() => localStorage.removeItem("unimetric.notes")).catch(() => {});
    await close?.();
    tx?.free();
  });

  it("the sample traffic has the injected outage", () => {
    assert.deepEqual(outageDays(), OUTAGE);
    assert.ok(ACTIONS.some((a) => a.date === OUTAGE[0] && /analytics tag removed/i.test(a.text)), "the action log notes the outage");
  });

  it("lists the tracking outage among the alerts, newest first, explained by channel with the day's note", async () => {
    const alerts = await page.locator("#alerts > li").evaluateAll((items) =>
      items.map((li) => ({
        metric: li.dataset.metric,
        day: li.dataset.day,
        sentence: li.querySelector(".alert-sentence")?.textContent ?? "",
        contributors: [...li.querySelectorAll(".alert-contributors li")].map((c) => c.dataset.value),
        visible: li.checkVisibility(),
      })),
    );
    assert.ok(alerts.length > 0, "some alerts");
    const days = alerts.map((a) => a.day);
    assert.deepEqual(days, [...days].sort().reverse(), "newest first");
    for (const day of OUTAGE) {
      const alert = alerts.find((a) => a.metric === "traffic.conversion_rate" && a.day === day);
      assert.ok(alert, `the conversion rate on ${day} is an alert (alerts: ${JSON.stringify(alerts.map((a) => [a.metric, a.day]))})`);
      assert.ok(alert.visible);
      const [y, m, d] = day.split("-").map(Number);
      const words = new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
      assert.match(alert.sentence, new RegExp(`^Conversion rate on ${words} is \\d+ % above expected`), alert.sentence);
      const named = CHANNELS.filter((c) => alert.sentence.includes(`${c} accounts for`));
      assert.equal(named.length, 1, `one channel leads: ${alert.sentence}`);
      assert.ok(alert.contributors.length > 0 && alert.contributors.every((c) => CHANNELS.includes(c)), JSON.stringify(alert.contributors));
      assert.equal(alert.contributors[0], named[0], "the first contributor listed is the one the sentence names");
      // The same explanation in Node: the library's sentence, as the page shows it.
      const want = explainAnomaly(tx, {
        metric: "traffic.conversion_rate",
        at: day,
        by: "channel",
        annotations: ACTIONS,
        traffic: TRAFFIC,
        trafficMapping: TRAFFIC_MAPPING,
      });
      assert.equal(alert.sentence, want.sentence);
      assert.equal(want.flagged, true);
    }
    const first = alerts.find((a) => a.metric === "traffic.conversion_rate" && a.day === OUTAGE[0]);
    assert.match(first.sentence, /Noted: “Analytics tag removed by site release[^”]*” \(Priya \(site team\)\)\./);
  });

  it("draws the trend chart of a chosen KPI with the expected band, the flagged days and the notes", async () => {
    await page.selectOption("#trend-metric", "traffic.conversion_rate");
    await page.waitForFunction(() => new URL(location.href).searchParams.get("trend") === "traffic.conversion_rate");
    await page.waitForFunction(() => document.getElementById("trend-chart").getAttribute("aria-label").includes("Conversion rate"));
    const option = await chartOption(page);
    const band = option.series.filter((s) => s.stack === "band");
    assert.equal(band.length, 2, "band: lower edge and width, stacked");
    assert.ok(band[1].area, "the band is shaded");
    const lastDay = isoDay(tx.timeRange.last);
    assert.equal(option.days.length, 180);
    // The flagged points: present on the outage days, and only where Node's detection flags.
    const s = kpiSeries(tx, { bucket: "day", metrics: ["traffic.conversion_rate"], traffic: TRAFFIC, trafficMapping: TRAFFIC_MAPPING });
    const m = s.series["traffic.conversion_rate"];
    const r = detectAnomalies({ time: s.time, value: Float64Array.from(m.value, (v, i) => Math.round(v * m.denominator[i])), denominator: m.denominator });
    const from = s.time.length - 180;
    assert.equal(isoDay(s.time.at(-1)), lastDay);
    const flags = option.series.find((s) => s.name === "Flagged");
    assert.equal(flags.type, "scatter");
    const drawn = flags.data.flatMap((v, i) => (v !== null && v !== undefined && v !== "-" ? [isoDay(s.time[from + i])] : []));
    const nodeFlags = Array.from(r.flagged.slice(from)).flatMap((f, i) => (f ? [isoDay(s.time[from + i])] : []));
    assert.deepEqual(drawn, nodeFlags);
    for (const day of OUTAGE) assert.ok(drawn.includes(day), `${day} is marked`);
    for (let i = from; i < s.time.length; i++) {
      assert.ok(Math.abs(band[0].data[i - from] - r.lower[i]) < 1e-9 && Math.abs(band[0].data[i - from] + band[1].data[i - from] - r.upper[i]) < 1e-9, `band on ${isoDay(s.time[i])}`);
    }
    // Notes: the action log's entries in the window, as dashed lines and listed under the chart.
    const windowStart = isoDay(s.time[from]);
    const inWindow = ACTIONS.filter((a) => a.date >= windowStart && a.date <= lastDay);
    assert.ok(inWindow.length >= 3, "the action log has notes in the chart's window");
    const lines = option.series.find((s) => s.name === "Observed").markLine.map((l) => isoDay(s.time[from + l.xAxis]));
    assert.deepEqual(lines.sort(), inWindow.map((a) => a.date).sort());
    const listed = await page.locator("#trend-notes li").evaluateAll((items) => items.map((li) => ({ day: li.dataset.day, text: li.textContent })));
    assert.deepEqual(listed.map((l) => l.day), inWindow.map((a) => a.date));
    for (const [i, a] of inWindow.entries()) assert.ok(listed[i].text.includes(a.text), listed[i].text);
    const label = await page.locator("#trend-chart").getAttribute("aria-label");
    assert.match(label, /flagged days?: .*Nov 12, 2025, Nov 13, 2025/);
    // The table under the chart carries the same flags.
    const flaggedRows = await page.locator('#trend-rows tr[data-flagged="true"]').evaluateAll((rows) => rows.map((r) => r.dataset.day));
    assert.deepEqual(flaggedRows, nodeFlags);
    await page.locator("#trend-section").screenshot({ path: `${artifacts}/anomalies-trend.png` });
  });

  it("opens an alert's day in the trend chart from the alert", async () => {
    await page.selectOption("#trend-metric", "revenue.net");
    await page.waitForFunction(() => document.getElementById("trend-chart").getAttribute("aria-label").includes("Net revenue") || new URL(location.href).searchParams.get("trend") === null);
    await page.locator(`#alerts li[data-metric="traffic.conversion_rate"][data-day="${OUTAGE[0]}"] button`).click();
    assert.equal(await page.locator("#trend-metric").inputValue(), "traffic.conversion_rate");
    assert.equal(await page.evaluate(() => document.activeElement.id), "trend-metric");
  });

  it("puts a flag on a KPI tile whose last complete month has a flagged day, as Node's detection says", async () => {
    const tiles = { customers: "customers.active", orders: "orders.count", revenue: "revenue.net", averageOrderValue: "orders.aov", repeatPurchaseRate: "customers.repeat_share" };
    const flaggedIn = (end) => {
      const endMs = Date.parse(`${end}T00:00:00Z`);
      const monthEnd = new Date(endMs + DAY_MS).getUTCDate() === 1;
      const monthStart = (ms) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), 1);
      const lastMonth = monthEnd ? monthStart(endMs) : monthStart(monthStart(endMs) - DAY_MS);
      const s = kpiSeries(tx, { bucket: "day", metrics: Object.values(tiles), end });
      const out = {};
      for (const [key, id] of Object.entries(tiles)) {
        const m = s.series[id];
        const input = id === "customers.repeat_share" ? { time: s.time, value: Float64Array.from(m.value, (v, i) => Math.round(v * m.denominator[i])), denominator: m.denominator } : { time: s.time, value: m.value };
        const r = detectAnomalies(input);
        const days = Array.from(s.time).flatMap((t, i) => (r.flagged[i] && t >= lastMonth && t <= endMs ? [isoDay(t)] : []));
        if (days.length) out[key] = days;
      }
      return out;
    };
    // The observation ends the page is set to: the data's own end and the last day of earlier months,
    // until one has a flagged tile.
    let checked = 0;
    let withFlag = null;
    for (const end of ["", "2025-11-30", "2025-10-31", "2025-09-30", "2025-08-31", "2025-07-31", "2025-06-30"]) {
      const want = flaggedIn(end || isoDay(tx.timeRange.last));
      if (end) {
        await page.fill("#end", end);
        await page.locator("#end").dispatchEvent("change");
        await page.waitForFunction((e) => window.__unimetricAnomalies?.options.observationEnd === e, end, { timeout: 60_000 });
        await settled(page);
      }
      const shown = await page.locator("#tiles .tile-flag").evaluateAll((links) =>
        links.map((a) => ({ key: a.closest(".tile").dataset.kpi, day: a.dataset.day, label: a.getAttribute("aria-label"), href: a.getAttribute("href") })),
      );
      assert.deepEqual(Object.fromEntries(shown.map((f) => [f.key, f.day])), Object.fromEntries(Object.entries(want).map(([k, days]) => [k, days.at(-1)])), `flags with end ${end || "(last transaction)"}`);
      for (const f of shown) {
        assert.ok(f.label.length > 20, f.label);
        assert.ok(await page.locator(f.href).count(), `${f.href} is an alert`);
      }
      checked += 1;
      if (shown.length) {
        withFlag = { end, shown };
        await page.locator("#kpis").screenshot({ path: `${artifacts}/anomalies-tiles.png` });
        break;
      }
    }
    assert.ok(withFlag, `a flagged tile among ${checked} observation ends`);
    await page.click("#end-clear");
    await page.waitForFunction(() => window.__unimetricAnomalies?.options.observationEnd === null, null, { timeout: 60_000 });
    await settled(page);
  });

  it("adds a note of the user's to the explanation of that day, and keeps it in this browser", async () => {
    await page.locator("#note-editor summary").click();
    await page.fill("#note-date", OUTAGE[1]);
    await page.fill("#note-text", "Checked the tag on the landing pages");
    await page.fill("#note-author", "test");
    await page.click("#note-add");
    await page.waitForFunction(() => window.__unimetricAnomalies?.options.annotations === 1, null, { timeout: 60_000 });
    await settled(page);
    const sentence = await page.locator(`#alerts li[data-metric="traffic.conversion_rate"][data-day="${OUTAGE[1]}"] .alert-sentence`).textContent();
    assert.match(sentence, /Noted: “Checked the tag on the landing pages” \(test\)\.$/);
    assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem("unimetric.notes"))), [{ date: OUTAGE[1], text: "Checked the tag on the landing pages", author: "test" }]);
    await page.locator("#own-notes button").click();
    await page.waitForFunction(() => window.__unimetricAnomalies?.options.annotations === 0, null, { timeout: 60_000 });
    await settled(page);
  });

  it("fits a phone: no horizontal overflow at 390 px", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator("#anomalies").scrollIntoViewIfNeeded();
    assert.deepEqual(await page.evaluate(overflowing), []);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    assert.ok(scrollWidth <= clientWidth, `page is ${scrollWidth} px wide at ${clientWidth} px`);
    await page.locator("#anomalies").screenshot({ path: `${artifacts}/anomalies-390.png` });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.locator("#anomalies").screenshot({ path: `${artifacts}/anomalies-1440.png` });
  });

  it("without channels or traffic: alerts with the detection's figures, no conversion rate", async () => {
    // The dashboard's worker task on the sample read without its channel column and without traffic.
    const plain = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id" };
    const result = await page.evaluate(async (mapping) => {
      const engine = window.__unimetricEngine;
      await engine.call("load", [{ url: "/data/transactions.csv", mapping, name: "plain" }]);
      return engine.call("anomalies", [{}]);
    }, plain);
    assert.equal(result.by, null);
    assert.equal(result.traffic, null);
    assert.deepEqual(Object.keys(result.series), ["revenue.net", "orders.count", "orders.aov", "customers.active", "customers.new", "customers.repeat_share"]);
    assert.ok(result.alerts.length > 0);
    const tx2 = Transactions.fromCsv(readFileSync(`${root}www/data/transactions.csv`), plain);
    try {
      const s = kpiSeries(tx2, { bucket: "day", metrics: ["orders.count"] });
      const r = detectAnomalies({ time: s.time, value: s.series["orders.count"].value });
      for (const alert of result.alerts) {
        assert.equal(alert.explanation, null);
        assert.equal(alert.error, null);
        if (alert.metric !== "orders.count") continue;
        const i = Array.from(s.time).indexOf(alert.time);
        assert.equal(r.flagged[i], 1, isoDay(alert.time));
        assert.deepEqual(alert.detection, { observed: r.observed[i], expected: r.expected[i], lower: r.lower[i], upper: r.upper[i], direction: r.direction[i] });
      }
    } finally {
      tx2.free();
    }
  });

  it("shows the sparkline and the flag of <unimetric-metric trend> as Node computes them", async () => {
    await page.goto(`${base}/embed.html`);
    await page.waitForFunction(() => ["m-trend-revenue", "m-trend-orders"].every((id) => document.getElementById(id)?.dataset.state === "ready"), null, { timeout: 60_000 });
    // A third element by week: the sample's last week (29–31 Dec 2025) has 3 days, far below a
    // whole week's orders, and is flagged.
    await page.evaluate(() => {
      const el = document.createElement("unimetric-metric");
      el.id = "m-trend-week";
      for (const [name, value] of Object.entries({
        metric: "orders.count",
        trend: "week",
        src: "/data/transactions.csv",
        mapping: JSON.stringify({ customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" }),
      })) el.setAttribute(name, value);
      document.querySelector("main").append(el);
    });
    await page.waitForFunction(() => document.getElementById("m-trend-week")?.dataset.state === "ready", null, { timeout: 60_000 });
    const cases = [
      { id: "m-trend-revenue", metric: "revenue.net", bucket: "day", n: 30 },
      { id: "m-trend-orders", metric: "orders.count", bucket: "month", n: 12 },
      { id: "m-trend-week", metric: "orders.count", bucket: "week", n: 26 },
    ];
    const flagged = {};
    for (const { id, metric, bucket, n } of cases) {
      const shown = await page.locator(`#${id}`).evaluate((el) => ({
        trend: el.result.trend,
        points: el.shadowRoot.querySelector("svg.spark polyline")?.getAttribute("points").split(" ").length ?? 0,
        label: el.shadowRoot.querySelector("svg.spark")?.getAttribute("aria-label"),
        flag: el.shadowRoot.querySelector(".flag")?.textContent ?? null,
        dots: el.shadowRoot.querySelectorAll("svg.spark .spark-flag").length,
      }));
      const s = kpiSeries(tx, { bucket, metrics: [metric] });
      const r = detectAnomalies({ time: s.time, value: s.series[metric].value });
      const from = s.time.length - n;
      flagged[id] = r.flagged.at(-1) === 1;
      assert.equal(shown.points, n, id);
      assert.deepEqual(shown.trend.values, Array.from(r.observed.slice(from)), id);
      assert.deepEqual(shown.trend.flagged, Array.from(r.flagged.slice(from), Boolean), id);
      assert.equal(shown.dots, Array.from(r.flagged.slice(from)).filter(Boolean).length, id);
      assert.equal(shown.flag !== null, flagged[id], `${id}: a flag exactly when the last ${bucket} is flagged`);
      assert.match(shown.label, new RegExp(`per ${bucket}`));
    }
    assert.equal(flagged["m-trend-week"], true, "the sample's last, 3-day week is flagged");
    const flag = await page.locator("#m-trend-week").evaluate((el) => el.shadowRoot.querySelector(".flag").textContent);
    assert.match(flag, /^⚑ Flagged: the week of Dec 29, 2025 is below its expected band/);
    await page.locator(".embed-row").nth(1).screenshot({ path: `${artifacts}/embed-trend.png` });
    await page.locator("#m-trend-week").screenshot({ path: `${artifacts}/embed-trend-week.png` });
  });

  it("made no failed or off-origin requests and logged no errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
