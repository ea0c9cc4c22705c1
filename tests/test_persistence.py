"""Saving and loading: one version-checked file, atomic saves, clear load errors.

The attacks a file can carry are in test_security.py.
"""

import hashlib
import io
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from easy_mlops import ModelTrainer
from easy_mlops.training import (
    ModelLoadError,
    ModelSaveError,
    SklearnBackend,
    VersionMismatchWarning,
    inspect_model,
    load_model,
    persistence,
    registry,
)
from easy_mlops.training.persistence import (
    ARTIFACT_FORMAT_VERSION,
    MAX_MANIFEST_BYTES,
    _archive,
)

# Module-level functions of a callable backend: importable, so they pickle.
SAVED = {}


def build_model(config, problem_type):
    return {"mean": None}


def train_fn(model, X, y, config):
    model["mean"] = float(np.mean(y))


def predict_fn(model, X):
    return np.full(len(X), model["mean"])


def save_fn(model, output_path, metadata, config):
    SAVED["metadata"] = metadata
    with open(output_path, "w") as handle:
        json.dump({"mean": model["mean"]}, handle)


def load_fn_tuple(model_path, config):
    with open(model_path) as handle:
        return json.load(handle), {"loaded": True}


def load_fn_dict(model_path, config):
    model, metadata = load_fn_tuple(model_path, config)
    return {"model": model, "metadata": metadata}


CALLABLE = {
    "backend": "callable",
    "build_model": build_model,
    "train_fn": train_fn,
    "predict_fn": predict_fn,
    "problem_type": "regression",
    "cv_folds": 2,
}

CONFIGURATIONS = {
    "sklearn-auto": ({"model_params": {"n_estimators": 5}, "cv_folds": 2}, None),
    "logistic": ({"model_type": "logistic_regression", "cv_folds": 0}, None),
    "hist-gb": (
        {
            "model_type": "hist_gradient_boosting",
            "cv_folds": 0,
            "model_params": {"max_iter": 10},
        },
        None,
    ),
    "xgboost": (
        {"model_type": "xgboost", "cv_folds": 0, "model_params": {"n_estimators": 5}},
        "xgboost",
    ),
    "neural-network": (
        {
            "backend": "neural_network",
            "hidden_layer_sizes": [5],
            "max_iter": 20,
            "cv_folds": 0,
        },
        None,
    ),
    "lightgbm": (
        {"backend": "lightgbm", "cv_folds": 0, "model_params": {"n_estimators": 5}},
        "lightgbm",
    ),
    "callable": (CALLABLE, None),
    "callable-save-fn": (
        {**CALLABLE, "save_fn": save_fn, "load_fn": load_fn_tuple},
        None,
    ),
    "callable-load-dict": (
        {**CALLABLE, "save_fn": save_fn, "load_fn": load_fn_dict},
        None,
    ),
}


@pytest.fixture(scope="module")
def fitted(classification_frame):
    X, y = classification_frame
    return ModelTrainer({"model_params": {"n_estimators": 5}}, cv_folds=2).fit(X, y)


@pytest.fixture
def saved(tmp_path, fitted):
    return fitted.save_model(tmp_path / "model.emlops")


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_round_trip_of_every_backend(tmp_path, classification_frame, name):
    config, package = CONFIGURATIONS[name]
    if package:
        pytest.importorskip(package)
    X, y = classification_frame
    y = (y == "yes").astype(float) if config.get("backend") == "callable" else y
    with pytest.warns() if config.get("backend") == "neural_network" else _no_op():
        trainer = ModelTrainer(config).fit(X, y)
    path = trainer.save_model(tmp_path / "nested" / "dir" / "model")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))
    assert list(loaded.feature_names_in_) == list(X.columns)
    assert loaded.training_result_.metrics == trainer.training_result_.metrics
    assert loaded.backend_.name == trainer.backend_.name
    if trainer.problem_type_ == "classification":
        np.testing.assert_array_equal(loaded.classes_, trainer.classes_)
    if "save_fn" in config:
        assert SAVED["metadata"]["backend"] == "callable"


