"""The metrics reported for each problem type: their names live here only."""

# License: BSD 3 clause

import numpy as np
from sklearn import metrics as skm

__all__ = [
    "CV_METRICS",
    "DEFAULT_SCORING",
    "METRIC_NAMES",
    "compute_metrics",
    "default_score",
]

# name -> function(y_true, y_pred, sample_weight) for each problem type.
_METRICS = {
    "classification": {
        "accuracy": lambda t, p, w: skm.accuracy_score(t, p, sample_weight=w),
        "f1_score": lambda t, p, w: skm.f1_score(
            t, p, average="weighted", sample_weight=w, zero_division=0
        ),
        "precision": lambda t, p, w: skm.precision_score(
            t, p, average="weighted", sample_weight=w, zero_division=0
        ),
        "recall": lambda t, p, w: skm.recall_score(
            t, p, average="weighted", sample_weight=w, zero_division=0
        ),
    },
    "regression": {
        "mse": lambda t, p, w: skm.mean_squared_error(t, p, sample_weight=w),
        "rmse": lambda t, p, w: skm.root_mean_squared_error(t, p, sample_weight=w),
        "mae": lambda t, p, w: skm.mean_absolute_error(t, p, sample_weight=w),
        "r2_score": lambda t, p, w: skm.r2_score(t, p, sample_weight=w),
    },
}

#: Names of the hold-out metrics reported for each problem type.
METRIC_NAMES = {kind: tuple(funcs) for kind, funcs in _METRICS.items()}

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
    return {
        name: float(func(y_true, y_pred, sample_weight))
        for name, func in _METRICS[problem_type].items()
    }


def default_score(problem_type, y_true, y_pred, sample_weight=None):
    """The default cross-validation score: accuracy or R²."""
    if problem_type == "classification":
        return float(skm.accuracy_score(y_true, y_pred, sample_weight=sample_weight))
    return float(skm.r2_score(y_true, y_pred, sample_weight=sample_weight))


def summarize_cv(scores):
    """``cv_mean`` and ``cv_std`` of the finite fold scores (empty if none)."""
    finite = np.asarray([s for s in scores if np.isfinite(s)], dtype=float)
    if finite.size == 0:
        return {}
    return dict(zip(CV_METRICS, (float(finite.mean()), float(finite.std()))))
