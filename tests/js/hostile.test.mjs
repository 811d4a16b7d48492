// The bad-input matrix (in the spirit of scikit-learn's estimator checks): every public export of
// the built package — functions, constructors, static and instance methods, read from the module
// itself — meets at least ten hostile inputs. A case expects either a typed UnimetricError with a
// given code or, where the input is legitimate (duplicate rows, a BOM, quotes, refunds), a value
// checked against a hand count. After every case: the export's instance still gives the answer it
// gave before, the README example still gives its hand-counted summary, the caller's arrays are
// unchanged, and no successful result holds NaN or ±Infinity where a number should be.
// An export that appears later without cases here fails the "every export has cases" test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as U from "../../pkg/node.js";
import * as AU from "../../pkg/arrow-node.js";
import { FIXTURES, cdnowColumns } from "./helpers.mjs";

const {
  Transactions, CustomerSummary, Spend, FeatureMatrix, BgNbdModel, ParetoNbdModel, GammaGammaModel,
  ChurnModel, SegmentModel, AliveChurnModel,
} = U;

// ---------------------------------------------------------------------------------------------
// Fixtures
const M = { customerId: "c", timestamp: "d", amount: "a" };
const HEAD = "c,d,a\n";
// README quick start; hand count: frequency [1, 0], recency [14, 0], T [14, 5], monetary [35, 0].
const README_CSV = HEAD + "a,2024-01-01,20\na,2024-01-15,35\nb,2024-01-10,12.5\n";
const DAY = 86_400_000;
const JAN1 = Date.UTC(2024, 0, 1);
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);

// 40 customers: customer i buys first on day i, then (i mod 5) more times every 10 + 7·(i mod 4)
// days, 10 + (i mod 7) each time. Enough repeat buyers for every model, churners and stayers.
function shopRows() {
  const rows = [];
  for (let i = 0; i < 40; i++) {
    const gap = 10 + 7 * (i % 4);
    for (let j = 0; j <= i % 5; j++) rows.push([`c${i}`, iso(JAN1 + (i + j * gap) * DAY), 10 + (i % 7)]);
  }
  return rows;
}
const SHOP_CSV = HEAD + shopRows().map((r) => r.join(",")).join("\n") + "\n";
const shopTx = () => Transactions.fromCsv(SHOP_CSV, M);

const CD = CustomerSummary.fromColumns(cdnowColumns(600), { period: "week" });
const summaryOf = (cols, period = "week") => CustomerSummary.fromColumns(cols, { period });
// Summaries on the edge of what the models accept.
const S = {
  one: () => summaryOf({ customerId: ["a"], frequency: [2], recency: [5], T: [9], monetaryValue: [12] }),
  equal: () => summaryOf({ customerId: ["a", "b", "c"], frequency: [1, 1, 1], recency: [4, 4, 4], T: [9, 9, 9], monetaryValue: [5, 5, 5] }),
  noRepeat: () => summaryOf({ customerId: ["a", "b", "c"], frequency: [0, 0, 0], recency: [0, 0, 0], T: [9, 8, 7], monetaryValue: [0, 0, 0] }),
  duplicated: () => { const c = cdnowColumns(600); const twice = (a) => { const o = new a.constructor(a.length * 2); o.set(a); o.set(a, a.length); return o; };
    return summaryOf({ customerId: Uint32Array.from({ length: 1200 }, (_, i) => i + 1), frequency: twice(c.frequency), recency: twice(c.recency), T: twice(c.T), monetaryValue: twice(c.monetaryValue) }); },
  day: () => Transactions.fromCsv(README_CSV, M).summary({ period: "day" }),
  twice: () => summaryOf({
    customerId: [..."abcdefabcdef"], frequency: [1, 1, 1, 5, 5, 5, 1, 1, 1, 5, 5, 5], recency: [5, 5, 5, 9, 9, 9, 5, 5, 5, 9, 9, 9],
    T: Array(12).fill(10), monetaryValue: [10, 10.5, 11, 200, 205, 210, 10, 10.5, 11, 200, 205, 210],
  }),
};

const SPEND_CSV = readFileSync(path.join(FIXTURES, "cac_spend.csv"), "utf8");
const SPEND_MAP = { date: "month", channel: "channel", amount: "amount", channelType: "type" };
const CAC_TX = () => Transactions.fromCsv(readFileSync(path.join(FIXTURES, "cac_transactions.csv"), "utf8"),
  { customerId: "customer", timestamp: "date", amount: "amount", channel: "channel" });
const spend = () => Spend.fromCsv(SPEND_CSV, SPEND_MAP);

const X6 = () => new Float64Array([1, 1.2, 0.8, 50, 52, 48]); // README: two obvious clusters
const CHURN_F = () => {
  const f = churnFeatures(shopTx(), { cutoff: "2024-02-15", horizonDays: 60 });
  return f;
};
const { churnFeatures } = U;

// ---------------------------------------------------------------------------------------------
// The harness
// `call`, when given, replaces the export's call for this case (e.g. the method of another instance).
const c = (name, args, expect, call) => ({ name, args, expect, call });
const ok = (check = () => {}) => check;
// Either a typed error with one of `codes` or a result that passes `check` (and holds no NaN or
// ±Infinity): for inputs whose handling is a documented choice, e.g. a 1e308 tolerance.
const either = (codes, check = () => {}) => ({ codes, check });

function snapshot(v, seen = new Set()) {
  if (ArrayBuffer.isView(v)) {
    // Large views: the length and a strided sample (copying gigabytes would dominate the test).
    const step = Math.max(1, Math.floor(v.length / 4096));
    const values = [];
    for (let i = 0; i < v.length; i += step) values.push(String(v[i]));
    return { view: v.constructor.name, length: v.length, values };
  }
  if (Array.isArray(v)) return v.map((x) => snapshot(x, seen));
  if (v instanceof Date) return { date: v.getTime() };
  if (v && typeof v === "object") {
    if (Object.getPrototypeOf(v) !== Object.prototype) return { ref: v };
    if (seen.has(v)) return "[cycle]";
    seen.add(v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, snapshot(x, seen)]));
  }
  return typeof v === "number" && Number.isNaN(v) ? "NaN" : v;
}

// Finds a NaN or ±Infinity in a successful result (numbers, typed arrays, plain objects, arrays
// and the getters of the package's classes). `null` is how results say "no value" with a reason.
function nonFinite(v, where = "result", depth = 0) {
  if (depth > 6) return null;
  if (typeof v === "number") return Number.isFinite(v) ? null : `${where} = ${v}`;
  if (v instanceof Float64Array || v instanceof Float32Array) {
    const i = v.findIndex((x) => !Number.isFinite(x));
    return i < 0 ? null : `${where}[${i}] = ${v[i]}`;
  }
  if (ArrayBuffer.isView(v) || v === null || typeof v !== "object") return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && i < 10_000; i++) { const r = nonFinite(v[i], `${where}[${i}]`, depth + 1); if (r) return r; }
    return null;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === null || typeof v.then === "function") return null; // module namespaces, promises
  const keys = proto === Object.prototype ? Object.keys(v)
    : Object.entries(Object.getOwnPropertyDescriptors(proto)).filter(([, d]) => d.get).map(([k]) => k);
  for (const k of keys) {
    if (k === "definition") continue; // echoes the parameters given
    const r = nonFinite(v[k], `${where}.${k}`, depth + 1);
    if (r) return r;
  }
  return null;
}

function checkReadmeSummary() {
  const tx = Transactions.fromCsv(README_CSV, M);
  const s = tx.summary({ period: "day" });
  assert.deepEqual([s.frequency, s.recency, s.T, s.monetaryValue].map((a) => [...a]), [[1, 0], [14, 0], [14, 5], [35, 0]]);
  s.free(); tx.free();
}

function runCase(key, spec, kase) {
  if (process.env.HOSTILE_TRACE) process.stderr.write(`${key} / ${kase.name}\n`);
  const args = kase.args();
  const before = snapshot(args);
  let result, error;
  try { result = (kase.call ?? spec.call)(...args); } catch (e) { error = e; }
  const label = `${key} / ${kase.name}`;
  const codes = typeof kase.expect === "string" ? [kase.expect] : kase.expect.codes;
  const check = typeof kase.expect === "function" ? kase.expect : kase.expect.check;
  if (error || !check) {
    assert.ok(error, `${label}: expected ${codes}, got ${typeof result === "object" ? "a result" : result}`);
    assert.equal(error.name, "UnimetricError", `${label}: ${error.constructor.name} ${error.message}`);
    assert.ok(codes?.includes(error.code), `${label}: expected ${codes ?? "a result"}, got ${error.code}: ${error.message}`);
    assert.ok(U.errorCodes().includes(error.code), label);
  } else {
    const bad = nonFinite(result);
    assert.equal(bad, null, `${label}: non-finite number in the result: ${bad}`);
    check(result, args);
  }
  assert.deepEqual(snapshot(args), before, `${label}: the caller's input was modified`);
  if (spec.alive) spec.alive();
  checkReadmeSummary();
}

// Cases shared by every export that takes an options object as its argument `at`.
function optionCases(call, at, valid, numeric) {
  const withOpts = (o) => () => { const a = [...valid]; a[at] = o; return a; };
  const base = valid[at] ?? {};
  const out = [
    c("unknown option key", withOpts({ ...base, noSuchOption: 1 }), "E_UNKNOWN_OPTION"),
    c("options of the wrong type (string)", withOpts("fast"), "E_BAD_OPTION"),
    c("options of the wrong type (array)", withOpts([1, 2]), "E_BAD_OPTION"),
  ];
  if (numeric) {
    for (const [v, what] of [[NaN, "NaN"], [Infinity, "Infinity"], [-Infinity, "-Infinity"], ["3", "a string"]]) {
      out.push(c(`option ${numeric} = ${what}`, withOpts({ ...base, [numeric]: v }), "E_BAD_OPTION"));
    }
    // Out of range, or a legitimate extreme (a 1e308 tolerance stops at once): never a trap or ±Infinity.
    out.push(c(`option ${numeric} = 1e308`, withOpts({ ...base, [numeric]: 1e308 }), either(["E_BAD_OPTION", "E_INSUFFICIENT_DATA", "E_NOT_CONVERGED"])));
  }
  return out;
}

// Cases for an argument that must be an instance of one of the package's classes.
function classArgCases(at, valid, cls, freshOfClass) {
  const withArg = (x) => () => { const a = [...valid()]; a[at] = x; return a; };
  return [
    c(`${cls} argument: a number`, withArg(42), "E_BAD_TYPE"),
    c(`${cls} argument: null`, withArg(null), "E_BAD_TYPE"),
    c(`${cls} argument: a plain object lookalike`, withArg({ __wbg_ptr: 8 }), "E_BAD_TYPE"),
    c(`${cls} argument: freed`, withArg((() => { const o = freshOfClass(); o.free(); return o; })()), "E_BAD_TYPE"),
  ];
}

// Cases for exports whose only input is `this` (or nothing): junk arguments are ignored and each
// call returns a fresh, equal result, so mutating one result cannot change the next.
function noInputCases(call, reference) {
  const junk = [undefined, null, NaN, Infinity, -1, 1e308, "", "\uFEFF", "\uD800", {}, [], { noSuchOption: 1 }];
  return junk.map((j, i) => c(`ignores junk argument #${i} (${String(j)})`, () => [j], ok((r) => {
    assert.deepEqual(snapshot(r), snapshot(reference()));
    if (r && typeof r === "object" && !Object.isFrozen(r)) {
      if (Array.isArray(r)) r.push("mutated"); else if (!ArrayBuffer.isView(r)) r.mutated = true;
      assert.deepEqual(snapshot(call()), snapshot(reference()), "results are fresh copies");
    }
  })));
}

// ---------------------------------------------------------------------------------------------
// The matrix: one entry per export. `call` invokes it; `alive` checks the instance afterwards.
const MATRIX = {};
const entry = (key, call, cases, alive) => { MATRIX[key] = { call, cases, alive }; };

// Stable references computed once, before any hostile input.
const ref = {};
const summaryCols = (s) => [s.frequency, s.recency, s.T, s.monetaryValue].map((a) => [...a]);

// --- the error class: any message and details make an UnimetricError; only the fields given are set
{
  const made = (check) => ok((e) => {
    assert.ok(e instanceof U.UnimetricError && e instanceof Error);
    assert.equal(e.name, "UnimetricError");
    check(e);
  });
  entry("new UnimetricError", (...a) => new U.UnimetricError(...a), [
    c("message and code", () => ["bad", { code: "E_EMPTY" }], made((e) => { assert.equal(e.message, "bad"); assert.equal(e.code, "E_EMPTY"); })),
    c("no details", () => ["bad"], made((e) => { assert.equal(e.code, undefined); assert.ok(!("column" in e) && !("row" in e)); })),
    c("null details", () => ["bad", null], made((e) => assert.equal(e.code, undefined))),
    c("a number as details", () => ["bad", 7], made((e) => assert.equal(e.code, undefined))),
    c("column and row", () => ["bad", { code: "E_NON_FINITE", column: "amount", row: 3 }], made((e) => { assert.equal(e.column, "amount"); assert.equal(e.row, 3); })),
    c("row 0 is kept", () => ["bad", { code: "E_BAD_OPTION", row: 0 }], made((e) => assert.equal(e.row, 0))),
    c("cause", () => ["bad", { code: "E_ARROW", cause: new RangeError("x") }], made((e) => assert.ok(e.cause instanceof RangeError))),
    c("no message", () => [], made((e) => assert.equal(e.message, ""))),
    c("a number as message", () => [42, { code: "E_EMPTY" }], made((e) => assert.equal(e.message, "42"))),
    c("a lone surrogate as message", () => ["\uD800", { code: "E_EMPTY" }], made((e) => assert.equal(e.message, "\uD800"))),
    c("an unknown key in details is ignored", () => ["bad", { code: "E_EMPTY", extra: 1 }], made((e) => assert.ok(!("extra" in e)))),
  ]);
}

// --- module-level functions without data input
for (const [key, fn] of [["version", U.version], ["errorCodes", U.errorCodes], ["glossary", U.glossary]]) {
  const reference = () => fn();
  entry(key, (...a) => fn(...a), noInputCases(() => fn(), reference));
}
entry("default", (...a) => U.default(...a), noInputCases(() => U.default(), () => U.default()).map((k) => ({
  ...k, expect: ok(), // init() after initialisation resolves to the same instance whatever it is given
})));
entry("initSync", (...a) => U.initSync(...a), noInputCases(() => U.initSync(), () => U.initSync()).map((k) => ({
  ...k, expect: ok((r) => assert.equal(r, U.initSync())),
})));

entry("getDefinition", (id) => U.getDefinition(id), [
  c("known id", () => ["customer.summary"], ok((d) => assert.equal(d.version, "2.1.0"))),
  c("empty id", () => [""], ok((d) => assert.equal(d, undefined))),
  c("unknown id", () => ["no.such.metric"], ok((d) => assert.equal(d, undefined))),
  c("id with a BOM", () => ["\uFEFFcustomer.summary"], ok((d) => assert.equal(d, undefined))),
  c("id with quotes", () => ['"customer.summary"'], ok((d) => assert.equal(d, undefined))),
  c("lone surrogate", () => ["\uD800"], ok((d) => assert.equal(d, undefined))),
  c("very long id", () => ["x".repeat(100_000)], ok((d) => assert.equal(d, undefined))),
  c("upper case id", () => ["CUSTOMER.SUMMARY"], ok((d) => assert.equal(d, undefined))),
  c("id with spaces", () => [" customer.summary "], ok((d) => assert.equal(d, undefined))),
  c("every glossary id", () => ["ltv.clv"], ok((d) => assert.equal(d.id, "ltv.clv"))),
  c("a number", () => [7], "E_BAD_TYPE"),
  c("no id", () => [], "E_BAD_TYPE"),
  c("null", () => [null], "E_BAD_TYPE"),
  c("an object", () => [{ id: "ltv.clv" }], "E_BAD_TYPE"),
  c("a String object", () => [new String("ltv.clv")], "E_BAD_TYPE"),
]);

// --- The metric spec. Hand count on README_CSV: revenue 67.5, 3 orders, AOV 22.5, 2 customers.
const SPEC_DOC = () => ({
  unimetricSpec: 1, name: "acme", version: "1.2.0",
  data: { transactions: { customerId: "c", timestamp: "d", amount: "a" }, spend: SPEND_MAP, currency: "EUR" },
  metrics: { aov: { metric: "orders.aov" }, revenue: { metric: "revenue.net", label: "Revenue" } },
});
const SPEC = U.MetricSpec.parse(SPEC_DOC());
ref.spec = [SPEC.definitionHash, SPEC.hash];
const specSame = () => {
  assert.deepEqual([SPEC.definitionHash, SPEC.hash], ref.spec);
  assert.equal(SPEC.evaluate({ transactions: README_CSV }).aov.value, 22.5);
};
const withSpec = (edit) => () => { const d = SPEC_DOC(); edit(d); return [d]; };
const deep = (n) => { let o = {}; const top = o; for (let i = 0; i < n; i++) { o.x = {}; o = o.x; } return top; };
const SPEC_YAML = "unimetricSpec: 1\nname: acme\nversion: \"1.2.0\"\ndata:\n  transactions: { customerId: c, timestamp: d, amount: a }\n  spend: { date: month, channel: channel, amount: amount, channelType: type }\n  currency: EUR\nmetrics:\n  aov: { metric: orders.aov }\n  revenue: { metric: revenue.net, label: Revenue }\n";
entry("MetricSpec.parse", (...a) => U.MetricSpec.parse(...a), [
  c("the spec as an object", () => [SPEC_DOC()], ok((s) => assert.equal(s.definitionHash, ref.spec[0]))),
  c("the spec as text", () => [JSON.stringify(SPEC_DOC())], ok((s) => assert.equal(s.hash, ref.spec[1]))),
  c("not JSON", () => ["{ metrics"], "E_BAD_SPEC"),
  c("a number", () => [42], "E_BAD_SPEC"),
  c("nothing", () => [], "E_BAD_SPEC"),
  c("an array", () => [[SPEC_DOC()]], "E_BAD_SPEC"),
  c("deep nesting", () => [{ ...SPEC_DOC(), description: undefined, shared: deep(1000) }], "E_BAD_SPEC"),
  c("deep nesting as text", () => ["[".repeat(100_000) + "]".repeat(100_000)], "E_BAD_SPEC"),
  c("a huge string", () => [withSpec((d) => { d.metrics.aov.label = "x".repeat(50_000); })()[0]], "E_TOO_LARGE"),
  c("text over 4 MiB", () => [" ".repeat(5 << 20) + "{}"], "E_TOO_LARGE"),
  c("10k metrics", () => [withSpec((d) => { for (let i = 0; i < 10_000; i++) d.metrics[`m${i}`] = { metric: "orders.aov" }; })()[0]], "E_TOO_LARGE"),
  c("__proto__ as a metric name", () => [JSON.parse(JSON.stringify(SPEC_DOC()).replace('"aov"', '"__proto__"'))], "E_BAD_SPEC"),
  c("constructor as a metric name is just a name", () => [withSpec((d) => { d.metrics.constructor = { metric: "orders.count" }; })()[0]], ok((s) => assert.ok(s.metrics.includes("constructor")))),
  c("__proto__ in params", () => [JSON.parse(JSON.stringify(SPEC_DOC()).replace('"metric":"orders.aov"', '"metric":"orders.aov","params":{"__proto__":{"period":"week"}}'))], "E_UNKNOWN_OPTION"),
  c("NaN param", () => [withSpec((d) => { d.metrics.aov.params = { weekStart: NaN }; })()[0]], "E_BAD_OPTION"),
  c("Infinity param", () => [withSpec((d) => { d.metrics.aov.params = { weekStart: Infinity }; })()[0]], "E_BAD_OPTION"),
  c("unknown metric", () => [withSpec((d) => { d.metrics.aov.metric = "orders.magic"; })()[0]], "E_UNKNOWN_METRIC"),
  c("unknown parameter", () => [withSpec((d) => { d.metrics.aov.params = { perod: "week" }; })()[0]], "E_UNKNOWN_OPTION"),
  c("out of range", () => [withSpec((d) => { d.metrics.aov.params = { weekStart: 8 }; })()[0]], "E_OUT_OF_RANGE"),
  c("version the library does not have", () => [withSpec((d) => { d.metrics.aov.version = "^7"; })()[0]], "E_VERSION"),
  c("a cycle", () => { const d = SPEC_DOC(); d.data.self = d; return [d]; }, "E_BAD_SPEC"),
  c("a BigInt", () => [withSpec((d) => { d.metrics.aov.params = { weekStart: 1n }; })()[0]], "E_BAD_SPEC"),
  c("format 2", () => [withSpec((d) => { d.unimetricSpec = 2; })()[0]], "E_BAD_SPEC"),
  c("YAML: the same spec, the same definition hash", () => [SPEC_YAML], ok((s) => assert.equal(s.definitionHash, ref.spec[0]))),
  c("YAML: an alias", () => [SPEC_YAML.replace("  aov: { metric: orders.aov }", "  aov: &m { metric: orders.aov }\n  again: *m")], "E_BAD_SPEC"),
  c("YAML: a tag", () => [SPEC_YAML.replace("currency: EUR", "currency: !!binary RVVS")], "E_BAD_SPEC"),
  c("YAML: a repeated key", () => [SPEC_YAML + "name: other\n"], "E_BAD_SPEC"),
  c("YAML: a second document", () => [SPEC_YAML + "---\nname: other\n"], "E_BAD_SPEC"),
  c("YAML: .nan as a parameter", () => [SPEC_YAML.replace("{ metric: orders.aov }", "{ metric: orders.aov, params: { weekStart: .nan } }")], "E_BAD_SPEC"),
  c("YAML: deep nesting", () => ["a:\n" + Array.from({ length: 200 }, (_, i) => " ".repeat(i + 1) + "b:").join("\n") + " 1\n"], "E_TOO_LARGE"),
  c("YAML: a list as a key", () => ["? [a, b]\n: 1\n"], "E_BAD_SPEC"),
  c("YAML: unterminated flow", () => [SPEC_YAML.replace("{ metric: orders.aov }", "{ metric: orders.aov")], "E_BAD_SPEC"),
  c("YAML: a scalar document", () => ["just text"], "E_BAD_SPEC"),
], specSame);

const OSI = SPEC.toOsi();
entry("MetricSpec.fromOsi", (...a) => U.MetricSpec.fromOsi(...a), [
  c("round trip keeps both hashes", () => [OSI], ok((s) => assert.deepEqual([s.definitionHash, s.hash], ref.spec))),
  c("as JSON text", () => [JSON.stringify(OSI)], ok((s) => assert.equal(s.definitionHash, ref.spec[0]))),
  c("not JSON", () => ["{"], "E_BAD_SPEC"),
  c("a number", () => [1], "E_BAD_SPEC"),
  c("nothing", () => [], "E_BAD_SPEC"),
  c("an empty object", () => [{}], "E_BAD_SPEC"),
  c("no models", () => [{ ...OSI, semantic_model: [] }], "E_BAD_SPEC"),
  c("a model without extensions", () => [{ ...OSI, semantic_model: [{ ...OSI.semantic_model[0], custom_extensions: [] }] }], "E_BAD_SPEC"),
  c("extension data that is not JSON", () => { const o = structuredClone(OSI); o.semantic_model[0].custom_extensions[0].data = "{"; return [o]; }, "E_BAD_SPEC"),
  c("unknown metric inside", () => { const o = structuredClone(OSI); const m = o.semantic_model[0].metrics[0].custom_extensions[0]; m.data = m.data.replace("orders.aov", "orders.magic"); return [o]; }, "E_UNKNOWN_METRIC"),
  c("a cycle", () => { const o = structuredClone(OSI); o.self = o; return [o]; }, "E_BAD_SPEC"),
  c("deep nesting", () => [deep(1000)], "E_BAD_SPEC"),
], specSame);

