"""Predictions as a table that joins back to the rows it came from."""

# License: BSD 3 clause

__all__ = ["prediction_frame"]


def prediction_frame(model, X, *, proba=False):
    """A fitted model's predictions for ``X`` as a DataFrame.

    The result keeps the index of a DataFrame ``X``, so it joins back to the
    rows (``X[["id"]].join(prediction_frame(model, X))``).  ``easy-mlops
    predict`` writes the same columns.

    Parameters
    ----------
    model : estimator
        A fitted ``ModelTrainer``, or a Pipeline ending in one (any fitted
        scikit-learn estimator works).
    X : array-like of shape (n_samples, n_features)
        The rows to predict.
    proba : bool, default=False
        Also one column per class, ``proba_<class>``, holding
        ``model.predict_proba(X)`` in the order of ``model.classes_``.

    Returns
    -------
    predictions : pandas.DataFrame
        A ``prediction`` column, then the probabilities.

    Raises
    ------
    ValueError
        With ``proba=True`` for a model without ``predict_proba`` (a
        regressor, or a classifier that cannot give probabilities).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.predictions import prediction_frame
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> model = ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(X, y)
    >>> prediction_frame(model, X.iloc[[0, 100]], proba=True).columns.tolist()
    ['prediction', 'proba_0', 'proba_1', 'proba_2']
    """
    import pandas as pd

    if proba and not hasattr(model, "predict_proba"):
        raise ValueError(
            f"proba=True needs class probabilities, and this {type(model).__name__} "
            "has no predict_proba (a regressor, or a classifier without "
            "probabilities). Leave out proba (CLI: --proba)."
        )
    index = X.index if isinstance(X, pd.DataFrame) else None
    frame = pd.DataFrame({"prediction": model.predict(X)}, index=index)
    if proba:
        labels = [f"proba_{label}" for label in model.classes_]
        frame[labels] = model.predict_proba(X)
    return frame
