"""Ensemble selection: the greedy weights, the blend, the voting model."""

import warnings

import numpy as np
import pytest
from _folds import training_rows_and_folds
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss, r2_score
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
    return lambda p: oof_score(lambda t, q, rows: metric(t, transform(q)), y, folds, p)


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
        (
            "forest",
            RandomForestClassifier(n_estimators=5, random_state=0).fit(X, labels),
        ),
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


# -- through ModelTrainer ------------------------------------------------------

LISTED = ["logistic_regression", "random_forest_classifier", "extra_trees", "ensemble"]
TREES = {"n_estimators": 10}


def member_estimators():
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # A regularised linear model gets standardised input (ModelSpec.scale).
    return {
        "logistic_regression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000, random_state=42)
        ),
        "random_forest_classifier": RandomForestClassifier(
            n_estimators=10, random_state=42
        ),
        "extra_trees": ExtraTreesClassifier(n_estimators=10, random_state=42),
    }


@pytest.fixture(scope="module")
def ensembled(multiclass_data):
    from easy_mlops import ModelTrainer

    X, y = multiclass_data
    trainer = ModelTrainer(
        {"model_type": LISTED, "model_params": TREES}, cv_folds=3, n_jobs=1
    )
    return trainer.fit(X, y)


def test_the_weights_are_greedy_selection_on_the_same_out_of_fold_predictions(
    ensembled, multiclass_data
):
    X, y = multiclass_data
    # Selection sees the hold-out's training rows only.
    train, folds = training_rows_and_folds(y, 3, classification=True)
    X, y = X[train], y[train]
    board = [r for r in ensembled.training_result_.leaderboard if r["error"] is None]
    names = [r["model_type"] for r in board if r["model_type"] != "ensemble"]
    estimators = member_estimators()
    predictions = np.array(
        [
            cross_val_predict(estimators[n], X, y, cv=folds, method="predict_proba")
            for n in names
        ]
    )
    # Selection maximises what the comparison ranks by: balanced accuracy.
    score = fold_mean(
        lambda t, p: balanced_accuracy_score(t, p.argmax(axis=1)), y, folds
    )
    counts, best = selection_by_hand(predictions, score, 50)
    expected = {
        n: c / counts.sum() for n, c in zip(names, counts, strict=True) if c > 0
    }
    result = ensembled.training_result_
    assert result.ensemble_weights == pytest.approx(expected)
    assert result.leaderboard[0]["model_type"] == "ensemble"
    assert result.leaderboard[0]["cv_mean"] == pytest.approx(best)
    assert result.leaderboard[0]["cv_mean"] >= max(r["cv_mean"] for r in board[1:])
    assert result.model_type == LISTED and result.model_name == "VotingClassifier"


def test_the_ensemble_is_a_soft_voting_classifier_of_its_members(
    ensembled, multiclass_data
):
    from sklearn.ensemble import VotingClassifier

    X, _ = multiclass_data
    model = ensembled.estimator_
    assert isinstance(model, VotingClassifier) and model.voting == "soft"
    weights = ensembled.training_result_.ensemble_weights
    assert [name for name, _ in model.estimators] == list(weights)
    assert model.weights == list(weights.values())
    probas = [member.predict_proba(X) for member in model.estimators_]
    expected = np.average(probas, axis=0, weights=list(weights.values()))
    np.testing.assert_allclose(ensembled.predict_proba(X), expected)
    np.testing.assert_array_equal(
        ensembled.predict(X), ensembled.classes_[expected.argmax(axis=1)]
    )


def test_the_holdout_scores_members_fitted_without_the_holdout(
    ensembled, multiclass_data
):
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    X, y = multiclass_data
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, shuffle=True, random_state=42
    )
    weights = ensembled.training_result_.ensemble_weights
    estimators = member_estimators()
    probas = [
        clone(estimators[name]).fit(X_train, y_train).predict_proba(X_test)
        for name in weights
    ]
    blended = np.average(probas, axis=0, weights=list(weights.values()))
    expected = accuracy_score(y_test, blended.argmax(axis=1))
    assert ensembled.training_result_.metrics["accuracy"] == pytest.approx(expected)


