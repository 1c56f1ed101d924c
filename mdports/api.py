r"""The public API: parse, load, read the registry, validate.

>>> import mdports
>>> doc = mdports.parse("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n")
>>> doc.render().endswith("| 3001 | auth |\n")
True
>>> [(e.service, e.ports) for e in mdports.registry(doc).entries]
[('auth', (3001,))]
>>> mdports.validate(doc).findings
()
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date

from .edits import Edit, today, verify
from .files.config import Config
from .files.reading import read_text
from .files.transaction import DEFAULT_LOCK_TIMEOUT, Locking, Target, transact_file
from .model.lookup import Registry
from .model.reading import build
from .readonly import readonly
from .rules import validation as _rules
from .rules.findings import Report
from .syntax import document as _document
from .syntax.document import Document


def parse(text: str, *, path: str | None = None) -> Document:
    """Parse Markdown text into a lossless :class:`Document` (``parse(t).render() == t``)."""
    return _document.parse(text, path=path)


def load(path: str | os.PathLike[str]) -> Document:
    """Read and parse a UTF-8 Markdown file; raises :class:`InputError` naming the file."""
    name = os.fspath(path)
    return _document.parse(read_text(name), path=name)


def registry(document: Document) -> Registry:
    """The read-only registry model the document declares."""
    return build(document)


def validate(source: Document | Registry, config: Config | None = None) -> Report:
    """Every finding of every rule (see ``mdports.rules.catalog.DOCUMENT_RULES``) as a :class:`Report`."""
    model = source if isinstance(source, Registry) else build(source)
    return _rules.validate(model, config)


@readonly
class EditResult:
    """What :func:`edit_file` did: the edit, the verified new registry, whether it wrote."""

    name: str
    edit: Edit
    registry: Registry
    written: bool


def edit_file(
    path: str | os.PathLike[str],
    operation: Callable[[Document, date | None], Edit],
    *,
    write: bool = True,
    keep_date: bool = False,
    name: str | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    waiting: Callable[[str], None] | None = None,
) -> EditResult:
    r"""Lock, read, edit, verify and atomically write a document (one :func:`~mdports.files.transaction.transact`).

    ``operation`` gets the parsed document and the date for a "Last updated" line (None with
    ``keep_date``); ``name`` is how messages call the file (default: ``path``). Nothing is
    written when the edit changes nothing, fails verification or ``write`` is false.
    Concurrent callers queue on the lock, so each one edits the latest text; a caller waits
    at most ``lock_timeout`` seconds for it (then :class:`RefusedError`), and ``waiting`` is
    called once, with ``name``, when the wait passes a second. A symbolic link is followed: the
    target is locked and written, the link stays.

    >>> import mdports, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> doc = folder / "PORT_SCHEMA.md"
    >>> _ = doc.write_text("## 3010-3019: Infra\n\n| Port | Service |\n|---|---|\n| 3010 | a |\n")
    >>> result = mdports.edit_file(doc, lambda d, day: mdports.add(d, "todo-worker", range="infra", date=day))
    >>> result.edit.ports, result.written, doc.read_text().splitlines()[-1]
    ((3011,), True, '| 3011 | todo-worker |')
    """
    name = name or os.fspath(path)

    def edited(text: str) -> tuple[tuple[Edit, Registry], str]:
        edit = operation(_document.parse(text, path=name), None if keep_date else today())
        # Verified before anything is written: the lines outside the edit, the intended model.
        return (edit, verify(edit)), edit.text

    done = transact_file(Target(path, name), edited, locking=Locking(lock_timeout, waiting), write=write)
    edit, registry = done.result
    return EditResult(name, edit, registry, bool(done.written))
