"""A port header over cells of marks (``| Exposed |`` holding ``yes``/``no``) is a flag, not a port column."""

from __future__ import annotations

from dataclasses import replace

from ..syntax.document import Table
from .tables import Columns, read_columns
from .transport_marks import marks_only
from .vocabulary import Vocabulary


def without_flag_ports(block: Table, columns: Columns, vocab: Vocabulary) -> Columns:
    """The columns, with a port header whose cells are marks only read as a flag: ``Exposed``
    (``yes``/``no``) says whether the row's port is published, it holds no port."""
    flags = [index for index, _ in columns.ports if marks_only(block, index)]
    if not flags:
        return columns  # the usual case
    headers = tuple("" if index in flags else header for index, header in enumerate(block.header.texts))
    return replace(read_columns(headers, vocab), names=columns.names)
