"""``mdports init`` and zero-configuration ``drift`` (issue 23 points 1-3) on repositories built as teams have them.

Each tree is real files in a temporary folder (a git repository where the point is git): a pnpm
monorepo with lint-staged, husky, ``docker-compose.<host>.yml`` files, Prometheus with blackbox
probes, a cloudflared tunnel and a ``node_modules`` full of compose files; a Python service with
``compose.yaml`` + ``compose.override.yaml``; a ``k8s/`` folder; dev and prod compose files that
share ports. The merge driver's fallback is tested with real git and no ``mdports`` on ``PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import invoke_mdports, run_mdports

GOLDEN = Path(__file__).parent / "golden" / "drift"
CORPUS = Path(__file__).parent.parent.parent / "shared" / "corpus" / "deploy"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    result = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, env={**os.environ, **GIT_ENV, **(env or {})}
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def commit_all(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A", "-f")
    git(root, "commit", "-qm", "start")


PACKAGE_JSON = """\
{
  "name": "platform",
  "private": true,
  "packageManager": "pnpm@9.12.0",
  "scripts": {
    "build": "turbo run build",
    "prepare": "husky"
  },
  "lint-staged": {
    "*.{ts,tsx}": "eslint --fix",
    "*.md": "prettier --write"
  },
  "devDependencies": {
    "husky": "^9.1.0",
    "lint-staged": "^15.2.0",
    "turbo": "^2.1.0"
  }
}
"""

TUNNEL = """\
tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef
credentials-file: /etc/cloudflared/6ff42ae2.json
ingress:
  - hostname: auth.example.com
    service: http://localhost:3001
  - hostname: grafana.example.com
    service: http://localhost:3000
  - service: http_status:404
"""


def pnpm_monorepo(tmp_path: Path) -> Path:
    """The issue's user: pnpm, turbo, husky + lint-staged, no Python, a production box and a GPU box."""
    root = tmp_path / "platform"
    root.mkdir()
    shutil.copyfile(GOLDEN / "project" / "docker-compose.macmini.yml", root / "docker-compose.prod.yml")
    shutil.copyfile(GOLDEN / "fleet" / "infrastructure" / "docker-compose.gpu-box.yml", root / "docker-compose.gpu.yml")
    (root / "docker" / "prometheus").mkdir(parents=True)
    shutil.copyfile(
        GOLDEN / "project" / "docker" / "prometheus" / "prometheus.yml", root / "docker/prometheus/prometheus.yml"
    )
    write(
        root,
        {
            "package.json": PACKAGE_JSON,
            "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n  - 'services/*'\n",
            "turbo.json": '{"tasks": {"build": {}}}\n',
            ".husky/pre-commit": "pnpm exec lint-staged\n",
            "cloudflared/config.yml": TUNNEL,
            ".env.example": "MANA_AUTH_PORT=3001\nDATABASE_URL=postgres://localhost:5432/mana\n",
            "apps/web/package.json": '{"name": "web"}\n',
            ".github/workflows/ci.yml": "name: ci\non: push\njobs: {}\n",
            # Vendored: compose files of dependencies, never the repository's deployment.
            "node_modules/some-db/docker-compose.yml": "services:\n  db:\n    ports: ['5432:5432']\n",
            "node_modules/.pnpm/x/compose.yaml": "services:\n  y:\n    ports: ['9999:9999']\n",
            "services/api/.venv/lib/compose.yml": "services:\n  z:\n    ports: ['7777:7777']\n",
        },
    )
    commit_all(root)
    return root


# The known-risky port rules judge the deployment's own choice of ports (one in the ephemeral
# range, say), not the document written from it: the round trips leave them out.
RISKY_PORT_RULES = frozenset({"MP115", "MP116", "MP117", "MP118", "MP119"})


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    report = json.loads(result.stdout)
    return [f for f in report["findings"] if f["rule"] not in RISKY_PORT_RULES]


