"""Group and time columns: taken out of X, checked before any fit, and the hints."""

import warnings

import numpy as np
import pandas as pd
import pytest

from easy_mlops.training import EasyMLOpsWarning
from easy_mlops.training._row_columns import (
    drop_row_columns,
    read_row_structure,
    warn_possible_groups,
    warn_unordered_dates,
)

SETTINGS = {
    "group_column": None,
    "time_column": None,
    "time_gap": 0,
    "cv_folds": 3,
    "test_size": 0.2,
}


def settings(**changes):
    return {**SETTINGS, **changes}


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "person": np.repeat(["ann", "bob", "cy", "dee"], 3),
            "month": ["2024-03", "2024-01", "2024-02"] * 4,
            "x": np.arange(12.0),
        }
    )


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_group_column_becomes_the_groups_and_leaves_the_features(frame, library):
    X = frame
    if library == "polars":
        X = pytest.importorskip("polars").from_pandas(frame)
    features, rows, order = read_row_structure(X, None, settings(group_column="person"))
    assert list(features.columns) == ["month", "x"]
    assert type(features) is type(X)
    assert rows.groups.tolist() == frame["person"].tolist()
    assert rows.group_name == "person" and rows.kind == "grouped"
    assert order is None


def test_time_column_orders_rows_stably_and_leaves_the_features(frame):
    features, rows, order = read_row_structure(
        frame, None, settings(time_column="month", time_gap=1)
    )
    assert list(features.columns) == ["person", "x"]
    assert rows.kind == "time-ordered" and rows.gap == 1
    # January rows first (in file order), then February, then March.
    assert order.tolist() == [1, 4, 7, 10, 2, 5, 8, 11, 0, 3, 6, 9]


@pytest.mark.parametrize(
    "values, expected",
    [
        ([2003, 2001, 2002], [1, 2, 0]),  # years as numbers
        (["3.5", "1", "2"], [1, 2, 0]),  # numbers written as text
        (pd.to_datetime(["2020-05-01", "2020-01-01", "2020-03-01"]), [1, 2, 0]),
    ],
)
def test_time_column_takes_numbers_dates_and_text_of_either(values, expected):
    X = pd.DataFrame({"t": values, "x": [1.0, 2.0, 3.0]})
    _, _, order = read_row_structure(X, None, settings(time_column="t", cv_folds=0))
    assert order.tolist() == expected


def test_groups_array_is_taken_as_given(frame):
    groups = np.arange(12) % 4
    features, rows, _ = read_row_structure(frame, groups, SETTINGS)
    assert features is frame
    assert rows.groups.tolist() == groups.tolist() and rows.group_name == "groups"


@pytest.mark.parametrize(
    "groups, change, message",
    [
        (
            None,
            {"group_column": "persn"},
            "group_column='persn' is not a column of X. Did you mean 'person'? "
            "Columns: person, month, x, empty, some.",
        ),
        (
            None,
            {"time_column": "when"},
            "time_column='when' is not a column of X",
        ),
        (
            None,
            {"group_column": "empty"},
            "group_column column 'empty' holds no values (every row is missing)",
        ),
        (
            None,
            {"group_column": "some"},
            "group_column column 'some' is missing in 2 of 12 rows",
        ),
        (
            None,
            {"group_column": "person", "cv_folds": 5},
            "groups ('person') has 4 distinct group(s), fewer than the 5 that "
            "cv_folds=5",
        ),
        (
            None,
            {"time_column": "person"},
            "time_column 'person' holds values such as 'ann' that are neither "
            "dates nor numbers",
        ),
        (
            np.arange(11),
            {},
            "groups has 11 entries but X has 12 rows",
        ),
        (
            None,
            {"group_column": "person", "time_column": "month"},
            "group_column and time_column were both given. Give one",
        ),
        (
            np.arange(12),
            {"group_column": "person"},
            "groups and group_column were both given",
        ),
    ],
)
def test_unusable_group_or_time_column_is_named_before_any_fit(
    frame, groups, change, message
):
    X = frame.assign(empty=np.nan, some=[None, None] + ["a"] * 10)
    with pytest.raises(ValueError) as error:
        read_row_structure(X, groups, settings(**change))
    assert message in str(error.value)


def test_group_column_of_an_array_says_to_pass_groups():
    with pytest.raises(ValueError, match=r"X is a ndarray.*fit\(X, y, groups=\.\.\.\)"):
        read_row_structure(np.zeros((4, 2)), None, settings(group_column="g"))


def test_predict_tables_may_keep_the_group_and_time_columns(frame):
    kept = drop_row_columns(frame, settings(group_column="person"))
    assert list(kept.columns) == ["month", "x"]
    assert drop_row_columns(frame[["x"]], settings(group_column="person")).equals(
        frame[["x"]]
    )


def test_a_column_of_entities_in_blocks_is_pointed_out_once():
    panel = pd.DataFrame({"nr": np.repeat(np.arange(25), 4), "x": np.arange(100.0)})
    with pytest.warns(EasyMLOpsWarning, match="pass --group nr") as caught:
        warn_possible_groups(panel)
    assert len(caught) == 1
    # The same values shuffled are a feature (an age, a count), not entities.
    shuffled = panel.assign(nr=np.random.default_rng(0).permutation(panel["nr"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_possible_groups(shuffled)


def test_a_date_column_in_a_shuffled_split_is_pointed_out():
    with pytest.warns(EasyMLOpsWarning, match="pass --time day"):
        warn_unordered_dates({"day": "datetime", "x": "numeric"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_unordered_dates({"x": "numeric"})
