"""The cost of scikit-learn callbacks on a ModelTrainer fit.

Three sides on the same data and settings: a fit with no callbacks (the
baseline; the callback code then only checks that none is set), a fit with a
callback that does nothing (what the task tree itself costs: contexts, hook
calls in every fit, the inner estimator's own tasks), and a fit with the
command line's progress bar drawing to a terminal that is thrown away.  Wall
time, in alternation, as ratios of pairs run back to back.
"""

# License: BSD 3 clause

import io

from benchmarks.timing import compare, pair_values, spread, timed

__all__ = ["callback_overhead"]


class _Nothing:
    """A FitCallback that does nothing, auto-propagated to every level."""

    max_propagation_depth = None

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass


def callback_overhead(sizes):
    """Fits with callbacks vs without, logistic regression on breast cancer."""
    try:
        import sklearn.callback  # noqa: F401
    except ImportError:
        return {"rows": [], "invariants": {}, "skipped": "scikit-learn < 1.9"}
    from rich.console import Console
    from rich.progress import Progress
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import scale

    from easy_mlops import ModelTrainer
    from easy_mlops.cli._progress import FitProgressBar

    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)  # so that lbfgs converges in a few dozen iterations
    params = {"model_type": "logistic_regression", "cv_folds": 5, "n_jobs": 1}
    label = (
        f"Fit, breast cancer ({X.shape[0]} x {X.shape[1]}, scaled), logistic "
        "regression, 5 folds"
    )

    def fit(*callbacks):
        trainer = ModelTrainer(**params)
        if callbacks:
            trainer.set_callbacks(*callbacks)
        return timed(lambda: trainer.fit(X, y).training_result_.cv_scores)

    def with_bar():
        progress = Progress(console=Console(file=io.StringIO(), force_terminal=True))
        with progress:
            return fit(FitProgressBar(progress))

    plain = lambda: fit()  # noqa: E731
    nothing = compare(lambda: fit(_Nothing()), plain, repeats=sizes.repeats)
    bar = compare(with_bar, plain, repeats=sizes.repeats)
    rows = [
        _row(label, "wall time: no-op callback / none", nothing["samples"]),
        _row(label, "wall time: CLI progress bar / none", bar["samples"]),
        _row(
            label,
            "microseconds added per fit by a no-op callback",
            nothing["samples"],
            value="(a - b) * 1e6",
            unit="us",
        ),
    ]
    return {
        "rows": rows,
        "invariants": {
            "callbacks leave the fold scores unchanged": nothing["last"]["a"]
            == nothing["last"]["b"]
            == bar["last"]["a"],
        },
    }


def _row(label, measure, samples, *, value="a / b", unit="x"):
    """One figure with its raw samples, as the other cases write it."""
    stats = spread(pair_values(samples, value))
    return {
        "label": label,
        "measure": measure,
        "unit": unit,
        **{key: stats[key] for key in ("median", "min", "max")},
        "target": None,
        "note": None,
        "value": value,
        "samples": {"a": list(samples["a"]), "b": list(samples["b"])},
    }
