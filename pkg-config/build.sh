#!/usr/bin/env bash
# Builds the npm package into pkg/:
#   1. wasm-pack build --target web (release profile: opt-level 3, LTO, simd128)
#   2. the `unimetric/arrow` entry: the same build with the cargo feature `arrow` (everything
#      plus fromArrow), as unimetric_arrow.*, so users without Arrow input do not download it
#   3. pkg-config/typed-glue-errors.mjs on both glue files: their import of js/error.js (the
#      `UnimetricError` class) pointed at the package's one error.js, the glue's own checks
#      throwing it with code E_BAD_TYPE, and the class exported
#   4. wasm-opt -O3 from the npm `binaryen` package (wasm-pack's own download is disabled)
#   5. CommonJS copies of both glue files and of error.js (esbuild) for `require("unimetric")`
#   6. pkg-config/entries.mjs: the hand-written runtime from js/ (error class, worker client and
#      serve), the Node and Worker entries of both builds generated from its table, and
#      package.json from pkg-config/package.template.json; then README and licences
# Usage: pkg-config/build.sh [--dev]   (--dev: debug build, no wasm-opt; for quick iteration)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

PROFILE=--release
[[ "${1:-}" == "--dev" ]] && PROFILE=--dev

wasm-pack build --target web "$PROFILE" --weak-refs --out-dir pkg --out-name unimetric --no-pack >&2
node pkg-config/typed-glue-errors.mjs pkg/unimetric.js
rm -rf pkg/snippets

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
# only by the async init's default wasm location) becomes the file's own URL. Both CommonJS glue
# files require one CommonJS copy of the error class, error.cjs.
ESBUILD=node_modules/.bin/esbuild
if [[ ! -x "$ESBUILD" ]]; then
  echo "build.sh: $ESBUILD missing; run scripts/bootstrap.sh first" >&2
  exit 1
fi
"$ESBUILD" js/error.js --format=cjs --platform=node --target=node18 --log-level=warning --outfile=pkg/error.cjs
for NAME in unimetric unimetric_arrow; do
  "$ESBUILD" "pkg/$NAME.js" --format=cjs --platform=node --target=node18 --log-level=warning \
    --define:import.meta.url=__unimetric_module_url \
    --banner:js='const __unimetric_module_url = require("node:url").pathToFileURL(__filename).href;' \
    --outfile="pkg/$NAME.cjs"
  if [[ "$(grep -c 'require("./error.js")' "pkg/$NAME.cjs")" != 1 ]]; then
    echo "build.sh: pkg/$NAME.cjs does not require ./error.js exactly once" >&2
    exit 1
  fi
  sed -i 's#require("./error.js")#require("./error.cjs")#' "pkg/$NAME.cjs"
  cp "pkg/$NAME.d.ts" "pkg/$NAME.d.cts"
done

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
cp README.md LICENSE-MIT LICENSE-APACHE pkg/
rm -f pkg/.gitignore
node pkg-config/entries.mjs pkg "$VERSION"

VERSION_LINE="built pkg/ (unimetric $VERSION):"
for WASM in pkg/unimetric_bg.wasm pkg/unimetric_arrow_bg.wasm; do
  RAW=$(wc -c < "$WASM")
  GZ=$(gzip -9 -c "$WASM" | wc -c)
  echo "$VERSION_LINE $WASM $RAW bytes, $GZ bytes gzip" >&2
done
