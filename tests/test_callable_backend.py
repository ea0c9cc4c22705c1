"""The callable, deep_learning and nlp backends."""

import re

import joblib
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from easy_mlops import ModelTrainer
from easy_mlops.training import load_model

BUILT = []


def build_model(config, problem_type):
    model = {"problem_type": problem_type, "mean": None}
    BUILT.append(model)
    return model


def train_in_place(model, X, y, config):
    model["mean"] = float(np.mean(y))
    model["n_rows"] = len(y)


def predict_mean(model, X):
    return np.full(len(X), model["mean"])


def build_text_model(config, problem_type):
    return make_pipeline(TfidfVectorizer(), LogisticRegression())


def train_text(model, X, y, config, sample_weight=None):
    return model.fit(X, y, logisticregression__sample_weight=sample_weight)


def predict_text(model, X):
    return model.predict(X)


def predict_text_proba(model, X):
    return model.predict_proba(X)


def text_data(n=60):
    rng = np.random.default_rng(0)
    good = ["great", "lovely", "excellent", "fine"]
    bad = ["awful", "poor", "broken", "sad"]
    y = rng.integers(0, 2, n)
    X = [" ".join(rng.choice(good if label else bad, 3)) + " product" for label in y]
    return X, np.where(y == 1, "positive", "negative")


MEAN = {
    "backend": "callable",
    "build_model": build_model,
    "train_fn": train_in_place,
    "predict_fn": predict_mean,
    "problem_type": "regression",
}
TEXT = {
    "backend": "nlp",
    "build_model": build_text_model,
    "train_fn": train_text,
    "predict_fn": predict_text,
}


def test_cv_and_refit_build_a_fresh_model_each(regression_data):
    BUILT.clear()
    X, y = regression_data
    trainer = ModelTrainer(MEAN, cv_folds=3).fit(X, y)
    assert len(BUILT) == 5  # hold-out, three folds, refit
    assert trainer.training_result_.model["n_rows"] == len(y)
    assert len(trainer.training_result_.cv_scores) == 3
    assert trainer.predict(X[:2]) == pytest.approx([y.mean()] * 2)
    assert trainer.n_features_in_ == X.shape[1]


def test_refit_false_keeps_the_holdout_model(regression_data):
    X, y = regression_data
    trainer = ModelTrainer(MEAN, cv_folds=0, refit=False).fit(X, y)
    assert trainer.training_result_.model["n_rows"] == 96


def test_text_as_a_list_of_strings():
    X, y = text_data()
    trainer = ModelTrainer(TEXT, cv_folds=3).fit(X, y)
    assert trainer.problem_type_ == "classification"
    assert not hasattr(trainer, "n_features_in_")
    assert trainer.training_result_.n_features is None
    assert trainer.training_result_.metrics["accuracy"] == 1.0
    assert list(trainer.predict(["excellent lovely product", "awful sad product"])) == [
        "positive",
        "negative",
    ]
    assert not hasattr(trainer, "predict_proba")


def test_predict_proba_with_predict_proba_fn():
    X, y = text_data()
    trainer = ModelTrainer({**TEXT, "predict_proba_fn": predict_text_proba}, cv_folds=0)
    assert hasattr(trainer, "predict_proba")
    proba = trainer.fit(X, y).predict_proba(X[:4])
    assert proba.shape == (4, 2)


def test_sample_weight_reaches_a_train_fn_that_takes_it():
    X, y = text_data()
    weights = np.ones(len(y))
    ModelTrainer(TEXT, cv_folds=0).fit(X, y, sample_weight=weights)
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        ModelTrainer(MEAN).fit(np.eye(10), np.arange(10.0), sample_weight=np.ones(10))


def test_evaluate_fn_and_cv_fn_give_the_metrics(regression_data):
    seen = {}

    def evaluate_fn(model, X_test, y_test, config):
        return {"custom": 1.5}

    def cv_fn(model, X, y, config):
        seen["model"] = model
        return {"cv_mean": 0.25, "folds": config["cv_folds"]}

    config = {**MEAN, "evaluate_fn": evaluate_fn, "cv_fn": cv_fn}
    trainer = ModelTrainer(config, cv_folds=4).fit(*regression_data)
    assert trainer.training_result_.metrics == {
        "custom": 1.5,
        "cv_mean": 0.25,
        "folds": 4.0,
    }
    # The trained hold-out model, as make-mlops-easy 0.4 passed it.
    y_train = trainer.split_data(*regression_data)[2]
    assert seen["model"]["n_rows"] == len(y_train) == 96
    assert seen["model"]["mean"] == pytest.approx(y_train.mean())
    assert seen["model"] is not trainer.training_result_.model
    assert "_trained_for_cv" not in vars(trainer.backend_)
    no_cv = ModelTrainer(config, cv_folds=0).fit(*regression_data)
    assert no_cv.training_result_.metrics == {"custom": 1.5}
    # Without a hold-out, cv_fn gets the model trained on all rows.
    ModelTrainer(config, cv_folds=4, test_size=0).fit(*regression_data)
    assert seen["model"]["n_rows"] == 120


