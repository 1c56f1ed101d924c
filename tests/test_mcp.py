"""``mdports mcp`` end to end: the installed command, the SDK's own client over stdio."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import BUNDLED, FIXED_EPOCH, mdports_executable
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from server_documents import messy_document

import mdports

READ_ONLY_TOOLS = ["lookup", "next_free", "validate", "drift"]


def _session(document: Path, *extra: str) -> Callable[[Callable[[Client], Awaitable[None]]], None]:
    """Run ``test(client)`` against ``mdports --file DOCUMENT mcp EXTRA`` started by the SDK's stdio client."""

    def run(test: Callable[[Client], Awaitable[None]]) -> None:
        async def main() -> None:
            params = StdioServerParameters(
                command=mdports_executable(),
                args=["--file", str(document), "mcp", *extra],
                env={"SOURCE_DATE_EPOCH": FIXED_EPOCH},
                cwd=document.parent,
            )
            async with Client(params) as client:
                with anyio.fail_after(120):
                    await test(client)

        anyio.run(main)

    return run


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(messy_document())
    return path


def test_tools_have_schemas_and_descriptions(messy: Path) -> None:
    async def test(client: Client) -> None:
        tools = (await client.list_tools()).tools
        assert [t.name for t in tools] == [*READ_ONLY_TOOLS, "add", "move", "remove", "rename"]
        for tool in tools:
            assert tool.input_schema["type"] == "object" and tool.input_schema["additionalProperties"] is False
            assert tool.description and len(tool.description) > 60
        add = next(t for t in tools if t.name == "add")
        assert add.input_schema["required"] == ["service"] and {"service", "range", "port", "set"} <= set(
            add.input_schema["properties"]
        )

    _session(messy)(test)


def test_lookup_a_port_a_service_and_a_range_in_both_layers(messy: Path) -> None:
    async def test(client: Client) -> None:
        port = await client.call_tool("lookup", {"query": "8101"})
        assert not port.is_error
        held = [(h["service"], h.get("layer"), h.get("host")) for h in port.structured_content["holders"]]
        assert held == [
            ("llm-router", "planned", None),
            ("image-gen", "planned", None),
            ("llm-router", "running", "GPU box"),
        ]
        service = await client.call_tool("lookup", {"query": "auth"})
        record = service.structured_content
        assert (
            record["kind"] == "service" and record["ports"] == [3001] and record["heading"] == "3000-3099: Web services"
        )
        assert record["references"][0]["from"] == "llm-router" and record["layers"][0]["host"] == "prod-01"
        section = await client.call_tool("lookup", {"query": "gpu-box"})
        assert section.structured_content["kind"] == "range" and section.structured_content["next_free"] == 8103
        on_host = await client.call_tool("lookup", {"query": "8101", "host": "gpu BOX"})
        assert [h["layer"] for h in on_host.structured_content["holders"]] == ["running"]
        missing = await client.call_tool("lookup", {"query": "no-such-service"})
        assert missing.is_error and "no entry named 'no-such-service'" in _text(missing)

    _session(messy)(test)


def test_next_free_on_a_host_skips_what_runs_there(messy: Path) -> None:
    async def test(client: Client) -> None:
        plain = await client.call_tool("next_free", {"range": "3000-3099", "count": 3})
        assert plain.structured_content["ports"] == [3000, 3002, 3004]
        prod = await client.call_tool("next_free", {"range": "3000-3099", "count": 3, "host": "prod-01"})
        assert prod.structured_content["ports"] == [3000, 3004, 3006]  # web-app runs on 3002 there
        unknown = await client.call_tool("next_free", {"range": "3000-3099", "host": "staging"})
        assert unknown.is_error and "prod-01" in _text(unknown) and "GPU box" in _text(unknown)
        full = await client.call_tool("next_free", {"range": "gpu-box", "count": 100})
        assert full.is_error and "free port(s)" in _text(full)

    _session(messy)(test)


def test_edits_write_return_the_port_and_the_diff(messy: Path) -> None:
    before = messy.read_text()

    async def test(client: Client) -> None:
        added = await client.call_tool(
            "add", {"service": "vector-db", "range": "gpu-box", "set": {"Depends on": "8104 embeddings"}}
        )
        assert not added.is_error, _text(added)
        assert added.structured_content["port"] == 8103 and added.structured_content["written"] is True
        assert "+| 8103 | vector-db | 8104 embeddings |" in added.structured_content["diff"]
        moved = await client.call_tool("move", {"service": "auth", "port": 3080})
        assert moved.structured_content["port"] == 3080
        assert "+| 8101 | llm-router | 3080 auth |" in moved.structured_content["diff"]  # the reference follows
        renamed = await client.call_tool("rename", {"service": "auth", "new_name": "identity"})
        assert not renamed.is_error and "3080 identity" in renamed.structured_content["diff"]
        removed = await client.call_tool("remove", {"service": "tts-server"})
        assert not removed.is_error and "-| 8250 | tts-server |" in removed.structured_content["diff"]

    _session(messy)(test)
    after = messy.read_text()
    registry = mdports.registry(mdports.parse(after))
    assert registry.entry("vector-db").ports == (8103,) and registry.entry("identity").ports == (3080,)
    assert "tts-server" not in after and "Last updated: 2026-01-01" in after
    untouched = [line for line in before.splitlines() if "auth" not in line and "tts-server" not in line]
    lost = [line for line in untouched if line not in after and not line.startswith("Last updated")]
    assert lost == []


