"""The changes of a :class:`~mdports.diff.changes.SemanticDiff` as report lines, grouped by section.

Every change is turned into an :class:`Item`: a label (added, renamed, ...) and a line of
*segments*: words of ours (``plain``) and text that comes from the document (``user``:
service names, cells, headings). The text report joins them; the Markdown comment escapes
every ``user`` segment, so a service named ``<img src=x>`` or ``[click](http://evil)`` shows
as written and injects nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..diff.changes import ColumnChange, EntryChange, SectionChange, SectionRef, SemanticDiff, describe_ports
from ..model.ports import format_ports

NO_CHANGES = "no registry changes"

Style = Literal["plain", "user"]
Segment = tuple[Style, str]


def _p(text: str) -> Segment:
    return "plain", text


def _u(text: str) -> Segment:
    return "user", text


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a report: a label (added, renamed, ...) and its segments."""

    label: str
    segments: tuple[Segment, ...]
    breaking: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """The changes of one section, in the order of the document."""

    section: SectionRef
    items: tuple[Item, ...]


# --- from changes to items --------------------------------------------------------------------


def _ports(ports: tuple[int, ...], text: str) -> Segment:
    return _u(describe_ports(ports, text))


def _value(text: str | None) -> Segment:
    if text is None:
        return _p("(no column)")
    return _u(text) if text else _p("(empty)")


def _cell_segments(change: EntryChange) -> list[Segment]:
    out: list[Segment] = []
    for number, cell in enumerate(change.cells):
        out += [_p("; " if number else ": "), _u(cell.column), _p(": ")]
        if cell.old is None and change.kind == "added":
            out.append(_value(cell.new))
        else:
            out += [_value(cell.old), _p(" → "), _value(cell.new)]
    return out


def _reference_segments(change: EntryChange) -> list[Segment]:
    if not change.references:
        return []
    count = len(change.references)
    out: list[Segment] = [_p(f"; {count} reference{'s' if count > 1 else ''} followed: ")]
    for number, ref in enumerate(change.references):
        out += [_p(", " if number else ""), _u(ref.referrer), _p(" ("), _u(ref.column), _p(")")]
    return out


def _where(change: EntryChange) -> list[Segment]:
    """`` (running on Web box)`` for a change of the running layer, nothing for the plan."""
    if change.layer != "running":
        return []
    host = change.host if change.kind != "removed" else change.old_host
    return [_p(" (running on "), _u(host), _p(")")] if host else [_p(" (running)")]


def entry_item(change: EntryChange) -> Item:
    """The report line of an assigned entry's change (a running entry's with its host)."""
    name = _u(change.name)
    ports = _ports(change.ports, change.port_text)
    old_ports = _ports(change.old_ports, change.old_port_text)
    where = _where(change)
    if change.kind == "added":
        return Item("added", (name, *where, _p(" on "), ports, *_cell_segments(change)))
    if change.kind == "removed":
        return Item("removed", (_u(change.old_service or ""), *where, _p(" from "), old_ports))
    if change.kind == "renamed":
        segments = [_u(change.old_service or ""), _p(" → "), name, *where, _p(" on "), ports]
        return Item("renamed", (*segments, *_cell_segments(change), *_reference_segments(change)))
    if change.kind == "moved":
        segments = [name, *where, _p(" ")]
        if change.old_service != change.service:
            segments = [_u(change.old_service or ""), _p(" → "), name, *where, _p(" ")]
        segments += [old_ports, _p(" → "), ports]
        if change.protocols != change.old_protocols:
            segments += [_p(f" ({'/'.join(change.old_protocols)} → {'/'.join(change.protocols)})")]
        if change.old_section is not None and change.section is not None and change.old_section != change.section:
            segments += [_p(", from section "), _u(change.old_section.label)]
        segments += [*_cell_segments(change), *_reference_segments(change)]
        return Item("moved", tuple(segments), breaking=True)
    return Item("changed", (name, _p(" ("), ports, _p(")"), *_cell_segments(change)))


