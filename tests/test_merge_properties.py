"""The merge driver's invariant, stated as properties and checked on real-looking histories.

The invariant (issue 13): every change of either side is in the result, or between conflict
markers, or named in a conflict message; a merge with a change missing is never clean, and a
merge that is not clean always says why. Checked by comparing the merged registry with both
sides' semantic diffs from the base.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from conftest import BUNDLED, INPUTS, corpus, git_merge
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from test_merge_regressions import CLUSTER

from mdports import edits
from mdports.diff import EntryChange, SemanticDiff
from mdports.diff.compare import compare
from mdports.diff.pairing import running_key
from mdports.errors import MdportsError
from mdports.merge.driver import MergeResult, merge
from mdports.model.lists import host_key
from mdports.model.lookup import Registry
from mdports.model.names import fold_name
from mdports.model.reading import build
from mdports.model.registry import Entry, RegistryTable
from mdports.syntax.document import Document, Heading, Prose, Table, parse
from mdports.syntax.row import Row
from mdports.syntax.table_style import TableStyle

NAMES = ("svc-a", "svc-b", "svc-c", "mail-worker", "todo-worker")
VALUES = ("Go", "Rust", "new text", "")
COLUMNS = {"Go": "Notes", "Rust": "Remarks", "new text": "Details", "": "Notes"}  # a column renamed to
_MARKER = re.compile(r"^(<{7}|={7}|>{7})( .*)?$")

# Every document of the corpus whose registry has a table to edit, read once.
BASES = [
    path.read_text(encoding="utf-8")
    for path in corpus()
    if any(table.service_column is not None for table in build(parse(path.read_text(encoding="utf-8"))).tables)
]

Operation = tuple[str, int, int, str, str]


def operations_of(kinds: list[str]) -> st.SearchStrategy[list[Operation]]:
    """One to four edits of ``kinds`` for a side."""
    return st.lists(
        st.tuples(
            st.sampled_from(kinds),
            st.integers(min_value=0, max_value=10_000),
            st.integers(min_value=0, max_value=10_000),
            st.sampled_from(NAMES),
            st.sampled_from(VALUES),
        ),
        min_size=1,
        max_size=4,
    )


operations = operations_of(
    [
        *("add", "remove", "rename", "move", "set", "column", "heading", "prose"),
        # Issue 20: what a side may do that diff does not count, or that removes a container.
        *("drop-section", "drop-table", "drop-column", "markup", "split"),
        # Issue 21: the running layer's list items, per host.
        *("run-move", "run-add", "run-remove", "run-rename", "run-relabel"),
    ]
)


def apply(document: Document, operation: Operation) -> Document:
    """One random edit, the way a person would make it (refused edits change nothing)."""
    kind, first, second, name, value = operation
    registry = build(document)
    assigned = [entry for entry in registry.entries if entry.service]
    ranged = [s for s in registry.sections if s.declared and any(t.section == s.index for t in registry.tables)]
    try:
        if kind == "add" and ranged:
            edit = edits.add(document, name, range=str(ranged[first % len(ranged)].declared))
        elif kind == "remove" and assigned:
            edit = edits.remove(document, str(assigned[first % len(assigned)].service))
        elif kind == "rename" and assigned:
            edit = edits.rename(document, str(assigned[first % len(assigned)].service), name)
        elif kind == "move" and assigned and ranged:
            target = str(ranged[second % len(ranged)].declared)
            edit = edits.move(document, str(assigned[first % len(assigned)].service), range=target)
        elif kind == "set" and assigned:
            entry = assigned[first % len(assigned)]
            table = registry.tables[entry.table]
            roles = {table.port_column, table.service_column, table.protocol_column}
            columns = [h for i, h in enumerate(table.headers) if i not in roles]
            if not columns:
                return document
            edit = edits.set_cells(document, str(entry.service), {columns[second % len(columns)]: value})
        elif kind == "column":
            return _rename_column(document, registry, first, second, COLUMNS[value])
        elif kind in ("heading", "prose"):
            return _retitle(document, first, name) if kind == "heading" else _reword(document, first, name)
        elif kind in LAYOUTS:
            return LAYOUTS[kind](document, registry, first, second)
        elif kind in RUNNING:
            return RUNNING[kind](document, registry, first, second, name)
        else:
            return document
        edits.verify(edit)
    except MdportsError:
        return document
    return parse(edit.text)


def _retitle(document: Document, which: int, word: str) -> Document:
    """A heading renamed: a word added to its title, its declared range kept."""
    headings = [i for i, block in enumerate(document.blocks) if isinstance(block, Heading) and block.lines]
    if not headings:
        return document
    index = headings[which % len(headings)]
    block = document.blocks[index]
    assert isinstance(block, Heading)
    line = block.lines[0]
    body = line.rstrip("\r\n")
    if not body.startswith("#"):
        return document
    return parse(document.render().replace(line, body + f" {word}" + line[len(body) :], 1))


def _rename_column(document: Document, registry: Registry, which: int, column: int, header: str) -> Document:
    """A column renamed in one registry table: its header cell only (not a port, service or protocol column)."""
    tables = [t for t in registry.tables if t.service_column is not None and header not in t.headers]
    picked = _pick_column(document, tables, which, column)
    if picked is None:
        return document
    table, block, index = picked
    texts = list(block.header.texts)
    texts[index] = header
    row = TableStyle.of(block).rewrite(block.header, texts)
    renamed = document.replace_blocks({table.block: Table(block.start, (row, *block.rows[1:]))})
    return parse(renamed.render())


def _pick_column(
    document: Document, tables: list[RegistryTable], which: int, column: int
) -> tuple[RegistryTable, Table, int] | None:
    """A table and one of its columns not read as a port, service, protocol, host or project."""
    if not tables:
        return None
    table = tables[which % len(tables)]
    roles = {table.port_column, table.service_column, table.protocol_column, table.host_column, table.group_column}
    others = [i for i in range(len(table.headers)) if i not in roles]
    block = document.blocks[table.block]
    assert isinstance(block, Table)
    return (table, block, others[column % len(others)]) if others else None


def _tables(registry: Registry) -> list[RegistryTable]:
    return [t for t in registry.tables if t.service_column is not None]


def _drop_section(document: Document, registry: Registry, which: int, _: int) -> Document:
    """A section removed: its heading and every block up to the next heading."""
    tables = _tables(registry)
    if not tables:
        return document
    table = tables[which % len(tables)]
    start = next((i for i in range(table.block, -1, -1) if isinstance(document.blocks[i], Heading)), None)
    if start is None:
        return document
    end = next((i for i in range(start + 1, len(document.blocks)) if isinstance(document.blocks[i], Heading)), None)
    blocks = document.blocks[start : end if end is not None else len(document.blocks)]
    return _without(document, {id(block) for block in blocks})


def _drop_table(document: Document, registry: Registry, which: int, _: int) -> Document:
    """A registry table removed, its heading and prose kept."""
    tables = _tables(registry)
    if not tables:
        return document
    return _without(document, {id(document.blocks[tables[which % len(tables)].block])})


def _without(document: Document, removed: set[int]) -> Document:
    return parse(document.bom + "".join(block.render() for block in document.blocks if id(block) not in removed))


def _drop_column(document: Document, registry: Registry, which: int, column: int) -> Document:
    """A column removed from a registry table (not its port, service or protocol column): every row's cell."""
    picked = _pick_column(document, _tables(registry), which, column)
    if picked is None:
        return document
    table, block, index = picked
    rows = tuple(
        dataclasses.replace(row, cells=row.cells[:index] + row.cells[index + 1 :]) if index < len(row.cells) else row
        for row in block.rows
    )
    return parse(document.replace_blocks({table.block: Table(block.start, rows)}).render())


