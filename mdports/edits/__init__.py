"""Edit operations: add, remove, rename, move, set and fmt, as a careful person would do them.

Each operation reads the registry of a :class:`~mdports.syntax.document.Document` and returns an
:class:`Edit`: the new document (only the touched table rows — and the "Last updated" line —
differ), what changed, and the model the new document must have. :func:`verify` checks an
edit by parsing its text again; :func:`mdports.api.edit_file` does lock, read, edit, verify
and atomic write in one go.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import NotFoundError, RefusedError, UsageError
from ..model.ports import (
    MAX_PORT,
    MIN_PORT,
    PortRange,
    PortSyntaxError,
    format_ports,
    merge_spans,
    parse_port_cell,
    strip_markup,
)
from ..model.registry import Entry, Registry, RegistryTable, Section, build, placeholder_marker, service_name
from ..model.vocabulary import DEFAULT, PROTOCOL_HEADERS, Vocabulary, normalize_header
from ..output.escaping import is_hidden, visible
from ..syntax.document import Document, Prose, Row, Table, split_lines
from ..syntax.table_style import TableStyle, escape_cell, realign, wrapper_of

DEFAULT_MARKER = "*(reserved)*"
# "Last updated: 2026-03-28", "**Last-Updated:** 2026-03-28": the words, non-word characters, a date.
_LAST_UPDATED_WORDS = re.compile(r"\blast[ -]updated\b", re.IGNORECASE)
_NON_WORD = re.compile(r"\W*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The identity of an entry for verification: section, service, ports, the column headers and
# every cell's text (as ``Entry.cells`` holds them: one cell per distinct header).
EntryKey = tuple[str, "str | None", tuple[int, ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Change:
    """One thing an edit did, for people (``message``) and bots (``to_dict``)."""

    action: str
    service: str | None
    ports: tuple[int, ...]
    section: str
    message: str
    references: int = 0
    old_ports: tuple[int, ...] = ()
    old_service: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The change as every JSON output names things: ``section`` is the slug, ``heading`` as written."""
        from ..model.registry import section_slug

        record: dict[str, object] = {
            "action": self.action,
            "service": self.service,
            "ports": list(self.ports),
            "section": section_slug(self.section) if self.section else None,
            "heading": self.section or None,
            "message": self.message,
        }
        if self.action in ("rename", "move"):
            record["references"] = self.references
        if self.old_ports:
            record["old_ports"] = list(self.old_ports)
        if self.old_service is not None:
            record["old_service"] = self.old_service
        return record


@dataclass(frozen=True)
class Edit:
    """The result of an operation: the new document and how it differs from the old one."""

    before: Document
    after: Document
    changes: tuple[Change, ...]
    expected: tuple[EntryKey, ...] = ()  # the new registry's entries (those in ``scope``), as intended
    removed_lines: frozenset[int] = frozenset()  # 0-based lines of ``before`` replaced or removed
    added_lines: frozenset[int] = frozenset()  # 0-based lines of ``after`` that are new
    check_model: bool = True  # fmt re-orders rows: its model check compares entry sets only
    ports: tuple[int, ...] = field(default=())  # the ports an ``add`` or ``move`` chose
    # The registry of ``before`` the operation read, so that verify need not derive it again.
    registry: Registry | None = field(default=None, compare=False, repr=False)
    # Block indexes of the tables ``expected`` covers (None: every table). Every other table is
    # left byte for byte as it was, so verify checks it by the document's block structure.
    scope: frozenset[int] | None = None

    @cached_property
    def text(self) -> str:
        """The new document's text (rendered once: verify, the check for a change and the write share it)."""
        return self.after.render()

    @property
    def changed(self) -> bool:
        return self.text != self.before.render()

    def diff(self, path: str = "PORT_SCHEMA.md") -> str:
        """The unified diff of the edit (``--- a/PATH`` / ``+++ b/PATH``), '' when nothing changed."""
        import difflib

        before = self.before.render().splitlines(keepends=True)
        after = self.text.splitlines(keepends=True)
        name = path.lstrip("/")
        lines = difflib.unified_diff(before, after, f"a/{name}", f"b/{name}")
        return "".join(
            line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines
        )


def entry_key(registry: Registry, entry: Entry) -> EntryKey:
    section = registry.sections[entry.section].heading
    cells = entry.cells
    return (section, entry.service, entry.ports, tuple(cells), tuple(cells.values()))


def row_key(
    registry: Registry, table_index: int, texts: Sequence[str], service: str | None, ports: Iterable[int]
) -> EntryKey:
    """The key a new row with ``texts`` in table ``table_index`` must read back as."""
    info = registry.tables[table_index]
    section = registry.sections[info.section].heading
    # As the registry reads a row: one cell per distinct header (a repeated header keeps its last cell).
    cells = {header: texts[i] if i < len(texts) else "" for i, header in enumerate(info.headers)}
    return (section, service, tuple(sorted(set(ports))), tuple(cells), tuple(cells.values()))


def model_keys(registry: Registry, blocks: frozenset[int] | None = None) -> Counter[EntryKey]:
    """Every entry's key (only those of the tables at ``blocks``, when given)."""
    if blocks is None:
        return Counter(entry_key(registry, entry) for entry in registry.entries)
    tables = {index for index, table in enumerate(registry.tables) if table.block in blocks}
    return Counter(entry_key(registry, entry) for entry in registry.entries if entry.table in tables)


# --- checking user input -------------------------------------------------------------------


def check_value(text: str, what: str) -> str:
    """A cell value made safe: refused when it has a line break, pipes escaped, outer spaces dropped."""
    if "\n" in text or "\r" in text:
        raise UsageError(f"{what} {text!r} contains a line break, which cannot live in a table cell")
    return escape_cell(text)


# Besides letters and digits, what real service names use; nothing that is Markdown or HTML
# syntax (a link, an image, a mention, a tag) or that changes how text is displayed.
_NAME_PUNCTUATION = frozenset(" -_./()+:")
NAME_CHARACTERS = "letters, digits, space and -_./()+:"


