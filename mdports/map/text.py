"""The port map as text: a terminal line per section (fitted to its width) and a Markdown table.

Each bar is positional: character ``i`` stands for the ports from ``lo + i * size / width``
on, so a free block shows where it is, not only how large it is. Every status has its own
character (colour only repeats it), so the map reads without colour and in a PR comment.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from ..output.report import paint
from ..syntax.escaping import escape_markdown, printable
from .space import MEANING, STATUSES, CellStatus, Lane, PortMap, Run

GLYPH: dict[CellStatus, str] = {"assigned": "█", "reserved": "▒", "free": "·", "conflict": "!", "outside": "»"}
# A character whose ports are held by fewer than half: the service shows, its share does not swell.
PARTLY: dict[CellStatus, str] = {"assigned": "▄", "reserved": "░"}
RUNNING = "▮"
MARKDOWN_BAR = 20
_MIN_BAR = 10
Cell = tuple[CellStatus, bool]  # the status a character shows, and whether it holds half its ports or more


def bar(runs: Sequence[Run], lo: int, hi: int, width: int) -> list[Cell | None]:
    """What each of ``width`` characters shows for ports ``lo``..``hi`` (None: no run there).

    A conflict anywhere in a character's ports shows; otherwise its most common held status
    (one service in a wide range stays visible), marked partial when it holds less than half.
    """
    size = hi - lo + 1
    starts = [run.lo for run in runs]
    out: list[Cell | None] = []
    for i in range(width):
        first = lo + i * size // width
        last = max(first, lo + (i + 1) * size // width - 1)
        counts: dict[CellStatus, int] = {}
        index = max(bisect.bisect_right(starts, first) - 1, 0)
        while index < len(runs) and runs[index].lo <= last:
            run = runs[index]
            overlap = min(run.hi, last) - max(run.lo, first) + 1
            if overlap > 0:
                counts[run.status] = counts.get(run.status, 0) + overlap
            index += 1
        held = {status: n for status, n in counts.items() if status != "free"}
        if "conflict" in held:
            out.append(("conflict", True))
        elif held:
            status = max(held, key=lambda s: held[s])
            out.append((status, 2 * held[status] >= sum(counts.values())))
        elif counts:
            out.append(("free", True))
        else:
            out.append(None)
    return out


def glyph(cell: Cell | None) -> str:
    if cell is None:
        return " "
    status, full = cell
    return GLYPH[status] if full else PARTLY.get(status, GLYPH[status])


def _draw(cells: Sequence[Cell | None], color: bool, running: bool = False) -> str:
    """Characters of ``cells`` (``▮`` for every occupied one in a lane), each stretch coloured once."""
    out: list[str] = []
    for cell, group in itertools.groupby(cells):
        char = RUNNING if running and cell is not None else glyph(cell)
        chars = char * len(list(group))
        out.append(paint(chars, cell[0], color) if cell is not None and color else chars)
    return "".join(out)


_HEAD = ("RANGE", "SECTION", "MAP", "ASSIGNED", "RESERVED", "FREE")


def format_terminal(port_map: PortMap, columns: int, color: bool = False) -> str:
    """A header, then one line per section: range, title, a bar as wide as the terminal allows, counts.

    Running hosts follow their band as lanes (``▮`` where a host runs something). The
    counts are those of ``mdports ranges``: free includes ports that only a placeholder holds.
    """
    ranges = [str(band.section.range) for band in port_map.bands]
    range_width = max(len(_HEAD[0]), *map(len, ranges))
    titles = [" ".join(printable(band.section.title).split()) for band in port_map.bands]
    numbers = [(str(b.assigned), str(b.reserved), str(b.free)) for b in port_map.bands]
    widths = [max(len(_HEAD[3 + i]), *(len(row[i]) for row in numbers)) for i in range(3)]
    # Titles give way to the bar on a narrow terminal, down to the width of their header.
    room = columns - range_width - sum(widths) - 10 - _MIN_BAR
    title_width = max(len(_HEAD[1]), min(max(map(len, titles)), 24, room))
    width = max(columns - range_width - title_width - sum(widths) - 10, _MIN_BAR)
    head = f"{_HEAD[0]:<{range_width}}  {_HEAD[1]:<{title_width}}  {_HEAD[2]:<{width}}  "
    lines = [head + "  ".join(f"{h:>{w}}" for h, w in zip(_HEAD[3:], widths, strict=True))]
    for band, rng, title, row in zip(port_map.bands, ranges, titles, numbers, strict=True):
        assert band.section.range is not None
        lo, hi = band.section.range.lo, band.section.range.hi
        shown = title if len(title) <= title_width else title[: title_width - 1] + "…"
        counts = "  ".join(f"{n:>{w}}" for n, w in zip(row, widths, strict=True))
        drawn = _draw(bar(band.runs, lo, hi, width), color)
        lines.append(f"{rng:<{range_width}}  {shown:<{title_width}}  {drawn}  {counts}")
        if band.outside:
            ports = ", ".join(f"{r.ports} {r.holders[0]}" for r in band.outside)
            outside = f"{'':<{range_width}}  {GLYPH['outside']} outside its range: {printable(ports)}"
            lines.append(_fit(outside, columns))
        for lane in band.lanes:
            lines.append(_lane_line(lane, lo, hi, width, range_width, title_width, color, columns))
    for lane in port_map.elsewhere:
        ports = ", ".join(f"{r.ports} {r.holders[0]}" for r in lane.runs)
        lines.append(_fit(printable(f"@{lane.host} runs outside every range: {ports}"), columns))
    for section in port_map.unranged:
        lines.append(_fit(printable(f"{section.title}: entries without a range (not drawn)"), columns))
    legend: list[tuple[str, str, str]] = [(GLYPH[s], s, s) for s in STATUSES]
    legend.insert(1, (PARTLY["assigned"], "assigned", "partly assigned"))
    if port_map.hosts:
        legend.append((RUNNING, "assigned", "runs on the host of its lane"))
    line, length = "", 0
    for char, style, words in legend:  # as many items a line as the width holds
        if length and length + 3 + len(words) > columns:
            lines.append(line)
            line, length = "", 0
        line += ("  " if length else "") + f"{paint(char, style, color)} {words}"
        length += (2 if length else 0) + 2 + len(words)
    lines.append(line)
    return "\n".join(lines)


def _fit(text: str, columns: int) -> str:
    """``text`` cut to ``columns`` characters, ending in ``…`` when cut."""
    return text if len(text) <= columns else text[: max(columns - 1, 0)] + "…"


def _lane_line(
    lane: Lane, lo: int, hi: int, width: int, range_width: int, title_width: int, color: bool, columns: int
) -> str:
    """A host's lane under its band: ``▮`` where it runs something, then as many names as fit."""
    inside = [r for r in lane.runs if lo <= r.lo <= hi]
    host = printable(f"@{lane.host}")
    host = host if len(host) <= title_width else host[: title_width - 1] + "…"
    lane_bar = _draw(bar(inside, lo, hi, width), color, running=True)
    room = columns - range_width - title_width - width - 6
    names = _fit(printable(", ".join(f"{r.ports} {r.holders[0]}" for r in inside)), room) if room >= 8 else ""
    return f"{'':<{range_width}}  {host:<{title_width}}  {lane_bar}  {names}".rstrip()


