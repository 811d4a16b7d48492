// The examples of the README and of the guides in docs/guide/, executed: the Node blocks (ESM,
// CommonJS, Arrow) in a project where "unimetric" resolves to the built package, the browser
// blocks in headless Chromium with an import map (bundled by esbuild first when they import
// apache-arrow); each prints the output its comments document. The bundler, TypeScript and
// DuckDB-WASM blocks run in pack.test.mjs and tests/browser/duckdb.test.mjs, the churn, segments,
// LTV and experiments blocks in churn.test.mjs, segment.test.mjs, ltv.test.mjs and
// experiment.test.mjs. The last test checks that
// every tagged block in the docs is run by one of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import {
  CHROMIUM_ARGS, PKG, ROOT, assertDocumentedOutput, bundleModule, docBlock, docFiles, docTags, documentedOutput,
  readmeBlock, runDocBlock, runInProject, serveStatic,
} from "./helpers.mjs";

test("README Node quick start runs and prints the documented values", () => {
  const out = runDocBlock("README.md", "node");
  assert.ok(out.includes("[ 'a', 'b' ] [ 1, 0 ] [ 14, 0 ] [ 14, 5 ] [ 35, 0 ]"), out);
  assert.ok(out.includes("22.5 orders.aov 2.1.0"), out);
  assert.ok(out.includes("'customer.summary v2.1.0'"), out);
});

/**
 * Runs `code`, a doc block, as a module script in headless Chromium, with `imports` as the
 * import map and pkg/ served from the same origin; returns the page's text and its errors. With
 * `bundle`, the block is bundled by esbuild first (its other imports come from node_modules) and
 * served as /main.js, leaving the names in `imports` to the import map.
 */
async function runBrowserBlock(block, imports, { bundle = false } = {}) {
  const code = `${block}\ndocument.body.dataset.state = "ready";\n`;
  const main = bundle ? await bundleModule(code, { external: Object.keys(imports) }) : null;
  const page = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({ imports })}</script></head><body>
