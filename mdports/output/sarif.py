"""Findings as SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) read.

One run per invocation: the tool's driver lists every rule of the catalogue, each result
names its rule by id and index, its level and its place (``physicalLocation`` with a
1-based ``region``). Findings accepted as known are included with an in-source
suppression, as SARIF intends, so a dashboard shows them as reviewed rather than missing.

A file's ``uri`` is an RFC 3986 URI reference, as SARIF requires: a path relative to the folder
mdports ran in is percent-encoded and relative to ``%SRCROOT%`` (which the run's
``originalUriBaseIds`` gives as that folder's ``file:`` URI); any other absolute path is a
``file:`` URI.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath
from urllib.parse import quote

from ..files.reading import STDIN_NAME
from ..rules.catalog import ALL_RULES
from ..rules.findings import Finding, Fix, Report
from ..syntax.escaping import dump
from ..version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


SRCROOT = "%SRCROOT%"
# What a path segment may hold besides letters, digits and "-._~" (RFC 3986 `pchar`): the rest,
# a space, "#", "?", "%", non-ASCII, is percent-encoded.
_PCHAR = "!$&'()*+,;=:@"


def _location(path: str, root: PurePath | None) -> dict[str, object]:
    """The ``artifactLocation`` of ``path``, a name as mdports prints it (relative to ``root``, or absolute)."""
    if path == STDIN_NAME:  # no file: a uri would send a viewer to a file of that name
        return {"description": {"text": "standard input"}}
    pure = PurePath(path)
    if pure.is_absolute():
        if root is None or not pure.is_relative_to(root):
            return {"uri": pure.as_uri()}
        pure = pure.relative_to(root)
    return {"uri": relative_reference(pure), "uriBaseId": SRCROOT}


def relative_reference(path: PurePath) -> str:
    """``path`` (relative) as an RFC 3986 relative reference: each segment percent-encoded.

    A first segment with a colon would read as a scheme (``http:x.md``), so it gets ``./``.

    >>> relative_reference(PurePath("my doc#1.md")), relative_reference(PurePath("http:x.md"))
    ('my%20doc%231.md', './http:x.md')
    >>> relative_reference(PurePath("../docs/100%.md"))
    '../docs/100%25.md'
    """
    reference = "/".join(quote(segment, safe=_PCHAR) for segment in path.as_posix().split("/"))
    return "./" + reference if ":" in reference.partition("/")[0] else reference


def _root() -> PurePath | None:
    """The folder relative paths start from (None when it was removed under mdports)."""
    try:
        return Path.cwd()
    except OSError:
        return None


def _result(finding: Finding, index: dict[str, int], root: PurePath | None, *, suppressed: bool) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule.id,
        "ruleIndex": index[finding.rule.id],
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message} (hint: {finding.hint})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _location(finding.path, root),
                    "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
                }
            }
        ],
    }
    properties: dict[str, object] = {"ports": list(finding.ports)} if finding.ports else {}
    if finding.layer is not None:  # drift: the layer and host of the entry the record was compared with
        properties |= {"layer": finding.layer, "host": finding.host}
    if properties:
        result["properties"] = properties
    if finding.fix is not None:
        result["fixes"] = [_fix(_location(finding.path, root), finding.fix)]
    if suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": "accepted as a known exception"}]
    return result


def _fix(location: dict[str, object], fix: Fix) -> dict[str, object]:
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
        "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
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
    root = _root()
    results = [
        _result(finding, index, root, suppressed=suppressed)
        for report in reports
        for findings, suppressed in ((report.findings, False), (report.accepted, True))
        for finding in findings
    ]
    # A base URI ends in "/" (RFC 3986 5.2.3 drops its last segment otherwise); "/" itself has one.
    base = (
        {"uri": root.as_uri().rstrip("/") + "/"}
        if root is not None
        else {"description": {"text": "the current folder"}}
    )
    run = {"tool": {"driver": driver}, "originalUriBaseIds": {SRCROOT: base}, "results": results}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def format_sarif(reports: Sequence[Report]) -> str:
    """``reports`` as a SARIF 2.1.0 log (JSON text), for ``--format sarif``."""
    return dump(to_sarif(reports))
