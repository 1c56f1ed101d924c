"""``mdports mcp``: the Model Context Protocol server (the official ``mcp`` SDK) for coding agents.

Tools (:mod:`mdports.servers.tools`), each with a JSON input schema and a description written for an agent:

- queries: ``lookup`` (a port, service or range: who holds it, where, planned and running),
  ``next_free``, ``validate`` and ``drift`` (findings as structured results);
- edits: ``add``, ``move``, ``remove`` and ``rename``, the command line's edits
  (:func:`mdports.api.edit_file`: locked, verified, lossless, atomic). A refused edit is a
  result with ``isError`` whose text names the holder or the candidates; the file is untouched.
  A successful one returns the port chosen and the unified diff.

``--read-only`` offers the queries only. Each call reads the document afresh (another agent or
a person may have changed it) and runs in a worker thread, so a slow lock never stalls the
session; arguments are checked against the tool's schema before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import jsonschema
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage

from .._gc import serving
from ..errors import MdportsError
from ..files.config import Config
from ..version import __version__
from .tools import TOOLS, Session

INSTRUCTIONS = (
    "This project keeps its port assignments in a Markdown registry (mdports). Before you start a "
    "server or choose a port, ask `lookup` or `next_free`; to change the registry, use `add`, `move`, "
    "`remove` or `rename` instead of editing the Markdown by hand: they keep the tables' style, update "
    "every cross-reference and refuse a port that is taken. Run `validate` after other changes to the file."
)


def _result(text: str, structured: dict[str, Any] | None = None, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured, is_error=error
    )


def make_server(session: Session, read_only: bool = False) -> Server[Any]:
    """The MCP server with the tools (only the queries when ``read_only``)."""
    tools = {tool.name: tool for tool in TOOLS if not (read_only and tool.writes)}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=tool.name,
                    description=tool.description,
                    input_schema=tool.schema,
                    annotations=types.ToolAnnotations(
                        read_only_hint=not tool.writes, destructive_hint=tool.name == "remove"
                    ),
                )
                for tool in tools.values()
            ]
        )

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            known = ", ".join(tools)
            hint = " (the server is read-only)" if params.name in {t.name for t in TOOLS} else ""
            return _result(f"unknown tool {params.name!r}{hint}; the tools are: {known}", error=True)
        arguments = dict(params.arguments or {})
        problem = next(iter(jsonschema.Draft202012Validator(tool.schema).iter_errors(arguments)), None)
        if problem is not None:
            where = "/".join(map(str, problem.absolute_path)) or "arguments"
            return _result(f"invalid {where}: {problem.message}", error=True)
        try:
            text, structured = await anyio.to_thread.run_sync(tool.run, session, arguments)
        except MdportsError as error:
            return _result(str(error), {"error": _error_record(error)}, error=True)
        return _result(text, structured)

    return Server(
        "mdports",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _error_record(error: MdportsError) -> dict[str, Any]:
    return {"message": error.message, "path": error.path, "line": error.line, "hint": error.hint}


def serve(config: Config, path: Path, name: str, *, read_only: bool = False) -> None:
    """Run the MCP server on stdin and stdout until the client closes the connection."""
    server = make_server(Session(config, path, name), read_only)
    serving()

    async def main() -> None:
        async with stdio_server() as (read, write):
            send, receive = anyio.create_memory_object_stream[SessionMessage | Exception](0)

            async def answer_unreadable() -> None:
                """A line that is not a JSON-RPC message gets JSON-RPC's parse error (the SDK drops it)."""
                async with send:
                    async for item in read:
                        if isinstance(item, Exception):
                            message = f"not a JSON-RPC message: {str(item).splitlines()[0][:200]}"
                            error = types.JSONRPCError(
                                jsonrpc="2.0", id=None, error=types.ErrorData(code=types.PARSE_ERROR, message=message)
                            )
                            await write.send(SessionMessage(error))
                        else:
                            await send.send(item)

            async with anyio.create_task_group() as group:
                group.start_soon(answer_unreadable)
                await server.run(receive, write, server.create_initialization_options())

    anyio.run(main)


__all__ = ["TOOLS", "make_server", "serve"]
