"""How a trainer's state becomes the members of an artifact, and back.

``format="joblib"`` pickles the trainer without its model (config functions
that cannot be imported go by value, with cloudpickle); ``format="skops"``
writes the state as JSON and the model with skops.  The archive around these
members, its manifest and its checks live in
:mod:`easy_mlops.training.persistence`.
"""

# License: BSD 3 clause

import io
import json
import pickle
import types

import joblib
import numpy as np

from ..exceptions import ModelLoadError, ModelSaveError
from ..result import to_json
from ..trainer import ModelTrainer, final_trainer
from ._trusted_types import trusted_type_names

__all__ = []


def _config_record(config, format):
    """The resolved config as JSON (callables by import path), and the keys
    whose values must be pickled by value.

    A lambda, a nested function or a function of a script's ``__main__``
    cannot be unpickled by reference in another process; format='joblib'
    stores such values by value (cloudpickle).  Raises ModelSaveError naming
    the key whose value cannot be stored at all.
    """
    record, by_value = {}, []
    for key, value in config.items():
        if format == "joblib" and _needs_by_value(value):
            try:
                _cloudpickle().dumps(value)
            except Exception as exc:
                raise ModelSaveError(
                    f"Cannot save: the config key {key!r} holds {value!r}, which "
                    f"cannot be pickled even by value ({type(exc).__name__}: "
                    f"{exc}). Pass a value without open files, locks or "
                    "connections."
                ) from None
            by_value.append(key)
        record[key] = to_json(value)
    return record, by_value


class _ReferenceCheck(pickle.Pickler):
    """A pickler that notes references to functions and classes of ``__main__``.

    Those pickle by reference but load only in the very script that saved
    them.
    """

    refers_to_main = False

    def reducer_override(self, obj):
        if (
            isinstance(obj, (type, types.FunctionType))
            and getattr(obj, "__module__", None) == "__main__"
        ):
            self.refers_to_main = True
        return NotImplemented


def _needs_by_value(value):
    checker = _ReferenceCheck(io.BytesIO())
    try:
        checker.dump(value)
    except Exception:
        return True
    return checker.refers_to_main


def _cloudpickle():
    # joblib needs cloudpickle: recent releases depend on it, older ones
    # carry their own copy, so one of the two is always there.
    try:
        import cloudpickle
    except ImportError:
        from joblib.externals import cloudpickle
    return cloudpickle


def _trainer_pickle(trainer, by_value):
    # The state, not the trainer: the manifest already records the versions
    # that the trainer's own pickling would add.
    detached = (type(trainer), vars(_without_model(trainer)))
    buffer = io.BytesIO()
    try:
        if by_value:
            # cloudpickle pickles importable objects by reference too, and
            # its stream is a plain pickle, which joblib.load reads.
            buffer.write(_cloudpickle().dumps(detached))
        else:
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
    # Callbacks observe a fit (a progress bar, a monitor): not part of a model.
    detached.__dict__.pop("_skl_callbacks", None)
    return detached


def _state_json(trainer):
    params = trainer.get_params(deep=False)
    fingerprint = getattr(trainer, "row_fingerprint_", None)
    state = {
        "params": params,
        "config": trainer.backend_.config,
        "result": trainer.training_result_.to_dict(),
        "n_features_in_": getattr(trainer, "n_features_in_", None),
        "feature_names_in_": _json_list(getattr(trainer, "feature_names_in_", None)),
        "row_fingerprint_": (None if fingerprint is None else fingerprint.to_dict()),
    }
    for key, value in trainer.backend_.config.items():
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError):
            raise ModelSaveError(
                f"format='skops' stores the trainer's settings as JSON, and the "
                f"config key {key!r} holds {value!r}, which JSON cannot represent "
                "(a function, say). Use format='joblib', or a value JSON can hold "
                "(a scorer name instead of a scorer function)."
            ) from None
    try:
        return json.dumps(state, allow_nan=True).encode()
    except (TypeError, ValueError) as exc:
        raise ModelSaveError(
            "format='skops' stores the trainer's settings as JSON, and they hold a "
            f"value JSON cannot represent ({exc}). Use format='joblib'."
        ) from None


def _json_list(values):
    return None if values is None else [to_json(v) for v in values]


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


