// The JS surface of the built package (pkg/), loaded through its Node entry with no init call.
// Expected values are the hand count documented in tests/summary.rs for tests/fixtures/refunds.csv.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import init, { Transactions, CustomerSummary, glossary, getDefinition, errorCodes, inferDateFormat, version } from "../../pkg/node.js";
import { FIXTURES, ROOT, runDocBlock, throwsCode } from "./helpers.mjs";

const csv = readFileSync(path.join(FIXTURES, "refunds.csv"), "utf8");
const mapping = { customerId: "customer", timestamp: "when", amount: "amount", orderId: "order", channel: "channel" };
const END = "2024-01-31";

test("init() after the Node entry's synchronous init is harmless", async () => {
  await init();
  assert.match(version(), /^\d+\.\d+\.\d+$/);
});

// Hand count in tests/summary.rs: A's Jan 3 order, refunded the same day, is a purchase day
// (net 0), so A has purchase days Jan 1, 3 and 10.
test("summary from CSV matches the hand count (day)", () => {
  const tx = Transactions.fromCsv(csv, mapping);
  const s = tx.summary({ period: "day", observationEnd: END });
  assert.deepEqual(s.customerId, ["A", "B", "C"]);
  assert.deepEqual([...s.frequency], [2, 0, 0]);
  assert.deepEqual([...s.recency], [9, 0, 0]);
  assert.deepEqual([...s.T], [30, 26, 24]);
  assert.deepEqual([...s.monetaryValue], [15, 0, 0]);
  assert.deepEqual([...s.revenue], [40, 8, 0]);
  assert.deepEqual([...s.orders], [3, 1, 1]);
  assert.deepEqual(s.acquisitionChannel, ["paid_search", "organic", "referral"]);
  assert.equal(s.excludedCustomers, 1);
  assert.equal(s.period, "day");
  // observationEnd given as a bare date is the end of that local day (UTC here):
  // 2024-01-31T23:59:59.999Z = Date.UTC(2024, 0, 31) + 86,400,000 − 1.
  assert.equal(s.observationEnd, Date.UTC(2024, 0, 31) + 86_400_000 - 1);
  assert.deepEqual(s.definition, {
    metric: "customer.summary", version: "2.1.0",
    params: { period: "day", observationEnd: Date.UTC(2024, 0, 31) + 86_400_000 - 1, timezone: "UTC", weekStart: 1 },
  });
  const cols = s.toColumns();
  assert.deepEqual([...cols.T], [30, 26, 24]);
  s.free();
  tx.free();
});

test("KPIs match the hand count and name their definitions", () => {
  const tx = Transactions.fromCsv(csv, mapping);
  const k = tx.kpis({ observationEnd: new Date(Date.UTC(2024, 0, 31)) });
  assert.equal(k.customers.value, 3);
  assert.equal(k.orders.value, 5);
  assert.equal(k.revenue.value, 45);
  assert.equal(k.averageOrderValue.value, 9);
  assert.equal(k.repeatPurchaseRate.value, 1 / 3);
  assert.equal(k.purchaseFrequency.value, 5 / 3);
  assert.equal(k.revenuePerCustomer.value, 15);
  assert.equal(k.averageOrderValue.definition.metric, "orders.aov");
  assert.equal(k.averageOrderValue.name, "Average order value");
  const ids = new Set(glossary().map((d) => d.id));
  for (const key of ["customers", "orders", "revenue", "averageOrderValue", "repeatPurchaseRate", "purchaseFrequency", "revenuePerCustomer"]) {
    assert.ok(ids.has(k[key].definition.metric), key);
  }
  const w = tx.kpis({ period: "week", observationEnd: END });
  assert.equal(w.customers.value, 4);
  assert.equal(w.revenue.value, 97);
});

