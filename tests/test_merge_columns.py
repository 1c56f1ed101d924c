"""A column renamed on one side of a merge (issue 12, item 16), through a real ``git merge``.

``mdports diff`` reports a renamed column as one change per table; the merge driver replays
exactly what it reports, so it renames the header cell of our matching table and matches cells
by column across the three versions, whatever each side calls the column.
"""

from __future__ import annotations

from pathlib import Path

from conftest import MERGE_BASE as BASE
from conftest import git_merge

HEADER = "| Port | Service | Description |"
RENAMED = "| Port | Service | Notes |"


def core_only(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` in the Core table only (the first occurrence)."""
    assert old in text
    return text.replace(old, new, 1)


def test_their_column_rename_and_our_cell_edit_and_row_both_land(tmp_path: Path) -> None:
    theirs = core_only(BASE, HEADER, RENAMED)
    ours = BASE.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |").replace(
        "| 3003-3009 | *(reserved)* | |", "| 3003 | cache | Redis |\n| 3004-3009 | *(reserved)* | |"
    )
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == core_only(ours, HEADER, RENAMED)
    assert "rename column Description -> Notes" in merged.output


def test_their_rename_with_a_cell_edit_of_theirs_lands_beside_our_row(tmp_path: Path) -> None:
    theirs = core_only(BASE, HEADER, RENAMED).replace("| 3001 | auth | old |", "| 3001 | auth | Login |")
    ours = BASE.replace("| 4001-4099 | *(reserved)* | |", "| 4001 | docs | Docs |\n| 4002-4099 | *(reserved)* | |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == core_only(ours, HEADER, RENAMED).replace("| 3001 | auth | old |", "| 3001 | auth | Login |")


def test_our_column_rename_keeps_their_cell_edit_and_row(tmp_path: Path) -> None:
    ours = BASE.replace(HEADER, RENAMED)  # both tables
    theirs = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | new |").replace(
        "| 4001-4099 | *(reserved)* | |", "| 4001 | docs | Docs |\n| 4002-4099 | *(reserved)* | |"
    )
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == theirs.replace(HEADER, RENAMED)


def test_their_removal_of_a_row_we_only_renamed_a_column_of_is_clean(tmp_path: Path) -> None:
    ours = core_only(BASE, HEADER, RENAMED)
    theirs = BASE.replace("| 3002 | db | Database |\n", "")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == core_only(theirs, HEADER, RENAMED)


def test_the_same_rename_on_both_sides_is_clean(tmp_path: Path) -> None:
    ours = core_only(BASE, HEADER, RENAMED).replace("| 3001 | auth | old |", "| 3001 | auth | new |")
    theirs = core_only(BASE, HEADER, RENAMED)
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours


def test_one_column_renamed_differently_on_each_side_is_a_conflict(tmp_path: Path) -> None:
    ours = core_only(BASE, HEADER, "| Port | Service | Remarks |")
    theirs = core_only(BASE, HEADER, RENAMED)
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 1
    assert "they renamed column 'Description' to 'Notes', we renamed it to 'Remarks'" in merged.output
    assert "| Port | Service | Remarks |" in merged.text


def test_their_rename_of_a_column_we_removed_is_a_conflict(tmp_path: Path) -> None:
    core = "| Port | Service |\n|------|---------|\n| 3001 | auth |\n| 3002 | db |\n| 3003-3009 | *(reserved)* |\n"
    start = BASE.index(HEADER)
    end = BASE.index("\n## 4000")
    ours = BASE[:start] + core + BASE[end:]
    theirs = core_only(BASE, HEADER, RENAMED)
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 1
    assert "they renamed column 'Description' to 'Notes', a column our table (line 9) does not have" in merged.output


def test_a_longer_header_in_an_aligned_table_realigns_it(tmp_path: Path) -> None:
    aligned = BASE.replace(
        "| Port | Service | Description |\n|------|---------|-------------|\n| 3001 | auth | old |\n"
        "| 3002 | db | Database |\n",
        "| Port | Service | Description |\n|------|---------|-------------|\n"
        "| 3001 | authsvc | old-thing-1 |\n| 3002 | dbasesv | database-db |\n",
    ).replace("| 3003-3009 | *(reserved)* | |\n", "")
    theirs = aligned.replace("| Description |", "| What this service is for |", 1).replace(
        "|------|---------|-------------|", "|------|---------|--------------------------|", 1
    )
    theirs = theirs.replace("| old-thing-1 |", "| old-thing-1              |")
    theirs = theirs.replace("| database-db |", "| database-db              |")
    ours = aligned.replace("| 3002 | dbasesv | database-db |", "| 3002 | dbasesv | postgres-db |")
    merged = git_merge(tmp_path, aligned, ours, theirs)
    assert merged.exit_code == 0, merged.output
    # Re-padded as every widened aligned table is, its delimiter row kept edge to edge as written.
    expected = theirs.replace("| database-db ", "| postgres-db ")
    assert merged.text == expected
