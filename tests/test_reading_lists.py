"""Issue 24 (round 4, R3): lists written port first, and lists that repeat the tables.

- ``- 9000: Docling OCR`` under a heading about ports reads as the entry a table row would
  give (:mod:`mdports.model.assignments`); a list of counts, dates, versions or ranges, or one
  that the line above says holds ports in general, does not;
- a list item naming a table's service on the same port is that entry seen again
  (:mod:`mdports.model.cross_tables`): joined to it, no new entry, no clash.

The golden case ``wild-70-lists`` holds a grown document with both; here are the variants.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import invoke_mdports

import mdports
from mdports import edits
from mdports.model.reading import build


def _listed(text: str) -> list[tuple[str | None, tuple[int, ...], int, int]]:
    """``(service, ports, line, port column)`` of every entry read from a list."""
    return [(e.service, e.ports, e.line, e.port_column) for e in build(mdports.parse(text)).listed]


# --- port first ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "service", "column"),
    [
        ("- 9000: Docling OCR", "Docling OCR", 3),
        ("- **8080:** field-ops (moved off 8081 in May)", "field-ops", 5),
        ("- **3000** - web", "web", 5),
        ("- `7100` — Marker PDF", "Marker PDF", 4),
        ("- 7400 duplex", "duplex", 3),
        ("  - 9005: DeepSeek-OCR MLX (native Mac)", "DeepSeek-OCR MLX", 5),
        ("1. 9181: Backend API Server", "Backend API Server", 4),
    ],
)
def test_a_port_written_first_reads_as_the_row_a_table_would_give(item: str, service: str, column: int) -> None:
    text = f"# Registry\n\n## Reserved ports\n\n{item}\n- 9999: spare-check\n"
    found = _listed(text)
    assert found[0][:3] == (service, (int(item.strip(" -1.`*").split(":")[0].split()[0].strip("`*")),), 5)
    assert found[0][3] == column


@pytest.mark.parametrize(
    "items",
    [
        ["- 3000 users", "- 500 requests", "- 20 ms"],  # counts of things
        ["- 2024-01-05: first release", "- 2025-03-01: second release"],  # dates
        ["- 1.2: new parser", "- 1.3: faster"],  # versions
        ["- 9000-9099: OCR services", "- 9100-9199: core"],  # ranges are a plan
        ["- 3000 is taken by grafana", "- 3001 was freed"],  # sentences
        ["- **15432** instead of 5432 (PostgreSQL)", "- **16379** instead of 6379 (Redis)"],
    ],
)
def test_what_follows_the_number_must_be_a_name(items: list[str]) -> None:
    assert _listed("## Ports\n\n" + "\n".join(items) + "\n") == []


def test_only_under_a_heading_about_ports_or_services() -> None:
    items = "- 2019: moved to Berlin\n- 2021: opened Lisbon office\n- 2023: hired the platform team\n"
    assert _listed("## Company timeline\n\n" + items) == []
    assert [name for name, *_ in _listed("## Services\n\n- 4000: billing\n- 4001: ledger\n")] == ["billing", "ledger"]


def test_a_list_the_line_above_calls_ports_in_general_is_not_the_teams() -> None:
    text = "## Why other ports?\n\nStandard ports are often already in use:\n"
    text += "- **5432** - PostgreSQL\n- **6379** - Redis\n"
    assert _listed(text) == []
    explained = invoke_mdports("-f", "-", "explain", stdin=text)
    assert "only 0 of 2 items name a service and its port" in explained.stdout


def test_explain_says_the_items_are_written_port_first() -> None:
    result = invoke_mdports("-f", "-", "explain", stdin="## Reserved ports\n\n- 8080: field-ops\n- 8095: crop-ai\n")
    assert result.returncode == 0
    assert "2 written port first, as a table row would be" in result.stdout


def test_an_entry_added_after_a_port_first_item_is_written_port_first() -> None:
    text = "### Reserved ports\n\n**Web box:**\n- **8080:** field-ops\n- **8095:** crop-ai (old)\n"
    assert [e.host for e in build(mdports.parse(text)).listed] == ["Web box", "Web box"]
    edit = edits.add(mdports.parse(text), "yield-api", port=8098, host="web box")
    assert edit.text.splitlines()[-1] == "- **8098:** yield-api"
    moved = edits.move(mdports.parse(text), "crop-ai", port=8096, host="web box")
    assert moved.text.splitlines()[-1] == "- **8096:** crop-ai (old)"
    removed = edits.remove(mdports.parse(text), "field-ops", host="web box")
    assert removed.text.splitlines()[3:] == ["- **8095:** crop-ai (old)"]


@pytest.mark.parametrize(
    "body",
    ["- 9000: " + "a" * 100_000, "- 9000 " + "a " * 50_000, "- **9000:** " + "x-" * 50_000, "- 9" + "0" * 100_000],
)
def test_hostile_port_first_items_are_read_in_linear_time(body: str) -> None:
    text = "## Ports\n\n" + body + "\n"
    started = time.process_time()
    assert mdports.parse(text).render() == text
    build(mdports.parse(text))
    assert time.process_time() - started < 5


# --- lists repeating the tables -----------------------------------------------------------

TABLES = """\
# Stack

