"""``EstimatorBackend``: the whole training flow around one estimator.

``train`` runs :class:`~easy_mlops.training.flow.TrainingFlow`.  A subclass
gives the estimator: a ``model_types`` catalogue of
:class:`~easy_mlops.training.catalogue.ModelSpec` or a ``build_estimator``.
"""

# License: BSD 3 clause

import inspect
from functools import cached_property
from typing import ClassVar

from sklearn.utils import get_tags

from .._suggest import did_you_mean
from ._threads import set_fit_threads
from .base import BaseTrainingBackend
from .callbacks import propagated_to
from .catalogue import check_model_params, check_param_values, takes_any_keyword
from .comparison import Comparison, accepted_params, is_comparison
from .flow import TrainingFlow
from .label_encoding import EncodedLabelClassifier, unwrap
from .problem_type import PROBLEM_TYPES
from .steps import candidate_problem_types

__all__ = ["EXTENSION_POINTS", "EstimatorBackend"]

#: What a subclass of ``EstimatorBackend`` may override besides the hooks of
#: :mod:`easy_mlops.training.base`: the estimator it trains, and the
#: cross-validation of a backend that declares ``own_cross_validation``.
EXTENSION_POINTS = {
    "build_estimator": "(problem_type)",
    "estimator_params": "(problem_type)",
    "cross_validate_trained": "(model, X, y, sample_weight=None, *, problem_type)",
}


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
        passes ``random_state`` when the estimator takes one; inside a fit
        with a thread budget, an XGBoost or LightGBM estimator gets the
        budget as ``n_jobs`` unless ``model_params`` sets its threads.
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
        set_fit_threads(estimator, model_params)
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
                f"{did_you_mean(model_type, self.model_types)} Valid model "
                f"types: {', '.join(sorted(self.model_types))}."
            ) from None

    def supported_problem_types(self):
        if self.comparing:  # a backend without a catalogue is refused here
            Comparison(self).check_entries()
            kinds = {
                kind
                for candidate in Comparison(self).candidates()
                for kind in candidate.supported_problem_types()
            }
            return tuple(kind for kind in PROBLEM_TYPES if kind in kinds)
        if not self.model_types:
            return PROBLEM_TYPES
        return self.model_spec.problem_types

    @property
    def comparing(self):
        """Whether ``model_type`` is a list of entries or ``"compare"``."""
        return is_comparison(self.config["model_type"])

    def for_model_type(self, model_type, scoring=None):
        """A copy of this backend for one catalogue entry.

        In a comparison, ``model_params`` keeps only the parameters that
        entry's estimator takes, so one config can tune several models;
        ``scoring``, when given, is the score the comparison ranks by.
        """
        config = {**self.config, "model_type": model_type}
        if scoring is not None:
            config["scoring"] = scoring
        if self.comparing and config.get("model_params"):
            config["model_params"] = accepted_params(
                self.model_types[model_type], config["model_params"]
            )
        return type(self).configured(
            config, preprocessing=self.preprocessing, inputs=self.inputs
        )

    def check_backend_config(self):
        """Check ``model_params`` and the estimator's parameter values, by
        building (not fitting) each candidate estimator; in a comparison, each
        candidate's whole config."""
        if self.comparing:
            Comparison(self).check()
            return
        check_model_params(self.config.get("model_params"))
        for problem_type in candidate_problem_types(self):
            estimator = self.build_estimator(problem_type)
            params = self.config.get("model_params") or {}
            check_param_values(params, type(unwrap(estimator)))
            # scikit-learn checks parameter values only in fit; check them
            # now so a bad value fails before any work, with the same message.
            if hasattr(estimator, "_parameter_constraints"):
                estimator._validate_params()
            check_scorer_response(self.config.get("scoring"), estimator)

    def has_predict_proba(self, model=None):
        if model is None:
            if self.comparing:
                candidates = Comparison(self).requested_candidates()
                return all(c.has_predict_proba() for c in candidates)
            model = self.build_estimator("classification")
        return hasattr(model, "predict_proba")

    def accepts_sample_weight(self, problem_type):
        if self.comparing:
            return all(
                c.accepts_sample_weight(problem_type)
                for c in Comparison(self).candidates(problem_type)
            )
        fit = self.build_estimator(problem_type).fit
        return "sample_weight" in inspect.signature(fit).parameters

    def build_model(self, problem_type):
        """:meth:`build_estimator` behind the preprocessing, if one runs.

        Numeric input given as it is reaches an entry whose ``ModelSpec.scale``
        is set through a ``StandardScaler`` (not centred for sparse input),
        unless ``preprocessing`` is ``"none"``.
        """
        estimator = self.build_estimator(problem_type)
        if self.preprocessing is not None:
            return self.preprocessing.wrap(estimator, self.config["random_state"])
        if self.scales_input:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            scaler = StandardScaler(with_mean=not self.inputs.sparse)
            return make_pipeline(scaler, estimator)
        return estimator

    @property
    def scales_input(self):
        """Whether :meth:`build_model` standardises the input."""
        model_type = self.config["model_type"]
        spec = self.model_types.get(model_type) if isinstance(model_type, str) else None
        return (
            spec is not None
            and spec.scale
            and self.preprocessing is None
            and self.config["preprocessing"] == "auto"
        )

    def fit_model(self, X, y, sample_weight=None, *, problem_type):
        model = self.build_model(problem_type)
        params = {}
        if sample_weight is not None:
            key = "sample_weight"
            if hasattr(model, "steps"):
                # A Pipeline routes fit parameters to a step by its name.
                key = f"{model.steps[-1][0]}__sample_weight"
            params[key] = sample_weight
            if self.scales_input:
                # Weighted rows scale as repeated rows would.
                params[f"{model.steps[0][0]}__sample_weight"] = sample_weight
        # An estimator that supports callbacks reports its own tasks under
        # the running fit's task.
        with propagated_to(model):
            return model.fit(X, y, **params)

    def model_name(self, model):
        return type(unwrap(model)).__name__

    @cached_property
    def input_tags(self):
        """Input tags of the estimators this backend may build.

        NaN and sparse input are accepted only when every candidate estimator
        accepts them.
        """
        backends = Comparison(self).requested_candidates() if self.comparing else [self]
        tags = [
            get_tags(backend.build_estimator(problem_type)).input_tags
            for backend in backends
            for problem_type in candidate_problem_types(backend)
        ]
        first = tags[0]
        first.allow_nan = all(t.allow_nan for t in tags)
        first.sparse = all(t.sparse for t in tags)
        return first

    def train(self, X, y, sample_weight=None):
        return TrainingFlow(self).run(X, y, sample_weight)

    def cross_validate_trained(self, model, X, y, sample_weight=None, *, problem_type):
        """The cross-validation of a backend that declares
        ``own_cross_validation``, given the model the flow trained.

        ``model`` is the hold-out model (the refit model when there is no
        hold-out).  The default ignores it and calls :meth:`cross_validate`;
        the callable backend hands it to the user's ``cv_fn``.

        Returns
        -------
        cv : CrossValidationResult
        """
        return self.cross_validate(X, y, sample_weight, problem_type=problem_type)


