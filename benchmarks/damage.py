"""Hunt for damage: every writer of mdports run on real documents, and what it must not break.

    python benchmarks/damage.py                 # every part, on ../shared/corpus and the wild documents
    python benchmarks/damage.py --part edits    # or: fix, drift, merge
    python benchmarks/damage.py --merges 200    # how many random merges (default 120)
    python benchmarks/damage.py --seed 4 --verbose   # other random choices; list each conflict named

It reads the 120 documents of ``../shared/corpus/docs`` (next to the repository, skipped when
missing) and ``tests/golden/wild/docs``, and works on copies in a temporary folder. For each
document it checks, through the library (the same code the commands run):

- **edits** (``add``, ``remove``, ``rename``, ``set`` on up to four entries of every document):
  the bytes outside the rows the edit means to touch (the entry's rows, the rows that refer to
  it, the "Last updated" line, a placeholder an ``add`` consumes) are identical; the new text
  reads back with the intended change and no other entry lost or gained; no new error finding.
  An edit refused with a message (``MdportsError``) is counted, not a failure: refusing is safe.
- **fix** (``validate --fix`` and ``--unsafe-fixes``): no entry lost (the same services, as many
  rows), no new error finding, and a second run changes nothing (idempotence).
- **drift** (the 27 folders of ``../shared/corpus/deploy`` with their document, through the
  installed ``mdports drift --fix document --add-undocumented`` and ``--fix deployment
  --unsafe-fixes``): every deployment file still parses (YAML, env), every changed line of a
  deployment file is a line that held a port, comment lines are kept, and a second run has
  nothing left to fix.
- **merge** (real ``git merge`` with the driver installed, of two branches each making one or
  two random edits — mdports edits or hand-like text changes — to a corpus document): when the
  merge succeeds, every side's change is in the result (each added, renamed, set or removed
  entry, each text line added); when it reports a conflict, stderr names it and git leaves the
  file conflicted.

Prints one line per kind of check: how many were tried, held, refused (an edit refused with a
message, a folder with nothing to fix, a merge that named a conflict), and each failure with its
case, so that a failure can be replayed (a failed merge's four texts are kept in
``$TMPDIR/damage-merges/N``). Exit 1 when any check failed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import partial
from pathlib import Path
from typing import Any

import yaml

import mdports
from mdports.edits import date_span
from mdports.errors import MdportsError
from mdports.fixes.fix_rounds import fix_document
from mdports.model.lookup import Registry
from mdports.model.registry import Entry
from mdports.syntax.document import Document, Table
from mdports.syntax.row import split_lines

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
WILD = ROOT / "tests" / "golden" / "wild" / "docs"
MDPORTS = Path(sys.executable).parent / "mdports"
# The entries of a registry, by service name and ports.
Keys = Counter[tuple[str | None, tuple[int, ...]]]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _./()+:-]*\Z")


@dataclass
class Tally:
    """What one kind of check saw."""

    tried: int = 0
    held: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was seen, for a person to judge (with --verbose)

    def fail(self, case: str) -> None:
        self.failures.append(case)


TALLIES: dict[str, Tally] = {}


def tally(kind: str) -> Tally:
    return TALLIES.setdefault(kind, Tally())


def documents() -> Iterator[Path]:
    if (CORPUS / "docs").is_dir():
        yield from sorted((CORPUS / "docs").glob("*.md"))
    yield from sorted(WILD.glob("*.md"))


def _errors(model: Registry) -> Counter[tuple[str, tuple[int, ...]]]:
    """The error findings, by rule and ports (an edit shifts lines and renames what messages name)."""
    found = mdports.validate(model).findings
    return Counter((f.rule.id, f.ports) for f in found if f.rule.severity == "error")


def _repad_problem(before: Document, after: Document, block: int) -> str | None:
    """Why the re-padding of table ``block`` was not the one the style promises, or None.

    An aligned table is re-padded only when a new cell is wider than its column (the column's
    width less one space on each side), and keeps its delimiter row's style (`|---|` or `| --- |`).
    """
    old, new = before.blocks[block], after.blocks[block]
    if not isinstance(old, Table) or not isinstance(new, Table):
        return "the table moved"
    known = {row.texts for row in old.rows}
    room = [len(cell) - 2 for cell in old.header.cells]
    wider = any(
        len(text) > room[i]
        for row in new.rows
        if row.texts not in known
        for i, text in enumerate(row.texts)
        if i < len(room)
    )
    if not wider:
        return "a table whose new cells fit was re-padded"

    def padded(table: Table) -> bool:
        return any(cell.startswith(" ") for cell in table.delimiter.cells if cell.strip())

    if padded(old) != padded(new):
        return (
            f"the delimiter row changed style: {old.delimiter.render().strip()!r} -> {new.delimiter.render().strip()!r}"
        )
    return None


def _keys(model: Registry, assigned: bool = False) -> Keys:
    return Counter((e.service, e.ports) for e in model.entries if not assigned or e.service is not None)


def _difference(wanted: Counter[Any], got: Counter[Any]) -> str:
    return (
        f"lost {sorted((wanted - got).elements(), key=str)[:3]} extra {sorted((got - wanted).elements(), key=str)[:3]}"
    )


def _changed_lines(before: str, after: str) -> tuple[set[int], list[str]]:
    """The 0-based lines of ``before`` replaced or removed, and the lines ``after`` inserted."""
    old, new = split_lines(before), split_lines(after)
    removed: set[int] = set()
    inserted: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed.update(range(i1, i2))
            inserted += new[j1:j2]
    return removed, inserted


def _date_line(text: str) -> set[int]:
    span = date_span(text)
    return {text.count("\n", 0, span[0])} if span else set()


def _rows_of(model: Registry, entries: list[Entry]) -> set[int]:
    lines = {entry.line - 1 for entry in entries}
    targets = {entry.index for entry in entries}
    lines |= {
        ref.line - 1 for ref in model.references if ref.entry in targets or ref.service in {e.service for e in entries}
    }
    holders = {ref.entry for ref in model.references if ref.service in {e.service for e in entries}}
    lines |= {model.entries[i].line - 1 for i in holders if i < len(model.entries)}
    return lines


# Edits ---------------------------------------------------------------------------------------


def _stray(text: str, edit: mdports.Edit, allowed: set[int], block: int) -> list[str]:
    """The lines the edit changed beyond ``allowed`` (a warranted re-pad of table ``block`` may)."""
    removed, _ = _changed_lines(text, edit.text)
    lines = split_lines(text)
    if not text.endswith(("\n", "\r")) and lines:
        allowed = allowed | {len(lines) - 2}  # removing the last row moves the missing final newline up
    stray = sorted(removed - allowed - _date_line(text))
    if not stray:
        return []
    table = edit.before.blocks[block]
    if all(table.start <= n < table.start + table.line_count for n in stray):
        problem = _repad_problem(edit.before, edit.after, block)
        return [f"table re-padded: {problem}"] if problem else []
    return [f"lines changed outside the edit: {[n + 1 for n in stray[:5]]}"]


def _check_edit(
    kind: str,
    case: str,
    text: str,
    model: Registry,
    run: Callable[[mdports.Document], mdports.Edit],
    allowed: set[int],
    block: int,
    expect: Callable[[Keys, mdports.Edit], Keys],
    assigned: bool = False,
) -> None:
    count = tally(kind)
    count.tried += 1
    try:
        edit = run(mdports.parse(text))
        mdports.verify(edit)
    except MdportsError:
        count.refused += 1
        return
    new = edit.text
    problems = _stray(text, edit, allowed, block)
    after = mdports.registry(mdports.parse(new))
    wanted, read = expect(_keys(model, assigned), edit), _keys(after, assigned)
    if read != wanted:
        problems.append(f"entries differ: {_difference(wanted, read)}")
    new_errors = _errors(after) - _errors(model)
    if new_errors:
        problems.append(f"new errors {sorted(new_errors)[:3]}")
    if problems:
        count.fail(f"{case}: " + "; ".join(problems))
    else:
        count.held += 1


def edits(path: Path, rng: random.Random) -> None:
    text = path.read_text(encoding="utf-8")
    document = mdports.parse(text)
    round_trip = tally("round trip")
    round_trip.tried += 1
    if document.render() != text:
        round_trip.fail(path.name)
        return
    round_trip.held += 1
    model = mdports.registry(document)
    names = model.by_name
    unique = [
        entry
        for entry in model.entries
        if entry.service
        and len(names.get(entry.service, ())) == 1
        and _NAME.match(entry.service)
        and entry.spans
        and entry.layer == "planned"
    ]
    picked = rng.sample(unique, min(4, len(unique)))
    for entry in picked:
        case = f"{path.name} {entry.service!r} (line {entry.line})"
        rows = _rows_of(model, [entry])
        block = model.tables[entry.table].block
        name = entry.service
        assert name is not None
        new_name = f"{name}-dmg"

        def renamed(keys: Keys, _: mdports.Edit, old: str = name, to: str = new_name) -> Keys:
            return Counter({(to if service == old else service, ports): n for (service, ports), n in keys.items()})

        _check_edit("rename", case, text, model, partial(mdports.rename, old=name, new=new_name), rows, block, renamed)

        def removed(keys: Keys, _: mdports.Edit, gone: Entry = entry) -> Keys:
            return keys - Counter({(gone.service, gone.ports): 1})

        _check_edit("remove", case, text, model, partial(mdports.remove, key=name), {entry.line - 1}, block, removed)

        table = model.tables[entry.table]
        others = [
            header
            for i, header in enumerate(table.headers)
            if i
            not in (
                table.port_column,
                table.service_column,
                table.protocol_column,
                table.host_column,
                table.group_column,
                table.block_column,
                *table.joined,
            )
            and header.strip()
            and "port" not in header.lower()
        ]
        if others:
            column = others[-1]

            def same(keys: Keys, _: mdports.Edit) -> Keys:
                return keys

            _check_edit(
                "set",
                f"{case} {column!r}",
                text,
                model,
                partial(mdports.set_cells, name=name, cells={column: "damage probe"}),
                {entry.line - 1},
                block,
                same,
            )
    sections = [section for section in model.sections if section.declared is not None]
    for section in rng.sample(sections, min(2, len(sections))):
        case = f"{path.name} add to {section.heading!r}"
        placeholders = {e.line - 1 for e in model.entries if e.service is None}
        tables = [t.block for t in model.tables if t.section == section.index]

        def added(keys: Keys, edit: mdports.Edit) -> Keys:
            return keys + Counter({("damage-probe", edit.ports): 1})

        # A placeholder the port is taken from shrinks or splits: only the assigned entries are compared.
        run = partial(mdports.add, name="damage-probe", range=str(section.declared))
        _check_edit("add", case, text, model, run, placeholders, tables[0] if tables else 0, added, assigned=True)


# Fix -----------------------------------------------------------------------------------------


def fixes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document = mdports.parse(text)
    model = mdports.registry(document)
    for unsafe in (False, True):
        count = tally("fix --unsafe-fixes" if unsafe else "fix")
        count.tried += 1
        try:
            outcome = fix_document(document, unsafe=unsafe)
        except MdportsError:
            count.refused += 1
            continue
        new = outcome.after.render()
        after = mdports.registry(mdports.parse(new))
        problems = []
        services = Counter(e.service for e in model.entries if e.service is not None)
        now = Counter(e.service for e in after.entries if e.service is not None)
        if services != now:
            problems.append(f"services differ: {_difference(services, now)}")
        new_errors = _errors(after) - _errors(model)
        if new_errors:
            problems.append(f"new errors {sorted(new_errors)[:3]}")
        again = fix_document(mdports.parse(new), unsafe=unsafe).after.render()
        if again != new:
            removed, _ = _changed_lines(new, again)
            problems.append(f"not idempotent: a second run changes lines {[n + 1 for n in sorted(removed)[:5]]}")
        if problems:
            count.fail(f"{path.name}: " + "; ".join(problems))
        else:
            count.held += 1


# Drift --fix -----------------------------------------------------------------------------------

_COMPARABLE = re.compile(r"[0-9]+")


def _deployment_texts(root: Path) -> dict[str, str]:
    """Every deployment file mdports finds below ``root`` (as ``drift`` without configuration does)."""
    from mdports.deploy.discover import discover

    return {found.path: (root / found.path).read_text(encoding="utf-8") for found in discover(root).files}


def _parses(path: str, text: str) -> str | None:
    """Why ``text`` no longer reads as the file it is, or None."""
    if path.endswith((".yml", ".yaml")):
        try:
            list(yaml.safe_load_all(text))
        except yaml.YAMLError as error:
            return f"not YAML any more: {str(error).splitlines()[0]}"
        return None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and "=" not in stripped:
            return f"line {number} is no NAME=value line: {line!r}"
    return None


def _drift(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MDPORTS), "drift", *args], cwd=folder, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )


def _prepare(deploy: Path, document: Path, into: Path) -> Path:
    folder = into / deploy.name
    shutil.copytree(deploy, folder, symlinks=True)
    (folder / "docs").mkdir(exist_ok=True)
    shutil.copyfile(document, folder / "docs" / "PORT_SCHEMA.md")
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o644)
    return folder


def drift() -> None:
    deploys = sorted((CORPUS / "deploy").glob("[0-9]*")) if (CORPUS / "deploy").is_dir() else []
    with tempfile.TemporaryDirectory() as scratch:
        for deploy in deploys:
            document = CORPUS / "docs" / f"{deploy.name}.md"
            for direction in ("deployment", "document"):
                work = Path(scratch) / direction
                work.mkdir(exist_ok=True)
                folder = _prepare(deploy, document, work)
                _drift_case(folder, direction)


def _drift_case(folder: Path, direction: str) -> None:
    count = tally(f"drift --fix {direction}")
    count.tried += 1
    case = f"deploy/{folder.name}"
    try:
        files = _deployment_texts(folder)
    except MdportsError as error:  # a deployment file of the corpus that is not YAML: drift says so, exit 2
        count.refused += 1
        print(f"    {case}: not tried: {str(error).splitlines()[0]}")
        return
    doc_path = folder / "docs" / "PORT_SCHEMA.md"
    doc_before = doc_path.read_text(encoding="utf-8")
    options = ("--unsafe-fixes",) if direction == "deployment" else ("--add-undocumented",)
    result = _drift(folder, "--fix", direction, *options)
    if result.returncode == 2 or "Traceback" in result.stderr:
        count.fail(f"{case}: exit {result.returncode}: {result.stderr.strip().splitlines()[-1:]}")
        return
    problems: list[str] = []
    after = _deployment_texts(folder)
    doc_after = doc_path.read_text(encoding="utf-8")
    changed = [path for path in files if after.get(path) != files[path]]
    if direction == "document":
        if changed:
            problems.append(f"--fix document changed deployment files {changed}")
        if doc_after != doc_before:
            problems += _document_kept(doc_before, doc_after)
    else:
        if doc_after != doc_before:
            problems.append("--fix deployment changed the document")
        for path in changed:
            old, new = files[path], after[path]
            why = _parses(path, new)
            if why:
                problems.append(f"{path}: {why}")
            old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
            if len(old_lines) != len(new_lines):
                problems.append(f"{path}: {len(old_lines)} lines -> {len(new_lines)}")
                continue
            for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=True), 1):
                if a != b and (_COMPARABLE.sub("N", a) != _COMPARABLE.sub("N", b) or a.lstrip().startswith("#")):
                    problems.append(f"{path}:{number}: more than a port changed: {a.strip()!r} -> {b.strip()!r}")
    again = _drift(folder, "--fix", direction, *options, "--dry-run")
    if direction == "deployment" and re.search(r"MP2[0-9]+ host port", again.stdout):
        problems.append(f"a second run fixes again: {again.stdout.strip().splitlines()[:2]}")
    if direction == "document" and "would change" in again.stdout + again.stderr:
        problems.append("a second run changes the document again")
    if problems:
        count.fail(f"{case}: " + "; ".join(problems[:4]))
    elif not changed and doc_after == doc_before:
        count.refused += 1  # nothing to fix, or every fix declined
    else:
        count.held += 1


def _document_kept(before: str, after: str) -> list[str]:
    """What ``drift --fix document`` lost: entries, or an error finding it created."""
    old, new = mdports.registry(mdports.parse(before)), mdports.registry(mdports.parse(after))
    problems = []
    lost = Counter(e.service for e in old.entries if e.service) - Counter(e.service for e in new.entries if e.service)
    if lost:
        problems.append(f"entries lost: {sorted(lost)[:4]}")
    created = _errors(new) - _errors(old)
    if created:
        problems.append(f"new errors {sorted(created)[:3]}")
    return problems


# Merge -----------------------------------------------------------------------------------------

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "damage",
    "GIT_AUTHOR_EMAIL": "damage@example.com",
    "GIT_COMMITTER_NAME": "damage",
    "GIT_COMMITTER_EMAIL": "damage@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}
_MARKERS = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.MULTILINE)


@dataclass(frozen=True)
class Intent:
    """What a side's change must leave in a merged document: an entry there or gone, a cell, a line."""

    what: str  # "entry", "gone", "cell", "line"; "renamed" (name -> detail) only says where a cell went
    name: str
    detail: str = ""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **_GIT_ENV})


