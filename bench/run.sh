#!/usr/bin/env bash
# Runs benchmarks against their peers, single-threaded, and prints tables of figures and ratios.
# Usage: bash bench/run.sh [name…]     names are bench/<name>.mjs (default: every bench/*.mjs but lib.mjs)
# Results are appended to bench/.data/results.jsonl (git-ignored), see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash bench/setup-venv.sh

if [[ ! -f pkg/unimetric_bg.wasm || ! -f pkg/node.js ]]; then
  echo "run.sh: pkg/ not built; building it with bash pkg-config/build.sh" >&2
  bash pkg-config/build.sh
fi

if [[ $# -eq 0 ]]; then
  names=()
  for f in bench/*.mjs; do
    n="$(basename "$f" .mjs)"
    [[ "$n" == lib ]] || names+=("$n")
  done
else
  names=("$@")
fi

# One thread for every numeric library (the two vCPUs share one core's FP throughput). The
# OPENBLAS_CORETYPE/L2_SIZE overrides of this machine slow a current numpy; they are dropped for
# benchmarks only (never for tests or CI).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1 \
  VECLIB_MAXIMUM_THREADS=1 RAYON_NUM_THREADS=1 UV_THREADPOOL_SIZE=1
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

status=0
for n in "${names[@]}"; do
  f="bench/$n.mjs"
  if [[ ! -f "$f" ]]; then
    echo "run.sh: no benchmark $f" >&2
    status=2
    continue
  fi
  echo "=== $n ==="
  node --expose-gc "$f" || status=$?
done
exit "$status"
