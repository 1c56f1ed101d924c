"""``--host`` on tables that say where services run: their rows are edited in place.

A Host column (``| prod-1 | shop-api | 3061 |``) or a Current Port beside a Default Port (under
``### Server: gpu-box (10.0.0.5)``) makes a table part of the running layer. The golden cases
(``tests/golden/cases/running-tables-*``) hold the exact output of each command on a grown
document; here are the variants: the installed command on a real file, configured hosts by
address, a host written in a list and a table, the refusals, and the invariant that an edit
changes only the row it means.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import INPUTS, invoke_mdports, run_mdports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_running_edits import _changed_lines

import mdports
from mdports import edits
from mdports.errors import NotFoundError, RefusedError, UsageError
from mdports.model.hosts import host_key
from mdports.model.reading import build

TABLES = INPUTS / "running-tables.md"
_REGISTRY = build(mdports.load(TABLES))
# Every running row: (service, host as written, its line).
_ROWS = [(e.service or "", e.host or "", e.line) for e in _REGISTRY.entries if e.layer == "running" and e.service]


def test_the_installed_command_moves_only_the_digits_of_that_hosts_row(tmp_path: Path) -> None:
    document = tmp_path / "PORT_SCHEMA.md"
    document.write_bytes(TABLES.read_bytes())
    result = run_mdports("-f", str(document), "move", "shop-api", "--port", "3070", "--host", "Prod-1", "--keep-date")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "moved shop-api on prod-1 from 3061 to 3070\n"
    assert _changed_lines(TABLES.read_text(encoding="utf-8"), document.read_text(encoding="utf-8")) == [
        "-| prod-1 | shop-api | 3061 | 2025-06 | moved off 3010 (legacy php held it) |\n",
        "+| prod-1 | shop-api | 3070 | 2025-06 | moved off 3010 (legacy php held it) |\n",
    ]


def test_a_configured_host_matches_the_address_a_host_cell_or_heading_gives(tmp_path: Path) -> None:
    (tmp_path / "PORT_SCHEMA.md").write_bytes(TABLES.read_bytes())
    config = '[hosts.stage]\naddress = "10.0.0.9"\n\n[hosts.gpu]\naddresses = ["10.0.0.5"]\n'
    (tmp_path / ".mdports.toml").write_text(config, encoding="utf-8")
    moved = invoke_mdports(
        "-f", "PORT_SCHEMA.md", "move", "storefront", "--port", "3002", "--host", "stage", cwd=tmp_path
    )
    assert (moved.returncode, moved.stderr) == (0, "moved storefront on staging (10.0.0.9) from 3000 to 3002\n")
    added = invoke_mdports("-f", "PORT_SCHEMA.md", "add", "vllm", "--port", "8000", "--host", "gpu", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    lines = (tmp_path / "PORT_SCHEMA.md").read_text(encoding="utf-8").splitlines()
    assert lines[47] == "| staging (10.0.0.9) | storefront | 3002 | 2025-06 | |"
    assert lines[-2:] == ["| grafana | 3000 | 3300 | storefront has 3000 on prod |", "| vllm | | 8000 | |"]


def test_a_new_row_writes_the_host_as_most_of_its_rows_do_and_copies_its_markup() -> None:
    document = mdports.load(TABLES)
    prod = edits.add(document, "shop-mail", port=3071, host="PROD 1", date=None)  # 4 x "prod-1", 1 x "Prod-1"
    assert _changed_lines(document.render(), prod.text) == ["+| prod-1 | shop-mail | 3071 | | |\n"]
    # Without the Current Port table, gpu-box's last running row is a bold one of the Host table.
    text = document.render().split("### Server: gpu-box")[0]
    bold = edits.add(mdports.parse(text), "tgi", port=8080, host="gpu-box", date=None)
    assert bold.text.splitlines()[46] == "| **gpu-box** | tgi | 8080 | | |"
    # A tie (one bold, one plain) goes to the spelling of the row the new one follows.
    tie = text.replace("| **gpu-box** | ml-rerank |", "| gpu-box | ml-rerank |")
    plain = edits.add(mdports.parse(tie), "tgi", port=8080, host="gpu-box", date=None)
    assert plain.text.splitlines()[46] == "| gpu-box | tgi | 8080 | | |"


def test_a_host_written_in_a_list_and_a_table_gets_the_new_entry_after_its_last_one() -> None:
    text = (
        "> **gpu-box:**\n> - whisper `8100`\n\n## Deployed\n\n| Host | Service | Port |\n|---|---|---|\n"
        "| gpu-box | tts | 8101 |\n| web | api | 3000 |\n"
    )
    edit = edits.add(mdports.parse(text), "comfyui", port=8188, host="GPU box")
    assert edit.text.splitlines()[7:9] == ["| gpu-box | tts | 8101 |", "| gpu-box | comfyui | 8188 |"]
    moved = edits.move(mdports.parse(text), "whisper", port=8102, host="gpu-box")
    assert moved.text.splitlines()[1] == "> - whisper `8102`"
    with pytest.raises(RefusedError, match="port 8100 on gpu-box is already taken by whisper"):
        edits.move(mdports.parse(text), "tts", port=8100, host="gpu-box")  # a list item holds it on that host


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [
        (lambda d: edits.remove(d, "shop-api", host="prod-1", reserve=True), UsageError, "table row.*no --reserve"),
        (lambda d: edits.add(d, "x", port=3071, host="prod-1", force=True), UsageError, "no --force"),
        (lambda d: edits.add(d, "shop-api", port=3071, host="prod-1"), RefusedError, "already runs on prod-1"),
        (lambda d: edits.move(d, "ml-embed", port=7012, host="gpu-box"), RefusedError, "taken by ml-rerank"),
        (lambda d: edits.remove(d, "ollama", host="staging"), NotFoundError, "does not run on staging"),
        (lambda d: edits.rename(d, "ollama", "qdrant", host="gpu-box"), RefusedError, "qdrant already runs"),
        (lambda d: edits.move(d, "ollama", port=8000, host="gpu box 2"), UsageError, "no host 'gpu box 2'"),
    ],
)
def test_refusals_of_a_running_table_edit(operation: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        operation(mdports.load(TABLES))  # type: ignore[operator]


def test_a_name_that_runs_on_another_host_does_not_stop_a_rename_with_host() -> None:
    # shop-api also runs on staging: renaming it on prod-1 renames the plan and prod-1's row only.
    edit = edits.rename(mdports.load(TABLES), "shop-api", "shop-gateway", host="prod-1", date=None)
    after = build(edit.after)
    assert sorted(
        (e.host or "-", e.service) for e in after.entries if "shop-" in (e.service or "") and e.ports == (3061,)
    ) == [
        ("prod-1", "shop-gateway"),
        ("staging (10.0.0.9)", "shop-api"),
    ]
    edits.verify(edit)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_ROWS),
    st.sampled_from(["move", "remove", "rename", "set", "add"]),
    st.integers(min_value=20000, max_value=20999),
)
def test_an_edit_changes_only_the_row_it_means_and_reads_back_as_intended(
    row: tuple[str, str, int], action: str, port: int
) -> None:
    service, host, line = row
    document = mdports.load(TABLES)
    before = document.render().splitlines(keepends=True)
    if action == "move":
        edit = edits.move(document, service, port=port, host=host, date=None)
    elif action == "remove":
        edit = edits.remove(document, service, host=host, date=None)
    elif action == "rename":
        edit = edits.rename(document, service, f"svc-{port}", host=host, date=None)
    elif action == "set":
        column = "Notes"
        edit = edits.set_cells(document, service, {column: f"note {port}"}, host=host, date=None)
    else:
        edit = edits.add(document, f"svc-{port}", port=port, host=host, date=None)
    edits.verify(edit)
    changed = _changed_lines(document.render(), edit.text)
    removed = [text for text in changed if text[0] == "-"]
    added = [text for text in changed if text[0] == "+"]
    if action == "add":
        last = max(
            e.line for e in _REGISTRY.entries if e.layer == "running" and host_key(e.host or "") == host_key(host)
        )
        assert removed == [] and len(added) == 1 and edit.text.splitlines(keepends=True)[last] == added[0][1:]
    elif action == "rename" and any(e.service == service and e.layer == "planned" for e in _REGISTRY.entries):
        assert removed[-1] == "-" + before[line - 1] and len(removed) == 2  # the plan's row and this host's
    else:
        assert removed == ["-" + before[line - 1]] and len(added) == (action != "remove")
