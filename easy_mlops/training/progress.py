"""Progress of the fits inside ``ModelTrainer.fit``, for those who ask for it.

The library itself prints nothing.  A caller that wants to show progress (the
command line's progress bar, a notebook widget, a log line) installs a
callback for the duration of a block::

    with report_progress(print):
        trainer.fit(X, y)

and receives a :class:`FitProgress` before the first fit and after each one.
"""

# License: BSD 3 clause

import contextvars
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
    >>> events = []
    >>> with report_progress(events.append):
    ...     _ = ModelTrainer(model_type="linear_regression", cv_folds=3).fit(X, y)
    >>> events[0].total
    5
    >>> [(e.completed, e.role) for e in events]
    [(0, None), (1, 'refit'), (2, 'holdout'), (3, 'fold'), (4, 'fold'), (5, 'fold')]
    """
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
