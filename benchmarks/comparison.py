"""Model comparison, parallel fits and the report: ratios measured in one run.

Run with ``python -m benchmarks.comparison [--quick]``.

- ``compare``: ``ModelTrainer(model_type=[k entries], n_jobs=1).fit`` against
  the same work written by hand — ``cross_validate`` of each of the k
  estimators on the same folds, then the best one's hold-out fit and refit —
  with the CV scores checked equal.  Target: <= 1.03.
- ``n_jobs_small``: a whole ``easy-mlops``-like process (import, fit on the
  569-row demo data) with ``n_jobs=-1`` against ``n_jobs=1``.  Target: <= 1.05.
- ``n_jobs_cv_heavy``: a 10-fold fit of a 300-tree forest with ``n_jobs=2``
  against ``n_jobs=1`` (the speed-up is reported as 1 / ratio).  Target:
  speed-up >= 1.6 on two cores.
- ``report``: writing the report against the fit it reports on (the report
  draws from the kept hold-out: no fit of its own).

Results go to ``benchmarks/results/comparison.json`` with the commit and every
sample.
"""

# License: BSD 3 clause

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split

from easy_mlops import ModelTrainer

from .preprocessing import _commit
from .timing import compare, pair_values, spread, timed

RESULTS = Path(__file__).parent / "results" / "comparison.json"
ENTRIES = {
    "logistic_regression": LogisticRegression(max_iter=1000, random_state=42),
    "random_forest_classifier": RandomForestClassifier(
        n_estimators=50, random_state=42
    ),
    "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=42),
}


def compare_by_hand(X, y, cv_folds=5):
    folds = list(StratifiedKFold(cv_folds, shuffle=True, random_state=42).split(X, y))
    scores = {
        name: cross_validate(clone(estimator), X, y, cv=folds)["test_score"]
        for name, estimator in ENTRIES.items()
    }
    best = max(scores, key=lambda name: scores[name].mean())
    X_train, _, y_train, _ = train_test_split(
        X, y, test_size=0.2, shuffle=True, stratify=y, random_state=42
    )
    clone(ENTRIES[best]).fit(X_train, y_train)
    clone(ENTRIES[best]).fit(X, y)
    return scores


def _comparing_trainer(n_jobs):
    return ModelTrainer(
        {
            "model_type": list(ENTRIES),
            "model_params": {"n_estimators": 50},
        },
        n_jobs=n_jobs,
    )


def measure_compare(repeats):
    X, y = load_breast_cancer(return_X_y=True)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return timed(lambda: _comparing_trainer(1).fit(X, y))

    report = compare(
        ours, lambda: timed(lambda: compare_by_hand(X, y)), repeats=repeats
    )

    report["ratio"] = spread(pair_values(report["samples"]))
    last = report.pop("last")
    board = {row["model_type"]: row for row in last["a"].training_result_.leaderboard}
    for name, scores in last["b"].items():
        np.testing.assert_allclose(board[name]["cv_scores"], scores)
    return report


def measure_n_jobs_small(repeats):
    code = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "from easy_mlops import ModelTrainer\n"
        "X, y = load_breast_cancer(return_X_y=True)\n"
        "ModelTrainer(n_jobs={}).fit(X, y)\n"
    )

    def run(n_jobs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code.format(n_jobs)], check=True)
        return time.perf_counter() - start, None

    report = compare(lambda: run(-1), lambda: run(1), repeats=repeats)

    report["ratio"] = spread(pair_values(report["samples"]))
    report.pop("last")
    return report


def measure_n_jobs_cv_heavy(repeats):
    X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    config = {"model_params": {"n_estimators": 300}}

    def run(n_jobs):
        return timed(lambda: ModelTrainer(config, cv_folds=10, n_jobs=n_jobs).fit(X, y))

    report = compare(lambda: run(2), lambda: run(1), repeats=repeats)

    report["ratio"] = spread(pair_values(report["samples"]))
    report.pop("last")
    return report


def measure_report(repeats):
    folder = tempfile.mkdtemp()
    X, y = load_breast_cancer(return_X_y=True)
    from easy_mlops.report import write_report

    def fit():
        return timed(lambda: ModelTrainer(cv_folds=5).fit(X, y))

    trainer = fit()[1]
    report = compare(
        lambda: timed(lambda: write_report(trainer, folder)), fit, repeats=repeats
    )
    report["ratio"] = spread(pair_values(report["samples"]))
    report.pop("last")
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Few pairs.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 7
    results = {**_commit(), "compare": measure_compare(repeats)}
    results["n_jobs_small"] = measure_n_jobs_small(repeats)
    results["n_jobs_cv_heavy"] = measure_n_jobs_cv_heavy(max(2, repeats // 2))
    results["report"] = measure_report(repeats)
    for name in ("compare", "n_jobs_small", "n_jobs_cv_heavy", "report"):
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
