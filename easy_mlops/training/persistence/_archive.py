"""The artifact as a file: bounded reading, signatures and atomic writing.

:mod:`easy_mlops.training.persistence` decides what goes into an artifact;
this module reads and writes the ZIP archive that holds it without trusting
the file: every member is checked against its declared size and a limit
before it is read, and read in a stream that stops at the limit; the
manifest's HMAC-SHA256 signature is checked with a key the caller holds; a
save goes to a temporary file that replaces the target only once complete.
"""

# License: BSD 3 clause

import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from ..exceptions import ModelLoadError, ModelSaveError

#: The largest ``manifest.json`` read, in bytes (1 MiB).
MAX_MANIFEST_BYTES = 1 << 20
#: The default largest member (uncompressed) a load reads, in bytes (1 GiB).
DEFAULT_MAX_MEMBER_BYTES = 1 << 30
#: The default largest compression ratio of a member over 1 MiB.  Model data
#: compresses 1.5 to 5 times; a member of zeros (a zip bomb) about 1000 times.
DEFAULT_MAX_COMPRESSION_RATIO = 200
#: The environment variable read for a signing key when none is passed.
SIGNING_KEY_VARIABLE = "EASY_MLOPS_SIGNING_KEY"

# Members up to this size are read whatever their ratio: they cannot hurt.
_RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 20
_SCHEME = "hmac-sha256"
# A temporary file of an interrupted save older than this is removed by the
# next save to the same path; a younger one may belong to a save under way.
_STALE_SECONDS = 3600


# -- limits ---------------------------------------------------------------------


def check_limits(max_member_bytes, max_compression_ratio):
    """Validate the load limits; return them."""
    if (
        isinstance(max_member_bytes, bool)
        or not isinstance(max_member_bytes, int)
        or max_member_bytes < 1
    ):
        raise ValueError(
            "max_member_bytes must be a positive int (bytes). Got "
            f"{max_member_bytes!r} instead."
        )
    if max_compression_ratio is not None and (
        isinstance(max_compression_ratio, bool)
        or not isinstance(max_compression_ratio, (int, float))
        or not max_compression_ratio >= 1
    ):
        raise ValueError(
            "max_compression_ratio must be a number >= 1, or None for no limit. "
            f"Got {max_compression_ratio!r} instead."
        )
    return max_member_bytes, max_compression_ratio


# -- reading ----------------------------------------------------------------------


@contextmanager
def open_archive(path):
    """The artifact at ``path`` as an open ``ZipFile``; ModelLoadError if not one."""
    if not path.exists():
        raise ModelLoadError(f"No model file at {path}: the path does not exist.")
    if not path.is_file():
        raise ModelLoadError(f"Cannot load a model from {path}: it is not a file.")
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise ModelLoadError(
            f"Cannot read the model file {path}: {exc.strerror or exc}."
        ) from None
    with handle:
        if os.fstat(handle.fileno()).st_size == 0:
            raise ModelLoadError(f"Cannot load a model from {path}: the file is empty.")
        try:
            archive = zipfile.ZipFile(handle)
        except Exception:
            # Any failure to parse the archive's directory means a damaged
            # or foreign file (BadZipFile, struct, Unicode and size errors).
            raise ModelLoadError(_not_an_artifact(path)) from None
        with archive:
            names = archive.namelist()
            if len(set(names)) != len(names):
                raise ModelLoadError(
                    f"{path} is damaged: its archive holds a member name twice. "
                    "Restore it from a backup or save the model again."
                )
            yield archive


def _not_an_artifact(path):
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        return (
            f"{path} is truncated or corrupted: it starts like an easy_mlops model "
            "but cannot be read. Restore it from a backup or save the model again."
        )
    if head[:1] == b"\x80":
        return (
            f"{path} is a bare pickle/joblib file, not an easy_mlops model artifact "
            "(models of make-mlops-easy 0.4 were saved that way). Unpickling runs "
            "code, so easy_mlops does not load it; if you trust the file, train "
            "again or load the estimator with joblib.load yourself, then save a new "
            "artifact with ModelTrainer.save_model."
        )
    return (
        f"{path} is not an easy_mlops model artifact (expected a file written by "
        "ModelTrainer.save_model)."
    )


def read_member(archive, path, name, *, max_bytes, max_ratio, override):
    """The bytes of one member, checked before and while it is read.

    ``override`` names the argument that raises ``max_bytes``, for the
    message.
    """
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelLoadError(
            f"{path} is incomplete: it lacks the {name!r} member its manifest lists."
        ) from None
    if info.flag_bits & 0x1 or info.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
    ):
        raise ModelLoadError(
            f"{path} is damaged: its {name!r} member is encrypted or compressed "
            "in a way easy_mlops never writes. Restore it from a backup or save "
            "the model again."
        )
    if info.file_size > max_bytes:
        raise ModelLoadError(
            f"{path}: its {name!r} member would expand to {info.file_size} bytes, "
            f"more than the {max_bytes} bytes a load reads. If you trust the file "
            f"and expect a model that large, pass a larger {override}."
        )
    if (
        max_ratio is not None
        and info.file_size > _RATIO_FLOOR
        and info.file_size > max_ratio * max(info.compress_size, 1)
    ):
        raise ModelLoadError(
            f"{path}: its {name!r} member would expand {info.file_size} bytes from "
            f"{info.compress_size}, a compression ratio above {max_ratio} that "
            "model data does not reach (a 'zip bomb'). If you trust the file, "
            "pass max_compression_ratio=None."
        )
    limit = min(max_bytes, info.file_size)
    chunks, total = [], 0
    try:
        with archive.open(info) as stream:
            # Never ask for more than one byte past the limit, so a member
            # whose data expands beyond its declared size is never expanded.
            while chunk := stream.read(min(_CHUNK, limit - total + 1)):
                total += len(chunk)
                if total > limit:
                    raise ModelLoadError(
                        f"{path} is damaged: its {name!r} member holds more than "
                        f"the {info.file_size} bytes it declares. Restore it from "
                        "a backup or save the model again."
                    )
                chunks.append(chunk)
    except ModelLoadError:
        raise
    except Exception as exc:
        # Reading damaged data fails in many ways (BadZipFile on a CRC
        # mismatch, zlib.error, EOFError, struct.error, ...): all mean damage.
        raise ModelLoadError(
            f"{path} is truncated or corrupted ({type(exc).__name__}: {exc}). "
            "Restore it from a backup or save the model again."
        ) from None
    return b"".join(chunks)