const specMethod = (name) => (...a) => SPEC[name](...a);
entry("MetricSpec#canonical", specMethod("canonical"), [
  c("the semantic form", () => [], ok((v) => { assert.equal(v.metrics.aov.params.period, "day"); assert.equal(v.data.currency, "EUR"); })),
  ...["junk", 1, null, {}, [], NaN, -1, "x".repeat(1000), () => 1].map((a, i) => c(`ignored argument #${i}`, () => [a], ok((v) => assert.equal(v.unimetricSpec, 1)))),
], specSame);
entry("MetricSpec#toJSON", specMethod("toJSON"), [
  c("the document", () => [], ok((v) => assert.deepEqual(v, JSON.parse(JSON.stringify(SPEC_DOC()))))),
  ...["junk", 1, null, {}, [], NaN, -1, "x".repeat(1000), () => 1].map((a, i) => c(`ignored argument #${i}`, () => [a], ok((v) => assert.equal(v.name, "acme")))),
], specSame);
entry("MetricSpec#toMarkdown", specMethod("toMarkdown"), [
  c("the glossary", () => [], ok((md) => assert.match(md, /^# acme 1\.2\.0/))),
  ...["junk", 1, null, {}, [], NaN, -1, "x".repeat(1000), () => 1].map((a, i) => c(`ignored argument #${i}`, () => [a], ok((md) => assert.match(md, /Revenue/)))),
], specSame);
entry("MetricSpec#toOsi", specMethod("toOsi"), [
  c("the OSI model", () => [], ok((v) => assert.equal(v.semantic_model[0].name, "acme"))),
  ...["junk", 1, null, {}, [], NaN, -1, "x".repeat(1000), () => 1].map((a, i) => c(`ignored argument #${i}`, () => [a], ok((v) => assert.equal(v.version, "0.2.0.dev0")))),
], specSame);
// Experiment metrics from assignments. Hand count on README_CSV plus e's purchase on 01-03, with
// a 7-day window from 2024-01-01: control a (buys 01-01) and c (never): ½ converted; treatment b
// (buys 01-10, after the window), d (never) and e (01-03): ⅓. Relative effect (⅓ − ½)/½ = −⅓.
// The split 2:3 against 1:1: χ² = 2 · 0.5²/2.5 = 0.2, p = erfc(√0.1) = 0.654720846.
const EXP_SPEC = U.MetricSpec.parse({
  unimetricSpec: 1, name: "checkout-test", version: "1.0.0",
  data: { transactions: M, assignments: { unitId: "u", arm: "g", assignedAt: "t" } },
  metrics: { conv: { metric: "experiment.conversion", params: { windowDays: 7 } }, srm: { metric: "experiment.srm" } },
});
const E_TX = README_CSV + "e,2024-01-03,5\n";
const A_CSV = "u,g,t\na,control,2024-01-01\nc,control,2024-01-01\nb,treatment,2024-01-01\nd,treatment,2024-01-01\ne,treatment,2024-01-01\n";
const A_ROWS = () => [["a", "control"], ["c", "control"], ["b", "treatment"], ["d", "treatment"], ["e", "treatment"]].map(([unitId, arm]) => ({ unitId, arm, assignedAt: "2024-01-01" }));
const A_COLS = () => ({ unitId: ["a", "c", "b", "d", "e"], arm: new Uint8Array([0, 0, 1, 1, 1]), armNames: ["control", "treatment"], assignedAt: new Float64Array(5).fill(Date.UTC(2024, 0, 1)) });
const handExp = (r) => {
  assert.ok(Math.abs(r.conv.value + 1 / 3) < 1e-12, String(r.conv.value));
  assert.ok(Math.abs(r.srm.value - 0.654720846) < 1e-9, String(r.srm.value));
};
ref.assignments = EXP_SPEC.evaluate({ transactions: E_TX, assignments: A_CSV }).conv.definition.assignmentsFingerprint;
// Conversion rate from traffic. Hand count on README_CSV: 15 January has 1 order (a, 35) in
// 20 visits: 1/20.
const CR_SPEC = U.MetricSpec.parse({
  unimetricSpec: 1, name: "cr", version: "1.0.0",
  data: { transactions: M, traffic: { date: "day", visits: "n" } },
  metrics: { cr: { metric: "traffic.conversion_rate" } },
});
const CR_CSV = "day,n\n2024-01-10,5\n2024-01-15,20\n";
// The series in `detail` has NaN `previous`/`lastYear` before the data (documented): only the
// headline and the definition are kept.
const crEval = (...a) => {
  const r = CR_SPEC.evaluate(...a);
  return { cr: { value: r.cr.value, definition: r.cr.definition } };
};
const expSame = () => handExp(EXP_SPEC.evaluate({ transactions: E_TX, assignments: A_CSV }));
const expEval = (...a) => EXP_SPEC.evaluate(...a);
entry("MetricSpec#evaluate", specMethod("evaluate"), [
  c("hand count from CSV", () => [{ transactions: README_CSV }], ok((r) => { assert.equal(r.aov.value, 22.5); assert.equal(r.revenue.value, 67.5); assert.equal(r.revenue.unit, "EUR"); })),
  c("from rows", () => [{ transactions: [{ c: "a", d: "2024-01-01", a: 20 }, { c: "a", d: "2024-01-15", a: 35 }, { c: "b", d: "2024-01-10", a: 12.5 }] }], ok((r) => assert.equal(r.aov.value, 22.5))),
  c("from an instance", () => [{ transactions: Transactions.fromCsv(README_CSV, M) }], ok((r) => assert.equal(r.aov.definition.mappedByCaller, true))),
  c("no inputs", () => [], "E_BAD_OPTION"),
  c("no transactions", () => [{}], "E_BAD_OPTION"),
  c("a number as transactions", () => [{ transactions: 7 }], "E_BAD_TYPE"),
  c("a Spend as transactions", () => [{ transactions: spend() }], "E_BAD_TYPE"),
  c("a forged handle", () => [{ transactions: { __unimetricTable: 4_294_967_295 } }], "E_BAD_TYPE"),
  c("a freed instance", () => { const t = Transactions.fromCsv(README_CSV, M); t.free(); return [{ transactions: t }]; }, "E_BAD_TYPE"),
  c("unknown input", () => [{ transactions: README_CSV, visits: [] }], "E_UNKNOWN_OPTION"),
  c("unknown option", () => [{ transactions: README_CSV }, { onlyy: ["aov"] }], "E_UNKNOWN_OPTION"),
  c("only an unknown metric", () => [{ transactions: README_CSV }, { only: ["nope"] }], "E_BAD_OPTION"),
  c("only as text", () => [{ transactions: README_CSV }, { only: "aov" }], "E_BAD_OPTION"),
  c("CSV with a bad amount", () => [{ transactions: HEAD + "a,2024-01-01,x\n" }], "E_BAD_TYPE"),
  c("CSV without the mapped column", () => [{ transactions: "c,d\na,2024-01-01\n" }], "E_MISSING_COLUMN"),
  c("empty CSV", () => [{ transactions: HEAD }], "E_EMPTY"),
  c("assignments: hand count from CSV", () => [{ transactions: E_TX, assignments: A_CSV }], ok((r) => { handExp(r); assert.match(r.conv.definition.assignmentsFingerprint, /^xxh3-128:[0-9a-f]{32}$/); }), expEval),
  c("assignments: from rows, same fingerprint", () => [{ transactions: E_TX, assignments: A_ROWS() }], ok((r) => { handExp(r); assert.equal(r.conv.definition.assignmentsFingerprint, ref.assignments); }), expEval),
  c("assignments: from columns with codes, same fingerprint", () => [{ transactions: E_TX, assignments: A_COLS() }], ok((r) => { handExp(r); assert.equal(r.conv.definition.assignmentsFingerprint, ref.assignments); }), expEval),
  c("assignments: no assignments", () => [{ transactions: E_TX }], "E_BAD_OPTION", expEval),
  c("assignments: assignments as a number", () => [{ transactions: E_TX, assignments: 7 }], "E_BAD_OPTION", expEval),
  c("assignments: CSV without the mapped arm column", () => [{ transactions: E_TX, assignments: "u,t\na,2024-01-01\n" }], "E_MISSING_COLUMN", expEval),
  c("assignments: CSV with an unparsable time", () => [{ transactions: E_TX, assignments: A_CSV.replace("2024-01-01\nc", "yesterday\nc") }], "E_BAD_DATE", expEval),
  c("assignments: CSV with an empty unit id", () => [{ transactions: E_TX, assignments: A_CSV.replace("\na,", "\n,") }], "E_MISSING_VALUE", expEval),
  c("assignments: a unit assigned twice", () => [{ transactions: E_TX, assignments: A_CSV + "a,treatment,2024-01-01\n" }], "E_OUT_OF_RANGE", expEval),
  c("assignments: columns of different lengths", () => [{ transactions: E_TX, assignments: { ...A_COLS(), arm: new Uint8Array([0, 1]) } }], "E_LENGTH_MISMATCH", expEval),
  c("assignments: an arm code without a name", () => [{ transactions: E_TX, assignments: { ...A_COLS(), arm: new Uint8Array([0, 0, 1, 1, 7]) } }], "E_OUT_OF_RANGE", expEval),
  c("assignments: NaN assignment time", () => [{ transactions: E_TX, assignments: { ...A_COLS(), assignedAt: new Float64Array([NaN, 0, 0, 0, 0]) } }], "E_NON_FINITE", expEval),
  c("assignments: unknown column key", () => [{ transactions: E_TX, assignments: { ...A_COLS(), variant: [] } }], "E_UNKNOWN_OPTION", expEval),
  c("assignments: empty CSV", () => [{ transactions: E_TX, assignments: "u,g,t\n" }], "E_EMPTY", expEval),
  c("traffic: hand count from CSV", () => [{ transactions: README_CSV, traffic: CR_CSV }], ok((r) => { assert.equal(r.cr.value, 1 / 20); assert.match(r.cr.definition.trafficFingerprint, /^xxh3-128:/); }), crEval),
  c("traffic: from columns", () => [{ transactions: README_CSV, traffic: { date: ["2024-01-10", "2024-01-15"], visits: [5, 20] } }], ok((r) => assert.equal(r.cr.value, 1 / 20)), crEval),
  c("traffic: none", () => [{ transactions: README_CSV }], "E_BAD_OPTION", crEval),
  c("traffic: a number", () => [{ transactions: README_CSV, traffic: 7 }], "E_BAD_OPTION", crEval),
  c("traffic: NaN visits", () => [{ transactions: README_CSV, traffic: { date: ["2024-01-10"], visits: new Float64Array([NaN]) } }], "E_NON_FINITE", crEval),
  c("traffic: negative visits in CSV", () => [{ transactions: README_CSV, traffic: "day,n\n2024-01-10,-5\n" }], "E_NEGATIVE", crEval),
  c("traffic: CSV without the mapped column", () => [{ transactions: README_CSV, traffic: "day,visits\n2024-01-10,5\n" }], "E_MISSING_COLUMN", crEval),
], () => { specSame(); expSame(); });
entry("diffSpecs", (...a) => U.diffSpecs(...a), [
  c("same spec: no change", () => [SPEC, SPEC], ok((d) => assert.deepEqual([d.breaking, d.changes.length, d.suggestedVersion], [false, 0, "1.2.0"]))),
  c("a label: cosmetic, patch", () => [SPEC, U.MetricSpec.parse(withSpec((d) => { d.metrics.aov.label = "Basket"; })()[0])], ok((d) => assert.deepEqual([d.breaking, d.suggestedVersion], [false, "1.2.1"]))),
  c("a period: breaking, major", () => [SPEC, U.MetricSpec.parse(withSpec((d) => { d.metrics.aov.params = { period: "week" }; })()[0])], ok((d) => assert.deepEqual([d.breaking, d.suggestedVersion], [true, "2.0.0"]))),
  c("with data", () => [SPEC, U.MetricSpec.parse(withSpec((d) => { d.metrics.aov.params = { period: "month" }; })()[0]), { data: { transactions: README_CSV } }], ok((d) => assert.deepEqual(d.values, [{ name: "aov", before: 22.5, after: 22.5 }]))),
  c("text instead of a spec", () => ["{}", SPEC], "E_BAD_TYPE"),
  c("nothing", () => [], "E_BAD_TYPE"),
  c("a freed spec", () => { const s = U.MetricSpec.parse(SPEC_DOC()); s.free(); return [s, SPEC]; }, "E_BAD_TYPE"),
  c("unknown option", () => [SPEC, SPEC, { date: {} }], "E_UNKNOWN_OPTION"),
  c("options not an object", () => [SPEC, SPEC, 3], "E_BAD_OPTION"),
  c("data without transactions", () => [SPEC, U.MetricSpec.parse(withSpec((d) => { d.metrics.aov.params = { period: "week" }; })()[0]), { data: {} }], "E_BAD_OPTION"),
  c("data with bad CSV", () => [SPEC, U.MetricSpec.parse(withSpec((d) => { d.metrics.aov.params = { period: "week" }; })()[0]), { data: { transactions: "x" } }], "E_MISSING_COLUMN"),
], specSame);
entry("specCatalog", (...a) => U.specCatalog(...a), [
  c("every entry", () => [], ok((cat) => assert.ok(cat.some((e) => e.metric === "ltv.clv")))),
  ...["junk", 1, null, {}, [], NaN, -1, "x".repeat(1000), () => 1].map((a, i) => c(`ignored argument #${i}`, () => [a], ok((cat) => assert.ok(cat.length >= 20)))),
]);

// --- Date formats. Hand count: Dec 1 2010 08:26Z = Date.UTC(2010, 11, 1, 8, 26).
entry("inferDateFormat", (...a) => U.inferDateFormat(...a), [
  c("US dates settled by a 12/23", () => [["12/1/2010 8:26", "12/23/2010 9:01"]],
    ok((r) => assert.deepEqual([r.format, r.ambiguous, r.values], ["MM/DD/YYYY", false, 2]))),
  c("European dates settled by a 23/12", () => [["1/12/2010", "23/12/2010"]],
    ok((r) => assert.deepEqual([r.format, r.ambiguous], ["DD/MM/YYYY", false]))),
  c("ambiguous dates: no guess", () => [["1/2/2024", "3/4/2024"]],
    ok((r) => assert.deepEqual([r.format, r.ambiguous, r.candidates], [null, true, ["MM/DD/YYYY", "DD/MM/YYYY"]]))),
  c("ISO dates", () => [["2024-01-02"]], ok((r) => assert.equal(r.format, "YYYY-MM-DD"))),
  c("nulls and blanks skipped", () => [[null, "", "31.12.2024"]], ok((r) => assert.deepEqual([r.format, r.values], ["DD.MM.YYYY", 1]))),
  c("empty array", () => [[]], "E_EMPTY"),
  c("only blanks", () => [[" ", null]], "E_EMPTY"),
  c("no one format reads all", () => [["12/23/2010", "23/12/2010"], "InvoiceDate"], "E_BAD_DATE"),
  c("not a date", () => [["soon"]], "E_BAD_DATE"),
  c("a number among the values", () => [["1/2/2024", 5]], "E_BAD_TYPE"),
  c("not an array", () => ["12/1/2010"], "E_BAD_TYPE"),
  c("no values", () => [], "E_BAD_TYPE"),
  c("a typed array", () => [new Float64Array([1, 2])], "E_BAD_TYPE"),
  c("column name not a string", () => [["1/2/2024"], 7], "E_BAD_TYPE"),
  c("very long text", () => [["1/2/2024" + "0".repeat(100_000)]], "E_BAD_DATE"),
]);

// --- Transactions constructors
const txAlive = () => checkReadmeSummary();
const fromCsvCases = (bytes) => {
  const T = (s) => (bytes ? new TextEncoder().encode(s) : s);
  return [
    c("empty text", () => [T(""), M], "E_EMPTY"),
    c("header only", () => [T(HEAD), M], "E_EMPTY"),
    c("one row", () => [T(HEAD + "a,2024-01-01,20\n"), M], ok((tx) => assert.equal(tx.length, 1))),
    c("all values equal (duplicate rows are valid)", () => [T(HEAD + "a,2024-01-01,10\n".repeat(3)), M], ok((tx) => {
      const s = tx.summary(); // one purchase day: frequency 0; three orders of 10
      assert.deepEqual([[...s.frequency], [...s.orders], [...s.revenue]], [[0], [3], [30]]);
    })),
    c("NaN amount", () => [T(HEAD + "a,2024-01-01,NaN\n"), M], "E_NON_FINITE"),
    c("Infinity amount", () => [T(HEAD + "a,2024-01-01,Infinity\n"), M], "E_NON_FINITE"),
    c("-Infinity amount", () => [T(HEAD + "a,2024-01-01,-inf\n"), M], "E_NON_FINITE"),
    c("negative amount is a refund", () => [T(HEAD + "a,2024-01-01,30\na,2024-01-01,-10\n"), M],
      ok((tx) => assert.deepEqual([...tx.summary().revenue], [20]))),
    c("1e308 amount", () => [T(HEAD + "a,2024-01-01,1e308\na,2024-01-02,1e308\n"), M], "E_OUT_OF_RANGE"),
    c("1e150 amounts sum without overflow", () => [T(HEAD + "a,2024-01-01,1e150\na,2024-01-02,1e150\n"), M],
      ok((tx) => assert.deepEqual([...tx.summary().revenue], [2e150]))),
    c("unparsable date", () => [T(HEAD + "a,yesterday,1\n"), M], "E_BAD_DATE"),
    c("ambiguous date 03/05/2024", () => [T(HEAD + "a,03/05/2024,1\n"), M], "E_BAD_DATE"),
    c("date after year 9999", () => [T(HEAD + "a,10000-01-01,1\n"), M], "E_BAD_DATE"),
    c("ragged row", () => [T(HEAD + "a,2024-01-01,1,9\n"), M], "E_CSV"),
    c("short row", () => [T(HEAD + "a,2024-01-01\n"), M], "E_CSV"),
    c("quoted fields with a comma", () => [T(HEAD + '"a,b",2024-01-01,"5"\n'), M],
      ok((tx) => assert.deepEqual(tx.summary().customerId, ["a,b"]))),
    c("escaped quotes", () => [T(HEAD + '"say ""hi""",2024-01-01,5\n'), M],
      ok((tx) => assert.deepEqual(tx.summary().customerId, ['say "hi"']))),
    c("unterminated quote", () => [T(HEAD + '"a,2024-01-01,5\n'), M], "E_CSV"),
    c("byte-order mark", () => [T("\uFEFF" + README_CSV), M],
      ok((tx) => assert.deepEqual(summaryCols(tx.summary({ period: "day" })), [[1, 0], [14, 0], [14, 5], [35, 0]]))),
    c("decimal comma", () => [T("c;d;a\na;2024-01-01;12,5\n"), M], "E_BAD_TYPE"),
    c("unknown mapping key", () => [T(README_CSV), { ...M, colour: "x" }], "E_UNKNOWN_OPTION"),
    c("mapping of the wrong type", () => [T(README_CSV), "c,d,a"], "E_BAD_OPTION"),
    c("mapped column missing", () => [T(README_CSV), { ...M, amount: "revenue" }], "E_MISSING_COLUMN"),
  ];
};
entry("Transactions.fromCsv", (...a) => Transactions.fromCsv(...a), [
  ...fromCsvCases(false),
  // 02:30 on 2024-03-31 does not exist in Berlin (02:00 CET → 03:00 CEST): read as 03:30 CEST
  // = 01:30Z. 02:30 on 2024-10-27 happens twice: the earlier, 02:30 CEST = 00:30Z.
  c("naive times in Berlin's DST gap and fold", () => [HEAD + "a,2024-03-31T02:30,1\na,2024-10-27 02:30,1\n", { ...M, timezone: "Europe/Berlin" }],
    ok((tx) => {
      assert.deepEqual(tx.summary().firstPurchase[0], Date.UTC(2024, 2, 31, 1, 30));
      assert.deepEqual(tx.summary().lastPurchase[0], Date.UTC(2024, 9, 27, 0, 30));
    })),
  c("unknown mapping time zone", () => [README_CSV, { ...M, timezone: "Europe/Atlantis" }], "E_BAD_OPTION"),
  c("mapping time zone of the wrong type", () => [README_CSV, { ...M, timezone: ["UTC"] }], "E_BAD_OPTION"),
  c("text of the wrong type", () => [42, M], "E_BAD_TYPE"),
  c("lone surrogate in an id is read as U+FFFD", () => [HEAD + "\uD800,2024-01-01,5\n", M],
    ok((tx) => assert.deepEqual(tx.summary().customerId, ["\uFFFD"]))),
], txAlive);
MATRIX["Transactions.fromCsv"].cases.push(
  c("US slash dates with dateFormat", () => ["c,d,a\nx,12/1/2010 8:26,5\nx,12/23/2010,7\n", { ...M, dateFormat: "MM/DD/YYYY" }],
    ok((tx) => assert.deepEqual([...tx.summary().firstPurchase], [Date.UTC(2010, 11, 1, 8, 26)]))),
  c("slash dates without dateFormat", () => ["c,d,a\nx,12/1/2010,5\n", M], "E_BAD_DATE"),
  c("a date the format cannot read", () => ["c,d,a\nx,12/1/2010,5\nx,13/1/2010,5\n", { ...M, dateFormat: "MM/DD/YYYY" }], "E_BAD_DATE"),
  c("unknown dateFormat", () => ["c,d,a\nx,12/1/2010,5\n", { ...M, dateFormat: "M/D/Y" }], "E_BAD_OPTION"),
  c("dateFormat of the wrong type", () => ["c,d,a\nx,12/1/2010,5\n", { ...M, dateFormat: 1 }], "E_BAD_OPTION"),
);

MATRIX["Transactions.fromCsv"].cases.push(
  ...fromCsvCases(true).map((k) => ({ ...k, name: `${k.name} (UTF-8 bytes)` })),
  c("non-UTF-8 bytes", () => [new Uint8Array([...new TextEncoder().encode(HEAD), 0xff, 0xfe, ...new TextEncoder().encode(",2024-01-01,5\n")]), M], "E_CSV"),
);

// Rows that are wrong on their own are left out and reported (row as a spreadsheet shows it:
// the header is row 1); problems of the file as a whole still throw.
const skipped = (len, rejected) => ok((r) => {
  assert.equal(r.transactions.length, len);
  assert.deepEqual(r.rejected.map((e) => [e.code, e.row, e.column ?? null]), rejected);
  assert.equal(r.rejectedCount, rejected.length);
});
entry("Transactions.fromCsvSkippingBadRows", (...a) => Transactions.fromCsvSkippingBadRows(...a), [
  c("empty text", () => ["", M], "E_EMPTY"),
  c("header only", () => [HEAD, M], "E_EMPTY"),
  c("one row", () => [HEAD + "a,2024-01-01,20\n", M], skipped(1, [])),
  c("all values equal (duplicate rows are valid)", () => [HEAD + "a,2024-01-01,10\n".repeat(3), M], ok((r) => {
    assert.equal(r.rejectedCount, 0);
    assert.deepEqual([...r.transactions.summary().revenue], [30]);
  })),
  c("NaN amount among good rows", () => [README_CSV + "c,2024-01-02,NaN\n", M], skipped(3, [["E_NON_FINITE", 5, "a"]])),
  c("Infinity and 1e308 amounts", () => [HEAD + "a,2024-01-01,5\nb,2024-01-01,Infinity\nc,2024-01-01,1e308\n", M],
    skipped(1, [["E_NON_FINITE", 3, "a"], ["E_OUT_OF_RANGE", 4, "a"]])),
  c("unparsable and ambiguous dates", () => [HEAD + "a,yesterday,1\nb,03/05/2024,2\nc,2024-01-01,3\n", M],
    skipped(1, [["E_BAD_DATE", 2, "d"], ["E_BAD_DATE", 3, "d"]])),
  c("ragged and short rows", () => [HEAD + "a,2024-01-01,1,9\nb,2024-01-01\nc,2024-01-01,3\n", M],
    ok((r) => {
      assert.equal(r.transactions.length, 1);
      assert.deepEqual(r.rejected.map((e) => [e.code, e.row]), [["E_CSV", 2], ["E_CSV", 3]]);
    })),
  c("every row bad: the first row's error", () => [HEAD + "a,2024-01-01,NaN\nb,never,1\n", M], "E_NON_FINITE"),
  c("negative amount is a refund, not a bad row", () => [HEAD + "a,2024-01-01,30\na,2024-01-01,-10\n", M], ok((r) => {
    assert.equal(r.rejectedCount, 0);
    assert.deepEqual([...r.transactions.summary().revenue], [20]);
  })),
  c("byte-order mark", () => ["\uFEFF" + README_CSV, M], ok((r) =>
    assert.deepEqual(summaryCols(r.transactions.summary({ period: "day" })), [[1, 0], [14, 0], [14, 5], [35, 0]]))),
  c("maxReported 1 of 3 bad rows", () => [HEAD + "a,x,1\nb,y,1\nc,z,1\nd,2024-01-01,1\n", M, { maxReported: 1 }], ok((r) => {
    assert.equal(r.transactions.length, 1);
    assert.equal(r.rejected.length, 1);
    assert.equal(r.rejectedCount, 3);
  })),
  c("unknown mapping key", () => [README_CSV, { ...M, colour: "x" }], "E_UNKNOWN_OPTION"),
  c("mapped column missing", () => [README_CSV, { ...M, amount: "revenue" }], "E_MISSING_COLUMN"),
  c("unknown mapping time zone", () => [README_CSV, { ...M, timezone: "Europe/Atlantis" }], "E_BAD_OPTION"),
  c("unknown option key", () => [README_CSV, M, { maxReportd: 3 }], "E_UNKNOWN_OPTION"),
  c("maxReported of the wrong type", () => [README_CSV, M, { maxReported: "all" }], "E_BAD_OPTION"),
  c("text of the wrong type", () => [42, M], "E_BAD_TYPE"),
], txAlive);

const rowsOf = (csv) => csv.trim().split("\n").slice(1).map((l) => { const [c_, d, a] = l.split(","); return { c: c_, d, a: Number(a) }; });
entry("Transactions.fromRows", (...a) => Transactions.fromRows(...a), [
  c("empty array", () => [[], M], "E_EMPTY"),
  c("one row", () => [[{ c: "a", d: "2024-01-01", a: 20 }], M], ok((tx) => assert.equal(tx.length, 1))),
  c("all values equal (duplicate rows are valid)", () => [[1, 2, 3].map(() => ({ c: "a", d: "2024-01-01", a: 10 })), M],
    ok((tx) => assert.deepEqual([...tx.summary().revenue], [30]))),
  c("NaN amount", () => [[{ c: "a", d: "2024-01-01", a: NaN }], M], "E_NON_FINITE"),
  c("Infinity amount", () => [[{ c: "a", d: "2024-01-01", a: Infinity }], M], "E_NON_FINITE"),
  c("-Infinity amount", () => [[{ c: "a", d: "2024-01-01", a: -Infinity }], M], "E_NON_FINITE"),
  c("1e308 amount", () => [[{ c: "a", d: "2024-01-01", a: 1e308 }], M], "E_OUT_OF_RANGE"),
  c("negative amount is a refund", () => [[{ c: "a", d: "2024-01-01", a: 30 }, { c: "a", d: "2024-01-01", a: -10 }], M],
    ok((tx) => assert.deepEqual([...tx.summary().revenue], [20]))),
  c("unparsable date", () => [[{ c: "a", d: "soon", a: 1 }], M], "E_BAD_DATE"),
  c("ambiguous date", () => [[{ c: "a", d: "03/05/2024", a: 1 }], M], "E_BAD_DATE"),
  c("invalid Date object", () => [[{ c: "a", d: new Date(NaN), a: 1 }], M], "E_NON_FINITE"),
  c("boolean amount", () => [[{ c: "a", d: "2024-01-01", a: true }], M], "E_BAD_TYPE"),
  c("ragged rows (a later row misses a column)", () => [[{ c: "a", d: "2024-01-01", a: 1 }, { c: "b", a: 1 }], M], "E_MISSING_VALUE"),
  c("rows not an array", () => ["rows", M], "E_BAD_TYPE"),
  c("a row that is not an object", () => [[42], M], "E_BAD_TYPE"),
  c("unknown mapping key", () => [rowsOf(README_CSV), { ...M, colour: "x" }], "E_UNKNOWN_OPTION"),
  c("mapping of the wrong type", () => [rowsOf(README_CSV), 7], "E_BAD_OPTION"),
  c("BOM in an id is part of the id", () => [[{ c: "\uFEFFa", d: "2024-01-01", a: 1 }], M],
    ok((tx) => assert.deepEqual(tx.summary().customerId, ["\uFEFFa"]))),
  c("README rows", () => [rowsOf(README_CSV), M], ok((tx) => assert.deepEqual(summaryCols(tx.summary({ period: "day" })), [[1, 0], [14, 0], [14, 5], [35, 0]]))),
], txAlive);

const cols = (o) => () => [{ customerId: ["a", "a", "b"], timestamp: ["2024-01-01", "2024-01-15", "2024-01-10"], amount: new Float64Array([20, 35, 12.5]), ...o }];
entry("Transactions.fromColumns", (...a) => Transactions.fromColumns(...a), [
  c("README columns", cols({}), ok((tx) => assert.deepEqual(summaryCols(tx.summary({ period: "day" })), [[1, 0], [14, 0], [14, 5], [35, 0]]))),
  c("empty columns", () => [{ customerId: new Uint32Array(0), timestamp: new Float64Array(0), amount: new Float64Array(0) }], "E_EMPTY"),
  c("one row", () => [{ customerId: new Uint32Array([7]), timestamp: new Float64Array([JAN1]), amount: new Float64Array([1]) }], ok((tx) => assert.equal(tx.length, 1))),
  c("mismatched column lengths", cols({ amount: new Float64Array([1, 2]) }), "E_LENGTH_MISMATCH"),
  c("NaN amount", cols({ amount: new Float64Array([1, NaN, 2]) }), "E_NON_FINITE"),
  c("Infinity amount", cols({ amount: [1, Infinity, 2] }), "E_NON_FINITE"),
  c("1e308 amount", cols({ amount: [1, 1e308, 2] }), "E_OUT_OF_RANGE"),
  c("NaN epoch time", () => [{ customerId: new Uint32Array([1]), timestamp: new Float64Array([NaN]), amount: new Float64Array([1]) }], "E_NON_FINITE"),
  c("epoch time past year 9999", () => [{ customerId: new Uint32Array([1]), timestamp: new Float64Array([1e300]), amount: new Float64Array([1]) }], "E_BAD_DATE"),
  c("ambiguous date text", cols({ timestamp: ["2024-01-01", "01/02/2024", "2024-01-10"] }), "E_BAD_DATE"),
  c("missing id", cols({ customerId: ["a", null, "b"] }), "E_MISSING_VALUE"),
  c("unknown column key", cols({ colour: ["x", "y", "z"] }), "E_UNKNOWN_OPTION"),
  c("columns of the wrong type", () => ["a,b,c"], "E_BAD_OPTION"),
  c("amount column of the wrong type", cols({ amount: "1,2,3" }), "E_BAD_TYPE"),
  c("all values equal", () => [{ customerId: new Uint32Array([3, 3, 3]), timestamp: new Float64Array([JAN1, JAN1, JAN1]), amount: new Float64Array([5, 5, 5]) }],
    ok((tx) => assert.deepEqual([...tx.summary().revenue], [15]))),
  // Bare dates in New York are local midnights: Jan 1 00:00 EST = 05:00Z.
  c("text dates read in a time zone", () => [cols({})()[0], { timezone: "America/New_York" }], ok((tx) => {
    assert.equal(tx.timezone, "America/New_York");
    assert.equal(tx.summary().firstPurchase[0], Date.UTC(2024, 0, 1, 5));
  })),
  c("unknown time zone", () => [cols({})()[0], { timezone: "Nowhere/Land" }], "E_BAD_OPTION"),
  c("unknown table option", () => [cols({})()[0], { tz: "UTC" }], "E_UNKNOWN_OPTION"),
  c("table options of the wrong type", () => [cols({})()[0], "UTC"], "E_BAD_OPTION"),
], txAlive);

// --- Dimensions: text columns kept by name (mapping `dimensions`, fromColumns' `dimensions`).
// Hand count: country DE, FR, (missing) → values ["DE", "FR"], codes [0, 1, MISSING]; device ios,
// (missing), web → values ["ios", "web"], codes [0, MISSING, 1]. At first purchase (day): a → Jan 1
// (DE, ios); b → Jan 10 (missing, web).
const MISSING = 4294967295;
const DIM_CSV = "c,d,a,country,device\na,2024-01-01,20,DE,ios\na,2024-01-15,35,FR,\nb,2024-01-10,12.5,,web\n";
const MD = { ...M, dimensions: ["country", "device"] };
const dimsOk = ok((tx) => {
  assert.deepEqual(tx.dimensions, ["country", "device"]);
  const country = tx.dimension("country");
  assert.deepEqual([country.name, [...country.codes], country.values], ["country", [0, 1, MISSING], ["DE", "FR"]]);
  const device = tx.dimension("device");
  assert.deepEqual([[...device.codes], device.values], [[0, MISSING, 1], ["ios", "web"]]);
  assert.deepEqual(summaryCols(tx.summary({ period: "day" })), [[1, 0], [14, 0], [14, 5], [35, 0]]);
});
MATRIX["Transactions.fromCsv"].cases.push(
  c("dimensions kept as dictionary codes", () => [DIM_CSV, MD], dimsOk),
  c("dimension column missing", () => [DIM_CSV, { ...M, dimensions: ["country", "plan"] }], "E_MISSING_COLUMN"),
  c("empty dimension name", () => [DIM_CSV, { ...M, dimensions: [""] }], "E_BAD_OPTION"),
  c("dimension named twice", () => [DIM_CSV, { ...M, dimensions: ["country", "country"] }], "E_BAD_OPTION"),
  c("dimensions of the wrong type (a string)", () => [DIM_CSV, { ...M, dimensions: "country" }], "E_BAD_OPTION"),
  c("dimension name of the wrong type", () => [DIM_CSV, { ...M, dimensions: [7] }], "E_BAD_OPTION"),
  c("no dimensions: none kept", () => [DIM_CSV, M], ok((tx) => assert.deepEqual(tx.dimensions, []))),
);
const dimRows = () => rowsOf(README_CSV).map((r, i) => ({ ...r, country: ["DE", "FR", null][i], device: ["ios", undefined, "web"][i] }));
MATRIX["Transactions.fromRows"].cases.push(
  c("dimensions from row objects", () => [dimRows(), MD], dimsOk),
  c("a number in a dimension", () => [dimRows().map((r) => ({ ...r, country: 49 })), MD], "E_BAD_TYPE"),
  c("a boolean in a dimension", () => [dimRows().map((r) => ({ ...r, device: true })), MD], "E_BAD_TYPE"),
  c("dimension missing from the rows", () => [rowsOf(README_CSV), MD], "E_MISSING_COLUMN"),
  c("dimension named twice", () => [dimRows(), { ...M, dimensions: ["country", "country"] }], "E_BAD_OPTION"),
);
const DIMS = { country: ["DE", "FR", null], device: ["ios", "", "web"] };
MATRIX["Transactions.fromColumns"].cases.push(
  c("dimensions as typed columns", cols({ dimensions: DIMS }), dimsOk),
  c("a dimension of the wrong length", cols({ dimensions: { country: ["DE", "FR"] } }), "E_LENGTH_MISMATCH"),
  c("numbers in a dimension", cols({ dimensions: { country: [1, 2, 3] } }), "E_BAD_TYPE"),
  c("a dimension that is not an array", cols({ dimensions: { country: "DE,FR" } }), "E_BAD_TYPE"),
  c("dimensions as an array", cols({ dimensions: [["DE", "FR", "DE"]] }), "E_BAD_OPTION"),
  c("dimensions of the wrong type", cols({ dimensions: "country" }), "E_BAD_OPTION"),
  c("an empty dimension name", cols({ dimensions: { "": ["DE", "FR", "DE"] } }), "E_BAD_OPTION"),
  c("no dimension in the object", cols({ dimensions: {} }), ok((tx) => assert.deepEqual(tx.dimensions, []))),
);

// Transactions#dimension and CustomerSummary#dimension on shared instances.
const DTX = Transactions.fromCsv(DIM_CSV, MD);
const DSUM = DTX.summary({ period: "day" });
const dimSame = () => {
  assert.deepEqual([...DTX.dimension("country").codes], [0, 1, MISSING]);
  assert.deepEqual(DSUM.dimension("device").values, ["ios", "web"]);
};
const dimNameCases = (at) => [
  c("unknown dimension", () => ["plan"], "E_BAD_OPTION"),
  c("empty name", () => [""], "E_BAD_OPTION"),
  c("name with spaces", () => [" country "], "E_BAD_OPTION"),
  c("upper-case name", () => ["COUNTRY"], "E_BAD_OPTION"),
  c("a mapped column that is not a dimension", () => ["c"], "E_BAD_OPTION"),
  c("lone surrogate", () => ["\uD800"], "E_BAD_OPTION"),
  c("very long name", () => ["x".repeat(100_000)], "E_BAD_OPTION"),
  c("a number as name", () => [7], "E_BAD_OPTION"),
  c("the other dimension", () => ["device"], ok((d) => assert.deepEqual([...d.codes], at.device))),
  c("country", () => ["country"], ok((d) => assert.deepEqual([d.name, [...d.codes], d.values], ["country", at.country, ["DE", "FR"]]))),
];
entry("Transactions#dimension", (...a) => DTX.dimension(...a), [
  ...dimNameCases({ country: [0, 1, MISSING], device: [0, MISSING, 1] }),
  c("a table without dimensions", () => ["country"], "E_BAD_OPTION", () => TX.dimension("country")),
], dimSame);
entry("CustomerSummary#dimension", (...a) => DSUM.dimension(...a), [
  ...dimNameCases({ country: [0, MISSING], device: [0, 1] }),
  c("a summary from columns", () => ["country"], "E_BAD_OPTION", () => S.one().dimension("country")),
  c("a summary from transactions without dimensions", () => ["country"], "E_BAD_OPTION", () => SUM.dimension("country")),
], dimSame);

// --- Transactions methods (on one shared instance)
const TX = Transactions.fromCsv(README_CSV, M);
ref.txSummary = summaryCols(TX.summary({ period: "day" }));
const txSame = () => assert.deepEqual(summaryCols(TX.summary({ period: "day" })), ref.txSummary);
for (const method of ["summary", "kpis"]) {
  entry(`Transactions#${method}`, (...a) => TX[method](...a), [
    c("no options", () => [], ok()),
    c("observation end before every transaction", () => [{ observationEnd: "2023-01-01" }], "E_EMPTY"),
    c("dates after the observation end are ignored", () => [{ period: "day", observationEnd: "2024-01-10" }],
      ok((r) => method === "summary" ? assert.deepEqual([...r.frequency], [0, 0]) : assert.equal(r.orders.value, 2))),
    c("unparsable observation end", () => [{ observationEnd: "soon" }], "E_BAD_OPTION"),
    c("ambiguous observation end", () => [{ observationEnd: "01/02/2024" }], "E_BAD_OPTION"),
    c("NaN observation end", () => [{ observationEnd: NaN }], "E_BAD_OPTION"),
    c("unknown period", () => [{ period: "fortnight" }], "E_BAD_OPTION"),
    c("period of the wrong type", () => [{ period: 7 }], "E_BAD_OPTION"),
    c("observation end of the wrong type", () => [{ observationEnd: true }], "E_BAD_OPTION"),
    // Time zones and weeks (#16). README rows are bare dates read in UTC: a on Jan 1 and 15, b
    // on Jan 10 (00:00Z). In Honolulu (−10:00) they fall on Dec 31, Jan 14 and Jan 9; the
    // observation end "2024-01-09" is the end of Jan 9 there, so both customers bought in the
    // window (one purchase day each); in UTC b's Jan 10 is after it.
    c("observation end as a local day (Honolulu)", () => [{ period: "day", observationEnd: "2024-01-09", timezone: "Pacific/Honolulu" }],
      ok((r) => method === "summary" ? assert.deepEqual([...r.frequency], [0, 0]) : assert.equal(r.customers.value, 2))),
    c("the same end in UTC", () => [{ period: "day", observationEnd: "2024-01-09" }],
      ok((r) => method === "summary" ? assert.deepEqual(r.customerId, ["a"]) : assert.equal(r.customers.value, 1))),
    c("observation end \"lastTransaction\" (the default)", () => [{ period: "day", observationEnd: "lastTransaction" }],
      ok((r) => method === "summary" ? assert.deepEqual([...r.T], [14, 5]) : assert.equal(r.orders.value, 3))),
    c("observation end \"LastTransaction\" (wrong case)", () => [{ observationEnd: "LastTransaction" }], "E_BAD_OPTION"),
    c("unknown time zone", () => [{ timezone: "Mars/Olympus_Mons" }], "E_BAD_OPTION"),
    c("empty time zone", () => [{ timezone: "" }], "E_BAD_OPTION"),
    c("time zone of the wrong type", () => [{ timezone: 2 }], "E_BAD_OPTION"),
    c("a UTC offset is not a zone name", () => [{ timezone: "+02:00" }], "E_BAD_OPTION"),
    c("time zone in lower case", () => [{ period: "day", timezone: "europe/berlin" }],
      ok((r) => method === "summary" ? assert.deepEqual([...r.T], [14, 5]) : assert.equal(r.orders.value, 3))),
    c("weekStart 0", () => [{ period: "week", weekStart: 0 }], "E_BAD_OPTION"),
    c("weekStart 8", () => [{ period: "week", weekStart: 8 }], "E_BAD_OPTION"),
    c("weekStart 1.5", () => [{ weekStart: 1.5 }], "E_BAD_OPTION"),
    c("weekStart NaN", () => [{ weekStart: NaN }], "E_BAD_OPTION"),
    c("weekStart as a day name", () => [{ weekStart: "monday" }], "E_BAD_OPTION"),
    c("weekStart -1", () => [{ weekStart: -1 }], "E_BAD_OPTION"),
    // Monday Jan 1 and Monday Jan 15: two weeks apart whether weeks start on Sunday or Monday.
    c("weekStart 7 (Sunday weeks)", () => [{ period: "week", weekStart: 7 }],
      ok((r) => method === "summary" ? assert.deepEqual([...r.recency], [2, 0]) : assert.equal(r.customers.value, 2))),
    ...optionCases(null, 0, [{}], null),
  ], txSame);
}

// --- CustomerSummary
const sc = (o) => () => [{ customerId: ["a", "b"], frequency: [2, 0], recency: [5, 0], T: [10, 3], monetaryValue: [12, 0], ...o }, { period: "week" }];
entry("CustomerSummary.fromColumns", (...a) => CustomerSummary.fromColumns(...a), [
  c("valid", sc({}), ok((s) => assert.equal(s.length, 2))),
  c("empty", sc({ customerId: [], frequency: [], recency: [], T: [], monetaryValue: [] }), "E_EMPTY"),
  c("one row", sc({ customerId: ["a"], frequency: [0], recency: [0], T: [1], monetaryValue: [0] }), ok((s) => assert.equal(s.length, 1))),
  c("mismatched lengths", sc({ T: [10] }), "E_LENGTH_MISMATCH"),
  c("NaN", sc({ frequency: [NaN, 0] }), "E_NON_FINITE"),
  c("Infinity", sc({ T: [Infinity, 3] }), "E_NON_FINITE"),
  c("-Infinity", sc({ monetaryValue: [-Infinity, 0] }), "E_NON_FINITE"),
  c("negative", sc({ monetaryValue: [-12, 0] }), "E_NEGATIVE"),
  c("1e308", sc({ monetaryValue: [1e308, 0] }), "E_OUT_OF_RANGE"),
  c("recency after T (a date after the observation end)", sc({ recency: [11, 0] }), "E_OUT_OF_RANGE"),
  c("fractional frequency", sc({ frequency: [1.5, 0] }), "E_OUT_OF_RANGE"),
  c("missing column", () => [{ customerId: ["a"], frequency: [0], recency: [0], T: [1] }, {}], "E_MISSING_COLUMN"),
  c("unknown column", sc({ colour: ["x", "y"] }), "E_UNKNOWN_OPTION"),
  c("unknown period", () => [sc({})()[0], { period: "year" }], "E_BAD_OPTION"),
  c("options of the wrong type", () => [sc({})()[0], "week"], "E_BAD_OPTION"),
  c("columns of the wrong type", () => ["columns", {}], "E_BAD_OPTION"),
]);
const SUM = Transactions.fromCsv(README_CSV, M).summary({ period: "day" });
entry("CustomerSummary#toColumns", (...a) => SUM.toColumns(...a),
  noInputCases(() => SUM.toColumns(), () => SUM.toColumns()), () => assert.deepEqual(summaryCols(SUM), [[1, 0], [14, 0], [14, 5], [35, 0]]));

// --- Spend
entry("Spend.fromCsv", (...a) => Spend.fromCsv(...a), [
  c("fixture", () => [SPEND_CSV, SPEND_MAP], ok((s) => assert.ok(s.length > 0))),
  c("empty", () => ["", SPEND_MAP], "E_EMPTY"),
  c("header only", () => ["month,channel,amount,type\n", SPEND_MAP], "E_EMPTY"),
  c("one row", () => ["month,channel,amount,type\n2024-01-01,search,100,paid\n", SPEND_MAP], ok((s) => assert.equal(s.total, 100))),
  c("unknown mapping time zone", () => [SPEND_CSV, { ...SPEND_MAP, timezone: "Moon/Tranquility" }], "E_BAD_OPTION"),
  c("NaN", () => ["month,channel,amount\n2024-01-01,search,NaN\n", { date: "month", channel: "channel", amount: "amount" }], "E_NON_FINITE"),
  c("Infinity", () => ["month,channel,amount\n2024-01-01,search,inf\n", { date: "month", channel: "channel", amount: "amount" }], "E_NON_FINITE"),
  c("negative spend", () => ["month,channel,amount\n2024-01-01,search,-5\n", { date: "month", channel: "channel", amount: "amount" }], "E_NEGATIVE"),
  c("1e308 spend", () => ["month,channel,amount\n2024-01-01,search,1e308\n", { date: "month", channel: "channel", amount: "amount" }], "E_OUT_OF_RANGE"),
  c("ambiguous date", () => ["month,channel,amount\n01/02/2024,search,5\n", { date: "month", channel: "channel", amount: "amount" }], "E_BAD_DATE"),
  c("ragged", () => ["month,channel,amount\n2024-01-01,search\n", { date: "month", channel: "channel", amount: "amount" }], "E_CSV"),
  c("non-UTF-8", () => [new Uint8Array([...new TextEncoder().encode("month,channel,amount\n2024-01-01,"), 0xc3, 0x28, ...new TextEncoder().encode(",5\n")]), { date: "month", channel: "channel", amount: "amount" }], "E_CSV"),
  c("BOM and quotes", () => ['\uFEFFmonth,channel,amount\n2024-01-01,"search, brand",5\n', { date: "month", channel: "channel", amount: "amount" }],
    ok((s) => assert.deepEqual(s.channels, ["search, brand"]))),
  c("unknown channel type", () => ["month,channel,amount,type\n2024-01-01,search,5,bought\n", SPEND_MAP], "E_BAD_TYPE"),
  c("unknown mapping key", () => [SPEND_CSV, { ...SPEND_MAP, colour: "x" }], "E_UNKNOWN_OPTION"),
  c("mapping of the wrong type", () => [SPEND_CSV, null], "E_BAD_OPTION"),
]);
const spendCols = (o) => () => [{ date: ["2024-01-01", "2024-02-01"], channel: ["search", "social"], amount: [100, 50], ...o }];
entry("Spend.fromColumns", (...a) => Spend.fromColumns(...a), [
  c("valid", spendCols({}), ok((s) => assert.equal(s.total, 150))),
  c("empty", spendCols({ date: [], channel: [], amount: [] }), "E_EMPTY"),
  c("one row", spendCols({ date: [JAN1], channel: ["search"], amount: new Float64Array([7]) }), ok((s) => assert.equal(s.total, 7))),
  c("mismatched lengths", spendCols({ amount: [1] }), "E_LENGTH_MISMATCH"),
  c("NaN", spendCols({ amount: [NaN, 1] }), "E_NON_FINITE"),
  c("Infinity", spendCols({ amount: new Float64Array([Infinity, 1]) }), "E_NON_FINITE"),
  c("negative", spendCols({ amount: [-1, 1] }), "E_NEGATIVE"),
  c("1e308", spendCols({ amount: [1e308, 1e308] }), "E_OUT_OF_RANGE"),
  c("ambiguous date", spendCols({ date: ["01/02/2024", "2024-02-01"] }), "E_BAD_DATE"),
  c("date column too large for wasm memory (4 GiB of zeros, not touched)",
    () => [{ date: new Float64Array(2 ** 29 + 8), channel: ["search", "social"], amount: [100, 50] }], "E_TOO_LARGE"),
  c("unknown key", spendCols({ colour: [1, 2] }), "E_UNKNOWN_OPTION"),
  c("duplicate rows are valid (with a warning in cac)", spendCols({ date: ["2024-01-01", "2024-01-01"], channel: ["search", "search"], amount: [5, 5] }), ok((s) => assert.equal(s.total, 10))),
  c("columns of the wrong type", () => [5], "E_BAD_OPTION"),
]);
entry("Spend.fromRows", (...a) => Spend.fromRows(...a), [
  c("valid", () => [[{ m: "2024-01-01", ch: "search", x: 5 }], { date: "m", channel: "ch", amount: "x" }], ok((s) => assert.equal(s.total, 5))),
  c("empty", () => [[], { date: "m", channel: "ch", amount: "x" }], "E_EMPTY"),
  c("NaN", () => [[{ m: "2024-01-01", ch: "search", x: NaN }], { date: "m", channel: "ch", amount: "x" }], "E_NON_FINITE"),
  c("Infinity", () => [[{ m: "2024-01-01", ch: "search", x: Infinity }], { date: "m", channel: "ch", amount: "x" }], "E_NON_FINITE"),
  c("negative", () => [[{ m: "2024-01-01", ch: "search", x: -5 }], { date: "m", channel: "ch", amount: "x" }], "E_NEGATIVE"),
  c("1e308", () => [[{ m: "2024-01-01", ch: "search", x: 1e308 }], { date: "m", channel: "ch", amount: "x" }], "E_OUT_OF_RANGE"),
  c("unparsable date", () => [[{ m: "Jan", ch: "search", x: 5 }], { date: "m", channel: "ch", amount: "x" }], "E_BAD_DATE"),
  c("missing column", () => [[{ m: "2024-01-01", x: 5 }], { date: "m", channel: "ch", amount: "x" }], "E_MISSING_COLUMN"),
  c("rows not an array", () => [{}, { date: "m", channel: "ch", amount: "x" }], "E_BAD_TYPE"),
  c("unknown mapping key", () => [[], { date: "m", channel: "ch", amount: "x", colour: "y" }], "E_UNKNOWN_OPTION"),
  c("string amount", () => [[{ m: "2024-01-01", ch: "search", x: "5" }], { date: "m", channel: "ch", amount: "x" }], ok((s) => assert.equal(s.total, 5))),
]);

// --- CAC
const SP = spend(), CT = CAC_TX();
// c1 is acquired on 5 Jan 2024 after an email (1 Jan) and a search (4 Jan) touch: linear gives
// each 0.5 of January's c1; the other January customers are unknown to the attribution.
const CAC_AR = () => U.attribution(U.Journeys.fromTransactions([
  { journeyId: "c1", timestamp: "2024-01-01", channel: "email" },
  { journeyId: "c1", timestamp: "2024-01-04", channel: "search" },
], CT), { models: ["linear"], credits: true });
// Payback and LTV:CAC at grossMargin 0.5: c1's margin 50, 25, 25 counts half in email and half
// in search; January email cohort 0.5 customers, curve 50, 75, 100 against CAC 30 / 0.5 = 60
// (paid back 1 month after), search against 120 / 0.5 = 240 (not yet); whole window email LTV
// 100 over CAC 50 / 0.5 = 100 → 1, search 100 over 180 / 0.5 = 360.
const attributedOk = {
  cac: (good) => (r) => {
    const jan = (ch) => r.rows.find((x) => x.variant === "channel" && x.channel === ch);
    assert.equal(jan("email").newCustomers, 0.5);
    assert.equal(jan("search").definition.metric, "cac.attributed");
    assert.equal(r.rows[0].newCustomers, U.cac(SP, CT, good).rows[0].newCustomers);
  },
  cacPayback: (good) => (r) => {
    const jan = (ch) => r.cohorts.find((x) => x.channel === ch);
    assert.deepEqual([jan("email").customers, jan("email").cac, jan("email").curve, jan("email").paybackMonths], [0.5, 60, [50, 75, 100], 1]);
    assert.deepEqual([jan("search").customers, jan("search").cac, jan("search").status], [0.5, 240, "not_yet"]);
    assert.equal(jan("unknown").customers, 2);
    assert.equal(jan("email").definition.params.model, "linear");
    assert.equal(r.simple[0].definition.params.model, "linear");
    const plain = U.cacPayback(SP, CT, good).cohorts[0];
    assert.deepEqual([r.cohorts[0].channel, r.cohorts[0].customers, r.cohorts[0].cac, r.cohorts[0].curve], [null, plain.customers, plain.cac, plain.curve]);
  },
  ltvToCac: (good) => (r) => {
    const all = (ch) => r.rows.find((x) => x.cohort === null && x.channel === ch);
    assert.deepEqual([all("email").customers, all("email").ltv, all("email").cac, all("email").value], [0.5, 100, 100, 1]);
    assert.deepEqual([all("search").customers, all("search").ltv, all("search").cac], [0.5, 100, 360]);
    assert.equal(all("email").definition.params.model, "linear");
    assert.equal(all(null).customers, U.ltvToCac(SP, CT, good).rows[0].customers);
  },
};
function attributedCacCases(key, good) {
  const at = (o) => () => [SP, CT, { ...good, ...o }];
  const perCustomer = key === "cac" ? [] : [
    c("a result without journeys", () => { const r = CAC_AR(); delete r.journeys; return [SP, CT, { ...good, attribution: r, model: "linear" }]; }, "E_BAD_OPTION"),
    c("a credit's journey out of range", () => { const r = CAC_AR(); r.models.linear.credits.journey[0] = 99; return [SP, CT, { ...good, attribution: r, model: "linear" }]; }, "E_OUT_OF_RANGE"),
    c("a model of the wrong type", at({ attribution: CAC_AR(), model: 3 }), "E_BAD_OPTION"),
    c("an unknown model", at({ attribution: CAC_AR(), model: "lastClick" }), "E_BAD_OPTION"),
    c("attribution not an object", at({ attribution: "linear", model: "linear" }), "E_BAD_OPTION"),
  ];
  return [
    c("attribution: linear credits", at({ attribution: CAC_AR(), model: "linear" }), ok(attributedOk[key](good))),
    c("attribution without a model", at({ attribution: CAC_AR() }), "E_BAD_OPTION"),
    c("a model without attribution", at({ model: "linear" }), "E_BAD_OPTION"),
    c("a model not in the result", at({ attribution: CAC_AR(), model: "markov" }), "E_BAD_OPTION"),
    c("a result without credits", at({ attribution: U.attribution(U.Journeys.fromTransactions([{ journeyId: "c1", timestamp: "2024-01-01", channel: "email" }], CT)), model: "linear" }), "E_BAD_OPTION"),
    c("credits of paths without times", at({ attribution: U.attribution(U.Journeys.fromPaths({ path: ["a"], conversions: [1] }), { credits: true }), model: "linear" }), "E_BAD_OPTION"),
    c("a NaN credit", () => { const r = CAC_AR(); r.models.linear.credits.weight[0] = NaN; return [SP, CT, { ...good, attribution: r, model: "linear" }]; }, "E_NON_FINITE"),
    c("both acquisition channels and attribution", at({ attribution: CAC_AR(), model: "linear", acquisitionChannels: { customerId: ["c1"], channel: ["x"] } }), "E_BAD_OPTION"),
    ...perCustomer,
  ];
}
ref.cac = JSON.stringify(U.cac(SP, CT, { period: "month" }).rows);
const cacSame = () => assert.equal(JSON.stringify(U.cac(SP, CT, { period: "month" }).rows), ref.cac);
for (const [key, fn, good] of [["cac", U.cac, { period: "month" }], ["cacPayback", U.cacPayback, { grossMargin: 0.5 }], ["ltvToCac", U.ltvToCac, { grossMargin: 0.5 }]]) {
  entry(key, (...a) => fn(...a), [
    c("fixture", () => [SP, CT, good], ok()),
    ...classArgCases(0, () => [SP, CT, good], "Spend", spend),
    ...classArgCases(1, () => [SP, CT, good], "Transactions", CAC_TX).slice(0, 2),
    c("transactions with no acquisitions in the spend periods", () => [SP, Transactions.fromCsv(HEAD + "z,2030-01-01,5\n", M), good], ok((r) => {
      const rows = r.rows ?? r.cohorts ?? [];
      assert.ok(rows.every((x) => x.value === null || x.value === undefined || Number.isFinite(x.value)));
    })),
    c("unknown time zone", () => [SP, CT, { ...good, timezone: "Mars/Base" }], "E_BAD_OPTION"),
    ...(key === "cac" ? [c("weekStart 9", () => [SP, CT, { ...good, weekStart: 9 }], "E_BAD_OPTION")] : []),
    ...attributedCacCases(key, good),
    ...optionCases(null, 2, [SP, CT, good], key === "cac" ? "attributionLag" : "grossMargin"),
  ], cacSame);
}

// --- churn
const CHURN_TX = shopTx();
const F = churnFeatures(CHURN_TX, { cutoff: "2024-02-15", horizonDays: 60 });
const CHURN = U.fitChurn(F, F.labels, {});
ref.churn = [...CHURN.predict(F).values];
const churnSame = () => assert.deepEqual([...CHURN.predict(F).values], ref.churn);
const fm = (values, names = F.names) => ({ names, values });
entry("churnFeatures", (...a) => U.churnFeatures(...a), [
  c("fixture", () => [CHURN_TX, { cutoff: "2024-02-15", horizonDays: 60 }], ok((f) => assert.equal(f.nCols, 11))),
  c("cutoff before every transaction", () => [CHURN_TX, { cutoff: "2023-01-01" }], "E_EMPTY"),
  c("cutoff after the data: labels null", () => [CHURN_TX, { cutoff: "2030-01-01", horizonDays: 30 }], ok((f) => assert.equal(f.labels, null))),
  c("unparsable cutoff", () => [CHURN_TX, { cutoff: "soon" }], "E_BAD_OPTION"),
  c("ambiguous cutoff", () => [CHURN_TX, { cutoff: "02/03/2024" }], "E_BAD_OPTION"),
  c("missing cutoff", () => [CHURN_TX, {}], "E_BAD_OPTION"),
  c("cutoff \"lastTransaction\" is not a date", () => [CHURN_TX, { cutoff: "lastTransaction" }], "E_BAD_OPTION"),
  c("unknown time zone", () => [CHURN_TX, { cutoff: "2024-02-15", timezone: "Asia/Atlantis" }], "E_BAD_OPTION"),
  c("one transaction", () => [Transactions.fromCsv(HEAD + "a,2024-01-01,5\n", M), { cutoff: "2024-01-01" }], ok((f) => assert.equal(f.customerId.length, 1))),
  ...classArgCases(0, () => [CHURN_TX, { cutoff: "2024-02-15" }], "Transactions", shopTx),
  ...optionCases(null, 1, [CHURN_TX, { cutoff: "2024-02-15" }], "horizonDays"),
]);
entry("fitChurn", (...a) => U.fitChurn(...a), [
  c("fixture", () => [F, F.labels, {}], ok((m) => assert.equal(m.names.length, 11))),
  c("empty matrix", () => [fm(new Float64Array(0)), new Uint8Array(0), {}], "E_EMPTY"),
  c("one row", () => [fm(F.values.slice(0, 11)), new Uint8Array([1]), {}], "E_INSUFFICIENT_DATA"),
  c("all labels equal", () => [F, new Uint8Array(F.labels.length), {}], "E_INSUFFICIENT_DATA"),
  c("NaN feature", () => [fm(Float64Array.from(F.values, (v, i) => (i === 3 ? NaN : v))), F.labels, {}], "E_NON_FINITE"),
  c("Infinity feature", () => [fm(Float64Array.from(F.values, (v, i) => (i === 3 ? Infinity : v))), F.labels, {}], "E_NON_FINITE"),
  c("1e308 feature", () => [fm(Float64Array.from(F.values, (v, i) => (i === 3 ? 1e308 : v))), F.labels, {}], "E_OUT_OF_RANGE"),
  c("labels shorter than the rows", () => [F, F.labels.slice(1), {}], "E_LENGTH_MISMATCH"),
  c("label 2", () => [F, Uint8Array.from(F.labels, (v, i) => (i === 0 ? 2 : v)), {}], "E_OUT_OF_RANGE"),
  c("values not divisible by the names", () => [fm(F.values.slice(1)), F.labels, {}], "E_LENGTH_MISMATCH"),
  c("features of the wrong type", () => [42, F.labels, {}], "E_BAD_TYPE"),
  c("null labels (features past the data)", () => [F, null, {}], "E_INSUFFICIENT_DATA"),
  c("labels a string", () => [F, "0101", {}], "E_BAD_TYPE"),
  c("duplicate rows are valid", () => [fm(new Float64Array([...F.values, ...F.values])), new Uint8Array([...F.labels, ...F.labels]), {}], ok((m) => {
    const p = m.predict(F).values; assert.ok(p.every((x) => x >= 0 && x <= 1));
  })),
  ...optionCases(null, 2, [F, F.labels, {}], "alpha"),
], churnSame);
entry("ChurnModel#predict", (...a) => CHURN.predict(...a), [
  c("fixture", () => [F], ok((p) => { assert.deepEqual([...p.values], ref.churn); assert.equal(p.definition.metric, "churn.propensity"); })),
  c("empty matrix", () => [fm(new Float64Array(0))], "E_EMPTY"),
  c("one row", () => [fm(F.values.slice(0, 11))], ok((p) => assert.equal(p.values[0], ref.churn[0]))),
  c("NaN", () => [fm(new Float64Array(11).fill(NaN))], "E_NON_FINITE"),
  c("Infinity", () => [fm(new Float64Array(11).fill(Infinity))], "E_NON_FINITE"),
  c("-Infinity", () => [fm(new Float64Array(11).fill(-Infinity))], "E_NON_FINITE"),
  c("1e308", () => [fm(new Float64Array(11).fill(1e308))], "E_OUT_OF_RANGE"),
  c("1e150 gives a probability", () => [fm(new Float64Array(11).fill(1e150))], ok((p) => assert.ok(p.values[0] >= 0 && p.values[0] <= 1))),
  c("columns in another order", () => [fm(F.values, [...F.names].reverse())], "E_BAD_OPTION"),
  c("ragged values", () => [fm(F.values.slice(1))], "E_LENGTH_MISMATCH"),
  c("wrong type", () => ["features"], "E_BAD_TYPE"),
  c("all rows equal", () => [fm(new Float64Array(33).fill(1))], ok(({ values: p }) => assert.ok(p[0] === p[1] && p[1] === p[2]))),
], churnSame);
entry("ChurnModel#reasons", (...a) => CHURN.reasons(...a), [
  c("fixture", () => [F, 3], ok((r) => assert.ok(r.every((x) => x.length <= 3)))),
  c("empty matrix", () => [fm(new Float64Array(0)), 3], "E_EMPTY"),
  c("NaN", () => [fm(new Float64Array(11).fill(NaN)), 3], "E_NON_FINITE"),
  c("Infinity", () => [fm(new Float64Array(11).fill(Infinity)), 3], "E_NON_FINITE"),
  c("1e308", () => [fm(new Float64Array(11).fill(1e308)), 3], "E_OUT_OF_RANGE"),
  c("n larger than the features", () => [F, 50], ok((r) => assert.ok(r.every((x) => x.length <= 11)))),
  c("n = 0", () => [F, 0], ok((r) => assert.ok(r.every((x) => x.length === 0)))),
  c("n negative", () => [F, -1], "E_BAD_OPTION"),
  c("n NaN", () => [F, NaN], "E_BAD_OPTION"),
  c("n a numeric string is read as JavaScript reads numbers", () => [F, "3"], ok((r) => assert.ok(r.every((x) => x.length === 3)))),
  c("n a word", () => [F, "three"], "E_BAD_OPTION"),
  c("ragged values", () => [fm(F.values.slice(1)), 3], "E_LENGTH_MISMATCH"),
], churnSame);
// `encode()`: the numeric columns, then one indicator per non-reference level. CAT's categories,
// by hand: basic ×4 is the reference; pro ×2 and team ×2 tie and go by name: plan=pro, plan=team.
const CAT = U.fitChurn({ names: ["x"], values: [1, 2, 3, 4, 5, 6, 7, 8], categorical: { plan: ["basic", "pro", "basic", "team", "pro", "basic", "team", "basic"] } },
  [1, 0, 1, 0, 1, 0, 0, 1], { alpha: 1 });
const catF = (values, plan) => ({ names: ["x"], values, categorical: { plan } });
ref.cat = [...CAT.predict(catF([1, 2, 3], ["basic", "pro", "team"])).values];
const encoded = (values, unseen = []) => ok((e) => {
  assert.deepEqual(e.names, ["x", "plan=pro", "plan=team"]);
  assert.deepEqual([...e.values], values);
  assert.deepEqual(e.unseen, unseen);
});
entry("ChurnModel#encode", (model, ...a) => model.encode(...a), [
  c("no categories: the matrix as given", () => [CHURN, F], ok((e) => {
    assert.deepEqual(e.names, F.names);
    assert.deepEqual([...e.values], [...F.values]);
    assert.deepEqual(e.unseen, []);
  })),
  c("known levels: hand one-hot", () => [CAT, catF([1, 2, 3], ["pro", "basic", "team"])], encoded([1, 1, 0, 2, 0, 0, 3, 0, 1])),
  c("unseen category: the reference level, reported", () => [CAT, catF([1, 2], ["gold", "team"])],
    encoded([1, 0, 0, 2, 0, 1], [{ column: "plan", row: 1, value: "gold" }])),
  c("every value unseen", () => [CAT, catF([4, 5], ["gold", "silver"])],
    encoded([4, 0, 0, 5, 0, 0], [{ column: "plan", row: 1, value: "gold" }, { column: "plan", row: 2, value: "silver" }])),
  c("categories compare exactly: PRO is unseen", () => [CAT, catF([1], ["PRO"])], encoded([1, 0, 0], [{ column: "plan", row: 1, value: "PRO" }])),
  c("one row at the reference level", () => [CAT, catF([7], ["basic"])], encoded([7, 0, 0])),
  c("all rows equal", () => [CAT, catF([2, 2, 2], ["team", "team", "team"])], encoded([2, 0, 1, 2, 0, 1, 2, 0, 1])),
  c("negative value is a value", () => [CAT, catF([-3], ["pro"])], encoded([-3, 1, 0])),
  c("empty matrix", () => [CAT, catF([], [])], "E_EMPTY"),
  c("missing category (null)", () => [CAT, catF([1], [null])], "E_MISSING_VALUE"),
  c("blank category", () => [CAT, catF([1], ["  "])], "E_MISSING_VALUE"),
  c("boolean category", () => [CAT, catF([1], [true])], "E_BAD_TYPE"),
  c("categorical column shorter than the rows", () => [CAT, catF([1, 2], ["pro"])], "E_LENGTH_MISMATCH"),
  c("categorical column missing", () => [CAT, { names: ["x"], values: [1] }], "E_MISSING_COLUMN"),
  c("categorical of the wrong type", () => [CAT, { names: ["x"], values: [1], categorical: "plan" }], "E_BAD_TYPE"),
  c("categorical column not an array", () => [CAT, { names: ["x"], values: [1], categorical: { plan: "pro" } }], "E_BAD_TYPE"),
  c("numeric columns of another name", () => [CAT, { names: ["y"], values: [1], categorical: { plan: ["pro"] } }], "E_BAD_OPTION"),
  c("indicator columns passed as numeric columns", () => [CAT, { names: ["x", "plan=pro", "plan=team"], values: [1, 1, 0], categorical: { plan: ["pro"] } }], "E_BAD_OPTION"),
  c("features of the wrong type", () => [CAT, 42], "E_BAD_TYPE"),
  c("features null", () => [CHURN, null], "E_BAD_TYPE"),
], () => { churnSame(); assert.deepEqual([...CAT.predict(catF([1, 2, 3], ["basic", "pro", "team"])).values], ref.cat); });
MATRIX["ChurnModel#encode"].cases.push(
  // encode() makes the checks predict() makes, with or without categories.
  c("no categories: empty matrix", () => [CHURN, fm(new Float64Array(0))], "E_EMPTY"),
  c("no categories: NaN", () => [CHURN, fm(new Float64Array(11).fill(NaN))], "E_NON_FINITE"),
  c("no categories: 1e308", () => [CHURN, fm(new Float64Array(11).fill(1e308))], "E_OUT_OF_RANGE"),
  c("no categories: ragged values", () => [CHURN, fm(F.values.slice(1))], "E_LENGTH_MISMATCH"),
  c("NaN", () => [CAT, catF([NaN], ["pro"])], "E_NON_FINITE"),
  c("Infinity", () => [CAT, catF([Infinity], ["pro"])], "E_NON_FINITE"),
  c("-Infinity", () => [CAT, catF([-Infinity], ["pro"])], "E_NON_FINITE"),
  c("1e308", () => [CAT, catF([1e308], ["pro"])], "E_OUT_OF_RANGE"),
);
const CHURN_JSON = CHURN.toJSON();
entry("ChurnModel.fromJSON", (...a) => ChurnModel.fromJSON(...a), [
  c("round trip", () => [structuredClone(CHURN_JSON)], ok((m) => assert.deepEqual([...m.predict(F).values], ref.churn))),
  c("empty object", () => [{}], "E_BAD_OPTION"),
  c("string", () => ["{}"], "E_BAD_OPTION"),
  c("NaN coefficient", () => [{ ...structuredClone(CHURN_JSON), coefficients: CHURN_JSON.coefficients.map(() => NaN) }], "E_OUT_OF_RANGE"),
  c("Infinity intercept", () => [{ ...structuredClone(CHURN_JSON), intercept: Infinity }], "E_OUT_OF_RANGE"),
  c("mismatched lengths", () => [{ ...structuredClone(CHURN_JSON), mean: [1] }], "E_LENGTH_MISMATCH"),
  c("negative sd", () => [{ ...structuredClone(CHURN_JSON), sd: CHURN_JSON.sd.map(() => -1) }], "E_OUT_OF_RANGE"),
  c("unknown key (a typo is never ignored)", () => [{ ...structuredClone(CHURN_JSON), extra: 1 }], "E_UNKNOWN_OPTION"),
  c("wrong version", () => [{ ...structuredClone(CHURN_JSON), version: "9.0.0" }], "E_BAD_OPTION"),
  c("null", () => [null], "E_BAD_OPTION"),
], churnSame);
entry("ChurnModel#toJSON", (...a) => CHURN.toJSON(...a), noInputCases(() => CHURN.toJSON(), () => CHURN_JSON), churnSame);
entry("evaluateScores", (...a) => U.evaluateScores(...a), [
  c("hand count: perfect ranking", () => [[0.1, 0.9], [0, 1]], ok((e) => { assert.equal(e.auc, 1); assert.ok(Math.abs(e.brier - 0.01) < 1e-15, e.brier); })),
  c("empty", () => [[], []], "E_EMPTY"),
  c("one row", () => [[0.5], [1]], "E_INSUFFICIENT_DATA"),
  c("all labels equal", () => [[0.1, 0.9], [1, 1]], "E_INSUFFICIENT_DATA"),
  c("NaN score", () => [[NaN, 0.5], [0, 1]], "E_OUT_OF_RANGE"),
  c("Infinity score", () => [new Float64Array([Infinity, 0.5]), [0, 1]], "E_OUT_OF_RANGE"),
  c("negative score", () => [[-0.1, 0.5], [0, 1]], "E_OUT_OF_RANGE"),
  c("mismatched lengths", () => [[0.1, 0.5], [0, 1, 1]], "E_LENGTH_MISMATCH"),
  c("all scores equal: AUC 0.5", () => [[0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]], ok((e) => assert.equal(e.auc, 0.5))),
  c("labels of the wrong type", () => [[0.1, 0.9], "01"], "E_BAD_TYPE"),
  c("label 2", () => [[0.1, 0.9], [0, 2]], "E_OUT_OF_RANGE"),
]);
entry("evaluateChurn", (...a) => U.evaluateChurn(...a), [
  c("fixture", () => [CHURN_TX, { trainCutoff: "2024-02-01", testCutoff: "2024-03-01", horizonDays: 30 }], ok()),
  c("test cutoff before train cutoff", () => [CHURN_TX, { trainCutoff: "2024-03-01", testCutoff: "2024-02-01", horizonDays: 30 }], "E_BAD_OPTION"),
  c("cutoffs after the data (no labels)", () => [CHURN_TX, { trainCutoff: "2030-01-01", testCutoff: "2030-06-01" }], "E_INSUFFICIENT_DATA"),
  c("cutoffs before the data", () => [CHURN_TX, { trainCutoff: "2020-01-01", testCutoff: "2020-06-01" }], "E_EMPTY"),
  c("ambiguous cutoff", () => [CHURN_TX, { trainCutoff: "01/02/2024", testCutoff: "2024-03-01" }], "E_BAD_OPTION"),
  c("missing cutoffs", () => [CHURN_TX, {}], "E_BAD_OPTION"),
  c("one transaction", () => [Transactions.fromCsv(HEAD + "a,2024-01-01,5\n", M), { trainCutoff: "2024-01-01", testCutoff: "2024-01-02", horizonDays: 1 }], "E_INSUFFICIENT_DATA"),
  ...classArgCases(0, () => [CHURN_TX, { trainCutoff: "2024-02-01", testCutoff: "2024-03-01" }], "Transactions", shopTx),
  ...optionCases(null, 1, [CHURN_TX, { trainCutoff: "2024-02-01", testCutoff: "2024-03-01", horizonDays: 30 }], "horizonDays"),
], churnSame);

// --- LTV
const BG = U.fitBgNbd(CD), PN = U.fitParetoNbd(CD), GG = U.fitGammaGamma(CD);
ref.bg = [...BG.expectedPurchases(CD, 10).values];
ref.pn = [...PN.probabilityAlive(CD).values];
ref.gg = [...GG.expectedSpend(CD).values];
const bgSame = () => assert.deepEqual([...BG.expectedPurchases(CD, 10).values], ref.bg);
const pnSame = () => assert.deepEqual([...PN.probabilityAlive(CD).values], ref.pn);
const ggSame = () => assert.deepEqual([...GG.expectedSpend(CD).values], ref.gg);
for (const [key, fn, same, oneRow, equal] of [
  ["fitBgNbd", U.fitBgNbd, bgSame, "E_INSUFFICIENT_DATA", ok((m) => assert.ok(m.params))],
  ["fitParetoNbd", U.fitParetoNbd, pnSame, "E_INSUFFICIENT_DATA", ok((m) => assert.ok(m.params))],
  // Spend identical across customers has no between-customer variance to fit.
  ["fitGammaGamma", U.fitGammaGamma, ggSame, "E_INSUFFICIENT_DATA", "E_NOT_CONVERGED"],
]) {
  entry(key, (...a) => fn(...a), [
    c("CDNOW sample", () => [CD, {}], ok((m) => assert.equal(m.converged, true))),
    c("one customer", () => [S.one(), {}], oneRow),
    c("all customers equal", () => [S.equal(), {}], equal),
    c("no repeat buyers", () => [S.noRepeat(), {}], "E_INSUFFICIENT_DATA"),
    c("duplicate rows: same parameters", () => [S.duplicated(), {}], ok((m) => {
      const base = fn(CD, {}).params;
      for (const [k, v] of Object.entries(m.params)) assert.ok(Math.abs(v - base[k]) <= 1e-3 * Math.abs(base[k]) + 1e-6, `${k}: ${v} vs ${base[k]}`);
    })),
    ...classArgCases(0, () => [CD, {}], "CustomerSummary", S.one),
    ...optionCases(null, 1, [CD, {}], "tolerance"),
    c("starts 0", () => [CD, { starts: 0 }], "E_BAD_OPTION"),
    c("maxIterations negative", () => [CD, { maxIterations: -1 }], "E_BAD_OPTION"),
  ], same);
}
for (const [key, M_, same] of [["BgNbdModel", BG, bgSame], ["ParetoNbdModel", PN, pnSame]]) {
  const cls = U[key];
  entry(`${key}#expectedPurchases`, (...a) => M_.expectedPurchases(...a), [
    c("CDNOW", () => [CD, 10], ok((e) => assert.ok(e.values.every((x) => x >= 0)))),
    c("t = 0 gives 0", () => [CD, 0], ok((e) => assert.ok(e.values.every((x) => x === 0)))),
    c("t negative", () => [CD, -1], "E_BAD_OPTION"),
    c("t NaN", () => [CD, NaN], "E_BAD_OPTION"),
    c("t Infinity", () => [CD, Infinity], "E_BAD_OPTION"),
    c("t a word", () => [CD, "ten"], "E_BAD_OPTION"),
    c("t 1e308", () => [CD, 1e308], either(["E_UNDEFINED"], (e) => assert.ok(e.values.every((x) => x >= 0)))),
    c("summary of another period", () => [S.day(), 10], "E_BAD_OPTION"),
    c("one customer", () => [S.one(), 10], ok((e) => assert.equal(e.values.length, 1))),
    ...classArgCases(0, () => [CD, 10], "CustomerSummary", S.one),
  ], same);
  entry(`${key}#probabilityAlive`, (...a) => M_.probabilityAlive(...a), [
    c("CDNOW in [0, 1]", () => [CD], ok((p) => assert.ok(p.values.every((x) => x >= 0 && x <= 1)))),
    c("one customer", () => [S.one()], ok()),
    c("all equal", () => [S.equal()], ok((p) => { const v = p.values; assert.ok(v[0] === v[1] && v[1] === v[2]); })),
    c("no repeat buyers: P(alive) 1 for BG/NBD", () => [S.noRepeat()], ok((p) => { if (p.noRepeatPurchase) assert.deepEqual([...p.values], [1, 1, 1]); })),
    c("summary of another period", () => [S.day()], "E_BAD_OPTION"),
    c("extra argument ignored", () => [CD, "junk"], ok()),
    ...classArgCases(0, () => [CD], "CustomerSummary", S.one),
  ], same);
  entry(`${key}#expectedPurchasesNewCustomer`, (...a) => M_.expectedPurchasesNewCustomer(...a), [
    c("t = 10", () => [10], ok((v) => assert.ok(v > 0))),
    c("t = 0", () => [0], ok((v) => assert.ok(v === 0))),
    c("t negative", () => [-1], "E_BAD_OPTION"),
    c("t NaN", () => [NaN], "E_BAD_OPTION"),
    c("t Infinity", () => [Infinity], "E_BAD_OPTION"),
    c("t -Infinity", () => [-Infinity], "E_BAD_OPTION"),
    c("t 1e308", () => [1e308], either(["E_UNDEFINED"], (v) => assert.ok(v >= 0))),
    c("t a string", () => ["x"], "E_BAD_OPTION"),
    c("t undefined", () => [undefined], "E_BAD_OPTION"),
    c("t an object", () => [{}], "E_BAD_OPTION"),
  ], same);
  const J = M_.toJSON();
  entry(`${key}.fromJSON`, (...a) => cls.fromJSON(...a), [
    c("round trip", () => [structuredClone(J)], ok((m) => assert.deepEqual(m.params, M_.params))),
    c("empty object", () => [{}], "E_BAD_OPTION"),
    c("null", () => [null], "E_BAD_OPTION"),
    c("string", () => ["{}"], "E_BAD_OPTION"),
    c("NaN parameter", () => [{ ...structuredClone(J), params: { ...J.params, r: NaN } }], "E_BAD_OPTION"),
    c("Infinity parameter", () => [{ ...structuredClone(J), params: { ...J.params, alpha: Infinity } }], "E_BAD_OPTION"),
    c("negative parameter", () => [{ ...structuredClone(J), params: { ...J.params, r: -1 } }], "E_BAD_OPTION"),
    c("unknown key", () => [{ ...structuredClone(J), extra: 1 }], "E_UNKNOWN_OPTION"),
    c("other model's JSON", () => [GG.toJSON()], "E_BAD_OPTION"),
    c("unknown period", () => [{ ...structuredClone(J), period: "year" }], "E_BAD_OPTION"),
  ], same);
  entry(`${key}#toJSON`, (...a) => M_.toJSON(...a), noInputCases(() => M_.toJSON(), () => J), same);
}
entry("BgNbdModel#probabilityOfPurchases", (...a) => BG.probabilityOfPurchases(...a), [
  c("t = 10, n = 0..", () => [10, 0], ok((p) => assert.ok(p > 0 && p < 1))),
  c("t = 0, n = 0 is certain", () => [0, 0], ok((p) => assert.equal(p, 1))),
  c("t negative", () => [-1, 1], "E_BAD_OPTION"),
  c("t NaN", () => [NaN, 1], "E_BAD_OPTION"),
  c("t Infinity", () => [Infinity, 1], "E_BAD_OPTION"),
  c("t 1e308", () => [1e308, 1], ok((p) => assert.ok(p >= 0 && p <= 1))),
  c("n negative", () => [10, -1], "E_BAD_OPTION"),
  c("n fractional", () => [10, 1.5], "E_BAD_OPTION"),
  c("n NaN", () => [10, NaN], "E_BAD_OPTION"),
  c("n above the one-million-term limit", () => [10, 4294967295], "E_BAD_OPTION"),
  c("n a word", () => [10, "one"], "E_BAD_OPTION"),
  c("n = 1000: a tiny probability", () => [10, 1000], ok((p) => assert.ok(p >= 0 && p < 1e-6))),
], bgSame);
const GJ = GG.toJSON();
entry("GammaGammaModel#expectedSpend", (...a) => GG.expectedSpend(...a), [
  c("CDNOW", () => [CD], ok((e) => assert.ok(e.values.every((x) => x > 0)))),
  c("one customer", () => [S.one()], ok((e) => assert.equal(e.values.length, 1))),
  c("all equal", () => [S.equal()], ok(({ values: e }) => assert.ok(e[0] === e[1] && e[1] === e[2]))),
  c("no repeat buyers: the population mean", () => [S.noRepeat()], ok(({ values: e }) => {
    const { p, q, v } = GG.params; assert.ok(Math.abs(e[0] - (p * v) / (q - 1)) < 1e-9 * e[0]);
  })),
  c("daily summary is accepted (spend has no period)", () => [S.day()], ok()),
  c("extra argument ignored", () => [CD, 1], ok()),
  ...classArgCases(0, () => [CD], "CustomerSummary", S.one),
], ggSame);
entry("GammaGammaModel.fromJSON", (...a) => GammaGammaModel.fromJSON(...a), [
  c("round trip", () => [structuredClone(GJ)], ok((m) => assert.deepEqual(m.params, GG.params))),
  c("empty object", () => [{}], "E_BAD_OPTION"),
  c("null", () => [null], "E_BAD_OPTION"),
  c("string", () => ["{}"], "E_BAD_OPTION"),
  c("NaN parameter", () => [{ ...structuredClone(GJ), params: { ...GJ.params, p: NaN } }], "E_BAD_OPTION"),
  c("Infinity parameter", () => [{ ...structuredClone(GJ), params: { ...GJ.params, v: Infinity } }], "E_BAD_OPTION"),
  c("negative parameter", () => [{ ...structuredClone(GJ), params: { ...GJ.params, q: -1 } }], "E_BAD_OPTION"),
  c("unknown key", () => [{ ...structuredClone(GJ), extra: 1 }], "E_UNKNOWN_OPTION"),
  c("other model's JSON", () => [BG.toJSON()], "E_BAD_OPTION"),
  c("q ≤ 1 (no finite mean spend)", () => [{ ...structuredClone(GJ), params: { ...GJ.params, q: 0.5 } }], ok()),
], ggSame);
entry("GammaGammaModel#toJSON", (...a) => GG.toJSON(...a), noInputCases(() => GG.toJSON(), () => GJ), ggSame);
entry("clv", (...a) => U.clv(...a), [
  c("CDNOW", () => [BG, GG, CD, { margin: 0.3 }], ok((r) => assert.ok(r.clv.every((x) => x >= 0)))),
  c("one customer", () => [BG, GG, S.one(), {}], ok((r) => assert.equal(r.clv.length, 1))),
  c("no repeat buyers", () => [BG, GG, S.noRepeat(), {}], ok((r) => assert.ok(r.clv.every((x) => x >= 0)))),
  c("margin negative", () => [BG, GG, CD, { margin: -0.1 }], "E_BAD_OPTION"),
  c("horizon months fractional", () => [BG, GG, CD, { horizonMonths: 0.5 }], "E_BAD_OPTION"),
  c("horizon months huge", () => [BG, GG, CD, { horizonMonths: 1e9 }], "E_BAD_OPTION"),
  c("summary of another period", () => [BG, GG, S.day(), {}], "E_BAD_OPTION"),
  c("models swapped", () => [GG, BG, CD, {}], "E_BAD_TYPE"),
  c("a Pareto/NBD purchase model", () => [PN, GG, CD, {}], ok((r) => { assert.equal(r.definition.params.purchaseModel, "ltv.pareto_nbd"); assert.ok(r.clv.every((x) => x >= 0)); })),
  c("a model's JSON instead of the model", () => [BG.toJSON(), GG, CD, {}], "E_BAD_TYPE"),
  ...classArgCases(0, () => [BG, GG, CD, {}], "BgNbdModel", () => BgNbdModel.fromJSON(BG.toJSON())),
  ...classArgCases(2, () => [BG, GG, CD, {}], "CustomerSummary", S.one),
  ...optionCases(null, 3, [BG, GG, CD, {}], "discountRate"),
], bgSame);
const HTX = shopTx();
entry("historicalLtv", (...a) => U.historicalLtv(...a), [
  c("fixture", () => [HTX, {}], ok((r) => assert.equal(r.ltv.length, 40))),
  c("observation end before the data", () => [HTX, { observationEnd: "2020-01-01" }], "E_EMPTY"),
  c("dates after the observation end ignored", () => [HTX, { observationEnd: "2024-01-01" }], ok((r) => assert.equal(r.ltv.length, 1))),
  c("ambiguous observation end", () => [HTX, { observationEnd: "01/02/2024" }], "E_BAD_OPTION"),
  c("observation end \"lastTransaction\"", () => [HTX, { observationEnd: "lastTransaction" }], ok((r) => assert.equal(r.ltv.length, 40))),
  c("time zone of the wrong type", () => [HTX, { timezone: 5 }], "E_BAD_OPTION"),
  c("one transaction", () => [Transactions.fromCsv(HEAD + "a,2024-01-01,5\n", M), { marginRate: 0.5 }], ok((r) => assert.deepEqual([...r.ltv], [2.5]))),
  c("refund only", () => [Transactions.fromCsv(HEAD + "a,2024-01-01,-5\n", M), {}], "E_EMPTY"),
  ...classArgCases(0, () => [HTX, {}], "Transactions", shopTx),
  ...optionCases(null, 1, [HTX, {}], "marginRate"),
]);
entry("simpleLtv", (...a) => U.simpleLtv(...a), [
  c("hand count 30 · 0.6 / 0.05", () => [{ arpu: 30, churnRate: 0.05, marginRate: 0.6 }], ok((r) => assert.ok(Math.abs(r.value - 360) < 1e-9))),
  c("churn 0", () => [{ arpu: 30, churnRate: 0 }], "E_UNDEFINED"),
  c("churn tiny: overflow", () => [{ arpu: 1e150, churnRate: 1e-300 }], "E_BAD_OPTION"),
  c("arpu 1e308", () => [{ arpu: 1e308, churnRate: 0.01 }], "E_BAD_OPTION"),
  c("negative arpu", () => [{ arpu: -1, churnRate: 0.1 }], "E_BAD_OPTION"),
  c("churn above 1", () => [{ arpu: 1, churnRate: 1.5 }], "E_BAD_OPTION"),
  c("NaN churn", () => [{ arpu: 1, churnRate: NaN }], "E_BAD_OPTION"),
  c("missing churn", () => [{ arpu: 1 }], "E_BAD_OPTION"),
  c("no options", () => [], "E_BAD_OPTION"),
  ...optionCases(null, 0, [{ arpu: 30, churnRate: 0.05 }], "arpu"),
]);
entry("calibrationHoldout", (...a) => U.calibrationHoldout(...a), [
  c("fixture", () => [HTX, { calibrationEnd: "2024-03-01", period: "week" }], ok((r) => assert.ok(r.predicted.every((x) => x >= 0)))),
  c("calibration end before the data", () => [HTX, { calibrationEnd: "2020-01-01" }], "E_EMPTY"),
  c("calibration end after the observation end", () => [HTX, { calibrationEnd: "2024-06-01", observationEnd: "2024-03-01" }], "E_BAD_OPTION"),
  c("ambiguous calibration end", () => [HTX, { calibrationEnd: "01/03/2024" }], "E_BAD_OPTION"),
  c("missing calibration end", () => [HTX, {}], "E_BAD_OPTION"),
  c("weekStart 0", () => [HTX, { calibrationEnd: "2024-03-01", weekStart: 0 }], "E_BAD_OPTION"),
  c("one transaction", () => [Transactions.fromCsv(HEAD + "a,2024-01-01,5\n", M), { calibrationEnd: "2024-01-01", observationEnd: "2024-02-01" }], "E_INSUFFICIENT_DATA"),
  ...classArgCases(0, () => [HTX, { calibrationEnd: "2024-03-01" }], "Transactions", shopTx),
  ...optionCases(null, 1, [HTX, { calibrationEnd: "2024-03-01", period: "week" }], "frequencyBuckets"),
]);

// --- experiments (summary statistics). Hand count: 100/1000 against 130/1000, absolute effect
// +0.03 with se² = 0.1·0.9/1000 + 0.13·0.87/1000 = 2.031e-4.
const EXA = (arms, extra = {}) => ({ metric: "proportion", arms, ...extra });
const EX_P = () => EXA([{ name: "A", n: 1000, conversions: 100 }, { name: "B", n: 1000, conversions: 130 }]);
const EX_M = (a = {}, b = {}) => ({ metric: "mean", arms: [{ name: "A", n: 4, sum: 10, sumSquares: 30, ...a }, { name: "B", n: 4, sum: 20, sumSquares: 120, ...b }] });
const exHand = ok((r) => {
  const c = r.comparisons[0];
  assert.ok(Math.abs(c.estimate - 0.03) < 1e-12 && Math.abs(c.stdError - Math.sqrt(2.031e-4)) < 1e-12);
  assert.equal(r.srm.flagged, false);
});
entry("experiment", (...a) => U.experiment(...a), [
  c("hand count: +0.03", () => [EX_P(), { difference: "absolute" }], exHand),
  c("Welch by hand: df 75/17", () => [EX_M(), { difference: "absolute" }], ok((r) => assert.ok(Math.abs(r.comparisons[0].df - 75 / 17) < 1e-12))),
  c("no arms", () => [EXA([])], "E_EMPTY"),
  c("one arm", () => [EXA([{ name: "A", n: 10, conversions: 1 }])], "E_INSUFFICIENT_DATA"),
  c("n < 2", () => [EXA([{ name: "A", n: 1, conversions: 0 }, { name: "B", n: 10, conversions: 1 }])], "E_INSUFFICIENT_DATA"),
  c("zero variance in both arms", () => [EX_M({ sum: 8, sumSquares: 16 }, { sum: 12, sumSquares: 36 })], "E_INSUFFICIENT_DATA"),
  c("no conversions in either arm", () => [EXA([{ name: "A", n: 50, conversions: 0 }, { name: "B", n: 50, conversions: 0 }])], "E_INSUFFICIENT_DATA"),
  c("conversions > n", () => [EXA([{ name: "A", n: 10, conversions: 11 }, { name: "B", n: 10, conversions: 1 }])], "E_OUT_OF_RANGE"),
  c("negative conversions", () => [EXA([{ name: "A", n: 10, conversions: -1 }, { name: "B", n: 10, conversions: 1 }])], "E_NEGATIVE"),
  c("negative n", () => [EXA([{ name: "A", n: -10, conversions: 1 }, { name: "B", n: 10, conversions: 1 }])], "E_NEGATIVE"),
  c("fractional n", () => [EXA([{ name: "A", n: 10.5, conversions: 1 }, { name: "B", n: 10, conversions: 1 }])], "E_OUT_OF_RANGE"),
  c("NaN conversions", () => [EXA([{ name: "A", n: 10, conversions: NaN }, { name: "B", n: 10, conversions: 1 }])], "E_NON_FINITE"),
  c("Infinity sum", () => [EX_M({ sum: Infinity })], "E_NON_FINITE"),
  c("1e308 sum of squares", () => [EX_M({ sumSquares: 1e308 })], "E_OUT_OF_RANGE"),
  c("sum of squares below sum²/n", () => [EX_M({ sumSquares: 20 })], "E_OUT_OF_RANGE"),
  c("10k arms", () => [EXA(Array.from({ length: 10_000 }, (_, i) => ({ name: `a${i}`, n: 100, conversions: 10 })))], "E_TOO_LARGE"),
  c("1,000 arms (the limit) are fine", () => [EXA(Array.from({ length: 1000 }, (_, i) => ({ name: `a${i}`, n: 100, conversions: 10 + (i % 3) })))],
    ok((r) => assert.equal(r.comparisons.length, 999))),
  c("expectedWeights of another length (mismatched lengths)", () => [EX_P(), { expectedWeights: [1, 1, 1] }], "E_LENGTH_MISMATCH"),
  c("expectedWeights with a 0", () => [EX_P(), { expectedWeights: [1, 0] }], "E_BAD_OPTION"),
  c("unknown baseline", () => [EX_P(), { baseline: "C" }], "E_BAD_OPTION"),
  c("baseline B: the sign flips", () => [EX_P(), { difference: "absolute", baseline: "B" }], ok((r) => assert.ok(Math.abs(r.comparisons[0].estimate + 0.03) < 1e-12))),
  c("duplicate arm names", () => [EXA([{ name: "A", n: 10, conversions: 1 }, { name: "A", n: 10, conversions: 2 }])], "E_OUT_OF_RANGE"),
  c("empty arm name", () => [EXA([{ name: "", n: 10, conversions: 1 }, { name: "B", n: 10, conversions: 2 }])], "E_MISSING_VALUE"),
  c("missing field for the metric", () => [EX_M({ sumSquares: undefined })], "E_MISSING_VALUE"),
  c("field of another metric", () => [EX_M({ conversions: 3 })], "E_BAD_OPTION"),
  c("unknown arm key", () => [EX_M({ colour: "red" })], "E_UNKNOWN_OPTION"),
  c("unknown prior key", () => [EX_P(), { method: "bayesian", prior: { mean: 0, stddev: 1, sd: 2 } }], "E_UNKNOWN_OPTION"),
  c("unknown input key", () => [{ ...EX_P(), colour: "red" }], "E_UNKNOWN_OPTION"),
  c("unknown metric", () => [{ ...EX_P(), metric: "median" }], "E_BAD_OPTION"),
  c("input not an object", () => ["A,B"], "E_BAD_OPTION"),
  c("no input", () => [], "E_BAD_OPTION"),
  c("n as a string", () => [EXA([{ name: "A", n: "10", conversions: 1 }, { name: "B", n: 10, conversions: 1 }])], "E_BAD_OPTION"),
  c("relative lift on a baseline mean of 0", () => [EX_M({ sum: 0, sumSquares: 8 })], "E_UNDEFINED"),
  c("ratio with a denominator sum of 0", () => [{ metric: "ratio", arms: ["A", "B"].map((name) => ({ name, n: 5, numeratorSum: 10, numeratorSumSquares: 30, denominatorSum: 0, denominatorSumSquares: 0, crossSum: 0 })) }], "E_UNDEFINED"),
  c("CUPED sums on a ratio", () => [{ metric: "ratio", arms: ["A", "B"].map((name) => ({ name, n: 5, numeratorSum: 10, numeratorSumSquares: 30, denominatorSum: 5, denominatorSumSquares: 7, crossSum: 12, preSum: 3 })) }], "E_BAD_OPTION"),
  c("CUPED sums on one arm only", () => [EX_M({ preSum: 10, preSumSquares: 30, preCrossSum: 28 })], "E_MISSING_VALUE"),
  c("bayesian and sequential", () => [EX_P(), { method: "bayesian", sequential: true }], "E_BAD_OPTION"),
  c("prior with the frequentist method", () => [EX_P(), { prior: { mean: 0, stddev: 0.1 } }], "E_BAD_OPTION"),
  c("prior stddev 0", () => [EX_P(), { method: "bayesian", prior: { mean: 0, stddev: 0 } }], "E_BAD_OPTION"),
  c("correction with the bayesian method", () => [EX_P(), { method: "bayesian", correction: "holm" }], "E_BAD_OPTION"),
  c("unknown correction", () => [EX_P(), { correction: "bonferroni" }], "E_BAD_OPTION"),
  c("1e15 units per arm", () => [EXA([{ name: "A", n: 1e15, conversions: 1e14 }, { name: "B", n: 1e15, conversions: 1.000001e14 }])],
    ok((r) => assert.ok(r.comparisons[0].pValue < 1e-6))),
  ...optionCases(null, 1, [EX_P(), { difference: "absolute" }], "alpha"),
]);

// --- experiments from units. Hand count: A = [1, 2, 3, 4], B = [2, 4, 6, 8] interleaved; means
// 2.5 and 5, variances 5/3 and 20/3, absolute effect 2.5 with se² = 5/12 + 20/12 = 25/12.
const EXU = (extra = {}) => ({ arm: new Uint8Array([0, 1, 0, 1, 0, 1, 0, 1]), armNames: ["A", "B"], value: new Float64Array([1, 2, 2, 4, 3, 6, 4, 8]), ...extra });
const exuHand = ok((r) => {
  const c = r.comparisons[0];
  assert.ok(Math.abs(c.estimate - 2.5) < 1e-12 && Math.abs(c.stdError - Math.sqrt(25 / 12)) < 1e-12, `${c.estimate} ${c.stdError}`);
  assert.deepEqual(r.arms.map((a) => [a.name, a.n, a.mean]), [["A", 4, 2.5], ["B", 4, 5]]);
});
// 100/1000 against 130/1000 as 0/1 units: +0.03, se² = 2.031e-4 (as `experiment` above).
const EXU_P = () => {
  const arm = new Uint32Array(2000), value = new Float64Array(2000);
  for (let i = 0; i < 2000; i++) { arm[i] = i % 2; value[i] = (i % 2 === 0 ? i / 2 < 100 : (i - 1) / 2 < 130) ? 1 : 0; }
  return { arm, armNames: ["A", "B"], value };
};
entry("experimentFromUnits", (...a) => U.experimentFromUnits(...a), [
  c("hand count: Uint8Array codes", () => [EXU(), { difference: "absolute" }], exuHand),
  c("hand count: arm names as text", () => [EXU({ arm: ["A", "B", "A", "B", "A", "B", "A", "B"], armNames: undefined }), { difference: "absolute" }], exuHand),
  c("hand count: plain arrays of numbers", () => [EXU({ arm: new Uint32Array([0, 1, 0, 1, 0, 1, 0, 1]), value: [1, 2, 2, 4, 3, 6, 4, 8] }), { difference: "absolute" }], exuHand),
  c("hand count: a proportion from 0/1 units", () => [EXU_P(), { metric: "proportion", difference: "absolute" }], ok((r) => {
    const c = r.comparisons[0];
    assert.ok(Math.abs(c.estimate - 0.03) < 1e-12 && Math.abs(c.stdError - Math.sqrt(2.031e-4)) < 1e-12);
  })),
  c("value shorter than arm (mismatched lengths)", () => [EXU({ value: new Float64Array([1, 2, 3]) })], "E_LENGTH_MISMATCH"),
  c("denominator of another length", () => [EXU({ denominator: new Float64Array(7).fill(1) })], "E_LENGTH_MISMATCH"),
  c("pre of another length", () => [EXU({ pre: new Float64Array(9).fill(1) })], "E_LENGTH_MISMATCH"),
  c("no units", () => [{ arm: new Uint8Array(0), armNames: ["A", "B"], value: new Float64Array(0) }], "E_EMPTY"),
  c("NaN value", () => [EXU({ value: new Float64Array([1, 2, 2, NaN, 3, 6, 4, 8]) })], "E_NON_FINITE"),
  c("Infinity in the denominator", () => [EXU({ denominator: new Float64Array([1, 1, 1, Infinity, 1, 1, 1, 1]) })], "E_NON_FINITE"),
  c("-Infinity in pre", () => [EXU({ pre: new Float64Array([1, 1, 1, 1, 1, 1, 1, -Infinity]) })], "E_NON_FINITE"),
  c("1e300 value (past the 1e150 limit)", () => [EXU({ value: new Float64Array([1e300, 2, 2, 4, 3, 6, 4, 8]) })], "E_OUT_OF_RANGE"),
  c("1e100 values: their squares pass 1e150", () => [EXU({ value: new Float64Array(8).fill(1e100) })], "E_OUT_OF_RANGE"),
  c("code 2 with two arm names", () => [EXU({ arm: new Uint8Array([0, 1, 0, 2, 0, 1, 0, 1]) })], "E_OUT_OF_RANGE"),
  c("code 4294967295", () => [EXU({ arm: new Uint32Array([0, 1, 0, 1, 0, 1, 0, 4294967295]) })], "E_OUT_OF_RANGE"),
  c("codes without armNames", () => [EXU({ armNames: undefined })], "E_MISSING_COLUMN"),
  c("one arm name", () => [EXU({ arm: new Uint8Array(8), armNames: ["A"] })], "E_INSUFFICIENT_DATA"),
  c("one arm of text", () => [EXU({ arm: Array(8).fill("A"), armNames: undefined })], "E_INSUFFICIENT_DATA"),
  c("an arm name without units", () => [EXU({ armNames: ["A", "B", "C"] })], "E_INSUFFICIENT_DATA"),
  c("1,001 arm names", () => [EXU({ armNames: Array.from({ length: 1001 }, (_, i) => `a${i}`) })], "E_TOO_LARGE"),
  c("Uint8Array codes with 300 arm names (arms past code 255 have no units)", () => [EXU({ armNames: Array.from({ length: 300 }, (_, i) => `a${i}`) })], "E_INSUFFICIENT_DATA"),
  c("10k text arms", () => [{ arm: Array.from({ length: 20_000 }, (_, i) => `a${i % 10_000}`), value: new Float64Array(20_000).fill(1) }], "E_TOO_LARGE"),
  c("duplicate arm names", () => [EXU({ armNames: ["A", "A"] })], "E_OUT_OF_RANGE"),
  c("empty arm name", () => [EXU({ armNames: ["", "B"] })], "E_MISSING_VALUE"),
  c("text arm not in armNames", () => [EXU({ arm: ["A", "B", "A", "C", "A", "B", "A", "B"] })], "E_OUT_OF_RANGE"),
  c("a null text arm", () => [EXU({ arm: ["A", "B", null, "B", "A", "B", "A", "B"], armNames: undefined })], "E_MISSING_VALUE"),
  c("a number among text arms", () => [EXU({ arm: ["A", "B", 0, "B", "A", "B", "A", "B"], armNames: undefined })], "E_BAD_TYPE"),
  c("arm as a Float64Array", () => [EXU({ arm: new Float64Array(8) })], "E_BAD_TYPE"),
  c("arm as a string", () => [EXU({ arm: "ABABABAB" })], "E_BAD_TYPE"),
  c("value as text", () => [EXU({ value: "1,2,2,4,3,6,4,8" })], "E_BAD_TYPE"),
  c("a string among values", () => [EXU({ value: [1, 2, 2, "4", 3, 6, 4, 8] })], "E_BAD_TYPE"),
  c("armNames with a number", () => [EXU({ armNames: ["A", 2] })], "E_BAD_TYPE"),
  c("no value column", () => [EXU({ value: undefined })], "E_MISSING_COLUMN"),
  c("no arm column", () => [EXU({ arm: undefined })], "E_MISSING_COLUMN"),
  c("unknown column", () => [EXU({ revenue: new Float64Array(8) })], "E_UNKNOWN_OPTION"),
  c("units not an object", () => ["A,B"], "E_BAD_OPTION"),
  c("no units", () => [], "E_BAD_OPTION"),
  c("metric proportion with a value 2", () => [EXU(), { metric: "proportion" }], "E_OUT_OF_RANGE"),
  c("metric proportion with a pre value 0.5", () => [{ ...EXU_P(), pre: new Float64Array(2000).fill(0.5) }, { metric: "proportion" }], "E_OUT_OF_RANGE"),
  c("metric ratio without a denominator", () => [EXU(), { metric: "ratio" }], "E_BAD_OPTION"),
  c("metric mean with a denominator", () => [EXU({ denominator: new Float64Array(8).fill(1) }), { metric: "mean" }], "E_BAD_OPTION"),
  c("pre with a ratio", () => [EXU({ denominator: new Float64Array(8).fill(1), pre: new Float64Array(8).fill(1) })], "E_BAD_OPTION"),
  c("unknown metric", () => [EXU(), { metric: "median" }], "E_BAD_OPTION"),
  c("ratio with denominators all 0", () => [EXU({ denominator: new Float64Array(8) })], "E_UNDEFINED"),
  c("zero variance in both arms", () => [EXU({ value: new Float64Array(8).fill(3) })], "E_INSUFFICIENT_DATA"),
  c("unknown baseline", () => [EXU(), { baseline: "Z" }], "E_BAD_OPTION"),
  c("unknown prior key", () => [EXU(), { method: "bayesian", prior: { mean: 0, stddev: 1, sd: 2 } }], "E_UNKNOWN_OPTION"),
  c("bayesian and sequential", () => [EXU(), { method: "bayesian", sequential: true }], "E_BAD_OPTION"),
  c("expectedWeights of another length", () => [EXU(), { expectedWeights: [1, 1, 1] }], "E_LENGTH_MISMATCH"),
  ...optionCases(null, 1, [EXU(), { difference: "absolute" }], "alpha"),
]);

// --- experiments on transactions. Hand count (as tests/experiment.rs, window 2 days): unit 1 (A,
// at 0) buys 10 at 0 (counts) and 100 at 2D (does not); 2 (A, at D) a $0 order and a −4 refund;
// 3 (A) nothing; 4 (B, at 0) 20 + 30 − 5; 5 (B, at D) 7 at 3D − 1; 6 (B, at 0) a −3 refund;
// 7 (B, at 2D) excluded (window ends 4D, after the last transaction at 3D + 10); 8 (B) nothing.
// Revenue per unit: A [10, −4, 0] (mean 2), B [45, 7, −3, 0] (mean 12.25).
const XD = 86_400_000;
const XTX_ROWS = [[1, 0, 10], [1, 2 * XD, 100], [2, XD + 1, 0], [2, XD + 2, -4], [4, XD, 20], [4, XD + 1, 30], [4, 2 * XD - 1, -5],
  [5, 3 * XD - 1, 7], [6, XD, -3], [7, 2 * XD + 1, 1000], [99, 3 * XD + 10, 1]];
const xtx = () => Transactions.fromColumns({ customerId: new Uint32Array(XTX_ROWS.map((r) => r[0])), timestamp: new Float64Array(XTX_ROWS.map((r) => r[1])), amount: new Float64Array(XTX_ROWS.map((r) => r[2])) });
const XTX = xtx();
const XA = (extra = {}) => ({ unitId: new Uint32Array([1, 2, 3, 4, 5, 6, 7, 8]), arm: ["A", "A", "A", "B", "B", "B", "B", "B"], assignedAt: new Float64Array([0, XD, 0, 0, XD, 0, 2 * XD, 0]), ...extra });
const XROWS = () => { const a = XA(); return Array.from(a.unitId, (u, i) => ({ unitId: u, arm: a.arm[i], assignedAt: a.assignedAt[i] })); };
const XO = (extra = {}) => ({ metric: "experiment.revenue_per_unit", windowDays: 2, difference: "absolute", ...extra });
// The same assignments as CSV text (ISO times) and the mapping naming its columns.
const XCSV = () => `unit,variant,at\n${XROWS().map((r) => `${r.unitId},${r.arm},${new Date(r.assignedAt).toISOString()}`).join("\n")}\n`;
const XMAP = (extra = {}) => ({ unitId: "unit", arm: "variant", assignedAt: "at", ...extra });
const xHand = ok((r) => {
  assert.deepEqual(r.arms.map((a) => [a.name, a.n, a.mean]), [["A", 3, 2], ["B", 4, 12.25]]);
  assert.equal(r.excludedUnits, 1);
  assert.equal(r.comparisons[0].estimate, 10.25);
});
entry("experimentOnTransactions", (...a) => U.experimentOnTransactions(...a), [
  c("hand count: numeric ids, text arms, epoch ms", () => [XA(), XTX, XO()], xHand),
  c("hand count: text ids, Uint8Array codes, ISO times", () => [XA({ unitId: ["1", "2", "3", "4", "5", "6", "7", "8"], arm: new Uint8Array([0, 0, 0, 1, 1, 1, 1, 1]), armNames: ["A", "B"], assignedAt: Array.from(XA().assignedAt, (t) => new Date(t).toISOString()) }), XTX, XO()], xHand),
  c("hand count: ids as plain numbers, Date times", () => [XA({ unitId: [1, 2, 3, 4, 5, 6, 7, 8], assignedAt: Array.from(XA().assignedAt, (t) => new Date(t)) }), XTX, XO()], xHand),
  c("conversion: A [1, 1, 0], B [1, 1, 0, 0]", () => [XA(), XTX, XO({ metric: "experiment.conversion" })], ok((r) => assert.deepEqual(r.arms.map((a) => a.mean), [2 / 3, 0.5]))),
  c("aov: A 6 / 2, B 49 / 3", () => [XA(), XTX, XO({ metric: "experiment.aov" })], ok((r) => assert.deepEqual(r.arms.map((a) => a.mean), [3, 49 / 3]))),
  c("duplicate unitId", () => [XA({ unitId: new Uint32Array([1, 2, 3, 4, 5, 6, 7, 2]) }), XTX, XO()], "E_OUT_OF_RANGE"),
  c("duplicate text unitId", () => [XA({ unitId: ["1", "2", "3", "4", "5", "6", "7", "3"] }), XTX, XO()], "E_OUT_OF_RANGE"),
  c("unknown arm code", () => [XA({ arm: new Uint8Array([0, 0, 0, 1, 1, 1, 1, 9]), armNames: ["A", "B"] }), XTX, XO()], "E_OUT_OF_RANGE"),
  c("codes without armNames", () => [XA({ arm: new Uint8Array([0, 0, 0, 1, 1, 1, 1, 1]) }), XTX, XO()], "E_MISSING_COLUMN"),
  c("text arm not in armNames", () => [XA({ arm: ["A", "A", "A", "B", "B", "C", "B", "B"], armNames: ["A", "B"] }), XTX, XO()], "E_OUT_OF_RANGE"),
  c("arm shorter than unitId", () => [XA({ arm: ["A", "B"] }), XTX, XO()], "E_LENGTH_MISMATCH"),
  c("assignedAt longer than unitId", () => [XA({ assignedAt: new Float64Array(9) }), XTX, XO()], "E_LENGTH_MISMATCH"),
  c("NaN assignedAt", () => [XA({ assignedAt: new Float64Array([0, NaN, 0, 0, 0, 0, 0, 0]) }), XTX, XO()], "E_NON_FINITE"),
  c("Infinity assignedAt", () => [XA({ assignedAt: new Float64Array([0, 0, 0, 0, 0, 0, 0, Infinity]) }), XTX, XO()], "E_NON_FINITE"),
  c("assignedAt past year 9999", () => [XA({ assignedAt: new Float64Array([0, 0, 0, 0, 0, 0, 0, 1e300]) }), XTX, XO()], "E_BAD_DATE"),
  c("unparsable assignedAt text", () => [XA({ assignedAt: ["soon", 0, 0, 0, 0, 0, 0, 0] }), XTX, XO()], "E_BAD_DATE"),
  c("null assignedAt", () => [XA({ assignedAt: [0, null, 0, 0, 0, 0, 0, 0] }), XTX, XO()], "E_MISSING_VALUE"),
  c("empty unitId text", () => [XA({ unitId: ["1", "", "3", "4", "5", "6", "7", "8"] }), XTX, XO()], "E_MISSING_VALUE"),
  c("no assignments", () => [{ unitId: new Uint32Array(0), arm: [], assignedAt: new Float64Array(0) }, XTX, XO()], "E_EMPTY"),
  c("every window past the data's end", () => [XA({ assignedAt: new Float64Array(8).fill(3 * XD) }), XTX, XO()], "E_INSUFFICIENT_DATA"),
  c("no unit has a transaction: zero variance", () => [XA({ unitId: new Uint32Array([11, 12, 13, 14, 15, 16, 17, 18]) }), XTX, XO()], "E_INSUFFICIENT_DATA"),
  c("one arm", () => [XA({ arm: Array(8).fill("A") }), XTX, XO()], "E_INSUFFICIENT_DATA"),
  c("no metric", () => [XA(), XTX, { windowDays: 2 }], "E_BAD_OPTION"),
  c("unknown metric", () => [XA(), XTX, XO({ metric: "orders.count" })], "E_BAD_OPTION"),
  c("windowDays 0", () => [XA(), XTX, XO({ windowDays: 0 })], "E_BAD_OPTION"),
  c("windowDays 1.5", () => [XA(), XTX, XO({ windowDays: 1.5 })], "E_BAD_OPTION"),
  c("windowDays 3651", () => [XA(), XTX, XO({ windowDays: 3651 })], "E_BAD_OPTION"),
  c("unitId as a Float64Array", () => [XA({ unitId: new Float64Array(8) }), XTX, XO()], "E_BAD_TYPE"),
  c("no unitId column", () => [XA({ unitId: undefined }), XTX, XO()], "E_MISSING_COLUMN"),
  c("no assignedAt column", () => [XA({ assignedAt: undefined }), XTX, XO()], "E_MISSING_COLUMN"),
  c("unknown assignments column", () => [XA({ revenue: new Float64Array(8) }), XTX, XO()], "E_UNKNOWN_OPTION"),
  c("assignments not an object", () => ["1,A,0", XTX, XO()], "E_BAD_OPTION"),
  c("hand count: rows", () => [XROWS(), XTX, XO()], xHand),
  c("rows: no assignedAt in the first row", () => [XROWS().map(({ assignedAt, ...r }) => r), XTX, XO()], "E_MISSING_COLUMN"),
  c("rows: a null arm", () => [XROWS().map((r, i) => (i === 2 ? { ...r, arm: null } : r)), XTX, XO()], "E_MISSING_VALUE"),
  c("rows: a numeric arm", () => [XROWS().map((r, i) => (i === 2 ? { ...r, arm: 1 } : r)), XTX, XO()], "E_BAD_TYPE"),
  c("rows: a fractional unitId", () => [XROWS().map((r, i) => (i === 2 ? { ...r, unitId: 1.5 } : r)), XTX, XO()], "E_BAD_TYPE"),
  c("rows: a row that is not an object", () => [[...XROWS().slice(0, 3), 7], XTX, XO()], "E_BAD_TYPE"),
  c("rows: a duplicate unit", () => [[...XROWS(), XROWS()[0]], XTX, XO()], "E_OUT_OF_RANGE"),
  c("rows: none", () => [[], XTX, XO()], "E_EMPTY"),
  c("unknown baseline", () => [XA(), XTX, XO({ baseline: "Z" })], "E_BAD_OPTION"),
  c("hand count: CSV text under a mapping", () => [XCSV(), XTX, XO({ mapping: XMAP() })], xHand),
  c("hand count: CSV bytes, semicolons, a BOM", () => [new TextEncoder().encode(`\ufeff${XCSV().replaceAll(",", ";")}`), XTX, XO({ mapping: XMAP() })], xHand),
  c("CSV without a mapping", () => [XCSV(), XTX, XO()], "E_BAD_OPTION"),
  c("a mapping with columns", () => [XA(), XTX, XO({ mapping: XMAP() })], "E_BAD_OPTION"),
  c("CSV: the mapping names an absent column", () => [XCSV(), XTX, XO({ mapping: XMAP({ arm: "group" }) })], "E_MISSING_COLUMN"),
  c("CSV: an unknown mapping key", () => [XCSV(), XTX, XO({ mapping: XMAP({ channel: "variant" }) })], "E_UNKNOWN_OPTION"),
  c("CSV: the mapping lacks assignedAt", () => [XCSV(), XTX, XO({ mapping: XMAP({ assignedAt: undefined }) })], "E_BAD_OPTION"),
  c("CSV: an unparsable time in row 3", () => [XCSV().replace("3,A,1970-01-01T00:00:00.000Z", "3,A,someday"), XTX, XO({ mapping: XMAP() })], "E_BAD_DATE"),
  c("CSV: a blank arm", () => [XCSV().replace("5,B,", "5,,"), XTX, XO({ mapping: XMAP() })], "E_MISSING_VALUE"),
  c("CSV: a duplicate unit", () => [`${XCSV()}1,B,1970-01-01T00:00:00Z\n`, XTX, XO({ mapping: XMAP() })], "E_OUT_OF_RANGE"),
  c("CSV: header only", () => ["unit,variant,at\n", XTX, XO({ mapping: XMAP() })], "E_EMPTY"),
  c("CSV: an unknown timezone", () => [XCSV(), XTX, XO({ mapping: XMAP({ timezone: "Mars/Olympus" }) })], "E_BAD_OPTION"),
  ...classArgCases(1, () => [XA(), XTX, XO()], "Transactions", xtx),
  ...optionCases(null, 2, [XA(), XTX, XO()], "windowDays"),
]);

const EX_R = () => U.experiment(EX_P(), { difference: "absolute" });
entry("experimentReport", (...a) => U.experimentReport(...a), [
  c("hand count: Holm over two results", () => [[EX_R(), EX_R()], { correction: "holm" }], ok((r) => {
    const p = EX_R().comparisons[0].pValue; // two equal p-values: both become min(1, 2p)
    assert.deepEqual(r.rows.map((x) => x.adjustedPValue), [Math.min(1, 2 * p), Math.min(1, 2 * p)]);
  })),
  c("no results", () => [[], {}], "E_EMPTY"),
  c("results not an array", () => [EX_R(), {}], "E_BAD_TYPE"),
  c("a result without comparisons", () => [[{ name: "m" }], {}], "E_BAD_OPTION"),
  c("results with no comparisons", () => [[{ comparisons: [] }], {}], "E_EMPTY"),
  c("a Bayesian result (no p-value)", () => [[U.experiment(EX_P(), { method: "bayesian" })], { correction: "holm" }], "E_BAD_OPTION"),
  c("NaN p-value", () => [[{ comparisons: [{ arm: "B", baseline: "A", pValue: NaN }] }], {}], "E_BAD_OPTION"),
  c("p-value 2", () => [[{ comparisons: [{ arm: "B", baseline: "A", pValue: 2 }] }], {}], "E_BAD_OPTION"),
  c("p-value as a string", () => [[{ comparisons: [{ arm: "B", baseline: "A", pValue: "0.01" }] }], {}], "E_BAD_OPTION"),
  c("unknown correction", () => [[EX_R()], { correction: "bonferroni" }], "E_BAD_OPTION"),
  c("a null result", () => [[null], {}], "E_BAD_OPTION"),
  ...optionCases(null, 1, [[EX_R()], { correction: "benjamini-hochberg" }], "alpha"),
]);

// 5,000 against 5,300 on a 50/50 split: χ² = 2·150²/5150 = 8.7379, p = 0.0031 (not flagged).
entry("srmCheck", (...a) => U.srmCheck(...a), [
  c("hand count 5000 / 5300", () => [[5000, 5300]], ok((r) => { assert.ok(Math.abs(r.chiSquare - 45000 / 5150) < 1e-9); assert.equal(r.flagged, false); assert.equal(r.mostOffArm, 0); })),
  c("flagged 5000 / 5600", () => [new Float64Array([5000, 5600])], ok((r) => assert.equal(r.flagged, true))),
  c("weights 2:1", () => [[2000, 1000], [2, 1]], ok((r) => assert.equal(r.chiSquare, 0))),
  c("no arms", () => [[]], "E_EMPTY"),
  c("one arm", () => [[10]], "E_INSUFFICIENT_DATA"),
  c("no units at all", () => [[0, 0]], "E_INSUFFICIENT_DATA"),
  c("negative count", () => [[-1, 10]], "E_NEGATIVE"),
  c("NaN count", () => [[NaN, 10]], "E_NON_FINITE"),
  c("fractional count", () => [[1.5, 10]], "E_OUT_OF_RANGE"),
  c("1e308 count", () => [[1e308, 10]], "E_OUT_OF_RANGE"),
  c("mismatched weights", () => [[10, 10], [1, 1, 1]], "E_LENGTH_MISMATCH"),
  c("weight 0", () => [[10, 10], [1, 0]], "E_BAD_OPTION"),
  c("weight NaN", () => [[10, 10], [1, NaN]], "E_BAD_OPTION"),
  c("counts as text", () => ["10,10"], "E_BAD_TYPE"),
  c("a null count", () => [[10, null]], "E_MISSING_VALUE"),
  c("10k arms", () => [new Float64Array(10_000).fill(5)], "E_TOO_LARGE"),
]);

// 10 % baseline, +10 % relative, α 0.05, power 0.8: (1.95996 + 0.84162)²·(0.09 + 0.0979)/0.01²
// = 14,748.05 → 14,749 per arm.
const PLAN = () => ({ metric: "proportion", baselineRate: 0.1, mde: 0.1 });
entry("planExperiment", (...a) => U.planExperiment(...a), [
  c("hand count: 14,749 per arm", () => [PLAN()], ok((r) => { assert.equal(r.unitsPerArm, 14749); assert.equal(r.days, null); })),
  c("days at 2,000 a day", () => [{ ...PLAN(), unitsPerDay: 2000 }], ok((r) => assert.equal(r.days, 15))),
  c("no options", () => [], "E_BAD_OPTION"),
  c("missing mde", () => [{ metric: "proportion", baselineRate: 0.1 }], "E_BAD_OPTION"),
  c("mde 0", () => [{ ...PLAN(), mde: 0 }], "E_BAD_OPTION"),
  c("rate above 1", () => [{ ...PLAN(), baselineRate: 1.5 }], "E_BAD_OPTION"),
  c("lift pushes the rate past 1", () => [{ ...PLAN(), baselineRate: 0.6, mde: 1 }], "E_BAD_OPTION"),
  c("mean without a standard deviation", () => [{ metric: "mean", baselineMean: 10, mde: 0.1 }], "E_BAD_OPTION"),
  c("baselineMean on a proportion", () => [{ ...PLAN(), baselineMean: 3 }], "E_BAD_OPTION"),
  c("one arm", () => [{ ...PLAN(), arms: 1 }], "E_BAD_OPTION"),
  c("2.5 arms", () => [{ ...PLAN(), arms: 2.5 }], "E_BAD_OPTION"),
  c("power 1", () => [{ ...PLAN(), power: 1 }], "E_BAD_OPTION"),
  c("an undetectable effect", () => [{ metric: "mean", baselineSd: 1, mde: 1e-150, difference: "absolute" }], "E_BAD_OPTION"),
  c("unknown metric", () => [{ ...PLAN(), metric: "ratio" }], "E_BAD_OPTION"),
  ...optionCases(null, 0, [PLAN()], "mde"),
]);

// --- 1 − P(alive)
// BG/NBD P(alive) in closed form: 1/(1 + a/(b+x−1)·((α+T)/(α+t_x))^(r+x)) for x > 0, 1 for x = 0,
// with x = frequency, t_x = tenureDays − recencyDays, T = tenureDays (days); the score is 1 − P.
const pAlive = ({ r, alpha, a, b }, x, tx, T) => (x === 0 ? 1 : 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x)));
function handScores(params, { names, values }) {
  const k = names.length;
  const [fi, ri, ti] = ["frequency", "recencyDays", "tenureDays"].map((n) => names.indexOf(n));
  const out = [];
  for (let i = 0; i < values.length; i += k) out.push(1 - pAlive(params, values[i + fi], values[i + ti] - values[i + ri], values[i + ti]));
  return out;
}
const closeTo = (got, want, tol = 1e-9) => {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `row ${i + 1}: ${g} vs ${want[i]} by hand`));
};
// Scores checked against the closed form with the scorer's own parameters (read via toJSON).
const scoresByHand = (scorer, features) => closeTo([...scorer.predict(features).values], handScores(scorer.toJSON().bgnbd.params, features));
const N3 = ["frequency", "recencyDays", "tenureDays"];
const f3 = (...rows) => ({ names: N3, values: rows.flat() });
const frequencyFlags = (f) => Array.from({ length: f.values.length / f.names.length }, (_, i) => (f.values[i * f.names.length + f.names.indexOf("frequency")] === 0 ? 1 : 0));
const ALIVE = U.fitAliveChurn(F);
const ALIVE_JSON = ALIVE.toJSON();
ref.alive = [...ALIVE.predict(F).values];
const aliveSame = () => assert.deepEqual([...ALIVE.predict(F).values], ref.alive);
const BG_DAY = U.fitBgNbd(shopTx().summary({ period: "day" }));
const BG_DAY_JSON = BG_DAY.toJSON();
// The hand model of tests/js/churn.test.mjs: x = 2, t_x = 90 − 29 = 61, T = 90.
const HAND_PARAMS = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
const HAND_ROW = { names: ["recencyDays", "frequency", "tenureDays"], values: [29, 2, 90] };
const HAND_SCORE = 1 - 1 / (1 + (0.8 / (2.5 + 2 - 1)) * Math.pow(94 / 65, 2.25));

