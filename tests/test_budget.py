"""The time budget: halving rungs, and fits that sleep, counted not timed."""

import time
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression

from easy_mlops import ModelTrainer
from easy_mlops.training import (
    EstimatorBackend,
    ModelSpec,
    TimeBudgetWarning,
    registry,
)
from easy_mlops.training.budget import TimeBudget, halving_schedule

FITS = []


@pytest.mark.parametrize(
    "n_candidates, n_folds, min_survivors, expected",
    [
        (12, 5, 2, [(12, 1), (4, 3), (2, 5)]),
        (10, 5, 4, [(10, 1), (4, 3), (4, 5)]),
        (3, 3, 1, [(3, 1), (1, 3)]),
        (1, 5, 1, [(1, 1), (1, 3), (1, 5)]),
        (5, 1, 2, [(5, 1)]),
    ],
)
def test_halving_schedule(n_candidates, n_folds, min_survivors, expected):
    assert (
        halving_schedule(n_candidates, n_folds, min_survivors=min_survivors) == expected
    )


def test_halving_schedule_refuses_nonsense():
    with pytest.raises(ValueError, match="Got 0, 5 and 3"):
        halving_schedule(0, 5)


def test_a_budget_records_what_it_skipped():
    budget = TimeBudget(2.5)
    assert budget.limited and budget.allows(1.0) and not budget.allows(3.0)
    budget.skip("fold 3")
    assert budget.skipped[0].startswith("fold 3: time_budget of 2.5 s (")
    assert not TimeBudget(None).limited


@pytest.mark.parametrize("value", [0, -1.5, "ten", True])
def test_a_time_budget_that_is_not_a_positive_number_is_refused(value):
    with pytest.raises(
        ValueError,
        match="'time_budget' parameter of ModelTrainer "
        "must be .*range \\(0.0, inf\\)|'time_budget' parameter",
    ):
        ModelTrainer(time_budget=value).fit(np.zeros((20, 2)), np.arange(20.0))


# -- a callable backend whose fits sleep: the single-model flow ---------------


def build(config, problem_type):
    return {"mean": None}


def sleepy_train(model, X, y, config):
    FITS.append(len(y))
    time.sleep(config["sleep"])
    model["mean"] = float(np.mean(y))


def predict(model, X):
    return np.full(len(X), model["mean"])


def sleepy(seconds):
    """A callable regressor config whose every fit sleeps ``seconds``."""
    return {
        "backend": "callable",
        "build_model": build,
        "train_fn": sleepy_train,
        "predict_fn": predict,
        "problem_type": "regression",
        "sleep": seconds,
    }


def test_a_budget_stops_adding_folds_and_keeps_the_model():
    FITS.clear()
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40.0)
    trainer = ModelTrainer(
        sleepy(0.3),
        cv_folds=4,
        n_jobs=1,
        time_budget=0.5,
    )
    with pytest.warns(
        TimeBudgetWarning, match="more than its time_budget of 0.5 s"
    ) as got:
        trainer.fit(X, y)
    # The warning names the line that called fit, not the library's.
    assert {w.filename for w in got if w.category is TimeBudgetWarning} == {__file__}
    result = trainer.training_result_
    assert any(w.startswith("TimeBudgetWarning: ") for w in result.warnings)
    # The refit, the hold-out fit and one fold run together (0.9 s asleep,
    # past the budget): the other three folds are not started.
    assert len(FITS) == 3
    assert len(result.cv_scores) == 1
    assert any(
        s.startswith("cross-validation: folds 2 to 4 not run: time_budget of 0.5 s")
        for s in result.skipped
    )
    assert trainer.predict(X[:2]) == pytest.approx([np.mean(y)] * 2)


def test_a_budget_kept_gives_no_warning():
    FITS.clear()
    X, y = np.zeros((40, 2)), np.arange(40.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeBudgetWarning)
        trainer = ModelTrainer(sleepy(0.0), cv_folds=4, n_jobs=1, time_budget=60)
        trainer.fit(X, y)
    assert len(FITS) == 6
    assert not any("TimeBudgetWarning" in w for w in trainer.training_result_.warnings)


def test_without_a_budget_every_fold_runs():
    FITS.clear()
    X, y = np.zeros((40, 2)), np.arange(40.0)
    ModelTrainer(sleepy(0.0), cv_folds=4, n_jobs=1).fit(X, y)
    assert len(FITS) == 6


# -- a comparison whose candidates sleep ----------------------------------------


