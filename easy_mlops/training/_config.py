"""Reading and checking training configs: YAML files and mappings.

The implementation behind :mod:`easy_mlops.config`, which is the public home
of these names.  It lives in the training package, below ``ModelTrainer``, so
that ``ModelTrainer.from_config`` and ``from_yaml`` use it without the trainer
importing the package's top-level modules.

A config is either a whole MLOps config, whose ``training:`` section is used,
or a bare training mapping.  The training stage checks only its own section:
the other stages' sections are checked by the checkers a caller passes as
``sections`` (:mod:`easy_mlops.config` passes the ``tracking:`` one), and left
alone otherwise.
"""

# License: BSD 3 clause

import copy
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path

from numpy.random import RandomState

from .._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _Booleans,
    _InstancesOf,
    _NoneConstraint,
    make_constraint,
)
from .._suggest import did_you_mean
from .._yaml import ConfigError, read_document
from . import registry
from .comparison import is_comparison
from .settings import CONSTRAINTS, DEFAULTS, SHARED_KEYS, resolve_settings

__all__ = [
    "ConfigError",
    "describe_allowed",
    "load_config",
    "read_document",
    "validate_config",
]


def validate_config(config, *, sections=None):
    """Check a config and return its training settings as a new dict.

    Parameters
    ----------
    config : mapping
        A whole MLOps config (its ``training`` section is used) or a bare
        training mapping.
    sections : mapping of str to callable, default=None
        Checkers of other stages' sections: ``check(section, error)`` is
        called for each section the config holds, where ``error(path,
        message, key=None)`` makes the ConfigError to raise.

    Returns, raises and examples: see :func:`easy_mlops.config.validate_config`,
    the public home of this function.
    """
    return _Validator(None, {}, sections).validate(config)


def load_config(path, *, sections=None):
    """Read a YAML config file and return its checked training settings.

    Parameters
    ----------
    path : str or path-like
        A YAML file: a whole MLOps config or a bare training mapping.  An
        empty file means every default.
    sections : mapping of str to callable, default=None
        Checkers of other stages' sections, as in :func:`validate_config`.

    Returns, raises and examples: see :func:`easy_mlops.config.load_config`,
    the public home of this function.
    """
    path = Path(path)
    data, lines = read_document(path)
    return validate_document({} if data is None else data, path, lines, sections)


def validate_document(data, source, lines, sections=None):
    """:func:`validate_config` of a document read by :func:`read_document`,
    its errors located by ``source`` and ``lines``."""
    return _Validator(source, lines, sections).validate(data)


def describe_allowed(key):
    """What a shared setting allows, in words, from its constraints.

    Examples
    --------
    >>> from easy_mlops.config import describe_allowed
    >>> describe_allowed("test_size")
    'a float in [0, 1)'
    >>> describe_allowed("problem_type")
    "one of 'auto', 'classification', 'regression'"
    """
    words = []
    for constraint in CONSTRAINTS[key]:
        words += _describe(make_constraint(constraint))
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _describe(constraint):
    """Phrases for one constraint, in the words a YAML file uses."""
    if isinstance(constraint, StrOptions):
        options = [repr(o) for o in sorted(constraint.options)]
        return [options[0] if len(options) == 1 else "one of " + ", ".join(options)]
    if isinstance(constraint, Interval):
        kind = "an int" if constraint.type is Integral else "a float"
        left, right = constraint.left, constraint.right
        if left is not None and right is not None:
            opening = "[" if constraint.closed in ("left", "both") else "("
            closing = "]" if constraint.closed in ("right", "both") else ")"
            return [f"{kind} in {opening}{_num(left)}, {_num(right)}{closing}"]
        if left is not None:
            sign = ">=" if constraint.closed in ("left", "both") else ">"
            return [f"{kind} {sign} {_num(left)}"]
        sign = "<=" if constraint.closed in ("right", "both") else "<"
        return [f"{kind} {sign} {_num(right)}"]
    if isinstance(constraint, _InstancesOf) and constraint.type is RandomState:
        # A RandomState instance cannot be written in YAML, so it is not offered.
        return []
    if isinstance(constraint, _Booleans):
        return ["true or false"]
    if isinstance(constraint, HasMethods):
        # A transformer instance cannot be written in YAML, so it is not offered.
        return []
    if isinstance(constraint, _NoneConstraint):
        return ["null"]
    if isinstance(constraint, _InstancesOf):
        names = {str: "a string", Integral: "an int"}
        return [names.get(constraint.type, str(constraint))]
    return [str(constraint)]


#: Top-level keys that make a mapping a whole MLOps config rather than a bare
#: training mapping.
_SECTION_NAMES = ("training", "tracking")


