"""Ensemble selection: the greedy weights, the blend, the voting model."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from easy_mlops.training.ensemble import (
    blend,
    greedy_selection,
    oof_score,
    voting_model,
)


def selection_by_hand(predictions, score, n_iterations):
    """Caruana's loop written plainly: a list of picks, each blend recomputed."""
    picks, history = [], []
    for _ in range(n_iterations):
        trials = []
        for candidate in range(len(predictions)):
            members = [predictions[i] for i in picks + [candidate]]
            trials.append(score(sum(members) / len(members)))
        best = max(range(len(trials)), key=lambda i: (trials[i], -i))
        picks.append(best)
        history.append((trials[best], list(picks)))
    top = max(score for score, _ in history)
    chosen = next(picks for score, picks in history if score == top)
    return np.bincount(chosen, minlength=len(predictions)), top


@pytest.fixture(scope="module")
def classification_oof():
    X, y = make_classification(
        n_samples=160, n_features=6, n_informative=3, n_classes=3, random_state=3
    )
    folds = list(StratifiedKFold(4, shuffle=True, random_state=0).split(X, y))
    models = [
        LogisticRegression(max_iter=500),
        RandomForestClassifier(n_estimators=15, random_state=0),
        GaussianNB(),
        KNeighborsClassifier(7),
        DecisionTreeClassifier(max_depth=3, random_state=0),
    ]
    predictions = np.array(
        [cross_val_predict(m, X, y, cv=folds, method="predict_proba") for m in models]
    )
    return X, y, folds, predictions


@pytest.fixture(scope="module")
def regression_oof():
    X, y = make_friedman1(n_samples=150, noise=1.0, random_state=4)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    models = [
        LinearRegression(),
        RandomForestRegressor(n_estimators=15, random_state=0),
        KNeighborsRegressor(5),
        DecisionTreeRegressor(max_depth=3, random_state=0),
    ]
    predictions = np.array([cross_val_predict(m, X, y, cv=folds) for m in models])
    return X, y, folds, predictions


def fold_mean(metric, y, folds, transform=lambda p: p):
    return lambda p: oof_score(
        lambda t, q, rows: metric(t, transform(q)), y, folds, p
    )


@pytest.mark.parametrize("n_iterations", [1, 7, 50])
def test_classification_weights_equal_an_independent_selection(
    classification_oof, n_iterations
):
    _, y, folds, predictions = classification_oof
    score = fold_mean(lambda t, p: -log_loss(t, p, labels=[0, 1, 2]), y, folds)
    weights, best = greedy_selection(predictions, score, n_iterations=n_iterations)
    expected, expected_best = selection_by_hand(predictions, score, n_iterations)
    np.testing.assert_array_equal(weights, expected)
    assert best == pytest.approx(expected_best)
    assert best == pytest.approx(score(blend(predictions, weights)))


def test_regression_weights_equal_an_independent_selection(regression_oof):
    _, y, folds, predictions = regression_oof
    score = fold_mean(r2_score, y, folds)
    weights, best = greedy_selection(predictions, score, n_iterations=30)
    expected, _ = selection_by_hand(predictions, score, 30)
    np.testing.assert_array_equal(weights, expected)
    assert (weights > 0).sum() >= 2  # a real blend, not one model


@pytest.mark.parametrize(
    "metric",
    [
        lambda t, p: accuracy_score(t, p.argmax(axis=1)),
        lambda t, p: -log_loss(t, p, labels=[0, 1, 2]),
    ],
    ids=["accuracy", "log_loss"],
)
def test_the_ensemble_never_scores_below_its_best_member(classification_oof, metric):
    _, y, folds, predictions = classification_oof
    score = fold_mean(metric, y, folds)
    weights, best = greedy_selection(predictions, score)
    members = [score(p) for p in predictions]
    assert best >= max(members)
    assert score(blend(predictions, weights)) == pytest.approx(best)


def test_a_single_best_candidate_gets_all_the_weight():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    predictions = np.array([y, y + 5, y - 5])
    weights, best = greedy_selection(predictions, lambda p: -np.abs(p - y).sum())
    assert weights.tolist() == [1, 0, 0]
    assert best == 0


def test_ties_go_to_the_candidate_listed_first():
    predictions = np.array([[1.0, 1.0], [1.0, 1.0]])
    weights, _ = greedy_selection(predictions, lambda p: 0.0, n_iterations=5)
    assert weights.tolist() == [1, 0]


def test_n_iterations_must_be_positive():
    with pytest.raises(ValueError, match="n_iterations must be at least 1. Got 0"):
        greedy_selection(np.zeros((2, 3)), lambda p: 0.0, n_iterations=0)


def test_voting_classifier_probabilities_are_the_weighted_average(classification_oof):
    X, y, _, _ = classification_oof
    names = np.array(["a", "b", "c"])
    labels = names[y]
    members = [
        ("linear", LogisticRegression(max_iter=500).fit(X, labels)),
        ("forest", RandomForestClassifier(n_estimators=5, random_state=0).fit(X, labels)),
    ]
    model = voting_model(members, [2, 5], "classification", X, labels)
    probas = np.array([m.predict_proba(X) for _, m in members])
    expected = (2 * probas[0] + 5 * probas[1]) / 7
    np.testing.assert_allclose(model.predict_proba(X), expected)
    np.testing.assert_array_equal(model.predict(X), names[expected.argmax(axis=1)])
    assert type(model).__name__ == "VotingClassifier" and model.voting == "soft"
    np.testing.assert_array_equal(model.classes_, ["a", "b", "c"])


def test_voting_regressor_predicts_the_weighted_average(regression_oof):
    X, y, _, _ = regression_oof
    members = [
        ("linear", LinearRegression().fit(X, y)),
        ("tree", DecisionTreeRegressor(max_depth=3).fit(X, y)),
    ]
    model = voting_model(members, [1, 3], "regression", X, y)
    expected = (members[0][1].predict(X) + 3 * members[1][1].predict(X)) / 4
    np.testing.assert_allclose(model.predict(X), expected)
