"""The problem-type rule, its reasons and its close calls."""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from easy_mlops import ModelTrainer
from easy_mlops.training import ProblemTypeWarning, SmallDataWarning
from easy_mlops.training._splitting import holdout_impossible
from easy_mlops.training.problem_type import (
    ProblemTypeDecision,
    _stratification_doubts,
    infer_problem_type,
)
from easy_mlops.training.settings import DEFAULTS

FEW_TREES = {"model_params": {"n_estimators": 3}}
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "y, expected, reason",
    [
        ([True, False, True], "classification", "boolean"),
        (["a", "b", "c", "a"], "classification", "labels"),
        (pd.Series(["x", "y"] * 5, dtype="category"), "classification", "categorical"),
        ([3.5, 7.25] * 10, "regression", "non-integer"),
        ([3.0, 7.0] * 10, "classification", "exactly two"),
        ([1.0, 2.0, np.inf], "regression", "non-integer"),
        (np.linspace(0, 1, 15), "regression", "non-integer"),
        (np.arange(100) % 4, "classification", "4 distinct integer values (the codes"),
        (
            np.arange(100),
            "regression",
            "100 distinct integer values (the codes 0 to 99)",
        ),
        (np.arange(2000) % 150, "regression", "150 thin: label codes more than"),
        (np.arange(30000) % 1200, "regression", "look like counts"),
        (np.array([1.0, 2.0, 3.0] * 20), "classification", "(the range 1 to 3)"),
        (np.arange(300) % 12 + 1990, "regression", "from 1990 to 2001"),
        (np.arange(300) % 12 * 3, "regression", "from 0 to 33 with gaps"),
    ],
)
def test_rule(y, expected, reason):
    decision = infer_problem_type(y)
    assert decision.problem_type == expected
    assert reason in decision.reason


# -- the corpus of issue 17 ----------------------------------------------------


def heavy_tailed_counts(rng, n):
    # Home runs per player: most near zero, a long right tail capped at 73.
    return np.minimum(rng.negative_binomial(0.8, 1 / 11, n), 73)


CORPUS = {
    # name: (rows, build(rng, n), expected, warning)
    # expected None: either problem type; warning "required", "none" or
    # "allowed" (the issue lets star ratings warn).
    "handwritten digits": (
        1800,
        lambda rng, n: rng.integers(0, 10, n),
        "classification",
        "none",
    ),
    "letter recognition": (
        20000,
        lambda rng, n: rng.integers(0, 26, n),
        "classification",
        "none",
    ),
    "iris-like": (
        150,
        lambda rng, n: rng.permutation(np.arange(n) % 3),
        "classification",
        "none",
    ),
    "status codes": (
        400,
        lambda rng, n: rng.choice(3, n, p=[0.64, 0.30, 0.06]),
        "classification",
        "none",
    ),
    "Poisson counts": (2400, lambda rng, n: rng.poisson(15, n), "regression", "none"),
    "home runs": (2400, heavy_tailed_counts, "regression", "none"),
    "ages": (5000, lambda rng, n: rng.integers(18, 91, n), "regression", "none"),
    "years": (3000, lambda rng, n: rng.integers(1990, 2021, n), "regression", "none"),
    "star ratings": (
        500,
        lambda rng, n: rng.choice(np.arange(1, 6), n, p=[0.05, 0.1, 0.2, 0.3, 0.35]),
        "classification",
        "allowed",
    ),
    "goals per match": (3000, lambda rng, n: rng.poisson(1.5, n), None, "required"),
    "rooms per home": (
        3000,
        lambda rng, n: rng.integers(1, 9, n),
        None,
        "required",
    ),
    "rooms per home, peaked": (
        3000,
        lambda rng, n: 1 + rng.binomial(7, 0.45, n),
        None,
        "required",
    ),
}


