#!/usr/bin/env bash
# Builds the npm package into pkg/:
#   1. wasm-pack build --target web (release profile: opt-level 3, LTO, simd128)
#   2. typed errors from the generated glue's own checks (pkg-config/typed-glue-errors.mjs)
#   3. wasm-opt -O3 from the npm `binaryen` package (wasm-pack's own download is disabled)
#   4. package.json from pkg-config/package.template.json, the Node and Worker entries, README and licences
# Usage: pkg-config/build.sh [--dev]   (--dev: debug build, no wasm-opt; for quick iteration)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

PROFILE=--release
[[ "${1:-}" == "--dev" ]] && PROFILE=--dev

wasm-pack build --target web "$PROFILE" --weak-refs --out-dir pkg --out-name unimetric --no-pack >&2
node pkg-config/typed-glue-errors.mjs pkg/unimetric.js

WASM=pkg/unimetric_bg.wasm
if [[ "$PROFILE" == --release ]]; then
  WASM_OPT=node_modules/.bin/wasm-opt
  if [[ ! -x "$WASM_OPT" ]]; then
    echo "build.sh: $WASM_OPT missing; run scripts/bootstrap.sh first" >&2
    exit 1
  fi
  "$WASM_OPT" -O3 "$WASM" -o "$WASM.opt"
  mv "$WASM.opt" "$WASM"
fi

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
sed "s/__VERSION__/$VERSION/" pkg-config/package.template.json > pkg/package.json
cp pkg-config/node.js pkg-config/node.d.ts pkg/
cp pkg-config/worker.js pkg-config/worker.d.ts pkg-config/worker-thread.js pkg-config/worker-thread.d.ts pkg/
cp README.md LICENSE-MIT LICENSE-APACHE pkg/
rm -f pkg/.gitignore

RAW=$(wc -c < "$WASM")
GZ=$(gzip -9 -c "$WASM" | wc -c)
echo "built pkg/ (unimetric $VERSION): wasm $RAW bytes, $GZ bytes gzip" >&2
