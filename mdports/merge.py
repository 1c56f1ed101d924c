"""Three-way merge of port schemas by meaning, for use as a git merge driver.

The merge runs in two layers. Prose — everything but registry tables — is merged as text,
like ``git merge-file`` does (it is what runs it), with each registry table standing in as
one opaque line. Registry tables are merged by meaning: what *theirs* did to the registry
since *base* (services added, removed, renamed, moved, cells changed) is replayed onto
*ours* with the edit operations, so the result keeps our document's own style and every
edit is verified. Two sides claiming one port or one name for different things is a
conflict, left between standard conflict markers around the rows; ``renumber`` gives their
new entry the next free port of its range instead.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import edits
from .document import Document, Table, parse, split_lines
from .errors import MdportsError, UsageError
from .registry import Entry, Registry, build

# A private-use character marks the token lines: it never occurs in a real schema, and
# unlike NUL it keeps git merge-file treating the text as text.
_TOKEN = "\ue000mdports-table {}\ue000\n"
_TOKEN_LINE = re.compile("\ue000mdports-table ([^\ue000\n]*)\ue000\n")


@dataclass(frozen=True)
class Conflict:
    """Something both sides did that cannot be combined; ``rows`` are (ours, theirs) texts."""

    message: str
    ours: str | None = None  # the name of our row to put between markers
    theirs_row: str | None = None  # their row, in our table's style


@dataclass(frozen=True)
class MergeResult:
    """The merged text, what was merged automatically and what conflicts remain."""

    text: str
    merged: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    prose_conflicts: int = 0

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.prose_conflicts


@dataclass
class _Replay:
    """Theirs' registry changes replayed onto ours, one verified edit at a time."""

    document: Document
    renumber: bool
    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    renumbered: dict[str, tuple[int, int]] = field(default_factory=dict)
    registry: Registry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = build(self.document)

    def apply(
        self, describe: str, operation: Callable[..., edits.Edit], *args: object, **kwargs: object
    ) -> edits.Edit | None:
        """Run ``operation(document, *args, **kwargs)``; a refusal becomes a conflict."""
        try:
            edit = operation(self.document, *args, **kwargs)
            edits.verify(edit)
        except MdportsError as error:
            self.conflicts.append(Conflict(f"{describe}: {error.message}"))
            return None
        self.document = parse(edit.text, path=self.document.path)
        self.registry = build(self.document)
        self.merged.append(describe)
        return edit


def _by_name(registry: Registry) -> dict[str, Entry]:
    return {name: found[0] for name, found in registry.by_name.items()}


def _section_of(registry: Registry, entry: Entry) -> str:
    return registry.sections[entry.section].heading


def _other_cells(registry: Registry, entry: Entry) -> dict[str, str]:
    table = registry.tables[entry.table]
    skip = {table.headers[table.port_column]}
    if table.service_column is not None:
        skip.add(table.headers[table.service_column])
    return {header: text for header, text in entry.cells.items() if header not in skip}


def _renames(base: Registry, theirs: Registry, removed: list[str], added: list[str]) -> dict[str, str]:
    """Removed and added names with the same ports in the same section: renames (old -> new)."""
    old = _by_name(base)
    new = _by_name(theirs)
    renames: dict[str, str] = {}
    for gone in removed:
        for fresh in added:
            if fresh in renames.values():
                continue
            a, b = old[gone], new[fresh]
            if a.ports == b.ports and _section_of(base, a) == _section_of(theirs, b):
                renames[gone] = fresh
                break
    return renames


