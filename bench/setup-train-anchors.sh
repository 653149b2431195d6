#!/usr/bin/env bash
# The Keras and PyTorch anchors of bench:train, in their own virtual environment (pinned by a full freeze); idempotent.
# Needs deploy/local/setup.sh first: tensorflow-cpu comes from the wheel it keeps in .anneal/native.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-bench
stamp="$venv/.requirements.sha256"
want=$(sha256sum bench/requirements.txt | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --find-links .anneal/native -r bench/requirements.txt
echo "$want" > "$stamp"
