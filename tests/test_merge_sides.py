"""The merge driver never drops a side (issue 20, items 1-6), through real ``git merge`` and the command.

Every case is a three-way merge of :data:`conftest.MERGE_BASE`: our change on ``main``, theirs on
``feature``. A change one side made is in the result, or between conflict markers with a
conflict named and a non-zero exit — never gone with exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DOC, INPUTS, git_merge, invoke_mdports, run_mdports
from conftest import MERGE_BASE as BASE

from mdports.diff.compare import compare
from mdports.merge.driver import merge
from mdports.model.reading import build
from mdports.rules.validation import validate
from mdports.syntax.document import parse

CORE = BASE[BASE.index("## 3000-3009: Core") : BASE.index("## 4000-4099: Web")]
CORE_TABLE = CORE[CORE.index("| Port") :]
CORE_ROWS = "| 3001 | auth | old |\n| 3002 | db | Database |\n| 3003-3009 | *(reserved)* | |\n"
OUR_ROW = ("| 3003-3009 | *(reserved)* | |", "| 3003 | cache | Redis |\n| 3004-3009 | *(reserved)* | |")
OUR_EDIT = ("| 3002 | db | Database |", "| 3002 | db | Postgres |")
THEIR_EDIT = ("| 4000 | web | Site |", "| 4000 | web | Website |")
# Their side folds Core into Web: the heading goes, its rows move to the Web table.
FOLDED = (
    BASE.replace(CORE, "")
    .replace("## 4000-4099: Web", "## 3000-4099: Web")
    .replace("| 4001-4099 | *(reserved)* | |\n", "| 4001-4099 | *(reserved)* | |\n" + CORE_ROWS)
)


def merged(base: str, ours: str, theirs: str) -> tuple[str, list[str], bool]:
    result = merge(parse(base), parse(ours), parse(theirs))
    return result.text, [conflict.message for conflict in result.conflicts], result.clean


# --- item 1: a section or table removed on one side, changed on the other ------------------------


@pytest.mark.parametrize(
    ("theirs", "kept"),
    [
        (BASE.replace(CORE, ""), "<<<<<<< main\n## 3000-3009: Core\n\n" + "| Port | Service | Description |\n"),
        (BASE.replace(CORE_TABLE, ""), "## 3000-3009: Core\n\n<<<<<<< main\n| Port | Service | Description |\n"),
        (FOLDED, "<<<<<<< main\n## 3000-3009: Core\n\n| Port | Service | Description |\n"),
    ],
    ids=["section", "table", "folded"],
)
def test_their_removal_keeps_our_new_row_between_markers(tmp_path: Path, theirs: str, kept: str) -> None:
    result = git_merge(tmp_path, BASE, BASE.replace(*OUR_ROW), theirs)
    assert result.exit_code == 1, result.output
    assert kept in result.text
    ours_side = result.text[result.text.index("<<<<<<< main") : result.text.index("=======")]
    assert "| 3003 | cache | Redis |\n" in ours_side
    assert "they removed the table at line 9, but we added or changed 1 row(s) (cache) in it" in result.output


def test_their_section_removal_keeps_our_new_row_through_the_command(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("base.md", "ours.md", "theirs.md")]
    for path, text in zip(paths, (BASE, BASE.replace(*OUR_ROW), BASE.replace(CORE, "")), strict=True):
        path.write_text(text)
    result = run_mdports("merge", *map(str, paths), "-L", "main", "-L", "base", "-L", "feature", cwd=tmp_path)
    assert result.returncode == 1
    assert paths[1].read_text() == BASE.replace(
        CORE,
        "<<<<<<< main\n## 3000-3009: Core\n\n| Port | Service | Description |\n|------|---------|-------------|\n"
        "| 3003 | cache | Redis |\n\n=======\n>>>>>>> feature\n",
    )
    assert result.stderr == (
        "mdports merge: remove auth\n"
        "mdports merge: remove db\n"
        "mdports merge: drop placeholder 3003-3009\n"
        "mdports merge: CONFLICT: they removed the table at line 9, but we added or changed 1 row(s) (cache) in it\n"
        "mdports merge: CONFLICT: 1 conflict(s) in the prose\n"
        f"mdports merge: resolve the marked lines in {paths[1]}\n"
    )


def test_our_edited_row_in_their_removed_section_is_left_between_markers() -> None:
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_EDIT), BASE.replace(CORE, ""))
    assert not clean
    assert "they removed db, but we changed it" in conflicts
    assert (
        "<<<<<<< ours\n## 3000-3009: Core\n\n" in text
        and "| 3002 | db | Postgres |\n\n=======\n>>>>>>> theirs\n" in text
    )
    assert text.count("<<<<<<<") == 1  # the table goes between markers whole, no markers nested inside


@pytest.mark.parametrize("change", [OUR_ROW, OUR_EDIT], ids=["added", "edited"])
def test_their_row_in_our_removed_section_is_left_between_markers(tmp_path: Path, change: tuple[str, str]) -> None:
    """The mirror: we removed the section, they added or changed a row in it."""
    result = git_merge(tmp_path, BASE, BASE.replace(CORE, ""), BASE.replace(*change))
    assert result.exit_code == 1, result.output
    assert "<<<<<<< main\n=======\n## 3000-3009: Core\n" in result.text
    assert change[1] + "\n" in result.text.split("=======")[1]
    assert "we removed the table at line 9 of their version, but they changed it" in result.output


def test_both_removing_a_section_is_clean() -> None:
    text, conflicts, clean = merged(BASE, BASE.replace(CORE, ""), BASE.replace(CORE, "").replace(*THEIR_EDIT))
    assert clean, conflicts
    assert text == BASE.replace(CORE, "").replace(*THEIR_EDIT)


def test_their_removal_of_a_section_we_left_alone_is_clean() -> None:
    text, conflicts, clean = merged(BASE, BASE.replace(*THEIR_EDIT), BASE.replace(CORE, ""))
    assert clean, conflicts
    assert text == BASE.replace(CORE, "").replace(*THEIR_EDIT)


def test_their_section_removal_keeps_the_row_our_diff_moved(tmp_path: Path) -> None:
    """Hypothesis' shrunk case (broken.md): we renamed a heading and removed two of its three rows,
    they removed the section. Our diff no longer knows the section (one row of three left, another
    title), so it reports the last row moved: their removal of it is a conflict, not replayed away.
    """
    base = (INPUTS / "broken.md").read_text(encoding="utf-8")
    ours = base.replace("## 3009-3000: Reversed range\n", "## 3009-3000: Reversed range svc-a\n").replace(
        "| 3100 | ui | 3050 api-server |\n| 3101 | admin | 3001 billing |\n", ""
    )
    section = base[base.index("## 3009-3000: Reversed range") : base.index("## 30xx-31xx")]
    theirs = base.replace("|-------------|\n", "|-------------|\n| 3000 | svc-a |  |\n", 1).replace(section, "")
    moved = compare(build(parse(base)), build(parse(ours)), findings=False).entries
    assert [(c.kind, c.service) for c in moved if c.kind != "removed"] == [("moved", "console")]
    result = git_merge(tmp_path, base, ours, theirs)
    assert result.exit_code == 1, result.output
    ours_side = result.text[result.text.index("<<<<<<< main") : result.text.index("=======")]
    assert ours_side == (
        "<<<<<<< main\n## 3009-3000: Reversed range svc-a\n\n| Port | Service | Backend |\n"
        "|------|---------|---------|\n| 3103 | console | 3002 auth |\n\n"
    )
    assert "| 3000 | svc-a |  |\n" in result.text  # their row merged all the same
    assert "they removed console, but we changed it" in result.output


def test_their_renamed_section_with_edited_rows_keeps_our_row() -> None:
    """A sibling: a heading renamed and its rows edited on one side, a row added on the other."""
    theirs = BASE.replace("## 3000-3009: Core", "## 3000-3009: Platform").replace(
        "| 3001 | auth | old |", "| 3001 | login | Login |"
    )
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_ROW), theirs)
    assert clean, conflicts
    assert text == theirs.replace(*OUR_ROW)


def test_their_table_moved_to_another_section_keeps_our_row() -> None:
    """A sibling: the whole table cut and pasted under another heading; our row goes with it."""
    web = BASE[BASE.index("## 4000-4099: Web") :]
    theirs = BASE.replace(CORE_TABLE, "").replace(web, web + "\n" + CORE_TABLE)
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_ROW), theirs)
    assert clean, conflicts
    assert text == theirs.replace(*OUR_ROW)


# --- item 2: a column removed on one side, a cell of it changed on the other ----------------------

NO_DESCRIPTION = BASE.replace(
    "| Port | Service | Description |\n|------|---------|-------------|\n" + CORE_ROWS,
    "| Port | Service |\n|------|---------|\n| 3001 | auth |\n| 3002 | db |\n| 3003-3009 | *(reserved)* |\n",
)


def test_their_column_removal_and_our_cell_edit_conflict(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, BASE.replace(*OUR_EDIT), NO_DESCRIPTION)
    assert result.exit_code == 1, result.output
    assert "<<<<<<< main\n| 3002 | db | Postgres |\n=======\n| 3002 | db | |\n>>>>>>> feature\n" in result.text
    assert "they removed column Description of the table at line 9, where we wrote 'Postgres'" in result.output


def test_their_column_removal_and_our_new_row_with_a_cell_in_it_conflict() -> None:
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_ROW), NO_DESCRIPTION)
    assert not clean and any(
        "they removed column Description of the table at line 9, where we wrote 'Redis'" in c for c in conflicts
    )
    assert "<<<<<<< ours\n| 3003 | cache | Redis |\n=======\n| 3003 | cache | |\n>>>>>>> theirs\n" in text


def test_their_column_removal_lands_when_we_changed_no_cell_of_it() -> None:
    text, conflicts, clean = merged(BASE, BASE.replace(*THEIR_EDIT), NO_DESCRIPTION)
    assert clean, conflicts
    assert text == NO_DESCRIPTION.replace(*THEIR_EDIT)


def test_their_column_removal_and_our_new_row_without_that_cell_lands() -> None:
    ours = BASE.replace(*OUR_ROW).replace("| 3003 | cache | Redis |", "| 3003 | cache | |")
    text, conflicts, clean = merged(BASE, ours, NO_DESCRIPTION)
    assert clean, conflicts
    assert text == NO_DESCRIPTION.replace(
        "| 3003-3009 | *(reserved)* |", "| 3003 | cache |\n| 3004-3009 | *(reserved)* |"
    )


def test_our_column_removal_and_their_cell_edit_conflict() -> None:
    """The reverse direction, as before: named as a modify/delete conflict."""
    _, conflicts, clean = merged(BASE, NO_DESCRIPTION, BASE.replace(*OUR_EDIT))
    assert not clean and "they changed Description of db, a column our table does not have" in conflicts


# --- item 3: a change only in markup, padding or column order is a change ------------------------

AUTH = "| 3001 | auth | old |"
REORDERED = BASE.replace(
    "| Port | Service | Description |\n|------|---------|-------------|\n" + CORE_ROWS,
    "| Service | Port | Description |\n|---------|------|-------------|\n"
    "| auth | 3001 | old |\n| db | 3002 | Database |\n| *(reserved)* | 3003-3009 | |\n",
)


@pytest.mark.parametrize(
    "theirs",
    [
        BASE.replace(AUTH, "| 3001 | [auth](docs/auth.md) | old |"),
        BASE.replace(AUTH, "| 3001 | **auth** | old |"),
        BASE.replace(AUTH, "| `3001` | auth | old |"),
        BASE.replace(AUTH, "| 3001 | auth | *old* |"),
        BASE.replace(AUTH, "|  3001  |  auth  |  old  |"),
        BASE.replace("|------|---------|-------------|", "|-----:|:--------|-------------|", 1),
        BASE.replace("| Port | Service | Description |", "| Port | Service  | Description |", 1),
    ],
    ids=["link", "bold", "backticks", "emphasis", "padding", "alignment", "header"],
)
def test_their_markup_and_our_edit_both_land(tmp_path: Path, theirs: str) -> None:
    result = git_merge(tmp_path, BASE, BASE.replace(*OUR_EDIT), theirs)
    assert result.exit_code == 0, result.output
    assert result.text == theirs.replace(*OUR_EDIT)


def test_our_markup_and_their_edit_both_land() -> None:
    ours = BASE.replace(AUTH, "| 3001 | **auth** | old |")
    text, conflicts, clean = merged(BASE, ours, BASE.replace(*OUR_EDIT))
    assert clean, conflicts
    assert text == ours.replace(*OUR_EDIT)


def test_their_markup_and_our_edit_of_the_same_row_merge_cell_by_cell() -> None:
    theirs = BASE.replace(AUTH, "| 3001 | [auth](docs/auth.md) | old |")
    text, conflicts, clean = merged(BASE, BASE.replace(AUTH, "| 3001 | auth | Login |"), theirs)
    assert clean, conflicts
    assert "| 3001 | [auth](docs/auth.md) | Login |\n" in text


def test_their_column_order_and_our_edits_both_land(tmp_path: Path) -> None:
    ours = BASE.replace(*OUR_EDIT).replace(*OUR_ROW)
    result = git_merge(tmp_path, BASE, ours, REORDERED)
    assert result.exit_code == 0, result.output
    assert result.text == REORDERED.replace("| db | 3002 | Database |", "| db | 3002 | Postgres |").replace(
        "| *(reserved)* | 3003-3009 | |", "| cache | 3003 | Redis |\n| *(reserved)* | 3004-3009 | |"
    )


def test_column_order_changed_on_both_sides_differently_is_named() -> None:
    ours = BASE.replace(
        "| Port | Service | Description |\n|------|---------|-------------|\n" + CORE_ROWS,
        "| Port | Description | Service |\n|------|-------------|---------|\n"
        "| 3001 | old | auth |\n| 3002 | Database | db |\n| 3003-3009 | | *(reserved)* |\n",
    )
    _, conflicts, clean = merged(BASE, ours, REORDERED)
    assert not clean and any("they changed the columns of the table at line 9" in c for c in conflicts)


# --- item 4: a table split on one side -------------------------------------------------------------

SPLIT = BASE.replace(
    "| 3002 | db | Database |\n| 3003-3009 | *(reserved)* | |\n",
    "| 3003-3009 | *(reserved)* | |\n\nData stores:\n\n| Port | Service | Description |\n"
    "|------|---------|-------------|\n| 3002 | db | Database |\n",
)


def test_their_split_and_our_new_row_keep_the_moved_row_once(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, BASE.replace(*OUR_ROW), SPLIT)
    assert result.exit_code == 0, result.output
    assert result.text == SPLIT.replace(*OUR_ROW)
    assert result.text.count("| db |") == 1


def test_our_split_and_their_new_row_keep_the_moved_row_once() -> None:
    text, conflicts, clean = merged(BASE, SPLIT, BASE.replace(*OUR_ROW))
    assert clean, conflicts
    assert text == SPLIT.replace(*OUR_ROW)


def test_their_split_of_a_row_we_edited_conflicts() -> None:
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_EDIT), SPLIT)
    assert not clean
    assert "they moved db (3002) to a new table (line 18 of their version), but we changed it" in conflicts
    assert "<<<<<<< ours\n| 3002 | db | Postgres |\n=======\n>>>>>>> theirs\n" in text


def test_their_split_of_a_row_we_removed_conflicts() -> None:
    _, conflicts, clean = merged(BASE, BASE.replace("| 3002 | db | Database |\n", ""), SPLIT)
    assert (
        not clean and "they moved db (3002) to a new table (line 18 of their version), but we removed it" in conflicts
    )


def test_the_same_split_on_both_sides_is_clean() -> None:
    text, conflicts, clean = merged(BASE, SPLIT.replace(*THEIR_EDIT), SPLIT)
    assert clean, conflicts
    assert text == SPLIT.replace(*THEIR_EDIT)


def test_different_splits_on_both_sides_keep_each_row_once() -> None:
    """We moved auth and db to a second table, they moved db alone to theirs: each row once, both moves kept.

    Our second table holds most of the base table's rows, so it is the base table's counterpart;
    their move of db is a move out of it.
    """
    ours = BASE.replace(
        CORE_ROWS,
        "| 3003-3009 | *(reserved)* | |\n\nData stores:\n\n| Port | Service | Description |\n"
        "|------|---------|-------------|\n| 3001 | auth | old |\n| 3002 | db | Database |\n",
    )
    text, conflicts, clean = merged(BASE, ours, SPLIT)
    assert clean, conflicts
    assert text.count("| 3001 | auth | old |") == 1 and text.count("| 3002 | db | Database |") == 1
    assert text.index("| 3001 | auth | old |") < text.index("| 3002 | db | Database |")


def test_the_same_split_with_different_text_around_it_is_a_prose_conflict() -> None:
    _, conflicts, clean = merged(BASE, SPLIT.replace("Data stores:", "Storage:"), SPLIT)
    assert not clean and not conflicts  # the tables are the same: only the line before them conflicts


def test_their_move_into_another_table_of_the_section_lands_once() -> None:
    two = BASE.replace(
        "| 3003-3009 | *(reserved)* | |\n",
        "| 3003-3009 | *(reserved)* | |\n\nMore:\n\n| Port | Service | Description |\n"
        "|------|---------|-------------|\n",
    )
    base = two.replace(
        "|------|---------|-------------|\n\n## 4000", "|------|---------|-------------|\n| 3000 | x | X |\n\n## 4000"
    )
    theirs = base.replace("| 3002 | db | Database |\n", "").replace(
        "| 3000 | x | X |\n", "| 3000 | x | X |\n| 3002 | db | Database |\n"
    )
    text, conflicts, clean = merged(base, base.replace(*OUR_ROW), theirs)
    assert clean, conflicts
    assert text == theirs.replace(*OUR_ROW)


# --- item 5: an error the merge made --------------------------------------------------------------

REFS = BASE.replace(
    "| Port | Service | Description |\n|------|---------|-------------|\n| 4000",
    "| Port | Service | Corresponds to Backend |\n|------|---------|-------------|\n| 4000",
).replace("| 3002 | db | Database |", "| 3002 | chat-db | Database |")
REFERRING = REFS.replace("| 4000 | web | Site |", "| 4000 | web | 3002 chat-db |")
REMOVING = REFS.replace("| 3002 | chat-db | Database |\n", "")


def test_a_new_error_in_the_merged_document_stops_the_merge(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("base.md", "ours.md", "theirs.md")]
    for path, text in zip(paths, (REFS, REFERRING, REMOVING), strict=True):
        path.write_text(text)
    result = run_mdports("merge", *map(str, paths), "--path", DOC, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "mdports merge: remove chat-db\n"
        f"mdports merge: CONFLICT: {DOC}:18: MP004 reference '3002 chat-db': port 3002 is not assigned"
        " (an error neither side has: the merge made it)\n"
        f"mdports merge: fix the error in {DOC}, then commit the merge\n"
    )
    assert paths[1].read_text() == REMOVING.replace("| 4000 | web | Site |", "| 4000 | web | 3002 chat-db |")


def test_a_new_error_stops_a_real_git_merge(tmp_path: Path) -> None:
    result = git_merge(tmp_path, REFS, REFERRING, REMOVING)
    assert result.exit_code == 1
    assert "MP004 reference '3002 chat-db'" in result.output and "CONFLICT (content)" in result.output


def test_a_new_error_is_in_the_json(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("base.md", "ours.md", "theirs.md")]
    for path, text in zip(paths, (REFS, REFERRING, REMOVING), strict=True):
        path.write_text(text)
    result = invoke_mdports("merge", *map(str, paths), "--format", "json", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert result.returncode == 1 and record["clean"] is False and record["conflicts"] == []
    assert [error["rule"] for error in record["errors"]] == ["MP004"]


def test_an_error_one_side_already_had_is_not_new() -> None:
    broken = REFS.replace("| 3001 | auth | old |", "| 3001 | auth | 3999 ghost-svc |")
    assert [f.rule.id for f in validate(build(parse(broken))).findings if f.severity == "error"] == ["MP004"]
    _, conflicts, clean = merged(broken, broken.replace(*THEIR_EDIT), broken.replace(*OUR_EDIT))
    assert clean, conflicts


# --- item 6: the output path, and one line ending --------------------------------------------------


@pytest.mark.parametrize("where", ["missing/out.md", "."], ids=["missing-folder", "a-folder"])
def test_output_into_a_bad_place_is_a_usage_error(tmp_path: Path, where: str) -> None:
    paths = [tmp_path / name for name in ("base.md", "ours.md", "theirs.md")]
    for path, text in zip(paths, (BASE, BASE.replace(*OUR_EDIT), BASE.replace(*THEIR_EDIT)), strict=True):
        path.write_text(text)
    result = run_mdports("merge", *map(str, paths), "-o", str(tmp_path / where), cwd=tmp_path)
    assert result.returncode == 2
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    expected = "folder that does not exist" if where.startswith("missing") else "names a folder, not a file"
    assert expected in result.stderr and "hint:" in result.stderr
    assert paths[1].read_text() == BASE.replace(*OUR_EDIT)  # nothing written


def test_their_crlf_conversion_gives_one_line_ending(tmp_path: Path) -> None:
    theirs = BASE.replace(*THEIR_EDIT).replace("\n", "\r\n")
    result = git_merge(tmp_path, BASE, BASE.replace(*OUR_EDIT).replace(*OUR_ROW), theirs)
    assert result.exit_code == 0, result.output
    data = (tmp_path / DOC).read_bytes().decode()
    assert data == BASE.replace(*OUR_EDIT).replace(*OUR_ROW).replace(*THEIR_EDIT).replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("ours_eol", "theirs_eol", "wanted"),
    [("\r\n", "\n", "\r\n"), ("\n", "\r\n", "\r\n"), ("\r\n", "\r\n", "\r\n")],
    ids=["ours-converted", "theirs-converted", "both-converted"],
)
def test_the_side_that_changed_the_line_ending_sets_it(ours_eol: str, theirs_eol: str, wanted: str) -> None:
    ours = BASE.replace(*OUR_EDIT).replace("\n", ours_eol)
    theirs = BASE.replace(*THEIR_EDIT).replace("\n", theirs_eol)
    text, conflicts, clean = merged(BASE, ours, theirs)
    assert clean, conflicts
    assert text == BASE.replace(*OUR_EDIT).replace(*THEIR_EDIT).replace("\n", wanted)


def test_a_crlf_base_converted_to_lf_by_them_gives_lf() -> None:
    crlf = BASE.replace("\n", "\r\n")
    text, conflicts, clean = merged(crlf, crlf.replace(*OUR_EDIT), BASE.replace(*THEIR_EDIT))
    assert clean, conflicts
    assert text == BASE.replace(*OUR_EDIT).replace(*THEIR_EDIT)


# --- siblings: several conflicts at one row, a move to a table we removed -------------------------


def test_a_second_conflict_at_one_row_keeps_their_row_between_markers_of_its_own() -> None:
    """Their store takes our cache's port and their cache another port: both their rows stay in the file."""
    theirs = BASE.replace(
        "| 3003-3009 | *(reserved)* | |", "| 3003 | store | S |\n| 3004 | cache | C |\n| 3005-3009 | *(reserved)* | |"
    )
    text, conflicts, _ = merged(BASE, BASE.replace(*OUR_ROW), theirs)
    assert conflicts == [
        "port 3003: we gave it to cache, they gave it to store",
        "both sides added cache: we on 3003, they on 3004",
    ]
    assert (
        "<<<<<<< ours\n| 3003 | cache | Redis |\n=======\n| 3003 | store | S |\n>>>>>>> theirs\n"
        "<<<<<<< ours\n=======\n| 3004 | cache | C |\n>>>>>>> theirs\n| 3005-3009 | *(reserved)* | |\n"
    ) in text


