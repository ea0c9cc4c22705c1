"""A busy machine: fits next to one program that keeps a core busy.

Two workloads, a comparison (``model_type="compare"``, three classes) and one
``hist_gradient_boosting`` fit, each timed on four sides; each side runs in a
fresh process (both workloads, one after the other):

- ``ours``: ``ModelTrainer`` with its defaults;
- ``omp1``: the same with ``OMP_NUM_THREADS=1`` (and the other thread
  variables) set by hand in the environment;
- ``hand``: the same work written by hand with scikit-learn's defaults;
- ``previous``: ``ModelTrainer`` with ``inner_threads`` set to every core,
  which is what the trainer did before it had a thread budget (fits one at a
  time, each with an OpenMP pool as large as the machine).

Each round times the four sides on the machine as it is ("quiet"), then again
next to a background process that spins on one core ("busy"), started and
stopped by the benchmark and bounded in time.  The sides rotate their order
from round to round; every ratio pairs two sides of the same round.  The
sides run in the environment of the run (the test suite pins native threads,
which makes its smoke run quick); a measurement runs where no thread variable
is set, and the result records any that were.
"""

# License: BSD 3 clause

import os
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext

from joblib.parallel import ParallelBackendBase

__all__ = ["busy_machine", "run_side"]

THREAD_VARIABLES = ParallelBackendBase.MAX_NUM_THREADS_VARS

SIDES = ("ours", "omp1", "hand", "previous")
WORKLOADS = ("compare", "fit")

# The spinner holds one core until it is stopped, and never longer than this.
_SPIN = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\n" + (
    "while time.monotonic() < end:\n    pass\n"
)


def _compare_data(rows):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=rows,
        n_features=10,
        n_informative=6,
        n_classes=3,
        random_state=0,
    )


