"""The findings a change introduces and resolves, matched by what they are about and their ports (not lines).

A finding's identity is :func:`~mdports.files.baseline.finding_keys`, the one the baseline and
the fixes use, without the file (two versions are named differently); a service or section the
change renamed keeps its findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ..files.baseline import Key, finding_keys
from ..files.config import Config
from ..model.lookup import Registry
from ..rules.findings import Finding
from ..rules.validation import validate
from .snapshot import Side


def _renamed(a: Side, b: Side, entry_map: Mapping[str, str], section_map: Mapping[str, str]) -> dict[str, str]:
    """The scopes of ``a`` (service names, section titles) by their names in ``b``, where the change renamed them."""
    renamed: dict[str, str] = {}
    for key, entry in a.entry_by_key.items():
        new = b.entry_by_key.get(entry_map.get(key, key))
        if new is not None:
            renamed[entry.service or entry.port_text] = new.service or new.port_text
    new_sections = dict(zip(b.section_keys, b.registry.sections, strict=True))
    for key, section in zip(a.section_keys, a.registry.sections, strict=True):
        found = new_sections.get(section_map.get(key, key))
        if found is not None:
            renamed[section.title] = found.title
    return renamed


def _keys(findings: Sequence[Finding], registry: Registry, renamed: Mapping[str, str] | None = None) -> list[Key]:
    return [key.anywhere() for key in finding_keys(findings, registry, renamed=renamed)]


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
    old_keys = _keys(before, a.registry, _renamed(a, b, entry_map, section_map))
    new_keys = _keys(after, b.registry)
    return _unmatched(after, new_keys, Counter(old_keys)), _unmatched(before, old_keys, Counter(new_keys))


def _unmatched(findings: Iterable[Finding], keys: Sequence[Key], other: Counter[Key]) -> tuple[Finding, ...]:
    remaining = Counter(other)
    out: list[Finding] = []
    for finding, key in zip(findings, keys, strict=True):
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            out.append(finding)
    return tuple(out)


def new_errors(merged: Registry, findings: Iterable[Finding], sides: Sequence[Registry]) -> tuple[Finding, ...]:
    """The errors among ``findings`` of ``merged`` that none of ``sides`` has, matched by what they are about.

    What a merge made of two valid changes: our row refers to a service their side removed.
    The sides are validated only when ``merged`` has an error at all.
    """
    errors = tuple(f for f in findings if f.severity == "error")
    for registry in sides:
        if not errors:
            break
        known = Counter(_keys(validate(registry).findings, registry))
        errors = _unmatched(errors, _keys(errors, merged), known)
    return errors