def _markup(document: Document, registry: Registry, which: int, how: int) -> Document:
    """A row changed only in markup: its name in bold, its port in backticks, or its cells re-padded."""
    entries = [e for e in registry.entries if e.service and registry.tables[e.table].service_column is not None]
    if not entries:
        return document
    entry = entries[which % len(entries)]
    table = registry.tables[entry.table]
    block = document.blocks[table.block]
    assert isinstance(block, Table)
    row = block.rows[entry.row]
    texts = list(row.texts)
    if how % 3 == 0 and table.service_column is not None and texts[table.service_column] == entry.service:
        texts[table.service_column] = f"**{entry.service}**"
    elif how % 3 == 1 and texts[table.port_column].isdigit():
        texts[table.port_column] = f"`{texts[table.port_column]}`"
    else:
        new = dataclasses.replace(row, cells=tuple(f" {cell} " if cell.strip() else cell for cell in row.cells))
        return _with_row(document, table.block, entry.row, new)
    return _with_row(document, table.block, entry.row, TableStyle.of(block).rewrite(row, texts))


def _with_row(document: Document, block_index: int, index: int, row: Row) -> Document:
    block = document.blocks[block_index]
    assert isinstance(block, Table)
    rows = (*block.rows[:index], row, *block.rows[index + 1 :])
    changed = parse(document.replace_blocks({block_index: Table(block.start, rows)}).render())
    return (
        changed
        if [e.service for e in build(changed).entries] == [e.service for e in build(document).entries]
        else document
    )


