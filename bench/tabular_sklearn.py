"""The scikit-learn side of bench/tabular.mjs: a bundled dataset as CSV, and the baselines on Anneal's split.

  python bench/tabular_sklearn.py export <wine|breast_cancer|iris|penguins> <out.csv>
  python bench/tabular_sklearn.py score <train.csv> <test.csv> <seed>   -> one JSON line: accuracy and macro-F1
  python bench/tabular_sklearn.py score-raw <raw.csv> <train ids> <test ids> <seed>
      the same on raw mixed rows (ids: comma-separated values of the `row` column): numbers imputed with the mean
      (with missing indicators) and standardized, categories one-hot (unknown ignored, missing its own category)
  python bench/tabular_sklearn.py paired <a,b,...> <a,b,...>
      -> the mean of the split-by-split differences (first minus second), its 95 % confidence interval (Student's t)
         and the two-sided p-value of the paired t-test (scipy)
"""
import json
import sys

import numpy as np
import pandas as pd
from palmerpenguins import load_penguins
from scipy import stats
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

LOADERS = {"wine": datasets.load_wine, "breast_cancer": datasets.load_breast_cancer, "iris": datasets.load_iris}


def export(name, out):
    if name == "penguins":
        # palmerpenguins 0.1.4's CSV as it ships: two categories (island, sex), gaps written NA, plus a row id.
        frame = load_penguins().rename(columns={"species": "label"})
        frame.insert(1, "row", [f"r{i}" for i in range(len(frame))])
        frame.to_csv(out, index=False, na_rep="NA")
        return
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
    fit_and_score(lambda: StandardScaler(), x, y, tx, ty, seed)


def score_raw(raw, train_ids, test_ids, seed):
    frame = pd.read_csv(raw).set_index("row")
    train, test = frame.loc[train_ids.split(",")], frame.loc[test_ids.split(",")]
    x, tx = train.drop(columns=["label"]), test.drop(columns=["label"])
    categorical = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    numeric = [c for c in x.columns if c not in categorical]

    def prep():
        return ColumnTransformer(
            [
                ("num", make_pipeline(SimpleImputer(strategy="mean", add_indicator=True), StandardScaler()), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]
        )

    fit_and_score(prep, x, train["label"], tx, test["label"], seed)


def fit_and_score(prep, x, y, tx, ty, seed):
    models = {
        "logistic_regression": make_pipeline(prep(), LogisticRegression(max_iter=5000)),
        "mlp": make_pipeline(prep(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=2000, random_state=seed)),
    }
    out = {}
    for name, model in models.items():
        predicted = model.fit(x, y).predict(tx)
        out[name] = {"accuracy": accuracy_score(ty, predicted), "macro_f1": f1_score(ty, predicted, average="macro")}
    print(json.dumps(out))


def paired(first, second):
    a, b = (np.array([float(v) for v in s.split(",")]) for s in (first, second))
    d = a - b
    mean, sem = d.mean(), stats.sem(d)
    if sem == 0:  # every split the same difference (often none): nothing to test
        print(json.dumps({"mean_difference": mean, "ci95": [mean, mean], "p_value": 1.0 if mean == 0 else 0.0}))
        return
    low, high = stats.t.interval(0.95, len(d) - 1, loc=mean, scale=sem)
    print(json.dumps({"mean_difference": mean, "ci95": [low, high], "p_value": stats.ttest_rel(a, b).pvalue}))


if __name__ == "__main__":
    if sys.argv[1] == "paired":
        paired(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "score-raw":
        score_raw(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        score(sys.argv[2], sys.argv[3], int(sys.argv[4]))
