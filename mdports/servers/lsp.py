"""``mdports lsp``: the language server (pygls) for port documents.

It serves the configured document and every Markdown file the client opens that has a
registry table: diagnostics on open and on each (incremental) change, hover, code actions
(the fixes of the fix model, and "move to the next free port"), completion of free ports and
service names, rename with cross-references, document symbols and folding, and formatting
(``mdports fmt``). Edits are the library's (:mod:`mdports.edits`), sent as text edits of the
lines they change, so the table keeps its own style.

The server keeps the text of each open document itself and applies incremental changes with
mdports' own line numbering (``\\n``, ``\\r\\n`` or ``\\r`` end a line, as the LSP says).
Nothing a document holds can stop it: what cannot be read becomes a diagnostic, and a failing
request is logged and answered with nothing.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from lsprotocol import types as lsp
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import edits
from .._gc import serving
from ..edits.targets import choose_port
from ..errors import MdportsError
from ..files.config import Config, vocabulary
from ..fixes import fixers as fixes
from ..fixes import text_edits
from ..model.names import fold_name
from ..model.registry import Entry
from ..output.listing import format_show, range_record
from ..rules.findings import Report
from ..version import __version__
from .analysis import (
    Analysis,
    Positions,
    analyze,
    completions,
    diagnostic,
    diagnostics,
    markdown_hover,
    symbols,
    text_edit,
    workspace_edit,
)

F = TypeVar("F", bound=Callable[..., Any])
REQUEST_FAILED = -32803  # the LSP's RequestFailed: the request was valid, the edit is refused
logger = logging.getLogger(__name__)


class PortServer(LanguageServer):
    """A language server that knows the configuration and keeps each open document's analysis."""

    def __init__(self, config: Config, document: Path | None) -> None:
        super().__init__("mdports", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.config = config
        self.vocab = vocabulary(config)
        self.configured = document.resolve() if document is not None else None
        self.texts: dict[str, str] = {}
        self.analyses: dict[str, Analysis] = {}

    def report_server_error(self, error: Exception, source: Any) -> None:
        """A message that could not be read (bad JSON, bytes that are not UTF-8, wrong params): say so, go on."""
        if source is FeatureRequestError:
            return  # the request's own error response says it
        message = f"mdports lsp: a message from the editor could not be handled and was ignored: {error}"
        self.window_show_message(lsp.ShowMessageParams(message=message, type=lsp.MessageType.Error))

    @property
    def encoding(self) -> str:
        try:
            kind = self.workspace.position_encoding
        except RuntimeError:  # before initialize: the LSP's default
            return "utf-16"
        return str(getattr(kind, "value", kind) or "utf-16")

    def positions(self, uri: str) -> Positions:
        return Positions(self.texts.get(uri, ""), self.encoding)

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current text (made once per version)."""
        text = self.texts.get(uri, "")
        found = self.analyses.get(uri)
        if found is None or found.text is not text:
            found = analyze(text, _name(uri), self.config)
            self.analyses[uri] = found
        return found

    def served(self, uri: str, analysis: Analysis) -> bool:
        """The configured document always; another Markdown file when it has a registry table."""
        path = to_fs_path(uri)
        if self.configured is not None and path is not None and Path(path).resolve() == self.configured:
            return True
        return analysis.has_registry or (analysis.error is not None and uri.lower().endswith((".md", ".markdown")))

    def publish(self, uri: str, version: int | None = None) -> None:
        analysis = self.analysis(uri)
        shown = diagnostics(analysis, self.positions(uri)) if self.served(uri, analysis) else []
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=shown, version=version)
        )


def _name(uri: str) -> str:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path).name if path else uri


def guarded(fallback: Callable[[], object]) -> Callable[[F], F]:
    """Run a handler; an unexpected exception is logged to the client and answered with ``fallback()``.

    A refused edit (:class:`MdportsError`) is the answer to a rename: it goes back as an error
    response with the message, so the editor shows why.
    """

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def run(server: PortServer, params: Any) -> Any:
            try:
                return handler(server, params)
            except MdportsError as error:
                raise JsonRpcException(str(error), code=REQUEST_FAILED) from None
            except Exception as error:
                logger.exception("mdports lsp: %s failed", handler.__name__)
                message = f"mdports: {handler.__name__} failed: {type(error).__name__}: {error} (a bug in mdports)"
                server.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
                return fallback()

        return cast(F, run)

    return wrap


def make_server(config: Config, document: Path | None) -> PortServer:
    """The language server with every feature registered."""
    server = PortServer(config, document)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guarded(lambda: None)
    def did_open(ls: PortServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.texts[params.text_document.uri] = params.text_document.text
        ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(lambda: None)
    def did_change(ls: PortServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        text = ls.texts.get(uri, "")
        for change in params.content_changes:
            if isinstance(change, lsp.TextDocumentContentChangePartial):
                positions = Positions(text, ls.encoding)
                start = positions.offset(change.range.start.line, change.range.start.character)
                end = positions.offset(change.range.end.line, change.range.end.character)
                text = text[:start] + change.text + text[max(start, end) :]
            else:
                text = change.text
        ls.texts[uri] = text
        ls.publish(uri, params.text_document.version)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(lambda: None)
    def did_close(ls: PortServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.texts.pop(uri, None)
        ls.analyses.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guarded(lambda: None)
    def hover(ls: PortServer, params: lsp.HoverParams) -> lsp.Hover | None:
        analysis = ls.analysis(params.text_document.uri)
        registry = analysis.registry
        if registry is None:
            return None
        positions = ls.positions(params.text_document.uri)
        line = params.position.line + 1
        column = positions.column(params.position.line, params.position.character) + 1
        reference = analysis.reference_at(line, column)
        entry: Entry | None = None
        if reference is not None:
            try:
                entry = registry.entry(reference.service)
            except MdportsError:
                return markdown_hover(f"{reference.port} {reference.service}: no such entry in the registry")
        else:
            entry = next(iter(analysis.entries_on(line)), None)
        if entry is not None:
            return markdown_hover(format_show(registry, entry, "text"))
        section = analysis.section_at(line)
        if section is not None and section.line == line:
            record = range_record(registry, section)
            free = "-" if record["free"] is None else record["free"]
            shown = f"{section.heading}\n  range     {section.range or '-'}\n  assigned  {record['assigned']}"
            shown += f"\n  reserved  {record['reserved']}\n  free      {free}\n  next free {record['next_free'] or '-'}"
            return markdown_hover(shown)
        return None

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.RefactorRewrite]),
    )
    @guarded(list)
    def code_action(ls: PortServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        if analysis.registry is None or analysis.document is None:
            return []
        positions = ls.positions(uri)
        first, last = params.range.start.line + 1, params.range.end.line + 1
        here = [f for f in analysis.findings if first <= f.line <= last]
        report = fixes.attach(Report(analysis.registry.path or "", tuple(here)), analysis.document, analysis.registry)
        actions = []
        for finding in report.findings:
            if finding.fix is None:
                continue
            actions.append(
                lsp.CodeAction(
                    title=f"{finding.rule.id}: {finding.fix.description}",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic(finding, positions)],
                    is_preferred=finding.fix.applicability == "safe",
                    edit=workspace_edit(uri, finding.fix.edits, positions),
                )
            )
        for entry in analysis.entries_on(first):
            action = _move_to_next_free(ls, uri, analysis, entry, positions)
            if action is not None:
                actions.append(action)
        return actions

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["|", " "]))
    @guarded(lambda: None)
    def completion(ls: PortServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        return completions(
            ls.analysis(params.text_document.uri), ls.positions(params.text_document.uri), params.position
        )

    @server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))
    @guarded(lambda: None)
    def rename(ls: PortServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        old = _service_at(ls, uri, analysis, params.position)
        if old is None or analysis.document is None:
            return None
        edit = edits.rename(analysis.document, old, params.new_name, date=edits.today(), vocab=ls.vocab)
        edits.verify(edit)
        return workspace_edit(uri, text_edits(edit), ls.positions(uri))

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    @guarded(lambda: None)
    def prepare_rename(ls: PortServer, params: lsp.PrepareRenameParams) -> lsp.PrepareRenamePlaceholder | None:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        old = _service_at(ls, uri, analysis, params.position)
        if old is None:
            return None
        line = ls.positions(uri).content(params.position.line)
        start = max(line.find(old), 0)
        span = lsp.Range(
            lsp.Position(*ls.positions(uri).client(params.position.line + 1, start + 1)),
            lsp.Position(*ls.positions(uri).client(params.position.line + 1, start + len(old) + 1)),
        )
        return lsp.PrepareRenamePlaceholder(range=span, placeholder=old)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded(list)
    def document_symbol(ls: PortServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        return symbols(ls.analysis(params.text_document.uri), ls.positions(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    @guarded(list)
    def folding_range(ls: PortServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
        analysis = ls.analysis(params.text_document.uri)
        if analysis.registry is None:
            return []
        spans = ((s.line - 1, analysis.section_end(s) - 1) for s in analysis.registry.sections if s.heading)
        return [lsp.FoldingRange(start_line=a, end_line=b) for a, b in spans if b > a]

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    @guarded(list)
    def formatting(ls: PortServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        if analysis.document is None or not analysis.has_registry:
            return []
        edit = edits.format_tables(analysis.document, ls.vocab)
        edits.verify(edit)
        positions = ls.positions(uri)
        return [text_edit(change, positions) for change in text_edits(edit)]

    return server


def _move_to_next_free(
    ls: PortServer, uri: str, analysis: Analysis, entry: Entry, positions: Positions
) -> lsp.CodeAction | None:
    """ "Move to the next free port" for a planned, assigned, uniquely named row of a section with a range."""
    registry, document = analysis.registry, analysis.document
    if registry is None or document is None or entry.service is None or entry.source != "table" or not entry.spans:
        return None
    section = registry.sections[entry.section]
    if section.range is None or len(registry.by_name.get(fold_name(entry.service), ())) != 1:
        return None
    try:
        port = choose_port(registry, section, None, entry.protocols or ("tcp",), moving=entry, host=entry.host)
        edit = edits.move(document, entry.service, port=port, date=edits.today(), vocab=ls.vocab)
        edits.verify(edit)
    except MdportsError:
        return None  # the range is full, or the move is refused: no action to offer
    if not edit.changed:
        return None
    return lsp.CodeAction(
        title=f"Move {entry.service} to the next free port ({port})",
        kind=lsp.CodeActionKind.RefactorRewrite,
        edit=workspace_edit(uri, text_edits(edit), positions),
    )


def _service_at(ls: PortServer, uri: str, analysis: Analysis, position: lsp.Position) -> str | None:
    """The service named at ``position``: a row's service cell, or the name in a cross-reference."""
    if analysis.registry is None:
        return None
    line = position.line + 1
    column = ls.positions(uri).column(position.line, position.character) + 1
    reference = analysis.reference_at(line, column)
    if reference is not None:
        return reference.service
    for entry in analysis.entries_on(line):
        if entry.service is not None and entry.source == "table":
            return entry.service
    return None


class _Brief(logging.Formatter):
    """Log lines for the editor's log panel: the first line and the exception, no traceback (MDPORTS_DEBUG shows it)."""

    def format(self, record: logging.LogRecord) -> str:
        head = f"mdports lsp: {record.levelname}: {record.getMessage().partition(chr(10))[0]}"
        error = record.exc_info[1] if record.exc_info else None
        return head + (f" ({type(error).__name__}: {error})" if error is not None else "")


def serve(config: Config, document: Path | None) -> None:
    """Run the language server on stdin and stdout until the client says exit."""
    handler = logging.StreamHandler()
    if not os.environ.get("MDPORTS_DEBUG"):
        handler.setFormatter(_Brief())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    server = make_server(config, document)
    serving()
    server.start_io()
