"""A :class:`~mdports.diff.changes.SemanticDiff` as a pull request comment (Markdown).

The comment starts with the hidden marker :data:`MARKER` (a bot finds and edits its one
comment by it) and is never longer than :data:`COMMENT_LIMIT` characters: what does not fit
is folded into ``<details>``, and what does not fit there either is counted. Every ``user``
segment of a line (see :mod:`mdports.output.diff_items`) is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import MappingProxyType

from ..diff.changes import SemanticDiff
from ..rules.findings import Finding
from ..syntax.escaping import escape_markdown
from .diff_items import NO_CHANGES, Item, Segment, Style, groups, summary

MARKER = "<!-- mdports:diff -->"
COMMENT_LIMIT = 65_536  # GitHub's limit for an issue or pull request comment

_MARKDOWN_STYLE: MappingProxyType[Style, Callable[[str], str]] = MappingProxyType(
    {"plain": lambda text: text, "user": escape_markdown}
)


def _markdown(segments: Iterable[Segment]) -> str:
    return "".join(_MARKDOWN_STYLE[style](text) for style, text in segments)


def comment_length(text: str) -> int:
    """Length as GitHub counts it, conservatively: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def item_line(item: Item) -> str:
    """One change as a Markdown list item (what comes from the document escaped)."""
    flag = "⚠️ " if item.breaking else ""
    suffix = " — **breaking** for its clients" if item.breaking else ""
    return f"- {flag}**{item.label}** {_markdown(item.segments)}{suffix}"


def _finding_markdown(finding: Finding, verb: str) -> str:
    where = f"line {finding.line}" if finding.line else "document"
    return (
        f"- {verb} **{finding.severity}** {finding.rule.id} {finding.rule.name}: "
        f"{escape_markdown(finding.message)} ({where})"
    )


def _blocks(diff: SemanticDiff) -> list[tuple[str, list[str]]]:
    """(heading line, item lines) in the order of the comment: validation first, then sections."""
    blocks: list[tuple[str, list[str]]] = []
    findings = [_finding_markdown(f, "introduced") for f in diff.introduced]
    findings += [_finding_markdown(f, "resolved") for f in diff.resolved]
    if findings:
        blocks.append(("#### Validation", findings))
    for group in groups(diff):
        removed = " (removed)" if group.section.side == "old" else ""
        heading = f"#### {escape_markdown(group.section.label)}{removed}"
        blocks.append((heading, [item_line(item) for item in group.items]))
    return blocks


def format_markdown(diff: SemanticDiff, *, limit: int = COMMENT_LIMIT) -> str:
    """A pull request comment: marker, summary, validation, then the changes by section.

    Never longer than ``limit`` (see :func:`comment_length`): about half of it is shown
    directly, the rest folded into ``<details>``, and anything beyond that is counted.
    """
    head = [
        MARKER,
        "### mdports: port registry changes",
        "",
        f"{escape_markdown(diff.new_name)} compared with {escape_markdown(diff.old_name)}",
        "",
    ]
    if not diff.changed:
        return "\n".join([*head, f"**{NO_CHANGES}** (only prose or formatting changed, if anything)", ""])
    headline = f"**{summary(diff)}**"  # our words and numbers only
    if diff.breaking:
        headline = f"⚠️ {headline}"
    head.append(headline)
    blocks = _blocks(diff)
    full = "\n".join([*head, *(line for heading, lines in blocks for line in ["", heading, "", *lines]), ""])
    if comment_length(full) <= limit:
        return full
    return _folded(head, blocks, limit)


def _folded(head: list[str], blocks: list[tuple[str, list[str]]], limit: int) -> str:
    reserve = 400  # the <details> wrapper and the closing line, with room to spare
    out = list(head)
    size = comment_length("\n".join(out)) + 1
    total_items = sum(len(lines) for _, lines in blocks)
    shown = 0
    pending = [(heading, line) for heading, lines in blocks for line in lines]
    position = 0
    current: str | None = None

    def emit(heading: str, line: str, target: list[str], budget: int) -> bool:
        nonlocal size, current
        extra = ["", heading, "", line] if heading != current else [line]
        cost = sum(comment_length(text) + 1 for text in extra)
        if size + cost > budget:
            return False
        target += extra
        size += cost
        current = heading
        return True

    while position < len(pending) and emit(*pending[position], out, limit // 2):
        position += 1
    shown = position
    if position < len(pending):
        rest = total_items - shown
        sections = len({heading for heading, _ in pending[position:]})
        details = [
            "",
            f"<details><summary>{rest} more change{'s' if rest > 1 else ''} in {sections} "
            f"section{'s' if sections > 1 else ''}</summary>",
        ]
        out += details
        size += sum(comment_length(text) + 1 for text in details)
        current = None
        while position < len(pending) and emit(*pending[position], out, limit - reserve):
            position += 1
        out += ["", "</details>"]
    if position < len(pending):
        left = len(pending) - position
        out += [
            "",
            f"*{left} more change{'s' if left > 1 else ''} not shown (GitHub comments are limited to "
            f"{COMMENT_LIMIT:,} characters); run `mdports diff` to see them all.*",
        ]
    text = "\n".join(out) + "\n"
    assert comment_length(text) <= limit, "the comment budget was miscounted"
    return text
