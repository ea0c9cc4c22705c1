"""The thread budget of a batch of fits: native threads per fit.

Gradient-boosted trees (scikit-learn's HistGradientBoosting, LightGBM,
XGBoost) start an OpenMP pool as large as the machine in every fit, and BLAS
does the same for linear algebra.  Fits running side by side in joblib
threads get no cap from joblib, and OpenMP threads spin at their barriers:
when one of them loses its core to another fit or another program, the whole
pool waits.  :func:`plan_threads` decides, once per batch, how many native
threads each fit may use; :func:`fit_threads` applies that inside a fit.

The first of these that is given decides:

1. the trainer's ``inner_threads`` setting (a number);
2. ``joblib.parallel_config(inner_max_num_threads=...)``;
3. an environment variable that limits native threads (``OMP_NUM_THREADS``
   first, then the others joblib sets in its worker processes);
4. the budget: ``max(1, cores // parallel_fits)`` when fits run side by side;
   when they run one at a time, the cores no other program is running on
   right now (see :func:`free_cores`).

An XGBoost or LightGBM estimator also gets the number as its ``n_jobs``,
unless ``model_params`` names one of its thread parameters: then the user's
value is the estimator's.
"""

# License: BSD 3 clause

import os
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import joblib
from joblib.parallel import ParallelBackendBase, get_active_backend

__all__ = [
    "ThreadPlan",
    "batch_threads",
    "fit_threads",
    "free_cores",
    "plan_threads",
    "set_fit_threads",
]

#: Environment variables that limit native thread pools, in the order they
#: are read: joblib's own list, which it sets in its worker processes.
THREAD_VARIABLES = tuple(
    sorted(
        ParallelBackendBase.MAX_NUM_THREADS_VARS,
        key=lambda name: name != "OMP_NUM_THREADS",
    )
)

#: Thread parameters of estimators, by the top-level module of their class.
#: The first is the one set from the budget; naming any of them in
#: ``model_params`` leaves the estimator's threads to the user.
THREAD_PARAMS = {
    "xgboost": ("n_jobs", "nthread"),
    "lightgbm": ("n_jobs", "num_threads", "num_thread", "nthread", "nthreads"),
}

#: Native threads of the fit running in this thread or task; None outside a
#: fit the runner limits.
_fit_threads = ContextVar("easy_mlops_fit_threads", default=None)


@dataclass(frozen=True)
class ThreadPlan:
    """How a batch of fits uses the cores.

    Parameters
    ----------
    parallel_fits : int
        Fits that run at the same time (joblib workers).
    inner_threads : int
        Native threads (OpenMP, BLAS) each fit may use.
    decided_by : str
        What set ``inner_threads``: ``"inner_threads"``, ``"parallel_config"``,
        ``"environment"`` or ``"budget"``.
    cores : int
        Cores this process may use.
    pid : int, default=os.getpid()
        The process that planned the batch, where :func:`batch_threads`
        limits BLAS for all its fits.
    """

    parallel_fits: int
    inner_threads: int
    decided_by: str
    cores: int
    pid: int = field(default_factory=os.getpid)

    @property
    def limits(self):
        """Whether fits run under a limit: not when the budget gives every core."""
        return self.decided_by != "budget" or self.inner_threads < self.cores

    def record(self):
        """The plan as ``training_result_.threads`` keeps it."""
        return {
            "parallel_fits": self.parallel_fits,
            "inner_threads": self.inner_threads,
            "decided_by": self.decided_by,
        }


