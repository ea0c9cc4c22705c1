"""The metrics reported for each problem type: their names live here only."""

# License: BSD 3 clause

import numpy as np

__all__ = [
    "CV_METRICS",
    "DEFAULT_SCORING",
    "METRIC_NAMES",
    "compute_metrics",
    "default_score",
]

# name -> (function name in sklearn.metrics, extra keyword arguments).
# sklearn.metrics is imported on first use: it is slow to import.
_METRICS = {
    "classification": {
        "accuracy": ("accuracy_score", {}),
        "f1_score": ("f1_score", {"average": "weighted", "zero_division": 0}),
        "precision": ("precision_score", {"average": "weighted", "zero_division": 0}),
        "recall": ("recall_score", {"average": "weighted", "zero_division": 0}),
    },
    "regression": {
        "mse": ("mean_squared_error", {}),
        "rmse": ("root_mean_squared_error", {}),
        "mae": ("mean_absolute_error", {}),
        "r2_score": ("r2_score", {}),
    },
}

#: Names of the hold-out metrics reported for each problem type.
METRIC_NAMES = {kind: tuple(metrics) for kind, metrics in _METRICS.items()}

#: Metrics added when cross-validation runs.
CV_METRICS = ("cv_mean", "cv_std")

#: The scikit-learn scorer used for cross-validation when ``scoring`` is unset.
DEFAULT_SCORING = {"classification": "accuracy", "regression": "r2"}


def compute_metrics(problem_type, y_true, y_pred, sample_weight=None):
    """Compute the hold-out metrics of one problem type.

    Parameters
    ----------
    problem_type : {"classification", "regression"}
        Which metrics to compute (see ``METRIC_NAMES``).
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights applied to every metric.

    Returns
    -------
    metrics : dict of str to float

    Examples
    --------
    >>> from easy_mlops.training.metrics import compute_metrics
    >>> compute_metrics("regression", [1.0, 2.0], [1.0, 4.0])["mae"]
    1.0
    """
    from sklearn import metrics

    return {
        name: float(
            getattr(metrics, func)(
                y_true, y_pred, sample_weight=sample_weight, **kwargs
            )
        )
        for name, (func, kwargs) in _METRICS[problem_type].items()
    }


def default_score(problem_type, y_true, y_pred, sample_weight=None):
    """The default score: accuracy (classification) or R² (regression).

    Used for cross-validation without ``scoring`` and by ``ModelTrainer.score``.
    """
    from sklearn.metrics import accuracy_score, r2_score

    metric = accuracy_score if problem_type == "classification" else r2_score
    return float(metric(y_true, y_pred, sample_weight=sample_weight))


def summarize_cv(scores):
    """``cv_mean`` and ``cv_std`` of the finite fold scores (empty if none)."""
    finite = np.asarray([s for s in scores if np.isfinite(s)], dtype=float)
    if finite.size == 0:
        return {}
    return dict(
        zip(CV_METRICS, (float(finite.mean()), float(finite.std())), strict=True)
    )
