"""Decide whether a target asks for classification or regression."""

# License: BSD 3 clause

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PROBLEM_TYPES", "ProblemTypeDecision", "infer_problem_type"]

PROBLEM_TYPES = ("classification", "regression")

# Integer-valued targets are classification when the distinct values are few
# relative to the number of rows: at most 10% of the rows up to 1,000 rows,
# 5% above, and never more than 1,000 classes (the rule AutoGluon uses).
_SMALL_N = 1000
_RATIO_SMALL_N = 0.10
_RATIO_LARGE_N = 0.05
_MAX_CLASSES = 1000
# A ratio within this factor of the threshold is reported as a close call.
_CLOSE_FACTOR = 2.0


@dataclass(frozen=True)
class ProblemTypeDecision:
    """The outcome of :func:`infer_problem_type`.

    Attributes
    ----------
    problem_type : {"classification", "regression"}
        The chosen problem type.
    reason : str
        One sentence saying why, for humans and for the training record.
    close_call : bool
        Whether a small change in the data could have flipped the decision.
    """

    problem_type: str
    reason: str
    close_call: bool = False


def infer_problem_type(y):
    """Infer the problem type of a target.

    The rules, applied in order:

    1. boolean, string, object and categorical targets are classification;
    2. any non-integer number makes it regression;
    3. exactly two distinct values is classification;
    4. integer-valued targets are classification when the number of distinct
       values is at most 10% of the rows (5% above 1,000 rows) and at most
       1,000, regression otherwise.

    A decision under rule 4 whose ratio lies within a factor of two of the
    threshold is flagged as a close call.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target.

    Returns
    -------
    decision : ProblemTypeDecision
        The problem type, the reason and whether it was a close call.

    Examples
    --------
    >>> from easy_mlops.training.problem_type import infer_problem_type
    >>> infer_problem_type(["cat", "dog", "cat"]).problem_type
    'classification'
    >>> infer_problem_type([0.5, 1.25, 3.0, 2.0]).reason
    'the target holds non-integer numbers'
    """
    if isinstance(y, (pd.Series, pd.Categorical)) and isinstance(
        y.dtype, pd.CategoricalDtype
    ):
        return ProblemTypeDecision("classification", "the target is categorical")
    y = np.asarray(y)
    if y.dtype.kind == "b":
        return ProblemTypeDecision("classification", "the target is boolean")
    if y.dtype.kind not in "iuf":
        return ProblemTypeDecision(
            "classification", "the target holds labels (strings or objects)"
        )
    n_samples = y.shape[0]
    uniques = np.unique(y)
    n_unique = uniques.shape[0]
    # Non-integer numbers first: scikit-learn's classifiers refuse them as
    # labels, even when there are only two.
    if y.dtype.kind == "f" and not np.all(
        np.mod(uniques[np.isfinite(uniques)], 1) == 0
    ):
        return ProblemTypeDecision("regression", "the target holds non-integer numbers")
    if n_unique == 2:
        return ProblemTypeDecision(
            "classification", "the target has exactly two distinct values"
        )
    threshold = _RATIO_SMALL_N if n_samples <= _SMALL_N else _RATIO_LARGE_N
    ratio = n_unique / max(n_samples, 1)
    detail = (
        f"{n_unique} distinct integer values in {n_samples} rows "
        f"({ratio:.1%}; classification needs at most {threshold:.0%} "
        f"and at most {_MAX_CLASSES} classes)"
    )
    close_call = threshold / _CLOSE_FACTOR <= ratio <= threshold * _CLOSE_FACTOR
    if ratio <= threshold and n_unique <= _MAX_CLASSES:
        return ProblemTypeDecision("classification", detail, close_call)
    return ProblemTypeDecision("regression", detail, close_call)
