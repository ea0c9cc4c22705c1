"""The folds a comparison chooses on, made independently with scikit-learn."""

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split


def training_rows_and_folds(
    y, n_folds, *, classification, test_size=0.2, random_state=42
):
    """The hold-out's training rows, and shuffled (stratified) folds of them.

    The hold-out is ``train_test_split`` (stratified for classification);
    the training rows keep their original order, and the folds index them.
    """
    y = np.asarray(y)
    train, _ = train_test_split(
        np.arange(y.shape[0]),
        test_size=test_size,
        stratify=y if classification else None,
        random_state=random_state,
    )
    train = np.sort(train)
    splitter = (StratifiedKFold if classification else KFold)(
        n_folds, shuffle=True, random_state=random_state
    )
    return train, list(splitter.split(train, y[train]))


def comparison_folds(y, n_folds, **kwargs):
    """The folds of :func:`training_rows_and_folds`, as indices into all rows."""
    train, folds = training_rows_and_folds(y, n_folds, **kwargs)
    return [(train[a], train[b]) for a, b in folds]
