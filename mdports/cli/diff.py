"""Commands for reviewing a change: ``diff`` (what a change does to the registry, by meaning).

deepdiff, git and the formatters are imported inside the command, so that starting
``mdports validate`` never pays for them.
"""

from enum import Enum
from pathlib import Path

import typer

from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import say, say_markdown, state


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
