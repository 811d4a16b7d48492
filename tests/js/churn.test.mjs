// Churn through the built package. Feature values: the hand count documented in tests/churn.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  Transactions, churnFeatures, fitChurn, evaluateChurn, evaluateScores, ChurnModel,
  AliveChurnModel, fitAliveChurn, BgNbdModel, fitBgNbd,
} from "../../pkg/node.js";
import { ROOT, runDocBlock, throwsCode } from "./helpers.mjs";

const FIXTURE = "c,d,a\na,2024-01-01,10\na,2024-02-01,20\na,2024-02-01T18:00,-5\na,2024-03-02,30\na,2024-06-10,40\nb,2024-03-01,7\nz,2024-07-15,1\n";
const m = { customerId: "c", timestamp: "d", amount: "a" };

test("features and labels match the hand count", () => {
  const tx = Transactions.fromCsv(FIXTURE, m);
  const f = churnFeatures(tx, { cutoff: "2024-03-31", horizonDays: 90 });
  assert.deepEqual(f.customerId, ["a", "b"]);
  assert.equal(f.nCols, 11);
  assert.deepEqual([...f.values.slice(0, 5)], [29, 2, 55, 90, 55 / 3]);
  assert.deepEqual([...f.values.slice(11)], [30, 0, 7, 30, 7, 30, 0, 1, 0, 1, 1]);
  assert.deepEqual([...f.labels], [0, 1]);
  assert.equal(f.churnRate, 0.5);
  assert.equal(f.definition.metric, "churn.features");
  assert.equal(churnFeatures(tx, { cutoff: new Date(Date.UTC(2024, 2, 31)), horizonDays: 200 }).labels, null);
});

// Simulated from a known logistic model: P(y) = σ(−0.5 + 1.5 x1 − x2) with x ~ N(0, 1) by Box–Muller.
function simulate(n, seed) {
  let s = seed >>> 0;
  const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
  const values = new Float64Array(n * 2), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(u())), t = 2 * Math.PI * u();
    const x1 = r * Math.cos(t), x2 = r * Math.sin(t);
    values[2 * i] = x1; values[2 * i + 1] = x2;
    labels[i] = u() < 1 / (1 + Math.exp(-(-0.5 + 1.5 * x1 - x2))) ? 1 : 0;
  }
  return { names: ["x1", "x2"], values, labels };
}

test("fitChurn recovers simulated parameters; JSON round trip scores identically", () => {
  const d = simulate(30_000, 12345);
  const model = fitChurn(d, d.labels, { alpha: 0, maxIterations: 500, gradientTolerance: 1e-6 });
  const json = model.toJSON();
  // Back to the original scale: w = coef / sd, b = intercept − Σ w·mean.
  const w = json.coefficients.map((c, j) => c / json.sd[j]);
  const b = json.intercept - w.reduce((acc, wj, j) => acc + wj * json.mean[j], 0);
  assert.ok(Math.abs(w[0] - 1.5) < 0.07 && Math.abs(w[1] + 1) < 0.07, `${w}`);
  assert.ok(Math.abs(b + 0.5) < 0.07, `${b}`);
  assert.equal(json.metric, "churn.propensity");
  const again = ChurnModel.fromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual([...again.predict(d).values], [...model.predict(d).values]);
  assert.ok(model.oddsRatios.x1 > 1 && model.oddsRatios.x2 < 1);
  const reasons = model.reasons({ names: d.names, values: new Float64Array([2, -2]) });
  assert.deepEqual(reasons[0].map((r) => r.feature), ["x1", "x2"]);
});

test("the model beats the recency-only baseline on the sample data (time split)", () => {
  const csv = readFileSync(path.join(ROOT, "www", "data", "transactions.csv"));
  const tx = Transactions.fromCsv(csv, { customerId: "customer_id", timestamp: "order_date", amount: "amount" });
  const e = evaluateChurn(tx, { trainCutoff: "2025-03-31", testCutoff: "2025-06-30", horizonDays: 90 });
  assert.ok(e.model.auc > 0.5 && e.baseline.auc > 0.5);
  assert.ok(e.model.auc >= e.baseline.auc, `model ${e.model.auc} vs baseline ${e.baseline.auc}`);
  assert.equal(e.model.lift.length, 10);
  assert.equal(e.definition.metric, "churn.evaluation");
  assert.equal(e.model.calibration.reduce((a, b) => a + b.count, 0), e.testCustomers);
});

