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

import numpy as np

__all__ = [
    "ENSEMBLE",
    "N_ITERATIONS",
    "blend",
    "greedy_selection",
    "oof_score",
    "voting_model",
]

#: The ``model_type`` (alone or in a list) that ensembles the candidates.
ENSEMBLE = "ensemble"

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
        Every row is in exactly one ``test``.
    blended : ndarray of shape (n_samples,) or (n_samples, n_classes)

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.ensemble import oof_score
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> folds = [(np.array([2, 3]), np.array([0, 1])), (np.array([0, 1]), np.array([2, 3]))]
    >>> oof_score(lambda t, p, rows: -abs(t - p).max(), y, folds, y + [0, 1, 0, 3])
    -2.0
    """
    return float(np.mean([score_fold(y[test], blended[test], test) for _, test in folds]))


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
    >>> expected = (3 * members[0][1].predict_proba(X) + members[1][1].predict_proba(X)) / 4
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
