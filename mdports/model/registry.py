"""The registry model: sections, entries and cross-references, derived from a document.

The model is read-only and derived in one linear pass over the document's blocks; it is
never edited. Edits change the document and the model is derived again.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from ..errors import NotFoundError, UsageError
from ..syntax.document import Document, Heading, Html, Table
from . import vocabulary
from .ports import (
    MAX_PORT,
    PortRange,
    PortSyntaxError,
    format_ports,
    parse_port_cell,
    parse_ports,
    parse_span,
    strip_markup,
)
from .vocabulary import PROTOCOLS, Vocabulary, normalize_header

Status = Literal["assigned", "reserved"]
_TCP = ("tcp",)
PLACEHOLDER_MARKERS = ("reserved", "available", "free", "unassigned", "unused", "spare", "vacant")
_ANY_MARKER = re.compile("|".join(PLACEHOLDER_MARKERS))
_LINK = re.compile(r"^\[([^\]]+)\]\([^)]*\)$")
# A declared range: "3000-3009: Title" (leading, up to a colon) or "Title (3000-3009)".
_RANGE_TEXT = re.compile(r"[\d\s\-\u2013\u2014xX.]+")
_DIGIT = re.compile(r"\d")
_NON_SPACE = re.compile(r"\S")
_REFERENCE = re.compile(r"(\d{1,5})\s+(\S.*)")
_IDENTIFIER_HINT = re.compile(r"[-_.\d]")


def service_name(text: str) -> str:
    """The service name a cell holds: markup and a wrapping link removed."""
    text = strip_markup(text)
    if not text.startswith("["):
        return text
    link = _LINK.match(text)
    return strip_markup(link.group(1)) if link else text


def placeholder_marker(text: str) -> str | None:
    """The placeholder marker a service cell holds (``*(reserved)*`` -> ``reserved``), or None.

    A dash (``-``, ``—``) is a placeholder too: it says "nobody", not a service named ``-``.
    """
    if text in vocabulary.PLACEHOLDER_CELLS:
        return text
    if not _ANY_MARKER.search(text.lower()):
        return None  # the usual case, found without normalizing the text
    words = strip_markup(text).replace("(", " ").replace(")", " ").replace("*", " ").replace("_", " ")
    normalized = " ".join(words.lower().split())
    for marker in PLACEHOLDER_MARKERS:
        if normalized == marker or normalized.startswith((marker + " ", marker + ":")):
            return marker
    return None


def slugify(text: str) -> str:
    """GitHub-like heading slug with runs of separators collapsed: ``AI/ML Services`` -> ``ai-ml-services``."""
    return "-".join(re.findall(r"[^\W_]+", text.lower()))


@dataclass(frozen=True, slots=True)
class Section:
    """A top-level heading and everything up to the next one."""

    index: int
    heading: str
    title: str
    level: int
    line: int
    declared: PortRange | None
    range_text: str | None  # the range as written, also when it is malformed
    range_error: str | None
    parent: int | None  # enclosing section (a heading of a lower level)
    range: PortRange | None  # declared, or inherited from the enclosing section
    host: str | None = None  # the host its tables describe ("## Server: web-01"), own or inherited

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def label(self) -> str:
        return f"{self.heading!r} (line {self.line})"


@dataclass(frozen=True, slots=True)
class RegistryTable:
    """A top-level table with a port column, and the roles of its columns."""

    block: int
    section: int
    line: int
    headers: tuple[str, ...]
    port_column: int
    service_column: int | None
    protocol_column: int | None
    host_column: int | None = None
    group_column: int | None = None  # a project column: identity is (project, service)
    port_kind: str = "current"  # host, current, default, dev or container (see vocabulary)
    repeats: bool = False  # a column says what each port is for: one service on several rows is normal


@dataclass(frozen=True, slots=True)
class TableReading:
    """How a top-level table was read: its role, why, and what each column is."""

    block: int
    section: int
    line: int
    role: str  # a key of vocabulary.ROLES, or "other" for a table without a port header
    reason: str
    columns: tuple[tuple[str, str], ...]  # (header, what mdports reads it as)
    mentions_port: bool  # a header names a port: never skipped without a finding
    ranges: tuple[tuple[PortRange, str, int], ...] = ()  # a range table's (range, title, line)


@dataclass(frozen=True, slots=True)
class Entry:
    """One registry row: an assigned service or a placeholder (reserved ports)."""

    index: int
    table: int
    row: int  # index into the table block's rows (0 is the header)
    section: int
    line: int
    port_text: str
    port_column: int  # 1-based column of the port cell's text
    spans: tuple[PortRange, ...]  # empty when the port cell is malformed
    port_error: str | None
    service: str | None  # None for a placeholder
    service_text: str
    service_column: int
    marker: str | None  # placeholder marker, or None for an assigned entry
    protocols: tuple[str, ...]
    protocol_error: str | None
    cells: Mapping[str, str] = field(hash=False)
    cell_count: int = 0
    open_ended: bool = False  # the row has no closing pipe, so it may omit empty trailing cells
    host: str | None = None  # from a Host/Server/Node column or the section's heading
    group: str | None = None  # the project qualifying the service name, when the table has one
    _ports: tuple[int, ...] | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def status(self) -> Status:
        return "assigned" if self.service is not None else "reserved"

    @property
    def ports(self) -> tuple[int, ...]:
        """Every port of the entry, expanded and sorted (worked out once, on first use)."""
        ports = self._ports
        if ports is None:
            if len(self.spans) == 1:
                ports = tuple(range(self.spans[0].lo, self.spans[0].hi + 1))
            else:
                ports = tuple(sorted({port for span in self.spans for port in span}))
            object.__setattr__(self, "_ports", ports)
        return ports

    @property
    def first_port(self) -> int | None:
        if len(self.spans) == 1:
            return self.spans[0].lo
        return min(span.lo for span in self.spans) if self.spans else None

    @property
    def label(self) -> str:
        ports = format_ports(self.ports) if self.spans else self.port_text
        return f"{self.service} ({ports})" if self.service else f"placeholder {ports}"


@dataclass(frozen=True, slots=True)
class Reference:
    """A cell such as ``3030 chat-backend`` that points at another entry."""

    port: int
    service: str
    entry: int  # the entry whose row holds the reference
    header: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Directive:
    """An HTML comment for mdports, ``<!-- mdports: VERB RULE [PORT ...] -->``, in a section.

    The one verb is ``accept`` (an inline exception); any other is kept so that validation can
    say it is unknown instead of ignoring it.
    """

    section: int
    line: int
    rules: tuple[str, ...]
    ports: tuple[int, ...]
    verb: str = "accept"


Accept = Directive  # an accept directive


@dataclass(frozen=True)
class Registry:
    """The port registry a document declares. Read-only; derive it again after an edit."""

    document: Document
    sections: tuple[Section, ...]
    tables: tuple[RegistryTable, ...]
    entries: tuple[Entry, ...]
    references: tuple[Reference, ...]
    directives: tuple[Directive, ...]
    readings: tuple[TableReading, ...] = ()
    vocabulary: Vocabulary = field(default=vocabulary.DEFAULT, compare=False, repr=False)  # how it was read

    @property
    def path(self) -> str | None:
        return self.document.path

    @cached_property
    def accepts(self) -> tuple[Directive, ...]:
        """The ``accept`` directives: inline exceptions."""
        return tuple(directive for directive in self.directives if directive.verb == "accept")

    @cached_property
    def by_name(self) -> Mapping[str, tuple[Entry, ...]]:
        """Assigned entries by case-folded service name."""
        names: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if entry.service is not None:
                names.setdefault(entry.service.casefold(), []).append(entry)
        return {name: tuple(found) for name, found in names.items()}

    @cached_property
    def by_port(self) -> Mapping[int, tuple[Entry, ...]]:
        """Every entry (assigned or placeholder) holding each port."""
        ports: dict[int, list[Entry]] = {}
        for entry in self.entries:
            for span in entry.spans:
                for port in span:
                    ports.setdefault(port, []).append(entry)
        return {port: tuple(found) for port, found in ports.items()}

    def assigned_ports(self) -> set[int]:
        return {port for port, found in self.by_port.items() if any(e.service for e in found)}

    def entry(self, key: str) -> Entry:
        """The entry named ``key``, or the assigned entry holding port ``key``."""
        found = self.by_name.get(service_name(key).casefold())
        if found:
            return found[0]
        digits = key.strip()
        if digits.isdigit() and digits.isascii():
            number = int(digits) if len(digits) <= 9 else MAX_PORT + 1
            if not 1 <= number <= MAX_PORT:
                shown = digits if len(digits) <= 12 else digits[:8] + "..."
                raise UsageError(f"port {shown} is out of range: ports are 1..{MAX_PORT}", path=self.path)
            holders = self.by_port.get(number, ())
            assigned = [entry for entry in holders if entry.service] or list(holders)
            if assigned:
                return assigned[0]
            raise NotFoundError(f"port {number} is not in the registry", path=self.path)
        raise NotFoundError(f"no entry named {key!r}", path=self.path, hint=self._suggest(key))

    def _suggest(self, key: str) -> str:
        """Close names: those that begin with ``key`` (``minio`` -> ``minio (S3 API)``), then look-alikes."""
        import difflib

        folded = key.strip().casefold()
        names = [entries[0].service or "" for entries in self.by_name.values()]
        starting = [name for name in names if folded and name.casefold().startswith(folded)]
        # Look-alikes of the whole name or of its first word (`minoi` -> `minio (Console)`).
        stems: dict[str, list[str]] = {}
        for name in names:
            for stem in {name.casefold(), name.casefold().split(" (")[0]}:
                stems.setdefault(stem, []).append(name)
        close = difflib.get_close_matches(folded, list(stems), n=3)
        found = list(dict.fromkeys([*starting, *(name for stem in close for name in stems[stem])]))[:5]
        return f"did you mean {', '.join(found)}?" if found else "`mdports list` shows every entry"

    def references_to(self, entry: Entry) -> tuple[Reference, ...]:
        """Cross-references that point at ``entry`` by name or by one of its ports."""
        name = (entry.service or "").casefold()
        ports = set(entry.ports)
        return tuple(ref for ref in self.references if ref.service.casefold() == name or (ref.port in ports and name))

    @cached_property
    def _range_index(self) -> _RangeIndex:
        return _RangeIndex(self.sections)

    def section_holding(self, port: int) -> Section | None:
        """The section with the narrowest declared range holding ``port`` (the first of equals)."""
        index = self._range_index.holder(port)
        return self.sections[index] if index is not None else None

    def section(self, selector: str) -> Section:
        """Resolve a ``--range`` value: ``3010-3019``, a port, a slug or an abbreviation.

        Raises :class:`UsageError` listing the candidates when the value is unknown or
        ambiguous.
        """
        return resolve_section(self.sections, selector, self.path)


class _RangeIndex:
    """Which section's declared range holds a port: bisect plus a running maximum, O(log n) typical."""

    def __init__(self, sections: Iterable[Section]) -> None:
        declared = sorted((s.declared.lo, s.declared.hi, s.index) for s in sections if s.declared)
        self._ranges = declared
        self._los = [lo for lo, _, _ in declared]
        self._max_hi: list[int] = []
        for _, hi, _ in declared:
            self._max_hi.append(max(hi, self._max_hi[-1]) if self._max_hi else hi)

    def holder(self, port: int) -> int | None:
        """The section with the narrowest declared range holding ``port`` (the first of equals)."""
        best: tuple[int, int] | None = None
        index = bisect.bisect_right(self._los, port) - 1
        while index >= 0 and self._max_hi[index] >= port:
            lo, hi, section = self._ranges[index]
            if hi >= port and (best is None or (hi - lo, section) < best):
                best = (hi - lo, section)
            index -= 1
        return best[1] if best else None


