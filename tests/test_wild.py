"""The wild corpus: port documents in the shapes teams write (issue 14).

Each document in ``tests/golden/wild/docs`` has a golden case, ``tests/golden/cases/wild-DOC.case``
(``list --format json`` and ``validate``, run by tests/test_golden.py). ``manifest.json``
holds the rows a person reads in each document, counted by hand: the reader must read
exactly those.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN, invoke_mdports
from golden_cases import cases
from hypothesis import given, settings
from hypothesis import strategies as st

import mdports
from mdports.model.ports import NO_PORT, strip_markup
from mdports.model.vocabulary import Vocabulary, normalize_header
from mdports.rules.entry_rules import NO_SERVICE_COLUMN
from mdports.rules.structure_rules import NOTHING_READ, TABLE_NOT_READ, TABLE_ROLE
from mdports.syntax.document import Table

WILD = GOLDEN / "wild"
DOCS = sorted((WILD / "docs").glob("*.md"))
MANIFEST = json.loads((WILD / "manifest.json").read_text(encoding="utf-8"))["documents"]
# Read only with configuration (their headers name no service): explained, and failing validate.
NEEDS_CONFIGURATION: set[str] = set()  # 53 (mac | linux | docker) is read by its content since issue 24


def test_the_manifest_and_the_golden_cases_cover_the_corpus() -> None:
    assert sorted(MANIFEST) == [doc.name for doc in DOCS]
    assert len(DOCS) >= 40
    cased = {case.name for case in cases() if case.name.startswith("wild-")}
    assert cased == {f"wild-{doc.stem}" for doc in DOCS}


@pytest.mark.parametrize("doc", DOCS, ids=[doc.stem for doc in DOCS])
def test_rows_read_are_the_rows_a_person_reads(doc: Path) -> None:
    facts = MANIFEST[doc.name]
    model = mdports.registry(mdports.load(doc))
    planted = {line for line, _ in facts.get("real_errors", [])}
    read = [entry for entry in model.entries if entry.spans or entry.line in planted]
    assert len(read) == (0 if doc.name in NEEDS_CONFIGURATION else facts["rows"])
    # Nothing but those rows, and rows that name a service but say it has no port yet (`TBD`):
    # the model keeps them so that diff and merge see a port changed to TBD.
    # So are rows whose port cell is a note without a number (`*(behind the gateway)*`).
    assert all(_no_port(entry.port_text) for entry in model.entries if entry not in read)


def _no_port(text: str) -> bool:
    return text.strip().lower() in NO_PORT or not any(c.isdigit() for c in text)


@pytest.mark.parametrize("doc", DOCS, ids=[doc.stem for doc in DOCS])
def test_every_error_is_a_planted_problem_or_an_explanation(doc: Path) -> None:
    report = mdports.validate(mdports.load(doc))
    errors = {(f.line, f.rule.id) for f in report.findings if f.severity == "error"}
    explanations = {(f.line, f.rule.id) for f in report.findings if f.rule in (NO_SERVICE_COLUMN, NOTHING_READ)}
    assert errors - explanations == {tuple(pair) for pair in MANIFEST[doc.name].get("real_errors", [])}


def test_configured_columns_read_a_table_of_ones_own(tmp_path: Path) -> None:
    """The subprocess reads [tool.mdports] from the folder's pyproject.toml."""
    text = (WILD / "docs" / "43-unknown-headers.md").read_text(encoding="utf-8").replace("Bound by", "Holder")
    (tmp_path / "PORTS.md").write_text(text, encoding="utf-8")
    before = invoke_mdports("-f", "PORTS.md", "validate", "--no-source", cwd=tmp_path)
    assert before.returncode == 1 and "MP006" in before.stdout
    explained = invoke_mdports("-f", "PORTS.md", "explain", cwd=tmp_path).stdout
    assert "not read (no service column: headers are 'Socket', 'Port', 'Holder')" in explained
    (tmp_path / "pyproject.toml").write_text('[tool.mdports]\nservice-columns = ["Socket"]\n', encoding="utf-8")
    after = invoke_mdports("-f", "PORTS.md", "list", "--format", "json", cwd=tmp_path)
    assert [(e["service"], e["ports"]) for e in json.loads(after.stdout)["entries"]] == [
        ("public", [443]),
        ("admin", [8404]),
        ("metrics", [9101]),
    ]
    assert invoke_mdports("-f", "PORTS.md", "validate", cwd=tmp_path).returncode == 0


