// Accuracy of anomaly flags (issue #20) on the labelled synthetic corpus of
// bench/anomaly_corpus.py: `detectAnomalies` at its default settings against a plain 3-sigma
// rolling baseline, in the same run, on every series.
//
//   bash bench/setup-venv.sh
//   node --expose-gc bench/anomaly_accuracy.mjs        (or: bash bench/run.sh anomaly_accuracy)
//
// The corpus is written first (bench/.venv/bin/python bench/anomaly_corpus.py, seeded) to
// bench/.data/anomaly_corpus.json unless that file exists with the same seed.
//
// Scoring (see bench/anomaly_corpus.py for the types):
// - point anomalies (spike, drop, rate_drop): a label is found when its own day is flagged; a
//   flag is true when it is on a labelled day;
// - level_shift: the shift at s is found when a day in s … s + 6 is flagged; flags in that
//   window are true, flags elsewhere false;
// - precision = true flags ÷ all flags, recall = labels found ÷ labels, per type;
// - clean and rate_clean series: false flags per 365 points (every flag is false).
//
// The baseline: at each point t ≥ 28, the mean m and sample standard deviation s of the 28
// points before it (t − 28 … t − 1) of the raw series (the rate value ÷ denominator for rate
// series); flagged when |x_t − m| > 3·s. The first 28 points are never flagged by it.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { execSync } from "node:child_process";
import { cpus } from "node:os";
import { DATA_DIR, ROOT, VENV_PYTHON, loadPackage, markdownTable, record, table } from "./lib.mjs";

const { um, label: pkgLabel } = await loadPackage();
const { detectAnomalies } = um;

const DAY = 86_400_000;
const SEED = 20261207;
const corpusPath = join(DATA_DIR, "anomaly_corpus.json");
let corpus = existsSync(corpusPath) ? JSON.parse(readFileSync(corpusPath, "utf8")) : null;
if (!corpus || corpus.seed !== SEED) {
  mkdirSync(DATA_DIR, { recursive: true });
  execSync(`${VENV_PYTHON} bench/anomaly_corpus.py ${corpusPath}`, { cwd: ROOT, stdio: "inherit" });
  corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
}

const WINDOW = 28;
const SHIFT_WINDOW = 7;

function baseline(x) {
  const n = x.length;
  const flagged = new Uint8Array(n);
  for (let t = WINDOW; t < n; t++) {
    let s = 0;
    for (let j = t - WINDOW; j < t; j++) s += x[j];
    const m = s / WINDOW;
    let ss = 0;
    for (let j = t - WINDOW; j < t; j++) ss += (x[j] - m) ** 2;
    const sd = Math.sqrt(ss / (WINDOW - 1));
    if (Math.abs(x[t] - m) > 3 * sd) flagged[t] = 1;
  }
  return flagged;
}

const methods = ["detectAnomalies", "3-sigma rolling"];
// stats[type][method] = { flags, trueFlags, labels, found, points, series }
const stats = {};
// recall by band: bands[type][band][method] = { labels, found }
const bands = {};
const bandOf = (s, m) => {
  if (s.type === "rate_drop") return `rate × ${m < 0.4 ? "0.2–0.4" : "0.4–0.6"}, D ${s.denominatorLevel < 100 ? "20–100" : s.denominatorLevel < 500 ? "100–500" : "500–2000"}`;
  const a = Math.abs(m);
  return a < 5 ? "3–5σ" : a < 8 ? "5–8σ" : "8–12σ";
};

