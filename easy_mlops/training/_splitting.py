"""How much hold-out and how many folds a target allows.

Small data is not an error: a hold-out that cannot hold every class, or more
folds than the smallest class has rows, is skipped or reduced, and the note
these functions return says why.
"""

# License: BSD 3 clause

import math

import numpy as np

__all__ = ["feasible_folds", "holdout_impossible"]


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
