"""What the language server sends, built from an :class:`~mdports.servers.analysis.Analysis`.

Findings become diagnostics (the cell a finding points at is the range), text edits become
workspace edits, sections and entries become document symbols, and a port or reference cell
being typed gets its completions: free ports of the section first, service names in a reference.
Positions are the client's (:class:`~mdports.servers.analysis.Positions`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from lsprotocol import types as lsp

from ..model.lookup import free_ports
from ..model.registry import Entry
from ..rules.catalog import rule_url
from ..rules.findings import Finding, TextEdit
from ..syntax.row import MD_TRIM
from .analysis import Analysis, Positions

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