def _split(document: Document, registry: Registry, which: int, row: int) -> Document:
    """A table split: one of its rows moved into a second table of the same section, right after it."""
    tables = [t for t in _tables(registry) if len(document.blocks[t.block].rows) > 3]  # type: ignore[union-attr]
    if not tables:
        return document
    table = tables[which % len(tables)]
    block = document.blocks[table.block]
    assert isinstance(block, Table)
    index = 2 + row % (len(block.rows) - 2)
    moved = block.rows[index]
    eol = block.rows[0].eol or "\n"
    kept = [r for i, r in enumerate(block.rows) if i != index]
    kept[-1] = dataclasses.replace(kept[-1], eol=kept[-1].eol or eol)
    second = (block.rows[0], block.rows[1], dataclasses.replace(moved, eol=block.rows[-1].eol))
    text = "".join(r.render() for r in kept) + f"{eol}More:{eol}{eol}" + "".join(r.render() for r in second)
    rendered = "".join(text if i == table.block else b.render() for i, b in enumerate(document.blocks))
    split = parse(document.bom + rendered)
    return split if len(build(split).entries) == len(registry.entries) else document


LAYOUTS = {
    "drop-section": _drop_section,
    "drop-table": _drop_table,
    "drop-column": _drop_column,
    "markup": _markup,
    "split": _split,
}


def _reword(document: Document, which: int, word: str) -> Document:
    """A prose line edited: a word appended to a line of text outside every table."""
    lines = [
        (i, line)
        for i, block in enumerate(document.blocks)
        if isinstance(block, Prose)
        for line in block.lines
        if line.strip() and not line.lstrip().startswith(("|", "#", "<", "`", "-"))
    ]
    if not lines:
        return document
    _, line = lines[which % len(lines)]
    body = line.rstrip("\r\n")
    return parse(document.render().replace(line, body + f" ({word})" + line[len(body) :], 1))


# --- the running layer: list items edited the way people edit them ------------------------------

_ITEM_START = re.compile(r"(?:[ ]{0,3}>[ ]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")


def _lines(document: Document) -> list[str]:
    return document.render().splitlines(keepends=True)


def _item_of(registry: Registry, entry: Entry) -> tuple[int, int]:
    """The lines (0-based, end exclusive) of the list item that holds ``entry``."""
    reading = registry.lists[entry.table]
    starts = [*reading.items_at, reading.end + 1]
    index = max(i for i, line in enumerate(starts[:-1]) if line <= entry.line)
    return starts[index] - 1, starts[index + 1] - 1


def _at(document: Document, registry: Registry, which: int) -> tuple[Entry, list[str]] | None:
    if not registry.listed:
        return None
    return registry.listed[which % len(registry.listed)], _lines(document)


def _item_at(document: Document, registry: Registry, which: int) -> tuple[list[str], int, int] | None:
    """The document's lines and the lines (0-based, end exclusive) of the item of one running entry."""
    found = _at(document, registry, which)
    return (found[1], *_item_of(registry, found[0])) if found is not None else None


def _rewrite(document: Document, registry: Registry, which: int, what: str, new: str) -> Document:
    """One running entry's port (``what="port"``) or name (``"service"``) rewritten on its line."""
    found = _at(document, registry, which)
    if found is None:
        return document
    entry, lines = found
    old = entry.port_text if what == "port" else entry.service or ""
    start = (entry.port_column if what == "port" else entry.service_column) - 1
    line = lines[entry.line - 1]
    if not old or line[start : start + len(old)] != old:
        return document
    lines[entry.line - 1] = line[:start] + new + line[start + len(old) :]
    return parse("".join(lines))


def _run_move(document: Document, registry: Registry, which: int, port: int, _: str) -> Document:
    """A running port moved: the digits of one assignment changed on its line."""
    return _rewrite(document, registry, which, "port", str(20000 + port % 20000))


def _run_rename(document: Document, registry: Registry, which: int, _: int, name: str) -> Document:
    """A running service renamed: its name in its item."""
    return _rewrite(document, registry, which, "service", f"{name}-{which % 7}")


