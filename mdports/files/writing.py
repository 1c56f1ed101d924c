"""Writing a document safely: the old or the new text, never a mix.

A write follows a symbolic link to its target, keeps owner, group, mode and every hard link
(a file with several links is written in place after a verified temporary copy), and syncs the
folder; temporary files a killed writer left behind are removed by the next writer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Hashable, Sequence
from typing import BinaryIO

from ..errors import RefusedError
from .reading import check_regular

TEMP_SUFFIX = ".mdports-tmp"
# A temporary file this many seconds older than the lock is a dead writer's (the margin keeps
# clear of a writer that does not lock, such as a program using write_atomic alone, mid-write).
STALE_AFTER = 10.0


def temp_prefix(target: str) -> str:
    """Temporary files for ``target`` are ``.NAME.<random>.mdports-tmp`` in its folder."""
    return f".{os.path.basename(target)}."


def write_atomic(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Replace the document at ``path`` with ``text``; readers see the old or the new file, never a mix.

    A symbolic link is followed: its target is written and the link stays a link. The text is
    written to a temporary file in the target's folder, flushed and fsynced, given the
    original's owner, group and permission bits and moved over it with ``os.replace``; the
    folder is then fsynced so the rename survives a power cut.

    A file with several hard links, or one whose owner the new file cannot be given (a user
    editing someone else's group-writable file), is written in place instead, so that every
    link and the owner stay: see :func:`_write_in_place`.

    Refused, with the document as it was: a read-only file, one the user may not write (even
    when the folder would let them replace it), a folder that is not writable, a full disk or
    a file size limit.
    """
    write_all([(path, text, name or os.fspath(path))])


def write_all(files: Sequence[tuple[str | os.PathLike[str], str, str]]) -> None:
    """Write several files, ``(path, text, name)`` each, all or none: as :func:`write_atomic` writes one.

    Every temporary file is written, fsynced and given its owner and mode first; only when all
    of them are ready is any file replaced. Anything refused before that (a read-only file, a
    folder that is not writable, a full disk) leaves every file as it was. Should a rename
    itself fail, the files already replaced get their old bytes back. Two paths to one file (a
    symbolic link and its target) are one file: give it once.
    """
    staged: list[_Staged] = []
    try:
        for path, text, name in files:
            staged.append(_Staged.create(path, text, name))
        # A symbolic or hard link is the same file.
        refuse_same_file([((item.info.st_dev, item.info.st_ino), item.name) for item in staged])
        done: list[_Staged] = []
        try:
            for item in staged:
                item.commit()
                done.append(item)
        except RefusedError as error:
            restored = _restore(done)
            written = ", ".join(item.name for item in done if item.name not in restored)
            if written:
                error.message = error.message.replace(
                    _UNCHANGED, f"; {written} could not be put back and hold the new text"
                )
            elif done:
                put_back = ", ".join(item.name for item in done)
                error.message = error.message.replace(_UNCHANGED, f"; {put_back} were put back: no file changed")
            raise
    finally:
        for item in staged:
            item.discard()
    for folder in dict.fromkeys(item.folder for item in staged):
        _sync_folder(folder)


def refuse_same_file(files: Sequence[tuple[Hashable, str]]) -> None:
    """Refuse two names of one file, ``(identity, name)`` each: it would be written twice, or locked twice."""
    seen: dict[Hashable, str] = {}
    for identity, name in files:
        if identity in seen:
            raise RefusedError(
                f"is the same file as {seen[identity]}; nothing was written", path=name, hint="give each file once"
            )
        seen[identity] = name


def _restore(done: Sequence[_Staged]) -> set[str]:
    """Put the old bytes back into files already replaced; the names of those that were."""
    restored: set[str] = set()
    for item in reversed(done):
        try:
            again = _Staged.create(item.target, item.old.decode("utf-8"), item.name)
            try:
                again.commit()
            finally:
                again.discard()
            restored.add(item.name)
        except (RefusedError, UnicodeDecodeError):
            continue
    return restored


