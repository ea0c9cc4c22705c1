"""The library versions a model is saved with, and the warning when they change.

Recorded in an artifact's manifest and in a pickled ``ModelTrainer``; read
back on load, where a changed version gives a ``VersionMismatchWarning``
naming each package.
"""

# License: BSD 3 clause

import functools
import platform
import warnings
from importlib.metadata import PackageNotFoundError, packages_distributions, version

from ..exceptions import VersionMismatchWarning
from ..label_encoding import unwrap

__all__ = ["library_versions", "warn_on_version_changes"]

_LIBRARIES = {
    "easy_mlops": "easy-mlops",
    "scikit-learn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "joblib": "joblib",
}


def library_versions(model=None):
    """Installed versions of the libraries a model depends on."""
    versions = {name: _installed(dist) for name, dist in _LIBRARIES.items()}
    versions["python"] = platform.python_version()
    if model is not None:
        framework = _framework_distribution(model)
        if framework and framework not in versions:
            versions[framework] = _installed(framework)
    return versions


def _installed(distribution):
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _framework_distribution(model):
    module = type(unwrap(model)).__module__.split(".")[0]
    if module == "sklearn":
        return "scikit-learn"
    if _installed(module) is not None:
        return module
    distributions = _distributions_of_modules().get(module)
    return distributions[0] if distributions else None


@functools.cache
def _distributions_of_modules():
    # Scanning the installed distributions takes a quarter of a second; the
    # answer does not change within a process.
    return packages_distributions()


def warn_on_version_changes(recorded, what):
    """Warn, naming each package, where ``recorded`` versions differ from ours."""
    if not isinstance(recorded, dict):
        return
    installed = library_versions()
    changed = []
    for package, saved in recorded.items():
        now = installed.get(package)
        if now is None and package not in installed:
            now = _installed(package)
        if saved != now:
            changed.append(f"{package} {saved} (saved) vs {now} (installed)")
    if changed:
        warnings.warn(
            f"{what} was saved with other library versions: {'; '.join(changed)}. "
            "Predictions may differ or fail; re-save it with the installed versions "
            "once you have checked it.",
            VersionMismatchWarning,
            stacklevel=3,
        )