def _run_add(document: Document, registry: Registry, which: int, port: int, name: str) -> Document:
    """A service started on a host: one item after an item of that host's list, in the list's style."""
    found = _item_at(document, registry, which)
    if found is None:
        return document
    lines, first, stop = found
    marker = _ITEM_START.match(lines[first])
    if marker is None:
        return document
    eol = lines[first][len(lines[first].rstrip("\r\n")) :] or "\n"
    lines[stop - 1] = lines[stop - 1] if lines[stop - 1].endswith("\n") else lines[stop - 1] + eol
    new = f"{marker.group()}{name}-{port % 5} `{21000 + port % 20000}`{eol}"
    return parse("".join([*lines[:stop], new, *lines[stop:]]))


def _run_remove(document: Document, registry: Registry, which: int, _: int, __: str) -> Document:
    """A service stopped on a host: its item taken out of the list."""
    found = _item_at(document, registry, which)
    if found is None:
        return document
    lines, first, stop = found
    return parse("".join([*lines[:first], *lines[stop:]]))


def _run_relabel(document: Document, registry: Registry, which: int, _: int, name: str) -> Document:
    """A host renamed: a word added to the bold label that names it."""
    labels = [i for i, line in enumerate(_lines(document)) if re.search(r"\*\*[^*]+\*\*.*:", line)]
    if not labels or not registry.listed:
        return document
    lines = _lines(document)
    index = labels[which % len(labels)]
    lines[index] = lines[index].replace("**", f"**{name} ", 1)
    return parse("".join(lines))


RUNNING = {
    "run-move": _run_move,
    "run-add": _run_add,
    "run-remove": _run_remove,
    "run-rename": _run_rename,
    "run-relabel": _run_relabel,
}


def one_side(text: str, side: str = "ours") -> str:
    """The text with every conflict resolved to ``side`` (what is outside the markers stays)."""
    out: list[str] = []
    keep = True
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        match = _MARKER.match(content)
        if match and match.group(1)[0] == "<":
            keep = side == "ours"
        elif match and match.group(1)[0] == "=":
            keep = side == "theirs"
        elif match:
            keep = True
        elif keep:
            out.append(line)
    return "".join(out)


def assert_invariant(
    base: Registry, side: Registry, other: Registry, merged: Registry, result: MergeResult, rest: Registry
) -> None:
    """No change of ``side`` is lost silently: every row it added or edited is in the result.

    ``merged`` is the result with every conflict resolved to ``side``: a row is there because the
    merge kept it, or because it is ``side``'s part of a conflict (between markers). When the merge
    is not clean, a row may also be in ``rest`` (the result resolved to the other side): between
    markers all the same, on the other side's part (both sides made it alike). Its cells are
    checked unless a conflict names it. An entry is found in the result by its name on either
    side (the other side may have renamed it), independently of the identity the merge works out.
    """
    named = " ".join(conflict.message for conflict in result.conflicts)
    by_other = compare(base, other, findings=False)
    by_side = compare(base, side, findings=False)
    for column in by_side.columns:  # the header renamed in the result, or a conflict names it
        if column.old not in named:
            assert any(column.new in table.headers for table in merged.tables), f"column {column.new} lost"
    # A column may be named three ways: as this side, the base and the other side call it.
    side_back: dict[int, dict[str, str]] = {}  # this side's table -> {its header: the base's}
    for column in by_side.columns:
        side_back.setdefault(column.table, {})[column.new] = column.old
    other_names: dict[int, dict[str, str]] = {}  # base table -> {the base's header: the other side's}
    for column in by_other.columns:
        other_names.setdefault(column.old_table, {})[column.old] = column.new
    base_table_of = {new: old for old, new in by_side.table_map.items()}
    renamed_to: dict[str, set[str]] = {}  # any table: an entry may have moved to a table renamed otherwise
    for column in (*by_side.columns, *by_other.columns):
        renamed_to.setdefault(column.old, set()).add(column.new)
    others = by_other.entry_map
    renamed = [c for c in by_other.entries if c.kind in ("renamed", "moved") and c.old_service and c.service]
    _assert_running_kept(by_side, by_other, merged, result, rest, named)
    for change in by_side.entries:
        if change.status != "assigned" or change.layer == "running":
            continue
        names = {change.service, change.old_service}
        if change.old_index is not None and change.old_index in others:
            names.add(other.entries[others[change.old_index]].service)
        names.discard(None)
        conflicted = any(name and name in named for name in names)
        if conflicted and change.kind == "removed":
            continue
        registries = (base, side, other, merged)
        if any(len(r.by_name.get(name.casefold(), ())) > 1 for r in registries for name in names if name):
            continue  # a name used twice identifies nothing (the corpus has such a registry)
        if change.kind == "removed" and any(name.casefold() in side.by_name for name in names if name):
            continue  # still a row of this side: a running row's host is its identity (a heading edited)
        found = [merged.by_name[name.casefold()][0] for name in names if name and name.casefold() in merged.by_name]
        if not found and not result.clean and change.kind != "removed":
            found = [rest.by_name[name.casefold()][0] for name in names if name and name.casefold() in rest.by_name]
        if change.kind == "removed":
            assert not found, f"{change.old_service} was removed but is still there"
            continue
        assert found, f"{change.name}: {change.kind}, but missing from the result{' (conflict named)' * conflicted}"
        if conflicted:
            continue
        entry, wanted = found[0], side.entries[change.index or 0]
        old = base.entries[change.old_index].cells if change.old_index is not None else {}
        base_table = base_table_of.get(wanted.table, -1)
        for header, text in wanted.cells.items():
            in_base = side_back.get(wanted.table, {}).get(header, header)
            columns = {header, in_base, other_names.get(base_table, {}).get(in_base, in_base)}
            columns |= renamed_to.get(in_base, set())
            if text != old.get(in_base, ""):  # an empty cell is no text to lose (a removed column lacks it)
                # A reference in the cell may have followed the other side's rename or move.
                found_texts = {entry.cells.get(column, "") for column in columns}
                assert found_texts & followed(text, renamed), f"{change.name}: {header} lost ({text!r})"


