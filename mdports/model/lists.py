"""The list reader: ports that run, written as list items grouped by host.

Documents age the same way: the range tables stay as the plan and a list says what actually
runs, often in a blockquote, under a bold label or a heading that names the machine::

    > **Web box (`10.0.0.5`):**
    > - shop-api `3061`, shop-worker `3062`,
    >   shop-events `3115` (moved from 3065 on 2026-01-20)

Each item names one or more services with their port (``name `3061```, ``name 3061``,
``name: 3061``, ``name on :3061``, ``name (port 3061)``), separated by commas or semicolons;
parenthetical notes (which may hold numbers, "moved from 3065") are notes, not assignments
(how an item reads: :mod:`.assignments`; how a label names a host: :mod:`.hosts`). A list
is read only when most of its items look like ``service port``, so a numbered list of
principles that mentions a port is not; the ``running-lists`` setting forces or switches off
the reading of the lists under a heading. Every list with port-looking numbers gets a
:class:`ListReading` saying whether it was read and why (``mdports explain``).

The reader scans the lines of a prose block once, cutting it into items (continuation lines
joined) under their host; every pattern is anchored or bounded, so it stays linear.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..readonly import readonly
from ..syntax.document import Prose
from ..syntax.row import split_eol
from .assignments import Assignment, about_ports, read_assignments

# Host, heading_host, host_key and read_label: read from here by modules older than .hosts.
from .hosts import LABEL_BOLD
from .hosts import Host as Host
from .hosts import heading_host as heading_host
from .hosts import host_key as host_key
from .hosts import read_label as read_label
from .registry import Entry, ListReading
from .sections import slugify
from .vocabulary import ListPolicy
from .well_known import in_general

# A blockquote prefix, any depth ("> ", ">>", "> > ").
_QUOTE = re.compile(r"(?:[ ]{0,3}>[ ]?)+")
_ITEM = re.compile(r"(?<![ \t])([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_HEADING = re.compile(r"[ ]{0,3}(#{1,6})(?:[ \t]+|$)")
_FENCE = re.compile(r"[ ]{0,3}(`{3,}|~{3,})")
_THEMATIC_BREAK = re.compile(r"[ ]{0,3}(?:[-*_][ \t]*){3,}")
# Headings over lists of ports that do not run: free ones, advice, history, before/after examples.
_NOT_RUNNING_HEADING = frozenset(
    {"available", "free", "next", "recommendation", "recommendations", "recommended", "history", "before"}
    | {"example", "examples", "proposed", "proposal", "deployed"}  # "not deployed" is the one with a negation
)
_PORT_LOOKING = re.compile(r"(?<![\d.:/-])\d{2,5}(?![\d.]\d|\d)")


@dataclass(slots=True)
class _Item:
    line: int  # 1-based line of the marker
    indent: int
    pieces: list[tuple[int, int, str]]  # (line, column of the text's first character, text)
    host: Host | None
    label: bool = False  # the item names the host of the items nested in it


@readonly
class ListedItem:
    """A list item as written, for edits: its lines, what comes before its text, its assignments.

    ``pieces`` are the item's lines as (line, 1-based column of the text, text); their texts
    joined by single spaces are :attr:`text`, the coordinates of :attr:`Assignment.part`.
    """

    line: int
    end: int
    lead: str  # the first line up to the item's text: "> - ", "  3. "
    indent: int
    pieces: tuple[tuple[int, int, str], ...]
    assignments: tuple[Assignment, ...]

    @property
    def text(self) -> str:
        return " ".join(text for _, _, text in self.pieces)

    def position(self, offset: int) -> tuple[int, int]:
        """The line and 0-based index in that line's text of ``offset`` in :attr:`text`."""
        for line, column, text in self.pieces:
            if offset <= len(text):
                return line, column - 1 + offset
            offset -= len(text) + 1
        line, column, text = self.pieces[-1]
        return line, column - 1 + len(text)

    def offset(self, line: int, index: int) -> int:
        """The offset in :attr:`text` of the 0-based ``index`` in line ``line`` (the inverse of :meth:`position`)."""
        offset = 0
        for number, column, text in self.pieces:
            if number == line:
                return offset + index - (column - 1)
            offset += len(text) + 1
        raise ValueError(f"line {line} is not a line of the item at line {self.line}")


