"""The MCP server's tools: the questions an agent asks, the edits it makes, and what each runs on.

The questions: who holds a port, a service or a range, and which ports are free. They return
the records of ``mdports show``, ``ranges`` and ``next-free --format json``
(:mod:`mdports.output.listing`), so an agent, an editor and a script read the same answer.

Each :class:`Tool` has a JSON input schema, a description written for an agent, whether it
writes, and the function it runs on a :class:`Session` (the document, read afresh for every
call). :mod:`mdports.servers.mcp` serves ``TOOLS``; nothing here needs the ``mcp`` SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .. import edits
from ..api import edit_file
from ..edits import targets
from ..errors import NotFoundError, UsageError
from ..files.config import Config, vocabulary
from ..files.reading import read_text
from ..model.hosts import host_key, resolve_host
from ..model.lookup import Registry
from ..model.reading import build
from ..model.sections import Section
from ..output.listing import entry_record, range_record, section_fields, show_record
from ..readonly import readonly
from ..syntax.document import Document, parse


def lookup(registry: Registry, query: str) -> dict[str, Any]:
    """What ``query`` (a port, a service name, or a range/section) is: its holders, where, both layers."""
    text = query.strip()
    if text.isascii() and text.isdigit() and len(text) <= 5:
        port = int(text)
        holders = [entry_record(registry, entry) for entry in registry.every_entry if port in entry.ports]
        section = registry.section_holding(port)
        return {
            "kind": "port",
            "port": port,
            "free": not any(record["service"] for record in holders),
            "section": section_fields(section) if section is not None else None,
            "holders": holders,
        }
    try:
        entry = registry.entry(text)
    except NotFoundError as missing:
        running = registry.named(text)
        if running:
            entry = running[0]
        else:
            try:
                section = registry.section(text, option="query")
            except (NotFoundError, UsageError):
                raise missing from None
            entries = [entry_record(registry, e) for e in registry.every_entry if e.section == section.index]
            return {"kind": "range", **range_record(registry, section), "entries": entries}
    return {"kind": "service", **show_record(registry, entry)}


def next_free(registry: Registry, selector: str, count: int = 1, host: str | None = None) -> tuple[Section, list[int]]:
    """The ``count`` lowest free ports of a section (on ``host``), all or a refusal, as ``mdports next-free``."""
    if host is None:
        return targets.next_free(registry, selector, count)
    # Free on a host: no planned row holds it, and nothing the document lists as running there.
    key = host_key(resolve_host(registry, host))
    taken = {p for e in registry.every_entry if e.service and e.host and host_key(e.host) == key for p in e.ports}
    return targets.next_free(registry, selector, count, taken)


_STRING = {"type": "string", "minLength": 1, "maxLength": 200}
_PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
_RANGE = {
    **_STRING,
    "description": "A section of the registry: its range ('3000-3099'), a port inside it, its slug or an abbreviation.",
}
_HOST = {**_STRING, "description": "A host the document names (such as 'prod-01' or 'GPU box'); case is ignored."}
_FILES = {"type": "array", "items": _STRING, "maxItems": 100}


def _schema(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required), "additionalProperties": False}


@readonly
class Tool:
    """One tool: what an agent reads about it, its arguments, whether it writes, and what it runs."""

    name: str
    description: str
    schema: dict[str, Any]
    writes: bool
    run: Callable[[Session, dict[str, Any]], tuple[str, dict[str, Any]]]


class Session:
    """The document a server works on and how (the configuration, the name messages give it)."""

    def __init__(self, config: Config, path: Path, name: str) -> None:
        self.config = config
        self.path = path
        self.name = name
        self.vocab = vocabulary(config)

    def registry(self) -> tuple[Document, Registry]:
        document = parse(read_text(self.path), path=self.name)
        return document, build(document, self.vocab)

    def edit(self, operation: Callable[[Document, date | None], edits.Edit]) -> tuple[str, dict[str, Any]]:
        """Run an edit through :func:`edit_file`; the port(s) it chose, what changed, and the diff."""
        result = edit_file(self.path, operation, name=self.name, lock_timeout=self.config.lock_timeout)
        edit = result.edit
        diff = edit.diff(self.name)
        record = {
            "path": self.name,
            "port": edit.ports[0] if edit.ports else None,
            "ports": list(edit.ports),
            "written": result.written,
            "changes": [change.to_dict() for change in edit.changes],
            "diff": diff,
        }
        said = "; ".join(change.message for change in edit.changes) or "nothing to change"
        return f"{said}\n\n{diff}" if diff else said, record


def _lookup(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    _, registry = session.registry()
    found = lookup(registry, args["query"])
    if "host" in args:
        key = host_key(resolve_host(registry, args["host"]))
        for field in ("holders", "layers", "entries"):
            if field in found:
                found[field] = [record for record in found[field] if host_key(record.get("host") or "") == key]
    return _summary(found), found


def _summary(found: dict[str, Any]) -> str:
    if found["kind"] == "port":
        held = [
            f"{r['service'] or '(reserved)'} ({r.get('layer', 'planned')}{_on(r)}, line {r['line']})"
            for r in found["holders"]
        ]
        state = "free" if found["free"] else "taken"
        return f"port {found['port']} is {state}" + (": " + "; ".join(held) if held else "")
    if found["kind"] == "range":
        return f"{found['heading']}: {found['assigned']} assigned, next free {found['next_free']}"
    others = "; ".join(f"{r.get('layer')}{_on(r)}: {r['port_text']}" for r in found.get("layers", []))
    return f"{found['service']}: {found['port_text']} in {found['heading']} (line {found['line']})" + (
        f"; {others}" if others else ""
    )


def _on(record: Mapping[str, Any]) -> str:
    return f" on {record['host']}" if record.get("host") else ""


def _next_free(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    _, registry = session.registry()
    section, ports = next_free(registry, args["range"], args.get("count", 1), args.get("host"))
    record = {**section_fields(section), "ports": ports}
    if "host" in args:
        record["host"] = resolve_host(registry, args["host"])
    return " ".join(map(str, ports)), record


def _validate(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ..fixes import fixers as fixes
    from ..rules.validation import validate

    document, registry = session.registry()
    report = fixes.attach(validate(registry, session.config), document, registry)
    return _findings(report.findings, {"path": session.name, "accepted": len(report.accepted)})


def _findings(findings: Any, extra: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    records = [finding.to_dict() for finding in findings]
    text = "\n".join(f"{f.location}: {f.rule.id} {f.severity}: {f.message}" for f in findings) or "no findings"
    errors = sum(1 for f in findings if f.severity == "error")
    return text, {**extra, "errors": errors, "findings": records}


def _drift(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ..deploy import drift
    from ..deploy.deployment import hosts_to_compare, load_hosts

    given = [
        [Path(p) for p in args.get(kind, [])] for kind in ("compose", "prometheus", "env", "cloudflared", "kubernetes")
    ]
    hosts = hosts_to_compare(session.config, given, option="{}")
    _, registry = session.registry()
    report = drift.check(registry, load_hosts(hosts), session.config, session.name)
    return _findings(report.findings, {"path": session.name})


def _edit(
    session: Session, args: dict[str, Any], operation: Callable[..., edits.Edit], *given: Any, **options: Any
) -> tuple[str, dict[str, Any]]:
    """Run one edit operation as a tool does: on today's date, the session's vocabulary, ``host`` when asked."""
    on_host = _on_host(session, args)
    return session.edit(
        lambda document, day: operation(document, *given, date=day, vocab=session.vocab, **options, **on_host)
    )


def _add(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if "range" not in args and "port" not in args and "section" not in args:
        raise UsageError("give range (the next free port there) or port", hint="next_free lists free ports")
    where = {name: args.get(name) for name in ("range", "port", "section")}
    return _edit(session, args, edits.add, args["service"], **where, cells=dict(args.get("set", {})))


def _move(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if "range" not in args and "port" not in args:
        raise UsageError("give port or range (the next free port there)")
    return _edit(session, args, edits.move, args["service"], port=args.get("port"), range=args.get("range"))


def _remove(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _edit(session, args, edits.remove, args["service"], reserve=args.get("reserve", False))


def _rename(session: Session, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _edit(session, args, edits.rename, args["service"], args["new_name"])


def _on_host(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """``host`` and the configured hosts' addresses for an edit of the running layer (as ``--host``)."""
    if "host" not in args:
        return {}
    return {"host": args["host"], "hosts": {host.name: host.addresses for host in session.config.hosts}}


