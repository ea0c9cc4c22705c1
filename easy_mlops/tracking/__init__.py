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

import tempfile
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

from .._version import __version__
from ..training._config import read_document, validate_document
from ..training.persistence import load_model as _load_artifact
from ._config import TRACKING_DEFAULTS, check_tracking_section, resolve_tracking
from ._loading import load_logged_model
from ._record import (
    TAG_PREFIX,
    RunRecord,
    data_tags,
    final_trainer,
    flatten,
    settings_for,
)
from ._store import (
    INSTALL_COMMAND,
    MODEL_NAME,
    TrackedRun,
    TrackingError,
    import_mlflow,
    log_batch,
    open_run,
    reachable_client,
    send,
    tracking_uri_used,
    user_tags,
)

__all__ = [
    "INSTALL_COMMAND",
    "MODEL_NAME",
    "SETTING_KEYWORDS",
    "TrackedRun",
    "TrackingError",
    "load_logged_model",
    "load_tracking_config",
    "log_failed_fit",
    "log_run",
    "track",
]

#: The file name of the artifact :func:`log_run` saves when given none.
_ARTIFACT_FILE = "model.easymlops"
#: Where a run goes, as keywords (the ``tracking:`` keys but ``enabled``), and
#: what a failed fit does not take (it has no model to register).
SETTING_KEYWORDS = tuple(key for key in TRACKING_DEFAULTS if key != "enabled")
_FAILED_FIT_KEYWORDS = tuple(key for key in SETTING_KEYWORDS if key != "register_as")
_LOG_RUN_KEYWORDS = (*SETTING_KEYWORDS, "artifact", "report")


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
    per fold as metrics (an ensemble adds ``ensemble_weight.<model_type>``
    for each member); ``easy_mlops.*`` tags (version, backend, model type
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
    MLflow's default store is ``mlflow.db`` in the working directory, with
    the artifacts in ``mlruns/`` beside it; the example works in a new one.

    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.tracking import log_run
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> trainer = ModelTrainer(model_type="logistic_regression", cv_folds=3)
    >>> here = os.getcwd()
    >>> os.chdir(tempfile.mkdtemp())
    >>> run = log_run(trainer.fit(X, y), X, y, experiment="iris")
    >>> run.tracking_uri.endswith("/mlflow.db")
    True
    >>> run.model_uri == f"runs:/{run.run_id}/model"
    True
    >>> os.chdir(here)
    """
    mlflow = import_mlflow()
    settings = resolve_tracking(
        None,
        tracking_uri=tracking_uri,
        experiment=experiment,
        run_name=run_name,
        tags=tags,
        register_as=register_as,
    )
    record = RunRecord.of(model, X, y, report)
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
        with tracking_uri_used(mlflow, settings["tracking_uri"]) as uri:
            return send(mlflow, uri, settings, record, artifact)


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
    >>> import os, tempfile
    >>> from sklearn.datasets import load_diabetes
    >>> from easy_mlops import ModelTrainer
    >>> from easy_mlops.tracking import track
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> trainer = ModelTrainer(model_type="linear_regression", cv_folds=3)
    >>> here = os.getcwd()
    >>> os.chdir(tempfile.mkdtemp())
    >>> with track(trainer, X, y, experiment="diabetes") as run:
    ...     _ = trainer.fit(X, y)
    >>> len(run.run_id)
    32
    >>> os.chdir(here)
    """
    handle = TrackedRun()
    unknown = set(options).difference(_LOG_RUN_KEYWORDS)
    if unknown:
        raise TypeError(
            f"track() got unexpected keyword(s) {sorted(unknown)}; it takes those "
            f"of log_run: {sorted(_LOG_RUN_KEYWORDS)}."
        )
    import_mlflow()
    try:
        yield handle
    except Exception as exc:
        target = {k: v for k, v in options.items() if k in _FAILED_FIT_KEYWORDS}
        try:
            log_failed_fit(model, exc, X, y, **target)
        except TrackingError as tracking_error:
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
    tracking_uri=None,
    experiment=None,
    run_name=None,
    tags=None,
):
    """Record a fit that raised as a ``FAILED`` run, after the fact.

    The run holds the settings the fit was given as parameters, the data's
    shape and digest, and ``easy_mlops.error``: the exception's type and
    message.  :func:`track` calls this; so does ``easy-mlops train --track``.
    Inside an active MLflow run the record goes into that run, which MLflow
    ends as ``FAILED`` when the error leaves its ``with`` block.

    Parameters
    ----------
    model : estimator
        The estimator whose fit failed.
    error : BaseException
        What it raised.
    X, y : array-like, default=None
        The data it was given.
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
    mlflow = import_mlflow()
    settings = resolve_tracking(
        None,
        tracking_uri=tracking_uri,
        experiment=experiment,
        run_name=run_name,
        tags=tags,
    )
    trainer = final_trainer(model, fitted=False)
    params = flatten(settings_for(trainer)) if trainer is not None else {}
    run_tags = {
        **data_tags(X, y),
        f"{TAG_PREFIX}version": __version__,
        f"{TAG_PREFIX}error": f"{type(error).__name__}: {error}"[:5000],
        **user_tags(settings),
    }
    with tracking_uri_used(mlflow, settings["tracking_uri"]) as uri:
        client = reachable_client(mlflow, uri)
        with open_run(mlflow, client, uri, settings, status="FAILED") as run:
            log_batch(client, run.info.run_id, params, {}, run_tags)
    return run.info.run_id


def load_tracking_config(path=None, *, sections=None, **overrides):
    """The tracking settings of a config file and the command line, checked.

    Parameters
    ----------
    path : str or path-like, default=None
        A YAML config; its ``tracking:`` section is read (a file without one,
        or no file, gives the defaults).
    sections : dict, default=None
        Instead of ``path``: the sections of a config already read with
        :func:`easy_mlops.config.read_config`, so that a file is read once
        (a pipe, ``--config <(...)``, can be read only once).
    **overrides
        Settings that win over the file when not None: ``enabled``,
        ``tracking_uri``, ``experiment``, ``run_name``, ``tags``,
        ``register_as``.  Giving ``tracking_uri``, ``experiment`` or
        ``register_as`` turns tracking on unless ``enabled=False``.

    Returns
    -------
    settings : dict
        Every key of the ``tracking:`` section.

    Raises
    ------
    easy_mlops.config.ConfigError
        For anything wrong in the file, with the key path and line.
    ValueError
        For an override its key does not allow.
    ImportError
        If the settings enable tracking and MLflow is not installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from easy_mlops.tracking import load_tracking_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
    >>> _ = path.write_text("tracking:\\n  experiment: demo\\n")
    >>> settings = load_tracking_config(path)
    >>> settings["enabled"], settings["experiment"], settings["tracking_uri"]
    (False, 'demo', None)
    >>> load_tracking_config(path, register_as="demo-model")["enabled"]
    True
    """
    section = None if sections is None else sections.get("tracking")
    if path is not None:
        # One read; the whole file is checked, the tracking section with its
        # lines, as easy_mlops.config.load_config does.
        data, lines = read_document(Path(path))
        data = {} if data is None else data
        validate_document(
            data, Path(path), lines, sections={"tracking": check_tracking_section}
        )
        section = data.get("tracking") if isinstance(data, Mapping) else None
    if overrides.get("enabled") is None and any(
        overrides.get(key) is not None
        for key in ("tracking_uri", "experiment", "register_as")
    ):
        overrides["enabled"] = True
    settings = resolve_tracking(section, **overrides)
    if settings["enabled"]:
        import_mlflow()
    return settings


# -- the pyfunc flavour of the callable backends -----------------------------


def _load_pyfunc(data_path):
    """MLflow's loader hook: the trainer in the artifact file answers ``predict``."""
    return _load_artifact(data_path)
