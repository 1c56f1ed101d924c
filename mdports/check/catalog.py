"""Every rule mdports can report, in one catalogue: id, name, severity, summary and fix.

Rules are found by id (``MP101``) or name (``port-out-of-range``) the same way everywhere:
configuration, inline directives, ``mdports rules`` and SARIF output. ``fix`` says whether
``--fix`` has a remedy for the rule's findings (``safe``: the registry means the same
afterwards; ``unsafe``: it says something else, such as an entry moved off a taken port);
the remedies themselves are in :mod:`mdports.check.fixes` and :mod:`mdports.deploy`. The
checks that report the document rules are in :mod:`mdports.check.rules`, those of the
deployment rules in :mod:`mdports.deploy.drift`; this module imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import UsageError
from .findings import Rule

DUPLICATE_PORT = Rule(
    "MP001", "duplicate-port", "error", "A port (per protocol) is assigned to two entries.", fix="unsafe"
)
DUPLICATE_SERVICE = Rule("MP002", "duplicate-service", "error", "The same service name appears twice.")
MALFORMED_PORT = Rule(
    "MP003", "malformed-port", "error", "A port cell is empty, not a number, 0, above 65535 or a reversed span."
)
BROKEN_REFERENCE = Rule(
    "MP004",
    "broken-reference",
    "error",
    "A cross-reference names a port that is unassigned or belongs to another service.",
)
MALFORMED_RANGE = Rule(
    "MP005", "malformed-range", "error", "A heading declares a range that cannot be read or is reversed."
)
NO_SERVICE_COLUMN = Rule("MP006", "no-service-column", "error", "A table has a port column but no service column.")
MALFORMED_PROTOCOL = Rule("MP007", "malformed-protocol", "error", "A protocol cell is not tcp, udp or tcp/udp.")
OUT_OF_RANGE = Rule(
    "MP101", "port-out-of-range", "warning", "A port lies outside its section's declared range.", fix="unsafe"
)
OVERLAPPING_RANGES = Rule("MP102", "overlapping-ranges", "warning", "Two sections declare overlapping ranges.")
PLACEHOLDER_OVERLAP = Rule(
    "MP103", "placeholder-overlap", "warning", "A placeholder span covers a port that is assigned.", fix="safe"
)
UNSORTED_ROWS = Rule("MP104", "unsorted-rows", "warning", "A row's port is lower than the row before it.", fix="safe")
CELL_COUNT = Rule(
    "MP105", "cell-count", "warning", "A row has more cells than its header, or fewer and ends with a pipe.", fix="safe"
)
FOREIGN_RANGE = Rule(
    "MP106", "foreign-range", "warning", "A port lies in the declared range of another section.", fix="unsafe"
)
EMPTY_SERVICE = Rule("MP107", "empty-service", "warning", "A row has ports but an empty service cell.")
TABLE_ROLE = Rule(
    "MP108", "not-registry-table", "info", "A table with a port column is read as something else (a change log, ...)."
)
TABLE_NOT_READ = Rule(
    "MP109", "unread-table", "warning", "A table's header names a port, but no column is a port column mdports knows."
)
NOTHING_READ = Rule(
    "MP110", "nothing-read", "error", "The document has port tables, but not one registry row is read from them."
)
BAD_DIRECTIVE = Rule(
    "MP111", "bad-directive", "warning", "An mdports comment has an unknown verb, names no rule or an unknown one."
)
UNUSED_ACCEPT = Rule("MP112", "unused-accept", "warning", "An accept comment matches no finding (like ruff's RUF100).")
CONFUSABLE_SERVICE = Rule(
    "MP113",
    "confusable-service",
    "warning",
    "A service name looks like another one but is written in another script (UTS #39), as mana-\u0430uth with a "
    "Cyrillic \u0430.",
)
RUNNING_DIFFERS = Rule(
    "MP114",
    "running-off-plan",
    "info",
    "A service runs on a port its planned entry does not give it, or has no planned entry.",
)
EPHEMERAL_PORT = Rule(
    "MP115",
    "ephemeral-port",
    "warning",
    "A registry port lies in the Linux ephemeral range (32768-60999, `ephemeral-range`): the kernel may hand it "
    "to an outgoing connection first.",
)
DYNAMIC_PORT = Rule(
    "MP116",
    "dynamic-port",
    "warning",
    "A registry port lies in the IANA dynamic range (49152-65535) but outside the Linux ephemeral range: macOS "
    "and Windows hand it out to outgoing connections.",
)
OS_SERVICE_PORT = Rule(
    "MP117",
    "os-service-port",
    "warning",
    "A registry port is one a common OS service takes on a platform of `platforms` (macOS AirPlay Receiver 5000 and "
    "7000, Windows RDP 3389, ...).",
)
EXCLUDED_PORT = Rule(
    "MP118",
    "windows-excluded-port",
    "warning",
    "With windows in `platforms`, a registry port in a range Windows/Hyper-V excludes from binding "
    "(`windows-excluded-ranges`).",
)
KUBERNETES_PORT_NAME = Rule(
    "MP119",
    "kubernetes-port-name",
    "warning",
    "A Kubernetes port name the document gives is longer than 15 characters or not a valid IANA service name.",
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


# The deployment rules: `drift` reports them (mdports.deploy.drift); `--fix document` and
# `--fix deployment` remedy MP201-MP204 (MP201 with --add-undocumented).
UNDOCUMENTED_PORT = Rule(
    "MP201",
    "undocumented-port",
    "warning",
    "A deployment publishes or scrapes a port the document does not list.",
    fix="unsafe",
)
PORT_TAKEN = Rule(
    "MP202",
    "port-taken",
    "error",
    "A service is deployed on a port the document gives to another service.",
    fix="unsafe",
)
PORT_MISMATCH = Rule(
    "MP203",
    "port-mismatch",
    "warning",
    "A service is deployed on a port its entry does not list (and nobody's does).",
    fix="unsafe",
)
RESERVED_PORT = Rule(
    "MP204", "reserved-port", "warning", "A deployment uses a port the document marks reserved.", fix="unsafe"
)
DUPLICATE_HOST_PORT = Rule(
    "MP205",
    "duplicate-host-port",
    "error",
    "Two compose services of one host publish the same host port (and protocol).",
)
UNDEPLOYED_SERVICE = Rule(
    "MP206", "undeployed-service", "info", "A documented service appears in none of the given deployment files."
)
UNMATCHED_NAME = Rule(
    "MP207",
    "unmatched-name",
    "warning",
    "A compose service matches no entry by name but publishes a port the document gives to one.",
)
SCRAPE_PUBLISHED_PORT = Rule(
    "MP208",
    "scrape-published-port",
    "warning",
    "A scrape target addresses a compose service on its published port instead of its container port.",
)
UNREADABLE_PORT = Rule(
    "MP209", "unreadable-port", "warning", "A port in a deployment file cannot be read (syntax, range, variable)."
)
SCRAPE_PORT_TAKEN = Rule(
    "MP210",
    "scrape-port-taken",
    "warning",
    "A scrape target addresses a compose service on a port it does not list, which the document gives to another.",
)
UNLISTENED_PORT = Rule(
    "MP211",
    "unlistened-port",
    "warning",
    "Traffic goes to a port nothing listens on: a scrape target, probe, tunnel route, traefik router, "
    "Kubernetes targetPort or Ingress backend.",
)
DUPLICATE_HOSTNAME = Rule(
    "MP212",
    "duplicate-hostname",
    "warning",
    "A tunnel routes the same hostname (and path) twice; the second never applies.",
)
WRONG_HOST = Rule(
    "MP213", "wrong-host", "warning", "A service runs on a host other than the one its entry's Host column names."
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


# Every rule, document and deployment ones, ordered by id.
ALL_RULES: tuple[Rule, ...] = (*DOCUMENT_RULES, *DEPLOYMENT_RULES)
_BY_WORD: dict[str, Rule] = {word: rule for rule in ALL_RULES for word in (rule.id, rule.name)}
# Every id and name, each rule's id before its name: what a did-you-mean chooses from.
RULE_WORDS: tuple[str, ...] = tuple(_BY_WORD)


def find_rule(word: str) -> Rule | None:
    """The rule whose id or name is ``word``, or None."""
    return _BY_WORD.get(word)


def check_rule_names(words: Iterable[str], key: str, path: str | None) -> None:
    """Raise a :class:`UsageError` naming ``key`` for the first word that is no rule."""
    from ..files.config import did_you_mean

    for word in words:
        if find_rule(word) is None:
            raise UsageError(
                f"{key}: unknown rule {word!r}{did_you_mean(word, RULE_WORDS)}",
                path=path,
                hint="`mdports rules` lists every rule id and name",
            )
