#!/usr/bin/env bash
# Builds the API reference of the npm package with TypeDoc from the built package's declarations
# (pkg/: run `bash pkg-config/build.sh` first), one module per entry point of its `exports`, into
# target/api/ (git-ignored; open target/api/index.html). TypeDoc warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=(unimetric unimetric_arrow worker worker-thread arrow-worker arrow-worker-thread)
for entry in "${ENTRIES[@]}"; do
  if [[ ! -f "pkg/$entry.d.ts" ]]; then
    echo "pkg/$entry.d.ts is missing: build the package first (bash pkg-config/build.sh)" >&2
    exit 1
  fi
done
[[ -x node_modules/.bin/typedoc ]] || bash scripts/bootstrap.sh --minimal

rm -rf target/api
node_modules/.bin/typedoc --options scripts/typedoc.json
echo "API reference written to target/api/index.html" >&2
