"""PyTorch anchor for bench/train.mjs: the same architectures as keras_train.py, batch size, steps and thread count.

Each model is timed in PyTorch's default layout (NCHW), with channels_last, and with torch.compile on top of the
better of the two; the best is the anchor, and every variant is reported.

usage: torch_train.py throughput <model> <batch> <steps> <threads>
Prints one JSON object. TORCH_DEVICE=cuda times the same models on a GPU (bench/gpu-check.sh: the GPU reference).
"""
import os
import json
import resource
import sys
import time

import torch
from torch import nn

DEVICE = torch.device(os.environ.get("TORCH_DEVICE", "cpu"))

STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def demo_cnn(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, classes),
    )


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, t, stride):
        super().__init__()
        hidden = cin * t
        layers = [] if t == 1 else [nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()]
        layers += [
            nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout),
        ]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


def mobilenet_v2(classes=10):
    layers = [nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU6()]
    channels = 32
    for t, c, n, s in STAGES:
        for i in range(n):
            layers.append(InvertedResidual(channels, c, t, s if i == 0 else 1))
            channels = c
    layers += [nn.Conv2d(channels, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, classes)]
    return nn.Sequential(*layers)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synchronize():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def timed(model_name, batch, steps, channels_last, compiled):
    torch.manual_seed(0)
    model = demo_cnn() if model_name == "demo-cnn" else mobilenet_v2()
    shape = (1, 28, 28) if model_name == "demo-cnn" else (3, 96, 96)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(DEVICE, memory_format=fmt).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()  # softmax + cross-entropy, as the Keras and tfjs models train
    x = torch.rand((batch * steps,) + shape, device=DEVICE).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (batch * steps,), device=DEVICE)

    def step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    run = torch.compile(step) if compiled else step
    for i in range(2):  # warm-up, as the Keras anchor's: tracing or compiling, allocator
        run(x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
    synchronize()
    t0 = time.perf_counter()
    for i in range(steps):
        run(x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
    synchronize()  # a GPU runs the steps asynchronously: time them to their end
    return batch * steps / (time.perf_counter() - t0)


def throughput(model_name, batch, steps):
    variants = {"nchw": timed(model_name, batch, steps, False, False), "channels_last": timed(model_name, batch, steps, True, False)}
    layout = max(variants, key=variants.get)
    try:
        variants[f"{layout}+compile"] = timed(model_name, batch, steps, layout == "channels_last", True)
    except Exception as err:  # noqa: BLE001 — reported, not hidden: torch.compile needs a C++ compiler at run time
        variants[f"{layout}+compile"] = f"failed: {str(err).splitlines()[0][:200]}"
    numbers = {k: v for k, v in variants.items() if isinstance(v, float)}
    best = max(numbers, key=numbers.get)
    return {
        "samplesPerSec": numbers[best],
        "variant": best,
        "variants": {k: (round(v, 1) if isinstance(v, float) else v) for k, v in variants.items()},
        "peakRssMb": peak_rss_mb(),
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name() if DEVICE.type == "cuda" else "cpu",
    }


if __name__ == "__main__":
    threads = int(sys.argv[-1])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    print(json.dumps(throughput(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
