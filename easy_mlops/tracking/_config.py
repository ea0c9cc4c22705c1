"""The ``tracking:`` section of a config: its keys, their defaults and checks.

Apart from :mod:`easy_mlops.tracking` so that :mod:`easy_mlops.config` can
check the section without importing the tracking code (and MLflow never).
The checks take the config validator's ``error`` factory, so that every
message carries the key path and, for a file, the line.
"""

# License: BSD 3 clause

from collections.abc import Mapping
from numbers import Real

from .._suggest import did_you_mean

__all__ = ["TRACKING_DEFAULTS", "check_tracking_section", "resolve_tracking"]

#: The keys of the ``tracking:`` section and their defaults.  A tracking URI
#: of None means MLflow's own choice: ``MLFLOW_TRACKING_URI`` when set, else
#: the embedded SQLite store ``mlflow.db`` in the working directory.
TRACKING_DEFAULTS = {
    "enabled": False,
    "tracking_uri": None,
    "experiment": None,
    "run_name": None,
    "tags": None,
    "register_as": None,
}

_TEXT_KEYS = ("tracking_uri", "experiment", "run_name", "register_as")


def check_tracking_section(section, error, where=("tracking",)):
    """Check a ``tracking:`` section; raise what ``error`` makes on a problem.

    Parameters
    ----------
    section : object
        The value of the ``tracking`` key; None (an empty section) is allowed.
    error : callable
        ``error(path, message, key=dotted_key)`` returns the exception to
        raise; ``path`` is a tuple of keys, for the line of a YAML file.
    where : tuple of str, default=("tracking",)
        The path of the section itself.

    Examples
    --------
    >>> from easy_mlops.tracking._config import check_tracking_section
    >>> def error(path, message, key=None):
    ...     return ValueError(message)
    >>> check_tracking_section({"enabled": True}, error)
    >>> check_tracking_section({"experimnet": "x"}, error)
    Traceback (most recent call last):
    ...
    ValueError: tracking.experimnet is not a tracking setting; did you mean ...
    """
    name = ".".join(where)
    if section is None:
        return
    if not isinstance(section, Mapping):
        raise error(
            where,
            f"{name} must be a mapping of tracking settings; got "
            f"{type(section).__name__} {section!r}",
            key=name,
        )
    for key, value in section.items():
        path, dotted = (*where, key), f"{name}.{key}"
        if key not in TRACKING_DEFAULTS:
            hint = did_you_mean(key, TRACKING_DEFAULTS, clause=True) or "."
            raise error(
                path,
                f"{dotted} is not a tracking setting{hint} Known keys: "
                f"{', '.join(TRACKING_DEFAULTS)}.",
                key=dotted,
            )
        problem = _problem(key, value)
        if problem:
            raise error(path, f"{dotted} must be {problem}; got {value!r}", key=dotted)


def resolve_tracking(section=None, **overrides):
    """The tracking settings: defaults, then ``section``, then ``overrides``.

    Parameters
    ----------
    section : mapping, default=None
        A ``tracking:`` section; checked here.
    **overrides
        Settings that win over ``section`` when they are not None (the
        command line's options).

    Returns
    -------
    settings : dict
        Every key of :data:`TRACKING_DEFAULTS`.

    Raises
    ------
    ValueError
        For an unknown key or a value its key does not allow.

    Examples
    --------
    >>> from easy_mlops.tracking._config import resolve_tracking
    >>> resolve_tracking({"experiment": "demo"}, enabled=True)["experiment"]
    'demo'
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    check_tracking_section(section, _value_error)
    check_tracking_section(overrides, _value_error)
    return {**TRACKING_DEFAULTS, **(section or {}), **overrides}


def _problem(key, value):
    """What ``key`` allows, when ``value`` is not allowed; else None."""
    if key == "enabled":
        return None if isinstance(value, bool) else "true or false"
    if key in _TEXT_KEYS:
        if value is None or (isinstance(value, str) and value.strip()):
            return None
        return "a non-empty string or null"
    if value is None:
        return None
    allowed = "a mapping of tag names to strings, numbers or booleans"
    if not isinstance(value, Mapping):
        return allowed
    for tag, tag_value in value.items():
        if not isinstance(tag, str) or not isinstance(tag_value, (str, Real)):
            return allowed
    return None


def _value_error(path, message, key=None):
    return ValueError(message)