def _check_param_names(params, available, estimator_class):
    """Refuse parameter names the estimator does not take.

    An estimator whose constructor takes ``**kwargs`` (LightGBM, XGBoost)
    accepts names beyond ``get_params``, such as LightGBM's aliases.
    """
    if takes_any_keyword(estimator_class):
        return
    unknown = sorted(set(params) - set(available))
    if unknown:
        hint = "".join(did_you_mean(name, available) for name in unknown)
        raise ValueError(
            f"Unknown model_params for {estimator_class.__name__}: {unknown}."
            f"{hint} Valid parameters are: {sorted(available)}."
        )


def check_scorer_response(scoring, estimator, *, owner=None, remedy=None):
    """Refuse, before any fit, a scorer that needs what the model lacks.

    ``estimator`` is what the scorer will be called with; a regressor has no
    ``predict_proba``, so ``scoring="roc_auc"`` is refused for it too.
    ``owner`` names what lacks the method and ``remedy`` says what to do, for
    backends whose scorer object is not the user's model.
    """
    if not isinstance(scoring, str):
        return
    from sklearn.metrics import get_scorer

    methods = getattr(get_scorer(scoring), "_response_method", "predict")
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    if not any(hasattr(estimator, method) for method in methods):
        owner = owner or type(unwrap(estimator)).__name__
        remedy = remedy or "a model_type with probabilities"
        raise ValueError(
            f"scoring={scoring!r} needs {' or '.join(methods)}, which {owner} "
            f"does not have. Choose another scoring or {remedy}."
        )
