"""A training report: metrics.json, plots as PNG and an index.html showing them.

The plots need matplotlib (``pip install "easy-mlops[report]"``).  Without it
the report still holds the JSON and the page, and says what to install.
"""

# License: BSD 3 clause

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .training.result import to_json

__all__ = ["FILE_NAMES", "Report", "holdout_predictions", "write_report"]

#: Every file name :func:`write_report` may write in its directory; the
#: command line refuses a report directory where one of them is an input.
FILE_NAMES = (
    "metrics.json",
    "confusion_matrix.png",
    "predicted_vs_actual.png",
    "residuals.png",
    "cv_scores.png",
    "permutation_importance.png",
    "roc_pr_curves.png",
    "leaderboard.png",
    "index.html",
)

_MATPLOTLIB_MISSING = (
    "The plots need matplotlib, which is not installed: "
    'pip install "easy-mlops[report]"'
)


@dataclass
class Report:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    directory : pathlib.Path
        The report directory.
    files : list of pathlib.Path
        Every file written, ``metrics.json`` first and ``index.html`` last.
    notes : list of str
        What the report could not show, and why.
    """

    directory: Path
    files: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def index(self):
        """The path of ``index.html``."""
        return self.directory / "index.html"


def holdout_predictions(trainer, X, y):
    """Rebuild the hold-out of a fitted trainer and predict it.

    The final model of a trainer has seen every row, so pictures of its
    predictions on the training data would flatter it.  This splits ``X, y``
    as ``fit`` did (same ``test_size`` and ``random_state``, so the same rows
    when ``random_state`` is an int), fits a model on the training part and
    predicts the hold-out: the pictures then match the hold-out metrics.

    Parameters
    ----------
    trainer : ModelTrainer
        A fitted trainer.
    X : array-like of shape (n_samples, n_features)
        The data the trainer was fitted on.
    y : array-like of shape (n_samples,)
        Its target.

    Returns
    -------
    y_true, y_pred : ndarray of shape (n_test,), or None and None
        The hold-out target and its predictions; None and None when the run
        had no hold-out or the backend cannot fit a single model.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.report import holdout_predictions
    >>> X, y = load_diabetes(return_X_y=True)
    >>> trainer = ModelTrainer(model_type="linear_regression", cv_folds=0).fit(X, y)
    >>> y_true, y_pred = holdout_predictions(trainer, X, y)
    >>> y_true.shape == (trainer.training_result_.n_test,)
    True
    """
    from sklearn.utils.validation import check_is_fitted

    from .training._fit_data import validate_predict_data

    check_is_fitted(trainer)
    if not trainer.training_result_.n_test:
        return None, None
    backend = trainer.backend_
    problem_type = trainer.problem_type_
    if backend.preprocessing is not None and hasattr(X, "columns"):
        # The pipeline takes the raw table; NumPy would lose its column types.
        X_checked = validate_predict_data(trainer, X)
    else:
        X_checked = np.asarray(X) if backend.validates_input else X
    split = backend.split_data(X_checked, np.asarray(y), problem_type=problem_type)
    if split.X_test is None:
        return None, None
    try:
        model = backend.fit_model(
            split.X_train, split.y_train, problem_type=problem_type
        )
    except NotImplementedError:
        return None, None
    return np.asarray(split.y_test), np.asarray(backend.predict(model, split.X_test))


def write_report(trainer, directory, *, y_true=None, y_pred=None, manifest=None):
    """Write the report of a fitted trainer to ``directory``.

    Parameters
    ----------
    trainer : ModelTrainer
        A fitted trainer.
    directory : str or path-like
        Created if needed; files of an earlier report are replaced.
    y_true, y_pred : array-like of shape (n_samples,), default=None
        Targets and predictions to picture: a confusion matrix
        (classification), or predicted against actual values and the
        residuals (regression).  By default the hold-out's, kept by ``fit``
        in ``training_result_.holdout`` (no other fit); with it also the
        permutation importance of the features on the hold-out, and ROC and
        precision-recall curves for a binary classifier with probabilities.
        A comparison's leaderboard is drawn too.
    manifest : dict, default=None
        The saved model's manifest (``easy_mlops.training.inspect_model``);
        the trainer's ``manifest_`` when it has one.

    Returns
    -------
    report : Report
        The files written and notes on what is missing.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.report import write_report
    >>> X, y = load_iris(return_X_y=True)
    >>> trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    >>> trainer = trainer.fit(X, y)
    >>> report = write_report(trainer, tempfile.mkdtemp())
    >>> [path.name for path in report.files]  # doctest: +NORMALIZE_WHITESPACE
    ['metrics.json', 'confusion_matrix.png', 'cv_scores.png',
     'permutation_importance.png', 'index.html']
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(trainer)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    result = trainer.training_result_
    report = Report(directory)
    if result.baseline.get("warning"):
        report.notes.append(result.baseline["warning"])
    if manifest is None:
        manifest = getattr(trainer, "manifest_", None)

    holdout = result.holdout
    if y_true is None and y_pred is None and holdout is not None:
        # Kept by fit: the pictures cost no other fit.
        y_true, y_pred = holdout.y_true, holdout.y_pred
    importance = {}
    plots = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        report.notes.append(_MATPLOTLIB_MISSING)
    else:
        plots = _draw_plots(result, y_true, y_pred, directory, report.notes)
        if holdout is not None:
            plots += _draw_insight(
                trainer, holdout, directory, report.notes, importance
            )
        if result.leaderboard:
            plots.append(_draw_leaderboard(result, directory))
        if result.ensemble_weights:
            plots.append(_draw_weights(result, directory))

    metrics_path = directory / "metrics.json"
    record = {
        "metrics": result.to_dict()["metrics"],
        "training": result.to_dict(),
        "manifest": to_json(manifest) if manifest is not None else None,
        "permutation_importance": importance,
        "plots": [path.name for path, _ in plots],
        "notes": report.notes,
    }
    metrics_path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    index_path = directory / "index.html"
    index_path.write_text(_page(result, manifest, plots, report.notes), "utf-8")
    report.files = [metrics_path, *(path for path, _ in plots), index_path]
    return report


