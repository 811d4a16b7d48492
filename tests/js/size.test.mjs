// Size limits: five million transactions work in Node, and inputs that cannot fit in wasm32
// memory (4 GiB at most) are refused with E_TOO_LARGE before anything is copied, instead of an
// out-of-memory trap. The oversized inputs are zero-filled typed arrays and sparse arrays,
// which the operating system does not back with memory until they are written.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as U from "../../pkg/node.js";
import { throwsCode } from "./helpers.mjs";

const memory = U.initSync().memory;
const M = { customerId: "c", timestamp: "d", amount: "a" };
const DAY = 86_400_000;

test("5,000,000 transactions: table, summary and KPIs", () => {
  const n = 5_000_000, customers = 500_000;
  const ids = new Uint32Array(n), t = new Float64Array(n), a = new Float64Array(n);
  const start = Date.UTC(2023, 0, 1);
  for (let i = 0; i < n; i++) {
    ids[i] = (i * 435_761) % customers; // 435,761 is coprime with 500,000: every id appears, 10 times
    t[i] = start + ((i * 7919) % 730) * DAY + (i % 86_400) * 1000;
    a[i] = 1 + (i % 200);
  }
  const t0 = performance.now();
  const tx = U.Transactions.fromColumns({ customerId: ids, timestamp: t, amount: a });
  const t1 = performance.now();
  const s = tx.summary({ period: "week" });
  const t2 = performance.now();
  const k = tx.kpis();
  const t3 = performance.now();
  assert.equal(tx.length, n);
  assert.equal(tx.customerCount, customers);
  assert.equal(s.length, customers);
  assert.equal(k.orders.value, n);
  // Σ (1 + i mod 200) over 5,000,000 rows = 25,000 · (1 + … + 200) = 25,000 · 20,100.
  assert.equal(k.revenue.value, 25_000 * 20_100);
  if (process.env.UNIMETRIC_SIZE_REPORT) {
    console.log(JSON.stringify({
      fromColumnsMs: Math.round(t1 - t0), summaryMs: Math.round(t2 - t1), kpisMs: Math.round(t3 - t2),
      wasmMemoryMiB: memory.buffer.byteLength / 2 ** 20,
    }));
  }
  s.free(); tx.free();
});

const tooLarge = (fn) => throwsCode(fn, "E_TOO_LARGE");

test("inputs that cannot fit in wasm memory get E_TOO_LARGE before allocation", () => {
  const before = memory.buffer.byteLength;
  const huge = 2 ** 29 + 8; // Float64Array of 4 GiB + 64 bytes
  const sparse = () => new Array(2 ** 32 - 1); // the longest array, holding nothing
  tooLarge(() => U.Transactions.fromCsv(new Uint8Array(2 ** 32 - 1), M));
  tooLarge(() => U.Transactions.fromColumns({ customerId: new Uint32Array(1), timestamp: new Float64Array(1), amount: new Float64Array(huge) }));
  tooLarge(() => U.Transactions.fromColumns({ customerId: new Uint32Array(2 ** 31), timestamp: new Float64Array(1), amount: new Float64Array(1) }));
  tooLarge(() => U.Transactions.fromColumns({ customerId: new Uint32Array(1), timestamp: new Float64Array(huge), amount: new Float64Array(1) }));
  tooLarge(() => U.Transactions.fromColumns({ customerId: new Uint32Array(1), timestamp: sparse(), amount: new Float64Array(1) }));
  tooLarge(() => U.Transactions.fromColumns({ customerId: new Uint32Array(1), timestamp: Object.assign(sparse(), { 0: "2024-01-01" }), amount: new Float64Array(1) }));
  tooLarge(() => U.Transactions.fromColumns({ customerId: new Uint32Array(1), timestamp: new Float64Array(1), amount: new Float64Array(1), channel: sparse() }));
  tooLarge(() => U.Transactions.fromRows(new Array(2 ** 32 - 1), M));
  tooLarge(() => U.Spend.fromCsv(new Uint8Array(2 ** 32 - 1), { date: "d", channel: "c", amount: "a" }));
  tooLarge(() => U.Spend.fromColumns({ date: new Float64Array(huge), channel: ["a"], amount: [1] }));
  tooLarge(() => U.Spend.fromColumns({ date: sparse(), channel: ["a"], amount: [1] }));
  tooLarge(() => U.Spend.fromColumns({ date: [0], channel: sparse(), amount: [1] }));
  tooLarge(() => U.Spend.fromColumns({ date: [0], channel: ["a"], channelType: sparse(), amount: [1] }));
  tooLarge(() => new U.FeatureMatrix(new Float64Array(huge), 1));
  tooLarge(() => U.kmeans(new Float64Array(huge), 1, { k: 2 }));
  // Arrays inside an options object (the given initial centres) are checked before the copy too.
  tooLarge(() => U.kmeans(new Float64Array(4), 1, { k: 2, init: new Float64Array(huge) }));
  tooLarge(() => U.segment(new Float64Array(4), 1, { k: 2, init: sparse() }));
  tooLarge(() => U.evaluateScores(new Float64Array(huge), [0, 1]));
  const e = tooLarge(() => U.CustomerSummary.fromColumns({
    customerId: new Uint32Array(1), frequency: new Float64Array(huge), recency: [0], T: [1], monetaryValue: [0],
  }, {}));
  assert.match(e.message, /the limit is \d+/);
  // Nothing was allocated for the refused inputs, and the instance still works.
  assert.ok(memory.buffer.byteLength - before < 1024 * 1024);
  const tx = U.Transactions.fromCsv("c,d,a\na,2024-01-01,20\na,2024-01-15,35\nb,2024-01-10,12.5\n", M);
  assert.deepEqual([...tx.summary({ period: "day" }).T], [14, 5]);
});

test("Arrow IPC bytes that cannot fit in wasm memory get E_TOO_LARGE before the copy", async () => {
  const A = await import("../../pkg/arrow-node.js");
  const mem = A.initSync().memory;
  const before = mem.buffer.byteLength;
  const bytes = new Uint8Array(2 ** 32 - 1);
  const mapping = { customerId: "c", timestamp: "d", amount: "a" };
  tooLarge(() => A.Transactions.fromArrow(bytes, mapping));
  tooLarge(() => A.Transactions.fromArrow(bytes.buffer, mapping));
  tooLarge(() => A.Spend.fromArrow(bytes, { date: "d", channel: "c", amount: "a" }));
  tooLarge(() => A.CustomerSummary.fromArrow(bytes));
  tooLarge(() => A.FeatureMatrix.fromArrow(bytes, ["x"]));
  tooLarge(() => A.customerAttributesFromArrow(bytes, { customerId: "c" }));
  assert.ok(mem.buffer.byteLength - before < 1024 * 1024);
});
