"""Commands that read the registry: ``validate``, ``list``, ``show``, ``ranges``."""

from __future__ import annotations

from pathlib import Path

import typer

from .. import records, report
from ..registry import build
from ..rules import validate as run_rules
from ._app import EXIT_FINDINGS, EXIT_OK, ListFormat, ReportFormat, TextOrJson, app, state


@app.command()
def validate(
    ctx: typer.Context,
    files: list[Path] | None = typer.Argument(None, help="Documents to check (default: the configured one)."),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
) -> None:
    """Check the registry: conflicts, ranges, malformed cells, dangling references.

    Exit 0 when nothing reaches the failing severity, 1 when something does, 2 on usage or
    input errors.
    """
    st = state(ctx)
    strict = strict or st.config.strict
    reports = []
    outputs = []
    targets: list[Path | None] = list(files) if files else [None]
    for path in targets:
        name, document = st.load(path)
        registry = build(document)
        result = run_rules(registry, st.config, name)
        reports.append(result)
        if fmt is ReportFormat.json:
            outputs.append(report.to_json(result, entries=len(registry.entries), sections=len(registry.sections)))
        elif fmt is ReportFormat.github:
            typer.echo(report.format_github(result))
        else:
            typer.echo(report.format_text(result, report.source_lines(document), show_source=not no_source))
    if fmt is ReportFormat.json:
        import json

        typer.echo(json.dumps(outputs[0] if len(outputs) == 1 else outputs, indent=2, ensure_ascii=False))
    if fmt is ReportFormat.github:
        report.write_step_summary(reports)
    raise typer.Exit(EXIT_FINDINGS if any(r.fails(strict) for r in reports) else EXIT_OK)


@app.command("list")
def list_(
    ctx: typer.Context,
    range_: str = typer.Option(None, "--range", "-r", help="Only this section (range, port, slug or abbreviation)."),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, json or csv."),
) -> None:
    """List every entry: ports, service, status, section, line and cells."""
    registry = state(ctx).registry()
    section = registry.section(range_) if range_ else None
    typer.echo(records.format_entries(registry, records.entries_in(registry, section), fmt.value))


@app.command()
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="NAME|PORT", help="A service name or a port."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Show one entry, where it is, and every cross-reference to it."""
    registry = state(ctx).registry()
    typer.echo(records.format_show(registry, registry.entry(key), fmt.value))


@app.command()
def ranges(
    ctx: typer.Context,
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Each section with its range, assigned/reserved/free counts and the next free port."""
    typer.echo(records.format_ranges(state(ctx).registry(), fmt.value))
