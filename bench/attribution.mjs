// Attribution (attribution.*) vs ChannelAttribution 2.2.5 (PyPI, C++ core), in the same run.
//
//   bash bench/run.sh attribution     (or: node --expose-gc bench/attribution.mjs, once pkg/ and bench/.venv exist)
//
// Data (generated here, deterministic, not timed): 1,000,000 touchpoints in 200,000 journeys over
// 12 channels (1–9 touches each, channels drawn with unequal shares, each touch of channel c
// converting the journey with its own probability); converting journeys end with one conversion
// worth 20–200. The same journeys are aggregated into distinct paths (path, conversions, value,
// nulls) for ChannelAttribution, which takes only aggregated paths.
// Timed (median of 7 after 2 warm-up runs), in Node's wasm:
//   (a) Journeys.fromColumns on the 1M touchpoint and conversion columns;
//   (b) attribution(journeys): every model — first, last, last non-direct, linear, time decay,
//       position based, Markov order 1 (exact) and Shapley (12 channels, 4,096 coalitions);
//   (c) (a) + (b): from columns to every model;
//   (d) on the aggregated paths, the work ChannelAttribution does: Journeys.fromPaths +
//       attribution({ models: first, last, linear, markov }).
// Peer: bench/attribution_channelattribution.py (bench/.venv): heuristic_models and
// markov_model(order 1, its defaults: 1e5 simulated journeys) on the aggregated paths, already in
// a DataFrame. Cross-check: the heuristics' credits equal ours to 1e-9 (a mismatch fails the run);
// the largest relative gap between its Markov credits and our exact ones is reported (its
// simulation error, and its default max_step cutting simulated paths short).
// Target (issue #19): (b) ≤ 200 ms; ratios against the peer are reported alongside.
import { cpus } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR, ROOT, markdownTable, ms, ratio, record, runPython, table, time } from "./lib.mjs";

const { Journeys, attribution, version } = await import("../pkg/node.js");

const N_JOURNEYS = 200_000, N_TOUCH = 1_000_000, TARGET_MS = 200;
const CHANNELS = ["affiliate", "direct", "display", "email", "organic", "paid_search", "paid_social", "podcast", "push", "referral", "sms", "video"];
const SHARE = [0.05, 0.12, 0.14, 0.1, 0.12, 0.13, 0.11, 0.03, 0.05, 0.06, 0.04, 0.05];
const P_CONVERT = [0.02, 0.05, 0.005, 0.06, 0.04, 0.08, 0.03, 0.01, 0.015, 0.05, 0.02, 0.01];
const START = Date.UTC(2025, 0, 1);

// xorshift32: deterministic data, independent of the library.
let s = 2463534242;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
const cumulative = SHARE.map((_, i) => SHARE.slice(0, i + 1).reduce((a, b) => a + b, 0));
const pick = () => { const u = rnd() * cumulative[cumulative.length - 1]; let i = 0; while (cumulative[i] < u) i++; return i; };

const tJourney = new Uint32Array(N_TOUCH), tTime = new Float64Array(N_TOUCH), tChannel = new Array(N_TOUCH);
const cJourney = [], cTime = [], cValue = [];
const paths = new Map();
let k = 0;
for (let j = 0; j < N_JOURNEYS && k < N_TOUCH; j++) {
  // Lengths 1–9 with mean 5: exactly 1,000,000 touches over 200,000 journeys.
  const left = N_TOUCH - k, journeysLeft = N_JOURNEYS - j;
  let len = j === N_JOURNEYS - 1 ? left : Math.min(left - (journeysLeft - 1), 1 + Math.floor(rnd() * 9));
  len = Math.max(1, Math.min(len, left));
  let t = START + Math.floor(rnd() * 300) * 86_400_000;
  let converted = false;
  const names = [];
  for (let i = 0; i < len; i++) {
    const c = pick();
    tJourney[k] = j + 1; tTime[k] = t; tChannel[k] = CHANNELS[c]; k++;
    names.push(CHANNELS[c]);
    if (rnd() < P_CONVERT[c]) converted = true;
    t += Math.floor(1 + rnd() * 72) * 3_600_000;
  }
  const key = names.join(">");
  const row = paths.get(key) ?? { conversions: 0, value: 0, nulls: 0 };
  if (converted) {
    const value = Math.round((20 + rnd() * 180) * 100) / 100;
    cJourney.push(j + 1); cTime.push(t); cValue.push(value);
    row.conversions += 1; row.value += value;
  } else {
    row.nulls += 1;
  }
  paths.set(key, row);
}
const touch = { journeyId: tJourney, timestamp: tTime, channel: tChannel };
const conv = { journeyId: Uint32Array.from(cJourney), timestamp: Float64Array.from(cTime), value: Float64Array.from(cValue) };
const agg = { path: [...paths.keys()], conversions: [...paths.values()].map((r) => r.conversions), value: [...paths.values()].map((r) => r.value), nulls: [...paths.values()].map((r) => r.nulls) };
const dir = join(DATA_DIR, "attribution");
mkdirSync(dir, { recursive: true });
const csvPath = join(dir, "paths.csv");
writeFileSync(csvPath, "path,total_conversions,total_conversion_value,total_null\n" + agg.path.map((p, i) => `${p},${agg.conversions[i]},${agg.value[i]},${agg.nulls[i]}`).join("\n") + "\n");

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`unimetric ${version()}, node ${process.version}, ${cpu}`);
console.log(`${k.toLocaleString("en-US")} touchpoints, ${N_JOURNEYS.toLocaleString("en-US")} journeys, ${cJourney.length.toLocaleString("en-US")} conversions, ${agg.path.length.toLocaleString("en-US")} distinct paths`);
const cases = [];
const bench = async (name, fn) => {
  const r = await time(fn, { warmup: 2, repeats: 7 });
  cases.push({ name, ...r });
  console.log(`  ${name}: median ${ms(r.median)} ms, min ${ms(r.min)} ms`);
  return r;
};
const free = (x) => { x.free?.(); return x; };
await bench("(a) Journeys.fromColumns: 1M touchpoints", () => free(Journeys.fromColumns(touch, conv)));
const journeys = Journeys.fromColumns(touch, conv);
const all = await bench("(b) attribution: every model (Markov order 1, Shapley)", () => attribution(journeys));
await bench("(c) (a) + (b)", () => { const j = Journeys.fromColumns(touch, conv); const r = attribution(j); j.free(); return r; });
const asPeer = await bench("(d) aggregated paths: fromPaths + first, last, linear, Markov", () => {
  const j = Journeys.fromPaths(agg);
  const r = attribution(j, { models: ["firstTouch", "lastTouch", "linear", "markov"], collapseRepeats: true });
  j.free();
  return r;
});
journeys.free();

