"""Saving and loading: one version-checked file, atomic saves, clear load errors."""

import io
import json
import os
import pickle
import zipfile

import joblib
import numpy as np
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
    registry,
)
from easy_mlops.training.persistence import ARTIFACT_FORMAT_VERSION

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


def test_a_failing_save_keeps_the_old_file(tmp_path, saved, regression_data):
    before = saved.read_bytes()
    bad = ModelTrainer({**CALLABLE, "transform": lambda value: value}).fit(
        *regression_data
    )
    with pytest.raises(
        ModelSaveError, match="config key 'transform'.*cannot be pickled"
    ):
        bad.save_model(saved)
    assert saved.read_bytes() == before
    assert load_model(saved).predict is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.emlops"]


def test_a_crash_while_replacing_keeps_the_old_file(
    tmp_path, saved, fitted, monkeypatch
):
    before = saved.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        fitted.save_model(saved)
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


def test_skops_refuses_untrusted_types_until_trusted(tmp_path, classification_data):
    pytest.importorskip("skops")
    pytest.importorskip("lightgbm")
    trainer = ModelTrainer(
        {"backend": "lightgbm", "model_params": {"n_estimators": 3}}, cv_folds=0
    ).fit(*classification_data)
    path = trainer.save_model(tmp_path / "m.skops", format="skops")
    with pytest.raises(
        ModelLoadError, match="not trusted by default.*LGBMClassifier.*trusted="
    ):
        load_model(path)
    from skops.io import get_untrusted_types

    with zipfile.ZipFile(path) as archive:
        untrusted = get_untrusted_types(data=archive.read("model"))
    loaded = load_model(path, trusted=untrusted)
    np.testing.assert_array_equal(
        loaded.predict(classification_data[0]), trainer.predict(classification_data[0])
    )


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


def test_every_single_byte_flip_is_a_model_load_error(saved):
    original = saved.read_bytes()
    for offset in range(0, len(original), max(1, len(original) // 60)):
        damaged = bytearray(original)
        damaged[offset] ^= 0xFF
        saved.write_bytes(bytes(damaged))
        try:
            load_model(saved)
        except ModelLoadError:
            pass


def test_version_mismatch_warns_once_per_load(saved):
    _rewrite(saved, {"versions": {"numpy": "0.0.1"}})
    with pytest.warns(VersionMismatchWarning) as record:
        load_model(saved)
    assert len([w for w in record if w.category is VersionMismatchWarning]) == 1
