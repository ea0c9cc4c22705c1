"""Tracking and serving with MLflow, against real stores, servers and the CLI.

Every MLflow test uses a real store: the embedded SQLite database in a
temporary directory, a ``mlflow server`` process on a free loopback port, and
``mlflow models serve`` on a logged model.  What a run holds is read back with
``MlflowClient`` and checked against the fitted trainer's own record.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.model_selection import GridSearchCV

import easy_mlops
from easy_mlops import ModelTrainer
from easy_mlops.config import ConfigError, load_config, validate_config
from easy_mlops.tracking._config import TRACKING_DEFAULTS
from easy_mlops.tracking._record import digest
from easy_mlops.training import load_model

ROOT = Path(__file__).resolve().parents[1]
FAST = {"cv_folds": 3, "model_params": {"n_estimators": 5}}
FAST_YAML = "training:\n  cv_folds: 2\n  model_params:\n    n_estimators: 5\n"


# -- callables of the callable backend: module level, so a saved model finds them


def build_mean(config, problem_type):
    return {"mean": None}


def train_mean(model, X, y, config):
    model["mean"] = float(np.mean(y))


def predict_mean(model, X):
    return np.full(len(X), model["mean"])


# -- helpers -------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def python_path(*first):
    return os.pathsep.join(
        [*map(str, first), str(ROOT), os.environ.get("PYTHONPATH", "")]
    )


def cli(cwd, *args, env=None):
    environment = {**os.environ, "PYTHONPATH": python_path(), "COLUMNS": "200"}
    environment.pop("MLFLOW_TRACKING_URI", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "easy_mlops", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
    )


def run_id_from(stdout):
    (line,) = [line for line in stdout.splitlines() if line.startswith("Run ")]
    return line.split()[1]


def sqlite_uri(folder):
    return f"sqlite:///{Path(folder) / 'mlflow.db'}"


def start_process(args, cwd, log, env=None):
    """A server in its own process group, so teardown can end all its children."""
    environment = {**os.environ, "PYTHONPATH": python_path(), **(env or {})}
    return subprocess.Popen(
        args,
        cwd=cwd,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_up(process, url, log_path, deadline=180):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            pytest.fail(f"{url} exited early:\n{Path(log_path).read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer in {deadline} s:\n{Path(log_path).read_text()}")


def stop_process(process):
    """End the process group; kill it if it has not gone after 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=20)


# -- without MLflow --------------------------------------------------------------


def test_importing_easy_mlops_never_imports_mlflow():
    code = (
        "import sys, easy_mlops, easy_mlops.config, easy_mlops.tracking, "
        "easy_mlops.cli; print(sorted(m for m in sys.modules if "
        "m.split('.')[0] == 'mlflow'))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": python_path()},
        check=True,
    )
    assert completed.stdout.strip() == "[]"


def test_track_without_mlflow_exits_2_with_the_install_command(
    tmp_path, classification_frame
):
    X, y = classification_frame
    X.assign(label=y).to_csv(tmp_path / "labels.csv", index=False)
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "mlflow.py").write_text("raise ImportError('no mlflow')\n")
    env = {"PYTHONPATH": python_path(tmp_path / "fake")}
    completed = cli(tmp_path, "train", "labels.csv", "--track", env=env)
    assert completed.returncode == 2
    assert 'pip install "easy-mlops[mlflow]"' in completed.stderr
    assert "Traceback" not in completed.stderr
    # Checked before any work: nothing was trained or saved.
    assert not (tmp_path / "model.easymlops").exists()
    assert "Training on" not in completed.stdout


# -- the tracking: section ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, key, line, message",
    [
        (
            "training:\n  cv_folds: 2\ntracking:\n  experimnet: demo\n",
            "tracking.experimnet",
            4,
            "tracking.experimnet is not a tracking setting; did you mean "
            "'experiment'? Known keys: enabled, tracking_uri,",
        ),
        (
            "tracking:\n  enabled: 'on'\n",
            "tracking.enabled",
            2,
            "tracking.enabled must be true or false; got 'on'",
        ),
        (
            "tracking:\n  tags: [a, b]\n",
            "tracking.tags",
            2,
            "tracking.tags must be a mapping of tag names to strings, numbers or "
            "booleans; got ['a', 'b']",
        ),
        (
            "tracking:\n  register_as: ''\n",
            "tracking.register_as",
            2,
            "must be a non-empty string or null; got ''",
        ),
        ("tracking: [1]\n", "tracking", 1, "tracking must be a mapping"),
        (
            "tracking:\n  enabled: true\ncv_folds: 3\n",
            "cv_folds",
            3,
            "cv_folds is a training setting but sits at the top level",
        ),
    ],
)
def test_tracking_section_errors_name_key_line_and_allowed_values(
    tmp_path, text, key, line, message
):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}, line {line}: ")
    assert message in str(info.value)


