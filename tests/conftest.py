"""Seeded, module-scoped data shared by the tests; small so the suite is quick."""

import os
import subprocess
import sys

from joblib.parallel import ParallelBackendBase

# One native thread per fit, in this process and in every process it starts
# (the command line's, joblib's workers): OpenMP pools as large as the machine
# multiply the suite's time on a loaded machine (see docs/scaling.md).  Set
# before scikit-learn loads its OpenMP runtime; a value already set wins.
for _name in ParallelBackendBase.MAX_NUM_THREADS_VARS:
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# BLAS may have started before this file ran (a plugin imported NumPy).
_PINNED = threadpool_limits(int(os.environ["OPENBLAS_NUM_THREADS"]), user_api="blas")

# Property tests explore new examples on a developer's machine; under CI they
# replay the same ones, so a red build is about the change, not the draw.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def classification_data():
    X, y = make_classification(
        n_samples=120, n_features=5, n_informative=3, n_redundant=0, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=1
    )
    return X, y


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def classification_frame(classification_data):
    X, y = classification_data
    columns = [f"feature_{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=columns), pd.Series(np.where(y == 1, "yes", "no"))


@pytest.fixture
def fast():
    """Config of a quick forest: few trees."""
    return {"model_params": {"n_estimators": 10}}


@pytest.fixture
def without_package(tmp_path):
    """Run Python code in a subprocess where ``package`` fails to import.

    A stand-in module that raises ImportError goes first on the path.
    Returns a function ``run(package, code) -> stdout``.
    """

    def run(package, code):
        (tmp_path / f"{package}.py").write_text("raise ImportError('not installed')\n")
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout

    return run
