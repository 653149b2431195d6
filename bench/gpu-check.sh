#!/usr/bin/env bash
# A short check for a machine with an NVIDIA GPU (issue 14): what the machine offers the GPU route
# (driver, the CUDA libraries TensorFlow 2.21 loads, Node.js), and PyTorch's training throughput on the GPU for
# bench:train's two models: the figure a GPU worker of Anneal's should be held to.
# usage: bash bench/gpu-check.sh   (prints plain text and one JSON line per model and batch)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

echo "== GPU and driver"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader || echo "nvidia-smi failed"
nvidia-smi | grep -m1 -o 'CUDA Version: [0-9.]*' || true

# TensorFlow 2.21 (PyPI's tensorflow, the graph engine's GPU build) dlopens these: the CUDA 12 runtime and cuDNN 9.
echo "== CUDA libraries a GPU TensorFlow 2.21 loads (found in the loader cache or any nvidia wheel)"
for lib in libcuda.so.1 libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcudnn.so.9 libcufft.so.11 \
  libcusparse.so.12 libcusolver.so.11 libnccl.so.2 libcudart.so.13 libcublas.so.13; do
  at="$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')"
  [ -n "$at" ] || at="$(find / -xdev -name "$lib" -path '*nvidia*' 2>/dev/null | head -n 1)"
  echo "$lib: ${at:-not found}"
done
echo "node: $(command -v node >/dev/null && node --version || echo 'not installed')"
python3 -c 'import tensorflow as t; print("tensorflow", t.__version__)' 2>/dev/null || echo "tensorflow: not installed"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'

echo "== PyTorch training throughput on the GPU (samples/s; nchw, channels_last, torch.compile of the better)"
for run in "demo-cnn 64 200" "demo-cnn 512 100" "mobilenet-v2 16 100" "mobilenet-v2 128 50"; do
  # shellcheck disable=SC2086 # model, batch and steps as three words
  TORCH_DEVICE=cuda PYTHONUNBUFFERED=1 python3 "$here/torch_train.py" throughput $run "$(nproc)" \
    | sed "s/^/{\"model\": \"${run%% *}\", \"batch\": $(echo "$run" | cut -d' ' -f2), \"result\": /; s/\$/}/" \
    || echo "torch_train.py failed for $run"
done
