"""The findings a change introduces and resolves, matched by rule, subject and ports (not lines)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ..files.config import Config
from ..model.registry import Registry
from ..rules.findings import Finding
from ..rules.validation import validate
from .snapshot import Side, side_of


def _subjects(side: Side, entry_map: Mapping[str, str], section_map: Mapping[str, str]) -> dict[int, str]:
    """What each line of a side is about, in the new side's terms (so a rename is not a new finding)."""
    subjects: dict[int, str] = {}
    for index, section in enumerate(side.registry.sections):
        subjects[section.line] = "section:" + section_map.get(side.section_keys[index], side.section_keys[index])
    in_section: dict[int, int] = {}
    for table in side.registry.tables:  # a table by its place in its section: removing another keeps it
        number = in_section[table.section] = in_section.get(table.section, -1) + 1
        key = side.section_keys[table.section]
        subjects[table.line] = f"table:{section_map.get(key, key)}:{number}"
    for index, entry in enumerate(side.registry.entries):
        key = side.entry_keys[index]
        subjects[entry.line] = "entry:" + entry_map.get(key, key)
    return subjects


def _identity(finding: Finding, subjects: Mapping[int, str]) -> tuple[str, str, tuple[int, ...]]:
    return finding.rule.id, subjects.get(finding.line, ""), finding.ports


def compare_findings(
    a: Side,
    b: Side,
    config: Config | None,
    old_name: str,
    new_name: str,
    entry_map: Mapping[str, str],
    section_map: Mapping[str, str],
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Findings in ``new`` but not ``old`` (introduced) and the other way round (resolved)."""
    before = validate(a.registry, config, old_name).findings
    after = validate(b.registry, config, new_name).findings
    old_subjects = _subjects(a, entry_map, section_map)
    new_subjects = _subjects(b, {}, {})
    old_ids = Counter(_identity(f, old_subjects) for f in before)
    new_ids = Counter(_identity(f, new_subjects) for f in after)
    introduced = _unmatched(after, new_subjects, old_ids)
    resolved = _unmatched(before, old_subjects, new_ids)
    return introduced, resolved


def _unmatched(
    findings: Iterable[Finding], subjects: Mapping[int, str], other: Counter[tuple[str, str, tuple[int, ...]]]
) -> tuple[Finding, ...]:
    remaining = Counter(other)
    out: list[Finding] = []
    for finding in findings:
        identity = _identity(finding, subjects)
        if remaining[identity] > 0:
            remaining[identity] -= 1
        else:
            out.append(finding)
    return tuple(out)


def new_errors(merged: Registry, findings: Iterable[Finding], sides: Sequence[Registry]) -> tuple[Finding, ...]:
    """The errors among ``findings`` of ``merged`` that none of ``sides`` has, matched by rule, subject and ports.

    What a merge made of two valid changes: our row refers to a service their side removed.
    The sides are validated only when ``merged`` has an error at all.
    """
    errors = tuple(f for f in findings if f.severity == "error")
    if not errors:
        return ()
    subjects = _subjects(side_of(merged, "new"), {}, {})
    for registry in sides:
        side = side_of(registry, "new")
        known = Counter(_identity(f, _subjects(side, {}, {})) for f in validate(registry).findings)
        errors = _unmatched(errors, subjects, known)
    return tuple(errors)
