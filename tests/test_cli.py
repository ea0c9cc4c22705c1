"""The easy-mlops command line, run as users run it: in a subprocess, on small CSVs."""

import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from easy_mlops.config import load_config
from easy_mlops.training.settings import DEFAULTS

FAST = "training:\n  cv_folds: 2\n  model_params:\n    n_estimators: 10\n"


def run(cwd, *args, terminal=False):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")
    }
    env["COLUMNS"] = "200"
    if terminal:
        env["TTY_COMPATIBLE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "easy_mlops", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture
def workdir(tmp_path, classification_frame, regression_data):
    X, y = classification_frame
    X.assign(label=y).to_csv(tmp_path / "labels.csv", index=False)
    X, y = regression_data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame.insert(0, "price", y)
    frame.to_csv(tmp_path / "prices.csv", index=False)
    (tmp_path / "fast.yaml").write_text(FAST)
    return tmp_path


def test_train_predict_evaluate_with_string_labels(workdir):
    trained = run(
        workdir,
        *("train", "labels.csv", "--config", "fast.yaml", "-o", "m.joblib"),
        *("--report", "report"),
    )
    assert trained.returncode == 0, trained.stderr
    assert "Problem type: classification (the target holds labels" in trained.stdout
    assert "accuracy" in trained.stdout and "2-fold cross-validation" in trained.stdout
    assert "Model saved to m.joblib" in trained.stdout
    assert trained.stderr == ""  # no progress bar off a terminal
    assert (workdir / "report" / "confusion_matrix.png").is_file()
    assert "confusion_matrix.png" in (workdir / "report" / "index.html").read_text()
    record = json.loads((workdir / "report" / "metrics.json").read_text())
    assert record["manifest"] and record["metrics"]["accuracy"] > 0.5

    predicted = run(workdir, "predict", "m.joblib", "labels.csv")
    assert predicted.returncode == 0, predicted.stderr
    predictions = pd.read_csv(io.StringIO(predicted.stdout))
    assert list(predictions.columns) == ["prediction"]
    assert len(predictions) == 120 and set(predictions["prediction"]) <= {"yes", "no"}

    evaluated = run(workdir, "evaluate", "m.joblib", "labels.csv")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "target 'label'" in evaluated.stdout and "accuracy" in evaluated.stdout
    # evaluate reports the probability metrics training reports, computed on
    # the file's rows: compare with scikit-learn on the same predictions.
    from sklearn.metrics import log_loss, roc_auc_score

    from easy_mlops import load_model

    model = load_model(workdir / "m.joblib")
    frame = pd.read_csv(workdir / "labels.csv")
    proba = model.predict_proba(frame.drop(columns="label"))
    shown = dict(re.findall(r"(roc_auc|log_loss)\W+([0-9.]+)", evaluated.stdout))
    assert float(shown["roc_auc"]) == pytest.approx(
        roc_auc_score(frame["label"], proba[:, 1]), abs=1e-4
    )
    assert float(shown["log_loss"]) == pytest.approx(
        log_loss(frame["label"], proba, labels=model.classes_), abs=1e-4
    )


def test_regression_with_a_named_target_and_predictions_to_a_file(workdir):
    trained = run(
        workdir,
        *("train", "prices.csv", "--target", "price", "-c", "fast.yaml"),
        "--quiet",
    )
    assert trained.returncode == 0, trained.stderr
    assert trained.stdout == "" and trained.stderr == ""
    predicted = run(
        workdir, "predict", "model.easymlops", "prices.csv", "--output", "p.csv"
    )
    assert predicted.returncode == 0, predicted.stderr
    predictions = pd.read_csv(workdir / "p.csv")["prediction"]
    actual = pd.read_csv(workdir / "prices.csv")["price"]
    assert np.corrcoef(predictions, actual)[0, 1] > 0.8
    refused = run(workdir, "predict", "model.easymlops", "prices.csv", "--proba")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "--proba needs class probabilities" in refused.stderr


def test_train_without_data_uses_the_demo_and_shows_progress_on_a_terminal(workdir):
    result = run(workdir, "train", "--config", "fast.yaml", terminal=True)
    assert result.returncode == 0, result.stderr
    assert "bundled breast-cancer demo data: 569 rows" in result.stdout
    assert "classification" in result.stdout
    # The bar is a scikit-learn callback on the trainer: it counts the fits
    # it is told of, the hold-out, the two folds and the refit.
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr)
    assert "Fitting" in shown and "4/4" in shown
    assert (workdir / "model.easymlops").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (("train", "missing.csv"), "does not exist"),
        (("train", "labels.csv", "--target", "lable"), "did you mean 'label'?"),
        (("train", "labels.csv", "-c", "bad.yaml"), "training.test_size must be"),
        (("predict", "fast.yaml", "labels.csv"), "fast.yaml"),
        (("train", "one_class.csv"), "only one class"),
    ],
    ids=["missing-file", "unknown-column", "bad-config", "bad-model", "one-class"],
)
def test_user_errors_exit_2_with_one_message(workdir, args, message):
    (workdir / "bad.yaml").write_text("training:\n  test_size: 1.5\n")
    pd.DataFrame({"x": range(10), "y": ["a"] * 10}).to_csv(
        workdir / "one_class.csv", index=False
    )
    result = run(workdir, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "Metrics" not in result.stdout


def test_debug_shows_the_traceback(workdir):
    result = run(workdir, "train", "labels.csv", "--target", "lable", "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "did you mean 'label'?" in result.stderr


def test_init_writes_the_defaults_and_backends_lists_the_catalogue(workdir):
    assert run(workdir, "init").returncode == 0
    assert load_config(workdir / "easy-mlops.yaml") == DEFAULTS
    again = run(workdir, "init")
    assert again.returncode == 2 and "--force" in again.stderr

    listing = run(workdir, "backends")
    assert listing.returncode == 0, listing.stderr
    assert "logistic_regression" in listing.stdout and "sklearn" in listing.stdout


def test_a_closed_pipe_is_not_reported_as_an_error(tmp_path):
    data = tmp_path / "rows.csv"
    # Far more output than a pipe buffers, so the writer meets the closed pipe.
    data.write_text("a\n" + "".join(f"{i}\n" for i in range(200_000)))
    model = tmp_path / "m.easymlops"
    code = (
        "import pandas as pd\n"
        "from easy_mlops import ModelTrainer\n"
        "X = pd.DataFrame({'a': range(400)}); y = X['a'] % 2\n"
        "trainer = ModelTrainer(model_type='logistic_regression', cv_folds=0)\n"
        f"trainer.fit(X, y).save_model({str(model)!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    command = f"{sys.executable} -m easy_mlops predict {model} {data} | head -n 2"
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[0] == "prediction"
    assert "Broken pipe" not in result.stderr and "Error" not in result.stderr


# -- real files ------------------------------------------------------------------


def raw_table(n=120, seed=0):
    """A table as users export it: text, dates, markers, an ID, gaps."""
    rng = np.random.default_rng(seed)
    size = rng.normal(50, 10, n)
    city = rng.choice(["Paris", "Lyon", "Nice"], n)
    frame = pd.DataFrame(
        {
            "order_id": [f"A-{i:04d}" for i in range(n)],
            "size": [f"{v:.1f}" if i % 11 else "?" for i, v in enumerate(size)],
            "city": city,
            "ordered": pd.date_range("2021-01-01", periods=n).strftime("%d/%m/%Y"),
            "note": [None] * n,
            "kind": np.where((size > 50) ^ (city == "Lyon"), "big", "small"),
        }
    )
    frame.loc[[3, 17], "kind"] = None
    frame.loc[[5, 8], "city"] = "NA"
    return frame


@pytest.fixture
def rawdir(tmp_path):
    frame = raw_table()
    frame.to_csv(tmp_path / "orders.csv")  # pandas' default: a row-number column
    (tmp_path / "fast.yaml").write_text(FAST)
    return tmp_path


def test_a_raw_csv_trains_predicts_and_evaluates_with_no_code(rawdir):
    trained = run(
        rawdir,
        *("train", "orders.csv", "--target", "kind", "--id", "order_id"),
        *("--cv-folds", "3", "--model-type", "hist_gradient_boosting"),
    )
    assert trained.returncode == 0, trained.stderr
    out = trained.stdout
    assert "118 rows, 4 features, target 'kind'" in out
    assert "Dropped 2 row(s) whose target 'kind' is empty." in out
    assert "Column 'Unnamed: 0' has no name and a different value" in out
    assert "HistGradientBoostingClassifier" in out
    for column, kind in [
        ("size", "numeric"),
        ("city", "categorical"),
        ("ordered", "datetime"),
        ("note", "dropped"),
    ]:
        assert re.search(rf"{column}\s+│ {kind}", out), (column, out)
    assert "3-fold cross-validation" in out
    assert out.count("Note:") == len(
        set(line for line in out.splitlines() if "Note:" in line)
    )

    new = raw_table(seed=1).drop(columns="kind").iloc[:, ::-1]
    new.to_csv(rawdir / "new.tsv", sep="\t", index=False)
    predicted = run(rawdir, "predict", "model.easymlops", "new.tsv")
    assert predicted.returncode == 0, predicted.stderr
    predictions = pd.read_csv(io.StringIO(predicted.stdout))
    assert list(predictions.columns) == ["order_id", "prediction"]
    assert predictions["order_id"].tolist() == new["order_id"].tolist()
    assert set(predictions["prediction"]) <= {"big", "small"}

    evaluated = run(rawdir, "evaluate", "model.easymlops", "orders.csv")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "118 rows, target 'kind'" in evaluated.stdout
    assert "skipped 2 row(s) whose target is empty" in evaluated.stdout


def test_an_index_with_gaps_is_the_index_not_a_feature(rawdir):
    # After dropna or sampling, to_csv writes an index with gaps; sorted by
    # the target it would leak the answer.
    frame = raw_table().dropna(subset=["kind"]).sort_values("kind")
    frame.drop(columns="order_id").iloc[::2].to_csv(rawdir / "sorted.csv")
    result = run(rawdir, "train", "sorted.csv", "-t", "kind", "-c", "fast.yaml")
    assert result.returncode == 0, result.stderr
    assert "Column 'Unnamed: 0' has no name and a different value" in result.stdout
    assert "59 rows, 4 features" in result.stdout


def test_evaluate_needs_the_recorded_target_and_never_takes_the_last_column(rawdir):
    run(rawdir, "train", "orders.csv", "--target", "kind", "-c", "fast.yaml")
    raw_table().drop(columns="kind").to_csv(rawdir / "unlabelled.csv", index=False)
    result = run(rawdir, "evaluate", "model.easymlops", "unlabelled.csv")
    assert result.returncode == 2
    assert "has no target column 'kind'" in result.stderr
    assert "order_id, size, city, ordered, note" in result.stderr
    assert "Traceback" not in result.stderr


def test_parquet_files_train_and_predict(rawdir):
    pytest.importorskip("pyarrow")
    frame = raw_table().dropna(subset=["kind"])
    frame.to_parquet(rawdir / "orders.parquet")
    trained = run(
        rawdir,
        "train",
        "orders.parquet",
        "-t",
        "kind",
        "--drop",
        "order_id",
        "-c",
        "fast.yaml",
    )
    assert trained.returncode == 0, trained.stderr
    assert "4 features" in trained.stdout
    predicted = run(rawdir, "predict", "model.easymlops", "orders.parquet")
    assert predicted.returncode == 0, predicted.stderr
    assert len(pd.read_csv(io.StringIO(predicted.stdout))) == len(frame)


def test_na_values_and_encoding_options(rawdir):
    frame = raw_table().dropna(subset=["kind"])
    frame["city"] = frame["city"].replace({"Nice": "Besançon"})
    frame.to_csv(rawdir / "latin.csv", index=False, encoding="latin-1")
    refused = run(rawdir, "train", "latin.csv", "-t", "kind", "-c", "fast.yaml")
    assert refused.returncode == 2
    assert "latin.csv is not valid utf-8 text" in refused.stderr
    assert "--encoding latin-1" in refused.stderr
    accepted = run(
        rawdir,
        "train",
        "latin.csv",
        "-t",
        "kind",
        "-c",
        "fast.yaml",
        "--encoding",
        "latin-1",
        "--na-values",
        "?,",
    )
    assert accepted.returncode == 0, accepted.stderr


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_name(rawdir):
    # Spreadsheet programs save "CSV UTF-8" with a byte-order mark: the first
    # column must still be found by its name, for --id, --target and predict.
    frame = raw_table().dropna(subset=["kind"])
    frame.to_csv(rawdir / "excel.csv", index=False, encoding="utf-8-sig")
    assert (rawdir / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbforder_id")
    trained = run(
        rawdir,
        "train",
        "excel.csv",
        "-t",
        "kind",
        "--id",
        "order_id",
        "-c",
        "fast.yaml",
    )
    assert trained.returncode == 0, trained.stderr
    assert "4 features" in trained.stdout
    predicted = run(
        rawdir, "predict", "model.easymlops", "excel.csv", "--id", "order_id"
    )
    assert predicted.returncode == 0, predicted.stderr
    output = pd.read_csv(io.StringIO(predicted.stdout))
    assert output["order_id"].tolist() == frame["order_id"].tolist()


def test_identifier_columns_are_named_in_a_note(rawdir):
    result = run(rawdir, "train", "orders.csv", "-t", "kind", "-c", "fast.yaml")
    assert result.returncode == 0, result.stderr
    assert "Column 'order_id' holds a different value in every row" in result.stdout
    assert "--id or --drop" in result.stdout


def test_no_metrics_is_said_in_one_line(rawdir):
    result = run(
        rawdir,
        "train",
        "orders.csv",
        "-t",
        "kind",
        "-c",
        "fast.yaml",
        "--test-size",
        "0",
        "--cv-folds",
        "0",
    )
    assert result.returncode == 0, result.stderr
    assert "No metrics: test_size and cv_folds turn both off." in result.stdout
    assert "Metrics" not in result.stdout


def test_a_bad_cell_without_preprocessing_names_column_and_file(workdir):
    trained = run(
        workdir,
        "train",
        "prices.csv",
        "-t",
        "price",
        "-c",
        "fast.yaml",
        "--preprocessing",
        "none",
    )
    assert trained.returncode == 0, trained.stderr
    frame = pd.read_csv(workdir / "prices.csv").astype({"x2": object})
    frame.loc[4, "x2"] = "twelve"
    frame.to_csv(workdir / "bad.csv", index=False)
    result = run(workdir, "predict", "model.easymlops", "bad.csv")
    assert result.returncode == 2
    assert "Column 'x2' of bad.csv holds 'twelve'" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("--drop", "kind"), "target column 'kind' is also given to --drop"),
        (("--id", "kind"), "target column 'kind' is also given to --id"),
        (
            ("--drop", "sise"),
            "no column 'sise' (given to --drop); did you mean 'size'?",
        ),
        (("--model-type", "forest"), "model_type"),
        (("--preprocessing", "none"), "preprocessing='auto'"),
    ],
    ids=["drop-target", "id-target", "unknown-drop", "bad-model-type", "text-no-prep"],
)
def test_column_and_override_errors_exit_2(rawdir, args, message):
    result = run(rawdir, "train", "orders.csv", "-t", "kind", "-c", "fast.yaml", *args)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_column_names_are_an_error(rawdir):
    (rawdir / "dup.csv").write_text("a,b,a,y\n1,2,3,x\n4,5,6,z\n")
    result = run(rawdir, "train", "dup.csv")
    assert result.returncode == 2
    assert "duplicate column names ['a']" in result.stderr


def test_help_answers_without_importing_the_libraries():
    code = (
        "import sys\n"
        "from easy_mlops.cli import main\n"
        "try:\n    main(['--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sklearn', 'pandas', 'skrub', 'numpy') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("[]")


def test_predict_and_evaluate_take_a_saved_pipeline(workdir):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from easy_mlops import ModelTrainer, save_model

    frame = pd.read_csv(workdir / "prices.csv")
    X, y = frame.drop(columns="price"), frame["price"]
    pipe = make_pipeline(StandardScaler(), ModelTrainer(cv_folds=0)).fit(X, y)
    save_model(pipe, workdir / "pipe.easymlops")
    predicted = run(workdir, "predict", "pipe.easymlops", "prices.csv")
    assert predicted.returncode == 0, predicted.stderr
    values = pd.read_csv(io.StringIO(predicted.stdout))["prediction"]
    np.testing.assert_allclose(values, pipe.predict(X), rtol=1e-6)
    evaluated = run(workdir, "evaluate", "pipe.easymlops", "prices.csv")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "target 'price'" in evaluated.stdout and "r2_score" in evaluated.stdout


def test_compare_prints_a_leaderboard_and_the_report_draws_it(workdir):
    result = run(
        workdir,
        *("train", "labels.csv", "--model-type", "compare", "--cv-folds", "2"),
        *("--report", "out"),
    )
    assert result.returncode == 0, result.stderr
    assert "Leaderboard (balanced_accuracy, same folds)" in result.stdout
    for name in ("logistic_regression", "random_forest_classifier"):
        assert name in result.stdout
    files = {path.name for path in (workdir / "out").iterdir()}
    assert {
        "leaderboard.png",
        "permutation_importance.png",
        "roc_pr_curves.png",
        "confusion_matrix.png",
    } <= files
    record = json.loads((workdir / "out" / "metrics.json").read_text())
    board = record["training"]["leaderboard"]
    assert [row["cv_mean"] for row in board] == sorted(
        (row["cv_mean"] for row in board), reverse=True
    )
    assert set(record["permutation_importance"]) == {f"feature_{i}" for i in range(5)}


def test_an_unknown_entry_of_a_model_type_list_exits_2(workdir):
    result = run(
        workdir, "train", "labels.csv", "--model-type", "logistic_regression,forest"
    )
    assert result.returncode == 2
    assert "Unknown model_type 'forest'" in result.stderr


def test_the_leaderboard_keeps_its_numbers_whole_in_80_columns():
    from types import SimpleNamespace

    from rich.console import Console

    from easy_mlops.cli._output import leaderboard_table

    rows = [
        {
            "model_type": "hist_gradient_boosting",
            "estimator": "HistGradientBoostingClassifier",
            "cv_mean": 0.95431,
            "cv_std": 0.01402,
            "fit_seconds_per_row": 0.0000217,
            "error": None,
        },
        {
            "model_type": "random_forest_classifier",
            "estimator": "RandomForestClassifier",
            "cv_mean": 0.94732,
            "cv_std": 0.00361,
            "fit_seconds_per_row": 0.0000031,
            "error": None,
        },
    ]
    baseline = {
        "estimator": "DummyClassifier()",
        "metrics": {"cv_mean": 0.6274, "cv_std": 0.0021},
        "cv_scores": [0.6253, 0.6295],
    }
    result = SimpleNamespace(scoring="accuracy", leaderboard=rows, baseline=baseline)
    out = io.StringIO()
    Console(file=out, width=80).print(leaderboard_table(result))
    shown = out.getvalue()
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "…" not in shown and "note" not in shown  # nothing failed
    for number in ("0.9543", "0.0140", "0.9473", "0.0036", "0.022", "0.003"):
        assert number in shown
    assert shown.index("0.9543") < shown.index("0.9473")  # the best first
    # The baseline comes last, without a rank.
    assert shown.index("0.9473") < shown.index("0.6274")
    assert re.search(r"\n│\s+- │ baseline\s+│\s+0.6274", shown)

    rows[1] |= {"cv_mean": None, "cv_std": None, "error": "ValueError: bad"}
    out = io.StringIO()
    Console(file=out, width=80).print(leaderboard_table(result))
    shown = out.getvalue()
    assert "random_forest_classifier failed: ValueError: bad" in shown
    assert "n/a" in shown
    assert re.search(r"\n│\s+- │ random_forest", shown)  # failed: no rank


# -- bad inputs of issue 21: each one message, before any work ------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (("--id", "x0", "--drop", "x0"), "'x0' given to both --id and --drop"),
        (("--target", "x1"), "given 2 times ('price', 'x1')"),
        (("--track", "--no-track"), "--track and --no-track contradict"),
    ],
    ids=["id-and-drop", "target-twice", "track-and-no-track"],
)
def test_contradicting_options_are_a_usage_error(workdir, args, message):
    result = run(workdir, "train", "prices.csv", "-t", "price", *args)
    assert result.returncode == 2
    assert "Usage: easy-mlops train" in result.stderr and message in result.stderr
    assert "Training on" not in result.stdout