test("evaluateScores: AUC equals a brute-force pair count", () => {
  const scores = [0.9, 0.2, 0.6, 0.4, 0.6, 0.1], labels = [1, 0, 0, 1, 1, 0];
  let wins = 0, pairs = 0;
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) if (labels[i] && !labels[j]) {
    pairs++; wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }
  assert.equal(evaluateScores(scores, labels).auc, wins / pairs);
});

test("evaluateScores: lift table on a hand example", () => {
  // The twelve customers of tests/churn.rs (lift_table_on_a_hand_example): churn rate 5/12; by
  // descending score (ties in input order) churned 1 1 0 1 0 1 0 0 0 0 0 1; deciles of sizes
  // 1 1 1 1 2 1 1 1 1 2 hold 1 1 0 1 1 0 0 0 0 1 churners; lift = rate ÷ 5/12.
  const scores = [0.95, 0.10, 0.80, 0.80, 0.30, 0.70, 0.05, 0.60, 0.50, 0.40, 0.20, 0.15];
  const labels = [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0];
  const e = evaluateScores(scores, labels);
  const sizes = [1, 1, 1, 1, 2, 1, 1, 1, 1, 2], churners = [1, 1, 0, 1, 1, 0, 0, 0, 0, 1];
  assert.deepEqual(e.lift.map((d) => [d.decile, d.customers, d.churners]), sizes.map((n, i) => [i + 1, n, churners[i]]));
  const lift = [2.4, 2.4, 0, 2.4, 1.2, 0, 0, 0, 0, 1.2];
  e.lift.forEach((d, i) => assert.ok(Math.abs(d.lift - lift[i]) < 1e-12, `decile ${d.decile}: lift ${d.lift} vs ${lift[i]}`));
  // Four customers: only deciles 3, 5, 8 and 10 hold one (positions ⌊(d−1)·4/10⌋ … ⌊d·4/10⌋ − 1).
  const small = evaluateScores([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]);
  assert.deepEqual(small.lift.map((d) => [d.decile, d.customers, d.churners, d.lift]), [[3, 1, 1, 2], [5, 1, 0, 0], [8, 1, 1, 2], [10, 1, 0, 0]]);
});

test("bad input gets coded errors; the model keeps working", () => {
  const tx = Transactions.fromCsv(FIXTURE, m);
  throwsCode(() => churnFeatures(tx), "E_BAD_OPTION");
  throwsCode(() => churnFeatures(tx, { horizonDays: 90 }), "E_BAD_OPTION", { column: "cutoff" });
  throwsCode(() => churnFeatures(tx, { cutoff: "31/03/2024" }), "E_BAD_OPTION", { column: "cutoff" });
  throwsCode(() => churnFeatures(tx, { cutoff: "2024-03-31", horizonDays: 0 }), "E_BAD_OPTION", { column: "horizonDays" });
  throwsCode(() => churnFeatures(tx, { cutoff: "2024-03-31", horizon: 30 }), "E_UNKNOWN_OPTION");
  throwsCode(() => churnFeatures(tx, { cutoff: "2020-01-01" }), "E_EMPTY");
  const d = simulate(500, 7);
  throwsCode(() => fitChurn(d, new Uint8Array(500)), "E_INSUFFICIENT_DATA");
  throwsCode(() => fitChurn(d, d.labels.slice(1)), "E_LENGTH_MISMATCH");
  throwsCode(() => fitChurn({ names: ["x1", "x2"], values: [1, 2, 3] }, [1]), "E_LENGTH_MISMATCH");
  throwsCode(() => fitChurn({ names: ["x1", "x2"], values: [1, NaN, 3, 4] }, [1, 0]), "E_NON_FINITE", { column: "x2", row: 1 });
  throwsCode(() => fitChurn(d, d.labels, { alpha: -1 }), "E_BAD_OPTION", { column: "alpha" });
  throwsCode(() => fitChurn(d, d.labels, { C: 1 }), "E_UNKNOWN_OPTION");
  throwsCode(() => fitChurn(d, [...d.labels].map((x) => x * 2)), "E_OUT_OF_RANGE");
  const model = fitChurn(d, d.labels);
  throwsCode(() => model.predict({ names: ["a", "b"], values: [1, 2] }), "E_BAD_OPTION");
  throwsCode(() => ChurnModel.fromJSON({ metric: "churn.propensity" }), "E_BAD_OPTION");
  throwsCode(() => ChurnModel.fromJSON({ ...model.toJSON(), sd: [0, 1] }), "E_OUT_OF_RANGE");
  throwsCode(() => evaluateChurn(tx, { trainCutoff: "2024-03-31", testCutoff: "2024-03-01" }), "E_BAD_OPTION");
  throwsCode(() => evaluateScores([0.5, 1.2], [0, 1]), "E_OUT_OF_RANGE", { row: 2 });
  const p = model.predict(d);
  assert.equal(p.values.length, 500);
  assert.ok(p.values instanceof Float64Array);
  assert.deepEqual(p.definition, model.definition);
});

