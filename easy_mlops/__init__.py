"""easy_mlops: the training stage of Make MLOps Easy, as a scikit-learn estimator."""

# License: BSD 3 clause

from ._version import __version__
from .training import ModelTrainer

__all__ = ["ModelTrainer", "__version__"]
