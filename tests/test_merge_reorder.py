"""The merge driver and an order changed in a list of running ports (issue 21 point 4).

A side that moves an item within its host's list, or sorts the list, changes no entry: the other
side's edits must still land, on the moved items too, and the order must survive. Real ``git
merge`` runs in temporary repositories with the driver installed (the grown document of
``test_merge_lists``); a property test states that no change of either side is lost.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import git_merge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_merge_lists import BASE, both, merged

from mdports.merge.driver import merge
from mdports.model.reading import build
from mdports.syntax.document import parse

EMAIL, PDF = "> - worker-email: 3150\n", "> - worker-pdf: 3151\n"
SWAPPED = (EMAIL + PDF, PDF + EMAIL)  # worker-pdf moved above worker-email
GRAFANA = ("> - grafana `3300`\n", "> - grafana `3301`\n")
CADDY_TO_TOP = ("> - web (Next.js) `3000`\n", "> - caddy `443` (TLS for everything above)\n> - web (Next.js) `3000`\n")
CADDY_GONE = ("> - caddy `443` (TLS for everything above)\n", "")


def _host_order(text: str) -> list[str]:
    """The services of the production box's list, in the order the text writes them."""
    registry = build(parse(text))
    return [e.service or "" for e in registry.listed if e.host == "Production box"]


def test_their_move_within_a_hosts_list_and_our_edit_of_another_item_are_both_kept(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, both(GRAFANA), both(SWAPPED))
    assert result.exit_code == 0, result.output
    assert result.text == both(GRAFANA, SWAPPED)


def test_our_move_and_their_edit_of_another_item_are_both_kept(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, both(SWAPPED), both(GRAFANA))
    assert result.exit_code == 0, result.output
    assert result.text == both(SWAPPED, GRAFANA)


def test_an_item_moved_on_one_side_and_edited_on_the_other_lands_moved_and_edited(tmp_path: Path) -> None:
    edited = ("> - worker-pdf: 3151\n", "> - worker-pdf: 3161\n")
    result = git_merge(tmp_path, BASE, both(edited), both(SWAPPED))
    assert result.exit_code == 0, result.output
    assert result.text == both((EMAIL + PDF, "> - worker-pdf: 3161\n" + EMAIL))
    (tmp_path / "other").mkdir()
    moved_ours = git_merge(tmp_path / "other", BASE, both(SWAPPED), both(edited))
    assert moved_ours.exit_code == 0 and moved_ours.text == result.text


def test_both_sides_moving_different_items_keep_both_moves(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, both(CADDY_GONE, CADDY_TO_TOP), both(SWAPPED))
    assert result.exit_code == 0, result.output
    order = _host_order(result.text)
    assert order[:2] == ["caddy", "web"] and order.index("worker-pdf") + 1 == order.index("worker-email")
    assert result.text == both(CADDY_GONE, CADDY_TO_TOP, SWAPPED)


def test_one_item_moved_to_different_places_on_both_sides_is_a_conflict_with_both_lists(tmp_path: Path) -> None:
    out = (EMAIL, "")
    caddy = "> - caddy `443` (TLS for everything above)\n"
    ours = both(out, (caddy, caddy + EMAIL))  # worker-email to the end
    theirs = both(out, (GRAFANA[0], EMAIL + GRAFANA[0]))  # worker-email before grafana
    text, conflicts, clean = merged(ours, theirs)
    assert not clean and any("both sides moved one item to different places" in c for c in conflicts)
    assert text.count(EMAIL) == 2  # our place and theirs, between the markers
    result = git_merge(tmp_path, BASE, ours, theirs)
    assert result.exit_code != 0 and "<<<<<<<" in result.text and result.text.count(EMAIL) == 2


def test_a_numbered_list_sorted_by_one_side_keeps_the_other_sides_edit() -> None:
    gpu = BASE[
        BASE.index("> 1. whisper-api") : BASE.index("> 9. dcgm-exporter `9400`\n") + len("> 9. dcgm-exporter `9400`\n")
    ]
    lines = gpu.splitlines(keepends=True)
    by_port = "".join(sorted(lines, key=lambda line: int(re.findall(r"`(\d+)`", line)[0])))
    text, conflicts, clean = merged(both(("> 2. tts-api `8101`", "> 2. tts-api `8102`")), both((gpu, by_port)))
    assert clean, conflicts
    expected = both((gpu, by_port.replace("> 2. tts-api `8101`", "> 2. tts-api `8102`")))
    assert text == expected


# --- the property: no change of either side is lost ------------------------------------------------

_SIZE = 8


def _document(items: list[tuple[int, int]]) -> str:
    body = "".join(f"- svc-{name} `{port}`\n" for name, port in items)
    plan = "## 3000-3099: Plan\n\n| Port | Service |\n|---|---|\n| 3000 | svc-0 |\n"
    return f"# Ports\n\n**web-01 (`10.0.0.5`):**\n\n{body}\n{plan}"


def _side(draw: st.DrawFn, edited: set[int]) -> tuple[list[tuple[int, int]], dict[int, int]]:
    order = draw(st.permutations(range(_SIZE)))
    moved = draw(st.booleans())
    names = list(order) if moved else list(range(_SIZE))
    ports = {name: 20_000 + 100 * draw(st.integers(1, 9)) + name for name in edited}
    return [(name, ports.get(name, 3000 + name)) for name in names], ports


@st.composite
def _sides(draw: st.DrawFn) -> tuple[list[tuple[int, int]], dict[int, int], list[tuple[int, int]], dict[int, int]]:
    ours_edits = set(draw(st.sets(st.integers(0, _SIZE - 1), max_size=3)))
    theirs_edits = set(draw(st.sets(st.integers(0, _SIZE - 1), max_size=3))) - ours_edits
    ours, ours_ports = _side(draw, ours_edits)
    theirs, theirs_ports = _side(draw, theirs_edits)
    return ours, ours_ports, theirs, theirs_ports


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sides())
def test_no_change_of_either_side_is_lost(
    sides: tuple[list[tuple[int, int]], dict[int, int], list[tuple[int, int]], dict[int, int]],
) -> None:
    ours, ours_ports, theirs, theirs_ports = sides
    base = [(name, 3000 + name) for name in range(_SIZE)]
    result = merge(parse(_document(base)), parse(_document(ours)), parse(_document(theirs)))
    written = [(int(name), int(port)) for name, port in re.findall(r"svc-(\d+) `(\d+)`", result.text)]
    if not result.clean:  # between markers: both sides' lists, whole, so nothing is lost
        assert set(ours) | set(theirs) <= set(written)
        return
    expected = {name: ours_ports.get(name, theirs_ports.get(name, 3000 + name)) for name in range(_SIZE)}
    assert sorted(written) == sorted(expected.items())  # every service once, with every edit
    order = [name for name, _ in written]
    ours_order, theirs_order = [name for name, _ in ours], [name for name, _ in theirs]
    if theirs_order == list(range(_SIZE)):
        assert order == ours_order  # only we reordered (or nobody): our order
    elif ours_order == list(range(_SIZE)):
        assert order == theirs_order  # only they reordered: their order
