"""Reading the command line's data files: CSV, TSV and Parquet, as users have them.

What a user's file holds is checked here, before any training, and every
problem is reported as a :class:`DataError` naming the file and what to do.
"""

# License: BSD 3 clause

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._suggest import did_you_mean

__all__ = ["DEFAULT_NA_VALUES", "DataError", "Table", "read_table", "split_columns"]

#: Cell values read as missing unless ``--na-values`` gives another list.
DEFAULT_NA_VALUES = (
    "",
    "NA",
    "N/A",
    "n/a",
    "na",
    "NaN",
    "nan",
    "NULL",
    "null",
    "None",
    "none",
    "?",
    "#N/A",
    "<NA>",
)

_CSV_SUFFIXES = {".csv": ",", ".txt": ",", ".tsv": "\t", ".tab": "\t"}
_PARQUET_SUFFIXES = (".parquet", ".pq")


class DataError(ValueError):
    """The data file cannot be used as given."""


@dataclass
class Table:
    """A data file read for the command line, and what was noticed reading it."""

    frame: pd.DataFrame
    source: str
    notes: list = field(default_factory=list)


def read_table(path, *, na_values=DEFAULT_NA_VALUES, encoding="utf-8"):
    """Read a CSV, TSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; its suffix chooses the format (``.csv``/``.txt``,
        ``.tsv``/``.tab``, ``.parquet``/``.pq``).
    na_values : sequence of str, default=DEFAULT_NA_VALUES
        Cell values read as missing (text formats only).
    encoding : str, default="utf-8"
        Text encoding of a CSV or TSV file. UTF-8 files may start with a
        byte-order mark (as spreadsheet programs write them); it is not taken
        as part of the first column's name.

    Returns
    -------
    table : Table
        The frame, with string column names; a leading unnamed column whose
        values are all different (the index ``DataFrame.to_csv`` writes by
        default) is taken as the index, with a note.

    Raises
    ------
    DataError
        For an unknown file type, an empty or unreadable file, a file that is
        not in ``encoding``, or duplicate column names.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from easy_mlops.cli._tables import read_table
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.csv"
    >>> _ = path.write_text(",size,city\\n0,1.5,Paris\\n1,?,Lyon\\n")
    >>> table = read_table(path)
    >>> table.frame["size"].isna().tolist()
    [False, True]
    >>> print(table.notes[0])
    Column 'Unnamed: 0' has no name and a different value in every row: ...
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in _CSV_SUFFIXES:
            text_encoding = _without_bom(encoding)
            frame = _read_text(path, _CSV_SUFFIXES[suffix], na_values, text_encoding)
        elif suffix in _PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            raise DataError(
                f"{path}: unknown file type {suffix or '(none)'!r}; DATA must be a "
                "CSV (.csv), TSV (.tsv) or Parquet (.parquet) file."
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty.") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path} is not a readable CSV file: {exc}") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path} is not valid {encoding} text (byte {exc.start}: "
            f"{exc.reason}). Pass its encoding, e.g. --encoding latin-1 or "
            "--encoding cp1252."
        ) from None
    except LookupError:
        raise DataError(f"Unknown --encoding {encoding!r}.") from None
    except ImportError as exc:
        raise ImportError(
            f"Reading Parquet needs pyarrow ({exc}). Install it with: "
            "pip install pyarrow"
        ) from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path} cannot be read: {exc}") from None
    if frame.shape[0] == 0:
        raise DataError(f"{path} has a header but no rows.")
    table = Table(frame, str(path))
    _drop_row_number_column(table)
    table.frame.columns = [str(c) for c in table.frame.columns]
    duplicates = sorted(
        {c for c in table.frame.columns if list(table.frame.columns).count(c) > 1}
    )
    if duplicates:
        raise DataError(
            f"{path} has duplicate column names {duplicates}; give every column a "
            "name of its own."
        )
    return table


def _without_bom(encoding):
    """``utf-8-sig`` for any spelling of UTF-8: it reads files with and without
    a byte-order mark alike. Other encodings are returned unchanged."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding  # read_table reports the unknown encoding
    return "utf-8-sig" if name == "utf-8" else encoding


