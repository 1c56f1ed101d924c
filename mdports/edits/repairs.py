"""The edits that tidy a document: ``fmt``, the one-row repairs of findings, and accept comments.

- ``fmt``: :func:`format_tables` puts the registry tables in port order and one cell style (and
  changes nothing else); :func:`format_document` (``fmt --mdformat``) writes the whole document
  in mdformat's canonical Markdown and refuses when that would change what it renders to.
- The one-row edits that fix a finding (``validate --fix``, review suggestions): MP105, MP103,
  MP001/MP101.
- ``validate --add-accepts``: the document's own accept comments for today's findings, like
  ruff's ``--add-noqa``. One ``<!-- mdports: accept RULE PORT ... -->`` line per section and rule
  goes right under the section's heading, where
  :func:`mdports.rules.validation.apply_exceptions` looks for it (an accept covers its section).
  Only those lines are added; the edit is verified before any write.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from ..errors import NotFoundError, RefusedError
from ..model.lookup import Registry, holders
from ..model.names import fold_name
from ..model.ports import format_ports
from ..model.reading import build
from ..model.registry import Entry
from ..model.vocabulary import DEFAULT, Vocabulary
from ..rules.findings import Finding
from ..rules.structure_rules import BAD_DIRECTIVE, UNUSED_ACCEPT
from ..syntax.document import Block, Document, Heading, Html, block_tokens
from ..syntax.row import Row, split_lines
from ..syntax.table_style import realign
from .cells import cells_by_name, check_port, port_text
from .plan import Builder, Item, carried_cells, place, rewrite_cells, section_table, vacate
from .result import Change, Edit


def format_tables(document: Document, vocab: Vocabulary = DEFAULT, *, tables: Collection[int] | None = None) -> Edit:
    """``fmt``: rows in port order, adjacent placeholders merged, one cell style per table.

    Only registry tables change (only those whose indexes ``tables`` lists, when given);
    every other byte stays. Running it twice changes nothing.
    """
    registry = build(document, vocab)
    builder = Builder(document, registry)
    changes: list[Change] = []
    for table_index, info in enumerate(registry.tables):
        if info.service_column is None or (tables is not None and table_index not in tables):
            continue
        if info.addresses:  # ordered by where its services listen, not by port (model.addresses)
            continue
        plan = builder.plan(table_index)
        merged: list[Item] = []
        for item in sorted(plan.items[2:], key=lambda item: (item.first is None, item.first or 0)):
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and previous.placeholder
                and item.placeholder
                and previous.spans
                and item.spans
                and max(previous.ports) + 1 == min(item.ports)
                and _same_cells_but_port(previous.row, item.row, info.port_column)
            ):
                cells = list(previous.row.texts)
                cells[info.port_column] = port_text(cells[info.port_column], previous.ports | item.ports)
                merged[-1] = plan.new(cells, None)
                continue
            merged.append(item)
        width = len(info.headers)
        texts = [list(item.row.texts) + [""] * (width - len(item.row.texts)) for item in merged]
        sources = plan.items[:2] + merged
        if plan.style.widths is not None:
            rows = list(realign(plan.table, texts, plan.style))
        else:
            rows = [item.row for item in plan.items[:2]]
            rows += [plan.style.row(cells) for cells in texts]
        items = []
        for source, row in zip(sources, rows, strict=True):
            row = dataclasses.replace(row, eol=source.row.eol or row.eol)
            items.append(source if row == source.row else plan._item(source.origin, row, fresh=True))
        plan.items = items
        if [item.row for item in items] != list(plan.table.rows):
            heading = registry.sections[info.section].heading
            changes.append(Change("fmt", None, (), heading, f"formatted the table at line {info.line}"))
    # Merged placeholders change rows without changing what is assigned: the model check
    # compares ports per service instead of rows.
    return dataclasses.replace(builder.finish(changes), check_model=False)


def _same_cells_but_port(a: Row, b: Row, port_column: int) -> bool:
    left = [t for i, t in enumerate(a.texts) if i != port_column]
    right = [t for i, t in enumerate(b.texts) if i != port_column]
    return left == right


def format_document(document: Document) -> Edit:
    """``fmt --mdformat``: the whole document in mdformat's canonical Markdown (GFM tables).

    Front matter (YAML or TOML) and the blank lines after it are kept byte for byte: mdformat
    formats only what follows (it would read ``---`` as a thematic break and the YAML as a
    heading). Refused when a table row has more cells than its header (GFM drops their text,
    so mdformat would), or when mdformat would change what the document renders to, or the
    registry. Line endings and a BOM are kept as the document has them.
    """
    import mdformat
    from mdformat._util import is_md_equal

    from ..syntax.document import FrontMatter, parse

    kept = document.blocks[0].lines if document.blocks and isinstance(document.blocks[0], FrontMatter) else ()
    lines = split_lines(document.render()[len(document.bom) :])
    while kept and len(kept) < len(lines) and not lines[len(kept)].strip():
        kept += (lines[len(kept)],)
    plain = "".join(lines[len(kept) :]).replace("\r\n", "\n").replace("\r", "\n")
    _refuse_wide_rows(plain, len(kept), document.path)
    try:
        formatted = mdformat.text(plain, extensions={"gfm"})
        same = is_md_equal(plain, formatted, extensions={"gfm"})
    except Exception as exc:  # mdformat's own failure (deep nesting makes it recurse too far)
        raise RefusedError(
            f"mdformat cannot format this document ({type(exc).__name__}: {str(exc)[:200]}); nothing was written",
            path=document.path,
            hint="run `mdports fmt` without --mdformat to normalize the registry tables only",
        ) from None
    if not same:
        raise RefusedError("mdformat would change how the document renders; nothing was written", path=document.path)
    newline = document.newline
    text = document.bom + "".join(kept) + formatted.replace("\n", newline)
    after = parse(text, path=document.path)
    before_lines = sum(block.line_count for block in document.blocks)
    after_lines = sum(block.line_count for block in after.blocks)
    changes = (
        [Change("fmt", None, (), "", "formatted the whole document with mdformat")] if text != document.render() else []
    )
    return Edit(
        document,
        after,
        tuple(changes),
        (),
        frozenset(range(len(kept), before_lines)),
        frozenset(range(len(kept), after_lines)),
        check_model=False,
    )


def _refuse_wide_rows(text: str, offset: int, path: str | None) -> None:
    """Refuse a table row with more cells than its header, anywhere (in a quote, a list).

    GFM drops the text of the cells past the header's count, so mdformat's re-printed table
    would lose it while rendering the same HTML (``is_md_equal`` cannot see the loss).
    """
    for token in block_tokens(text):
        if token.type == "table_open" and token.meta.get("wide"):
            line, cells = token.meta["wide"][0]
            columns = token.meta["columns"]
            raise RefusedError(
                f"a table row has {cells} cells, its header {columns}: mdformat would drop the text past cell "
                f"{columns}; nothing was written",
                path=path,
                line=offset + line + 1,
                hint="add the missing header cells, or escape a | that is not a cell border as \\|",
            )


def _entry_at(registry: Registry, line: int) -> Entry:
    for entry in registry.entries:
        if entry.line == line:
            return entry
    raise NotFoundError(f"no registry row at line {line}", path=registry.path)


def complete_row(document: Document, line: int) -> Edit:
    """Give the row at ``line`` the empty cells it lacks, in its table's style (MP105's fix)."""
    registry = build(document)
    entry = _entry_at(registry, line)
    builder = Builder(document, registry)
    rewrite_cells(builder, entry, {})  # rewriting a row pads it to the header's width
    section = registry.sections[entry.section].heading
    return builder.finish([Change("fill", entry.service, entry.ports, section, f"filled the cells of {entry.label}")])


def shrink_placeholder(document: Document, line: int) -> Edit:
    """Keep only the free ports of the placeholder at ``line``; drop it when none is free (MP103's fix)."""
    registry = build(document)
    entry = _entry_at(registry, line)
    if entry.service is not None or not entry.spans:
        raise RefusedError(f"the row at line {line} is not a placeholder", path=registry.path)
    free = [port for port in entry.ports if not holders(registry, port, entry.protocols)]
    builder = Builder(document, registry)
    if free:
        column = registry.tables[entry.table].port_column
        rewrite_cells(builder, entry, {column: port_text(entry.port_text, free)}, ports=free)
        message = f"shrank placeholder {entry.port_text} to {format_ports(free)}"
    else:
        vacate(builder, entry, reserve=False)
        message = f"removed placeholder {entry.port_text}: every port of it is assigned"
    section = registry.sections[entry.section].heading
    return builder.finish([Change("shrink", None, tuple(free), section, message, old_ports=entry.ports)])


def renumber(document: Document, line: int, port: int) -> Edit:
    """Give the single-port row at ``line`` another port where it stands, references following.

    Unlike ``move`` it neither re-sorts the table nor consumes a placeholder: it is the one-line
    change a pull request suggestion can hold (``validate --fix`` tidies up after it).
    """
    return renumber_all(document, {line: port})


def renumber_all(
    document: Document,
    ports: Mapping[int, int],
    registry: Registry | None = None,
    *,
    in_place: bool = True,
    sections: Mapping[int, int] | None = None,
) -> Edit:
    """:func:`renumber` for many rows at once (``ports``: row line -> new port), in one edit.

    The document is read once, the rows rewritten and the result verified once, so N rows cost
    about what one does: ``validate --unsafe-fixes`` moves every duplicated row of a round this
    way. With ``in_place=False`` the renumbered rows go where port order puts them in the table
    ``move`` puts their section's rows in (their own, or the section's first with a service
    column: cells carried by header) and a placeholder holding a new port is split, as ``move``
    does for one row (at most one new port per placeholder). The new ports must be distinct and free before the edit.
    ``registry`` is the document's, when the caller has read it already. ``sections`` (row line
    -> section index, with ``in_place=False``) sends rows to another section, as ``move --range``
    does: ``validate --unsafe-fixes`` moves every row that stands outside its range's section so.
    """
    sections = sections or {}
    registry = registry if registry is not None else build(document)
    taken_twice = [port for port, count in Counter(ports.values()).items() if count > 1]
    if taken_twice:
        raise RefusedError(f"port {taken_twice[0]} would be given to two rows", path=registry.path)
    by_line = {entry.line: entry for entry in registry.entries}
    referring = cells_by_name(registry)
    rewritten: dict[int, dict[int, str]] = {}  # entry index -> column -> new text
    moved: list[Entry] = []
    changes = []
    for line, port in ports.items():
        entry = by_line.get(line)
        if entry is None:
            raise NotFoundError(f"no registry row at line {line}", path=registry.path)
        if entry.service is None or len(entry.ports) != 1:
            raise RefusedError(f"the row at line {line} is not a single-port service", path=registry.path)
        taken = holders(registry, check_port(port), entry.protocols, skip=entry)
        if taken:
            raise RefusedError(f"port {port} is already assigned to {taken[0].service}", path=registry.path)
        old_port = entry.ports[0]
        column = registry.tables[entry.table].port_column
        rewritten.setdefault(entry.index, {})[column] = port_text(entry.port_text, [port])
        references = referring.get(fold_name(entry.service or ""), [])
        for holder, column, text in references:
            cells = rewritten.setdefault(holder.index, {})
            cells[column] = cells.get(column, text).replace(str(old_port), str(port), 1)
        moved.append(entry)
        verb = "renumbered" if in_place else "moved"
        message = f"{verb} {entry.service} from {old_port} to {port}; {len(references)} reference(s) updated"
        section = registry.sections[sections.get(line, entry.section)].heading
        if line in sections:
            message = f"moved {entry.service} ({port}) to section {section!r}; {len(references)} reference(s) updated"
        changes.append(Change("move", entry.service, (port,), section, message, len(references), old_ports=entry.ports))
    builder = Builder(document, registry)
    for index, cells in rewritten.items():
        entry = registry.entries[index]
        rewrite_cells(builder, entry, cells, ports=[ports[entry.line]] if entry.line in ports else None)
    if not in_place:
        _put_in_order(builder, moved, ports, sections)
    return builder.finish(changes, tuple(ports.values()))


def _put_in_order(builder: Builder, moved: list[Entry], ports: Mapping[int, int], sections: Mapping[int, int]) -> None:
    """Move the rewritten rows of ``moved`` to where port order puts them, splitting placeholders.

    A row whose new port no placeholder holds is taken out and inserted again with the others of
    its table in one pass; one whose port a placeholder holds is placed as ``move`` places it.
    """
    registry = builder.registry
    by_table: dict[int, list[Entry]] = {}
    placing: list[tuple[Entry, int]] = []  # rows placed as ``move`` places one, and the table they go into
    for entry in moved:
        held = [other for other in registry.by_port.get(ports[entry.line], ()) if other is not entry]
        if any(other.index in builder.replaced for other in held):
            raise RefusedError(f"port {ports[entry.line]} is in a row this edit changes already", path=registry.path)
        table = section_table(registry, registry.sections[sections.get(entry.line, entry.section)])
        if held or table != entry.table:  # a placeholder to split, or the table ``move`` puts the row in
            placing.append((entry, table))
        else:
            by_table.setdefault(entry.table, []).append(entry)
    for table, entries in by_table.items():
        plan = builder.plan(table)
        positions = {plan.index_of(entry.row) for entry in entries}
        rows = [plan.items[position] for position in sorted(positions)]
        plan.items = [item for position, item in enumerate(plan.items) if position not in positions]
        plan.insert_all_sorted(rows)
    for entry, table in placing:
        plan = builder.plan(entry.table)
        row = plan.items.pop(plan.index_of(entry.row)).row
        port = ports[entry.line]
        texts = (
            list(row.texts) if table == entry.table else carried_cells(registry, entry, list(row.texts), table, False)
        )
        place(builder, table, port, texts, builder.key(table, texts, entry.service, [port]))


# Accepting these would hide a broken or useless comment, not a known state of the ports.
_NOT_ACCEPTED = {BAD_DIRECTIVE.id, UNUSED_ACCEPT.id}


def add_accepts(registry: Registry, findings: Iterable[Finding]) -> Edit:
    """An edit adding an accept comment under each section heading for its findings.

    A finding outside any heading (the preamble) or of a rule that cannot be accepted is left
    as it is. A rule whose findings have no ports is accepted for the whole section.
    """
    document = registry.document
    wanted: dict[int, dict[str, set[int] | None]] = {}  # section -> rule -> ports (None: all)
    for finding in findings:
        if finding.section is None or finding.rule.id in _NOT_ACCEPTED:
            continue
        section = registry.sections[finding.section]
        if not section.heading:
            continue  # the preamble has no heading to put the comment under
        rules = wanted.setdefault(finding.section, {})
        ports = rules.get(finding.rule.id, set())
        rules[finding.rule.id] = None if ports is None or not finding.ports else ports | set(finding.ports)
    newline = document.newline
    heading_blocks = {
        block.start + 1: index for index, block in enumerate(document.blocks) if isinstance(block, Heading)
    }
    inserted: dict[int, list[Block]] = {}
    changes: list[Change] = []
    for section_index, rules in sorted(wanted.items()):
        section = registry.sections[section_index]
        comments: list[Block] = []
        for rule, ports in sorted(rules.items()):
            listed = " ".join(map(str, sorted(ports or ())))
            text = f"<!-- mdports: accept {rule}{' ' + listed if listed else ''} -->"
            comments.append(Html(0, (text + newline,)))
            changes.append(Change("accept", None, tuple(sorted(ports or ())), section.heading, f"added {text}"))
        inserted[heading_blocks[section.line]] = comments
    blocks: list[Block] = []
    added: set[int] = set()
    line = 0
    for index, block in enumerate(document.blocks):
        blocks.append(block)
        line += block.line_count
        for comment in inserted.get(index, ()):
            blocks.append(comment)
            added.add(line)
            line += 1
    after = dataclasses.replace(document, blocks=tuple(blocks)).replace_blocks({})
    added_lines = frozenset(added)
    return Edit(document, after, tuple(changes), (), frozenset(), added_lines, registry=registry, scope=frozenset())
