"""The ``callable`` backends: user functions for frameworks other than scikit-learn.

``deep_learning`` and ``nlp`` are the same backend under names that state
intent (a PyTorch network, a text model).
"""

# License: BSD 3 clause

import inspect
from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils.metaestimators import available_if

from ..._sklearn_compat import _num_samples
from ..callbacks import propagated_to
from ..estimator_backend import EstimatorBackend, check_scorer_response
from ..exceptions import ModelSaveError
from ..registry import register_backend
from ..result import CrossValidationResult

__all__ = ["CALLABLE_KEYS", "CallableBackend", "DeepLearningBackend", "NLPBackend"]

#: The callables of the config: name -> (required, signature shown in errors).
CALLABLE_KEYS = {
    "build_model": (True, "build_model(config, problem_type) -> model"),
    "train_fn": (True, "train_fn(model, X_train, y_train, config) -> model or None"),
    "predict_fn": (True, "predict_fn(model, X) -> predictions"),
    "predict_proba_fn": (False, "predict_proba_fn(model, X) -> probabilities"),
    "evaluate_fn": (False, "evaluate_fn(model, X_test, y_test, config) -> dict"),
    "cv_fn": (False, "cv_fn(model, X, y, config) -> dict"),
    "save_fn": (False, "save_fn(model, output_path, metadata, config)"),
    "load_fn": (False, "load_fn(model_path, config) -> model or (model, metadata)"),
}
#: How far from 1 a row of ``predict_proba_fn``'s probabilities may sum
#: (rounding of float32 or float16 outputs).
PROBABILITY_TOLERANCE = 1e-3


