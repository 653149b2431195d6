"""The scikit-learn side of bench/text.mjs: TF-IDF + logistic regression on Anneal's split of a JSON Lines text set.

  python bench/text_sklearn.py <data.jsonl> <train ids file> <test ids file>   -> one JSON line: accuracy and macro-F1
"""
import json
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline


def main(data, train_ids, test_ids):
    rows = {}
    with open(data) as f:
        for line in f:
            r = json.loads(line)
            rows[r["id"]] = r
    train = [rows[i] for i in open(train_ids).read().split("\n") if i]
    test = [rows[i] for i in open(test_ids).read().split("\n") if i]
    model = make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2), LogisticRegression(max_iter=5000))
    model.fit([r["text"] for r in train], [r["label"] for r in train])
    predicted = model.predict([r["text"] for r in test])
    actual = [r["label"] for r in test]
    print(json.dumps({"accuracy": accuracy_score(actual, predicted), "macro_f1": f1_score(actual, predicted, average="macro")}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
