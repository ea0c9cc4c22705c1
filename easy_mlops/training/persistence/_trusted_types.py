"""The types a pickle-free load trusts besides those skops trusts by itself.

A ``format="skops"`` file names every type and function it needs, and skops
rebuilds one only if it is trusted: by default scikit-learn's estimators
and NumPy's and SciPy's basic types.  The models easy_mlops builds hold a
few more — skrub's table vectorizer and its column transformers, the trees
inside forests, the gradient-boosting libraries' boosters — so a load with
``secure=True`` trusts the names below too, and nothing else.

The list names types, one by one, each reviewed (docs/persistence.md says
why each family is safe to rebuild from a file): a family's module prefix
is not enough, so a type a new release of a library adds is refused, with
its name, until it is reviewed and added here or passed as ``trusted``.
"""

# License: BSD 3 clause

__all__ = ["TRUSTED_TYPES", "trusted_type_names"]

#: Family: (module prefix, reviewed names).  Every name starts with its prefix.
TRUSTED_TYPES = {
    "Python": (
        "",
        (
            "collections.OrderedDict",
            "datetime.timedelta",
            "datetime.timezone",
            "functools.partial",
        ),
    ),
    "NumPy": ("numpy.", ("numpy.array", "numpy.dtype")),
    "SciPy": (
        "scipy.",
        (
            "scipy._lib.array_api_compat.numpy._aliases.asarray",
            "scipy.interpolate._bsplines.BSpline",
        ),
    ),
    "pandas": ("pandas.", ("pandas.DatetimeTZDtype",)),
    "scikit-learn": (
        "sklearn.",
        (
            "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
            "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
            "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
            "sklearn.tree._tree.Tree",
            "sklearn.utils.validation.check_array",
        ),
    ),
    "skrub": (
        "skrub.",
        (
            "skrub._apply_to_each_col.ApplyToEachCol",
            "skrub._check_input.CheckInputDataFrame",
            "skrub._clean_categories.CleanCategories",
            "skrub._clean_null_strings.CleanNullStrings",
            "skrub._dataframe._common.is_any_date",
            "skrub._dataframe._common.is_categorical",
            "skrub._dataframe._common.is_numeric",
            "skrub._datetime_encoder.DatetimeEncoder",
            "skrub._datetime_encoder._SplineEncoder",
            "skrub._drop_uninformative.DropUninformative",
            "skrub._duration_to_float.DurationToFloat",
            "skrub._squashing_scaler.SquashingScaler",
            "skrub._squashing_scaler._MinMaxScaler",
            "skrub._string_encoder.StringEncoder",
            "skrub._table_vectorizer.PassThrough",
            "skrub._table_vectorizer.ShortReprDict",
            "skrub._table_vectorizer.TableVectorizer",
            "skrub._table_vectorizer._created_by_predicate",
            "skrub._to_categorical.ToCategorical",
            "skrub._to_datetime.ToDatetime",
            "skrub._to_float.ToFloat",
            "skrub._to_str.ToStr",
            "skrub.selectors._base.All",
            "skrub.selectors._base.And",
            "skrub.selectors._base.Cols",
            "skrub.selectors._base.Filter",
            "skrub.selectors._base.Sub",
            "skrub.selectors._selectors._cardinality_below",
        ),
    ),
    "XGBoost": (
        "xgboost.",
        (
            "xgboost.core.Booster",
            "xgboost.sklearn.XGBClassifier",
            "xgboost.sklearn.XGBRegressor",
        ),
    ),
    "LightGBM": (
        "lightgbm.",
        (
            "lightgbm.basic.Booster",
            "lightgbm.sklearn.LGBMClassifier",
            "lightgbm.sklearn.LGBMRegressor",
        ),
    ),
    "easy_mlops": (
        "easy_mlops.",
        ("easy_mlops.training.label_encoding.EncodedLabelClassifier",),
    ),
}


def trusted_type_names():
    """Every name of :data:`TRUSTED_TYPES`, as skops' ``trusted`` takes them."""
    return [name for _, names in TRUSTED_TYPES.values() for name in names]
