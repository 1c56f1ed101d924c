"""What listens: the listening sockets of this machine and their holders, and what answers on another host.

Here: with psutil (``pip install 'mdports[live]'``) on any system it supports; without it, on
Linux, from ``/proc/net/{tcp,tcp6,udp,udp6}`` and the ``socket:[inode]`` links under
``/proc/*/fd``. A process of another user cannot be looked into without privileges: its
sockets are still listed, with no holder (``pid`` None).

There: TCP connect checks with bounded concurrency, a timeout per port, and one for a silent
host. A port answers ``open`` (the connection was accepted), ``closed`` (refused: nothing
listens) or ``no answer`` (the timeout passed: a firewall drops it, or the host is down). When
nothing at all has answered once the timeout has passed, the host is taken to be silent and the
ports not tried yet are not tried: a host that does not answer costs the timeout, not the
timeout once per port. The connects are plain non-blocking sockets watched by the event loop,
``concurrency`` workers taking the next port from one queue: no task or stream per port, so
that 65,535 refused ports on the loopback take seconds, not a minute.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import ipaddress
import os
import socket
import sys
from collections.abc import Iterable, Iterator, Sequence
from types import ModuleType
from typing import Literal

from ..errors import UsageError
from ..readonly import readonly

_PROC = "/proc"
_TCP_LISTEN = "0A"
_UDP_UNCONNECTED = "07"  # a bound UDP socket with no peer: what "listening" means for UDP


@readonly
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


State = Literal["open", "closed", "no answer", "not tried"]
CONCURRENCY = 200
TIMEOUT = 2.0
_PENDING = {errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY, getattr(errno, "EWOULDBLOCK", errno.EAGAIN)}


@readonly
class Probe:
    port: int
    state: State
    detail: str = ""  # why, when it is not open: "connection refused", "no answer within 2 s"


@readonly
class HostCheck:
    """The outcome for one host: the address connected to, each port's state, and whether it answered at all."""

    host: str
    address: str
    probes: tuple[Probe, ...]
    silent: bool  # nothing answered within the timeout (the remaining ports were not tried)


def check_host(host: str, ports: Sequence[int], timeout: float = TIMEOUT, concurrency: int = CONCURRENCY) -> HostCheck:
    """Connect to every port of ``host`` (a name or an address); raises :class:`UsageError` if it does not resolve."""
    if not (0 < timeout <= 3600) or concurrency < 1:
        raise UsageError("--timeout must be above 0 (at most 3600) and --concurrency at least 1")
    return asyncio.run(_check(host, sorted(set(ports)), timeout, min(concurrency, 1000)))


async def _resolve(host: str, timeout: float) -> tuple[socket.AddressFamily, str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(
            f"cannot resolve host {host[:100]!r}: {reason}",
            hint="give an address (10.0.0.4) or a name this machine resolves",
        ) from None
    except asyncio.TimeoutError:
        raise UsageError(f"cannot resolve host {host[:100]!r}: no answer within {timeout:g} s") from None
    family, _, _, _, sockaddr = infos[0]
    return family, str(sockaddr[0])


async def _check(host: str, ports: Sequence[int], timeout: float, concurrency: int) -> HostCheck:
    family, address = await _resolve(host, timeout)
    loop = asyncio.get_running_loop()
    results: dict[int, Probe] = {}
    queue: Iterator[int] = iter(ports)
    stop = False

    async def worker() -> None:
        for port in queue:
            if stop:
                return
            results[port] = await _connect(loop, family, address, port, timeout)

    def watchdog() -> None:
        nonlocal stop
        stop = bool(ports) and all(probe.state == "no answer" for probe in results.values())

    handle = loop.call_later(timeout, watchdog)
    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(ports)))))
    handle.cancel()
    probes = tuple(results.get(port, Probe(port, "not tried", "the host did not answer")) for port in ports)
    return HostCheck(host, address, probes, stop)


async def _connect(
    loop: asyncio.AbstractEventLoop, family: socket.AddressFamily, address: str, port: int, timeout: float
) -> Probe:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        code = sock.connect_ex((address, port))
        if code in _PENDING:  # usual off the loopback: wait until the socket is writable, or the timeout
            done: asyncio.Future[bool] = loop.create_future()
            loop.add_writer(sock.fileno(), _settle, done, True)
            timer = loop.call_later(timeout, _settle, done, False)
            try:
                answered = await done
            finally:
                loop.remove_writer(sock.fileno())
                timer.cancel()
            if not answered:
                return Probe(port, "no answer", f"no answer within {timeout:g} s")
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    finally:
        sock.close()
    if code == 0:
        return Probe(port, "open")
    if code == errno.ECONNREFUSED:
        return Probe(port, "closed", "connection refused")
    return Probe(port, "no answer", os.strerror(code).lower())


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    """Give ``future`` its value unless it has one: writable and the timeout may both fire."""
    if not future.done():
        future.set_result(value)
