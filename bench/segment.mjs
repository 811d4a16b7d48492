// k-means (segment.kmeans) vs ml-kmeans (same Node run) and scikit-learn (bench/.venv, 1 thread).
//
//   bash bench/run.sh segment          (or: node bench/segment.mjs, once bench/.venv exists)
//
// Data: 1,000,000 × 8 float64 rows drawn in this script (xorshift32, fixed seed) around 8 centres,
// shuffled; written to bench/.data/kmeans_1m_8.f64 for the Python peer.
//  (a) one Lloyd iteration at 1M × 8, k = 8, from the same fixed initial centres (rows 0..7) for
//      every library: ours `kmeans(x, 8, { init, nInit: 1, maxIterations: 1, algorithm: "lloyd" })`
//      (one assign + update pass, then the final assignment pass that makes labels and inertia
//      match the returned centres — what scikit-learn's fit with max_iter=1 does too), timed with
//      the copy of the Float64Array into wasm memory and without it (FeatureMatrix built once);
//      ml-kmeans 7 `kmeans(rows, 8, { initialization: centres, maxIterations: 1 })` (one assign +
//      update, no final pass) on number[][] built untimed.
//  (b) full fit with k-means++ at 100k × 8 (the first 100k rows), k = 8, nInit 1, default
//      tolerance; ours with Hamerly (default) and Lloyd; ml-kmeans with its k-means++ and
//      defaults; scikit-learn KMeans(init="k-means++", n_init=1, algorithm="lloyd").
// Checks: our one-iteration centres equal scikit-learn's to 1e-9 (same start, same algorithm).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const N = 1_000_000, D = 8, K = 8, N_FULL = 100_000;
const TARGET_ONE = 10, TARGET_FULL = 40; // ms

// ---- peers ------------------------------------------------------------------------------------
if (!existsSync(join(ROOT, "bench", "node_modules", "ml-kmeans"))) {
  console.log("installing bench/package.json peers into bench/node_modules…");
  const r = spawnSync("npm", ["install", "--prefix", "bench", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm install --prefix bench failed");
}
const { kmeans: mlKmeans } = await import("./node_modules/ml-kmeans/lib/index.js");
const { kmeans, FeatureMatrix, version } = await import("../pkg/node.js");

// ---- data -------------------------------------------------------------------------------------
let s = 2463534242;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
const centres = Array.from({ length: K }, () => Array.from({ length: D }, () => rnd() * 20 - 10));
const x = new Float64Array(N * D);
for (let i = 0; i < N; i++) {
  const c = centres[Math.floor(rnd() * K)];
  for (let j = 0; j < D; j++) x[i * D + j] = c[j] + (rnd() + rnd() + rnd() - 1.5) * 2;
}
const init = x.slice(0, K * D); // rows 0..7: the same fixed start for everyone
const xFull = x.slice(0, N_FULL * D);
mkdirSync(DATA_DIR, { recursive: true });
const dataFile = join(DATA_DIR, "kmeans_1m_8.f64"), initFile = join(DATA_DIR, "kmeans_init_8.f64");
writeFileSync(dataFile, Buffer.from(x.buffer));
writeFileSync(initFile, Buffer.from(init.buffer));
const rowsOf = (a, n) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * D, (i + 1) * D)));

// ---- (a) one Lloyd iteration ------------------------------------------------------------------
const ONE = { k: K, init, nInit: 1, maxIterations: 1, algorithm: "lloyd", orderBy: "asFound" };
const fm = new FeatureMatrix(x, D);
const oursCopy = await time(() => kmeans(x, D, ONE), { warmup: 2, repeats: 9 });
const oursKernel = await time(() => fm.kmeans(ONE), { warmup: 2, repeats: 9 });
const mlRows = rowsOf(x, N);
const mlInit = rowsOf(init, K);
const mlOne = await time(() => mlKmeans(mlRows, K, { initialization: mlInit.map((r) => [...r]), maxIterations: 1 }), { warmup: 1, repeats: 5 });

// ---- (b) full fit with k-means++ ---------------------------------------------------------------
const FULL = { k: K, nInit: 1, seed: 1, orderBy: "asFound" };
const oursFullH = await time(() => kmeans(xFull, D, FULL), { warmup: 2, repeats: 9 });
const oursFullL = await time(() => kmeans(xFull, D, { ...FULL, algorithm: "lloyd" }), { warmup: 2, repeats: 9 });
const mlFullRows = rowsOf(xFull, N_FULL);
const mlFull = await time(() => mlKmeans(mlFullRows, K, { initialization: "kmeans++", seed: 1 }), { warmup: 1, repeats: 5 });