def test_a_config_with_only_a_tracking_section_trains_with_the_defaults():
    assert validate_config({"tracking": {"enabled": True}}) == {}
    assert validate_config({"tracking": None, "training": {"cv_folds": 2}}) == {
        "cv_folds": 2
    }


def test_tracking_settings_come_from_file_then_options(tmp_path):
    from easy_mlops.tracking import load_tracking_config

    path = tmp_path / "config.yaml"
    path.write_text(
        "tracking:\n  experiment: from-file\n  run_name: nightly\n"
        "  tags:\n    team: ml\n"
    )
    settings = load_tracking_config(path)
    assert settings == {
        **TRACKING_DEFAULTS,
        "experiment": "from-file",
        "run_name": "nightly",
        "tags": {"team": "ml"},
    }
    # An option wins over the file, and naming a store or a registry name
    # turns tracking on unless it is turned off explicitly.
    assert load_tracking_config(path, experiment="cli")["experiment"] == "cli"
    assert load_tracking_config(path, register_as="m")["enabled"] is True
    assert load_tracking_config(path, register_as="m", enabled=False)["enabled"] is (
        False
    )
    assert load_tracking_config(None) == TRACKING_DEFAULTS
    with pytest.raises(ValueError, match="tracking.experiment must be a non-empty"):
        load_tracking_config(None, experiment="  ")
    # A config read once (a pipe cannot be read twice) gives the same settings.
    from easy_mlops.config import read_config

    _, sections = read_config(path)
    path.unlink()
    assert load_tracking_config(sections=sections) == settings


def test_the_docs_list_the_tracking_keys_and_the_exit_status():
    pytest.importorskip("click")
    from easy_mlops.cli._tracking import TRACKING_FAILED_STATUS

    page = (ROOT / "docs" / "tracking.md").read_text(encoding="utf-8")
    table = page.split("```{list-table}", 1)[1].split("```", 1)[0]
    rows = re.findall(r"^\* - `(\w+)`\n  - `(.+?)`", table, re.MULTILINE)
    documented = {key: yaml.safe_load(default) for key, default in rows}
    assert documented == TRACKING_DEFAULTS
    status = f"exit status {TRACKING_FAILED_STATUS}"
    assert status in page.replace("**", "")
    assert status in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_the_tracking_keys_are_the_keywords_of_log_run():
    import inspect

    from easy_mlops.tracking import SETTING_KEYWORDS, log_failed_fit, log_run

    def keyword_only(function):
        parameters = inspect.signature(function).parameters.values()
        return [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]

    assert SETTING_KEYWORDS == tuple(k for k in TRACKING_DEFAULTS if k != "enabled")
    assert keyword_only(log_run) == [*SETTING_KEYWORDS, "artifact", "report"]
    assert keyword_only(log_failed_fit) == [
        k for k in SETTING_KEYWORDS if k != "register_as"
    ]


def test_digest_follows_content_not_memory_layout(classification_frame):
    X, y = classification_frame
    same = pd.concat([X[[c]] for c in X.columns], axis=1)  # other blocks, same data
    assert digest(X, y) == digest(same, y.copy())
    changed = X.copy()
    changed.iloc[7, 2] += 1e-9
    assert digest(changed, y) != digest(X, y)
    assert digest(X, y.iloc[::-1].reset_index(drop=True)) != digest(X, y)
    assert digest(X.rename(columns={"feature_0": "f0"}), y) != digest(X, y)
    assert digest(X.to_numpy(), y.to_numpy()) == digest(X.to_numpy(), y.to_numpy())


# -- the embedded store ------------------------------------------------------------

mlflow_only = pytest.mark.mlflow


