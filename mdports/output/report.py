"""Findings as text for people, JSON for tools and annotations for GitHub Actions.

ANSI colour for text output on a terminal: findings and unified diffs.

Whether to colour is the command line's decision (``--color``, ``NO_COLOR``, a TTY); the
formatters only take a flag, so their output without colour is byte-for-byte what it was.

Findings as SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) read.

One run per invocation: the tool's driver lists every rule of the catalogue, each result
names its rule by id and index, its level and its place (``physicalLocation`` with a
1-based ``region``). Findings accepted as known are included with an in-source
suppression, as SARIF intends, so a dashboard shows them as reviewed rather than missing.

A file's ``uri`` is an RFC 3986 URI reference, as SARIF requires: a path relative to the folder
mdports ran in is percent-encoded and relative to ``%SRCROOT%`` (which the run's
``originalUriBaseIds`` gives as that folder's ``file:`` URI); any other absolute path is a
``file:`` URI.

The rule catalogue as people and programs read it: a listing, one rule in full, JSON records.

``mdports rules`` prints these, and ``tools/generate_docs.py`` writes ``docs/rules.md`` from
the same functions, so the terminal and the site say the same thing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from textwrap import dedent
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..files.reading import STDIN_NAME
from ..rules.catalog import ALL_RULES
from ..rules.findings import Finding, Fix, Report, Rule
from ..syntax.document import Document
from ..syntax.escaping import dump, escape_markdown, printable
from ..syntax.row import split_eol, split_lines
from ..version import __version__

if TYPE_CHECKING:
    from ..records import ReportOutput, RuleRecord


def source_lines(document: Document) -> list[str]:
    """Every line of the document without its ending, for quoting in messages."""
    return [split_eol(raw)[0] for block in document.blocks for raw in block.lines]


def _summary(report: Report) -> str:
    parts = [f"{report.count('error')} error(s)", f"{report.count('warning')} warning(s)"]
    if report.count("info"):
        parts.append(f"{report.count('info')} info")
    text = f"{report.path}: " + ", ".join(parts)
    if report.accepted:
        text += f" ({len(report.accepted)} accepted as known)"
    if report.baselined:
        text += f" ({len(report.baselined)} in the baseline)"
    return text


def format_text(
    report: Report,
    sources: Mapping[str, Sequence[str]] | None = None,
    *,
    show_source: bool = True,
    color: bool = False,
    totals: Report | None = None,
) -> str:
    """``FILE:LINE:COL: severity RULE message``, the source line with a caret, the hint.

    ``sources`` maps each file a finding names to its lines, so that drift quotes a compose
    file and the document alike. The summary counts ``totals`` (the report before
    ``--min-severity`` hid some findings).
    """
    out: list[str] = []
    # Text from the document (names, cells, paths) goes through `printable` before colour is
    # added, so that an ESC of its own cannot reach the terminal but ours can.
    for finding in report.findings:
        out.append(
            f"{paint(printable(str(finding.location)), 'bold', color)}: "
            f"{paint(finding.severity, finding.severity, color)} "
            f"{paint(finding.rule.id, 'bold', color)} {printable(finding.message)} [{finding.rule.name}]"
        )
        lines = sources.get(finding.path, ()) if show_source and sources else ()
        if 0 < finding.line <= len(lines):
            gutter = f"{finding.line:>5} | "
            # Tabs become one space so that the caret lands under the column it names.
            line = lines[finding.line - 1].replace("\t", " ")
            out.append(gutter + printable(line))
            offset = len(printable(line[: finding.column - 1]))
            out.append(" " * (len(gutter) + offset) + paint("^", finding.severity, color))
        out.append(f"  hint: {printable(finding.hint)}")
    out.append(printable(_summary(totals or report)))
    return "\n".join(out)


def to_json(report: Report, **extra: int) -> ReportOutput:
    """The documented JSON shape (``version`` 1): summary counts and every finding."""
    from ..records import JSON_VERSION  # the text formats, on every commit, do not load the record shapes

    return {
        "version": JSON_VERSION,
        "path": report.path,
        "summary": {
            "errors": report.count("error"),
            "warnings": report.count("warning"),
            "infos": report.count("info"),
            "accepted": len(report.accepted),
            **({"baselined": len(report.baselined)} if report.baselined else {}),
            **extra,
        },
        "findings": [finding.to_dict() for finding in report.findings],
    }


def format_json(report: Report, **extra: int) -> str:
    from ..syntax.escaping import dump  # only the json format pays for json

    return dump(to_json(report, **extra))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def format_github(report: Report) -> str:
    """GitHub Actions workflow commands (``::warning file=...,line=...::message``)."""
    out = []
    for f in report.findings:
        properties = ",".join(
            (
                f"file={_escape_property(f.path)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property(f'{f.rule.id} {f.rule.name}')}",
            )
        )
        out.append(f"::{_COMMANDS[f.severity]} {properties}::{_escape_data(f.message + ' (hint: ' + f.hint + ')')}")
    out.append(_summary(report))
    return printable("\n".join(out))


def format_markdown_summary(report: Report, command: str = "validate") -> str:
    """A Markdown table of every finding, for ``$GITHUB_STEP_SUMMARY``.

    GitHub shows only about ten annotations per severity and step; the summary has them all.
    Text from the document is escaped as in the pull request comment (:func:`escape_markdown`):
    a service name cannot become a link, an image, a mention or HTML there either.
    """
    lines = [f"### mdports {command}: {escape_markdown(report.path)}", "", escape_markdown(_summary(report)), ""]
    if report.findings:
        lines += ["| Location | Severity | Rule | Message | Hint |", "|---|---|---|---|---|"]
        for f in report.findings:
            lines.append(
                f"| {escape_markdown(str(f.location))} | {f.severity} | {f.rule.id} {f.rule.name} "
                f"| {escape_markdown(f.message)} | {escape_markdown(f.hint)} |"
            )
    return "\n".join(lines) + "\n"


def write_step_summary(reports: Sequence[Report], command: str = "validate") -> None:
    """Append the summary to ``$GITHUB_STEP_SUMMARY`` when running in GitHub Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for report in reports:
            handle.write(format_markdown_summary(report, command) + "\n")


