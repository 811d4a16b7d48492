// Shared helpers for bench/*.mjs: timing, tables, ratios, Python peers, sizes, results log.
// Every benchmark runs its peers in the same run on the same data and reports ratios; absolute
// times on a shared 2-vCPU machine mean little on their own.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { performance } from "node:perf_hooks";

/** Repository root (the parent of bench/). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Git-ignored folder for generated data, peer outputs and results.jsonl. */
export const DATA_DIR = join(ROOT, "bench", ".data");
export const RESULTS = join(DATA_DIR, "results.jsonl");
export const VENV_PYTHON = join(ROOT, "bench", ".venv", "bin", "python");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times `fn` (sync or async): `warmup` untimed calls, then `repeats` timed ones.
 * `fn` must clean up after itself (free wasm objects) so runs are independent.
 * Returns { median, min, max, runs } in milliseconds, and `value` (the last result).
 * When node runs with --expose-gc (bench/run.sh does), a full GC runs first so garbage left by
 * untimed preparation is not collected during the timed runs.
 */
export async function time(fn, { warmup = 2, repeats = 7 } = {}) {
  globalThis.gc?.();
  let value;
  for (let i = 0; i < warmup; i++) value = await fn();
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    value = await fn();
    runs.push(performance.now() - t0);
  }
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs, value };
}

/** Formats a number of milliseconds. */
export const ms = (x) => (x == null || !Number.isFinite(x) ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** `ours / peer` as e.g. "0.021× (47× faster)" or "1.8× (slower)"; "–" when either is missing. */
export function ratio(ours, peer) {
  if (!(ours > 0) || !(peer > 0)) return "–";
  const r = ours / peer;
  const sig = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const r3 = r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
  return r <= 1 ? `${r3}× (${sig(1 / r)}× faster)` : `${r3}× (${sig(r)}× slower)`;
}

/** Formats a byte count with thousands separators. */
export const bytes = (n) => n.toLocaleString("en-US");

/**
 * Prints rows (objects) as an aligned text table; `columns` picks and orders keys
 * (default: keys of the first row). Numbers are right-aligned. Returns the text.
 */
export function table(rows, columns = Object.keys(rows[0] ?? {})) {
  const cell = (v) => (v == null ? "" : String(v));
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const isNum = columns.map((c) => rows.every((r) => r[c] == null || /^[-+]?[\d.,]+$/.test(cell(r[c]))));
  const line = (vals) =>
    vals.map((v, i) => (isNum[i] ? v.padStart(width[i]) : v.padEnd(width[i]))).join("  ").trimEnd();
  const out = [line(columns), line(width.map((w) => "-".repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join("\n");
  console.log(out);
  return out;
}

/** Same rows as a Markdown table (for BENCHMARKS.md). Returns the text. */
export function markdownTable(rows, columns = Object.keys(rows[0] ?? {})) {
  const esc = (v) => (v == null ? "" : String(v).replace(/\|/g, "\\|"));
  return [
    `| ${columns.join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${columns.map((c) => esc(r[c])).join(" | ")} |`),
  ].join("\n");
}

/**
 * Runs a Python script from bench/.venv (created by bench/setup-venv.sh) with `args` and parses
 * the last non-empty line of its stdout as JSON. Its stderr passes through.
 */
export function runPython(script, args = [], { env = {} } = {}) {
  if (!existsSync(VENV_PYTHON)) throw new Error(`bench/.venv missing: run bash bench/setup-venv.sh`);
  const res = spawnSync(VENV_PYTHON, [script, ...args.map(String)], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${relative(ROOT, script)} exited with ${res.status}`);
  const last = res.stdout.trim().split("\n").filter(Boolean).pop();
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${relative(ROOT, script)}: last stdout line is not JSON: ${last}`);
  }
}

/** gzip size (bytes) of a file's contents, node:zlib at `level` (default 9, like gzip -9). */
export function gzipSize(path, level = 9) {
  return gzipSync(readFileSync(path), { level }).length;
}

/** Appends one JSON line per entry to bench/.data/results.jsonl, stamped with run metadata. */
export function record(bench, entries) {
  mkdirSync(DATA_DIR, { recursive: true });
  const at = new Date().toISOString();
  const meta = { at, bench, node: process.version };
  for (const e of Array.isArray(entries) ? entries : [entries]) appendFileSync(RESULTS, JSON.stringify({ ...meta, ...e }) + "\n");
}

/** Reads results.jsonl (optionally only one bench), newest last. */
export function readResults(bench) {
  if (!existsSync(RESULTS)) return [];
  return readFileSync(RESULTS, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => bench == null || r.bench === bench);
}

/** Prints the last `n` results (optionally of one bench) as JSON lines. */
export function printResults(bench, n = 20) {
  for (const r of readResults(bench).slice(-n)) console.log(JSON.stringify(r));
}

/**
 * The package to benchmark: `pkg/node.js` by default, or, with `UNIMETRIC_PKG` set to a folder
 * holding a `wasm-bindgen --target web` build (`unimetric.js`, `unimetric_bg.wasm`), that build
 * initialised synchronously (to time a branch's wasm without the full package build).
 * Returns the module's exports and a label saying which was loaded.
 */
export async function loadPackage() {
  const dir = process.env.UNIMETRIC_PKG;
  if (!dir) return { um: await import("../pkg/node.js"), label: "pkg/node.js" };
  const { pathToFileURL } = await import("node:url");
  const um = await import(pathToFileURL(join(dir, "unimetric.js")).href);
  um.initSync({ module: readFileSync(join(dir, "unimetric_bg.wasm")) });
  return { um, label: `${dir} (UNIMETRIC_PKG)` };
}
