// detectAnomalies through the WebAssembly build: the decomposition equals statsmodels' STL on
// the committed fixtures (tests/fixtures/peers/anomaly_stl_statsmodels.py), a planted drop in a
// KPI series from kpiSeries is flagged, the ESD method finds planted outliers, and bad input
// gets coded errors.
//
//   node --test tests/js/anomaly.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Transactions, detectAnomalies, getDefinition, kpiSeries } from "../../pkg/node.js";
import { FIXTURES, runDocBlock, throwsCode } from "./helpers.mjs";

const STL = JSON.parse(readFileSync(path.join(FIXTURES, "peers", "anomaly_stl_statsmodels.json"), "utf8"));
const DAY = 86_400_000;
const days = (n, from = Date.UTC(2024, 0, 1)) => Float64Array.from({ length: n }, (_, i) => from + i * DAY);
const maxDiff = (a, b) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
/** Seeded noise, uniform in [−3, 3) (mulberry32). */
function noise(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return 6 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 3;
  };
}

test("the decomposition equals statsmodels' STL (default and explicit windows) to 1e-8", () => {
  for (const [name, options] of [
    ["daily_default", { seasonality: 7 }],
    ["daily_windows", { seasonality: 7, seasonalWindow: 11, trendWindow: 23, lowPassWindow: 9, seasonalDegree: 0, seasonalJump: 2, trendJump: 3, lowPassJump: 2 }],
  ]) {
    const c = STL.cases.find((x) => x.name === name);
    const r = detectAnomalies({ time: days(c.y.length), value: c.y }, options);
    assert.ok(r.decomposition.trend instanceof Float64Array);
    for (const part of ["trend", "seasonal", "remainder"]) {
      assert.ok(maxDiff(r.decomposition[part], c[part]) < 1e-8, `${name} ${part}: ${maxDiff(r.decomposition[part], c[part])}`);
    }
    assert.deepEqual(r.decomposition.periods, [7]);
    assert.equal(r.definition.metric, "anomaly.detect");
    assert.equal(r.definition.version, getDefinition("anomaly.detect").version);
  }
});

test("a drop planted in a kpiSeries revenue series is flagged, down, and nothing else", () => {
  // 8 weeks of daily revenue: 100 a day, 160 on Saturdays, seeded noise of ±3; day 40 loses 70 %.
  const rows = ["c,d,a"];
  const jitter = noise(7);
  for (let i = 0; i < 56; i++) {
    const base = new Date(Date.UTC(2024, 0, 1) + i * DAY).getUTCDay() === 6 ? 160 : 100;
    const amount = (i === 40 ? 0.3 : 1) * base + jitter();
    rows.push(`c${i},${new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString().slice(0, 10)},${amount}`);
  }
  const tx = Transactions.fromCsv(rows.join("\n"), { customerId: "c", timestamp: "d", amount: "a" });
  const s = kpiSeries(tx, { metrics: ["revenue.net"] });
  const r = detectAnomalies({ time: s.time, value: s.series["revenue.net"].value });
  assert.ok(r.flagged instanceof Uint8Array);
  const flagged = Array.from(r.flagged).flatMap((f, i) => (f ? [i] : []));
  assert.deepEqual(flagged, [40]);
  assert.equal(r.direction[40], -1);
  assert.ok(r.observed[40] < r.lower[40] && r.lower[40] < r.expected[40]);
  // The same series with direction "up" flags nothing.
  assert.equal(detectAnomalies({ time: s.time, value: s.series["revenue.net"].value }, { direction: "up" }).flagged.reduce((a, b) => a + b, 0), 0);
  tx.free();
});

test("method esd flags a planted spike and drop (positions known) and records anomaly.esd", () => {
  // Ten weeks of a weekly pattern with seeded noise of ±3; +60 on day 20, −60 on day 45. (With
  // only eight weeks, day 52 — the same weekday as the drop, one week on, near the end — shares
  // the drop's seasonal subseries and is flagged too.)
  const jitter = noise(11);
  const value = Array.from({ length: 70 }, (_, i) => 100 + 30 * Math.sin((2 * Math.PI * i) / 7) + jitter() + (i === 20 ? 60 : 0) - (i === 45 ? 60 : 0));
  const r = detectAnomalies({ time: days(70), value }, { method: "esd", seasonality: 7, maxAnomalies: 5 });
  assert.deepEqual(Array.from(r.flagged).flatMap((f, i) => (f ? [i] : [])), [20, 45]);
  assert.deepEqual([r.direction[20], r.direction[45]], [1, -1]);
  assert.equal(r.definition.metric, "anomaly.esd");
});

test("detectAnomalies: coded errors name the column and row", () => {
  const t = days(30);
  const v = Array.from({ length: 30 }, (_, i) => 10 + (i % 7));
  throwsCode(() => detectAnomalies({ time: t, value: v.slice(1) }), "E_LENGTH_MISMATCH");
  throwsCode(() => detectAnomalies({ time: t, value: [...v.slice(0, 4), NaN, ...v.slice(5)] }), "E_NON_FINITE", { column: "value", row: 5 });
  throwsCode(() => detectAnomalies({ time: [...t].reverse(), value: v }), "E_OUT_OF_RANGE");
  throwsCode(() => detectAnomalies({ time: t, value: v, denominator: v.map(() => 5) }), "E_OUT_OF_RANGE");
  throwsCode(() => detectAnomalies({ time: t, value: v }, { sensitivity: 2 }), "E_BAD_OPTION");
  throwsCode(() => detectAnomalies({ time: t, value: v, previous: v }), "E_UNKNOWN_OPTION");
  throwsCode(() => detectAnomalies({ time: t.slice(0, 3), value: v.slice(0, 3) }), "E_INSUFFICIENT_DATA");
});

test("anomalies guide: the example prints the documented flags", () => {
  runDocBlock("docs/guide/anomalies.md", "anomalies");
});

test("explainAnomaly: the guide's example (email's missing orders are the gap)", () => {
  runDocBlock("docs/guide/anomalies.md", "explain");
});

