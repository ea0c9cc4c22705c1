"""The baseline: scored like the model, on its hold-out and folds."""

import warnings

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import accuracy_score, get_scorer, log_loss, r2_score
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)

from easy_mlops import ModelTrainer
from easy_mlops.training import ModelQualityWarning
from easy_mlops.training.baseline import check_quality, score_baseline


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(3)
    y = rng.choice([0, 1, 2], size=60, p=[0.6, 0.3, 0.1])
    w = rng.uniform(0.5, 2.0, 60)
    folds = list(KFold(3, shuffle=True, random_state=0).split(y))
    return y, w, folds


def test_classification_baseline_is_dummy_prior_scored_independently(split):
    y, w, folds = split
    train, test = np.arange(60)[np.arange(60) % 4 > 0], np.arange(60)[::4]
    result = score_baseline(
        "classification",
        holdout=(y[train], w[train], y[test], w[test]),
        y=y,
        sample_weight=w,
        folds=folds,
        scoring="neg_log_loss",
    )
    X = np.zeros((60, 1))
    dummy = DummyClassifier(strategy="prior")
    dummy.fit(X[train], y[train], sample_weight=w[train])
    proba = dummy.predict_proba(X[test])
    want = log_loss(y[test], proba, sample_weight=w[test], labels=dummy.classes_)
    assert result["metrics"]["log_loss"] == pytest.approx(want)
    scorer = get_scorer("neg_log_loss")
    expected = [
        scorer(
            DummyClassifier(strategy="prior").fit(X[a], y[a], sample_weight=w[a]),
            X[b],
            y[b],
            sample_weight=w[b],
        )
        for a, b in folds
    ]
    assert result["cv_scores"] == pytest.approx(expected)
    assert result["metrics"]["cv_mean"] == pytest.approx(np.mean(expected))
    assert result["estimator"] == "DummyClassifier()"


def test_regression_baseline_is_the_training_mean(split):
    _, w, folds = split
    y = np.linspace(0.0, 3.0, 60)
    result = score_baseline("regression", y=y, folds=folds)
    expected = [
        r2_score(y[b], DummyRegressor().fit(y[a, None], y[a]).predict(y[b, None]))
        for a, b in folds
    ]
    assert result["cv_scores"] == pytest.approx(expected)
    assert "r2_score" not in result["metrics"]  # no hold-out given


def test_quality_warning_needs_a_margin_beyond_the_fold_spread():
    baseline = {"metrics": {"cv_mean": 0.6, "cv_std": 0.01}, "cv_scores": [0.6] * 3}
    close = {"cv_mean": 0.62, "cv_std": 0.03}
    with pytest.warns(ModelQualityWarning, match=r"accuracy 0\.6200 \(± 0\.0300"):
        note = check_quality(
            close,
            [0.6, 0.62, 0.64],
            baseline,
            scoring="accuracy",
            problem_type="classification",
        )
    assert "does not beat a baseline that ignores the features" in note
    clear = {"cv_mean": 0.7, "cv_std": 0.03}
    assert (
        check_quality(
            clear,
            [0.67, 0.7, 0.73],
            baseline,
            scoring="accuracy",
            problem_type="classification",
        )
        is None
    )


def test_without_folds_the_holdout_metric_decides():
    baseline = {"metrics": {"balanced_accuracy": 0.5}, "cv_scores": []}
    with pytest.warns(ModelQualityWarning, match="hold-out balanced_accuracy"):
        check_quality(
            {"balanced_accuracy": 0.5, "accuracy": 0.9},
            [],
            baseline,
            scoring="",
            problem_type="classification",
        )


# -- through ModelTrainer ------------------------------------------------------------


def test_run_baseline_equals_dummy_on_the_runs_holdout_and_folds():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    y = rng.choice(["a", "b", "c"], size=120, p=[0.6, 0.3, 0.1])  # independent of X
    with pytest.warns(ModelQualityWarning, match="does not beat a baseline"):
        trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3).fit(X, y)
    baseline = trainer.training_result_.baseline
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=42
    )
    dummy = DummyClassifier(strategy="prior").fit(X_train, y_train)
    assert baseline["metrics"]["accuracy"] == pytest.approx(
        accuracy_score(y_test, dummy.predict(X_test))
    )
    assert baseline["metrics"]["log_loss"] == pytest.approx(
        log_loss(y_test, dummy.predict_proba(X_test), labels=dummy.classes_)
    )
    folds = StratifiedKFold(3, shuffle=True, random_state=42)
    expected = cross_val_score(DummyClassifier(strategy="prior"), X, y, cv=folds)
    np.testing.assert_allclose(baseline["cv_scores"], expected)
    assert baseline["warning"].startswith("The model does not beat a baseline")


def test_regression_baseline_is_the_mean_on_the_same_folds(regression_data):
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelQualityWarning)
        trainer = ModelTrainer(model_type="ridge", cv_folds=4).fit(X, y)
    baseline = trainer.training_result_.baseline
    folds = KFold(4, shuffle=True, random_state=42)
    expected = cross_val_score(DummyRegressor(), X, y, cv=folds)
    np.testing.assert_allclose(baseline["cv_scores"], expected)
    assert baseline["warning"] is None
    assert trainer.training_result_.metrics["cv_mean"] > 0.9


def test_no_warning_on_a_learnable_target(classification_data):
    X, y = classification_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelQualityWarning)
        ModelTrainer(model_type="logistic_regression", cv_folds=3).fit(X, y)
