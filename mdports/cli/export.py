"""``mdports export``: the registry for other tools (JSON, YAML, CSV, env)."""

from __future__ import annotations

from enum import Enum

import typer

from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import say, state


class ExportFormat(str, Enum):
    json = "json"
    yaml = "yaml"
    csv = "csv"
    env = "env"


@command()
def export(
    ctx: typer.Context,
    fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", help="json, yaml, csv or env."),
    range_: str = typer.Option(None, "--range", "-r", help="Only this section (range, port, slug or abbreviation)."),
) -> None:
    """Write the registry for other tools (sorted by port; env: MANA_AUTH_PORT=3001).

    Entries that cannot be exported (an unreadable port cell, a variable name another service
    already has) are left out and reported on stderr; then the exit code is 1.
    """
    from ..output import export as exporting

    st = state(ctx)
    name, document = st.load()
    registry = st.registry(document)
    section = registry.section(range_) if range_ else None
    result = exporting.export(registry, fmt.value, section, source=name)
    say(result.text)
    for line, problem in result.problems:
        say(f"mdports: warning: {name}:{line}: {problem}", err=True)
    raise typer.Exit(EXIT_FINDINGS if result.problems else EXIT_OK)
