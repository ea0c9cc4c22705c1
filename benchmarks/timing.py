"""Paired, interleaved timings and the statistics reported for them."""

# License: BSD 3 clause

import statistics
import time

__all__ = ["compare", "cpu_timed", "spread", "timed"]


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
        ``seconds_a`` and ``seconds_b`` (the spread of each side), ``ratio``
        (the spread of the per-pair ratios), the raw ``samples`` and the
        ``last`` results of each side, for invariant checks.
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
    ratios = [a / b for a, b in zip(times_a, times_b, strict=True)]
    return {
        "seconds_a": spread(times_a),
        "seconds_b": spread(times_b),
        "ratio": spread(ratios),
        "samples": {"a": times_a, "b": times_b},
        "last": last,
    }
