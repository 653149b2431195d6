"""Anchor of bench/dataset.mjs: pandas.read_csv plus a pandera schema of the same checks Anneal runs.

`python dataset_pandera.py data.csv schema.json pandera|hashed`:
- pandera: every check in the pandera schema (types, ranges, allowed labels, nullability, and duplicate rows
  through the schema's `unique`), then missing values, constant columns, conflicting labels, class counts;
- hashed: the same, with duplicates and conflicts found by pandas' row hashes instead of `unique`
  (DataFrame.duplicated, which `unique` uses, takes ~8 s on a million rows here; the hashes under 1 s).
Prints {rows, seconds, peakRssMb, invalidRows, duplicateRows, ...} as one JSON line.
"""
import json
import resource
import sys
import time

import pandas as pd
import pandera.pandas as pa

csv_path, schema_path, variant = sys.argv[1:4]
declared = json.load(open(schema_path))
label = declared["label"]
features = [c["name"] for c in declared["columns"] if c["name"] != label]

columns = {}
for c in declared["columns"]:
    if c["type"] == "category":
        columns[c["name"]] = pa.Column(str, pa.Check.isin(c["values"]), nullable=c.get("nullable", False))
    else:
        columns[c["name"]] = pa.Column(float, pa.Check.in_range(c["min"], c["max"]), nullable=c.get("nullable", False))
schema = pa.DataFrameSchema(columns, strict=True, unique=list(columns) if variant == "pandera" else None)

started = time.perf_counter()
df = pd.read_csv(csv_path, dtype={label: str})
invalid = 0
duplicated_rows = None
try:
    schema.validate(df, lazy=True)
except pa.errors.SchemaErrors as err:
    cases = err.failure_cases
    unique_cases = cases[cases["check"].astype(str).str.contains("unique")]
    duplicated_rows = int(unique_cases["index"].nunique()) // 2 if variant == "pandera" else None
    invalid = int(cases[~cases.index.isin(unique_cases.index)]["index"].nunique())
missing = df.isna().sum()
constant = [c for c, same in (df[features].min() == df[features].max()).items() if same]
if variant == "pandera":
    # unique flags every copy; the report counts repeats, like Anneal (and pandas' keep="first").
    duplicated_rows = int(df.duplicated().sum()) if duplicated_rows else 0
    conflicting = int(df.duplicated(subset=features).sum()) - duplicated_rows
else:
    row_hashes = pd.util.hash_pandas_object(df, index=False)
    input_hashes = pd.util.hash_pandas_object(df[features], index=False)
    duplicated_rows = int(row_hashes.duplicated().sum())
    conflicting = int(input_hashes.duplicated().sum()) - duplicated_rows
counts = df[label].value_counts()
seconds = time.perf_counter() - started
print(json.dumps({
    "rows": len(df), "seconds": seconds, "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "invalidRows": invalid, "duplicateRows": duplicated_rows, "classes": len(counts), "missing": int(missing.sum()),
    "constant": len(constant), "conflicting": conflicting,
}))
