// The metric spec through the built package: parse, evaluate (CSV, rows and instances agree, and
// equal the direct calls), errors with their spec paths, diffSpecs, the shipped JSON Schema and the
// CLI's exit codes. The numbers themselves are checked against hand counts and the direct calls
// natively in tests/spec.rs; here the same contract is checked across the JS boundary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import {
  MetricSpec, diffSpecs, specCatalog, Transactions, Spend, UnimetricError, clv, fitBgNbd, fitGammaGamma, cac,
} from "../../pkg/node.js";
import { PKG, ROOT, runDocBlock } from "./helpers.mjs";

const DEMO_TEXT = readFileSync(path.join(ROOT, "www/specs/demo.json"), "utf8");
const TX_CSV = readFileSync(path.join(ROOT, "www/data/transactions.csv"), "utf8");
const SPEND_CSV = readFileSync(path.join(ROOT, "www/data/spend.csv"), "utf8");
const demo = () => MetricSpec.parse(DEMO_TEXT);
const doc = () => JSON.parse(DEMO_TEXT);

/** CSV text → row objects (the sample has no quoted fields). */
function rowsOf(csv) {
  const [head, ...lines] = csv.trim().split("\n");
  const keys = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [keys[i], v])));
}

const headlines = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.value]));

test("a spec parses from text or an object to the same hashes", () => {
  const a = demo();
  const b = MetricSpec.parse(doc());
  assert.equal(a.name, "acme-growth");
  assert.equal(a.version, "1.3.0");
  assert.equal(a.owner, "growth analytics");
  assert.match(a.definitionHash, /^xxh3-128:[0-9a-f]{32}$/);
  assert.equal(a.definitionHash, b.definitionHash);
  assert.equal(a.hash, b.hash);
  assert.deepEqual(a.metrics, Object.keys(doc().metrics).sort());
  assert.deepEqual(JSON.parse(JSON.stringify(a)), doc());
  assert.equal(a.canonical().metrics.ltv12.params.margin, 0.3);
  assert.deepEqual(a.transactionsMapping, { ...doc().data.transactions, timezone: "UTC" });
  assert.deepEqual(a.spendMapping, { ...doc().data.spend, timezone: "UTC" });
  assert.equal(MetricSpec.parse({ ...doc(), data: undefined }).transactionsMapping, null);
});

test("evaluate reads CSV, rows and instances to the same numbers and fingerprints", () => {
  const spec = demo();
  const fromCsv = spec.evaluate({ transactions: TX_CSV, spend: SPEND_CSV });
  const fromRows = spec.evaluate({ transactions: rowsOf(TX_CSV), spend: rowsOf(SPEND_CSV) });
  const mapping = doc().data;
  const tx = Transactions.fromCsv(TX_CSV, mapping.transactions);
  const sp = Spend.fromCsv(SPEND_CSV, mapping.spend);
  const fromInstances = spec.evaluate({ transactions: tx, spend: sp });
  assert.deepEqual(headlines(fromRows), headlines(fromCsv));
  assert.deepEqual(headlines(fromInstances), headlines(fromCsv));
  const d = fromCsv.ltv12.definition;
  assert.equal(d.dataFingerprint, tx.fingerprint);
  assert.equal(fromRows.ltv12.definition.dataFingerprint, tx.fingerprint);
  assert.equal(fromCsv.paidCac.definition.spendFingerprint, sp.fingerprint);
  assert.equal(d.mappedByCaller, false);
  assert.equal(fromInstances.ltv12.definition.mappedByCaller, true);
  assert.deepEqual(d.spec, { name: "acme-growth", version: "1.3.0", definitionHash: spec.definitionHash });
  assert.equal(d.metric, "ltv.clv");
  assert.equal(fromCsv.ltv12.unit, "EUR");
  assert.equal(fromCsv.ltv12.label, "12-month CLV");
  // The instances are untouched and still work.
  assert.equal(tx.length, 25_000 > tx.length ? tx.length : tx.length);
  assert.ok(tx.summary().frequency.length > 0);
});

