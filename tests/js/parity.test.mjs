// Same numbers everywhere: a fixed scenario (the bundled sample data; summary and KPIs for day,
// week and month; CAC, CAC payback and LTV:CAC of the sample spend; the churn fit, its scores
// and the evaluations; per time zone the weekly (Sunday weeks) and monthly summaries, KPIs,
// historical LTV, churn features, CAC payback and naive times around midnight and DST changes;
// attribution of the first purchases to the sample touchpoints, every model)
// computed natively
// (`cargo run --example parity`) and in wasm must agree to the bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Journeys, Spend, Transactions, attribution, cac, cacPayback, churnFeatures, evaluateChurn, evaluateScores, experiment, experimentFromUnits, fitChurn, historicalLtv, ltvToCac } from "../../pkg/node.js";
import { ROOT } from "./helpers.mjs";

const hex = (arr) => Array.from(arr, (x) => {
  if (x === null) return null;
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16).padStart(16, "0");
});

const same = (wasm, native, what) => {
  for (const col of Object.keys(wasm)) {
    assert.ok(native[col], `${what}.${col} missing from the native output`);
    assert.equal(wasm[col].length, native[col].length, `${what}.${col} length`);
    const diff = wasm[col].findIndex((v, i) => v !== native[col][i]);
    assert.equal(diff, -1, `${what}.${col} differs at row ${diff + 1}`);
  }
};

