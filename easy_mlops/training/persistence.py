"""One self-contained, version-checked file for a fitted ModelTrainer.

An artifact is a ZIP archive holding ``manifest.json`` — what the model is,
how it was trained, the library versions, a SHA-256 of every other member —
and the payload: the model as the backend's ``save_model`` hook wrote it, and
the trainer's fitted state.  ``format="joblib"`` (default) pickles that state;
``format="skops"`` stores it as JSON and the model with skops, so loading
runs no pickle and only trusted types are rebuilt.

Saving is atomic: the archive is written to a temporary file beside the
target, flushed to disk, then renamed over it.
"""

# License: BSD 3 clause

import functools
import hashlib
import io
import json
import os
import pickle
import platform
import stat
import tempfile
import warnings
import zipfile
import zlib
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path

import joblib
import numpy as np

from .exceptions import ModelLoadError, ModelSaveError, VersionMismatchWarning
from .label_encoding import unwrap

__all__ = ["ARTIFACT_FORMAT_VERSION", "inspect_model", "load_model", "save_model"]

#: Version of the artifact layout this release writes and the newest it reads.
ARTIFACT_FORMAT_VERSION = 1
_FORMAT_NAME = "easy_mlops.model"
_MANIFEST = "manifest.json"
_MODEL = "model"
_STATE = {"joblib": "trainer.joblib", "skops": "trainer.json"}
_FORMATS = tuple(_STATE)
_LIBRARIES = {
    "easy_mlops": "easy-mlops",
    "scikit-learn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "joblib": "joblib",
}


def save_model(trainer, path, *, format="joblib"):
    """Write a fitted trainer to one file; see ``ModelTrainer.save_model``."""
    from sklearn.utils.validation import check_is_fitted

    if format not in _FORMATS:
        raise ValueError(
            f"format must be one of {list(_FORMATS)}. Got {format!r} instead."
        )
    check_is_fitted(trainer)
    path = Path(path)
    if path.is_dir():
        raise ModelSaveError(f"Cannot save the model to {path}: it is a directory.")
    backend = trainer.backend_
    config_record = _config_record(backend.config)
    members = {}
    if format == "skops":
        members[_MODEL] = _skops_dumps(trainer.training_result_.model, backend)
        members[_STATE["skops"]] = _state_json(trainer)
    else:
        members[_MODEL] = _backend_payload(backend, trainer.training_result_.model)
        members[_STATE["joblib"]] = _trainer_pickle(trainer)
    manifest = _manifest(trainer, format, config_record, members)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, _zip(manifest, members))
    return path


def load_model(path, *, trusted=None):
    """Read a fitted ModelTrainer written by ``save_model``.

    Parameters
    ----------
    path : str or path-like
        The artifact.
    trusted : list of str, default=None
        For ``format="skops"`` artifacts: types to trust besides skops'
        defaults, after you have reviewed them (the error for an untrusted
        type lists them).

    Returns
    -------
    trainer : ModelTrainer
        Fitted, with the backend recorded in the artifact; ``manifest_``
        holds the manifest.

    Raises
    ------
    ModelLoadError
        The path is not a file, the file is truncated, corrupted, not an
        easy_mlops artifact or from a newer format, or its backend is not
        registered; the message names the path and what to do.
    """
    path = Path(path)
    with _open_artifact(path) as archive:
        manifest = _read_manifest(archive, path)
        members = {
            name: _read_member(archive, path, name) for name in manifest["sha256"]
        }
    for name, digest in manifest["sha256"].items():
        if hashlib.sha256(members[name]).hexdigest() != digest:
            raise ModelLoadError(
                f"{path} is corrupted: the checksum of its {name!r} member does "
                "not match the manifest. Restore the file from a backup or save "
                "the model again."
            )
    backend_class = _registered_backend(manifest, path)
    warn_on_version_changes(manifest["versions"], f"the model at {path}")
    if manifest["serializer"] == "skops":
        trainer = _trainer_from_json(members[_STATE["skops"]], backend_class)
        model = _skops_loads(members[_MODEL], trusted, path)
    else:
        trainer = _unpickle(members[_STATE["joblib"]], path)
        model = _backend_load(trainer.backend_, members[_MODEL], path)
    trainer.training_result_.model = model
    trainer.manifest_ = manifest
    return trainer


