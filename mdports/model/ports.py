"""Port numbers, spans and the cell syntax people write them in, addresses among them.

:func:`authority` is the one reader of ``host:port``: a port cell (:func:`host_port`), a column of
addresses and a route's URL (:mod:`.addresses`) read it with it, each keeping what its shape accepts.
It lives on this floor, which every reader of ports stands on, so that none reaches up for it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ..readonly import readonly

MIN_PORT = 1
MAX_PORT = 65535

# Wrappers people put around a value in a table cell: code, bold, italics.
_MARKERS = frozenset("`*_")
# The look-behind keeps a search from trying every digit of a long run as a start (quadratic).
_SPAN = re.compile(r"(?<!\d)(\d+)\s*[-\u2013\u2014~]\s*(\d+)")
_LIST_SEPARATOR = re.compile(r"(?<!\s)\s*[,/]\s*")  # the look-behind, too: a run of spaces is tried once


class PortSyntaxError(ValueError):
    """A port cell or range that cannot be read; the message says why."""


def strip_markup(text: str) -> str:
    """Remove wrapping code/emphasis markers, repeatedly: ``**`3001`**`` -> ``3001``."""
    text = text.strip()
    while text[:1] in _MARKERS:  # most cells: nothing wraps them (and "" has no markup)
        marker = _wrapper(text)
        inner = text[len(marker) : len(text) - len(marker)]
        # "`80`/`443`" is two code spans, not one wrapping "80`/`443".
        if not marker or not inner.strip() or marker in inner:
            return text
        text = inner.strip()
    return text


def _wrapper(text: str) -> str:
    """The marker wrapping ``text`` on both sides (a backtick run, ``**``, ``__``, ``*``, ``_``) or "".

    String methods, not a backreference: ``(`+)(.*)\\1`` backtracks cubically on a cell of
    backticks. The longest backtick run that also ends the text is taken, as that pattern did.
    """
    first = text[0]
    if first == "`":
        run = min(len(text) - len(text.lstrip("`")), len(text) - len(text.rstrip("`")), len(text) // 2)
        return "`" * run
    double = first * 2
    if len(text) >= 4 and text.startswith(double) and text.endswith(double):
        return double
    return first if len(text) >= 2 and text.endswith(first) else ""


@readonly(order=True)
class PortRange:
    """An inclusive range of ports, ``lo <= hi``."""

    lo: int
    hi: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.lo <= port <= self.hi

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.lo, self.hi + 1))

    def __len__(self) -> int:
        return self.hi - self.lo + 1

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"

    def overlaps(self, other: PortRange) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


