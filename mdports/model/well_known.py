"""What is read but is not the registry's: reference tables of well-known ports, firewall rules, divider rows,
ports a document says not to use, ports a firewall opens.

Reference tables of other software's well-known ports: read as a reference, not as the registry.

A pentesting handbook, a NAS vendor's defaults or a wiki page lists ports the team does not
run (``| 22 | SSH |``, ``| 110 | POP3 |``, ``| 5000 | DSM web interface |``). Read as registry
rows they would be dozens of entries and false clashes. A table is a reference when the
evidence is clear:

- a heading above it says so (``Well-known ports``, ``Common ports``, ``Default ports``,
  ``Standard ports``, ``System ports``, ``默认端口``) and at least one of its rows is an IANA
  well-known protocol on its standard port; or
- without such a heading, most of its rows (:data:`_MOST`) are well-known protocols on their
  standard ports, and they are many different ones (:data:`_MANY` ports): a team runs a handful
  of protocols (a mail server's SMTP, IMAP, POP3 and their TLS ports), a reference lists dozens.

Only protocols count (``SSH``, ``SMTP``, ``NTP``), not products (``PostgreSQL``, ``Redis``): a
team's registry lists its databases on their default ports; it rarely lists POP3.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ..syntax.document import Table
from .names import name_words
from .ports import PortSyntaxError, parse_span, strip_markup
from .registry import service_name
from .sections import Section
from .tables import Columns

ROLE = "reference"
_MOST = 2 / 3
_MANY = 12

# IANA service names (and the words people write for them) -> their standard ports.
_STANDARD: Mapping[str, frozenset[int]] = MappingProxyType(
    {
        name: frozenset(ports)
        for names, ports in (
            (("echo",), (7,)),
            (("discard",), (9,)),
            (("daytime",), (13,)),
            (("chargen",), (19,)),
            (("ftp", "ftp-data"), (20, 21)),
            (("ssh", "scp", "sftp"), (22,)),
            (("telnet",), (23,)),
            (("smtp", "smtps", "submission"), (25, 465, 587)),
            (("wins",), (42,)),
            (("whois",), (43,)),
            (("tacacs",), (49,)),
            (("dns", "domain"), (53,)),
            (("dhcp", "bootp", "bootps", "bootpc"), (67, 68)),
            (("tftp",), (69,)),
            (("gopher",), (70,)),
            (("finger",), (79,)),
            (("http", "www"), (80,)),
            (("kerberos",), (88, 464)),
            (("pop3", "pop"), (110,)),
            (("sunrpc", "rpcbind", "portmapper"), (111,)),
            (("ident", "auth"), (113,)),
            (("nntp", "usenet"), (119, 563)),
            (("ntp",), (123,)),
            (("epmap", "msrpc"), (135,)),
            (("netbios", "netbios-ns", "netbios-dgm", "netbios-ssn"), (137, 138, 139)),
            (("imap", "imap4"), (143,)),
            (("snmp", "snmptrap"), (161, 162)),
            (("xdmcp",), (177,)),
            (("bgp",), (179,)),
            (("irc",), (194, 6667)),
            (("ldap",), (389,)),
            (("https",), (443,)),
            (("smb", "cifs", "microsoft-ds"), (139, 445)),
            (("isakmp", "ike", "ipsec"), (500, 4500)),
            (("rexec",), (512,)),
            (("rlogin",), (513,)),
            (("syslog",), (514,)),
            (("lpd", "lpr", "printer"), (515,)),
            (("rip",), (520,)),
            (("afp",), (548,)),
            (("rtsp",), (554,)),
            (("ipp", "cups"), (631,)),
            (("ldaps",), (636,)),
            (("rsync",), (873,)),
            (("ftps",), (989, 990)),
            (("imaps",), (993,)),
            (("pop3s",), (995,)),
            (("socks",), (1080,)),
            (("openvpn",), (1194,)),
            (("l2tp",), (1701,)),
            (("pptp",), (1723,)),
            (("upnp", "ssdp"), (1900,)),
            (("nfs",), (2049,)),
            (("rdp", "ms-wbt-server"), (3389,)),
            (("stun", "turn"), (3478,)),
            (("sip",), (5060, 5061)),
            (("mdns", "bonjour"), (5353,)),
            (("vnc", "rfb"), (5900,)),
            (("xmpp",), (5222, 5269)),
        )
        for name in names
    }
)
_PORTS = frozenset(port for ports in _STANDARD.values() for port in ports)
# Headings that say a table lists ports in general, not the team's: phrases, in a few languages.
_HEADINGS = (
    "well-known port",
    "well known port",
    "common port",
    "commonly used port",
    "default port",
    "standard port",
    "standard-port",
    "standardport",
    "system port",
    "默认端口",
    "常用端口",
    "常见端口",
    "puertos comunes",
    "portas comuns",
)
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def _well_known(port_text: str, service_text: str) -> int | None:
    """The port of a row naming a well-known protocol on its standard port (``22 | SSH/SCP/SFTP``), or None.

    The caller has told the usual row by its port alone (:func:`reference_reason`).
    """
    try:
        port = parse_span(port_text.split("/")[0].split(",")[0]).lo
    except PortSyntaxError:
        return None
    words = _WORD.findall(service_name(service_text).lower()[:200])
    parts = [part for word in words for part in (word, *word.split("-"))]
    return port if any(port in _STANDARD.get(part, ()) for part in parts) else None


def reference_reason(block: Table, columns: Columns, sections: list[Section], section_index: int) -> str | None:
    """Why a table with a port column is a reference of well-known ports, or None.

    The names are in its service column, or, where no header names one (``| Port | What |``),
    in whichever column names the most well-known protocols.
    """
    port_column = columns.port
    if port_column is None:
        return None
    names = [columns.service] if columns.service is not None else range(len(block.header.texts))
    heading = _heading_saying_so(sections, section_index)
    known: list[int] = []
    rows = 0
    for column in names:
        if column == port_column:
            continue
        width = max(port_column, column)
        # Rows too short to hold both cells are left out; the threshold counts every row, so that
        # the usual registry stops after a third of its rows without a list of the rest.
        bound = len(block.body)
        found: list[int] = []
        missed = 0
        for row in block.body:
            t = row.texts
            if len(t) <= width:
                continue
            cell = t[port_column].strip()
            # The usual row, told by its port alone (run on rows of every registry table: no call).
            usual = cell.isdigit() and cell.isascii() and (len(cell) > 5 or int(cell) not in _PORTS)
            port = None if usual else _well_known(t[port_column], t[column])
            if port is not None:
                found.append(port)
                if heading is not None:
                    break  # one row is enough beside such a heading
            else:
                missed += 1
                if heading is None and 3 * missed > bound:
                    break  # more than a third of the rows are not: no reference without a heading (cheap)
        if len(found) > len(known):
            known, rows = found, sum(1 for row in block.body if len(row.texts) > width)
    if not known:
        return None  # the usual registry: no row is SSH on 22
    if heading is not None:
        return f"the heading {heading!r} says it lists ports in general, and it names a well-known protocol"
    if len(known) >= _MOST * rows and len(set(known)) >= _MANY:
        return f"{len(known)} of its {rows} rows are well-known protocols on their standard ports"
    return None


def in_general(text: str) -> bool:
    """Whether ``text`` (a heading, the line above a list) says it names ports in general ("Standard ports")."""
    lowered = text.lower()
    return any(phrase in lowered for phrase in _HEADINGS)


def _heading_saying_so(sections: list[Section], index: int | None) -> str | None:
    """The nearest heading (this section's or an enclosing one) naming ports in general."""
    while index is not None:
        section = sections[index]
        title = section.title.lower()
        if any(phrase in title for phrase in _HEADINGS):
            return section.title
        index = section.parent
    return None


# Firewall-rule tables: rows that allow or deny traffic to a port, not services listening on it.
#
# ``| Action | Port | From |`` with ``ALLOW``/``DENY``, or ``| Type | Port | Source | Purpose |``
# with ``0.0.0.0/0`` and ``Your IP only`` in the source column (a cloud security group) say who
# may reach a port; the services are in the registry. Such a table is read as firewall rules:
# no entries, and ``explain`` says why.

FIREWALL_ROLE = "firewall"
_VERDICTS = frozenset({"allow", "deny", "accept", "drop", "reject", "permit", "block", "allowed", "denied", "limit"})
_VERDICT_HEADERS = frozenset({"action", "policy", "rule", "verdict", "decision", "target", "allow/deny", "access"})
_PEER_HEADERS = frozenset({"source", "from", "src", "source ip", "allowed from", "source cidr", "cidr", "origin"})
# An address or a network a rule admits: 0.0.0.0/0, 10.0.0.0/8, ::/0, 127.0.0.1, "anywhere", "your ip";
# compiled on first use (start-up: docs/benchmarks.md).
_PEER = functools.cache(
    lambda: re.compile(  # bounded quantifiers: linear under search too
        r"(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:/\d{1,3})?|any(?:where)?|your ip",
        re.I,
    )
)


def firewall_reason(block: Table, names: tuple[str, ...]) -> str | None:
    """Why a table is a table of firewall rules (a column of verdicts, or of peers), or None.

    Only columns whose header (of ``names``, as :func:`.tables.read_columns` reads them) names a
    verdict or a peer are looked at: the usual registry costs one look at its header.
    """
    rows = block.body
    headers = block.header.texts
    for index, name in enumerate(names):
        verdict, peer = name in _VERDICT_HEADERS, name in _PEER_HEADERS
        if not rows or not (verdict or peer):
            continue
        cells = [strip_markup(row.texts[index]).lower() for row in rows if index < len(row.texts)]
        if verdict and 2 * sum(1 for cell in cells if cell.split(" ")[0] in _VERDICTS) > len(rows):
            return f"column {headers[index].strip()!r} allows or denies: firewall rules, not services"
        if peer and 2 * sum(1 for cell in cells if _PEER().match(cell[:64])) > len(rows):
            return f"column {headers[index].strip()!r} names who may connect: firewall rules, not services"
    return None


# Divider rows: ``| **Main Services** | | |``, a bold name with every other cell empty.
#
# A long table is often cut into groups by a row that only names the group. It is not an entry
# (no port, no service): it is skipped, and ``explain`` counts it.

_BOLD = ("**", "__")


def is_divider(texts: Sequence[str], name_column: int) -> bool:
    """Whether a row of three cells or more is a bold name (in its name column or first), every other cell empty."""
    if len(texts) < 3:
        return False  # `| | **svc** |`: in two columns, a name alone is a service without a port yet
    name = texts[name_column] if name_column < len(texts) else ""
    if not name.startswith(_BOLD) and not (texts and texts[0].startswith(_BOLD)):
        return False  # the usual row, told at its name cell (run once per row of every table)
    filled = [index for index, text in enumerate(texts) if text.strip()]
    if len(filled) != 1 or filled[0] not in (name_column, 0):
        return False
    text = texts[filled[0]].strip()
    return len(text) > 4 and any(text.startswith(mark) and text.endswith(mark) for mark in _BOLD)


# --- ports a document says not to use -------------------------------------------------------------
# Phrases of a heading that says its table lists ports to keep away from, not ports given out.
# Not "avoid" alone: `## Port plan (avoid conflicts!)` is a registry.
_AVOID = (
    "never use",
    "do not use",
    "don't use",
    "dont use",
    "not to use",
    "must not be used",
    "ports to avoid",
    "avoid these",
    "nicht verwenden",
    "nie verwenden",
    "no usar",
    "nunca usar",
    "ne pas utiliser",
    "不要使用",
    "禁止使用",
    "勿用",
    "사용 금지",
    "사용하지",
)


# Words of a row that says what usually takes a port (`MySQL default`, `Common HTTP alt`,
# `System/Well-known`), not which service of the team runs there.
_USUAL = frozenset(
    {"default", "defaults", "common", "commonly", "standard", "known", "system", "typical", "typically", "usually"}
)


def avoided_reason(block: Table, port_column: int, sections: Sequence[Section], index: int | None) -> str | None:
    """Why a table lists ports to avoid, not assignments, or None.

    Its heading (or an enclosing one) says never to use them, and at least half of its rows say
    what usually takes the port: ``## Reserved system ports (never use)`` above ``| 0-1023 |
    System/Well-known |`` and ``| 5432 | PostgreSQL default |``. Such rows hold no port of the
    registry: they clash with nothing, and a range (``0-1023``) is no malformed assignment.
    ``## Reserved (other running services - do not use)`` above ``| lms | 8080 | LMS |`` lists
    services that run: they stay entries, and their clashes are real.
    """
    heading = _heading_with(sections, index, _AVOID)
    if heading is None or not block.body:
        return None  # the usual table: no heading says not to use its ports
    usual = sum(
        1
        for row in block.body
        if not _USUAL.isdisjoint(name_words(" ".join(text for i, text in enumerate(row.texts) if i != port_column)))
    )
    if 2 * usual < len(block.body):
        return None
    said = f"{usual} of its {len(block.body)} rows say what usually takes them"
    return f"the heading {heading!r} says not to use its ports, and {said}: ports to avoid, not assignments"


# --- ports to open in a firewall ------------------------------------------------------------------
_FIREWALL = ("firewall", "ufw", "iptables", "security group", "방화벽", "防火墙", "防火牆", "cortafuegos", "pare-feu")
# A service column of this rank or worse names what a port is for (`Required for`, `Used by`,
# `Purpose`), not a service (`Service`, `Name`, `App`, `Container`: 0-3).
_FOR_RANK = 4


def opened_reason(columns: Columns, sections: Sequence[Section], index: int | None) -> str | None:
    """Why a table lists the ports a firewall opens, not services, or None.

    ``## Firewall configuration`` above ``| Port | Required For |`` and ``| 3005 | the frontend
    and its proxy |``: the ports to open for services the registry gives, no listener of their
    own, so no clash with them. A table under such a heading whose column names services
    (``| Port | Service |``, a firewall appliance's own ports) stays the registry's.
    """
    if columns.service is None or (columns.service_rank or 0) < _FOR_RANK:
        return None  # the usual table: its column names services
    heading = _heading_with(sections, index, _FIREWALL)
    if heading is None:
        return None
    said = f"column {columns.names[columns.service]!r} says what each port is for"
    return f"the heading {heading!r} is about a firewall and {said}: ports to open, not listeners"


def _heading_with(sections: Sequence[Section], index: int | None, phrases: Sequence[str]) -> str | None:
    """The nearest heading (this section's or an enclosing one) holding one of ``phrases``."""
    while index is not None:
        section = sections[index]
        lowered = section.title.lower().replace("\u2019", "'")
        if any(phrase in lowered for phrase in phrases):
            return section.title
        index = section.parent
    return None


def not_assigned(block: Table, columns: Columns, sections: Sequence[Section], index: int) -> tuple[str, str] | None:
    """The role and reason of a table whose rows hold no port: ports to avoid, or ports a firewall opens."""
    if columns.port is None:
        return None
    why = avoided_reason(block, columns.port, sections, index)
    if why is not None:
        return "reference", why
    why = opened_reason(columns, sections, index)
    return ("firewall", why) if why is not None else None
