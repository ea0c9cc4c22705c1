"""Deprecated: progress of the fits inside ``ModelTrainer.fit``.

Progress is reported through scikit-learn's callback API (scikit-learn >=
1.9): ``ModelTrainer().set_callbacks(sklearn.callback.ProgressBar())``, or any
``FitCallback`` (see :mod:`easy_mlops.training.callbacks`).  The command
line's progress bar is one such callback.

:func:`report_progress` is deprecated since 0.5 and will be removed in 0.7.
Until then, a caller that installs a callback for the duration of a block::

    with report_progress(print):
        trainer.fit(X, y)

receives a :class:`FitProgress` before the first fit and after each one.
"""

# License: BSD 3 clause

import contextvars
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["FitProgress", "report_progress"]

_callback = contextvars.ContextVar("easy_mlops_progress", default=None)


@dataclass(frozen=True)
class FitProgress:
    """One step of a training run's fits.

    Attributes
    ----------
    completed : int
        Fits finished so far (0 in the event sent before the first fit).
    total : int
        Fits in this batch: the hold-out fit, one per fold, and the refit.
    role : str or None
        What the fit that just finished was: ``"holdout"``, ``"fold"`` or
        ``"refit"``; None in the first event.
    """

    completed: int
    total: int
    role: str | None = None


@contextmanager
def report_progress(callback):
    """Call ``callback(FitProgress)`` for the fits run inside this block.

    .. deprecated:: 0.5
        Use ``ModelTrainer.set_callbacks`` with a scikit-learn ``FitCallback``
        (``sklearn.callback.ProgressBar`` draws nested progress bars); the
        trainer's root task has one subtask per fit.  ``report_progress``
        will be removed in 0.7.

    Parameters
    ----------
    callback : callable
        Called in the calling thread, in order, whatever joblib backend runs
        the fits.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.training.progress import report_progress
    >>> X, y = load_diabetes(return_X_y=True)
    >>> import warnings
    >>> events = []
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     with report_progress(events.append):
    ...         _ = ModelTrainer(model_type="linear_regression", cv_folds=3).fit(X, y)
    >>> caught[0].category.__name__
    'FutureWarning'
    >>> events[0].total
    5
    >>> [(e.completed, e.role) for e in events]
    [(0, None), (1, 'refit'), (2, 'holdout'), (3, 'fold'), (4, 'fold'), (5, 'fold')]
    """
    warnings.warn(
        "report_progress is deprecated since easy_mlops 0.5 and will be removed "
        "in 0.7. Set a scikit-learn callback on the trainer instead, e.g. "
        "ModelTrainer().set_callbacks(sklearn.callback.ProgressBar()).",
        FutureWarning,
        stacklevel=3,
    )
    token = _callback.set(callback)
    try:
        yield
    finally:
        _callback.reset(token)


def notify(completed, total, role=None):
    """Send one event to the installed callback, if any."""
    callback = _callback.get()
    if callback is not None:
        callback(FitProgress(completed, total, role))
