"""A section of its own for ports outside every range: a heading and an empty table at the end.

``add --section NAME`` uses it when no section is called NAME. The new blocks copy the document:
the heading is written as the headings of the registry's sections are (ATX or setext, their
level), and the table's header and delimiter rows are those of the first registry table, byte
for byte, so the new section reads as if the document's author had written it.
"""

from __future__ import annotations

import dataclasses

from ..errors import RefusedError
from ..model.registry import Registry
from ..syntax.document import Block, Document, Heading, Prose, Table
from ..syntax.row import split_eol
from .result import Edit

OTHER_PORTS = "Other ports"


def with_section(registry: Registry, title: str) -> Document:
    """The registry's document with ``## TITLE`` (in its own style) and an empty registry table at the end."""
    document = registry.document
    template = next((t for t in registry.tables if t.service_column is not None), None)
    if template is None:
        raise RefusedError(
            f"the document has no registry table with a service column to copy for a new section {title!r}",
            path=registry.path,
            hint="add the section by hand: a heading and a 'Port | Service' table",
        )
    table = document.blocks[template.block]
    assert isinstance(table, Table)
    newline = document.newline
    blocks: list[Block] = list(document.blocks)
    last = blocks[-1]  # there is one: the template table
    if not last.render().endswith(("\n", "\r")):
        last = _ended(last, newline)
    separator = () if _blank(last.lines[-1]) else (newline,)
    if isinstance(last, Prose):  # the parser reads a blank line into the prose before it
        blocks[-1] = dataclasses.replace(last, lines=last.lines + separator)
    else:
        blocks[-1:] = [last, Prose(0, separator)] if separator else [last]
    blocks.append(_heading(registry, template.section, title, newline))
    blocks.append(Prose(0, (newline,)))
    blocks.append(Table(0, (table.header, table.delimiter)))
    return dataclasses.replace(document, blocks=tuple(blocks)).replace_blocks({})


def _blank(line: str) -> bool:
    return not split_eol(line)[0].strip()


def _ended(block: Block, newline: str) -> Block:
    """The last block with a line ending after its last line (the document had none)."""
    if isinstance(block, Table):
        rows = block.rows
        return dataclasses.replace(block, rows=(*rows[:-1], dataclasses.replace(rows[-1], eol=newline)))
    return dataclasses.replace(block, lines=(*block.lines[:-1], block.lines[-1] + newline))


def _heading(registry: Registry, section: int, title: str, newline: str) -> Heading:
    """A heading for ``title`` written like the heading of section ``section`` (level, ATX or setext)."""
    model = registry.sections[section]
    like = next(
        (b for b in registry.document.blocks if isinstance(b, Heading) and b.start + 1 == model.line),
        None,
    )
    level = like.level if like is not None else 2
    if like is not None and len(like.lines) == 2 and level <= 2:  # setext: the title, then === or ---
        underline = ("=" if level == 1 else "-") * max(3, len(title))
        return Heading(0, (title + newline, underline + newline), level, title)
    return Heading(0, ("#" * level + " " + title + newline,), level, title)


def edit_of(edit: Edit, original: Registry) -> Edit:
    """An edit of the document :func:`with_section` extended, as an edit of the ``original`` document.

    The original's lines are the extended document's first lines (the last one gains a line
    ending when it had none); every line after them is new.
    """
    before = original.document
    count = sum(block.line_count for block in before.blocks)
    ended = not count or before.render().endswith(("\n", "\r"))
    first_new = count if ended else count - 1
    total = sum(block.line_count for block in edit.after.blocks)
    return dataclasses.replace(
        edit,
        before=before,
        removed_lines=frozenset(i for i in edit.removed_lines if i < first_new) | frozenset(range(first_new, count)),
        added_lines=edit.added_lines | frozenset(range(first_new, total)),
        registry=original,
    )
