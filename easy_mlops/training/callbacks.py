"""ModelTrainer's side of scikit-learn's callback API (scikit-learn >= 1.9).

scikit-learn 1.9 added callbacks (:mod:`sklearn.callback`): objects given to
an estimator's ``set_callbacks`` that hear of every task of its fit, in a tree
that meta-estimators extend with their sub-estimators' own tasks, whichever
joblib backend runs them.  ``ProgressBar`` draws that tree as nested bars;
``ScoringMonitor`` scores the model of each finished task.

The task tree of a ``ModelTrainer`` fit::

    fit                               the trainer's root task
    ├── refit, holdout, fold, fold…   one per fit, run in parallel
    │   └── (the estimator's own tasks, when it supports callbacks:
    │        LogisticRegression, the Pipeline in front of the model)
    └── with a comparison: one "candidate <model_type>" task per candidate,
        each with its folds, then the winner's holdout and refit.

The fits of one batch run in parallel, so the subtasks are not sequential.
A plain fit knows its number of subtasks when its batch starts; a comparison
does not know it in advance (``max_subtasks=None``) because the winner's
fits come after the candidates'.  A backend whose ``train`` never runs the
fit batch (a user's own flow) reports its fit as one task without subtasks.

On scikit-learn < 1.9 there is no callback API: ``ModelTrainer`` has no
``set_callbacks`` (asking for it says which version is needed) and fits
exactly as before.
"""

# License: BSD 3 clause

import contextvars
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
import sklearn

from ._fit_data import fitted_state
from .steps import scoring_name

__all__ = ["CALLBACKS_AVAILABLE", "fold_score"]

#: The first scikit-learn release with the callback API.
MINIMUM_SKLEARN = "1.9"

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    CALLBACKS_AVAILABLE = True
except ImportError:  # scikit-learn < 1.9
    CALLBACKS_AVAILABLE = False

    class _RequiresCallbackAPI:
        """A method that exists only with scikit-learn's callback API.

        ``hasattr`` answers False, as scikit-learn expects of an estimator
        without callback support, and asking for it says what to install.
        """

        def __set_name__(self, owner, name):
            self.name = name

        def __get__(self, instance, owner=None):
            raise AttributeError(
                f"{owner.__name__}.{self.name} needs scikit-learn's callback API, "
                f"new in scikit-learn {MINIMUM_SKLEARN}; scikit-learn "
                f"{sklearn.__version__} is installed. Upgrade it with: pip install "
                f'"scikit-learn>={MINIMUM_SKLEARN}"'
            )

    class CallbackSupportMixin:  # noqa: D101 -- the stand-in
        set_callbacks = _RequiresCallbackAPI()

    def with_callbacks(method):
        """Stand-in for ``sklearn.callback.with_callbacks``: the method as is."""
        return method


class _FitTask(NamedTuple):
    """What a fit job needs to report to the trainer's callbacks.

    It travels to the worker with the job; its parts are pickled together, so
    the trainer in it is the object its callbacks know.
    """

    trainer: Any
    context: Any
    backend: Any
    problem_type: str
    scored: bool


class _TrainerFit:
    """The callbacks' view of one ``ModelTrainer`` fit."""

    def __init__(self, trainer, comparing):
        self.trainer = trainer
        self.comparing = comparing
        self.root = None
        self.next_id = 0
        self.X = self.y = self.metadata = None

    def set_data(self, X, y, sample_weight=None):
        """The validated data of the fit, which its callbacks receive."""
        self.X, self.y = X, y
        self.metadata = (
            None if sample_weight is None else {"sample_weight": sample_weight}
        )

    def open(self, max_subtasks):
        self.root = self.trainer._init_callback_context(
            max_subtasks=max_subtasks, sequential_subtasks=False
        )
        self._begin(self.root)

    def close(self, succeeded):
        if self.root is None:
            if not succeeded:
                return  # nothing began
            self.open(max_subtasks=0)
        # The trainer itself is fitted by now, if the fit succeeded.
        self._end(self.root, {} if succeeded else None)

    def subtask(self, parent, name, max_subtasks=0):
        if parent is self.root:
            task_id, self.next_id = self.next_id, self.next_id + 1
        else:
            task_id = len(parent._children_map)
        return parent.subcontext(
            task_name=name,
            task_id=task_id,
            max_subtasks=max_subtasks,
            sequential_subtasks=False,
        )

    def _begin(self, context):
        context.call_on_fit_task_begin(
            estimator=self.trainer, X=self.X, y=self.y, metadata=self.metadata
        )

    def _end(self, context, attributes):
        context.call_on_fit_task_end(
            estimator=self.trainer,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=attributes,
        )


