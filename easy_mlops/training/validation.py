"""Checks of the target and the sample weights, before any work.

scikit-learn accepts some inputs that make no sense for training (negative
or all-zero weights) and fails deep inside NumPy on others (``None`` among
string labels, labels of mixed types).  These checks refuse them first, with
a message that says what was wrong and what to do.
"""

# License: BSD 3 clause

from numbers import Number

import numpy as np
import pandas as pd

from .._sklearn_compat import _check_sample_weight

__all__ = ["check_sample_weight", "check_target_values"]

#: Rows a fit needs at least: a one-row target is neither a class nor a spread.
MIN_FIT_ROWS = 2
# pandas.api.types.infer_dtype answers that hold labels of one kind only.
_ONE_KIND = {
    "boolean",
    "bytes",
    "decimal",
    "empty",
    "floating",
    "integer",
    "mixed-integer-float",
    "string",
}


def check_sample_weight(sample_weight, y):
    """Validate sample weights: one finite, non-negative number per row.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        The weights given to ``fit``.
    y : ndarray of shape (n_samples,)
        The validated target (for the number of rows).

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        The weights as floats.

    Raises
    ------
    TypeError
        If the weights are a string (such as ``"balanced"``) or not numbers.
    ValueError
        If the number of weights is not the number of rows, or a weight is
        NaN, infinite or negative, or every weight is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.validation import check_sample_weight
    >>> check_sample_weight([1, 2, 0], np.array([0, 1, 1]))
    array([1., 2., 0.])
    >>> check_sample_weight([1, -2, 0], np.array([0, 1, 1]))
    Traceback (most recent call last):
    ...
    ValueError: sample_weight holds 1 negative value(s) (first at row 1: -2.0)...
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, (str, bytes)):
        raise TypeError(
            f"sample_weight must be one number per row; got the string "
            f"{sample_weight!r}. For weights that balance the classes, compute "
            "them with sklearn.utils.class_weight.compute_sample_weight("
            "'balanced', y), or set the estimator's class_weight in model_params."
        )
    values = np.asarray(sample_weight)
    if values.dtype.kind not in "biuf":
        raise TypeError(
            "sample_weight must be one number per row; got values of dtype "
            f"{values.dtype} (such as {values.ravel()[:1].tolist()}). Convert "
            "them to numbers first."
        )
    # Checked before scikit-learn's own checks, whose messages say neither
    # where the bad value is nor what to do.
    weights = np.atleast_1d(values.astype(np.float64)).ravel()
    for problem, bad in (
        ("NaN", np.isnan(weights)),
        ("infinite", np.isinf(weights)),
        ("negative", weights < 0),
    ):
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"sample_weight holds {int(bad.sum())} {problem} value(s) (first "
                f"at row {first}: {weights[first].item()!r}); every weight must be a "
                "finite number >= 0. Fix or drop those rows."
            )
    if not weights.any():
        raise ValueError(
            "sample_weight is zero for every row, so no row would count; give "
            "the rows to train on a positive weight."
        )
    return _check_sample_weight(values, y, dtype=np.float64)


def check_target_values(y, *, min_rows=MIN_FIT_ROWS, purpose="train a model"):
    """Refuse a target NumPy cannot sort, or one too short to learn from.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target.
    min_rows : int, default=2
        The fewest rows accepted.
    purpose : str, default="train a model"
        What the rows are needed for, in the message.

    Raises
    ------
    ValueError
        If ``y`` has fewer than ``min_rows`` rows, holds missing values
        (``None``, NaN) among labels, or mixes labels of different kinds
        (numbers and strings).

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.validation import check_target_values
    >>> check_target_values(["a", "b", None])
    Traceback (most recent call last):
    ...
    ValueError: y holds 1 missing value(s) (None or NaN; first at row 2)...
    >>> check_target_values(np.array([1, "a", 2], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y mixes labels of different kinds: numbers and strings...
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    n_rows = y.shape[0] if y.ndim else 1
    if n_rows < min_rows:
        raise ValueError(
            f"y has {n_rows} sample(s); at least {min_rows} are needed to "
            f"{purpose}. Pass more rows."
        )
    # Other shapes are left to scikit-learn's own checks.
    if y.ndim != 1 or y.dtype.kind != "O":
        return
    missing = pd.isna(y)
    if missing.any():
        raise ValueError(
            f"y holds {int(missing.sum())} missing value(s) (None or NaN; first at "
            f"row {int(np.flatnonzero(missing)[0])}). A target needs a value in "
            "every row: drop those rows or fill them."
        )
    # pandas infers the kinds in C; the loop below runs only on a mix.
    if pd.api.types.infer_dtype(y, skipna=False) in _ONE_KIND:
        return
    kinds = {_kind(value) for value in y}
    if len(kinds) > 1:
        examples = {}
        for value in y:
            examples.setdefault(_kind(value), value)
        shown = ", ".join(f"{examples[kind]!r}" for kind in sorted(kinds))
        raise ValueError(
            f"y mixes labels of different kinds: {' and '.join(sorted(kinds))} "
            f"(e.g. {shown}). Give every label the same kind, e.g. y.astype(str) "
            "for labels, or numbers only for a regression."
        )


def _kind(value):
    if isinstance(value, (str, bytes)):
        return "strings"
    if isinstance(value, (Number, np.number, np.bool_)):
        return "numbers"
    return type(value).__name__
