r"""The unified diff of two texts, as ``--diff`` prints it for the document and for deployment files.

Lines are split as everywhere in mdports (:func:`~mdports.syntax.row.split_lines`: ``\n``,
``\r\n`` and ``\r``), not as ``str.splitlines`` splits them (also at form feed, U+2028, ...),
so that a value holding such a character is one line of the diff, and ``patch`` and
``git apply`` take it.

>>> print(unified_diff("a\n| x\u2028y |\n", "a\n| z |\n", "ports.md"), end="")
--- a/ports.md
+++ b/ports.md
@@ -1,2 +1,2 @@
 a
-| x\u2028y |
+| z |
"""

from __future__ import annotations

from .row import split_lines


def unified_diff(old: str, new: str, path: str) -> str:
    """``--- a/PATH`` / ``+++ b/PATH`` and the changed hunks; '' when nothing changed."""
    import difflib  # only --diff pays for it: the edit commands import this module on every run

    name = path.lstrip("/")
    lines = difflib.unified_diff(split_lines(old), split_lines(new), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)