test("class weights: balanced raises the predicted churn of a minority class", () => {
  const d = simulate(4_000, 99);
  const minority = [...d.labels].filter((x) => x === 1).length < 2_000;
  const plain = fitChurn(d, d.labels);
  const balanced = fitChurn(d, d.labels, { classWeights: "balanced" });
  const mean = (m) => m.predict(d).values.reduce((a, b) => a + b, 0) / 4_000;
  assert.ok(minority ? mean(balanced) > mean(plain) : mean(balanced) < mean(plain));
  assert.equal(balanced.toJSON().classWeights.kind, "balanced");
  assert.equal(balanced.definition.params.classWeights, "balanced");
  throwsCode(() => fitChurn(d, d.labels, { classWeights: { churned: -1, retained: 1 } }), "E_BAD_OPTION");
  throwsCode(() => fitChurn(d, d.labels, { classWeights: "equal" }), "E_BAD_OPTION");
});

test("attributes: numeric columns appended, categorical one-hot encoded with training categories", () => {
  const tx = Transactions.fromCsv(FIXTURE, m);
  const attributes = { customerId: ["b", "a", "x"], numeric: { seats: [5, 2, 9] }, categorical: { plan: ["basic", "pro", "team"] } };
  const f = churnFeatures(tx, { cutoff: "2024-03-31", horizonDays: 90, attributes });
  assert.equal(f.nCols, 12);
  assert.equal(f.names[11], "seats");
  assert.deepEqual([f.values[11], f.values[23]], [2, 5]);
  assert.deepEqual(f.categorical, { plan: ["pro", "basic"] });
  throwsCode(() => churnFeatures(tx, { cutoff: "2024-03-31", attributes: { customerId: ["a"], categorical: { plan: ["pro"] } } }),
    "E_MISSING_VALUE", { column: "customerId", row: 2 });
  throwsCode(() => churnFeatures(tx, { cutoff: "2024-03-31", attributes: { customerId: ["a", "b"], categorical: { plan: ["pro", null] } } }),
    "E_MISSING_VALUE", { column: "plan", row: 2 });
  throwsCode(() => churnFeatures(tx, { cutoff: "2024-03-31", attributes: { customerId: ["a", "b"], numeric: { seats: [1, NaN] } } }),
    "E_NON_FINITE", { column: "seats", row: 2 });
  throwsCode(() => churnFeatures(tx, { cutoff: "2024-03-31", attributes: { customerId: ["a", "b"], plan: [] } }), "E_UNKNOWN_OPTION");

  // Eight rows: basic ×3 is the reference; pro ×2 and team ×2 by name; enterprise ×1.
  const plan = ["pro", "basic", "basic", "team", "pro", "basic", "team", "enterprise"];
  const x = [1, 2, 3, 4, 5, 6, 7, 8];
  const labels = [1, 0, 0, 1, 1, 0, 0, 1];
  const model = fitChurn({ names: ["x"], values: x, categorical: { plan } }, labels, { alpha: 1 });
  assert.deepEqual(model.names, ["x", "plan=pro", "plan=team", "plan=enterprise"]);
  assert.deepEqual(model.categories, [{ column: "plan", reference: "basic", levels: ["pro", "team", "enterprise"] }]);
  const enc = model.encode({ names: ["x"], values: [1, 2], categorical: { plan: ["gold", "team"] } });
  assert.deepEqual([...enc.values], [1, 0, 0, 0, 2, 0, 1, 0]);
  assert.deepEqual(enc.unseen, [{ column: "plan", row: 1, value: "gold" }]);
  // Unseen scores as the reference level.
  const p = model.predict({ names: ["x"], values: [3, 3], categorical: { plan: ["gold", "basic"] } }).values;
  assert.equal(p[0], p[1]);
  const again = ChurnModel.fromJSON(JSON.parse(JSON.stringify(model)));
  assert.deepEqual([...again.predict({ names: ["x"], values: x, categorical: { plan } }).values], [...model.predict({ names: ["x"], values: x, categorical: { plan } }).values]);
  // The reason of a categorical column is named after the row's own value.
  const json = model.toJSON();
  const c = (j, v) => json.coefficients[j] * (v - json.mean[j]) / json.sd[j];
  const why = model.reasons({ names: ["x"], values: [json.mean[0]], categorical: { plan: ["enterprise"] } }, 3);
  const want = c(1, 0) + c(2, 0) + c(3, 1);
  const r = why[0].find((q) => q.feature.startsWith("plan="));
  if (want > 0) {
    assert.equal(r.feature, "plan=enterprise");
    assert.ok(Math.abs(r.contribution - want) < 1e-12);
  } else {
    assert.equal(r, undefined);
  }
  throwsCode(() => model.predict({ names: ["x"], values: [1] }), "E_MISSING_COLUMN", { column: "plan" });
  throwsCode(() => model.predict({ names: ["x"], values: [1], categorical: { plan: [null] } }), "E_MISSING_VALUE", { column: "plan", row: 1 });
});

