"""The backend contract: what ModelTrainer asks of a training backend.

sklearn.metrics and sklearn.model_selection are imported where they are used,
so that ``import easy_mlops`` costs little more than ``import sklearn.base``.

``BaseTrainingBackend`` is the contract: what the trainer, persistence and
the callbacks call, the default hooks a backend's own ``train`` may use, and
the capabilities a backend declares.  Its one required method is ``train``.
The training flow itself (problem type, hold-out, fits, evaluation,
cross-validation, comparison, refit, the run record) lives in
:mod:`easy_mlops.training.flow`, which ``EstimatorBackend`` runs around one
hook, ``build_estimator``; its steps are functions of a backend's hooks in
:mod:`easy_mlops.training.steps`.
"""

# License: BSD 3 clause

import warnings
from abc import ABC, abstractmethod
from typing import ClassVar

import joblib
from sklearn.utils import InputTags

from .._sklearn_compat import _safe_indexing
from .._suggest import did_you_mean
from ._fit_runner import run_fits
from ._splitting import holdout_indices
from .exceptions import SmallDataWarning
from .metrics import compute_metrics
from .problem_type import PROBLEM_TYPES, infer_problem_type
from .result import CrossValidationResult, DataSplit, RunInputs
from .steps import collect_cv, cv_folds, holdout_outputs, scoring_name

# DataSplit and CrossValidationResult are records (result.py); importable from
# here too, where backends written for 0.4 import them.
__all__ = [
    "FLOW_HOOKS",
    "HOOKS",
    "BaseTrainingBackend",
    "CrossValidationResult",
    "DataSplit",
]

#: The contract: what ModelTrainer, persistence and the callbacks call on a
#: backend, each with its signature.  ``train`` is the one a backend must
#: write (``EstimatorBackend`` writes it around ``build_estimator``).
HOOKS = {
    "train": "(X, y, sample_weight=None)",
    "check_backend_config": "()",
    "supported_problem_types": "()",
    "predict": "(model, X)",
    "has_predict_proba": "(model=None)",
    "predict_proba": "(model, X)",
    "model_name": "(model)",
    "save_model": "(model, path)",
    "load_model": "(path)",
    "input_tags": None,  # a property
}

#: The steps of the training flow that a backend may replace: the flow
#: (:mod:`easy_mlops.training.flow`) calls them, and a backend that writes its
#: own ``train`` may use their defaults.  Every other method is the flow's own.
FLOW_HOOKS = {
    "accepts_sample_weight": "(problem_type)",
    "detect_problem_type": "(y)",
    "split_data": "(X, y, sample_weight=None, *, problem_type)",
    "fit_model": "(X, y, sample_weight=None, *, problem_type)",
    "evaluate": "(model, X, y, sample_weight=None, *, problem_type)",
    "cross_validate": "(X, y, sample_weight=None, *, problem_type)",
    "scoring_estimator": "(model, *, problem_type, classes=None)",
}


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
        #: fit puts in front of the estimator, or None; given by
        #: :meth:`configured`.
        self.preprocessing = None
        #: What the trainer knows of the data (:class:`RunInputs`), for the
        #: run record; given by :meth:`configured`.
        self.inputs = RunInputs()

    @classmethod
    def configured(cls, config, *, preprocessing=None, inputs=None):
        """A backend for ``config`` with its preprocessing and data facts.

        How ModelTrainer builds the backend of a fit, once the data has been
        checked, and how a saved model's backend is rebuilt: the
        preprocessing that runs in front of every fit is given here, with
        the facts the run record names (target, column names).  A subclass
        keeps the one-argument constructor.

        Parameters
        ----------
        config : mapping
            The resolved training config.
        preprocessing : Preprocessing or None, default=None
            What runs in front of the estimator.
        inputs : RunInputs or None, default=None
            What the trainer knows of the data.

        Returns
        -------
        backend : BaseTrainingBackend
        """
        backend = cls(config)
        backend.preprocessing = preprocessing
        backend.inputs = RunInputs() if inputs is None else inputs
        return backend

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

        Rows of one group (``inputs.rows``) stay on one side
        (``GroupShuffleSplit``); time-ordered rows hold out the latest.  When
        ``test_size`` is 0 or the data is too small for a hold-out there is
        none: the test members are None and ``note`` says why.
        """
        test_size = self.config["test_size"]
        if test_size == 0:
            return DataSplit(X, None, y, None, sample_weight, None, None)
        train, test, note = holdout_indices(
            y,
            test_size=test_size,
            problem_type=problem_type,
            random_state=self.config["random_state"],
            rows=self.inputs.rows,
        )
        if note is not None:
            warnings.warn(note, SmallDataWarning, stacklevel=2)
            return DataSplit(X, None, y, None, sample_weight, None, note)
        weights = (None, None)
        if sample_weight is not None:
            weights = (sample_weight[train], sample_weight[test])
        return DataSplit(
            _safe_indexing(X, train),
            _safe_indexing(X, test),
            y[train],
            y[test],
            *weights,
        )

    def evaluate(self, model, X, y, sample_weight=None, *, problem_type):
        """Hold-out metrics of a fitted model, as a dict of floats.

        Classifiers with ``predict_proba`` also get ROC AUC and log loss.
        """
        y_pred, y_proba, classes = holdout_outputs(
            self, model, X, problem_type=problem_type
        )
        return compute_metrics(
            problem_type, y, y_pred, sample_weight, y_proba=y_proba, classes=classes
        )

    def cross_validate(self, X, y, sample_weight=None, *, problem_type):
        """Score fresh models on shuffled (stratified) folds.

        Each fold fits a new model with :meth:`fit_model`; a fold that fails
        scores NaN and its error is kept.  Returns a
        :class:`CrossValidationResult`.
        """
        folds, note = cv_folds(
            self.config, y, problem_type=problem_type, rows=self.inputs.rows
        )
        jobs = [("fold", X, y, sample_weight, train, test) for train, test in folds]
        outcomes = run_fits(self, jobs, problem_type)
        return collect_cv(outcomes, note, scoring_name(self.config, problem_type))

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
