"""The lossless document: Markdown text cut into blocks that keep their original lines.

markdown-it-py finds where the top-level blocks are (``Token.map`` line ranges); the text
itself is always sliced from the input, never re-printed. Every block stores its raw lines
(with their own line endings), so ``parse(text).render() == text`` holds by construction:
rendering is a concatenation of what was read. Edits replace whole blocks or table rows
with new raw text and leave every other line object untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import TYPE_CHECKING, Any, Union

from ..readonly import readonly
from .row import Row, split_eol, split_lines

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


BOM = "\ufeff"
# YAML front matter closes with --- or ..., TOML front matter (Hugo, Zola) opens and closes with +++.
_FRONT_MATTER = {"---": re.compile(r"(?:---|\.\.\.)[ \t]*"), "+++": re.compile(r"\+\+\+[ \t]*")}


class _Verbatim:
    """A block kept as its lines: it renders them, and has as many lines as it holds."""

    __slots__ = ()
    lines: tuple[str, ...]

    @property
    def line_count(self) -> int:
        return len(self.lines)

    def render(self) -> str:
        return "".join(self.lines)


@readonly
class Prose(_Verbatim):
    """Lines mdports does not interpret (paragraphs, lists, quotes, code, blank lines)."""

    start: int
    lines: tuple[str, ...]


@readonly
class FrontMatter(_Verbatim):
    """A YAML/TOML front matter block at the top of the document, kept opaque."""

    start: int
    lines: tuple[str, ...]


@readonly
class Html(_Verbatim):
    """A top-level HTML block, such as an ``<!-- mdports: ... -->`` comment."""

    start: int
    lines: tuple[str, ...]


@readonly
class Heading(_Verbatim):
    """A top-level ATX or setext heading; ``text`` is its inline content."""

    start: int
    lines: tuple[str, ...]
    level: int
    text: str


@readonly
class Table:
    """A top-level GFM table: header row, delimiter row, then body rows."""

    start: int
    rows: tuple[Row, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """Every row as written, line ending included (as every block's ``lines``)."""
        return tuple(row.render() for row in self.rows)

    @property
    def line_count(self) -> int:
        return len(self.rows)

    @property
    def header(self) -> Row:
        return self.rows[0]

    @property
    def delimiter(self) -> Row:
        return self.rows[1]

    @property
    def body(self) -> tuple[Row, ...]:
        return self.rows[2:]

    def render(self) -> str:
        return "".join(row.render() for row in self.rows)


Block = Union[Prose, FrontMatter, Html, Heading, Table]  # noqa: UP007 (a runtime alias on 3.10)


@readonly
class Document:
    """A Markdown document as a sequence of blocks that render back to the exact input."""

    blocks: tuple[Block, ...]
    bom: str = ""
    path: str | None = dataclasses.field(default=None, compare=False)

    def render(self) -> str:
        """The document's text: the input itself when nothing was edited."""
        return self.bom + "".join(block.render() for block in self.blocks)

    def tables(self) -> Iterator[tuple[int, Table]]:
        """Every top-level table with its block index."""
        for index, block in enumerate(self.blocks):
            if isinstance(block, Table):
                yield index, block

    def line(self, number: int) -> str:
        """The text of 1-based line ``number`` without its ending ('' when out of range)."""
        for block in self.blocks:
            count = block.line_count
            if block.start < number <= block.start + count:
                offset = number - block.start - 1
                raw = block.rows[offset].render() if isinstance(block, Table) else block.lines[offset]
                return split_eol(raw)[0]
        return ""

    @property
    def newline(self) -> str:
        """The line ending most lines use (``\\n`` when the document has none)."""
        counts: dict[str, int] = {}
        for block in self.blocks:
            for raw in block.lines:
                eol = split_eol(raw)[1]
                if eol:
                    counts[eol] = counts.get(eol, 0) + 1
        return max(counts, key=lambda eol: counts[eol]) if counts else "\n"

    def replace_blocks(self, changes: dict[int, Block]) -> Document:
        """A new document with the blocks at the given indexes replaced (line numbers redone)."""
        blocks = [changes.get(index, block) for index, block in enumerate(self.blocks)]
        start = 0
        for index, block in enumerate(blocks):
            if block.start != start:
                blocks[index] = dataclasses.replace(block, start=start)
            start += block.line_count
        return dataclasses.replace(self, blocks=tuple(blocks))


def _front_matter_end(lines: list[str]) -> int:
    """Number of lines of a leading front matter block (0 when there is none)."""
    close = _FRONT_MATTER.get(split_eol(lines[0])[0].rstrip(" \t")) if lines else None
    if close is None:
        return 0
    for index in range(1, len(lines)):
        if close.fullmatch(split_eol(lines[index])[0]):
            return index + 1
    return 0


# Table lines already cut into rows, while shared_rows() is active (None otherwise).
_SHARED_ROWS: ContextVar[dict[str, Row] | None] = ContextVar("_SHARED_ROWS", default=None)


@contextlib.contextmanager
def shared_rows() -> Iterator[None]:
    """Within the block, :func:`parse` cuts each distinct table line once, in however many documents.

    A merge parses four versions of one document that share nearly every row; a :class:`Row`
    is immutable, so the versions can share the objects (a third less parsing, less memory).
    """
    token = _SHARED_ROWS.set(_SHARED_ROWS.get() or {})
    try:
        yield
    finally:
        _SHARED_ROWS.reset(token)


def _shared_row(rows: dict[str, Row], line: str) -> Row:
    row = rows.get(line)
    if row is None:
        row = rows[line] = Row.parse(line)
    return row


def parse(text: str, *, path: str | None = None) -> Document:
    """Parse Markdown text into a lossless :class:`Document`.

    >>> doc = parse("# Ports\\r\\n\\n| Port | Service |\\n|---|---|\\n| 80 | web |")
    >>> [type(block).__name__ for block in doc.blocks]
    ['Heading', 'Prose', 'Table']
    >>> doc.render() == "# Ports\\r\\n\\n| Port | Service |\\n|---|---|\\n| 80 | web |"
    True
    """
    bom = BOM if text.startswith(BOM) else ""
    lines = split_lines(text[len(bom) :])
    front = _front_matter_end(lines)
    # Front matter is blanked out (not removed) so markdown-it's line numbers stay ours.
    source = "\n" * front + "".join(lines[front:]) if front else "".join(lines)
    blocks: list[Block] = []
    if front:
        blocks.append(FrontMatter(0, tuple(lines[:front])))
    cursor = front

    def prose_until(end: int) -> None:
        if end > cursor:
            if blocks and isinstance(blocks[-1], Prose):
                previous = blocks.pop()
                blocks.append(Prose(previous.start, previous.lines + tuple(lines[cursor:end])))
            else:
                blocks.append(Prose(cursor, tuple(lines[cursor:end])))

    shared = _SHARED_ROWS.get()
    make_row = Row.parse if shared is None else functools.partial(_shared_row, shared)
    tokens = block_tokens(source)
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        start, end = token.map
        if start < cursor:  # blanked front matter lines are never a block of their own
            continue
        block: Block | None = None
        if token.type == "heading_open":
            block = Heading(start, tuple(lines[start:end]), int(token.tag[1:]), tokens[index + 1].content)
        elif token.type == "table_open":
            block = Table(start, tuple(map(make_row, lines[start:end])))
        elif token.type == "html_block":
            block = Html(start, tuple(lines[start:end]))
        if block is None:
            continue
        prose_until(start)
        blocks.append(block)
        cursor = end
    prose_until(len(lines))
    return Document(tuple(blocks), bom, path)


# Where markdown-it's blocks are, and its GFM table rule made cheap for large registries.
#
# The document layer needs only the line range of each top-level block. markdown-it's own
# table rule pushes a ``tr``/``td``/``inline`` token for every cell, which is most of the cost
# of parsing a large registry; :func:`_table_extent` decides where a table ends by the same
# tests and pushes only ``table_open`` and ``table_close``.


def _table_extent(gfm: ModuleType, state: Any, start: int, end: int, silent: bool) -> bool:
    """markdown-it's GFM table rule, finding where a table ends without a token per cell.

    Whether a table starts at ``start`` is decided by markdown-it's own rule (in its silent
    mode). Where it ends is decided here by the same tests markdown-it's rule applies to
    every body row — indentation, the block rules that end a blockquote, an empty line, an
    indented code line and (markdown-it-py >= 4) the limit on autocompleted cells — but
    without the ``tr``/``td``/``inline`` tokens it would push for every cell, which are most
    of the cost of parsing a large registry. Only ``table_open`` and ``table_close`` are
    pushed, with the table's line range. ``tests/test_fuzz.py`` checks that the ranges are
    the ones markdown-it's own full parse gives. The ``table_open`` token's ``meta["wide"]``
    lists the body rows (0-based line, cells) with more cells than the header: GFM drops the
    text of the cells past the header's count, so a formatter that re-prints the table would too.
    """
    if not gfm.table(state, start, end, True):
        return False
    if silent:
        return True
    limit: int | None = getattr(gfm, "MAX_AUTOCOMPLETED_CELLS", None)
    trim: Callable[[str], str] = getattr(gfm, "mdTrim", str.strip)
    src = state.src
    header = trim(gfm.getLine(state, start))
    columns = _cell_count(header, gfm.escapedSplit)
    parent = state.parentType
    state.parentType = "table"
    terminators = state.md.block.ruler.getRules("blockquote")
    autocompleted = 0
    wide: list[tuple[int, int]] = []
    line = start + 2
    while line < end:
        if state.sCount[line] < state.blkIndent:
            break
        first = state.bMarks[line] + state.tShift[line]
        # No block rule that ends a blockquote (fence, quote, rule, list, HTML, heading)
        # starts with a pipe: most rows of a registry table need not ask them.
        if src[first : first + 1] != "|" and any(rule(state, line, end, True) for rule in terminators):
            break
        text = trim(src[first : state.eMarks[line]])
        if not text or state.is_code_block(line):
            break
        cells = _cell_count(text, gfm.escapedSplit)
        if limit is not None:
            autocompleted += columns - cells
            if autocompleted > limit:
                break
        if cells > columns:
            wide.append((line, cells))
        line += 1
    state.parentType = parent
    opening = state.push("table_open", "table", 1)
    opening.map = [start, line]
    opening.meta = {"columns": columns, "wide": tuple(wide)}
    state.push("table_close", "table", -1)
    state.line = line
    return True


def _cell_count(text: str, escaped_split: Callable[[str], list[str]]) -> int:
    """How many cells markdown-it reads in a trimmed table line (its ``escapedSplit``, edges dropped)."""
    if "\\" in text:
        columns = escaped_split(text)
        first = 1 if columns[0] == "" else 0
        last = len(columns) - 1 if len(columns) > first and columns[-1] == "" else len(columns)
        return last - first
    # Without a backslash no pipe is escaped: the cells are the text split at every pipe.
    count = text.count("|") + 1
    first = 1 if text.startswith("|") else 0
    return count - first - (1 if count > first and text.endswith("|") else 0)


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Block structure is all we need: inline parsing is off, and tables are found by
    # _table_extent, which does not make a token for every cell.
    md = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
    gfm = importlib.import_module("markdown_it.rules_block.table")  # the module, not the rule it exports
    md.block.ruler.at("table", functools.partial(_table_extent, gfm), {"alt": ["paragraph", "reference"]})
    return md


def block_tokens(text: str) -> list[Any]:
    """markdown-it's block tokens of ``text`` (no inline parsing), with their ``.map`` line ranges."""
    return _markdown().parse(text) if text.strip() else []
