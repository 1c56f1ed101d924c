"""The lossless document: ``parse(t).render() == t`` for every string, and blocks in the right place."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import corpus
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import markdown

import mdports
from mdports.syntax.document import FrontMatter, Heading, Html, Prose, Table
from mdports.syntax.row import Row, split_lines


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_corpus_round_trips_byte_for_byte(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    assert mdports.parse(text).render() == text


@pytest.mark.slow
@given(markdown())
@settings(max_examples=300, deadline=None)
def test_generated_markdown_round_trips(text: str) -> None:
    document = mdports.parse(text)
    assert document.render() == text
    mdports.validate(document)  # and the model and the rules cope with it


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_text_round_trips(text: str) -> None:
    assert mdports.parse(text).render() == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "\r\n\r\n",
        "\ufeff",
        "\ufeff# Title\r\n",
        "no final newline",
        "| Port | Service |\n|---|---|\n| 1 | a |",
        "| Port | Service |\r\n|---|---|\r\n| 1 | a |\r",
        "mixed\r\nline\rendings\n",
        "\ttabs\t and trailing spaces   \n",
        "ünïcödé — ☃ 𝔘\n",
        "---\ntitle: front\n---\n# Heading\n",
        "---\nunterminated front matter\n",
        "```\n| Port | Service |\n|---|---|\n```\n",
        "<!-- comment -->\n",
        "\0 nul byte\n",
        "| a | b \\| c |\n|---|---|\n| 1 | 2 |   \n",
    ],
)
def test_edge_cases_round_trip(text: str) -> None:
    assert mdports.parse(text).render() == text


def test_blocks_are_located_by_line() -> None:
    text = "---\nx: 1\n---\n# Ports\n\n<!-- note -->\n\n| Port | Service |\n|--|--|\n| 80 | web |\n\ntext\n"
    document = mdports.parse(text)
    kinds = [(type(block).__name__, block.start) for block in document.blocks]
    assert kinds == [
        ("FrontMatter", 0),
        ("Heading", 3),
        ("Prose", 4),
        ("Html", 5),
        ("Prose", 6),
        ("Table", 7),
        ("Prose", 10),
    ]
    assert isinstance(document.blocks[0], FrontMatter)
    heading = document.blocks[1]
    assert isinstance(heading, Heading) and heading.text == "Ports" and heading.level == 1
    assert isinstance(document.blocks[3], Html)
    table = document.blocks[5]
    assert isinstance(table, Table) and table.body[0].texts == ("80", "web")


@pytest.mark.parametrize(
    "text",
    [
        "> ## 3000-3009: Quoted\n>\n> | Port | Service |\n> |---|---|\n> | 3001 | quoted |\n",
        "- item\n\n  | Port | Service |\n  |---|---|\n  | 3001 | listed |\n",
        "```\n## 3000-3009: Fenced\n| Port | Service |\n|---|---|\n| 3001 | fenced |\n```\n",
        "<div>\n| Port | Service |\n|---|---|\n| 3001 | html |\n</div>\n",
        "    | Port | Service |\n    |---|---|\n    | 3001 | indented-code |\n",
    ],
)
def test_nested_headings_and_tables_are_prose(text: str) -> None:
    document = mdports.parse(text)
    assert all(isinstance(block, (Prose, Html)) for block in document.blocks)
    assert mdports.registry(document).entries == ()


def test_row_keeps_every_byte_of_trivia() -> None:
    line = "  |  3001 | mana-auth |Hono\\|Bun|   \r\n"
    row = Row.parse(line)
    assert row.render() == line
    assert row.texts == ("3001", "mana-auth", "Hono\\|Bun")
    assert (row.indent, row.lead, row.trail, row.tail, row.eol) == ("  ", True, True, "   ", "\r\n")
    assert row.column(0) == 6 and line[row.column(1) - 1 :].startswith("mana-auth")


def test_row_without_outer_pipes() -> None:
    row = Row.parse("3001 | auth | Go")
    assert (row.lead, row.trail, row.texts) == (False, False, ("3001", "auth", "Go"))


def test_split_lines_agrees_with_markdown_it_numbering() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a\r\n", "b\r", "c\n", "d"]
    assert split_lines("a\u2028b\x0cc\n") == ["a\u2028b\x0cc\n"]  # only CR/LF end lines


def test_load_reads_bytes_exactly(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_bytes(b"\xef\xbb\xbf# T\r\n| Port | Service |\r\n|--|--|\r\n| 1 | a |")
    document = mdports.load(path)
    assert document.render().encode("utf-8") == path.read_bytes()
    assert document.newline == "\r\n" and document.bom == "\ufeff"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("dir", "is a directory"),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "binary file (NUL byte at offset 8)"),
        (b"ok\n\xc3\x28", "not valid UTF-8 (byte 0xc3 at offset 3)"),
    ],
)
def test_unreadable_files_are_one_clear_error(tmp_path: Path, content: bytes | str | None, message: str) -> None:
    path = tmp_path / "doc.md"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(mdports.InputError) as raised:
        mdports.load(path)
    assert message in str(raised.value) and str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


# --- cells as markdown-it reads them ---------------------------------------------------------------

_ODD = ["\u00a0", "\x0c", "\x0b", "\x00", "\x85", "\u2003", "\u3000", "\x1c", " ", "\t"]
_CELL = st.text(alphabet=st.sampled_from([*_ODD, "a", "1", "-", "`", "*"]), max_size=6)


@st.composite
def _pasted_tables(draw: st.DrawFn) -> str:
    """Tables whose lines and cells start and end with whitespace markdown-it may or may not trim."""
    width = draw(st.integers(1, 4))

    def line(cells: list[str]) -> str:
        prefix = draw(st.sampled_from(["", "", *_ODD[:6], " \u00a0"]))
        suffix = draw(st.sampled_from(["", "", *_ODD]))
        return prefix + "|" + "|".join(cells) + "|" + suffix

    header = [f"h{i}{draw(_CELL)}" for i in range(width)]
    rows = [line(header), line(["---"] * width)]
    rows += [line(draw(st.lists(_CELL, min_size=width, max_size=width))) for _ in range(draw(st.integers(0, 4)))]
    return "\n".join(rows) + "\n"


@given(_pasted_tables())
@settings(max_examples=400, deadline=None)
@example("\u00a0| Port | Service |\n|---|---|\n\u00a0| 3000 | web |\n")
@example("| Port | Service |\n|---|---|\n\x0c| 3000 | web\x85|\n")
def test_cell_texts_are_markdown_its_cells(text: str) -> None:
    """Row.texts trims what markdown-it trims (NBSP, form feed, vertical tab; not U+0085 or U+001C)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    theirs: dict[int, list[list[str]]] = {}
    table_start = 0
    for token in tokens:
        if token.type == "table_open" and token.map:
            table_start = token.map[0]
            theirs[table_start] = []
        elif token.type == "tr_open":
            theirs[table_start].append([])
        elif token.type == "inline" and theirs and token.level > 0:
            theirs[table_start][-1].append(token.content)
    document = mdports.parse(text)
    ours = {block.start: block for block in document.blocks if isinstance(block, Table)}
    assert sorted(ours) == sorted(theirs)
    for start, block in ours.items():
        rows = [row for index, row in enumerate(block.rows) if index != 1]  # markdown-it has no delimiter row
        width = len(block.header.texts)
        for row, cells in zip(rows, theirs[start], strict=True):
            texts = [cell.replace("\x00", "\ufffd") for cell in row.texts[:width]]  # markdown-it's NUL rule
            assert texts + [""] * (width - len(texts)) == cells
