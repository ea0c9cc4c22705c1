"""Experiment tracking and serving with MLflow: every training run recorded.

:func:`log_run` records a fitted :class:`~easy_mlops.ModelTrainer` (or a
``Pipeline`` ending in one, or a fitted ``GridSearchCV`` over either) as an
MLflow run: the resolved config as parameters, the hold-out and
cross-validation metrics (each fold a step), tags that say how the model was
made and on which data, the easy_mlops artifact file, the report folder, and
the model itself as an MLflow model that ``mlflow models serve`` answers on
raw rows.  :func:`track` does the same around a block that fits, and records
a fit that raises as a ``FAILED`` run.  :func:`load_logged_model` reads a
``runs:/`` or ``models:/`` URI back.

Nothing is sent while fitting and the artifact is written locally first, so
an unreachable tracking server costs the record, never the model.  MLflow is
the optional ``mlflow`` extra; it is imported by these functions only, and
``import easy_mlops`` never imports this module.
"""

# License: BSD 3 clause

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import _num_samples, check_is_fitted

from ._tracking_config import resolve_tracking
from ._version import __version__
from .config import load_config
from .training import ModelTrainer
from .training.exceptions import ModelLoadError
from .training.persistence import _json_value, library_versions
from .training.persistence import load_model as _load_artifact

__all__ = [
    "MODEL_NAME",
    "TrackedRun",
    "TrackingError",
    "load_logged_model",
    "load_tracking_config",
    "log_failed_fit",
    "log_run",
    "track",
]

logger = logging.getLogger("easy_mlops")

