// The README's quick starts, executed: the Node blocks (ESM, CommonJS, Arrow) in a project where
// "unimetric" resolves to the built package, the browser blocks in headless Chromium with an
// import map (bundled by esbuild first when they import apache-arrow). The bundler, TypeScript
// and DuckDB-WASM blocks run in pack.test.mjs and tests/browser/duckdb.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, PKG, ROOT, bundleModule, readmeBlock, runInProject, serveStatic } from "./helpers.mjs";

const block = (tag, lang) => readmeBlock(tag, lang);

test("README Node quick start runs and prints the documented values", () => {
  const out = runInProject("quickstart.mjs", block("node"));
  assert.ok(out.includes("[ 'a', 'b' ] [ 1, 0 ] [ 14, 0 ] [ 14, 5 ] [ 35, 0 ]"), out);
  assert.ok(out.includes("22.5 orders.aov 1.0.0"), out);
  assert.ok(out.includes("'customer.summary v1.0.0'"), out);
});

/**
 * Runs the README block `tag` as a module script in headless Chromium, with `imports` as the
 * import map and pkg/ served from the same origin; returns the page's text and its errors. With
 * `bundle`, the block is bundled by esbuild first (its other imports come from node_modules) and
 * served as /main.js, leaving the names in `imports` to the import map.
 */
async function runBrowserBlock(tag, imports, { bundle = false } = {}) {
  const code = `${block(tag)}\ndocument.body.dataset.state = "ready";\n`;
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
    return { text: (await p.textContent("body")).trim(), errors };
  } finally {
    await browser.close();
    server.close();
  }
}

test("README browser quick start runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock("browser", { unimetric: "/pkg/unimetric.js" });
  assert.equal(text, "frequency 1,0, T 3,2");
  assert.deepEqual(errors, []);
});

test("README worker example runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock("worker", { "unimetric/worker": "/pkg/worker.js" });
  // Customer a spends 35 on a repeat purchase, b and c never return: two segments, a alone.
  assert.equal(text, "labels 0,1,1, progress 0,1,2,3");
  assert.deepEqual(errors, []);
});

test("README Arrow worker example runs in headless Chromium", async () => {
  const { text, errors } = await runBrowserBlock("worker-arrow", { "unimetric/arrow/worker": "/pkg/arrow-worker.js" }, { bundle: true });
  // a buys Jan 1 and Jan 15, b on Jan 10; the window ends Jan 15 (by hand). The IPC buffer moved.
  assert.equal(text, "frequency 1,0, T 14,5, left 0");
  assert.deepEqual(errors, []);
});

test("README CommonJS example runs with require()", () => {
  const out = runInProject("example.cjs", block("cjs"));
  assert.equal(out.trim(), "[ 1 ]");
});

test("README Arrow example (Node, apache-arrow table) prints the documented values", () => {
  const out = runInProject("arrow.mjs", block("arrow-node"), ["apache-arrow"]);
  assert.equal(out.trim(), "[ 'a', 'b' ] [ 1, 0 ] [ 14, 5 ]");
});

test("README Arrow feature-table and attributes example prints the documented values", () => {
  const out = runInProject("features.mjs", block("arrow-features"), ["apache-arrow"]);
  // Two clusters by hand: {c, d} around (51, 8.5), numbered 0 for the larger spend, and {a, b}
  // around (1.1, 2).
  assert.equal(out.trim(), "4 2 [ 1, 1, 0, 0 ] [ 51, 8.5, 1.1, 2 ]\n[ 'a', 'b', 'c', 'd' ] [ 2, 2, 9, 8 ] [ 'basic', 'basic', 'pro', 'pro' ]");
});