def format_markdown(port_map: PortMap) -> str:
    """A Markdown table with a Unicode bar per section, for a PR comment or a job summary."""
    lines = [
        f"### mdports map: {escape_markdown(port_map.path)}",
        "",
        "| Range | Section | Map | Assigned | Reserved | Free | Next free |",
        "|---|---|---|--:|--:|--:|--:|",
    ]
    for band in port_map.bands:
        assert band.section.range is not None
        lo, hi = band.section.range.lo, band.section.range.hi
        cells = "".join(glyph(cell) for cell in bar(band.runs, lo, hi, MARKDOWN_BAR))
        lines.append(
            f"| {band.section.range} | {escape_markdown(band.section.title)} | `{cells}` | {band.assigned} "
            f"| {band.reserved} | {band.free} | {band.next_free if band.next_free is not None else '-'} |"
        )
    legend = [f"`{GLYPH[s]}` {MEANING[s]}" for s in STATUSES[:4]]
    legend.insert(1, f"`{PARTLY['assigned']}` fewer than half of its ports assigned")
    lines += ["", "Legend: " + ", ".join(legend) + "."]
    if port_map.hosts:
        hosts = ", ".join(escape_markdown(h) for h in port_map.hosts)
        lines.append(f"Running hosts in the document: {hosts}.")
    return "\n".join(lines) + "\n"
