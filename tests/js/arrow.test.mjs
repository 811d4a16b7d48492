// `unimetric/arrow` against a real DuckDB-WASM in Node: query results passed as Arrow IPC give
// the same tables as CSV of the same data, and every column type DuckDB produces is read with
// hand-computed values (dates with `date -u -d … +%s%3N`).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as plain from "../../pkg/node.js";
import { createRequire } from "node:module";
import {
  Transactions, Spend, CustomerSummary, FeatureMatrix, customerAttributesFromArrow, churnFeatures, errorCodes,
} from "../../pkg/arrow-node.js";
import { FIXTURES, throwsCode } from "./helpers.mjs";
import { openDuckDB, ipc } from "./duckdb.mjs";

/** 2024-03-05T14:30:15.250Z in epoch milliseconds. */
const T_MS = 1709649015250;
/** 2024-03-05T00:00:00Z in epoch milliseconds. */
const D_MS = 1709596800000;
const M = { customerId: "c", timestamp: "ts", amount: "a" };

let duck;
before(async () => { duck = await openDuckDB(); });

const columns = (s) => {
  const c = s.toColumns();
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...v] : v]));
};

test("the default entry has no fromArrow; the arrow entry has the whole API", () => {
  assert.equal(plain.Transactions.fromArrow, undefined);
  assert.equal(typeof Transactions.fromCsv, "function");
  assert.equal(typeof Transactions.fromArrow, "function");
});

test("a DuckDB result read from CSV gives the same summary as unimetric's own CSV reader", () => {
  const csv = readFileSync(path.join(FIXTURES, "cac_transactions.csv"), "utf8");
  duck.file("cac_tx.csv", csv);
  const table = duck.sql("SELECT * FROM read_csv('cac_tx.csv')");
  assert.equal(String(table.schema.fields.find((f) => f.name === "date").type), "Date32<DAY>");
  const mapping = { customerId: "customer", timestamp: "date", amount: "amount", channel: "channel" };
  const fromCsv = Transactions.fromCsv(csv, mapping);
  for (const format of ["stream", "file"]) {
    const fromArrow = Transactions.fromArrow(ipc(table, format), mapping);
    assert.equal(fromArrow.length, fromCsv.length);
    assert.deepEqual(fromArrow.channels, fromCsv.channels);
    for (const period of ["day", "month"]) {
      assert.deepEqual(columns(fromArrow.summary({ period })), columns(fromCsv.summary({ period })), period);
    }
    assert.deepEqual(fromArrow.kpis({}), fromCsv.kpis({}));
  }
});

test("50k generated transactions: DuckDB → Arrow and CSV give identical summaries", () => {
  // A fixed-seed generator writes CSV text; DuckDB parses that same text.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ["customer_id,ts,amount"];
  for (let i = 0; i < 50000; i++) {
    const day = Math.floor(rand() * 365);
    const ms = Date.UTC(2023, 0, 1) + day * 86400000 + Math.floor(rand() * 86400) * 1000;
    lines.push(`${1 + Math.floor(rand() * 3000)},${new Date(ms).toISOString()},${(rand() * 200 - 10).toFixed(2)}`);
  }
  const csv = lines.join("\n") + "\n";
  duck.file("gen.csv", csv);
  const table = duck.sql("SELECT customer_id, ts::TIMESTAMP AS ts, amount::DOUBLE AS amount FROM read_csv('gen.csv')");
  const mapping = { customerId: "customer_id", timestamp: "ts", amount: "amount" };
  const a = Transactions.fromArrow(ipc(table), mapping).summary({ period: "week" });
  const c = Transactions.fromCsv(csv, mapping).summary({ period: "week" });
  assert.ok(a.length > 1000, `${a.length} customers`);
  const ca = columns(a);
  const cc = columns(c);
  // Numeric ids from Arrow come back as a Uint32Array; CSV ids are text.
  assert.deepEqual(ca.customerId.map(String), cc.customerId);
  delete ca.customerId;
  delete cc.customerId;
  assert.deepEqual(ca, cc);
});