def plan_threads(n_jobs, n_fits, inner_threads="auto"):
    """Decide the parallel fits and native threads per fit of a batch.

    Parameters
    ----------
    n_jobs : int or None
        The trainer's ``n_jobs``, with joblib's meaning (None: the
        ``joblib.parallel_config`` value, or 1).
    n_fits : int
        Fits in the batch; never more workers than fits.
    inner_threads : "auto" or int, default="auto"
        The trainer's ``inner_threads`` setting.

    Returns
    -------
    plan : ThreadPlan

    Examples
    --------
    >>> from easy_mlops.training._threads import plan_threads
    >>> plan = plan_threads(n_jobs=1, n_fits=7, inner_threads=1)
    >>> plan.parallel_fits, plan.inner_threads, plan.decided_by
    (1, 1, 'inner_threads')
    """
    backend, config_n_jobs = get_active_backend(prefer="threads")
    requested = config_n_jobs if n_jobs is None else n_jobs
    workers = 1 if requested is None else backend.effective_n_jobs(requested)
    parallel_fits = max(1, min(workers, n_fits))
    cores = joblib.cpu_count()
    if inner_threads != "auto":
        return ThreadPlan(parallel_fits, inner_threads, "inner_threads", cores)
    configured = getattr(backend, "inner_max_num_threads", None)
    if configured is not None:
        return ThreadPlan(parallel_fits, configured, "parallel_config", cores)
    from_environment = _environment_threads()
    if from_environment is not None:
        return ThreadPlan(parallel_fits, from_environment, "environment", cores)
    if parallel_fits > 1:
        budget = max(1, cores // parallel_fits)
    else:
        budget = free_cores(cores)
    return ThreadPlan(parallel_fits, budget, "budget", cores)


def _environment_threads():
    """The first thread limit set in the environment, or None."""
    for name in THREAD_VARIABLES:
        # OMP_NUM_THREADS may list one number per nesting level: "4,2".
        value = os.environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def free_cores(cores, samples=5):
    """Cores no other program is running on right now, at least 1.

    Reads the number of running threads of the whole machine from
    ``/proc/loadavg`` a few times, a millisecond apart, and keeps the lowest,
    so a program that runs for an instant does not count.  While no fit of
    this process is running, this process's own running threads
    (``/proc/self/task``: the reading thread, and the OpenMP or BLAS threads
    that the fits before left spinning) are not counted; while one is (a
    threaded search over trainers, Dask's thread workers), they are, since
    that fit is using its cores.  The count covers the whole machine, so it
    is used only when this process may use every core of it; elsewhere
    (another system, or a process limited to some cores) all ``cores`` are
    free.

    Parameters
    ----------
    cores : int
        Cores this process may use.
    samples : int, default=5
        Readings of the running count.

    Returns
    -------
    free : int
        Between 1 and ``cores``.
    """
    if os.cpu_count() != cores:
        return cores
    others = []
    try:
        for sample in range(samples):
            if sample:
                time.sleep(0.001)
            own = 1 if _fits_running() else _own_running_threads()
            running = _machine_running_threads()
            if own > 1:  # threads that stopped between the two readings
                own = min(own, _own_running_threads())
            others.append(max(0, running - max(own, 1)))
    except (OSError, ValueError, IndexError):
        return cores
    return max(1, min(cores, cores - min(others)))


def _machine_running_threads():
    """Threads of the whole machine running or ready to run."""
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return int(loadavg.read().split()[3].split("/")[0])


def _own_running_threads():
    """Threads of this process that are running or ready to run."""
    running = 0
    for task in os.scandir("/proc/self/task"):
        try:
            with open(f"{task.path}/stat", "rb") as stat:
                fields = stat.read()
        except OSError:  # the thread ended while we read
            continue
        # The state follows the command name, which is in parentheses and
        # may itself hold spaces or parentheses.
        end = fields.rfind(b")")
        running += fields[end + 2 : end + 3] == b"R"
    return running


_running_fits_lock = threading.Lock()
_running_fits = [0]


def _fits_running():
    """Whether a fit of this process is running now (in any thread)."""
    return _running_fits[0] > 0


@contextmanager
def _counted_fit():
    with _running_fits_lock:
        _running_fits[0] += 1
    try:
        yield
    finally:
        with _running_fits_lock:
            _running_fits[0] -= 1


@contextmanager
def fit_threads(plan):
    """Limit native threads to the plan's while one fit runs.

    OpenMP's limit belongs to the calling thread, so each worker sets its
    own.  BLAS's belongs to the process: in the process that planned the
    batch, :func:`batch_threads` holds it for every fit; a worker process
    (loky, Dask) sets its own around each fit.
    """
    if not plan.limits:
        with _counted_fit():
            yield
        return
    token = _fit_threads.set(plan.inner_threads)
    openmp, blas = _controllers()
    try:
        with _counted_fit(), openmp.limit(limits=plan.inner_threads):
            if os.getpid() == plan.pid:
                yield
            else:
                with _process_blas_limit(blas, plan.inner_threads):
                    yield
    finally:
        _fit_threads.reset(token)


@contextmanager
def batch_threads(plan):
    """Limit BLAS to the plan's threads while a batch of fits runs.

    Entered by the thread that runs the batch, around all its fits; see
    :func:`fit_threads` for the limit each fit sets itself.
    """
    if not plan.limits:
        yield
        return
    _, blas = _controllers()
    with _process_blas_limit(blas, plan.inner_threads):
        yield


def set_fit_threads(estimator, model_params):
    """Give an XGBoost or LightGBM estimator the running fit's threads.

    Does nothing outside a limited fit, for other estimators, and when
    ``model_params`` names one of the estimator's thread parameters.
    """
    threads = _fit_threads.get()
    names = THREAD_PARAMS.get(type(estimator).__module__.partition(".")[0])
    if threads is None or names is None or set(names) & set(model_params):
        return
    estimator.set_params(**{names[0]: threads})


# A controller finds the native libraries loaded when it is made (a few
# milliseconds); made again only when modules were imported since, which is
# how a new library (XGBoost's OpenMP, say) comes in.  One controller per
# kind of pool: a limiter restores, on exit, every library of its controller,
# and a fit's OpenMP limiter must not restore the BLAS limit other fits share.
_cache = {}


def _controllers():
    from threadpoolctl import ThreadpoolController

    loaded = len(sys.modules)
    if _cache.get("modules") != loaded:
        controller = ThreadpoolController()
        _cache.update(
            modules=loaded,
            pools=(
                controller.select(user_api="openmp"),
                controller.select(user_api="blas"),
            ),
        )
    return _cache["pools"]


# BLAS's thread pool belongs to the process.  The batches of fits that run at
# once in one process (a threaded search over trainers, a Dask worker's
# threads) share one limit: the first to start sets it, the last to end
# restores it, so none runs unlimited while another still holds it.  The
# last may end in another Python thread than the first, and threadpoolctl
# 3.8 lets only the thread that last changed OpenBLAS's threads change them
# again (earlier versions have no such rule): the limit is handed over
# explicitly before it is set and before it is restored.
_blas_lock = threading.Lock()
_blas_state = {"users": 0, "limiter": None}


@contextmanager
def _process_blas_limit(controller, threads):
    with _blas_lock:
        if not _blas_state["users"]:
            _release_blas_control()
            _blas_state["limiter"] = controller.limit(limits=threads)
        _blas_state["users"] += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_state["users"] -= 1
            if not _blas_state["users"]:
                _release_blas_control()
                _blas_state["limiter"].restore_original_limits()
                _blas_state["limiter"] = None
                _release_blas_control()


def _release_blas_control():
    """Let any Python thread change OpenBLAS's threads (threadpoolctl 3.8)."""
    import threadpoolctl

    controller = getattr(threadpoolctl, "OpenBLASController", None)
    release = getattr(controller, "clear_controlling_thread", None)
    if release is not None:
        release(force=True)


def _forget_blas_limit():
    # A process forked while a batch ran (joblib's multiprocessing backend)
    # inherits the library's limit, but none of the batches: it starts afresh.
    global _blas_lock
    _blas_lock = threading.Lock()
    _blas_state.update(users=0, limiter=None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_blas_limit)
