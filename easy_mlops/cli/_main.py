"""The ``easy-mlops`` commands: train, predict, evaluate, backends, init.

Their helpers live beside them: ``_options`` (errors, shared options),
``_data`` (reading tables, matching columns), ``_tables`` (the table reader),
``_output`` (tables), ``_progress`` (the progress bar, a scikit-learn
callback) and ``_tracking`` (MLflow); importing ``easy_mlops`` never imports
any of them.
"""

# License: BSD 3 clause

import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

import click

from .._suggest import did_you_mean
from .._version import __version__
from ._data import (
    check_not_an_input,
    check_output_path,
    check_train_paths,
    demo_frame,
    features_for,
    joinable_predictions,
    load_model,
    read,
    target_like_training,
    write_atomically,
)
from ._options import (
    ModelSource,
    given_once,
    override_options,
    reading_options,
    user_command,
)
from ._output import (
    backends_table,
    columns_table,
    leaderboard_table,
    metric_sources,
    metrics_table,
    threads_text,
    unique,
    warning_messages,
)
from ._progress import progress_bar
from ._tracking import (
    failed_fit_tracked,
    log_tracked_run,
    tracking_options,
)

__all__ = ["main"]

#: Where ``train`` saves the model when ``--output`` is not given.
DEFAULT_MODEL_PATH = "model.easymlops"
#: Where ``init`` writes the config when no path is given.
DEFAULT_CONFIG_PATH = "easy-mlops.yaml"


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
@click.option(
    "--target",
    "-t",
    multiple=True,
    callback=given_once,
    help="Target column.  [default: the last column]",
)
@click.option(
    "--id",
    "ids",
    multiple=True,
    metavar="COL",
    help="Identifier column: kept out of the features and written first in "
    "predict's output.  Repeatable.",
)
@click.option(
    "--drop",
    multiple=True,
    metavar="COL",
    help="Column to leave out.  Repeatable.",
)
@click.option(
    "--group",
    "group_column",
    metavar="COL",
    help="Column naming the entity of each row (a person, a shop): the "
    "hold-out and every fold keep an entity on one side.  Not a feature.",
)
@click.option(
    "--time",
    "time_column",
    metavar="COL",
    help="Column of dates or numbers ordering the rows: the hold-out is the "
    "latest rows and the folds chain forward in time.  Not a feature.",
)
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML config: a whole MLOps config or its training section.",
)
@override_options
@reading_options
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
@tracking_options
@user_command
def train(
    data,
    target,
    ids,
    drop,
    group_column,
    time_column,
    config_path,
    output,
    report_dir,
    quiet,
    na_values,
    encoding,
    enabled,
    tracking_uri,
    experiment,
    register_as,
    **overrides,
):
    """Train a model on DATA (CSV, TSV or Parquet) and save it.

    Without DATA, trains on scikit-learn's bundled breast-cancer table.
    """
    import warnings

    from rich.console import Console
    from rich.markup import escape

    from .. import tracking
    from ..config import read_config
    from ..training import ModelTrainer
    from ._tables import Table, drop_missing_targets, split_columns

    out = Console(quiet=quiet, highlight=False, soft_wrap=True)
    both = [name for name in ids if name in drop]
    if both:
        raise click.UsageError(
            f"Column(s) {', '.join(map(repr, both))} given to both --id and --drop; "
            "a column is either an identifier or left out."
        )
    check_train_paths(data, config_path, output, report_dir)
    # Read once: a pipe (--config <(...)) cannot be read twice, and a file
    # changed while training must not give tracking another config.
    with warnings.catch_warnings(record=True) as early:
        warnings.simplefilter("always")
        training, sections = read_config(config_path) if config_path else ({}, {})
    # Said before training, which such a setting may keep from ending.
    shown = unique(warning_messages(early))
    for note in shown:
        out.print(f"[yellow]Warning:[/yellow] {escape(note)}")
    trainer = ModelTrainer(training)
    if overrides.get("model_type") and "," in overrides["model_type"]:
        overrides["model_type"] = [
            name.strip() for name in overrides["model_type"].split(",") if name.strip()
        ]
    overrides.update(group_column=group_column, time_column=time_column)
    trainer.set_params(**{k: v for k, v in overrides.items() if v is not None})
    tracked = tracking.load_tracking_config(
        sections=sections,
        enabled=enabled,
        tracking_uri=tracking_uri,
        experiment=experiment,
        register_as=register_as,
    )
    if data is None:
        table = Table(demo_frame(), "the bundled breast-cancer demo data")
        target = target or "diagnosis"
    else:
        table = read(data, na_values, encoding)
    row_columns = [
        (option, name)
        for option, name in (("--group", group_column), ("--time", time_column))
        if name is not None
    ]
    target = split_columns(
        table, target=target, ids=ids, drop=drop, row_columns=row_columns
    )
    drop_missing_targets(table, target)
    frame = table.frame
    # The trainer takes the group and time columns out of the features itself
    # (predict then accepts tables that hold them), even when they are --id too.
    kept = {name for _, name in row_columns}
    X = frame.drop(columns=[target, *(c for c in (*ids, *drop) if c not in kept)])
    y = frame[target]
    out.print(
        f"Training on {table.source}: {X.shape[0]} rows, "
        f"{X.shape[1] - len(kept)} features, target {target!r}.",
        markup=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracked_fit = failed_fit_tracked(tracked, trainer, X, y)
        with progress_bar(trainer, quiet=quiet), tracked_fit:
            trainer.fit(X, y)
    result = trainer.training_result_
    result.id_columns = list(ids)
    out.print(
        f"Problem type: [bold]{result.problem_type}[/bold] "
        f"({escape(result.problem_type_reason)})."
    )
    out.print(
        f"Model: {result.model_name} (backend {result.backend!r}, model_type "
        f"{result.model_type!r}), trained in {result.fit_seconds:.1f} s"
        f"{threads_text(result.threads)}.",
        markup=False,
    )
    if result.column_treatment:
        out.print(columns_table(result))
    if result.leaderboard:
        out.print(leaderboard_table(result))
    if result.ensemble_weights:
        weights = ", ".join(f"{k} {v:.2f}" for k, v in result.ensemble_weights.items())
        out.print(f"Ensemble weights: {weights}.", markup=False)
    skipped = list(result.skipped)
    if result.metrics:
        baseline = result.baseline.get("metrics")
        out.print(metrics_table(result.metrics, metric_sources(result), baseline))
    else:
        why = " ".join(skipped) or "test_size and cv_folds turn both off."
        out.print(f"No metrics: {why}", markup=False)
        skipped = []
    messages = [
        m for m in warning_messages(caught) if m not in [*result.skipped, *shown]
    ]
    for note in unique([*table.notes, *skipped, *messages]):
        out.print(f"[yellow]Note:[/yellow] {escape(note)}")
    saved = trainer.save_model(output)
    out.print(f"Model saved to {saved}", markup=False)
    if report_dir is not None:
        from ..report import write_report
        from ..training import inspect_model

        report = write_report(
            trainer,
            report_dir,
            manifest=inspect_model(saved),
            data=frame,
            source=table.source,
        )
        for note in report.notes:
            out.print(f"[yellow]Note:[/yellow] {escape(note)}")
        out.print(f"Report written to {report.index}", markup=False)
    if tracked["enabled"]:
        log_tracked_run(tracked, trainer, X, y, saved, report_dir, out)


@cli.command()
@click.argument("model", type=ModelSource())
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file for the predictions.  [default: standard output]",
)
@click.option(
    "--id",
    "ids",
    multiple=True,
    metavar="COL",
    help="Column of DATA to write before the predictions.  Repeatable.  "
    "[default: DATA's index column, then the --id columns given to train, "
    "where DATA has them]",
)
@click.option(
    "--keep",
    multiple=True,
    metavar="COL",
    help="Column of DATA to copy beside the predictions.  Repeatable.",
)
@click.option(
    "--proba",
    is_flag=True,
    help="Also write each class's probability, in a column proba_CLASS.",
)
@click.option(
    "--secure",
    is_flag=True,
    help="Load only pickle-free (format='skops') models; refuse any other file.",
)
@reading_options
@user_command
def predict(model, data, output, ids, keep, proba, secure, na_values, encoding):
    """Predict DATA (CSV, TSV or Parquet) with a saved MODEL; write CSV.

    MODEL is a file or an MLflow model URI (runs:/RUN_ID/model,
    models:/NAME/VERSION) of the store MLFLOW_TRACKING_URI names.
    """
    from ._tables import DataError

    if output is not None:
        check_output_path(output)
        check_not_an_input([("--output", output)], [("MODEL", model), ("DATA", data)])
    trainer = load_model(model, secure)
    if proba and not hasattr(trainer, "predict_proba"):
        raise DataError(
            f"--proba needs class probabilities, and {model} has none (it is a "
            "regressor, or a classifier without predict_proba). Leave out --proba."
        )
    table = read(data, na_values, encoding)
    predictions = joinable_predictions(trainer, table, ids=ids, keep=keep, proba=proba)
    if output is None:
        predictions.to_csv(sys.stdout, index=False)
    else:
        write_atomically(output, lambda file: predictions.to_csv(file, index=False))
        click.echo(f"Wrote {len(predictions)} predictions to {output}")


