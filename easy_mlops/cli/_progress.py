"""The command line's progress bar: a scikit-learn callback on the trainer.

The bar is a ``FitCallback`` (scikit-learn's callback API, scikit-learn >=
1.9) set on the ``ModelTrainer`` for the duration of its fit, so that the
command line reports progress through the same mechanism as a notebook's
``ModelTrainer().set_callbacks(sklearn.callback.ProgressBar())``.  It draws
one bar on standard error, on a terminal only: one step per fit (hold-out,
fold, refit, a comparison's candidates' folds).
"""

# License: BSD 3 clause

from contextlib import contextmanager

__all__ = ["FitProgressBar", "progress_bar"]


class FitProgressBar:
    """A ``FitCallback`` advancing a rich progress bar at the end of each fit.

    Not auto-propagated: it hears of the trainer's own tasks only, not of the
    estimators' iterations.  Its hooks may run in worker threads; rich's
    ``Progress`` takes updates from any thread.

    Parameters
    ----------
    progress : rich.progress.Progress
        Where the bar is drawn.
    """

    def __init__(self, progress):
        self.progress = progress
        self.task = None

    def setup(self, estimator, context):
        self.task = self.progress.add_task("", total=None)

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        if context.parent is None and context.max_subtasks:
            # A plain fit knows its number of fits; a comparison does not.
            self.progress.update(self.task, total=context.max_subtasks)

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.parent is not None and context.max_subtasks == 0:
            self.progress.update(
                self.task, advance=1, description=f"last: {context.task_name}"
            )


@contextmanager
def progress_bar(trainer, *, quiet=False):
    """Draw the fits of ``trainer`` inside this block, on a terminal only.

    The callback is set on the trainer for the block and removed after it,
    so it is never saved with the model.  Without scikit-learn's callback API
    (scikit-learn < 1.9) there is no bar.
    """
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal or not hasattr(trainer, "set_callbacks"):
        yield
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        TextColumn("Fitting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    kept = list(getattr(trainer, "_skl_callbacks", []))
    trainer.set_callbacks(*kept, FitProgressBar(progress))
    try:
        with progress:
            yield
    finally:
        trainer.set_callbacks(*kept)