entry("fitAliveChurn", (...a) => U.fitAliveChurn(...a), [
  c("shop features: daily BG/NBD, scores by hand", () => [F], ok((m) => {
    const j = m.toJSON();
    assert.deepEqual([j.metric, j.bgnbd.period, j.bgnbd.customers], ["churn.alive", "day", 40]);
    scoresByHand(m, F);
    assert.deepEqual([...m.noRepeatPurchase(F)], frequencyFlags(F));
  })),
  c("columns in another order are read by name", () => [f3(...Array.from({ length: 40 }, (_, i) => [F.values[i * 11 + 1], F.values[i * 11], F.values[i * 11 + 3]]))],
    ok((m) => { assert.deepEqual(m.params, U.fitAliveChurn(F).params); scoresByHand(m, F); })),
  c("duplicate rows are valid", () => [fm(new Float64Array([...F.values, ...F.values]))], ok((m) => scoresByHand(m, F))),
  c("all rows equal", () => [f3([2, 1, 5], [2, 1, 5], [2, 1, 5])], ok((m) => {
    const s = m.predict(f3([2, 1, 5], [2, 1, 5], [2, 1, 5])).values;
    assert.ok(s[0] === s[1] && s[1] === s[2]);
    scoresByHand(m, f3([2, 1, 5]));
  })),
  c("empty matrix", () => [fm(new Float64Array(0))], "E_EMPTY"),
  c("one row", () => [f3([2, 1, 5])], "E_INSUFFICIENT_DATA"),
  c("no repeat buyers", () => [f3([0, 0, 5], [0, 0, 9])], "E_INSUFFICIENT_DATA"),
  c("NaN frequency", () => [f3([2, 1, 5], [NaN, 2, 9], [1, 1, 4])], "E_NON_FINITE"),
  c("Infinity recencyDays", () => [f3([2, 1, 5], [3, Infinity, 9])], "E_NON_FINITE"),
  c("-Infinity tenureDays", () => [f3([2, 1, 5], [3, 2, -Infinity])], "E_NON_FINITE"),
  c("negative frequency", () => [f3([-2, 1, 5], [3, 2, 9], [2, 1, 5])], "E_NEGATIVE"),
  c("recencyDays after tenureDays (t_x < 0)", () => [f3([2, 9, 5], [3, 2, 9])], "E_NEGATIVE"),
  c("fractional frequency", () => [f3([2.5, 1, 5], [3, 2, 9])], "E_OUT_OF_RANGE"),
  c("a BG/NBD column missing", () => [{ names: ["frequency", "tenureDays"], values: [2, 5, 3, 9] }], "E_MISSING_COLUMN"),
  c("features of the wrong type", () => [42], "E_BAD_TYPE"),
  c("features null", () => [null], "E_BAD_TYPE"),
  c("names of the wrong type", () => [{ names: "frequency", values: [1] }], "E_BAD_TYPE"),
  c("values of the wrong type", () => [{ names: N3, values: "2,1,5" }], "E_BAD_TYPE"),
  c("a CustomerSummary instead of features", () => [S.one()], "E_BAD_TYPE"),
  c("an options argument is ignored (fitAliveChurn takes none)", () => [F, { noSuchOption: 1 }], ok((m) => assert.deepEqual(m.params, U.fitAliveChurn(F).params))),
], aliveSame);
MATRIX["fitAliveChurn"].cases.push(
  // The fit checks the whole matrix as predict() does.
  c("values not a whole number of rows", () => [fm(F.values.slice(1))], "E_LENGTH_MISMATCH"),
  c("1e308 tenureDays", () => [f3([2, 1, 5], [3, 2, 1e308])], "E_OUT_OF_RANGE"),
  c("NaN in a column BG/NBD does not use", () => [fm(Float64Array.from(F.values, (v, i) => (i === 2 ? NaN : v)))], "E_NON_FINITE"),
);

