"""The sklearn backend's catalogue, and XGBoost through it."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from easy_mlops import ModelTrainer
from easy_mlops.training import SklearnBackend
from easy_mlops.training.backends.sklearn_backend import SKLEARN_MODEL_TYPES
from easy_mlops.training.label_encoding import unwrap

# The catalogue entries whose estimators take no random_state.
SEEDLESS = {"linear_regression", "ridge"}


@pytest.mark.parametrize("model_type", sorted(SKLEARN_MODEL_TYPES))
def test_every_catalogue_entry_builds_its_estimators(model_type):
    spec = SKLEARN_MODEL_TYPES[model_type]
    if spec.extra:
        pytest.importorskip(spec.extra)
    assert spec.problem_types
    for problem_type in spec.problem_types:
        config = {
            "model_type": model_type,
            "problem_type": problem_type,
            "random_state": 7,
        }
        estimator = SklearnBackend(config).build_estimator(problem_type)
        bare = unwrap(estimator)
        assert type(bare) is spec.estimator_class(problem_type)
        assert (bare is not estimator) == (
            spec.encode_labels and problem_type == "classification"
        )
        params = bare.get_params()
        assert {name: params[name] for name in spec.params} == spec.params
        expected_seed = None if model_type in SEEDLESS else 7
        assert params.get("random_state") == expected_seed


def test_hist_gradient_boosting_by_problem_type(regression_data):
    trainer = ModelTrainer(
        {"model_params": {"max_iter": 10}},
        model_type="hist_gradient_boosting",
        cv_folds=0,
    )
    model = trainer.fit(*regression_data).training_result_.model
    assert isinstance(model, HistGradientBoostingRegressor)
    assert model.max_iter == 10


XGB = {"model_type": "xgboost", "model_params": {"n_estimators": 10}}


@pytest.mark.parametrize(
    "labels",
    [["cat", "dog"], [1, 2], [-1, 5, 9]],
    ids=["strings", "1-2", "sparse-ints"],
)
def test_xgboost_takes_any_labels(multiclass_data, labels):
    pytest.importorskip("xgboost")
    X, y = multiclass_data
    y = np.asarray(labels)[y % len(labels)]
    trainer = ModelTrainer(XGB, cv_folds=2).fit(X, y)
    assert trainer.training_result_.model_name == "XGBClassifier"
    assert set(trainer.predict(X)) <= set(labels)
    assert list(trainer.classes_) == sorted(labels)
    assert trainer.predict_proba(X).shape == (len(y), len(labels))
    assert trainer.training_result_.metrics["accuracy"] > 0.5


def test_xgboost_regression_and_sample_weight(regression_data):
    pytest.importorskip("xgboost")
    X, y = regression_data
    trainer = ModelTrainer(XGB, cv_folds=2).fit(X, y, sample_weight=np.ones(len(y)))
    assert trainer.training_result_.model_name == "XGBRegressor"
    assert trainer.training_result_.model.random_state == 42


def test_xgboost_missing_gives_the_pip_command(without_package):
    out = without_package(
        "xgboost",
        "import numpy as np\n"
        "from easy_mlops import ModelTrainer\n"
        "try:\n"
        "    ModelTrainer(model_type='xgboost').fit(np.eye(4), [0, 1, 0, 1])\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "y = [0.0, 1.0, 2.0, 3.0]\n"
        "ModelTrainer(model_type='linear_regression').fit(np.eye(4), y)\n",
    )
    assert 'pip install "easy-mlops[xgboost]"' in out


def test_ridge_stays_sane_on_a_category_unseen_in_a_fold():
    # One-hot columns are collinear with the intercept; a category seen in
    # one row only is missing from the training rows of its fold.
    rng = np.random.default_rng(0)
    n = 80
    city = rng.choice(["a", "b", "c"], size=n)
    city[0] = "rare"
    frame = pd.DataFrame({"city": city, "size": rng.uniform(20, 100, n)})
    y = 6 + 0.01 * frame["size"] + rng.normal(scale=0.1, size=n)
    trainer = ModelTrainer(model_type="ridge", cv_folds=5).fit(frame, y)
    assert np.all(np.isfinite(trainer.cv_scores_))
    folds = KFold(5, shuffle=True, random_state=42)
    for train, test in folds.split(frame):
        model = clone(trainer.training_result_.model).fit(frame.iloc[train], y[train])
        predictions = model.predict(frame.iloc[test])
        assert np.all(np.abs(predictions - y.mean()) < 3 * np.ptp(y))


def test_logistic_regression_converges_on_the_demo_without_a_warning():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3).fit(X, y)
    assert trainer.training_result_.warnings == []
    assert isinstance(trainer.training_result_.model[0], StandardScaler)
    # Without the scaler (preprocessing="none"), lbfgs stops at max_iter.
    with pytest.warns(ConvergenceWarning):
        unscaled = ModelTrainer(
            model_type="logistic_regression",
            cv_folds=0,
            test_size=0,
            preprocessing="none",
        ).fit(X, y)
    assert isinstance(unscaled.training_result_.model, LogisticRegression)
