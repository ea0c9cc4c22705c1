"""The command line's tables at 60, 80 and 120 columns: names are never broken."""

import io
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from rich.console import Console

from easy_mlops.cli._output import leaderboard_table
from easy_mlops.training import registry

WIDTHS = [60, 80, 120]

BOARD = [
    {
        "model_type": "random_forest_classifier",
        "estimator": "RandomForestClassifier",
        "cv_mean": 0.97312,
        "cv_std": 0.00941,
        "fit_seconds_per_row": 0.0000217,
        "error": None,
    },
    {
        "model_type": "hist_gradient_boosting",
        "estimator": "HistGradientBoostingClassifier",
        "cv_mean": 0.97011,
        "cv_std": 0.01402,
        "fit_seconds_per_row": 0.0000031,
        "error": None,
    },
    {
        "model_type": "logistic_regression",
        "estimator": "LogisticRegression",
        "cv_mean": None,
        "cv_std": None,
        "fit_seconds_per_row": None,
        "error": "ValueError: the solver failed to converge on this data set",
    },
]


def shown(renderable, width):
    out = io.StringIO()
    Console(file=out, width=width).print(renderable)
    return out.getvalue()


def whole_on_a_line(text, word):
    return any(
        re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", line)
        for line in text.splitlines()
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_leaderboard_fits_without_breaking_a_model_type(width):
    result = SimpleNamespace(scoring="accuracy", leaderboard=BOARD, baseline={})
    text = shown(leaderboard_table(result), width)
    assert max(map(len, text.splitlines())) <= width
    assert "…" not in text
    for row in BOARD:
        assert whole_on_a_line(text, row["model_type"]), (row["model_type"], text)
    for number in ("0.9731", "0.9701", "n/a"):
        assert number in text
    assert text.index("0.9731") < text.index("0.9701")  # best first
    assert re.search(r"│\s+-\s+│ logistic_regression", text)  # failed: no rank
    # The error is prose under the table, wrapped at spaces.
    assert whole_on_a_line(text, "ValueError:")
    assert "logistic_regression failed: ValueError: the solver" in text
    estimator = whole_on_a_line(text, "HistGradientBoostingClassifier")
    assert estimator == (width == 120)
    if width < 120:
        assert f"(To fit {width} columns: estimator left out" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_backends_never_cuts_a_name(width, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    env["COLUMNS"] = str(width)
    completed = subprocess.run(
        [sys.executable, "-m", "easy_mlops", "backends"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    text = completed.stdout
    assert "…" not in text
    assert max(map(len, text.splitlines())) <= width
    for name in registry.available_backends():
        assert whole_on_a_line(text, name), name
        for model_type, spec in getattr(
            registry.get_backend(name), "model_types", {}
        ).items():
            assert whole_on_a_line(text, model_type), model_type
            if spec.problem_types == ("classification",):
                assert whole_on_a_line(text, "classification")
    header = next(line for line in text.splitlines() if "model_type" in line)
    assert ("installed" in header) == (width == 120)
    assert ("backend" in header) == (width > 60)