@pytest.mark.parametrize("scale", [0.7, 1.0, 1.3])
@pytest.mark.parametrize("seed", [0, 11])
@pytest.mark.parametrize("case", list(CORPUS))
def test_corpus(case, seed, scale):
    rows, build, expected, warning = CORPUS[case]
    y = build(np.random.default_rng(seed), int(rows * scale))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        detected = ModelTrainer().detect_problem_type(y)
    messages = [str(w.message) for w in caught if w.category is ProblemTypeWarning]
    if expected is not None:
        assert detected == expected
    if warning == "none":
        assert messages == []
    elif warning == "required":
        other = "regression" if detected == "classification" else "classification"
        assert len(messages) == 1
        assert f'Set problem_type="{other}"' in messages[0]
        assert f"--problem-type {other}" in messages[0]


def test_the_user_guide_table_shows_the_corpus():
    text = (ROOT / "docs" / "user_guide.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([^|]+?) \| [^|]+ \| ([\d,]+) \| ([a-z, ]+) \|", text, re.M)
    assert [name for name, _, _ in rows] == [
        name for name in CORPUS if name != "rooms per home, peaked"
    ]
    for name, rows_text, detected in rows:
        n_rows, build, _, _ = CORPUS[name]
        assert int(rows_text.replace(",", "")) == n_rows
        y = build(np.random.default_rng(0), n_rows)
        splits = {key: DEFAULTS[key] for key in ("test_size", "cv_folds")}
        decision = infer_problem_type(y, **splits)
        assert detected == decision.problem_type + (", warns" * decision.close_call)


def test_the_reason_is_recorded_in_the_training_result():
    y = np.random.default_rng(3).integers(1990, 2021, 300)
    X = np.random.default_rng(4).normal(size=(300, 2))
    trainer = ModelTrainer(FEW_TREES, cv_folds=0).fit(X, y)
    assert trainer.problem_type_ == "regression"
    assert trainer.training_result_.problem_type_reason == (
        "31 distinct integer values (from 1990 to 2020) in 300 rows, none thin: "
        "more than 10 values other than label codes are regression"
    )


# -- each threshold, on both sides ---------------------------------------------


def with_counts(counts, start=0):
    """A target whose value ``start + i`` appears ``counts[i]`` times."""
    return np.repeat(np.arange(start, start + len(counts)), counts)


@pytest.mark.parametrize(
    "k, expected", [(10, "classification"), (11, "regression")], ids=["10", "11"]
)
def test_few_values_are_classification_whatever_they_are(k, expected):
    # 5..k+4: not label codes, so only the count of values decides.
    decision = infer_problem_type(with_counts([50] * k, start=5))
    assert decision.problem_type == expected
    assert decision.close_call


@pytest.mark.parametrize(
    "n_thin, expected",
    [(3, "classification"), (4, "regression")],
)
def test_label_codes_stay_classes_while_a_quarter_at_most_is_thin(n_thin, expected):
    counts = [100] * (12 - n_thin) + [2] * n_thin
    for start in (0, 1):
        decision = infer_problem_type(with_counts(counts, start=start))
        assert decision.problem_type == expected
        assert f"{n_thin} thin" in decision.reason


@pytest.mark.parametrize(
    "counts, thin",
    [
        ([100, 100, 5], False),  # 5 rows: enough
        ([100, 100, 4], True),  # 4 rows: too few
        ([990, 990, 20], False),  # exactly 1% of the rows
        ([991, 990, 19], True),  # under 1% of the rows
    ],
)
def test_thin_classes(counts, thin):
    decision = infer_problem_type(with_counts(counts))
    assert decision.problem_type == "classification"
    assert decision.close_call is thin
    assert ("1 thin" in decision.reason) is thin


@pytest.mark.parametrize("k, close_call", [(30, False), (31, True)])
def test_many_classes_is_a_close_call(k, close_call):
    decision = infer_problem_type(with_counts([50] * k))
    assert decision.problem_type == "classification"
    assert decision.close_call is close_call
    assert ("more than 30 classes" in decision.reason) is close_call


@pytest.mark.parametrize("k, close_call", [(20, True), (21, False)])
def test_a_regression_with_few_values_is_a_close_call(k, close_call):
    decision = infer_problem_type(with_counts([50] * k, start=5))
    assert decision.problem_type == "regression"
    assert decision.close_call is close_call


