"""Reading and checking training configs: YAML files and mappings.

The implementation behind :mod:`easy_mlops.config`, which is the public home
of these names.  It lives in the training package, below ``ModelTrainer``, so
that ``ModelTrainer.from_config`` and ``from_yaml`` use it without the trainer
importing the package's top-level modules.

A config is either a whole MLOps config, whose ``training:`` section is used
and whose ``tracking:`` section is checked (the other sections belong to other
stages and are left alone), or a bare training mapping.
"""

# License: BSD 3 clause

import copy
import re
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path

import yaml
from numpy.random import RandomState
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    _Booleans,
    _InstancesOf,
    _NoneConstraint,
    make_constraint,
)

from .._suggest import closest_match
from .._tracking_config import check_tracking_section
from . import registry
from .comparison import is_comparison
from .settings import CONSTRAINTS, DEFAULTS, SHARED_KEYS, resolve_settings

__all__ = ["ConfigError", "describe_allowed", "load_config", "validate_config"]


class ConfigError(ValueError):
    """A config that cannot be used: what is wrong, where, and what is allowed.

    Parameters
    ----------
    message : str
        What is wrong and what is allowed.
    key : str, default=None
        Dotted path of the offending key, e.g. ``"training.test_size"``.
    source : str, default=None
        The file the config came from.
    line : int, default=None
        The line of ``source`` (1-based).

    Examples
    --------
    >>> from easy_mlops.config import ConfigError
    >>> str(ConfigError("bad", key="training.cv_folds", source="c.yaml", line=3))
    'c.yaml, line 3: bad'
    """

    # The public home of the class, named in tracebacks and pickles.
    __module__ = "easy_mlops.config"

    def __init__(self, message, *, key=None, source=None, line=None):
        self.key = key
        self.source = None if source is None else str(source)
        self.line = line
        where = self.source
        if where is not None and line is not None:
            where = f"{where}, line {line}"
        super().__init__(message if where is None else f"{where}: {message}")


