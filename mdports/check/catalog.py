"""Every rule mdports can report, found by id (``MP101``) or name (``port-out-of-range``).

The document rules live in :mod:`mdports.check.rules`, the deployment rules in :mod:`mdports.deploy.drift`;
this is the one place that knows both, so configuration, directives and SARIF output name
rules the same way. The drift rules are loaded only when a name is not a document rule,
so that ``validate`` does not import the deployment readers.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import UsageError
from .findings import Rule


def document_rules() -> tuple[Rule, ...]:
    """The rules ``validate`` runs."""
    from .rules import RULES

    return RULES


def all_rules() -> tuple[Rule, ...]:
    """Every rule, document and deployment ones, ordered by id."""
    from ..deploy.drift import RULES as DRIFT_RULES

    return tuple(sorted({*document_rules(), *DRIFT_RULES}, key=lambda rule: rule.id))


def find_rule(word: str) -> Rule | None:
    """The rule whose id or name is ``word``, or None."""
    for rules in (document_rules, all_rules):
        for rule in rules():
            if word in (rule.id, rule.name):
                return rule
    return None


def check_rule_names(words: Iterable[str], key: str, path: str | None) -> None:
    """Raise a :class:`UsageError` naming ``key`` for the first word that is no rule."""
    from ..files.config import did_you_mean

    for word in words:
        if find_rule(word) is None:
            choices = [name for rule in all_rules() for name in (rule.id, rule.name)]
            raise UsageError(
                f"{key}: unknown rule {word!r}{did_you_mean(word, choices)}",
                path=path,
                hint="`mdports rules` lists every rule id and name",
            )