${main ? '<script type="module" src="/main.js"></script>' : `<script type="module">\n${code}</script>`}</body></html>`;
  const { server, base } = await serveStatic((p) => {
    if (p === "/") return { body: page, type: "text/html" };
    if (p === "/main.js" && main) return { body: main, type: "text/javascript" };
    const file = path.join(ROOT, p);
    return file.startsWith(PKG + path.sep) ? file : null;
  });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const p = await browser.newPage();
    const errors = [];
    p.on("pageerror", (e) => errors.push(String(e)));
    p.on("console", (m) => { if (m.type() === "error" || m.type() === "assert") errors.push(m.text()); });
    await p.goto(`${base}/`);
    await p.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 20_000 });
    const text = (await p.textContent("body")).trim();
    // The block documents what it writes into the page.
    assert.deepEqual([text], documentedOutput(block));
    return { text, errors };
  } finally {
    await browser.close();
    server.close();
  }
}

test("README browser quick start runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock(readmeBlock("browser"), { unimetric: "/pkg/unimetric.js" });
  assert.equal(text, "frequency 1,0, T 3,2");
  assert.deepEqual(errors, []);
});

test("README worker quick start runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock(readmeBlock("worker-quick"), { "unimetric/worker": "/pkg/worker.js" });
  // a buys Jan 1 and Jan 15, b on Jan 10; the window ends Jan 15 (by hand).
  assert.equal(text, "frequency 1,0, T 14,5");
  assert.deepEqual(errors, []);
});

test("worker guide example runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock(docBlock("docs/guide/worker.md", "worker"), { "unimetric/worker": "/pkg/worker.js" });
  // Customer a spends 35 on a repeat purchase, b and c never return: two segments, a alone.
  assert.equal(text, "labels 0,1,1, progress 0,1,2,3");
  assert.deepEqual(errors, []);
});

test("worker guide Arrow example runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock(docBlock("docs/guide/worker.md", "worker-arrow"), { "unimetric/arrow/worker": "/pkg/arrow-worker.js" }, { bundle: true });
  // a buys Jan 1 and Jan 15, b on Jan 10; the window ends Jan 15 (by hand). The IPC buffer moved.
  assert.equal(text, "frequency 1,0, T 14,5, left 0");
  assert.deepEqual(errors, []);
});

test("runtimes guide: the CommonJS example runs with require()", () => {
  const code = docBlock("docs/guide/runtimes.md", "cjs");
  const out = runInProject("example.cjs", code);
  assert.equal(out.trim(), "[ 1 ]");
  assertDocumentedOutput(code, out);
});

test("README Arrow quick start (Node, apache-arrow table) prints the documented values", () => {
  const out = runDocBlock("README.md", "arrow-node", { links: ["apache-arrow"] });
  assert.equal(out.trim(), "[ 'a', 'b' ] [ 1, 0 ] [ 14, 5 ]");
});

test("Arrow guide feature-table and attributes example prints the documented values", () => {
  const out = runDocBlock("docs/guide/arrow.md", "arrow-features", { links: ["apache-arrow"] });
  // Two clusters by hand: {c, d} around (51, 8.5), numbered 0 for the larger spend, and {a, b}
  // around (1.1, 2).
  assert.equal(out.trim(), "4 2 [ 1, 1, 0, 0 ] [ 51, 8.5, 1.1, 2 ]\n[ 'a', 'b', 'c', 'd' ] [ 2, 2, 9, 8 ] [ 'basic', 'basic', 'pro', 'pro' ]");
});

test("Arrow guide: the apache-arrow version it names for DuckDB-WASM is the one DuckDB-WASM depends on", () => {
  const guide = readFileSync(path.join(ROOT, "docs", "guide", "arrow.md"), "utf8").replace(/\s+/g, " ");
  const m = guide.match(/Use the `apache-arrow` version your DuckDB-WASM depends on \((\d+\.\d+\.\d+) for (\d+\.\d+\.\d+)\)/);
  assert.ok(m, "the Arrow guide no longer names the versions");
  const duckdb = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "@duckdb", "duckdb-wasm", "package.json"), "utf8"));
  const arrow = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "apache-arrow", "package.json"), "utf8"));
  assert.deepEqual([m[1], m[2]], [arrow.version, duckdb.version]);
  assert.equal(duckdb.dependencies["apache-arrow"], `^${arrow.version}`);
});

test("errors guide example prints the documented error", () => {
  // "03/05/2024" is ambiguous between day/month orders: E_BAD_DATE on the first data row (row 2).
  const out = runDocBlock("docs/guide/errors.md", "errors");
  assert.equal(out, "true UnimetricError E_BAD_DATE date 2\ntrue\n");
});

test("every tagged example in the README and the guides is run by a test", () => {
  // The tests name each block with string literals: readmeBlock(TAG), docBlock(FILE, TAG) or
  // runDocBlock(FILE, TAG).
  const dirs = [path.join(ROOT, "tests", "js"), path.join(ROOT, "tests", "browser")];
  const sources = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".mjs")).map((f) => readFileSync(path.join(d, f), "utf8")));
  const run = new Set();
  for (const src of sources) {
    for (const m of src.matchAll(/readmeBlock\(\s*"([\w-]+)"/g)) run.add(`README.md#${m[1]}`);
    for (const m of src.matchAll(/(?:docBlock|runDocBlock)\(\s*"([^"]+)",\s*"([\w-]+)"/g)) run.add(`${m[1]}#${m[2]}`);
  }
  const tagged = docFiles().flatMap((file) => docTags(file).map((tag) => `${file}#${tag}`));
  assert.ok(tagged.length >= 17, tagged.join(" "));
  assert.deepEqual(tagged.filter((t) => !run.has(t)), [], "tagged blocks no test runs");
  assert.deepEqual([...run].filter((t) => !tagged.includes(t)), [], "blocks the tests name that the docs lack");
  const names = tagged.map((t) => t.split("#")[1]);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], "a tag is used twice");
});