// Cases shared by predict() and noRepeatPurchase(): the matrix checks of predict().
const aliveMatrixCases = [
  c("empty matrix", () => [fm(new Float64Array(0))], "E_EMPTY"),
  c("NaN", () => [f3([2, 1, NaN])], "E_NON_FINITE"),
  c("Infinity", () => [f3([2, 1, Infinity])], "E_NON_FINITE"),
  c("-Infinity", () => [f3([2, -Infinity, 5])], "E_NON_FINITE"),
  c("NaN in a column BG/NBD does not use", () => [fm(Float64Array.from(F.values, (v, i) => (i === 2 ? NaN : v)))], "E_NON_FINITE"),
  c("negative frequency", () => [f3([-2, 1, 5])], "E_NEGATIVE"),
  c("recencyDays after tenureDays (t_x < 0)", () => [f3([2, 9, 5])], "E_NEGATIVE"),
  c("fractional frequency", () => [f3([2.5, 1, 5])], "E_OUT_OF_RANGE"),
  c("1e308", () => [f3([2, 1, 1e308])], "E_OUT_OF_RANGE"),
  c("ragged values", () => [fm(F.values.slice(1))], "E_LENGTH_MISMATCH"),
  c("a BG/NBD column missing", () => [{ names: ["frequency", "tenureDays"], values: [2, 5] }], "E_MISSING_COLUMN"),
  c("features of the wrong type", () => ["features"], "E_BAD_TYPE"),
  c("values of the wrong type", () => [{ names: N3, values: "2,1,5" }], "E_BAD_TYPE"),
];
entry("AliveChurnModel#predict", (...a) => ALIVE.predict(...a), [
  c("shop features by hand", () => [F], ok((s) => { closeTo([...s.values], handScores(ALIVE_JSON.bgnbd.params, F)); assert.deepEqual([...s.noRepeatPurchase], frequencyFlags(F)); assert.equal(s.definition.metric, "churn.alive"); })),
  c("one row by hand", () => [f3([3, 10, 40])], ok(({ values: s }) => closeTo([...s], [1 - pAlive(ALIVE_JSON.bgnbd.params, 3, 30, 40)]))),
  c("no repeat purchase scores exactly 0", () => [f3([0, 0, 30], [-0, 0, 5])], ok((s) => { assert.deepEqual([...s.values], [0, 0]); assert.deepEqual([...s.noRepeatPurchase], [1, 1]); })),
  c("all rows equal", () => [f3([2, 4, 30], [2, 4, 30], [2, 4, 30])], ok(({ values: s }) => {
    assert.ok(s[0] === s[1] && s[1] === s[2]);
    closeTo([s[0]], [1 - pAlive(ALIVE_JSON.bgnbd.params, 2, 26, 30)]);
  })),
  c("columns in another order are read by name", () => [{ names: ["tenureDays", "frequency", "recencyDays"], values: [40, 3, 10] }],
    ok(({ values: s }) => closeTo([...s], [1 - pAlive(ALIVE_JSON.bgnbd.params, 3, 30, 40)]))),
  c("1e150 tenure: a probability", () => [f3([2, 1, 1e150])], ok(({ values: s }) => closeTo([...s], [1 - pAlive(ALIVE_JSON.bgnbd.params, 2, 1e150 - 1, 1e150)]))),
  ...aliveMatrixCases,
], aliveSame);
entry("AliveChurnModel#noRepeatPurchase", (...a) => ALIVE.noRepeatPurchase(...a), [
  c("shop features: frequency 0", () => [F], ok((v) => assert.deepEqual([...v], frequencyFlags(F)))),
  c("one row without a repeat purchase", () => [f3([0, 0, 30])], ok((v) => assert.deepEqual([...v], [1]))),
  c("-0 is no repeat purchase", () => [f3([-0, 0, 30])], ok((v) => assert.deepEqual([...v], [1]))),
  c("all rows equal", () => [f3([2, 4, 30], [2, 4, 30], [2, 4, 30])], ok((v) => assert.deepEqual([...v], [0, 0, 0]))),
  ...aliveMatrixCases,
], aliveSame);
entry("AliveChurnModel#toJSON", (...a) => ALIVE.toJSON(...a), noInputCases(() => ALIVE.toJSON(), () => ALIVE_JSON), aliveSame);

