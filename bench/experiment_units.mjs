// experimentFromUnits on 1M units vs numpy computing the same per-arm sums (and scipy's Welch test).
//
//   bash bench/run.sh experiment_units     (or: node bench/experiment_units.mjs, once bench/.venv exists)
//
// Data (generated here, seeded, written to bench/.data/units_*.{u8,f64} for the peer): 1,000,000
// units in two arms (codes 0/1, a 50/50 split at random), a revenue-like value per unit (0 for
// 70 % of units, else lognormal) and a pre-period value correlated with it. Timed (median of 11
// runs after warm-up), the typed columns already built in JS:
//   (a) experimentFromUnits({ arm, armNames, value })          — mean metric: n, Σv, Σv² per arm
//   (b) experimentFromUnits({ arm, armNames, value, pre })     — CUPED: also Σpre, Σpre², Σv·pre
//   (c) experimentFromUnits({ arm: armText, value })           — (a) with the arms as an array of
//       1M strings (each string crosses into WebAssembly; codes are the fast path)
// Each call includes copying the columns into WebAssembly memory, the sums and the test itself.
// The peer (bench/numpy_experiment_units.py) times the same sums with numpy two ways — np.bincount,
// and a boolean mask per arm with np.dot — and the ratio is against the faster of the two; and
// scipy.stats.ttest_ind(equal_var=False) for the whole Welch test. The per-arm figures are
// cross-checked: n exact, means and variances to 1e-9 relative, Welch's t to 1e-9.
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, bytes, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const UNITS = 1_000_000;
const { experimentFromUnits, version } = await import("../pkg/node.js");

// ---- data (seeded xorshift32; Box–Muller normals) -----------------------------------------------
let state = 0x9e3779b9;
const rand = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return (state + 0.5) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
const arm = new Uint8Array(UNITS);
const value = new Float64Array(UNITS);
const pre = new Float64Array(UNITS);
for (let i = 0; i < UNITS; i++) {
  arm[i] = rand() < 0.5 ? 0 : 1;
  const base = Math.exp(3 + 0.8 * normal());
  pre[i] = rand() < 0.3 ? base : 0;
  const buys = rand() < (pre[i] > 0 ? 0.5 : 0.2);
  value[i] = buys ? base * (arm[i] === 1 ? 1.03 : 1) * Math.exp(0.3 * normal()) : 0;
}
mkdirSync(DATA_DIR, { recursive: true });
writeFileSync(join(DATA_DIR, "units_arm.u8"), arm);
writeFileSync(join(DATA_DIR, "units_value.f64"), new Uint8Array(value.buffer));
writeFileSync(join(DATA_DIR, "units_pre.f64"), new Uint8Array(pre.buffer));

// ---- ours ---------------------------------------------------------------------------------------
const armNames = ["control", "treatment"];
const cases = [];
const bench = async (name, fn) => {
  const r = await time(fn, { warmup: 3, repeats: 11 });
  cases.push({ name, ...r });
  console.log(`  ${name}: median ${ms(r.median)} ms, min ${ms(r.min)} ms`);
  return r;
};
console.log(`unimetric ${version()}, ${bytes(UNITS)} units, 2 arms`);
const a = await bench("(a) experimentFromUnits, mean (n, Σv, Σv²)", () => experimentFromUnits({ arm, armNames, value }, { difference: "absolute" }));
const b = await bench("(b) experimentFromUnits, CUPED (+ Σpre, Σpre², Σv·pre)", () => experimentFromUnits({ arm, armNames, value, pre }, { difference: "absolute" }));
const armText = Array.from(arm, (c) => armNames[c]);
const t3 = await bench("(c) as (a), arms as 1M strings", () => experimentFromUnits({ arm: armText, value }, { difference: "absolute" }));
if (JSON.stringify(t3.value) !== JSON.stringify(a.value)) throw new Error("text arms and codes disagree");

// ---- numpy / scipy ------------------------------------------------------------------------------
console.log("running bench/numpy_experiment_units.py …");
const peer = runPython(join(ROOT, "bench", "numpy_experiment_units.py"), ["--dir", DATA_DIR, "--repeats", 11, "--warmup", 3]);

