"""The documentation tells the truth: its examples run and its tables match the code."""

import ast
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import FitFailedWarning

import easy_mlops
from easy_mlops.training.settings import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Examples may use these; their pages are skipped where one is not installed.
OPTIONAL_PACKAGES = {
    "torch",
    "xgboost",
    "lightgbm",
    "matplotlib",
    "skops",
    "distributed",
}
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(path):
    return FENCE.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_python_examples_run(path, tmp_path, monkeypatch, capsys):
    """Every ```python block of a page runs, in order, in one namespace."""
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{path.stem}"}
    # A search whose candidates fail would still "run": make that an error.
    warnings.simplefilter("error", FitFailedWarning)
    for block in python_blocks(path):
        try:
            exec(compile(block, str(path), "exec"), namespace)
        except ModuleNotFoundError as exc:
            if exc.name not in OPTIONAL_PACKAGES:
                raise
            pytest.skip(f"{path.name} needs the optional package {exc.name!r}")


def test_readme_quick_start_prints_metrics(capsys):
    (block,) = python_blocks(ROOT / "README.md")
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "classification - the target has exactly two distinct values" in out
    assert "'accuracy'" in out and "'cv_mean'" in out


def test_settings_table_matches_defaults():
    text = (ROOT / "docs" / "user_guide.md").read_text(encoding="utf-8")
    rows = re.findall(r"\* - ``(\w+)``\n\s+- ``(.+?)``", text)
    assert {key: ast.literal_eval(value) for key, value in rows} == DEFAULTS


def test_readme_has_one_install_and_one_test_command():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("<!-- install-command -->") == 1
    assert text.count("<!-- test-command -->") == 1


def test_public_names():
    import easy_mlops.training as training

    assert easy_mlops.__all__ == [
        "ModelTrainer",
        "__version__",
        "inspect_model",
        "load_model",
        "save_model",
    ]
    for name in easy_mlops.__all__:
        assert getattr(easy_mlops, name) is not None
    assert set(training.__all__) >= {
        "ModelTrainer",
        "BaseTrainingBackend",
        "TrainingRunResult",
        "SklearnBackend",
    }
    for name in training.__all__:
        assert getattr(training, name).__module__.startswith("easy_mlops.training")


def _loaded_after(statement, modules):
    code = (
        f"import sys; {statement}; "
        f"print(sorted(m for m in {modules!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return out.strip()


def test_import_loads_no_optional_framework():
    frameworks = (
        "xgboost", "lightgbm", "torch", "dask", "distributed", "skops",
        "matplotlib", "click",
    )  # fmt: skip
    loaded = _loaded_after("import easy_mlops, easy_mlops.training", frameworks)
    assert loaded == "[]"


def test_rich_is_loaded_only_by_scikit_learns_callbacks():
    # ModelTrainer inherits sklearn.callback.CallbackSupportMixin; on
    # scikit-learn >= 1.9 that package imports rich for its ProgressBar. Our
    # own code must add nothing: the CLI imports rich lazily.
    ours = _loaded_after("import easy_mlops, easy_mlops.training", ("rich",))
    try:
        theirs = _loaded_after("import sklearn.callback", ("rich",))
    except subprocess.CalledProcessError:  # scikit-learn < 1.9
        theirs = "[]"
    assert ours == theirs


def test_sphinx_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra is not installed")
    pytest.importorskip("myst_parser", reason="the docs extra is not installed")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            str(ROOT / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