const withBg = (o) => ({ ...structuredClone(ALIVE_JSON), bgnbd: { ...structuredClone(ALIVE_JSON.bgnbd), ...o } });
const withParams = (o) => withBg({ params: { ...ALIVE_JSON.bgnbd.params, ...o } });
entry("AliveChurnModel.fromJSON", (...a) => AliveChurnModel.fromJSON(...a), [
  c("round trip", () => [structuredClone(ALIVE_JSON)], ok((m) => { assert.deepEqual(m.params, ALIVE_JSON.bgnbd.params); scoresByHand(m, F); })),
  c("after JSON.stringify", () => [JSON.parse(JSON.stringify(ALIVE))], ok((m) => assert.deepEqual([...m.predict(F).values], [...ALIVE.predict(F).values]))),
  c("hand parameters", () => [withBg({ params: HAND_PARAMS })], ok((m) => closeTo([...m.predict(HAND_ROW).values], [HAND_SCORE], 1e-12))),
  c("alpha 1e308: the ratio is 1, P(alive) = 1/(1 + a/(b+x−1))", () => [withParams({ alpha: 1e308 })], ok((m) => {
    const { a, b } = ALIVE_JSON.bgnbd.params;
    closeTo([...m.predict(f3([2, 1, 30])).values], [1 - 1 / (1 + a / (b + 1))]);
  })),
  c("empty object", () => [{}], "E_BAD_OPTION"),
  c("null", () => [null], "E_BAD_OPTION"),
  c("a number", () => [42], "E_BAD_OPTION"),
  c("as a string", () => [JSON.stringify(ALIVE_JSON)], "E_BAD_OPTION"),
  c("bgnbd missing", () => [{ metric: "churn.alive", version: ALIVE_JSON.version }], "E_BAD_OPTION"),
  c("the logistic model's JSON", () => [structuredClone(CHURN_JSON)], "E_UNKNOWN_OPTION"),
  c("a BG/NBD model's JSON", () => [structuredClone(BG_DAY_JSON)], "E_UNKNOWN_OPTION"),
  c("metric of the logistic model", () => [{ ...structuredClone(ALIVE_JSON), metric: "churn.propensity" }], "E_BAD_OPTION"),
  c("weekly BG/NBD (the features are in days)", () => [withBg({ period: "week" })], "E_BAD_OPTION"),
  c("NaN parameter", () => [withParams({ r: NaN })], "E_BAD_OPTION"),
  c("Infinity parameter", () => [withParams({ alpha: Infinity })], "E_BAD_OPTION"),
  c("negative parameter", () => [withParams({ a: -1 })], "E_BAD_OPTION"),
  c("zero parameter", () => [withParams({ b: 0 })], "E_BAD_OPTION"),
], aliveSame);
MATRIX["AliveChurnModel.fromJSON"].cases.push(
  // As ChurnModel.fromJSON and BgNbdModel.fromJSON (docs/RELIABILITY.md).
  c("unknown key (a typo is never ignored)", () => [{ ...structuredClone(ALIVE_JSON), extra: 1 }], "E_UNKNOWN_OPTION"),
  c("unknown key inside bgnbd", () => [withBg({ extra: 1 })], "E_UNKNOWN_OPTION"),
  c("another major version", () => [{ ...structuredClone(ALIVE_JSON), version: "3.0.0" }], "E_BAD_OPTION"),
  c("a version that is not MAJOR.MINOR.PATCH", () => [{ ...structuredClone(ALIVE_JSON), version: "banana" }], "E_BAD_OPTION"),
);

