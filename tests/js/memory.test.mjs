// WebAssembly memory stays flat under repeated calls, and objects handed to JS are released:
// explicitly with free(), and by garbage collection through the FinalizationRegistry the package
// is built with (--weak-refs). WebAssembly memory never shrinks, so a leak shows as growth of
// `memory.buffer.byteLength` (the Node entry's `initSync()` returns the instance's exports,
// among them `memory`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import * as U from "../../pkg/node.js";
import { FIXTURES, cdnowColumns } from "./helpers.mjs";

const memory = U.initSync().memory;
const bytes = () => memory.buffer.byteLength;
const MIB = 1024 * 1024;
const CALLS = 10_000;
const WARM_UP = 200;

v8.setFlagsFromString("--expose-gc");
const gc = globalThis.gc ?? vm.runInNewContext("gc");

const M = { customerId: "c", timestamp: "d", amount: "a" };
const CSV = "c,d,a\na,2024-01-01,20\na,2024-01-15,35\nb,2024-01-10,12.5\nb,2024-02-10,10\nc,2024-01-20,5\n";
const rows = CSV.trim().split("\n").slice(1).map((l) => { const [c, d, a] = l.split(","); return { c, d, a: Number(a) }; });
const tx = U.Transactions.fromCsv(CSV, M);
const summaryCols = () => {
  const n = 40, c = { customerId: new Uint32Array(n), frequency: new Float64Array(n), recency: new Float64Array(n), T: new Float64Array(n), monetaryValue: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    c.customerId[i] = i; c.frequency[i] = i % 5; c.T[i] = 20 + (i % 7);
    c.recency[i] = c.frequency[i] ? Math.min(c.T[i], 3 + i % 11) : 0; c.monetaryValue[i] = c.frequency[i] ? 10 + (i % 9) : 0;
  }
  return c;
};
const S = U.CustomerSummary.fromColumns(summaryCols(), { period: "week" });
// The models for clv come from the CDNOW sample (300 customers), where both fits are well posed.
const CD = U.CustomerSummary.fromColumns(cdnowColumns(300), { period: "week" });
const BG = U.fitBgNbd(CD), GG = U.fitGammaGamma(CD);
const spend = U.Spend.fromCsv(readFileSync(path.join(FIXTURES, "cac_spend.csv"), "utf8"), { date: "month", channel: "channel", amount: "amount", channelType: "type" });
const cacTx = U.Transactions.fromCsv(readFileSync(path.join(FIXTURES, "cac_transactions.csv"), "utf8"), { customerId: "customer", timestamp: "date", amount: "amount", channel: "channel" });
const F = { names: ["x1", "x2"], values: new Float64Array([1, 2, 2, 1, 3, 3, 0, 1, 5, 2, 1, 4]) };
const labels = new Uint8Array([0, 1, 0, 1, 1, 0]);
const churnModel = U.fitChurn(F, labels, {});
const X = new Float64Array([1, 1.2, 0.8, 50, 52, 48]);
const segModel = U.segment(X, 1, { k: 2 }).model;
const fm = new U.FeatureMatrix(X, 1);

// Frees whatever wasm objects a result holds (the object itself or a `model` field).
const release = (r) => { if (r && typeof r.free === "function") r.free(); if (r?.model && typeof r.model.free === "function") r.model.free(); };