def test_pnpm_monorepo_init_through_the_installed_command(tmp_path: Path) -> None:
    root = pnpm_monorepo(tmp_path)
    before = git(root, "ls-files", "-s")
    result = run_mdports("init", cwd=root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "host gpu:" in out and "host prod:" in out and "node_modules" not in out and ".venv/lib" not in out
    config = (root / ".mdports.toml").read_text()
    assert '"docker-compose.prod.yml",  # named variant' in config and "[hosts.prod]" in config
    assert "[hosts.gpu]" in config and '"docker/prometheus/prometheus.yml"' in config
    assert '"cloudflared/config.yml",  # cloudflared tunnel' in config and "node_modules/" not in config
    # package.json: one line more, in its lint-staged table; every other byte as it was.
    package = (root / "package.json").read_text()
    added = [line for line in package.splitlines() if line not in PACKAGE_JSON.splitlines()]
    assert added == ['    "docs/PORT_SCHEMA.md": "mdports validate",']
    assert json.loads(package)["lint-staged"]["docs/PORT_SCHEMA.md"] == "mdports validate"
    assert (root / ".gitattributes").read_text() == "docs/PORT_SCHEMA.md merge=mdports\n"
    assert "git merge-file" in git(root, "config", "--local", "merge.mdports.driver")
    assert (root / ".github/workflows/mdports.yml").is_file() and not (root / ".pre-commit-config.yaml").exists()
    # Tracked files changed: package.json only (and .gitattributes, new). Nothing else touched.
    assert git(root, "ls-files", "-s") == before
    assert git(root, "diff", "--name-only").split() == ["package.json"]
    # The document passes validate but for the deployment's own clash (element-web and matrix-web
    # both publish 4010 on prod), and drift against it finds nothing undocumented or mismatched.
    validate = run_mdports("validate", "--format", "json", cwd=root)
    assert [(f["rule"], f["ports"]) for f in findings(validate)] == [("MP001", [4010])]
    drift = invoke_mdports("drift", "--format", "json", cwd=root)
    rules = {f["rule"] for f in findings(drift)}
    assert not rules & {"MP201", "MP202", "MP203", "MP204", "MP207"}, rules
    # Run again: nothing to do, nothing changed.
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git/" not in p.as_posix()}
    again = run_mdports("init", cwd=root)
    assert again.returncode == 0 and "nothing to do: already set up" in again.stdout
    assert {p: p.read_bytes() for p in snapshot} == snapshot


def test_document_rows_say_port_service_protocol_and_where(tmp_path: Path) -> None:
    root = pnpm_monorepo(tmp_path)
    invoke_mdports("init", "--no-hook", "--no-workflow", cwd=root)
    text = (root / "docs/PORT_SCHEMA.md").read_text()
    assert "## Server: gpu" in text and "## Server: prod" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`docker-compose.prod.yml:" in line]
    assert rows and all(line.count("|") == 6 for line in rows)
    listed = json.loads(invoke_mdports("list", "--format", "json", cwd=root).stdout)["entries"]
    assert {e.get("host") for e in listed} >= {"gpu", "prod"}
    # Ranges where ports cluster: a section per hundred with two or more ports.
    ranges = json.loads(invoke_mdports("ranges", "--format", "json", cwd=root).stdout)
    declared = [r["range"] for r in ranges["sections"] if r["range"]]
    assert declared and all(hi - lo == 99 for lo, hi in declared)


def test_dry_run_and_json_write_nothing(tmp_path: Path) -> None:
    root = pnpm_monorepo(tmp_path)
    result = invoke_mdports("init", "--dry-run", "--format", "json", cwd=root)
    plan = json.loads(result.stdout)
    assert result.returncode == 0 and plan["dry_run"] is True and plan["tracked"] is True
    assert {h["name"] for h in plan["hosts"]} == {"", "gpu", "prod"}
    assert {s["path"] for s in plan["steps"]} >= {".mdports.toml", "docs/PORT_SCHEMA.md", "package.json"}
    assert (
        git(root, "status", "--porcelain") == ""
        and git(root, "config", "--local", "--get-regexp", "merge", check=False) == ""
    )
    text = invoke_mdports("init", "--dry-run", cwd=root)
    assert "would create .mdports.toml" in text.stdout and git(root, "status", "--porcelain") == ""


def test_each_part_can_be_left_out(tmp_path: Path) -> None:
    root = pnpm_monorepo(tmp_path)
    options = ("--no-gitattributes", "--no-merge-driver", "--no-hook", "--no-workflow", "--no-document")
    result = invoke_mdports("init", *options, cwd=root)
    assert result.returncode == 0
    assert git(root, "status", "--porcelain") == "?? .mdports.toml\n"


def test_python_service_with_compose_override_gets_tool_mdports(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    pyproject = '[project]\nname = "svc"\nversion = "1.0"\n\n[tool.ruff]\nline-length = 100\n'
    write(
        root,
        {
            "pyproject.toml": pyproject,
            "compose.yaml": """\
                services:
                  api:
                    build: .
                    ports: ["${API_PORT:-8000}:8000"]
                  db:
                    image: postgres:16
                    ports: ["127.0.0.1:5432:5432"]
                """,
            "compose.override.yaml": """\
                services:
                  api:
                    ports: ["5678:5678"]   # debugpy
                  mailpit:
                    image: axllent/mailpit
                    ports: ["8025:8025", "1025:1025"]
                """,
            ".env": "API_PORT=8000\n",
        },
    )
    commit_all(root)
    result = invoke_mdports("init", cwd=root)
    assert result.returncode == 0, result.stderr
    text = (root / "pyproject.toml").read_text()
    assert text.startswith(pyproject) and "\n[tool.mdports]\n" in text and "[tool.mdports.hosts" not in text
    assert '"compose.override.yaml",  # override of compose.yaml: the same host' in text
    assert (root / ".pre-commit-config.yaml").read_text().startswith("repos:\n  - repo: ")
    assert invoke_mdports("validate", cwd=root).returncode == 0
    drift = invoke_mdports("drift", "--format", "json", cwd=root)
    assert not {f["rule"] for f in findings(drift)} & {"MP201", "MP203"}
    assert invoke_mdports("init", cwd=root).stdout.endswith("nothing to do: already set up\n")


def test_kubernetes_manifests(tmp_path: Path) -> None:
    root = tmp_path / "kube"
    shutil.copytree(GOLDEN / "fleet" / "deploy" / "k8s", root / "k8s")
    write(
        root,
        {
            "k8s/README.md": "manifests\n",
            "charts/app/templates/svc.yaml": "kind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\n",
        },
    )
    result = invoke_mdports("init", "--format", "json", cwd=root)
    plan = json.loads(result.stdout)
    kinds = {f["path"]: f["kind"] for h in plan["hosts"] for f in h["files"]}
    assert kinds and set(kinds.values()) == {"kubernetes"} and all(p.startswith("k8s/") for p in kinds)
    assert any(s["path"] == "charts/app/templates/svc.yaml" for s in plan["skipped"])
    assert "### Other addresses" in (root / "docs/PORT_SCHEMA.md").read_text()
    assert invoke_mdports("validate", cwd=root).returncode == 0
    drift = invoke_mdports("drift", "--format", "json", cwd=root)
    assert not {f["rule"] for f in findings(drift)} & {"MP201", "MP203"}


def test_dev_and_prod_sharing_ports_are_two_hosts(tmp_path: Path) -> None:
    root = tmp_path / "app"
    compose = "services:\n  web:\n    ports: ['3000:3000', '3001:3001']\n  db:\n    ports: ['5432:5432']\n"
    write(root, {"docker-compose.dev.yml": compose, "docker-compose.prod.yml": compose})
    result = invoke_mdports("init", cwd=root)
    assert "host dev:" in result.stdout and "host prod:" in result.stdout
    assert invoke_mdports("validate", cwd=root).stdout.endswith(": 0 error(s), 0 warning(s)\n")


HOSTS_DOCUMENT = """\
# Ports

## Server: prod

### 3000-3099: prod

| Port | Service |
|------|---------|
| 3001 | web |
| 3002 | api |

## Server: gpu

### Other ports

| Port | Service |
|------|---------|
| 3005 | whisper |
| 8000 | minio |

### 9000-9099: gpu

| Port | Service |
|------|---------|
| 9001 | comfy |
| 9002 | flux |
"""


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (HOSTS_DOCUMENT, []),  # 3005 on gpu is in prod's range: another host's range says nothing
        (
            HOSTS_DOCUMENT.replace("### 9000-9099: gpu", "### 9000-9099: prod").replace(
                "## Server: gpu", "## Server: prod"
            ),
            ["MP106"],
        ),
        (HOSTS_DOCUMENT.replace("### 9000-9099: gpu", "### 3000-3099: gpu"), ["MP101", "MP101", "MP106"]),
    ],
    ids=["two-hosts", "one-host", "same-range-on-two-hosts"],
)
def test_ranges_belong_to_their_host(tmp_path: Path, document: str, expected: list[str]) -> None:
    """MP102 and MP106 compare the ranges of one host: ports are unique per host (a document init writes)."""
    (tmp_path / "ports.md").write_text(document)
    result = invoke_mdports("validate", "--file", "ports.md", "--format", "json", cwd=tmp_path)
    assert sorted(f["rule"] for f in findings(result)) == sorted(expected), result.stdout


def test_a_real_clash_is_reported_as_one(tmp_path: Path) -> None:
    root = tmp_path / "app"
    write(
        root,
        {
            "docker-compose.yml": "services:\n  web:\n    ports: ['3000:3000']\n",
            "tools/docker-compose.yml": "services:\n  admin:\n    ports: ['3000:80']\n",
        },
    )
    invoke_mdports("init", cwd=root)
    result = invoke_mdports("validate", cwd=root)
    assert result.returncode == 1 and result.stdout.endswith(": 1 error(s), 0 warning(s)\n")
    assert "MP001 port 3000 of web is already assigned to admin" in result.stdout


def test_zero_configuration_drift_says_what_it_read(tmp_path: Path) -> None:
    root = pnpm_monorepo(tmp_path)
    invoke_mdports("init", "--no-config-file", "--no-hook", "--no-workflow", cwd=root)
    assert not (root / ".mdports.toml").exists()
    text = run_mdports("drift", cwd=root)
    assert "mdports drift: no configuration; read 5 file(s) found as `mdports init` finds them:" in text.stderr
    assert "docker-compose.gpu.yml (compose)" in text.stderr and "node_modules" not in text.stderr
    report = json.loads(invoke_mdports("drift", "--format", "json", cwd=root).stdout)
    assert {(s["kind"], s["path"]) for s in report["sources"]} == {
        ("compose", "docker-compose.gpu.yml"),
        ("compose", "docker-compose.prod.yml"),
        ("env", ".env.example"),
        ("prometheus", "docker/prometheus/prometheus.yml"),
        ("cloudflared", "cloudflared/config.yml"),
    }
    # From a sub-folder, drift discovers from the repository's root, as init does.
    sub = invoke_mdports("drift", "--format", "json", cwd=root / "apps" / "web")
    assert len(json.loads(sub.stdout)["sources"]) == 5


# --- the merge driver, with real git -----------------------------------------------------------


def merge_repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(
        root, {"docker-compose.yml": "services:\n  web:\n    ports: ['3000:3000']\n  api:\n    ports: ['3001:3001']\n"}
    )
    commit_all(root)
    assert invoke_mdports("init", "--no-hook", "--no-workflow", cwd=root).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "mdports init")
    document = root / "docs" / "PORT_SCHEMA.md"
    base = document.read_text()
    git(root, "checkout", "-qb", "theirs")
    document.write_text(
        base.replace("| 3001 | api |", "| 3002 | worker | tcp | container port 80 | `x:1` |\n| 3001 | api |")
    )
    git(root, "commit", "-qam", "worker")
    git(root, "checkout", "-q", "main")
    document.write_text(
        base.replace("| 3001 | api |", "| 3003 | cron | tcp | container port 80 | `y:1` |\n| 3001 | api |")
    )
    git(root, "commit", "-qam", "cron")
    return root


def _path_without_mdports(tmp_path: Path) -> str:
    """A PATH with git and a shell's tools, but no mdports."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh", "cat", "echo", "rm", "mkdir", "sed", "uname", "basename", "dirname", "tr", "expr"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    assert shutil.which("mdports", path=str(bin_dir)) is None
    return str(bin_dir)


@pytest.mark.slow
def test_merge_driver_without_mdports_falls_back_to_conflict_markers(tmp_path: Path) -> None:
    root = merge_repository(tmp_path)
    # Both sides added a row at the same place: git's text merge conflicts. Never a silent "ours".
    result = subprocess.run(
        ["git", "merge", "theirs"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, "PATH": _path_without_mdports(tmp_path)},
    )
    assert result.returncode != 0
    text = (root / "docs/PORT_SCHEMA.md").read_text()
    assert "<<<<<<< ours" in text and ">>>>>>> theirs" in text and "worker" in text and "cron" in text
    assert "mdports not found: merging docs/PORT_SCHEMA.md as text" in result.stderr
    assert "docs/PORT_SCHEMA.md" in git(root, "diff", "--name-only", "--diff-filter=U")


@pytest.mark.slow
def test_merge_driver_with_mdports_merges_both_rows(tmp_path: Path) -> None:
    root = merge_repository(tmp_path)
    mdports = shutil.which("mdports") or str(Path(os.sys.executable).parent / "mdports")
    path = f"{Path(mdports).parent}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run(
        ["git", "merge", "-q", "theirs"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, "PATH": path},
    )
    assert result.returncode == 0, result.stderr
    text = (root / "docs/PORT_SCHEMA.md").read_text()
    assert "<<<<<<<" not in text and "| 3002 | worker |" in text and "| 3003 | cron |" in text


# --- bad input: a clear error, nothing changed -------------------------------------------------


def _unchanged(root: Path, result: subprocess.CompletedProcess[str], before: set[Path]) -> None:
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert set(root.rglob("*")) == before


def test_unreadable_compose_yaml(tmp_path: Path) -> None:
    root = tmp_path / "app"
    write(root, {"docker-compose.yml": "services:\n  web:\n    ports: ['3000:3000'\n  db: {\n"})
    before = set(root.rglob("*"))
    result = run_mdports("init", cwd=root)
    _unchanged(root, result, before)
    assert result.stderr.startswith("mdports: error: docker-compose.yml:") and "not valid YAML" in result.stderr


def test_a_compose_file_that_is_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "deploy" / "docker-compose.yml").mkdir(parents=True)
    before = set(root.rglob("*"))
    result = invoke_mdports("init", cwd=root)
    _unchanged(root, result, before)
    assert "deploy/docker-compose.yml: is a folder, but its name is a compose file's" in result.stderr


def test_a_compose_file_that_is_a_symlink_loop(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "compose.yaml").symlink_to("compose.yml")
    (root / "compose.yml").symlink_to("compose.yaml")
    before = set(root.rglob("*"))
    result = invoke_mdports("init", cwd=root)
    _unchanged(root, result, before)
    assert "compose.yaml: is a symbolic link in a loop" in result.stderr


def test_hostile_env_values(tmp_path: Path) -> None:
    root = tmp_path / "app"
    write(
        root,
        {
            "compose.yaml": "services:\n  web:\n    ports: ['${WEB_PORT}:80']\n",
            ".env": "WEB_PORT=3000\nEVIL_PORT='$(rm -rf /)'\nBIDI_PORT=\u202e1003\nHUGE_PORT=" + "9" * 5000 + "\n",
        },
    )
    result = invoke_mdports("init", cwd=root)
    assert result.returncode == 0, result.stderr
    text = (root / "docs/PORT_SCHEMA.md").read_text()
    assert "| 3000 | web |" in text and "\u202e" not in text and "rm -rf" not in text


@pytest.mark.slow
def test_ten_thousand_yaml_files(tmp_path: Path) -> None:
    root = tmp_path / "app"
    write(root, {"docker-compose.yml": "services:\n  web:\n    ports: ['3000:3000']\n"})
    data = root / "data"
    data.mkdir()
    for index in range(10_000):
        (data / f"item-{index}.yaml").write_text(f"name: item {index}\nkind: note\n")
    result = invoke_mdports("init", "--dry-run", "--format", "json", cwd=root)
    plan = json.loads(result.stdout)
    assert [f["path"] for h in plan["hosts"] for f in h["files"]] == ["docker-compose.yml"]


# --- the corpus: real deployments ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")
def test_corpus_deployments_init_dry_run(tmp_path: Path) -> None:
    """Every corpus deployment is planned, or refused with a located error (never a traceback)."""
    for folder in sorted(CORPUS.iterdir()):
        copy = Path(shutil.copytree(folder, tmp_path / folder.name))
        result = invoke_mdports("init", "--dry-run", "--format", "json", cwd=copy)
        assert result.returncode in (0, 2), (folder.name, result.stderr)
        if result.returncode == 2:
            assert result.stderr.startswith("mdports: error: ") and "Traceback" not in result.stderr


def test_one_port_with_two_protocols_is_one_row(tmp_path: Path) -> None:
    """graylog publishes 1514/tcp and 1514/udp: one row 'tcp/udp', not two rows of one name (MP002)."""
    root = tmp_path / "logs"
    write(
        root,
        {
            "docker-compose.yml": """\
                services:
                  graylog:
                    ports: ["9000:9000", "1514:1514", "1514:1514/udp", "12201:12201/udp"]
                """
        },
    )
    invoke_mdports("init", cwd=root)
    text = (root / "docs/PORT_SCHEMA.md").read_text()
    assert "| 1514 | graylog | tcp/udp | container port 1514 | `docker-compose.yml:3` |" in text
    assert invoke_mdports("validate", cwd=root).returncode == 0
    drift = invoke_mdports("drift", "--format", "json", cwd=root)
    assert findings(drift) == []


PRE_COMMIT = "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n      - id: black\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"package.json": "{ not json"}, ("note", "package.json")),
        (
            {"package.json": '{"name": "x"}', "lint-staged.config.mjs": "export default {}\n"},
            ("note", "lint-staged.config.mjs"),
        ),
        ({"package.json": '{"name": "x"}'}, ("create", ".pre-commit-config.yaml")),
        (
            {".pre-commit-config.yaml": PRE_COMMIT},
            ("edit", ".pre-commit-config.yaml"),
        ),
        ({".pre-commit-config.yaml": "repos: []\nci:\n  autofix: false\n"}, ("note", ".pre-commit-config.yaml")),
    ],
    ids=[
        "bad-package-json",
        "lint-staged-config-is-code",
        "no-lint-staged",
        "pre-commit-appended",
        "pre-commit-repos-not-last",
    ],
)
def test_the_hook_goes_where_it_can_go_safely(tmp_path: Path, files: dict[str, str], expected: tuple[str, str]) -> None:
    root = tmp_path / "repo"
    write(root, {**files, "compose.yaml": "services:\n  web:\n    ports: ['3000:3000']\n"})
    before = {name: (root / name).read_text() for name in files}
    plan = json.loads(invoke_mdports("init", "--format", "json", cwd=root).stdout)
    hooks = [(s["action"], s["path"]) for s in plan["steps"] if s["path"] in {*files, ".pre-commit-config.yaml"}]
    assert hooks == [expected]
    for name, text in before.items():
        if expected != ("edit", name):
            assert (root / name).read_text() == text  # a note changes nothing
    if expected == ("edit", ".pre-commit-config.yaml"):
        import yaml

        repos = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"]
        assert repos[0]["repo"] == "https://github.com/psf/black" and len(repos) == 2
        assert repos[1]["hooks"] == [{"id": "mdports-validate"}]
