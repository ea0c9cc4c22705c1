"""Reading a YAML config file safely, once: ``ConfigError`` and the limits.

Every stage reads its config through :func:`read_document`: the file's data
and the line of each key, after refusing what no config needs and what would
take long to load (non-UTF-8 bytes, NUL and control characters, repeated
keys, deep nesting, alias bombs, loops, huge integers).  Checking what the
keys mean is each stage's job (:mod:`easy_mlops.training._config` for the
``training:`` section).  The public home of these names is
:mod:`easy_mlops.config`.
"""

# License: BSD 3 clause

import re

import yaml

__all__ = ["ConfigError", "read_document"]


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


def read_document(path):
    """Read a YAML config file once: its data and the line of each key path.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    data : object
        The document as written (None for an empty file).
    lines : dict
        Key path (a tuple of keys) to its line, for the messages.

    Raises
    ------
    ConfigError
        For what :func:`load_config` refuses in the YAML itself.
    """
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
    return data, lines


class _Loader(yaml.SafeLoader):
    """Safe YAML loading that also reads ``1e-3`` as a float, as YAML 1.2 does,
    and stops at a nesting deeper, or more values, than a config needs.

    The depth and the values are counted while composing, so a file of ten
    thousand ``[`` is refused after the first levels (PyYAML's scanner slows
    with every level and its composer recurses once per level), and a file
    of 200,000 keys after the first 10,000, before the slow part of reading.
    """

    _depth = 0
    _nodes = 0

    def compose_node(self, parent, index):
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the YAML is nested more than {_MAX_DEPTH} levels deep; a "
                    "config needs far less",
                    self.peek_event().start_mark,
                )
            if self._nodes > _MAX_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the YAML holds more than {_MAX_NODES} keys and values; a "
                    "config needs far less. Check that this is the config file",
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
_MAX_BYTES = 1 << 20
_MAX_DEPTH = 50
_MAX_NODES = 10_000
_MAX_VALUES = 100_000
_MAX_INT_DIGITS = 100
_INT_TAG = "tag:yaml.org,2002:int"


def _read_text(path):
    """The file as text; ConfigError, with the line, for non-UTF-8 bytes or NUL.

    At most ``_MAX_BYTES`` are read, so a device (``/dev/zero``) or a pipe
    that does not end is refused, not read until memory runs out.
    """
    with open(path, "rb") as file:
        raw = file.read(_MAX_BYTES + 1)
    if len(raw) > _MAX_BYTES:
        raise ConfigError(
            f"the file is larger than {_MAX_BYTES >> 20} MiB; a config needs far "
            "less. Check that this is the config file.",
            source=path,
        )
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
