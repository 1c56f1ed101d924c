"""How the commands print text for a person: the one way to the terminal.

Every message and text output, on stdout or stderr, goes through :func:`say`, so a service
name, a path or a cell that holds ESC, BEL, a right-to-left override or a C1 control is shown
as ``<U+001B>`` instead of acting on the terminal (see :mod:`mdports.output.escaping`). Only
two kinds of output leave another way: JSON and SARIF (:func:`mdports.output.records.dump`
escapes those characters as JSON escapes, so the data is unchanged) and a document written
to stdout (``fmt -``), which must stay byte for byte what a file would hold.
"""

from __future__ import annotations

import typer

from ..output.escaping import printable


def say(text: str, *, err: bool = False, nl: bool = True, color: bool = False) -> None:
    """Print ``text`` with control and invisible characters shown as ``<U+XXXX>``.

    ``color``: ``text`` was coloured by :mod:`mdports.output.colors` from pieces that were made
    printable first, so its ESC sequences are ours and stay; without colour it is escaped here.
    """
    # click strips colour from what is not a terminal unless told (``color=True``).
    typer.echo(text if color else printable(text), err=err, nl=nl, color=color or None)


def say_diff(diff: str, color: bool) -> None:
    """Print a unified diff (of an edit or a fix), coloured when ``color``."""
    if color:
        from ..output.colors import paint_diff

        say(paint_diff(printable(diff)), nl=False, color=True)
    else:
        say(diff, nl=False)
