"""A compact fingerprint of the training rows, to recognise them later.

Scores on rows a model was trained on say little about new rows.  A fitted
trainer keeps one 64-bit hash per training row — of the feature values only,
never the values themselves — and :func:`~easy_mlops.training.evaluate`
counts how many rows it is given carry a known hash.

The fingerprint is bounded: beyond :data:`MAX_HASHES` rows it keeps the
hashes below a threshold, a fixed share of the hash space, so the same rows
are kept every time; a later count looks only at rows whose hash falls in
that share and scales up.  Two rows with equal features share a hash: a new
row identical to a training row counts as seen, which it is, as far as the
model can tell.
"""

# License: BSD 3 clause

from dataclasses import dataclass

import numpy as np

from .preprocessing import is_dataframe

__all__ = ["MAX_HASHES", "RowFingerprint", "hash_rows"]

#: The most row hashes a fingerprint keeps (8 bytes each).
MAX_HASHES = 10_000

_TOP = 2**64 - 1


def hash_rows(X):
    """One 64-bit hash per row of ``X``, the same for equal feature values.

    Numbers (booleans included) are hashed as float64 and everything else as
    text, so a column read as integers in one file and as floats in another
    hashes alike.  Column names are not hashed; the column order is.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples,)
        A NumPy array, a list, or a pandas or polars DataFrame.

    Returns
    -------
    hashes : ndarray of uint64 of shape (n_samples,) or None
        None for input that is not a table of rows (sparse matrices,
        arrays of more than two dimensions).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from easy_mlops.training.fingerprint import hash_rows
    >>> a = hash_rows(np.array([[1, 2], [3, 4]]))
    >>> b = hash_rows(pd.DataFrame({"x": [1.0, 3.0], "y": [2.0, 4.0]}))
    >>> bool((a == b).all()), bool(a[0] != a[1])
    (True, True)
    """
    import pandas as pd

    if is_dataframe(X):
        import narwhals as nw

        frame = nw.from_native(X, eager_only=True).to_pandas()
    else:
        if hasattr(X, "toarray"):
            return None
        array = np.asarray(X)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            return None
        frame = pd.DataFrame(array)
    frame = frame.set_axis(range(frame.shape[1]), axis=1)
    canonical = {}
    for position in frame.columns:
        column = frame[position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            canonical[position] = column.astype("float64")
        else:
            column = column.astype(object)
            canonical[position] = column.where(column.notna(), "\x00").astype(str)
    frame = pd.DataFrame(canonical, index=range(len(frame)))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)


@dataclass(frozen=True)
class RowFingerprint:
    """The hashes of a model's training rows (or a fixed share of them).

    Parameters
    ----------
    n_rows : int
        Training rows hashed.
    limit : int
        Hashes up to ``limit`` are kept; ``2**64 - 1`` keeps them all.
    hashes : ndarray of uint64
        The kept hashes, sorted and unique.

    Examples
    --------
    >>> import numpy as np
    >>> from easy_mlops.training.fingerprint import RowFingerprint
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> fingerprint = RowFingerprint.of(X)
    >>> fingerprint.count_seen(np.vstack([X[:3], X[:2] + 0.5]))
    3
    """

    n_rows: int
    limit: int
    hashes: np.ndarray

    @classmethod
    def of(cls, X):
        """The fingerprint of ``X``, or None when its rows cannot be hashed."""
        hashes = hash_rows(X)
        if hashes is None:
            return None
        hashes = np.unique(hashes)
        limit = _TOP
        if hashes.shape[0] > MAX_HASHES:
            # Keep the MAX_HASHES smallest: a share of the hash space that
            # the same rows always fall in.
            limit = int(hashes[MAX_HASHES - 1])
            hashes = hashes[:MAX_HASHES]
        return cls(int(len(X)), limit, hashes)

    def count_seen(self, X):
        """How many rows of ``X`` were (about) training rows.

        Exact while every training row's hash is kept; beyond
        :data:`MAX_HASHES` training rows, estimated from the rows whose hash
        falls in the kept share.  None when ``X`` cannot be hashed.
        """
        hashes = hash_rows(X)
        if hashes is None:
            return None
        eligible = hashes[hashes <= np.uint64(self.limit)]
        seen = int(np.isin(eligible, self.hashes).sum())
        if self.limit == _TOP or eligible.shape[0] == 0:
            return seen
        return round(seen * hashes.shape[0] / eligible.shape[0])

    def to_dict(self):
        """A JSON-serialisable form (hashes as Python ints)."""
        return {
            "n_rows": self.n_rows,
            "limit": self.limit,
            "hashes": [int(h) for h in self.hashes],
        }

    @classmethod
    def from_dict(cls, data):
        """Rebuild a fingerprint from :meth:`to_dict`'s output."""
        hashes = np.asarray(data["hashes"], dtype=np.uint64)
        return cls(int(data["n_rows"]), int(data["limit"]), hashes)
