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
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "RowStructure",
    "SplitPlan",
    "cv_indices",
    "cv_splitter",
    "feasible_folds",
    "holdout_impossible",
    "holdout_indices",
    "plan_splits",
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
    description : str
        How the hold-out rows are chosen, for the training record.
    """
    n_samples = y.shape[0]
    if rows.kind == "time-ordered":
        n_test = math.ceil(test_size * n_samples)
        n_train = n_samples - n_test - rows.gap
        description = f"the latest {n_test} rows by {rows.time_column!r}" + (
            f" after a gap of {rows.gap} rows" if rows.gap else ""
        )
        if n_test < 2 or n_train < 2:
            note = (
                f"Hold-out skipped: the latest test_size={test_size} of "
                f"{n_samples} time-ordered rows leaves {n_test} test and "
                f"{max(n_train, 0)} training row(s); each part needs at least 2."
            )
            return None, None, note, description
        test = np.arange(n_samples - n_test, n_samples)
        return np.arange(n_train), test, None, description
    if rows.kind == "grouped":
        from sklearn.model_selection import GroupShuffleSplit

        splitter = GroupShuffleSplit(
            n_splits=1, test_size=test_size, random_state=random_state
        )
        train, test = next(splitter.split(np.zeros((n_samples, 1)), y, rows.groups))
        description = f"{test_size:.0%} of the groups of {rows.group_name!r}"
        return train, test, None, description
    note = holdout_impossible(y, test_size, problem_type)
    stratified = problem_type == "classification"
    description = f"shuffled{', stratified' if stratified else ''}"
    if note is not None:
        return None, None, note, description
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(n_samples),
        test_size=test_size,
        shuffle=True,
        stratify=y if stratified else None,
        random_state=random_state,
    )
    return train, test, None, description


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
        # check_row_structure refused fewer groups than folds before any fit.
        if problem_type == "classification":
            splitter = StratifiedGroupKFold(
                n_folds, shuffle=True, random_state=random_state
            )
        else:
            splitter = GroupKFold(n_folds, shuffle=True, random_state=random_state)
        return splitter, None
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


def _reduced(n_folds, limit, why):
    if limit >= n_folds:
        return n_folds, None
    if limit < 2:
        return 0, f"Cross-validation skipped: cv_folds={n_folds} but {why} are too few."
    return limit, (
        f"Cross-validation reduced from {n_folds} to {limit} folds: {why} allow "
        f"{limit} forward-chaining folds."
    )


class SplitPlan(NamedTuple):
    """Every split of one run, chosen before any fit.

    ``holdout`` is a ``(train, test)`` pair of row indices or None; ``folds``
    the cross-validation's pairs; the notes say what was skipped or reduced
    and why; ``description`` records how the rows were split.
    """

    holdout: Any
    folds: list
    holdout_note: str | None
    cv_note: str | None
    description: dict


def plan_splits(y, config, *, problem_type, rows, folds=True):
    """The hold-out and the folds of a run, with a SmallDataWarning per note.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        The target, rows in the order of ``X`` (time-ordered rows sorted).
    config : mapping
        The resolved settings: ``test_size``, ``cv_folds``, ``random_state``.
    problem_type : {"classification", "regression"}
    rows : RowStructure
    folds : bool, default=True
        Whether to plan the cross-validation (False when the backend runs
        its own).

    Returns
    -------
    plan : SplitPlan
    """
    import warnings

    from .exceptions import SmallDataWarning

    seed = config["random_state"]
    holdout, holdout_note, holdout_how = None, None, "none (test_size=0)"
    if config["test_size"]:
        train, test, holdout_note, holdout_how = holdout_indices(
            y,
            test_size=config["test_size"],
            problem_type=problem_type,
            random_state=seed,
            rows=rows,
        )
        if holdout_note is None:
            holdout = (train, test)
        else:
            holdout_how = "skipped"
    splitter, cv_note = (None, None)
    if folds:
        splitter, cv_note = cv_splitter(
            y,
            n_folds=config["cv_folds"],
            problem_type=problem_type,
            random_state=seed,
            rows=rows,
        )
    for note in (holdout_note, cv_note):
        if note is not None:
            warnings.warn(note, SmallDataWarning, stacklevel=3)
    description = {
        "rows": rows.kind,
        "holdout": holdout_how,
        "cv": _describe_splitter(splitter),
        "group_column": rows.group_name,
        "time_column": rows.time_column,
    }
    return SplitPlan(
        holdout, cv_indices(splitter, y, rows), holdout_note, cv_note, description
    )


def _describe_splitter(splitter):
    return "none" if splitter is None else repr(splitter)
