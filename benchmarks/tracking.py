"""The cost of tracking: a fit recorded in MLflow's embedded store vs the same fit.

The tracked side is what ``easy-mlops train --track`` adds to a run: a fit,
then :func:`easy_mlops.tracking.log_run` to the SQLite store (parameters,
metrics, tags, the artifact file and the MLflow model with its signature).
The untracked side is the same fit alone.  Wall time, because what tracking
adds is mostly writing files and database rows, which CPU time misses.
"""

# License: BSD 3 clause

import os
import tempfile
from contextlib import contextmanager

from benchmarks.timing import compare, pair_values, spread, timed

__all__ = ["tracking_overhead"]


def tracking_overhead(sizes):
    """``fit`` + ``log_run`` to ``mlflow.db`` vs ``fit``, on the demo data."""
    try:
        import mlflow
    except ImportError:
        return {"rows": [], "invariants": {}, "skipped": "mlflow is not installed"}
    from sklearn.datasets import load_breast_cancer

    from easy_mlops import ModelTrainer
    from easy_mlops.tracking import log_run

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    config = {"model_params": {"n_estimators": sizes.forest_trees}}
    label = (
        f"Fit + log_run, breast cancer ({X.shape[0]} x {X.shape[1]}), random "
        f"forest of {sizes.forest_trees} trees"
    )

    def untracked():
        return timed(lambda: ModelTrainer(config).fit(X, y).training_result_.metrics)

    with tempfile.TemporaryDirectory() as folder, _working_directory(folder):
        # MLflow's default store, as the command line uses it.
        store = f"sqlite:///{folder}/mlflow.db"

        def tracked():
            def work():
                trainer = ModelTrainer(config).fit(X, y)
                run = log_run(trainer, X, y, tracking_uri=store, experiment="bench")
                return trainer.training_result_.metrics, run.run_id

            return timed(work)

        # The first tracked run of a process also imports MLflow's modules
        # and creates the database; later runs pay only for the logging.
        first, _ = tracked()
        fit_once, _ = untracked()
        report = compare(tracked, untracked, repeats=sizes.repeats, warmup=0)
        report["ratio"] = spread(pair_values(report["samples"]))
        (metrics, run_id), plain_metrics = report["last"]["a"], report["last"]["b"]
        run = mlflow.MlflowClient(store).get_run(run_id)
    added = [
        a - b
        for a, b in zip(report["samples"]["a"], report["samples"]["b"], strict=True)
    ]
    return {
        "rows": [
            _row(label, "wall time: tracked / untracked", report["ratio"]),
            _row(
                label,
                "wall time added by tracking, seconds per run",
                spread(added),
                unit="s",
            ),
            _row(
                label,
                "first tracked run of a process (imports MLflow, creates mlflow.db): "
                "seconds added",
                spread([first - fit_once]),
                unit="s",
            ),
        ],
        "invariants": {
            "tracking leaves the fit's metrics unchanged": metrics == plain_metrics,
            "the run holds the fit's metrics": all(
                run.data.metrics[name] == value
                for name, value in metrics.items()
                if value is not None
            ),
            "the run is FINISHED": run.info.status == "FINISHED",
        },
        "seconds": {
            "tracked": spread(report["samples"]["a"]),
            "untracked": spread(report["samples"]["b"]),
            "first_tracked": first,
        },
    }


def _row(label, measure, stats, *, unit="x"):
    return {
        "label": label,
        "measure": measure,
        "unit": unit,
        **{key: stats[key] for key in ("median", "min", "max")},
        "target": None,
        "note": None,
    }


@contextmanager
def _working_directory(folder):
    """MLflow writes a SQLite store's artifacts to ``./mlruns``; keep them here."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
