"""The running layer in a merge: lists of running ports merged item by item, as rows are.

A list of running ports (:attr:`Registry.lists`, read) stands in the prose merge as one token
line, as a registry table does; the list itself is merged here, three-way, with its **items**
as units (an item's marker line and its continuation lines). An item is known by the running
entries it holds (host and service, as ``diff`` knows them: :func:`running_key`), else by the
host and ports they run on (a rename), else by its text (a host label, a note). So:

- items that only one side changed, added or removed take that side's change; both sides'
  changes to different items are kept (git's line merge would call neighbouring lines a conflict);
- one item that both sides changed differently is merged by its parts (the assignments between
  commas and semicolons) when each part changed on one side only, else it is a conflict, both
  versions between markers;
- an item one side removed and the other changed is a conflict, the changed item between markers;
- an item one side added goes after the item it follows in that side's list (ours first when
  both sides added after one item); both sides adding one service on one host differently is a
  conflict;
- an order one side changed (an item moved within its host's list, items sorted) is kept, with
  the other side's changes to the items; both sides' moves of different items are both replayed,
  and one item moved to different places on both sides is a conflict, both lists between
  markers (:mod:`.items`).

Lists are paired across the versions by the entries they hold (host and service, else service);
a list one side removed while the other changed it goes between the prose merge's markers whole.
"""

from __future__ import annotations

import functools
import hashlib
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence

from ..model.assignments import segments
from ..model.lookup import Registry
from .items import RunningKey, RunningList, Unit, merged_order, pair_lists, pair_units, read_lists
from .prose import Labels
from .rows import Conflict


def _ended(text: str, eol: str) -> str:
    return text if not text or text.endswith(("\n", "\r")) else text + eol


def _by_parts(base: str, ours: str, theirs: str) -> str | None:
    """One item both sides changed, merged by its assignments when each changed on one side only."""
    cut = [[text[start:end] for start, end in segments(text)] for text in (base, ours, theirs)]
    if not len(cut[0]) == len(cut[1]) == len(cut[2]) or len(cut[0]) < 2:
        return None
    out = []
    for b, o, t in zip(*cut, strict=True):
        if o in (b, t):
            out.append(t)
        elif t == b:
            out.append(o)
        else:
            return None
    separators = [text[end : end + 1] for text in (ours,) for _, end in segments(text)]
    return "".join(part + separator for part, separator in zip(out, separators, strict=True))


