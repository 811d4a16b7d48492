#!/usr/bin/env bash
# The main job: install what is missing, build the package if the sources changed, and serve the
# demo dashboard (www/) with the bundled sample data on http://127.0.0.1:${PORT:-8080}/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Build artifacts live outside the checkout, so a fresh clone (as CI makes) reuses the last build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/unimetric/target}"

bash scripts/bootstrap.sh --minimal

WASM=pkg/unimetric_bg.wasm
if [[ ! -f "$WASM" ]] || [[ -n "$(find src js Cargo.toml Cargo.lock pkg-config README.md -newer "$WASM" -print -quit 2>/dev/null)" ]]; then
  bash pkg-config/build.sh
fi

exec node www/serve.mjs --port "${PORT:-8080}" --host "${HOST:-127.0.0.1}"