class _no_op:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_manifest_records_what_the_model_is(saved, fitted):
    manifest = inspect_model(saved)
    assert manifest["format_version"] == ARTIFACT_FORMAT_VERSION
    assert manifest["backend"] == "sklearn" and manifest["model_type"] == "auto"
    assert manifest["problem_type"] == "classification"
    assert manifest["classes"] == ["no", "yes"]
    assert manifest["feature_names"] == [f"feature_{i}" for i in range(5)]
    assert manifest["n_features"] == 5
    assert manifest["metrics"] == pytest.approx(fitted.training_result_.metrics)
    assert set(manifest["versions"]) >= {
        "easy_mlops",
        "scikit-learn",
        "numpy",
        "pandas",
        "joblib",
        "python",
    }
    assert manifest["config"]["model_params"] == {"n_estimators": 5}
    assert set(manifest["sha256"]) == {"model", "trainer.joblib"}
    assert load_model(saved).manifest_ == manifest


def test_callables_are_recorded_by_import_path(tmp_path, regression_data):
    trainer = ModelTrainer(CALLABLE).fit(*regression_data)
    manifest = inspect_model(trainer.save_model(tmp_path / "m"))
    assert manifest["config"]["train_fn"].endswith(":train_fn")


def test_inspect_model_unpickles_nothing(saved, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("inspect_model must not unpickle")

    monkeypatch.setattr(joblib, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    assert inspect_model(saved)["backend"] == "sklearn"


def test_load_uses_the_recorded_backend(saved, classification_frame, fitted):
    trainer = ModelTrainer(backend="neural_network")
    assert trainer.load_model(saved) is trainer
    assert trainer.backend_.name == fitted.backend_.name == "sklearn"
    assert trainer.get_params() == fitted.get_params()
    np.testing.assert_array_equal(
        trainer.predict(classification_frame[0]),
        fitted.predict(classification_frame[0]),
    )


def test_a_failing_save_keeps_the_old_file(
    tmp_path, saved, fitted, regression_data, classification_frame
):
    before = saved.read_bytes()
    bad = ModelTrainer({**CALLABLE, "lock": threading.Lock()}).fit(*regression_data)
    with pytest.raises(
        ModelSaveError, match="config key 'lock'.*cannot be pickled even by value"
    ):
        bad.save_model(saved)
    assert saved.read_bytes() == before
    X = classification_frame[0]
    np.testing.assert_array_equal(load_model(saved).predict(X), fitted.predict(X))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.emlops"]


def test_a_crash_while_replacing_keeps_the_old_file(
    tmp_path, saved, fitted, monkeypatch
):
    before = saved.read_bytes()

    def crash(*args):
        raise OSError(28, "No space left on device", args[0])

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ModelSaveError) as info:
        fitted.save_model(saved)
    # The target is named, not the temporary file the OSError was about.
    assert str(info.value).startswith(f"Cannot save the model to {saved}: No space")
    assert ".tmp" not in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.emlops"]


def test_save_before_fit_is_a_not_fitted_error(tmp_path):
    with pytest.raises(NotFittedError):
        ModelTrainer().save_model(tmp_path / "m")


def test_save_to_a_directory_is_explained(tmp_path, fitted):
    with pytest.raises(ModelSaveError, match="is a directory"):
        fitted.save_model(tmp_path)


def test_unknown_format(tmp_path, fitted):
    with pytest.raises(
        ValueError, match=r"format must be one of \['joblib', 'skops'\]"
    ):
        fitted.save_model(tmp_path / "m", format="pickle")


def _rewrite(path, manifest_update=None, drop=None):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest.update(manifest_update or {})
    members["manifest.json"] = json.dumps(manifest).encode()
    members.pop(drop, None)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
            "truncated or corrupted",
        ),
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: p.write_text("a,b\n1,2\n"), "not an easy_mlops model artifact"),
        (
            lambda p: joblib.dump({"model": 1, "metadata": {}}, p),
            "bare pickle/joblib file.*make-mlops-easy 0.4.*save_model",
        ),
        (lambda p: _rewrite(p, {"format": "something-else"}), "no valid manifest.json"),
        (
            lambda p: _rewrite(p, {"format_version": ARTIFACT_FORMAT_VERSION + 1}),
            "newer easy_mlops.*Upgrade easy_mlops",
        ),
        (lambda p: _rewrite(p, drop="model"), "lacks the 'model' member"),
    ],
    ids=["truncated", "empty", "csv", "old-joblib", "foreign-zip", "newer", "missing"],
)
def test_bad_files_are_explained(saved, damage, message):
    damage(saved)
    with pytest.raises(ModelLoadError, match=message) as info:
        load_model(saved)
    assert str(saved) in str(info.value)


