"""Edit operations: add, remove, rename, move, set and fmt, as a careful person would do them.

Each operation reads the registry of a :class:`~mdports.syntax.document.Document` and returns an
:class:`Edit`: the new document (only the touched table rows — and the "Last updated" line —
differ), what changed, and the model the new document must have. :func:`verify` checks an
edit by parsing its text again; :func:`mdports.api.edit_file` does lock, read, edit, verify
and atomic write in one go.

This package's modules, in the order an edit goes through them: :mod:`.cells` (what the user
passes, checked, and the cells to write), :mod:`.targets` (which entry, which port and section; which ports
are free is :mod:`mdports.model.lookup`), :mod:`.plan` (the rows each table will have),
:mod:`.operations`, :mod:`.running` and :mod:`.repairs` (the edits themselves: add, remove, rename,
move, set; the running lists; fmt, the repairs of findings, accept comments) and :mod:`.result`
(what they return, the check before a write, the document's date). The names below are the ones
other packages use.
"""

from __future__ import annotations

from .cells import check_name, port_text, replace_name
from .operations import add, move, remove, rename, set_cells
from .plan import Builder, Item, TablePlan
from .repairs import complete_row, format_document, format_tables, renumber, renumber_all, shrink_placeholder
from .result import Change, Edit, EntryKey, date_span, entry_key, model_keys, row_key, today, verify
from .targets import next_free

__all__ = [
    "Builder",
    "Change",
    "Edit",
    "EntryKey",
    "Item",
    "TablePlan",
    "add",
    "check_name",
    "complete_row",
    "date_span",
    "entry_key",
    "format_document",
    "format_tables",
    "model_keys",
    "move",
    "next_free",
    "port_text",
    "remove",
    "rename",
    "renumber",
    "renumber_all",
    "replace_name",
    "row_key",
    "set_cells",
    "shrink_placeholder",
    "today",
    "verify",
]
