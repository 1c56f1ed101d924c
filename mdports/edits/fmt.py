"""``fmt``: the registry tables in port order and one cell style, or the whole document through mdformat.

:func:`format_tables` changes only registry tables; :func:`format_document` (``fmt --mdformat``)
writes the whole document in mdformat's canonical Markdown and refuses when that would change
what it renders to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from ..errors import RefusedError
from ..model.reading import build
from ..model.vocabulary import DEFAULT, Vocabulary
from ..syntax.document import Document
from ..syntax.gfm_table import block_tokens
from ..syntax.row import Row, split_lines
from ..syntax.table_style import realign
from .cells import port_text
from .plan import Builder, Item
from .result import Change, Edit


def format_tables(document: Document, vocab: Vocabulary = DEFAULT, *, tables: Collection[int] | None = None) -> Edit:
    """``fmt``: rows in port order, adjacent placeholders merged, one cell style per table.

    Only registry tables change (only those whose indexes ``tables`` lists, when given);
    every other byte stays. Running it twice changes nothing.
    """
    registry = build(document, vocab)
    builder = Builder(document, registry)
    changes: list[Change] = []
    for table_index, info in enumerate(registry.tables):
        if info.service_column is None or (tables is not None and table_index not in tables):
            continue
        plan = builder.plan(table_index)
        merged: list[Item] = []
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
                cells[info.port_column] = port_text(cells[info.port_column], previous.ports | item.ports)
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


def _same_cells_but_port(a: Row, b: Row, port_column: int) -> bool:
    left = [t for i, t in enumerate(a.texts) if i != port_column]
    right = [t for i, t in enumerate(b.texts) if i != port_column]
    return left == right


def format_document(document: Document) -> Edit:
    """``fmt --mdformat``: the whole document in mdformat's canonical Markdown (GFM tables).

    Front matter (YAML or TOML) and the blank lines after it are kept byte for byte: mdformat
    formats only what follows (it would read ``---`` as a thematic break and the YAML as a
    heading). Refused when a table row has more cells than its header (GFM drops their text,
    so mdformat would), or when mdformat would change what the document renders to, or the
    registry. Line endings and a BOM are kept as the document has them.
    """
    import mdformat
    from mdformat._util import is_md_equal

    from ..syntax.document import FrontMatter, parse

    kept = document.blocks[0].lines if document.blocks and isinstance(document.blocks[0], FrontMatter) else ()
    lines = split_lines(document.render()[len(document.bom) :])
    while kept and len(kept) < len(lines) and not lines[len(kept)].strip():
        kept += (lines[len(kept)],)
    plain = "".join(lines[len(kept) :]).replace("\r\n", "\n").replace("\r", "\n")
    _refuse_wide_rows(plain, len(kept), document.path)
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
    text = document.bom + "".join(kept) + formatted.replace("\n", newline)
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
        frozenset(range(len(kept), before_lines)),
        frozenset(range(len(kept), after_lines)),
        check_model=False,
    )


def _refuse_wide_rows(text: str, offset: int, path: str | None) -> None:
    """Refuse a table row with more cells than its header, anywhere (in a quote, a list).

    GFM drops the text of the cells past the header's count, so mdformat's re-printed table
    would lose it while rendering the same HTML (``is_md_equal`` cannot see the loss).
    """
    for token in block_tokens(text):
        if token.type == "table_open" and token.meta.get("wide"):
            line, cells = token.meta["wide"][0]
            columns = token.meta["columns"]
            raise RefusedError(
                f"a table row has {cells} cells, its header {columns}: mdformat would drop the text past cell "
                f"{columns}; nothing was written",
                path=path,
                line=offset + line + 1,
                hint="add the missing header cells, or escape a | that is not a cell border as \\|",
            )
