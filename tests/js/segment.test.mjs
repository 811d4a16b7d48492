// Segments through the built package: values checked by hand or by definitions written here,
// native/wasm parity (`cargo run --example segment_parity`), and a bad-input matrix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  segment, segmentCustomers, chooseK, chooseKCustomers, rfmScores, SegmentModel, CustomerSummary, Transactions,
} from "../../pkg/node.js";
import { ROOT, runDocBlock, throwsCode } from "./helpers.mjs";

const hex = (arr) => Array.from(arr, (x) => {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16).padStart(16, "0");
});
const unhex = (arr) => Float64Array.from(arr, (h) => {
  const b = new DataView(new ArrayBuffer(8));
  b.setBigUint64(0, BigInt("0x" + h));
  return b.getFloat64(0);
});

// Two groups on one feature: {1, 1.2, 0.8} and {50, 52, 48}.
const small = new Float64Array([1, 1.2, 0.8, 50, 52, 48]);

test("segment: labels, centroids, inertia, profiles by hand", () => {
  const r = segment(small, 1, { k: 2, seed: 1, scaling: "none" });
  assert.ok(r.labels instanceof Uint32Array);
  // Clusters numbered by descending feature 0: the {50, 52, 48} group is cluster 0.
  assert.deepEqual([...r.labels], [1, 1, 1, 0, 0, 0]);
  assert.deepEqual([...r.centroids], [50, 1]);
  // SSE: (0² + 2² + 2²) + (0² + 0.2² + 0.2²) = 8.08 (not divided by n).
  assert.ok(Math.abs(r.inertia - 8.08) < 1e-12, String(r.inertia));
  assert.equal(r.profiles[0].size, 3);
  assert.equal(r.profiles[0].share, 0.5);
  assert.deepEqual(r.profiles[1].median, [1]);
  assert.equal(r.profiles[0].name, "high f0");
  assert.equal(r.definition.metric, "segment.kmeans");
  assert.equal(r.definition.params.inertia, "sum of squared distances");
  assert.equal(r.definition.params.k, 2);
  assert.ok(r.iterations >= 1 && r.converged);
});

test("one Lloyd iteration from given centres (the benchmark's option)", () => {
  // Rows 0, 2, 10, 12; centres 0 and 10 → {0, 2}, {10, 12} → centres 1 and 11; SSE 4.
  const r = segment(new Float64Array([0, 2, 10, 12]), 1, {
    k: 2, init: new Float64Array([0, 10]), nInit: 1, maxIterations: 1, algorithm: "lloyd", scaling: "none", orderBy: "asFound",
  });
  assert.deepEqual([...r.centroids], [1, 11]);
  assert.equal(r.inertia, 4);
  assert.equal(r.iterations, 1);
  assert.equal(r.definition.params.init, "given");
});

test("native and wasm give the same labels and bits for fixed seeds", { timeout: 600_000 }, () => {
  const native = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "segment_parity"], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"],
  }));
  const x = unhex(native.features);
  for (const run of native.runs) {
    const r = segment(x, native.nCols, { k: 6, seed: 12345, algorithm: run.algorithm, log1p: [true, false, false, false] });
    assert.deepEqual([...r.labels], run.labels, run.algorithm);
    assert.deepEqual(hex(r.centroids), run.centroids, run.algorithm);
    assert.deepEqual(hex([r.inertia]), run.inertia, run.algorithm);
    assert.equal(r.iterations, run.iterations);
  }
  const csv = readFileSync(path.join(ROOT, "www", "data", "transactions.csv"));
  const tx = Transactions.fromCsv(csv, {
    customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel",
  });
  const s = tx.summary();
  const c = segmentCustomers(s, { k: 4, seed: 7 });
  assert.deepEqual([...c.labels], native.customers.labels);
  assert.deepEqual(hex(c.centroids), native.customers.centroids);
  assert.deepEqual(hex([c.inertia]), native.customers.inertia);
  assert.deepEqual(c.profiles.map((p) => p.name), native.customers.names);
  assert.deepEqual(c.featureNames, ["monetaryValue", "frequency", "periodsSinceLastPurchase"]);
  assert.equal(c.definition.params.orderBy, "descending monetaryValue");
  const rfm = rfmScores(s);
  assert.deepEqual(rfm.cell, native.rfm.cell);
  assert.deepEqual(rfm.segment, native.rfm.segment);
});

