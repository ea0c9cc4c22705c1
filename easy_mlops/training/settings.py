"""The settings every backend shares: their defaults and allowed values.

This module is the single home of those facts.  ``ModelTrainer`` reads it to
resolve its keyword arguments against the ``config`` mapping, and the YAML
loader and the documentation read it too.
"""

# License: BSD 3 clause

from collections.abc import Mapping
from numbers import Integral, Real

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

from .preprocessing import PREPROCESSING_OPTIONS
from .problem_type import PROBLEM_TYPES

__all__ = ["DEFAULTS", "SHARED_KEYS", "resolve_settings"]

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
    "preprocessing": "auto",
}

#: The keys shared by every backend, in signature order.
SHARED_KEYS = tuple(DEFAULTS)

#: What each resolved shared key may hold (scikit-learn constraint syntax).
CONSTRAINTS = {
    "backend": [str],
    "model_type": [str],
    "problem_type": [StrOptions({"auto", *PROBLEM_TYPES})],
    "test_size": [Interval(Real, 0, 1, closed="left")],
    "cv_folds": [Interval(Integral, 0, None, closed="left")],
    "random_state": ["random_state"],
    "refit": ["boolean"],
    "n_jobs": [
        Interval(Integral, None, -1, closed="right"),
        Interval(Integral, 1, None, closed="left"),
        None,
    ],
    "preprocessing": [
        StrOptions(set(PREPROCESSING_OPTIONS)),
        HasMethods(["fit", "transform"]),
    ],
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
        A ``ValueError`` naming the key, what it allows and what it got.

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
    settings = {**DEFAULTS, **(config or {})}
    settings.update({k: v for k, v in overrides.items() if v is not None})
    validate_parameter_constraints(
        CONSTRAINTS, {k: settings[k] for k in SHARED_KEYS}, caller_name=caller_name
    )
    return settings
