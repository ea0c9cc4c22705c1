"""Checks of ``model_params`` values against the estimator's own defaults.

scikit-learn takes ``True`` where it wants an integer (``bool`` is an
``int``): ``n_estimators: yes`` in a YAML config would train one tree.  And
a size a thousand times any real one (``n_estimators: 10**12``) would run
until memory or patience ends.  Both are caught before any fit.
"""

# License: BSD 3 clause

import inspect
import warnings
from numbers import Integral, Real

__all__ = ["LARGEST_USUAL_SIZE", "check_param_values"]

#: An integer model parameter above this (where the estimator's default is
#: an integer) is warned about: no estimator here needs so many trees,
#: iterations or units.
LARGEST_USUAL_SIZE = 1_000_000


def check_param_values(params, estimator_class):
    """Refuse booleans for numeric parameters; warn about absurd sizes.

    Parameters
    ----------
    params : mapping
        The ``model_params`` given.
    estimator_class : type
        The estimator they are for; its constructor's defaults tell what
        each parameter takes.  For an estimator taking ``**kwargs``
        (LightGBM, XGBoost), whose parameters may take several types, a
        boolean is warned about instead of refused.

    Raises
    ------
    TypeError
        A boolean where the default is an integer or a float.

    Warns
    -----
    UserWarning
        An integer above :data:`LARGEST_USUAL_SIZE` where the default is an
        integer (or a tuple of them, as ``hidden_layer_sizes``).

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from easy_mlops.training._model_params import check_param_values
    >>> check_param_values({"n_estimators": True}, RandomForestClassifier)
    Traceback (most recent call last):
    ...
    TypeError: model_params.n_estimators of RandomForestClassifier must be an ...
    """
    parameters = inspect.signature(estimator_class.__init__).parameters.values()
    defaults = {p.name: p.default for p in parameters}
    strict = not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    name = estimator_class.__name__
    # scikit-learn's own constraints may allow a boolean (``verbose``).
    constraints = getattr(estimator_class, "_parameter_constraints", {})
    for key, value in params.items():
        default = defaults.get(key)
        numeric = isinstance(default, Real) and not isinstance(default, bool)
        allowed = constraints.get(key, ())
        takes_bool = any(c in ("boolean", "verbose") or c is bool for c in allowed)
        if isinstance(value, bool) and numeric and not takes_bool:
            kind = "an integer" if isinstance(default, Integral) else "a number"
            message = (
                f"model_params.{key} of {name} must be {kind} (its default is "
                f"{default!r}); got the boolean {value!r}, which would be taken as "
                f"{int(value)}. Write the number."
            )
            if strict:
                raise TypeError(message)
            warnings.warn(message, UserWarning, stacklevel=2)
        if _is_size(default) and _largest(value) > LARGEST_USUAL_SIZE:
            warnings.warn(
                f"model_params.{key} of {name} is {value!r}, far above any usual "
                f"value (more than {LARGEST_USUAL_SIZE:,}; default {default!r}): "
                "training may not finish, or run out of memory. Check the value.",
                UserWarning,
                stacklevel=2,
            )


def _is_size(default):
    if isinstance(default, (tuple, list)):
        return bool(default) and all(_is_size(item) for item in default)
    return isinstance(default, Integral) and not isinstance(default, bool)


def _largest(value):
    if isinstance(value, (tuple, list)):
        return max((_largest(item) for item in value), default=0)
    if isinstance(value, Integral) and not isinstance(value, bool):
        return value
    return 0