entry("AliveChurnModel.fromBgNbd", (...a) => AliveChurnModel.fromBgNbd(...a), [
  c("daily BG/NBD: its parameters, scores by hand", () => [BG_DAY], ok((m) => {
    assert.deepEqual(m.params, BG_DAY.params);
    scoresByHand(m, F);
  })),
  c("hand parameters", () => [BgNbdModel.fromJSON({ ...BG_DAY_JSON, params: HAND_PARAMS })], ok((m) => closeTo([...m.predict(HAND_ROW).values], [HAND_SCORE], 1e-12))),
  c("the scorer keeps its own copy when the model is freed", () => [BgNbdModel.fromJSON(BG_DAY_JSON)], ok((m, [bg]) => {
    bg.free();
    scoresByHand(m, F);
  })),
  c("weekly BG/NBD (CDNOW): days required", () => [BG], "E_BAD_OPTION"),
  c("the shop's parameters on weekly periods", () => [BgNbdModel.fromJSON({ ...BG_DAY_JSON, period: "week" })], "E_BAD_OPTION"),
  c("monthly periods", () => [BgNbdModel.fromJSON({ ...BG_DAY_JSON, period: "month" })], "E_BAD_OPTION"),
  ...classArgCases(0, () => [BG_DAY], "BgNbdModel", () => BgNbdModel.fromJSON(BG_DAY_JSON)),
  c("no argument", () => [], "E_BAD_TYPE"),
  c("a Pareto/NBD model", () => [PN], "E_BAD_TYPE"),
  c("a Gamma-Gamma model", () => [GG], "E_BAD_TYPE"),
  c("an AliveChurnModel", () => [ALIVE], "E_BAD_TYPE"),
  c("the BG/NBD model's JSON", () => [structuredClone(BG_DAY_JSON)], "E_BAD_TYPE"),
  c("an object not made by unimetric", () => [Object.create(BgNbdModel.prototype)], "E_BAD_TYPE"),
  c("extra argument ignored", () => [BG_DAY, "junk"], ok((m) => assert.deepEqual(m.params, BG_DAY.params))),
], () => { aliveSame(); bgSame(); });

// --- segments
const SEG = U.segment(X6(), 1, { k: 2, seed: 1 });
const SM = SEG.model;
ref.seg = [...SM.predict(X6(), 1)];
const segSame = () => assert.deepEqual([...SM.predict(X6(), 1)], ref.seg);
const featureCases = (call, opts) => [
  c("README features: two clusters", () => [X6(), 1, opts], ok((r) => assert.deepEqual([...r.labels ?? r], [1, 1, 1, 0, 0, 0]))),
  c("empty", () => [new Float64Array(0), 1, opts], "E_EMPTY"),
  c("NaN", () => [new Float64Array([1, NaN, 3, 4]), 1, opts], "E_NON_FINITE"),
  c("Infinity", () => [new Float64Array([1, Infinity, 3, 4]), 1, opts], "E_NON_FINITE"),
  c("-Infinity", () => [new Float64Array([1, -Infinity, 3, 4]), 1, opts], "E_NON_FINITE"),
  c("1e308", () => [new Float64Array([1e308, -1e308, 1e308, 0]), 1, opts], "E_OUT_OF_RANGE"),
  c("values not divisible by nCols", () => [X6(), 4, opts], "E_BAD_OPTION"),
  c("nCols NaN", () => [X6(), NaN, opts], "E_BAD_OPTION"),
  c("nCols a word", () => [X6(), "one", opts], "E_BAD_OPTION"),
  c("features as a plain array", () => [[1, 2, 3], 1, opts], "E_BAD_TYPE"),
  c("one distinct row", () => [new Float64Array([3, 3, 3, 3]), 1, opts], "E_INSUFFICIENT_DATA"),
];
entry("segment", (...a) => U.segment(...a), [
  ...featureCases(U.segment, { k: 2, seed: 1 }),
  c("k > n", () => [X6(), 1, { k: 7 }], "E_INSUFFICIENT_DATA"),
  c("one row", () => [new Float64Array([5]), 1, { k: 1 }], ok((r) => assert.deepEqual([...r.labels], [0]))),
  c("duplicate rows keep the clustering", () => [new Float64Array([...X6(), ...X6()]), 1, { k: 2, seed: 1 }], ok((r) => assert.deepEqual([...r.labels], [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0]))),
  ...optionCases(null, 2, [X6(), 1, { k: 2 }], "k"),
], segSame);
entry("kmeans", (...a) => U.kmeans(...a), [
  ...featureCases(U.kmeans, { k: 2, seed: 1 }),
  c("k > n", () => [X6(), 1, { k: 7 }], "E_INSUFFICIENT_DATA"),
  c("1e150 values: finite inertia", () => [new Float64Array([1e150, -1e150, 1e150, 0]), 1, { k: 2 }], ok((r) => assert.ok(Number.isFinite(r.inertia)))),
  ...optionCases(null, 2, [X6(), 1, { k: 2 }], "k"),
], segSame);
entry("chooseK", (...a) => U.chooseK(...a), [
  ...featureCases(U.chooseK, { kMax: 3, seed: 1 }).map((k) => k.name.startsWith("README") ? c(k.name, k.args, ok((r) => assert.equal(r.recommended, 2))) : k),
  c("kMax > n", () => [X6(), 1, { kMax: 50 }], "E_INSUFFICIENT_DATA"),
  ...optionCases(null, 2, [X6(), 1, { kMax: 3 }], "kMax"),
], segSame);
entry("new FeatureMatrix", (...a) => new FeatureMatrix(...a), [
  c("README features", () => [X6(), 1], ok((m) => assert.equal(m.length, 6))),
  c("empty", () => [new Float64Array(0), 1], "E_EMPTY"),
  c("NaN", () => [new Float64Array([NaN]), 1], "E_NON_FINITE"),
  c("Infinity", () => [new Float64Array([Infinity]), 1], "E_NON_FINITE"),
  c("1e308", () => [new Float64Array([1e308]), 1], "E_OUT_OF_RANGE"),
  c("values not divisible by nCols", () => [X6(), 4], "E_BAD_OPTION"),
  c("nCols 0", () => [X6(), 0], "E_BAD_OPTION"),
  c("nCols negative", () => [X6(), -2], "E_BAD_OPTION"),
  c("plain array", () => [[1, 2], 1], "E_BAD_TYPE"),
  c("too large for wasm memory (4 GiB of zeros, not touched)", () => [new Float64Array(2 ** 29 + 8), 1], "E_TOO_LARGE"),
  c("one row", () => [new Float64Array([1, 2]), 2], ok((m) => assert.equal(m.length, 1))),
], segSame);
const FMX = new FeatureMatrix(X6(), 1);
entry("FeatureMatrix#kmeans", (...a) => FMX.kmeans(...a), [
  c("README features", () => [{ k: 2, seed: 1 }], ok((r) => assert.deepEqual([...r.labels], [1, 1, 1, 0, 0, 0]))),
  c("k > n", () => [{ k: 7 }], "E_INSUFFICIENT_DATA"),
  c("k 0", () => [{ k: 0 }], "E_BAD_OPTION"),
  c("k fractional", () => [{ k: 1.5 }], "E_BAD_OPTION"),
  c("init of the wrong length", () => [{ k: 2, init: [1, 2, 3] }], "E_BAD_OPTION"),
  c("init NaN", () => [{ k: 2, init: [NaN, 1] }], "E_BAD_OPTION"),
  c("seed negative", () => [{ seed: -1 }], "E_BAD_OPTION"),
  ...optionCases(null, 0, [{ k: 2 }], "k"),
], () => { segSame(); assert.deepEqual([...FMX.kmeans({ k: 2, seed: 1 }).labels], [1, 1, 1, 0, 0, 0]); });
const CUST = Transactions.fromCsv(SHOP_CSV, M).summary();
// S.twice(): customers a–f, each row given twice. Summaries from columns do not merge rows, so
// each row is a customer of its own and both rows of an id get the same result.
// Two tight groups far apart: a, b, c (monetary 10–11, 1 repeat, last purchase 5 weeks ago) and
// d, e, f (200–210, 5 repeats, 1 week ago).
// RFM (n = 12, score = 1 + ⌊5w/12⌋, w = rows strictly worse; the same as on the six rows alone):
//   gap T − recency 5 5 5 1 1 1 → w 0 0 0 6 6 6 → R 1 1 1 3 3 3; F = frequency + 1 = 2 2 2 6 6 6
//   → 1 1 1 3 3 3; monetaryValue 10 10.5 11 200 205 210 → w 0 2 4 6 8 10 → M 1 1 2 3 4 5.
const DUP_OPTS = { segmentCustomers: { k: 2, seed: 1 }, chooseKCustomers: { kMax: 4, seed: 1 }, rfmScores: {} };
const twiceOf = (v) => [...v, ...v];
const DUP_CHECK = {
  // Clusters numbered by descending monetaryValue: d, e, f → 0; a, b, c → 1; six rows each.
  segmentCustomers: (r) => {
    assert.deepEqual([...r.labels], twiceOf([1, 1, 1, 0, 0, 0]));
    assert.deepEqual(r.profiles.map((p) => p.size), [6, 6]);
  },
  // Two tight groups: every row's silhouette is close to 1 at k = 2; at k = 3 or 4 a group is
  // split and its rows' distances to the other part are as small as those within their own.
  chooseKCustomers: (r) => {
    assert.deepEqual(r.scores.map((s) => s.k), [2, 3, 4]);
    assert.equal(r.recommended, 2);
  },
  rfmScores: (r) => {
    assert.deepEqual([...r.r], twiceOf([1, 1, 1, 3, 3, 3]));
    assert.deepEqual([...r.f], twiceOf([1, 1, 1, 3, 3, 3]));
    assert.deepEqual([...r.m], twiceOf([1, 1, 2, 3, 4, 5]));
    assert.deepEqual(r.cell, twiceOf(["111", "111", "112", "333", "334", "335"]));
    // R 1, F 1 → Lost; R 3, F 3 → Loyal.
    assert.deepEqual(r.segment, twiceOf(["Lost", "Lost", "Lost", "Loyal", "Loyal", "Loyal"]));
  },
};
for (const [key, fn, opts] of [["segmentCustomers", U.segmentCustomers, { k: 3, seed: 1 }], ["chooseKCustomers", U.chooseKCustomers, { kMax: 4, seed: 1 }], ["rfmScores", U.rfmScores, {}]]) {
  entry(key, (...a) => fn(...a), [
    c("shop customers", () => [CUST, opts], ok()),
    c("one customer", () => [S.one(), opts], key === "rfmScores" ? ok((r) => assert.equal(r.r.length, 1)) : "E_INSUFFICIENT_DATA"),
    c("all customers equal", () => [S.equal(), opts], key === "rfmScores" ? ok((r) => assert.deepEqual([...r.r], [1, 1, 1])) : "E_INSUFFICIENT_DATA"),
    c("a customer id twice: each row scored, same result for both (hand count)", () => [S.twice(), DUP_OPTS[key]], ok(DUP_CHECK[key])),
    ...classArgCases(0, () => [CUST, opts], "CustomerSummary", S.one),
    ...optionCases(null, 1, [CUST, opts], key === "rfmScores" ? null : key === "segmentCustomers" ? "k" : "kMax"),
    ...(key === "rfmScores" ? [c("unknown monetary", () => [CUST, { monetary: "median" }], "E_BAD_OPTION")] : [c("k > n", () => [S.equal(), key === "segmentCustomers" ? { k: 9 } : { kMax: 9 }], "E_INSUFFICIENT_DATA")]),
  ], segSame);
}
const SMJ = SM.toJSON();
entry("SegmentModel#predict", (...a) => SM.predict(...a), [
  c("README features", () => [X6(), 1], ok((l) => assert.deepEqual([...l], ref.seg))),
  c("empty: no labels", () => [new Float64Array(0), 1], ok((l) => assert.equal(l.length, 0))),
  c("NaN", () => [new Float64Array([NaN]), 1], "E_NON_FINITE"),
  c("Infinity", () => [new Float64Array([Infinity]), 1], "E_NON_FINITE"),
  c("1e308", () => [new Float64Array([1e308]), 1], "E_OUT_OF_RANGE"),
  c("wrong nCols", () => [X6(), 2], "E_BAD_OPTION"),
  c("nCols NaN", () => [X6(), NaN], "E_BAD_OPTION"),
  c("plain array", () => [[1, 2], 1], "E_BAD_TYPE"),
  c("one row", () => [new Float64Array([49]), 1], ok((l) => assert.deepEqual([...l], [0]))),
  c("duplicate rows", () => [new Float64Array([1, 1, 1]), 1], ok((l) => assert.deepEqual([...l], [1, 1, 1]))),
], segSame);
const CSEG = U.segmentCustomers(CUST, { k: 3, seed: 1 }).model;
ref.cseg = [...CSEG.predictCustomers(CUST)];
entry("SegmentModel#predictCustomers", (...a) => CSEG.predictCustomers(...a), [
  c("shop customers", () => [CUST], ok((l) => assert.deepEqual([...l], ref.cseg))),
  c("one customer", () => [S.one()], ok((l) => assert.equal(l.length, 1))),
  c("all equal", () => [S.equal()], ok((l) => assert.ok(l[0] === l[1] && l[1] === l[2]))),
  // A model of three plain feature columns has the width of the customer features but not their
  // names: refused, not scored on the wrong features.
  c("features-only model on customers", () => [CUST], "E_BAD_OPTION",
    (...a) => U.segment(new Float64Array([1, 1, 1, 1.2, 1, 1, 50, 5, 5, 52, 5, 5]), 3, { k: 2, seed: 1 }).model.predictCustomers(...a)),
  ...classArgCases(0, () => [CUST], "CustomerSummary", S.one),
  c("a Transactions instead", () => [CHURN_TX], "E_BAD_TYPE"),
  c("extra argument ignored", () => [CUST, 5], ok((l) => assert.deepEqual([...l], ref.cseg))),
], () => assert.deepEqual([...CSEG.predictCustomers(CUST)], ref.cseg));
entry("SegmentModel.fromJSON", (...a) => SegmentModel.fromJSON(...a), [
  c("round trip", () => [structuredClone(SMJ)], ok((m) => assert.deepEqual([...m.predict(X6(), 1)], ref.seg))),
  c("as a string", () => [JSON.stringify(SMJ)], ok((m) => assert.equal(m.k, 2))),
  c("empty object", () => [{}], "E_BAD_OPTION"),
  c("null", () => [null], "E_BAD_OPTION"),
  c("broken JSON text", () => ["{not json"], "E_BAD_OPTION"),
  c("NaN centroid", () => [{ ...structuredClone(SMJ), kmeans: { ...SMJ.kmeans, centroids: SMJ.kmeans.centroids.map(() => NaN) } }], "E_BAD_OPTION"),
  c("centroids of the wrong length", () => [{ ...structuredClone(SMJ), kmeans: { ...SMJ.kmeans, centroids: [1] } }], "E_BAD_OPTION"),
  c("k 0", () => [{ ...structuredClone(SMJ), kmeans: { ...SMJ.kmeans, k: 0 } }], "E_BAD_OPTION"),
  c("unknown scaling", () => [{ ...structuredClone(SMJ), transform: { ...SMJ.transform, scaling: "minmax" } }], "E_BAD_OPTION"),
  c("wrong version", () => [{ ...structuredClone(SMJ), version: "9.9.9" }], "E_BAD_OPTION"),
], segSame);
entry("SegmentModel#toJSON", (...a) => SM.toJSON(...a), noInputCases(() => SM.toJSON(), () => SMJ), segSame);

// --- the `unimetric/arrow` entry: its own WebAssembly instance; the exports only it has
// (`fromArrow` and friends) meet Arrow IPC bytes written by apache-arrow. After each case the
// arrow instance must still read the README transactions from Arrow into their hand count.
const Arrow = createRequire(import.meta.url)("apache-arrow");
const col = (values, type) => Arrow.vectorFromArray(values, type);
const F64 = () => new Arrow.Float64();
const ms = () => new Arrow.TimestampMillisecond();
const ipcOf = (cols, format = "stream") => Arrow.tableToIPC(new Arrow.Table(cols), format);
const half = (b) => b.slice(0, Math.floor(b.length / 2));
const NOT_ARROW = () => new TextEncoder().encode(README_CSV);
// The README transactions (a: Jan 1 20, Jan 15 35; b: Jan 10 12.5), each column replaceable.
const readmeIpc = (over = {}, format = "stream") => ipcOf({
  c: col(["a", "a", "b"], new Arrow.Utf8()),
  d: col([JAN1, JAN1 + 14 * DAY, JAN1 + 9 * DAY], ms()),
  a: col([20, 35, 12.5], F64()),
  ...over,
}, format);
const arrowAlive = () => {
  const s = AU.Transactions.fromArrow(readmeIpc(), M).summary({ period: "day" });
  assert.deepEqual(summaryCols(s), [[1, 0], [14, 0], [14, 5], [35, 0]]);
  s.free();
};
// Bytes-level cases every fromArrow meets; `valid` is the rest of a valid argument list.
const ipcCases = (valid) => [
  c("empty bytes", () => [new Uint8Array(0), ...valid], "E_EMPTY"),
  c("not Arrow (CSV bytes)", () => [NOT_ARROW(), ...valid], "E_ARROW"),
  c("truncated stream", () => [half(readmeIpc()), ...valid], "E_ARROW"),
  c("truncated file", () => [half(readmeIpc({}, "file")), ...valid], "E_ARROW"),
  c("bytes of the wrong type (a string)", () => ["c,d,a", ...valid], "E_BAD_TYPE"),
  c("bytes of the wrong type (a number array)", () => [[1, 2, 3], ...valid], "E_BAD_TYPE"),
];
entry("Transactions.fromArrow", (...a) => AU.Transactions.fromArrow(...a), [
  ...ipcCases([M]),
  c("README rows", () => [readmeIpc(), M], ok((tx) => assert.deepEqual(summaryCols(tx.summary({ period: "day" })), [[1, 0], [14, 0], [14, 5], [35, 0]]))),
  c("file format from an ArrayBuffer", () => [readmeIpc({}, "file").buffer, M], ok((tx) => assert.equal(tx.length, 3))),
  c("one row", () => [ipcOf({ c: col(["a"], new Arrow.Utf8()), d: col([JAN1], ms()), a: col([5], F64()) }), M], ok((tx) => assert.equal(tx.length, 1))),
  c("all values equal (duplicate rows are valid)", () => [ipcOf({ c: col(["a", "a"], new Arrow.Utf8()), d: col([JAN1, JAN1], ms()), a: col([10, 10], F64()) }), M],
    ok((tx) => assert.deepEqual([...tx.summary().revenue], [20]))),
  c("null customer id", () => [readmeIpc({ c: col(["a", null, "b"], new Arrow.Utf8()) }), M], "E_MISSING_VALUE"),
  c("null timestamp", () => [readmeIpc({ d: col([JAN1, null, JAN1], ms()) }), M], "E_MISSING_VALUE"),
  c("boolean amounts", () => [readmeIpc({ a: col([true, false, true], new Arrow.Bool()) }), M], "E_BAD_TYPE"),
  c("NaN amount", () => [readmeIpc({ a: col([20, NaN, 12.5], F64()) }), M], "E_NON_FINITE"),
  c("Infinity amount", () => [readmeIpc({ a: col([20, Infinity, 12.5], F64()) }), M], "E_NON_FINITE"),
  c("-Infinity amount", () => [readmeIpc({ a: col([20, -Infinity, 12.5], F64()) }), M], "E_NON_FINITE"),
  c("1e308 amount", () => [readmeIpc({ a: col([1e308, 1e308, 1], F64()) }), M], "E_OUT_OF_RANGE"),
  c("negative amount is a refund", () => [readmeIpc({ a: col([30, -10, 5], F64()) }), M], ok((tx) => assert.deepEqual([...tx.summary().revenue], [20, 5]))),
  c("timestamp after year 9999", () => [readmeIpc({ d: col([JAN1, 253402300800000, JAN1], ms()) }), M], "E_BAD_DATE"),
  c("unparsable text date", () => [readmeIpc({ d: col(["2024-01-01", "yesterday", "2024-01-10"], new Arrow.Utf8()) }), M], "E_BAD_DATE"),
  c("ambiguous text date 03/05/2024", () => [readmeIpc({ d: col(["03/05/2024", "2024-01-02", "2024-01-10"], new Arrow.Utf8()) }), M], "E_BAD_DATE"),
  c("mapped column missing", () => [readmeIpc(), { ...M, amount: "revenue" }], "E_MISSING_COLUMN"),
  c("unknown mapping key", () => [readmeIpc(), { ...M, colour: "x" }], "E_UNKNOWN_OPTION"),
  c("mapping of the wrong type", () => [readmeIpc(), "c,d,a"], "E_BAD_OPTION"),
], arrowAlive);

// Dimensions from Arrow: a utf8 and a dictionary column (see DIM_CSV for the hand count).
const dimIpc = (over = {}) => readmeIpc({
  country: col(["DE", "FR", null], new Arrow.Utf8()),
  device: col(["ios", null, "web"], new Arrow.Dictionary(new Arrow.Utf8(), new Arrow.Int32())),
  ...over,
});
MATRIX["Transactions.fromArrow"].cases.push(
  c("dimensions from utf8 and dictionary columns", () => [dimIpc(), MD], dimsOk),
  c("a numeric dimension column", () => [dimIpc({ country: col([1, 2, 3], F64()) }), MD], "E_BAD_TYPE"),
  c("dimension column missing", () => [readmeIpc(), MD], "E_MISSING_COLUMN"),
  c("dimension named twice", () => [dimIpc(), { ...M, dimensions: ["device", "device"] }], "E_BAD_OPTION"),
);

// Spend: search 100 and email 50 in January, search 80 in February.
const SPEND_M = { date: "month", channel: "channel", amount: "amount" };
const spendIpc = (over = {}) => ipcOf({
  month: col([JAN1, JAN1, Date.UTC(2024, 1, 1)], ms()),
  channel: col(["search", "email", "search"], new Arrow.Utf8()),
  amount: col([100, 50, 80], F64()),
  ...over,
});
// Journeys: j1 touched by search and email before converting (value 30), j2 by email only.
const touchIpc = (over = {}) => ipcOf({
  id: col(["j1", "j1", "j2"], new Arrow.Utf8()),
  at: col([JAN1, JAN1 + 2 * DAY, JAN1 + DAY], ms()),
  ch: col(["search", "email", "email"], new Arrow.Utf8()),
  ...over,
});
const convIpc = (over = {}, format = "stream") => ipcOf({ id: col(["j1"], new Arrow.Utf8()), at: col([JAN1 + 3 * DAY], ms()), v: col([30], F64()), ...over }, format);
const J_ARROW_MAP = { journeyId: "id", timestamp: "at", channel: "ch", value: "v" };
const arrowJourneys = ok((j) => {
  assert.deepEqual(j.channels, ["email", "search"]); assert.equal(j.totalConversions, 1); assert.equal(j.totalNulls, 1);
  assert.deepEqual([...AU.attribution(j, { models: ["linear"] }).models.linear.value], [15, 15]);
});
entry("Journeys.fromArrow", (...a) => AU.Journeys.fromArrow(...a), [
  ...ipcCases([convIpc(), J_ARROW_MAP]),
  c("hand count", () => [touchIpc(), convIpc(), J_ARROW_MAP], arrowJourneys),
  c("integer ids and a file", () => [touchIpc({ id: col([7, 7, 8], new Arrow.Int32()) }), convIpc({ id: col([7], new Arrow.Int32()) }, "file"), J_ARROW_MAP], arrowJourneys),
  c("dictionary-encoded channels", () => [touchIpc({ ch: col(["search", "email", "email"], new Arrow.Dictionary(new Arrow.Utf8(), new Arrow.Int32())) }), convIpc(), J_ARROW_MAP], arrowJourneys),
  c("null channel", () => [touchIpc({ ch: col(["search", null, "email"], new Arrow.Utf8()) }), convIpc(), J_ARROW_MAP], "E_MISSING_VALUE"),
  c("NaN value", () => [touchIpc(), convIpc({ v: col([NaN], F64()) }), J_ARROW_MAP], "E_NON_FINITE"),
  c("a conversion before every touch", () => [touchIpc(), convIpc({ at: col([JAN1 - DAY], ms()) }), J_ARROW_MAP], "E_OUT_OF_RANGE"),
  c("mapped column missing", () => [touchIpc(), convIpc(), { ...J_ARROW_MAP, channel: "source" }], "E_MISSING_COLUMN"),
  c("unknown mapping key", () => [touchIpc(), convIpc(), { ...J_ARROW_MAP, colour: "x" }], "E_UNKNOWN_OPTION"),
]);
entry("Spend.fromArrow", (...a) => AU.Spend.fromArrow(...a), [
  ...ipcCases([SPEND_M]),
  c("three rows", () => [spendIpc(), SPEND_M], ok((s) => { assert.equal(s.total, 230); assert.deepEqual(s.channels, ["search", "email"]); })),
  c("dictionary-encoded channels", () => [spendIpc({ channel: col(["search", "email", "search"], new Arrow.Dictionary(new Arrow.Utf8(), new Arrow.Int32())) }), SPEND_M],
    ok((s) => assert.equal(s.total, 230))),
  c("null date", () => [spendIpc({ month: col([JAN1, null, JAN1], ms()) }), SPEND_M], "E_MISSING_VALUE"),
  c("null channel", () => [spendIpc({ channel: col(["search", null, "email"], new Arrow.Utf8()) }), SPEND_M], "E_MISSING_VALUE"),
  c("boolean amounts", () => [spendIpc({ amount: col([true, true, false], new Arrow.Bool()) }), SPEND_M], "E_BAD_TYPE"),
  c("NaN amount", () => [spendIpc({ amount: col([100, NaN, 80], F64()) }), SPEND_M], "E_NON_FINITE"),
  c("Infinity amount", () => [spendIpc({ amount: col([100, Infinity, 80], F64()) }), SPEND_M], "E_NON_FINITE"),
  c("negative amount", () => [spendIpc({ amount: col([100, -50, 80], F64()) }), SPEND_M], "E_NEGATIVE"),
  c("date after year 9999", () => [spendIpc({ month: col([JAN1, 253402300800000, JAN1], ms()) }), SPEND_M], "E_BAD_DATE"),
  c("mapped column missing", () => [spendIpc(), { ...SPEND_M, amount: "cost" }], "E_MISSING_COLUMN"),
  c("unknown mapping key", () => [spendIpc(), { ...SPEND_M, colour: "x" }], "E_UNKNOWN_OPTION"),
  c("mapping of the wrong type", () => [spendIpc(), ["month", "channel", "amount"]], "E_BAD_OPTION"),
], arrowAlive);

// A summary of two customers: 1 bought 3 repeat periods (recency 30, T 40, mean 12.5), 2 none.
const summaryIpc = (over = {}) => ipcOf({
  customerId: col([1, 2], new Arrow.Uint32()),
  frequency: col([3, 0], F64()),
  recency: col([30, 0], F64()),
  T: col([40, 10], F64()),
  monetaryValue: col([12.5, 0], F64()),
  ...over,
});
const DAYS = { period: "day" };
entry("CustomerSummary.fromArrow", (...a) => AU.CustomerSummary.fromArrow(...a), [
  ...ipcCases([undefined, DAYS]),
  c("two customers", () => [summaryIpc(), undefined, DAYS], ok((s) => assert.deepEqual(summaryCols(s), [[3, 0], [30, 0], [40, 10], [12.5, 0]]))),
  c("renamed columns", () => [summaryIpc({ avg: col([12.5, 0], F64()) }), { monetaryValue: "avg" }, DAYS], ok((s) => assert.deepEqual([...s.monetaryValue], [12.5, 0]))),
  c("null frequency", () => [summaryIpc({ frequency: col([3, null], F64()) }), undefined, DAYS], "E_MISSING_VALUE"),
  c("text frequency", () => [summaryIpc({ frequency: col(["3", "0"], new Arrow.Utf8()) }), undefined, DAYS], "E_BAD_TYPE"),
  c("NaN monetary value", () => [summaryIpc({ monetaryValue: col([NaN, 0], F64()) }), undefined, DAYS], "E_NON_FINITE"),
  c("recency after T", () => [summaryIpc({ recency: col([50, 0], F64()) }), undefined, DAYS], "E_OUT_OF_RANGE"),
  c("negative frequency", () => [summaryIpc({ frequency: col([-1, 0], F64()) }), undefined, DAYS], "E_NEGATIVE"),
  c("mapped column missing", () => [summaryIpc(), { T: "age" }, DAYS], "E_MISSING_COLUMN"),
  c("unknown mapping key", () => [summaryIpc(), { colour: "x" }, DAYS], "E_UNKNOWN_OPTION"),
  c("mapping of the wrong type", () => [summaryIpc(), "customerId", DAYS], "E_BAD_OPTION"),
  ...optionCases(null, 2, [summaryIpc(), undefined, DAYS]),
  c("unknown period", () => [summaryIpc(), undefined, { period: "fortnight" }], "E_BAD_OPTION"),
], arrowAlive);

