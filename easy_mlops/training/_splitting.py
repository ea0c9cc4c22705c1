"""How the rows are split: the hold-out and the cross-validation folds.

Rows are shuffled (and stratified for classification) unless they are known
to be related: rows of one entity (``groups``) stay on one side of every
split, and time-ordered rows are split forward in time (the hold-out is the
latest rows, the folds chain forward as ``TimeSeriesSplit``'s do).

Small data is not an error: a hold-out that cannot hold every class, or more
folds than the smallest class has rows, is skipped or reduced, and the note
these functions return says why.
"""

# License: BSD 3 clause

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "RowStructure",
    "cv_indices",
    "cv_splitter",
    "feasible_folds",
    "holdout_impossible",
    "holdout_indices",
    "SPLITTERS",
    "describe_split",
]


def holdout_impossible(y, test_size, problem_type):
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


def feasible_folds(y, n_folds, problem_type):
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


@dataclass(frozen=True)
class RowStructure:
    """How the rows relate to each other, which decides how they may be split.

    Parameters
    ----------
    groups : ndarray of shape (n_samples,) or None, default=None
        The entity each row belongs to: a hold-out or fold never puts one
        entity on both sides.
    group_name : str or None, default=None
        Where ``groups`` came from (a column name, or ``"groups"``), for
        messages and the training record.
    time_column : str or None, default=None
        The column the rows were sorted by: the hold-out is the latest rows
        and the folds chain forward in time.
    gap : int, default=0
        Rows left out between each training part and the test part after it,
        when the rows are in time order.
    """

    groups: Any = None
    group_name: str | None = None
    time_column: str | None = None
    gap: int = 0

    @property
    def kind(self):
        """``"grouped"``, ``"time-ordered"`` or ``"shuffled"``."""
        if self.groups is not None:
            return "grouped"
        return "time-ordered" if self.time_column is not None else "shuffled"


def holdout_indices(y, *, test_size, problem_type, random_state, rows):
    """The hold-out's training and test rows, or why there is none.

    Returns
    -------
    train, test : ndarray of int or None
        Row indices; both None when the hold-out is skipped.
    note : str or None
        Why the hold-out was skipped.
    """
    n_samples = y.shape[0]
    if rows.kind == "time-ordered":
        n_test = math.ceil(test_size * n_samples)
        n_train = n_samples - n_test - rows.gap
        if n_test < 2 or n_train < 2:
            note = (
                f"Hold-out skipped: the latest test_size={test_size} of "
                f"{n_samples} time-ordered rows leaves {n_test} test and "
                f"{max(n_train, 0)} training row(s); each part needs at least 2."
            )
            return None, None, note
        test = np.arange(n_samples - n_test, n_samples)
        return np.arange(n_train), test, None
    if rows.kind == "grouped":
        from sklearn.model_selection import GroupShuffleSplit

        splitter = GroupShuffleSplit(
            n_splits=1, test_size=test_size, random_state=random_state
        )
        train, test = next(splitter.split(np.zeros((n_samples, 1)), y, rows.groups))
        return train, test, None
    note = holdout_impossible(y, test_size, problem_type)
    stratified = problem_type == "classification"
    if note is not None:
        return None, None, note
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(n_samples),
        test_size=test_size,
        shuffle=True,
        stratify=y if stratified else None,
        random_state=random_state,
    )
    return train, test, None


def cv_splitter(y, *, n_folds, problem_type, random_state, rows):
    """The scikit-learn splitter of the cross-validation, and a note.

    The number of folds is reduced when the data is too small (the note says
    why); the splitter is None when cross-validation is off or impossible.
    Groups go to the splitter's ``split`` as ``groups``.
    """
    from sklearn.model_selection import (
        GroupKFold,
        KFold,
        StratifiedGroupKFold,
        StratifiedKFold,
        TimeSeriesSplit,
    )

    if n_folds <= 1:
        return None, None
    if rows.kind == "time-ordered":
        # TimeSeriesSplit needs n_splits + 1 blocks of rows, plus the gaps.
        limit = (y.shape[0] - rows.gap * n_folds) // 2 - 1
        n_splits, note = _reduced(n_folds, limit, f"{y.shape[0]} time-ordered rows")
        if n_splits < 2:
            return None, note
        return TimeSeriesSplit(n_splits, gap=rows.gap), note
    if rows.kind == "grouped":
        # check_row_structure refused fewer groups than folds in the data; a
        # comparison's folds split the hold-out's training rows, which may
        # hold fewer.
        n_groups = np.unique(rows.groups).shape[0]
        n_folds, note = _reduced(
            n_folds, n_groups, f"{n_groups} groups", "folds that keep each group whole"
        )
        if n_folds < 2:
            return None, note
        if problem_type == "classification":
            splitter = StratifiedGroupKFold(
                n_folds, shuffle=True, random_state=random_state
            )
        else:
            splitter = GroupKFold(n_folds, shuffle=True, random_state=random_state)
        return splitter, note
    n_splits, note = feasible_folds(y, n_folds, problem_type)
    if n_splits < 2:
        return None, note
    cv_class = StratifiedKFold if problem_type == "classification" else KFold
    return cv_class(n_splits, shuffle=True, random_state=random_state), note


def cv_indices(splitter, y, rows):
    """The ``(train, test)`` index pairs of a splitter from :func:`cv_splitter`."""
    if splitter is None:
        return []
    return list(splitter.split(np.zeros((y.shape[0], 1)), y, rows.groups))


def _reduced(n_folds, limit, why, folds="forward-chaining folds"):
    if limit >= n_folds:
        return n_folds, None
    if limit < 2:
        return 0, f"Cross-validation skipped: cv_folds={n_folds} but {why} are too few."
    return limit, (
        f"Cross-validation reduced from {n_folds} to {limit} folds: {why} allow "
        f"{limit} {folds}."
    )


#: The splitters of each kind of rows: (hold-out, folds), each as
#: (classification, regression).
SPLITTERS = {
    "shuffled": (
        ("StratifiedShuffleSplit", "ShuffleSplit"),
        ("StratifiedKFold", "KFold"),
    ),
    "grouped": (
        ("GroupShuffleSplit", "GroupShuffleSplit"),
        ("StratifiedGroupKFold", "GroupKFold"),
    ),
    "time-ordered": (
        ("the latest rows", "the latest rows"),
        ("TimeSeriesSplit", "TimeSeriesSplit"),
    ),
}


def describe_split(rows, *, problem_type, n_test, n_folds, inside_holdout=False):
    """How a run's rows were split, for the training record.

    ``inside_holdout`` says that the folds split the hold-out's training rows
    only (a comparison's folds), not every row.

    Examples
    --------
    >>> from easy_mlops.training._splitting import RowStructure, describe_split
    >>> describe_split(RowStructure(time_column="month"), problem_type="regression",
    ...                n_test=12, n_folds=5)["cv"]
    'TimeSeriesSplit, 5 folds'
    """
    which = int(problem_type != "classification")
    holdout, folds = (names[which] for names in SPLITTERS[rows.kind])
    return {
        "rows": rows.kind,
        "group_column": rows.group_name,
        "time_column": rows.time_column,
        "gap": rows.gap,
        "holdout": f"{holdout}, {n_test} rows" if n_test else "none",
        "cv": (
            f"{folds}, {n_folds} folds"
            + (" of the hold-out's training rows" if inside_holdout else "")
            if n_folds
            else "none"
        ),
    }