def _replay(base: Registry, ours: Document, theirs: Registry, renumber: bool) -> _Replay:
    """Replay onto ``ours`` what ``theirs`` changed in the registry since ``base``."""
    replay = _Replay(ours, renumber)
    base_names, their_names = _by_name(base), _by_name(theirs)
    removed = [name for name in base_names if name not in their_names]
    added = [name for name in their_names if name not in base_names]
    renames = _renames(base, theirs, removed, added)

    for old, new in renames.items():
        ours_now = _by_name(replay.registry)
        if old not in ours_now:
            if new.casefold() not in ours_now:
                replay.conflicts.append(Conflict(f"they renamed {old} to {new}, but we removed or renamed {old}"))
            continue
        if new.casefold() in ours_now and ours_now[new.casefold()] is not ours_now[old]:
            replay.conflicts.append(Conflict(f"they renamed {old} to {new}, but we already have a {new}", ours=new))
            continue
        name = ours_now[old].service or old
        replay.apply(
            f"rename {name} -> {their_names[new].service}",
            edits.rename,
            name,
            their_names[new].service or new,
        )

    for name in removed:
        if name in renames:
            continue
        ours_now = _by_name(replay.registry)
        if name not in ours_now:
            continue  # removed on both sides
        entry = ours_now[name]
        base_entry = base_names[name]
        if _other_cells(replay.registry, entry) != _other_cells(base, base_entry) or entry.ports != base_entry.ports:
            replay.conflicts.append(Conflict(f"they removed {entry.service}, but we changed it", ours=name))
            continue
        reserve = any(e.service is None for p in entry.ports for e in theirs.by_port.get(p, ()))
        replay.apply(f"remove {entry.service}", edits.remove, entry.service or name, reserve=reserve)

    for name, their_entry in their_names.items():
        if name not in base_names:
            continue
        base_entry = base_names[name]
        ours_now = _by_name(replay.registry)
        if name not in ours_now:
            continue
        entry = ours_now[name]
        moved = their_entry.ports != base_entry.ports or _section_of(theirs, their_entry) != _section_of(
            base, base_entry
        )
        if moved:
            if entry.ports != base_entry.ports:
                if entry.ports != their_entry.ports:
                    replay.conflicts.append(
                        Conflict(
                            f"{entry.service}: we moved it to {entry.ports}, they moved it to {their_entry.ports}",
                            ours=name,
                        )
                    )
                continue
            section = theirs.sections[their_entry.section]
            target = str(section.declared) if section.declared else None
            replay.apply(
                f"move {entry.service} -> {their_entry.port_text}",
                edits.move,
                entry.service or name,
                port=their_entry.ports[0],
                range=target,
            )

    for name in added:
        if name in renames.values():
            continue
        _add(replay, theirs, their_names[name])

    _set_cells(replay, base, theirs, base_names, their_names)
    return replay


def _add(replay: _Replay, theirs: Registry, entry: Entry) -> None:
    """Add their new entry on its port, renumbered or in conflict when we hold that port."""
    assert entry.service is not None
    registry = replay.registry
    existing = registry.by_name.get(entry.service.casefold())
    cells = {header: _renumber(text, replay) for header, text in _other_cells(theirs, entry).items()}
    heading = _section_of(theirs, entry)
    if existing:
        same = existing[0].ports == entry.ports and _other_cells(registry, existing[0]) == cells
        if not same:
            replay.conflicts.append(
                Conflict(
                    f"both sides added {entry.service}: we on {existing[0].port_text}, they on {entry.port_text}",
                    ours=entry.service,
                    theirs_row=entry.service,
                )
            )
        return
    sections = [s for s in registry.sections if s.heading == heading]
    if not sections:
        replay.conflicts.append(Conflict(f"they added {entry.service} in {heading!r}, a section we do not have"))
        return
    section = sections[0]
    selector = str(section.declared) if section.declared else None
    port = entry.ports[0] if len(entry.ports) == 1 else None
    if port is None:
        replay.conflicts.append(Conflict(f"they added {entry.service} on several ports ({entry.port_text})"))
        return
    holders = [e for e in registry.by_port.get(port, ()) if e.service]
    if holders:
        if replay.renumber and section.range is not None:
            free = edits.free_ports(registry, section, 1, entry.protocols)
            if free:
                replay.renumbered[entry.service] = (port, free[0])
                edit = replay.apply(
                    f"add {entry.service} on {free[0]} (renumbered from {port}, which {holders[0].service} has)",
                    edits.add,
                    entry.service,
                    range=str(section.declared),
                    port=free[0],
                    cells=cells,
                )
                if edit is not None:
                    return
        replay.conflicts.append(
            Conflict(
                f"port {port}: we gave it to {holders[0].service}, they gave it to {entry.service}",
                ours=holders[0].service,
                theirs_row=entry.service,
            )
        )
        return
    if selector is None:
        replay.apply(f"add {entry.service} on {port}", edits.add, entry.service, port=port, cells=cells)
    else:
        replay.apply(
            f"add {entry.service} on {port}",
            edits.add,
            entry.service,
            range=selector,
            port=port,
            cells=cells,
        )


