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
