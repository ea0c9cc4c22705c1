"""ModelTrainer: the estimator's behaviour, its scikit-learn contract and bad input."""

import copy
import json
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.datasets import load_breast_cancer
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    check_cv,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from easy_mlops import ModelTrainer
from easy_mlops.training import (
    BaseTrainingBackend,
    EstimatorBackend,
    SklearnBackend,
    SmallDataWarning,
    TrainingRunResult,
    registry,
)
from easy_mlops.training.settings import DEFAULTS


@pytest.fixture
def scratch_registry():
    """Let a test register backends without leaking them into other tests."""
    saved = dict(registry._BACKENDS)
    yield
    registry._BACKENDS.clear()
    registry._BACKENDS.update(saved)


# -- configuration ----------------------------------------------------------------


def test_defaults_apply_when_nothing_is_given(classification_data):
    trainer = ModelTrainer().fit(*classification_data)
    config = trainer.backend_.config
    assert {key: config[key] for key in DEFAULTS} == DEFAULTS
    assert trainer.training_result_.model_name == "RandomForestClassifier"


def test_keyword_wins_over_config_and_config_over_default(regression_data):
    trainer = ModelTrainer({"cv_folds": 3, "test_size": 0.5}, test_size=0.25)
    trainer.fit(*regression_data)
    assert trainer.backend_.config["cv_folds"] == 3
    assert trainer.backend_.config["test_size"] == 0.25
    assert trainer.training_result_.n_test == 30


def test_config_is_never_mutated(classification_data, fast):
    config = {"model_type": "auto", "cv_folds": 2, **fast}
    snapshot = copy.deepcopy(config)
    trainer = ModelTrainer(config, random_state=3).fit(*classification_data)
    trainer.train(*classification_data, model_type="random_forest_classifier")
    assert config == snapshot
    assert trainer.get_params()["config"] is config


def test_init_stores_arguments_unchanged():
    config = {"cv_folds": 2}
    trainer = ModelTrainer(config, backend="sklearn", test_size=0.3)
    assert trainer.config is config
    assert trainer.get_params(deep=False) == {
        "config": config,
        "backend": "sklearn",
        "model_type": None,
        "problem_type": None,
        "test_size": 0.3,
        "cv_folds": None,
        "random_state": None,
        "refit": None,
        "n_jobs": None,
        "inner_threads": None,
        "preprocessing": None,
        "model_params": None,
        "group_column": None,
        "time_column": None,
        "time_gap": None,
        "time_budget": None,
    }


def test_backend_specific_keys_reach_the_backend(classification_data):
    config = {"model_params": {"n_estimators": 7, "max_depth": 2}}
    trainer = ModelTrainer(config, cv_folds=0).fit(*classification_data)
    model = trainer.training_result_.model
    assert (model.n_estimators, model.max_depth) == (7, 2)


def test_random_state_reaches_the_estimator(classification_data, fast):
    trainer = ModelTrainer(fast, random_state=7, cv_folds=0).fit(*classification_data)
    assert trainer.training_result_.model.random_state == 7


# -- the fit flow -----------------------------------------------------------------


def test_fit_sets_fitted_attributes(classification_frame, fast):
    X, y = classification_frame
    trainer = ModelTrainer(fast, cv_folds=2)
    assert trainer.fit(X, y) is trainer
    assert trainer.problem_type_ == "classification"
    assert list(trainer.classes_) == ["no", "yes"]
    assert trainer.n_features_in_ == 5
    assert list(trainer.feature_names_in_) == list(X.columns)
    assert isinstance(trainer.training_result_, TrainingRunResult)
    assert isinstance(trainer.backend_, SklearnBackend)
    assert set(trainer.predict(X)) <= {"no", "yes"}


def test_regression_has_no_classes_and_no_predict_proba(regression_data, fast):
    trainer = ModelTrainer(fast, cv_folds=2).fit(*regression_data)
    assert trainer.problem_type_ == "regression"
    assert not hasattr(trainer, "classes_")
    assert not hasattr(trainer, "predict_proba")


def test_predict_proba_tells_the_truth():
    assert hasattr(ModelTrainer(), "predict_proba")
    assert not hasattr(ModelTrainer(problem_type="regression"), "predict_proba")
    assert not hasattr(ModelTrainer(model_type="linear_regression"), "predict_proba")
    assert not hasattr(ModelTrainer(backend="no-such-backend"), "predict_proba")


