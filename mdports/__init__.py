"""mdports: keep a hand-written Markdown port registry honest.

Parse the document losslessly, read the registry it declares, validate it, and edit it
without disturbing a byte you did not mean to change.

The model's types are imported with the package; the functions of :mod:`mdports.api` and
the edit operations are imported on first use (PEP 562), so that ``mdports validate``,
which runs on every commit, does not pay for the edit machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._gc import collector_paused
from .version import __version__ as __version__

with collector_paused():  # about 4 ms of every start: see mdports/_gc.py
    from .errors import InputError, MdportsError, NotFoundError, RefusedError, UsageError
    from .files.config import Config
    from .model.lookup import Registry
    from .model.registry import Entry, Reference
    from .model.sections import Section
    from .rules.findings import Finding, Report, Rule
    from .syntax.document import Document

if TYPE_CHECKING:
    from .api import EditResult, edit_file, load, parse, registry, validate
    from .edits import Edit, add, format_tables, move, remove, rename, set_cells, verify
    from .model.lookup import free_ports

_LAZY = {
    **dict.fromkeys(("EditResult", "edit_file", "load", "parse", "registry", "validate"), ".api"),
    **dict.fromkeys(("Edit", "add", "format_tables", "move", "remove", "rename", "set_cells", "verify"), ".edits"),
    "free_ports": ".model.lookup",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # found once; later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
