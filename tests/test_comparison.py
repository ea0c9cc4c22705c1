"""Model comparison: candidates on the same folds, a leaderboard, the best refit."""

import numpy as np
import pytest
from _folds import comparison_folds
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from easy_mlops import ModelTrainer
from easy_mlops.training import ModelSpec, SklearnBackend, registry
from easy_mlops.training.backends.sklearn_backend import RIDGE_ALPHAS

LISTED = ["logistic_regression", "random_forest_classifier", "hist_gradient_boosting"]
PARAMS = {"n_estimators": 15, "max_iter": 50}


@pytest.fixture(scope="module")
def compared(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(
        {"model_type": LISTED, "model_params": PARAMS}, cv_folds=3, n_jobs=1
    )
    return trainer.fit(X, y)


def reference_estimators():
    return {
        # The catalogue's logistic regression standardises numeric input.
        "logistic_regression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=50, random_state=42)
        ),
        "random_forest_classifier": RandomForestClassifier(
            n_estimators=15, random_state=42
        ),
        "hist_gradient_boosting": HistGradientBoostingClassifier(
            max_iter=50, random_state=42
        ),
    }


def test_every_candidate_is_scored_on_the_same_folds_as_cross_validate(
    compared, classification_data
):
    X, y = classification_data
    # The folds split the hold-out's training rows: the hold-out never takes
    # part in the choice.
    folds = comparison_folds(y, 3, classification=True)
    board = {row["model_type"]: row for row in compared.training_result_.leaderboard}
    assert set(board) == set(LISTED)
    for name, estimator in reference_estimators().items():
        expected = cross_validate(estimator, X, y, cv=folds)["test_score"]
        np.testing.assert_allclose(board[name]["cv_scores"], expected)
        assert board[name]["cv_mean"] == pytest.approx(expected.mean())
        assert board[name]["cv_std"] == pytest.approx(expected.std())
        assert board[name]["error"] is None
        assert board[name]["fit_seconds_per_row"] > 0
        assert board[name]["predict_seconds_per_row"] > 0
    assert board["logistic_regression"]["estimator"] == "LogisticRegression"


def test_the_best_candidate_is_evaluated_on_the_holdout_and_refit(
    compared, classification_data
):
    X, y = classification_data
    result = compared.training_result_
    means = [row["cv_mean"] for row in result.leaderboard]
    assert means == sorted(means, reverse=True)
    best = result.leaderboard[0]["model_type"]
    assert result.model_type == best
    estimator = reference_estimators()[best]
    assert result.model_name == type(estimator).__name__
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, shuffle=True, random_state=42
    )
    y_pred = clone(estimator).fit(X_train, y_train).predict(X_test)
    assert result.metrics["accuracy"] == pytest.approx(accuracy_score(y_test, y_pred))
    assert result.cv_scores == result.leaderboard[0]["cv_scores"]
    assert result.metrics["cv_mean"] == pytest.approx(result.leaderboard[0]["cv_mean"])
    refit = clone(estimator).fit(X, y)
    np.testing.assert_array_equal(compared.predict(X), refit.predict(X))


def test_compare_takes_every_installed_entry_for_the_problem_type(regression_data):
    X, y = regression_data
    trainer = ModelTrainer(
        {"model_type": "compare", "model_params": {"n_estimators": 10}}, cv_folds=2
    ).fit(X, y)
    names = [row["model_type"] for row in trainer.training_result_.leaderboard]
    regressors = [
        name
        for name, spec in SklearnBackend.model_types.items()
        if "regression" in spec.problem_types
        and spec.compared
        and not spec.portfolio_only
    ]
    assert sorted(names) == sorted(regressors)
    assert "auto" not in names and "linear_regression" not in names
    folds = comparison_folds(y, 2, classification=False)
    row = next(
        r for r in trainer.training_result_.leaderboard if r["model_type"] == "ridge"
    )
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
    expected = cross_validate(ridge, X, y, cv=folds)["test_score"]
    np.testing.assert_allclose(row["cv_scores"], expected)


def test_parallel_and_sequential_comparisons_agree(compared, classification_data):
    X, y = classification_data
    parallel = ModelTrainer(
        {"model_type": LISTED, "model_params": PARAMS}, cv_folds=3, n_jobs=2
    ).fit(X, y)
    for a, b in zip(
        parallel.training_result_.leaderboard,
        compared.training_result_.leaderboard,
        strict=True,
    ):
        assert a["model_type"] == b["model_type"]
        np.testing.assert_allclose(a["cv_scores"], b["cv_scores"])


