"""The report's plots, drawn with matplotlib's object API (no pyplot state).

Each function draws on figures it makes and hands them to ``save(figure,
name, caption)``.  Axes are zoomed on the values and the values are written
on the chart, so that 0.973 and 0.968 look different; legends sit outside
the data.
"""

# License: BSD 3 clause

import numpy as np

from ._summary import baseline_metrics, leaderboard_rows

__all__ = [
    "draw_curves",
    "draw_cv_scores",
    "draw_importance",
    "draw_leaderboard",
    "draw_predictions",
    "draw_weights",
]

#: Above this many points a scatter becomes a hexbin density.
_HEXBIN_FROM = 2000


def draw_predictions(Figure, result, y_true, y_pred, save):
    """A confusion matrix, or predicted-vs-actual and residual plots."""
    if result.problem_type == "classification":
        save(
            _confusion_figure(Figure, y_true, y_pred),
            "confusion_matrix.png",
            f"Confusion matrix on the hold-out ({len(y_true)} rows)",
        )
        return
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    figure = Figure(figsize=(5.5, 5))
    ax = figure.subplots()
    _scatter(figure, ax, y_true, y_pred)
    low = min(y_true.min(), y_pred.min())
    high = max(y_true.max(), y_pred.max())
    ax.plot([low, high], [low, high], color="grey", linestyle="--", label="perfect")
    ax.set(xlabel="actual", ylabel="predicted", title="Predicted vs actual")
    _legend_below(ax)
    save(figure, "predicted_vs_actual.png", "Predicted against actual values")
    figure = Figure(figsize=(6.5, 4))
    ax = figure.subplots()
    _scatter(figure, ax, y_pred, y_true - y_pred)
    ax.axhline(0, color="grey", linestyle="--")
    ax.set(xlabel="predicted", ylabel="actual - predicted", title="Residuals")
    save(figure, "residuals.png", "Residuals against predicted values")


def _scatter(figure, ax, x, y):
    """Points, translucent as they grow in number; a hexbin density past 2000."""
    if len(x) > _HEXBIN_FROM:
        cells = ax.hexbin(x, y, gridsize=40, mincnt=1, cmap="Blues", bins="log")
        figure.colorbar(cells, ax=ax, label="rows (log scale)")
    else:
        alpha = float(np.clip(200 / max(len(x), 1), 0.15, 0.8))
        ax.scatter(x, y, s=12, alpha=alpha, linewidths=0)


def draw_cv_scores(Figure, result, save):
    """The score of each fold as a labelled point, on an axis zoomed on them."""
    scores = np.asarray(result.cv_scores, dtype=float)
    folds = np.arange(1, scores.size + 1)
    finite = scores[np.isfinite(scores)]
    mean = float(np.mean(finite)) if finite.size else np.nan
    figure = Figure(figsize=(6.5, 4))
    ax = figure.subplots()
    ax.plot(folds, scores, "o", color="tab:blue", markersize=8, label="fold")
    if finite.size:
        ax.axhline(mean, color="tab:orange", label=f"mean {mean:.4f}")
    baseline = np.asarray(result.baseline.get("cv_scores") or [], dtype=float)
    if baseline.size == scores.size and np.isfinite(baseline).any():
        # The baseline's score on the same folds, as a short black dash; the
        # axis then spans it too, which is the comparison that matters.
        ax.plot(folds, baseline, "k_", markersize=20, label="baseline, same fold")
        finite = np.concatenate([finite, baseline[np.isfinite(baseline)]])
    for fold, score in zip(folds, scores, strict=True):
        text = "failed" if not np.isfinite(score) else f"{score:.4f}"
        y = score if np.isfinite(score) else mean
        ax.annotate(
            text,
            (fold, y),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            fontsize=9,
        )
    _zoom(ax.set_ylim, finite)
    ax.set(
        xlabel="fold",
        ylabel=result.scoring,
        xticks=folds,
        xlim=(0.5, scores.size + 0.5),
        title="Cross-validation score per fold (axis zoomed on the scores)",
    )
    _legend_below(ax)
    save(figure, "cv_scores.png", f"{result.scoring} on each fold")


