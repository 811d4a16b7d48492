// Customer summary (customer.summary) vs lifetimes' summary_data_from_transaction_data.
//
//   bash bench/run.sh summary          (or: node bench/summary.mjs, once bench/.venv exists)
//
// Data: bench/.data/transactions.csv (100,000 customers, ~460k rows), generated when missing by
// `cargo run --release --example sample_data -- --customers 100000 --out bench/.data`.
// Untimed: reading the file and building typed columns in JS. Timed (median of >= 7 runs after
// warm-up): (a) fromColumns + summary, (b) fromCsv + summary (string and bytes), (c) summary alone.
// The peer (bench/lifetimes_summary.py, in bench/.venv) times only the summary call on a DataFrame
// already loaded, and writes its summary, which is compared here with ours for every customer.
// Also reports the package size against the 250 KB gzip budget.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, bytes, gzipSize, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const CUSTOMERS = 100_000;
const CSV = join(DATA_DIR, "transactions.csv");
const PEER_OUT = join(DATA_DIR, "lifetimes_summary.csv");
const PEER_NETTED_OUT = join(DATA_DIR, "lifetimes_summary_netted.csv");
const TARGET_MS = 50; // fromColumns + summary, typed columns, 100k customers
const BUDGET_GZIP = 250_000; // bytes, whole package JS + wasm, gzip -9
const MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount" };
const OPTS = { period: "day" };