class _Staged:
    """A new text written to a temporary file next to its target, ready to replace it."""

    def __init__(self, target: str, name: str, info: os.stat_result, temp: str, data: bytes, old: bytes) -> None:
        self.target, self.name, self.info, self.temp, self.data, self.old = target, name, info, temp, data, old
        self.folder = os.path.dirname(target)
        self.in_place = False

    @classmethod
    def create(cls, path: str | os.PathLike[str], text: str, name: str) -> _Staged:
        """Check the target may be written and write the temporary file (fsynced, owner and mode set)."""
        import tempfile

        target = os.path.realpath(path)
        try:
            info = os.stat(target)
        except OSError as exc:
            raise RefusedError(f"cannot write: {exc.strerror}", path=name) from None
        check_regular(info, name)
        mode = stat.S_IMODE(info.st_mode)
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise RefusedError("the file is read-only; nothing was written", path=name, hint="chmod u+w it first")
        if not os.access(target, os.W_OK):
            # Only the folder's permission is needed to replace a file: without this check a user
            # who may not write the document could still swap in their own.
            raise RefusedError(
                "you may not write this file; nothing was written",
                path=name,
                hint=f"it belongs to user {info.st_uid}, group {info.st_gid}, mode {mode:o}; "
                "ask its owner or run as a user who may write it",
            )
        try:
            with open(target, "rb") as current:
                old = current.read()
        except OSError as exc:
            raise RefusedError(
                f"cannot read it before writing ({exc.strerror or exc}){_UNCHANGED}", path=name
            ) from None
        folder = os.path.dirname(target)
        data = text.encode("utf-8")
        try:
            handle, temp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=TEMP_SUFFIX, dir=folder)
        except OSError as exc:
            raise RefusedError(
                f"cannot create a temporary file in {folder} ({exc.strerror or exc}){_UNCHANGED}",
                path=name,
                hint="mdports writes the new text next to the document and renames it over the document, "
                "so the folder must be writable",
            ) from None
        staged = cls(target, name, info, temp, data, old)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
                staged.in_place = info.st_nlink > 1 or not _take_owner(out.fileno(), info)
            os.chmod(temp, mode)  # after chown, which may clear set-id bits
        except OSError as exc:
            staged.discard()
            raise _write_error(exc, "write the new text", name) from None
        return staged

    def commit(self) -> None:
        """Replace the target with the temporary file (or copy it in place, keeping hard links)."""
        try:
            if self.in_place:
                _write_in_place(self.target, self.temp, self.data, self.name)
            else:
                os.replace(self.temp, self.target)
        except OSError as exc:
            raise _write_error(exc, "replace the document", self.name) from None

    def discard(self) -> None:
        """Remove the temporary file if it is still there (not renamed, or copied in place)."""
        if os.path.lexists(self.temp):
            os.unlink(self.temp)


_UNCHANGED = "; the document is unchanged"


def _write_error(exc: OSError, stage: str, name: str) -> RefusedError:
    import errno

    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return RefusedError(
        f"cannot {stage} ({exc.strerror or exc}){_UNCHANGED}",
        path=name,
        hint="the disk is full or a size limit was reached; free some space and run it again" if full else None,
    )


def _take_owner(handle: int, info: os.stat_result) -> bool:
    """Give the new file the document's owner and group; False when that is not permitted."""
    current = os.fstat(handle)
    if (current.st_uid, current.st_gid) == (info.st_uid, info.st_gid) or not hasattr(os, "fchown"):
        return True  # the same owner already (or no owners to keep, on Windows)
    try:
        os.fchown(handle, info.st_uid, info.st_gid)
    except PermissionError:
        return False
    return True


def _write_in_place(target: str, temp: str, data: bytes, name: str) -> None:
    """Copy the verified temporary file's bytes over the document itself, keeping its inode.

    Every hard link then sees the new text and owner, group and mode stay. The space is
    reserved first (``posix_fallocate``), so a full disk fails before a byte changes; should a
    write still fail, the old bytes are put back. A crash in the middle of the copy can leave a
    mix, which is why the temporary copy is written, fsynced and compared first: until the copy
    is done, it holds the complete new text next to the document.
    """
    with open(temp, "rb") as check:
        if check.read() != data:
            raise RefusedError(f"the temporary copy does not hold the new text{_UNCHANGED}", path=name)
    handle = os.open(target, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    try:
        with os.fdopen(handle, "r+b") as document:
            old = document.read()
            if len(data) > len(old):
                _reserve(document.fileno(), len(data))
            try:
                _overwrite(document, data)
            except OSError:
                _overwrite(document, old)
                raise
    except OSError as exc:
        raise _write_error(exc, "write the document in place", name) from None


def _reserve(handle: int, size: int) -> None:
    """Allocate ``size`` bytes for the file, where the file system can say so in advance."""
    import errno

    if not hasattr(os, "posix_fallocate"):  # pragma: no cover - macOS, Windows
        return
    try:
        os.posix_fallocate(handle, 0, size)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):  # cannot tell in advance: write and see
            raise


def _overwrite(document: BinaryIO, data: bytes) -> None:
    document.seek(0)
    document.write(data)
    document.truncate(len(data))
    document.flush()
    os.fsync(document.fileno())


def _sync_folder(folder: str) -> None:
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
            if stat.S_ISREG(info.st_mode) and info.st_mtime < older_than:
                os.unlink(candidate)
        except OSError:
            continue
