"""``ModelSpec``, one entry of a backend's model catalogue, and the checks of
``model_params`` against the estimator an entry builds.

scikit-learn takes ``True`` where it wants an integer (``bool`` is an
``int``): ``n_estimators: yes`` in a YAML config would train one tree.  A
size a thousand times any real one (``n_estimators: 10**12``) would run
until memory or patience ends.  Both are caught before any fit.
"""

# License: BSD 3 clause

import importlib
import inspect
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

from .problem_type import PROBLEM_TYPES

__all__ = [
    "LARGEST_USUAL_SIZE",
    "ModelSpec",
    "check_model_params",
    "check_param_values",
    "takes_any_keyword",
]


@dataclass(frozen=True)
class ModelSpec:
    """One entry of a backend's model catalogue.

    Parameters
    ----------
    classifier, regressor : str or None
        Import paths ``"module:Class"`` of the estimator for each problem type
        (None where the entry does not do that problem type).  Imported only
        when the entry is used.
    params : mapping, default={}
        Constructor parameters that differ from the estimator's defaults.
    extra : str or None, default=None
        The ``easy-mlops[extra]`` that installs the estimator's package.
    encode_labels : bool, default=False
        Whether the classifier needs labels encoded as ``0..n_classes-1``;
        the fitted model then decodes its predictions.
    description : str, default=""
        One line for listings and documentation.
    scale : bool, default=False
        Whether the estimator's penalty or solver depends on the scale of
        the features (regularised linear models): numeric input given as it
        is, with ``preprocessing="auto"``, is standardised in front of it.
        (Tables that go through skrub are scaled there.)
    compared : bool, default=True
        Whether ``model_type="compare"`` (and ``"ensemble"``) includes the
        entry; an entry listed by name is always trained.
    cost : int, default=2
        Relative cost of a fit, 1 (a linear model) to 4 (a large boosted
        model): a comparison under a ``time_budget`` runs the cheapest first.
    portfolio_only : bool, default=False
        Whether the entry is one more configuration of a family that already
        has an entry: ``model_type="compare"`` (one configuration per family)
        leaves it out; ``"ensemble"`` and a comparison under a
        ``time_budget`` draw from every compared entry, these included.
    """

    classifier: str | None = None
    regressor: str | None = None
    params: dict = field(default_factory=dict)
    extra: str | None = None
    encode_labels: bool = False
    description: str = ""
    scale: bool = False
    compared: bool = True
    cost: int = 2
    portfolio_only: bool = False

    @property
    def problem_types(self):
        """The problem types this entry can train for."""
        return tuple(
            kind
            for kind, path in zip(
                PROBLEM_TYPES, (self.classifier, self.regressor), strict=True
            )
            if path is not None
        )

    def estimator_class(self, problem_type):
        """Import and return the estimator class for ``problem_type``."""
        path = self.classifier if problem_type == "classification" else self.regressor
        module_name, _, class_name = path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            package = module_name.split(".")[0]
            hint = (
                f'pip install "easy-mlops[{self.extra}]"'
                if self.extra
                else (f"pip install {package}")
            )
            raise ImportError(
                f"{class_name} needs the optional package {package!r}, which is "
                f"not installed. Install it with: {hint}"
            ) from exc
        return getattr(module, class_name)


def check_model_params(model_params):
    """Refuse ``model_params`` that is not a mapping (None is no parameters).

    Examples
    --------
    >>> from easy_mlops.training.catalogue import check_model_params
    >>> check_model_params({"n_estimators": 10})
    >>> check_model_params([("n_estimators", 10)])
    Traceback (most recent call last):
    ...
    TypeError: model_params must be a mapping of estimator parameters. Got list...
    """
    if model_params is not None and not hasattr(model_params, "items"):
        raise TypeError(
            "model_params must be a mapping of estimator parameters. Got "
            f"{type(model_params).__name__} instead."
        )


def takes_any_keyword(estimator_class):
    """Whether the constructor takes ``**kwargs`` (LightGBM, XGBoost), so
    names beyond ``get_params`` (aliases) are accepted.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from easy_mlops.training.catalogue import takes_any_keyword
    >>> takes_any_keyword(Ridge)
    False
    """
    parameters = inspect.signature(estimator_class.__init__).parameters.values()
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


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
    >>> from easy_mlops.training.catalogue import check_param_values
    >>> check_param_values({"n_estimators": True}, RandomForestClassifier)
    Traceback (most recent call last):
    ...
    TypeError: model_params.n_estimators of RandomForestClassifier must be an ...
    """
    parameters = inspect.signature(estimator_class.__init__).parameters.values()
    defaults = {p.name: p.default for p in parameters}
    strict = not takes_any_keyword(estimator_class)
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
