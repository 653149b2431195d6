"""Peers' side of the resume-after-a-kill benchmark: Optuna and Ray Tune run the same simulated study (TRIALS trials of
EPOCHS epochs, PARALLEL at a time, seeded random search over a log-uniform learning rate, no pruning), each set up the
documented way to survive a crash: per-epoch checkpoints, and on `resume` the system's own way of continuing the study.
Every epoch first appends a line to <workdir>/epochs.jsonl, so the orchestrator (which SIGKILLs our process group) sees
from the log alone which epochs were trained twice and how long the resume took until training went on.

usage: tune_resume.py <optuna|ray> <workdir> <fresh|resume>
env: TRIALS=6 EPOCHS=6 PARALLEL=2 EPOCH_S=0.5 SEED=0 GRACE_S=10
Prints one JSON line at the end: {"system", "phase", "trialsComplete", "version"}."""

import contextlib
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings

KNOBS = {name: float(os.environ.get(name, default)) for name, default in
         [("TRIALS", 6), ("EPOCHS", 6), ("PARALLEL", 2), ("EPOCH_S", 0.5), ("SEED", 0), ("GRACE_S", 10)]}
TRIALS, EPOCHS, PARALLEL, SEED, GRACE_S = (int(KNOBS[k]) for k in ("TRIALS", "EPOCHS", "PARALLEL", "SEED", "GRACE_S"))
EPOCH_S = KNOBS["EPOCH_S"]
LR = (1e-4, 1e-1)


def score(lr, epoch):
    """The simulated objective: best near lr = 1e-2, rising with the epochs."""
    return 1 - abs(math.log10(lr) + 2) / 4 - 0.2 / (epoch + 1)


def log_epoch(workdir, system, trial, epoch):
    """One line per epoch started, a single write on an O_APPEND descriptor (threads and processes share the file),
    fsync'ed so that a SIGKILL right after it cannot lose it."""
    line = json.dumps({"system": system, "trial": trial, "epoch": epoch, "t": time.time(), "pid": os.getpid()}) + "\n"
    fd = os.open(os.path.join(workdir, "epochs.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path, value):
    """Write then rename, so a kill mid-write leaves the previous checkpoint, never a torn one. The temporary name is
    the writer's own: Optuna was once seen running one retried trial in both threads at once (see tune-resume.mjs)."""
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def run_optuna(workdir, phase):
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    checkpoints = os.path.join(workdir, "checkpoints")
    os.makedirs(checkpoints, exist_ok=True)
    # Optuna 5.1 names the retry callback RetryHeartbeatStaleTrialCallback and the argument heartbeat_stale_trial_callback;
    # RetryFailedTrialCallback / failed_trial_callback are deprecated aliases of the same thing.
    storage = optuna.storages.RDBStorage(
        f"sqlite:///{os.path.join(workdir, 'study.db')}", heartbeat_interval=1, grace_period=GRACE_S,
        heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3))
    study = optuna.create_study(study_name="resume", storage=storage, load_if_exists=True, direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=SEED))

    def objective(trial):
        # A retry already holds the failed trial's params, so this returns the original lr (no new sample).
        lr = trial.suggest_float("lr", *LR, log=True)
        # retried_trial_number reads system_attrs, which only a FrozenTrial has in Optuna 5 (the live Trial lost it, so
        # the optuna-examples call with `trial` raises AttributeError); it already follows a chain back to the first.
        frozen = trial.study.get_trials(deepcopy=False)[trial.number]
        original = RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)
        key = trial.number if original is None else original
        path = os.path.join(checkpoints, f"{key}.json")
        start = 0
        if original is not None and os.path.exists(path):
            with open(path) as f:
                start = json.load(f)["epoch"] + 1
        value = score(lr, start - 1) if start else None
        for epoch in range(start, EPOCHS):
            log_epoch(workdir, "optuna", key, epoch)
            time.sleep(EPOCH_S)
            write_json(path, {"epoch": epoch, "lr": lr})
            value = score(lr, epoch)
            trial.report(value, epoch)
        return value

    if phase == "resume":
        settle_stale_trials(study, TrialState)
    complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    # n_trials is what is left, so the threads never start a trial beyond TRIALS (a bare MaxTrialsCallback would let
    # the other thread start one more while the last one runs); the callback guards the COMPLETE total on top of it.
    # The retries wait in the queue and are taken (ask) before any new trial is sampled.
    study.optimize(objective, n_trials=max(TRIALS - complete, 0), n_jobs=PARALLEL,
                   callbacks=[optuna.study.MaxTrialsCallback(TRIALS, states=(TrialState.COMPLETE,))])
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))), optuna.__version__


def settle_stale_trials(study, TrialState):
    """The killed trials stay RUNNING until GRACE_S passes without a heartbeat; only then does fail_stale_trials fail
    them and queue their retries. optimize() checks just once per trial it starts, so without this wait it would
    sample new trials first and run the retries last (or never), so we poll the documented function until none is left."""
    import optuna

    deadline = time.time() + GRACE_S + 30
    while True:
        optuna.storages.fail_stale_trials(study)
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if not running:
            return
        if time.time() > deadline:
            # A trial killed before its first heartbeat is never stale; say so and go on, it is not retried.
            print(f"tune_resume: trials {[t.number for t in running]} still RUNNING after {GRACE_S + 30}s",
                  file=sys.stderr)
            return
        time.sleep(0.25)


