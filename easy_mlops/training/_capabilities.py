"""What a ModelTrainer can answer, before and after fit: its scikit-learn tags
and whether ``predict_proba`` exists.

Before fit both follow the backend its parameters configure; after fit, the
backend and problem type of the run.
"""

# License: BSD 3 clause

from sklearn.utils import ClassifierTags, RegressorTags

from . import registry
from .settings import trainer_settings
from .steps import candidate_problem_types

__all__ = ["predict_proba_available", "trainer_tags"]


def _configured_backend(trainer):
    settings = trainer_settings(trainer)
    return registry.get_backend(settings["backend"])(settings)


def predict_proba_available(trainer):
    """Whether ``predict_proba`` can answer (``hasattr`` tells the truth);
    for a fitted regressor, an AttributeError says why."""
    if trainer.__sklearn_is_fitted__():
        if trainer.problem_type_ == "regression":
            raise AttributeError(
                "predict_proba is not available: this model is a regressor "
                "(problem_type_ 'regression'); it predicts numbers, not class "
                "probabilities. Use predict."
            )
        return trainer.backend_.has_predict_proba(trainer.training_result_.model)
    try:
        backend = _configured_backend(trainer)
    except (TypeError, ValueError):
        return False
    return "classification" in candidate_problem_types(backend) and (
        backend.has_predict_proba()
    )


def trainer_tags(trainer, tags):
    """``tags`` (the base estimator's) completed for ``trainer``.

    The target is required; input tags follow the backend's models; the
    estimator type follows the problem type when there is one.
    """
    tags.target_tags.required = True
    fitted = trainer.__sklearn_is_fitted__()
    try:
        backend = trainer.backend_ if fitted else _configured_backend(trainer)
        if fitted:
            problem_types = (trainer.problem_type_,)
        else:
            problem_types = candidate_problem_types(backend)
        if backend.validates_input:
            input_tags = backend.input_tags
            tags.input_tags.allow_nan = input_tags.allow_nan
            tags.input_tags.sparse = input_tags.sparse
        else:
            tags.no_validation = True
    except (ImportError, TypeError, ValueError):
        # Invalid parameters or a missing optional package are reported by
        # fit, not by a tags lookup.
        return tags
    if "classification" in problem_types:
        tags.classifier_tags = ClassifierTags()
    if "regression" in problem_types:
        tags.regressor_tags = RegressorTags()
    if len(problem_types) == 1:
        tags.estimator_type = {
            "classification": "classifier",
            "regression": "regressor",
        }[problem_types[0]]
    return tags
