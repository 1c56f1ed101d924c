"""Reading documents from disk, with one clear error for every way it can fail."""

from __future__ import annotations

import os
import time

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


def _pause_for_tests(stage: str) -> None:
    """Test-only hook: with ``MDPORTS_TEST_PAUSE=stage``, stop here until killed.

    Crash-safety tests kill the writer with SIGKILL at each stage and check that the document
    is then either the old or the new one, byte for byte. ``MDPORTS_TEST_PAUSE_FILE`` is
    created when the writer reaches the stage, so the test knows when to kill it.
    """
    if os.environ.get("MDPORTS_TEST_PAUSE") != stage:
        return
    marker = os.environ.get("MDPORTS_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "w") as handle:
            handle.write(stage)
    import time

    while True:  # pragma: no cover - ended by the test's SIGKILL
        time.sleep(0.05)


TEMP_SUFFIX = ".mdports-tmp"
# A temporary file this many seconds older than the lock is a dead writer's (the margin keeps
# clear of a writer that does not lock, such as `mdports merge -o`, caught mid-write).
STALE_AFTER = 10.0


def temp_prefix(target: str) -> str:
    """Temporary files for ``target`` are ``.NAME.<random>.mdports-tmp`` in its folder."""
    return f".{os.path.basename(target)}."


def write_atomic(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix.

    The text is written to a temporary file in the same folder, flushed and fsynced, given
    the original's permission bits and moved over the original with ``os.replace``; the
    folder is then fsynced so the rename survives a power cut. A read-only document is
    refused. Any failure before the rename (a folder that is not writable, a full disk, a
    file size limit) leaves the document as it was and removes the temporary file.
    """
    import errno
    import stat
    import tempfile

    from .errors import RefusedError

    target = os.fspath(path)
    name = name or target
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError as exc:
        raise RefusedError(f"cannot write: {exc.strerror}", path=name) from None
    if not mode & stat.S_IWUSR:
        raise RefusedError("the file is read-only; nothing was written", path=name, hint="chmod u+w it first")
    folder = os.path.dirname(os.path.abspath(target))
    data = text.encode("utf-8")
    unchanged = "; the document is unchanged"
    try:
        handle, temp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise RefusedError(
            f"cannot create a temporary file in {folder} ({exc.strerror or exc}){unchanged}",
            path=name,
            hint="mdports writes the new text next to the document and renames it over the document, "
            "so the folder must be writable",
        ) from None
    stage = "write the new text"
    try:
        with os.fdopen(handle, "wb") as out:
            _pause_for_tests("before-write")
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        stage = "replace the document"
        os.chmod(temp, mode)
        _pause_for_tests("before-replace")
        os.replace(temp, target)
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        raise RefusedError(
            f"cannot {stage} ({exc.strerror or exc}){unchanged}",
            path=name,
            hint="the disk is full or a size limit was reached; free some space and run it again" if full else None,
        ) from None
    finally:
        if os.path.lexists(temp):  # still there: the rename did not happen
            os.unlink(temp)
    _pause_for_tests("after-replace")
    if hasattr(os, "O_DIRECTORY"):
        # The new document is in place; syncing its folder makes the rename durable. Some file
        # systems cannot sync a folder, which leaves the rename as durable as any other.
        try:
            directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError:
            pass


def remove_stale_temp_files(target: str, older_than: float) -> None:
    """Delete temporary files of ``target`` that a killed writer left behind.

    Called by the holder of the document's lock: every writer creates its temporary file
    while it holds the lock and removes or renames it before letting go, so one that is
    there before the lock was taken belongs to a writer that died (SIGKILL, power cut).
    Only regular files named like ours and last modified before ``older_than`` are removed.
    """
    folder = os.path.dirname(os.path.abspath(target))
    prefix = temp_prefix(target)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for entry in names:
        if not (entry.startswith(prefix) and entry.endswith(TEMP_SUFFIX)):
            continue
        candidate = os.path.join(folder, entry)
        try:
            info = os.lstat(candidate)
            import stat

            if stat.S_ISREG(info.st_mode) and info.st_mtime < older_than:
                os.unlink(candidate)
        except OSError:
            continue


class DocumentLock:
    """An exclusive advisory lock on the document itself, held for a read-edit-write cycle.

    Locking the document (not a side file) leaves nothing behind. Because a write replaces
    the file, a waiter may wake up holding a lock on the old inode; it then locks the new
    file instead, so concurrent writers queue up and each one edits the latest version.
    Once it holds the lock, it removes the temporary files a killed writer left behind
    (:func:`remove_stale_temp_files`).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._handle: int | None = None

    def __enter__(self) -> DocumentLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks, writes stay atomic
            return self
        while True:
            try:
                handle = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                raise InputError("no such file", path=self.path) from None
            except IsADirectoryError:  # pragma: no cover - platform dependent
                raise InputError("is a directory, not a Markdown file", path=self.path) from None
            except PermissionError:
                raise InputError("permission denied while reading", path=self.path) from None
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            opened = os.fstat(handle)
            if current is not None and (current.st_ino, current.st_dev) == (opened.st_ino, opened.st_dev):
                self._handle = handle
                remove_stale_temp_files(self.path, time.time() - STALE_AFTER)
                return self
            os.close(handle)  # replaced while we waited: lock the new file

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing releases the flock
            self._handle = None
