// Experiments through the built package: every case of the gbstats / scipy / statsmodels fixture
// (tests/fixtures/peers/experiment_gbstats.py) matched to 1e-6 in WebAssembly too, the result's
// shape, typed errors, and the guide's example (whose documented figures are gbstats', scipy's and
// statsmodels' from the same fixture, and which unimetric must print).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Transactions, experiment, experimentFromUnits, experimentOnTransactions, experimentReport, srmCheck, planExperiment, getDefinition } from "../../pkg/node.js";
import { FIXTURES, docBlock, documentedOutput, runDocBlock, throwsCode } from "./helpers.mjs";

const F = JSON.parse(readFileSync(path.join(FIXTURES, "peers", "experiment_gbstats.json"), "utf8"));
const close = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-6 * Math.abs(want) + 1e-12, `${what}: got ${got}, want ${want}`);

test("every fixture case matches gbstats, scipy and statsmodels to 1e-6", () => {
  for (const kase of F.cases) {
    const r = experiment(kase.input, kase.options);
    kase.expected.comparisons.forEach((w, i) => {
      const c = r.comparisons[i];
      assert.equal(c.arm, w.arm);
      for (const k of ["estimate", "stdError", "df", "pValue", "adjustedPValue", "chanceToWin", "risk", "baselineRisk", "theta"]) {
        if (k in w) close(c[k], w[k], `${kase.name} ${c.arm} ${k}`);
      }
      if ("scipyPValue" in w) close(c.pValue, w.scipyPValue, `${kase.name} scipy p`);
      close(c.ci[0], w.ci[0], `${kase.name} ci[0]`);
      close(c.ci[1], w.ci[1], `${kase.name} ci[1]`);
    });
    close(r.srm.pValue, kase.expected.srm.pValue, `${kase.name} srm`);
  }
  for (const s of F.srm) close(srmCheck(s.counts, s.weights).pValue, s.pValue, "srm");
  for (const p of F.plans) assert.equal(planExperiment(p.options).unitsPerArm, p.unitsPerArm);
});

test("the result: arms, comparisons, srm, definition", () => {
  const r = experiment(
    { metric: "proportion", name: "sign-ups", arms: [{ name: "A", n: 1000, conversions: 100 }, { name: "B", n: 1000, conversions: 150 }, { name: "C", n: 1000, conversions: 101 }] },
    { difference: "absolute", correction: "holm", unitsPerDay: 500 },
  );
  assert.deepEqual(r.arms.map((a) => [a.name, a.n, a.mean]), [["A", 1000, 0.1], ["B", 1000, 0.15], ["C", 1000, 0.101]]);
  assert.deepEqual(r.comparisons.map((c) => [c.arm, c.baseline]), [["B", "A"], ["C", "A"]]);
  const [b, cc] = r.comparisons;
  assert.ok(b.adjustedPValue >= b.pValue && b.chanceToWin === null && b.risk === null);
  assert.equal(b.daysToPower, null); // significant: nothing more to wait for
  assert.ok(cc.daysToPower > 0 && cc.summary.includes("more days give 80 % power"), cc.summary);
  assert.match(b.summary, /^B raised sign-ups by 0\.0500 vs A \(95 % CI \+0\.\d+ to \+0\.\d+\); significant \(adjusted p = 0\.\d{3}\)\.$/);
  assert.deepEqual(r.srm, { chiSquare: 0, pValue: 1, flagged: false, mostOffArm: "A" });
  assert.equal(r.definition.metric, "experiment.frequentist");
  assert.equal(r.definition.params.correction, "holm");
  assert.equal(experiment({ metric: "mean", arms: [{ name: "A", n: 4, sum: 10, sumSquares: 30 }, { name: "B", n: 4, sum: 20, sumSquares: 120 }] }, { sequential: true }).definition.metric, "experiment.sequential");
  assert.equal(getDefinition("experiment.sequential").parameters.find((p) => p.name === "sequentialTuning").value, 5000);
});