#: The name a run's MLflow model is logged under: ``runs:/<run id>/model``.
MODEL_NAME = "model"
#: The pip line that installs what tracking needs.
INSTALL_COMMAND = 'pip install "easy-mlops[mlflow]"'
_ARTIFACT_FOLDER = "easy_mlops"
_ARTIFACT_FILE = "model.easymlops"
_REPORT_FOLDER = "report"
_TAG = "easy_mlops."
_EXAMPLE_ROWS = 5
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
    """Where a run was recorded, as :func:`log_run` returns it.

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


def log_run(
    model,
    X=None,
    y=None,
    *,
    tracking_uri=None,
    experiment=None,
    run_name=None,
    tags=None,
    register_as=None,
    artifact=None,
    report=None,
):
    """Record a fitted model as an MLflow run, with its model ready to serve.

    The run holds: the resolved training config, flattened
    (``model_params.n_estimators``), as parameters; the hold-out metrics,
    ``cv_mean``, ``cv_std``, ``fit_seconds`` and ``cv_score`` with one step
    per fold as metrics; ``easy_mlops.*`` tags (version, backend, model type
    and name, problem type and why, data shape and SHA-256 of ``X`` and
    ``y``, the MLflow flavour); the easy_mlops artifact file under
    ``easy_mlops/``; the ``report`` folder under ``report/``; and the MLflow
    model ``model``.  That model is the fitted estimator itself in the
    scikit-learn flavour (so preprocessing in the trainer or the pipeline
    comes with it), except for the backends that take ``X`` as given
    (``callable``, ``deep_learning``, ``nlp``): those get a ``pyfunc`` model
    around the artifact file, loaded with the backend's own ``load_fn``.
    Either way the signature and input example come from the first rows of
    ``X``, the raw training columns.

    For a fitted ``GridSearchCV`` (or any scikit-learn search), the run is
    the parent of one child run per candidate (its parameters, ``cv_mean``,
    ``cv_std``, ``rank`` and each split's score as a step of ``cv_score``),
    and the parent holds the record of ``best_estimator_``.

    When an MLflow run is active (``with mlflow.start_run():``), the record
    goes into it and the run is left open; otherwise a run is started and
    ended here.

    Parameters
    ----------
    model : ModelTrainer, Pipeline or search
        Fitted: a trainer, a ``Pipeline`` whose last step is a trainer, or a
        scikit-learn search whose ``best_estimator_`` is one of these.
    X : array-like, default=None
        The training data, raw: for the signature, the input example, the
        shape and the digest.  Without it the model has no signature.
    y : array-like, default=None
        The training target, for the digest.
    tracking_uri : str, default=None
        Where to record; None means MLflow's own choice:
        ``MLFLOW_TRACKING_URI``, else the SQLite store ``mlflow.db`` in the
        working directory.  Used for this call only.
    experiment : str, default=None
        Experiment name, created when missing; None means MLflow's active
        experiment (``MLFLOW_EXPERIMENT_NAME``, else ``Default``).
    run_name : str, default=None
        Name of the run; MLflow makes one up when None.
    tags : mapping of str to str, default=None
        More tags for the run.
    register_as : str, default=None
        Also register the model under this name in the Model Registry.
    artifact : str or path-like, default=None
        The artifact file the model was saved to; when None (and ``model``
        is a trainer) it is saved to a temporary file for the run.
    report : str or path-like, default=None
        A report folder (see :func:`easy_mlops.report.write_report`).

    Returns
    -------
    run : TrackedRun
        Ids and the model URI.

    Raises
    ------
    ImportError
        If MLflow is not installed (with the install command).
    ValueError
        For arguments that cannot be used, before anything is sent.
    TrackingError
        If the store cannot be reached or refuses the run; a run that was
        created is left ``FAILED``.

    See Also
    --------
    track : The same around a block that fits; records a failed fit.
    load_logged_model : Read the model back from its URI.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.tracking import log_run
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    >>> store = f"sqlite:///{tempfile.mkdtemp()}/mlflow.db"
    >>> run = log_run(trainer.fit(X, y), X, y, tracking_uri=store, experiment="iris")
    >>> run.model_uri == f"runs:/{run.run_id}/model"
    True
    """
    mlflow = _mlflow()
    settings = resolve_tracking(
        None,
        tracking_uri=tracking_uri,
        experiment=experiment,
        run_name=run_name,
        tags=tags,
        register_as=register_as,
    )
    record = _Record.of(model, X, y, report)
    with tempfile.TemporaryDirectory() as scratch:
        if artifact is None and record.trainer is record.estimator:
            # Written before anything is sent, like the command line's file.
            artifact = record.trainer.save_model(Path(scratch) / _ARTIFACT_FILE)
        if artifact is not None:
            artifact = Path(artifact)
            if not artifact.is_file():
                raise ValueError(
                    f"artifact={str(artifact)!r} is not a file; pass the path the "
                    "model was saved to (ModelTrainer.save_model) or None."
                )
        with _tracking_uri(mlflow, settings["tracking_uri"]) as uri:
            return _send(mlflow, uri, settings, record, artifact)


@contextmanager
def track(model, X=None, y=None, **options):
    """Record the fit made in the block as an MLflow run; a failure as FAILED.

    Nothing is sent while the block runs.  When it ends, :func:`log_run`
    records ``model`` with ``options``; when it raises, :func:`log_failed_fit`
    records a ``FAILED`` run and the exception goes on (a tracking failure
    then is only a warning, so it never hides the error of the fit).

    Parameters
    ----------
    model : ModelTrainer, Pipeline or search
        The estimator the block fits.
    X, y : array-like, default=None
        The training data, as for :func:`log_run`.
    **options
        The keywords of :func:`log_run`.  ``artifact`` and ``report`` may
        name files the block writes.

    Yields
    ------
    run : TrackedRun
        Empty in the block; filled when the block ends without error.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.tracking import track
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> trainer = ModelTrainer(model_type="linear_regression", cv_folds=3)
    >>> store = f"sqlite:///{tempfile.mkdtemp()}/mlflow.db"
    >>> with track(trainer, X, y, tracking_uri=store) as run:
    ...     _ = trainer.fit(X, y)
    >>> len(run.run_id)
    32
    """
    handle = TrackedRun()
    unknown = set(options) - _LOG_RUN_OPTIONS
    if unknown:
        raise TypeError(
            f"track() got unexpected keyword(s) {sorted(unknown)}; it takes those "
            f"of log_run: {sorted(_LOG_RUN_OPTIONS)}."
        )
    _mlflow()
    started = time.time()
    try:
        yield handle
    except Exception as exc:
        target = {k: v for k, v in options.items() if k in _FAILED_FIT_OPTIONS}
        try:
            log_failed_fit(model, exc, X, y, start_time=started, **target)
        except TrackingError as tracking_error:
            import warnings

            warnings.warn(
                f"The failed fit was not recorded: {tracking_error}", stacklevel=3
            )
        raise
    run = log_run(model, X, y, **options)
    for f in fields(run):
        setattr(handle, f.name, getattr(run, f.name))


def log_failed_fit(
    model,
    error,
    X=None,
    y=None,
    *,
    start_time=None,
    tracking_uri=None,
    experiment=None,
    run_name=None,
    tags=None,
):
    """Record a fit that raised as a ``FAILED`` run, after the fact.

    The run holds the settings the fit was given as parameters, the data's
    shape and digest, and ``easy_mlops.error``: the exception's type and
    message.  :func:`track` calls this; so does ``easy-mlops train --track``.

    Parameters
    ----------
    model : estimator
        The estimator whose fit failed.
    error : BaseException
        What it raised.
    X, y : array-like, default=None
        The data it was given.
    start_time : float, default=None
        When the fit started (``time.time()``); now when None.
    tracking_uri, experiment, run_name, tags
        As for :func:`log_run`.

    Returns
    -------
    run_id : str
        The failed run.

    Raises
    ------
    TrackingError
        If the store cannot be reached or refuses the run.
    """
    mlflow = _mlflow()
    settings = resolve_tracking(
        None,
        tracking_uri=tracking_uri,
        experiment=experiment,
        run_name=run_name,
        tags=tags,
    )
    trainer = _final_trainer(model, fitted=False)
    params = _flatten(_settings_for(trainer)) if trainer is not None else {}
    run_tags = {
        **_data_tags(X, y),
        f"{_TAG}version": __version__,
        f"{_TAG}error": f"{type(error).__name__}: {error}"[:5000],
        **{str(k): str(v) for k, v in (settings["tags"] or {}).items()},
    }
    with _tracking_uri(mlflow, settings["tracking_uri"]) as uri:
        client = _reachable_client(mlflow, uri)
        try:
            experiment_id = _experiment_id(mlflow, client, settings["experiment"])
            run = client.create_run(
                experiment_id,
                start_time=int((start_time or time.time()) * 1000),
                tags=run_tags,
                run_name=settings["run_name"],
            )
            _log_batch(client, run.info.run_id, params, {})
            client.set_terminated(run.info.run_id, status="FAILED")
        except _store_errors(mlflow) as exc:
            raise _tracking_error(uri, exc) from exc
    return run.info.run_id


def load_logged_model(model_uri):
    """The fitted model logged at an MLflow model URI.

    Parameters
    ----------
    model_uri : str
        ``runs:/<run id>/model``, ``models:/<name>/<version>`` or any URI
        MLflow resolves, of a model logged by :func:`log_run`.  Relative
        URIs are read from ``MLFLOW_TRACKING_URI``, else ``mlflow.db``.

    Returns
    -------
    model : ModelTrainer or Pipeline
        What was logged: for the ``pyfunc`` models of the callable backends,
        the trainer loaded from the artifact file inside the model.

    Raises
    ------
    ModelLoadError
        If the URI cannot be resolved or the model was not logged by
        easy_mlops.
    """
    mlflow = _mlflow()
    from mlflow.models import get_model_info
    from mlflow.sklearn import load_model as load_sklearn_model

    try:
        flavors = get_model_info(model_uri).flavors
        if "sklearn" in flavors:
            return load_sklearn_model(model_uri)
        pyfunc = flavors.get("python_function", {})
        if pyfunc.get("loader_module") == __name__:
            local = mlflow.artifacts.download_artifacts(model_uri)
            return _load_artifact(Path(local) / pyfunc["data"])
    except _store_errors(mlflow) as exc:
        raise ModelLoadError(
            f"Cannot load the model at {model_uri}: {_reason(exc)}. Check the URI "
            "and that MLFLOW_TRACKING_URI names the store it was logged to "
            f"(now {mlflow.get_tracking_uri()})."
        ) from None
    raise ModelLoadError(
        f"{model_uri} is an MLflow model with flavours {sorted(flavors)}, not one "
        "logged by easy_mlops; load it with mlflow.pyfunc.load_model."
    )


def load_tracking_config(path):
    """The tracking settings of a YAML config file, checked.

    Parameters
    ----------
    path : str or path-like
        A whole MLOps config; its ``tracking:`` section is read (a file
        without one gives the defaults).

    Returns
    -------
    settings : dict
        ``enabled``, ``tracking_uri``, ``experiment``, ``run_name``,
        ``tags`` and ``register_as``.

    Raises
    ------
    easy_mlops.config.ConfigError
        For anything wrong in the file, with the key path and line.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from easy_mlops.tracking import load_tracking_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
    >>> _ = path.write_text("tracking:\\n  enabled: true\\n  experiment: demo\\n")
    >>> settings = load_tracking_config(path)
    >>> settings["enabled"], settings["experiment"], settings["tracking_uri"]
    (True, 'demo', None)
    """
    import yaml

    # load_config checks the whole file, the tracking section with its lines.
    load_config(path)
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    section = data.get("tracking") if isinstance(data, Mapping) else None
    return resolve_tracking(section)


# -- what a run records ------------------------------------------------------


@dataclass
class _Record:
    """Everything a run records, computed before anything is sent."""

    estimator: object
    trainer: ModelTrainer
    search: object
    params: dict
    metrics: dict
    steps: dict
    tags: dict
    X: object
    report: Path

    @classmethod
    def of(cls, model, X, y, report):
        search = model if hasattr(model, "cv_results_") else None
        if search is not None and not hasattr(search, "best_estimator_"):
            raise ValueError(
                f"{type(search).__name__} has no best_estimator_: fit it with "
                "refit=True so that there is one model to log."
            )
        estimator = model.best_estimator_ if search is not None else model
        trainer = _final_trainer(estimator, fitted=True)
        if trainer is None:
            raise TypeError(
                "log_run takes a fitted ModelTrainer, a Pipeline ending in one, or a "
                f"fitted search over them; got {type(model).__name__}."
            )
        check_is_fitted(trainer)
        if report is not None:
            report = Path(report)
            if not report.is_dir():
                raise ValueError(
                    f"report={str(report)!r} is not a folder; pass the folder "
                    "write_report wrote, or None."
                )
        result = trainer.training_result_
        metrics = {k: v for k, v in result.metrics.items() if v is not None}
        metrics["fit_seconds"] = result.fit_seconds
        steps = {"cv_score": list(result.cv_scores)} if result.cv_scores else {}
        tags = {
            f"{_TAG}version": __version__,
            f"{_TAG}backend": result.backend,
            f"{_TAG}model_type": result.model_type,
            f"{_TAG}model_name": result.model_name,
            f"{_TAG}problem_type": result.problem_type,
            f"{_TAG}problem_type_reason": result.problem_type_reason,
            f"{_TAG}flavor": _flavor(estimator, trainer),
            **_data_tags(X, y, result),
        }
        if search is not None:
            metrics["search_best_score"] = float(search.best_score_)
            tags[f"{_TAG}search"] = type(search).__name__
        return cls(
            estimator=estimator,
            trainer=trainer,
            search=search,
            params=_flatten(trainer.backend_.config),
            metrics=metrics,
            steps=steps,
            tags=tags,
            X=X,
            report=report,
        )


def _final_trainer(model, *, fitted):
    """The ModelTrainer that ``model`` is or ends in, else None.

    An unfitted search stands for the estimator it searches over.
    """
    if not fitted and isinstance(model, BaseSearchCV):
        model = model.estimator
    if isinstance(model, Pipeline):
        model = model.steps[-1][1]
    return model if isinstance(model, ModelTrainer) else None


def _flavor(estimator, trainer):
    """``sklearn`` unless the trainer alone is logged and takes X as given."""
    if estimator is trainer and not trainer.backend_.validates_input:
        return "pyfunc"
    return "sklearn"


def _settings_for(trainer):
    """The settings a trainer's fit was given, resolved when they resolve."""
    try:
        return trainer._resolve_settings()
    except (TypeError, ValueError):
        return {"config": trainer.config, **trainer.get_params(deep=False)}


def _flatten(settings, prefix=""):
    """A config as MLflow parameters: nested keys joined by dots, values as text."""
    params = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        value = _json_value(value)
        if isinstance(value, dict) and value:
            params.update(_flatten(value, f"{name}."))
        elif isinstance(value, (dict, list)):
            params[name] = json.dumps(value)
        else:
            params[name] = str(value)
    return params


def _data_tags(X, y, result=None):
    """The data's shape and a SHA-256 of its content."""
    tags = {}
    if X is not None:
        n_columns = X.shape[1] if len(getattr(X, "shape", ())) > 1 else None
        shape = (_num_samples(X), n_columns)
    elif result is not None:
        shape = (result.n_samples, result.n_features)
    else:
        return tags
    tags[f"{_TAG}data_shape"] = " x ".join(str(n) for n in shape if n is not None)
    if X is not None:
        tags[f"{_TAG}data_digest"] = _digest(X, y)
    return tags


def _digest(*parts):
    """SHA-256 over the content of each part.

    pandas objects are hashed row by row with their column names and dtypes
    (the same table read twice gives the same digest, whatever its memory
    layout); anything else through joblib's hash of its pickle.
    """
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"none")
        elif isinstance(part, (pd.DataFrame, pd.Series)):
            rows = pd.util.hash_pandas_object(part, index=False).to_numpy()
            names = list(part.columns) if part.ndim == 2 else [part.name]
            dtypes = list(part.dtypes) if part.ndim == 2 else [part.dtype]
            digest.update(repr((names, [str(d) for d in dtypes])).encode())
            digest.update(rows.tobytes())
        else:
            digest.update(joblib.hash(part).encode())
    return digest.hexdigest()


