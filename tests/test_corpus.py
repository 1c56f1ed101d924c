"""The 120 real documents of ``../shared/corpus`` (issue 24): what mdports reads must not fall back.

``benchmarks/corpus.json`` holds, per document, the rows a person reads (hand-counted where its
``checked`` says so, otherwise what mdports read when it was written) and the error findings
judged real. Skipped when the corpus is not next to the repository.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

import mdports

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
MANIFEST = json.loads((ROOT / "benchmarks" / "corpus.json").read_text(encoding="utf-8"))["documents"]

pytestmark = pytest.mark.skipif(not (CORPUS / "docs").is_dir(), reason="../shared/corpus is not here")


def _reading() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reading_benchmark", ROOT / "benchmarks" / "reading.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_manifest_covers_the_corpus() -> None:
    assert sorted(MANIFEST) == sorted(path.name for path in (CORPUS / "docs").glob("*.md"))


def test_the_figures_do_not_fall_back() -> None:
    totals = _reading().corpus_figures(CORPUS, ROOT / "benchmarks" / "corpus.json")
    assert totals["documents"] == 120
    # Every document hand-counted on 2026-12-06. Rows read: 2,141 of 2,458 (87.1%) in the evening,
    # 2,436 (99.1%) after round 4 (columns known by content, addresses and routes, lists written port
    # first); ports 2,148 -> 2,545 of 2,908; error findings 54 -> 40 (29 real). Round 5 (ports in
    # notes, declared ports, ports shared legitimately): 2,447 rows, 2,547 ports, 30 errors (29 real).
    # Issue 24's target is 97%; these floors keep the reading from falling back.
    assert totals["read"] >= 2447
    assert totals["ports_read"] >= 2547  # of 2,908 ports
    assert totals["silent"] == 0  # a document read empty says why (MP006, MP110 or explain)
    assert totals["errors"] <= 30  # 29 of them real (the manifest's real_errors); 1 false (072:19), in the closing note
    assert totals["extra"] <= 69  # entries on no row a person reads: 114 before round 4, 82 before round 5
    assert totals["real"] == sum(len(fact.get("real_errors", [])) for fact in MANIFEST.values())


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_document_reads_its_rows_and_round_trips(name: str) -> None:
    text = (CORPUS / "docs" / name).read_text(encoding="utf-8")
    document = mdports.parse(text)
    assert document.render() == text
    model = mdports.registry(document)
    read = [entry for entry in model.every_entry if entry.spans]
    fact = MANIFEST[name]
    if "lines" in fact:  # hand-counted: at least the counted rows read when the counts were merged
        assert len(set(fact["lines"]) & {entry.line for entry in read}) >= fact["read_by_mdports"]
    else:
        assert len(read) >= fact["rows"]
        assert set(fact["ports"]) <= {port for entry in read for port in entry.ports}
    if not read:  # never silently empty: a finding, or explain, says why
        assert [r for r in model.readings if r.role != "other"] or not model.readings


def test_hand_counted_lines_count_rows_by_where_they_start(tmp_path: Path) -> None:
    """With ``lines``, a row is read when an entry starts on its line; an entry elsewhere is extra."""
    model = mdports.registry(mdports.load(CORPUS / "docs" / "060.md"))
    starts = sorted({entry.line for entry in model.every_entry if entry.spans})
    person = [*starts[1:], 99999]  # one row mdports reads that a person does not, one it misses
    fact = {"rows": len(person), "lines": person, "ports": [], "checked": "rows and errors"}
    manifest = tmp_path / "corpus.json"
    manifest.write_text(json.dumps({"documents": {"060.md": fact}}), encoding="utf-8")
    totals = _reading().corpus_figures(CORPUS, manifest)
    assert (totals["read"], totals["expected"], totals["extra"]) == (len(starts) - 1, len(person), 1)
    assert (totals["checked_read"], totals["checked_expected"]) == (len(starts) - 1, len(person))
    del fact["lines"]  # without lines, the counts are compared: every row read, none extra
    manifest.write_text(json.dumps({"documents": {"060.md": fact}}), encoding="utf-8")
    totals = _reading().corpus_figures(CORPUS, manifest)
    assert (totals["read"], totals["extra"]) == (len(person), len(starts) - len(person))