@cli.command()
@click.argument("model", type=ModelSource())
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--target",
    "-t",
    help="Target column.  [default: the target column the model was trained on]",
)
@click.option(
    "--secure",
    is_flag=True,
    help="Load only pickle-free (format='skops') models; refuse any other file.",
)
@reading_options
@user_command
def evaluate(model, data, target, secure, na_values, encoding):
    """Score a saved MODEL on labelled DATA (CSV, TSV or Parquet)."""
    from rich.console import Console
    from rich.markup import escape

    from ..training import evaluate as evaluate_model
    from ..training.trainer import final_trainer
    from ._tables import DataError

    trainer = load_model(model, secure)
    table = read(data, na_values, encoding)
    frame, source = table.frame, table.source
    final = final_trainer(trainer)
    if target is None:
        target = final.training_result_.target_name
        if target is None:
            raise DataError(
                f"{model} does not record its target column's name; pass --target."
            )
    if target not in frame.columns:
        raise DataError(
            f"{source} has no target column {target!r}"
            f"{did_you_mean(target, list(frame.columns), clause=True) or '.'} Columns: "
            f"{', '.join(frame.columns)}. Pass --target if it has another name."
        )
    missing = frame[target].isna()
    if missing.all():
        raise DataError(f"The target column {target!r} of {source} is empty.")
    frame = frame.loc[~missing]
    X = features_for(trainer, frame.drop(columns=target), source)
    y = target_like_training(final, frame[target], target)
    evaluation = evaluate_model(trainer, X, y)
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"Evaluated on {source}: {len(y)} rows, target {target!r}.", markup=False)
    if missing.any():
        out.print(
            f"Note: skipped {int(missing.sum())} row(s) whose target is empty.",
            markup=False,
        )
    for note in evaluation.notes:
        out.print(f"[yellow]Note:[/yellow] {escape(note)}")
    out.print(metrics_table(evaluation.metrics, {}))