def test_flipped_bits_are_detected(saved):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("model")
    data[info.header_offset + 100] ^= 0xFF
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="corrupted"):
        load_model(saved)


def test_checksum_mismatch_is_detected(saved):
    _rewrite(saved, {"sha256": {"model": "0" * 64, "trainer.joblib": "0" * 64}})
    with pytest.raises(ModelLoadError, match="checksum of its 'model' member"):
        load_model(saved)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_bad_paths_are_explained(tmp_path, kind):
    path = tmp_path / "nothing" if kind == "missing" else tmp_path
    with pytest.raises(ModelLoadError, match="does not exist|not a file"):
        load_model(path)


class Temporary(SklearnBackend):
    name = "temporary-backend"


def test_unregistered_backend(tmp_path, classification_data):
    registry.register_backend(Temporary)
    try:
        trainer = ModelTrainer(
            backend="temporary-backend",
            cv_folds=0,
            config={"model_params": {"n_estimators": 3}},
        )
        path = trainer.fit(*classification_data).save_model(tmp_path / "m")
    finally:
        del registry._BACKENDS["temporary-backend"]
    with pytest.raises(
        ModelLoadError,
        match="'temporary-backend', which is not registered.*register_backend",
    ):
        load_model(path)


def test_version_mismatch_warns_per_package(saved):
    _rewrite(saved, {"versions": {"scikit-learn": "0.0.1", "numpy": "0.0.2"}})
    with pytest.warns(VersionMismatchWarning) as record:
        load_model(saved)
    message = str(record[0].message)
    assert "scikit-learn 0.0.1 (saved) vs" in message
    assert "numpy 0.0.2 (saved) vs" in message


def test_joblib_round_trip_and_version_warning(fitted, classification_frame):
    X, _ = classification_frame
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict(X), fitted.predict(X))
    state = fitted.__getstate__()
    state["_library_versions"] = {**state["_library_versions"], "pandas": "0.1"}
    clone_ = object.__new__(ModelTrainer)
    with pytest.warns(VersionMismatchWarning, match="pandas 0.1 \\(saved\\)"):
        clone_.__setstate__(state)


def test_skops_format_trusts_only_known_types(tmp_path, classification_frame):
    pytest.importorskip("skops")
    X, y = classification_frame
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(X, y)
    path = trainer.save_model(tmp_path / "m.skops", format="skops")
    with zipfile.ZipFile(path) as archive:
        assert "trainer.joblib" not in archive.namelist()
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))
    assert list(loaded.classes_) == ["no", "yes"]


class Annotation:
    """A type of this module: in no allow-list, so a skops load must be told."""

    def __init__(self, text):
        self.text = text


def test_skops_refuses_untrusted_types_until_trusted(tmp_path, classification_data):
    pytest.importorskip("skops")
    X, y = classification_data
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(X, y)
    trainer.training_result_.model.note_ = Annotation("reviewed by nobody")
    path = trainer.save_model(tmp_path / "m.skops", format="skops")
    name = f"{__name__}.Annotation"
    with pytest.raises(ModelLoadError) as info:
        load_model(path, secure=True)
    # Only the type outside the allow-list is named.
    assert f"not trusted by default: [{name!r}]" in str(info.value)
    assert f"trusted=[{name!r}]" in str(info.value)
    loaded = load_model(path, secure=True, trusted=[name])
    assert loaded.training_result_.model.note_.text == "reviewed by nobody"
    np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))


def test_skops_is_for_sklearn_family_models(tmp_path, regression_data):
    trainer = ModelTrainer(CALLABLE).fit(*regression_data)
    with pytest.raises(ModelSaveError, match="format='skops' stores scikit-learn"):
        trainer.save_model(tmp_path / "m", format="skops")


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 1000),
    kind=st.sampled_from(["classification", "regression"]),
    model_type=st.sampled_from(["auto", "hist_gradient_boosting"]),
)
def test_any_fitted_trainer_round_trips(tmp_path, seed, kind, model_type):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int) if kind == "classification" else X[:, 0] * 3.3
    params = {"n_estimators": 3} if model_type == "auto" else {"max_iter": 3}
    trainer = ModelTrainer(
        {"model_params": params}, model_type=model_type, cv_folds=2
    ).fit(X, y)
    path = trainer.save_model(tmp_path / f"{seed}-{kind}-{model_type}")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))
    assert loaded.get_params() == trainer.get_params()


