"""What the document says about a port a deployment record uses: the findings shared by every kind of record.

:func:`port_findings` classifies each port against the document (taken by another entry,
reserved, undocumented, not the entry's own) for a compose service, an env variable, a
scrape target or a Kubernetes Service alike, named in messages by its :class:`Subject`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ...check.catalog import PORT_MISMATCH, PORT_TAKEN, RESERVED_PORT, UNDOCUMENTED_PORT, UNMATCHED_NAME
from ...check.findings import Finding
from ...model.ports import format_ports
from ...model.registry import Entry
from .context import Context


@dataclass(frozen=True, slots=True)
class Subject:
    """A deployment record as the messages name it: ``compose service auth publishes port ...``."""

    path: str
    line: int
    column: int
    text: str  # "compose service mana-auth", "scrape target mana-auth:3001 (job auth)", "MANA_AUTH_PORT"
    verb: str  # "publishes", "uses", "sets"
    name: str  # the name the record goes by


def ports_text(ports: Iterable[int], protocol: str) -> str:
    text = format_ports(ports)
    return f"{text}/{protocol}" if protocol != "tcp" else text


def _entries(entries: Sequence[Entry]) -> str:
    return ", ".join(f"{e.service} {format_ports(e.ports)} (line {e.line})" for e in entries)


def documented_ports(entries: Sequence[Entry]) -> str:
    return format_ports(port for e in entries for port in e.ports)


def port_findings(
    ctx: Context,
    subject: Subject,
    entries: tuple[Entry, ...],
    ports: Iterable[int],
    protocol: str,
    *,
    claim_owner: bool,
) -> Iterator[Finding]:
    """Classify each deployed port against the document and yield one finding per kind of drift.

    With ``entries`` (the record matched entries by name): a port of theirs is fine; a port of
    another entry is MP202, a reserved one MP204, any other MP203. Without: a port of an entry
    is MP207 when ``claim_owner`` (a compose service, whose name is its identity) and fine
    otherwise (a scrape job name is only a label); a reserved one is MP204, any other MP201.
    """
    mine = {e.index for e in entries}
    taken: dict[int, list[int]] = {}
    reserved: dict[int, list[int]] = {}
    undocumented: list[int] = []
    for port in ports:
        owners = ctx.owners(port, protocol)
        if any(owner.index in mine for owner in owners):
            continue
        if owners:
            taken.setdefault(owners[0].index, []).append(port)
        elif (holder := ctx.placeholder(port)) is not None:
            reserved.setdefault(holder.index, []).append(port)
        else:
            undocumented.append(port)
    at = (subject.path, subject.line, subject.column)
    home = entries[0].section if entries else None
    # Which entry the record is (only when the name says so unambiguously) and its own name.
    matched = entries[0].index if len(entries) == 1 else None
    documented = documented_ports(entries)
    for index, taken_ports in taken.items():
        owner = ctx.registry.entries[index]
        what = f"{subject.text} {subject.verb} port {ports_text(taken_ports, protocol)}"
        if entries:
            yield Finding(
                PORT_TAKEN,
                *at,
                f"{what}, which the document gives to {owner.service} (line {owner.line})",
                f"deploy {subject.name} on its documented port {documented}, or correct the document",
                tuple(taken_ports),
                home,
                entry=matched,
                deployed_as=subject.name,
            )
        elif claim_owner:
            yield Finding(
                UNMATCHED_NAME,
                *at,
                f"{what}, which the document gives to {owner.service} (line {owner.line}); "
                f"no entry is named {subject.name}",
                f"if {subject.name} is {owner.service}, call it that (service name or container_name); "
                "otherwise give it a free port",
                tuple(taken_ports),
                owner.section,
            )
    for index, reserved_ports in reserved.items():
        holder = ctx.registry.entries[index]
        documented_note = f"; {subject.name} is documented on {documented}" if entries else ""
        yield Finding(
            RESERVED_PORT,
            *at,
            f"{subject.text} {subject.verb} port {ports_text(reserved_ports, protocol)}, which the document marks "
            f"reserved (line {holder.line}){documented_note}",
            f"assign the port to {subject.name} in the document, or deploy it on "
            + (f"its documented port {documented}" if entries else "a documented port"),
            tuple(reserved_ports),
            home if entries else holder.section,
            entry=matched,
            deployed_as=subject.name,
        )
    if not undocumented:
        return
    what = f"{subject.text} {subject.verb} port {ports_text(undocumented, protocol)}"
    if entries:
        yield Finding(
            PORT_MISMATCH,
            *at,
            f"{what}; the document gives {_entries(entries)}",
            f"deploy {subject.name} on {documented}, or add {format_ports(undocumented)} to its entry",
            tuple(undocumented),
            home,
            entry=matched,
            deployed_as=subject.name,
        )
        return
    close = ctx.matcher.suggest(subject.name)
    yield Finding(
        UNDOCUMENTED_PORT,
        *at,
        f"{what}, which the document does not list",
        f"add {subject.name} to the document, or stop using the port"
        + (f" (the document has {close}; if it is the same service, use that name)" if close else ""),
        tuple(undocumented),
        ctx.section_of(undocumented[0]),
        entry=matched,
        deployed_as=subject.name,
    )