_ON_HOST = {
    **_STRING,
    "description": "Edit where the service runs on this host (the document's list of running ports for it, such "
    "as 'prod-01' or 'GPU box'; case, spaces and notes are ignored) instead of the plan's tables.",
}
_SERVICE = {
    **_STRING,
    "description": "The service's name as the registry writes it (or, to find it, one of its ports).",
}
TOOLS: tuple[Tool, ...] = (
    Tool(
        "lookup",
        "Who holds a port, where a service is, or what a range holds. `query` is a port number ('3001'), a "
        "service name ('mana-auth') or a range/section ('3000-3099', 'core'). Answers with the holder(s), the "
        "section and range, the line, the host, the planned and the running (deployed) ports, and the rows "
        "that refer to a service. Use it before starting a server on a port.",
        _schema(
            {"query": {**_STRING, "description": "A port, a service name, or a range/section."}, "host": _HOST},
            ("query",),
        ),
        False,
        _lookup,
    ),
    Tool(
        "next_free",
        "The lowest free ports of a section's range (nothing is written). With `host`, ports also free on "
        "that machine's running list. Fails, naming what is free, when fewer than `count` are free.",
        _schema(
            {"range": _RANGE, "host": _HOST, "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1}},
            ("range",),
        ),
        False,
        _next_free,
    ),
    Tool(
        "validate",
        "Check the registry: every finding (rule id, severity, file:line:column, message, hint, and a fix "
        "when one is mechanical). Run it after any change to the document. `errors` > 0 means CI fails.",
        _schema({}),
        False,
        _validate,
    ),
    Tool(
        "drift",
        "Compare the registry with the deployment: docker compose, Prometheus, env, cloudflared and "
        "Kubernetes files (those configured in .mdports.toml, or the files given here; paths relative to "
        "the server's folder). Returns the findings: undocumented ports, taken ports, mismatches.",
        _schema(
            {
                kind: {**_FILES, "description": f"{kind} files"}
                for kind in ("compose", "prometheus", "env", "cloudflared", "kubernetes")
            }
        ),
        False,
        _drift,
    ),
    Tool(
        "add",
        "Add a service to the registry on the next free port of `range` (or on `port`) and write the file. "
        "Returns the port chosen and the diff. Refused, with the file untouched, when the port is taken "
        "(the holder is named), the range is unknown (the ranges are listed) or the name exists.",
        _schema(
            {
                "service": {**_STRING, "description": "The new service's name."},
                "range": _RANGE,
                "port": {**_PORT, "description": "This port instead of the next free one."},
                "section": {**_STRING, "description": "A section by name (a new name makes one, without a range)."},
                "set": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "maxLength": 500},
                    "description": 'Other cells of the row by column name, such as {"Runtime": "Go"}.',
                },
                "host": _ON_HOST,
            },
            ("service",),
        ),
        True,
        _add,
    ),
    Tool(
        "move",
        "Move a service to `port` or to the next free port of `range`; rows that refer to it follow. "
        "Returns the new port and the diff; refused (file untouched) when the port is taken.",
        _schema(
            {"service": _SERVICE, "port": {**_PORT, "description": "The new port."}, "range": _RANGE, "host": _ON_HOST},
            ("service",),
        ),
        True,
        _move,
    ),
    Tool(
        "remove",
        "Remove a service's row (`reserve`: keep its ports as a reserved placeholder). Refused while "
        "other rows refer to it (they are named).",
        _schema(
            {"service": _SERVICE, "reserve": {"type": "boolean", "default": False}, "host": _ON_HOST}, ("service",)
        ),
        True,
        _remove,
    ),
    Tool(
        "rename",
        "Rename a service and every cross-reference to it. Refused when `new_name` is taken or confusable.",
        _schema(
            {"service": _SERVICE, "new_name": {**_STRING, "description": "The new name."}, "host": _ON_HOST},
            ("service", "new_name"),
        ),
        True,
        _rename,
    ),
)
