"""The rule between the two layers: a running port that differs from the plan, or is not planned.

A document that says what runs beside its plan carries known debt: a service that moved and a
plan that was not rewritten. That is not a conflict (MP001 is per layer and host), but it is
worth one finding per running entry: info by default, ``ignore``-able like every rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model.names import fold_name
from ..model.ports import format_ports
from ..model.registry import Entry, Registry
from .findings import Finding
from .structure_rules import RUNNING_DIFFERS


def check_running_against_plan(registry: Registry, path: str) -> Iterator[Finding]:
    """One finding for each running entry whose port the plan does not give its service.

    Only where the document has both layers: a document that is all plan, or all running
    ports, has nothing to compare.
    """
    if not registry.has_running:
        return
    planned: dict[str, list[Entry]] = {}
    for entry in registry.entries:
        if entry.layer == "planned" and entry.service is not None:
            planned.setdefault(fold_name(entry.service), []).append(entry)
    if not planned:
        return
    for entry in registry.every_entry:
        if entry.layer != "running" or entry.service is None or not entry.spans:
            continue
        where = f" on {entry.host}" if entry.host else ""
        plan = planned.get(fold_name(entry.service))
        if plan is None:
            yield Finding(
                RUNNING_DIFFERS,
                path,
                entry.line,
                entry.port_column,
                f"{entry.service} runs on port {format_ports(entry.ports)}{where}, but the plan has no entry for it",
                f"add it to the plan (`mdports add {entry.service} --port {entry.ports[0]}`), or ignore "
                f"{RUNNING_DIFFERS.name} in the configuration",
                entry.ports,
                entry.section,
            )
            continue
        planned_ports = {port for other in plan for port in other.ports}
        if planned_ports.isdisjoint(entry.ports):
            first = plan[0]
            planned_where = f" on {first.host}" if first.host else ""
            yield Finding(
                RUNNING_DIFFERS,
                path,
                entry.line,
                entry.port_column,
                f"{entry.service} runs on port {format_ports(entry.ports)}{where}, the plan gives it "
                f"{format_ports(planned_ports)}{planned_where} (line {first.line})",
                f"move the plan to the running port (`mdports move {entry.service} --port {entry.ports[0]}`), or the "
                "service to its planned port",
                entry.ports,
                entry.section,
            )
