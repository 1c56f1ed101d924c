"""``mdports lsp`` and ``mdports mcp``: the servers for editors and coding agents, on stdio.

Their dependencies come with the ``lsp`` and ``mcp`` extras; each command imports them when
it starts (:func:`mdports.servers.require`) and says which extra to install when they are
missing, so no other command loads or needs them.
"""

import typer

from ..errors import MdportsError
from ._app import command
from ._shared import STDIN, state


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
