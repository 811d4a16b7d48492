// The package as a user installs it: `npm pack` the built pkg/, install the tarball into a fresh
// project, and use it from every kind of build — Node ESM and CommonJS with no init call, Vite
// (build and dev server), webpack 5, and a plain `<script type="module">` from a static server,
// each page loaded in headless Chromium — and type-check a consumer with TypeScript. The Vite and
// webpack examples of docs/guide/runtimes.md and the README's TypeScript quick start are the
// configuration and code used here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { PKG, ROOT, docBlock, readmeBlock, runPage, serveStatic } from "./helpers.mjs";

let dir;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const requireRoot = createRequire(path.join(ROOT, "package.json"));

// Two customers: 1 buys on Jan 1 and Jan 4, 2 on Jan 2; the window ends Jan 4.
// By hand: frequency [1, 0], recency [3, 0], T [3, 2], monetaryValue [30, 0].
const SCRIPT = `
const tx = Transactions.fromColumns({
  customerId: new Uint32Array([1, 2, 1]),
  timestamp: ["2024-01-01", "2024-01-02", "2024-01-04"],
  amount: new Float64Array([10, 20, 30]),
});
const s = tx.summary({ period: "day" });
const result = { frequency: [...s.frequency], recency: [...s.recency], T: [...s.T],
  monetaryValue: [...s.monetaryValue], metrics: glossary().length };
`;
const EXPECTED = { frequency: [1, 0], recency: [3, 0], T: [3, 2], monetaryValue: [30, 0] };
// An error of the library (row 3 has no valid date) and whether it is the entry's UnimetricError.
const ERROR_SCRIPT = `
let caught;
try { Transactions.fromCsv("c,t,a\\n1,2024-01-01,1\\n2,31/12/2024,2\\n", { customerId: "c", timestamp: "t", amount: "a" }); } catch (e) { caught = e; }
result.error = { code: caught.code, row: caught.row, isUnimetricError: caught instanceof UnimetricError };
`;
const EXPECTED_ERROR = { code: "E_BAD_DATE", row: 3, isUnimetricError: true };

function checkResult(result) {
  const { frequency, recency, T, monetaryValue } = result;
  assert.deepEqual({ frequency, recency, T, monetaryValue }, EXPECTED);
  assert.ok(result.metrics >= 8);
}

/** A page whose module script `src` writes `result` into #out. */
const page = (src, head = "") =>
  `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title><link rel="icon" href="data:,">${head}</head>` +
  `<body><pre id="out"></pre><script type="module" src="${src}"></script></body></html>`;
const BROWSER_MAIN = `import init, { Transactions, glossary } from "unimetric";\nawait init();\n${SCRIPT}\n` +
  `document.getElementById("out").textContent = JSON.stringify(result);\ndocument.body.dataset.state = "ready";\n`;

/** Serves `root` statically, opens `/` in Chromium and checks the page's numbers. */
async function checkPage(root, extra = () => null) {
  const { server, base } = await serveStatic((p) => extra(p) ?? (p.includes("..") ? null : path.join(root, p === "/" ? "index.html" : p)));
  try {
    const { result, errors, badRequests } = await runPage(`${base}/`);
    checkResult(result);
    assert.deepEqual(errors, []);
    assert.deepEqual(badRequests, []);
  } finally {
    server.close();
  }
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "unimetric-pack-"));
  const out = run("npm", ["pack", PKG, "--pack-destination", dir, "--json", "--loglevel=error"], ROOT);
  const tarball = path.join(dir, JSON.parse(out)[0].filename);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], dir);
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test("the tarball ships exactly the declared files", () => {
  const installed = path.join(dir, "node_modules", "unimetric");
  const files = readdirSync(installed).sort();
  assert.deepEqual(files, [
    "LICENSE-APACHE", "LICENSE-MIT", "README.md",
    "arrow-node.cjs", "arrow-node.d.cts", "arrow-node.d.ts", "arrow-node.js",
    "arrow-worker-thread.d.ts", "arrow-worker-thread.js", "arrow-worker.d.ts", "arrow-worker.js",
    "cli.js", "error.cjs", "error.js",
    "node.cjs", "node.d.cts", "node.d.ts", "node.js", "package.json", "spec.schema.json",
    "unimetric.cjs", "unimetric.d.cts", "unimetric.d.ts", "unimetric.js",
    "unimetric_arrow.cjs", "unimetric_arrow.d.cts", "unimetric_arrow.d.ts", "unimetric_arrow.js",
    "unimetric_arrow_bg.wasm", "unimetric_arrow_bg.wasm.d.ts",
    "unimetric_bg.wasm", "unimetric_bg.wasm.d.ts",
    "worker-client.d.ts", "worker-client.js", "worker-serve.d.ts", "worker-serve.js", "worker-thread.d.ts", "worker-thread.js", "worker.d.ts", "worker.js",
  ]);
  const pkg = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
  assert.equal(pkg.type, "module");
  assert.equal(pkg.license, "MIT OR Apache-2.0");
  assert.deepEqual(Object.keys(pkg.exports["."]), ["node", "types", "default"]);
  assert.deepEqual(Object.keys(pkg.exports["./arrow"]), ["node", "types", "default"]);
  assert.deepEqual(pkg.exports["./worker"], { types: "./worker.d.ts", default: "./worker.js" });
  assert.deepEqual(pkg.exports["./worker-thread"], { types: "./worker-thread.d.ts", default: "./worker-thread.js" });
  assert.deepEqual(pkg.exports["./arrow/worker"], { types: "./arrow-worker.d.ts", default: "./arrow-worker.js" });
  assert.deepEqual(pkg.exports["./arrow/worker-thread"], { types: "./arrow-worker-thread.d.ts", default: "./arrow-worker-thread.js" });
});