@pytest.mark.parametrize("n_thin, close_call", [(7, True), (12, True), (13, False)])
def test_label_codes_half_thin_are_a_close_regression(n_thin, close_call):
    # 24 codes: more than 20 values, so only the thin share can make it close.
    decision = infer_problem_type(with_counts([100] * (24 - n_thin) + [2] * n_thin))
    assert decision.problem_type == "regression"
    assert decision.close_call is close_call


def test_codes_from_one_are_classes_but_a_close_call():
    decision = infer_problem_type(with_counts([100] * 26, start=1))
    assert decision.problem_type == "classification"
    assert "may be a quantity" in decision.reason
    assert decision.close_call


@pytest.mark.parametrize(
    "smallest, cv_folds, close_call",
    [(10, 10, False), (9, 10, True), (9, 1, False), (9, 0, False), (9, None, False)],
)
def test_classes_too_rare_for_the_folds(smallest, cv_folds, close_call):
    decision = infer_problem_type(with_counts([100, 100, smallest]), cv_folds=cv_folds)
    assert decision.problem_type == "classification"
    assert decision.close_call is close_call
    assert ("fewer than cv_folds" in decision.reason) is close_call


def test_classes_too_rare_for_the_hold_out():
    y = with_counts([22, 21, 21])  # 3 classes, 64 rows
    # Shares of 64 rows are exact in binary: 3/64 is 3 test rows.
    for n_test, close_call in [(3, False), (2, True), (61, False), (62, True)]:
        decision = infer_problem_type(y, test_size=n_test / 64)
        assert decision.close_call is close_call
        assert ("hold-out of 64 rows" in decision.reason) is close_call
    y = with_counts([300, 300, 1])  # one row: no stratified split at all
    assert "smallest: 1 row" in infer_problem_type(y, test_size=0.5).reason


# -- warnings through ModelTrainer ---------------------------------------------


def test_a_close_call_warns_and_names_the_override():
    y = np.arange(30) % 3 + 1  # the range 1..3: could be a quantity
    X = np.arange(60, dtype=float).reshape(30, 2)
    match = re.escape('Set problem_type="regression" (--problem-type regression')
    with pytest.warns(ProblemTypeWarning, match=match):
        ModelTrainer(FEW_TREES, cv_folds=0, test_size=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProblemTypeWarning)
        ModelTrainer(FEW_TREES, problem_type="classification", cv_folds=0).fit(X, y)


def test_a_close_regression_names_the_classification_override():
    y = np.arange(110) % 11 + 5  # 11 values from 5 to 15
    X = np.arange(220, dtype=float).reshape(110, 2)
    match = re.escape('problem_type="classification" (--problem-type classification')
    with pytest.warns(ProblemTypeWarning, match=match):
        trainer = ModelTrainer(FEW_TREES, cv_folds=0).fit(X, y)
    assert trainer.problem_type_ == "regression"


def test_many_classes_always_warn():
    y = np.arange(800) % 40  # 40 well-filled codes: classification, yet many
    X = np.random.default_rng(0).normal(size=(800, 2))
    with pytest.warns(
        ProblemTypeWarning, match="more than 30 classes.*--problem-type regression"
    ):
        trainer = ModelTrainer(FEW_TREES, cv_folds=0).fit(X, y)
    assert trainer.problem_type_ == "classification"
    assert "more than 30 classes" in trainer.training_result_.problem_type_reason


