"""Fixes: the mechanical remedy of a finding, made by the edit operations and verified like every edit.

A :class:`~mdports.fixes.Fix` holds text edits (line/column ranges and their new text).
They are never written by hand here: each one is the difference an edit operation of
:mod:`mdports.edits` makes (``format_tables``, ``complete_row``, ``shrink_placeholder``,
``move``, ``renumber``), checked by :func:`mdports.edits.verify` like every edit and turned into
text edits by :func:`~mdports.fixes.text_edits`. ``FIXERS`` maps a rule to the
function that finds its remedy (a read-only table, as ``rules.CHECKS`` is); :func:`attach` gives
a report's findings their fixes. Applying them is :mod:`mdports.fixes.fix_rounds`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .. import edits
from ..edits.plan import carried_cells, section_table
from ..errors import MdportsError
from ..model.lookup import Registry, free_ports
from ..model.names import fold_name
from ..model.ports import format_ports
from ..model.registry import Entry
from ..rules.entry_rules import DUPLICATE_PORT
from ..rules.findings import Applicability, Finding, Fix, Report, Rule
from ..rules.structure_rules import CELL_COUNT, FOREIGN_RANGE, OUT_OF_RANGE, PLACEHOLDER_OVERLAP, UNSORTED_ROWS
from ..syntax.document import Document
from . import text_edits

# Making a fix re-reads and verifies the whole document, so the fixes worked out for one report
# stop once (fixes made) x (entries) passes this: every fix of a hand-sized registry (about 600
# for 150 entries), ten for 10,000 entries, one for 65,535. A 10,000-entry registry with 40
# fixable findings took 8 s for `validate --format json` without it. `--fix` goes on round by round.
WORK_BUDGET = 100_000

# The document's lines as they stand, and when git last wrote each (None: git cannot say).
History = Callable[[str], "list[int] | None"]

# The rules whose fix moves an entry to the next free port of its section's range.
_MOVED = (DUPLICATE_PORT, OUT_OF_RANGE)


@dataclass
class _Context:
    """What the fixers of one document share: its registry, rows by line, and made edits by key."""

    document: Document
    registry: Registry
    history: History | None
    by_line: dict[int, Entry] = dataclasses.field(default_factory=dict)
    made: dict[object, Fix | None] = dataclasses.field(default_factory=dict)
    spent: int = 0  # entries re-read so far, against WORK_BUDGET
    # Ports promised to earlier moves of one batch (None: each fix on its own, as `attach` makes
    # them), and per section and protocols the free ports not yet looked at.
    claimed: set[int] | None = None
    split: set[int] = dataclasses.field(default_factory=set)  # placeholders (entry indexes) a batch move splits
    cursors: dict[tuple[int, tuple[str, ...]], Iterator[int]] = dataclasses.field(default_factory=dict)
    _times: list[int] | None = None
    _asked: bool = False

    def entry(self, finding: Finding) -> Entry | None:
        if not self.by_line:
            self.by_line = {entry.line: entry for entry in self.registry.entries}
        return self.by_line.get(finding.line)

    def written(self, entry: Entry) -> int | None:
        """When git last wrote the entry's row (None without history)."""
        if not self._asked:
            self._asked = True
            self._times = self.history(self.document.render()) if self.history else None
        times = self._times
        return times[entry.line - 1] if times is not None and entry.line <= len(times) else None

    def fix(
        self, key: object, description: str, applicability: Applicability, make: Callable[[], edits.Edit]
    ) -> Fix | None:
        """The fix ``make`` produces, verified like any edit (made once per ``key``).

        None when the operation refuses, or when :data:`WORK_BUDGET` is spent.
        """
        if key not in self.made:
            self.spent += max(1, len(self.registry.entries))
            if self.spent > WORK_BUDGET:
                return None
            try:
                edit = make()
                edits.verify(edit)
            except MdportsError:
                self.made[key] = None
            else:
                self.made[key] = Fix(description, applicability, text_edits(edit)) if edit.changed else None
        return self.made[key]


def _next_free(context: _Context, entry: Entry) -> int | None:
    section = context.registry.sections[entry.section]
    if context.claimed is None:
        free = free_ports(context.registry, section, 1 + len(entry.ports), entry.protocols)
        return next((port for port in free if port not in entry.ports), None)
    # In a batch each move gets the next port no earlier move took (one walk of the range in all),
    # and at most one port of a placeholder, which the move splits.
    key = (section.index, entry.protocols)
    if key not in context.cursors:
        every = len(section.range or ())
        context.cursors[key] = iter(free_ports(context.registry, section, every, entry.protocols))
    for port in context.cursors[key]:
        if port in context.claimed:
            continue
        placeholders = {other.index for other in context.registry.by_port.get(port, ())}
        if placeholders & context.split:
            # The next free port is in what an earlier move leaves of a placeholder: moves of this
            # section wait for the next round, so that each gets the port a move at a time would.
            context.cursors[key] = iter(())
            return None
        context.claimed.add(port)
        context.split |= placeholders
        return port
    return None


