"""What ``ModelTrainer.fit`` does with its defaults, written by hand in scikit-learn.

This is the physical limit the benchmarks measure easy_mlops against: the
same split, estimator, metrics, cross-validation, refit and seeds, with no
layer in between.  The benchmarks check that both give identical metrics.
"""

# License: BSD 3 clause

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    median_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

__all__ = ["fit_by_hand"]


def fit_by_hand(make_model, X, y, *, classification, test_size=0.2, cv_folds=5):
    """Hold-out fit and metrics, shuffled cross-validation and a refit on all rows.

    Parameters
    ----------
    make_model : callable
        Returns a new unfitted estimator (seeded with ``random_state=42``).
    X : ndarray of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,)
        Target.
    classification : bool
        Stratify the split and folds, and report classification metrics.
    test_size : float, default=0.2
        Share of rows held out.
    cv_folds : int, default=5
        Number of folds.

    Returns
    -------
    model : estimator
        Fitted on all rows.
    metrics : dict of str to float
        The hold-out metrics, ``cv_mean`` and ``cv_std``.
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=test_size,
        shuffle=True,
        stratify=y if classification else None,
        random_state=42,
    )
    holdout = make_model().fit(X_train, y_train)

    cv_class = StratifiedKFold if classification else KFold
    folds = cv_class(cv_folds, shuffle=True, random_state=42).split(X, y)
    score = accuracy_score if classification else r2_score
    scores = []
    for train, test in folds:
        fold_model = make_model().fit(X[train], y[train])
        scores.append(float(score(y[test], fold_model.predict(X[test]))))

    model = make_model().fit(X, y)

    y_pred = holdout.predict(X_test)
    if classification:
        weighted = {"average": "weighted", "zero_division": 0}
        metrics = {
            "accuracy": float(accuracy_score(y_test, y_pred)),
            "f1_score": float(f1_score(y_test, y_pred, **weighted)),
            "precision": float(precision_score(y_test, y_pred, **weighted)),
            "recall": float(recall_score(y_test, y_pred, **weighted)),
            "balanced_accuracy": float(balanced_accuracy_score(y_test, y_pred)),
        }
        if hasattr(holdout, "predict_proba"):
            proba = holdout.predict_proba(X_test)
            classes = holdout.classes_
            if len(classes) == 2:
                auc = roc_auc_score(y_test == classes[1], proba[:, 1])
            else:
                auc = roc_auc_score(
                    y_test,
                    proba,
                    multi_class="ovr",
                    average="weighted",
                    labels=classes,
                )
            metrics["roc_auc"] = float(auc)
            metrics["log_loss"] = float(log_loss(y_test, proba, labels=classes))
    else:
        metrics = {
            "mse": float(mean_squared_error(y_test, y_pred)),
            "rmse": float(root_mean_squared_error(y_test, y_pred)),
            "mae": float(mean_absolute_error(y_test, y_pred)),
            "r2_score": float(r2_score(y_test, y_pred)),
            "median_absolute_error": float(median_absolute_error(y_test, y_pred)),
        }
        if np.all(y_test != 0):
            metrics["mape"] = float(mean_absolute_percentage_error(y_test, y_pred))
    scores = np.asarray(scores)
    metrics["cv_mean"] = float(scores.mean())
    metrics["cv_std"] = float(scores.std())
    return model, metrics
