// `unimetric/arrow` in the page with a real DuckDB-WASM (its browser bundle, in a Worker): the
// page queries DuckDB and passes the Arrow IPC result to unimetric. DuckDB's wasm and worker
// files are served from the page's own origin; any other request is refused and fails the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { FIXTURES, MAIN_PAGE, PKG, ROOT, bundleModule, docBlock, documentedOutput, runPage, serveStatic } from "../js/helpers.mjs";

const DUCKDB_DIST = path.join(ROOT, "node_modules", "@duckdb", "duckdb-wasm", "dist");

// Runs in the page: the Arrow guide's DuckDB-WASM example, then further checks on its connection.
// Expected values are checked in Node below; what the example logs is recorded (each argument as
// JSON) to compare with the output its comments document.
const EXAMPLE = docBlock("docs/guide/arrow.md", "arrow-browser");
const README = EXAMPLE.split("\n");
const MAIN = `
${README.filter((l) => l.startsWith("import ")).join("\n")}

const out = { logs: [] };
console.log = (...args) => out.logs.push(args.map((a) => JSON.stringify(a)).join(" "));
const cols = (s) => Object.fromEntries(Object.entries(s.toColumns()).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...v] : v]));
try {
${README.filter((l) => !l.startsWith("import ")).join("\n")}
  out.readme = cols(s);
  out.readmeIPC = cols(s2);
  const csv = await (await fetch("/fixtures/cac_transactions.csv")).text();
  await db.registerFileText("tx.csv", csv);
  const table = await conn.query("SELECT * FROM read_csv('tx.csv')");
  const csvMapping = { customerId: "customer", timestamp: "date", amount: "amount", channel: "channel" };
  out.dateType = String(table.schema.fields.find((f) => f.name === "date").type);
  out.fromArrow = cols(Transactions.fromArrow(tableToIPC(table), csvMapping).summary({ period: "month" }));
  out.fromArrowFile = cols(Transactions.fromArrow(tableToIPC(table, "file"), csvMapping).summary({ period: "month" }));
  out.fromCsv = cols(Transactions.fromCsv(csv, csvMapping).summary({ period: "month" }));

  out.times = {};
  for (const type of ["TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP", "TIMESTAMP_NS", "DATE"]) {
    const t = await conn.query("SELECT 1 AS c, TIMESTAMP '2024-03-05 14:30:15.250'::" + type + " AS ts, 1.5::DOUBLE AS a");
    out.times[type] = Transactions.fromArrow(tableToIPC(t), { customerId: "c", timestamp: "ts", amount: "a" }).timeRange.first;
  }

  const dict = await conn.query("SELECT c::ENUM('a', 'b') AS c, ts, a FROM (VALUES ('b', DATE '2024-01-01', 10.0::DOUBLE), ('a', DATE '2024-01-02', 20.0), ('b', DATE '2024-01-03', 5.0)) t(c, ts, a)");
  out.dictType = String(dict.schema.fields[0].type);
  out.dict = cols(Transactions.fromArrow(tableToIPC(dict), { customerId: "c", timestamp: "ts", amount: "a" }).summary({}));

  const nulls = await conn.query("SELECT * FROM (VALUES (1, DATE '2024-01-01', 1.0::DOUBLE), (NULL, DATE '2024-01-02', 2.0)) t(c, ts, a)");
  try {
    Transactions.fromArrow(tableToIPC(nulls), { customerId: "c", timestamp: "ts", amount: "a" });
  } catch (e) {
    out.nullError = { name: e.name, code: e.code, column: e.column, row: e.row };
  }
  await conn.close();
  await db.terminate();
  document.body.dataset.state = "ready";
} catch (e) {
  out.error = String(e && e.stack || e);
  document.body.dataset.state = "error";
}
document.getElementById("out").textContent = JSON.stringify(out);
`;

test("DuckDB-WASM in Chromium: Arrow results through unimetric/arrow", async () => {
  // "unimetric/arrow" is the built package; DuckDB-WASM and apache-arrow come from node_modules.
  const mainJs = await bundleModule(MAIN, { alias: { "unimetric/arrow": path.join(PKG, "unimetric_arrow.js") } });
  const { server, base } = await serveStatic((p) => {
    if (p === "/") return { body: MAIN_PAGE, type: "text/html" };
    if (p === "/main.js") return { body: mainJs, type: "text/javascript" };
    if (p === "/unimetric_arrow_bg.wasm") return path.join(PKG, "unimetric_arrow_bg.wasm");
    if (p.startsWith("/duckdb/") && !p.includes("..")) return path.join(DUCKDB_DIST, p.slice("/duckdb/".length));
    if (p === "/fixtures/cac_transactions.csv") return path.join(FIXTURES, "cac_transactions.csv");
    return null;
  });
  try {
    const { result, errors, badRequests } = await runPage(`${base}/`, { timeout: 60_000 });
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(errors, []);
    assert.deepEqual(badRequests, []);
    // The guide's example: 1 buys Jan 1 and Jan 4, 2 buys Jan 2 (by hand).
    assert.deepEqual(result.readme.frequency, [1, 0]);
    // It logs what its comments say (spacing aside).
    const squeeze = (s) => s.replace(/\s+/g, "");
    assert.deepEqual(result.logs.map(squeeze), documentedOutput(EXAMPLE).map(squeeze));
    assert.deepEqual(result.readme.recency, [3, 0]);
    assert.deepEqual(result.readme.T, [3, 2]);
    assert.deepEqual(result.readme.revenue, [40, 20]);
    // DuckDB's own IPC bytes give the same summary as the Table through tableToIPC.
    assert.deepEqual(result.readmeIPC, result.readme);
    assert.equal(result.dateType, "Date32<DAY>");
    assert.deepEqual(result.fromArrow, result.fromCsv);
    assert.deepEqual(result.fromArrowFile, result.fromCsv);
    assert.ok(result.fromCsv.frequency.length > 0);
    // 2024-03-05T14:30:15.250Z = 1709649015250 ms (date -u -d … +%s%3N); seconds drop the .250.
    assert.deepEqual(result.times, {
      TIMESTAMP_S: 1709649015000, TIMESTAMP_MS: 1709649015250, TIMESTAMP: 1709649015250,
      TIMESTAMP_NS: 1709649015250, DATE: 1709596800000,
    });
    assert.match(result.dictType, /^Dictionary/);
    assert.deepEqual(result.dict.customerId, ["a", "b"]);
    assert.deepEqual(result.dict.frequency, [0, 1]);
    assert.deepEqual(result.dict.monetaryValue, [0, 5]);
    assert.deepEqual(result.nullError, { name: "UnimetricError", code: "E_MISSING_VALUE", column: "c", row: 2 });
  } finally {
    server.close();
  }
});
