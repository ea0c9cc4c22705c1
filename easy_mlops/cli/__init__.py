"""The ``easy-mlops`` command line.

Importing this package loads click and rich but none of scikit-learn: each
command imports what it needs when it runs, so ``easy-mlops --help`` starts
quickly.
"""

# License: BSD 3 clause

from ._main import main

__all__ = ["main"]
