"""Preprocessing of raw tables in front of the model, with skrub.

The ``preprocessing`` setting decides what stands between the raw ``X`` a user
gives and the estimator a backend builds:

- ``"auto"`` (the default): a dataframe with any column the model cannot take
  as it is — strings, categories, booleans, dates, or numbers with missing
  values for a model without NaN support — is vectorized by
  :func:`skrub.tabular_pipeline`, which picks the encoders that suit the
  estimator.  Anything else (a numeric array, an all-numeric dataframe the
  model can take) goes to the model unchanged.
- ``"none"``: never; the model gets ``X`` as it is.
- a scikit-learn transformer: cloned and put in front of the estimator.

Every fit (the hold-out model, each cross-validation fold and the refit)
builds and fits its own pipeline, so nothing is learnt from the rows it is
scored on.  What each raw column became is read from the fitted
:class:`skrub.TableVectorizer` of the final model (:func:`column_treatment`).
"""

# License: BSD 3 clause

import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PREPROCESSING_OPTIONS",
    "Preprocessing",
    "column_treatment",
    "restore_preprocessing",
    "is_dataframe",
    "resolve_preprocessing",
]

#: The string values of the ``preprocessing`` setting.
PREPROCESSING_OPTIONS = ("auto", "none")

#: How skrub's column kinds are reported.
_KIND_NAMES = {
    "numeric": "numeric",
    "datetime": "datetime",
    "low_cardinality": "categorical",
    "high_cardinality": "text",
    "specific": "custom",
}
_KIND_REASONS = {
    "numeric": "numbers",
    "datetime": "dates or times (parsed from text where needed), split into parts",
    "low_cardinality": "at most {threshold} distinct values: encoded as categories",
    "high_cardinality": "over {threshold} distinct strings: text embedding",
    "specific": "a transformer chosen for this column",
}


def is_dataframe(X):
    """Whether ``X`` is a pandas or polars DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from easy_mlops.training.preprocessing import is_dataframe
    >>> is_dataframe(pd.DataFrame({"a": [1]})), is_dataframe([[1]])
    (True, False)
    """
    module = type(X).__module__.partition(".")[0]
    return type(X).__name__ == "DataFrame" and module in ("pandas", "polars")


@dataclass(frozen=True)
class Preprocessing:
    """What a fit puts in front of the estimator.

    Parameters
    ----------
    kind : {"skrub", "transformer"}
        ``"skrub"``: :func:`skrub.tabular_pipeline` for the estimator;
        ``"transformer"``: a clone of ``transformer``.
    transformer : transformer instance or None, default=None
        The user's transformer, for ``kind="transformer"``.
    reason : str, default=""
        Why preprocessing runs, for the training record.
    """

    kind: str
    transformer: object = None
    reason: str = ""

    def wrap(self, estimator, random_state=None):
        """A new, unfitted pipeline of the preprocessing and ``estimator``.

        ``estimator`` may be wrapped (e.g. to encode labels); the skrub
        vectorizer is chosen for the estimator inside, as skrub would for it.
        Every ``random_state`` of the preprocessing steps left at None (e.g.
        the text embedding's) is set to ``random_state``, so that fits repeat.
        """
        from sklearn.base import clone
        from sklearn.pipeline import Pipeline, make_pipeline
        from sklearn.preprocessing import OrdinalEncoder

        from .label_encoding import unwrap

        if self.kind == "transformer":
            pipeline = make_pipeline(clone(self.transformer), estimator)
        else:
            from skrub import tabular_pipeline

            skrub_pipeline = tabular_pipeline(unwrap(estimator))
            *steps, (last, _) = skrub_pipeline.steps
            if isinstance(
                getattr(steps[-1][1], "low_cardinality", None), OrdinalEncoder
            ):
                steps.append(("writablearray", _writable_array()))
            pipeline = Pipeline([*steps, (last, estimator)])
        if random_state is not None:
            last = pipeline.steps[-1][0]
            seeds = {
                name: random_state
                for name, value in pipeline.get_params().items()
                if name.endswith("random_state")
                and not name.startswith(f"{last}__")
                and value is None
            }
            pipeline.set_params(**seeds)
        return pipeline


