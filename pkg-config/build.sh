#!/usr/bin/env bash
# Builds the npm package into pkg/:
#   1. wasm-pack build --target web (release profile: opt-level 3, LTO, simd128)
#   2. the `unimetric/arrow` entry: the same build with the cargo feature `arrow` (everything
#      plus fromArrow), as unimetric_arrow.*, so users without Arrow input do not download it
#   3. typed errors from the generated glue's own checks (pkg-config/typed-glue-errors.mjs)
#   4. wasm-opt -O3 from the npm `binaryen` package (wasm-pack's own download is disabled)
#   5. CommonJS copies of both glue files (esbuild) for `require("unimetric")` in Node
#   6. package.json from pkg-config/package.template.json, the Node and Worker entries (the
#      clients of both entries and the worker-client.js they share, both worker scripts and the
#      worker-serve.js they share), README and licences
# Usage: pkg-config/build.sh [--dev]   (--dev: debug build, no wasm-opt; for quick iteration)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

PROFILE=--release
[[ "${1:-}" == "--dev" ]] && PROFILE=--dev

wasm-pack build --target web "$PROFILE" --weak-refs --out-dir pkg --out-name unimetric --no-pack >&2
node pkg-config/typed-glue-errors.mjs pkg/unimetric.js

# The Arrow entry point, built aside and copied in (wasm-pack owns its out-dir).
ARROW_OUT="$(mktemp -d)"
trap 'rm -rf "$ARROW_OUT"' EXIT
wasm-pack build --target web "$PROFILE" --weak-refs --out-dir "$ARROW_OUT" --out-name unimetric_arrow --no-pack -- --features arrow >&2
cp "$ARROW_OUT"/unimetric_arrow.js "$ARROW_OUT"/unimetric_arrow.d.ts \
  "$ARROW_OUT"/unimetric_arrow_bg.wasm "$ARROW_OUT"/unimetric_arrow_bg.wasm.d.ts pkg/
node pkg-config/typed-glue-errors.mjs pkg/unimetric_arrow.js

if [[ "$PROFILE" == --release ]]; then
  WASM_OPT=node_modules/.bin/wasm-opt
  if [[ ! -x "$WASM_OPT" ]]; then
    echo "build.sh: $WASM_OPT missing; run scripts/bootstrap.sh first" >&2
    exit 1
  fi
  for WASM in pkg/unimetric_bg.wasm pkg/unimetric_arrow_bg.wasm; do
    "$WASM_OPT" -O3 "$WASM" -o "$WASM.opt"
    mv "$WASM.opt" "$WASM"
  done
fi

# CommonJS glue for Node's require(): the ESM glue converted by esbuild; import.meta.url (used
# only by the async init's default wasm location) becomes the file's own URL.
ESBUILD=node_modules/.bin/esbuild
if [[ ! -x "$ESBUILD" ]]; then
  echo "build.sh: $ESBUILD missing; run scripts/bootstrap.sh first" >&2
  exit 1
fi
for NAME in unimetric unimetric_arrow; do
  "$ESBUILD" "pkg/$NAME.js" --format=cjs --platform=node --target=node18 --log-level=warning \
    --define:import.meta.url=__unimetric_module_url \
    --banner:js='const __unimetric_module_url = require("node:url").pathToFileURL(__filename).href;' \
    --outfile="pkg/$NAME.cjs"
  cp "pkg/$NAME.d.ts" "pkg/$NAME.d.cts"
done

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
sed "s/__VERSION__/$VERSION/" pkg-config/package.template.json > pkg/package.json
cp pkg-config/node.js pkg-config/node.d.ts pkg/
cp pkg-config/worker.js pkg-config/worker.d.ts pkg-config/worker-client.js pkg-config/worker-serve.js pkg/
cp pkg-config/arrow-worker.js pkg-config/arrow-worker.d.ts pkg/
cp pkg-config/worker-thread.js pkg-config/worker-thread.d.ts pkg-config/arrow-worker-thread.js pkg-config/arrow-worker-thread.d.ts pkg/
cp pkg-config/node.cjs pkg-config/node.d.cts pkg/
cp pkg-config/arrow-node.js pkg-config/arrow-node.d.ts pkg-config/arrow-node.cjs pkg-config/arrow-node.d.cts pkg/
cp README.md LICENSE-MIT LICENSE-APACHE pkg/
rm -f pkg/.gitignore

VERSION_LINE="built pkg/ (unimetric $VERSION):"
for WASM in pkg/unimetric_bg.wasm pkg/unimetric_arrow_bg.wasm; do
  RAW=$(wc -c < "$WASM")
  GZ=$(gzip -9 -c "$WASM" | wc -c)
  echo "$VERSION_LINE $WASM $RAW bytes, $GZ bytes gzip" >&2
done
