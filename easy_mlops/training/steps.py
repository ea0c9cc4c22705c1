"""The steps of the training flow, as functions of a backend's public hooks.

The flow (:mod:`easy_mlops.training.flow`), the comparison, the fit runner
and the backends' default hooks share these steps: each takes what it needs
as arguments and calls only the documented hooks of a backend
(:data:`easy_mlops.training.base.HOOKS`), so no module reaches into another's
private methods.
"""

# License: BSD 3 clause

import datetime
import warnings
from dataclasses import replace

import numpy as np
from sklearn.exceptions import FitFailedWarning
from sklearn.utils.multiclass import check_classification_targets

from ._splitting import RowStructure, cv_indices, cv_splitter, holdout_indices
from .exceptions import ProblemTypeWarning, SmallDataWarning
from .metrics import DEFAULT_SCORING, default_score
from .problem_type import PROBLEM_TYPES, infer_problem_type
from .result import CrossValidationResult

__all__ = [
    "MAX_CLASSES",
    "candidate_problem_types",
    "check_target",
    "collect_cv",
    "cv_folds",
    "holdout_outputs",
    "resolve_problem_type",
    "score_fitted",
    "scoring_name",
    "selection_folds",
]

#: The most classes a classification target may have.
MAX_CLASSES = 1000


def candidate_problem_types(backend):
    """The problem types a fit may end up with: the requested one, if any.

    Examples
    --------
    >>> from easy_mlops.training import SklearnBackend
    >>> from easy_mlops.training.settings import resolve_settings
    >>> from easy_mlops.training.steps import candidate_problem_types
    >>> backend = SklearnBackend(resolve_settings({}, {"problem_type": "regression"}))
    >>> candidate_problem_types(backend)
    ('regression',)
    """
    requested = backend.config["problem_type"]
    if requested != "auto":
        return (requested,)
    return tuple(backend.supported_problem_types())


def resolve_problem_type(backend, y):
    """The problem type to train for, and why.

    An explicit ``problem_type`` wins; then a ``model_type`` that supports
    only one problem type; then the backend's own ``detect_problem_type``
    when it declares ``own_problem_type_detection``; then the documented rule
    of :func:`~easy_mlops.training.problem_type.infer_problem_type`, which
    warns (:class:`ProblemTypeWarning`) on a close call.

    Returns
    -------
    problem_type : {"classification", "regression"}
    reason : str
    """
    config = backend.config
    requested = config["problem_type"]
    if requested != "auto":
        return requested, f"problem_type={requested!r} was given"
    supported = backend.supported_problem_types()
    if len(supported) == 1:
        return supported[0], (
            f"model_type {config['model_type']!r} does {supported[0]} only"
        )
    if not backend.own_problem_type_detection:
        decision = infer_problem_type(
            y, test_size=config["test_size"], cv_folds=config["cv_folds"]
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
                stacklevel=4,
            )
        return decision.problem_type, decision.reason
    problem_type = backend.detect_problem_type(y)
    if problem_type not in PROBLEM_TYPES:
        raise ValueError(
            f"{type(backend).__name__}.detect_problem_type must return one of "
            f"{PROBLEM_TYPES}. Got {problem_type!r} instead."
        )
    return problem_type, f"chosen by {type(backend).__name__}.detect_problem_type"


def check_target(y, problem_type):
    """Check ``y`` suits the problem type; return the classes or None.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.steps import check_target
    >>> check_target(np.array(["a", "b", "a", "b"]), "classification")
    array(['a', 'b'], dtype='<U1')
    >>> check_target(np.array(["a", "a"]), "classification")
    Traceback (most recent call last):
    ...
    ValueError: y contains only one class (...'a'...); a classifier needs at least...
    """
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


def cv_folds(config, y, *, problem_type, rows=None):
    """The (train, test) index pairs of the cross-validation, and a note.

    Shuffled folds, stratified for classification, seeded by
    ``random_state``; with groups (``rows``), ``StratifiedGroupKFold`` or
    ``GroupKFold``; with time-ordered rows, ``TimeSeriesSplit``.  The number
    of folds is reduced, or cross-validation skipped, when the data is too
    small; the note says so (and a :class:`SmallDataWarning` is raised).

    Returns
    -------
    folds : list of (ndarray, ndarray)
    note : str or None
    """
    rows = RowStructure() if rows is None else rows
    splitter, note = cv_splitter(
        y,
        n_folds=config["cv_folds"],
        problem_type=problem_type,
        random_state=config["random_state"],
        rows=rows,
    )
    if note is not None:
        warnings.warn(note, SmallDataWarning, stacklevel=3)
    return cv_indices(splitter, y, rows), note


