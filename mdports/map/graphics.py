"""The port map as pictures: one SVG picture, and one self-contained HTML page.

The HTML page: inline CSS, no script, no external URL.

Every run of ports is a box that says what it is in text (its ports, a status letter, the
service) and in full in its ``title`` and ``aria-label``; colour only repeats it. Boxes
wrap, so a band reads on a phone as well as at 1,400 px; a box's width grows with the log
of its port count, so a free tail of 50,000 ports does not squeeze the services beside it.
Each band ends with its entries as a table, and the running hosts of the document have
lanes under the band whose range holds their ports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..syntax.escaping import escape_html as escape
from .space import DRIFT_MEANING, MEANING, STATUSES, Band, Lane, PortMap, Run

# The port map as one SVG picture: a bar per section, lanes for running hosts, free blocks named, a legend.
#
# Each bar spans the same width whatever its range, positions proportional to the port; a run
# narrower than a pixel is drawn one pixel wide so that a lone service in a wide range shows.
# Every shape has a ``<title>`` (the tooltip, and what a screen reader says) and every band
# says its counts in text: the picture does not depend on colour alone.

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


def _svg_band(band: Band, y: float, drift: bool) -> tuple[list[str], float]:
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


def _svg_legend(y: float, port_map: PortMap) -> tuple[list[str], float]:
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
        shapes, y = _svg_band(band, y, port_map.with_drift)
        body += shapes
    for lane in port_map.elsewhere:
        ports = ", ".join(f"{r.ports} {r.holders[0]}" for r in lane.runs[:8])
        body.append(_text(_LEFT, y + 13, f"{lane.host} runs outside every range: {ports}", 12))
        y += 20
    legend, y = _svg_legend(y + 6, port_map)
    body += legend
    height = int(y + 10)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">\n'
        f"<title>{escape(title)}</title>\n"
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


LETTER = {"assigned": "A", "reserved": "R", "free": "F", "conflict": "!", "outside": "»"}
DRIFT_LETTER = {"error": "E", "warning": "W", "info": "i", "deployed": "✓"}

_CSS = """
:root { --ink: #111; --muted: #444; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
  background: #fff; }
main { max-width: 1400px; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 1.4rem; margin: 0.2em 0 0.4em; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 0; overflow-wrap: anywhere; }
h3 { font-size: 0.95rem; margin: 0.6em 0 0.2em; color: var(--muted); overflow-wrap: anywhere; }
.band { border-top: 1px solid #bbb; padding: 10px 0 6px; }
.head { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; }
.range { font-variant-numeric: tabular-nums; font-weight: 700; }
.counts { color: var(--muted); margin: 0; }
.runs { list-style: none; margin: 6px 0; padding: 0; display: flex; flex-wrap: wrap; gap: 3px; }
.run { flex: var(--g) 1 calc(var(--w) * 1rem); min-width: 4.6rem; max-width: 100%; border: 1px solid #555;
  border-radius: 3px; padding: 2px 5px; font-size: 0.8rem; line-height: 1.25; overflow: hidden; }
.run .port { display: block; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.run .what { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.run .tag { display: inline-block; min-width: 1.1em; margin-right: 3px; padding: 0 2px; border-radius: 2px;
  background: rgba(255,255,255,0.85); color: #111; text-align: center; font-weight: 700; }
.assigned { background: ASSIGNED; color: #fff; }
.reserved { background: repeating-linear-gradient(45deg, RESERVED 0 6px, #f3d27a 6px 12px); color: #111; }
.free { background: FREE; color: #111; border-style: dashed; }
.conflict { background: CONFLICT; color: #fff; border: 3px solid #000; }
.outside { background: OUTSIDE; color: #fff; border-style: dotted; }
.drift .run { background: NODRIFT; color: #111; }
.drift .run.free { background: FREE; }
.drift .d-error { background: D_ERROR; color: #fff; }
.drift .d-warning { background: D_WARNING; color: #111; }
.drift .d-info { background: D_INFO; color: #fff; }
.drift .d-deployed { background: D_DEPLOYED; color: #fff; }
.lane .run { font-size: 0.75rem; }
.free-blocks, .outside-list { margin: 2px 0; }
.legend ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .run { flex: none; min-width: 2.2rem; text-align: center; }
details { margin: 4px 0; }
table { border-collapse: collapse; font-size: 0.85rem; }
td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
@media (max-width: 600px) { main { padding: 8px; } .run { min-width: 4.2rem; } }
"""


def _css() -> str:
    css = _CSS
    for key, colour in FILL.items():
        css = css.replace(key.upper(), colour)
    for key, colour in DRIFT_FILL.items():
        css = css.replace("D_" + key.upper(), colour)
    return css.replace("NODRIFT", "#d6d6d6")


def _run(run: Run) -> str:
    classes = f"run {run.status}" + (f" d-{run.drift}" if run.drift else "")
    weight = 1 + math.log2(run.count)
    what = ", ".join(run.holders) or ("free" if run.status == "free" else run.status)
    if run.status == "free" and run.count > 1:
        what = f"free block of {run.count}"
    tags = f'<span class="tag" aria-hidden="true">{LETTER[run.status]}</span>'
    if run.drift:
        tags += f'<span class="tag" aria-hidden="true">{DRIFT_LETTER[run.drift]}</span>'
    label = escape(run.label)
    return (
        f'<li class="{classes}" style="--g:{weight:.2f};--w:{min(3 + 2 * weight, 24):.1f}" title="{label}" '
        f'aria-label="{label}" data-ports="{run.ports}" data-status="{run.status}">'
        f'<span class="port">{tags}{run.ports}</span><span class="what">{escape(what)}</span></li>'
    )


def _runs(runs: Sequence[Run], label: str) -> str:
    return f'<ol class="runs" aria-label="{escape(label)}">' + "".join(_run(r) for r in runs) + "</ol>"


def _lane(lane: Lane, where: str) -> str:
    ports = ", ".join(r.ports for r in lane.runs)
    return (
        f'<div class="lane" data-host="{escape(lane.host)}"><h3>Runs on {escape(lane.host)} '
        f"({len(lane.runs)} running{where})</h3>" + _runs(lane.runs, f"running on {lane.host}: {ports}") + "</div>"
    )


def _band(band: Band) -> str:
    section = band.section
    counts = band.counts
    out = [
        f'<section class="band" id="{escape(section.slug)}" aria-labelledby="h-{section.index}">',
        f'<div class="head"><h2 id="h-{section.index}"><span class="range">{section.range}</span> '
        f'{escape(section.title)}</h2><p class="counts">{counts}</p></div>',
        _runs(band.runs, f"ports {section.range}"),
    ]
    blocks = band.free_blocks
    if blocks:
        shown = ", ".join(f"{r.ports} ({r.count} port{'s' if r.count > 1 else ''})" for r in blocks[:8])
        more = f" and {len(blocks) - 8} more" if len(blocks) > 8 else ""
        out.append(f'<p class="free-blocks"><strong>Free blocks:</strong> {shown}{more}</p>')
    else:
        out.append('<p class="free-blocks"><strong>Free blocks:</strong> none</p>')
    if band.outside:
        out.append('<p class="outside-list"><strong>Outside its range:</strong></p>')
        out.append(_runs(band.outside, "entries outside the range"))
    out += [_lane(lane, "") for lane in band.lanes]
    held = [r for r in band.runs if r.status != "free"] + list(band.outside)
    rows = "".join(
        f"<tr><td>{r.ports}</td><td>{escape(', '.join(r.holders))}</td><td>{r.status}</td>"
        f"<td>{escape(r.label.partition('; ')[2])}</td></tr>"
        for r in held
    )
    out.append(
        f"<details><summary>Entries ({len(held)})</summary><table><thead><tr><th>Ports</th><th>Held by</th>"
        f"<th>Status</th><th>Drift</th></tr></thead><tbody>{rows}</tbody></table></details></section>"
    )
    return "\n".join(out)


def _legend(port_map: PortMap) -> str:
    items = [
        f'<li><span class="run {s}" aria-hidden="true"><span class="tag">{LETTER[s]}</span></span>{MEANING[s]}</li>'
        for s in STATUSES
    ]
    if port_map.with_drift:
        items += [
            f'<li><span class="run d-{key}" aria-hidden="true"><span class="tag">{DRIFT_LETTER[key]}</span></span>'
            f"{meaning} (colour of the box)</li>"
            for key, meaning in DRIFT_MEANING.items()
        ]
        items.append('<li><span class="run" aria-hidden="true">&nbsp;</span>not deployed (grey)</li>')
    hint = "Each box is a run of ports; hover or focus it for the full text. A letter says its status"
    hint += ", a second letter its drift." if port_map.with_drift else "."
    return (
        f'<section class="legend" aria-label="Legend"><h2>Legend</h2><p>{hint}</p><ul>{"".join(items)}</ul></section>'
    )


def format_html(port_map: PortMap) -> str:
    """The whole map as one HTML document (UTF-8), readable offline."""
    title = f"Port map of {port_map.path}" + (" (drift)" if port_map.with_drift else "")
    assigned = sum(b.assigned for b in port_map.bands)
    summary = f"{len(port_map.bands)} sections with a range, {assigned} ports assigned"
    if port_map.hosts:
        summary += f"; running hosts: {', '.join(port_map.hosts)}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_css()}</style></head>",
        f'<body class="{"drift" if port_map.with_drift else "plain"}"><main>',
        f"<h1>{escape(title)}</h1><p>{escape(summary)}</p>",
        _legend(port_map),
        *(_band(band) for band in port_map.bands),
    ]
    if port_map.elsewhere:
        parts.append('<section class="band" id="elsewhere"><h2>Running outside every range</h2>')
        parts += [_lane(lane, " outside every range") for lane in port_map.elsewhere]
        parts.append("</section>")
    if port_map.unranged:
        names = ", ".join(escape(s.title) for s in port_map.unranged)
        parts.append(f'<section class="band" id="unranged"><h2>Sections without a range</h2><p>{names}</p></section>')
    parts.append("</main></body></html>\n")
    return "\n".join(parts)
