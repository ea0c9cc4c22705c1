"""The one module that imports scikit-learn's private internals.

Everything else in easy_mlops imports these names from here, so a
scikit-learn release that moves or renames one of them breaks this file
alone, and the fix is made once.  Each import notes what it is used for.
"""

# License: BSD 3 clause

# Searches over a ModelTrainer are recognised by their base class.
from sklearn.model_selection._search import BaseSearchCV

# Row counts and row selection of any array-like (lists, frames, sparse).
from sklearn.utils import _safe_indexing

# Parameter constraints: the same vocabulary and messages as scikit-learn's
# own estimators, for ModelTrainer's parameters and the config keys.
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    _Booleans,
    _InstancesOf,
    _NoneConstraint,
    make_constraint,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_sample_weight, _num_samples

__all__ = [
    "BaseSearchCV",
    "HasMethods",
    "Interval",
    "StrOptions",
    "_Booleans",
    "_InstancesOf",
    "_NoneConstraint",
    "_check_sample_weight",
    "_num_samples",
    "_safe_indexing",
    "make_constraint",
    "validate_parameter_constraints",
]