def test_explain_names_the_role_and_the_columns() -> None:
    result = invoke_mdports("-f", str(WILD / "docs" / "28-changelog-beside.md"), "explain", "16")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "line 14: a change log (column 'Date' dates each row)",
        "  section Change log",
    ]
    missing = invoke_mdports("-f", str(WILD / "docs" / "28-changelog-beside.md"), "explain", "2")
    assert (missing.returncode, missing.stderr.splitlines()[-1]) == (1, "  hint: tables start at lines: 5, 14")


def test_add_fills_the_host_port_and_checks_it_per_host(tmp_path: Path) -> None:
    doc = tmp_path / "PORTS.md"
    shutil.copyfile(WILD / "docs" / "37-host-column.md", doc)
    added = invoke_mdports(
        "-f", "PORTS.md", "add", "grafana", "--range", "port", "--port", "3000", "--set", "Host=pi", cwd=tmp_path
    )
    assert added.returncode == 0, added.stderr
    assert doc.read_text(encoding="utf-8").splitlines()[-1] == "| pi | grafana | 3000 | |"
    taken = invoke_mdports(
        "-f", "PORTS.md", "add", "grafana2", "--range", "port", "--port", "3000", "--set", "Host=vps", cwd=tmp_path
    )
    assert taken.returncode == 1 and "already assigned to umami" in taken.stderr
    shutil.copyfile(WILD / "docs" / "03-host-container.md", doc)
    added = invoke_mdports("-f", "PORTS.md", "add", "gitea", "--range", "docker", "--port", "3002", cwd=tmp_path)
    assert doc.read_text(encoding="utf-8").splitlines()[-1] == "| gitea | 3002 | | |", added.stderr


# --- never skipped in silence ---------------------------------------------------------------------

HEADERS = st.sampled_from(
    [
        "Port",
        "Ports",
        "Host Port",
        "Container Port",
        "Ports used",
        "Old Port",
        "Port Range",
        "端口",
        "Порт",
        "Service",
        "Name",
        "Project",
        "Purpose",
        "Owner",
        "Date",
        "Timestamp",
        "Action",
        "Conflicts with",
        "Domain",
        "Done",
        "Protocol",
        "Host",
        "Notes",
        "Range",
        "X",
    ]
)
CELLS = st.sampled_from(["3000", "3001-3009", "-", "web", "2025-01-02", "[x]", "tcp", "HTTP", "", "3478/udp", "a b"])


@st.composite
def port_tables(draw: st.DrawFn) -> str:
    tables = []
    for _ in range(draw(st.integers(1, 3))):
        headers = draw(st.lists(HEADERS, min_size=1, max_size=5))
        rows = draw(st.lists(st.lists(CELLS, min_size=len(headers), max_size=len(headers)), max_size=4))
        heading = draw(st.sampled_from(["## Ports", "## Potential conflicts", "## Server: a", "## Overview", "## X"]))
        lines = [heading, "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        tables.append("\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]))
    return "\n\n".join(tables) + "\n"