def _draw_plots(result, y_true, y_pred, directory, notes):
    """Save each plot as PNG; return (path, caption) pairs."""
    from matplotlib.figure import Figure

    plots = []

    def save(figure, name, caption):
        path = directory / name
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plots.append((path, caption))

    if y_true is None or y_pred is None:
        notes.append(
            "No predictions were given (no hold-out), so there is no picture of them."
        )
    elif result.problem_type == "classification":
        save(
            _confusion_figure(Figure, y_true, y_pred),
            "confusion_matrix.png",
            f"Confusion matrix on the hold-out ({len(y_true)} rows)",
        )
    else:
        y_true = np.asarray(y_true, dtype=float)
        y_pred = np.asarray(y_pred, dtype=float)
        figure = Figure(figsize=(5, 5))
        ax = figure.subplots()
        ax.scatter(y_true, y_pred, s=12, alpha=0.6)
        low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
        ax.plot([low, high], [low, high], color="grey", linestyle="--")
        ax.set(xlabel="actual", ylabel="predicted", title="Predicted vs actual")
        save(figure, "predicted_vs_actual.png", "Predicted against actual values")
        figure = Figure(figsize=(6, 4))
        ax = figure.subplots()
        ax.scatter(y_pred, y_true - y_pred, s=12, alpha=0.6)
        ax.axhline(0, color="grey", linestyle="--")
        ax.set(xlabel="predicted", ylabel="actual - predicted", title="Residuals")
        save(figure, "residuals.png", "Residuals against predicted values")

    scores = np.asarray(result.cv_scores, dtype=float)
    if scores.size:
        figure = Figure(figsize=(6, 4))
        ax = figure.subplots()
        folds = np.arange(1, scores.size + 1)
        ax.bar(folds, np.nan_to_num(scores), color="tab:blue")
        ax.axhline(np.nanmean(scores), color="tab:orange", label="mean")
        baseline = np.asarray(result.baseline.get("cv_scores", []), dtype=float)
        if baseline.size == scores.size:
            ax.plot(folds, baseline, "k_", markersize=20, label="baseline")
        ax.set(
            xlabel="fold",
            ylabel=result.scoring,
            xticks=folds,
            title="Cross-validation score per fold",
        )
        ax.legend()
        save(figure, "cv_scores.png", f"{result.scoring} on each fold")
    else:
        notes.append("Cross-validation did not run, so there are no fold scores.")
    return plots


