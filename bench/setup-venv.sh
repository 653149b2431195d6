#!/usr/bin/env bash
# A benchmark anchor's virtual environment, pinned by a full freeze; idempotent (it keeps the requirements' hash).
# usage: bash bench/setup-venv.sh <venv> <requirements> [more pip install arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
requirements=$2
shift 2
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$@" -r "$requirements"
echo "$want" > "$stamp"
