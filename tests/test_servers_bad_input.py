"""Both servers against what a broken or hostile client sends: a clear error, no crash, no write.

Raw bytes over the installed command's stdio (no client library smooths them): invalid JSON,
bytes that are not UTF-8, unknown methods, a 10 MB document, a client that goes away mid-request.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import BUNDLED, mdports_executable

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}


def frame(body: bytes | dict[str, Any]) -> bytes:
    """One LSP message: a Content-Length header and the body."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


def lsp_messages(output: bytes) -> list[dict[str, Any]]:
    messages = []
    while output:
        header, _, rest = output.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        messages.append(json.loads(rest[:length]))
        output = rest[length:]
    return messages


def run_lsp(stdin: bytes, cwd: Path) -> tuple[list[dict[str, Any]], str, int]:
    done = subprocess.run(
        [mdports_executable(), "--file", str(BUNDLED), "lsp"], input=stdin, capture_output=True, cwd=cwd, timeout=180
    )
    return lsp_messages(done.stdout), done.stderr.decode(), done.returncode


def _open(uri: str, text: str, version: int = 1) -> dict[str, Any]:
    item = {"uri": uri, "languageId": "markdown", "version": version, "text": text}
    return {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}


END = frame({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}) + frame({"jsonrpc": "2.0", "method": "exit"})