def _hand_entries(iterations):
    """The estimators ``model_type="compare"`` cross-validates, by hand."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    entries = {
        "random_forest_classifier": RandomForestClassifier(
            n_estimators=iterations, random_state=42
        ),
        # The catalogue's logistic regression standardises numeric input.
        "logistic_regression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=iterations, random_state=42)
        ),
        "hist_gradient_boosting": HistGradientBoostingClassifier(
            max_iter=iterations, random_state=42
        ),
    }
    try:
        from xgboost import XGBClassifier
    except ImportError:
        return entries
    entries["xgboost"] = XGBClassifier(n_estimators=iterations, random_state=42)
    return entries


def _compare_by_hand(X, y, iterations):
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import (
        StratifiedKFold,
        cross_validate,
        train_test_split,
    )

    entries = _hand_entries(iterations)
    # The hold-out first; the candidates are compared on folds of its
    # training rows, as the trainer compares them.
    train, _ = train_test_split(
        np.arange(len(y)), test_size=0.2, shuffle=True, stratify=y, random_state=42
    )
    train = np.sort(train)
    folds = [
        (train[fit], train[test])
        for fit, test in StratifiedKFold(5, shuffle=True, random_state=42).split(
            X[train], y[train]
        )
    ]
    # Comparisons rank by balanced accuracy when no scoring is given.
    scores = {
        name: cross_validate(
            clone(estimator), X, y, cv=folds, scoring="balanced_accuracy"
        )["test_score"].tolist()
        for name, estimator in entries.items()
    }
    best = max(scores, key=lambda name: sum(scores[name]))
    clone(entries[best]).fit(X[train], y[train])
    clone(entries[best]).fit(X, y)
    return scores


def run_side(side, compare_rows, fit_rows, iterations):
    """Do both workloads once in this process, as ``side`` does them.

    Called in a fresh process by ``python -m benchmarks.probe busy``; the
    ``omp1`` side differs from ``ours`` only by its environment.  Returns,
    for each workload, its seconds, its scores and the trainer's threads.
    """
    import warnings

    warnings.simplefilter("ignore")
    return {
        "compare": _run_workload("compare", side, compare_rows, iterations),
        "fit": _run_workload("fit", side, fit_rows, iterations),
    }


def _run_workload(workload, side, rows, iterations):
    import joblib

    from easy_mlops import ModelTrainer

    params = {"inner_threads": joblib.cpu_count()} if side == "previous" else {}
    # The same boosting iterations and trees on every side (scikit-learn's
    # default of 100 in a full run); the threads are what is compared.
    model_params = {"max_iter": iterations, "n_estimators": iterations}
    if workload == "compare":
        X, y = _compare_data(rows)
        if side == "hand":
            start = time.perf_counter()
            scores = _compare_by_hand(X, y, iterations)
            return {"seconds": time.perf_counter() - start, "scores": scores}
        trainer = ModelTrainer(
            model_type="compare", model_params=model_params, **params
        )
        start = time.perf_counter()
        result = trainer.fit(X, y).training_result_
        seconds = time.perf_counter() - start
        scores = {row["model_type"]: row["cv_scores"] for row in result.leaderboard}
        return {"seconds": seconds, "scores": scores, "threads": result.threads}
    from sklearn.ensemble import HistGradientBoostingClassifier

    from benchmarks.data import synthetic_classification

    X, y = synthetic_classification(rows)
    if side == "hand":
        start = time.perf_counter()
        model = HistGradientBoostingClassifier(max_iter=iterations, random_state=42)
        model.fit(X, y)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "scores": {"train": model.score(X, y)}}
    trainer = ModelTrainer(
        model_type="hist_gradient_boosting",
        model_params={"max_iter": iterations},
        test_size=0,
        cv_folds=0,
        **params,
    )
    start = time.perf_counter()
    result = trainer.fit(X, y).training_result_
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "scores": {"train": result.model.score(X, y)},
        "threads": result.threads,
    }


def _run(side, sizes):
    """One side in a fresh process, in this process's environment; the
    ``omp1`` side adds the thread variables set to 1.

    The smoke run (``--quick``) runs the sides in this process instead, the
    ``omp1`` side under ``threadpool_limits(1)``: it checks the code and the
    invariants, not the timings, and starting eight interpreters would be
    most of its time.
    """
    if not sizes.busy_fresh_processes:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1) if side == "omp1" else nullcontext()
        with limit:
            return run_side(
                side,
                sizes.busy_compare_rows,
                sizes.busy_fit_rows,
                sizes.busy_iterations,
            )
    from benchmarks.cases import _probe

    return _probe(
        "busy",
        side,
        str(sizes.busy_compare_rows),
        str(sizes.busy_fit_rows),
        str(sizes.busy_iterations),
        env=dict.fromkeys(THREAD_VARIABLES, "1") if side == "omp1" else None,
    )


@contextmanager
def _spinning(seconds):
    """One background process that keeps a core busy, for at most ``seconds``."""
    spinner = subprocess.Popen([sys.executable, "-c", _SPIN, str(seconds)])
    time.sleep(0.5)  # let it reach its loop
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def busy_machine(sizes):
    """Each workload's four sides, quiet and next to one busy core."""
    from benchmarks.cases import _row

    times = {
        (load, workload, side): []
        for load in ("quiet", "busy")
        for workload in WORKLOADS
        for side in SIDES
    }
    last, threads = {}, {}
    for round_ in range(sizes.busy_repeats):
        order = SIDES[round_ % len(SIDES) :] + SIDES[: round_ % len(SIDES)]
        for load in ("quiet", "busy"):
            with (
                _spinning(sizes.busy_spin_seconds) if load == "busy" else nullcontext()
            ):
                for side in order:
                    for workload, result in _run(side, sizes).items():
                        times[load, workload, side].append(result["seconds"])
                        last[workload, side] = result["scores"]
                        if "threads" in result:
                            threads[f"{load} {workload} {side}"] = result["threads"]
    labels = {
        "compare": f"Busy machine, compare ({sizes.busy_compare_rows} x 10, "
        f"3 classes, 5 folds, {sizes.busy_iterations} iterations or trees)",
        "fit": f"Busy machine, one hist gradient boosting fit "
        f"({sizes.busy_fit_rows:,} x 20, {sizes.busy_iterations} iterations)",
    }
    figures = (
        ("busy", "omp1", "next to a busy core: default / OMP_NUM_THREADS=1", 1.15),
        ("busy", "hand", "next to a busy core: default / by hand", 0.25),
        ("busy", "previous", "next to a busy core: default / previous default", None),
        ("quiet", "previous", "quiet: default / previous default", 1.03),
        ("quiet", "omp1", "quiet: default / OMP_NUM_THREADS=1", None),
        ("quiet", "hand", "quiet: default / by hand", None),
    )
    rows = [
        _row(
            labels[workload],
            measure,
            {
                "a": times[load, workload, "ours"],
                "b": times[load, workload, other],
            },
            target=None if target is None else {"op": "<=", "value": target},
        )
        for workload in WORKLOADS
        for load, other, measure, target in figures
    ]
    invariants = {
        f"{workload}: same scores on every side": _same_scores(
            [last[workload, side] for side in SIDES]
        )
        for workload in WORKLOADS
    }
    return {
        "rows": rows,
        "invariants": invariants,
        "threads": threads,
        # Set here, they reach every side: a measurement runs without them.
        "thread_variables": {
            name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ
        },
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
    }


def _same_scores(results):
    import numpy as np

    first = results[0]
    return all(
        set(other) == set(first)
        and all(np.allclose(other[k], first[k], rtol=1e-9) for k in first)
        for other in results[1:]
    )
