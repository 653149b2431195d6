"""Where TensorFlow's CPU time goes in a training step of bench:train's models, summed by op type.

usage: profile_tf.py <model> <batch> <steps> <threads>
  Keras's step, profiled with TensorFlow's own profiler.
usage: profile_tf.py graph <dir> <model> <batch> <threads>
  The graph engine's steps: the RunMetadata files bench/profile-graph.mjs traced (TensorFlow's step stats).
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
    report(by_type, {"engine": "keras", "model": model_name, "batch": batch, "steps": steps, "threads": threads})


def graph(trace_dir, model_name, batch, threads):
    """Sums the traced steps' op time by type: each node's own time (op start to op end), as the Keras profile does."""
    from tensorflow.core.protobuf import config_pb2

    by_type = collections.Counter()
    walls = []
    paths = sorted(glob.glob(os.path.join(trace_dir, "step-*.pb")))
    for path in paths:
        metadata = config_pb2.RunMetadata()
        with open(path, "rb") as f:
            metadata.ParseFromString(f.read())
        starts, ends = [], []
        for device in metadata.step_stats.dev_stats:
            for node in device.node_stats:
                # timeline_label: "<node> = <OpType>(<inputs>)"; the executor's own entries (_SOURCE) have none.
                op = node.timeline_label.split(" = ", 1)[1].split("(", 1)[0] if " = " in node.timeline_label else None
                if op:
                    by_type[op] += (node.op_end_rel_micros - node.op_start_rel_micros) / 1000
                starts.append(node.all_start_micros)
                ends.append(node.all_start_micros + node.all_end_rel_micros)
        walls.append((max(ends) - min(starts)) / 1000)
    report(by_type, {"engine": "graph", "model": model_name, "batch": batch, "steps": len(paths), "threads": threads,
                     "wallMsPerStep": round(sum(walls) / len(walls), 1)})


def report(by_type, header):
    steps = header["steps"]
    total = sum(by_type.values())
    top = [{"op": op, "msPerStep": round(ms / steps, 2), "share": round(ms / total, 3)} for op, ms in by_type.most_common(14)]
    print(json.dumps({**header, "opMsPerStep": round(total / steps, 1), "top": top}))


if __name__ == "__main__":
    if sys.argv[1] == "graph":
        graph(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