test("1 − P(alive) behind the churn model's interface: hand value, flags, round trip", () => {
  const tx = Transactions.fromCsv(FIXTURE, m);
  const f = churnFeatures(tx, { cutoff: "2024-03-31", horizonDays: 90 });
  const daily = fitBgNbd(Transactions.fromCsv(readFileSync(path.join(ROOT, "www", "data", "transactions.csv")),
    { customerId: "customer_id", timestamp: "order_date", amount: "amount" }).summary({ period: "day" }));
  const params = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
  const bg = BgNbdModel.fromJSON({ ...daily.toJSON(), params });
  const scorer = AliveChurnModel.fromBgNbd(bg);
  const scored = scorer.predict(f);
  const s = scored.values;
  // a: x = 2, t_x = 90 − 29 = 61, T = 90; b: no repeat purchase → P(alive) = 1, score 0, flagged.
  const alive = 1 / (1 + 0.8 / (2.5 + 2 - 1) * Math.pow(94 / 65, 2.25));
  assert.ok(Math.abs(s[0] - (1 - alive)) < 1e-12, `${s[0]}`);
  assert.equal(s[1], 0);
  assert.deepEqual([...scorer.noRepeatPurchase(f)], [0, 1]);
  assert.deepEqual([...scored.noRepeatPurchase], [0, 1]);
  assert.deepEqual(scored.definition, scorer.definition);
  assert.equal(scorer.definition.metric, "churn.alive");
  const back = AliveChurnModel.fromJSON(JSON.parse(JSON.stringify(scorer)));
  assert.deepEqual([...back.predict(f).values], [...s]);
  const weekly = fitBgNbd(Transactions.fromCsv(readFileSync(path.join(ROOT, "www", "data", "transactions.csv")),
    { customerId: "customer_id", timestamp: "order_date", amount: "amount" }).summary({ period: "week" }));
  throwsCode(() => AliveChurnModel.fromBgNbd(weekly), "E_BAD_OPTION");
  throwsCode(() => scorer.predict({ names: ["x"], values: [1] }), "E_MISSING_COLUMN");
  throwsCode(() => AliveChurnModel.fromJSON({ metric: "churn.propensity" }), "E_BAD_OPTION");
  throwsCode(() => fitAliveChurn(f), "E_INSUFFICIENT_DATA");
});

