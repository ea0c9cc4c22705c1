"""One self-contained, version-checked file for a fitted ModelTrainer.

An artifact is a ZIP archive holding ``manifest.json`` — what the model is,
how it was trained, the library versions, a SHA-256 of every other member,
and optionally an HMAC-SHA256 signature — and the payload: the model as the
backend's ``save_model`` hook wrote it, and the trainer's fitted state.
``format="joblib"`` (default) pickles that state, so loading it runs code
from the file like any pickle; ``format="skops"`` stores it as JSON and the
model with skops, so loading runs no pickle and only trusted types are
rebuilt.  ``load_model(..., secure=True)`` loads the second kind only,
whatever the file's manifest says.

Saving is atomic: the archive is written to a temporary file beside the
target, flushed to disk, then renamed over it.  How the archive is read and
written without trusting the file lives in :mod:`._archive`.
"""

# License: BSD 3 clause

import hashlib
import io
import json
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import joblib

from .. import registry
from .._storage import register_storage
from ..exceptions import ModelLoadError, ModelSaveError
from . import _archive
from ._archive import (
    DEFAULT_MAX_COMPRESSION_RATIO,
    DEFAULT_MAX_MEMBER_BYTES,
    MAX_MANIFEST_BYTES,
    SIGNING_KEY_VARIABLE,
    check_save_path,
)
from ._encoding import (
    _config_record,
    _json_list,
    _skops_dumps,
    _skops_loads,
    _state_json,
    _trainer_from_json,
    _trainer_pickle,
    _unpickle,
    pickle_steps,
    split_pipeline,
)
from ._versions import library_versions, warn_on_version_changes

__all__ = [
    "ARTIFACT_FORMAT_VERSION",
    "DEFAULT_MAX_COMPRESSION_RATIO",
    "DEFAULT_MAX_MEMBER_BYTES",
    "MAX_MANIFEST_BYTES",
    "SIGNING_KEY_VARIABLE",
    "check_save_path",
    "inspect_model",
    "load_model",
    "save_model",
]

#: Version of the artifact layout this release writes and the newest it reads.
ARTIFACT_FORMAT_VERSION = 1
_FORMAT_NAME = "easy_mlops.model"
_MANIFEST = "manifest.json"
_MODEL = "model"
_STATE = {"joblib": "trainer.joblib", "skops": "trainer.json"}
# A Pipeline's steps before its ModelTrainer (format="joblib" only).
_PIPELINE = "pipeline.joblib"
_FORMATS = tuple(_STATE)
# A manifest records the versions of about eight packages; each one recorded
# is looked up and named in a warning, so a forged list of thousands is
# refused rather than read.
_MAX_VERSIONS = 64


def save_model(trainer, path, *, format="joblib", signing_key=None):
    """Write a fitted trainer to one file; see ``ModelTrainer.save_model``.

    ``trainer`` may also be a fitted scikit-learn ``Pipeline`` whose last
    step is a ``ModelTrainer`` (preprocessing you built): its other steps are
    stored beside the trainer (``format="joblib"`` only), and
    :func:`load_model` returns the whole pipeline.
    """
    from sklearn.utils.validation import check_is_fitted

    if format not in _FORMATS:
        raise ValueError(
            f"format must be one of {list(_FORMATS)}. Got {format!r} instead."
        )
    pipeline, trainer = split_pipeline(trainer, format)
    check_is_fitted(trainer)
    key = _archive.signing_key(signing_key)
    path = Path(path)
    check_save_path(path)
    backend = trainer.backend_
    config_record, by_value = _config_record(backend.config, format)
    members = {}
    if format == "skops":
        members[_MODEL] = _skops_dumps(trainer.training_result_.model, backend)
        members[_STATE["skops"]] = _state_json(trainer)
    else:
        members[_MODEL] = _backend_payload(backend, trainer.training_result_.model)
        members[_STATE["joblib"]] = _trainer_pickle(trainer, by_value)
    if pipeline is not None:
        members[_PIPELINE] = pickle_steps(pipeline)
    manifest = _manifest(trainer, format, config_record, by_value, members)
    if pipeline is not None:
        manifest["pipeline"] = [name for name, _ in pipeline.steps]
        names = getattr(pipeline, "feature_names_in_", None)
        manifest["feature_names"] = _json_list(names)
        manifest["n_features"] = getattr(pipeline, "n_features_in_", None)
    _archive.write_atomically(path, _zip(manifest, members, key))
    return path


