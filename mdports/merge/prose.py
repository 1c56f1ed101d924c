"""The prose layer of the merge, and conflict markers.

Prose -- everything but registry tables and running lists -- is merged as text by ``git merge-file``,
with each registry table and running list standing in as one opaque token line named by its identity. A table
without a service column is merged whole; rows in conflict are written between markers.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import edits
from ..errors import UsageError
from ..model.lookup import Registry
from ..readonly import readonly
from ..syntax.document import Document, Prose, Table
from .rows import Conflict, Slot

# A private-use character marks the token lines: it never occurs in a real schema, and
# unlike NUL it keeps git merge-file treating the text as text.
TOKEN = "\ue000mdports-table {}\ue000\n"
TOKEN_LINE = re.compile("\ue000mdports-table ([^\ue000\n]*)\ue000\n")


@readonly
class Labels:
    """What the conflict markers say (git's branch names) and how long they are (git's ``%L``)."""

    ours: str = "ours"
    base: str = "base"
    theirs: str = "theirs"
    size: int = 7

    def marker(self, char: str, label: str | None, eol: str) -> str:
        return char * self.size + (f" {label}" if label else "") + eol


def marked_table(table: Table, style_of: Table, marks: Sequence[tuple[int, Slot]], labels: Labels) -> str:
    """The table's text with conflict markers around the rows in conflict (their row in our style)."""
    from ..syntax.table_style import TableStyle

    style = TableStyle.of(style_of)
    eol = style.eol or "\n"
    by_index: dict[int, list[Slot]] = {}
    for index, slot in marks:
        by_index.setdefault(index, []).append(slot)
    lines = [row.render() for row in table.rows]
    out: list[str] = []
    for index in range(len(lines) + 1):
        line = lines[index] if index < len(lines) else None
        for slot in by_index.get(index, ()):
            theirs = style.row(slot.theirs, eol).render() if slot.theirs is not None else ""
            ours = ""
            if slot.item is not None and line is not None:
                ours = line if line.endswith(("\n", "\r")) else line + eol
                line = None
            out += [labels.marker("<", labels.ours, eol), ours, labels.marker("=", None, eol), theirs]
            out.append(labels.marker(">", labels.theirs, eol))
        if line is not None:
            out.append(line)
    return "".join(out)


def unplaced(text: str, conflicts: Sequence[Conflict], labels: Labels) -> str:
    """``text`` with the conflicts not marked in place between markers at its end (unchanged when none).

    Their side holds a note naming each (an HTML comment: invisible when rendered), ours what of
    ours the merge could not place: whichever side a person keeps, they have seen it.
    """
    notes = [conflict for conflict in conflicts if not conflict.placed]
    if not notes:
        return text
    eol = "\r\n" if "\r\n" in text else "\n"
    ours = "".join(
        conflict.ours + ("" if conflict.ours.endswith("\n") else eol) * bool(conflict.ours) for conflict in notes
    )
    theirs = "".join(
        f"<!-- mdports merge: not marked in place: {conflict.message.replace('--', '- -')} -->{eol}"
        for conflict in notes
    )
    start = "" if not text or text.endswith("\n") else eol
    return "".join(
        (text, start, labels.marker("<", labels.ours, eol), ours, labels.marker("=", None, eol), theirs)
    ) + labels.marker(">", labels.theirs, eol)


# --- prose ------------------------------------------------------------------------------------


def skeleton(
    document: Document,
    registry: Registry,
    keys: Mapping[int, str],
    lists: Mapping[int, Sequence[tuple[int, int, str]]],
) -> tuple[str, dict[str, Table]]:
    """The document with each registry table replaced by one token line, and those tables by token.

    ``lists`` are the running lists merged item by item: per prose block, the lines
    (first, stop) of each and its token (see :mod:`mdports.merge.lists`).
    """
    lines: list[str] = []
    tables: dict[str, Table] = {}
    blocks = {table.block: keys[index] for index, table in enumerate(registry.tables)}
    for index, block in enumerate(document.blocks):
        if index in blocks and isinstance(block, Table):
            lines.append(TOKEN.format(blocks[index]))
            tables[blocks[index]] = block  # rendered only where the merged text needs it
        elif index in lists and isinstance(block, Prose):
            at = 0
            for first, stop, key in sorted(lists[index]):
                lines += [*block.lines[at:first], TOKEN.format(key)]
                at = stop
            lines += block.lines[at:]
        else:
            lines.append(block.render())
    return document.bom + "".join(lines), tables


def new_key(document: Document, block: int) -> str:
    """The token of a table the base does not have: its text, so one added alike on both sides merges."""
    import hashlib

    return "new " + hashlib.sha256(document.blocks[block].render().encode("utf-8", "surrogatepass")).hexdigest()[:16]


def rendered(table: Table | str) -> str:
    return table if isinstance(table, str) else table.render()


def git_merge_file(base: str, ours: str, theirs: str, labels: Labels) -> tuple[str, int]:
    """``git merge-file`` on three texts: the result and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="mdports-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        command = ["git", "merge-file", "-p", f"--marker-size={labels.size}"]
        for label in (labels.ours, labels.base, labels.theirs):
            command += ["-L", label]
        try:
            process = subprocess.run([*command, *paths], capture_output=True, check=False)
        except FileNotFoundError:
            raise UsageError("mdports merge needs git on PATH for the prose") from None
    if process.returncode < 0 or process.returncode > 127:
        raise UsageError(f"git merge-file failed: {process.stderr.decode(errors='replace').strip()}")
    return process.stdout.decode("utf-8"), process.returncode


def date_aligned(texts: Sequence[str]) -> list[str]:
    """Every "Last updated" date set to the latest of the three, so the line never conflicts."""
    spans = [edits.date_span(text) for text in texts]
    dates = [text[span[0] : span[1]] for text, span in zip(texts, spans, strict=True) if span]
    if not dates:
        return list(texts)
    latest = max(dates)
    return [
        text[: span[0]] + latest + text[span[1] :] if span else text for text, span in zip(texts, spans, strict=True)
    ]


def merge_table_text(base: str | None, ours: str, theirs: str | None, labels: Labels) -> tuple[str, int]:
    """A table without a service column, merged as a whole: one side's change, or both between markers."""
    if theirs is None or theirs in (base, ours):
        return ours, 0
    if ours == base:
        return theirs, 0
    eol = "\r\n" if ours.endswith("\r\n") else "\n"
    ending = ours if ours.endswith(("\n", "\r")) else ours + eol
    tail = theirs if theirs.endswith(("\n", "\r")) else theirs + eol
    parts = [labels.marker("<", labels.ours, eol), ending, labels.marker("=", None, eol), tail]
    return "".join([*parts, labels.marker(">", labels.theirs, eol)]), 1
