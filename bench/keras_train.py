"""Keras anchor for bench/train.mjs: the same architectures, batch size, steps and thread count.

usage: keras_train.py throughput <model> <batch> <steps> <threads>
       keras_train.py transfer <data-dir> <threads>
Prints one JSON object.
"""
import json, os, resource, sys, time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402
from tensorflow.keras import layers  # noqa: E402

STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def demo_cnn(classes=10):
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(classes, activation="softmax"),
    ])


def mobilenet_v2(size=96):
    relu6 = lambda x: layers.ReLU(max_value=6)(x)  # noqa: E731
    bn = lambda x: layers.BatchNormalization()(x)  # noqa: E731
    inp = keras.Input((size, size, 3))
    x = relu6(bn(layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False)(inp)))
    channels = 32
    for t, c, n, s in STAGES:
        for i in range(n):
            stride = s if i == 0 else 1
            y = x
            if t != 1:
                y = relu6(bn(layers.Conv2D(channels * t, 1, use_bias=False)(y)))
            y = relu6(bn(layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(y)))
            y = bn(layers.Conv2D(c, 1, use_bias=False)(y))
            x = layers.Add()([x, y]) if stride == 1 and channels == c else y
            channels = c
    x = relu6(bn(layers.Conv2D(1280, 1, use_bias=False)(x)))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Dense(10, activation="softmax")(x))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warmed_up(model_name, batch, steps):
    """The model compiled with Adam and traced by two warm-up steps, and `steps` batches of random data."""
    model = demo_cnn() if model_name == "demo-cnn" else mobilenet_v2()
    shape = (28, 28, 1) if model_name == "demo-cnn" else (96, 96, 3)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((batch * steps,) + shape, dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, batch * steps), 10)
    model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)  # warm-up: graph tracing
    return model, x, y


def throughput(model_name, batch, steps, threads):
    model, x, y = warmed_up(model_name, batch, steps)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    seconds = time.perf_counter() - t0
    return {"samplesPerSec": batch * steps / seconds, "peakRssMb": peak_rss_mb()}


def transfer(data_dir, threads):
    def load(name, shape):
        return np.fromfile(os.path.join(data_dir, name), dtype=np.float32).reshape(shape)
    meta = json.load(open(os.path.join(data_dir, "meta.json")))
    out = {}
    for part in ("pre", "ft"):
        for split in ("train", "val", "test"):
            n = meta[f"{part}_{split}"]
            out[f"{part}_{split}"] = (load(f"{part}_{split}_x.f32", (n, 28, 28, 1)), load(f"{part}_{split}_y.f32", (n, 5)))
    base = demo_cnn(classes=5)
    base.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    base.fit(*out["pre_train"], batch_size=64, epochs=meta["pre_epochs"], validation_data=out["pre_val"], verbose=0)
    results = {}
    for strategy in ("feature-extraction", "full", "scratch"):
        model = demo_cnn(classes=5)
        if strategy != "scratch":
            for src, dst in zip(base.layers[:-1], model.layers[:-1]):
                dst.set_weights(src.get_weights())
        if strategy == "feature-extraction":
            for layer in model.layers[:5]:  # the conv/pool/flatten feature layers
                layer.trainable = False
        model.compile(optimizer=keras.optimizers.Adam(meta["ft_lr"]), loss="categorical_crossentropy", metrics=["accuracy"])
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
        model.fit(*out["ft_train"], batch_size=32, epochs=meta["ft_epochs"], validation_data=out["ft_val"], callbacks=[stop], verbose=0)
        results[strategy] = float(model.evaluate(*out["ft_test"], verbose=0)[1])
    return results


if __name__ == "__main__":
    threads = int(sys.argv[-1])
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    if sys.argv[1] == "throughput":
        print(json.dumps(throughput(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), threads)))
    else:
        print(json.dumps(transfer(sys.argv[2], threads)))
