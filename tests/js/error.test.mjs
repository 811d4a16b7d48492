// `UnimetricError` is a real class, exported by every entry of the built package (pkg/): errors
// thrown by the WebAssembly binding, by the glue's own argument checks and by the Arrow reader
// are instances of it, in Node ESM (`import`) and CommonJS (`require`). Every ESM entry exports the
// same class (pkg/error.js), every CommonJS entry the same CommonJS copy (pkg/error.cjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as esm from "../../pkg/node.js";
import * as arrowEsm from "../../pkg/arrow-node.js";
import * as browserGlue from "../../pkg/unimetric.js";
import * as worker from "../../pkg/worker.js";
import * as arrowWorker from "../../pkg/arrow-worker.js";
import { PKG } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const cjs = require(`${PKG}/node.cjs`);
const arrowCjs = require(`${PKG}/arrow-node.cjs`);

const MAPPING = { customerId: "customer", timestamp: "when", amount: "amount" };
// Row 3 (the header is row 1) has a date no reader accepts.
const BAD_DATE_CSV = "customer,when,amount\na,2024-01-01,1\nb,31/12/2024,2\n";

/** What `fn` throws. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

for (const [label, lib] of [["ESM (import)", esm], ["CommonJS (require)", cjs]]) {
  test(`${label}: a library error is an instance of the exported UnimetricError, with code, column and row`, () => {
    const { UnimetricError, Transactions } = lib;
    assert.equal(typeof UnimetricError, "function");
    const e = thrown(() => Transactions.fromCsv(BAD_DATE_CSV, MAPPING));
    assert.ok(e instanceof UnimetricError, `${e?.constructor?.name}: ${e?.message}`);
    assert.ok(e instanceof Error);
    assert.equal(e.constructor, UnimetricError);
    assert.equal(e.name, "UnimetricError");
    assert.equal(e.code, "E_BAD_DATE");
    assert.equal(e.column, "when");
    assert.equal(e.row, 3);
    assert.match(e.message, /when/);
    assert.match(String(e.stack), /^UnimetricError: /);
  });

  test(`${label}: the glue's own checks (a freed object, a wrong class) throw UnimetricError E_BAD_TYPE`, () => {
    const { UnimetricError, Transactions, segmentCustomers } = lib;
    const tx = Transactions.fromCsv("customer,when,amount\na,2024-01-01,1\n", MAPPING);
    tx.free();
    const freed = thrown(() => tx.length);
    assert.ok(freed instanceof UnimetricError, `${freed?.constructor?.name}: ${freed?.message}`);
    assert.equal(freed.code, "E_BAD_TYPE");
    assert.equal(freed.row, undefined);
    const live = Transactions.fromCsv("customer,when,amount\na,2024-01-01,1\n", MAPPING);
    // segmentCustomers takes a CustomerSummary.
    const wrongClass = thrown(() => segmentCustomers(live, {}));
    live.free();
    assert.ok(wrongClass instanceof UnimetricError, `${wrongClass?.constructor?.name}: ${wrongClass?.message}`);
    assert.equal(wrongClass.code, "E_BAD_TYPE");
    assert.match(wrongClass.message, /expected an instance of CustomerSummary, found Transactions/);
  });

  test(`${label}: new UnimetricError(message, { code, column, row, cause })`, () => {
    const { UnimetricError } = lib;
    const cause = new RangeError("inner");
    const e = new UnimetricError("column 'amount', row 4: bad", { code: "E_NEGATIVE", column: "amount", row: 4, cause });
    assert.ok(e instanceof UnimetricError && e instanceof Error);
    assert.deepEqual({ name: e.name, message: e.message, code: e.code, column: e.column, row: e.row, cause: e.cause },
      { name: "UnimetricError", message: "column 'amount', row 4: bad", code: "E_NEGATIVE", column: "amount", row: 4, cause });
    const bare = new UnimetricError("cancelled", { code: "E_CANCELLED" });
    assert.deepEqual(Object.keys(bare).sort(), ["code", "name"]);
    assert.equal("cause" in bare, false);
  });
}

test("the Arrow entry throws the same class, ESM and CommonJS", () => {
  const notArrow = new TextEncoder().encode("customer,when,amount\n");
  const e = thrown(() => arrowEsm.Transactions.fromArrow(notArrow, MAPPING));
  assert.equal(e.code, "E_ARROW");
  assert.ok(e instanceof arrowEsm.UnimetricError);
  assert.ok(e instanceof esm.UnimetricError);
  const c = thrown(() => arrowCjs.Transactions.fromArrow(notArrow, MAPPING));
  assert.equal(c.code, "E_ARROW");
  assert.ok(c instanceof arrowCjs.UnimetricError);
  assert.ok(c instanceof cjs.UnimetricError);
});

test("one class for every ESM entry, one for every CommonJS entry", () => {
  const { UnimetricError } = esm;
  for (const [name, mod] of [["unimetric.js", browserGlue], ["arrow-node.js", arrowEsm], ["worker.js", worker], ["arrow-worker.js", arrowWorker]]) {
    assert.equal(mod.UnimetricError, UnimetricError, name);
  }
  assert.equal(arrowCjs.UnimetricError, cjs.UnimetricError);
  // The documented limit: `import` and `require` load two copies of the package (two
  // WebAssembly instances, two error classes); the name and code identify an error across them.
  assert.notEqual(cjs.UnimetricError, UnimetricError);
  const fromCjs = thrown(() => cjs.Transactions.fromCsv(BAD_DATE_CSV, MAPPING));
  assert.equal(fromCjs instanceof UnimetricError, false);
  assert.equal(fromCjs.name, "UnimetricError");
  assert.equal(fromCjs.code, "E_BAD_DATE");
});
