"""The merge driver and the running layer (issue 21 point 4): list items merged like rows.

The base is a grown document: a blockquote at the top with what runs on a production box, a GPU
box and a staging box (a label per host, items in several forms), the plan's range tables below.
Git merges the items' lines as text: two sides editing neighbouring items conflict, and one
editing another service of the same item conflicts too. mdports merges them item by item.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import GOLDEN, git_merge, invoke_mdports

from mdports.merge.driver import merge
from mdports.model.reading import build
from mdports.syntax.document import parse

BASE = (GOLDEN / "diff" / "running-moved" / "old.md").read_text(encoding="utf-8")
EMAIL = ("> - worker-email: 3150\n", "> - worker-email: 3160\n")
PDF = ("> - worker-pdf: 3151\n", "> - worker-pdf: 3161\n")
PDF_OTHER = ("> - worker-pdf: 3151\n", "> - worker-pdf: 3171\n")
GPU_LAST = "> 9. dcgm-exporter `9400`\n"
STAGING_LAST = "> - mailpit `8025`\n>\n> **Not deployed"


def both(*changes: tuple[str, str]) -> str:
    text = BASE
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def merged(ours: str, theirs: str) -> tuple[str, list[str], bool]:
    result = merge(parse(BASE), parse(ours), parse(theirs))
    return result.text, [conflict.message for conflict in result.conflicts], result.clean


def test_the_base_has_a_running_layer_per_host() -> None:
    registry = build(parse(BASE))
    hosts = {entry.host for entry in registry.listed}
    assert {"Production box", "GPU box", "Staging box"} <= hosts
    assert len(registry.listed) > 40 and registry.tables


# --- different items: both changes kept, through git ----------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (EMAIL, PDF),  # neighbouring items of one host: git alone calls it a conflict
        (EMAIL, (GPU_LAST, "> 9. dcgm-exporter `9401`\n")),  # items of two hosts
        (  # two services of one item, one per side
            ("api-gateway `3100`, api-auth `3101`", "api-gateway `3110`, api-auth `3101`"),
            ("api-auth `3101`, api-billing `3102`", "api-auth `3121`, api-billing `3102`"),
        ),
        (("> - web `3000`\n> - api-gateway", "> - web `3001`\n> - api-gateway"), EMAIL),  # one service, two hosts
    ],
    ids=["neighbours", "two-hosts", "one-item", "same-service-other-host"],
)
def test_different_items_merge_cleanly_with_both_changes(
    tmp_path: Path, ours: tuple[str, str], theirs: tuple[str, str]
) -> None:
    expected = both(ours, theirs) if ours[0] not in theirs[0] and theirs[0] not in ours[0] else None
    if expected is None:  # the same line: both changes of it
        expected = BASE.replace(
            "api-gateway `3100`, api-auth `3101`, api-billing `3102`",
            "api-gateway `3110`, api-auth `3121`, api-billing `3102`",
        )
    result = git_merge(tmp_path, BASE, both(ours), both(theirs))
    assert result.exit_code == 0, result.output
    assert result.text == expected


def test_git_alone_conflicts_on_neighbouring_items(tmp_path: Path) -> None:
    """Why the driver merges items: git's line merge stops on the neighbours case."""
    for name, text in (("base", BASE), ("ours", both(EMAIL)), ("theirs", both(PDF))):
        (tmp_path / name).write_text(text, encoding="utf-8")
    command = ["git", "merge-file", "-p", "ours", "base", "theirs"]
    process = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert process.returncode == 1 and "<<<<<<< ours" in process.stdout


def test_a_host_relabelled_on_one_side_an_item_changed_on_the_other() -> None:
    label = ("**GPU box** (192.168.7.20):", "**GPU box 2** (192.168.7.21):")
    item = ("> 3. llm-router `8200`\n", "> 3. llm-router `8210`\n")
    text, conflicts, clean = merged(both(label), both(item))
    assert (text, conflicts, clean) == (both(label, item), [], True)


def test_the_same_change_on_both_sides_is_written_once() -> None:
    text, conflicts, clean = merged(both(PDF), both(PDF, EMAIL))
    assert (text, conflicts, clean) == (both(PDF, EMAIL), [], True)


# --- the same item changed differently: a conflict between markers ---------------------------------


def test_the_same_item_changed_differently_is_a_conflict_between_markers(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, both(PDF_OTHER, EMAIL), both(PDF))
    assert result.exit_code == 1, result.output
    marked = "<<<<<<< main\n> - worker-pdf: 3171\n=======\n> - worker-pdf: 3161\n>>>>>>> feature\n"
    assert result.text == both(EMAIL, (PDF[0], marked))
    assert "CONFLICT: worker-pdf (running on Production box): the list item changed on both sides" in result.output


def test_one_service_of_an_item_changed_differently_is_a_conflict() -> None:
    ours = ("api-auth `3101`, api-billing", "api-auth `3111`, api-billing")
    theirs = ("api-auth `3101`, api-billing", "api-auth `3121`, api-billing")
    text, conflicts, clean = merged(both(ours), both(theirs))
    assert not clean and conflicts == [
        "api-gateway, api-auth, api-billing, api-search, api-notify (running on Production box): "
        "the list item changed on both sides"
    ]
    ours_part = text[text.index("<<<<<<< ours\n") : text.index("=======\n")]
    theirs_part = text[text.index("=======\n") : text.index(">>>>>>> theirs\n")]
    assert "api-auth `3111`" in ours_part and "api-auth `3121`" in theirs_part
    assert "shop" not in text and text.count("api-notify `3104`") == 2  # the whole item, on each side


