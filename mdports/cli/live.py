"""``mdports live``: the document against what is listening here, what a host answers, or a compose file's ports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..errors import UsageError
from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import COMPOSE, ReportFormat, State, say, state

if TYPE_CHECKING:
    from ..live.check import LiveResult
    from ..model.lookup import Registry
    from ..model.ports import PortRange


@command()
def live(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None,
        "--host",
        metavar="ADDRESS",
        help="Check another host by TCP connects: an address, a name, or a configured [hosts.NAME] with an address.",
    ),
    scan: str | None = typer.Option(
        None, "--scan", metavar="RANGE", help="--host: also try every port of RANGE (8000-8100); nothing else is tried."
    ),
    timeout: float = typer.Option(2.0, "--timeout", metavar="SECONDS", help="--host: wait this long for a port."),
    concurrency: int = typer.Option(200, "--concurrency", metavar="N", help="--host: connects at a time."),
    preflight: bool = typer.Option(
        False, "--preflight", help="Before `docker compose up`: the compose files' host ports already taken here."
    ),
    compose: list[Path] | None = COMPOSE,
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json, sarif or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
) -> None:
    """Hold the document against what is listening: on this machine, on --host, or --preflight.

    Default: the listening sockets of this machine (psutil when installed, else /proc/net on
    Linux) against the entries this machine runs (the running layer's for its host name,
    else the plan's). --host ADDRESS: TCP connect checks of the documented ports of that
    host, bounded by --timeout and --concurrency. --preflight: every host port the compose
    files (--compose, or configured) would publish that a process here already holds.
    Exit 0, 1 when a finding reaches the failing severity, 2 on usage or input errors.
    """
    from ..output import report as reporting

    if preflight and host is not None:
        raise UsageError("--preflight checks this machine; it does not go with --host")
    if (scan is not None or timeout != 2.0 or concurrency != 200) and host is None:
        raise UsageError("--scan, --timeout and --concurrency go with --host ADDRESS")
    if compose and not preflight:
        raise UsageError("--compose goes with --preflight")
    st = state(ctx)
    if preflight:
        result, sources = _preflight(st, compose or [])
    else:
        name, document = st.load()
        registry = st.registry(document)
        if host is not None:
            result = _remote(st, registry, name, host, _scan_range(scan), timeout, concurrency)
        else:
            result = _local(registry, name)
        sources = {name: tuple(reporting.source_lines(document))}
    report = result.report
    if fmt is ReportFormat.json:
        from ..output.drift_live import format_json

        say(format_json(result))
    elif fmt is ReportFormat.sarif:
        from ..output.report import format_sarif

        say(format_sarif([report]))
    elif fmt is ReportFormat.github:
        say(reporting.format_github(report.at_least("warning")))
        reporting.write_step_summary([report], "live")
    else:
        from ..output.drift_live import format_text

        color = st.colored()
        say(format_text(result, sources, color=color, show_source=not no_source), color=color)
    raise typer.Exit(EXIT_FINDINGS if report.fails(strict) else EXIT_OK)


def _local(registry: Registry, name: str) -> LiveResult:
    import socket

    from ..live.check import check_local, entries_for
    from ..live.sockets import listening

    here = socket.gethostname()
    entries = entries_for(registry, [here, here.split(".")[0]], ["127.0.0.1", "localhost", "::1"])
    if not any(s.declared for s in registry.sections):
        say(f"mdports: {name} declares no port ranges: listeners outside its entries are not looked for", err=True)
    return check_local(registry, listening(), entries, name)


def _remote(
    st: State, registry: Registry, name: str, host: str, scanned: PortRange | None, timeout: float, concurrency: int
) -> LiveResult:
    import dataclasses

    from ..live.check import check_remote, entries_for
    from ..live.sockets import check_host

    configured = {h.name.casefold(): h for h in st.config.hosts}
    if host.casefold() in configured:
        chosen = configured[host.casefold()]
        if not chosen.addresses:
            raise UsageError(
                f"host {chosen.name!r} has no address in the configuration",
                hint=f'add address = "10.0.0.4" to [hosts.{chosen.name}], or give --host ADDRESS',
            )
        names, address = [chosen.name], chosen.addresses[0]
    else:
        names = [h.name for h in st.config.hosts if host in h.addresses] + [host]
        address = host
    entries = entries_for(registry, names, [address, host])
    ports = {port for entry in entries for port in entry.ports if "tcp" in entry.protocols}
    if scanned is not None:
        ports.update(scanned)
    if not ports:
        raise UsageError(
            f"no documented TCP port to check on {host}",
            path=name,
            hint="the document lists no assigned TCP entry for it; give --scan RANGE to try ports anyway",
        )
    checked = dataclasses.replace(check_host(address, sorted(ports), timeout, concurrency), host=host)
    tcp_entries = [e for e in entries if "tcp" in e.protocols]
    return check_remote(registry, checked, tcp_entries, scanned, name)


def _scan_range(text: str | None) -> PortRange | None:
    if text is None:
        return None
    from ..model.ports import PortSyntaxError, parse_span

    try:
        return parse_span(text)
    except PortSyntaxError as exc:
        raise UsageError(f"--scan {text[:40]!r}: {exc}", hint="give a port or a range such as 8000-8100") from None


def _preflight(st: State, given: list[Path]) -> tuple[LiveResult, dict[str, tuple[str, ...]]]:
    import socket

    from ..deploy.deployment import hosts_to_compare, load_hosts
    from ..live.check import check_preflight
    from ..live.sockets import listening

    if given:
        hosts = hosts_to_compare(st.config, [given, [], [], [], []])
    else:
        here = {socket.gethostname().casefold(), socket.gethostname().split(".")[0].casefold()}
        try:
            configured = hosts_to_compare(st.config, [[]] * 5)
        except UsageError:
            configured = []
        hosts = [h for h in configured if (not h.name or h.name.casefold() in here) and h.compose]
        if not hosts:
            raise UsageError(
                "no compose file to check",
                hint="pass --compose FILE, or set compose in the configuration (for this machine's [hosts.NAME])",
            )
    hosts = [type(h)(h.name, h.addresses, compose=h.compose) for h in hosts]
    deployed = load_hosts(hosts)
    files = ", ".join(name for h in hosts for name in h.compose)
    result = check_preflight(deployed.services, listening(), files)
    return result, dict(deployed.sources)
