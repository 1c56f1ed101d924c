"""Commands that change the document: add, remove, rename, move, set, fmt.

Every edit runs the same cycle (:func:`mdports.api.edit_file`): lock the document, read
it, apply the operation, verify the result by parsing it again, write it atomically.
``--dry-run`` and ``--diff`` write nothing.

The edit machinery (:mod:`mdports.edits`, :mod:`mdports.api`) is imported by the commands
themselves, so that starting ``mdports validate`` does not pay for it; annotations are real
(no ``from __future__ import annotations``) because typer reads them on every start.
"""

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from ..errors import UsageError
from ..readonly import readonly
from ..records import JSON_VERSION
from ..syntax.escaping import dump
from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import LOCK_TIMEOUT, STDIN, TextOrJson, say, say_diff, state

if TYPE_CHECKING:  # imported by the commands themselves, so that `validate` never loads them
    from datetime import date

    from .. import edits
    from ..records import EditOutput
    from ..syntax.document import Document

DRY_RUN = typer.Option(False, "--dry-run", help="Show what would change; write nothing.")
DIFF = typer.Option(False, "--diff", help="Print the unified diff of what would change; write nothing.")
KEEP_DATE = typer.Option(False, "--keep-date", help='Leave the "Last updated" line as it is.')
FORMAT = typer.Option(TextOrJson.text, "--format", help="text, or json for bots.")
RUNTIME = typer.Option(None, "--runtime", help="Value for the Runtime column.")
DESCRIPTION = typer.Option(None, "--description", help="Value for the Description column.")
SET = typer.Option(None, "--set", metavar="COLUMN=VALUE", help="Value for any column; repeatable.")
HOST = typer.Option(
    None,
    "--host",
    metavar="NAME",
    help="Edit where the service runs on this host (its list item or running-table row), not the plan.",
)


@readonly
class EditOptions:
    """The options the five edit commands share, handed to each as one value (see :func:`edit_command`)."""

    dry_run: bool
    diff: bool
    keep_date: bool
    fmt: TextOrJson
    lock_timeout: float | None
    host: str | None


# (parameter, annotation, option) in the order --help lists them, after each command's own options.
_SHARED: tuple[tuple[str, type, Any], ...] = (
    ("dry_run", bool, DRY_RUN),
    ("diff", bool, DIFF),
    ("keep_date", bool, KEEP_DATE),
    ("fmt", TextOrJson, FORMAT),
    ("lock_timeout", float, LOCK_TIMEOUT),
    ("host", str, HOST),
)