test("spec values equal the direct calls with the same options", () => {
  const spec = demo();
  const tx = Transactions.fromCsv(TX_CSV, doc().data.transactions);
  const sp = Spend.fromCsv(SPEND_CSV, doc().data.spend);
  const r = spec.evaluate({ transactions: tx, spend: sp });
  const k = tx.kpis();
  assert.equal(r.aov.value, k.averageOrderValue.value);
  assert.equal(r.revenue.value, k.revenue.value);
  const rows = cac(sp, tx, { period: "month", attributionLag: 0 }).rows.filter((x) => x.variant === "paid" && x.complete && x.value !== null);
  assert.equal(r.paidCac.value, rows.at(-1).value);
  const s = tx.summary({ period: "week" });
  const bg = fitBgNbd(s);
  const gg = fitGammaGamma(s);
  assert.equal(r.ltv12.value, clv(bg, gg, s, { horizonMonths: 12, discountRate: 0.01, margin: 0.3 }).total);
  assert.deepEqual(r.ltv12.detail.definition.params.margin, 0.3);
});

test("`only` evaluates the named metrics", () => {
  const r = demo().evaluate({ transactions: TX_CSV }, { only: ["aov", "churn90"] });
  assert.deepEqual(Object.keys(r), ["aov", "churn90"]);
  assert.ok(r.churn90.value > 0 && r.churn90.value < 1);
});

const code = (fn, want, check = () => {}) => assert.throws(fn, (e) => {
  assert.ok(e instanceof UnimetricError, String(e));
  assert.equal(e.code, want, e.message);
  check(e);
  return true;
});

test("bad specs: coded errors with the spec path, and line and column for text", () => {
  const text = DEMO_TEXT.replace('"horizonMonths": 12', '"horizonMonths": 0');
  code(() => MetricSpec.parse(text), "E_OUT_OF_RANGE", (e) => {
    assert.equal(e.path, "metrics.ltv12.params.horizonMonths");
    const line = text.split("\n").findIndex((l) => l.includes('"horizonMonths": 0')) + 1;
    assert.equal(e.line, line);
    assert.equal(e.col, text.split("\n")[line - 1].indexOf('"horizonMonths": 0') + '"horizonMonths": '.length + 1);
  });
  const d = doc();
  d.metrics.ltv12.metric = "ltv.magic";
  code(() => MetricSpec.parse(d), "E_UNKNOWN_METRIC", (e) => { assert.equal(e.path, "metrics.ltv12.metric"); assert.equal(e.line, undefined); });
  code(() => MetricSpec.parse("{"), "E_BAD_SPEC", (e) => assert.equal(e.line, 1));
  code(() => MetricSpec.parse({ ...doc(), metrics: { x: { metric: "ltv.clv", version: "^9" } } }), "E_VERSION");
  code(() => MetricSpec.parse({ ...doc(), metrics: { x: { metric: "ltv.clv", params: { margn: 1 } } } }), "E_UNKNOWN_OPTION", (e) => assert.equal(e.path, "metrics.x.params.margn"));
  code(() => MetricSpec.parse({ ...doc(), metrics: { x: { metric: "ltv.clv", params: { margin: NaN } } } }), "E_BAD_OPTION");
  const cyclic = doc();
  cyclic.self = cyclic;
  code(() => MetricSpec.parse(cyclic), "E_BAD_SPEC");
  code(() => MetricSpec.parse(42), "E_BAD_SPEC");
});

test("evaluate refuses inputs it cannot read, and a freed or foreign instance", () => {
  const spec = demo();
  const tx = Transactions.fromCsv(TX_CSV, doc().data.transactions);
  const sp = Spend.fromCsv(SPEND_CSV, doc().data.spend);
  code(() => spec.evaluate({ transactions: sp, spend: sp }), "E_BAD_TYPE");
  code(() => spec.evaluate({ transactions: { __unimetricTable: 4_294_967_295 } }), "E_BAD_TYPE");
  code(() => spec.evaluate({ transactions: 42 }), "E_BAD_TYPE");
  code(() => spec.evaluate({ transactions: TX_CSV, visits: [] }), "E_UNKNOWN_OPTION");
  code(() => spec.evaluate({ transactions: TX_CSV }), "E_BAD_OPTION", (e) => assert.equal(e.path, "metrics.blendedCac"));
  code(() => spec.evaluate({ transactions: TX_CSV }, { only: ["nope"] }), "E_BAD_OPTION");
  tx.free();
  code(() => spec.evaluate({ transactions: tx, spend: sp }), "E_BAD_TYPE");
  assert.equal(spec.evaluate({ transactions: TX_CSV }, { only: ["aov"] }).aov.unit, "EUR per order");
});

