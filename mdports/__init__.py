"""mdports: keep a hand-written Markdown port registry honest.

Parse the document losslessly, read the registry it declares, validate it, and edit it
without disturbing a byte you did not mean to change.
"""

from .api import load, parse, registry, validate
from .config import Config
from .document import Document
from .errors import InputError, MdportsError, NotFoundError, RefusedError, UsageError
from .findings import Finding, Report, Rule
from .registry import Entry, Reference, Registry, Section

__all__ = [
    "Config",
    "Document",
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
    "load",
    "parse",
    "registry",
    "validate",
]
__version__ = "0.1.0"
