"""Three-way merge of port schemas by meaning, for use as a git merge driver.

The merge runs in two layers. Prose — everything but registry tables — is merged as text,
like ``git merge-file`` does (it is what runs it), with each registry table standing in as one
opaque line whose name is the table's identity (the same table in all three versions, found by
the semantic diff: its section's declared range, then the entries it holds, then its place in
its section), so a heading renamed on one side merges with row edits on the other.

Registry rows are merged by meaning. What *theirs* did to the registry since *base* is exactly
what :func:`mdports.diff.compare.compare` reports (the same comparison ``mdports diff`` shows);
each of those changes is replayed onto *our* rows, matched to ours by the identity the same
comparison of *base* and *ours* gives. Replay is faithful: their row is written as they wrote it
(ports, cells, place after the row it follows), in our table's style, even where our rules
would warn; the findings it brings are reported after the merge. A row both sides changed is
merged cell by cell. A column they renamed is renamed in our matching table (its header cell
only), and cells are matched by column across the three versions, whatever each side calls it.
All replayed rows go into our document as one batch, verified once.

The invariant: no side's change is lost silently. Every row either side added or edited is in
the result, or a conflict is named and the row is between conflict markers (and the merge is not
clean). Both sides changing one cell differently, claiming one port or one name for different
things, renaming or reordering columns differently, or one side removing an entry, a column or
a whole table the other changed, are conflicts; ``renumber`` gives their new entry the next free
port of its range instead of a port clash. A clean merge whose document has an error neither
side has (our row refers to a service they removed) is not clean either: the error is reported.
When the three versions end their lines differently, they are merged with LF and the result
takes the line ending of the side that changed it (ours when both did).

Here: the merge as a whole. The prose layer and conflict markers are :mod:`mdports.merge.prose`,
the replay :mod:`mdports.merge.replay`, on the state and rows of :mod:`mdports.merge.rows`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .. import edits
from ..errors import RefusedError
from ..model.lookup import Registry
from ..model.reading import build
from ..model.registry import RegistryTable
from ..readonly import readonly
from ..rules.findings import Finding
from ..syntax.document import Document, Table, parse, shared_rows
from .lists import ListMerge
from .prose import (
    TOKEN_LINE,
    Labels,
    date_aligned,
    git_merge_file,
    marked_table,
    merge_table_text,
    new_key,
    rendered,
    skeleton,
    unplaced,
)
from .replay import Replay
from .rows import Conflict


@readonly
class MergeResult:
    """The merged text, the changes of theirs replayed, conflicts left, and findings their rows bring."""

    text: str
    merged: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    prose_conflicts: int = 0
    findings: tuple[Finding, ...] = ()
    errors: tuple[Finding, ...] = ()  # errors of the merged document that neither side has

    @property
    def clean(self) -> bool:
        """Nothing left for a person: no conflict, and no new error (git then records the merge)."""
        return not self.conflicts and not self.prose_conflicts and not self.errors


def merge(
    base: Document, ours: Document, theirs: Document, *, renumber: bool = False, labels: Labels | None = None
) -> MergeResult:
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
    with shared_rows():  # verify parses a fourth version of the same rows
        texts = [document.render() for document in (base, ours, theirs)]
        endings = [_endings(text) for text in texts]
        if len(set(endings)) == 1:
            return _merge(base, ours, theirs, texts, renumber, labels or Labels())
        # One side changed the line endings (a CRLF conversion): merged in LF, written with one ending.
        eol = (theirs if endings[1] == endings[0] else ours).newline
        texts = [text.replace("\r\n", "\n") for text in texts]
        lf = [parse(text, path=d.path) for text, d in zip(texts, (base, ours, theirs), strict=True)]
        result = _merge(lf[0], lf[1], lf[2], texts, renumber, labels or Labels())
        return replace(result, text=result.text.replace("\n", eol)) if eol != "\n" else result


def _endings(text: str) -> str:
    """How a text ends its lines: ``\\r\\n``, ``\\n`` (also when it has no line break) or ``mixed``."""
    crlf, lf = text.count("\r\n"), text.count("\n")
    return "mixed" if 0 < crlf < lf else "\r\n" if crlf else "\n"


def _merge(
    base: Document, ours: Document, theirs: Document, texts: list[str], renumber: bool, labels: Labels
) -> MergeResult:
    base_text, ours_text, theirs_text = texts  # the three documents rendered
    if ours_text == theirs_text or theirs_text == base_text:
        return MergeResult(ours_text)
    if ours_text == base_text:
        return MergeResult(theirs_text, ("took theirs (ours unchanged)",))

    registries = build(base), build(ours), build(theirs)
    replay = Replay(*registries, renumber)
    replay.run()
    edit, marks = replay.finish()
    replayed = edits.verify(edit, errors=False)  # once, for the whole batch
    # Validated once: for the rows their side wrote, and again only when the merged text differs.
    validated = _validate(replayed) if edit.added_lines else None
    findings = tuple(f for f in validated if f.line - 1 in edit.added_lines) if validated else ()

    base_registry, ours_registry, theirs_registry = registries
    base_keys = {index: f"table {index}" for index in range(len(base_registry.tables))}
    ours_base = {new: old for old, new in replay.our_tables.items()}
    ours_keys = {
        i: base_keys.get(ours_base.get(i, -1)) or new_key(ours, info.block)
        for i, info in enumerate(ours_registry.tables)
    }
    theirs_keys = {
        i: base_keys.get(replay.base_table_of_theirs.get(i, -1)) or new_key(theirs, info.block)
        for i, info in enumerate(theirs_registry.tables)
    }
    # A table one side removed while the other changed it: its token is made to differ from the
    # base's, so the prose merge puts the changed table between markers instead of dropping it.
    at_risk: set[int] = set()  # our tables that go between markers whole
    for index, info in enumerate(ours_registry.tables):
        base_index = ours_base.get(index)
        if base_index is None or base_index in replay.their_tables:
            continue
        block = edit.after.blocks[info.block]
        assert isinstance(block, Table)
        original = base.blocks[base_registry.tables[base_index].block]
        assert isinstance(original, Table)
        rows = _kept_rows(block, info, original)
        if rows:
            at_risk.add(index)
            ours_keys[index] += " (ours)"
            replay.conflicts.append(
                Conflict(
                    f"they removed the table at line {info.line}, but we added or changed {rows} in it", placed=True
                )
            )
    for index, info in enumerate(theirs_registry.tables):
        base_index = replay.base_table_of_theirs.get(index)
        if base_index is None or base_index in replay.our_tables:
            continue
        if theirs.blocks[info.block].render() != base.blocks[base_registry.tables[base_index].block].render():
            theirs_keys[index] += " (theirs)"
            replay.conflicts.append(
                Conflict(f"we removed the table at line {info.line} of their version, but they changed it", placed=True)
            )
    running = ListMerge(*registries, labels)
    replay.conflicts += running.conflicts
    replay.merged += running.merged
    (base_skeleton, base_tables), (ours_skeleton, _), (theirs_skeleton, theirs_tables) = (
        skeleton(d, r, k, running.regions(side))
        for side, d, r, k in zip(
            range(3), (base, ours, theirs), registries, (base_keys, ours_keys, theirs_keys), strict=True
        )
    )
    skeletons = date_aligned([base_skeleton, ours_skeleton, theirs_skeleton])
    merged_skeleton, prose_conflicts = git_merge_file(skeletons[0], skeletons[1], skeletons[2], labels)

    tables: dict[str, Table | str] = dict(theirs_tables)  # tables only they have arrive as they wrote them
    for index, info in enumerate(ours_registry.tables):
        key = ours_keys[index]
        block = edit.after.blocks[info.block]
        assert isinstance(block, Table)
        if info.service_column is None:
            before, after = base_tables.get(key), theirs_tables.get(key)
            text, conflicts = merge_table_text(
                before.render() if before is not None else None,
                block.render(),
                after.render() if after is not None else None,
                labels,
            )
            tables[key] = text
            if conflicts:
                replay.conflicts.append(Conflict(f"the table at line {info.line} changed on both sides", placed=True))
            continue
        original = ours.blocks[info.block]
        assert isinstance(original, Table)
        if info.block in marks and index not in at_risk:  # a table at risk goes between markers whole
            tables[key] = marked_table(block, original, marks[info.block], labels)
        else:
            tables[key] = block
    tables.update(running.texts)
    kept = set(TOKEN_LINE.findall(merged_skeleton))
    theirs_have = {*theirs_keys.values(), *running.keys[2].values()}
    ours_lines = [(key, "table", ours_registry.tables[i].line) for i, key in ours_keys.items()]
    ours_lines += [(key, "running list", ours_registry.lists[i].line) for i, key in running.keys[1].items()]
    for key, what, line in ours_lines:
        if key not in kept and (key in theirs_have or key.endswith(" (ours)")):
            # Both sides still have it (or theirs removed what we changed), yet the prose merge
            # left it out: never silently, ours goes between markers at the end.
            replay.conflicts.append(
                Conflict(f"the {what} at line {line} was lost merging the prose around it", ours=rendered(tables[key]))
            )
    text = TOKEN_LINE.sub(lambda m: rendered(tables.get(m.group(1), "")), merged_skeleton)
    text = unplaced(text, replay.conflicts, labels)
    errors: tuple[Finding, ...] = ()
    if not replay.conflicts and not prose_conflicts:  # markers would make a document of their own
        from ..diff.snapshot import new_errors

        if text == edit.text:  # nothing but their rows changed: the registry verify read is the result's
            merged, checked = replayed, validated if validated is not None else _validate(replayed)
        else:
            merged = build(parse(text, path=ours.path))
            checked = _validate(merged)
        errors = new_errors(merged, checked, (ours_registry, theirs_registry))
    return MergeResult(text, tuple(replay.merged), tuple(replay.conflicts), prose_conflicts, findings, errors)


def _kept_rows(table: Table, info: RegistryTable, base: Table) -> str:
    """What a removal of ``table`` would lose (empty: nothing), named for people.

    Their removals are replayed first, so the rows of a registry table still there are those we
    added or changed; a header we changed (a column renamed) is a change too. Another table is
    merged whole, so any change of ours is at risk.
    """
    if info.service_column is None:
        return "" if table.render() == base.render() else "its text"
    rows = table.rows[2:]
    if not rows:
        return "its header" if table.header.texts != base.header.texts else ""
    column = info.service_column
    names = [row.texts[column] if column < len(row.texts) else "" for row in rows]
    shown = ", ".join(name or "a row" for name in names[:5])
    return f"{len(rows)} row(s) ({shown}{', ...' if len(names) > 5 else ''})"


def _validate(registry: Registry) -> tuple[Finding, ...]:
    """Every finding of ``registry`` (validation is loaded only when a merge needs it)."""
    from ..rules.validation import validate

    return validate(registry).findings


def merge_files(
    base: Path,
    ours: Path,
    theirs: Path,
    *,
    renumber: bool = False,
    path: str | None = None,
    labels: Labels | None = None,
) -> MergeResult:
    """Merge three files (git's ``%O %A %B``); ``path`` (git's ``%P``) names the document in messages.

    A merge by meaning that mdports refuses (its result would not read back as the two sides
    meant) falls back to git's own text merge, never to our side alone: git stops the merge for a
    person, and the file holds both sides' lines (between markers where they overlap) and a note
    at its end saying why (see :func:`text_merge`).
    """
    from ..files.reading import read_text

    texts = [read_text(file) for file in (base, ours, theirs)]
    with shared_rows():  # three versions of one document share nearly every row
        documents = [
            parse(text, path=path or str(file)) for text, file in zip(texts, (base, ours, theirs), strict=True)
        ]
        try:
            return merge(*documents, renumber=renumber, labels=labels)
        except RefusedError as refusal:
            return text_merge(texts[0], texts[1], texts[2], labels or Labels(), refusal.message.split(";")[0])


def text_merge(base: str, ours: str, theirs: str, labels: Labels, why: str) -> MergeResult:
    """git's text merge of the three versions, with a conflict at the end saying why mdports did not merge by meaning.

    Found by benchmarks/damage.py: their hand edit of a cell (a port number replaced by a note)
    could not be replayed, and the driver exited leaving our version alone in the file, so a
    person resolving the "conflict" without markers would have dropped their change.
    """
    aligned = date_aligned([base, ours, theirs])
    text, prose_conflicts = git_merge_file(aligned[0], aligned[1], aligned[2], labels)
    conflict = Conflict(f"mdports could not merge this document by meaning ({why}); it was merged as text: check it")
    return MergeResult(unplaced(text, [conflict], labels), (), (conflict,), prose_conflicts)