def test_saved_file_mode_follows_the_umask_and_the_replaced_file(tmp_path, fitted):
    previous = os.umask(0o022)
    try:
        path = fitted.save_model(tmp_path / "fresh")
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o640)
        fitted.save_model(path)
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(previous)


@pytest.mark.parametrize("key", ["sha256", "backend", "serializer", "versions"])
def test_a_manifest_missing_a_key_is_explained(saved, key):
    with zipfile.ZipFile(saved) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    del manifest[key]
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(saved, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelLoadError, match="damaged manifest.json"):
        load_model(saved)


def test_a_byte_flip_is_a_model_load_error_or_changes_nothing(
    saved, fitted, classification_frame
):
    """Every byte of the central directory, and bytes sampled elsewhere: a
    flip either raises ModelLoadError or hits a field that changes nothing
    (a timestamp, the file attributes), so the model loads and predicts the
    same.  No other exception, and never a silently different model."""
    X = classification_frame[0]
    expected = fitted.predict(X)
    original = saved.read_bytes()
    with zipfile.ZipFile(saved) as archive:
        directory = archive.start_dir
    step = max(1, directory // 60)
    offsets = [*range(0, directory, step), *range(directory, len(original))]
    refused = 0
    for offset in offsets:
        damaged = bytearray(original)
        damaged[offset] ^= 0xFF
        saved.write_bytes(bytes(damaged))
        try:
            loaded = load_model(saved)
        except ModelLoadError:
            refused += 1
        else:
            np.testing.assert_array_equal(loaded.predict(X), expected)
    assert refused > len(offsets) // 2


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("flags", 0x1, "encrypted or compressed in a way easy_mlops never writes"),
        ("method", 99, "encrypted or compressed in a way easy_mlops never writes"),
    ],
)
def test_a_damaged_central_directory_is_a_model_load_error(
    saved, field, value, message
):
    """Bit flips there once gave NotImplementedError and "...is encrypted"."""
    with zipfile.ZipFile(saved) as archive:
        entry = archive.start_dir
    data = bytearray(saved.read_bytes())
    while data[entry + 46 : entry + 51] != b"model":
        lengths = (data[entry + i : entry + i + 2] for i in (28, 30, 32))
        entry += 46 + sum(int.from_bytes(n, "little") for n in lengths)
    offset = {"flags": 8, "method": 10}[field]
    data[entry + offset : entry + offset + 2] = value.to_bytes(2, "little")
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match=message):
        load_model(saved)


@pytest.mark.parametrize("version", [0, -1, True, "1", 1.5, None])
def test_a_format_version_that_is_not_a_positive_integer(saved, version):
    _rewrite(saved, {"format_version": version})
    with pytest.raises(ModelLoadError, match="not a positive integer"):
        load_model(saved)


@pytest.fixture
def skops_saved(tmp_path, classification_frame):
    pytest.importorskip("skops")
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0)
    return trainer.fit(*classification_frame).save_model(
        tmp_path / "m.skops", format="skops"
    )


def _edit_member(path, name, edit):
    """Apply ``edit`` to a member's bytes and fix its checksum."""
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = edit(members[name])
    manifest = json.loads(members.pop("manifest.json"))
    manifest["sha256"][name] = hashlib.sha256(members[name]).hexdigest()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for n, data in members.items():
            archive.writestr(n, data)


def _edit_json(edit):
    def apply(data):
        state = json.loads(data)
        edit(state)
        return json.dumps(state).encode()

    return apply


@pytest.mark.parametrize(
    "edit",
    [
        lambda state: state.pop("result"),
        lambda state: state.update(params=["not", "a", "mapping"]),
        lambda state: state["params"].update(unknown_parameter=1),
        lambda state: state["result"].update(cv_scores=None),
        lambda state: state.update(config=7),
    ],
    ids=["no-result", "params-list", "unknown-param", "cv-scores", "config"],
)
def test_edited_skops_state_is_a_model_load_error(skops_saved, edit):
    _edit_member(skops_saved, "trainer.json", _edit_json(edit))
    with pytest.raises(ModelLoadError, match="damaged trainer.json"):
        load_model(skops_saved)


