"""What ``ModelTrainer`` checks and prepares around a fit and a prediction.

The data checks that come before any work (targets, column names, numeric
columns, identifier columns), the arguments of ``validate_data`` for a
backend's models, matching a table's columns by name, and the transaction
that leaves no half-fitted state when a fit fails.
"""

# License: BSD 3 clause

import threading
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._sklearn_compat import _num_samples
from ._row_columns import drop_row_columns
from .exceptions import EasyMLOpsWarning
from .preprocessing import (
    duplicate_columns,
    identifier_columns,
    is_dataframe,
    non_numeric_columns,
    resolve_preprocessing,
)
from .validation import check_sample_weight, check_target_values

__all__ = [
    "check_array_params",
    "check_numeric_columns",
    "check_target_array",
    "check_unique_columns",
    "fitted_state",
    "validate_fit_data",
    "validate_predict_data",
    "fitted_state_transaction",
    "one_fit_at_a_time",
    "plain_target",
    "select_columns",
    "warn_identifier_columns",
]


def check_array_params(backend, preprocessing=None):
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


def check_target_array(y):
    return check_array(
        column_or_1d(y, warn=True), ensure_2d=False, dtype=None, input_name="y"
    )


def plain_target(y):
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


def check_numeric_columns(X, backend):
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


def check_unique_columns(X):
    if is_dataframe(X):
        duplicates = duplicate_columns(X)
        if duplicates:
            raise ValueError(
                f"X has duplicate column names {duplicates}; every column needs a "
                "name of its own. Rename or drop the duplicates."
            )


def warn_identifier_columns(X, treatment):
    """Warn about columns that identify rows: counters, or codes unique per row.

    See :func:`~easy_mlops.training.preprocessing.identifier_columns` for
    what counts as one; dates and dropped columns are not warned about.
    """
    treatment = treatment or {}
    for name in identifier_columns(X):
        if treatment.get(name) in ("datetime", "dropped"):
            continue
        warnings.warn(
            f"Column {name!r} holds a different value in every row and looks "
            "like a row number or a code (an identifier), which a model cannot "
            "learn from and which may leak the row order. Drop it from X (CLI: "
            "--id or --drop) unless it carries meaning.",
            EasyMLOpsWarning,
            stacklevel=5,
        )


def select_columns(X, names):
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
    check_unique_columns(X)
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


def fitted_state(result, backend):
    """The fitted attributes of a trainer whose run is ``result``.

    The one recipe for them: ``fit``, the callbacks' reconstruction of one
    fold's model and the loaders all use it.

    Returns
    -------
    state : dict
        ``training_result_``, ``problem_type_``, ``backend_`` and, for
        classification, ``classes_``.
    """
    state = {
        "training_result_": result,
        "problem_type_": result.problem_type,
        "backend_": backend,
    }
    if result.problem_type == "classification":
        state["classes_"] = result.classes
    return state


@contextmanager
def fitted_state_transaction(estimator):
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


def validate_fit_data(trainer, backend, X, y, sample_weight):
    """Check the data of a fit and prepare it for ``backend``.

    Returns
    -------
    X, y, sample_weight : validated
    preprocessing : Preprocessing or None
        What runs in front of the estimator, decided from the setting and X.
    """
    if y is None:
        # Leave the wording to scikit-learn, which tests for it.
        validate_data(trainer, X, y)
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
    check_unique_columns(X)
    preprocessing = resolve_preprocessing(
        backend.config["preprocessing"],
        X,
        accepts_raw_input=not backend.validates_input,
        allow_nan=backend.validates_input and backend.input_tags.allow_nan,
    )
    if preprocessing is not None and is_dataframe(X):
        # The pipeline takes the raw table; only its columns are recorded.
        validate_data(trainer, X, skip_check_array=True)
        y = check_target_array(y)
    elif backend.validates_input:
        if preprocessing is None:
            check_numeric_columns(X, backend)
        try:
            X, y = validate_data(
                trainer, X, y, **check_array_params(backend, preprocessing)
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
        validate_data(trainer, X, skip_check_array=True)
        y = check_target_array(y)
    return X, y, check_sample_weight(sample_weight, y), preprocessing


def validate_predict_data(trainer, X):
    """``X`` checked against what a fitted ``trainer`` was trained on, ready
    for its model (columns matched by name where they have names)."""
    check_is_fitted(trainer)
    backend = trainer.backend_
    # A table may still hold the group or time column: not a feature.
    X = drop_row_columns(X, backend.config)
    names = getattr(trainer, "feature_names_in_", None)
    if backend.preprocessing is not None and names is not None:
        return select_columns(X, names)
    if names is not None and is_dataframe(X):
        # The same columns in another order are matched by name; any other
        # difference is scikit-learn's feature-names error.
        if sorted(map(str, X.columns)) == sorted(map(str, names)):
            X = select_columns(X, names)
    if not backend.validates_input:
        validate_data(trainer, X, reset=False, skip_check_array=True)
        return X
    return validate_data(
        trainer, X, reset=False, **check_array_params(backend, backend.preprocessing)
    )


# The trainers being fitted, by id: kept here, not on the trainer, so that a
# trainer pickles, clones and compares as before.
_FITTING = set()
_FITTING_LOCK = threading.Lock()


@contextmanager
def one_fit_at_a_time(trainer):
    """Refuse, at once, a fit of ``trainer`` while another of it is running.

    Two fits of one trainer (two threads, or a callback that fits its own
    trainer) would write one fitted state over the other and could leave a
    mix of both.  The second raises instead of waiting: a fit may take
    hours, and waiting would hide a program's mistake.
    """
    key = id(trainer)
    with _FITTING_LOCK:
        if key in _FITTING:
            raise RuntimeError(
                f"This {type(trainer).__name__} is already being fitted (in another "
                "thread, or by a callback of its own fit); a trainer fits one data "
                "set at a time. Fit a copy instead: sklearn.base.clone(trainer)."
            )
        _FITTING.add(key)
    try:
        yield
    finally:
        with _FITTING_LOCK:
            _FITTING.discard(key)