def resolve_section(sections: tuple[Section, ...], selector: str, path: str | None = None) -> Section:
    """A section chosen by a person (``--range``): a range, a port, a slug or an abbreviation.

    A port picks the narrowest range holding it, inherited ranges included, and two equally
    narrow ones are ambiguous (an error listing both); :meth:`Registry.section_holding` is the
    model's own answer, for rules.
    """
    text = selector.strip()
    by_range = [s for s in sections if s.declared is not None and str(s.declared) == text.replace("\u2013", "-")]
    if by_range:
        return by_range[0]
    if text.isdigit() and text.isascii():
        port = int(text) if len(text) <= 9 else MAX_PORT + 1
        holding = [s for s in sections if s.range is not None and port in s.range]
        if holding:
            narrowest = min(len(s.range) for s in holding if s.range is not None)
            holding = [s for s in holding if s.range is not None and len(s.range) == narrowest]
        return _one(holding, selector, sections, path)
    wanted = slugify(text)
    exact = [s for s in sections if wanted and wanted in (s.slug, slugify(s.heading))]
    if exact:
        return _one(exact, selector, sections, path)
    words = wanted.split("-") if wanted else []
    return _one([s for s in sections if words and _abbreviates(words, s.slug.split("-"))], selector, sections, path)


def _abbreviates(words: list[str], title_words: list[str]) -> bool:
    position = 0
    for word in title_words:
        if position < len(words) and word.startswith(words[position]):
            position += 1
    return position == len(words)