def _head(X):
    """The first rows of ``X``, for the input example; None if not sliceable."""
    if hasattr(X, "iloc"):
        return X.iloc[:_EXAMPLE_ROWS]
    if isinstance(X, (np.ndarray, list, tuple)):
        return X[:_EXAMPLE_ROWS]
    return None


def _requirements(trainer):
    """Pinned requirements of the model: those the artifact's manifest records."""
    names = {"easy_mlops": "easy-mlops", "python": None}
    return [
        f"{names.get(name, name)}=={version}"
        for name, version in library_versions(trainer.training_result_.model).items()
        if names.get(name, name) and version
    ]


def _candidates(search):
    """One (params, metrics, steps) per candidate of a fitted search."""
    results = search.cv_results_
    scorers = ["score"]
    if getattr(search, "multimetric_", False):
        scorers = sorted(search.scorer_)
    n_splits = search.n_splits_
    for i, candidate in enumerate(results["params"]):
        metrics, steps = {}, {}
        for scorer in scorers:
            suffix = "" if scorer == "score" else f"_{scorer}"
            metrics[f"cv_mean{suffix}"] = float(results[f"mean_test_{scorer}"][i])
            metrics[f"cv_std{suffix}"] = float(results[f"std_test_{scorer}"][i])
            metrics[f"rank{suffix}"] = float(results[f"rank_test_{scorer}"][i])
            steps[f"cv_score{suffix}"] = [
                float(results[f"split{k}_test_{scorer}"][i]) for k in range(n_splits)
            ]
        metrics["mean_fit_time"] = float(results["mean_fit_time"][i])
        yield _flatten(candidate), metrics, steps


