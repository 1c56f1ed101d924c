"""Reading documents from disk, with one clear error for every way it can fail."""

from __future__ import annotations

import os

from .errors import InputError


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file exactly as stored (no newline translation).

    Raises :class:`InputError` naming the file for a missing file, a directory, a binary
    file, bytes that are not UTF-8 (with their offset) or a permission problem.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise InputError("no such file", path=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a Markdown file", path=name) from None
    except PermissionError:
        raise InputError("permission denied while reading", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
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
