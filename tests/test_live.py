"""``mdports live``: real sockets on 127.0.0.1, opened by the tests, read back through /proc and TCP connects.

Other processes on this machine may listen too: every assertion is about the ports these
tests opened (or closed), never about the whole output.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import invoke_mdports, run_mdports
from test_schemas import check as check_schema

from mdports.live.sockets import listening

LOOPBACK = "127.0.0.1"


class Sockets:
    """Sockets a test holds open; closed at the end of the test."""

    def __init__(self) -> None:
        self.held: list[socket.socket] = []

    def tcp(self, backlog: int = 16) -> int:
        sock = socket.socket()
        sock.bind((LOOPBACK, 0))
        sock.listen(backlog)
        self.held.append(sock)
        return int(sock.getsockname()[1])

    def udp(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((LOOPBACK, 0))
        self.held.append(sock)
        return int(sock.getsockname()[1])

    def free(self) -> int:
        """A port nothing listens on: bound, then closed (the kernel does not hand it out again at once)."""
        with socket.socket() as sock:
            sock.bind((LOOPBACK, 0))
            return int(sock.getsockname()[1])

    def silent(self) -> int:
        """A listener whose queue is full: the kernel drops further SYNs, so a connect waits for its timeout."""
        port = self.tcp(backlog=0)
        for _ in range(3):
            client = socket.socket()
            client.setblocking(False)
            client.connect_ex((LOOPBACK, port))
            self.held.append(client)
        return port


@pytest.fixture
def sockets() -> Iterator[Sockets]:
    made = Sockets()
    yield made
    for sock in made.held:
        sock.close()


def document(tmp_path: Path, rows: list[tuple[int, str]], strays: list[int] = (), reserved: int | None = None) -> Path:
    """A registry with one entry per row, sections whose one-port ranges hold the strays, and a placeholder."""
    lines = ["# Ports of this box", "", "## Services", "", "| Port | Service | Protocol |", "|---|---|---|"]
    lines += [f"| {port} | {name} | {'udp' if name.endswith('-udp') else 'tcp'} |" for port, name in rows]
    for port in strays:
        lines += ["", f"## {port}-{port}: Spare {port}", "", "Nothing is documented here."]
    if reserved is not None:
        lines += ["", f"## {reserved}-{reserved}: Held back", "", "| Port | Service |", "|---|---|"]
        lines += [f"| {reserved} | *(reserved)* |"]
    path = tmp_path / "PORTS.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_listening_reads_our_sockets_and_their_holder(sockets: Sockets) -> None:
    tcp, udp = sockets.tcp(), sockets.udp()
    found = {(s.port, s.protocol): s for s in listening()}
    assert found[(tcp, "tcp")].pid == os.getpid() and found[(tcp, "tcp")].address == LOOPBACK
    assert found[(udp, "udp")].pid == os.getpid()
    assert found[(tcp, "tcp")].holder == f"{found[(tcp, 'tcp')].process} (PID {os.getpid()})"


def test_proc_and_psutil_read_the_same_sockets(sockets: Sockets) -> None:
    """Without psutil, /proc/net and /proc/PID/fd: the same sockets, holders and command lines as psutil's."""
    psutil = pytest.importorskip("psutil", reason="psutil is the `live` extra (and in the test extra)")
    from mdports.live.sockets import _from_proc, _from_psutil

    ours = {(sockets.tcp(), "tcp"), (sockets.udp(), "udp")}
    by_proc = {(s.port, s.protocol): s for s in _from_proc() if (s.port, s.protocol) in ours}
    by_psutil = {(s.port, s.protocol): s for s in _from_psutil(psutil) if (s.port, s.protocol) in ours}
    assert by_proc == by_psutil and set(by_proc) == ours
    assert {s.pid for s in by_proc.values()} == {os.getpid()}


def test_this_machine_against_the_document(sockets: Sockets, tmp_path: Path) -> None:
    """Installed command: listening or not, a holder that does not match, a stray, a reserved port."""
    held, quiet, other, stray, held_back, udp = (
        sockets.tcp(), sockets.free(), sockets.tcp(), sockets.tcp(), sockets.tcp(), sockets.udp()
    )  # fmt: skip
    rows = [(held, "python-api"), (quiet, "ledger-api"), (other, "zebra-quux"), (udp, "metrics-udp")]
    doc = document(tmp_path, rows, strays=[stray], reserved=held_back)
    result = run_mdports("-f", str(doc), "live", "--no-source")
    lines = result.stdout.splitlines()
    pid = f"(PID {os.getpid()})"
    assert any(line.split()[:3] == [f"{held}/tcp", "listening", "python-api"] and pid in line for line in lines)
    assert any(line.split()[:4] == [f"{quiet}/tcp", "not", "listening", "ledger-api"] for line in lines)
    assert any(line.split()[:3] == [f"{udp}/udp", "listening", "metrics-udp"] for line in lines)
    text = result.stdout
    assert f"info MP301 ledger-api: nothing listens on {quiet} (tcp) on this machine [not-listening]" in text
    assert f"info MP303 zebra-quux's port {other}/tcp is held by" in text and pid in text
    assert "MP303 python-api" not in text  # the process is python: its name mentions the service
    assert "warning MP302" in text and f"listens on {stray}/tcp (on 127.0.0.1), inside 'Spare {stray}'" in text
    assert f"warning MP304 {held_back}/tcp is reserved in the document" in text
    assert result.returncode == 0  # infos and warnings; --strict fails on the warnings
    assert run_mdports("-f", str(doc), "live", "--strict").returncode == 1


