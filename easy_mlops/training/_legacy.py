"""The make-mlops-easy 0.4 API of ``ModelTrainer``, kept for compatibility.

``train`` (fit and return a summary), ``model`` and ``metrics``, and the
single steps ``detect_problem_type``, ``select_model`` and ``split_data``.
New code uses ``fit``, ``estimator_`` and ``training_result_``; see the
migration page of the docs.
"""

# License: BSD 3 clause

from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._fit_data import plain_target
from .label_encoding import unwrap
from .steps import resolve_problem_type
from .validation import check_target_values

__all__ = []


class LegacyAPIMixin:
    """The 0.4 methods of ``ModelTrainer``; they need its private helpers."""

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
        y, categorical = plain_target(y)
        check_target_values(y, min_rows=1, purpose="detect a problem type")
        backend = self._make_backend()
        if categorical and backend.config["problem_type"] == "auto":
            return "classification"
        return resolve_problem_type(backend, column_or_1d(y))[0]

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