@pytest.fixture
def flaky_backend():
    @registry.register_backend
    class Flaky(SklearnBackend):
        name = "flaky_test_backend"
        model_types = {
            "forest": SklearnBackend.model_types["random_forest_classifier"],
            # A constant strategy without a constant fails in every fit.
            "broken": ModelSpec(
                "sklearn.dummy:DummyClassifier", params={"strategy": "constant"}
            ),
            "ridge": ModelSpec("sklearn.linear_model:RidgeClassifier"),
        }

    yield Flaky
    del registry._BACKENDS["flaky_test_backend"]


def test_a_failing_candidate_is_reported_not_fatal(flaky_backend, classification_data):
    X, y = classification_data
    trainer = ModelTrainer(
        {"backend": "flaky_test_backend", "model_type": ["broken", "forest"]},
        cv_folds=2,
    ).fit(X, y)
    board = trainer.training_result_.leaderboard
    assert [row["model_type"] for row in board] == ["forest", "broken"]
    assert board[1]["error"].startswith("fold failed with ValueError")
    assert np.isnan(board[1]["cv_mean"])
    assert trainer.training_result_.model_type == "forest"


def test_every_candidate_failing_is_an_error(flaky_backend, classification_data):
    X, y = classification_data
    trainer = ModelTrainer(
        {"backend": "flaky_test_backend", "model_type": ["broken"]}, cv_folds=2
    )
    with pytest.raises(ValueError, match="Every model_type of the comparison failed"):
        trainer.fit(X, y)
    assert not hasattr(trainer, "training_result_")


def test_a_probability_scorer_with_a_model_without_probabilities(
    flaky_backend, classification_data
):
    X, y = classification_data
    config = {
        "backend": "flaky_test_backend",
        "model_type": ["forest", "ridge"],
        "scoring": "neg_log_loss",
    }
    with pytest.raises(ValueError, match="needs predict_proba, which RidgeClassifier"):
        ModelTrainer(config).fit(X, y)
    with pytest.raises(ValueError, match="needs predict_proba"):
        ModelTrainer({**config, "model_type": "ridge"}).fit(X, y)


@pytest.mark.parametrize(
    "model_type, message",
    [
        (["logistic_regresion"], "Did you mean 'logistic_regression'"),
        ([], "empty list"),
        (["auto", "auto"], r"lists \['auto'\] more than once"),
    ],
    ids=["unknown", "empty", "duplicate"],
)
def test_bad_lists_fail_before_any_work(model_type, message, classification_data):
    trainer = ModelTrainer(model_type=model_type)
    with pytest.raises(ValueError, match=message):
        trainer.fit(*classification_data)


def test_compare_with_nothing_for_the_problem_type(flaky_backend, regression_data):
    trainer = ModelTrainer(
        {"backend": "flaky_test_backend", "model_type": "compare"},
        problem_type="regression",
    )
    with pytest.raises(ValueError, match="does classification only"):
        trainer.fit(*regression_data)


def test_model_params_no_candidate_takes_are_refused(classification_data):
    config = {"model_type": LISTED, "model_params": {"n_estimator": 5}}
    with pytest.raises(ValueError, match=r"\['n_estimator'\] are taken by none"):
        ModelTrainer(config).fit(*classification_data)


def test_comparison_needs_cross_validation(classification_data):
    with pytest.raises(ValueError, match="needs cross-validation"):
        ModelTrainer(model_type=LISTED, cv_folds=0).fit(*classification_data)