def _read_text(path, sep, na_values, encoding):
    # mangle_dupe_cols is gone from pandas; duplicates are found in the header.
    header = pd.read_csv(
        path, sep=sep, nrows=0, encoding=encoding, encoding_errors="strict"
    )
    frame = pd.read_csv(
        path,
        sep=sep,
        na_values=list(na_values),
        keep_default_na=False,
        encoding=encoding,
        encoding_errors="strict",
    )
    names = _raw_header(path, sep, encoding)
    if names is not None and len(names) == len(header.columns):
        frame.columns = names
    return frame


def _raw_header(path, sep, encoding):
    """The header's names as written (pandas renames duplicates 'a', 'a.1')."""
    import csv

    with open(path, newline="", encoding=encoding) as file:
        row = next(csv.reader(file, delimiter=sep), None)
    if row is None:
        return None
    return [name if name else f"Unnamed: {i}" for i, name in enumerate(row)]


def _drop_row_number_column(table):
    """Take the index that ``DataFrame.to_csv`` writes as the index again.

    pandas writes an unnamed index under an empty header: a leading column
    without a name whose values are all different is that index, even with
    gaps (after ``dropna`` or sampling), and would leak the row order.
    """
    frame = table.frame
    first = str(frame.columns[0])
    if not (first == "" or first.startswith("Unnamed: 0")):
        return
    values = frame.iloc[:, 0]
    if values.isna().any() or not values.is_unique:
        return
    table.frame = frame.iloc[:, 1:]
    table.notes.append(
        f"Column {first!r} has no name and a different value in every row: it is "
        "the index DataFrame.to_csv writes, used as the index, not as a feature."
    )


def split_columns(table, *, target, ids=(), drop=(), row_columns=()):
    """Check the column options against a table; return the target's name.

    Parameters
    ----------
    table : Table
        The data.
    target : str or None
        The target column; None means the last column.
    ids, drop : sequence of str
        Identifier columns and columns to exclude.
    row_columns : sequence of (option, name)
        The ``--group`` and ``--time`` columns given: they shape the split
        and are not features.

    Returns
    -------
    target : str

    Raises
    ------
    DataError
        A column that is not there (with a did-you-mean), the target also
        given as an id, dropped, group or time column, or a group or time
        column also dropped.
    """
    columns = list(table.frame.columns)
    if target is None:
        target = columns[-1]
    given = [("--target", [target]), ("--id", ids), ("--drop", drop)]
    given += [(option, [name]) for option, name in row_columns]
    for option, names in given:
        for name in names:
            if name not in columns:
                raise DataError(
                    f"{table.source} has no column {name!r} (given to {option})"
                    f"{did_you_mean(name, columns, clause=True) or '.'} Columns: "
                    f"{', '.join(columns)}."
                )
    for option, names in given[1:]:
        if target in names:
            raise DataError(
                f"The target column {target!r} is also given to {option}; the target "
                "cannot be an identifier, a dropped, group or time column."
            )
    for option, name in row_columns:
        if name in drop:
            raise DataError(
                f"The column {name!r} is given to both {option} and --drop; the "
                f"split needs it. Remove it from --drop."
            )
    kept = {name for _, name in row_columns}
    features = [
        c
        for c in columns
        if c != target and c not in ids and c not in drop and c not in kept
    ]
    if not features:
        raise DataError(
            f"{table.source} has no feature columns left besides the target "
            f"{target!r}"
            + (
                " and the --id/--drop/--group/--time columns."
                if ids or drop or kept
                else "."
            )
        )
    return target


def drop_missing_targets(table, target):
    """Drop the rows whose target is empty, with a note saying how many."""
    missing = table.frame[target].isna()
    n_missing = int(missing.sum())
    if n_missing == len(missing):
        raise DataError(f"The target column {target!r} of {table.source} is empty.")
    if n_missing:
        table.frame = table.frame.loc[~missing]
        table.notes.append(
            f"Dropped {n_missing} row(s) whose target {target!r} is empty."
        )


def check_numeric_cells(frame, source):
    """Name the column and file of a cell a numeric model cannot read."""
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        converted = pd.to_numeric(column, errors="coerce")
        bad = column[converted.isna() & column.notna()]
        if len(bad):
            raise DataError(
                f"Column {name!r} of {source} holds {bad.iloc[0]!r} (row "
                f"{bad.index[0]}), but the model was trained on numbers there and "
                "has no preprocessing. Fix the cell, or retrain with "
                "--preprocessing auto."
            )
