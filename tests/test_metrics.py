"""Every metric ModelTrainer reports, recomputed by hand with sklearn.metrics.

The hand computation redoes the trainer's split and folds with scikit-learn
(seed 42, stratified for classification), fits the same estimator with the
same weights and scores it with ``sklearn.metrics`` directly.  The data are
imbalanced and noisy so that the weighted, macro and unweighted averages all
differ: each test first checks that its expected values would tell a wrong
computation apart, then that the trainer reports exactly them.
"""

import math
import statistics
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from easy_mlops import ModelTrainer
from easy_mlops.training.metrics import (
    CV_METRICS,
    DEFAULT_SCORING,
    METRIC_NAMES,
    compute_metrics,
    default_score,
    summarize_cv,
)

SEED = 42  # the trainer's default random_state
TEST_SIZE = 0.25
N_FOLDS = 4

CLASSIFICATION_METRICS = {
    "accuracy": lambda y, p, w: skm.accuracy_score(y, p, sample_weight=w),
    "f1_score": lambda y, p, w: skm.f1_score(
        y, p, average="weighted", zero_division=0, sample_weight=w
    ),
    "precision": lambda y, p, w: skm.precision_score(
        y, p, average="weighted", zero_division=0, sample_weight=w
    ),
    "recall": lambda y, p, w: skm.recall_score(
        y, p, average="weighted", zero_division=0, sample_weight=w
    ),
    "balanced_accuracy": lambda y, p, w: skm.balanced_accuracy_score(
        y, p, sample_weight=w
    ),
}
# Computed from the probabilities of the same hold-out model.
PROBA_METRICS = {
    "roc_auc": lambda y, proba, classes, w: skm.roc_auc_score(
        y,
        proba,
        multi_class="ovr",
        average="weighted",
        labels=classes,
        sample_weight=w,
    ),
    "log_loss": lambda y, proba, classes, w: skm.log_loss(
        y, proba, labels=classes, sample_weight=w
    ),
}
REGRESSION_METRICS = {
    "mse": lambda y, p, w: skm.mean_squared_error(y, p, sample_weight=w),
    "rmse": lambda y, p, w: math.sqrt(skm.mean_squared_error(y, p, sample_weight=w)),
    "mae": lambda y, p, w: skm.mean_absolute_error(y, p, sample_weight=w),
    "r2_score": lambda y, p, w: skm.r2_score(y, p, sample_weight=w),
    "median_absolute_error": lambda y, p, w: skm.median_absolute_error(
        y, p, sample_weight=w
    ),
    "mape": lambda y, p, w: skm.mean_absolute_percentage_error(y, p, sample_weight=w),
}


def _classification():
    X, y = make_classification(
        n_samples=160,
        n_features=6,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        flip_y=0.15,
        class_sep=0.6,
        random_state=3,
    )
    return X, y


def _regression():
    X, y = make_regression(n_samples=120, n_features=4, noise=30.0, random_state=3)
    # Heavy tails: a few rows far off the line, so weights move every metric.
    y[::9] += 250.0
    return X, y


def _weights(n_samples):
    return np.random.default_rng(7).uniform(0.05, 5.0, n_samples)


PROBLEMS = {
    "classification": (
        _classification,
        "logistic_regression",
        # The catalogue's logistic regression standardises numeric input.
        lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        StratifiedKFold,
        CLASSIFICATION_METRICS,
        skm.accuracy_score,
    ),
    "regression": (
        _regression,
        "linear_regression",
        LinearRegression,
        KFold,
        REGRESSION_METRICS,
        skm.r2_score,
    ),
}


def _fit(make_model, X, y, w):
    model = make_model()
    if w is None:
        return model.fit(X, y)
    if hasattr(model, "steps"):
        # Every step weighs the rows, the scaler too.
        return model.fit(
            X, y, **{f"{name}__sample_weight": w for name, _ in model.steps}
        )
    return model.fit(X, y, sample_weight=w)