def test_predict_proba_columns_follow_classes(multiclass_data):
    X, y = multiclass_data
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(X, y)
    proba = trainer.predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(trainer.classes_[proba.argmax(axis=1)], trainer.predict(X))


def test_metrics_of_each_problem_type(classification_data, regression_data, fast):
    clf = ModelTrainer(fast, cv_folds=3).fit(*classification_data)
    assert {"accuracy", "f1_score", "cv_mean", "cv_std"} <= set(
        clf.training_result_.metrics
    )
    reg = ModelTrainer(model_type="linear_regression", cv_folds=3).fit(*regression_data)
    metrics = reg.training_result_.metrics
    assert {"mse", "rmse", "r2_score", "mae", "cv_mean", "cv_std"} <= set(metrics)
    assert metrics["rmse"] == pytest.approx(np.sqrt(metrics["mse"]))
    assert len(reg.training_result_.cv_scores) == 3


def test_holdout_metrics_match_hand_written_code(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0, refit=False)
    trainer.fit(X, y)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, shuffle=True, random_state=42
    )
    model = LogisticRegression(max_iter=1000, random_state=42).fit(X_train, y_train)
    assert trainer.training_result_.metrics["accuracy"] == model.score(X_test, y_test)
    np.testing.assert_array_equal(trainer.predict(X), model.predict(X))


def test_cv_is_shuffled_and_stratified(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=4).fit(X, y)
    expected = cross_val_score(
        LogisticRegression(max_iter=1000, random_state=42),
        X,
        y,
        cv=StratifiedKFold(4, shuffle=True, random_state=42),
    )
    np.testing.assert_allclose(trainer.training_result_.cv_scores, expected)


def test_regression_cv_is_shuffled(regression_data):
    X, y = regression_data
    trainer = ModelTrainer(model_type="linear_regression", cv_folds=3).fit(X, y)
    expected = cross_val_score(
        LinearRegression(), X, y, cv=KFold(3, shuffle=True, random_state=42)
    )
    np.testing.assert_allclose(trainer.training_result_.cv_scores, expected)


def test_refit_uses_all_rows_and_refit_false_keeps_the_split_model(regression_data):
    X, y = regression_data
    refit = ModelTrainer(model_type="linear_regression").fit(X, y)
    np.testing.assert_allclose(
        refit.training_result_.model.coef_, LinearRegression().fit(X, y).coef_
    )
    kept = ModelTrainer(model_type="linear_regression", refit=False).fit(X, y)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=42)
    np.testing.assert_allclose(
        kept.training_result_.model.coef_,
        LinearRegression().fit(X_train, y_train).coef_,
    )
    assert kept.training_result_.refit is False


def test_test_size_zero_disables_the_holdout(classification_data, fast):
    trainer = ModelTrainer(fast, test_size=0, cv_folds=2).fit(*classification_data)
    result = trainer.training_result_
    assert result.n_test == 0 and result.n_train == 120
    assert "accuracy" not in result.metrics and "cv_mean" in result.metrics


@pytest.mark.parametrize("cv_folds", [0, 1])
def test_cv_folds_zero_or_one_disables_cv(classification_data, fast, cv_folds):
    result = ModelTrainer(fast, cv_folds=cv_folds).fit(*classification_data)
    assert result.training_result_.cv_scores == []
    assert "cv_mean" not in result.training_result_.metrics


