"""The migration contract: code written for make-mlops-easy 0.4 keeps working.

Only the old API is used here (no scikit-learn-style calls).
"""

import json
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from easy_mlops.training import ModelTrainer

X_CLF, Y_CLF = make_classification(n_samples=100, n_features=4, random_state=0)
X_REG, Y_REG = make_regression(n_samples=100, n_features=4, noise=1.0, random_state=0)
FAST = {"model_params": {"n_estimators": 10}, "cv_folds": 3}


def test_train_predict_save_load(tmp_path):
    trainer = ModelTrainer({"backend": "sklearn", "test_size": 0.3, **FAST})
    results = trainer.train(X_CLF, Y_CLF)
    for key in ("model_name", "metrics", "n_features", "n_samples", "backend"):
        assert key in results
    assert results["model_name"] == "RandomForestClassifier"
    assert (results["n_samples"], results["n_features"]) == (100, 4)
    assert "accuracy" in results["metrics"]
    predictions = trainer.predict(X_CLF)
    path = tmp_path / "model.joblib"
    trainer.save_model(str(path))
    restored = ModelTrainer({"backend": "sklearn"})
    restored.load_model(str(path))
    np.testing.assert_array_equal(restored.predict(X_CLF), predictions)


def test_model_type_keyword_of_train():
    trainer = ModelTrainer({"backend": "sklearn", "cv_folds": 0})
    results = trainer.train(X_REG, Y_REG, model_type="linear_regression")
    assert results["model_name"] == "LinearRegression"
    assert results["model_type"] == "linear_regression"
    assert results["problem_type"] == "regression"


def test_model_and_metrics_are_read_only_views():
    trainer = ModelTrainer(FAST)
    results = trainer.train(X_CLF, Y_CLF)
    assert trainer.metrics == results["metrics"]
    assert np.array_equal(trainer.model.predict(X_CLF), trainer.predict(X_CLF))
    with pytest.raises(AttributeError):
        trainer.model = None
    with pytest.raises(AttributeError):
        trainer.metrics = {}


def test_detect_problem_type_before_training():
    trainer = ModelTrainer({})
    assert trainer.detect_problem_type(Y_CLF) == "classification"
    assert trainer.detect_problem_type(Y_REG) == "regression"
    assert ModelTrainer({"problem_type": "regression"}).detect_problem_type(Y_CLF) == (
        "regression"
    )


def test_select_model():
    trainer = ModelTrainer({})
    assert (
        type(trainer.select_model("classification", "logistic_regression")).__name__
        == "LogisticRegression"
    )
    assert (
        type(trainer.select_model("regression", "random_forest_regressor")).__name__
        == "RandomForestRegressor"
    )
    pytest.importorskip("xgboost")
    assert (
        type(trainer.select_model("regression", "xgboost")).__name__ == "XGBRegressor"
    )
    assert (
        type(trainer.select_model("classification", "xgboost")).__name__
        == "XGBClassifier"
    )


@pytest.mark.parametrize(
    "problem_type, model_type",
    [("classification", "no_such_model"), ("classification", "linear_regression")],
)
def test_select_model_refuses_unknown_or_mismatched_names(problem_type, model_type):
    with pytest.raises(ValueError):
        ModelTrainer({}).select_model(problem_type, model_type)


def test_split_data():
    trainer = ModelTrainer({"test_size": 0.25, "random_state": 0})
    with pytest.raises(ValueError, match="problem type"):
        trainer.split_data(X_CLF, Y_CLF)
    trainer.train(X_CLF, Y_CLF)
    X_train, X_test, y_train, y_test = trainer.split_data(X_CLF, Y_CLF)
    assert (len(X_train), len(X_test)) == (75, 25)
    assert abs(y_test.mean() - Y_CLF.mean()) < 0.05  # stratified
    assert len(y_test) == trainer.training_result_.n_test
    forced = ModelTrainer({"problem_type": "regression", "test_size": 0.2})
    assert len(forced.split_data(X_REG, Y_REG)[1]) == 20


def test_predict_and_save_before_training_raise_value_errors(tmp_path):
    trainer = ModelTrainer({})
    with pytest.raises(ValueError):
        trainer.predict(X_CLF)
    with pytest.raises(ValueError):
        trainer.save_model(str(tmp_path / "m"))


def test_neural_network_hidden_layer_sizes_as_tuple_or_list():
    for sizes in ((8, 4), [8, 4]):
        trainer = ModelTrainer(
            {
                "backend": "neural_network",
                "hidden_layer_sizes": sizes,
                "max_iter": 500,
                "cv_folds": 0,
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            trainer.train(X_CLF, Y_CLF)
        assert trainer.model.hidden_layer_sizes == (8, 4)


# The old callable-backend conventions.


def build_model(config, problem_type):
    return {"weights": None, "problem_type": problem_type}


def train_in_place(model, X_train, y_train, config):
    model["weights"] = np.linalg.lstsq(X_train, y_train, rcond=None)[0]
    return None


def predict_fn(model, X):
    return np.asarray(X) @ model["weights"]


def cv_fn(model, X, y, config):
    return {"cv_mean": 0.5, "cv_std": 0.1}


def save_fn(model, output_path, metadata, config):
    with open(output_path, "w") as handle:
        json.dump({"weights": model["weights"].tolist(), "metadata": metadata}, handle)


def load_fn_pair(model_path, config):
    with open(model_path) as handle:
        saved = json.load(handle)
    return {"weights": np.asarray(saved["weights"])}, saved["metadata"]


def load_fn_mapping(model_path, config):
    model, metadata = load_fn_pair(model_path, config)
    return {"model": model, "metadata": metadata}


OLD_CALLABLE = {
    "backend": "callable",
    "problem_type": "regression",
    "build_model": build_model,
    "train_fn": train_in_place,
    "predict_fn": predict_fn,
    "save_fn": save_fn,
}


@pytest.mark.parametrize("load_fn", [load_fn_pair, load_fn_mapping])
def test_callable_backend_conventions(tmp_path, load_fn):
    config = {**OLD_CALLABLE, "cv_fn": cv_fn, "load_fn": load_fn}
    trainer = ModelTrainer(config)
    results = trainer.train(X_REG, Y_REG)
    assert results["problem_type"] == "regression"
    assert results["metrics"]["cv_mean"] == 0.5
    assert trainer.model["weights"].shape == (4,)
    path = tmp_path / "callable.model"
    trainer.save_model(str(path))
    restored = ModelTrainer(config)
    restored.load_model(str(path))
    np.testing.assert_allclose(restored.predict(X_REG), trainer.predict(X_REG))


def test_save_fn_receives_the_backend_in_metadata(tmp_path):
    config = {**OLD_CALLABLE, "cv_folds": 0}
    trainer = ModelTrainer(config)
    trainer.train(X_REG, Y_REG)
    trainer.save_model(str(tmp_path / "m"))
    with zipfile.ZipFile(tmp_path / "m") as archive:
        written = json.loads(archive.read("model"))
    assert written["metadata"]["backend"] == "callable"
