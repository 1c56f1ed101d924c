"""Invariants of what the language server computes, for any text: it answers, and its ranges lie in the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import markdown

from mdports.files.config import Config
from mdports.servers.analysis import Positions, analyze, diagnostics

texts = st.one_of(markdown(), st.text(max_size=300))


@settings(max_examples=150, deadline=None)
@given(texts, st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_every_text_gets_diagnostics_inside_it(text: str, encoding: str) -> None:
    analysis = analyze(text, "PORT_SCHEMA.md", Config())
    positions = Positions(text, encoding)
    lines = len(positions.lines)
    for diagnostic in diagnostics(analysis, positions):
        start, end = diagnostic.range.start, diagnostic.range.end
        assert (start.line, start.character) <= (end.line, end.character)
        assert 0 <= start.line <= lines and end.line <= lines
        line = positions.content(end.line)
        assert (
            end.character
            <= len(line.encode(encoding.replace("utf-16", "utf-16-le"), "surrogatepass"))
            // {
                "utf-8": 1,
                "utf-16": 2,
                "utf-32": 4,
            }[encoding]
        )


@settings(max_examples=150, deadline=None)
@given(markdown(), st.data())
def test_offsets_and_client_positions_agree(text: str, data: st.DataObject) -> None:
    positions = Positions(text, "utf-16")
    if not positions.lines:
        return
    line = data.draw(st.integers(0, len(positions.lines) - 1))
    column = data.draw(st.integers(1, len(positions.content(line)) + 1))
    client = positions.client(line + 1, column)
    assert positions.offset(*client) == positions.index.start(line + 1) + column - 1
