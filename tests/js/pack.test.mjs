// The package as a user installs it: `npm pack` the built pkg/, install the tarball into a fresh
// project, import it from Node ESM with no init call, and build a page with Vite that
// `await init()`s it — then load that page in headless Chromium and check the numbers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, PKG, ROOT } from "./helpers.mjs";

let dir;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

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
    "LICENSE-APACHE", "LICENSE-MIT", "README.md", "node.d.ts", "node.js", "package.json",
    "unimetric.d.ts", "unimetric.js", "unimetric_bg.wasm", "unimetric_bg.wasm.d.ts",
    "worker-thread.d.ts", "worker-thread.js", "worker.d.ts", "worker.js",
  ]);
  const pkg = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
  assert.equal(pkg.type, "module");
  assert.equal(pkg.license, "MIT OR Apache-2.0");
  assert.deepEqual(Object.keys(pkg.exports["."]), ["types", "node", "default"]);
  assert.deepEqual(pkg.exports["./worker"], { types: "./worker.d.ts", default: "./worker.js" });
});

test("Node ESM: import works with no init call", () => {
  writeFileSync(path.join(dir, "node-esm.mjs"),
    `import { Transactions, glossary } from "unimetric";\n${SCRIPT}\nconsole.log(JSON.stringify(result));\n`);
  const result = JSON.parse(run("node", ["node-esm.mjs"], dir));
  assert.deepEqual({ ...result, metrics: undefined }, { ...EXPECTED, metrics: undefined });
  assert.ok(result.metrics >= 8);
});

test("Vite build: `await init()` in the browser, served and run in headless Chromium", async () => {
  writeFileSync(path.join(dir, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title><link rel="icon" href="data:,"></head>` +
    `<body><pre id="out"></pre><script type="module" src="/main.js"></script></body></html>`);
  writeFileSync(path.join(dir, "main.js"),
    `import init, { Transactions, glossary } from "unimetric";\nawait init();\n${SCRIPT}\n` +
    `document.getElementById("out").textContent = JSON.stringify(result);\ndocument.body.dataset.state = "ready";\n`);
  writeFileSync(path.join(dir, "vite.config.js"), `export default { build: { target: "es2022" }, logLevel: "warn" };\n`);
  run("node", [path.join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build"], dir);
  const dist = path.join(dir, "dist");
  const assets = readdirSync(path.join(dist, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `no .wasm asset in ${assets}`);

  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(dist, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(dist) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 20_000 });
    const result = JSON.parse(await page.textContent("#out"));
    assert.deepEqual({ ...result, metrics: undefined }, { ...EXPECTED, metrics: undefined });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