const fastest = (x, y) => (x.median_ms <= y.median_ms ? x : y);
const numpyMean = fastest(peer.mean, peer.meanMasks);
const numpyCuped = fastest(peer.cuped, peer.cupedMasks);

// ---- cross-check --------------------------------------------------------------------------------
const rel = (x, y) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
const s = peer.sums;
let worst = 0;
a.value.arms.forEach((arm, j) => {
  if (arm.n !== s.n[j]) throw new Error(`n of arm ${j}: ${arm.n} vs numpy ${s.n[j]}`);
  const mean = s.sum[j] / s.n[j];
  const variance = (s.sumSquares[j] - (s.sum[j] * s.sum[j]) / s.n[j]) / (s.n[j] - 1);
  worst = Math.max(worst, rel(arm.mean, mean), rel(arm.variance, variance));
});
const c = a.value.comparisons[0];
const t = c.estimate / c.stdError;
worst = Math.max(worst, rel(t, peer.welchT));
if (worst > 1e-9) throw new Error(`cross-check failed: largest relative difference ${worst}`);

// ---- report -------------------------------------------------------------------------------------
const cpu = (() => {
  try { return execSync("lscpu | grep 'Model name'", { encoding: "utf8" }).split(":")[1].trim(); } catch { return "unknown"; }
})();
const rows = [
  { case: cases[0].name, "median ms": ms(a.median), "min ms": ms(a.min), "vs numpy sums (median)": ratio(a.median, numpyMean.median_ms), "vs scipy Welch (median)": ratio(a.median, peer.welch.median_ms) },
  { case: cases[1].name, "median ms": ms(b.median), "min ms": ms(b.min), "vs numpy sums (median)": ratio(b.median, numpyCuped.median_ms), "vs scipy Welch (median)": "–" },
  { case: cases[2].name, "median ms": ms(t3.median), "min ms": ms(t3.min), "vs numpy sums (median)": ratio(t3.median, numpyMean.median_ms), "vs scipy Welch (median)": ratio(t3.median, peer.welch.median_ms) },
  ...[["bincount", peer.mean, peer.cuped], ["mask per arm + dot", peer.meanMasks, peer.cupedMasks]].flatMap(([how, m, c]) => [
    { case: `numpy ${peer.versions.numpy} ${how}: n, Σv, Σv²`, "median ms": ms(m.median_ms), "min ms": ms(m.min_ms), "vs numpy sums (median)": m === numpyMean ? "1 (fastest)" : ratio(m.median_ms, numpyMean.median_ms), "vs scipy Welch (median)": "–" },
    { case: `numpy ${peer.versions.numpy} ${how}: + Σpre, Σpre², Σv·pre`, "median ms": ms(c.median_ms), "min ms": ms(c.min_ms), "vs numpy sums (median)": c === numpyCuped ? "1 (fastest)" : ratio(c.median_ms, numpyCuped.median_ms), "vs scipy Welch (median)": "–" },
  ]),
  { case: `scipy ${peer.versions.scipy} ttest_ind(equal_var=False), split included`, "median ms": ms(peer.welch.median_ms), "min ms": ms(peer.welch.min_ms), "vs numpy sums (median)": "–", "vs scipy Welch (median)": "1" },
];
console.log(`\nexperimentFromUnits: ${bytes(UNITS)} units, 2 arms, single thread; CPU ${cpu}; Node ${process.version}`);
table(rows);
console.log(`cross-check vs numpy/scipy: n exact; means, variances and Welch's t within ${worst.toExponential(1)} relative`);
const target = a.median <= numpyMean.median_ms && b.median <= numpyCuped.median_ms;
console.log(`target (1M units at least as fast as numpy's sums): ${target ? "pass" : "FAIL"}`);
writeFileSync(join(DATA_DIR, "experiment_units.md"), markdownTable(rows) + "\n");
record("experiment_units", [
  { case: "mean", units: UNITS, median_ms: a.median, min_ms: a.min, numpy_median_ms: numpyMean.median_ms, scipy_welch_median_ms: peer.welch.median_ms, cpu },
  { case: "cuped", units: UNITS, median_ms: b.median, min_ms: b.min, numpy_median_ms: numpyCuped.median_ms, cpu },
  { case: "mean, text arms", units: UNITS, median_ms: t3.median, min_ms: t3.min, numpy_median_ms: numpyMean.median_ms, cpu },
]);
