"""Tools for people who extend easy_mlops: checks a backend's author can run."""

# License: BSD 3 clause

from .estimator_checks import check_backend

__all__ = ["check_backend"]
