// Anomaly detection in Node wasm (issue #20): three years of daily points for 10 KPIs × 20
// channels — the series (`kpiSeries`), the detection (`detectAnomalies`, default settings) and
// the explanation (`explainAnomaly`) — against statsmodels' STL with the same settings on the
// same 200 series in the same run, and against the budget of 100 ms for the detection.
//
//   bash bench/setup-venv.sh
//   node --expose-gc bench/anomaly.mjs        (or: bash bench/run.sh anomaly)
//
// Data (deterministic, xorshift32, generated here): 20 channels over 1,095 days from
// 2024-01-01 (UTC). Channel c has V_c = 3000 · 0.85^c visits a day (3,000 down to 136) times
// a weekly pattern, a slow trend and ±5 % noise; its orders are the visits times a conversion
// rate of 1.5–4.5 % (binomial noise by the normal approximation), each a transaction of a
// customer of that channel (a new one with probability 0.3, else one of its earlier customers),
// amount log-normal around 40. Three incidents, on days 300 and 800 the conversion of channels
// 0–2 falls to 30 % of normal (an outage), on day 555 it doubles (a promotion), so that the
// totals have anomalies to explain.
//
// The 10 KPIs per channel: the 7 series metrics of `kpiSeries` (revenue.net, orders.count,
// orders.aov, customers.active, customers.new, customers.repeat_share,
// traffic.conversion_rate), and 3 value series made here from the same generated data (not
// computed by unimetric, not timed): visits, items sold (1–3 per order) and an ad cost per
// channel-day (a level per channel, weekly pattern, ±10 % noise). customers.repeat_share and
// traffic.conversion_rate go to detectAnomalies as counts with their denominators (the rate
// test applies, as explainAnomaly does) when no day has a denominator of 0, else as plain rates
// with the empty days at the series' pooled rate (as explainAnomaly reads a slice); orders.aov
// as values (0 on a day without orders).
//
// Timed (median of 7 after 2 warm-ups unless said):
// (a) kpiSeries(tx, { bucket: "day", by: "channel", metrics: the 7, traffic });
// (b) detectAnomalies with default options on the 200 channel series, one after the other;
// (c) explainAnomaly(tx, { metric, at, by: "channel", traffic }) for every flagged point of the
//     7 totals (each call recomputes the split series and 21 detections), median of 3;
// peer: statsmodels STL(y, period=7).fit() on the same 200 series (the series detectAnomalies
// decomposes: the rate for rate series), bench/anomaly_stl_statsmodels.py, median of 5.
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, loadPackage, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const { um, label: pkgLabel } = await loadPackage();
const { Transactions, kpiSeries, detectAnomalies, explainAnomaly } = um;

const CHANNELS = 20, DAYS = 1095, DAY = 86_400_000, START = Date.UTC(2024, 0, 1), BUDGET_MS = 100;
const METRICS = ["revenue.net", "orders.count", "orders.aov", "customers.active", "customers.new", "customers.repeat_share", "traffic.conversion_rate"];
const COUNTED = new Set(["customers.repeat_share", "traffic.conversion_rate"]);

let seed = 2463534242;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const gauss = () => { let u = rnd(); if (u < 1e-12) u = 1e-12; return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd()); };

