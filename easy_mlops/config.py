"""Training configs from YAML files and mappings, checked before any work.

A config is either a whole MLOps config, whose ``training:`` section is used
and whose ``tracking:`` section is checked (see :mod:`easy_mlops.tracking`;
the other sections belong to other stages and are left alone), or a bare
training mapping.  :func:`validate_config` checks every key against the shared
settings of :mod:`easy_mlops.training.settings` and the ``config_keys`` of the
chosen backend, and returns a new dict that shares nothing with its input, so
loading one config never changes what the next one sees.
"""

# License: BSD 3 clause

from pathlib import Path

import yaml

from .training._config import (
    ConfigError,
    describe_allowed,
    load_config,
    validate_config,
)
from .training.settings import DEFAULTS, SHARED_KEYS

__all__ = [
    "ConfigError",
    "default_config_text",
    "describe_allowed",
    "load_config",
    "validate_config",
    "write_default_config",
]

#: What each shared key does, for the comments of ``easy-mlops init``.  The
#: defaults and allowed values come from ``settings``.
_KEY_NOTES = {
    "backend": "Training backend (`easy-mlops backends` lists them)",
    "model_type": "Entry of the backend's model catalogue, a list of entries to "
    "compare, or compare (all of them)",
    "problem_type": "What to train for (auto: detect it from the target)",
    "test_size": "Share of rows held out for evaluation, 0 for none",
    "cv_folds": "Cross-validation folds, 0 or 1 for none",
    "random_state": "Seed of the split, the folds and the estimator",
    "refit": "Refit the final model on all rows",
    "n_jobs": "Parallel fits (null: 1; -1: every core)",
    "inner_threads": "Native threads (OpenMP, BLAS) of each fit (auto: the "
    "cores divided among the parallel fits)",
    "preprocessing": "Encode text, categories, dates and missing values with "
    "skrub (auto) or give the model the columns as they are (none)",
}


def default_config_text():
    """A commented YAML config that holds every shared setting's default.

    Returns
    -------
    text : str
        What ``easy-mlops init`` writes; it loads back to
        :data:`easy_mlops.training.settings.DEFAULTS`.

    Examples
    --------
    >>> from easy_mlops.config import default_config_text
    >>> print(default_config_text())
    # easy-mlops configuration...
    training:
      # Training backend (`easy-mlops backends` lists them): a string.
      backend: sklearn
    ...
    """
    out = [
        "# easy-mlops configuration, written by `easy-mlops init`.",
        "# Each value is the default: edit it, or delete the line to keep it.",
        "# A backend's own keys (model_params and scoring for sklearn) go in",
        "# the training section too (see the configuration page of the docs).",
        "training:",
    ]
    for key in SHARED_KEYS:
        out.append(f"  # {_KEY_NOTES[key]}: {describe_allowed(key)}.")
        value = yaml.safe_dump({key: DEFAULTS[key]}, default_flow_style=True)
        out.append(f"  {value.strip()[1:-1]}")
    return "\n".join(out) + "\n"


def write_default_config(path, *, overwrite=False):
    """Write :func:`default_config_text` to ``path``.

    Parameters
    ----------
    path : str or path-like
        Where to write.
    overwrite : bool, default=False
        Replace an existing file.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from easy_mlops.config import load_config, write_default_config
    >>> path = write_default_config(pathlib.Path(tempfile.mkdtemp()) / "c.yaml")
    >>> load_config(path)["cv_folds"]
    5
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists; choose another path or allow overwriting."
        )
    path.write_text(default_config_text(), encoding="utf-8")
    return path
