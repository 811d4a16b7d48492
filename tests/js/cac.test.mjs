// CAC, payback and LTV:CAC through the built package. Expected values: the hand computation
// documented in tests/cac.rs for tests/fixtures/cac_transactions.csv and cac_spend.csv.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Transactions, Spend, Journeys, attribution, cac, cacPayback, ltvToCac } from "../../pkg/node.js";
import { FIXTURES, throwsCode } from "./helpers.mjs";

const txCsv = readFileSync(path.join(FIXTURES, "cac_transactions.csv"), "utf8");
const spendCsv = readFileSync(path.join(FIXTURES, "cac_spend.csv"), "utf8");
const txMapping = { customerId: "customer", timestamp: "date", amount: "amount", channel: "channel" };
const spendMapping = { date: "month", channel: "channel", amount: "amount", channelType: "type" };
const JAN = Date.UTC(2024, 0, 1), FEB = Date.UTC(2024, 1, 1), MAR = Date.UTC(2024, 2, 1);

const load = () => [Spend.fromCsv(spendCsv, spendMapping), Transactions.fromCsv(txCsv, txMapping)];
const row = (rows, start, variant, channel = null) =>
  rows.find((r) => r.periodStart === start && r.variant === variant && r.channel === channel);

test("monthly CAC: blended, paid, channel; nulls carry reasons", () => {
  const [spend, tx] = load();
  const { rows, warnings } = cac(spend, tx, { period: "month" });
  assert.equal(row(rows, JAN, "blended").value, 80);
  assert.equal(row(rows, JAN, "paid").value, 105);
  assert.equal(row(rows, JAN, "channel", "search").value, 120);
  const email = row(rows, JAN, "channel", "email");
  assert.deepEqual([email.value, email.reason, email.spend, email.newCustomers], [null, "no new customers in the attribution window", 30, 0]);
  assert.match(row(rows, JAN, "channel", "organic").reason, /unpaid/);
  assert.equal(row(rows, FEB, "blended").value, 52.5);
  assert.equal(row(rows, FEB, "channel", "social").value, null);
  assert.equal(row(rows, MAR, "blended").value, 70);
  assert.equal(row(rows, JAN, "blended").definition.metric, "cac.blended");
  assert.deepEqual(row(rows, JAN, "blended").definition.params, { period: "month", attributionLag: 0, timezone: "UTC", weekStart: 1 });
  assert.ok(rows.every((r) => r.value === null || Number.isFinite(r.value)));
  assert.ok(warnings.some((w) => w.includes("'email' never appears")));
});

test("attribution lag and explicit acquisition channels", () => {
  const [spend, tx] = load();
  const lagged = cac(spend, tx, { attributionLag: 1 }).rows;
  assert.equal(row(lagged, JAN, "blended").value, 48);
  assert.equal(row(lagged, MAR, "blended").complete, false);
  const table = cac(spend, tx, {
    acquisitionChannels: { customerId: ["c1", "c2", "c3", "c4", "c5"], channel: ["search", "social", "organic", "search", "search"] },
  });
  assert.equal(row(table.rows, FEB, "channel", "search").value, 30);
});

test("payback from cohort curves and the textbook ratio", () => {
  const [spend, tx] = load();
  const p = cacPayback(spend, tx, { grossMargin: 1 });
  const jan = p.cohorts.find((r) => r.cohortStart === JAN && r.channel === null);
  assert.deepEqual([jan.customers, jan.cac, jan.paybackMonths, jan.status], [3, 80, 1, "paid_back"]);
  assert.equal(jan.curve[2], 120);
  const social = p.cohorts.find((r) => r.cohortStart === JAN && r.channel === "social");
  assert.equal(social.note, "not yet paid back after 2 months");
  const all = p.simple.find((s) => s.channel === null);
  assert.ok(Math.abs(all.value - (415 / 6) / 35) < 1e-12);
});

test("LTV:CAC names the LTV it divides", () => {
  const [spend, tx] = load();
  const hist = ltvToCac(spend, tx, {});
  const search = hist.rows.find((r) => r.cohort === null && r.channel === "search");
  assert.ok(Math.abs(search.value - 115 / 90) < 1e-12);
  assert.equal(search.definition.params.ltv, "ltv.historical");
  const supplied = ltvToCac(spend, tx, { ltv: { customerId: ["c1", "c2", "c4"], value: new Float64Array([300, 30, 60]), metric: "ltv.clv" } });
  const s2 = supplied.rows.find((r) => r.cohort === null && r.channel === "search");
  assert.ok(Math.abs(s2.value - 2) < 1e-12);
  assert.equal(s2.definition.params.ltv, "ltv.clv");
});

