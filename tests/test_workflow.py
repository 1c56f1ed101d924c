"""The GitHub Action (``action.yml``) and the example workflow that uses it, run on this machine.

``examples/github/port-schema.yml`` is read as GitHub reads it, and every step is executed as
the runner does, in a temporary git repository shaped like a pull request checkout:

- A ``run:`` step runs as ``bash --noprofile --norc -eo pipefail`` with the workflow's, the
  step's (and the calling step's) ``env:``, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``,
  ``$GITHUB_EVENT_PATH`` and ``$RUNNER_TEMP``.
- ``uses: ./`` is the composite action ``action.yml`` of the checkout: ``with:`` becomes
  ``inputs.*`` (declared inputs only, defaults evaluated), its ``runs.steps`` run with their own
  ``steps`` context, ``${{ github.action_path }}`` and ``$GITHUB_ACTION_PATH``, and its
  ``outputs`` become the calling step's outputs.
- ``actions/checkout`` with ``fetch-depth: 0`` is the repository the test builds (full history,
  the pull request head checked out), and ``actions/setup-python`` is a fresh virtual
  environment put first on ``PATH``. Its ``site-packages`` sees this interpreter's packages
  (pip, flit_core and mdports' dependencies), so the action's install step really runs
  ``pip install`` and builds mdports from the checkout into that environment. pip is
  configured as on a machine without network: no index, no configuration file, no isolated
  build environment (which would download flit_core), and a proxy that points nowhere.
- The comment step talks to a local stand-in for the GitHub REST API (issue comments: list
  with pagination, create, update) at ``$GITHUB_API_URL``.
- ``${{ }}`` expressions are evaluated by a small evaluator that knows exactly the forms the
  workflow and the action use; an unknown form fails the test, so neither can grow untested
  logic.
"""

from __future__ import annotations

import json
import os
import re
import shlex
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
from conftest import BUNDLED, ROOT, invoke_mdports

# Each run installs mdports into a fresh environment with pip and runs the steps in bash.
pytestmark = pytest.mark.slow

WORKFLOW = ROOT / "examples" / "github" / "port-schema.yml"
CODE_SCANNING = ROOT / "examples" / "github" / "port-schema-code-scanning.yml"
DRIFT_WORKFLOW = ROOT / "examples" / "github" / "port-schema-drift.yml"
ACTION = ROOT / "action.yml"
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
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
NOWHERE = "http://127.0.0.1:9"
OFFLINE = {
    "PIP_CONFIG_FILE": os.devnull,  # no machine-wide index, mirror or find-links
    "PIP_NO_INDEX": "1",
    # pip reads this variable inverted: "0" turns build isolation off, so the build uses the
    # build backend already installed (flit_core) instead of downloading it.
    "PIP_NO_BUILD_ISOLATION": "0",
    "http_proxy": NOWHERE,
    "https_proxy": NOWHERE,
    "HTTP_PROXY": NOWHERE,
    "HTTPS_PROXY": NOWHERE,
    "NO_PROXY": "127.0.0.1",
    "no_proxy": "127.0.0.1",
}


