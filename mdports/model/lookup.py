"""The registry: every section, entry and reference a document declares, and the look-ups on them.

Entries by name, by port and by section, the views of one service in several tables, and free
ports (:func:`free_ports`): the queries every layer above asks of the read-only model. The
records it holds (:class:`~mdports.model.registry.Entry`, :class:`~mdports.model.registry.Reference`,
how each table and list was read) are in :mod:`.registry`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from functools import cached_property

from ..errors import NotFoundError, UsageError
from ..readonly import readonly
from ..syntax.document import Document
from . import vocabulary
from .names import fold_name, mixed_script_confusable, name_words, skeleton
from .ports import MAX_PORT, PortRange, strip_markup
from .registry import Directive, Entry, ListReading, Reference, RegistryTable, TableReading, service_name
from .sections import Section, resolve_section
from .vocabulary import Vocabulary


@readonly(slots=False)  # the cached indexes below live in the instance dict
class Registry:
    """The port registry a document declares. Read-only; derive it again after an edit."""

    document: Document
    sections: tuple[Section, ...]
    tables: tuple[RegistryTable, ...]
    entries: tuple[Entry, ...]
    references: tuple[Reference, ...]
    directives: tuple[Directive, ...]
    readings: tuple[TableReading, ...] = ()
    vocabulary: Vocabulary = field(default=vocabulary.DEFAULT, compare=False, repr=False)  # how it was read
    lists: tuple[ListReading, ...] = ()  # every list with port-looking numbers, read or not
    listed: tuple[Entry, ...] = ()  # the running entries read from lists (``table`` is their list)
    # List items that show a table's entry again (by index in ``listed``): that entry (.list_views).
    listed_views: Mapping[int, Entry] = field(default_factory=dict, compare=False, repr=False)

    @property
    def path(self) -> str | None:
        return self.document.path

    @cached_property
    def every_entry(self) -> tuple[Entry, ...]:
        """Table rows and list items, both layers: what checks, listings and diffs see."""
        return self.entries + self.listed if self.listed else self.entries

    @cached_property
    def has_running(self) -> bool:
        """True when the document says what runs (a list of running ports, a Host column)."""
        return bool(self.listed) or any(table.layer == "running" for table in self.tables)

    def named(self, name: str) -> tuple[Entry, ...]:
        """Every entry of a service in both layers: table rows first, then list items."""
        folded = service_name(name).casefold()
        return tuple(e for e in self.every_entry if e.service is not None and e.service.casefold() == folded)

    def running_on(self, key: str) -> tuple[Entry, ...]:
        """The running entries holding port ``key`` (digits), on any host."""
        digits = key.strip()
        if not (digits.isdigit() and digits.isascii() and len(digits) <= 5):
            return ()
        port = int(digits)
        return tuple(e for e in self.listed if port in e.ports)

    @cached_property
    def accepts(self) -> tuple[Directive, ...]:
        """The ``accept`` directives: inline exceptions."""
        return tuple(directive for directive in self.directives if directive.verb == "accept")

    @cached_property
    def by_name(self) -> Mapping[str, tuple[Entry, ...]]:
        """Assigned entries by service name in any spelling (:func:`~mdports.model.names.fold_name`)."""
        names: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if entry.service is not None:
                names.setdefault(fold_name(entry.service), []).append(entry)
        return {name: tuple(found) for name, found in names.items()}

    @cached_property
    def ascii_names(self) -> bool:
        """Whether every name is ASCII: all Latin then, so no two are mixed-script confusables."""
        return all(name.isascii() for name in self.by_name)

    @cached_property
    def by_skeleton(self) -> Mapping[str, tuple[str, ...]]:
        """The names of :attr:`by_name` by UTS #39 skeleton: names in one group look alike."""
        groups: dict[str, list[str]] = {}
        for name in self.by_name:
            groups.setdefault(skeleton(name), []).append(name)
        return {key: tuple(names) for key, names in groups.items()}

    def look_alike(self, name: str, besides: Entry | None = None) -> Entry | None:
        """The first entry (but ``besides``) whose name looks like ``name`` in another script, or None.

        ``mana-аuth`` with a Cyrillic а looks like ``mana-auth``: see
        :func:`~mdports.model.names.mixed_script_confusable`.
        """
        key = fold_name(name)
        if key.isascii() and self.ascii_names:
            return None  # the usual case, decided without the Unicode tables
        for other in self.by_skeleton.get(skeleton(key), ()):
            found = self.by_name[other][0]
            if found is not besides and mixed_script_confusable(key, other):
                return found
        return None

    @cached_property
    def by_port(self) -> Mapping[int, tuple[Entry, ...]]:
        """Every entry (assigned or placeholder) holding each port."""
        ports: dict[int, list[Entry]] = {}
        for entry in self.entries:
            for span in entry.spans:
                for port in span:
                    ports.setdefault(port, []).append(entry)
        return {port: tuple(found) for port, found in ports.items()}

    def assigned_ports(self) -> set[int]:
        return {port for port, found in self.by_port.items() if any(e.service for e in found)}

    def entry(self, key: str) -> Entry:
        """The entry named ``key``, or the assigned entry holding port ``key``."""
        found = self.by_name.get(fold_name(service_name(key)))
        if found:
            return found[0]
        digits = key.strip()
        if digits.isdigit() and digits.isascii():
            number = int(digits) if len(digits) <= 9 else MAX_PORT + 1
            if not 1 <= number <= MAX_PORT:
                shown = digits if len(digits) <= 12 else digits[:8] + "..."
                raise UsageError(f"port {shown} is out of range: ports are 1..{MAX_PORT}", path=self.path)
            holders = self.by_port.get(number, ())
            assigned = [entry for entry in holders if entry.service] or list(holders)
            if assigned:
                return assigned[0]
            raise NotFoundError(f"port {number} is not in the registry", path=self.path)
        raise NotFoundError(f"no entry named {key!r}", path=self.path, hint=self._suggest(key))

    def _suggest(self, key: str) -> str:
        """Close names: those that begin with ``key`` (``minio`` -> ``minio (S3 API)``), then look-alikes."""
        import difflib

        folded = fold_name(key.strip())
        names = [entries[0].service or "" for entries in self.by_name.values()]
        starting = [name for name in names if folded and fold_name(name).startswith(folded)]
        # Look-alikes of the whole name or of its first word (`minoi` -> `minio (Console)`).
        stems: dict[str, list[str]] = {}
        for name in names:
            for stem in {fold_name(name), fold_name(name).split(" (")[0]}:
                stems.setdefault(stem, []).append(name)
        close = difflib.get_close_matches(folded, list(stems), n=3)
        found = list(dict.fromkeys([*starting, *(name for stem in close for name in stems[stem])]))[:5]
        return f"did you mean {', '.join(found)}?" if found else "`mdports list` shows every entry"

    def references_to(self, entry: Entry) -> tuple[Reference, ...]:
        """Cross-references that point at ``entry`` by name or by one of its ports."""
        name = fold_name(entry.service or "")
        ports = set(entry.ports)
        return tuple(ref for ref in self.references if fold_name(ref.service) == name or (ref.port in ports and name))

    @cached_property
    def blocks(self) -> frozenset[PortRange]:
        """The blocks range tables and tables of allocation blocks give out (``5000-5099 | Acme Shop``)."""
        return frozenset(span for reading in self.readings for span, _, _ in reading.ranges)

    def seen_twice(self, first: Entry, entry: Entry) -> bool:
        """Whether ``entry`` is ``first`` seen again in another table (a second view): not a clash.

        A quick-reference table, a table of URLs or tunnels, a status table, or a table of one
        service's ports under a heading naming it (``#### Auth Service`` holding ``| 50051 | grpc |``)
        shows an entry again with other cells. Its identity is its name, with the heading it is
        under: one holds the other's words (``n8n`` and ``n8n UI``; ``grpc`` under ``Auth Service``
        and ``auth-service``). Two rows of one table are never one entry seen twice.
        """
        if first.table == entry.table or first.source != entry.source or not (first.service and entry.service):
            return False
        if fold_name(first.service) == fold_name(entry.service):
            return True
        if self._holds(entry, first.service) or self._holds(first, entry.service):
            return True
        # A record (model.key_value) under `## MediaMTX` / `### HLS` describes a part of MediaMTX:
        # a row naming MediaMTX on its port is the same listener.
        return first.source == "table" and any(
            self._holds(other, self.sections[section].title)
            for record, other in ((first, entry), (entry, first))
            if self.tables[record.table].record
            for section in self._enclosing(record.section)
        )

    def _enclosing(self, index: int) -> Iterator[int]:
        """The sections enclosing section ``index`` (its headings above it)."""
        parent = self.sections[index].parent
        while parent is not None:
            yield parent
            parent = self.sections[parent].parent

    @cached_property
    def views(self) -> Mapping[int, tuple[Entry, ...]]:
        """The second views of each entry (by index): later rows of other tables that are it seen again.

        Their cells join the entry: the URL, tunnel or status a second table adds (``show``, and
        ``views`` in ``list --format json``). Worked out on first use only, for the outputs.
        """
        found: dict[int, list[Entry]] = {}
        for entry in self.entries:
            if entry.service is None:
                continue
            # The first few ports and holders only: a view shows its entry on its first ports, and
            # thousands of rows on one port must not make this quadratic.
            first = next(
                (
                    holder
                    for port in entry.ports[:64]
                    for holder in self.by_port.get(port, ())[:16]
                    if holder.index < entry.index
                    and holder.service
                    and self._one_namespace(holder, entry)
                    and self.seen_twice(holder, entry)
                ),
                None,
            )
            if first is not None:
                found.setdefault(first.index, []).append(entry)
        return {index: tuple(entries) for index, entries in found.items()}

    @cached_property
    def first_views(self) -> Mapping[int, Entry]:
        """For each second view (by index), the entry it shows again."""
        return {view.index: self.entries[index] for index, views in self.views.items() for view in views}

    def _one_namespace(self, first: Entry, entry: Entry) -> bool:
        """Whether two table rows hold their ports in one place: one host, one kind of port (not dev beside prod)."""
        kinds = self.tables[first.table].port_kind, self.tables[entry.table].port_kind
        return first.host == entry.host and kinds[0] == kinds[1]

    def view_cells(self, view: Entry) -> dict[str, str]:
        """The cells a second view adds to the entry it shows again: those under headers the entry's
        own table does not have, but its port and name (a URL, a tunnel, a status)."""
        first = self.first_views.get(view.index)
        if first is None or view.source != "table":
            return {}
        table = self.tables[view.table]
        known = {vocabulary.normalize_header(header) for header in first.cells}
        skip = {table.headers[table.port_column], *(table.headers[i] for i in (table.service_column,) if i is not None)}
        return {
            header: text
            for header, text in view.cells.items()
            if text.strip() and header not in skip and vocabulary.normalize_header(header) not in known
        }

    def _holds(self, entry: Entry, name: str) -> bool:
        """Whether ``entry``'s name with its heading holds every word of ``name`` (or of one of its ``a / b``),
        or of ``name`` without its last note in parentheses."""
        own = name_words(_named(entry.service or "")) | name_words(self.sections[entry.section].title)
        names = [name]
        if name.endswith(")") and name.rfind("(") > 0:
            # A note is no part of the identity: `FitterMe (ecosystem health)` is held by `FitterMe Frontend`.
            # One note only, and no recursion: a name of a thousand notes must not be quadratic.
            names.append(name[: name.rfind("(")])
        return any(words and words <= own for one in names for words in map(name_words, _named(one).split(" / ")))

    def shares_listener(self, first: Entry, entry: Entry, port: int) -> bool:
        """Whether two entries on ``port`` reach it as routes of one listener: a proxy's port they share.

        ``81 | /webmail/`` beside ``81 | /rspamd/``, or ``https://grafana.example.org`` beside
        ``https://argocd.example.org``: each row names its own path or virtual host (a Path, URL or
        Domain column), so the port is the proxy's, not a clash; so is the port of a URL to a
        virtual host (``https://grafana.example.org`` on 443) beside the proxy's own row. A URL to
        ``localhost`` or an address reaches the port directly: it is no route.
        """
        ours, theirs = _route(first, port), _route(entry, port)
        if ours and theirs and ours != theirs:
            return True
        return any(route is not None and route[0] for route in (ours, theirs))

    @cached_property
    def _range_index(self) -> _RangeIndex:
        return _RangeIndex(self.sections)

    def section_holding(self, port: int) -> Section | None:
        """The section with the narrowest declared range holding ``port`` (the first of equals)."""
        index = self._range_index.holder(port)
        return self.sections[index] if index is not None else None

    def section(self, selector: str, option: str = "--range") -> Section:
        """Resolve a ``--range`` value: ``3010-3019``, a port, a slug or an abbreviation.

        Raises :class:`UsageError` listing the candidates when the value is unknown or
        ambiguous.
        """
        return resolve_section(self.sections, selector, self.path, option)


