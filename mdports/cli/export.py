"""The registry written out whole: ``map`` for people, ``export`` for other tools.

``mdports map``: the port space of the document, in the terminal, as Markdown, SVG or HTML.

``mdports export``: the registry for other tools (JSON, YAML, CSV, env).
"""

from __future__ import annotations

import shutil
from enum import Enum
from pathlib import Path

import typer

from ..errors import UsageError
from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import CLOUDFLARED, COMPOSE, ENV, KUBERNETES, PROMETHEUS, say, say_markdown, state


class MapFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    svg = "svg"
    html = "html"


@command("map")
def port_map(
    ctx: typer.Context,
    fmt: MapFormat = typer.Option(
        MapFormat.text, "--format", help="text (a bar per section), markdown (a table), svg or html (a page)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to FILE (svg, html)."),
    width: int | None = typer.Option(
        None, "--width", metavar="COLUMNS", help="text: fit this many columns (default: the terminal's, COLUMNS)."
    ),
    drift: bool = typer.Option(
        False, "--drift", help="Colour each port by its drift status (deployment files given or configured)."
    ),
    compose: list[Path] | None = COMPOSE,
    prometheus: list[Path] | None = PROMETHEUS,
    env: list[Path] | None = ENV,
    cloudflared: list[Path] | None = CLOUDFLARED,
    kubernetes: list[Path] | None = KUBERNETES,
) -> None:
    """Draw the port space: each section's range with what is assigned, reserved, free or in conflict.

    text fits the terminal (COLUMNS); markdown is a table for a PR comment; svg and html are
    one self-contained file each (--output FILE; html works offline). With --drift (and the
    deployment files of `drift`), each port is coloured by what the deployment says of it.
    Exit 0, or 2 on usage or input errors (a document that declares no range among them).
    """
    from ..map import graphics, space, text
    from ..rules.validation import validate

    if width is not None and (width < 20 or fmt is not MapFormat.text):
        raise UsageError("--width goes with --format text and is at least 20")
    given = [compose, prometheus, env, cloudflared, kubernetes]
    if any(given) and not drift:
        raise UsageError("--compose, --prometheus, --env, --cloudflared and --kubernetes go with --drift")
    if fmt in (MapFormat.svg, MapFormat.html) and output is None:
        raise UsageError(f"--format {fmt.value} writes a file", hint=f"add --output map.{fmt.value}")
    st = state(ctx)
    name, document = st.load()
    registry = st.registry(document)
    report = validate(registry, st.config, name)
    drift_report, deployed_ports = None, tuple[int, ...]()
    if drift:
        from ..deploy import drift as drift_rules
        from ..deploy.deployment import hosts_to_compare, load_hosts

        deployed = load_hosts(hosts_to_compare(st.config, [group or [] for group in given]))
        drift_report = drift_rules.check(registry, deployed, st.config, name)
        deployed_ports = tuple(port for s in deployed.services for port, _, _ in s.published_ports())
    built = space.build_map(registry, report, drift_report, deployed_ports)
    if fmt is MapFormat.text:
        color = st.colored()
        columns = width if width is not None else shutil.get_terminal_size().columns
        say(text.format_terminal(built, columns, color), color=color)
    elif fmt is MapFormat.markdown:
        rendered = text.format_markdown(built)
        if output is None:
            say_markdown(rendered)
        else:
            _write(output, rendered)
    else:
        assert output is not None
        _write(output, graphics.format_svg(built) if fmt is MapFormat.svg else graphics.format_html(built))
    raise typer.Exit(EXIT_OK)


def _write(path: Path, content: str) -> None:
    """Write the map atomically (a page being viewed is never half written)."""
    from ..files.writing import write_atomic

    if not path.exists():
        try:
            path.write_text("", encoding="utf-8")  # the atomic write replaces a file
        except OSError as exc:
            raise UsageError(f"cannot create the output file: {exc.strerror}", path=str(path)) from None
    write_atomic(path, content)
    say(f"mdports: wrote {path}", err=True)


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