def selection_folds(config, y, *, problem_type, rows=None):
    """The folds a comparison chooses on: inside the hold-out's training rows.

    A comparison picks its model (or an ensemble its weights) by these
    folds' scores, so the rows the hold-out keeps back never take part in
    the choice and its metrics stay an honest estimate.  The folds are made
    as :func:`cv_folds` makes them, on the training rows of the hold-out
    that :meth:`~easy_mlops.training.base.TrainingBackend.split_data` will
    make (the same ``random_state``, which must be an int); without a
    hold-out, on every row.  When the training rows are too few for two
    folds but every row is not (a class of two rows keeps one), the folds
    split every row and the note says that the hold-out took part.

    Returns
    -------
    folds : list of (ndarray, ndarray)
        Indices into all the rows.
    note : str or None
    """
    rows = RowStructure() if rows is None else rows
    train = None
    if config["test_size"] > 0:
        train, _, _ = holdout_indices(
            y,
            test_size=config["test_size"],
            problem_type=problem_type,
            random_state=config["random_state"],
            rows=rows,
        )
    if train is None:
        return cv_folds(config, y, problem_type=problem_type, rows=rows)
    train = np.sort(train)
    inside = replace(rows, groups=None if rows.groups is None else rows.groups[train])

    def splitter_of(labels, structure):
        return cv_splitter(
            labels,
            n_folds=config["cv_folds"],
            problem_type=problem_type,
            random_state=config["random_state"],
            rows=structure,
        )

    splitter, note = splitter_of(y[train], inside)
    if splitter is None:
        everywhere, all_note = splitter_of(y, rows)
        if everywhere is not None:
            if all_note is not None:
                warnings.warn(all_note, SmallDataWarning, stacklevel=2)
            why = (note or "").removeprefix("Cross-validation skipped: ").rstrip(".")
            note = (
                "The comparison chose on folds of every row, the hold-out's "
                "included, so the hold-out metrics are optimistic: its training "
                f"rows are too few ({why}). Use test_size=0, or more rows."
            )
            warnings.warn(note, SmallDataWarning, stacklevel=2)
            folds = cv_indices(everywhere, y, rows)
            return folds, note + (f" {all_note}" if all_note else "")
    if note is not None:
        warnings.warn(note, SmallDataWarning, stacklevel=2)
    folds = cv_indices(splitter, y[train], inside)
    return [(train[fit], train[test]) for fit, test in folds], note


def scoring_name(config, problem_type):
    """Name of the cross-validation score, for the training record."""
    scoring = config.get("scoring")
    if scoring is None:
        return DEFAULT_SCORING[problem_type]
    if isinstance(scoring, str):
        return scoring
    return getattr(scoring, "__qualname__", None) or type(scoring).__name__


def score_fitted(backend, model, X, y, sample_weight=None, *, problem_type, classes):
    """The cross-validation score of a fitted model (the ``scoring`` key).

    ``classes`` are the labels the model was trained on (classification);
    the scorer is called with the backend's ``scoring_estimator``.
    """
    scoring = backend.config.get("scoring")
    if scoring is None:
        return default_score(problem_type, y, backend.predict(model, X), sample_weight)
    from sklearn.metrics import get_scorer

    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    scored = backend.scoring_estimator(
        model, problem_type=problem_type, classes=classes
    )
    return float(scorer(scored, X, y, **kwargs))


def holdout_outputs(backend, model, X, *, problem_type):
    """``(y_pred, y_proba, classes)`` of a fitted model on ``X``.

    ``y_proba`` and ``classes`` are None unless the model is a classifier
    with ``predict_proba`` and known ``classes_``.
    """
    y_pred = np.asarray(backend.predict(model, X))
    classes = getattr(model, "classes_", None)
    if (
        problem_type != "classification"
        or classes is None
        or not backend.has_predict_proba(model)
    ):
        return y_pred, None, None
    return y_pred, np.asarray(backend.predict_proba(model, X)), np.asarray(classes)


def collect_cv(outcomes, note, scoring):
    """The :class:`CrossValidationResult` of a batch's fold outcomes.

    When every fold failed there is no score: a ``FitFailedWarning`` says so,
    with the first error, and the note keeps it for the record.
    """
    folds = [o for o in outcomes if o.role == "fold"]
    cv = CrossValidationResult(
        scores=[o.score for o in folds],
        errors=[o.error for o in folds if o.error],
        scoring=scoring,
        note=note,
    )
    if cv.scores and len(cv.errors) == len(cv.scores):
        failed = (
            f"Cross-validation failed: all {len(cv.scores)} folds raised an "
            f"error, so there is no cv_mean (first: {cv.errors[0]}). See "
            "training_result_.cv_errors."
        )
        warnings.warn(failed, FitFailedWarning, stacklevel=3)
        cv.note = failed if cv.note is None else f"{cv.note} {failed}"
    return cv