// The hand computation of `payback_and_ltv_cac_by_attributed_channel` in tests/cac.rs: A split
// 50/50 between search and email (linear), B without touch (unknown), C search, D email.
test("payback and LTV:CAC by attributed channel", () => {
  const tx = Transactions.fromCsv(
    "customer,date,amount\n" +
    "A,2024-01-10T09:00:00Z,40\nA,2024-02-20T10:00:00Z,70\nA,2024-03-05T10:00:00Z,30\n" +
    "B,2024-01-05T10:00:00Z,15\nB,2024-03-15T10:00:00Z,25\nC,2024-01-20T10:00:00Z,60\n" +
    "D,2024-02-03T10:00:00Z,20\nD,2024-03-10T10:00:00Z,70\n",
    { customerId: "customer", timestamp: "date", amount: "amount" });
  const touches = [
    { journeyId: "A", timestamp: "2024-01-02", channel: "search" },
    { journeyId: "A", timestamp: "2024-01-10T09:00:00Z", channel: "email" },
    { journeyId: "C", timestamp: "2024-01-15", channel: "search" },
    { journeyId: "D", timestamp: "2024-02-01", channel: "email" },
  ];
  const result = attribution(Journeys.fromTransactions(touches, tx), { models: ["linear"], credits: true });
  const spend = Spend.fromCsv("m,ch,a\n2024-01-01,search,45\n2024-01-01,email,30\n2024-02-01,email,40\n2024-02-01,search,30\n",
    { date: "m", channel: "ch", amount: "a" });
  const near = (a, b) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
  const p = cacPayback(spend, tx, { grossMargin: 0.5, attribution: result, model: "linear" });
  assert.deepEqual(p.cohorts.map((r) => [r.cohortStart, r.channel]),
    [[JAN, null], [JAN, "email"], [JAN, "search"], [JAN, "unknown"], [FEB, null], [FEB, "email"]]);
  const want = [
    [3, 25, [57.5 / 3, 92.5 / 3, 40], 1, "paid_back"],
    [0.5, 60, [20, 55, 70], 2, "paid_back"],
    [1.5, 30, [40 / 1.5, 57.5 / 1.5, 65 / 1.5], 1, "paid_back"],
    [1, null, [7.5, 7.5, 20], null, "no_cac"],
    [1, 70, [10, 45], null, "not_yet"],
    [1, 40, [10, 45], 1, "paid_back"],
  ];
  p.cohorts.forEach((r, i) => {
    const [customers, cacValue, curve, months, status] = want[i];
    near(r.customers, customers);
    if (cacValue === null) assert.equal(r.cac, null); else near(r.cac, cacValue);
    assert.equal(r.curve.length, curve.length);
    r.curve.forEach((x, k) => near(x, curve[k]));
    assert.deepEqual([r.paybackMonths, r.status], [months, status]);
    assert.equal(r.definition.params.model, "linear");
  });
  assert.deepEqual(p.simple.map((s) => s.channel), [null, "email", "search", "unknown"]);
  [29 / 12, 49 / 24, 45 / 13].forEach((v, i) => near(p.simple[i].value, v));
  assert.equal(p.simple[3].value, null);
  const l = ltvToCac(spend, tx, { grossMargin: 0.5, attribution: result, model: "linear" });
  const whole = (ch) => l.rows.find((r) => r.cohort === null && r.channel === ch);
  near(whole(null).value, 33 / 29);
  near(whole("email").customers, 1.5);
  near(whole("email").value, 8 / 7);
  near(whole("search").value, 13 / 15);
  assert.equal(whole("unknown").value, null);
  assert.equal(whole("email").definition.params.model, "linear");
  const given = ltvToCac(spend, tx, { grossMargin: 0.5, attribution: result, model: "linear",
    ltv: { customerId: ["A", "B", "C", "D"], value: [100, 10, 50, 80], metric: "ltv.clv" } });
  near(given.rows.find((r) => r.cohort === null && r.channel === "email").value, 13 / 7);
  near(given.rows.find((r) => r.cohort === null && r.channel === "search").value, 4 / 3);
  throwsCode(() => cacPayback(spend, tx, { attribution: result }), "E_BAD_OPTION");
  throwsCode(() => ltvToCac(spend, tx, { model: "linear" }), "E_BAD_OPTION");
  throwsCode(() => cacPayback(spend, tx, { attribution: result, model: "linear", acquisitionChannels: { customerId: ["A"], channel: ["x"] } }), "E_BAD_OPTION");
  throwsCode(() => ltvToCac(spend, tx, { attribution: attribution(Journeys.fromTransactions(touches, tx), { models: ["linear"] }), model: "linear" }), "E_BAD_OPTION");
});

