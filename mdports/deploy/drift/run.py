"""The table of every drift check, and :func:`check`, which runs them into one report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import NamedTuple

from ...files.config import Config
from ...model.lookup import Registry
from ...rules.catalog import DEPLOYMENT_RULES
from ...rules.deployment_rules import (
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
from ...rules.findings import Finding, Report, Rule
from ...rules.validation import apply_exceptions
from ..deployment import Deployment
from .addresses import check_scrape_targets, check_traefik_routes, check_tunnel_routes
from .context import Context
from .hosts import check_hosts, check_undeployed
from .manifests import check_kubernetes
from .published import check_compose_ports, check_duplicate_host_ports, check_env_ports
from .unreadable import check_unreadable_ports


def _one_finding_per_problem(findings: list[Finding]) -> list[Finding]:
    """Fold what another rule says about a duplicated host port into its MP205 finding.

    Two services on one host port are one problem: the duplicate, and (for the service that
    does not own the port) that the document gives it to someone else. Both facts go in one
    finding, the MP205 error, rather than two findings on the same line.
    """
    duplicates = {(f.path, f.line, f.column): f for f in findings if f.rule is DUPLICATE_HOST_PORT}
    if not duplicates:
        return findings
    folded: dict[tuple[str, int, int], list[str]] = {}
    kept: list[Finding] = []
    for finding in findings:
        at = (finding.path, finding.line, finding.column)
        duplicate = duplicates.get(at)
        if duplicate is not None and finding is not duplicate and set(finding.ports) & set(duplicate.ports):
            folded.setdefault(at, []).append(f"{finding.rule.id}: {finding.message}")
            continue
        kept.append(finding)
    return [
        dataclasses.replace(f, message=f"{f.message}; also {'; '.join(folded[at])}")
        if f.rule is DUPLICATE_HOST_PORT and (at := (f.path, f.line, f.column)) in folded
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
