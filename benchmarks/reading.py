"""How much of the wild corpus mdports reads: rows read against rows a person reads.

Runs the installed ``mdports`` on every document of ``tests/golden/wild/docs`` (``list
--format json`` and ``validate --format json``) and compares with the hand counts in
``tests/golden/wild/manifest.json``. Then, when ``../shared/corpus`` is there (120 real
documents of other teams), reads each of them in process and compares with
``benchmarks/corpus.json``. Prints one line per document and the totals::

    python benchmarks/reading.py [--quiet]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WILD = ROOT / "tests" / "golden" / "wild"
CORPUS = ROOT.parent / "shared" / "corpus"
MANIFEST = ROOT / "benchmarks" / "corpus.json"
EXPLANATIONS = frozenset({"MP006", "MP110"})  # say why nothing (or a table) was read


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("mdports") or str(Path(sys.executable).with_name("mdports"))
    return subprocess.run([command, *args], capture_output=True, text=True, check=False)


def main() -> None:
    manifest = json.loads((WILD / "manifest.json").read_text(encoding="utf-8"))["documents"]
    quiet = "--quiet" in sys.argv
    totals = {"expected": 0, "read": 0, "extra": 0, "empty": 0, "silent": 0, "errors": 0, "real": 0}
    for name, facts in manifest.items():
        path = str(WILD / "docs" / name)
        listed = _run("-f", path, "list", "--format", "json")
        entries = json.loads(listed.stdout)["entries"] if listed.returncode == 0 else []
        checked = _run("-f", path, "validate", "--format", "json")
        findings = json.loads(checked.stdout)["findings"] if checked.stdout.strip() else []
        errors = [(f["line"], f["rule"]) for f in findings if f["severity"] == "error"]
        real = [e for e in errors if list(e) in facts.get("real_errors", [])]
        # A row counts as read when its ports were read (or it is a planted, really malformed row).
        planted = {line for line, _ in facts.get("real_errors", [])}
        expected = facts["rows"]
        # The manifest counts table rows (as tests/test_wild.py does); list items have no cells.
        read = sum(1 for entry in entries if (entry["ports"] and entry["cells"]) or entry["line"] in planted)
        totals["expected"] += expected
        totals["read"] += min(read, expected)
        totals["extra"] += max(read - expected, 0)
        totals["empty"] += read == 0
        totals["silent"] += read == 0 and checked.returncode == 0
        totals["errors"] += len(errors)
        totals["real"] += len(real)
        if not quiet:
            code = checked.returncode
            print(f"{name:38} rows {read:>2}/{expected:<2} exit {code} errors {len(errors)} (real {len(real)})")
    share = 100 * totals["read"] / totals["expected"]
    print(
        f"{len(manifest)} documents: {totals['read']}/{totals['expected']} rows read ({share:.0f}%), "
        f"{totals['extra']} extra rows, {totals['empty']} documents with nothing read "
        f"({totals['silent']} of them pass validate), {totals['errors']} error findings, {totals['real']} real"
    )


def corpus_figures(corpus: Path = CORPUS, manifest: Path = MANIFEST) -> dict[str, Any]:
    """Read every document of the corpus in process and compare with the manifest: the totals, and
    per document (rows read, rows a person reads, error findings, the real ones)."""
    import mdports

    facts = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
    totals: dict[str, Any] = dict.fromkeys(
        ("documents", "expected", "read", "extra", "empty", "silent", "errors", "real", "explained"), 0
    )
    totals["checked_expected"] = totals["checked_read"] = 0
    totals["ports_expected"] = totals["ports_read"] = totals["bound"] = totals["unread"] = 0
    per: dict[str, tuple[int, int, int, int]] = {}
    for name, fact in facts.items():
        path = corpus / "docs" / name
        if not path.is_file():
            continue
        document = mdports.load(path)
        model = mdports.registry(document)
        entries = [e for e in model.every_entry if e.spans]
        report = mdports.validate(model)
        errors = [(f.line, f.rule.id) for f in report.findings if f.severity == "error"]
        explained = [e for e in errors if e[1] in EXPLANATIONS]
        real = [e for e in errors if list(e) in fact.get("real_errors", [])]
        read, expected, extra = _rows_read(entries, fact, _first_views(model))
        ports = {port for e in entries for port in e.ports}
        totals["documents"] += 1
        totals["expected"] += expected
        totals["read"] += read
        totals["extra"] += extra
        totals["empty"] += not entries
        totals["silent"] += not entries and not errors and not [r for r in model.readings if r.role != "other"]
        totals["errors"] += len(errors) - len(explained)
        totals["explained"] += len(explained)
        totals["real"] += len(real)
        totals["bound"] += fact.get("table_rows_with_ports", expected)
        # Rows of documents read empty that were not hand-counted: an estimate, apart from the counts.
        totals["unread"] += fact.get("unread_rows", 0) if not entries and "lines" not in fact else 0
        totals["ports_expected"] += len(fact["ports"])
        totals["ports_read"] += len(ports & set(fact["ports"]))
        if fact.get("checked") == "rows and errors":
            totals["checked_expected"] += expected
            totals["checked_read"] += read
        per[name] = (read, expected, len(errors) - len(explained), len(real))
    totals["per_document"] = per
    return totals


def _first_views(model: Any) -> dict[int, Any]:
    """For each second view (by its entry's identity): the entry it shows again -- a table row of
    another table (``first_views``, by row index) or a table row a list item repeats
    (``listed_views``, by item index): the two index spaces are kept apart."""
    views = {id(model.entries[index]): first for index, first in model.first_views.items()}
    views.update((id(model.listed[index]), first) for index, first in model.listed_views.items())
    return views


def _rows_read(entries: Sequence[Any], fact: Mapping[str, Any], first_views: Mapping[int, Any]) -> tuple[int, int, int]:
    """Rows read, rows a person reads and extra rows of one document.

    Where the manifest gives the ``lines`` of the rows a person reads (hand-counted), a row is
    read when an entry starts on its line and an entry on no such line is extra -- unless mdports
    reads it as a second view of a counted row: the counters differ on whether a service shown
    again in a second table is a row of its own, and a view joined to its entry adds nothing
    false. Elsewhere the counts are compared.
    """
    if "lines" not in fact:
        read, expected = len(entries), fact["rows"]
        return min(read, expected), expected, max(read - expected, 0)
    wanted = set(fact["lines"])
    starts = {entry.line for entry in entries}
    views = {entry.line for entry in entries if id(entry) in first_views and first_views[id(entry)].line in wanted}
    return len(wanted & starts), len(wanted), len(starts - wanted - views)


def _corpus(quiet: bool) -> None:
    if not (CORPUS / "docs").is_dir():
        print(f"{CORPUS}: not there; the corpus figures are skipped")
        return
    totals = corpus_figures()
    if not quiet:
        for name, (read, expected, errors, real) in totals["per_document"].items():
            print(f"corpus/{name:10} rows {read:>3}/{expected:<3} errors {errors} (real {real})")
    share = 100 * totals["read"] / max(totals["expected"], 1)
    ports = 100 * totals["ports_read"] / max(totals["ports_expected"], 1)
    print(
        f"corpus, {totals['documents']} documents: {totals['read']}/{totals['expected']} rows read ({share:.1f}%), "
        f"{ports:.1f}% of the ports, {totals['extra']} extra rows, {totals['empty']} documents with nothing read "
        f"({totals['silent']} of them silently), {totals['errors']} error findings, {totals['real']} real "
        f"(and {totals['explained']} MP006/MP110 saying why a table or document is not read); "
        f"hand-counted documents: {totals['checked_read']}/{totals['checked_expected']} rows; "
        f"{totals['read']}/{totals['bound']} table rows with a port-like number (an independent upper bound); "
        f"about {totals['unread']} rows a person reads in documents read empty "
        f"({100 * totals['read'] / max(totals['expected'] + totals['unread'], 1):.1f}% with them)"
    )


if __name__ == "__main__":
    main()
    _corpus("--quiet" in sys.argv)
