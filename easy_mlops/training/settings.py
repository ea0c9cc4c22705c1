"""The settings every backend shares: their defaults and allowed values.

This module is the single home of those facts.  ``ModelTrainer`` reads it to
resolve its keyword arguments against the ``config`` mapping, and the YAML
loader and the documentation read it too.
"""

# License: BSD 3 clause

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np

from .._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from .preprocessing import PREPROCESSING_OPTIONS
from .problem_type import PROBLEM_TYPES

__all__ = [
    "DEFAULTS",
    "SHARED_KEYS",
    "merged_model_params",
    "resolve_settings",
    "trainer_settings",
]

#: Defaults of the shared keys, used when neither ``config`` nor a keyword
#: argument of ``ModelTrainer`` gives a value.
DEFAULTS = {
    "backend": "sklearn",
    "model_type": "auto",
    "problem_type": "auto",
    "test_size": 0.2,
    "cv_folds": 5,
    "random_state": 42,
    "refit": True,
    "n_jobs": None,
    "inner_threads": "auto",
    "preprocessing": "auto",
    "group_column": None,
    "time_column": None,
    "time_gap": 0,
    "time_budget": None,
}

#: The keys shared by every backend, in signature order.
SHARED_KEYS = tuple(DEFAULTS)


class _NumberInterval(Interval):
    """An ``Interval`` that refuses booleans.

    ``True`` is an ``int`` to Python, so scikit-learn's ``Interval`` takes
    ``cv_folds=True`` as 1 fold and ``test_size=False`` as 0; a boolean given
    for a number is a mistake, and is refused.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


#: What each resolved shared key may hold (scikit-learn constraint syntax).
CONSTRAINTS = {
    "backend": [str],
    "model_type": [str, list],
    "problem_type": [StrOptions({"auto", *PROBLEM_TYPES})],
    "test_size": [_NumberInterval(Real, 0, 1, closed="left")],
    "cv_folds": [_NumberInterval(Integral, 0, None, closed="left")],
    # scikit-learn's "random_state" constraint, without booleans.
    "random_state": [
        _NumberInterval(Integral, 0, 2**32 - 1, closed="both"),
        np.random.RandomState,
        None,
    ],
    "refit": ["boolean"],
    "n_jobs": [
        _NumberInterval(Integral, None, -1, closed="right"),
        _NumberInterval(Integral, 1, None, closed="left"),
        None,
    ],
    "inner_threads": [
        StrOptions({"auto"}),
        _NumberInterval(Integral, 1, None, closed="left"),
    ],
    "preprocessing": [
        StrOptions(set(PREPROCESSING_OPTIONS)),
        HasMethods(["fit", "transform"]),
    ],
    "group_column": [str, None],
    "time_column": [str, None],
    "time_gap": [_NumberInterval(Integral, 0, None, closed="left")],
    "time_budget": [_NumberInterval(Real, 0, None, closed="neither"), None],
}


def resolve_settings(config, overrides, caller_name="ModelTrainer"):
    """Merge defaults, a config mapping and keyword overrides, then validate.

    Parameters
    ----------
    config : mapping or None
        The ``training`` section.  It is copied, never modified.
    overrides : mapping
        Values of the keyword arguments; those that are not None win.
    caller_name : str, default="ModelTrainer"
        Named in error messages.

    Returns
    -------
    settings : dict
        A new dict with every shared key resolved, plus the backend-specific
        keys of ``config`` unchanged.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` naming the key, what it allows and what it got;
        booleans are refused where a number is expected.
    ValueError
        If ``config`` is a whole config (it has a ``training`` key).

    Examples
    --------
    >>> from easy_mlops.training.settings import resolve_settings
    >>> s = resolve_settings({"cv_folds": 3}, {"cv_folds": None, "test_size": 0.3})
    >>> s["cv_folds"], s["test_size"], s["backend"]
    (3, 0.3, 'sklearn')
    """
    validate_parameter_constraints(
        {"config": [Mapping, None]}, {"config": config}, caller_name=caller_name
    )
    if config is not None and "training" in config:
        raise ValueError(
            f"The config of {caller_name} is the training section itself, but this "
            "one holds a 'training' key: it looks like a whole config. Pass the "
            "whole config to ModelTrainer.from_config(config), which reads its "
            "training section, or pass config['training'] here."
        )
    settings = {**DEFAULTS, **(config or {})}
    settings.update({k: v for k, v in overrides.items() if v is not None})
    validate_parameter_constraints(
        CONSTRAINTS, {k: settings[k] for k in SHARED_KEYS}, caller_name=caller_name
    )
    return settings


def trainer_settings(trainer, **overrides):
    """The shared settings a trainer's fit uses, resolved.

    Defaults, then the trainer's ``config``, then its keyword parameters,
    then ``overrides`` that are not None; ``model_params`` merges the
    config's with the keyword's.

    Parameters
    ----------
    trainer : ModelTrainer
        Its parameters are read, not changed.
    **overrides
        Settings that win over the trainer's when not None.

    Returns
    -------
    settings : dict

    Examples
    --------
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.training.settings import trainer_settings
    >>> trainer_settings(ModelTrainer({"cv_folds": 3}, test_size=0.1))["test_size"]
    0.1
    """
    keywords = {key: getattr(trainer, key) for key in SHARED_KEYS}
    keywords.update({k: v for k, v in overrides.items() if v is not None})
    settings = resolve_settings(trainer.config, keywords)
    if trainer.model_params is not None:
        if not isinstance(trainer.model_params, Mapping):
            raise TypeError(
                "The 'model_params' parameter of ModelTrainer must be a dict of "
                f"estimator parameters. Got {trainer.model_params!r} instead."
            )
        settings["model_params"] = merged_model_params(
            trainer.config, trainer.model_params
        )
    return settings


def merged_model_params(config, model_params):
    """The config's ``model_params`` updated with the keyword's.

    Values that are not mappings are left out here (``get_params`` must not
    raise); ``fit`` refuses them.
    """
    config = config if isinstance(config, Mapping) else {}
    base = config.get("model_params")
    base = base if isinstance(base, Mapping) else {}
    own = model_params if isinstance(model_params, Mapping) else {}
    return {**base, **own}
