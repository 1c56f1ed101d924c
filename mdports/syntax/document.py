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
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Union

from .gfm_table import block_tokens
from .row import Row, split_eol, split_lines

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


@dataclass(frozen=True, slots=True)
class Prose(_Verbatim):
    """Lines mdports does not interpret (paragraphs, lists, quotes, code, blank lines)."""

    start: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FrontMatter(_Verbatim):
    """A YAML/TOML front matter block at the top of the document, kept opaque."""

    start: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Html(_Verbatim):
    """A top-level HTML block, such as an ``<!-- mdports: ... -->`` comment."""

    start: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Heading(_Verbatim):
    """A top-level ATX or setext heading; ``text`` is its inline content."""

    start: int
    lines: tuple[str, ...]
    level: int
    text: str


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
