"""mdports: keep a hand-written Markdown port registry honest.

Parse the document losslessly, read the registry it declares, validate it, and edit it
without disturbing a byte you did not mean to change.
"""

from .api import EditResult, edit_file, load, parse, registry, validate
from .config import Config
from .document import Document
from .edits import Edit, add, format_tables, free_ports, move, remove, rename, set_cells, verify
from .errors import InputError, MdportsError, NotFoundError, RefusedError, UsageError
from .findings import Finding, Report, Rule
from .registry import Entry, Reference, Registry, Section

__all__ = [
    "Config",
    "Document",
    "Edit",
    "EditResult",
    "Entry",
    "Finding",
    "InputError",
    "MdportsError",
    "NotFoundError",
    "Reference",
    "RefusedError",
    "Registry",
    "Report",
    "Rule",
    "Section",
    "UsageError",
    "add",
    "edit_file",
    "format_tables",
    "free_ports",
    "load",
    "move",
    "parse",
    "registry",
    "remove",
    "rename",
    "set_cells",
    "validate",
    "verify",
]
__version__ = "0.1.0"