@pytest.mark.parametrize("where", ["prices.csv/report", "/proc/easy-mlops-report"])
def test_an_unwritable_report_directory_is_refused_before_training(workdir, where):
    result = run(workdir, "train", "prices.csv", "--report", where)
    assert result.returncode == 2
    assert f"The report directory {where} cannot be" in result.stderr
    assert "Training on" not in result.stdout
    assert not (workdir / "model.easymlops").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,y\n1,2,3,4\n5,6,7\n", "rows.csv, line 2: 4 fields, but the header has 3"),
        ("a,b,y\n1,2,3\n5,6\n", "rows.csv, line 3: 2 fields, but the header has 3"),
        (
            "a,b,y\n1,2,3\n4,inf,6\n",
            "Column 'b' of rows.csv holds inf (data row 2), an infinite number",
        ),
        ("a,y\n1,2020-01-03\n2,2021-05-04\n", "'y' of rows.csv holds dates"),
    ],
    ids=["a-field-more", "a-field-less", "inf", "date-target"],
)
def test_tables_are_read_exactly_as_written(tmp_path, text, message):
    (tmp_path / "rows.csv").write_text(text)
    result = run(tmp_path, "train", "rows.csv")
    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert "Training on" not in result.stdout


def test_a_config_read_from_a_pipe_keeps_its_tracking_section(workdir):
    pytest.importorskip("mlflow")
    config = FAST + "tracking:\n  enabled: true\n  experiment: piped\n"
    (workdir / "tracked.yaml").write_text(config)
    script = (
        f"{sys.executable} -m easy_mlops train labels.csv -q -o m.easymlops "
        "--tracking-uri sqlite:///runs.db --config <(cat tracked.yaml)"
    )
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=workdir
    )
    assert done.returncode == 0, done.stderr
    code = (
        "import mlflow\n"
        "mlflow.set_tracking_uri('sqlite:///runs.db')\n"
        "print(mlflow.get_experiment_by_name('piped') is not None)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=workdir
    )
    assert found.stdout.strip().splitlines()[-1] == "True"