def _placeholder_items(changes: Sequence[EntryChange]) -> list[Item]:
    """Placeholder changes of one section: port changes summed up in one line, others one each."""
    before: set[int] = set()
    after: set[int] = set()
    unreadable: list[EntryChange] = []
    items: list[Item] = []
    for change in changes:
        if (change.kind != "added" and not change.old_ports) or (change.kind != "removed" and not change.ports):
            unreadable.append(change)
            continue
        before.update(change.old_ports)
        after.update(change.ports)
        if change.kind == "changed" and (change.cells or change.marker != change.old_marker):
            segments: list[Segment] = [_ports(change.ports, change.port_text)]
            if change.marker != change.old_marker:
                segments += [_p(": marker "), _value(change.old_marker), _p(" → "), _value(change.marker)]
            items.append(Item("reserved", (*segments, *_cell_segments(change))))
    if before & after and before != after:  # a placeholder shrank, grew or split
        items.insert(0, Item("reserved", (_p("ports "), _u(format_ports(before)), _p(" → "), _u(format_ports(after)))))
    elif before != after:
        if before:
            items.insert(0, Item("reserved", (_p("no longer reserved: "), _u(format_ports(before)))))
        if after:
            items.insert(0, Item("reserved", (_p("newly reserved: "), _u(format_ports(after)))))
    for change in unreadable:
        items.append(
            Item(
                "reserved",
                (_ports(change.old_ports, change.old_port_text), _p(" → "), _ports(change.ports, change.port_text)),
            )
        )
    return items


def _range(text: str | None) -> Segment:
    return _u(text) if text else _p("(no range)")


def _section_item(change: SectionChange) -> Item:
    old, new = change.old_section, change.section
    if change.kind == "added":
        assert new is not None
        return Item("section added", (_p("range "), _u(new.range)) if new.range else ())
    if change.kind == "removed":
        assert old is not None
        return Item("section removed", (_p("range "), _u(old.range)) if old.range else ())
    assert old is not None and new is not None
    if change.kind == "renamed":
        segments: list[Segment] = [_p("from "), _u(old.label)]
        if old.range != new.range:
            segments += [_p("; range "), _range(old.range), _p(" → "), _range(new.range)]
        return Item("section renamed", tuple(segments))
    return Item("range", (_range(old.range), _p(" → "), _range(new.range)))


def _column_item(change: ColumnChange) -> Item:
    return Item("column renamed", (_u(change.old), _p(" → "), _u(change.new)))


def groups(diff: SemanticDiff) -> list[Group]:
    """Every change as items, grouped by section in the order of the new document."""
    by_slot: dict[tuple[bool, int], tuple[SectionRef, list[SectionChange], list[ColumnChange], list[EntryChange]]]
    by_slot = {}
    for section_change in diff.sections:
        ref = section_change.group
        by_slot.setdefault(ref.order, (ref, [], [], []))[1].append(section_change)
    for column_change in diff.columns:
        by_slot.setdefault(column_change.group.order, (column_change.group, [], [], []))[2].append(column_change)
    for change in diff.entries:
        assert change.group is not None
        by_slot.setdefault(change.group.order, (change.group, [], [], []))[3].append(change)
    out: list[Group] = []
    for slot in sorted(by_slot):
        ref, section_changes, column_changes, entry_changes = by_slot[slot]
        items = [_section_item(change) for change in section_changes]
        items += [_column_item(change) for change in column_changes]
        items += [entry_item(change) for change in entry_changes if change.status == "assigned"]
        items += _placeholder_items([change for change in entry_changes if change.status == "reserved"])
        if items:
            out.append(Group(ref, tuple(items)))
    return out


def summary(diff: SemanticDiff) -> str:
    counts = diff.counts()
    parts = [f"{n} {kind}" for kind, n in counts["entries"].items() if n]
    placeholders = sum(counts["placeholders"].values())
    if placeholders:
        parts.append(f"{placeholders} placeholder change{'s' if placeholders > 1 else ''}")
    sections = sum(counts["sections"].values())
    if sections:
        parts.append(f"{sections} section change{'s' if sections > 1 else ''}")
    columns = counts["columns"]["renamed"]
    if columns:
        parts.append(f"{columns} column{'s' if columns > 1 else ''} renamed")
    text = ", ".join(parts) if parts else "no entry changes"
    if diff.breaking:
        text += f"; {len(diff.breaking)} breaking"
    findings = counts["findings"]
    return text + f"; findings: {findings['introduced']} introduced, {findings['resolved']} resolved"