// Heavy exports: the ones that copy input into wasm memory or fit a model. Calls that throw
// exercise the error path, which must release what it allocated too.
const HEAVY = {
  "Transactions.fromCsv": () => U.Transactions.fromCsv(CSV, M),
  "Transactions.fromRows": () => U.Transactions.fromRows(rows, M),
  "Transactions.fromColumns": () => U.Transactions.fromColumns({ customerId: ["a", "b", "a"], timestamp: ["2024-01-01", "2024-01-02", "2024-01-05"], amount: new Float64Array([1, 2, 3]) }),
  "Transactions.fromCsv (error path)": () => { try { U.Transactions.fromCsv(CSV + "d,03/05/2024,1\n", M); } catch (e) { assert.equal(e.code, "E_BAD_DATE"); } },
  "Transactions#summary": () => tx.summary({ period: "week" }),
  "Transactions#kpis": () => tx.kpis(),
  "CustomerSummary.fromColumns": () => U.CustomerSummary.fromColumns(summaryCols(), { period: "week" }),
  "Spend.fromCsv": () => U.Spend.fromCsv("month,channel,amount\n2024-01-01,search,100\n2024-02-01,social,50\n", { date: "month", channel: "channel", amount: "amount" }),
  cac: () => U.cac(spend, cacTx, { period: "month" }),
  cacPayback: () => U.cacPayback(spend, cacTx, { grossMargin: 0.5 }),
  ltvToCac: () => U.ltvToCac(spend, cacTx, { grossMargin: 0.5 }),
  churnFeatures: () => U.churnFeatures(tx, { cutoff: "2024-01-20", horizonDays: 30 }),
  fitChurn: () => U.fitChurn(F, labels, {}),
  "ChurnModel#predict": () => churnModel.predict(F),
  evaluateScores: () => U.evaluateScores([0.1, 0.9, 0.4, 0.6], [0, 1, 0, 1]),
  fitBgNbd: () => { try { return U.fitBgNbd(S, { starts: 1, maxIterations: 30 }); } catch (e) { assert.ok(["E_NOT_CONVERGED", "E_INSUFFICIENT_DATA"].includes(e.code), e.message); } },
  fitGammaGamma: () => { try { return U.fitGammaGamma(S, { starts: 1, maxIterations: 30 }); } catch (e) { assert.ok(["E_NOT_CONVERGED", "E_INSUFFICIENT_DATA"].includes(e.code), e.message); } },

  "BgNbdModel#probabilityAlive": () => BG.probabilityAlive(CD),
  "GammaGammaModel#expectedSpend": () => GG.expectedSpend(CD),

  segmentCustomers: () => U.segmentCustomers(S, { k: 2, nInit: 1 }),
  chooseKCustomers: () => U.chooseKCustomers(S, { kMax: 3, nInit: 1 }),
  clv: () => U.clv(BG, GG, CD, {}),
  historicalLtv: () => U.historicalLtv(tx, {}),
  segment: () => U.segment(X, 1, { k: 2, nInit: 1 }),
  kmeans: () => U.kmeans(X, 1, { k: 2, nInit: 1 }),
  "FeatureMatrix#kmeans": () => fm.kmeans({ k: 2, nInit: 1 }),
  "new FeatureMatrix": () => new U.FeatureMatrix(X, 1),
  "SegmentModel#predict": () => segModel.predict(X, 1),
  chooseK: () => U.chooseK(X, 1, { kMax: 3, nInit: 1 }),
  rfmScores: () => U.rfmScores(S),
};

// Exports whose single call takes milliseconds get fewer calls, to keep the test under a minute:
// a fit of Pareto/NBD (BFGS with numerical gradients) takes about 200 ms on 40 customers.
const JAN1 = Date.UTC(2024, 0, 1), DAY = 86_400_000, iso = (ms) => new Date(ms).toISOString().slice(0, 10);
let shop = "c,d,a\n";
for (let i = 0; i < 40; i++) for (let j = 0; j <= i % 5; j++) shop += `c${i},${iso(JAN1 + (i + j * (10 + 7 * (i % 4))) * DAY)},${10 + (i % 7)}\n`;
const shopTx = U.Transactions.fromCsv(shop, M);
const SLOW = {
  evaluateChurn: [2_000, () => U.evaluateChurn(shopTx, { trainCutoff: "2024-02-01", testCutoff: "2024-03-01", horizonDays: 30 })],
  calibrationHoldout: [2_000, () => U.calibrationHoldout(shopTx, { calibrationEnd: "2024-03-01", period: "week" })],
  fitParetoNbd: [100, () => U.fitParetoNbd(S, { starts: 1, maxIterations: 20 })],
};