def check_name(name: str) -> str:
    """A new service name: plain characters only (:data:`NAME_CHARACTERS`), reading back as itself."""
    for char in name:
        if (char.isalnum() or char in _NAME_PUNCTUATION) and not is_hidden(char):
            continue
        if is_hidden(char) or not char.isprintable():
            what = f"{visible(char)}, a control or invisible character"
        else:
            what = f"{char!r}, which is Markdown or HTML syntax or other punctuation"
        raise UsageError(f"service name {name!r} contains {what}", hint=f"a service name may use {NAME_CHARACTERS}")
    cleaned = check_value(name, "service name")
    if not cleaned:
        raise UsageError("the service name is empty", hint="give a name such as todo-worker")
    if placeholder_marker(cleaned):
        raise UsageError(f"{name!r} would read as a placeholder marker, not a service name")
    if service_name(cleaned) != cleaned or (cleaned[0].isdigit() and cleaned.split()[0].isdigit()):
        raise UsageError(f"{name!r} would not read back as a service name", hint="use letters, digits and -_.")
    return cleaned


def check_port(port: int) -> int:
    if not MIN_PORT <= port <= MAX_PORT:
        raise UsageError(f"port {port} is outside 1-65535")
    return port


# --- planning row changes in tables -------------------------------------------------------


@dataclass
class _Item:
    origin: int | None  # the original row this item stands for (None: a row that is new)
    row: Row
    spans: tuple[PortRange, ...] | None  # None when the port cell cannot be read
    placeholder: bool
    fresh: bool  # True when the row's text is new (added or rewritten)
    key: EntryKey | None = None  # the entry a new row must read back as

    @property
    def ports(self) -> set[int]:
        return {port for span in self.spans or () for port in span}

    @property
    def first(self) -> int | None:
        return min(span.lo for span in self.spans) if self.spans else None


class _TablePlan:
    """The rows a table will have, with where each came from."""

    def __init__(self, block: int, table: Table, info: RegistryTable) -> None:
        self.block, self.table, self.info = block, table, info
        self.style = TableStyle.of(table)
        self.items = [self._item(index, row, fresh=False) for index, row in enumerate(table.rows)]

    def _item(self, origin: int | None, row: Row, fresh: bool) -> _Item:
        if not fresh and origin is not None and origin < 2:
            return _Item(origin, row, None, False, fresh)
        texts = row.texts
        port_text = texts[self.info.port_column] if self.info.port_column < len(texts) else ""
        service_column = self.info.service_column or 0
        service_text = texts[service_column] if service_column < len(texts) else ""
        try:  # read as the registry reads it: "3478/udp" and "127.0.0.1:2368" have ports
            spans: tuple[PortRange, ...] | None = parse_port_cell(port_text).spans or None
        except PortSyntaxError:
            spans = None
        return _Item(origin, row, spans, not service_text or placeholder_marker(service_text) is not None, fresh)

    def new(
        self, texts: Sequence[str], key: EntryKey | None, origin: int | None = None, like: Row | None = None
    ) -> _Item:
        """A row in the table's style (or rewriting ``like``, keeping its trivia and untouched cells)."""
        row = self.style.rewrite(like, texts) if like is not None else self.style.row(texts)
        item = self._item(origin, row, fresh=True)
        item.key = key
        return item

    def index_of(self, origin: int) -> int:
        for index, item in enumerate(self.items):
            if item.origin == origin:
                return index
        raise RefusedError("internal error: a row was edited twice")  # pragma: no cover - a bug guard

    def insert_sorted(self, item: _Item) -> None:
        """Insert after the last row whose first port is not above the new one's."""
        port = item.first or 0
        position = 2
        for index, other in enumerate(self.items[2:], start=2):
            if other.first is not None and other.first <= port:
                position = index + 1
        self.items.insert(position, item)

    def finish(self) -> tuple[Table, set[int], set[int]]:
        """The new table, the original rows it dropped and the positions of its new rows."""
        rows = [item.row for item in self.items]
        fresh = [item.fresh for item in self.items]
        last_eol = self.table.rows[-1].eol
        newline = self.style.eol or "\n"
        # Keep the file's final-newline state: only the table's last row may lack an ending.
        for index, row in enumerate(rows):
            wanted = last_eol if index == len(rows) - 1 else (row.eol or newline)
            if row.eol != wanted:
                rows[index] = dataclasses.replace(row, eol=wanted)
                fresh[index] = True
        if self.style.widths is not None and not all(
            self.style.fits(row.texts) for row, new in zip(rows, fresh, strict=True) if new
        ):
            # The header as planned: the merge driver may have renamed a column.
            rows = list(realign(Table(self.table.start, tuple(rows)), [row.texts for row in rows[2:]], self.style))
            rows[-1] = dataclasses.replace(rows[-1], eol=last_eol)
            fresh = [True] * len(rows)
        kept_order = [item.origin for item, new in zip(self.items, fresh, strict=True) if not new]
        if kept_order != sorted(kept_order, key=lambda origin: origin or 0):
            # Rows changed places (fmt sorts): every body row counts as rewritten.
            fresh = [True if index >= 2 else new for index, new in enumerate(fresh)]
        kept = {item.origin for item, new in zip(self.items, fresh, strict=True) if not new}
        dropped = {index for index in range(len(self.table.rows)) if index not in kept}
        return Table(self.table.start, tuple(rows)), dropped, {i for i, new in enumerate(fresh) if new}