def _number(text: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise PortSyntaxError(f"{text!r} is not a port number")
    digits = text.lstrip("0")
    if len(digits) > len(str(MAX_PORT)):  # also keeps int() away from numbers of any length
        raise PortSyntaxError(f"{digits[:8]}... ({len(digits)} digits) is outside 1-65535")
    value = int(text)
    if not MIN_PORT <= value <= MAX_PORT:
        raise PortSyntaxError(f"{value} is outside 1-65535")
    return value


def parse_span(text: str) -> PortRange:
    """Read ``3001`` or ``3006-3009`` (hyphen, en dash or em dash)."""
    text = strip_markup(text)
    match = _SPAN.fullmatch(text)
    if match:
        lo, hi = _number(match.group(1)), _number(match.group(2))
        if lo > hi:
            raise PortSyntaxError(f"span {lo}-{hi} is reversed (write {hi}-{lo})")
        return PortRange(lo, hi)
    value = _number(text)
    return PortRange(value, value)


def parse_ports(text: str) -> tuple[PortRange, ...]:
    """Read a port cell: a port, a span, or a list of both separated by ``,`` or ``/``.

    >>> [str(span) for span in parse_ports("**3017**, 3019-3021")]
    ['3017', '3019-3021']
    >>> [str(span) for span in parse_ports("`80`/`443`")]
    ['80', '443']
    """
    if not (text.isdigit() and text.isascii()):  # the usual single port has no markup to strip
        text = strip_markup(text)
        if not text:
            raise PortSyntaxError("the port cell is empty")
    if text.isdigit() and text.isascii():  # the usual single port, without the list machinery
        value = _number(text)
        return (PortRange(value, value),)
    return tuple(parse_span(part) for part in _LIST_SEPARATOR.split(text))


# Transport names a port cell may carry ("3478/udp", "tcp/443", "25565 (TCP/UDP)").
TRANSPORTS = {"tcp": ("tcp",), "udp": ("udp",), "tcp/udp": ("tcp", "udp"), "udp/tcp": ("tcp", "udp")}
_ITEM_SEPARATOR = re.compile(r"[,;]| \+ ")  # items are stripped after the split: no \s* runs to backtrack over
_ARROW = re.compile(r"\u2192|->|=>")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,15}://", re.I)
# A port (or span) that starts an item and is followed by words: "5100 HTTP", "3002 (index.ts) - note".
_LEADING_PORT = re.compile(
    r"[*_`]{0,3}(\d{1,5}(?:[-\u2013\u2014~]\d{1,5})?)[*_`]{0,3}(\+?)(?:\s+|\s*[(\u2014\u2013:]|$)"
)
# A role before the port: "FE `6000`", "BE 6010", "HTTP: 8080".
# The look-behind starts a role at a word boundary only: a search does not retry inside a run of letters.
_ROLE_FIRST = re.compile(r"(?<!\S)[^\W\d_][^\s\d*_`]{0,30}:?\s*[*_`]{0,3}(\d{1,5})[*_`]{0,3}")
# Words that say "no port here" ("-", "N/A", "TBD"): a row without a port, not a malformed cell.
NO_PORT = frozenset(
    {"-", "\u2013", "\u2014", "--", "n/a", "na", "tbd", "tba", "none", "?"}
    | {"varies", "configurable", "dynamic", "random", "any", "auto", "ephemeral"}
)


class PortCell(NamedTuple):
    """What a port cell says: its ports, the transports it names (empty: none named).

    A named tuple: the reader makes one for every row, and a tuple is the cheapest record to make
    (it is taken apart at once, into the row's :class:`~mdports.model.registry.Entry`).
    """

    spans: tuple[PortRange, ...]
    protocols: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # what the cell says of each span ("HTTP", "internal", "via Caddy"); () for none


def _role(words: str) -> str:
    """The role words beside a port, trimmed of the punctuation that joins them: ``(API)`` -> ``API``."""
    return words.strip(" ()[]:,;\u2014\u2013-*_`")


