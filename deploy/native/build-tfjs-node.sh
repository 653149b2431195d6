#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon from source against the TensorFlow C library that PyPI's
# tensorflow-cpu wheel ships, so the native `tensorflow` backend works without Google's download host
# (tfjs-node's own install script fetches libtensorflow from there; .npmrc turns install scripts off).
# Idempotent: does nothing when the addon is built for the pinned wheel and loads.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pkg="$root/node_modules/@tensorflow/tfjs-node"
req="$root/deploy/native/tensorflow-cpu.txt"
cache="${ANNEAL_HOME:-$root/.anneal}/native"
addon_dir="$pkg/lib/napi-v8"
stamp="$addon_dir/.built-from"
want="$(grep -v '^#' "$req" | tr -d '\n' | sha256sum | cut -d' ' -f1)"

[ -d "$pkg" ] || { echo "build-tfjs-node: $pkg is missing: run npm ci first" >&2; exit 1; }
loads() { (cd "$root" && node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1); }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && loads; then exit 0; fi

echo "building the tfjs-node addon against tensorflow-cpu from PyPI (pinned in $req) ..." >&2
mkdir -p "$cache"
"${PYTHON:-python3}" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
  --python-version 3.11 --implementation cp --platform manylinux_2_27_x86_64 -r "$req" -d "$cache"
wheel="$(ls "$cache"/tensorflow_cpu-*.whl | head -n 1)"

rm -rf "$pkg/deps" && mkdir -p "$pkg/deps/lib"
"${PYTHON:-python3}" - "$wheel" "$pkg/deps" <<'PY'
import sys, zipfile, os, shutil
wheel, deps = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            target = os.path.join(deps, 'lib', os.path.basename(name))
        elif name.startswith('tensorflow/include/') and not name.endswith('/'):
            target = os.path.join(deps, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(name) as src, open(target, 'wb') as dst:
            shutil.copyfileobj(src, dst)
PY
# The C API lives in libtensorflow_cc in the wheel; the addon links -ltensorflow.
ln -sf libtensorflow_cc.so.2 "$pkg/deps/lib/libtensorflow.so.2"
ln -sf libtensorflow_cc.so.2 "$pkg/deps/lib/libtensorflow.so"
ln -sf libtensorflow_framework.so.2 "$pkg/deps/lib/libtensorflow_framework.so"

nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ -f "$nodedir/include/node/node_api.h" ] || { echo "build-tfjs-node: Node.js headers not found under $nodedir/include/node" >&2; exit 1; }
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
(cd "$pkg" && node "$gyp" rebuild --nodedir="$nodedir" -j "$(nproc)" \
  --module_name=tfjs_binding --module_path="$addon_dir" --napi_build_version=8 >"$cache/node-gyp.log" 2>&1) \
  || { tail -n 30 "$cache/node-gyp.log" >&2; exit 1; }
rm -rf "$pkg/build/Release/obj.target"
loads || { echo "build-tfjs-node: the addon was built but @tensorflow/tfjs-node does not load" >&2; (cd "$root" && node -e "require('@tensorflow/tfjs-node')") >&2; exit 1; }
rm -rf "$pkg/deps/include" "$pkg/build"  # headers and objects are build-time only
echo "$want" > "$stamp"
echo "tfjs-node addon built ($(cd "$root" && node -p "require('@tensorflow/tfjs-node').version.tfjs"))" >&2
