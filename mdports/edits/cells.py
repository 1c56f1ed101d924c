"""The cells an edit writes: what the user passes, checked, and the cells of new and changed rows.

- Inputs: cell values, service names, ports and protocols, checked before anything changes.
- Cells: written as their table writes them (markup, dashes, protocols).
- References: cells that refer to a service by name (``3030 chat-backend``), and how a rename
  rewrites one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from ..errors import UsageError
from ..model.lookup import Registry
from ..model.names import describe, find_name, fold_name
from ..model.ports import MAX_PORT, MIN_PORT, merge_spans, strip_markup
from ..model.registry import Entry, placeholder_marker, service_name
from ..model.vocabulary import normalize_header
from ..syntax.document import Table
from ..syntax.escaping import is_hidden, visible
from ..syntax.table_style import escape_cell, wrapper_of


def check_value(text: str, what: str) -> str:
    """A cell value made safe: refused when it has a line break, pipes escaped, outer spaces dropped."""
    if "\n" in text or "\r" in text:
        raise UsageError(f"{what} {text!r} contains a line break, which cannot live in a table cell")
    return escape_cell(text)


# Besides letters and digits, what real service names use; nothing that is Markdown or HTML
# syntax (a link, an image, a mention, a tag) or that changes how text is displayed.
_NAME_PUNCTUATION = frozenset(" -_./()+:")
NAME_CHARACTERS = "letters, digits, space and -_./()+:"
# UTS #39 (5.4): more than four combining marks on one letter is a pile no script needs.
_MAX_MARKS = 4


def _check_characters(text: str, what: str) -> None:
    """Refuse a character that is not plain (:data:`NAME_CHARACTERS`), naming it.

    Letters of every script count, with the combining marks they are written with (Devanagari's
    vowel signs and virama, an accent): a mark must follow a letter or digit, at most four
    together and none twice in a row.
    """
    marks = 0
    previous = ""
    # Marks are counted decomposed (NFD), as UTS #39 counts them: NFC would hide some in letters.
    for char in unicodedata.normalize("NFD", text):
        problem = _name_character(char, previous, marks)
        if problem is not None:
            raise UsageError(f"{what} {text!r} contains {problem}", hint=f"a {what} may use {NAME_CHARACTERS}")
        marks = marks + 1 if unicodedata.category(char).startswith("M") else 0
        previous = char


def check_name(name: str) -> str:
    """A new service name: plain characters only (:data:`NAME_CHARACTERS`), reading back as itself.

    The name is written in NFC, the form most text is in, so it compares and reads back as the
    same name whatever the keyboard produced.
    """
    _check_characters(name, "service name")
    name = unicodedata.normalize("NFC", name)
    cleaned = check_value(name, "service name")
    if not cleaned:
        raise UsageError("the service name is empty", hint="give a name such as todo-worker")
    if placeholder_marker(cleaned):
        raise UsageError(f"{name!r} would read as a placeholder marker, not a service name")
    if service_name(cleaned) != cleaned or (cleaned[0].isdigit() and cleaned.split()[0].isdigit()):
        raise UsageError(f"{name!r} would not read back as a service name", hint="use letters, digits and -_.")
    return cleaned


def _name_character(char: str, previous: str, marks: int) -> str | None:
    """What is wrong with ``char`` after ``previous`` (and ``marks`` combining marks) in a name, or None."""
    if is_hidden(char) or not char.isprintable():
        return f"{visible(char)}, a control or invisible character"
    category = unicodedata.category(char)
    if category in ("Mn", "Mc"):
        if not previous or not (previous.isalnum() or unicodedata.category(previous).startswith("M")):
            return f"{visible(char)} ({describe(char)}), a combining mark with no letter before it"
        if marks >= _MAX_MARKS or char == previous:
            return f"{visible(char)} ({describe(char)}), one combining mark too many on a letter"
        return None
    if char.isalnum() or char in _NAME_PUNCTUATION:
        return None
    if char.isascii():
        return f"{char!r}, which is Markdown or HTML syntax or other punctuation"
    return f"{char!r} ({describe(char)}), a symbol or punctuation, not a letter or digit"


def check_title(title: str) -> str:
    """A new section's title: plain characters only, as a service name, and not empty."""
    _check_characters(title, "section title")
    if not title.strip():
        raise UsageError("the section title is empty", hint="give a title such as 'Other ports'")
    return unicodedata.normalize("NFC", title.strip())


