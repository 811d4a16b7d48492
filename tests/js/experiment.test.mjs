// Experiments through the built package: every case of the gbstats / scipy / statsmodels fixture
// (tests/fixtures/peers/experiment_gbstats.py) matched to 1e-6 in WebAssembly too, the result's
// shape, typed errors, and the guide's example (whose documented figures are gbstats', scipy's and
// statsmodels' from the same fixture, and which unimetric must print).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { experiment, experimentReport, srmCheck, planExperiment, getDefinition } from "../../pkg/node.js";
import { FIXTURES, docBlock, documentedOutput, runDocBlock, throwsCode } from "./helpers.mjs";

const F = JSON.parse(readFileSync(path.join(FIXTURES, "peers", "experiment_gbstats.json"), "utf8"));
const close = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-6 * Math.abs(want) + 1e-12, `${what}: got ${got}, want ${want}`);

test("every fixture case matches gbstats, scipy and statsmodels to 1e-6", () => {
  for (const kase of F.cases) {
    const r = experiment(kase.input, kase.options);
    kase.expected.comparisons.forEach((w, i) => {
      const c = r.comparisons[i];
      assert.equal(c.arm, w.arm);
      for (const k of ["estimate", "stdError", "df", "pValue", "adjustedPValue", "chanceToWin", "risk", "baselineRisk", "theta"]) {
        if (k in w) close(c[k], w[k], `${kase.name} ${c.arm} ${k}`);
      }
      if ("scipyPValue" in w) close(c.pValue, w.scipyPValue, `${kase.name} scipy p`);
      close(c.ci[0], w.ci[0], `${kase.name} ci[0]`);
      close(c.ci[1], w.ci[1], `${kase.name} ci[1]`);
    });
    close(r.srm.pValue, kase.expected.srm.pValue, `${kase.name} srm`);
  }
  for (const s of F.srm) close(srmCheck(s.counts, s.weights).pValue, s.pValue, "srm");
  for (const p of F.plans) assert.equal(planExperiment(p.options).unitsPerArm, p.unitsPerArm);
});

test("the result: arms, comparisons, srm, definition", () => {
  const r = experiment(
    { metric: "proportion", name: "sign-ups", arms: [{ name: "A", n: 1000, conversions: 100 }, { name: "B", n: 1000, conversions: 150 }, { name: "C", n: 1000, conversions: 101 }] },
    { difference: "absolute", correction: "holm", unitsPerDay: 500 },
  );
  assert.deepEqual(r.arms.map((a) => [a.name, a.n, a.mean]), [["A", 1000, 0.1], ["B", 1000, 0.15], ["C", 1000, 0.101]]);
  assert.deepEqual(r.comparisons.map((c) => [c.arm, c.baseline]), [["B", "A"], ["C", "A"]]);
  const [b, cc] = r.comparisons;
  assert.ok(b.adjustedPValue >= b.pValue && b.chanceToWin === null && b.risk === null);
  assert.equal(b.daysToPower, null); // significant: nothing more to wait for
  assert.ok(cc.daysToPower > 0 && cc.summary.includes("more days give 80 % power"), cc.summary);
  assert.match(b.summary, /^B raised sign-ups by 0\.0500 vs A \(95 % CI \+0\.\d+ to \+0\.\d+\); significant \(adjusted p = 0\.\d{3}\)\.$/);
  assert.deepEqual(r.srm, { chiSquare: 0, pValue: 1, flagged: false, mostOffArm: "A" });
  assert.equal(r.definition.metric, "experiment.frequentist");
  assert.equal(r.definition.params.correction, "holm");
  assert.equal(experiment({ metric: "mean", arms: [{ name: "A", n: 4, sum: 10, sumSquares: 30 }, { name: "B", n: 4, sum: 20, sumSquares: 120 }] }, { sequential: true }).definition.metric, "experiment.sequential");
  assert.equal(getDefinition("experiment.sequential").parameters.find((p) => p.name === "sequentialTuning").value, 5000);
});

test("typed errors name the arm's field and row", () => {
  const arms = [{ name: "A", n: 10, conversions: 1 }, { name: "B", n: 10, conversions: 11 }];
  throwsCode(() => experiment({ metric: "proportion", arms }), "E_OUT_OF_RANGE", { column: "conversions", row: 2 });
  throwsCode(() => experiment({ metric: "proportion", arms: arms.slice(0, 1) }), "E_INSUFFICIENT_DATA");
  const fine = [arms[0], { name: "B", n: 10, conversions: 3 }];
  throwsCode(() => experiment({ metric: "proportion", arms: fine }, { baseline: "Z" }), "E_BAD_OPTION", { column: "baseline" });
  throwsCode(() => experimentReport([experiment({ metric: "proportion", arms: fine }, { method: "bayesian" })]), "E_BAD_OPTION");
});

test("the experiments guide documents the figures of gbstats, scipy and statsmodels", () => {
  const g = F.guide;
  const [, seqHigh] = g.sequentialCi;
  assert.deepEqual(documentedOutput(docBlock("docs/guide/experiments.md", "experiment")), [
    `new page raised the sign-up rate by ${g.estimate} vs control (95 % CI ${g.ciLow} to ${g.ciHigh}); not significant (p = ${g.pValue}). At 2000 units a day, about ${g.daysToPower} more days give 80 % power to detect an effect this size.`,
    `[ '${g.sequentialCi[0]}', '${seqHigh}' ] false`,
    `${g.chanceToWin} ${g.risk}`,
    `${g.srmPValue} ${g.srmFlagged[0]} ${g.srmFlagged[1]}`,
    `[ 'the sign-up rate: ${g.holm[0]} false', 'revenue per visitor: ${g.holm[1]} false' ]`,
    `${g.planUnitsPerArm} ${g.planDays}`,
  ]);
});

test("experiments guide example prints the documented values", () => {
  runDocBlock("docs/guide/experiments.md", "experiment");
});