def inspect_model(path):
    """Read the manifest of a saved model without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        The artifact.

    Returns
    -------
    manifest : dict
        Format version, library versions, backend, model type, problem type,
        classes, feature names, metrics, resolved config (callables by import
        path), creation time and checksums.

    Raises
    ------
    ModelLoadError
        As :func:`load_model`, for problems found in the manifest.
    """
    path = Path(path)
    with _open_artifact(path) as archive:
        return _read_manifest(archive, path)


def library_versions(model=None):
    """Installed versions of the libraries a model depends on."""
    versions = {name: _installed(dist) for name, dist in _LIBRARIES.items()}
    versions["python"] = platform.python_version()
    if model is not None:
        framework = _framework_distribution(model)
        if framework and framework not in versions:
            versions[framework] = _installed(framework)
    return versions


# -- saving -------------------------------------------------------------------


def _config_record(config):
    """The resolved config as JSON: callables by import path.

    Raises ModelSaveError naming the key whose value cannot be pickled, so
    that a lambda in the config fails here and not as a bare PicklingError.
    """
    record = {}
    for key, value in config.items():
        try:
            pickle.dumps(value)
        except Exception as exc:
            raise ModelSaveError(
                f"Cannot save: the config key {key!r} holds {value!r}, which cannot "
                f"be pickled ({type(exc).__name__}: {exc}). Define it as a function "
                "at module level and pass that function instead of a lambda or a "
                "nested function."
            ) from None
        record[key] = _json_value(value)
    return record


def _json_value(value):
    if callable(value):
        module = getattr(value, "__module__", "?")
        return f"{module}:{getattr(value, '__qualname__', repr(value))}"
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _backend_payload(backend, model):
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / _MODEL
        try:
            backend.save_model(model, target)
        except Exception as exc:
            raise ModelSaveError(
                f"Backend {backend.name!r} could not save the model: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not target.is_file():
            raise ModelSaveError(
                f"Backend {backend.name!r} did not write the model file it was "
                f"given ({target}); its save_model hook (or save_fn) must write "
                "exactly that path."
            )
        return target.read_bytes()


def _trainer_pickle(trainer):
    # The state, not the trainer: the manifest already records the versions
    # that the trainer's own pickling would add.
    detached = (type(trainer), vars(_without_model(trainer)))
    buffer = io.BytesIO()
    try:
        joblib.dump(detached, buffer)
    except Exception as exc:
        raise ModelSaveError(
            f"Cannot pickle the trainer's fitted state: {type(exc).__name__}: {exc}"
        ) from exc
    return buffer.getvalue()


def _without_model(trainer):
    """A shallow copy of the trainer whose result holds no model."""
    from dataclasses import replace

    detached = object.__new__(type(trainer))
    detached.__dict__.update(vars(trainer))
    detached.training_result_ = replace(trainer.training_result_, model=None)
    detached.__dict__.pop("manifest_", None)
    return detached


def _state_json(trainer):
    params = trainer.get_params(deep=False)
    state = {
        "params": params,
        "config": trainer.backend_.config,
        "result": trainer.training_result_.to_dict(),
        "n_features_in_": getattr(trainer, "n_features_in_", None),
        "feature_names_in_": _json_list(getattr(trainer, "feature_names_in_", None)),
    }
    try:
        return json.dumps(state, allow_nan=True).encode()
    except TypeError as exc:
        raise ModelSaveError(
            "format='skops' stores the trainer's settings as JSON, and they hold a "
            f"value JSON cannot represent ({exc}). Use format='joblib'."
        ) from None


def _json_list(values):
    return None if values is None else [_json_value(v) for v in values]


def _skops_dumps(model, backend):
    if not backend.validates_input:
        raise ModelSaveError(
            f"format='skops' stores scikit-learn-family models; backend "
            f"{backend.name!r} trains other models. Use format='joblib'."
        )
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            "format='skops' needs the optional package 'skops'. Install it with: "
            'pip install "easy-mlops[secure]"'
        ) from None
    return skops.io.dumps(model)