test("typed errors name the arm's field and row", () => {
  const arms = [{ name: "A", n: 10, conversions: 1 }, { name: "B", n: 10, conversions: 11 }];
  throwsCode(() => experiment({ metric: "proportion", arms }), "E_OUT_OF_RANGE", { column: "conversions", row: 2 });
  throwsCode(() => experiment({ metric: "proportion", arms: arms.slice(0, 1) }), "E_INSUFFICIENT_DATA");
  const fine = [arms[0], { name: "B", n: 10, conversions: 3 }];
  throwsCode(() => experiment({ metric: "proportion", arms: fine }, { baseline: "Z" }), "E_BAD_OPTION", { column: "baseline" });
  throwsCode(() => experimentReport([experiment({ metric: "proportion", arms: fine }, { method: "bayesian" })]), "E_BAD_OPTION");
});

test("the experiments guide documents the figures of gbstats, scipy and statsmodels", () => {
  const g = F.guide;
  const [, seqHigh] = g.sequentialCi;
  assert.deepEqual(documentedOutput(docBlock("docs/guide/experiments.md", "experiment")), [
    `new page raised the sign-up rate by ${g.estimate} vs control (95 % CI ${g.ciLow} to ${g.ciHigh}); not significant (p = ${g.pValue}). At 2000 units a day, about ${g.daysToPower} more days give 80 % power to detect an effect this size.`,
    `[ '${g.sequentialCi[0]}', '${seqHigh}' ] false`,
    `${g.chanceToWin} ${g.risk}`,
    `${g.srmPValue} ${g.srmFlagged[0]} ${g.srmFlagged[1]}`,
    `[ 'the sign-up rate: ${g.holm[0]} false', 'revenue per visitor: ${g.holm[1]} false' ]`,
    `${g.planUnitsPerArm} ${g.planDays}`,
  ]);
});

test("experiments guide example prints the documented values", () => {
  runDocBlock("docs/guide/experiments.md", "experiment");
});

// Eight units counted by hand. A (rows 1, 3, 5, 7): value [1, 2, 3, 4], w [1, 1, 2, 2] → n 4,
// Σv 10, Σv² 30, Σw 6, Σw² 10, Σv·w 17. B (rows 2, 4, 6, 8): value [2, 4, 6, 8], w [1, 2, 2, 3]
// → n 4, Σv 20, Σv² 120, Σw 8, Σw² 18, Σv·w 46.
const UNITS = () => ({
  arm: new Uint8Array([0, 1, 0, 1, 0, 1, 0, 1]),
  armNames: ["A", "B"],
  value: new Float64Array([1, 2, 2, 4, 3, 6, 4, 8]),
});
const W = () => new Float64Array([1, 1, 1, 2, 2, 2, 2, 3]);

test("experimentFromUnits: a hand-counted case, and the same result as experiment() on the hand sums", () => {
  const u = UNITS();
  const r = experimentFromUnits(u, { difference: "absolute" });
  // Means 2.5 and 5, variances 5/3 and 20/3: effect 2.5, se² = 25/12, Welch df = 75/17.
  const c = r.comparisons[0];
  close(c.estimate, 2.5, "estimate");
  close(c.stdError, Math.sqrt(25 / 12), "se");
  close(c.df, 75 / 17, "df");
  assert.deepEqual(r.arms.map((a) => [a.name, a.n, a.mean]), [["A", 4, 2.5], ["B", 4, 5]]);
  close(r.arms[1].variance, 20 / 3, "variance B");
  assert.deepEqual(Array.from(u.value), [1, 2, 2, 4, 3, 6, 4, 8], "the caller's column is not modified");
  const sums = (extra) => ({ name: "the mean", arms: [{ name: "A", n: 4, ...extra[0] }, { name: "B", n: 4, ...extra[1] }] });
  const mean = sums([{ sum: 10, sumSquares: 30 }, { sum: 20, sumSquares: 120 }]);
  assert.deepEqual(experimentFromUnits(u), experiment({ metric: "mean", ...mean }));
  const cuped = sums([{ sum: 10, sumSquares: 30, preSum: 6, preSumSquares: 10, preCrossSum: 17 }, { sum: 20, sumSquares: 120, preSum: 8, preSumSquares: 18, preCrossSum: 46 }]);
  assert.deepEqual(experimentFromUnits({ ...u, pre: W() }, { sequential: true }), experiment({ metric: "mean", ...cuped }, { sequential: true }));
  const ratio = {
    metric: "ratio", name: "the ratio",
    arms: [
      { name: "A", n: 4, numeratorSum: 10, numeratorSumSquares: 30, denominatorSum: 6, denominatorSumSquares: 10, crossSum: 17 },
      { name: "B", n: 4, numeratorSum: 20, numeratorSumSquares: 120, denominatorSum: 8, denominatorSumSquares: 18, crossSum: 46 },
    ],
  };
  const rr = experimentFromUnits({ ...u, denominator: W() }, { method: "bayesian" });
  assert.deepEqual(rr, experiment(ratio, { method: "bayesian" }));
  close(rr.arms[0].mean, 10 / 6, "ratio A");
  // Text arms: order of first appearance (B first here), or of armNames.
  const text = { arm: ["B", "A", "B", "A", "B", "A", "B", "A"], value: u.value };
  assert.deepEqual(experimentFromUnits(text).arms.map((a) => [a.name, a.mean]), [["B", 2.5], ["A", 5]]);
  assert.deepEqual(experimentFromUnits({ ...text, armNames: ["A", "B"] }).arms.map((a) => [a.name, a.mean]), [["A", 5], ["B", 2.5]]);
});

