"""One open document as the servers see it: its text, parsed and validated, and positions in it.

An :class:`Analysis` is made again for every version of the text (the model is never patched);
whatever cannot be read becomes :attr:`Analysis.error`, so a broken document still gets an
answer instead of a crashed server.

Positions as a language client counts them: 0-based lines, columns in UTF-8, UTF-16 or UTF-32
code units. mdports counts 1-based lines (ended by ``\\n``, ``\\r\\n`` or ``\\r``, as the LSP
does) and 1-based columns in characters; a client counts UTF-16 code units unless it negotiated
another encoding. :class:`Positions` converts both ways over one text.

>>> p = Positions("a\\n🚀b|c\\n", "utf-16")
>>> p.client(2, 2), p.offset(1, 3), p.offset(9, 0)
((1, 2), 4, 7)

What the language server sends, built from an :class:`~mdports.servers.analysis.Analysis`.

Findings become diagnostics (the cell a finding points at is the range), text edits become
workspace edits, sections and entries become document symbols, and a port or reference cell
being typed gets its completions: free ports of the section first, service names in a reference.
Positions are the client's (:class:`~mdports.servers.analysis.Positions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import field
from typing import cast

from lsprotocol import types as lsp

from .._gc import collector_paused
from ..errors import InputError, MdportsError
from ..files.config import Config, vocabulary
from ..model.lookup import Registry, free_ports
from ..model.reading import build
from ..model.registry import Entry, Reference
from ..model.sections import Section
from ..readonly import readonly
from ..rules.catalog import rule_url
from ..rules.findings import Finding, TextEdit
from ..rules.validation import validate
from ..syntax.document import Document, Table, parse
from ..syntax.row import MD_TRIM, LineIndex, Row, split_eol, split_lines

_WIDTH = {"utf-8": 1, "utf-16": 2, "utf-32": 4}


class Positions:
    """One text's lines, and conversions between mdports' and a client's positions."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.index = LineIndex(text)
        self.lines = self.index.lines
        self.encoding = encoding if encoding in _WIDTH else "utf-16"

    def _units(self, text: str) -> int:
        if self.encoding == "utf-32":
            return len(text)
        # surrogatepass: a lone surrogate (JSON can carry one) counts as the one unit it is.
        return len(text.encode(self.encoding.replace("utf-16", "utf-16-le"), "surrogatepass")) // _WIDTH[self.encoding]

    def content(self, line: int) -> str:
        """Line ``line`` (0-based) without its ending; empty past the end."""
        return split_eol(self.lines[line])[0] if 0 <= line < len(self.lines) else ""

    def client(self, line: int, column: int) -> tuple[int, int]:
        """The client's (line, character) of mdports' 1-based ``line:column``."""
        text = self.content(line - 1)
        if column - 1 > len(text) and line <= len(self.lines):
            return line, 0  # past the line's ending (the end of a text edit): the start of the next line
        return line - 1, self._units(text[: max(column - 1, 0)])

    def line_end(self, line: int) -> tuple[int, int]:
        """The client's position of the end of 1-based ``line``'s content (before its ending)."""
        return self.client(line, len(self.content(line - 1)) + 1)

    def column(self, line: int, character: int) -> int:
        """The 0-based character index in line ``line`` (0-based) of the client's ``character``."""
        text = self.content(line)
        if self.encoding == "utf-32":
            return min(character, len(text))
        units = 0
        for index, char in enumerate(text):
            if units >= character:
                return index
            units += self._units(char)
        return len(text)

    def offset(self, line: int, character: int) -> int:
        """The offset in the text of the client's position (clamped to the text, as the LSP asks)."""
        return self.index.start(line + 1) + (self.column(line, character) if line < len(self.lines) else 0)


# Checked as the user types: far above a real registry (65,535 entries are about 4 MiB), low
# enough that one keystroke never holds the server for long. Larger texts get one diagnostic.
LIVE_LIMIT = 8 * 2**20


