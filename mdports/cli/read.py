"""Commands that read the registry: ``validate``, ``list``, ``show``, ``ranges``.

No ``from __future__ import annotations`` in the command modules: typer reads every command's
signature on every start, and real annotations save it evaluating strings.
"""

from pathlib import Path

import typer

from .. import report
from ..findings import Report
from ..rules import validate as run_rules
from ._app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    MIN_SEVERITY,
    QUIET,
    ListFormat,
    ReportFormat,
    Severity,
    TextOrJson,
    app,
    error_record,
    shown_severity,
    state,
)


@app.command()
def validate(
    ctx: typer.Context,
    files: list[Path] | None = typer.Argument(
        None, metavar="[FILE]...", help="Documents to check (default: the configured one); - reads stdin."
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json, sarif or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
    min_severity: Severity = MIN_SEVERITY,
    quiet: bool = QUIET,
) -> None:
    """Check the registry: conflicts, ranges, malformed cells, dangling references.

    Every file is checked, even after one that cannot be read. Exit 0 when nothing reaches
    the failing severity, 1 when something does, 2 when a file could not be read or on
    usage errors.
    """
    from ..errors import InputError

    st = state(ctx)
    strict = strict or st.config.strict
    shown_from = shown_severity(min_severity, quiet)
    color = st.colored()
    reports: list[Report] = []
    outputs: list[dict[str, object]] = []
    unreadable = False
    nothing_checked = False
    for path in list(files) if files else [None]:
        try:
            name, document = st.load(path)
        except InputError as error:
            if len(files or ()) < 2:
                raise  # one document: the error is the whole answer
            # Several (as pre-commit passes them): say what is wrong with this one, check the rest.
            unreadable = True
            typer.echo(f"mdports: error: {error}", err=True)
            if fmt is ReportFormat.json:
                record: dict[str, object] = {
                    "version": report.JSON_SCHEMA_VERSION,
                    "path": error.path,
                    "error": error_record(error),
                }
                outputs.append(record)
            continue
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
        shown = result.at_least(shown_from)
        if fmt is ReportFormat.json:
            summary = report.to_json(result, entries=len(registry.entries), sections=len(registry.sections))
            summary["findings"] = [finding.to_dict() for finding in shown.findings]
            outputs.append(summary)
        elif fmt is ReportFormat.github:
            typer.echo(report.format_github(shown))
        elif fmt is ReportFormat.text:
            quoted = not no_source and bool(shown.findings)  # the lines are needed only to quote them
            lines = report.source_lines(document) if quoted else []
            text = report.format_text(shown, {name: lines}, show_source=quoted, color=color, totals=result)
            typer.echo(text, color=color)  # click strips colour from what is not a terminal unless told
    if fmt is ReportFormat.json:
        import json

        typer.echo(json.dumps(outputs[0] if len(outputs) == 1 else outputs, indent=2, ensure_ascii=False))
    elif fmt is ReportFormat.sarif:
        from ..sarif import format_sarif

        typer.echo(format_sarif([r.at_least(shown_from) for r in reports]))
    elif fmt is ReportFormat.github:
        report.write_step_summary([r.at_least(shown_from) for r in reports])
    failed = any(r.fails(strict) for r in reports) or (strict and nothing_checked)
    raise typer.Exit(EXIT_USAGE if unreadable else EXIT_FINDINGS if failed else EXIT_OK)


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


@app.command("rules")
def rules_(
    rule: str = typer.Argument(None, metavar="[RULE]", help="One rule, by id (MP101) or name (port-out-of-range)."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """List every rule mdports checks (document and deployment): id, name, severity, what it finds."""
    import json

    from ..catalog import all_rules, check_rule_names, find_rule

    if rule is not None:
        check_rule_names([rule], "rules", None)
    chosen = [find_rule(rule)] if rule is not None else list(all_rules())
    records = [{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary} for r in chosen if r]
    if fmt is TextOrJson.json:
        typer.echo(json.dumps({"version": 1, "rules": records}, indent=2, ensure_ascii=False))
        return
    width = max(len(record["name"]) for record in records)
    for record in records:
        typer.echo(f"{record['id']}  {record['name']:<{width}}  {record['severity']:<7}  {record['summary']}")
