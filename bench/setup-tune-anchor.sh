#!/usr/bin/env bash
# The Optuna and Ray Tune anchors of bench:tune, in its own virtual environment (pinned by a full freeze); idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-bench-tune
stamp="$venv/.requirements.sha256"
want=$(sha256sum bench/requirements-tune.txt | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements-tune.txt
echo "$want" > "$stamp"