def test_scoring_chooses_the_cv_score(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(
        {"scoring": "balanced_accuracy"}, model_type="logistic_regression", cv_folds=3
    ).fit(X, y)
    expected = cross_val_score(
        LogisticRegression(max_iter=1000, random_state=42),
        X,
        y,
        cv=StratifiedKFold(3, shuffle=True, random_state=42),
        scoring="balanced_accuracy",
    )
    assert trainer.training_result_.scoring == "balanced_accuracy"
    np.testing.assert_allclose(trainer.training_result_.cv_scores, expected)


def test_sample_weight_reaches_fits_and_metrics(regression_data):
    X, y = regression_data
    weights = np.linspace(0.1, 2.0, len(y))
    trainer = ModelTrainer(model_type="linear_regression").fit(X, y, weights)
    expected = LinearRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(trainer.training_result_.model.coef_, expected.coef_)
    assert trainer.score(X, y, sample_weight=weights) == pytest.approx(
        expected.score(X, y, sample_weight=weights)
    )
    unweighted = ModelTrainer(model_type="linear_regression").fit(X, y)
    assert (
        unweighted.training_result_.metrics["mse"]
        != trainer.training_result_.metrics["mse"]
    )


def test_train_returns_a_json_serialisable_summary(classification_data, fast):
    summary = ModelTrainer(fast, cv_folds=2).train(*classification_data)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["backend"] == "sklearn"
    assert summary["model_type"] == "auto"
    assert summary["model_name"] == "RandomForestClassifier"
    assert summary["problem_type"] == "classification"
    assert (summary["n_samples"], summary["n_features"]) == (120, 5)
    assert "accuracy" in summary["metrics"]


def test_train_model_type_applies_to_that_call_only(classification_data):
    trainer = ModelTrainer(cv_folds=0)
    summary = trainer.train(*classification_data, model_type="logistic_regression")
    assert summary["model_type"] == "logistic_regression"
    assert trainer.model_type is None


def test_fit_warnings_are_kept_on_the_result(classification_data):
    config = {"model_params": {"max_iter": 2}}
    with pytest.warns(ConvergenceWarning):
        trainer = ModelTrainer(config, model_type="logistic_regression", cv_folds=2)
        trainer.fit(*classification_data)
    assert any("ConvergenceWarning" in w for w in trainer.training_result_.warnings)


# -- small data -------------------------------------------------------------------


def test_small_data_reduces_folds_and_skips_the_holdout():
    X = np.arange(10, dtype=float).reshape(5, 2)
    y = np.array([0, 0, 0, 1, 1])
    with pytest.warns(SmallDataWarning) as record:
        trainer = ModelTrainer(model_type="logistic_regression", test_size=0.2).fit(
            X, y
        )
    result = trainer.training_result_
    assert len(result.cv_scores) == 2
    assert any("Hold-out skipped" in note for note in result.skipped)
    assert any("reduced from 5 to 2 folds" in note for note in result.skipped)
    assert len(record) == 2


def test_tiny_data_still_fits_what_the_final_fit_can_handle():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([0, 1, 1])
    with pytest.warns(SmallDataWarning):
        trainer = ModelTrainer(model_type="logistic_regression").fit(X, y)
    assert trainer.training_result_.cv_scores == []
    assert len(trainer.training_result_.skipped) == 2
    assert trainer.predict(X).shape == (3,)


class _FailsOnSmallData(ClassifierMixin, BaseEstimator):
    """Fails to fit on fewer than 100 rows: every fold fails, the refit works."""

    def fit(self, X, y):
        if len(y) < 100:
            raise RuntimeError("needs 100 rows")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_a_failing_fold_is_recorded_and_the_final_fit_error_raises(
    classification_data, scratch_registry
):
    @ModelTrainer.register_backend
    class Picky(EstimatorBackend):
        name = "picky"

        def build_estimator(self, problem_type):
            return _FailsOnSmallData()

    X, y = classification_data
    trainer = ModelTrainer(backend="picky", test_size=0, cv_folds=3).fit(X, y)
    result = trainer.training_result_
    assert np.isnan(result.cv_scores).all()
    assert all("needs 100 rows" in error for error in result.cv_errors)
    with pytest.raises(RuntimeError, match="needs 100 rows"):
        ModelTrainer(backend="picky", test_size=0, cv_folds=0).fit(X[:50], y[:50])


# -- problem type -----------------------------------------------------------------


def test_problem_type_reason_is_recorded(classification_data, regression_data, fast):
    clf = ModelTrainer(fast, cv_folds=0).fit(*classification_data)
    assert clf.training_result_.problem_type_reason == (
        "the target has exactly two distinct values"
    )
    forced = ModelTrainer(fast, problem_type="regression", cv_folds=0)
    forced.fit(*classification_data)
    assert forced.problem_type_ == "regression"
    assert "problem_type='regression'" in forced.training_result_.problem_type_reason


def test_fifteen_continuous_floats_are_regression():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(15, 2)), rng.normal(size=15)
    trainer = ModelTrainer(model_type="auto", cv_folds=0, test_size=0).fit(X, y)
    assert trainer.problem_type_ == "regression"


