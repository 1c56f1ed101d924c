"""The rules about how the document is read: tables, columns, and mdports comments."""

from __future__ import annotations

from collections.abc import Iterator

from ..files.config import did_you_mean
from ..model.directives import Directive
from ..model.registry import Registry
from ..model.vocabulary import ROLES
from .catalog import BAD_DIRECTIVE, NO_SERVICE_COLUMN, NOTHING_READ, RULE_WORDS, TABLE_NOT_READ, TABLE_ROLE, find_rule
from .findings import Finding

_CONFIGURE = (
    "or name the column with port-columns / service-columns in the configuration; `mdports explain` shows the reading"
)


def check_service_columns(registry: Registry, path: str) -> Iterator[Finding]:
    for table in registry.tables:
        if table.service_column is None and not table.record:  # a record's name is a row or its heading
            yield Finding(
                NO_SERVICE_COLUMN,
                path,
                table.line,
                1,
                f"table has a port column ({table.headers[table.port_column]!r}) but no service column; "
                f"its rows are not read (headers are {', '.join(repr(h) for h in table.headers)})",
                f"name a column 'Service' (or 'Name'), {_CONFIGURE}",
                (),
                table.section,
            )


def check_table_roles(registry: Registry, path: str) -> Iterator[Finding]:
    """Never pass silently: every table whose header names a port is read, or says why not."""
    no_service = {table.block for table in registry.tables if table.service_column is None}
    for reading in registry.readings:
        if reading.role in ("registry", "other", "unnamed", "reference", "firewall") or reading.block in no_service:
            # Read, not about ports, reported by MP006 (a port column but no service column), or
            # numbers that may be ports (said by MP110 when nothing else is read, and by explain).
            continue
        if reading.role == "unread":
            yield Finding(
                TABLE_NOT_READ,
                path,
                reading.line,
                1,
                f"table is not read: {reading.reason}",
                f"name the port column 'Port' (or 'Host Port', 'Default Port', ...) {_CONFIGURE}",
                (),
                reading.section,
            )
            continue
        yield Finding(
            TABLE_ROLE,
            path,
            reading.line,
            1,
            f"table is read as {ROLES[reading.role]} ({reading.reason}); its rows are not registry entries",
            "nothing to do if that is right; `mdports explain` shows how each table is read",
            (),
            reading.section,
        )


def check_something_read(registry: Registry, path: str) -> Iterator[Finding]:
    """A document with port tables of which not one row is read fails, saying why per table."""
    if registry.tables:
        # A registry table is read (an empty one too: a registry with no entries yet), or
        # MP006 (an error) already says why one is not.
        return
    # A reference of well-known ports is read (as what it is): a document of them is not empty.
    unread = [
        r
        for r in registry.readings
        if (r.mentions_port and r.role not in ("other", "reference", "firewall")) or r.role == "unnamed"
    ]
    if not unread:
        return
    why = "; ".join(f"line {r.line}: {ROLES[r.role]} ({r.reason})" for r in unread[:3])
    more = f" (and {len(unread) - 3} more)" if len(unread) > 3 else ""
    yield Finding(
        NOTHING_READ,
        path,
        unread[0].line,
        1,
        f"no registry row is read from this document: {why}{more}",
        f"give each port table a port column and a service column ('Port', 'Service'), {_CONFIGURE}",
        (),
        unread[0].section,
    )


def check_directives(registry: Registry, path: str) -> Iterator[Finding]:
    """MP111: a mdports comment that would be silently ignored (a typo in the verb or a rule)."""

    def finding(directive: Directive, message: str, hint: str) -> Finding:
        return Finding(BAD_DIRECTIVE, path, directive.line, 1, message, hint, directive.ports, directive.section)

    for directive in registry.directives:
        if directive.verb != "accept":
            yield finding(
                directive,
                f"unknown mdports directive {directive.verb!r}{did_you_mean(directive.verb, ['accept'])}",
                "the one directive is <!-- mdports: accept RULE [PORT ...] -- reason -->",
            )
        elif not directive.rules:
            yield finding(directive, "this accept names no rule", "name the rule: <!-- mdports: accept MP101 4400 -->")
        for word in directive.rules if directive.verb == "accept" else ():
            if find_rule(word) is None:
                yield finding(
                    directive,
                    f"accept names unknown rule {word!r}{did_you_mean(word, RULE_WORDS)}",
                    "`mdports rules` lists every rule id and name",
                )
