"""What easy_mlops defends against, one test per defence.

Read top to bottom, this module is the list:

1. A pickle-free load cannot be downgraded: with ``secure=True`` no member
   that would be unpickled is read, whatever the file's manifest says.
2. Signed artifacts: with a key, a file that is unsigned, signed with another
   key or changed after signing is refused before anything is unpickled.
3. Bounded reading: archive members are checked against their declared size
   and a limit before they are read, and read in a stream that stops there;
   zip bombs are refused with little memory used.
4. Bounded YAML: aliases cannot multiply work, nesting is limited, and
   neither runs code.
5. Old bare pickles (make-mlops-easy 0.4) are never unpickled.
6. MLflow models follow the same rule: with ``secure`` or a signing key, a
   ``runs:/`` or ``models:/`` URI loads the easy_mlops file its run holds,
   with the same checks, and never the pickle MLflow's flavour stores; the
   command line says when a load is about to unpickle.
7. The pickle-free format trusts a reviewed list of the types the package
   builds its models from (scikit-learn, skrub, NumPy, SciPy, pandas,
   XGBoost, LightGBM), named one by one; any other type must be passed as
   ``trusted``.
8. No command overwrites what it reads: an output that is the data, the
   model or the config (by any path: ``./``, ``..``, symbolic or hard
   links) is refused before any work, and predictions replace their file
   only once complete.
9. Bounded input files: a device that never ends (``/dev/zero``) is refused
   as data and as a config, a pipe is read once and only up to a limit, and
   a config of 200,000 keys is refused after its first 10,000 values.

Each attack uses a real malicious pickle whose ``__reduce__`` creates a
marker file: a test asserts the marker does not appear, and a control test
shows the same payload does run when the defence is not asked for, so the
payload is known to be live.
"""

import hashlib
import importlib.util
import json
import os
import pickle
import subprocess
import sys
import tracemalloc
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

from easy_mlops import ModelTrainer
from easy_mlops.config import ConfigError, load_config
from easy_mlops.training import ModelLoadError, inspect_model, load_model
from easy_mlops.training.persistence import (
    DEFAULT_MAX_MEMBER_BYTES,
    MAX_MANIFEST_BYTES,
    SIGNING_KEY_VARIABLE,
)

KEY = "correct horse battery staple"
# Peak Python memory a refused bomb may cost: far below the bombs' sizes.
SMALL = 16 << 20


