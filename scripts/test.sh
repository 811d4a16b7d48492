#!/usr/bin/env bash
# Runs every test layer; installs what is missing first (scripts/bootstrap.sh).
#   1. format and lints (cargo fmt --check, clippy -D warnings, native and wasm32, with and
#      without the `arrow` feature), and the dependencies' licences, bans and sources
#      (cargo-deny, offline, deny.toml), and no import cycle among the modules of src/
#      (scripts/import-cycles.sh)
#   2. native Rust: unit, integration and doc tests, glossary sync (cargo test, with the
#      `arrow` feature so the Arrow IPC reader is tested too)
#   3. wasm-bindgen-test in Node
#   4. wasm-bindgen-test in headless Chromium
#   5. the npm package build (pkg-config/build.sh)
#   6. the API reference from the package's declarations (scripts/api-docs.sh: TypeDoc, warnings
#      are errors)
#   7. node --test against the built package: API, errors, golden .d.ts, the examples of the README
#      and docs/guide/ with the output they document, parity
#      with native, unimetric/arrow against DuckDB-WASM (Node and Chromium), npm pack + Node ESM
#      and CommonJS + Vite (build and dev) + webpack 5 + <script type="module"> + tsc, and the
#      dashboard in headless Chromium
# Every layer runs even when an earlier one fails; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Build artifacts live outside the checkout, so a fresh clone (as CI makes) reuses the last build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/unimetric/target}"

bash scripts/bootstrap.sh || { echo "bootstrap failed"; exit 1; }

passed=0
failed=0
failures=()
layer() {
  local name="$1"
  shift
  printf '\n\033[1;34m=== %s ===\033[0m\n' "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

wasm_browser() {
  WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
    cargo test --target wasm32-unknown-unknown --test wasm
}
lints() {
  cargo fmt --all -- --check &&
    cargo clippy --all-targets --quiet -- -D warnings &&
    cargo clippy --all-targets --features arrow --quiet -- -D warnings &&
    cargo clippy --target wasm32-unknown-unknown --lib --tests --quiet -- -D warnings &&
    cargo clippy --target wasm32-unknown-unknown --features arrow --lib --tests --quiet -- -D warnings &&
    cargo fetch --locked --quiet &&
    cargo deny --offline check licenses bans sources &&
    bash scripts/import-cycles.sh
}

layer "format and lints" lints
layer "native Rust tests" cargo test --features arrow
layer "wasm-bindgen-test (Node)" cargo test --target wasm32-unknown-unknown --test wasm
layer "wasm-bindgen-test (Chromium)" wasm_browser
layer "npm package build" bash pkg-config/build.sh
layer "API reference (TypeDoc)" bash scripts/api-docs.sh
layer "package, README, parity and page tests (node --test)" node --test --test-timeout=600000 tests/js/ tests/browser/

echo
if ((failed > 0)); then
  printf 'failed layers: %s\n' "${failures[*]}"
fi
echo "layers: $passed passed, $failed failed"
((failed == 0))