def validate_config(config):
    """Check a config and return its training settings as a new dict.

    Parameters
    ----------
    config : mapping
        A whole MLOps config (its ``training`` section is used) or a bare
        training mapping.

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
    return _Validator(None, {}).validate(config)


def load_config(path):
    """Read a YAML config file and return its checked training settings.

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
        that are not UTF-8 text or NUL characters, integers of more than 100
        digits, nesting deeper than 50 levels, aliases that expand to more
        than 100,000 values or refer to themselves, and everything
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
    path = Path(path)
    text = _read_text(path)
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            _check_node_graph(node, path)
        lines = _key_lines(node, path, set()) if node is not None else {}
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:
        # Raised for control characters: a config is printable text.
        raise ConfigError(
            f"invalid YAML: {exc.reason} (character U+{exc.character:04X}); a "
            "config holds printable text only. Remove the character.",
            source=path,
            line=text.count("\n", 0, exc.position) + 1,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        raise ConfigError(
            f"invalid YAML: {problem}",
            source=path,
            line=None if mark is None else mark.line + 1,
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=path) from None
    finally:
        if loader is not None:
            loader.dispose()
    return _Validator(path, lines).validate({} if data is None else data)


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


class _Loader(yaml.SafeLoader):
    """Safe YAML loading that also reads ``1e-3`` as a float, as YAML 1.2 does,
    and stops at a nesting deeper than a config needs.

    The depth is counted while composing, so a file of ten thousand ``[`` is
    refused after the first levels: PyYAML's scanner slows with every level
    and its composer recurses once per level.
    """

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the YAML is nested more than {_MAX_DEPTH} levels deep; a "
                    "config needs far less",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


# Limits of a config file: far above any real config, far below what would
# take long to load.  Aliases make a graph of nodes whose expansion may grow
# exponentially (nine aliases of nine aliases of ...), so the expanded size
# is counted, visiting each node once.
_MAX_DEPTH = 50
_MAX_VALUES = 100_000
_MAX_INT_DIGITS = 100
_INT_TAG = "tag:yaml.org,2002:int"


def _read_text(path):
    """The file as text; ConfigError, with the line, for non-UTF-8 bytes or NUL."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"the file is not UTF-8 text: the byte {raw[exc.start]:#04x} cannot be "
            "read. Save the config as UTF-8 text.",
            source=path,
            line=line,
        ) from None
    if "\x00" in text:
        raise ConfigError(
            "the file holds a NUL character (\\x00), so it is not a text file. "
            "Save the config as plain text.",
            source=path,
            line=text.count("\n", 0, text.index("\x00")) + 1,
        )
    return text


def _check_node_graph(root, source):
    """Refuse before construction a document too deep, too large once its
    aliases are expanded, referring to itself, or holding huge integers.

    One depth-first pass over the composed nodes, each visited once.
    """
    size, depth, on_path = {}, {}, set()
    stack = [(root, (), False)]
    while stack:
        node, keys, finished = stack.pop()
        ident = id(node)
        if finished:
            children = [child for child, _ in _children(node, keys)]
            size[ident] = 1 + sum(size[id(child)] for child in children)
            depth[ident] = 1 + max((depth[id(child)] for child in children), default=0)
            on_path.discard(ident)
            if depth[ident] > _MAX_DEPTH:
                problem = f"is nested more than {_MAX_DEPTH} levels deep"
            elif size[ident] > _MAX_VALUES:
                problem = (
                    f"expands to more than {_MAX_VALUES} values through its "
                    "aliases (*name)"
                )
            else:
                continue
            raise ConfigError(
                f"the YAML {problem}; a config needs far less. Write the values "
                "out, with fewer aliases and levels.",
                source=source,
                line=node.start_mark.line + 1,
            )
        if ident in size:
            continue
        if ident in on_path:
            raise ConfigError(
                "the YAML refers to itself through an alias (*name inside the "
                "&name it names); a config cannot hold a loop.",
                source=source,
                line=node.start_mark.line + 1,
            )
        on_path.add(ident)
        if (
            isinstance(node, yaml.ScalarNode)
            and node.tag == _INT_TAG
            and len(node.value) > _MAX_INT_DIGITS
        ):
            where = ".".join(keys) or "the document"
            raise ConfigError(
                f"{where} is an integer of {len(node.value)} characters; no setting "
                f"takes one of more than {_MAX_INT_DIGITS} digits. Check the value.",
                key=".".join(keys) or None,
                source=source,
                line=node.start_mark.line + 1,
            )
        stack.append((node, keys, True))
        stack.extend(
            (child, child_keys, False)
            for child, child_keys in _children(node, keys)
            if id(child) not in size
        )


def _children(node, keys):
    """The nodes under ``node``, each with the key path it sits at."""
    if isinstance(node, yaml.SequenceNode):
        return [(child, keys) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        pairs = []
        for key_node, value_node in node.value:
            pairs.append((key_node, keys))
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            pairs.append((value_node, (*keys, name)))
        return pairs
    return []


def _key_lines(node, source, seen, prefix=()):
    """Map each key path to its line; a repeated key is an error.

    PyYAML keeps the last of repeated keys silently, which hides mistakes.
    A mapping reached through an alias is walked under each path that uses
    it, so that its keys' errors name their line there too; ``seen`` holds
    the mappings on the current path, which stops a loop (already refused,
    as is an oversized expansion, by ``_check_node_graph``).
    """
    lines = {}
    if isinstance(node, yaml.MappingNode) and id(node) not in seen:
        seen.add(id(node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            path = (*prefix, key_node.value)
            line = key_node.start_mark.line + 1
            if path in lines:
                raise ConfigError(
                    f"{'.'.join(path)} is given twice (lines {lines[path]} and "
                    f"{line}); keep one.",
                    key=".".join(path),
                    source=source,
                    line=line,
                )
            lines[path] = line
            lines.update(_key_lines(value_node, source, seen, path))
        seen.discard(id(node))
    return lines


class _Validator:
    """Checks one config; knows its file and key lines for the messages."""

    def __init__(self, source, lines):
        self.source = source
        self.lines = lines

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
        if "tracking" in config:
            check_tracking_section(config["tracking"], self.error)
        if "training" in config or "tracking" in config:
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
                f"{backend_name!r}{_did_you_mean(backend_name, available)}",
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
                f"{model_type!r}{_did_you_mean(model_type, catalogue)}",
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
        hint = _did_you_mean(key, allowed) or "."
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


def _did_you_mean(word, choices):
    match = closest_match(word, choices)
    return f"; did you mean {match!r}?" if match else ""