# -- sending -----------------------------------------------------------------

_LOG_RUN_OPTIONS = {
    "tracking_uri",
    "experiment",
    "run_name",
    "tags",
    "register_as",
    "artifact",
    "report",
}
_FAILED_FIT_OPTIONS = {"tracking_uri", "experiment", "run_name", "tags"}


def _send(mlflow, uri, settings, record, artifact):
    """Log ``record`` to the store at ``uri``; the store is MLflow's current one."""
    active = mlflow.active_run()
    if active is not None:
        given = [k for k in ("tracking_uri", "experiment", "run_name") if settings[k]]
        if given:
            raise ValueError(
                f"An MLflow run is active ({active.info.run_id}) and log_run records "
                f"into it, so {', '.join(given)} cannot be chosen here: drop "
                f"{'it' if len(given) == 1 else 'them'} or end the run first."
            )
    # Everything local is computed before the first request.
    signature, example = _signature(mlflow, record)
    user_tags = {str(k): str(v) for k, v in (settings["tags"] or {}).items()}
    client = _reachable_client(mlflow, uri)
    run_id = None
    try:
        if active is None:
            experiment_id = _experiment_id(mlflow, client, settings["experiment"])
            run = mlflow.start_run(
                experiment_id=experiment_id, run_name=settings["run_name"]
            )
        else:
            run = active
        run_id = run.info.run_id
        _log_batch(
            client,
            run_id,
            record.params,
            record.metrics,
            {**record.tags, **user_tags},
            record.steps,
        )
        if artifact is not None:
            client.log_artifact(run_id, str(artifact), _ARTIFACT_FOLDER)
        if record.report is not None:
            client.log_artifacts(run_id, str(record.report), _REPORT_FOLDER)
        children = _log_candidates(mlflow, client, run, record) if record.search else []
        info = _log_model(mlflow, record, artifact, signature, example, settings)
        if active is None:
            mlflow.end_run()
    except _store_errors(mlflow) as exc:
        if active is None:
            _end_failed(mlflow)
        raise _tracking_error(uri, exc, run_id) from exc
    except BaseException:
        if active is None:
            _end_failed(mlflow)
        raise
    return TrackedRun(
        run_id=run_id,
        experiment_id=run.info.experiment_id,
        tracking_uri=uri,
        model_uri=f"runs:/{run_id}/{MODEL_NAME}",
        registered_model=settings["register_as"],
        registered_version=(
            None
            if info.registered_model_version is None
            else str(info.registered_model_version)
        ),
        child_run_ids=children,
    )


