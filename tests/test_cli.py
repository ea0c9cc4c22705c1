"""The easy-mlops command line, run as users run it: in a subprocess, on small CSVs."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from easy_mlops.config import load_config
from easy_mlops.training.settings import DEFAULTS

pytest.importorskip("click", reason="the cli extra is not installed")
pytest.importorskip("rich", reason="the cli extra is not installed")

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


def test_train_without_data_uses_the_demo_and_shows_progress_on_a_terminal(workdir):
    result = run(workdir, "train", "--config", "fast.yaml", terminal=True)
    assert result.returncode == 0, result.stderr
    assert "bundled breast-cancer demo data: 569 rows" in result.stdout
    assert "classification" in result.stdout
    assert "Fitting" in result.stderr
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
