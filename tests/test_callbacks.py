"""ModelTrainer supports scikit-learn's callback API (scikit-learn >= 1.9)."""

import multiprocessing
import os
import pty
import subprocess
import sys
from collections import Counter

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from easy_mlops import ModelTrainer

callback = pytest.importorskip("sklearn.callback")
from _callback_recorder import Recorder  # noqa: E402


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def begun(events):
    return [e for e in events if e[0] == "begin"]


def assert_every_begun_task_ends(events):
    begins = Counter(e[2] for e in events if e[0] == "begin")
    ends = Counter(e[2] for e in events if e[0] == "end")
    assert begins == ends, {"begun, not ended": begins - ends}
    setups = Counter(e[1:] for e in events if e[0] == "setup")
    teardowns = Counter(e[1:] for e in events if e[0] == "teardown")
    assert setups == teardowns and setups


def trainer_subtasks(events):
    """The roles of the trainer root's direct subtasks, by their begin events.

    A fit whose estimator supports callbacks is that estimator's root task,
    merged with the trainer's task: its role is the task it was merged with.
    """
    return Counter(
        e[5] or e[1].rpartition(":")[2]
        for e in begun(events)
        if e[2][1] == "ModelTrainer:fit"
    )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_task_tree_of_a_fit(iris, n_jobs):
    recorder = Recorder()
    trainer = ModelTrainer(
        model_type="random_forest_classifier", cv_folds=3, n_jobs=n_jobs
    )
    trainer.set_params(model_params__n_estimators=5)
    trainer.set_callbacks(recorder).fit(*iris)
    events = recorder.events
    root = [e for e in begun(events) if e[1] == "ModelTrainer:fit"]
    assert len(root) == 1
    # 1 refit + 1 hold-out + 3 folds, run in parallel (not sequential).
    assert root[0][3] == 5 and root[0][4] is False
    assert trainer_subtasks(events) == {"refit": 1, "holdout": 1, "fold": 3}
    task_ids = {e[2][2] for e in begun(events) if e[1].count("/") == 1}
    assert task_ids == set(range(5))
    assert_every_begun_task_ends(events)
    # Callbacks do not change the fit.
    plain = ModelTrainer(model_type="random_forest_classifier", cv_folds=3)
    plain.set_params(model_params__n_estimators=5).fit(*iris)
    assert plain.training_result_.cv_scores == trainer.training_result_.cv_scores


def test_an_inner_estimator_reports_one_level_down(iris):
    recorder = Recorder()
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=2)
    trainer.set_callbacks(recorder).fit(*iris)
    inner = [
        e for e in begun(recorder.events) if e[1] == "ModelTrainer:fit/Pipeline:fit"
    ]
    # Each of the 4 fits (refit, hold-out, 2 folds) is the root task of the
    # Pipeline (StandardScaler, LogisticRegression) that logistic_regression
    # builds, merged into the trainer's task for that fit.
    assert Counter(e[5] for e in inner) == {"refit": 1, "holdout": 1, "fold": 2}
    iterations = [
        e
        for e in begun(recorder.events)
        if e[1].endswith("LogisticRegression:lbfgs-iter")
    ]
    assert iterations and all(e[1].count("/") == 3 for e in iterations)
    assert_every_begun_task_ends(recorder.events)


def test_nested_under_grid_search_and_pipeline(iris):
    recorder = Recorder()
    search = GridSearchCV(
        ModelTrainer(cv_folds=2),
        [
            {"model_type": ["logistic_regression"]},
            {
                "model_type": ["random_forest_classifier"],
                "model_params__n_estimators": [3],
            },
        ],
        cv=2,
        error_score="raise",
    )
    search.set_callbacks(recorder).fit(*iris)
    paths = {e[1] for e in begun(recorder.events)}
    prefix = "GridSearchCV:fit/GridSearchCV:search/ModelTrainer:fit"
    assert f"{prefix}/ModelTrainer:fold" in paths
    lbfgs = "Pipeline:fit/LogisticRegression:fit/LogisticRegression:lbfgs-iter"
    assert f"{prefix}/{lbfgs}" in paths
    # 2 candidates x 2 splits, each a trainer fit with its refit, hold-out, 2 folds.
    trainer_roots = [e for e in begun(recorder.events) if e[1] == prefix]
    assert len(trainer_roots) == 4
    assert_every_begun_task_ends(recorder.events)

    recorder = Recorder()
    pipeline = make_pipeline(
        StandardScaler(), ModelTrainer(model_type="logistic_regression", cv_folds=2)
    )
    pipeline.set_callbacks(recorder).fit(*iris)
    paths = {e[1] for e in begun(recorder.events)}
    inner = "Pipeline:fit/ModelTrainer:fit/Pipeline:fit"
    assert {e[5] for e in begun(recorder.events) if e[1] == inner} == {
        "refit",
        "holdout",
        "fold",
    }
    assert "Pipeline:fit/StandardScaler:fit" in paths
    assert_every_begun_task_ends(recorder.events)


def test_a_comparison_groups_each_candidates_folds(iris):
    recorder = Recorder()
    trainer = ModelTrainer(
        model_type=["logistic_regression", "random_forest_classifier"],
        cv_folds=2,
        model_params={"n_estimators": 3},
    )
    trainer.set_callbacks(recorder).fit(*iris)
    events = begun(recorder.events)
    root = [e for e in events if e[1] == "ModelTrainer:fit"][0]
    assert root[3] is None  # the winner's fits are not known in advance
    for name in ["logistic_regression", "random_forest_classifier"]:
        group = f"ModelTrainer:fit/ModelTrainer:candidate {name}"
        assert [e[3] for e in events if e[1] == group] == [2]
        folds = [
            e for e in events if e[1].startswith(group + "/") and e[1].count("/") == 2
        ]
        assert Counter(e[5] or e[1].rpartition(":")[2] for e in folds) == {"fold": 2}
    assert trainer_subtasks(recorder.events) == {
        "candidate logistic_regression": 1,
        "candidate random_forest_classifier": 1,
        "refit": 1,
        "holdout": 1,
    }
    assert_every_begun_task_ends(recorder.events)


