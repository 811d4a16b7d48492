// Shared paths and helpers for the tests of the built package.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PKG = path.join(ROOT, "pkg");
export const FIXTURES = path.join(ROOT, "tests", "fixtures");
export const BLESS = !!process.env.UNIMETRIC_BLESS;
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
];

/**
 * Runs `code` as `file` with Node in a fresh project where "unimetric" resolves to pkg/ (and each
 * name in `links` to its copy in node_modules, each folder in `paths`, such as "www/data", to the
 * repository's at the same place); returns its standard output.
 */
export function runInProject(file, code, links = [], paths = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "unimetric-project-"));
  try {
    mkdirSync(path.join(dir, "node_modules"));
    symlinkSync(PKG, path.join(dir, "node_modules", "unimetric"), "dir");
    for (const name of links) symlinkSync(path.join(ROOT, "node_modules", name), path.join(dir, "node_modules", name), "dir");
    for (const p of paths) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      symlinkSync(path.join(ROOT, p), path.join(dir, p), "dir");
    }
    writeFileSync(path.join(dir, "package.json"), '{"type":"module","private":true}');
    writeFileSync(path.join(dir, file), code);
    return execFileSync("node", [file], { cwd: dir, encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the js block tagged `TAG` in `file` (README.md or a guide in docs/guide/) with
 * `runInProject` (`links` and `paths` as there); asserts that it prints the output its comments
 * document (`documentedOutput`) and returns the printed output.
 */
export function runDocBlock(file, tag, { links = [], paths = [] } = {}) {
  const code = docBlock(file, tag);
  const out = runInProject("block.mjs", code, links, paths);
  assertDocumentedOutput(code, out);
  return out;
}

/**
 * A static HTTP server on 127.0.0.1 and a free port. `resolve(pathname)` returns the file to
 * send (or a { body, type } object) or null for 404. Resolves to { server, base }.
 */
export async function serveStatic(resolve) {
  const { createServer } = await import("node:http");
  const { existsSync, statSync } = await import("node:fs");
  const types = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript",
    ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css",
  };
  const server = createServer((req, res) => {
    const found = resolve(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (found && typeof found === "object") {
      res.writeHead(200, { "content-type": found.type });
      res.end(found.body);
    } else if (found && existsSync(found) && statSync(found).isFile()) {
      res.writeHead(200, { "content-type": types[path.extname(found)] ?? "application/octet-stream" });
      res.end(readFileSync(found));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

/**
 * `contents`, an ES module, bundled by esbuild for the browser with its imports resolved from the
 * repository (node_modules, the built pkg/); `options` go to esbuild, e.g. `alias` or `external`
 * (names left to the page's import map or paths served as they are). Returns the code.
 */
export async function bundleModule(contents, options = {}) {
  const { build } = await import("esbuild");
  const out = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: "main.js", loader: "js" },
    bundle: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "warning",
    ...options,
  });
  return out.outputFiles[0].text;
}

/** A page for `runPage` that runs the module /main.js, which writes its JSON result into #out. */
export const MAIN_PAGE = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>` +
  `<body><pre id="out"></pre><script type="module" src="/main.js"></script></body></html>`;

/**
 * Opens `url` in headless Chromium (Debian's, via playwright-core) with every off-origin request
 * refused and recorded; waits for `document.body.dataset.state === "ready"` and returns the
 * JSON in `#out`, the page's errors and the refused/failed requests.
 */
export async function runPage(url, { timeout = 30_000 } = {}) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const errors = [];
  const badRequests = [];
  try {
    const context = await browser.newContext();
    const origin = new URL(url).origin;
    await context.route("**/*", (route) => {
      const u = route.request().url();
      if (u.startsWith("data:") || u.startsWith("blob:") || new URL(u).origin === origin) return route.continue();
      badRequests.push(`off-origin: ${u}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("response", (r) => { if (r.status() >= 400) badRequests.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.state === "ready" || document.body.dataset.state === "error", null, { timeout });
    const text = await page.textContent("#out");
    return { result: JSON.parse(text), errors, badRequests };
  } finally {
    await browser.close();
  }
}

/** The Markdown files whose tagged code blocks are examples run by the tests: README.md, docs/SPEC.md and docs/guide/. */
export function docFiles() {
  const guides = readdirSync(path.join(ROOT, "docs", "guide")).filter((f) => f.endsWith(".md")).sort();
  return ["README.md", "docs/SPEC.md", ...guides.map((f) => `docs/guide/${f}`)];
}

/** Every `<!-- test: TAG -->` tag in `file` (relative to the repository), in order. */
export function docTags(file) {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return [...text.matchAll(/<!-- test: ([\w-]+) -->/g)].map((m) => m[1]);
}

/**
 * The code block tagged `<!-- test: TAG -->` in `file` (README.md or a guide such as
 * docs/guide/arrow.md: a fenced block of language `lang` right after the tag), so the examples
 * in the docs are the code the tests run. The tag must occur once in the file.
 */
export function docBlock(file, tag, lang = "js") {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const count = docTags(file).filter((t) => t === tag).length;
  if (count > 1) throw new Error(`${file} has ${count} blocks tagged ${tag}`);
  const m = text.match(new RegExp(`<!-- test: ${tag} -->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  if (!m) throw new Error(`${file} has no ${lang} block tagged ${tag}`);
  return m[1];
}

/** `docBlock("README.md", tag, lang)`. */
export function readmeBlock(tag, lang = "js") {
  return docBlock("README.md", tag, lang);
}

/**
 * The output a doc block says it prints, one entry per documented statement: for each line that
 * starts with `console.log(` or `document.body.textContent =`, the comment ending that line
 * (`…; // OUTPUT`) or else the `// OUTPUT` comment line right after it. A note after three spaces
 * in parentheses (`// OUTPUT   (why)`) is not part of the output. Statements without such a
 * comment document nothing.
 */
export function documentedOutput(code) {
  const lines = code.split("\n");
  const documented = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*(console\.log\(|document\.body\.textContent =)/.test(lines[i])) continue;
    const text = lines[i].match(/;\s*\/\/ (.*)$/)?.[1] ?? lines[i + 1]?.match(/^\s*\/\/ (.*)$/)?.[1];
    if (text !== undefined) documented.push(text.replace(/\s{3,}\(.*\)$/, "").trimEnd());
  }
  return documented;
}

/**
 * Asserts that `out` (what a doc block printed) contains every line of its `documentedOutput`,
 * each as a whole line and in the documented order.
 */
export function assertDocumentedOutput(code, out) {
  const expected = documentedOutput(code);
  assert.ok(expected.length > 0, "the block documents no output");
  const lines = out.split("\n");
  let at = 0;
  for (const line of expected) {
    const i = lines.indexOf(line, at);
    assert.ok(i >= 0, `documented output not printed (in this order): ${line}\n--- printed:\n${out}`);
    at = i + 1;
  }
}

/**
 * The first `n` customers (all by default) of the CDNOW summary in weeks (Fader, Hardie & Lee
 * 2005; tests/fixtures/cdnow_customers_summary_with_spend.csv, columns ID, x, t_x, T, zbar) as
 * columns for `CustomerSummary.fromColumns`: `customerId` a Uint32Array, `frequency`, `recency`,
 * `T` and `monetaryValue` Float64Arrays.
 */
export function cdnowColumns(n = Infinity) {
  const rows = readFileSync(path.join(FIXTURES, "cdnow_customers_summary_with_spend.csv"), "utf8")
    .trim().split("\n").slice(1, n + 1).map((l) => l.split(",").map(Number));
  return {
    customerId: Uint32Array.from(rows, (r) => r[0]), frequency: Float64Array.from(rows, (r) => r[1]),
    recency: Float64Array.from(rows, (r) => r[2]), T: Float64Array.from(rows, (r) => r[3]),
    monetaryValue: Float64Array.from(rows, (r) => r[4]),
  };
}

/**
 * Calls `fn` and asserts it throws a `UnimetricError` with `code` and the properties in `extra`
 * (e.g. `{ column: "amount", row: 3 }`); returns the error.
 */
export function throwsCode(fn, code, extra = {}) {
  let err;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err, `expected ${code}`);
  assert.equal(err.name, "UnimetricError");
  assert.equal(err.code, code, err.message);
  for (const [k, v] of Object.entries(extra)) assert.equal(err[k], v, `${k} in ${err.message}`);
  return err;
}