def parse_port_cell(text: str) -> PortCell:
    """Read a port cell as people write them, with notes: the host port and the transports named.

    ``3478/udp``, ``tcp/443``, ``25565 (TCP/UDP)``, ``9000 (API), 9001 (console)``,
    ``127.0.0.1:2368``, ``:8080``, ``3000:80`` and ``3000 → 80`` (host → container), and
    ``-``, ``N/A``, ``TBD`` (no port). Raises :class:`PortSyntaxError` like :func:`parse_ports`.

    >>> cell = parse_port_cell("9000 (API), 9001/udp")
    >>> [str(span) for span in cell.spans], cell.protocols
    (['9000', '9001'], ('udp',))
    >>> [str(span) for span in parse_port_cell("127.0.0.1:3000:80").spans]
    ['3000']
    >>> parse_port_cell("5100 HTTP, 5101 HTTPS, 5102 BE").roles
    ('HTTP', 'HTTPS', 'BE')
    >>> parse_port_cell("8080 (internal), 8002 (via Caddy)").roles
    ('internal', 'via Caddy')
    """
    text = strip_markup(text)
    if text.isdigit() and text.isascii():  # the usual single port
        value = _number(text)
        return PortCell((PortRange(value, value),))
    if text.lower() in NO_PORT:
        return PortCell(())
    if not text:
        raise PortSyntaxError("the port cell is empty")
    if (" " in text or "(" in text) and not any(c.isdigit() for c in text):
        return PortCell(())  # a note without a number: "*(nginx)*", "Not mapped", "via Traefik"
    if text.startswith(("${", "{{", "<")) and text.endswith(("}", ">")):
        return PortCell(())  # a variable or a placeholder: `${rest.listen_port}`, `<PORT>`
    if text.startswith("~~") and text.endswith("~~"):
        return PortCell(())  # struck through: the port is no longer used
    spans: list[PortRange] = []
    protocols: dict[str, None] = {}
    roles: list[str] = []
    for item in _ITEM_SEPARATOR.split(text):
        item = strip_markup(item)
        role = ""
        if item.endswith(")") and "(" in item:  # a note: "(API)", "(localhost)", "(TCP/UDP)"
            opening = item.rfind("(")
            note = item[opening + 1 : -1].strip().lower().replace(" ", "")
            protocols.update(dict.fromkeys(TRANSPORTS.get(note, ())))
            before = strip_markup(item[:opening])
            # "cairn-llama (443)": the port is the note, the name before it is the note's subject.
            if note.isdigit() and not any(c.isdigit() for c in before):
                item, role = note, before
            else:
                item, role = before, "" if note in TRANSPORTS else _role(item[opening:])
        item = _ARROW.split(item, maxsplit=1)[0].strip()  # host -> container: the host port
        scheme = _SCHEME.match(item)
        if scheme:  # a URL: the port of its authority ("http://localhost:3000/api")
            item = item[scheme.end() :].partition("/")[0]
            if ":" not in item:
                raise PortSyntaxError(f"the URL {text!r} names no port")
        if ":" in item:
            # "`localhost:`**8443**": markup inside the address, not around the cell
            item = host_port(item.replace("`", "").replace("**", ""))
        role_first = _ROLE_FIRST.fullmatch(item)
        if role_first:  # "FE `6000`", "udp 53", "tcp/443": a role or a transport, then the port
            before = item[: role_first.start(1)].strip(" :*_`/")
            transports = TRANSPORTS.get(before.lower(), ())
            protocols.update(dict.fromkeys(transports))
            role = role or ("" if transports else before)
            item = role_first.group(1)
        leading = _LEADING_PORT.match(item)
        if leading and (leading.group(2) or any(c.isalpha() for c in item[leading.end() :])):
            # One port with its role or a note ("5100 HTTP", "3002 (index.ts) - note", "5900+").
            rest = item[leading.start(2) + len(leading.group(2)) :].strip()
            role = role or _role(rest[1 : rest.find(")")] if rest.startswith("(") and ")" in rest else rest)
            item = leading.group(1)
        elif spans and not any(c.isdigit() for c in item):
            continue  # a note after the ports: "3001, separate app at /var/www"
        parts = [part.strip() for part in item.split("/")]
        named = [part for part in parts if part.lower() in TRANSPORTS]
        for part in named:
            protocols.update(dict.fromkeys(TRANSPORTS[part.lower()]))
        numbers = [part for part in parts if part.lower() not in TRANSPORTS]
        if not numbers or (named and len(numbers) != 1):
            raise PortSyntaxError(f"{item!r} is not a port number")
        spans.extend(parse_span(part) for part in numbers)
        roles.extend(role for _ in numbers)
    return PortCell(tuple(spans), tuple(protocols), tuple(roles) if any(roles) else ())


