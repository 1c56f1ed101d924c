"""The ``mdports`` command line.

Each command's module (``read``, ``edit``, ``versions``, ``drift``, ``export``, ...) is imported when
that command runs: :data:`mdports.cli._app.COMMANDS` says which module holds which command.
"""

from .._gc import collector_paused

with collector_paused():  # typer and click load here: see mdports/_gc.py
    from ._app import app, main

__all__ = ["app", "main"]