def test_a_cv_fn_that_predicts_works_as_in_0_4(regression_data):
    """0.4 code that predicts in cv_fn failed with NotFittedError."""

    def build(config, problem_type):
        from sklearn.linear_model import LinearRegression

        return LinearRegression()

    def train(model, X, y, config):
        return model.fit(X, y)

    def cv_fn(model, X, y, config):
        return {"cv_r2": model.score(X, y)}

    config = {**MEAN, "build_model": build, "train_fn": train, "cv_fn": cv_fn}
    config["predict_fn"] = lambda model, X: model.predict(X)
    metrics = ModelTrainer(config, cv_folds=3).fit(*regression_data).metrics
    assert 0.9 < metrics["cv_r2"] <= 1.0


def predict_three(model, X):
    return np.zeros(3)


def test_predictions_of_the_wrong_length_are_refused(regression_data):
    X, y = regression_data
    good = ModelTrainer(MEAN, cv_folds=0).fit(X, y)
    before = good.training_result_
    bad = {**MEAN, "predict_fn": predict_three}
    with pytest.raises(
        ValueError,
        match=r"'predict_fn' returned an array of shape \(3,\) for 24 rows of X",
    ):
        good.set_params(config=bad).fit(X, y)
    assert good.training_result_ is before  # the failed fit changed nothing
    trainer = ModelTrainer(bad, cv_folds=0, test_size=0).fit(X, y)
    with pytest.raises(ValueError, match="shape \\(3,\\) for 40 rows of X"):
        trainer.predict(X[:40])


def test_probabilities_of_the_wrong_length_are_refused():
    X, y = text_data()
    config = {**TEXT, "predict_proba_fn": lambda model, X: np.full((2, 2), 0.5)}
    # With a hold-out, its probability metrics find the fault during fit.
    with pytest.raises(ValueError, match="'predict_proba_fn' returned an array of"):
        ModelTrainer(config, cv_folds=0).fit(X, y)
    trainer = ModelTrainer(config, cv_folds=0, test_size=0).fit(X, y)
    with pytest.raises(ValueError, match="'predict_proba_fn' returned an array of"):
        trainer.predict_proba(X[:5])


@pytest.mark.parametrize("key", ["evaluate_fn", "cv_fn"])
@pytest.mark.parametrize("value", ["high", None, [0.5], 1j])
def test_metrics_that_are_not_numbers_name_the_function_and_metric(
    regression_data, key, value
):
    config = {**MEAN, key: lambda *args: {"score": value}}
    with pytest.raises(TypeError, match=f"{key} must return .* metric 'score' is"):
        ModelTrainer(config, cv_folds=2).fit(*regression_data)


def train_nothing(model, X, y, config):
    if len(y) < 100:  # the folds' training rows, not the hold-out's or refit's
        raise RuntimeError("cannot train on so few rows")
    model["mean"] = float(np.mean(y))


def test_every_fold_failing_is_a_warning_and_a_note(regression_data):
    from sklearn.exceptions import FitFailedWarning

    config = {**MEAN, "train_fn": train_nothing}
    with pytest.warns(FitFailedWarning, match="all 3 folds raised an error"):
        trainer = ModelTrainer(config, cv_folds=3, test_size=0).fit(*regression_data)
    result = trainer.training_result_
    assert "cv_mean" not in result.metrics
    assert len(result.cv_errors) == 3
    assert any("Cross-validation failed: all 3 folds" in n for n in result.skipped)
    assert "cannot train on so few rows" in result.skipped[-1]


@pytest.mark.parametrize("backend", ["callable", "deep_learning", "nlp"])
@pytest.mark.parametrize(
    "missing, replacement, error, message",
    [
        ("build_model", None, ValueError, "needs the config key 'build_model'"),
        ("train_fn", None, ValueError, "needs the config key 'train_fn'"),
        ("predict_fn", None, ValueError, "needs the config key 'predict_fn'"),
        ("train_fn", "fit", TypeError, "'train_fn' .* must be a function"),
    ],
)
def test_missing_or_uncallable_functions_fail_before_work(
    backend, missing, replacement, error, message
):
    BUILT.clear()
    config = {**MEAN, "backend": backend, missing: replacement}
    with pytest.raises(error, match=message):
        ModelTrainer(config).fit(np.eye(10), np.arange(10.0))
    assert BUILT == []


