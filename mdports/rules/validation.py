"""Validation: the table of checks, :func:`validate`, which runs them, and the known exceptions.

``CHECKS`` maps every document rule to the function that checks it (a read-only table, not
an ``isinstance`` chain); the checks live by subject in :mod:`.entries`, :mod:`.structure` and
:mod:`.risky`. Every check is linear in the size of the registry (plus a sort).

Known exceptions (:func:`apply_exceptions`, shared by ``validate`` and ``drift``): findings of
ignored rules dropped, accepted ones (configuration or inline comment) set apart; an inline
``<!-- mdports: accept RULE [PORT ...] -->`` that matches no finding of a rule the run checked
is reported (MP112), like ruff's RUF100.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from types import MappingProxyType
from typing import Any

from ..location import Location
from ..model.lookup import Registry
from ..model.registry import Directive
from .catalog import DOCUMENT_RULES
from .clashes import check_confusable_services, check_duplicate_ports, check_duplicate_services
from .entries import (
    check_cell_counts,
    check_empty_services,
    check_port_cells,
    check_protocols,
    check_references,
    check_row_order,
)
from .entry_rules import (
    BROKEN_REFERENCE,
    DUPLICATE_PORT,
    DUPLICATE_SERVICE,
    DYNAMIC_PORT,
    EPHEMERAL_PORT,
    EXCLUDED_PORT,
    KUBERNETES_PORT_NAME,
    MALFORMED_PORT,
    MALFORMED_PROTOCOL,
    MALFORMED_RANGE,
    NO_SERVICE_COLUMN,
    OS_SERVICE_PORT,
)
from .findings import Finding, Report, Rule, Settings
from .risky import (
    check_dynamic_ports,
    check_ephemeral_ports,
    check_excluded_ports,
    check_kubernetes_port_names,
    check_os_service_ports,
)
from .structure import (
    check_directives,
    check_overlapping_ranges,
    check_placeholders,
    check_range_headings,
    check_ranges,
    check_running_against_plan,
    check_service_columns,
    check_something_read,
    check_table_roles,
)
from .structure_rules import (
    BAD_DIRECTIVE,
    CELL_COUNT,
    CONFUSABLE_SERVICE,
    EMPTY_SERVICE,
    NOTHING_READ,
    OUT_OF_RANGE,
    OVERLAPPING_RANGES,
    PLACEHOLDER_OVERLAP,
    RUNNING_DIFFERS,
    TABLE_ROLE,
    UNSORTED_ROWS,
    UNUSED_ACCEPT,
)


def _matches(rule: Rule, names: Iterable[str]) -> bool:
    return any(name in (rule.id, rule.name) for name in names)


def _by_place(finding: Finding) -> tuple[int, int, str]:
    return (finding.line, finding.column, finding.rule.id)


def apply_exceptions(
    path: str,
    findings: Iterable[Finding],
    registry: Registry,
    settings: Settings,
    ran: Collection[Rule] = (),
    order: Callable[[Finding], Any] = _by_place,
) -> Report:
    """Drop findings of ignored rules, set apart those accepted as known, sort the rest.

    Known: a ``settings.accept`` (rule, port) pair, or an inline ``<!-- mdports: accept RULE
    [PORT ...] -->`` in the finding's section. An inline accept that names a rule of ``ran``
    (the rules this run checked) and matches no finding is reported as MP112, like ruff's
    unused ``noqa``. The findings shown are sorted by ``order`` (line and column by default).
    Shared by ``validate`` and ``drift``.
    """
    shown: list[Finding] = []
    accepted: list[Finding] = []
    used: set[int] = set()  # indexes of the accepts that matched
    by_section: dict[int | None, list[tuple[int, Directive]]] = {}  # many findings and comments stay linear
    for index, accept in enumerate(registry.accepts):
        by_section.setdefault(accept.section, []).append((index, accept))
    for finding in findings:
        if _matches(finding.rule, settings.ignore):
            continue
        known = any(_matches(finding.rule, [rule]) and port in finding.ports for rule, port in settings.accept)
        for index, accept in by_section.get(finding.section, ()):
            if _matches(finding.rule, accept.rules) and (not accept.ports or set(accept.ports) & set(finding.ports)):
                used.add(index)
                known = True
        (accepted if known else shown).append(finding)
    if not _matches(UNUSED_ACCEPT, settings.ignore):
        shown += _unused_accepts(path, registry, used, ran)
    shown.sort(key=order)
    return Report(path, tuple(shown), tuple(accepted))


def _unused_accepts(path: str, registry: Registry, used: set[int], ran: Collection[Rule]) -> Iterator[Finding]:
    for index, accept in enumerate(registry.accepts):
        # Only an accept for a rule this run checked can be judged: validate cannot tell
        # whether an accept for a drift rule (MP2xx) is needed, nor an errors-only run one for MP101.
        if index in used or not any(_matches(rule, accept.rules) for rule in ran):
            continue
        what = " ".join((*accept.rules, *map(str, accept.ports)))
        yield Finding(
            UNUSED_ACCEPT,
            Location(path, accept.line, 1),
            f"<!-- mdports: accept {what} --> matches no finding",
            "remove the comment, or correct its rule or ports",
            accept.ports,
            accept.section,
        )


Check = Callable[[Registry, str], Iterable[Finding]]
ConfiguredCheck = Callable[[Registry, str, Settings], Iterable[Finding]]

CHECKS: MappingProxyType[Rule, Check] = MappingProxyType(
    {
        DUPLICATE_PORT: check_duplicate_ports,
        DUPLICATE_SERVICE: check_duplicate_services,
        CONFUSABLE_SERVICE: check_confusable_services,
        MALFORMED_PORT: check_port_cells,
        BROKEN_REFERENCE: check_references,
        MALFORMED_RANGE: check_range_headings,
        NO_SERVICE_COLUMN: check_service_columns,
        MALFORMED_PROTOCOL: check_protocols,
        OUT_OF_RANGE: check_ranges,  # also reports FOREIGN_RANGE: both come from one pass
        OVERLAPPING_RANGES: check_overlapping_ranges,
        PLACEHOLDER_OVERLAP: check_placeholders,
        UNSORTED_ROWS: check_row_order,
        CELL_COUNT: check_cell_counts,
        EMPTY_SERVICE: check_empty_services,
        TABLE_ROLE: check_table_roles,  # also reports TABLE_NOT_READ
        NOTHING_READ: check_something_read,
        BAD_DIRECTIVE: check_directives,
        RUNNING_DIFFERS: check_running_against_plan,
    }
)
# The checks that read the configuration: the known-risky ports (ranges and platforms).
CONFIGURED_CHECKS: MappingProxyType[Rule, ConfiguredCheck] = MappingProxyType(
    {
        EPHEMERAL_PORT: check_ephemeral_ports,
        DYNAMIC_PORT: check_dynamic_ports,
        OS_SERVICE_PORT: check_os_service_ports,
        EXCLUDED_PORT: check_excluded_ports,
        KUBERNETES_PORT_NAME: check_kubernetes_port_names,
    }
)


def validate(
    registry: Registry, settings: Settings | None = None, path: str | None = None, *, errors_only: bool = False
) -> Report:
    """Run every rule and split the findings into reported and accepted ones.

    Findings of rules in ``settings.ignore`` are dropped; those matching a ``settings.accept``
    pair or an inline ``<!-- mdports: accept RULE [PORT ...] -->`` in their section are
    counted as accepted. ``errors_only`` runs only the rules whose findings are errors (what
    an edit's verification asks).
    """
    settings = settings or Settings()
    name = path or registry.path or "<input>"
    ran = [rule for rule in DOCUMENT_RULES if rule.severity == "error" or not errors_only]
    checks = [check for rule, check in CHECKS.items() if rule in ran]
    findings = [f for check in checks for f in check(registry, name)]
    configured = [check for rule, check in CONFIGURED_CHECKS.items() if rule in ran]
    findings.extend(f for check in configured for f in check(registry, name, settings))
    return apply_exceptions(name, findings, registry, settings, ran)
