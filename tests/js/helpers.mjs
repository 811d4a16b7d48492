// Shared paths for the tests of the built package.
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PKG = path.join(ROOT, "pkg");
export const FIXTURES = path.join(ROOT, "tests", "fixtures");
export const BLESS = !!process.env.UNIMETRIC_BLESS;
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
];

/** Runs the README's `<!-- test: TAG -->` js block in Node with "unimetric" resolving to pkg/; returns its output. */
export async function runReadmeBlock(tag) {
  const { readFileSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  const os = await import("node:os");
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const m = readme.match(new RegExp(`<!-- test: ${tag} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``));
  if (!m) throw new Error(`README has no block tagged ${tag}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `unimetric-${tag}-`));
  try {
    mkdirSync(path.join(dir, "node_modules"));
    symlinkSync(PKG, path.join(dir, "node_modules", "unimetric"), "dir");
    writeFileSync(path.join(dir, "package.json"), '{"type":"module","private":true}');
    writeFileSync(path.join(dir, "block.mjs"), m[1]);
    return execFileSync("node", ["block.mjs"], { cwd: dir, encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
