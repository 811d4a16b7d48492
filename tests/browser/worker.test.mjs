// The package's Worker API (pkg/worker.js, `unimetric/worker`) in headless Chromium, on a blank
// page served with the dashboard's Content-Security-Policy. Every value is compared with the
// same computation in Node; cancellation and a worker that dies mid-fit must reject with
// E_CANCELLED and leave the client usable. Every rejection is an instance of the package's one
// UnimetricError class, the class the main entry throws in the page too.
//
//   node --test tests/browser/worker.test.mjs

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Transactions, chooseK, chooseKCustomers } from "../../pkg/node.js";
import { CSP } from "../../www/serve.mjs";
import { openDashboard } from "./harness.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CSV = readFileSync(`${root}www/data/transactions.csv`);
const MAPPING = { customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel" };

/** Row-major features for a slow chooseK: `n` rows of 3 columns from a fixed recurrence. */
function features(n) {
  const x = new Float64Array(n * 3);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = (s / 2147483648) * 100 + (i % 3) * 10 * ((i / 3) % 4);
  }
  return x;
}

describe("Worker API", { timeout: 120_000 }, () => {
  let base;
  let page;
  let close;
  let tx;
  const consoleErrors = [];
  const badRequests = [];

  before(async () => {
    tx = Transactions.fromCsv(CSV, MAPPING);
    ({ base, page, close } = await openDashboard({ consoleErrors, badRequests }));
    // A blank page of the server's origin with its Content-Security-Policy.
    await page.route(`${base}/worker-api-test`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", headers: { "Content-Security-Policy": CSP }, body: "<!doctype html><title>Worker API</title>" }),
    );
    await page.goto(`${base}/worker-api-test`);
    await page.evaluate(async () => {
      const { UnimetricWorker, UnimetricError } = await import("/pkg/worker.js");
      window.um = new UnimetricWorker();
      window.UnimetricError = UnimetricError;
    });
  });

  after(async () => {
    await close?.();
    tx?.free();
  });

  it("loads a CSV into a worker-side Transactions and reads it through its handle", async () => {
    const got = await page.evaluate(async (mapping) => {
      const bytes = new Uint8Array(await (await fetch("/data/transactions.csv")).arrayBuffer());
      const copy = bytes.slice();
      // Without `transfer` the caller's array is copied and left as it was.
      const kept = await um.call("Transactions.fromCsv", [bytes, mapping]);
      const unchanged = bytes.length === copy.length && bytes.every((b, i) => b === copy[i]);
      // With `transfer` it moves to the worker (no copy on the way): detached here.
      const moved = await um.call("Transactions.fromCsv", [copy, mapping], { transfer: [copy.buffer] });
      const result = {
        type: kept.type,
        unchanged,
        detached: copy.byteLength,
        length: await kept.get("length"),
        movedLength: await moved.get("length"),
        customers: await kept.get("customerCount"),
        kpis: await kept.call("kpis", [{ period: "week" }]),
        version: await um.version(),
      };
      await moved.free();
      window.tx = kept;
      return result;
    }, MAPPING);
    assert.equal(got.type, "Transactions");
    assert.equal(got.unchanged, true);
    assert.equal(got.detached, 0);
    assert.equal(got.length, tx.length);
    assert.equal(got.movedLength, tx.length);
    assert.equal(got.customers, tx.customerCount);
    assert.deepEqual(got.kpis, tx.kpis({ period: "week" }));
    assert.match(got.version, /^\d+\.\d+\.\d+/);
  });

  it("passes library errors through with their code, row and column", async () => {
    const err = await page.evaluate(async (mapping) => {
      const csv = "order_id,customer_id,order_date,amount,channel\nA1,C1,2024-01-02,10,email\nA2,C2,2024-13-45,5,email\n";
      try {
        await um.call("Transactions.fromCsv", [csv, mapping]);
        return null;
      } catch (e) {
        return { name: e.name, code: e.code, row: e.row, column: e.column, isError: e instanceof Error, isUnimetricError: e instanceof UnimetricError };
      }
    }, MAPPING);
    assert.deepEqual(err, { name: "UnimetricError", code: "E_BAD_DATE", row: 3, column: "order_date", isError: true, isUnimetricError: true });

    // An error of the worker's own (no such function) is one too.
    const unknown = await page.evaluate(() => um.call("noSuchFunction").catch((e) => ({ code: e.code, isUnimetricError: e instanceof UnimetricError })));
    assert.deepEqual(unknown, { code: "E_BAD_OPTION", isUnimetricError: true });
  });

  it("the main entry in the page throws the same UnimetricError class", async () => {
    const got = await page.evaluate(async () => {
      const lib = await import("/pkg/unimetric.js");
      await lib.default();
      try {
        lib.Transactions.fromCsv("customer,when,amount\na,2024-01-01,1\nb,31/12/2024,2\n", { customerId: "customer", timestamp: "when", amount: "amount" });
        return null;
      } catch (e) {
        return { code: e.code, row: e.row, isUnimetricError: e instanceof lib.UnimetricError, sameClass: lib.UnimetricError === UnimetricError };
      }
    });
    assert.deepEqual(got, { code: "E_BAD_DATE", row: 3, isUnimetricError: true, sameClass: true });
  });

  it("reports progress of a long fit and returns the same result as Node", async () => {
    const summary = tx.summary({ period: "day" });
    const expected = chooseKCustomers(summary, { kMin: 2, kMax: 5, nInit: 2, seed: 7 });
    summary.free();
    const got = await page.evaluate(async () => {
      const summary = await tx.call("summary", [{ period: "day" }]);
      const reports = [];
      const result = await um.call("chooseKCustomers", [summary, { kMin: 2, kMax: 5, nInit: 2, seed: 7, onProgress: (p) => reports.push(p) }]);
      await summary.free();
      return { result, reports };
    });
    assert.deepEqual(got.result, expected);
    // 4 values of k × 2 runs: reported before each run and at the end.
    assert.deepEqual(got.reports, Array.from({ length: 9 }, (_, done) => ({ stage: "chooseK", done, total: 8 })));
  });

  it("cancels a running fit with an AbortSignal and stays usable", async () => {
    const got = await page.evaluate(async (x) => {
      const controller = new AbortController();
      let reports = 0;
      const started = performance.now();
      const error = await um
        .call("chooseK", [new Float64Array(x), 3, { kMin: 2, kMax: 20, nInit: 10, sampleSize: 20000, onProgress: () => {
          reports++;
          if (reports === 2) controller.abort();
        } }], { signal: controller.signal })
        .then(() => null, (e) => ({ name: e.name, code: e.code, reason: e.reason, message: e.message, isUnimetricError: e instanceof UnimetricError }));
      const elapsed = performance.now() - started;
      // Objects of the terminated worker are gone; new calls start a fresh worker.
      const lost = await tx.get("length").then(() => null, (e) => e.code);
      const afterwards = await um.call("kmeans", [new Float64Array([0, 0, 10, 10]), 1, { k: 2 }]);
      return { error, reports, elapsed, lost, labels: Array.from(afterwards.labels), busy: um.busy };
    }, Array.from(features(20_000)));
    assert.equal(got.error?.code, "E_CANCELLED", JSON.stringify(got.error));
    assert.equal(got.error.name, "UnimetricError");
    assert.equal(got.error.reason, "cancelled");
    assert.equal(got.error.isUnimetricError, true);
    assert.equal(got.reports, 2, "no report arrives after the cancel");
    assert.equal(got.lost, "E_CANCELLED");
    assert.equal(new Set(got.labels).size, 2);
    assert.equal(got.busy, 0);

    // The fit that was cancelled really is long: the same in Node takes longer than the cancel did.
    const x = features(20_000);
    const t0 = performance.now();
    chooseK(x, 3, { kMin: 2, kMax: 4, nInit: 10, sampleSize: 20000 });
    const partial = performance.now() - t0;
    assert.ok(got.elapsed < partial * 6, `cancel took ${got.elapsed} ms; three k of the fit take ${partial} ms in Node`);
  });

  it("replaces a worker that throws an uncaught error: its objects are gone, new calls work", async () => {
    const bytes = Array.from(CSV);
    await page.evaluate(async ({ bytes, mapping }) => {
      window.tx = await um.call("Transactions.fromCsv", [new Uint8Array(bytes), mapping]);
    }, { bytes, mapping: MAPPING });
    assert.equal(page.workers().length, 1, "only the live worker");
    // A real uncaught error inside the worker (reported to the page as an error event).
    await page.workers()[0].evaluate(() => {
      setTimeout(() => {
        throw new Error("injected fault");
      });
    });
    await page.waitForFunction(() => um.generation > 0 && um.worker === null);
    const got = await page.evaluate(async () => ({
      lost: await tx.get("length").then(() => null, (e) => ({ code: e.code, message: e.message })),
      version: await um.version(),
    }));
    assert.equal(got.lost?.code, "E_CANCELLED");
    assert.match(got.version, /^\d+\.\d+\.\d+/);
    assert.match(got.lost.message, /lost when its worker was cancelled or failed/);
  });

  it("rejects the calls in flight when the worker dies mid-fit", async () => {
    // The worker is busy in a long fit when the browser reports it dead (the error event a
    // crashed worker delivers); the client must not wait for an answer that will never come.
    const got = await page.evaluate(async (x) => {
      let reports = 0;
      const call = um.call("chooseK", [new Float64Array(x), 3, { kMin: 2, kMax: 20, nInit: 10, sampleSize: 20000, onProgress: () => {
        reports++;
        if (reports === 1) um.worker.dispatchEvent(new ErrorEvent("error", { message: "worker crashed" }));
      } }]);
      const queued = um.call("version");
      const errors = await Promise.all([call, queued].map((p) => p.then(() => null, (e) => ({ code: e.code, reason: e.reason, message: e.message, isUnimetricError: e instanceof UnimetricError }))));
      return { errors, reports, version: await um.version() };
    }, Array.from(features(20_000)));
    assert.equal(got.reports, 1);
    for (const error of got.errors) {
      assert.equal(error?.code, "E_CANCELLED", JSON.stringify(error));
      assert.equal(error.reason, "failed");
      assert.equal(error.isUnimetricError, true);
      assert.match(error.message, /worker crashed/);
    }
    assert.match(got.version, /^\d+\.\d+\.\d+/);
  });

  it("made no failed or off-origin requests and logged no other errors", () => {
    assert.deepEqual(badRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
