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

from .tracking._config import check_tracking_section
from .training import _config as _training
from .training._config import ConfigError, describe_allowed
from .training.settings import DEFAULTS, SHARED_KEYS

__all__ = [
    "ConfigError",
    "default_config_text",
    "describe_allowed",
    "load_config",
    "read_config",
    "validate_config",
    "write_default_config",
]

#: The sections other than ``training:`` that this package checks, each with
#: its checker (see :func:`easy_mlops.training._config.validate_config`).
SECTION_CHECKS = {"tracking": check_tracking_section}


def validate_config(config):
    """Check a config and return its training settings as a new dict.

    Parameters
    ----------
    config : mapping
        A whole MLOps config (its ``training`` section is used and its
        ``tracking`` section checked) or a bare training mapping.

    Returns
    -------
    training : dict
        A deep copy of the training settings, ready for ``ModelTrainer``.

    Raises
    ------
    ConfigError
        For an unknown key (with the closest known key), a value outside
        what its key allows, an unknown backend or model type, or settings
        the backend rejects.

    Examples
    --------
    >>> from easy_mlops.config import validate_config
    >>> validate_config({"training": {"cv_folds": 3}, "deployment": {}})
    {'cv_folds': 3}
    >>> validate_config({"test_size": 1.5})
    Traceback (most recent call last):
    ...
    easy_mlops.config.ConfigError: training.test_size must be a float in [0, 1); got 1.5
    >>> validate_config({"cv_fold": 3})
    Traceback (most recent call last):
    ...
    easy_mlops.config.ConfigError: training.cv_fold ...; did you mean 'cv_folds'? ...
    """
    return _training.validate_config(config, sections=SECTION_CHECKS)


def load_config(path):
    """Read a YAML config file and return its checked training settings.

    The whole file is checked: the ``training:`` section and the
    ``tracking:`` one, each error with its key path and line.

    Parameters
    ----------
    path : str or path-like
        A YAML file: a whole MLOps config or a bare training mapping.  An
        empty file means every default.

    Returns
    -------
    training : dict
        The training settings (see :func:`validate_config`).

    Raises
    ------
    ConfigError
        For YAML syntax errors and repeated keys (with file and line), bytes
        that are not UTF-8 text or NUL characters, a file of more than 1 MiB
        or 10,000 keys and values, integers of more than 100 digits, nesting
        deeper than 50 levels, aliases that expand to more than 100,000
        values or refer to themselves, and everything
        :func:`validate_config` rejects (with the line of the key).
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from easy_mlops.config import load_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
    >>> _ = path.write_text("training:\\n  model_type: logistic_regression\\n")
    >>> load_config(path)
    {'model_type': 'logistic_regression'}
    """
    return read_config(path)[0]


def read_config(path):
    """Read a whole MLOps config file once, check it, and return its sections.

    One read serves every stage, so a file that can be read only once (a
    pipe, ``<(...)``) or that changes while training still gives one config.

    Parameters
    ----------
    path : str or path-like
        A YAML file.

    Returns
    -------
    training : dict
        The checked training settings.
    sections : dict
        The other sections as written (checked), e.g. ``sections["tracking"]``.

    Raises
    ------
    ConfigError
        As :func:`load_config`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from easy_mlops.config import read_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
    >>> text = "training:\\n  cv_folds: 3\\ntracking:\\n  experiment: x\\n"
    >>> _ = path.write_text(text)
    >>> read_config(path)
    ({'cv_folds': 3}, {'tracking': {'experiment': 'x'}})
    """
    path = Path(path)
    data, lines = _training.read_document(path)
    data = {} if data is None else data
    training = _training.validate_document(data, path, lines, sections=SECTION_CHECKS)
    sections = {
        name: data[name]
        for name in SECTION_CHECKS
        if isinstance(data, dict) and data.get(name) is not None
    }
    return training, sections


#: What each shared key does, for the comments of ``easy-mlops init``.  The
#: defaults and allowed values come from ``settings``.
_KEY_NOTES = {
    "backend": "Training backend (`easy-mlops backends` lists them)",
    "model_type": "Entry of the backend's model catalogue, a list of entries to "
    "compare, compare (all of them), or ensemble (the portfolio, ensembled; in a "
    "list: the listed entries)",
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
    "group_column": "Column of X naming each row's entity: folds and hold-out "
    "keep an entity's rows together (null: none)",
    "time_column": "Column of X ordering the rows in time: the hold-out and "
    "folds test on later rows (null: none)",
    "time_gap": "Rows left out between training and test rows in time order",
    "time_budget": "Seconds the fit may take (null: no limit); candidates run "
    "cheapest first and a model is always returned",
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
