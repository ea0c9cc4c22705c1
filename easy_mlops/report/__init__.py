"""A training report: metrics.json, plots as PNG and an index.html showing them.

The directory opens from disk with no network: ``index.html`` (the run at a
glance), the plots it shows, ``data.html`` (skrub's ``TableReport`` of the
training table, when one is given) and ``metrics.json``.  The plots need
matplotlib (``pip install "easy-mlops[report]"``); without it the report still
holds the JSON and the page, and says what to install.

The public names are imported on first use: the command line reads the
run's facts from ``easy_mlops.report._summary`` without loading NumPy.
"""

# License: BSD 3 clause

import importlib

__all__ = ["FILE_NAMES", "Report", "holdout_predictions", "write_report"]

#: Every file name :func:`write_report` may write in its directory; the
#: command line refuses a report directory where one of them is an input.
FILE_NAMES = (
    "metrics.json",
    "confusion_matrix.png",
    "predicted_vs_actual.png",
    "residuals.png",
    "cv_scores.png",
    "permutation_importance.png",
    "roc_pr_curves.png",
    "leaderboard.png",
    "ensemble_weights.png",
    "data.html",
    "index.html",
)


def __getattr__(name):
    if name in ("Report", "holdout_predictions", "write_report"):
        value = getattr(importlib.import_module("easy_mlops.report._write"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'easy_mlops.report' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
