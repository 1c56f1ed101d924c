"""The language server under edits: diagnostics latency after a change, and memory over many changes.

Starts the installed ``mdports lsp`` (it needs the ``lsp`` extra) and speaks the protocol to it
over its stdin and stdout, as an editor does: open a document, then change one row at a time
(an incremental change, the row's service name toggled) and time each change from the moment it
is sent to the moment the diagnostics of that version arrive. The server's resident memory is
read from ``/proc/PID/status`` after the warm-up edits and again at the end.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Latency:
    """Seconds from sending a change to receiving its diagnostics, over ``len(times)`` changes."""

    times: list[float]
    rss_before: int  # KiB, after the warm-up
    rss_after: int  # KiB, after every change

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stream.flush()


def _receive(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while True:
        line = stream.readline()
        if not line:
            raise RuntimeError("mdports lsp stopped")
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))  # type: ignore[no-any-return]


def _diagnostics(stream: IO[bytes], version: int) -> int:
    """Wait for the diagnostics of ``version``; how many there are."""
    while True:
        message = _receive(stream)
        params = message.get("params") or {}
        if message.get("method") == "textDocument/publishDiagnostics" and params.get("version") == version:
            return len(params["diagnostics"])


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def edit_latency(
    mdports: str, text: str, changes: int, warm_up: int = 10, env: dict[str, str] | None = None
) -> Latency:
    """Open ``text`` in ``mdports lsp``, make ``warm_up`` then ``changes`` incremental changes, timing each."""
    lines = text.splitlines(keepends=True)
    row = next(number for number, line in enumerate(lines) if line.startswith("| ") and line[2:3].isdigit())
    original = lines[row]
    cells = original.split("|")
    cells[2] = cells[2].rstrip() + "x "
    toggled = "|".join(cells)
    process = subprocess.Popen([mdports, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None
    uri = "file:///benchmark/PORT_SCHEMA.md"
    try:
        _send(stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        _receive(stdout)
        _send(stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        item = {"uri": uri, "languageId": "markdown", "version": 0, "text": text}
        _send(stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}})
        _diagnostics(stdout, 0)
        times: list[float] = []
        rss_before = 0
        for version in range(1, warm_up + changes + 1):
            new = toggled if version % 2 else original
            change = {"range": {"start": {"line": row, "character": 0}, "end": {"line": row + 1, "character": 0}}}
            change["text"] = new  # type: ignore[assignment]
            params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
            started = time.perf_counter()
            _send(stdin, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params})
            _diagnostics(stdout, version)
            if version > warm_up:
                times.append(time.perf_counter() - started)
            elif version == warm_up:
                rss_before = _rss(process.pid)
        rss_after = _rss(process.pid)
        _send(stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        _send(stdin, {"jsonrpc": "2.0", "method": "exit"})
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return Latency(times, rss_before, rss_after)