def _renumber(text: str, replay: _Replay) -> str:
    """A reference to an entry we renumbered follows it (``3017 mail-worker`` -> ``3018 ...``)."""
    for name, (old, new) in replay.renumbered.items():
        text = re.sub(rf"\b{old}(\s+){re.escape(name)}\b", rf"{new}\g<1>{name}", text)
    return text


def _set_cells(
    replay: _Replay, base: Registry, theirs: Registry, base_names: dict[str, Entry], their_names: dict[str, Entry]
) -> None:
    for name, their_entry in their_names.items():
        base_entry = base_names.get(name)
        if base_entry is None:
            continue
        ours_now = _by_name(replay.registry)
        entry = ours_now.get(name)
        if entry is None:
            continue
        before = _other_cells(base, base_entry)
        wanted = _other_cells(theirs, their_entry)
        current = _other_cells(replay.registry, entry)
        changes: dict[str, str] = {}
        for header, value in wanted.items():
            value = _renumber(value, replay)
            if before.get(header, "") == value or current.get(header) == value or header not in current:
                continue
            if current.get(header, "") != before.get(header, ""):
                replay.conflicts.append(
                    Conflict(
                        f"{entry.service}: {header} changed on both sides ({current.get(header)!r} / {value!r})",
                        ours=name,
                        theirs_row=name,
                    )
                )
                continue
            changes[header] = value
        if changes:
            replay.apply(
                f"set {entry.service} {', '.join(changes)}",
                edits.set_cells,
                entry.service or name,
                changes,
            )


# --- prose ------------------------------------------------------------------------------------


def _skeleton(document: Document) -> tuple[str, dict[str, str]]:
    """The document with each registry table replaced by one token line, and those tables.

    A token names the table's section and its place there, so the same table has the same
    token in all three versions and a table only one side has keeps a token of its own.
    """
    registry = build(document)
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for table in registry.tables:
        heading = registry.sections[table.section].heading
        seen[heading] = seen.get(heading, 0) + 1
        keys[table.block] = f"{heading} #{seen[heading]}".replace("\ue000", "")
    lines: list[str] = []
    tables: dict[str, str] = {}
    for index, block in enumerate(document.blocks):
        if index in keys and isinstance(block, Table):
            lines.append(_TOKEN.format(keys[index]))
            tables[keys[index]] = block.render()
        else:
            lines.append(block.render())
    return document.bom + "".join(lines), tables