// ---- scikit-learn -------------------------------------------------------------------------------
let sk = null;
try {
  sk = runPython(join(ROOT, "bench", "sklearn_kmeans.py"), ["--data", dataFile, "--init", initFile, "--cols", D, "--k", K, "--full-rows", N_FULL]);
} catch (e) {
  console.log(`scikit-learn peer skipped: ${e.message}`);
}

// ---- checks -------------------------------------------------------------------------------------
const one = oursKernel.value;
if (sk) {
  const diff = Math.max(...one.centroids.map((v, i) => Math.abs(v - sk.oneIterCentroids[i])));
  const relInertia = Math.abs(one.inertia - sk.oneIterInertia) / sk.oneIterInertia;
  console.log(`one iteration vs scikit-learn: max |centre diff| = ${diff.toExponential(2)}, inertia rel diff = ${relInertia.toExponential(2)}`);
  if (!(diff < 1e-9 && relInertia < 1e-9)) throw new Error("one-iteration centres differ from scikit-learn's");
}

const rows = [
  { task: "1 Lloyd iteration, 1M × 8, k 8", library: `unimetric ${version()} (wasm, incl. copy into wasm)`, "median ms": ms(oursCopy.median), "vs scikit-learn": ratio(oursCopy.median, sk?.oneIterMs), "vs ml-kmeans": ratio(oursCopy.median, mlOne.median) },
  { task: "1 Lloyd iteration, 1M × 8, k 8", library: `unimetric ${version()} (wasm, FeatureMatrix)`, "median ms": ms(oursKernel.median), "vs scikit-learn": ratio(oursKernel.median, sk?.oneIterMs), "vs ml-kmeans": ratio(oursKernel.median, mlOne.median) },
  { task: "1 Lloyd iteration, 1M × 8, k 8", library: `scikit-learn ${sk?.sklearn ?? "–"} (1 thread)`, "median ms": ms(sk?.oneIterMs), "vs scikit-learn": "", "vs ml-kmeans": "" },
  { task: "1 Lloyd iteration, 1M × 8, k 8", library: "ml-kmeans 7.0.1", "median ms": ms(mlOne.median), "vs scikit-learn": "", "vs ml-kmeans": "" },
  { task: "full fit, k-means++, 100k × 8, k 8", library: `unimetric (hamerly, ${oursFullH.value.iterations} it.)`, "median ms": ms(oursFullH.median), "vs scikit-learn": ratio(oursFullH.median, sk?.fullMs), "vs ml-kmeans": ratio(oursFullH.median, mlFull.median) },
  { task: "full fit, k-means++, 100k × 8, k 8", library: `unimetric (lloyd, ${oursFullL.value.iterations} it.)`, "median ms": ms(oursFullL.median), "vs scikit-learn": ratio(oursFullL.median, sk?.fullMs), "vs ml-kmeans": ratio(oursFullL.median, mlFull.median) },
  { task: "full fit, k-means++, 100k × 8, k 8", library: `scikit-learn (lloyd, 1 thread, ${sk?.fullIterations ?? "–"} it.)`, "median ms": ms(sk?.fullMs), "vs scikit-learn": "", "vs ml-kmeans": "" },
  { task: "full fit, k-means++, 100k × 8, k 8", library: `ml-kmeans 7.0.1 (${mlFull.value.iterations} it.)`, "median ms": ms(mlFull.median), "vs scikit-learn": "", "vs ml-kmeans": "" },
];
table(rows);
console.log("\n" + markdownTable(rows));
console.log(`\ninertia (SSE) of the full fits: ours hamerly ${oursFullH.value.inertia.toFixed(1)}, lloyd ${oursFullL.value.inertia.toFixed(1)}, scikit-learn ${sk ? sk.fullInertia.toFixed(1) : "–"}`);
console.log(`targets: one iteration ≤ ${TARGET_ONE} ms → ${oursKernel.median <= TARGET_ONE ? "met" : "NOT met"} (FeatureMatrix), ${oursCopy.median <= TARGET_ONE ? "met" : "not met"} (with copy); full fit ≤ ${TARGET_FULL} ms → ${oursFullH.median <= TARGET_FULL ? "met" : "NOT met"}`);
record("segment", {
  oneIterCopyMs: oursCopy.median, oneIterKernelMs: oursKernel.median, oneIterMlKmeansMs: mlOne.median, oneIterSklearnMs: sk?.oneIterMs,
  fullHamerlyMs: oursFullH.median, fullLloydMs: oursFullL.median, fullMlKmeansMs: mlFull.median, fullSklearnMs: sk?.fullMs,
});
fm.free();