test("saved model: predict, toJSON / fromJSON round trip through JSON text", () => {
  const x = new Float64Array([1, 10, 2, 11, 1.5, 9, 40, 100, 42, 90, 41, 95]);
  const r = segment(x, 2, { k: 2, seed: 3, log1p: ["f1"] });
  assert.deepEqual([...r.model.predict(x, 2)], [...r.labels]);
  const text = JSON.stringify(r.model);
  const back = SegmentModel.fromJSON(JSON.parse(text));
  assert.deepEqual([...back.predict(x, 2)], [...r.labels]);
  assert.deepEqual(SegmentModel.fromJSON(text).profiles, r.profiles);
  assert.equal(back.k, 2);
  assert.deepEqual(back.featureNames, ["f0", "f1"]);
  // A new customer near the second group.
  assert.deepEqual([...back.predict(new Float64Array([39, 97]), 2)], [r.labels[3]]);
  throwsCode(() => back.predict(x, 3), "E_BAD_OPTION", { column: "nCols" });
  throwsCode(() => SegmentModel.fromJSON({ version: "1.0.0" }), "E_BAD_OPTION", { column: "model" });
  throwsCode(() => SegmentModel.fromJSON("{not json"), "E_BAD_OPTION");
  const broken = JSON.parse(text);
  broken.kmeans.centroids.pop();
  throwsCode(() => SegmentModel.fromJSON(broken), "E_BAD_OPTION");
});

test("chooseK recommends the number of well-separated groups", () => {
  // Three groups of four points on a line, far apart.
  const x = new Float64Array([0, 0.1, 0.2, 0.3, 10, 10.1, 10.2, 10.3, 20, 20.1, 20.2, 20.3]);
  const r = chooseK(x, 1, { kMin: 2, kMax: 4, scaling: "none" });
  assert.deepEqual(r.scores.map((s) => s.k), [2, 3, 4]);
  assert.equal(r.recommended, 3, r.reason);
  // At k = 3 each row's own-cluster mean distance a is small vs b ≈ 10: silhouette near 1.
  // Row 0: a = (0.1 + 0.2 + 0.3) / 3 = 0.2, b = mean |0 − {10..10.3}| = 10.15 → s = 0.98030…
  assert.ok(r.scores[1].silhouette > 0.97);
  assert.equal(r.definition.metric, "segment.choose_k");
  assert.ok(r.scores[0].inertia > r.scores[1].inertia && r.scores[1].inertia > r.scores[2].inertia);
});

test("RFM scores and segments from a summary built from columns", () => {
  // Same fixture as tests/segment.rs (hand-computed quintiles there).
  const s = CustomerSummary.fromColumns({
    customerId: new Uint32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    frequency: [9, 4, 0, 2, 0, 6, 1, 9, 3, 0],
    recency: [95, 80, 0, 30, 0, 50, 10, 90, 70, 0],
    T: [100, 100, 10, 100, 200, 200, 100, 100, 300, 50],
    monetaryValue: [50, 40, 0, 30, 0, 60, 20, 55, 45, 0],
  });
  const r = rfmScores(s);
  assert.ok(r.r instanceof Uint8Array);
  assert.deepEqual([...r.r], [5, 4, 4, 3, 1, 2, 2, 4, 1, 3]);
  assert.deepEqual([...r.f], [5, 4, 1, 3, 1, 4, 2, 5, 3, 1]);
  assert.deepEqual([...r.m], [4, 3, 1, 3, 1, 5, 2, 5, 4, 1]);
  assert.equal(r.cell[0], "554");
  assert.deepEqual([r.segment[0], r.segment[2], r.segment[4], r.segment[5]], ["Champions", "New", "Lost", "At risk"]);
  assert.equal(r.definition.params.monetary, "meanRepeat");
  throwsCode(() => rfmScores(s, { monetary: "total" }), "E_BAD_OPTION", { column: "monetary" });
  throwsCode(() => rfmScores(s, { tie: "x" }), "E_UNKNOWN_OPTION", { column: "tie" });
  const c = segmentCustomers(s, { k: 2 });
  assert.deepEqual([...c.model.predictCustomers(s)], [...c.labels]);
  const k = chooseKCustomers(s, { kMax: 3 });
  assert.deepEqual(k.scores.map((x) => x.k), [2, 3]);
});

