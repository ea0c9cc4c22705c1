"""ModelTrainer on a real Dask cluster: the fits run on its workers, same results.

A ``distributed.LocalCluster`` with two worker processes is started once for
the module.  Everything parallel in easy_mlops goes through joblib with no
backend named, so ``joblib.parallel_config(backend="dask")`` is all it takes.
"""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from easy_mlops import ModelTrainer

distributed = pytest.importorskip(
    "distributed",
    reason='the dask extra is not installed: pip install "easy-mlops[dask]"',
)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _tasks_run(client, work):
    """Run ``work()`` under the Dask joblib backend; return its result and tasks."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            result = work()
    return result, stream.data


def test_fit_runs_on_the_workers_with_the_local_results(client, classification_data):
    X, y = classification_data
    params = {"model_type": "logistic_regression", "cv_folds": 3, "random_state": 7}

    trainer, tasks = _tasks_run(
        client, lambda: ModelTrainer(n_jobs=-1, **params).fit(X, y)
    )
    local = ModelTrainer(n_jobs=1, **params).fit(X, y)

    fits = [task for task in tasks if "_fit_job" in task["key"]]
    # One hold-out fit, three folds and the refit.
    assert len(fits) == 5
    assert {task["worker"] for task in fits} <= set(client.scheduler_info()["workers"])
    # A worker's BLAS runs one thread, this process's may run more: the
    # summation order, and so the last bit of a probability (and of the log
    # loss computed from it), can differ. Label metrics are equal exactly.
    remote, here = trainer.training_result_.metrics, local.training_result_.metrics
    assert remote.keys() == here.keys()
    assert remote == pytest.approx(here, rel=1e-12, abs=0)
    for name in ("accuracy", "f1_score", "precision", "recall", "cv_mean"):
        assert remote[name] == here[name], name
    assert trainer.training_result_.cv_scores == local.training_result_.cv_scores
    np.testing.assert_array_equal(trainer.predict(X), local.predict(X))
    np.testing.assert_allclose(
        trainer.predict_proba(X), local.predict_proba(X), rtol=1e-12
    )


def test_fit_with_default_n_jobs_sends_nested_work_to_the_cluster(
    client, classification_data, fast
):
    """Under the Dask backend a forest's own trees are cluster tasks too."""
    X, y = classification_data
    trainer, tasks = _tasks_run(
        client, lambda: ModelTrainer(fast, cv_folds=2).fit(X, y)
    )
    local = ModelTrainer(fast, cv_folds=2).fit(X, y)

    assert any("build_trees" in task["key"] for task in tasks)
    assert trainer.training_result_.metrics == local.training_result_.metrics
    np.testing.assert_array_equal(trainer.predict(X), local.predict(X))


def test_grid_search_over_backend_and_model_type(client, classification_data):
    X, y = classification_data
    grid = {
        "backend": ["sklearn"],
        "model_type": ["logistic_regression", "hist_gradient_boosting"],
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def search(n_jobs):
        estimator = ModelTrainer(test_size=0, cv_folds=0, random_state=3)
        return GridSearchCV(estimator, grid, cv=cv, n_jobs=n_jobs).fit(X, y)

    on_dask, tasks = _tasks_run(client, lambda: search(-1))
    local = search(1)

    workers = {task["worker"] for task in tasks if "fit_and_score" in task["key"]}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_array_equal(on_dask.predict(X), local.predict(X))