class SleepyRegressor(RegressorMixin, BaseEstimator):
    """Predicts the mean, or a linear fit, after sleeping in fit."""

    def __init__(self, seconds=0.0, linear=False):
        self.seconds = seconds
        self.linear = linear

    def fit(self, X, y):
        FITS.append(self.seconds)
        time.sleep(self.seconds)
        self.model_ = LinearRegression().fit(X, y) if self.linear else None
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        if self.model_ is None:
            return np.full(len(X), self.mean_)
        return self.model_.predict(X)


SLEEPS = {
    "fast": (0.0, False),
    "linear": (0.0, True),
    "slow": (0.5, True),
    "slowest": (0.5, True),
}


class SleepyBackend(EstimatorBackend):
    name = "sleepy_test"
    model_types = {
        "fast": ModelSpec(regressor="sklearn.dummy:DummyRegressor", cost=1),
        "linear": ModelSpec(regressor="sklearn.dummy:DummyRegressor", cost=1),
        "slow": ModelSpec(regressor="sklearn.dummy:DummyRegressor", cost=2),
        "slowest": ModelSpec(regressor="sklearn.dummy:DummyRegressor", cost=3),
    }

    def build_estimator(self, problem_type):
        seconds, linear = SLEEPS[self.config["model_type"]]
        return SleepyRegressor(seconds, linear)


@pytest.fixture
def sleepy_backend():
    # Registered for this test only: the registry is the process's, and other
    # tests list every registered backend.
    ModelTrainer.register_backend(SleepyBackend, overwrite=True)
    yield SleepyBackend.name
    registry._BACKENDS.pop(SleepyBackend.name, None)


def test_a_budgeted_comparison_runs_cheapest_first_and_always_returns_a_model(
    sleepy_backend,
):
    FITS.clear()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X @ [3.0, -2.0] + rng.normal(size=60)
    trainer = ModelTrainer(
        backend="sleepy_test",
        model_type=["slowest", "slow", "fast"],
        cv_folds=3,
        test_size=0,
        n_jobs=1,
        time_budget=0.6,
    ).fit(X, y)
    result = trainer.training_result_
    board = {row["model_type"]: row for row in result.leaderboard}
    # fast (first fold), then slow (0.5 s): slowest would pass the budget.
    assert FITS[:2] == [0.0, 0.5]
    assert board["slowest"]["cv_scores"] == []
    assert board["slowest"]["error"] == "skipped: not started within the time_budget"
    # The best after the first rung, slow, has no time for its other folds,
    # and is kept on its one fold: a model is always returned.
    assert result.model_type == "slow"
    assert len(board["slow"]["cv_scores"]) == 1
    assert any(s.startswith("slowest: folds 1 to 1 not run") for s in result.skipped)
    assert any(s.startswith("slow: folds 2 to 3 not run") for s in result.skipped)
    assert trainer.score(X, y) > 0.9


def test_a_candidate_the_budget_stops_stops_those_ranked_after_it(sleepy_backend):
    FITS.clear()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = X @ [3.0, -2.0] + rng.normal(size=60)
    trainer = ModelTrainer(
        backend="sleepy_test",
        model_type=["linear", "fast", "slow", "ensemble"],
        cv_folds=3,
        test_size=0,
        n_jobs=1,
        time_budget=1.7,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimeBudgetWarning)
        trainer.fit(X, y)
    result = trainer.training_result_
    board = {row["model_type"]: row for row in result.leaderboard}
    # The first fold of each, cheapest first (0.5 s spent). Then fold by
    # fold, best first: linear; slow (as good, ranked next) would pass the
    # budget with its final fit (0.5 s + 0.75 s, with 1.2 s left at most):
    # it stops, and so does fast, ranked after it, though it costs nothing;
    # linear, ranked before, goes on.
    assert FITS[:5] == [0.0, 0.0, 0.5, 0.0, 0.0]
    assert [len(board[n]["cv_scores"]) for n in ("linear", "slow", "fast")] == [3, 1, 1]
    assert any(s.startswith("slow: folds 2 to 3 not run") for s in result.skipped)
    assert any(s.startswith("fast: folds 2 to 3 not run") for s in result.skipped)
    assert board["linear"]["error"] is None
    assert board["fast"]["error"] == "stopped after 1 of 3 folds"
    # The stopped candidates reach ensemble selection, on the fold they all
    # ran; slow predicts as linear does, so no blend beats linear alone.
    assert result.model_type == "linear"
    assert result.warnings == [
        "ensemble: greedy selection found no blend better than linear alone; "
        "it is kept."
    ]