def _trainer_from_json(data, backend_class, path):
    try:
        return _rebuild_from_json(data, backend_class)
    except Exception as exc:
        # The JSON comes from the file: any failure to rebuild from it
        # (KeyError, TypeError, ValueError, ...) means it was damaged or edited.
        raise ModelLoadError(
            f"{path} has a damaged trainer.json ({type(exc).__name__}: {exc}); "
            "it does not hold the state easy_mlops writes. Restore the file from "
            "a backup or save the model again."
        ) from None


def _rebuild_from_json(data, backend_class):
    from .._fit_data import fitted_state
    from ..fingerprint import RowFingerprint
    from ..preprocessing import restore_preprocessing
    from ..result import TrainingRunResult

    state = json.loads(data)
    trainer = ModelTrainer(**state["params"])
    result = dict(state["result"])
    if result["classes"] is not None:
        result["classes"] = np.asarray(result["classes"])
    result["cv_scores"] = [np.nan if s is None else s for s in result["cv_scores"]]
    record = TrainingRunResult(model=None, **result)
    # The preprocessing is a fact of the backend that readers check, not of
    # the record's reason: rebuilt from the trainer's setting and the reason.
    preprocessing = restore_preprocessing(
        state["params"].get("preprocessing"), record.preprocessing
    )
    backend = backend_class.configured(state["config"], preprocessing=preprocessing)
    vars(trainer).update(fitted_state(record, backend))
    if state["n_features_in_"] is not None:
        trainer.n_features_in_ = state["n_features_in_"]
    if state["feature_names_in_"] is not None:
        trainer.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
    # Absent from files saved before fingerprints were kept.
    fingerprint = state.get("row_fingerprint_")
    trainer.row_fingerprint_ = (
        None if fingerprint is None else RowFingerprint.from_dict(fingerprint)
    )
    return trainer


def _skops_loads(data, trusted, path):
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            f"{path} was saved with format='skops', which needs the optional "
            "package 'skops'. Install it with: pip install \"easy-mlops[secure]\""
        ) from None
    trusted = [*trusted_type_names(), *trusted]
    try:
        untrusted = [
            t for t in skops.io.get_untrusted_types(data=data) if t not in trusted
        ]
    except Exception as exc:
        raise _damaged_skops(path, exc) from None
    if untrusted:
        raise ModelLoadError(
            f"{path} contains types that are not trusted by default: {untrusted}. "
            "Review them; if you trust them, load with "
            f"load_model(path, trusted={untrusted!r})."
        )
    try:
        return skops.io.loads(data, trusted=trusted)
    except Exception as exc:
        raise _damaged_skops(path, exc) from None


def _damaged_skops(path, exc):
    # skops reads the member's own JSON schema; an edited one fails anywhere
    # in it (KeyError, TypeError, ValueError, BadZipFile, ...).
    return ModelLoadError(
        f"{path} has a damaged skops model member ({type(exc).__name__}: {exc}). "
        "Restore the file from a backup or save the model again."
    )


def split_pipeline(estimator, format):
    """The Pipeline and its ModelTrainer; ``(None, estimator)`` for a trainer."""
    if isinstance(estimator, ModelTrainer):
        return None, estimator
    if getattr(estimator, "steps", None) is None:
        raise ModelSaveError(
            "save_model takes a fitted ModelTrainer, or a Pipeline whose last step "
            f"is one; got {type(estimator).__name__}. Wrap the estimator in a "
            "ModelTrainer, or save it with joblib.dump."
        )
    last = final_trainer(estimator)
    if last is None:
        raise ModelSaveError(
            "save_model takes a ModelTrainer or a Pipeline whose last step is a "
            f"ModelTrainer; the last step is {type(estimator.steps[-1][1]).__name__}."
        )
    if format != "joblib":
        raise ModelSaveError(
            "A Pipeline is saved with format='joblib' only: its own steps are "
            "pickled. Save the ModelTrainer alone for format='skops'."
        )
    return estimator, last


def pickle_steps(pipeline):
    buffer = io.BytesIO()
    try:
        joblib.dump(list(pipeline.steps[:-1]), buffer)
    except Exception as exc:
        raise ModelSaveError(
            f"Cannot pickle the pipeline's steps: {type(exc).__name__}: {exc}"
        ) from exc
    return buffer.getvalue()
