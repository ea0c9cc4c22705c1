"""The training stage: ModelTrainer, the backend contract and the backends."""

# License: BSD 3 clause

from .base import BaseTrainingBackend
from .callable_backend import CallableBackend, DeepLearningBackend, NLPBackend
from .catalogue import ModelSpec
from .estimator_backend import EstimatorBackend
from .exceptions import (
    EasyMLOpsWarning,
    ModelLoadError,
    ModelSaveError,
    ProblemTypeWarning,
    SmallDataWarning,
    VersionMismatchWarning,
)
from .lightgbm_backend import LightGBMBackend
from .neural_network import NeuralNetworkBackend
from .persistence import inspect_model, load_model
from .result import TrainingRunResult
from .sklearn_backend import SklearnBackend
from .trainer import ModelTrainer

__all__ = [
    "BaseTrainingBackend",
    "CallableBackend",
    "DeepLearningBackend",
    "EasyMLOpsWarning",
    "EstimatorBackend",
    "LightGBMBackend",
    "ModelLoadError",
    "ModelSaveError",
    "ModelSpec",
    "ModelTrainer",
    "NLPBackend",
    "NeuralNetworkBackend",
    "ProblemTypeWarning",
    "SklearnBackend",
    "SmallDataWarning",
    "TrainingRunResult",
    "VersionMismatchWarning",
    "inspect_model",
    "load_model",
]