def test_their_move_to_a_table_we_removed_keeps_their_row_between_markers() -> None:
    web_table = BASE[BASE.index("| Port", BASE.index("## 4000")) :]
    ours = BASE.replace(web_table, "")
    theirs = BASE.replace("| 3001 | auth | old |\n", "").replace(
        "| 4000 | web | Site |", "| 4000 | web | Site |\n| 4050 | auth | old |"
    )
    text, conflicts, clean = merged(BASE, ours, theirs)
    assert not clean and "they moved auth to '4000-4099: Web', a table we lack" in conflicts
    assert "<<<<<<< ours\n| 3001 | auth | old |\n=======\n| 4050 | auth | old |\n>>>>>>> theirs\n" in text


# --- sibling of item 2: a column added on one side ------------------------------------------------

WITH_OWNER = BASE.replace(
    "| Port | Service | Description |\n|------|---------|-------------|\n" + CORE_ROWS,
    "| Port | Service | Description | Owner |\n|------|---------|-------------|-------|\n"
    "| 3001 | auth | old | ann |\n| 3002 | db | Database | bob |\n| 3003-3009 | *(reserved)* | | |\n",
)


def test_their_new_column_and_our_edit_and_row_all_land(tmp_path: Path) -> None:
    result = git_merge(tmp_path, BASE, BASE.replace(*OUR_EDIT).replace(*OUR_ROW), WITH_OWNER)
    assert result.exit_code == 0, result.output
    assert result.text == WITH_OWNER.replace(
        "| 3002 | db | Database | bob |", "| 3002 | db | Postgres | bob |"
    ).replace("| 3003-3009 | *(reserved)* | | |", "| 3003 | cache | Redis | |\n| 3004-3009 | *(reserved)* | | |")


