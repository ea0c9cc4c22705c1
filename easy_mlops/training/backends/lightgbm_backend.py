"""The ``lightgbm`` backend: LightGBM's gradient-boosted trees."""

# License: BSD 3 clause

from ..catalogue import ModelSpec
from ..estimator_backend import EstimatorBackend
from ..registry import register_backend

__all__ = ["LightGBMBackend"]

_CLASSIFIER = "lightgbm:LGBMClassifier"
_REGRESSOR = "lightgbm:LGBMRegressor"
# LightGBM logs to stdout by default; the library stays silent unless asked.
_QUIET = {"verbosity": -1}


@register_backend
class LightGBMBackend(EstimatorBackend):
    """Train LightGBM's LGBMClassifier or LGBMRegressor.

    Needs ``pip install "easy-mlops[lightgbm]"``; without it the backend is
    still listed, and choosing it raises ImportError with that command.
    Hyperparameters come from ``model_params`` in the ``training`` section.
    LightGBM's own logging is off (``verbosity=-1``) unless ``model_params``
    sets it.

    Parameters
    ----------
    config : mapping
        The resolved training config.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops.training import ModelTrainer
    >>> X, y = load_diabetes(return_X_y=True)
    >>> config = {"backend": "lightgbm", "model_params": {"n_estimators": 20}}
    >>> ModelTrainer(config, cv_folds=0).fit(X, y).training_result_.model_name
    'LGBMRegressor'
    """

    name = "lightgbm"
    extra = "lightgbm"
    model_types = {
        "auto": ModelSpec(
            _CLASSIFIER,
            _REGRESSOR,
            params=_QUIET,
            extra="lightgbm",
            description="LightGBM classifier or regressor by problem type",
            compared=False,  # one of the entries below
        ),
        "lgbm_classifier": ModelSpec(
            _CLASSIFIER, params=_QUIET, extra="lightgbm", description="LGBMClassifier"
        ),
        "lgbm_regressor": ModelSpec(
            regressor=_REGRESSOR,
            params=_QUIET,
            extra="lightgbm",
            description="LGBMRegressor",
        ),
    }