console.log("running bench/attribution_channelattribution.py …");
const peer = runPython(join(ROOT, "bench", "attribution_channelattribution.py"), [csvPath, "--repeats", 5, "--warmup", 1]);
console.log(`  ChannelAttribution ${peer.version}: heuristics ${ms(peer.heuristicsMs)} ms, Markov ${ms(peer.markovMs)} ms`);

// ---- cross-check ------------------------------------------------------------------------------
const r = asPeer.value;
let heuristicMismatches = 0, markovWorst = 0;
if (peer.heuristics && peer.markov) {
  r.channels.forEach((ch, i) => {
    for (const [model, key] of [["firstTouch", "first_touch_conversions"], ["lastTouch", "last_touch_conversions"], ["linear", "linear_touch_conversions"]]) {
      const want = peer.heuristics[key][ch];
      if (!(Math.abs(r.models[model].conversions[i] - want) <= 1e-9 * Math.max(1, want))) heuristicMismatches++;
    }
    const theirs = peer.markov.total_conversions[ch];
    markovWorst = Math.max(markovWorst, Math.abs(r.models.markov.conversions[i] - theirs) / theirs);
  });
}

// ---- report -----------------------------------------------------------------------------------
const peerBoth = peer.heuristicsMs + peer.markovMs;
const rows = [
  ...cases.map((c) => ({
    case: c.name,
    "median ms": ms(c.median),
    "min ms": ms(c.min),
    "vs ChannelAttribution heuristics + Markov": ratio(c.median, peerBoth),
    target: c.name.startsWith("(b)") ? `≤ ${TARGET_MS} ms` : "–",
    result: c.name.startsWith("(b)") ? (c.median <= TARGET_MS ? "pass" : "FAIL") : "–",
  })),
  { case: `ChannelAttribution ${peer.version}: heuristic_models`, "median ms": ms(peer.heuristicsMs), "min ms": "–", "vs ChannelAttribution heuristics + Markov": "–", target: "–", result: "–" },
  { case: `ChannelAttribution ${peer.version}: markov_model (order 1, 1e5 simulations)`, "median ms": ms(peer.markovMs), "min ms": "–", "vs ChannelAttribution heuristics + Markov": "–", target: "–", result: "–" },
];
const title = `Attribution: ${k.toLocaleString("en-US")} touchpoints, ${N_JOURNEYS.toLocaleString("en-US")} journeys, ${CHANNELS.length} channels, ${agg.path.length.toLocaleString("en-US")} distinct paths, single thread, ${cpu}`;
console.log(`\n${title}`);
table(rows);
const check = `Cross-check vs ChannelAttribution on the aggregated paths: ${heuristicMismatches} heuristic credits differ (of ${3 * r.channels.length}); Markov credits differ by at most ${(100 * markovWorst).toFixed(2)} % (its simulation and its default max_step truncation; ours are exact)`;
console.log(`\n${check}`);
record("attribution", [
  ...cases.map((c) => ({ case: c.name, median_ms: c.median, min_ms: c.min, runs_ms: c.runs, ratio_vs_peer: c.median / peerBoth, peer: "ChannelAttribution", cpu })),
  { case: "ChannelAttribution", heuristics_ms: peer.heuristicsMs, markov_ms: peer.markovMs, version: peer.version },
  { case: "cross-check", heuristicMismatches, markovWorst, paths: agg.path.length },
]);
writeFileSync(join(DATA_DIR, "attribution.md"), [`${title} (unimetric ${version()}, node ${process.version}, ChannelAttribution ${peer.version})`, "", markdownTable(rows), "", check, ""].join("\n"));
console.log(`\n(results appended to bench/.data/results.jsonl; Markdown in bench/.data/attribution.md)`);
if (heuristicMismatches) process.exitCode = 1;
