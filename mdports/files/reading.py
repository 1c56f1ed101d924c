"""Reading a document: only a regular file of a sane size, decoded as UTF-8, every failure one clear error."""

from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

from ..errors import InputError

# How mdports names standard input in messages and reports (`validate -`).
STDIN_NAME = "<stdin>"
# Far above any real registry (65,535 entries are about 4 MiB), far below what exhausts memory.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_regular(info: os.stat_result, name: str) -> None:
    """Refuse what is not a regular file (a device reads forever, a FIFO blocks) or is too big."""
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory, not a Markdown file", path=name)
    if not stat.S_ISREG(info.st_mode):
        kind = next((what for test, what in _KINDS if test(info.st_mode)), "not a regular file")
        raise InputError(f"is {kind}, not a regular file; mdports reads only regular files", path=name)
    if info.st_size > MAX_DOCUMENT_BYTES:
        raise too_big(info.st_size, name)


def too_big(size: int, name: str) -> InputError:
    """The refusal of ``name``, ``size`` bytes long (more than :data:`MAX_DOCUMENT_BYTES`)."""
    return InputError(
        f"is {size / 2**20:.0f} MiB or more, more than the {MAX_DOCUMENT_BYTES // 2**20} MiB a port registry "
        "can need; is it the right file?",
        path=name,
    )


def open_regular(name: str) -> int:
    """A descriptor of the regular file ``name`` (see :func:`check_regular`), opened for reading.

    ``O_NONBLOCK`` keeps the open of a FIFO from waiting for a writer; it changes nothing for a
    regular file, which is all this returns.
    """
    try:
        handle = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("no such file", path=name) from None
    except IsADirectoryError:  # pragma: no cover - Linux opens a folder for reading
        raise InputError("is a directory, not a Markdown file", path=name) from None
    except PermissionError:
        raise InputError("permission denied while reading", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    try:
        check_regular(os.fstat(handle), name)
    except BaseException:
        os.close(handle)
        raise
    return handle


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file exactly as stored (no newline translation).

    Raises :class:`InputError` naming the file for a missing file, a directory or anything else
    that is not a regular file, a file over :data:`MAX_DOCUMENT_BYTES`, a binary file, bytes
    that are not UTF-8 (with their offset) or a permission problem.
    """
    name = os.fspath(path)
    return decode_text(read_bytes(name), name)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_DOCUMENT_BYTES` (see :func:`read_text`)."""
    name = os.fspath(path)
    with os.fdopen(open_regular(name), "rb") as stream:
        return read_bounded(stream, name)  # a file that grew since fstat is still bounded


def read_stdin(name: str) -> str:
    """Standard input as text, refused like a file: over :data:`MAX_DOCUMENT_BYTES`, binary, not UTF-8."""
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None:  # started with stdin closed (`<&-`)
        raise InputError(
            "standard input is closed; nothing to read", path=name, hint="pipe the document in, or give its path"
        )
    return decode_text(read_bounded(stream, name), name)


def read_bounded(stream: BinaryIO, name: str) -> bytes:
    """The bytes of ``stream``, reading at most one byte more than :data:`MAX_DOCUMENT_BYTES`.

    A pipe has no size to check beforehand, so the limit is the read itself: 300 MB piped in is
    refused after 64 MiB, not held in memory whole.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        # A pipe returns what is there, not what was asked: read until the limit or the end.
        while size <= MAX_DOCUMENT_BYTES:
            chunk = stream.read(MAX_DOCUMENT_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    if size > MAX_DOCUMENT_BYTES:
        raise too_big(size, name)
    return b"".join(chunks)


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text from ``data``; a binary file or bytes that are not UTF-8 are an :class:`InputError`."""
    nul = data.find(b"\0")
    if nul != -1:
        raise InputError(f"looks like a binary file (NUL byte at offset {nul})", path=name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8",
            path=name,
        ) from None


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | str:
    """What two paths to one file share: device and inode (a symbolic or hard link), else the real path."""
    try:
        info = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return info.st_dev, info.st_ino