class ListMerge:
    """The running lists of three versions, paired, and merged item by item (see the module docstring)."""

    def __init__(self, base: Registry, ours: Registry, theirs: Registry, labels: Labels) -> None:
        self.labels = labels
        self.lists = read_lists(base), read_lists(ours), read_lists(theirs)
        self.ours_of = pair_lists(self.lists[0], self.lists[1])
        self.theirs_of = pair_lists(self.lists[0], self.lists[2])
        self.conflicts: list[Conflict] = []
        self.merged: list[str] = []
        self.keys: tuple[dict[int, str], dict[int, str], dict[int, str]] = ({}, {}, {})
        self.texts: dict[str, str] = {}  # what each of our lists' tokens (and theirs only) becomes
        self.eol = "\r\n" if ours.document.newline == "\r\n" else "\n"
        self._merge()

    def regions(self, side: int) -> dict[int, list[tuple[int, int, str]]]:
        """Block -> (first, stop, token key) of the lists of one version (0 base, 1 ours, 2 theirs)."""
        out: dict[int, list[tuple[int, int, str]]] = {}
        for index, key in self.keys[side].items():
            found = self.lists[side][index]
            assert found is not None
            out.setdefault(found.block, []).append((found.first, found.stop, key))
        return out

    def _merge(self) -> None:
        base, ours, theirs = self.lists
        base_keys, ours_keys, theirs_keys = self.keys
        back_ours = {o: b for b, o in self.ours_of.items()}
        back_theirs = {t: b for b, t in self.theirs_of.items()}
        for index, found in enumerate(base):
            if found is not None:
                base_keys[index] = f"list {index}"
        for index, found in enumerate(theirs):
            if found is None:
                continue
            b = back_theirs.get(index)
            key = theirs_keys[index] = f"list {b}" if b is not None else _new_key(found.text)
            self.texts[key] = found.text  # a list only they have arrives as they wrote it
            before = base[b] if b is not None else None
            if before is not None and b not in self.ours_of and found.text != before.text:
                theirs_keys[index] += " (theirs)"  # between the prose merge's markers, whole
                self.texts[theirs_keys[index]] = found.text
                self.conflicts.append(
                    Conflict(
                        f"we removed the running list at line {before.units[0].line}, but they changed it", placed=True
                    )
                )
        for index, found in enumerate(ours):
            if found is None:
                continue
            b = back_ours.get(index)
            key = ours_keys[index] = f"list {b}" if b is not None else _new_key(found.text)
            before = base[b] if b is not None else None
            if before is None:
                self.texts[key] = found.text
                continue
            t = self.theirs_of.get(b)  # type: ignore[arg-type]
            if t is None:
                if found.text != before.text:
                    ours_keys[index] += " (ours)"  # between the prose merge's markers, whole
                    self.conflicts.append(
                        Conflict(
                            f"they removed the running list at line {found.units[0].line}, but we changed it",
                            placed=True,
                        )
                    )
                self.texts[ours_keys[index]] = found.text
                continue
            other = theirs[t]
            assert other is not None
            self.texts[key] = self._items(before, found, other)

    def _items(self, base: RunningList, ours: RunningList, theirs: RunningList) -> str:
        """One list merged item by item: the text of our list with their changes and the conflicts marked."""
        if theirs.text in (base.text, ours.text):
            return ours.text
        to_ours = pair_units(base.units, ours.units)
        to_theirs = pair_units(base.units, theirs.units)
        of_ours = {o: b for b, o in to_ours.items()}
        of_theirs = {t: b for b, t in to_theirs.items()}
        # Their new items, by the base item they follow in their list (-1: the top).
        following: dict[int, list[Unit]] = {}
        anchor = -1
        for t, unit in enumerate(theirs.units):
            if t in of_theirs:
                anchor = of_theirs[t]
            else:
                following.setdefault(anchor, []).append(unit)
        ours_new = {key: o for o, unit in enumerate(ours.units) if o not in of_ours for key in unit.keys}
        ours_notes = {unit.text for o, unit in enumerate(ours.units) if o not in of_ours and not unit.keys}
        kept = to_ours.keys() & to_theirs.keys()  # base items both sides have: the ones an order is about
        in_ours = [b for o in range(len(ours.units)) if (b := of_ours.get(o)) is not None and b in kept]
        in_theirs = [b for t in range(len(theirs.units)) if (b := of_theirs.get(t)) is not None and b in kept]
        order = merged_order(in_ours, in_theirs)
        if order is None:
            line = ours.units[0].line
            self._conflict(f"the running list at line {line}: both sides moved one item to different places")
            return self._marked(ours.text, theirs.text)
        if order[0] != in_ours:
            for b in order[1]:
                self.merged.append(f"move {base.units[b].name}")
            added = functools.partial(self._added, ours=ours, ours_new=ours_new, ours_notes=ours_notes)
            return self._in_order(base, (ours, theirs), (to_ours, to_theirs), order[0], added)
        out: list[str] = []
        waiting: list[str] = []  # their items after the last base item settled: after ours that follow it
        done: set[int] = set()

        def settle(b: int) -> None:
            """Base item ``b`` as the merge leaves it; their items that follow it wait for ours."""
            done.add(b)
            o, t = to_ours.get(b), to_theirs.get(b)
            mine = ours.units[o] if o is not None else None
            yours = theirs.units[t] if t is not None else None
            out.append(self._one(base.units[b], mine, yours))
            waiting.extend(self._added(new, ours, ours_new, ours_notes) for new in following.get(b, ()))

        def flush() -> None:
            out.extend(waiting)
            waiting.clear()

        gone = deque(b for b in range(len(base.units)) if b not in to_ours)
        waiting.extend(self._added(new, ours, ours_new, ours_notes) for new in following.get(-1, ()))
        for o, unit in enumerate(ours.units):
            b = of_ours.get(o)
            if b is None:
                out.append(unit.text)  # an item only we wrote
                continue
            flush()
            while gone and gone[0] < b:  # base items we removed, in their place
                settle(gone.popleft())
                flush()
            settle(b)
        flush()
        for b in range(len(base.units)):
            if b not in done:
                settle(b)
                flush()
        return "".join(_ended(text, self.eol) if i + 1 < len(out) else text for i, text in enumerate(out) if text)

    def _in_order(
        self,
        base: RunningList,
        sides: tuple[RunningList, RunningList],
        pairs: tuple[dict[int, int], dict[int, int]],
        order: Sequence[int],
        added: Callable[[Unit], str],
    ) -> str:
        """One list whose kept items take the merged ``order``; every other item follows the item it
        follows in its side's list (ours first): items one side added, removed or only has."""
        ours, theirs = sides
        to_ours, to_theirs = pairs
        kept = set(order)
        follow: dict[int, list[str]] = {}  # base item (-1: the top) -> the texts that follow it
        for side, units, back in ((1, ours.units, to_ours), (2, theirs.units, to_theirs)):
            of_side = {o: b for b, o in back.items()}
            anchor = -1
            for index, unit in enumerate(units):
                b = of_side.get(index)
                if b in kept:
                    anchor = b
                    continue
                if b is None:  # an item this side added
                    text = unit.text if side == 1 else added(unit)
                else:  # a base item the other side removed
                    text = self._one(base.units[b], unit, None) if side == 1 else self._one(base.units[b], None, unit)
                follow.setdefault(anchor, []).append(text)
        out = list(follow.get(-1, ()))
        for b in order:
            out.append(self._one(base.units[b], ours.units[to_ours[b]], theirs.units[to_theirs[b]]))
            out.extend(follow.get(b, ()))
        return "".join(_ended(text, self.eol) if i + 1 < len(out) else text for i, text in enumerate(out) if text)

    def _one(self, base: Unit, ours: Unit | None, theirs: Unit | None) -> str:
        """One base item: unchanged, one side's change, both merged by parts, or a conflict."""
        if ours is None and theirs is None:
            return ""
        if theirs is None:
            assert ours is not None
            if ours.text == base.text:
                self.merged.append(f"remove {base.name}")
                return ""
            self._conflict(f"they removed {base.name}, but we changed it")
            return self._marked(ours.text, "")
        if ours is None:
            if theirs.text != base.text:
                self._conflict(f"we removed {base.name}, but they changed it")
                return self._marked("", theirs.text)
            return ""
        if theirs.text in (base.text, ours.text):
            return ours.text
        if ours.text == base.text:
            self.merged.append(f"change {theirs.name}")
            return theirs.text
        combined = _by_parts(base.text, ours.text, theirs.text)
        if combined is not None:
            self.merged.append(f"change {theirs.name}")
            return combined
        self._conflict(f"{base.name}: the list item changed on both sides")
        return self._marked(ours.text, theirs.text)

    def _added(
        self, unit: Unit, ours: RunningList, ours_new: Mapping[RunningKey, int], ours_notes: Collection[str]
    ) -> str:
        """An item they added: after the item it follows; one we added alike is not written twice."""
        same = {ours_new[key] for key in unit.keys if key in ours_new}
        if any(ours.units[o].text == unit.text for o in same) or (not unit.keys and unit.text in ours_notes):
            return ""
        if same:
            mine = ours.units[min(same)]
            self._conflict(f"both sides added {unit.name}: we wrote {_shown(mine.text)}, they {_shown(unit.text)}")
            return self._marked("", unit.text)
        self.merged.append(f"add {unit.name}")
        return unit.text

    def _marked(self, ours: str, theirs: str) -> str:
        labels, eol = self.labels, self.eol
        return "".join(
            (
                labels.marker("<", labels.ours, eol),
                _ended(ours, eol),
                labels.marker("=", None, eol),
                _ended(theirs, eol),
                labels.marker(">", labels.theirs, eol),
            )
        )

    def _conflict(self, message: str) -> None:
        self.conflicts.append(Conflict(message, placed=True))


def _shown(text: str) -> str:
    return repr(" ".join(text.split()))


def _new_key(text: str) -> str:
    """The token of a list the base does not have: its text, so one added alike on both sides merges."""
    return "new list " + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