| Service          | Port | URL                   |
|------------------|------|-----------------------|
| Keycloak         | 8080 | http://localhost:8080 |
| Service Registry | 8761 | http://localhost:8761 |
| Codexes Factory  | 8502 | codexes.example.org   |

### GP5 (Geth)

| Service   | Port  |
|-----------|-------|
| RPC       | 8545  |
| WebSocket | 8546  |

## Start order

1. **Keycloak** (8080) - start first
2. **Service Registry** (8761) - discovery
3. codexes-factory.service (port 8502)
4. **Mailpit** (8025) - not in the tables
5. **Keycloak admin** (9990) - another port

## Stack summary

- GP5 (Geth): 8545, 8546
"""


def test_a_list_item_naming_a_tables_service_on_its_port_is_that_entry_seen_again() -> None:
    registry = build(mdports.parse(TABLES))
    views = {registry.listed[i].line: first.line for i, first in registry.listed_views.items()}
    assert views == {18: 5, 19: 6, 20: 7, 26: 13}
    # Not in the tables, or on another port: entries of their own.
    assert {e.line for e in registry.listed} - set(views) == {21, 22}


def test_a_view_is_joined_to_its_entry_and_clashes_with_nothing() -> None:
    listed = json.loads(invoke_mdports("-f", "-", "list", "--format", "json", stdin=TABLES).stdout)["entries"]
    assert {(e["line"], e.get("view_of")) for e in listed if e["layer"] == "running"} == {
        (18, 5),
        (19, 6),
        (20, 7),
        (21, None),
        (22, None),
        (26, 13),
    }
    shown = invoke_mdports("-f", "-", "show", "Keycloak", stdin=TABLES)
    assert "seen again at line 18 (a list item)" in shown.stdout
    checked = json.loads(invoke_mdports("-f", "-", "validate", "--format", "json", stdin=TABLES).stdout)
    assert [f for f in checked["findings"] if f["rule"] in ("MP001", "MP002")] == []
    explained = invoke_mdports("-f", "-", "explain", "18", stdin=TABLES)
    assert "3 of them show again entries of the tables (second views)" in explained.stdout


def test_an_item_on_another_host_is_not_the_tables_entry() -> None:
    table = "| Service | Port | Host |\n|---|---|---|\n| api | 3000 | web-1 |\n"
    text = table + "\n**web-2:**\n- api `3000`\n- docs `3001`\n"
    registry = build(mdports.parse(text))
    assert [e.host for e in registry.listed] == ["web-2", "web-2"]
    assert dict(registry.listed_views) == {}


# --- notes about a change -----------------------------------------------------------------

FIXED = """\
| Service | Port |
|---------|------|
| web     | 3000 |

## Conflicts resolved

### After (fixed)
- ✅ web: `3000` (External) → `3000` (Internal)
- ✅ api: `3009` (External) → `3009` (Internal)
"""


@pytest.mark.parametrize("heading", ["After (fixed)", "Troubleshooting", "Migration notes", "Known problems"])
def test_a_list_under_a_note_about_a_change_is_not_running(heading: str) -> None:
    text = FIXED.replace("After (fixed)", heading)
    registry = build(mdports.parse(text))
    assert registry.listed == ()
    assert registry.lists[0].reason.startswith(f"under {heading!r}, a note about a change (")


def test_a_heading_that_only_says_when_is_no_note_and_configuration_still_forces_one(tmp_path: Path) -> None:
    assert [e.service for e in build(mdports.parse(FIXED.replace("After (fixed)", "After the move"))).listed] == [
        "web",
        "api",
    ]
    (tmp_path / "PORTS.md").write_text(FIXED, encoding="utf-8")
    (tmp_path / ".mdports.toml").write_text('running-lists = ["After (fixed)"]\n', encoding="utf-8")
    listed = json.loads(invoke_mdports("-f", "PORTS.md", "list", "--format", "json", cwd=tmp_path).stdout)["entries"]
    assert [e["service"] for e in listed if e["layer"] == "running"] == ["web", "api"]


def test_a_note_after_a_dash_inside_the_ports_parentheses_is_a_note() -> None:
    text = (
        "## Systemd services deployed\n\n- ✅ all-apps-runner.service (port 8500)\n"
        "- ⚠️ agentic-social.service (port 8501 - failing due to port conflict)\n"
        "- web (port 3061 and more\n- api (port 8000 - 8010)\n- docs (port 8020)\n"
    )
    assert [(name, ports) for name, ports, *_ in _listed(text)] == [
        ("all-apps-runner.service", (8500,)),
        ("agentic-social.service", (8501,)),
        ("docs", (8020,)),
    ]
