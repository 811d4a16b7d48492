// The Arrow entry behind the Worker API in headless Chromium: a page queries a real DuckDB-WASM
// (its browser bundle, in its own Worker) and moves the Arrow IPC result into
// the `UnimetricWorker` of `unimetric/arrow/worker` (pkg/arrow-worker.js, whose worker runs
// pkg/arrow-worker-thread.js), where `fromArrow` reads it.
// The summary is checked against values computed by hand; the page's buffer must be transferred
// (detached), errors must keep their code and column, a custom Arrow worker script adds a task
// with `expose`, and the default worker must not have the Arrow readers. DuckDB's files and the
// package are served from the page's own origin; any other request is refused and fails the test.
//
//   node --test tests/browser/arrow-worker.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { MAIN_PAGE, PKG, ROOT, bundleModule, runPage, serveStatic } from "../js/helpers.mjs";

const DUCKDB_DIST = path.join(ROOT, "node_modules", "@duckdb", "duckdb-wasm", "dist");

// Three customers (text ids), amounts as DECIMAL, times with hours; the window ends on the last
// purchase, Jan 11.
const SQL = `SELECT * FROM (VALUES
  ('a', TIMESTAMP '2024-01-01 09:00', 10.00), ('b', TIMESTAMP '2024-01-03 17:45', 7.50),
  ('a', TIMESTAMP '2024-01-05 12:00', 20.00), ('c', TIMESTAMP '2024-01-09 08:15', 5.00),
  ('a', TIMESTAMP '2024-01-11 23:30', 40.00)) t(customer, ordered_at, amount)`;
const MAPPING = { customerId: "customer", timestamp: "ordered_at", amount: "amount" };

// By hand, in days: a buys Jan 1, 5 and 11 → 2 repeat days, recency 11 − 1 = 10, T 10, mean
// repeat spend (20 + 40) / 2 = 30, 3 orders, revenue 70; b buys once on Jan 3 → T 11 − 3 = 8,
// revenue 7.5; c buys once on Jan 9 → T 2, revenue 5.
const EXPECTED = {
  customerId: ["a", "b", "c"],
  frequency: [2, 0, 0],
  recency: [10, 0, 0],
  T: [10, 8, 2],
  monetaryValue: [30, 0, 0],
  orders: [3, 1, 1],
  revenue: [70, 7.5, 5],
};

// A custom worker script for the Arrow entry: one task that composes library calls in the worker.
const CUSTOM_WORKER = `
import { expose } from "/pkg/arrow-worker-thread.js";
expose({
  repeatRevenue([ipc, mapping], { lib, progress }) {
    const s = lib.Transactions.fromArrow(ipc, mapping).summary({ period: "day" });
    progress({ stage: "summary", done: 1, total: 1 });
    const { customerId, frequency, monetaryValue } = s.toColumns();
    s.free();
    return customerId.map((id, i) => [id, frequency[i] * monetaryValue[i]]);
  },
});
`;

// Runs in the page; the values are checked in Node below.
const MAIN = `
import * as duckdb from "@duckdb/duckdb-wasm";
import { tableToIPC } from "apache-arrow";
import { UnimetricError, UnimetricWorker } from "/pkg/arrow-worker.js";
import { UnimetricWorker as PlainWorker } from "/pkg/worker.js";

const SQL = ${JSON.stringify(SQL)};
const MAPPING = ${JSON.stringify(MAPPING)};
const out = {};
const cols = (c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...v] : v]));
const failure = (e) => ({ name: e.name, code: e.code, column: e.column ?? null, row: e.row ?? null, isError: e instanceof Error, isUnimetricError: e instanceof UnimetricError });
try {
  const bundle = await duckdb.selectBundle({
    mvp: { mainModule: "/duckdb/duckdb-mvp.wasm", mainWorker: "/duckdb/duckdb-browser-mvp.worker.js" },
    eh: { mainModule: "/duckdb/duckdb-eh.wasm", mainWorker: "/duckdb/duckdb-browser-eh.worker.js" },
  });
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(bundle.mainWorker));
  await db.instantiate(bundle.mainModule);
  const conn = await db.connect();

  const um = new UnimetricWorker();
  // DuckDB-WASM's own IPC bytes, moved into the worker.
  const bytes = await conn.useUnsafe((bindings, id) => bindings.runQuery(id, SQL));
  out.ipcBytes = bytes.byteLength;
  const tx = await um.call("Transactions.fromArrow", [bytes, MAPPING], { transfer: [bytes.buffer] });
  out.detached = { view: bytes.byteLength, buffer: bytes.buffer.byteLength };
  out.type = tx.type;
  out.length = await tx.get("length");
  const summary = await tx.call("summary", [{ period: "day" }]);
  out.summary = cols(await summary.call("toColumns"));

  // The same result through apache-arrow: a Table, then tableToIPC (stream format).
  const table = await conn.query(SQL);
  const ipc = tableToIPC(table);
  const tx2 = await um.call("Transactions.fromArrow", [ipc, MAPPING], { transfer: [ipc.buffer] });
  out.fromTable = cols(await (await tx2.call("summary", [{ period: "day" }])).call("toColumns"));
  out.tableDetached = ipc.byteLength;

  // Errors keep their code and column through the worker; the worker stays usable.
  const again = await conn.useUnsafe((bindings, id) => bindings.runQuery(id, SQL));
  out.missing = await um.call("Transactions.fromArrow", [again, { ...MAPPING, customerId: "client" }]).then(() => null, failure);
  out.badType = await um.call("Transactions.fromArrow", [again, { ...MAPPING, amount: "customer" }]).then(() => null, failure);
  out.notArrow = await um.call("Transactions.fromArrow", [new TextEncoder().encode("customer,ordered_at,amount\\n"), MAPPING]).then(() => null, failure);
  out.afterErrors = await tx.get("customerCount");
  out.version = await um.version();
  um.terminate();

  // A custom Arrow worker script (url) with a task added by expose.
  const custom = new UnimetricWorker({ url: "/custom-arrow-worker.js" });
  const reports = [];
  out.custom = await custom.call("repeatRevenue", [again, MAPPING, { onProgress: (p) => reports.push(p) }]);
  out.customReports = reports;
  out.customFromArrow = (await (await custom.call("Transactions.fromArrow", [again, MAPPING])).get("customerCount"));
  custom.terminate();

  // The default worker serves the entry without the Arrow readers.
  const plain = new PlainWorker();
  out.plain = await plain.call("Transactions.fromArrow", [again, MAPPING]).then(() => null, failure);
  out.plainVersion = await plain.version();
  plain.terminate();

  await conn.close();
  await db.terminate();
  document.body.dataset.state = "ready";
} catch (e) {
  out.error = String((e && e.stack) || e);
  document.body.dataset.state = "error";
}
document.getElementById("out").textContent = JSON.stringify(out);
`;