def _writable_array():
    """A step that hands the model a writable NumPy array.

    A one-block dataframe of float columns (e.g. only ordinal-encoded
    categories) turns into a read-only array under pandas' copy-on-write, and
    scikit-learn's tree models fail on read-only input with missing values.
    """
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(np.array, feature_names_out="one-to-one")


def resolve_preprocessing(setting, X, *, accepts_raw_input, allow_nan):
    """Decide what preprocessing, if any, a fit on ``X`` runs.

    Parameters
    ----------
    setting : {"auto", "none"} or transformer instance
        The resolved ``preprocessing`` setting.
    X : array-like
        The training data as given.
    accepts_raw_input : bool
        Whether the backend takes ``X`` as given (the callable family): then
        only an explicit transformer applies.
    allow_nan : bool
        Whether the models the backend builds take missing values.

    Returns
    -------
    preprocessing : Preprocessing or None
        None when the model gets ``X`` as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> from easy_mlops.training.preprocessing import resolve_preprocessing
    >>> X = pd.DataFrame({"size": [1.0, 2.0], "city": ["Paris", "Lyon"]})
    >>> decision = resolve_preprocessing(
    ...     "auto", X, accepts_raw_input=False, allow_nan=False
    ... )
    >>> decision.reason
    "X has non-numeric column(s) ['city']"
    >>> print(resolve_preprocessing("auto", X[["size"]], accepts_raw_input=False,
    ...                             allow_nan=False))
    None
    """
    if not isinstance(setting, str):
        return Preprocessing(
            "transformer", setting, f"preprocessing={type(setting).__name__} was given"
        )
    if setting == "none" or accepts_raw_input or not is_dataframe(X):
        return None
    other = non_numeric_columns(X)
    if other:
        return Preprocessing("skrub", reason=f"X has non-numeric column(s) {other}")
    if not allow_nan:
        missing = columns_with_missing_values(X)
        if missing:
            return Preprocessing(
                "skrub",
                reason=f"column(s) {missing} have missing values, which the model "
                "cannot take",
            )
    return None


def non_numeric_columns(X, *, bool_is_numeric=False):
    """Names of the columns of a dataframe whose dtype is not a number.

    Booleans count as non-numeric unless ``bool_is_numeric``: NumPy would take
    them as 0 and 1, skrub encodes them as what they are.
    """
    import narwhals as nw

    frame = nw.from_native(X, eager_only=True)
    return [
        str(name)
        for name, dtype in frame.schema.items()
        if not (dtype.is_numeric() or (bool_is_numeric and dtype == nw.Boolean))
    ]


def columns_with_missing_values(X):
    """Names of the columns of a dataframe holding a missing value (or NaN)."""
    import narwhals as nw

    frame = nw.from_native(X, eager_only=True)
    missing = []
    for name in frame.columns:
        column = frame.get_column(name)
        has_missing = column.is_null().any()
        if not has_missing and column.dtype.is_float():
            has_missing = column.is_nan().any()
        if has_missing:
            missing.append(str(name))
    return missing


def duplicate_columns(X):
    """Column names that occur more than once in a dataframe, sorted."""
    names, counts = np.unique(
        np.asarray([str(c) for c in X.columns], dtype=object), return_counts=True
    )
    return sorted(names[counts > 1].tolist())


def identifier_columns(X):
    """Columns that identify rows: a counter, or a code unique to each row.

    A counter is a column of distinct whole numbers that, sorted, mostly
    steps up by one (a row number, possibly with gaps after rows were
    dropped); a code is a column of distinct strings without spaces, such as
    ``"A-0042"``.  Such a column carries nothing a model can generalise from
    (or leaks the row order), so the caller warns about it.  Measurements are
    spared: floats, and distinct whole numbers with irregular steps (a
    monthly population count), are not identifiers; nor is free text.

    Examples
    --------
    >>> import pandas as pd
    >>> from easy_mlops.training.preprocessing import identifier_columns
    >>> X = pd.DataFrame({"row": range(30), "code": [f"A-{i}" for i in range(30)],
    ...                   "population": [1000 + i * i * 37 for i in range(30)]})
    >>> identifier_columns(X)
    ['row', 'code']
    """
    import narwhals as nw

    frame = nw.from_native(X, eager_only=True)
    n_rows = len(frame)
    if n_rows < 20:
        return []
    found = []
    for name in frame.columns:
        column = frame.get_column(name)
        dtype = column.dtype
        if not (dtype.is_integer() or dtype in (nw.String, nw.Categorical)):
            continue
        if column.null_count() or column.n_unique() != n_rows:
            continue
        values = column.to_numpy()
        if dtype.is_integer():
            steps = np.diff(np.sort(values.astype(np.int64)))
            if np.mean(steps == 1) < _UNIT_STEP_SHARE:
                continue
        elif not all(_CODE.fullmatch(str(value)) for value in values):
            continue
        found.append(str(name))
    return found


