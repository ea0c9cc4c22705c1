"""The metrics reported for each problem type: their names live here only."""

# License: BSD 3 clause

import numpy as np

__all__ = [
    "CV_METRICS",
    "MAPE",
    "PROBA_METRIC_NAMES",
    "DEFAULT_SCORING",
    "RANKING_SCORING",
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
        "balanced_accuracy": ("balanced_accuracy_score", {}),
    },
    "regression": {
        "mse": ("mean_squared_error", {}),
        "rmse": ("root_mean_squared_error", {}),
        "mae": ("mean_absolute_error", {}),
        "r2_score": ("r2_score", {}),
        "median_absolute_error": ("median_absolute_error", {}),
    },
}

#: Names of the hold-out metrics reported for each problem type.
METRIC_NAMES = {kind: tuple(metrics) for kind, metrics in _METRICS.items()}

#: Classification metrics added when the model has ``predict_proba``: ROC AUC
#: (one-vs-rest, weighted by support, for more than two classes) and log loss.
PROBA_METRIC_NAMES = ("roc_auc", "log_loss")

#: Regression metric added when no target value is zero.
MAPE = "mape"

#: Metrics added when cross-validation runs.
CV_METRICS = ("cv_mean", "cv_std")

#: The scikit-learn scorer used for cross-validation when ``scoring`` is unset.
DEFAULT_SCORING = {"classification": "accuracy", "regression": "r2"}

#: The scorer a model comparison ranks by when ``scoring`` is unset: balanced
#: accuracy, which a majority-class guess cannot win (it scores 1/n_classes)
#: and which, unlike log loss, does not sink a forest for overconfidence.
RANKING_SCORING = {"classification": "balanced_accuracy", "regression": "r2"}


def compute_metrics(
    problem_type, y_true, y_pred, sample_weight=None, *, y_proba=None, classes=None
):
    """Compute the hold-out metrics of one problem type.

    Parameters
    ----------
    problem_type : {"classification", "regression"}
        Which metrics to compute (see ``METRIC_NAMES``).
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights applied to every metric.
    y_proba : array-like of shape (n_samples, n_classes), default=None
        Class probabilities, columns ordered as ``classes``: adds
        ``PROBA_METRIC_NAMES``.
    classes : array-like of shape (n_classes,), default=None
        The labels of the columns of ``y_proba``.

    Returns
    -------
    metrics : dict of str to float

    Examples
    --------
    >>> from easy_mlops.training.metrics import compute_metrics
    >>> compute_metrics("regression", [1.0, 2.0], [1.0, 4.0])["mae"]
    1.0
    >>> m = compute_metrics("classification", ["a", "b"], ["a", "a"],
    ...                     y_proba=[[0.9, 0.1], [0.6, 0.4]], classes=["a", "b"])
    >>> m["roc_auc"], round(m["log_loss"], 3)
    (1.0, 0.511)
    """
    from sklearn import metrics

    result = {
        name: float(
            getattr(metrics, func)(
                y_true, y_pred, sample_weight=sample_weight, **kwargs
            )
        )
        for name, (func, kwargs) in _METRICS[problem_type].items()
    }
    if problem_type == "regression":
        if np.all(np.asarray(y_true, dtype=float) != 0):
            result[MAPE] = float(
                metrics.mean_absolute_percentage_error(
                    y_true, y_pred, sample_weight=sample_weight
                )
            )
    elif y_proba is not None and classes is not None:
        result.update(_proba_metrics(y_true, y_proba, classes, sample_weight))
    return result


def _proba_metrics(y_true, y_proba, classes, sample_weight):
    from sklearn.metrics import log_loss, roc_auc_score

    y_true, y_proba = np.asarray(y_true), np.asarray(y_proba, dtype=float)
    classes = np.asarray(classes)
    totals = y_proba.sum(axis=1, keepdims=True)
    exact = np.allclose(totals, 1.0, rtol=np.sqrt(np.finfo(float).eps), atol=0)
    if not exact and np.allclose(totals, 1.0, rtol=0, atol=1e-5):
        # Single-precision probabilities (float32 data, some boosters) sum to
        # 1 only within their rounding, which log_loss warns about; larger
        # gaps are the model's own and keep scikit-learn's warning. Rows
        # already exact are left bit for bit.
        y_proba = y_proba / totals
    if np.unique(y_true).shape[0] < 2:
        return {}  # ROC AUC is undefined with one class in the hold-out
    if classes.shape[0] == 2:
        auc = roc_auc_score(
            y_true == classes[1], y_proba[:, 1], sample_weight=sample_weight
        )
    else:
        auc = roc_auc_score(
            y_true,
            y_proba,
            multi_class="ovr",
            average="weighted",
            labels=classes,
            sample_weight=sample_weight,
        )
    loss = log_loss(y_true, y_proba, labels=classes, sample_weight=sample_weight)
    return {"roc_auc": float(auc), "log_loss": float(loss)}


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
