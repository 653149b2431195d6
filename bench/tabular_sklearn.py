"""The scikit-learn side of bench/tabular.mjs: a bundled dataset as CSV, and the baselines on Anneal's split.

  python bench/tabular_sklearn.py export <wine|breast_cancer|iris> <out.csv>
  python bench/tabular_sklearn.py score <train.csv> <test.csv> <seed>   -> one JSON line: accuracy and macro-F1
"""
import json
import sys

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

LOADERS = {"wine": datasets.load_wine, "breast_cancer": datasets.load_breast_cancer, "iris": datasets.load_iris}


def export(name, out):
    data = LOADERS[name]()
    with open(out, "w") as f:
        f.write(",".join(["label"] + [f"f{i}" for i in range(data.data.shape[1])]) + "\n")
        for row, target in zip(data.data, data.target):
            f.write(",".join([f"c{target}"] + [repr(float(v)) for v in row]) + "\n")


def read(path):
    rows = np.genfromtxt(path, delimiter=",", dtype=str, skip_header=1)
    return rows[:, 1:].astype(np.float64), rows[:, 0]


def score(train, test, seed):
    (x, y), (tx, ty) = read(train), read(test)
    models = {
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "mlp": make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=2000, random_state=seed)),
    }
    out = {}
    for name, model in models.items():
        predicted = model.fit(x, y).predict(tx)
        out[name] = {"accuracy": accuracy_score(ty, predicted), "macro_f1": f1_score(ty, predicted, average="macro")}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3])
    else:
        score(sys.argv[2], sys.argv[3], int(sys.argv[4]))