@pytest.fixture(scope="module")
def mlflow_module():
    return pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def store(tmp_path_factory, mlflow_module):
    """A SQLite store in a temporary folder, also the working directory's.

    MLflow puts the artifacts of a SQLite store's experiments in ``./mlruns``
    of the working directory, so the tests run in the store's folder.
    """
    folder = tmp_path_factory.mktemp("store")
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield sqlite_uri(folder)
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def client(store, mlflow_module):
    return mlflow_module.MlflowClient(store)


@pytest.fixture(scope="module")
def labels(classification_frame):
    """A table with string labels, and a trainer fitted on it."""
    X, y = classification_frame
    return X, y, ModelTrainer(FAST).fit(X, y)


@pytest.fixture(scope="module")
def logged(store, labels):
    from easy_mlops.tracking import log_run

    X, y, trainer = labels
    run = log_run(
        trainer, X, y, tracking_uri=store, experiment="api", tags={"team": "ml"}
    )
    return run


@mlflow_only
def test_run_holds_the_flattened_config_as_params(logged, labels, client):
    _, _, trainer = labels
    params = client.get_run(logged.run_id).data.params
    expected = {
        key: str(value)
        for key, value in trainer.backend_.config.items()
        if key != "model_params"
    }
    expected["model_params.n_estimators"] = "5"
    assert params == expected
    assert params["cv_folds"] == "3" and params["backend"] == "sklearn"


@mlflow_only
def test_run_holds_the_metrics_and_each_fold_as_a_step(logged, labels, client):
    _, _, trainer = labels
    result = trainer.training_result_
    run = client.get_run(logged.run_id)
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    for name, value in result.metrics.items():
        assert metrics[name] == pytest.approx(value)
    assert {"accuracy", "f1_score", "cv_mean", "cv_std"} <= set(metrics)
    history = sorted(
        client.get_metric_history(logged.run_id, "cv_score"), key=lambda m: m.step
    )
    assert [m.step for m in history] == [0, 1, 2]
    folds = [m.value for m in history]
    assert folds == pytest.approx(result.cv_scores)
    # The logged spread is the spread of the logged folds.
    assert metrics["cv_mean"] == pytest.approx(np.mean(folds))
    assert metrics["cv_std"] == pytest.approx(np.std(folds))
    assert metrics["fit_seconds"] == pytest.approx(result.fit_seconds)


@mlflow_only
def test_run_tags_say_how_and_on_which_data(logged, labels, client):
    X, y, trainer = labels
    result = trainer.training_result_
    tags = client.get_run(logged.run_id).data.tags
    assert tags["easy_mlops.version"] == easy_mlops.__version__
    assert tags["easy_mlops.backend"] == "sklearn"
    assert tags["easy_mlops.model_type"] == "auto"
    assert tags["easy_mlops.model_name"] == "RandomForestClassifier"
    assert tags["easy_mlops.problem_type"] == "classification"
    assert tags["easy_mlops.problem_type_reason"] == result.problem_type_reason
    assert tags["easy_mlops.data_shape"] == "120 x 5"
    assert tags["easy_mlops.data_digest"] == digest(X, y)
    assert tags["easy_mlops.flavor"] == "sklearn"
    assert tags["team"] == "ml"
    experiment = client.get_experiment(client.get_run(logged.run_id).info.experiment_id)
    assert experiment.name == "api"


@mlflow_only
def test_run_holds_the_artifact_and_the_model_answers_raw_rows(
    logged, labels, client, mlflow_module, tmp_path
):
    import mlflow.pyfunc

    X, _, trainer = labels
    paths = [a.path for a in client.list_artifacts(logged.run_id, "easy_mlops")]
    assert paths == ["easy_mlops/model.easymlops"]
    local = client.download_artifacts(logged.run_id, paths[0], str(tmp_path))
    assert (load_model(local).predict(X) == trainer.predict(X)).all()

    model = mlflow.pyfunc.load_model(logged.model_uri)
    assert model.metadata.get_input_schema().input_names() == list(X.columns)
    assert list(model.predict(X)) == list(trainer.predict(X))
    assert set(trainer.predict(X)) == {"yes", "no"}


