"""The package's structure: imports point one way, modules stay small."""

import ast
from pathlib import Path

import pytest

import easy_mlops

PACKAGE = Path(easy_mlops.__file__).parent
#: "About 600 lines" per module (issue 15), with a little room.
MAX_LINES = 650


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name, path, known):
    """The package's modules ``path`` imports, anywhere in the file.

    Imports inside functions count: a lazy import is still a dependency.  A
    ``from package import name`` names the submodule when there is one.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {module for module in found if module in known and module != name}


def import_graph():
    known = modules()
    return {name: imported_modules(name, path, known) for name, path in known.items()}


def find_cycle(graph):
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for child in sorted(graph[node]):
            if state.get(child) == "open":
                return stack[stack.index(child) :] + [child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_imports_inside_functions():
    # The parser must see lazy imports, or the cycle test proves nothing.
    graph = import_graph()
    assert "easy_mlops.training.trainer" in graph["easy_mlops.training.persistence"]
    assert "easy_mlops.training._config" in graph["easy_mlops.config"]
    # _main imports its commands' modules inside the functions.
    assert "easy_mlops.config" in graph["easy_mlops._main"]


def test_a_cycle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_point_one_way():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize(
    "lower, upper",
    [
        ("easy_mlops.training.trainer", "easy_mlops.training.persistence"),
        ("easy_mlops.training.trainer", "easy_mlops.config"),
        ("easy_mlops.training.estimator_backend", "easy_mlops.training.trainer"),
        ("easy_mlops.training.base", "easy_mlops.training.estimator_backend"),
    ],
)
def test_layers(lower, upper):
    graph = import_graph()

    def reaches(start, goal, seen=()):
        return start == goal or any(
            reaches(child, goal, (*seen, start))
            for child in graph[start]
            if child not in seen
        )

    assert not reaches(lower, upper), f"{lower} depends on {upper}"


def test_no_module_is_over_about_600_lines():
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
