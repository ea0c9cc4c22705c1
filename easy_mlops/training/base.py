"""The backend contract: what ModelTrainer asks of a training backend.

sklearn.metrics and sklearn.model_selection are imported where they are used,
so that ``import easy_mlops`` costs little more than ``import sklearn.base``.

``BaseTrainingBackend`` is the contract; its one required method is ``train``.
``EstimatorBackend`` implements ``train`` as the full flow (problem type,
hold-out, fits, evaluation, cross-validation, refit) around one hook,
``build_estimator``, so a backend for any scikit-learn compatible estimator is
a few lines.
"""

# License: BSD 3 clause

import datetime
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import joblib
import numpy as np
from sklearn.utils import InputTags
from sklearn.utils.multiclass import check_classification_targets

from .._suggest import did_you_mean
from ._fit_runner import run_fits
from ._splitting import feasible_folds, holdout_impossible
from .exceptions import ProblemTypeWarning, SmallDataWarning
from .metrics import DEFAULT_SCORING, compute_metrics, default_score
from .problem_type import PROBLEM_TYPES, infer_problem_type

__all__ = [
    "HOOKS",
    "MAX_CLASSES",
    "BaseTrainingBackend",
    "CrossValidationResult",
    "DataSplit",
]

#: The most classes a classification target may have.
MAX_CLASSES = 1000

#: The methods a backend may override: the whole contract, in one place.
#: Each keeps the signature given here; every other method is the flow's own.
#: ``train`` is the one a backend must write (``EstimatorBackend`` writes it
#: around ``build_estimator``).
HOOKS = {
    "train": "(X, y, sample_weight=None)",
    "check_backend_config": "()",
    "supported_problem_types": "()",
    "accepts_sample_weight": "(problem_type)",
    "detect_problem_type": "(y)",
    "split_data": "(X, y, sample_weight=None, *, problem_type)",
    "fit_model": "(X, y, sample_weight=None, *, problem_type)",
    "evaluate": "(model, X, y, sample_weight=None, *, problem_type)",
    "cross_validate": "(X, y, sample_weight=None, *, problem_type)",
    "predict": "(model, X)",
    "has_predict_proba": "(model=None)",
    "predict_proba": "(model, X)",
    "scoring_estimator": "(model, *, problem_type, classes=None)",
    "model_name": "(model)",
    "save_model": "(model, path)",
    "load_model": "(path)",
    "input_tags": None,  # a property
}


class DataSplit(NamedTuple):
    """A hold-out split; the ``*_test`` members are None when there is none."""

    X_train: Any
    X_test: Any
    y_train: Any
    y_test: Any
    sample_weight_train: Any = None
    sample_weight_test: Any = None
    note: str | None = None


@dataclass
class CrossValidationResult:
    """Per-fold scores of a cross-validation (NaN where a fold failed)."""

    scores: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    scoring: str = ""
    note: str | None = None
    extra_metrics: dict = field(default_factory=dict)


