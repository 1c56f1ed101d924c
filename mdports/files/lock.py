"""Locking a document for a read-edit-write cycle, with a timeout."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ..errors import InputError, RefusedError
from .reading import open_regular
from .writing import STALE_AFTER, remove_stale_temp_files

DEFAULT_LOCK_TIMEOUT = 30.0
ANNOUNCE_AFTER = 1.0  # seconds of waiting before the caller is told whose lock it waits for


class DocumentLock:
    """An exclusive advisory lock on the document itself, held for a read-edit-write cycle.

    Locking the document (not a side file) leaves nothing behind. A symbolic link is
    followed, so writers through the link and through the target share one lock. Because a
    write replaces the file, a waiter may wake up holding a lock on the old inode; it then
    locks the new file instead, so concurrent writers queue up and each one edits the latest
    version. Once it holds the lock, it removes the temporary files a killed writer left
    behind (:func:`remove_stale_temp_files`).

    A lock held by another process is waited for up to ``timeout`` seconds (then
    :class:`RefusedError`); ``waiting`` is called once, after :data:`ANNOUNCE_AFTER` seconds,
    so that the user knows why nothing happens.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = DEFAULT_LOCK_TIMEOUT,
        waiting: Callable[[], None] | None = None,
        name: str | None = None,
    ) -> None:
        self.path = os.path.realpath(path)
        self.name = name or os.fspath(path)
        self.timeout = timeout
        self.waiting = waiting
        self._handle: int | None = None

    def __enter__(self) -> DocumentLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks, writes stay atomic
            return self
        start = time.monotonic()
        announced = False
        while True:
            handle = self._open()
            delay = 0.005
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - start
                    if waited >= self.timeout:
                        os.close(handle)
                        raise RefusedError(
                            f"another process held the lock on the document for {self.timeout:g} s; "
                            "nothing was written",
                            path=self.name,
                            hint="find it with `fuser` or `lsof`, or wait longer with --lock-timeout SECONDS",
                        ) from None
                    if not announced and waited >= ANNOUNCE_AFTER and self.waiting is not None:
                        announced = True
                        self.waiting()
                    time.sleep(delay)
                    delay = min(delay * 2, 0.1)  # quick to take a lock that frees soon, cheap when it does not
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

    def _open(self) -> int:
        """Open the target, with errors naming the file as the user gave it."""
        try:
            return open_regular(self.path)
        except InputError as error:
            error.path = self.name
            raise

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing releases the flock
            self._handle = None