def edit_command(name: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register an edit command: its own parameters, then the shared ones, which it gets as ``options``.

    typer reads a command's parameters from its signature, so the registered function shows the
    command's own parameters followed by those of :data:`_SHARED`, and gathers the latter into
    one :class:`EditOptions`: ``--help`` lists the same options in the same order as before.
    """

    def register(function: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(function)
        shared = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in _SHARED]

        @functools.wraps(function)
        def run(**values: Any) -> None:
            options = EditOptions(**{n: values.pop(n) for n, _, _ in _SHARED})
            function(**values, options=options)

        parameters = [p for p in own.parameters.values() if p.name != "options"]
        run.__signature__ = own.replace(parameters=[*parameters, *shared])  # type: ignore[attr-defined]
        run.__annotations__ = {
            **{k: v for k, v in function.__annotations__.items() if k != "options"},
            **{n: a for n, a, _ in _SHARED},
        }
        return command(name)(run)

    return register


def _hosts(ctx: typer.Context) -> dict[str, tuple[str, ...]]:
    """The configured hosts and their addresses: what ``--host`` may name besides the document's labels."""
    return {host.name: host.addresses for host in state(ctx).config.hosts}


def _cells(runtime: str | None, description: str | None, assignments: list[str] | None) -> dict[str, str]:
    cells: dict[str, str] = {}
    if runtime is not None:
        cells["Runtime"] = runtime
    if description is not None:
        cells["Description"] = description
    for assignment in assignments or []:
        column, sep, value = assignment.partition("=")
        if not sep or not column.strip():
            raise UsageError(f"--set {assignment!r} is not COLUMN=VALUE")
        cells[column.strip()] = value
    return cells


def _run(
    ctx: typer.Context,
    operation: "Callable[[Document, date | None], edits.Edit]",
    options: EditOptions,
    *,
    port_on_stdout: bool = False,
) -> "edits.Edit":
    from ..api import edit_file

    dry_run, diff, fmt = options.dry_run, options.diff, options.fmt
    keep_date, lock_timeout = options.keep_date, options.lock_timeout
    st = state(ctx)
    path = st.writable_path()
    name = st.display_name(path)
    locking = st.locking(lock_timeout)
    result = edit_file(
        path,
        operation,
        write=not (dry_run or diff),
        keep_date=keep_date,
        name=name,
        lock_timeout=locking.timeout,
        waiting=locking.waiting,
    )
    edit = result.edit
    if fmt is TextOrJson.json:
        say(dump(_record(result.name, edit, result.written, diff)))
        return edit
    if diff:
        say_diff(edit.diff(result.name), st.colored())
    # Results on stdout (the port, the diff), messages on stderr: `PORT=$(mdports add ...)` works.
    for change in edit.changes:
        say(change.message, err=True)
    if port_on_stdout and not diff:
        say(" ".join(str(port) for port in edit.ports))
    if dry_run and not diff:
        say("dry run: nothing written", err=True)
    return edit


def _record(name: str, edit: "edits.Edit", written: bool, diff: bool) -> "EditOutput":
    """The JSON shape of every edit's outcome (``fmt`` too)."""
    record: EditOutput = {
        "version": JSON_VERSION,
        "path": name,
        "changed": edit.changed,
        "written": written,
        "ports": list(edit.ports),
        "changes": [change.to_dict() for change in edit.changes],
    }
    if diff:
        record["diff"] = edit.diff(name)
    return record


@edit_command()
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The new service's name."),
    range_: str = typer.Option(None, "--range", "-r", help="Section: range, port, slug or abbreviation."),
    port: int = typer.Option(None, "--port", "-p", help="This port instead of the next free one."),
    section: str = typer.Option(
        None, "--section", "-s", metavar="NAME", help="A section by name; a new name makes one (no range) at the end."
    ),
    force: bool = typer.Option(False, "--force", help="Take a --port outside the section's range (warns MP101)."),
    runtime: str = RUNTIME,
    description: str = DESCRIPTION,
    assignments: list[str] = SET,
    *,
    options: EditOptions,
) -> None:
    """Add a service on the next free port of a range (or --port); prints the port.

    With --host, add it where it runs: after that host's last list item or running-table row.
    """
    from .. import edits

    cells = _cells(runtime, description, assignments)
    vocab = state(ctx).vocabulary
    host = options.host
    hosts = _hosts(ctx) if host is not None else None

    def operation(document: "Document", today: "date | None") -> "edits.Edit":
        return edits.add(
            document,
            name,
            range=range_,
            port=port,
            section=section,
            force=force,
            cells=cells,
            date=today,
            vocab=vocab,
            host=host,
            hosts=hosts,
        )

    _run(ctx, operation, options, port_on_stdout=True)


@edit_command()
def remove(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="NAME|PORT", help="The service (or placeholder port) to remove."),
    reserve: bool = typer.Option(False, "--reserve", help="Keep the ports as a placeholder."),
    *,
    options: EditOptions,
) -> None:
    """Remove a service's row (refused while other rows refer to it).

    With --host, take it off that host: its running-table row, or out of its list item.
    """
    from .. import edits

    host = options.host
    hosts = _hosts(ctx) if host is not None else None
    _run(
        ctx,
        lambda d, t: edits.remove(d, key, reserve=reserve, date=t, vocab=state(ctx).vocabulary, host=host, hosts=hosts),
        options,
    )


@edit_command()
def rename(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="The current name."),
    new: str = typer.Argument(..., help="The new name."),
    *,
    options: EditOptions,
) -> None:
    """Rename a service and every cross-reference to it.

    With --host, the name follows it into both layers: its item or row on that host and its plan row.
    """
    from .. import edits

    vocab = state(ctx).vocabulary
    host = options.host
    hosts = _hosts(ctx) if host is not None else None
    _run(
        ctx,
        lambda d, t: edits.rename(d, old, new, date=t, vocab=vocab, host=host, hosts=hosts),
        options,
    )


