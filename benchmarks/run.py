"""Run the benchmarks, check their invariants and write JSON and a Markdown table.

Usage::

    python -m benchmarks                 # full run, writes benchmarks/results/
    python -m benchmarks --quick         # smoke run, writes benchmarks/results/quick/
    python benchmarks/run.py --only fit_overhead scale

Each benchmark writes ``<output-dir>/<name>.json``: its rows, each with the
raw samples of both sides pair by pair, its invariants, the machine, and the
git commit measured (with whether the working tree differed from it); the
run writes
``table.md`` (every figure, included by ``docs/performance.md``) and
``dask.md`` (the Dask figures, included by ``docs/scaling.md``), both rebuilt
from all the results in the directory.  The exit
status is 1 when an invariant fails, e.g. ModelTrainer's metrics differ from
the hand-written code's; missed timing targets are reported, not failures.
"""

# License: BSD 3 clause

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: make the repository root importable so that the
    # ``benchmarks`` package resolves as it does under ``python -m``.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cases import CASES, FULL, QUICK  # noqa: E402

__all__ = ["main", "markdown_table", "source_state", "status"]

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = RESULTS.parents[1]
_PACKAGES = ("easy-mlops", "scikit-learn", "numpy", "pandas", "joblib", "dask")


def machine():
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in cpuinfo
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = None
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cpus": None if usable is None else len(usable),
        "memory_gb": None if memory is None else round(memory / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }


def source_state(root=ROOT):
    """The git commit the run measures, and whether the working tree differs.

    Changes under ``benchmarks/results`` do not count: writing results is
    what a run does.  Outside a git checkout every field is None.

    Parameters
    ----------
    root : path, default=the repository holding this file
        The working tree.

    Returns
    -------
    state : dict
        ``commit`` (the full hash of HEAD), ``dirty`` (bool) and ``changed``
        (the paths that differ from the commit, as ``git status`` shows them).
    """

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        changed = git(
            "status", "--porcelain", "--", ".", ":(exclude)benchmarks/results"
        ).splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None, "changed": None}
    return {
        "commit": commit,
        "dirty": bool(changed),
        "changed": [line[3:] for line in changed],
    }


def status(row):
    """Whether a row meets its target, and by how much it misses.

    Returns a short text for the table: ``"met"``, ``"missed by 4.1%"`` (or
    by so many µs), with "within noise" when the best pair of the run meets
    the target, or ``"—"`` for a figure without a target.
    """
    target = row["target"]
    if target is None:
        return "—"
    op, value = target["op"], target["value"]
    best = row["max"] if op == ">=" else row["min"]

    def meets(x):
        return x >= value if op == ">=" else x <= value if op == "<=" else x < value

    if meets(row["median"]):
        return "met"
    if row["unit"] == "µs":
        miss = f"missed by {row['median'] - value:.0f} µs"
    elif op == ">=":
        miss = f"missed by {(1 - row['median'] / value):.1%}"
    else:
        miss = f"missed by {(row['median'] / value - 1):.1%}"
    return miss + (" (within noise: the best pair meets it)" if meets(best) else "")


def _number(value, unit):
    return f"{value:.0f} µs" if unit == "µs" else f"{value:.3f}"


def markdown_table(results, names=None):
    """The figures of ``results`` (name -> case result) as a Markdown table."""
    lines = [
        "| Benchmark | Figure | Median | Min | Max | Target | Status |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, result in results.items():
        if names is not None and name not in names:
            continue
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} | | | | | |")
        for row in result["rows"]:
            target = row["target"]
            target_text = (
                "—"
                if target is None
                else f"{target['op']} {_number(target['value'], row['unit'])}"
            )
            figure = row["measure"] + (f" ({row['note']})" if row["note"] else "")
            cells = [
                row["label"],
                figure,
                _number(row["median"], row["unit"]),
                _number(row["min"], row["unit"]),
                _number(row["max"], row["unit"]),
                target_text.replace("<=", "≤").replace(">=", "≥"),
                status(row),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _source_text(sources):
    """Which commits the results measured, e.g. ``commit 1a2b3c4d5e6f``."""
    if any(source.get("commit") is None for source in sources):
        return "commit unknown"
    names = [
        source["commit"][:12] + (" with uncommitted changes" if source["dirty"] else "")
        for source in sources
    ]
    names = list(dict.fromkeys(names))
    return ("commit " if len(names) == 1 else "commits ") + ", ".join(names)


def _machine_line(info, quick, sources):
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    kind = "Quick smoke run (sizes shrunk; not a measurement)" if quick else "Full run"
    coretype = info["openblas_coretype"]
    return (
        f"Measured on {info['cpu']}, {info['usable_cpus']} usable of "
        f"{info['cpu_count']} CPUs, {info['memory_gb']} GB, {info['platform']}, "
        f"Python {info['python']}; {packages}"
        + (f"; OPENBLAS_CORETYPE={coretype}" if coretype else "")
        + f". {kind}, {info['date']}, {_source_text(sources)}.\n"
    )


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def main(argv=None):
    """Run the benchmarks named on the command line (all by default)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="shrink every size (smoke run)"
    )
    parser.add_argument(
        "--only", nargs="+", choices=sorted(CASES), help="run only these benchmarks"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="where to write results (default: benchmarks/results, "
        "or benchmarks/results/quick with --quick)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    output = args.output_dir or (RESULTS / "quick" if args.quick else RESULTS)
    output.mkdir(parents=True, exist_ok=True)

    info = machine()
    info["date"] = datetime.date.today().isoformat()
    # Read once, before any result is written.
    source = source_state()
    names = args.only or list(CASES)
    failed = []
    for name in names:
        print(f"{name} ...", flush=True)
        result = CASES[name](sizes)
        result.pop("last", None)
        result["machine"] = info
        result["source"] = source
        result["quick"] = args.quick
        for row in result["rows"]:
            row["status"] = status(row)
            print(
                f"  {row['label']}: {row['measure']} = {row['median']:.3f} "
                f"[{row['min']:.3f}, {row['max']:.3f}] {row['status']}"
            )
        for check, passed in result["invariants"].items():
            print(f"  invariant {'ok' if passed else 'FAILED'}: {check}")
            if not passed:
                failed.append(f"{name}: {check}")
        (output / f"{name}.json").write_text(
            json.dumps(result, indent=2, default=_json_default) + "\n",
            encoding="utf-8",
        )

    # The tables are rebuilt from every result in the directory, so that
    # re-running one benchmark (--only) updates its lines and keeps the rest.
    stored = {
        name: json.loads((output / f"{name}.json").read_text(encoding="utf-8"))
        for name in CASES
        if (output / f"{name}.json").exists()
    }
    dates = sorted({result["machine"]["date"] for result in stored.values()})
    info = {**info, "date": " to ".join(dict.fromkeys([dates[0], dates[-1]]))}
    sources = [result.get("source", {"commit": None}) for result in stored.values()]
    header = _machine_line(info, args.quick, sources) + "\n"
    if len(stored) == len(CASES):
        (output / "table.md").write_text(
            header + markdown_table(stored), encoding="utf-8"
        )
    if "dask_cluster" in stored:
        (output / "dask.md").write_text(
            header + markdown_table(stored, {"dask_cluster"}), encoding="utf-8"
        )
    if failed:
        print("Invariants failed:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
