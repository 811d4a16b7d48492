// Supply chain and security of the built package: its JavaScript evaluates no code from
// strings, and the library makes no network access. The only fetch in the glue is the
// documented one: `init()` with no argument fetches the `.wasm` file next to the module
// (browsers and bundlers); the Node entry reads it from disk instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { PKG } from "./helpers.mjs";

const jsFiles = readdirSync(PKG).filter((f) => f.endsWith(".js"));
const source = (f) => readFileSync(path.join(PKG, f), "utf8");
// Comments and string contents are not code: blank them before looking for calls.
const STRING = /`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g;
const code = (f) => source(f)
  .replace(/\/\*[\s\S]*?\*\//g, "")
  .replace(/^\s*\/\/.*$/gm, "")
  .replace(STRING, '""');

test("the package's JavaScript has no eval or Function constructor", () => {
  assert.deepEqual(jsFiles.sort(), ["arrow-node.js", "arrow-worker-thread.js", "arrow-worker.js", "cli.js", "error.js", "node.js", "unimetric.js", "unimetric_arrow.js", "worker-client.js", "worker-serve.js", "worker-thread.js", "worker.js"]);
  for (const f of jsFiles) {
    const c = code(f);
    assert.doesNotMatch(c, /\beval\s*\(/, `${f}: eval`);
    assert.doesNotMatch(c, /\bnew\s+Function\s*\(/, `${f}: new Function`);
    assert.doesNotMatch(c, /(^|[^.\w])Function\s*\(/, `${f}: Function(...)`);
    assert.doesNotMatch(c, /\bset(Timeout|Interval)\s*\(\s*["'`]/, `${f}: string timer`);
    assert.doesNotMatch(c, /\bimport\s*\(/, `${f}: dynamic import`);
  }
});

test("no network access: one documented fetch of the .wasm in init(), nothing else", () => {
  const glue = code("unimetric.js");
  const fetches = glue.match(/\bfetch\s*\(/g) ?? [];
  assert.equal(fetches.length, 1, "one fetch call");
  // It is the default-URL load in the async init: `new URL('unimetric_bg.wasm', import.meta.url)`.
  const raw = source("unimetric.js");
  const init = raw.slice(raw.indexOf("async function __wbg_init"));
  assert.match(init, /new URL\('unimetric_bg\.wasm', import\.meta\.url\)/);
  assert.match(init, /module_or_path = fetch\(module_or_path\)/);
  for (const f of jsFiles) {
    const c = code(f);
    for (const api of ["XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "importScripts", "RTCPeerConnection", "WebTransport"]) {
      assert.ok(!c.includes(api), `${f}: ${api}`);
    }
    assert.doesNotMatch(c, /from\s+["']node:(http|https|net|dgram|tls|child_process)["']/, `${f}: network module`);
  }
  assert.deepEqual(source("node.js").replace(/^\s*\/\/.*$/gm, "").match(/from\s+["'][^"']+["']/g), ['from "node:fs"', 'from "./unimetric.js"', 'from "./unimetric.js"']);
  // The worker scripts load their own entry's glue and the shared messaging, nothing else; the
  // clients load only the shared client (each names its own worker script); the glue files, the
  // clients and the messaging share the one error class, which loads nothing.
  const imports = (f) => source(f).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "").match(/\bfrom\s+["'][^"']+["']/g);
  assert.deepEqual(imports("unimetric.js"), ['from "./error.js"']);
  assert.deepEqual(imports("unimetric_arrow.js"), ['from "./error.js"']);
  assert.equal(imports("error.js"), null);
  assert.deepEqual(imports("worker-thread.js"), ['from "./unimetric.js"', 'from "./worker-serve.js"']);
  assert.deepEqual(imports("arrow-worker-thread.js"), ['from "./unimetric_arrow.js"', 'from "./worker-serve.js"']);
  assert.deepEqual(imports("worker-serve.js"), ['from "./error.js"']);
  assert.deepEqual(imports("worker.js"), ['from "./worker-client.js"', 'from "./error.js"']);
  assert.deepEqual(imports("arrow-worker.js"), ['from "./worker-client.js"', 'from "./error.js"']);
  assert.deepEqual(imports("worker-client.js"), ['from "./error.js"']);
});

test("the WebAssembly module imports only the binding's own glue functions", () => {
  const mod = new WebAssembly.Module(readFileSync(path.join(PKG, "unimetric_bg.wasm")));
  const imports = WebAssembly.Module.imports(mod);
  assert.ok(imports.length > 0);
  for (const i of imports) {
    assert.equal(i.module, "./unimetric_bg.js", `${i.module}.${i.name}`);
    assert.doesNotMatch(i.name, /fetch|xmlhttp|websocket|request|socket|import_?scripts/i, i.name);
  }
});

test("a whole workflow runs with every network API replaced by a tripwire", async () => {
  const calls = [];
  for (const api of ["fetch", "XMLHttpRequest", "WebSocket", "EventSource"]) {
    globalThis[api] = function tripwire() { calls.push(api); throw new Error(`network access: ${api}`); };
  }
  const U = await import("../../pkg/node.js");
  await U.default(); // init() after the Node entry's synchronous init: no fetch
  const tx = U.Transactions.fromCsv("c,d,a\na,2024-01-01,20\na,2024-01-15,35\nb,2024-01-10,12.5\n", { customerId: "c", timestamp: "d", amount: "a" });
  const s = tx.summary({ period: "day" });
  assert.deepEqual([...s.frequency], [1, 0]);
  U.rfmScores(s);
  U.kmeans(new Float64Array([1, 2, 10, 11]), 1, { k: 2 });
  U.glossary();
  assert.deepEqual(calls, []);
});