test("every DuckDB timestamp type and DATE read as the same instant", () => {
  const types = {
    TIMESTAMP_S: T_MS - 250, TIMESTAMP_MS: T_MS, TIMESTAMP: T_MS, TIMESTAMP_NS: T_MS, TIMESTAMPTZ: T_MS, DATE: D_MS,
  };
  for (const [type, want] of Object.entries(types)) {
    const src = type === "TIMESTAMPTZ" ? "TIMESTAMPTZ '2024-03-05 16:30:15.250+02'" : `TIMESTAMP '2024-03-05 14:30:15.250'::${type}`;
    const table = duck.sql(`SELECT 1 AS c, ${src} AS ts, 1.5::DOUBLE AS a`);
    const tx = Transactions.fromArrow(ipc(table), M);
    assert.deepEqual(tx.timeRange, { first: want, last: want }, `${type} (${table.schema.fields[1].type})`);
  }
});

test("DuckDB ENUM columns arrive dictionary-encoded and are read as text", () => {
  duck.sql("CREATE TYPE IF NOT EXISTS chan AS ENUM ('search', 'email', 'social')");
  const table = duck.sql(`SELECT c::ENUM('a', 'b') AS c, ts, a, ch::chan AS ch FROM (VALUES
      ('b', DATE '2024-01-01', 10.0::DOUBLE, 'search'),
      ('a', DATE '2024-01-02', 20.0, 'email'),
      ('b', DATE '2024-01-03', 5.0, NULL)) t(c, ts, a, ch)`);
  assert.match(String(table.schema.fields[3].type), /^Dictionary/);
  assert.match(String(table.schema.fields[0].type), /^Dictionary/);
  const tx = Transactions.fromArrow(ipc(table), { ...M, channel: "ch" });
  assert.equal(tx.customerCount, 2);
  assert.deepEqual(tx.channels, ["search", "email"]);
  const s = tx.summary({});
  // Natural order a, b; b bought on Jan 1 (10, search) and Jan 3 (5): one repeat of 5, recency 2 days.
  assert.deepEqual(s.customerId, ["a", "b"]);
  assert.deepEqual([...s.frequency], [0, 1]);
  assert.deepEqual([...s.recency], [0, 2]);
  assert.deepEqual([...s.monetaryValue], [0, 5]);
  assert.deepEqual([...s.revenue], [20, 15]);
  assert.deepEqual(s.acquisitionChannel, ["email", "search"]);
});

test("DECIMAL and integer amounts, BIGINT and text ids", () => {
  const table = duck.sql(`SELECT * FROM (VALUES
      (5000000000::BIGINT, DATE '2024-01-01', 12.34::DECIMAL(10, 2), 7::INTEGER),
      (3, DATE '2024-01-01', -0.5, 8)) t(c, ts, a, n)`);
  // Customer 3 has only a refund, so it has no purchase period and is excluded.
  const s = Transactions.fromArrow(ipc(table), M).summary({});
  assert.deepEqual(s.customerId, ["5000000000"]);
  assert.deepEqual([...s.revenue], [12.34]);
  assert.equal(s.excludedCustomers, 1);
  // 5e9 does not fit a u32: ids are compared as text, in natural order.
  const n = Transactions.fromArrow(ipc(table), { ...M, amount: "n" }).summary({});
  assert.deepEqual(n.customerId, ["3", "5000000000"]);
  assert.deepEqual([...n.revenue], [8, 7]);
});

test("nulls, wrong types and bad bytes are coded errors with column and row", () => {
  const withNull = duck.sql(`SELECT * FROM (VALUES (1, DATE '2024-01-01', 1.0::DOUBLE), (2, NULL, 2.0), (NULL, DATE '2024-01-01', 3.0)) t(c, ts, a)`);
  throwsCode(() => Transactions.fromArrow(ipc(withNull), M), "E_MISSING_VALUE", { column: "c", row: 3 });
  throwsCode(() => Transactions.fromArrow(ipc(withNull), { ...M, customerId: "a" }), "E_BAD_TYPE", { column: "a" });
  const nullTs = duck.sql(`SELECT * FROM (VALUES (1, DATE '2024-01-01', 1.0::DOUBLE), (2, NULL, 2.0)) t(c, ts, a)`);
  throwsCode(() => Transactions.fromArrow(ipc(nullTs), M), "E_MISSING_VALUE", { column: "ts", row: 2 });
  const nan = duck.sql(`SELECT 1 AS c, DATE '2024-01-01' AS ts, 'NaN'::DOUBLE AS a`);
  throwsCode(() => Transactions.fromArrow(ipc(nan), M), "E_NON_FINITE", { column: "a", row: 1 });
  throwsCode(() => Transactions.fromArrow(ipc(nan), { ...M, amount: "revenue" }), "E_MISSING_COLUMN", { column: "revenue" });
  throwsCode(() => Transactions.fromArrow(new TextEncoder().encode("c,ts,a\n1,2024-01-01,3\n"), M), "E_ARROW");
  throwsCode(() => Transactions.fromArrow("not bytes", M), "E_BAD_TYPE");
  // An ArrayBuffer works like a Uint8Array.
  const bytes = ipc(duck.sql(`SELECT 1 AS c, DATE '2024-01-01' AS ts, 2.5::DOUBLE AS a`));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  assert.equal(Transactions.fromArrow(buf, M).length, 1);
});