test("experimentFromUnits: the guide's sign-ups as 0/1 units give gbstats' figures", () => {
  const kase = F.cases.find((k) => k.name === "guide: sign-ups");
  const [a, b] = kase.input.arms;
  const n = a.n + b.n;
  const arm = new Uint32Array(n), value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    arm[i] = i < a.n ? 0 : 1;
    value[i] = i < a.conversions || (i >= a.n && i < a.n + b.conversions) ? 1 : 0;
  }
  const r = experimentFromUnits({ arm, armNames: [a.name, b.name], value }, { metric: "proportion" });
  const [w] = kase.expected.comparisons;
  const [c] = r.comparisons;
  for (const k of ["estimate", "stdError", "pValue"]) close(c[k], w[k], k);
  close(c.ci[0], w.ci[0], "ci[0]");
  close(c.ci[1], w.ci[1], "ci[1]");
});

test("experimentFromUnits: typed errors name the column and row", () => {
  throwsCode(() => experimentFromUnits({ ...UNITS(), value: new Float64Array(7) }), "E_LENGTH_MISMATCH", { column: "value" });
  throwsCode(() => experimentFromUnits({ ...UNITS(), value: new Float64Array([1, 2, 2, 4, NaN, 6, 4, 8]) }), "E_NON_FINITE", { column: "value", row: 5 });
  throwsCode(() => experimentFromUnits({ ...UNITS(), arm: new Uint8Array([0, 1, 0, 1, 0, 1, 0, 7]) }), "E_OUT_OF_RANGE", { column: "arm", row: 8 });
  throwsCode(() => experimentFromUnits(UNITS(), { metric: "proportion" }), "E_OUT_OF_RANGE", { column: "value", row: 2 });
  throwsCode(() => experimentFromUnits(UNITS(), { colour: "red" }), "E_UNKNOWN_OPTION");
});

test("experiments guide: the from-units example prints the documented values", () => {
  runDocBlock("docs/guide/experiments.md", "experiment-units");
});

