"""``mdports map``: the terminal bars, the Markdown table, the SVG and the HTML page, on real documents.

The page in a real browser is tested in tests/test_map_browser.py.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import BUNDLED, INPUTS, invoke_mdports, run_mdports
from fleet_document import HOSTS, fleet_document
from hypothesis import given, settings
from hypothesis import strategies as st

from mdports import parse
from mdports.map.space import Run, build_map
from mdports.map.text import bar
from mdports.model.reading import build
from mdports.output.listing import range_record
from mdports.rules.validation import validate

ESC = "\x1b["


def lengths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


@pytest.mark.parametrize("columns", [72, 100, 160])
def test_terminal_map_fits_the_terminal_width(tmp_path: Path, columns: int) -> None:
    """COLUMNS sets the width (as a terminal does); no line is wider, and the bar grows with it."""
    fleet = tmp_path / "fleet.md"
    fleet.write_text(fleet_document(), encoding="utf-8")
    result = run_mdports("-f", str(fleet), "map", env={"COLUMNS": str(columns)})
    assert result.returncode == 0, result.stderr
    assert max(lengths(result.stdout)) <= columns
    assert ESC not in result.stdout  # not a terminal: no colour
    header, first = result.stdout.splitlines()[:2]
    assert header.split() == ["RANGE", "SECTION", "MAP", "ASSIGNED", "RESERVED", "FREE"]
    assert first.startswith("3000-3399  Frontends") and first.split()[-3:] == ["200", "5", "200"]
    for host, _ in HOSTS:
        assert f"@{host}" in result.stdout


def test_terminal_bar_shows_where_ports_are() -> None:
    """One character per port when the width is the range's size: the bar is the range, in order."""
    registry = build(parse(BUNDLED.read_text(encoding="utf-8")))
    core = build_map(registry, validate(registry)).bands[0]
    assert [cell[0] if cell else None for cell in bar(core.runs, 3000, 3009, 10)] == [
        "free",
        *["assigned"] * 5,
        *["reserved"] * 4,
    ]


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--color", "never"], {}, False),
        ([], {"NO_COLOR": "1"}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),  # an explicit --color wins, as everywhere
    ],
)
def test_colour_follows_the_color_rules(args: list[str], env: dict[str, str], coloured: bool) -> None:
    result = invoke_mdports("-f", str(BUNDLED), *args, "map", "--width", "90", env=env)
    assert result.returncode == 0
    assert (ESC in result.stdout) is coloured
    # Without colour every status still has its own character.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert {"█", "▒", "·"} <= set(plain)


def test_markdown_table_has_a_row_and_a_bar_per_section() -> None:
    result = invoke_mdports("-f", str(BUNDLED), "map", "--format", "markdown")
    assert result.returncode == 0
    rows = [line for line in result.stdout.splitlines() if re.match(r"\| \d+-\d+ \|", line)]
    assert len(rows) == 10
    for row in rows:
        bar_text = re.search(r"`([^`]*)`", row)
        assert bar_text is not None and len(bar_text.group(1)) == 20
    assert "| 3000-3009 | Core Platform Services | `··██████████▒▒▒▒▒▒▒▒` | 5 | 4 | 5 | 3000 |" in rows


def test_markdown_escapes_what_the_document_says(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "## 3000-3009: <img src=x> @team [x](http://e.invalid)\n\n| Port | Service |\n|---|---|\n| 3001 | a |\n"
    )
    result = invoke_mdports("-f", str(doc), "map", "--format", "markdown")
    assert re.search(r"(?<!\\)<img", result.stdout) is None and "\\<img" in result.stdout
    assert "](http" not in result.stdout and "@team" not in result.stdout


