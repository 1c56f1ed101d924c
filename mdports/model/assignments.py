"""How one list item reads: the ``service port`` assignments its text writes.

An item names one or more services with their port, in the forms people write
(``name `3061```, ``name 3061``, ``name: 3061``, ``name on :3061``, ``name (port 3061)``),
separated by commas or semicolons outside parentheses (:func:`segments`); one service may
have several ports (``redis `6379` / `6380```, ``minio `9000`, `9001```). Parenthetical notes
("moved from 3065"), ranges (a plan) and arrows (a migration) are not assignments. Every
pattern is anchored or bounded, so an item costs time in proportion to its length.
:mod:`.lists` cuts a document into items and decides which lists are read.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from collections.abc import Sequence

from ..readonly import readonly
from .hosts import PORT_WORDS, Host
from .ports import PortRange, strip_markup

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
# This and the patterns below that only some lists need are compiled on first use (start-up: docs/benchmarks.md).
_BARE_PORT = functools.cache(
    lambda: re.compile(r"[*`]{0,2}:?(?P<port>[0-9]{1,5})(?![.,:\-\u2013]?[0-9]|\+)(?:/(?P<proto>tcp|udp))?[*`]{0,2}")
)
# A note after a dash inside the parentheses of the port: "agentic-social (port 8501 - failing due to a conflict)".
# From a blank run's start: linear.
_DASHED_NOTE = functools.cache(lambda: re.compile(r"(?<![ \t])[ \t]+[-\u2013\u2014][ \t]+[^()]{1,200}\)"))
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

# Words of a sentence, never of a service name: "Bayit+ naturally uses 3000", "Next available: 5182".
_VERBS = frozenset(
    {"uses", "use", "using", "used", "needs", "runs", "is", "are", "was", "were", "has", "have", "takes"}
    | {"available", "wrong", "correct", "example", "currently", "never", "always", "should", "must"}
)
_ARROWS = ("\u2192", "->", "=>")


@readonly
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
    port_first: bool = False  # written "9000: name" (.port_first): style is (before the port, between, after the name)


def _migrates(after: str) -> bool:
    """True when the text after a port is an arrow to another port: "5434 → 5436" is a migration."""
    after = after.lstrip(" \t`*")
    arrow = next((a for a in _ARROWS if after.startswith(a)), None)
    return arrow is not None and after[len(arrow) :].lstrip(" \t`*")[:1].isdigit()


def read_assignments(
    pieces: Sequence[tuple[int, int, str]], host: Host | None, ports_first: bool = False
) -> list[Assignment]:
    """The ``service port`` assignments of one item, in order; [] when it holds none.

    ``pieces`` are the item's lines as (line, 1-based column of the text, text); ``host`` the
    host the item is under. With ``ports_first`` (a list under a heading about ports), a part
    written port first (``9000: Docling OCR``) is one too (:mod:`.port_first`).
    """
    joined = " ".join(text for _, _, text in pieces)
    starts: list[int] = []
    position = 0
    for _, _, text in pieces:
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
            elif ports_first and (found := _port_first(joined, pieces, starts, begin, start, end, host)) is not None:
                made.append(found)
                more.append([])
                part_ends.append(end)
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
        unclosed = "(" in match.group("sep") and match.group("close") is None
        if unclosed and not _DASHED_NOTE().match(joined, match.end(), end):
            continue  # "name (port 3061 and more" is a note, not an assignment; "(port 8501 - failing)" is one
        span = _span(match.group("port"))
        if span is None or _migrates(joined[match.end() : min(end, match.end() + 40)]):
            continue  # a range is a plan ("Frontend: 8800-8899"), "5434 → 5436" a migration
        spans, stop = _more_ports(joined, match.end(), end, [span])
        if not _ALLOWED_REST.match(joined, stop, end):
            continue  # "Port 8000 to EC2": prose
        line, column = _position(pieces, starts, match.start("port"))
        name_line, name_column = _position(pieces, starts, match.start("link") if match.group("link") else begin)
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
                host,
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


def _port_first(
    joined: str,
    pieces: Sequence[tuple[int, int, str]],
    starts: list[int],
    begin: int,
    start: int,
    end: int,
    host: Host | None,
) -> Assignment | None:
    """The assignment of a part written port first (``**8080:** field-ops``), or None."""
    match = port_first(joined, begin, end)
    if match is None:
        return None
    line, column = _position(pieces, starts, match.start("port"))
    name_line, name_column = _position(pieces, starts, match.start("name"))
    name = match.group("name")
    return Assignment(
        strip_markup(name),
        name,
        match.group("port"),
        (PortRange(int(match.group("port")), int(match.group("port"))),),
        (match.group("proto") or "tcp").lower(),
        line,
        column,
        name_column if name_line == line else 1,
        host,
        (start, end),
        match.span("name"),
        (joined[begin : match.start("port")], joined[match.end("port") : match.start("name")], ""),
        port_first=True,
    )


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
    bare = _BARE_PORT().match(joined, start, end)
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


def _position(pieces: Sequence[tuple[int, int, str]], starts: list[int], offset: int) -> tuple[int, int]:
    """The line and 1-based column of ``offset`` in the item's joined text."""
    piece = bisect.bisect_right(starts, offset) - 1
    line, column, _ = pieces[piece]
    return line, column + offset - starts[piece]


# List items that write the port first: ``- 9000: Docling OCR``, ``- **8080:** field-ops``.
#
# Under a heading about ports or services, a list is often the plan written the other way round
# from a table row: the port, a separator (a colon, a dash, or only a space) and the service's
# name, perhaps with a note::
#
#     ### Reserved Ports
#     - **8080:** field-ops (conflicts with the old agent-registry)
#     - 9000: Docling OCR
#     - **3000** - web
#
# Such an item reads as the assignment ``(name, port)`` a table row ``| 9000 | Docling OCR |``
# would give. It is read only where a heading says the list is about ports or services
# (:func:`about_ports`), and never when what follows the number is not a name: a number of
# something (``- 3000 users``), a version (``- 1.2: ...``), a date (``- 2024-01-05: ...``), a
# range (``- 9000-9099: OCR``, a plan), a sentence (``- 3000 is taken``). Every pattern is anchored
# and bounded, so an item costs time in proportion to its length.
# The port, in emphasis or code, then its separator: "9000:", "**8080:**", "**3000** -", "`7100` —", "7400 ".
# This and the next pattern are compiled on first use (start-up: docs/benchmarks.md): most documents have no such list.
_PORT_FIRST = functools.cache(
    lambda: re.compile(
        r"(?P<lead>[*_`]{0,2})(?P<port>[0-9]{1,5})(?![0-9]|[.,:/\-\u2013][0-9])(?:/(?P<proto>tcp|udp)\b)?"
        r"(?P<sep>[ \t]*:[*_`]{0,2}[ \t]+|[*_`]{0,2}[ \t]*(?:[-\u2013\u2014]|->|\u2192)?[ \t]+)"
        r"(?P<name>[^\W\d_][\w.+@/'-]{0,60}(?:[ ][^\W_][\w.+@/'&-]{0,60}){0,5})",
        re.IGNORECASE,
    )
)
# What may follow the name: nothing, a note, a dash and a description, a comma (another part).
# From a blank run's start: linear.
_AFTER_NAME = functools.cache(lambda: re.compile(r"(?<![ \t])[ \t]*(?:$|\(|[-\u2013\u2014:][ \t]|[,;])"))
# Words after a number that say what it counts or is, not whose port it is: "3000 users", "100 ms".
_NOT_A_NAME_AFTER_PORT = frozenset(
    {"port", "ports", "is", "was", "are", "and", "or", "to", "of", "in", "on", "at", "for", "the", "a", "an"}
    | {"users", "requests", "connections", "items", "entries", "rows", "lines", "times", "bytes", "files"}
    | {"ms", "s", "sec", "seconds", "minutes", "hours", "days", "weeks", "months", "years", "kb", "mb", "gb", "tb"}
    | {"percent", "per", "max", "min", "total", "more", "less", "free", "available", "unused", "spare", "instead"}
)
# A heading word that says its lists hold ports or services (and so the port written first is a port).
_ABOUT_PORTS = frozenset(
    {"port", "ports", "service", "services", "allocation", "allocations", "assignment", "assignments"}
    | {"porta", "portas", "puerto", "puertos", "porte", "порт", "порты", "端口", "服务", "포트", "서비스", "ポート"}
)


def about_ports(heading: str) -> bool:
    """Whether ``heading`` says its lists are about ports or services ("Reserved Ports", "Port Ranges")."""
    return not _ABOUT_PORTS.isdisjoint(re.findall(r"[^\W\d_]+", heading.casefold()))


def port_first(text: str, start: int, end: int) -> re.Match[str] | None:
    """The match of a port-first part (``9000: Docling OCR``) of ``text[start:end]``, or None.

    The match's groups: ``port``, ``proto``, ``name`` (the name alone, without the note that
    may follow it), ``lead`` (emphasis or code before the port) and ``sep``.
    """
    match = _PORT_FIRST().match(text, start, end)
    if match is None or not 1 <= int(match.group("port")) <= 65535:
        return None
    name = match.group("name")
    words = name.casefold().split()
    if words[0] in _NOT_A_NAME_AFTER_PORT or not _AFTER_NAME().match(text, match.end(), end):
        return None
    if not match.group("sep").strip() and len(words) > 1:
        return None  # "3000 is taken by grafana": after a bare space, only a name alone
    return match