const t0 = performance.now();
let detectMs = 0;
const allFlags = [];
for (const s of corpus.series) {
  const n = s.n;
  const time = new Float64Array(n);
  for (let i = 0; i < n; i++) time[i] = s.start + i * DAY;
  const value = Float64Array.from(s.value);
  const denominator = s.denominator ? Float64Array.from(s.denominator) : undefined;
  const t1 = performance.now();
  const r = detectAnomalies(denominator ? { time, value, denominator } : { time, value }, {});
  detectMs += performance.now() - t1;
  const raw = denominator ? value.map((v, i) => v / denominator[i]) : value;
  const flagsBy = { detectAnomalies: r.flagged, "3-sigma rolling": baseline(raw) };
  allFlags.push(Array.from(r.flagged).flatMap((f, i) => (f ? [i] : [])));
  const isTrue = new Uint8Array(n);
  const hitWindows = s.labels.map((l) => (s.type === "level_shift" ? [l, Math.min(n, l + SHIFT_WINDOW)] : [l, l + 1]));
  for (const [a, b] of hitWindows) for (let i = a; i < b; i++) isTrue[i] = 1;
  stats[s.type] ??= {};
  bands[s.type] ??= {};
  for (const m of methods) {
    const f = flagsBy[m];
    const st = (stats[s.type][m] ??= { flags: 0, trueFlags: 0, labels: 0, found: 0, points: 0, series: 0 });
    st.series++;
    st.points += n;
    for (let i = 0; i < n; i++) {
      if (f[i]) {
        st.flags++;
        if (isTrue[i]) st.trueFlags++;
      }
    }
    hitWindows.forEach(([a, b], k) => {
      let hit = false;
      for (let i = a; i < b; i++) if (f[i]) hit = true;
      st.labels++;
      if (hit) st.found++;
      const band = bandOf(s, s.magnitudes[k]);
      const bt = ((bands[s.type][band] ??= {})[m] ??= { labels: 0, found: 0 });
      bt.labels++;
      if (hit) bt.found++;
    });
  }
}
const totalMs = performance.now() - t0;
// ANOMALY_FLAGS_OUT=file writes every series' flagged indices (detectAnomalies), to compare builds.
if (process.env.ANOMALY_FLAGS_OUT) writeFileSync(process.env.ANOMALY_FLAGS_OUT, JSON.stringify(allFlags));

const pct = (a, b) => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : "–");
const per365 = (f, p) => ((365 * f) / p).toFixed(2);
const order = ["spike", "drop", "level_shift", "rate_drop", "clean", "rate_clean"];
const rows = [];
for (const type of order) {
  if (!stats[type]) continue;
  for (const m of methods) {
    const st = stats[type][m];
    const clean = st.labels === 0;
    rows.push({
      type,
      method: m,
      series: st.series,
      points: st.points,
      labels: st.labels,
      flags: st.flags,
      precision: clean ? "–" : pct(st.trueFlags, st.flags),
      recall: clean ? "–" : pct(st.found, st.labels),
      "false flags / 365 points": per365(st.flags - st.trueFlags, st.points),
    });
  }
}
const bandRows = [];
for (const type of ["spike", "drop", "level_shift", "rate_drop"]) {
  for (const band of Object.keys(bands[type] ?? {}).sort()) {
    const b = bands[type][band];
    bandRows.push({
      type,
      band,
      labels: b.detectAnomalies.labels,
      "recall, detectAnomalies": pct(b.detectAnomalies.found, b.detectAnomalies.labels),
      "recall, 3-sigma rolling": pct(b["3-sigma rolling"].found, b["3-sigma rolling"].labels),
    });
  }
}

let cpu = cpus()[0]?.model ?? "?";
try {
  cpu = execSync("lscpu", { encoding: "utf8" }).match(/Model name:\s*(.+)/)?.[1]?.trim() ?? cpu;
} catch {}
console.log(`anomaly accuracy: ${corpus.series.length} series (seed ${corpus.seed}, numpy ${corpus.numpy}), package ${pkgLabel}, CPU ${cpu}, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`detectAnomalies time over the corpus: ${detectMs.toFixed(0)} ms; whole script ${totalMs.toFixed(0)} ms\n`);
table(rows);
console.log("");
table(bandRows);
const md = `${markdownTable(rows)}\n\nRecall by size:\n\n${markdownTable(bandRows)}\n`;
console.log("\n" + md);
writeFileSync(join(DATA_DIR, "anomaly_accuracy.md"), md);
record(
  "anomaly_accuracy",
  rows.map((r) => ({ case: `${r.type} / ${r.method}`, ...r, cpu })),
);