def by_hand(problem_type, X, y, w, scoring=None):
    """The hold-out metrics and fold scores computed with scikit-learn alone."""
    _, _, make_model, cv_class, metric_functions, default = PROBLEMS[problem_type]
    classification = problem_type == "classification"
    rows = np.arange(y.shape[0])
    train, test = train_test_split(
        rows,
        test_size=TEST_SIZE,
        shuffle=True,
        stratify=y if classification else None,
        random_state=SEED,
    )
    w_train = None if w is None else w[train]
    w_test = None if w is None else w[test]
    holdout_model = _fit(make_model, X[train], y[train], w_train)
    y_pred = holdout_model.predict(X[test])
    holdout = {
        name: float(func(y[test], y_pred, w_test))
        for name, func in metric_functions.items()
    }
    if classification:
        proba = holdout_model.predict_proba(X[test])
        holdout.update(
            {
                name: float(func(y[test], proba, holdout_model.classes_, w_test))
                for name, func in PROBA_METRICS.items()
            }
        )
    folds = cv_class(N_FOLDS, shuffle=True, random_state=SEED).split(X, y)
    scores = []
    for fold_train, fold_test in folds:
        w_fit = None if w is None else w[fold_train]
        w_score = None if w is None else w[fold_test]
        model = _fit(make_model, X[fold_train], y[fold_train], w_fit)
        if scoring is None:
            score = default(
                y[fold_test], model.predict(X[fold_test]), sample_weight=w_score
            )
        else:
            kwargs = {} if w is None else {"sample_weight": w_score}
            score = get_scorer(scoring)(model, X[fold_test], y[fold_test], **kwargs)
        scores.append(float(score))
    return holdout, scores


def by_trainer(problem_type, X, y, w, scoring=None):
    _, model_type, *_ = PROBLEMS[problem_type]
    config = {} if scoring is None else {"scoring": scoring}
    trainer = ModelTrainer(
        config, model_type=model_type, test_size=TEST_SIZE, cv_folds=N_FOLDS
    )
    return trainer.fit(X, y, sample_weight=w).training_result_


@pytest.fixture(scope="module", params=sorted(PROBLEMS))
def problem(request):
    problem_type = request.param
    X, y = PROBLEMS[problem_type][0]()
    return problem_type, X, y, _weights(y.shape[0])


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_holdout_metrics_equal_sklearn_metrics_on_the_same_split(problem, weighted):
    problem_type, X, y, w = problem
    w = w if weighted else None
    expected, _ = by_hand(problem_type, X, y, w)
    result = by_trainer(problem_type, X, y, w)
    holdout = {name: result.metrics[name] for name in expected}
    assert holdout == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert set(result.metrics) == {*expected, *CV_METRICS}
    assert set(METRIC_NAMES[problem_type]) <= set(expected)


def test_weights_change_every_holdout_metric(problem):
    """The weighted test above can only fail if weights matter for each metric."""
    problem_type, X, y, w = problem
    weighted, _ = by_hand(problem_type, X, y, w)
    unweighted, _ = by_hand(problem_type, X, y, None)
    for name in weighted:
        assert weighted[name] != pytest.approx(unweighted[name], rel=1e-6), name


def test_classification_averages_are_weighted_by_support():
    X, y = _classification()
    result = by_trainer("classification", X, y, None)
    _, _, make_model, *_ = PROBLEMS["classification"]
    train, test = train_test_split(
        np.arange(y.shape[0]),
        test_size=TEST_SIZE,
        stratify=y,
        random_state=SEED,
    )
    y_pred = make_model().fit(X[train], y[train]).predict(X[test])
    for name, func in [
        ("precision", skm.precision_score),
        ("recall", skm.recall_score),
        ("f1_score", skm.f1_score),
    ]:
        macro = func(y[test], y_pred, average="macro", zero_division=0)
        micro = func(y[test], y_pred, average="micro", zero_division=0)
        reported = result.metrics[name]
        assert reported != pytest.approx(macro, rel=1e-6), name
        if name != "recall":  # weighted recall is accuracy, as micro is
            assert reported != pytest.approx(micro, rel=1e-6), name


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_fold_scores_cv_mean_and_cv_std_equal_sklearn_on_the_same_folds(
    problem, weighted
):
    problem_type, X, y, w = problem
    w = w if weighted else None
    _, expected_scores = by_hand(problem_type, X, y, w)
    result = by_trainer(problem_type, X, y, w)
    assert result.scoring == DEFAULT_SCORING[problem_type]
    assert result.cv_scores == pytest.approx(expected_scores, rel=1e-12, abs=1e-12)
    # cv_std is the population standard deviation of the folds (ddof=0), as
    # numpy.std computes by default.
    assert result.metrics["cv_mean"] == pytest.approx(
        statistics.fmean(expected_scores), rel=1e-12
    )
    assert result.metrics["cv_std"] == pytest.approx(
        statistics.pstdev(expected_scores), rel=1e-9
    )
    assert result.metrics["cv_std"] != pytest.approx(
        statistics.stdev(expected_scores), rel=1e-3
    )