def test_svg_is_one_well_formed_picture_with_titles(tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    result = run_mdports("-f", str(INPUTS / "running-monorepo.md"), "map", "--format", "svg", "-o", str(out))
    assert result.returncode == 0 and result.stdout == "" and result.stderr == f"mdports: wrote {out}\n"
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    rects = root.iter(f"{ns}rect")
    titles = [rect.find(f"{ns}title") for rect in rects]
    labelled = [t.text for t in titles if t is not None and t.text]
    assert any(text.startswith("3100 api-gateway (assigned)") for text in labelled)
    texts = [t.text or "" for t in root.iter(f"{ns}text")]
    assert "runs on GPU box:" in texts and "Legend" in texts
    assert "free: 3107-3149 (43), 3105 (1)" in texts  # the longest block first


def test_html_is_self_contained_and_says_everything_in_text(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    fleet = tmp_path / "fleet.md"
    fleet.write_text(fleet_document(), encoding="utf-8")
    result = run_mdports("-f", str(fleet), "map", "--format", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    for external in ("http://", "https://", " src=", " href=", "url(", "@import"):
        assert external not in page
    runs = re.findall(r'<li class="run ([a-z]+)[^"]*" style="[^"]*" title="([^"]*)" aria-label="([^"]*)"', page)
    assert len(runs) > 1000
    assert all(title == label and label for _, title, label in runs)
    assert {status for status, _, _ in runs} == {"assigned", "reserved", "free", "conflict", "outside"}
    # six ranges, the running ports outside them, the section without a range
    assert page.count('<section class="band"') == 8
    assert {f'data-host="{host}"' for host, _ in HOSTS} <= set(re.findall(r'data-host="[^"]*"', page))
    assert "<strong>Free blocks:</strong>" in page and "Legend" in page


def test_html_escapes_hostile_names(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "## 3000-3009: Core </title><script>alert(1)</script>\n\n| Port | Service |\n|---|---|\n"
        '| 3001 | <img src=x onerror=alert(1)> |\n| 3002 | a\x1b[2Jb " onmouseover="x |\n',
        encoding="utf-8",
    )
    out = tmp_path / "map.html"
    assert invoke_mdports("-f", str(doc), "map", "--format", "html", "-o", str(out)).returncode == 0
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "\x1b" not in page
    assert 'onmouseover="' not in page and "&lt;U+001B&gt;" in page


def test_drift_colours_each_port_by_what_the_deployment_says(tmp_path: Path) -> None:
    shutil.copyfile(BUNDLED, tmp_path / "PORT_SCHEMA.md")
    (tmp_path / "compose.yml").write_text(
        "services:\n  mana-auth:\n    ports: ['3002:3001']\n  mana-user:\n    ports: ['3004:3004']\n",
        encoding="utf-8",
    )
    args = ["-f", "PORT_SCHEMA.md", "map", "--drift", "--compose", "compose.yml", "--format", "html", "-o", "m.html"]
    assert invoke_mdports(*args, cwd=tmp_path).returncode == 0
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert '<body class="drift">' in page
    taken = re.search(r'<li class="run assigned d-error"[^>]*data-ports="3002"', page)
    assert taken is not None and "MP202 port-taken" in taken.group(0)
    assert re.search(r'<li class="run assigned d-deployed"[^>]*data-ports="3004"', page)
    assert re.search(r'<li class="run assigned"[^>]*data-ports="3003"', page)  # deployed nowhere: grey (MP206)
    assert re.search(r'<li class="run assigned"[^>]*data-ports="3001"', page)  # its port has no finding
    svg = invoke_mdports(*args[:-4], "--format", "svg", "-o", "m.svg", cwd=tmp_path)
    assert svg.returncode == 0 and "#c0182c" in (tmp_path / "m.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["map", "--format", "html"], "--format html writes a file"),
        (["map", "--compose", "c.yml"], "go with --drift"),
        (["map", "--format", "markdown", "--width", "80"], "--width goes with --format text"),
        (["map", "--drift"], "no deployment files"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = invoke_mdports("-f", str(BUNDLED), *args)
    assert result.returncode == 2 and message in result.stderr


def test_a_document_without_ranges_is_a_clear_error(tmp_path: Path) -> None:
    doc = tmp_path / "flat.md"
    doc.write_text("# Ports\n\n| Port | Service |\n|---|---|\n| 3001 | api |\n", encoding="utf-8")
    result = run_mdports("-f", str(doc), "map")
    assert result.returncode == 2 and result.stdout == ""
    assert "declares no port ranges, so there is nothing to draw" in result.stderr
    assert "hint: give a section a range" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("path", [BUNDLED, *sorted(INPUTS.glob("*.md"))], ids=lambda p: p.name)
def test_counts_are_those_of_ranges_without_host_columns(path: Path) -> None:
    """The map and `mdports ranges` agree wherever no Host column assigns ports to one host."""
    registry = build(parse(path.read_text(encoding="utf-8"), path=str(path)))
    if any(table.host_column is not None for table in registry.tables):
        pytest.skip("a Host column: ranges counts per host, the map on every host")
    for band in build_map(registry, validate(registry)).bands:
        record = range_record(registry, band.section)
        assert (band.assigned, band.reserved, band.free, band.next_free) == (
            record["assigned"],
            record["reserved"],
            record["free"],
            record["next_free"],
        )


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8), st.sampled_from(["a", "b", "(reserved)"])))


@settings(deadline=None)
@given(spans, st.integers(1, 120))
def test_runs_partition_the_range_and_the_bar_has_its_width(rows: list[tuple[int, int, str]], width: int) -> None:
    """Every port of a range is in exactly one run, neighbours differ, and a bar is as wide as asked."""
    lines = ["## 1000-1060: R", "", "| Port | Service |", "|---|---|"]
    lines += [f"| {1000 + lo}-{1000 + lo + extra} | {name} |" for lo, extra, name in rows]
    registry = build(parse("\n".join(lines) + "\n"))
    band = build_map(registry, validate(registry)).bands[0]
    ports = [port for run in band.runs for port in range(run.lo, run.hi + 1)]
    assert ports == list(range(1000, 1061))
    for a, b in zip(band.runs, band.runs[1:], strict=False):
        assert a.hi + 1 == b.lo and (a.status, a.holders) != (b.status, b.holders)
    cells = bar(band.runs, 1000, 1060, width)
    assert len(cells) == width and None not in cells
    if any(run.status == "conflict" for run in band.runs):
        assert ("conflict", True) in cells  # a conflict is never averaged away


def test_a_single_port_in_a_wide_range_stays_visible() -> None:
    cells = bar([Run(1, 50_000, "free"), Run(50_001, 50_001, "assigned"), Run(50_002, 65_535, "free")], 1, 65_535, 40)
    assert [cell for cell in cells if cell and cell[0] == "assigned"] == [("assigned", False)]
