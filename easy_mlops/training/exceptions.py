"""Warnings and errors raised by the training stage."""

# License: BSD 3 clause

import os
import sys

__all__ = [
    "EasyMLOpsWarning",
    "ModelLoadError",
    "ModelQualityWarning",
    "ModelSaveError",
    "ProblemTypeWarning",
    "SmallDataWarning",
    "TimeBudgetWarning",
    "VersionMismatchWarning",
]


class EasyMLOpsWarning(UserWarning):
    """Base class of every warning easy_mlops emits.

    Filter this class to silence all of them at once::

        warnings.filterwarnings("ignore", category=EasyMLOpsWarning)
    """


class SmallDataWarning(EasyMLOpsWarning):
    """The data is too small for the configured hold-out or cross-validation.

    The hold-out or the number of folds was reduced or skipped; the fitted
    ``training_result_.skipped`` says which and why.
    """


class ProblemTypeWarning(EasyMLOpsWarning):
    """Automatic problem-type detection made a close call.

    Set ``problem_type`` explicitly to silence it.
    """


class ModelQualityWarning(EasyMLOpsWarning):
    """The model does not beat a baseline that ignores the features.

    The baseline (``training_result_.baseline``) predicts the class
    frequencies or the mean; a model that scores no better has learnt nothing
    its scores can vouch for.
    """


class TimeBudgetWarning(EasyMLOpsWarning):
    """A fit ran well past its ``time_budget``.

    The first candidates' first fold and the final fits always run, so that
    a model is returned; a budget smaller than they take is overrun.  What
    the budget left out is in ``training_result_.skipped``.
    """


class VersionMismatchWarning(EasyMLOpsWarning):
    """A model was saved with library versions other than the installed ones."""


class ModelLoadError(ValueError):
    """A saved model could not be loaded; the message names the path and why."""


class ModelSaveError(ValueError):
    """A model could not be saved; the file at the target path is unchanged."""


#: The package's folder: frames of files under it are the library's own.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel():
    """The ``stacklevel`` that makes ``warnings.warn`` name the user's line.

    Counts, from the caller of this function, the frames of easy_mlops and
    of the scikit-learn callback support that wraps ``fit``, up to the first
    frame of other code.

    Returns
    -------
    stacklevel : int
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and (
        frame.f_code.co_filename.startswith(_PACKAGE)
        or f"sklearn{os.sep}callback{os.sep}" in frame.f_code.co_filename
    ):
        frame, level = frame.f_back, level + 1
    return level
