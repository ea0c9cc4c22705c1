"""The command line's tables: metrics, column treatment and the leaderboard."""

# License: BSD 3 clause

__all__ = [
    "columns_table",
    "leaderboard_table",
    "metric_sources",
    "metrics_table",
    "threads_text",
    "unique",
    "warning_messages",
]


def metric_sources(result):
    sources = {}
    if result.n_test:
        sources.update(dict.fromkeys(result.metrics, f"hold-out, {result.n_test} rows"))
    if result.cv_scores:
        folds = f"{len(result.cv_scores)}-fold cross-validation of {result.scoring}"
        sources.update(dict.fromkeys(("cv_mean", "cv_std"), folds))
    return sources


def metrics_table(metrics, sources, baseline=None):
    """The metrics, with the baseline's beside them when ``baseline`` is given."""
    import math

    from rich.table import Table

    def shown(value):
        return "n/a" if value is None or not math.isfinite(value) else f"{value:.4f}"

    table = Table(title="Metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    if baseline:
        table.add_column("baseline", justify="right")
    if sources:
        table.add_column("from")
    for name, value in metrics.items():
        row = [name, shown(value)]
        if baseline:
            row.append(shown(baseline.get(name)) if name in baseline else "")
        table.add_row(*row, *([sources.get(name, "")] if sources else []))
    return table


def columns_table(result):
    from rich.table import Table

    table = Table(title="Columns")
    table.add_column("column")
    table.add_column("treated as")
    table.add_column("why")
    for name, kind in result.column_treatment.items():
        table.add_row(name, kind, result.column_reasons.get(name, ""))
    return table


def leaderboard_table(result):
    import math

    from rich.table import Table

    table = Table(title=f"Leaderboard ({result.scoring}, same folds)")
    # Numbers are never cut; names fold onto a second line when the terminal
    # (or the 80 columns of a pipe) is narrow.
    table.add_column("rank", no_wrap=True)
    table.add_column("model_type", overflow="fold")
    table.add_column("estimator", overflow="fold")
    for column in ("cv_mean", "cv_std", "fit ms/row"):
        table.add_column(column, justify="right", no_wrap=True)
    failed = any(row["error"] is not None for row in result.leaderboard)
    if failed:
        table.add_column("note", overflow="fold")
    rank = 0
    for row in result.leaderboard:
        ok = row["error"] is None
        rank += ok

        def number(value, scale=1.0, digits=4):
            if value is None or not math.isfinite(value):
                return "n/a"
            return f"{value * scale:.{digits}f}"

        table.add_row(
            str(rank) if ok else "-",
            row["model_type"],
            row["estimator"],
            number(row["cv_mean"]),
            number(row["cv_std"]),
            number(row["fit_seconds_per_row"], 1000, 3),
            *([row["error"] or ""] if failed else []),
        )
    if result.baseline.get("cv_scores"):
        scores = result.baseline["metrics"]
        table.add_row(
            "-",
            "baseline",
            result.baseline["estimator"],
            number(scores.get("cv_mean")),
            number(scores.get("cv_std")),
            "",
            *([""] if failed else []),
        )
    return table


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
