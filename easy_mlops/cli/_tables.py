"""Reading the command line's data files: CSV, TSV and Parquet, as users have them.

What a user's file holds is checked here, before any training, and every
problem is reported as a :class:`DataError` naming the file and what to do.
"""

# License: BSD 3 clause

import csv
import io
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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

#: The most a pipe (``<(...)``, a FIFO) may send before it is refused: it is
#: read into memory, being readable only once.
MAX_STREAM_BYTES = 1 << 30

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
        not in ``encoding``, a row with more or fewer fields than the header
        (with its line), duplicate column names, an infinite number (with its
        column), a device, or a pipe sending more than
        :data:`MAX_STREAM_BYTES`.

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
        if suffix not in _CSV_SUFFIXES and suffix not in _PARQUET_SUFFIXES:
            raise DataError(
                f"{path}: unknown file type {suffix or '(none)'!r}; DATA must be a "
                "CSV (.csv), TSV (.tsv) or Parquet (.parquet) file."
            )
        source = _contents(path)
        if suffix in _CSV_SUFFIXES:
            text_encoding = _without_bom(encoding)
            frame = _read_text(
                path, source, _CSV_SUFFIXES[suffix], na_values, text_encoding
            )
        else:
            frame = pd.read_parquet(_stream(source))
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty.") from None
    except (pd.errors.ParserError, csv.Error) as exc:
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
    counts = Counter(table.frame.columns)
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    if duplicates:
        raise DataError(
            f"{path} has duplicate column names {duplicates}; give every column a "
            "name of its own."
        )
    _check_finite(table)
    return table


def _contents(path):
    """``path`` for a regular file; the bytes of a pipe, read once and bounded.

    A pipe (``<(...)``, a FIFO) can be read only once, so it is read into
    memory, up to :data:`MAX_STREAM_BYTES`; a device (``/dev/zero``,
    ``/dev/urandom``) never ends, so it is refused.
    """
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return path
    if not stat.S_ISFIFO(mode):
        raise DataError(
            f"{path} is not a regular file (a device or a socket); DATA must be a "
            "file, or a pipe that ends."
        )
    with open(path, "rb") as file:
        raw = file.read(MAX_STREAM_BYTES + 1)
    if len(raw) > MAX_STREAM_BYTES:
        raise DataError(
            f"{path} is a pipe that sent more than {MAX_STREAM_BYTES >> 20} MiB "
            "without ending; save the data to a file and pass the file."
        )
    return raw


def _stream(source):
    """What pandas reads: the path, or a fresh stream over a pipe's bytes."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _check_finite(table):
    """An infinite number is no value a model can learn from or predict."""
    frame = table.frame
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind != "f":
            continue
        infinite = np.isinf(column.to_numpy())
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise DataError(
                f"Column {name!r} of {table.source} holds {column.iloc[row]} (data "
                f"row {row + 1}), an infinite number; a model needs finite values. "
                "Fix or empty the cell (an empty cell is a missing value)."
            )


def _without_bom(encoding):
    """``utf-8-sig`` for any spelling of UTF-8: it reads files with and without
    a byte-order mark alike. Other encodings are returned unchanged."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding  # read_table reports the unknown encoding
    return "utf-8-sig" if name == "utf-8" else encoding


def _read_text(path, source, sep, na_values, encoding):
    names = _raw_header(path, source, sep, encoding)
    frame = pd.read_csv(
        _stream(source),
        sep=sep,
        index_col=False,
        na_values=list(na_values),
        keep_default_na=False,
        encoding=encoding,
        encoding_errors="strict",
    )
    # pandas renames duplicate names ('a', 'a.1'); they are found in the
    # names as written.
    if names is not None and len(names) == frame.shape[1]:
        frame.columns = names
    return frame


def _raw_header(path, source, sep, encoding):
    """The header's names as written; DataError for a row of another width.

    pandas would take a first row with a field more than the header as
    holding an index, shifting every column, and fills a short row with
    missing values: in a file read as written, every row has the header's
    fields.  One pass with the ``csv`` module, in linear time.
    """
    if isinstance(source, bytes):
        file = io.TextIOWrapper(io.BytesIO(source), encoding=encoding, newline="")
    else:
        file = open(source, newline="", encoding=encoding)
    with file:
        reader = csv.reader(file, delimiter=sep)
        header = next(reader, None)
        if header is None:
            return None
        width = len(header)
        for row in reader:
            if row and len(row) != width:
                raise DataError(
                    f"{path}, line {reader.line_num}: {len(row)} fields, but the "
                    f"header has {width}. Every row needs one field per column: "
                    "fix the row (a separator too many or missing, or a field "
                    "with the separator in it that needs quotes)."
                )
    return [name if name else f"Unnamed: {i}" for i, name in enumerate(header)]


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
    table.frame = frame.set_index(first)
    table.notes.append(
        f"Column {first!r} has no name and a different value in every row: it is "
        "the index DataFrame.to_csv writes, used as the index, not as a feature "
        "(predict writes it back beside the predictions)."
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
        given as an id, dropped, group or time column, a group or time
        column also dropped, or a target holding dates.
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
    if _holds_dates(table.frame[target]):
        example = table.frame[target].dropna().iloc[0]
        raise DataError(
            f"The target column {target!r} of {table.source} holds dates (such as "
            f"{str(example)!r}); a model predicts labels or numbers, not dates. "
            "Choose another --target, or add a column with a number to predict "
            "(e.g. days since a start date) and pass it as --target."
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


def _holds_dates(column):
    """Whether a column holds dates: typed so, or text that all reads as dates."""
    import warnings

    if column.dtype.kind == "M" or isinstance(column.dtype, pd.DatetimeTZDtype):
        return True
    values = column.dropna().iloc[:100]
    if values.empty or not (
        values.dtype == object or pd.api.types.is_string_dtype(values)
    ):
        return False
    text = values.astype(str)
    # A date has a day, a month and a year: three groups of digits.
    if not text.str.contains(r"\d+\D+\d+\D+\d+").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


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
