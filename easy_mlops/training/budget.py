"""The time budget: a clock, and the rungs of successive halving over folds.

With ``time_budget`` (seconds) set, a run starts fits only while the budget
allows and always ends with a model: the first candidate's fold and the final
fit run whatever the clock says.  A comparison runs its candidates cheapest
first and by successive halving over the cross-validation folds
(:func:`halving_schedule`): every candidate is scored on the first fold, the
best third go on to more folds, and so on, so the time goes to the promising
ones.  What the budget left out is recorded in ``training_result_.skipped``.
"""

# License: BSD 3 clause

import math
import time

__all__ = ["HALVING_FACTOR", "TimeBudget", "halving_schedule"]

#: Each rung keeps a third of the candidates and gives them three times the
#: folds, as scikit-learn's ``HalvingGridSearchCV`` does by default.
HALVING_FACTOR = 3


def halving_schedule(n_candidates, n_folds, *, factor=HALVING_FACTOR, min_survivors=2):
    """The rungs of successive halving over cross-validation folds.

    Parameters
    ----------
    n_candidates : int
        Candidates in the first rung.
    n_folds : int
        Folds of the cross-validation, at least 1.
    factor : int, default=3
        Each rung keeps ``1 / factor`` of the candidates (rounded up) and
        gives them ``factor`` times the folds of the rung before, up to all.
    min_survivors : int, default=2
        No rung keeps fewer candidates than this (or than there are).

    Returns
    -------
    rungs : list of (int, int)
        ``(candidates, folds)`` of each rung: how many candidates it scores,
        best first by the rung before, and on how many folds from the first
        (cumulative).  The last rung has every fold.

    Examples
    --------
    >>> from easy_mlops.training.budget import halving_schedule
    >>> halving_schedule(12, 5)
    [(12, 1), (4, 3), (2, 5)]
    >>> halving_schedule(3, 5, min_survivors=3)
    [(3, 1), (3, 3), (3, 5)]
    """
    if n_candidates < 1 or n_folds < 1 or factor < 2:
        raise ValueError(
            "halving_schedule needs n_candidates >= 1, n_folds >= 1 and factor >= 2. "
            f"Got {n_candidates}, {n_folds} and {factor}."
        )
    floor = min(min_survivors, n_candidates)
    rungs, kept, folds = [], n_candidates, 1
    while True:
        rungs.append((kept, folds))
        if folds == n_folds:
            return rungs
        kept = max(floor, math.ceil(kept / factor))
        folds = min(n_folds, folds * factor)


class TimeBudget:
    """A wall-clock budget in seconds, started when it is made.

    Parameters
    ----------
    seconds : float or None
        The budget; None for no limit (every question answers "yes").

    Attributes
    ----------
    seconds : float or None
        The budget.
    skipped : list of str
        What was left out for time, one sentence each.

    Examples
    --------
    >>> from easy_mlops.training.budget import TimeBudget
    >>> budget = TimeBudget(60)
    >>> budget.allows(10), budget.allows(100)
    (True, False)
    >>> TimeBudget(None).allows(1e9)
    True
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.skipped = []
        self._start = time.perf_counter()

    @property
    def limited(self):
        """Whether there is a budget at all."""
        return self.seconds is not None

    def spent(self):
        """Seconds since the budget started."""
        return time.perf_counter() - self._start

    def remaining(self):
        """Seconds left (negative once overrun); infinite without a budget."""
        return math.inf if self.seconds is None else self.seconds - self.spent()

    def allows(self, estimate):
        """Whether work estimated at ``estimate`` seconds fits in what is left."""
        return estimate <= self.remaining()

    def skip(self, what):
        """Record that ``what`` was left out for time."""
        self.skipped.append(
            f"{what}: time_budget of {self.seconds:g} s "
            f"({self.spent():.1f} s spent)"
        )
