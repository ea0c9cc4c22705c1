"""The neural_network backend."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from easy_mlops import ModelTrainer


def mlp(**config):
    return ModelTrainer({"backend": "neural_network", **config}, cv_folds=2)


def test_mlp_by_problem_type(classification_data, regression_data):
    clf = mlp(hidden_layer_sizes=[8], max_iter=400).fit(*classification_data)
    assert clf.training_result_.model_name == "MLPClassifier"
    assert clf.predict_proba(classification_data[0]).shape == (120, 2)
    X, y = regression_data
    reg = mlp(hidden_layer_sizes=[8], max_iter=50).fit(X, y / y.std())
    assert reg.training_result_.model_name == "MLPRegressor"
    assert not hasattr(reg, "predict_proba")


def test_defaults_and_yaml_lists(classification_data):
    trainer = mlp(max_iter=5)
    with pytest.warns(ConvergenceWarning):
        trainer.fit(*classification_data)
    model = trainer.training_result_.model
    assert model.hidden_layer_sizes == (50, 50) and model.max_iter == 5
    trainer = mlp(
        hidden_layer_sizes=[7, 3],
        max_iter=5,
        activation="tanh",
        solver="adam",
        alpha=0.01,
        learning_rate="adaptive",
        learning_rate_init=0.01,
        early_stopping=False,
    )
    with pytest.warns(ConvergenceWarning):
        trainer.fit(*classification_data)
    params = trainer.training_result_.model.get_params()
    assert params["hidden_layer_sizes"] == (7, 3)
    assert (params["activation"], params["alpha"], params["learning_rate"]) == (
        "tanh",
        0.01,
        "adaptive",
    )
    assert params["random_state"] == 42


def test_convergence_warning_is_kept(classification_data):
    with pytest.warns(ConvergenceWarning):
        trainer = mlp(hidden_layer_sizes=[4], max_iter=2).fit(*classification_data)
    kept = trainer.training_result_.warnings
    assert len(kept) == 4  # hold-out, two folds, refit
    assert all("ConvergenceWarning" in w for w in kept)
    assert {w.split(":")[0] for w in kept} == {"holdout", "fold", "refit"}


@pytest.mark.parametrize(
    "config, error, message",
    [
        ({"hidden_layer_size": [3]}, ValueError, "Did you mean 'hidden_layer_sizes'"),
        ({"activation": "sigmoid"}, InvalidParameterError, "'activation' parameter"),
        ({"max_iter": 0}, InvalidParameterError, "'max_iter' parameter"),
        ({"hidden_layer_sizes": "big"}, ValueError, "hidden_layer_sizes must be"),
        ({"hidden_layer_sizes": [10, 0]}, ValueError, "hidden_layer_sizes must be"),
    ],
)
def test_bad_keys_and_values_name_the_key(classification_data, config, error, message):
    with pytest.raises(error, match=message):
        mlp(**config).fit(*classification_data)


def test_single_int_layer(classification_data):
    trainer = mlp(hidden_layer_sizes=6, max_iter=300, cv_folds=0)
    with pytest.warns(ConvergenceWarning):
        trainer.fit(*classification_data)
    assert trainer.training_result_.model.hidden_layer_sizes == (6,)
    assert np.isin(trainer.predict(classification_data[0]), [0, 1]).all()


def test_an_empty_yaml_value_means_the_default(classification_data):
    trainer = mlp(hidden_layer_sizes=None, max_iter=5, cv_folds=0)
    with pytest.warns(ConvergenceWarning):
        trainer.fit(*classification_data)
    assert trainer.training_result_.model.hidden_layer_sizes == (50, 50)