@pytest.mark.parametrize("format", ["joblib", "skops"])
def test_an_ensemble_saves_loads_and_clones(
    ensembled, multiclass_data, tmp_path, format
):
    from sklearn.base import clone

    from easy_mlops.training import load_model

    X, y = multiclass_data
    path = tmp_path / "model.easymlops"
    ensembled.save_model(path, format=format)
    trusted = ["sklearn.tree._tree.Tree", "sklearn.utils._bunch.Bunch"]
    loaded = load_model(path, trusted=trusted if format == "skops" else None)
    np.testing.assert_allclose(loaded.predict_proba(X), ensembled.predict_proba(X))
    assert loaded.training_result_.ensemble_weights == pytest.approx(
        ensembled.training_result_.ensemble_weights
    )
    copy = clone(ensembled)
    assert copy.get_params() == ensembled.get_params()
    assert not hasattr(copy, "training_result_")


def test_a_regression_ensemble_is_a_voting_regressor(regression_data):
    from sklearn.ensemble import VotingRegressor

    from easy_mlops import ModelTrainer

    X, y = regression_data
    trainer = ModelTrainer(
        {
            "model_type": ["linear_regression", "random_forest_regressor", "ensemble"],
            "model_params": TREES,
        },
        cv_folds=3,
    ).fit(X, y)
    model = trainer.estimator_
    weights = trainer.training_result_.ensemble_weights
    if len(weights) > 1:
        assert isinstance(model, VotingRegressor)
        expected = np.average(
            [m.predict(X) for m in model.estimators_], axis=0, weights=model.weights
        )
        np.testing.assert_allclose(trainer.predict(X), expected)
    else:  # one member was as good as any blend: the single model is kept
        assert any(
            "the best single model" in w or "alone" in w
            for w in trainer.training_result_.warnings
        )


def test_fewer_than_two_candidates_fall_back_to_the_best_model(regression_data):
    from easy_mlops import ModelTrainer

    X, y = regression_data
    trainer = ModelTrainer(
        {"model_type": ["linear_regression", "ensemble"]}, cv_folds=3
    ).fit(X, y)
    result = trainer.training_result_
    assert result.model_name == "LinearRegression"
    assert result.ensemble_weights == {}
    assert any("fewer than two candidates" in w for w in result.warnings)


def test_a_callable_backend_cannot_be_ensembled():
    from easy_mlops import ModelTrainer

    config = {
        "backend": "callable",
        "build_model": lambda config, problem_type: None,
        "train_fn": lambda model, X, y, config: None,
        "predict_fn": lambda model, X: None,
        "model_type": "ensemble",
    }
    with pytest.raises(
        ValueError,
        match="no model catalogue, so model_type "
        "'ensemble' cannot compare or ensemble models",
    ):
        ModelTrainer(config).fit(np.zeros((10, 2)), np.arange(10.0))


def test_ensemble_alone_in_a_list_is_refused():
    from easy_mlops import ModelTrainer

    with pytest.raises(ValueError, match="lists only 'ensemble'"):
        ModelTrainer(model_type=["ensemble"]).fit(np.zeros((10, 2)), np.arange(10.0))


def test_ensemble_draws_from_the_portfolio_and_compare_does_not():
    from easy_mlops.training import SklearnBackend
    from easy_mlops.training.comparison import candidate_entries
    from easy_mlops.training.settings import resolve_settings

    def entries(**settings):
        backend = SklearnBackend(resolve_settings(None, settings))
        return candidate_entries(backend, "classification")[0]

    portfolio = {n for n, s in SklearnBackend.model_types.items() if s.portfolio_only}
    assert not portfolio & set(entries(model_type="compare"))
    assert "extra_trees" in entries(model_type="ensemble")
    assert "extra_trees" in entries(model_type="compare", time_budget=30)


def test_the_report_draws_the_weights(ensembled, tmp_path):
    pytest.importorskip("matplotlib")
    from easy_mlops.report import write_report

    report = write_report(ensembled, tmp_path)
    assert tmp_path / "ensemble_weights.png" in report.files
    assert "ensemble_weights.png" in (tmp_path / "index.html").read_text()


