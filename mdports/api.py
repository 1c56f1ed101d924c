r"""The public API: parse, load, read the registry, validate.

>>> import mdports
>>> doc = mdports.parse("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n")
>>> doc.render().endswith("| 3001 | auth |\n")
True
>>> [(e.service, e.ports) for e in mdports.registry(doc).entries]
[('auth', (3001,))]
>>> mdports.validate(doc).findings
()
"""

from __future__ import annotations

import os

from . import document as _document
from . import registry as _registry
from . import rules as _rules
from .config import Config
from .document import Document
from .files import read_text
from .findings import Report
from .registry import Registry


def parse(text: str, *, path: str | None = None) -> Document:
    """Parse Markdown text into a lossless :class:`Document` (``parse(t).render() == t``)."""
    return _document.parse(text, path=path)


def load(path: str | os.PathLike[str]) -> Document:
    """Read and parse a UTF-8 Markdown file; raises :class:`InputError` naming the file."""
    name = os.fspath(path)
    return _document.parse(read_text(name), path=name)


def registry(document: Document) -> Registry:
    """The read-only registry model the document declares."""
    return _registry.build(document)


def validate(source: Document | Registry, config: Config | None = None) -> Report:
    """Every finding of every rule (see ``mdports.rules.RULES``) as a :class:`Report`."""
    model = source if isinstance(source, Registry) else _registry.build(source)
    return _rules.validate(model, config)