test("bad input: typed errors, and the instance keeps working", () => {
  const x = new Float64Array([1, 2, 3, 4, 5, 6]);
  const copy = Float64Array.from(x);
  throwsCode(() => segment(x, 2, { k: 4 }), "E_INSUFFICIENT_DATA"); // k > n (3 rows)
  throwsCode(() => segment(x, 4, { k: 1 }), "E_BAD_OPTION", { column: "nCols" }); // 6 values, rows of 4
  throwsCode(() => segment(x, 0), "E_BAD_OPTION", { column: "nCols" });
  throwsCode(() => segment(x, 1.5), "E_BAD_OPTION", { column: "nCols" });
  throwsCode(() => segment(new Float64Array([1, 2, NaN, 4]), 2, { k: 1 }), "E_NON_FINITE", { column: "f0", row: 2 });
  throwsCode(() => segment(new Float64Array([1, Infinity]), 1, { k: 1 }), "E_NON_FINITE", { row: 2 });
  throwsCode(() => segment([1, 2, 3], 1), "E_BAD_TYPE", { column: "features" });
  throwsCode(() => segment(x, 2, { kk: 2 }), "E_UNKNOWN_OPTION", { column: "kk" });
  throwsCode(() => segment(x, 2, { k: 0 }), "E_BAD_OPTION", { column: "k" });
  throwsCode(() => segment(x, 2, { k: 2.5 }), "E_BAD_OPTION", { column: "k" });
  throwsCode(() => segment(x, 2, { k: "2" }), "E_BAD_OPTION", { column: "k" });
  throwsCode(() => segment(x, 2, { seed: -1 }), "E_BAD_OPTION", { column: "seed" });
  throwsCode(() => segment(x, 2, { seed: 2 ** 32 }), "E_BAD_OPTION", { column: "seed" });
  throwsCode(() => segment(x, 2, { tolerance: -1 }), "E_BAD_OPTION", { column: "tolerance" });
  throwsCode(() => segment(x, 2, { algorithm: "elkan" }), "E_BAD_OPTION", { column: "algorithm" });
  throwsCode(() => segment(x, 2, { scaling: "minmax" }), "E_BAD_OPTION", { column: "scaling" });
  throwsCode(() => segment(x, 2, { orderBy: "nope" }), "E_BAD_OPTION", { column: "orderBy" });
  throwsCode(() => segment(x, 2, { orderBy: 2 }), "E_BAD_OPTION", { column: "orderBy" });
  throwsCode(() => segment(x, 2, { log1p: ["zz"] }), "E_BAD_OPTION", { column: "log1p" });
  throwsCode(() => segment(x, 2, { featureNames: ["a"] }), "E_BAD_OPTION", { column: "featureNames" });
  throwsCode(() => segment(x, 2, { k: 2, init: [0, 0, 1] }), "E_BAD_OPTION", { column: "init" });
  throwsCode(() => segment(new Float64Array([-5, 1, 2, 3]), 1, { k: 1, log1p: [true] }), "E_NEGATIVE", { row: 1 });
  throwsCode(() => segment(new Float64Array([1, 1, 1, 1]), 1, { k: 2 }), "E_INSUFFICIENT_DATA"); // 1 distinct row
  throwsCode(() => segment(x, 2, "k=2"), "E_BAD_OPTION", { column: "options" });
  throwsCode(() => chooseK(x, 2, { kMin: 1 }), "E_BAD_OPTION", { column: "kMin" });
  throwsCode(() => chooseK(x, 2, { k: 3 }), "E_UNKNOWN_OPTION", { column: "k" });
  throwsCode(() => chooseK(x, 2, { sampleSize: 1 }), "E_BAD_OPTION", { column: "sampleSize" });
  assert.deepEqual(x, copy, "caller's array untouched");
  // Still working after all the errors.
  assert.deepEqual([...segment(small, 1, { k: 2, scaling: "none" }).labels], [1, 1, 1, 0, 0, 0]);
});

test("segments guide example runs and prints the documented values", () => {
  // Hand check of the example (observation end = last transaction, 2024-03-20, period day):
  //   a: freq 1, monetaryValue 250, gap 48; b: 0, 0, 70; c: 1, 35, 19; d: 0, 0, 0.
  //   Two clusters {a, c} (repeat buyers with value) and {b, d}; ordered by monetaryValue.
  //   R (w = customers with a larger gap, 1 + ⌊5w/4⌋): a 2, b 1, c 3, d 4; F (F = freq + 1):
  //   a 3, b 1, c 3, d 1 → At risk (R2 F3), Lost (R1 F1), Loyal (R3 F3), New (R4 F1).
  // runDocBlock also compares every printed line with the output the guide documents.
  const out = runDocBlock("docs/guide/segments.md", "segments");
  const lines = out.trim().split("\n");
  assert.equal(lines.length, 4, out);
  assert.equal(lines[0], "Uint32Array(4) [ 0, 1, 0, 1 ] [ '0 2 high value · frequent', '1 2 low value · infrequent' ]");
  assert.equal(lines[1], "Uint32Array(4) [ 0, 1, 0, 1 ]");
  assert.equal(lines[2], "2 [ 'At risk', 'Lost', 'Loyal', 'New' ]");
  assert.equal(lines[3], "Uint32Array(6) [ 1, 1, 1, 0, 0, 0 ]");
});
