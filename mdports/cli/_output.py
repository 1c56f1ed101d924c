"""How the commands print text for a person: the one way to the terminal.

Every message and output goes through this module, so a service name, a path or a cell that
holds ESC, BEL, a C1 control or a right-to-left override is shown as ``<U+001B>`` instead of
acting on the terminal (:func:`~mdports.syntax.escaping.printable`). JSON passes unchanged:
:func:`mdports.syntax.escaping.dump` wrote those characters as JSON escapes already. Coloured
text, diffs and Markdown are escaped as they are built (:func:`say_diff`, :func:`say_markdown`).
Only a document written to stdout (``fmt -``) leaves another way, byte for byte what a file
would hold.
"""

from __future__ import annotations

import typer

from ..syntax.escaping import printable


def say(text: str, *, err: bool = False, nl: bool = True, color: bool = False) -> None:
    """Print ``text`` with control and invisible characters shown as ``<U+XXXX>``.

    ``color``: ``text`` was coloured by :mod:`mdports.output.colors` from pieces that were made
    printable first, so its ESC sequences are ours and stay; without colour it is escaped here.
    """
    # click strips colour from what is not a terminal unless told (``color=True``).
    typer.echo(text if color else printable(text), err=err, nl=nl, color=color or None)


def say_markdown(text: str) -> None:
    """Print Markdown that :func:`~mdports.syntax.escaping.escape_markdown` made safe, as it is.

    Its controls and invisible characters are already shown as ``<U+202E>``; the zero-width
    spaces left are its own (they keep ``@team`` from mentioning and ``https://`` from linking
    when the text is pasted into GitHub), so escaping them again would break the comment.
    """
    typer.echo(text, nl=False)


def say_diff(diff: str, color: bool) -> None:
    """Print a unified diff (of an edit or a fix), coloured when ``color``."""
    if color:
        from ..output.colors import paint_diff

        say(paint_diff(printable(diff)), nl=False, color=True)
    else:
        say(diff, nl=False)
