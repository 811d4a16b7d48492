#!/usr/bin/env bash
# Regenerates docs/GLOSSARY.md and the README metric table from the definitions in the code.
set -euo pipefail
cd "$(dirname "$0")/.."
UNIMETRIC_BLESS=1 cargo test --quiet --test glossary >/dev/null
echo "docs/GLOSSARY.md and the README metric table regenerated" >&2
