"""List items that write the port first: ``- 9000: Docling OCR``, ``- **8080:** field-ops``.

Under a heading about ports or services, a list is often the plan written the other way round
from a table row: the port, a separator (a colon, a dash, or only a space) and the service's
name, perhaps with a note::

    ### Reserved Ports
    - **8080:** field-ops (conflicts with the old agent-registry)
    - 9000: Docling OCR
    - **3000** - web

Such an item reads as the assignment ``(name, port)`` a table row ``| 9000 | Docling OCR |``
would give. It is read only where a heading says the list is about ports or services
(:func:`about_ports`), and never when what follows the number is not a name: a number of
something (``- 3000 users``), a version (``- 1.2: ...``), a date (``- 2024-01-05: ...``), a
range (``- 9000-9099: OCR``, a plan), a sentence (``- 3000 is taken``). Every pattern is anchored
and bounded, so an item costs time in proportion to its length.
"""

from __future__ import annotations

import re

# The port, in emphasis or code, then its separator: "9000:", "**8080:**", "**3000** -", "`7100` —", "7400 ".
_PORT_FIRST = re.compile(
    r"(?P<lead>[*_`]{0,2})(?P<port>[0-9]{1,5})(?![0-9]|[.,:/\-\u2013][0-9])(?:/(?P<proto>tcp|udp)\b)?"
    r"(?P<sep>[ \t]*:[*_`]{0,2}[ \t]+|[*_`]{0,2}[ \t]*(?:[-\u2013\u2014]|->|\u2192)?[ \t]+)"
    r"(?P<name>[^\W\d_][\w.+@/'-]{0,60}(?:[ ][^\W_][\w.+@/'&-]{0,60}){0,5})",
    re.IGNORECASE,
)
# What may follow the name: nothing, a note, a dash and a description, a comma (another part).
_AFTER_NAME = re.compile(r"(?<![ \t])[ \t]*(?:$|\(|[-\u2013\u2014:][ \t]|[,;])")  # from a blank run's start: linear
# Words after a number that say what it counts or is, not whose port it is: "3000 users", "100 ms".
_NOT_A_NAME = frozenset(
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
    match = _PORT_FIRST.match(text, start, end)
    if match is None or not 1 <= int(match.group("port")) <= 65535:
        return None
    name = match.group("name")
    words = name.casefold().split()
    if words[0] in _NOT_A_NAME or not _AFTER_NAME.match(text, match.end(), end):
        return None
    if not match.group("sep").strip() and len(words) > 1:
        return None  # "3000 is taken by grafana": after a bare space, only a name alone
    return match