// ---- data -------------------------------------------------------------------------------------
if (!existsSync(CSV)) {
  console.log(`generating ${CSV} (${CUSTOMERS} customers)…`);
  const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` };
  const args = ["run", "--release", "--example", "sample_data", "--", "--customers", String(CUSTOMERS), "--out", "bench/.data"];
  const res = spawnSync("cargo", args, { cwd: ROOT, stdio: "inherit", env });
  if (res.status !== 0) throw new Error(`cargo ${args.join(" ")} failed (${res.error ?? res.status})`);
}

const { Transactions, version } = await import("../pkg/node.js");

const csvBytes = readFileSync(CSV);
const csvText = csvBytes.toString("utf8");

// Typed columns built in JS (not timed).
function columnsFromCsv(text) {
  const lines = text.split("\n");
  const header = lines[0].split(",");
  const ic = header.indexOf("customer_id"), id = header.indexOf("order_date"), ia = header.indexOf("amount");
  let n = lines.length - 1;
  while (n > 0 && lines[n] === "") n--;
  const customerId = new Uint32Array(n), timestamp = new Float64Array(n), amount = new Float64Array(n);
  const refunders = new Set();
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1].split(",");
    customerId[i] = Number(f[ic].slice(1)); // "C000123" -> 123
    timestamp[i] = Date.parse(f[id]);
    amount[i] = Number(f[ia]);
    if (!Number.isFinite(timestamp[i]) || !Number.isFinite(amount[i])) throw new Error(`bad row ${i + 2}: ${lines[i + 1]}`);
    if (amount[i] < 0) refunders.add(customerId[i]);
  }
  return { customerId, timestamp, amount, refunders };
}
const { refunders, ...columns } = columnsFromCsv(csvText);
const rows = columns.amount.length;

// ---- ours -------------------------------------------------------------------------------------
const once = (make) => {
  const tx = make();
  const s = tx.summary(OPTS);
  tx.free();
  s.free();
};
const cases = [];
const bench = async (name, fn, opts) => {
  const r = await time(fn, opts);
  cases.push({ name, ...r });
  console.log(`  ${name}: median ${ms(r.median)} ms, min ${ms(r.min)} ms`);
  return r;
};

console.log(`unimetric ${version()}, ${bytes(rows)} rows, ${bytes(refunders.size)} customers with refund rows`);
await bench("(a) fromColumns + summary (typed columns)", () => once(() => Transactions.fromColumns(columns)), { warmup: 3, repeats: 11 });
await bench("(b) fromCsv + summary (CSV string)", () => once(() => Transactions.fromCsv(csvText, MAPPING)), { warmup: 2, repeats: 7 });
await bench("(b') fromCsv + summary (CSV bytes, Uint8Array)", () => once(() => Transactions.fromCsv(csvBytes, MAPPING)), { warmup: 2, repeats: 7 });
{
  const tx = Transactions.fromColumns(columns);
  await bench("(c) summary alone (existing Transactions)", () => tx.summary(OPTS).free(), { warmup: 3, repeats: 11 });
  tx.free();
}

// Our outputs for the cross-check (the typed-column path, and the CSV path for consistency).
const take = (tx) => {
  const s = tx.summary(OPTS);
  const out = {
    customerId: s.customerId, frequency: s.frequency, recency: s.recency, T: s.T,
    monetaryValue: s.monetaryValue, excluded: s.excludedCustomers,
  };
  s.free();
  tx.free();
  return out;
};
const ours = take(Transactions.fromColumns(columns));
const oursCsv = take(Transactions.fromCsv(csvText, MAPPING));

// ---- lifetimes --------------------------------------------------------------------------------
console.log("running bench/lifetimes_summary.py …");
const peer = runPython(join(ROOT, "bench", "lifetimes_summary.py"), ["--csv", CSV, "--out", PEER_OUT, "--netted-out", PEER_NETTED_OUT, "--repeats", 3, "--warmup", 1]);
console.log(`  lifetimes summary_data_from_transaction_data: median ${ms(peer.median_ms)} ms, min ${ms(peer.min_ms)} ms (load+parse ${ms(peer.load_ms)} ms, not timed)`);

// ---- cross-check ------------------------------------------------------------------------------
const relEq = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
const index = new Map();
for (let i = 0; i < ours.customerId.length; i++) index.set(ours.customerId[i], i);

function compare(peerCsv) {
  const groups = { without: { customers: 0, mismatches: 0, examples: [], fields: {} }, with: { customers: 0, mismatches: 0, examples: [], fields: {} } };
  const lines = readFileSync(peerCsv, "utf8").trim().split("\n");
  const h = lines[0].split(",");
  const [pc, pf, pr, pt, pm] = ["customer_id", "frequency", "recency", "T", "monetary_value"].map((k) => h.indexOf(k));
  const seen = new Set();
  for (let k = 1; k < lines.length; k++) {
    const f = lines[k].split(",");
    const cid = Number(f[pc].slice(1));
    const theirs = { frequency: Number(f[pf]), recency: Number(f[pr]), T: Number(f[pt]), monetaryValue: Number(f[pm]) };
    const g = groups[refunders.has(cid) ? "with" : "without"];
    g.customers++;
    seen.add(cid);
    const i = index.get(cid);
    const bad = [];
    if (i === undefined) bad.push("missing");
    else {
      for (const key of ["frequency", "recency", "T"]) if (ours[key][i] !== theirs[key]) bad.push(key);
      if (!relEq(ours.monetaryValue[i], theirs.monetaryValue)) bad.push("monetaryValue");
    }
    if (bad.length) {
      g.mismatches++;
      for (const b of bad) g.fields[b] = (g.fields[b] ?? 0) + 1;
      if (g.examples.length < 3) {
        const mine = i === undefined ? null : { frequency: ours.frequency[i], recency: ours.recency[i], T: ours.T[i], monetaryValue: ours.monetaryValue[i] };
        g.examples.push({ customer: f[pc], fields: bad, ours: mine, peer: theirs });
      }
    }
  }
  const onlyOurs = [...index.keys()].filter((c) => !seen.has(c)).length;
  return { ...groups, onlyOurs };
}
const groups = compare(PEER_OUT); // lifetimes as is
const netted = compare(PEER_NETTED_OUT); // lifetimes on data netted per day under our refund policy
const extra = groups.onlyOurs; // in ours, not in lifetimes

// fromCsv (string ids) must give the same summary as fromColumns (numeric ids).
let csvVsColumns = ours.customerId.length === oursCsv.customerId.length ? 0 : Math.abs(ours.customerId.length - oursCsv.customerId.length);
for (let j = 0; j < oursCsv.customerId.length; j++) {
  const i = index.get(Number(String(oursCsv.customerId[j]).slice(1)));
  if (i === undefined || ["frequency", "recency", "T", "monetaryValue"].some((key) => ours[key][i] !== oursCsv[key][j])) csvVsColumns++;
}

// ---- package size -----------------------------------------------------------------------------
const PKG = join(ROOT, "pkg");
const wasmPath = join(PKG, "unimetric_bg.wasm");
const wasmRaw = readFileSync(wasmPath).length;
const wasmGz = gzipSize(wasmPath, 9);
const gzipCli = spawnSync("gzip", ["-9", "-c", wasmPath], { maxBuffer: 64 << 20 });
const wasmGzCli = gzipCli.status === 0 ? gzipCli.stdout.length : null;
// The default entry only; the `unimetric/arrow` entry (unimetric_arrow*, arrow-node*) is a
// separate download measured by bench/arrow.mjs.
const shipped = readdirSync(PKG).filter((f) => /\.(m?js|wasm)$/.test(f) && !f.includes("arrow")).sort();
const pkgFiles = shipped.map((f) => ({ file: f, raw: readFileSync(join(PKG, f)).length, gzip: gzipSize(join(PKG, f), 9) }));
const pkgGz = pkgFiles.reduce((a, f) => a + f.gzip, 0);
const pkgRaw = pkgFiles.reduce((a, f) => a + f.raw, 0);

// ---- report -----------------------------------------------------------------------------------
const rowsOut = [
  ...cases.map((c) => {
    const typed = c.name.startsWith("(a)");
    return {
      case: c.name,
      "median ms": ms(c.median),
      "min ms": ms(c.min),
      "vs lifetimes (median)": ratio(c.median, peer.median_ms),
      target: typed ? `≤ ${TARGET_MS} ms` : "–",
      result: typed ? (c.median <= TARGET_MS ? "pass" : "FAIL") : "–",
    };
  }),
  { case: `lifetimes ${peer.versions.lifetimes} summary_data_from_transaction_data (pandas ${peer.versions.pandas})`, "median ms": ms(peer.median_ms), "min ms": ms(peer.min_ms), "vs lifetimes (median)": "1", target: "–", result: "–" },
];
console.log(`\nCustomer summary: ${bytes(rows)} transactions, ${bytes(ours.customerId.length)} customers, period day, single thread`);
const textTable = table(rowsOut);

const checkLine = (g) => `${bytes(g.mismatches)} of ${bytes(g.customers)}` + (g.mismatches ? ` (fields: ${Object.entries(g.fields).map(([k, v]) => `${k} ${v}`).join(", ")})` : "");
console.log(`\nCross-check vs lifetimes (frequency/recency/T exact, monetary within 1e-9 relative):`);
console.log(`  customers without refund rows: ${checkLine(groups.without)} mismatched${groups.without.mismatches ? "  <-- UNEXPECTED" : ""}`);
console.log(`  customers with refund rows:    ${checkLine(groups.with)} mismatched (expected: refunds are netted per period, a net <= 0 period is not a purchase)`);
console.log(`  vs lifetimes on the same data netted per customer-day, net <= 0 days dropped (our refund policy):`);
console.log(`    customers with refund rows: ${checkLine(netted.with)} mismatched; without: ${checkLine(netted.without)}; only in ours: ${netted.onlyOurs}`);
console.log(`  customers only in ours: ${extra}; excluded by us (no purchase period): ${ours.excluded}; fromCsv vs fromColumns differences: ${csvVsColumns}`);
for (const [name, g] of [["with refunds", groups.with], ["without refunds", groups.without], ["netted, with refunds", netted.with], ["netted, without refunds", netted.without]]) for (const e of g.examples) console.log(`    e.g. (${name}) ${JSON.stringify(e)}`);

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
console.log(`\nPackage size (pkg/):`);
table([
  ...pkgFiles.map((f) => ({ file: f.file, raw: bytes(f.raw), "gzip -9": bytes(f.gzip) })),
  { file: "total JS + wasm", raw: bytes(pkgRaw), "gzip -9": bytes(pkgGz) },
]);
console.log(`  wasm gzip -9: ${bytes(wasmGz)} bytes (node:zlib)${wasmGzCli ? `, ${bytes(wasmGzCli)} bytes (gzip CLI)` : ""}`);
console.log(`  budget: total JS + wasm ≤ ${kb(BUDGET_GZIP)} gzip: ${kb(pkgGz)} -> ${pkgGz <= BUDGET_GZIP ? "pass" : "FAIL"}`);

record("summary", [
  ...cases.map((c) => ({
    case: c.name, median_ms: c.median, min_ms: c.min, runs_ms: c.runs,
    ratio_vs_peer: c.median / peer.median_ms, peer: "lifetimes.summary_data_from_transaction_data",
    ...(c.name.startsWith("(a)") ? { target_ms: TARGET_MS, pass: c.median <= TARGET_MS } : {}),
  })),
  { case: "lifetimes summary_data_from_transaction_data", median_ms: peer.median_ms, min_ms: peer.min_ms, runs_ms: peer.runs_ms, versions: peer.versions },
  { case: "cross-check", without_refunds: groups.without, with_refunds: groups.with, only_ours: extra,
    netted_with_refunds: netted.with, netted_without_refunds: netted.without, netted_only_ours: netted.onlyOurs, excluded: ours.excluded, csv_vs_columns: csvVsColumns },
  { case: "package size", wasm_raw: wasmRaw, wasm_gzip9: wasmGz, wasm_gzip9_cli: wasmGzCli, pkg_js_wasm_gzip9: pkgGz, files: pkgFiles, budget_gzip: BUDGET_GZIP, pass: pkgGz <= BUDGET_GZIP },
]);

// A Markdown copy of the figures, for BENCHMARKS.md.
const md = [
  `Customer summary: ${bytes(rows)} transactions, ${bytes(ours.customerId.length)} customers (unimetric ${version()}, node ${process.version}, python ${peer.versions.python}, lifetimes ${peer.versions.lifetimes}, pandas ${peer.versions.pandas}, numpy ${peer.versions.numpy})`,
  "",
  markdownTable(rowsOut),
  "",
  `Cross-check vs lifetimes: without refunds ${checkLine(groups.without)}; with refunds ${checkLine(groups.with)}; only in ours ${extra}; excluded ${ours.excluded}; fromCsv vs fromColumns ${csvVsColumns}`,
  `Cross-check vs lifetimes on per-day netted data: with refunds ${checkLine(netted.with)}; without refunds ${checkLine(netted.without)}; only in ours ${netted.onlyOurs}`,
  "",
  markdownTable([
    ...pkgFiles.map((f) => ({ file: f.file, "raw bytes": bytes(f.raw), "gzip -9 bytes": bytes(f.gzip) })),
    { file: "total JS + wasm", "raw bytes": bytes(pkgRaw), "gzip -9 bytes": bytes(pkgGz) },
  ]),
  "",
].join("\n");
writeFileSync(join(DATA_DIR, "summary.md"), md);
console.log(`\n(results appended to bench/.data/results.jsonl; Markdown in bench/.data/summary.md)`);
if (groups.without.mismatches || netted.with.mismatches || netted.without.mismatches || csvVsColumns) process.exitCode = 1;
