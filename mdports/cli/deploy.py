"""Commands that look beyond the document: ``drift`` (against the deployment) and ``export``.

Both import what they need (PyYAML, the deployment readers, the drift rules) inside the
command, so that starting ``mdports validate`` never pays for them.
"""

from enum import Enum
from pathlib import Path

import typer

from ..config import display_path
from ..errors import UsageError
from ._app import EXIT_FINDINGS, EXIT_OK, ReportFormat, app, state


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
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
) -> None:
    """Compare the registry with docker compose, Prometheus and env files.

    Files given on the command line replace those configured in [tool.mdports] (compose,
    prometheus, env). Exit 0 when nothing reaches the failing severity, 1 when something
    does, 2 on usage or input errors.
    """
    from .. import deployment, report
    from .. import drift as drift_rules

    st = state(ctx)
    strict = strict or st.config.strict
    if compose or prometheus or env:
        files = (compose or [], prometheus or [], env or [])
    else:
        files = (list(st.config.compose), list(st.config.prometheus), list(st.config.env))
    if not any(files):
        raise UsageError(
            "no deployment files to compare the document with",
            hint="pass --compose, --prometheus or --env FILE, or set compose/prometheus/env in [tool.mdports]",
        )
    compose_files, prometheus_files, env_files = ([display_path(path) for path in group] for group in files)
    name, document = st.load()
    registry = st.registry(document)
    deployed = deployment.load(compose_files, prometheus_files, env_files)
    result = drift_rules.check(registry, deployed, st.config, name)
    if fmt is ReportFormat.json:
        extra = {
            "entries": len(registry.entries),
            "files": len(deployed.files),
            "services": len(deployed.services),
            "targets": len(deployed.targets),
            "variables": len(deployed.env_ports),
        }
        typer.echo(report.format_json(result, **extra))
    elif fmt is ReportFormat.github:
        typer.echo(report.format_github(result))
        report.write_step_summary([result], "drift")
    else:
        sources = {**deployed.sources, name: tuple(report.source_lines(document))}
        typer.echo(drift_rules.format_text(result, sources, show_source=not no_source))
    raise typer.Exit(EXIT_FINDINGS if result.fails(strict) else EXIT_OK)


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
