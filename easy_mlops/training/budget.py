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

import numpy as np
from joblib import effective_n_jobs

from ._fit_runner import run_fits

__all__ = [
    "HALVING_FACTOR",
    "TimeBudget",
    "batch_seconds",
    "final_fit_seconds",
    "final_rows",
    "halving_schedule",
    "run_halving",
]


def final_rows(test_size):
    """The rows each of a member's final fits trains on, in units of all rows.

    The refit trains on every row; the hold-out fit, when there is a
    hold-out, on the ``1 - test_size`` left of them.  Fit time is taken as
    proportional to the rows.

    Examples
    --------
    >>> from easy_mlops.training.budget import final_rows
    >>> final_rows(0.25), final_rows(0)
    ((1, 0.75), (1,))
    """
    return (1, 1 - test_size) if test_size > 0 else (1,)


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
            f"{what}: time_budget of {self.seconds:g} s ({self.spent():.1f} s spent)"
        )


def run_halving(
    backend, candidates, folds, data, problem_type, budget, *, min_survivors
):
    """Score candidates by successive halving over ``folds``, within ``budget``.

    The candidates come cheapest first.  Each rung of
    :func:`halving_schedule` scores the candidates kept, best first by their
    mean score so far, on its folds, fold by fold, in parallel batches of
    ``n_jobs`` fits; before each batch the budget must allow its estimated
    time plus the final fits of the best ``min_survivors``, except for the
    very first batch, so that some model is always trained.  A batch it does
    not allow stops its candidates, which record in ``budget.skipped`` the
    folds of the rung they did not run; the others go on.

    Parameters
    ----------
    backend : EstimatorBackend
        The comparing backend (its ``n_jobs`` and ``test_size``).
    candidates : list of EstimatorBackend
        One per entry, cheapest first.
    folds : list of (train, test) index arrays
    data : tuple
        ``(X, y, sample_weight)``.
    problem_type : str
    budget : TimeBudget
    min_survivors : int
        Candidates kept to the last rung (the members an ensemble may have).

    Returns
    -------
    outcomes : list of FitOutcome
        The fold outcomes of every candidate, in the order they ran.
    """
    X, y, sample_weight = data
    n_jobs = effective_n_jobs(backend.config["n_jobs"])
    test_size = backend.config["test_size"]
    n_rows = y.shape[0]
    # Build each candidate once before any fit is timed: that imports what
    # its fits need (skrub, the boosting libraries), which the first fit of a
    # process would otherwise carry (1.3 s for skrub), and the estimates would
    # read as fit time, as much as a candidate's cost over again.
    for candidate in candidates:
        candidate.build_model(problem_type)
    outcomes, alive, done = [], list(candidates), 0
    rungs = halving_schedule(len(candidates), len(folds), min_survivors=min_survivors)
    for kept, upto in rungs:
        if done:
            alive = sorted(alive, key=lambda c: -_mean_score(c, outcomes))[:kept]
        # Fold by fold, so that a budget that runs out leaves the candidates
        # on as many folds as each other: an ensemble selects on the folds
        # they share.
        pairs = [(c, fold) for fold in range(done, upto) for c in alive]
        while pairs:
            chunk, pairs = pairs[:n_jobs], pairs[n_jobs:]
            best = sorted(alive, key=lambda c: -_mean_score(c, outcomes))
            seconds = batch_seconds(
                [_estimate(backend, c, outcomes, "seconds") for c, _ in chunk],
                n_jobs,
            )
            reserve = batch_seconds(
                [
                    fit
                    for c in best[:min_survivors]
                    for fit in final_fit_seconds(
                        _estimate(backend, c, outcomes, "fit_seconds_per_row"),
                        test_size,
                        n_rows,
                    )
                ],
                n_jobs,
            )
            if outcomes and not budget.allows(seconds + reserve):
                # These candidates stop here, and so do those ranked after
                # them (they come later in ``alive``): a candidate ranked
                # lower must not go on to more folds than a better one.
                stop = alive[min(alive.index(c) for c, _ in chunk) :]
                _skip_the_rest(
                    [p for p in (*chunk, *pairs) if p[0] in stop], upto, budget
                )
                pairs = [p for p in pairs if p[0] not in stop]
                alive = [c for c in alive if c not in stop]
                continue
            jobs = [
                ("fold", X, y, sample_weight, *folds[fold], candidate)
                for candidate, fold in chunk
            ]
            outcomes += run_fits(backend, jobs, problem_type)
        done = upto
    return outcomes


def final_fit_seconds(fit_seconds_per_row, test_size, n_rows):
    """The estimated seconds of each of a member's final fits (see
    :func:`final_rows`), from its fit seconds per row.

    Examples
    --------
    >>> from easy_mlops.training.budget import final_fit_seconds
    >>> final_fit_seconds(0.01, 0.25, 100)
    [1.0, 0.75]
    """
    return [fit_seconds_per_row * rows * n_rows for rows in final_rows(test_size)]


def batch_seconds(estimates, n_jobs):
    """The wall time of fits run ``n_jobs`` at a time: their total shared by
    the workers, but never less than the longest fit."""
    if not estimates:
        return 0.0
    return max(sum(estimates) / min(n_jobs, len(estimates)), max(estimates))


def _skip_the_rest(pairs, upto, budget):
    """Record, for each candidate, the folds of the rung it did not run."""
    first = {}
    for candidate, fold in pairs:
        first.setdefault(candidate.config["model_type"], fold)
    for name, fold in first.items():
        budget.skip(f"{name}: folds {fold + 1} to {upto} not run")


def _mine(candidate, outcomes):
    name = candidate.config["model_type"]
    return [o for o in outcomes if o.role == "fold" and o.model_type == name]


def _mean_score(candidate, outcomes):
    scores = [o.score for o in _mine(candidate, outcomes) if np.isfinite(o.score)]
    return float(np.mean(scores)) if scores else -np.inf


def _estimate(backend, candidate, outcomes, field):
    """A candidate's mean ``field`` over its folds (``seconds``: a fold's
    whole wall time, fit, score and out-of-fold predictions;
    ``fit_seconds_per_row``); for a candidate not run yet, its catalogue
    ``cost`` times the mean per unit of cost of those that ran."""
    seen = {}
    for outcome in outcomes:
        value = getattr(outcome, field)
        if outcome.role == "fold" and np.isfinite(value):
            seen.setdefault(outcome.model_type, []).append(value)
    name = candidate.config["model_type"]
    if name in seen:
        return float(np.mean(seen[name]))
    cost = {name: spec.cost for name, spec in backend.model_types.items()}
    unit = np.mean([np.mean(t) / cost[name] for name, t in seen.items()] or [0.0])
    return float(unit * cost[name])