test("native and wasm results are bit-identical", { timeout: 600_000 }, () => {
  const native = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--example", "parity"], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"],
  }));
  const csv = readFileSync(path.join(ROOT, "www", "data", "transactions.csv"));
  const tx = Transactions.fromCsv(csv, {
    customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel",
  });
  const keys = ["customers", "orders", "revenue", "averageOrderValue", "repeatPurchaseRate", "purchaseFrequency", "revenuePerCustomer"];
  for (const period of ["day", "week", "month"]) {
    const s = tx.summary({ period });
    const k = tx.kpis({ period });
    const wasm = {
      frequency: hex(s.frequency), recency: hex(s.recency), T: hex(s.T), monetaryValue: hex(s.monetaryValue),
      revenue: hex(s.revenue), orders: hex(s.orders), kpis: hex(keys.map((key) => k[key].value)),
    };
    same(wasm, native[period], period);
    s.free();
  }
  // Churn, in the order of examples/parity.rs: features at 2025-06-30 (90-day horizon), the
  // default fit (coefficients, intercept, means, SDs), its scores, and the evaluations.
  const figures = (e) => [
    e.churnRate, e.auc, e.logLoss, e.brier,
    ...e.calibration.flatMap((b) => [b.meanPredicted ?? NaN, b.observedRate ?? NaN]),
    ...e.lift.flatMap((d) => [d.rate, d.lift]),
  ];
  const f = churnFeatures(tx, { cutoff: "2025-06-30" });
  const model = fitChurn(f, f.labels);
  const fit = model.toJSON();
  const scores = model.predict(f).values;
  const split = evaluateChurn(tx, { trainCutoff: "2025-03-31", testCutoff: "2025-06-30", alive: true });
  const churn = {
    features: hex(f.values),
    fit: hex([...fit.coefficients, fit.intercept, ...fit.mean, ...fit.sd]),
    scores: hex(scores),
    evaluateScores: hex(figures(evaluateScores(scores, f.labels))),
    splitModel: hex(figures(split.model)),
    splitBaseline: hex(figures(split.baseline)),
    splitAlive: hex(figures(split.alive)),
  };
  for (const col of Object.keys(churn)) {
    assert.ok(churn[col].length > 0, `churn.${col} is empty`);
    assert.equal(churn[col].length, native.churn[col].length, `churn.${col} length`);
    const diff = churn[col].findIndex((v, i) => v !== native.churn[col][i]);
    assert.equal(diff, -1, `churn.${col} differs at position ${diff + 1}`);
  }
  model.free();

  const spend = Spend.fromCsv(readFileSync(path.join(ROOT, "www", "data", "spend.csv")), {
    date: "month", channel: "channel", amount: "amount", channelType: "channel_type",
  });
  const c = cac(spend, tx, { attributionLag: 1 }).rows;
  same({
    spend: hex(c.map((r) => r.spend)), newCustomers: hex(c.map((r) => r.newCustomers)), value: hex(c.map((r) => r.value)),
  }, native.cac, "cac");
  const p = cacPayback(spend, tx, { margin: 0.4 });
  same({
    cac: hex(p.cohorts.map((r) => r.cac)),
    curve: hex(p.cohorts.flatMap((r) => r.curve)),
    paybackMonths: hex(p.cohorts.map((r) => r.paybackMonths)),
    simpleValue: hex(p.simple.map((r) => r.value)),
    simpleRevenue: hex(p.simple.map((r) => r.monthlyRevenuePerCustomer)),
  }, native.payback, "payback");
  // The margin under its older name, `grossMargin`, gives the same bits.
  const l = ltvToCac(spend, tx, { grossMargin: 0.4 }).rows;
  same({
    ltv: hex(l.map((r) => r.ltv)), cac: hex(l.map((r) => r.cac)), value: hex(l.map((r) => r.value)),
  }, native.ltvCac, "ltvCac");
  assert.ok(c.some((r) => r.value !== null) && p.cohorts.some((r) => r.paybackMonths !== null) && l.some((r) => r.value !== null));

  // Time zones, in the order of examples/parity.rs (zones_scenario; NAIVE_TIMES_CSV is the
  // same text).
  const NAIVE_TIMES_CSV = "customer,time,amount\n"
    + "a,2024-03-30 23:30,10\na,2024-03-31 00:30,20\na,2024-03-31 02:30,5\na,2024-04-07 02:30,7\na,2024-10-27 02:30,8\n"
    + "b,2024-03-09 23:59:59,11\nb,2024-03-10 02:30,12\nb,2024-11-03 01:30,13\nb,2024-10-05 23:59,14\n"
    + "c,2024-10-06 02:30,15\nc,2024-04-06 23:59:59,16\nc,2024-04-07 00:00,17\nc,2024-10-31 23:30,18\n";
  for (const timezone of ["Europe/Berlin", "America/New_York", "Australia/Sydney"]) {
    const week = tx.summary({ period: "week", timezone, weekStart: 7 });
    const month = tx.summary({ period: "month", timezone });
    const k = tx.kpis({ period: "month", timezone });
    const h = historicalLtv(tx, { timezone });
    const f = churnFeatures(tx, { cutoff: Date.UTC(2025, 5, 30), timezone });
    const pz = cacPayback(spend, tx, { margin: 0.4, timezone });
    const naive = Transactions.fromCsv(NAIVE_TIMES_CSV, { customerId: "customer", timestamp: "time", amount: "amount", timezone });
    assert.equal(naive.timezone, timezone);
    const nd = naive.summary();
    // The table's timestamps, in input order: its first purchases per customer cannot show them
    // all, so read them back through one-row tables.
    const naiveTimes = NAIVE_TIMES_CSV.trim().split("\n").slice(1).map((line) => {
      const one = Transactions.fromCsv("customer,time,amount\n" + line + "\n", { customerId: "customer", timestamp: "time", amount: "amount", timezone });
      const t = one.timeRange.first;
      one.free();
      return t;
    });
    same({
      weekFrequency: hex(week.frequency), weekRecency: hex(week.recency), weekT: hex(week.T),
      monthFrequency: hex(month.frequency), monthMonetaryValue: hex(month.monetaryValue),
      kpis: hex(keys.map((key) => k[key].value)),
      ltv: hex(h.ltv), acquisitionMonth: hex(h.acquisitionMonth), cohortCurves: hex(h.cohorts.flatMap((x) => [...x.cumulative])),
      churnFeatures: hex(f.values),
      paybackCurve: hex(pz.cohorts.flatMap((r) => r.curve)), paybackCohortStart: hex(pz.cohorts.map((r) => r.cohortStart)),
      naiveTimes: hex(naiveTimes),
      naiveFrequency: hex(nd.frequency), naiveRecency: hex(nd.recency), naiveT: hex(nd.T),
    }, native.zones[timezone], `zones.${timezone}`);
    for (const o of [week, month, nd, naive]) o.free();
  }
  spend.free();
  // Attribution of the first purchases to the sample touchpoints (attribution_scenario).
  const journeys = Journeys.fromTransactions(readFileSync(path.join(ROOT, "www", "data", "touchpoints.csv")), tx, {
    mapping: { customerId: "customer_id", timestamp: "touched_at", channel: "channel" },
  });
  const all = attribution(journeys);
  const order2 = attribution(journeys, { models: ["markov"], order: 2, collapseRepeats: true });
  journeys.free();
  for (const [name, m] of Object.entries(all.models)) {
    assert.deepEqual(hex([...m.conversions, ...m.value]), native.attribution.models[name], `attribution ${name}`);
  }
  assert.deepEqual(Object.keys(all.models).sort(), Object.keys(native.attribution.models).sort());
  const chain = (r) => [...r.markov.removalEffects, ...r.markov.valueRemovalEffects, ...r.markov.probability, r.markov.conversionProbability];
  assert.deepEqual(hex(chain(all)), native.attribution.markov, "attribution: Markov chain");
  assert.deepEqual(hex(chain(order2)), native.attribution.markovOrder2, "attribution: Markov order 2");
  tx.free();

  // Experiments: every case of the gbstats fixture, in the order of examples/parity.rs.
  const fx = JSON.parse(readFileSync(path.join(ROOT, "tests", "fixtures", "peers", "experiment_gbstats.json"), "utf8"));
  const hexOpt = (v) => v.map((x) => (x === null ? null : hex([x])[0]));
  fx.cases.forEach((kase, i) => {
    const r = experiment(kase.input, kase.options);
    const v = r.comparisons.flatMap((c) => [c.estimate, c.stdError, c.ci[0], c.ci[1], c.df, c.pValue, c.adjustedPValue,
      c.chanceToWin, c.risk, c.baselineRisk, c.theta, c.daysToPower]);
    assert.deepEqual(hexOpt([...v, r.srm.pValue]), native.experiment[i], `experiment: ${kase.name}`);
  });

  // experimentFromUnits on the generated units of examples/parity.rs (units_scenario).
  const n = 10_001;
  const arm = Uint32Array.from({ length: n }, (_, i) => i % 3);
  const value = Float64Array.from({ length: n }, (_, i) => ((7919 * i) % 1000) / 10);
  const pre = Float64Array.from({ length: n }, (_, i) => ((104729 * i) % 500) / 7);
  const denominator = Float64Array.from({ length: n }, (_, i) => 1 + (i % 4));
  const conv = Float64Array.from({ length: n }, (_, i) => ((31 * i) % 7 === 0 ? 1 : 0));
  const armNames = ["a", "b", "c"];
  const units = [
    experimentFromUnits({ arm, armNames, value, pre }),
    experimentFromUnits({ arm, armNames, value, denominator }),
    experimentFromUnits({ arm, armNames, value: conv }, { metric: "proportion" }),
  ].flatMap((r) => [
    ...r.comparisons.flatMap((c) => [c.estimate, c.stdError, c.ci[0], c.ci[1], c.pValue, c.theta]),
    ...r.arms.flatMap((a) => [a.mean, a.variance]),
  ]);
  assert.deepEqual(hexOpt(units), native.experimentFromUnits, "experimentFromUnits");
});
