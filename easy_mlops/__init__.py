"""easy_mlops: the training stage of Make MLOps Easy, as a scikit-learn estimator.

The public names are imported on first use, so that ``import easy_mlops`` (and
``easy-mlops --help``) does not pay for scikit-learn until it is needed.
"""

# License: BSD 3 clause

import importlib

from ._version import __version__

__all__ = ["ModelTrainer", "__version__", "inspect_model", "load_model", "save_model"]

_LAZY = {
    "ModelTrainer": "easy_mlops.training.trainer",
    "inspect_model": "easy_mlops.training.persistence",
    "load_model": "easy_mlops.training.persistence",
    "save_model": "easy_mlops.training.persistence",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'easy_mlops' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