class Payload:
    """Unpickling this creates ``marker``: it stands for any attacker's code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture(autouse=True)
def no_signing_key_from_the_environment(monkeypatch):
    monkeypatch.delenv(SIGNING_KEY_VARIABLE, raising=False)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.fixture(scope="module")
def linear(data):
    return ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(*data)


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "the-payload-ran"


def members_of(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def forge(path, members, manifest_update=(), drop=()):
    """Rewrite an artifact as an attacker would: new members, checksums fixed."""
    original = members_of(path)
    manifest = json.loads(original.pop("manifest.json"))
    manifest.update(dict(manifest_update))
    for name in drop:
        original.pop(name)
    original.update(members)
    manifest["sha256"] = {
        name: hashlib.sha256(data).hexdigest() for name, data in original.items()
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in original.items():
            archive.writestr(name, data)
    return path


# -- 1. a secure load cannot be downgraded ---------------------------------------------


def test_control_a_joblib_artifact_runs_code_when_loaded(tmp_path, linear, marker):
    """Why ``secure`` exists: loading a joblib-format file unpickles it."""
    path = linear.save_model(tmp_path / "m")
    forge(path, {"trainer.joblib": pickle.dumps(Payload(marker))})
    with pytest.raises(ModelLoadError):
        load_model(path)
    assert marker.exists()


def test_secure_refuses_a_joblib_artifact_before_reading_it(tmp_path, linear, marker):
    path = linear.save_model(tmp_path / "m")
    forge(path, {"trainer.joblib": pickle.dumps(Payload(marker))})
    with pytest.raises(ModelLoadError, match="secure=True loads only format='skops'"):
        load_model(path, secure=True)
    with pytest.raises(ModelLoadError, match="secure=True"):
        ModelTrainer().load_model(path, secure=True)
    assert not marker.exists()


@pytest.fixture
def skops_file(tmp_path, linear):
    pytest.importorskip("skops")
    return linear.save_model(tmp_path / "m.skops", format="skops")


def test_secure_refuses_a_downgraded_skops_file(skops_file, marker):
    """The attack of the issue: a .skops file whose JSON state was swapped for
    a pickle, its manifest edited to say joblib and its checksums fixed."""
    forge(
        skops_file,
        {"trainer.joblib": pickle.dumps(Payload(marker))},
        manifest_update={"serializer": "joblib"},
        drop=["trainer.json"],
    )
    with pytest.raises(ModelLoadError, match="format='joblib'.*secure=True"):
        load_model(skops_file, secure=True)
    assert not marker.exists()


@pytest.mark.parametrize("member", ["model", "trainer.json"])
def test_secure_never_unpickles_a_member_even_under_a_skops_manifest(
    skops_file, marker, member
):
    forge(skops_file, {member: pickle.dumps(Payload(marker))})
    with pytest.raises(ModelLoadError, match="damaged"):
        load_model(skops_file, secure=True)
    with pytest.raises(ModelLoadError, match="damaged"):
        load_model(skops_file)  # a skops manifest alone also means no pickle
    assert not marker.exists()


def test_secure_loads_a_genuine_skops_file(skops_file, linear, data):
    loaded = load_model(skops_file, secure=True)
    np.testing.assert_array_equal(loaded.predict(data[0]), linear.predict(data[0]))


# -- 2. signed artifacts ---------------------------------------------------------------


def test_signed_round_trip(tmp_path, linear, data):
    path = linear.save_model(tmp_path / "m", signing_key=KEY)
    manifest = inspect_model(path, signing_key=KEY)
    assert manifest["signed"] is True
    assert manifest["signature"].startswith("hmac-sha256:")
    loaded = load_model(path, signing_key=KEY)
    np.testing.assert_array_equal(loaded.predict(data[0]), linear.predict(data[0]))
    assert inspect_model(linear.save_model(tmp_path / "u"))["signed"] is False


def test_a_tampered_signed_file_is_refused_before_unpickling(tmp_path, linear, marker):
    path = linear.save_model(tmp_path / "m", signing_key=KEY)
    forge(path, {"trainer.joblib": pickle.dumps(Payload(marker))})
    with pytest.raises(ModelLoadError, match="signature that does not match"):
        load_model(path, signing_key=KEY)
    assert not marker.exists()


def test_any_change_to_a_signed_manifest_breaks_the_signature(tmp_path, linear):
    path = linear.save_model(tmp_path / "m", signing_key=KEY)
    forge(path, {}, manifest_update={"metrics": {"accuracy": 1.0}})
    with pytest.raises(ModelLoadError, match="signature that does not match"):
        inspect_model(path, signing_key=KEY)


def test_an_unsigned_file_is_refused_with_a_key(tmp_path, linear, marker):
    path = linear.save_model(tmp_path / "m")
    forge(path, {"trainer.joblib": pickle.dumps(Payload(marker))})
    with pytest.raises(ModelLoadError, match="is not signed"):
        load_model(path, signing_key=KEY)
    assert not marker.exists()


def test_a_file_signed_with_another_key_is_refused(tmp_path, linear):
    path = linear.save_model(tmp_path / "m", signing_key=b"another key")
    with pytest.raises(ModelLoadError, match="signed with another key"):
        load_model(path, signing_key=KEY)


def test_the_key_comes_from_the_environment(tmp_path, linear, marker, monkeypatch):
    monkeypatch.setenv(SIGNING_KEY_VARIABLE, KEY)
    signed = linear.save_model(tmp_path / "signed")
    assert inspect_model(signed, signing_key=KEY)["signed"]
    load_model(signed)
    unsigned = tmp_path / "unsigned"
    monkeypatch.delenv(SIGNING_KEY_VARIABLE)
    forge(
        linear.save_model(unsigned), {"trainer.joblib": pickle.dumps(Payload(marker))}
    )
    monkeypatch.setenv(SIGNING_KEY_VARIABLE, KEY)
    with pytest.raises(ModelLoadError, match="EASY_MLOPS_SIGNING_KEY"):
        load_model(unsigned)
    assert not marker.exists()


@pytest.mark.parametrize(
    "key, error", [("", ValueError), (b"", ValueError), (42, TypeError)]
)
def test_an_unusable_key_is_refused(tmp_path, linear, key, error):
    with pytest.raises(error, match="signing_key"):
        linear.save_model(tmp_path / "m", signing_key=key)
    assert not (tmp_path / "m").exists()


# -- 3. bounded reading: zip bombs -----------------------------------------------------


def write_filler(archive, name, n_bytes, filler=b"\0", prefix=b"", suffix=b""):
    """Stream ``n_bytes`` of ``filler`` into a member without holding them."""
    chunk = filler * (1 << 20)
    with archive.open(name, "w") as member:
        member.write(prefix)
        for _ in range(n_bytes >> 20):
            member.write(chunk)
        member.write(suffix)


def peak_memory(function, *args, **kwargs):
    """Run ``function``; return the exception it raised and the peak memory."""
    tracemalloc.start()
    try:
        function(*args, **kwargs)
    except Exception as exc:
        raised = exc
    else:
        raised = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return raised, peak


def test_inspect_model_refuses_a_manifest_bomb_with_little_memory(tmp_path):
    path = tmp_path / "bomb"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        write_filler(
            archive,
            "manifest.json",
            256 << 20,
            filler=b" ",
            prefix=b'{"format": "easy_mlops.model", "padding": "',
            suffix=b'"}',
        )
    assert path.stat().st_size < 1 << 20  # 256 MiB packed in under 1 MiB
    error, peak = peak_memory(inspect_model, path)
    assert isinstance(error, ModelLoadError)
    assert f"more than the {MAX_MANIFEST_BYTES} bytes" in str(error)
    assert peak < SMALL


@pytest.fixture
def bomb_of(tmp_path, linear):
    """An artifact whose ``member`` is replaced by ``n_bytes`` of zeros."""

    def make(member, n_bytes):
        path = linear.save_model(tmp_path / "m")
        members = members_of(path)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, payload in members.items():
                if name != member:
                    archive.writestr(name, payload)
            write_filler(archive, member, n_bytes)
        return path

    return make


@pytest.mark.parametrize("member", ["model", "trainer.joblib"])
def test_load_model_refuses_a_member_bomb_with_little_memory(bomb_of, member):
    path = bomb_of(member, 256 << 20)
    error, peak = peak_memory(load_model, path)
    assert isinstance(error, ModelLoadError)
    assert "compression ratio above 200" in str(error)
    assert repr(member) in str(error)
    assert peak < SMALL


def test_members_over_the_size_limit_are_refused_before_reading(tmp_path, linear):
    path = linear.save_model(tmp_path / "m")
    size = len(members_of(path)["trainer.joblib"])
    with pytest.raises(ModelLoadError, match="pass a larger max_member_bytes"):
        load_model(path, max_member_bytes=size - 1)
    assert load_model(path, max_member_bytes=size).manifest_["backend"] == "sklearn"
    assert DEFAULT_MAX_MEMBER_BYTES == 1 << 30


def declare_size(path, name, size):
    """Rewrite the size the central directory declares for member ``name``."""
    with zipfile.ZipFile(path) as archive:
        entry = archive.start_dir
    data = bytearray(path.read_bytes())
    # Central directory entries: 46 fixed bytes, then name, extra, comment.
    while data[entry + 46 : entry + 46 + len(name)] != name.encode():
        lengths = (data[entry + i : entry + i + 2] for i in (28, 30, 32))
        entry += 46 + sum(int.from_bytes(n, "little") for n in lengths)
    data[entry + 24 : entry + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_a_member_that_lies_about_its_size_is_never_expanded(bomb_of):
    """A member declaring 1 KiB whose data expands to 64 MiB."""
    path = bomb_of("trainer.joblib", 64 << 20)
    declare_size(path, "trainer.joblib", 1024)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("trainer.joblib").file_size == 1024
    error, peak = peak_memory(load_model, path)
    assert isinstance(error, ModelLoadError)
    assert "corrupted" in str(error)
    assert peak < SMALL


def test_only_the_compression_easy_mlops_writes_is_read(tmp_path, linear):
    path = linear.save_model(tmp_path / "m")
    members = members_of(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    with pytest.raises(ModelLoadError, match="compressed in a way easy_mlops"):
        load_model(path)


def test_a_member_name_given_twice_is_refused(tmp_path, linear):
    path = linear.save_model(tmp_path / "m")
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("trainer.joblib", b"another")
    with pytest.raises(ModelLoadError, match="holds a member name twice"):
        inspect_model(path)


# -- 4. bounded YAML -------------------------------------------------------------------


def run_load_config(path, timeout=60, measure=True):
    """load_config in a fresh interpreter: a regression hangs there, not here.

    Returns the message and the peak memory (0 unless ``measure``).
    """
    script = (
        "import sys, tracemalloc\n"
        "from easy_mlops.config import ConfigError, load_config\n"
        f"{'tracemalloc.start()' if measure else 'pass'}\n"
        "try:\n"
        "    load_config(sys.argv[1])\n"
        "    print('loaded')\n"
        "except ConfigError as error:\n"
        "    print(error)\n"
        "print(tracemalloc.get_traced_memory()[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    message, peak = done.stdout.strip().rsplit("\n", 1)
    return message, int(peak)


def test_a_yaml_alias_bomb_is_refused_quickly_and_in_little_memory(tmp_path):
    """The issue's file: 9 nested mappings, each with 9 aliases to the level
    below (9**9 values once expanded)."""
    keys = "abcdefghi"
    lines = ["l0: &l0 {" + ", ".join(f"{k}: x" for k in keys) + "}"]
    for level in range(1, 10):
        aliases = ", ".join(f"{k}: *l{level - 1}" for k in keys)
        lines.append(f"l{level}: &l{level} {{{aliases}}}")
    lines.append("training:\n  backend: callable\n  payload: *l9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1000
    message, peak = run_load_config(path)
    assert "expands to more than 100000 values through its aliases" in message
    assert message.startswith(f"{path}, line ")
    assert peak < SMALL


def test_a_yaml_merge_key_bomb_is_refused(tmp_path):
    lines = ["m0: &m0 {k: v}"]
    for level in range(1, 10):
        merged = ", ".join([f"*m{level - 1}"] * 9)
        lines.append(f"m{level}: &m{level}\n  <<: [{merged}]")
    path = tmp_path / "merge.yaml"
    path.write_text("\n".join(lines) + "\n")
    message, peak = run_load_config(path)
    assert "expands to more than 100000 values" in message
    assert peak < SMALL


def test_deep_nesting_is_refused_quickly(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("training:\n  x: " + "[" * 20000 + "]" * 20000 + "\n")
    message, _ = run_load_config(path, timeout=30, measure=False)
    assert "nested more than 50 levels deep" in message


def test_a_yaml_loop_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("training:\n  backend: callable\n  x: &a [1, *a]\n")
    with pytest.raises(ConfigError, match="refers to itself") as info:
        load_config(path)
    assert info.value.line == 3


def test_yaml_python_tags_do_not_run(tmp_path, marker):
    path = tmp_path / "tag.yaml"
    path.write_text(f"training: !!python/object/apply:open ['{marker}', 'w']\n")
    with pytest.raises(ConfigError, match="line 1"):
        load_config(path)
    assert not marker.exists()


# -- 5. bare pickles -------------------------------------------------------------------


def test_a_manifest_listing_thousands_of_versions_is_refused(tmp_path, linear):
    """Each recorded version is looked up and named in a warning: a forged
    list of thousands would cost seconds and a warning of megabytes."""
    path = linear.save_model(tmp_path / "m")
    versions = {f"package{i}": "1.0" for i in range(5000)}
    forge(path, {}, manifest_update={"versions": versions})
    for load in (load_model, inspect_model):
        with pytest.raises(ModelLoadError, match="versions of 5000 packages.*at most"):
            load(path)


def test_a_bare_pickle_is_never_unpickled(tmp_path, marker):
    """make-mlops-easy 0.4 saved bare joblib files; easy_mlops refuses them."""
    path = tmp_path / "old.joblib"
    path.write_bytes(pickle.dumps({"model": Payload(marker), "metadata": {}}))
    for load in (load_model, inspect_model):
        with pytest.raises(ModelLoadError, match="bare pickle/joblib file"):
            load(path)
    assert not marker.exists()


# -- the command line ------------------------------------------------------------------


def test_cli_secure_flag_refuses_a_joblib_file_in_one_line(
    tmp_path, linear, data, marker
):
    path = forge(
        linear.save_model(tmp_path / "m"),
        {"trainer.joblib": pickle.dumps(Payload(marker))},
    )
    table = tmp_path / "x.csv"
    table.write_text("a,b,c\n" + "\n".join(",".join(map(str, r)) for r in data[0]))
    for command in ("predict", "evaluate"):
        done = subprocess.run(
            [sys.executable, "-m", "easy_mlops", command, "--secure", path, table],
            capture_output=True,
            text=True,
            env={**os.environ, SIGNING_KEY_VARIABLE: ""},
        )
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert "secure=True loads only format='skops'" in done.stderr
    assert not marker.exists()


def test_cli_says_when_a_load_unpickles(tmp_path, linear, data):
    table = tmp_path / "x.csv"
    pd.DataFrame(data[0], columns=["a", "b", "c"]).to_csv(table, index=False)
    joblib_file = linear.save_model(tmp_path / "m")
    pytest.importorskip("skops")
    skops_file = linear.save_model(tmp_path / "m.skops", format="skops")
    notes = {}
    for name, path, flags in [
        ("joblib", joblib_file, []),
        ("skops", skops_file, []),
        ("secure", skops_file, ["--secure"]),
    ]:
        done = run_cli("predict", *flags, path, table)
        assert done.returncode == 0, done.stderr
        notes[name] = [line for line in done.stderr.splitlines() if "unpickles" in line]
    assert notes["joblib"] == [
        f"Note: loading {joblib_file} unpickles it, which runs code from it: use "
        "only models you trust, or format='skops' models with --secure."
    ]
    assert notes["skops"] == notes["secure"] == []


def run_cli(*args, env=None, cwd=None):
    environment = {**os.environ, SIGNING_KEY_VARIABLE: "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "easy_mlops", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=300,
    )


# -- 6. MLflow models: the same rule -----------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data):
    """A SQLite store with three runs of one model, each of whose MLflow model
    (the scikit-learn flavour's pickle) an attacker replaced with a payload:
    ``signed`` holds the artifact file signed with KEY (registered as
    ``signed-model``), ``skops`` a pickle-free one, ``bare`` none at all."""
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("skops")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from easy_mlops.tracking import log_run

    folder = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    X = pd.DataFrame(data[0], columns=["a", "b", "c"])
    y = data[1]
    X.assign(y=y).to_csv(folder / "x.csv", index=False)
    trainer = ModelTrainer(model_type="logistic_regression", cv_folds=0).fit(X, y)
    pipeline = make_pipeline(StandardScaler(), ModelTrainer(cv_folds=0)).fit(X, y)
    before = os.getcwd()
    os.chdir(folder)  # a SQLite store keeps its artifacts in ./mlruns
    try:
        ids = {
            "signed": log_run(
                trainer,
                X,
                y,
                tracking_uri=uri,
                artifact=trainer.save_model(
                    folder / "signed.easymlops", signing_key=KEY
                ),
                register_as="signed-model",
            ).run_id,
            "skops": log_run(
                trainer,
                X,
                y,
                tracking_uri=uri,
                artifact=trainer.save_model(folder / "m.skops", format="skops"),
            ).run_id,
            "bare": log_run(pipeline, X, y, tracking_uri=uri).run_id,
        }
    finally:
        os.chdir(before)
    marker = folder / "the-payload-ran"
    pickles = list((folder / "mlruns").rglob("model.pkl"))
    assert len(pickles) == 3
    for path in pickles:
        path.write_bytes(pickle.dumps(Payload(marker)))
    mlflow.set_tracking_uri(None)
    return {
        "folder": folder,
        "uri": uri,
        "ids": ids,
        "marker": marker,
        "expected": [str(v) for v in trainer.predict(X)],
    }


def predict_from_store(runs, *args, key=""):
    return run_cli(
        "predict",
        *args,
        "x.csv",
        cwd=runs["folder"],
        env={"MLFLOW_TRACKING_URI": runs["uri"], SIGNING_KEY_VARIABLE: key},
    )


@pytest.mark.mlflow
def test_control_the_planted_mlflow_model_runs_code_when_loaded(runs):
    """Why the rule matters: a default load unpickles what the store holds."""
    uri = f"runs:/{runs['ids']['skops']}/model"
    done = predict_from_store(runs, uri)
    assert f"Note: loading {uri} unpickles it" in done.stderr
    assert runs["marker"].exists()
    runs["marker"].unlink()


@pytest.mark.mlflow
def test_secure_loads_the_runs_pickle_free_file_not_the_mlflow_model(runs):
    done = predict_from_store(runs, "--secure", f"runs:/{runs['ids']['skops']}/model")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == runs["expected"]
    assert "unpickles" not in done.stderr
    assert not runs["marker"].exists()


@pytest.mark.mlflow
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_secure_refuses_a_run_whose_file_holds_pickles(runs, command):
    run_id = runs["ids"]["signed"]
    done = run_cli(
        command,
        "--secure",
        "models:/signed-model/1",
        "x.csv",
        cwd=runs["folder"],
        env={"MLFLOW_TRACKING_URI": runs["uri"]},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (
        f"runs:/{run_id}/easy_mlops/signed.easymlops was saved with "
        "format='joblib', which holds pickles, and secure=True loads only "
        "format='skops' files"
    ) in done.stderr
    assert not runs["marker"].exists()


@pytest.mark.mlflow
def test_secure_refuses_a_run_without_an_easy_mlops_file(runs):
    from easy_mlops.tracking import load_logged_model

    uri = f"runs:/{runs['ids']['bare']}/model"
    with runs_store(runs):
        with pytest.raises(ModelLoadError, match="holds no single easy_mlops model"):
            load_logged_model(uri, secure=True)
        with pytest.raises(ModelLoadError, match="holds no single easy_mlops model"):
            load_logged_model(uri, signing_key=KEY)
    assert not runs["marker"].exists()


@pytest.mark.mlflow
def test_with_a_key_only_the_runs_signed_file_loads(runs):
    done = predict_from_store(runs, "models:/signed-model/1", key=KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == runs["expected"]
    # The signed file is a joblib one: the load is said to unpickle it.
    assert "unpickles" in done.stderr
    from easy_mlops.tracking import load_logged_model

    signed = f"runs:/{runs['ids']['signed']}/model"
    unsigned = f"runs:/{runs['ids']['skops']}/model"
    with runs_store(runs):
        assert load_logged_model(signed, signing_key=KEY).manifest_["signed"]
        with pytest.raises(ModelLoadError, match="m.skops is not signed, but a"):
            load_logged_model(unsigned, signing_key=KEY)
        with pytest.raises(ModelLoadError, match="signed with another key"):
            load_logged_model(signed, signing_key="another key")
    assert not runs["marker"].exists()


class runs_store:
    """MLFLOW_TRACKING_URI of the ``runs`` store for the block."""

    def __init__(self, runs):
        self.uri = runs["uri"]

    def __enter__(self):
        import mlflow

        mlflow.set_tracking_uri(self.uri)

    def __exit__(self, *exc):
        import mlflow

        mlflow.set_tracking_uri(None)


# -- 7. a reviewed allow-list for the pickle-free format ---------------------------


def raw_table(n=60):
    """Every kind of column the skrub preprocessing encodes, with missing values."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "rooms": rng.integers(0, 9, size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "street": [f"street {i % 45}" for i in range(n)],
            "built": pd.date_range("2020-01-01", periods=n, freq="D"),
            "sold": pd.date_range("2021-01-01", periods=n, freq="h", tz="UTC"),
            "wait": pd.to_timedelta(rng.integers(0, 100, size=n), unit="s"),
            "new": rng.choice([True, False], size=n),
        }
    )
    frame.loc[3, "size"] = np.nan
    frame.loc[5, "colour"] = None
    labels = pd.Series(np.where(frame["size"].fillna(0) > 0, "dear", "cheap"))
    return frame, labels, frame["size"].fillna(0) * 2 + frame["rooms"]