def test_refused_edits_name_the_holder_or_candidates_and_leave_the_file(messy: Path) -> None:
    before = messy.read_bytes()

    async def test(client: Client) -> None:
        taken = await client.call_tool("add", {"service": "new-api", "port": 3001})
        assert taken.is_error and "already assigned to auth (line" in _text(taken)
        assert "already assigned to auth" in taken.structured_content["error"]["message"]
        unknown = await client.call_tool("add", {"service": "new-api", "range": "9000-9099"})
        assert unknown.is_error and "matches no section" in _text(unknown) and "gpu-box (8100-8199)" in _text(unknown)
        duplicate = await client.call_tool("rename", {"service": "auth", "new_name": "whisper"})
        assert duplicate.is_error and "whisper already exists at line" in _text(duplicate)
        referenced = await client.call_tool("remove", {"service": "auth"})
        assert referenced.is_error and "llm-router" in _text(referenced)
        moved_onto = await client.call_tool("move", {"service": "reranker", "port": 8100})
        assert moved_onto.is_error and "whisper" in _text(moved_onto)
        bad = await client.call_tool("add", {"service": "x", "port": 70000})
        assert bad.is_error and "port" in _text(bad) and "65535" in _text(bad)
        extra = await client.call_tool("move", {"service": "auth", "prot": 3005})
        assert extra.is_error and "'prot' was unexpected" in _text(extra)
        nothing = await client.call_tool("move", {"service": "auth"})
        assert nothing.is_error and "give port or range" in _text(nothing)
        missing = await client.call_tool("frobnicate", {})
        assert missing.is_error and "unknown tool 'frobnicate'" in _text(missing)

    _session(messy)(test)
    assert messy.read_bytes() == before


def test_read_only_offers_only_the_queries(messy: Path) -> None:
    before = messy.read_bytes()

    async def test(client: Client) -> None:
        assert [t.name for t in (await client.list_tools()).tools] == READ_ONLY_TOOLS
        refused = await client.call_tool("add", {"service": "x", "range": "gpu-box"})
        assert refused.is_error and "read-only" in _text(refused)
        found = await client.call_tool("validate", {})
        rules = [f["rule"] for f in found.structured_content["findings"]]
        assert "MP001" in rules and "MP114" in rules and found.structured_content["errors"] >= 1
        clash = next(f for f in found.structured_content["findings"] if f["rule"] == "MP001")
        assert clash["line"] == 583 and clash["fix"]["applicability"] == "unsafe"

    _session(messy, "--read-only")(test)
    assert messy.read_bytes() == before


def test_drift_against_a_compose_file(tmp_path: Path) -> None:
    document = tmp_path / "PORT_SCHEMA.md"
    document.write_text(BUNDLED.read_text())
    (tmp_path / "compose.yml").write_text("services:\n  mana-auth:\n    ports: ['3002:3001']\n")

    async def test(client: Client) -> None:
        found = await client.call_tool("drift", {"compose": ["compose.yml"]})
        assert not found.is_error, _text(found)
        records = found.structured_content["findings"]
        assert any(f["rule"] == "MP202" and f["path"] == "compose.yml" for f in records)
        none = await client.call_tool("drift", {})
        assert none.is_error and "no deployment files" in _text(none)

    _session(document)(test)


def test_edits_on_a_host_change_its_running_list_only(messy: Path) -> None:
    """``host`` on the edit tools is ``--host``: the item of that host's list, the plan untouched."""
    before = messy.read_text()

    async def test(client: Client) -> None:
        moved = await client.call_tool("move", {"service": "whisper", "port": 8110, "host": "gpu box"})
        assert not moved.is_error, _text(moved)
        assert moved.structured_content["port"] == 8110
        assert "-> - whisper `8100`" in moved.structured_content["diff"]
        assert "+> - whisper `8110`" in moved.structured_content["diff"]
        added = await client.call_tool("add", {"service": "queue", "port": 3010, "host": "PROD-01"})
        assert not added.is_error, _text(added)
        removed = await client.call_tool("remove", {"service": "embeddings", "host": "GPU box (192.168.7.20)"})
        assert not removed.is_error, _text(removed)
        unknown = await client.call_tool("move", {"service": "whisper", "port": 8111, "host": "staging"})
        assert unknown.is_error and "no host 'staging'" in _text(unknown) and "GPU box" in _text(unknown)

    _session(messy)(test)
    after = messy.read_text()
    lines = {line for line in after.splitlines() if line.startswith(">")}
    assert {"> - whisper `8110`", "> - api-gateway `3105`"} <= lines
    assert "> - embeddings `8104`" not in lines and any(line.startswith("> - queue") for line in lines)
    # Nothing outside the running list changed, but the "Last updated" line.
    plan = [line for line in after.splitlines() if not line.startswith((">", "Last updated"))]
    assert plan == [line for line in before.splitlines() if not line.startswith((">", "Last updated"))]