test("evaluateChurn scores 1 − P(alive) beside the model; AUC equals a brute-force pair count", () => {
  const csv = readFileSync(path.join(ROOT, "www", "data", "transactions.csv"));
  const tx = Transactions.fromCsv(csv, { customerId: "customer_id", timestamp: "order_date", amount: "amount" });
  const e = evaluateChurn(tx, { trainCutoff: "2025-03-31", testCutoff: "2025-06-30", horizonDays: 90, alive: true });
  const train = churnFeatures(tx, { cutoff: "2025-03-31", horizonDays: 90 });
  const test = churnFeatures(tx, { cutoff: "2025-06-30", horizonDays: 90 });
  const scores = fitAliveChurn(train).predict(test).values;
  const y = test.labels;
  let wins = 0, pairs = 0;
  for (let i = 0; i < y.length; i++) for (let j = 0; j < y.length; j++) if (y[i] && !y[j]) {
    pairs++; wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }
  assert.ok(Math.abs(e.alive.auc - wins / pairs) < 1e-12, `${e.alive.auc} vs ${wins / pairs}`);
  const flags = fitAliveChurn(train).noRepeatPurchase(test);
  assert.equal(e.aliveNoRepeatPurchase, flags.reduce((a, b) => a + b, 0));
  assert.equal(evaluateChurn(tx, { trainCutoff: "2025-03-31", testCutoff: "2025-06-30" }).alive, null);
  throwsCode(() => evaluateChurn(tx, { trainCutoff: "2025-03-31", testCutoff: "2025-06-30", alive: "yes" }), "E_BAD_OPTION", { column: "alive" });
});

test("churn guide attributes example prints the documented values", () => {
  // Hand check: labels over (Mar 31, Jun 29]: a buys Jun 10, d May 1 → 0; b, c nothing → 1.
  // Categories: basic ×2 is the reference; pro and team ×1 each, by name.
  const out = runDocBlock("docs/guide/churn.md", "churn-attributes");
  assert.ok(out.includes("seats [ 'pro', 'basic', 'basic', 'team' ] [ 0, 1, 1, 0 ]"), out);
  assert.ok(out.includes("[ 'seats', 'plan=pro', 'plan=team' ] [ { column: 'plan', reference: 'basic', levels: [ 'pro', 'team' ] } ]"), out);
  assert.ok(out.includes("[ { column: 'plan', row: 2, value: 'gold' } ] true"), out);
  assert.ok(out.includes("0 [ 0, 1, 0, 0 ]"), out);
});

test("churn guide: the sample-data AUCs of its example and its prose are what evaluateChurn gives", () => {
  // The example prints the three AUCs (model, recency baseline, 1 − P(alive)) rounded to two
  // decimals; runDocBlock compares them with its documented output, and the prose quotes them too.
  const out = runDocBlock("docs/guide/churn.md", "churn-sample", { paths: ["www/data"] });
  const csv = readFileSync(path.join(ROOT, "www", "data", "transactions.csv"));
  const tx = Transactions.fromCsv(csv, { customerId: "customer_id", timestamp: "order_date", amount: "amount" });
  const e = evaluateChurn(tx, { trainCutoff: "2025-03-31", testCutoff: "2025-06-30", horizonDays: 90, alive: true });
  const auc = [e.model.auc, e.baseline.auc, e.alive.auc].map((x) => x.toFixed(2));
  assert.ok(out.startsWith(`[ '${auc.join("', '")}' ] ${e.aliveNoRepeatPurchase} ${e.testCustomers}\n`), out);
  const prose = readFileSync(path.join(ROOT, "docs", "guide", "churn.md"), "utf8").replace(/\s+/g, " ");
  const m = prose.match(/reaches an AUC of ([\d.]+) against ([\d.]+) for the logistic model and ([\d.]+) for the recency rule/);
  assert.ok(m, "the churn guide no longer quotes the sample-data AUCs");
  assert.deepEqual({ model: m[2], baseline: m[3], alive: m[1] }, { model: auc[0], baseline: auc[1], alive: auc[2] });
});