def test_weights_change_every_fold_score(problem):
    problem_type, X, y, w = problem
    _, weighted = by_hand(problem_type, X, y, w)
    _, unweighted = by_hand(problem_type, X, y, None)
    for fold, (a, b) in enumerate(zip(weighted, unweighted, strict=True)):
        assert a != pytest.approx(b, rel=1e-6), f"fold {fold}"


@pytest.mark.parametrize(
    "problem_type, scoring",
    [
        ("classification", "balanced_accuracy"),
        ("regression", "neg_mean_absolute_error"),
    ],
)
def test_named_scoring_is_weighted_on_every_fold(problem_type, scoring):
    X, y = PROBLEMS[problem_type][0]()
    w = _weights(y.shape[0])
    _, expected = by_hand(problem_type, X, y, w, scoring=scoring)
    _, unweighted = by_hand(problem_type, X, y, None, scoring=scoring)
    assert expected != pytest.approx(unweighted, rel=1e-6)
    result = by_trainer(problem_type, X, y, w, scoring=scoring)
    assert result.scoring == scoring
    assert result.cv_scores == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert result.metrics["cv_mean"] == pytest.approx(statistics.fmean(expected))
    assert result.metrics["cv_std"] == pytest.approx(statistics.pstdev(expected))


def test_score_is_the_weighted_default_score(problem):
    problem_type, X, y, w = problem
    _, model_type, make_model, _, _, default = PROBLEMS[problem_type]
    trainer = ModelTrainer(model_type=model_type, test_size=0, cv_folds=0)
    trainer.fit(X, y)
    y_pred = make_model().fit(X, y).predict(X)
    assert trainer.score(X, y, sample_weight=w) == pytest.approx(
        default(y, y_pred, sample_weight=w), rel=1e-12
    )
    assert trainer.score(X, y, sample_weight=w) != pytest.approx(
        default(y, y_pred), rel=1e-6
    )


# -- the functions of easy_mlops.training.metrics, on fixed small inputs --------

Y_TRUE = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
Y_PRED = np.array([0, 0, 0, 0, 1, 2, 1, 1, 0, 2])
WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 4.0, 1.0, 1.0, 2.0, 3.0, 0.5])


def test_compute_metrics_classification_matches_sklearn():
    for w in (None, WEIGHTS):
        expected = {
            name: func(Y_TRUE, Y_PRED, w)
            for name, func in CLASSIFICATION_METRICS.items()
        }
        got = compute_metrics("classification", Y_TRUE, Y_PRED, sample_weight=w)
        assert list(got) == list(METRIC_NAMES["classification"])
        assert got == pytest.approx(expected, rel=1e-12)
        assert all(type(value) is float for value in got.values())


def test_compute_metrics_regression_matches_sklearn():
    y_true = np.array([3.0, -0.5, 2.0, 7.0, 4.0])
    y_pred = np.array([2.5, 0.0, 2.0, 8.0, 1.0])
    w = np.array([1.0, 2.0, 0.5, 3.0, 1.0])
    for weights in (None, w):
        expected = {
            name: func(y_true, y_pred, weights)
            for name, func in REGRESSION_METRICS.items()
        }
        got = compute_metrics("regression", y_true, y_pred, sample_weight=weights)
        assert list(got) == [*METRIC_NAMES["regression"], "mape"]
        assert got == pytest.approx(expected, rel=1e-12)
        assert got["rmse"] == pytest.approx(math.sqrt(got["mse"]), rel=1e-12)


def test_default_score_is_weighted_accuracy_or_r2():
    assert default_score("classification", Y_TRUE, Y_PRED) == 0.7
    weighted = default_score("classification", Y_TRUE, Y_PRED, sample_weight=WEIGHTS)
    assert weighted == pytest.approx(
        skm.accuracy_score(Y_TRUE, Y_PRED, sample_weight=WEIGHTS)
    )
    assert weighted != pytest.approx(0.7)
    y_true, y_pred = [1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.0, 4.5]
    w = [1.0, 3.0, 1.0, 2.0]
    assert default_score("regression", y_true, y_pred) == pytest.approx(
        skm.r2_score(y_true, y_pred)
    )
    assert default_score("regression", y_true, y_pred, w) == pytest.approx(
        skm.r2_score(y_true, y_pred, sample_weight=w)
    )
    assert type(default_score("regression", y_true, y_pred)) is float


