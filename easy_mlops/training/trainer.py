"""ModelTrainer: a scikit-learn estimator over pluggable training backends."""

# License: BSD 3 clause

import logging
import warnings
from collections.abc import Mapping
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags, RegressorTags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _num_samples,
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import registry
from .exceptions import EasyMLOpsWarning
from .label_encoding import unwrap
from .metrics import default_score
from .preprocessing import (
    column_treatment,
    duplicate_columns,
    identifier_columns,
    is_dataframe,
    non_numeric_columns,
    resolve_preprocessing,
)
from .settings import SHARED_KEYS, resolve_settings
from .validation import check_sample_weight, check_target_values

__all__ = ["ModelTrainer"]

logger = logging.getLogger("easy_mlops")


def _predict_proba_available(trainer):
    """Whether ``predict_proba`` can answer, so that ``hasattr`` tells the truth."""
    if trainer.__sklearn_is_fitted__():
        return trainer.problem_type_ == "classification" and (
            trainer.backend_.has_predict_proba(trainer.training_result_.model)
        )
    try:
        backend = trainer._make_backend()
    except (TypeError, ValueError):
        return False
    return "classification" in backend._candidate_problem_types() and (
        backend.has_predict_proba()
    )


def _check_array_params(backend, preprocessing=None):
    """``validate_data`` arguments for the models a backend trains.

    A user's transformer in front of the model decides what it takes.
    """
    if preprocessing is not None and preprocessing.transformer is not None:
        from sklearn.utils import get_tags

        tags = get_tags(preprocessing.transformer).input_tags
    else:
        tags = backend.input_tags
    return {
        "accept_sparse": ("csr", "csc") if tags.sparse else False,
        "ensure_all_finite": "allow-nan" if tags.allow_nan else True,
    }


def _check_target_array(y):
    return check_array(
        column_or_1d(y, warn=True), ensure_2d=False, dtype=None, input_name="y"
    )