@mlflow_only
def test_an_ensemble_is_logged_with_its_weights_and_served_as_trained(
    store, client, multiclass_data, mlflow_module, tmp_path
):
    import mlflow.pyfunc

    from easy_mlops.tracking import log_run

    X, y = multiclass_data
    X = pd.DataFrame(X, columns=[f"feature_{i}" for i in range(X.shape[1])])
    entries = ["logistic_regression", "random_forest_classifier", "extra_trees"]
    trainer = ModelTrainer(
        {"model_type": [*entries, "ensemble"], "model_params": {"n_estimators": 10}},
        cv_folds=3,
    ).fit(X, y)
    weights = trainer.training_result_.ensemble_weights
    run = log_run(trainer, X, y, tracking_uri=store, experiment="ensemble")
    data = client.get_run(run.run_id).data
    assert data.tags["easy_mlops.model_name"] == "VotingClassifier"
    assert json.loads(data.tags["easy_mlops.model_type"]) == [*entries, "ensemble"]
    assert len(weights) >= 2
    logged_weights = {
        name.removeprefix("ensemble_weight."): value
        for name, value in data.metrics.items()
        if name.startswith("ensemble_weight.")
    }
    assert logged_weights == pytest.approx(weights)
    local = client.download_artifacts(
        run.run_id, "easy_mlops/model.easymlops", str(tmp_path)
    )
    loaded = load_model(local)
    assert loaded.training_result_.ensemble_weights == weights
    np.testing.assert_array_equal(loaded.predict_proba(X), trainer.predict_proba(X))
    served = mlflow.pyfunc.load_model(run.model_uri)
    assert list(served.predict(X)) == list(trainer.predict(X))


@mlflow_only
def test_log_run_leaves_mlflow_settings_as_they_were(
    store, labels, mlflow_module, monkeypatch
):
    from easy_mlops.tracking import log_run

    X, y, trainer = labels
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    mlflow_module.set_tracking_uri(None)
    log_run(trainer, X, y, tracking_uri=store)
    assert os.environ.get("MLFLOW_TRACKING_URI") is None
    assert not mlflow_module.is_tracking_uri_set()
    assert mlflow_module.active_run() is None


@mlflow_only
def test_report_folder_is_logged(store, labels, client, tmp_path):
    from easy_mlops.report import write_report
    from easy_mlops.tracking import log_run

    X, y, trainer = labels
    report = write_report(trainer, tmp_path / "report")
    run = log_run(trainer, X, y, tracking_uri=store, report=report.directory)
    logged = {a.path for a in client.list_artifacts(run.run_id, "report")}
    assert {f"report/{f.name}" for f in report.files} == logged


@mlflow_only
def test_callable_backend_is_logged_as_pyfunc(store, client, regression_data):
    import mlflow.pyfunc

    from easy_mlops.tracking import load_logged_model, log_run

    X, y = regression_data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    trainer = ModelTrainer(
        {
            "backend": "callable",
            "build_model": build_mean,
            "train_fn": train_mean,
            "predict_fn": predict_mean,
            "problem_type": "regression",
            "cv_folds": 2,
        }
    ).fit(frame, y)
    run = log_run(trainer, frame, y, tracking_uri=store)
    assert client.get_run(run.run_id).data.tags["easy_mlops.flavor"] == "pyfunc"
    served = mlflow.pyfunc.load_model(run.model_uri)
    assert served.metadata.get_input_schema().input_names() == list(frame.columns)
    np.testing.assert_allclose(served.predict(frame), trainer.predict(frame))
    loaded = load_logged_model(run.model_uri)
    assert isinstance(loaded, ModelTrainer)
    np.testing.assert_allclose(loaded.predict(frame), trainer.predict(frame))


