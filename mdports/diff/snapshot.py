"""Each registry reduced to typed records keyed by stable identity, and deepdiff over them.

An assigned entry is keyed by its case-folded service name, a placeholder by its ports, a
section by its slug. Records are made on first use: the records of two versions that differ
are the only ones deepdiff (imported only here, only when comparing) is handed.

The findings a change introduces and resolves, matched by what they are about and their ports (not lines).

A finding's identity is :func:`~mdports.files.baseline.finding_keys`, the one the baseline and
the fixes use, without the file (two versions are named differently); a service or section the
change renamed keeps its findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from ..files.baseline import Key, finding_keys
from ..files.config import Config
from ..model.lists import host_key
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.ports import merge_spans
from ..model.registry import Entry, Reference
from ..model.sections import Section
from ..readonly import readonly
from ..rules.findings import Finding
from ..rules.validation import validate
from . import SectionRef


@readonly
class EntryRecord:
    """What the diff compares of an entry: two entries with equal records did not change."""

    service: str | None
    ports: str  # written canonically (see :func:`_canonical_ports`)
    protocols: tuple[str, ...]
    marker: str | None
    section: str  # the section's key
    cells: Mapping[str, str]  # the other columns (not port, service, protocol), by header


_RECORD_FIELDS = tuple(f.name for f in fields(EntryRecord))


@readonly
class SectionRecord:
    """What the diff compares of a section."""

    title: str
    range: str | None  # as written (see :func:`_range_text`)


class _Records(Mapping[str, EntryRecord]):
    """Each entry's record, made on first use: most records of two versions are never looked at."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.made: dict[str, EntryRecord] = {}

    def __getitem__(self, key: str) -> EntryRecord:
        record = self.made.get(key)
        if record is None:
            entry = self.side.entry_by_key[key]
            cells = entry.cells
            record = self.made[key] = EntryRecord(
                entry.service,
                _canonical_ports(entry),
                entry.protocols,
                entry.marker,
                self.side.section_keys[entry.section],
                {h: cells[h] for h in self.side.other_columns[entry.table] if h in cells},
            )
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self.side.entry_by_key)

    def __len__(self) -> int:
        return len(self.side.entry_by_key)

    def __contains__(self, key: object) -> bool:
        return key in self.side.entry_by_key


@dataclass
class Side:
    """One registry reduced to typed records keyed by identity, for deepdiff and for reports."""

    registry: Registry
    side: Literal["old", "new"]
    section_keys: list[str] = field(default_factory=list)
    entry_keys: list[str] = field(default_factory=list)
    sections: dict[str, SectionRecord] = field(default_factory=dict)
    entries: _Records = field(init=False)
    entry_by_key: dict[str, Entry] = field(default_factory=dict)
    section_by_key: dict[str, Section] = field(default_factory=dict)
    references: dict[tuple[int, str], Reference] = field(default_factory=dict)
    # What a record is made of (section key, headers, cell texts): equal sources, equal records.
    sources: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    # The port, service and protocol cells are compared as ports, name/marker and protocols: the
    # other columns of each table.
    other_columns: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.entries = _Records(self)

    def section_ref(self, index: int) -> SectionRef:
        section = self.registry.sections[index]
        span = (section.declared.lo, section.declared.hi) if section.declared else None
        return SectionRef(self.section_keys[index], section.heading, _range_text(section), index, self.side, span)


def _unique(key: str, seen: Counter[str]) -> str:
    seen[key] += 1
    return key if seen[key] == 1 else f"{key}#{seen[key]}"


def _range_text(section: Section) -> str | None:
    return str(section.declared) if section.declared else section.range_text


def _canonical_ports(entry: Entry) -> str:
    """The entry's ports written canonically (``3017-3019, 3021``), or its cell text if unreadable."""
    if len(entry.spans) == 1:  # most rows: no need to expand and merge the ports
        return str(entry.spans[0])
    return ", ".join(str(span) for span in merge_spans(entry.ports)) if entry.spans else entry.port_text


def entry_key(entry: Entry) -> str:
    """Identity of an entry: its case-folded name, or ``reserved:PORTS`` for a placeholder.

    A row of the running layer (a Host column) is also known by its host: ``kite`` running on
    ``kite.internal`` and ``Kite`` in the plan are two entries, and a version without the one
    must not pair the other with it (as ``kite`` and ``kite#2`` would, by their order).
    """
    if entry.service is None:
        return "reserved:" + _canonical_ports(entry)
    if entry.layer == "running" and entry.host:
        return f"service:{fold_name(entry.service)}@{host_key(entry.host)}"
    return "service:" + fold_name(entry.service)


def side_of(registry: Registry, which: Literal["old", "new"]) -> Side:
    side = Side(registry, which)
    seen: Counter[str] = Counter()
    for section in registry.sections:
        key = _unique(section.slug or "section", seen)
        side.section_keys.append(key)
        side.section_by_key[key] = section
        side.sections[key] = SectionRecord(section.title, _range_text(section))
    seen.clear()
    side.other_columns = [
        tuple(h for i, h in enumerate(t.headers) if i not in {t.port_column, t.service_column, t.protocol_column})
        for t in registry.tables
    ]
    section_keys, tables, blocks = side.section_keys, registry.tables, registry.document.blocks
    for entry in registry.entries:  # runs for every row: only keys and sources, records on demand
        key = entry_key(entry)
        seen[key] += 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        side.entry_keys.append(key)
        side.entry_by_key[key] = entry
        table = tables[entry.table]
        row = blocks[table.block].rows[entry.row]  # type: ignore[union-attr]
        side.sources[key] = (section_keys[entry.section], table.headers, row.texts)
    for ref in registry.references:
        side.references[(ref.entry, ref.header)] = ref
    return side


def deep_compare(
    old: Mapping[str, Mapping[str, EntryRecord]], new: Mapping[str, Mapping[str, EntryRecord]]
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, dict[str, set[str]]]]:
    """deepdiff over the records that differ: (added keys, removed keys, changed fields) per group.

    Equal records are dropped first (a linear pass of ``==``), so deepdiff sees only what changed,
    as plain dicts (its paths then name the fields).
    """

    def plain(record: EntryRecord) -> dict[str, object]:  # not asdict(): it deep-copies every value
        return {name: getattr(record, name) for name in _RECORD_FIELDS}

    import inspect

    from deepdiff import DeepDiff

    reduced_old = {
        group: {k: plain(v) for k, v in records.items() if new[group].get(k) != v} for group, records in old.items()
    }
    reduced_new = {
        group: {k: plain(v) for k, v in records.items() if old[group].get(k) != v} for group, records in new.items()
    }
    added: dict[str, set[str]] = {group: set() for group in old}
    removed: dict[str, set[str]] = {group: set() for group in old}
    changed: dict[str, dict[str, set[str]]] = {group: {} for group in old}
    # deepdiff 8 reports a dict whose keys mostly differ as one changed value; we want every key.
    deeper = "threshold_to_diff_deeper" in inspect.signature(DeepDiff.__init__).parameters
    options: dict[str, Any] = {"threshold_to_diff_deeper": 0} if deeper else {}
    tree = DeepDiff(reduced_old, reduced_new, view="tree", **options)
    for report_type, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            group, key = str(path[0]), str(path[1])
            if len(path) == 2:
                (added if report_type == "dictionary_item_added" else removed)[group].add(key)
            else:
                changed[group].setdefault(key, set()).add(str(path[2]))
    return added, removed, changed


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
