"""A :class:`~mdports.diff.SemanticDiff` for people: report lines, the terminal text, the PR comment.

Every change is turned into an :class:`Item`: a label (added, renamed, ...) and a line of
*segments*: words of ours (``plain``) and text that comes from the document (``user``:
service names, cells, headings). The text report (:func:`format_text`, one line per change)
joins them; the Markdown comment (:func:`format_markdown`) escapes every ``user`` segment, so a
service named ``<img src=x>`` or ``[click](http://evil)`` shows as written and injects nothing.

The comment starts with the hidden marker :data:`MARKER` (a bot finds and edits its one
comment by it) and is never longer than :data:`COMMENT_LIMIT` characters: what does not fit
is folded into ``<details>``, and what does not fit there either is counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from types import MappingProxyType
from typing import Literal

from ..diff import ColumnChange, EntryChange, SectionChange, SectionRef, SemanticDiff, describe_ports
from ..model.ports import format_ports
from ..readonly import readonly
from ..rules.findings import Finding
from ..syntax.escaping import escape_markdown, printable

NO_CHANGES = "no registry changes"

Style = Literal["plain", "user"]
Segment = tuple[Style, str]


def _p(text: str) -> Segment:
    return "plain", text


def _u(text: str) -> Segment:
    return "user", text


@readonly
class Item:
    """One line of a report: a label (added, renamed, ...) and its segments."""

    label: str
    segments: tuple[Segment, ...]
    breaking: bool = False


@readonly
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


def _plain(segments: Iterable[Segment]) -> str:
    return "".join(text for _, text in segments)


def _finding_line(finding: Finding) -> str:
    return f"{finding.location}: {finding.severity} {finding.rule.id} {finding.message} [{finding.rule.name}]"


def format_text(diff: SemanticDiff) -> str:
    """For people in a terminal: one line per change, grouped by section."""
    if not diff.changed:
        return printable(f"{NO_CHANGES} ({diff.old_name} -> {diff.new_name})")
    out = [f"--- {diff.old_name}", f"+++ {diff.new_name}"]
    for group in groups(diff):
        removed = " (removed)" if group.section.side == "old" else ""
        out += ["", group.section.label + removed]
        for item in group.items:
            flag = "  [breaking]" if item.breaking else ""
            out.append(f"  {item.label:<9} {_plain(item.segments)}{flag}".rstrip())
    for title, findings in (("Findings introduced", diff.introduced), ("Findings resolved", diff.resolved)):
        if findings:
            out += ["", f"{title}:"] + [f"  {_finding_line(finding)}" for finding in findings]
    out += ["", summary(diff)]
    return printable("\n".join(out))


MARKER = "<!-- mdports:diff -->"
COMMENT_LIMIT = 65_536  # GitHub's limit for an issue or pull request comment

_MARKDOWN_STYLE: MappingProxyType[Style, Callable[[str], str]] = MappingProxyType(
    {"plain": lambda text: text, "user": escape_markdown}
)


def _markdown(segments: Iterable[Segment]) -> str:
    return "".join(_MARKDOWN_STYLE[style](text) for style, text in segments)


def comment_length(text: str) -> int:
    """Length as GitHub counts it, conservatively: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate is one unit, not a crash


def item_line(item: Item) -> str:
    """One change as a Markdown list item (what comes from the document escaped)."""
    flag = "⚠️ " if item.breaking else ""
    suffix = " — **breaking** for its clients" if item.breaking else ""
    return f"- {flag}**{item.label}** {_markdown(item.segments)}{suffix}"


def _finding_markdown(finding: Finding, verb: str) -> str:
    where = f"line {finding.line}" if finding.line else "document"
    return (
        f"- {verb} **{finding.severity}** {finding.rule.id} {finding.rule.name}: "
        f"{escape_markdown(finding.message)} ({where})"
    )


def _blocks(diff: SemanticDiff) -> list[tuple[str, list[str]]]:
    """(heading line, item lines) in the order of the comment: validation first, then sections."""
    blocks: list[tuple[str, list[str]]] = []
    findings = [_finding_markdown(f, "introduced") for f in diff.introduced]
    findings += [_finding_markdown(f, "resolved") for f in diff.resolved]
    if findings:
        blocks.append(("#### Validation", findings))
    for group in groups(diff):
        removed = " (removed)" if group.section.side == "old" else ""
        heading = f"#### {escape_markdown(group.section.label)}{removed}"
        blocks.append((heading, [item_line(item) for item in group.items]))
    return blocks


def format_markdown(diff: SemanticDiff, *, limit: int = COMMENT_LIMIT) -> str:
    """A pull request comment: marker, summary, validation, then the changes by section.

    Never longer than ``limit`` (see :func:`comment_length`): about half of it is shown
    directly, the rest folded into ``<details>``, and anything beyond that is counted.
    """
    head = [
        MARKER,
        "### mdports: port registry changes",
        "",
        f"{escape_markdown(diff.new_name)} compared with {escape_markdown(diff.old_name)}",
        "",
    ]
    if not diff.changed:
        return "\n".join([*head, f"**{NO_CHANGES}** (only prose or formatting changed, if anything)", ""])
    headline = f"**{summary(diff)}**"  # our words and numbers only
    if diff.breaking:
        headline = f"⚠️ {headline}"
    head.append(headline)
    blocks = _blocks(diff)
    full = "\n".join([*head, *(line for heading, lines in blocks for line in ["", heading, "", *lines]), ""])
    if comment_length(full) <= limit:
        return full
    return _folded(head, blocks, limit)


def _folded(head: list[str], blocks: list[tuple[str, list[str]]], limit: int) -> str:
    reserve = 400  # the <details> wrapper and the closing line, with room to spare
    out = list(head)
    size = comment_length("\n".join(out)) + 1
    total_items = sum(len(lines) for _, lines in blocks)
    shown = 0
    pending = [(heading, line) for heading, lines in blocks for line in lines]
    position = 0
    current: str | None = None

    def emit(heading: str, line: str, target: list[str], budget: int) -> bool:
        nonlocal size, current
        extra = ["", heading, "", line] if heading != current else [line]
        cost = sum(comment_length(text) + 1 for text in extra)
        if size + cost > budget:
            return False
        target += extra
        size += cost
        current = heading
        return True

    while position < len(pending) and emit(*pending[position], out, limit // 2):
        position += 1
    shown = position
    if position < len(pending):
        rest = total_items - shown
        sections = len({heading for heading, _ in pending[position:]})
        details = [
            "",
            f"<details><summary>{rest} more change{'s' if rest > 1 else ''} in {sections} "
            f"section{'s' if sections > 1 else ''}</summary>",
        ]
        out += details
        size += sum(comment_length(text) + 1 for text in details)
        current = None
        while position < len(pending) and emit(*pending[position], out, limit - reserve):
            position += 1
        out += ["", "</details>"]
    if position < len(pending):
        left = len(pending) - position
        out += [
            "",
            f"*{left} more change{'s' if left > 1 else ''} not shown (GitHub comments are limited to "
            f"{COMMENT_LIMIT:,} characters); run `mdports diff` to see them all.*",
        ]
    text = "\n".join(out) + "\n"
    assert comment_length(text) <= limit, "the comment budget was miscounted"
    return text
