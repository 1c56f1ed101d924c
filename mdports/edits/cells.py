"""The cells of new and changed rows, written as their table writes them (markup, dashes, protocols)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..errors import UsageError
from ..model.ports import merge_spans, strip_markup
from ..model.registry import Registry, placeholder_marker
from ..model.vocabulary import normalize_header
from ..syntax.document import Table
from ..syntax.table_style import wrapper_of
from .inputs import check_value


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
