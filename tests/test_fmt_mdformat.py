"""``fmt --mdformat`` never loses a byte it should keep (issue 20, item 14).

mdformat reads YAML front matter as a thematic break and a setext heading, and GFM drops the
text of cells past the header's count; both render to the same HTML, so mdformat's own
``is_md_equal`` check cannot see the loss. Front matter (YAML or TOML) is left out of what
mdformat formats; a row wider than its header is refused, wherever the table is.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from conftest import invoke_mdports, run_mdports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mdports
from mdports import edits
from mdports.syntax.document import FrontMatter

YAML = "---\ntitle: Ports\nowner: ops   \n...\n"
TOML = '+++\ntitle = "Ports"\n[params]\nowner = "ops"\n+++\n'
BODY = "\n# Ports\n\n## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | a |\n| 3002 | b |\n"
FORMATTED = "\n# Ports\n\n## 3000-3009: Core\n\n| Port | Service |\n| ---- | ------- |\n"
FORMATTED += "| 3001 | a       |\n| 3002 | b       |\n"


def test_14_yaml_front_matter_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(YAML + BODY, encoding="utf-8")
    result = run_mdports("fmt", "--mdformat", "PORT_SCHEMA.md", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "reformatted PORT_SCHEMA.md\n")
    assert path.read_text(encoding="utf-8") == YAML + FORMATTED


@pytest.mark.parametrize("front", [YAML, TOML, YAML.replace("\n", "\r\n")], ids=["yaml", "toml", "yaml-crlf"])
def test_14_front_matter_of_either_kind_and_line_ending_is_kept(tmp_path: Path, front: str) -> None:
    newline = "\r\n" if "\r\n" in front else "\n"
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_bytes((front + BODY.replace("\n", newline)).encode("utf-8"))
    result = invoke_mdports("fmt", "--mdformat", "PORT_SCHEMA.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == (front + FORMATTED.replace("\n", newline)).encode("utf-8")
    again = invoke_mdports("fmt", "--mdformat", "--check", "PORT_SCHEMA.md", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "")


def test_14_toml_front_matter_is_a_front_matter_block() -> None:
    document = mdports.parse(TOML + BODY)
    assert isinstance(document.blocks[0], FrontMatter) and document.blocks[0].render() == TOML
    assert document.render() == TOML + BODY
    assert [entry.service for entry in mdports.registry(document).entries] == ["a", "b"]


WIDE = "# Ports\n\n| Port | Service |\n|---|---|\n| 3001 | a | the text GFM drops |\n"


def test_14_a_row_wider_than_its_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(WIDE, encoding="utf-8")
    result = run_mdports("fmt", "--mdformat", "PORT_SCHEMA.md", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "mdports: error: PORT_SCHEMA.md:5: a table row has 3 cells, its header 2: mdformat would drop the text "
        "past cell 2; nothing was written\n"
        "  hint: add the missing header cells, or escape a | that is not a cell border as \\|\n"
    )
    assert path.read_text(encoding="utf-8") == WIDE


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("> | a | b |\n> |---|---|\n> | 1 | 2 | 3 |\n", 3),  # in a block quote
        ("- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n  | 1 | 2 | 3 |\n", 6),  # in a list
        ("| a | b |\n|---|---|\n| `x | y` | 2 |\n", 3),  # GFM splits a code span at a pipe
        (YAML + "\n| a | b |\n|---|---|\n| 1 | 2 | 3 \\| 4 |\n", 8),  # after front matter
    ],
    ids=["blockquote", "list", "code-span", "after-front-matter"],
)
def test_14_wide_rows_anywhere_are_refused_with_their_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    result = invoke_mdports("fmt", "--mdformat", "doc.md", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"mdports: error: doc.md:{line}: a table row has 3 cells, its header 2"), (
        result.stderr
    )
    assert path.read_text(encoding="utf-8") == text


def test_14_directive_comments_keep_applying_after_mdformat(tmp_path: Path) -> None:
    text = (
        "# Ports\n\n## 3000-3009: Core\n<!-- mdports: accept MP101 4400 -- legacy -->\n"
        "| Port | Service |\n|---|---|\n| 3001 | a |\n| 4400 | legacy |\n"
        "   <!--\nmdports: accept MP104\n   -->\nafter\n"
    )
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    before = invoke_mdports("validate", "doc.md", cwd=tmp_path)
    assert invoke_mdports("fmt", "--mdformat", "doc.md", cwd=tmp_path).returncode == 0
    after = invoke_mdports("validate", "doc.md", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") != text
    assert (
        before.stdout.splitlines()[-1]
        == after.stdout.splitlines()[-1]
        == ("doc.md: 0 error(s), 1 warning(s) (1 accepted as known)")
    )


CELL = st.text(st.sampled_from("ab1 |\\`*"), min_size=1, max_size=6).filter(lambda cell: cell.strip(" |\\"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["", YAML, TOML]),
    st.sampled_from(["", "> "]),
    st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=4),
)
def test_14_mdformat_keeps_front_matter_and_every_cell_or_refuses(
    front: str, quote: str, rows: list[list[str]]
) -> None:
    """Property: the front matter is the first bytes of the result, and no cell text is lost."""
    lines = [f"{quote}| h1 | h2 |", f"{quote}|---|---|"] + [quote + "| " + " | ".join(row) + " |" for row in rows]
    text = front + "\n".join(lines) + "\n"
    wide = any(_cell_count(line.removeprefix(quote)) > 2 for line in lines[2:])
    try:
        edit = edits.format_document(mdports.parse(text))
    except mdports.RefusedError as refusal:
        assert wide, refusal  # refused only for a wide row (mdformat keeps what these cells render to)
        assert "cells, its header 2" in str(refusal)
        return
    assert not wide
    assert edit.text.startswith(front)
    assert _cells(text[len(front) :]) == _cells(edit.text[len(front) :])


def _cell_count(line: str) -> int:
    """The cells of a table line as markdown-it splits them (its own escapedSplit), outer pipes dropped."""
    from markdown_it.rules_block.table import escapedSplit

    columns = escapedSplit(line.strip())
    return len(columns) - (columns[0] == "") - (len(columns) > 1 and columns[-1] == "")


def _cells(text: str) -> list[list[str]]:
    """What every cell renders to (markdown-it's GFM tables), row by row.

    A run of spaces renders as one (HTML collapses white space), and mdformat writes it so.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    rows: list[list[str]] = []
    for previous, token in itertools.pairwise(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and previous.type in ("td_open", "th_open"):
            html = md.renderer.renderInline(token.children or [], md.options, {})
            rows[-1].append(re.sub(" +", " ", html))
    return rows
