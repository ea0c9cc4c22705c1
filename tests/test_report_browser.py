"""The report as a reader sees it: rendered by headless Chromium, from disk.

One browser launch per report writes a screenshot and dumps the DOM of a copy
of ``index.html`` with a measuring script appended; the assertions are on what
the browser measured.  Name resolution is mapped to nowhere, so a page that
needed the network would show broken images.  ``.ci/run`` installs Debian's
chromium package; without a browser the tests skip, saying so.
"""

import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from easy_mlops import ModelTrainer
from easy_mlops.report import write_report

pytest.importorskip("matplotlib")
BROWSER = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
    None,
)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium on PATH (.ci/run installs Debian's chromium package "
    "with apt-get; apt was unavailable or failed here)",
)
WIDTH = 1024

PROBE = """
<script>
window.addEventListener("load", () => {
  const viewport = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > viewport + 1)
    .map((e) => e.tagName + (e.id ? "#" + e.id : ""));
  const board = [...document.querySelectorAll("#leaderboard tr")].slice(1)
    .map((row) => [...row.cells].map((cell) => cell.innerText));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    height: document.body.getBoundingClientRect().height,
    viewport,
    wide,
    images: [...document.images].map((i) => [i.getAttribute("src"), i.naturalWidth]),
    board,
    h1: document.querySelector("h1").innerText,
    details_open: [...document.querySelectorAll("details")].map((d) => d.open),
  });
  document.body.appendChild(out);
});
</script>
"""


def seen_by_browser(report, screenshot):
    """Render the report once; return what the measuring script found."""
    probe = report.directory / "probe.html"
    probe.write_text(report.index.read_text() + PROBE, "utf-8")
    completed = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--window-size={WIDTH},6000",
            "--virtual-time-budget=10000",
            f"--screenshot={screenshot}",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', completed.stdout, re.S)
    assert found, completed.stderr[-2000:]
    return json.loads(found.group(1).replace("&amp;", "&").replace("&quot;", '"'))


def check_page(seen, report):
    assert seen["viewport"] <= WIDTH and seen["wide"] == []
    pngs = sorted(path.name for path in report.files if path.suffix == ".png")
    assert sorted(src for src, _ in seen["images"]) == pngs
    assert all(width > 100 for _, width in seen["images"]), seen["images"]
    # The manifest is folded away: the page is a few screens, not a JSON dump.
    assert seen["details_open"] == [False]
    assert 1500 < seen["height"] < 5500, seen["height"]


def check_leaderboard(seen, result):
    *candidates, baseline = seen["board"]
    # The baseline, cross-validated on the same folds, closes the table.
    metrics = result.baseline["metrics"]
    assert baseline[:5] == [
        "-",
        f"baseline\n{result.baseline['estimator']}",
        f"{metrics['cv_mean']:.4f}",
        f"{metrics['cv_std']:.4f}",
        "",
    ]
    for rank, (cells, row) in enumerate(
        zip(candidates, result.leaderboard, strict=True), start=1
    ):
        assert cells[0] == str(rank)
        assert cells[1].split("\n") == [row["model_type"], row["estimator"]]
        assert cells[2:5] == [
            f"{row['cv_mean']:.4f}",
            f"{row['cv_std']:.4f}",
            f"{row['fit_seconds_per_row'] * 1000:.3f}",
        ]


def test_a_classification_comparison_reads_in_the_browser(
    tmp_path, classification_frame
):
    X, y = classification_frame
    trainer = ModelTrainer(
        {"model_params": {"n_estimators": 10}},
        model_type=["logistic_regression", "random_forest_classifier"],
        cv_folds=3,
    ).fit(X, y.rename("label"))
    report = write_report(
        trainer, tmp_path / "report", data=X.assign(label=y), source="labels.csv"
    )
    seen = seen_by_browser(report, tmp_path / "classification.png")
    check_page(seen, report)
    result = trainer.training_result_
    check_leaderboard(seen, result)
    assert seen["h1"] == f"{result.model_name} predicting label"
    assert (tmp_path / "classification.png").stat().st_size > 10_000


def test_a_large_regression_reads_in_the_browser(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(12_000, 3)), columns=["a", "b", "c"])
    y = pd.Series(X["a"] * 3 + rng.normal(size=len(X)), name="price")
    trainer = ModelTrainer(model_type="linear_regression", cv_folds=3).fit(X, y)
    report = write_report(trainer, tmp_path / "report", data=X.assign(price=y))
    seen = seen_by_browser(report, tmp_path / "regression.png")
    check_page(seen, report)
    assert seen["board"] == []
    assert seen["h1"] == "LinearRegression predicting price"
