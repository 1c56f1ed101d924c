"""A :class:`~mdports.diff.SemanticDiff` as JSON: typed records, one serializer.

The shape (``version`` 1; fields are only ever added) is the TypedDicts below, checked by
``mdports/schemas/diff.schema.json``. A field of the side a change does not exist on is
``null`` (an added entry has ``"old_ports": null``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

if TYPE_CHECKING:  # typing.NotRequired from Python 3.11; the annotations are never evaluated
    from typing_extensions import NotRequired

from ..diff import ColumnChange, EntryChange, SectionChange, SemanticDiff
from ..records import JSON_VERSION, FindingRecord
from ..syntax.escaping import dump


class CellJson(TypedDict):
    column: str
    old: str | None
    new: str | None


# "from" is a Python keyword: the functional form names it.
ReferenceJson = TypedDict("ReferenceJson", {"from": str, "column": str, "old": str, "new": str, "line": int})


class EntryJson(TypedDict):
    kind: str
    status: str
    service: str | None
    old_service: str | None
    ports: list[int] | None
    old_ports: list[int] | None
    protocols: list[str] | None
    old_protocols: list[str] | None
    marker: str | None
    old_marker: str | None
    section: str | None
    old_section: str | None
    line: int | None
    old_line: int | None
    breaking: bool
    cells: list[CellJson]
    references: list[ReferenceJson]
    layer: NotRequired[str]  # "running" for a list item of what runs (absent for the plan)
    host: NotRequired[str | None]
    old_host: NotRequired[str | None]


class SectionJson(TypedDict):
    kind: str
    slug: str | None
    old_slug: str | None
    heading: str | None
    old_heading: str | None
    range: list[int] | None  # [lo, hi] as in every JSON output
    old_range: list[int] | None
    range_text: str | None  # the range as written
    old_range_text: str | None
    line: int | None
    old_line: int | None


class ColumnJson(TypedDict):
    kind: Literal["renamed"]
    old: str
    new: str
    position: int
    section: str
    old_section: str
    line: int
    old_line: int


class FindingsJson(TypedDict):
    introduced: list[FindingRecord]
    resolved: list[FindingRecord]


class DiffJson(TypedDict):
    version: int
    old: str
    new: str
    changed: bool
    breaking: bool
    summary: dict[str, dict[str, int]]
    sections: list[SectionJson]
    columns: list[ColumnJson]
    entries: list[EntryJson]
    findings: FindingsJson


def _ports_or_none(ports: tuple[int, ...], present: bool) -> list[int] | None:
    return list(ports) if present else None


def _entry_json(change: EntryChange) -> EntryJson:
    new, old = change.kind != "removed", change.kind != "added"
    record = _plan_entry_json(change, new, old)
    if change.layer == "running":  # additive: changes of the plan keep their shape
        record["layer"] = "running"
        record["host"] = change.host if new else None
        record["old_host"] = change.old_host if old else None
    return record


def _plan_entry_json(change: EntryChange, new: bool, old: bool) -> EntryJson:
    return {
        "kind": change.kind,
        "status": change.status,
        "service": change.service if new else None,
        "old_service": change.old_service if old else None,
        "ports": _ports_or_none(change.ports, new),
        "old_ports": _ports_or_none(change.old_ports, old),
        "protocols": list(change.protocols) if new else None,
        "old_protocols": list(change.old_protocols) if old else None,
        "marker": change.marker if new else None,
        "old_marker": change.old_marker if old else None,
        "section": change.section.slug if change.section else None,
        "old_section": change.old_section.slug if change.old_section else None,
        "line": change.line,
        "old_line": change.old_line,
        "breaking": change.breaking,
        "cells": [{"column": c.column, "old": c.old, "new": c.new} for c in change.cells],
        "references": [
            {"from": r.referrer, "column": r.column, "old": r.old, "new": r.new, "line": r.line}
            for r in change.references
        ],
    }


def _section_json(change: SectionChange) -> SectionJson:
    new, old = change.section, change.old_section
    return {
        "kind": change.kind,
        "slug": new.slug if new else None,
        "old_slug": old.slug if old else None,
        "heading": new.heading if new else None,
        "old_heading": old.heading if old else None,
        "range": list(new.span) if new and new.span else None,
        "old_range": list(old.span) if old and old.span else None,
        "range_text": new.range if new else None,
        "old_range_text": old.range if old else None,
        "line": change.line,
        "old_line": change.old_line,
    }


def _column_json(change: ColumnChange) -> ColumnJson:
    return {
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "position": change.position,
        "section": change.section.slug,
        "old_section": change.old_section.slug,
        "line": change.line,
        "old_line": change.old_line,
    }


def to_json(diff: SemanticDiff) -> DiffJson:
    """The documented JSON shape (``version`` 1); see docs/json-output.md for every field."""
    return {
        "version": JSON_VERSION,
        "old": diff.old_name,
        "new": diff.new_name,
        "changed": diff.changed,
        "breaking": bool(diff.breaking),
        "summary": diff.counts(),
        "sections": [_section_json(change) for change in diff.sections],
        "columns": [_column_json(change) for change in diff.columns],
        "entries": [_entry_json(change) for change in diff.entries],
        "findings": {
            "introduced": [finding.to_dict() for finding in diff.introduced],
            "resolved": [finding.to_dict() for finding in diff.resolved],
        },
    }


def format_json(diff: SemanticDiff) -> str:
    """The one serializer of :func:`to_json`'s records."""
    return dump(to_json(diff))
