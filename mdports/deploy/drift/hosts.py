"""Where the document puts each service against where it runs: on another host (MP213), or nowhere (MP206)."""

from __future__ import annotations

from collections.abc import Iterator

from ...model.registry import Entry
from ...rules.deployment_rules import UNDEPLOYED_SERVICE, WRONG_HOST
from ...rules.findings import Finding
from .context import Context, key_of
from .matching import name_key


def host_of(entry: Entry) -> str:
    """The host the document puts the entry on (its Host column or section), '' when it names none."""
    return entry.host or ""


def check_hosts(ctx: Context) -> Iterator[Finding]:
    """MP213: a service deployed on a host other than every one the document puts it on.

    A service may be documented on several hosts (a Host column, a section per server, a
    running list per host): the record is compared with the entry of its own host, and only
    when none is there with the others. Only configured hosts (by name or address) are
    compared: an entry of no host, or of a host the configuration does not name, says the
    service may run anywhere, so there is nothing to contradict.
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
        if not machine or not entries:
            continue
        placed = [(entry, _documented(ctx, known, entry)) for entry in entries]
        if any(documented in (None, machine) for _, documented in placed):
            continue  # documented on this host, or somewhere the configuration does not name
        entry, documented = placed[0]
        running = entry.source == "list"
        where, cell = ("the running list", "its running item") if running else ("the document", "the Host cell")
        hosts = " and ".join(dict.fromkeys(f"{host_of(e)} (line {e.line})" for e, _ in placed))
        yield Finding(
            WRONG_HOST,
            path,
            line,
            column,
            f"{text} runs on {machine}, but {where} puts {entry.service} on {hosts}",
            f"move it to {documented}, or change {cell} of {entry.service}",
            entry.ports,
            entry.section,
            layer=entry.layer,
            host=entry.host,
        )


def _documented(ctx: Context, known: dict[str, str], entry: Entry) -> str | None:
    """The configured host the document puts ``entry`` on, None when it names none the configuration has."""
    if entry.source == "list":
        return ctx.running.machine_of(ctx.running.host_key_of(entry))
    return known.get(host_of(entry).casefold())


def check_undeployed(ctx: Context) -> Iterator[Finding]:
    """MP206 (info): assigned entries that no deployment record of any host matched.

    A planned entry of a service deployed by its running entries is deployed. A running entry
    is reported only when the files of its host were read (a configured host matched to it, or
    a file whose name points at it): the list says it runs there, the files do not have it.
    """
    matched = [
        *ctx.service_entries,
        *(match.entries for match in ctx.target_matches),
        *ctx.env_entries,
        *ctx.kube_entries.values(),
    ]
    present = {key_of(e) for entries in matched for e in entries}
    names = {name_key(e.service) for entries in matched for e in entries if e.service}
    read = {ctx.running.host_of(machine, path) for machine, path in ctx.deployment_files()} - {None}
    missing = [
        e for e in ctx.registry.entries if e.service and key_of(e) not in present and name_key(e.service) not in names
    ]
    missing += [e for e in ctx.running.entries if ctx.running.host_key_of(e) in read and key_of(e) not in present]
    for entry in missing:
        running = entry.source == "list"
        if running:
            message = (
                f"{entry.label} runs on {entry.host} by the running list, but the deployment files of "
                f"{entry.host} do not have it"
            )
            hint = "fine if it runs outside these files; otherwise deploy it, or update the running list"
        else:
            message = f"{entry.label} appears in none of the deployment files"
            hint = 'fine if it runs elsewhere; otherwise deploy it, or set ignore = ["undeployed-service"]'
        yield Finding(
            UNDEPLOYED_SERVICE,
            ctx.path,
            entry.line,
            entry.service_column,
            message,
            hint,
            entry.ports,
            entry.section,
            layer="running" if running else None,
            host=entry.host if running else None,
        )