def test_model_type_decides_the_problem_type_in_auto_mode(regression_data):
    X, y = regression_data
    trainer = ModelTrainer(model_type="logistic_regression")
    with pytest.raises(ValueError, match="Unknown label type"):
        trainer.fit(X, y)


def test_backend_hook_can_override_detection(classification_data, scratch_registry):
    @ModelTrainer.register_backend
    class AlwaysRegression(SklearnBackend):
        name = "always-regression"
        own_problem_type_detection = True

        def detect_problem_type(self, y):
            return "regression"

    trainer = ModelTrainer(backend="always-regression", cv_folds=0)
    trainer.fit(*classification_data)
    assert trainer.problem_type_ == "regression"
    assert "AlwaysRegression.detect_problem_type" in (
        trainer.training_result_.problem_type_reason
    )


# -- scikit-learn integration -----------------------------------------------------


def test_tags_follow_problem_type_and_model_type():
    assert is_classifier(ModelTrainer(problem_type="classification"))
    assert is_classifier(ModelTrainer(model_type="logistic_regression"))
    assert not is_classifier(ModelTrainer())
    assert (
        ModelTrainer(model_type="linear_regression").__sklearn_tags__().estimator_type
        == "regressor"
    )
    y = np.array([0, 1] * 10)
    cv = check_cv(
        3, y, classifier=is_classifier(ModelTrainer(problem_type="classification"))
    )
    assert isinstance(cv, StratifiedKFold)


def test_input_tags_follow_the_wrapped_estimator():
    assert (
        ModelTrainer(model_type="hist_gradient_boosting")
        .__sklearn_tags__()
        .input_tags.allow_nan
    )
    assert (
        not ModelTrainer(model_type="logistic_regression")
        .__sklearn_tags__()
        .input_tags.allow_nan
    )


def test_pipeline_last_step(classification_data):
    X, y = classification_data
    pipe = make_pipeline(
        StandardScaler(), ModelTrainer(model_type="logistic_regression")
    )
    by_hand = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000, random_state=42)
    ).fit(X, y)
    assert pipe.fit(X, y).score(X, y) == by_hand.score(X, y)
    np.testing.assert_allclose(pipe.predict_proba(X), by_hand.predict_proba(X))


def test_grid_search_over_backend_and_model_type(classification_data):
    X, y = classification_data
    grid = {
        "backend": ["sklearn"],
        "model_type": ["logistic_regression", "hist_gradient_boosting"],
    }
    search = GridSearchCV(
        ModelTrainer({"model_params": {"max_iter": 20}}, test_size=0, cv_folds=0),
        grid,
        cv=3,
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert not np.isnan(scores).any() and scores[0] != scores[1]
    best = search.best_params_["model_type"]
    expected = {
        "logistic_regression": "LogisticRegression",
        "hist_gradient_boosting": "HistGradientBoostingClassifier",
    }[best]
    assert search.best_estimator_.training_result_.model_name == expected


def test_grid_search_roc_auc_in_auto_mode_is_not_nan():
    X, y = load_breast_cancer(return_X_y=True)
    search = GridSearchCV(
        ModelTrainer(test_size=0, cv_folds=0),
        {"model_type": ["logistic_regression", "auto"]},
        scoring="roc_auc",
        cv=3,
        error_score="raise",
    ).fit(X[:200], y[:200])
    assert np.all(search.cv_results_["mean_test_score"] > 0.8)


def test_metadata_routing_of_sample_weight(regression_data):
    import sklearn

    X, y = regression_data
    weights = np.linspace(0.1, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        trainer = ModelTrainer(model_type="linear_regression", cv_folds=0)
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            trainer.set_fit_request(sample_weight=True),
        )
        pipe.fit(X, y, sample_weight=weights)
    expected = LinearRegression().fit(StandardScaler().fit_transform(X), y, weights)
    np.testing.assert_allclose(pipe[-1].training_result_.model.coef_, expected.coef_)


def test_clone_and_joblib_round_trip(tmp_path, classification_data, fast):
    X, y = classification_data
    trainer = ModelTrainer(fast, cv_folds=2).fit(X, y)
    cloned = clone(trainer)
    assert not hasattr(cloned, "training_result_")
    assert cloned.get_params()["config"] == fast
    path = tmp_path / "trainer.joblib"
    joblib.dump(trainer, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), trainer.predict_proba(X))


