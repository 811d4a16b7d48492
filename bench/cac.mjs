// Monthly channel CAC (cac.blended / cac.paid / cac.channel) vs a plain-JS reduction of the
// same data in the same run.
//
//   bash bench/run.sh cac          (or: node --expose-gc bench/cac.mjs)
//
// Data (generated here, deterministic, not timed): 1,000,000 transactions of 250,000 customers
// over 2024–2025 with an acquisition channel each (5 channels), and 1,000,000 spend rows (daily
// spend lines spread over the paid and owned channels).
// Timed (median of 7 after warm-up):
//   (a) cac(spend, tx, { period: "month" }) on already-built Spend and Transactions;
//   (b) the same including Spend.fromColumns + Transactions.fromColumns from typed columns;
//   peer: a plain-JS reduction computing first purchase per customer (earliest positive
//   transaction), new customers and spend per month × channel, and blended/channel CAC.
// The plain-JS reduction is also the correctness check: its channel CAC must equal ours.
import { ROOT, markdownTable, ms, ratio, record, table, time } from "./lib.mjs";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const { Transactions, Spend, cac, version } = await import("../pkg/node.js");

const N_TX = 1_000_000, N_CUSTOMERS = 250_000, N_SPEND = 1_000_000, TARGET_MS = 50;
const CHANNELS = ["paid_search", "paid_social", "email", "organic", "referral"];
const SPEND_CHANNELS = ["paid_search", "paid_social", "email"];
const TYPES = ["paid", "paid", "owned"];
const START = Date.UTC(2024, 0, 1), DAY = 86_400_000, DAYS = 731;

// xorshift32: deterministic data, independent of the library.
let s = 2463534242;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };

const customerChannel = Array.from({ length: N_CUSTOMERS }, () => CHANNELS[Math.floor(rnd() * CHANNELS.length)]);
const customerId = new Uint32Array(N_TX), timestamp = new Float64Array(N_TX), amount = new Float64Array(N_TX);
const channel = new Array(N_TX);
for (let i = 0; i < N_TX; i++) {
  const c = i < N_CUSTOMERS ? i : Math.floor(rnd() * N_CUSTOMERS);
  customerId[i] = c + 1;
  timestamp[i] = START + Math.floor(rnd() * DAYS * 1440) * 60_000;
  amount[i] = Math.round((5 + rnd() * 95) * 100) / 100;
  channel[i] = customerChannel[c];
}
const spendDate = new Float64Array(N_SPEND), spendAmount = new Float64Array(N_SPEND);
const spendChannel = new Array(N_SPEND), spendType = new Array(N_SPEND);
for (let i = 0; i < N_SPEND; i++) {
  const k = i % SPEND_CHANNELS.length;
  spendDate[i] = START + Math.floor(rnd() * DAYS) * DAY;
  spendAmount[i] = Math.round(rnd() * 5000) / 100;
  spendChannel[i] = SPEND_CHANNELS[k];
  spendType[i] = TYPES[k];
}
const txColumns = { customerId, timestamp, amount, channel };
const spendColumns = { date: spendDate, channel: spendChannel, amount: spendAmount, channelType: spendType };

// Plain-JS reduction (the peer): first purchase per customer and its channel, then month × channel.
const monthOf = (ms) => { const d = new Date(ms); return d.getUTCFullYear() * 12 + d.getUTCMonth(); };
function plainJs() {
  const first = new Float64Array(N_CUSTOMERS + 1).fill(Infinity);
  const firstChannel = new Array(N_CUSTOMERS + 1);
  for (let i = 0; i < N_TX; i++) {
    if (amount[i] > 0 && timestamp[i] < first[customerId[i]]) { first[customerId[i]] = timestamp[i]; firstChannel[customerId[i]] = channel[i]; }
  }
  const newBy = new Map(), spendBy = new Map();
  for (let c = 1; c <= N_CUSTOMERS; c++) {
    if (first[c] === Infinity) continue;
    const key = `${monthOf(first[c])}|${firstChannel[c]}`;
    newBy.set(key, (newBy.get(key) ?? 0) + 1);
  }
  for (let i = 0; i < N_SPEND; i++) {
    const key = `${monthOf(spendDate[i])}|${spendChannel[i]}`;
    spendBy.set(key, (spendBy.get(key) ?? 0) + spendAmount[i]);
  }
  const out = new Map();
  for (const [key, sp] of spendBy) { const n = newBy.get(key) ?? 0; out.set(key, n > 0 ? sp / n : null); }
  return out;
}

const tx = Transactions.fromColumns(txColumns);
const spend = Spend.fromColumns(spendColumns);
const a = await time(() => cac(spend, tx, { period: "month" }).rows.length);
const b = await time(() => {
  const t = Transactions.fromColumns(txColumns), sp = Spend.fromColumns(spendColumns);
  const n = cac(sp, t, { period: "month" }).rows.length;
  t.free(); sp.free();
  return n;
});
const peer = await time(() => plainJs().size);

// Correctness: every channel CAC with spend equals the plain-JS value (same spend order → tiny
// float differences at most, so compare to 1e-9 relative).
const ours = cac(spend, tx, { period: "month" }).rows.filter((r) => r.variant === "channel" && r.spend > 0);
const theirs = plainJs();
let mismatches = 0;
for (const r of ours) {
  const d = new Date(r.periodStart);
  const v = theirs.get(`${d.getUTCFullYear() * 12 + d.getUTCMonth()}|${r.channel}`);
  const same = v == null ? r.value == null : r.value != null && Math.abs(r.value - v) <= 1e-9 * Math.abs(v);
  if (!same) mismatches++;
}

const rowsOut = [
  { case: "(a) cac() on built tables", "median ms": ms(a.median), "min ms": ms(a.min), "vs plain JS": ratio(a.median, peer.median), target: `≤ ${TARGET_MS} ms`, result: a.median <= TARGET_MS ? "pass" : "FAIL" },
  { case: "(b) fromColumns ×2 + cac()", "median ms": ms(b.median), "min ms": ms(b.min), "vs plain JS": ratio(b.median, peer.median), target: "–", result: "–" },
  { case: "plain-JS reduction (peer)", "median ms": ms(peer.median), "min ms": ms(peer.min), "vs plain JS": "1", target: "–", result: "–" },
];
console.log(`\nMonthly channel CAC: ${N_TX.toLocaleString("en-US")} transactions (${N_CUSTOMERS.toLocaleString("en-US")} customers) + ${N_SPEND.toLocaleString("en-US")} spend rows, unimetric ${version()}, node ${process.version}`);
table(rowsOut);
console.log(`cross-check: ${ours.length} channel-month CACs with spend, ${mismatches} differ from the plain-JS reduction`);
record("cac", [
  { case: "cac", median_ms: a.median, min_ms: a.min, runs_ms: a.runs, target_ms: TARGET_MS, pass: a.median <= TARGET_MS },
  { case: "fromColumns+cac", median_ms: b.median, min_ms: b.min, runs_ms: b.runs },
  { case: "plain JS", median_ms: peer.median, min_ms: peer.min, runs_ms: peer.runs },
  { case: "cross-check", compared: ours.length, mismatches },
]);
mkdirSync(join(ROOT, "bench", ".data"), { recursive: true });
writeFileSync(join(ROOT, "bench", ".data", "cac.md"), markdownTable(rowsOut) + "\n");
if (mismatches) process.exitCode = 1;
