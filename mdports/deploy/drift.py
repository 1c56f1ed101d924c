r"""Drift: where the deployment (compose, Prometheus, env, cloudflared, Kubernetes) disagrees with the document.

Deployment records are matched to registry entries by name, conservatively (see
:func:`~mdports.deploy.matching.name_key`); a record that matches no entry is never attributed
to one by guesswork — a close name only appears in a hint. Each check is a function from the
matched deployment (:class:`~mdports.deploy.matching.Context`) to findings, kept in the
read-only table ``CHECKS`` (:mod:`~mdports.deploy.drift`); :func:`check` runs them all and
returns a :class:`~mdports.rules.findings.Report`, so the text, JSON and GitHub formatters of
``validate`` apply unchanged. Each check makes one pass over the deployment records (and the
entries).

The rules (MP201-MP213) are in the one catalogue, :mod:`mdports.rules.catalog`. The checks live
by what they look at: :mod:`~mdports.deploy.port_findings` (what the document says about a
deployed port, ports published twice, ports that cannot be read), :mod:`~mdports.deploy.addresses`
(addresses traffic is sent to, Kubernetes) and this module (where each service runs).

>>> from mdports import parse, registry
>>> from mdports.deploy.compose import read_compose
>>> from mdports.deploy.deployment import Deployment
>>> model = registry(parse("## Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-credits |\n"))
>>> services = read_compose("services:\n  mana-auth:\n    ports: ['3002:3001']\n", "compose.yml")
>>> report = check(model, Deployment(services=services, files=(("compose", "compose.yml"),)))
>>> for finding in report.findings:
...     print(finding.location, finding.rule.id, finding.message)
compose.yml:3:14 MP202 compose service mana-auth publishes port 3002, which the document gives to mana-credits (line 6)
<input>:6:10 MP206 mana-credits (3002) appears in none of the deployment files

The table of every drift check, and :func:`check`, which runs them into one report.

Where the document puts each service against where it runs: on another host (MP213), or nowhere (MP206).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from types import MappingProxyType
from typing import NamedTuple

from ..files.config import Config
from ..location import Location
from ..model.lookup import Registry
from ..model.registry import Entry
from ..rules.catalog import DEPLOYMENT_RULES
from ..rules.deployment_rules import (
    DUPLICATE_HOST_PORT,
    DUPLICATE_HOSTNAME,
    PORT_MISMATCH,
    PORT_TAKEN,
    RESERVED_PORT,
    SCRAPE_PORT_TAKEN,
    SCRAPE_PUBLISHED_PORT,
    UNDEPLOYED_SERVICE,
    UNDOCUMENTED_PORT,
    UNLISTENED_PORT,
    UNMATCHED_NAME,
    UNREADABLE_PORT,
    WRONG_HOST,
)
from ..rules.findings import Finding, Report, Rule
from ..rules.validation import apply_exceptions
from .addresses import check_kubernetes, check_scrape_targets, check_traefik_routes, check_tunnel_routes
from .deployment import Deployment
from .matching import Context, key_of, name_key
from .port_findings import check_compose_ports, check_duplicate_host_ports, check_env_ports, check_unreadable_ports


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
    records: list[tuple[str, Location, str, tuple[Entry, ...]]] = [
        (s.machine, s.location, f"compose service {s.name}", e)
        for s, e in zip(ctx.deployment.services, ctx.service_entries, strict=True)
    ]
    records += [
        (m.machine, s.location, f"kubernetes Service {s.name}", ctx.kube_entries[id(s)])
        for m in ctx.deployment.kubernetes
        for s in m.services
    ]
    for machine, at, text, entries in records:
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
            at,
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
            Location(ctx.path, entry.line, entry.service_column),
            message,
            hint,
            entry.ports,
            entry.section,
            layer="running" if running else None,
            host=entry.host if running else None,
        )


def _one_finding_per_problem(findings: list[Finding]) -> list[Finding]:
    """Fold what another rule says about a duplicated host port into its MP205 finding.

    Two services on one host port are one problem: the duplicate, and (for the service that
    does not own the port) that the document gives it to someone else. Both facts go in one
    finding, the MP205 error, rather than two findings on the same line.
    """
    duplicates = {f.location: f for f in findings if f.rule is DUPLICATE_HOST_PORT}
    if not duplicates:
        return findings
    folded: dict[Location, list[str]] = {}
    kept: list[Finding] = []
    for finding in findings:
        at = finding.location
        duplicate = duplicates.get(at)
        if duplicate is not None and finding is not duplicate and set(finding.ports) & set(duplicate.ports):
            folded.setdefault(at, []).append(f"{finding.rule.id}: {finding.message}")
            continue
        kept.append(finding)
    return [
        dataclasses.replace(f, message=f"{f.message}; also {'; '.join(folded[at])}")
        if f.rule is DUPLICATE_HOST_PORT and (at := f.location) in folded
        else f
        for f in kept
    ]


Check = Callable[[Context], Iterable[Finding]]


class DriftCheck(NamedTuple):
    """One kind of check: the rules it reports (from the catalogue) and the function that runs it."""

    reports: tuple[Rule, ...]
    run: Check


_COMPOSE_LIKE = (UNDOCUMENTED_PORT, PORT_TAKEN, PORT_MISMATCH, RESERVED_PORT)
_ADDRESSED = (*_COMPOSE_LIKE, SCRAPE_PUBLISHED_PORT, SCRAPE_PORT_TAKEN, UNLISTENED_PORT)

CHECKS: MappingProxyType[str, DriftCheck] = MappingProxyType(
    {
        "compose": DriftCheck((*_COMPOSE_LIKE, UNMATCHED_NAME), check_compose_ports),
        "prometheus": DriftCheck(_ADDRESSED, check_scrape_targets),
        "env": DriftCheck((PORT_TAKEN, PORT_MISMATCH, RESERVED_PORT), check_env_ports),
        "cloudflared": DriftCheck((*_ADDRESSED, DUPLICATE_HOSTNAME), check_tunnel_routes),
        "traefik": DriftCheck((UNLISTENED_PORT,), check_traefik_routes),
        "kubernetes": DriftCheck((*_COMPOSE_LIKE, UNMATCHED_NAME, UNLISTENED_PORT), check_kubernetes),
        "duplicates": DriftCheck((DUPLICATE_HOST_PORT,), check_duplicate_host_ports),
        "unreadable": DriftCheck((UNREADABLE_PORT,), check_unreadable_ports),
        "hosts": DriftCheck((WRONG_HOST,), check_hosts),
        "undeployed": DriftCheck((UNDEPLOYED_SERVICE,), check_undeployed),
    }
)


def check(registry: Registry, deployment: Deployment, config: Config | None = None, path: str | None = None) -> Report:
    """Every drift finding, sorted by file (in the order given, the document last), line and column.

    Findings of rules in ``config.ignore`` are dropped; those matching a ``config.accept`` pair,
    or an inline ``<!-- mdports: accept RULE [PORT ...] -->`` in the section of the entry they
    concern, are counted as accepted.
    """
    config = config or Config()
    name = path or registry.path or "<input>"
    ctx = Context(registry, deployment, name, config)
    order = {file: position for position, (_, file) in enumerate(deployment.files)}
    findings = _one_finding_per_problem([f for kind in CHECKS.values() for f in kind.run(ctx)])
    return apply_exceptions(
        name,
        findings,
        registry,
        config,
        DEPLOYMENT_RULES,
        lambda f: (order.get(f.path, len(order)), f.line, f.column, f.rule.id),
    )
