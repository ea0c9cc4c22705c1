"""Measurements that need a fresh process: import time and peak memory of a fit.

Run as ``python -m benchmarks.probe import MODULES``, ``python -m
benchmarks.probe scale --side trainer|bare --rows N`` or ``python -m
benchmarks.probe busy SIDE COMPARE_ROWS FIT_ROWS ITERATIONS`` (see
``benchmarks.busy``); each prints one JSON object.  This module imports
nothing heavy at the top, so that the import it times starts from an
interpreter that has loaded the same few modules on both sides.
"""

# License: BSD 3 clause

import argparse
import json
import sys
import time

__all__ = ["OPTIONAL_FRAMEWORKS", "main"]

#: Packages that ``import easy_mlops`` must leave unloaded.
OPTIONAL_FRAMEWORKS = (
    "xgboost",
    "lightgbm",
    "torch",
    "dask",
    "distributed",
    "ray",
    "skops",
    "matplotlib",
    "click",
    "rich",
)

_STATUS = "/proc/self/status"


def _status_bytes(field):
    with open(_STATUS) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field} not in {_STATUS}")


def _reset_peak_rss():
    """Restart the kernel's high-water mark of this process's resident memory.

    Returns False where that is impossible (not Linux, or an old kernel); the
    peak then also covers what happened before the fit.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        _status_bytes("VmHWM")
    except OSError:
        return False
    return True


def _peak_rss():
    try:
        return _status_bytes("VmHWM")
    except OSError:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _current_rss():
    try:
        return _status_bytes("VmRSS")
    except OSError:
        return None


def probe_import(modules):
    """Time ``import`` of the given modules in this (fresh) process."""
    start = time.perf_counter()
    for module in modules:
        __import__(module)
    seconds = time.perf_counter() - start
    loaded = sorted(name for name in OPTIONAL_FRAMEWORKS if name in sys.modules)
    return {"seconds": seconds, "optional_loaded": loaded}


def probe_scale(side, rows, features, max_iter):
    """Time one hist-gradient-boosting fit (on one thread) and its peak memory.

    Both sides import the same modules and make a warm-up fit first, so the
    peak differs only by what the fit itself allocates.
    """
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    from benchmarks.data import synthetic_classification
    from easy_mlops import ModelTrainer

    def fit(X, y):
        if side == "trainer":
            trainer = ModelTrainer(
                {"model_params": {"max_iter": max_iter}},
                model_type="hist_gradient_boosting",
                test_size=0,
                cv_folds=0,
            )
            return trainer.fit(X, y).training_result_.model
        model = HistGradientBoostingClassifier(max_iter=max_iter, random_state=42)
        return model.fit(X, y)

    fit(*synthetic_classification(200, features, seed=1))
    X, y = synthetic_classification(rows, features)
    reset = _reset_peak_rss()
    before = _current_rss()
    # One thread, timed in CPU seconds: see benchmarks.timing.cpu_timed.
    with threadpool_limits(1):
        start, start_cpu = time.perf_counter(), time.process_time()
        model = fit(X, y)
        cpu_seconds = time.process_time() - start_cpu
        seconds = time.perf_counter() - start
    peak = _peak_rss()
    head = model.predict_proba(X[:1000])[:, 1]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_bytes": peak,
        "rss_before_bytes": before,
        "peak_reset": reset,
        "n_iter": int(model.n_iter_),
        "proba_checksum": float(np.sum(head)),
    }


def main(argv=None):
    """Parse the command line, run one probe and print its JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe")
    commands = parser.add_subparsers(dest="command", required=True)
    imports = commands.add_parser("import")
    imports.add_argument("modules", nargs="+")
    scale = commands.add_parser("scale")
    scale.add_argument("--side", choices=("trainer", "bare"), required=True)
    scale.add_argument("--rows", type=int, required=True)
    scale.add_argument("--features", type=int, default=20)
    scale.add_argument("--max-iter", type=int, default=100)
    busy = commands.add_parser("busy")
    busy.add_argument("side", choices=("ours", "omp1", "hand", "previous"))
    busy.add_argument("compare_rows", type=int)
    busy.add_argument("fit_rows", type=int)
    busy.add_argument("iterations", type=int)
    args = parser.parse_args(argv)
    if args.command == "import":
        result = probe_import(args.modules)
    elif args.command == "busy":
        from benchmarks.busy import run_side

        result = run_side(args.side, args.compare_rows, args.fit_rows, args.iterations)
    else:
        result = probe_scale(args.side, args.rows, args.features, args.max_iter)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