def _manifest(trainer, serializer, config_record, members):
    result = trainer.training_result_
    feature_names = getattr(trainer, "feature_names_in_", None)
    return {
        "format": _FORMAT_NAME,
        "format_version": ARTIFACT_FORMAT_VERSION,
        "serializer": serializer,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(result.model),
        "backend": trainer.backend_.name,
        "model_type": result.model_type,
        "model_name": result.model_name,
        "problem_type": result.problem_type,
        "classes": _json_list(result.classes),
        "feature_names": _json_list(feature_names),
        "n_features": getattr(trainer, "n_features_in_", None),
        "metrics": result.to_dict()["metrics"],
        "config": config_record,
        "sha256": {
            name: hashlib.sha256(data).hexdigest() for name, data in members.items()
        },
    }


def _zip(manifest, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=2, allow_nan=True))
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _atomic_write(path, data):
    """Write ``data`` to ``path`` so that the old file survives any failure."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        # mkstemp makes the file private (0600); give it the mode of the file
        # it replaces, or what the umask gives a new file.
        os.fchmod(descriptor, _mode_for(path))
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path):
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# -- loading ------------------------------------------------------------------


def _open_artifact(path):
    if not path.exists():
        raise ModelLoadError(f"No model file at {path}: the path does not exist.")
    if not path.is_file():
        raise ModelLoadError(f"Cannot load a model from {path}: it is not a file.")
    if path.stat().st_size == 0:
        raise ModelLoadError(f"Cannot load a model from {path}: the file is empty.")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ModelLoadError(_not_an_artifact(path)) from None


def _not_an_artifact(path):
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        return (
            f"{path} is truncated or corrupted: it starts like an easy_mlops model "
            "but cannot be read. Restore it from a backup or save the model again."
        )
    if head[:1] == b"\x80":
        return (
            f"{path} is a bare pickle/joblib file, not an easy_mlops model artifact "
            "(models of make-mlops-easy 0.4 were saved that way). Unpickling runs "
            "code, so easy_mlops does not load it; if you trust the file, train "
            "again or load the estimator with joblib.load yourself, then save a new "
            "artifact with ModelTrainer.save_model."
        )
    return (
        f"{path} is not an easy_mlops model artifact (expected a file written by "
        "ModelTrainer.save_model)."
    )


def _read_member(archive, path, name):
    try:
        return archive.read(name)
    except KeyError:
        raise ModelLoadError(
            f"{path} is incomplete: it lacks the {name!r} member its manifest lists."
        ) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise ModelLoadError(
            f"{path} is truncated or corrupted ({exc}). Restore it from a backup "
            "or save the model again."
        ) from None


def _read_manifest(archive, path):
    raw = (
        _read_member(archive, path, _MANIFEST)
        if _MANIFEST in archive.namelist()
        else None
    )
    try:
        manifest = json.loads(raw) if raw is not None else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT_NAME:
        raise ModelLoadError(
            f"{path} is not an easy_mlops model artifact: it has no valid {_MANIFEST}."
        )
    written = manifest.get("format_version")
    if not isinstance(written, int) or written > ARTIFACT_FORMAT_VERSION:
        raise ModelLoadError(
            f"{path} was written in artifact format {written!r} by a newer "
            f"easy_mlops; this one reads formats up to {ARTIFACT_FORMAT_VERSION}. "
            "Upgrade easy_mlops (pip install -U easy-mlops) to load it."
        )
    serializer = manifest.get("serializer")
    checksums = manifest.get("sha256")
    if (
        serializer not in _FORMATS
        or not isinstance(manifest.get("backend"), str)
        or not isinstance(manifest.get("versions"), dict)
        or not isinstance(checksums, dict)
        or set(checksums) != {_MODEL, _STATE[serializer]}
    ):
        raise ModelLoadError(
            f"{path} has a damaged manifest.json (its serializer, backend, versions "
            "or checksums are missing or wrong). Restore the file from a backup or "
            "save the model again."
        )
    return manifest


def _registered_backend(manifest, path):
    from . import registry

    name = manifest["backend"]
    if name not in registry.available_backends():
        raise ModelLoadError(
            f"{path} was trained with backend {name!r}, which is not registered in "
            "this process. Install the package that provides it (it registers "
            "through the 'easy_mlops.backends' entry point) or call "
            "ModelTrainer.register_backend(YourBackend) before loading. "
            f"Registered backends: {', '.join(registry.available_backends())}."
        )
    return registry.get_backend(name)


def _unpickle(data, path):
    try:
        cls, state = joblib.load(io.BytesIO(data))
        trainer = object.__new__(cls)
        trainer.__dict__.update(state)
        return trainer
    except Exception as exc:
        raise ModelLoadError(
            f"Cannot rebuild the trainer stored in {path}: {type(exc).__name__}: "
            f"{exc}. If it names a module or function, make it importable (the "
            "functions of a callable backend must be importable where the model is "
            "loaded)."
        ) from None


def _backend_load(backend, data, path):
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / _MODEL
        target.write_bytes(data)
        try:
            return backend.load_model(target)
        except Exception as exc:
            raise ModelLoadError(
                f"Backend {backend.name!r} could not load the model stored in "
                f"{path}: {type(exc).__name__}: {exc}"
            ) from None


def _trainer_from_json(data, backend_class):
    from .result import TrainingRunResult
    from .trainer import ModelTrainer

    state = json.loads(data)
    trainer = ModelTrainer(**state["params"])
    result = dict(state["result"])
    if result["classes"] is not None:
        result["classes"] = np.asarray(result["classes"])
    result["cv_scores"] = [np.nan if s is None else s for s in result["cv_scores"]]
    trainer.training_result_ = TrainingRunResult(model=None, **result)
    trainer.problem_type_ = result["problem_type"]
    trainer.backend_ = backend_class(state["config"])
    if result["classes"] is not None:
        trainer.classes_ = result["classes"]
    if state["n_features_in_"] is not None:
        trainer.n_features_in_ = state["n_features_in_"]
    if state["feature_names_in_"] is not None:
        trainer.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
    return trainer


def _skops_loads(data, trusted, path):
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            f"{path} was saved with format='skops', which needs the optional "
            "package 'skops'. Install it with: pip install \"easy-mlops[secure]\""
        ) from None
    untrusted = [
        t
        for t in skops.io.get_untrusted_types(data=data)
        if t not in set(trusted or ())
    ]
    if untrusted:
        raise ModelLoadError(
            f"{path} contains types that are not trusted by default: {untrusted}. "
            "Review them; if you trust them, load with "
            f"load_model(path, trusted={untrusted!r})."
        )
    return skops.io.loads(data, trusted=list(trusted or ()) or None)


# -- versions -----------------------------------------------------------------


def _installed(distribution):
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _framework_distribution(model):
    module = type(unwrap(model)).__module__.split(".")[0]
    if module == "sklearn":
        return "scikit-learn"
    if _installed(module) is not None:
        return module
    distributions = _distributions_of_modules().get(module)
    return distributions[0] if distributions else None


@functools.cache
def _distributions_of_modules():
    # Scanning the installed distributions takes a quarter of a second; the
    # answer does not change within a process.
    return packages_distributions()


def warn_on_version_changes(recorded, what):
    """Warn, naming each package, where ``recorded`` versions differ from ours."""
    if not isinstance(recorded, dict):
        return
    installed = library_versions()
    changed = []
    for package, saved in recorded.items():
        now = installed.get(package)
        if now is None and package not in installed:
            now = _installed(package)
        if saved != now:
            changed.append(f"{package} {saved} (saved) vs {now} (installed)")
    if changed:
        warnings.warn(
            f"{what} was saved with other library versions: {'; '.join(changed)}. "
            "Predictions may differ or fail; re-save it with the installed versions "
            "once you have checked it.",
            VersionMismatchWarning,
            stacklevel=3,
        )