@given(port_tables())
@settings(max_examples=300, deadline=None)
def test_no_table_with_a_port_header_is_skipped_without_a_finding(text: str) -> None:
    """A table whose header names a port is read row by row, or a finding at its line says why."""
    model = mdports.registry(mdports.parse(text))
    findings = mdports.validate(model).findings
    explained = {f.line for f in findings if f.rule in (NO_SERVICE_COLUMN, TABLE_ROLE, TABLE_NOT_READ, NOTHING_READ)}
    for reading in model.readings:
        block = model.document.blocks[reading.block]
        assert isinstance(block, Table)
        if not any(Vocabulary.mentions_port(normalize_header(h)) for h in block.header.texts) or len(block.rows) < 3:
            continue
        if reading.role != "registry":
            assert reading.line in explained, reading
            continue
        (table,) = [t for t in model.tables if t.block == reading.block]
        read = {entry.row for entry in model.entries if model.tables[entry.table] is table}
        for index, row in enumerate(block.rows[2:], start=2):
            cell = row.texts[table.port_column] if table.port_column < len(row.texts) else ""
            assert index in read or strip_markup(cell).lower() in NO_PORT, (reading, row)


def test_add_writes_the_protocol_where_the_table_writes_it(tmp_path: Path) -> None:
    doc = tmp_path / "PORTS.md"
    shutil.copyfile(WILD / "docs" / "16-protocol-suffix.md", doc)
    args = ("-f", "PORTS.md", "add", "factorio", "--range", "game", "--port", "34197", "--set", "Protocol=udp")
    assert invoke_mdports(*args, cwd=tmp_path).returncode == 0
    assert doc.read_text(encoding="utf-8").splitlines()[-1] == "| factorio | 34197/udp | |"
    # 3478/udp is coturn's; 3478/tcp is free, and written so.
    stun = invoke_mdports("-f", "PORTS.md", "add", "stun-tcp", "--range", "game", "--port", "3478", cwd=tmp_path)
    assert stun.returncode == 0
    assert "| stun-tcp | 3478/tcp | |" in doc.read_text(encoding="utf-8").splitlines()
    refused = invoke_mdports(*args[:3], "stun-udp", *args[4:6], "--port", "3478", "--set", "Proto=udp", cwd=tmp_path)
    assert refused.returncode == 1 and "already assigned to coturn" in refused.stderr


ADVERSARIAL = [
    "| Port | Service |\n|---|---|\n| " + "1," * 50_000 + " | a |\n",
    "| Port | Service |\n|---|---|\n| " + "1/" * 50_000 + "udp | a |\n",
    "| Port | Service |\n|---|---|\n| " + ":" * 100_000 + " | a |\n",
    "| Port | Service |\n|---|---|\n| " + "->" * 50_000 + " | a |\n",
    "| Port | Service |\n|---|---|\n| 1" + " " * 100_000 + "(tcp) | a |\n",
    "| " + "host " * 20_000 + "port | Service |\n|---|---|\n| 1 | a |\n",
    "## Server:" + " " * 100_000 + "x\n\n## " + "1-" * 50_000 + " Range\n\n## x (" + "1" * 100_000 + "+)\n",
    "| Domain | Service | Port |\n|---|---|---|\n"
    + "| d | a | 1 |\n" * 5_000
    + "\n| Port | Service |\n|---|---|\n"
    + "".join(f"| {p} | s{p} |\n" for p in range(1, 5_000)),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_shapes_are_read_in_linear_time(text: str) -> None:
    """Inputs that would make a backtracking expression or a table-by-table comparison quadratic."""
    model = mdports.registry(mdports.parse(text))
    mdports.validate(model)
    assert mdports.parse(text).render() == text


def test_edits_read_the_document_with_the_configured_columns(tmp_path: Path) -> None:
    shutil.copyfile(WILD / "docs" / "43-unknown-headers.md", tmp_path / "PORTS.md")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mdports]\nfile = "PORTS.md"\nservice-columns = ["Socket"]\n', encoding="utf-8"
    )
    steps = [
        ("add", "grpc", "--range", "listening", "--port", "9102", "--set", "Bound by=envoy"),
        ("rename", "grpc", "grpc-edge"),
        ("move", "grpc-edge", "--port", "9103"),
        ("fmt", "--check"),
    ]
    for step in steps:
        result = invoke_mdports(*step, cwd=tmp_path)
        assert result.returncode == 0, (step, result.stderr)
    assert (tmp_path / "PORTS.md").read_text(encoding="utf-8").splitlines()[-1] == "| grpc-edge | 9103 | envoy |"