def listed_items(block: Prose) -> list[ListedItem]:
    """Every item of every list in ``block`` (host labels left out), with the assignments it writes.

    What an edit of the running layer needs to find an entry's item and write in its style;
    whether the list is read as running ports is :func:`read_lists`' decision.
    """
    made: list[ListedItem] = []
    for found in _scan(block, None):
        for item in found.items:
            if item.label:
                continue
            line, column, _ = item.pieces[0]
            first = split_eol(block.lines[line - block.start - 1])[0]
            made.append(
                ListedItem(
                    item.line,
                    item.pieces[-1][0],
                    first[: column - 1],
                    item.indent,
                    tuple(item.pieces),
                    tuple(read_assignments(item.pieces, item.host, ports_first=True)),
                )
            )
    return made


@dataclass(slots=True)
class _List:
    heading: str
    intro: str = ""  # the line of text just above the list ("Standard ports are often in use:")
    items: list[_Item] = field(default_factory=list)
    end: int = 0


def _decided(policy: ListPolicy, headings: Sequence[str]) -> bool | None:
    """True/False when ``running-lists`` decides for a list under ``headings`` (nearest first)."""
    if policy.by_heading:
        chosen = dict(policy.by_heading)
        for heading in headings:
            decided = chosen.get(slugify(heading))
            if decided is not None:
                return decided
    return policy.default


def read_lists(
    block_index: int,
    block: Prose,
    section: int,
    headings: Sequence[str],
    host: Host | None,
    policy: ListPolicy,
    first_index: int,
    list_index: int,
) -> tuple[list[ListReading], list[Entry]]:
    """Every list with port-looking numbers in a prose block, and the running entries of those read.

    ``headings`` are the enclosing section headings (nearest first); ``host`` the host the
    section names. ``first_index`` is the index of the first entry made, ``list_index`` the
    index of the first list reading (an entry's ``table`` is its list's index).
    """
    readings: list[ListReading] = []
    entries: list[Entry] = []
    for found in _scan(block, host):
        decided = _decide(block_index, section, found, headings, policy)
        if decided is None:
            continue
        reading, assignments = decided
        table = list_index + len(readings)
        first = first_index + len(entries)
        made = [_entry(first + row, table, row, section, one) for row, one in enumerate(assignments)]
        readings.append(dataclasses.replace(reading, entries=tuple(entry.index for entry in made)))
        entries.extend(made)
    return readings, entries


def _entry(index: int, table: int, row: int, section: int, found: Assignment) -> Entry:
    """The running entry of one assignment: ``table`` is its list, ``row`` its place in the list."""
    host = found.host
    return Entry(
        index,
        table,
        row,
        section,
        found.line,
        found.port_text,
        found.port_column,
        found.spans,
        None,
        found.service,
        found.service_text,
        found.service_column,
        None,
        (found.protocol,),
        None,
        {},
        host=host.name if host else None,
        layer="running",
        address=host.address if host else None,
        source="list",
    )


def _scan(block: Prose, section_host: Host | None) -> list[_List]:
    """Cut a prose block into lists of items (continuation lines joined), each with its host."""
    lists: list[_List] = []
    current: _List | None = None
    heading = ""
    host = section_host
    nested: list[tuple[int, Host]] = []  # (indent, host) of items that are host labels
    fence: str | None = None
    blank = False
    said = ""  # the last line of text outside a list
    base = block.start + 1

    def close() -> None:
        nonlocal current
        if current is not None and current.items:
            lists.append(current)
        current = None

    for offset, raw in enumerate(block.lines):
        number = base + offset
        text = split_eol(raw)[0]
        quote = _QUOTE.match(text)
        prefix = quote.end() if quote else 0
        content = text[prefix:]
        if fence is not None:
            if content.lstrip().startswith(fence):
                fence = None
            continue
        fenced = _FENCE.match(content)
        if fenced:
            close()
            fence = fenced.group(1)[:3]
            continue
        if not content.strip():
            blank = True
            continue
        marked = _HEADING.match(content)
        if marked:
            close()
            heading = content[marked.end() :].strip().rstrip("#").strip()
            host = heading_host(heading) or section_host
            nested.clear()
            blank = False
            continue
        item = _ITEM.match(content)
        if item and not _THEMATIC_BREAK.fullmatch(content):
            indent = len(item.group(1).expandtabs(4))
            body = content[item.end() :]
            if current is None:
                current = _List(heading, said)
            while nested and nested[-1][0] >= indent:
                nested.pop()
            label = read_label(body) if ":" in body else None
            owner = nested[-1][1] if nested else host
            if label is not None:
                nested.append((indent, label))
            current.items.append(
                _Item(number, indent, [(number, prefix + item.end() + 1, body)], owner, label is not None)
            )
            current.end = number
            blank = False
            continue
        stripped = content.lstrip()
        if current is not None and current.items:
            last = current.items[-1]
            indented = len(content) - len(stripped) > last.indent
            if indented or not blank:  # a continuation line (indented, or lazy)
                if not last.label:
                    last.pieces.append((number, prefix + len(content) - len(stripped) + 1, stripped))
                current.end = number
                blank = False
                continue
        close()
        blank = False
        nested.clear()
        said = stripped
        label = read_label(stripped)
        if label is not None:
            host = label
        elif LABEL_BOLD.match(stripped) and ":" in stripped[:202]:
            host = section_host  # "**Not deployed:** ..." ends the host above it
    close()
    return lists


