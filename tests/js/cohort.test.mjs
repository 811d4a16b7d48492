// The cohort matrix through the built package: the sample data's monthly grid equals the
// independent pandas computation (tests/fixtures/peers/cohort_pandas.py, its output committed),
// in Node's wasm exactly as natively (tests/cohort.rs), and a hand count.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Transactions, cohorts } from "../../pkg/node.js";
import { ROOT } from "./helpers.mjs";

const PEER = JSON.parse(readFileSync(path.join(ROOT, "tests/fixtures/peers/cohort_pandas.json"), "utf8"));
const TX = Transactions.fromCsv(readFileSync(path.join(ROOT, "www/data/transactions.csv"), "utf8"), {
  customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel",
});

test("the sample data's monthly cohorts equal pandas, with and without the channel split", () => {
  let compared = 0;
  for (const [key, by] of [["monthly", undefined], ["monthlyByChannel", "channel"]]) {
    const p = PEER[key];
    for (const measure of ["customers", "retention", "revenue"]) {
      const m = cohorts(TX, { measure, observationEnd: PEER.observationEnd, ...(by ? { by } : {}) });
      assert.equal(m.ages.length, PEER.ages);
      assert.deepEqual([...m.cohortStart], p.cohortStart);
      assert.deepEqual([...m.cohortSize], p.cohortSize);
      if (by) assert.deepEqual(m.channel, p.channel);
      assert.ok(m.values instanceof Float64Array && m.complete instanceof Uint8Array);
      assert.equal(m.values.length, p[measure].length);
      p[measure].forEach((want, i) => {
        if (want === null) {
          assert.ok(Number.isNaN(m.values[i]) && m.complete[i] === 0, `${key} ${measure} cell ${i}`);
        } else {
          assert.ok(Math.abs(m.values[i] - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${key} ${measure} cell ${i}: ${m.values[i]} vs ${want}`);
          assert.equal(m.complete[i], 1);
        }
        compared++;
      });
      assert.equal(m.definition.metric, "cohort.matrix");
    }
  }
  assert.ok(compared > 1000, `${compared}`);
});

test("a hand count: a January cohort of two and a March cohort of one, observed to the end of March", () => {
  // a: Jan 20, Feb 5 (30); b: Jan 28 (10), refund −4 in March; c: Mar 5 (7). Monthly cohorts
  // January and March, ages 0–2 (the oldest cohort's observed months). January: customers
  // [2, 1, 0] (b's refund is not a purchase), revenue [30, 30, −4], retention [1, ½, 0]. March:
  // age 0 only is observed (customers 1, revenue 7); its ages 1 and 2 (April, May) are
  // incomplete: NaN with complete 0, not 0.
  const tx = Transactions.fromCsv("c,d,a\na,2024-01-20,20\nb,2024-01-28,10\na,2024-02-05,30\nb,2024-03-10,-4\nc,2024-03-05,7\n", { customerId: "c", timestamp: "d", amount: "a" });
  const at = (measure) => cohorts(tx, { measure, observationEnd: "2024-03-31" });
  const shown = (m) => [...m.values].map((x, i) => (m.complete[i] ? x : "-"));
  assert.deepEqual(shown(at("customers")), [2, 1, 0, 1, "-", "-"]);
  assert.deepEqual(shown(at("revenue")), [30, 30, -4, 7, "-", "-"]);
  assert.deepEqual(shown(at("retention")), [1, 0.5, 0, 1, "-", "-"]);
  const m = at("customers");
  assert.deepEqual([...m.cohortSize], [2, 1]);
  assert.deepEqual([...m.ages], [0, 1, 2]);
  assert.deepEqual([...m.complete], [1, 1, 1, 1, 0, 0]);
  assert.ok(Number.isNaN(m.values[4]) && Number.isNaN(m.values[5]));
  assert.deepEqual([...m.cohortStart], [Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1)]);
});