def _signature(mlflow, record):
    """Signature and input example from the first raw rows; (None, None) without."""
    from mlflow.models import infer_signature

    example = None if record.X is None else _head(record.X)
    if example is None:
        return None, None
    try:
        return infer_signature(example, record.estimator.predict(example)), example
    except (mlflow.exceptions.MlflowException, TypeError, ValueError) as exc:
        logger.warning("The model is logged without a signature: %s", exc)
        return None, None


def _log_model(mlflow, record, artifact, signature, example, settings):
    common = {
        "name": MODEL_NAME,
        "signature": signature,
        "input_example": example,
        "registered_model_name": settings["register_as"],
        # Inferring them loads the model in a subprocess (seconds); these are
        # the versions the artifact's manifest records.
        "pip_requirements": _requirements(record.trainer),
    }
    if _flavor(record.estimator, record.trainer) == "pyfunc":
        import mlflow.pyfunc

        return mlflow.pyfunc.log_model(
            loader_module=__name__, data_path=str(artifact), **common
        )
    import mlflow.sklearn

    # skops cannot store a ModelTrainer; pickle is what the artifact file
    # uses too, with the same rule: load models from stores you trust.
    with _without_pickle_warning():
        return mlflow.sklearn.log_model(
            record.estimator, serialization_format="pickle", **common
        )


