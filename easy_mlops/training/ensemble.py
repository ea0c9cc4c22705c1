"""Ensemble selection over a comparison's out-of-fold predictions.

``model_type="ensemble"`` (alone, or in a list of catalogue entries) runs a
comparison, keeps every candidate's out-of-fold predictions (class
probabilities for classifiers), and chooses weights by greedy forward
selection with replacement on them (Caruana, Niculescu-Mizil, Crew and
Ksikes, "Ensemble selection from libraries of models", ICML 2004).  The
final model is scikit-learn's ``VotingClassifier(voting="soft")`` or
``VotingRegressor`` over the chosen candidates, each refit on all rows, with
those weights.

This module holds the pieces that need no backend: the selection itself
(:func:`greedy_selection`), the blend of out-of-fold predictions it scores
(:func:`blend`), the fold-averaged score of a blend (:func:`oof_score`) and
the voting model over fitted members (:func:`voting_model`).
"""

# License: BSD 3 clause

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ENSEMBLE",
    "ENSEMBLE_MEMBERS",
    "N_ITERATIONS",
    "Chosen",
    "blend",
    "greedy_selection",
    "oof_score",
    "select_members",
    "voting_model",
]

#: The ``model_type`` (alone or in a list) that ensembles the candidates.
ENSEMBLE = "ensemble"

#: Candidates an ensemble's successive halving keeps to the last rung, so
#: scored on every fold: the most members the ensemble may have.  Each member
#: costs a hold-out fit and a refit, so this is what keeps an ensemble near a
#: comparison's time.
ENSEMBLE_MEMBERS = 3

#: Rounds of greedy selection: the number of picks, with replacement, that the
#: weights count.  auto-sklearn's ensemble selection also defaults to 50.
N_ITERATIONS = 50


def blend(predictions, weights):
    """The weighted average of candidates' predictions.

    Parameters
    ----------
    predictions : ndarray of shape (n_candidates, n_samples) or \
            (n_candidates, n_samples, n_classes)
        Each candidate's predictions: values, or class probabilities.
    weights : array-like of shape (n_candidates,)
        Non-negative weights, not all zero.

    Returns
    -------
    blended : ndarray of shape (n_samples,) or (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.ensemble import blend
    >>> blend(np.array([[0.0, 1.0], [1.0, 1.0]]), [3, 1])
    array([0.25, 1.  ])
    """
    return np.average(np.asarray(predictions, dtype=float), axis=0, weights=weights)


def greedy_selection(predictions, score, *, n_iterations=N_ITERATIONS):
    """Weights by greedy forward selection with replacement (Caruana et al.).

    Starting from an empty ensemble, each round adds the candidate (possibly
    one already in it) whose addition gives the blend with the best
    ``score``; a candidate's weight is how often it was added.  Of the
    ``n_iterations`` ensembles built on the way, the one with the best score
    is returned, the earliest among equals: so the result never scores below
    the best single candidate, which is the first round's pick.  Ties within
    a round go to the candidate listed first (list the candidates best
    first).

    Parameters
    ----------
    predictions : ndarray of shape (n_candidates, n_samples) or \
            (n_candidates, n_samples, n_classes)
        Each candidate's out-of-fold predictions: values, or probabilities.
    score : callable
        ``score(blended) -> float``, greater is better, for a blend shaped as
        one candidate's predictions.
    n_iterations : int, default=50
        Rounds of selection.

    Returns
    -------
    weights : ndarray of int of shape (n_candidates,)
        How many times each candidate was picked; zero for the left out.
    best_score : float
        The score of the returned ensemble.

    Examples
    --------
    Two candidates that err in opposite directions: together they are exact.

    >>> import numpy as np
    >>> from easy_mlops.training.ensemble import greedy_selection
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> predictions = np.array([y + 1, y - 1, y + 2])
    >>> weights, best = greedy_selection(predictions, lambda p: -np.abs(p - y).sum())
    >>> weights.tolist(), bool(best == 0)
    ([1, 1, 0], True)
    """
    predictions = np.asarray(predictions, dtype=float)
    if n_iterations < 1:
        raise ValueError(f"n_iterations must be at least 1. Got {n_iterations}.")
    counts = np.zeros(predictions.shape[0], dtype=int)
    total = np.zeros(predictions.shape[1:])
    best_counts, best_score = counts, -np.inf
    for size in range(1, n_iterations + 1):
        # The blend with candidate i added is (total + predictions[i]) / size.
        scores = [score((total + p) / size) for p in predictions]
        pick = int(np.argmax(scores))
        counts = counts.copy()
        counts[pick] += 1
        total = total + predictions[pick]
        if scores[pick] > best_score:
            best_counts, best_score = counts, float(scores[pick])
    return best_counts, best_score