def _merge_text(base: str, ours: str, theirs: str) -> tuple[str, int]:
    """``git merge-file`` on three texts: the result and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="mdports-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        try:
            process = subprocess.run(
                ["git", "merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs", *paths],
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise UsageError("mdports merge needs git on PATH for the prose") from None
    if process.returncode < 0 or process.returncode > 127:
        raise UsageError(f"git merge-file failed: {process.stderr.decode(errors='replace').strip()}")
    return process.stdout.decode("utf-8"), process.returncode


def _date_aligned(texts: Sequence[str]) -> list[str]:
    """Every "Last updated" date set to the latest of the three, so the line never conflicts."""
    spans = [edits.date_span(text) for text in texts]
    dates = [text[span[0] : span[1]] for text, span in zip(texts, spans, strict=True) if span]
    if not dates:
        return list(texts)
    latest = max(dates)
    return [
        text[: span[0]] + latest + text[span[1] :] if span else text for text, span in zip(texts, spans, strict=True)
    ]


def merge(base: Document, ours: Document, theirs: Document, *, renumber: bool = False) -> MergeResult:
    """Merge ``theirs`` into ``ours`` relative to ``base``; see the module docstring.

    >>> head = "## 3010-3019: Infra\\n\\n| Port | Service |\\n|---|---|\\n| 3010 | a |\\n"
    >>> base = parse(head + "| 3011-3019 | *(reserved)* |\\n")
    >>> ours = parse(head + "| 3011 | b |\\n| 3012-3019 | *(reserved)* |\\n")
    >>> theirs = parse(head + "| 3011 | c |\\n| 3012-3019 | *(reserved)* |\\n")
    >>> merge(base, ours, theirs).clean
    False
    >>> print(merge(base, ours, theirs, renumber=True).text[len(head):], end="")
    | 3011 | b |
    | 3012 | c |
    | 3013-3019 | *(reserved)* |
    """
    base_text, ours_text, theirs_text = (d.render() for d in (base, ours, theirs))
    if ours_text == theirs_text or theirs_text == base_text:
        return MergeResult(ours_text)
    if ours_text == base_text:
        return MergeResult(theirs_text, ("took theirs (ours unchanged)",))

    base_registry, theirs_registry = build(base), build(theirs)
    # Prose first, each registry table an opaque token: our tables, plus tables only they have.
    (base_skeleton, _), (ours_skeleton, ours_tables), (theirs_skeleton, theirs_tables) = (
        _skeleton(d) for d in (base, ours, theirs)
    )
    base_skeleton, ours_skeleton, theirs_skeleton = _date_aligned([base_skeleton, ours_skeleton, theirs_skeleton])
    merged_skeleton, prose_conflicts = _merge_text(base_skeleton, ours_skeleton, theirs_skeleton)
    tables = {**theirs_tables, **ours_tables}
    combined = _TOKEN_LINE.sub(lambda m: tables.get(m.group(1), ""), merged_skeleton)
    if prose_conflicts:
        return MergeResult(combined, (), (), prose_conflicts)

    replay = _replay(base_registry, parse(combined, path=ours.path), theirs_registry, renumber)
    text = replay.document.render()
    if replay.conflicts:
        text = _mark_conflicts(replay, theirs_registry)
    return MergeResult(text, tuple(replay.merged), tuple(replay.conflicts))


def _mark_conflicts(replay: _Replay, theirs: Registry) -> str:
    """Our text with conflict markers around each conflicting row (theirs in our style)."""
    document = replay.document
    registry = build(document)
    lines = split_lines(document.render())
    newline = document.newline
    inserts: dict[int, tuple[str, str]] = {}
    for conflict in replay.conflicts:
        if conflict.ours is None:
            continue
        found = registry.by_name.get(conflict.ours.casefold())
        if not found:
            continue
        at = found[0].line - 1
        theirs_line = ""
        if conflict.theirs_row is not None:
            their = theirs.by_name.get(conflict.theirs_row.casefold())
            if their:
                block = theirs.document.blocks[theirs.tables[their[0].table].block]
                assert isinstance(block, Table)
                table = registry.tables[found[0].table]
                ours_block = document.blocks[table.block]
                assert isinstance(ours_block, Table)
                row = block.rows[their[0].row]
                texts = dict(zip(theirs.tables[their[0].table].headers, row.texts, strict=False))
                cells = [texts.get(header, "") for header in table.headers]
                from .table_style import TableStyle

                theirs_line = TableStyle.of(ours_block).row(cells, newline).render()
        inserts[at] = (lines[at], theirs_line)
    out = []
    for index, line in enumerate(lines):
        if index in inserts:
            ours_line, theirs_line = inserts[index]
            ending = ours_line if ours_line.endswith(("\n", "\r")) else ours_line + newline
            out += [f"<<<<<<< ours{newline}", ending, f"======={newline}", theirs_line, f">>>>>>> theirs{newline}"]
        else:
            out.append(line)
    return "".join(out)


def merge_files(base: Path, ours: Path, theirs: Path, *, renumber: bool = False) -> MergeResult:
    """Merge three files (git's ``%O %A %B``); the caller writes the result to ``ours``."""
    from .files import read_text

    documents = [parse(read_text(path), path=str(path)) for path in (base, ours, theirs)]
    return merge(*documents, renumber=renumber)