class _NoCallbacks:
    def set_data(self, X, y, sample_weight=None):
        pass


_current_fit = contextvars.ContextVar("easy_mlops_current_fit", default=None)
_running_job = contextvars.ContextVar("easy_mlops_running_job", default=None)


def _has_callbacks(trainer):
    return bool(getattr(trainer, "_skl_callbacks", None)) or hasattr(
        trainer, "_parent_callback_ctx"
    )


@contextmanager
def trainer_fit(trainer, *, comparing=False):
    """The block of ``trainer``'s fit that its callbacks hear of.

    Yields an object whose ``set_data(X, y, sample_weight)`` records the
    validated data.  Without callbacks on the trainer (set, or propagated by
    a meta-estimator) nothing is recorded and no task is opened, so a fit
    without callbacks costs nothing more.  The root task ends even when the
    fit raises; the callbacks' teardown is ``with_callbacks``'s.
    """
    if not CALLBACKS_AVAILABLE or not _has_callbacks(trainer):
        yield _NoCallbacks()
        return
    fit = _TrainerFit(trainer, comparing)
    token = _current_fit.set(fit)
    succeeded = False
    try:
        yield fit
        succeeded = True
    finally:
        _current_fit.reset(token)
        fit.close(succeeded)


def job_tasks(backend, jobs, problem_type):
    """One task (or None) per fit job, and the group tasks to end afterwards.

    Called where the batch is dispatched, before any job runs: contexts are
    nodes of one tree that every worker's copy must agree on.  The first
    batch of a fit opens the trainer's root task.  The jobs of a comparison's
    candidate (a seventh member) are grouped under one task per candidate.
    """
    fit = _current_fit.get()
    if fit is None or not jobs:
        return [None] * len(jobs), []
    if fit.root is None:
        fit.open(max_subtasks=None if fit.comparing else len(jobs))
    groups = {}
    tasks = []
    for role, _X, _y, _w, _train, test, *candidate in jobs:
        job_backend = candidate[0] if candidate else backend
        parent = fit.root
        if candidate:
            name = f"candidate {job_backend.config['model_type']}"
            if name not in groups:
                size = sum(1 for job in jobs if len(job) > 6 and job[6] is job_backend)
                groups[name] = fit.subtask(fit.root, name, max_subtasks=size)
                fit._begin(groups[name])
            parent = groups[name]
        tasks.append(
            _FitTask(
                trainer=fit.trainer,
                context=fit.subtask(parent, role),
                backend=job_backend,
                problem_type=problem_type,
                scored=test is not None,
            )
        )
    return tasks, list(groups.values())


def end_group_tasks(groups):
    """End the candidates' group tasks once their folds have ended."""
    fit = _current_fit.get()
    for context in groups:
        fit._end(context, None)


class _RunningJob:
    """A job's task while it runs; its begin is sent once, at the fit."""

    def __init__(self, task, X, y, metadata):
        self.task, self.X, self.y, self.metadata = task, X, y, metadata
        self.begun = False

    def begin(self):
        if not self.begun:
            self.begun = True
            self.task.context.call_on_fit_task_begin(
                estimator=self.task.trainer, X=self.X, y=self.y, metadata=self.metadata
            )