def oof_score(score_fold, y, folds, blended):
    """The mean over folds of a blend's score, as the leaderboard's ``cv_mean``.

    Parameters
    ----------
    score_fold : callable
        ``score_fold(y_test, blended_test, test) -> float`` for one fold's rows
        (``test`` their indices, for sample weights).
    y : ndarray of shape (n_samples,)
    folds : list of (train, test) index arrays
        No row is in two ``test`` parts (the rows a hold-out keeps back are
        in none).
    blended : ndarray of shape (n_samples,) or (n_samples, n_classes)

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.ensemble import oof_score
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> first, second = np.array([0, 1]), np.array([2, 3])
    >>> folds = [(second, first), (first, second)]
    >>> oof_score(lambda t, p, rows: -abs(t - p).max(), y, folds, y + [0, 1, 0, 3])
    -2.0
    """
    return float(
        np.mean([score_fold(y[test], blended[test], test) for _, test in folds])
    )


def voting_model(members, weights, problem_type, X, y):
    """scikit-learn's voting ensemble over fitted members, with weights.

    Each member is wrapped in :class:`sklearn.frozen.FrozenEstimator`, so the
    voting ensemble's ``fit`` only records the classes and keeps the members
    as they were fitted (each with its own preprocessing and sample weights).

    Parameters
    ----------
    members : list of (str, estimator)
        Names and fitted models, with ``predict_proba`` for classification.
    weights : list of float
        One positive weight per member.
    problem_type : {"classification", "regression"}
    X, y
        The rows the members were fitted on (the voting classifier learns the
        class labels from ``y``).

    Returns
    -------
    model : VotingClassifier or VotingRegressor
        Fitted; a classifier votes with probabilities (``voting="soft"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from easy_mlops.training.ensemble import voting_model
    >>> X, y = load_iris(return_X_y=True)
    >>> members = [("linear", LogisticRegression(max_iter=500).fit(X, y)),
    ...            ("tree", DecisionTreeClassifier(max_depth=2).fit(X, y))]
    >>> model = voting_model(members, [3, 1], "classification", X, y)
    >>> probabilities = [member.predict_proba(X) for _, member in members]
    >>> expected = (3 * probabilities[0] + probabilities[1]) / 4
    >>> bool(np.allclose(model.predict_proba(X), expected))
    True
    """
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.frozen import FrozenEstimator

    estimators = [(name, FrozenEstimator(model)) for name, model in members]
    if problem_type == "classification":
        model = VotingClassifier(estimators, voting="soft", weights=list(weights))
    else:
        model = VotingRegressor(estimators, weights=list(weights))
    return model.fit(X, y)


def out_of_fold(outcomes, folds, n_rows, classes):
    """A candidate's out-of-fold predictions, assembled from its fold outcomes.

    Parameters
    ----------
    outcomes : list of FitOutcome
        The candidate's scored folds, each with ``test`` and ``predictions``.
    folds : list of (train, test) index arrays
    n_rows : int
    classes : ndarray or None
        All class labels, for classification: probability columns are placed
        by label, a label a fold did not see getting 0.

    Returns
    -------
    predictions : ndarray of shape (n_rows,) or (n_rows, n_classes), or None
        None when a fold is missing or failed, or when a classifier has no
        probabilities (it cannot vote softly).
    """
    done = [o for o in outcomes if o.error is None and o.predictions is not None]
    if len(done) != len(folds):
        return None
    if classes is None:
        predictions = np.zeros(n_rows)
    else:
        predictions = np.zeros((n_rows, len(classes)))
    for outcome in done:
        if classes is None:
            predictions[outcome.test] = outcome.predictions
        elif outcome.predictions.ndim != 2:
            return None
        else:
            columns = np.searchsorted(classes, outcome.classes)
            predictions[np.ix_(outcome.test, columns)] = outcome.predictions
    return predictions


