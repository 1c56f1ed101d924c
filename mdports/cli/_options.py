"""Options and choices several commands share: output formats, severities, the lock timeout."""

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..rules.findings import Severity as SeverityName

if TYPE_CHECKING:
    from ..files.baseline import BaselineRun

LOCK_TIMEOUT = typer.Option(
    None,
    "--lock-timeout",
    metavar="SECONDS",
    help="Wait this long for another writer's lock on the document (default 30, or lock-timeout in the config).",
)


# The deployment files of `drift` (and of `map --drift`, `live --preflight`): one unnamed host.
COMPOSE = typer.Option(None, "--compose", "-c", metavar="FILE", help="A docker compose file (repeat for several).")
PROMETHEUS = typer.Option(
    None, "--prometheus", "-p", metavar="FILE", help="A Prometheus configuration file (repeat for several)."
)
ENV = typer.Option(None, "--env", "-e", metavar="FILE", help="An env file with NAME_PORT=NNNN variables.")
CLOUDFLARED = typer.Option(
    None, "--cloudflared", metavar="FILE", help="A cloudflared tunnel configuration (ingress rules)."
)
KUBERNETES = typer.Option(
    None, "--kubernetes", "-k", metavar="FILE|DIR", help="Kubernetes manifests: a file or a folder of them."
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


BASELINE = typer.Option(
    None, "--baseline", metavar="FILE", help="Report only the findings FILE does not record (see --write-baseline)."
)
WRITE_BASELINE = typer.Option(
    None, "--write-baseline", metavar="FILE", help="Record today's findings in FILE (sorted JSON); exit 0."
)


def baseline_run(baseline: Path | None, write: Path | None) -> "BaselineRun | None":
    """The run's baseline (read now, so that a bad file stops it before anything is checked)."""
    if baseline is None and write is None:
        return None
    from ..files.baseline import BaselineRun, read_baseline

    return BaselineRun(read_baseline(baseline) if baseline is not None and write is None else None, write)