@contextmanager
def job_task(task, outcome, X, y, sample_weight=None):
    """Report one fit job, which runs in this block, to the callbacks.

    The task begins when the backend's ``fit_model`` reaches
    :func:`propagated_to` (or, for a backend that never calls it, when the
    block ends), so that an inner estimator's own root task, merged with this
    one, is the one its propagated callbacks hear of, as in scikit-learn's
    meta-estimators.  ``outcome`` is the job's record; its ``model`` (and
    ``score``, for a scored fold) are read at the end for callbacks that ask
    for the fitted estimator.  The task ends even when the block raises.
    """
    if task is None:
        yield
        return
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    job = _RunningJob(task, X, y, metadata)
    token = _running_job.set(job)
    try:
        yield
    finally:
        _running_job.reset(token)
        job.begin()
        task.context.call_on_fit_task_end(
            estimator=task.trainer,
            X=X,
            y=y,
            metadata=metadata,
            reconstruction_attributes=lambda: _fitted_attributes(task, outcome, y),
        )


@contextmanager
def propagated_to(estimator):
    """Begin the running job's task, with ``estimator``'s own tasks under it.

    A backend's ``fit_model`` wraps the fit of its model in this block.  Only
    an estimator that supports callbacks gets the job's context and callbacks:
    the others would only warn that they do not, once per fit.
    """
    job = _running_job.get()
    if job is None:
        yield
        return
    if not hasattr(estimator, "set_callbacks"):
        job.begin()
        yield
        return
    with job.task.context.propagate_callback_context(estimator):
        job.begin()
        yield


def _fitted_attributes(task, outcome, y):
    """The fitted state of a trainer that predicts with one job's model.

    None when the job failed before its model was fitted.
    """
    from .result import TrainingRunResult

    model = outcome.model
    if model is None:
        return None
    backend, problem_type = task.backend, task.problem_type
    classes = np.unique(y) if problem_type == "classification" else None
    result = TrainingRunResult(
        model=model,
        metrics={},
        problem_type=problem_type,
        model_name=backend.model_name(model),
        n_samples=int(y.shape[0]),
        n_features=None,
        backend=backend.name,
        model_type=backend.config["model_type"],
        n_train=int(y.shape[0]),
        cv_scores=[outcome.score] if task.scored else [],
        scoring=scoring_name(backend.config, problem_type) if task.scored else "",
        classes=classes,
    )
    return fitted_state(result, backend)


def fold_score(estimator, X, y):
    """The score a cross-validation fold got on its held-out rows.

    A scorer for :class:`sklearn.callback.ScoringMonitor` set on a
    ``ModelTrainer``: at the end of each fold it gives the fold's score (by
    the trainer's ``scoring``), the same number that ends up in
    ``training_result_.cv_scores``, as soon as the fold finishes.  For the
    hold-out fit, the refit and the whole fit it gives NaN.  ``X`` and ``y``
    (the rows the fit was trained on) are not used.

    Parameters
    ----------
    estimator : ModelTrainer
        The fitted estimator a callback receives at the end of a task.
    X, y : array-like
        The training rows of the task; unused.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sklearn.callback import ScoringMonitor
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.training.callbacks import fold_score
    >>> X, y = load_diabetes(return_X_y=True)
    >>> monitor = ScoringMonitor(scoring={"cv": fold_score})
    >>> trainer = ModelTrainer(model_type="linear_regression", cv_folds=3)
    >>> trainer.set_callbacks(monitor).fit(X, y).training_result_.scoring
    'r2'
    >>> log = monitor.get_logs().data_as_pandas
    >>> folds = log[log["task_name"] == "fold"].sort_values("task_id")
    >>> bool((folds["cv"] == trainer.training_result_.cv_scores).all())
    True
    """
    scores = estimator.training_result_.cv_scores
    return float(scores[0]) if len(scores) == 1 else float("nan")
