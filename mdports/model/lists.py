"""The list reader: ports that run, written as list items grouped by host.

Documents age the same way: the range tables stay as the plan and a list says what actually
runs, often in a blockquote, under a bold label or a heading that names the machine::

    > **Web box (`10.0.0.5`):**
    > - shop-api `3061`, shop-worker `3062`,
    >   shop-events `3115` (moved from 3065 on 2026-01-20)

Each item names one or more services with their port (``name `3061```, ``name 3061``,
``name: 3061``, ``name on :3061``, ``name (port 3061)``), separated by commas or semicolons;
parenthetical notes (which may hold numbers, "moved from 3065") are notes, not assignments.
A list is read only when most of its items look like ``service port``, so a numbered list of
principles that mentions a port is not; the ``running-lists`` setting forces or switches off
the reading of the lists under a heading. Every list with port-looking numbers gets a
:class:`ListReading` saying whether it was read and why (``mdports explain``).

The reader scans the lines of a prose block once; every pattern is anchored or bounded, so an
item of any length costs time in proportion to its length.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..syntax.document import Prose
from ..syntax.row import split_eol

# Read from here by other modules since hosts had no module of their own: re-exported.
from .hosts import LABEL_BOLD, PORT_WORDS
from .hosts import Host as Host
from .hosts import heading_host as heading_host
from .hosts import host_key as host_key
from .hosts import read_label as read_label
from .ports import PortRange, strip_markup
from .registry import Entry, ListReading
from .sections import slugify
from .vocabulary import ListPolicy

# A blockquote prefix, any depth ("> ", ">>", "> > ").
_QUOTE = re.compile(r"(?:[ ]{0,3}>[ ]?)+")
_ITEM = re.compile(r"(?<![ \t])([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_HEADING = re.compile(r"[ ]{0,3}(#{1,6})(?:[ \t]+|$)")
_FENCE = re.compile(r"[ ]{0,3}(`{3,}|~{3,})")
_THEMATIC_BREAK = re.compile(r"[ ]{0,3}(?:[-*_][ \t]*){3,}")
# Decorations before the name: markers (⚠️, ✅), checkboxes, a leading emphasis of a warning.
_LEADING_MARK = re.compile(r"(?:\[[ xX]\]|[^\w\s`*_\[(])(?:\[[ xX]\]|[^\w\s`*_\[(]|[ \t])*")
# "name SEP port": the name is up to four words (a link's text counts as its name); the
# separators are ":", "on", "at", "(port", "(" or a space; "port" may precede the number.
_NAME_WORD = r"[^\W_][\w.+@/'-]*"
# The look-behinds keep a search from starting again inside a run it has already tried (quadratic).
_ASSIGNMENT = re.compile(
    r"(?<![\w.+@/'`*\[-])(?:\[(?P<link>[^\[\]]{1,100})\]\([^()\s]{0,300}\)|[*_`]{0,2}(?P<name>"
    + _NAME_WORD
    + r"(?:[ ](?!(?:on|at|port)[ \t])(?![0-9]{1,5}(?![\w.+@/'-]))"  # "pg 5432 and 5433": a number ends the name
    + _NAME_WORD
    + r"){0,3})[*_`]{0,2})"
    r"(?P<note>[ \t]*\((?!port[ \t])[^()]{1,80}\))?"  # a note between name and port: "web (Next.js) `3000`"
    r"(?P<sep>[ \t]*:[ \t]*|[ \t]+(?:on|at)[ \t]+|[ \t]*\([ \t]*|[ \t]+)"
    r"(?:port[ \t]+)?[*`]{0,2}:?(?P<port>[0-9]{1,5}(?:[ \t]*[-\u2013][ \t]*[0-9]{1,5})?)(?![.,:\-\u2013]?[0-9]|\+)"
    r"(?:/(?P<proto>tcp|udp))?[*`]{0,2}(?P<close>\))?",
    re.IGNORECASE,
)
# More ports of the same service after the first: "`6379` / `6380`", "5432 and 5433", "9000 & 9001".
# It starts only where a run of blanks starts (the lookbehind): a search through 100,000 spaces
# would otherwise try the run from each of its places, quadratic.
_MORE_PORT = re.compile(
    r"(?<![ \t])(?:[ \t]*[/&][ \t]*|[ \t]+and[ \t]+)[*`]{0,2}:?(?P<port>[0-9]{1,5})(?![.,:\-\u2013]?[0-9]|\+)"
    r"(?:/(?P<proto>tcp|udp))?[*`]{0,2}",
    re.IGNORECASE,
)
# A part of an item that is only a port ("minio `9000`, `9001` (console)"): one more port of the service before it.
_BARE_PORT = re.compile(r"[*`]{0,2}:?(?P<port>[0-9]{1,5})(?![.,:\-\u2013]?[0-9]|\+)(?:/(?P<proto>tcp|udp))?[*`]{0,2}")
# What may follow a port in an item: nothing, a note, a dash and a description, a marker.
_ALLOWED_REST = re.compile(r"[ \t]*(?:$|[^\w\s])")
# Words that start prose, not a service name: "port 8080", "moved from 3065", "up to 100".
_NOT_A_NAME = frozenset(
    {
        "port",
        "ports",
        "from",
        "to",
        "since",
        "until",
        "moved",
        "was",
        "is",
        "in",
        "on",
        "at",
        "by",
        "for",
        "and",
        "or",
        "the",
        "a",
        "an",
        "see",
        "step",
        "phase",
        "version",
        "line",
        "page",
        "rfc",
        "default",
        "use",
        "only",
        "max",
        "min",
        "up",
        "range",
        "ranges",
        "wrong",
        "correct",
        "example",
    }
)
# Headings over lists of ports that do not run: free ones, advice, history, before/after examples.
_NOT_RUNNING_HEADING = frozenset(
    {"available", "free", "next", "recommendation", "recommendations", "recommended", "history", "before"}
    | {"example", "examples", "proposed", "proposal", "deployed"}  # "not deployed" is the one with a negation
)
# Words of a sentence, never of a service name: "Bayit+ naturally uses 3000", "Next available: 5182".
_VERBS = frozenset(
    {"uses", "use", "using", "used", "needs", "runs", "is", "are", "was", "were", "has", "have", "takes"}
    | {"available", "wrong", "correct", "example", "currently", "never", "always", "should", "must"}
)
_ARROWS = ("\u2192", "->", "=>")
_PORT_LOOKING = re.compile(r"(?<![\d.:/-])\d{2,5}(?![\d.]\d|\d)")


@dataclass(slots=True)
class _Item:
    line: int  # 1-based line of the marker
    indent: int
    pieces: list[tuple[int, int, str]]  # (line, column of the text's first character, text)
    host: Host | None
    label: bool = False  # the item names the host of the items nested in it


@dataclass(frozen=True, slots=True)
class Assignment:
    """One ``service port(s)`` assignment of an item, before it becomes an entry.

    ``part`` is where the assignment's part of the item (between commas or semicolons) starts
    and ends in the item's joined text (:attr:`ListedItem.text`), ``name`` where its name
    does; ``style`` is how the item
    writes it, as (before the name, between name and port, after the port): ``("", " `", "`")``
    for ``shop-api `3061```, so that an edit writes a new item the same way.
    """

    service: str
    service_text: str
    port_text: str
    spans: tuple[PortRange, ...]
    protocol: str
    line: int
    port_column: int
    service_column: int
    host: Host | None
    part: tuple[int, int] = (0, 0)
    name: tuple[int, int] = (0, 0)  # the name's start and end in the joined text (a link's text)
    style: tuple[str, str, str] = ("", " ", "")


@dataclass(frozen=True, slots=True)
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
                    tuple(_assignments(item)),
                )
            )
    return made


@dataclass(slots=True)
class _List:
    heading: str
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
                current = _List(heading)
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
    read_items = [_assignments(item) for item in items]
    looks = sum(1 for made in read_items if made)
    nearest = [found.heading, *headings] if found.heading else list(headings)
    decided = _decided(policy, nearest)
    shown = found.heading or (headings[0] if headings else "")
    if decided is False:
        read, reason = False, f"switched off by running-lists for {shown!r}"
    elif decided is True:
        read, reason = True, f"forced by running-lists for {shown!r}"
    elif (about := _not_running(shown)) is not None:
        read, reason = False, f"under {shown!r}, which is about {about}, not what runs"
    elif 2 * looks > len(items):
        read, reason = True, f"{looks} of {len(items)} items name a service and its port"
    else:
        read, reason = False, f"only {looks} of {len(items)} items name a service and its port"
    assignments = [one for made in read_items for one in made] if read else []
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


def _migrates(after: str) -> bool:
    """True when the text after a port is an arrow to another port: "5434 → 5436" is a migration."""
    after = after.lstrip(" \t`*")
    arrow = next((a for a in _ARROWS if after.startswith(a)), None)
    return arrow is not None and after[len(arrow) :].lstrip(" \t`*")[:1].isdigit()


def _not_running(heading: str) -> str | None:
    """The word of ``heading`` that says its lists are not what runs ("Next available ports"), or None."""
    words = re.findall(r"[^\W_]+", heading.casefold())
    for word in words:
        if word in _NOT_RUNNING_HEADING and (word != "deployed" or "not" in words):
            return f"{word!r} ports"
    return None


def _assignments(item: _Item) -> list[Assignment]:
    """The ``service port`` assignments of one item, in order; [] when it holds none."""
    joined = " ".join(text for _, _, text in item.pieces)
    starts: list[int] = []
    position = 0
    for _, _, text in item.pieces:
        starts.append(position)
        position += len(text) + 1
    made: list[Assignment] = []
    more: list[list[PortRange]] = []  # ports of the parts after each assignment that are only ports
    part_ends: list[int] = []  # where each assignment's parts end, those parts included
    for start, end in segments(joined):
        lead = _LEADING_MARK.match(joined, start, end)
        begin = lead.end() if lead else start
        while begin < end and joined[begin] in " \t":
            begin += 1
        match = _ASSIGNMENT.match(joined, begin, end)
        if match is None:
            bare = _bare_ports(joined, begin, end) if made and part_ends[-1] == start - 1 else None
            if bare is not None:  # "minio `9000`, `9001`": one more port of the service before
                more[-1].extend(bare[0])
                part_ends[-1] = end
            continue
        name = match.group("link") or match.group("name")
        words = name.casefold().split()
        if words[0] in _NOT_A_NAME or not any(ch.isalpha() for ch in name) or not _VERBS.isdisjoint(words):
            continue
        if not PORT_WORDS.isdisjoint(word.strip("*_`") for word in words):
            continue  # "Internal container port: 5432" describes a port, it names no service
        lead_in = joined[match.end("sep") : match.start("port")].casefold()
        if len(words) > 1 and not match.group("sep").strip() and "port" in lead_in:
            continue  # "NEVER use port 3000": a sentence, not "name port 3000"
        if "(" in match.group("sep") and match.group("close") is None:
            continue  # "name (port 3061 and more" is a note, not an assignment
        span = _span(match.group("port"))
        if span is None or _migrates(joined[match.end() : min(end, match.end() + 40)]):
            continue  # a range is a plan ("Frontend: 8800-8899"), "5434 → 5436" a migration
        spans, stop = _more_ports(joined, match.end(), end, [span])
        if not _ALLOWED_REST.match(joined, stop, end):
            continue  # "Port 8000 to EC2": prose
        line, column = _position(item, starts, match.start("port"))
        name_line, name_column = _position(item, starts, match.start("link") if match.group("link") else begin)
        protocol = (match.group("proto") or "tcp").lower()
        service_text = joined[begin : match.start("sep")]
        column_of_name = name_column if name_line == line else 1
        name_span = match.span("link") if match.group("link") else match.span("name")
        name_start, name_end = name_span
        if match.group("link"):
            name_start, name_end = name_start - 1, joined.index(")", name_end) + 1
        after_name = joined[name_end : match.start("note") if match.group("note") else match.start("sep")]
        style = (
            joined[begin:name_start],
            after_name + joined[match.start("sep") : match.start("port")],
            joined[match.end("port") : match.end()],
        )
        made.append(
            Assignment(
                strip_markup(name),
                service_text,
                match.group("port"),
                tuple(spans),
                protocol,
                line,
                column,
                column_of_name,
                item.host,
                (start, end),
                name_span,
                style,
            )
        )
        more.append([])
        part_ends.append(end)
    # Joined once per assignment: an item of 50,000 bare ports stays linear.
    return [
        dataclasses.replace(one, spans=one.spans + tuple(extra), part=(one.part[0], stop)) if extra else one
        for one, extra, stop in zip(made, more, part_ends, strict=True)
    ]


def _more_ports(joined: str, position: int, end: int, spans: list[PortRange]) -> tuple[list[PortRange], int]:
    """The spans of the further ports after ``position`` ("`6379` / `6380`") and where they end."""
    while (more := _MORE_PORT.match(joined, position, end)) is not None and (span := _span(more.group("port"))):
        spans.append(span)
        position = more.end()
    return spans, position


def _bare_ports(joined: str, start: int, end: int) -> tuple[list[PortRange], int] | None:
    """The ports of a part that is only ports ("`9001` (console)"), or None."""
    while start < end and joined[start] in " \t":
        start += 1
    bare = _BARE_PORT.match(joined, start, end)
    span = _span(bare.group("port")) if bare else None
    if bare is None or span is None:
        return None
    spans, stop = _more_ports(joined, bare.end(), end, [span])
    return (spans, stop) if _ALLOWED_REST.match(joined, stop, end) else None


def segments(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the parts of ``text`` separated by commas or semicolons outside parentheses."""
    parts: list[tuple[int, int]] = []
    depth = 0
    start = 0
    # Only the four characters that matter are visited (most items hold one or two): a loop over
    # every character was a tenth of reading 10,000 list items.
    for match in _SEGMENT_MARKS.finditer(text):
        char = match.group()
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            index = match.start()
            parts.append((start, index))
            start = index + 1
    parts.append((start, len(text)))
    return parts


_SEGMENT_MARKS = re.compile(r"[(),;]")


def _span(text: str) -> PortRange | None:
    """The one port of an assignment; None for a range or a number that is no port."""
    if not text.isdigit():
        return None
    port = int(text)
    return PortRange(port, port) if 1 <= port <= 65535 else None


def _position(item: _Item, starts: list[int], offset: int) -> tuple[int, int]:
    """The line and 1-based column of ``offset`` in the item's joined text."""
    piece = bisect.bisect_right(starts, offset) - 1
    line, column, _ = item.pieces[piece]
    return line, column + offset - starts[piece]