def _rehosted(diff: SemanticDiff) -> set[str]:
    """Services a side took off one host and put on another (a host label renamed)."""
    running = [c for c in diff.entries if c.layer == "running"]
    gone = {fold_name(c.old_service or "") for c in running if c.kind == "removed"}
    return gone & {fold_name(c.service or "") for c in running if c.kind == "added"}


def _assert_running_kept(
    by_side: SemanticDiff, by_other: SemanticDiff, merged: Registry, result: MergeResult, rest: Registry, named: str
) -> None:
    """Every running entry a side added, moved or renamed runs so in the result; one it removed is gone.

    Unless a conflict names the service, or a side moved the service to another host (a host
    label renamed), so that both sides' changes to it combine.
    """
    lenient = _rehosted(by_side) | _rehosted(by_other)
    for change in by_side.entries:
        if change.layer != "running":
            continue
        names = {fold_name(n) for n in (change.service, change.old_service) if n}
        if any(n and n in named for n in (change.service, change.old_service)) or names & lenient:
            continue
        if change.kind == "removed":
            key = (host_key(change.old_host or ""), fold_name(change.old_service or ""))
            left = [e for e in merged.listed if running_key(e) == key]
            assert len(left) != 1, f"{change.old_service} was removed but still runs"  # 2+: listed twice
            continue
        wanted = (fold_name(change.service or ""), change.ports)
        places = [merged] if result.clean else [merged, rest]
        assert any((fold_name(e.service or ""), e.ports) == wanted for registry in places for e in registry.listed), (
            f"{change.service} ({change.kind}, running on {change.host}) missing from the result"
        )


def followed(text: str, renames: list[EntryChange]) -> set[str]:
    """``text`` and what it reads after a reference in it follows one of ``renames``."""
    out = {text}
    for change in renames:
        assert change.old_service is not None and change.service is not None
        if change.old_service.casefold() in text.casefold():
            moved = text.replace(change.old_service, change.service)
            out.add(moved)
            for old, new in zip(change.old_ports, change.ports, strict=False):
                out.add(moved.replace(str(old), str(new), 1))
    return out


def check(base_text: str, ours_ops: list[Operation], theirs_ops: list[Operation]) -> MergeResult:
    base = parse(base_text)
    ours, theirs = base, base
    for operation in ours_ops:
        ours = apply(ours, operation)
    for operation in theirs_ops:
        theirs = apply(theirs, operation)
    result = merge(base, ours, theirs)
    event("clean" if result.clean else "conflict named" if result.conflicts else "prose conflict")
    event(f"replayed {min(len(result.merged), 3)}+ of their changes")
    marked = any(_MARKER.match(line) for line in result.text.splitlines())
    inside = False
    for line in result.text.splitlines():
        match = _MARKER.match(line)
        if match and match.group(1)[0] == "<":
            assert not inside, "conflict markers nested in conflict markers"
            inside = True
        elif match and match.group(1)[0] == ">":
            inside = False
    if marked or result.prose_conflicts:
        assert not result.clean
    if result.conflicts or result.prose_conflicts:
        assert marked, "a conflict named, but no markers in the file"
    if not result.clean:
        assert result.conflicts or result.prose_conflicts or result.errors, "not clean, but nothing says why"
    registries = build(base), build(ours), build(theirs)
    ours_part, theirs_part = build(parse(one_side(result.text))), build(parse(one_side(result.text, "theirs")))
    assert_invariant(registries[0], registries[1], registries[2], ours_part, result, theirs_part)
    assert_invariant(registries[0], registries[2], registries[1], theirs_part, result, ours_part)
    return result


