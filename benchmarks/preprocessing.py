"""Raw tables: the cost of ``preprocessing="auto"`` against skrub written by hand.

Run with ``python -m benchmarks.preprocessing [--quick]``.  Three measurements,
each a ratio of two sides timed in alternation in the same run:

- ``fit``: ``ModelTrainer().fit`` on a mixed-type table against the identical
  flow written by hand around ``skrub.tabular_pipeline`` — the same split,
  folds, refit, seeds and metrics (checked equal).  Target: <= 1.03.
- ``predict_row``: predicting one raw row with the fitted trainer against the
  fitted skrub pipeline itself.
- ``help``: ``easy-mlops --help`` in a fresh process against ``python -c pass``.

Results go to ``benchmarks/results/preprocessing.json`` with the commit they
measured and every sample.
"""

# License: BSD 3 clause

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from skrub import tabular_pipeline

from easy_mlops import ModelTrainer

from .timing import compare, pair_values, spread, timed

RESULTS = Path(__file__).parent / "results" / "preprocessing.json"
N_ESTIMATORS = 50


def mixed_table(n_rows, seed=0):
    """Numbers, categories with gaps, dates as text, flags and free text."""
    rng = np.random.default_rng(seed)
    size = rng.normal(50, 10, n_rows)
    city = rng.choice(["Paris", "Lyon", "Nice", "Lille", None], n_rows)
    words = np.array(["great", "poor", "fine", "awful", "superb", "ok", "bad"])
    frame = pd.DataFrame(
        {
            "size": size,
            "rooms": rng.integers(1, 8, n_rows).astype(str),
            "city": city,
            "listed": pd.date_range("2015-01-01", periods=n_rows, freq="h").strftime(
                "%Y-%m-%d %H:%M"
            ),
            "garden": rng.choice([True, False], n_rows),
            "comment": [" ".join(rng.choice(words, 5)) for _ in range(n_rows)],
        }
    )
    y = np.where((size > 50) ^ (city == "Lyon"), "high", "low")
    return frame, y


def _make_pipeline():
    pipe = tabular_pipeline(
        RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=42)
    )
    return pipe.set_params(tablevectorizer__high_cardinality__random_state=42)


def fit_by_hand(X, y, *, test_size=0.2, cv_folds=5):
    """What ModelTrainer.fit does on a raw table, written with skrub by hand."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, shuffle=True, stratify=y, random_state=42
    )
    holdout = _make_pipeline().fit(X_train, y_train)
    folds = StratifiedKFold(cv_folds, shuffle=True, random_state=42).split(X, y)
    scores = []
    for train, test in folds:
        fold = _make_pipeline().fit(X.iloc[train], y[train])
        scores.append(accuracy_score(y[test], fold.predict(X.iloc[test])))
    model = _make_pipeline().fit(X, y)
    y_pred = holdout.predict(X_test)
    weighted = {"average": "weighted", "zero_division": 0}
    metrics = {
        "accuracy": float(accuracy_score(y_test, y_pred)),
        "f1_score": float(f1_score(y_test, y_pred, **weighted)),
        "precision": float(precision_score(y_test, y_pred, **weighted)),
        "recall": float(recall_score(y_test, y_pred, **weighted)),
        "cv_mean": float(np.mean(scores)),
        "cv_std": float(np.std(scores)),
    }
    return model, metrics


def _trainer():
    return ModelTrainer(
        {"model_params": {"n_estimators": N_ESTIMATORS}}, n_jobs=1, cv_folds=5
    )


def measure_fit(n_rows, repeats):
    X, y = mixed_table(n_rows)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return timed(lambda: _trainer().fit(X, y))

    report = compare(ours, lambda: timed(lambda: fit_by_hand(X, y)), repeats=repeats)

    report["ratio"] = spread(pair_values(report["samples"]))
    ours_trainer, (_, by_hand) = report.pop("last")["a"], fit_by_hand(X, y)
    for name, value in by_hand.items():
        if not np.isclose(ours_trainer.training_result_.metrics[name], value):
            raise AssertionError(f"{name}: easy_mlops and skrub by hand differ")
    return {"rows": n_rows, **report}


def measure_predict_row(repeats):
    X, y = mixed_table(500)
    trainer = _trainer().fit(X, y)
    pipeline = trainer.training_result_.model
    row = X.iloc[[7]]
    report = compare(
        lambda: timed(lambda: trainer.predict(row)),
        lambda: timed(lambda: pipeline.predict(row)),
        repeats=repeats,
    )
    report["ratio"] = spread(pair_values(report["samples"]))
    report.pop("last")
    return report


def measure_help(repeats):
    def run(*args):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True)
        return time.perf_counter() - start, None

    report = compare(
        lambda: run("-m", "easy_mlops", "--help"),
        lambda: run("-c", "pass"),
        repeats=repeats,
    )

    report["ratio"] = spread(pair_values(report["samples"]))
    report.pop("last")
    return report


def _commit():
    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "easy_mlops", "benchmarks"],
                cwd=root,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
    except OSError:
        return {"commit": None, "dirty": None}
    return {"commit": sha or None, "dirty": dirty}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small and few pairs.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 9
    results = {
        **_commit(),
        "fit": measure_fit(300 if args.quick else 2000, repeats),
        "predict_row": measure_predict_row(repeats * 5),
        "help": measure_help(repeats),
    }
    for name in ("fit", "predict_row", "help"):
        ratio = results[name]["ratio"]
        print(
            f"{name}: ratio median {ratio['median']:.3f} "
            f"(min {ratio['min']:.3f}, max {ratio['max']:.3f})"
        )
    if not args.quick:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