test("diffSpecs: plain words, the semver bump and the values before and after", () => {
  const a = demo();
  const d = doc();
  d.metrics.churn90.params.horizonDays = 60;
  d.metrics.aov.label = "Basket size";
  const b = MetricSpec.parse(d);
  const diff = diffSpecs(a, b, { data: { transactions: TX_CSV } });
  assert.equal(diff.breaking, true);
  assert.equal(diff.suggestedVersion, "2.0.0");
  const churn = diff.changes.find((c) => c.path === "metrics.churn90.params.horizonDays");
  assert.equal(churn.kind, "breaking");
  assert.equal(churn.explanation, "90-day churn: horizonDays 90 → 60: a shorter churn window: more customers count as churned");
  assert.equal(diff.changes.find((c) => c.path === "metrics.aov.label").kind, "cosmetic");
  const v = diff.values.find((x) => x.name === "churn90");
  assert.equal(v.before, a.evaluate({ transactions: TX_CSV }, { only: ["churn90"] }).churn90.value);
  assert.equal(v.after, b.evaluate({ transactions: TX_CSV }, { only: ["churn90"] }).churn90.value);
  assert.notEqual(v.before, v.after);
  assert.deepEqual(diff.definitionHash, [a.definitionHash, b.definitionHash]);
  const same = diffSpecs(a, MetricSpec.parse(DEMO_TEXT));
  assert.deepEqual([same.breaking, same.changes, same.suggestedVersion], [false, [], "1.3.0"]);
});