def test_parallel_fits_match_sequential_and_follow_parallel_config(
    classification_data, fast
):
    X, y = classification_data
    sequential = ModelTrainer(fast, cv_folds=3).fit(X, y)
    parallel = ModelTrainer(fast, cv_folds=3, n_jobs=2).fit(X, y)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        threaded = ModelTrainer(fast, cv_folds=3).fit(X, y)
    for other in (parallel, threaded):
        assert other.training_result_.metrics == sequential.training_result_.metrics
        np.testing.assert_array_equal(other.predict(X), sequential.predict(X))


# -- registry ---------------------------------------------------------------------


def test_available_backends_is_sorted_and_has_sklearn():
    names = ModelTrainer.available_backends()
    assert names == sorted(names) and "sklearn" in names


def test_register_backend_contract(scratch_registry):
    class NotABackend:
        name = "x"

    with pytest.raises(
        TypeError, match="subclass of easy_mlops.training.BaseTrainingBackend"
    ):
        ModelTrainer.register_backend(NotABackend)

    class Nameless(SklearnBackend):
        name = ""

    with pytest.raises(ValueError, match="non-empty string class attribute 'name'"):
        ModelTrainer.register_backend(Nameless)

    class Taken(SklearnBackend):
        name = "sklearn"

    with pytest.raises(ValueError, match="overwrite=True"):
        ModelTrainer.register_backend(Taken)
    assert ModelTrainer.register_backend(Taken, overwrite=True) is Taken
    assert registry.get_backend("sklearn") is Taken

    @ModelTrainer.register_backend(overwrite=True)
    class Again(SklearnBackend):
        name = "sklearn"

    assert registry.get_backend("sklearn") is Again


def test_backend_is_constructed_with_the_resolved_config(
    classification_data, scratch_registry
):
    seen = {}

    @ModelTrainer.register_backend
    class Recording(BaseTrainingBackend):
        name = "recording"

        def train(self, X, y, sample_weight=None):
            seen.update(self.config)
            model = DummyClassifier().fit(X, y)
            return TrainingRunResult(
                model=model,
                metrics={},
                problem_type="classification",
                model_name="DummyClassifier",
                n_samples=len(y),
                n_features=X.shape[1],
                classes=model.classes_,
            )

    trainer = ModelTrainer({"extra_key": 1}, backend="recording", cv_folds=2)
    trainer.fit(*classification_data)
    assert seen == {**DEFAULTS, "backend": "recording", "cv_folds": 2, "extra_key": 1}
    assert trainer.predict(classification_data[0][:2]).shape == (2,)


# -- bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"test_size": 1.5},
            r"The 'test_size' parameter of ModelTrainer must be a "
            r"float in the range \[0.0, 1.0\). Got 1.5 instead.",
        ),
        ({"test_size": 1.0}, r"'test_size' parameter .* Got 1.0 instead"),
        ({"cv_folds": -1}, r"'cv_folds' parameter .* int in the range \[0, inf\)"),
        ({"cv_folds": 2.5}, r"'cv_folds' parameter .* Got 2.5 instead"),
        (
            {"problem_type": "clustering"},
            r"'problem_type' parameter .* Got 'clustering'",
        ),
    ],
)
def test_invalid_settings_are_explained(classification_data, params, message):
    """Keywords and config keys get the same message."""
    with pytest.raises(InvalidParameterError, match=message):
        ModelTrainer(**params).fit(*classification_data)
    with pytest.raises(InvalidParameterError, match=message):
        ModelTrainer(params).fit(*classification_data)


def test_config_must_be_a_mapping(classification_data):
    with pytest.raises(InvalidParameterError, match="'config' parameter"):
        ModelTrainer(["cv_folds", 2]).fit(*classification_data)


def test_unknown_backend_lists_the_available_ones(classification_data):
    with pytest.raises(
        ValueError,
        match=r"Unknown backend 'sklaern'\. Did you mean "
        r"'sklearn'\? Available backends: .*sklearn",
    ):
        ModelTrainer(backend="sklaern").fit(*classification_data)


