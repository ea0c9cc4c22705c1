"""The pieces every ``easy-mlops`` command shares: errors, arguments, options."""

# License: BSD 3 clause

import functools
import logging
import os
import re
import sys
import traceback
from pathlib import Path

import click

from ._output import silenced

__all__ = [
    "ModelSource",
    "given_once",
    "override_options",
    "reading_options",
    "user_command",
]

# Errors a user can cause: bad files, bad settings, bad data, a missing
# optional package.  They end the command with status 2 and one message.
# (A ModelLoadError or ModelSaveError is a ValueError or OSError.)
_USER_ERRORS = (ValueError, OSError, ImportError, TypeError)


def user_command(command):
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
            with silenced(kwargs.get("quiet", False)):
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


def given_once(ctx, param, values):
    """Click callback: the value of a ``multiple`` option given at most once.

    Click keeps the last of a repeated option silently; ``--target a
    --target b`` is a mistake to point out, a usage error.
    """
    if len(values) > 1:
        raise click.BadParameter(
            f"given {len(values)} times ({', '.join(map(repr, values))}); give it "
            "once.",
            param=param,
        )
    return values[0] if values else None


class ModelSource(click.ParamType):
    """A model file, or an MLflow model URI such as ``runs:/<id>/model``."""

    name = "model"
    _uri = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")

    def convert(self, value, param, ctx):
        if isinstance(value, str) and self._uri.match(value):
            return value
        file = click.Path(exists=True, dir_okay=False, path_type=Path)
        return file.convert(value, param, ctx)


class _InnerThreads(click.ParamType):
    """``auto`` or a whole number of threads."""

    name = "auto|N"

    def convert(self, value, param, ctx):
        if isinstance(value, int) or value == "auto":
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        self.fail(
            f"{value!r} is neither 'auto' nor a whole number of threads; give "
            "e.g. --inner-threads 1, or leave it out for auto.",
            param,
            ctx,
        )


def override_options(command):
    """The options of ``train`` that override the config's shared settings."""
    options = [
        click.option("--backend", help="Backend (see: easy-mlops backends)."),
        click.option(
            "--model-type",
            help="Model type of the backend's catalogue; a comma-separated list, "
            "or 'compare' for all, cross-validates each on the same folds and "
            "keeps the best; 'ensemble' (alone: the whole portfolio; in a list: "
            "the listed ones) keeps their weighted soft-voting ensemble.",
        ),
        click.option(
            "--problem-type",
            type=click.Choice(["auto", "classification", "regression"]),
            help="Problem type; detected from the target by default.",
        ),
        click.option("--test-size", type=float, help="Share of rows held out."),
        click.option("--cv-folds", type=int, help="Cross-validation folds (0: none)."),
        click.option("--random-state", type=int, help="Seed of splits and models."),
        click.option("--n-jobs", type=int, help="Parallel fits (-1: all cores)."),
        click.option(
            "--inner-threads",
            type=_InnerThreads(),
            help="Native threads (OpenMP, BLAS) of each fit: a number, or auto "
            "(the cores divided among the parallel fits).  [default: auto]",
        ),
        click.option(
            "--time-budget",
            type=float,
            help="Seconds the fit may take: candidates run cheapest first and "
            "stop when it is spent; a model is always returned.",
        ),
        click.option(
            "--preprocessing",
            type=click.Choice(["auto", "none"]),
            help="auto: encode text, categories, dates and missing values with "
            "skrub; none: give the model the columns as they are.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def reading_options(command):
    """How data files are read: missing-value markers and encoding."""
    command = click.option(
        "--encoding",
        default="utf-8",
        show_default=True,
        help="Text encoding of a CSV or TSV file, e.g. latin-1.",
    )(command)
    return click.option(
        "--na-values",
        help="Comma-separated cell values read as missing, replacing the default "
        "list: empty, NA, N/A, n/a, na, NaN, nan, NULL, null, None, none, ?, "
        "#N/A, <NA>.",
    )(command)
