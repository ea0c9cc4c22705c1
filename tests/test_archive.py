"""The checks that guard reading and writing an artifact file, one at a time.

Each check is called directly on small archives built here, so a wrong limit,
a lost message or a check that lets a bad file through fails in milliseconds,
without training a model.  The attacks end to end are in test_security.py.
"""

import io
import os
import pickle
import random
import zipfile
from fractions import Fraction

import pytest

from easy_mlops.training import ModelLoadError, ModelSaveError
from easy_mlops.training.persistence._archive import (
    SIGNING_KEY_VARIABLE,
    _not_an_artifact,
    check_limits,
    check_save_path,
    parse_manifest,
    read_member,
    sign,
    signing_key,
    verify,
)

MIB = 1 << 20
AGAIN = "Restore it from a backup or save the model again."


def write_archive(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def read(path, name="m", *, max_bytes=1 << 30, max_ratio=200, tamper=None):
    """read_member on ``path``; ``tamper`` edits the member's ZipInfo first."""
    with zipfile.ZipFile(path) as archive:
        if tamper is not None:
            tamper(archive.getinfo(name))
        return read_member(
            archive,
            path,
            name,
            max_bytes=max_bytes,
            max_ratio=max_ratio,
            override="max_member_bytes",
        )


def declared(path, name="m"):
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    return info.file_size, info.compress_size


# -- check_limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    "max_bytes, ratio", [(1, 1), (1, 1.0), (5, None), (1 << 40, 1.5), (7, 200)]
)
def test_valid_limits_are_returned_as_given(max_bytes, ratio):
    assert check_limits(max_bytes, ratio) == (max_bytes, ratio)


@pytest.mark.parametrize("value", [0, -1, True, False, 1.0, 1.5, "10", None])
def test_max_member_bytes_must_be_a_positive_int(value):
    with pytest.raises(ValueError) as info:
        check_limits(value, 200)
    assert str(info.value) == (
        f"max_member_bytes must be a positive int (bytes). Got {value!r} instead."
    )


@pytest.mark.parametrize("value", [0, 0.5, 0.999, -3, True, "2", float("nan")])
def test_max_compression_ratio_must_be_a_number_of_at_least_one(value):
    with pytest.raises(ValueError) as info:
        check_limits(10, value)
    assert str(info.value) == (
        "max_compression_ratio must be a number >= 1, or None for no limit. "
        f"Got {value!r} instead."
    )


# -- files that are not artifacts ------------------------------------------------


@pytest.mark.parametrize(
    "head, message",
    [
        (
            b"PK\x03\x04 and then garbage",
            "{} is truncated or corrupted: it starts like an easy_mlops model but "
            "cannot be read. Restore it from a backup or save the model again.",
        ),
        (
            pickle.dumps({"model": 1}),
            "{} is a bare pickle/joblib file, not an easy_mlops model artifact "
            "(models of make-mlops-easy 0.4 were saved that way). Unpickling runs "
            "code, so easy_mlops does not load it; if you trust the file, train "
            "again or load the estimator with joblib.load yourself, then save a new "
            "artifact with ModelTrainer.save_model.",
        ),
        (
            b"a,b\n1,2\n",
            "{} is not an easy_mlops model artifact (expected a file written by "
            "ModelTrainer.save_model).",
        ),
        (b"P", "{} is not an easy_mlops model artifact"),
        (b"", "{} is not an easy_mlops model artifact"),
    ],
    ids=["zip-like", "pickle", "csv", "one-byte", "empty"],
)
def test_a_file_that_is_not_an_artifact_is_named_for_what_it_is(
    tmp_path, head, message
):
    path = tmp_path / "file"
    path.write_bytes(head)
    assert _not_an_artifact(path).startswith(message.format(path))
    assert _not_an_artifact(str(path)) == _not_an_artifact(path)


# -- read_member ----------------------------------------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_member_is_read_whole_across_chunks(tmp_path, compression):
    data = random.Random(0).randbytes(2 * MIB + 5)
    path = write_archive(tmp_path / "a.zip", {"m": data}, compression)
    assert read(path) == data
    assert read(path, max_bytes=len(data), max_ratio=1) == data


