"""The report's ``index.html``: the run at a glance, then the details.

The page is plain HTML with its style inline; it loads only the PNG files and
``data.html`` beside it, so the directory opens from disk with no network.
"""

# License: BSD 3 clause

import html
import json
import math

from .._version import __version__
from ..training.result import to_json
from ._summary import baseline_metrics, leaderboard_rows, metric_sources

__all__ = ["page"]

_esc = html.escape

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 96em;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left;
         overflow-wrap: anywhere; vertical-align: top; }
th { background: #f3f3f3; }
small { color: #666; }
td.number { text-align: right; font-variant-numeric: tabular-nums;
            white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr;
           gap: 0.2em 1em; margin: 0.8em 0; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
p.verdict { font-size: 1.1em; background: #eef6ee; padding: 0.5em 0.8em; }
.side { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.side > figure { flex: 1 1 20em; margin: 0; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; max-width: 100%; }
img { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: 1em; white-space: pre-wrap;
      overflow-wrap: anywhere; }
iframe { width: 100%; height: 40em; border: 1px solid #ccc; }
"""


def page(result, manifest, plots, notes, *, source, data_page=None):
    """The HTML of the report page.

    Parameters
    ----------
    result : TrainingRunResult
        The run.
    manifest : dict or None
        The saved model's manifest.
    plots : list of (pathlib.Path, str)
        Each plot's file and caption; ``leaderboard.png`` is shown beside the
        leaderboard's table, the others under "Plots".
    notes : list of str
        What the report could not show.
    source : str
        What the training data was.
    data_page : str or None, default=None
        The file name of skrub's ``TableReport`` of the data.

    Returns
    -------
    text : str
    """
    board_plot = [plot for plot in plots if plot[0].name == "leaderboard.png"]
    other_plots = [plot for plot in plots if plot[0].name != "leaderboard.png"]
    target = result.target_name or "(unnamed)"
    sections = [
        f"<h1>{_esc(result.model_name)} predicting {_esc(target)}</h1>",
        _facts(_header_facts(result, manifest, source)),
        _verdict(result),
        _metrics_section(result),
        _leaderboard_section(result, board_plot),
        _columns_section(result),
        "<h2>Plots</h2>",
        "\n".join(_figure(path, caption) for path, caption in other_plots)
        or "<p>No plots.</p>",
        _notes(notes),
        _data_section(data_page, source),
        _model_card(result, manifest),
    ]
    body = "\n".join(section for section in sections if section)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>easy-mlops report: {_esc(result.model_name)} predicting {_esc(target)}</title>
<style>{_STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"""


def _header_facts(result, manifest, source):
    manifest = manifest or {}
    features = "" if result.n_features is None else f", {result.n_features} features"
    trained = manifest.get("created") or "not saved"
    version = manifest.get("versions", {}).get("easy_mlops", __version__)
    return {
        "Data": f"{source}: {result.n_samples} rows{features}",
        "Target": result.target_name or "(unnamed)",
        "Problem type": f"{result.problem_type} ({result.problem_type_reason})"
        if result.problem_type_reason
        else result.problem_type,
        "Model": f"{result.model_name} (backend {result.backend}, model_type "
        f"{result.model_type})",
        "Trained": f"{trained}, in {result.fit_seconds:.1f} s",
        "easy-mlops": version,
    }


def _verdict(result):
    """One sentence: who won by how much, and against what baseline."""
    parts = []
    ranked = [row for row in leaderboard_rows(result) if row["rank"] is not None]
    if len(ranked) >= 2:
        best, second = ranked[0], ranked[1]
        parts.append(
            f"{best['model_type']} won on {result.scoring} with "
            f"{best['cv_mean']:.4f} ± {_number(best.get('cv_std'))}, "
            f"{best['cv_mean'] - second['cv_mean']:.4f} ahead of "
            f"{second['model_type']} ({second['cv_mean']:.4f})."
        )
    baseline = baseline_metrics(result)
    shared = [name for name in result.metrics if name in baseline]
    if shared:
        name = result.scoring if result.scoring in shared else shared[0]
        parts.append(
            f"On {name} the model scores {_number(result.metrics[name])} against "
            f"the baseline's {_number(baseline[name])}."
        )
    if not parts:
        return ""
    return f'<p class="verdict">{_esc(" ".join(parts))}</p>'


def _metrics_section(result):
    if not result.metrics:
        return (
            "<h2>Metrics</h2>\n<p>No metrics: no hold-out and no cross-validation.</p>"
        )
    sources = metric_sources(result)
    baseline = baseline_metrics(result)
    head = ["metric", "value", *(["baseline"] if baseline else []), "from"]
    rows = []
    for name, value in result.metrics.items():
        cells = [_esc(name), _cell(value)]
        if baseline:
            cells.append(_cell(baseline.get(name)))
        cells.append(_esc(sources.get(name, "")))
        rows.append(cells)
    return "<h2>Metrics</h2>\n" + _table(head, rows, table_id="metrics")


def _leaderboard_section(result, board_plot):
    rows = leaderboard_rows(result)
    if not rows:
        return ""
    failed = any(row.get("error") for row in rows)
    head = [
        "rank",
        "model_type (estimator)",
        f"{result.scoring} mean",
        "± std",
        "fit ms/row",
        *(["note"] if failed else []),
    ]
    body = []
    for row in rows:
        seconds = row.get("fit_seconds_per_row")
        body.append(
            [
                "-" if row["rank"] is None else str(row["rank"]),
                f"{_esc(row['model_type'])}<br><small>"
                f"{_esc(str(row.get('estimator', '')))}</small>",
                _cell(row.get("cv_mean")),
                _cell(row.get("cv_std")),
                _cell(None if seconds is None else seconds * 1000, 3)
                if "fit_seconds_per_row" in row
                else '<td class="number"></td>',
                *([_esc(row.get("error") or "")] if failed else []),
            ]
        )
    chart = "\n".join(_figure(path, caption) for path, caption in board_plot)
    return (
        '<h2>Leaderboard</h2>\n<div class="side">\n'
        + _table(head, body, table_id="leaderboard")
        + f"\n{chart}\n</div>"
    )


def _columns_section(result):
    if not result.column_treatment:
        return ""
    rows = [
        [_esc(name), _esc(kind), _esc(result.column_reasons.get(name, ""))]
        for name, kind in result.column_treatment.items()
    ]
    return "<h2>Columns</h2>\n" + _table(["column", "treated as", "why"], rows)


def _data_section(data_page, source):
    if data_page is None:
        return ""
    link = _esc(data_page)
    return (
        "<h2>Data</h2>\n"
        f"<p>skrub's table report of the training data ({_esc(source)}): "
        f'<a href="{link}">open it on its own page</a>.</p>\n'
        f'<iframe src="{link}" title="Table report of the training data"></iframe>'
    )


def _model_card(result, manifest):
    if manifest is None:
        record = json.dumps(result.to_dict(), indent=2, default=str)
        return (
            "<h2>Training record</h2>\n<details><summary>The whole record "
            f"(JSON)</summary>\n<pre>{_esc(record)}</pre>\n</details>"
        )
    versions = manifest.get("versions", {})
    config = manifest.get("config") or {}
    features = manifest.get("feature_names") or []
    shown = ", ".join(map(str, features[:12]))
    more = f" and {len(features) - 12} more" if len(features) > 12 else ""
    facts = {
        "Format": f"{manifest.get('format')} {manifest.get('format_version')}, "
        f"{manifest.get('serializer')}"
        + (", signed" if manifest.get("signed") else ", not signed"),
        "Saved": manifest.get("created", ""),
        "Model": f"{manifest.get('model_name')} ({manifest.get('backend')}/"
        f"{manifest.get('model_type')})",
        "Classes": ", ".join(map(str, manifest.get("classes") or [])) or "-",
        "Features": f"{manifest.get('n_features')}: {shown}{more}",
        "Identifier columns": ", ".join(manifest.get("id_columns") or []) or "-",
        "Preprocessing": manifest.get("preprocessing") or "none",
        "Settings": "; ".join(f"{key}={value}" for key, value in config.items()),
        "Versions": ", ".join(f"{name} {v}" for name, v in versions.items()),
    }
    full = json.dumps(to_json(manifest), indent=2, default=str)
    return (
        "<h2>Model card</h2>\n"
        + _facts(facts)
        + "\n<details><summary>Full manifest (JSON)</summary>\n"
        f"<pre>{_esc(full)}</pre>\n</details>"
    )


def _notes(notes):
    if not notes:
        return ""
    items = "".join(f"<li>{_esc(note)}</li>" for note in notes)
    return f'<ul class="notes">{items}</ul>'


def _facts(facts):
    items = "".join(
        f"<dt>{_esc(name)}</dt><dd>{_esc(str(value))}</dd>"
        for name, value in facts.items()
    )
    return f'<dl class="facts">{items}</dl>'


def _table(head, rows, table_id=None):
    ident = f' id="{table_id}"' if table_id else ""
    header = "".join(f"<th>{_esc(name)}</th>" for name in head)
    body = "\n".join(
        "<tr>"
        + "".join(
            cell if cell.startswith("<td") else f"<td>{cell}</td>" for cell in cells
        )
        + "</tr>"
        for cells in rows
    )
    return f"<table{ident}>\n<tr>{header}</tr>\n{body}\n</table>"


def _figure(path, caption):
    return (
        f'<figure><img src="{_esc(path.name)}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _cell(value, digits=4):
    return f'<td class="number">{_number(value, digits)}</td>'


def _number(value, digits=4):
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"
