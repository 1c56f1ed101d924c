"""``drift --fix document``: the document adopts what is deployed.

:func:`adopt_deployment` uses the edit operations: an entry deployed on a free port is moved
there (MP203), one deployed on a reserved port consumes the placeholder (MP204); a port no
section's range holds is adopted in place, the row keeping its section, and the MP101 warning
that follows is reported with the outcome (:attr:`DocumentOutcome.follows`). With
``add_undocumented`` an undocumented service gets a row in the section whose range holds its
port (MP201). Each step is an :class:`~mdports.edits.Edit`, verified.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Sequence

from .. import edits
from ..edits.targets import OTHER_PORTS
from ..errors import MdportsError, RefusedError
from ..files.baseline import finding_keys
from ..files.config import Config
from ..files.transaction import Locking, Target, transact_file
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.reading import build
from ..model.registry import Entry
from ..model.vocabulary import DEFAULT, Vocabulary
from ..readonly import readonly
from ..rules.deployment_rules import PORT_MISMATCH, RESERVED_PORT, UNDOCUMENTED_PORT
from ..rules.findings import Finding
from ..rules.validation import validate
from ..syntax.document import Document, Prose
from .compose import ComposePort
from .deployment import Deployment
from .drift import check
from .fix_plan import STILL_THERE, Unfixed, located_records, not_fixable, would_cause

MOVED_OR_RESERVED = (PORT_MISMATCH, RESERVED_PORT)
CHANGED_WHILE_CHECKING = "the document changed while drift was checking it"


@readonly
class DocumentOutcome:
    """What ``drift --fix document`` did to the document."""

    before: Document
    after: Document
    changes: tuple[edits.Change, ...]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Unfixed, ...]
    follows: tuple[Finding, ...] = ()  # what validate now finds in the document that it did not before

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
    config: Config | None = None,
    vocab: Vocabulary = DEFAULT,
) -> DocumentOutcome:
    """The document with what is deployed adopted, one verified edit after another.

    Only a compose service (of ``deployed``) is added as an undocumented service: a tunnel
    hostname or a scrape address names no service a row could carry. With ``deployed``, drift
    is run again on the result: each finding fixed must be gone and no new one appear (moving
    chat-backend to its Kubernetes node port would leave its compose mapping on the old port).
    When that fails, the steps are taken again, each checked, and those that cause it left.
    """
    config = config or Config()
    findings = tuple(findings)
    steps = (document, registry, findings, add_undocumented, date, deployed, config, vocab)
    outcome = _adopt(*steps, check_each=False)
    if deployed is None or not outcome.changed:
        return outcome
    after = check(build(outcome.after, vocab), deployed, config, document.path).findings
    before = {_drift_key(f, document.path) for f in findings}
    now = {_drift_key(f, document.path) for f in after}
    if any(_drift_key(f, document.path) in now for f in outcome.fixed) or now - before:
        return _adopt(*steps, check_each=True)
    return outcome


def _adopt(
    document: Document,
    registry: Registry,
    findings: Sequence[Finding],
    add_undocumented: bool,
    date: datetime.date | None,
    deployed: Deployment | None,
    config: Config,
    vocab: Vocabulary,
    *,
    check_each: bool,
) -> DocumentOutcome:
    """The steps of :func:`adopt_deployment`; with ``check_each``, drift is run after each one."""
    mappings = {
        key for key, record in located_records(deployed or Deployment()).items() if isinstance(record, ComposePort)
    }
    current = document
    changes: list[edits.Change] = []
    fixed: list[Finding] = []
    unfixed: list[Unfixed] = []
    done: dict[tuple[str, str | None], int] = {}  # (name in any spelling, running host) -> its port now
    seen = {_drift_key(f, document.path) for f in findings}
    for finding in findings:
        if finding.severity == "info":
            continue
        name: str | None = None
        matched = finding.entry
        item = matched if matched is not None and matched.source == "list" else None
        if finding.rule in MOVED_OR_RESERVED and matched is not None:
            name = matched.service
        elif finding.rule is UNDOCUMENTED_PORT and add_undocumented:
            if finding.location not in mappings:
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
        key = (fold_name(name), item.host if item is not None else None)  # one port per service and host
        if key in done:
            if done[key] == port:
                fixed.append(finding)  # another record of the same service on the same port
            else:
                unfixed.append(Unfixed(finding, f"{name} is also deployed on {done[key]}, which it now has"))
            continue
        held = registry.section_holding(port) is not None
        try:
            if item is not None:  # what runs moved: the running item follows, the plan stays the plan
                edit = move_item(current, item, port, date, vocab)
            elif finding.rule is UNDOCUMENTED_PORT:
                # A port outside every range goes where `add --section` puts it: "Other ports".
                edit = edits.add(current, name, port=port, section=None if held else OTHER_PORTS, date=date)
            else:  # a port no range holds is adopted in place: the row keeps its section (MP101 follows)
                edit = edits.move(current, name, port=port, date=date, keep_section=not held)
            edits.verify(edit)
        except MdportsError as error:
            unfixed.append(Unfixed(finding, error.message))
            continue
        if check_each and deployed is not None and edit.changed:
            after = check(build(edit.after, vocab), deployed, config, document.path).findings
            now = {_drift_key(f, document.path) for f in after}
            new = [f for f in after if _drift_key(f, document.path) not in seen]
            if _drift_key(finding, document.path) in now or new:
                unfixed.append(Unfixed(finding, would_cause(new) if new else STILL_THERE))
                continue
            seen = now
        current = edit.after if edit.changed else current
        changes += edit.changes
        fixed.append(finding)
        done[key] = port
    follows = _new_findings(document, current, vocab)
    return DocumentOutcome(document, current, tuple(changes), tuple(fixed), tuple(unfixed), follows)


def move_item(
    document: Document, item: Entry, port: int, date: datetime.date | None = None, vocab: Vocabulary = DEFAULT
) -> edits.Edit:
    """The running list item ``item`` with its port's digits replaced by ``port``: only those digits change.

    (With the "Last updated" line, when ``date`` is given.) The item must read back with the
    new port on the same host, every other entry as it was. ``item`` may come from an earlier
    version of the document (it is found again by its list and place in it). An edit operation
    of the running layer (``move --host``) is the natural home of this; it is kept to the one
    change drift needs.
    """
    registry = build(document, vocab)
    item = next(
        (e for e in registry.listed if (e.table, e.row, e.service) == (item.table, item.row, item.service)), item
    )
    index = next(
        i for i, block in enumerate(document.blocks) if block.start < item.line <= block.start + block.line_count
    )
    block = document.blocks[index]
    offset = item.line - 1 - block.start
    start = item.port_column - 1
    line = block.lines[offset] if isinstance(block, Prose) else ""
    if line[start : start + len(item.port_text)] != item.port_text:
        raise RefusedError(f"the running item of {item.service} is not where it was read", path=document.path)
    builder = edits.Builder(document, registry)
    builder.prose.setdefault(index, {})[offset] = line[:start] + str(port) + line[start + len(item.port_text) :]
    builder.touch_date(date)
    message = f"moved {item.service} on {item.host or 'its host'} from {item.port_text} to {port} (running list)"
    section = registry.sections[item.section].heading
    change = edits.Change("move", item.service, (port,), section, message, old_ports=item.ports)
    edit = builder.finish([change], (port,))
    after = build(edit.after, vocab).listed
    expected = [
        (e.service, e.host, port if (e.table, e.row) == (item.table, item.row) else e.ports[0]) for e in registry.listed
    ]
    if [(e.service, e.host, e.ports[0]) for e in after] != expected:
        raise RefusedError(f"the running list would not read back with {item.service} on {port}", path=document.path)
    return edit


def _drift_key(finding: Finding, document: str | None) -> object:
    """A drift finding across an edit of the document: in the document, not by line (a move reorders rows)."""
    if finding.path == document:
        return finding.rule.id, finding.path, finding.ports, finding.deployed_as
    return finding.location


def _new_findings(before: Document, after: Document, vocab: Vocabulary) -> tuple[Finding, ...]:
    """What ``validate`` finds in the new document and not in the old (such as MP101, a port outside its range)."""
    if after is before:
        return ()
    old_registry, new_registry = build(before, vocab), build(after, vocab)
    # By what a finding is about, not its ports: a move changes them, and the moved service's
    # own findings (MP114: runs off plan) name its new port.
    old = set(finding_keys(validate(old_registry).findings, old_registry, ports=False))
    found = validate(new_registry).findings
    return tuple(
        f for f, key in zip(found, finding_keys(found, new_registry, ports=False), strict=True) if key not in old
    )


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
    config: Config | None = None,
    locking: Locking | None = None,
) -> DocumentOutcome:
    """:func:`adopt_deployment` in one write transaction (written unless ``write`` is false).

    ``document`` is the text drift checked: the file must still hold it when the lock is taken.
    """

    def adopted(_text: str) -> tuple[DocumentOutcome, str]:  # the text is ``document``'s (``expected``)
        outcome = adopt_deployment(
            document,
            build(document, vocab),
            findings,
            add_undocumented=add_undocumented,
            date=date,
            deployed=deployed,
            config=config,
            vocab=vocab,
        )
        return outcome, outcome.after.render()

    if not write:  # nothing to lock or read again: ``document`` may even have come from stdin
        return adopted(document.render())[0]
    target = Target(path, document.path or "", expected=document.render(), changed=CHANGED_WHILE_CHECKING)
    return transact_file(target, adopted, locking=locking).result
