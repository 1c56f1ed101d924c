"""TCP connect checks of another host: bounded concurrency, a timeout per port, and one for a silent host.

A port answers ``open`` (the connection was accepted), ``closed`` (refused: nothing listens)
or ``no answer`` (the timeout passed: a firewall drops it, or the host is down). When nothing
at all has answered once the timeout has passed, the host is taken to be silent and the ports
not tried yet are not waited for: a host that does not answer costs the timeout, not the
timeout once per port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import UsageError

State = Literal["open", "closed", "no answer", "not tried"]
CONCURRENCY = 200
TIMEOUT = 2.0


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
    if timeout <= 0 or concurrency < 1:
        raise UsageError("--timeout must be above 0 and --concurrency at least 1")
    return asyncio.run(_check(host, sorted(set(ports)), timeout, concurrency))


async def _resolve(host: str, timeout: float) -> str:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(
            f"cannot resolve host {host!r}: {reason}", hint="give an address (10.0.0.4) or a name this machine resolves"
        ) from None
    except asyncio.TimeoutError:
        raise UsageError(f"cannot resolve host {host!r}: no answer within {timeout:g} s") from None
    return str(infos[0][4][0])


async def _check(host: str, ports: Sequence[int], timeout: float, concurrency: int) -> HostCheck:
    address = await _resolve(host, timeout)
    gate = asyncio.Semaphore(concurrency)
    answered = asyncio.Event()
    results: dict[int, Probe] = {}

    async def one(port: int) -> None:
        async with gate:
            results[port] = await _connect(address, port, timeout)
            if results[port].state != "no answer":
                answered.set()

    tasks = [asyncio.ensure_future(one(port)) for port in ports]
    everything = asyncio.gather(*tasks)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.shield(_first_answer(answered, everything)), timeout + 0.5)
    silent = bool(ports) and not answered.is_set()
    if silent:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    else:
        await everything
    probes = tuple(results.get(port, Probe(port, "not tried", "the host did not answer")) for port in ports)
    return HostCheck(host, address, probes, silent)


async def _first_answer(answered: asyncio.Event, everything: asyncio.Future[list[None]]) -> None:
    """Return when one port has answered, or when every port is done."""
    waiter = asyncio.ensure_future(answered.wait())
    pending: set[asyncio.Future[Any]] = {waiter, everything}
    await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


async def _connect(address: str, port: int, timeout: float) -> Probe:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    except asyncio.TimeoutError:
        return Probe(port, "no answer", f"no answer within {timeout:g} s")
    except ConnectionRefusedError:
        return Probe(port, "closed", "connection refused")
    except OSError as exc:
        return Probe(port, "no answer", exc.strerror or type(exc).__name__)
    writer.close()
    with contextlib.suppress(OSError):  # the peer reset the connection we only opened to see it accepted
        await writer.wait_closed()
    return Probe(port, "open")
