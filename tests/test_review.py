"""diff --format github-review: the payload of GitHub's create-review API, in a real git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import INPUTS, invoke_mdports, run_mdports

# What GitHub's "create a review for a pull request" endpoint requires (REST API, 2022-11-28):
# event one of three, a string body, and per comment path, body, line on a side; a multi-line
# comment adds start_line (below line) on the same side. A review holds at most 50 comments here.
EVENTS = {"COMMENT", "APPROVE", "REQUEST_CHANGES"}


def assert_valid_review(payload: dict[str, object], path: str) -> None:
    assert set(payload) == {"event", "body", "comments"}
    assert payload["event"] in EVENTS
    assert isinstance(payload["body"], str) and payload["body"].startswith("<!-- mdports:review -->")
    comments = payload["comments"]
    assert isinstance(comments, list) and len(comments) <= 50
    for comment in comments:
        assert {"path", "line", "side", "body"} <= set(comment)
        assert set(comment) <= {"path", "line", "side", "body", "start_line", "start_side"}
        assert comment["path"] == path and comment["side"] == "RIGHT"
        assert isinstance(comment["line"], int) and comment["line"] >= 1
        if "start_line" in comment:
            assert comment["start_side"] == "RIGHT" and 1 <= comment["start_line"] < comment["line"]
        assert "```suggestion\n" in comment["body"] or " (running on " in comment["body"]


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def repository(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/PORT_SCHEMA.md").write_bytes((INPUTS / "bundled.md").read_bytes())
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def review(root: Path) -> dict[str, object]:
    result = run_mdports("diff", "--base", "HEAD", "--format", "github-review", cwd=root)
    assert result.returncode == 0, result.stderr
    payload: dict[str, object] = json.loads(result.stdout)
    assert_valid_review(payload, "docs/PORT_SCHEMA.md")
    return payload


def test_a_new_row_on_a_taken_port_gets_a_suggestion_with_the_next_free_port(tmp_path: Path) -> None:
    root = repository(tmp_path)
    document = root / "docs/PORT_SCHEMA.md"
    text = document.read_text(encoding="utf-8")
    sync = "| 3010 | mana-sync | Go | Local-first data sync (WebSocket + HTTP) |\n"
    document.write_text(text.replace(sync, sync + "| 3010 | dup-svc | Go | New |\n"), encoding="utf-8")
    line = document.read_text(encoding="utf-8").splitlines().index("| 3010 | dup-svc | Go | New |") + 1

    payload = review(root)

    (comment,) = payload["comments"]  # type: ignore[misc]
    assert comment["line"] == line
    assert comment["body"].endswith("```suggestion\n| 3017 | dup-svc | Go | New |\n```\n")
    assert "MP001 duplicate-port" in comment["body"]


def test_findings_on_untouched_lines_go_in_the_body(tmp_path: Path) -> None:
    """Removing mana-sync breaks the reference to it on a line the change did not touch."""
    root = repository(tmp_path)
    document = root / "docs/PORT_SCHEMA.md"
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("| 3030 | chat-backend |", "| 3030 | chat-server |"), encoding="utf-8")
    payload = review(root)
    assert payload["comments"] == []
    assert "MP004" in str(payload["body"])


def test_at_most_fifty_comments_the_rest_in_the_body(tmp_path: Path) -> None:
    root = repository(tmp_path)
    document = root / "docs/PORT_SCHEMA.md"
    text = document.read_text(encoding="utf-8")
    rows = "".join(f"| {port} | svc-{port} | Go |\n" for port in range(60000, 60060))
    table = "\n## 60000-60099: Many\n\n| Port | Service | Runtime | Notes |\n|---|---|---|---|\n"
    document.write_text(text + table + rows)
    payload = review(root)
    assert len(payload["comments"]) == 50  # type: ignore[arg-type]
    assert "10 more with a fix (a review holds at most 50 comments)" in str(payload["body"])


def test_github_review_needs_a_base(tmp_path: Path) -> None:
    root = repository(tmp_path)
    result = run_mdports("diff", "HEAD:docs/PORT_SCHEMA.md", "--format", "github-review", cwd=root)
    assert result.returncode == 2 and "--format github-review needs --base REV" in result.stderr


def crlf_repository(tmp_path: Path, newline: bytes = b"\r\n") -> Path:
    """A repository whose document has CRLF (or ``newline``) line endings, committed as they are."""
    root = repository(tmp_path)
    git(root, "config", "core.autocrlf", "false")
    document = root / "docs/PORT_SCHEMA.md"
    document.write_bytes(document.read_bytes().replace(b"\n", newline))
    git(root, "commit", "-q", "-am", "crlf")
    return root


def test_a_multi_line_suggestion_in_a_crlf_document_has_no_carriage_return(tmp_path: Path) -> None:
    """A new table with rows out of port order: the suggestion (the rows sorted) spans two lines."""
    root = crlf_repository(tmp_path)
    document = root / "docs/PORT_SCHEMA.md"
    table = "\r\n## 60000-60099: Many\r\n\r\n| Port | Service | Runtime |\r\n|---|---|---|\r\n"
    rows = "| 60001 | late-svc | Go |\r\n| 60000 | early-svc | Go |\r\n"
    document.write_bytes(document.read_bytes() + (table + rows).encode("utf-8"))

    payload = review(root)

    (comment,) = payload["comments"]  # type: ignore[misc]
    assert "MP104" in comment["body"]
    assert comment["line"] - comment["start_line"] == 1
    assert comment["body"].endswith("```suggestion\n| 60000 | early-svc | Go |\n| 60001 | late-svc | Go |\n```\n")


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_every_line_of_a_suggestion_loses_its_ending_whatever_the_ending(tmp_path: Path, newline: str) -> None:
    root = crlf_repository(tmp_path, newline.encode())
    document = root / "docs/PORT_SCHEMA.md"
    lines = ["", "## 60000-60099: Many", "", "| Port | Service |", "|---|---|", "| 60002 | c |", "| 60001 | b |"]
    lines.append("| 60000 | a |")
    document.write_bytes(document.read_bytes() + newline.join(lines).encode("utf-8") + newline.encode())
    result = invoke_mdports("diff", "--base", "HEAD", "--format", "github-review", cwd=root)
    assert result.returncode == 0, result.stderr
    (comment,) = json.loads(result.stdout)["comments"]
    assert comment["line"] - comment["start_line"] == 2
    assert comment["body"].endswith("```suggestion\n| 60000 | a |\n| 60001 | b |\n| 60002 | c |\n```\n")


def test_a_moved_running_port_is_a_line_comment_with_its_host(tmp_path: Path) -> None:
    """Issue 21: the review covers the running layer's changes, not only their findings."""
    case = INPUTS.parent / "diff" / "running-moved"
    root = repository(tmp_path)
    document = root / "docs/PORT_SCHEMA.md"
    document.write_bytes((case / "old.md").read_bytes())
    git(root, "commit", "-qam", "a running layer")
    document.write_bytes((case / "new.md").read_bytes())
    payload = review(root)
    comments = payload["comments"]
    assert isinstance(comments, list)
    moved = [comment for comment in comments if "api\\-search (running on Production box)" in comment["body"]]
    assert [comment["line"] for comment in moved] == [14]
    assert "3105 → 3107" in moved[0]["body"] and "```suggestion" not in moved[0]["body"]
    assert "**removed** mailpit (running on Staging box) from 8025" in str(payload["body"])
