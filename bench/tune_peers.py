"""Anchors of bench/tune.mjs: Optuna (TPE + SuccessiveHalvingPruner) and Ray Tune (ASHA) replaying the same learning
curves, the same space, trial budget and seeds, one trial at a time. Prints one JSON line per system with, for each
seed, the epochs (and training seconds) spent until a trial reported within the tolerance of the exhaustive best.
Given epoch budgets (a JSON list, the second argument), each system also runs without a trial limit until the largest
is spent, and its line (mode "equal epochs") has the best value found at each budget."""

import json
import math
import os
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


class Meter:
    """Counts epochs in the order they are trained, the best value seen, when the target was first reached, and the
    best at each epoch budget; past the largest budget (equal-epoch runs) it counts no more and says so."""

    def __init__(self, target, budgets=()):
        self.target, self.epochs, self.seconds, self.best, self.reached = target, 0, 0.0, 0.0, None
        self.budgets, self.best_at = list(budgets), {}
        self.limit = self.budgets[-1] if self.budgets else None

    def epoch(self, arm, e):
        """Counts epoch `e` of `arm`; False when the budget is spent (the epoch is not trained)."""
        if self.limit is not None and self.epochs >= self.limit:
            return False
        self.epochs += 1
        self.seconds += arm["secondsPerEpoch"]
        self.best = max(self.best, value_at(arm, e))
        if not self.reached and self.best >= self.target:
            self.reached = {"epochs": self.epochs, "seconds": self.seconds}
        if self.epochs in self.budgets:
            self.best_at[self.epochs] = self.best
        return True

    def result(self):
        reached = self.reached or {"epochs": None, "seconds": None}
        best_at = [self.best_at.get(b, self.best) for b in self.budgets]
        return {**reached, "spent": self.epochs, "best": self.best, "bestAt": best_at}


def mode(budgets):
    return "equal epochs" if budgets else "equal trials"


def optuna_runs(table, budgets=()):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = []
    for seed in table["seeds"]:
        meter = Meter(table["target"], budgets)

        def objective(trial):
            candidate = trial.suggest_categorical("candidate", list(range(len(table["candidates"]))))
            pretrained = table["candidates"][candidate]["pretrained"]
            strategy = trial.suggest_categorical("strategy", ["feature-extraction", "full"]) if pretrained else "full"
            lr = trial.suggest_float("lr", table["lr"][0], table["lr"][1], log=True)
            arm = lookup(table, candidate, strategy, lr)
            for e in range(1, table["maxEpochs"] + 1):
                if not meter.epoch(arm, e):
                    trial.study.stop()
                    raise optuna.TrialPruned()
                trial.report(value_at(arm, e), e)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return value_at(arm, table["maxEpochs"])

        study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=4),
            pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=table["minEpochs"], reduction_factor=table["eta"]),
        )
        # Equal epochs: no trial limit; the objective stops the study once the budget is spent.
        study.optimize(objective, n_trials=None if budgets else table["trials"])
        runs.append(meter.result())
    return {"system": "optuna", "sampler": "tpe", "scheduler": "successive-halving-pruner", "mode": mode(budgets), "runs": runs}


def ray_runs(table, budgets=()):
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
        # One trial at a time: the trials ran in the order they were created; replay their epochs in that order.
        meter = Meter(table["target"], budgets)
        for r in sorted(results, key=lambda r: r.metrics["trial_id"]):
            c = r.config
            arm = lookup(table, c["candidate"], c["strategy"], c["lr"])
            for e in range(1, int(r.metrics["epoch"]) + 1):
                meter.epoch(arm, e)
        runs.append(meter.result())
    ray.shutdown()
    return {"system": "ray-tune", "sampler": "random", "scheduler": "asha", "mode": mode(budgets), "runs": runs}


if __name__ == "__main__":
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    table = load(sys.argv[1])
    budgets = json.loads(sys.argv[2]) if len(sys.argv) > 2 else []
    # Ray Tune takes about 3 s a trial here: equal epochs (up to 144 trials a seed) only when asked.
    equal_epochs = {optuna_runs: True, ray_runs: os.environ.get("BENCH_TUNE_RAY_EQUAL_EPOCHS") == "1"}
    for run in (optuna_runs, ray_runs):
        print(json.dumps(run(table)), flush=True)
        if budgets and equal_epochs[run]:
            print(json.dumps(run(table, budgets)), flush=True)