test("rows, typed columns and CSV give the same summary", () => {
  const lines = csv.trim().split("\n").slice(1).map((l) => l.split(","));
  const rows = lines.map(([order, customer, when, amount, channel]) => ({
    order, customer, when, amount: Number(amount), channel: channel || null,
  }));
  const a = Transactions.fromCsv(csv, mapping).summary({ period: "week", observationEnd: END });
  const b = Transactions.fromRows(rows, mapping).summary({ period: "week", observationEnd: END });
  const c = Transactions.fromColumns({
    customerId: lines.map((l) => l[1]),
    timestamp: lines.map((l) => l[2]),
    amount: new Float64Array(lines.map((l) => Number(l[3]))),
    orderId: lines.map((l) => l[0]),
    channel: lines.map((l) => l[4] || null),
  }).summary({ period: "week", observationEnd: END });
  for (const s of [b, c]) {
    assert.deepEqual(s.customerId, a.customerId);
    for (const col of ["frequency", "recency", "T", "monetaryValue", "revenue", "orders"]) {
      assert.deepEqual([...s[col]], [...a[col]], col);
    }
  }
  assert.deepEqual([...a.monetaryValue], [32.5, 0, 0, 0]);
});

test("typed columns: numeric ids, epoch ms and Dates; caller arrays untouched", () => {
  const DAY = 86_400_000;
  const ids = new Uint32Array([9, 4, 9]);
  const t = new Float64Array([0, DAY, 3 * DAY]);
  const amount = new Float64Array([5, 7, 11]);
  const tx = Transactions.fromColumns({ customerId: ids, timestamp: t, amount });
  const s = tx.summary();
  assert.ok(s.customerId instanceof Uint32Array);
  assert.deepEqual([...s.customerId], [4, 9]);
  assert.deepEqual([...s.frequency], [0, 1]);
  assert.deepEqual([...s.T], [2, 3]);
  assert.deepEqual([...ids], [9, 4, 9]);
  assert.deepEqual([...t], [0, DAY, 3 * DAY]);
  assert.deepEqual([...amount], [5, 7, 11]);
  const dates = Transactions.fromColumns({ customerId: ["x", "x"], timestamp: [new Date(0), new Date(2 * DAY)], amount: [1, 2] });
  assert.deepEqual([...dates.summary().recency], [2]);
});

test("CustomerSummary.fromColumns accepts a warehouse summary and validates it", () => {
  const s = CustomerSummary.fromColumns(
    { customerId: ["a", "b"], frequency: [2, 0], recency: [5, 0], T: [10, 3], monetaryValue: [12, 0] },
    { period: "week" },
  );
  assert.equal(s.length, 2);
  assert.equal(s.period, "week");
  assert.equal(s.observationEnd, undefined);
  assert.equal(s.revenue, undefined);
  throwsCode(() => CustomerSummary.fromColumns(
    { customerId: ["a", "b"], frequency: [2, 0], recency: [11, 0], T: [10, 3], monetaryValue: [12, 0] }),
  "E_OUT_OF_RANGE", { column: "recency", row: 1 });
  throwsCode(() => CustomerSummary.fromColumns(
    { customerId: ["a"], frequency: [1], recency: [0], T: [1] }), "E_MISSING_COLUMN", { column: "monetaryValue" });
});

