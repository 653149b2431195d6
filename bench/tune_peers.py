"""Anchors of bench/tune.mjs: Optuna (TPE + SuccessiveHalvingPruner) and Ray Tune (ASHA) replaying the same learning
curves, the same space, trial budget and seeds, one trial at a time. Prints one JSON line per system with, for each
seed, the epochs (and training seconds) spent until a trial reported within the tolerance of the exhaustive best.
Given epoch budgets (a JSON list, the second argument), each system also runs without a trial limit until the largest
is spent, and its line (mode "equal epochs") has the best value found at each budget.

usage: tune_peers.py <curves.json> <budgets JSON> [port]
With a port (bench/tune-trial-server.mjs's), every trial trains for real through Anneal's trainer instead of
replaying the recorded curves: the suggested rate itself, epoch by epoch as the peer asks for them."""

import itertools
import json
import math
import os
import socket
import sys
import tempfile


def load(path):
    with open(path) as f:
        table = json.load(f)
    # Curves recorded before tasks named their candidates are the digits task's: a base, then a net from scratch.
    table.setdefault("candidates", [{"pretrained": True}, {"pretrained": False}])
    table["target"] = max(max(c["curve"][: table["maxEpochs"]]) for c in table["curves"]) - table["tolerance"]
    return table


def lookup(table, candidate, strategy, lr):
    strategy = strategy if table["candidates"][candidate]["pretrained"] else "full"
    rate = min(table["rates"], key=lambda r: abs(math.log(r / lr)))
    return next(c for c in table["curves"] if c["candidate"] == candidate and c["strategy"] == strategy and c["lr"] == rate)


# Equal-epoch runs: more trials than any budget can use (at 3 epochs each, 432 epochs is 144 trials).
RAY_SAMPLE_CAP = 1000


def value_at(arm, epochs):
    return max(arm["curve"][:epochs])


class Replayed:
    """A trial's epochs from the recorded arm nearest its configuration."""

    def __init__(self, table, config):
        self.arm, self.epochs = lookup(table, config["candidate"], config["strategy"], config["lr"]), 0

    def next(self):
        self.epochs += 1
        return value_at(self.arm, self.epochs), self.arm["secondsPerEpoch"]

    def stop(self):
        pass


class Served:
    """A trial trained for real by bench/tune-trial-server.mjs, one epoch per next(); its value is its best so far
    (a trial keeps its best weights, as a replayed one does)."""

    ids = itertools.count()

    def __init__(self, client, config):
        self.client, self.trial, self.epochs, self.best = client, f"{os.getpid()}-{next(Served.ids)}", 0, 0.0
        self.client.call({"op": "start", "trial": self.trial, "candidate": config["candidate"], "strategy": config["strategy"], "lr": config["lr"]})

    def next(self):
        self.epochs += 1
        [epoch] = self.client.call({"op": "train", "trial": self.trial, "to": self.epochs})["epochs"]
        self.best = max(self.best, epoch["value"])
        return self.best, epoch["seconds"]

    def stop(self):
        self.client.call({"op": "stop", "trial": self.trial})


class Client:
    """JSON lines to the trial server; one connection per process (Ray runs trials in its own workers)."""

    def __init__(self, port):
        self.port, self.stream = port, None

    def __getstate__(self):
        return {"port": self.port, "stream": None}

    def call(self, message):
        if self.stream is None:
            self.stream = socket.create_connection(("127.0.0.1", self.port)).makefile("rw")
        self.stream.write(json.dumps(message) + "\n")
        self.stream.flush()
        reply = json.loads(self.stream.readline())
        if "error" in reply:
            raise RuntimeError(f"trial server: {reply['error']}")
        return reply


def trials_of(table, port):
    """Starts a trial of a configuration: replayed, or served for real when a server port is given."""
    client = Client(port) if port else None
    return (lambda config: Served(client, config)) if client else (lambda config: Replayed(table, config))


class Meter:
    """Counts epochs in the order they are trained, the best value seen, when the target was first reached, and the
    best at each epoch budget; once the largest budget is spent (equal-epoch runs) `spent()` says so, and the
    searches train no further."""

    def __init__(self, target, budgets=()):
        self.target, self.epochs, self.seconds, self.best, self.reached = target, 0, 0.0, 0.0, None
        self.budgets, self.best_at = list(budgets), {}
        self.limit = self.budgets[-1] if self.budgets else None

    def spent(self):
        """True once the epoch budget is spent: no more epochs are trained."""
        return self.limit is not None and self.epochs >= self.limit

    def epoch(self, value, seconds):
        """Counts one trained epoch of a trial whose best so far is `value`."""
        self.epochs += 1
        self.seconds += seconds
        self.best = max(self.best, value)
        if not self.reached and self.best >= self.target:
            self.reached = {"epochs": self.epochs, "seconds": self.seconds}
        if self.epochs in self.budgets:
            self.best_at[self.epochs] = self.best

    def result(self):
        reached = self.reached or {"epochs": None, "seconds": None}
        best_at = [self.best_at.get(b, self.best) for b in self.budgets]
        return {**reached, "spent": self.epochs, "best": self.best, "bestAt": best_at}