def failing_train(model, X, y, config):
    model.fit(X, y)  # the estimator's own tasks begin and end
    if len(y) < 100:  # the folds of 150 rows: 75 rows each
        raise RuntimeError("this fold fails")
    return model


def failing_refit(model, X, y, config):
    if len(y) == 150:
        raise RuntimeError("the refit fails")
    return model.fit(X, y)


def build(config, problem_type):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=200)


def predict(model, X):
    return model.predict(X)


def callable_config(train_fn):
    return {"build_model": build, "train_fn": train_fn, "predict_fn": predict}


def test_every_task_ends_when_a_fold_fails(iris):
    recorder = Recorder()
    trainer = ModelTrainer(
        callable_config(failing_train), backend="callable", cv_folds=2, test_size=0.2
    )
    with pytest.warns(Warning):
        trainer.set_callbacks(recorder).fit(*iris)
    assert len(trainer.training_result_.cv_errors) == 2
    assert trainer_subtasks(recorder.events) == {"refit": 1, "holdout": 1, "fold": 2}
    assert_every_begun_task_ends(recorder.events)


def test_every_task_ends_and_teardown_runs_when_the_fit_raises(iris):
    recorder = Recorder()
    trainer = ModelTrainer(
        callable_config(failing_refit), backend="callable", cv_folds=2
    )
    with pytest.raises(RuntimeError, match="the refit fails"):
        trainer.set_callbacks(recorder).fit(*iris)
    assert ("teardown", "ModelTrainer", "fit") in recorder.events
    assert_every_begun_task_ends(recorder.events)
    assert not hasattr(trainer, "training_result_")


def test_loky_workers_report_through_a_shared_list(iris):
    with multiprocessing.Manager() as manager, joblib.parallel_config(backend="loky"):
        events = manager.list()
        trainer = ModelTrainer(model_type="logistic_regression", cv_folds=2, n_jobs=2)
        trainer.set_callbacks(Recorder(events)).fit(*iris)
        events = list(events)
    assert Counter(
        e[5] for e in begun(events) if e[1] == "ModelTrainer:fit/Pipeline:fit"
    ) == {"refit": 1, "holdout": 1, "fold": 2}
    assert_every_begun_task_ends(events)


def test_scoring_monitor_records_the_fold_scores(iris):
    from easy_mlops.training.callbacks import fold_score

    monitor = callback.ScoringMonitor(scoring={"cv": fold_score})
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    trainer.set_callbacks(monitor).fit(*iris)
    log = monitor.get_logs().data_as_pandas
    folds = log[log["task_name"] == "fold"].sort_values("task_id")
    assert len(folds) == 3
    np.testing.assert_array_equal(folds["cv"], trainer.training_result_.cv_scores)


def test_callbacks_are_not_parameters(iris):
    trainer = ModelTrainer(cv_folds=2).set_callbacks(Recorder())
    assert "callbacks" not in trainer.get_params()
    assert clone(trainer).get_params() == trainer.get_params()
    assert ModelTrainer().__sklearn_tags__() == trainer.__sklearn_tags__()
    with pytest.raises(TypeError, match="FitCallback"):
        trainer.set_callbacks(object())


def test_progress_bar_draws_on_a_terminal(tmp_path):
    script = (
        "from sklearn.callback import ProgressBar\n"
        "from sklearn.datasets import load_iris\n"
        "from easy_mlops import ModelTrainer\n"
        "X, y = load_iris(return_X_y=True)\n"
        "ModelTrainer(model_type='logistic_regression', cv_folds=2)"
        ".set_callbacks(ProgressBar()).fit(X, y)\n"
    )
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "ModelTrainer - fit" in text and "ModelTrainer - fold" in text


def test_without_the_callback_api_set_callbacks_is_absent():
    # scikit-learn < 1.9 is simulated by hiding sklearn.callback.
    script = (
        "import sys\n"
        "import sklearn.datasets, sklearn.ensemble, sklearn.linear_model\n"
        "import sklearn.metrics, sklearn.model_selection, sklearn.pipeline\n"
        "sys.modules['sklearn.callback'] = None\n"
        "from easy_mlops import ModelTrainer\n"
        "from sklearn.datasets import load_iris\n"
        "trainer = ModelTrainer(model_type='logistic_regression', cv_folds=2)\n"
        "assert not hasattr(trainer, 'set_callbacks')\n"
        "try:\n"
        "    trainer.set_callbacks\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
        "print(trainer.fit(*load_iris(return_X_y=True)).training_result_.cv_scores)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "scikit-learn>=1.9" in done.stdout
    assert "[" in done.stdout.splitlines()[-1]


def test_a_saved_model_keeps_no_callbacks(iris, tmp_path):
    from easy_mlops.training import load_model

    recorder = Recorder()
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0)
    path = trainer.set_callbacks(recorder).fit(*iris).save_model(tmp_path / "m")
    loaded = load_model(path)
    assert not hasattr(loaded, "_skl_callbacks")
    assert hasattr(trainer, "_skl_callbacks")  # the trainer itself keeps them
    np.testing.assert_array_equal(loaded.predict(iris[0]), trainer.predict(iris[0]))