test("DuckDB-WASM IPC bytes moved into the Arrow worker: fromArrow, summary, errors, expose", { timeout: 120_000 }, async () => {
  // DuckDB-WASM and apache-arrow are bundled into the page; the package is loaded from /pkg/ as
  // it ships, so the worker scripts are found next to the clients.
  const mainJs = await bundleModule(MAIN, { external: ["/pkg/*"] });
  const { server, base } = await serveStatic((p) => {
    if (p === "/") return { body: MAIN_PAGE, type: "text/html" };
    if (p === "/main.js") return { body: mainJs, type: "text/javascript" };
    if (p === "/custom-arrow-worker.js") return { body: CUSTOM_WORKER, type: "text/javascript" };
    if (p.startsWith("/pkg/") && !p.includes("..")) return path.join(PKG, p.slice("/pkg/".length));
    if (p.startsWith("/duckdb/") && !p.includes("..")) return path.join(DUCKDB_DIST, p.slice("/duckdb/".length));
    return null;
  });
  try {
    const { result, errors, badRequests } = await runPage(`${base}/`, { timeout: 90_000 });
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(errors, []);
    assert.deepEqual(badRequests, []);

    assert.equal(result.type, "Transactions");
    assert.equal(result.length, 5);
    assert.ok(result.ipcBytes > 0);
    // The page's bytes were moved, not copied: its view and buffer are detached.
    assert.deepEqual(result.detached, { view: 0, buffer: 0 });
    assert.equal(result.tableDetached, 0);
    const { customerId, frequency, recency, T, monetaryValue, orders, revenue } = result.summary;
    assert.deepEqual({ customerId, frequency, recency, T, monetaryValue, orders, revenue }, EXPECTED);
    assert.deepEqual(result.fromTable, result.summary);

    assert.deepEqual(result.missing, { name: "UnimetricError", code: "E_MISSING_COLUMN", column: "client", row: null, isError: true, isUnimetricError: true });
    assert.equal(result.badType.code, "E_BAD_TYPE");
    assert.equal(result.badType.isUnimetricError, true);
    assert.equal(result.notArrow.isUnimetricError, true);
    assert.equal(result.badType.column, "customer");
    assert.equal(result.notArrow.code, "E_ARROW");
    assert.equal(result.afterErrors, 3);
    assert.match(result.version, /^\d+\.\d+\.\d+/);

    // frequency × mean repeat spend = repeat revenue: a 2 × 30 (= 20 + 40), b and c none.
    assert.deepEqual(result.custom, [["a", 60], ["b", 0], ["c", 0]]);
    assert.deepEqual(result.customReports, [{ stage: "summary", done: 1, total: 1 }]);
    assert.equal(result.customFromArrow, 3);

    assert.equal(result.plain.code, "E_BAD_OPTION");
    assert.equal(result.plain.name, "UnimetricError");
    assert.equal(result.plain.isUnimetricError, true);
    assert.match(result.plainVersion, /^\d+\.\d+\.\d+/);
  } finally {
    server.close();
  }
});
