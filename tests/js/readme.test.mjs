// The README's quick starts, executed: the Node blocks (ESM, CommonJS, Arrow) in a project where
// "unimetric" resolves to the built package, the browser block in headless Chromium with an
// import map. The bundler, TypeScript and DuckDB-WASM blocks run in pack.test.mjs and
// tests/browser/duckdb.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, PKG, ROOT, readmeBlock } from "./helpers.mjs";

const block = (tag, lang) => readmeBlock(tag, lang);

test("README Node quick start runs and prints the documented values", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "unimetric-readme-"));
  try {
    mkdirSync(path.join(dir, "node_modules"));
    symlinkSync(PKG, path.join(dir, "node_modules", "unimetric"), "dir");
    writeFileSync(path.join(dir, "package.json"), '{"type":"module","private":true}');
    writeFileSync(path.join(dir, "quickstart.mjs"), block("node"));
    const out = execFileSync("node", ["quickstart.mjs"], { cwd: dir, encoding: "utf8" });
    assert.ok(out.includes("[ 'a', 'b' ] [ 1, 0 ] [ 14, 0 ] [ 14, 5 ] [ 35, 0 ]"), out);
    assert.ok(out.includes("22.5 orders.aov 1.0.0"), out);
    assert.ok(out.includes("'customer.summary v1.0.0'"), out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("README browser quick start runs in headless Chromium", async () => {
  const page = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{"imports":{"unimetric":"/pkg/unimetric.js"}}</script></head><body>
<script type="module">
${block("browser")}
document.body.dataset.state = "ready";
</script></body></html>`;
  const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel === "/") { res.writeHead(200, { "content-type": "text/html" }).end(page); return; }
    const file = path.join(ROOT, rel);
    if (!file.startsWith(PKG) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const p = await browser.newPage();
    const errors = [];
    p.on("pageerror", (e) => errors.push(String(e)));
    p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await p.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 20_000 });
    assert.equal((await p.textContent("body")).trim(), "frequency 1,0, T 3,2");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test("README worker example runs in headless Chromium", async () => {
  const page = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{"imports":{"unimetric/worker":"/pkg/worker.js"}}</script></head><body>
<script type="module">
${block("worker")}
document.body.dataset.state = "ready";
</script></body></html>`;
  const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel === "/") { res.writeHead(200, { "content-type": "text/html" }).end(page); return; }
    const file = path.join(ROOT, rel);
    if (!file.startsWith(PKG) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const p = await browser.newPage();
    const errors = [];
    p.on("pageerror", (e) => errors.push(String(e)));
    p.on("console", (m) => { if (m.type() === "error" || m.type() === "assert") errors.push(m.text()); });
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await p.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 20_000 });
    // Customer a spends 35 on a repeat purchase, b and c never return: two segments, a alone.
    assert.equal((await p.textContent("body")).trim(), "labels 0,1,1, progress 0,1,2,3");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

/** Runs `code` as `file` in a fresh project where "unimetric" (and `links`) resolve; returns stdout. */
function runInProject(file, code, links = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "unimetric-readme-"));
  try {
    mkdirSync(path.join(dir, "node_modules"));
    symlinkSync(PKG, path.join(dir, "node_modules", "unimetric"), "dir");
    for (const name of links) symlinkSync(path.join(ROOT, "node_modules", name), path.join(dir, "node_modules", name), "dir");
    writeFileSync(path.join(dir, "package.json"), '{"type":"module","private":true}');
    writeFileSync(path.join(dir, file), code);
    return execFileSync("node", [file], { cwd: dir, encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
