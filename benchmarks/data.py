"""Seeded synthetic tables for the benchmarks, cheap to make at a million rows."""

# License: BSD 3 clause

import numpy as np

__all__ = ["synthetic_classification"]


def synthetic_classification(n_rows, n_features=20, seed=0):
    """A binary target driven by a linear score with noise.

    Built straight from a generator (no intermediate copies of ``X``) so that
    the memory measured around a fit is not skewed by how the data was made.

    Parameters
    ----------
    n_rows, n_features : int
        Shape of ``X``.
    seed : int, default=0
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_rows, n_features), float64
    y : ndarray of shape (n_rows,), int64
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features))
    weights = rng.standard_normal(n_features)
    noise = rng.standard_normal(n_rows)
    y = (X @ weights + noise > 0).astype(np.int64)
    return X, y