# An address's host: a name or an IPv4 address,
# `[v6]`, `<iface>`, or nothing (`:9092`), after a URL's scheme and user; a name may hold a placeholder
# (`grafana.<LB_IP>.nip.io`). It ends where its port (`:`) or a URL's path starts, or with the text.
# Possessive, and starting where no name goes on: a search does not retry each length or each place in a run.
# Compiled on first use: only cells and URLs with a host need it (start-up: docs/benchmarks.md).
_HOST = r"(?:\[[0-9A-Fa-f:.]{2,45}\]|[\w.-]{0,253}+(?:<[\w.-]{1,32}+>[\w.-]{0,253}+){0,4}+)"
_AUTHORITY = functools.cache(
    lambda: re.compile(
        rf"(?<![\w.+<>-])(?:(?P<scheme>[a-z][a-z0-9+.-]{{0,15}})://(?:[^@/\s]{{1,128}}@)?)?(?P<host>{_HOST})(?=[:/?#]|$)",
        re.I,
    )
)


@readonly
class Authority:
    """What an address writes before its path: ``[scheme://[user@]]host[:port]``, and the rest after it."""

    scheme: str  # "" when no URL
    host: str
    port: str | None  # the text after the host's colon, to the path or the end (None: no colon): `3000:80`
    rest: str  # from a URL's path on (``/docs``, ``/tcp``); "" when none


def authority(text: str) -> Authority | None:
    """The one reader of ``host:port``: the parts of an address, a URL, or a port cell's ``ADDRESS:PORT``.

    The three shapes differ in what they accept after the host, and say so in their wrappers:
    :func:`.addresses.read_address` (a column of addresses), :func:`host_port` (a port cell)
    and :func:`.addresses.url_route` (a route's URL).

    >>> authority("http://user@grafana.example.org:3000/d/x")
    Authority(scheme='http', host='grafana.example.org', port='3000', rest='/d/x')
    >>> authority("127.0.0.1:3000:80/tcp")
    Authority(scheme='', host='127.0.0.1', port='3000:80', rest='/tcp')
    >>> authority("API 3000") is None
    True
    """
    if len(text) > 2600:
        return None
    match = _AUTHORITY().match(text)
    if match is None:
        return None
    after = match.end()
    port = None
    if text.startswith(":", after):
        end = after + 1
        while end < len(text) and text[end] not in "/?#":
            end += 1
        port, after = text[after + 1 : end], end
    return Authority((match.group("scheme") or "").lower(), match.group("host"), port, text[after:])


def host_port(item: str) -> str:
    """The host's port of a port cell's item: ``ADDRESS:PORT``, ``:PORT``, ``[::1]:PORT``, ``HOST:CONTAINER``
    (``3000:80``, ``3000-3005:3000-3005``: a published port first) or ``ADDRESS:HOST:CONTAINER``;
    what follows the port (``/tcp``) is kept. An item that is no address (``API: 3000``) gives the
    text after its first colon.

    >>> host_port("0.0.0.0:3000:80"), host_port("3000:80/udp"), host_port("[::1]:8443"), host_port("db: 5432")
    ('3000', '3000', '8443', '5432')
    """
    first, _, after = item.partition(":")
    if first[:1].isdigit() and "." not in first:
        return first.strip()  # a published port, then its container's: `3000:80`, `3000-3005:3000-3005`
    found = authority(item)
    if found is None or found.scheme or found.port is None:  # no address: a label's colon (`db: 5432`)
        after = (item.partition("]")[2] if item.startswith("[") else item).partition(":")[2]
        return after.partition(":")[0].strip() if ":" in item else item
    return (found.port + found.rest).partition(":")[0].strip()


def format_ports(ports: Iterable[int]) -> str:
    """Write ports compactly, merging consecutive ones: ``[3017, 3018, 3020]`` -> ``3017-3018, 3020``."""
    return ", ".join(str(span) for span in merge_spans(ports))


def merge_spans(ports: Iterable[int]) -> list[PortRange]:
    """Collapse port numbers into sorted, maximal spans."""
    spans: list[PortRange] = []
    for port in sorted(set(ports)):
        if spans and spans[-1].hi == port - 1:
            spans[-1] = PortRange(spans[-1].lo, port)
        else:
            spans.append(PortRange(port, port))
    return spans
