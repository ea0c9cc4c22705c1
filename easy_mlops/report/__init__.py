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

__all__ = ["Report", "holdout_predictions", "write_report"]


def __getattr__(name):
    if name in __all__:
        value = getattr(importlib.import_module("easy_mlops.report._write"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'easy_mlops.report' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
