"""Benchmarks of easy_mlops against the same work written by hand in scikit-learn.

Run them with ``python -m benchmarks`` (or ``python benchmarks/run.py``);
``--quick`` shrinks every size for a smoke run.  Each figure is a ratio of two
timings taken in the same run, interleaved, so that a noisy machine slows both
sides alike.  See ``docs/performance.md``.
"""

# License: BSD 3 clause