const names = Array.from({ length: CHANNELS }, (_, c) => `ch${String(c).padStart(2, "0")}`);
const weekV = [1.0, 0.95, 0.97, 1.0, 1.08, 1.25, 1.15];
const weekP = [1.0, 1.02, 1.0, 0.98, 1.05, 1.1, 0.95];
// Incidents (day → factor on the conversion of channels 0, 1 and 2): two outages and a promotion.
const incidents = new Map([[300, 0.3], [555, 2.0], [800, 0.3]]);
const cust = [], visits = [], items = [], cost = [];
const txCustomer = [], txTime = [], txAmount = [], txChannel = [];
const pools = Array.from({ length: CHANNELS }, () => []);
let nextCustomer = 1;
const trafficDate = [], trafficVisits = [], trafficChannel = [];
for (let c = 0; c < CHANNELS; c++) {
  visits.push(new Float64Array(DAYS));
  items.push(new Float64Array(DAYS));
  cost.push(new Float64Array(DAYS));
}
for (let d = 0; d < DAYS; d++) {
  for (let c = 0; c < CHANNELS; c++) {
    const trend = 1 + (0.3 * d) / DAYS * ((c % 3) - 1);
    const v = Math.max(1, Math.round(3000 * 0.85 ** c * weekV[d % 7] * trend * (1 + 0.05 * gauss())));
    visits[c][d] = v;
    trafficDate.push(START + d * DAY);
    trafficVisits.push(v);
    trafficChannel.push(names[c]);
    const p = (0.015 + 0.01 * (c % 4)) * weekP[(d + c) % 7] * (c < 3 ? incidents.get(d) ?? 1 : 1);
    const orders = Math.min(v, Math.max(0, Math.round(v * p + Math.sqrt(v * p * (1 - p)) * gauss())));
    cost[c][d] = Math.round(100 * (50 * 0.85 ** c * weekV[(d + 3) % 7] * (1 + 0.1 * gauss()))) / 100;
    for (let k = 0; k < orders; k++) {
      const pool = pools[c];
      let id;
      if (pool.length === 0 || rnd() < 0.3) { id = nextCustomer++; pool.push(id); } else id = pool[Math.floor(rnd() * pool.length)];
      txCustomer.push(id);
      txTime.push(START + d * DAY + Math.floor(rnd() * 1440) * 60_000);
      txAmount.push(Math.round(100 * 40 * Math.exp(0.5 * gauss())) / 100);
      txChannel.push(names[c]);
      items[c][d] += 1 + Math.floor(rnd() * 3);
    }
  }
}
const txColumns = { customerId: Uint32Array.from(txCustomer), timestamp: Float64Array.from(txTime), amount: Float64Array.from(txAmount), channel: txChannel };
const traffic = { date: Float64Array.from(trafficDate), visits: Float64Array.from(trafficVisits), channel: trafficChannel };
const tx = Transactions.fromColumns(txColumns);
const seriesOptions = { bucket: "day", by: "channel", metrics: METRICS, traffic };

// (a) the series.
const a = await time(() => kpiSeries(tx, seriesOptions));
const ks = a.value;
if (ks.time.length !== DAYS) throw new Error(`expected ${DAYS} days, found ${ks.time.length}`);

// The 200 detection inputs.
// A share or rate whose denominator is never 0 goes as counts out of it (the rate test applies);
// one with empty days as plain values, those days holding its pooled rate (as explainAnomaly
// treats a slice's series).
let pooledSeries = 0;
const inputOf = (m, s) => {
  if (!COUNTED.has(m)) return { time: ks.time, value: s.value };
  const d = s.denominator;
  if (d.every((x) => x > 0)) return { time: ks.time, value: s.value.map((v, i) => Math.round(v * d[i])), denominator: d };
  pooledSeries++;
  let num = 0, den = 0;
  s.value.forEach((v, i) => { num += v * d[i]; den += d[i]; });
  const pooled = den > 0 ? num / den : 0;
  return { time: ks.time, value: s.value.map((v, i) => (d[i] > 0 ? v : pooled)) };
};
const inputs = [];
for (const ch of names) {
  const bySeries = ks.by[ch];
  for (const m of METRICS) inputs.push({ name: `${ch}/${m}`, series: inputOf(m, bySeries[m]) });
  const c = names.indexOf(ch);
  inputs.push({ name: `${ch}/visits`, series: { time: ks.time, value: visits[c] } });
  inputs.push({ name: `${ch}/items`, series: { time: ks.time, value: items[c] } });
  inputs.push({ name: `${ch}/cost`, series: { time: ks.time, value: cost[c] } });
}
if (inputs.length !== 200) throw new Error(`expected 200 series, found ${inputs.length}`);