def _decide(
    block_index: int,
    section: int,
    found: _List,
    headings: Sequence[str],
    policy: ListPolicy,
) -> tuple[ListReading, list[Assignment]] | None:
    """The reading of one list (None when it has no port-looking number) and its assignments if read."""
    items = [item for item in found.items if not item.label]
    if not items or not any(_PORT_LOOKING.search(text) for item in items for _, _, text in item.pieces):
        return None
    nearest = [found.heading, *headings] if found.heading else list(headings)
    # "- 9000: Docling OCR" (.port_first), but not where the heading or the line above says the
    # list holds ports in general ("Standard ports are often already in use:").
    ports_first = bool(nearest) and about_ports(nearest[0]) and not in_general(f"{nearest[0]} {found.intro}")
    read_items = [read_assignments(item.pieces, item.host, ports_first) for item in items]
    looks = sum(1 for made in read_items if made)
    decided = _decided(policy, nearest)
    shown = found.heading or (headings[0] if headings else "")
    if decided is False:
        read, reason = False, f"switched off by running-lists for {shown!r}"
    elif decided is True:
        read, reason = True, f"forced by running-lists for {shown!r}"
    elif (about := _not_running(shown)) is not None:
        read, reason = False, f"under {shown!r}, which is about {about}, not what runs"
    elif (change := change_note(shown)) is not None:  # "After (Fixed)": what a fix changed (.change_notes)
        read, reason = False, f"under {shown!r}, a note about a change ({change!r}), not what runs"
    elif 2 * looks > len(items):
        read, reason = True, f"{looks} of {len(items)} items name a service and its port"
    else:
        read, reason = False, f"only {looks} of {len(items)} items name a service and its port"
    assignments = [one for made in read_items for one in made] if read else []
    if read and (first := sum(one.port_first for one in assignments)):
        reason += f"; {first} written port first, as a table row would be ('9000: name', under a heading about ports)"
    hosts = tuple(dict.fromkeys(item.host.name for item in items if item.host is not None))
    reading = ListReading(
        block_index,
        section,
        found.items[0].line,
        found.end,
        shown,
        len(items),
        looks,
        read,
        reason,
        hosts,
        items_at=tuple(item.line for item in found.items),
    )
    return reading, assignments


def _not_running(heading: str) -> str | None:
    """The word of ``heading`` that says its lists are not what runs ("Next available ports"), or None."""
    words = re.findall(r"[^\W_]+", heading.casefold())
    for word in words:
        if word in _NOT_RUNNING_HEADING and (word != "deployed" or "not" in words):
            return f"{word!r} ports"
    return None


# Notes about a change are not the running layer: what a fix, a migration or a troubleshooting step did.
#
# A document that records how a conflict was fixed shows ports as they were and as they became::
#
#     ## Conflicts resolved
#     ### After (fixed)
#     - ✅ API Gateway: `3009` (External) → `3009` (Internal)
#
# The list says what the fix changed, not what runs: the registry above it says that. A list under
# a heading naming such a note (a fix, a resolved conflict, a migration, troubleshooting, a
# change log) is not read as running ports; ``explain`` says so, and ``running-lists`` can still
# force it. A heading that only says *when* (``After the move``, ``Running today``) is no such note.
# Words of a heading over a note about a change, in a few languages ("Before" is in .lists' own set).
_CHANGE_WORDS = frozenset(
    {"fixed", "fix", "fixes", "resolved", "resolution", "troubleshooting", "troubleshoot", "migration", "migrations"}
    | {"changelog", "problem", "problems", "workaround", "workarounds", "postmortem", "incident", "incidents"}
    | {"behoben", "fehlerbehebung", "migración", "solución", "correção", "migração", "修复", "迁移", "故障排除"}
)
_WORD = re.compile(r"[^\W_]+")


def change_note(heading: str) -> str | None:
    """The word of ``heading`` that names a note about a change ("After (Fixed)" -> ``fixed``), or None."""
    words: list[str] = _WORD.findall(heading.casefold())
    return next((word for word in words if word in _CHANGE_WORDS), None)
