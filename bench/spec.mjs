// `spec.evaluate` of the demo spec vs the sum of the direct calls it equals, in the same run on the
// same data; and the cost of the data fingerprint per million rows.
//
//   bash bench/run.sh spec          (or: node --expose-gc bench/spec.mjs)
//
// Data (generated here, deterministic, not timed): 100,000 customers over 2024–2025, each with a
// first purchase in the first year and a geometric number of repeat purchases at exponential gaps
// (about 390,000 transactions with order ids and 4 channels), and monthly spend for 3 channels.
// Timed (median of 9 after one warm-up), on tables already built (building and fingerprinting
// excluded, as both paths share them):
//   (a) MetricSpec.parse(www/specs/demo.json).evaluate({ transactions, spend }): 10 metrics;
//   (b) the direct calls with the same options: tx.kpis(), cac(month), ltvToCac(margin 0.3),
//       churnFeatures(cutoff = last day − 90, horizonDays 90), historicalLtv(margin 0.3), and
//       tx.summary(week) → fitBgNbd, fitGammaGamma → clv(12 months, 1 %, margin 0.3).
// The headline numbers of (a) must equal those of (b): the run fails otherwise.
// Fingerprint: Transactions.fromColumns of 1,000,000 rows, and the native cost of the
// fingerprint alone (examples/fingerprint_cost.rs, release build) per million rows.
import { ROOT, markdownTable, ms, ratio, record, table, time } from "./lib.mjs";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";

const U = await import("../pkg/node.js");
const { MetricSpec, Transactions, Spend, cac, ltvToCac, churnFeatures, historicalLtv, fitBgNbd, fitGammaGamma, clv, version } = U;

const N_CUSTOMERS = 100_000, TARGET = 1.05;
const START = Date.UTC(2024, 0, 1), DAY = 86_400_000, DAYS = 731;
const CHANNELS = ["paid_search", "paid_social", "email", "organic"];
let s = 2463534242;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };

const ids = [], times = [], amounts = [], orders = [], channels = [];
for (let c = 0; c < N_CUSTOMERS; c++) {
  let t = Math.floor(rnd() * 365 * 1440) * 60_000;
  const ch = CHANNELS[Math.floor(rnd() * CHANNELS.length)];
  const spend = 20 + rnd() * 80;
  const p = 0.15 + rnd() * 0.5; // chance to stop after each purchase
  for (;;) {
    ids.push(c + 1); times.push(START + t); amounts.push(Math.round(spend * (0.5 + rnd()) * 100) / 100);
    orders.push(`O${orders.length}`); channels.push(ch);
    if (rnd() < p) break;
    t += Math.floor(-Math.log(rnd()) * 40 * 1440) * 60_000;
    if (t >= DAYS * DAY) break;
  }
}
const N_TX = ids.length;
const txColumns = { customerId: Uint32Array.from(ids), timestamp: Float64Array.from(times), amount: Float64Array.from(amounts), orderId: orders, channel: channels };
const spendRows = [];
for (let m = 0; m < 24; m++) for (const [ch, type] of [["paid_search", "paid"], ["paid_social", "paid"], ["email", "owned"]]) {
  spendRows.push({ month: new Date(Date.UTC(2024, m, 1)).toISOString().slice(0, 10), channel: ch, channel_type: type, amount: Math.round(5000 + rnd() * 20000) });
}
const specText = readFileSync(join(ROOT, "www/specs/demo.json"), "utf8");
const tx = Transactions.fromColumns(txColumns);
const spend = Spend.fromRows(spendRows, { date: "month", channel: "channel", amount: "amount", channelType: "channel_type" });

function evaluateSpec() {
  const spec = MetricSpec.parse(specText);
  const r = spec.evaluate({ transactions: tx, spend });
  spec.free();
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.value]));
}

