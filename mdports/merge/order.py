"""The order of a list's items in a three-way merge: each side's reordering replayed on the other's.

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
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

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
