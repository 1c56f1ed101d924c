"""Where the document puts each service against where it runs: on another host (MP213), or nowhere (MP206)."""

from __future__ import annotations

from collections.abc import Iterator

from ...check.catalog import UNDEPLOYED_SERVICE, WRONG_HOST
from ...check.findings import Finding
from ...model.registry import Entry
from .context import Context


def host_of(entry: Entry) -> str:
    """The host the document puts the entry on (its Host column or section), '' when it names none."""
    return entry.host or ""


def check_hosts(ctx: Context) -> Iterator[Finding]:
    """MP213: a service deployed on a host other than the one its entry's ``Host`` column names.

    Only hosts that are configured (by name or address) are compared; a Host cell naming none
    of them is not checked.
    """
    known = {machine.name.casefold(): machine.name for machine in ctx.deployment.machines if machine.name}
    known.update((address, name) for address, name in ctx.addresses.items() if name)
    records: list[tuple[str, str, int, int, str, tuple[Entry, ...]]] = [
        (s.machine, s.path, s.line, s.column, f"compose service {s.name}", e)
        for s, e in zip(ctx.deployment.services, ctx.service_entries, strict=True)
    ]
    records += [
        (m.machine, s.path, s.line, s.column, f"kubernetes Service {s.name}", ctx.kube_entries[id(s)])
        for m in ctx.deployment.kubernetes
        for s in m.services
    ]
    for machine, path, line, column, text, entries in records:
        if not machine:
            continue
        for entry in entries:
            documented = known.get(host_of(entry).casefold())
            if documented is None or documented == machine:
                continue
            yield Finding(
                WRONG_HOST,
                path,
                line,
                column,
                f"{text} runs on {machine}, but the document puts {entry.service} on {host_of(entry)} "
                f"(line {entry.line})",
                f"move it to {documented}, or change the Host cell of {entry.service}",
                entry.ports,
                entry.section,
            )
            break


def check_undeployed(ctx: Context) -> Iterator[Finding]:
    """MP206 (info): assigned entries that no deployment record of any host matched."""
    present = {e.index for entries in ctx.service_entries for e in entries}
    present.update(e.index for match in ctx.target_matches for e in match.entries)
    present.update(e.index for entries in ctx.env_entries for e in entries)
    present.update(e.index for entries in ctx.kube_entries.values() for e in entries)
    for entry in ctx.registry.entries:
        if entry.service is None or entry.index in present:
            continue
        yield Finding(
            UNDEPLOYED_SERVICE,
            ctx.path,
            entry.line,
            entry.service_column,
            f"{entry.label} appears in none of the deployment files",
            'fine if it runs elsewhere; otherwise deploy it, or set ignore = ["undeployed-service"]',
            entry.ports,
            entry.section,
        )
