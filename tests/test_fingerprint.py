"""The fingerprint of training rows: exact below its bound, estimated above."""

import numpy as np
import pandas as pd

from easy_mlops.training import fingerprint as fingerprint_module
from easy_mlops.training.fingerprint import RowFingerprint, hash_rows


def test_equal_values_hash_alike_whatever_their_container():
    frame = pd.DataFrame(
        {"n": [1, 2, 3], "s": ["a", None, "c"], "b": [True, False, True]}
    )
    again = pd.DataFrame(
        {"n": [1.0, 2.0, 3.0], "s": ["a", np.nan, "c"], "b": [1, 0, 1]}
    )
    assert hash_rows(frame).tolist() == hash_rows(again).tolist()
    assert len(set(hash_rows(frame).tolist())) == 3
    # Column order is part of a row.
    assert hash_rows(frame[["s", "n", "b"]]).tolist() != hash_rows(frame).tolist()


def test_sparse_input_has_no_fingerprint():
    from scipy import sparse

    assert RowFingerprint.of(sparse.csr_matrix(np.eye(3))) is None


def test_count_is_exact_below_the_bound_and_close_above(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 3))
    new = rng.standard_normal((400, 3))
    mixed = np.vstack([X[:600], new])
    assert RowFingerprint.of(X).count_seen(mixed) == 600
    monkeypatch.setattr(fingerprint_module, "MAX_HASHES", 500)
    bounded = RowFingerprint.of(X)
    assert bounded.hashes.shape == (500,) and bounded.n_rows == 2000
    assert bounded.count_seen(new) == 0
    assert abs(bounded.count_seen(mixed) - 600) < 150


def test_round_trip_through_json():
    fingerprint = RowFingerprint.of(np.arange(12.0).reshape(6, 2))
    back = RowFingerprint.from_dict(fingerprint.to_dict())
    assert back.n_rows == 6 and back.limit == fingerprint.limit
    np.testing.assert_array_equal(back.hashes, fingerprint.hashes)