@mlflow_only
def test_grid_search_is_one_parent_with_a_child_per_candidate(
    store, client, classification_frame
):
    import mlflow.pyfunc

    from easy_mlops.tracking import log_run

    X, y = classification_frame
    search = GridSearchCV(
        ModelTrainer(cv_folds=0),
        {"model_type": ["logistic_regression", "random_forest_classifier"]},
        cv=2,
    ).fit(X, y)
    run = log_run(search, X, y, tracking_uri=store, experiment="search")
    results = search.cv_results_
    assert len(run.child_run_ids) == 2
    for i, child_id in enumerate(run.child_run_ids):
        child = client.get_run(child_id)
        assert child.data.tags["mlflow.parentRunId"] == run.run_id
        assert child.data.params == {"model_type": results["params"][i]["model_type"]}
        assert child.data.metrics["cv_mean"] == pytest.approx(
            results["mean_test_score"][i]
        )
        assert child.data.metrics["rank"] == results["rank_test_score"][i]
        steps = sorted(
            client.get_metric_history(child_id, "cv_score"), key=lambda m: m.step
        )
        assert [m.value for m in steps] == pytest.approx(
            [results[f"split{k}_test_score"][i] for k in range(2)]
        )
    parent = client.get_run(run.run_id)
    assert parent.data.metrics["search_best_score"] == pytest.approx(search.best_score_)
    assert parent.data.params["model_type"] == search.best_params_["model_type"]
    assert parent.data.tags["easy_mlops.search"] == "GridSearchCV"
    model = mlflow.pyfunc.load_model(run.model_uri)
    assert list(model.predict(X)) == list(search.predict(X))


@mlflow_only
def test_track_records_a_failed_fit_as_failed_and_a_good_one_as_finished(
    store, client, classification_frame
):
    from easy_mlops.tracking import track

    X, y = classification_frame
    one_class = pd.Series(["yes"] * len(y))
    trainer = ModelTrainer(FAST)
    with pytest.raises(ValueError, match="only one class"):
        with track(trainer, X, one_class, tracking_uri=store, experiment="failures"):
            trainer.fit(X, one_class)
    experiment = client.get_experiment_by_name("failures")
    (failed,) = client.search_runs([experiment.experiment_id])
    assert failed.info.status == "FAILED"
    assert failed.data.tags["easy_mlops.error"].startswith("ValueError: y contains")
    assert failed.data.params["model_params.n_estimators"] == "5"
    assert failed.data.tags["easy_mlops.data_shape"] == "120 x 5"

    with track(trainer, X, y, tracking_uri=store, experiment="failures") as run:
        assert run.run_id is None
        trainer.fit(X, y)
    finished = client.get_run(run.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.info.experiment_id == experiment.experiment_id


@mlflow_only
def test_log_run_records_into_an_active_run(store, labels, mlflow_module):
    from easy_mlops.tracking import log_run

    X, y, trainer = labels
    mlflow_module.set_tracking_uri(store)
    try:
        with mlflow_module.start_run() as active:
            run = log_run(trainer, X, y)
            assert run.run_id == active.info.run_id
            assert mlflow_module.active_run() is not None
            with pytest.raises(ValueError, match="run is active .* experiment"):
                log_run(trainer, X, y, experiment="elsewhere")
    finally:
        mlflow_module.set_tracking_uri(None)


@mlflow_only
def test_bad_arguments_are_refused_before_anything_is_sent(
    store, client, labels, tmp_path
):
    from sklearn.exceptions import NotFittedError

    from easy_mlops.tracking import log_run

    X, y, trainer = labels
    experiment = client.create_experiment("refused")
    bad = [
        (NotFittedError, {"model": ModelTrainer()}),
        (ValueError, {"artifact": tmp_path / "missing.easymlops"}),
        (ValueError, {"report": tmp_path / "no-report"}),
        (ValueError, {"tags": ["a"]}),
        (TypeError, {"model": object()}),
    ]
    for error, arguments in bad:
        arguments = {"model": trainer, **arguments}
        with pytest.raises(error):
            log_run(
                arguments.pop("model"),
                X,
                y,
                tracking_uri=store,
                experiment="refused",
                **arguments,
            )
    assert client.search_runs([experiment]) == []


@mlflow_only
def test_unreachable_store_raises_tracking_error_quickly(labels):
    from easy_mlops.tracking import TrackingError, log_run

    X, y, trainer = labels
    uri = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TrackingError) as info:
        log_run(trainer, X, y, tracking_uri=uri)
    assert str(info.value).startswith(f"Tracking to {uri} failed: the server did not")
    assert str(info.value).endswith("Nothing was recorded.")
    assert info.value.run_id is None and info.value.tracking_uri == uri


# -- the command line --------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, classification_frame):
    folder = tmp_path_factory.mktemp("cli")
    X, y = classification_frame
    X.assign(label=y).to_csv(folder / "labels.csv", index=False)
    (folder / "fast.yaml").write_text(FAST_YAML)
    return folder


