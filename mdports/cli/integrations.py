"""mdports wired into the tools around it: ``init`` (git, hooks, CI), ``lsp`` and ``mcp`` (editors, agents).

``mdports init``: adopt mdports in a repository (configuration, document, merge driver, hook, workflow).

``mdports lsp`` and ``mdports mcp``: the servers for editors and coding agents, on stdio.

Their dependencies come with the ``lsp`` and ``mcp`` extras; each command imports them when
it starts (:func:`mdports.servers.require`) and says which extra to install when they are
missing, so no other command loads or needs them.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..errors import MdportsError, UsageError
from ._app import EXIT_OK, command
from ._shared import STDIN, ReportFormat, say, state


@command()
def init(
    directory: Path = typer.Argument(
        None, metavar="[DIR]", help="The repository (default: the git root of the current folder, else it)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text or json."),
    with_config: bool = typer.Option(
        True, "--config-file/--no-config-file", help="Write .mdports.toml (or [tool.mdports])."
    ),
    with_document: bool = typer.Option(
        True, "--document/--no-document", help="Write the port document from the deployment when there is none."
    ),
    with_gitattributes: bool = typer.Option(
        True, "--gitattributes/--no-gitattributes", help="Add the merge=mdports line."
    ),
    with_merge_driver: bool = typer.Option(
        True, "--merge-driver/--no-merge-driver", help="Set the merge driver in this clone's git configuration."
    ),
    with_hook: bool = typer.Option(True, "--hook/--no-hook", help="Add a lint-staged or pre-commit hook."),
    with_workflow: bool = typer.Option(
        True, "--workflow/--no-workflow", help="Add .github/workflows/mdports.yml (when .github/workflows exists)."
    ),
) -> None:
    """Adopt mdports here: find the deployment, write the configuration (and a document), wire git and CI.

    Deployment files are found among the files git tracks (or in the folder), grouped into hosts,
    and written to the configuration with the reason for each. Every step is printed; with
    --dry-run nothing is written. Run twice, the second run changes nothing.
    """
    from ..adopt.plan import Parts, carry_out, make_plan
    from ..edits import today
    from ..files.git import tracked_root

    if fmt not in (ReportFormat.text, ReportFormat.json):
        raise UsageError(f"init prints text or json, not {fmt.value}")
    root = directory if directory is not None else Path.cwd()
    if not root.is_dir():
        raise UsageError("is not a folder", path=str(root))
    if directory is None:
        root = tracked_root(root)
    parts = Parts(with_config, with_document, with_gitattributes, with_merge_driver, with_hook, with_workflow)
    plan = make_plan(root, parts, today=today())
    done = [] if dry_run else carry_out(root, plan)
    if fmt is ReportFormat.json:
        say(json.dumps(plan.to_dict(dry_run=dry_run), indent=2, ensure_ascii=False))
        raise typer.Exit(EXIT_OK)
    source = "files git tracks" if plan.found.tracked else "files in the folder (not a git repository)"
    say(f"mdports init: {len(plan.found.files)} deployment file(s) among the {source}")
    for host in sorted({f.host for f in plan.found.files}, key=lambda name: (name != "", name)):
        say(f"  host {host or '(unnamed)'}:")
        for found in plan.found.files:
            if found.host == host:
                say(f"    {found.kind:<11} {found.path}  ({found.reason})")
    for path, why in plan.found.skipped:
        say(f"  skipped {path}: {why}")
    verb = "would" if dry_run else "did"
    if not plan.steps:
        say("nothing to do: already set up")
    for step in plan.steps:
        say(f"{verb} {step.action} {step.path}: {step.what}")
    del done
    raise typer.Exit(EXIT_OK)


@command()
def lsp(ctx: typer.Context) -> None:
    """Run the language server for editors on stdio (needs the lsp extra).

    Diagnostics as you type, hover, quick fixes, completion of free ports and service names,
    rename with cross-references, document symbols and formatting, for the configured document
    and every Markdown file with a registry table the editor opens.
    """
    from ..servers import require

    require("pygls", "lsp")
    from ..servers.lsp import serve

    st = state(ctx)
    config = st.config
    try:
        path = st.document_path()
    except MdportsError:
        path = None  # the editor's own Markdown files are still served
    serve(config, None if path == STDIN else path)


@command()
def mcp(
    ctx: typer.Context,
    read_only: bool = typer.Option(
        False, "--read-only", help="Offer only the queries (lookup, next_free, validate, drift)."
    ),
) -> None:
    """Run the Model Context Protocol server for coding agents on stdio (needs the mcp extra).

    Tools: lookup, next_free, validate, drift, and (unless --read-only) add, move, remove and
    rename, the same locked, verified, lossless edits as the command line.
    """
    from ..servers import require

    require("mcp", "mcp")
    from ..servers.mcp import serve

    st = state(ctx)
    serve(st.config, st.writable_path(), st.display_name(st.writable_path()), read_only=read_only)