def check_port(port: int) -> int:
    if not MIN_PORT <= port <= MAX_PORT:
        raise UsageError(f"port {port} is outside 1-65535")
    return port


def check_protocol(text: str) -> tuple[str, ...]:
    from ..model.vocabulary import APPLICATION_PROTOCOLS, PROTOCOLS

    value = strip_markup(text).lower()
    if value in PROTOCOLS:
        return PROTOCOLS[value]
    if value in APPLICATION_PROTOCOLS:  # the table names application protocols: HTTP is tcp
        return APPLICATION_PROTOCOLS[value]
    raise UsageError(f"unknown protocol {text!r} (use tcp, udp or tcp/udp)")


def row_texts(registry: Registry, table_index: int, values: Mapping[str, str], port: str, name: str) -> list[str]:
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


def protocol_style(registry: Registry, table_index: int) -> str | None:
    """``suffix`` when most port cells of the table read ``3478/udp``, ``prefix`` for ``udp/3478``, else None."""
    info = registry.tables[table_index]
    block = registry.document.blocks[info.block]
    assert isinstance(block, Table)
    cells = [strip_markup(row.texts[info.port_column]) for row in block.body if info.port_column < len(row.texts)]
    for style, pattern in (("suffix", _SUFFIXED), ("prefix", _PREFIXED)):
        if cells and 2 * sum(1 for cell in cells if pattern.fullmatch(cell)) > len(cells):
            return style
    return None


def port_text(original: str, ports: Iterable[int]) -> str:
    """Ports written the way ``original`` writes them (dash, markup)."""
    dash = "\u2013" if "\u2013" in original else "-"
    wrapper = wrapper_of([original.strip()])
    text = ", ".join(str(span).replace("-", dash) for span in merge_spans(ports))
    return f"{wrapper}{text}{wrapper}"


def referring_cells(registry: Registry, entry: Entry) -> list[tuple[Entry, int, str]]:
    """Cells that refer to ``entry`` by name: (entry holding the cell, column, cell text)."""
    return cells_by_name(registry).get(fold_name(entry.service or ""), [])


def cells_by_name(registry: Registry) -> dict[str, list[tuple[Entry, int, str]]]:
    """Every referring cell (see :func:`referring_cells`), by the folded name (fold_name) it refers to.

    One pass over the references: an edit of many entries looks each one up in O(1).
    """
    found: dict[str, list[tuple[Entry, int, str]]] = {}
    for ref in registry.references:
        holder = registry.entries[ref.entry]
        column = registry.tables[holder.table].headers.index(ref.header)
        found.setdefault(fold_name(ref.service), []).append((holder, column, holder.cells[ref.header]))
    return found


def replace_name(cell: str, old: str, new: str) -> str:
    """``cell`` with the service name ``old`` replaced by ``new``, markup and links kept."""
    if cell == old:
        return new
    # The first occurrence: in `[mana-auth](../services/mana-auth)` that is the link text; the
    # target names a folder or a page, which a rename does not move.
    # In any spelling (case, NFC or NFD), as the reference was matched: see fold_name.
    found = find_name(cell, old)
    return cell[: found[0]] + new + cell[found[1] :] if found else new


def cased_like(new: str, old: str) -> str:
    """``new`` in the case a row writes its service's name: ``Kite`` for ``kite`` makes ``Kite2`` of ``kite2``.

    >>> cased_like("kite2", "Kite"), cased_like("kite2", "KITE"), cased_like("Kite2", "kite")
    ('Kite2', 'KITE2', 'Kite2')
    """
    if old.isupper() and len(old) > 1:
        return new.upper()
    if old[:1].isupper() and old[1:] == old[1:].lower() and new[:1].islower():
        return new[:1].upper() + new[1:]
    return new


def same_service_rows(registry: Registry, entry: Entry) -> list[Entry]:
    """The plan's other rows of ``entry``'s service (by name, in the same project) that a rename can rewrite."""
    found = []
    for other in registry.by_name.get(fold_name(entry.service or ""), ()):
        table = registry.tables[other.table] if other.source == "table" else None
        if other is entry or table is None or other.layer != "planned" or other.group != entry.group:
            continue
        if table.record or (table.addresses and table.service_column == table.port_column):
            continue  # a key/value record, or an upstream's address: not rewritten (entry_of says why)
        found.append(other)
    return found