def load_model(
    path,
    *,
    secure=False,
    trusted=None,
    signing_key=None,
    max_member_bytes=DEFAULT_MAX_MEMBER_BYTES,
    max_compression_ratio=DEFAULT_MAX_COMPRESSION_RATIO,
):
    """Read a fitted ModelTrainer written by ``save_model``.

    A ``format="joblib"`` file holds pickles, and loading it runs code from
    the file, as any unpickling does: load those only from sources you
    trust, or pass ``secure=True`` and save with ``format="skops"``.

    Parameters
    ----------
    path : str or path-like
        The artifact.
    secure : bool, default=False
        Load only ``format="skops"`` files, which hold no pickle: any other
        file is refused before any of its members is read, whatever its
        manifest says.  The caller, not the file, chooses the loader.
    trusted : str or list of str, default=None
        For ``format="skops"`` artifacts: types to trust besides skops'
        defaults and the reviewed types of the libraries easy_mlops builds
        its models from (scikit-learn, skrub, NumPy, SciPy, XGBoost,
        LightGBM), after you have reviewed them (the error for an untrusted
        type lists them).  A single string is one type name.
    signing_key : str or bytes, default=None
        Load only files signed with this key (see ``save_model``); an
        unsigned file or a wrong signature is refused before anything is
        unpickled.  Defaults to the environment variable
        ``EASY_MLOPS_SIGNING_KEY`` when that is set and not empty.
    max_member_bytes : int, default=1 GiB
        The largest member (uncompressed) read; a larger one is refused
        before it is read.  Raise it for a model that large you trust.
    max_compression_ratio : float or None, default=200
        The largest compression ratio accepted for a member over 1 MiB
        (model data compresses 1.5 to 5 times, a zip bomb about 1000
        times); None for no limit.

    Returns
    -------
    trainer : ModelTrainer
        Fitted, with the backend recorded in the artifact; ``manifest_``
        holds the manifest.

    Raises
    ------
    ModelLoadError
        The path is not a file, the file is truncated, corrupted, not an
        easy_mlops artifact or from a newer format, its members exceed the
        limits, it is refused by ``secure`` or ``signing_key``, or its
        backend is not registered; the message names the path and what to
        do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops.training import ModelTrainer, load_model
    >>> X, y = load_iris(return_X_y=True)
    >>> trainer = ModelTrainer(model_type="logistic_regression").fit(X, y)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = trainer.save_model(folder / "iris.model")
    >>> load_model(path, secure=True)
    Traceback (most recent call last):
    ...
    easy_mlops.training.exceptions.ModelLoadError: ...format='joblib'...
    """
    path = Path(path)
    trusted = _trusted_names(trusted)
    key = _archive.signing_key(signing_key)
    max_bytes, max_ratio = _archive.check_limits(
        max_member_bytes, max_compression_ratio
    )
    with _archive.open_archive(path) as archive:
        manifest = _read_manifest(archive, path, key)
        serializer = manifest["serializer"]
        if secure and serializer != "skops":
            raise ModelLoadError(
                f"{path} was saved with format={serializer!r}, which holds "
                "pickles, and secure=True loads only format='skops' files; only "
                "its manifest was read. If you trust the file, load it without "
                "secure=True and save it again with format='skops'."
            )
        pickle_free = secure or serializer == "skops"
        state_name = _STATE["skops" if pickle_free else "joblib"]
        names = [_MODEL, state_name]
        if "pipeline" in manifest and not pickle_free:
            names.append(_PIPELINE)
        members = {
            name: _archive.read_member(
                archive,
                path,
                name,
                max_bytes=max_bytes,
                max_ratio=max_ratio,
                override="max_member_bytes",
            )
            for name in names
        }
    for name, data in members.items():
        if hashlib.sha256(data).hexdigest() != manifest["sha256"][name]:
            raise ModelLoadError(
                f"{path} is corrupted: the checksum of its {name!r} member does "
                "not match the manifest. Restore the file from a backup or save "
                "the model again."
            )
    backend_class = _registered_backend(manifest, path)
    warn_on_version_changes(manifest["versions"], f"the model at {path}")
    if pickle_free:
        if not backend_class.validates_input:
            raise ModelLoadError(
                f"{path} says backend {manifest['backend']!r} with format='skops', "
                "which only stores scikit-learn-family models; the file is not "
                "what it claims. Restore it from a trusted copy."
            )
        trainer = _trainer_from_json(members[state_name], backend_class, path)
        model = _skops_loads(members[_MODEL], trusted, path)
    else:
        trainer = _unpickle(members[state_name], path)
        model = _backend_load(trainer.backend_, members[_MODEL], path)
    trainer.training_result_.model = model
    trainer.manifest_ = manifest
    if _PIPELINE in members:
        from sklearn.pipeline import Pipeline

        try:
            steps = joblib.load(io.BytesIO(members[_PIPELINE]))
        except Exception as exc:
            raise ModelLoadError(
                f"Cannot rebuild the pipeline steps stored in {path}: "
                f"{type(exc).__name__}: {exc}. Make their classes importable."
            ) from None
        return Pipeline([*steps, (manifest["pipeline"][-1], trainer)])
    return trainer


