"""Property tests of ModelTrainer over generated datasets."""

import copy

import joblib
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from easy_mlops import ModelTrainer

datasets = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "n_samples": st.integers(20, 60),
        "n_features": st.integers(1, 4),
        "kind": st.sampled_from(["binary", "multiclass", "labels", "regression"]),
    }
)

trainers = st.sampled_from(
    [
        ModelTrainer({"model_params": {"n_estimators": 5}}, cv_folds=2),
        ModelTrainer(
            model_type="hist_gradient_boosting",
            cv_folds=2,
            config={"model_params": {"max_iter": 5}},
        ),
        ModelTrainer(model_type="logistic_regression", cv_folds=3, refit=False),
        ModelTrainer(
            problem_type="regression",
            cv_folds=0,
            config={"model_params": {"n_estimators": 5}},
        ),
    ]
)

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def make_data(seed, n_samples, n_features, kind):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    signal = X[:, 0] + 0.3 * rng.normal(size=n_samples)
    if kind == "regression":
        y = signal * 10.0
    else:
        n_classes = 2 if kind == "binary" else 3
        y = np.digitize(
            signal, np.quantile(signal, np.linspace(0, 1, n_classes + 1)[1:-1])
        )
        if kind == "labels":
            y = np.array(["low", "mid", "high"])[y]
    return X, y


def compatible(trainer, kind):
    if trainer.model_type == "logistic_regression":
        return kind != "regression"
    if trainer.problem_type == "regression":
        return kind in ("regression", "binary", "multiclass")
    return True


@SETTINGS
@given(data=datasets, trainer=trainers)
def test_predictions_have_the_right_length_and_labels(data, trainer):
    X, y = make_data(**data)
    assume(compatible(trainer, data["kind"]))
    fitted = clone(trainer).fit(X, y)
    y_pred = fitted.predict(X)
    assert y_pred.shape == (len(y),)
    if fitted.problem_type_ == "classification":
        assert set(np.unique(y_pred)) <= set(fitted.classes_)
        assert set(fitted.classes_) == set(np.unique(y))


@SETTINGS
@given(data=datasets, trainer=trainers)
def test_same_random_state_same_results_and_clone_reproduces(data, trainer):
    X, y = make_data(**data)
    assume(compatible(trainer, data["kind"]))
    first = clone(trainer).set_params(random_state=data["seed"]).fit(X, y)
    second = clone(first).fit(X, y)
    assert first.training_result_.metrics == second.training_result_.metrics
    np.testing.assert_array_equal(
        first.training_result_.cv_scores, second.training_result_.cv_scores
    )
    np.testing.assert_array_equal(first.predict(X), second.predict(X))


@SETTINGS
@given(data=datasets, trainer=trainers)
def test_joblib_round_trip_predicts_identically(tmp_path_factory, data, trainer):
    X, y = make_data(**data)
    assume(compatible(trainer, data["kind"]))
    fitted = clone(trainer).fit(X, y)
    path = tmp_path_factory.mktemp("models") / "trainer.joblib"
    joblib.dump(fitted, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), fitted.predict(X))


@SETTINGS
@given(data=datasets, permutation_seed=st.integers(0, 10_000))
def test_row_permutation_keeps_the_detected_problem_type(data, permutation_seed):
    X, y = make_data(**data)
    order = np.random.default_rng(permutation_seed).permutation(len(y))
    trainer = ModelTrainer({"model_params": {"n_estimators": 3}}, cv_folds=0)
    first = clone(trainer).fit(X, y)
    permuted = clone(trainer).fit(X[order], y[order])
    assert first.problem_type_ == permuted.problem_type_
    assert first.training_result_.problem_type_reason == (
        permuted.training_result_.problem_type_reason
    )


@SETTINGS
@given(data=datasets, trainer=trainers)
def test_config_is_never_mutated(data, trainer):
    X, y = make_data(**data)
    assume(compatible(trainer, data["kind"]))
    config = trainer.get_params()["config"]
    snapshot = copy.deepcopy(config)
    trainer.fit(X, y)
    assert trainer.get_params()["config"] == snapshot