def test_our_new_column_and_their_row_both_land() -> None:
    text, conflicts, clean = merged(BASE, WITH_OWNER, BASE.replace(*OUR_ROW))
    assert clean, conflicts
    assert text == WITH_OWNER.replace(
        "| 3003-3009 | *(reserved)* | | |", "| 3003 | cache | Redis | |\n| 3004-3009 | *(reserved)* | | |"
    )


def test_a_column_added_differently_on_both_sides_is_named() -> None:
    ours = WITH_OWNER.replace("| Owner |", "| Team  |")
    _, conflicts, clean = merged(BASE, ours, WITH_OWNER)
    assert not clean and "they changed the columns of the table at line 9, and so did we" in conflicts


def test_their_column_removal_and_our_rename_of_it_conflict() -> None:
    ours = BASE.replace("| Port | Service | Description |", "| Port | Service | Notes |", 1)
    text, conflicts, clean = merged(BASE, ours, NO_DESCRIPTION.replace(*THEIR_EDIT))
    assert not clean and "they removed column Description of the table at line 9, we renamed it to 'Notes'" in conflicts
    assert "| Port | Service | Notes |\n" in text and "| 4000 | web | Website |" in text


def test_a_conflict_in_a_table_they_reordered_shows_both_rows_in_their_order() -> None:
    theirs = REORDERED.replace("| db | 3002 | Database |", "| db | 3002 | PG |")
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_EDIT), theirs)
    assert not clean and conflicts == ["db: Description changed on both sides ('Postgres' / 'PG')"]
    assert "<<<<<<< ours\n| db | 3002 | Postgres |\n=======\n| db | 3002 | PG |\n>>>>>>> theirs\n" in text


