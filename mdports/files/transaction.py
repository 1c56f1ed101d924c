"""The one write transaction of mdports: lock, read, transform, verify, write.

Every command that writes a file (the edit commands and :func:`mdports.edit_file`,
``validate --fix``, ``drift --fix document``, ``drift --fix deployment``, the merge driver)
goes through :func:`transact`, so they share one set of guarantees:

- **Lock.** Each file is locked (:class:`~mdports.files.transaction.DocumentLock`, on the file
  itself, through a symbolic link to its target), several files in one order for every
  writer, so that two writers never wait for each other. A held lock is waited for at most
  :attr:`Locking.timeout` seconds (the configured ``lock-timeout``); after a second,
  :attr:`Locking.waiting` is told which file it waits for.
- **Read** the texts under the lock, as stored (UTF-8, line endings and BOM kept); a file the
  caller read before (:attr:`Target.expected`) must still hold that text.
- **Transform** them with the caller's function, then **verify** the result with the caller's
  check; either may refuse by raising an :class:`~mdports.errors.MdportsError`.
- **Write** the files whose text changed, all or none (:func:`~mdports.files.writing.write_all`:
  temporary files first, then the renames; owner, group, mode, hard and symbolic links kept;
  another user's file refused).

Any failure before the renames leaves every file byte for byte as it was, and no temporary
file behind; a file this transaction created (:attr:`Target.create`) is removed again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from functools import partial
from typing import Generic, TypeVar

from ..errors import InputError, RefusedError, UsageError
from ..readonly import readonly
from .reading import file_identity, open_regular, read_text
from .writing import STALE_AFTER, refuse_same_file, remove_stale_temp_files, write_all

# Locking a document for a read-edit-write cycle, with a timeout.

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


R = TypeVar("R")


@readonly
class Locking:
    """How a writer waits for another one's lock: ``timeout`` seconds at most, saying so once."""

    timeout: float = DEFAULT_LOCK_TIMEOUT
    waiting: Callable[[str], None] | None = None  # given the name of the file waited for


@readonly
class Target:
    """A file a transaction reads and may write.

    ``name`` is how messages call it (default: ``path``). ``expected`` is the text the caller
    read before the transaction (a command that checks first, then writes): the file must
    still hold it, else nothing is written and ``changed`` says why. With ``create``, a
    missing file is created empty first (it is locked like any other) and removed again when
    the transaction fails.
    """

    path: str | os.PathLike[str]
    name: str = ""
    expected: str | None = None
    changed: str = "the file changed since mdports read it"
    create: bool = False

    @property
    def shown(self) -> str:
        return self.name or os.fspath(self.path)


@readonly
class Transacted(Generic[R]):
    """What :func:`transact` did: the transform's result and the files it wrote (their names)."""

    result: R
    written: tuple[str, ...]


def transact(
    targets: Sequence[Target],
    transform: Callable[[tuple[str, ...]], tuple[R, Sequence[str]]],
    *,
    verify: Callable[[R], str | None] | None = None,
    locking: Locking | None = None,
    write: bool = True,
) -> Transacted[R]:
    """Lock ``targets``, read them, ``transform`` their texts, ``verify`` the result, write what changed.

    ``transform`` gets the texts in the order of ``targets`` and returns its result and the new
    texts (same order). ``verify`` returns why the result must not be written (None: write it);
    its reason is refused (exit 1) naming the first target. Without ``write`` nothing is locked,
    created or written: the result is what a write would have done (``--dry-run``, ``--diff``).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.md"
    >>> _ = path.write_bytes(b"one\\r\\n")
    >>> done = transact([Target(path)], lambda texts: (len(texts[0]), [texts[0] + "two\\r\\n"]))
    >>> done.result, done.written == (str(path),), path.read_bytes()
    (5, True, b'one\\r\\ntwo\\r\\n')
    """
    if not targets:
        return Transacted(transform(())[0], ())
    refuse_same_file([(file_identity(t.path), t.shown) for t in targets])
    locking = locking or Locking()
    created: list[Target] = []
    try:
        with ExitStack() as locks:
            if write:
                created = [target for target in targets if target.create and _create(target)]
                # One order for every writer: two transactions never hold a lock the other waits for.
                for target in sorted(targets, key=lambda t: os.path.realpath(t.path)):
                    waiting = partial(locking.waiting, target.shown) if locking.waiting is not None else None
                    locks.enter_context(
                        DocumentLock(target.path, timeout=locking.timeout, waiting=waiting, name=target.shown)
                    )
            texts = tuple(read_text(target.path) for target in targets)
            for target, text in zip(targets, texts, strict=True):
                if write and target.expected is not None and text != target.expected:
                    raise RefusedError(
                        f"{target.changed}; nothing was written", path=target.shown, hint="run the command again"
                    )
            result, new_texts = transform(texts)
            if len(new_texts) != len(targets):
                raise ValueError(f"transform returned {len(new_texts)} texts for {len(targets)} files")
            reason = verify(result) if verify is not None else None
            if reason is not None:
                raise RefusedError(f"{reason}; nothing was written", path=targets[0].shown)
            changed = [
                (target.path, new, target.shown)
                for target, old, new in zip(targets, texts, new_texts, strict=True)
                if new != old
            ]
            if write and changed:
                write_all(changed)
    except BaseException:
        for target in created:
            _remove_created(target)
        raise
    return Transacted(result, tuple(name for _, _, name in changed) if write else ())


def transact_file(
    target: Target,
    transform: Callable[[str], tuple[R, str]],
    *,
    verify: Callable[[R], str | None] | None = None,
    locking: Locking | None = None,
    write: bool = True,
) -> Transacted[R]:
    """:func:`transact` for one file: ``transform`` gets its text and returns the result and the new text."""

    def one(texts: tuple[str, ...]) -> tuple[R, Sequence[str]]:
        result, text = transform(texts[0])
        return result, (text,)

    return transact([target], one, verify=verify, locking=locking, write=write)


def _create(target: Target) -> bool:
    """Create the missing file of ``target``, empty: True when this call created it."""
    try:
        handle = os.open(target.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except FileExistsError:
        return False
    except OSError as exc:
        raise UsageError(
            f"cannot create the file: {exc.strerror or exc}",
            path=target.shown,
            hint="name a file in a folder you may write",
        ) from None
    os.close(handle)
    return True


def _remove_created(target: Target) -> None:
    """Remove a file :func:`_create` made, unless something was written to it since."""
    try:
        if os.lstat(target.path).st_size == 0:
            os.unlink(target.path)
    except OSError:
        pass