def draw_leaderboard(Figure, result, save):
    """Each candidate's mean score ± its spread over the folds, best at the top."""
    rows = [row for row in leaderboard_rows(result) if row["rank"] is not None]
    if not rows:
        return
    rows = rows[::-1]
    means = np.array([row["cv_mean"] for row in rows], dtype=float)
    stds = np.nan_to_num(np.array([row.get("cv_std") for row in rows], dtype=float))
    positions = np.arange(len(rows))
    figure = Figure(figsize=(5.5, 1.2 + 0.5 * len(rows)))
    ax = figure.subplots()
    ax.errorbar(means, positions, xerr=stds, fmt="o", color="tab:green", capsize=4)
    for position, mean, std in zip(positions, means, stds, strict=True):
        ax.annotate(
            f"{mean:.4f} ± {std:.4f}",
            (mean, position),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=9,
        )
    values = [*(means - stds), *(means + stds)]
    baseline = baseline_metrics(result).get("cv_mean")
    if baseline is not None and np.isfinite(baseline):
        ax.axvline(
            baseline, color="grey", linestyle="--", label=f"baseline {baseline:.4f}"
        )
        values.append(baseline)
        _legend_below(ax)
    _zoom(ax.set_xlim, np.asarray(values))
    ax.set_yticks(positions, [_short(row["model_type"], 32) for row in rows])
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.set(
        xlabel=f"{result.scoring}, mean ± std over the same folds (axis zoomed)",
        title="Leaderboard",
    )
    save(figure, "leaderboard.png", "Model types compared on the same folds")


def draw_weights(Figure, result, save):
    """An ensemble's members and their weights in the soft vote."""
    names = list(result.ensemble_weights)[::-1]
    figure = Figure(figsize=(7, 1 + 0.45 * len(names)))
    ax = figure.subplots()
    ax.barh(names, [result.ensemble_weights[n] for n in names], color="tab:purple")
    ax.set(xlabel="weight in the soft vote", title="Ensemble weights")
    save(figure, "ensemble_weights.png", "The ensemble's members and their weights")


def _legend_below(ax):
    """A legend under the axis' ticks and label, where it covers no data."""
    # 40 points down clears the tick labels and the axis label, whatever the
    # axes' height (the anchor is in axes fractions).
    height = ax.get_position().height * ax.figure.get_figheight() * 72
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -40 / height),
        ncol=2,
        frameon=False,
    )


def _zoom(set_limits, values):
    """Limits that frame ``values`` with room for labels, not from 0."""
    values = values[np.isfinite(values)]
    if not values.size:
        return
    low, high = float(values.min()), float(values.max())
    pad = max((high - low) * 0.25, abs(high) * 0.005, 1e-3)
    set_limits(low - pad, high + pad)


def draw_importance(Figure, names, means, stds, save):
    """The 15 features whose shuffling costs the most score."""
    order = np.argsort(means)[::-1][:15][::-1]
    figure = Figure(figsize=(7, 1 + 0.35 * len(order)))
    ax = figure.subplots()
    ax.barh(
        [_short(names[i], 30) for i in order],
        means[order],
        xerr=stds[order],
        color="tab:purple",
    )
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(
        xlabel="drop in score when the column is shuffled",
        title="Permutation importance on the hold-out",
    )
    save(
        figure,
        "permutation_importance.png",
        f"Top {len(order)} features by permutation importance",
    )


def draw_curves(Figure, y_true, proba, positive_label, save):
    """ROC and precision-recall curves of a binary classifier.

    The PR curve shows its average precision and the prevalence line: the
    precision of a model that guesses.
    """
    from sklearn.metrics import (
        auc,
        average_precision_score,
        precision_recall_curve,
        roc_curve,
    )

    positive = np.asarray(y_true) == positive_label
    fpr, tpr, _ = roc_curve(positive, proba)
    precision, recall, _ = precision_recall_curve(positive, proba)
    prevalence = float(np.mean(positive))
    figure = Figure(figsize=(11, 4.8))
    left, right = figure.subplots(1, 2)
    left.plot(fpr, tpr, label=f"model (AUC {auc(fpr, tpr):.3f})")
    left.plot([0, 1], [0, 1], color="grey", linestyle="--", label="chance")
    left.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title=f"ROC curve (positive: {_short(positive_label, 20)})",
    )
    _legend_below(left)
    average_precision = average_precision_score(positive, proba)
    right.plot(
        recall,
        precision,
        drawstyle="steps-post",
        label=f"model (AP {average_precision:.3f})",
    )
    right.axhline(
        prevalence,
        color="grey",
        linestyle="--",
        label=f"prevalence {prevalence:.3f}",
    )
    right.set(
        xlabel="recall",
        ylabel="precision",
        ylim=(0, 1.05),
        title="Precision-recall curve",
    )
    _legend_below(right)
    save(figure, "roc_pr_curves.png", "ROC and precision-recall curves on the hold-out")


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
