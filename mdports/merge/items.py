"""A running list's items across three versions: read as units, paired, and their order merged.

The order of a list's items in a three-way merge: each side's reordering replayed on the other's.

The items both sides kept are numbered in the base's order, so the base reads ``0, 1, 2, ...``
and each side is a permutation of those numbers. A side *moved* the items outside a longest
increasing run of its permutation (the most items it left in their order; found in
O(n log n), so a list of 100,000 items costs no more than reading it):

- one side reordered, the other did not: the reordering is kept;
- both reordered, moving different items: ours is the start, and each item they moved is put
  after the nearest item before it in their list that we did not move (at the top when there
  is none) — so ours' moves and theirs' are both kept;
- both moved one item (to different places): the order is ambiguous; :func:`merged_order`
  returns None and the caller marks a conflict.

Which items a side moved is a reading of its order: a swap of two neighbours moves the first of
them down or the second up, and the longest run decides; every item stays, once.

The units: each list of a version is read as its items (an item's marker line and its
continuation lines, with the running entries it holds: :class:`Unit`); lists and items are
paired with the base's by the entries they hold (:func:`pair_lists`, :func:`pair_units`).
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence

from ..diff.pairing import running_key
from ..model.lookup import Registry
from ..model.registry import Entry, ListReading
from ..readonly import readonly
from ..syntax.document import Prose

_HEAD = -1  # the place before the first item


def merged_order(ours: Sequence[int], theirs: Sequence[int]) -> tuple[list[int], frozenset[int]] | None:
    """The merged order of the items both sides kept (base numbers), and the items it takes from their moves.

    None when both sides moved one item: which place is right is the author's call.

    >>> merged_order([0, 1, 2, 3], [3, 0, 1, 2])  # they moved 3 to the top; we did not reorder
    ([3, 0, 1, 2], frozenset({3}))
    >>> merged_order([1, 0, 2, 3], [0, 1, 3, 2])  # we swapped 0 and 1, they 2 and 3
    ([1, 0, 3, 2], frozenset({3}))
    >>> merged_order([2, 0, 1], [1, 2, 0])  # we moved 2 to the top, they 0 to the bottom
    ([2, 1, 0], frozenset({0}))
    >>> merged_order([2, 0, 1], [0, 2, 1]) is None  # both moved 2, to different places
    True
    """
    if list(theirs) == list(ours) or _in_order(theirs):
        return list(ours), frozenset()
    theirs_moved = moved(theirs)
    if _in_order(ours):
        return list(theirs), theirs_moved
    ours_moved = moved(ours)
    if theirs_moved & ours_moved:
        return None
    # Ours as a linked list (next and previous item), so that each move costs O(1).
    after: dict[int, int | None] = dict(zip([_HEAD, *ours], [*ours, None], strict=True))
    before: dict[int, int] = dict(zip(ours, [_HEAD, *ours], strict=False))
    anchor = _HEAD  # the last item of their list so far that we did not move: what a moved item follows
    for item in theirs:
        if item not in theirs_moved:
            if item not in ours_moved:
                anchor = item
            continue
        previous, following = before[item], after[item]  # unlink
        after[previous] = following
        if following is not None:
            before[following] = previous
        following = after[anchor]  # link after the anchor
        after[anchor], before[item], after[item] = item, anchor, following
        if following is not None:
            before[following] = item
        anchor = item  # their next moved items follow it, in their order
    order: list[int] = []
    cursor = after[_HEAD]
    while cursor is not None:
        order.append(cursor)
        cursor = after[cursor]
    return order, theirs_moved


def moved(order: Sequence[int]) -> frozenset[int]:
    """The items outside a longest increasing run of ``order``: those the side moved.

    >>> sorted(moved([0, 4, 1, 2, 3]))  # 4 moved up (not 0, 1, 2 and 3 down)
    [4]
    """
    tails: list[int] = []  # the smallest last item of an increasing run of each length
    tail_at: list[int] = []  # the index of that item
    parent = [-1] * len(order)
    for index, item in enumerate(order):
        length = bisect.bisect_left(tails, item)
        if length == len(tails):
            tails.append(item)
            tail_at.append(index)
        else:
            tails[length], tail_at[length] = item, index
        parent[index] = tail_at[length - 1] if length else -1
    kept: set[int] = set()
    cursor = tail_at[-1] if tail_at else -1
    while cursor != -1:
        kept.add(order[cursor])
        cursor = parent[cursor]
    return frozenset(order) - kept


def _in_order(order: Sequence[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(order))


RunningKey = tuple[str, str]


@readonly
class Unit:
    """One item of a list: its lines as written and the running entries it holds."""

    text: str
    line: int
    keys: frozenset[RunningKey]
    places: frozenset[tuple[str, tuple[int, ...]]]  # (host, ports) of its entries: a rename keeps them
    entries: tuple[Entry, ...]

    @property
    def name(self) -> str:
        """For messages: ``shop-api, shop-worker (running on Web box)``."""
        if not self.entries:
            return "an item"
        names = ", ".join(dict.fromkeys(entry.service or "" for entry in self.entries))
        hosts = ", ".join(dict.fromkeys(entry.host for entry in self.entries if entry.host))
        return f"{names} (running on {hosts})" if hosts else f"{names} (running)"


@readonly
class RunningList:
    """One read list of one version: where it stands and its items."""

    block: int
    first: int  # offset of its first line in the block
    stop: int  # offset after its last line
    text: str
    units: tuple[Unit, ...]
    keys: frozenset[RunningKey]


def read_lists(registry: Registry) -> list[RunningList | None]:
    """Every list of ``registry`` as units (None for a list not read as running ports)."""
    out: list[RunningList | None] = []
    for reading in registry.lists:
        out.append(_read(registry, reading) if reading.read and reading.entries else None)
    return out


def _read(registry: Registry, reading: ListReading) -> RunningList:
    block = registry.document.blocks[reading.block]
    assert isinstance(block, Prose)
    first, stop = reading.line - 1 - block.start, reading.end - block.start
    lines = block.lines[first:stop]
    starts = [*(line - reading.line for line in reading.items_at), len(lines)]
    entries = [registry.listed[index] for index in reading.entries]
    units = []
    at = 0  # entries are in the order of their lines: each item takes the next ones
    for begin, end in itertools.pairwise(starts):
        held: list[tuple[Entry, RunningKey]] = []
        while at < len(entries) and entries[at].line < reading.line + end:
            held.append((entries[at], running_key(entries[at])))
            at += 1
        units.append(
            Unit(
                "".join(lines[begin:end]),
                reading.line + begin,
                frozenset(key for _, key in held),
                frozenset((key[0], entry.ports) for entry, key in held),
                tuple(entry for entry, _ in held),
            )
        )
    found = frozenset(key for unit in units for key in unit.keys)
    return RunningList(reading.block, first, stop, "".join(lines), tuple(units), found)


def pair_lists(base: Sequence[RunningList | None], side: Sequence[RunningList | None]) -> dict[int, int]:
    """Base list -> side list: the one holding most of its entries (by host and service, else service)."""
    owners: dict[RunningKey, int] = {}
    services: dict[str, set[int]] = {}
    for index, found in enumerate(side):
        for key in found.keys if found else ():
            owners.setdefault(key, index)
            services.setdefault(key[1], set()).add(index)
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for index, found in enumerate(base):
        if found is None:
            continue
        votes: dict[int, int] = {}
        for key in found.keys:
            if key in owners:
                votes[owners[key]] = votes.get(owners[key], 0) + 2
            for other in services.get(key[1], ()):
                votes[other] = votes.get(other, 0) + 1
        ranked = sorted((-count, other) for other, count in votes.items() if other not in taken)
        if ranked:
            pairs[index] = ranked[0][1]
            taken.add(ranked[0][1])
    return pairs


def pair_units(base: Sequence[Unit], side: Sequence[Unit]) -> dict[int, int]:
    """Base item -> side item: by the entries it holds, then its text, the services alone (a host
    relabelled), then host and ports (a service renamed). Each rule looks items up by index, so
    lists of any length pair in linear time."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    rules: tuple[Callable[[Unit], Iterable[Hashable]], ...] = (
        lambda unit: unit.keys,
        lambda unit: (unit.text,),
        lambda unit: {key[1] for key in unit.keys},
        lambda unit: (unit.places,) if unit.places else (),
    )
    for rule in rules:
        index: dict[Hashable, deque[int]] = {}
        for j, unit in enumerate(side):
            if j not in taken:
                for value in rule(unit):
                    index.setdefault(value, deque()).append(j)
        for i, unit in enumerate(base):
            if i in pairs:
                continue
            for value in rule(unit):
                waiting = index.get(value)
                while waiting and waiting[0] in taken:
                    waiting.popleft()
                if waiting:
                    pairs[i] = waiting.popleft()
                    taken.add(pairs[i])
                    break
    return pairs
