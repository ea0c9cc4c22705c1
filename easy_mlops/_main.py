"""The ``easy-mlops`` command line: train, predict, evaluate, backends, init.

It needs the ``cli`` extra (click, rich, and pyarrow for Parquet); importing
``easy_mlops`` never imports this module.
"""

# License: BSD 3 clause

import functools
import importlib.metadata
import importlib.util
import logging
import os
import re
import sys
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from . import tracking
from ._suggest import closest_match
from ._version import __version__
from .config import load_config, write_default_config
from .training import ModelTrainer, registry
from .training.metrics import compute_metrics
from .training.progress import report_progress
from .training.settings import resolve_settings

__all__ = ["main"]

#: Where ``train`` saves the model when ``--output`` is not given.
DEFAULT_MODEL_PATH = "model.easymlops"
#: Where ``init`` writes the config when no path is given.
DEFAULT_CONFIG_PATH = "easy-mlops.yaml"

# Errors a user can cause: bad files, bad settings, bad data, a missing
# optional package.  They end the command with status 2 and one message.
_USER_ERRORS = (ValueError, OSError, ImportError)
#: Exit status of ``train --track`` when the model is saved but the tracking
#: store could not be reached or did not take the run.
TRACKING_FAILED_STATUS = 3


class DataError(ValueError):
    """The data file cannot be used as given."""


def _user_command(command):
    """Turn user errors into one message and status 2; ``--debug`` shows more."""

    @click.option(
        "--debug",
        is_flag=True,
        help="Log each step and show the traceback of an error.",
    )
    @functools.wraps(command)
    def wrapper(*args, debug, **kwargs):
        if debug:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(
                logging.Formatter("%(levelname)s %(name)s: %(message)s")
            )
            logger = logging.getLogger("easy_mlops")
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            # The reader closed the pipe (`easy-mlops predict ... | head`): say
            # nothing, and send what is left to devnull so that the flush at
            # exit does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except _USER_ERRORS as exc:
            if debug:
                traceback.print_exc()
            click.echo(click.style("Error: ", fg="red", bold=True), err=True, nl=False)
            click.echo(_error_text(exc), err=True)
            if not debug:
                click.echo("(Run again with --debug to see the traceback.)", err=True)
            sys.exit(2)

    return wrapper


def _error_text(exc):
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc)


# -- tracking ------------------------------------------------------------------


def _tracking_options(command):
    """``--track`` and its settings; they win over the config's ``tracking:``."""
    options = [
        click.option(
            "--track/--no-track",
            "enabled",
            default=None,
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


class _ModelSource(click.ParamType):
    """A model file, or an MLflow model URI such as ``runs:/<id>/model``."""

    name = "model"
    _uri = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")

    def convert(self, value, param, ctx):
        if isinstance(value, str) and self._uri.match(value):
            return value
        file = click.Path(exists=True, dir_okay=False, path_type=Path)
        return file.convert(value, param, ctx)


@contextmanager
def _failed_fit_tracked(tracked, trainer, X, y):
    """With tracking on, record a fit that raises as a FAILED run."""
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


def _log_tracked_run(tracked, trainer, X, y, saved, report_dir, out):
    """Send the run; if the store fails, say so in one line and exit 3."""
    settings = {k: tracked[k] for k in tracking.SETTING_KEYWORDS}
    try:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="easy-mlops")
def cli():
    """Train, evaluate and use models from a YAML config and a data file."""


@cli.command()
@click.argument(
    "data",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--target", "-t", help="Target column.  [default: the last column]")
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML config: a whole MLOps config or its training section.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_MODEL_PATH,
    show_default=True,
    help="Where to save the trained model.",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write metrics.json, plots and index.html to this directory.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@_tracking_options
@_user_command
def train(data, target, config_path, output, report_dir, quiet, **tracking_options):
    """Train a model on DATA (CSV or Parquet) and save it.

    Without DATA, trains on scikit-learn's bundled breast-cancer table.
    """
    out = Console(quiet=quiet, highlight=False, soft_wrap=True)
    trainer = ModelTrainer(load_config(config_path) if config_path else {})
    tracked = tracking.load_tracking_config(config_path, **tracking_options)
    if data is None:
        frame, source = _demo_frame(), "the bundled breast-cancer demo data"
        target = target or "diagnosis"
    else:
        frame, source = _read_table(data), str(data)
    X, y, target = _split_target(frame, target, source, trainer)
    out.print(
        f"Training on {source}: {X.shape[0]} rows, {X.shape[1]} features, "
        f"target {target!r}.",
        markup=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _progress_bar(quiet), _failed_fit_tracked(tracked, trainer, X, y):
            trainer.fit(X, y)
    result = trainer.training_result_
    out.print(
        f"Problem type: [bold]{result.problem_type}[/bold] "
        f"({escape(result.problem_type_reason)})."
    )
    out.print(
        f"Model: {result.model_name} (backend {result.backend!r}, model_type "
        f"{result.model_type!r}), trained in {result.fit_seconds:.1f} s.",
        markup=False,
    )
    out.print(_metrics_table(result.metrics, _metric_sources(result)))
    for note in [*result.skipped, *_unique_messages(caught)]:
        out.print(f"[yellow]Note:[/yellow] {escape(note)}")
    saved = trainer.save_model(output)
    out.print(f"Model saved to {saved}", markup=False)
    if report_dir is not None:
        from .report import holdout_predictions, write_report
        from .training import inspect_model

        y_true, y_pred = holdout_predictions(trainer, X, y)
        report = write_report(
            trainer,
            report_dir,
            y_true=y_true,
            y_pred=y_pred,
            manifest=inspect_model(saved),
        )
        for note in report.notes:
            out.print(f"[yellow]Note:[/yellow] {escape(note)}")
        out.print(f"Report written to {report.index}", markup=False)
    if tracked["enabled"]:
        _log_tracked_run(tracked, trainer, X, y, saved, report_dir, out)


@cli.command()
@click.argument("model", type=_ModelSource())
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file for the predictions.  [default: standard output]",
)
@_user_command
def predict(model, data, output):
    """Predict DATA (CSV or Parquet) with a saved MODEL; write CSV.

    MODEL is a file or an MLflow model URI (runs:/RUN_ID/model,
    models:/NAME/VERSION) of the store MLFLOW_TRACKING_URI names.
    """
    trainer = _load_model(model)
    X = _features_for(trainer, _read_table(data), str(data))
    predictions = pd.DataFrame({"prediction": trainer.predict(X)})
    if output is None:
        predictions.to_csv(sys.stdout, index=False)
    else:
        predictions.to_csv(output, index=False)
        click.echo(f"Wrote {len(predictions)} predictions to {output}")


@cli.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--target",
    "-t",
    help="Target column.  [default: the one column the model does not use, "
    "else the last column]",
)
@_user_command
def evaluate(model, data, target):
    """Score a saved MODEL on labelled DATA (CSV or Parquet)."""
    trainer = _load_model(model)
    frame, source = _read_table(data), str(data)
    if target is None:
        unused = [c for c in frame.columns if c not in _feature_names(trainer)]
        target = unused[0] if len(unused) == 1 else None
    _, y, target = _split_target(frame, target, source, None)
    X = _features_for(trainer, frame.drop(columns=target), source)
    y = _target_like_training(trainer, y, target)
    metrics = compute_metrics(trainer.problem_type_, y, trainer.predict(X))
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"Evaluated on {source}: {len(y)} rows, target {target!r}.", markup=False)
    out.print(_metrics_table(metrics, {}))


