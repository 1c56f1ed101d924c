"""The rule catalogue as people and programs read it: a listing, one rule in full, JSON records.

``mdports rules`` prints these, and ``tools/generate_docs.py`` writes ``docs/rules.md`` from
the same functions, so the terminal and the site say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from textwrap import dedent

from ..records import RuleRecord
from ..rules.findings import Rule

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
