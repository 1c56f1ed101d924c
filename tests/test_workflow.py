"""The example GitHub Actions workflow, run step by step on this machine.

``examples/github/port-schema.yml`` is read as GitHub reads it, and every ``run:`` step is
executed as the runner does (``bash --noprofile --norc -eo pipefail``, with the step's and
the workflow's ``env:``, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``, ``$GITHUB_EVENT_PATH``
and ``$RUNNER_TEMP``), in a temporary git repository shaped like a pull request checkout.

- The two ``uses:`` steps are the runner's own: ``actions/checkout`` with ``fetch-depth: 0`` is
  the repository the test builds (full history, the pull request head checked out), and
  ``actions/setup-python`` is a fresh virtual environment put first on ``PATH``. Its
  ``site-packages`` sees this interpreter's packages (mdports' dependencies), so the
  ``Install mdports`` step really runs ``pip install .`` and builds mdports from the checkout;
  only pip's isolated build environment (setuptools) comes from the package index, as it
  does in CI.
- The comment step talks to a local stand-in for the GitHub REST API (issue comments: list
  with pagination, create, update) at ``$GITHUB_API_URL``.
- ``${{ }}`` expressions are evaluated by a small evaluator that knows exactly the forms the
  workflow uses; an unknown form fails the test, so the workflow cannot grow untested logic.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from conftest import BUNDLED, ROOT, run_mdports

WORKFLOW = ROOT / "examples" / "github" / "port-schema.yml"
MARKER = "<!-- mdports:diff -->"
TOKEN = "test-token-123"
REPOSITORY = "acme/platform"
PR_NUMBER = 7
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def load_workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


# --- a stand-in for the GitHub REST API -------------------------------------------------------


@dataclass
class FakeGitHub:
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    page_size: int = 2
    next_id: int = 100

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any, str]:
        self.requests.append((method, path))
        listing = f"/repos/{REPOSITORY}/issues/{PR_NUMBER}/comments"
        if method == "GET" and path == listing:
            page = int(query.get("page", ["1"])[0])
            start = (page - 1) * self.page_size
            chunk = self.comments[start : start + self.page_size]
            link = ""
            if start + self.page_size < len(self.comments):
                link = f'<{self.base}{listing}?per_page=100&page={page + 1}>; rel="next"'
            return 200, chunk, link
        if method == "POST" and path == listing:
            comment = {
                "id": self.next_id,
                "body": body["body"],
                "user": {"login": "github-actions[bot]", "type": "Bot"},
            }
            self.next_id += 1
            self.comments.append(comment)
            return 201, comment, ""
        match = re.fullmatch(rf"/repos/{REPOSITORY}/issues/comments/(\d+)", path)
        if method == "PATCH" and match:
            for comment in self.comments:
                if comment["id"] == int(match.group(1)):
                    if comment["user"]["type"] != "Bot":
                        return 403, {"message": "not yours"}, ""
                    comment["body"] = body["body"]
                    return 200, comment, ""
        return 404, {"message": "Not Found"}, ""

    base: str = ""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    api = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._reply(401, {"message": "Bad credentials"}, "")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            url = urlparse(self.path)
            self._reply(*api.handle(self.command, url.path, parse_qs(url.query), body))

        def _reply(self, status: int, payload: Any, link: str) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if link:
                self.send_header("Link", link)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()


# --- expressions ------------------------------------------------------------------------------


_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The ``${{ }}`` forms the workflow uses: paths, ``==``, ``&&``, ``||``, ``!cancelled()``."""
    expression = expression.strip()
    if "||" in expression:
        values = [evaluate(part, context) for part in expression.split("||")]
        return next((value for value in values if value), values[-1])
    if "&&" in expression:
        return all(evaluate(part, context) for part in expression.split("&&"))
    if expression == "!cancelled()":
        return True
    if "==" in expression:
        left, right = (part.strip() for part in expression.split("=="))
        assert re.fullmatch(r"'[^']*'", right), f"unsupported comparison {expression!r}"
        return evaluate(left, context) == right[1:-1]
    assert re.fullmatch(r"[a-z_]+(\.[A-Za-z_-]+)*", expression), f"unsupported expression {expression!r}"
    value: Any = context
    for part in expression.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def substitute(text: str, context: dict[str, Any]) -> str:
    return _EXPRESSION.sub(lambda m: "" if (v := evaluate(m.group(1), context)) is None else str(v), text)