def test_an_empty_member_is_read_as_no_bytes(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": b""})
    assert read(path) == b""


def test_a_missing_member_is_named(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": b"x"})
    with pytest.raises(ModelLoadError) as info:
        read(path, "trainer.joblib")
    assert str(info.value) == (
        f"{path} is incomplete: it lacks the 'trainer.joblib' member its manifest "
        "lists."
    )


def _encrypt(info):
    info.flag_bits |= 0x1


def _bzip2(info):
    info.compress_type = zipfile.ZIP_BZIP2


@pytest.mark.parametrize("tamper", [_encrypt, _bzip2], ids=["encrypted", "bzip2"])
def test_encryption_and_foreign_compression_are_refused_before_reading(
    tmp_path, tamper
):
    path = write_archive(tmp_path / "a.zip", {"m": b"payload"})
    with pytest.raises(ModelLoadError) as info:
        read(path, tamper=tamper)
    assert str(info.value) == (
        f"{path} is damaged: its 'm' member is encrypted or compressed in a way "
        f"easy_mlops never writes. {AGAIN}"
    )


def test_the_size_limit_is_inclusive_and_names_the_argument_to_raise(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": b"0123456789"})
    assert read(path, max_bytes=10) == b"0123456789"
    with pytest.raises(ModelLoadError) as info:
        read(path, max_bytes=9)
    assert str(info.value) == (
        f"{path}: its 'm' member would expand to 10 bytes, more than the 9 bytes a "
        "load reads. If you trust the file and expect a model that large, pass a "
        "larger max_member_bytes."
    )


def test_a_zip_bomb_is_refused_with_its_sizes(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": bytes(MIB + 1)})
    size, packed = declared(path)
    assert size > 200 * packed
    with pytest.raises(ModelLoadError) as info:
        read(path)
    assert str(info.value) == (
        f"{path}: its 'm' member would expand {size} bytes from {packed}, a "
        "compression ratio above 200 that model data does not reach (a 'zip "
        "bomb'). If you trust the file, pass max_compression_ratio=None."
    )
    assert read(path, max_ratio=None) == bytes(MIB + 1)


def test_the_ratio_limit_is_inclusive(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": bytes(MIB + 1)})
    size, packed = declared(path)
    assert read(path, max_ratio=Fraction(size, packed)) == bytes(MIB + 1)
    with pytest.raises(ModelLoadError, match="compression ratio above"):
        read(path, max_ratio=Fraction(size - 1, packed))


def test_members_up_to_one_mib_are_read_whatever_their_ratio(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": bytes(MIB)})
    assert read(path, max_ratio=1) == bytes(MIB)


def test_a_declared_compressed_size_of_zero_counts_as_one_byte(tmp_path):
    """A forged directory entry must not escape the ratio check."""
    path = write_archive(tmp_path / "a.zip", {"m": bytes(MIB + 1)})

    def packed_to_nothing(info):
        info.compress_size = 0

    with pytest.raises(ModelLoadError) as info:
        read(path, max_ratio=Fraction(MIB + 1, 2), tamper=packed_to_nothing)
    assert f"would expand {MIB + 1} bytes from 0, a compression ratio above" in str(
        info.value
    )


def test_damaged_data_is_a_model_load_error(tmp_path):
    path = write_archive(tmp_path / "a.zip", {"m": b"model bytes " * 10}, 0)
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"model bytes") + 3] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelLoadError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(f"{path} is truncated or corrupted (BadZipFile: ")
    assert message.endswith(f"). {AGAIN}")


class Overflowing:
    """An archive whose member holds more than it declares, served in small
    pieces; it records what each read asked for.  (zipfile itself stops at
    the declared size; read_member must not rely on that.)"""

    def __init__(self, declared, actual, piece=4):
        self.info = zipfile.ZipInfo("m")
        self.info.file_size = self.info.compress_size = declared
        self.data = io.BytesIO(b"x" * actual)
        self.piece = piece
        self.asked = []

    def getinfo(self, name):
        return self.info

    def open(self, info):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, n):
        self.asked.append((n, self.data.tell()))
        return self.data.read(min(n, self.piece))


def test_reading_stops_one_byte_past_the_declared_size(tmp_path):
    archive = Overflowing(declared=10, actual=1000)
    with pytest.raises(ModelLoadError) as info:
        read_member(
            archive,
            "f",
            "m",
            max_bytes=100,
            max_ratio=None,
            override="max_member_bytes",
        )
    assert str(info.value) == (
        f"f is damaged: its 'm' member holds more than the 10 bytes it declares. "
        f"{AGAIN}"
    )
    # Each read asks for what is left of the declared size, plus one byte.
    assert archive.asked == [(11, 0), (7, 4), (3, 8)]


def test_a_member_exactly_its_declared_size_is_read(tmp_path):
    archive = Overflowing(declared=10, actual=10)
    data = read_member(
        archive, "f", "m", max_bytes=10, max_ratio=None, override="max_member_bytes"
    )
    assert data == b"x" * 10
    assert archive.asked == [(11, 0), (7, 4), (3, 8), (1, 10)]


# -- the manifest's JSON ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            b'{"format": "easy_mlops.model", "n": [1, 2]}',
            {"format": "easy_mlops.model", "n": [1, 2]},
        ),
        (b"{}", {}),
        (b"[1, 2]", None),
        (b'"text"', None),
        (b"null", None),
        (b"not json", None),
        (b"\xff\xfe\x00garbage", None),
        (b"[" * 100_000, None),
    ],
    ids=["object", "empty", "list", "string", "null", "text", "bytes", "deep"],
)
def test_only_a_json_object_is_a_manifest(raw, expected):
    assert parse_manifest(raw) == expected


# -- signatures -----------------------------------------------------------------------


@pytest.fixture
def no_key_in_the_environment(monkeypatch):
    monkeypatch.delenv(SIGNING_KEY_VARIABLE, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    "key, expected",
    [
        ("secret", b"secret"),
        ("clé", "clé".encode()),
        (b"secret", b"secret"),
        (bytearray(b"secret"), b"secret"),
    ],
)
def test_a_key_is_bytes(no_key_in_the_environment, key, expected):
    result = signing_key(key)
    assert result == expected and type(result) is bytes


def test_without_a_key_the_environment_decides(no_key_in_the_environment):
    assert signing_key(None) is None
    no_key_in_the_environment.setenv(SIGNING_KEY_VARIABLE, "")
    assert signing_key(None) is None
    no_key_in_the_environment.setenv(SIGNING_KEY_VARIABLE, "from the environment")
    assert signing_key(None) == b"from the environment"
    assert signing_key("given") == b"given"


@pytest.mark.parametrize("key", ["", b"", bytearray()])
def test_an_empty_key_is_refused(no_key_in_the_environment, key):
    with pytest.raises(ValueError) as info:
        signing_key(key)
    assert str(info.value) == (
        "signing_key is empty; pass the secret the files are signed with."
    )


@pytest.mark.parametrize("key, kind", [(42, "int"), (["k"], "list"), (1.5, "float")])
def test_a_key_of_another_type_is_refused(no_key_in_the_environment, key, kind):
    with pytest.raises(TypeError) as info:
        signing_key(key)
    assert str(info.value) == f"signing_key must be a str or bytes. Got {kind} instead."


MANIFEST = {"format": "easy_mlops.model", "sha256": {"model": "ab" * 32}, "n": 1.5}
KEY = b"correct horse"


def signed(manifest=MANIFEST, key=KEY):
    return {**manifest, "signature": sign(manifest, key)}


def test_a_valid_signature_passes():
    assert verify(signed(), KEY, "f") is None
    assert sign(MANIFEST, KEY).startswith("hmac-sha256:")


def test_an_unsigned_manifest_is_refused_when_a_key_is_given():
    with pytest.raises(ModelLoadError) as info:
        verify(dict(MANIFEST), KEY, "f")
    assert str(info.value) == (
        "f is not signed, but a signing key was given (signing_key or "
        "EASY_MLOPS_SIGNING_KEY), so only signed files are loaded. Load it without "
        "a key only if you trust where it came from, and save it again with the "
        "key to sign it."
    )


