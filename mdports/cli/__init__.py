"""The ``mdports`` command line."""

from . import deploy, edit, merge, read, review  # noqa: F401  (registers the commands)
from ._app import Command, app, main

# Every command is a :class:`Command`: it accepts the global options after its name too and
# answers --format json errors with a JSON object.
for _info in app.registered_commands:
    _info.cls = Command

__all__ = ["app", "main"]