def ray_temp_dir(workdir):
    """Ray's sockets live under <temp>/session_<date>_<pid>/sockets/ and a Unix socket path has at most 107 bytes;
    the session part takes about 65, so a workdir path that is too long gets a short directory under /tmp instead."""
    inside = os.path.join(workdir, "ray_tmp")
    if len(inside) <= 40:
        os.makedirs(inside, exist_ok=True)
        return inside, False
    return tempfile.mkdtemp(prefix="anneal-ray-"), True


def run_ray(workdir, phase):
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network here: no usage-stats report
    # Tuner.restore resumes each trial from the checkpoint named in the last experiment-state snapshot. Ray's default
    # (TUNE_GLOBAL_CHECKPOINT_S="auto") snapshots every >= 10 s, so a kill re-runs up to 10 s of epochs, finished trials
    # too. Every 1 s is the knob's crash-safe middle: 0 (every step), like CheckpointConfig(num_to_keep) which forces one
    # per checkpoint, made kills land in the non-atomic snapshot write/copy, leaving a torn experiment_state file (or
    # one naming a checkpoint num_to_keep had deleted) that restore cannot use. The orchestrator may override it.
    os.environ.setdefault("TUNE_GLOBAL_CHECKPOINT_S", "1")
    import ray
    from ray import tune
    from ray.tune.search.basic_variant import BasicVariantGenerator

    temp_dir, temporary = ray_temp_dir(workdir)
    # address="local" always starts a fresh local instance: a killed run's session dir is left behind unused, and no
    # other Ray running on the machine is joined. The daemons share our process group and die with it; the trial
    # workers sit in their own groups (same session) and exit a few seconds after their raylet is gone.
    ray.init(address="local", num_cpus=PARALLEL, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             _temp_dir=temp_dir)
    epochs, epoch_s = EPOCHS, EPOCH_S  # plain values for the closure that runs in the worker processes

    def trainable(config):
        import ray.tune

        key = ray.tune.get_context().get_trial_id()  # kept by Tuner.restore, so the same for the continued trial
        start = 0
        checkpoint = ray.tune.get_checkpoint()
        if checkpoint:
            with checkpoint.as_directory() as d, open(os.path.join(d, "state.json")) as f:
                start = json.load(f)["epoch"] + 1
        for epoch in range(start, epochs):
            log_epoch(workdir, "ray", key, epoch)
            time.sleep(epoch_s)
            with tempfile.TemporaryDirectory() as d:
                write_json(os.path.join(d, "state.json"), {"epoch": epoch, "lr": config["lr"]})
                ray.tune.report({"score": score(config["lr"], epoch), "epoch": epoch + 1},
                                checkpoint=ray.tune.Checkpoint.from_directory(d))

    storage_path = os.path.join(workdir, "ray_results")
    if phase == "fresh":
        tuner = tune.Tuner(
            trainable,
            param_space={"lr": tune.loguniform(*LR)},
            tune_config=tune.TuneConfig(metric="score", mode="max", num_samples=TRIALS, max_concurrent_trials=PARALLEL,
                                        search_alg=BasicVariantGenerator(random_state=SEED)),
            # fail_fast: a restore that cannot read the snapshot raises instead of Ray's default, which logs it and
            # silently starts the experiment over.
            run_config=tune.RunConfig(name="resume", storage_path=storage_path, verbose=0,
                                      failure_config=tune.FailureConfig(fail_fast=True)))
    else:
        tuner = tune.Tuner.restore(os.path.join(storage_path, "resume"), trainable=trainable,
                                   resume_unfinished=True, resume_errored=True)
    results = tuner.fit()
    if results.errors:
        raise results.errors[0]
    complete = sum(1 for r in results if r.error is None and r.metrics.get("epoch") == EPOCHS)
    ray.shutdown()
    if temporary:
        shutil.rmtree(temp_dir, ignore_errors=True)  # only our own scratch dir; a killed run leaves its one behind
    return complete, ray.__version__


def main(argv):
    if len(argv) != 4 or argv[1] not in ("optuna", "ray") or argv[3] not in ("fresh", "resume"):
        sys.exit("usage: tune_resume.py <optuna|ray> <workdir> <fresh|resume>")
    system, workdir, phase = argv[1], os.path.abspath(argv[2]), argv[3]
    if not os.path.isdir(workdir):
        sys.exit(f"tune_resume.py: no directory {workdir}")
    with contextlib.redirect_stdout(sys.stderr):  # Ray Tune prints its config table even at verbose=0; stdout is ours
        complete, version = (run_optuna if system == "optuna" else run_ray)(workdir, phase)
    print(json.dumps({"system": system, "phase": phase, "trialsComplete": complete, "version": version}), flush=True)
    if complete < TRIALS:
        sys.exit(f"tune_resume.py: only {complete} of {TRIALS} trials complete")


if __name__ == "__main__":
    main(sys.argv)