class _Builder:
    """Collects row changes across tables, then makes the new document and the line sets."""

    def __init__(self, document: Document, registry: Registry) -> None:
        self.document = document
        self.registry = registry
        self.plans: dict[int, _TablePlan] = {}
        self.prose: dict[int, dict[int, str]] = {}  # block -> line index in block -> new line
        self.replaced: set[int] = set()  # old entries whose rows were removed or rewritten

    def plan(self, table_index: int) -> _TablePlan:
        info = self.registry.tables[table_index]
        if info.block not in self.plans:
            block = self.document.blocks[info.block]
            assert isinstance(block, Table)
            self.plans[info.block] = _TablePlan(info.block, block, info)
        return self.plans[info.block]

    def key(self, table_index: int, texts: Sequence[str], service: str | None, ports: Iterable[int]) -> EntryKey:
        return row_key(self.registry, table_index, texts, service, ports)

    def finish(self, changes: Sequence[Change], ports: tuple[int, ...] = ()) -> Edit:
        blocks: dict[int, Table | Prose] = {}
        removed: set[int] = set()
        added_in_block: dict[int, set[int]] = {}
        for index, plan in self.plans.items():
            table, dropped, fresh = plan.finish()
            blocks[index] = table
            removed |= {plan.table.start + row for row in dropped}
            added_in_block[index] = fresh
        for index, lines in self.prose.items():
            block = self.document.blocks[index]
            assert isinstance(block, Prose)
            blocks[index] = Prose(block.start, tuple(lines.get(i, line) for i, line in enumerate(block.lines)))
            removed |= {block.start + i for i in lines}
            added_in_block[index] = set(lines)
        after = self.document.replace_blocks(dict(blocks))
        added = {after.blocks[index].start + offset for index, offsets in added_in_block.items() for offset in offsets}
        # The intended entries of the tables the edit touched: those it left, and the new rows.
        scope = frozenset(self.plans)
        tables = {index for index, table in enumerate(self.registry.tables) if table.block in scope}
        expected = [
            entry_key(self.registry, entry)
            for entry in self.registry.entries
            if entry.table in tables and entry.index not in self.replaced
        ]
        expected += [item.key for plan in self.plans.values() for item in plan.items if item.key is not None]
        return Edit(
            self.document,
            after,
            tuple(changes),
            tuple(expected),
            frozenset(removed),
            frozenset(added),
            ports=ports,
            registry=self.registry,
            scope=scope,
        )

    def touch_date(self, today: datetime.date | None) -> None:
        """Set the document's "Last updated: YYYY-MM-DD" line (see :func:`date_span`) to ``today``."""
        if today is None:
            return
        for index, block in enumerate(self.document.blocks):
            if not isinstance(block, Prose):
                continue
            # A top-level prose block starts and ends with whole top-level blocks (headings,
            # tables and HTML blocks are blocks of their own), so it can be read on its own.
            text = block.render()
            span = date_span(text)
            if span is not None:
                start, end = span
                offset = 0
                while start >= len(block.lines[offset]):  # the line holding the date
                    start, end = start - len(block.lines[offset]), end - len(block.lines[offset])
                    offset += 1
                line = block.lines[offset]
                new = line[:start] + today.isoformat() + line[end:]
                if new != line:
                    self.prose.setdefault(index, {})[offset] = new
                return


def date_span(text: str) -> tuple[int, int] | None:
    """Where the date of the document's "Last updated" line is in ``text`` (start, end), or None.

    The first ``Last updated`` (or ``Last-Updated``, any case) followed by non-word characters
    and a ``YYYY-MM-DD`` date, in a paragraph that is not inside a code block, an HTML block
    or a block quote: an example in a code fence or a quoted changelog is not the document's
    date. ``edits`` sets it and ``merge`` aligns it with this one function.

    >>> text = "```\\nLast updated: 2020-01-01\\n```\\n\\n**Last updated:** 2026-03-28\\n"
    >>> text[slice(*date_span(text))]
    '2026-03-28'
    """
    lines = split_lines(text)
    candidates = [(number, span) for number, line in enumerate(lines) for span in [_date_in(line)] if span]
    if not candidates:  # the usual case: no paragraph needs to be found
        return None
    prose = _paragraph_lines(text)
    for number, (start, end) in candidates:
        if number in prose:
            before = sum(len(line) for line in lines[:number])
            return before + start, before + end
    return None


def _date_in(line: str) -> tuple[int, int] | None:
    for words in _LAST_UPDATED_WORDS.finditer(line):
        gap = _NON_WORD.match(line, words.end())
        date = _ISO_DATE.match(line, gap.end() if gap else words.end())
        if date:
            return date.span()
    return None


def _paragraph_lines(text: str) -> frozenset[int]:
    """The 0-based numbers of the lines that are in a paragraph outside block quotes."""
    from ..syntax.document import block_tokens

    lines: set[int] = set()
    quoted = 0
    for token in block_tokens(text):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "paragraph_open" and not quoted and token.map:
            lines.update(range(*token.map))
    return frozenset(lines)


def today() -> datetime.date:
    """Today's date, or the one ``SOURCE_DATE_EPOCH`` fixes (for reproducible output)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit() and epoch.isascii() and len(epoch) <= 12:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
        except (OverflowError, OSError, ValueError):  # beyond the dates the platform knows
            pass
    return datetime.date.today()


# --- shared steps --------------------------------------------------------------------------


def _section_table(registry: Registry, section: Section) -> int:
    """Index (in ``registry.tables``) of the section's registry table that new rows go into."""
    for index, table in enumerate(registry.tables):
        if table.section == section.index and table.service_column is not None:
            return index
    for table in registry.tables:
        if table.section == section.index:
            raise RefusedError(
                f"the table at line {table.line} in section {section.heading!r} has no service column "
                f"(its header is {' | '.join(table.headers)}), so no row can be added to it",
                path=registry.path,
                hint="name a column 'Service' (or 'Name', 'App', 'Component', 'Container')",
            )
    raise RefusedError(
        f"section {section.heading!r} (line {section.line}) has no registry table to add a row to",
        path=registry.path,
        hint="add a table with a 'Port | Service' header under that heading",
    )


def _row_texts(registry: Registry, table_index: int, values: Mapping[str, str], port: str, name: str) -> list[str]:
    """The new row's cells: port and name in the table's markup, given columns, others empty."""
    info = registry.tables[table_index]
    block = registry.document.blocks[info.block]
    assert isinstance(block, Table) and info.service_column is not None
    assigned = [row.texts for row in block.body if len(row.texts) > info.service_column]
    port_wrapper = wrapper_of([row.texts[info.port_column] for row in block.body if len(row.texts) > info.port_column])
    name_wrapper = wrapper_of(
        [t[info.service_column] for t in assigned if not placeholder_marker(t[info.service_column])]
    )
    texts = [""] * len(info.headers)
    texts[info.port_column] = f"{port_wrapper}{port}{port_wrapper}"
    texts[info.service_column] = f"{name_wrapper}{name}{name_wrapper}"
    by_header = {normalize_header(header): index for index, header in enumerate(info.headers)}
    for column, value in values.items():
        index = by_header.get(normalize_header(column))
        if index is None:
            known = ", ".join(repr(h) for h in info.headers)
            raise UsageError(f"the table at line {info.line} has no column {column!r}", hint=f"columns: {known}")
        if index in (info.port_column, info.service_column):
            raise UsageError(f"set the {info.headers[index]!r} column with the command's own arguments, not --set")
        texts[index] = check_value(value, f"value for {column!r}")
    return texts


