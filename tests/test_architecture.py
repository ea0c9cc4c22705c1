"""The package's structure: imports point one way, modules stay small."""

import ast
from pathlib import Path

import pytest

import easy_mlops

PACKAGE = Path(easy_mlops.__file__).parent
#: A module longer than this has more than one job (issue 23).
MAX_LINES = 500


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
    encoding = graph["easy_mlops.training.persistence._encoding"]
    assert "easy_mlops.training.trainer" in encoding
    assert "easy_mlops.training._config" in graph["easy_mlops.config"]
    # The commands import what they use inside the functions.
    assert "easy_mlops.config" in graph["easy_mlops.cli._main"]
    assert "easy_mlops.training.trainer" in graph["easy_mlops.cli._main"]


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


def test_no_module_is_over_500_lines():
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def sklearn_private_imports(path):
    """(module, name) pairs of scikit-learn internals that ``path`` imports:
    a private module anywhere in the dotted path, or a private name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] != "sklearn":
                continue
            private_module = any(p.startswith("_") for p in node.module.split("."))
            for alias in node.names:
                if private_module or alias.name.startswith("_"):
                    found.append((node.module, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sklearn" and any(p.startswith("_") for p in parts):
                    found.append((alias.name, None))
    return found


def test_scikit_learn_internals_are_imported_in_one_module():
    # A scikit-learn release that moves an internal then breaks one file.
    offenders = {
        name: sklearn_private_imports(path)
        for name, path in modules().items()
        if name != "easy_mlops._sklearn_compat" and sklearn_private_imports(path)
    }
    assert not offenders, offenders


def test_the_private_import_finder_sees_both_kinds(tmp_path):
    source = (
        "from sklearn.utils._param_validation import Interval\n"
        "from sklearn.utils.validation import _num_samples, check_array\n"
        "import sklearn.model_selection._search\n"
        "from sklearn.base import clone\n"
    )
    path = tmp_path / "private_import_sample.py"
    path.write_text(source, encoding="utf-8")
    assert sklearn_private_imports(path) == [
        ("sklearn.utils._param_validation", "Interval"),
        ("sklearn.utils.validation", "_num_samples"),
        ("sklearn.model_selection._search", None),
    ]


def test_no_top_level_modules_spell_a_folder_as_a_name_prefix():
    # `_cli_data`, `_cli_output`, ... are a subpackage waiting to be made.
    stems = sorted(
        path.stem.lstrip("_")
        for path in PACKAGE.glob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    )
    prefixes = {}
    for stem in stems:
        prefixes.setdefault(stem.split("_")[0], []).append(stem)
    shared = {p: names for p, names in prefixes.items() if len(names) > 1}
    assert not shared, f"top-level modules sharing a prefix: {shared}"


@pytest.mark.parametrize(
    "lower, upper",
    [
        ("easy_mlops.training", "easy_mlops.tracking"),
        ("easy_mlops.training", "easy_mlops.cli"),
        ("easy_mlops.training", "easy_mlops.config"),
        ("easy_mlops.training", "easy_mlops.report"),
        ("easy_mlops.tracking", "easy_mlops.cli"),
    ],
)
def test_the_training_stage_imports_nothing_above_it(lower, upper):
    graph = import_graph()
    inside = [name for name in graph if name == lower or name.startswith(lower + ".")]
    bad = {
        name: sorted(
            child
            for child in graph[name]
            if child == upper or child.startswith(upper + ".")
        )
        for name in inside
    }
    bad = {name: children for name, children in bad.items() if children}
    assert not bad, f"{lower} imports {upper}: {bad}"


def private_members_by_module():
    """Single-underscore names defined in each module's classes."""
    members = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    targets = []
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        targets = [item.name]
                    elif isinstance(item, ast.Assign):
                        targets = [
                            t.id for t in item.targets if isinstance(t, ast.Name)
                        ]
                    elif isinstance(item, ast.AnnAssign) and isinstance(
                        item.target, ast.Name
                    ):
                        targets = [item.target.id]
                    members.setdefault(name, set()).update(
                        t
                        for t in targets
                        if t.startswith("_") and not t.startswith("__")
                    )
    return members


def foreign_private_uses(name, path, members):
    """``obj._member`` uses in ``path`` of a private member that only classes of
    other modules define (``self``, ``cls`` and ``super()`` are the class's own)."""
    own = members.get(name, set())
    foreign = set().union(*(m for n, m in members.items() if n != name)) - own
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute) or node.attr not in foreign:
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in ("self", "cls"):
            continue
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "super":
            continue
        uses.append((node.lineno, node.attr))
    return uses


def test_no_module_reaches_into_another_modules_classes():
    # The backend contract and the flow talk through documented methods and
    # return values, never another class's underscore members.
    members = private_members_by_module()
    found = {
        name: uses
        for name, path in modules().items()
        if (uses := foreign_private_uses(name, path, members))
    }
    assert not found, found


def test_the_private_use_finder_sees_a_foreign_call(tmp_path):
    path = tmp_path / "sample.py"
    path.write_text("def f(backend):\n    return backend._run_fits([])\n")
    members = {"a": {"_run_fits"}, "b": set()}
    assert foreign_private_uses("b", path, members) == [(2, "_run_fits")]
    path.write_text("class A:\n    def g(self):\n        return self._run_fits([])\n")
    assert foreign_private_uses("b", path, members) == []