# --- added: in the right host's list, at the right place -------------------------------------------


def test_an_item_they_added_lands_in_its_hosts_list_after_the_item_it_follows(tmp_path: Path) -> None:
    theirs = (GPU_LAST, GPU_LAST + "> 10. sdxl `8400`\n")
    staging = (STAGING_LAST, "> - mailpit `8025`\n> - minio `9000`\n>\n> **Not deployed")
    result = git_merge(tmp_path, BASE, both(EMAIL), both(theirs, staging))
    assert result.exit_code == 0, result.output
    assert result.text == both(EMAIL, theirs, staging)
    steps = merge(parse(BASE), parse(both(EMAIL)), parse(both(theirs, staging))).merged
    assert steps == ("add sdxl (running on GPU box)", "add minio (running on Staging box)")


def test_both_sides_adding_after_one_item_keep_both_ours_first() -> None:
    ours = (GPU_LAST, GPU_LAST + "> 10. reranker `8301`\n")
    theirs = (GPU_LAST, GPU_LAST + "> 10. sdxl `8400`\n")
    text, conflicts, clean = merged(both(ours), both(theirs))
    assert (conflicts, clean) == ([], True)
    assert text == both((GPU_LAST, GPU_LAST + "> 10. reranker `8301`\n> 10. sdxl `8400`\n"))


def test_both_sides_adding_one_service_on_one_host_differently_is_a_conflict() -> None:
    ours = (GPU_LAST, GPU_LAST + "> 10. reranker `8301`\n")
    theirs = (GPU_LAST, GPU_LAST + "> 10. reranker `8302`\n")
    text, conflicts, clean = merged(both(ours), both(theirs))
    assert not clean
    assert conflicts == [
        "both sides added reranker (running on GPU box): we wrote '> 10. reranker `8301`', they '> 10. reranker `8302`'"
    ]
    assert GPU_LAST + "> 10. reranker `8301`\n<<<<<<< ours\n=======\n> 10. reranker `8302`\n>>>>>>> theirs\n" in text


# --- removed on one side, changed on the other -----------------------------------------------------


@pytest.mark.parametrize("we_remove", [True, False], ids=["we-remove", "they-remove"])
def test_an_item_removed_on_one_side_and_changed_on_the_other_is_a_conflict(tmp_path: Path, we_remove: bool) -> None:
    removed, changed = both((PDF[0], "")), both(PDF)
    ours, theirs = (removed, changed) if we_remove else (changed, removed)
    result = git_merge(tmp_path, BASE, ours, theirs)
    assert result.exit_code == 1, result.output
    sides = ("", PDF[1]) if we_remove else (PDF[1], "")
    assert result.text == both((PDF[0], f"<<<<<<< main\n{sides[0]}=======\n{sides[1]}>>>>>>> feature\n"))
    who = "we removed worker-pdf (running on Production box), but they changed it"
    if not we_remove:
        who = "they removed worker-pdf (running on Production box), but we changed it"
    assert f"CONFLICT: {who}" in result.output


def test_an_item_removed_on_one_side_and_left_on_the_other_is_removed() -> None:
    text, conflicts, clean = merged(both((PDF[0], "")), both(EMAIL))
    assert (text, conflicts, clean) == (both((PDF[0], ""), EMAIL), [], True)


def test_a_host_list_they_removed_while_we_changed_it_goes_between_markers_whole() -> None:
    staging = BASE[BASE.index("> **Staging box") : BASE.index("> **Not deployed")]
    ours = both(("> - api-auth `3101`\n> - worker-email `3150`", "> - api-auth `3111`\n> - worker-email `3150`"))
    text, conflicts, clean = merged(ours, both((staging, "")))
    assert not clean
    assert conflicts == ["they removed the running list at line 47, but we changed it"]
    ours_part = text[text.index("<<<<<<< ours\n") : text.index("=======\n")]
    assert "> - api-auth `3111`\n" in ours_part and "> - mailpit `8025`\n" in ours_part
    assert text.count("> - mailpit") == 1


def test_the_merge_driver_as_a_command_names_the_running_conflict(tmp_path: Path) -> None:
    for name, text in (("base.md", BASE), ("ours.md", both(PDF_OTHER)), ("theirs.md", both(PDF))):
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = invoke_mdports("merge", "base.md", "ours.md", "theirs.md", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert '"worker-pdf (running on Production box): the list item changed on both sides"' in result.stdout
    assert "<<<<<<< ours\n> - worker-pdf: 3171\n" in (tmp_path / "ours.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("other_host", [False, True], ids=["one-host", "two-hosts"])
def test_one_port_taken_on_both_sides_is_an_error_only_on_one_host(other_host: bool) -> None:
    """Both items are kept (they are different items); two services on one port of one host is MP001."""
    ours = (GPU_LAST, GPU_LAST + "> 10. foo `8400`\n")
    theirs = (STAGING_LAST, "> - mailpit `8025`\n> - bar `8400`\n>\n> **Not deployed")
    if not other_host:
        theirs = (GPU_LAST, GPU_LAST + "> 10. bar `8400`\n")
    result = merge(parse(BASE), parse(both(ours)), parse(both(theirs)))
    assert result.conflicts == ()
    assert "foo `8400`" in result.text and "bar `8400`" in result.text
    errors = [(finding.rule.id, finding.message) for finding in result.errors]
    if other_host:
        assert (errors, result.clean) == ([], True)
    else:
        assert errors == [("MP001", "port 8400 of bar on GPU box is already assigned to foo (line 45)")]
        assert not result.clean
