"""Every rule mdports can report, in one catalogue: id, name, severity, summary, fix and explanation.

Each rule is declared once, in the module of its family: :mod:`.entry_rules` (MP001-MP007 and the
known-risky ports MP115-MP119), :mod:`.structure_rules` (MP101-MP114), :mod:`.deployment_rules`
(MP201-MP213) and :mod:`.live_rules` (MP301-MP307). This module is the one list of them all
(:data:`DOCUMENT_RULES`, :data:`DEPLOYMENT_RULES`, :data:`LIVE_RULES`, :data:`ALL_RULES`) and
finds a rule by id (``MP101``) or name (``port-out-of-range``) the same way everywhere:
configuration, inline directives, ``mdports rules`` and SARIF output. ``fix`` says whether
``--fix`` has a remedy for the rule's findings (``safe``: the registry means the same
afterwards; ``unsafe``: it says something else, such as an entry moved off a taken port);
the remedies themselves are in :mod:`mdports.fixes.fixers` and :mod:`mdports.deploy`. The
checks that report the document rules are in :mod:`mdports.rules.validation`, those of the
deployment rules in :mod:`mdports.deploy.drift`; this module imports neither. Those tables
are keyed by the rules' constants, never by id strings, and tests/test_catalog.py checks that
they cover the catalogue.

Each explanation (what the rule checks, why it matters, an example, how it is fixed and
whether that is safe) is what ``mdports rules ID`` prints; ``docs/rules.md``, the fixes
table of ``docs/validate.md`` and the schemas' rule ids are generated from this module by
``tools/generate_docs.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import UsageError, did_you_mean
from .deployment_rules import (
    DUPLICATE_HOST_PORT,
    DUPLICATE_HOSTNAME,
    PORT_MISMATCH,
    PORT_TAKEN,
    RESERVED_PORT,
    SCRAPE_PORT_TAKEN,
    SCRAPE_PUBLISHED_PORT,
    UNDEPLOYED_SERVICE,
    UNDOCUMENTED_PORT,
    UNLISTENED_PORT,
    UNMATCHED_NAME,
    UNREADABLE_PORT,
    WRONG_HOST,
)
from .entry_rules import (
    BROKEN_REFERENCE,
    DUPLICATE_PORT,
    DUPLICATE_SERVICE,
    DYNAMIC_PORT,
    EPHEMERAL_PORT,
    EXCLUDED_PORT,
    KUBERNETES_PORT_NAME,
    MALFORMED_PORT,
    MALFORMED_PROTOCOL,
    MALFORMED_RANGE,
    NO_SERVICE_COLUMN,
    OS_SERVICE_PORT,
)
from .findings import Rule
from .live_rules import (
    HOST_SILENT,
    NOT_LISTENING,
    PORT_CLOSED,
    PREFLIGHT_TAKEN,
    RESERVED_LISTENER,
    UNDOCUMENTED_LISTENER,
    UNEXPECTED_HOLDER,
)
from .structure_rules import (
    BAD_DIRECTIVE,
    CELL_COUNT,
    CONFUSABLE_SERVICE,
    EMPTY_SERVICE,
    FOREIGN_RANGE,
    NOTHING_READ,
    OUT_OF_RANGE,
    OVERLAPPING_RANGES,
    PLACEHOLDER_OVERLAP,
    RUNNING_DIFFERS,
    TABLE_NOT_READ,
    TABLE_ROLE,
    UNSORTED_ROWS,
    UNUSED_ACCEPT,
)

# The rules ``validate`` runs, by id.
DOCUMENT_RULES: tuple[Rule, ...] = (
    DUPLICATE_PORT,
    DUPLICATE_SERVICE,
    MALFORMED_PORT,
    BROKEN_REFERENCE,
    MALFORMED_RANGE,
    NO_SERVICE_COLUMN,
    MALFORMED_PROTOCOL,
    OUT_OF_RANGE,
    OVERLAPPING_RANGES,
    PLACEHOLDER_OVERLAP,
    UNSORTED_ROWS,
    CELL_COUNT,
    FOREIGN_RANGE,
    EMPTY_SERVICE,
    TABLE_ROLE,
    TABLE_NOT_READ,
    NOTHING_READ,
    BAD_DIRECTIVE,
    UNUSED_ACCEPT,
    CONFUSABLE_SERVICE,
    RUNNING_DIFFERS,
    EPHEMERAL_PORT,
    DYNAMIC_PORT,
    OS_SERVICE_PORT,
    EXCLUDED_PORT,
    KUBERNETES_PORT_NAME,
)


# The rules ``drift`` runs, by id.
DEPLOYMENT_RULES: tuple[Rule, ...] = (
    UNDOCUMENTED_PORT,
    PORT_TAKEN,
    PORT_MISMATCH,
    RESERVED_PORT,
    DUPLICATE_HOST_PORT,
    UNDEPLOYED_SERVICE,
    UNMATCHED_NAME,
    SCRAPE_PUBLISHED_PORT,
    UNREADABLE_PORT,
    SCRAPE_PORT_TAKEN,
    UNLISTENED_PORT,
    DUPLICATE_HOSTNAME,
    WRONG_HOST,
)


# The rules ``live`` runs, by id.
LIVE_RULES: tuple[Rule, ...] = (
    NOT_LISTENING,
    UNDOCUMENTED_LISTENER,
    UNEXPECTED_HOLDER,
    RESERVED_LISTENER,
    PORT_CLOSED,
    HOST_SILENT,
    PREFLIGHT_TAKEN,
)


# Every rule, document, deployment and live ones, ordered by id.
ALL_RULES: tuple[Rule, ...] = (*DOCUMENT_RULES, *DEPLOYMENT_RULES, *LIVE_RULES)
_BY_WORD: dict[str, Rule] = {word: rule for rule in ALL_RULES for word in (rule.id, rule.name)}
# Every id and name, each rule's id before its name: what a did-you-mean chooses from.
RULE_WORDS: tuple[str, ...] = tuple(_BY_WORD)


def find_rule(word: str) -> Rule | None:
    """The rule whose id or name is ``word``, or None."""
    return _BY_WORD.get(word)


def check_rule_names(words: Iterable[str], key: str, path: str | None) -> None:
    """Raise a :class:`UsageError` naming ``key`` for the first word that is no rule."""
    for word in words:
        if find_rule(word) is None:
            raise UsageError(
                f"{key}: unknown rule {word!r}{did_you_mean(word, RULE_WORDS)}",
                path=path,
                hint="`mdports rules` lists every rule id and name",
            )


# Where each rule is explained: a diagnostic links to it (the language server's codeDescription).
RULE_DOCS = "https://github.com/OWNER/mdports/blob/main/docs/rules.md"


def rule_url(rule: Rule) -> str:
    """The documentation of ``rule``: ``.../docs/rules.md#mp101-port-out-of-range``."""
    return f"{RULE_DOCS}#{rule.id.lower()}-{rule.name}"  # the heading "MP101 port-out-of-range"
