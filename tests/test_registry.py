"""The registry model: sections and ranges, columns, port cells, placeholders, references."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import BUNDLED, INPUTS

import mdports
from mdports.errors import UsageError
from mdports.model.ports import PortRange, PortSyntaxError, format_ports, parse_ports
from mdports.model.registry import placeholder_marker


def registry(name: str) -> mdports.Registry:
    return mdports.registry(mdports.load(INPUTS / name))


@pytest.mark.parametrize(
    ("heading", "title", "declared"),
    [
        ("## 3000-3009: Core Platform Services", "Core Platform Services", PortRange(3000, 3009)),
        ("## 3000–3009: En dash", "En dash", PortRange(3000, 3009)),
        ("## Core Platform (3000-3009)", "Core Platform", PortRange(3000, 3009)),
        ("## SearXNG (Internal Only)", "SearXNG (Internal Only)", None),
        ("## Web Frontends (SvelteKit)", "Web Frontends (SvelteKit)", None),
        ("## 8080: Single", "Single", PortRange(8080, 8080)),
        ("## Frontends (5170-5179 Range)", "Frontends", PortRange(5170, 5179)),
        ("## Port Range: 2900-2909", "Port Range: 2900-2909", PortRange(2900, 2909)),
        ("## 3000-4050 Range", "3000-4050 Range", PortRange(3000, 4050)),
        ("## Ephemeral (10000+)", "Ephemeral", PortRange(10000, 65535)),
        ("## Express App (2900)", "Express App (2900)", None),
        ("## Added (2025-12-29)", "Added (2025-12-29)", None),
        ("## 2025-12-29: Release", "2025-12-29: Release", None),
    ],
)
def test_section_ranges_from_headings(heading: str, title: str, declared: PortRange | None) -> None:
    (section,) = mdports.registry(mdports.parse(heading + "\n")).sections
    assert (section.title, section.declared, section.range_error) == (title, declared, None)


@pytest.mark.parametrize(
    ("cell", "ports"),
    [
        ("3001", [3001]),
        ("`3001`", [3001]),
        ("**3001**", [3001]),
        ("3006-3009", [3006, 3007, 3008, 3009]),
        ("3006 – 3007", [3006, 3007]),
        ("3017, 3019", [3017, 3019]),
        ("80/443", [80, 443]),
        ("3017, 3019-3021", [3017, 3019, 3020, 3021]),
        ("`80`/`443`", [80, 443]),
    ],
)
def test_port_cells(cell: str, ports: list[int]) -> None:
    assert sorted({p for span in parse_ports(cell) for p in span}) == ports


@pytest.mark.parametrize("cell", ["", "0", "65536", "3009-3001", "abc", "30 01", "3001-", "³"])
def test_malformed_port_cells(cell: str) -> None:
    with pytest.raises(PortSyntaxError):
        parse_ports(cell)


def test_format_ports_merges_runs() -> None:
    assert format_ports([3020, 3017, 3018, 3017]) == "3017-3018, 3020"


@pytest.mark.parametrize(
    ("cell", "marker"),
    [
        ("*(reserved)*", "reserved"),
        ("reserved", "reserved"),
        ("*Available*", "available"),
        ("free", "free"),
        ("`unassigned`", "unassigned"),
        ("(reserved for voice)", "reserved"),
        ("mana-auth", None),
        ("freelancer-api", None),
    ],
)
def test_placeholder_markers(cell: str, marker: str | None) -> None:
    assert placeholder_marker(cell) == marker


def test_bundled_model() -> None:
    model = mdports.registry(mdports.load(BUNDLED))
    assert len(model.entries) == 77
    assert sum(e.status == "reserved" for e in model.entries) == 5
    auth = model.entry("mana-auth")
    assert (auth.ports, auth.line, auth.port_column, auth.cells["Runtime"]) == ((3001,), 18, 3, "Hono/Bun")
    assert model.entry("9000").service == "minio (S3 API)"
    assert [(r.port, r.service, r.line) for r in model.references_to(model.entry("chat-backend"))] == [
        (3030, "chat-backend", 84)
    ]
    assert len(model.references) == 11  # '*(local-first only)*' and friends are not references
    searxng = model.sections[model.entry("searxng").section]
    assert searxng.declared is None and searxng.title == "SearXNG (Internal Only)"


def test_every_element_knows_its_line() -> None:
    model = mdports.registry(mdports.load(BUNDLED))
    lines = BUNDLED.read_text().splitlines()
    for entry in model.entries:
        assert lines[entry.line - 1][entry.port_column - 1 :].startswith(entry.port_text)
    for section in model.sections:
        assert lines[section.line - 1].lstrip("# ") == section.heading


def test_columns_by_role_and_extra_columns_kept() -> None:
    model = registry("extra-columns.md")
    console = model.entry("minio (Console)")
    assert console.cells["Owner"] == "storage" and console.cells["Healthcheck"] == ""
    proto = registry("protocol.md")
    assert proto.entry("sip-udp").protocols == ("udp",) and proto.entry("rtp-proxy").protocols == ("tcp", "udp")


def test_tables_without_port_column_are_not_registry_data() -> None:
    model = registry("nested.md")
    assert [e.service for e in model.entries] == ["mana-auth", "mana-billing", "legacy-proxy", "mana-notes"]
    assert model.sections[model.entry("mana-notes").section].range == PortRange(3000, 3009)


@pytest.mark.parametrize(
    ("selector", "slug"),
    [
        ("3010-3019", "core-infrastructure-services"),
        ("3012", "core-infrastructure-services"),
        ("core-infrastructure-services", "core-infrastructure-services"),
        ("3010-3019-core-infrastructure-services", "core-infrastructure-services"),
        ("core-infra", "core-infrastructure-services"),
        ("ai-ml", "ai-ml-services"),
        ("web", "web-frontends-sveltekit"),
        ("5055", "playground-dev-tools"),  # the narrowest range holding the port
        ("searxng", "searxng-internal-only"),
    ],
)
def test_range_selectors(selector: str, slug: str) -> None:
    assert mdports.registry(mdports.load(BUNDLED)).section(selector).slug == slug


@pytest.mark.parametrize(("selector", "words"), [("core", "ambiguous"), ("quantum", "matches no section")])
def test_bad_range_selectors_list_candidates(selector: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        mdports.registry(mdports.load(BUNDLED)).section(selector)
    assert words in str(raised.value) and "core-platform-services" in str(raised.value)


def test_section_holding_is_the_narrowest_declared_range_first_of_equals() -> None:
    text = (
        "## 3000-3099: Apps\n\n| Port | Service |\n|---|---|\n| 3001 | a |\n\n"
        "### 3010-3019: Workers\n\n| Port | Service |\n|---|---|\n| 3011 | w |\n\n"
        "## 3010-3019: Also workers\n\n| Port | Service |\n|---|---|\n| 3012 | x |\n\n"
        "## Misc\n\n| Port | Service |\n|---|---|\n| 9000 | m |\n"
    )
    model = mdports.registry(mdports.parse(text))
    holding = {port: (model.section_holding(port) or model.sections[0]).title for port in (3001, 3015)}
    assert holding == {3001: "Apps", 3015: "Workers"}  # narrowest; of two equal ranges the first
    assert model.section_holding(9000) is None  # no declared range holds it


def test_the_registry_module_and_the_registry_function_have_different_names() -> None:
    # In a fresh interpreter, so that no other test has imported anything first.
    code = (
        "import mdports.model.registry as module, mdports.model.reading as reading, mdports\n"
        "assert callable(reading.build) and module.Entry is mdports.Entry and mdports.registry is not module\n"
        "import mdports.api\n"
        "assert mdports.registry is mdports.api.registry\n"
        "text = '## 3000-3009: A\\n\\n| Port | Service |\\n|---|---|\\n| 3001 | a |\\n'\n"
        "print(len(mdports.registry(mdports.parse(text)).entries))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "1\n", "")
