"""Port and name columns known by their content, where no header names them.

A person reads ``| coin | blockbook public | blockbook internal |`` or ``| Service | mac | Linux |
Docker |`` at a glance: the columns of port numbers are ports (one entry per row, each port with
its column's header as its role), the column of names is the service. mdports reads
them the same way, but only where the cells leave no doubt, since a column of counts, years,
sizes or IDs looks the same at a glance:

- the header is no word of a quantity (:data:`.column_cells.QUANTITY_HEADERS`, in several languages);
- (nearly) every filled cell is a port value (numbers 1-65535, spans, lists, with their notes),
  none with a decimal point, a percent or a currency;
- the values are plausible ports: not all small (1-100), not a run of years;
- every unnamed column of plain numbers in the table passes: a table whose other number
  column is a count is a table of quantities, not of ports;
- the table has a column of names (its header, or its cells: :func:`name_column`).

The decision is made per table, from its header and its first rows (:data:`.column_cells._SAMPLE`); a table
whose header already names its port and service columns is never looked at.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..syntax.document import Table
from . import vocabulary
from .column_cells import _SAMPLE, _VARIABLE, _WORD, _cell, _Column, _judge, _quantity
from .ports import PortCell, PortRange, strip_markup
from .registry import RegistryTable, TableReading
from .tables import (  # _holds_numbers: the one test of a port column holding numbers
    Columns,
    _holds_numbers,
    header_says_it_all,
)
from .vocabulary import normalize_header

# The rank of a service column known by its content: as strong as a header "used by".
CONTENT_NAME_RANK = 4

_NAMED_HOST = re.compile(r"[^\W\d][\w.-]{0,62}:\d")
_LOCAL = ("localhost", "127.", "0.0.0.0")
_RANGES = frozenset(
    {"range", "ranges", "block", "blocks", "rango", "bereich", "范围", "区间", "диапазон", "範囲", "범위"}
)
_NOTES = frozenset(
    {"note", "notes", "remark", "remarks", "notiz", "notizen", "nota", "notas", "observaciones", "observações"}
    | {"remarque", "remarques", "备注", "注释", "примечание", "примечания", "備考", "비고", "메모"}
)
# Words of a header naming where a port is, not what it is for: each place is a network of its own.
ENVIRONMENT_WORDS = frozenset(
    {"local", "localhost", "dev", "development", "devel", "prod", "production", "staging", "stage", "test", "qa"}
    | {"uat", "preview", "ci", "mac", "macos", "osx", "linux", "windows", "wsl", "docker", "compose", "podman"}
    | {"k8s", "kubernetes", "cluster", "cloud", "vps", "remote", "lokal", "produktion", "entwicklung"}
    | {"desarrollo", "producción", "produccion", "pruebas", "produção", "producao", "本地", "开发", "生产", "测试"}
    | {"ローカル", "本番", "開発", "로컬", "개발", "운영", "локально", "локальный", "прод", "продакшн"}
)


def by_content(block: Table, columns: Columns) -> Columns:
    """The columns, with port and name columns known by their content where no header names them.

    The common registry (a port column holding numbers and a service column) returns at once.
    """
    if header_says_it_all(block, columns):
        return columns  # the usual case
    has_port = columns.port is not None and _holds_numbers(block, columns.port)
    if len(block.body) < 2:
        return columns
    first = f" of the first {_SAMPLE} rows" if len(block.body) > _SAMPLE else ""
    read = columns
    taken = {i for i, _ in columns.ports} | {i for i, _ in columns.transports}
    taken |= {c for c in (columns.service, columns.group, columns.protocol, columns.host) if c is not None}
    found: list[tuple[int, _Column]] = []
    routes = _routes(block, 0, columns.names[0]) if columns.names else False
    for index, name in enumerate(() if routes else columns.names):
        if index in taken or _prose(name):
            continue
        judged = _judge(block, index)
        if not judged.plain() or judged.crowded() or judged.one_port():
            continue  # words, a summary of many services' ports in each cell, or a proxy's one port
        if _quantity(name):
            continue  # a named quantity: a cell, not a port
        if not judged.plausible():
            if 2 * judged.bare >= judged.ports:
                return columns  # an unnamed column of counts or years: the table is about quantities
            continue  # labels with a number (``Track3``): not ports, and no quantities either
        found.append((index, judged))
    said: list[str] = []
    if found:
        block_column = _block(found)
        ports = [(i, judged) for i, judged in found if i != block_column and not _words_in(columns.names[i], _RANGES)]
        forwarded = bool(ports) and all(_transported(block, i) for i, _ in ports)
        if all(judged.wide() for _, judged in ports) and not forwarded:
            return columns  # spans only: a table of ranges or blocks, not of the ports that run (but a forward)
        joined, views = _environments([i for i, _ in ports], columns.names)
        # Beside the entry's own port, a column of ports several rows share is a view (their backend).
        shared = {i for i, judged in ports if judged.repeats() or _repeats(block, i)}
        own = 0 if has_port else 1  # the known port column, else the first column, is the entry's port
        joined, views = (
            joined[:own] + tuple(i for i in joined[own:] if i not in shared),
            views + tuple(i for i in joined[own:] if i in shared),
        )
        if has_port and joined and columns.port is not None and _repeats_anywhere(block, columns.port):
            # The known port column is shared too: the first port column of the entry's own is its port.
            read = replace(read, port=joined[0], port_kind="current")
            joined, views = joined[1:], (*views, columns.port)
        for index, judged in found:
            header, total = block.header.texts[index].strip(), judged.ports + judged.others
            said.append(f"column {header!r}: {judged.ports} of {total} filled cells{first} are port numbers")
        if forwarded and all(judged.wide() for _, judged in ports):
            said.append("its spans name their transport (`/tcp`): ports forwarded as written, not a plan's blocks")
        known = {i for i, _ in read.ports}
        kinds = read.ports + tuple((i, "current") for i in joined + views if i not in known)
        if not has_port:
            stacked = next(judged for i, judged in ports if i == joined[0]).stacked()
            kind = "container" if stacked or _addresses(block, joined[0]) else "current"
            read = replace(read, port=joined[0], port_kind=kind, port_by_content=True)
            joined = joined[1:]
        read = replace(read, ports=kinds, joined=joined, views=views, block_column=block_column)
    elif not has_port:
        return columns
    if read.service is None:
        if len(columns.names) == 2 and found:
            return columns  # two columns, neither named: a key/value table (.key_value), not rows
        named = name_column(block, read, by_content=bool(found))
        if named is None:
            return columns  # no names: not read, and MP006/MP110 say why
        index, count, total, distinct = named
        kind = "distinct names" if distinct == count else f"names, {distinct} distinct"
        said.append(f"column {block.header.texts[index].strip()!r}: {count} of {total} cells{first} are {kind}")
        read = replace(read, service=index, service_rank=CONTENT_NAME_RANK)
    return replace(read, content=tuple(said))


def _repeats_anywhere(block: Table, column: int) -> bool:
    return _judge(block, column).repeats() or _repeats(block, column)


def _repeats(block: Table, column: int) -> bool:
    """Whether a port stands in two rows of the column past the first rows (a long table's later rows)."""
    if len(block.body) <= _SAMPLE:
        return False
    seen: set[PortRange] = set()
    for row in block.body:
        cell = _cell(row.texts[column]) if column < len(row.texts) else None
        for span in cell.spans if cell else ():
            if span in seen:
                return True
            seen.add(span)
    return False


def _addresses(block: Table, column: int) -> bool:
    """Whether most cells address a named host or container (``grafana:3000``): ports in its network.

    A port of ``grafana:3000`` is grafana's own, in its container: two rows on 8080 in two
    containers are no clash, as in a table of container ports. ``localhost:3000`` is no such name.
    """
    cells = [strip_markup(row.texts[column]) for row in block.body[:_SAMPLE] if column < len(row.texts)]
    named = [cell for cell in cells if _NAMED_HOST.match(cell) and not cell.lower().startswith(_LOCAL)]
    return 2 * len(named) > len([cell for cell in cells if cell])


def _routes(block: Table, column: int, name: str) -> bool:
    """Whether the table's first column holds routes (``/grafana/``, ``https://…``): a proxy's map.

    Its other columns address the upstreams (``grafana:3000``), the services' own ports, which
    their own rows register; read by content they would be every service once more.
    """
    if name in vocabulary.ROUTE_HEADERS:
        return True
    cells = [strip_markup(row.texts[column]) for row in block.body[:_SAMPLE] if column < len(row.texts)]
    paths = sum(1 for cell in cells if cell.startswith("/") or "://" in cell)
    return 2 * paths > len(cells)


def _prose(name: str) -> bool:
    """A header over prose, links or routes: its cells may hold a port in a sentence, they list none."""
    return name in vocabulary.DESCRIPTION_HEADERS or name in vocabulary.ROUTE_HEADERS or _words_in(name, _NOTES)


def _transported(block: Table, column: int) -> bool:
    """Whether every sampled value of a column names its transport (``25565-25575/tcp``): ports opened or
    forwarded, written as a firewall or a router takes them, not a block of a plan."""
    cells = [_cell(row.texts[column]) for row in block.body[:_SAMPLE] if column < len(row.texts)]
    return all(cell is not None and cell.protocols for cell in cells if cell is None or cell.spans)


def _words_in(name: str, words: frozenset[str]) -> bool:
    return any(word in words for word in _WORD.findall(name))


def _environments(ports: list[int], names: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The port columns that are the entry's (its roles), and those of other environments (views).

    ``| Frontend | Backend |`` are two ports of one entry; ``| mac | Linux | Docker |`` or ``| Local
    | Prod |`` are one port in several places, each place a network of its own: the first is the
    entry's port, the others are kept as cells (a clash between two services' Docker ports or
    between a local and a production port is none).
    """
    joined: list[int] = []
    views: list[int] = []
    placed = False
    for index in ports:
        if _words_in(names[index], ENVIRONMENT_WORDS):
            if placed:
                views.append(index)
                continue
            placed = True
        joined.append(index)
    return tuple(joined), tuple(views)


def _block(found: list[tuple[int, _Column]]) -> int | None:
    """The column of blocks among the port columns: each value a span holding the row's other ports.

    ``| Port Block | Backend | Frontend |`` with ``7000-7004 | 7000 | 7001``: the block is the
    entry's, it owns the ports inside it; it is not one more port of the entry.
    """
    if len(found) < 2:
        return None
    for index, judged in found:
        if not judged.wide():
            continue
        lo = min(spans[0].lo for spans in judged.spans)
        hi = max(spans[0].hi for spans in judged.spans)
        inside = [span.lo for other, column in found if other != index for spans in column.spans for span in spans]
        if inside and all(lo <= port <= hi for port in inside):
            return index
    return None


def name_column(block: Table, columns: Columns, by_content: bool) -> tuple[int, int, int, int] | None:
    """The column whose cells are names (how many of how many, how many distinct), when no header names one.

    A column of short cells with letters, which are no ports, paths or URLs, mostly distinct unless
    its header is a name word (under ``Exposed by`` a name repeated is one service's ports);
    a header near a name word (``Internal Service``, ``container_name``) first, then the column
    of shorter cells, then the first. A column of ``UPPER_CASE`` variables names the port's
    variable, not its service, when another column holds names. Descriptions, routes and
    purposes are not names. A column whose header is no name word is taken only where it is the
    table's first and the table's ports were known by their content too (``| coin | public |
    internal |``): beside a known port column, such a column is as often a file or a target.
    """
    ports = {i for i, _ in columns.ports} | set(columns.joined)
    if columns.port is not None:
        ports.add(columns.port)
    if columns.block_column is not None:
        ports.add(columns.block_column)
    skip = ports | {c for c in (columns.protocol, columns.host, columns.noted_protocol, columns.group) if c is not None}
    candidates: list[tuple[tuple[int, int, int, int], int, int, int, int]] = []
    for index, name in enumerate(columns.names):
        if index in skip or name in vocabulary.DESCRIPTION_HEADERS or name in vocabulary.ROUTE_HEADERS:
            continue
        if name in vocabulary.PURPOSE_HEADERS or _quantity(name) or _prose(name):
            continue
        cells = [strip_markup(row.texts[index]) for row in block.body[:_SAMPLE] if index < len(row.texts)]
        filled = [cell for cell in cells if cell and cell not in vocabulary.PLACEHOLDER_CELLS]
        names = [cell for cell in filled if _name_like(cell)]
        if len(names) < 2 or 10 * len(names) < 9 * len(filled) or 2 * len(filled) < len(cells):
            continue
        words = _WORD.findall(name.replace("_", " "))
        near = any(vocabulary.SERVICE_HEADERS.get(word, 9) <= 4 for word in words) or words[-1:] == ["by"]
        if not near and not (index == 0 and by_content):
            continue
        if not near and 2 * len(set(names)) < len(names) + 1:
            # Mostly repeated: a kind or a category, not the services. Under a header of names
            # (`Exposed by`) a name repeated is one service's several ports.
            continue
        if any(_key(normalize_header(cell)) for cell in names):
            continue  # keys of a key/value table (``| Port | 8080 |``), not names
        variables = sum(1 for cell in names if _VARIABLE.fullmatch(cell)) == len(names)
        length = sum(len(cell.split()) for cell in names) // len(names)
        candidates.append(((variables, not near, length, index), index, len(names), len(cells), len(set(names))))
    if not candidates:
        return None
    _, index, count, total, distinct = min(candidates)
    return index, count, total, distinct


def _key(cell: str) -> bool:
    """Whether a normalized cell is a header word (``Port``, ``Protocol``, ``Name``): a key, no name."""
    return (
        cell in vocabulary.PORT_WORDS
        or cell in vocabulary.SERVICE_HEADERS
        or cell in vocabulary.PROTOCOL_HEADERS
        or cell in vocabulary.HOST_HEADERS
        or cell in vocabulary.DESCRIPTION_HEADERS
    )


def _name_like(cell: str) -> bool:
    """A cell that can be a service's name: letters, a few words, no path, URL, port or sentence."""
    if not any(c.isalpha() for c in cell) or len(cell) > 60 or len(cell.split()) > 6:
        return False
    if cell.startswith(("/", "http:", "https:")) or "://" in cell:
        return False
    ports = _cell(cell)
    return ports is None or not ports.spans


def joined_ports(
    texts: tuple[str, ...], table: RegistryTable, cell: PortCell
) -> tuple[tuple[PortRange, ...], tuple[str, ...]]:
    """A row's ports in every port column known by its content, each with its column's header as role.

    The registry port's cell comes first, with its own roles (``38316 p2p``) or its header's. A
    row with no port of its own holds its port in another place (``nginx stub_status`` only in
    Docker), or else its block (``*(future)* | 8150-8199 | - | -``): reserved.
    """
    headers, block_column = table.headers, table.block_column
    spans = list(cell.spans)
    roles = list(cell.roles) if cell.roles else [headers[table.port_column].strip()] * len(spans)
    for column in table.joined:
        if column >= len(texts):
            continue
        other = _cell(texts[column])
        if not other or not other.spans:
            continue
        header = headers[column].strip()
        spans.extend(other.spans)
        said = other.roles or ("",) * len(other.spans)
        roles.extend(f"{header} {role}" if role and role.lower() != header.lower() else header for role in said)
    for column in () if spans else (*table.views, *(() if block_column is None else (block_column,))):
        other = _cell(texts[column]) if column < len(texts) else None
        if other and other.spans:
            return other.spans, (headers[column].strip(),) * len(other.spans)
    return tuple(spans), tuple(roles)


def explained(reading: TableReading, columns: Columns) -> TableReading:
    """The reading of a table with columns known by their content: why, and what each such column is."""
    described = []
    for index, (header, what) in enumerate(reading.columns):
        if index in columns.views:
            what = "port in another place, read by its content: kept as a cell"
        elif index in columns.joined:
            what = f"port, read by its content: one more port of the entry (its role {header!r})"
        elif index == columns.port and reading.role == "registry" and columns.joined:
            what = f"{what}, read by its content (its role {header!r})"
        elif index == columns.block_column:
            what = "block, read by its content: the entry's block of ports"
        elif index == columns.service and columns.service_rank == CONTENT_NAME_RANK:
            what = "service, read by its content"
        described.append((header, what))
    return replace(reading, reason=f"{reading.reason}; {'; '.join(columns.content)}", columns=tuple(described))
