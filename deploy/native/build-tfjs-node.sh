#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon from source against the TensorFlow C library that a PyPI wheel
# ships, so the native `tensorflow` backend works without Google's download host (tfjs-node's own install script
# fetches libtensorflow from there; .npmrc turns install scripts off). Then builds @anneal/tf-graph's addon (the graph
# training engine) against the same library and headers.
#   ANNEAL_TF_BUILD=cpu (default): PyPI's tensorflow-cpu (274 MB download, CPU only).
#   ANNEAL_TF_BUILD=gpu: PyPI's tensorflow, built with CUDA (572 MB download): it trains on an NVIDIA GPU where one is
#     visible and the CUDA 12 libraries load, and on the CPU where not (as fast as the cpu build there:
#     bench/train-worker.mjs). Not the default because on a machine without a GPU its TensorFlow prints three lines
#     at every start (no CUDA driver), before TF_CPP_MIN_LOG_LEVEL applies.
#   ANNEAL_CUDA_WHEELS=1 (with gpu): also NVIDIA's CUDA 12 runtime wheels (deploy/native/cuda-runtime-cu12.txt),
#     unpacked where TensorFlow's library looks for them (deps/nvidia/*/lib), so a GPU machine needs only a driver.
# Idempotent: does nothing when both addons are built for the pinned wheels and load.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pkg="$root/node_modules/@tensorflow/tfjs-node"
variant="${ANNEAL_TF_BUILD:-cpu}"
with_cuda="${ANNEAL_CUDA_WHEELS:-0}"
case "$variant" in cpu | gpu) ;; *) echo "build-tfjs-node: ANNEAL_TF_BUILD must be cpu or gpu, found '$variant'" >&2; exit 2 ;; esac
case "$with_cuda" in 0) ;; 1) [ "$variant" = gpu ] || { echo "build-tfjs-node: ANNEAL_CUDA_WHEELS=1 needs ANNEAL_TF_BUILD=gpu" >&2; exit 2; } ;;
  *) echo "build-tfjs-node: ANNEAL_CUDA_WHEELS must be 0 or 1, found '$with_cuda'" >&2; exit 2 ;; esac
req="$root/deploy/native/tensorflow-$variant.txt"
cuda_req="$root/deploy/native/cuda-runtime-cu12.txt"
cache="${ANNEAL_HOME:-$root/.anneal}/native"
addon_dir="$pkg/lib/napi-v8"
stamp="$addon_dir/.built-from"
# The stamp covers the pinned wheels and the graph addon's sources: a change to either rebuilds.
want="$( (echo "$variant $with_cuda"; grep -v '^#' "$req" | tr -d '\n'; [ "$with_cuda" = 0 ] || grep -v '^#' "$cuda_req";
  cat "$root/packages/tf-graph/binding.gyp" "$root/packages/tf-graph/native/"*) | sha256sum | cut -d' ' -f1)"

[ -d "$pkg" ] || { echo "build-tfjs-node: $pkg is missing: run npm ci first" >&2; exit 1; }
graph_addon="$root/packages/tf-graph/build/Release/tf_graph.node"
loads() { (cd "$root" && node -e "require('@tensorflow/tfjs-node'); require('$graph_addon')" >/dev/null 2>&1); }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && loads; then exit 0; fi

pin="$(grep -v '^#' "$req" | head -n 1 | cut -d' ' -f1)"  # tensorflow-cpu==2.21.0
echo "building the tfjs-node addon against $pin from PyPI (pinned in $req) ..." >&2
mkdir -p "$cache"
download() {
  "${PYTHON:-python3}" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
    --python-version 3.11 --implementation cp --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -r "$1" -d "$2"
}
# The cached wheel a pin (name==version) names: older versions may lie beside it.
wheel_of() { ls "$2/$(echo "${1%%==*}" | tr - _)-${1##*==}-"*.whl | head -n 1; }
download "$req" "$cache"
wheel="$(wheel_of "$pin" "$cache")"

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
if [ "$with_cuda" = 1 ]; then
  # TensorFlow dlopens the CUDA libraries through its RUNPATH, $ORIGIN/../nvidia/<name>/lib: deps/nvidia here.
  mkdir -p "$cache/cuda" && download "$cuda_req" "$cache/cuda"
  mapfile -t cuda_wheels < <(grep -v '^#' "$cuda_req" | cut -d' ' -f1 | while read -r p; do wheel_of "$p" "$cache/cuda"; done)
  "${PYTHON:-python3}" - "$pkg/deps" "${cuda_wheels[@]}" <<'PY'
import sys, zipfile
deps, wheels = sys.argv[1], sys.argv[2:]
for wheel in wheels:
    with zipfile.ZipFile(wheel) as z:  # nvidia/<name>/lib/*: the libraries (headers and tools are not needed)
        z.extractall(deps, [n for n in z.namelist() if n.startswith('nvidia/') and '/lib/' in n])
PY
fi
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
echo "tfjs-node and tf-graph addons built ($(cd "$root" && TF_CPP_MIN_LOG_LEVEL=2 node -p "require('@tensorflow/tfjs-node').version.tfjs"))" >&2
