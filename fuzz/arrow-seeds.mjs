// Writes the seed corpus of the `arrow` fuzz target (fuzz/seeds/arrow/): small Arrow IPC streams
// and files made by the other writers unimetric reads from — apache-arrow (JS) and DuckDB-WASM —
// with dictionary-encoded text, timestamps, decimals, nulls, several record batches and nested
// columns. Columns in the order the target maps them: customer, time, amount, order, channel.
//   node fuzz/arrow-seeds.mjs
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { openDuckDB, ipc } from "../tests/js/duckdb.mjs";

const require = createRequire(import.meta.url);
const A = require("apache-arrow");
const out = new URL("./seeds/arrow/", import.meta.url);
const write = (name, bytes) => writeFileSync(new URL(name, out), bytes);

const DAY = 86_400_000;
const JAN1 = Date.UTC(2024, 0, 1);
const days = (...d) => d.map((x) => JAN1 + x * DAY);
const text = () => new A.Dictionary(new A.Utf8(), new A.Int32());
// Stream: two record batches, each with its own dictionary of customer ids (a replacement).
const batch = (k, ids) => new A.Table({
  c: A.vectorFromArray(ids, text()),
  ts: A.vectorFromArray(days(30 * k, 30 * k + 1, 30 * k + 9), new A.TimestampMillisecond()),
  a: A.vectorFromArray([10, 2.5, -1], new A.Float64()),
  o: A.vectorFromArray([3 * k, 3 * k + 1, 3 * k + 2], new A.Int32()),
  ch: A.vectorFromArray(["search", null, "email"], new A.Utf8()),
});
write("js_dictionary.stream.arrow", A.tableToIPC(batch(0, ["x", "y", "x"]).concat(batch(1, ["y", "z", "y"])), "stream"));
// File: the format allows one dictionary per column, so the two batches are slices of one.
const whole = new A.Table({
  c: A.vectorFromArray(["x", "y", "x", "x", "z", "y"], text()),
  ts: A.vectorFromArray(days(0, 1, 9, 30, 31, 39), new A.TimestampMicrosecond()),
  a: A.vectorFromArray([10, 2.5, -1, 4, 8, 16], new A.Float32()),
  o: A.vectorFromArray([0n, 1n, 2n, 3n, 4n, 5n], new A.Int64()),
  ch: A.vectorFromArray(["search", null, "email", "search", "tv", null], text()),
}).batches[0];
write("js_dictionary.file.arrow", A.tableToIPC(new A.Table([whole.slice(0, 3), whole.slice(3)]), "file"));

// Columns beside the mapped ones of the nested and less common types: a list, a struct, a
// dense union, fixed-size binary; large text ids.
const ints = A.makeData({ type: new A.Int32(), length: 2, data: new Int32Array([5, 6]) });
const union = new A.DenseUnion([0, 1], [new A.Field("i", new A.Int32()), new A.Field("s", new A.Utf8())]);
write("js_nested.stream.arrow", A.tableToIPC(new A.Table({
  c: A.vectorFromArray(["p", "q", "p"], new A.LargeUtf8()),
  ts: A.vectorFromArray(days(0, 0, 1), new A.TimestampMillisecond()),
  a: A.vectorFromArray([3, 4, 5], new A.Int32()),
  l: A.vectorFromArray([[1, 2], null, []], new A.List(new A.Field("item", new A.Int32(), true))),
  st: A.vectorFromArray([{ x: 1, y: true }, null, { x: 3, y: false }],
    new A.Struct([new A.Field("x", new A.Float64(), true), new A.Field("y", new A.Bool(), true)])),
  u: A.makeVector(A.makeData({
    type: union, length: 3, typeIds: new Int8Array([0, 1, 0]), valueOffsets: new Int32Array([0, 0, 1]),
    children: [ints, A.vectorFromArray(["u"], new A.Utf8()).data[0]],
  })),
  b: A.vectorFromArray([[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((x) => new Uint8Array(x)), new A.FixedSizeBinary(3)),
}), "stream"));

const duck = await openDuckDB();
const table = duck.sql(`SELECT c::ENUM('a', 'b') AS c, ts, a, o, ch FROM (VALUES
    ('b', TIMESTAMP '2024-01-01 10:00:00', 10.25::DECIMAL(10, 2), 1::BIGINT, 'search'),
    ('a', TIMESTAMP '2024-01-02 11:30:00', 20.00, 2, 'email'),
    ('b', TIMESTAMP '2024-01-09 09:15:00', -5.50, 3, NULL)) t(c, ts, a, o, ch)`);
write("duckdb.stream.arrow", ipc(table, "stream"));
write("duckdb.file.arrow", ipc(table, "file"));
duck.close();