def models_the_package_saves_with_skops():
    """One trainer per estimator of the scikit-learn-family catalogues, with
    the settings that change what the fitted model holds."""
    from easy_mlops.training import registry

    seen = set()
    for backend_name in registry.available_backends():
        backend = registry.get_backend(backend_name)
        if not backend.validates_input:
            continue  # the callable backends cannot use format="skops"
        for model_type, spec in backend.model_types.items():
            for problem, path in zip(
                ("classification", "regression"),
                (spec.classifier, spec.regressor),
                strict=True,
            ):
                if path is None or path in seen:
                    continue
                seen.add(path)
                yield backend_name, model_type, problem, spec, {}
    yield "neural_network", "auto", "regression", None, {"solver": "sgd"}


def few_rounds(spec, problem):
    """``model_params`` that make a boosting or forest estimator tiny."""
    if spec is None:
        return {}
    params = spec.estimator_class(problem)().get_params()
    return {key: 3 for key in ("n_estimators", "max_iter") if key in params}


def test_every_model_the_package_saves_with_skops_loads_securely(tmp_path):
    """Raw tables included: no ``trusted`` needed, and the allow-list names
    nothing these models do not need (for the libraries installed)."""
    pytest.importorskip("skops")
    import skops.io

    from easy_mlops.training.persistence._trusted_types import TRUSTED_TYPES

    X, labels, values = raw_table()
    absent = {
        family
        for family, module in (("XGBoost", "xgboost"), ("LightGBM", "lightgbm"))
        if importlib.util.find_spec(module) is None
    }
    needed = set()
    for i, (backend, model_type, problem, spec, settings) in enumerate(
        models_the_package_saves_with_skops()
    ):
        if spec is not None and spec.extra is not None:
            if importlib.util.find_spec(spec.extra) is None:
                continue
        config = {"backend": backend, "model_type": model_type, "cv_folds": 0}
        config["problem_type"] = problem
        if backend == "neural_network":
            config.update(max_iter=5, hidden_layer_sizes=[4], **settings)
        else:
            config["model_params"] = few_rounds(spec, problem)
        y = labels if problem == "classification" else values
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a 5-iteration network has not converged
            trainer = ModelTrainer(config).fit(X, y)
        path = trainer.save_model(tmp_path / f"{i}.skops", format="skops")
        needed.update(skops.io.get_untrusted_types(data=members_of(path)["model"]))
        loaded = load_model(path, secure=True)
        np.testing.assert_array_equal(loaded.predict(X), trainer.predict(X))
    listed = {
        name
        for family, (_, names) in TRUSTED_TYPES.items()
        if family not in absent
        for name in names
    }
    assert needed <= listed
    assert listed - needed == set(), "names no model needs: remove them"