def test_thousands_of_classes_are_refused_before_fitting(tmp_path):
    labels = [f"c{i % 1500}" for i in range(4500)]
    frame = pd.DataFrame({"x": np.arange(4500.0), "label": labels})
    frame.to_csv(tmp_path / "many.csv", index=False)
    result = run(tmp_path, "train", "many.csv")
    assert result.returncode == 2
    assert "y has 1500 distinct labels, more than the 1000 classes" in result.stderr


def test_more_jobs_than_fits_are_capped(workdir):
    """100,000 worker threads for two folds could not start."""
    result = run(
        workdir, "train", "labels.csv", "-c", "fast.yaml", "--n-jobs", "100000"
    )
    assert result.returncode == 0, result.stderr
    assert "2-fold cross-validation" in result.stdout


def test_an_absurd_size_is_warned_about_before_training(workdir):
    (workdir / "huge.yaml").write_text(
        "training:\n  model_params:\n    n_estimators: 1000000000000\n"
    )
    pd.DataFrame({"x": range(10), "y": ["a"] * 10}).to_csv(
        workdir / "one_class.csv", index=False
    )
    # The one-class target stops the run after the warning, before any fit.
    result = run(workdir, "train", "one_class.csv", "-c", "huge.yaml")
    warning = "Warning: model_params.n_estimators of RandomForestClassifier is "
    assert warning + "1000000000000, far above any usual value" in result.stdout
    assert result.stdout.index(warning) < result.stdout.index("Training on")
    assert result.returncode == 2 and "only one class" in result.stderr


