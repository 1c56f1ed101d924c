"""The listening sockets of this machine and the process holding each.

With psutil (``pip install 'mdports[live]'``) on any system it supports; without it, on
Linux, from ``/proc/net/{tcp,tcp6,udp,udp6}`` and the ``socket:[inode]`` links under
``/proc/*/fd``. A process of another user cannot be looked into without privileges: its
sockets are still listed, with no holder (``pid`` None).
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

from ..errors import UsageError

_PROC = "/proc"
_TCP_LISTEN = "0A"
_UDP_UNCONNECTED = "07"  # a bound UDP socket with no peer: what "listening" means for UDP


@dataclass(frozen=True, slots=True)
class Listener:
    """A socket accepting traffic on ``port``: its protocol, bound address and holder (when visible)."""

    protocol: str  # tcp or udp
    address: str  # "0.0.0.0", "::", "127.0.0.1"...
    port: int
    pid: int | None = None
    process: str | None = None  # the process name (``comm``), None when not visible
    command: str = ""  # its command line, to match a runtime (node, python) to a service

    @property
    def holder(self) -> str:
        """``nginx (PID 812)``, or what is known when the process is not visible."""
        if self.pid is None:
            return "a process this user cannot see (run as its owner or root to name it)"
        return f"{self.process or '?'} (PID {self.pid})"


def listening() -> tuple[Listener, ...]:
    """Every listening TCP socket and bound UDP socket of this machine, sorted by port."""
    try:
        psutil = importlib.import_module("psutil")  # optional: the `live` extra (and untyped)
    except ImportError:
        found = list(_from_proc())
    else:
        found = list(_from_psutil(psutil))
    return tuple(sorted(set(found), key=lambda s: (s.port, s.protocol, s.address, s.pid or 0)))


def _from_psutil(util: ModuleType) -> Iterator[Listener]:
    import socket

    names: dict[int, tuple[str, str]] = {}
    for conn in util.net_connections(kind="inet"):
        tcp = conn.type == socket.SOCK_STREAM
        if (tcp and conn.status != util.CONN_LISTEN) or (not tcp and conn.raddr):
            continue
        pid = conn.pid
        if pid is not None and pid not in names:
            try:
                process = util.Process(pid)
                names[pid] = (process.name(), " ".join(process.cmdline()).strip())
            except Exception:  # the process ended or is not ours: keep the socket, unnamed
                names[pid] = ("?", "")
        name, command = names.get(pid, (None, "")) if pid is not None else (None, "")
        yield Listener("tcp" if tcp else "udp", conn.laddr.ip, conn.laddr.port, pid, name, command)


def _from_proc() -> Iterator[Listener]:
    if not os.path.isdir(os.path.join(_PROC, "net")):
        raise UsageError(
            f"cannot list listening sockets on {sys.platform}: /proc/net is Linux's",
            hint="install psutil (pip install 'mdports[live]'), or check a host over the network with --host ADDRESS",
        )
    sockets: list[tuple[str, str, int, str]] = []
    for protocol in ("tcp", "tcp6", "udp", "udp6"):
        sockets += _proc_table(protocol)
    holders = _holders({inode for *_, inode in sockets})
    for protocol, address, port, inode in sockets:
        pid, name, command = holders.get(inode, (None, None, ""))
        yield Listener(protocol, address, port, pid, name, command)


def _proc_table(name: str) -> list[tuple[str, str, int, str]]:
    """``(protocol, address, port, inode)`` of the listening sockets in ``/proc/net/NAME``."""
    try:
        with open(os.path.join(_PROC, "net", name), encoding="ascii") as handle:
            lines = handle.read().splitlines()[1:]
    except OSError:
        return []  # no IPv6 on this machine, or the table is hidden
    wanted = _TCP_LISTEN if name.startswith("tcp") else _UDP_UNCONNECTED
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) < 10 or fields[3] != wanted:
            continue
        local, remote = fields[1], fields[2]
        if not name.startswith("tcp") and not remote.endswith(":0000"):
            continue  # a connected UDP socket talks to one peer: not a listener
        address, _, port = local.partition(":")
        found.append((name[:3], decode_address(address), int(port, 16), fields[9]))
    return found


def decode_address(text: str) -> str:
    """A ``/proc/net`` address: hex, each 32-bit word in the machine's byte order (little-endian here).

    >>> decode_address("0100007F"), decode_address("00000000000000000000000000000000")
    ('127.0.0.1', '::')
    """
    raw = bytes.fromhex(text)
    words = b"".join(
        raw[i : i + 4][::-1] if sys.byteorder == "little" else raw[i : i + 4] for i in range(0, len(raw), 4)
    )
    return str(ipaddress.ip_address(words))


def _holders(inodes: Iterable[str]) -> dict[str, tuple[int, str, str]]:
    """The process holding each socket inode, from the ``socket:[inode]`` links of ``/proc/PID/fd``."""
    wanted = {f"socket:[{inode}]" for inode in inodes if inode != "0"}
    found: dict[str, tuple[int, str, str]] = {}
    try:
        pids = [entry for entry in os.listdir(_PROC) if entry.isdigit()]
    except OSError:
        return found
    for pid in pids:
        folder = os.path.join(_PROC, pid, "fd")
        try:
            fds = os.listdir(folder)
        except OSError:
            continue  # another user's process, or it ended
        for fd in fds:
            try:
                target = os.readlink(os.path.join(folder, fd))
            except OSError:
                continue
            if target in wanted:
                found[target[8:-1]] = (int(pid), *_process(pid))
    return found


def _process(pid: str) -> tuple[str, str]:
    """The name (``comm``) and command line of a process, ``?`` when it ended meanwhile."""
    try:
        with open(os.path.join(_PROC, pid, "comm"), encoding="utf-8", errors="replace") as handle:
            name = handle.read().strip()
        with open(os.path.join(_PROC, pid, "cmdline"), "rb") as handle:
            command = handle.read(4096).replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return "?", ""
    return name, command