class BaseTrainingBackend(ABC):
    """Base class of every training backend.

    A backend is constructed with the resolved ``training`` config (a new
    dict holding the shared keys of :data:`easy_mlops.training.settings.DEFAULTS`
    and the backend's own keys) and turns ``(X, y)`` into a
    :class:`~easy_mlops.training.TrainingRunResult`.

    Subclasses set ``name`` and implement :meth:`train`.  The methods named
    in :data:`HOOKS` have working defaults a subclass may override; what a
    backend does itself instead of the flow is declared in the class
    attributes ``own_cross_validation`` and ``own_problem_type_detection``,
    never inferred.  Register a subclass with :meth:`ModelTrainer.register_backend
    <easy_mlops.training.ModelTrainer.register_backend>`.

    Parameters
    ----------
    config : mapping
        The resolved training config.  It is copied.

    Attributes
    ----------
    config : dict
        The resolved training config.

    See Also
    --------
    EstimatorBackend : Implements ``train`` around one ``build_estimator`` hook.
    """

    #: Name under which the backend is registered.
    name: ClassVar[str] = ""
    #: Whether ModelTrainer validates ``X`` as a numeric 2-D array (and checks
    #: feature counts and names) before ``train`` and ``predict``.
    validates_input: ClassVar[bool] = True
    #: Backend-specific config keys read by this backend, besides the shared
    #: ones.  Any other key is refused by ``check_config``; None accepts all
    #: keys (for backends that hand the whole config to user code).
    config_keys: ClassVar[tuple | None] = None
    #: The optional dependency extra the backend needs, if any.
    extra: ClassVar[str | None] = None
    #: Whether :meth:`cross_validate` replaces the default fold-by-fold
    #: cross-validation; the flow then calls it instead of running the folds in
    #: its own batch.  A backend may make it a property of its config.
    own_cross_validation: ClassVar[bool] = False
    #: Whether :meth:`detect_problem_type` replaces the documented rule of
    #: :func:`~easy_mlops.training.problem_type.infer_problem_type`.
    own_problem_type_detection: ClassVar[bool] = False

    def __init__(self, config):
        self.config = dict(config)
        #: The :class:`~easy_mlops.training.preprocessing.Preprocessing` every
        #: fit puts in front of the estimator, or None; ModelTrainer sets it
        #: from the ``preprocessing`` setting and the data before ``train``.
        self.preprocessing = None

    @abstractmethod
    def train(self, X, y, sample_weight=None):
        """Train a model and return a :class:`TrainingRunResult`.

        Parameters
        ----------
        X : array-like
            Training data, already validated when ``validates_input`` is true.
        y : ndarray of shape (n_samples,)
            Target, validated.
        sample_weight : ndarray of shape (n_samples,) or None
            Validated sample weights.

        Returns
        -------
        result : TrainingRunResult
        """

    # -- hooks --------------------------------------------------------------

    def check_config(self):
        """Raise a clear error, before any work, if the config is unusable.

        The same checks for every backend: keys that are neither shared nor
        in ``config_keys``, a ``problem_type`` this backend cannot train and an
        unknown ``scoring``; then the backend's own
        :meth:`check_backend_config`.  Not a hook: override
        :meth:`check_backend_config` instead.
        """
        self._check_config_keys()
        self._check_problem_type()
        self._check_scoring()
        self.check_backend_config()

    def check_backend_config(self):
        """Check the backend's own config keys, after the shared checks.

        The default does nothing.  Raise ``ValueError`` or ``TypeError`` with
        a message that names the key, what it allows and what it got.
        """
        return None

    def _check_config_keys(self):
        if self.config_keys is not None:
            from .settings import SHARED_KEYS

            known = (*SHARED_KEYS, *self.config_keys)
            unknown = sorted(set(self.config) - set(known))
            if unknown:
                hints = "".join(did_you_mean(key, known) for key in unknown)
                raise ValueError(
                    f"Unknown config key(s) {unknown} for backend {self.name!r}."
                    f"{hints} Known keys: {', '.join(sorted(known))}."
                )

    def _check_problem_type(self):
        requested = self.config["problem_type"]
        supported = self.supported_problem_types()
        if requested != "auto" and requested not in supported:
            raise ValueError(
                f"model_type {self.config['model_type']!r} of backend "
                f"{self.name!r} does {' and '.join(supported)} only, but "
                f"problem_type is {requested!r}. Choose a model_type for "
                f"{requested} or set problem_type='auto'."
            )

    def _check_scoring(self):
        from sklearn.metrics import get_scorer_names

        scoring = self.config.get("scoring")
        if isinstance(scoring, str) and scoring not in get_scorer_names():
            raise ValueError(
                f"Unknown scoring {scoring!r}."
                f"{did_you_mean(scoring, get_scorer_names())}"
                " Use a name from sklearn.metrics.get_scorer_names() or a callable "
                "scorer(estimator, X, y)."
            )
        if (
            scoring is not None
            and not isinstance(scoring, str)
            and not callable(scoring)
        ):
            raise TypeError(
                "scoring must be a scorer name or a callable scorer(estimator, X, y). "
                f"Got {type(scoring).__name__} instead."
            )

    def accepts_sample_weight(self, problem_type):
        """Whether the fits can take ``sample_weight`` (checked before any work)."""
        return True

    def supported_problem_types(self):
        """The problem types this backend, as configured, can train for."""
        return PROBLEM_TYPES

    def _candidate_problem_types(self):
        """The problem types a fit may end up with: the requested one, if any."""
        requested = self.config["problem_type"]
        return (requested,) if requested != "auto" else self.supported_problem_types()

    @property
    def input_tags(self):
        """scikit-learn input tags of the models this backend trains.

        ModelTrainer validates ``X`` accordingly (NaN and sparse input) and
        reports them in its own tags.  The default: dense, finite input.
        """
        return InputTags()

    def detect_problem_type(self, y):
        """Return ``"classification"`` or ``"regression"`` for a target.

        The default applies :func:`easy_mlops.training.problem_type.infer_problem_type`.
        """
        return infer_problem_type(y).problem_type

    def split_data(self, X, y, sample_weight=None, *, problem_type):
        """Split off the hold-out: shuffled, and stratified for classification.

        When ``test_size`` is 0 or the data is too small for a hold-out there
        is none: the test members are None and ``note`` says why.
        """
        test_size = self.config["test_size"]
        if test_size == 0:
            return DataSplit(X, None, y, None, sample_weight, None, None)
        note = holdout_impossible(y, test_size, problem_type)
        if note is not None:
            warnings.warn(note, SmallDataWarning, stacklevel=2)
            return DataSplit(X, None, y, None, sample_weight, None, note)
        from sklearn.model_selection import train_test_split

        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        parts = train_test_split(
            *arrays,
            test_size=test_size,
            shuffle=True,
            stratify=y if problem_type == "classification" else None,
            random_state=self.config["random_state"],
        )
        if sample_weight is None:
            parts += [None, None]
        return DataSplit(*parts)

    def evaluate(self, model, X, y, sample_weight=None, *, problem_type):
        """Hold-out metrics of a fitted model, as a dict of floats.

        Classifiers with ``predict_proba`` also get ROC AUC and log loss.
        """
        outputs = self._holdout_outputs(model, X, problem_type=problem_type)
        # Kept for this run's record (and the report), so predicting once.
        self._last_holdout_outputs = outputs
        y_pred, y_proba, classes = outputs
        return compute_metrics(
            problem_type, y, y_pred, sample_weight, y_proba=y_proba, classes=classes
        )

    def _holdout_outputs(self, model, X, *, problem_type):
        """``(y_pred, y_proba, classes)`` of a fitted model on ``X``.

        ``y_proba`` and ``classes`` are None unless the model is a classifier
        with ``predict_proba`` and known ``classes_``.
        """
        y_pred = np.asarray(self.predict(model, X))
        classes = getattr(model, "classes_", None)
        if (
            problem_type != "classification"
            or classes is None
            or not self.has_predict_proba(model)
        ):
            return y_pred, None, None
        return y_pred, np.asarray(self.predict_proba(model, X)), np.asarray(classes)

    def cross_validate(self, X, y, sample_weight=None, *, problem_type):
        """Score fresh models on shuffled (stratified) folds.

        Each fold fits a new model with :meth:`fit_model`; a fold that fails
        scores NaN and its error is kept.  Returns a
        :class:`CrossValidationResult`.
        """
        folds, note = self._cv_folds(y, problem_type=problem_type)
        jobs = [("fold", X, y, sample_weight, train, test) for train, test in folds]
        return self._collect_cv(self._run_fits(jobs, problem_type), note, problem_type)

    def fit_model(self, X, y, sample_weight=None, *, problem_type):
        """Build and fit a fresh model; needed by the default ``cross_validate``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement fit_model() or override "
            "cross_validate()."
        )

    def predict(self, model, X):
        """Predictions of a fitted model."""
        return model.predict(X)

    def has_predict_proba(self, model=None):
        """Whether :meth:`predict_proba` works for this fitted model.

        With ``model=None``, before fit: whether the configured model will have
        it when trained for classification.
        """
        return model is None or hasattr(model, "predict_proba")

    def predict_proba(self, model, X):
        """Class probabilities of a fitted classifier."""
        return model.predict_proba(X)

    def scoring_estimator(self, model, *, problem_type, classes=None):
        """The object a scikit-learn scorer is called with (the model itself).

        ``classes`` are the labels the model was trained on (classification).
        """
        return model

    def model_name(self, model):
        """A short name for a fitted model, e.g. its class name."""
        return type(model).__name__

    def save_model(self, model, path):
        """Write a fitted model to ``path`` (joblib by default)."""
        joblib.dump(model, path)

    def load_model(self, path):
        """Read a model written by :meth:`save_model`."""
        return joblib.load(path)

    # -- helpers shared by the flows ----------------------------------------

    def _resolve_problem_type(self, y):
        """The problem type to train for, and why.

        An explicit ``problem_type`` wins; then a ``model_type`` that supports
        only one problem type; then :meth:`detect_problem_type`.
        """
        requested = self.config["problem_type"]
        if requested != "auto":
            return requested, f"problem_type={requested!r} was given"
        supported = self.supported_problem_types()
        if len(supported) == 1:
            return supported[0], (
                f"model_type {self.config['model_type']!r} does {supported[0]} only"
            )
        if not self.own_problem_type_detection:
            decision = infer_problem_type(
                y, test_size=self.config["test_size"], cv_folds=self.config["cv_folds"]
            )
            if decision.close_call:
                chosen = decision.problem_type
                other, doubt = (
                    ("regression", "a quantity")
                    if chosen == "classification"
                    else ("classification", "class labels")
                )
                warnings.warn(
                    f'Detected problem_type="{chosen}" from {decision.reason}. '
                    f'Set problem_type="{other}" '
                    f"(--problem-type {other} on the command line) if the target "
                    f'is {doubt}, or problem_type="{chosen}" to keep this '
                    "choice without this warning.",
                    ProblemTypeWarning,
                    stacklevel=3,
                )
            return decision.problem_type, decision.reason
        problem_type = self.detect_problem_type(y)
        if problem_type not in PROBLEM_TYPES:
            raise ValueError(
                f"{type(self).__name__}.detect_problem_type must return one of "
                f"{PROBLEM_TYPES}. Got {problem_type!r} instead."
            )
        return problem_type, f"chosen by {type(self).__name__}.detect_problem_type"

    def _check_target(self, y, problem_type):
        """Check ``y`` suits the problem type; return the classes or None."""
        if y.dtype.kind == "M" or (
            y.dtype == object and y.shape[0] and isinstance(y[0], datetime.date)
        ):
            raise ValueError(
                f"y holds dates (such as {str(y[0])!r}); a model predicts labels "
                "or numbers, not dates. Choose another target, or turn the dates "
                "into a number to predict (e.g. days since a start date)."
            )
        if problem_type == "regression":
            if y.dtype.kind not in "iufb":
                try:
                    y.astype(np.float64)
                except (TypeError, ValueError):
                    raise ValueError(
                        "problem_type is 'regression' but y holds non-numeric "
                        f"values such as {y[0]!r}. Use problem_type='classification' "
                        "or 'auto' for labels."
                    ) from None
            return None
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                f"y contains only one class ({classes[0]!r}); a classifier needs "
                "at least two. Check the target column, or set "
                "problem_type='regression' if it is a numeric quantity."
            )
        # With more distinct labels than half the rows, labels have fewer than
        # two rows on average: nothing to learn or evaluate, and a model that
        # grows with the labels.  Up to 20 classes pass, for tiny examples.
        n_rows = y.shape[0]
        if classes.shape[0] > max(n_rows / 2, 20):
            raise ValueError(
                f"y has {classes.shape[0]} distinct labels in {n_rows} rows, more "
                "than half the number of rows: fewer than two rows per label, too "
                "few to learn or evaluate a classifier. Is the target an ID column? "
                "Choose another target column, or set problem_type='regression' if "
                "it is a numeric quantity."
            )
        # Forests keep a probability per class in every leaf: thousands of
        # classes take tens of gigabytes, even with rows enough per class.
        if classes.shape[0] > MAX_CLASSES:
            raise ValueError(
                f"y has {classes.shape[0]} distinct labels, more than the "
                f"{MAX_CLASSES} classes a classifier here may have: its size and "
                "time grow with every class. Is the target an ID or free-text "
                "column? Choose another target column, group the labels into "
                "fewer classes, or set problem_type='regression' if it is a "
                "numeric quantity."
            )
        return classes

    def _cv_folds(self, y, *, problem_type):
        """The (train, test) index pairs of the cross-validation, and a note.

        The number of folds is reduced, or cross-validation skipped, when the
        data is too small; the note says so (and a SmallDataWarning is raised).
        """
        n_folds = self.config["cv_folds"]
        if n_folds <= 1:
            return [], None
        n_splits, note = feasible_folds(y, n_folds, problem_type)
        if note is not None:
            warnings.warn(note, SmallDataWarning, stacklevel=2)
        if n_splits < 2:
            return [], note
        from sklearn.model_selection import KFold, StratifiedKFold

        cv_class = StratifiedKFold if problem_type == "classification" else KFold
        cv = cv_class(n_splits, shuffle=True, random_state=self.config["random_state"])
        return list(cv.split(np.zeros((y.shape[0], 1)), y)), note

    def _score_model(
        self, model, X, y, sample_weight=None, *, problem_type, classes=None
    ):
        """The cross-validation score of a fitted model (``scoring`` key).

        ``classes`` are the labels the model was trained on (classification).
        """
        scoring = self.config.get("scoring")
        if scoring is None:
            return default_score(problem_type, y, self.predict(model, X), sample_weight)
        from sklearn.metrics import get_scorer

        scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
        kwargs = {}
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        scored = self.scoring_estimator(
            model, problem_type=problem_type, classes=classes
        )
        return float(scorer(scored, X, y, **kwargs))

    def _scoring_name(self, problem_type):
        """Name of the cross-validation score, for the training record."""
        scoring = self.config.get("scoring")
        if scoring is None:
            return DEFAULT_SCORING[problem_type]
        return scoring if isinstance(scoring, str) else _callable_name(scoring)

    def _run_fits(self, jobs, problem_type):
        """Run fit jobs in parallel (see :mod:`easy_mlops.training._fit_runner`)."""
        return run_fits(self, jobs, problem_type)

    def _collect_cv(self, outcomes, note, problem_type):
        return CrossValidationResult(
            scores=[o.score for o in outcomes if o.role == "fold"],
            errors=[o.error for o in outcomes if o.role == "fold" and o.error],
            scoring=self._scoring_name(problem_type),
            note=note,
        )


def _callable_name(func):
    return getattr(func, "__qualname__", None) or type(func).__name__