test("bad input: each kind gets its code, column and row; the instance keeps working", () => {
  const m = { customerId: "customer", timestamp: "when", amount: "amount" };
  const head = "customer,when,amount\n";
  throwsCode(() => Transactions.fromCsv(head, m), "E_EMPTY");
  throwsCode(() => Transactions.fromCsv("", m), "E_EMPTY");
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,NaN\n", m), "E_NON_FINITE", { column: "amount", row: 2 });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,1\na,2024-01-02,Infinity\n", m), "E_NON_FINITE", { row: 3 });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,1\nb,,2\n", m), "E_MISSING_VALUE", { column: "when", row: 3 });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-02-30,1\n", m), "E_BAD_DATE", { column: "when", row: 2 });
  throwsCode(() => Transactions.fromCsv(head + "a,12/01/2024,1\n", m), "E_BAD_DATE", { column: "when", row: 2 });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,1,extra\n", m), "E_CSV", { row: 2 });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,12,5\n", m), "E_CSV", { row: 2 });
  throwsCode(() => Transactions.fromCsv("customer;when;amount\na;2024-01-01;12,5\n", m), "E_BAD_TYPE", { column: "amount", row: 2 });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,1\n", { ...m, amount: "revenue" }), "E_MISSING_COLUMN", { column: "revenue" });
  throwsCode(() => Transactions.fromCsv(head + "a,2024-01-01,1\n", { ...m, amt: "x" }), "E_UNKNOWN_OPTION");
  throwsCode(() => Transactions.fromCsv(head, { customerId: "customer" }), "E_BAD_OPTION");
  throwsCode(() => Transactions.fromCsv(42, m), "E_BAD_TYPE");
  throwsCode(() => Transactions.fromColumns({ customerId: new Uint32Array(2), timestamp: new Float64Array(1), amount: new Float64Array(2) }),
    "E_LENGTH_MISMATCH", { column: "timestamp" });
  throwsCode(() => Transactions.fromColumns({ customerId: new Uint32Array(1), timestamp: new Float64Array([1e300]), amount: new Float64Array(1) }),
    "E_BAD_DATE", { column: "timestamp", row: 1 });
  throwsCode(() => Transactions.fromColumns({ customerId: new Uint32Array(0), timestamp: new Float64Array(0), amount: new Float64Array(0) }), "E_EMPTY");
  throwsCode(() => Transactions.fromColumns({ customerId: ["a", null], timestamp: [0, 1], amount: [1, 2] }), "E_MISSING_VALUE", { column: "customerId", row: 2 });
  throwsCode(() => Transactions.fromRows([{ customer: "a", when: "2024-01-01", amount: true }], m), "E_BAD_TYPE", { column: "amount", row: 1 });
  throwsCode(() => Transactions.fromRows([{ customer: "a", amount: 1 }], m), "E_MISSING_COLUMN", { column: "when" });
  throwsCode(() => Transactions.fromRows([{ customer: "a", when: "2024-01-01", amount: 1 }, { customer: "b", amount: 1 }], m),
    "E_MISSING_VALUE", { column: "when", row: 2 });
  throwsCode(() => Transactions.fromRows("nope", m), "E_BAD_TYPE");

  const tx = Transactions.fromCsv(csv, mapping);
  throwsCode(() => tx.summary({ period: "fortnight" }), "E_BAD_OPTION", { column: "period" });
  throwsCode(() => tx.summary({ period: 7 }), "E_BAD_OPTION");
  throwsCode(() => tx.summary({ observationEnd: "soon" }), "E_BAD_OPTION", { column: "observationEnd" });
  throwsCode(() => tx.summary({ observationEnd: "2020-01-01" }), "E_EMPTY");
  throwsCode(() => tx.kpis({ horizon: 3 }), "E_UNKNOWN_OPTION", { column: "horizon" });
  throwsCode(() => tx.kpis("week"), "E_BAD_OPTION");
  // Still usable after every error above.
  assert.deepEqual([...tx.summary({ period: "day", observationEnd: END }).T], [30, 26, 24]);
});

test("error codes and glossary are complete and well formed", () => {
  const codes = errorCodes();
  assert.equal(new Set(codes).size, codes.length);
  for (const c of codes) assert.match(c, /^E_[A-Z_]+$/);
  const g = glossary();
  assert.ok(g.length >= 8);
  for (const d of g) {
    assert.match(d.version, /^\d+\.\d+\.\d+$/);
    for (const key of ["id", "name", "description", "formula", "unit", "inputs"]) assert.ok(d[key], `${d.id}.${key}`);
    assert.ok(Array.isArray(d.parameters));
  }
  assert.equal(getDefinition("customer.summary").version, "2.1.0");
  assert.equal(getDefinition("no.such.metric"), undefined);
  // What each definition builds on, by id (every id one of the glossary's).
  assert.deepEqual(getDefinition("customer.summary").dependsOn, []);
  assert.deepEqual(getDefinition("ltv.clv").dependsOn, ["customer.summary", "ltv.bgnbd", "ltv.pareto_nbd", "ltv.gamma_gamma"]);
  const ids = new Set(g.map((d) => d.id));
  for (const d of g) for (const dep of d.dependsOn) assert.ok(ids.has(dep), `${d.id} → ${dep}`);
  // docs/GLOSSARY.md lists every id with its version.
  const md = readFileSync(path.join(ROOT, "docs", "GLOSSARY.md"), "utf8");
  for (const d of g) assert.ok(md.includes(`| [\`${d.id}\`]`) && md.includes(`version ${d.version}`), d.id);
});

