"""Talking to the MLflow store: runs, batches, artifacts, models, failures.

MLflow's tracking URI and active run are process-wide; here they are used for
one call at a time and put back.  Every store error becomes a
:class:`TrackingError` with one line of cause.
"""

# License: BSD 3 clause

import logging
import os
import re
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ._record import candidates, flavor, head, requirements

logger = logging.getLogger("easy_mlops")

#: The name a run's MLflow model is logged under: ``runs:/<run id>/model``.
MODEL_NAME = "model"
#: The module whose ``_load_pyfunc`` loads the pyfunc models of the callable
#: backends (MLflow imports it by this name when it loads or serves one).
LOADER_MODULE = "easy_mlops.tracking"
#: The pip line that installs what tracking needs.
INSTALL_COMMAND = 'pip install "easy-mlops[mlflow]"'
#: The run's folder that holds the easy_mlops artifact file.
ARTIFACT_FOLDER = "easy_mlops"
_REPORT_FOLDER = "report"
# MLflow retries a failed HTTP request for about four minutes; the first
# request of a run (and the clean-up after a failure) is made once, so that a
# server that is down is reported in seconds.  A value the user set wins.
_ONE_TRY = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


class TrackingError(RuntimeError):
    """The tracking store could not be reached or did not take the run.

    Raised only after everything local is done: the model and its artifact
    file are saved whatever the store answers.

    Attributes
    ----------
    tracking_uri : str
        The store that failed.
    run_id : str or None
        The run that was left ``FAILED``, or None when none was created.
    """

    def __init__(self, message, *, tracking_uri, run_id=None):
        super().__init__(message)
        self.tracking_uri = tracking_uri
        self.run_id = run_id


@dataclass
class TrackedRun:
    """Where a run was recorded, as :func:`easy_mlops.tracking.log_run` returns it.

    Attributes
    ----------
    run_id : str
        The MLflow run.
    experiment_id : str
        Its experiment.
    tracking_uri : str
        The store it went to.
    model_uri : str
        ``runs:/<run_id>/model``: what ``mlflow models serve -m`` and
        ``easy-mlops predict`` take.
    registered_model : str or None
        The Model Registry name, when the model was registered.
    registered_version : str or None
        Its version in the registry.
    child_run_ids : list of str
        For a search: one run per candidate, in the order of ``cv_results_``.
    """

    run_id: str = None
    experiment_id: str = None
    tracking_uri: str = None
    model_uri: str = None
    registered_model: str = None
    registered_version: str = None
    child_run_ids: list = field(default_factory=list)


# -- sending -----------------------------------------------------------------


def send(mlflow, uri, settings, record, artifact):
    """Log ``record`` to the store at ``uri``, MLflow's current one."""
    # Everything local is computed before the first request.
    signature, example = _signature(mlflow, record)
    client = reachable_client(mlflow, uri)
    with open_run(mlflow, client, uri, settings) as run:
        run_id = run.info.run_id
        log_batch(
            client,
            run_id,
            record.params,
            record.metrics,
            {**record.tags, **user_tags(settings)},
            record.steps,
        )
        if artifact is not None:
            client.log_artifact(run_id, str(artifact), ARTIFACT_FOLDER)
        if record.report is not None:
            client.log_artifacts(run_id, str(record.report), _REPORT_FOLDER)
        children = _log_candidates(client, run, record) if record.search else []
        info = _log_model(mlflow, record, artifact, signature, example, settings)
    version = info.registered_model_version
    return TrackedRun(
        run_id=run_id,
        experiment_id=run.info.experiment_id,
        tracking_uri=uri,
        model_uri=f"runs:/{run_id}/{MODEL_NAME}",
        registered_model=settings["register_as"],
        registered_version=None if version is None else str(version),
        child_run_ids=children,
    )


@contextmanager
def open_run(mlflow, client, uri, settings, status="FINISHED"):
    """The active run, else a new one ended with ``status`` (FAILED on error).

    Store errors become :class:`TrackingError`.
    """
    active = mlflow.active_run()
    if active is not None:
        given = [k for k in ("tracking_uri", "experiment", "run_name") if settings[k]]
        if given:
            raise ValueError(
                f"An MLflow run is active ({active.info.run_id}) and the record goes "
                f"into it, so {', '.join(given)} cannot be chosen here: drop "
                f"{'it' if len(given) == 1 else 'them'} or end the run first."
            )
        try:
            yield active
        except store_errors(mlflow) as exc:
            raise _tracking_error(uri, exc, active.info.run_id) from exc
        return
    run = None
    try:
        experiment_id = _experiment_id(client, settings["experiment"])
        run = mlflow.start_run(
            experiment_id=experiment_id, run_name=settings["run_name"]
        )
        yield run
        mlflow.end_run(status)
    except store_errors(mlflow) as exc:
        _end_failed(mlflow)
        raise _tracking_error(uri, exc, run and run.info.run_id) from exc
    except BaseException:
        _end_failed(mlflow)
        raise