def _named(name: str) -> str:
    """A name without a note naming its proxy: ``vaultwarden (behind caddy)`` is not caddy seen again."""
    if name.endswith(")") and vocabulary.port_side(name[name.rfind("(") :]) == "proxy":
        return name[: name.rfind("(")]
    return name


def _route(entry: Entry, port: int) -> tuple[str, str] | None:
    """The virtual host and path by which a Path or URL cell of ``entry`` reaches ``port``, or None.

    A path (``/webmail/``) is a route on the row's port; a URL is one only where its port is
    ``port`` (``https://grafana.example.org`` on 443) and its host a name: a URL to ``localhost``
    or an address reaches the port directly, and one on another port names the proxy in front.
    """
    for header, text in entry.cells.items():
        if vocabulary.normalize_header(header) not in vocabulary.ROUTE_HEADERS:
            continue
        cell = strip_markup(text)
        if cell.startswith("/"):
            return ("", cell.rstrip("/") or "/")
        if "://" not in cell:
            continue
        from .addresses import url_route  # loads with a table of routes only (start-up: most registries have none)

        route = url_route(cell)
        if route is not None and route[1] == port:
            return (route[0], route[2])
    return None


class _RangeIndex:
    """Which section's declared range holds a port: bisect plus a running maximum, O(log n) typical."""

    def __init__(self, sections: Iterable[Section]) -> None:
        declared = sorted((s.declared.lo, s.declared.hi, s.index) for s in sections if s.declared)
        self._ranges = declared
        self._los = [lo for lo, _, _ in declared]
        self._max_hi: list[int] = []
        for _, hi, _ in declared:
            self._max_hi.append(max(hi, self._max_hi[-1]) if self._max_hi else hi)

    def holder(self, port: int) -> int | None:
        """The section with the narrowest declared range holding ``port`` (the first of equals)."""
        best: tuple[int, int] | None = None
        index = bisect.bisect_right(self._los, port) - 1
        while index >= 0 and self._max_hi[index] >= port:
            lo, hi, section = self._ranges[index]
            if hi >= port and (best is None or (hi - lo, section) < best):
                best = (hi - lo, section)
            index -= 1
        return best[1] if best else None