def test_classes_too_rare_for_the_requested_folds_warn():
    y = with_counts([60, 60, 8])  # 8 rows: fine for 5 folds, not for 10
    X = np.random.default_rng(0).normal(size=(128, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProblemTypeWarning)
        ModelTrainer(FEW_TREES, cv_folds=5).fit(X, y)
    with pytest.warns(
        ProblemTypeWarning, match="fewer than cv_folds=10.*--problem-type"
    ):
        with pytest.warns(SmallDataWarning, match="reduced from 10 to 8 folds"):
            ModelTrainer(FEW_TREES, cv_folds=10).fit(X, y)


@pytest.mark.parametrize(
    "y, problem_type",
    [
        (np.array([0, 0, 0, 1, 1, 2]), "classification"),
        (np.array([1.5, 2.5, 3.5]), "regression"),
    ],
)
def test_a_fit_with_neither_hold_out_nor_cv_succeeds_and_says_so(y, problem_type):
    X = np.arange(2 * len(y), dtype=float).reshape(len(y), 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer = ModelTrainer(FEW_TREES, problem_type=problem_type).fit(X, y)
    result = trainer.training_result_
    small = [str(w.message) for w in caught if w.category is SmallDataWarning]
    assert small == result.skipped
    assert [note.split(":")[0] for note in result.skipped] == [
        "Hold-out skipped",
        "Cross-validation skipped",
    ]
    assert result.metrics == {}
    assert result.cv_scores == []
    assert result.n_test == 0
    assert trainer.predict(X).shape == y.shape


# -- properties ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 45), min_size=3, max_size=400),
    offset=st.sampled_from([0, 1, -3, 1990]),
    test_size=st.sampled_from([None, 0.2, 0.5]),
    cv_folds=st.sampled_from([None, 3, 10]),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_order_does_not_change_the_decision(
    values, offset, test_size, cv_folds, seed
):
    y = np.asarray(values) + offset
    permuted = np.random.default_rng(seed).permutation(y)
    kwargs = {"test_size": test_size, "cv_folds": cv_folds}
    decision = infer_problem_type(y, **kwargs)
    assert decision == infer_problem_type(permuted, **kwargs)
    assert (
        decision.reason == infer_problem_type(permuted.astype(float), **kwargs).reason
    )


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.integers(-1000, 1000), min_size=2, max_size=100),
    fraction=st.floats(0.001, 0.999),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_non_integer_number_means_regression(values, fraction, seed):
    y = np.append(np.asarray(values, dtype=float), values[0] + fraction)
    y = np.random.default_rng(seed).permutation(y)
    assert infer_problem_type(y) == ProblemTypeDecision(
        "regression", "the target holds non-integer numbers"
    )


@pytest.mark.parametrize(
    "counts, test_size",
    [
        ([2, 10, 10], 0.25),  # two rows: one for each part
        ([1, 10, 10], 0.25),
        ([3, 3, 3], 0.25),
        ([3, 3, 3], 0.2),  # 2 test rows for 3 classes
        ([5, 5, 5], 0.85),  # 13 test rows leave 2 training rows
    ],
)
def test_the_hold_out_doubt_agrees_with_the_hold_out_the_split_makes(counts, test_size):
    # The close call warns about exactly the hold-outs training will skip.
    y = np.repeat(np.arange(len(counts)), counts)
    skipped = holdout_impossible(y, test_size, "classification") is not None
    assert bool(_stratification_doubts(np.array(counts), test_size, None)) == skipped


@pytest.mark.parametrize(
    "y, reason",
    [
        (pd.Series(["a", "b", "a"], dtype="category"), "the target is categorical"),
        (np.array([True, False, True]), "the target is boolean"),
        (
            np.array(["a", "b", "a"]),
            "the target holds labels (strings or objects)",
        ),
        (np.array([3, 7, 3]), "the target has exactly two distinct values"),
        (
            np.repeat(np.arange(10), 10),
            "10 distinct integer values (the codes 0 to 9) in 100 rows, none thin: "
            "at most 10 distinct values are classification",
        ),
        (
            np.repeat(np.arange(12), 10),
            "12 distinct integer values (the codes 0 to 11) in 120 rows, none thin: "
            "label codes with at most a quarter thin are classification",
        ),
        (
            np.repeat(np.arange(1, 13), 10),
            "12 distinct integer values (the range 1 to 12) in 120 rows, none thin: "
            "label codes with at most a quarter thin are classification (close "
            "call: values other than the codes 0..k-1 may be a quantity)",
        ),
        (
            np.repeat(np.arange(12), [10] * 8 + [2] * 4),
            "12 distinct integer values (the codes 0 to 11) in 88 rows, 4 thin: "
            "label codes more than a quarter thin look like counts, so regression "
            "(close call: only 12 distinct values; label codes with at most half "
            "thin)",
        ),
    ],
)
def test_the_reason_names_the_rule_that_decided(y, reason):
    # The reason is shown to users in the warning and the training record.
    assert infer_problem_type(y).reason == reason