@edit_command()
def move(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The service to move."),
    port: int = typer.Option(None, "--port", "-p", help="The new port."),
    range_: str = typer.Option(None, "--range", "-r", help="The new section (next free port there)."),
    reserve: bool = typer.Option(False, "--reserve", help="Keep the old port as a placeholder."),
    drop_cells: bool = typer.Option(False, "--drop-cells", help="Allow losing cells the new table has no column for."),
    *,
    options: EditOptions,
) -> None:
    """Move a service to another port or section; cross-references follow.

    With --host, change only its port where it runs on that host (the digits in its item or row).
    """
    from .. import edits

    if port is None and range_ is None:
        raise UsageError("give --port or --range")
    vocab = state(ctx).vocabulary
    host = options.host
    hosts = _hosts(ctx) if host is not None else None

    def operation(document: "Document", today: "date | None") -> "edits.Edit":
        return edits.move(
            document,
            name,
            port=port,
            range=range_,
            reserve=reserve,
            drop_cells=drop_cells,
            date=today,
            vocab=vocab,
            host=host,
            hosts=hosts,
        )

    _run(ctx, operation, options)


@edit_command("set")
def set_(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME|PORT", help="The service whose cells change."),
    runtime: str = RUNTIME,
    description: str = DESCRIPTION,
    assignments: list[str] = SET,
    *,
    options: EditOptions,
) -> None:
    """Change cells of a service's row.

    With --host, set its row's cells on that host, or the note after its port in its list item.
    """
    from .. import edits

    cells = _cells(runtime, description, assignments)
    host = options.host
    hosts = _hosts(ctx) if host is not None else None
    _run(
        ctx,
        lambda d, t: edits.set_cells(d, name, cells, date=t, vocab=state(ctx).vocabulary, host=host, hosts=hosts),
        options,
    )


@command()
def fmt(
    ctx: typer.Context,
    files: list[str] = typer.Argument(
        None, metavar="[FILE]...", help="Documents to format (default: the configured one); - formats stdin to stdout."
    ),
    check: bool = typer.Option(False, "--check", help="Exit 1 when formatting would change the file; write nothing."),
    dry_run: bool = DRY_RUN,
    diff: bool = DIFF,
    mdformat: bool = typer.Option(False, "--mdformat", help="Format the whole document with mdformat (GFM tables)."),
    output: TextOrJson = FORMAT,
    lock_timeout: float = LOCK_TIMEOUT,
) -> None:
    """Normalize registry tables: port order, merged placeholders, one cell style per table."""
    from pathlib import Path

    from .. import edits
    from ..api import edit_file
    from ..edits import verify

    st = state(ctx)
    vocab = st.vocabulary

    def operation(document: "Document") -> "edits.Edit":
        return edits.format_document(document) if mdformat else edits.format_tables(document, vocab)

    write = not (check or dry_run or diff)
    locking = st.locking(lock_timeout)
    records: list[EditOutput] = []
    pending = False
    for path in [Path(f) for f in files] if files else [st.document_path()]:
        if path == STDIN:
            # Like black: format what comes in, print the result; a stream cannot be replaced.
            name, document = st.load(path)
            edit = operation(document)
            verify(edit)
            written = False
        else:
            name = str(path) if files else st.display_name(path)
            result = edit_file(
                path,
                lambda d, _t: operation(d),
                write=write,
                keep_date=True,
                name=name,
                lock_timeout=locking.timeout,
                waiting=locking.waiting,
            )
            edit, written = result.edit, result.written
        pending = pending or edit.changed
        if output is TextOrJson.json:
            records.append(_record(name, edit, written, diff))
            continue
        if diff:
            say_diff(edit.diff(name), st.colored())
        elif path == STDIN and not check:
            typer.echo(edit.text, nl=False)  # the document itself, byte for byte as a file would hold it
        if edit.changed and not (path == STDIN and not check):
            verb = "reformatted" if written else "would reformat"
            say(f"{verb} {name}", err=True)
    if output is TextOrJson.json:
        say(dump(records[0] if len(records) == 1 else records))
    raise typer.Exit(EXIT_FINDINGS if pending and check else EXIT_OK)
