"""ModelTrainer: a scikit-learn estimator over pluggable training backends."""

# License: BSD 3 clause

import logging

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import registry
from ._capabilities import predict_proba_available, trainer_tags
from ._fit_data import (
    fitted_state,
    fitted_state_transaction,
    one_fit_at_a_time,
    plain_target,
    validate_fit_data,
    validate_predict_data,
    warn_identifier_columns,
)
from ._from_config import ConfigConstructorsMixin
from ._legacy import LegacyAPIMixin
from ._row_columns import in_time_order, read_row_structure
from ._storage import StorageMixin
from .callbacks import CallbackSupportMixin, trainer_fit, with_callbacks
from .comparison import is_comparison
from .fingerprint import RowFingerprint
from .metrics import default_score
from .preprocessing import (
    is_dataframe,
)
from .result import RunInputs
from .settings import merged_model_params, trainer_settings

__all__ = ["ModelTrainer", "final_trainer"]

logger = logging.getLogger("easy_mlops")


class ModelTrainer(
    CallbackSupportMixin,
    ConfigConstructorsMixin,
    StorageMixin,
    LegacyAPIMixin,
    BaseEstimator,
):
    """Train, evaluate and refit a model from a ``training`` config.

    ``fit`` resolves the config, picks the backend, detects the problem type,
    splits off a hold-out, fits and evaluates, cross-validates and refits on
    all rows — the hold-out fit, the folds and the refit run as parallel jobs.
    The fitted trainer predicts with the final model and records the run in
    ``training_result_``.

    Every shared setting can come from ``config`` or from its keyword; a
    keyword that is not None wins, so ``GridSearchCV`` can search ``backend``
    and ``model_type``.  Backend-specific keys (``model_params``, ``scoring``,
    ``hidden_layer_sizes``, callables, ...) stay in ``config``.

    Parameters
    ----------
    config : mapping, default=None
        The ``training`` section of a config.  Never modified.
    backend : str, default=None
        Registered backend name; ``"sklearn"`` when neither this nor
        ``config`` gives one.  See :meth:`available_backends`.
    model_type : str or list of str, default=None
        Entry of the backend's model catalogue; ``"auto"`` by default.  A
        list of entries, or ``"compare"`` for all that do the problem type,
        cross-validates each on the same folds and keeps the best
        (``training_result_.leaderboard``).  ``"ensemble"`` (alone: every
        entry of the portfolio; in a list: the listed entries) ensembles
        them by Caruana's greedy selection into a scikit-learn voting
        ensemble (see :mod:`easy_mlops.training.ensemble`).
    problem_type : {"auto", "classification", "regression"}, default=None
        ``"auto"`` by default: detected from the target (see
        :func:`~easy_mlops.training.problem_type.infer_problem_type`).
    test_size : float in [0, 1), default=None
        Share of rows held out for evaluation; 0.2 by default, 0 for none.
    cv_folds : int >= 0, default=None
        Folds of the shuffled (stratified) cross-validation; 5 by default,
        0 or 1 for none.
    random_state : int, RandomState instance or None, default=None
        Seed of the split, the folds and every estimator that takes one; 42
        by default.
    refit : bool, default=None
        Refit on all rows for prediction (default True); when False the
        model trained on the hold-out split is kept.
    n_jobs : int, default=None
        Number of parallel fits (joblib semantics; None means 1 unless in a
        ``joblib.parallel_config`` context); never more than the run has fits.
    inner_threads : "auto" or int >= 1, default=None
        Native threads (OpenMP, BLAS, and the ``n_jobs`` of XGBoost and
        LightGBM) each fit may use; ``"auto"`` by default: the cores this
        process may use divided among the parallel fits, or, for fits that
        run one at a time, the cores no other program is busy on.
        ``OMP_NUM_THREADS`` and ``joblib.parallel_config(inner_max_num_threads=...)``
        replace ``"auto"``; a number given here wins over both.
        ``training_result_.threads`` records what the run used.
    preprocessing : {"auto", "none"} or transformer, default=None
        What stands between the raw ``X`` and the model; ``"auto"`` by
        default: a pandas or polars DataFrame with text, categories, booleans,
        dates, or missing values the model cannot take goes through skrub's
        ``tabular_pipeline`` for the estimator, fitted inside every fit.
        ``"none"`` gives the model ``X`` as it is.  A transformer instance is
        cloned and put in front of the model.  The final model is then the
        whole pipeline: ``predict`` takes raw tables, matched by column name.
        See :mod:`easy_mlops.training.preprocessing`.
    group_column, time_column : str, default=None
        A column of a DataFrame ``X`` (not a feature) naming each row's entity
        (as ``groups``), or ordering the rows in time; see the user guide.
    time_gap : int >= 0, default=None
        Rows left out between training and test rows in time order (0).
    time_budget : float > 0, default=None
        Seconds the fit may take; None (the default) for no limit.  A
        comparison then runs its candidates cheapest first, by successive
        halving over the folds, and stops adding candidates when the budget
        is spent; a single model stops adding folds.  The final fit always
        runs, so a model is always returned; what was left out is in
        ``training_result_.skipped``.  See :mod:`easy_mlops.training.budget`.
    model_params : dict, default=None
        Constructor parameters of the estimator, merged over the config's
        ``model_params`` (these win).  Each is also a parameter of its own,
        ``model_params__<name>``, so ``GridSearchCV`` searches it directly::

            GridSearchCV(ModelTrainer(model_type="hist_gradient_boosting"),
                         {"model_params__max_iter": [50, 100]})

    Attributes
    ----------
    training_result_ : TrainingRunResult
        The final model, its metrics and how it was made.
    problem_type_ : {"classification", "regression"}
        The problem type trained for.
    backend_ : BaseTrainingBackend
        The backend instance that trained the model.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_features_in_ : int
        Number of features seen during fit (when ``X`` has columns).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during fit, when ``X`` has string column names.
    estimator_ : object
        The final fitted model (with preprocessing, the whole pipeline); the
        same object as ``training_result_.model``.
    cv_scores_ : ndarray of shape (n_folds,)
        The score of each cross-validation fold (NaN for a failed fold);
        empty when cross-validation did not run.
    problem_type_reason_ : str
        Why ``problem_type_`` was chosen.
    row_fingerprint_ : RowFingerprint or None
        Hashes of the training rows, for :func:`~easy_mlops.training.evaluate`.

    See Also
    --------
    easy_mlops.training.BaseTrainingBackend : The backend contract.
    easy_mlops.training.SklearnBackend : The default backend and its catalogue.

    Notes
    -----
    The estimator type (classifier or regressor) follows ``problem_type``,
    or ``model_type`` when it does one problem type only.  In ``"auto"`` mode
    it is known only after ``fit``, so scikit-learn picks plain ``KFold`` in
    ``GridSearchCV``; set ``problem_type`` to get ``StratifiedKFold``.

    A ``fit`` while another ``fit`` of the same trainer runs (another thread)
    raises ``RuntimeError`` at once; fit a ``clone`` in each thread instead.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from easy_mlops import ModelTrainer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> trainer = ModelTrainer({"model_type": "logistic_regression"}, cv_folds=3)
    >>> trainer.fit(X, y).problem_type_
    'classification'
    >>> sorted(trainer.training_result_.metrics)  # doctest: +NORMALIZE_WHITESPACE
    ['accuracy', 'balanced_accuracy', 'cv_mean', 'cv_std', 'f1_score',
     'log_loss', 'precision', 'recall', 'roc_auc']
    >>> trainer.predict(X[:3])
    array([0, 0, 0])
    """

    def __init__(
        self,
        config=None,
        *,
        backend=None,
        model_type=None,
        problem_type=None,
        test_size=None,
        cv_folds=None,
        random_state=None,
        refit=None,
        n_jobs=None,
        inner_threads=None,
        preprocessing=None,
        group_column=None,
        time_column=None,
        time_gap=None,
        time_budget=None,
        model_params=None,
    ):
        self.config = config
        self.backend = backend
        self.model_type = model_type
        self.problem_type = problem_type
        self.test_size = test_size
        self.cv_folds = cv_folds
        self.random_state = random_state
        self.refit = refit
        self.n_jobs = n_jobs
        self.inner_threads = inner_threads
        self.preprocessing = preprocessing
        self.group_column = group_column
        self.time_column = time_column
        self.time_gap = time_gap
        self.time_budget = time_budget
        self.model_params = model_params

    # -- configuration -------------------------------------------------------

    def _resolve_settings(self, **overrides):
        """The shared settings resolved from defaults, config and keywords."""
        return trainer_settings(self, **overrides)

    def get_params(self, deep=True):
        """Get the parameters; with ``deep``, also ``model_params__<name>``.

        Parameters
        ----------
        deep : bool, default=True
            Also list each model parameter (from ``config`` and
            ``model_params``) as ``model_params__<name>``.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        if deep:
            merged = merged_model_params(self.config, self.model_params)
            params.update({f"model_params__{k}": v for k, v in merged.items()})
        return params

    def set_params(self, **params):
        """Set parameters; ``model_params__<name>`` sets one model parameter.

        Parameters
        ----------
        **params : dict
            Parameters of ``__init__``, and ``model_params__<name>`` keys.

        Returns
        -------
        self : ModelTrainer
        """
        prefix = "model_params__"
        nested = {
            k[len(prefix) :]: params.pop(k)
            for k in list(params)
            if k.startswith(prefix)
        }
        super().set_params(**params)
        if nested:
            self.model_params = {**(self.model_params or {}), **nested}
        return self

    def _make_backend(self, **overrides):
        settings = self._resolve_settings(**overrides)
        return registry.get_backend(settings["backend"])(settings)

    @staticmethod
    def available_backends():
        """Sorted names of the registered backends.

        Examples
        --------
        >>> from easy_mlops import ModelTrainer
        >>> "sklearn" in ModelTrainer.available_backends()
        True
        """
        return registry.available_backends()

    @staticmethod
    def register_backend(cls=None, *, overwrite=False):
        """Register a backend class under its ``name``; usable as a decorator.

        The same as :func:`easy_mlops.training.registry.register_backend`,
        whose docstring lists the parameters and errors.

        Examples
        --------
        >>> from easy_mlops import ModelTrainer
        >>> from easy_mlops.training import SklearnBackend
        >>> @ModelTrainer.register_backend
        ... class Forests(SklearnBackend):
        ...     name = "forests"
        >>> "forests" in ModelTrainer.available_backends()
        True
        """
        return registry.register_backend(cls, overwrite=overwrite)

    # -- fitting ---------------------------------------------------------------

    # Requested by default, as by scikit-learn's group splitters.
    __metadata_request__fit = {"groups": True}

    def fit(self, X, y, sample_weight=None, groups=None):
        """Train, evaluate and (by default) refit on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  Backends for other frameworks (``callable``,
            ``deep_learning``, ``nlp``) take ``X`` as given.
        y : array-like of shape (n_samples,)
            Target.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights for every fit, metric and score.
        groups : array-like of shape (n_samples,), default=None
            Each row's entity: no split puts a group on both sides.

        Returns
        -------
        self : ModelTrainer
            The fitted trainer.
        """
        return self._fit(X, y, sample_weight, groups)

    @with_callbacks
    def _fit(self, X, y, sample_weight, groups=None, **overrides):
        target_name = getattr(y, "name", None)
        y, categorical = plain_target(y)
        settings = self._resolve_settings(**overrides)
        by_dtype = categorical and settings["problem_type"] == "auto"
        if by_dtype:
            # The categorical dtype is gone once y is an array; decide now.
            settings["problem_type"] = "classification"
        backend_class = registry.get_backend(settings["backend"])
        checked = backend_class(settings)
        checked.check_config()
        comparing = is_comparison(settings["model_type"])
        with (
            one_fit_at_a_time(self),
            fitted_state_transaction(self),
            trainer_fit(self, comparing=comparing) as callback_fit,
        ):
            X, rows, order = read_row_structure(X, groups, settings)
            X_given = X
            X, y, sample_weight, preprocessing = validate_fit_data(
                self, checked, X, y, sample_weight
            )
            X, y, sample_weight = in_time_order(X, y, sample_weight, order)
            names = getattr(self, "feature_names_in_", None)
            backend = backend_class.configured(
                settings,
                preprocessing=preprocessing,
                inputs=RunInputs(
                    target_name=None if target_name is None else str(target_name),
                    problem_type_reason="the target is categorical"
                    if by_dtype
                    else None,
                    feature_names=None if names is None else list(names),
                    rows=rows,
                    sparse=issparse(X),
                ),
            )
            callback_fit.set_data(X, y, sample_weight)
            logger.info(
                "Training with backend %r, model_type %r on %d rows",
                backend.name,
                backend.config["model_type"],
                y.shape[0],
            )
            result = backend.train(X, y, sample_weight)
            if result.column_treatment is not None:
                warn_identifier_columns(X, result.column_treatment)
            elif preprocessing is None and is_dataframe(X_given):
                # A numeric table's row counter is as useless as a raw one's.
                warn_identifier_columns(X_given, None)
            vars(self).update(fitted_state(result, backend))
            self.row_fingerprint_ = RowFingerprint.of(X_given)
            logger.info("Trained %s: %s", result.model_name, result.metrics)
        return self

    # -- prediction ------------------------------------------------------------

    def predict(self, X):
        """Predict with the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples, with the columns seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Class labels or values.
        """
        X = validate_predict_data(self, X)
        return self.backend_.predict(self.training_result_.model, X)

    @available_if(predict_proba_available)
    def predict_proba(self, X):
        """Class probabilities of the final model.

        Available only for classification with a model that has
        ``predict_proba`` (before fit: when the configured model would).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns ordered as ``classes_``.
        """
        X = validate_predict_data(self, X)
        return self.backend_.predict_proba(self.training_result_.model, X)

    def score(self, X, y, sample_weight=None):
        """Accuracy (classification) or R² (regression) on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
        """
        y_pred = self.predict(X)
        return default_score(self.problem_type_, y, y_pred, sample_weight)

    # -- fitted attributes read from the training record ------------------------

    @property
    def estimator_(self):
        """The final fitted model, as meta-estimators name it."""
        check_is_fitted(self)
        return self.training_result_.model

    @property
    def cv_scores_(self):
        """The score of each cross-validation fold, an ndarray."""
        check_is_fitted(self)
        return np.asarray(self.training_result_.cv_scores, dtype=float)

    @property
    def problem_type_reason_(self):
        """Why ``problem_type_`` was chosen."""
        check_is_fitted(self)
        return self.training_result_.problem_type_reason

    # -- scikit-learn protocol -------------------------------------------------

    def __sklearn_is_fitted__(self):
        return hasattr(self, "training_result_")

    def __sklearn_tags__(self):
        return trainer_tags(self, super().__sklearn_tags__())


def final_trainer(model):
    """The ModelTrainer that ``model`` is, or that ends the Pipeline it is.

    Returns None for anything else.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from easy_mlops.training.trainer import ModelTrainer, final_trainer
    >>> trainer = ModelTrainer()
    >>> final_trainer(make_pipeline(StandardScaler(), trainer)) is trainer
    True
    >>> final_trainer(StandardScaler()) is None
    True
    """
    steps = getattr(model, "steps", None)
    last = steps[-1][1] if steps else model
    return last if isinstance(last, ModelTrainer) else None
