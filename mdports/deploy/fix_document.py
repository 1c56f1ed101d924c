"""``drift --fix document``: the document adopts what is deployed.

:func:`adopt_deployment` uses the edit operations: an entry deployed on a free port is moved
there (MP203), one deployed on a reserved port consumes the placeholder (MP204), and with
``add_undocumented`` an undocumented service gets a row in the section whose range holds its
port (MP201). Each step is an :class:`~mdports.edits.Edit`, verified.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from .. import edits
from ..check.findings import Finding
from ..edits.new_section import OTHER_PORTS
from ..errors import MdportsError, RefusedError
from ..files.lock import DEFAULT_LOCK_TIMEOUT, DocumentLock
from ..files.reading import read_text
from ..files.writing import write_atomic
from ..model.reading import build
from ..model.registry import Registry
from ..model.vocabulary import DEFAULT, Vocabulary
from ..syntax.document import Document
from .compose import ComposePort
from .fix_deployment import located_records
from .records import Deployment
from .unfixed import UNDOCUMENTED, Unfixed, not_fixable

MOVED_OR_RESERVED = ("MP203", "MP204")


@dataclass(frozen=True)
class DocumentOutcome:
    """What ``drift --fix document`` did to the document."""

    before: Document
    after: Document
    changes: tuple[edits.Change, ...]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Unfixed, ...]

    @property
    def changed(self) -> bool:
        return self.after.render() != self.before.render()

    def diff(self, path: str) -> str:
        return edits.Edit(self.before, self.after, ()).diff(path)


def adopt_deployment(
    document: Document,
    registry: Registry,
    findings: Iterable[Finding],
    *,
    add_undocumented: bool = False,
    date: datetime.date | None = None,
    deployed: Deployment | None = None,
) -> DocumentOutcome:
    """The document with what is deployed adopted, one verified edit after another.

    Only a compose service (of ``deployed``) is added as an undocumented service: a tunnel
    hostname or a scrape address names no service a row could carry.
    """
    mappings = {
        key for key, record in located_records(deployed or Deployment()).items() if isinstance(record, ComposePort)
    }
    current = document
    changes: list[edits.Change] = []
    fixed: list[Finding] = []
    unfixed: list[Unfixed] = []
    done: dict[str, int] = {}  # name (case folded) -> the port it now has
    for finding in findings:
        if finding.severity == "info":
            continue
        name: str | None = None
        if finding.rule.id in MOVED_OR_RESERVED and finding.entry is not None:
            name = registry.entries[finding.entry].service
        elif finding.rule.id == UNDOCUMENTED and add_undocumented:
            if (finding.path, finding.line, finding.column) not in mappings:
                unfixed.append(Unfixed(finding, "only a compose service is added as a row"))
                continue
            name = finding.deployed_as
        if name is None:
            unfixed.append(Unfixed(finding, not_fixable(finding, "document")))
            continue
        if len(finding.ports) != 1:
            unfixed.append(Unfixed(finding, f"{name} is deployed on several ports ({list(finding.ports)})"))
            continue
        port = finding.ports[0]
        if name.casefold() in done:
            if done[name.casefold()] == port:
                fixed.append(finding)  # another record of the same service on the same port
            else:
                unfixed.append(
                    Unfixed(finding, f"{name} is also deployed on {done[name.casefold()]}, which it now has")
                )
            continue
        try:  # add and move refuse a port outside every range, and say so
            if finding.rule.id == UNDOCUMENTED:
                # A port outside every range goes where `add --section` puts it: "Other ports".
                other = None if edits.in_a_range(registry, port) else OTHER_PORTS
                edit = edits.add(current, name, port=port, section=other, date=date)
            else:
                edit = edits.move(current, name, port=port, date=date)
            edits.verify(edit)
        except MdportsError as error:
            unfixed.append(Unfixed(finding, error.message))
            continue
        current = edit.after if edit.changed else current
        changes += edit.changes
        fixed.append(finding)
        done[name.casefold()] = port
    return DocumentOutcome(document, current, tuple(changes), tuple(fixed), tuple(unfixed))


def adopt_in_file(
    path: str | os.PathLike[str],
    document: Document,
    findings: Sequence[Finding],
    *,
    add_undocumented: bool = False,
    date: datetime.date | None = None,
    write: bool = True,
    deployed: Deployment | None = None,
    vocab: Vocabulary = DEFAULT,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    waiting: Callable[[], None] | None = None,
) -> DocumentOutcome:
    """:func:`adopt_deployment` under the document's lock, written atomically (unless ``write`` is false)."""
    with DocumentLock(path, timeout=lock_timeout, waiting=waiting) if write else nullcontext():
        if write and read_text(path) != document.render():
            raise RefusedError(
                "the document changed while drift was checking it; nothing was written",
                path=document.path,
                hint="run the command again",
            )
        registry = build(document, vocab)
        outcome = adopt_deployment(
            document, registry, findings, add_undocumented=add_undocumented, date=date, deployed=deployed
        )
        if write and outcome.changed:
            write_atomic(path, outcome.after.render(), name=document.path)
    return outcome
