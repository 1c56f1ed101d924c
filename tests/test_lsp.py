"""``mdports lsp`` end to end: the installed command, a real language client over stdio (pytest-lsp)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
import pytest_lsp
from conftest import BUNDLED, mdports_executable
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient
from server_documents import messy_document

import mdports
from mdports.fixes import apply_edits
from mdports.rules.findings import TextEdit

pytestmark = pytest.mark.asyncio


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[mdports_executable(), "--file", str(BUNDLED), "lsp"]))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, path: Path, text: str) -> str:
    uri = path.resolve().as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "markdown", 1, text)))
    await asyncio.wait_for(client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)
    return uri


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """A client's application of text edits (UTF-16 columns, here all ASCII)."""
    changes = [
        TextEdit(e.range.start.line + 1, e.range.start.character + 1, e.range.end.line + 1, e.range.end.character + 1,
                 e.new_text)
        for e in edits
    ]  # fmt: skip
    return apply_edits(text, changes)


async def test_diagnostics_of_the_messy_document_on_open(client: LanguageClient, tmp_path: Path) -> None:
    text = messy_document()
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    found = {(d.code, d.range.start.line + 1) for d in client.diagnostics[uri]}
    expected = {(f.rule.id, f.line) for f in mdports.validate(mdports.parse(text)).findings}
    assert found == expected and ("MP001", 583) in found and ("MP114", 7) in found  # the running layer too
    clash = next(d for d in client.diagnostics[uri] if d.code == "MP001")
    assert clash.severity == lsp.DiagnosticSeverity.Error and clash.source == "mdports"
    assert clash.code_description is not None
    assert clash.code_description.href.endswith("docs/rules.md#mp001-duplicate-port")
    line = text.splitlines()[582]
    assert line[clash.range.start.character : clash.range.end.character] == "8101"


def _line(text: str, needle: str) -> int:
    """The 0-based number of the first line holding ``needle``."""
    return next(number for number, line in enumerate(text.splitlines()) if needle in line)


async def _changed(client: LanguageClient, uri: str, version: int, change: lsp.TextDocumentContentChangeEvent) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(version=version, uri=uri), [change])
    )
    await asyncio.wait_for(client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)


async def test_incremental_changes_update_the_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    text = messy_document()
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    row = _line(text, "| 8101 | image-gen |")
    # Type over the taken port: the clash goes; then a new row with a taken port brings one back.
    fix = lsp.Range(lsp.Position(row, 2), lsp.Position(row, 6))
    await _changed(client, uri, 2, lsp.TextDocumentContentChangePartial(range=fix, text="8103"))
    assert "MP001" not in {d.code for d in client.diagnostics[uri]}
    after = lsp.Position(row + 1, 0)
    await _changed(
        client, uri, 3, lsp.TextDocumentContentChangePartial(range=lsp.Range(after, after), text="| 8100 | dup | |\n")
    )
    clashes = [d for d in client.diagnostics[uri] if d.code == "MP001"]
    assert [d.range.start.line for d in clashes] == [row + 1]
    # A whole-text change replaces everything.
    await _changed(client, uri, 4, lsp.TextDocumentContentChangeWholeDocument(text=BUNDLED.read_text()))
    bundled = mdports.validate(mdports.load(BUNDLED)).findings
    assert [(d.code, d.range.start.line + 1) for d in client.diagnostics[uri]] == [(f.rule.id, f.line) for f in bundled]


async def test_hover_names_owner_section_layers_and_references(client: LanguageClient, tmp_path: Path) -> None:
    text = messy_document()
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    doc = lsp.TextDocumentIdentifier(uri)
    row = _line(text, "| auth ")
    hover = await client.text_document_hover_async(lsp.HoverParams(doc, lsp.Position(row, 3)))
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    shown = hover.contents.value
    assert "auth: 3001 (assigned)" in shown and "3000-3099: Web services" in shown
    assert "running on prod-01: 3001" in shown and "llm-router (Depends on: 3001 auth)" in shown
    # On the cross-reference in llm-router's row: the entry it points at.
    ref_row = _line(text, "| 8101 | llm-router |")
    column = text.splitlines()[ref_row].index("3001 auth") + 2
    hover = await client.text_document_hover_async(lsp.HoverParams(doc, lsp.Position(ref_row, column)))
    assert hover is not None and "auth: 3001 (assigned)" in hover.contents.value  # type: ignore[union-attr]
    heading = _line(text, "## 8100-8199: GPU box")
    hover = await client.text_document_hover_async(lsp.HoverParams(doc, lsp.Position(heading, 4)))
    assert hover is not None and "next free 8103" in hover.contents.value  # type: ignore[union-attr]
    prose = _line(text, "Agents MUST")
    assert await client.text_document_hover_async(lsp.HoverParams(doc, lsp.Position(prose, 1))) is None