def test_an_edited_skops_model_is_a_model_load_error(skops_saved):
    def edit_schema(data):
        inner = io.BytesIO(data)
        with zipfile.ZipFile(inner) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        schema = json.loads(members["schema.json"])
        schema["content"] = {"unexpected": True}
        members["schema.json"] = json.dumps(schema).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for n, payload in members.items():
                archive.writestr(n, payload)
        return out.getvalue()

    _edit_member(skops_saved, "model", edit_schema)
    with pytest.raises(ModelLoadError, match="damaged skops model member"):
        load_model(skops_saved)


def test_trusted_as_one_string_is_one_type(tmp_path, classification_frame):
    pytest.importorskip("skops")
    X, y = classification_frame
    forest = ModelTrainer({"model_params": {"n_estimators": 3}}, cv_folds=0).fit(X, y)
    forest.training_result_.model.note_ = Annotation("a string is one name")
    path = forest.save_model(tmp_path / "forest.skops", format="skops")
    loaded = load_model(path, trusted=f"{__name__}.Annotation")
    np.testing.assert_array_equal(loaded.predict(X), forest.predict(X))
    with pytest.raises(TypeError, match="trusted must be a list of type names"):
        load_model(path, trusted=[3])


# -- saving: paths the user cannot write ----------------------------------------


def test_a_parent_that_is_a_file_is_a_model_save_error(tmp_path, fitted):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    for target in (blocker / "model", blocker / "deeper" / "model"):
        with pytest.raises(
            ModelSaveError, match=f"to {target}: {blocker} is a file, not a directory"
        ):
            fitted.save_model(target)
    assert blocker.read_text() == "x"


def run_unprivileged(script, *args):
    """Run a Python script under the file permissions an ordinary user meets.

    Root ignores them; root without its capabilities does not.
    """
    command = [sys.executable, "-c", script, *map(str, args)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv to drop root's rights is missing")
        command = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


SAVE_AND_REPORT = """
import sys
from easy_mlops.training import ModelSaveError, load_model
trainer = load_model(sys.argv[1])
for target in sys.argv[2:]:
    try:
        trainer.save_model(target)
        print("saved")
    except ModelSaveError as error:
        print(error)
"""


def test_paths_the_user_cannot_write_are_model_save_errors(tmp_path, saved):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    read_only = tmp_path / "read-only.emlops"
    read_only.write_bytes(b"")
    read_only.chmod(0o444)
    fine = tmp_path / "fine.emlops"
    out = run_unprivileged(
        SAVE_AND_REPORT, saved, locked / "model", read_only, fine
    ).splitlines()
    assert out[0] == (
        f"Cannot save the model to {locked / 'model'}: you cannot write in the "
        f"directory {locked}. Choose another path, or ask for write access."
    )
    assert out[1].startswith(
        f"Cannot save the model to {read_only}: the file there is read-only"
    )
    assert out[2] == "saved"
    assert read_only.read_bytes() == b""
    assert load_model(fine).manifest_["backend"] == "sklearn"
    locked.chmod(0o755)


KILLED_WHILE_SAVING = """
import os, signal, sys
from easy_mlops.training import load_model
trainer = load_model(sys.argv[1])
os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)
trainer.save_model(sys.argv[1])
"""


def test_a_save_killed_midway_leaves_a_temporary_file_the_next_save_removes(
    tmp_path, saved, fitted
):
    before = saved.read_bytes()
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_SAVING, str(saved)])
    assert killed.returncode == -signal.SIGKILL
    assert saved.read_bytes() == before
    (leftover,) = [p for p in tmp_path.iterdir() if p != saved]
    assert re.fullmatch(r"\.model\.emlops\.\w{8}\.tmp", leftover.name)
    # A temporary file younger than an hour may be a save under way elsewhere.
    fitted.save_model(saved)
    assert leftover.exists()
    two_hours_ago = time.time() - 7200
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    fitted.save_model(saved)
    assert not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.emlops"]


