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
    assert totals["read"] >= 0.97 * totals["expected"]
    assert totals["ports_read"] >= 0.97 * totals["ports_expected"]
    assert totals["silent"] == 0  # a document read empty says why (MP006, MP110 or explain)
    assert totals["errors"] <= 67  # 32 of them real on 2026-12-06: see the manifest's false_errors
    assert totals["real"] == sum(len(fact.get("real_errors", [])) for fact in MANIFEST.values())


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_document_reads_its_rows_and_round_trips(name: str) -> None:
    text = (CORPUS / "docs" / name).read_text(encoding="utf-8")
    document = mdports.parse(text)
    assert document.render() == text
    model = mdports.registry(document)
    read = [entry for entry in model.every_entry if entry.spans]
    assert len(read) >= MANIFEST[name]["rows"]
    ports = {port for entry in read for port in entry.ports}
    assert set(MANIFEST[name]["ports"]) <= ports
    if not read:  # never silently empty: a finding, or explain, says why
        assert [r for r in model.readings if r.role != "other"] or not model.readings