def mode(budgets):
    return "equal epochs" if budgets else "equal trials"


def optuna_runs(table, budgets=(), port=None):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = trials_of(table, port)
    runs = []
    for seed in table["seeds"]:
        meter = Meter(table["target"], budgets)

        def objective(trial):
            candidate = trial.suggest_categorical("candidate", list(range(len(table["candidates"]))))
            pretrained = table["candidates"][candidate]["pretrained"]
            strategy = trial.suggest_categorical("strategy", ["feature-extraction", "full"]) if pretrained else "full"
            lr = trial.suggest_float("lr", table["lr"][0], table["lr"][1], log=True)
            run = start({"candidate": candidate, "strategy": strategy, "lr": lr})
            try:
                for e in range(1, table["maxEpochs"] + 1):
                    if meter.spent():
                        trial.study.stop()
                        raise optuna.TrialPruned()
                    value, seconds = run.next()
                    meter.epoch(value, seconds)
                    trial.report(value, e)
                    if trial.should_prune():
                        raise optuna.TrialPruned()
                return value
            finally:
                run.stop()

        study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=4),
            pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=table["minEpochs"], reduction_factor=table["eta"]),
        )
        # Equal epochs: no trial limit; the objective stops the study once the budget is spent.
        study.optimize(objective, n_trials=None if budgets else table["trials"])
        runs.append(meter.result())
    return {"system": "optuna", "sampler": "tpe", "scheduler": "successive-halving-pruner", "mode": mode(budgets), "runs": runs}


def ray_runs(table, budgets=(), port=None):
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.basic_variant import BasicVariantGenerator

    class EpochBudget(tune.Stopper):
        """Ends the whole experiment once `limit` epochs (one reported result each) have run."""

        def __init__(self, limit):
            self.limit, self.count = limit, 0

        def __call__(self, trial_id, result):
            self.count += 1
            return False

        def stop_all(self):
            return self.limit is not None and self.count >= self.limit

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    start = trials_of(table, port)
    runs = []
    storage = tempfile.mkdtemp(prefix="anneal-bench-ray-")
    for seed in table["seeds"]:

        def trainable(config):
            # A trial from scratch has one strategy, as Anneal's and Optuna's spaces say.
            strategy = config["strategy"] if table["candidates"][config["candidate"]]["pretrained"] else "full"
            run = start({**config, "strategy": strategy})
            try:
                for e in range(1, table["maxEpochs"] + 1):
                    value, seconds = run.next()
                    tune.report({"accuracy": value, "seconds": seconds, "epoch": e})
            finally:
                run.stop()

        tuner = tune.Tuner(
            trainable,
            param_space={
                "candidate": tune.choice(list(range(len(table["candidates"])))),
                "strategy": tune.choice(["feature-extraction", "full"]),
                "lr": tune.loguniform(table["lr"][0], table["lr"][1]),
            },
            tune_config=tune.TuneConfig(
                metric="accuracy",
                mode="max",
                num_samples=RAY_SAMPLE_CAP if budgets else table["trials"],
                max_concurrent_trials=1,
                scheduler=ASHAScheduler(time_attr="epoch", max_t=table["maxEpochs"], grace_period=table["minEpochs"], reduction_factor=table["eta"]),
                search_alg=BasicVariantGenerator(random_state=seed),
            ),
            run_config=tune.RunConfig(
                storage_path=storage,
                name=f"seed-{seed}-{len(budgets)}",
                verbose=0,
                stop=EpochBudget(budgets[-1] if budgets else None),
            ),
        )
        results = tuner.fit()
        # One trial at a time: the trials ran in the order they were created; count their epochs in that order.
        meter = Meter(table["target"], budgets)
        for r in sorted(results, key=lambda r: r.metrics["trial_id"]):
            for row in r.metrics_dataframe.sort_values("epoch").itertuples():
                if not meter.spent():
                    meter.epoch(row.accuracy, row.seconds)
        runs.append(meter.result())
    ray.shutdown()
    return {"system": "ray-tune", "sampler": "random", "scheduler": "asha", "mode": mode(budgets), "runs": runs}


if __name__ == "__main__":
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    table = load(sys.argv[1])
    budgets = json.loads(sys.argv[2]) if len(sys.argv) > 2 else []
    port = int(sys.argv[3]) if len(sys.argv) > 3 else None
    # Ray Tune takes about 3 s a trial here: equal epochs (up to 144 trials a seed) only when asked.
    equal_epochs = {optuna_runs: True, ray_runs: os.environ.get("BENCH_TUNE_RAY_EQUAL_EPOCHS") == "1"}
    for run in (optuna_runs, ray_runs):
        print(json.dumps(run(table, port=port)), flush=True)
        if budgets and equal_epochs[run]:
            print(json.dumps(run(table, budgets, port=port)), flush=True)