def user_tags(settings):
    """The ``tags`` setting as MLflow takes tags: text to text."""
    return {str(k): str(v) for k, v in (settings["tags"] or {}).items()}


def _signature(mlflow, record):
    """Signature and input example from the first raw rows; (None, None) without."""
    from mlflow.models import infer_signature

    example = None if record.X is None else head(record.X)
    if example is None:
        return None, None
    try:
        with warnings.catch_warnings():
            # Its hint about integer columns is what _missing_allowed acts on.
            warnings.filterwarnings("ignore", "Hint: Inferred schema contains integer")
            signature = infer_signature(example, record.estimator.predict(example))
    except (mlflow.exceptions.MlflowException, TypeError, ValueError) as exc:
        logger.warning("The model is logged without a signature: %s", exc)
        return None, None
    return _missing_allowed(signature), example


def _missing_allowed(signature):
    """The signature with its integer columns as ``double``.

    The first rows of a column say nothing of its missing values, and an
    integer column cannot hold one; ``easy-mlops predict`` takes them, so
    the served model must too.
    """
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, DataType, Schema

    inputs = signature.inputs
    if inputs is None or not inputs.has_input_names():
        return signature
    columns = [
        ColSpec(DataType.double, column.name, required=column.required)
        if isinstance(column, ColSpec)
        and column.type in (DataType.integer, DataType.long)
        else column
        for column in inputs.inputs
    ]
    return ModelSignature(Schema(columns), signature.outputs, signature.params)


def _log_model(mlflow, record, artifact, signature, example, settings):
    common = {
        "name": MODEL_NAME,
        "signature": signature,
        "input_example": example,
        "registered_model_name": settings["register_as"],
        # Inferring them loads the model in a subprocess (seconds); these are
        # the versions the artifact's manifest records.
        "pip_requirements": requirements(record.trainer),
    }
    if flavor(record.estimator, record.trainer) == "pyfunc":
        import mlflow.pyfunc

        return mlflow.pyfunc.log_model(
            loader_module=LOADER_MODULE, data_path=str(artifact), **common
        )
    import mlflow.sklearn

    # skops cannot store a ModelTrainer; pickle is what the artifact file
    # uses too, with the same rule: load models from stores you trust.
    with _without_pickle_warning():
        return mlflow.sklearn.log_model(
            record.estimator, serialization_format="pickle", **common
        )


def _log_candidates(client, parent, record):
    from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

    children = []
    for i, (params, metrics, steps) in enumerate(candidates(record.search)):
        child = client.create_run(
            parent.info.experiment_id,
            run_name=f"candidate {i}",
            tags={MLFLOW_PARENT_RUN_ID: parent.info.run_id},
        )
        log_batch(client, child.info.run_id, params, metrics, {}, steps)
        client.set_terminated(child.info.run_id)
        children.append(child.info.run_id)
    return children


def log_batch(client, run_id, params, metrics, tags=None, steps=None):
    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    entries = [Metric(k, float(v), now, 0) for k, v in metrics.items()]
    for name, values in (steps or {}).items():
        entries += [Metric(name, float(v), now, i) for i, v in enumerate(values)]
    client.log_batch(
        run_id,
        metrics=entries,
        params=[Param(k, v) for k, v in params.items()],
        tags=[RunTag(k, v) for k, v in (tags or {}).items()],
    )


def _experiment_id(client, name):
    """The id of experiment ``name``, created when missing; None for MLflow's."""
    if name is None:
        return None
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(name)


def reachable_client(mlflow, uri):
    """A client of ``uri`` that has answered one request."""
    problem = _local_store_problem(uri)
    if problem is not None:
        raise TrackingError(
            f"Tracking to {_safe_uri(uri)} failed: {problem}. Nothing was recorded.",
            tracking_uri=uri,
        )
    try:
        client = mlflow.MlflowClient(uri)
        with _one_try():
            client.search_experiments(max_results=1)
    except store_errors(mlflow) as exc:
        raise _tracking_error(uri, exc) from exc
    return client