test("Node ESM: import works with no init call", () => {
  writeFileSync(path.join(dir, "node-esm.mjs"),
    `import { Transactions, glossary, UnimetricError } from "unimetric";\n${SCRIPT}${ERROR_SCRIPT}\nconsole.log(JSON.stringify(result));\n`);
  const esm = JSON.parse(run("node", ["node-esm.mjs"], dir));
  checkResult(esm);
  assert.deepEqual(esm.error, EXPECTED_ERROR);
  writeFileSync(path.join(dir, "node-esm-arrow.mjs"),
    `import { Transactions, glossary } from "unimetric/arrow";\n${SCRIPT}\n` +
    `console.log(JSON.stringify({ ...result, fromArrow: typeof Transactions.fromArrow }));\n`);
  const arrow = JSON.parse(run("node", ["node-esm-arrow.mjs"], dir));
  assert.equal(arrow.fromArrow, "function");
  checkResult({ ...arrow, fromArrow: undefined });
});

test("Node CommonJS: require works with no init call", () => {
  writeFileSync(path.join(dir, "node-cjs.cjs"),
    `const { Transactions, glossary, UnimetricError } = require("unimetric");\n${SCRIPT}${ERROR_SCRIPT}\n` +
    `const arrow = require("unimetric/arrow");\n` +
    `console.log(JSON.stringify({ ...result, fromArrow: typeof arrow.Transactions.fromArrow, plainArrow: typeof Transactions.fromArrow }));\n`);
  const result = JSON.parse(run("node", ["node-cjs.cjs"], dir));
  assert.equal(result.fromArrow, "function");
  assert.equal(result.plainArrow, "undefined");
  assert.deepEqual(result.error, EXPECTED_ERROR);
  checkResult({ ...result, fromArrow: undefined, plainArrow: undefined, error: undefined });
});

