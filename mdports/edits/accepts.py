"""``validate --add-accepts``: the document's own accept comments for today's findings, like ruff's ``--add-noqa``.

One ``<!-- mdports: accept RULE PORT ... -->`` line per section and rule goes right under the
section's heading, where :func:`mdports.rules.validation.apply_exceptions` looks for it (an
accept covers its section). Only those lines are added; the edit is verified before any write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..model.registry import Registry
from ..rules.findings import Finding
from ..rules.structure_rules import BAD_DIRECTIVE, UNUSED_ACCEPT
from ..syntax.document import Block, Heading, Html
from .result import Change, Edit

# Accepting these would hide a broken or useless comment, not a known state of the ports.
_NOT_ACCEPTED = {BAD_DIRECTIVE.id, UNUSED_ACCEPT.id}


def add_accepts(registry: Registry, findings: Iterable[Finding]) -> Edit:
    """An edit adding an accept comment under each section heading for its findings.

    A finding outside any heading (the preamble) or of a rule that cannot be accepted is left
    as it is. A rule whose findings have no ports is accepted for the whole section.
    """
    document = registry.document
    wanted: dict[int, dict[str, set[int] | None]] = {}  # section -> rule -> ports (None: all)
    for finding in findings:
        if finding.section is None or finding.rule.id in _NOT_ACCEPTED:
            continue
        section = registry.sections[finding.section]
        if not section.heading:
            continue  # the preamble has no heading to put the comment under
        rules = wanted.setdefault(finding.section, {})
        ports = rules.get(finding.rule.id, set())
        rules[finding.rule.id] = None if ports is None or not finding.ports else ports | set(finding.ports)
    newline = document.newline
    heading_blocks = {
        block.start + 1: index for index, block in enumerate(document.blocks) if isinstance(block, Heading)
    }
    inserted: dict[int, list[Block]] = {}
    changes: list[Change] = []
    for section_index, rules in sorted(wanted.items()):
        section = registry.sections[section_index]
        comments: list[Block] = []
        for rule, ports in sorted(rules.items()):
            listed = " ".join(map(str, sorted(ports or ())))
            text = f"<!-- mdports: accept {rule}{' ' + listed if listed else ''} -->"
            comments.append(Html(0, (text + newline,)))
            changes.append(Change("accept", None, tuple(sorted(ports or ())), section.heading, f"added {text}"))
        inserted[heading_blocks[section.line]] = comments
    blocks: list[Block] = []
    added: set[int] = set()
    line = 0
    for index, block in enumerate(document.blocks):
        blocks.append(block)
        line += block.line_count
        for comment in inserted.get(index, ()):
            blocks.append(comment)
            added.add(line)
            line += 1
    after = dataclasses.replace(document, blocks=tuple(blocks)).replace_blocks({})
    added_lines = frozenset(added)
    return Edit(document, after, tuple(changes), (), frozenset(), added_lines, registry=registry, scope=frozenset())