@readonly
class Analysis:
    """A text with its document, registry and findings (all None/empty when :attr:`error` says why)."""

    text: str
    document: Document | None = None
    registry: Registry | None = None
    findings: tuple[Finding, ...] = ()
    error: MdportsError | None = None
    _rows: dict[int, tuple[Entry, ...]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_registry(self) -> bool:
        """Whether the text declares a registry table (a Markdown file without one is not served)."""
        return self.registry is not None and bool(self.registry.tables)

    def entries_on(self, line: int) -> tuple[Entry, ...]:
        """Entries (both layers) written on 1-based ``line``."""
        if self.registry is None:
            return ()
        if not self._rows:
            for entry in self.registry.every_entry:
                self._rows.setdefault(entry.line, ())
                self._rows[entry.line] += (entry,)
        return self._rows.get(line, ())

    def reference_at(self, line: int, column: int) -> Reference | None:
        """The cross-reference cell at 1-based ``line:column``, if the cursor is in one."""
        if self.registry is None:
            return None
        for reference in self.registry.references:
            if reference.line == line and self.cell_at(line, column) == self.cell_at(line, reference.column):
                return reference
        return None

    def table_at(self, line: int) -> tuple[int, Table] | None:
        """The registry table (its index in ``registry.tables``) holding 1-based ``line``."""
        if self.registry is None or self.document is None:
            return None
        for index, table in enumerate(self.registry.tables):
            block = self.document.blocks[table.block]
            if isinstance(block, Table) and block.start < line <= block.start + block.line_count:
                return index, block
        return None

    def cell_at(self, line: int, column: int) -> int | None:
        """The 0-based cell index of a table row under 1-based ``line:column``."""
        found = self.table_at(line)
        if found is None:
            return None
        row = found[1].rows[line - found[1].start - 1]
        return cell_index(row, column)

    def section_at(self, line: int) -> Section | None:
        """The section whose heading or body holds 1-based ``line``."""
        if self.registry is None:
            return None
        holder = None
        for section in self.registry.sections:
            if section.line <= line:
                holder = section
        return holder

    def section_end(self, section: Section) -> int:
        """The last line (1-based) of ``section``: before the next heading of its level or above."""
        assert self.registry is not None
        for other in self.registry.sections[section.index + 1 :]:
            if other.level <= section.level and other.line > section.line:
                return other.line - 1
        return max(len(split_lines(self.text)), section.line)

    def in_section(self, section: Section) -> Iterator[Entry]:
        assert self.registry is not None
        return (entry for entry in self.registry.every_entry if entry.section == section.index)


def cell_index(row: Row, column: int) -> int | None:
    """The cell of ``row`` under 1-based ``column`` (None left of the first pipe or past the last)."""
    offsets = row.offsets
    position = column - 1
    for index in range(len(offsets) - 1, -1, -1):
        if offsets[index] <= position <= offsets[index] + len(row.cells[index]):
            return index
    return None


def analyze(text: str, name: str, config: Config) -> Analysis:
    """Parse, read and validate ``text`` (called ``name`` in findings); every failure is an :attr:`~Analysis.error`."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > LIVE_LIMIT:
        return Analysis(
            text,
            error=InputError(
                f"is {size / 2**20:.1f} MiB, more than the {LIVE_LIMIT // 2**20} MiB checked as you type",
                path=name,
                line=1,
                hint="run `mdports validate` on it in a terminal",
            ),
        )
    try:
        # The model is thousands of acyclic objects made at once: the collector would walk them
        # again and again while they are made and free nothing (see mdports/_gc.py).
        with collector_paused():
            document = parse(text, path=name)
            registry = build(document, vocabulary(config))
            return Analysis(text, document, registry, validate(registry, config).findings)
    except MdportsError as error:
        return Analysis(text, error=error)
    except RecursionError:
        deep = InputError("is nested too deeply to be read", path=name, line=1, hint="run `mdports validate` on it")
        return Analysis(text, error=deep)


_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}
_PARTIAL_REFERENCE = re.compile(r"(\d{1,5})[ \t]+(\S*)")


def finding_range(finding: Finding, positions: Positions) -> lsp.Range:
    """The cell a finding points at: from its column to the next pipe (or the end of the line)."""
    line = positions.content(finding.line - 1)
    start = max(finding.column - 1, 0)
    pipe = line.find("|", start + 1 if line[start : start + 1] == "|" else start)
    end = len(line.rstrip(MD_TRIM)) if pipe < 0 else len(line[:pipe].rstrip(MD_TRIM))
    if end <= start:
        start, end = 0, len(line)
    first = positions.client(finding.line, start + 1)
    last = positions.client(finding.line, end + 1)
    return lsp.Range(lsp.Position(*first), lsp.Position(*last))


def diagnostic(finding: Finding, positions: Positions) -> lsp.Diagnostic:
    message = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
    return lsp.Diagnostic(
        range=finding_range(finding, positions),
        message=message,
        severity=_SEVERITY[finding.severity],
        code=finding.rule.id,
        code_description=lsp.CodeDescription(href=rule_url(finding.rule)),
        source="mdports",
        data={"rule": finding.rule.id, "line": finding.line, "column": finding.column},
    )


def diagnostics(analysis: Analysis, positions: Positions) -> list[lsp.Diagnostic]:
    """Every finding of the document, or the one error that kept it from being read."""
    error = analysis.error
    if error is not None:
        line = max(error.line or 1, 1)
        first = positions.client(line, min(error.column or 1, len(positions.content(line - 1)) + 1))
        message = error.message + (f"\nhint: {error.hint}" if error.hint else "")
        return [
            lsp.Diagnostic(
                range=lsp.Range(lsp.Position(*first), lsp.Position(*positions.line_end(line))),
                message=message,
                severity=lsp.DiagnosticSeverity.Error,
                source="mdports",
            )
        ]
    return [diagnostic(finding, positions) for finding in analysis.findings]


def workspace_edit(uri: str, changes: Sequence[TextEdit], positions: Positions) -> lsp.WorkspaceEdit:
    return lsp.WorkspaceEdit(changes={uri: [text_edit(change, positions) for change in changes]})


def text_edit(change: TextEdit, positions: Positions) -> lsp.TextEdit:
    start = positions.client(change.line, change.column)
    end = positions.client(change.end_line, change.end_column)
    return lsp.TextEdit(range=lsp.Range(lsp.Position(*start), lsp.Position(*end)), new_text=change.text)


def markdown_hover(text: str) -> lsp.Hover:
    fence = "````" if "```" in text else "```"
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=f"{fence}text\n{text}\n{fence}"))


def completions(analysis: Analysis, positions: Positions, at: lsp.Position) -> lsp.CompletionList | None:
    """Free ports in a port cell (the section's next ones first); service names in a reference cell."""
    registry = analysis.registry
    line = at.line + 1
    column = positions.column(at.line, at.character) + 1
    found = analysis.table_at(line)
    if registry is None or found is None or line - found[1].start - 1 < 2:
        return None  # outside a registry table's body
    table = registry.tables[found[0]]
    row = found[1].rows[line - found[1].start - 1]
    cell = analysis.cell_at(line, column)
    if cell is None:
        return None
    start = row.offsets[cell]
    typed = row.cells[cell][: column - 1 - start].lstrip(MD_TRIM)
    first = positions.client(line, column - len(typed))
    span = lsp.Range(lsp.Position(*first), at)
    if cell == table.port_column:
        section = registry.sections[table.section]
        ports = [p for p in free_ports(registry, section, 20) if str(p).startswith(typed)]
        items = [
            lsp.CompletionItem(
                label=str(port),
                kind=lsp.CompletionItemKind.Value,
                detail=f"free in {section.heading or section.title} ({section.range})",
                sort_text=f"{rank:03d}",
                text_edit=lsp.TextEdit(range=span, new_text=str(port)),
            )
            for rank, port in enumerate(ports)
        ]
        return lsp.CompletionList(is_incomplete=False, items=items)
    if cell in (table.service_column, table.protocol_column, table.host_column):
        return None
    partial = _PARTIAL_REFERENCE.fullmatch(typed)
    headers = {reference.header for reference in registry.references}
    header = table.headers[cell] if cell < len(table.headers) else ""
    if partial is None and not (typed == "" and header in headers):
        return None
    # The service holding a typed port is the one the reference means; else every planned service.
    holders = registry.by_port.get(int(partial.group(1)), ()) if partial is not None else ()
    items = []
    for entry in holders if any(e.service for e in holders) else registry.entries:
        if entry.service is None or not entry.spans or entry.layer != "planned":
            continue
        text = f"{entry.first_port} {entry.service}"
        if partial is not None and not entry.service.casefold().startswith(partial.group(2).casefold()):
            continue
        items.append(
            lsp.CompletionItem(
                label=entry.service,
                kind=lsp.CompletionItemKind.Reference,
                detail=f"{entry.first_port} · {registry.sections[entry.section].heading}",
                filter_text=text,
                text_edit=lsp.TextEdit(range=span, new_text=text),
            )
        )
    return lsp.CompletionList(is_incomplete=False, items=items)


def symbols(analysis: Analysis, positions: Positions) -> list[lsp.DocumentSymbol]:
    """Sections (nested by heading level, with their ranges) and their entries."""
    registry = analysis.registry
    if registry is None:
        return []
    children: dict[int, list[lsp.DocumentSymbol]] = {}
    top: list[lsp.DocumentSymbol] = []
    for section in registry.sections:
        entries = list(analysis.in_section(section))
        if not section.heading and not entries:
            continue
        end = analysis.section_end(section)
        whole = lsp.Range(lsp.Position(section.line - 1, 0), lsp.Position(*positions.line_end(end)))
        heading = lsp.Range(lsp.Position(section.line - 1, 0), lsp.Position(*positions.line_end(section.line)))
        symbol = lsp.DocumentSymbol(
            name=section.title or section.heading or "(before the first heading)",
            detail=str(section.range) if section.range else None,
            kind=lsp.SymbolKind.Namespace,
            range=whole,
            selection_range=heading,
            children=[_entry_symbol(entry, positions) for entry in entries],
        )
        children[section.index] = cast("list[lsp.DocumentSymbol]", symbol.children)
        # Under the nearest enclosing heading that has a symbol (sections without one are skipped).
        parent = section.parent
        while parent is not None and parent not in children:
            parent = registry.sections[parent].parent
        (children[parent] if parent is not None else top).append(symbol)
    return top


def _entry_symbol(entry: Entry, positions: Positions) -> lsp.DocumentSymbol:
    span = lsp.Range(lsp.Position(entry.line - 1, 0), lsp.Position(*positions.line_end(entry.line)))
    where = f" on {entry.host}" if entry.host else ""
    return lsp.DocumentSymbol(
        name=entry.service or f"({entry.marker or 'reserved'})",
        detail=f"{entry.port_text}{where}" + (" · running" if entry.layer == "running" else ""),
        kind=lsp.SymbolKind.Constant if entry.service else lsp.SymbolKind.Null,
        range=span,
        selection_range=span,
    )