def test_one_name_added_in_two_tables_marks_their_row_where_they_put_it() -> None:
    """Our cache in Core, theirs in Web: their row between markers in Web, ours left in Core."""
    theirs = BASE.replace("| 4001-4099 | *(reserved)* | |", "| 4001 | cache | C |\n| 4002-4099 | *(reserved)* | |")
    text, conflicts, clean = merged(BASE, BASE.replace(*OUR_ROW), theirs)
    assert not clean and conflicts == ["both sides added cache: we on 3003, they on 4001"]
    assert text == BASE.replace(*OUR_ROW).replace(
        "| 4001-4099 | *(reserved)* | |",
        "<<<<<<< ours\n=======\n| 4001 | cache | C |\n>>>>>>> theirs\n| 4002-4099 | *(reserved)* | |",
    )


def test_a_conflict_at_a_row_we_split_off_marks_their_row_at_its_own_place() -> None:
    """We moved db to a table of our own, they renamed it to a name we took: no markers nested."""
    ours = SPLIT.replace("| 4001-4099 | *(reserved)* | |", "| 4001 | store | S |\n| 4002-4099 | *(reserved)* | |")
    theirs = BASE.replace("| 3002 | db | Database |", "| 3002 | store | Database |").replace(
        "## 3000-3009: Core\n", "## 3000-3009: Core\n\nSee below.\n"
    )
    text, conflicts, clean = merged(BASE, ours, theirs)
    assert not clean and "they renamed db to store, but we already have a store" in conflicts
    assert "| 3001 | auth | old |\n<<<<<<< ours\n=======\n| 3002 | store | Database |\n>>>>>>> theirs\n" in text
    assert "| 3002 | db | Database |\n" in text  # ours, in the table we split off