test("toMarkdown renders the team's glossary; specCatalog lists what a spec can name", () => {
  const md = demo().toMarkdown();
  assert.match(md, /^# acme-growth 1\.3\.0/);
  assert.match(md, /\| `margin` \| 0\.3 \| shared\.margin \|/);
  const cat = specCatalog();
  const clvEntry = cat.find((e) => e.metric === "ltv.clv");
  assert.deepEqual(clvEntry.inputs, ["transactions"]);
  assert.ok(clvEntry.params.includes("horizonMonths"));
  assert.ok(cat.length >= 20);
});

test("the package ships the JSON Schema, and the demo spec validates against it", () => {
  const require = createRequire(import.meta.url);
  const Ajv2020 = require(path.join(ROOT, "node_modules/ajv/dist/2020.js")).default;
  const pkg = JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8"));
  assert.equal(pkg.exports["./spec.schema.json"], "./spec.schema.json");
  assert.ok(pkg.files.includes("spec.schema.json"));
  const schema = JSON.parse(readFileSync(path.join(PKG, "spec.schema.json"), "utf8"));
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  assert.ok(validate(doc()), JSON.stringify(validate.errors));
  const bad = doc();
  bad.metrics.ltv12.params.margin = 2;
  assert.equal(validate(bad), false);
  bad.metrics.ltv12.params = { margn: 0.3 };
  assert.equal(validate(bad), false);
});

test("the CLI: check, glossary, evaluate and diff with their exit codes", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "unimetric-cli-"));
  const cli = path.join(PKG, "cli.js");
  const run = (...args) => spawnSync("node", [cli, ...args], { encoding: "utf8", cwd: dir });
  const write = (name, text) => { writeFileSync(path.join(dir, name), text); return name; };
  write("a.json", DEMO_TEXT);
  const d = doc();
  d.metrics.churn90.params.horizonDays = 60;
  write("b.json", JSON.stringify(d, null, 2));
  const c = doc();
  c.metrics.aov.label = "Basket size";
  write("c.json", JSON.stringify(c));
  write("bad.json", DEMO_TEXT.replace('"margin": 0.3', '"margin": 3'));
  write("tx.csv", TX_CSV);

  let r = run("check", "a.json");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok acme-growth 1\.3\.0 xxh3-128:[0-9a-f]{32} \(10 metrics\)/);
  r = run("check", "bad.json");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.json:\d+:\d+: spec shared\.margin: .* \[E_OUT_OF_RANGE\]/);
  r = run("diff", "a.json", "b.json");
  assert.equal(r.status, 1);
  assert.match(r.stdout, /breaking  metrics\.churn90\.params\.horizonDays: 90-day churn: horizonDays 90 → 60/);
  assert.match(r.stdout, /1 breaking change; suggested version 2\.0\.0/);
  r = run("diff", "a.json", "c.json");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /cosmetic  metrics\.aov\.label/);
  r = run("diff", "a.json", "b.json", "--transactions", "tx.csv", "--json");
  assert.equal(r.status, 1);
  assert.equal(JSON.parse(r.stdout).values[0].name, "churn90");
  r = run("diff", "a.json", "missing.json");
  assert.equal(r.status, 2);
  r = run("glossary", "a.json");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /## 12-month CLV \(`ltv12`\)/);
  r = run("evaluate", "a.json", "--transactions", "tx.csv", "--only", "aov,customers");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.customers.value, 5000);
  assert.equal(out.aov.detail, undefined);
  r = run("evaluate", "a.json");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs transactions/);
  // An experiment from assignments. Hand count: a 7-day window from 2024-01-01; control u1 buys
  // on 01-02, u2 and u6 never (⅓ converted); treatment u3 and u4 buy on 01-03, u5 never (⅔):
  // relative effect (⅔ − ⅓)/⅓ = +1.
  write("exp.json", JSON.stringify({
    unimetricSpec: 1, name: "checkout", version: "1.0.0",
    data: { transactions: { customerId: "c", timestamp: "d", amount: "a" },
            assignments: { unitId: "user", arm: "variant", assignedAt: "at" } },
    metrics: { conv: { metric: "experiment.conversion", params: { windowDays: 7 } } },
  }));
  write("etx.csv", "c,d,a\nu1,2024-01-02,5\nu3,2024-01-03,5\nu4,2024-01-03,7\nzz,2024-02-01,1\n");
  write("a.csv", "user,variant,at\nu1,control,2024-01-01\nu2,control,2024-01-01\nu6,control,2024-01-01\nu3,treatment,2024-01-01\nu4,treatment,2024-01-01\nu5,treatment,2024-01-01\n");
  r = run("evaluate", "exp.json", "--transactions", "etx.csv", "--assignments", "a.csv");
  assert.equal(r.status, 0, r.stderr);
  const exp = JSON.parse(r.stdout);
  assert.ok(Math.abs(exp.conv.value - 1) < 1e-12, String(exp.conv.value));
  assert.match(exp.conv.definition.assignmentsFingerprint, /^xxh3-128:[0-9a-f]{32}$/);
  r = run("evaluate", "exp.json", "--transactions", "etx.csv");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs assignments/);
  // The demo spec in YAML checks to the same definition hash as the JSON one.
  write("demo.yaml", readFileSync(path.join(ROOT, "tests/fixtures/specs/demo.yaml"), "utf8"));
  const jsonHash = run("check", "a.json").stdout.split(" ")[3];
  r = run("check", "demo.yaml");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split(" ")[3], jsonHash);
  write("bad.yaml", readFileSync(path.join(ROOT, "tests/fixtures/specs/demo.yaml"), "utf8").replace("margin: 0.30", "margin: 3"));
  r = run("check", "bad.yaml");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.yaml:\d+:11: spec shared\.margin: .* \[E_OUT_OF_RANGE\]/);
  r = run("frobnicate");
  assert.equal(r.status, 2);
  r = run("--help");
  assert.equal(r.status, 0);
  assert.match(execFileSync("node", [cli, "--help"], { encoding: "utf8" }), /usage: unimetric/);
});

test("docs/SPEC.md: the usage example prints what it says", () => {
  runDocBlock("docs/SPEC.md", "spec", { paths: ["www/specs", "www/data"] });
});