def _draw_insight(trainer, holdout, directory, notes, record):
    """Permutation importance, and ROC and precision-recall curves (binary).

    The importance of each feature (mean over repeats) goes into ``record``.
    """
    from matplotlib.figure import Figure

    plots = []
    importance = _importance(trainer, holdout, notes)
    if importance is not None:
        names, means, stds = importance
        record.update(zip(names, map(float, means), strict=True))
        order = np.argsort(means)[::-1][:15][::-1]
        figure = Figure(figsize=(7, 1 + 0.35 * len(order)))
        ax = figure.subplots()
        ax.barh([_short(names[i], 30) for i in order], means[order], xerr=stds[order])
        ax.set(
            xlabel="drop in score when the column is shuffled",
            title="Permutation importance on the hold-out",
        )
        path = directory / "permutation_importance.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plots.append((path, f"Top {len(order)} features by permutation importance"))
    proba, classes = holdout.y_proba, holdout.classes
    if proba is not None and classes is not None and len(classes) == 2:
        from sklearn.metrics import auc, precision_recall_curve, roc_curve

        positive = np.asarray(holdout.y_true) == classes[1]
        fpr, tpr, _ = roc_curve(positive, proba[:, 1])
        precision, recall, _ = precision_recall_curve(positive, proba[:, 1])
        figure = Figure(figsize=(10, 4.5))
        left, right = figure.subplots(1, 2)
        left.plot(fpr, tpr, label=f"AUC {auc(fpr, tpr):.3f}")
        left.plot([0, 1], [0, 1], color="grey", linestyle="--")
        left.set(
            xlabel="false positive rate",
            ylabel="true positive rate",
            title=f"ROC curve (positive: {_short(classes[1], 20)})",
        )
        left.legend()
        right.plot(recall, precision)
        right.set(xlabel="recall", ylabel="precision", title="Precision-recall curve")
        path = directory / "roc_pr_curves.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plots.append((path, "ROC and precision-recall curves on the hold-out"))
    return plots


def _importance(trainer, holdout, notes):
    from sklearn.inspection import permutation_importance

    if not hasattr(holdout.model, "score"):
        notes.append("The model has no score method: no permutation importance.")
        return None
    X = holdout.X
    if hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    elif getattr(trainer, "feature_names_in_", None) is not None:
        names = [str(c) for c in trainer.feature_names_in_]
    else:
        names = [f"feature {i}" for i in range(np.shape(X)[1])]
    try:
        found = permutation_importance(
            holdout.model, X, holdout.y_true, n_repeats=5, random_state=0
        )
    except Exception as exc:  # a model that cannot be scored so: a note, no chart
        notes.append(f"No permutation importance: {type(exc).__name__}: {exc}")
        return None
    return names, found.importances_mean, found.importances_std


def _draw_leaderboard(result, directory):
    from matplotlib.figure import Figure

    rows = [row for row in result.leaderboard if row["error"] is None][::-1]
    figure = Figure(figsize=(7, 1 + 0.45 * len(rows)))
    ax = figure.subplots()
    ax.barh(
        [row["model_type"] for row in rows],
        [row["cv_mean"] for row in rows],
        xerr=[row["cv_std"] for row in rows],
        color="tab:green",
    )
    ax.set(xlabel=f"{result.scoring}, mean over the same folds", title="Leaderboard")
    path = directory / "leaderboard.png"
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path, "Model types compared on the same folds (best at the top)"


