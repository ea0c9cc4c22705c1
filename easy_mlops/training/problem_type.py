"""Decide whether a target asks for classification or regression."""

# License: BSD 3 clause

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

__all__ = ["PROBLEM_TYPES", "ProblemTypeDecision", "infer_problem_type"]

PROBLEM_TYPES = ("classification", "regression")

# The integer rule (see infer_problem_type and docs/user_guide.md).
# Up to this many distinct values a target is classification whatever they are.
_FEW_VALUES = 10
# A value is thin when it holds fewer rows than this, or less than one row in
# this many: too few to stratify on, or the sparse tail of a count.
_THIN_ROWS = 5
_THIN_ONE_IN = 100
# Label codes stay classification while at most a quarter of them is thin;
# beyond that their support thins out into tails, as counts do.  Shares are
# kept as fractions so that the boundaries are exact.
_THIN_CODES_SHARE = Fraction(1, 4)
# Close calls: a classification with more classes than this, and a regression
# with at most this many distinct values or, for label codes, at most this
# share of them thin.
_MANY_CLASSES = 30
_FEW_FOR_REGRESSION = 2 * _FEW_VALUES
_THIN_CODES_CLOSE_SHARE = Fraction(1, 2)


@dataclass(frozen=True)
class ProblemTypeDecision:
    """The outcome of :func:`infer_problem_type`.

    Attributes
    ----------
    problem_type : {"classification", "regression"}
        The chosen problem type.
    reason : str
        One sentence saying why, for humans and for the training record.
        For a close call it ends with what made it close.
    close_call : bool
        Whether the values leave the choice in doubt (a ``ProblemTypeWarning``
        is raised when training with ``problem_type="auto"``).
    """

    problem_type: str
    reason: str
    close_call: bool = False


def infer_problem_type(y, *, test_size=None, cv_folds=None):
    """Infer the problem type of a target.

    The rules, applied in order:

    1. boolean, string, object and categorical targets are classification;
    2. any non-integer (or non-finite) number makes it regression;
    3. exactly two distinct values is classification;
    4. an integer-valued target with ``k`` distinct values is classification
       when ``k <= 10``, or when its values are label codes (``0..k-1`` or
       ``1..k``) and at most a quarter of them are *thin*; it is regression
       otherwise.  A value is thin when it holds fewer than 5 rows or less
       than 1% of them.

    A rule-4 decision is a close call when the values leave it in doubt:

    * a classification is clear only for the codes ``0..k-1`` of at most 30
      classes, none thin, each with enough rows for the stratified hold-out
      (``test_size``) and folds (``cv_folds``) when those are given;
    * a regression is a close call with at most 20 distinct values, or for
      label codes of which at most half are thin.

    Label encoders (scikit-learn's ``LabelEncoder``, ``pandas.factorize``)
    number classes ``0..k-1``, so only those codes count as clearly labels; a
    range ``1..k`` is as often a rating or a count.  Counts, ages and years
    either start elsewhere, leave gaps, or thin out into tails.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target.
    test_size : float, default=None
        The hold-out share that will be requested; a classification whose
        classes cannot all be stratified into it is a close call.  None or 0:
        no hold-out.
    cv_folds : int, default=None
        The number of folds that will be requested; a classification whose
        smallest class has fewer rows is a close call.  None, 0 or 1: no
        cross-validation.

    Returns
    -------
    decision : ProblemTypeDecision
        The problem type, the reason and whether it was a close call.  The
        decision depends on the values and their counts only, never on the
        order of the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.problem_type import infer_problem_type
    >>> infer_problem_type(["cat", "dog", "cat"]).problem_type
    'classification'
    >>> infer_problem_type([0.5, 1.25, 3.0, 2.0]).reason
    'the target holds non-integer numbers'
    >>> years = np.random.default_rng(0).integers(1990, 2021, size=3000)
    >>> infer_problem_type(years).problem_type
    'regression'
    >>> digits = np.arange(1800) % 10
    >>> decision = infer_problem_type(digits)
    >>> decision.problem_type, decision.close_call
    ('classification', False)
    >>> ratings = np.arange(500) % 5 + 1
    >>> infer_problem_type(ratings).close_call
    True
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
    uniques, counts = np.unique(y, return_counts=True)
    # Non-integer numbers first: scikit-learn's classifiers refuse them as
    # labels, even when there are only two.
    if y.dtype.kind == "f" and not (
        np.all(np.isfinite(uniques)) and np.all(np.mod(uniques, 1) == 0)
    ):
        return ProblemTypeDecision("regression", "the target holds non-integer numbers")
    if uniques.shape[0] == 2:
        return ProblemTypeDecision(
            "classification", "the target has exactly two distinct values"
        )
    return _integer_rule(uniques, counts, test_size, cv_folds)


def _integer_rule(uniques, counts, test_size, cv_folds):
    """Rule 4 on the sorted distinct values and their counts."""
    n_samples = int(counts.sum())
    k = int(uniques.shape[0])
    low, high = int(uniques[0]), int(uniques[-1])
    contiguous = high - low + 1 == k
    zero_codes = contiguous and low == 0
    codes = contiguous and low in (0, 1)
    n_thin = int(np.sum((counts < _THIN_ROWS) | (counts * _THIN_ONE_IN < n_samples)))
    if zero_codes:
        values = f"the codes 0 to {high}"
    elif codes:
        values = f"the range 1 to {high}"
    else:
        values = f"from {low} to {high}" + ("" if contiguous else " with gaps")
    thin = f"{n_thin} thin" if n_thin else "none thin"
    summary = f"{k} distinct integer values ({values}) in {n_samples} rows, {thin}"
    doubts = []
    if k <= _FEW_VALUES or (codes and n_thin <= _THIN_CODES_SHARE * k):
        problem_type = "classification"
        verdict = (
            f"at most {_FEW_VALUES} distinct values are classification"
            if k <= _FEW_VALUES
            else "label codes with at most a quarter thin are classification"
        )
        if not zero_codes:
            doubts.append("values other than the codes 0..k-1 may be a quantity")
        if n_thin:
            doubts.append(f"{n_thin} thin class(es)")
        if k > _MANY_CLASSES:
            doubts.append(f"more than {_MANY_CLASSES} classes")
        doubts.extend(_stratification_doubts(counts, test_size, cv_folds))
    else:
        problem_type = "regression"
        verdict = (
            "label codes more than a quarter thin look like counts, so regression"
            if codes
            else f"more than {_FEW_VALUES} values other than label codes are regression"
        )
        if k <= _FEW_FOR_REGRESSION:
            doubts.append(f"only {k} distinct values")
        if codes and n_thin <= _THIN_CODES_CLOSE_SHARE * k:
            doubts.append("label codes with at most half thin")
    reason = f"{summary}: {verdict}"
    if doubts:
        reason += f" (close call: {'; '.join(doubts)})"
    return ProblemTypeDecision(problem_type, reason, bool(doubts))


def _stratification_doubts(counts, test_size, cv_folds):
    """Why the classes cannot all be stratified into the requested splits."""
    doubts = []
    n_samples = int(counts.sum())
    k = counts.shape[0]
    smallest = int(counts.min())
    if test_size:
        n_test = math.ceil(test_size * n_samples)
        if smallest < 2 or n_test < k or n_samples - n_test < k:
            doubts.append(
                f"a stratified test_size={test_size} hold-out of {n_samples} rows "
                f"cannot hold all {k} classes (smallest: {smallest} row(s))"
            )
    if cv_folds and smallest < cv_folds:
        doubts.append(
            f"the smallest class has {smallest} row(s), fewer than cv_folds={cv_folds}"
        )
    return doubts
