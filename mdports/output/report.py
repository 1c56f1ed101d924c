"""Findings as text for people, JSON for tools and annotations for GitHub Actions."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..rules.findings import Report
from ..syntax.document import Document
from ..syntax.escaping import escape_markdown, printable
from ..syntax.row import split_eol
from .colors import paint

if TYPE_CHECKING:
    from ..records import ReportOutput


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