// experimentOnTransactions: the hand-counted table of tests/experiment.rs (window 2 days =
// [a, a + 2D)). Per unit (conversion, orders, net revenue):
//   1 A at 0:  (−1, 50) before; (0, 10, order 101) at a: in; (1h, 5, order 101); (2D, 100) at a + window: out → 1, 1, 15
//   2 A at D:  (D+1h, 0) a $0 order; (D+2h, −4) a refund                                            → 1, 1, −4
//   3 A at 0:  no transactions                                                                       → 0, 0, 0
//   4 B at 0:  (D, 20); (D+1, 30); (2D−1, −5) a refund                                               → 1, 2, 45
//   5 B at D:  (3D−1, 7)                                                                             → 1, 1, 7
//   6 B at 0:  (D, −3) a refund only; (2D+5, 9) out                                                  → 0, 0, −3
//   7 B at 2D: window ends at 4D, after the last transaction (3D+10): excluded
//   8 B at 0:  no transactions                                                                       → 0, 0, 0
const DAY = 86_400_000, HOUR = 3_600_000;
const TX_ROWS = [
  [1, -1, 50, 100], [1, 0, 10, 101], [1, HOUR, 5, 101], [1, 2 * DAY, 100, 102],
  [2, DAY + HOUR, 0, 201], [2, DAY + 2 * HOUR, -4, 202],
  [4, DAY, 20, 401], [4, DAY + 1, 30, 402], [4, 2 * DAY - 1, -5, 403],
  [5, 3 * DAY - 1, 7, 501], [6, DAY, -3, 602], [6, 2 * DAY + 5, 9, 601],
  [7, 2 * DAY + 1, 1000, 701], [99, 3 * DAY + 10, 1, 9901], [99, 0, 1, 9900],
];
const txTable = () => Transactions.fromColumns({
  customerId: new Uint32Array(TX_ROWS.map((r) => r[0])),
  timestamp: new Float64Array(TX_ROWS.map((r) => r[1])),
  amount: new Float64Array(TX_ROWS.map((r) => r[2])),
  orderId: new Uint32Array(TX_ROWS.map((r) => r[3])),
});
const ASSIGNMENTS = () => ({
  unitId: new Uint32Array([1, 2, 3, 4, 5, 6, 7, 8]),
  arm: ["A", "A", "A", "B", "B", "B", "B", "B"],
  assignedAt: new Float64Array([0, DAY, 0, 0, DAY, 0, 2 * DAY, 0]),
});

test("experimentOnTransactions: hand-counted per-unit values give experiment() on the hand sums", () => {
  const tx = txTable();
  const run = (metric) => experimentOnTransactions(ASSIGNMENTS(), tx, { metric, windowDays: 2, difference: "absolute" });
  const same = (r, input) => {
    const want = experiment(input, { difference: "absolute" });
    for (const k of ["name", "arms", "comparisons", "srm", "definition"]) assert.deepEqual(r[k], want[k], k);
    assert.equal(r.excludedUnits, 1);
    assert.equal(r.includedUnits, 7);
  };
  const conv = run("experiment.conversion");
  // A [1, 1, 0]; B [1, 1, 0, 0].
  same(conv, { metric: "proportion", name: "the conversion rate", arms: [{ name: "A", n: 3, conversions: 2 }, { name: "B", n: 4, conversions: 2 }] });
  assert.deepEqual(conv.metricDefinition, { metric: "experiment.conversion", version: "1.0.0", params: { windowDays: 2 } });
  // Orders A [1, 1, 0]; B [2, 1, 0, 0].
  same(run("experiment.orders_per_unit"), { metric: "mean", name: "orders per unit", arms: [{ name: "A", n: 3, sum: 2, sumSquares: 2 }, { name: "B", n: 4, sum: 3, sumSquares: 5 }] });
  // Revenue A [15, −4, 0]; B [45, 7, −3, 0].
  same(run("experiment.revenue_per_unit"), { metric: "mean", name: "revenue per unit", arms: [{ name: "A", n: 3, sum: 11, sumSquares: 241 }, { name: "B", n: 4, sum: 49, sumSquares: 2083 }] });
  // Revenue over orders: A Σ 11 / 2, cross 15 − 4 = 11; B Σ 49 / 3, cross 90 + 7 = 97.
  same(run("experiment.aov"), {
    metric: "ratio", name: "the average order value",
    arms: [
      { name: "A", n: 3, numeratorSum: 11, numeratorSumSquares: 241, denominatorSum: 2, denominatorSumSquares: 2, crossSum: 11 },
      { name: "B", n: 4, numeratorSum: 49, numeratorSumSquares: 2083, denominatorSum: 3, denominatorSumSquares: 5, crossSum: 97 },
    ],
  });
  // Text ids, codes and ISO times give the same result.
  const iso = Array.from(ASSIGNMENTS().assignedAt, (t) => new Date(t).toISOString());
  const byText = experimentOnTransactions(
    { unitId: ["1", "2", "3", "4", "5", "6", "7", "8"], arm: new Uint8Array([0, 0, 0, 1, 1, 1, 1, 1]), armNames: ["A", "B"], assignedAt: iso },
    tx, { metric: "experiment.revenue_per_unit", windowDays: 2, difference: "absolute" });
  assert.deepEqual(byText, run("experiment.revenue_per_unit"));
  // Rows { unitId, arm, assignedAt } give the same result.
  const a = ASSIGNMENTS();
  const rows = Array.from(a.unitId, (u, i) => ({ unitId: u, arm: a.arm[i], assignedAt: new Date(a.assignedAt[i]) }));
  assert.deepEqual(experimentOnTransactions(rows, tx, { metric: "experiment.revenue_per_unit", windowDays: 2, difference: "absolute" }), run("experiment.revenue_per_unit"));
  assert.equal(getDefinition("experiment.aov").version, "1.0.0");
});