@pytest.mark.parametrize(
    "manifest",
    [
        signed(key=b"another key"),
        {**signed(), "n": 2.5},
        {**signed(), "extra": True},
        {**signed(), "signature": signed()["signature"].upper()},
        {**signed(), "signature": 42},
        {**signed(), "signature": ["hmac-sha256:00"]},
        {**signed(), "signature": "hmac-sha256:\ud800"},
        {**signed(), "signature": ""},
    ],
    ids=[
        "other-key",
        "changed",
        "added",
        "upper-case",
        "number",
        "list",
        "lone-surrogate",
        "empty",
    ],
)
def test_a_wrong_signature_is_refused(manifest):
    with pytest.raises(ModelLoadError) as info:
        verify(manifest, KEY, "f")
    assert str(info.value) == (
        "f has a signature that does not match the signing key: the file was "
        "changed after it was signed, or signed with another key. Do not load it; "
        "restore it from a trusted copy."
    )


# -- check_save_path ----------------------------------------------------------------


def test_paths_that_can_be_saved_to(tmp_path):
    assert check_save_path(tmp_path / "model") is None
    assert check_save_path(str(tmp_path / "new" / "deeper" / "model")) is None
    existing = tmp_path / "existing"
    existing.write_bytes(b"old")
    assert check_save_path(existing) is None
    assert existing.read_bytes() == b"old"


def test_a_directory_is_not_a_file_name(tmp_path):
    with pytest.raises(ModelSaveError) as info:
        check_save_path(str(tmp_path))
    assert str(info.value) == (
        f"Cannot save the model to {tmp_path}: it is a directory. Give a file name."
    )


@pytest.mark.parametrize("depth", [1, 2])
def test_a_file_where_a_folder_should_be(tmp_path, depth):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker.joinpath(*["sub"] * (depth - 1), "model")
    with pytest.raises(ModelSaveError) as info:
        check_save_path(target)
    assert str(info.value) == (
        f"Cannot save the model to {target}: {blocker} is a file, not a directory. "
        "Choose a path in a directory, or move that file."
    )


def deny(monkeypatch, denied_path, denied_mode):
    """Make os.access refuse ``denied_mode`` bits on ``denied_path`` (tests may
    run as root, whom file modes do not stop)."""
    real = os.access

    def access(path, mode):
        if str(path) == str(denied_path) and mode & denied_mode:
            return False
        return real(path, mode)

    monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize("mode", [os.W_OK, os.X_OK], ids=["no-write", "no-search"])
def test_a_directory_the_user_cannot_write_in(tmp_path, monkeypatch, mode):
    locked = tmp_path / "locked"
    locked.mkdir()
    deny(monkeypatch, locked, mode)
    for target in (locked / "model", locked / "new" / "model"):
        with pytest.raises(ModelSaveError) as info:
            check_save_path(target)
        assert str(info.value) == (
            f"Cannot save the model to {target}: you cannot write in the directory "
            f"{locked}. Choose another path, or ask for write access."
        )
    assert check_save_path(tmp_path / "model") is None


def test_a_read_only_file_is_not_replaced(tmp_path, monkeypatch):
    read_only = tmp_path / "model"
    read_only.write_bytes(b"old")
    deny(monkeypatch, read_only, os.W_OK)
    with pytest.raises(ModelSaveError) as info:
        check_save_path(read_only)
    assert str(info.value) == (
        f"Cannot save the model to {read_only}: the file there is read-only for "
        "you, and saving would replace it. Make it writable (chmod u+w) or choose "
        "another path."
    )
    assert check_save_path(tmp_path / "other") is None


def test_an_os_error_is_a_model_save_error_naming_the_path(tmp_path):
    target = tmp_path / ("x" * 300) / "model"
    with pytest.raises(ModelSaveError) as info:
        check_save_path(target)
    assert str(info.value) == f"Cannot save the model to {target}: File name too long."
    assert isinstance(info.value.__cause__, OSError)
