"""The typer application, its global options and the error-to-exit-code mapping.

The CLI is thin: commands parse arguments, call the library, print and exit. Every
:class:`~mdports.errors.MdportsError` becomes one message on stderr and its fixed exit code
(1 refused, 2 usage or input); users never see a traceback.
"""

import gc
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, cast

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from .. import __version__
from ..check.findings import Severity as SeverityName
from ..errors import MdportsError, UsageError
from ..files.config import Config, display_path, find_document, load_config
from ..files.disk import decode_text, read_text
from ..model.reading import build
from ..model.registry import Registry
from ..model.vocabulary import Vocabulary
from ..output.escaping import printable
from ..syntax.document import Document

if TYPE_CHECKING:
    from ..output.records import ErrorRecord

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


class Listing(NamedTuple):
    """Where a command is defined and the first paragraph of its help (what ``--help`` lists)."""

    module: str
    summary: str


# Every command, in the order `mdports --help` lists them (the order a user meets them, not
# alphabetical). A command's module is imported only when that command runs: `validate` runs
# on every commit and should not pay for the edit, diff, merge and drift commands. The
# summaries are what `--help` shows without importing them; tests/test_cli.py checks them
# against the commands' docstrings.
COMMANDS: Mapping[str, Listing] = MappingProxyType({
    "validate": Listing("read", "Check the registry: conflicts, ranges, malformed cells, dangling references."),
    "list": Listing("read", "List every entry: ports, service, status, section, line and cells."),
    "show": Listing("read", "Show one entry, where it is, and every cross-reference to it."),
    "ranges": Listing("read", "Each section with its range, assigned/reserved/free counts and the next free port."),
    "explain": Listing(
        "read", "Say how each table is read: registry rows or not (and why), and what each column is."
    ),
    "rules": Listing(
        "read", "List every rule mdports checks (document and deployment): id, name, severity, what it finds."
    ),
    "add": Listing("edit", "Add a service on the next free port of a range (or --port); prints the port."),
    "remove": Listing("edit", "Remove a service's row (refused while other rows refer to it)."),
    "rename": Listing("edit", "Rename a service and every cross-reference to it."),
    "move": Listing("edit", "Move a service to another port or section; cross-references follow."),
    "set": Listing("edit", "Change cells of a service's row."),
    "next-free": Listing("edit", "Print the next free ports of a range (writes nothing). Exit 1 when fewer are free."),
    "fmt": Listing("edit", "Normalize registry tables: port order, merged placeholders, one cell style per table."),
    "diff": Listing(
        "diff", "Show what a change does to the registry: entries added, removed, renamed, moved, changed."
    ),
    "merge": Listing("merge", "Three-way merge of port schemas by meaning (a git merge driver)."),
    "drift": Listing(
        "drift", "Compare the registry with docker compose, Prometheus, env, cloudflared and Kubernetes files."
    ),
    "export": Listing("export", "Write the registry for other tools (sorted by port; env: MANA_AUTH_PORT=3001)."),
})  # fmt: skip