def _one(found: list[Section], selector: str, sections: tuple[Section, ...], path: str | None) -> Section:
    if len(found) == 1:
        return found[0]
    if found:
        listing = "; ".join(f"{s.slug} ({s.declared or 'no range'})" for s in found)
        raise UsageError(f"--range {selector!r} is ambiguous: {listing}", path=path, hint="give more of the name")
    listing = "; ".join(f"{s.slug} ({s.declared})" for s in sections if s.declared)
    if listing:
        hint = f"sections with ranges: {listing}"
    else:
        broken = [s for s in sections if s.range_error]
        hint = "no heading declares a range, such as '## 3000-3099: Core Services'" + (
            f"; the range of {broken[0].heading!r} (line {broken[0].line}) cannot be read: {broken[0].range_error}"
            if broken
            else ""
        )
    raise UsageError(f"--range {selector!r} matches no section", path=path, hint=hint)


def _read_range(heading: str) -> tuple[str, str | None]:
    """Split a heading into ``(title, range_text)``; range_text is None when none is declared.

    Besides ``3000-3009: Title`` and ``Title (3000-3009)``: ``Title (5170-5179 Range)``,
    ``Port Range: 2900-2909``, ``3000-4050 Range`` and ``Title (10000+)`` (up to 65535). A
    single port in parentheses (``Express App (2900)``) or a date (``(2025-12-29)``,
    ``2025-12-29: Release``) is not a range.
    """
    leading = _leading_range(heading)
    # "8080: Title" keeps declaring the one port it names: only a parenthesis is often a note.
    if leading and _RANGE_TEXT.fullmatch(leading[0]) and not _DATE.fullmatch(leading[0]):
        return leading[1].strip() or heading, leading[0]
    trailing = _trailing_range(heading)
    if trailing:
        text = _range_text(trailing[1])
        if text is not None:
            return trailing[0].strip() or heading, text
    label, colon, rest = heading.partition(":")
    if colon and normalize_header(label) in vocabulary.RANGE_HEADERS:  # "Port Range: 2900-2909"
        text = _range_text(rest.strip())
        if text is not None:
            return heading.strip(), text
    first, _, title = heading.strip().partition(" ")
    if title.lower().startswith("range") and _RANGE_TEXT.fullmatch(first) and _declares(first):  # "3000-4050 Range"
        return heading.strip(), first
    return heading.strip(), None


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _declares(text: str) -> bool:
    """A range, not a single port or a date: ``3000-3009`` and ``30xx-31xx`` (malformed) do."""
    return not _DATE.fullmatch(text.strip()) and any(dash in text for dash in "-\u2013\u2014")


