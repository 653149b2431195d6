#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon from source against the TensorFlow C library that PyPI's
# tensorflow-cpu wheel ships, so the native `tensorflow` backend works without Google's download host
# (tfjs-node's own install script fetches libtensorflow from there; .npmrc turns install scripts off).
# Then builds @anneal/tf-graph's addon (the graph training engine) against the same library and headers.
# Idempotent: does nothing when both addons are built for the pinned wheel and load.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pkg="$root/node_modules/@tensorflow/tfjs-node"
req="$root/deploy/native/tensorflow-cpu.txt"
cache="${ANNEAL_HOME:-$root/.anneal}/native"
addon_dir="$pkg/lib/napi-v8"
stamp="$addon_dir/.built-from"
# The stamp covers the pinned wheel and the graph addon's sources: a change to either rebuilds.
want="$( (grep -v '^#' "$req" | tr -d '\n'; cat "$root/packages/tf-graph/binding.gyp" "$root/packages/tf-graph/native/"*) | sha256sum | cut -d' ' -f1)"

[ -d "$pkg" ] || { echo "build-tfjs-node: $pkg is missing: run npm ci first" >&2; exit 1; }
graph_addon="$root/packages/tf-graph/build/Release/tf_graph.node"
loads() { (cd "$root" && node -e "require('@tensorflow/tfjs-node'); require('$graph_addon')" >/dev/null 2>&1); }
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
# npm's own node-gyp (npm from nodejs.org), else Debian's node-gyp package (npm from Debian does not bundle it).
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || gyp="$(readlink -f "$(command -v node-gyp)")"
[ -f "$gyp" ] || { echo "build-tfjs-node: node-gyp not found (npm's own, or Debian's node-gyp package)" >&2; exit 1; }
# PYTHON above is for pip; node-gyp picks its own python3 (Debian's node-gyp needs the system one, with its gyp module).
(cd "$pkg" && env -u PYTHON node "$gyp" rebuild --nodedir="$nodedir" -j "$(nproc)" \
  --module_name=tfjs_binding --module_path="$addon_dir" --napi_build_version=8 >"$cache/node-gyp.log" 2>&1) \
  || { tail -n 30 "$cache/node-gyp.log" >&2; exit 1; }
rm -rf "$pkg/build/Release/obj.target"
(cd "$root/packages/tf-graph" && env -u PYTHON node "$gyp" rebuild --nodedir="$nodedir" -j "$(nproc)" -- -Dtf_include="$pkg/deps/include" -Dtf_lib="$pkg/deps/lib" \
  >"$cache/node-gyp-tf-graph.log" 2>&1) || { tail -n 30 "$cache/node-gyp-tf-graph.log" >&2; exit 1; }
rm -rf "$root/packages/tf-graph/build/Release/obj.target"
loads || { echo "build-tfjs-node: the addon was built but @tensorflow/tfjs-node does not load" >&2; (cd "$root" && node -e "require('@tensorflow/tfjs-node')") >&2; exit 1; }
rm -rf "$pkg/deps/include" "$pkg/build"  # headers and objects are build-time only
echo "$want" > "$stamp"
echo "tfjs-node and tf-graph addons built ($(cd "$root" && node -p "require('@tensorflow/tfjs-node').version.tfjs"))" >&2