def test_grid_search_over_model_type_takes_an_ensemble(multiclass_data):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

    from easy_mlops import ModelTrainer

    X, y = multiclass_data
    base = ModelTrainer({"model_params": TREES}, cv_folds=3, test_size=0)
    grid = {"model_type": [LISTED, [n for n in LISTED if n != "ensemble"]]}
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(base, grid, cv=folds).fit(X, y)
    # Each candidate scores as the same trainer cross-validated by hand.
    for params, score in zip(
        search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
    ):
        by_hand = cross_val_score(clone(base).set_params(**params), X, y, cv=folds)
        assert score == pytest.approx(by_hand.mean())
    best = search.best_estimator_.training_result_
    assert best.model_type == search.best_params_["model_type"]
    if best.model_type == LISTED:
        assert best.model_name == "VotingClassifier"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
def test_the_direct_fold_scores_are_scikit_learns(seed, weighted):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score

    from easy_mlops.training.ensemble import fold_scorer

    rng = np.random.default_rng(seed)
    n = 40
    weights = rng.uniform(0, 2, n) if weighted else None
    # Four labels, one of which the fold may lack or never predict.
    classes = np.array(["a", "b", "c", "d"])
    y = rng.choice(classes[: 2 + seed % 3], n)
    probabilities = rng.dirichlet(np.ones(4), n)
    pred = classes[probabilities.argmax(axis=1)]
    rows = np.arange(n)
    for scoring, metric in [
        (None, accuracy_score),
        ("accuracy", accuracy_score),
        ("balanced_accuracy", balanced_accuracy_score),
    ]:
        score = fold_scorer(scoring, "classification", classes, weights)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a class predicted, never true
            expected = metric(y, pred, sample_weight=weights)
        assert score(y, probabilities, rows) == pytest.approx(expected, abs=1e-12)
    values = rng.normal(size=n) if seed else np.full(n, 2.0)  # constant once
    guess = values + rng.normal(scale=0.5, size=n)
    for scoring in [None, "r2"]:
        score = fold_scorer(scoring, "regression", None, weights)
        expected = r2_score(values, guess, sample_weight=weights)
        assert score(values, guess, rows) == pytest.approx(expected, abs=1e-12)
        assert score(values, values.copy(), rows) == pytest.approx(1.0)


