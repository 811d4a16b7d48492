// LTV (ltv.bgnbd, ltv.gamma_gamma, ltv.clv) vs lifetimes 0.11.3, same data, same run.
//
//   bash bench/run.sh ltv          (or: node bench/ltv.mjs, once bench/.venv exists)
//
// Data: bench/.data/transactions.csv (100,000 customers, ~460k rows), generated when missing by
// `cargo run --release --example sample_data -- --customers 100000 --out bench/.data`.
// Timed (median after warm-up), summary in days like lifetimes' default freq="D":
//   (a) fitBgNbd on the 100k-customer summary (default options: 3 starts);
//   (b) fromColumns + summary + fitBgNbd + fitGammaGamma + clv (12 months, 1 %/month).
// The peer (bench/lifetimes_ltv.py) times BetaGeoFitter.fit on OUR summary (written to
// bench/.data/ltv_summary.csv, so the fitted parameters and Σ CLV compare on identical input),
// and its own summary + BG/NBD + Gamma-Gamma + customer_lifetime_value pipeline from the
// transactions.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, bytes, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const CUSTOMERS = 100_000;
const CSV = join(DATA_DIR, "transactions.csv");
const TARGET_FIT_MS = 40;
const TARGET_PIPELINE_MS = 100;

if (!existsSync(CSV)) {
  console.log(`generating ${CSV} (${CUSTOMERS} customers)…`);
  const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` };
  const args = ["run", "--release", "--example", "sample_data", "--", "--customers", String(CUSTOMERS), "--out", "bench/.data"];
  const res = spawnSync("cargo", args, { cwd: ROOT, stdio: "inherit", env });
  if (res.status !== 0) throw new Error(`cargo ${args.join(" ")} failed (${res.error ?? res.status})`);
}

const { Transactions, fitBgNbd, fitGammaGamma, clv, version } = await import("../pkg/node.js");

function columnsFromCsv(text) {
  const lines = text.split("\n");
  const header = lines[0].split(",");
  const ic = header.indexOf("customer_id"), id = header.indexOf("order_date"), ia = header.indexOf("amount");
  let n = lines.length - 1;
  while (n > 0 && lines[n] === "") n--;
  const customerId = new Uint32Array(n), timestamp = new Float64Array(n), amount = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1].split(",");
    customerId[i] = Number(f[ic].slice(1));
    timestamp[i] = Date.parse(f[id]);
    amount[i] = Number(f[ia]);
  }
  return { customerId, timestamp, amount };
}
const columns = columnsFromCsv(readFileSync(CSV, "utf8"));
const rows = columns.amount.length;
const OPTS = { period: "day" };

const tx0 = Transactions.fromColumns(columns);
const summary = tx0.summary(OPTS);
tx0.free();
const customers = summary.length;
console.log(`unimetric ${version()}, ${bytes(rows)} rows, ${bytes(customers)} customers`);
// Our summary, for the peer to fit the same numbers (parameters are compared on identical input).
const SUMMARY_CSV = join(DATA_DIR, "ltv_summary.csv");
{
  const c = summary.toColumns();
  const out = ["frequency,recency,T,monetary_value"];
  for (let i = 0; i < customers; i++) out.push(`${c.frequency[i]},${c.recency[i]},${c.T[i]},${c.monetaryValue[i]}`);
  writeFileSync(SUMMARY_CSV, out.join("\n") + "\n");
}

const fit = await time(() => {
  const m = fitBgNbd(summary);
  const out = { params: m.params, ll: m.logLikelihood, iterations: m.iterations, converged: m.converged };
  m.free();
  return out;
}, { warmup: 3, repeats: 11 });
console.log(`  (a) fitBgNbd: median ${ms(fit.median)} ms, min ${ms(fit.min)} ms`);

const pipe = await time(() => {
  const tx = Transactions.fromColumns(columns);
  const s = tx.summary(OPTS);
  const m = fitBgNbd(s);
  const g = fitGammaGamma(s);
  const r = clv(m, g, s, { horizonMonths: 12 });
  const out = { bg: m.params, gg: g.params, total: r.total };
  tx.free(); s.free(); m.free(); g.free();
  return out;
}, { warmup: 2, repeats: 7 });
console.log(`  (b) summary + BG/NBD + Gamma-Gamma + 12-month CLV: median ${ms(pipe.median)} ms, min ${ms(pipe.min)} ms`);
summary.free();

console.log("running lifetimes (bench/lifetimes_ltv.py)…");
const peer = runPython(join(ROOT, "bench", "lifetimes_ltv.py"), ["--csv", CSV, "--summary", SUMMARY_CSV, "--repeats", "3", "--warmup", "1"]);

const rowsOut = [
  { case: "BG/NBD fit, 100k customers", unimetric_ms: ms(fit.median), lifetimes_ms: ms(peer.fit_ms), ratio: ratio(fit.median, peer.fit_ms), target_ms: TARGET_FIT_MS, meets: fit.median <= TARGET_FIT_MS ? "yes" : "no" },
  { case: `summary + BG/NBD + GG + 12-month CLV, ${bytes(rows)} tx`, unimetric_ms: ms(pipe.median), lifetimes_ms: ms(peer.pipeline_ms), ratio: ratio(pipe.median, peer.pipeline_ms), target_ms: TARGET_PIPELINE_MS, meets: pipe.median <= TARGET_PIPELINE_MS ? "yes" : "no" },
];
console.log();
table(rowsOut);
console.log();
const f = (x) => x.toPrecision(6);
const p = fit.value.params, q = peer.bgnbd, g = pipe.value.gg, h = peer.gamma_gamma;
const params = [
  { model: "BG/NBD", unimetric: `r ${f(p.r)} α ${f(p.alpha)} a ${f(p.a)} b ${f(p.b)}`, lifetimes: `r ${f(q.r)} α ${f(q.alpha)} a ${f(q.a)} b ${f(q.b)}` },
  { model: "Gamma-Gamma", unimetric: `p ${f(g.p)} q ${f(g.q)} v ${f(g.v)}`, lifetimes: `p ${f(h.p)} q ${f(h.q)} v ${f(h.v)}` },
  { model: "Σ CLV (12 months)", unimetric: pipe.value.total.toFixed(0), lifetimes: peer.clv_total.toFixed(0) },
  { model: "log-likelihood", unimetric: fit.value.ll.toFixed(3), lifetimes: "–" },
];
table(params);
console.log();
console.log(markdownTable(rowsOut));
console.log();
console.log(markdownTable(params));
record("ltv", [
  { case: "bgnbd_fit", customers, ours_ms: fit.median, peer_ms: peer.fit_ms, iterations: fit.value.iterations },
  { case: "pipeline_clv", rows, ours_ms: pipe.median, peer_ms: peer.pipeline_ms, clv_total: pipe.value.total, peer_clv_total: peer.clv_total },
]);
