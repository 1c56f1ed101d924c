"""The servers: ``mdports lsp`` (a language server for editors) and ``mdports mcp`` (tools for coding agents).

Both run on stdio and sit on the library: the reader, validation with its fixes, the edit
operations and :func:`mdports.api.edit_file`. Their heavy dependencies (pygls, the mcp SDK)
come with the ``lsp`` and ``mcp`` extras and are imported only when a server starts, so the
base install and the start of every other command stay as they are.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import UsageError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` (a server's dependency), or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise UsageError(
            f"`mdports {extra}` needs the Python package {module!r}, which is not installed ({error})",
            hint=f"install the {extra!r} extra: pip install 'mdports[{extra}]' "
            f"(pipx: pipx inject mdports 'mdports[{extra}]'; uv: uv tool install 'mdports[{extra}]')",
        ) from None