# --- running the workflow ---------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``actions/setup-python`` provides: a fresh Python whose bin folder goes first on PATH."""
    venv = tmp_path_factory.mktemp("setup-python") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    # mdports' dependencies come from the interpreter running the tests (no index needed for them).
    (purelib / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / ("Scripts" if os.name == "nt" else "bin")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The repository as the pull request sees it: mdports itself, with the port schema."""
    repo = tmp_path / "platform"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copyfile(ROOT / "pyproject.toml", repo / "pyproject.toml")
    shutil.copyfile(ROOT / "README.md", repo / "README.md")
    shutil.copytree(ROOT / "mdports", repo / "mdports", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "docs").mkdir()
    shutil.copyfile(BUNDLED, repo / "docs" / "PORT_SCHEMA.md")
    (repo / ".gitignore").write_text("build/\n*.egg-info/\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "port schema")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


@dataclass
class Run:
    outcomes: dict[str, str]
    logs: dict[str, str]
    summary: str


def run_workflow(
    repo: Path,
    runner: Path,
    github: FakeGitHub,
    tmp_path: Path,
    *,
    event_name: str = "pull_request",
    fork: bool = False,
) -> Run:
    workflow = load_workflow()
    base_sha = git(repo, "rev-parse", "main")
    head = git(repo, "rev-parse", "HEAD")
    temp = tmp_path / f"runner-temp-{len(list(tmp_path.glob('runner-temp-*')))}"
    temp.mkdir()
    event: dict[str, Any] = {}
    if event_name == "pull_request":
        head_repo = "someone/platform" if fork else REPOSITORY
        event["pull_request"] = {
            "number": PR_NUMBER,
            "base": {"sha": base_sha, "repo": {"full_name": REPOSITORY}},
            "head": {"sha": head, "repo": {"full_name": head_repo}},
        }
    event_path = temp / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    summary = temp / "step-summary.md"
    summary.touch()
    context: dict[str, Any] = {
        "github": {"event_name": event_name, "event": event, "token": TOKEN, "ref": "refs/heads/feature"},
        "steps": {},
    }
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV", "PYTHON"))},
        **GIT_ENV,
        "PATH": os.pathsep.join([str(runner), os.environ.get("PATH", "")]),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_API_URL": github.base,
        "GITHUB_WORKSPACE": str(repo),
        "RUNNER_TEMP": str(temp),
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    }
    base_env.update({k: substitute(str(v), context) for k, v in workflow.get("env", {}).items()})
    (job,) = workflow["jobs"].values()
    shell = workflow["defaults"]["run"]["shell"]
    assert shell == "bash"
    outcomes: dict[str, str] = {}
    logs: dict[str, str] = {}
    failed = False
    for number, step in enumerate(job["steps"]):
        name = step.get("id") or step.get("name") or step.get("uses")
        if "uses" in step:
            assert step["uses"] in ("actions/checkout@v4", "actions/setup-python@v5"), step["uses"]
            if step["uses"].startswith("actions/checkout"):
                assert step["with"]["fetch-depth"] == 0
            outcomes[name] = "success"
            continue
        condition = step.get("if")
        run_it = evaluate(_EXPRESSION.fullmatch(condition).group(1), context) if condition else not failed  # type: ignore[union-attr]
        if not run_it:
            outcomes[name] = "skipped"
            context["steps"][step.get("id", f"_{number}")] = {"outcome": "skipped", "outputs": {}}
            continue
        output = temp / f"output-{number}"
        output.touch()
        env = {**base_env, **{k: substitute(str(v), context) for k, v in step.get("env", {}).items()}}
        env["GITHUB_OUTPUT"] = str(output)
        assert "${{" not in step["run"], "scripts get their inputs from env:, never from ${{ }}"
        script = temp / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        outcome = "success" if result.returncode == 0 else "failure"
        failed = failed or outcome == "failure"
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if "=" in line)
        context["steps"][step.get("id", f"_{number}")] = {"outcome": outcome, "outputs": outputs}
        outcomes[name] = outcome
        logs[name] = result.stdout + result.stderr
    return Run(outcomes, logs, summary.read_text(encoding="utf-8"))


def bot_comments(github: FakeGitHub) -> list[dict[str, Any]]:
    return [c for c in github.comments if c["user"]["type"] == "Bot"]


# --- tests ------------------------------------------------------------------------------------


def test_every_expression_in_the_workflow_is_one_the_tests_evaluate() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    context = {"github": {"event": {}, "event_name": "push"}, "steps": {}}
    for expression in _EXPRESSION.findall(text):
        evaluate(expression, context)
    workflow = load_workflow()
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["pull_request"]["paths"][0] == "docs/PORT_SCHEMA.md"
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_a_pull_request_gets_annotations_a_summary_and_one_comment_kept_up_to_date(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    # Earlier comments: people talking, one of them quoting the marker (it must not be touched).
    github.comments += [
        {"id": 1, "body": "Looks good", "user": {"login": "alice", "type": "User"}},
        {"id": 2, "body": f"the bot writes {MARKER}", "user": {"login": "bob", "type": "User"}},
        {"id": 3, "body": "One more thing", "user": {"login": "alice", "type": "User"}},
    ]
    run_mdports("rename", "chat-backend", "chat-server", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "rename chat-backend")

    first = run_workflow(checkout, runner_python, github, tmp_path)
    assert first.outcomes == {
        "actions/checkout@v4": "success",
        "actions/setup-python@v5": "success",
        "install": "success",
        "Validate": "success",
        "diff": "success",
        "Post or update the pull request comment": "success",
    }, first.logs
    assert (runner_python / "mdports").exists()  # installed by the workflow's own pip step
    validate = first.logs["Validate"]
    assert "::warning file=docs/PORT_SCHEMA.md,line=77,col=3,title=MP101 port-out-of-range::" in validate
    assert "### mdports validate" in first.summary  # the full list, beyond GitHub's annotation limit
    assert MARKER in first.summary and "**renamed** chat\\-backend → chat\\-server" in first.summary
    (comment,) = bot_comments(github)
    assert comment["body"].startswith(MARKER) and "chat\\-server" in comment["body"]
    assert f"posted comment {comment['id']}" in first.logs["Post or update the pull request comment"]
    assert ("GET", f"/repos/{REPOSITORY}/issues/{PR_NUMBER}/comments") in github.requests

    # Another push to the pull request: the same comment is updated, no second one appears.
    github.comments.append({"id": 4, "body": "and another", "user": {"login": "carol", "type": "User"}})
    run_mdports("move", "mana-media", "--port", "3045", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "move mana-media")
    second = run_workflow(checkout, runner_python, github, tmp_path)
    assert second.outcomes["Post or update the pull request comment"] == "success", second.logs
    (updated,) = bot_comments(github)
    assert updated["id"] == comment["id"]
    assert "**moved** mana\\-media 3011 → 3045" in updated["body"] and "breaking" in updated["body"]
    assert github.comments[1]["body"] == f"the bot writes {MARKER}"
    assert ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{comment['id']}") in github.requests

    # The registry changes are reverted (only prose differs): the comment says so.
    (checkout / "docs" / "PORT_SCHEMA.md").write_text(
        BUNDLED.read_text(encoding="utf-8").replace("This is the single source of truth.", "The one source of truth."),
        encoding="utf-8",
    )
    git(checkout, "commit", "-q", "-am", "revert, reword")
    third = run_workflow(checkout, runner_python, github, tmp_path)
    assert third.outcomes["diff"] == "success"
    (final,) = bot_comments(github)
    assert "**no registry changes**" in final["body"]


def test_no_registry_change_and_no_earlier_comment_posts_nothing(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    document = checkout / "docs" / "PORT_SCHEMA.md"
    document.write_text(document.read_text(encoding="utf-8") + "\nA closing remark.\n", encoding="utf-8")
    git(checkout, "commit", "-q", "-am", "prose")
    result = run_workflow(checkout, runner_python, github, tmp_path)
    assert result.outcomes["diff"] == "success"
    assert "nothing to post" in result.logs["Post or update the pull request comment"]
    assert github.comments == [] and all(method == "GET" for method, _ in github.requests)


def test_errors_fail_the_job_but_the_comment_is_still_posted(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    document = checkout / "docs" / "PORT_SCHEMA.md"
    document.write_text(
        document.read_text(encoding="utf-8").replace("| 3002 | mana-credits |", "| 3001 | mana-credits |"),
        encoding="utf-8",
    )
    git(checkout, "commit", "-q", "-am", "clash")
    result = run_workflow(checkout, runner_python, github, tmp_path)
    assert result.outcomes["Validate"] == "failure"
    assert "::error file=docs/PORT_SCHEMA.md,line=19,col=3,title=MP001 duplicate-port::" in result.logs["Validate"]
    assert result.outcomes["Post or update the pull request comment"] == "success"
    (comment,) = bot_comments(github)
    assert "introduced **error** MP001" in comment["body"]


def test_a_push_validates_only_and_a_fork_gets_no_comment(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    run_mdports("rename", "chat-backend", "chat-server", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "rename")
    push = run_workflow(checkout, runner_python, github, tmp_path, event_name="push")
    assert push.outcomes["Validate"] == "success"
    assert push.outcomes["diff"] == "skipped" and push.outcomes["Post or update the pull request comment"] == "skipped"
    fork = run_workflow(checkout, runner_python, github, tmp_path, fork=True)
    assert "pull request from a fork" in fork.logs["Post or update the pull request comment"]
    assert MARKER in fork.summary
    assert github.requests == []