def test_the_cli_checks_its_output_path_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "easy_mlops", "train", "-o", str(blocker / "m")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "Training on" not in done.stdout
    assert f"{blocker} is a file, not a directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_manifest_over_the_limit_is_refused_at_save(tmp_path, regression_data):
    trainer = ModelTrainer({**CALLABLE, "notes": "x" * (1 << 20)}).fit(*regression_data)
    with pytest.raises(ModelSaveError, match="more than the 1048576 a load reads"):
        trainer.save_model(tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


# -- config callables that cannot be pickled by reference ------------------------


def test_inline_functions_are_stored_by_value(tmp_path, regression_data):
    def train_fn(model, X, y, config):  # nested: no import path
        model["mean"] = float(np.mean(y)) + config["offset"]

    config = {**CALLABLE, "train_fn": train_fn, "offset": 1.0}
    config["predict_fn"] = lambda model, X: np.full(len(X), model["mean"])
    trainer = ModelTrainer(config).fit(*regression_data)
    path = trainer.save_model(tmp_path / "m")
    manifest = inspect_model(path)
    assert sorted(manifest["by_value"]) == ["predict_fn", "train_fn"]
    assert manifest["config"]["build_model"].endswith("test_persistence:build_model")
    X = regression_data[0]
    np.testing.assert_array_equal(load_model(path).predict(X), trainer.predict(X))


def test_module_functions_are_stored_by_reference(tmp_path, regression_data):
    trainer = ModelTrainer(CALLABLE).fit(*regression_data)
    assert inspect_model(trainer.save_model(tmp_path / "m"))["by_value"] == []


SAVE_INLINE = """
import sys
import numpy as np
import pandas as pd
from easy_mlops import ModelTrainer

def build(config, problem_type):
    return {}

def make_train():
    def train(model, X, y, config):
        model["w"] = np.linalg.lstsq(X, y, rcond=None)[0]
    return train

config = {"backend": "callable", "build_model": build, "train_fn": make_train(),
          "predict_fn": lambda model, X: X @ model["w"], "problem_type": "regression"}
rng = np.random.default_rng(0)
X = rng.normal(size=(30, 2))
trainer = ModelTrainer(config, cv_folds=0).fit(X, X @ [2.0, -1.0])
trainer.save_model(sys.argv[1])
print(trainer.predict([[1.0, 1.0]])[0])
"""

LOAD = """
import sys
from easy_mlops.training import load_model
print(load_model(sys.argv[1]).predict([[1.0, 1.0]])[0])
"""


def test_a_trainer_configured_inline_loads_in_a_fresh_process(tmp_path):
    """A 0.4-style script: functions of __main__, a closure and a lambda."""
    path = tmp_path / "inline.emlops"

    def run(script):
        return subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        ).stdout.strip()

    saved_prediction = run(SAVE_INLINE)
    assert float(saved_prediction) == pytest.approx(1.0)
    assert sorted(inspect_model(path)["by_value"]) == [
        "build_model",
        "predict_fn",
        "train_fn",
    ]
    assert run(LOAD) == saved_prediction


def test_skops_refuses_inline_functions_naming_the_key(tmp_path, classification_frame):
    pytest.importorskip("skops")
    config = {"model_type": "logistic_regression", "scoring": lambda e, X, y: 0.0}
    trainer = ModelTrainer(config, cv_folds=2).fit(*classification_frame)
    with pytest.raises(ModelSaveError, match="config key 'scoring' holds <function"):
        trainer.save_model(tmp_path / "m.skops", format="skops")


def test_version_mismatch_warns_once_per_load(saved):
    _rewrite(saved, {"versions": {"numpy": "0.0.1"}})
    with pytest.warns(VersionMismatchWarning) as record:
        load_model(saved)
    assert len([w for w in record if w.category is VersionMismatchWarning]) == 1


# -- the manifest's checks, on archives written here (no model trained) ----------

VALID = {
    "format": "easy_mlops.model",
    "format_version": 1,
    "serializer": "joblib",
    "backend": "sklearn",
    "versions": {"easy_mlops": "1"},
    "sha256": {"model": "0" * 64, "trainer.joblib": "1" * 64},
}


def write_manifest(path, manifest=None, raw=None):
    """An archive holding ``manifest`` (as JSON) or ``raw`` as its manifest."""
    with zipfile.ZipFile(path, "w") as archive:
        if raw is None and manifest is not None:
            raw = json.dumps(manifest)
        if raw is not None:
            archive.writestr("manifest.json", raw)
        archive.writestr("model", b"")
    return path