@cli.command()
@user_command
def backends():
    """List the backends, their model types and their optional packages."""
    from rich.console import Console

    from ..training import registry

    entries = []
    own_keys = {}
    for name in registry.available_backends():
        backend = registry.get_backend(name)
        keys = backend.config_keys
        own_keys[name] = "any key" if keys is None else ", ".join(keys) or "none"
        catalogue = getattr(backend, "model_types", None) or {"-": None}
        for i, (model_type, spec) in enumerate(catalogue.items()):
            extra = (spec.extra if spec is not None else None) or backend.extra
            kinds = spec.problem_types if spec is not None else ("any",)
            entries.append(
                (
                    name if i == 0 else "",
                    model_type,
                    "both" if len(kinds) == 2 else kinds[0],
                    extra or "-",
                    ("yes" if _extra_installed(extra) else "no") if extra else "yes",
                )
            )
    table = backends_table(entries)
    out = Console(highlight=False, soft_wrap=True)
    out.print(table)
    out.print(
        'An extra installs with: pip install "easy-mlops\\[EXTRA]"',
        "Keys each backend reads besides the shared ones:",
        sep="\n",
    )
    for name, keys in own_keys.items():
        # Wrapped at the commas' spaces, so that no key is cut.
        out.print(f"  {name}: {keys}", markup=False, soft_wrap=False)


@cli.command()
@click.argument(
    "path",
    required=False,
    default=DEFAULT_CONFIG_PATH,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--force", "-f", is_flag=True, help="Overwrite an existing file.")
@user_command
def init(path, force):
    """Write a commented config holding every default to PATH.

    PATH defaults to easy-mlops.yaml.
    """
    from ..config import write_default_config

    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; pass --force to overwrite it.")
    write_default_config(path, overwrite=True)
    click.echo(f"Wrote {path}; train with: easy-mlops train DATA --config {path}")


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


def main(argv=None):
    """Run the ``easy-mlops`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    cli.main(args=argv, prog_name="easy-mlops")