def test_the_direct_fold_scores_take_the_rows_weights_and_tiny_folds():
    from sklearn.metrics import balanced_accuracy_score, r2_score

    from easy_mlops.training import ensemble

    classes = np.array([0, 1, 2])
    y = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    probabilities = np.eye(3)[[0, 1, 1, 0, 2, 2, 0, 1]] + 0.1
    weights = np.array([9.0, 9.0, 1.0, 1.0, 0.0, 0.0, 1.0, 2.0])
    rows = np.array([2, 3, 4, 5, 6, 7])  # the fold's rows: their weights count
    score = ensemble.fold_scorer(
        "balanced_accuracy", "classification", classes, weights
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # class 2 has no weight in the fold
        expected = balanced_accuracy_score(
            y[rows],
            classes[probabilities[rows].argmax(axis=1)],
            sample_weight=weights[rows],
        )
    assert score(y[rows], probabilities[rows], rows) == pytest.approx(expected)
    # The direct path is the one taken: no scikit-learn scorer is called.
    assert "balanced_accuracy" in ensemble._DIRECT
    # One row: R² is not defined, as scikit-learn says (NaN).
    r2 = ensemble.fold_scorer("r2", "regression", None, None)
    assert np.isnan(r2(np.array([1.0]), np.array([1.5]), np.array([0])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(r2_score([1.0], [1.5]))


def test_an_ensemble_keeps_at_most_three_members(multiclass_data):
    from easy_mlops import ModelTrainer
    from easy_mlops.training.ensemble import ENSEMBLE_MEMBERS

    X, y = multiclass_data
    entries = [
        "logistic_regression",
        "random_forest_classifier",
        "extra_trees",
        "random_forest_entropy",
        "hist_gradient_boosting",
    ]
    trainer = ModelTrainer(
        {
            "model_type": [*entries, "ensemble"],
            "model_params": {"n_estimators": 10, "max_iter": 20},
        },
        cv_folds=3,
    ).fit(X, y)
    result = trainer.training_result_
    complete = [
        row
        for row in result.leaderboard
        if row["model_type"] != "ensemble" and row["error"] is None
    ]
    assert ENSEMBLE_MEMBERS == 3
    assert len(complete) == ENSEMBLE_MEMBERS
    assert all(len(row["cv_scores"]) == 3 for row in complete)
    assert set(result.ensemble_weights) <= {row["model_type"] for row in complete}
    assert (
        sum("stopped after 1 of 3 folds" == row["error"] for row in result.leaderboard)
        == len(entries) - ENSEMBLE_MEMBERS
    )


# -- a time_budget that stopped the halving part-way ----------------------------


class _Named:
    """Stands for the comparing backend: a member is known by its name."""

    def for_model_type(self, name, scoring):
        return name


def budget_cut_outcomes(folds_ran):
    """Fold outcomes of four regressors on five folds, each candidate having
    run its first ``folds_ran[name]`` folds (copies of the test rows, as
    worker processes send back)."""
    from easy_mlops.training._fit_runner import FitOutcome

    X, y = make_friedman1(n_samples=200, noise=1.0, random_state=5)
    folds = list(KFold(5, shuffle=True, random_state=1).split(X))
    models = {
        "linear": LinearRegression(),
        "forest": RandomForestRegressor(n_estimators=15, random_state=0),
        "neighbours": KNeighborsRegressor(5),
        "tree": DecisionTreeRegressor(max_depth=3, random_state=0),
    }
    oof = {name: cross_val_predict(m, X, y, cv=folds) for name, m in models.items()}
    outcomes = [
        FitOutcome(
            "fold",
            model_type=name,
            score=r2_score(y[test], oof[name][test]),
            test=test.copy(),
            predictions=oof[name][test],
        )
        for name, n_folds in folds_ran.items()
        for _, test in folds[:n_folds]
    ]
    ranked = [
        {
            "model_type": name,
            "fit_seconds_per_row": 0.0,
            "predict_seconds_per_row": 0.0,
        }
        for name in folds_ran
    ]
    return y, folds, oof, outcomes, ranked


def test_a_budget_cut_selects_on_the_folds_the_candidates_share():
    from easy_mlops.training.ensemble import select_members

    # The budget stopped the last rung: "linear" ran every fold, "forest" and
    # "neighbours" three, "tree" only the first rung's one.
    ran = {"linear": 5, "forest": 3, "neighbours": 3, "tree": 1}
    y, folds, oof, outcomes, ranked = budget_cut_outcomes(ran)
    chosen = select_members(
        _Named(), ranked, outcomes, (y, None, folds), "regression", "r2"
    )
    shared = folds[:3]
    names = ["linear", "forest", "neighbours"]
    score = fold_mean(r2_score, y, shared)
    counts, best = selection_by_hand(np.array([oof[n] for n in names]), score, 50)
    expected = {n: c / counts.sum() for n, c in zip(names, counts, strict=True) if c}
    assert len(expected) >= 2
    assert chosen.weights == pytest.approx(expected)
    assert [m for m, _ in chosen.members] == list(expected)
    assert chosen.row["cv_mean"] == pytest.approx(best)
    assert len(chosen.row["cv_scores"]) == 3
    assert "first 3 of 5 folds" in chosen.note


def test_every_fold_run_selects_on_every_fold_with_no_note():
    from easy_mlops.training.ensemble import select_members

    ran = {"linear": 5, "forest": 5, "neighbours": 5, "tree": 1}
    y, folds, oof, outcomes, ranked = budget_cut_outcomes(ran)
    chosen = select_members(
        _Named(), ranked, outcomes, (y, None, folds), "regression", "r2"
    )
    names = ["linear", "forest", "neighbours"]
    counts, best = selection_by_hand(
        np.array([oof[n] for n in names]), fold_mean(r2_score, y, folds), 50
    )
    assert chosen.row["cv_mean"] == pytest.approx(best)
    assert len(chosen.row["cv_scores"]) == 5
    assert chosen.note == ""


def test_a_cut_after_the_first_rung_selects_among_the_three_best_ranked():
    from easy_mlops.training.ensemble import select_members

    # Only the first fold is shared by more than one candidate: selection on
    # it reads the first three by rank (the most members an ensemble has),
    # though "tree" would add to the blend.
    ran = {"linear": 5, "forest": 1, "neighbours": 1, "tree": 1}
    y, folds, oof, outcomes, ranked = budget_cut_outcomes(ran)
    chosen = select_members(
        _Named(), ranked, outcomes, (y, None, folds), "regression", "r2"
    )
    score = fold_mean(r2_score, y, folds[:1])
    names = ["linear", "forest", "neighbours"]
    counts, best = selection_by_hand(np.array([oof[n] for n in names]), score, 50)
    every, _ = selection_by_hand(np.array([oof[n] for n in ran]), score, 50)
    assert every[-1] > 0
    assert chosen.weights == pytest.approx(
        {n: c / counts.sum() for n, c in zip(names, counts, strict=True) if c}
    )
    assert chosen.row["cv_mean"] == pytest.approx(best)
    assert "first 1 of 5 folds" in chosen.note


def test_a_budget_never_reached_gives_the_same_ensemble(ensembled, multiclass_data):
    from easy_mlops import ModelTrainer

    X, y = multiclass_data
    budgeted = ModelTrainer(
        {"model_type": LISTED, "model_params": TREES, "time_budget": 600},
        cv_folds=3,
        n_jobs=1,
    ).fit(X, y)
    expected = ensembled.training_result_
    result = budgeted.training_result_
    assert len(result.ensemble_weights) >= 2
    assert result.ensemble_weights == pytest.approx(expected.ensemble_weights)
    assert result.skipped == expected.skipped
    assert budgeted.predict_proba(X) == pytest.approx(ensembled.predict_proba(X))


def test_members_whose_final_fits_the_budget_cannot_afford_are_dropped():
    from easy_mlops.training.budget import TimeBudget
    from easy_mlops.training.flow import _affordable

    class Member:
        def __init__(self, name):
            self.config = {"model_type": name}

    class Comparing:
        config = {"n_jobs": 1, "test_size": 0.2}

    heavy, light, first = Member("heavy"), Member("light"), Member("first")
    board = [
        {"model_type": "first", "fit_seconds_per_row": 0.01},
        {"model_type": "heavy", "fit_seconds_per_row": 0.5},
        {"model_type": "light", "fit_seconds_per_row": 0.001},
    ]
    budget = TimeBudget(60)
    kept = _affordable(
        [(heavy, 0.3), (first, 0.5), (light, 0.2)], board, 100, budget, Comparing()
    )
    # Final fits on 100 and 80 rows, one at a time: first 1.8 s, heavy 90 s
    # more (past the 60 s), light 0.18 s more. The weights kept are scaled to
    # sum to one.
    assert [(m.config["model_type"], w) for m, w in kept] == [
        ("first", pytest.approx(0.5 / 0.7)),
        ("light", pytest.approx(0.2 / 0.7)),
    ]
    assert [s.split(":")[0] for s in budget.skipped] == ["ensemble member heavy"]
    # Heavier than the budget: first (1.8 s of 1 s) and heavy are dropped,
    # light stays alone, though its weight is the least.
    budget = TimeBudget(1)
    kept = _affordable(
        [(heavy, 0.3), (first, 0.5), (light, 0.2)], board, 100, budget, Comparing()
    )
    assert [(m.config["model_type"], w) for m, w in kept] == [("light", 1.0)]
    assert len(budget.skipped) == 2
    # Nothing affordable: the member whose final fits cost least stays.
    budget = TimeBudget(1e-9)
    kept = _affordable([(heavy, 0.6), (first, 0.4)], board, 100, budget, Comparing())
    assert [(m.config["model_type"], w) for m, w in kept] == [("first", 1.0)]
    assert [s.split(":")[0] for s in budget.skipped] == ["ensemble member heavy"]
    # With two workers the 90 s of heavy's two fits take 50 s: it stays.
    Comparing.config = {"n_jobs": 2, "test_size": 0.2}
    kept = _affordable(
        [(heavy, 0.3), (first, 0.5), (light, 0.2)],
        board,
        100,
        TimeBudget(60),
        Comparing(),
    )
    assert [m.config["model_type"] for m, _ in kept] == ["first", "heavy", "light"]
