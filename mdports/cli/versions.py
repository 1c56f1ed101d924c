"""The commands on versions of the document: ``diff`` (two versions) and ``merge`` (three).

``mdports merge``: the git merge driver.

Commands for reviewing a change: ``diff`` (what a change does to the registry, by meaning).

deepdiff, git and the formatters are imported inside the command, so that starting
``mdports validate`` never pays for them.
"""

from __future__ import annotations

import os
import subprocess
from enum import Enum
from pathlib import Path

import typer

from ..errors import UsageError
from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import LOCK_TIMEOUT, TextOrJson, say, say_markdown, state


@command()
def merge(
    ctx: typer.Context,
    base: Path = typer.Argument(..., help="The common ancestor (git's %O)."),
    ours: Path = typer.Argument(..., help="Our version (git's %A); the result is written here."),
    theirs: Path = typer.Argument(..., help="Their version (git's %B)."),
    path: str = typer.Option(None, "--path", help="The document's path in the repository (git's %P), for messages."),
    label: list[str] = typer.Option(
        None, "-L", help="Marker labels as for git merge-file: ours, then base, then theirs (git's %X %S %Y)."
    ),
    ours_label: str = typer.Option(None, "--ours-label", help="The label of our side's markers."),
    theirs_label: str = typer.Option(None, "--theirs-label", help="The label of their side's markers."),
    marker_size: int = typer.Option(7, "--marker-size", min=1, max=100, help="Conflict marker length (git's %L)."),
    renumber: bool = typer.Option(
        False, "--renumber", help="Give their new entry the next free port of its range when both claim one port."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Write the result here instead of OURS."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text (on stderr), or json on stdout."),
    lock_timeout: float = LOCK_TIMEOUT,
) -> None:
    """Three-way merge of port schemas by meaning (a git merge driver).

    Set up with `git config merge.mdports.driver "mdports merge %O %A %B --path %P --marker-size %L"`
    and a `.gitattributes` line `docs/PORT_SCHEMA.md merge=mdports`. Exit 0 when the merge is
    clean, 1 when conflicts are left between conflict markers, or the merged document has an
    error neither side had (git then stops the merge for a person), 2 on a usage error.
    """
    from ..files.transaction import Target, transact_file
    from ..merge.driver import MergeResult, merge_files
    from ..merge.prose import Labels

    given = list(label or [])
    labels = Labels(
        ours=ours_label or (given[0] if given else None) or _current_branch() or "ours",
        base=given[1] if len(given) > 1 else "base",
        theirs=theirs_label or (given[2] if len(given) > 2 else None) or _merged_branch() or "theirs",
        size=marker_size,
    )
    if output is not None:
        _check_output(output)  # before the merge: a wrong path is a usage error, found at once
    target = output or ours

    def merged(_text: str) -> tuple[MergeResult, str]:
        # Under the lock: OURS is read while no other writer can change it (it is the target unless --output).
        result = merge_files(base, ours, theirs, renumber=renumber, path=path, labels=labels)
        return result, result.text

    # A new --output file is created for the lock and removed again when the merge fails.
    into = Target(target, str(target), create=output is not None)
    result = transact_file(into, merged, locking=state(ctx).locking(lock_timeout)).result
    shown = path or str(target)
    if fmt is TextOrJson.json:
        from ..records import JSON_VERSION, MergeOutput
        from ..syntax.escaping import dump

        record: MergeOutput = {
            "version": JSON_VERSION,
            "path": shown,
            "clean": result.clean,
            "merged": list(result.merged),
            "conflicts": [conflict.message for conflict in result.conflicts],
            "prose_conflicts": result.prose_conflicts,
            "findings": [finding.to_dict() for finding in result.findings],
            "errors": [finding.to_dict() for finding in result.errors],
        }
        say(dump(record))
        raise typer.Exit(EXIT_OK if result.clean else EXIT_FINDINGS)
    for step in result.merged:
        say(f"mdports merge: {step}", err=True)
    for conflict in result.conflicts:
        say(f"mdports merge: CONFLICT: {conflict.message}", err=True)
    if result.prose_conflicts:
        say(f"mdports merge: CONFLICT: {result.prose_conflicts} conflict(s) in the prose", err=True)
    for finding in result.findings:
        say(f"mdports merge: note: {finding.rule.id} {finding.message} (a row their side wrote)", err=True)
    for finding in result.errors:
        say(
            f"mdports merge: CONFLICT: {shown}:{finding.line}: {finding.rule.id} {finding.message}"
            " (an error neither side has: the merge made it)",
            err=True,
        )
    if result.errors and not result.conflicts and not result.prose_conflicts:
        say(f"mdports merge: fix the error in {shown}, then commit the merge", err=True)
    elif not result.clean:
        hint = " (or rerun with --renumber)" if any("port " in c.message for c in result.conflicts) else ""
        say(f"mdports merge: resolve the marked lines in {shown}{hint}", err=True)
    raise typer.Exit(EXIT_OK if result.clean else EXIT_FINDINGS)


