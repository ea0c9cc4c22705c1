"""The concrete training backends, one module each, named for what it wraps.

Each registers itself under its ``name`` when imported; the registry imports
them all the first time a backend is looked up.
"""

# License: BSD 3 clause

from .callable_backend import CallableBackend, DeepLearningBackend, NLPBackend
from .lightgbm_backend import LightGBMBackend
from .neural_network import NeuralNetworkBackend
from .sklearn_backend import SklearnBackend

__all__ = [
    "CallableBackend",
    "DeepLearningBackend",
    "LightGBMBackend",
    "NLPBackend",
    "NeuralNetworkBackend",
    "SklearnBackend",
]
