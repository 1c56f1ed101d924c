"""The drift rules (MP201-MP213): id, name, severity and summary of each.

``RULES`` is the catalogue of this module's rules, in id order; the checks that report them
are in the other modules of :mod:`mdports.deploy.drift`.
"""

from __future__ import annotations

from ...check.findings import Rule

UNDOCUMENTED_PORT = Rule(
    "MP201", "undocumented-port", "warning", "A deployment publishes or scrapes a port the document does not list."
)
PORT_TAKEN = Rule(
    "MP202", "port-taken", "error", "A service is deployed on a port the document gives to another service."
)
PORT_MISMATCH = Rule(
    "MP203", "port-mismatch", "warning", "A service is deployed on a port its entry does not list (and nobody's does)."
)
RESERVED_PORT = Rule("MP204", "reserved-port", "warning", "A deployment uses a port the document marks reserved.")
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

RULES: tuple[Rule, ...] = (
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