def _range_text(text: str) -> str | None:
    """The range a parenthesis or label holds (``5170-5179 Range``, ``10000+``), or None."""
    text = text.strip()
    if text.lower().endswith(" range"):
        text = text[: -len(" range")].rstrip()
    if text.endswith("+") and text[:-1].isdigit() and text[:-1].isascii():
        return f"{text[:-1]}-{MAX_PORT}"
    return text if _RANGE_TEXT.fullmatch(text) and _declares(text) else None


# The two readers below find what the regular expressions ^\s*(\d[^:]*?)\s*:\s*(.*)$ and
# ^(.*?)\s*\(\s*(\d[^)]*?)\s*\)\s*$ would (tests/test_fuzz.py holds them to that), in one pass:
# the expressions backtrack quadratically, and worse, on long runs of spaces in a heading.


def _leading_range(heading: str) -> tuple[str, str] | None:
    """``("3000-3009", "Title")`` of ``3000-3009: Title``: the text up to the first colon, starting with a digit."""
    head, colon, rest = heading.partition(":")
    head = head.lstrip()
    if not colon or not _DIGIT.match(head):
        return None
    rest = rest.lstrip()
    if "\n" in (rest[:-1] if rest.endswith("\n") else rest):
        return None  # the title may not span lines
    return head.rstrip(), rest.removesuffix("\n")


def _trailing_range(heading: str) -> tuple[str, str] | None:
    """``("Title", "3000-3009")`` of ``Title (3000-3009)``: the first parenthesis that closes the heading."""
    body = heading.rstrip()
    if not body.endswith(")"):
        return None
    close = len(body) - 1
    # The title may not span lines, but the spaces before the "(" may: the "(" comes before the
    # first line break, or is the first thing after it.
    limit = len(body)
    line_break = body.find("\n")
    if line_break != -1:
        after = _NON_SPACE.search(body, line_break)
        limit = after.start() + 1 if after else line_break
    start = body.rfind(")", 0, close) + 1  # no ")" may come between the "(" and the end
    opening = body.find("(", start, limit)
    while opening != -1:
        first = _NON_SPACE.search(body, opening + 1, close)  # stops at the next "(" at the latest
        if first and _DIGIT.match(first.group()):
            return body[:opening].rstrip(), body[first.start() : close].rstrip()
        opening = body.find("(", opening + 1, limit)
    return None


def section_slug(heading: str) -> str:
    """The slug of the section a heading text starts (``3000-3009: Core Platform`` -> ``core-platform``)."""
    return slugify(_read_range(heading)[0])


def _section(index: int, heading: Heading, parents: list[Section]) -> Section:
    title, range_text = _read_range(heading.text)
    declared: PortRange | None = None
    error: str | None = None
    if range_text is not None:
        try:
            declared = parse_span(range_text)
        except PortSyntaxError as exc:
            error = str(exc)
    while parents and parents[-1].level >= heading.level:
        parents.pop()
    parent = parents[-1] if parents else None
    inherited = parent.range if parent and range_text is None else None
    named_host = vocabulary.HOST_HEADING.fullmatch(strip_markup(heading.text.strip()))
    host = strip_markup(named_host.group(1).strip()) if named_host else None
    return Section(
        index=index,
        heading=heading.text.strip(),
        title=title,
        level=heading.level,
        line=heading.start + 1,
        declared=declared,
        range_text=range_text,
        range_error=error,
        parent=parent.index if parent else None,
        range=declared or inherited,
        host=host or (parent.host if parent else None),
    )


