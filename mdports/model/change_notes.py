"""Notes about a change are not the running layer: what a fix, a migration or a troubleshooting step did.

A document that records how a conflict was fixed shows ports as they were and as they became::

    ## Conflicts resolved
    ### After (fixed)
    - ✅ API Gateway: `3009` (External) → `3009` (Internal)

The list says what the fix changed, not what runs: the registry above it says that. A list under
a heading naming such a note (a fix, a resolved conflict, a migration, troubleshooting, a
change log) is not read as running ports; ``explain`` says so, and ``running-lists`` can still
force it. A heading that only says *when* (``After the move``, ``Running today``) is no such note.
"""

from __future__ import annotations

import re

# Words of a heading over a note about a change, in a few languages ("Before" is in .lists' own set).
_CHANGE_WORDS = frozenset(
    {"fixed", "fix", "fixes", "resolved", "resolution", "troubleshooting", "troubleshoot", "migration", "migrations"}
    | {"changelog", "problem", "problems", "workaround", "workarounds", "postmortem", "incident", "incidents"}
    | {"behoben", "fehlerbehebung", "migración", "solución", "correção", "migração", "修复", "迁移", "故障排除"}
)
_WORD = re.compile(r"[^\W_]+")


def change_note(heading: str) -> str | None:
    """The word of ``heading`` that names a note about a change ("After (Fixed)" -> ``fixed``), or None."""
    words: list[str] = _WORD.findall(heading.casefold())
    return next((word for word in words if word in _CHANGE_WORDS), None)