def parse_manifest(raw):
    """The manifest's JSON object, or None when ``raw`` is not one."""
    try:
        manifest = json.loads(raw)
    except (ValueError, RecursionError):
        manifest = None
    return manifest if isinstance(manifest, dict) else None


# -- signatures -----------------------------------------------------------------


def signing_key(key):
    """The key as bytes: ``key``, else the environment variable, else None."""
    if key is None:
        key = os.environ.get(SIGNING_KEY_VARIABLE) or None
        if key is None:
            return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    elif isinstance(key, (bytes, bytearray)):
        key = bytes(key)
    else:
        raise TypeError(
            f"signing_key must be a str or bytes. Got {type(key).__name__} instead."
        )
    if not key:
        raise ValueError(
            "signing_key is empty; pass the secret the files are signed with."
        )
    return key


def sign(manifest, key):
    """The signature of a manifest (as parsed from JSON) under ``key``.

    It covers the canonical JSON of every manifest field but the signature;
    those fields include the SHA-256 of each member, so it covers every
    member too.
    """
    unsigned = {name: value for name, value in manifest.items() if name != "signature"}
    text = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), allow_nan=True)
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{_SCHEME}:{digest}"


def verify(manifest, key, path):
    """Raise ModelLoadError unless ``manifest`` carries a valid signature."""
    signature = manifest.get("signature")
    if signature is None:
        raise ModelLoadError(
            f"{path} is not signed, but a signing key was given (signing_key or "
            f"{SIGNING_KEY_VARIABLE}), so only signed files are loaded. Load it "
            "without a key only if you trust where it came from, and save it "
            "again with the key to sign it."
        )
    if not isinstance(signature, str) or not hmac.compare_digest(
        signature.encode("utf-8", "replace"), sign(manifest, key).encode("utf-8")
    ):
        raise ModelLoadError(
            f"{path} has a signature that does not match the signing key: the "
            "file was changed after it was signed, or signed with another key. "
            "Do not load it; restore it from a trusted copy."
        )


# -- writing ----------------------------------------------------------------------


def check_save_path(path):
    """Raise ModelSaveError if no file can be saved at ``path``.

    Parameters
    ----------
    path : str or path-like
        Where a model is to be saved.

    Raises
    ------
    ModelSaveError
        If ``path`` is a directory, a file the user cannot write, or lies
        under a file or in a directory the user cannot write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from easy_mlops.training.persistence import check_save_path
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_save_path(folder / "new" / "model.emlops")
    >>> check_save_path(folder)
    Traceback (most recent call last):
    ...
    easy_mlops.training.exceptions.ModelSaveError: Cannot save ...: it is a directory...
    """
    path = Path(path)
    where = f"Cannot save the model to {path}"
    try:
        if path.is_dir():
            raise ModelSaveError(f"{where}: it is a directory. Give a file name.")
        # The nearest existing ancestor is where the missing folders (if any)
        # will be made, so it must be a directory the user can write.
        ancestor = next(p for p in path.parents if p.exists())
        if not ancestor.is_dir():
            raise ModelSaveError(
                f"{where}: {ancestor} is a file, not a directory. Choose a path "
                "in a directory, or move that file."
            )
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise ModelSaveError(
                f"{where}: you cannot write in the directory {ancestor}. Choose "
                "another path, or ask for write access."
            )
        if path.exists() and not os.access(path, os.W_OK):
            raise ModelSaveError(
                f"{where}: the file there is read-only for you, and saving would "
                "replace it. Make it writable (chmod u+w) or choose another path."
            )
    except OSError as exc:
        raise ModelSaveError(f"{where}: {exc.strerror or exc}.") from exc


def write_atomically(path, data):
    """Write ``data`` to ``path`` so that the old file survives any failure.

    Missing parent directories are made.  An ``OSError`` becomes a
    ModelSaveError naming ``path`` (not the temporary file).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path)
        _write_then_replace(path, data)
    except OSError as exc:
        raise ModelSaveError(
            f"Cannot save the model to {path}: {exc.strerror or exc}. The file "
            "previously there, if any, is unchanged."
        ) from exc


def _write_then_replace(path, data):
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        # mkstemp makes the file private (0600); give it the mode of the file
        # it replaces, or what the umask gives a new file.
        os.fchmod(descriptor, _mode_for(path))
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_stale_temporaries(path):
    """Remove what saves to ``path`` killed mid-write (SIGKILL) left behind.

    Only files named as ``_write_then_replace`` names them and untouched for
    an hour: a younger one may belong to a save under way in another process.
    """
    pattern = re.compile(re.escape(f".{path.name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    cutoff = time.time() - _STALE_SECONDS
    for candidate in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
        try:
            if pattern.fullmatch(candidate.name) and (
                candidate.lstat().st_mtime < cutoff
                and stat.S_ISREG(candidate.lstat().st_mode)
            ):
                candidate.unlink()
        except OSError:
            continue


def _glob_escape(name):
    """``name`` with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _mode_for(path):
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
