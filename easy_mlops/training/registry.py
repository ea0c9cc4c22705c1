"""The registry of training backends: a plain dict from name to class."""

# License: BSD 3 clause

import warnings
from importlib.metadata import entry_points

from .._suggest import did_you_mean
from .base import BaseTrainingBackend
from .exceptions import EasyMLOpsWarning

__all__ = ["ENTRY_POINT_GROUP", "available_backends", "get_backend", "register_backend"]

#: Entry-point group through which installed packages contribute backends.
ENTRY_POINT_GROUP = "easy_mlops.backends"

_BACKENDS = {}
_plugins_loaded = False


def register_backend(cls=None, *, overwrite=False):
    """Register a backend class under its ``name``.

    Parameters
    ----------
    cls : subclass of BaseTrainingBackend, default=None
        The class to register.  When None, returns a decorator, so both
        ``@register_backend`` and ``@register_backend(overwrite=True)`` work.
    overwrite : bool, default=False
        Replace a backend already registered under the same name.

    Returns
    -------
    cls : type
        The class, unchanged.

    Raises
    ------
    TypeError
        If ``cls`` is not a subclass of ``BaseTrainingBackend``.
    ValueError
        If ``cls.name`` is missing or empty, or taken and ``overwrite`` is false.
    """
    if cls is None:
        return lambda cls: register_backend(cls, overwrite=overwrite)
    if not (isinstance(cls, type) and issubclass(cls, BaseTrainingBackend)):
        raise TypeError(
            "A backend must be a subclass of easy_mlops.training.BaseTrainingBackend. "
            f"Got {cls!r} instead."
        )
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"{cls.__name__} needs a non-empty string class attribute 'name', the "
            "name users give as backend=... ."
        )
    taken = _BACKENDS.get(name)
    if taken is not None and taken is not cls and not overwrite:
        raise ValueError(
            f"A backend named {name!r} is already registered ({taken.__module__}."
            f"{taken.__qualname__}). Pass overwrite=True to replace it."
        )
    _BACKENDS[name] = cls
    return cls


def get_backend(name):
    """Return the backend class registered under ``name``.

    Raises
    ------
    ValueError
        If no backend has that name; the message lists the available ones.
    """
    _load_plugins()
    try:
        return _BACKENDS[name]
    except KeyError:
        raise ValueError(
            f"Unknown backend {name!r}.{did_you_mean(name, _BACKENDS)} Available "
            "backends: "
            f"{', '.join(available_backends())}. Register others with "
            "ModelTrainer.register_backend."
        ) from None


def available_backends():
    """Sorted names of the registered backends."""
    _load_plugins()
    return sorted(_BACKENDS)


def _load_plugins():
    """Register the backends of installed packages, once, on first use."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name in _BACKENDS:
            continue
        try:
            register_backend(entry_point.load())
        except Exception as exc:
            warnings.warn(
                f"The easy_mlops backend plugin {entry_point.name!r} "
                f"({entry_point.value}) could not be loaded and is unavailable: "
                f"{type(exc).__name__}: {exc}",
                EasyMLOpsWarning,
                stacklevel=3,
            )