@cli.command()
@_user_command
def backends():
    """List the backends, their model types and their optional packages."""
    table = Table(title="Training backends")
    for column in ("backend", "model_type"):
        table.add_column(column, no_wrap=True)
    for column in ("trains", "extra", "installed"):
        table.add_column(column)
    own_keys = {}
    for name in registry.available_backends():
        backend = registry.get_backend(name)
        keys = backend.config_keys
        own_keys[name] = "any key" if keys is None else ", ".join(keys) or "none"
        catalogue = getattr(backend, "model_types", None) or {"-": None}
        for i, (model_type, spec) in enumerate(catalogue.items()):
            extra = (spec.extra if spec is not None else None) or backend.extra
            kinds = spec.problem_types if spec is not None else ("any",)
            table.add_row(
                name if i == 0 else "",
                model_type,
                "both" if len(kinds) == 2 else kinds[0],
                extra or "-",
                ("yes" if _extra_installed(extra) else "no") if extra else "yes",
            )
        table.add_section()
    out = Console(highlight=False, soft_wrap=True)
    out.print(table)
    out.print(
        'An extra installs with: pip install "easy-mlops\\[EXTRA]"',
        "Keys each backend reads besides the shared ones:",
        sep="\n",
    )
    for name, keys in own_keys.items():
        out.print(f"  {name}: {keys}", markup=False)


