"""What an edit operation returns: the new document, its changes, and the entries it must read back as.

An entry's identity for :func:`~mdports.edits.verification.verify` is its :data:`EntryKey`;
:func:`row_key` gives the key a new row must have, :func:`model_keys` those a registry has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..model.registry import Entry, Registry
from ..syntax.document import Document
from ..syntax.unified_diff import unified_diff

if TYPE_CHECKING:
    from ..records import ChangeRecord

# The identity of an entry for verification: section, service, ports, the column headers and
# every cell's text (as ``Entry.cells`` holds them: one cell per distinct header).
EntryKey = tuple[str, "str | None", tuple[int, ...], tuple[str, ...], tuple[str, ...]]
# The identity of a running entry read from a list: host, service, ports.
RunningKey = tuple["str | None", "str | None", tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Change:
    """One thing an edit did, for people (``message``) and bots (``to_dict``)."""

    action: str
    service: str | None
    ports: tuple[int, ...]
    section: str
    message: str
    references: int = 0
    old_ports: tuple[int, ...] = ()
    old_service: str | None = None

    def to_dict(self) -> ChangeRecord:
        """The change as every JSON output names things: ``section`` is the slug, ``heading`` as written."""
        from ..model.sections import section_slug

        record: ChangeRecord = {
            "action": self.action,
            "service": self.service,
            "ports": list(self.ports),
            "section": section_slug(self.section) if self.section else None,
            "heading": self.section or None,
            "message": self.message,
        }
        if self.action in ("rename", "move"):
            record["references"] = self.references
        if self.old_ports:
            record["old_ports"] = list(self.old_ports)
        if self.old_service is not None:
            record["old_service"] = self.old_service
        return record


@dataclass(frozen=True)
class Edit:
    """The result of an operation: the new document and how it differs from the old one."""

    before: Document
    after: Document
    changes: tuple[Change, ...]
    expected: tuple[EntryKey, ...] = ()  # the new registry's entries (those in ``scope``), as intended
    removed_lines: frozenset[int] = frozenset()  # 0-based lines of ``before`` replaced or removed
    added_lines: frozenset[int] = frozenset()  # 0-based lines of ``after`` that are new
    check_model: bool = True  # fmt re-orders rows: its model check compares entry sets only
    ports: tuple[int, ...] = field(default=())  # the ports an ``add`` or ``move`` chose
    # The registry of ``before`` the operation read, so that verify need not derive it again.
    registry: Registry | None = field(default=None, compare=False, repr=False)
    # Block indexes of the tables ``expected`` covers (None: every table). Every other table is
    # left byte for byte as it was, so verify checks it by the document's block structure.
    scope: frozenset[int] | None = None
    # The running entries (list items) the new registry must have, when the edit changed a list.
    expected_running: tuple[RunningKey, ...] | None = None

    @cached_property
    def text(self) -> str:
        """The new document's text (rendered once: verify, the check for a change and the write share it)."""
        return self.after.render()

    @property
    def changed(self) -> bool:
        return self.text != self.before.render()

    def diff(self, path: str = "PORT_SCHEMA.md") -> str:
        """The unified diff of the edit (``--- a/PATH`` / ``+++ b/PATH``), '' when nothing changed."""
        return unified_diff(self.before.render(), self.text, path)


def entry_key(registry: Registry, entry: Entry) -> EntryKey:
    section = registry.sections[entry.section].heading
    cells = entry.cells
    return (section, entry.service, entry.ports, tuple(cells), tuple(cells.values()))


def row_key(
    registry: Registry, table_index: int, texts: Sequence[str], service: str | None, ports: Iterable[int]
) -> EntryKey:
    """The key a new row with ``texts`` in table ``table_index`` must read back as."""
    info = registry.tables[table_index]
    section = registry.sections[info.section].heading
    # As the registry reads a row: one cell per distinct header (a repeated header keeps its last cell).
    cells = {header: texts[i] if i < len(texts) else "" for i, header in enumerate(info.headers)}
    return (section, service, tuple(sorted(set(ports))), tuple(cells), tuple(cells.values()))


def model_keys(registry: Registry, blocks: frozenset[int] | None = None) -> Counter[EntryKey]:
    """Every entry's key (only those of the tables at ``blocks``, when given)."""
    if blocks is None:
        return Counter(entry_key(registry, entry) for entry in registry.entries)
    tables = {index for index, table in enumerate(registry.tables) if table.block in blocks}
    return Counter(entry_key(registry, entry) for entry in registry.entries if entry.table in tables)


def running_keys(registry: Registry) -> Counter[RunningKey]:
    """Every running entry read from a list, by :data:`RunningKey`."""
    return Counter(running_key(entry) for entry in registry.listed)


def running_key(entry: Entry) -> RunningKey:
    return (entry.host, entry.service, entry.ports)