# Used with fullmatch; the look-behind keeps a search linear too (no restart inside a digit run).
_SUFFIXED = re.compile(r"(?<!\d)\d+(?:[-\u2013]\d+)?/(?:tcp|udp)", re.IGNORECASE)
_PREFIXED = re.compile(r"(?:tcp|udp)/\d+(?:[-\u2013]\d+)?", re.IGNORECASE)


def _protocol_style(registry: Registry, table_index: int) -> str | None:
    """``suffix`` when most port cells of the table read ``3478/udp``, ``prefix`` for ``udp/3478``, else None."""
    info = registry.tables[table_index]
    block = registry.document.blocks[info.block]
    assert isinstance(block, Table)
    cells = [strip_markup(row.texts[info.port_column]) for row in block.body if info.port_column < len(row.texts)]
    for style, pattern in (("suffix", _SUFFIXED), ("prefix", _PREFIXED)):
        if cells and 2 * sum(1 for cell in cells if pattern.fullmatch(cell)) > len(cells):
            return style
    return None


def _port_text(original: str, ports: Iterable[int]) -> str:
    """Ports written the way ``original`` writes them (dash, markup)."""
    dash = "\u2013" if "\u2013" in original else "-"
    wrapper = wrapper_of([original.strip()])
    text = ", ".join(str(span).replace("-", dash) for span in merge_spans(ports))
    return f"{wrapper}{text}{wrapper}"


def _holders(
    registry: Registry, port: int, protocols: Sequence[str], skip: Entry | None = None, host: str | None = None
) -> list[Entry]:
    """Entries holding ``port`` on ``host``, as validate counts them (container ports hold nothing)."""
    return [
        entry
        for entry in registry.by_port.get(port, ())
        if entry.service is not None
        and entry is not skip
        and set(entry.protocols) & set(protocols)
        and entry.host == host
        and registry.tables[entry.table].port_kind != "container"
    ]


def free_ports(
    registry: Registry,
    section: Section,
    count: int = 1,
    protocols: Sequence[str] = ("tcp",),
    host: str | None = None,
) -> list[int]:
    """The lowest ``count`` ports of the section's range no assigned entry uses (on ``host``: default the section's)."""
    if section.range is None:
        return []
    host = host if host is not None else section.host
    found = []
    for port in section.range:
        if not _holders(registry, port, protocols, host=host):
            found.append(port)
            if len(found) == count:
                break
    return found


def _room_elsewhere(registry: Registry) -> str:
    rooms = [
        f"{s.slug} ({s.range}, next {free[0]})"
        for s in registry.sections
        if s.range and (free := free_ports(registry, s))
    ]
    return "sections with room: " + "; ".join(rooms) if rooms else "no section has a free port"


def _choose_port(
    registry: Registry,
    section: Section,
    port: int | None,
    protocols: Sequence[str],
    moving: Entry | None = None,
    host: str | None = None,
) -> int:
    """The port a new (or ``moving``) entry gets in ``section`` on ``host``: ``port`` checked, or the next free one."""
    host = host if host is not None else section.host
    if port is None:
        if section.range is None:
            raise UsageError(
                f"section {section.heading!r} declares no range, so there is no next free port",
                path=registry.path,
                hint="pass --port",
            )
        own = moving.ports if moving is not None else ()
        free = [p for p in free_ports(registry, section, 1 + len(own), protocols, host) if p not in own]
        if not free:
            raise RefusedError(
                f"range {section.range} of {section.heading!r} is full",
                path=registry.path,
                hint=_room_elsewhere(registry),
            )
        return free[0]
    check_port(port)
    if section.range is not None and port not in section.range:
        raise RefusedError(
            f"port {port} is outside the range {section.range} of {section.heading!r}",
            path=registry.path,
            hint="pick a port in the range, or another --range",
        )
    taken = _holders(registry, port, protocols, skip=moving, host=host)
    if taken:
        raise RefusedError(
            f"port {port} is already assigned to {taken[0].service} (line {taken[0].line})",
            path=registry.path,
            hint=f"`mdports next-free --range {section.slug}` lists free ports",
        )
    return port


def _place(builder: _Builder, table_index: int, port: int, texts: list[str], key: EntryKey) -> None:
    """Put a new row for ``port`` into the table, consuming any placeholder that covers it."""
    registry = builder.registry
    target = builder.plan(table_index)
    new_item = target.new(texts, key)
    placed = False
    for entry in registry.by_port.get(port, ()):
        if entry.service is not None or entry.index in builder.replaced:
            continue
        plan = builder.plan(entry.table)
        position = plan.index_of(entry.row)
        old = plan.items[position]
        remainder = [p for p in entry.ports if p != port]
        below = [p for p in remainder if p < port]
        above = [p for p in remainder if p > port]
        replacement: list[_Item] = []
        rest: _Item | None = None
        for group in (below, above):
            if group:
                cells = list(old.row.texts)
                cells[plan.info.port_column] = _port_text(entry.port_text, group)
                # The first remainder keeps the placeholder's own line; another one is new.
                remainder_key = builder.key(entry.table, cells, None, group)
                item = plan.new(cells, remainder_key, like=old.row if not replacement else None)
                if group is below or plan is not target:
                    replacement.append(item)
                else:
                    rest = item
        builder.replaced.add(entry.index)
        if plan is target and not placed:
            replacement.append(new_item)
            placed = True
        plan.items[position : position + 1] = replacement
        if rest is not None:
            # Ports above the new one go where port order puts them ("3017, 3019" around 3018).
            plan.insert_sorted(rest)
    if not placed:
        target.insert_sorted(new_item)