def test_both_removing_sections_makes_no_new_error_of_a_table_that_moved_up() -> None:
    """A finding on a table is matched by its place in its section, not its place in the document."""
    middle = "\n## 6000-6099: Middle\n\n| Port | Service |\n|------|---------|\n| 6000 | m |\n"
    no_service = "\n## 5000-5099: Other\n\n| Port | Description |\n|------|-------------|\n| 5000 | x |\n"
    base = BASE + middle + no_service
    text, conflicts, clean = merged(base, base.replace(CORE, ""), base.replace(middle, ""))
    assert clean, conflicts
    assert text == BASE.replace(CORE, "") + no_service


# --- issue 20, the residual: every conflict kind leaves markers in the file ---------------------

CORE_HEADER = "| Port | Service | Description |"
RENAMED_TO = {name: BASE.replace(CORE_HEADER, f"| Port | Service | {name} |", 1) for name in ("Notes", "Remarks")}
NOTES_ADDED = WITH_OWNER.replace("| Owner |", "| Notes |")
# (ours, theirs, the conflict named, whether it is between markers where it happened)
KINDS = {
    "column-renamed-differently": (RENAMED_TO["Remarks"], RENAMED_TO["Notes"], "we renamed it to 'Remarks'", False),
    "column-renamed-we-removed": (
        NO_DESCRIPTION,
        RENAMED_TO["Notes"],
        "a column our table (line 9) does not have",
        False,
    ),
    "column-renamed-we-have-it": (
        NOTES_ADDED,
        RENAMED_TO["Notes"],
        "but our table (line 9) has a 'Notes' column",
        False,
    ),
    "columns-changed-both": (WITH_OWNER.replace("| Owner |", "| Team  |"), WITH_OWNER, "and so did we", False),
    "column-removed-we-renamed": (RENAMED_TO["Notes"], NO_DESCRIPTION, "we renamed it to 'Notes'", False),
    "cell-in-a-column-we-removed": (NO_DESCRIPTION, BASE.replace(*OUR_EDIT), "a column our table does not have", False),
    "new-row-cell-in-a-column-we-removed": (
        NO_DESCRIPTION,
        BASE.replace(*OUR_ROW),
        "they set Description of cache (3003), a column our table does not have",
        False,
    ),
    "split-of-a-row-we-removed": (BASE.replace("| 3002 | db | Database |\n", ""), SPLIT, "but we removed it", False),
    "split-of-a-row-we-changed": (BASE.replace(*OUR_EDIT), SPLIT, "but we changed it", True),
    "cell-changed-both": (
        BASE.replace(*OUR_EDIT),
        BASE.replace(OUR_EDIT[0], "| 3002 | db | MySQL |"),
        "both sides",
        True,
    ),
    "changed-we-removed": (
        BASE.replace("| 3002 | db | Database |\n", ""),
        BASE.replace(*OUR_EDIT),
        "they changed db, but we removed it",
        True,
    ),
    "removed-we-changed": (
        BASE.replace(*OUR_EDIT),
        BASE.replace("| 3002 | db | Database |\n", ""),
        "they removed db",
        True,
    ),
    "table-removed-we-changed": (BASE.replace(*OUR_ROW), BASE.replace(CORE_TABLE, ""), "they removed the table", True),
    "table-we-removed-they-changed": (
        BASE.replace(CORE_TABLE, ""),
        BASE.replace(*OUR_ROW),
        "we removed the table",
        True,
    ),
    "row-added-to-a-table-we-removed": (
        BASE.replace(CORE_TABLE, ""),
        BASE.replace(*OUR_ROW),
        "to a table we removed",
        False,
    ),
    "port-claimed-both": (
        BASE.replace(*OUR_ROW),
        BASE.replace(OUR_ROW[0], "| 3003 | queue | Jobs |\n| 3004-3009 | *(reserved)* | |"),
        "port 3003",
        True,
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_conflict_kind_is_between_markers_in_the_file(kind: str) -> None:
    ours, theirs, named, in_place = KINDS[kind]
    result = merge(parse(BASE), parse(ours), parse(theirs))
    found = [conflict for conflict in result.conflicts if named in conflict.message]
    assert found and not result.clean, [conflict.message for conflict in result.conflicts]
    lines = result.text.splitlines()
    assert "=======" in lines and any(line.startswith("<<<<<<< ours") for line in lines)
    note = result.text[result.text.rfind("<<<<<<< ours\n") :]
    if in_place:
        assert all(conflict.placed for conflict in found)
    else:  # at the end, their side naming it
        assert not any(conflict.placed for conflict in found)
        assert note.endswith(">>>>>>> theirs\n") and named in note.split("=======\n")[1]


def test_a_conflict_not_placed_fails_loudly_through_git(tmp_path: Path) -> None:
    """Their cell in a column we removed: exit 1, named, and their side's note at the end of the file."""
    result = git_merge(tmp_path, BASE, NO_DESCRIPTION, BASE.replace(*OUR_EDIT))
    assert result.exit_code == 1, result.output
    assert "CONFLICT: they changed Description of db, a column our table does not have" in result.output
    assert result.text == NO_DESCRIPTION + (
        "<<<<<<< main\n=======\n<!-- mdports merge: not marked in place: they changed Description of db, "
        "a column our table does not have -->\n>>>>>>> feature\n"
    )
    again = run_mdports("validate", DOC, cwd=tmp_path)
    assert again.returncode != 0  # the markers make the file invalid until a person resolves them
