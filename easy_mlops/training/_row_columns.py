"""The columns that say how rows relate: entity groups and time order.

``group_column`` names the entity each row belongs to (a person, a shop);
``time_column`` the moment it describes.  Neither is a feature: both are taken
out of ``X`` before any fit, checked before any work, and turned into the
:class:`~easy_mlops.training._splitting.RowStructure` the splits follow.  A
``groups`` array given to ``fit`` does what ``group_column`` does.

Groups and time order together are refused: forward-chaining folds that also
keep entities apart would leave most folds with too few rows to say anything,
and scikit-learn has no splitter for it.
"""

# License: BSD 3 clause

import warnings

import numpy as np

from .._sklearn_compat import _num_samples, _safe_indexing
from .._suggest import did_you_mean
from ._splitting import RowStructure
from .exceptions import EasyMLOpsWarning
from .preprocessing import is_dataframe

__all__ = [
    "drop_row_columns",
    "in_time_order",
    "read_row_structure",
    "warn_possible_groups",
    "warn_unordered_dates",
]


def read_row_structure(X, groups, settings):
    """Take the group and time columns out of ``X`` and check them.

    Parameters
    ----------
    X : array-like
        The training data as given.
    groups : array-like of shape (n_samples,) or None
        Group labels given to ``fit``.
    settings : mapping
        The resolved settings: ``group_column``, ``time_column``,
        ``time_gap``, ``cv_folds`` and ``test_size`` are read.

    Returns
    -------
    X : array-like
        ``X`` without the group and time columns.
    rows : RowStructure
    order : ndarray of int or None
        The row order by time (stable), or None when no time column is set.

    When neither groups nor time order is given, a column that looks like
    the ID of entities is pointed out (:func:`warn_possible_groups`).

    Raises
    ------
    ValueError
        A column that does not exist or is missing values, fewer groups than
        folds, a time column that is neither dates nor numbers, ``groups`` of
        the wrong length, or groups and time order together.
    """
    group_column = settings["group_column"]
    time_column = settings["time_column"]
    given = [
        name
        for name, value in (
            ("groups", groups),
            ("group_column", group_column),
            ("time_column", time_column),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise ValueError(
            f"{' and '.join(given)} were both given. Give one: groups (or "
            "group_column) keep each entity on one side of every split; "
            "time_column splits forward in time. Splits that do both are not "
            "supported."
        )
    n_rows = _num_samples(X)
    if groups is not None:
        labels = np.asarray(groups)
        if labels.ndim != 1 or labels.shape[0] != n_rows:
            length = labels.shape[0] if labels.ndim == 1 else f"shape {labels.shape}"
            raise ValueError(
                f"groups has {length} entries but X has {n_rows} rows; give "
                "one group label per row of X (a 1-D array)."
            )
        _check_groups(labels, "groups", settings)
        return X, RowStructure(groups=labels, group_name="groups"), None
    if group_column is not None:
        values, X = _take_column(X, group_column, "group_column")
        _check_groups(values, group_column, settings)
        return X, RowStructure(groups=values, group_name=group_column), None
    if time_column is not None:
        values, X = _take_column(X, time_column, "time_column")
        order = np.argsort(_time_values(values, time_column), kind="stable")
        rows = RowStructure(time_column=time_column, gap=settings["time_gap"])
        return X, rows, order
    warn_possible_groups(X)
    return X, RowStructure(), None


def in_time_order(X, y, sample_weight, order):
    """``X``, ``y`` and ``sample_weight`` with their rows in ``order``.

    Unchanged when ``order`` is None (no time column).
    """
    if order is None:
        return X, y, sample_weight
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)[order]
    return _safe_indexing(X, order), _safe_indexing(y, order), sample_weight


def drop_row_columns(X, settings):
    """``X`` without the group and time columns, where it has them.

    ``predict`` takes tables that still hold them (an ID, a date).
    """
    names = [settings.get(key) for key in ("group_column", "time_column")]
    present = [name for name in names if name is not None and _has_column(X, name)]
    if not present:
        return X
    import narwhals as nw

    return nw.from_native(X, eager_only=True).drop(present).to_native()


def _has_column(X, name):
    return is_dataframe(X) and name in [str(column) for column in X.columns]


def _take_column(X, name, key):
    if not is_dataframe(X):
        hint = "fit(X, y, groups=...)" if key == "group_column" else "sort the rows"
        raise ValueError(
            f"{key}={name!r} names a column, but X is a {type(X).__name__}, which "
            f"has no column names. Pass X as a pandas or polars DataFrame, or "
            f"{hint}."
        )
    columns = [str(column) for column in X.columns]
    if name not in columns:
        raise ValueError(
            f"{key}={name!r} is not a column of X.{did_you_mean(name, columns)} "
            f"Columns: {', '.join(columns)}."
        )
    import narwhals as nw

    frame = nw.from_native(X, eager_only=True)
    column = frame.get_column(name)
    missing = column.null_count()
    if not missing and column.dtype.is_float():
        missing = int(column.is_nan().sum())
    if missing == len(column):
        raise ValueError(
            f"{key} column {name!r} holds no values (every row is missing). "
            "Name the column that holds them."
        )
    if missing:
        raise ValueError(
            f"{key} column {name!r} is missing in {missing} of {len(column)} "
            "rows; every row needs one. Fill them or drop those rows first."
        )
    return column.to_numpy(), frame.drop(name).to_native()


def _check_groups(labels, name, settings):
    import pandas as pd

    if pd.isna(labels).any():
        raise ValueError(
            f"groups ({name!r}) has {int(pd.isna(labels).sum())} missing label(s); "
            "every row needs a group. Fill them or drop those rows first."
        )
    n_groups = np.unique(labels.astype(str)).shape[0]
    n_folds = settings["cv_folds"]
    needed = max(n_folds if n_folds > 1 else 0, 2 if settings["test_size"] else 0)
    if n_groups < needed:
        raise ValueError(
            f"groups ({name!r}) has {n_groups} distinct group(s), fewer than the "
            f"{needed} that cv_folds={n_folds} and test_size={settings['test_size']}"
            " need (each fold and the hold-out hold whole groups). Lower cv_folds "
            f"to at most {n_groups}, or check that {name!r} names entities."
        )


def _time_values(values, name):
    """Sortable values of a time column: numbers, dates, or text of either."""
    import pandas as pd

    series = pd.Series(values)
    if series.dtype.kind in "iufmM":
        return series.to_numpy()
    for parse in (
        lambda s: pd.to_datetime(s, format="mixed"),
        lambda s: pd.to_numeric(s),
    ):
        try:
            return parse(series).to_numpy()
        except (TypeError, ValueError, OverflowError):
            continue
    raise ValueError(
        f"time_column {name!r} holds values such as {series.iloc[0]!r} that are "
        "neither dates nor numbers, so the rows cannot be put in time order. Name "
        "a column of dates (e.g. 2024-01-31) or numbers (e.g. a year)."
    )


def warn_possible_groups(X):
    """Say once if a column looks like the ID of entities with several rows.

    A column of whole numbers or strings with at least 20 distinct values,
    each repeated, whose equal values sit in one block of rows (a file sorted
    by person, shop, patient) is the sign of a panel.
    """
    if not is_dataframe(X):
        return
    import narwhals as nw

    frame = nw.from_native(X, eager_only=True)
    n_rows = len(frame)
    for name in frame.columns:
        column = frame.get_column(name)
        dtype = column.dtype
        if not (dtype.is_integer() or dtype in (nw.String, nw.Categorical)):
            continue
        values = column.to_numpy()
        n_values = column.n_unique()
        if not 20 <= n_values <= n_rows // 2:
            continue
        runs = 1 + int(np.count_nonzero(values[1:] != values[:-1]))
        if runs == n_values:
            warnings.warn(
                f"Column {name!r} repeats {n_values} values in blocks of rows "
                f"({n_rows / n_values:.1f} rows each on average): the rows may "
                "belong to the same entity. Shuffled splits then put one entity on "
                "both sides, and the scores measure memory of entities, not "
                f"prediction for new ones. If so, pass --group {name} (config: "
                f"group_column: {name}; Python: fit(X, y, groups=...)).",
                EasyMLOpsWarning,
                stacklevel=4,
            )
            return


def warn_unordered_dates(column_treatment):
    """Say once if a date column was used while the split was shuffled."""
    dates = [
        name for name, kind in (column_treatment or {}).items() if kind == "datetime"
    ]
    if dates:
        warnings.warn(
            f"Column {dates[0]!r} holds dates, but the rows were split at random: "
            "the scores assume the rows are exchangeable, which a model used on "
            "later dates is not. To score forecasts of later rows, pass --time "
            f"{dates[0]} (config: time_column: {dates[0]}).",
            EasyMLOpsWarning,
            stacklevel=4,
        )
