"""What every command shares: the global options and what they load, the shared options, and printing.

:class:`State` lives on the click context (``ctx.obj``): the document to read or write (``--file``),
the configuration (``--config``, found once, on first use), and whether output gets colour
(``--color``). Options and choices several commands share: output formats, severities, the lock
timeout, the baseline.

How the commands print text for a person, the one way to the terminal: every message and output
goes through :func:`say`, so a service name, a path or a cell that holds ESC, BEL, a C1 control
or a right-to-left override is shown as ``<U+001B>`` instead of acting on the terminal
(:func:`~mdports.syntax.escaping.printable`). JSON passes unchanged:
:func:`mdports.syntax.escaping.dump` wrote those characters as JSON escapes already. Coloured
text, diffs and Markdown are escaped as they are built (:func:`say_diff`, :func:`say_markdown`).
Only a document written to stdout (``fmt -``) leaves another way, byte for byte what a file
would hold.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..errors import UsageError
from ..files.config import Config, display_path, find_document, load_config
from ..files.reading import STDIN_NAME, read_stdin, read_text
from ..syntax.escaping import printable

if TYPE_CHECKING:
    from ..files.baseline import BaselineRun
    from ..files.transaction import Locking
    from ..model.lookup import Registry
    from ..model.vocabulary import Vocabulary
    from ..rules.findings import Severity as SeverityName
    from ..syntax.document import Document


def say(text: str, *, err: bool = False, nl: bool = True, color: bool = False) -> None:
    """Print ``text`` with control and invisible characters shown as ``<U+XXXX>``.

    ``color``: ``text`` was coloured by :mod:`mdports.output.report` from pieces that were made
    printable first, so its ESC sequences are ours and stay; without colour it is escaped here.
    """
    # click strips colour from what is not a terminal unless told (``color=True``).
    typer.echo(text if color else printable(text), err=err, nl=nl, color=color or None)


def say_markdown(text: str) -> None:
    """Print Markdown that :func:`~mdports.syntax.escaping.escape_markdown` made safe, as it is.

    Its controls and invisible characters are already shown as ``<U+202E>``; the zero-width
    spaces left are its own (they keep ``@team`` from mentioning and ``https://`` from linking
    when the text is pasted into GitHub), so escaping them again would break the comment.
    """
    typer.echo(text, nl=False)


def say_diff(diff: str, color: bool) -> None:
    """Print a unified diff (of an edit or a fix), coloured when ``color``."""
    if color:
        from ..output.report import paint_diff

        say(paint_diff(printable(diff)), nl=False, color=True)
    else:
        say(diff, nl=False)


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


def shown_severity(minimum: Severity, quiet: bool) -> SeverityName:
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


def baseline_run(baseline: Path | None, write: Path | None) -> BaselineRun | None:
    """The run's baseline (read now, so that a bad file stops it before anything is checked)."""
    if baseline is None and write is None:
        return None
    from ..files.baseline import BaselineRun, read_baseline

    return BaselineRun(read_baseline(baseline) if baseline is not None and write is None else None, write)


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


@dataclass
class State:
    """Global options, shared by every command through ``ctx.obj``."""

    file: Path | None = None
    config_file: Path | None = None
    color: Color = Color.auto
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(path=self.config_file)
        return self._config

    def document_path(self) -> Path:
        return self.file if self.file is not None else find_document(self.config)

    def display_name(self, path: Path) -> str:
        """A path as given by the user; a discovered one relative to the current folder."""
        if path == STDIN:
            return STDIN_NAME
        return str(path) if path == self.file else display_path(path)

    def load(self, path: Path | None = None) -> tuple[str, Document]:
        """The document (the global one unless ``path``; ``-`` is stdin) and its display name."""
        target = path if path is not None else self.document_path()
        name = str(target) if path is not None and target != STDIN else self.display_name(target)
        from ..syntax.document import parse

        text = read_stdin(name) if target == STDIN else read_text(target)
        return name, parse(text, path=name)

    def locking(self, timeout: float | None) -> Locking:
        """How a writer waits for a lock: ``--lock-timeout``, else the configuration; saying which file it waits for."""
        from ..files.config_keys import lock_timeout
        from ..files.transaction import Locking

        def waiting(name: str) -> None:
            say(f"mdports: waiting for the lock on {name}", err=True)

        return Locking(lock_timeout(timeout) if timeout is not None else self.config.lock_timeout, waiting)

    @property
    def vocabulary(self) -> Vocabulary:
        """The header vocabulary with the configured ``port-columns`` and ``service-columns``."""
        from ..files.config import vocabulary

        return vocabulary(self.config)

    def registry(self, document: Document | None = None) -> Registry:
        """The registry of ``document`` (default: the global one), read with the configured vocabulary."""
        from ..model.reading import build  # the reader loads with the first document: not for --help, --version

        return build(document if document is not None else self.load()[1], self.vocabulary)

    def writable_path(self) -> Path:
        """The document an edit writes; stdin cannot be edited in place."""
        path = self.document_path()
        if path == STDIN:
            raise UsageError("cannot edit standard input in place", hint="give the document's path with --file PATH")
        return path

    def colored(self, err: bool = False) -> bool:
        """Whether output to stdout (stderr when ``err``) gets colour: --color, NO_COLOR, a TTY."""
        if self.color is not Color.auto:
            return self.color is Color.always
        if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
            return False
        stream = sys.stderr if err else sys.stdout
        return stream is not None and stream.isatty()


STDIN = Path("-")


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj
