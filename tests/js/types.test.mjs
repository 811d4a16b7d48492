// The generated TypeScript declarations are part of the API: a committed golden copy
// (pkg-config/unimetric.d.ts.golden) must match the build, so API changes are deliberate.
// Regenerate with UNIMETRIC_BLESS=1 node --test tests/js/types.test.mjs after a deliberate change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BLESS, PKG, ROOT } from "./helpers.mjs";

const built = readFileSync(path.join(PKG, "unimetric.d.ts"), "utf8");
const goldenPath = path.join(ROOT, "pkg-config", "unimetric.d.ts.golden");

test("unimetric.d.ts matches the committed golden file", () => {
  if (BLESS) writeFileSync(goldenPath, built);
  const golden = readFileSync(goldenPath, "utf8");
  assert.ok(built === golden, "pkg/unimetric.d.ts differs from pkg-config/unimetric.d.ts.golden; if the API change is deliberate, re-bless it");
});

test("the public declarations use no `any`", () => {
  // Everything before wasm-bindgen's internal InitOutput/InitInput plumbing is public API.
  const cut = built.indexOf("export type InitInput");
  assert.ok(cut > 0);
  const publicPart = built.slice(0, cut);
  const anyUses = publicPart.split("\n").filter((l) => /\bany\b/.test(l) && !l.trim().startsWith("*") && !l.trim().startsWith("//"));
  assert.deepEqual(anyUses, []);
});