const growth = {};
const runs = [
  ...Object.entries(HEAVY).map(([name, call]) => [name, CALLS, call]),
  ...Object.entries(SLOW).map(([name, [calls, call]]) => [name, calls, call]),
];
for (const [name, calls, call] of runs) {
  test(`${calls} calls of ${name} keep wasm memory flat`, () => {
    for (let i = 0; i < Math.min(WARM_UP, calls / 10); i++) release(call());
    const before = bytes();
    for (let i = 0; i < calls; i++) release(call());
    const grew = bytes() - before;
    growth[name] = grew;
    assert.ok(grew <= MIB, `${name}: wasm memory grew by ${grew} bytes over ${calls} calls`);
  });
}

const tick = () => new Promise((r) => setImmediate(r));

test("objects dropped without free() are released by garbage collection (FinalizationRegistry)", async () => {
  // 2,000 rows per table: a table that stayed allocated would hold ~50 KB of wasm memory.
  let big = "c,d,a\n";
  for (let i = 0; i < 2000; i++) big += `c${i % 300},2024-0${1 + (i % 9)}-1${i % 10},${1 + (i % 50)}\n`;
  const collected = new Set();
  const watch = new FinalizationRegistry((id) => collected.add(id));
  const round = () => {
    for (let i = 0; i < 100; i++) {
      const t = U.Transactions.fromCsv(big, M);
      const s = t.summary();
      watch.register(t, collected.size + i);
      assert.equal(s.length, 300);
    }
  };
  for (let i = 0; i < 5; i++) { round(); gc(); await tick(); } // warm-up
  // What one table holds while alive, to size a leak: at least an 8-byte time, an 8-byte amount
  // and a 4-byte customer index per row. (Measuring it from memory.buffer is unreliable: memory
  // grows in 64 KiB pages and allocations can reuse free pages.)
  const perTable = 2000 * (8 + 8 + 4);
  const before = bytes();
  for (let r = 0; r < 40; r++) { round(); gc(); await tick(); await tick(); }
  gc(); await tick();
  const grew = bytes() - before;
  const leak = 4000 * perTable;
  growth["GC-released Transactions + summaries (4,000 of each)"] = grew;
  growth["what 4,000 unreleased tables would hold"] = leak;
  assert.ok(collected.size > 0, "the garbage collector ran finalizers");
  // Finalizers run some time after collection, so the last rounds may still be held.
  assert.ok(grew <= Math.max(4 * MIB, leak / 20), `wasm memory grew by ${grew} bytes of a possible ${leak}: dropped objects were not released`);
});

test("explicit free() releases at once; a freed object refuses work with E_BAD_TYPE", () => {
  let big = "c,d,a\n";
  for (let i = 0; i < 20_000; i++) big += `c${i},2024-01-0${1 + (i % 9)},${i % 50}\n`;
  const cycle = () => { const t = U.Transactions.fromCsv(big, M); const s = t.summary(); s.free(); t.free(); };
  for (let i = 0; i < 5; i++) cycle(); // reach the working size
  const before = bytes();
  for (let i = 0; i < 50; i++) {
    const t = U.Transactions.fromCsv(big, M);
    const s = t.summary();
    s.free(); t.free();
    assert.throws(() => t.length, (e) => e.name === "UnimetricError" && e.code === "E_BAD_TYPE");
  }
  const grew = bytes() - before;
  growth["free()d 20,000-row tables (50 of them)"] = grew;
  assert.ok(grew <= MIB, `grew ${grew}`);
});

test.after(() => {
  if (process.env.UNIMETRIC_MEMORY_REPORT) console.log(JSON.stringify(growth, null, 1));
});
