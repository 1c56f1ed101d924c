"""The registry model: sections, entries and cross-references, derived from a document.

The model is read-only and derived in one linear pass over the document's blocks; it is
never edited. Edits change the document and the model is derived again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from .document import Document, Heading, Html, Table
from .errors import NotFoundError, UsageError
from .ports import MAX_PORT, PortRange, PortSyntaxError, format_ports, parse_ports, parse_span, strip_markup

Status = Literal["assigned", "reserved"]
_TCP = ("tcp",)

_PORT_HEADER = re.compile(r"(?:host |container )?ports?(?:\s*\(s\))?(?:\s*(?:#|no\.?|numbers?))?")
_SERVICE_HEADERS = frozenset(
    {"service", "services", "service name", "name", "app", "application", "component", "container"}
)
_PROTOCOL_HEADERS = frozenset({"protocol", "proto", "transport"})
PROTOCOLS = {"tcp": ("tcp",), "udp": ("udp",), "tcp/udp": ("tcp", "udp"), "udp/tcp": ("tcp", "udp")}
PROTOCOLS.update({"tcp+udp": ("tcp", "udp"), "both": ("tcp", "udp"), "tcp, udp": ("tcp", "udp")})
PLACEHOLDER_MARKERS = ("reserved", "available", "free", "unassigned", "unused", "spare", "vacant")
_ANY_MARKER = re.compile("|".join(PLACEHOLDER_MARKERS))
_LINK = re.compile(r"^\[([^\]]+)\]\([^)]*\)$")
# A declared range: "3000-3009: Title" (leading, up to a colon) or "Title (3000-3009)".
_RANGE_TEXT = re.compile(r"[\d\s\-\u2013\u2014xX.]+")
_DIGIT = re.compile(r"\d")
_NON_SPACE = re.compile(r"\S")
_REFERENCE = re.compile(r"(\d{1,5})\s+(\S.*)")
_IDENTIFIER_HINT = re.compile(r"[-_.\d]")


def normalize_header(text: str) -> str:
    return " ".join(strip_markup(text).lower().split())


def service_name(text: str) -> str:
    """The service name a cell holds: markup and a wrapping link removed."""
    text = strip_markup(text)
    if not text.startswith("["):
        return text
    link = _LINK.match(text)
    return strip_markup(link.group(1)) if link else text


def placeholder_marker(text: str) -> str | None:
    """The placeholder marker a service cell holds (``*(reserved)*`` -> ``reserved``), or None."""
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
class Accept:
    """An inline exception: ``<!-- mdports: accept RULE [PORT ...] -->`` in a section."""

    section: int
    line: int
    rules: tuple[str, ...]
    ports: tuple[int, ...]


@dataclass(frozen=True)
class Registry:
    """The port registry a document declares. Read-only; derive it again after an edit."""

    document: Document
    sections: tuple[Section, ...]
    tables: tuple[RegistryTable, ...]
    entries: tuple[Entry, ...]
    references: tuple[Reference, ...]
    accepts: tuple[Accept, ...]

    @property
    def path(self) -> str | None:
        return self.document.path

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
            holders = self.by_port.get(number, ())
            assigned = [entry for entry in holders if entry.service] or list(holders)
            if assigned:
                return assigned[0]
            shown = number if number <= MAX_PORT else digits.lstrip("0")[:8] + "..."
            raise NotFoundError(f"port {shown} is not in the registry", path=self.path)
        import difflib

        close = difflib.get_close_matches(key.casefold(), list(self.by_name), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "`mdports list` shows every entry"
        raise NotFoundError(f"no entry named {key!r}", path=self.path, hint=hint)

    def references_to(self, entry: Entry) -> tuple[Reference, ...]:
        """Cross-references that point at ``entry`` by name or by one of its ports."""
        name = (entry.service or "").casefold()
        ports = set(entry.ports)
        return tuple(ref for ref in self.references if ref.service.casefold() == name or (ref.port in ports and name))

    def section(self, selector: str) -> Section:
        """Resolve a ``--range`` value: ``3010-3019``, a port, a slug or an abbreviation.

        Raises :class:`UsageError` listing the candidates when the value is unknown or
        ambiguous.
        """
        return resolve_section(self.sections, selector, self.path)


def resolve_section(sections: tuple[Section, ...], selector: str, path: str | None = None) -> Section:
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
    """Split a heading into ``(title, range_text)``; range_text is None when none is declared."""
    leading = _leading_range(heading)
    if leading and _RANGE_TEXT.fullmatch(leading[0]):
        return leading[1].strip() or heading, leading[0]
    trailing = _trailing_range(heading)
    if trailing and _RANGE_TEXT.fullmatch(trailing[1]):
        return trailing[0].strip() or heading, trailing[1]
    return heading.strip(), None


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
    )


def _column_roles(headers: tuple[str, ...]) -> tuple[int | None, int | None, int | None]:
    port = service = protocol = None
    for index, header in enumerate(headers):
        name = normalize_header(header)
        if port is None and _PORT_HEADER.fullmatch(name):
            port = index
        elif service is None and name in _SERVICE_HEADERS:
            service = index
        elif protocol is None and name in _PROTOCOL_HEADERS:
            protocol = index
    return port, service, protocol


def build(document: Document) -> Registry:
    """Derive the registry model from a parsed document (one linear pass)."""
    sections: list[Section] = []
    parents: list[Section] = []
    tables: list[RegistryTable] = []
    entries: list[Entry] = []
    accepts: list[Accept] = []
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
            for start, body in accept_comments(text):
                line = block.start + 1 + text.count("\n", 0, start)
                accepts.append(_accept(current_section(), line, body))
        elif isinstance(block, Table):
            headers = block.header.texts
            port_col, service_col, protocol_col = _column_roles(headers)
            if port_col is None:
                continue
            section_index = current_section()
            table = RegistryTable(
                block_index, section_index, block.start + 1, headers, port_col, service_col, protocol_col
            )
            tables.append(table)
            if service_col is None:
                continue
            for row_index in range(2, len(block.rows)):
                entry = _entry(len(entries), len(tables) - 1, table, block, row_index)
                entries.append(entry)
                _collect_references(entry, table, block, row_index, candidates)

    known_names = {e.service.casefold() for e in entries if e.service}
    known_ports = {span.lo for e in entries for span in e.spans}
    references = tuple(
        ref for ref, strong in candidates if strong or ref.service.casefold() in known_names or ref.port in known_ports
    )
    return Registry(document, tuple(sections), tuple(tables), tuple(entries), references, tuple(accepts))


def accept_comments(text: str) -> Iterator[tuple[int, str]]:
    """Each ``<!-- mdports: accept BODY -->`` in ``text`` as ``(offset, BODY)``.

    Read with ``str.find``: a regular expression for it (``\\s+(.*?)\\s*-->``) backtracks
    quadratically on a comment with a long run of spaces and no end. Case is ignored in
    ``mdports:`` and ``accept``, whitespace around them is free, BODY loses its outer spaces.
    """
    start = text.find("<!--")
    while start != -1:
        index = _skip_space(text, start + 4)
        body_end = -1
        if text[index : index + 8].lower() == "mdports:":
            index = _skip_space(text, index + 8)
            after = _skip_space(text, index + 6)
            if text[index : index + 6].lower() == "accept" and after > index + 6:
                body_end = text.find("-->", after)
                if body_end == -1:
                    return  # no comment after this one is closed either
                yield start, text[after:body_end].rstrip()
        start = text.find("<!--", body_end + 3 if body_end != -1 else start + 4)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _accept(section: int, line: int, body: str) -> Accept:
    body = body.split("--", 1)[0]  # "-- reason" is for people
    rules: list[str] = []
    ports: list[int] = []
    for word in re.split(r"[\s,]+", body.strip()):
        if word.isdigit() and word.isascii():
            ports.append(int(word) if len(word) <= 9 else MAX_PORT + 1)  # too long to be a port: matches none
        elif word:
            rules.append(word)
    return Accept(section, line, tuple(rules), tuple(ports))


def _entry(index: int, table_index: int, table: RegistryTable, block: Table, row_index: int) -> Entry:
    # Run once per row of every registry table: written for speed (see benchmarks/).
    row = block.rows[row_index]
    texts = row.texts
    width = len(texts)
    port_column = table.port_column
    service_column = table.service_column
    assert service_column is not None
    port_text = texts[port_column] if port_column < width else ""
    try:
        spans = parse_ports(port_text)
        port_error = None
    except PortSyntaxError as exc:
        spans, port_error = (), str(exc)
    service_text = texts[service_column] if service_column < width else ""
    marker = placeholder_marker(service_text) if service_text else "empty"
    service = None if marker else service_name(service_text)
    protocols: tuple[str, ...] = _TCP
    protocol_error = None
    protocol_column = table.protocol_column
    if protocol_column is not None and protocol_column < width:
        protocol_text = strip_markup(texts[protocol_column]).lower()
        if protocol_text in PROTOCOLS:
            protocols = PROTOCOLS[protocol_text]
        elif protocol_text:
            protocol_error = f"unknown protocol {protocol_text!r} (use tcp, udp or tcp/udp)"
    headers = table.headers
    padded = texts + ("",) * (len(headers) - width) if width < len(headers) else texts[: len(headers)]
    cells = dict(zip(headers, padded, strict=True))
    end = len(row.render().rstrip("\r\n")) + 1 if max(port_column, service_column) >= width else 0
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
