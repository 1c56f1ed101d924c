"""Edit operations: add, remove, rename, move, set and fmt, as a careful person would do them.

Each operation reads the registry of a :class:`~mdports.syntax.document.Document` and returns an
:class:`Edit`: the new document (only the touched table rows — and the "Last updated" line —
differ), what changed, and the model the new document must have. :func:`verify` checks an
edit by parsing its text again; :func:`mdports.api.edit_file` does lock, read, edit, verify
and atomic write in one go.

This package's modules, in the order an edit goes through them: :mod:`.inputs` (what the user
passes, checked), :mod:`.port_choice` (which port; which are free is :mod:`mdports.model.free_ports`),
:mod:`.cells` and :mod:`.references` (the cells to write), :mod:`.plan` and :mod:`.placement` (the rows
each table will have),
:mod:`.operations`, :mod:`.repairs` and :mod:`.fmt` (the edits themselves), :mod:`.result`
(what they return), :mod:`.verification` (the check before a write) and :mod:`.last_updated`
(the document's date). The names below are the ones other packages use.
"""

from __future__ import annotations

from .cells import port_text
from .fmt import format_document, format_tables
from .inputs import check_name
from .last_updated import date_span, today
from .operations import add, move, remove, rename, set_cells
from .plan import Builder, Item, TablePlan
from .port_choice import next_free
from .references import replace_name
from .repairs import complete_row, renumber, renumber_all, shrink_placeholder
from .result import Change, Edit, EntryKey, entry_key, model_keys, row_key
from .verification import verify

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
