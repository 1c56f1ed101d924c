"""Port spans written with their transport (docs/reading-shapes.md): `25565-25575/tcp` is a forward, not a plan."""

from __future__ import annotations

import json

from conftest import GOLDEN, invoke_mdports, run_mdports

import mdports

FORWARDED = GOLDEN / "wild" / "docs" / "85-forwarded-port-spans.md"

FORWARDS = (
    "## Router\n\n| Instance | Router forward |\n| --- | --- |\n"
    "| Valheim extra worlds | `2457-2466/udp` |\n| Minecraft (Java) | `25565-25575/tcp` |\n"
    "| Minecraft (Bedrock) | `19132-19142/udp` |\n"
)


def _entries(text: str) -> list[tuple[str | None, tuple[int, int], tuple[str, ...], int]]:
    model = mdports.registry(mdports.parse(text))
    return [(e.service, (e.spans[0].lo, e.spans[0].hi), e.protocols, e.line) for e in model.entries]


def _roles(text: str) -> list[str]:
    return [reading.role for reading in mdports.registry(mdports.parse(text)).readings]


def test_spans_with_their_transport_are_entries_on_their_spans() -> None:
    assert _entries(FORWARDS) == [
        ("Valheim extra worlds", (2457, 2466), ("udp",), 5),
        ("Minecraft (Java)", (25565, 25575), ("tcp",), 6),
        ("Minecraft (Bedrock)", (19132, 19142), ("udp",), 7),
    ]


def test_the_same_spans_without_a_transport_stay_a_plan() -> None:
    plan = FORWARDS.replace("/udp`", "`").replace("/tcp`", "`")
    assert _entries(plan) == [] and _roles(plan) != ["registry"]


def test_one_span_without_its_transport_leaves_the_table_a_plan() -> None:
    mixed = FORWARDS.replace("`2457-2466/udp`", "`2457-2466`")
    assert _entries(mixed) == []


def test_sizes_and_dates_with_slashes_are_no_forwards() -> None:
    disks = (
        "| Volume | Size | Snapshot |\n| --- | --- | --- |\n"
        "| db | 2-4 GB | 2024-11/daily |\n| worlds | 40-60 GB | 2024-11/weekly |\n"
    )
    assert _entries(disks) == []


def test_forwards_holding_the_registry_ports_are_its_blocks() -> None:
    registry = "## Services\n\n| Service | Port |\n| --- | --- |\n| Minecraft | 25565 |\n| Bedrock | 19132 |\n\n"
    model = mdports.registry(mdports.parse(registry + FORWARDS))
    assert [reading.role for reading in model.readings] == ["registry", "allocations"]
    # the forwards hold the registry's ports: blocks owning them, no clash between a block and its entry
    report = mdports.validate(model)
    assert [f.rule.id for f in report.findings if f.severity == "error"] == []


def test_explain_says_the_spans_name_their_transport() -> None:
    result = invoke_mdports("-f", "-", "explain", stdin=FORWARDS)
    assert result.returncode == 0, result.stderr
    assert "its spans name their transport (`/tcp`)" in result.stdout


def test_the_installed_command_lists_the_forwards_of_the_wild_document() -> None:
    result = run_mdports("-f", str(FORWARDED), "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    spans = [entry["port_text"] for entry in json.loads(result.stdout)["entries"]]
    assert spans[5:] == ["`2457-2466/udp`", "`34198-34207/udp`", "`25565-25575/tcp`", "`19132-19142/udp`"]