test("spend from rows and typed columns equals spend from CSV", () => {
  const lines = spendCsv.trim().split("\n").slice(1).map((l) => l.split(","));
  const fromRows = Spend.fromRows(lines.map(([month, channel, type, amount]) => ({ month, channel, type, amount: Number(amount) })), spendMapping);
  const fromCols = Spend.fromColumns({
    date: lines.map((l) => l[0]), channel: lines.map((l) => l[1]), amount: new Float64Array(lines.map((l) => Number(l[3]))),
    channelType: lines.map((l) => l[2]),
  });
  const tx = Transactions.fromCsv(txCsv, txMapping);
  const base = cac(Spend.fromCsv(spendCsv, spendMapping), tx, {}).rows.map((r) => r.value);
  assert.deepEqual(cac(fromRows, tx, {}).rows.map((r) => r.value), base);
  assert.deepEqual(cac(fromCols, tx, {}).rows.map((r) => r.value), base);
  assert.equal(fromCols.total, 415);
});

test("bad input gets coded errors; objects keep working", () => {
  const [spend, tx] = load();
  const head = "month,channel,type,amount\n";
  throwsCode(() => Spend.fromCsv(head, spendMapping), "E_EMPTY");
  throwsCode(() => Spend.fromCsv(head + "2024-01-01,a,paid,-5\n", spendMapping), "E_NEGATIVE", { column: "amount", row: 2 });
  throwsCode(() => Spend.fromCsv(head + "2024-01-01,a,paid,NaN\n", spendMapping), "E_NON_FINITE", { row: 2 });
  throwsCode(() => Spend.fromCsv(head + "Jan 2024,a,paid,5\n", spendMapping), "E_BAD_DATE", { column: "month", row: 2 });
  throwsCode(() => Spend.fromCsv(head + "2024-01-01,a,tv,5\n", spendMapping), "E_BAD_TYPE", { column: "type" });
  throwsCode(() => Spend.fromCsv(head + "2024-01-01,a,paid,5\n2024-02-01,a,owned,5\n", spendMapping), "E_OUT_OF_RANGE", { row: 3 });
  throwsCode(() => Spend.fromCsv(head + "2024-01-01,,paid,5\n", spendMapping), "E_MISSING_VALUE", { column: "channel" });
  throwsCode(() => Spend.fromCsv(head + "2024-01-01,a,paid,5\n", { ...spendMapping, amount: "cost" }), "E_MISSING_COLUMN");
  throwsCode(() => Spend.fromColumns({ date: [JAN], channel: ["a", "b"], amount: [1] }), "E_LENGTH_MISMATCH", { column: "channel" });
  throwsCode(() => cac(spend, tx, { period: "fortnight" }), "E_BAD_OPTION");
  throwsCode(() => cac(spend, tx, { lag: 1 }), "E_UNKNOWN_OPTION");
  throwsCode(() => cac(spend, tx, { attributionLag: -1 }), "E_BAD_OPTION");
  throwsCode(() => cac(spend, tx, { attributionLag: 1.5 }), "E_BAD_OPTION");
  throwsCode(() => cacPayback(spend, tx, { grossMargin: 0 }), "E_BAD_OPTION");
  throwsCode(() => cacPayback(spend, tx, { grossMargin: "40%" }), "E_BAD_OPTION");
  throwsCode(() => ltvToCac(spend, tx, { ltv: "predictive" }), "E_BAD_OPTION");
  throwsCode(() => ltvToCac(spend, tx, { ltv: { customerId: ["c1"], value: [1] } }), "E_BAD_OPTION");
  throwsCode(() => ltvToCac(spend, tx, { ltv: { customerId: ["c1"], value: [NaN], metric: "x" } }), "E_NON_FINITE");
  throwsCode(() => cac(spend, tx, { acquisitionChannels: { customerId: ["c1"], channel: [] } }), "E_LENGTH_MISMATCH");
  const dup = Spend.fromCsv(head + "2024-01-01,search,paid,5\n2024-01-01,search,paid,5\n", spendMapping);
  assert.ok(cac(dup, tx, {}).warnings.some((w) => w.includes("repeat an earlier row")));
  assert.equal(row(cac(spend, tx, {}).rows, JAN, "blended").value, 80);
});
