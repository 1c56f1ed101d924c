"""The document's "Last updated" date: where it is (:func:`date_span`) and what today is.

Edits set the date and ``merge`` aligns it with the one function, so both find the same line.
"""

from __future__ import annotations

import datetime
import os
import re

from ..syntax.row import split_lines

# "Last updated: 2026-03-28", "**Last-Updated:** 2026-03-28": the words, non-word characters, a date.
_LAST_UPDATED_WORDS = re.compile(r"\blast[ -]updated\b", re.IGNORECASE)
_NON_WORD = re.compile(r"\W*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_span(text: str) -> tuple[int, int] | None:
    """Where the date of the document's "Last updated" line is in ``text`` (start, end), or None.

    The first ``Last updated`` (or ``Last-Updated``, any case) followed by non-word characters
    and a ``YYYY-MM-DD`` date, in a paragraph that is not inside a code block, an HTML block
    or a block quote: an example in a code fence or a quoted changelog is not the document's
    date. ``edits`` sets it and ``merge`` aligns it with this one function.

    >>> text = "```\\nLast updated: 2020-01-01\\n```\\n\\n**Last updated:** 2026-03-28\\n"
    >>> text[slice(*date_span(text))]
    '2026-03-28'
    """
    lines = split_lines(text)
    candidates = [(number, span) for number, line in enumerate(lines) for span in [_date_in(line)] if span]
    if not candidates:  # the usual case: no paragraph needs to be found
        return None
    prose = _paragraph_lines(text)
    for number, (start, end) in candidates:
        if number in prose:
            before = sum(len(line) for line in lines[:number])
            return before + start, before + end
    return None


def _date_in(line: str) -> tuple[int, int] | None:
    for words in _LAST_UPDATED_WORDS.finditer(line):
        gap = _NON_WORD.match(line, words.end())
        date = _ISO_DATE.match(line, gap.end() if gap else words.end())
        if date:
            return date.span()
    return None


def _paragraph_lines(text: str) -> frozenset[int]:
    """The 0-based numbers of the lines that are in a paragraph outside block quotes."""
    from ..syntax.gfm_table import block_tokens

    lines: set[int] = set()
    quoted = 0
    for token in block_tokens(text):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "paragraph_open" and not quoted and token.map:
            lines.update(range(*token.map))
    return frozenset(lines)


def today() -> datetime.date:
    """Today's date, or the one ``SOURCE_DATE_EPOCH`` fixes (for reproducible output)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit() and epoch.isascii() and len(epoch) <= 12:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
        except (OverflowError, OSError, ValueError):  # beyond the dates the platform knows
            pass
    return datetime.date.today()