def _plain_target(y):
    """``y`` without pandas-only dtypes, and whether it was categorical.

    Categories become an array of their values, and nullable dtypes without
    missing values their NumPy dtype (a ``boolean`` target keeps answering in
    bools).  Being categorical decides the problem type, so it is reported.
    """
    dtype = getattr(y, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        return np.asarray(y), True
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not pd.isna(y).any():
        return np.asarray(y, dtype=getattr(dtype, "numpy_dtype", object)), False
    return y, False


def _check_numeric_columns(X, backend):
    """Name the non-numeric columns of a DataFrame before NumPy trips on them."""
    if not is_dataframe(X):
        return
    other = non_numeric_columns(X, bool_is_numeric=True)
    if other:
        raise ValueError(
            f"X has non-numeric columns {other}, which backend {backend.name!r} "
            "cannot take as they are with preprocessing='none'. Set "
            "preprocessing='auto' (the default) to encode them with skrub, or "
            "encode them yourself first."
        )


def _check_unique_columns(X):
    if is_dataframe(X):
        duplicates = duplicate_columns(X)
        if duplicates:
            raise ValueError(
                f"X has duplicate column names {duplicates}; every column needs a "
                "name of its own. Rename or drop the duplicates."
            )


def _warn_identifier_columns(X, treatment):
    """Warn about columns that identify rows: counters, or text unique per row."""
    treatment = treatment or {}
    for name in identifier_columns(X):
        if treatment.get(name) in ("datetime", "dropped"):
            continue
        warnings.warn(
            f"Column {name!r} holds a different value in every row (a row number "
            "or an identifier), which a model cannot learn from and which may leak "
            "the row order. Drop it from X (CLI: --id or --drop) unless it carries "
            "meaning.",
            EasyMLOpsWarning,
            stacklevel=5,
        )


class ModelTrainer(BaseEstimator):
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
        (``training_result_.leaderboard``).
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
        ``joblib.parallel_config`` context).
    preprocessing : {"auto", "none"} or transformer, default=None
        What stands between the raw ``X`` and the model; ``"auto"`` by
        default: a pandas or polars DataFrame with text, categories, booleans,
        dates, or missing values the model cannot take goes through skrub's
        ``tabular_pipeline`` for the estimator, fitted inside every fit.
        ``"none"`` gives the model ``X`` as it is.  A transformer instance is
        cloned and put in front of the model.  The final model is then the
        whole pipeline: ``predict`` takes raw tables, matched by column name.
        See :mod:`easy_mlops.training.preprocessing`.
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
        preprocessing=None,
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
        self.preprocessing = preprocessing
        self.model_params = model_params

    # -- configuration -------------------------------------------------------

    def _resolve_settings(self, **overrides):
        """The shared settings resolved from defaults, config and keywords."""
        keywords = {key: getattr(self, key) for key in SHARED_KEYS}
        keywords.update({k: v for k, v in overrides.items() if v is not None})
        settings = resolve_settings(self.config, keywords)
        if self.model_params is not None:
            if not isinstance(self.model_params, Mapping):
                raise TypeError(
                    "The 'model_params' parameter of ModelTrainer must be a dict of "
                    f"estimator parameters. Got {self.model_params!r} instead."
                )
            settings["model_params"] = self._merged_model_params()
        return settings

    def _merged_model_params(self):
        """The config's ``model_params`` updated with the keyword's.

        Values that are not mappings are left out here (``get_params`` must
        not raise); ``fit`` refuses them.
        """
        config = self.config if isinstance(self.config, Mapping) else {}
        base = config.get("model_params")
        base = base if isinstance(base, Mapping) else {}
        own = self.model_params if isinstance(self.model_params, Mapping) else {}
        return {**base, **own}

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
            merged = self._merged_model_params()
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

    @classmethod
    def from_config(cls, config):
        """A trainer from a config mapping, checked before any training.

        Parameters
        ----------
        config : mapping
            A whole MLOps config (its ``training`` section is used) or a bare
            training mapping.  It is copied, never modified.

        Returns
        -------
        trainer : ModelTrainer
            An unfitted trainer whose ``config`` is the training section.

        Raises
        ------
        easy_mlops.config.ConfigError
            A ``ValueError`` naming the key, what it allows and what it got.

        Examples
        --------
        >>> from easy_mlops import ModelTrainer
        >>> ModelTrainer.from_config({"training": {"cv_folds": 3}}).config
        {'cv_folds': 3}
        """
        from ..config import validate_config

        return cls(validate_config(config))

    @classmethod
    def from_yaml(cls, path):
        """A trainer from a YAML config file, checked before any training.

        Parameters
        ----------
        path : str or path-like
            A YAML file holding a whole MLOps config or a training mapping.

        Returns
        -------
        trainer : ModelTrainer
            An unfitted trainer whose ``config`` is the training section.

        Raises
        ------
        easy_mlops.config.ConfigError
            For YAML syntax errors and invalid settings, with file and line.
        FileNotFoundError
            If ``path`` does not exist.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> from easy_mlops import ModelTrainer
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
        >>> _ = path.write_text("training:\\n  test_size: 0.3\\n")
        >>> ModelTrainer.from_yaml(path).config
        {'test_size': 0.3}
        """
        from ..config import load_config

        return cls(load_config(path))

    # -- fitting ---------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
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

        Returns
        -------
        self : ModelTrainer
            The fitted trainer.
        """
        return self._fit(X, y, sample_weight)

    def train(self, X, y, sample_weight=None, model_type=None):
        """Fit and return a JSON-serialisable summary of the run.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        model_type : str, default=None
            Catalogue entry for this call only (overrides the parameter and
            the config, without changing either).

        Returns
        -------
        summary : dict
            :meth:`TrainingRunResult.to_dict` of ``training_result_``: at least
            ``backend``, ``model_type``, ``model_name``, ``problem_type``,
            ``metrics``, ``n_samples`` and ``n_features``.
        """
        self._fit(X, y, sample_weight, model_type=model_type)
        return self.training_result_.to_dict()

    def _fit(self, X, y, sample_weight, **overrides):
        target_name = getattr(y, "name", None)
        y, categorical = _plain_target(y)
        settings = self._resolve_settings(**overrides)
        by_dtype = categorical and settings["problem_type"] == "auto"
        if by_dtype:
            # The categorical dtype is gone once y is an array; decide now.
            settings["problem_type"] = "classification"
        backend = registry.get_backend(settings["backend"])(settings)
        backend.check_config()
        with _fitted_state_transaction(self):
            X, y, sample_weight = self._validate_fit_data(backend, X, y, sample_weight)
            logger.info(
                "Training with backend %r, model_type %r on %d rows",
                backend.name,
                backend.config["model_type"],
                y.shape[0],
            )
            result = backend.train(X, y, sample_weight)
            if by_dtype:
                result.problem_type_reason = "the target is categorical"
            result.target_name = None if target_name is None else str(target_name)
            if backend.preprocessing is not None:
                result.preprocessing = backend.preprocessing.reason
                names = getattr(self, "feature_names_in_", None)
                if names is not None:
                    result.column_treatment, result.column_reasons = column_treatment(
                        result.model, list(names), X
                    )
                    _warn_identifier_columns(X, result.column_treatment)
            self.training_result_ = result
            self.problem_type_ = result.problem_type
            self.backend_ = backend
            if result.problem_type == "classification":
                self.classes_ = result.classes
            logger.info("Trained %s: %s", result.model_name, result.metrics)
        return self

    def _validate_fit_data(self, backend, X, y, sample_weight):
        if y is None:
            # Leave the wording to scikit-learn, which tests for it.
            validate_data(self, X, y)
        try:
            n_rows_X, n_rows_y = _num_samples(X), _num_samples(y)
        except TypeError as exc:
            raise TypeError(f"X and y must be array-like: {exc}") from None
        if n_rows_X != n_rows_y:
            raise ValueError(
                f"X has {n_rows_X} rows but y has {n_rows_y}; they must have the "
                "same number of rows (one target value per row of X)."
            )
        check_target_values(y)
        _check_unique_columns(X)
        backend.preprocessing = preprocessing = resolve_preprocessing(
            backend.config["preprocessing"],
            X,
            accepts_raw_input=not backend.validates_input,
            allow_nan=backend.validates_input and backend.input_tags.allow_nan,
        )
        if preprocessing is not None and is_dataframe(X):
            # The pipeline takes the raw table; only its columns are recorded.
            validate_data(self, X, skip_check_array=True)
            y = _check_target_array(y)
        elif backend.validates_input:
            if preprocessing is None:
                _check_numeric_columns(X, backend)
            try:
                X, y = validate_data(
                    self, X, y, **_check_array_params(backend, preprocessing)
                )
            except ValueError as exc:
                if "Input X contains NaN" not in str(exc):
                    raise
                raise ValueError(
                    f"model_type {backend.config['model_type']!r} of backend "
                    f"{backend.name!r} cannot take missing values. {exc}"
                ) from None
        else:
            # Other frameworks take X as given; only its shape is recorded.
            validate_data(self, X, skip_check_array=True)
            y = _check_target_array(y)
        return X, y, check_sample_weight(sample_weight, y)

    # -- prediction ------------------------------------------------------------

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        backend = self.backend_
        names = getattr(self, "feature_names_in_", None)
        if self.training_result_.preprocessing and names is not None:
            return _select_columns(X, names)
        if names is not None and is_dataframe(X):
            # The same columns in another order are matched by name; any other
            # difference is scikit-learn's feature-names error.
            if sorted(map(str, X.columns)) == sorted(map(str, names)):
                X = _select_columns(X, names)
        if not backend.validates_input:
            validate_data(self, X, reset=False, skip_check_array=True)
            return X
        return validate_data(
            self, X, reset=False, **_check_array_params(backend, backend.preprocessing)
        )

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
        X = self._validate_predict_data(X)
        return self.backend_.predict(self.training_result_.model, X)

    @available_if(_predict_proba_available)
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
        X = self._validate_predict_data(X)
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

    # -- the make-mlops-easy 0.4 API ---------------------------------------------

    @property
    def model(self):
        """The fitted model used for prediction (read-only).

        Kept for code written against make-mlops-easy 0.4; the same object as
        ``training_result_.model``.  Raises ``NotFittedError`` before fit.
        """
        check_is_fitted(self)
        return self.training_result_.model

    @property
    def metrics(self):
        """The metrics of the last fit, a dict (read-only).

        Kept for code written against make-mlops-easy 0.4; the same dict as
        ``training_result_.metrics``.  Raises ``NotFittedError`` before fit.
        """
        check_is_fitted(self)
        return self.training_result_.metrics

    def detect_problem_type(self, y):
        """Return ``"classification"`` or ``"regression"`` for a target.

        The answer ``fit`` would act on: an explicit ``problem_type``, else a
        ``model_type`` that does one problem type only, else the configured
        backend's ``detect_problem_type`` hook.  Usable before fit.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Target.

        Returns
        -------
        problem_type : {"classification", "regression"}

        Examples
        --------
        >>> from easy_mlops import ModelTrainer
        >>> ModelTrainer().detect_problem_type([0.5, 1.7, 2.2, 3.9])
        'regression'
        """
        y, categorical = _plain_target(y)
        check_target_values(y, min_rows=1, purpose="detect a problem type")
        backend = self._make_backend()
        if categorical and backend.config["problem_type"] == "auto":
            return "classification"
        return backend._resolve_problem_type(column_or_1d(y))[0]

    def select_model(self, problem_type, model_type):
        """The unfitted estimator the catalogue maps to.

        Parameters
        ----------
        problem_type : {"classification", "regression"}
            Problem type to build for.
        model_type : str
            Catalogue entry of the configured backend.

        Returns
        -------
        estimator : estimator instance
            Unfitted, with the catalogue's and ``model_params``' parameters
            and ``random_state``.  (For ``xgboost`` classification, training
            wraps it to accept any labels.)

        Raises
        ------
        ValueError
            If ``model_type`` is unknown or does not do ``problem_type``.

        Examples
        --------
        >>> from easy_mlops import ModelTrainer
        >>> ModelTrainer().select_model("classification", "logistic_regression")
        LogisticRegression(max_iter=1000, random_state=42)
        """
        backend = self._make_backend(model_type=model_type, problem_type=problem_type)
        backend.check_config()
        return unwrap(backend.build_estimator(problem_type))

    def split_data(self, X, y):
        """Split off the hold-out exactly as :meth:`fit` does.

        Shuffled with ``random_state`` and stratified for classification.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Target.

        Returns
        -------
        X_train, X_test, y_train, y_test
            The test members are None when ``test_size`` is 0 or the data is
            too small for a hold-out.

        Raises
        ------
        ValueError
            If the problem type is not known yet: the trainer is not fitted
            and ``problem_type`` is ``"auto"``.
        """
        if self.__sklearn_is_fitted__():
            problem_type = self.problem_type_
        else:
            problem_type = self._resolve_settings()["problem_type"]
        if problem_type == "auto":
            raise ValueError(
                "split_data needs the problem type, which is not known yet: fit "
                "the trainer first or set problem_type='classification' or "
                "'regression'."
            )
        split = self._make_backend().split_data(
            X, column_or_1d(y), problem_type=problem_type
        )
        return split.X_train, split.X_test, split.y_train, split.y_test

    # -- persistence -----------------------------------------------------------

    def save_model(self, path, *, format="joblib", signing_key=None):
        """Save the fitted trainer to one self-contained, version-checked file.

        The file holds the final model (stored by the backend's
        ``save_model`` hook), the trainer's fitted state and a manifest:
        library versions, backend, model type, problem type, classes, feature
        names, metrics, the resolved config and SHA-256 checksums.  The write
        is atomic: on any failure the file previously at ``path`` is intact.

        Parameters
        ----------
        path : str or path-like
            Target file; missing parent directories are created.
        format : {"joblib", "skops"}, default="joblib"
            ``"skops"`` stores no pickle: the model with skops
            (``pip install "easy-mlops[secure]"``) and the state as JSON, so
            loading rebuilds only trusted types.  For scikit-learn-family
            backends.  ``"joblib"`` pickles, and loading a pickle runs code
            from the file: load those only from sources you trust.
        signing_key : str or bytes, default=None
            Sign the file with HMAC-SHA256 under this secret, so that
            ``load_model`` with the key refuses a file changed or made by
            anyone without it.  Defaults to the environment variable
            ``EASY_MLOPS_SIGNING_KEY`` when that is set and not empty.

        Returns
        -------
        path : pathlib.Path
            Where the model was written.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the trainer is not fitted.
        ModelSaveError
            If a config value cannot be stored (the message names the key),
            the backend fails to write the model, or the path cannot be
            written (the message names it).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from sklearn.datasets import load_iris
        >>> from easy_mlops.training import ModelTrainer, load_model
        >>> X, y = load_iris(return_X_y=True)
        >>> trainer = ModelTrainer(model_type="logistic_regression").fit(X, y)
        >>> folder = tempfile.mkdtemp()
        >>> path = trainer.save_model(pathlib.Path(folder) / "iris.model")
        >>> (load_model(path).predict(X) == trainer.predict(X)).all()
        np.True_
        """
        from .persistence import save_model

        return save_model(self, path, format=format, signing_key=signing_key)

    def load_model(
        self, path, *, secure=False, trusted=None, signing_key=None, **limits
    ):
        """Load a saved model into this trainer and return it.

        Parameters, settings and fitted state all come from the file (the
        backend recorded there, not this instance's); ``manifest_`` holds its
        manifest.  The module-level :func:`easy_mlops.training.load_model`
        returns a new trainer instead.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save_model`.
        secure : bool, default=False
            Load only ``format="skops"`` files, which hold no pickle; any
            other file is refused before it is read.
        trusted : str or list of str, default=None
            For skops files: types to trust after review.
        signing_key : str or bytes, default=None
            Load only files signed with this key (default: the environment
            variable ``EASY_MLOPS_SIGNING_KEY``).
        **limits
            ``max_member_bytes`` and ``max_compression_ratio``, as for
            :func:`easy_mlops.training.load_model`.

        Returns
        -------
        self : ModelTrainer
            Fitted and ready to predict.

        Raises
        ------
        ModelLoadError
            If the file is missing, truncated, corrupted, not an artifact,
            from a newer format, over the size limits, refused by ``secure``
            or ``signing_key``, or needs a backend that is not registered.
        """
        from .persistence import load_model

        loaded = load_model(
            path, secure=secure, trusted=trusted, signing_key=signing_key, **limits
        )
        state = vars(self)
        state.clear()
        state.update(vars(loaded))
        return self

    def __getstate__(self):
        state = super().__getstate__()
        if self.__sklearn_is_fitted__():
            from .persistence import library_versions

            state["_library_versions"] = library_versions(self.training_result_.model)
        return state

    def __setstate__(self, state):
        recorded = state.pop("_library_versions", None)
        super().__setstate__(state)
        if recorded is not None:
            from .persistence import warn_on_version_changes

            warn_on_version_changes(recorded, "This unpickled ModelTrainer")

    # -- scikit-learn protocol -------------------------------------------------

    def __sklearn_is_fitted__(self):
        return hasattr(self, "training_result_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        try:
            backend = (
                self.backend_
                if self.__sklearn_is_fitted__()
                else (self._make_backend())
            )
            if self.__sklearn_is_fitted__():
                problem_types = (self.problem_type_,)
            else:
                problem_types = backend._candidate_problem_types()
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


def _select_columns(X, names):
    """The columns of a raw table that the model was fitted on, in fit order.

    Columns are matched by name: their order may differ and extra columns are
    left out.  A missing column is an error naming it.
    """
    names = [str(name) for name in names]
    if not is_dataframe(X):
        raise ValueError(
            f"This ModelTrainer was fitted on a table with columns {names}; pass "
            f"a pandas or polars DataFrame with those columns, not "
            f"{type(X).__name__}."
        )
    _check_unique_columns(X)
    present = {str(column) for column in X.columns}
    missing = [name for name in names if name not in present]
    if missing:
        raise ValueError(
            f"X is missing the column(s) {missing}, which the model was trained "
            f"on. Columns needed: {names}."
        )
    if hasattr(X, "loc"):
        by_name = {str(column): column for column in X.columns}
        return X.loc[:, [by_name[name] for name in names]]
    return X.select(names)


def _is_fitted_attribute(name):
    return name.endswith("_") and not name.startswith("__")


@contextmanager
def _fitted_state_transaction(estimator):
    """Start fit from a clean slate; on failure put the old fitted state back.

    A failed fit therefore leaves exactly the state from before it, never a
    mix of old and new attributes.
    """
    state = vars(estimator)
    saved = {name: value for name, value in state.items() if _is_fitted_attribute(name)}
    for name in saved:
        del state[name]
    try:
        yield
    except BaseException:
        for name in [name for name in state if _is_fitted_attribute(name)]:
            del state[name]
        state.update(saved)
        raise
