"""The training stage: ModelTrainer, the backend contract and the backends."""

# License: BSD 3 clause

from .backends.callable_backend import CallableBackend, DeepLearningBackend, NLPBackend
from .backends.lightgbm_backend import LightGBMBackend
from .backends.neural_network import NeuralNetworkBackend
from .backends.sklearn_backend import SklearnBackend
from .base import BaseTrainingBackend
from .catalogue import ModelSpec
from .estimator_backend import EstimatorBackend
from .evaluation import Evaluation, evaluate
from .exceptions import (
    EasyMLOpsWarning,
    ModelLoadError,
    ModelQualityWarning,
    ModelSaveError,
    ProblemTypeWarning,
    SmallDataWarning,
    TimeBudgetWarning,
    VersionMismatchWarning,
)
from .persistence import inspect_model, load_model
from .result import TrainingRunResult
from .trainer import ModelTrainer

__all__ = [
    "BaseTrainingBackend",
    "CallableBackend",
    "DeepLearningBackend",
    "EasyMLOpsWarning",
    "EstimatorBackend",
    "Evaluation",
    "LightGBMBackend",
    "ModelLoadError",
    "ModelQualityWarning",
    "ModelSaveError",
    "ModelSpec",
    "ModelTrainer",
    "NLPBackend",
    "NeuralNetworkBackend",
    "ProblemTypeWarning",
    "SklearnBackend",
    "SmallDataWarning",
    "TimeBudgetWarning",
    "TrainingRunResult",
    "VersionMismatchWarning",
    "evaluate",
    "inspect_model",
    "load_model",
]
