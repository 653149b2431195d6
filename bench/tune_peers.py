"""Anchors of bench/tune.mjs: Optuna (TPE + SuccessiveHalvingPruner) and Ray Tune (ASHA) replaying the same learning
curves, the same space, trial budget and seeds, one trial at a time. Prints one JSON line per system with, for each
seed, the epochs (and training seconds) spent until a trial reported within the tolerance of the exhaustive best."""

import json
import math
import os
import sys
import tempfile


def load(path):
    with open(path) as f:
        table = json.load(f)
    table["target"] = max(max(c["curve"][: table["maxEpochs"]]) for c in table["curves"]) - table["tolerance"]
    return table


def lookup(table, candidate, strategy, lr):
    strategy = "full" if candidate == 1 else strategy
    rate = min(table["rates"], key=lambda r: abs(math.log(r / lr)))
    return next(c for c in table["curves"] if c["candidate"] == candidate and c["strategy"] == strategy and c["lr"] == rate)


def value_at(arm, epochs):
    return max(arm["curve"][:epochs])


class Meter:
    """Counts epochs in the order they are trained, the best value seen, and when the target was first reached."""

    def __init__(self, target):
        self.target, self.epochs, self.seconds, self.best, self.reached = target, 0, 0.0, 0.0, None

    def epoch(self, arm, e):
        self.epochs += 1
        self.seconds += arm["secondsPerEpoch"]
        self.best = max(self.best, value_at(arm, e))
        if not self.reached and self.best >= self.target:
            self.reached = {"epochs": self.epochs, "seconds": self.seconds}

    def result(self):
        reached = self.reached or {"epochs": None, "seconds": None}
        return {**reached, "spent": self.epochs, "best": self.best}


def optuna_runs(table):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = []
    for seed in table["seeds"]:
        meter = Meter(table["target"])

        def objective(trial):
            candidate = trial.suggest_categorical("candidate", [0, 1])
            strategy = "full" if candidate == 1 else trial.suggest_categorical("strategy", ["feature-extraction", "full"])
            lr = trial.suggest_float("lr", table["lr"][0], table["lr"][1], log=True)
            arm = lookup(table, candidate, strategy, lr)
            for e in range(1, table["maxEpochs"] + 1):
                meter.epoch(arm, e)
                trial.report(value_at(arm, e), e)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return value_at(arm, table["maxEpochs"])

        study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=4),
            pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=table["minEpochs"], reduction_factor=table["eta"]),
        )
        study.optimize(objective, n_trials=table["trials"])
        runs.append(meter.result())
    return {"system": "optuna", "sampler": "tpe", "scheduler": "successive-halving-pruner", "runs": runs}


def ray_runs(table):
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.basic_variant import BasicVariantGenerator

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    runs = []
    storage = tempfile.mkdtemp(prefix="anneal-bench-ray-")
    for seed in table["seeds"]:

        def trainable(config):
            arm = lookup(table, config["candidate"], config["strategy"], config["lr"])
            for e in range(1, table["maxEpochs"] + 1):
                tune.report({"accuracy": value_at(arm, e), "epoch": e})

        tuner = tune.Tuner(
            trainable,
            param_space={
                "candidate": tune.choice([0, 1]),
                "strategy": tune.choice(["feature-extraction", "full"]),
                "lr": tune.loguniform(table["lr"][0], table["lr"][1]),
            },
            tune_config=tune.TuneConfig(
                metric="accuracy",
                mode="max",
                num_samples=table["trials"],
                max_concurrent_trials=1,
                scheduler=ASHAScheduler(time_attr="epoch", max_t=table["maxEpochs"], grace_period=table["minEpochs"], reduction_factor=table["eta"]),
                search_alg=BasicVariantGenerator(random_state=seed),
            ),
            run_config=tune.RunConfig(storage_path=storage, name=f"seed-{seed}", verbose=0),
        )
        results = tuner.fit()
        # One trial at a time: the trials ran in the order they were created; replay their epochs in that order.
        meter = Meter(table["target"])
        for r in sorted(results, key=lambda r: r.metrics["trial_id"]):
            c = r.config
            arm = lookup(table, c["candidate"], c["strategy"], c["lr"])
            for e in range(1, int(r.metrics["epoch"]) + 1):
                meter.epoch(arm, e)
        runs.append(meter.result())
    ray.shutdown()
    return {"system": "ray-tune", "sampler": "random", "scheduler": "asha", "runs": runs}


if __name__ == "__main__":
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    table = load(sys.argv[1])
    for run in (optuna_runs, ray_runs):
        print(json.dumps(run(table)), flush=True)
