// Churn model (churn.propensity): fit 100k × 10 and score 1M customers, vs ml-logistic-regression
// (npm, same Node run) and scikit-learn's LogisticRegression(lbfgs) (bench venv, same script).
//
//   bash bench/run.sh churn
//
// Data (deterministic, generated here, not timed): x ~ N(0, 1)^10, y ~ Bernoulli(σ(b + x·w)) with
// known w and b; a separate 1M × 10 matrix for scoring.
// Timed: fitChurn (standardisation + fused loss/gradient under argmin L-BFGS, alpha = 1) median of 5; model.predict on
// 1M rows (including the copy of the 80 MB Float64Array into wasm) median of 5; ml-logistic-regression
// (gradient descent, a column of ones for the intercept, 20 steps at learning rate 1e-5 — it has no
// convergence test, so the step count is the setting; fewer steps than its default of 50,000 keep the
// run short) one run; scikit-learn fit and predict_proba, median of 5, one thread.
// Quality is reported next to time: each fit's coefficients on the original scale vs the truth.
import { writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { DATA_DIR, ROOT, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const { fitChurn, version } = await import("../pkg/node.js");
if (!existsSync(join(ROOT, "bench", "node_modules", "ml-logistic-regression"))) {
  spawnSync("npm", ["install", "--prefix", join(ROOT, "bench"), "--no-audit", "--no-fund", "--loglevel=error"], { stdio: "inherit" });
}
const { default: MlLogReg } = await import("ml-logistic-regression");
const { Matrix } = await import("ml-matrix");

const N = 100_000, K = 10, N_SCORE = 1_000_000, ALPHA = 1, FIT_TARGET = 40, SCORE_TARGET = 100;
const W = Array.from({ length: K }, (_, j) => (j - 4.5) / 5), B = -0.3;
let s = 88172645;
const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
function matrix(n) {
  const x = new Float64Array(n * K), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = B;
    for (let j = 0; j < K; j++) { const v = normal(); x[i * K + j] = v; z += W[j] * v; }
    y[i] = u() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y };
}
const train = matrix(N), score = matrix(N_SCORE);
const names = Array.from({ length: K }, (_, j) => `x${j}`);
const features = { names, values: train.x };

const fit = await time(() => { const m = fitChurn(features, train.y, { alpha: ALPHA }); m.free(); }, { warmup: 1, repeats: 5 });
const model = fitChurn(features, train.y, { alpha: ALPHA });
const scoreFeatures = { names, values: score.x };
const scoring = await time(() => model.predict(scoreFeatures).length, { warmup: 1, repeats: 5 });
const j = model.toJSON();
const oursW = j.coefficients.map((c, i) => c / j.sd[i]);
const maxErr = (w) => Math.max(...w.map((v, i) => Math.abs(v - W[i])));

// ml-logistic-regression on the same data with a column of ones for the intercept.
const rows = [];
for (let i = 0; i < N; i++) rows.push([1, ...train.x.subarray(i * K, (i + 1) * K)]);
const X = new Matrix(rows), Y = Matrix.columnVector(Array.from(train.y));
const ml = new MlLogReg({ numSteps: 20, learningRate: 1e-5 });
const t0 = performance.now();
ml.train(X, Y);
const mlMs = performance.now() - t0;
const mlW = ml.classifiers[0].weights.to1DArray().slice(1);

mkdirSync(DATA_DIR, { recursive: true });
writeFileSync(join(DATA_DIR, "churn_x.bin"), Buffer.from(train.x.buffer));
writeFileSync(join(DATA_DIR, "churn_y.bin"), Buffer.from(train.y.buffer));
writeFileSync(join(DATA_DIR, "churn_score.bin"), Buffer.from(score.x.buffer));
console.log("running bench/sklearn_logistic.py …");
const sk = runPython(join(ROOT, "bench", "sklearn_logistic.py"), [
  join(DATA_DIR, "churn_x.bin"), join(DATA_DIR, "churn_y.bin"), N, K, ALPHA, join(DATA_DIR, "churn_score.bin"), N_SCORE,
]);
// scikit-learn fitted on standardised features: back to the original scale with the same sd.
const sd = j.sd;
const skW = sk.coefficients.map((c, i) => c / sd[i]);

const out = [
  { case: `fit ${N / 1000}k × ${K} (unimetric)`, "median ms": ms(fit.median), "min ms": ms(fit.min), "vs scikit-learn": ratio(fit.median, sk.fit_median_ms), "vs ml-logistic-regression": ratio(fit.median, mlMs), "max |w − truth|": maxErr(oursW).toFixed(3), target: `≤ ${FIT_TARGET} ms`, result: fit.median <= FIT_TARGET ? "pass" : "FAIL" },
  { case: "fit, scikit-learn lbfgs (1 thread)", "median ms": ms(sk.fit_median_ms), "min ms": ms(sk.fit_min_ms), "vs scikit-learn": "1", "vs ml-logistic-regression": ratio(sk.fit_median_ms, mlMs), "max |w − truth|": maxErr(skW).toFixed(3), target: "–", result: "–" },
  { case: "fit, ml-logistic-regression (20 GD steps)", "median ms": ms(mlMs), "min ms": ms(mlMs), "vs scikit-learn": ratio(mlMs, sk.fit_median_ms), "vs ml-logistic-regression": "1", "max |w − truth|": maxErr(mlW).toFixed(3), target: "–", result: "–" },
  { case: `score ${N_SCORE / 1e6}M (unimetric)`, "median ms": ms(scoring.median), "min ms": ms(scoring.min), "vs scikit-learn": ratio(scoring.median, sk.score_median_ms), "vs ml-logistic-regression": "–", "max |w − truth|": "–", target: `≤ ${SCORE_TARGET} ms`, result: scoring.median <= SCORE_TARGET ? "pass" : "FAIL" },
  { case: "score, scikit-learn predict_proba", "median ms": ms(sk.score_median_ms), "min ms": ms(sk.score_min_ms), "vs scikit-learn": "1", "vs ml-logistic-regression": "–", "max |w − truth|": "–", target: "–", result: "–" },
];
console.log(`\nChurn model: unimetric ${version()}, node ${process.version}, scikit-learn ${sk.sklearn} (${sk.iterations} iterations), ml-logistic-regression 2.0.0`);
table(out);
record("churn", out.map((r) => ({ ...r })));
writeFileSync(join(DATA_DIR, "churn.md"), markdownTable(out) + "\n");
