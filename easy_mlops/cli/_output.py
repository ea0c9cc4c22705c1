"""The command line's output: its tables, fitted to the terminal, and quiet mode.

A table whose identifiers (model types, column names) do not fit the width
leaves out its least useful columns instead of breaking the names, so a
``model_type`` can always be copied from it; a note says what was left out.
"""

# License: BSD 3 clause

import contextlib
import logging
import math
import sys
import warnings

from ..report._summary import leaderboard_rows, metric_sources

__all__ = [
    "FittedTable",
    "backends_table",
    "columns_table",
    "leaderboard_table",
    "metric_sources",
    "metrics_table",
    "silenced",
    "threads_text",
    "unique",
    "warning_messages",
]


class FittedTable:
    """The widest of several layouts of a table that fits the console.

    Parameters
    ----------
    build : callable
        ``build(level)`` returns a ``rich.table.Table``: level 0 is the full
        table, each next level narrower (a column left out or folded).
    changes : list of str
        What each level past 0 changes, in words, e.g. ``"estimator left
        out"``; said under the table when it applies.
    footer : list of str, default=()
        Lines of prose printed under the table, wrapped at spaces.
    """

    def __init__(self, build, changes, footer=()):
        self.build = build
        self.changes = changes
        self.footer = footer

    def __rich_console__(self, console, options):
        from rich.measure import Measurement
        from rich.text import Text

        # Measured without a limit: the narrowest the table can be without
        # breaking a word of a column that must not wrap.
        unlimited = options.update(width=10_000, max_width=10_000)
        for level in range(len(self.changes) + 1):
            table = self.build(level)
            if Measurement.get(console, unlimited, table).minimum <= options.max_width:
                break
        yield table
        lines = list(self.footer)
        if level:
            lines.append(
                f"(To fit {options.max_width} columns: "
                f"{', '.join(self.changes[:level])}. A wider terminal, or "
                "COLUMNS, shows all.)"
            )
        for line in lines:
            # Wrapped here at spaces: the console may be printing soft-wrapped.
            yield from Text(line).wrap(console, options.max_width)


def metrics_table(metrics, sources, baseline=None):
    """The metrics, with the baseline's beside them when ``baseline`` is given."""
    from rich.table import Table

    table = Table(title="Metrics")
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    if baseline:
        table.add_column("baseline", justify="right", no_wrap=True)
    if sources:
        table.add_column("from")
    for name, value in metrics.items():
        row = [name, _number(value)]
        if baseline:
            row.append(_number(baseline.get(name)) if name in baseline else "")
        table.add_row(*row, *([sources.get(name, "")] if sources else []))
    return table


def columns_table(result):
    from rich.table import Table

    table = Table(title="Columns")
    table.add_column("column", no_wrap=True)
    table.add_column("treated as", no_wrap=True)
    table.add_column("why")
    for name, kind in result.column_treatment.items():
        table.add_row(name, kind, result.column_reasons.get(name, ""))
    return table


def leaderboard_table(result):
    """The leaderboard, best first; narrow terminals lose estimator, then times.

    A candidate that failed has no rank and its error is said under the table.
    """
    from rich.table import Table

    rows = leaderboard_rows(result)

    optional = ["estimator", "fit ms/row", "cv_std"]

    def build(level):
        left_out = optional[:level]
        table = Table(title=f"Leaderboard ({result.scoring}, same folds)")
        columns = {
            "rank": lambda row: "-" if row["rank"] is None else str(row["rank"]),
            "model_type": lambda row: row["model_type"],
            "estimator": lambda row: str(row.get("estimator", "")),
            "cv_mean": lambda row: _number(row.get("cv_mean")),
            "cv_std": lambda row: _number(row.get("cv_std")),
            "fit ms/row": lambda row: (
                _number(row["fit_seconds_per_row"], 1000, 3)
                if "fit_seconds_per_row" in row
                else ""
            ),
        }
        columns = {k: v for k, v in columns.items() if k not in left_out}
        for name in columns:
            numeric = name not in ("model_type", "estimator")
            table.add_column(name, no_wrap=True, justify="right" if numeric else "left")
        for row in rows:
            table.add_row(*(cell(row) for cell in columns.values()))
        return table

    failures = [
        f"{row['model_type']} failed: {row['error']}"
        for row in rows
        if row.get("error") is not None
    ]
    return FittedTable(build, [f"{name} left out" for name in optional], failures)


def backends_table(entries):
    """The catalogue of ``easy-mlops backends``: one row per model type.

    Parameters
    ----------
    entries : list of tuple
        ``(backend, model_type, trains, extra, installed)`` strings, the
        backend's name on its first row only and ``""`` on the others.
    """
    from rich import box
    from rich.table import Table

    def build(level):
        merged, folded = level >= 1, level >= 2
        if folded:
            table = Table(title="Training backends", box=box.SIMPLE, show_edge=False)
        else:
            table = Table(title="Training backends")
        names = [*([] if folded else ["backend"]), "model_type", "trains", "extra"]
        for name in [*names, *([] if merged else ["installed"])]:
            table.add_column(name, no_wrap=True)
        for backend, model_type, trains, extra, installed in entries:
            if backend and table.rows:
                table.add_section()
            if folded and backend:
                table.add_row(f"[bold]{backend}[/bold]:", "", "")
            if merged and installed != "yes":
                extra = f"{extra} (no)"
            cells = [model_type, trains, extra]
            cells = cells if folded else [backend, *cells]
            table.add_row(*cells, *([] if merged else [installed]))
        return table

    return FittedTable(
        build,
        [
            'installed folded into extra ("(no)": not installed)',
            "each backend named above its model types",
        ],
    )


@contextlib.contextmanager
def silenced(quiet):
    """With ``quiet``, keep every library's messages off the terminal.

    For the ``with`` block, warnings are ignored, log records below ERROR are
    dropped, standard output goes to the null device and standard error is
    held back; both are redirected at the file-descriptor level, so what a
    library prints itself (MLflow's "Successfully registered model" line) is
    caught too.  On success the held-back text is dropped; when the block
    fails it is written out, as the context of the error that follows.
    """
    if not quiet:
        yield
        return
    import os
    import tempfile

    sys.stdout.flush()
    sys.stderr.flush()
    kept_out, kept_err = os.dup(1), os.dup(2)
    held = tempfile.TemporaryFile()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(held.fileno(), 2)
    disabled = logging.root.manager.disable
    logging.disable(logging.WARNING)
    failed = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
        failed = False
    except SystemExit as exc:
        failed = exc.code not in (None, 0)
        raise
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(kept_out, 1)
        os.dup2(kept_err, 2)
        for descriptor in (kept_out, kept_err, null):
            os.close(descriptor)
        logging.disable(disabled)
        if failed:
            held.seek(0)
            os.write(2, held.read())
        held.close()


def warning_messages(caught):
    return [str(warning.message) for warning in caught]


def unique(messages):
    return list(dict.fromkeys(messages))


def threads_text(threads):
    """How the fits used the cores, for the line that reports the fit."""
    if not threads:
        return ""
    fits, inner = threads["parallel_fits"], threads["inner_threads"]
    return (
        f" ({fits} parallel fit{'s' * (fits != 1)} x {inner} "
        f"thread{'s' * (inner != 1)} each, {threads['decided_by']})"
    )


def _number(value, scale=1.0, digits=4):
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * scale:.{digits}f}"
