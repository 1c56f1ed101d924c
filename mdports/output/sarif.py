"""Findings as SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) read.

One run per invocation: the tool's driver lists every rule of the catalogue, each result
names its rule by id and index, its level and its place (``physicalLocation`` with a
1-based ``region``). Findings accepted as known are included with an in-source
suppression, as SARIF intends, so a dashboard shows them as reviewed rather than missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from .. import __version__
from ..check.catalog import ALL_RULES
from ..check.findings import Finding, Report
from ..check.text_edits import Fix
from .records import dump

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    return PurePath(path).as_posix()


def _result(finding: Finding, index: dict[str, int], *, suppressed: bool) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule.id,
        "ruleIndex": index[finding.rule.id],
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message} (hint: {finding.hint})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.path)},
                    "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
                }
            }
        ],
    }
    if finding.ports:
        result["properties"] = {"ports": list(finding.ports)}
    if finding.fix is not None:
        result["fixes"] = [_fix(finding.path, finding.fix)]
    if suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": "accepted as a known exception"}]
    return result


def _fix(path: str, fix: Fix) -> dict[str, object]:
    """A SARIF ``fix``: the description and each replacement as a deleted region and its new text."""
    replacements = [
        {
            "deletedRegion": {
                "startLine": edit.line,
                "startColumn": edit.column,
                "endLine": edit.end_line,
                "endColumn": edit.end_column,
            },
            "insertedContent": {"text": edit.text},
        }
        for edit in fix.edits
    ]
    return {
        "description": {"text": f"{fix.description} ({fix.applicability})"},
        "artifactChanges": [{"artifactLocation": {"uri": _uri(path)}, "replacements": replacements}],
    }


def to_sarif(reports: Sequence[Report]) -> dict[str, object]:
    """The SARIF log of ``reports`` as a dict (see :func:`format_sarif`)."""
    rules = ALL_RULES
    index = {rule.id: position for position, rule in enumerate(rules)}
    driver = {
        "name": "mdports",
        "version": __version__,
        "informationUri": "https://pypi.org/project/mdports/",
        "rules": [
            {
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
            }
            for rule in rules
        ],
    }
    results = [
        _result(finding, index, suppressed=suppressed)
        for report in reports
        for findings, suppressed in ((report.findings, False), (report.accepted, True))
        for finding in findings
    ]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}


def format_sarif(reports: Sequence[Report]) -> str:
    """``reports`` as a SARIF 2.1.0 log (JSON text), for ``--format sarif``."""
    return dump(to_sarif(reports))