def _vacate(builder: _Builder, entry: Entry, reserve: bool) -> None:
    """Delete the entry's row; with ``reserve`` leave a placeholder merged with its neighbours."""
    plan = builder.plan(entry.table)
    position = plan.index_of(entry.row)
    builder.replaced.add(entry.index)
    if not reserve:
        del plan.items[position]
        return
    ports = set(entry.ports)
    start, end = position, position + 1
    template: Row | None = None
    for neighbour in (position - 1, position + 1):
        if 2 <= neighbour < len(plan.items):
            item = plan.items[neighbour]
            # Touching ports merge: `3017-3019` next to 3016, and `3004, 3006` around 3005.
            if item.placeholder and item.spans and any(p - 1 in ports or p + 1 in ports for p in item.ports):
                ports |= item.ports
                template = template or item.row
                start, end = min(start, neighbour), max(end, neighbour + 1)
                if item.origin is not None and not item.fresh:
                    builder.replaced.update(
                        other.index
                        for other in builder.registry.entries
                        if other.table == entry.table and other.row == item.origin
                    )
    if template is not None:
        cells = list(template.texts)
        cells[plan.info.port_column] = _port_text(template.texts[plan.info.port_column], ports)
    else:
        # A placeholder the way this table writes them, on the entry's own line.
        column = plan.info.service_column or 0
        markers = [
            item.row.texts[column] for item in plan.items[2:] if item.placeholder and len(item.row.texts) > column
        ]
        marker = Counter(m for m in markers if m).most_common(1)[0][0] if any(markers) else DEFAULT_MARKER
        cells = [""] * len(plan.info.headers)
        cells[plan.info.port_column] = _port_text(entry.port_text, ports)
        cells[plan.info.service_column or 0] = marker
        template = plan.items[position].row
    plan.items[start:end] = [plan.new(cells, builder.key(entry.table, cells, None, ports), like=template)]


def _rewrite_cells(
    builder: _Builder,
    entry: Entry,
    cells: Mapping[int, str],
    service: str | None = None,
    ports: Iterable[int] | None = None,
) -> None:
    """Change some cells of an entry's row where it stands (``ports``: its new ports, if they change)."""
    plan = builder.plan(entry.table)
    position = plan.index_of(entry.row)
    texts = list(plan.items[position].row.texts)
    texts += [""] * (len(plan.info.headers) - len(texts))
    for column, text in cells.items():
        texts[column] = text
    key = builder.key(entry.table, texts, service or entry.service, entry.ports if ports is None else ports)
    plan.items[position] = plan.new(texts, key, origin=entry.row, like=plan.items[position].row)
    builder.replaced.add(entry.index)


def _replace_name(cell: str, old: str, new: str) -> str:
    """``cell`` with the service name ``old`` replaced by ``new``, markup and links kept."""
    if cell == old:
        return new
    # The first occurrence: in `[mana-auth](../services/mana-auth)` that is the link text; the
    # target names a folder or a page, which a rename does not move.
    index = cell.casefold().find(old.casefold())
    return cell[:index] + new + cell[index + len(old) :] if index >= 0 else new


def _entry_of(registry: Registry, key: str, *, assigned: bool = True) -> Entry:
    entry = registry.entry(key)
    if assigned and entry.service is None:
        raise RefusedError(f"port {key} is a placeholder, not a service", path=registry.path, hint="name a service")
    return entry


def _references(registry: Registry, entry: Entry) -> list[tuple[Entry, int, str]]:
    """Cells that refer to ``entry`` by name: (entry holding the cell, column, cell text)."""
    found = []
    name = (entry.service or "").casefold()
    for ref in registry.references:
        if ref.service.casefold() != name:
            continue
        holder = registry.entries[ref.entry]
        column = registry.tables[holder.table].headers.index(ref.header)
        found.append((holder, column, holder.cells[ref.header]))
    return found


# --- the operations --------------------------------------------------------------------------


