"""check_backend: the contract checks plugin authors run, on every built-in backend."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge, RidgeClassifier

from easy_mlops.training import (
    CallableBackend,
    DeepLearningBackend,
    EstimatorBackend,
    LightGBMBackend,
    NeuralNetworkBackend,
    NLPBackend,
    SklearnBackend,
    registry,
)
from easy_mlops.utils import check_backend


def build_model(config, problem_type):
    return {"problem_type": problem_type}


def train_fn(model, X, y, config):
    values, counts = np.unique(y, return_counts=True)
    model["answer"] = (
        values[np.argmax(counts)]
        if model["problem_type"] == "classification"
        else float(np.mean(y))
    )


def predict_fn(model, X):
    return np.full(len(X), model["answer"])


CALLABLES = {"build_model": build_model, "train_fn": train_fn, "predict_fn": predict_fn}


class RidgeBackend(EstimatorBackend):
    """The docs' "ridge backend in ten lines"."""

    name = "ridge_models_checked"

    def build_estimator(self, problem_type):
        if problem_type == "classification":
            return RidgeClassifier()
        return Ridge()


@pytest.mark.parametrize(
    "backend, config",
    [
        (SklearnBackend, {"model_params": {"n_estimators": 5}}),
        (NeuralNetworkBackend, {"model_params": {"max_iter": 50}}),
        (LightGBMBackend, {"model_params": {"n_estimators": 5}}),
        (CallableBackend, CALLABLES),
        (DeepLearningBackend, CALLABLES),
        (NLPBackend, CALLABLES),
        (RidgeBackend, None),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_every_built_in_backend_passes(backend, config):
    if backend is LightGBMBackend:
        pytest.importorskip("lightgbm")
    check_backend(backend, config=config)
    assert RidgeBackend.name not in registry.available_backends()


class WrongSignature(SklearnBackend):
    name = "wrong_signature_checked"

    def predict(self, model, rows):
        return model.predict(rows)


class AnyKey(RidgeBackend):
    name = "any_key_checked"

    @property
    def config_keys(self):
        # Every key it is given counts as its own: none is ever refused.
        return tuple(self.config)


class PrivateOverride(RidgeBackend):
    name = "private_override_checked"

    def _check_config_keys(self):
        pass


class OwnCheck(RidgeBackend):
    name = "own_check_checked"

    def check_config(self):
        pass


class UndeclaredDetection(RidgeBackend):
    name = "undeclared_detection_checked"

    def detect_problem_type(self, y):
        return "regression"


class ShortPredictions(RidgeBackend):
    name = "short_predictions_checked"

    def predict(self, model, X):
        return model.predict(X)[:-1]


@pytest.mark.parametrize(
    "backend, message",
    [
        (WrongSignature, r"WrongSignature.predict takes \['self', 'model', 'rows'\]"),
        (AnyKey, "accepted the unknown config key"),
        (OwnCheck, "OwnCheck.check_config overrides a method of the backend flow"),
        (
            PrivateOverride,
            "PrivateOverride._check_config_keys overrides a method of the backend",
        ),
        (UndeclaredDetection, "does not declare own_problem_type_detection"),
        (ShortPredictions, "failed a classification fit on 60 rows: ValueError"),
    ],
    ids=[
        "signature",
        "unknown-key",
        "not-a-hook",
        "private",
        "undeclared",
        "short-predictions",
    ],
)
def test_a_broken_backend_is_named_with_what_broke(backend, message):
    with pytest.raises(AssertionError, match=message):
        check_backend(backend)
    assert backend.name not in registry.available_backends()


def test_a_backend_defined_in_a_function_is_told_to_move():
    class Local(RidgeBackend):
        name = "local_checked"

    with pytest.raises(AssertionError, match="Define the backend class at module"):
        check_backend(Local)