def _movable(context: _Context, entry: Entry) -> bool:
    """A single-port service that ``move`` finds by its name."""
    if entry.service is None or len(entry.ports) != 1:
        return False
    return context.registry.by_name.get(fold_name(entry.service), (None,))[0] is entry


def _move(context: _Context, entry: Entry, port: int, description: str, section: str | None = None) -> Fix | None:
    """``move`` the entry to ``port`` (in the section ``section`` names, when given)."""
    name = entry.service or ""
    return context.fix(
        ("move", entry.index, port, section),
        description,
        "unsafe",
        lambda: edits.move(context.document, name, port=port, range=section),
    )


def _move_plan(context: _Context, finding: Finding) -> tuple[Entry, int, str] | None:
    """MP001 and MP101: the entry to move, the port it gets and why (None: no mechanical choice)."""
    chosen = _mover(context, finding)
    return _target(context, *chosen) if chosen is not None else None


def _mover(context: _Context, finding: Finding) -> tuple[Entry, str] | None:
    """MP001 and MP101: the entry to move and why it is that one (None: no mechanical choice)."""
    entry = context.entry(finding)
    if entry is None:
        return None
    later, why = entry, ""
    if finding.rule is DUPLICATE_PORT:
        if not finding.ports:
            return None
        port = finding.ports[0]
        holders = [
            e
            for e in context.registry.by_port.get(port, ())
            if e.service is not None and e is not entry and set(e.protocols) & set(entry.protocols)
        ]
        if not holders:
            return None
        why = " (the later row)"
        entry_time, holder_time = context.written(entry), context.written(holders[0])
        if entry_time is not None and holder_time is not None and entry_time != holder_time:
            later = entry if entry_time > holder_time else holders[0]
            why = " (added later, by git history)"
    return (later, why) if _movable(context, later) else None


def _target(context: _Context, entry: Entry, why: str) -> tuple[Entry, int, str] | None:
    """The port ``entry`` moves to (the next free one of its section) and the fix's description."""
    target = _next_free(context, entry)
    if target is None:
        return None
    range_ = context.registry.sections[entry.section].range
    ports = format_ports(entry.ports)
    return entry, target, f"move {entry.service}{why} from {ports} to {target}, the next free port of {range_}"


def renumbering(
    document: Document, registry: Registry, findings: Sequence[Finding], history: History | None = None
) -> tuple[edits.Edit, list[Finding]] | None:
    """The MP001, MP101 and MP106 moves of ``findings`` as one edit.

    Fixed one at a time, every move would pick the same next free port (or put its row at the
    same place of the same table), so a round could keep only one of them, and each costs a
    read and a verification of the whole document. Planned together, each row to move gets its
    own free port, and :func:`~mdports.edits.renumber_all` moves them all in one edit, each where
    port order puts it in the table ``move`` would put it in (a row outside its range's section,
    MP106, into that section's). Returns the edit and the findings it fixes (each with the
    edit's changes on its row as its fix); None when nothing can move.
    """
    context = _Context(document, registry, history, claimed=set())
    ports: dict[int, int] = {}
    sections: dict[int, int] = {}  # line of a row going to another section -> that section
    fixed: dict[int, list[Finding]] = {}  # line of the moved row -> the findings it fixes
    descriptions: dict[int, str] = {}
    for finding in findings:
        if finding.rule is FOREIGN_RANGE:
            foreign = _foreign_plan(context, finding)
            if foreign is None or foreign[0].line in ports:
                continue
            entry, section, descriptions[foreign[0].line] = foreign
            ports[entry.line], sections[entry.line] = entry.ports[0], section
            fixed.setdefault(entry.line, []).append(finding)
            continue
        chosen = _mover(context, finding) if finding.rule in _MOVED else None
        if chosen is None:
            continue
        entry, why = chosen
        if not _can_go(registry, entry, entry.section):
            continue  # `move` would refuse it (no table, a cell lost): left to the fixes one at a time
        if entry.line in sections:
            continue  # the row goes to another section already
        if entry.line not in ports:  # both rows of a duplicate name the same later row: one move
            plan = _target(context, entry, why)
            if plan is None:
                continue
            ports[entry.line] = plan[1]
            descriptions[entry.line] = plan[2]
        fixed.setdefault(entry.line, []).append(finding)
    if not ports:
        return None
    edit = edits.renumber_all(document, ports, registry, in_place=False, sections=sections)
    edits.verify(edit)
    changes = text_edits(edit)
    found = []
    for line, group in fixed.items():
        own = tuple(change for change in changes if change.line <= line < max(change.end_line, change.line + 1))
        fix = Fix(descriptions[line], "unsafe", own)
        found += [dataclasses.replace(finding, fix=fix) for finding in group]
    return edit, found