# -- --group and --time --------------------------------------------------------------


@pytest.fixture
def panel_file(tmp_path):
    """A panel: 30 people, 4 rows each, a personal effect the code identifies."""
    rng = np.random.default_rng(0)
    people = np.repeat(np.arange(30), 4)
    frame = pd.DataFrame(
        {
            "person": people,
            "code": rng.random(30)[people],
            "x": rng.standard_normal(120),
        }
    )
    frame["y"] = 2 * rng.standard_normal(30)[people] + frame["x"]
    frame.to_csv(tmp_path / "panel.csv", index=False)
    (tmp_path / "fast.yaml").write_text(FAST)
    return tmp_path, frame


def test_train_with_group_keeps_people_apart(panel_file):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import GroupKFold, cross_val_score

    from easy_mlops import load_model

    workdir, frame = panel_file
    trained = run(
        workdir,
        *("train", "panel.csv", "--target", "y", "--group", "person"),
        *("--config", "fast.yaml", "-o", "m.easymlops"),
    )
    assert trained.returncode == 0, trained.stderr
    assert "120 rows, 2 features" in trained.stdout
    assert re.search(r"metric\s+┃\s+value\s+┃\s+baseline", trained.stdout)
    model = load_model(workdir / "m.easymlops")
    assert list(model.feature_names_in_) == ["code", "x"]
    split = model.training_result_.split
    assert split["rows"] == "grouped" and split["group_column"] == "person"
    folds = GroupKFold(2, shuffle=True, random_state=42)
    forest = RandomForestRegressor(n_estimators=10, random_state=42)
    expected = cross_val_score(
        forest, frame[["code", "x"]], frame["y"], groups=frame["person"], cv=folds
    )
    np.testing.assert_allclose(model.cv_scores_, expected)

    predicted = run(workdir, "predict", "m.easymlops", "panel.csv")
    assert predicted.returncode == 0, predicted.stderr
    assert len(pd.read_csv(io.StringIO(predicted.stdout))) == 120

    evaluated = run(workdir, "evaluate", "m.easymlops", "panel.csv")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "In-sample: 120 of these 120 rows were used to train" in evaluated.stdout
    frame.assign(code=frame["code"] + 1).to_csv(workdir / "new.csv", index=False)
    evaluated = run(workdir, "evaluate", "m.easymlops", "new.csv")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "In-sample" not in evaluated.stdout and "r2_score" in evaluated.stdout