def test_unknown_model_type_lists_the_catalogue(classification_data):
    with pytest.raises(
        ValueError,
        match=r"Unknown model_type 'random_forest'.*"
        r"Valid model types: auto, .*linear_regression",
    ):
        ModelTrainer(model_type="random_forest").fit(*classification_data)


def test_model_type_contradicting_problem_type(classification_data):
    with pytest.raises(
        ValueError,
        match="'linear_regression' .* does regression only, "
        "but problem_type is 'classification'",
    ):
        ModelTrainer(model_type="linear_regression", problem_type="classification").fit(
            *classification_data
        )


def test_unknown_model_params_name_the_estimator(classification_data):
    with pytest.raises(
        ValueError,
        match=r"Unknown model_params for "
        r"RandomForestClassifier: \['n_estimator'\]\. "
        r"Did you mean 'n_estimators'\?",
    ):
        ModelTrainer(
            {"model_params": {"n_estimator": 5}}, problem_type="classification"
        ).fit(*classification_data)


def test_unknown_scoring_is_explained(classification_data):
    with pytest.raises(
        ValueError, match="Unknown scoring 'acuracy'. Did you mean 'accuracy'"
    ):
        ModelTrainer({"scoring": "acuracy"}).fit(*classification_data)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_target_is_refused(classification_data, bad):
    X, y = classification_data
    y = y.astype(float)
    y[3] = bad
    with pytest.raises(ValueError, match="Input y contains (NaN|infinity)"):
        ModelTrainer().fit(X, y)


def test_nan_in_X_suggests_an_imputer(classification_data):
    X, y = classification_data
    X = X.copy()
    X[0, 0] = np.nan
    message = (
        "model_type 'logistic_regression' of backend 'sklearn' cannot take missing "
        "values. Input X contains NaN(.|\n)*imputer"
    )
    with pytest.raises(ValueError, match=message):
        ModelTrainer(model_type="logistic_regression").fit(X, y)
    trainer = ModelTrainer(
        {"model_params": {"max_iter": 10}},
        model_type="hist_gradient_boosting",
        cv_folds=0,
    ).fit(X, y)
    assert trainer.predict(X).shape == (120,)


def test_length_mismatch(classification_data):
    X, y = classification_data
    with pytest.raises(ValueError, match="X has 120 rows but y has 119"):
        ModelTrainer().fit(X, y[:-1])


def test_empty_X():
    with pytest.raises(ValueError, match="0 sample"):
        ModelTrainer().fit(np.empty((0, 3)), np.empty(0))


def test_single_class(classification_data):
    X, _ = classification_data
    with pytest.raises(ValueError, match="only one class"):
        ModelTrainer().fit(X, np.zeros(len(X)))


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        ModelTrainer().predict(np.zeros((2, 2)))


def test_a_failed_fit_keeps_the_previous_fitted_state(classification_data, fast):
    X, y = classification_data
    trainer = ModelTrainer(fast, cv_folds=0).fit(X, y)
    before = dict(vars(trainer))
    with pytest.raises(ValueError):
        trainer.fit(X[:, :3], np.zeros(len(X)))
    assert vars(trainer).keys() == before.keys()
    assert all(vars(trainer)[k] is before[k] for k in before)
    assert trainer.n_features_in_ == 5


def test_a_failed_first_fit_leaves_no_fitted_state(classification_data):
    X, _ = classification_data
    trainer = ModelTrainer()
    with pytest.raises(ValueError):
        trainer.fit(X, np.zeros(len(X)))
    assert not [name for name in vars(trainer) if name.endswith("_")]


def test_regression_with_string_labels_is_explained(classification_frame):
    X, y = classification_frame
    with pytest.raises(ValueError, match="y holds non-numeric values such as"):
        ModelTrainer(problem_type="regression").fit(X, y)


def test_no_warning_escapes_a_clean_fit(regression_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ModelTrainer(model_type="linear_regression").fit(*regression_data)


def test_dataframe_feature_names_are_checked_at_predict(classification_frame, fast):
    X, y = classification_frame
    trainer = ModelTrainer(fast, cv_folds=0).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        trainer.predict(X.rename(columns={"feature_0": "other"}))
    assert isinstance(trainer.predict(X.to_numpy()), np.ndarray)


def test_frame_input_matches_array_input(classification_frame, fast):
    X, y = classification_frame
    from_frame = ModelTrainer(fast, cv_folds=2).fit(X, y)
    from_array = ModelTrainer(fast, cv_folds=2).fit(X.to_numpy(), y.to_numpy())
    assert from_frame.training_result_.metrics == from_array.training_result_.metrics
    assert isinstance(pd.Series(from_frame.predict(X)).iloc[0], str)


def test_grid_search_across_backends(classification_data):
    """Backend-specific keys travel in each grid entry's own ``config``."""
    pytest.importorskip("lightgbm")
    X, y = classification_data
    grid = [
        {
            "backend": ["sklearn"],
            "model_type": ["logistic_regression", "hist_gradient_boosting"],
        },
        {
            "backend": ["neural_network"],
            "model_type": ["auto", "mlp_classifier"],
            "config": [{"hidden_layer_sizes": [8], "max_iter": 300}],
        },
        {
            "backend": ["lightgbm"],
            "model_type": ["auto"],
            "config": [{"model_params": {"n_estimators": 20}}],
        },
    ]
    search = GridSearchCV(
        ModelTrainer(problem_type="classification", test_size=0, cv_folds=0),
        grid,
        cv=3,
        error_score="raise",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 5 and not np.isnan(scores).any()
    assert len(set(scores)) > 1
    best = search.best_estimator_
    assert best.training_result_.backend == search.best_params_["backend"]
    assert best.training_result_.model_type == search.best_params_["model_type"]


# -- found in review ----------------------------------------------------------------


def test_threaded_fits_leave_the_warnings_machinery_intact(classification_data):
    config = {"backend": "neural_network", "hidden_layer_sizes": [2], "max_iter": 1}
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with joblib.parallel_config(backend="threading", n_jobs=2):
            for _ in range(3):
                trainer = ModelTrainer(config, cv_folds=4).fit(*classification_data)
        warnings.warn("after the fits", UserWarning, stacklevel=1)
    assert any(str(w.message) == "after the fits" for w in caught)
    assert warnings.filters == filters_before
    assert any("ConvergenceWarning" in w for w in trainer.training_result_.warnings)


def test_categorical_and_nullable_targets_keep_their_meaning(classification_data, fast):
    X, y = classification_data
    categories = pd.Series(pd.Categorical(np.arange(len(y)) % 30))
    trainer = ModelTrainer(fast, cv_folds=0, test_size=0)
    assert trainer.fit(X, categories).problem_type_ == "classification"
    assert trainer.training_result_.problem_type_reason == "the target is categorical"
    assert trainer.detect_problem_type(categories) == "classification"
    flags = pd.Series(y == 1, dtype="boolean")
    fitted = ModelTrainer(fast, cv_folds=2).fit(X, flags)
    assert fitted.classes_.dtype == bool
    assert fitted.predict(X[:4]).dtype == bool


def test_score_before_fit_is_not_fitted():
    with pytest.raises(NotFittedError):
        ModelTrainer().score(np.zeros((2, 2)), [0, 1])


def test_non_numeric_dataframe_columns_are_named(classification_frame, fast):
    X, y = classification_frame
    X = X.assign(colour=["red", "blue"] * 60)
    with pytest.raises(
        ValueError, match=r"non-numeric columns \['colour'\].*preprocessing='auto'"
    ):
        ModelTrainer(fast, preprocessing="none").fit(X, y)


def test_two_non_integer_values_are_a_regression_target(classification_data, fast):
    X, y = classification_data
    trainer = ModelTrainer(fast, cv_folds=2).fit(X, np.where(y == 1, 0.5, 2.5))
    assert trainer.problem_type_ == "regression"


def test_detect_problem_type_agrees_with_fit():
    trainer = ModelTrainer(model_type="logistic_regression")
    assert trainer.detect_problem_type(np.linspace(0, 1, 20)) == "classification"


def test_n_jobs_zero_is_refused_before_work(classification_data):
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        ModelTrainer(n_jobs=0).fit(*classification_data)


def test_tags_of_a_backend_that_only_implements_train(scratch_registry):
    @ModelTrainer.register_backend
    class TextOnly(BaseTrainingBackend):
        name = "text-only"
        validates_input = False

        def train(self, X, y, sample_weight=None):
            raise NotImplementedError

    trainer = ModelTrainer(backend="text-only", problem_type="classification")
    assert trainer.__sklearn_tags__().no_validation
    assert is_classifier(trainer)
    assert hasattr(trainer, "predict_proba")


def test_model_params_are_searchable_one_by_one(classification_data):
    from sklearn.model_selection import GridSearchCV

    X, y = classification_data
    trainer = ModelTrainer(
        {"model_params": {"max_iter": 7, "learning_rate": 0.3}},
        model_type="hist_gradient_boosting",
        cv_folds=0,
        test_size=0,
    )
    assert trainer.get_params()["model_params__max_iter"] == 7
    assert "model_params__max_iter" not in trainer.get_params(deep=False)
    search = GridSearchCV(trainer, {"model_params__max_iter": [3, 40]}, cv=2)
    search.fit(X, y)
    fitted = {
        params["model_params__max_iter"]: score
        for params, score in zip(
            search.cv_results_["params"],
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    }
    assert fitted[3] != fitted[40]
    best = search.best_estimator_.estimator_
    assert best.max_iter == search.best_params_["model_params__max_iter"]
    assert best.learning_rate == 0.3  # the config's other parameters stay
    assert trainer.model_params is None  # the search set clones only
    assert clone(search.best_estimator_).model_params == {
        "max_iter": search.best_params_["model_params__max_iter"]
    }


def test_top_level_fitted_attributes_read_the_training_record(classification_data):
    X, y = classification_data
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    assert not hasattr(trainer, "estimator_")
    trainer.fit(X, y)
    result = trainer.training_result_
    assert trainer.estimator_ is result.model
    np.testing.assert_array_equal(trainer.cv_scores_, result.cv_scores)
    assert trainer.cv_scores_.shape == (3,)
    assert trainer.problem_type_reason_ == result.problem_type_reason != ""


def test_model_params_that_are_not_a_mapping_are_refused(classification_data):
    with pytest.raises(TypeError, match="'model_params' parameter of ModelTrainer"):
        ModelTrainer(model_params=5).fit(*classification_data)


# -- one fit at a time ----------------------------------------------------------------


def test_a_second_fit_of_a_fitting_trainer_is_refused_at_once():
    """Two threads fitting one trainer once left one's n_features_in_ with the
    other's model; the second fit now raises, and the first ends whole."""
    import threading

    started, release = threading.Event(), threading.Event()

    def train_fn(model, X, y, config):
        started.set()
        release.wait(60)
        model["mean"] = float(np.mean(y))

    config = {
        "backend": "callable",
        "build_model": lambda config, problem_type: {},
        "train_fn": train_fn,
        "predict_fn": lambda model, X: np.full(len(X), model["mean"]),
        "problem_type": "regression",
    }
    trainer = ModelTrainer(config, cv_folds=0, test_size=0)
    X, y = np.zeros((10, 2)), np.arange(10.0)
    first = threading.Thread(target=trainer.fit, args=(X, y))
    first.start()
    assert started.wait(60)
    try:
        with pytest.raises(RuntimeError, match="already being fitted.*clone"):
            trainer.fit(np.zeros((5, 3)), np.ones(5))
    finally:
        release.set()
        first.join()
    assert trainer.n_features_in_ == 2
    assert trainer.predict(X[:2]).tolist() == [4.5, 4.5]
    # Nothing is kept on the trainer (check_estimator, pickling and joblib
    # round trips are tested elsewhere): it fits again and clones.
    assert trainer.fit(np.zeros((5, 3)), np.ones(5)).n_features_in_ == 3
    assert clone(trainer).get_params().keys() == trainer.get_params().keys()


def test_predict_proba_of_a_regressor_says_it_is_a_regressor(regression_data):
    trainer = ModelTrainer(model_type="linear_regression", cv_folds=0)
    trainer.fit(*regression_data)
    assert not hasattr(trainer, "predict_proba")
    with pytest.raises(AttributeError) as info:
        trainer.predict_proba(regression_data[0][:2])
    assert "this model is a regressor" in str(info.value.__cause__)
