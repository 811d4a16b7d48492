#!/usr/bin/env bash
# Builds the API reference of the npm package with TypeDoc from the built package's declarations
# (pkg/: run `bash pkg-config/build.sh` first), one module per entry point of its `exports`, named
# by import path, into target/api/ (git-ignored; open target/api/index.html). TypeDoc warnings
# are errors. Configuration: scripts/typedoc.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f pkg/package.json ]]; then
  echo "pkg/ is missing: build the package first (bash pkg-config/build.sh)" >&2
  exit 1
fi
[[ -x node_modules/.bin/typedoc ]] || bash scripts/bootstrap.sh --minimal

# The reference covers exactly the entry points the package exports (their browser/bundler types).
node --input-type=module -e '
import { readFileSync } from "node:fs";
const exported = Object.values(JSON.parse(readFileSync("pkg/package.json", "utf8")).exports)
  .filter((e) => typeof e === "object" && e.types).map((e) => e.types.replace(/^\.\//, "pkg/")).sort();
const documented = JSON.parse(readFileSync("scripts/typedoc.json", "utf8")).entryPoints.map((p) => p.replace(/^\.\.\//, "")).sort();
if (JSON.stringify(exported) !== JSON.stringify(documented)) {
  console.error(`scripts/typedoc.json entryPoints ${documented.join(", ")} differ from the exported types ${exported.join(", ")}`);
  process.exit(1);
}
'

rm -rf target/api
node_modules/.bin/typedoc --options scripts/typedoc.json
echo "API reference written to target/api/index.html" >&2
