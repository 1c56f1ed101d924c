"""The semantic diff by meaning, and its three renderings (text, JSON, Markdown comment)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import BUNDLED
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from strategies import markdown

from mdports.diff import CellChange, SemanticDiff
from mdports.diff.compare import compare
from mdports.model.reading import build
from mdports.output.diff_json import format_json, to_json
from mdports.output.diff_report import COMMENT_LIMIT, MARKER, comment_length, format_markdown, format_text
from mdports.syntax.document import parse
from mdports.syntax.escaping import escape_markdown

BASE = """\
# Ports

Intro prose.

## 3000-3009: Core

| Port | Service | Runtime | Depends on |
|------|---------|---------|------------|
| 3001 | auth | Go | |
| 3002 | billing | Go | 3001 auth |
| 3003-3009 | *(reserved)* | | |

## 3010-3019: Apps

| Port | Service | Runtime | Depends on |
|------|---------|---------|------------|
| 3010 | chat | Node | 3001 auth |
| 3011-3019 | *(reserved)* | | |
"""


def diff_of(old: str, new: str) -> SemanticDiff:
    return compare(build(parse(old, path="old.md")), build(parse(new, path="new.md")))


def edited(*pairs: tuple[str, str], text: str = BASE) -> str:
    for before, after in pairs:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    return text


def kinds(diff: SemanticDiff) -> list[tuple[str, str, str | None, str | None]]:
    return [(c.kind, c.status, c.old_service, c.service) for c in diff.entries]


# --- identity and classification --------------------------------------------------------------


def test_identical_documents_have_no_changes() -> None:
    diff = diff_of(BASE, BASE)
    assert not diff.changed
    assert format_text(diff) == "no registry changes (old.md -> new.md)"


def test_prose_padding_and_row_order_are_not_registry_changes() -> None:
    new = edited(
        ("Intro prose.", "Intro prose, rewritten.\n\nAnd a second paragraph that shifts every line."),
        ("| 3001 | auth | Go | |", "|  3001  |  auth  |  Go  |  |"),
        (
            "| Port | Service | Runtime | Depends on |\n|------|---------|---------|------------|\n| 3010",
            "Port | Service | Runtime | Depends on\n-----|---------|---------|-----------\n3010",
        ),
    )
    diff = diff_of(BASE, new)
    assert not diff.changed, format_text(diff)
    assert "no registry changes" in format_markdown(diff)


def test_a_rename_is_a_rename_with_the_references_that_followed() -> None:
    new = edited(
        ("| 3001 | auth | Go | |", "| 3001 | login | Go | |"),
        ("| 3002 | billing | Go | 3001 auth |", "| 3002 | billing | Go | 3001 login |"),
        ("| 3010 | chat | Node | 3001 auth |", "| 3010 | chat | Node | 3001 login |"),
    )
    diff = diff_of(BASE, new)
    assert kinds(diff) == [("renamed", "assigned", "auth", "login")]
    (rename,) = diff.entries
    assert not rename.breaking
    assert [(r.referrer, r.column, r.old, r.new) for r in rename.references] == [
        ("billing", "Depends on", "3001 auth", "3001 login"),
        ("chat", "Depends on", "3001 auth", "3001 login"),
    ]
    assert not diff.introduced and not diff.resolved
    assert "renamed   auth → login on 3001; 2 references followed: billing (Depends on), chat (Depends on)" in (
        format_text(diff)
    )


def test_a_rename_that_leaves_references_behind_introduces_broken_references() -> None:
    diff = diff_of(BASE, edited(("| 3001 | auth | Go | |", "| 3001 | login | Go | |")))
    assert kinds(diff) == [("renamed", "assigned", "auth", "login")]
    assert diff.entries[0].references == ()
    assert [f.rule.id for f in diff.introduced] == ["MP004", "MP004"]


def test_a_case_only_rename_is_still_reported() -> None:
    diff = diff_of(BASE, edited(("| 3001 | auth | Go | |", "| 3001 | Auth | Go | |")))
    assert kinds(diff) == [("renamed", "assigned", "auth", "Auth")]


def test_a_new_port_is_a_breaking_move_and_references_follow_it() -> None:
    new = edited(
        ("| 3001 | auth | Go | |\n", ""),
        (
            "| 3003-3009 | *(reserved)* | | |",
            "| 3001-3002 | *(reserved)* | | |\n| 3003 | auth | Go | |\n| 3004-3009 | *(reserved)* | | |",
        ),
        ("| 3002 | billing | Go | 3001 auth |", "| 3002 | billing | Go | 3003 auth |"),
        ("| 3010 | chat | Node | 3001 auth |", "| 3010 | chat | Node | 3003 auth |"),
    )
    diff = diff_of(BASE, new)
    moved = [c for c in diff.entries if c.status == "assigned"]
    assert [(c.kind, c.old_ports, c.ports, c.breaking) for c in moved] == [("moved", (3001,), (3003,), True)]
    assert len(moved[0].references) == 2
    assert diff.breaking == tuple(moved)
    data = to_json(diff)
    assert data["breaking"] is True


def test_a_move_to_another_section_is_breaking_even_on_the_same_port() -> None:
    new = edited(("| 3010 | chat | Node | 3001 auth |\n", ""))
    new = new.replace(
        "| 3003-3009 | *(reserved)* | | |", "| 3003-3009 | *(reserved)* | | |\n| 3010 | chat | Node | 3001 auth |"
    )
    diff = diff_of(BASE, new)
    (change,) = [c for c in diff.entries if c.status == "assigned"]
    assert (change.kind, change.breaking) == ("moved", True)
    assert change.old_section is not None and change.section is not None
    assert (change.old_section.slug, change.section.slug) == ("apps", "core")
    assert "from section 3010-3019: Apps" in format_text(diff)


def test_cells_added_removed_and_placeholders() -> None:
    new = edited(
        ("| 3010 | chat | Node | 3001 auth |", "| 3010 | chat | Bun | 3001 auth |"),
        ("| 3001 | auth | Go | |\n", ""),
        ("| 3011-3019 | *(reserved)* | | |", "| 3011 | notes | Go | |\n| 3012-3019 | *(reserved)* | | |"),
    )
    diff = diff_of(BASE, new)
    assigned = [c for c in diff.entries if c.status == "assigned"]
    assert [(c.kind, c.old_service, c.service) for c in assigned] == [
        ("removed", "auth", None),
        ("changed", "chat", "chat"),
        ("added", None, "notes"),
    ]
    assert [(cell.column, cell.old, cell.new) for cell in assigned[1].cells] == [("Runtime", "Node", "Bun")]
    reserved = [c for c in diff.entries if c.status == "reserved"]
    assert [(c.kind, c.old_ports[:1], c.ports[:1]) for c in reserved] == [("changed", (3011,), (3012,))]
    text = format_text(diff)
    assert "reserved  ports 3011-3019 → 3012-3019" in text
    assert "removed   auth from 3001" in text


def test_sections_added_removed_renamed_and_reranged() -> None:
    new = edited(
        ("## 3000-3009: Core", "## 3000-3009: Core Platform"),
        ("## 3010-3019: Apps", "## 3010-3029: Apps"),
    )
    new += "\n## 4000-4009: Bots\n\n| Port | Service |\n|---|---|\n| 4000 | bot |\n"
    diff = diff_of(BASE, new)
    assert [
        (c.kind, c.old_section and c.old_section.heading, c.section and c.section.heading) for c in diff.sections
    ] == [
        ("renamed", "3000-3009: Core", "3000-3009: Core Platform"),
        ("re-ranged", "3010-3019: Apps", "3010-3029: Apps"),
        ("added", None, "4000-4009: Bots"),
    ]
    # The entries of the renamed section are not reported as moved.
    assert kinds(diff) == [("added", "assigned", None, "bot")]
    removed = diff_of(new, BASE)
    assert [c.kind for c in removed.sections] == ["renamed", "re-ranged", "removed"]
    assert kinds(removed) == [("removed", "assigned", "bot", None)]


def test_a_section_renamed_and_reranged_is_paired_by_its_entries() -> None:
    new = edited(("## 3010-3019: Apps", "## 3020-3029: Applications"))
    new = new.replace("| 3010 | chat |", "| 3020 | chat |").replace("| 3011-3019 |", "| 3021-3029 |")
    diff = diff_of(BASE, new)
    assert [c.kind for c in diff.sections] == ["renamed"]
    assert [k for k in kinds(diff) if k[1] == "assigned"] == [("moved", "assigned", "chat", "chat")]
    assert "newly reserved: 3021-3029" in format_text(diff)
    assert "section renamed from 3010-3019: Apps; range 3010-3019 → 3020-3029" in format_text(diff)


def test_findings_are_compared_by_identity_not_line() -> None:
    out_of_range = edited(("| 3010 | chat | Node | 3001 auth |", "| 3990 | chat | Node | 3001 auth |"))
    shifted = out_of_range.replace("Intro prose.", "Intro prose.\n\nMore.\n\nAnd more.")
    assert not diff_of(out_of_range, shifted).changed
    diff = diff_of(BASE, out_of_range)
    assert [f.rule.id for f in diff.introduced] == ["MP101", "MP104"]  # out of range, and out of order
    back = diff_of(out_of_range, BASE)
    assert [f.rule.id for f in back.resolved] == ["MP101", "MP104"]
    # A renamed entry keeps its finding: neither introduced nor resolved.
    renamed = shifted.replace("| 3990 | chat |", "| 3990 | talk |")
    diff = diff_of(out_of_range, renamed)
    assert kinds(diff) == [("renamed", "assigned", "chat", "talk")]
    assert not diff.introduced and not diff.resolved


def test_accepted_findings_are_not_introduced() -> None:
    out_of_range = edited(("| 3010 | chat | Node | 3001 auth |", "| 3990 | chat | Node | 3001 auth |"))
    accepted = out_of_range.replace(
        "## 3010-3019: Apps\n", "## 3010-3019: Apps\n\n<!-- mdports: accept MP101 3990 -->\n"
    )
    diff = diff_of(out_of_range, accepted)
    assert [f.rule.id for f in diff.resolved] == ["MP101"]
    assert diff.changed and not diff.entries and not diff.introduced


def test_duplicate_names_and_unreadable_ports_do_not_crash() -> None:
    old = edited(("| 3002 | billing | Go | 3001 auth |", "| 3002 | auth | Go | |\n| x | broken | Go | |"))
    new = old.replace("| x | broken |", "| y | broken |").replace("| 3002 | auth |", "| 3002 | Auth |")
    diff = diff_of(old, new)
    text = format_text(diff)
    assert "broken" in text
    assert json.loads(format_json(diff))["version"] == 1


def test_the_bundled_document_diffs_cleanly_against_itself() -> None:
    registry = build(parse(BUNDLED.read_text(encoding="utf-8"), path="a"))
    assert not compare(registry, registry).changed


@settings(max_examples=60, deadline=None)
@given(markdown(), markdown())
@example(old="", new="Port|Port|Service\n---|---|---\n0|*(reserved)*|\ud800\n")  # a lone surrogate: no crash
def test_assigned_changes_are_symmetric(old: str, new: str) -> None:
    forward, backward = diff_of(old, new), diff_of(new, old)

    def count(diff: SemanticDiff, kind: str) -> int:
        return sum(1 for c in diff.entries if c.status == "assigned" and c.kind == kind)

    assert count(forward, "added") == count(backward, "removed")
    assert count(forward, "removed") == count(backward, "added")
    assert count(forward, "renamed") == count(backward, "renamed")
    assert count(forward, "moved") == count(backward, "moved")
    assert not diff_of(old, old).changed
    format_text(forward), format_json(forward), format_markdown(forward)


# --- JSON -------------------------------------------------------------------------------------


def test_json_schema_is_stable() -> None:
    new = edited(
        ("| 3001 | auth | Go | |", "| 3001 | login | Go | |"),
        ("| 3002 | billing | Go | 3001 auth |", "| 3002 | billing | Rust | 3001 login |"),
    )
    data = json.loads(format_json(diff_of(BASE, new)))
    assert list(data) == [
        "version", "old", "new", "changed", "breaking", "summary", "sections", "columns", "entries", "findings"
    ]  # fmt: skip
    assert data["version"] == 1 and data["changed"] is True and data["breaking"] is False
    assert data["summary"] == {
        "sections": {"added": 0, "removed": 0, "renamed": 0, "re-ranged": 0},
        "columns": {"renamed": 0},
        "entries": {"added": 0, "removed": 0, "renamed": 1, "moved": 0, "changed": 1},
        "placeholders": {"added": 0, "removed": 0, "changed": 0},
        "findings": {"introduced": 1, "resolved": 0},  # chat still refers to "3001 auth"
    }
    assert [f["rule"] for f in data["findings"]["introduced"]] == ["MP004"]
    assert data["findings"]["resolved"] == []
    rename, change = data["entries"]
    assert list(rename) == [
        "kind", "status", "service", "old_service", "ports", "old_ports", "protocols", "old_protocols",
        "marker", "old_marker", "section", "old_section", "line", "old_line", "breaking", "cells", "references",
    ]  # fmt: skip
    assert rename["references"] == [
        {"from": "billing", "column": "Depends on", "old": "3001 auth", "new": "3001 login", "line": 10}
    ]
    assert change["cells"] == [{"column": "Runtime", "old": "Go", "new": "Rust"}]
    added = json.loads(format_json(diff_of(BASE, BASE + "\n## X\n\n| Port | Service |\n|---|---|\n| 7 | x |\n")))
    entry = added["entries"][0]
    assert (entry["kind"], entry["old_service"], entry["old_ports"], entry["ports"]) == ("added", None, None, [7])
    assert added["sections"][0] == {
        "kind": "added", "slug": "x", "old_slug": None, "heading": "X", "old_heading": None,
        "range": None, "old_range": None, "range_text": None, "old_range_text": None, "line": 20, "old_line": None,
    }  # fmt: skip


# --- column renames ---------------------------------------------------------------------------


def columns_of(diff: SemanticDiff) -> list[tuple[str, str, str, int]]:
    return [(c.section.slug, c.old, c.new, c.position) for c in diff.columns]


def test_a_column_rename_is_one_change_per_table_not_one_per_row() -> None:
    new = BASE.replace("| Port | Service | Runtime | Depends on |", "| Port | Service | Runtime | Needs |", 1)
    diff = diff_of(BASE, new)
    assert columns_of(diff) == [("core", "Depends on", "Needs", 3)]
    assert diff.entries == () and diff.changed
    assert "column renamed Depends on → Needs" in format_text(diff)
    everywhere = diff_of(BASE, BASE.replace("| Depends on |", "| Needs |"))
    assert columns_of(everywhere) == [("core", "Depends on", "Needs", 3), ("apps", "Depends on", "Needs", 3)]
    assert everywhere.entries == ()
    assert everywhere.counts()["columns"] == {"renamed": 2}


def test_a_real_cell_change_under_a_renamed_column_still_shows() -> None:
    new = edited(
        ("| Port | Service | Runtime | Depends on |\n|------|---------|---------|------------|\n| 3001",
         "| Port | Service | Runtime | Needs |\n|------|---------|---------|------------|\n| 3001"),
        ("| 3002 | billing | Go | 3001 auth |", "| 3002 | billing | Go | 3001 auth, 3010 chat |"),
    )  # fmt: skip
    diff = diff_of(BASE, new)
    assert columns_of(diff) == [("core", "Depends on", "Needs", 3)]
    assert [(e.kind, e.name, e.cells) for e in diff.entries] == [
        ("changed", "billing", (CellChange("Needs", "3001 auth", "3001 auth, 3010 chat"),))
    ]


def test_a_renamed_column_that_also_moved_is_found_by_its_cells() -> None:
    header = "| Port | Service | Runtime | Depends on |\n|------|---------|---------|------------|\n"
    old = f"## 3000-3009: Core\n\n{header}| 3001 | auth | Go | |\n| 3002 | billing | Go | 3001 auth |\n"
    new = (
        "## 3000-3009: Core\n\n| Port | Service | Needs | Runtime |\n|---|---|---|---|\n"
        "| 3001 | auth | | Go |\n| 3002 | billing | 3001 auth | Go |\n"
    )
    diff = diff_of(old, new)
    assert columns_of(diff) == [("core", "Depends on", "Needs", 2)]
    assert diff.entries == ()


def test_a_column_replaced_by_another_is_not_a_rename() -> None:
    header = "| Port | Service | Runtime | Depends on |\n|------|---------|---------|------------|\n"
    old = f"## 3000-3009: Core\n\n{header}| 3001 | auth | Go | |\n| 3002 | billing | Go | 3001 auth |\n"
    new = (
        "## 3000-3009: Core\n\n| Port | Service | Depends on | Owner |\n|---|---|---|---|\n"
        "| 3001 | auth | | team-a |\n| 3002 | billing | 3001 auth | team-b |\n"
    )
    diff = diff_of(old, new)
    assert diff.columns == ()  # Runtime removed, Owner added: other cells, another place
    assert {cell.column for entry in diff.entries for cell in entry.cells} == {"Runtime", "Owner"}


def test_a_reference_in_a_renamed_column_follows_an_entry_rename() -> None:
    new = edited(
        ("| 3001 | auth | Go | |", "| 3001 | login | Go | |"),
        ("| 3002 | billing | Go | 3001 auth |", "| 3002 | billing | Go | 3001 login |"),
        ("| 3010 | chat | Node | 3001 auth |", "| 3010 | chat | Node | 3001 login |"),
    ).replace("| Depends on |", "| Needs |")
    diff = diff_of(BASE, new)
    assert kinds(diff) == [("renamed", "assigned", "auth", "login")]
    assert [(r.referrer, r.column) for r in diff.entries[0].references] == [("billing", "Needs"), ("chat", "Needs")]
    assert len(diff.columns) == 2 and not diff.introduced


# --- Markdown ---------------------------------------------------------------------------------

EVIL = [
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example)",
    "**bold**",
    "`code`",
    "@everyone",
    "<script>alert(1)</script>",
    "a&amp;b",
    "![i](https://evil.example/i.png)",
    "https://evil.example",
    "www.evil.example",
    ":tada:",
]


def _html(comment: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(comment)


def test_markdown_escapes_every_name_and_cell() -> None:
    rows = "".join(f"| {3001 + i} | {name.replace('|', '')} | {name} |\n" for i, name in enumerate(EVIL))
    old = "## 3000-3099: Core\n\n| Port | Service | Note |\n|---|---|---|\n| 3000 | base | x |\n"
    new = old + rows.replace("| Note |", "")
    comment = format_markdown(diff_of(old, new))
    html = _html(comment)
    for tag in ("<img", "<script", "<a ", "<strong>bold", "<code>", "<em>"):
        assert tag not in html, tag
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as written
    assert "a&amp;amp;b" in html
    assert "@everyone" not in html.replace("@\u200beveryone", "")
    # Bare addresses are broken up so that GitHub's autolinker leaves them as text.
    assert "://" not in comment.replace("https://github.com", "") and "www." not in comment


@pytest.mark.parametrize("text", [*EVIL, "a|b", "line\nbreak", "#heading", "> quote", "1. item", "- item"])
def test_escaped_text_renders_as_itself(text: str) -> None:
    html = _html(f"- {escape_markdown(text)}\n")
    inner = re.fullmatch(r"<ul>\n<li>(.*)</li>\n</ul>\n", html, re.DOTALL)
    assert inner is not None, html
    import html as html_module

    assert html_module.unescape(inner.group(1)).replace("\u200b", "") == text.replace("\n", " ")


def test_markdown_has_the_marker_and_groups_by_section() -> None:
    new = edited(
        ("| 3001 | auth | Go | |", "| 3001 | login | Go | |"), ("| 3010 | chat | Node |", "| 3010 | chat | Bun |")
    )
    comment = format_markdown(diff_of(BASE, new))
    assert comment.startswith(MARKER + "\n")
    assert comment.index("#### 3000\\-3009\\: Core") < comment.index("**renamed** auth → login")
    assert comment.index("#### 3010\\-3019\\: Apps") < comment.index("**changed** chat")


def _huge(count: int, name_length: int) -> tuple[str, str]:
    head = "## 10000-60000: Everything\n\n| Port | Service | Description |\n|---|---|---|\n"
    old = head + "".join(f"| {10000 + i} | svc-{i}-{'x' * name_length} | old |\n" for i in range(count))
    new = head + "".join(f"| {10000 + i} | svc-{i}-{'y' * name_length} | new <b>{i}</b> |\n" for i in range(count))
    return old, new


def test_a_huge_diff_folds_into_details_and_fits_the_comment_limit() -> None:
    old, new = _huge(6000, 40)
    diff = diff_of(old, new)
    assert len(diff.entries) == 6000
    comment = format_markdown(diff)
    assert comment_length(comment) <= COMMENT_LIMIT and len(comment) <= COMMENT_LIMIT
    assert comment.startswith(MARKER)
    summary = re.search(r"<details><summary>(\d+) more changes in 1 section</summary>", comment)
    assert summary is not None
    shown_before = comment[: comment.index("<details>")].count("\n- ")
    assert shown_before + int(summary.group(1)) == 6000
    tail = re.search(r"\*(\d+) more changes not shown", comment)
    assert tail is not None
    shown_inside = comment[comment.index("<details>") :].count("\n- ")
    assert shown_inside + int(tail.group(1)) == int(summary.group(1))
    assert comment.rstrip().endswith("to see them all.*")
    html = _html(comment)
    assert "<b>" not in html


@pytest.mark.parametrize("limit", [2_000, 10_000, 65_536])
def test_the_comment_limit_holds_for_wide_characters(limit: int) -> None:
    old, new = _huge(800, 10)
    new = new.replace("| new <b>", "| 🎉🎉 <b>")
    comment = format_markdown(diff_of(old, new), limit=limit)
    assert comment_length(comment) <= limit


@given(st.lists(st.text(min_size=1, max_size=30).filter(lambda s: "|" not in s and s.strip() == s), max_size=8))
@settings(max_examples=50, deadline=None)
def test_random_names_never_produce_markup(names: list[str]) -> None:
    head = "## 1-99: A\n\n| Port | Service | Note |\n|---|---|---|\n"
    new = head + "".join(f"| {i + 1} | n{i} | {name} |\n" for i, name in enumerate(names))
    html = _html(format_markdown(diff_of(head, new)))
    for tag in ("<img", "<a ", "<code>", "<em>", "<script", "<h1", "<blockquote", "<ol"):
        assert tag not in html


def test_sections_are_matched_by_declared_range_before_title() -> None:
    """A new section with an old one's title is added; the old one is not re-ranged into it."""
    table = "\n| Port | Service |\n|---|---|\n| {} | {} |\n"
    old = "## 3000-3009: Web\n" + table.format(3001, "site")
    new = "## 2000-2009: Web\n" + table.format(2001, "blog") + "\n" + old
    diff = compare(build(parse(old)), build(parse(new)))
    assert [(c.kind, c.section and c.section.range) for c in diff.sections] == [("added", "2000-2009")]
    assert [(c.kind, c.service) for c in diff.entries] == [("added", "blog")]


def test_a_renamed_heading_keeps_its_section_by_range() -> None:
    table = "\n| Port | Service |\n|---|---|\n| 3001 | site |\n"
    diff = compare(build(parse("## 3000-3009: Web\n" + table)), build(parse("## 3000-3009: Websites\n" + table)))
    assert [c.kind for c in diff.sections] == ["renamed"] and not diff.entries
