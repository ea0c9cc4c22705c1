"""Moved to :mod:`easy_mlops.training.backends.lightgbm_backend` in 0.5.0.

Kept for one release: models saved by earlier versions name their backend class by this
module, so loading them imports it; code that imports from here keeps
working.  Import from ``easy_mlops.training`` instead.
"""

# License: BSD 3 clause

from .backends.lightgbm_backend import LightGBMBackend  # noqa: F401