test("experimentOnTransactions: typed errors name the column and row", () => {
  const tx = txTable();
  const o = { metric: "experiment.conversion", windowDays: 2 };
  throwsCode(() => experimentOnTransactions({ ...ASSIGNMENTS(), unitId: new Uint32Array([1, 2, 3, 4, 5, 6, 7, 1]) }, tx, o), "E_OUT_OF_RANGE", { column: "unitId", row: 8 });
  throwsCode(() => experimentOnTransactions({ ...ASSIGNMENTS(), arm: new Uint8Array([0, 0, 0, 1, 1, 2, 1, 1]), armNames: ["A", "B"] }, tx, o), "E_OUT_OF_RANGE", { column: "arm", row: 6 });
  throwsCode(() => experimentOnTransactions({ ...ASSIGNMENTS(), assignedAt: new Float64Array([0, NaN, 0, 0, 0, 0, 0, 0]) }, tx, o), "E_NON_FINITE", { column: "assignedAt", row: 2 });
  throwsCode(() => experimentOnTransactions({ ...ASSIGNMENTS(), arm: ["A", "B"] }, tx, o), "E_LENGTH_MISMATCH", { column: "arm" });
  throwsCode(() => experimentOnTransactions(ASSIGNMENTS(), tx, {}), "E_BAD_OPTION");
  throwsCode(() => experimentOnTransactions([{ unitId: 1, arm: "A", assignedAt: 0 }, { unitId: 1, arm: "B", assignedAt: 0 }], tx, o), "E_OUT_OF_RANGE", { column: "unitId", row: 2 });
  throwsCode(() => experimentOnTransactions([{ unitId: 1, arm: "A", assignedAt: 0 }, { unitId: 2, arm: "B", assignedAt: "soon" }], tx, o), "E_BAD_DATE", { column: "assignedAt", row: 2 });
});

test("experimentOnTransactions: the sample's assignments CSV recovers the simulator's +30 % and equals the columns path", () => {
  // www/data/assignments.csv (unimetric::sim::simulate_experiment): treatment buys at 1.3 times
  // its rate for 30 days after assignment, so orders per customer are +30 % in expectation.
  const data = path.join(FIXTURES, "..", "..", "www", "data");
  const tx = Transactions.fromCsv(readFileSync(path.join(data, "transactions.csv"), "utf8"), {
    customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id",
  });
  const csv = readFileSync(path.join(data, "assignments.csv"));
  const options = { metric: "experiment.orders_per_unit", windowDays: 30 };
  const r = experimentOnTransactions(csv, tx, { ...options, mapping: { unitId: "customer_id", arm: "variant", assignedAt: "assigned_at" } });
  assert.equal(r.includedUnits, 4126);
  assert.equal(r.srm.flagged, false);
  const [c] = r.comparisons;
  assert.ok(c.ci[0] < 0.3 && 0.3 < c.ci[1] && c.significant, JSON.stringify(c));
  const rows = new TextDecoder().decode(csv).trim().split("\n").slice(1).map((line) => line.split(","));
  const columns = { unitId: rows.map((f) => f[0]), arm: rows.map((f) => f[1]), assignedAt: rows.map((f) => f[2]) };
  assert.deepEqual(r, experimentOnTransactions(columns, tx, options));
});

test("experiments guide: the sample's CSV assignments example prints the documented sentence", () => {
  runDocBlock("docs/guide/experiments.md", "experiment-csv", { paths: ["www/data"] });
});

test("experiments guide: the on-transactions example prints the documented values", () => {
  runDocBlock("docs/guide/experiments.md", "experiment-transactions");
});