def test_the_allow_list_names_types_one_by_one_under_their_family():
    from easy_mlops.training.persistence._trusted_types import (
        TRUSTED_TYPES,
        trusted_type_names,
    )

    for family, (prefix, names) in TRUSTED_TYPES.items():
        assert names == tuple(sorted(names)), family
        for name in names:
            assert name.startswith(prefix) and name.count(".") >= 1, name
            assert not name.endswith((".", "*")), name
    names = trusted_type_names()
    assert len(names) == len(set(names))
    # Nothing that runs code or reads files by name.
    for dangerous in ("builtins.eval", "builtins.exec", "os.system", "builtins.open"):
        assert dangerous not in names


def test_cli_predict_secure_loads_a_raw_table_skops_model(tmp_path):
    pytest.importorskip("skops")
    X, labels, _ = raw_table()
    # A CSV keeps no time zone or duration: those columns are tested above.
    X = X.drop(columns=["sold", "wait"])
    trainer = ModelTrainer({"model_params": {"n_estimators": 3}}, cv_folds=0)
    path = trainer.fit(X, labels).save_model(tmp_path / "m.skops", format="skops")
    X.to_csv(tmp_path / "x.csv", index=False)
    done = run_cli("predict", "--secure", path, tmp_path / "x.csv")
    assert done.returncode == 0, done.stderr
    read_back = pd.read_csv(tmp_path / "x.csv")
    assert done.stdout.splitlines()[1:] == list(trainer.predict(read_back))