@pytest.fixture(scope="module")
def cli_run(workdir, mlflow_module):
    """``train --track`` with MLflow's default store, and its run id."""
    completed = cli(
        workdir,
        *("train", "labels.csv", "--config", "fast.yaml", "-o", "m.easymlops"),
        *("--report", "report", "--track", "--experiment", "cli"),
        *("--register", "labels-model"),
    )
    assert completed.returncode == 0, completed.stderr
    return completed, run_id_from(completed.stdout)


@mlflow_only
def test_cli_track_uses_mlflows_default_store_in_the_working_directory(
    workdir, cli_run, mlflow_module
):
    completed, run_id = cli_run
    # MLflow's default store: the SQLite database mlflow.db, here.
    assert (workdir / "mlflow.db").is_file()
    uri = sqlite_uri(workdir)
    assert f"Run {run_id} recorded in sqlite:///" in completed.stdout
    assert "Registered as 'labels-model', version 1." in completed.stdout
    assert (
        f"Serve it with: mlflow models serve -m runs:/{run_id}/model "
        "--env-manager local" in completed.stdout
    )
    client = mlflow_module.MlflowClient(uri)
    run = client.get_run(run_id)
    assert client.get_experiment(run.info.experiment_id).name == "cli"
    assert run.data.params["model_params.n_estimators"] == "5"
    assert run.data.tags["easy_mlops.data_shape"] == "120 x 5"
    saved = {a.path for a in client.list_artifacts(run_id, "easy_mlops")}
    assert saved == {"easy_mlops/m.easymlops"}
    report = {a.path for a in client.list_artifacts(run_id, "report")}
    assert {"report/index.html", "report/metrics.json"} <= report
    version = client.get_model_version("labels-model", "1")
    assert version.run_id == run_id


@mlflow_only
def test_cli_predicts_from_run_and_registry_uris_like_from_the_file(
    workdir, cli_run, labels
):
    X, _, _ = labels
    _, run_id = cli_run
    expected = load_model(workdir / "m.easymlops").predict(X)
    for model in (f"runs:/{run_id}/model", "models:/labels-model/1"):
        completed = cli(workdir, "predict", model, "labels.csv")
        assert completed.returncode == 0, completed.stderr
        lines = completed.stdout.splitlines()
        assert lines[0] == "prediction"
        assert lines[1:] == list(expected)