def _check_output(output: Path) -> None:
    """``--output`` names a file in a folder that exists (the file itself may be new)."""
    if output.is_dir():
        raise UsageError("--output names a folder, not a file", path=str(output), hint="give a file name in it")
    folder = output.parent
    if not folder.is_dir():
        raise UsageError(
            f"--output is in a folder that does not exist ({folder})",
            path=str(output),
            hint="create the folder first, or write the result elsewhere",
        )


def _merged_branch() -> str | None:
    """The branch ``git merge`` is merging: git names it in a ``GITHEAD_<commit>`` variable (before git 2.44's %Y)."""
    names = [value for key, value in os.environ.items() if key.startswith("GITHEAD_")]
    return names[0] if len(names) == 1 else None


def _current_branch() -> str | None:
    """Our branch, when git runs the driver inside a merge (``GITHEAD_`` set) on a branch."""
    if _merged_branch() is None:
        return None
    try:
        process = subprocess.run(
            ["git", "symbolic-ref", "--short", "-q", "HEAD"], capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return process.stdout.strip() or None if process.returncode == 0 else None


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    github_review = "github-review"


@command()
def diff(
    ctx: typer.Context,
    old: str = typer.Argument(
        None, metavar="OLD", help="The old document: a path or a git object spec (origin/main:docs/PORT_SCHEMA.md)."
    ),
    new: str = typer.Argument(None, metavar="NEW", help="The new document (default: the configured one)."),
    base: str = typer.Option(
        None, "--base", metavar="REV", help="Compare the configured document at REV with the working tree."
    ),
    fmt: DiffFormat = typer.Option(
        DiffFormat.text,
        "--format",
        help="text, json, markdown for a PR comment, or github-review (with --base: a review with suggestions).",
    ),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when there are registry changes."),
) -> None:
    """Show what a change does to the registry: entries added, removed, renamed, moved, changed.

    OLD and NEW are files or git object specs (REV:PATH, PATH from the repository root, as in
    git). Only prose changed: "no registry changes". Exit 0 (1 with --exit-code when the
    registry changed), 2 on usage or input errors.
    """
    from ..diff.compare import compare
    from ..errors import UsageError
    from ..files import git as gitfiles
    from ..files.reading import read_text
    from ..output.diff_json import format_json
    from ..output.diff_report import format_markdown, format_text
    from ..syntax.document import parse

    st = state(ctx)
    if base is not None:
        if old is not None or new is not None:
            raise UsageError("--base REV compares the configured document; give no OLD or NEW with it")
        document = st.document_path()
        spec, folder = gitfiles.spec_for(document, base)
        old_name, old_text = spec, gitfiles.read_revision(spec, folder)
        new_name, new_text = st.display_name(document), read_text(document)
    elif old is not None:
        old_name, old_text = old, _read(old)
        if new is None:
            document = st.document_path()
            new_name, new_text = st.display_name(document), read_text(document)
        else:
            new_name, new_text = new, _read(new)
    else:
        raise UsageError(
            "nothing to compare", hint="give OLD [NEW] (files or REV:PATH), or --base REV for the configured document"
        )
    if fmt is DiffFormat.github_review and base is None:
        raise UsageError("--format github-review needs --base REV", hint="mdports diff --base origin/main ...")
    old_registry = st.registry(parse(old_text, path=old_name))
    new_document = parse(new_text, path=new_name)
    new_registry = st.registry(new_document)
    result = compare(old_registry, new_registry, config=st.config, old_name=old_name, new_name=new_name)
    if fmt is DiffFormat.github_review:
        from ..fixes.fixers import git_history
        from ..output.diff_json import github_review
        from ..syntax.escaping import dump

        path = spec.partition(":")[2]  # the document's path in the repository, as GitHub names it
        payload = github_review(result, old_text, new_document, new_registry, path, git_history(document))
        say(dump(payload))  # the body of GitHub's create-a-review API, as GitHub defines it
        raise typer.Exit(EXIT_FINDINGS if exit_code and result.changed else EXIT_OK)
    render = {
        DiffFormat.text: format_text,
        DiffFormat.json: format_json,
        DiffFormat.markdown: format_markdown,
    }[fmt]
    if fmt is DiffFormat.markdown:
        say_markdown(render(result))
    else:
        say(render(result))
    raise typer.Exit(EXIT_FINDINGS if exit_code and result.changed else EXIT_OK)


def _read(argument: str) -> str:
    from ..files import git as gitfiles
    from ..files.reading import read_text

    if gitfiles.is_git_spec(argument):
        return gitfiles.read_revision(argument)
    return read_text(Path(argument))
