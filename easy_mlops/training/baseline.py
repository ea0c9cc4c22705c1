"""The baseline every run is scored against: a model that ignores ``X``.

A ``DummyClassifier(strategy="prior")`` (it predicts the most frequent class,
with the class frequencies as probabilities) or a
``DummyRegressor(strategy="mean")`` is fitted and scored on the very hold-out
and folds of the run.  Its fits cost next to nothing, so they run here rather
than in the parallel batch.  When the model does not beat it by more than the
fold-to-fold spread of its own scores, a :class:`ModelQualityWarning` says so.
"""

# License: BSD 3 clause

import warnings

import numpy as np

from .exceptions import ModelQualityWarning
from .metrics import compute_metrics, default_score, summarize_cv

__all__ = ["BASELINES", "baseline_estimator", "check_quality", "score_baseline"]

#: The baseline of each problem type: estimator class and parameters.
BASELINES = {
    "classification": ("DummyClassifier", {"strategy": "prior"}),
    "regression": ("DummyRegressor", {"strategy": "mean"}),
}

#: The hold-out metric the model must beat when no cross-validation ran:
#: one a majority-class guess cannot win.
HOLDOUT_METRIC = {"classification": "balanced_accuracy", "regression": "r2_score"}


def baseline_estimator(problem_type):
    """A new, unfitted baseline for ``problem_type``.

    Examples
    --------
    >>> from easy_mlops.training.baseline import baseline_estimator
    >>> baseline_estimator("regression")
    DummyRegressor()
    """
    from sklearn import dummy

    name, params = BASELINES[problem_type]
    return getattr(dummy, name)(**params)


def score_baseline(
    problem_type, *, holdout=None, y=None, sample_weight=None, folds=(), scoring=None
):
    """Fit and score the baseline on the run's hold-out and folds.

    Parameters
    ----------
    problem_type : {"classification", "regression"}
    holdout : tuple of (y_train, w_train, y_test, w_test), default=None
        The hold-out's targets and weights (None where unweighted); None
        when there is no hold-out.
    y : ndarray of shape (n_samples,), default=None
        The target the folds index.
    sample_weight : ndarray of shape (n_samples,), default=None
        Its weights, for the fits and the scores.
    folds : sequence of (train, test) index arrays, default=()
        The cross-validation folds.
    scoring : str, callable or None, default=None
        The run's ``scoring``; None scores accuracy or R².

    Returns
    -------
    baseline : dict
        ``estimator`` (its repr), ``metrics`` (hold-out metrics, plus
        ``cv_mean`` and ``cv_std``) and ``cv_scores``.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.baseline import score_baseline
    >>> y = np.array([0, 0, 0, 1] * 5)
    >>> folds = [(np.arange(10, 20), np.arange(10)), (np.arange(10), np.arange(10, 20))]
    >>> score_baseline("classification", y=y, folds=folds)["cv_scores"]
    [0.8, 0.7]
    """
    metrics = {}
    if holdout is not None:
        y_train, w_train, y_test, w_test = holdout
        model = _fit(problem_type, y_train, w_train)
        X_test = np.zeros((y_test.shape[0], 1))
        proba = {}
        if problem_type == "classification":
            proba = {"y_proba": model.predict_proba(X_test), "classes": model.classes_}
        metrics = compute_metrics(
            problem_type, y_test, model.predict(X_test), w_test, **proba
        )
    scores = [
        _score(
            _fit(problem_type, y[train], _part(sample_weight, train)),
            y[test],
            _part(sample_weight, test),
            problem_type,
            scoring,
        )
        for train, test in folds
    ]
    metrics.update(summarize_cv(scores))
    return {
        "estimator": repr(baseline_estimator(problem_type)),
        "metrics": metrics,
        "cv_scores": scores,
    }


def check_quality(metrics, cv_scores, baseline, *, scoring, problem_type):
    """Warn, and return why, when the model does not beat the baseline.

    With cross-validation, the model must beat the baseline's mean fold score
    by more than the standard deviation of its own fold scores; without it,
    it must beat the baseline on the hold-out metric a majority-class guess
    cannot win (balanced accuracy, or R²).

    Parameters
    ----------
    metrics : dict
        The run's metrics (``cv_mean`` and ``cv_std`` among them when
        cross-validation ran).
    cv_scores : list of float
        The model's fold scores.
    baseline : dict
        What :func:`score_baseline` returned.
    scoring : str
        The name of the fold score.
    problem_type : {"classification", "regression"}

    Returns
    -------
    note : str or None
        The warning's text, or None when the model beats the baseline.
    """
    what = (
        "always predicting the class frequencies"
        if problem_type == "classification"
        else "always predicting the mean"
    )
    reference = baseline["metrics"]
    if cv_scores and "cv_mean" in metrics and "cv_mean" in reference:
        model, base = metrics["cv_mean"], reference["cv_mean"]
        spread = metrics["cv_std"]
        if model - base > spread:
            return None
        where = (
            f"cross-validated {scoring} {model:.4f} (± {spread:.4f} from fold to "
            f"fold) against {base:.4f} for {what}"
        )
    else:
        name = HOLDOUT_METRIC[problem_type]
        if name not in metrics or name not in reference:
            return None
        model, base = metrics[name], reference[name]
        if model > base:
            return None
        where = f"hold-out {name} {model:.4f} against {base:.4f} for {what}"
    note = (
        f"The model does not beat a baseline that ignores the features: {where}. "
        "Its scores show no learning beyond the target's own distribution: the "
        "features may say little about the target, or the model needs more data "
        "or other settings."
    )
    warnings.warn(note, ModelQualityWarning, stacklevel=3)
    return note


def _part(sample_weight, rows):
    return None if sample_weight is None else sample_weight[rows]


def _fit(problem_type, y, sample_weight):
    # The baseline ignores X: one column of zeros stands for it.
    return baseline_estimator(problem_type).fit(
        np.zeros((y.shape[0], 1)), y, sample_weight=sample_weight
    )


def _score(model, y, sample_weight, problem_type, scoring):
    X = np.zeros((y.shape[0], 1))
    if scoring is None:
        return default_score(problem_type, y, model.predict(X), sample_weight)
    from sklearn.metrics import get_scorer

    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    return float(scorer(model, X, y, **kwargs))
