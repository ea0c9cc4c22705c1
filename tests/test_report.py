"""The report: metrics.json, PNG plots that open as images, an index.html using them."""

import html
import json
import re
import sys
from pathlib import Path

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


DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def documented(report):
    """The files of ``report`` that docs/cli.md's Report section does not list."""
    text = DOCS.read_text(encoding="utf-8").split("## Report", 1)[1]
    return [path.name for path in report.files if f"`{path.name}`" not in text]


def test_a_comparison_report_tables_the_leaderboard(tmp_path, classification_frame):
    X, y = classification_frame
    trainer = ModelTrainer(
        {"model_type": ["logistic_regression", "hist_gradient_boosting"]}, cv_folds=3
    ).fit(X, y.rename("label"))
    result = trainer.training_result_
    report = write_report(
        trainer, tmp_path / "r", data=X.assign(label=y), source="labels.csv"
    )
    names = [path.name for path in report.files]
    assert names[-2:] == ["data.html", "index.html"] and "leaderboard.png" in names
    assert set(names) <= set(FILE_NAMES)
    assert documented(report) == []
    page = report.index.read_text()
    best, second = result.leaderboard
    assert (
        f"{best['model_type']} won on {result.scoring} with {best['cv_mean']:.4f} ± "
        f"{best['cv_std']:.4f}, {best['cv_mean'] - second['cv_mean']:.4f} ahead of "
        f"{second['model_type']} ({second['cv_mean']:.4f})." in page
    )
    board = page.split('<table id="leaderboard">')[1].split("</table>")[0]
    baseline = result.baseline["metrics"]
    assert re.findall(r'<td class="number">([^<]*)</td>', board) == [
        *(
            value
            for row in result.leaderboard
            for value in (
                f"{row['cv_mean']:.4f}",
                f"{row['cv_std']:.4f}",
                f"{row['fit_seconds_per_row'] * 1000:.3f}",
            )
        ),
        f"{baseline['cv_mean']:.4f}",
        f"{baseline['cv_std']:.4f}",
        "",
    ]
    # The header names the data, target and problem type; the sources of
    # the metrics are a column; the manifest is folded away.
    assert "<dt>Data</dt><dd>labels.csv: 120 rows, 5 features</dd>" in page
    assert "<dt>Target</dt><dd>label</dd>" in page
    assert f"<dd>classification ({result.problem_type_reason})</dd>" in page
    assert "<td>hold-out, 24 rows</td>" in page
    assert f"<td>3-fold cross-validation of {result.scoring}</td>" in page
    assert "<details><summary>The whole record (JSON)</summary>" in page
    # skrub's own report of the table, beside the page; nothing from the net.
    data = (tmp_path / "r" / "data.html").read_text()
    assert "Training data: labels.csv" in data and "feature_4" in data
    assert '<iframe src="data.html"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_a_baseline_and_extra_leaderboard_rows_are_shown_when_present(
    tmp_path, classification_data
):
    # Later steps of the flow (a baseline, an ensemble) add to the record;
    # the report shows what is there and needs none of it.
    X, y = classification_data
    trainer = ModelTrainer(
        {"model_type": ["logistic_regression", "hist_gradient_boosting"]}, cv_folds=3
    ).fit(X, y)
    result = trainer.training_result_
    result.baseline = {"strategy": "prior", "metrics": {"accuracy": 0.5125}}
    result.leaderboard.append(
        {
            "model_type": "ensemble",
            "estimator": "VotingClassifier",
            "cv_mean": 0.51,
            "cv_std": 0.02,
            "fit_seconds_per_row": 0.001,
            "error": None,
        }
    )
    page = write_report(trainer, tmp_path / "r").index.read_text()
    assert "<th>baseline</th>" in page
    assert '<td class="number">0.5125</td>' in page
    accuracy = result.metrics["accuracy"]
    assert (
        f"On accuracy the model scores {accuracy:.4f} against the baseline's "
        "0.5125." in html.unescape(page)
    )
    assert "<td>3</td><td>ensemble<br><small>VotingClassifier</small></td>" in page


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
    assert documented(report) == []


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
    assert "<th>baseline</th>" in page
    assert f'<td class="number">{accuracy:.4f}</td>' in page
    assert report.notes[0] == baseline["warning"]
    assert html.escape(baseline["warning"]) in page
