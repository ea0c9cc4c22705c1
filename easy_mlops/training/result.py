"""The record of one training run."""

# License: BSD 3 clause

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from ._splitting import RowStructure

__all__ = [
    "CrossValidationResult",
    "DataSplit",
    "HoldoutRecord",
    "RunInputs",
    "TrainingRunResult",
    "to_json",
]


@dataclass
class TrainingRunResult:
    """What a backend's ``train`` returns: the final model and how it was made.

    Parameters
    ----------
    model : object
        The fitted model that ``ModelTrainer.predict`` uses.
    metrics : dict of str to float
        Hold-out metrics (see ``easy_mlops.training.metrics.METRIC_NAMES``)
        plus ``cv_mean`` and ``cv_std`` when cross-validation ran.
    problem_type : {"classification", "regression"}
        The problem type the model was trained for.
    model_name : str
        Class name of the fitted model, e.g. ``"RandomForestClassifier"``.
    n_samples : int
        Rows given to ``fit``.
    n_features : int or None
        Columns of ``X``; None when ``X`` has no column shape (e.g. a list of
        strings for a text model).
    backend : str, default=""
        Registered name of the backend that trained the model.
    model_type : str, default=""
        Catalogue entry that was used, e.g. ``"logistic_regression"``.
    n_train : int or None, default=None
        Rows the hold-out model was trained on.
    n_test : int, default=0
        Rows of the hold-out; 0 when there was none.
    cv_scores : list of float, default=[]
        One score per cross-validation fold, NaN for a fold that failed.
    cv_errors : list of str, default=[]
        The error of each fold that failed.
    scoring : str, default=""
        Name of the cross-validation score.
    refit : bool, default=True
        Whether the final model was refit on all rows.
    problem_type_reason : str, default=""
        Why this problem type was chosen.
    skipped : list of str, default=[]
        Steps that were reduced or skipped, and why.
    warnings : list of str, default=[]
        Warnings raised while fitting (e.g. ``ConvergenceWarning``), kept so
        they are not lost when fits run in other processes.
    classes : ndarray of shape (n_classes,) or None, default=None
        Class labels, for classification.
    fit_seconds : float, default=0.0
        Wall-clock time of the whole run.
    preprocessing : str, default=""
        Why preprocessing ran in front of the model (see the
        ``preprocessing`` setting); empty when the model got ``X`` as given.
    column_treatment : dict of str to str or None, default=None
        With skrub's preprocessing: what each raw column became, one of
        ``"numeric"``, ``"categorical"``, ``"text"``, ``"datetime"``,
        ``"custom"`` or ``"dropped"``.
    column_reasons : dict of str to str, default={}
        Why each raw column was treated so.
    target_name : str or None, default=None
        Name of the target (``y.name`` of a pandas Series, or the CLI's
        target column).
    leaderboard : list of dict, default=[]
        With model comparison (``model_type`` a list or ``"compare"``): one
        entry per candidate, best first — ``model_type``, ``estimator``,
        ``cv_mean``, ``cv_std``, ``cv_scores``, ``fit_seconds_per_row``,
        ``predict_seconds_per_row`` and ``error`` (None, or why it failed,
        was skipped, or stopped after fewer folds).  An ensemble's row,
        ``model_type="ensemble"``, scores the blend of its members'
        out-of-fold predictions on which its weights were chosen, so it is
        optimistic; its hold-out metrics are not.
    ensemble_weights : dict of str to float, default={}
        With ``model_type="ensemble"``: each member's weight in the voting
        ensemble (summing to 1); empty for a single model.
    holdout : HoldoutRecord or None, default=None
        The hold-out's targets, predictions and probabilities, so that a
        report draws from them without another fit; not saved with the model.
    id_columns : list of str, default=[]
        Identifier columns kept out of the features (the CLI's ``--id``);
        ``easy-mlops predict`` writes them before the predictions.
    threads : dict, default={}
        How the fits used the cores: ``parallel_fits`` (fits run at once),
        ``inner_threads`` (native threads each fit could use) and
        ``decided_by`` (``"budget"``, ``"inner_threads"``,
        ``"parallel_config"`` or ``"environment"``).  For a comparison, those
        of the candidates' cross-validation.
    baseline : dict, default={}
        The baseline that ignores the features, scored on the same hold-out
        and folds (see :mod:`easy_mlops.training.baseline`): ``estimator``,
        ``metrics``, ``cv_scores`` and ``warning`` (why the model does not
        beat it, or None).
    split : dict, default={}
        How the rows were split: ``rows`` (``"shuffled"``, ``"grouped"`` or
        ``"time-ordered"``), ``holdout``, ``cv`` (the splitter),
        ``group_column`` and ``time_column``.

    Examples
    --------
    >>> from easy_mlops.training import TrainingRunResult
    >>> result = TrainingRunResult(model=None, metrics={"r2_score": 0.9},
    ...                            problem_type="regression", model_name="Ridge",
    ...                            n_samples=10, n_features=2)
    >>> result.to_dict()["metrics"]
    {'r2_score': 0.9}
    """

    model: Any
    metrics: dict
    problem_type: str
    model_name: str
    n_samples: int
    n_features: int | None
    backend: str = ""
    model_type: str = ""
    n_train: int | None = None
    n_test: int = 0
    cv_scores: list = field(default_factory=list)
    cv_errors: list = field(default_factory=list)
    scoring: str = ""
    refit: bool = True
    problem_type_reason: str = ""
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    classes: Any = None
    fit_seconds: float = 0.0
    preprocessing: str = ""
    column_treatment: dict | None = None
    column_reasons: dict = field(default_factory=dict)
    target_name: str | None = None
    id_columns: list = field(default_factory=list)
    threads: dict = field(default_factory=dict)
    leaderboard: list = field(default_factory=list)
    baseline: dict = field(default_factory=dict)
    split: dict = field(default_factory=dict)
    ensemble_weights: dict = field(default_factory=dict)
    holdout: Any = None

    def to_dict(self):
        """Everything but the model, as a JSON-serialisable dict.

        Returns
        -------
        summary : dict
            NumPy scalars and arrays become Python numbers and lists; NaN fold
            scores become None.
        """
        return {
            f.name: to_json(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("model", "holdout")
        }

    def __getstate__(self):
        # The hold-out record (data and a second model) is for this session's
        # report: pickling a trainer, or saving it, leaves it out.
        state = dict(vars(self))
        state["holdout"] = None
        return state

    def __setstate__(self, state):
        # A record pickled by an earlier release lacks the newer fields.
        for name, spec in self.__dataclass_fields__.items():
            if name not in state and spec.default_factory is not MISSING:
                state[name] = spec.default_factory()
        vars(self).update(state)


@dataclass
class HoldoutRecord:
    """What the hold-out model did on the hold-out rows.

    Attributes
    ----------
    y_true : ndarray of shape (n_test,)
        The hold-out target.
    y_pred : ndarray of shape (n_test,)
        The hold-out model's predictions.
    y_proba : ndarray of shape (n_test, n_classes) or None
        Its class probabilities (classifiers with ``predict_proba``).
    classes : ndarray of shape (n_classes,) or None
        The labels of the columns of ``y_proba``.
    X : array-like
        The hold-out rows, as the model took them.
    model : object
        The model fitted on the other rows.
    """

    y_true: Any
    y_pred: Any
    y_proba: Any
    classes: Any
    X: Any
    model: Any


@dataclass(frozen=True)
class RunInputs:
    """What the trainer knows of the data before training, for the record.

    Attributes
    ----------
    target_name : str or None
        Name of the target (a pandas Series' name).
    problem_type_reason : str or None
        A problem-type decision the trainer made itself (a categorical
        target), which the record gives instead of the flow's.
    feature_names : list of str or None
        The columns of ``X``, when it has names.
    rows : RowStructure
        How the rows relate (groups, time order), which the splits follow.
    sparse : bool
        Whether ``X`` is a sparse matrix.
    """

    target_name: str | None = None
    problem_type_reason: str | None = None
    feature_names: list | None = None
    rows: RowStructure = field(default_factory=RowStructure)
    sparse: bool = False


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


def to_json(value):
    """``value`` as JSON-serialisable data: one rule for records, artifacts,
    tracking and the report.

    Mappings and sequences (arrays too) are converted item by item, NumPy
    scalars become Python numbers, NaN and infinities become None, a
    function becomes ``"module:qualname"``, and any other object its repr.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.result import to_json
    >>> to_json({"a": np.float64(0.5), "b": [np.nan, 1], "c": np.array([1, 2])})
    {'a': 0.5, 'b': [None, 1], 'c': [1, 2]}
    >>> to_json(len)
    'builtins:len'
    """
    if callable(value) and not isinstance(value, type):
        module = getattr(value, "__module__", "?")
        return f"{module}:{getattr(value, '__qualname__', repr(value))}"
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)
