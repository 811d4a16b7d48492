// The generated TypeScript declarations are part of the API: committed golden copies
// (pkg-config/unimetric.d.ts.golden, and pkg-config/unimetric_arrow.d.ts.golden for the
// `unimetric/arrow` entry) must match the build, so API changes are deliberate.
// Regenerate with UNIMETRIC_BLESS=1 node --test tests/js/types.test.mjs after a deliberate change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BLESS, PKG, ROOT } from "./helpers.mjs";

const ENTRIES = [
  ["unimetric.d.ts", "unimetric.d.ts.golden"],
  ["unimetric_arrow.d.ts", "unimetric_arrow.d.ts.golden"],
];

for (const [file, goldenFile] of ENTRIES) {
  const built = readFileSync(path.join(PKG, file), "utf8");
  const goldenPath = path.join(ROOT, "pkg-config", goldenFile);

  test(`${file} matches the committed golden file`, () => {
    if (BLESS) writeFileSync(goldenPath, built);
    const golden = readFileSync(goldenPath, "utf8");
    assert.ok(built === golden, `pkg/${file} differs from pkg-config/${goldenFile}; if the API change is deliberate, re-bless it`);
  });

  test(`the public declarations of ${file} use no \`any\``, () => {
    // Everything before wasm-bindgen's internal InitOutput/InitInput plumbing is public API.
    const cut = built.indexOf("export type InitInput");
    assert.ok(cut > 0);
    const publicPart = built.slice(0, cut);
    const anyUses = publicPart.split("\n").filter((l) => /\bany\b/.test(l) && !l.trim().startsWith("*") && !l.trim().startsWith("//"));
    assert.deepEqual(anyUses, []);
  });
}

test("the arrow entry declares the whole API of the default entry plus its Arrow readers", () => {
  const names = (f) => new Set([...readFileSync(path.join(PKG, f), "utf8").matchAll(/^export (?:class|function|type|interface|const) (\w+)/gm)].map((m) => m[1]));
  const main = names("unimetric.d.ts");
  const arrow = names("unimetric_arrow.d.ts");
  for (const n of main) assert.ok(arrow.has(n), `unimetric/arrow lacks ${n}`);
  const arrowText = readFileSync(path.join(PKG, "unimetric_arrow.d.ts"), "utf8");
  // Transactions, Spend, CustomerSummary, FeatureMatrix and Journeys; and one function of its own.
  assert.equal(arrowText.match(/static fromArrow\(/g)?.length, 5);
  assert.deepEqual([...arrow].filter((n) => !main.has(n)).sort(), ["ArrowIpcInput", "AttributeColumns", "SummaryMapping", "customerAttributesFromArrow"]);
  assert.ok(!readFileSync(path.join(PKG, "unimetric.d.ts"), "utf8").includes("fromArrow"));
});
