"""Firewall-rule tables: rows that allow or deny traffic to a port, not services listening on it.

``| Action | Port | From |`` with ``ALLOW``/``DENY``, or ``| Type | Port | Source | Purpose |``
with ``0.0.0.0/0`` and ``Your IP only`` in the source column (a cloud security group) say who
may reach a port; the services are in the registry. Such a table is read as firewall rules:
no entries, and ``explain`` says why.
"""

from __future__ import annotations

import re

from ..syntax.document import Table
from .ports import strip_markup
from .vocabulary import normalize_header

ROLE = "firewall"
_VERDICTS = frozenset({"allow", "deny", "accept", "drop", "reject", "permit", "block", "allowed", "denied", "limit"})
_VERDICT_HEADERS = frozenset({"action", "policy", "rule", "verdict", "decision", "target", "allow/deny", "access"})
_PEER_HEADERS = frozenset({"source", "from", "src", "source ip", "allowed from", "source cidr", "cidr", "origin"})
# An address or a network a rule admits: 0.0.0.0/0, 10.0.0.0/8, ::/0, 127.0.0.1, "anywhere", "your ip".
_PEER = re.compile(  # bounded quantifiers: linear under search too
    r"(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:/\d{1,3})?|any(?:where)?|your ip",
    re.I,
)


def firewall_reason(block: Table) -> str | None:
    """Why a table is a table of firewall rules (a column of verdicts, or of peers), or None.

    Only columns whose header names a verdict or a peer are looked at: the usual registry
    costs one look at its header.
    """
    rows = block.body
    for index, header in enumerate(block.header.texts):
        name = normalize_header(header)
        verdict, peer = name in _VERDICT_HEADERS, name in _PEER_HEADERS
        if not rows or not (verdict or peer):
            continue
        cells = [strip_markup(row.texts[index]).lower() for row in rows if index < len(row.texts)]
        if verdict and 2 * sum(1 for cell in cells if cell.split(" ")[0] in _VERDICTS) > len(rows):
            return f"column {header.strip()!r} allows or denies: firewall rules, not services"
        if peer and 2 * sum(1 for cell in cells if _PEER.match(cell[:64])) > len(rows):
            return f"column {header.strip()!r} names who may connect: firewall rules, not services"
    return None