// Features: three rows of x and n (the README's two obvious clusters on x).
const featIpc = (over = {}, format = "stream") => ipcOf({
  id: col(["a", "b", "c"], new Arrow.Utf8()),
  x: col([1, 1.2, 50], F64()),
  n: col([2, 2, 9], new Arrow.Int32()),
  ...over,
}, format);
const XN = ["x", "n"];
entry("FeatureMatrix.fromArrow", (...a) => AU.FeatureMatrix.fromArrow(...a), [
  ...ipcCases([XN]),
  c("two columns, three rows", () => [featIpc(), XN], ok((m) => {
    assert.deepEqual([m.length, m.nCols], [3, 2]);
    // k = 1: the column means (1 + 1.2 + 50) / 3 and (2 + 2 + 9) / 3.
    assert.deepEqual([...m.kmeans({ k: 1 }).centroids].map((v) => +v.toFixed(12)), [17.4, 13 / 3].map((v) => +v.toFixed(12)));
  })),
  c("file format, one column", () => [featIpc({}, "file"), ["n"]], ok((m) => assert.deepEqual([m.length, m.nCols], [3, 1]))),
  c("all values equal", () => [featIpc({ x: col([4, 4, 4], F64()) }), ["x"]], ok((m) => assert.equal(m.kmeans({ k: 1 }).inertia, 0))),
  c("null value", () => [featIpc({ x: col([1, null, 50], F64()) }), XN], "E_MISSING_VALUE"),
  c("text column", () => [featIpc(), ["x", "id"]], "E_BAD_TYPE"),
  c("NaN value", () => [featIpc({ x: col([1, NaN, 50], F64()) }), XN], "E_NON_FINITE"),
  c("Infinity value", () => [featIpc({ x: col([1, Infinity, 50], F64()) }), XN], "E_NON_FINITE"),
  c("1e308 value", () => [featIpc({ x: col([1, 1e308, 50], F64()) }), XN], "E_OUT_OF_RANGE"),
  c("missing column", () => [featIpc(), ["x", "y"]], "E_MISSING_COLUMN"),
  c("no columns named", () => [featIpc(), []], "E_BAD_OPTION"),
  c("columns of the wrong type (a string)", () => [featIpc(), "x,n"], "E_BAD_OPTION"),
  c("a column name that is a number", () => [featIpc(), ["x", 3]], "E_BAD_OPTION"),
  c("no rows", () => [ipcOf({ x: col([], F64()) }), ["x"]], "E_EMPTY"),
], arrowAlive);

// Attributes: customers 1–3 with seats and a plan.
const attrIpc = (over = {}) => ipcOf({
  id: col([1, 2, 3], new Arrow.Int32()),
  seats: col([3, 1, 5], F64()),
  plan: col(["pro", "basic", "pro"], new Arrow.Utf8()),
  ...over,
});
const ATTR = { customerId: "id", numeric: ["seats"], categorical: ["plan"] };
entry("customerAttributesFromArrow", (...a) => AU.customerAttributesFromArrow(...a), [
  ...ipcCases([ATTR]),
  c("three customers", () => [attrIpc(), ATTR], ok((a) => {
    assert.deepEqual(a.customerId, ["1", "2", "3"]);
    assert.deepEqual([...a.numeric.seats], [3, 1, 5]);
    assert.deepEqual(a.categorical.plan, ["pro", "basic", "pro"]);
  })),
  c("ids only", () => [attrIpc(), { customerId: "id" }], ok((a) => assert.deepEqual([a.customerId, a.numeric, a.categorical], [["1", "2", "3"], {}, {}]))),
  c("null category", () => [attrIpc({ plan: col(["pro", null, "pro"], new Arrow.Utf8()) }), ATTR], "E_MISSING_VALUE"),
  c("null customer id", () => [attrIpc({ id: col([1, null, 3], new Arrow.Int32()) }), ATTR], "E_MISSING_VALUE"),
  c("repeated customer id", () => [attrIpc({ id: col([1, 2, 1], new Arrow.Int32()) }), ATTR], "E_OUT_OF_RANGE"),
  c("NaN attribute", () => [attrIpc({ seats: col([3, NaN, 5], F64()) }), ATTR], "E_NON_FINITE"),
  c("text as a numeric attribute", () => [attrIpc(), { ...ATTR, numeric: ["plan"] }], "E_BAD_TYPE"),
  c("numbers as a categorical attribute", () => [attrIpc(), { ...ATTR, categorical: ["seats"] }], "E_BAD_TYPE"),
  c("attribute named like a feature", () => [attrIpc({ frequency: col([1, 2, 3], F64()) }), { customerId: "id", numeric: ["frequency"] }], "E_BAD_OPTION"),
  c("missing column", () => [attrIpc(), { ...ATTR, numeric: ["age"] }], "E_MISSING_COLUMN"),
  c("unknown columns key", () => [attrIpc(), { ...ATTR, dates: ["x"] }], "E_UNKNOWN_OPTION"),
  c("columns of the wrong type", () => [attrIpc(), "id"], "E_BAD_OPTION"),
  c("no customerId", () => [attrIpc(), { numeric: ["seats"] }], "E_BAD_OPTION"),
], arrowAlive);

