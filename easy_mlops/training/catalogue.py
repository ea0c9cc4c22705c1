"""``ModelSpec``: one entry of a backend's model catalogue."""

# License: BSD 3 clause

import importlib
import inspect
from dataclasses import dataclass, field

from .problem_type import PROBLEM_TYPES

__all__ = ["ModelSpec", "check_model_params", "takes_any_keyword"]


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