class _Validator:
    """Checks one config; knows its file and key lines for the messages."""

    def __init__(self, source, lines, sections=None):
        self.source = source
        self.lines = lines
        self.sections = sections or {}

    def error(self, path, message, key=None):
        """A ConfigError located at the line of ``path`` (a tuple of keys)."""
        return ConfigError(
            message, key=key, source=self.source, line=self.lines.get(path)
        )

    def validate(self, config):
        if not isinstance(config, Mapping):
            raise self.error(
                (),
                "a config must be a mapping of keys to values; got "
                f"{type(config).__name__} {config!r}",
            )
        for name, check in self.sections.items():
            if name in config:
                check(config[name], self.error)
        if any(name in config for name in (*_SECTION_NAMES, *self.sections)):
            self.check_no_stray_training_keys(config)
            section, where = config.get("training"), ("training",)
            if section is None:
                section = {}
            if not isinstance(section, Mapping):
                raise self.error(
                    where,
                    "training must be a mapping of training settings; got "
                    f"{type(section).__name__} {section!r}",
                    key="training",
                )
        else:
            section, where = config, ()
        return self.validate_section(section, where)

    def check_no_stray_training_keys(self, config):
        known = set(SHARED_KEYS).union(*_backend_keys().values())
        for key in config:
            if key in known:
                raise self.error(
                    (key,),
                    f"{key} is a training setting but sits at the top level, "
                    "beside training:; move it into the training section",
                    key=key,
                )

    def validate_section(self, section, where):
        def path(key):
            return (*where, key)

        for key in section:
            if not isinstance(key, str):
                raise self.error(where, f"training keys must be strings; got {key!r}")
        backend_name = section.get("backend", DEFAULTS["backend"])
        self.check_shared("backend", backend_name, path("backend"))
        # Every message names the key as it sits in a whole MLOps config.
        available = registry.available_backends()
        if backend_name not in available:
            raise self.error(
                path("backend"),
                f"training.backend must be one of {_listing(available)}; got "
                f"{backend_name!r}{did_you_mean(backend_name, available, clause=True)}",
                key="training.backend",
            )
        backend_cls = registry.get_backend(backend_name)
        own_keys = backend_cls.config_keys
        allowed = (*SHARED_KEYS, *(own_keys or ()))
        for key in section:
            # config_keys None: the backend hands its whole config to user code.
            if own_keys is not None and key not in allowed:
                raise self.error(
                    path(key),
                    self.unknown_key_message(key, backend_name, allowed),
                    key=f"training.{key}",
                )
        for key in SHARED_KEYS:
            if key in section:
                self.check_shared(key, section[key], path(key))
        catalogue = getattr(backend_cls, "model_types", None)
        model_type = section.get("model_type", DEFAULTS["model_type"])
        if catalogue and not is_comparison(model_type) and model_type not in catalogue:
            raise self.error(
                path("model_type"),
                f"training.model_type must be one of {_listing(sorted(catalogue))} "
                f"for backend {backend_name!r}, a list of them or 'compare'; got "
                f"{model_type!r}{did_you_mean(model_type, catalogue, clause=True)}",
                key="training.model_type",
            )
        training = copy.deepcopy(dict(section))
        try:
            backend_cls(resolve_settings(training, {})).check_config()
        except (TypeError, ValueError) as exc:
            if is_comparison(model_type) and "model_type" in str(exc):
                raise self.error(
                    path("model_type"), f"training.{exc}", key="training.model_type"
                ) from None
            raise self.error(where, f"training: {exc}", key="training") from None
        return training

    def check_shared(self, key, value, path):
        constraints = [make_constraint(c) for c in CONSTRAINTS[key]]
        if not any(c.is_satisfied_by(value) for c in constraints):
            raise self.error(
                path,
                f"training.{key} must be {describe_allowed(key)}; got {value!r}",
                key=f"training.{key}",
            )

    @staticmethod
    def unknown_key_message(key, backend_name, allowed):
        message = f"training.{key} is not a setting of backend {backend_name!r}"
        owners = [name for name, keys in _backend_keys().items() if key in keys]
        if len(owners) == 1:
            return f"{message}; it is a key of backend {owners[0]!r}: set " + (
                f"training.backend: {owners[0]}"
            )
        if owners:
            return (
                f"{message}; it is a key of backends {_listing(owners)}: set "
                "training.backend to one of them"
            )
        hint = did_you_mean(key, allowed, clause=True) or "."
        return f"{message}{hint} Known keys: {', '.join(allowed)}."


def _num(bound):
    return int(bound) if float(bound).is_integer() else bound


def _backend_keys():
    return {
        name: registry.get_backend(name).config_keys or ()
        for name in registry.available_backends()
    }


def _listing(names):
    return ", ".join(repr(name) for name in names)
