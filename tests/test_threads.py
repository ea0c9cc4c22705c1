"""The thread budget of parallel fits: its arithmetic and who wins over it.

Each fit's threads are read where they take effect: ``threadpool_info()``
called inside a callable backend's ``train_fn``, in worker threads and in
worker processes.
"""

import os
import subprocess
import sys
import threading

import joblib
import numpy as np
import pytest
import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP before any fit)
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_info

from easy_mlops import ModelTrainer
from easy_mlops.training._threads import (
    THREAD_VARIABLES,
    free_cores,
    plan_threads,
)
from easy_mlops.training.label_encoding import unwrap

CORES = joblib.cpu_count()


def build_recorder(config, problem_type):
    return {}


def record_threads(model, X, y, config):
    """Keep the native threads this fit runs with, by kind of library."""
    for pool in threadpool_info():
        model.setdefault(pool["user_api"], set()).add(pool["num_threads"])
    model.setdefault("workers", set()).add(threading.get_ident())
    model["mean"] = float(np.mean(y))


def predict_mean(model, X):
    return np.full(len(X), model["mean"])


RECORDER = {
    "backend": "callable",
    "build_model": build_recorder,
    "train_fn": record_threads,
    "predict_fn": predict_mean,
}


@pytest.fixture
def no_thread_variables(monkeypatch):
    """An environment that sets no native thread limit (conftest pins them)."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 3)), rng.normal(size=60)


def assert_pools(model, threads):
    """OpenMP runs ``threads``; BLAS at most that (OpenBLAS may refuse to
    grow past the threads it started with, or past the cores)."""
    assert model["openmp"] == {threads}
    assert max(model["blas"]) <= threads


def threads_in_fit(data, **params):
    """The record of the run, and the threads the refit saw."""
    trainer = ModelTrainer(RECORDER, problem_type="regression", **params).fit(*data)
    model = trainer.training_result_.model
    return trainer.training_result_.threads, model


# -- arithmetic ---------------------------------------------------------------


@pytest.mark.parametrize(
    "n_jobs, n_fits, parallel",
    [(2, 7, min(2, 7)), (200, 7, 7), (-1, 3, min(CORES, 3)), (1, 7, 1), (None, 7, 1)],
)
def test_parallel_fits_never_exceed_the_fits(
    no_thread_variables, n_jobs, n_fits, parallel
):
    plan = plan_threads(n_jobs, n_fits)
    assert plan.parallel_fits == parallel
    assert plan.cores == CORES
    if parallel > 1:
        assert plan.inner_threads == max(1, CORES // parallel)
        assert plan.decided_by == "budget"


def test_one_fit_at_a_time_gets_the_free_cores(no_thread_variables):
    plan = plan_threads(1, 7)
    assert plan.decided_by == "budget"
    assert 1 <= plan.inner_threads <= CORES


def test_free_cores_is_between_one_and_the_cores():
    assert 1 <= free_cores(os.cpu_count()) <= os.cpu_count()
    # A process limited to part of the machine cannot read its share of the
    # machine-wide count: it takes every core it may use.
    assert free_cores(os.cpu_count() + 3) == os.cpu_count() + 3


def test_free_cores_leaves_out_this_process_unless_a_fit_of_it_runs(monkeypatch):
    from easy_mlops.training import _threads

    cores = os.cpu_count()
    monkeypatch.setattr(_threads, "_own_running_threads", lambda: 3)
    # Three running threads on the machine, all this process's (the reader
    # and two OpenMP threads left spinning by the fit before): every core.
    monkeypatch.setattr(_threads, "_machine_running_threads", lambda: 3)
    assert free_cores(cores) == cores
    # One more, another program's: one core fewer (never under one).
    monkeypatch.setattr(_threads, "_machine_running_threads", lambda: 4)
    assert free_cores(cores) == max(1, cores - 1)
    # While a fit of this process runs (a threaded search over trainers), its
    # threads are busy cores like any other program's.
    plan = plan_threads(1, 1, inner_threads=1)
    with _threads.fit_threads(plan):
        assert free_cores(cores) == max(1, cores - 3)
    assert free_cores(cores) == max(1, cores - 1)


@pytest.mark.skipif(
    not os.path.exists("/proc/self/task") or CORES < 2,
    reason="reads Linux's /proc on a machine of two cores or more",
)
def test_free_cores_reads_the_threads_of_this_process_and_of_others():
    import hashlib
    import subprocess
    import sys
    import threading
    import time

    from easy_mlops.training._threads import _own_running_threads

    # A thread of this process busy without the GIL (hashing a large buffer),
    # as an OpenMP thread left spinning is, is read as running.
    before = _own_running_threads()
    stop = threading.Event()

    def hash_until_stopped():
        buffer = bytes(50_000_000)
        while not stop.is_set():
            hashlib.sha256(buffer).digest()

    worker = threading.Thread(target=hash_until_stopped)
    worker.start()
    try:
        time.sleep(0.2)
        # Between two hashes it takes the GIL for an instant: read a few times.
        assert max(_own_running_threads() for _ in range(5)) >= before + 1
    finally:
        stop.set()
        worker.join()
    # Another program spinning on a core is always running or ready to run.
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        assert free_cores(os.cpu_count()) <= os.cpu_count() - 1
    finally:
        spinner.kill()
        spinner.wait()


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_parallel_config_n_jobs_counts_as_the_workers(no_thread_variables, backend):
    with joblib.parallel_config(backend=backend, n_jobs=3):
        assert plan_threads(None, 7).parallel_fits == 3


def test_a_run_with_200_jobs_starts_no_more_workers_than_fits(
    no_thread_variables, data
):
    threads, model = threads_in_fit(data, cv_folds=3, n_jobs=200)
    # Three folds, the hold-out fit and the refit.
    assert threads == {
        "parallel_fits": 5,
        "inner_threads": max(1, CORES // 5),
        "decided_by": "budget",
    }


# -- what a fit sees, in threads and in processes ------------------------------


@pytest.fixture(params=["threading", "loky"])
def workers(request):
    """Fits in worker threads, then in worker processes."""
    with joblib.parallel_config(backend=request.param):
        yield request.param


def test_parallel_fits_split_the_cores(no_thread_variables, workers, data):
    threads, model = threads_in_fit(data, cv_folds=2, n_jobs=2)
    budget = max(1, CORES // 2)
    assert threads == {
        "parallel_fits": 2,
        "inner_threads": budget,
        "decided_by": "budget",
    }
    assert_pools(model, budget)


def test_environment_wins_over_the_budget(
    monkeypatch, no_thread_variables, workers, data
):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    threads, model = threads_in_fit(data, cv_folds=2, n_jobs=2)
    assert threads == {
        "parallel_fits": 2,
        "inner_threads": 3,
        "decided_by": "environment",
    }
    assert_pools(model, 3)


def test_inner_threads_wins_over_the_environment(
    monkeypatch, no_thread_variables, workers, data
):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    threads, model = threads_in_fit(data, cv_folds=2, n_jobs=2, inner_threads=5)
    assert threads["inner_threads"] == 5
    assert threads["decided_by"] == "inner_threads"
    assert_pools(model, 5)


def test_parallel_config_wins_over_the_environment(
    monkeypatch, no_thread_variables, data
):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    # Only process backends take inner_max_num_threads.
    with joblib.parallel_config(backend="loky", inner_max_num_threads=4):
        threads, model = threads_in_fit(data, cv_folds=2, n_jobs=2)
        assert threads["decided_by"] == "parallel_config"
        assert_pools(model, 4)
        # ... and inner_threads wins over it.
        threads, model = threads_in_fit(data, cv_folds=2, n_jobs=2, inner_threads=1)
        assert (threads["inner_threads"], model["openmp"]) == (1, {1})


def test_one_fit_at_a_time_with_inner_threads(no_thread_variables, data):
    threads, model = threads_in_fit(data, cv_folds=2, n_jobs=1, inner_threads=2)
    assert threads == {
        "parallel_fits": 1,
        "inner_threads": 2,
        "decided_by": "inner_threads",
    }
    assert_pools(model, 2)


def test_limits_end_with_the_fit(no_thread_variables, data):
    # BLAS's limit belongs to the process: it ends with the fit, however the
    # fits in worker threads interleave (a fit thread that restored it while
    # another still held it once lost the restore, one fit in a hundred).
    before = {(p["filepath"], p["num_threads"]) for p in threadpool_info()}
    for _ in range(20):
        threads, model = threads_in_fit(data, cv_folds=2, n_jobs=2, inner_threads=5)
        assert threads["parallel_fits"] == 2
        assert {(p["filepath"], p["num_threads"]) for p in threadpool_info()} == before


def test_the_thread_running_the_batch_holds_the_blas_limit(no_thread_variables, data):
    # threadpoolctl 3.8 lets one Python thread at a time change OpenBLAS's
    # threads: the one that limits BLAS must be the one that restores it, the
    # thread that runs the batch, never a fit's worker thread.
    openblas = pytest.importorskip("threadpoolctl").OpenBLASController
    if not hasattr(openblas, "_SHARED_STATE"):
        pytest.skip("threadpoolctl before 3.8 has no controlling thread")
    if not any(
        p["internal_api"] == "openblas" and p["threading_layer"] != "openmp"
        for p in threadpool_info()
    ):
        pytest.skip("needs OpenBLAS with its own threads (not OpenMP's)")
    seen = []

    def train(model, X, y, config):
        seen.append(openblas._SHARED_STATE.controlling_thread)
        model["mean"] = float(np.mean(y))

    openblas.clear_controlling_thread(force=True)
    config = {**RECORDER, "train_fn": train}
    runner = threading.Thread(
        target=ModelTrainer(
            config, problem_type="regression", cv_folds=2, n_jobs=2, inner_threads=3
        ).fit,
        args=data,
    )
    runner.start()
    runner.join()
    assert seen and set(seen) == {runner}


def test_batches_at_once_share_the_blas_limit_until_the_last_ends(
    no_thread_variables, data
):
    # Two trainers fit at once in two threads (a threaded search): the second
    # still runs under BLAS's limit after the first has ended.
    if not any(p["user_api"] == "blas" for p in threadpool_info()):
        pytest.skip("needs a BLAS that threadpoolctl controls")
    before = {(p["filepath"], p["num_threads"]) for p in threadpool_info()}
    first_done, second_started, seen = threading.Event(), threading.Event(), {}

    def first(model, X, y, config):
        assert second_started.wait(30)
        model["mean"] = float(np.mean(y))

    def second(model, X, y, config):
        second_started.set()
        assert first_done.wait(30)
        blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        seen["blas"] = set(blas)
        model["mean"] = float(np.mean(y))

    def fit(train_fn, done=None):
        ModelTrainer(
            {**RECORDER, "train_fn": train_fn},
            problem_type="regression",
            cv_folds=0,
            test_size=0,
            inner_threads=3,
        ).fit(*data)
        if done is not None:
            done.set()

    runners = [
        threading.Thread(target=fit, args=(second,)),
        threading.Thread(target=fit, args=(first, first_done)),
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(60)
    assert seen["blas"] == {3}
    assert {(p["filepath"], p["num_threads"]) for p in threadpool_info()} == before


def test_fits_of_a_batch_run_on_at_most_its_workers(no_thread_variables, data):
    seen = []

    def train(model, X, y, config):
        seen.append(threading.get_ident())
        model["mean"] = float(np.mean(y))

    config = {**RECORDER, "train_fn": train}
    with joblib.parallel_config(backend="threading"):
        trainer = ModelTrainer(config, problem_type="regression", cv_folds=2, n_jobs=64)
        trainer.fit(*data)
    assert len(seen) == 4
    assert len(set(seen)) <= trainer.training_result_.threads["parallel_fits"] == 4


# -- the estimator's own thread parameter --------------------------------------


def test_xgboost_gets_the_budget_as_n_jobs(no_thread_variables, classification_data):
    pytest.importorskip("xgboost")
    params = {"n_estimators": 3, "max_depth": 2}
    trainer = ModelTrainer(
        model_type="xgboost", model_params=params, cv_folds=2, n_jobs=2, inner_threads=3
    ).fit(*classification_data)
    assert unwrap(trainer.training_result_.model).get_params()["n_jobs"] == 3


def test_model_params_threads_win_over_the_budget(
    no_thread_variables, classification_data
):
    pytest.importorskip("lightgbm")
    params = {"n_estimators": 3, "num_leaves": 4, "num_threads": 2}
    trainer = ModelTrainer(
        {"backend": "lightgbm", "model_params": params}, cv_folds=2, n_jobs=2
    ).fit(*classification_data)
    model = unwrap(trainer.training_result_.model)
    assert trainer.training_result_.threads["inner_threads"] == max(1, CORES // 2)
    assert model.get_params()["num_threads"] == 2
    assert model.get_params()["n_jobs"] is None


def test_unlimited_fits_leave_the_estimator_alone(classification_data):
    # The environment decides (conftest pins it): n_jobs still follows it.
    pytest.importorskip("xgboost")
    trainer = ModelTrainer(
        model_type="xgboost", model_params={"n_estimators": 2}, cv_folds=0
    ).fit(*classification_data)
    threads = trainer.training_result_.threads
    assert threads["decided_by"] == "environment"
    model = unwrap(trainer.training_result_.model)
    assert model.get_params()["n_jobs"] == threads["inner_threads"]


# -- the setting ----------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, "many", True, 1.5])
def test_bad_inner_threads_is_refused_before_work(classification_data, value):
    with pytest.raises(InvalidParameterError, match="'inner_threads' parameter"):
        ModelTrainer(inner_threads=value).fit(*classification_data)


def test_the_record_survives_saving(tmp_path, classification_data):
    trainer = ModelTrainer(
        model_type="logistic_regression", cv_folds=2, n_jobs=2, inner_threads=1
    ).fit(*classification_data)
    path = trainer.save_model(tmp_path / "model.joblib")
    from easy_mlops.training import load_model

    loaded = load_model(path)
    assert loaded.training_result_.threads == trainer.training_result_.threads
    assert loaded.training_result_.to_dict()["threads"] == {
        "parallel_fits": 2,
        "inner_threads": 1,
        "decided_by": "inner_threads",
    }


def test_cli_inner_threads(tmp_path):
    command = [
        sys.executable,
        "-m",
        "easy_mlops",
        "train",
        "--cv-folds",
        "2",
        "--model-type",
        "logistic_regression",
        "-o",
        str(tmp_path / "m.joblib"),
    ]
    done = subprocess.run(
        [*command, "--inner-threads", "2", "--n-jobs", "2"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "(2 parallel fits x 2 threads each, inner_threads)" in done.stdout
    refused = subprocess.run(
        [*command, "--inner-threads", "some"], capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "neither 'auto' nor a whole number of threads" in refused.stderr
