"""Where TensorFlow's CPU time goes in one training step of bench:train's MobileNetV2 (96x96, batch 16): the
kernels the graph engine runs too (it is the same TensorFlow library), profiled through Keras with TensorFlow's own
profiler, summed by op type.

usage: profile_tf.py <model> <batch> <steps> <threads>
Prints one JSON object: total op time per step and the op types by share, largest first.
"""
import collections, json, os, sys, tempfile, glob

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from keras_train import warmed_up  # noqa: E402


def main(model_name, batch, steps, threads):
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    model, x, y = warmed_up(model_name, batch, steps)
    logdir = tempfile.mkdtemp(prefix="anneal-profile-")
    tf.profiler.experimental.start(logdir)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    tf.profiler.experimental.stop()
    [path] = glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)
    space = xplane_pb2.XSpace()
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    by_type = collections.Counter()
    for plane in space.planes:
        names = {k: v.name for k, v in plane.event_metadata.items()}
        # The executor's threads run the ops; an op event is named "<node name>:<op type>" (the profiler's own
        # events are "Class::Method"). Its duration is the op's wall time, its parallel shards included.
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if ":" in name and "::" not in name:
                    by_type[name.rsplit(":", 1)[-1]] += event.duration_ps / 1e9
    total = sum(by_type.values())
    top = [{"op": op, "msPerStep": round(ms / steps, 2), "share": round(ms / total, 3)} for op, ms in by_type.most_common(12)]
    print(json.dumps({"model": model_name, "batch": batch, "steps": steps, "threads": threads, "opMsPerStep": round(total / steps, 1), "top": top}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
