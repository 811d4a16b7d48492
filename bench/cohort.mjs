// Cohort matrix (cohort.matrix) vs pandas, in the same run.
//
//   bash bench/run.sh cohort          (or: node --expose-gc bench/cohort.mjs, once pkg/ and bench/.venv exist)
//
// Data (generated here, deterministic, not timed; the generator of examples/cohort_bench.rs):
// 1,000,000 transactions of 250,000 customers over 2023–2025 (36 months), 3 % of them refunds.
// The table is built once with Transactions.fromColumns (not timed).
// Timed (median of 7 after 2 warm-up runs):
//   (a) cohorts(tx, { measure: "revenue" }) and cohorts(tx, { measure: "customers" }), monthly
//       cohorts, ages 0..=35, observationEnd 2025-12-31 — the two grids of the peer;
//   (b) revenue alone; (c) customers alone.
// Peer: bench/cohort_pandas.py (bench/.venv) times the same two grids with pandas on a DataFrame
// already in memory (read from raw columns written here) and writes them; they are compared
// here cell by cell (revenue within 1e-9 relative, customers and cohort sizes exactly, the same
// cells incomplete). Target: (a) at least 10× faster than pandas.
import { cpus } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const { Transactions, cohorts, version } = await import("../pkg/node.js");

const N_TX = 1_000_000, N_CUSTOMERS = 250_000, DAYS = 1095, MAX_AGE = 35, END = "2025-12-31", TARGET = 10;
const START = Date.UTC(2023, 0, 1);

// xorshift32: deterministic data, independent of the library (as examples/cohort_bench.rs).
let s = 2463534242;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
const customerId = new Uint32Array(N_TX), timestamp = new Float64Array(N_TX), amount = new Float64Array(N_TX);
for (let i = 0; i < N_TX; i++) {
  const c = i < N_CUSTOMERS ? i : Math.floor(rnd() * N_CUSTOMERS);
  customerId[i] = c + 1;
  timestamp[i] = START + Math.floor(rnd() * DAYS * 1440) * 60_000;
  const a = Math.round((5 + rnd() * 95) * 100) / 100;
  amount[i] = rnd() < 0.03 ? -a : a;
}
const dir = join(DATA_DIR, "cohort");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "customer.u32"), Buffer.from(customerId.buffer));
writeFileSync(join(dir, "timestamp.f64"), Buffer.from(timestamp.buffer));
writeFileSync(join(dir, "amount.f64"), Buffer.from(amount.buffer));

const tx = Transactions.fromColumns({ customerId, timestamp, amount });
const opts = (measure) => ({ cohortPeriod: "month", measure, maxAge: MAX_AGE, observationEnd: END });
const cases = [];
const bench = async (name, fn) => {
  const r = await time(fn, { warmup: 2, repeats: 7 });
  cases.push({ name, ...r });
  console.log(`  ${name}: median ${ms(r.median)} ms, min ${ms(r.min)} ms`);
  return r;
};
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`unimetric ${version()}, node ${process.version}, ${cpu}`);
const both = await bench("(a) cohorts: revenue + customers (two calls)", () => [cohorts(tx, opts("revenue")), cohorts(tx, opts("customers"))]);
await bench("(b) cohorts: revenue", () => cohorts(tx, opts("revenue")));
await bench("(c) cohorts: customers", () => cohorts(tx, opts("customers")));
const [revenue, customers] = both.value;
tx.free();

console.log("running bench/cohort_pandas.py …");
const peerOut = join(dir, "pandas_grid.json");
const peer = runPython(join(ROOT, "bench", "cohort_pandas.py"), ["--dir", dir, "--end", END, "--max-age", MAX_AGE, "--out", peerOut, "--repeats", 5, "--warmup", 1]);
console.log(`  pandas ${peer.versions.pandas}: median ${ms(peer.median_ms)} ms, min ${ms(peer.min_ms)} ms (DataFrame built in ${ms(peer.load_ms)} ms, not timed)`);

// ---- cross-check ------------------------------------------------------------------------------
const grid = JSON.parse(readFileSync(peerOut, "utf8"));
const monthStart = (i) => Date.UTC(1970 + Math.floor(i / 12), i % 12, 1);
let mismatches = 0;
const same = (a, b, tol) => (b === null ? Number.isNaN(a) : Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)));
const cells = (ours, theirs, tol) => {
  if (ours.length !== theirs.length) return Math.max(ours.length, theirs.length);
  let bad = 0;
  for (let i = 0; i < ours.length; i++) if (!same(ours[i], theirs[i], tol)) bad++;
  return bad;
};
mismatches += cells(revenue.values, grid.revenue, 1e-9);
mismatches += cells(customers.values, grid.customers, 0);
mismatches += cells(Array.from(revenue.cohortSize), grid.size, 0);
mismatches += cells(Array.from(revenue.cohortStart), grid.cohort.map(monthStart), 0);
const checked = revenue.values.length + customers.values.length;

// ---- report -----------------------------------------------------------------------------------
const rows = [
  ...cases.map((c) => {
    const main = c.name.startsWith("(a)");
    const faster = peer.median_ms / c.median;
    return {
      case: c.name,
      "median ms": ms(c.median),
      "min ms": ms(c.min),
      "vs pandas (median)": ratio(c.median, peer.median_ms),
      target: main ? `≥ ${TARGET}× faster` : "–",
      result: main ? (faster >= TARGET ? "pass" : "FAIL") : "–",
    };
  }),
  { case: `pandas ${peer.versions.pandas}: revenue + customers grids`, "median ms": ms(peer.median_ms), "min ms": ms(peer.min_ms), "vs pandas (median)": "1", target: "–", result: "–" },
];
const title = `Cohort matrix, monthly × ${MAX_AGE + 1} ages: ${N_TX.toLocaleString("en-US")} transactions, ${N_CUSTOMERS.toLocaleString("en-US")} customers, ${revenue.cohortSize.length} cohorts, single thread, ${cpu}`;
console.log(`\n${title}`);
table(rows);
console.log(`\nCross-check vs pandas: ${mismatches} mismatched of ${checked} cells (revenue 1e-9 relative; customers, sizes and cohort starts exact; incomplete cells NaN vs null)`);

record("cohort", [
  ...cases.map((c) => ({ case: c.name, median_ms: c.median, min_ms: c.min, runs_ms: c.runs, ratio_vs_peer: c.median / peer.median_ms, peer: "pandas", cpu })),
  { case: "pandas revenue + customers", median_ms: peer.median_ms, min_ms: peer.min_ms, runs_ms: peer.runs_ms, versions: peer.versions },
  { case: "cross-check", mismatches, cells: checked },
]);
writeFileSync(
  join(DATA_DIR, "cohort.md"),
  [`${title} (unimetric ${version()}, node ${process.version}, python ${peer.versions.python}, pandas ${peer.versions.pandas}, numpy ${peer.versions.numpy})`, "", markdownTable(rows), "", `Cross-check vs pandas: ${mismatches} mismatched of ${checked} cells`, ""].join("\n"),
);
console.log(`\n(results appended to bench/.data/results.jsonl; Markdown in bench/.data/cohort.md)`);
if (mismatches) process.exitCode = 1;