// (b) detection on the 200 series.
let flags = 0;
const b = await time(() => {
  let f = 0;
  for (const { series } of inputs) {
    const r = detectAnomalies(series, {});
    for (let i = 0; i < r.flagged.length; i++) f += r.flagged[i];
  }
  flags = f;
  return f;
});

// (c) explanations of the totals' flagged points.
const targets = [];
for (const m of METRICS) {
  const r = detectAnomalies(inputOf(m, ks.series[m]), {});
  r.flagged.forEach((f, i) => { if (f) targets.push({ metric: m, at: ks.time[i] }); });
}
let sentences = [];
const c = explainAnomaly
  ? await time(() => {
      sentences = targets.map((t) => explainAnomaly(tx, { metric: t.metric, at: t.at, by: "channel", traffic }).sentence);
      return sentences.length;
    }, { warmup: 1, repeats: 3 })
  : { median: NaN, min: NaN };
if (!explainAnomaly) console.log("(c) skipped: this package has no explainAnomaly");

// Peer: statsmodels' STL on the series detectAnomalies decomposes.
mkdirSync(DATA_DIR, { recursive: true });
const seriesPath = join(DATA_DIR, "anomaly_series.json");
writeFileSync(seriesPath, JSON.stringify(inputs.map(({ series: s }) => Array.from(s.value, (v, i) => (s.denominator ? v / s.denominator[i] : v)))));
const peer = runPython(join(ROOT, "bench", "anomaly_stl_statsmodels.py"), [seriesPath]);

let cpu = "unknown";
try { cpu = execSync("lscpu", { encoding: "utf8" }).match(/Model name:\s*(.+)/)?.[1]?.trim() ?? cpu; } catch {}
const n = inputs.length;
const rows = [
  { case: "(a) kpiSeries, 7 metrics × (total + 20 channels), 1,095 days", "median ms": ms(a.median), "min ms": ms(a.min), "ms per series": "–", "÷ statsmodels STL": "–" },
  { case: `(b) detectAnomalies, defaults, 200 series (${flags} flags)`, "median ms": ms(b.median), "min ms": ms(b.min), "ms per series": (b.median / n).toFixed(3), "÷ statsmodels STL": ratio(b.median / n, peer.msPerSeries) },
  { case: `(c) explainAnomaly, ${targets.length} flagged points of the totals`, "median ms": ms(c.median), "min ms": ms(c.min), "ms per series": targets.length ? `${(c.median / targets.length).toFixed(2)} per call` : "–", "÷ statsmodels STL": "–" },
  { case: "statsmodels STL(period=7).fit(), same 200 series", "median ms": ms(peer.msPerSeries * n), "min ms": "–", "ms per series": peer.msPerSeries.toFixed(3), "÷ statsmodels STL": "1" },
];
console.log(`anomaly: ${txCustomer.length.toLocaleString("en-US")} transactions, ${CHANNELS} channels × ${DAYS} days; package ${pkgLabel}; CPU ${cpu}; Node ${process.version}; ${new Date().toISOString()}`);
table(rows);
const verdict = b.median <= BUDGET_MS ? "met" : "NOT met";
console.log(`${pooledSeries} of the 40 share/rate channel series had empty days (plain rates)`);
console.log(`\nbudget: (b) ${ms(b.median)} ms for 200 series against ${BUDGET_MS} ms — ${verdict}; (a) + (b) = ${ms(a.median + b.median)} ms`);
for (const s of sentences.slice(0, 5)) console.log(`  e.g. ${s}`);
const md = markdownTable(rows);
writeFileSync(join(DATA_DIR, "anomaly.md"), md + "\n");
record("anomaly", rows.map((r) => ({ ...r, cpu, budgetMs: BUDGET_MS, detectMedianMs: b.median, peerMsPerSeries: peer.msPerSeries })));
tx.free();