def test_evaluate_fn_must_return_a_dict(regression_data):
    config = {**MEAN, "evaluate_fn": lambda *args: 0.5}
    with pytest.raises(TypeError, match="evaluate_fn must return a dict"):
        ModelTrainer(config).fit(*regression_data)


def test_extra_keys_reach_the_functions(regression_data):
    def build(config, problem_type):
        return {"scale": config["scale"]}

    def train(model, X, y, config):
        model["mean"] = float(np.mean(y)) * model["scale"]

    config = {**MEAN, "build_model": build, "train_fn": train, "scale": 2.0}
    trainer = ModelTrainer(config, cv_folds=0).fit(*regression_data)
    assert trainer.training_result_.model["mean"] == pytest.approx(
        2 * regression_data[1].mean()
    )


@pytest.mark.parametrize("scoring", ["accuracy", "f1_macro", "roc_auc", "neg_log_loss"])
def test_scorer_names_work_on_user_models(scoring):
    X, y = text_data()
    config = {**TEXT, "predict_proba_fn": predict_text_proba, "scoring": scoring}
    result = ModelTrainer(config, cv_folds=3).fit(X, y).training_result_
    assert result.cv_errors == []
    assert not np.isnan(result.cv_scores).any()
    assert result.scoring == scoring


def build_pair(config, problem_type):
    return (TfidfVectorizer(), LogisticRegression())


def train_pair(model, X, y, config):
    vectorizer, classifier = model
    classifier.fit(vectorizer.fit_transform(X), y)


def predict_pair(model, X):
    vectorizer, classifier = model
    return classifier.predict(vectorizer.transform(X))


def save_pair(model, output_path, metadata, config):
    joblib.dump(model, output_path)


def load_pair(model_path, config):
    return joblib.load(model_path)


def test_a_model_that_is_a_pair_survives_load_fn(tmp_path):
    X, y = text_data()
    config = {
        "backend": "nlp",
        "build_model": build_pair,
        "train_fn": train_pair,
        "predict_fn": predict_pair,
        "save_fn": save_pair,
        "load_fn": load_pair,
        "cv_folds": 0,
    }
    trainer = ModelTrainer(config).fit(X, y)
    loaded = load_model(trainer.save_model(tmp_path / "pair"))
    np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))


@pytest.mark.parametrize(
    "answer, message",
    [
        (lambda proba: proba[:, 1], r"shape \(\d+,\); it must return .*\(\d+, 2\)"),
        (lambda proba: np.tile(proba, (1, 3))[:, :5] / 2.5, r"shape \(\d+, 5\)"),
        (lambda proba: proba * 2, "not probabilities: row 0 .* summing to 2"),
        (lambda proba: proba - 0.5, "not probabilities: row 0"),
        (lambda proba: np.full(proba.shape, np.nan), "not probabilities"),
    ],
    ids=["one-column", "five-columns", "sum-2", "negative", "nan"],
)
def test_probabilities_that_are_not_one_per_class_are_refused(answer, message):
    X, y = text_data()
    config = {**TEXT, "predict_proba_fn": lambda m, X: answer(m.predict_proba(X))}
    # During fit: the hold-out's probability metrics find the fault.
    with pytest.raises(ValueError, match="'predict_proba_fn' returned") as info:
        ModelTrainer(config, cv_folds=0).fit(X, y)
    assert re.search(message, str(info.value))
    trainer = ModelTrainer(config, cv_folds=0, test_size=0).fit(X, y)
    with pytest.raises(ValueError, match=message):
        trainer.predict_proba(X[:5])


def test_probabilities_are_checked_against_the_classes_of_y():
    """A user's model need not have classes_: the target's classes count."""
    X, y = np.arange(60.0).reshape(30, 2), np.repeat(["a", "b", "c"], 10)
    config = {
        "backend": "callable",
        "build_model": build_model,
        "train_fn": lambda model, X, y, config: None,
        "predict_fn": lambda model, X: np.full(len(X), "a"),
        "predict_proba_fn": lambda model, X: np.full((len(X), 2), 0.5),
    }
    with pytest.raises(ValueError, match=r"shape \(30, 2\).*\(30, 3\).*'a', 'b', 'c'"):
        ModelTrainer(config, cv_folds=0, test_size=0).fit(X, y).predict_proba(X)
    good = {**config, "predict_proba_fn": lambda model, X: np.full((len(X), 3), 1 / 3)}
    trainer = ModelTrainer(good, cv_folds=0, test_size=0).fit(X, y)
    assert trainer.predict_proba(X[:2]).shape == (2, 3)