def test_json_sarif_and_github_outputs(sockets: Sockets, tmp_path: Path) -> None:
    held, quiet = sockets.tcp(), sockets.free()
    doc = document(tmp_path, [(held, "python-api"), (quiet, "ledger-api")])
    result = invoke_mdports("-f", str(doc), "live", "--format", "json")
    check_schema("live", result.stdout)
    record = json.loads(result.stdout)
    assert record["mode"] == "local" and record["target"] == "this machine"
    states = {port["port"]: port["state"] for port in record["ports"]}
    assert states[held] == "listening" and states[quiet] == "not listening"
    assert [f["rule"] for f in record["findings"] if quiet in f["ports"]] == ["MP301"]
    sarif = json.loads(invoke_mdports("-f", str(doc), "live", "--format", "sarif").stdout)
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"MP301", "MP307"} <= rules
    assert [r["ruleId"] for r in sarif["runs"][0]["results"] if str(quiet) in r["message"]["text"]] == ["MP301"]
    summary = tmp_path / "summary.md"
    github = invoke_mdports("-f", str(doc), "live", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert "::notice" not in github.stdout  # infos are not annotations
    assert "### mdports live" in summary.read_text(encoding="utf-8")


def test_host_connect_checks(sockets: Sockets, tmp_path: Path) -> None:
    """--host: a line per documented port, MP305 for a refused one; --scan finds an undocumented open port."""
    open_port, closed, stray = sockets.tcp(), sockets.free(), sockets.tcp()
    doc = document(tmp_path, [(open_port, "python-api"), (closed, "ledger-api")])
    result = run_mdports("-f", str(doc), "live", "--host", LOOPBACK, "--no-source")
    assert result.returncode == 0, result.stderr
    assert f"  {open_port}/tcp  open " in result.stdout
    assert f"  {closed}/tcp  closed" in result.stdout and "connection refused" in result.stdout
    assert f"warning MP305 ledger-api: 127.0.0.1 port {closed}: connection refused [port-closed]" in result.stdout
    assert str(stray) not in result.stdout  # nothing outside the documented ports is tried
    low, high = sorted((stray, open_port))
    if high - low < 2000:
        scanned = invoke_mdports(
            "-f", str(doc), "live", "--host", LOOPBACK, "--scan", f"{low}-{high}", "--format", "json"
        )
        record = json.loads(scanned.stdout)
        check_schema("live", scanned.stdout)
        assert any(f["rule"] == "MP302" and f["ports"] == [stray] for f in record["findings"])


def test_a_silent_host_costs_the_timeout_and_is_an_error(sockets: Sockets, tmp_path: Path) -> None:
    ports = [sockets.silent() for _ in range(3)]
    doc = document(tmp_path, [(port, f"svc-{i}") for i, port in enumerate(ports)])
    result = invoke_mdports("-f", str(doc), "live", "--host", LOOPBACK, "--timeout", "0.5", "--format", "json")
    assert result.returncode == 1
    record = json.loads(result.stdout)
    assert [f["rule"] for f in record["findings"]] == ["MP306"]
    assert {port["state"] for port in record["ports"]} <= {"no answer", "not tried"}


def test_preflight_names_the_holder(sockets: Sockets, tmp_path: Path) -> None:
    taken, free, elsewhere = sockets.tcp(), sockets.free(), sockets.tcp()
    compose = tmp_path / "compose.yml"
    compose.write_text(
        "services:\n"
        f"  web:\n    ports:\n      - '{taken}:80'\n      - '{free}:8080'\n"
        f"  admin:\n    ports: ['127.0.0.2:{elsewhere}:80']\n",  # another bind address: no clash
        encoding="utf-8",
    )
    doc = document(tmp_path, [(taken, "web")])
    result = run_mdports("-f", str(doc), "live", "--preflight", "--compose", str(compose), "--no-source", cwd=tmp_path)
    assert result.returncode == 1
    assert f"compose.yml:4:10: error MP307 compose service web would publish {taken}/tcp, but " in result.stdout
    assert f"(PID {os.getpid()}) already listens on it (on 127.0.0.1)" in result.stdout
    assert f"  {free}/tcp  free   web" in result.stdout and "MP307 compose service admin" not in result.stdout
    compose.write_text(f"services:\n  web:\n    ports: ['{free}:80']\n", encoding="utf-8")
    assert invoke_mdports("-f", str(doc), "live", "--preflight", "--compose", str(compose)).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "no-such-host.invalid"], "cannot resolve host 'no-such-host.invalid'"),
        (["--host", "127.0.0.1", "--scan", "70000-70010"], "--scan '70000-70010'"),
        (["--host", "127.0.0.1", "--timeout", "0"], "--timeout must be above 0"),
        (["--scan", "1-10"], "go with --host"),
        (["--preflight", "--host", "127.0.0.1"], "does not go with --host"),
        (["--compose", "c.yml"], "--compose goes with --preflight"),
        (["--preflight"], "no compose file to check"),
    ],
)
def test_bad_input_is_a_clear_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    doc = document(tmp_path, [(3001, "api")])
    result = invoke_mdports("-f", str(doc), "live", *args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_a_document_without_ranges_is_checked_with_a_note(sockets: Sockets, tmp_path: Path) -> None:
    held = sockets.tcp()
    doc = document(tmp_path, [(held, "python-api")])
    result = run_mdports("-f", str(doc), "live")
    assert result.returncode == 0
    assert "declares no port ranges: listeners outside its entries are not looked for" in result.stderr
    assert f"{held}/tcp  listening" in result.stdout


def test_no_documented_port_for_a_host_is_a_usage_error(tmp_path: Path) -> None:
    doc = tmp_path / "empty.md"
    doc.write_text("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | *(reserved)* |\n", encoding="utf-8")
    result = invoke_mdports("-f", str(doc), "live", "--host", LOOPBACK)
    assert result.returncode == 2 and "no documented TCP port to check on 127.0.0.1" in result.stderr


def test_the_running_layer_of_a_configured_host_is_what_it_checks(sockets: Sockets, tmp_path: Path) -> None:
    """--host NAME of a [hosts.NAME] with an address: that host's running entries, not the plan's."""
    running, planned = sockets.tcp(), sockets.free()
    (tmp_path / "PORTS.md").write_text(
        f"> **Build box (`{LOOPBACK}`):**\n>\n> - ci-runner `{running}`\n\n"
        f"## Plan\n\n| Port | Service |\n|---|---|\n| {planned} | ci-runner |\n",
        encoding="utf-8",
    )
    (tmp_path / ".mdports.toml").write_text(f'file = "PORTS.md"\n[hosts."Build box"]\naddress = "{LOOPBACK}"\n')
    result = invoke_mdports("live", "--host", "Build box", "--format", "json", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert [(p["port"], p["state"]) for p in record["ports"]] == [(running, "open")], result.stderr


def test_the_fleet_fixture_checks_one_hosts_running_layer(tmp_path: Path) -> None:
    """1,200 entries, three hosts: --host NAME checks that host's running ports only, each on a line."""
    from fleet_document import fleet_document

    from mdports import parse
    from mdports.model.reading import build

    text = fleet_document()
    (tmp_path / "PORTS.md").write_text(text, encoding="utf-8")
    (tmp_path / ".mdports.toml").write_text(f'file = "PORTS.md"\n[hosts."GPU box"]\naddress = "{LOOPBACK}"\n')
    registry = build(parse(text))
    expected = {
        port
        for e in registry.every_entry
        if e.layer == "running" and e.host == "GPU box" and e.service and "tcp" in e.protocols
        for port in e.ports
    }
    assert len(expected) > 150  # its list and its rows of the AI table
    result = run_mdports("live", "--host", "GPU box", "--format", "json", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert {p["port"] for p in record["ports"]} == expected, result.stderr
    assert {p["state"] for p in record["ports"]} <= {"open", "closed"}
    assert record["target"] == "GPU box (127.0.0.1)"
    assert result.returncode == 0 and all(f["rule"] == "MP305" for f in record["findings"])


def test_a_listener_of_another_protocol_on_a_documented_port_is_undocumented(sockets: Sockets, tmp_path: Path) -> None:
    """MP302 per protocol: a UDP socket on the port of a TCP-only entry is nobody's documented service."""
    port = sockets.tcp()
    stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stray.bind((LOOPBACK, port))  # TCP and UDP ports are separate spaces: the same number is free for UDP
    sockets.held.append(stray)
    doc = document(tmp_path, [(port, "python-api")], strays=[port])
    result = invoke_mdports("-f", str(doc), "live", "--no-source")
    assert "warning MP302" in result.stdout and f"listens on {port}/udp (on 127.0.0.1)" in result.stdout
    assert "no entry documents udp there" in result.stdout
    assert f"listens on {port}/tcp" not in result.stdout  # the TCP listener is python-api's
