"""The port map as one SVG picture: a bar per section, lanes for running hosts, free blocks named, a legend.

Each bar spans the same width whatever its range, positions proportional to the port; a run
narrower than a pixel is drawn one pixel wide so that a lone service in a wide range shows.
Every shape has a ``<title>`` (the tooltip, and what a screen reader says) and every band
says its counts in text: the picture does not depend on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..syntax.escaping import escape_html as escape
from .space import DRIFT_MEANING, MEANING, STATUSES, Band, PortMap, Run

WIDTH = 1200
_LEFT = 16
_BAR = WIDTH - 2 * _LEFT
FILL = {
    "assigned": "#2f6f4f",
    "reserved": "#d9a520",
    "free": "#f4f4f4",
    "conflict": "#c0182c",
    "outside": "#7b3fa0",
}
DRIFT_FILL = {"error": "#c0182c", "warning": "#e07b00", "info": "#2a6fb0", "deployed": "#2f6f4f"}
_NO_DRIFT = "#c8c8c8"


def _text(x: float, y: float, text: str, size: int = 13, weight: str = "normal", anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" '
        f'font-family="system-ui, sans-serif" fill="#111">{escape(text)}</text>'
    )


def _rects(runs: Sequence[Run], lo: int, hi: int, y: float, height: float, drift: bool) -> list[str]:
    scale = _BAR / (hi - lo + 1)
    out = []
    for run in runs:
        x = _LEFT + (max(run.lo, lo) - lo) * scale
        width = max((min(run.hi, hi) - max(run.lo, lo) + 1) * scale, 1.0)
        if drift and run.drift is not None:
            fill = DRIFT_FILL[run.drift]
        elif drift and run.status in ("assigned", "conflict", "outside"):
            fill = _NO_DRIFT  # a service the deployment does not mention
        else:
            fill = FILL[run.status]  # free and reserved ports keep their own colour
        out.append(
            f'<rect x="{x:.2f}" y="{y:.1f}" width="{width:.2f}" height="{height}" fill="{fill}" '
            f'stroke="#555" stroke-width="0.3" class="{run.status}"><title>{escape(run.label)}</title></rect>'
        )
    return out


def _band(band: Band, y: float, drift: bool) -> tuple[list[str], float]:
    assert band.section.range is not None
    lo, hi = band.section.range.lo, band.section.range.hi
    head = f"{band.section.range}  {band.section.title}"
    counts = band.counts
    out = [f'<g class="band"><title>{escape(head)}: {escape(counts)}</title>']
    out.append(_text(_LEFT, y + 14, head, 14, "bold"))
    out.append(_text(WIDTH - _LEFT, y + 14, counts, 12, anchor="end"))
    y += 20
    out += _rects(band.runs, lo, hi, y, 22, drift)
    y += 22
    blocks = band.free_blocks[:4]
    if blocks:
        label = "free: " + ", ".join(f"{r.ports} ({r.count})" for r in blocks)
        more = len(band.free_blocks) - len(blocks)
        out.append(_text(_LEFT, y + 14, label + (f" and {more} more" if more > 0 else ""), 12))
        y += 18
    if band.outside:
        label = "outside its range: " + ", ".join(f"{r.ports} {r.holders[0]}" for r in band.outside[:4])
        out.append(_text(_LEFT, y + 14, label, 12))
        y += 18
    for lane in band.lanes:
        out.append(_text(_LEFT, y + 13, f"runs on {lane.host}:", 12))
        y += 17
        out += _rects(lane.runs, lo, hi, y, 10, drift)
        y += 14
    out.append("</g>")
    return out, y + 14


def _legend(y: float, port_map: PortMap) -> tuple[list[str], float]:
    out = [_text(_LEFT, y + 14, "Legend", 14, "bold")]
    y += 20
    items = (
        [(DRIFT_FILL[key], meaning) for key, meaning in DRIFT_MEANING.items()]
        + [(_NO_DRIFT, "a service not deployed")]
        + [(FILL[s], MEANING[s]) for s in ("reserved", "free")]
        if port_map.with_drift
        else [(FILL[s], MEANING[s]) for s in STATUSES]
    )
    for fill, meaning in items:
        out.append(f'<rect x="{_LEFT}" y="{y:.1f}" width="18" height="14" fill="{fill}" stroke="#555"/>')
        out.append(_text(_LEFT + 26, y + 12, meaning, 12))
        y += 20
    return out, y


def format_svg(port_map: PortMap) -> str:
    """The whole map as a standalone SVG document."""
    body: list[str] = []
    y = 8.0
    title = f"Port map of {port_map.path}" + (" (drift)" if port_map.with_drift else "")
    body.append(_text(_LEFT, y + 18, title, 18, "bold"))
    y += 34
    for band in port_map.bands:
        shapes, y = _band(band, y, port_map.with_drift)
        body += shapes
    for lane in port_map.elsewhere:
        ports = ", ".join(f"{r.ports} {r.holders[0]}" for r in lane.runs[:8])
        body.append(_text(_LEFT, y + 13, f"{lane.host} runs outside every range: {ports}", 12))
        y += 20
    legend, y = _legend(y + 6, port_map)
    body += legend
    height = int(y + 10)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">\n'
        f"<title>{escape(title)}</title>\n"
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )
