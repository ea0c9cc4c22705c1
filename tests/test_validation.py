"""Bad targets, weights and parameters: refused before any work, clearly.

Each case once slipped through (see issue 11): a wrong metric, a crash deep
inside NumPy, or a silent change of problem type.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from easy_mlops import ModelTrainer
from easy_mlops.training.validation import check_sample_weight, check_target_values

BUILT = []


def build_model(config, problem_type):
    BUILT.append(problem_type)
    return {}


def train_fn(model, X, y, config, sample_weight=None):
    model["mean"] = 0.0


def predict_fn(model, X):
    return np.zeros(len(X))


COUNTING = {
    "backend": "callable",
    "build_model": build_model,
    "train_fn": train_fn,
    "predict_fn": predict_fn,
}


@pytest.fixture
def fitted(classification_data):
    return ModelTrainer({"model_params": {"n_estimators": 3}}, cv_folds=0).fit(
        *classification_data
    )


def refused_without_work(trainer, X, y, error, message, **fit_params):
    """Fit must raise before building any model and keep the old fitted state."""
    before = getattr(trainer, "training_result_", None)
    BUILT.clear()
    with pytest.raises(error, match=message):
        trainer.fit(X, y, **fit_params)
    assert BUILT == []
    assert getattr(trainer, "training_result_", None) is before


# -- sample_weight ------------------------------------------------------------------


@pytest.mark.parametrize(
    "weights, error, message",
    [
        (-1.0, ValueError, r"1 negative value\(s\) \(first at row 0: -1.0\)"),
        (np.nan, ValueError, r"1 NaN value\(s\) \(first at row 0"),
        (np.inf, ValueError, r"1 infinite value\(s\)"),
        ("balanced", TypeError, "got the string 'balanced'.*compute_sample_weight"),
        ("all-zero", ValueError, "zero for every row"),
        ("text", TypeError, "values of dtype <U1"),
    ],
    ids=["negative", "nan", "inf", "balanced", "all-zero", "text"],
)
@pytest.mark.parametrize("backend", ["sklearn", "callable"])
def test_bad_sample_weights_are_refused_before_any_work(
    classification_data, fitted, weights, error, message, backend
):
    X, y = classification_data
    if weights == "all-zero":
        weights = np.zeros(len(y))
    elif weights == "text":
        weights = np.array(["a"] * len(y))
    elif not isinstance(weights, str):
        weights = np.r_[weights, np.ones(len(y) - 1)]
    trainer = fitted if backend == "sklearn" else ModelTrainer(COUNTING)
    refused_without_work(trainer, X, y, error, message, sample_weight=weights)


def test_negative_weights_once_gave_an_accuracy_above_one(classification_data):
    X, y = classification_data
    weights = np.where(np.arange(len(y)) % 2, 1.0, -0.5)
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    with pytest.raises(ValueError, match="negative"):
        trainer.fit(X, y, sample_weight=weights)


def test_good_weights_pass_as_floats():
    y = np.array([0, 1, 1])
    np.testing.assert_array_equal(check_sample_weight([1, 0, 2], y), [1.0, 0.0, 2.0])
    assert check_sample_weight(None, y) is None
    with pytest.raises(ValueError, match="3"):
        check_sample_weight([1, 2], y)


# -- the target ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "y, message",
    [
        (
            pd.Series(["a", "b", None, "a"] * 10),
            r"1\d* missing value\(s\) \(None or NaN; first at row 2\)",
        ),
        (
            pd.Series([1, "a", 2, "b"] * 10, dtype=object),
            "mixes labels of different kinds: numbers and strings",
        ),
    ],
    ids=["none-among-strings", "mixed-types"],
)
@pytest.mark.parametrize("backend", ["sklearn", "callable"])
def test_targets_numpy_cannot_sort_are_refused(fitted, y, message, backend):
    X = np.random.default_rng(0).normal(size=(len(y), 5))
    trainer = fitted if backend == "sklearn" else ModelTrainer(COUNTING)
    refused_without_work(trainer, X, y, ValueError, message)


def test_a_one_row_fit_is_refused_not_turned_into_a_regressor(fitted):
    """It once became a regressor silently, whatever the label."""
    for y in (["cat"], [1]):
        refused_without_work(fitted, [[1.0] * 5], y, ValueError, "y has 1 sample")


def test_detect_problem_type_of_an_empty_target():
    with pytest.raises(ValueError, match="y has 0 sample.*detect a problem type"):
        ModelTrainer().detect_problem_type([])
    assert ModelTrainer().detect_problem_type(["a"]) == "classification"


def test_numbers_and_bools_are_one_kind():
    check_target_values(np.array([1, 2.5, True, np.int64(3)], dtype=object))


@pytest.mark.filterwarnings("ignore:The number of unique classes:UserWarning")
def test_a_label_per_row_is_refused_as_an_id_column():
    """3000 distinct strings in 3000 rows once ran out of memory."""
    n = 3000
    X = np.arange(n, dtype=float).reshape(-1, 1)
    y = np.array([f"customer-{i}" for i in range(n)], dtype=object)
    BUILT.clear()
    with pytest.raises(ValueError, match="3000 distinct labels in 3000 rows.*ID col"):
        ModelTrainer(COUNTING, cv_folds=0).fit(X, y)
    assert BUILT == []


@pytest.mark.filterwarnings("ignore:The number of unique classes:UserWarning")
def test_the_label_share_rule_at_its_edges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    # 30 labels in 60 rows: exactly half, accepted.
    half = np.repeat(np.arange(30), 2).astype(str)
    ModelTrainer(COUNTING, cv_folds=0, test_size=0).fit(X, half)
    # 31 labels in 60 rows: more than half, refused.
    over = np.r_[np.repeat(np.arange(29), 2), [29, 30]].astype(str)
    assert len(set(over)) == 31
    with pytest.raises(ValueError, match="31 distinct labels in 60 rows"):
        ModelTrainer(COUNTING, cv_folds=0, test_size=0).fit(X, over)
    # Tiny examples: up to 20 classes pass even with a label per row.
    ModelTrainer(COUNTING, cv_folds=0, test_size=0).fit(X[:20], np.arange(20) + 0.0)


# -- model_params names -------------------------------------------------------------


@pytest.mark.parametrize(
    "backend, model_type, package",
    [("lightgbm", "auto", "lightgbm"), ("sklearn", "xgboost", "xgboost")],
)
def test_estimators_taking_kwargs_accept_names_beyond_get_params(
    classification_data, backend, model_type, package
):
    pytest.importorskip(package)
    params = {"n_estimators": 3, "verbose": -1} if package == "lightgbm" else {}
    params.setdefault("n_estimators", 3)
    if package == "xgboost":
        params["eta"] = 0.3  # an alias of learning_rate
    config = {"backend": backend, "model_type": model_type, "model_params": params}
    trainer = ModelTrainer(config, cv_folds=0).fit(*classification_data)
    model = trainer.training_result_.model
    estimator = getattr(model, "estimator", model)
    extra = "verbose" if package == "lightgbm" else "eta"
    assert estimator.get_params()[extra] == params[extra]


def test_other_estimators_still_refuse_unknown_names(classification_data):
    with pytest.raises(ValueError, match="Unknown model_params.*'verbos'"):
        ModelTrainer({"model_params": {"verbos": 1}}).fit(*classification_data)


def test_more_classes_than_a_classifier_may_have_are_refused_before_fitting():
    """5,000 classes of 4 rows each once took 23 GB in a forest."""
    from easy_mlops.training.steps import MAX_CLASSES

    n_classes = MAX_CLASSES + 1
    y = np.repeat(np.arange(n_classes), 3).astype(str)
    X = np.zeros((y.shape[0], 1))
    BUILT.clear()
    with pytest.raises(ValueError, match=f"y has {n_classes} distinct labels, more"):
        ModelTrainer(COUNTING, cv_folds=0).fit(X, y)
    assert BUILT == []
    # At the limit, it trains.
    y = np.repeat(np.arange(MAX_CLASSES), 2).astype(str)
    ModelTrainer(COUNTING, cv_folds=0, test_size=0).fit(np.zeros((y.shape[0], 1)), y)


@pytest.mark.parametrize("tz", [None, "UTC"])
def test_a_date_target_is_named_a_date(tz):
    y = pd.Series(pd.date_range("2020-01-01", periods=40, tz=tz))
    with pytest.raises(ValueError, match="y holds dates .*not dates.*days since"):
        ModelTrainer(cv_folds=0).fit(np.zeros((40, 1)), y)


# -- model_params values ------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value", [("n_estimators", True), ("min_samples_split", False)]
)
def test_a_boolean_for_a_numeric_parameter_is_refused_before_fitting(key, value):
    trainer = ModelTrainer(model_params={key: value}, cv_folds=0)
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    with pytest.raises(TypeError, match=f"model_params.{key} of RandomForest.*boolean"):
        trainer.fit(X, y)
    assert not hasattr(trainer, "training_result_")


def test_a_boolean_a_parameter_takes_is_kept():
    from easy_mlops.config import validate_config

    # bootstrap's default is a bool, verbose's constraint allows one.
    validate_config({"model_params": {"bootstrap": False, "verbose": True}})


def test_a_boolean_for_a_kwargs_estimator_is_warned_about():
    pytest.importorskip("lightgbm")
    from easy_mlops.config import validate_config

    with pytest.warns(UserWarning, match="n_estimators of LGBMClassifier must be"):
        validate_config({"backend": "lightgbm", "model_params": {"n_estimators": True}})


LAYERS = {"hidden_layer_sizes": [10**7]}


@pytest.mark.parametrize(
    "config, key",
    [
        ({"model_params": {"n_estimators": 10**12}}, "n_estimators"),
        (
            {
                "backend": "neural_network",
                "model_params": {"hidden_layer_sizes": [10**7]},
            },
            "hidden_layer_sizes",
        ),
    ],
)
def test_an_absurd_size_is_warned_about_before_any_fit(config, key):
    from easy_mlops.config import validate_config

    with pytest.warns(UserWarning, match=f"model_params.{key} of .* far above"):
        validate_config(config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_config({"model_params": {"n_estimators": 1_000_000}})