def test_lsp_survives_invalid_json_bad_bytes_and_unknown_methods(tmp_path: Path) -> None:
    uri = (tmp_path / "PORT_SCHEMA.md").as_uri()
    stdin = (
        frame(INITIALIZE)
        + frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        + frame(b'{"jsonrpc": "2.0", "id": 2, "method": ')  # cut JSON
        + frame(b'{"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": "\xff\xfe"}')  # not UTF-8
        + frame({"jsonrpc": "2.0", "id": 4, "method": "mdports/frobnicate", "params": {}})
        + frame({"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {"textDocument": 7}})
        + frame(_open(uri, "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | a |\n| 3001 | b |\n"))
        + END
    )
    messages, stderr, code = run_lsp(stdin, tmp_path)
    answers = {m["id"]: m for m in messages if "id" in m}
    assert answers[4]["error"]["code"] == -32601  # method not found
    # A message that cannot be read (cut JSON, not UTF-8, params of the wrong shape) is shown, then ignored.
    shown = [m["params"]["message"] for m in messages if m.get("method") == "window/showMessage"]
    assert len(shown) == 3 and all("could not be handled and was ignored" in text for text in shown)
    published = [m for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    assert [d["code"] for d in published[-1]["params"]["diagnostics"]] == ["MP001"]  # still working afterwards
    assert answers[99]["result"] is None and code == 0
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "text",
    [
        # lone surrogates (JSON can carry them; they are no UTF-8)
        "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | \udcff\udc80 |\n| 3001 | b |\n",
        "| Port | Service |\n|---|---|\n" + "| 3001 | a\x00\x1b[31m |\n" * 3,  # NUL and escape sequences
        "# Ports\n\n" + "> " * 5000 + "- a `3001`\n",  # nested far too deep
    ],
    ids=["surrogates", "controls", "deep-quotes"],
)
def test_lsp_reports_what_it_can_of_strange_text(tmp_path: Path, text: str) -> None:
    uri = (tmp_path / "PORT_SCHEMA.md").as_uri()
    stdin = frame(INITIALIZE) + frame(json.dumps(_open(uri, text)).encode()) + END
    messages, stderr, code = run_lsp(stdin, tmp_path)
    published = [m for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    assert published and code == 0 and "Traceback" not in stderr


def test_lsp_answers_a_ten_megabyte_document_with_one_diagnostic(tmp_path: Path) -> None:
    uri = (tmp_path / "PORT_SCHEMA.md").as_uri()
    row = "| 3001 | a-service-with-a-long-name | " + "x" * 60 + " |\n"
    text = "## 3000-3999: Big\n\n| Port | Service | Notes |\n|---|---|---|\n" + row * (10 * 2**20 // len(row))
    hover = {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover"}
    hover["params"] = {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 3}}
    messages, stderr, code = run_lsp(frame(INITIALIZE) + frame(_open(uri, text)) + frame(hover) + END, tmp_path)
    published = [m for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    [diagnostic] = published[-1]["params"]["diagnostics"]
    assert "MiB, more than the 8 MiB checked as you type" in diagnostic["message"]
    assert "mdports validate" in diagnostic["message"]
    assert next(m for m in messages if m.get("id") == 2)["result"] is None and code == 0 and "Traceback" not in stderr


def test_lsp_client_gone_mid_request(tmp_path: Path) -> None:
    """The client dies half-way through a message: the server ends, quietly."""
    partial = frame(INITIALIZE) + b"Content-Length: 500\r\n\r\n" + b'{"jsonrpc": "2.0", "id": 2, "meth'
    messages, stderr, code = run_lsp(partial, tmp_path)
    assert messages[0]["id"] == 1 and code == 0 and "Traceback" not in stderr


def run_mcp(
    lines: list[bytes], document: Path, *args: str, wait_for: int | None = None
) -> tuple[list[dict[str, Any]], str, int]:
    """Send ``lines``; read answers until the one with id ``wait_for`` (if any); then hang up."""
    process = subprocess.Popen(
        [mdports_executable(), "--file", str(document), "mcp", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=document.parent,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"".join(lines))
    process.stdin.flush()
    answers = []
    while wait_for is not None and not any(a.get("id") == wait_for for a in answers):
        line = process.stdout.readline()
        if not line:
            break
        answers.append(json.loads(line))
    stdout, stderr = process.communicate(timeout=180)
    answers += [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return answers, stderr.decode(), process.returncode


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


MCP_INIT = [
    _line(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
    ),
    _line({"jsonrpc": "2.0", "method": "notifications/initialized"}),
]


def _call(number: int, tool: str, arguments: dict[str, Any]) -> bytes:
    return _line(
        {"jsonrpc": "2.0", "id": number, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    )


def test_mcp_survives_invalid_json_and_unknown_methods(tmp_path: Path) -> None:
    document = tmp_path / "PORT_SCHEMA.md"
    document.write_bytes(BUNDLED.read_bytes())
    lines = [
        *MCP_INIT,
        b'{"jsonrpc": "2.0", "id": 2, "method": \n',
        b"\xff\xfe not json at all\n",
        _line({"jsonrpc": "2.0", "id": 3, "method": "mdports/frobnicate", "params": {}}),
        _call(4, "lookup", {"query": "3001"}),
    ]
    answers, stderr, _ = run_mcp(lines, document, wait_for=4)
    by_id = {a.get("id"): a for a in answers}
    assert by_id[3]["error"]["code"] == -32601
    assert by_id[4]["result"]["structuredContent"]["holders"][0]["service"] == "mana-auth"
    parse_errors = [a for a in answers if a.get("error", {}).get("code") == -32700]
    assert len(parse_errors) == 2 and all(a["id"] is None for a in parse_errors)
    assert "Traceback" not in stderr and document.read_bytes() == BUNDLED.read_bytes()


def test_mcp_client_gone_mid_request_writes_nothing(tmp_path: Path) -> None:
    document = tmp_path / "PORT_SCHEMA.md"
    document.write_bytes(BUNDLED.read_bytes())
    cut = _call(2, "add", {"service": "half-sent", "range": "core"})[:-20]
    answers, stderr, code = run_mcp([*MCP_INIT, cut], document)
    # The half-sent line is answered as what it is (not JSON-RPC); nothing of it runs.
    assert [(a["id"], a.get("error", {}).get("code")) for a in answers] == [(1, None), (None, -32700)]
    assert code == 0 and "Traceback" not in stderr
    assert document.read_bytes() == BUNDLED.read_bytes()


def test_mcp_on_a_document_that_is_not_utf8(tmp_path: Path) -> None:
    document = tmp_path / "PORT_SCHEMA.md"
    document.write_bytes(BUNDLED.read_bytes().replace(b"mana-auth", b"mana-\xe9auth"))
    before = document.read_bytes()
    answers, stderr, _ = run_mcp(
        [*MCP_INIT, _call(2, "lookup", {"query": "3001"}), _call(3, "add", {"service": "x", "range": "core"})],
        document,
        wait_for=3,
    )
    answers = sorted(answers, key=lambda a: a["id"])
    assert [a["id"] for a in answers] == [1, 2, 3]
    for answer in answers[1:]:
        assert answer["result"]["isError"] is True
        assert "UTF-8" in answer["result"]["content"][0]["text"]
    assert document.read_bytes() == before and "Traceback" not in stderr
