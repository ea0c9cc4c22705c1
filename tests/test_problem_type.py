"""The problem-type rule, its reasons and its close calls."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from easy_mlops import ModelTrainer
from easy_mlops.training import ProblemTypeWarning
from easy_mlops.training.problem_type import infer_problem_type


@pytest.mark.parametrize(
    "y, expected, reason",
    [
        ([True, False, True], "classification", "boolean"),
        (["a", "b", "c", "a"], "classification", "labels"),
        (pd.Series(["x", "y"] * 5, dtype="category"), "classification", "categorical"),
        ([3.5, 7.25] * 10, "regression", "non-integer"),
        ([3.0, 7.0] * 10, "classification", "exactly two"),
        (np.linspace(0, 1, 15), "regression", "non-integer"),
        (np.arange(100) % 4, "classification", "4 distinct integer values in 100 rows"),
        (np.arange(100), "regression", "100 distinct integer values"),
        (np.arange(2000) % 150, "regression", "at most 5%"),
        (np.arange(30000) % 1200, "regression", "at most 1000 classes"),
        (np.array([1.0, 2.0, 3.0] * 20), "classification", "3 distinct integer"),
    ],
)
def test_rule(y, expected, reason):
    decision = infer_problem_type(y)
    assert decision.problem_type == expected
    assert reason in decision.reason


def test_close_call_is_flagged_and_warned():
    y = np.arange(30) % 3  # 10% of the rows: exactly at the threshold
    assert infer_problem_type(y).close_call
    assert not infer_problem_type(np.arange(1000) % 3).close_call
    X = np.arange(60, dtype=float).reshape(30, 2)
    with pytest.warns(ProblemTypeWarning, match="close call.*Set problem_type"):
        ModelTrainer(model_type="auto", cv_folds=0, test_size=0).fit(X, y)


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.integers(-5, 5), min_size=2, max_size=200),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_order_does_not_change_the_decision(values, seed):
    y = np.asarray(values)
    permuted = np.random.default_rng(seed).permutation(y)
    assert infer_problem_type(y) == infer_problem_type(permuted)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=100))
def test_any_non_integer_float_means_regression(values):
    y = np.asarray(values)
    decision = infer_problem_type(y)
    if not np.all(np.mod(y, 1) == 0):
        assert decision.problem_type == "regression"