function direct() {
  const k = tx.kpis();
  const table = cac(spend, tx, { period: "month", attributionLag: 0 }).rows;
  const latest = (variant) => table.filter((r) => r.variant === variant && r.complete && r.value !== null).at(-1)?.value ?? null;
  const ratioRows = ltvToCac(spend, tx, { margin: 0.3, attributionLag: 0, ltv: "historical" }).rows;
  const lastDay = Math.floor(tx.timeRange.last / DAY);
  const churn = churnFeatures(tx, { cutoff: new Date((lastDay - 90) * DAY).toISOString().slice(0, 10), horizonDays: 90 });
  const h = historicalLtv(tx, { margin: 0.3 });
  const summary = tx.summary({ period: "week" });
  const bg = fitBgNbd(summary), gg = fitGammaGamma(summary);
  const total = clv(bg, gg, summary, { horizonMonths: 12, discountRate: 0.01, margin: 0.3 }).total;
  bg.free(); gg.free(); summary.free();
  const labels = churn.labels;
  return {
    customers: k.customers.value, revenue: k.revenue.value, aov: k.averageOrderValue.value, repeatRate: k.repeatPurchaseRate.value,
    paidCac: latest("paid"), blendedCac: latest("blended"),
    ltvToCac: ratioRows.find((r) => r.cohort === null && r.channel === null)?.value ?? null,
    churn90: labels.reduce((a, x) => a + x, 0) / labels.length,
    historicalLtv: h.ltv.reduce((a, x) => a + x, 0) / h.ltv.length,
    ltv12: total,
  };
}

const a = await time(evaluateSpec, { warmup: 1, repeats: 9 });
const b = await time(direct, { warmup: 1, repeats: 9 });
const mismatched = Object.keys(b.value).filter((k) => a.value[k] !== b.value[k]);

// The fingerprint: building 1,000,000 rows from columns (the fingerprint is part of it), and the
// fingerprint alone, natively.
const big = { customerId: new Uint32Array(1_000_000), timestamp: new Float64Array(1_000_000), amount: new Float64Array(1_000_000) };
for (let i = 0; i < 1_000_000; i++) { big.customerId[i] = 1 + Math.floor(rnd() * 250_000); big.timestamp[i] = START + Math.floor(rnd() * DAYS * 1440) * 60_000; big.amount[i] = Math.round(rnd() * 10000) / 100; }
const build = await time(() => { const t = Transactions.fromColumns(big); const f = t.fingerprint; t.free(); return f; }, { warmup: 1, repeats: 5 });
let native = null;
try {
  const out = execFileSync("cargo", ["run", "--quiet", "--release", "--offline", "--example", "fingerprint_cost"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  native = JSON.parse(out.trim().split("\n").at(-1));
} catch (e) {
  console.error(`fingerprint_cost: ${e.message}`);
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const rows = [
  { case: "(a) spec.evaluate (demo spec, 10 metrics)", "median ms": ms(a.median), "min ms": ms(a.min), "vs direct calls": ratio(a.median, b.median), target: `≤ ${TARGET}×`, result: a.median <= TARGET * b.median ? "pass" : "FAIL" },
  { case: "(b) the direct calls, same options", "median ms": ms(b.median), "min ms": ms(b.min), "vs direct calls": "1", target: "–", result: "–" },
  { case: "fromColumns, 1,000,000 rows (wasm, fingerprint included)", "median ms": ms(build.median), "min ms": ms(build.min), "vs direct calls": "–", target: "–", result: "–" },
  { case: "native: Transactions::from_columns, 1,000,000 rows (no fingerprint)", "median ms": ms(native?.build_ms), "min ms": "–", "vs direct calls": "–", target: "–", result: "–" },
  { case: "native: the fingerprint alone, 1,000,000 rows", "median ms": ms(native?.fingerprint_ms_per_million), "min ms": "–", "vs direct calls": native ? `${(100 * native.share_of_build).toFixed(0)} % of the build` : "–", target: "–", result: "–" },
];
console.log(`\nMetric spec: ${N_CUSTOMERS.toLocaleString("en-US")} customers, ${N_TX.toLocaleString("en-US")} transactions, unimetric ${version()}, node ${process.version}, ${cpu}`);
table(rows);
console.log(`headlines: ${mismatched.length ? `MISMATCH in ${mismatched.join(", ")}` : "spec.evaluate equals the direct calls for all 10 metrics"}`);
record("spec", [
  { case: "spec.evaluate", median_ms: a.median, min_ms: a.min, runs_ms: a.runs, cpu },
  { case: "direct calls", median_ms: b.median, min_ms: b.min, runs_ms: b.runs, cpu },
  { case: "ratio", ratio: a.median / b.median, target: TARGET, pass: a.median <= TARGET * b.median },
  { case: "fromColumns 1M", median_ms: build.median, runs_ms: build.runs, cpu },
  { case: "fingerprint native per 1M", ...(native ?? {}) },
]);
mkdirSync(join(ROOT, "bench", ".data"), { recursive: true });
writeFileSync(join(ROOT, "bench", ".data", "spec.md"), markdownTable(rows) + "\n");
if (mismatched.length) process.exitCode = 1;