def _side(text: str, rng: random.Random, label: str, avoid: set[str]) -> tuple[str, list[Intent], str]:
    """One or two random changes to ``text``, as mdports or a person makes them; what they mean."""
    intents: list[Intent] = []
    done: list[str] = []
    for number in range(rng.randint(1, 2)):
        document = mdports.parse(text)
        model = mdports.registry(document)
        names = model.by_name
        entries = [
            e
            for e in model.entries
            if e.service
            and e.spans
            and len(names.get(e.service, ())) == 1
            and _NAME.match(e.service)
            and e.service not in avoid
            and e.layer == "planned"
            and not model.tables[e.table].record
        ]
        kind = rng.choice(["add", "rename", "set", "remove", "hand-cell", "hand-rename", "prose"])
        try:
            if kind == "prose":
                lines = split_lines(text)
                blanks = [i for i, line in enumerate(lines) if not line.strip()]
                if not blanks:
                    continue
                at = rng.choice(blanks)
                line = f"A note of {label} {number}: kept as written."
                text = "".join(lines[: at + 1]) + line + "\n\n" + "".join(lines[at + 1 :])
                intents.append(Intent("line", line))
            elif kind == "add":
                sections = [s for s in model.sections if s.declared is not None]
                if not sections:
                    continue
                name = f"{label}-new-{number}"
                edit = mdports.add(document, name, range=str(rng.choice(sections).declared))
                mdports.verify(edit)
                text = edit.text
                avoid.add(name)
                intents.append(Intent("entry", name, ",".join(map(str, edit.ports))))
            elif not entries:
                continue
            else:
                entry = rng.choice(entries)
                assert entry.service is not None
                name = entry.service
                avoid.add(name)
                table = model.tables[entry.table]
                if kind in ("rename", "hand-rename"):
                    new = f"{name}-{label}"
                    if kind == "rename":
                        edit = mdports.rename(document, name, new)
                        mdports.verify(edit)
                        text = edit.text
                    else:
                        text = _hand(text, entry, table.service_column, name, new)
                    avoid.add(new)  # a second change of this side leaves it alone: one intent per entry
                    intents.append(Intent("entry", new, ",".join(map(str, entry.ports))))
                    intents.append(Intent("renamed", name, new))
                    if kind == "rename" or name not in text.replace(new, ""):  # by hand, other rows may name it
                        intents.append(Intent("gone", name))
                elif kind == "remove":
                    edit = mdports.remove(document, name)
                    mdports.verify(edit)
                    text = edit.text
                    intents.append(Intent("gone", name))
                else:
                    columns = [
                        i
                        for i, h in enumerate(table.headers)
                        if i not in (table.port_column, table.service_column) and h.strip() and "port" not in h.lower()
                    ]
                    if not columns:
                        continue
                    column = rng.choice(columns)
                    value = f"note by {label}"
                    if kind == "set":
                        edit = mdports.set_cells(document, name, {table.headers[column]: value})
                        mdports.verify(edit)
                        text = edit.text
                    else:
                        row = document.blocks[table.block].rows[entry.row]  # type: ignore[union-attr]
                        old = row.texts[column] if column < len(row.texts) else ""
                        if not old or old not in row.cells[column]:
                            continue
                        text = _hand(text, entry, column, old, value)
                    intents.append(Intent("cell", name, value))
            done.append(kind)
        except MdportsError:
            continue
    return text, intents, "+".join(done) or "nothing"