def _draw_weights(result, directory):
    from matplotlib.figure import Figure

    names = list(result.ensemble_weights)[::-1]
    figure = Figure(figsize=(7, 1 + 0.45 * len(names)))
    ax = figure.subplots()
    ax.barh(names, [result.ensemble_weights[n] for n in names], color="tab:purple")
    ax.set(xlabel="weight in the soft vote", title="Ensemble weights")
    path = directory / "ensemble_weights.png"
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path, "The ensemble's members and their weights (greedy selection)"


def _short(label, width):
    label = str(label)
    return label if len(label) <= width else label[: width - 1] + "…"


def _confusion_figure(Figure, y_true, y_pred):
    from sklearn.metrics import confusion_matrix

    labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    n = len(labels)
    # Room grows with the classes; long labels are cut and the predicted ones
    # turned, so that neighbours never overlap.
    size = 3 + 0.55 * n
    figure = Figure(figsize=(size + 1.5, size))
    ax = figure.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=ax)
    ticks = np.arange(n)
    names = [_short(label, 18) for label in labels]
    font = 10 if n <= 10 else 8
    ax.set(
        xticks=ticks,
        yticks=ticks,
        xlabel="predicted",
        ylabel="actual",
        title="Confusion matrix",
    )
    ax.set_xticklabels(
        names,
        rotation=45 if n > 3 else 0,
        ha="right" if n > 3 else "center",
        fontsize=font,
    )
    ax.set_yticklabels(names, fontsize=font)
    # Dark cells get white digits so every count stays readable.
    threshold = matrix.max() / 2
    if n <= 30:
        for (row, col), count in np.ndenumerate(matrix):
            colour = "white" if count > threshold else "black"
            ax.text(
                col,
                row,
                str(count),
                ha="center",
                va="center",
                color=colour,
                fontsize=font,
            )
    return figure


def _page(result, manifest, plots, notes):
    esc = html.escape
    baseline = result.baseline.get("metrics", {})
    rows = "\n".join(
        f"<tr><td>{esc(name)}</td><td>{_format(value)}</td>"
        f"<td>{_format(baseline.get(name))}</td></tr>"
        for name, value in result.metrics.items()
    )
    figures = "\n".join(
        f'<figure><img src="{esc(path.name)}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
        for path, caption in plots
    )
    note_items = "".join(f"<li>{esc(note)}</li>" for note in notes)
    columns = ""
    if result.column_treatment:
        column_rows = "\n".join(
            f"<tr><td>{esc(name)}</td><td>{esc(kind)}</td>"
            f"<td>{esc(result.column_reasons.get(name, ''))}</td></tr>"
            for name, kind in result.column_treatment.items()
        )
        columns = (
            "<h2>Columns</h2>\n<table>\n<tr><th>column</th><th>treated as</th>"
            f"<th>why</th></tr>\n{column_rows}\n</table>"
        )
    details = json.dumps(
        to_json(manifest) if manifest is not None else result.to_dict(),
        indent=2,
        default=str,
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>easy-mlops report: {esc(result.model_name)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 60em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.8em; text-align: left; }}
figure {{ display: inline-block; margin: 1em; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; }}
</style>
</head>
<body>
<h1>{esc(result.model_name)} ({esc(result.backend)}/{esc(str(result.model_type))})</h1>
<p>Problem type: <strong>{esc(result.problem_type)}</strong>
({esc(result.problem_type_reason)}). {result.n_samples} rows,
{result.n_test} held out.</p>
<h2>Metrics</h2>
<table>
<tr><th>metric</th><th>value</th><th>baseline</th></tr>
{rows}
</table>
{f"<ul>{note_items}</ul>" if note_items else ""}
{columns}
<h2>Plots</h2>
{figures or "<p>No plots.</p>"}
<h2>{"Manifest" if manifest is not None else "Training record"}</h2>
<pre>{esc(details)}</pre>
</body>
</html>
"""


def _format(value):
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.4f}"