@dataclass(frozen=True, slots=True)
class _Columns:
    """What each column of a table header is, by the vocabulary."""

    names: tuple[str, ...]
    port: int | None
    port_kind: str
    ports: tuple[tuple[int, str], ...]  # every port column and its kind
    service: int | None
    service_rank: int | None
    group: int | None
    protocol: int | None
    host: int | None
    repeats: bool


def _columns(headers: tuple[str, ...], vocab: Vocabulary) -> _Columns:
    names = tuple(normalize_header(header) for header in headers)
    ports: list[tuple[int, str]] = []
    service: tuple[int, int] | None = None  # (rank, index)
    protocol = host = None
    for index, name in enumerate(names):
        kind = vocab.port_kind(name)
        if kind is not None:
            ports.append((index, kind))
            continue
        rank = vocab.service_rank(name)
        if rank is not None and (service is None or rank < service[0]):
            service = (rank, index)
        elif protocol is None and name in vocabulary.PROTOCOL_HEADERS:
            protocol = index
        elif host is None and name in vocabulary.HOST_HEADERS:
            host = index
    registry_ports = [(index, kind) for index, kind in ports if kind in vocabulary.PORT_PRECEDENCE]
    best = min(registry_ports, key=lambda item: (vocabulary.PORT_PRECEDENCE.index(item[1]), item[0]), default=None)
    group = None
    if service is not None and service[0] < vocabulary.GROUP_RANK:
        group = next(
            (
                i
                for i, name in enumerate(names)
                if vocab.service_rank(name) == vocabulary.GROUP_RANK and i != service[1]
            ),
            None,
        )
    repeats = any(name in vocabulary.PURPOSE_HEADERS for i, name in enumerate(names) if not service or i != service[1])
    return _Columns(
        names,
        best[0] if best else None,
        best[1] if best else "current",
        tuple(ports),
        service[1] if service else None,
        service[0] if service else None,
        group,
        protocol,
        host,
        repeats,
    )


def _quote(headers: tuple[str, ...]) -> str:
    return ", ".join(repr(header.strip()) for header in headers)


def _role(block: Table, columns: _Columns, heading: str) -> tuple[str, str]:
    """The role of a table that has a port column (``registry`` or why not), and the reason."""
    names = columns.names
    headers = block.header.texts
    dates = [i for i, name in enumerate(names) if name in vocabulary.DATE_HEADERS]
    if dates and (dates[0] == 0 or any(name in vocabulary.ACTION_HEADERS for name in names)):
        return "changelog", f"column {headers[dates[0]]!r} dates each row"
    olds = [i for i, kind in columns.ports if kind == "old"]
    if olds and columns.port is not None:
        return "migration", f"columns {headers[olds[0]]!r} and {headers[columns.port]!r} move ports"
    for index in range(len(names)):
        cells = (row.texts[index] for row in block.body if index < len(row.texts) and row.texts[index])
        # Decided by the first filled cell in nearly every column of a registry: stays linear and cheap.
        if next(cells, None) in vocabulary.CHECKBOXES and all(cell in vocabulary.CHECKBOXES for cell in cells):
            return "checklist", f"column {headers[index]!r} holds checkboxes"
    conflict = next((h for h, n in zip(headers, names, strict=False) if _says_conflict(n)), None)
    if conflict is not None or _says_conflict(heading.lower()):
        where = f"column {conflict!r}" if conflict is not None else f"heading {heading!r}"
        return "conflicts", f"{where} lists conflicts"
    weak_service = columns.service_rank is None or columns.service_rank >= 6  # owner, purpose: a range's title
    if (
        columns.port is not None
        and weak_service
        and ("range" in names[columns.port] or names[columns.port] in vocabulary.RANGE_HEADERS)
        and _range_rows(block, columns.port)
    ):
        return "ranges", f"every {headers[columns.port]!r} cell is a range"
    if columns.port is None:
        kinds = ", ".join(f"{headers[i]!r} ({kind})" for i, kind in columns.ports)
        return "unread", f"no port column to register: {kinds} only"
    if columns.service is None:
        return "unread", f"no service column: headers are {_quote(headers)}"
    return "registry", "a port column and a service column"


def _says_conflict(text: str) -> bool:
    return any(word in text for word in vocabulary.CONFLICT_WORDS)