@mlflow_only
def test_cli_reads_the_config_section_and_honours_mlflow_tracking_uri(
    workdir, tmp_path, mlflow_module
):
    (workdir / "tracked.yaml").write_text(
        FAST_YAML + "tracking:\n  enabled: true\n  experiment: from-config\n"
        "  run_name: nightly\n  tags:\n    team: ml\n"
    )
    uri = sqlite_uri(tmp_path)
    env = {"MLFLOW_TRACKING_URI": uri}
    completed = cli(
        workdir,
        "train",
        "labels.csv",
        "-c",
        "tracked.yaml",
        "-o",
        "t.easymlops",
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    run = mlflow_module.MlflowClient(uri).get_run(run_id_from(completed.stdout))
    assert run.info.run_name == "nightly"
    assert run.data.tags["team"] == "ml"
    skipped = cli(
        workdir,
        "train",
        "labels.csv",
        "-c",
        "tracked.yaml",
        "-o",
        "t.easymlops",
        "--no-track",
        env=env,
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "Run " not in skipped.stdout
    client = mlflow_module.MlflowClient(uri)
    experiment = client.get_experiment_by_name("from-config")
    assert len(client.search_runs([experiment.experiment_id])) == 1


@mlflow_only
def test_cli_records_a_failed_fit_as_failed(workdir, cli_run, mlflow_module):
    pd.DataFrame({"a": range(6), "b": range(6), "y": ["x"] * 6}).to_csv(
        workdir / "one.csv", index=False
    )
    completed = cli(workdir, "train", "one.csv", "--experiment", "broken")
    assert completed.returncode == 2
    assert "only one class" in completed.stderr
    assert not (workdir / "model.easymlops").exists()
    client = mlflow_module.MlflowClient(sqlite_uri(workdir))
    experiment = client.get_experiment_by_name("broken")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FAILED"
    assert "only one class" in run.data.tags["easy_mlops.error"]
    assert run.data.tags["easy_mlops.data_shape"] == "6 x 2"


@mlflow_only
def test_cli_with_the_store_down_keeps_the_model_and_exits_3(workdir, labels):
    X, _, _ = labels
    uri = f"http://127.0.0.1:{free_port()}"
    completed = cli(
        workdir,
        *("train", "labels.csv", "-c", "fast.yaml", "-o", "down.easymlops"),
        *("--tracking-uri", uri),
    )
    assert completed.returncode == 3
    (error,) = [line for line in completed.stderr.splitlines() if "Error" in line]
    assert error.startswith(
        f"Error: Tracking to {uri} failed: the server did not answer ("
    )
    assert error.endswith("Nothing was recorded. The model is saved in down.easymlops.")
    assert "Model saved to down.easymlops" in completed.stdout
    assert load_model(workdir / "down.easymlops").predict(X).shape == (len(X),)


def read_only_sqlite(folder, mlflow_module):
    """A SQLite store that refuses writes: a read-only file, or (for root,
    whom file modes do not stop) the same database opened read-only."""
    path = folder / "readonly.db"
    mlflow_module.MlflowClient(f"sqlite:///{path}").search_experiments()
    if os.geteuid() == 0:
        return (
            f"sqlite:///file:{path}?mode=ro&uri=true",
            "the database refused: attempt to write a readonly database",
        )
    path.chmod(0o444)
    return f"sqlite:///{path}", f"the SQLite file {path} is read-only for you"


@mlflow_only
@pytest.mark.parametrize("store_kind", ["unknown scheme", "folder", "read-only"])
def test_cli_with_an_unusable_store_keeps_the_model_and_exits_3(
    workdir, tmp_path, mlflow_module, store_kind
):
    uri, why = {
        "unknown scheme": (
            "mlfow://example.org",
            "MLflow does not know the scheme of 'mlfow://example.org'; use "
            "sqlite:///PATH/mlflow.db",
        ),
        "folder": (
            str(tmp_path),
            f"{tmp_path} is a folder path, MLflow's file store, which recent "
            "MLflow versions no longer write; use sqlite:///PATH/mlflow.db",
        ),
        "read-only": None,
    }[store_kind] or read_only_sqlite(tmp_path, mlflow_module)
    output = f"{store_kind.replace(' ', '-')}.easymlops"
    completed = cli(
        workdir,
        *("train", "labels.csv", "-c", "fast.yaml", "-o", output),
        *("--tracking-uri", uri),
    )
    assert completed.returncode == 3, completed.stderr
    (line,) = completed.stderr.splitlines()
    assert line.startswith(f"Error: Tracking to {uri} failed: {why}")
    assert line.endswith(f"Nothing was recorded. The model is saved in {output}.")
    # Refused at once: MLflow's 100 s of retries to open a database never start.
    assert "retried" not in completed.stderr
    X = pd.read_csv(workdir / "labels.csv").drop(columns="label")
    assert set(load_model(workdir / output).predict(X)) <= {"yes", "no"}


# -- a tracking server and model serving -----------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory, mlflow_module):
    """``mlflow server`` on SQLite, on a free loopback port; ended at teardown."""
    folder = tmp_path_factory.mktemp("server")
    port = free_port()
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        process = start_process(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--backend-store-uri",
                sqlite_uri(folder),
                "--artifacts-destination",
                str(folder / "artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            cwd=folder,
            log=log,
            # The server's job runner (several worker processes) is not needed.
            env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(process, f"{url}/health", log_path)
            yield url
        finally:
            stop_process(process)


@mlflow_only
def test_log_register_and_load_through_a_tracking_server(
    server, labels, mlflow_module, workdir
):
    from easy_mlops.tracking import load_logged_model, log_run

    X, y, trainer = labels
    run = log_run(
        trainer, X, y, tracking_uri=server, experiment="team", register_as="team-model"
    )
    assert run.tracking_uri == server and run.registered_version == "1"
    client = mlflow_module.MlflowClient(server)
    assert client.get_run(run.run_id).data.tags["easy_mlops.backend"] == "sklearn"
    assert client.get_model_version("team-model", "1").run_id == run.run_id
    paths = [a.path for a in client.list_artifacts(run.run_id, "easy_mlops")]
    assert paths == ["easy_mlops/model.easymlops"]
    mlflow_module.set_tracking_uri(server)
    try:
        loaded = load_logged_model("models:/team-model/1")
    finally:
        mlflow_module.set_tracking_uri(None)
    assert list(loaded.predict(X)) == list(trainer.predict(X))
    completed = cli(
        workdir,
        "predict",
        "models:/team-model/1",
        "labels.csv",
        env={"MLFLOW_TRACKING_URI": server},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[1:] == list(trainer.predict(X))


@pytest.fixture(scope="module")
def counted(store, labels):
    """A run of a model trained on a table with a column of integers."""
    from easy_mlops.tracking import log_run

    X, y, _ = labels
    X = X.assign(count=np.arange(len(X)) % 7)
    trainer = ModelTrainer(FAST).fit(X, y)
    return X, trainer, log_run(trainer, X, y, tracking_uri=store, experiment="int")


@mlflow_only
def test_mlflow_models_serve_answers_raw_rows_as_the_cli_does(
    counted, store, tmp_path, mlflow_module
):
    """Missing values included, in a column that held only integers."""
    X, trainer, run = counted
    mlflow_module.set_tracking_uri(store)
    try:
        inputs = mlflow_module.models.get_model_info(run.model_uri).signature.inputs
    finally:
        mlflow_module.set_tracking_uri(None)
    assert {c.name: c.type.name for c in inputs.inputs}["count"] == "double"
    rows = X.head(10).astype({"count": "Int64"})
    rows.loc[[2, 5], "count"] = pd.NA
    rows.to_csv(tmp_path / "rows.csv", index=False)
    expected = cli(
        tmp_path,
        "predict",
        run.model_uri,
        "rows.csv",
        env={"MLFLOW_TRACKING_URI": store},
    )
    assert expected.returncode == 0, expected.stderr
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = start_process(
            [
                sys.executable,
                "-m",
                "mlflow",
                "models",
                "serve",
                "-m",
                run.model_uri,
                "--env-manager",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            cwd=tmp_path,
            log=log,
            env={"MLFLOW_TRACKING_URI": store},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(process, f"{url}/ping", log_path)
            split = (
                rows.astype(object).where(rows.notna(), None).to_dict(orient="split")
            )
            split.pop("index")
            body = json.dumps({"dataframe_split": split})
            request = urllib.request.Request(
                f"{url}/invocations",
                data=body.encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read())
        finally:
            stop_process(process)
    assert answer["predictions"] == expected.stdout.splitlines()[1:]
    assert answer["predictions"] == list(trainer.predict(rows.astype({"count": float})))


@mlflow_only
def test_cli_quiet_with_track_and_register_prints_nothing(
    workdir, tmp_path, mlflow_module
):
    # A fresh SQLite store: MLflow creates its tables (and says so), warns
    # about the model signature and announces the registration, all silenced.
    uri = sqlite_uri(tmp_path)
    completed = cli(
        workdir,
        *("train", "labels.csv", "-c", "fast.yaml", "-o", "quiet.easymlops"),
        *("--tracking-uri", uri, "--register", "quiet-model", "--quiet"),
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "" and completed.stderr == ""
    version = mlflow_module.MlflowClient(uri).get_model_version("quiet-model", "1")
    assert version.run_id
    # Without --quiet the same run speaks, so the silence above is --quiet's.
    loud = cli(
        workdir,
        *("train", "labels.csv", "-c", "fast.yaml", "-o", "loud.easymlops"),
        *("--tracking-uri", sqlite_uri(tmp_path / "loud"), "--register", "m"),
    )
    assert loud.returncode == 0, loud.stderr
    assert "Registered as 'm', version 1." in loud.stdout and loud.stderr

    down = f"http://127.0.0.1:{free_port()}"
    failed = cli(
        workdir,
        *("train", "labels.csv", "-c", "fast.yaml", "-o", "down.easymlops"),
        *("--tracking-uri", down, "--quiet"),
    )
    assert failed.returncode == 3 and failed.stdout == ""
    assert f"Error: Tracking to {down} failed" in failed.stderr