# Free ports: the entries holding a port, and the lowest ports of a section nobody holds.
#
# One definition of "free", as validate counts a port taken (an assigned entry on the same host
# and protocol; a container port holds nothing), so that ``ranges``, ``next-free``, ``add``, the
# port map and the editor's completion agree. A query on the read-only model: edits, output and
# the servers all stand on it.


def holders(
    registry: Registry, port: int, protocols: Sequence[str], skip: Entry | None = None, host: str | None = None
) -> list[Entry]:
    """Entries holding ``port`` on ``host``, as validate counts them (container ports hold nothing)."""
    return [
        entry
        for entry in registry.by_port.get(port, ())
        if entry.service is not None
        and entry is not skip
        and set(entry.protocols) & set(protocols)
        and entry.host == host
        and registry.tables[entry.table].port_kind != "container"
    ]


def free_ports(
    registry: Registry,
    section: Section,
    count: int = 1,
    protocols: Sequence[str] = ("tcp",),
    host: str | None = None,
) -> list[int]:
    """The lowest ``count`` ports of the section's range no assigned entry uses (on ``host``: default the section's)."""
    if section.range is None:
        return []
    host = host if host is not None else section.host
    found = []
    for port in section.range:
        if not holders(registry, port, protocols, host=host):
            found.append(port)
            if len(found) == count:
                break
    return found
