"""The command line's MLflow tracking: the ``--track`` options, failed fits
recorded as FAILED runs, and the run sent after a successful ``train``."""

# License: BSD 3 clause

import logging
import sys
from contextlib import contextmanager

import click

__all__ = [
    "TRACKING_FAILED_STATUS",
    "failed_fit_tracked",
    "log_tracked_run",
    "tracking_options",
]

#: Exit status of ``train --track`` when the model is saved but the tracking
#: store could not be reached or did not take the run.
TRACKING_FAILED_STATUS = 3


def tracking_options(command):
    """``--track`` and its settings; they win over the config's ``tracking:``."""
    options = [
        click.option(
            "--track/--no-track",
            "enabled",
            multiple=True,
            callback=_one_choice,
            help="Record the run with MLflow (the mlflow extra).  [default: the "
            "config's tracking.enabled, else off]",
        ),
        click.option(
            "--tracking-uri",
            metavar="URI",
            help="MLflow tracking store; implies --track.  [default: the "
            "config's tracking.tracking_uri, else MLFLOW_TRACKING_URI, else "
            "sqlite:///mlflow.db]",
        ),
        click.option(
            "--experiment", metavar="NAME", help="MLflow experiment; implies --track."
        ),
        click.option(
            "--register",
            "register_as",
            metavar="NAME",
            help="Register the model as NAME in the Model Registry; implies --track.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _one_choice(ctx, param, values):
    """``--track`` or ``--no-track``: None if neither is given, an error if both."""
    if len(set(values)) > 1:
        raise click.UsageError(
            "--track and --no-track contradict each other; give one."
        )
    return values[0] if values else None


@contextmanager
def failed_fit_tracked(tracked, trainer, X, y):
    """With tracking on, record a fit that raises as a FAILED run."""
    from .. import tracking

    if not tracked["enabled"]:
        yield
        return
    try:
        yield
    except Exception as exc:
        settings = {k: tracked[k] for k in tracking.SETTING_KEYWORDS}
        settings.pop("register_as")
        try:
            tracking.log_failed_fit(trainer, exc, X, y, **settings)
        except tracking.TrackingError as error:
            click.echo(f"Note: the failed fit was not recorded: {error}", err=True)
        raise


def log_tracked_run(tracked, trainer, X, y, saved, report_dir, out):
    """Send the run; if the store fails, say so in one line and exit 3."""
    from .. import tracking

    settings = {k: tracked[k] for k in tracking.SETTING_KEYWORDS}
    try:
        with _quiet_database_errors():
            run = tracking.log_run(
                trainer, X, y, artifact=saved, report=report_dir, **settings
            )
    except tracking.TrackingError as exc:
        click.echo(click.style("Error: ", fg="red", bold=True), err=True, nl=False)
        click.echo(f"{exc} The model is saved in {saved}.", err=True)
        sys.exit(TRACKING_FAILED_STATUS)
    out.print(f"Run {run.run_id} recorded in {run.tracking_uri}.", markup=False)
    if run.registered_version is not None:
        out.print(
            f"Registered as {run.registered_model!r}, version "
            f"{run.registered_version}.",
            markup=False,
        )
    # A store named in the config or on the command line is not MLflow's default.
    store = tracked["tracking_uri"] and f"MLFLOW_TRACKING_URI={run.tracking_uri} "
    out.print(
        f"Serve it with: {store or ''}mlflow models serve -m {run.model_uri} "
        "--env-manager local",
        markup=False,
    )


@contextmanager
def _quiet_database_errors():
    """MLflow logs a database error with its traceback before raising it; the
    command line says it once, in one line."""
    logger = logging.getLogger("mlflow.store.db.utils")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