def _range_rows(block: Table, column: int) -> list[tuple[PortRange, int]]:
    """Every body row's (range, row index) when every port cell is a span of several ports, else []."""
    found = []
    for index, row in enumerate(block.body, start=2):
        text = row.texts[column] if column < len(row.texts) else ""
        try:
            span = parse_span(text)
        except PortSyntaxError:
            return []
        if span.lo == span.hi:
            return []
        found.append((span, index))
    return found


def _describe(headers: tuple[str, ...], columns: _Columns, role: str) -> tuple[tuple[str, str], ...]:
    described = []
    kinds = dict(columns.ports)
    for index, header in enumerate(headers):
        if role == "ranges":
            what = "range" if index in kinds or index == 0 else "title of the range"
        elif index == columns.port and role == "registry":
            what = f"port ({columns.port_kind}): the registry port"
        elif index in kinds:
            what = f"port ({kinds[index]}): kept as a cell"
        elif index == columns.service:
            what = "service"
        elif index == columns.group:
            what = "project: part of the service's identity"
        elif index == columns.protocol:
            what = "protocol"
        elif index == columns.host:
            what = "host: ports are unique per host"
        else:
            what = "cell"
        described.append((header.strip(), what))
    return tuple(described)


def _summary_candidate(columns: _Columns, heading: str) -> bool:
    """A domain map or quick-reference table: read only if its rows are not all repeats."""
    return any(name in vocabulary.DOMAIN_HEADERS for name in columns.names) or any(
        word in heading.lower() for word in vocabulary.SUMMARY_HEADINGS
    )


def build(document: Document, vocab: Vocabulary = vocabulary.DEFAULT) -> Registry:
    """Derive the registry model from a parsed document (one linear pass; two with a summary table).

    A table whose rows might all repeat entries of other tables (a domain map, a quick
    reference) is decided after the first pass; only then is the document read again.
    """
    first, candidates = _build(document, vocab, frozenset())
    summaries = _repeating(first, candidates) if candidates else frozenset()
    return _build(document, vocab, summaries)[0] if summaries else first


def _repeating(registry: Registry, candidates: list[int]) -> frozenset[int]:
    """The candidate tables every entry of which repeats (name and ports) an entry of another table."""
    holders: dict[tuple[str, int], set[int]] = {}  # (name, port) -> blocks of the tables listing it
    for entry in registry.entries:
        if entry.service is not None:
            block = registry.tables[entry.table].block
            for port in entry.ports:
                holders.setdefault((entry.service.casefold(), port), set()).add(block)
    own: dict[int, list[Entry]] = {block: [] for block in candidates}
    for entry in registry.entries:
        found = own.get(registry.tables[entry.table].block)
        if found is not None:
            found.append(entry)
    return frozenset(
        block
        for block, entries in own.items()
        if entries
        and all(
            e.service is not None and e.spans and all(len(holders[e.service.casefold(), p]) > 1 for p in e.ports)
            for e in entries
        )
    )


def _build(document: Document, vocab: Vocabulary, summaries: frozenset[int]) -> tuple[Registry, list[int]]:
    """The registry, reading the tables at the ``summaries`` blocks as summaries; and the summary candidates."""
    sections: list[Section] = []
    parents: list[Section] = []
    tables: list[RegistryTable] = []
    readings: list[TableReading] = []
    summary_candidates: list[int] = []
    entries: list[Entry] = []
    directives: list[Directive] = []
    candidates: list[tuple[Reference, bool]] = []

    def current_section() -> int:
        if not sections:  # tables before the first heading live in a preamble section
            sections.append(Section(0, "", "(preamble)", 0, 1, None, None, None, None, None))
        return len(sections) - 1

    for block_index, block in enumerate(document.blocks):
        if isinstance(block, Heading):
            section = _section(len(sections), block, parents)
            sections.append(section)
            parents.append(section)
        elif isinstance(block, Html):
            text = "".join(block.lines)
            for start, verb, body in directive_comments(text):
                line = block.start + 1 + text.count("\n", 0, start)
                directives.append(_directive(current_section(), line, verb, body))
        elif isinstance(block, Table):
            headers = block.header.texts
            columns = _columns(headers, vocab)
            section_index = current_section()
            section = sections[section_index]
            reading = _reading(block_index, block, section, columns, vocab, summaries)
            readings.append(reading)
            if reading.role == "registry" and _summary_candidate(columns, section.heading):
                summary_candidates.append(block_index)
            if reading.role not in ("registry", "unread") or columns.port is None:
                continue
            table = RegistryTable(
                block_index,
                section_index,
                block.start + 1,
                headers,
                columns.port,
                columns.service,
                columns.protocol,
                columns.host,
                columns.group,
                columns.port_kind,
                columns.repeats,
            )
            tables.append(table)
            if columns.service is None:
                continue
            host = sections[section_index].host
            for row_index in range(2, len(block.rows)):
                entry = _entry(len(entries), len(tables) - 1, table, block, row_index, host)
                entries.append(entry)
                _collect_references(entry, table, block, row_index, candidates)

    bound = _bind_ranges(sections, readings)
    known_names = {e.service.casefold() for e in entries if e.service}
    known_ports = {span.lo for e in entries for span in e.spans}
    references = tuple(
        ref for ref, strong in candidates if strong or ref.service.casefold() in known_names or ref.port in known_ports
    )
    model = Registry(
        document, tuple(bound), tuple(tables), tuple(entries), references, tuple(directives), tuple(readings), vocab
    )
    return model, summary_candidates


