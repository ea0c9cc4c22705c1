"""A training report: metrics.json, plots as PNG and an index.html showing them.

The directory opens from disk with no network: ``index.html`` (the run at a
glance), the plots it shows, ``data.html`` (skrub's ``TableReport`` of the
training table, when one is given) and ``metrics.json``.  The plots need
matplotlib (``pip install "easy-mlops[report]"``); without it the report still
holds the JSON and the page, and says what to install.
"""

# License: BSD 3 clause

from ._write import Report, holdout_predictions, write_report

__all__ = ["Report", "holdout_predictions", "write_report"]
