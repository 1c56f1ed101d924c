"""Where markdown-it's blocks are, and its GFM table rule made cheap for large registries.

The document layer needs only the line range of each top-level block. markdown-it's own
table rule pushes a ``tr``/``td``/``inline`` token for every cell, which is most of the cost
of parsing a large registry; :func:`_table_extent` decides where a table ends by the same
tests and pushes only ``table_open`` and ``table_close``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


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