def _log_candidates(mlflow, client, parent, record):
    from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

    children = []
    for i, (params, metrics, steps) in enumerate(_candidates(record.search)):
        child = client.create_run(
            parent.info.experiment_id,
            run_name=f"candidate {i}",
            tags={MLFLOW_PARENT_RUN_ID: parent.info.run_id},
        )
        _log_batch(client, child.info.run_id, params, metrics, {}, steps)
        client.set_terminated(child.info.run_id)
        children.append(child.info.run_id)
    return children


def _log_batch(client, run_id, params, metrics, tags=None, steps=None):
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


def _experiment_id(mlflow, client, name):
    """The id of experiment ``name``, created when missing; None for the default."""
    if name is None:
        return None
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(name)


def _reachable_client(mlflow, uri):
    """A client of ``uri`` that has answered one request."""
    client = mlflow.MlflowClient(uri)
    try:
        with _one_try():
            client.search_experiments(max_results=1)
    except _store_errors(mlflow) as exc:
        raise _tracking_error(uri, exc) from exc
    return client


def _end_failed(mlflow):
    """Leave the run FAILED if the store still answers; never raise."""
    try:
        with _one_try():
            mlflow.end_run(status="FAILED")
    except Exception:
        logger.debug("Could not mark the run FAILED", exc_info=True)


def _store_errors(mlflow):
    return (mlflow.exceptions.MlflowException, OSError)


def _tracking_error(uri, exc, run_id=None):
    left = f" Run {run_id} is left FAILED." if run_id else " Nothing was recorded."
    return TrackingError(
        f"Tracking to {_safe_uri(uri)} failed: {_reason(exc)}.{left}",
        tracking_uri=uri,
        run_id=run_id,
    )


def _reason(exc):
    """The root cause of an MLflow error, in one short line."""
    text = str(exc)
    refused = re.search(r"\[Errno -?\d+\] [^\"')]+", text)
    if refused:
        return f"the server did not answer ({refused.group(0).strip()})"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def _safe_uri(uri):
    """``uri`` without a password (``https://user:secret@host``)."""
    return re.sub(r"//([^/@:]+):[^/@]*@", r"//\1:***@", uri)


# -- MLflow's global state, scoped ------------------------------------------


def _mlflow():
    try:
        import mlflow
    except ImportError as exc:
        raise ImportError(
            f"Tracking runs needs MLflow, which is not installed ({exc}). Install "
            f"it with: {INSTALL_COMMAND}"
        ) from None
    return mlflow


@contextmanager
def _tracking_uri(mlflow, uri):
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


# -- the pyfunc flavour of the callable backends -----------------------------


def _load_pyfunc(data_path):
    """MLflow's loader hook: the trainer in the artifact file answers ``predict``."""
    return _load_artifact(data_path)