#: Share of the steps of a sorted integer column that must be 1 for it to
#: count as a counter: a row number survives a random drop of a third of the
#: rows, a measurement rising by irregular amounts does not.
_UNIT_STEP_SHARE = 0.5
#: A code: one word of letters, digits and the usual separators.
_CODE = re.compile(r"[\w.:/#-]{1,64}")


def column_treatment(model, feature_names, X=None):
    """How each raw column was treated by a fitted preprocessing pipeline.

    Parameters
    ----------
    model : estimator
        A fitted model, possibly a Pipeline whose first step is skrub's
        ``TableVectorizer``.
    feature_names : sequence of str
        The raw column names the model was fitted on.
    X : dataframe, default=None
        The training data, to say why a dropped column was dropped.

    Returns
    -------
    treatment : dict of str to str or None
        Column name -> one of ``"numeric"``, ``"categorical"``, ``"text"``,
        ``"datetime"``, ``"custom"`` or ``"dropped"``; None when ``model``
        has no skrub vectorizer.
    reasons : dict of str to str
        Column name -> why.
    """
    vectorizer = _vectorizer(model)
    if vectorizer is None:
        return None, {}
    kinds = vectorizer.column_to_kind_
    threshold = vectorizer.cardinality_threshold
    treatment, reasons = {}, {}
    for name in feature_names:
        kind = kinds.get(name)
        if kind is None:
            treatment[name] = "dropped"
            reasons[name] = _why_dropped(X, name)
        else:
            treatment[name] = _KIND_NAMES.get(kind, kind)
            reasons[name] = _reason(kind, X, name).format(threshold=threshold)
    return treatment, reasons


def _vectorizer(model):
    steps = getattr(model, "steps", None)
    if not steps:
        return None
    first = steps[0][1]
    return first if hasattr(first, "column_to_kind_") else None


def _reason(kind, X, name):
    """Why skrub gave column ``name`` its kind, in words that fit its dtype."""
    if kind != "numeric" or X is None:
        return _KIND_REASONS.get(kind, kind)
    import narwhals as nw

    dtype = nw.from_native(X, eager_only=True).get_column(name).dtype
    if dtype == nw.Boolean:
        return "true or false: encoded as 1 and 0"
    if dtype in (nw.String, nw.Categorical):
        return "numbers written as text: parsed as numbers"
    return _KIND_REASONS[kind]


def _why_dropped(X, name):
    if X is None:
        return "no information for the model"
    import narwhals as nw

    column = nw.from_native(X, eager_only=True).get_column(name)
    if column.null_count() == len(column):
        return "all values are missing"
    return "a single value in every row"


def restore_preprocessing(setting, reason):
    """The :class:`Preprocessing` of a saved model, rebuilt for loading.

    Parameters
    ----------
    setting : str, transformer or None
        The trainer's ``preprocessing`` parameter.
    reason : str
        The record's ``preprocessing`` reason; empty when none ran.

    Returns
    -------
    preprocessing : Preprocessing or None

    Examples
    --------
    >>> from easy_mlops.training.preprocessing import restore_preprocessing
    >>> restore_preprocessing("auto", "X has non-numeric column(s) ['city']").kind
    'skrub'
    >>> restore_preprocessing("auto", "") is None
    True
    """
    if not reason:
        return None
    if setting is not None and not isinstance(setting, str):
        return Preprocessing("transformer", setting, reason)
    return Preprocessing("skrub", reason=reason)
