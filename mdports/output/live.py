"""``live`` results as text (a line per port, then the findings) and JSON (``live.schema.json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..live.check import LiveResult
from ..syntax.escaping import printable
from .report import format_text as format_findings
from .report import paint, to_json

_STYLE = {"listening": "added", "open": "added", "free": "added", "taken": "error", "closed": "warning"}


def format_text(
    result: LiveResult, sources: Mapping[str, Sequence[str]], *, color: bool = False, show_source: bool = True
) -> str:
    """A header, a line per port (``3001/tcp  listening  mana-auth  bun (PID 12)``), then the findings."""
    rows = [(f"{line.port}/{line.protocol}", line.state, line.service or "(undocumented)", line.holder)
            for line in result.lines]  # fmt: skip
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    out = [printable(f"{result.target}: {len(result.lines)} port(s) checked ({result.mode})")]
    for port, state, service, holder in rows:
        shown = paint(f"{state:<{widths[1]}}", _STYLE.get(state, "info"), color)
        out.append(f"  {port:<{widths[0]}}  {shown}  {printable(service):<{widths[2]}}  {printable(holder)}".rstrip())
    out.append(format_findings(result.report, sources, show_source=show_source, color=color))
    return "\n".join(out)


def format_json(result: LiveResult) -> str:
    from ..syntax.escaping import dump

    record: dict[str, Any] = dict(to_json(result.report))
    record["mode"] = result.mode
    record["target"] = result.target
    record["ports"] = [
        {
            "port": line.port,
            "protocol": line.protocol,
            "state": line.state,
            "service": line.service,
            "holder": line.holder,
            "line": line.line,
        }
        for line in result.lines
    ]
    return dump(record)
