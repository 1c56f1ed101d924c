"""The typer application: the command table, lazy loading, global options and the error-to-exit-code mapping.

The CLI is thin: commands parse arguments, call the library, print and exit. Every
:class:`~mdports.errors.MdportsError` becomes one message on stderr and its fixed exit code
(1 refused, 2 usage or input); users never see a traceback.
"""

import gc
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, cast

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from ..errors import MdportsError
from ..version import __version__
from ._shared import Color, say, state

if TYPE_CHECKING:
    from ..records import ErrorRecord

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(error: MdportsError) -> NoReturn:
    say(f"mdports: error: {error}", err=True)
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
    "show": Listing("read", "Show one entry, where it is, where it runs, and every cross-reference to it."),
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
    "next-free": Listing("read", "Print the next free ports of a range (writes nothing). Exit 1 when fewer are free."),
    "fmt": Listing("edit", "Normalize registry tables: port order, merged placeholders, one cell style per table."),
    "diff": Listing(
        "versions", "Show what a change does to the registry: entries added, removed, renamed, moved, changed."
    ),
    "merge": Listing("versions", "Three-way merge of port schemas by meaning (a git merge driver)."),
    "drift": Listing(
        "drift", "Compare the registry with docker compose, Prometheus, env, cloudflared and Kubernetes files."
    ),
    "export": Listing("export", "Write the registry for other tools (sorted by port; env: MANA_AUTH_PORT=3001)."),
    "lsp": Listing("integrations", "Run the language server for editors on stdio (needs the lsp extra)."),
    "mcp": Listing(
        "integrations", "Run the Model Context Protocol server for coding agents on stdio (needs the mcp extra)."
    ),
    "map": Listing(
        "export", "Draw the port space: each section's range with what is assigned, reserved, free or in conflict."
    ),
    "live": Listing("live", "Hold the document against what is listening: on this machine, on --host, or --preflight."),
    "init": Listing(
        "integrations",
        "Adopt mdports here: find the deployment, write the configuration (and a document), wire git and CI.",
    ),
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
            say(
                f"mdports: internal error: {type(error).__name__}: {error}\n"
                "  hint: this is a bug in mdports; rerun with MDPORTS_DEBUG=1 to see where it happened",
                err=True,
            )
            raise typer.Exit(EXIT_USAGE) from None


def _version(value: bool) -> None:
    if value:
        say(f"mdports {__version__}")
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
                from ..records import JSON_VERSION, ErrorOutput
                from ..syntax.escaping import dump

                output: ErrorOutput = {"version": JSON_VERSION, "error": error_record(error)}
                say(dump(output))
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
        say("mdports: interrupted", err=True)
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
