"""Reading a document: only a regular file of a sane size, decoded as UTF-8, every failure one clear error."""

from __future__ import annotations

import os
import stat

from ..errors import InputError

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
        raise _too_big(info.st_size, name)


def _too_big(size: int, name: str) -> InputError:
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
    handle = open_regular(name)
    try:
        with os.fdopen(handle, "rb") as stream:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)  # a file that grew since fstat is still bounded
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_big(len(data), name)
    return decode_text(data, name)


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