def _reading(
    block_index: int, block: Table, section: Section, columns: _Columns, vocab: Vocabulary, summaries: frozenset[int]
) -> TableReading:
    """How a table is read: its role (registry rows or why not), and the ranges a range table declares."""
    headers = block.header.texts
    mentions = True
    range_column: int | None = None
    if not columns.ports:
        mentions = any(vocab.mentions_port(name) for name in columns.names)
        if not mentions and columns.names and columns.names[0] in vocabulary.RANGE_HEADERS and _range_rows(block, 0):
            role, reason, range_column = "ranges", f"every {headers[0]!r} cell is a range", 0
        elif mentions:
            role, reason = "unread", f"no header is a port column mdports knows: {_quote(headers)}"
        else:
            role, reason = "other", "no port column"
    else:
        role, reason = _role(block, columns, section.heading)
        if role == "registry" and block_index in summaries:
            role, reason = "summary", "every row repeats an entry of another table"
        elif role == "ranges":
            range_column = columns.port
    ranges: tuple[tuple[PortRange, str, int], ...] = ()
    if range_column is not None:
        ranges = tuple(
            (
                span,
                " ".join(t for i, t in enumerate(block.rows[row].texts) if i != range_column and t),
                block.start + row + 1,
            )
            for span, row in _range_rows(block, range_column)
        )
    describe = _describe(headers, columns, role)
    return TableReading(block_index, section.index, block.start + 1, role, reason, describe, mentions, ranges)


def _bind_ranges(sections: list[Section], readings: list[TableReading]) -> list[Section]:
    """Give a section without a range in its heading the range a range table declares for its title."""
    declared = {slugify(title): span for reading in readings for span, title, _ in reading.ranges if title}
    if not declared:
        return sections
    bound: list[Section] = []
    for section in sections:
        span = declared.get(section.slug) if section.range_text is None else None
        parent = bound[section.parent] if section.parent is not None else None
        if span is not None:
            section = dataclasses.replace(section, declared=span, range=span, range_text=str(span))
        elif section.range_text is None and parent is not None and parent.range != section.range:
            section = dataclasses.replace(section, range=parent.range)
        bound.append(section)
    return bound


def directive_comments(text: str) -> Iterator[tuple[int, str, str]]:
    """Each ``<!-- mdports: VERB BODY -->`` in ``text`` as ``(offset, VERB, BODY)``.

    Read with ``str.find``: a regular expression for it (``\\s+(.*?)\\s*-->``) backtracks
    quadratically on a comment with a long run of spaces and no end. Case is ignored in
    ``mdports:`` and the verb (given lower-cased), whitespace around them is free, BODY loses
    its outer spaces. A comment that does not start with ``mdports:`` is not ours.
    """
    start = text.find("<!--")
    while start != -1:
        index = _skip_space(text, start + 4)
        body_end = -1
        if text[index : index + 8].lower() == "mdports:":
            index = _skip_space(text, index + 8)
            body_end = text.find("-->", index)
            if body_end == -1:
                return  # no comment after this one is closed either
            verb, _, body = text[index:body_end].partition(" ")
            verb, tab, rest = verb.partition("\t")  # `accept\tMP101` too
            yield start, verb.strip().lower(), (rest + tab + body if tab else body).strip()
        start = text.find("<!--", body_end + 3 if body_end != -1 else start + 4)


def accept_comments(text: str) -> Iterator[tuple[int, str]]:
    """Each ``<!-- mdports: accept BODY -->`` in ``text`` as ``(offset, BODY)``."""
    return ((start, body) for start, verb, body in directive_comments(text) if verb == "accept")


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _directive(section: int, line: int, verb: str, body: str) -> Directive:
    body = body.split("--", 1)[0]  # "-- reason" is for people
    rules: list[str] = []
    ports: list[int] = []
    for word in re.split(r"[\s,]+", body.strip()):
        if word.isdigit() and word.isascii():
            ports.append(int(word) if len(word) <= 9 else MAX_PORT + 1)  # too long to be a port: matches none
        elif word:
            rules.append(word)
    return Directive(section, line, tuple(rules), tuple(ports), verb)