def manifest_of(path, key=None):
    with zipfile.ZipFile(path) as archive:
        return persistence._read_manifest(archive, path, key)


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"serializer": "skops", "sha256": {"model": "0", "trainer.json": "1"}},
        {
            "pipeline": ["scale", "trainer"],
            "sha256": {**VALID["sha256"], "pipeline.joblib": "2"},
        },
        {"format_version": 1, "signature": None},
    ],
    ids=["joblib", "skops", "pipeline", "null-signature"],
)
def test_a_valid_manifest_is_returned_with_whether_it_is_signed(tmp_path, update):
    manifest = {**VALID, **update}
    path = write_manifest(tmp_path / "m", manifest)
    assert manifest_of(path) == {**manifest, "signed": False}


def test_a_signature_is_reported_and_checked_only_with_a_key(tmp_path):
    key = b"secret"
    manifest = {**VALID, "signature": _archive.sign(VALID, key)}
    path = write_manifest(tmp_path / "m", manifest)
    assert manifest_of(path) == {**manifest, "signed": True}
    assert manifest_of(path, key) == {**manifest, "signed": True}
    with pytest.raises(ModelLoadError) as info:
        manifest_of(path, b"other")
    assert str(info.value).startswith(f"{path} has a signature that does not match")
    unsigned = write_manifest(tmp_path / "u", VALID)
    with pytest.raises(ModelLoadError) as info:
        manifest_of(unsigned, key)
    assert str(info.value).startswith(f"{unsigned} is not signed, but a signing key")


@pytest.mark.parametrize(
    "manifest, raw",
    [
        (None, None),
        (None, b"[1, 2]"),
        (None, b"not json"),
        ({**VALID, "format": "easy_mlops.other"}, None),
        ({key: value for key, value in VALID.items() if key != "format"}, None),
    ],
    ids=["no-manifest", "list", "not-json", "other-format", "no-format"],
)
def test_a_file_without_a_manifest_of_ours_is_not_an_artifact(tmp_path, manifest, raw):
    path = write_manifest(tmp_path / "m", manifest, raw)
    with pytest.raises(ModelLoadError) as info:
        manifest_of(path, b"a key is not reached")
    assert str(info.value) == (
        f"{path} is not an easy_mlops model artifact: it has no valid manifest.json."
    )


@pytest.mark.parametrize("version", [0, -1, True, "1", 1.5, None, [1]])
def test_a_format_version_must_be_a_positive_int(tmp_path, version):
    path = write_manifest(tmp_path / "m", {**VALID, "format_version": version})
    with pytest.raises(ModelLoadError) as info:
        manifest_of(path)
    assert str(info.value) == (
        f"{path} has a damaged manifest.json: its format_version is {version!r}, "
        "not a positive integer. Restore the file from a backup or save the model "
        "again."
    )


def test_a_newer_format_asks_for_an_upgrade(tmp_path):
    path = write_manifest(
        tmp_path / "m", {**VALID, "format_version": ARTIFACT_FORMAT_VERSION + 1}
    )
    with pytest.raises(ModelLoadError) as info:
        manifest_of(path)
    assert str(info.value) == (
        f"{path} was written in artifact format {ARTIFACT_FORMAT_VERSION + 1} by a "
        f"newer easy_mlops; this one reads formats up to {ARTIFACT_FORMAT_VERSION}. "
        "Upgrade easy_mlops (pip install -U easy-mlops) to load it."
    )


@pytest.mark.parametrize(
    "update",
    [
        {"serializer": "pickle"},
        {"serializer": None},
        {"backend": 3},
        {"backend": None},
        {"versions": ["easy_mlops", "1"]},
        {"versions": None},
        {"sha256": ["0" * 64]},
        {"sha256": None},
        {"sha256": {"model": "0"}},
        {"sha256": {**VALID["sha256"], "extra": "2"}},
        {"sha256": {**VALID["sha256"], "pipeline.joblib": "2"}},
        {"pipeline": ["scale", "trainer"]},
        {"serializer": "skops"},
        {"sha256": {"model": "0", "trainer.joblib": 1}},
    ],
    ids=[
        "serializer",
        "no-serializer",
        "backend",
        "no-backend",
        "versions",
        "no-versions",
        "sha256-list",
        "no-sha256",
        "sha256-missing",
        "sha256-extra",
        "sha256-pipeline-unlisted",
        "pipeline-without-checksum",
        "skops-with-joblib-checksums",
        "digest-not-text",
    ],
)
def test_a_damaged_manifest_is_refused_before_its_signature(tmp_path, update):
    path = write_manifest(tmp_path / "m", {**VALID, **update})
    with pytest.raises(ModelLoadError) as info:
        manifest_of(path, b"the signature is not checked first")
    assert str(info.value) == (
        f"{path} has a damaged manifest.json (its serializer, backend, versions or "
        "checksums are missing or wrong). Restore the file from a backup or save "
        "the model again."
    )


