"""The ``neural_network`` backend: scikit-learn's multi-layer perceptrons."""

# License: BSD 3 clause

from collections.abc import Sequence
from numbers import Integral

from ..catalogue import ModelSpec
from ..estimator_backend import EstimatorBackend
from ..registry import register_backend

__all__ = ["NeuralNetworkBackend"]

_CLASSIFIER = "sklearn.neural_network:MLPClassifier"
_REGRESSOR = "sklearn.neural_network:MLPRegressor"

#: Keys of the ``training`` section that become MLP parameters, with the
#: defaults this backend uses where it differs from scikit-learn's.
MLP_KEYS = {
    "hidden_layer_sizes": (50, 50),
    "max_iter": 200,
    "activation": None,
    "solver": None,
    "alpha": None,
    "learning_rate": None,
    "learning_rate_init": None,
    "early_stopping": None,
}


@register_backend
class NeuralNetworkBackend(EstimatorBackend):
    """Train scikit-learn's MLPClassifier or MLPRegressor.

    Config keys: ``hidden_layer_sizes`` (default ``(50, 50)``; a list from
    YAML works), ``max_iter`` (default 200), and optionally ``activation``,
    ``solver``, ``alpha``, ``learning_rate``, ``learning_rate_init`` and
    ``early_stopping``, passed to the estimator.  Their values are checked by
    scikit-learn before any training.  A ``ConvergenceWarning`` is raised and
    kept in ``training_result_.warnings``.

    Parameters
    ----------
    config : mapping
        The resolved training config.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops.training import ModelTrainer
    >>> X, y = load_iris(return_X_y=True)
    >>> config = {"backend": "neural_network", "hidden_layer_sizes": [16],
    ...           "max_iter": 500, "cv_folds": 0}
    >>> ModelTrainer(config).fit(X, y).training_result_.model_name
    'MLPClassifier'
    """

    name = "neural_network"
    model_types = {
        "auto": ModelSpec(
            _CLASSIFIER,
            _REGRESSOR,
            description="MLP classifier or regressor",
            compared=False,  # one of the entries below
        ),
        "mlp_classifier": ModelSpec(_CLASSIFIER, description="MLPClassifier"),
        "mlp_regressor": ModelSpec(regressor=_REGRESSOR, description="MLPRegressor"),
    }
    config_keys = (*EstimatorBackend.config_keys, *MLP_KEYS)

    def estimator_params(self, problem_type):
        # A key left empty in YAML (None) means the default, like a missing one.
        given = {key: self.config.get(key) for key in MLP_KEYS}
        params = {
            key: default if given[key] is None else given[key]
            for key, default in MLP_KEYS.items()
            if given[key] is not None or default is not None
        }
        params["hidden_layer_sizes"] = _layer_sizes(params["hidden_layer_sizes"])
        return params


def _layer_sizes(value):
    """``hidden_layer_sizes`` as a tuple of positive ints (YAML gives lists)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (value,)
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) > 0
        and all(
            isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in value
        )
    ):
        return tuple(int(v) for v in value)
    raise ValueError(
        "hidden_layer_sizes must be a positive int or a non-empty list of positive "
        f"ints (neurons per hidden layer), e.g. [64, 32]. Got {value!r} instead."
    )
