"""The parallel fit runner: a batch of fits through scikit-learn's ``Parallel``.

A *fit job* is a tuple ``(role, X, y, sample_weight, train, test[, backend])``:
``role`` is ``"refit"``, ``"holdout"`` or ``"fold"``; ``train`` and ``test``
index rows of the job's own arrays (None: all rows, no scoring); the optional
seventh member is the backend that fits it (a candidate of a comparison),
whose folds also keep their predictions on the test rows, for an ensemble.
A job carries its arrays so that the hold-out fit, which trains on the split,
shares one batch with the folds and the refit.

Warnings raised in workers are recorded there and raised again, in order, in
the process that runs the batch.  The batch runs on at most as many workers
as it has fits, and each fit under the thread budget of
:mod:`easy_mlops.training._threads`.
"""

# License: BSD 3 clause

import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.utils.parallel import Parallel, delayed

from .._sklearn_compat import _safe_indexing
from ._threads import batch_threads, fit_threads, plan_threads
from .callbacks import end_group_tasks, job_task, job_tasks
from .progress import notify
from .settings import DEFAULTS
from .steps import score_fitted

__all__ = ["FitOutcome", "run_fits"]


@dataclass
class FitOutcome:
    """What one fit job gives back: its model or its fold's score, and more.

    ``model`` is None for a scored fold (the model is dropped in the worker);
    ``error`` holds a failed fold's error, whose ``score`` is then NaN.  A
    comparison candidate's fold keeps its ``predictions`` on its ``test``
    rows: class probabilities (columns ``classes``, the fold's labels) when
    the model has them, else predictions.  ``seconds`` is the job's whole
    wall time in its worker (fit, score and predictions), which the time
    budget's estimates use.
    """

    role: str
    model: Any = None
    score: float = float("nan")
    error: str | None = None
    warnings: list = field(default_factory=list)
    model_type: str = ""
    fit_seconds_per_row: float = float("nan")
    predict_seconds_per_row: float = float("nan")
    threads: dict = field(default_factory=dict)
    test: Any = None
    predictions: Any = None
    classes: Any = None
    seconds: float = float("nan")


def run_fits(backend, jobs, problem_type):
    """Run fit jobs in parallel and return their :class:`FitOutcome`, in order.

    The jobs go through scikit-learn's ``Parallel`` with ``backend``'s
    ``n_jobs`` and no joblib backend named, so ``joblib.parallel_config``
    decides where they run (threads by default, loky, Dask), on at most as
    many workers as there are jobs.  Each fit's native threads are limited
    by the batch's :class:`~easy_mlops.training._threads.ThreadPlan`, which
    every outcome records in ``threads``: OpenMP by each fit, BLAS (whose
    limit belongs to the process) around the whole batch here.  A failing
    fold is recorded on its outcome; any other failure raises.
    """
    if not jobs:
        return []
    plan = plan_threads(
        backend.config["n_jobs"],
        len(jobs),
        backend.config.get("inner_threads", DEFAULTS["inner_threads"]),
    )
    notify(0, len(jobs))
    tasks, groups = job_tasks(backend, jobs, problem_type)
    outcomes = []
    # Jobs in worker threads cannot record their own warnings; these are
    # recorded here instead, and kept on an outcome of their own.
    with _recorded_warnings() as from_threads, batch_threads(plan):
        # Threads by default: the fits run in compiled code that releases
        # the GIL, and threads start at once where worker processes cost
        # more than a small fit.  A joblib.parallel_config backend wins.
        # No more workers than fits (plan.parallel_fits): each would start
        # for nothing.
        results = Parallel(
            n_jobs=plan.parallel_fits, prefer="threads", return_as="generator"
        )(
            delayed(_fit_job)(
                job[6] if len(job) > 6 else backend,
                *job[1:4],
                job[0],
                *job[4:6],
                problem_type,
                task,
                plan,
                keep_predictions=len(job) > 6,
            )
            for job, task in zip(jobs, tasks, strict=True)
        )
        for outcome in results:
            outcomes.append(outcome)
            notify(len(outcomes), len(jobs), outcome.role)
    end_group_tasks(groups)
    if from_threads:
        outcomes.append(
            FitOutcome(
                "worker thread",
                warnings=[(w.category, str(w.message)) for w in from_threads],
            )
        )
    for outcome in outcomes:
        outcome.threads = plan.record()
        for category, message in outcome.warnings:
            warnings.warn(message, category, stacklevel=4)
    return outcomes


@contextmanager
def _recorded_warnings():
    """Record the warnings raised in this block, in a process's main thread only.

    ``warnings.catch_warnings`` swaps process-wide state: entered from several
    threads at once (joblib's threading backend, Dask's worker threads), the
    threads restore each other's state and later warnings are lost for good.
    In other threads warnings pass through unrecorded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def _fit_job(
    backend,
    X,
    y,
    sample_weight,
    role,
    train,
    test,
    problem_type,
    task,
    plan,
    *,
    keep_predictions=False,
):
    """Fit one model; for a cross-validation fold, score it and drop the model.

    Runs in a worker, under ``plan``'s thread limit.  A failing fold is
    recorded; any other failure raises.  ``task`` reports the fit to the
    trainer's callbacks (None: no callbacks).
    """
    outcome = FitOutcome(role, model_type=str(backend.config["model_type"]))
    job_start = time.perf_counter()
    with _recorded_warnings() as caught, fit_threads(plan):
        try:
            X_fit, y_fit, w_fit = _subset(X, y, sample_weight, train)
            with job_task(task, outcome, X_fit, y_fit, w_fit):
                start = time.perf_counter()
                outcome.model = backend.fit_model(
                    X_fit, y_fit, w_fit, problem_type=problem_type
                )
                outcome.fit_seconds_per_row = (time.perf_counter() - start) / len(y_fit)
                if test is not None:
                    classes = (
                        np.unique(y_fit) if problem_type == "classification" else None
                    )
                    start = time.perf_counter()
                    X_test, y_test, w_test = _subset(X, y, sample_weight, test)
                    outcome.score = score_fitted(
                        backend,
                        outcome.model,
                        X_test,
                        y_test,
                        w_test,
                        problem_type=problem_type,
                        classes=classes,
                    )
                    seconds = time.perf_counter() - start
                    outcome.predict_seconds_per_row = seconds / len(test)
                    if keep_predictions:
                        outcome.test, outcome.classes = test, classes
                        outcome.predictions = _fold_predictions(
                            backend, outcome.model, X_test, problem_type
                        )
        except Exception as exc:
            if role != "fold":
                raise
            outcome.error = f"fold failed with {type(exc).__name__}: {exc}"
    if test is not None:
        outcome.model = None  # scored, not sent back from the worker
    outcome.seconds = time.perf_counter() - job_start
    outcome.warnings = [(w.category, str(w.message)) for w in caught]
    return outcome


def _fold_predictions(backend, model, X, problem_type):
    if problem_type == "classification" and backend.has_predict_proba(model):
        return np.asarray(backend.predict_proba(model, X), dtype=float)
    return np.asarray(backend.predict(model, X))


def _subset(X, y, sample_weight, indices):
    if indices is None:
        return X, y, sample_weight
    return (
        _safe_indexing(X, indices),
        y[indices],
        None if sample_weight is None else sample_weight[indices],
    )