def command(name: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command of :data:`COMMANDS` (named after the function unless ``name``)."""
    return app.command(name, cls=Command)


def load_command(name: str) -> "Command":
    """The command ``name`` of :data:`COMMANDS`, its module imported now."""
    entry = COMMANDS[name]
    importlib.import_module(f"{__package__}.{entry.module}")
    for info in app.registered_commands:
        if info.callback is not None and (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            made = typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
            return cast(Command, made)  # registered by command(), with cls=Command
    raise LookupError(f"mdports.cli.{entry.module} defines no command {name!r}")  # a wrong COMMANDS entry


class _Group(TyperGroup):
    """Loads a command when it runs; maps mdports errors (and stray exceptions) to an exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> "Command | None":
        if cmd_name not in self.commands:
            if cmd_name not in COMMANDS:
                # A typo: load them all, so that typer's "Did you mean ...?" can choose among them.
                self.commands = {name: self.commands.get(name) or load_command(name) for name in COMMANDS}
                return None
            self.commands[cmd_name] = load_command(cmd_name)
        return cast("Command | None", self.commands.get(cmd_name))

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list of ``--help``, written as click writes it, from :data:`COMMANDS` alone."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        # A bare command shortens its help exactly as the real one would (first sentence, "...").
        rows = [
            (name, TyperCommand(name, help=entry.summary).get_short_help_str(limit)) for name, entry in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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

        text = decode_text(sys.stdin.buffer.read(), name) if target == STDIN else read_text(target)
        return name, parse(text, path=name)

    def locking(self, name: str, timeout: float | None) -> dict[str, Any]:
        """How a writer waits for the document's lock: ``--lock-timeout``, else the configuration."""
        from ..files.config import lock_timeout

        def waiting() -> None:
            typer.echo(printable(f"mdports: waiting for the lock on {name}"), err=True)

        seconds = lock_timeout(timeout) if timeout is not None else self.config.lock_timeout
        return {"lock_timeout": seconds, "waiting": waiting}

    @property
    def vocabulary(self) -> "Vocabulary":
        """The header vocabulary with the configured ``port-columns`` and ``service-columns``."""
        from ..files.config import vocabulary

        return vocabulary(self.config)

    def registry(self, document: Document | None = None) -> Registry:
        """The registry of ``document`` (default: the global one), read with the configured vocabulary."""
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
STDIN_NAME = "<stdin>"


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mdports {__version__}")
        raise typer.Exit()


FILE_HELP = (
    "The port document to work on; - reads standard input. Default: `file` of the configuration, "
    "else docs/PORT_SCHEMA.md in the current folder or above."
)
CONFIG_HELP = "Use this configuration file instead of discovering .mdports.toml, mdports.toml or pyproject.toml."
COLOR_HELP = "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never."


def _remember(attribute: str, choices: type[Enum] | None = None) -> Any:
    """An option callback that stores a given value on the :class:`State` (one of ``choices``)."""

    def callback(ctx: typer.Context, _param: Any, value: Any) -> Any:
        if value is None:
            return value
        if choices is not None:
            try:
                value = choices(str(value).lower())
            except ValueError:
                allowed = ", ".join(member.value for member in choices)
                raise typer.BadParameter(f"{value!r} is not one of {allowed}") from None
        setattr(state(ctx), attribute, value)
        return value

    return callback


def _global_options() -> list[Any]:
    """``--file``, ``--config`` and ``--color``, accepted after the command name as well as before."""
    return [
        TyperOption(
            param_decls=["--file", "-f"], type=Path, metavar="PATH", expose_value=False, is_eager=True,
            callback=_remember("file"), help=FILE_HELP,
        ),
        TyperOption(
            param_decls=["--config"], type=Path, metavar="FILE", expose_value=False, is_eager=True,
            callback=_remember("config_file"), help=CONFIG_HELP,
        ),
        TyperOption(
            param_decls=["--color"], type=str, metavar="WHEN", expose_value=False, is_eager=True,
            callback=_remember("color", Color), help=COLOR_HELP,
        ),
    ]  # fmt: skip


class Command(TyperCommand):
    """Every mdports command: global options after the command name, JSON errors for bots.

    With ``--format json``, an error is also printed on stdout as ``{"version": 1, "error":
    {...}}``, so a bot that parses stdout gets an object either way; the message and the exit
    code are the same as without it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _name_metavar(param)
        self.params.extend(_global_options())

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MdportsError as error:
            if _asks_for_json(ctx):
                from ..output.records import JSON_VERSION, ErrorOutput, dump

                output: ErrorOutput = {"version": JSON_VERSION, "error": error_record(error)}
                typer.echo(dump(output))
            raise


def _name_metavar(param: Any) -> None:
    """One metavar style in every --help: the value's name in capitals (``--range RANGE``, ``NAME``).

    typer would otherwise print ``{name}``, ``<str>`` or ``<text|json>`` beside the ``PATH``
    and ``COLUMN=VALUE`` given by hand; the choices of --format are in its help text.
    """
    if getattr(param, "metavar", None) is not None or getattr(param, "is_flag", False) or not param.name:
        return
    long = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
    name = long[0][2:] if long else param.name.rstrip("_")  # an option by its flag, an argument by its name
    param.metavar = name.upper().replace("_", "-")


def _asks_for_json(ctx: Any) -> bool:
    for param in ctx.command.params:
        if "--format" in getattr(param, "opts", ()):
            value = ctx.params.get(param.name)  # the raw string, or the enum typer made of it
            return bool(getattr(value, "value", value) == "json")
    return False


def error_record(error: MdportsError) -> "ErrorRecord":
    """An error as the JSON outputs carry it."""
    return {
        "message": error.message,
        "path": error.path,
        "line": error.line,
        "column": error.column,
        "hint": error.hint,
        "exit_code": error.exit_code,
    }


app = typer.Typer(
    name="mdports",
    cls=_Group,
    help="Keep a hand-written Markdown port registry honest: validate it, read it, edit it losslessly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    file: Path | None = typer.Option(None, "--file", "-f", metavar="PATH", help=FILE_HELP),
    config: Path | None = typer.Option(None, "--config", metavar="FILE", help=CONFIG_HELP),
    color: Color = typer.Option(Color.auto, "--color", metavar="WHEN", help=COLOR_HELP, case_sensitive=False),
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Keep a hand-written Markdown port registry honest."""
    current = state(ctx)
    current.file, current.config_file, current.color = file, config, color


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


def main() -> None:
    """Console-script entry point."""
    # A command is a short-lived process that builds large acyclic structures (lines, rows,
    # entries). The cyclic garbage collector would walk all of them again and again and find
    # nothing: on a registry of 65,535 entries that is a third of the time of `validate`.
    # Reference counting still frees everything; the process ends soon after.
    gc.disable()
    _tolerate_narrow_consoles()
    try:
        app(prog_name="mdports")
    except KeyboardInterrupt:
        typer.echo("mdports: interrupted", err=True)
        sys.exit(130)
    finally:
        # On exit the interpreter collects cycles once more, even with the collector off,
        # walking every object of every module and of the command: about 8 ms, a tenth of
        # `mdports validate`, to free memory the process is about to give back anyway.
        # Frozen objects are left out of that walk; the modules are still torn down.
        gc.freeze()


def _tolerate_narrow_consoles() -> None:
    """Print what the console can show instead of dying on it.

    A console in cp1252 (``PYTHONIOENCODING=cp1252``, an old Windows terminal) cannot encode
    ``→`` or a CJK service name; a character it cannot show becomes ``?`` rather than a
    UnicodeEncodeError half-way through the output.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
