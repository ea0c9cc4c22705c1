"""The report: metrics.json, PNG plots that open as images, an index.html using them."""

import html
import json
import re
import sys

import numpy as np
import pytest

from easy_mlops import ModelTrainer
from easy_mlops.report import FILE_NAMES, holdout_predictions, write_report
from easy_mlops.training import ModelQualityWarning


def fitted(X, y, fast, **settings):
    return ModelTrainer({**fast, "cv_folds": 3, **settings}).fit(X, y)


def check_files(report):
    Image = pytest.importorskip("PIL.Image")
    record = json.loads((report.directory / "metrics.json").read_text())
    page = report.index.read_text()
    pngs = [path for path in report.files if path.suffix == ".png"]
    for path in pngs:
        with Image.open(path) as image:
            assert image.format == "PNG" and min(image.size) > 100
    assert sorted(re.findall(r'<img src="([^"]+)"', page)) == sorted(
        path.name for path in pngs
    )
    assert record["plots"] == [path.name for path in pngs]
    # The command line keeps the inputs out of the way of these names.
    assert {path.name for path in report.files} <= set(FILE_NAMES)
    assert sorted(path.name for path in report.directory.iterdir()) == sorted(
        path.name for path in report.files
    )
    return record, page


def test_classification_report(tmp_path, classification_frame, fast):
    X, y = classification_frame
    trainer = fitted(X, y, fast)
    y_true, y_pred = holdout_predictions(trainer, X, y)
    assert y_true.shape == (trainer.training_result_.n_test,)
    accuracy = np.mean(y_true == y_pred)
    assert accuracy == pytest.approx(trainer.training_result_.metrics["accuracy"])

    report = write_report(trainer, tmp_path / "r", y_true=y_true, y_pred=y_pred)
    record, page = check_files(report)
    names = [path.name for path in report.files]
    assert names == [
        "metrics.json",
        "confusion_matrix.png",
        "cv_scores.png",
        "permutation_importance.png",
        "roc_pr_curves.png",
        "index.html",
    ]
    assert record["metrics"] == trainer.training_result_.to_dict()["metrics"]
    assert "accuracy" in page and report.notes == []


def test_the_report_draws_from_the_kept_holdout_without_a_fit(
    tmp_path, classification_frame, fast, monkeypatch
):
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import accuracy_score, roc_auc_score

    X, y = classification_frame
    trainer = fitted(X, y, fast)
    holdout = trainer.training_result_.holdout
    metrics = trainer.training_result_.metrics
    assert metrics["accuracy"] == pytest.approx(
        accuracy_score(holdout.y_true, holdout.y_pred)
    )
    positive = holdout.y_true == holdout.classes[1]
    assert metrics["roc_auc"] == pytest.approx(
        roc_auc_score(positive, holdout.y_proba[:, 1])
    )
    np.testing.assert_array_equal(holdout.model.predict(holdout.X), holdout.y_pred)

    def no_fit(*args, **kwargs):
        raise AssertionError("the report fitted a model")

    monkeypatch.setattr(trainer.backend_, "fit_model", no_fit)
    report = write_report(trainer, tmp_path / "r")
    record, _ = check_files(report)
    expected = permutation_importance(
        holdout.model, holdout.X, holdout.y_true, n_repeats=5, random_state=0
    )
    assert list(record["permutation_importance"]) == list(X.columns)
    np.testing.assert_allclose(
        list(record["permutation_importance"].values()), expected.importances_mean
    )


def test_a_comparison_report_draws_the_leaderboard(tmp_path, classification_data):
    X, y = classification_data
    trainer = ModelTrainer(
        {"model_type": ["logistic_regression", "hist_gradient_boosting"]}, cv_folds=3
    ).fit(X, y)
    report = write_report(trainer, tmp_path / "r")
    names = [path.name for path in report.files]
    assert "leaderboard.png" in names and set(names) <= set(FILE_NAMES)
    assert "Model types compared on the same folds" in report.index.read_text()


def test_regression_report(tmp_path, regression_data, fast):
    X, y = regression_data
    trainer = fitted(X, y, fast)
    y_true, y_pred = holdout_predictions(trainer, X, y)
    report = write_report(trainer, tmp_path, y_true=y_true, y_pred=y_pred)
    check_files(report)
    assert {path.name for path in report.files} >= {
        "predicted_vs_actual.png",
        "residuals.png",
        "cv_scores.png",
    }


def test_without_holdout_or_cv_the_report_says_so(tmp_path, regression_data, fast):
    X, y = regression_data
    trainer = fitted(X, y, fast, test_size=0, cv_folds=0)
    assert holdout_predictions(trainer, X, y) == (None, None)
    report = write_report(trainer, tmp_path)
    assert [path.name for path in report.files] == ["metrics.json", "index.html"]
    assert len(report.notes) == 2
    assert "No plots" in report.index.read_text()


def test_without_matplotlib_the_json_is_still_written(
    tmp_path, classification_data, fast, monkeypatch
):
    X, y = classification_data
    trainer = fitted(X, y, fast)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = write_report(trainer, tmp_path, y_true=y[:5], y_pred=y[:5])
    assert [path.name for path in report.files] == ["metrics.json", "index.html"]
    (note,) = report.notes
    assert 'pip install "easy-mlops[report]"' in note
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert record["notes"] == [note] and record["metrics"]


def test_a_raw_table_report_shows_each_column_and_matches_the_holdout(tmp_path, fast):
    pytest.importorskip("matplotlib")
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "city": rng.choice(["Paris", "Lyon", None], n),
            "seen": pd.date_range("2020-01-01", periods=n).strftime("%Y-%m-%d"),
        }
    )
    y = np.where(X["size"] > 0, "up", "down")
    trainer = fitted(X, y, fast)
    y_true, y_pred = holdout_predictions(trainer, X, y)
    accuracy = float(np.mean(y_true == y_pred))
    assert accuracy == pytest.approx(trainer.training_result_.metrics["accuracy"])
    report = write_report(trainer, tmp_path / "report", y_true=y_true, y_pred=y_pred)
    _, page = check_files(report)
    assert "<h2>Columns</h2>" in page
    assert "<tr><td>city</td><td>categorical</td>" in page
    assert "<tr><td>seen</td><td>datetime</td>" in page


def test_the_report_shows_the_baseline_and_says_when_it_is_not_beaten(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 3))
    y = rng.choice(["a", "b"], size=90, p=[0.7, 0.3])  # independent of X
    with pytest.warns(ModelQualityWarning):
        trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3).fit(X, y)
    report = write_report(trainer, tmp_path / "r")
    page = report.index.read_text()
    baseline = trainer.training_result_.baseline
    accuracy = baseline["metrics"]["accuracy"]
    assert "<th>baseline</th>" in page and f"<td>{accuracy:.4f}</td>" in page
    assert report.notes[0] == baseline["warning"]
    assert html.escape(baseline["warning"]) in page
