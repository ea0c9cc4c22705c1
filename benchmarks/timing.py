"""Paired, interleaved timings and the statistics reported for them."""

# License: BSD 3 clause

import statistics
import time

__all__ = ["PAIR_VALUES", "compare", "cpu_timed", "pair_values", "spread", "timed"]

#: How one pair of measurements ``(a, b)`` gives the figure a table reports.
#: Every row of a result names its formula and keeps the raw ``a`` and ``b``
#: samples, so its median, minimum and maximum can be recomputed.
PAIR_VALUES = {
    "a / b": lambda a, b: a / b,
    "(a - b) * 1e6": lambda a, b: (a - b) * 1e6,
}


def timed(func):
    """Run ``func()`` once; return ``(seconds, result)``."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def cpu_timed(func):
    """Run ``func()`` once; return ``(CPU seconds of this process, result)``.

    On a shared machine the wall clock also counts the time other programs
    held the core; the process's CPU time counts only the work done, which is
    what an overhead is made of.  It adds up all threads, so callers limit
    native thread pools to one thread (see ``threadpoolctl``) to keep idle
    spinning of worker threads out of it.
    """
    start = time.process_time()
    result = func()
    return time.process_time() - start, result


def spread(values):
    """Median, minimum and maximum of a list of numbers, as a dict."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def pair_values(samples, value="a / b"):
    """The per-pair figures of raw samples ``{"a": [...], "b": [...]}``.

    Examples
    --------
    >>> from benchmarks.timing import pair_values, spread
    >>> pair_values({"a": [2.0, 3.0], "b": [1.0, 2.0]})
    [2.0, 1.5]
    >>> spread(pair_values({"a": [2e-6], "b": [1e-6]}, "(a - b) * 1e6"))["median"]
    1.0
    """
    formula = PAIR_VALUES[value]
    return [formula(a, b) for a, b in zip(samples["a"], samples["b"], strict=True)]


def compare(run_a, run_b, *, repeats, warmup=1):
    """Time two callables in alternation and return the ratios A / B.

    The order alternates (A B, B A, A B, ...) so that a slow phase of a shared
    machine, or a cache warmed by the previous call, favours neither side.
    Each repetition gives one ratio of the pair run back to back.

    Parameters
    ----------
    run_a, run_b : callable
        Called with no arguments; each call returns ``(seconds, result)``
        so that a side may time only part of its work (see :func:`timed`).
    repeats : int
        Number of pairs.
    warmup : int, default=1
        Untimed calls of each side first (imports, worker start-up, caches).

    Returns
    -------
    report : dict
        The raw ``samples`` (``{"a": [...], "b": [...]}``, one per pair and
        side) and the ``last`` results of each side, for invariant checks.
    """
    for _ in range(warmup):
        run_a()
        run_b()
    times_a, times_b = [], []
    last = {}
    for repeat in range(repeats):
        order = (("a", run_a), ("b", run_b))
        if repeat % 2:
            order = order[::-1]
        for side, run in order:
            seconds, last[side] = run()
            (times_a if side == "a" else times_b).append(seconds)
    return {"samples": {"a": times_a, "b": times_b}, "last": last}