def fold_scorer(scoring, problem_type, classes, sample_weight):
    """``score_fold(y_test, blended_test, rows)`` with the run's ``scoring``.

    With ``scoring=None``: accuracy of the most probable class, or R².  A
    scorer name or callable is called with a stand-in estimator that answers
    with the blended outputs, so any scikit-learn scorer works.  Accuracy,
    balanced accuracy and R² (by name, or as the default) are computed
    directly with NumPy, as scikit-learn defines them: greedy selection
    scores hundreds of blends, and a scorer call's checks cost more than the
    metric.
    """
    from .metrics import default_score

    name = scoring
    if scoring is None:
        name = "accuracy" if problem_type == "classification" else "r2"
    direct = _DIRECT.get(name) if isinstance(name, str) else None

    def score_fold(y_test, blended, rows):
        weights = None if sample_weight is None else sample_weight[rows]
        pred = (
            blended
            if classes is None or blended.ndim == 1
            else classes[blended.argmax(axis=1)]
        )
        if direct is not None and (classes is None) == (name == "r2"):
            return direct(np.asarray(y_test), pred, weights)
        if scoring is None:
            return default_score(problem_type, y_test, pred, weights)
        from sklearn.metrics import get_scorer

        scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
        kwargs = {} if weights is None else {"sample_weight": weights}
        stand_in = _Outputs(blended, classes)
        return float(
            scorer(stand_in, np.arange(len(y_test))[:, None], y_test, **kwargs)
        )

    return score_fold


def _accuracy(y_true, y_pred, weights):
    """``sklearn.metrics.accuracy_score``."""
    return float(np.average(y_true == y_pred, weights=weights))


def _balanced_accuracy(y_true, y_pred, weights):
    """``sklearn.metrics.balanced_accuracy_score``: the mean recall of the
    classes present in ``y_true`` (not adjusted)."""
    weights = np.ones(y_true.shape[0]) if weights is None else np.asarray(weights)
    correct = y_true == y_pred
    recalls = []
    for label in np.unique(y_true):
        mine = y_true == label
        total = weights[mine].sum()
        if total != 0:  # scikit-learn drops only the classes it divides 0 by
            recalls.append(weights[mine & correct].sum() / total)
    return float(np.mean(recalls))


def _r2(y_true, y_pred, weights):
    """``sklearn.metrics.r2_score`` (finite: a constant target scores 1 when
    predicted exactly, else 0; NaN for fewer than two rows)."""
    if y_true.shape[0] < 2:
        return float("nan")  # scikit-learn: not well-defined with one sample
    y_true = y_true.astype(float)
    weights = np.ones(y_true.shape[0]) if weights is None else np.asarray(weights)
    residual = (weights * (y_true - y_pred) ** 2).sum()
    spread = (weights * (y_true - np.average(y_true, weights=weights)) ** 2).sum()
    if spread == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / spread)


#: The metrics of :func:`fold_scorer`'s direct path, by scorer name.
_DIRECT = {
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced_accuracy,
    "r2": _r2,
}


class _Outputs:
    """Answers a scorer with fixed outputs, for the rows it is given by index."""

    def __init__(self, outputs, classes):
        self.outputs, self.classes_ = outputs, classes

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        kind = "regressor" if self.classes_ is None else "classifier"
        return Tags(estimator_type=kind, target_tags=TargetTags(required=True))

    def predict(self, X):
        out = self.outputs[np.asarray(X)[:, 0]]
        return out if self.classes_ is None else self.classes_[out.argmax(axis=1)]

    def predict_proba(self, X):
        if self.classes_ is None:
            raise AttributeError("a regressor has no predict_proba")
        return self.outputs[np.asarray(X)[:, 0]]


@dataclass
class Chosen:
    """The outcome of ensemble selection over a comparison.

    Attributes
    ----------
    members : list of (EstimatorBackend, float) or None
        The members and their weights (summing to 1); None when fewer than
        two candidates could be, or were, chosen: the best single model is
        kept then, and ``note`` says why.
    row : dict or None
        The ensemble's leaderboard row (its folds' scores of the blended
        out-of-fold predictions, on which the weights were chosen).
    weights : dict of str to float
        ``model_type`` -> weight, for the run record.
    note : str
    """

    members: list | None
    row: dict | None = None
    weights: dict | None = None
    note: str = ""


