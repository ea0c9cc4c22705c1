"""The command line's data: reading tables, checking paths, and matching a
file's columns and labels to what a saved model was trained on."""

# License: BSD 3 clause

import os
from pathlib import Path

__all__ = [
    "check_not_an_input",
    "check_output_path",
    "check_report_dir",
    "check_train_paths",
    "demo_frame",
    "features_for",
    "joinable_predictions",
    "load_model",
    "read",
    "target_like_training",
    "write_atomically",
]


def demo_frame():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["diagnosis"] = data.target_names[data.target.to_numpy()]
    return frame


def read(path, na_values, encoding):
    from ._tables import DEFAULT_NA_VALUES, read_table

    markers = DEFAULT_NA_VALUES if na_values is None else na_values.split(",")
    return read_table(path, na_values=markers, encoding=encoding)


def check_output_path(path):
    """Refuse, before any work, an output path that cannot be written."""
    from ._tables import DataError

    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if path.is_dir():
        raise DataError(f"The output path {path} is a directory; give a file name.")
    if not parent.is_dir():
        raise DataError(
            f"The output path {path} cannot be created: {parent} is a file."
        )
    if not os.access(parent, os.W_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise DataError(f"The output path {path} is not writable.")


def check_train_paths(data, config, output, report_dir):
    """Refuse, before training, paths ``train`` cannot write or would destroy."""
    from ..report import FILE_NAMES
    from ..training.persistence import check_save_path

    check_save_path(output)
    report_files = []
    if report_dir is not None:
        check_report_dir(report_dir)
        report_files = [("--report", report_dir / name) for name in FILE_NAMES]
    check_not_an_input(
        [("--output", output), *report_files], [("DATA", data), ("--config", config)]
    )
    check_not_an_input(report_files, [("--output", output)])


def check_report_dir(path):
    """Refuse, before any work, a report directory that cannot be written.

    Writing is tried, with a temporary file in the directory or in its
    nearest existing parent, so that a read-only file system or a directory
    of another user is found even where permission bits do not tell.
    """
    import tempfile

    from ._tables import DataError

    if path.exists() and not path.is_dir():
        raise DataError(f"The report directory {path} is a file; give a directory.")
    ancestor = next(p for p in (path, *path.parents) if p.exists())
    if not ancestor.is_dir():
        raise DataError(
            f"The report directory {path} cannot be created: {ancestor} is a file."
        )
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise DataError(
            f"The report directory {path} cannot be written ({exc.strerror} in "
            f"{ancestor}); choose another --report directory."
        ) from None


def check_not_an_input(outputs, inputs):
    """Refuse an output that is the same file as an input, before any work.

    Parameters
    ----------
    outputs, inputs : sequence of (str, pathlib.Path or None)
        What each path is given as (``--output``, ``DATA``) and the path;
        anything else (None, a model URI as a str) is skipped.

    Raises
    ------
    DataError
        Naming both, when an output is an input: the same path once
        resolved (``./``, ``..`` and symbolic links followed) or the same
        file (a hard link).
    """
    from ._tables import DataError

    given = [(name, path) for name, path in inputs if isinstance(path, Path)]
    for out_name, out in outputs:
        if not isinstance(out, Path):
            continue
        for in_name, source in given:
            if _same_file(out, source):
                raise DataError(
                    f"{out_name} {out} is the same file as {in_name} {source}; "
                    "writing it would destroy what is read. Give another path."
                )


def _same_file(a, b):
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass  # one of them does not exist yet
    return a.resolve() == b.resolve()


def write_atomically(path, write):
    """Write a text file through ``write(file)`` so that ``path`` is never partial.

    The text goes to a temporary file beside ``path``, which replaces
    ``path`` only once complete: an interruption (Ctrl-C, a full disk)
    leaves the old file, or none, never part of a new one.
    """
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as file:
            write(file)
        os.chmod(scratch, 0o666 & ~_umask())
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def features_for(model, frame, source):
    """The feature columns of ``frame`` for ``model``, checked by name."""
    from ..training.trainer import final_trainer
    from ._tables import DataError, check_numeric_cells

    trainer = final_trainer(model)
    names = [str(c) for c in getattr(model, "feature_names_in_", [])]
    if not names:
        return frame
    missing = [name for name in names if name not in frame.columns]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise DataError(
            f"{source} lacks {len(missing)} column(s) the model was trained on: "
            f"{', '.join(map(repr, missing[:5]))}{more}."
        )
    X = frame[names]
    result = getattr(trainer, "training_result_", None)
    if model is trainer and result is not None and not result.preprocessing:
        if trainer.backend_.validates_input:
            check_numeric_cells(X, source)
    return X


def target_like_training(trainer, y, target):
    """Labels read from a file, as the labels the model predicts."""
    from ._tables import DataError

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


def load_model(source, secure):
    """The model of a file or an MLflow URI; first a note on standard error
    when loading it unpickles (runs code from it), which ``--secure`` never
    does."""
    if isinstance(source, str):
        from ..tracking._loading import open_logged_model

        with open_logged_model(source, secure, None, None) as (pickled, load):
            if pickled:
                _unpickling_note(source)
            return load()
    from ..training import ModelLoadError, inspect_model
    from ..training import load_model as load

    if not secure:
        try:
            pickled = inspect_model(source)["serializer"] != "skops"
        except ModelLoadError:
            pickled = False  # the load below says what is wrong
        if pickled:
            _unpickling_note(source)
    return load(source, secure=secure)


def _unpickling_note(source):
    import click

    click.echo(
        f"Note: loading {source} unpickles it, which runs code from it: use only "
        "models you trust, or format='skops' models with --secure.",
        err=True,
    )


def joinable_predictions(model, table, *, ids, keep, proba):
    """``predict``'s output: row labels and kept columns, then the predictions.

    The row labels are ``ids``, or by default the table's index column (the
    index ``DataFrame.to_csv`` writes, under its empty header again) and the
    ``--id`` columns recorded at training that the table has.
    """
    import pandas as pd

    from ..predictions import prediction_frame
    from ..training.trainer import final_trainer
    from ._tables import DataError, did_you_mean

    frame = table.frame
    index = None
    if frame.index.name is not None or not isinstance(frame.index, pd.RangeIndex):
        # The file's own row labels (the index DataFrame.to_csv writes, or a
        # Parquet file's): a column again, so that --id and --keep name it.
        frame = frame.reset_index()
        index = frame.columns[0]
    columns = [str(column) for column in frame.columns]
    for option, names in (("--id", ids), ("--keep", keep)):
        for name in names:
            if name not in columns:
                hint = did_you_mean(name, columns, clause=True) or "."
                raise DataError(
                    f"{table.source} has no column {name!r} ({option}){hint} "
                    f"Columns: {', '.join(columns)}."
                )
    if not ids:
        record = getattr(final_trainer(model), "training_result_", None)
        recorded = getattr(record, "id_columns", [])
        ids = [name for name in [index, *recorded] if name in frame.columns]
    written = list(dict.fromkeys([*ids, *keep]))
    X = features_for(model, frame, table.source)
    predictions = pd.concat(
        [
            frame[written].reset_index(drop=True),
            prediction_frame(model, X, proba=proba).reset_index(drop=True),
        ],
        axis=1,
    )
    # An unnamed index goes back under the empty header pandas gave it.
    return predictions.rename(
        columns={name: "" for name in written if str(name).startswith("Unnamed: ")}
    )