// --- Contractual retention (sBG / BdW) and BG/BB. Published fits: Fader & Hardie (2007),
// "regular" survivors, years 0–7: α 0.704, β 1.182; Fader, Hardie & Shang (2010), donations:
// α 1.204, β 0.750, γ 0.657, δ 2.783.
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
const RM = U.fitShiftedBetaGeometric({ survivors: REGULAR });
const RMJ = RM.toJSON();
const near = (x, want, tol) => assert.ok(Math.abs(x - want) <= tol, `${x} vs ${want}`);
const rmSame = () => { near(RM.params.alpha, 0.704, 5e-4); near(RM.params.beta, 1.182, 5e-4); };
const DONATIONS = (() => {
  const rows = "0,0,3464 1,1,1091 1,2,277 1,3,129 1,4,78 1,5,119 1,6,129 2,2,613 2,3,255 2,4,155 2,5,173 2,6,234 3,3,322 3,4,181 3,5,225 3,6,357 4,4,240 4,5,284 4,6,512 5,5,335 5,6,728 6,6,1203"
    .split(" ").map((r) => r.split(",").map(Number));
  return () => ({
    frequency: rows.map((r) => r[0]), recency: rows.map((r) => r[1]),
    opportunities: rows.map(() => 6), weight: rows.map((r) => r[2]),
  });
})();
const BB = U.fitBgBb(DONATIONS());
const BBJ = BB.toJSON();
const bbSame = () => { near(BB.params.alpha, 1.204, 5e-4); near(BB.params.delta, 2.783, 5e-4); };
const ROWS3 = () => ({ frequency: [0, 3, 6], recency: [0, 4, 6], opportunities: [6, 6, 6] });
entry("fitShiftedBetaGeometric", (...a) => U.fitShiftedBetaGeometric(...a), [
  c("the published fit", () => [{ survivors: REGULAR }], ok((m) => { near(m.params.alpha, 0.704, 5e-4); near(m.params.beta, 1.182, 5e-4); assert.equal(m.period, "year"); })),
  c("several cohorts", () => [{ survivors: [REGULAR, REGULAR.slice(0, 4)] }], ok((m) => assert.equal(m.customers, 2000))),
  c("the BdW", () => [{ survivors: REGULAR }, { model: "bdw" }], ok((m) => assert.equal(typeof m.params.c, "number"))),
  c("survivors increasing", () => [{ survivors: [1000, 631, 700, 500] }], "E_OUT_OF_RANGE"),
  c("a zero first cohort", () => [{ survivors: [0, 0, 0] }], "E_OUT_OF_RANGE"),
  c("one period", () => [{ survivors: [1000] }], "E_INSUFFICIENT_DATA"),
  c("NaN count", () => [{ survivors: [1000, NaN, 400] }], "E_NON_FINITE"),
  c("negative count", () => [{ survivors: [1000, -5, -6] }], "E_NEGATIVE"),
  c("no survivors key", () => [{ counts: REGULAR }], "E_UNKNOWN_OPTION"),
  c("an empty object", () => [{}], "E_MISSING_COLUMN"),
  c("survivors as text", () => [{ survivors: "1000,600" }], "E_BAD_OPTION"),
  c("a cohort that is not an array", () => [{ survivors: [REGULAR, 5] }], "E_BAD_OPTION"),
  c("input a number", () => [7], "E_BAD_OPTION"),
  c("unknown option", () => [{ survivors: REGULAR }, { modle: "bdw" }], "E_UNKNOWN_OPTION"),
  c("unknown model", () => [{ survivors: REGULAR }, { model: "weibull" }], "E_BAD_OPTION"),
  c("unknown period", () => [{ survivors: REGULAR }, { period: "decade" }], "E_BAD_OPTION"),
  c("a Float64Array cohort", () => [{ survivors: new Float64Array(REGULAR) }], ok((m) => near(m.params.alpha, 0.704, 5e-4))),
], rmSame);
const rmMethod = (name) => (...a) => RM[name](...a);
const periodCases = (valid, check) => [
  c("t = 3", () => [3], ok(check)),
  c("t negative", () => [-1], "E_BAD_OPTION"),
  c("t fractional", () => [1.5], "E_BAD_OPTION"),
  c("t NaN", () => [NaN], "E_BAD_OPTION"),
  c("t Infinity", () => [Infinity], "E_BAD_OPTION"),
  c("t a word", () => ["three"], "E_BAD_OPTION"),
  c("t above a million periods", () => [1e7], "E_BAD_OPTION"),
  c("t missing", () => [], "E_BAD_OPTION"),
  c("t null reads as 0 (JavaScript's Number(null))", () => [null], either(["E_BAD_OPTION"])),
  c("t = 1,000,000", () => [1e6], ok((x) => assert.ok(typeof x === "number" ? Number.isFinite(x) && x >= 0 : x.length === 1_000_001))),
  ...valid,
];
// S(t) = B(α, β+t)/B(α, β); with the fitted α, β: S(1) = β/(α+β).
entry("RetentionModel#survival", rmMethod("survival"), periodCases([
  c("S(0) = 1", () => [0], ok((x) => assert.equal(x, 1))),
  c("S(1) = β/(α+β)", () => [1], ok((x) => near(x, RM.params.beta / (RM.params.alpha + RM.params.beta), 1e-12))),
], (x) => assert.ok(x > 0 && x < 1)), rmSame);
entry("RetentionModel#retentionRate", rmMethod("retentionRate"), periodCases([
  c("r(1) = β/(α+β)", () => [1], ok((x) => near(x, RM.params.beta / (RM.params.alpha + RM.params.beta), 1e-12))),
  c("r(0) is refused", () => [0], "E_BAD_OPTION"),
], (x) => assert.ok(x > 0 && x < 1)), rmSame);
entry("RetentionModel#churnProbability", rmMethod("churnProbability"), periodCases([
  c("P(T=1) = α/(α+β)", () => [1], ok((x) => near(x, RM.params.alpha / (RM.params.alpha + RM.params.beta), 1e-12))),
  c("P(T=0) is refused", () => [0], "E_BAD_OPTION"),
], (x) => assert.ok(x > 0 && x < 1)), rmSame);
entry("RetentionModel#survivalCurve", rmMethod("survivalCurve"), periodCases([
  c("horizon 0: [1]", () => [0], ok((v) => assert.deepEqual([...v], [1]))),
], (v) => assert.equal(v.length, 4)), rmSame);
entry("RetentionModel#projectSurvivors", rmMethod("projectSurvivors"), [
  c("the cohort of 1000 over 12 years", () => [1000, 12], ok((v) => { assert.equal(v.length, 13); assert.equal(v[0], 1000); assert.ok(v[12] < v[7]); })),
  c("size 0", () => [0, 3], either(["E_OUT_OF_RANGE"], (v) => assert.ok(v.every((x) => x === 0)))),
  c("size negative", () => [-1, 3], either(["E_NEGATIVE", "E_OUT_OF_RANGE", "E_BAD_OPTION"])),
  c("size NaN", () => [NaN, 3], either(["E_NON_FINITE", "E_BAD_OPTION"])),
  c("size Infinity", () => [Infinity, 3], either(["E_NON_FINITE", "E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("horizon negative", () => [1000, -1], "E_BAD_OPTION"),
  c("horizon NaN", () => [1000, NaN], "E_BAD_OPTION"),
  c("horizon fractional", () => [1000, 2.5], "E_BAD_OPTION"),
  c("horizon a word", () => [1000, "ten"], "E_BAD_OPTION"),
  c("no arguments", () => [], either(["E_BAD_OPTION", "E_NON_FINITE"])),
], rmSame);
entry("RetentionModel#expectedLifetime", rmMethod("expectedLifetime"), [
  // α = 0.704 ≤ 1: the mean lifetime is infinite, reported as null.
  c("α ≤ 1: null", () => [], ok((x) => assert.equal(x, null))),
  ...["junk", 1, null, {}, [], NaN, -1, "x".repeat(1000), () => 1].map((a, i) => c(`ignored argument #${i}`, () => [a], ok((x) => assert.equal(x, null)))),
], rmSame);
entry("RetentionModel#derl", rmMethod("derl"), [
  // DERL = Σ_k S(m+1+k)/S(m)/(1+d)^k, summed here term by term.
  c("equals the series", () => [0.1, 2], ok((x) => {
    let sum = 0; for (let k = 0; k < 5000; k++) sum += RM.survival(3 + k) / RM.survival(2) / 1.1 ** k;
    near(x, sum, 1e-9 * sum);
  })),
  c("discount 0 is refused", () => [0, 0], either(["E_OUT_OF_RANGE", "E_BAD_OPTION"])),
  c("discount negative", () => [-0.1, 0], either(["E_OUT_OF_RANGE", "E_BAD_OPTION"])),
  c("discount NaN", () => [NaN, 0], either(["E_NON_FINITE", "E_BAD_OPTION"])),
  c("discount 1e9", () => [1e9, 0], either(["E_OUT_OF_RANGE", "E_BAD_OPTION"])),
  c("renewals negative", () => [0.1, -1], either(["E_OUT_OF_RANGE", "E_BAD_OPTION"])),
  c("renewals fractional", () => [0.1, 1.5], either(["E_OUT_OF_RANGE", "E_BAD_OPTION"])),
  c("renewals NaN", () => [0.1, NaN], either(["E_NON_FINITE", "E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("renewals a word", () => [0.1, "two"], either(["E_NON_FINITE", "E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("no arguments", () => [], either(["E_NON_FINITE", "E_BAD_OPTION", "E_OUT_OF_RANGE"])),
], rmSame);
entry("RetentionModel#toJSON", (...a) => RM.toJSON(...a), noInputCases(() => RM.toJSON(), () => RMJ), rmSame);
entry("RetentionModel.fromJSON", (...a) => U.RetentionModel.fromJSON(...a), [
  c("round trip", () => [structuredClone(RMJ)], ok((m) => assert.deepEqual(m.params, RM.params))),
  c("through JSON text", () => [JSON.parse(JSON.stringify(RMJ))], ok((m) => assert.equal(m.derl(0.1, 0), RM.derl(0.1, 0)))),
  c("empty object", () => [{}], "E_MISSING_VALUE"),
  c("null", () => [null], "E_BAD_OPTION"),
  c("a string", () => ["{}"], "E_BAD_OPTION"),
  c("NaN parameter", () => [{ ...structuredClone(RMJ), params: { alpha: NaN, beta: 1 } }], either(["E_BAD_OPTION", "E_NON_FINITE"])),
  c("negative parameter", () => [{ ...structuredClone(RMJ), params: { alpha: -1, beta: 1 } }], either(["E_BAD_OPTION", "E_NEGATIVE", "E_OUT_OF_RANGE"])),
  c("unknown key", () => [{ ...structuredClone(RMJ), extra: 1 }], "E_UNKNOWN_OPTION"),
  c("another model's JSON", () => [BBJ], either(["E_UNKNOWN_OPTION", "E_BAD_OPTION"])),
  c("a newer major version", () => [{ ...structuredClone(RMJ), version: "9.0.0" }], "E_BAD_OPTION"),
  c("sbg saved as bdw", () => [{ ...structuredClone(RMJ), metric: "retention.bdw" }], "E_BAD_OPTION"),
], rmSame);
const bbMethod = (name) => (...a) => BB[name](...a);
const bbRowCases = (extra = []) => [
  c("rows without weight", () => [ROWS3(), ...extra], ok((v) => assert.equal(v.length, 3))),
  c("frequency > opportunities", () => [{ ...ROWS3(), frequency: [0, 7, 6] }, ...extra], "E_OUT_OF_RANGE"),
  c("mismatched lengths", () => [{ ...ROWS3(), recency: [0, 4] }, ...extra], "E_LENGTH_MISMATCH"),
  c("NaN recency", () => [{ ...ROWS3(), recency: [0, NaN, 6] }, ...extra], "E_NON_FINITE"),
  c("negative opportunities", () => [{ ...ROWS3(), opportunities: [6, -6, 6] }, ...extra], "E_NEGATIVE"),
  c("a weight column is not taken here", () => [{ ...ROWS3(), weight: [1, 1, 1] }, ...extra], "E_UNKNOWN_OPTION"),
  c("a missing column", () => [{ frequency: [1], recency: [1] }, ...extra], "E_MISSING_COLUMN"),
  c("not an object", () => [[1, 2, 3], ...extra], "E_BAD_OPTION"),
  c("text in a column", () => [{ ...ROWS3(), frequency: ["0", "x", "6"] }, ...extra], either(["E_BAD_TYPE", "E_BAD_OPTION"])),
  c("empty columns", () => [{ frequency: [], recency: [], opportunities: [] }, ...extra], either(["E_EMPTY"], (v) => assert.equal(v.length, 0))),
];
entry("fitBgBb", (...a) => U.fitBgBb(...a), [
  c("the published donations fit", () => [DONATIONS()], ok((m) => {
    near(m.params.alpha, 1.204, 5e-4); near(m.params.beta, 0.750, 5e-4); near(m.params.gamma, 0.657, 5e-4); near(m.params.delta, 2.783, 5e-4);
  })),
  c("weights equal to repeated rows", () => [{ frequency: [0, 1, 1, 2], recency: [0, 1, 1, 2], opportunities: [3, 3, 3, 3] }], ok((m) => {
    const w = U.fitBgBb({ frequency: [0, 1, 2], recency: [0, 1, 2], opportunities: [3, 3, 3], weight: [1, 2, 1] });
    near(m.logLikelihood, w.logLikelihood, 1e-9 * Math.abs(w.logLikelihood));
  })),
  c("opportunities < frequency", () => [{ frequency: [3], recency: [3], opportunities: [2] }], "E_OUT_OF_RANGE"),
  c("recency 0 with frequency 1", () => [{ frequency: [1, 0], recency: [0, 0], opportunities: [5, 5] }], "E_OUT_OF_RANGE"),
  c("negative weight", () => [{ ...DONATIONS(), weight: DONATIONS().weight.map((w, i) => (i === 3 ? -1 : w)) }], "E_NEGATIVE"),
  c("no transactions at all", () => [{ frequency: [0, 0], recency: [0, 0], opportunities: [5, 5] }], "E_INSUFFICIENT_DATA"),
  c("opportunities above 100,000", () => [{ frequency: [1], recency: [1], opportunities: [1e6] }], "E_OUT_OF_RANGE"),
  c("unknown option", () => [DONATIONS(), { perod: "year" }], "E_UNKNOWN_OPTION"),
  c("maxIterations 0", () => [DONATIONS(), { maxIterations: 0 }], either(["E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("a string", () => ["frequency"], "E_BAD_OPTION"),
  c("empty", () => [{ frequency: [], recency: [], opportunities: [] }], "E_EMPTY"),
], bbSame);
// P(alive) of a customer with no repeat transaction over 6 opportunities, and E[X(n)] of a new
// customer, from the published parameters' closed forms: see the core's tests; here, ranges
// and agreement between methods.
entry("BgBbModel#probabilityAlive", bbMethod("probabilityAlive"), bbRowCases(), bbSame);
entry("BgBbModel#expectedTransactions", bbMethod("expectedTransactions"), [
  c("future 0: none", () => [ROWS3(), 0], ok((v) => assert.deepEqual([...v], [0, 0, 0]))),
  c("future NaN", () => [ROWS3(), NaN], either(["E_BAD_OPTION", "E_NON_FINITE", "E_OUT_OF_RANGE"])),
  c("future negative", () => [ROWS3(), -1], either(["E_BAD_OPTION", "E_OUT_OF_RANGE", "E_NEGATIVE"])),
  ...bbRowCases([5]),
], bbSame);
entry("BgBbModel#expectedTransactionsNewCustomer", bbMethod("expectedTransactionsNewCustomer"), [
  c("n = 0: none", () => [0], ok((x) => assert.equal(x, 0))),
  c("n = 6", () => [6], ok((x) => assert.ok(x > 0 && x < 6))),
  c("grows with n", () => [12], ok((x) => assert.ok(x > BB.expectedTransactionsNewCustomer(6)))),
  c("n negative", () => [-1], either(["E_BAD_OPTION", "E_OUT_OF_RANGE", "E_NEGATIVE"])),
  c("n NaN", () => [NaN], either(["E_BAD_OPTION", "E_NON_FINITE", "E_OUT_OF_RANGE"])),
  c("n Infinity", () => [Infinity], either(["E_BAD_OPTION", "E_NON_FINITE", "E_OUT_OF_RANGE"])),
  c("n fractional", () => [1.5], either(["E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("n above 100,000", () => [1e6], either(["E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("n a word", () => ["six"], either(["E_BAD_OPTION", "E_NON_FINITE", "E_OUT_OF_RANGE"])),
  c("no argument", () => [], either(["E_BAD_OPTION", "E_NON_FINITE", "E_OUT_OF_RANGE"])),
], bbSame);
entry("BgBbModel#toJSON", (...a) => BB.toJSON(...a), noInputCases(() => BB.toJSON(), () => BBJ), bbSame);
entry("BgBbModel.fromJSON", (...a) => U.BgBbModel.fromJSON(...a), [
  c("round trip", () => [structuredClone(BBJ)], ok((m) => assert.deepEqual(m.params, BB.params))),
  c("through JSON text", () => [JSON.parse(JSON.stringify(BBJ))], ok((m) => assert.equal(m.expectedTransactionsNewCustomer(6), BB.expectedTransactionsNewCustomer(6)))),
  c("empty object", () => [{}], "E_MISSING_VALUE"),
  c("null", () => [null], "E_BAD_OPTION"),
  c("a string", () => ["{}"], "E_BAD_OPTION"),
  c("NaN parameter", () => [{ ...structuredClone(BBJ), params: { ...BBJ.params, gamma: NaN } }], either(["E_BAD_OPTION", "E_NON_FINITE"])),
  c("negative parameter", () => [{ ...structuredClone(BBJ), params: { ...BBJ.params, delta: -1 } }], either(["E_BAD_OPTION", "E_NEGATIVE", "E_OUT_OF_RANGE"])),
  c("unknown key", () => [{ ...structuredClone(BBJ), extra: 1 }], "E_UNKNOWN_OPTION"),
  c("another model's JSON", () => [RMJ], either(["E_UNKNOWN_OPTION", "E_BAD_OPTION"])),
  c("a newer major version", () => [{ ...structuredClone(BBJ), version: "9.0.0" }], "E_BAD_OPTION"),
], bbSame);

// --- The cohort matrix. Hand count on README_CSV observed to 2024-01-31: one January cohort of
// 2 customers, both buying in January (revenue 67.5); February (age 1) is not observed. An
// incomplete cell is NaN with complete 0; the case's check reads values where complete is 1 (a
// NaN there would be caught).
const cohortsSeen = (...a) => {
  const m = U.cohorts(...a);
  return { ...m, values: m.values.map((x, i) => (m.complete[i] ? x : 0)) };
};
const JAN = { observationEnd: "2024-01-31" };
entry("cohorts", cohortsSeen, [
  c("hand count: customers", () => [Transactions.fromCsv(README_CSV, M), { ...JAN, measure: "customers" }], ok((m) => { assert.deepEqual([...m.cohortSize], [2]); assert.deepEqual([...m.values], [2]); })),
  c("hand count: revenue", () => [Transactions.fromCsv(README_CSV, M), { ...JAN, measure: "revenue" }], ok((m) => assert.deepEqual([...m.values], [67.5]))),
  // With e's first purchase on 3 Feb and the data observed to 29 Feb: the January cohort's ages
  // 0 and 1 are complete, the February cohort's age 1 (March) is not.
  c("an age past the data is incomplete, not zero", () => [Transactions.fromCsv(README_CSV + "e,2024-02-03,5\n", M), { observationEnd: "2024-02-29", measure: "customers" }], ok((m) => { assert.deepEqual([...m.complete], [1, 1, 1, 0]); assert.deepEqual([...m.values], [2, 0, 1, 0]); })),
  c("by channel without a channel column: unknown", () => [Transactions.fromCsv(README_CSV, M), { ...JAN, by: "channel" }], ok((m) => assert.deepEqual(m.channel, ["unknown"]))),
  c("unknown measure", () => [Transactions.fromCsv(README_CSV, M), { measure: "ltv" }], "E_BAD_OPTION"),
  c("maxAge 0", () => [Transactions.fromCsv(README_CSV, M), { maxAge: 0 }], either(["E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("maxAge 1e9", () => [Transactions.fromCsv(README_CSV, M), { maxAge: 1e9 }], either(["E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("maxAge fractional", () => [Transactions.fromCsv(README_CSV, M), { maxAge: 2.5 }], either(["E_BAD_OPTION", "E_OUT_OF_RANGE"])),
  c("ages coarser than cohorts", () => [Transactions.fromCsv(README_CSV, M), { cohortPeriod: "week", period: "month" }], "E_BAD_OPTION"),
  c("unknown time zone", () => [Transactions.fromCsv(README_CSV, M), { timezone: "Mars/Olympus" }], "E_BAD_OPTION"),
  c("unparsable observation end", () => [Transactions.fromCsv(README_CSV, M), { observationEnd: "soon" }], either(["E_BAD_OPTION", "E_BAD_DATE"])),
  c("split by an unknown dimension", () => [Transactions.fromCsv(README_CSV, M), { by: "region" }], "E_BAD_OPTION"),
  ...optionCases(cohortsSeen, 1, [Transactions.fromCsv(README_CSV, M), {}], "maxAge"),
  ...classArgCases(0, () => [Transactions.fromCsv(README_CSV, M), {}], "Transactions", () => Transactions.fromCsv(README_CSV, M)),
]);

// --- KPI series. Hand count on README_CSV (a 20 and 35, b 12.5; days 1, 10 and 15 January):
// daily revenue 20 on day 1, 12.5 on day 10, 35 on day 15, 0 between. `previous` and `lastYear`
// are NaN only where the earlier bucket precedes the data: the wrapper checks that and zeroes
// them, so every other value must be finite.
const kpiSeen = (...a) => {
  const r = U.kpiSeries(...a);
  const clean = (series) => Object.fromEntries(Object.entries(series).map(([id, m]) => {
    for (const field of ["value", "denominator"]) assert.ok(!m[field] || m[field].every(Number.isFinite), `${id} ${field}`);
    // An earlier bucket before the data is NaN, and only those: previous[0] at least.
    assert.ok(Number.isNaN(m.previous[0]), `${id} previous[0]`);
    const zero = (xs) => Array.from(xs, (x) => (Number.isNaN(x) ? 0 : x));
    return [id, { ...m, previous: zero(m.previous), lastYear: zero(m.lastYear) }];
  }));
  return { ...r, series: clean(r.series), by: r.by && Object.fromEntries(Object.entries(r.by).map(([k, v]) => [k, clean(v)])) };
};
const KS_TRAFFIC = () => ({ date: ["2024-01-01", "2024-01-10"], visits: [10, 25] });
entry("kpiSeries", kpiSeen, [
  c("hand count: daily revenue", () => [Transactions.fromCsv(README_CSV, M), { metrics: ["revenue.net"] }], ok((r) => {
    const v = Array.from(r.series["revenue.net"].value);
    assert.equal(v.length, 15);
    assert.deepEqual([v[0], v[9], v[14]], [20, 12.5, 35]);
    assert.equal(v.reduce((x, y) => x + y, 0), 67.5);
  })),
  c("hand count: monthly new customers", () => [Transactions.fromCsv(README_CSV, M), { bucket: "month", metrics: ["customers.new"] }], ok((r) => assert.deepEqual(Array.from(r.series["customers.new"].value), [2]))),
  c("traffic columns: conversion rate", () => [Transactions.fromCsv(README_CSV, M), { end: "2024-01-10", metrics: ["traffic.conversion_rate"], traffic: KS_TRAFFIC() }], ok((r) => {
    const v = Array.from(r.series["traffic.conversion_rate"].value);
    assert.deepEqual([v[0], v[9]], [1 / 10, 1 / 25]);
  })),
  c("unknown bucket", () => [Transactions.fromCsv(README_CSV, M), { bucket: "quarter" }], "E_BAD_OPTION"),
  c("unknown metric", () => [Transactions.fromCsv(README_CSV, M), { metrics: ["churn.rate"] }], "E_BAD_OPTION"),
  c("no metrics", () => [Transactions.fromCsv(README_CSV, M), { metrics: [] }], "E_BAD_OPTION"),
  c("a metric named twice", () => [Transactions.fromCsv(README_CSV, M), { metrics: ["revenue.net", "revenue.net"] }], "E_BAD_OPTION"),
  c("conversion rate without traffic", () => [Transactions.fromCsv(README_CSV, M), { metrics: ["traffic.conversion_rate"] }], "E_BAD_OPTION"),
  c("split by an unknown dimension", () => [Transactions.fromCsv(README_CSV, M), { by: "region" }], "E_BAD_OPTION"),
  c("end before start", () => [Transactions.fromCsv(README_CSV, M), { start: "2024-01-10", end: "2024-01-01" }], either(["E_BAD_OPTION", "E_EMPTY"])),
  c("a range with no transaction", () => [Transactions.fromCsv(README_CSV, M), { start: "2025-01-01", end: "2025-01-31" }], either(["E_EMPTY", "E_BAD_OPTION"])),
  c("four centuries of days", () => [Transactions.fromCsv(README_CSV, M), { end: "2400-01-01" }], "E_TOO_LARGE"),
  c("unparsable start", () => [Transactions.fromCsv(README_CSV, M), { start: "soon" }], either(["E_BAD_OPTION", "E_BAD_DATE"])),
  c("unknown time zone", () => [Transactions.fromCsv(README_CSV, M), { timezone: "Mars/Olympus" }], "E_BAD_OPTION"),
  c("weekStart 8", () => [Transactions.fromCsv(README_CSV, M), { bucket: "week", weekStart: 8 }], "E_BAD_OPTION"),
  c("traffic: negative visits", () => [Transactions.fromCsv(README_CSV, M), { traffic: { date: ["2024-01-01"], visits: [-1] } }], "E_NEGATIVE"),
  c("traffic: NaN visits", () => [Transactions.fromCsv(README_CSV, M), { traffic: { date: ["2024-01-01"], visits: new Float64Array([NaN]) } }], "E_NON_FINITE"),
  c("traffic: mismatched columns", () => [Transactions.fromCsv(README_CSV, M), { traffic: { date: ["2024-01-01", "2024-01-02"], visits: [1] } }], "E_LENGTH_MISMATCH"),
  c("traffic: unparsable date", () => [Transactions.fromCsv(README_CSV, M), { traffic: { date: ["someday"], visits: [1] } }], "E_BAD_DATE"),
  c("traffic: unknown column", () => [Transactions.fromCsv(README_CSV, M), { traffic: { ...KS_TRAFFIC(), sessions: [1, 2] } }], "E_UNKNOWN_OPTION"),
  c("traffic: no visits column", () => [Transactions.fromCsv(README_CSV, M), { traffic: { date: ["2024-01-01"] } }], "E_MISSING_COLUMN"),
  c("traffic: a number", () => [Transactions.fromCsv(README_CSV, M), { traffic: 42 }], "E_BAD_OPTION"),
  c("traffic CSV: header only", () => [Transactions.fromCsv(README_CSV, M), { traffic: "date,visits\n" }], "E_EMPTY"),
  c("traffic CSV: no visits column", () => [Transactions.fromCsv(README_CSV, M), { traffic: "date,sessions\n2024-01-01,3\n" }], "E_MISSING_COLUMN"),
  c("traffic rows: a row that is not an object", () => [Transactions.fromCsv(README_CSV, M), { traffic: [{ date: "2024-01-01", visits: 1 }, 7] }], "E_BAD_TYPE"),
  c("trafficMapping without traffic", () => [Transactions.fromCsv(README_CSV, M), { trafficMapping: { date: "d", visits: "v" } }], "E_BAD_OPTION"),
  c("by channel with traffic without a channel column", () => [Transactions.fromCsv("c,d,a,ch\na,2024-01-01,20,x\n", { ...M, channel: "ch" }), { by: "channel", traffic: KS_TRAFFIC() }], "E_BAD_OPTION"),
  c("annotations: placed on their buckets, in time order", () => [Transactions.fromCsv(README_CSV, M), { metrics: ["revenue.net"], annotations: [{ date: "2024-01-10", text: "promo", author: "Ana" }, { date: "2023-12-01", text: "before" }] }], ok((r) => {
    assert.deepEqual(r.annotations.map((a) => [a.bucket, a.text, a.author]), [[null, "before", null], [9, "promo", "Ana"]]);
  })),
  c("annotations: an empty text", () => [Transactions.fromCsv(README_CSV, M), { annotations: [{ date: "2024-01-10", text: " " }] }], "E_BAD_OPTION"),
  c("annotations: not an array", () => [Transactions.fromCsv(README_CSV, M), { annotations: "promo" }], "E_BAD_OPTION"),
  c("annotations: an unparsable date", () => [Transactions.fromCsv(README_CSV, M), { annotations: [{ date: "someday", text: "x" }] }], either(["E_BAD_OPTION", "E_BAD_DATE"])),
  c("annotations: an unknown key", () => [Transactions.fromCsv(README_CSV, M), { annotations: [{ date: "2024-01-10", text: "x", who: "me" }] }], either(["E_BAD_OPTION", "E_UNKNOWN_OPTION"])),
  c("annotations: a note without text", () => [Transactions.fromCsv(README_CSV, M), { annotations: [{ date: "2024-01-10" }] }], "E_BAD_OPTION"),
  c("annotations: 10,001 notes", () => [Transactions.fromCsv(README_CSV, M), { annotations: Array.from({ length: 10_001 }, () => ({ date: "2024-01-10", text: "x" })) }], "E_TOO_LARGE"),
  ...optionCases(kpiSeen, 1, [Transactions.fromCsv(README_CSV, M), {}], "weekStart"),
  ...classArgCases(0, () => [Transactions.fromCsv(README_CSV, M), {}], "Transactions", () => Transactions.fromCsv(README_CSV, M)),
]);

// --- Anomaly flags. Hand case: 28 days of a flat 100 with ±1 alternation and a spike of 200 on
// day 14: the one flag, upward.
const AD = 86_400_000;
const AT = () => Float64Array.from({ length: 28 }, (_, i) => Date.UTC(2024, 0, 1) + i * AD);
const AV = () => Array.from({ length: 28 }, (_, i) => (i === 14 ? 200 : 100 + (i % 2 ? 1 : -1)));
const AS = (extra = {}) => ({ time: AT(), value: AV(), ...extra });
entry("detectAnomalies", (...a) => U.detectAnomalies(...a), [
  c("hand case: the spike is the one flag", () => [AS(), { seasonality: "none" }], ok((r) => {
    assert.deepEqual(Array.from(r.flagged).flatMap((f, i) => (f ? [i] : [])), [14]);
    assert.equal(r.direction[14], 1);
  })),
  c("ISO text times", () => [AS({ time: Array.from(AT(), (t) => new Date(t).toISOString()) }), { seasonality: "none" }], ok((r) => assert.equal(r.flagged[14], 1))),
  c("rate series: counts out of a denominator", () => [AS({ value: AV().map((v) => v / 10), denominator: AV().map(() => 100) }), { seasonality: "none" }], ok((r) => assert.equal(r.pValue.length, 28))),
  c("no points", () => [{ time: new Float64Array(0), value: [] }], "E_EMPTY"),
  c("three points", () => [{ time: AT().slice(0, 3), value: [1, 2, 3] }], "E_INSUFFICIENT_DATA"),
  c("value shorter than time", () => [AS({ value: AV().slice(1) })], "E_LENGTH_MISMATCH"),
  c("NaN value", () => [AS({ value: AV().map((v, i) => (i === 3 ? NaN : v)) })], "E_NON_FINITE"),
  c("Infinity value", () => [AS({ value: AV().map((v, i) => (i === 3 ? Infinity : v)) })], "E_NON_FINITE"),
  c("times out of order", () => [AS({ time: AT().reverse() })], "E_OUT_OF_RANGE"),
  c("a duplicate time", () => [AS({ time: AT().map((t, i) => (i === 5 ? t - AD : t)) })], "E_OUT_OF_RANGE"),
  c("a gap", () => [AS({ time: AT().map((t, i) => (i > 10 ? t + AD : t)) })], "E_OUT_OF_RANGE"),
  c("negative denominator", () => [AS({ denominator: AV().map((v, i) => (i === 2 ? -1 : 300)) })], either(["E_NEGATIVE", "E_OUT_OF_RANGE"])),
  c("value above its denominator", () => [AS({ denominator: AV().map(() => 50) })], "E_OUT_OF_RANGE"),
  c("unparsable time", () => [AS({ time: ["soon", ...Array.from(AT()).slice(1)] })], "E_BAD_DATE"),
  c("no value column", () => [{ time: AT() }], "E_MISSING_COLUMN"),
  c("an unknown column", () => [AS({ previous: AV() })], "E_UNKNOWN_OPTION"),
  c("series not an object", () => [[1, 2, 3]], "E_BAD_OPTION"),
  c("sensitivity 2", () => [AS(), { sensitivity: 2 }], "E_BAD_OPTION"),
  c("an even seasonal window", () => [AS(), { seasonality: 7, seasonalWindow: 8 }], "E_BAD_OPTION"),
  c("seasonality 1", () => [AS(), { seasonality: 1 }], "E_BAD_OPTION"),
  c("a period given twice", () => [AS(), { seasonality: [7, 7] }], "E_BAD_OPTION"),
  c("unknown direction", () => [AS(), { direction: "sideways" }], "E_BAD_OPTION"),
  c("maxAnomalies without esd", () => [AS(), { maxAnomalies: 3 }], "E_BAD_OPTION"),
  ...optionCases((...a) => U.detectAnomalies(...a), 1, [AS(), {}], "sensitivity"),
]);

// --- Explanations. Hand case: 28 days of two channels, email 100 and search 50 a day with a ±1
// alternation; on 15 January email falls to 20: the gap (about −80) is email's.
const EX_CSV = () => {
  const rows = ["c,d,a,ch"];
  for (let i = 0; i < 28; i++) {
    const d = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
    const w = i % 2 ? 1 : -1;
    rows.push(`e${i},${d},${i === 14 ? 20 : 100 + w},email`, `s${i},${d},${50 - w},search`);
  }
  return rows.join("\n");
};
const EX = () => Transactions.fromCsv(EX_CSV(), { ...M, channel: "ch" });
const EXO = (extra = {}) => ({ at: "2024-01-15", by: "channel", seasonality: "none", ...extra });
entry("explainAnomaly", (...a) => U.explainAnomaly(...a), [
  c("hand case: the drop is email's", () => [EX(), EXO()], ok((e) => {
    assert.equal(e.flagged, true);
    assert.equal(e.index, 14);
    assert.deepEqual(e.contributions.map((x) => x.value), ["email", "search"]);
    assert.ok(Math.abs(e.contributions[0].share - 1) < 0.05, String(e.contributions[0].share));
    assert.match(e.sentence, /^Revenue on 15 Jan 2024 is 5\d % below expected .*; email accounts for ((99|100) % of the gap|more than the whole gap \(10[0-2] %\))\.$/);
  })),
  c("a note of the day is in the sentence", () => [EX(), EXO({ annotations: [{ date: "2024-01-15", text: "ESP outage", author: "Ana" }] })], ok((e) => assert.ok(e.sentence.endsWith("Noted: “ESP outage” (Ana)."), e.sentence))),
  c("no options", () => [EX()], "E_BAD_OPTION"),
  c("no at", () => [EX(), { by: "channel" }], "E_BAD_OPTION"),
  c("at outside the series", () => [EX(), EXO({ at: "2025-01-01" })], "E_BAD_OPTION"),
  c("unparsable at", () => [EX(), EXO({ at: "soon" })], either(["E_BAD_OPTION", "E_BAD_DATE"])),
  c("no by", () => [EX(), { at: "2024-01-15" }], "E_BAD_OPTION"),
  c("by an unknown dimension", () => [EX(), EXO({ by: "region" })], "E_BAD_OPTION"),
  c("an unknown metric", () => [EX(), EXO({ metric: "churn.rate" })], "E_BAD_OPTION"),
  c("metrics (the list) instead of metric", () => [EX(), EXO({ metrics: ["revenue.net"] })], "E_UNKNOWN_OPTION"),
  c("conversion rate without traffic", () => [EX(), EXO({ metric: "traffic.conversion_rate" })], "E_BAD_OPTION"),
  c("conversion rate with NaN visits", () => [EX(), EXO({ metric: "traffic.conversion_rate", traffic: { date: ["2024-01-01"], visits: new Float64Array([NaN]) } })], "E_NON_FINITE"),
  c("sensitivity 2", () => [EX(), EXO({ sensitivity: 2 })], "E_BAD_OPTION"),
  c("unknown bucket", () => [EX(), EXO({ bucket: "quarter" })], "E_BAD_OPTION"),
  c("a note with an empty text", () => [EX(), EXO({ annotations: [{ date: "2024-01-15", text: "" }] })], "E_BAD_OPTION"),
  c("a range with no transaction", () => [EX(), EXO({ start: "2025-01-01", end: "2025-02-01" })], either(["E_EMPTY", "E_BAD_OPTION"])),
  ...optionCases((...a) => U.explainAnomaly(...a), 1, [EX(), EXO()], "sensitivity"),
  ...classArgCases(0, () => [EX(), EXO()], "Transactions", EX),
]);

// --- attribution: journeys from rows, columns, CSV, paths and transactions; the models
// Hand count (tests/attribution.rs): paths `a > b` (1 conversion, value 10), `b > a` (1 null),
// `a > b > a` (1 conversion, value 40, 1 null); Markov order 1 credits a 14/13 and b 12/13.
const PATHS = () => ({ path: ["a > b", "b > a", "a > b > a"], conversions: [1, 0, 1], value: [10, 0, 40], nulls: [0, 1, 1] });
const JP = () => U.Journeys.fromPaths(PATHS());
const T_ROWS = () => [
  { journeyId: "j1", timestamp: "2024-01-01T10:00:00Z", channel: "search" },
  { journeyId: "j1", timestamp: "2024-01-03T10:00:00Z", channel: "email" },
  { journeyId: "j2", timestamp: "2024-01-02T10:00:00Z", channel: "email" },
];
const C_ROWS = () => [{ journeyId: "j1", timestamp: "2024-01-04T10:00:00Z", value: 30 }];
const T_COLS = () => ({ journeyId: ["j1", "j1", "j2"], timestamp: new Float64Array([Date.UTC(2024, 0, 1, 10), Date.UTC(2024, 0, 3, 10), Date.UTC(2024, 0, 2, 10)]), channel: ["search", "email", "email"] });
const C_COLS = () => ({ journeyId: ["j1"], timestamp: new Float64Array([Date.UTC(2024, 0, 4, 10)]), value: new Float64Array([30]) });
const T_CSV = "who,at,source\nj1,2024-01-01T10:00:00Z,search\nj1,2024-01-03T10:00:00Z,email\nj2,2024-01-02T10:00:00Z,email\n";
const C_CSV = "who,at,revenue\nj1,2024-01-04T10:00:00Z,30\n";
const J_MAP = { journeyId: "who", timestamp: "at", channel: "source", value: "revenue" };
// From rows, columns or CSV: j1 converts (search, email: last touch email), j2 does not.
const journeysSeen = ok((j) => {
  assert.deepEqual(j.channels, ["email", "search"]);
  assert.equal(j.totalConversions, 1); assert.equal(j.totalValue, 30); assert.equal(j.totalNulls, 1); assert.equal(j.hasTimes, true);
  const r = U.attribution(j, { models: ["lastTouch", "linear"] });
  assert.deepEqual([...r.models.lastTouch.conversions], [1, 0]);
  assert.deepEqual([...r.models.linear.value], [15, 15]);
});
const eventCases = (build, t, conv) => [
  c("hand count", () => [t(), conv()], journeysSeen),
  c("a conversion before every touch of its journey", () => [t(), conv().constructor === Array ? [{ journeyId: "j1", timestamp: "2023-12-31T00:00:00Z" }] : { journeyId: ["j1"], timestamp: new Float64Array([Date.UTC(2023, 11, 31)]) }], "E_OUT_OF_RANGE"),
  c("a journey with conversions but no touchpoint", () => [t(), conv().constructor === Array ? [{ journeyId: "j9", timestamp: "2024-01-04T10:00:00Z" }] : { journeyId: ["j9"], timestamp: new Float64Array([Date.UTC(2024, 0, 4)]) }], "E_OUT_OF_RANGE"),
  c("no touchpoints", () => [conv().constructor === Array ? [] : { journeyId: [], timestamp: new Float64Array(0), channel: [] }, conv()], "E_EMPTY"),
  c("touchpoints of the wrong type", () => ["search > email", conv()], either(["E_BAD_OPTION", "E_BAD_TYPE"])),
  c("conversions of the wrong type", () => [t(), 42], either(["E_BAD_OPTION", "E_BAD_TYPE"])),
  c("unknown time zone", () => [t(), conv(), { timezone: "Mars/Olympus" }], "E_BAD_OPTION"),
  c("unknown option", () => [t(), conv(), { zone: "UTC" }], "E_UNKNOWN_OPTION"),
];
const rowsOnly = [
  c("a blank channel", () => [[...T_ROWS(), { journeyId: "j2", timestamp: "2024-01-05", channel: "  " }], C_ROWS()], "E_MISSING_VALUE"),
  c("an unparsable date", () => [[{ journeyId: "j1", timestamp: "soon", channel: "search" }], C_ROWS()], "E_BAD_DATE"),
  c("a NaN conversion value", () => [T_ROWS(), [{ journeyId: "j1", timestamp: "2024-01-04", value: NaN }]], "E_NON_FINITE"),
  c("a missing journey id", () => [[{ journeyId: null, timestamp: "2024-01-01", channel: "search" }], C_ROWS()], "E_MISSING_VALUE"),
  c("rows without the channel column", () => [[{ journeyId: "j1", timestamp: "2024-01-01" }], C_ROWS()], "E_MISSING_COLUMN"),
  c("10,000 channels", () => [Array.from({ length: 10000 }, (_, i) => ({ journeyId: "j1", timestamp: Date.UTC(2024, 0, 1) + i, channel: `c${i}` })), C_ROWS()], "E_TOO_LARGE"),
  c("a Date object and epoch ms as times", () => [[{ journeyId: "j1", timestamp: new Date("2024-01-01T10:00:00Z"), channel: "search" }, { journeyId: "j1", timestamp: Date.UTC(2024, 0, 3, 10), channel: "email" }, { journeyId: 2, timestamp: "2024-01-02T10:00:00Z", channel: "email" }], C_ROWS()], ok((j) => assert.equal(j.totalNulls, 1))),
];
const colsOnly = [
  c("mismatched columns", () => [{ ...T_COLS(), channel: ["search"] }, C_COLS()], "E_LENGTH_MISMATCH"),
  c("a NaN time", () => [{ ...T_COLS(), timestamp: new Float64Array([NaN, 1, 2]) }, C_COLS()], either(["E_NON_FINITE", "E_BAD_DATE"])),
  c("a missing column", () => [{ journeyId: ["j1"], timestamp: new Float64Array([1]) }, C_COLS()], "E_MISSING_COLUMN"),
  c("an unknown column", () => [{ ...T_COLS(), campaign: ["x", "y", "z"] }, C_COLS()], "E_UNKNOWN_OPTION"),
  c("values of the wrong length", () => [T_COLS(), { ...C_COLS(), value: new Float64Array([1, 2]) }], "E_LENGTH_MISMATCH"),
  c("Uint32Array journey ids", () => [{ ...T_COLS(), journeyId: new Uint32Array([1, 1, 2]) }, { ...C_COLS(), journeyId: new Uint32Array([1]) }], journeysSeen),
  c("an Infinity value", () => [T_COLS(), { ...C_COLS(), value: new Float64Array([Infinity]) }], "E_NON_FINITE"),
];
entry("Journeys.fromRows", (...a) => U.Journeys.fromRows(...a), [...eventCases("rows", T_ROWS, C_ROWS), ...rowsOnly]);
entry("Journeys.fromColumns", (...a) => U.Journeys.fromColumns(...a), [...eventCases("columns", T_COLS, C_COLS), ...colsOnly]);
entry("Journeys.fromCsv", (...a) => U.Journeys.fromCsv(...a), [
  c("hand count", () => [T_CSV, C_CSV, J_MAP], journeysSeen),
  c("as bytes, with a BOM", () => [new TextEncoder().encode("\uFEFF" + T_CSV), C_CSV, J_MAP], journeysSeen),
  c("semicolons", () => [T_CSV.replaceAll(",", ";"), C_CSV, J_MAP], journeysSeen),
  c("a column the mapping names is missing", () => [T_CSV, C_CSV, { ...J_MAP, channel: "medium" }], "E_MISSING_COLUMN"),
  c("an unparsable date", () => [T_CSV.replace("2024-01-03T10:00:00Z", "tomorrow"), C_CSV, J_MAP], "E_BAD_DATE"),
  c("a blank channel", () => [T_CSV.replace(",email\nj2", ",\nj2"), C_CSV, J_MAP], "E_MISSING_VALUE"),
  c("a text value", () => [T_CSV, C_CSV.replace(",30", ",thirty"), J_MAP], "E_BAD_TYPE"),
  c("empty touchpoints", () => ["who,at,source\n", C_CSV, J_MAP], "E_EMPTY"),
  c("an unknown mapping key", () => [T_CSV, C_CSV, { ...J_MAP, medium: "x" }], "E_UNKNOWN_OPTION"),
  c("no mapping", () => [T_CSV, C_CSV], "E_BAD_OPTION"),
  c("CSV of the wrong type", () => [42, C_CSV, J_MAP], "E_BAD_TYPE"),
  c("a conversion before every touch", () => [T_CSV, "who,at,revenue\nj1,2023-01-01,30\n", J_MAP], "E_OUT_OF_RANGE"),
]);
const pathsSeen = ok((j) => {
  assert.deepEqual(j.channels, ["a", "b"]); assert.equal(j.pathCount, 3); assert.equal(j.hasTimes, false);
  const m = U.attribution(j, { models: ["markov"] }).models.markov;
  assert.ok(Math.abs(m.conversions[0] - 14 / 13) < 1e-12 && Math.abs(m.conversions[1] - 12 / 13) < 1e-12);
});
entry("Journeys.fromPaths", (...a) => U.Journeys.fromPaths(...a), [
  c("hand count", () => [PATHS()], pathsSeen),
  c("another separator, names trimmed", () => [{ ...PATHS(), path: [" a | b ", "b|a", "a|b | a"] }, { separator: "|" }], pathsSeen),
  c("an empty channel between separators", () => [{ ...PATHS(), path: ["a > > b", "b", "a"] }], "E_MISSING_VALUE"),
  c("a blank path", () => [{ ...PATHS(), path: ["a", " ", "b"] }], "E_MISSING_VALUE"),
  c("mismatched columns", () => [{ ...PATHS(), conversions: [1, 2] }], "E_LENGTH_MISMATCH"),
  c("NaN conversions", () => [{ ...PATHS(), conversions: [1, NaN, 1] }], "E_NON_FINITE"),
  c("negative nulls", () => [{ ...PATHS(), nulls: [0, -1, 1] }], "E_NEGATIVE"),
  c("no paths", () => [{ path: [], conversions: [] }], "E_EMPTY"),
  c("an empty separator", () => [PATHS(), { separator: "" }], "E_BAD_OPTION"),
  c("an unknown key", () => [{ ...PATHS(), medium: [] }], "E_UNKNOWN_OPTION"),
  c("paths of the wrong type", () => ["a > b"], "E_BAD_OPTION"),
  c("10,000 channels", () => [{ path: [Array.from({ length: 10000 }, (_, i) => `c${i}`).join(">")], conversions: [1] }], "E_TOO_LARGE"),
]);
// README_CSV: a buys on Jan 1 and Jan 15, b on Jan 10; touches 10 and 3 days before a's first
// purchase and on b's purchase day; c never buys.
const TX_TOUCH = () => [
  { journeyId: "a", timestamp: "2023-12-22", channel: "display" },
  { journeyId: "a", timestamp: "2023-12-29", channel: "search" },
  { journeyId: "b", timestamp: "2024-01-10", channel: "email" },
  { journeyId: "c", timestamp: "2024-01-05", channel: "search" },
];
entry("Journeys.fromTransactions", (...a) => U.Journeys.fromTransactions(...a), [
  c("hand count: first purchases", () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M)], ok((j) => {
    assert.equal(j.totalConversions, 2); assert.equal(j.totalValue, 32.5); assert.equal(j.totalNulls, 1);
    assert.deepEqual([...U.attribution(j, { models: ["firstTouch"] }).models.firstTouch.conversions], [1, 1, 0]);
  })),
  c("every purchase, a short lookback: unattributed", () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), { purchases: "all", lookbackDays: 5 }], ok((j) => {
    assert.deepEqual(j.unattributed, { conversions: 1, value: 35 }); assert.equal(j.totalConversions, 2);
  })),
  c("lookbackDays 0", () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), { lookbackDays: 0 }], "E_BAD_OPTION"),
  c("lookbackDays NaN", () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), { lookbackDays: NaN }], "E_BAD_OPTION"),
  c("unknown purchases", () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), { purchases: "some" }], "E_BAD_OPTION"),
  c("no touchpoints", () => [[], Transactions.fromCsv(README_CSV, M)], "E_EMPTY"),
  c("a blank channel", () => [[{ journeyId: "a", timestamp: "2024-01-01", channel: "" }], Transactions.fromCsv(README_CSV, M)], "E_MISSING_VALUE"),
  c("no touch in any window and no prospect", () => [[{ journeyId: "a", timestamp: "2020-01-01", channel: "x" }], Transactions.fromCsv(README_CSV, M)], "E_EMPTY"),
  c("touchpoints as CSV with a mapping", () => ["who,at,ch\na,2023-12-22,display\na,2023-12-29,search\nb,2024-01-10,email\nc,2024-01-05,search\n", Transactions.fromCsv(README_CSV, M), { mapping: { customerId: "who", timestamp: "at", channel: "ch" } }], ok((j) => {
    assert.equal(j.totalConversions, 2); assert.deepEqual([...U.attribution(j, { models: ["firstTouch"] }).models.firstTouch.conversions], [1, 1, 0]);
  })),
  c("touchpoints as CSV without a mapping", () => ["who,at,ch\na,2023-12-22,display\n", Transactions.fromCsv(README_CSV, M)], "E_BAD_OPTION"),
  c("a mapping for rows", () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), { mapping: { customerId: "who", timestamp: "at", channel: "ch" } }], "E_BAD_OPTION"),
  c("CSV touchpoints missing a mapped column", () => ["who,at\na,2023-12-22\n", Transactions.fromCsv(README_CSV, M), { mapping: { customerId: "who", timestamp: "at", channel: "ch" } }], "E_MISSING_COLUMN"),
  ...optionCases(null, 2, [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), {}], "lookbackDays"),
  ...classArgCases(1, () => [TX_TOUCH(), Transactions.fromCsv(README_CSV, M), {}], "Transactions", () => Transactions.fromCsv(README_CSV, M)),
]);
entry("attribution", (...a) => U.attribution(...a), [
  c("hand count: Markov order 1", () => [JP(), { models: ["markov"] }], ok((r) => {
    assert.ok(Math.abs(r.markov.conversionProbability - 0.5) < 1e-12);
    assert.ok(Math.abs(r.models.markov.value[0] - 950 / 31) < 1e-9);
  })),
  c("default models: no time decay on paths", () => [JP()], ok((r) => assert.deepEqual(Object.keys(r.models).sort(), ["firstTouch", "lastNonDirect", "lastTouch", "linear", "markov", "positionBased", "shapley"]))),
  c("timeDecay on paths", () => [JP(), { models: ["timeDecay"] }], "E_BAD_OPTION"),
  c("an unknown model", () => [JP(), { models: ["uShaped"] }], "E_BAD_OPTION"),
  c("no model", () => [JP(), { models: [] }], "E_BAD_OPTION"),
  c("order 5", () => [JP(), { order: 5 }], "E_BAD_OPTION"),
  c("order 1.5", () => [JP(), { order: 1.5 }], "E_BAD_OPTION"),
  c("two position weights", () => [JP(), { positionWeights: [0.5, 0.5] }], "E_BAD_OPTION"),
  c("negative position weights", () => [JP(), { positionWeights: [-1, 1, 1] }], "E_BAD_OPTION"),
  c("no conversion", () => [U.Journeys.fromPaths({ path: ["a"], conversions: [0], nulls: [3] })], "E_INSUFFICIENT_DATA"),
  c("Shapley above 15 channels", () => [U.Journeys.fromPaths({ path: [Array.from({ length: 16 }, (_, i) => `c${i}`).join(">")], conversions: [1] }), { models: ["shapley"] }], "E_TOO_LARGE"),
  c("credits of aggregated paths have no times", () => [JP(), { models: ["linear"], credits: true }], ok((r) => { assert.equal(r.models.linear.credits.time, null); assert.deepEqual([...r.models.linear.credits.journey], [0, 0, 2, 2]); })),
  ...optionCases(null, 1, [JP(), {}], "halfLifeDays"),
  ...classArgCases(0, () => [JP(), {}], "Journeys", JP),
]);
const AR = () => U.attribution(JP(), { models: ["markov", "lastTouch"] });
entry("compareAttribution", (...a) => U.compareAttribution(...a), [
  c("hand count", () => [AR(), "lastTouch", "markov"], ok((r) => {
    assert.equal(r.channels.find((x) => x.channel === "b").summary, "Last touch credits b with 8.3 % more conversions than Markov");
  })),
  c("a model not in the result", () => [AR(), "linear", "markov"], "E_BAD_OPTION"),
  c("an unknown model", () => [AR(), "uShaped", "markov"], "E_BAD_OPTION"),
  c("a model that is not text", () => [AR(), 1, "markov"], "E_BAD_OPTION"),
  c("no result", () => [null, "lastTouch", "markov"], "E_BAD_OPTION"),
  c("a result without channels", () => [{ models: {} }, "lastTouch", "markov"], "E_BAD_OPTION"),
  c("conversions of another length", () => { const r = AR(); r.models.markov.conversions = new Float64Array([1]); return [r, "lastTouch", "markov"]; }, "E_LENGTH_MISMATCH"),
  c("NaN conversions compare as not a number", () => { const r = AR(); r.models.markov.conversions = [NaN, 1]; return [r, "lastTouch", "markov"]; }, either(["E_NON_FINITE", "E_BAD_OPTION"])),
  c("a model compared with itself", () => [AR(), "markov", "markov"], ok((r) => assert.ok(r.channels.every((x) => x.relative === 0)))),
  c("a result made in JS", () => [{ channels: ["x"], models: { lastTouch: { conversions: [2] }, markov: { conversions: [1] } } }, "lastTouch", "markov"], ok((r) => assert.equal(r.channels[0].relative, 1))),
]);

// `free()` of every class: freeing twice is harmless and a freed object refuses work with
// E_BAD_TYPE instead of reading released memory.
const FRESH = {
  Transactions: () => Transactions.fromCsv(README_CSV, M),
  CustomerSummary: S.one,
  Spend: spend,
  FeatureMatrix: () => new FeatureMatrix(X6(), 1),
  BgNbdModel: () => BgNbdModel.fromJSON(BG.toJSON()),
  ParetoNbdModel: () => ParetoNbdModel.fromJSON(PN.toJSON()),
  GammaGammaModel: () => GammaGammaModel.fromJSON(GG.toJSON()),
  ChurnModel: () => ChurnModel.fromJSON(CHURN_JSON),
  SegmentModel: () => SegmentModel.fromJSON(SMJ),
  AliveChurnModel: () => AliveChurnModel.fromJSON(ALIVE_JSON),
  MetricSpec: () => U.MetricSpec.parse(SPEC_DOC()),
  RetentionModel: () => U.RetentionModel.fromJSON(RMJ),
  BgBbModel: () => U.BgBbModel.fromJSON(BBJ),
  Journeys: JP,
};
for (const [cls, fresh] of Object.entries(FRESH)) {
  const getters = Object.entries(Object.getOwnPropertyDescriptors(U[cls].prototype)).filter(([, d]) => d.get).map(([k]) => k);
  const methods = Object.entries(Object.getOwnPropertyDescriptors(U[cls].prototype))
    .filter(([k, d]) => typeof d.value === "function" && !["constructor", "free"].includes(k) && !k.startsWith("__")).map(([k]) => k);
  const freed = () => { const o = fresh(); o.free(); return o; };
  const refuses = (act) => (e) => e.name === "UnimetricError" && e.code === "E_BAD_TYPE";
  // Each case: [object, action]; the export under test is the object's free().
  const key = `${cls}#free`;
  const cases = [
    c("free once", () => [fresh()], ok()),
    c("free twice: the second is refused", () => [freed()], "E_BAD_TYPE"),
    c("free with junk arguments", () => [fresh(), "junk", 42], ok()),
    c("after free, Symbol.dispose is refused too", () => [fresh()], ok((_, [o]) => assert.throws(() => o[Symbol.dispose](), refuses()))),
    c("an object not made by unimetric", () => [Object.create(U[cls].prototype)], "E_BAD_TYPE"),
    ...getters.map((g) => c(`getter ${g} refused after free`, () => [fresh()], ok((_, [o]) => assert.throws(() => o[g], refuses())))),
    ...methods.map((m) => c(`${m}() refused after free`, () => [fresh()], ok((_, [o]) => assert.throws(() => o[m](CD, 1), refuses())))),
  ];
  while (cases.length < 10) cases.push(c(`free of a fresh object #${cases.length}`, () => [fresh()], ok()));
  entry(key, (o, ...a) => o.free(...a), cases);
}

// ---------------------------------------------------------------------------------------------
// Every public export, read from the module: functions, constructors, static and prototype
// methods. Internal helpers of the generated glue start with "__". The `unimetric/arrow` entry
// has the whole API plus its own exports; those join the list.
function publicExports(mod) {
  const out = [];
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== "function") { out.push(name); continue; }
    const src = Function.prototype.toString.call(v);
    if (!/^class\b/.test(src)) { out.push(name); continue; }
    if (/\bconstructor\s*\(/.test(src)) out.push(`new ${name}`);
    for (const k of Object.getOwnPropertyNames(v)) {
      if (!["length", "name", "prototype"].includes(k) && !k.startsWith("__") && typeof v[k] === "function") out.push(`${name}.${k}`);
    }
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(v.prototype))) {
      if (typeof d.value === "function" && k !== "constructor" && !k.startsWith("__")) out.push(`${name}#${k}`);
    }
  }
  return out;
}
const EXPORTS = (() => {
  const main = publicExports(U);
  return [...main, ...publicExports(AU).filter((e) => !main.includes(e))];
})();

const MIN_CASES = 10;

test("every public export has at least ten hostile-input cases", () => {
  const exports = EXPORTS;
  const missing = exports.filter((e) => !MATRIX[e]);
  assert.deepEqual(missing, [], `exports without cases: ${missing.join(", ")}`);
  const stale = Object.keys(MATRIX).filter((k) => !exports.includes(k));
  assert.deepEqual(stale, [], `cases for exports that do not exist: ${stale.join(", ")}`);
  const few = exports.filter((e) => MATRIX[e].cases.length < MIN_CASES).map((e) => `${e} (${MATRIX[e].cases.length})`);
  assert.deepEqual(few, [], `exports with fewer than ${MIN_CASES} cases`);
  if (process.env.UNIMETRIC_MATRIX_REPORT) {
    const counts = exports.map((e) => [e, MATRIX[e].cases.length]);
    console.log(JSON.stringify({ exports: exports.length, cases: counts.reduce((s, [, n]) => s + n, 0), counts }));
  }
});

for (const [key, spec] of Object.entries(MATRIX)) {
  test(`hostile input: ${key}`, () => {
    const failures = [];
    for (const kase of spec.cases) {
      try { runCase(key, spec, kase); } catch (e) { failures.push(`${kase.name}: ${e.message.split("\n")[0]}`); }
    }
    assert.deepEqual(failures, [], failures.join("\n"));
  });
}