def test_train_with_time_splits_forward(tmp_path):
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import TimeSeriesSplit, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from easy_mlops import load_model
    from easy_mlops.training.backends.sklearn_backend import RIDGE_ALPHAS

    months = pd.date_range("2018-01-01", periods=48, freq="MS")
    season = np.cos(np.arange(48) * np.pi / 6)
    frame = pd.DataFrame({"month": months.strftime("%Y-%m-%d"), "season": season})
    frame["sales"] = 5 * season + np.random.default_rng(0).normal(size=48)
    shuffled = frame.sample(frac=1, random_state=3)
    shuffled.to_csv(tmp_path / "sales.csv", index=False)
    trained = run(
        tmp_path,
        *("train", "sales.csv", "--target", "sales", "--time", "month"),
        *("--model-type", "ridge", "--cv-folds", "3", "-o", "m.easymlops"),
    )
    assert trained.returncode == 0, trained.stderr
    model = load_model(tmp_path / "m.easymlops")
    result = model.training_result_
    assert (
        result.split["rows"] == "time-ordered"
        and result.split["time_column"] == "month"
    )
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
    expected = cross_val_score(
        ridge, frame[["season"]], frame["sales"], cv=TimeSeriesSplit(3)
    )
    np.testing.assert_allclose(model.cv_scores_, expected)
    assert result.n_test == 10  # the latest 20% of 48 rows, rounded up


