// Writes www/data/experiment.json: the dashboard's sample A/B test, simulated with a known truth.
// 24,000 visitors are assigned to control or treatment by a fair coin (no sample-ratio mismatch);
// each converts with probability 5.0 % in control and 5.5 % in treatment (a true relative lift of
// +10 %). A fixed seed makes the file reproducible:
//
//   node scripts/experiment-sample.mjs
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "./random.mjs";


const TRUTH = { visitors: 24_000, rates: { control: 0.05, treatment: 0.055 }, seed: 20261207 };
const random = mulberry32(TRUTH.seed);
const arms = { control: { n: 0, conversions: 0 }, treatment: { n: 0, conversions: 0 } };
for (let i = 0; i < TRUTH.visitors; i++) {
  const name = random() < 0.5 ? "control" : "treatment";
  arms[name].n += 1;
  if (random() < TRUTH.rates[name]) arms[name].conversions += 1;
}
const sample = {
  description: "Simulated A/B test: 24,000 visitors split by a fair coin; true conversion rates 5.0 % (control) and 5.5 % (treatment), a +10 % relative lift. Made by scripts/experiment-sample.mjs.",
  truth: { relativeLift: 0.1, rates: TRUTH.rates, split: [0.5, 0.5], seed: TRUTH.seed },
  metric: "proportion",
  unitsPerDay: 2000,
  arms: Object.entries(arms).map(([name, a]) => ({ name, ...a })),
};
const out = fileURLToPath(new URL("../www/data/experiment.json", import.meta.url));
writeFileSync(out, `${JSON.stringify(sample, null, 2)}\n`);
console.log(out, JSON.stringify(sample.arms));
