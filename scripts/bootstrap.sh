#!/usr/bin/env bash
# Installs every tool the build, the tests and the demo need, skipping what is already present.
# Idempotent: safe to run on every invocation of `scripts/dev.sh` and `scripts/test.sh`.
#
#   scripts/bootstrap.sh            toolchain for build + tests (wasm32 target, wasm-bindgen-cli,
#                                   wasm-pack, cargo-deny, chromium + chromedriver, npm dev dependencies)
#   scripts/bootstrap.sh --minimal  only what the demo needs (no browser)
set -euo pipefail
cd "$(dirname "$0")/.."

MINIMAL=0
[[ "${1:-}" == "--minimal" ]] && MINIMAL=1

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must match the crate version pinned in Cargo.toml exactly.
WB_VERSION="$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -1)"
if [[ -z "$WB_VERSION" ]]; then
  echo "bootstrap: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2
  exit 1
fi

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-bindgen >/dev/null || [[ "$(wasm-bindgen --version | awk '{print $2}')" != "$WB_VERSION" ]]; then
  log "installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

if ! command -v wasm-pack >/dev/null; then
  log "installing wasm-pack (a few minutes, once)"
  cargo install wasm-pack
fi

if [[ "$MINIMAL" == 0 ]] && ! command -v cargo-deny >/dev/null; then
  log "installing cargo-deny (licence, ban and source checks; a few minutes, once)"
  cargo install --locked cargo-deny
fi

if [[ "$MINIMAL" == 0 ]]; then
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    log "installing Debian chromium + chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

# npm dev dependencies (wasm-opt via binaryen, playwright-core, benchmark peers, ...).
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm dev dependencies"
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
log "toolchain ready"
