"""Commands that look beyond the document: ``drift`` (against the deployment) and ``export``.

Both import what they need (PyYAML, the deployment readers, the drift rules) inside the
command, so that starting ``mdports validate`` never pays for them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..config import display_path
from ..errors import UsageError
from ._app import EXIT_FINDINGS, EXIT_OK, QUIET, ReportFormat, Severity, app, shown_severity, state

if TYPE_CHECKING:
    from ..deployment import HostFiles


class ExportFormat(str, Enum):
    json = "json"
    yaml = "yaml"
    csv = "csv"
    env = "env"


@app.command()
def drift(
    ctx: typer.Context,
    compose: list[Path] | None = typer.Option(
        None, "--compose", "-c", metavar="FILE", help="A docker compose file (repeat for several)."
    ),
    prometheus: list[Path] | None = typer.Option(
        None, "--prometheus", "-p", metavar="FILE", help="A Prometheus configuration file (repeat for several)."
    ),
    env: list[Path] | None = typer.Option(
        None, "--env", "-e", metavar="FILE", help="An env file with NAME_PORT=NNNN variables."
    ),
    cloudflared: list[Path] | None = typer.Option(
        None, "--cloudflared", metavar="FILE", help="A cloudflared tunnel configuration (ingress rules)."
    ),
    kubernetes: list[Path] | None = typer.Option(
        None, "--kubernetes", "-k", metavar="FILE|DIR", help="Kubernetes manifests: a file or a folder of them."
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json, sarif or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    min_severity: Severity | None = typer.Option(
        None,
        "--min-severity",
        help="Show only findings of this severity or above (default info; warning for github). "
        "The exit code counts all.",
    ),
    quiet: bool = QUIET,
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
) -> None:
    """Compare the registry with docker compose, Prometheus, env, cloudflared and Kubernetes files.

    Files given on the command line (one unnamed host) replace those configured in
    [tool.mdports] (compose, prometheus, env, cloudflared, kubernetes and [tool.mdports.hosts.NAME]).
    Exit 0 when nothing reaches the failing severity, 1 when something does, 2 on usage or
    input errors.
    """
    from .. import deployment, report
    from .. import drift as drift_rules

    st = state(ctx)
    config = st.config
    strict = strict or config.strict
    given = [compose, prometheus, env, cloudflared, kubernetes]
    if any(given):
        hosts = [_host("", (), *(group or [] for group in given))]
    else:
        hosts = [_host("", (), config.compose, config.prometheus, config.env, config.cloudflared, config.kubernetes)]
        hosts = [host for host in hosts if _has_files(host)]
        hosts += [
            _host(h.name, h.addresses, h.compose, h.prometheus, h.env, h.cloudflared, h.kubernetes)
            for h in config.hosts
        ]
    if not any(_has_files(host) for host in hosts):
        raise UsageError(
            "no deployment files to compare the document with",
            hint="pass --compose, --prometheus, --env, --cloudflared or --kubernetes FILE, or set them "
            "(or [tool.mdports.hosts.NAME]) in [tool.mdports]",
        )
    name, document = st.load()
    registry = st.registry(document)
    deployed = deployment.load_hosts(hosts)
    result = drift_rules.check(registry, deployed, config, name)
    if min_severity is None:
        # Annotations for infos bury the errors of a pull request: github shows warnings and up.
        min_severity = Severity.warning if fmt is ReportFormat.github else Severity.info
    shown = result.at_least(shown_severity(min_severity, quiet))
    if fmt is ReportFormat.json:
        extra = {
            "entries": len(registry.entries),
            "files": len(deployed.files),
            "services": len(deployed.services),
            "targets": len(deployed.targets),
            "variables": len(deployed.env_ports),
        }
        record = report.to_json(result, **extra)
        record["findings"] = [finding.to_dict() for finding in shown.findings]
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False))
    elif fmt is ReportFormat.sarif:
        from ..sarif import format_sarif

        typer.echo(format_sarif([shown]))
    elif fmt is ReportFormat.github:
        typer.echo(report.format_github(shown))
        report.write_step_summary([shown], "drift")
    else:
        color = st.colored()
        sources = {**deployed.sources, name: tuple(report.source_lines(document))}
        text = report.format_text(shown, sources, show_source=not no_source, color=color, totals=result)
        typer.echo(text, color=color)
    raise typer.Exit(EXIT_FINDINGS if result.fails(strict) else EXIT_OK)


def _host(name: str, addresses: Sequence[str], *groups: Sequence[Path]) -> HostFiles:
    """One host's files as the messages name them (relative to the current folder)."""
    from ..deployment import HostFiles

    compose, prometheus, env, cloudflared, kubernetes = (tuple(display_path(p) for p in group) for group in groups)
    return HostFiles(name, tuple(addresses), compose, prometheus, env, cloudflared, kubernetes)


def _has_files(host: HostFiles) -> bool:
    return any((host.compose, host.prometheus, host.env, host.cloudflared, host.kubernetes))


@app.command()
def export(
    ctx: typer.Context,
    fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", help="json, yaml, csv or env."),
    range_: str = typer.Option(None, "--range", "-r", help="Only this section (range, port, slug or abbreviation)."),
) -> None:
    """Write the registry for other tools (sorted by port; env: MANA_AUTH_PORT=3001).

    Entries that cannot be exported (an unreadable port cell, a variable name another service
    already has) are left out and reported on stderr; then the exit code is 1.
    """
    from .. import export as exporting

    st = state(ctx)
    name, document = st.load()
    registry = st.registry(document)
    section = registry.section(range_) if range_ else None
    result = exporting.export(registry, fmt.value, section, source=name)
    typer.echo(result.text)
    for line, problem in result.problems:
        typer.echo(f"mdports: warning: {name}:{line}: {problem}", err=True)
    raise typer.Exit(EXIT_FINDINGS if result.problems else EXIT_OK)
