"""Commands that read the registry: ``validate``, ``list``, ``show``, ``ranges``.

No ``from __future__ import annotations`` in the command modules: typer reads every command's
signature on every start, and real annotations save it evaluating strings.
"""

from pathlib import Path

import typer

from .. import report
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
    nothing_checked = False
    targets: list[Path | None] = list(files) if files else [None]
    for path in targets:
        name, document = st.load(path)
        registry = st.registry(document)
        if not registry.tables:
            # Nothing to check is most likely a mistake (a truncated file, the wrong path): say
            # so on stderr, and let --strict fail on it as on any warning.
            empty = not document.render().strip()
            what = "the document is empty" if empty else "no registry table (a table with a Port column)"
            typer.echo(f"mdports: warning: {name}: {what}; nothing to check", err=True)
            nothing_checked = True
        result = run_rules(registry, st.config, name)
        reports.append(result)
        if fmt is ReportFormat.json:
            outputs.append(report.to_json(result, entries=len(registry.entries), sections=len(registry.sections)))
        elif fmt is ReportFormat.github:
            typer.echo(report.format_github(result))
        else:
            quoted = not no_source and bool(result.findings)  # the lines are needed only to quote them
            lines = report.source_lines(document) if quoted else []
            typer.echo(report.format_text(result, lines, show_source=quoted))
    if fmt is ReportFormat.json:
        import json

        typer.echo(json.dumps(outputs[0] if len(outputs) == 1 else outputs, indent=2, ensure_ascii=False))
    if fmt is ReportFormat.github:
        report.write_step_summary(reports)
    failed = any(r.fails(strict) for r in reports) or (strict and nothing_checked)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


@app.command("list")
def list_(
    ctx: typer.Context,
    range_: str = typer.Option(None, "--range", "-r", help="Only this section (range, port, slug or abbreviation)."),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, json or csv."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Say on stderr how each table is read."),
) -> None:
    """List every entry: ports, service, status, section, line and cells."""
    from .. import records

    registry = state(ctx).registry()
    section = registry.section(range_) if range_ else None
    if verbose:  # on stderr, so that stdout stays what --format promises
        typer.echo(records.format_readings(registry, registry.readings, "text"), err=True)
    typer.echo(records.format_entries(registry, records.entries_in(registry, section), fmt.value))


@app.command()
def explain(
    ctx: typer.Context,
    line: int = typer.Argument(None, metavar="[TABLE_LINE]", help="A line of the table (default: every table)."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Say how each table is read: registry rows or not (and why), and what each column is."""
    from .. import records

    registry = state(ctx).registry()
    typer.echo(records.format_readings(registry, records.readings_at(registry, line), fmt.value))


@app.command()
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="NAME|PORT", help="A service name or a port."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Show one entry, where it is, and every cross-reference to it."""
    from .. import records

    registry = state(ctx).registry()
    typer.echo(records.format_show(registry, registry.entry(key), fmt.value))


@app.command()
def ranges(
    ctx: typer.Context,
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Each section with its range, assigned/reserved/free counts and the next free port."""
    from .. import records

    typer.echo(records.format_ranges(state(ctx).registry(), fmt.value))
