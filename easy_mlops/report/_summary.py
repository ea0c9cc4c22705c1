"""The facts of a run that both the report and the command line show.

Plain data from a ``TrainingRunResult``: where each metric comes from, the
leaderboard's ranks, and the baseline's metrics.
"""

# License: BSD 3 clause

import math

__all__ = ["baseline_metrics", "leaderboard_rows", "metric_sources"]


def metric_sources(result):
    """Where each metric of ``result.metrics`` comes from, in words.

    Parameters
    ----------
    result : TrainingRunResult
        The run.

    Returns
    -------
    sources : dict of str to str
        Metric name -> e.g. ``"hold-out, 30 rows"`` or ``"3-fold
        cross-validation of accuracy"``.
    """
    sources = {}
    if result.n_test:
        sources.update(dict.fromkeys(result.metrics, f"hold-out, {result.n_test} rows"))
    if result.cv_scores:
        folds = f"{len(result.cv_scores)}-fold cross-validation of {result.scoring}"
        sources.update(dict.fromkeys(("cv_mean", "cv_std"), folds))
    return sources


def baseline_metrics(result):
    """The metrics of the run's baseline model, or an empty dict.

    The baseline (``result.baseline``, see
    :mod:`easy_mlops.training.baseline`) ignores the features; it is scored
    on the same hold-out and folds as the model.
    """
    return dict(result.baseline.get("metrics") or {})


def leaderboard_rows(result):
    """The leaderboard with ranks, and the baseline as its last row.

    Returns
    -------
    rows : list of dict
        Each entry of ``result.leaderboard`` (in its order, best first) with
        ``"rank"`` added: 1, 2, ... for the candidates that scored, None for
        one that failed.  Rows added by later steps (e.g. an ensemble) are
        ranked like the others.  When the baseline was cross-validated on the
        same folds, a last row ``model_type="baseline"`` holds its mean and
        spread, without a rank or a fit time.  Empty without a comparison.
    """
    rows, rank = [], 0
    for row in result.leaderboard:
        ok = row.get("error") is None and _finite(row.get("cv_mean"))
        rank += ok
        rows.append({**row, "rank": rank if ok else None})
    baseline = result.baseline
    if rows and baseline.get("cv_scores"):
        metrics = baseline_metrics(result)
        rows.append(
            {
                "model_type": "baseline",
                "estimator": baseline.get("estimator", ""),
                "cv_mean": metrics.get("cv_mean"),
                "cv_std": metrics.get("cv_std"),
                "error": None,
                "rank": None,
            }
        )
    return rows


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)
