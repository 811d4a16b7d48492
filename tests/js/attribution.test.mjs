// Attribution through the built package: the ChannelAttribution 2.2.5 fixtures
// (tests/fixtures/peers/attribution_channelattribution.py, its output committed) in Node's wasm
// as natively (tests/attribution.rs), the hand-solved chain of the guide, rows, columns and CSV
// of the same journeys giving the same result, and the guide's example.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Journeys, attribution, compareAttribution, Transactions } from "../../pkg/node.js";
import { ROOT, docBlock, documentedOutput, runDocBlock } from "./helpers.mjs";

const CA = JSON.parse(readFileSync(path.join(ROOT, "tests/fixtures/peers/attribution_channelattribution.json"), "utf8"));

const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test("heuristics equal ChannelAttribution's, Markov its exact chain and its simulation", () => {
  const seeds = CA.markov_settings.seeds.length;
  for (const name of ["small", "sim"]) {
    const d = CA.datasets[name];
    const j = Journeys.fromPaths({
      path: d.rows.map((r) => r[0]), conversions: d.rows.map((r) => r[1]), value: d.rows.map((r) => r[2]), nulls: d.rows.map((r) => r[3]),
    }, { separator: d.sep });
    const r = attribution(j, { models: ["firstTouch", "lastTouch", "linear"] });
    for (const [model, key] of [["firstTouch", "first_touch"], ["lastTouch", "last_touch"], ["linear", "linear_touch"]]) {
      r.channels.forEach((ch, i) => {
        near(r.models[model].conversions[i], d.heuristics[`${key}_conversions`][ch], 1e-9, `${name} ${model} ${ch}`);
        near(r.models[model].value[i], d.heuristics[`${key}_value`][ch], 1e-9, `${name} ${model} value ${ch}`);
      });
    }
    for (const order of [1, 2]) {
      const mk = d[`markov_order${order}`];
      const m = attribution(j, { models: ["markov"], order, collapseRepeats: true });
      near(m.markov.conversionProbability, mk.exact.untruncated.p_conversion, 1e-12, `${name} P(conv)`);
      m.channels.forEach((ch, i) => {
        near(m.models.markov.conversions[i], mk.exact.untruncated.total_conversions[ch], 1e-9, `${name} order ${order} ${ch}`);
        const mean = mk.mc_max_step.mean.total_conversions[ch];
        const sd = mk.mc_max_step.sd.total_conversions[ch];
        assert.ok(Math.abs(m.models.markov.conversions[i] - mean) <= 4 * sd / Math.sqrt(seeds), `${name} order ${order} ${ch} vs the simulation`);
      });
    }
  }
});

test("rows, columns and CSV of the same journeys give the same result", () => {
  const t = [["u1", "2024-03-01T10:00:00Z", "search"], ["u1", "2024-03-02T10:00:00Z", "email"], ["u2", "2024-03-01T12:00:00Z", "email"], ["u2", "2024-03-03T12:00:00Z", "direct"]];
  const conv = [["u1", "2024-03-02T12:00:00Z", 80], ["u2", "2024-03-04T09:00:00Z", 20]];
  const rows = Journeys.fromRows(t.map(([journeyId, timestamp, channel]) => ({ journeyId, timestamp, channel })), conv.map(([journeyId, timestamp, value]) => ({ journeyId, timestamp, value })));
  const cols = Journeys.fromColumns(
    { journeyId: t.map((x) => x[0]), timestamp: Float64Array.from(t, (x) => Date.parse(x[1])), channel: t.map((x) => x[2]) },
    { journeyId: conv.map((x) => x[0]), timestamp: conv.map((x) => x[1]), value: Float64Array.from(conv, (x) => x[2]) },
  );
  const csv = Journeys.fromCsv("id,at,source\n" + t.map((x) => x.join(",")).join("\n"), "id,at,revenue\n" + conv.map((x) => x.join(",")).join("\n"), { journeyId: "id", timestamp: "at", channel: "source", value: "revenue" });
  const results = [rows, cols, csv].map((j) => attribution(j, { credits: true }));
  for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
  const r = results[0];
  assert.deepEqual(r.channels, ["direct", "email", "search"]);
  // Last non-direct: u2's path email > direct goes to email; last touch to direct.
  assert.deepEqual([...r.models.lastNonDirect.conversions], [0, 2, 0]);
  assert.deepEqual([...r.models.lastTouch.value], [20, 80, 0]);
  // Time decay (half-life 7 days): u1's touches are 26 h and 2 h before its conversion.
  const w = [2 ** (-26 / 24 / 7), 2 ** (-2 / 24 / 7)];
  near(r.models.timeDecay.conversions[2], w[0] / (w[0] + w[1]), 1e-12, "time decay search");
  // Credits carry each conversion's time and journey.
  assert.deepEqual([...r.models.lastTouch.credits.time], [Date.parse("2024-03-02T12:00:00Z"), Date.parse("2024-03-04T09:00:00Z")]);
  assert.deepEqual(r.journeys, ["u1", "u2"]);
  assert.equal(r.models.markov.definition.metric, "attribution.markov");
});

test("journeys from transactions: first purchases, the lookback window, unattributed purchases", () => {
  const tx = Transactions.fromCsv("c,d,a\na,2024-01-01,20\na,2024-01-15,35\nb,2024-01-10,12.5\n", { customerId: "c", timestamp: "d", amount: "a" });
  const touches = [
    { journeyId: "a", timestamp: "2023-11-01", channel: "display" },
    { journeyId: "a", timestamp: "2023-12-29", channel: "search" },
    { journeyId: "c", timestamp: "2024-01-05", channel: "search" },
  ];
  const j = Journeys.fromTransactions(touches, tx);
  assert.equal(j.totalConversions, 1);
  assert.deepEqual(j.unattributed, { conversions: 1, value: 12.5 });
  assert.equal(j.totalNulls, 1);
  const r = attribution(j, { models: ["firstTouch"] });
  assert.deepEqual([...r.models.firstTouch.conversions], [0, 1]);
  const wide = Journeys.fromTransactions(touches, tx, { lookbackDays: 90 });
  assert.deepEqual([...attribution(wide, { models: ["firstTouch"] }).models.firstTouch.conversions], [1, 0]);
});

test("the guide's example prints the hand-solved values", () => {
  const out = runDocBlock("docs/guide/attribution.md", "attribution");
  assert.ok(out.includes("0.9231") && out.includes("1.0769"));
  assert.equal(documentedOutput(docBlock("docs/guide/attribution.md", "attribution")).length, 3);
  const j = Journeys.fromPaths({ path: ["a > b", "b > a", "a > b > a"], conversions: [1, 0, 1], nulls: [0, 1, 1] });
  const c = compareAttribution(attribution(j, { models: ["lastTouch", "markov"] }), "lastTouch", "markov");
  assert.equal(c.a, "lastTouch");
  near(c.channels.find((x) => x.channel === "b").relative, 1 / 12, 1e-12, "relative");
});