// The purchase rule: a $0.00 order is a purchase; a refund-only day is not. Hand count (day):
// x buys for $0 on Jan 1 and $10 on Jan 5 (refunded $4 on Jan 7, a refund-only day): frequency 1,
// recency 4, T 6 (observation end = last transaction, Jan 7), monetary 10; orders 2; revenue 6.
// y's only order is free: frequency 0, T 4 (first purchase Jan 3), orders 1, revenue 0.
test("a $0.00 order is a purchase, a refund-only day is not", () => {
  const csv = "c,d,a\nx,2024-01-01,0\nx,2024-01-05,10\nx,2024-01-07,-4\ny,2024-01-03,0.00\n";
  const tx = Transactions.fromCsv(csv, { customerId: "c", timestamp: "d", amount: "a" });
  const s = tx.summary();
  assert.deepEqual(s.customerId, ["x", "y"]);
  assert.deepEqual([[...s.frequency], [...s.recency], [...s.T], [...s.monetaryValue]], [[1, 0], [4, 0], [6, 4], [10, 0]]);
  assert.deepEqual([[...s.orders], [...s.revenue]], [[2, 1], [6, 0]]);
  assert.equal(s.excludedCustomers, 0);
  const k = tx.kpis();
  assert.deepEqual([k.customers.value, k.orders.value, k.revenue.value], [2, 3, 6]);
  s.free(); tx.free();
});

test("data guide time-zone example prints the documented values", () => {
  // Hand count in the guide's comments: Berlin days Mar 30 and 31 for a (frequency 1), one UTC
  // day (Mar 30, 22:30Z and 23:30Z); the gap time 02:30 read as 03:30 CEST = 01:30Z; Saturday
  // and Sunday in one Monday week, two Sunday weeks; Mar 30 ends 23:59:59.999 CET = 22:59:59.999Z.
  const out = runDocBlock("docs/guide/data.md", "timezones");
  assert.ok(out.includes("[ 'a' ] 2024-03-30T22:59:59.999Z"), out);
});

// A UCI Online Retail-shaped export writes US dates ("12/1/2010 8:26"). Hand count: 17850 buys
// Dec 1 08:26 and Dec 23 09:01 (frequency 1, recency 22 days), 13047 once on Dec 1 (T 22).
test("US slash dates: inferDateFormat settles them and the mapping's dateFormat reads them", () => {
  const csv = "InvoiceDate,CustomerID,Amount\n12/1/2010 8:26,17850,15.3\n12/1/2010 9:01,13047,20\n12/23/2010 9:01,17850,4.7\n";
  const mapping = { customerId: "CustomerID", timestamp: "InvoiceDate", amount: "Amount" };
  throwsCode(() => Transactions.fromCsv(csv, mapping), "E_BAD_DATE", { column: "InvoiceDate", row: 2 });
  const found = inferDateFormat(["12/1/2010 8:26", "12/1/2010 9:01", "12/23/2010 9:01"], "InvoiceDate");
  assert.deepEqual(found, { format: "MM/DD/YYYY", ambiguous: false, candidates: ["MM/DD/YYYY"], values: 3 });
  const tx = Transactions.fromCsv(csv, { ...mapping, dateFormat: found.format });
  const s = tx.summary();
  assert.deepEqual(s.customerId, ["13047", "17850"]);
  assert.deepEqual([[...s.frequency], [...s.recency], [...s.T]], [[0, 1], [0, 22], [22, 22]]);
  assert.deepEqual([...s.firstPurchase], [Date.UTC(2010, 11, 1, 9, 1), Date.UTC(2010, 11, 1, 8, 26)]);
  // Values that do not settle the order: no guess.
  assert.deepEqual(inferDateFormat(["1/2/2024", "3/4/2024"]), { format: null, ambiguous: true, candidates: ["MM/DD/YYYY", "DD/MM/YYYY"], values: 2 });
  throwsCode(() => inferDateFormat(["12/23/2010", "23/12/2010"], "InvoiceDate"), "E_BAD_DATE", { column: "InvoiceDate", row: 2 });
  s.free(); tx.free();
});

test("data guide date-format example prints the documented values", () => {
  // Hand count in the guide's comments: 12/1/2010 8:26 month first is 2010-12-01T08:26Z.
  runDocBlock("docs/guide/data.md", "dateformat");
});
