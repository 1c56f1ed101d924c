"""The typer application, its global options and the error-to-exit-code mapping.

The CLI is thin: commands parse arguments, call the library, print and exit. Every
:class:`~mdports.errors.MdportsError` becomes one message on stderr and its fixed exit code
(1 refused, 2 usage or input); users never see a traceback.
"""

import gc
import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from .. import __version__
from ..config import Config, display_path, find_document, load_config
from ..document import Document
from ..errors import MdportsError
from ..escaping import printable
from ..files import read_text
from ..registry import Registry, build

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
LOCK_TIMEOUT = typer.Option(
    None,
    "--lock-timeout",
    metavar="SECONDS",
    help="Wait this long for another writer's lock on the document (default 30, or lock-timeout in the config).",
)


def fail(error: MdportsError) -> NoReturn:
    typer.echo(printable(f"mdports: error: {error}"), err=True)
    raise typer.Exit(error.exit_code)


class _Group(TyperGroup):
    """Maps mdports errors (and stray exceptions) to a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MdportsError as error:
            fail(error)
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise  # click's own usage errors already exit 2 with a message
        except BrokenPipeError:
            # The reader went away (`mdports list | head`); stop quietly, as cat does.
            sys.stderr.close()
            raise typer.Exit(EXIT_FINDINGS) from None
        except Exception as error:
            if os.environ.get("MDPORTS_DEBUG"):
                raise
            typer.echo(
                f"mdports: internal error: {type(error).__name__}: {error}\n"
                "  hint: this is a bug in mdports; rerun with MDPORTS_DEBUG=1 to see where it happened",
                err=True,
            )
            raise typer.Exit(EXIT_USAGE) from None


app = typer.Typer(
    name="mdports",
    cls=_Group,
    help="Keep a hand-written Markdown port registry honest: validate it, read it, edit it losslessly.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class State:
    """Global options, shared by every command through ``ctx.obj``."""

    file: Path | None = None
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config()
        return self._config

    def document_path(self) -> Path:
        return self.file if self.file is not None else find_document(self.config)

    def display_name(self, path: Path) -> str:
        """A path as given by the user; a discovered one relative to the current folder."""
        return str(path) if path == self.file else display_path(path)

    def load(self, path: Path | None = None) -> tuple[str, Document]:
        """The document (the global one unless ``path``) and its display name."""
        target = path if path is not None else self.document_path()
        name = str(target) if path is not None else self.display_name(target)
        from ..document import parse

        return name, parse(read_text(target), path=name)

    def locking(self, name: str, timeout: float | None) -> dict[str, Any]:
        """How a writer waits for the document's lock: ``--lock-timeout``, else the configuration."""
        from ..config import lock_timeout

        def waiting() -> None:
            typer.echo(printable(f"mdports: waiting for the lock on {name}"), err=True)

        seconds = lock_timeout(timeout) if timeout is not None else self.config.lock_timeout
        return {"lock_timeout": seconds, "waiting": waiting}

    def registry(self) -> Registry:
        return build(self.load()[1])


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mdports {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    file: Path | None = typer.Option(
        None,
        "--file",
        "-f",
        help="The port schema to work on. Default: [tool.mdports] file in the nearest pyproject.toml, "
        "else docs/PORT_SCHEMA.md in the current folder or above.",
        dir_okay=True,
    ),
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Keep a hand-written Markdown port registry honest."""
    ctx.obj = State(file=file)


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


def main() -> None:
    """Console-script entry point."""
    # A command is a short-lived process that builds large acyclic structures (lines, rows,
    # entries). The cyclic garbage collector would walk all of them again and again and find
    # nothing: on a registry of 65,535 entries that is a third of the time of `validate`.
    # Reference counting still frees everything; the process ends soon after.
    gc.disable()
    try:
        app(prog_name="mdports")
    except KeyboardInterrupt:
        typer.echo("mdports: interrupted", err=True)
        sys.exit(130)