test("Spend.fromArrow equals Spend.fromCsv; CustomerSummary.fromArrow equals fromColumns", () => {
  const csv = readFileSync(path.join(FIXTURES, "cac_spend.csv"), "utf8");
  duck.file("spend.csv", csv);
  const table = duck.sql("SELECT * FROM read_csv('spend.csv')");
  const mapping = { date: "month", channel: "channel", amount: "amount", channelType: "type" };
  const a = Spend.fromArrow(ipc(table), mapping);
  const c = Spend.fromCsv(csv, mapping);
  // 120 + 90 + 30 + 60 + 45 + 50 + 20
  assert.equal(a.total, 415);
  assert.equal(c.total, 415);
  assert.deepEqual(a.channels, c.channels);
  assert.equal(a.length, 7);

  const summary = duck.sql(`SELECT * FROM (VALUES (1::UINTEGER, 2, 30.0::DOUBLE, 40.0::DOUBLE, 12.5::DOUBLE), (2, 0, 0, 10, 0))
      t(customer_id, frequency, recency, "T", avg_spend)`);
  const s = CustomerSummary.fromArrow(ipc(summary), { customerId: "customer_id", monetaryValue: "avg_spend" }, { period: "day" });
  assert.deepEqual([...s.customerId], [1, 2]);
  assert.deepEqual([...s.frequency], [2, 0]);
  assert.deepEqual([...s.recency], [30, 0]);
  assert.deepEqual([...s.T], [40, 10]);
  assert.deepEqual([...s.monetaryValue], [12.5, 0]);
  throwsCode(() => CustomerSummary.fromArrow(ipc(summary), undefined, {}), "E_MISSING_COLUMN", { column: "customerId" });
});

test("every single-byte corruption of DuckDB and apache-arrow IPC bytes is an UnimetricError, never a trap", () => {
  const A = createRequire(import.meta.url)("apache-arrow");
  // The ENUM table above: a on Jan 2 (20, email); b on Jan 1 (10, search) and Jan 3 (5, no channel).
  const duckTable = duck.sql(`SELECT c::ENUM('a', 'b') AS c, ts, a, ch FROM (VALUES
      ('b', DATE '2024-01-01', 10.0::DOUBLE, 'search'),
      ('a', DATE '2024-01-02', 20.0, 'email'),
      ('b', DATE '2024-01-03', 5.0, NULL)) t(c, ts, a, ch)`);
  // apache-arrow's own writer: dictionary ids, millisecond timestamps, a null channel, two batches.
  const part = (ids, days) => new A.Table({
    c: A.vectorFromArray(ids, new A.Dictionary(new A.Utf8(), new A.Int32())),
    ts: A.vectorFromArray(days.map((d) => D_MS + d * 86400000), new A.TimestampMillisecond()),
    a: A.vectorFromArray([10, 2.5], new A.Float64()),
    ch: A.vectorFromArray(["search", null], new A.Utf8()),
  });
  const jsTable = part(["x", "y"], [0, 1]).concat(part(["y", "x"], [9, 30]));
  const inputs = {
    "DuckDB stream": ipc(duckTable), "DuckDB file": ipc(duckTable, "file"), "apache-arrow stream": A.tableToIPC(jsTable, "stream"),
  };
  const mapping = { ...M, channel: "ch" };
  const codes = new Set(errorCodes());
  const failures = [];
  let tested = 0;
  let rejected = 0;
  for (const [name, bytes] of Object.entries(inputs)) {
    for (let at = 0; at < bytes.length; at++) {
      for (const value of new Set([bytes[at] ^ 0xff, 0x00, 0x7f, 0x80])) {
        if (value === bytes[at]) continue;
        const data = bytes.slice();
        data[at] = value;
        const copy = data.slice();
        tested++;
        try {
          const tx = Transactions.fromArrow(data, mapping);
          tx.summary({}).free();
          tx.free();
        } catch (e) {
          rejected++;
          if (e?.name !== "UnimetricError" || !codes.has(e.code)) failures.push(`${name} byte ${at} → ${value}: ${e?.name} ${e?.message}`);
        }
        if (Buffer.compare(data, copy) !== 0) failures.push(`${name} byte ${at} → ${value}: the input was modified`);
      }
    }
  }
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${tested}`);
  assert.ok(tested > 8000 && rejected > tested / 2, `${tested} corruptions, ${rejected} rejected`);
  if (process.env.UNIMETRIC_ARROW_REPORT) console.log(JSON.stringify({ tested, rejected }));
  // The instance still works: the hand-counted summary of the DuckDB table.
  const s = Transactions.fromArrow(inputs["DuckDB stream"], mapping).summary({});
  assert.deepEqual(s.customerId, ["a", "b"]);
  assert.deepEqual([...s.frequency], [0, 1]);
  assert.deepEqual([...s.revenue], [20, 15]);
});

test("FeatureMatrix.fromArrow reads DuckDB DOUBLE, INTEGER and DECIMAL columns in the order named", () => {
  const table = duck.sql(`SELECT * FROM (VALUES
      ('a', 1.0::DOUBLE, 2::INTEGER, 3.5::DECIMAL(6, 2)),
      ('b', 1.2, 2, 4.0),
      ('c', 50.0, 9, 100.25)) t(id, x, n, d)`);
  const m = FeatureMatrix.fromArrow(ipc(table), ["x", "n", "d"]);
  assert.deepEqual([m.length, m.nCols], [3, 3]);
  // k = 2 from the first and last rows: {a, b} and {c}. By hand: centroids (1.1, 2, 3.75) and
  // (50, 9, 100.25); inertia 2 × (0.1² + 0.25²) = 0.145. Clusters are numbered by descending
  // first feature, so {c} is cluster 0.
  const init = new Float64Array([1, 2, 3.5, 50, 9, 100.25]);
  const r = m.kmeans({ k: 2, init });
  assert.deepEqual([...r.labels], [1, 1, 0]);
  [50, 9, 100.25, 1.1, 2, 3.75].forEach((v, i) => assert.ok(Math.abs(r.centroids[i] - v) < 1e-12, `${i}: ${r.centroids[i]}`));
  assert.ok(Math.abs(r.inertia - 0.145) < 1e-12, String(r.inertia));
  // The same rows typed in by hand, as the row-major constructor takes them.
  const typed = new FeatureMatrix(new Float64Array([1, 2, 3.5, 1.2, 2, 4, 50, 9, 100.25]), 3).kmeans({ k: 2, init });
  assert.deepEqual(r, typed);
  // Another order of the columns is another matrix: d first.
  assert.deepEqual([...FeatureMatrix.fromArrow(ipc(table, "file"), ["d", "x"]).kmeans({ k: 1 }).centroids].map((v) => +v.toFixed(10)),
    [(3.5 + 4 + 100.25) / 3, (1 + 1.2 + 50) / 3].map((v) => +v.toFixed(10)));

  const withNull = duck.sql(`SELECT * FROM (VALUES (1.0::DOUBLE, 2), (NULL, 3)) t(x, n)`);
  throwsCode(() => FeatureMatrix.fromArrow(ipc(withNull), ["n", "x"]), "E_MISSING_VALUE", { column: "x", row: 2 });
  throwsCode(() => FeatureMatrix.fromArrow(ipc(table), ["x", "id"]), "E_BAD_TYPE", { column: "id" });
  throwsCode(() => FeatureMatrix.fromArrow(ipc(table), ["x", "y"]), "E_MISSING_COLUMN", { column: "y" });
  const inf = duck.sql(`SELECT 'Infinity'::DOUBLE AS x`);
  throwsCode(() => FeatureMatrix.fromArrow(ipc(inf), ["x"]), "E_NON_FINITE", { column: "x", row: 1 });
});

test("customerAttributesFromArrow: a DuckDB CRM table gives the same churn features as the object form", () => {
  const crm = duck.sql(`SELECT * FROM (VALUES
      (1, 3::INTEGER, 'pro'::ENUM('basic', 'pro', 'team')), (2, 1, 'basic'), (3, 1, 'basic'), (4, 5, 'team'))
      t(id, seats, plan)`);
  const a = customerAttributesFromArrow(ipc(crm), { customerId: "id", numeric: ["seats"], categorical: ["plan"] });
  assert.deepEqual(a.customerId, ["1", "2", "3", "4"]);
  assert.deepEqual([...a.numeric.seats], [3, 1, 1, 5]);
  assert.ok(a.numeric.seats instanceof Float64Array);
  assert.deepEqual(a.categorical.plan, ["pro", "basic", "basic", "team"]);
  // The README churn example's transactions with numeric ids.
  const csv = "c,d,a\n1,2024-01-01,10\n1,2024-02-01,20\n1,2024-03-02,30\n1,2024-06-10,40\n2,2024-03-01,7\n" +
    "3,2024-01-10,5\n3,2024-03-20,8\n4,2024-02-14,12\n4,2024-03-28,9\n4,2024-05-01,3\n";
  const tx = Transactions.fromCsv(csv, { customerId: "c", timestamp: "d", amount: "a" });
  const opts = { cutoff: "2024-03-31", horizonDays: 90 };
  const fromArrow = churnFeatures(tx, { ...opts, attributes: a });
  const byHand = churnFeatures(tx, { ...opts, attributes: { customerId: ["1", "2", "3", "4"], numeric: { seats: [3, 1, 1, 5] }, categorical: { plan: ["pro", "basic", "basic", "team"] } } });
  assert.deepEqual(fromArrow, byHand);
  assert.equal(fromArrow.names.at(-1), "seats");
  // seats is the last column: 3, 1, 1, 5 in customer order.
  const d = fromArrow.nCols;
  assert.deepEqual([0, 1, 2, 3].map((i) => fromArrow.values[i * d + d - 1]), [3, 1, 1, 5]);

  const nullPlan = duck.sql(`SELECT * FROM (VALUES (1, 'pro'), (2, NULL)) t(id, plan)`);
  throwsCode(() => customerAttributesFromArrow(ipc(nullPlan), { customerId: "id", categorical: ["plan"] }), "E_MISSING_VALUE", { column: "plan", row: 2 });
  const twice = duck.sql(`SELECT * FROM (VALUES (1, 2.0::DOUBLE), (1, 3.0)) t(id, seats)`);
  throwsCode(() => customerAttributesFromArrow(ipc(twice), { customerId: "id", numeric: ["seats"] }), "E_OUT_OF_RANGE", { column: "id", row: 2 });
  throwsCode(() => customerAttributesFromArrow(ipc(crm), { customerId: "id", numeric: ["plan"] }), "E_BAD_TYPE", { column: "plan" });
  throwsCode(() => customerAttributesFromArrow(ipc(crm), { customerId: "id", categorical: ["seats"] }), "E_BAD_TYPE", { column: "seats" });
});

// Text dates in an Arrow utf8 column follow the mapping's dateFormat, as CSV does. Hand count:
// 12/1/2010 8:26 month first = Date.UTC(2010, 11, 1, 8, 26); 12/23/2010 is 22 days later.
test("utf8 slash dates read with the mapping's dateFormat", () => {
  const A = createRequire(import.meta.url)("apache-arrow");
  const table = A.tableFromArrays({
    c: ["17850", "17850"],
    ts: ["12/1/2010 8:26", "12/23/2010 9:01"],
    a: new Float64Array([15.3, 4.7]),
  });
  const bytes = A.tableToIPC(table, "stream");
  throwsCode(() => Transactions.fromArrow(bytes, M), "E_BAD_DATE", { column: "ts", row: 1 });
  const tx = Transactions.fromArrow(bytes, { ...M, dateFormat: "MM/DD/YYYY" });
  const s = tx.summary();
  assert.deepEqual([[...s.firstPurchase], [...s.recency]], [[Date.UTC(2010, 11, 1, 8, 26)], [22]]);
  s.free(); tx.free();
});