@register_backend
class CallableBackend(EstimatorBackend):
    """Train any model through functions given in the config.

    Required config keys: ``build_model(config, problem_type)`` returns a new,
    untrained model; ``train_fn(model, X_train, y_train, config)`` trains it
    (returning the trained model, or None when it trains in place);
    ``predict_fn(model, X)`` predicts.  Optional: ``predict_proba_fn(model,
    X)`` (enables ``ModelTrainer.predict_proba``), ``evaluate_fn(model,
    X_test, y_test, config)`` (its dict becomes the hold-out metrics),
    ``cv_fn(model, X, y, config)`` (its dict replaces the default
    cross-validation; ``model`` is the trained hold-out model, as
    make-mlops-easy 0.4 passed it, or the refit model when there is no
    hold-out), ``save_fn(model, output_path, metadata, config)`` and
    ``load_fn(model_path, config)``.  Any other key is passed on to them in
    ``config``.  A ``train_fn`` with a ``sample_weight`` parameter receives
    the weights.

    ``X`` is passed as given (a list of strings, a DataFrame, an array);
    only its number of rows must match ``y``.  Without ``cv_fn``, every fold
    and the refit build a fresh model with ``build_model`` and train it with
    ``train_fn``, like the hold-out model; when every fold fails, a
    ``FitFailedWarning`` and a note in ``training_result_.skipped`` say so.

    The functions' answers are checked: ``predict_fn`` and
    ``predict_proba_fn`` must give one row per row of ``X``,
    ``predict_proba_fn`` a column per class of numbers >= 0 that sum to 1
    in each row (within :data:`PROBABILITY_TOLERANCE`), ``evaluate_fn`` and
    ``cv_fn`` a dict of numbers; anything else raises an error naming the
    config key.

    Parameters
    ----------
    config : mapping
        The resolved training config.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training import ModelTrainer
    >>> def build_model(config, problem_type):
    ...     return {"mean": None}
    >>> def train_fn(model, X, y, config):
    ...     model["mean"] = float(np.mean(y))
    >>> def predict_fn(model, X):
    ...     return np.full(len(X), model["mean"])
    >>> config = {"backend": "callable", "build_model": build_model,
    ...           "train_fn": train_fn, "predict_fn": predict_fn,
    ...           "problem_type": "regression", "cv_folds": 2}
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    >>> ModelTrainer(config).fit(X, y).predict(X[:2])
    array([4.5, 4.5])
    """

    name = "callable"
    validates_input = False
    config_keys = None

    def check_backend_config(self):
        """Check the callables before any work: present, and callable.

        The model is not built here: ``build_model`` may be costly (a
        network), so a scorer that needs probabilities is checked against
        ``predict_proba_fn`` instead.
        """
        for key, (required, signature) in CALLABLE_KEYS.items():
            value = self.config.get(key)
            if value is None:
                if required:
                    raise ValueError(
                        f"Backend {self.name!r} needs the config key {key!r}: a "
                        f"function {signature}."
                    )
            elif not callable(value):
                raise TypeError(
                    f"Config key {key!r} of backend {self.name!r} must be a "
                    f"function {signature}. Got {type(value).__name__} instead."
                )
        check_scorer_response(
            self.config.get("scoring"),
            _PredictingModel(self, None, "classification", None),
            owner=f"backend {self.name!r} without a predict_proba_fn",
            remedy="add predict_proba_fn to the config",
        )

    def accepts_sample_weight(self, problem_type):
        parameters = inspect.signature(self.config["train_fn"]).parameters
        return "sample_weight" in parameters

    def build_estimator(self, problem_type):
        return self.config["build_model"](self.config, problem_type)

    def fit_model(self, X, y, sample_weight=None, *, problem_type):
        # Your functions take X as given, unless a transformer was set
        # explicitly (preprocessing=<transformer>): then they see its output.
        transformer = None
        if self.preprocessing is not None:
            transformer = clone(self.preprocessing.transformer).fit(X, y)
            X = transformer.transform(X)
        model = self.build_estimator(problem_type)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        with propagated_to(model):
            trained = self.config["train_fn"](model, X, y, self.config, **kwargs)
        model = model if trained is None else trained
        return model if transformer is None else TransformedModel(transformer, model)

    def predict(self, model, X):
        model, X = _transformed(model, X)
        predictions = np.asarray(self.config["predict_fn"](model, X))
        _check_rows(predictions, X, "predict_fn", "predictions")
        return predictions

    def has_predict_proba(self, model=None):
        return self.config.get("predict_proba_fn") is not None

    def predict_proba(self, model, X):
        model, X = _transformed(model, X)
        proba = np.asarray(self.config["predict_proba_fn"](model, X))
        _check_rows(proba, X, "predict_proba_fn", "rows of class probabilities")
        classes = getattr(model, "classes_", getattr(self, "classes", None))
        _check_probabilities(proba, classes)
        return proba

    def train(self, X, y, sample_weight=None):
        result = super().train(X, y, sample_weight)
        # predict_proba_fn's answers are checked against these: a user's
        # model need not have classes_.
        self.classes = result.classes
        return result

    def scoring_estimator(self, model, *, problem_type, classes=None):
        return _PredictingModel(self, model, problem_type, classes)

    def model_name(self, model):
        return super().model_name(_transformed(model, None)[0])

    @property
    def own_cross_validation(self):
        """Whether a ``cv_fn`` replaces the default cross-validation."""
        return self.config.get("cv_fn") is not None

    def evaluate(self, model, X, y, sample_weight=None, *, problem_type):
        evaluate_fn = self.config.get("evaluate_fn")
        if evaluate_fn is None:
            return super().evaluate(
                model, X, y, sample_weight, problem_type=problem_type
            )
        model, X = _transformed(model, X)
        return _metrics_dict(evaluate_fn(model, X, y, self.config), "evaluate_fn")

    def cross_validate(self, X, y, sample_weight=None, *, problem_type):
        if self.config.get("cv_fn") is None:
            return super().cross_validate(
                X, y, sample_weight, problem_type=problem_type
            )
        return self.cross_validate_trained(
            None, X, y, sample_weight, problem_type=problem_type
        )

    def cross_validate_trained(self, model, X, y, sample_weight=None, *, problem_type):
        """``cv_fn`` of the trained hold-out model, as make-mlops-easy 0.4
        passed it (the refit model when there is no hold-out; a model trained
        on ``X`` when none is given)."""
        cv_fn = self.config.get("cv_fn")
        if cv_fn is None:
            return self.cross_validate(X, y, sample_weight, problem_type=problem_type)
        if self.config["cv_folds"] <= 1:
            return CrossValidationResult()
        if model is None:
            model = self.fit_model(X, y, sample_weight, problem_type=problem_type)
        model, X = _transformed(model, X)
        metrics = _metrics_dict(cv_fn(model, X, y, self.config), "cv_fn")
        return CrossValidationResult(scoring="cv_fn", extra_metrics=metrics)

    def save_model(self, model, path):
        save_fn = self.config.get("save_fn")
        if save_fn is None:
            return super().save_model(model, path)
        if isinstance(model, TransformedModel):
            raise ModelSaveError(
                "A model trained behind a preprocessing transformer is saved with "
                "the default (joblib) storage, which keeps both; remove save_fn "
                "and load_fn from the config, or the transformer."
            )
        save_fn(model, str(path), {"backend": self.name}, self.config)

    def load_model(self, path):
        load_fn = self.config.get("load_fn")
        if load_fn is None:
            return super().load_model(path)
        loaded = load_fn(str(path), self.config)
        # Only the two documented wrappers are unwrapped: a model may itself
        # be a tuple or a dict.
        if isinstance(loaded, dict) and set(loaded) == {"model", "metadata"}:
            return loaded["model"]
        if (
            isinstance(loaded, tuple)
            and len(loaded) == 2
            and isinstance(loaded[1], dict)
        ):
            return loaded[0]
        return loaded


