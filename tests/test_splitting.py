"""The hold-out split and the cross-validation folds, at their size boundaries.

Each limit is tested on both sides: one row fewer skips or reduces the step,
the exact limit keeps it.  The rows chosen are compared with scikit-learn's
own splitters given the same seed.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from easy_mlops import ModelTrainer
from easy_mlops.training import SklearnBackend, SmallDataWarning
from easy_mlops.training._splitting import (
    RowStructure,
    cv_indices,
    cv_splitter,
    holdout_indices,
)
from easy_mlops.training._splitting import feasible_folds as _feasible_folds
from easy_mlops.training._splitting import holdout_impossible as _holdout_impossible
from easy_mlops.training.backends.sklearn_backend import RIDGE_ALPHAS
from easy_mlops.training.settings import resolve_settings
from easy_mlops.training.steps import cv_folds


def backend(**settings):
    return SklearnBackend(resolve_settings(settings, {}))


def labels(*counts):
    """A classification target with ``counts[i]`` rows of class ``i``."""
    return np.repeat(np.arange(len(counts)), counts)


# -- _holdout_impossible -------------------------------------------------------


@pytest.mark.parametrize(
    "y, test_size, possible",
    [
        # Every class needs two rows, one for each part.
        (labels(10, 2), 0.5, True),
        (labels(10, 1), 0.5, False),
        # The test part needs a row of every class: 0.1 of 22 rows is 2.2,
        # rounded up to 3 test rows as train_test_split does.
        (labels(8, 7, 7), 0.1, True),
        (labels(7, 7, 6), 0.1, False),
        # The training part too: 17 of 20 rows leave 3 for 3 classes.
        (labels(7, 7, 6), 0.85, True),
        (labels(7, 7, 6), 0.9, False),
    ],
)
def test_classification_holdout_needs_every_class_in_both_parts(y, test_size, possible):
    note = _holdout_impossible(y, test_size, "classification")
    assert (note is None) == possible
    if not possible:
        n_classes = np.unique(y).shape[0]
        smallest = np.bincount(y).min()
        assert note.startswith("Hold-out skipped: a stratified ")
        assert f"test_size={test_size} split of {y.shape[0]} rows" in note
        assert f"needs every one of the {n_classes} classes in both parts" in note
        assert f"(smallest class: {smallest} rows)" in note
        assert note.endswith(
            "Metrics come from cross-validation only; use more data or a "
            "larger test_size."
        )


@pytest.mark.parametrize(
    "test_size, possible, n_test",
    [
        (0.11, True, 2),  # 1.1 rounds up to 2 test rows
        (0.1, False, 1),
        (0.9, True, 9),  # one training row is enough
        (0.95, False, 10),  # 9.5 rounds up to 10: no training row
    ],
)
def test_regression_holdout_needs_two_test_rows_and_a_training_row(
    test_size, possible, n_test
):
    y = np.linspace(0.0, 1.0, 10)
    note = _holdout_impossible(y, test_size, "regression")
    assert (note is None) == possible
    if not possible:
        assert note == (
            f"Hold-out skipped: test_size={test_size} of 10 rows leaves "
            f"{n_test} test row(s); scoring a regression needs at least 2."
        )


# -- _feasible_folds -------------------------------------------------------------


@pytest.mark.parametrize(
    "y, n_folds, expected_folds, note",
    [
        (labels(9, 5), 5, 5, None),
        (labels(9, 6), 5, 5, None),
        (
            labels(9, 4),
            5,
            4,
            "Cross-validation reduced from 5 to 4 folds: the smallest class has "
            "4 rows.",
        ),
        (
            labels(9, 2),
            5,
            2,
            "Cross-validation reduced from 5 to 2 folds: the smallest class has "
            "2 rows.",
        ),
        (
            labels(9, 1),
            3,
            0,
            "Cross-validation skipped: cv_folds=3 but the smallest class has 1 rows.",
        ),
    ],
)
def test_classification_folds_are_limited_by_the_smallest_class(
    y, n_folds, expected_folds, note
):
    assert _feasible_folds(y, n_folds, "classification") == (expected_folds, note)


@pytest.mark.parametrize(
    "n_rows, n_folds, expected_folds, note",
    [
        (10, 5, 5, None),
        (11, 5, 5, None),
        (
            9,
            5,
            4,
            "Cross-validation reduced from 5 to 4 folds: 9 rows leave fewer than "
            "2 rows per test fold.",
        ),
        (
            4,
            3,
            2,
            "Cross-validation reduced from 3 to 2 folds: 4 rows leave fewer than "
            "2 rows per test fold.",
        ),
        (
            3,
            2,
            0,
            "Cross-validation skipped: cv_folds=2 but 3 rows leave fewer than "
            "2 rows per test fold.",
        ),
    ],
)
def test_regression_folds_keep_two_rows_per_test_fold(
    n_rows, n_folds, expected_folds, note
):
    y = np.linspace(0.0, 1.0, n_rows)
    assert _feasible_folds(y, n_folds, "regression") == (expected_folds, note)


# -- steps.cv_folds ------------------------------------------------------------------


def _as_lists(folds):
    return [(list(train), list(test)) for train, test in folds]


@pytest.mark.parametrize("n_folds", [0, 1])
def test_zero_or_one_fold_means_no_cross_validation(n_folds):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folds = cv_folds(
            backend(cv_folds=n_folds).config,
            labels(1, 1),
            problem_type="classification",
        )
    assert folds == ([], None)


@pytest.mark.parametrize(
    "problem_type, y, splitter",
    [
        ("classification", labels(6, 4, 3), StratifiedKFold),
        ("regression", np.linspace(0.0, 1.0, 13), KFold),
    ],
)
@pytest.mark.parametrize("random_state", [0, 42])
def test_folds_are_sklearn_shuffled_splits_with_the_configured_seed(
    problem_type, y, splitter, random_state
):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folds, note = cv_folds(
            backend(cv_folds=3, random_state=random_state).config,
            y,
            problem_type=problem_type,
        )
    expected = splitter(3, shuffle=True, random_state=random_state).split(
        np.zeros((y.shape[0], 1)), y
    )
    assert note is None
    assert _as_lists(folds) == _as_lists(expected)


def test_two_folds_are_kept():
    y = labels(4, 4)
    folds, note = cv_folds(backend(cv_folds=2).config, y, problem_type="classification")
    assert len(folds) == 2 and note is None


def test_reduced_folds_warn_and_use_the_reduced_count():
    y = labels(6, 3)
    with pytest.warns(SmallDataWarning, match="reduced from 5 to 3 folds"):
        folds, note = cv_folds(
            backend(cv_folds=5).config, y, problem_type="classification"
        )
    expected = StratifiedKFold(3, shuffle=True, random_state=42).split(y, y)
    assert _as_lists(folds) == _as_lists(expected)
    assert note.startswith("Cross-validation reduced from 5 to 3 folds")


def test_impossible_folds_warn_and_give_none():
    y = labels(6, 1)
    with pytest.warns(SmallDataWarning, match="Cross-validation skipped"):
        folds, note = cv_folds(
            backend(cv_folds=5).config, y, problem_type="classification"
        )
    assert folds == []
    assert note.startswith("Cross-validation skipped: cv_folds=5")


# -- EstimatorBackend.split_data ----------------------------------------------------


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = labels(25, 10, 5)
    w = rng.uniform(0.5, 2.0, 40)
    return X, y, w


@pytest.mark.parametrize("random_state", [0, 42])
def test_classification_split_is_sklearns_stratified_shuffled_split(
    table, random_state
):
    X, y, w = table
    split = backend(test_size=0.25, random_state=random_state).split_data(
        X, y, w, problem_type="classification"
    )
    expected = train_test_split(
        X, y, w, test_size=0.25, shuffle=True, stratify=y, random_state=random_state
    )
    for got, want in zip(split[:6], expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert split.note is None
    assert np.bincount(split.y_test).tolist() == [6, 3, 1]


def test_regression_split_is_shuffled_not_stratified(table):
    X, _, w = table
    y = np.repeat([0.0, 1.0], [30, 10])  # stratifying would keep 25% of 1.0s
    split = backend(test_size=0.3).split_data(X, y, w, problem_type="regression")
    expected = train_test_split(X, y, w, test_size=0.3, shuffle=True, random_state=42)
    stratified = train_test_split(y, test_size=0.3, stratify=y, random_state=42)[1]
    for got, want in zip(split[:6], expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(np.sort(split.y_test), np.sort(stratified))


def test_split_without_weights_has_no_weight_parts(table):
    X, y, _ = table
    split = backend().split_data(X, y, problem_type="classification")
    assert split.sample_weight_train is None and split.sample_weight_test is None
    assert split.X_test.shape == (8, 3) and split.y_train.shape == (32,)


def test_test_size_zero_keeps_every_row_without_a_note(table):
    X, y, w = table
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = backend(test_size=0).split_data(X, y, w, problem_type="classification")
    assert split.X_train is X and split.y_train is y
    assert split.sample_weight_train is w
    assert split.X_test is None and split.y_test is None
    assert split.sample_weight_test is None and split.note is None


def test_impossible_holdout_warns_and_keeps_every_row(table):
    X, _, w = table
    y = labels(39, 1)
    with pytest.warns(SmallDataWarning, match="Hold-out skipped"):
        split = backend().split_data(X, y, w, problem_type="classification")
    assert split.X_train is X and split.y_train is y
    assert split.sample_weight_train is w
    assert split.X_test is None and split.y_test is None
    assert split.note == _holdout_impossible(y, 0.2, "classification")


# -- grouped and time-ordered rows ---------------------------------------------------


def _plan(y, rows, problem_type, n_folds=4, test_size=0.25):
    holdout = holdout_indices(
        y, test_size=test_size, problem_type=problem_type, random_state=0, rows=rows
    )
    splitter, note = cv_splitter(
        y, n_folds=n_folds, problem_type=problem_type, random_state=0, rows=rows
    )
    return holdout, cv_indices(splitter, y, rows), note


@pytest.mark.parametrize(
    "problem_type, splitter",
    [
        ("classification", StratifiedGroupKFold(4, shuffle=True, random_state=0)),
        ("regression", GroupKFold(4, shuffle=True, random_state=0)),
    ],
)
def test_grouped_rows_never_share_a_group_across_a_split(problem_type, splitter):
    groups = np.repeat(np.arange(15), 4)
    y = labels(30, 30) if problem_type == "classification" else groups * 1.5
    rows = RowStructure(groups=groups, group_name="person")
    (train, test, note), folds, cv_note = _plan(y, rows, problem_type)
    assert note is None and cv_note is None
    splits = [(train, test), *folds]
    for fit_rows, scored_rows in splits:
        assert not set(groups[fit_rows]) & set(groups[scored_rows])
        assert len(fit_rows) + len(scored_rows) == 60
    expected = GroupShuffleSplit(1, test_size=0.25, random_state=0)
    want_train, want_test = next(expected.split(y, y, groups))
    assert train.tolist() == want_train.tolist() and test.tolist() == want_test.tolist()
    assert _as_lists(folds) == _as_lists(splitter.split(y, y, groups))


def test_time_ordered_holdout_is_the_latest_rows_and_folds_chain_forward():
    y = np.linspace(0.0, 1.0, 40)
    rows = RowStructure(time_column="month", gap=2)
    (train, test, note), folds, _ = _plan(y, rows, "regression")
    assert test.tolist() == list(range(30, 40))
    assert train.tolist() == list(range(28))  # the gap of 2 rows before the test
    for fit_rows, scored_rows in folds:
        assert fit_rows.max() + 2 < scored_rows.min()
    assert _as_lists(folds) == _as_lists(TimeSeriesSplit(4, gap=2).split(y))


def test_too_few_time_ordered_rows_reduce_the_folds():
    y = np.linspace(0.0, 1.0, 7)
    splitter, note = cv_splitter(
        y,
        n_folds=5,
        problem_type="regression",
        random_state=0,
        rows=RowStructure(time_column="t"),
    )
    assert splitter.get_n_splits() == 2
    assert note == (
        "Cross-validation reduced from 5 to 2 folds: 7 time-ordered rows allow 2 "
        "forward-chaining folds."
    )


# -- grouped and time-ordered rows through ModelTrainer ------------------------------


@pytest.fixture(scope="module")
def panel():
    """40 people, 5 rows each, with a personal effect on the target.

    A code column identifies the person without saying anything about the
    effect: from a person's other rows a forest learns the code's effect,
    which is memory, not prediction for a new person.
    """
    rng = np.random.default_rng(0)
    people = np.repeat(np.arange(40), 5)
    code = rng.random(40)[people]
    effect = rng.standard_normal(40)[people]
    x = rng.standard_normal(200)
    X = np.column_stack([code, x])
    y = 2 * effect + x + 0.3 * rng.standard_normal(200)  # unique: rows traceable
    return X, y, people


FOREST = {"model_type": "random_forest_regressor", "model_params": {"n_estimators": 10}}


def test_group_aware_scores_are_sklearns_and_below_the_shuffled_ones(panel):
    X, y, people = panel
    grouped = ModelTrainer(FOREST, cv_folds=4).fit(X, y, groups=people)
    folds = GroupKFold(4, shuffle=True, random_state=42)
    forest = RandomForestRegressor(n_estimators=10, random_state=42)
    expected = cross_val_score(forest, X, y, groups=people, cv=folds)
    np.testing.assert_allclose(grouped.cv_scores_, expected)
    shuffled = ModelTrainer(FOREST, cv_folds=4).fit(X, y)
    grouped_mean = grouped.training_result_.metrics["cv_mean"]
    assert shuffled.training_result_.metrics["cv_mean"] > grouped_mean + 0.3
    # The hold-out holds whole people: none of them in its training rows.
    holdout = grouped.training_result_.holdout
    test_rows = np.isin(y, holdout.y_true)
    assert not set(people[test_rows]) & set(people[~test_rows])
    assert grouped.training_result_.split["holdout"] == "GroupShuffleSplit, 40 rows"


def test_classification_folds_are_stratified_by_group(panel):
    X, y, people = panel
    labels = np.where(y > 0, "up", "down")
    trainer = ModelTrainer(
        {**FOREST, "model_type": "random_forest_classifier"}, cv_folds=3, test_size=0
    ).fit(X, labels, groups=people)
    folds = StratifiedGroupKFold(3, shuffle=True, random_state=42)
    forest = RandomForestClassifier(n_estimators=10, random_state=42)
    expected = cross_val_score(forest, X, labels, groups=people, cv=folds)
    np.testing.assert_allclose(trainer.cv_scores_, expected)
    assert trainer.training_result_.split["cv"] == "StratifiedGroupKFold, 3 folds"


def test_groups_reach_the_trainer_through_metadata_routing(panel):
    X, y, people = panel
    trainer = ModelTrainer(FOREST, cv_folds=4, test_size=0)
    pipe = make_pipeline(StandardScaler(), trainer)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(X, y, groups=people)
        search = GridSearchCV(
            ModelTrainer(FOREST, cv_folds=2, test_size=0),
            {"model_params__max_depth": [2, 4]},
            cv=GroupKFold(2),
        ).fit(X, y, groups=people)
    assert pipe[-1].training_result_.split["rows"] == "grouped"
    assert search.best_estimator_.training_result_.split["rows"] == "grouped"


def test_group_column_of_a_table_is_not_a_feature(panel):
    X, y, people = panel
    table = pd.DataFrame({"person": people, "a": X[:, 0], "b": X[:, 1]})
    trainer = ModelTrainer(FOREST, group_column="person", cv_folds=4).fit(table, y)
    by_array = ModelTrainer(FOREST, cv_folds=4).fit(table[["a", "b"]], y, groups=people)
    assert list(trainer.feature_names_in_) == ["a", "b"]
    np.testing.assert_allclose(trainer.cv_scores_, by_array.cv_scores_)
    # predict takes the table with its group column still in it.
    np.testing.assert_allclose(
        trainer.predict(table), by_array.predict(table[["a", "b"]])
    )


@pytest.fixture(scope="module")
def series():
    """A monthly series given out of order: a trend plus a seasonal feature."""
    months = pd.date_range("2015-01-01", periods=60, freq="MS")
    season = np.sin(np.arange(60) * np.pi / 6)
    y = np.arange(60) / 10 + 2 * season
    order = np.random.default_rng(1).permutation(60)
    table = pd.DataFrame({"month": months, "season": season})
    return table.iloc[order].reset_index(drop=True), y[order], table, y


def test_time_ordered_scores_are_timeseriessplit_and_the_holdout_is_the_latest(series):
    shuffled_table, shuffled_y, table, y = series
    trainer = ModelTrainer(
        model_type="ridge", time_column="month", cv_folds=3, test_size=0.25
    ).fit(shuffled_table, pd.Series(shuffled_y))
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
    expected = cross_val_score(ridge, table[["season"]], y, cv=TimeSeriesSplit(3))
    np.testing.assert_allclose(trainer.cv_scores_, expected)
    result = trainer.training_result_
    np.testing.assert_array_equal(result.holdout.y_true, y[45:])
    latest = clone(ridge).fit(table[["season"]][:45], y[:45])
    assert result.metrics["r2_score"] == pytest.approx(
        r2_score(y[45:], latest.predict(table[["season"]][45:]))
    )
    assert result.split["cv"] == "TimeSeriesSplit, 3 folds"
    assert list(trainer.feature_names_in_) == ["season"]


def test_every_time_fold_trains_on_earlier_rows_only():
    y = np.arange(50.0)
    rows = RowStructure(time_column="t", gap=3)
    config = {"cv_folds": 4, "random_state": 0}
    folds, _ = cv_folds(config, y, problem_type="regression", rows=rows)
    assert len(folds) == 4
    for train, test in folds:
        assert train.max() + 3 < test.min()