def inspect_model(path, *, signing_key=None):
    """Read the manifest of a saved model without unpickling anything.

    Only ``manifest.json`` is read, and at most 1 MiB of it, so this is
    safe on files you do not trust yet.

    Parameters
    ----------
    path : str or path-like
        The artifact.
    signing_key : str or bytes, default=None
        When given, the manifest's signature is checked with it.  Unlike
        ``load_model``, the environment variable is not read: inspecting
        an unsigned file is how you look at it before deciding.

    Returns
    -------
    manifest : dict
        Format version, library versions, backend, model type, problem type,
        classes, feature names, metrics, resolved config (callables by import
        path; ``by_value`` lists the keys stored by value), creation time,
        checksums, and ``signed``: whether the file carries a signature
        (checked only when ``signing_key`` is given).

    Raises
    ------
    ModelLoadError
        As :func:`load_model`, for problems found in the manifest.
    """
    path = Path(path)
    key = None if signing_key is None else _archive.signing_key(signing_key)
    with _archive.open_archive(path) as archive:
        return _read_manifest(archive, path, key)


# -- saving -------------------------------------------------------------------


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


def _manifest(trainer, serializer, config_record, by_value, members):
    result = trainer.training_result_
    feature_names = getattr(trainer, "feature_names_in_", None)
    return {
        "format": _FORMAT_NAME,
        "format_version": ARTIFACT_FORMAT_VERSION,
        "serializer": serializer,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(result.model),
        "backend": trainer.backend_.name,
        "model_type": result.model_type,
        "model_name": result.model_name,
        "problem_type": result.problem_type,
        "classes": _json_list(result.classes),
        "feature_names": _json_list(feature_names),
        "n_features": getattr(trainer, "n_features_in_", None),
        "metrics": result.to_dict()["metrics"],
        # What a reader needs to feed the model a raw table, without loading it.
        "target_name": result.target_name,
        "id_columns": list(result.id_columns),
        "preprocessing": result.preprocessing,
        "column_treatment": result.column_treatment,
        "config": config_record,
        "by_value": by_value,
        "sha256": {
            name: hashlib.sha256(data).hexdigest() for name, data in members.items()
        },
    }


def _zip(manifest, members, key):
    # Signed as a loader will parse it back, so the two agree to the byte.
    text = json.dumps(manifest, indent=2, allow_nan=True)
    if key is not None:
        manifest = json.loads(text)
        manifest["signature"] = _archive.sign(manifest, key)
        text = json.dumps(manifest, indent=2, allow_nan=True)
    if len(text.encode()) > MAX_MANIFEST_BYTES:
        raise ModelSaveError(
            f"Cannot save: the manifest would be {len(text.encode())} bytes, more "
            f"than the {MAX_MANIFEST_BYTES} a load reads (many feature names or "
            "classes, or a large config value). Shorten the config values, or "
            "pass X as an array to record no feature names."
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, text)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# -- loading ------------------------------------------------------------------


def _trusted_names(trusted):
    """``trusted`` as a list of type names; one string is one name."""
    if trusted is None:
        return []
    if isinstance(trusted, str):
        return [trusted]
    try:
        names = list(trusted)
    except TypeError:
        names = None
    if names is None or not all(isinstance(name, str) for name in names):
        raise TypeError(
            "trusted must be a list of type names such as "
            f"['sklearn.tree._tree.Tree']. Got {trusted!r} instead."
        )
    return names


def _read_manifest(archive, path, key):
    raw = (
        _archive.read_member(
            archive,
            path,
            _MANIFEST,
            max_bytes=MAX_MANIFEST_BYTES,
            max_ratio=None,
            override="manifest (it cannot be raised)",
        )
        if _MANIFEST in archive.namelist()
        else None
    )
    manifest = None if raw is None else _archive.parse_manifest(raw)
    if manifest is None or manifest.get("format") != _FORMAT_NAME:
        raise ModelLoadError(
            f"{path} is not an easy_mlops model artifact: it has no valid {_MANIFEST}."
        )
    written = manifest.get("format_version")
    if type(written) is not int or written < 1:
        raise ModelLoadError(
            f"{path} has a damaged {_MANIFEST}: its format_version is {written!r}, "
            "not a positive integer. Restore the file from a backup or save the "
            "model again."
        )
    if written > ARTIFACT_FORMAT_VERSION:
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
        or set(checksums)
        != {
            _MODEL,
            _STATE[serializer],
            *([_PIPELINE] if "pipeline" in manifest else []),
        }
        or not all(isinstance(digest, str) for digest in checksums.values())
    ):
        raise ModelLoadError(
            f"{path} has a damaged manifest.json (its serializer, backend, versions "
            "or checksums are missing or wrong). Restore the file from a backup or "
            "save the model again."
        )
    if len(manifest["versions"]) > _MAX_VERSIONS:
        raise ModelLoadError(
            f"{path} has a damaged manifest.json: it records the versions of "
            f"{len(manifest['versions'])} packages, and easy_mlops records at most "
            f"{_MAX_VERSIONS}. Restore the file from a backup or save the model "
            "again."
        )
    # Checked before any member is read: the signature covers the checksums.
    if key is not None:
        _archive.verify(manifest, key, path)
    return {**manifest, "signed": manifest.get("signature") is not None}


def _registered_backend(manifest, path):
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


register_storage(save_model=save_model, load_model=load_model)