def read_row(
    texts: Sequence[str], port_column: int, service_column: int
) -> tuple[str, tuple[PortRange, ...], tuple[str, ...], str | None, str, str | None]:
    """How a row's port and service cells read: ``(port_text, spans, protocols, port_error, service_text, marker)``.

    A missing cell reads as ''. ``spans`` and the ``protocols`` the port cell names (``3478/udp``)
    are empty when the cell says "no port" (``-``, ``TBD``) or cannot be read (``port_error`` says
    why). ``marker`` is the placeholder marker, ``"empty"`` for an empty service cell, None for a
    service. The one reading of a row: edits read the rows they plan with it too.
    """
    width = len(texts)
    port_text = texts[port_column] if port_column < width else ""
    cell_protocols: tuple[str, ...] = ()
    try:
        if port_text.isdigit() and port_text.isascii():  # the usual single port, by its fast path
            spans: tuple[PortRange, ...] = parse_ports(port_text)
        else:
            cell = parse_port_cell(port_text)
            spans, cell_protocols = cell.spans, cell.protocols  # none of either for "no port"
        port_error = None
    except PortSyntaxError as exc:
        spans, port_error = (), str(exc)
    service_text = texts[service_column] if service_column < width else ""
    marker = placeholder_marker(service_text) if service_text else "empty"
    return port_text, spans, cell_protocols, port_error, service_text, marker


def _entry(index: int, table_index: int, table: RegistryTable, block: Table, row_index: int, host: str | None) -> Entry:
    """The entry a registry row holds.

    A port cell that says "no port" (``-``, ``N/A``, ``TBD``) gives an entry without ports and
    without a port error: the service is registered, its port is not chosen yet. It stays in
    the model so that diff and merge see the row (a port changed to ``TBD`` is a change, not a
    removal), and no rule asks it for a port.
    """
    # Run once per row of every registry table: written for speed (see benchmarks/).
    row = block.rows[row_index]
    texts = row.texts
    width = len(texts)
    port_column = table.port_column
    service_column = table.service_column
    assert service_column is not None
    port_text, spans, cell_protocols, port_error, service_text, marker = read_row(texts, port_column, service_column)
    service = None if marker else service_name(service_text)
    protocols: tuple[str, ...] = cell_protocols or _TCP
    protocol_error = None
    protocol_column = table.protocol_column
    if protocol_column is not None and protocol_column < width:
        protocol_text = strip_markup(texts[protocol_column]).lower()
        if protocol_text in PROTOCOLS:
            protocols = PROTOCOLS[protocol_text]
        elif protocol_text in vocabulary.APPLICATION_PROTOCOLS:
            protocols = cell_protocols or vocabulary.APPLICATION_PROTOCOLS[protocol_text]
        else:
            protocol_error = f"unknown protocol {protocol_text!r} (use tcp, udp or tcp/udp)"
    headers = table.headers
    padded = texts + ("",) * (len(headers) - width) if width < len(headers) else texts[: len(headers)]
    cells = dict(zip(headers, padded, strict=True))
    end = len(row.render().rstrip("\r\n")) + 1 if max(port_column, service_column) >= width else 0
    if table.host_column is not None and table.host_column < width:
        host = strip_markup(texts[table.host_column]) or host
    group = None
    if table.group_column is not None and table.group_column < width:
        group = service_name(texts[table.group_column]) or None
    return Entry(
        index,
        table_index,
        row_index,
        table.section,
        block.start + row_index + 1,
        port_text,
        row.column(port_column) if port_column < width else end,
        spans,
        port_error,
        service,
        service_text,
        row.column(service_column) if service_column < width else end,
        marker,
        protocols,
        protocol_error,
        cells,
        width,
        not row.trail,
        host,
        group,
    )


def _collect_references(
    entry: Entry, table: RegistryTable, block: Table, row_index: int, out: list[tuple[Reference, bool]]
) -> None:
    row = block.rows[row_index]
    texts = row.texts
    roles = (table.port_column, table.service_column, table.protocol_column)
    for column in range(min(len(texts), len(table.headers))):
        text = texts[column]
        # "<port> <name>" starts with a digit, unless code or emphasis wraps it.
        if not text or (not text[0].isdigit() and text[0] not in "`*_") or column in roles:
            continue
        match = _REFERENCE.fullmatch(strip_markup(text))
        if not match or not 1 <= int(match.group(1)) <= 65535:
            continue
        name = service_name(match.group(2))
        if placeholder_marker(name) or not name[0].isalnum():
            continue
        header = table.headers[column]
        reference = Reference(int(match.group(1)), name, entry.index, header, entry.line, row.column(column))
        # Only a name shaped like an identifier is a reference by itself ("3 replicas" is prose).
        out.append((reference, bool(_IDENTIFIER_HINT.search(name.split(" (")[0]))))
