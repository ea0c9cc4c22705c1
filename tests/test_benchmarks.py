"""The benchmark runner: its smoke run completes and checks its own invariants.

Timing targets belong to the benchmark report (docs/performance.md), never to
the tests: here only that every case runs, writes its JSON and table, and that
easy_mlops computed the same numbers as the hand-written scikit-learn code.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.cases import CASES  # noqa: E402
from benchmarks.run import markdown_table, status  # noqa: E402


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("benchmarks")
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output-dir", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, output


def test_quick_run_passes_its_invariants(quick_run):
    completed, _ = quick_run
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "FAILED" not in completed.stdout


def test_quick_run_writes_one_json_per_benchmark_and_the_tables(quick_run):
    _, output = quick_run
    for name in CASES:
        result = json.loads((output / f"{name}.json").read_text(encoding="utf-8"))
        assert result["quick"] is True
        assert all(result["invariants"].values())
        assert result["machine"]["cpu_count"] >= 1
    table = (output / "table.md").read_text(encoding="utf-8")
    assert "Quick smoke run" in table
    assert table.count("\n| ") >= len(CASES)
    assert (output / "dask.md").exists()


def test_the_script_form_runs(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--only",
            "import_time",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads((tmp_path / "import_time.json").read_text())["invariants"]


def _row(median, low, high, op, value, unit="x"):
    return {
        "label": "case",
        "measure": "a / b",
        "unit": unit,
        "median": median,
        "min": low,
        "max": high,
        "target": {"op": op, "value": value},
        "note": None,
    }


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(1.01, 0.99, 1.1, "<=", 1.03), "met"),
        (_row(1.10, 1.08, 1.2, "<=", 1.03), "missed by 6.8%"),
        (
            _row(1.05, 1.01, 1.2, "<=", 1.03),
            "missed by 1.9% (within noise: the best pair meets it)",
        ),
        (_row(1.2, 1.1, 1.3, ">=", 1.6), "missed by 25.0%"),
        (_row(1.7, 1.5, 1.8, ">=", 1.6), "met"),
        (
            _row(130, 90, 150, "<", 100, unit="µs"),
            "missed by 30 µs (within noise: the best pair meets it)",
        ),
    ],
)
def test_status_says_met_or_by_how_much_it_misses(row, expected):
    assert status(row) == expected


def test_markdown_table_has_a_line_per_figure():
    row = _row(1.01, 0.99, 1.1, "<=", 1.03)
    table = markdown_table({"case": {"rows": [row, {**row, "target": None}]}})
    lines = table.strip().splitlines()
    assert len(lines) == 4
    assert lines[2].endswith("| ≤ 1.030 | met |")
    assert lines[3].endswith("| — | — |")