@cli.command()
@click.argument(
    "path",
    required=False,
    default=DEFAULT_CONFIG_PATH,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--force", "-f", is_flag=True, help="Overwrite an existing file.")
@_user_command
def init(path, force):
    """Write a commented config holding every default to PATH.

    PATH defaults to easy-mlops.yaml.
    """
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; pass --force to overwrite it.")
    write_default_config(path, overwrite=True)
    click.echo(f"Wrote {path}; train with: easy-mlops train DATA --config {path}")


# -- data ----------------------------------------------------------------------


def _demo_frame():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["diagnosis"] = data.target_names[data.target.to_numpy()]
    return frame


def _read_table(path):
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(path)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            raise DataError(
                f"{path}: unknown file type {suffix or '(none)'!r}; DATA must be "
                "a CSV (.csv) or Parquet (.parquet) file."
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty.") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path} is not a readable CSV file: {exc}") from None
    except ImportError as exc:
        raise ImportError(
            f"Reading Parquet needs pyarrow ({exc}). Install it with: "
            'pip install "easy-mlops[cli]"'
        ) from None
    if frame.shape[0] == 0:
        raise DataError(f"{path} has a header but no rows.")
    return frame


def _split_target(frame, target, source, trainer):
    """Features, target and the target's name; checked before any training."""
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    if target is None:
        target = columns[-1]
    if target not in columns:
        raise DataError(
            f"{source} has no column {target!r}{_did_you_mean(target, columns)} "
            f"Columns: {', '.join(columns)}."
        )
    if len(columns) < 2:
        raise DataError(f"{source} has only the target column {target!r}.")
    y = frame[target]
    missing = int(y.isna().sum())
    if missing:
        raise DataError(
            f"The target column {target!r} of {source} has {missing} empty "
            "value(s); drop or fill those rows first."
        )
    X = frame.drop(columns=target)
    if trainer is not None and _validates_input(trainer):
        text = [c for c in X.columns if not _is_numeric(X[c])]
        if text:
            raise DataError(
                f"Feature column(s) {', '.join(map(repr, text))} of {source} hold "
                "text; the model needs numbers. Encode or drop them first, or "
                f"pass --target if the target is not {target!r}."
            )
    return X, y, target


def _validates_input(trainer):
    backend_name = resolve_settings(trainer.config, {})["backend"]
    return registry.get_backend(backend_name).validates_input


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _feature_names(trainer):
    return [str(c) for c in getattr(trainer, "feature_names_in_", [])]


def _features_for(trainer, frame, source):
    """The columns the model was trained on, in its order."""
    frame.columns = [str(c) for c in frame.columns]
    names = _feature_names(trainer)
    if not names:
        return frame
    missing = [name for name in names if name not in frame.columns]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise DataError(
            f"{source} lacks {len(missing)} column(s) the model was trained on: "
            f"{', '.join(map(repr, missing[:5]))}{more}."
        )
    return frame[names]


def _target_like_training(trainer, y, target):
    """Labels read from a file, as the labels the model predicts."""
    classes = getattr(trainer, "classes_", None)
    if classes is None:
        return y.to_numpy()
    labels = y.to_numpy()
    unknown = sorted(set(labels.tolist()) - set(classes.tolist()), key=str)
    if unknown and classes.dtype.kind in "OUS":
        labels = labels.astype(str)
        unknown = sorted(set(labels.tolist()) - set(classes.tolist()), key=str)
    if unknown:
        raise DataError(
            f"The target column {target!r} holds label(s) the model never saw: "
            f"{', '.join(map(repr, unknown[:5]))}. The model knows: "
            f"{', '.join(map(repr, classes.tolist()[:10]))}."
        )
    return labels


def _load_model(path):
    if isinstance(path, str):
        return tracking.load_logged_model(path)
    from .training import load_model

    return load_model(path)


# -- output --------------------------------------------------------------------


def _metric_sources(result):
    sources = {}
    if result.n_test:
        sources.update(dict.fromkeys(result.metrics, f"hold-out, {result.n_test} rows"))
    if result.cv_scores:
        folds = f"{len(result.cv_scores)}-fold cross-validation of {result.scoring}"
        sources.update(dict.fromkeys(("cv_mean", "cv_std"), folds))
    return sources


def _metrics_table(metrics, sources):
    table = Table(title="Metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    if sources:
        table.add_column("from")
    for name, value in metrics.items():
        shown = "n/a" if value is None or not np.isfinite(value) else f"{value:.4f}"
        table.add_row(name, shown, *([sources.get(name, "")] if sources else []))
    return table


def _unique_messages(caught):
    seen = []
    for warning in caught:
        message = f"{warning.category.__name__}: {warning.message}"
        if message not in seen:
            seen.append(message)
    return seen


@contextmanager
def _progress_bar(quiet):
    """A progress bar over the fits, on a terminal only (on standard error)."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield
        return
    progress = Progress(
        TextColumn("Fitting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks = []

    def update(event):
        if event.completed == 0:
            tasks.append(progress.add_task("", total=event.total))
        description = f"last: {event.role}" if event.role else ""
        progress.update(tasks[-1], completed=event.completed, description=description)

    with progress, report_progress(update):
        yield


def _extra_installed(extra):
    """Whether every package of the ``easy-mlops[extra]`` extra is installed."""
    try:
        requirements = importlib.metadata.requires("easy-mlops") or []
    except importlib.metadata.PackageNotFoundError:
        requirements = []
    marker = re.compile(rf"""extra\s*==\s*["']{re.escape(extra)}["']""")
    names = [
        re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        for requirement in requirements
        if marker.search(requirement)
    ]
    if not names:
        return importlib.util.find_spec(extra) is not None
    for name in names:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            return False
    return True


def _did_you_mean(word, choices):
    match = closest_match(word, choices)
    return f"; did you mean {match!r}?" if match else "."


def main(argv=None):
    """Run the ``easy-mlops`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    cli.main(args=argv, prog_name="easy-mlops")
