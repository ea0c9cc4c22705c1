"""The default backend: scikit-learn estimators (and XGBoost's) by name."""

# License: BSD 3 clause

from ..catalogue import ModelSpec
from ..estimator_backend import EstimatorBackend
from ..registry import register_backend

__all__ = ["RIDGE_ALPHAS", "SKLEARN_MODEL_TYPES", "SklearnBackend"]

#: The penalties ``ridge`` chooses among, by efficient leave-one-out CV.
RIDGE_ALPHAS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)

#: The catalogue of ``model_type`` values of the ``sklearn`` backend.
SKLEARN_MODEL_TYPES = {
    "auto": ModelSpec(
        "sklearn.ensemble:RandomForestClassifier",
        "sklearn.ensemble:RandomForestRegressor",
        description="random forest, classifier or regressor by problem type",
        compared=False,  # one of the entries below
    ),
    "random_forest_classifier": ModelSpec(
        "sklearn.ensemble:RandomForestClassifier",
        description="RandomForestClassifier",
    ),
    "random_forest_regressor": ModelSpec(
        regressor="sklearn.ensemble:RandomForestRegressor",
        description="RandomForestRegressor",
    ),
    "logistic_regression": ModelSpec(
        "sklearn.linear_model:LogisticRegression",
        params={"max_iter": 1000},
        description="LogisticRegression (max_iter=1000), on standardised input",
        scale=True,
    ),
    "linear_regression": ModelSpec(
        regressor="sklearn.linear_model:LinearRegression",
        description="LinearRegression: ordinary least squares, not in 'compare'",
        # Unregularised: collinear one-hot columns or a category unseen in a
        # fold make its coefficients explode; comparisons use ridge instead.
        compared=False,
    ),
    "ridge": ModelSpec(
        regressor="sklearn.linear_model:RidgeCV",
        params={"alphas": RIDGE_ALPHAS},
        description="RidgeCV: alpha chosen among 1e-3..1e3 by leave-one-out "
        "cross-validation, on standardised input",
        scale=True,
    ),
    "hist_gradient_boosting": ModelSpec(
        "sklearn.ensemble:HistGradientBoostingClassifier",
        "sklearn.ensemble:HistGradientBoostingRegressor",
        description="histogram gradient boosting, classifier or regressor",
    ),
    "xgboost": ModelSpec(
        "xgboost:XGBClassifier",
        "xgboost:XGBRegressor",
        extra="xgboost",
        encode_labels=True,
        description="XGBoost, classifier or regressor (any labels)",
    ),
}


@register_backend
class SklearnBackend(EstimatorBackend):
    """Train a scikit-learn estimator chosen by ``model_type``.

    The catalogue (``SKLEARN_MODEL_TYPES``): ``auto`` (random forest, by
    problem type), ``random_forest_classifier``, ``random_forest_regressor``,
    ``logistic_regression`` (``max_iter=1000``), ``linear_regression``
    (ordinary least squares), ``ridge`` (``RidgeCV`` over
    :data:`RIDGE_ALPHAS`), ``hist_gradient_boosting`` and ``xgboost`` (needs
    ``pip install "easy-mlops[xgboost]"``).  The linear entries that are
    regularised get standardised input; ``"compare"`` leaves out ``auto`` and
    ``linear_regression``.  ``model_params`` passes
    constructor parameters; ``random_state`` reaches every estimator that
    takes one.

    Parameters
    ----------
    config : mapping
        The resolved training config.

    Examples
    --------
    >>> from easy_mlops.training import ModelTrainer
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> trainer = ModelTrainer({"model_type": "logistic_regression"}).fit(X, y)
    >>> trainer.training_result_.model_name
    'LogisticRegression'
    """

    name = "sklearn"
    model_types = SKLEARN_MODEL_TYPES
