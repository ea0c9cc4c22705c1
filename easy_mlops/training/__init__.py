"""The training stage: ModelTrainer, the backend contract and the backends."""

# License: BSD 3 clause

from .base import BaseTrainingBackend, EstimatorBackend, ModelSpec
from .exceptions import (
    EasyMLOpsWarning,
    ModelLoadError,
    ProblemTypeWarning,
    SmallDataWarning,
    VersionMismatchWarning,
)
from .result import TrainingRunResult
from .sklearn_backend import SklearnBackend
from .trainer import ModelTrainer

__all__ = [
    "BaseTrainingBackend",
    "EasyMLOpsWarning",
    "EstimatorBackend",
    "ModelLoadError",
    "ModelSpec",
    "ModelTrainer",
    "ProblemTypeWarning",
    "SklearnBackend",
    "SmallDataWarning",
    "TrainingRunResult",
    "VersionMismatchWarning",
]
