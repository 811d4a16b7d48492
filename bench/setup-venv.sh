#!/usr/bin/env bash
# Creates bench/.venv with the Python peers pinned in bench/requirements.txt (lifetimes, pandas,
# numpy, scipy, scikit-learn, statsmodels) and bench/requirements-nodeps.txt (gbstats, installed
# without its dependency caps). Idempotent: a stamp file holds the hash of both files and the
# Python version; when it matches, nothing is done.
# Usage: bash bench/setup-venv.sh [--force]
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
REQ=requirements.txt
REQ_NODEPS=requirements-nodeps.txt
STAMP="$VENV/.requirements.stamp"
PYTHON="${PYTHON:-python3}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup-venv.sh: $PYTHON not found; install Python 3 (apt-get install -y python3 python3-venv)" >&2
  exit 1
fi

WANT="$( { sha256sum "$REQ" "$REQ_NODEPS" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

if [[ "${1:-}" != "--force" && -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  echo "setup-venv.sh: bench/$VENV up to date" >&2
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup-venv.sh: creating bench/$VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi

echo "setup-venv.sh: installing bench/$REQ into bench/$VENV" >&2
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$REQ_NODEPS" >&2
# Fail here, not in a benchmark, if the peers do not import.
"$VENV/bin/python" - <<'PY' >&2
import warnings
warnings.simplefilter("ignore")
import lifetimes, numpy, pandas, scipy, sklearn, statsmodels, gbstats, ChannelAttribution
from lifetimes.utils import summary_data_from_transaction_data  # noqa: F401
from gbstats.frequentist.tests import SequentialTwoSidedTTest  # noqa: F401
from gbstats.bayesian.tests import EffectBayesianABTest  # noqa: F401
print(f"setup-venv.sh: lifetimes {lifetimes.__version__}, pandas {pandas.__version__}, "
      f"numpy {numpy.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
      f"statsmodels {statsmodels.__version__}, gbstats {gbstats.__version__}")
PY
echo "$WANT" > "$STAMP"