test("Vite build: `await init()` in the browser, served and run in headless Chromium", async () => {
  const app = path.join(dir, "vite-app");
  mkdirSync(app);
  writeFileSync(path.join(app, "index.html"), page("/main.js"));
  writeFileSync(path.join(app, "main.js"), BROWSER_MAIN);
  writeFileSync(path.join(app, "vite.config.js"), `export default { build: { target: "es2022" }, logLevel: "warn" };\n`);
  run("node", [path.join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build"], app);
  const dist = path.join(app, "dist");
  const assets = readdirSync(path.join(dist, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `no .wasm asset in ${assets}`);
  await checkPage(dist);
});

test("Vite build: the Worker API of both entries bundled; Arrow IPC bytes read in the Arrow worker; a build without the Arrow worker leaves it out", async () => {
  const app = path.join(dir, "vite-worker");
  mkdirSync(app);
  // The same three transactions as SCRIPT, as Arrow IPC: ids Uint32, times Date (ms), amounts Float64.
  const ipc = tableToIPC(tableFromArrays({
    c: new Uint32Array([1, 2, 1]),
    t: [new Date("2024-01-01"), new Date("2024-01-02"), new Date("2024-01-04")],
    a: new Float64Array([10, 20, 30]),
  }));
  writeFileSync(path.join(app, "index.html"), page("/main.js"));
  writeFileSync(path.join(app, "main.js"), `import { UnimetricWorker } from "unimetric/worker";
import { UnimetricWorker as ArrowWorker } from "unimetric/arrow/worker";
const ipc = new Uint8Array([${ipc.join(",")}]);
const arrow = new ArrowWorker();
const tx = await arrow.call("Transactions.fromArrow", [ipc, { customerId: "c", timestamp: "t", amount: "a" }], { transfer: [ipc.buffer] });
const s = await (await tx.call("summary", [{ period: "day" }])).call("toColumns");
const plain = new UnimetricWorker();
const result = { frequency: [...s.frequency], recency: [...s.recency], T: [...s.T], monetaryValue: [...s.monetaryValue],
  metrics: (await plain.call("glossary")).length, moved: ipc.byteLength };
document.getElementById("out").textContent = JSON.stringify(result);
document.body.dataset.state = "ready";
`);
  writeFileSync(path.join(app, "vite.config.js"), `export default { build: { target: "es2022" }, logLevel: "warn" };\n`);
  run("node", [path.join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build"], app);
  const assets = readdirSync(path.join(app, "dist", "assets"));
  for (const prefix of ["worker-thread-", "arrow-worker-thread-", "unimetric_bg-", "unimetric_arrow_bg-"]) {
    assert.ok(assets.some((f) => f.startsWith(prefix)), `no ${prefix}* asset in ${assets}`);
  }
  const { server, base } = await serveStatic((p) => (p.includes("..") ? null : path.join(app, "dist", p === "/" ? "index.html" : p)));
  try {
    const { result, errors, badRequests } = await runPage(`${base}/`);
    checkResult(result);
    assert.equal(result.moved, 0);
    assert.deepEqual(errors, []);
    assert.deepEqual(badRequests, []);
  } finally {
    server.close();
  }
  // An app that uses only `unimetric/worker` gets neither the Arrow worker nor its wasm.
  const plainApp = path.join(dir, "vite-worker-plain");
  mkdirSync(plainApp);
  writeFileSync(path.join(plainApp, "index.html"), page("/main.js"));
  writeFileSync(path.join(plainApp, "main.js"), `import { UnimetricWorker } from "unimetric/worker";
const um = new UnimetricWorker();
document.getElementById("out").textContent = String((await um.call("glossary")).length);
`);
  writeFileSync(path.join(plainApp, "vite.config.js"), `export default { build: { target: "es2022" }, logLevel: "warn" };\n`);
  run("node", [path.join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build"], plainApp);
  const plainAssets = readdirSync(path.join(plainApp, "dist", "assets"));
  assert.ok(plainAssets.some((f) => f.startsWith("worker-thread-")), `no worker-thread-* asset in ${plainAssets}`);
  assert.ok(!plainAssets.some((f) => f.startsWith("arrow-worker-thread-") || f.startsWith("unimetric_arrow_bg-")), `Arrow assets in ${plainAssets}`);
});

test("Vite dev server: the same page served by `vite` in development, with the runtimes guide's config", async () => {
  const app = path.join(dir, "vite-dev");
  mkdirSync(app);
  writeFileSync(path.join(app, "index.html"), page("/main.js"));
  writeFileSync(path.join(app, "main.js"), BROWSER_MAIN);
  writeFileSync(path.join(app, "vite.config.js"), docBlock("docs/guide/runtimes.md", "vite-config"));
  const { createServer } = await import(requireRoot.resolve("vite"));
  const server = await createServer({
    root: app, configFile: path.join(app, "vite.config.js"), logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  try {
    const { result, errors, badRequests } = await runPage(server.resolvedUrls.local[0]);
    checkResult(result);
    assert.deepEqual(errors, []);
    assert.deepEqual(badRequests, []);
  } finally {
    await server.close();
  }
});

test("webpack 5: the runtimes guide's webpack.config.mjs, bundle run in headless Chromium", async () => {
  const app = path.join(dir, "webpack-app");
  mkdirSync(path.join(app, "src"), { recursive: true });
  writeFileSync(path.join(app, "src", "index.js"), BROWSER_MAIN);
  writeFileSync(path.join(app, "webpack.config.mjs"), docBlock("docs/guide/runtimes.md", "webpack-config"));
  const config = (await import(path.join(app, "webpack.config.mjs"))).default;
  const webpack = requireRoot("webpack");
  const dist = path.join(app, "dist");
  // As `npx webpack` run in the app's folder.
  const stats = await new Promise((resolve, reject) => {
    webpack({ ...config, context: app }, (err, s) => (err ? reject(err) : resolve(s)));
  });
  assert.deepEqual(stats.toJson({ all: false, errors: true }).errors, []);
  assert.ok(readdirSync(dist).some((f) => f.endsWith(".wasm")), `no .wasm in ${readdirSync(dist)}`);
  writeFileSync(path.join(dist, "index.html"), page("/main.js"));
  await checkPage(dist);
});

test("plain <script type=\"module\"> from a static server, with an import map", async () => {
  const app = path.join(dir, "static-app");
  mkdirSync(app);
  const importMap = `<script type="importmap">{"imports":{"unimetric":"/node_modules/unimetric/unimetric.js"}}</script>`;
  writeFileSync(path.join(app, "index.html"), page("/main.js", importMap));
  writeFileSync(path.join(app, "main.js"), BROWSER_MAIN);
  await checkPage(app, (p) => (p.startsWith("/node_modules/unimetric/") && !p.includes("..") ? path.join(dir, p) : null));
});

test("TypeScript: tsc --strict --noEmit on consumers using every exported type (ESM, CommonJS, bundler, Worker API), the README example and the typed consumer calling every export", () => {
  const app = path.join(dir, "ts-app");
  mkdirSync(app);
  const exported = (file) => [...new Set([...readFileSync(path.join(dir, "node_modules", "unimetric", file), "utf8")
    .matchAll(/^export (?:type|interface|class|enum) (\w+)/gm)].map((m) => m[1]))].sort();
  // Transactions is imported as a value (class) below, which is its type too.
  const mainTypes = exported("unimetric.d.ts").filter((n) => n !== "Transactions");
  const arrowTypes = exported("unimetric_arrow.d.ts");
  assert.ok(mainTypes.length > 50);
  const usage = `
const tx: Transactions = Transactions.fromColumns({
  customerId: new Uint32Array([1, 2, 1]),
  timestamp: ["2024-01-01", "2024-01-02", "2024-01-04"],
  amount: new Float64Array([10, 20, 30]),
});
const options: SummaryOptions = { period: "day" };
const s: CustomerSummary = tx.summary(options);
const f: Float64Array = s.frequency;
const defs: Definition[] = glossary();
const codes: ErrorCode[] = errorCodes();
export const out = [f, defs, codes];
export function codeOf(e: unknown): ErrorCode | undefined {
  return e instanceof UnimetricError ? e.code : undefined;
}
export const made = new UnimetricError("bad", { code: "E_BAD_OPTION", column: "period" });
`;
  const everyType = (names) => `export type Every = [${names.join(", ")}];\n`;
  writeFileSync(path.join(app, "esm.mts"),
    `import { Transactions, glossary, errorCodes, UnimetricError } from "unimetric";\n` +
    `import type { ${mainTypes.filter((n) => n !== "UnimetricError").join(", ")} } from "unimetric";\n${everyType([...mainTypes, "Transactions"])}${usage}`);
  writeFileSync(path.join(app, "arrow.mts"),
    `import { Transactions as ArrowTransactions, CustomerSummary as ArrowSummary, FeatureMatrix as ArrowFeatures, customerAttributesFromArrow } from "unimetric/arrow";\n` +
    `import type { ${arrowTypes.join(", ")} } from "unimetric/arrow";\n${everyType(arrowTypes)}` +
    `const m: ColumnMapping = { customerId: "c", timestamp: "t", amount: "a" };\n` +
    `export const read = (ipc: ArrowIpcInput): Transactions => ArrowTransactions.fromArrow(ipc, m);\n` +
    `export const readSummary = (ipc: Uint8Array, mapping: SummaryMapping): CustomerSummary => ArrowSummary.fromArrow(ipc, mapping, {});\n` +
    `export const readFeatures = (ipc: ArrowIpcInput): FeatureMatrix => ArrowFeatures.fromArrow(ipc, ["spend", "orders"]);\n` +
    `export const readAttributes = (ipc: ArrayBuffer, columns: AttributeColumns): CustomerAttributesInput => customerAttributesFromArrow(ipc, columns);\n`);
  // The Worker API: the client with either entry, and custom worker scripts of both kinds, whose
  // tasks see their own entry's module (the default one has no fromArrow).
  writeFileSync(path.join(app, "worker.mts"),
    `import { type RemoteObject, type WorkerCancelledError, UnimetricError } from "unimetric/worker";\n` +
    `import { UnimetricWorker, UnimetricError as ArrowWorkerError } from "unimetric/arrow/worker";\n` +
    `export const cancelled = (e: unknown): WorkerCancelledError["reason"] | undefined => (e instanceof UnimetricError && e.code === "E_CANCELLED" ? (e as WorkerCancelledError).reason : undefined);\n` +
    `export const sameClass: typeof UnimetricError = ArrowWorkerError;\n` +
    `import { expose as exposeArrow, type TaskContext } from "unimetric/arrow/worker-thread";\n` +
    `import { expose, HANDLE } from "unimetric/worker-thread";\n` +
    `const um = new UnimetricWorker({ name: "arrow" });\n` +
    `const ipc = new Uint8Array(8);\n` +
    `export const tx: Promise<RemoteObject> = um.call("Transactions.fromArrow", [ipc, { customerId: "c", timestamp: "t", amount: "a" }], { transfer: [ipc.buffer] });\n` +
    `exposeArrow({ count([bytes], { lib }: TaskContext) { return lib.Transactions.fromArrow(bytes as Uint8Array, { customerId: "c", timestamp: "t", amount: "a" }).length; } });\n` +
    `expose({ fromArrow(_args, { lib }) {\n  // @ts-expect-error the default entry has no Arrow reader\n  return lib.Transactions.fromArrow;\n} });\n` +
    `export const marker: "__unimetricHandle" = HANDLE;\n`);
  writeFileSync(path.join(app, "cjs.cts"),
    `import unimetric = require("unimetric");\nimport arrow = require("unimetric/arrow");\n` +
    `const { Transactions, glossary, errorCodes, UnimetricError } = unimetric;\n` +
    `type SummaryOptions = unimetric.SummaryOptions;\ntype CustomerSummary = unimetric.CustomerSummary;\n` +
    `type Transactions = unimetric.Transactions;\ntype Definition = unimetric.Definition;\ntype ErrorCode = unimetric.ErrorCode;\n` +
    `export type ArrowReader = typeof arrow.Transactions.fromArrow;\n${usage}`);
  // The declarations use `Symbol.dispose` (wasm-bindgen's explicit resource management), hence
  // the esnext.disposable lib; the README and docs/guide/runtimes.md say so.
  const common = { strict: true, noEmit: true, target: "es2022", lib: ["es2022", "esnext.disposable", "dom"], skipLibCheck: false, types: [] };
  writeFileSync(path.join(app, "package.json"), '{"type":"module","private":true}');
  writeFileSync(path.join(app, "readme.ts"), readmeBlock("typescript", "ts"));
  // The typed consumer: every export called as the README and guides call it (tests/types/).
  writeFileSync(path.join(app, "consumer.ts"), readFileSync(path.join(ROOT, "tests", "types", "consumer.ts"), "utf8"));
  writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: { ...common, module: "nodenext", moduleResolution: "nodenext" },
    files: ["esm.mts", "arrow.mts", "worker.mts", "cjs.cts", "readme.ts", "consumer.ts"],
  }));
  writeFileSync(path.join(app, "bundler.ts"),
    `import { Transactions, glossary, errorCodes, UnimetricError } from "unimetric";\n` +
    `import type { ${mainTypes.filter((n) => n !== "UnimetricError").join(", ")} } from "unimetric";\n${everyType([...mainTypes, "Transactions"])}${usage}`);
  writeFileSync(path.join(app, "tsconfig.bundler.json"), JSON.stringify({
    compilerOptions: { ...common, module: "esnext", moduleResolution: "bundler" },
    files: ["bundler.ts", "consumer.ts"],
  }));
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  for (const project of ["tsconfig.json", "tsconfig.bundler.json"]) {
    try {
      run("node", [tsc, "-p", project], app);
    } catch (e) {
      assert.fail(`tsc -p ${project}:\n${e.stdout}${e.stderr}`);
    }
  }
});