def _can_go(registry: Registry, entry: Entry, section: int) -> bool:
    """Whether ``entry``'s row can go into the table ``move`` puts the rows of ``section`` in, losing no cell."""
    try:
        table = section_table(registry, registry.sections[section])
        texts = [entry.cells.get(header, "") for header in registry.tables[entry.table].headers]
        carried_cells(registry, entry, texts, table, drop_cells=False)
    except MdportsError:
        return False
    return True


def _move_to_free(context: _Context, finding: Finding) -> Fix | None:
    plan = _move_plan(context, finding)
    return _move(context, *plan) if plan is not None else None


def in_place(document: Document, registry: Registry, finding: Finding, history: History | None = None) -> Fix | None:
    """For MP001 and MP101: the same port change as the fix, made on the row where it stands.

    A pull request suggestion can replace only lines near the change, and ``move`` may also
    split a placeholder further down. The row renumbered in place is one line (a later
    ``validate --fix`` sorts the table and shrinks the placeholder).
    """
    if finding.rule not in _MOVED:
        return None
    context = _Context(document, registry, history)
    plan = _move_plan(context, finding)
    if plan is None:
        return None
    entry, port, description = plan
    line = entry.line
    return context.fix(
        ("renumber", line, port),
        "renumber" + description.removeprefix("move") + " (in place)",
        "unsafe",
        lambda: edits.renumber(document, line, port),
    )


def _foreign_plan(context: _Context, finding: Finding) -> tuple[Entry, int, str] | None:
    """MP106: the entry to move, the section whose range holds its port, and the fix's description."""
    entry = context.entry(finding)
    if entry is None or not _movable(context, entry):
        return None
    port = entry.ports[0]
    try:
        holder = context.registry.section(str(port))
    except MdportsError:
        return None
    if not _can_go(context.registry, entry, holder.index):
        return None
    return (
        entry,
        holder.index,
        f"move the row of {entry.service} ({port}) to section {holder.heading!r}, whose range holds it",
    )


def _foreign_range(context: _Context, finding: Finding) -> Fix | None:
    found = _foreign_plan(context, finding)
    if found is None:
        return None
    entry, _, description = found
    return _move(context, entry, entry.ports[0], description, section=str(entry.ports[0]))


def _placeholder_overlap(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None:
        return None
    line = entry.line
    return context.fix(
        ("shrink", line),
        f"shrink placeholder {entry.port_text} to the ports no service has",
        "safe",
        lambda: edits.shrink_placeholder(context.document, line),
    )


def _unsorted_rows(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None:
        return None
    table = entry.table
    line = context.registry.tables[table].line
    return context.fix(
        ("fmt", table),
        f"format the table at line {line} as `mdports fmt` does: rows in port order",
        "safe",
        lambda: edits.format_tables(context.document, tables={table}),
    )


def _cell_count(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None or entry.cell_count >= len(context.registry.tables[entry.table].headers):
        return None  # a cell too many holds text: which one to drop is for a person to say
    line = entry.line
    return context.fix(
        ("fill", line),
        "add the missing empty cells",
        "safe",
        lambda: edits.complete_row(context.document, line),
    )


Fixer = Callable[[_Context, Finding], "Fix | None"]

FIXERS: MappingProxyType[Rule, Fixer] = MappingProxyType(
    {
        DUPLICATE_PORT: _move_to_free,
        OUT_OF_RANGE: _move_to_free,
        PLACEHOLDER_OVERLAP: _placeholder_overlap,
        UNSORTED_ROWS: _unsorted_rows,
        CELL_COUNT: _cell_count,
        FOREIGN_RANGE: _foreign_range,
    }
)


def attach(report: Report, document: Document, registry: Registry, history: History | None = None) -> Report:
    """The report with each finding that has a mechanical remedy carrying its :class:`Fix`."""
    context = _Context(document, registry, history)

    def with_fix(finding: Finding) -> Finding:
        fixer = FIXERS.get(finding.rule)
        fix = fixer(context, finding) if fixer is not None else None
        return dataclasses.replace(finding, fix=fix) if fix is not None else finding

    return dataclasses.replace(report, findings=tuple(with_fix(f) for f in report.findings))


def git_history(path: str | os.PathLike[str]) -> History:
    """When git last wrote each line of the file at ``path`` (for MP001: which entry came later)."""
    from ..files.git import line_times

    return lambda text: line_times(Path(path), text)
