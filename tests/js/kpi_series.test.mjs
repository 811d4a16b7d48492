// kpiSeries through the WebAssembly build: the same pandas peer as tests/kpi_series.rs
// (tests/fixtures/peers/kpi_series_pandas.py on the sample data), a hand count with traffic
// given as columns, rows and CSV, and coded errors.
//
//   node --test tests/js/kpi_series.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Transactions, getDefinition, kpiSeries } from "../../pkg/node.js";
import { FIXTURES, ROOT, runDocBlock, throwsCode } from "./helpers.mjs";

const PEER = JSON.parse(readFileSync(path.join(FIXTURES, "peers", "kpi_series_pandas.json"), "utf8"));

test("kpiSeries matches pandas on the sample data, by day, week and month", () => {
  const tx = Transactions.fromCsv(readFileSync(path.join(ROOT, "www/data/transactions.csv")), {
    customerId: "customer_id", timestamp: "order_date", amount: "amount", orderId: "order_id", channel: "channel",
  });
  let compared = 0;
  for (const bucket of ["day", "week", "month"]) {
    const got = kpiSeries(tx, { bucket });
    const want = PEER[bucket];
    assert.deepEqual(Array.from(got.time), want.time, `${bucket} time`);
    for (const [metric, series] of Object.entries(want.series)) {
      for (const field of ["value", "previous", "lastYear"]) {
        const mine = got.series[metric][field];
        assert.equal(mine.length, series[field].length, `${bucket} ${metric} ${field}`);
        series[field].forEach((b, i) => {
          const a = mine[i];
          const same = b === null ? Number.isNaN(a) : Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(b), 1);
          assert.ok(same, `${bucket} ${metric} ${field}[${i}]: ${a} vs pandas ${b}`);
          compared += 1;
        });
      }
      assert.equal(got.series[metric].definition.metric, metric);
    }
  }
  assert.equal(compared, (731 + 105 + 24) * 6 * 3);
  tx.free();
});

// Hand count, UTC days 1–3 January 2024: day 1 a (10) and b (20), order ids 1 and 2; day 2 a
// (5); day 3 nothing. Visits 40, 10, 4: conversion rates 2/40, 1/10, 0/4.
const TX = "c,d,a,o\na,2024-01-01,10,1\nb,2024-01-01,20,2\na,2024-01-02,5,3\nc,2024-01-03,-1,1\n";
const MAP = { customerId: "c", timestamp: "d", amount: "a", orderId: "o" };
const RATE = [2 / 40, 1 / 10, 0];

test("kpiSeries by hand: every series, and traffic as columns, rows and CSV give one conversion rate", () => {
  const tx = Transactions.fromCsv(TX, MAP);
  const s = kpiSeries(tx);
  assert.deepEqual(Array.from(s.time), [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)]);
  assert.deepEqual(Array.from(s.series["revenue.net"].value), [30, 5, -1]);
  assert.deepEqual(Array.from(s.series["orders.count"].value), [2, 1, 0]);
  assert.deepEqual(Array.from(s.series["orders.aov"].value), [15, 5, 0]);
  assert.deepEqual(Array.from(s.series["orders.aov"].denominator), [2, 1, 0]);
  assert.deepEqual(Array.from(s.series["customers.active"].value), [2, 1, 0]);
  assert.deepEqual(Array.from(s.series["customers.new"].value), [2, 0, 0]);
  // Day 2: a, acquired on day 1, is the one active customer.
  assert.deepEqual(Array.from(s.series["customers.repeat_share"].value), [0, 1, 0]);
  assert.ok(Number.isNaN(s.series["revenue.net"].previous[0]));
  assert.deepEqual(Array.from(s.series["revenue.net"].previous).slice(1), [30, 5]);
  assert.equal(s.by, null);
  assert.equal(s.series["customers.active"].definition.version, getDefinition("customers.active").version);

  const columns = { date: ["2024-01-01", "2024-01-02", "2024-01-03"], visits: new Float64Array([40, 10, 4]) };
  const rows = [{ date: "2024-01-01", visits: 40 }, { date: "2024-01-02", visits: 10 }, { date: new Date(Date.UTC(2024, 0, 3)), visits: 4 }];
  const csv = "day;sessions\n2024-01-01;40\n2024-01-02;10\n2024-01-03;4\n";
  const results = [
    kpiSeries(tx, { traffic: columns }),
    kpiSeries(tx, { traffic: rows }),
    kpiSeries(tx, { traffic: csv, trafficMapping: { date: "day", visits: "sessions" } }),
    kpiSeries(tx, { traffic: new TextEncoder().encode("date,visits\n2024-01-01,40\n2024-01-02,10\n2024-01-03,4\n") }),
  ];
  for (const r of results) {
    assert.deepEqual(Array.from(r.series["traffic.conversion_rate"].value), RATE);
    assert.deepEqual(Array.from(r.series["traffic.conversion_rate"].denominator), [40, 10, 4]);
    assert.deepEqual(r, results[0]);
  }
  // Weeks and months, one metric, split by nothing.
  const weekly = kpiSeries(tx, { bucket: "month", metrics: ["revenue.net"] });
  assert.deepEqual(Object.keys(weekly.series), ["revenue.net"]);
  assert.deepEqual(Array.from(weekly.series["revenue.net"].value), [34]);
  tx.free();
});

test("kpiSeries: coded errors name the option, column and row; the table keeps working", () => {
  const tx = Transactions.fromCsv(TX, MAP);
  throwsCode(() => kpiSeries(tx, { bucket: "quarter" }), "E_BAD_OPTION");
  throwsCode(() => kpiSeries(tx, { period: "day" }), "E_UNKNOWN_OPTION");
  throwsCode(() => kpiSeries(tx, { metrics: ["churn.rate"] }), "E_BAD_OPTION");
  throwsCode(() => kpiSeries(tx, { metrics: ["traffic.conversion_rate"] }), "E_BAD_OPTION");
  throwsCode(() => kpiSeries(tx, { by: "country" }), "E_BAD_OPTION");
  throwsCode(() => kpiSeries(tx, { traffic: { date: ["2024-01-01"], visits: [-3] } }), "E_NEGATIVE", { column: "visits", row: 1 });
  // CSV rows are the file's lines, the header being line 1.
  throwsCode(() => kpiSeries(tx, { traffic: "date,visits\n2024-01-01,4\nsoon,5\n" }), "E_BAD_DATE", { column: "date", row: 3 });
  throwsCode(() => kpiSeries(tx, { traffic: { date: ["2024-01-01"], visits: [1, 2] } }), "E_LENGTH_MISMATCH");
  throwsCode(() => kpiSeries(tx, { traffic: { date: ["2024-01-01"], visits: [1] }, trafficMapping: { date: "d", visits: "v" } }), "E_BAD_OPTION");
  assert.deepEqual(Array.from(kpiSeries(tx).series["revenue.net"].value), [30, 5, -1]);
  tx.free();
});

test("data guide: the KPI series example prints the documented values", () => {
  runDocBlock("docs/guide/data.md", "kpi-series");
});