# The documents with a running layer, and operations that mostly edit it (issue 21).
RUNNING_BASES = [text for text in BASES if build(parse(text)).listed]
running_operations = operations_of([*RUNNING, "add", "set", "prose", "heading"])


# More examples for a longer run: MERGE_EXAMPLES=1000 pytest tests/test_merge_properties.py
EXAMPLES = int(os.environ.get("MERGE_EXAMPLES", "200"))


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), ours=operations, theirs=operations)
@example(  # a heading renamed, two of its three rows removed / the section removed: the third row kept
    base=(INPUTS / "broken.md").read_text(encoding="utf-8"),
    ours=[("remove", 12, 0, "svc-a", "Go"), ("remove", 12, 0, "svc-a", "Go"), ("heading", 332, 0, "svc-a", "Go")],
    theirs=[("add", 0, 0, "svc-a", "Go"), ("drop-section", 1, 0, "svc-a", "Go")],
)
@example(  # found on corpus document 059: their running table removed, a planned row of the same name kept
    base=CLUSTER, ours=[("remove", 0, 0, "svc-a", "Go")], theirs=[("drop-section", 1, 0, "svc-a", "Go")]
)
@example(  # their heading naming a running table's host edited: its rows are other entries, not lost ones
    base=(INPUTS / "running-tables.md").read_text(encoding="utf-8"),
    ours=[("add", 0, 0, "svc-a", "Go")],
    theirs=[("heading", 137, 0, "svc-a", "Go")],
)
@example(  # our new table under a section they removed, one name in two sections: markers must not nest
    base=(INPUTS / "messy.md").read_text(encoding="utf-8"),
    ours=[("add", 0, 0, "svc-a", "Go")] * 3 + [("split", 0, 0, "svc-a", "Go")],
    theirs=[
        ("add", 0, 0, "svc-a", "Go"),
        ("drop-section", 0, 0, "svc-a", "Go"),
        ("drop-column", 0, 0, "svc-a", "Go"),
        ("split", 0, 1, "svc-a", "Go"),
    ],
)
def test_no_change_of_either_side_is_lost(base: str, ours: list[Operation], theirs: list[Operation]) -> None:
    check(base, ours, theirs)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(RUNNING_BASES), ours=running_operations, theirs=running_operations)
def test_no_running_change_of_either_side_is_lost(base: str, ours: list[Operation], theirs: list[Operation]) -> None:
    check(base, ours, theirs)


# --- consecutive real-looking revisions, through git ---------------------------------------------


def revisions() -> list[tuple[str, str]]:
    """Three revisions of the bundled document in a row: (name, text)."""
    text = BUNDLED.read_text(encoding="utf-8")
    document = parse(text)
    out = []
    for old, new in (("chat-backend", "chat-server"), ("mana-llm", "mana-llm-gateway"), ("todo-server", "todo-api")):
        document = parse(edits.rename(document, old, new).text)
    out.append(("rename wave", document.render()))
    quote = "\n> Ports are assigned by pull request; ask in #platform first.\n"
    document = parse(document.render().replace("## Principles\n", "## Principles\n" + quote, 1))
    out.append(("block quote", document.render()))
    for name in ("mana-voice-bot", "whopixels"):
        document = parse(edits.remove(document, name).text)
    out.append(("rows removed", document.render()))
    return out


@pytest.mark.parametrize("upto", [1, 2, 3])
def test_consecutive_revisions_merge_with_our_addition(tmp_path: Path, upto: int) -> None:
    base = BUNDLED.read_text(encoding="utf-8")
    theirs = revisions()[upto - 1][1]
    ours = edits.add(parse(base), "ours-worker", range="core-infra").text
    expected = edits.add(parse(theirs), "ours-worker", range="core-infra").text
    merged = git_merge(tmp_path, base, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == expected