def select_members(backend, ranked, outcomes, data, problem_type, scoring):
    """Choose an ensemble's members and weights among a comparison's candidates.

    Parameters
    ----------
    backend : EstimatorBackend
        The comparing backend (its ``for_model_type``).
    ranked : list of dict
        The ranked leaderboard rows, best first.
    outcomes : list of FitOutcome
        The candidates' folds, with their predictions.
    data : tuple
        ``(y, sample_weight, folds)``.
    problem_type : str
    scoring : str, callable or None
        What the comparison ranks by; the selection maximises it.

    Returns
    -------
    chosen : Chosen
    """
    y, sample_weight, all_folds = data
    classes = np.unique(y) if problem_type == "classification" else None
    # Each candidate's folds that ran, from the first on: a time_budget may
    # stop the last rungs of the halving part-way.
    ran = []
    for row in ranked:
        name = row["model_type"]
        mine = [o for o in outcomes if o.role == "fold" and o.model_type == name]
        first = _first_folds(mine, all_folds)
        if classes is not None and any(o.predictions.ndim != 2 for o in first):
            first = []  # a classifier without probabilities cannot vote softly
        ran.append(first)
    # Selection reads the folds that at least two candidates ran: every fold
    # unless the budget stopped the halving early.
    n_folds = sorted((len(first) for first in ran), reverse=True)[1:2] or [0]
    folds = all_folds[: n_folds[0]]
    usable, predictions = [], []
    for row, first in zip(ranked, ran, strict=True):
        if folds and len(first) >= len(folds) and len(usable) < ENSEMBLE_MEMBERS:
            usable.append(row)
            predictions.append(
                out_of_fold(first[: len(folds)], folds, y.shape[0], classes)
            )
    kind = "probabilities" if classes is not None else "predictions"
    if len(usable) < 2:
        having = [
            row["model_type"] for row, first in zip(ranked, ran, strict=True) if first
        ]
        return Chosen(
            None,
            note=f"ensemble: fewer than two candidates have out-of-fold {kind} on "
            f"the same folds (with {kind}: {', '.join(having) or 'none'}); the "
            "best single model is kept.",
        )
    note = ""
    if len(folds) < len(all_folds):
        note = (
            f"ensemble: weights chosen on the first {len(folds)} of "
            f"{len(all_folds)} folds, the ones its candidates all ran (the "
            "time_budget stopped the others, or they failed)."
        )
    score_fold = fold_scorer(scoring, problem_type, classes, sample_weight)
    counts, _ = greedy_selection(
        np.asarray(predictions), lambda b: oof_score(score_fold, y, folds, b)
    )
    if (counts > 0).sum() < 2:
        return Chosen(
            None,
            note="ensemble: greedy selection found no blend better than "
            f"{usable[int(counts.argmax())]['model_type']} alone; it is kept.",
        )
    weights = counts / counts.sum()
    blended = blend(np.asarray(predictions), weights)
    scores = [score_fold(y[test], blended[test], test) for _, test in folds]
    picked = [(row, float(w)) for row, w in zip(usable, weights, strict=True) if w > 0]
    row = {
        "model_type": ENSEMBLE,
        "estimator": "VotingClassifier" if classes is not None else "VotingRegressor",
        "cv_mean": float(np.mean(scores)),
        "cv_std": float(np.std(scores)),
        "cv_scores": scores,
        "fit_seconds_per_row": float(sum(r["fit_seconds_per_row"] for r, _ in picked)),
        "predict_seconds_per_row": float(
            sum(r["predict_seconds_per_row"] for r, _ in picked)
        ),
        "error": None,
    }
    return Chosen(
        members=[
            (backend.for_model_type(r["model_type"], scoring), w) for r, w in picked
        ],
        row=row,
        weights={r["model_type"]: w for r, w in picked},
        note=note,
    )


def _first_folds(outcomes, folds):
    """A candidate's outcomes of ``folds``, in order, up to the first missing
    or failed one (a fold's outcome is found by its test rows: outcomes from
    worker processes hold copies of them)."""
    done = [o for o in outcomes if o.error is None and o.predictions is not None]
    first = []
    for _, test in folds:
        match = next(
            (
                o
                for o in done
                if o.test is test
                or (len(o.test) == len(test) and np.array_equal(o.test, test))
            ),
            None,
        )
        if match is None:
            break
        first.append(match)
    return first
