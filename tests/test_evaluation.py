"""evaluate(): the metrics of fit, and in-sample scores named as such."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from easy_mlops import ModelTrainer, load_model
from easy_mlops.training import evaluate


@pytest.fixture(scope="module")
def fitted(classification_frame):
    X, y = classification_frame
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0)
    return trainer.fit(X[:80], y[:80]), X, y


def test_training_rows_are_labelled_in_sample(fitted):
    trainer, X, y = fitted
    evaluation = evaluate(trainer, X[:80], y[:80])
    assert evaluation.n_training_rows == 80 and evaluation.in_sample
    assert evaluation.notes[0].startswith(
        "In-sample: 80 of these 80 rows were used to train the model"
    )


def test_new_rows_are_not(fitted):
    trainer, X, y = fitted
    evaluation = evaluate(trainer, X[80:], y[80:])
    assert evaluation.n_training_rows == 0 and not evaluation.in_sample
    assert evaluation.notes == []
    assert evaluation.metrics["accuracy"] == pytest.approx(
        accuracy_score(y[80:], trainer.predict(X[80:]))
    )
    proba = trainer.predict_proba(X[80:])
    assert evaluation.metrics["log_loss"] == pytest.approx(
        log_loss(y[80:], proba, labels=trainer.classes_)
    )


def test_a_few_training_rows_are_counted_without_the_label(fitted):
    trainer, X, y = fitted
    mixed = pd.concat([X[:10], X[80:]])
    evaluation = evaluate(trainer, mixed, pd.concat([y[:10], y[80:]]))
    assert evaluation.n_training_rows == 10 and not evaluation.in_sample
    assert evaluation.notes == [
        "10 of these 50 rows were used to train the model; the scores are partly "
        "in-sample."
    ]


@pytest.mark.parametrize("format", ["joblib", "skops"])
def test_the_fingerprint_is_saved_with_the_model(fitted, tmp_path, format):
    if format == "skops":
        pytest.importorskip("skops")
    trainer, X, y = fitted
    path = trainer.save_model(tmp_path / "model.easymlops", format=format)
    loaded = load_model(path)
    assert evaluate(loaded, X[:80], y[:80]).n_training_rows == 80
    assert evaluate(loaded, X[80:], y[80:]).n_training_rows == 0


def test_a_pipeline_is_matched_on_what_its_trainer_saw(classification_data):
    X, y = classification_data
    pipe = make_pipeline(StandardScaler(), ModelTrainer(cv_folds=0, test_size=0))
    pipe.set_params(modeltrainer__model_type="logistic_regression").fit(X[:60], y[:60])
    assert evaluate(pipe, X[:60], y[:60]).in_sample
    assert evaluate(pipe, X[60:], y[60:]).n_training_rows == 0
    assert np.isfinite(evaluate(pipe, X[60:], y[60:]).metrics["roc_auc"])