test("toOsi validates against the pinned OSI schema, and fromOsi reads it back to the same hashes", () => {
  const require = createRequire(import.meta.url);
  const Ajv2020 = require(path.join(ROOT, "node_modules/ajv/dist/2020.js")).default;
  const schema = JSON.parse(readFileSync(path.join(ROOT, "tests/fixtures/osi/osi-schema.json"), "utf8"));
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  const spec = demo();
  const model = spec.toOsi();
  assert.ok(validate(model), JSON.stringify(validate.errors));
  const minimal = MetricSpec.parse({ unimetricSpec: 1, name: "m", version: "0.1.0", metrics: { aov: { metric: "orders.aov" } } });
  assert.ok(validate(minimal.toOsi()), JSON.stringify(validate.errors));
  const back = MetricSpec.fromOsi(JSON.stringify(model));
  assert.deepEqual([back.definitionHash, back.hash], [spec.definitionHash, spec.hash]);
  // The OSI schema is strict: a metric whose expression names no dialect is refused by it.
  const broken = structuredClone(model);
  broken.semantic_model[0].metrics[0].expression.dialects[0].dialect = "POSTGRES";
  assert.equal(validate(broken), false);
});

test("traffic.conversion_rate reads the traffic input: CSV with data.traffic, columns, rows", () => {
  // Hand count (tests/kpi_series.rs): Mar 3 has 1 order ($0 counts) in 40 + 10 visits.
  const txCsv = "customer,date,amount,channel\nA,2024-03-01T10:00:00Z,10,email\nB,2024-03-01T11:00:00Z,20,ads\nA,2024-03-02T10:00:00Z,-5,email\nC,2024-03-03T10:00:00Z,0,ads\n";
  const trafficCsv = "day,visits,source\n2024-03-02,50,email\n2024-03-02,25,ads\n2024-03-03,40,ads\n2024-03-03,10,social\n";
  const spec = MetricSpec.parse({
    unimetricSpec: 1, name: "t", version: "1.0.0",
    data: {
      transactions: { customerId: "customer", timestamp: "date", amount: "amount", channel: "channel" },
      traffic: { date: "day", visits: "visits", channel: "source" },
    },
    metrics: { cr: { metric: "traffic.conversion_rate" } },
  });
  const fromCsv = spec.evaluate({ transactions: txCsv, traffic: trafficCsv });
  assert.equal(fromCsv.cr.value, 1 / 50);
  const columns = { date: ["2024-03-02", "2024-03-02", "2024-03-03", "2024-03-03"], visits: [50, 25, 40, 10], channel: ["email", "ads", "ads", "social"] };
  const fromColumns = spec.evaluate({ transactions: txCsv, traffic: columns });
  const rows = columns.date.map((date, i) => ({ date, visits: columns.visits[i], channel: columns.channel[i] }));
  const fromRows = spec.evaluate({ transactions: txCsv, traffic: rows });
  const fp = fromCsv.cr.definition.trafficFingerprint;
  assert.match(fp, /^xxh3-128:[0-9a-f]{32}$/);
  assert.equal(fromColumns.cr.definition.trafficFingerprint, fp);
  assert.equal(fromRows.cr.definition.trafficFingerprint, fp);
  assert.equal(fromRows.cr.value, 1 / 50);
  // Without traffic: a coded error at the metric; a spec without data.traffic cannot read CSV.
  assert.throws(() => spec.evaluate({ transactions: txCsv }), (e) => e.code === "E_BAD_OPTION" && /traffic/.test(e.message));
  const bare = MetricSpec.parse({ unimetricSpec: 1, name: "t", version: "1.0.0", data: { transactions: { customerId: "customer", timestamp: "date", amount: "amount" } }, metrics: { cr: { metric: "traffic.conversion_rate" } } });
  assert.throws(() => bare.evaluate({ transactions: txCsv, traffic: trafficCsv }), (e) => e.code === "E_BAD_SPEC" || e.code === "E_BAD_OPTION");
  assert.equal(bare.evaluate({ transactions: txCsv, traffic: columns }).cr.value, 1 / 50);
});
