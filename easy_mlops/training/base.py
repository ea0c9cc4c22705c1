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

import importlib
import inspect
import math
import threading
import time
import warnings
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

import joblib
import numpy as np
from sklearn.utils import InputTags, _safe_indexing, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed

from .._suggest import closest_match
from . import comparison
from .exceptions import ProblemTypeWarning, SmallDataWarning
from .label_encoding import EncodedLabelClassifier, unwrap
from .metrics import DEFAULT_SCORING, compute_metrics, default_score, summarize_cv
from .problem_type import PROBLEM_TYPES, infer_problem_type
from .progress import notify
from .result import HoldoutRecord, TrainingRunResult

__all__ = [
    "BaseTrainingBackend",
    "CrossValidationResult",
    "DataSplit",
    "EstimatorBackend",
    "ModelSpec",
]


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

    Subclasses set ``name`` and implement :meth:`train`.  The other methods
    are hooks with working defaults that a subclass may override.  Register a
    subclass with :meth:`ModelTrainer.register_backend
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

        The default refuses keys that are neither shared nor in
        ``config_keys``, and a ``problem_type`` this backend cannot train.
        """
        if self.config_keys is not None:
            from .settings import SHARED_KEYS

            known = (*SHARED_KEYS, *self.config_keys)
            unknown = sorted(set(self.config) - set(known))
            if unknown:
                hints = "".join(_did_you_mean(key, known) for key in unknown)
                raise ValueError(
                    f"Unknown config key(s) {unknown} for backend {self.name!r}."
                    f"{hints} Known keys: {', '.join(sorted(known))}."
                )
        requested = self.config["problem_type"]
        supported = self.supported_problem_types()
        if requested != "auto" and requested not in supported:
            raise ValueError(
                f"model_type {self.config['model_type']!r} of backend "
                f"{self.name!r} does {' and '.join(supported)} only, but "
                f"problem_type is {requested!r}. Choose a model_type for "
                f"{requested} or set problem_type='auto'."
            )
        self._check_scoring()

    def _check_scoring(self):
        from sklearn.metrics import get_scorer_names

        scoring = self.config.get("scoring")
        if isinstance(scoring, str) and scoring not in get_scorer_names():
            raise ValueError(
                f"Unknown scoring {scoring!r}."
                f"{_did_you_mean(scoring, get_scorer_names())}"
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

    def candidate_problem_types(self):
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
        note = _holdout_impossible(y, test_size, problem_type)
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
        outputs = self.holdout_outputs(model, X, problem_type=problem_type)
        # Kept for this run's record (and the report), so predicting once.
        self._holdout_outputs = outputs
        y_pred, y_proba, classes = outputs
        return compute_metrics(
            problem_type, y, y_pred, sample_weight, y_proba=y_proba, classes=classes
        )

    def holdout_outputs(self, model, X, *, problem_type):
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
        folds, note = self.cv_folds(y, problem_type=problem_type)
        jobs = [("fold", X, y, sample_weight, train, test) for train, test in folds]
        return self._collect_cv(self._run_fits(jobs, problem_type), note, problem_type)

    def uses_default_cross_validation(self):
        """Whether :meth:`cross_validate` is the default, fold by fold.

        ``EstimatorBackend.train`` then runs the folds in the same parallel
        batch as the hold-out fit and the refit instead of calling it.
        """
        return type(self).cross_validate is BaseTrainingBackend.cross_validate

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

    def resolve_problem_type(self, y):
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
        if type(self).detect_problem_type is BaseTrainingBackend.detect_problem_type:
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

    def check_target(self, y, problem_type):
        """Check ``y`` suits the problem type; return the classes or None."""
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
        return classes

    def cv_folds(self, y, *, problem_type):
        """The (train, test) index pairs of the cross-validation, and a note.

        The number of folds is reduced, or cross-validation skipped, when the
        data is too small; the note says so (and a SmallDataWarning is raised).
        """
        n_folds = self.config["cv_folds"]
        if n_folds <= 1:
            return [], None
        n_splits, note = _feasible_folds(y, n_folds, problem_type)
        if note is not None:
            warnings.warn(note, SmallDataWarning, stacklevel=2)
        if n_splits < 2:
            return [], note
        from sklearn.model_selection import KFold, StratifiedKFold

        cv_class = StratifiedKFold if problem_type == "classification" else KFold
        cv = cv_class(n_splits, shuffle=True, random_state=self.config["random_state"])
        return list(cv.split(np.zeros((y.shape[0], 1)), y)), note

    def score_model(
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

    def scoring_name(self, problem_type):
        """Name of the cross-validation score, for the training record."""
        scoring = self.config.get("scoring")
        if scoring is None:
            return DEFAULT_SCORING[problem_type]
        return scoring if isinstance(scoring, str) else _callable_name(scoring)

    def _run_fits(self, jobs, problem_type):
        """Run fit jobs ``(role, X, y, sample_weight, train, test)`` in parallel.

        ``train`` and ``test`` index rows of the job's arrays (None: all rows,
        no scoring).  A job carries its own arrays so that the hold-out fit,
        which trains on the split, shares one batch with the folds and refit.
        It may carry a seventh member: the backend that fits it (a candidate
        of a model comparison); by default this one.

        The jobs go through scikit-learn's ``Parallel`` with no backend named,
        so ``joblib.parallel_config`` decides where they run (loky, threads,
        Dask).  Warnings raised in workers are re-raised here, in order.
        """
        if not jobs:
            return []
        notify(0, len(jobs))
        outcomes = []
        # Jobs in worker threads cannot record their own warnings; these are
        # recorded here instead, and kept on an outcome of their own.
        with _recorded_warnings() as from_threads:
            # Threads by default: the fits run in compiled code that releases
            # the GIL, and threads start at once where worker processes cost
            # more than a small fit.  A joblib.parallel_config backend wins.
            results = Parallel(
                n_jobs=self.config["n_jobs"], prefer="threads", return_as="generator"
            )(
                delayed(_fit_job)(
                    job[6] if len(job) > 6 else self,
                    *job[1:4],
                    job[0],
                    *job[4:6],
                    problem_type,
                )
                for job in jobs
            )
            for outcome in results:
                outcomes.append(outcome)
                notify(len(outcomes), len(jobs), outcome.role)
        if from_threads:
            outcomes.append(
                _FitOutcome(
                    "worker thread",
                    warnings=[(w.category, str(w.message)) for w in from_threads],
                )
            )
        for outcome in outcomes:
            for category, message in outcome.warnings:
                warnings.warn(message, category, stacklevel=3)
        return outcomes

    def _collect_cv(self, outcomes, note, problem_type):
        return CrossValidationResult(
            scores=[o.score for o in outcomes if o.role == "fold"],
            errors=[o.error for o in outcomes if o.role == "fold" and o.error],
            scoring=self.scoring_name(problem_type),
            note=note,
        )


@dataclass
class _FitOutcome:
    role: str
    model: Any = None
    score: float = float("nan")
    error: str | None = None
    warnings: list = field(default_factory=list)
    model_type: str = ""
    fit_seconds_per_row: float = float("nan")
    predict_seconds_per_row: float = float("nan")


@contextmanager
def _recorded_warnings():
    """Record the warnings raised in this block, in a process's main thread only.

    ``warnings.catch_warnings`` swaps process-wide state: entered from several
    threads at once (joblib's threading backend, Dask's worker threads), the
    threads restore each other's state and later warnings are lost for good.
    In other threads warnings pass through unrecorded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def _fit_job(backend, X, y, sample_weight, role, train, test, problem_type):
    """Fit one model; for a cross-validation fold, score it and drop the model.

    Runs in a worker.  A failing fold is recorded; any other failure raises.
    """
    outcome = _FitOutcome(role, model_type=str(backend.config["model_type"]))
    with _recorded_warnings() as caught:
        try:
            X_fit, y_fit, w_fit = _subset(X, y, sample_weight, train)
            start = time.perf_counter()
            model = backend.fit_model(X_fit, y_fit, w_fit, problem_type=problem_type)
            outcome.fit_seconds_per_row = (time.perf_counter() - start) / len(y_fit)
            if test is None:
                outcome.model = model
            else:
                classes = np.unique(y_fit) if problem_type == "classification" else None
                start = time.perf_counter()
                outcome.score = backend.score_model(
                    model,
                    *_subset(X, y, sample_weight, test),
                    problem_type=problem_type,
                    classes=classes,
                )
                seconds = time.perf_counter() - start
                outcome.predict_seconds_per_row = seconds / len(test)
        except Exception as exc:
            if role != "fold":
                raise
            outcome.error = f"fold failed with {type(exc).__name__}: {exc}"
    outcome.warnings = [(w.category, str(w.message)) for w in caught]
    return outcome


def _subset(X, y, sample_weight, indices):
    if indices is None:
        return X, y, sample_weight
    return (
        _safe_indexing(X, indices),
        y[indices],
        None if sample_weight is None else sample_weight[indices],
    )


def _holdout_impossible(y, test_size, problem_type):
    """Why no hold-out of ``test_size`` fits this target, or None if one does."""
    n_samples = y.shape[0]
    n_test = math.ceil(test_size * n_samples)
    n_train = n_samples - n_test
    if problem_type == "classification":
        classes, counts = np.unique(y, return_counts=True)
        n_classes = classes.shape[0]
        if counts.min() < 2 or n_test < n_classes or n_train < n_classes:
            return (
                f"Hold-out skipped: a stratified test_size={test_size} split of "
                f"{n_samples} rows needs every one of the {n_classes} classes in "
                f"both parts (smallest class: {counts.min()} rows). Metrics come "
                "from cross-validation only; use more data or a larger test_size."
            )
    elif n_test < 2 or n_train < 1:
        return (
            f"Hold-out skipped: test_size={test_size} of {n_samples} rows leaves "
            f"{n_test} test row(s); scoring a regression needs at least 2."
        )
    return None


def _feasible_folds(y, n_folds, problem_type):
    """The number of folds the target allows, and a note when it is fewer."""
    if problem_type == "classification":
        limit = int(np.unique(y, return_counts=True)[1].min())
        why = f"the smallest class has {limit} rows"
    else:
        limit = y.shape[0] // 2
        why = f"{y.shape[0]} rows leave fewer than 2 rows per test fold"
    if limit >= n_folds:
        return n_folds, None
    if limit < 2:
        return 0, f"Cross-validation skipped: cv_folds={n_folds} but {why}."
    return limit, f"Cross-validation reduced from {n_folds} to {limit} folds: {why}."


def _callable_name(func):
    return getattr(func, "__qualname__", None) or type(func).__name__


@dataclass(frozen=True)
class ModelSpec:
    """One entry of a backend's model catalogue.

    Parameters
    ----------
    classifier, regressor : str or None
        Import paths ``"module:Class"`` of the estimator for each problem type
        (None where the entry does not do that problem type).  Imported only
        when the entry is used.
    params : mapping, default={}
        Constructor parameters that differ from the estimator's defaults.
    extra : str or None, default=None
        The ``easy-mlops[extra]`` that installs the estimator's package.
    encode_labels : bool, default=False
        Whether the classifier needs labels encoded as ``0..n_classes-1``;
        the fitted model then decodes its predictions.
    description : str, default=""
        One line for listings and documentation.
    """

    classifier: str | None = None
    regressor: str | None = None
    params: dict = field(default_factory=dict)
    extra: str | None = None
    encode_labels: bool = False
    description: str = ""

    @property
    def problem_types(self):
        """The problem types this entry can train for."""
        return tuple(
            kind
            for kind, path in zip(
                PROBLEM_TYPES, (self.classifier, self.regressor), strict=True
            )
            if path is not None
        )

    def estimator_class(self, problem_type):
        """Import and return the estimator class for ``problem_type``."""
        path = self.classifier if problem_type == "classification" else self.regressor
        module_name, _, class_name = path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            package = module_name.split(".")[0]
            hint = (
                f'pip install "easy-mlops[{self.extra}]"'
                if self.extra
                else (f"pip install {package}")
            )
            raise ImportError(
                f"{class_name} needs the optional package {package!r}, which is "
                f"not installed. Install it with: {hint}"
            ) from exc
        return getattr(module, class_name)


class EstimatorBackend(BaseTrainingBackend):
    """A backend for scikit-learn compatible estimators: the whole flow done.

    ``train`` detects the problem type, splits off the hold-out, fits the
    hold-out model, the cross-validation folds and the final refit as
    independent parallel jobs, and evaluates.  A subclass provides the
    estimator, either through the ``model_types`` catalogue or by overriding
    :meth:`build_estimator`.

    Config keys read besides the shared ones: ``model_params`` (constructor
    parameters of the estimator) and ``scoring`` (a scikit-learn scorer name
    or callable for cross-validation; default accuracy or R²).

    Parameters
    ----------
    config : mapping
        The resolved training config.

    Examples
    --------
    A backend for ridge models:

    >>> from sklearn.linear_model import Ridge, RidgeClassifier
    >>> from easy_mlops.training import EstimatorBackend, ModelTrainer
    >>> @ModelTrainer.register_backend
    ... class RidgeBackend(EstimatorBackend):
    ...     name = "ridge_models"
    ...     def build_estimator(self, problem_type):
    ...         if problem_type == "classification":
    ...             return RidgeClassifier()
    ...         return Ridge()
    >>> from sklearn.datasets import load_diabetes
    >>> X, y = load_diabetes(return_X_y=True)
    >>> trainer = ModelTrainer(backend="ridge_models", cv_folds=3).fit(X, y)
    >>> trainer.training_result_.model_name
    'Ridge'
    """

    #: model_type -> ModelSpec.  The default backend reads its estimators here.
    model_types: ClassVar[dict] = {}
    config_keys = ("model_params", "scoring")

    def build_estimator(self, problem_type):
        """Return the unfitted estimator to train for ``problem_type``.

        The default builds the catalogue entry named by ``model_type`` with
        its parameters, :meth:`estimator_params` and ``model_params``, and
        passes ``random_state`` when the estimator takes one.
        """
        spec = self.model_spec
        estimator_class = spec.estimator_class(problem_type)
        params = {**spec.params, **self.estimator_params(problem_type)}
        estimator = estimator_class(**params)
        model_params = dict(self.config.get("model_params") or {})
        available = estimator.get_params(deep=False)
        if "random_state" in available:
            model_params.setdefault("random_state", self.config["random_state"])
        _check_param_names(model_params, available, estimator_class)
        estimator.set_params(**model_params)
        if spec.encode_labels and problem_type == "classification":
            estimator = EncodedLabelClassifier(estimator)
        return estimator

    def estimator_params(self, problem_type):
        """Constructor parameters this backend derives from its own config keys."""
        return {}

    @property
    def model_spec(self):
        """The catalogue entry named by ``model_type``."""
        model_type = self.config["model_type"]
        try:
            return self.model_types[model_type]
        except KeyError:
            raise ValueError(
                f"Unknown model_type {model_type!r} for backend {self.name!r}."
                f"{_did_you_mean(model_type, self.model_types)} Valid model "
                f"types: {', '.join(sorted(self.model_types))}."
            ) from None

    def supported_problem_types(self):
        if not self.model_types:
            return PROBLEM_TYPES
        if self.comparing:
            kinds = {k for c in self._candidates() for k in c.supported_problem_types()}
            return tuple(kind for kind in PROBLEM_TYPES if kind in kinds)
        return self.model_spec.problem_types

    @property
    def comparing(self):
        """Whether ``model_type`` is a list of entries or ``"compare"``."""
        return comparison.is_comparison(self.config["model_type"])

    def for_model_type(self, model_type):
        """A copy of this backend for one catalogue entry.

        In a comparison, ``model_params`` keeps only the parameters that
        entry's estimator takes, so one config can tune several models.
        """
        config = {**self.config, "model_type": model_type}
        if self.comparing and config.get("model_params"):
            config["model_params"] = comparison.accepted_params(
                self.model_types[model_type], config["model_params"]
            )
        backend = type(self)(config)
        backend.preprocessing = self.preprocessing
        return backend

    def _candidates(self, problem_type=None):
        entries, _ = comparison.candidate_entries(self, problem_type)
        return [self.for_model_type(entry) for entry in entries]

    def check_config(self):
        """Also check ``model_type``, ``model_params`` and the estimator's
        parameter values, by building (not fitting) each candidate estimator."""
        if self.comparing:
            comparison.check_candidates(self)
            super().check_config()
            comparison.check_shared_params(self)
            for candidate in self._candidates():
                candidate.check_config()
            return
        if self.model_types:
            self.model_spec  # noqa: B018 -- raises the unknown-model_type error
        super().check_config()
        model_params = self.config.get("model_params")
        if model_params is not None and not hasattr(model_params, "items"):
            raise TypeError(
                "model_params must be a mapping of estimator parameters. Got "
                f"{type(model_params).__name__} instead."
            )
        for problem_type in self.candidate_problem_types():
            estimator = self.build_estimator(problem_type)
            # scikit-learn checks parameter values only in fit; check them
            # now so a bad value fails before any work, with the same message.
            if hasattr(estimator, "_parameter_constraints"):
                estimator._validate_params()
            if problem_type == "classification":
                _check_scorer_response(self.config.get("scoring"), estimator)

    def has_predict_proba(self, model=None):
        if model is None:
            if self.comparing:
                return all(c.has_predict_proba() for c in self._candidates())
            model = self.build_estimator("classification")
        return hasattr(model, "predict_proba")

    def accepts_sample_weight(self, problem_type):
        if self.comparing:
            return all(
                c.accepts_sample_weight(problem_type)
                for c in self._candidates(problem_type)
            )
        fit = self.build_estimator(problem_type).fit
        return "sample_weight" in inspect.signature(fit).parameters

    def build_model(self, problem_type):
        """:meth:`build_estimator` behind the preprocessing, if one runs."""
        estimator = self.build_estimator(problem_type)
        if self.preprocessing is None:
            return estimator
        return self.preprocessing.wrap(estimator, self.config["random_state"])

    def fit_model(self, X, y, sample_weight=None, *, problem_type):
        model = self.build_model(problem_type)
        if sample_weight is None:
            return model.fit(X, y)
        key = "sample_weight"
        if self.preprocessing is not None:
            # A Pipeline routes fit parameters to a step by its name.
            key = f"{model.steps[-1][0]}__sample_weight"
        return model.fit(X, y, **{key: sample_weight})

    def model_name(self, model):
        return type(unwrap(model)).__name__

    @cached_property
    def input_tags(self):
        """Input tags of the estimators this backend may build.

        NaN and sparse input are accepted only when every candidate estimator
        accepts them.
        """
        backends = self._candidates() if self.comparing else [self]
        tags = [
            get_tags(backend.build_estimator(problem_type)).input_tags
            for backend in backends
            for problem_type in backend.candidate_problem_types()
        ]
        first = tags[0]
        first.allow_nan = all(t.allow_nan for t in tags)
        first.sparse = all(t.sparse for t in tags)
        return first

    def train(self, X, y, sample_weight=None):
        if self.comparing:
            return comparison.train_comparison(self, X, y, sample_weight)
        start = time.perf_counter()
        problem_type, reason = self.resolve_problem_type(y)
        classes = self.check_target(y, problem_type)
        if sample_weight is not None and not self.accepts_sample_weight(problem_type):
            raise TypeError(
                f"Backend {self.name!r} with model_type "
                f"{self.config['model_type']!r} does not accept sample_weight; fit "
                "without it or choose another model_type."
            )
        split = self.split_data(X, y, sample_weight, problem_type=problem_type)
        skipped = [split.note] if split.note else []
        refit = self.config["refit"]
        has_holdout = split.X_test is not None

        # The hold-out fit, the folds and the refit are independent: one batch,
        # the refit (on most rows, so the longest) first so no worker idles
        # waiting for it at the end.
        jobs = [("refit", X, y, sample_weight, None, None)] if refit else []
        if has_holdout or not refit:
            holdout = (split.X_train, split.y_train, split.sample_weight_train)
            jobs.append(("holdout", *holdout, None, None))
        default_cv = self.uses_default_cross_validation()
        folds, cv_note = (
            self.cv_folds(y, problem_type=problem_type) if default_cv else ([], None)
        )
        jobs += [("fold", X, y, sample_weight, train, test) for train, test in folds]
        outcomes = self._run_fits(jobs, problem_type)
        if default_cv:
            cv = self._collect_cv(outcomes, cv_note, problem_type)
        else:
            cv = self.cross_validate(X, y, sample_weight, problem_type=problem_type)
        by_role = {o.role: o for o in outcomes if o.role != "fold"}
        final = by_role["refit" if refit else "holdout"].model

        metrics = {}
        holdout = None
        if has_holdout:
            holdout_model = by_role["holdout"].model
            metrics.update(
                self.evaluate(
                    holdout_model,
                    split.X_test,
                    split.y_test,
                    split.sample_weight_test,
                    problem_type=problem_type,
                )
            )
            outputs = self.__dict__.pop("_holdout_outputs", None)
            if outputs is None:  # an evaluate hook of its own
                outputs = self.holdout_outputs(
                    holdout_model, split.X_test, problem_type=problem_type
                )
            holdout = HoldoutRecord(split.y_test, *outputs, split.X_test, holdout_model)
        metrics.update(summarize_cv(cv.scores))
        metrics.update(cv.extra_metrics)
        if cv.note:
            skipped.append(cv.note)
        return TrainingRunResult(
            model=final,
            metrics=metrics,
            problem_type=problem_type,
            model_name=self.model_name(final),
            n_samples=y.shape[0],
            n_features=_n_features(X),
            backend=self.name,
            model_type=self.config["model_type"],
            n_train=_num_rows(split.y_train),
            n_test=_num_rows(split.y_test) if has_holdout else 0,
            cv_scores=list(cv.scores),
            cv_errors=list(cv.errors),
            scoring=cv.scoring if (cv.scores or cv.extra_metrics) else "",
            refit=refit,
            problem_type_reason=reason,
            skipped=skipped,
            warnings=[
                f"{o.role}: {c.__name__}: {m}" for o in outcomes for c, m in o.warnings
            ],
            classes=classes,
            fit_seconds=time.perf_counter() - start,
            holdout=holdout,
        )


def _check_param_names(params, available, estimator_class):
    """Refuse parameter names the estimator does not take.

    An estimator whose constructor takes ``**kwargs`` (LightGBM, XGBoost)
    accepts names beyond ``get_params``, such as LightGBM's aliases.
    """
    parameters = inspect.signature(estimator_class.__init__).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    unknown = sorted(set(params) - set(available))
    if unknown:
        hint = "".join(_did_you_mean(name, available) for name in unknown)
        raise ValueError(
            f"Unknown model_params for {estimator_class.__name__}: {unknown}."
            f"{hint} Valid parameters are: {sorted(available)}."
        )


def _check_scorer_response(scoring, estimator):
    """Refuse, before any fit, a scorer that needs what the model lacks."""
    if not isinstance(scoring, str):
        return
    from sklearn.metrics import get_scorer

    methods = getattr(get_scorer(scoring), "_response_method", "predict")
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    if not any(hasattr(estimator, method) for method in methods):
        raise ValueError(
            f"scoring={scoring!r} needs {' or '.join(methods)}, which "
            f"{type(unwrap(estimator)).__name__} does not have. Choose another "
            "scoring or a model_type with probabilities."
        )


def _did_you_mean(word, choices):
    match = closest_match(word, choices)
    return f" Did you mean {match!r}?" if match else ""


def _n_features(X):
    shape = getattr(X, "shape", None)
    return int(shape[1]) if shape is not None and len(shape) == 2 else None


def _num_rows(y):
    return None if y is None else int(y.shape[0])
