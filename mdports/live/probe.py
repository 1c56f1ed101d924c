"""TCP connect checks of another host: bounded concurrency, a timeout per port, and one for a silent host.

A port answers ``open`` (the connection was accepted), ``closed`` (refused: nothing listens)
or ``no answer`` (the timeout passed: a firewall drops it, or the host is down). When nothing
at all has answered once the timeout has passed, the host is taken to be silent and the ports
not tried yet are not tried: a host that does not answer costs the timeout, not the timeout
once per port.

The connects are plain non-blocking sockets watched by the event loop, ``concurrency`` workers
taking the next port from one queue: no task or stream per port, so that 65,535 refused
ports on the loopback take seconds, not a minute.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import UsageError

State = Literal["open", "closed", "no answer", "not tried"]
CONCURRENCY = 200
TIMEOUT = 2.0
_PENDING = {errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY, getattr(errno, "EWOULDBLOCK", errno.EAGAIN)}


@dataclass(frozen=True, slots=True)
class Probe:
    port: int
    state: State
    detail: str = ""  # why, when it is not open: "connection refused", "no answer within 2 s"


@dataclass(frozen=True, slots=True)
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
