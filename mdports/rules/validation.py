"""The validation rules: the table of checks, and :func:`validate`, which runs them.

``CHECKS`` maps every document rule to the function that checks it (a read-only table, not
an ``isinstance`` chain); the checks live by subject in :mod:`.entries`, :mod:`.ranges` and
:mod:`.tables`. Every check is linear in the size of the registry (plus a sort).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import MappingProxyType

from ..model.registry import Registry
from .catalog import DOCUMENT_RULES
from .entries import (
    check_cell_counts,
    check_confusable_services,
    check_duplicate_ports,
    check_duplicate_services,
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
from .exceptions import apply_exceptions
from .findings import Finding, Report, Rule, Settings
from .layers import check_running_against_plan
from .ranges import check_overlapping_ranges, check_placeholders, check_range_headings, check_ranges
from .risky import (
    check_dynamic_ports,
    check_ephemeral_ports,
    check_excluded_ports,
    check_kubernetes_port_names,
    check_os_service_ports,
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
)
from .tables import check_directives, check_service_columns, check_something_read, check_table_roles

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
