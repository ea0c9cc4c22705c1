"""The default backend: scikit-learn estimators (and XGBoost's) by name."""

# License: BSD 3 clause

from ..catalogue import ModelSpec
from ..estimator_backend import EstimatorBackend
from ..registry import register_backend

__all__ = ["RIDGE_ALPHAS", "SKLEARN_MODEL_TYPES", "SklearnBackend"]

#: The penalties ``ridge`` chooses among, by efficient leave-one-out CV.
RIDGE_ALPHAS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)

#: The catalogue of ``model_type`` values of the ``sklearn`` backend.  The
#: entries marked ``portfolio_only`` are further configurations of a family;
#: docs/user_guide.md ("The portfolio") gives the sources of their settings.
SKLEARN_MODEL_TYPES = {
    "auto": ModelSpec(
        "sklearn.ensemble:RandomForestClassifier",
        "sklearn.ensemble:RandomForestRegressor",
        description="random forest, classifier or regressor by problem type",
        compared=False,  # one of the entries below
        cost=3,
    ),
    "random_forest_classifier": ModelSpec(
        "sklearn.ensemble:RandomForestClassifier",
        description="RandomForestClassifier",
        cost=3,
    ),
    "random_forest_regressor": ModelSpec(
        regressor="sklearn.ensemble:RandomForestRegressor",
        description="RandomForestRegressor",
        cost=3,
    ),
    "logistic_regression": ModelSpec(
        "sklearn.linear_model:LogisticRegression",
        params={"max_iter": 1000},
        description="LogisticRegression (max_iter=1000), on standardised input",
        scale=True,
        cost=1,
    ),
    "linear_regression": ModelSpec(
        regressor="sklearn.linear_model:LinearRegression",
        description="LinearRegression: ordinary least squares, not in 'compare'",
        # Unregularised: collinear one-hot columns or a category unseen in a
        # fold make its coefficients explode; comparisons use ridge instead.
        compared=False,
        cost=1,
    ),
    "ridge": ModelSpec(
        regressor="sklearn.linear_model:RidgeCV",
        params={"alphas": RIDGE_ALPHAS},
        description="RidgeCV: alpha chosen among 1e-3..1e3 by leave-one-out "
        "cross-validation, on standardised input",
        scale=True,
        cost=1,
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
    # The portfolio: more configurations of the families above.
    "random_forest_entropy": ModelSpec(
        "sklearn.ensemble:RandomForestClassifier",
        params={"criterion": "entropy"},
        description="RandomForestClassifier splitting on entropy",
        cost=3,
        portfolio_only=True,
    ),
    "extra_trees": ModelSpec(
        "sklearn.ensemble:ExtraTreesClassifier",
        "sklearn.ensemble:ExtraTreesRegressor",
        description="extremely randomised trees, classifier or regressor",
        cost=3,
        portfolio_only=True,
    ),
    "hist_gradient_boosting_large": ModelSpec(
        "sklearn.ensemble:HistGradientBoostingClassifier",
        "sklearn.ensemble:HistGradientBoostingRegressor",
        params={
            "learning_rate": 0.03,
            "max_leaf_nodes": 128,
            "max_features": 0.9,
            "min_samples_leaf": 3,
            "max_iter": 1000,
            "early_stopping": True,
        },
        description="histogram gradient boosting, slower learning, larger trees, "
        "early stopping",
        cost=4,
        portfolio_only=True,
    ),
    "lightgbm": ModelSpec(
        "lightgbm:LGBMClassifier",
        "lightgbm:LGBMRegressor",
        params={"verbose": -1},
        extra="lightgbm",
        description="LightGBM, classifier or regressor",
        portfolio_only=True,
    ),
    "lightgbm_extra_trees": ModelSpec(
        "lightgbm:LGBMClassifier",
        "lightgbm:LGBMRegressor",
        params={"extra_trees": True, "verbose": -1},
        extra="lightgbm",
        description="LightGBM with randomised split thresholds",
        portfolio_only=True,
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
    ``linear_regression``, and the portfolio's further configurations, which
    ``model_type="ensemble"`` draws from: ``random_forest_entropy``,
    ``extra_trees``, ``hist_gradient_boosting_large``, ``lightgbm`` and
    ``lightgbm_extra_trees`` (the last two need
    ``pip install "easy-mlops[lightgbm]"``).  ``model_params`` passes
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
