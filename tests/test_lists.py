"""Issue 21, point 1: the list reader (ports that run, written as list items grouped by host).

In process for the forms and their siblings; through the installed command for ``explain`` and
the ``running-lists`` configuration. The regular expressions of :mod:`mdports.model.lists` are
held linear with every other pattern in ``tests/test_hostile.py``; hostile documents are here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import INPUTS, invoke_mdports, run_mdports
from hypothesis import given, settings
from hypothesis import strategies as st

import mdports
from mdports.model.lists import read_label
from mdports.model.reading import build
from mdports.model.vocabulary import DEFAULT, ListPolicy

EXAMPLE = INPUTS / "running-example.md"


def _running(text: str, policy: ListPolicy | None = None) -> list[tuple[str | None, int, str | None, int, int]]:
    """``(service, port, host, line, port column)`` of every running entry read from lists."""
    vocab = DEFAULT if policy is None else DEFAULT.__class__(lists=policy)
    registry = build(mdports.parse(text), vocab)
    return [(e.service, e.ports[0], e.host, e.line, e.port_column) for e in registry.listed]


def _pairs(text: str) -> list[tuple[str | None, int]]:
    return [(service, port) for service, port, *_ in _running(text)]


def test_the_issues_example_is_read_with_hosts_addresses_and_positions() -> None:
    registry = build(mdports.load(EXAMPLE))
    found = [(e.service, e.ports, e.host, e.address, e.line, e.port_column) for e in registry.listed]
    assert found == [
        ("ci-runner", (4100,), "Build server", "10.0.0.7", 6, 16),
        ("artifact-cache", (4101,), "Build server", "10.0.0.7", 7, 21),
        ("shop-api", (3061,), "Web box", None, 10, 15),
        ("shop-worker", (3062,), "Web box", None, 10, 35),
        ("shop-events", (3115,), "Web box", None, 11, 18),
        ("shop-search", (3068,), "Web box", None, 12, 48),
        ("ci-runner-2", (4100,), "Web box", None, 13, 18),
    ]
    assert all(e.layer == "running" for e in registry.listed)
    assert all(e.layer == "planned" for e in registry.entries)
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for entry in registry.listed:  # the column points at the digits, the service column at the name
        assert lines[entry.line - 1][entry.port_column - 1 :].startswith(entry.port_text)
        if entry.service_column > 1:
            assert lines[entry.line - 1][entry.service_column - 1 :].startswith(entry.service or "")


@pytest.mark.parametrize(
    "item",
    [
        "- shop-api `3061`",
        "- shop-api 3061",
        "- shop-api: 3061",
        "- shop-api on :3061",
        "- shop-api on port 3061",
        "- shop-api (port 3061)",
        "- shop-api (3061)",
        "- **shop-api**: `3061`",
        "- `shop-api` `3061`",
        "- [shop-api](https://example.org/api) `3061`",
        "* shop-api `3061` - the public API",
        "+ shop-api `3061` \u2014 the public API",
        "1. shop-api `3061`",
        "2) shop-api `3061`",
        "- \u26a0\ufe0f shop-api `3061` **collision** with the old API",
        "- [x] shop-api `3061`",
        "- shop-api `3061/tcp`",
    ],
)
def test_each_form_people_write_is_one_assignment(item: str) -> None:
    text = f"{item}\n- shop-worker `3062`\n"
    assert _pairs(text) == [("shop-api", 3061), ("shop-worker", 3062)]


def test_several_per_item_by_comma_or_semicolon_and_items_that_wrap() -> None:
    text = (
        "- api `3061`, worker `3062`; events `3115` (moved from 3065 on 2026-01-20,\n"
        "  because media reserves 3065), search `3068`\n"
        "- cache 6379\n"
    )
    assert _pairs(text) == [("api", 3061), ("worker", 3062), ("events", 3115), ("search", 3068), ("cache", 6379)]


@pytest.mark.parametrize(
    "note",
    [
        "(moved from 3065 on 2026-01-20)",
        "(100 ports per range)",
        "(since 2025-12-01, see #4211)",
        "(default port `3024`)",
        "(was 3000 until v2.1)",
    ],
)
def test_numbers_in_notes_are_not_assignments(note: str) -> None:
    assert _pairs(f"- api `3061` {note}\n- worker `3062`\n") == [("api", 3061), ("worker", 3062)]


@pytest.mark.parametrize(
    "prose",
    [
        "1. Use ports above 3000 for services\n2. Never reuse a port\n3. Keep 100 ports per range\n",
        "- Port 8000 to the load balancer\n- Port 5432 from the app servers\n",
        "- **4000-4099**: Core homelab services\n- **4100-4199**: Development tools\n",
        "- Backend \u2192 PostgreSQL: `postgres:1723`\n- Frontend \u2192 Backend: `backend:1720`\n",
        "- Released 2026-01-20\n- Moved 3000 to 3001 in March\n",
        "- see RFC 6335\n- see page 12\n",
        # Shapes found in the corpus: sentences, free ports, advice, history, migrations, ranges.
        "1. **Choose next available port**: 5004+ (5000-5003 are taken)\n2. **Define the service**\n",
        "- **NEVER use port 3000** - reserved for emergencies\n- **NEVER use port 5001** - marketing\n",
        "- Internal container port: 5432\n- External/host port: 5433\n",
        "### Next available ports\n\n- MinIO console: `9040`\n- RabbitMQ mgmt: `15693`\n",
        "### Port range recommendations\n\n**Development:**\n- Service Manager: 8080\n- Frontend: 8897\n",
        "## Version history\n\n- Backend: 9181\n- Frontend: 9737\n",
        "**Before (problematic):**\n\n### Before\n\n- Frontend: `3000`\n- Grafana: `3015`\n",
        "## Not deployed\n\n- voice `3024`\n- video `3025`\n",
        "**GPU box:**\n- **Puerto 443 (recomendado):** entra por Nginx\n- **Puerto 80:** redirige\n",
        "- Telegram TimescaleDB: `5434 → 5436`\n- Telegram Redis Master: `6379 → 6383`\n",
        "- Frontend: 8800-8899\n- WebSocket: 7000-7999\n",
        "These accept TCP connections:\n\n- Bayit+ naturally uses 3000\n- Partner Portal uses 3011\n",
    ],
)
def test_lists_that_are_not_assignments_are_not_read(prose: str) -> None:
    assert _pairs(prose) == []


def test_a_list_counts_only_when_most_items_look_like_service_port() -> None:
    mostly = "- api `3061`\n- worker `3062`\n- see the wiki for the rest\n"
    assert _pairs(mostly) == [("api", 3061), ("worker", 3062)]
    barely = "- api `3061`\n- Keep the ports in the wiki\n- Ask before moving one\n"
    assert _pairs(barely) == []
    registry = build(mdports.parse(barely))
    assert [(r.read, r.reason) for r in registry.lists] == [(False, "only 1 of 3 items name a service and its port")]


def test_hosts_from_bold_labels_headings_and_parent_items() -> None:
    text = (
        "**web-01 (`10.0.0.5`):**\n\n- api `3061`\n\n"
        "**GPU box** (192.168.1.20):\n- whisper `8100`\n\n"
        "### Staging box:\n\n- api `3061`\n\n"
        "- **Edge (eu):**\n  - proxy `8443`\n  - cache `8444`\n"
    )
    registry = build(mdports.parse(text))
    assert [(e.service, e.host, e.address) for e in registry.listed] == [
        ("api", "web-01", "10.0.0.5"),
        ("whisper", "GPU box", "192.168.1.20"),
        ("api", "Staging box", None),
        ("proxy", "Edge", None),
        ("cache", "Edge", None),
    ]


def test_a_label_with_text_after_it_ends_the_host_and_is_no_list() -> None:
    text = "**Web box:**\n- api `3061`\n\n**Not deployed:** `voice` (default port `3024`).\n\n- mail `3071`\n"
    registry = build(mdports.parse(text))
    assert [(e.service, e.host) for e in registry.listed] == [("api", "Web box"), ("mail", None)]


def test_a_section_heading_naming_a_server_is_the_host() -> None:
    text = "## Server: gpu-01\n\n- whisper `8100`\n- piper `8101`\n"
    assert [host for _, _, host, _, _ in _running(text)] == ["gpu-01", "gpu-01"]


def test_nested_lists_in_blockquotes_and_code_fences() -> None:
    text = (
        "> > - api `3061`\n> >   - worker `3062`\n\n"
        "```\n- not-read `9999`\n- not-read-2 `9998`\n```\n\n"
        "~~~markdown\n- not-read `9997`\n~~~\n"
    )
    assert _pairs(text) == [("api", 3061), ("worker", 3062)]


def test_labels_in_other_languages_and_unicode_names() -> None:
    text = (
        "**Produktionsserver (10.0.0.9):**\n- Datenbank: 5432\n- Aufgaben-Dienst: 6000\n\n"
        "**生产服务器:**\n- 网关 `8080`\n"
    )
    registry = build(mdports.parse(text))
    assert [(e.service, e.ports[0], e.host) for e in registry.listed] == [
        ("Datenbank", 5432, "Produktionsserver"),
        ("Aufgaben-Dienst", 6000, "Produktionsserver"),
        ("网关", 8080, "生产服务器"),
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("**Web box (production):**", ("Web box", None)),
        ("**Web box (production)**:", ("Web box", None)),
        ("**Build server (`10.0.0.7`):**", ("Build server", "10.0.0.7")),
        ("**web-01 `10.0.0.5`:**", ("web-01", "10.0.0.5")),
        ("__GPU__:", ("GPU", None)),
        ("**Not deployed:** `voice`", None),
        ("**Important**", None),
    ],
)
def test_labels(label: str, expected: tuple[str, str | None] | None) -> None:
    host = read_label(label)
    assert (None if host is None else (host.name, host.address)) == expected


def test_running_lists_forces_and_switches_off_by_heading() -> None:
    text = "## Real ports\n\n- api `3061`\n- Ask before moving one\n- Keep it short\n\n## Principles\n\n- api `3061`\n"
    assert _pairs(text) == [("api", 3061)]  # the first list is mostly prose: only the second is read
    forced = ListPolicy((("real-ports", True), ("principles", False)))
    assert _pairs(text) == [("api", 3061)]
    assert [(s, h, line) for s, _, h, line, _ in _running(text, forced)] == [("api", None, 3)]
    assert _running(text, ListPolicy((), False)) == []


def test_running_lists_through_the_installed_command(tmp_path: Path) -> None:
    (tmp_path / "ports.md").write_text(
        "# Ports\n\n## Today\n\n- api `3061`\n- Ask before moving one\n- Keep it short\n", encoding="utf-8"
    )
    before = run_mdports("-f", "ports.md", "explain", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    assert "line 5: a list with port numbers, not read (only 1 of 3 items name a service and its port)" in before.stdout
    assert "name its heading in running-lists" in before.stdout
    (tmp_path / ".mdports.toml").write_text('running-lists = ["Today"]\n', encoding="utf-8")
    after = run_mdports("-f", "ports.md", "explain", "--format", "json", cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    listed = json.loads(after.stdout)["lists"]
    assert [(r["line"], r["read"], r["reason"], r["entries"]) for r in listed] == [
        (5, True, "forced by running-lists for 'Today'", 1)
    ]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("running-lists = 3", "running-lists must be true/false, headings, or a table"),
        ('running-lists = { Today = "yes" }', "running-lists must be true/false, headings, or a table"),
    ],
)
def test_running_lists_mistakes_exit_2(tmp_path: Path, setting: str, message: str) -> None:
    (tmp_path / ".mdports.toml").write_text(setting + "\n", encoding="utf-8")
    (tmp_path / "ports.md").write_text("- api `3061`\n", encoding="utf-8")
    result = invoke_mdports("-f", "ports.md", "explain", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_explain_a_line_of_a_list(tmp_path: Path) -> None:
    result = invoke_mdports("-f", str(EXAMPLE), "explain", "11", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("line 10: a list of running ports (2 of 2 items name a service and its port)\n")
    missing = invoke_mdports("-f", str(EXAMPLE), "explain", "2", cwd=tmp_path)
    assert missing.returncode == 1  # refused: nothing there, as for a line outside every table
    assert "lists with port numbers at lines: 6, 10" in missing.stderr


@pytest.mark.parametrize(
    "hostile",
    [
        "- a `3061`\n" * 100_000,
        "- " + "a " * 50_000 + "`3061`\n- b 3062\n",
        "- api " + "(" * 100_000 + " 3061\n",
        "- api `3061`" + ", b" * 50_000 + "\n",
        "".join("  " * depth + "- s `3061`\n" for depth in range(2_000)),
        "> " * 50_000 + "- api `3061`\n",
        "- **" + "x" * 100_000 + ":**\n  - api 3061\n",
        "- " + "1" * 100_000 + "\n",
    ],
    ids=[
        "100k items",
        "long name",
        "open parentheses",
        "many commas",
        "deep nesting",
        "deep quote",
        "long label",
        "digits",
    ],
)
def test_hostile_lists_stay_linear(hostile: str) -> None:
    document = mdports.parse(hostile)
    started = time.perf_counter()
    build(document)  # the list reader; markdown-it's own time is the parser's (benchmarks/run.py)
    assert document.render() == hostile
    assert time.perf_counter() - started < 60  # a hang, not a timing: linear runs take seconds at most


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["- ", "> ", "  ", "1. ", "**h:**", "api", " `3061`", "(", ")", ", ", "\n", "\r\n", ":", "#"]),
        max_size=40,
    )
)
def test_reading_lists_is_lossless_and_never_fails(parts: list[str]) -> None:
    text = "".join(parts)
    registry = build(mdports.parse(text))
    assert registry.document.render() == text
    for entry in registry.listed:
        assert entry.layer == "running" and entry.service and entry.spans


# --- issue 21, points 2-4 through the installed command --------------------------------------------


def test_list_show_and_validate_show_both_layers(tmp_path: Path) -> None:
    (tmp_path / "ports.md").write_bytes(EXAMPLE.read_bytes())
    listed = run_mdports("-f", "ports.md", "list", "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)["entries"]
    assert [(r["service"], r["layer"], r.get("host")) for r in records][:3] == [
        ("shop-api", "planned", None),
        ("shop-worker", "planned", None),
        ("ci-runner", "running", "Build server"),
    ]
    checked = run_mdports("-f", "ports.md", "validate", "--format", "json", cwd=tmp_path)
    findings = json.loads(checked.stdout)["findings"]
    assert checked.returncode == 0  # MP114 is info: known debt, no failure
    assert {f["rule"] for f in findings} == {"MP114"}
    assert any("shop-api runs on port 3061 on Web box, the plan gives it 3001" in f["message"] for f in findings)


def test_two_services_on_one_port_of_one_host_is_mp001_and_two_hosts_are_not() -> None:
    text = "**web-01:**\n- api `3061`\n- bot `3061`\n\n**web-02:**\n- api `3061`\n"
    findings = mdports.validate(mdports.parse(text, path="p.md")).findings
    assert [(f.rule.id, f.line, f.message) for f in findings] == [
        ("MP001", 3, "port 3061 of bot on web-01 is already assigned to api (line 2)")
    ]
    quiet = "**Web box (prod):**\n- api `3061`\n\n**web box:**\n- cron `3062`\n"  # one host, two spellings
    assert mdports.validate(mdports.parse(quiet)).findings == ()


def test_diff_of_a_moved_running_port_through_git(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "ports.md").write_bytes(EXAMPLE.read_bytes())
    git("add", "ports.md")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
    text = EXAMPLE.read_text(encoding="utf-8").replace("shop-events `3115`", "shop-events `3116`")
    (tmp_path / "ports.md").write_text(text, encoding="utf-8")
    result = run_mdports("diff", "HEAD:ports.md", "ports.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  moved     shop-events (running on Web box) 3115 → 3116  [breaking]\n" in result.stdout
    as_json = json.loads(run_mdports("diff", "HEAD:ports.md", "ports.md", "--format", "json", cwd=tmp_path).stdout)
    (moved,) = as_json["entries"]
    assert (moved["kind"], moved["layer"], moved["host"], moved["old_ports"], moved["ports"]) == (
        "moved",
        "running",
        "Web box",
        [3115],
        [3116],
    )
    unchanged = run_mdports("diff", "HEAD:ports.md", "HEAD:ports.md", cwd=tmp_path)
    assert "no registry changes" in unchanged.stdout


def test_a_deployed_heading_is_read_and_a_sentence_ending_in_a_colon_names_no_host() -> None:
    text = "## Systemd services deployed\n\nThese run as root:\n\n- api.service (port 8500)\n"
    text += "- cron.service (port 8509)\n"
    assert _running(text) == [("api.service", 8500, None, 5, 21), ("cron.service", 8509, None, 6, 22)]


def test_a_migration_in_code_spans_is_not_what_runs() -> None:
    assert _pairs("- db: `5434` → `5436`\n- cache: `6379` -> `6383`\n") == []
    moving = "- **Nginx**: 8080 → will move to 3005\n- **MariaDB**: 3307\n"
    assert _pairs(moving) == [("Nginx", 8080), ("MariaDB", 3307)]


@pytest.mark.parametrize(
    ("item", "ports"),
    [
        ("- redis `6379` / `6380` (cache + queue)", (6379, 6380)),
        ("- minio `9000`, `9001` (console)", (9000, 9001)),
        ("- pg 5432 and 5433", (5432, 5433)),
        ("- GP5 (Geth): 8545, 8546, 30303", (8545, 8546, 30303)),
        ("- realtime `4300` & `4301`", (4300, 4301)),
        ("- api `3000`, web `3001`", (3000,)),  # the next part names a service of its own
    ],
)
def test_an_item_naming_several_ports_records_every_one(item: str, ports: tuple[int, ...]) -> None:
    registry = build(mdports.parse(f"**web-01:**\n\n{item}\n- other `4999`\n"))
    assert registry.listed[0].ports == ports
    assert registry.listed[0].port_text == str(ports[0])  # the column still points at the first


def test_a_service_listed_twice_on_one_host_with_other_ports_is_mp002_once_per_host() -> None:
    text = (
        "**web-01:**\n\n- api `3001`, bot `3002`\n- api `3005`\n\n"
        "**web-02:**\n\n- api `3009`\n\n### By category\n\n**Web-01:**\n\n- api `3001`\n"
    )
    findings = [f for f in mdports.validate(mdports.parse(text)).findings if f.rule.id == "MP002"]
    assert [(f.line, f.message) for f in findings] == [
        (4, "service api runs on web-01 on port 3005 here and on 3001 at line 3"),
    ]


def _segments_one_by_one(text: str) -> list[tuple[int, int]]:
    """The reference: every character visited, parentheses counted."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char in ",;" and depth == 0:
            parts.append((start, index))
            start = index + 1
    return [*parts, (start, len(text))]


@given(st.text(alphabet="ab (),;`3"))
def test_segments_are_those_of_a_character_by_character_walk(text: str) -> None:
    from mdports.model.assignments import segments

    assert segments(text) == _segments_one_by_one(text)
