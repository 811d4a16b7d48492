#!/usr/bin/env bash
# Regenerates docs/GLOSSARY.md, the README metric table and tests/fixtures/definition_versions.csv
# from the definitions in the code (the last only when every changed definition has a new version).
set -euo pipefail
cd "$(dirname "$0")/.."
UNIMETRIC_BLESS=1 cargo test --quiet --test glossary >/dev/null
echo "docs/GLOSSARY.md, the README metric table and tests/fixtures/definition_versions.csv regenerated" >&2
