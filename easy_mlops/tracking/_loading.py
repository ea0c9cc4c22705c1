"""Reading a logged model back, under the same trust rule as a file.

By default a model loads the way MLflow stores it (the scikit-learn
flavour's pickle); with ``secure`` or a signing key the MLflow model is never
read, and the easy_mlops artifact file its run holds is loaded instead, with
the checks of :func:`easy_mlops.training.load_model`.
"""

# License: BSD 3 clause

import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..training.exceptions import ModelLoadError
from ..training.persistence import inspect_model
from ..training.persistence import load_model as _load_artifact
from ..training.persistence._archive import signing_key as signing_key_of
from ._store import (
    ARTIFACT_FOLDER,
    LOADER_MODULE,
    import_mlflow,
    reason,
    store_errors,
)

__all__ = ["load_logged_model", "open_logged_model"]


def load_logged_model(model_uri, *, secure=False, trusted=None, signing_key=None):
    """The fitted model logged at an MLflow model URI.

    The trust rule is that of :func:`easy_mlops.training.load_model`: by
    default the model loads the way MLflow stores it, which for the
    scikit-learn flavour means unpickling it (code from the store runs);
    with ``secure=True`` or a signing key, the MLflow model is never read:
    the easy_mlops artifact file its run holds (``easy_mlops/``) is loaded
    instead, with the same checks as a file.

    Parameters
    ----------
    model_uri : str
        ``runs:/<run id>/model``, ``models:/<name>/<version>`` or any URI
        MLflow resolves, of a model logged by :func:`log_run`.  Relative
        URIs are read from ``MLFLOW_TRACKING_URI``, else ``mlflow.db``.
    secure : bool, default=False
        Load only a pickle-free (``format="skops"``) artifact file of the
        model's run; a run without one is refused, and nothing is unpickled.
    trusted : str or list of str, default=None
        As for ``load_model``: types a pickle-free artifact may hold besides
        the trusted ones, after you have reviewed them.
    signing_key : str or bytes, default=None
        Load only the run's artifact file, and only when it is signed with
        this key.  Defaults to ``EASY_MLOPS_SIGNING_KEY`` when that is set.

    Returns
    -------
    model : ModelTrainer or Pipeline
        What was logged: for the ``pyfunc`` models of the callable backends,
        and with ``secure`` or a key, the trainer loaded from the artifact
        file.

    Raises
    ------
    ModelLoadError
        If the URI cannot be resolved, the model was not logged by
        easy_mlops, or ``secure`` or the key refuses it.
    """
    with open_logged_model(model_uri, secure, trusted, signing_key) as (_, load):
        return load()


@contextmanager
def open_logged_model(model_uri, secure, trusted, signing_key):
    """How the model at ``model_uri`` loads: whether that unpickles, and how.

    Yields ``(unpickles, load)``, so that a caller can say what is about to
    happen before ``load()`` does it; files are downloaded to a folder that
    lives as long as the block.
    """
    mlflow = import_mlflow()
    key = signing_key_of(signing_key)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            local, shown = _artifact_to_load(mlflow, model_uri, secure, key, scratch)
        except store_errors(mlflow) as exc:
            raise _unresolved(mlflow, model_uri, exc) from None
        if local is None:
            yield True, lambda: _mlflow_sklearn_model(mlflow, model_uri)
            return

        def load():
            try:
                return _load_artifact(
                    local, secure=secure, trusted=trusted, signing_key=key
                )
            except ModelLoadError as exc:
                raise ModelLoadError(str(exc).replace(str(local), shown)) from None

        yield not secure and _holds_pickles(local), load


def _artifact_to_load(mlflow, model_uri, secure, key, scratch):
    """The easy_mlops file to load and its URI; ``(None, None)`` for the
    scikit-learn flavour's own pickle."""
    from mlflow.models import get_model_info

    info = get_model_info(model_uri)
    if secure or key is not None:
        return _run_artifact(mlflow, model_uri, info.run_id, scratch)
    pyfunc = info.flavors.get("python_function", {})
    if pyfunc.get("loader_module") == LOADER_MODULE:
        local = mlflow.artifacts.download_artifacts(model_uri, dst_path=scratch)
        return Path(local) / pyfunc["data"], model_uri
    if "sklearn" in info.flavors:
        return None, None
    raise ModelLoadError(
        f"{model_uri} is an MLflow model with flavours {sorted(info.flavors)}, not "
        "one logged by easy_mlops; load it with mlflow.pyfunc.load_model."
    )


def _run_artifact(mlflow, model_uri, run_id, scratch):
    """The easy_mlops artifact file of the run that logged the model, downloaded.

    Only that file is read: what the flavour stores is left untouched.
    """
    where = "the run that logged it" if run_id is None else f"its run {run_id}"
    files = (
        []
        if run_id is None
        else [
            entry
            for entry in mlflow.MlflowClient().list_artifacts(run_id, ARTIFACT_FOLDER)
            if not entry.is_dir
        ]
    )
    if len(files) != 1:
        raise ModelLoadError(
            f"{model_uri} cannot be loaded with --secure/secure=True or a signing "
            f"key: {where} holds no single easy_mlops model file under "
            f"{ARTIFACT_FOLDER}/ (found {len(files)}), and the MLflow model itself "
            "would be unpickled. Log the run with easy-mlops train --track or "
            "log_run, or, if you trust the store, load it without them."
        )
    path = files[0].path
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path=path, dst_path=scratch
    )
    return Path(local), f"runs:/{run_id}/{path}"


def _holds_pickles(path):
    """Whether loading the artifact at ``path`` without ``secure`` unpickles."""
    try:
        return inspect_model(path)["serializer"] != "skops"
    except ModelLoadError:
        # Loading will refuse it with the full message before unpickling.
        return False


def _mlflow_sklearn_model(mlflow, model_uri):
    from mlflow.sklearn import load_model as load_sklearn_model

    try:
        return load_sklearn_model(model_uri)
    except store_errors(mlflow) as exc:
        raise _unresolved(mlflow, model_uri, exc) from None


def _unresolved(mlflow, model_uri, exc):
    return ModelLoadError(
        f"Cannot load the model at {model_uri}: {reason(exc)}. Check the URI "
        "and that MLFLOW_TRACKING_URI names the store it was logged to "
        f"(now {mlflow.get_tracking_uri()})."
    )