@pytest.mark.parametrize(
    "option, column, message",
    [
        ("--group", "persn", "has no column 'persn' (given to --group)"),
        ("--time", "person", "time_column 'person' holds values such as"),
        ("--group", "y", "The target column 'y' is also given to --group"),
    ],
)
def test_unusable_group_or_time_column_exits_2(panel_file, option, column, message):
    workdir, frame = panel_file
    if option == "--time":
        frame.assign(person="p" + frame["person"].astype(str)).to_csv(
            workdir / "panel.csv", index=False
        )
    result = run(workdir, "train", "panel.csv", "--target", "y", option, column)
    assert result.returncode == 2
    assert message in result.stderr


def test_predict_keeps_the_index_chosen_columns_and_writes_probabilities(workdir):
    from easy_mlops import load_model

    frame = pd.read_csv(workdir / "labels.csv")
    frame.index = frame.index * 10 + 7  # a pandas index with gaps, as to_csv writes
    frame.to_csv(workdir / "indexed.csv")
    trained = run(workdir, "train", "indexed.csv", "-t", "label", "-c", "fast.yaml")
    assert trained.returncode == 0, trained.stderr
    assert "5 features" in trained.stdout  # the index is not one of them

    predicted = run(
        workdir,
        *("predict", "model.easymlops", "indexed.csv"),
        *("--keep", "feature_2", "--keep", "label", "--proba"),
    )
    assert predicted.returncode == 0, predicted.stderr
    header = predicted.stdout.splitlines()[0].split(",")
    # The unnamed index goes back under its empty header, first.
    assert header == ["", "feature_2", "label", "prediction", "proba_no", "proba_yes"]
    written = pd.read_csv(io.StringIO(predicted.stdout), index_col=0)
    model = load_model(workdir / "model.easymlops")
    X = frame.drop(columns="label")
    assert written.index.tolist() == frame.index.tolist()
    np.testing.assert_allclose(written["feature_2"], frame["feature_2"])
    assert written["prediction"].tolist() == model.predict(X).tolist()
    np.testing.assert_allclose(
        written[["proba_no", "proba_yes"]], model.predict_proba(X), rtol=1e-12
    )
    # Joins back to the input read the same way.
    joined = pd.read_csv(workdir / "indexed.csv", index_col=0).join(
        written["prediction"]
    )
    assert joined["prediction"].notna().all()

    by_id = run(
        workdir, "predict", "model.easymlops", "indexed.csv", "--id", "feature_1"
    )
    assert by_id.returncode == 0, by_id.stderr
    assert by_id.stdout.splitlines()[0] == "feature_1,prediction"
    named = run(
        workdir, "predict", "model.easymlops", "indexed.csv", "--id", "Unnamed: 0"
    )
    assert named.returncode == 0, named.stderr
    assert named.stdout.splitlines()[:2] == [",prediction", f"7,{written.iloc[0, 2]}"]
    for option, name, message in [
        ("--keep", "feature_9", "has no column 'feature_9' (--keep); did you mean"),
        ("--id", "labl", "has no column 'labl' (--id); did you mean 'label'?"),
    ]:
        refused = run(
            workdir, "predict", "model.easymlops", "indexed.csv", option, name
        )
        assert refused.returncode == 2 and refused.stdout == ""
        assert message in refused.stderr


def test_an_ensemble_with_a_time_budget_from_the_command_line(workdir):
    entries = "logistic_regression,random_forest_classifier,ensemble"
    result = run(
        workdir,
        *("train", "labels.csv", "--model-type", entries, "--cv-folds", "2"),
        *("--time-budget", "600", "-o", "model.easymlops"),
    )
    assert result.returncode == 0, result.stderr
    from easy_mlops import load_model

    trained = load_model(workdir / "model.easymlops")
    weights = trained.training_result_.ensemble_weights
    if weights:
        line = ", ".join(f"{k} {v:.2f}" for k, v in weights.items())
        assert f"Ensemble weights: {line}." in result.stdout
        assert trained.training_result_.model_name == "VotingClassifier"
    assert trained.get_params()["time_budget"] == 600
    refused = run(workdir, "train", "labels.csv", "--time-budget", "-1")
    assert refused.returncode == 2
    assert (
        "'time_budget' parameter of ModelTrainer must be a float in the range "
        "(0.0, inf) or None. Got -1.0 instead." in refused.stderr
    )
