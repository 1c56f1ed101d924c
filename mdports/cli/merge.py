"""``mdports merge``: the git merge driver."""

from pathlib import Path

import typer

from ..escaping import printable
from ._app import EXIT_FINDINGS, EXIT_OK, LOCK_TIMEOUT, TextOrJson, app, state


@app.command()
def merge(
    ctx: typer.Context,
    base: Path = typer.Argument(..., help="The common ancestor (git's %O)."),
    ours: Path = typer.Argument(..., help="Our version (git's %A); the result is written here."),
    theirs: Path = typer.Argument(..., help="Their version (git's %B)."),
    renumber: bool = typer.Option(
        False, "--renumber", help="Give their new entry the next free port of its range when both claim one port."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Write the result here instead of OURS."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text (on stderr), or json on stdout."),
    lock_timeout: float = LOCK_TIMEOUT,
) -> None:
    """Three-way merge of port schemas by meaning (a git merge driver).

    Set up with `git config merge.mdports.driver "mdports merge %O %A %B"` and a
    `.gitattributes` line `docs/PORT_SCHEMA.md merge=mdports`. Exit 0 when the merge is
    clean, 1 when conflicts are left between conflict markers.
    """
    from ..files import DocumentLock, write_atomic
    from ..merge import merge_files

    result = merge_files(base, ours, theirs, renumber=renumber)
    target = output or ours
    if output is not None and not output.exists():
        output.write_text("", encoding="utf-8")
    locking = state(ctx).locking(str(target), lock_timeout)
    with DocumentLock(target, timeout=locking["lock_timeout"], waiting=locking["waiting"]):
        write_atomic(target, result.text)
    if fmt is TextOrJson.json:
        import json

        record = {
            "version": 1,
            "path": str(target),
            "clean": result.clean,
            "merged": list(result.merged),
            "conflicts": [conflict.message for conflict in result.conflicts],
            "prose_conflicts": result.prose_conflicts,
        }
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False))
        raise typer.Exit(EXIT_OK if result.clean else EXIT_FINDINGS)
    for step in result.merged:
        typer.echo(printable(f"mdports merge: {step}"), err=True)
    for conflict in result.conflicts:
        typer.echo(printable(f"mdports merge: CONFLICT: {conflict.message}"), err=True)
    if result.prose_conflicts:
        typer.echo(f"mdports merge: CONFLICT: {result.prose_conflicts} conflict(s) in the prose", err=True)
    if not result.clean:
        hint = " (or rerun with --renumber)" if any("port " in c.message for c in result.conflicts) else ""
        typer.echo(f"mdports merge: resolve the marked lines in {target}{hint}", err=True)
    raise typer.Exit(EXIT_OK if result.clean else EXIT_FINDINGS)