_CODES = {
    "error": "1;31",
    "warning": "1;33",
    "info": "1;36",
    "bold": "1",
    "added": "32",
    "removed": "31",
    "hunk": "36",
    # the port map (mdports.map.text): a status keeps its own character without colour too
    "assigned": "32",
    "reserved": "33",
    "free": "2",
    "conflict": "1;31",
    "outside": "35",
}


def paint(text: str, style: str, enabled: bool = True) -> str:
    """``text`` in the colour of ``style`` (a severity, ``bold``, ``added``...) when ``enabled``.

    >>> paint("error", "error")
    '\\x1b[1;31merror\\x1b[0m'
    >>> paint("error", "error", enabled=False)
    'error'
    """
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m" if enabled and text else text


def paint_diff(diff: str) -> str:
    """A unified diff with removed lines red, added lines green and hunk headers cyan."""
    out: list[str] = []
    for line in split_lines(diff):  # as the diff was made: a line holding U+2028 is one line
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if body.startswith(("+++", "---")):
            style = "bold"
        elif body.startswith("@@"):
            style = "hunk"
        elif body.startswith("+"):
            style = "added"
        elif body.startswith("-"):
            style = "removed"
        else:
            out.append(line)
            continue
        out.append(paint(body, style) + ending)
    return "".join(out)


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


# What `--fix` does for a rule's findings, in words.
FIX_WORDS = {
    "safe": "safe (applied by --fix)",
    "unsafe": "unsafe (applied with --unsafe-fixes)",
    None: "none",
}


def rule_lines(rules: Iterable[Rule]) -> list[str]:
    """One line per rule: id, name, severity, fix (safe, unsafe or -) and summary, in columns."""
    chosen = list(rules)
    width = max(len(r.name) for r in chosen)
    return [f"{r.id}  {r.name:<{width}}  {r.severity:<7}  {r.fix or '-':<6}  {r.summary}" for r in chosen]


def explanation(rule: Rule) -> str:
    """The rule's explanation as Markdown text, without the indentation of the catalogue's code."""
    return dedent(rule.explanation).strip()


def explained(rule: Rule, level: int = 1) -> str:
    """The rule in full, as Markdown under a heading of ``level``: what ``mdports rules ID`` prints."""
    return (
        f"{'#' * level} {rule.id} {rule.name}\n\n"
        f"Severity: {rule.severity}. Fix: {FIX_WORDS[rule.fix]}.\n\n"
        f"{rule.summary}\n\n"
        f"{explanation(rule)}\n"
    )


def rule_record(rule: Rule) -> RuleRecord:
    """The rule as ``rules --format json`` writes it."""
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity,
        "summary": rule.summary,
        "fix": rule.fix,
        "explanation": explanation(rule),
    }
