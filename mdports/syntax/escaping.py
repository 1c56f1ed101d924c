r"""Text from the document made safe for where it is shown: Markdown, a terminal, a spreadsheet.

A service name is whatever someone typed into a table cell. Shown as Markdown (a pull
request comment, a job summary) it must not become a link, an image, a mention or HTML; in a
terminal it must not move the cursor or set the title; in a spreadsheet it must not run as a
formula. Characters that change how the text around them is *displayed* (right-to-left
overrides, zero-width spaces) are shown as ``<U+202E>`` everywhere, so a reader sees that they
are there instead of being misled by them.

>>> escape_markdown("[x](https://e.vil) @org/team\u202e")
'\\[x\\]\\(https\\:\\/\u200b\\/e\\.vil\\) \\@\u200borg\\/team\\<U\\+202E\\>'
>>> printable("name\x1b]0;owned\x07")
'name<U+001B>]0;owned<U+0007>'
>>> csv_cell("=HYPERLINK(1)"), csv_cell("mana-auth")
("'=HYPERLINK(1)", 'mana-auth')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

# Characters that are invisible or change the display of their neighbours: bidi controls and
# isolates, zero-width spaces and joiners, word joiners, invisible operators, the byte-order
# mark, interlinear annotations, tag characters and the Hangul fillers used as "blank" letters.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff0-\ufffb\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
# In a terminal every C0 and C1 control but tab and newline is dangerous (ESC starts cursor
# and title sequences, CR overwrites the line, BEL rings); in Markdown all of them are. A CR
# that ends a line before its LF overwrites nothing: CRLF text (a diff of a CRLF document)
# stays as it is.
# Each is compiled on first use (start-up: docs/benchmarks.md): most runs print nothing that
# needs them, and each class of invisible characters takes a third of a millisecond to compile.
_TERMINAL_UNSAFE = functools.cache(lambda: re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]|\r(?!\n)"))
# What JSON leaves as it is (``json.dumps`` escapes only C0 controls, quotes and backslashes).
_JSON_UNSAFE = functools.cache(lambda: re.compile(f"[\x7f-\x9f{_INVISIBLE}]"))
_MARKDOWN_UNSAFE = functools.cache(lambda: re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]"))
# The ASCII a terminal shows as it is: deleting these bytes from ASCII text leaves only the
# characters :data:`_TERMINAL_UNSAFE` may have to show, so text of megabytes (``list --format
# json`` of a large registry) is checked at the speed of ``bytes.translate``, not of the regex.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_LINE_BREAKS = frozenset("\t\n\v\f\r")
_AUTOLINK = re.compile(r"://|(?i:www)\.")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# OWASP's list of characters that make a spreadsheet read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def visible(char: str) -> str:
    """``<U+202E>``: how a character that must not act is shown instead."""
    return f"<U+{ord(char):04X}>"


def is_hidden(char: str) -> bool:
    """Whether ``char`` is a control character or one that is invisible or moves its neighbours."""
    return _MARKDOWN_UNSAFE().fullmatch(char) is not None


def printable(text: str) -> str:
    """``text`` for a terminal: control and invisible characters shown as ``<U+XXXX>``.

    Tab and newline stay (they only lay text out); every other control character, including
    ESC, which starts the sequences that clear the screen or set the window title, does not.
    """
    if text.isascii() and not text.encode("ascii").translate(None, _PLAIN_ASCII):
        return text
    return _TERMINAL_UNSAFE().sub(lambda match: visible(match.group()), text)


def escape_html(text: str) -> str:
    """Text for HTML or SVG, in an element or an attribute: controls shown, then ``<&>"'`` escaped.

    >>> escape_html('<b title="x">\x1b</b>')
    '&lt;b title=&quot;x&quot;&gt;&lt;U+001B&gt;&lt;/b&gt;'
    """
    import html

    return html.escape(printable(text).replace("\t", " ").replace("\n", " "), quote=True)


def json_printable(text: str) -> str:
    r"""JSON text (as ``json.dumps`` wrote it) with DEL, C1 controls and invisible characters escaped.

    They can only stand inside JSON strings, where ``\u202e`` means the same character: the data
    is unchanged, and a terminal showing the JSON is not moved by it (see :func:`printable`).

    >>> json_printable('{"service": "abc\u202edef", "tag": "\U000e0041"}')
    '{"service": "abc\\u202edef", "tag": "\\udb40\\udc41"}'
    """
    if text.isascii() and "\x7f" not in text:  # the common case, without the regex's pass
        return text
    return _JSON_UNSAFE().sub(lambda match: _json_escape(match.group()), text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a character beyond the BMP is a UTF-16 surrogate pair in JSON
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_markdown(text: str) -> str:
    r"""Text that renders as itself in GitHub Markdown: no markup, no HTML, no links, no mentions.

    Every ASCII punctuation character is backslash-escaped (CommonMark makes each of them
    literal that way, ``<`` and ``&`` included) and line breaks become spaces. A zero-width
    space follows ``@`` (so ``@team`` pings nobody) and breaks ``://`` and ``www.`` (so GitHub
    does not turn a bare address into a link). Control characters and characters that change
    the display of their neighbours (``U+202E`` would show ``3001`` as ``1003``) are shown as
    ``<U+202E>``, before the zero-width spaces of our own are added.

    >>> escape_markdown("<b>x</b> [a](b) @ops")
    '\\<b\\>x\\<\\/b\\> \\[a\\]\\(b\\) \\@\u200bops'
    """
    text = _MARKDOWN_UNSAFE().sub(lambda m: " " if m.group() in _LINE_BREAKS else visible(m.group()), text)
    text = _AUTOLINK.sub(lambda match: match.group(0)[:-1] + "\u200b" + match.group(0)[-1], text)
    out: list[str] = []
    for char in text:
        if char in _ASCII_PUNCTUATION:
            out.append("\\" + char + ("\u200b" if char == "@" else ""))
        else:
            out.append(char)
    return "".join(out)


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading ``'``."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV (no final newline), every text cell passed through :func:`csv_cell`."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([csv_cell(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue().rstrip("\n")


def dump(record: object) -> str:
    """A record (or a list of records) as the JSON text mdports prints: indented, UTF-8 as is.

    As is but for the characters that act on a terminal or hide (ESC, C1 controls, bidi
    overrides): those are JSON escapes (``\\u202e``), which decode to the same data. The record
    shapes are the TypedDicts of :mod:`mdports.records`.
    """
    import json  # only a JSON output pays for it

    return json_printable(json.dumps(record, indent=2, ensure_ascii=False))
