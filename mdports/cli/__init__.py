"""The ``mdports`` command line."""

from . import deploy, edit, merge, read, review  # noqa: F401  (registers the commands)
from ._app import app, main

__all__ = ["app", "main"]
