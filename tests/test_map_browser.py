"""The HTML map in a real browser: headless Chromium at 1,400 px and at a phone's 390 px.

Assertions on the rendered DOM (measured by a script added to a *copy* of the page: the page
itself has none) and on the screenshot (its size, and the colours of the statuses present
where the layout puts them). Chromium is Debian's ``chromium``; without it the tests skip
locally and fail in CI (``CI=true``), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from conftest import BUNDLED, run_mdports
from fleet_document import HOSTS, fleet_document

pytestmark = pytest.mark.slow

ASSIGNED = (0x2F, 0x6F, 0x4F)  # the fills of mdports.map.graphics.FILL
RESERVED = (0xD9, 0xA5, 0x20)
CONFLICT = (0xC0, 0x18, 0x2C)

# The page is shown in an iframe of the width under test (headless Chromium will not make its
# window narrower than 500 px; an iframe is a viewport of its own, media queries included) and
# measured from the page around it, once loaded; --dump-dom prints the numbers. The map page
# itself carries no script.
MEASURE = """<!doctype html><html><body style="margin:0">
<iframe id="map" style="width:WIDTHpx;height:900px;border:0" srcdoc="PAGE"></iframe>
<script>
document.getElementById('map').addEventListener('load', () => {
  const doc = document.getElementById('map').contentDocument;
  const view = doc.defaultView;
  const width = doc.documentElement.clientWidth;
  const runs = [...doc.querySelectorAll('li.run')];
  const boxes = [...doc.querySelectorAll('li.run, h1, h2, h3, p, ol, section')];
  const result = {
    width,
    scrollWidth: doc.documentElement.scrollWidth,
    runs: runs.length,
    overflowing: boxes.filter(e => e.getBoundingClientRect().right > width + 1).length,
    narrow: runs.filter(r => r.getBoundingClientRect().width < 40).length,
    smallText: runs.filter(r => parseFloat(view.getComputedStyle(r).fontSize) < 11).length,
    unlabelled: runs.filter(r => !r.getAttribute('aria-label') || !r.textContent.trim()).length,
    portsHidden: runs.filter(r => r.querySelector('.port').getBoundingClientRect().height < 8).length,
    bands: doc.querySelectorAll('section.band').length,
    lanes: [...doc.querySelectorAll('.lane')].map(l => l.dataset.host),
    legend: doc.querySelectorAll('.legend li').length,
  };
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script></body></html>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run installs it (apt-get install -y chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium); CI runs these tests")


def browse(page: Path, profile: Path, width: int, height: int, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        *extra,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def measured(page: Path, tmp_path: Path, width: int) -> dict[str, object]:
    copy = tmp_path / f"measured-{width}.html"
    framed = MEASURE.replace("WIDTH", str(width)).replace("PAGE", html.escape(page.read_text(encoding="utf-8")))
    copy.write_text(framed, encoding="utf-8")
    dom = browse(copy, tmp_path / f"profile-{width}", 1500, 1000, "--virtual-time-budget=10000", "--dump-dom").stdout
    start = dom.index('<pre id="measured">') + len('<pre id="measured">')
    return dict(json.loads(dom[start : dom.index("</pre>", start)].replace("&quot;", '"')))


def pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGB(A) rows of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        data += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(data)
    stride = width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up = previous[x]
            corner = previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line[i] for x in range(width) for i in (x * size, x * size + 1, x * size + 2)))
        previous = line
    return width, height, rows


def share(rows: list[bytes], colour: tuple[int, int, int], columns: slice = slice(None)) -> float:
    """The share of pixels (in ``columns``) that have ``colour``."""
    target = bytes(colour)
    hits = total = 0
    for row in rows:
        cells = [row[i : i + 3] for i in range(0, len(row), 3)][columns]
        hits += sum(1 for cell in cells if cell == target)
        total += len(cells)
    return hits / total


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    chromium()
    folder = tmp_path_factory.mktemp("pages")
    fleet = folder / "fleet.md"
    fleet.write_text(fleet_document(), encoding="utf-8")
    made = {"bundled": (BUNDLED, folder / "bundled.html"), "fleet": (fleet, folder / "fleet.html")}
    for source, page in made.values():
        result = run_mdports("-f", str(source), "map", "--format", "html", "-o", str(page))
        assert result.returncode == 0, result.stderr
    return {name: page for name, (_, page) in made.items()}


@pytest.mark.parametrize("width", [1400, 390])
def test_the_page_lays_out_within_the_window(pages: dict[str, Path], tmp_path: Path, width: int) -> None:
    """No horizontal scrolling, every box wide enough to read and labelled, at a desk and on a phone."""
    found = measured(pages["fleet"], tmp_path, width)
    assert found["width"] == width
    assert found["scrollWidth"] == width and found["overflowing"] == 0
    assert isinstance(found["runs"], int) and found["runs"] > 1000
    assert found["narrow"] == 0 and found["smallText"] == 0 and found["unlabelled"] == 0 and found["portsHidden"] == 0
    assert found["bands"] == 8 and found["legend"] == 5
    assert {host for host, _ in HOSTS} <= set(found["lanes"])  # type: ignore[call-overload]


@pytest.mark.parametrize("width", [1400, 390])
def test_the_screenshot_shows_the_statuses(pages: dict[str, Path], tmp_path: Path, width: int) -> None:
    """The bundled document's page: green services and hatched reserved blocks, across the width.

    The expectations follow from the document: at the top, its first bands are mostly
    assigned (green) with reserved tails (hatched amber); it has no conflict (no red). The
    boxes wrap, so on a phone the right third of the picture holds services too.
    """
    shot = tmp_path / f"shot-{width}.png"
    browse(pages["bundled"], tmp_path / f"profile-shot-{width}", width, 1200, f"--screenshot={shot}")
    got_width, height, rows = pixels(shot.read_bytes())
    assert (got_width, height) == (width, 1200)
    assert share(rows, ASSIGNED) > 0.05
    assert share(rows, RESERVED) > 0.005
    assert share(rows, CONFLICT) * width * 1200 < 1200  # the legend's swatch only: no conflict to draw
    assert share(rows, ASSIGNED, slice(width * 2 // 3, None)) > 0.02
    assert share(rows[:40], (255, 255, 255)) > 0.5  # the title sits on a white page