# -- 8. no command overwrites what it reads -------------------------------------------


def easy_mlops(cwd, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "easy_mlops", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        **kwargs,
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, data):
    """A data file, a config and a model trained on them, in one folder."""
    folder = tmp_path_factory.mktemp("inputs")
    X, y = data
    rows = "\n".join(f"{a},{b},{c},{t}" for (a, b, c), t in zip(X, y, strict=True))
    (folder / "d.csv").write_text("a,b,c,y\n" + rows + "\n")
    (folder / "c.yaml").write_text(
        "training:\n  cv_folds: 0\n  model_type: logistic_regression\n"
    )
    done = easy_mlops(folder, "train", "d.csv", "-c", "c.yaml", "-o", "m.easymlops")
    assert done.returncode == 0, done.stderr
    (folder / "link.csv").symlink_to("d.csv")
    os.link(folder / "d.csv", folder / "hard.csv")
    (folder / "report").mkdir()
    os.link(folder / "d.csv", folder / "report" / "index.html")
    return folder


def digests(folder):
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.iterdir()
        if path.is_file()
    }


@pytest.mark.parametrize(
    "args, output, source",
    [
        (("train", "d.csv", "-o", "d.csv"), "--output d.csv", "DATA d.csv"),
        (("train", "d.csv", "-o", "./sub/../d.csv"), "--output", "DATA d.csv"),
        (("train", "d.csv", "-o", "link.csv"), "--output link.csv", "DATA d.csv"),
        (("train", "d.csv", "-o", "hard.csv"), "--output hard.csv", "DATA d.csv"),
        (
            ("train", "d.csv", "-c", "c.yaml", "-o", "c.yaml"),
            "--output c.yaml",
            "--config c.yaml",
        ),
        (
            ("train", "d.csv", "-o", "x.easymlops", "--report", "report"),
            "--report report/index.html",
            "DATA d.csv",
        ),
        (
            ("predict", "m.easymlops", "d.csv", "-o", "m.easymlops"),
            "--output m.easymlops",
            "MODEL m.easymlops",
        ),
        (("predict", "m.easymlops", "d.csv", "-o", "link.csv"), "--output", "DATA"),
    ],
    ids=[
        "train-data",
        "dot-dot",
        "symlink",
        "hard-link",
        "config",
        "report",
        "predict-model",
        "predict-data",
    ],
)
def test_no_command_writes_over_what_it_reads(inputs, args, output, source):
    before = digests(inputs)
    done = easy_mlops(inputs, *args)
    assert done.returncode == 2
    error = done.stderr.splitlines()[0]
    assert output in error and source in error and "same file" in error
    assert "Training on" not in done.stdout
    assert digests(inputs) == before


def test_predictions_replace_their_file_only_once_complete(tmp_path):
    """An interruption while writing leaves the old file, and no scratch file."""
    from easy_mlops.cli._data import write_atomically

    path = tmp_path / "predictions.csv"
    path.write_text("prediction\nold\n")

    def interrupted(file):
        file.write("prediction\nnew\n")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, interrupted)
    assert path.read_text() == "prediction\nold\n"
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.csv"]
    write_atomically(path, lambda file: file.write("prediction\nnew\n"))
    assert path.read_text() == "prediction\nnew\n"
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.csv"]


# -- 9. bounded input files -----------------------------------------------------------


def test_a_device_is_refused_as_data_and_as_a_config(inputs, tmp_path):
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    done = easy_mlops(tmp_path, "train", "zero.csv", timeout=120)
    assert done.returncode == 2
    assert "zero.csv is not a regular file (a device" in done.stderr
    done = easy_mlops(
        tmp_path, "train", str(inputs / "d.csv"), "-c", "/dev/zero", timeout=120
    )
    assert done.returncode == 2
    assert "/dev/zero: the file is larger than 1 MiB" in done.stderr


def test_a_pipe_is_read_once_and_only_up_to_a_limit(tmp_path, monkeypatch):
    import threading

    from easy_mlops.cli import _tables

    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)

    def write(text, repeat=1):
        with open(fifo, "w") as file:
            for _ in range(repeat):
                file.write(text)

    # A pipe that ends is read (once, though a CSV is parsed in two passes).
    writer = threading.Thread(target=write, args=("a,y\n1,x\n2,z\n",))
    writer.start()
    table = _tables.read_table(fifo)
    writer.join()
    assert table.frame.to_dict("list") == {"a": [1, 2], "y": ["x", "z"]}
    # One that sends more than the limit is refused, not read to the end.
    monkeypatch.setattr(_tables, "MAX_STREAM_BYTES", 1000)
    writer = threading.Thread(target=write, args=("1,x\n", 10_000), daemon=True)
    writer.start()
    with pytest.raises(_tables.DataError, match="pipe that sent more than"):
        _tables.read_table(fifo)


def test_a_config_of_200000_keys_is_refused_for_its_size(tmp_path):
    keys = "".join(f"k{i}: {i}\n" for i in range(200_000))
    small = tmp_path / "small.yaml"  # under the byte limit: refused while read
    small.write_text("training:\n  backend: callable\n" + keys[:900_000])
    message, peak = run_load_config(small, timeout=60)
    assert "more than 10000 keys and values" in message
    assert "aliases" not in message
    assert peak < SMALL
    large = tmp_path / "large.yaml"
    large.write_text("training:\n  backend: callable\n" + keys)
    message, _ = run_load_config(large, timeout=60)
    assert "the file is larger than 1 MiB" in message
