"""The six defects of issue 13, each reproduced through a real ``git merge`` in a temporary repository.

Every case is a hand-made three-way merge: a base commit on ``main``, our change on ``main`` and
their change on the branch ``feature``; git runs ``mdports merge`` as the merge driver.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DOC, git_merge
from conftest import MERGE_BASE as BASE


def test_their_heading_rename_keeps_our_row_and_cell(tmp_path: Path) -> None:
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | new |").replace(
        "| 3003-3009 | *(reserved)* | |", "| 3003 | cache | Redis |\n| 3004-3009 | *(reserved)* | |"
    )
    theirs = BASE.replace("## 3000-3009: Core", "## 3000-3009: Core Platform")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours.replace("## 3000-3009: Core", "## 3000-3009: Core Platform")


def test_our_heading_rename_keeps_their_row(tmp_path: Path) -> None:
    ours = BASE.replace("## 3000-3009: Core", "## 3000-3009: Core Platform")
    theirs = BASE.replace("| 3003-3009 | *(reserved)* | |", "| 3003 | cache | Redis |\n| 3004-3009 | *(reserved)* | |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == theirs.replace("## 3000-3009: Core", "## 3000-3009: Core Platform")


def test_prose_conflict_still_replays_their_registry_changes(tmp_path: Path) -> None:
    ours = BASE.replace("Intro line.", "Our intro.")
    theirs = BASE.replace("Intro line.", "Their intro.").replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 1
    assert "<<<<<<< main\nOur intro.\n=======\nTheir intro.\n>>>>>>> feature\n" in merged.text
    assert "| 3002 | db | Postgres |" in merged.text
    assert "1 conflict(s) in the prose" in merged.output


def test_our_rename_and_their_cell_change_both_apply(tmp_path: Path) -> None:
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth2 | old |")
    theirs = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | new |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == BASE.replace("| 3001 | auth | old |", "| 3001 | auth2 | new |")


def test_their_change_to_an_entry_we_removed_is_a_conflict(tmp_path: Path) -> None:
    ours = BASE.replace("| 3002 | db | Database |\n", "")
    theirs = BASE.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 1
    assert "they changed db, but we removed it" in merged.output
    assert "<<<<<<< main\n=======\n| 3002 | db | Postgres |\n>>>>>>> feature\n" in merged.text


def test_their_removal_of_an_entry_we_changed_is_a_conflict(tmp_path: Path) -> None:
    ours = BASE.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")
    theirs = BASE.replace("| 3002 | db | Database |\n", "")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 1
    assert "they removed db, but we changed it" in merged.output
    assert "<<<<<<< main\n| 3002 | db | Postgres |\n=======\n>>>>>>> feature\n" in merged.text


@pytest.mark.parametrize(("cell", "note"), [("TBD", None), ("40o0", "MP003")])
def test_an_unreadable_port_cell_of_theirs_is_replayed_not_a_crash(tmp_path: Path, cell: str, note: str | None) -> None:
    """The issue's `| TBD | auth |` (now read as "no port yet") and a cell that cannot be read at all."""
    ours = BASE.replace("| 4000 | web | Site |", "| 4000 | web | Website |")
    theirs = BASE.replace("| 3001 | auth | old |", f"| {cell} | auth | old |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert "internal error" not in merged.output
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours.replace("| 3001 | auth | old |", f"| {cell} | auth | old |")
    assert f"move auth -> {cell}" in merged.output
    if note:  # the finding their row brings is reported, not turned into a conflict
        assert f"note: {note}" in merged.output


def test_their_row_outside_the_declared_range_is_replayed_as_they_wrote_it(tmp_path: Path) -> None:
    ours = BASE.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")
    landing = "| 4000 | web | Site |\n| 4400 | landing | Landing page |"
    theirs = BASE.replace("| 4000 | web | Site |", landing)
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours.replace("| 4000 | web | Site |", landing)


def test_their_move_outside_the_declared_range_is_replayed_as_they_did_it(tmp_path: Path) -> None:
    ours = BASE.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")
    theirs = BASE.replace("| 4000 | web | Site |\n", "").replace("| 4001-4099", "| 4400 | web | Site |\n| 4001-4099")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours.replace("| 4000 | web | Site |\n", "").replace(
        "| 4001-4099", "| 4400 | web | Site |\n| 4001-4099"
    )


def test_messages_name_the_document_and_markers_the_branches(tmp_path: Path) -> None:
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | ours |")
    theirs = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | theirs |")
    merged = git_merge(tmp_path, BASE, ours, theirs)
    assert merged.exit_code == 1
    assert ".merge_file" not in merged.output
    assert f"resolve the marked lines in {DOC}" in merged.output
    assert "<<<<<<< main\n| 3001 | auth | ours |\n=======\n| 3001 | auth | theirs |\n>>>>>>> feature\n" in merged.text


def test_the_old_three_argument_form_still_works(tmp_path: Path) -> None:
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | ours |")
    theirs = BASE.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")
    merged = git_merge(tmp_path, BASE, ours, theirs, driver="merge %O %A %B")
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours.replace("| 3002 | db | Database |", "| 3002 | db | Postgres |")


# Found by the merge property run over the corpus (benchmarks/damage.py's hunt, document 059): a
# service running on a host (a table with a Host column) and the same name in the plan (`Kite` in
# the cluster's address table) were paired by their order, so a side removing the running table
# "moved" the planned row, and the driver refused the merge with an internal error.
CLUSTER = """\
# Ports

## 30101-30199: Monitoring

| Host | Port | Service |
|------|------|---------|
| `grafana.internal` | **30101** | `grafana` |
| `prometheus.internal` | **30102** | `prometheus` |

## 30201-30299: Infrastructure

| Host | Port | Service |
|------|------|---------|
| `kite.internal` | **30201** | `kite` |
| `redis.internal` | **30202** | `redis` |

## In the cluster

| Service | Address |
|------|------|
| Grafana | `grafana.monitoring.svc.cluster.local` |
| Kite | `kite.kite.svc.cluster.local:8080` |
| Redis | `redis.redis.svc.cluster.local:6379` |
"""


def test_their_removed_running_table_leaves_the_planned_rows_of_the_same_names(tmp_path: Path) -> None:
    ours = CLUSTER.replace("| `grafana.internal` | **30101** | `grafana` |\n", "")
    infrastructure = CLUSTER[CLUSTER.index("## 30201") : CLUSTER.index("## In the cluster")]
    theirs = CLUSTER.replace(infrastructure, "")
    merged = git_merge(tmp_path, CLUSTER, ours, theirs)
    assert merged.exit_code == 0, merged.output
    assert merged.text == ours.replace(infrastructure, "")


# Found by test_no_change_of_either_side_is_lost: one name in two sections (alpha), our new table under
# a section they removed, their split of the other section's table.
TWO_ALPHAS = """\
# A registry that needs formatting

Some prose that fmt must not touch.

## 3000-3009: Core

| Port | Service | Description |
|------|---------|-------------|
| 3003 | gamma | third |
|3001|alpha|first|
| 3002 |  beta   | second |
| 3004 | *(reserved)* | |
| 3005-3006 | *(reserved)* | |
| 3008 | delta | fourth
| 3007 | *(reserved)* | |

## 4000-4009: Aligned

| Port | Service   | Notes  |
| ---- | --------- | ------ |
| 4002 | omega     | last   |
| 4000 | alpha     | first  |
| 4001 | beta      | middle |
"""

TWO_ALPHAS_OURS = TWO_ALPHAS.replace(
    "| 3007 | *(reserved)* | |\n",
    "| 3007 | *(reserved)* | |\n\nMore:\n\n"
    "| Port | Service | Description |\n|------|---------|-------------|\n| 3000 | svc-a | |\n",
)

TWO_ALPHAS_THEIRS = """\
# A registry that needs formatting

Some prose that fmt must not touch.

## 4000-4009: Aligned

| Port | Service   |
| ---- | --------- |
| 4002 | omega     |
| 4001 | beta      |

More:

| Port | Service   |
| ---- | --------- |
| 4000 | alpha     |
"""


def test_a_table_inside_a_prose_conflict_gets_no_markers_of_its_own(tmp_path: Path) -> None:
    merged = git_merge(tmp_path, TWO_ALPHAS, TWO_ALPHAS_OURS, TWO_ALPHAS_THEIRS)
    assert merged.exit_code == 1, merged.output
    inside = False
    for line in merged.text.splitlines():
        if line.startswith("<<<<<<<"):
            assert not inside, f"conflict markers nested in conflict markers:\n{merged.text}"
            inside = True
        elif line.startswith(">>>>>>>"):
            inside = False
    # Our section they removed is between markers whole; their split of the other section is theirs.
    assert "| 3000 | svc-a | |" in merged.text and "|3001|alpha|first|" in merged.text
    assert "| 4000 | alpha     |" in merged.text and "| 4002 | omega     |" in merged.text
    assert "they removed the table at line 7, but we added or changed" in merged.output


# Found by benchmarks/damage.py (corpus 004): their hand edit put a note where a port was, in a table
# of allocation blocks. mdports could not replay it by meaning and exited leaving our version alone in
# the file, without markers: resolving that "conflict" as it stood dropped their change.
ALLOCATIONS = """\
# Ports

## Port Ranges

| Project | Range | Web | API | Docs | Reserved |
|---|---|---|---|---|---|
| shop | 8100-8109 | 8100 | 8101 | 8102 | 8103-8109 |
| blog | 8110-8119 | 8110 | 8111 | 8112 | 8113-8119 |

## Notes

Keep ranges of ten.
"""


def test_a_merge_mdports_cannot_make_by_meaning_is_made_as_text_and_stops(tmp_path: Path) -> None:
    note = ("| 8102 |", "| moved to the wiki |")
    prose = ("Keep ranges of ten.\n", "Keep ranges of ten.\n\nAsk in #infra first.\n")
    merged = git_merge(tmp_path, ALLOCATIONS, ALLOCATIONS.replace(*prose), ALLOCATIONS.replace(*note))
    assert merged.exit_code != 0 and "CONFLICT" in merged.output
    assert "could not merge this document by meaning" in merged.output
    assert merged.text.startswith(ALLOCATIONS.replace(*note).replace(*prose))  # both sides' lines
    assert merged.text.splitlines()[-1] == ">>>>>>> feature"  # the note between markers: it cannot pass unseen