def _hand(text: str, entry: Entry, column: int | None, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` in one cell of the entry's row, as an editor would."""
    lines = split_lines(text)
    line = lines[entry.line - 1]
    cells = line.split("|")
    # The cell's index among the pipes: 1 past it when the row has a leading pipe.
    index = (column or 0) + (1 if line.lstrip().startswith("|") else 0)
    if index >= len(cells) or old not in cells[index]:
        raise MdportsError("not a simple row")
    cells[index] = cells[index].replace(old, new, 1)
    lines[entry.line - 1] = "|".join(cells)
    return "".join(lines)


def _kept(text: str, intents: list[Intent], renames: dict[str, str]) -> list[str]:
    """The intents ``text`` does not hold (an entry the other side renamed is looked for by its new name)."""
    model = mdports.registry(mdports.parse(text))
    missing = []
    for intent in intents:
        name = intent.name
        found = model.by_name.get(name, ()) or model.by_name.get(name.casefold(), ())
        if intent.what == "cell" and name in renames:  # by hand, another row may still name it the old way
            found = (*found, *model.by_name.get(renames[name], ()), *model.by_name.get(renames[name].casefold(), ()))
        if intent.what == "line" and intent.name not in text:
            missing.append(f"line {intent.name!r} lost")
        elif intent.what == "entry" and not found:
            missing.append(f"entry {intent.name} lost")
        elif intent.what == "gone" and found:
            missing.append(f"entry {intent.name} back")
        elif intent.what == "cell" and not any(intent.detail in e.cells.values() for e in found):
            missing.append(f"cell {intent.detail!r} of {intent.name} lost")
    return missing


def _keep(trial: int, base: str, ours: str, theirs: str, merged: str) -> str:
    """Save a failed case's four texts for replaying; where they are."""
    folder = Path(tempfile.gettempdir()) / "damage-merges" / str(trial)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs), ("merged", merged)):
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return f" (texts in {folder})"


def merges(paths: list[Path], rng: random.Random, count: int) -> None:
    bases = [p for p in paths if any(t.service_column is not None for t in mdports.registry(mdports.load(p)).tables)]
    tried = tally("git merge")
    with tempfile.TemporaryDirectory() as scratch:
        for trial in range(count):
            path = rng.choice(bases)
            base = path.read_text(encoding="utf-8")
            # Two in five merges let both sides change the same entries: those must merge or conflict.
            avoid: set[str] = set()
            ours, ours_intents, ours_did = _side(base, rng, "ours", avoid)
            theirs, theirs_intents, theirs_did = _side(base, rng, "theirs", set() if rng.random() < 0.4 else avoid)
            case = f"#{trial} {path.name} ours {ours_did} / theirs {theirs_did}"
            repo = Path(scratch) / f"r{trial}"
            repo.mkdir()
            _git(repo, "-c", "init.defaultBranch=main", "init", "-q")
            _git(repo, "config", "merge.mdports.driver", f"'{MDPORTS}' merge %O %A %B --path %P --marker-size %L")
            (repo / ".gitattributes").write_text("PORT_SCHEMA.md merge=mdports\n")
            doc = repo / "PORT_SCHEMA.md"
            doc.write_text(base, encoding="utf-8")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-qm", "base")
            _git(repo, "checkout", "-qb", "feature")
            doc.write_text(theirs, encoding="utf-8")
            _git(repo, "commit", "-qam", "theirs")
            _git(repo, "checkout", "-q", "main")
            doc.write_text(ours, encoding="utf-8")
            _git(repo, "commit", "-qam", "ours")
            result = _git(repo, "merge", "--no-edit", "feature")
            merged = doc.read_text(encoding="utf-8")
            output = result.stdout + result.stderr
            tried.tried += 1
            if "Traceback" in output:
                tried.fail(f"{case}: a traceback: {output.strip().splitlines()[-1]}")
            elif result.returncode == 0:
                renames = {i.name: i.detail for i in ours_intents + theirs_intents if i.what == "renamed"}
                missing = _kept(merged, ours_intents, renames) + _kept(merged, theirs_intents, renames)
                if _MARKERS.search(merged):
                    missing.append("conflict markers in a clean merge")
                if missing:
                    tried.fail(f"{case}: clean, but " + "; ".join(missing) + _keep(trial, base, ours, theirs, merged))
                else:
                    tried.held += 1
            elif "CONFLICT" not in output:
                tried.fail(f"{case}: the merge failed without naming a conflict: {output.strip()[-200:]}")
            else:
                tried.refused += 1  # a named conflict: the person decides
                conflict = tally("git merge: conflicts named")
                conflict.tried += 1
                conflict.held += 1
                named = [line for line in output.splitlines() if "CONFLICT" in line]
                conflict.notes.append(f"{case}: {named[0].strip()[:160] if named else ''}")
                if not _MARKERS.search(merged) and "neither side has" not in output:
                    kept = _keep(trial, base, ours, theirs, merged)
                    conflict.fail(f"{case}: a conflict named, but no markers: {output.strip()[-200:]}{kept}")
            shutil.rmtree(repo)


# Main ----------------------------------------------------------------------------------------


def report(verbose: bool = False) -> int:
    failed = 0
    for kind, count in TALLIES.items():
        figures = f"tried {count.tried:5}  held {count.held:5}  refused {count.refused:4}"
        print(f"{kind:26} {figures}  failed {len(count.failures):3}")
        for case in count.failures:
            print(f"    FAILED {case}")
        for note in count.notes if verbose else ():
            print(f"    {note}")
        failed += len(count.failures)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("edits", "fix", "drift", "merge"), action="append")
    parser.add_argument("--merges", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print every conflict the merges named")
    options = parser.parse_args()
    parts = options.part or ["edits", "fix", "drift", "merge"]
    rng = random.Random(options.seed)
    paths = list(documents())
    print(f"{len(paths)} documents ({'with' if (CORPUS / 'docs').is_dir() else 'without'} ../shared/corpus)")
    for path in paths:
        if "edits" in parts:
            edits(path, rng)
        if "fix" in parts:
            fixes(path)
    if "drift" in parts:
        drift()
    if "merge" in parts:
        merges(paths, rng, options.merges)
    return report(options.verbose)


if __name__ == "__main__":
    sys.exit(main())
