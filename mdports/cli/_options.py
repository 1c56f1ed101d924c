"""Options and choices several commands share: output formats, severities, the lock timeout."""

from enum import Enum

import typer

from ..check.findings import Severity as SeverityName

LOCK_TIMEOUT = typer.Option(
    None,
    "--lock-timeout",
    metavar="SECONDS",
    help="Wait this long for another writer's lock on the document (default 30, or lock-timeout in the config).",
)


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class Severity(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"


MIN_SEVERITY = typer.Option(
    Severity.info, "--min-severity", help="Show only findings of this severity or above (the exit code counts all)."
)
QUIET = typer.Option(False, "--quiet", "-q", help="Show only errors and the summary (--min-severity error).")


def shown_severity(minimum: Severity, quiet: bool) -> "SeverityName":
    """The lowest severity a report shows: ``--quiet`` is ``--min-severity error``."""
    return "error" if quiet else minimum.value


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class TextOrJson(str, Enum):
    text = "text"
    json = "json"
