"""Known exceptions: findings of ignored rules dropped, accepted ones (config or inline comment) set apart.

Shared by ``validate`` and ``drift``: an inline ``<!-- mdports: accept RULE [PORT ...] -->``
that matches no finding of a rule the run checked is reported (MP112), like ruff's RUF100.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from ..model.directives import Directive
from ..model.registry import Registry
from .findings import Finding, Report, Rule, Settings
from .structure_rules import UNUSED_ACCEPT


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
            path,
            accept.line,
            1,
            f"<!-- mdports: accept {what} --> matches no finding",
            "remove the comment, or correct its rule or ports",
            accept.ports,
            accept.section,
        )