def test_the_manifest_is_read_up_to_one_mib(tmp_path):
    text = json.dumps(VALID)
    padded = text[:-1] + " " * (MAX_MANIFEST_BYTES - len(text)) + "}"
    path = write_manifest(tmp_path / "m", raw=padded)
    assert manifest_of(path) == {**VALID, "signed": False}
    path = write_manifest(tmp_path / "m", raw=padded[:-1] + " }")
    with pytest.raises(ModelLoadError) as info:
        manifest_of(path)
    assert str(info.value) == (
        f"{path}: its 'manifest.json' member would expand to "
        f"{MAX_MANIFEST_BYTES + 1} bytes, more than the {MAX_MANIFEST_BYTES} bytes "
        "a load reads. If you trust the file and expect a model that large, pass a "
        "larger manifest (it cannot be raised)."
    )


@pytest.mark.parametrize(
    "trusted, names",
    [
        (None, []),
        ("sklearn.tree._tree.Tree", ["sklearn.tree._tree.Tree"]),
        (["a.B", "c.D"], ["a.B", "c.D"]),
        (("a.B",), ["a.B"]),
        ({"a.B": None}.keys(), ["a.B"]),
        ([], []),
    ],
    ids=["none", "one-string", "list", "tuple", "keys", "empty"],
)
def test_trusted_is_a_list_of_names(trusted, names):
    result = persistence._trusted_names(trusted)
    assert result == names and type(result) is list


@pytest.mark.parametrize("trusted", [[3], ["a.B", None], 5, b"a.B"])
def test_trusted_must_hold_names(trusted):
    with pytest.raises(TypeError) as info:
        persistence._trusted_names(trusted)
    assert str(info.value) == (
        "trusted must be a list of type names such as ['sklearn.tree._tree.Tree']. "
        f"Got {trusted!r} instead."
    )


def test_the_recorded_backend_must_be_registered():
    assert persistence._registered_backend({"backend": "sklearn"}, "m") is (
        registry.get_backend("sklearn")
    )
    with pytest.raises(ModelLoadError) as info:
        persistence._registered_backend({"backend": "nowhere"}, "m")
    assert str(info.value) == (
        "m was trained with backend 'nowhere', which is not registered in this "
        "process. Install the package that provides it (it registers through the "
        "'easy_mlops.backends' entry point) or call "
        "ModelTrainer.register_backend(YourBackend) before loading. Registered "
        f"backends: {', '.join(registry.available_backends())}."
    )


def test_a_skops_round_trip_restores_the_preprocessing_of_a_raw_table(tmp_path):
    # The backend's preprocessing, not the record's reason string, is what
    # prediction checks: a skops load must restore it, so raw columns given
    # in another order are matched by name, as before saving.
    pytest.importorskip("skops")
    from skops.io import get_untrusted_types

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "city": rng.choice(["Paris", "Lyon", "Nice"], size=90),
            "rooms": rng.integers(1, 6, size=90),
            "area": rng.normal(60, 15, size=90).round(1),
        }
    )
    y = X["area"] * 100 + X["rooms"] * 50 + rng.normal(0, 10, size=90)
    trainer = ModelTrainer(model_type="linear_regression", cv_folds=0, test_size=0).fit(
        X, y
    )
    assert trainer.backend_.preprocessing.kind == "skrub"
    path = trainer.save_model(tmp_path / "raw.skops", format="skops")
    with zipfile.ZipFile(path) as archive:
        untrusted = get_untrusted_types(data=archive.read("model"))
    loaded = load_model(path, trusted=untrusted)
    restored = loaded.backend_.preprocessing
    assert restored is not None and restored.kind == "skrub"
    assert restored.reason == trainer.training_result_.preprocessing
    reordered = X[["area", "city", "rooms"]]
    np.testing.assert_allclose(loaded.predict(reordered), trainer.predict(X))
