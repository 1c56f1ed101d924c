"""Directives: HTML comments for mdports in a document (``<!-- mdports: accept MP101 -->``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .ports import MAX_PORT


@dataclass(frozen=True, slots=True)
class Directive:
    """An HTML comment for mdports, ``<!-- mdports: VERB RULE [PORT ...] -->``, in a section.

    The one verb is ``accept`` (an inline exception); any other is kept so that validation can
    say it is unknown instead of ignoring it.
    """

    section: int
    line: int
    rules: tuple[str, ...]
    ports: tuple[int, ...]
    verb: str = "accept"


def directive_comments(text: str) -> Iterator[tuple[int, str, str]]:
    """Each ``<!-- mdports: VERB BODY -->`` in ``text`` as ``(offset, VERB, BODY)``.

    Read with ``str.find``: a regular expression for it (``\\s+(.*?)\\s*-->``) backtracks
    quadratically on a comment with a long run of spaces and no end. Case is ignored in
    ``mdports:`` and the verb (given lower-cased), whitespace around them is free, BODY loses
    its outer spaces. A comment that does not start with ``mdports:`` is not ours.
    """
    start = text.find("<!--")
    while start != -1:
        index = _skip_space(text, start + 4)
        body_end = -1
        if text[index : index + 8].lower() == "mdports:":
            index = _skip_space(text, index + 8)
            body_end = text.find("-->", index)
            if body_end == -1:
                return  # no comment after this one is closed either
            verb, _, body = text[index:body_end].partition(" ")
            verb, tab, rest = verb.partition("\t")  # `accept\tMP101` too
            yield start, verb.strip().lower(), (rest + tab + body if tab else body).strip()
        start = text.find("<!--", body_end + 3 if body_end != -1 else start + 4)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def read_directive(section: int, line: int, verb: str, body: str) -> Directive:
    body = body.split("--", 1)[0]  # "-- reason" is for people
    rules: list[str] = []
    ports: list[int] = []
    for word in re.split(r"[\s,]+", body.strip()):
        if word.isdigit() and word.isascii():
            ports.append(int(word) if len(word) <= 9 else MAX_PORT + 1)  # too long to be a port: matches none
        elif word:
            rules.append(word)
    return Directive(section, line, tuple(rules), tuple(ports), verb)