@register_backend
class DeepLearningBackend(CallableBackend):
    """The ``callable`` backend under the name ``deep_learning``.

    Use it for PyTorch (or other) networks trained by your own functions;
    ``docs/backends.md`` has a worked PyTorch example.
    """

    name = "deep_learning"


@register_backend
class NLPBackend(CallableBackend):
    """The ``callable`` backend under the name ``nlp``, for text models.

    ``X`` may be a list of strings; ``docs/backends.md`` has a worked example.
    """

    name = "nlp"


def _backend_has_predict_proba(adapter):
    return adapter.backend.has_predict_proba(adapter.model)


@dataclass
class TransformedModel:
    """A model trained by your functions behind a fitted transformer."""

    transformer: object
    model: object


def _transformed(model, X):
    """The model your functions trained, and ``X`` as they saw it."""
    if isinstance(model, TransformedModel):
        return model.model, None if X is None else model.transformer.transform(X)
    return model, X


class _PredictingModel(BaseEstimator):
    """What a scikit-learn scorer sees of a user model.

    Scorers read estimator tags and ``classes_``, and call ``predict`` (and
    ``predict_proba`` when the config has ``predict_proba_fn``).
    """

    def __init__(self, backend, model, problem_type, classes):
        self.backend = backend
        self.model = model
        self.problem_type = problem_type
        self.classes = classes

    @property
    def classes_(self):
        return self.classes

    def predict(self, X):
        return self.backend.predict(self.model, X)

    @available_if(_backend_has_predict_proba)
    def predict_proba(self, X):
        return self.backend.predict_proba(self.model, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.problem_type == "classification":
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        else:
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        return tags


def _metrics_dict(value, key):
    if not hasattr(value, "items"):
        raise TypeError(
            f"{key} must return a dict of metric name to number. Got "
            f"{type(value).__name__} instead."
        )
    metrics = {}
    for name, number in value.items():
        if not isinstance(number, (Real, np.number)) or isinstance(
            number, np.complexfloating
        ):
            raise TypeError(
                f"{key} must return a dict of metric name to number, but its "
                f"metric {name!r} is {number!r} ({type(number).__name__}). Return "
                "a number (int or float) for every metric."
            )
        metrics[str(name)] = float(number)
    return metrics


def _check_rows(output, X, key, what):
    """Refuse the output of ``key`` unless it has one row per row of ``X``."""
    n_rows = _num_samples(X)
    if output.ndim == 0 or output.shape[0] != n_rows:
        raise ValueError(
            f"The function of config key {key!r} returned an array of shape "
            f"{output.shape} for {n_rows} rows of X; it must return {what}, one "
            "per row of X."
        )


def _check_probabilities(proba, classes):
    """Refuse ``predict_proba_fn`` answers that are not a probability per class."""
    key = "'predict_proba_fn'"
    n_classes = None if classes is None else len(classes)
    if proba.ndim != 2 or (n_classes is not None and proba.shape[1] != n_classes):
        expected = (
            "(n_rows, n_classes)"
            if n_classes is None
            else (
                f"({proba.shape[0]}, {n_classes}), a column per class of "
                f"{list(np.asarray(classes).tolist())[:10]}"
            )
        )
        raise ValueError(
            f"The function of config key {key} returned an array of shape "
            f"{proba.shape}; it must return an array of shape {expected}, each "
            "row the probabilities of the classes."
        )
    try:
        values = proba.astype(float)
    except (TypeError, ValueError):
        raise ValueError(
            f"The function of config key {key} returned {proba.dtype} values; it "
            "must return numbers, the probabilities of the classes."
        ) from None
    sums = values.sum(axis=1)
    bad = ~np.isfinite(sums) | (np.abs(sums - 1) > PROBABILITY_TOLERANCE)
    bad |= (values < 0).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"The function of config key {key} returned rows that are not "
            f"probabilities: row {row} is {values[row].tolist()[:10]}, summing to "
            f"{sums[row]:.6g} ({int(bad.sum())} such row(s)). Each row must hold "
            "numbers >= 0 that sum to 1, e.g. a softmax of the model's scores."
        )