async def test_code_actions_are_the_fixes_and_a_move_to_the_next_free_port(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = messy_document()
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    doc = lsp.TextDocumentIdentifier(uri)
    row = _line(text, "| 8101 | image-gen |")
    span = lsp.Range(lsp.Position(row, 0), lsp.Position(row + 3, 0))
    context = lsp.CodeActionContext(diagnostics=client.diagnostics[uri])
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(doc, span, context))
    assert actions is not None
    by_title = {a.title: a for a in actions if isinstance(a, lsp.CodeAction)}
    clash = next(a for t, a in by_title.items() if t.startswith("MP001"))
    assert clash.kind == lsp.CodeActionKind.QuickFix and not clash.is_preferred  # it changes what the registry says
    order = next(a for t, a in by_title.items() if t.startswith("MP104"))
    assert order.is_preferred  # safe: the same registry, rows in order
    assert "Move image-gen to the next free port (8103)" in by_title
    assert clash.edit is not None and clash.edit.changes is not None
    fixed = _apply(text, clash.edit.changes[uri])
    assert "MP001" not in {f.rule.id for f in mdports.validate(mdports.parse(fixed)).findings}
    move = by_title["Move image-gen to the next free port (8103)"]
    assert move.edit is not None and move.edit.changes is not None
    moved = mdports.registry(mdports.parse(_apply(text, move.edit.changes[uri])))
    assert moved.entry("image-gen").ports == (8103,)


async def test_completion_offers_free_ports_then_service_names(client: LanguageClient, tmp_path: Path) -> None:
    text = messy_document()
    row = _line(text, "| 3003 ")
    lines = text.splitlines(keepends=True)
    lines.insert(row, "|  | new-service | tcp | 3001 a |\n")
    text = "".join(lines)
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    doc = lsp.TextDocumentIdentifier(uri)
    found = await client.text_document_completion_async(lsp.CompletionParams(doc, lsp.Position(row, 2)))
    assert isinstance(found, lsp.CompletionList)
    ports = [item.label for item in sorted(found.items, key=lambda i: i.sort_text or "")]
    expected = subprocess.run(
        [mdports_executable(), "next-free", "-r", "3000-3099", "-n", "3", "-f", "-"], input=text, text=True,
        capture_output=True, check=True,
    ).stdout.split()  # fmt: skip
    assert ports[:3] == expected == ["3000", "3002", "3004"]
    column = lines[row].index("3001 a") + len("3001 a")
    found = await client.text_document_completion_async(lsp.CompletionParams(doc, lsp.Position(row, column)))
    assert isinstance(found, lsp.CompletionList)
    assert [item.label for item in found.items] == ["auth"]
    assert found.items[0].text_edit is not None and found.items[0].text_edit.new_text == "3001 auth"  # type: ignore[union-attr]


async def test_rename_changes_the_row_and_every_reference(client: LanguageClient, tmp_path: Path) -> None:
    text = messy_document()
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    doc = lsp.TextDocumentIdentifier(uri)
    row = _line(text, "| auth ")
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(doc, lsp.Position(row, 12)))
    assert isinstance(prepared, lsp.PrepareRenamePlaceholder) and prepared.placeholder == "auth"
    edit = await client.text_document_rename_async(lsp.RenameParams(doc, lsp.Position(row, 12), "identity"))
    assert edit is not None and edit.changes is not None
    renamed = _apply(text, edit.changes[uri])
    expected = mdports.edits.rename(mdports.parse(text), "auth", "identity", date=mdports.edits.today()).text
    assert renamed == expected and "| 8101 | llm-router | 3001 identity |" in renamed
    # A name another service has is refused, with the reason.
    with pytest.raises(Exception, match="already"):
        await client.text_document_rename_async(lsp.RenameParams(doc, lsp.Position(row, 12), "whisper"))


async def test_symbols_folding_and_formatting(client: LanguageClient, tmp_path: Path) -> None:
    text = messy_document()
    uri = await _open(client, tmp_path / "PORT_SCHEMA.md", text)
    doc = lsp.TextDocumentIdentifier(uri)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc))
    assert symbols is not None
    assert [s.name for s in symbols] == ["Port registry"]  # the title holds every section
    top = symbols[0]
    assert isinstance(top, lsp.DocumentSymbol) and top.children is not None
    named = {s.name: s for s in top.children}
    gpu = named["GPU box"]
    assert gpu.detail == "8100-8199" and [c.name for c in gpu.children or []][:3] == [
        "whisper",
        "llm-router",
        "image-gen",
    ]
    assert gpu.range.start.line == _line(text, "## 8100-8199") and gpu.range.end.line == len(text.splitlines()) - 1
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(doc))
    assert folds and any(f.start_line == _line(text, "## 8100-8199") for f in folds)
    formatted = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(doc, lsp.FormattingOptions(tab_size=4, insert_spaces=True))
    )
    assert formatted
    assert _apply(text, formatted) == mdports.edits.format_tables(mdports.parse(text)).text