def add(
    document: Document,
    name: str,
    *,
    range: str | None = None,
    port: int | None = None,
    cells: Mapping[str, str] | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    r"""Add a service: the lowest free port of the range (or ``port``), in port order.

    ``cells`` maps column headers (``Runtime``, ``Description``, anything) to values; other
    columns stay empty. Placeholder ports count as free and are consumed.

    >>> import mdports
    >>> doc = mdports.parse("## 3010-3019: Infra\n\n| Port | Service |\n|---|---|\n"
    ...                     "| 3010 | a |\n| 3011-3019 | *(reserved)* |\n")
    >>> edit = add(doc, "todo-worker", range="infra")
    >>> edit.ports, edit.text.splitlines()[-2:]
    ((3011,), ['| 3011 | todo-worker |', '| 3012-3019 | *(reserved)* |'])
    """
    registry = build(document, vocab)
    name = check_name(name)
    if range is not None:
        section = registry.section(range)
    elif port is not None:
        section = registry.section(str(check_port(port)))
    else:
        raise UsageError("give --range (or --port) to say where the service goes")
    table_index = _section_table(registry, section)
    info = registry.tables[table_index]
    values = dict(cells or {})
    style = _protocol_style(registry, table_index) if info.protocol_column is None else None
    transport = None
    if style is not None:  # a table that writes "3478/udp" takes --set Protocol=udp in the port cell
        transport = next((values.pop(c) for c in list(values) if normalize_header(c) in PROTOCOL_HEADERS), None)
    texts = _row_texts(registry, table_index, values, "0", name)
    cell_protocols = _protocols(transport or "tcp") if style else None
    if cell_protocols:
        written = "/".join(cell_protocols)
        texts[info.port_column] = texts[info.port_column].replace(
            "0", f"0/{written}" if style == "suffix" else f"{written}/0", 1
        )
    host = texts[info.host_column] if info.host_column is not None and texts[info.host_column] else None
    host = host or section.host
    group = service_name(texts[info.group_column]) or None if info.group_column is not None else None
    # A name is taken on its host and in its project: `shop / nginx` leaves `blog / nginx` free.
    existing = [
        e
        for e in registry.by_name.get(name.casefold(), ())
        if e.host == host and (e.group or "").casefold() == (group or "").casefold()
    ]
    if existing:
        raise RefusedError(f"{name} already exists at line {existing[0].line}", path=registry.path)
    protocols: Sequence[str] = cell_protocols or ("tcp",)
    if info.protocol_column is not None and texts[info.protocol_column]:
        protocols = _protocols(texts[info.protocol_column])
    port = _choose_port(registry, section, port, protocols, host=host)
    texts[info.port_column] = texts[info.port_column].replace("0", str(port), 1)
    builder = _Builder(document, registry)
    _place(builder, table_index, port, texts, builder.key(table_index, texts, name, [port]))
    builder.touch_date(date)
    change = Change("add", name, (port,), section.heading, f"added {name} on port {port} in {section.heading!r}")
    return builder.finish([change], (port,))


def _protocols(text: str) -> tuple[str, ...]:
    from ..model.vocabulary import APPLICATION_PROTOCOLS, PROTOCOLS

    value = strip_markup(text).lower()
    if value in PROTOCOLS:
        return PROTOCOLS[value]
    if value in APPLICATION_PROTOCOLS:  # the table names application protocols: HTTP is tcp
        return APPLICATION_PROTOCOLS[value]
    raise UsageError(f"unknown protocol {text!r} (use tcp, udp or tcp/udp)")


def remove(
    document: Document,
    key: str,
    *,
    reserve: bool = False,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    """Delete an entry's row; with ``reserve`` its ports become a placeholder (merged with neighbours)."""
    registry = build(document, vocab)
    entry = _entry_of(registry, key, assigned=False)
    if reserve and entry.service is None:
        raise RefusedError(f"port {key} is already a placeholder", path=registry.path)
    if reserve and not entry.spans:
        raise RefusedError(
            f"the port cell {entry.port_text!r} of {entry.service} (line {entry.line}) cannot be read, "
            "so there are no ports to reserve",
            path=registry.path,
            hint="fix the port cell first, or remove the row without --reserve",
        )
    references = _references(registry, entry) if entry.service else []
    if references:
        where = ", ".join(f"line {holder.line} ({holder.service})" for holder, _, _ in references)
        raise RefusedError(
            f"{entry.service} is referenced at {where}; removing it would leave dangling references",
            path=registry.path,
            hint="update or remove those references first",
        )
    builder = _Builder(document, registry)
    section = registry.sections[entry.section].heading
    port = int(key) if key.strip().isdigit() and key.strip().isascii() and len(key.strip()) <= 5 else None
    if entry.service is None and port is not None and set(entry.ports) - {port}:
        # One port of a placeholder such as `3017-3019`: the others stay reserved (`3017, 3019`).
        rest = sorted(set(entry.ports) - {port})
        text = _port_text(entry.port_text, rest)
        _rewrite_cells(builder, entry, {builder.registry.tables[entry.table].port_column: text}, ports=rest)
        builder.touch_date(date)
        message = f"removed port {port} from placeholder {entry.port_text} (now {text.strip()})"
        return builder.finish([Change("remove", None, (port,), section, message)])
    _vacate(builder, entry, reserve)
    builder.touch_date(date)
    what = entry.service or f"placeholder {entry.port_text}"
    message = f"removed {what} ({entry.port_text})" + (", ports reserved" if reserve else "")
    return builder.finish([Change("remove", entry.service, entry.ports, section, message)])


def rename(
    document: Document, old: str, new: str, *, date: datetime.date | None = None, vocab: Vocabulary = DEFAULT
) -> Edit:
    """Rename a service and every cross-reference to it (``3030 chat-backend`` -> ``3030 chat-server``)."""
    registry = build(document, vocab)
    entry = _entry_of(registry, old)
    assert entry.service is not None
    new = check_name(new)
    clash = registry.by_name.get(new.casefold())
    if clash and clash[0] is not entry:
        raise RefusedError(f"{new} already exists at line {clash[0].line}", path=registry.path)
    if new == entry.service:
        raise RefusedError(f"{entry.service} already has that name; nothing to do", path=registry.path)
    builder = _Builder(document, registry)
    info = registry.tables[entry.table]
    assert info.service_column is not None
    references = _references(registry, entry)
    own = {info.service_column: _replace_name(entry.service_text, entry.service, new)}
    for holder, column, text in references:
        if holder is entry:
            own[column] = _replace_name(text, entry.service, new)
    _rewrite_cells(builder, entry, own, service=new)
    by_holder: dict[int, dict[int, str]] = {}
    for holder, column, text in references:
        if holder is not entry:
            by_holder.setdefault(holder.index, {})[column] = _replace_name(text, entry.service, new)
    for index, cells in by_holder.items():
        _rewrite_cells(builder, registry.entries[index], cells)
    builder.touch_date(date)
    count = len(references)
    section = registry.sections[entry.section].heading
    message = f"renamed {entry.service} to {new}; {count} reference(s) updated"
    return builder.finish([Change("rename", new, entry.ports, section, message, count, old_service=entry.service)])


def move(
    document: Document,
    name: str,
    *,
    port: int | None = None,
    range: str | None = None,
    reserve: bool = False,
    drop_cells: bool = False,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    """Move a service to another port (and section when the range changes); references follow.

    Moving into a table that lacks a column the row fills is refused unless ``drop_cells``.
    """
    registry = build(document, vocab)
    entry = _entry_of(registry, name)
    assert entry.service is not None
    if len(entry.ports) != 1:
        raise RefusedError(
            f"{entry.service} has {len(entry.ports)} ports; move works on single-port entries",
            path=registry.path,
            hint="edit the port cell by hand, or remove and add",
        )
    current = registry.sections[entry.section]
    if range is not None:
        section = registry.section(range)
    elif port is not None:
        check_port(port)
        section = current if current.range is None or port in current.range else registry.section(str(port))
    else:
        raise UsageError("give --port or --range")
    keeps_host = registry.tables[_section_table(registry, section)].host_column is not None
    port = _choose_port(registry, section, port, entry.protocols, moving=entry, host=entry.host if keeps_host else None)
    if port in entry.ports and section.index == current.index:
        raise RefusedError(f"{entry.service} is already on port {port}; nothing to do", path=registry.path)
    table_index = _section_table(registry, section)
    source = registry.tables[entry.table]
    target = registry.tables[table_index]
    old_texts = list(registry.document.blocks[source.block].rows[entry.row].texts)  # type: ignore[union-attr]
    by_header = dict(zip(source.headers, old_texts, strict=False))
    lost = [h for h, t in by_header.items() if t and h not in target.headers]
    if lost and not drop_cells:
        raise RefusedError(
            f"the table at line {target.line} has no column for {', '.join(repr(h) for h in lost)} of {entry.service}",
            path=registry.path,
            hint="add the column to that table first, or pass --drop-cells",
        )
    texts = [by_header.get(header, "") for header in target.headers]
    texts[target.port_column] = _port_text(entry.port_text, [port])
    old_port = entry.ports[0]
    references = _references(registry, entry)
    for holder, column, text in references:
        if holder is entry and source is target:
            texts[column] = text.replace(str(old_port), str(port), 1)
    builder = _Builder(document, registry)
    # Place first: a placeholder the new port comes from is then split before the old
    # port, when reserved, merges with what is left of its neighbours.
    _place(builder, table_index, port, texts, builder.key(table_index, texts, entry.service, [port]))
    _vacate(builder, entry, reserve)
    by_holder: dict[int, dict[int, str]] = {}
    for holder, column, text in references:
        if holder is not entry:
            by_holder.setdefault(holder.index, {})[column] = text.replace(str(old_port), str(port), 1)
    for index, cells in by_holder.items():
        _rewrite_cells(builder, registry.entries[index], cells)
    builder.touch_date(date)
    message = f"moved {entry.service} from {old_port} to {port}"
    if section.index != current.index:
        message += f" ({current.heading!r} -> {section.heading!r})"
    message += f"; {len(references)} reference(s) updated"
    change = Change("move", entry.service, (port,), section.heading, message, len(references), old_ports=entry.ports)
    return builder.finish([change], (port,))


def set_cells(
    document: Document,
    name: str,
    cells: Mapping[str, str],
    *,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    """Change cells of a service's row (any column but port and service)."""
    registry = build(document, vocab)
    entry = _entry_of(registry, name, assigned=False)
    if not cells:
        raise UsageError("nothing to set", hint="pass --runtime, --description or --set COLUMN=VALUE")
    info = registry.tables[entry.table]
    texts = _row_texts(registry, entry.table, cells, entry.port_text, entry.service_text)
    by_header = {normalize_header(header): index for index, header in enumerate(info.headers)}
    changed = {by_header[normalize_header(column)]: texts[by_header[normalize_header(column)]] for column in cells}
    current = registry.document.blocks[info.block].rows[entry.row].texts  # type: ignore[union-attr]
    changed = {column: text for column, text in changed.items() if column >= len(current) or current[column] != text}
    builder = _Builder(document, registry)
    section = registry.sections[entry.section].heading
    if not changed:
        # Setting what is already there is done: nothing to write, and no new date.
        message = f"{entry.label} already has those values; nothing changed"
        return builder.finish([Change("set", entry.service, entry.ports, section, message)])
    _rewrite_cells(builder, entry, changed)
    builder.touch_date(date)
    listing = ", ".join(f"{info.headers[c]}={t!r}" for c, t in changed.items())
    return builder.finish([Change("set", entry.service, entry.ports, section, f"set {listing} on {entry.label}")])


def format_tables(document: Document, vocab: Vocabulary = DEFAULT, *, tables: Collection[int] | None = None) -> Edit:
    """``fmt``: rows in port order, adjacent placeholders merged, one cell style per table.

    Only registry tables change (only those whose indexes ``tables`` lists, when given);
    every other byte stays. Running it twice changes nothing.
    """
    registry = build(document, vocab)
    builder = _Builder(document, registry)
    changes: list[Change] = []
    for table_index, info in enumerate(registry.tables):
        if info.service_column is None or (tables is not None and table_index not in tables):
            continue
        plan = builder.plan(table_index)
        merged: list[_Item] = []
        for item in sorted(plan.items[2:], key=lambda item: (item.first is None, item.first or 0)):
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and previous.placeholder
                and item.placeholder
                and previous.spans
                and item.spans
                and max(previous.ports) + 1 == min(item.ports)
                and _same_cells_but_port(previous.row, item.row, info.port_column)
            ):
                cells = list(previous.row.texts)
                cells[info.port_column] = _port_text(cells[info.port_column], previous.ports | item.ports)
                merged[-1] = plan.new(cells, None)
                continue
            merged.append(item)
        width = len(info.headers)
        texts = [list(item.row.texts) + [""] * (width - len(item.row.texts)) for item in merged]
        sources = plan.items[:2] + merged
        if plan.style.widths is not None:
            rows = list(realign(plan.table, texts, plan.style))
        else:
            rows = [item.row for item in plan.items[:2]]
            rows += [plan.style.row(cells) for cells in texts]
        items = []
        for source, row in zip(sources, rows, strict=True):
            row = dataclasses.replace(row, eol=source.row.eol or row.eol)
            items.append(source if row == source.row else plan._item(source.origin, row, fresh=True))
        plan.items = items
        if [item.row for item in items] != list(plan.table.rows):
            heading = registry.sections[info.section].heading
            changes.append(Change("fmt", None, (), heading, f"formatted the table at line {info.line}"))
    # Merged placeholders change rows without changing what is assigned: the model check
    # compares ports per service instead of rows.
    return dataclasses.replace(builder.finish(changes), check_model=False)


def _entry_at(registry: Registry, line: int) -> Entry:
    for entry in registry.entries:
        if entry.line == line:
            return entry
    raise NotFoundError(f"no registry row at line {line}", path=registry.path)


def complete_row(document: Document, line: int) -> Edit:
    """Give the row at ``line`` the empty cells it lacks, in its table's style (MP105's fix)."""
    registry = build(document)
    entry = _entry_at(registry, line)
    builder = _Builder(document, registry)
    _rewrite_cells(builder, entry, {})  # rewriting a row pads it to the header's width
    section = registry.sections[entry.section].heading
    return builder.finish([Change("fill", entry.service, entry.ports, section, f"filled the cells of {entry.label}")])


def shrink_placeholder(document: Document, line: int) -> Edit:
    """Keep only the free ports of the placeholder at ``line``; drop it when none is free (MP103's fix)."""
    registry = build(document)
    entry = _entry_at(registry, line)
    if entry.service is not None or not entry.spans:
        raise RefusedError(f"the row at line {line} is not a placeholder", path=registry.path)
    free = [port for port in entry.ports if not _holders(registry, port, entry.protocols)]
    builder = _Builder(document, registry)
    if free:
        column = registry.tables[entry.table].port_column
        _rewrite_cells(builder, entry, {column: _port_text(entry.port_text, free)}, ports=free)
        message = f"shrank placeholder {entry.port_text} to {format_ports(free)}"
    else:
        _vacate(builder, entry, reserve=False)
        message = f"removed placeholder {entry.port_text}: every port of it is assigned"
    section = registry.sections[entry.section].heading
    return builder.finish([Change("shrink", None, tuple(free), section, message, old_ports=entry.ports)])


def renumber(document: Document, line: int, port: int) -> Edit:
    """Give the single-port row at ``line`` another port where it stands, references following.

    Unlike ``move`` it neither re-sorts the table nor consumes a placeholder: it is the one-line
    change a pull request suggestion can hold (``validate --fix`` tidies up after it).
    """
    registry = build(document)
    entry = _entry_at(registry, line)
    if entry.service is None or len(entry.ports) != 1:
        raise RefusedError(f"the row at line {line} is not a single-port service", path=registry.path)
    taken = _holders(registry, check_port(port), entry.protocols, skip=entry)
    if taken:
        raise RefusedError(f"port {port} is already assigned to {taken[0].service}", path=registry.path)
    info = registry.tables[entry.table]
    old_port = entry.ports[0]
    builder = _Builder(document, registry)
    own = {info.port_column: _port_text(entry.port_text, [port])}
    references = _references(registry, entry)
    for holder, column, text in references:
        new_text = text.replace(str(old_port), str(port), 1)
        if holder is entry:
            own[column] = new_text
        else:
            _rewrite_cells(builder, holder, {column: new_text})
    _rewrite_cells(builder, entry, own, ports=[port])
    section = registry.sections[entry.section].heading
    message = f"renumbered {entry.service} from {old_port} to {port}; {len(references)} reference(s) updated"
    change = Change("move", entry.service, (port,), section, message, len(references), old_ports=entry.ports)
    return builder.finish([change], (port,))


def _same_cells_but_port(a: Row, b: Row, port_column: int) -> bool:
    left = [t for i, t in enumerate(a.texts) if i != port_column]
    right = [t for i, t in enumerate(b.texts) if i != port_column]
    return left == right


# --- verification ----------------------------------------------------------------------------


def _error_keys(registry: Registry) -> Counter[tuple[str, tuple[int, ...]]]:
    from ..check.rules import validate

    return Counter(
        (finding.rule.id, finding.ports)
        for finding in validate(registry, errors_only=True).findings
        if finding.severity == "error"
    )


def verify(edit: Edit, *, errors: bool = True) -> Registry:
    """Parse the edit's text again and refuse it unless it is exactly what was intended.

    Checks: the lines outside those the edit touched are byte-for-byte the same; the new
    registry has exactly the intended entries (for ``fmt``: the same ports per service);
    no new error-level finding appears (unless ``errors=False``: the merge driver replays
    what the other side wrote and reports findings instead). Returns the new registry.
    """
    from ..syntax.document import parse

    text = edit.text
    after = parse(text, path=edit.before.path)
    old_lines = [line for block in edit.before.blocks for line in block.lines]
    new_lines = [line for block in after.blocks for line in block.lines]
    kept_old = [line for index, line in enumerate(old_lines) if index not in edit.removed_lines]
    kept_new = [line for index, line in enumerate(new_lines) if index not in edit.added_lines]
    if kept_old != kept_new or after.bom != edit.before.bom:
        raise RefusedError(
            "the edit would change lines it did not mean to touch; nothing was written",
            path=edit.before.path,
            hint="please report this as a bug",
        )
    known = edit.registry
    vocab = known.vocabulary if known is not None else DEFAULT  # read the new text as the old one was read
    before_registry = known if known is not None and known.document is edit.before else build(edit.before, vocab)
    new_registry = build(after, vocab)
    if edit.check_model:
        # Tables outside the edit's scope are byte for byte what they were (the line check above);
        # when every block also starts where the edit put it, they read back as they did.
        if edit.scope is not None and _shape(after) != _shape(edit.after):
            raise RefusedError(
                "the edited document would not read back as intended (its blocks would change); nothing was written",
                path=edit.before.path,
                hint="a cell value may break the table; check the values you passed",
            )
        intended = Counter(edit.expected)
        actual = model_keys(new_registry, edit.scope)
        if intended != actual:
            missing = next(iter(intended - actual), None)
            unexpected = next(iter(actual - intended), None)
            raise RefusedError(
                "the edited document would not read back as intended; nothing was written "
                f"(expected {missing}, read {unexpected})",
                path=edit.before.path,
                hint="a cell value may break the table; check the values you passed",
            )
    else:

        def ports_by_service(registry: Registry) -> Counter[tuple[str | None, int]]:
            return Counter((e.service, p) for e in registry.entries for p in e.ports)

        if ports_by_service(before_registry) != ports_by_service(new_registry):
            raise RefusedError("formatting would change the registry; nothing was written", path=edit.before.path)
    new_errors = _error_keys(new_registry) if errors else Counter()
    if new_errors:  # only then is it worth validating the old document too
        new_errors -= _error_keys(before_registry)
    if new_errors:
        listing = ", ".join(f"{rule} on port(s) {list(ports)}" for rule, ports in new_errors)
        raise RefusedError(
            f"the edit would introduce errors ({listing}); nothing was written",
            path=edit.before.path,
            hint="run `mdports validate` to see the document's problems",
        )
    return new_registry


def _shape(document: Document) -> list[tuple[type, int, int]]:
    """Each block's kind, first line and number of lines."""
    return [(type(block), block.start, block.line_count) for block in document.blocks]


def format_document(document: Document) -> Edit:
    """``fmt --mdformat``: the whole document in mdformat's canonical Markdown (GFM tables).

    Refused when mdformat would change what the document renders to, or the registry.
    Line endings and a BOM are kept as the document has them.
    """
    import mdformat
    from mdformat._util import is_md_equal

    from ..syntax.document import parse

    source = document.render()[len(document.bom) :]
    plain = source.replace("\r\n", "\n").replace("\r", "\n")
    try:
        formatted = mdformat.text(plain, extensions={"gfm"})
        same = is_md_equal(plain, formatted, extensions={"gfm"})
    except Exception as exc:  # mdformat's own failure (deep nesting makes it recurse too far)
        raise RefusedError(
            f"mdformat cannot format this document ({type(exc).__name__}: {str(exc)[:200]}); nothing was written",
            path=document.path,
            hint="run `mdports fmt` without --mdformat to normalize the registry tables only",
        ) from None
    if not same:
        raise RefusedError("mdformat would change how the document renders; nothing was written", path=document.path)
    newline = document.newline
    text = document.bom + formatted.replace("\n", newline)
    after = parse(text, path=document.path)
    before_lines = sum(block.line_count for block in document.blocks)
    after_lines = sum(block.line_count for block in after.blocks)
    changes = (
        [Change("fmt", None, (), "", "formatted the whole document with mdformat")] if text != document.render() else []
    )
    return Edit(
        document,
        after,
        tuple(changes),
        (),
        frozenset(range(before_lines)),
        frozenset(range(after_lines)),
        check_model=False,
    )