def _local_store_problem(uri):
    """Why a SQLite file or a folder cannot be a store, found without MLflow.

    MLflow retries opening a database it cannot open for about 100 s, and
    its refusal of a folder or an unknown scheme does not say what to use
    instead.
    """
    scheme, _, rest = uri.partition(":")
    instead = "use sqlite:///PATH/mlflow.db or an http(s):// tracking server"
    if (not rest or len(scheme) == 1 or scheme == "file") and os.environ.get(
        "MLFLOW_ALLOW_FILE_STORE", ""
    ).lower() not in ("true", "1"):
        return (
            f"{uri} is a folder path, MLflow's file store, which recent MLflow "
            f"versions no longer write; {instead}"
        )
    if scheme != "sqlite":
        return None
    path = rest.removeprefix("///").split("?")[0].removeprefix("file:")
    if path in ("", ":memory:"):
        return None
    path = Path(path)
    if path.is_dir():
        return f"{path} is a directory, not a SQLite file; {instead}"
    if path.exists():
        if not path.is_file():
            return f"{path} is not a regular file, so not a SQLite database"
        if not os.access(path, os.R_OK | os.W_OK):
            return (
                f"the SQLite file {path} is read-only for you; make it writable "
                "(chmod u+w) or choose another store"
            )
        with open(path, "rb") as handle:
            head = handle.read(16)
        if head and head != b"SQLite format 3\x00":
            return f"{path} is not a SQLite database; {instead}"
        return None
    ancestor = next((p for p in path.absolute().parents if p.exists()), None)
    if ancestor is not None and not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot create {path}: you cannot write in {ancestor}"
    return None


def _end_failed(mlflow):
    """Leave the run FAILED if the store still answers; never raise."""
    try:
        with _one_try():
            mlflow.end_run(status="FAILED")
    except Exception:
        logger.debug("Could not mark the run FAILED", exc_info=True)


def store_errors(mlflow):
    return (mlflow.exceptions.MlflowException, OSError)


def _tracking_error(uri, exc, run_id=None):
    left = f" Run {run_id} is left FAILED." if run_id else " Nothing was recorded."
    return TrackingError(
        f"Tracking to {_safe_uri(uri)} failed: {reason(exc)}.{left}",
        tracking_uri=uri,
        run_id=run_id,
    )


def reason(exc):
    """The root cause of an MLflow error, in one short line."""
    text = str(exc)
    refused = re.search(r"\[Errno -?\d+\] [^\"')]+", text)
    if refused:
        return f"the server did not answer ({refused.group(0).strip()})"
    database = re.search(r"\((?:sqlite3|psycopg2?|pymysql)[\w.]*\) ([^\n\[]+)", text)
    if database:
        return f"the database refused: {database.group(1).strip()}"
    scheme = re.search(r"unsupported URI '([^']*)'", text, re.IGNORECASE)
    if scheme:
        return (
            f"MLflow does not know the scheme of {scheme.group(1)!r}; use "
            "sqlite:///PATH/mlflow.db, http(s)://HOST:PORT or a database URI"
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def _safe_uri(uri):
    """``uri`` without a password (``https://user:secret@host``)."""
    return re.sub(r"//([^/@:]+):[^/@]*@", r"//\1:***@", uri)


# -- MLflow's global state, scoped ------------------------------------------


def import_mlflow():
    try:
        import mlflow
    except ImportError as exc:
        raise ImportError(
            f"Tracking runs needs MLflow, which is not installed ({exc}). Install "
            f"it with: {INSTALL_COMMAND}"
        ) from None
    return mlflow


@contextmanager
def tracking_uri_used(mlflow, uri):
    """Use ``uri`` for the block, then put MLflow's setting back; yield the URI."""
    if uri is None:
        yield mlflow.get_tracking_uri()
        return
    before = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    try:
        yield mlflow.get_tracking_uri()
    finally:
        mlflow.set_tracking_uri(before)


@contextmanager
def _one_try():
    saved = {name: os.environ.get(name) for name in _ONE_TRY}
    os.environ.update({k: v for k, v in _ONE_TRY.items() if saved[k] is None})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


class _DropPickleWarning(logging.Filter):
    def filter(self, record):
        return "pickle or cloudpickle format" not in record.getMessage()


@contextmanager
def _without_pickle_warning():
    """MLflow warns on every pickled model; the choice is documented once."""
    target, dropper = logging.getLogger("mlflow.sklearn"), _DropPickleWarning()
    target.addFilter(dropper)
    try:
        yield
    finally:
        target.removeFilter(dropper)
