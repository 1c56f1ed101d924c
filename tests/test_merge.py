"""``mdports merge`` as a git merge driver, tested with real ``git merge`` in temporary repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUNDLED, DOC, git, mdports_executable, run_mdports
from conftest import MERGE_BASE as BASE

import mdports
from mdports.merge.driver import merge


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "-c", "init.defaultBranch=main", "init", "-q")
    git(tmp_path, "config", "commit.gpgsign", "false")
    git(tmp_path, "config", "merge.mdports.name", "mdports port schema merge")
    git(tmp_path, "config", "merge.mdports.driver", f"'{mdports_executable()}' merge %O %A %B")
    (tmp_path / ".gitattributes").write_text(f"{DOC} merge=mdports\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / DOC).write_bytes(BUNDLED.read_bytes())
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def on_branch(repo: Path, branch: str, *commands: list[str], base: str = "main") -> None:
    git(repo, "checkout", "-q", "-b", branch, base)
    for command in commands:
        result = run_mdports("-f", DOC, *command, cwd=repo)
        assert result.returncode == 0, result.stderr
    git(repo, "commit", "-qam", branch)


def entries(repo: Path) -> dict[str, tuple[int, ...]]:
    registry = mdports.registry(mdports.load(repo / DOC))
    return {e.service: e.ports for e in registry.entries if e.service}


def test_two_adds_on_one_range_conflict_without_renumber(repo: Path) -> None:
    on_branch(repo, "a", ["add", "todo-worker", "--range", "core-infra"])
    on_branch(repo, "b", ["add", "mail-worker", "--range", "core-infra"])
    git(repo, "checkout", "-q", "a")
    result = git(repo, "merge", "--no-edit", "b", check=False)
    assert result.returncode == 1
    text = (repo / DOC).read_text()
    assert "<<<<<<< a\n| 3017 | todo-worker | | |\n=======\n| 3017 | mail-worker | | |\n>>>>>>> b\n" in text
    assert "port 3017: we gave it to todo-worker, they gave it to mail-worker" in result.stdout + result.stderr


def test_two_adds_on_one_range_merge_cleanly_with_renumber(repo: Path) -> None:
    git(repo, "config", "merge.mdports.driver", f"'{mdports_executable()}' merge --renumber %O %A %B")
    on_branch(repo, "a", ["add", "todo-worker", "--range", "core-infra"])
    on_branch(repo, "b", ["add", "mail-worker", "--range", "core-infra", "--runtime", "Go"])
    git(repo, "checkout", "-q", "a")
    result = git(repo, "merge", "--no-edit", "b", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (repo / DOC).read_text().splitlines()
    start = lines.index("| 3016 | mana-api-gateway | Go | API keys, rate limiting, usage tracking |")
    assert lines[start + 1 : start + 4] == [
        "| 3017 | todo-worker | | |",
        "| 3018 | mail-worker | Go | |",
        "| 3019 | *(reserved)* | | |",
    ]
    assert not mdports.validate(mdports.load(repo / DOC)).fails()


def test_independent_changes_merge_losslessly(repo: Path) -> None:
    on_branch(repo, "a", ["add", "todo-worker", "--range", "core-infra"], ["set", "mana-auth", "--runtime", "Go"])
    on_branch(
        repo,
        "b",
        ["rename", "chat-backend", "chat-server"],
        ["add", "arcade", "--range", "games"],
        ["set", "mana-user", "--description", "User profiles"],
    )
    git(repo, "checkout", "-q", "a")
    result = git(repo, "merge", "--no-edit", "b", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    found = entries(repo)
    assert found["todo-worker"] == (3017,) and found["arcade"] == (5101,) and "chat-backend" not in found
    text = (repo / DOC).read_text()
    assert "| 5010 | chat-web | 3030 chat-server |" in text
    assert "| 3001 | mana-auth | Go | Authentication, JWT, sessions |" in text
    assert "| 3004 | mana-user | Go | User profiles |" in text
    # Only the rows the two branches touched differ from the base document.
    base_lines = BUNDLED.read_text().splitlines()
    changed = [line for line in text.splitlines() if line not in base_lines]
    assert sorted(changed) == sorted(
        [
            "| 3001 | mana-auth | Go | Authentication, JWT, sessions |",
            "| 3004 | mana-user | Go | User profiles |",
            "| 3017 | todo-worker | | |",
            "| 3018-3019 | *(reserved)* | | |",
            "| 3030 | chat-server | NestJS | AI chat, streaming, spaces |",
            "| 5010 | chat-web | 3030 chat-server |",
            "| 5101 | arcade | |",
        ]
    )
    # Both sides stamped 2026-01-01 (SOURCE_DATE_EPOCH); a merge keeps the latest date of the three.
    assert "**Last updated:** 2026-03-28" in text


def test_prose_changes_merge_like_text(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "a")
    path = repo / DOC
    path.write_text(path.read_text().replace("single source of truth.", "single source of truth, really."))
    git(repo, "commit", "-qam", "prose")
    on_branch(repo, "b", ["add", "arcade", "--range", "games"])
    text = path.read_text()
    text = text.replace("5. Update `docker/prometheus", "5. Please update `docker/prometheus")
    path.write_text(text)
    git(repo, "commit", "-qam", "more prose")
    git(repo, "checkout", "-q", "a")
    assert git(repo, "merge", "--no-edit", "b", check=False).returncode == 0
    merged = path.read_text()
    assert "single source of truth, really." in merged and "Please update" in merged and "| 5101 | arcade |" in merged


def test_same_name_added_on_both_sides_for_different_ports_conflicts(repo: Path) -> None:
    on_branch(repo, "a", ["add", "jobs", "--range", "core-infra"])
    on_branch(repo, "b", ["add", "jobs", "--range", "games"])
    git(repo, "checkout", "-q", "a")
    result = git(repo, "merge", "--no-edit", "b", check=False)
    assert result.returncode == 1
    assert "both sides added jobs" in result.stdout + result.stderr
    # Our row stays in its table; theirs is between markers where they put it (another table).
    text = (repo / DOC).read_text()
    assert "| 3016 | mana-api-gateway | Go | API keys, rate limiting, usage tracking |\n| 3017 | jobs | | |\n" in text
    assert "| 5100 | whopixels | Pixel art game |\n<<<<<<< a\n=======\n| 5101 | jobs | |\n>>>>>>> b\n" in text


def test_same_cell_changed_differently_conflicts(repo: Path) -> None:
    on_branch(repo, "a", ["set", "mana-auth", "--runtime", "Go"])
    on_branch(repo, "b", ["set", "mana-auth", "--runtime", "Rust"])
    git(repo, "checkout", "-q", "a")
    result = git(repo, "merge", "--no-edit", "b", check=False)
    assert result.returncode == 1 and "Runtime changed on both sides" in result.stdout + result.stderr


def test_merge_api_on_documents() -> None:
    base = mdports.load(BUNDLED)
    ours = mdports.parse(mdports.add(base, "a-svc", range="games").text)
    theirs = mdports.parse(mdports.add(base, "b-svc", range="monitoring").text)
    result = merge(base, ours, theirs)
    assert result.clean and result.merged == ("add b-svc on 8001",)
    registry = mdports.registry(mdports.parse(result.text))
    assert registry.entry("a-svc").ports == (5101,) and registry.entry("b-svc").ports == (8001,)


def test_merge_command_outside_git(tmp_path: Path) -> None:
    base = tmp_path / "base.md"
    ours = tmp_path / "ours.md"
    theirs = tmp_path / "theirs.md"
    for path in (base, ours, theirs):
        path.write_bytes(BUNDLED.read_bytes())
    assert run_mdports("-f", str(ours), "add", "x-svc", "--range", "games", cwd=tmp_path).returncode == 0
    assert run_mdports("-f", str(theirs), "remove", "whopixels", cwd=tmp_path).returncode == 0
    result = run_mdports("merge", str(base), str(ours), str(theirs), "-o", str(tmp_path / "out.md"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = mdports.registry(mdports.load(tmp_path / "out.md"))
    assert "whopixels" not in found.by_name and found.entry("x-svc").ports == (5101,)


def test_merge_command_json(tmp_path: Path) -> None:
    import json

    paths = [tmp_path / name for name in ("base.md", "ours.md", "theirs.md")]
    for path in paths:
        path.write_bytes(BUNDLED.read_bytes())
    assert run_mdports("-f", str(paths[1]), "add", "a-svc", "--range", "games", cwd=tmp_path).returncode == 0
    assert run_mdports("-f", str(paths[2]), "add", "b-svc", "--range", "games", cwd=tmp_path).returncode == 0
    result = run_mdports("merge", *map(str, paths), "--format", "json", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert result.returncode == 1 and record["clean"] is False
    assert record["conflicts"] == ["port 5101: we gave it to a-svc, they gave it to b-svc"]


def _with_web_row(document: mdports.Document) -> mdports.Document:
    """The bundled document plus a frontend whose backend cell refers to chat-backend."""
    cells = {"Corresponds to Backend": "3030 chat-backend"}
    return mdports.parse(mdports.add(document, "new-web", range="5000-5059", cells=cells).text)


def test_our_new_reference_follows_their_rename() -> None:
    base = mdports.load(BUNDLED)
    ours = _with_web_row(base)
    theirs = mdports.parse(mdports.rename(base, "chat-backend", "chat-server").text)
    result = merge(base, ours, theirs)
    assert result.clean, result.conflicts
    assert "| 5001 | new-web | 3030 chat-server |" in result.text
    assert "| 5010 | chat-web | 3030 chat-server |" in result.text


def test_their_new_reference_follows_our_rename() -> None:
    base = mdports.load(BUNDLED)
    ours = mdports.parse(mdports.rename(base, "chat-backend", "chat-server").text)
    theirs = _with_web_row(base)
    result = merge(base, ours, theirs)
    assert result.clean, result.conflicts
    assert "| 5001 | new-web | 3030 chat-server |" in result.text
    assert not mdports.validate(mdports.parse(result.text)).fails()


def test_merge_command_says_everything_exactly(tmp_path: Path) -> None:
    """Outside git: what the user sees (stdout, stderr, exit code) and the merged document, exactly."""
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | ours |")
    theirs = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | theirs |").replace(
        "| 4000 | web | Site |", "| 40o0 | web | Site |"
    )
    paths = [tmp_path / name for name in ("base.md", "ours.md", "theirs.md")]
    for path, text in zip(paths, (BASE, ours, theirs), strict=True):
        path.write_text(text)
    args = ["--path", "docs/PORT_SCHEMA.md", "-L", "main", "-L", "base", "-L", "feature"]
    result = run_mdports("merge", *map(str, paths), *args, cwd=tmp_path)
    assert (result.stdout, result.returncode) == ("", 1)
    assert result.stderr == (
        "mdports merge: move web -> 40o0\n"
        "mdports merge: CONFLICT: auth: Description changed on both sides ('ours' / 'theirs')\n"
        "mdports merge: note: MP003 port cell '40o0' cannot be read: '40o0' is not a port number"
        " (a row their side wrote)\n"
        "mdports merge: resolve the marked lines in docs/PORT_SCHEMA.md\n"
    )
    assert paths[1].read_text() == ours.replace(
        "| 3001 | auth | ours |\n",
        "<<<<<<< main\n| 3001 | auth | ours |\n=======\n| 3001 | auth | theirs |\n>>>>>>> feature\n",
    ).replace("| 4000 | web | Site |", "| 40o0 | web | Site |")


NEW_SECTION = "\n## 6000-6009: New\n\n| Port | Service | Description |\n|------|---------|-------------|\n" + (
    "| 6000 | fresh | New |\n"
)


def test_a_section_they_added_arrives_whole() -> None:
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | ours |")
    result = merge(mdports.parse(BASE), mdports.parse(ours), mdports.parse(BASE + NEW_SECTION))
    assert result.clean and result.text == ours + NEW_SECTION


def test_the_same_section_added_on_both_sides_merges_cleanly() -> None:
    ours = BASE.replace("| 3001 | auth | old |", "| 3001 | auth | ours |") + NEW_SECTION
    result = merge(mdports.parse(BASE), mdports.parse(ours), mdports.parse(BASE + NEW_SECTION))
    assert result.clean and result.text == ours


def test_a_section_they_changed_beyond_recognition_keeps_our_tables() -> None:
    """Their heading loses its range and most of its rows change: tables still pair by what they hold."""
    theirs = (
        BASE.replace("## 3000-3009: Core", "## Core services")
        .replace("| 3001 | auth | old |\n", "")
        .replace("| 3002 | db |", "| 3002 | database |")
        .replace("| 4001-4099 | *(reserved)* | |", "| 4001 | auth | old |\n| 4002-4099 | *(reserved)* | |")
    )
    ours = BASE.replace("| 4001-4099 | *(reserved)* | |", "| 4001 | api | API |\n| 4002-4099 | *(reserved)* | |")
    result = merge(mdports.parse(BASE), mdports.parse(ours), mdports.parse(theirs))
    assert "## Core services\n" in result.text and "| 3002 | database | Database |" in result.text
    assert "| 4000 | web | Site |\n<<<<<<< ours\n| 4001 | api | API |\n=======\n| 4001 | auth | old |\n" in result.text
    assert result.conflicts and "port 4001" in result.conflicts[0].message
