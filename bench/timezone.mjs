// The cost of time zones in the customer summary (#16): `summary` alone on the summary benchmark's
// data (bench/.data/transactions.csv, ~460k rows, 100k customers; made by bench/summary.mjs) as
// typed columns (its case (c)),
// period day, in UTC (the fast path: a fixed offset), in a fixed-offset zone (Etc/GMT-5) and in
// three zones with DST (offset looked up per row in the bundled tz database).
//
//   bash bench/run.sh timezone          (or: node bench/timezone.mjs)
//   UNIMETRIC_BASE_PKG=/path/to/other/pkg node bench/timezone.mjs
//
// With UNIMETRIC_BASE_PKG, the same UTC summary of another build (e.g. the package before a
// change) is timed in the same process, the cases interleaved round by round so that both see
// the same machine load: the before/after comparison recorded in BENCHMARKS.md.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DATA_DIR, ms, record, table } from "./lib.mjs";

const CSV = join(DATA_DIR, "transactions.csv");
if (!existsSync(CSV)) throw new Error(`${CSV} missing: run bash bench/run.sh summary first`);
const MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount" };
const ROUNDS = Number(process.env.UNIMETRIC_ROUNDS ?? 15);

const current = await import("../pkg/node.js");
const basePath = process.env.UNIMETRIC_BASE_PKG;
const base = basePath ? await import(pathToFileURL(join(basePath, "node.js")).href) : null;

// Typed columns as in bench/summary.mjs (numeric ids "C000123" -> 123), the table of its case (c).
const lines = readFileSync(CSV, "utf8").trim().split("\n");
const header = lines[0].split(",");
const [ic, id, ia] = [MAPPING.customerId, MAPPING.timestamp, MAPPING.amount].map((k) => header.indexOf(k));
const n = lines.length - 1;
const columns = { customerId: new Uint32Array(n), timestamp: new Float64Array(n), amount: new Float64Array(n) };
for (let i = 0; i < n; i++) {
  const f = lines[i + 1].split(",");
  columns.customerId[i] = Number(f[ic].slice(1));
  columns.timestamp[i] = Date.parse(f[id]);
  columns.amount[i] = Number(f[ia]);
}
const tx = current.Transactions.fromColumns(columns);
const baseTx = base ? base.Transactions.fromColumns(columns) : null;

// UNIMETRIC_BASE_LAST=1 times the base build after this one in each round (a check on order).
const baseCase = base ? [["UTC, base build (UNIMETRIC_BASE_PKG)", () => baseTx.summary({ period: "day" })]] : [];
const baseLast = process.env.UNIMETRIC_BASE_LAST === "1";
const cases = [
  ...(baseLast ? [] : baseCase),
  ["UTC (default)", () => tx.summary({ period: "day" })],
  ...(baseLast ? baseCase : []),
  ["Etc/GMT-5 (fixed offset)", () => tx.summary({ period: "day", timezone: "Etc/GMT-5" })],
  ["Europe/Berlin", () => tx.summary({ period: "day", timezone: "Europe/Berlin" })],
  ["America/New_York", () => tx.summary({ period: "day", timezone: "America/New_York" })],
  ["Australia/Sydney", () => tx.summary({ period: "day", timezone: "Australia/Sydney" })],
];
const times = cases.map(() => []);
for (let round = -2; round < ROUNDS; round++) {
  cases.forEach(([, fn], i) => {
    const t0 = performance.now();
    const s = fn();
    const t = performance.now() - t0;
    s.free();
    if (round >= 0) times[i].push(t);
  });
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const utc = median(times[cases.findIndex(([name]) => name === "UTC (default)")]);
const rows = cases.map(([name], i) => ({
  case: name,
  "median ms": ms(median(times[i])),
  "min ms": ms(Math.min(...times[i])),
  "vs UTC (median)": `${(median(times[i]) / utc).toFixed(2)}×`,
}));
console.log(`summary alone, ${tx.length.toLocaleString("en-US")} rows, period day, ${ROUNDS} interleaved rounds`);
console.log(table(rows));
record("timezone", rows);
tx.free();
baseTx?.free();