@pytest.mark.parametrize(
    "scores, expected",
    [
        ([0.5, 0.7, 0.9], {"cv_mean": 0.7, "cv_std": math.sqrt(0.08 / 3)}),
        ([0.5, float("nan"), 0.9], {"cv_mean": 0.7, "cv_std": 0.2}),
        ([0.8], {"cv_mean": 0.8, "cv_std": 0.0}),
        ([float("nan"), float("inf")], {}),
        ([], {}),
    ],
    ids=["three folds", "a failed fold", "one fold", "no finite fold", "no fold"],
)
def test_summarize_cv_is_mean_and_population_std_of_finite_scores(scores, expected):
    summary = summarize_cv(scores)
    assert summary == pytest.approx(expected, rel=1e-12)
    assert list(summary) == list(CV_METRICS)[: len(summary)]
    assert all(type(value) is float for value in summary.values())


def test_mape_is_left_out_when_a_target_is_zero():
    got = compute_metrics("regression", [0.0, 1.0, 2.0], [0.5, 1.0, 2.5])
    assert "mape" not in got
    assert list(got) == list(METRIC_NAMES["regression"])


def test_mape_is_reported_when_no_target_is_zero():
    # A target of 1 is no reason to drop MAPE: only a zero divides by zero.
    y_true, y_pred = [1.0, 2.0, 4.0], [1.5, 2.0, 3.0]
    got = compute_metrics("regression", y_true, y_pred)
    assert got["mape"] == pytest.approx(
        skm.mean_absolute_percentage_error(y_true, y_pred)
    )


def test_probabilities_without_classes_add_no_probability_metrics():
    got = compute_metrics(
        "classification", ["a", "b"], ["a", "b"], y_proba=[[0.9, 0.1], [0.2, 0.8]]
    )
    assert list(got) == list(METRIC_NAMES["classification"])


def test_probability_metrics_keep_a_class_missing_from_the_holdout():
    # The columns of y_proba follow the model's classes, not the labels the
    # hold-out happens to hold.
    y_true = np.array(["a", "b", "a", "b"])
    proba = np.array(
        [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.3, 0.6, 0.1]]
    )
    classes = np.array(["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        got = compute_metrics(
            "classification", y_true, y_true, y_proba=proba, classes=classes
        )
    assert got["log_loss"] == pytest.approx(skm.log_loss(y_true, proba, labels=classes))


def test_probability_metrics_of_a_binary_problem():
    y_true = np.array(["no", "yes", "yes", "no", "yes"])
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.4, 0.6], [0.1, 0.9]])
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    got = compute_metrics(
        "classification",
        y_true,
        np.where(proba[:, 1] > 0.5, "yes", "no"),
        w,
        y_proba=proba,
        classes=np.array(["no", "yes"]),
    )
    assert got["roc_auc"] == pytest.approx(
        skm.roc_auc_score(y_true == "yes", proba[:, 1], sample_weight=w)
    )
    assert got["log_loss"] == pytest.approx(
        skm.log_loss(y_true, proba, labels=["no", "yes"], sample_weight=w)
    )


def test_single_precision_probabilities_score_without_a_warning():
    rng = np.random.default_rng(0)
    raw = rng.random((200, 3))
    proba = (raw / raw.sum(axis=1, keepdims=True)).astype(np.float32)
    y_true = rng.choice(np.array(["a", "b", "c"]), 200)
    classes = np.array(["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log_loss's "do not sum to one"
        got = compute_metrics(
            "classification", y_true, y_true, y_proba=proba, classes=classes
        )
    exact = proba.astype(float) / proba.astype(float).sum(axis=1, keepdims=True)
    assert got["log_loss"] == pytest.approx(
        skm.log_loss(y_true, exact, labels=classes), rel=1e-12
    )


def test_probabilities_that_do_not_sum_to_one_keep_scikit_learns_warning():
    proba = np.array([[0.5, 0.3], [0.2, 0.6], [0.7, 0.1]])  # rows sum to 0.8
    with pytest.warns(UserWarning, match="do not sum to one"):
        compute_metrics(
            "classification",
            ["a", "b", "a"],
            ["a", "b", "a"],
            y_proba=proba,
            classes=["a", "b"],
        )