def test_lists_clone_and_search_like_any_parameter(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(model_type=["logistic_regression", "hist_gradient_boosting"])
    assert clone(trainer).get_params()["model_type"] == trainer.model_type
    search = GridSearchCV(
        ModelTrainer({"model_params": {"max_iter": 30}}, cv_folds=2, test_size=0),
        {
            "model_type": [
                ["logistic_regression", "hist_gradient_boosting"],
                "logistic_regression",
            ]
        },
        cv=2,
    ).fit(X, y)
    assert search.best_params_["model_type"] in (
        ["logistic_regression", "hist_gradient_boosting"],
        "logistic_regression",
    )
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_yaml_lists_are_read_and_checked(tmp_path):
    from easy_mlops.config import ConfigError, load_config

    path = tmp_path / "c.yaml"
    path.write_text("training:\n  model_type: [logistic_regression, xgboost]\n")
    assert load_config(path)["model_type"] == ["logistic_regression", "xgboost"]
    path.write_text("training:\n  model_type:\n    - logistic_regresion\n")
    with pytest.raises(ConfigError, match="did you mean|Did you mean") as info:
        load_config(path)
    assert "model_type" in str(info.value)


def test_without_scoring_a_comparison_ranks_by_balanced_accuracy():
    X, y = make_classification(
        n_samples=150, n_features=5, weights=[0.8], flip_y=0.05, random_state=3
    )
    trainer = ModelTrainer(
        {"model_type": LISTED, "model_params": PARAMS}, cv_folds=3
    ).fit(X, y)
    result = trainer.training_result_
    assert result.scoring == "balanced_accuracy"
    folds = comparison_folds(y, 3, classification=True)
    row = next(
        r for r in result.leaderboard if r["model_type"] == "random_forest_classifier"
    )
    forest = RandomForestClassifier(n_estimators=15, random_state=42)
    expected = cross_validate(forest, X, y, cv=folds, scoring="balanced_accuracy")
    np.testing.assert_allclose(row["cv_scores"], expected["test_score"])
    means = [r["cv_mean"] for r in result.leaderboard]
    assert means == sorted(means, reverse=True)
    # The baseline, scored the same way, is what a majority guess gets: 1/2.
    np.testing.assert_allclose(result.baseline["cv_scores"], 0.5)


def test_compare_with_a_problem_type_builds_only_its_candidates(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(
        {"model_type": "compare", "model_params": {"n_estimators": 5}},
        problem_type="classification",
        cv_folds=2,
    ).fit(X, y)
    names = {row["model_type"] for row in trainer.training_result_.leaderboard}
    assert "linear_regression" not in names and "logistic_regression" in names
    assert hasattr(trainer, "predict_proba")


@pytest.mark.parametrize("random_state", [None, np.random.RandomState(7)])
def test_an_unseeded_comparison_chooses_outside_the_holdout_it_reports(
    classification_data, random_state
):
    X, y = classification_data
    trainer = ModelTrainer(
        {"model_type": LISTED, "model_params": PARAMS},
        cv_folds=3,
        random_state=random_state,
    ).fit(X, y)
    # One seed is drawn for the run, so the hold-out and the folds agree.
    seed = trainer.backend_.config["random_state"]
    assert isinstance(seed, int)
    folds = comparison_folds(y, 3, classification=True, random_state=seed)
    row = next(
        r
        for r in trainer.training_result_.leaderboard
        if r["model_type"] == "random_forest_classifier"
    )
    forest = RandomForestClassifier(n_estimators=15, random_state=seed)
    expected = cross_validate(forest, X, y, cv=folds, scoring="balanced_accuracy")
    np.testing.assert_allclose(row["cv_scores"], expected["test_score"])
    _, test = train_test_split(
        np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed
    )
    assert sorted(np.concatenate([t for _, t in folds])) == sorted(
        set(range(len(y))) - set(test)
    )


def test_too_few_training_rows_to_compare_fall_back_to_every_row_and_say_so():
    from easy_mlops.training.exceptions import SmallDataWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array([0] * 19 + [1] * 19 + [2] * 2)  # the hold-out takes one of the 2
    with pytest.warns(SmallDataWarning, match="chose on folds of every row"):
        trainer = ModelTrainer(
            {"model_type": LISTED, "model_params": PARAMS}, cv_folds=2, test_size=0.5
        ).fit(X, y)
    result = trainer.training_result_
    assert len(result.cv_scores) == 2
    assert result.split["cv"] == "StratifiedKFold, 2 folds"
    folds = StratifiedKFold(2, shuffle=True, random_state=42)
    forest = RandomForestClassifier(n_estimators=15, random_state=42)
    row = next(r for r in result.leaderboard if r["model_type"] == LISTED[1])
    expected = cross_validate(forest, X, y, cv=folds, scoring="balanced_accuracy")
    np.testing.assert_allclose(row["cv_scores"], expected["test_score"])
