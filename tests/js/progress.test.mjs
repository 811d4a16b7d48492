// The `onProgress` option of the long fits and `Transactions.fromCsvSkippingBadRows`, in the
// built package under Node. Expected step counts follow from the options (nInit runs, k values ×
// runs, optimiser starts); the rows kept must equal a strict read of the file without the bad ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Transactions,
  chooseKCustomers,
  fitBgNbd,
  fitGammaGamma,
  segmentCustomers,
} from "../../pkg/node.js";

const MAPPING = { customerId: "c", timestamp: "d", amount: "a" };
/** 12 customers, most with repeat purchases at different gaps and amounts. */
function csv() {
  const lines = ["c,d,a"];
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j <= i % 4; j++) {
      const day = String(1 + ((i * 7 + j * 9) % 27)).padStart(2, "0");
      lines.push(`u${i},2024-0${1 + j}-${day},${10 + i + j * 3}`);
    }
  }
  return lines.join("\n");
}

const codeOf = (fn) => {
  try {
    fn();
  } catch (e) {
    return { code: e.code, message: e.message, column: e.column };
  }
  return null;
};

test("segmentCustomers and chooseKCustomers report each run and give the same result", () => {
  const tx = Transactions.fromCsv(csv(), MAPPING);
  const s = tx.summary({ period: "day" });
  const steps = [];
  const withHook = segmentCustomers(s, { k: 3, nInit: 4, onProgress: (p) => void steps.push(p) });
  const plain = segmentCustomers(s, { k: 3, nInit: 4 });
  assert.deepEqual(Array.from(withHook.labels), Array.from(plain.labels));
  assert.deepEqual(steps, [0, 1, 2, 3, 4].map((done) => ({ stage: "kmeans", done, total: 4 })));

  const reports = [];
  const chosen = chooseKCustomers(s, { kMin: 2, kMax: 4, nInit: 2, onProgress: (p) => void reports.push(p.done) });
  assert.deepEqual(chosen, chooseKCustomers(s, { kMin: 2, kMax: 4, nInit: 2 }));
  assert.deepEqual(reports, [0, 1, 2, 3, 4, 5, 6]); // 3 values of k × 2 runs
  withHook.model.free();
  plain.model.free();
  s.free();
  tx.free();
});

test("returning false or throwing stops the fit with E_CANCELLED; a non-function is E_BAD_OPTION", () => {
  const tx = Transactions.fromCsv(csv(), MAPPING);
  const s = tx.summary({ period: "day" });
  let calls = 0;
  const stopped = codeOf(() => segmentCustomers(s, { k: 3, nInit: 5, onProgress: (p) => (calls++, p.done < 2) }));
  assert.equal(stopped.code, "E_CANCELLED");
  assert.match(stopped.message, /onProgress returned false/);
  assert.equal(calls, 3);
  const threw = codeOf(() => chooseKCustomers(s, { onProgress: () => {
    throw new Error("user stop");
  } }));
  assert.equal(threw.code, "E_CANCELLED");
  assert.match(threw.message, /user stop/);
  assert.deepEqual(codeOf(() => segmentCustomers(s, { onProgress: 1 })).code, "E_BAD_OPTION");
  // The summary still works after a cancelled fit.
  assert.equal(segmentCustomers(s, { k: 2 }).labels.length, s.customerId.length);

  const ws = tx.summary({ period: "week" });
  const bg = [];
  const gg = [];
  fitBgNbd(ws, { starts: 2, onProgress: (p) => void bg.push(`${p.stage} ${p.done}/${p.total}`) }).free();
  fitGammaGamma(ws, { starts: 2, onProgress: (p) => void gg.push(`${p.stage} ${p.done}/${p.total}`) }).free();
  assert.deepEqual(bg, ["bgnbd 0/2", "bgnbd 1/2", "bgnbd 2/2"]);
  assert.deepEqual(gg, ["gammaGamma 0/2", "gammaGamma 1/2", "gammaGamma 2/2"]);
  // Fits without progress keep rejecting the key.
  assert.equal(codeOf(() => segmentCustomers(s, { onProgres: () => {} })).code, "E_UNKNOWN_OPTION");
  ws.free();
  s.free();
  tx.free();
});

test("fromCsvSkippingBadRows leaves out bad rows, reports them and keeps the rest", () => {
  const lines = ["c,d,a", "a,2024-01-01,10", "b,01/02/2024,5", "c,2024-01-03", "a,2024-01-09,2.5", "d,2024-01-04,1e999"];
  const report = Transactions.fromCsvSkippingBadRows(lines.join("\n"), MAPPING, { maxReported: 10 });
  assert.deepEqual(
    report.rejected.map(({ code, row, column }) => ({ code, row, column })),
    [
      { code: "E_BAD_DATE", row: 3, column: "d" },
      { code: "E_CSV", row: 4, column: undefined },
      { code: "E_NON_FINITE", row: 6, column: "a" },
    ],
  );
  assert.equal(report.rejectedCount, 3);
  const strict = Transactions.fromCsv([lines[0], lines[1], lines[4]].join("\n"), MAPPING);
  assert.deepEqual(report.transactions.kpis({ period: "day" }), strict.kpis({ period: "day" }));
  assert.equal(report.transactions.length, 2);

  const few = Transactions.fromCsvSkippingBadRows(lines.join("\n"), MAPPING, { maxReported: 1 });
  assert.equal(few.rejected.length, 1);
  assert.equal(few.rejectedCount, 3);
  assert.equal(codeOf(() => Transactions.fromCsvSkippingBadRows(lines.join("\n"), MAPPING, { maxReported: -1 })).code, "E_BAD_OPTION");
  assert.equal(codeOf(() => Transactions.fromCsvSkippingBadRows(lines.join("\n"), MAPPING, { max: 1 })).code, "E_UNKNOWN_OPTION");
  strict.free();
  few.transactions.free();
  report.transactions.free();
});