def load_yaml(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
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
        handled = self.handle_pulls(method, path, query, body)
        if handled is not None:
            return handled
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
    reviews: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(default_factory=list)

    def handle_pulls(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any, str] | None:
        """Reviews (list, create, update; their comments: list, delete) and pull requests (list, create, update)."""
        bot = {"login": "github-actions[bot]", "type": "Bot"}
        reviews = f"/repos/{REPOSITORY}/pulls/{PR_NUMBER}/reviews"
        if path == reviews and method == "GET":
            return 200, self.reviews, ""
        if path == reviews and method == "POST":
            assert body["event"] == "COMMENT" and isinstance(body["body"], str) and body["commit_id"]
            for comment in body["comments"]:  # GitHub answers 422 to a comment without these
                assert {"path", "line", "side", "body"} <= set(comment), comment
            review = {"id": self.next_id, "body": body["body"], "user": bot}
            self.next_id += 1
            self.reviews.append(review)
            for comment in body["comments"]:
                self.review_comments.append({**comment, "id": self.next_id, "review": review["id"]})
                self.next_id += 1
            return 200, review, ""
        match = re.fullmatch(rf"{reviews}/(\d+)(/comments)?", path)
        if match and method == "GET" and match.group(2):
            return 200, [c for c in self.review_comments if c["review"] == int(match.group(1))], ""
        if match and method == "PUT" and not match.group(2):
            (review,) = [r for r in self.reviews if r["id"] == int(match.group(1))]
            review["body"] = body["body"]
            return 200, review, ""
        match = re.fullmatch(rf"/repos/{REPOSITORY}/pulls/comments/(\d+)", path)
        if match and method == "DELETE":
            self.review_comments = [c for c in self.review_comments if c["id"] != int(match.group(1))]
            return 204, {}, ""
        pulls = f"/repos/{REPOSITORY}/pulls"
        if path == pulls and method == "GET":
            head = query["head"][0]
            found = [p for p in self.pulls if p["state"] == query["state"][0] and f"acme:{p['head']}" == head]
            return 200, found, ""
        if path == pulls and method == "POST":
            pull = {"number": 40 + len(self.pulls), "state": "open", **body}
            self.pulls.append(pull)
            return 201, pull, ""
        match = re.fullmatch(rf"{pulls}/(\d+)", path)
        if match and method == "PATCH":
            (pull,) = [p for p in self.pulls if p["number"] == int(match.group(1))]
            pull.update(body)
            return 200, pull, ""
        return None


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

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    # shutdown() waits for the loop to look at its flag: every 0.5 s by default, for each test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()


# --- expressions ------------------------------------------------------------------------------


_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STATUS_FUNCTION = re.compile(r"\b(?:cancelled|always|success|failure)\(\)")


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The forms the workflow and the action use: paths, ``''``, ``==``, ``!=``, ``&&``, ``||``, ``!cancelled()``."""
    expression = expression.strip()
    if "||" in expression:
        values = [evaluate(part, context) for part in expression.split("||")]
        return next((value for value in values if value), values[-1])
    if "&&" in expression:
        return all(evaluate(part, context) for part in expression.split("&&"))
    if expression == "!cancelled()":
        return True
    for operator in ("!=", "=="):
        if operator in expression:
            left, right = (part.strip() for part in expression.split(operator))
            assert re.fullmatch(r"'[^']*'", right), f"unsupported comparison {expression!r}"
            # GitHub compares a missing value (null) with '' as equal.
            equal = (evaluate(left, context) or "") == right[1:-1]
            return equal if operator == "==" else not equal
    assert re.fullmatch(r"[a-z_]+(\.[A-Za-z_-]+)*", expression), f"unsupported expression {expression!r}"
    value: Any = context
    for part in expression.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def substitute(text: str, context: dict[str, Any]) -> str:
    return _EXPRESSION.sub(lambda m: "" if (v := evaluate(m.group(1), context)) is None else str(v), text)


def should_run(condition: str | None, context: dict[str, Any], failed: bool) -> bool:
    """A step's ``if:``, with or without ``${{ }}``; without a status function it implies ``success()``."""
    if condition is None:
        return not failed
    match = _EXPRESSION.fullmatch(condition.strip())
    expression = match.group(1) if match else condition
    value = bool(evaluate(expression, context))
    return value if _STATUS_FUNCTION.search(expression) else value and not failed


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
    # Without pip of its own: seeding a venv with pip takes 3 s of CPU per test worker. pip and
    # flit_core come from the test dependencies below, as an isolated build would download
    # flit_core; pip, run by this venv's python, installs into this venv.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    # mdports' dependencies come from the interpreter running the tests (no index needed for them).
    (purelib / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / ("Scripts" if os.name == "nt" else "bin")


def make_checkout(repo: Path) -> Path:
    """mdports itself (with its action) and the port schema, committed on ``main``, on branch ``feature``."""
    repo.mkdir()
    git(repo, "init", "-q")
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copyfile(ROOT / name, repo / name)
    for folder in ("mdports", "action"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "docs").mkdir()
    shutil.copyfile(BUNDLED, repo / "docs" / "PORT_SCHEMA.md")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "port schema")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The repository as the pull request sees it."""
    return make_checkout(tmp_path / "platform")


@dataclass
class Run:
    outcomes: dict[str, str]
    logs: dict[str, str]
    summary: str
    outputs: dict[str, dict[str, str]]
    uploads: list[dict[str, Any]]


@dataclass
class Runner:
    """Runs steps as the GitHub runner does; composite actions recursively."""

    repo: Path
    temp: Path
    outcomes: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    uploads: list[dict[str, Any]] = field(default_factory=list)  # SARIF logs given to upload-sarif
    scripts: int = 0

    def run_steps(self, steps: list[dict[str, Any]], context: dict[str, Any], env: dict[str, str], prefix: str) -> bool:
        """Run ``steps``; True when one of them failed."""
        failed = False
        for number, step in enumerate(steps):
            name = prefix + (step.get("id") or step.get("name") or step["uses"])
            outputs: dict[str, str] = {}
            if not should_run(step.get("if"), context, failed):
                outcome = "skipped"
            else:
                step_env = {**env, **{k: substitute(str(v), context) for k, v in step.get("env", {}).items()}}
                if "uses" in step:
                    outcome, outputs = self.uses(step, context, step_env, name)
                else:
                    outcome, outputs = self.run(step, step_env, name, context)
            failed = failed or outcome == "failure"
            context["steps"][step.get("id", f"_{number}")] = {"outcome": outcome, "outputs": outputs}
            self.outcomes[name] = outcome
        return failed

    def uses(
        self, step: dict[str, Any], context: dict[str, Any], env: dict[str, str], name: str
    ) -> tuple[str, dict[str, str]]:
        uses, given = step["uses"], step.get("with", {})
        if uses == "actions/checkout@v4":
            return "success", {}  # the repository the test built, full history
        if uses == "github/codeql-action/upload-sarif@v3":
            self.uploads.append(json.loads((self.repo / substitute(given["sarif_file"], context)).read_text("utf-8")))
            return "success", {}
        if uses == "actions/setup-python@v5":
            assert re.fullmatch(r"3\.\d+", substitute(str(given["python-version"]), context))
            return "success", {}
        artifacts = self.temp.parent / "artifacts"  # shared by the jobs of one workflow run
        if uses == "actions/upload-artifact@v4":
            shutil.copytree(self.repo / given["path"], artifacts / given["name"])
            return "success", {}
        if uses == "actions/download-artifact@v4":
            shutil.copytree(artifacts / given["name"], self.repo / given["path"], dirs_exist_ok=True)
            return "success", {}
        if uses == "pypa/gh-action-pypi-publish@release/v1":
            # As far as an offline test goes: what would be uploaded (PyPI itself is not reached).
            self.uploads.append({"published": sorted(p.name for p in (self.repo / "dist").iterdir())})
            return "success", {}
        assert uses == "./", f"unknown action {uses}"
        action = load_yaml(self.repo / "action.yml")
        declared = action["inputs"]
        assert set(given) <= set(declared), f"undeclared inputs {set(given) - set(declared)}"
        inputs = {
            key: substitute(str(given[key] if key in given else spec.get("default", "")), context)
            for key, spec in declared.items()
        }
        inner = {
            "github": {**context["github"], "action_path": str(self.repo)},
            "inputs": inputs,
            "steps": {},
        }
        env = {**env, "GITHUB_ACTION_PATH": str(self.repo)}
        failed = self.run_steps(action["runs"]["steps"], inner, env, f"{name}/")
        outputs = {key: substitute(spec["value"], inner) for key, spec in action.get("outputs", {}).items()}
        return ("failure" if failed else "success"), outputs

    def run(
        self, step: dict[str, Any], env: dict[str, str], name: str, context: dict[str, Any]
    ) -> tuple[str, dict[str, str]]:
        assert step.get("shell", context.get("shell")) == "bash", f"{name}: give every run step shell: bash"
        assert "${{" not in step["run"], "scripts get their inputs from env:, never from ${{ }}"
        self.scripts += 1
        output = self.temp / f"output-{self.scripts}"
        output.touch()
        script = self.temp / f"step-{self.scripts}.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.repo,
            env={**env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.logs[name] = result.stdout + result.stderr
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if "=" in line)
        return ("success" if result.returncode == 0 else "failure"), outputs


def run_workflow(
    repo: Path,
    runner: Path,
    github: FakeGitHub,
    tmp_path: Path,
    *,
    event_name: str = "pull_request",
    fork: bool = False,
    workflow: dict[Any, Any] | None = None,
    base_sha: str = "",
    job_name: str | None = None,
    more_env: dict[str, str] | None = None,
) -> Run:
    workflow = workflow or load_yaml(WORKFLOW)
    base_sha = base_sha or git(repo, "rev-parse", "main")
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
        "shell": workflow.get("defaults", {}).get("run", {}).get("shell"),
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV", "PYTHON", "PIP_"))},
        **GIT_ENV,
        **OFFLINE,
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
    }
    env.update({k: substitute(str(v), context) for k, v in workflow.get("env", {}).items()})
    env.update(more_env or {})
    (job,) = [workflow["jobs"][job_name]] if job_name else workflow["jobs"].values()
    steps = Runner(repo, temp)
    steps.run_steps(job["steps"], context, env, "")
    outputs = {key: step["outputs"] for key, step in context["steps"].items()}
    return Run(steps.outcomes, steps.logs, summary.read_text(encoding="utf-8"), outputs, steps.uploads)


def bot_comments(github: FakeGitHub) -> list[dict[str, Any]]:
    return [c for c in github.comments if c["user"]["type"] == "Bot"]


# --- the action's structure -------------------------------------------------------------------


def action_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = load_yaml(ACTION)["runs"]["steps"]
    return steps


def test_the_action_is_a_complete_composite_action() -> None:
    action = load_yaml(ACTION)
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z-]*", name) and spec.get("description"), name
        assert spec.get("required") is False and isinstance(spec.get("default"), str), name
    step_ids = {step["id"] for step in action_steps() if "id" in step}
    for name, spec in action["outputs"].items():
        assert spec.get("description"), name
        (expression,) = _EXPRESSION.findall(spec["value"])
        assert re.fullmatch(r"steps\.([a-z]+)\.outputs\.[a-z-]+", expression) and expression.split(".")[1] in step_ids
    text = ACTION.read_text(encoding="utf-8")
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))
    assert used == set(action["inputs"]), "every input is used and every input used is declared"
    for step in action_steps():
        assert step.get("name"), step
        if "run" in step:
            assert step["shell"] == "bash" and "${{" not in step["run"], step["name"]
        else:
            assert step["uses"] == "actions/setup-python@v5"
    # Every output the helper prints and every script it runs exist.
    helper = (ROOT / "action" / "helper.py").read_text(encoding="utf-8")
    for command in re.findall(r'helper\.py" ([a-z-]+)', text):
        assert f'"{command}"' in helper, command
    for output in re.findall(r"outputs\.([a-z-]+)", text):
        assert f"{output}=" in text + helper, output


def test_every_input_and_output_is_documented() -> None:
    section = (ROOT / "docs" / "integrations" / "github-action.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    action = load_yaml(ACTION)
    for name in (*action["inputs"], *action["outputs"]):
        assert f"`{name}`" in section, name
    # The snippets (the page's and the README's copy) give the action only inputs it declares.
    blocks = re.findall(r"```yaml\n(.*?)```", section + readme, re.DOTALL)
    snippets = [yaml.safe_load(block) for block in blocks if "uses: OWNER/mdports@" in block]
    uses = [step for snippet in snippets for step in snippet["steps"] if step["uses"].startswith("OWNER/mdports@")]
    assert len(uses) == 3
    for step in uses:
        assert step["uses"] == "OWNER/mdports@v1" and set(step["with"]) <= set(action["inputs"])


def test_every_expression_is_one_the_tests_evaluate() -> None:
    context = {"github": {"event": {}, "event_name": "push"}, "steps": {}, "inputs": {}}
    for path in (WORKFLOW, CODE_SCANNING, DRIFT_WORKFLOW, ACTION):
        for expression in _EXPRESSION.findall(path.read_text(encoding="utf-8")):
            evaluate(expression, context)
    for step in action_steps():
        if "if" in step:
            should_run(step["if"], context, failed=False)
    workflow = load_yaml(WORKFLOW)
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["pull_request"]["paths"][0] == "docs/PORT_SCHEMA.md"
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    (job,) = workflow["jobs"].values()
    assert [step["uses"] for step in job["steps"]] == ["actions/checkout@v4", "./"]


def test_the_helper_splits_args_like_a_shell_without_expanding(tmp_path: Path) -> None:
    args = """--compose 'docker compose.yml' --env "$HOME/.env" `id` ; rm -rf /"""
    result = subprocess.run(
        [sys.executable, str(ROOT / "action" / "helper.py"), "split-args"],
        env={**os.environ, "MDPORTS_ARGS": args},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split("\0")[:-1] == shlex.split(args)
    assert result.stdout.split("\0")[1] == "docker compose.yml" and "$HOME/.env" in result.stdout
    unbalanced = subprocess.run(
        [sys.executable, str(ROOT / "action" / "helper.py"), "split-args"],
        env={**os.environ, "MDPORTS_ARGS": "--compose 'docker compose.yml"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert unbalanced.returncode == 1 and unbalanced.stdout == ""
    assert unbalanced.stderr == "::error title=mdports::the args input cannot be split: No closing quotation\n"


# --- runs -------------------------------------------------------------------------------------


ACTION_STEPS = (
    "Check the inputs",
    "Set up Python",
    "install",
    "check",
    "diff",
    "map",
    "Post or update the pull request comment",
)
OPTIONAL_STEPS = ("Post the review with suggestions", "fix", "Open, update or close the drift pull request")


def test_a_pull_request_gets_annotations_a_summary_and_one_comment_kept_up_to_date(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    # Earlier comments: people talking, one of them quoting the marker (it must not be touched).
    github.comments += [
        {"id": 1, "body": "Looks good", "user": {"login": "alice", "type": "User"}},
        {"id": 2, "body": f"the bot writes {MARKER}", "user": {"login": "bob", "type": "User"}},
        {"id": 3, "body": "One more thing", "user": {"login": "alice", "type": "User"}},
    ]
    invoke_mdports("rename", "chat-backend", "chat-server", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "rename chat-backend")

    first = run_workflow(checkout, runner_python, github, tmp_path)
    assert first.outcomes == {
        "actions/checkout@v4": "success",
        "mdports": "success",
        **{f"mdports/{step}": "success" for step in ACTION_STEPS},
        **{f"mdports/{step}": "skipped" for step in OPTIONAL_STEPS},
    }, first.logs
    assert (runner_python / "mdports").exists()  # installed by the action's own pip step
    assert first.outputs["mdports"] == {
        "exit-code": "0",
        "findings": "5",
        "errors": "0",
        "warnings": "5",
        "sarif-file": "",
        "changed": "true",
    }
    validate = first.logs["mdports/check"]
    assert "::warning file=docs/PORT_SCHEMA.md,line=77,col=3,title=MP101 port-out-of-range::" in validate
    assert "### mdports validate" in first.summary  # the full list, beyond GitHub's annotation limit
    assert "| 3000-3009 | Core Platform Services | `··██████████▒▒▒▒▒▒▒▒` |" in first.summary  # the port map
    assert MARKER in first.summary and "**renamed** chat\\-backend → chat\\-server" in first.summary
    (comment,) = bot_comments(github)
    assert comment["body"].startswith(MARKER) and "chat\\-server" in comment["body"]
    assert comment["body"].index("### mdports map") > comment["body"].index("chat\\-server")  # after the diff
    assert f"posted comment {comment['id']}" in first.logs["mdports/Post or update the pull request comment"]
    assert ("GET", f"/repos/{REPOSITORY}/issues/{PR_NUMBER}/comments") in github.requests

    # Another push to the pull request: the same comment is updated, no second one appears.
    github.comments.append({"id": 4, "body": "and another", "user": {"login": "carol", "type": "User"}})
    invoke_mdports("move", "mana-media", "--port", "3045", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "move mana-media")
    second = run_workflow(checkout, runner_python, github, tmp_path)
    assert second.outcomes["mdports/Post or update the pull request comment"] == "success", second.logs
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
    assert third.outcomes["mdports/diff"] == "success" and third.outputs["mdports"]["changed"] == "false"
    (final,) = bot_comments(github)
    assert "**no registry changes**" in final["body"]


def test_no_registry_change_and_no_earlier_comment_posts_nothing(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    document = checkout / "docs" / "PORT_SCHEMA.md"
    document.write_text(document.read_text(encoding="utf-8") + "\nA closing remark.\n", encoding="utf-8")
    git(checkout, "commit", "-q", "-am", "prose")
    result = run_workflow(checkout, runner_python, github, tmp_path)
    assert result.outcomes["mdports/diff"] == "success"
    assert result.outputs["mdports"]["changed"] == "false"
    assert "nothing to post" in result.logs["mdports/Post or update the pull request comment"]
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
    assert result.outcomes["mdports/check"] == "failure" and result.outcomes["mdports"] == "failure"
    assert "::error file=docs/PORT_SCHEMA.md,line=19,col=3,title=MP001 duplicate-port::" in result.logs["mdports/check"]
    assert result.outputs["mdports"]["exit-code"] == "1" and result.outputs["mdports"]["errors"] == "1"
    assert result.outcomes["mdports/Post or update the pull request comment"] == "success"
    (comment,) = bot_comments(github)
    assert "introduced **error** MP001" in comment["body"]


def test_a_push_validates_only_and_a_fork_gets_no_comment(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    invoke_mdports("rename", "chat-backend", "chat-server", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "rename")
    push = run_workflow(checkout, runner_python, github, tmp_path, event_name="push")
    assert push.outcomes["mdports/check"] == "success"
    assert push.outcomes["mdports/diff"] == "skipped"
    assert push.outcomes["mdports/Post or update the pull request comment"] == "skipped"
    assert push.outputs["mdports"]["changed"] == ""
    assert push.logs["mdports/Check the inputs"] == ""  # no notice: a push without a diff is normal
    # A base given on a push: the diff goes to the summary; there is no pull request to comment on.
    base = git(checkout, "rev-parse", "main")
    given = run_workflow(
        checkout, runner_python, github, tmp_path, event_name="push", workflow=workflow_using({"base": base})
    )
    assert given.outputs["mdports"]["changed"] == "true" and MARKER in given.summary
    assert "not a pull request: no comment" in given.logs["mdports/Post or update the pull request comment"]
    fork = run_workflow(checkout, runner_python, github, tmp_path, fork=True)
    assert "pull request from a fork" in fork.logs["mdports/Post or update the pull request comment"]
    assert MARKER in fork.summary
    assert github.requests == []


def workflow_using(inputs: dict[str, str], *more_steps: dict[str, Any]) -> dict[str, Any]:
    """A workflow of one job: the action with these inputs (no checkout step: the test made it)."""
    return {"jobs": {"check": {"steps": [{"id": "mdports", "uses": "./", "with": inputs}, *more_steps]}}}


def test_drift_with_args_sarif_and_no_comment(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    compose = "services:\n  mana-auth:\n    ports: ['3101:3001']\n  mana-sync:\n    ports: ['3010:3010']\n"
    (checkout / "deploy compose.yml").write_text(compose, encoding="utf-8")
    invoke_mdports("rename", "chat-backend", "chat-server", cwd=checkout).check_returncode()
    git(checkout, "add", ".")
    git(checkout, "commit", "-q", "-m", "deploy, rename")
    inputs = {
        "command": "drift",
        "args": "--compose 'deploy compose.yml'",
        "sarif-file": "mdports.sarif",
        "comment": "false",
        "map": "false",
    }
    # A later step reads the outputs as a workflow would.
    report = {
        "name": "report",
        "if": "${{ !cancelled() }}",
        "shell": "bash",
        "env": {
            "FINDINGS": "${{ steps.mdports.outputs.findings }}",
            "SARIF": "${{ steps.mdports.outputs.sarif-file }}",
        },
        "run": 'echo "$FINDINGS findings in $SARIF"',
    }
    result = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow_using(inputs, report))
    outputs = result.outputs["mdports"]
    assert outputs["exit-code"] == "0", result.logs  # a port mismatch and undeployed services: no error
    assert outputs["sarif-file"] == "mdports.sarif" and int(outputs["warnings"]) >= 1
    assert "::warning file=deploy compose.yml,line=3" in result.logs["mdports/check"]
    assert "MP203" in result.logs["mdports/check"] and "### mdports drift" in result.summary
    sarif = json.loads((checkout / "mdports.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) == int(outputs["findings"])
    assert result.outcomes["mdports/Post or update the pull request comment"] == "skipped"
    assert MARKER in result.summary and github.requests == []  # the diff only in the job summary
    assert result.outcomes["mdports/map"] == "skipped" and "### mdports map" not in result.summary
    assert result.logs["report"].strip() == f"{outputs['findings']} findings in mdports.sarif"


def test_command_diff_in_a_shallow_checkout_fetches_the_base_commit(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    invoke_mdports("rename", "chat-backend", "chat-server", cwd=checkout).check_returncode()
    git(checkout, "commit", "-q", "-am", "rename chat-backend")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", checkout.as_uri(), str(shallow))
    base = git(checkout, "rev-parse", "main")
    with pytest.raises(subprocess.CalledProcessError):
        git(shallow, "cat-file", "-e", f"{base}^{{commit}}")
    inputs = {"command": "diff", "document": "docs/PORT_SCHEMA.md", "base": base, "comment": "false"}
    result = run_workflow(shallow, runner_python, github, tmp_path, workflow=workflow_using(inputs), base_sha=base)
    assert result.outcomes["mdports/check"] == "skipped" and result.outcomes["mdports/diff"] == "success", result.logs
    assert result.outputs["mdports"]["changed"] == "true" and result.outputs["mdports"]["exit-code"] == ""
    assert "**renamed** chat\\-backend → chat\\-server" in result.summary


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"command": "lint"}, "command must be validate, drift or diff, not 'lint'"),
        ({"comment": "yes"}, "comment must be true or false, not 'yes'"),
    ],
)
def test_a_wrong_input_stops_before_installing(
    inputs: dict[str, str], message: str, checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    result = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow_using(inputs))
    assert result.outcomes["mdports/Check the inputs"] == "failure"
    assert message in result.logs["mdports/Check the inputs"]
    assert result.outcomes["mdports/install"] == "skipped" and result.outcomes["mdports"] == "failure"


def test_code_scanning_gets_the_sarif_even_when_the_check_fails(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    workflow = load_yaml(CODE_SCANNING)
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    clean = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow)
    assert clean.outcomes["mdports"] == "success" and clean.outcomes["mdports/diff"] == "skipped", clean.logs
    (log,) = clean.uploads
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 5

    document = checkout / "docs" / "PORT_SCHEMA.md"
    document.write_text(
        document.read_text(encoding="utf-8").replace("| 3002 | mana-credits |", "| 3001 | mana-credits |"),
        encoding="utf-8",
    )
    broken = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow)
    assert broken.outcomes["mdports"] == "failure"
    assert broken.outcomes["github/codeql-action/upload-sarif@v3"] == "success"
    results = broken.uploads[0]["runs"][0]["results"]
    (error,) = [result for result in results if result["level"] == "error"]
    assert error["ruleId"] == "MP001"
    assert error["locations"][0]["physicalLocation"]["region"] == {"startLine": 19, "startColumn": 3}
    assert github.requests == []


def test_an_unreadable_document_is_exit_code_2_without_counts_or_sarif(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    inputs = {"document": "docs/MISSING.md", "sarif-file": "mdports.sarif", "base": ""}
    result = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow_using(inputs))
    assert result.outcomes["mdports/check"] == "failure" and result.outcomes["mdports"] == "failure"
    assert "mdports: error: docs/MISSING.md: no such file" in result.logs["mdports/check"]
    outputs = result.outputs["mdports"]
    assert outputs["exit-code"] == "2" and outputs["findings"] == "" and outputs["sarif-file"] == ""


# --- suggestions and the drift pull request ----------------------------------------------------


def test_suggest_posts_a_review_and_replaces_its_earlier_one(
    checkout: Path, runner_python: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    workflow = load_yaml(WORKFLOW)
    (job,) = workflow["jobs"].values()
    job["steps"][1]["with"]["suggest"] = "true"
    document = checkout / "docs" / "PORT_SCHEMA.md"
    sync = "| 3010 | mana-sync | Go | Local-first data sync (WebSocket + HTTP) |\n"
    document.write_text(document.read_text(encoding="utf-8").replace(sync, sync + "| 3010 | dup-svc | Go | |\n"))
    git(checkout, "commit", "-q", "-am", "dup-svc on a taken port")

    first = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow)

    assert first.outcomes["mdports/Post the review with suggestions"] == "success", first.logs
    (review,) = github.reviews
    (comment,) = github.review_comments
    assert review["body"].startswith("<!-- mdports:review -->")
    assert comment["path"] == "docs/PORT_SCHEMA.md" and comment["side"] == "RIGHT"
    assert "```suggestion\n| 3017 | dup-svc | Go | |\n```" in comment["body"]

    # The next push: the earlier review loses its suggestions and says so; one new review.
    document.write_text(document.read_text(encoding="utf-8").replace("| 3010 | dup-svc |", "| 3011 | dup-svc |"))
    git(checkout, "commit", "-q", "-am", "dup-svc on another taken port")
    second = run_workflow(checkout, runner_python, github, tmp_path, workflow=workflow)
    assert second.outcomes["mdports/Post the review with suggestions"] == "success", second.logs
    old, new = github.reviews
    assert "Superseded" in old["body"] and new["body"].startswith("<!-- mdports:review -->")
    assert [c["review"] for c in github.review_comments] == [new["id"]]
    assert ("DELETE", f"/repos/{REPOSITORY}/pulls/comments/{comment['id']}") in github.requests


def drift_checkout(tmp_path: Path, published: str) -> Path:
    """The default branch of a repository with a deployment, pushed to a bare origin."""
    repo = make_checkout(tmp_path / "platform")
    git(repo, "checkout", "-q", "main")
    compose = f'services:\n  mana-auth:\n    ports:\n      - "{published}:3001"  # the login service\n'
    (repo / "docker-compose.yml").write_text(compose, encoding="utf-8")
    (repo / ".mdports.toml").write_text('compose = ["docker-compose.yml"]\n', encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "deployment")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "-q", "origin", "main")
    return repo


def test_the_drift_workflow_opens_updates_and_closes_one_pull_request(
    tmp_path: Path, runner_python: Path, github: FakeGitHub
) -> None:
    workflow = load_yaml(DRIFT_WORKFLOW)
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    repo = drift_checkout(tmp_path, "3006")  # mana-auth runs on a reserved port

    first = run_workflow(repo, runner_python, github, tmp_path, event_name="schedule", workflow=workflow)

    assert first.outcomes["mdports/fix"] == "success", first.logs
    assert first.outcomes["mdports/Open, update or close the drift pull request"] == "success", first.logs
    (pull,) = github.pulls
    assert (pull["head"], pull["base"], pull["state"]) == ("mdports/drift", "main", "open")
    assert pull["body"].startswith("<!-- mdports:drift -->") and "<!-- mdports:diff -->" in pull["body"]
    assert "mana\\-auth" in pull["body"] and "3006" in pull["body"]
    pushed = git(repo, "show", "origin/mdports/drift:docs/PORT_SCHEMA.md")
    assert "| 3006 | mana-auth |" in pushed
    assert git(repo, "show", "main:docs/PORT_SCHEMA.md") == BUNDLED.read_text(encoding="utf-8").rstrip("\n")

    # The next day: still drifting; the same pull request is updated, not a second one.
    git(repo, "checkout", "-q", "main")
    second = run_workflow(repo, runner_python, github, tmp_path, event_name="schedule", workflow=workflow)
    assert "updated pull request #40" in second.logs["mdports/Open, update or close the drift pull request"]
    assert len(github.pulls) == 1

    # The deployment is corrected: nothing drifts, the pull request is closed.
    git(repo, "checkout", "-q", "main")
    compose = repo / "docker-compose.yml"
    compose.write_text(compose.read_text(encoding="utf-8").replace("3006:3001", "3001:3001"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "mana-auth on its documented port")
    third = run_workflow(repo, runner_python, github, tmp_path, event_name="schedule", workflow=workflow)
    assert third.outputs["mdports"]["exit-code"] == "0"
    assert "closed pull request #40" in third.logs["mdports/Open, update or close the drift pull request"]
    assert github.pulls[0]["state"] == "closed"


# --- the release workflow (issue 23 point 6) -----------------------------------------------------


def test_the_release_workflow_builds_tests_and_publishes_a_tag(
    tmp_path: Path, runner_python: Path, github: FakeGitHub
) -> None:
    """On a tag v<version>: the wheel and sdist built, the wheel run from a fresh venv, both handed to PyPI."""
    from mdports import __version__

    repo = make_checkout(tmp_path / "mdports")
    shutil.copyfile(ROOT / "CHANGELOG.md", repo / "CHANGELOG.md")
    workflow = load_yaml(RELEASE)
    assert workflow["on"] == {"push": {"tags": ["v*"]}} and workflow["permissions"] == {"contents": "read"}
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "test" and workflow["jobs"]["test"]["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"} and publish["environment"] == "pypi"
    # The fresh venv's pip finds mdports' dependencies installed (no index): the test's own packages.
    purelib = sysconfig.get_paths()["purelib"]
    tag = {"GITHUB_REF_NAME": f"v{__version__}", "GITHUB_REF": f"refs/tags/v{__version__}", "PYTHONPATH": purelib}
    runs = {}
    for job in ("build", "test", "publish"):
        runs[job] = run_workflow(
            repo, runner_python, github, tmp_path, event_name="push", workflow=workflow, job_name=job, more_env=tag
        )
        assert set(runs[job].outcomes.values()) == {"success"}, runs[job].logs
    wheel, sdist = f"mdports-{__version__}-py3-none-any.whl", f"mdports-{__version__}.tar.gz"
    assert runs["publish"].uploads == [{"published": [wheel, sdist]}]
    log = "".join(runs["test"].logs.values())
    assert f"mdports {__version__}\n" in log and "/fresh/lib/" in log.split("installed at ")[1].splitlines()[0]


def test_the_release_workflow_refuses_a_tag_that_is_not_the_version(
    tmp_path: Path, runner_python: Path, github: FakeGitHub
) -> None:
    repo = make_checkout(tmp_path / "mdports")
    shutil.copyfile(ROOT / "CHANGELOG.md", repo / "CHANGELOG.md")
    run = run_workflow(
        repo,
        runner_python,
        github,
        tmp_path,
        event_name="push",
        workflow=load_yaml(RELEASE),
        job_name="build",
        more_env={"GITHUB_REF_NAME": "v99.0.0"},
    )
    assert "failure" in run.outcomes.values()
    assert "tag v99.0.0 does not name version" in "".join(run.logs.values())
